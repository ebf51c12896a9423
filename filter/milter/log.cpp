// SPDX-License-Identifier: MIT
#include "filter/milter/log.h"

#include <syslog.h>
#include <unistd.h>

namespace dkim::milter {
namespace {

app::LogTarget target = app::LogTarget::stderr_;

void to_stderr(const std::string& text) {
  // One write(2) per line: lines from concurrent sessions never interleave.
  std::string line = "dkim-filter-milter: " + text + "\n";
  (void)!::write(2, line.data(), line.size());
}

}  // namespace

void open_log(app::LogTarget t) {
  target = t;
  if (t == app::LogTarget::syslog) openlog("dkim-filter-milter", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void log_message(const app::LogLine& line) {
  if (target == app::LogTarget::stderr_)
    to_stderr(line.text());
  else
    syslog(LOG_INFO, "%s", line.text().c_str());
}

void log_notice(Severity severity, const std::string& text) {
  if (target == app::LogTarget::stderr_) return to_stderr(text);
  int priority = severity == Severity::error     ? LOG_ERR
                 : severity == Severity::warning ? LOG_WARNING
                                                 : LOG_NOTICE;
  syslog(priority, "%s", text.c_str());
}

}  // namespace dkim::milter
