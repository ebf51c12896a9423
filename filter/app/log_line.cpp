// SPDX-License-Identifier: MIT
#include "filter/app/log_line.h"

#include <syslog.h>
#include <unistd.h>

namespace dkim::app {
namespace {

// Control characters would let a hostile sender address forge log lines.
std::string quote(const std::string& v) {
  if (v.empty()) return "-";  // unknown or not applicable: still one token
  bool plain = true;
  for (char c : v)
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      plain = false;
  if (plain) return v;
  std::string out = "\"";
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

void LogLine::set(const std::string& key, const std::string& value) {
  for (auto& f : fields_)
    if (f.first == key) {
      f.second = value;
      return;
    }
  fields_.emplace_back(key, value);
}

std::string LogLine::text() const {
  std::string out;
  for (const auto& [k, v] : fields_) {
    if (!out.empty()) out += ' ';
    out += k + "=" + quote(v);
  }
  return out;
}

void LogLine::emit(LogTarget target) const {
  std::string line = text();
  if (target == LogTarget::stderr_) {
    line = "dkim-filter: " + line + "\n";
    (void)!::write(2, line.data(), line.size());
    return;
  }
  openlog("dkim-filter", LOG_PID, LOG_MAIL);
  syslog(LOG_INFO, "%s", line.c_str());
  closelog();
}

}  // namespace dkim::app
