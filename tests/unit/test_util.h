// SPDX-License-Identifier: MIT
// Helpers shared by the unit tests.
#pragma once
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
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

/// A fixture with a fresh temporary directory `dir_`, removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "dkim-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

/// ... and a configuration file written into it with a given mode.
class ConfigFileTest : public TempDirTest {
 protected:
  std::string write(const std::string& text, mode_t mode = 0644) {
    std::string path = dir_ + "/dkim-filter.conf";
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
};

}  // namespace dkim::test
