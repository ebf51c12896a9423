// SPDX-License-Identifier: MIT
#include "filter/milter/header_field.h"

namespace dkim::milter {

void append_wire_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out += ':';
  for (std::size_t pos = 0;;) {
    std::size_t lf = value.find('\n', pos);
    if (lf == std::string_view::npos) {
      out.append(value.substr(pos));
      break;
    }
    out.append(value.substr(pos, lf - pos));
    out += "\r\n";
    pos = lf + 1;
  }
  out += "\r\n";
}

std::string insert_value(std::string_view field, bool keep_leading_space) {
  std::string_view value = field.substr(field.find(':') + 1);
  if (value.size() >= 2 && value.substr(value.size() - 2) == "\r\n") value.remove_suffix(2);
  if (!keep_leading_space && !value.empty() && value.front() == ' ') value.remove_prefix(1);
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\r' && i + 1 < value.size() && value[i + 1] == '\n') continue;
    out += value[i];
  }
  return out;
}

}  // namespace dkim::milter
