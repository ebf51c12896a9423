// SPDX-License-Identifier: MIT
// Splits a message's header section into fields without changing a byte
// (RFC 5322 §2.2: a field is a line not starting with WSP plus its folded
// continuation lines).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace dkim::mail {

struct HeaderField {
  std::string_view raw;            ///< name through the final line end, folding intact
  std::string_view name;           ///< as written, without trailing WSP before the colon
  std::string_view value() const;  ///< bytes after the colon, line end included
};

struct HeaderBlock {
  std::vector<HeaderField> fields;  ///< views into the text passed to parse
  std::string_view eol = "\n";      ///< line end style of the first line
  std::string problem;              ///< non-empty: not a well-formed header section
};

/// Parses `text`, the header section up to (not including) the empty line
/// that separates it from the body. Never throws; a malformed section (no
/// colon, a bad name, a NUL, a CR that is not followed by LF...) is
/// reported in `problem` so the message can be passed on unsigned.
HeaderBlock parse_header_block(std::string_view text);

/// Case-insensitive ASCII comparison of field names.
bool same_name(std::string_view a, std::string_view b);

}  // namespace dkim::mail
