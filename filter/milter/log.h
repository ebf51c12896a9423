// SPDX-License-Identifier: MIT
// Where the milter's lines go: the per-message key=value line (the format
// of dkim-filter(8), LOGGING) and the daemon's own notices, to syslog
// (facility mail, ident dkim-filter-milter) or to stderr.
#pragma once
#include <string>

#include "filter/app/log_line.h"
#include "filter/app/options.h"

namespace dkim::milter {

enum class Severity { info, warning, error };

/// Chooses the target once, before any thread starts.
void open_log(app::LogTarget target);
/// One message's line.
void log_message(const app::LogLine& line);
/// A notice about the daemon itself (start, stop, a failed socket...).
void log_notice(Severity severity, const std::string& text);

}  // namespace dkim::milter
