// SPDX-License-Identifier: MIT
// Helpers shared by the unit tests.
#pragma once
#include <fstream>
#include <sstream>
#include <string>

namespace dkim::test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string vector_path(const std::string& name) {
  return std::string(DKIM_TEST_VECTORS) + "/" + name;
}

inline std::string lf_to_crlf(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace dkim::test
