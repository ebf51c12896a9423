// SPDX-License-Identifier: MIT
// One log line per message in a stable key=value format, so that grep and
// log tooling can count signed and unsigned mail per reason.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "filter/app/options.h"

namespace dkim::app {

class LogLine {
 public:
  void set(const std::string& key, const std::string& value);
  /// "key=value key=value"; values with spaces, quotes or '=' are quoted
  /// (control characters as \xNN), empty values are written as "-".
  std::string text() const;
  /// To syslog (facility mail) or stderr.
  void emit(LogTarget target) const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace dkim::app
