// SPDX-License-Identifier: MIT
#include "filter/app/output.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "filter/base/error.h"

namespace dkim::app {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fake sendmail: records its arguments (one per line) and its standard
// input, then exits with $FAKE_STATUS, or kills itself with $FAKE_SIGNAL.
class SendmailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dkim-output-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fake_ = dir_ + "/sendmail";
    std::ofstream(fake_) << "#!/bin/sh\n"
                         << "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" << dir_ << "/argv'\n"
                         << "cat > '" << dir_ << "/stdin'\n"
                         << "[ -n \"$FAKE_SIGNAL\" ] && kill -\"$FAKE_SIGNAL\" $$\n"
                         << "exit ${FAKE_STATUS:-0}\n";
    ::chmod(fake_.c_str(), 0700);
    message_ = dir_ + "/message";
    std::ofstream(message_, std::ios::binary) << "SKIPFrom: a@example.com\n\nbody\n";
  }
  void TearDown() override {
    ::unsetenv("FAKE_STATUS");
    ::unsetenv("FAKE_SIGNAL");
    fs::remove_all(dir_);
  }

  // Sends the message file from offset 4 (the spool's room in front).
  int send(const std::string& program, std::string& error) {
    int fd = ::open(message_.c_str(), O_RDONLY);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::lseek(fd, 4, SEEK_SET), 4);
    Sendmail sendmail(program, "sender@example.com", {"r1@example.net", "-r2@example.net"});
    int status = sendmail.send(fd, error);
    ::close(fd);
    return status;
  }

  std::string dir_, fake_, message_;
};

TEST_F(SendmailTest, ArgvAndTheMessageFromItsOffset) {
  std::string error;
  EXPECT_EQ(send(fake_, error), exit_code::ok);
  EXPECT_EQ(error, "");
  // -G relay submission, -i no dot handling, recipients after "--" so that
  // one starting with '-' is not an option.
  EXPECT_EQ(slurp(dir_ + "/argv"), "-G\n-i\n-f\nsender@example.com\n--\nr1@example.net\n-r2@example.net\n");
  EXPECT_EQ(slurp(dir_ + "/stdin"), "From: a@example.com\n\nbody\n");
}

TEST_F(SendmailTest, ItsStatusIsOurs) {
  ::setenv("FAKE_STATUS", "67", 1);
  std::string error;
  EXPECT_EQ(send(fake_, error), 67);  // EX_NOUSER: the MTA bounces, as sendmail said
}

TEST_F(SendmailTest, NotStartedIsTemporary) {
  std::string error;
  EXPECT_EQ(send(dir_ + "/missing", error), exit_code::tempfail);
  EXPECT_NE(error.find("sendmail: cannot run " + dir_ + "/missing"), std::string::npos) << error;
}

TEST_F(SendmailTest, KilledIsTemporary) {
  ::setenv("FAKE_SIGNAL", "KILL", 1);
  std::string error;
  EXPECT_EQ(send(fake_, error), exit_code::tempfail);
  EXPECT_EQ(error, "sendmail: killed by signal 9");
}

TEST(StdoutSink, CloseAndAbort) {
  StdoutSink sink;
  EXPECT_EQ(sink.fd(), 1);
  EXPECT_EQ(sink.close(), exit_code::ok);
  EXPECT_EQ(sink.abort(), exit_code::tempfail);  // Exim discards what it got
}

}  // namespace
}  // namespace dkim::app
