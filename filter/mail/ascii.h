// SPDX-License-Identifier: MIT
// ASCII case folding for protocol text (header names, domains, selectors):
// never locale-dependent, and bytes >= 0x80 stay as they are.
#pragma once
#include <string>
#include <string_view>

namespace dkim::mail {

inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

}  // namespace dkim::mail
