// SPDX-License-Identifier: MIT
// The configuration file every program reads (/etc/dkim-filter/
// dkim-filter.conf) names the database, the sendmail to run and the keys:
// whoever can change it chooses what we sign with and what we execute. So
// it is read only when root or the running user owns it and neither group
// nor others may write it, checked with fstat(2) on the descriptor that is
// then read, so the file checked is the file read (no stat/open race).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace dkim {

/// The file's text; nullopt when it does not exist and !must_exist.
/// Throws Error(config) ("config: PATH ...") when it
/// cannot be opened (`unreadable_hint` appended), is not a regular file,
/// is owned by anyone but root or this process's user, is writable by
/// group or others, or is larger than 1 MB. /dev/null reads as empty.
std::optional<std::string> read_trusted_file(const std::string& path, bool must_exist,
                                             std::string_view unreadable_hint = {});

}  // namespace dkim
