// SPDX-License-Identifier: MIT
// The one reader of the shared configuration file: what it accepts and
// what it refuses, by name.
#include "filter/base/trusted_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../test_util.h"
#include "filter/base/error.h"

namespace dkim {
namespace {

class TrustedFileTest : public test::ConfigFileTest {
 protected:
  static std::string error_of(const std::string& path, bool must_exist = true, std::string_view hint = {}) {
    try {
      read_trusted_file(path, must_exist, hint);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::config);
      return e.what();
    }
    return "no error";
  }
};

TEST_F(TrustedFileTest, ReadsASafeFile) {
  auto text = read_trusted_file(write("db = /x\n"), true);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "db = /x\n");
}

TEST_F(TrustedFileTest, AMissingOptionalFileIsNoFile) {
  EXPECT_FALSE(read_trusted_file(dir_ + "/absent", false));
  EXPECT_EQ(error_of(dir_ + "/absent", true, "(check --config)"),
            "config: cannot read " + dir_ + "/absent: No such file or directory (check --config)");
}

TEST_F(TrustedFileTest, RefusesWhatOthersCouldChange) {
  std::string path = write("db = /x\n", 0664);
  EXPECT_EQ(error_of(path),
            "config: " + path + " is writable by group or others (mode 0664): run chmod go-w " + path);
  EXPECT_EQ(error_of(dir_), "config: " + dir_ + " is not a regular file");
}

TEST_F(TrustedFileTest, RefusesAFileOfAnotherOwner) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the file away";
  std::string path = write("db = /x\n");
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  EXPECT_NE(error_of(path).find("is owned by uid 65534, not root"), std::string::npos);
}

TEST_F(TrustedFileTest, RefusesAHugeFile) {
  std::string path = write(std::string((1 << 20) + 1, '#'));
  EXPECT_EQ(error_of(path), "config: " + path + " is larger than 1 MB: not a configuration file");
}

TEST_F(TrustedFileTest, TheNullDeviceIsAnEmptyFile) {
  auto text = read_trusted_file("/dev/null", true);
  ASSERT_TRUE(text);
  EXPECT_TRUE(text->empty());
  EXPECT_EQ(error_of("/dev/zero"), "config: /dev/zero is not a regular file");
}

}  // namespace
}  // namespace dkim
