// SPDX-License-Identifier: MIT
#include "filter/milter/options.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "../test_util.h"
#include "filter/app/options.h"
#include "filter/base/error.h"

namespace dkim::milter {
namespace {

class MilterOptionsTest : public ::dkim::test::ConfigFileTest {
 protected:
  void SetUp() override {
    ConfigFileTest::SetUp();
    config_ = dir_ + "/dkim-filter.conf";
  }
  void write_config(const std::string& text, mode_t mode = 0644) { write(text, mode); }
  std::optional<Options> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "dkim-filter-milter");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return parse_options(static_cast<int>(argv.size()), argv.data());
  }
  static ErrorKind kind_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.kind();
    }
    ADD_FAILURE() << "no dkim::Error thrown";
    return ErrorKind::internal;
  }

  // Every option the shared file may hold, for either binary.
  const std::string every_option_ =
      "db = /tmp/x.db\nsendmail = /usr/sbin/sendmail\non-error = pass\nlog = stderr\n"
      "default-user = alice@example.com\nspool-dir = /tmp\nexpire = 3600\ncanon = simple/simple\n"
      "socket = inet:8891@127.0.0.1\nmax-staleness = 600\n";
  std::string config_;
};

TEST_F(MilterOptionsTest, OneFileServesBothBinaries) {
  write_config(every_option_);
  auto o = parse({"--config", config_});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->socket, "inet:8891@127.0.0.1");
  EXPECT_EQ(o->db_path, "/tmp/x.db");
  EXPECT_EQ(o->on_error, app::OnError::pass);
  EXPECT_EQ(o->default_user, "alice@example.com");
  EXPECT_EQ(o->expire_seconds, 3600);
  EXPECT_EQ(o->max_staleness, 600);
  // dkim-filter reads the same file without complaint.
  std::vector<std::string> args = {"dkim-filter", "--config", config_, "--stdout"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  EXPECT_NO_THROW(app::parse_options(static_cast<int>(argv.size()), argv.data()));
}

TEST_F(MilterOptionsTest, TheCommandLineWins) {
  write_config(every_option_);
  auto o = parse({"--config", config_, "--socket", "unix:/run/dkim-filter/milter.sock", "--on-error",
                  "tempfail", "--foreground"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->socket, "unix:/run/dkim-filter/milter.sock");
  EXPECT_EQ(o->on_error, app::OnError::tempfail);
  EXPECT_TRUE(o->foreground);
}

TEST_F(MilterOptionsTest, AnUnknownOptionInTheFileIsAnError) {
  write_config(every_option_ + "no-such-option = 1\n");
  EXPECT_EQ(kind_of([&] { parse({"--config", config_}); }), ErrorKind::config);
}

TEST_F(MilterOptionsTest, AFileOthersMayWriteIsRefused) {
  write_config(every_option_, 0666);
  EXPECT_EQ(kind_of([&] { parse({"--config", config_}); }), ErrorKind::config);
}

TEST_F(MilterOptionsTest, TheSocketIsRequiredAndChecked) {
  write_config("");
  EXPECT_EQ(kind_of([&] { parse({"--config", config_}); }), ErrorKind::usage);
  for (const char* bad : {"unix:relative.sock", "inet:0@127.0.0.1", "inet:99999", "tcp:1@x", "inet:8891@"})
    EXPECT_EQ(kind_of([&] { parse({"--config", config_, "--socket", bad}); }), ErrorKind::usage) << bad;
  for (const char* good : {"unix:/run/x.sock", "local:/run/x.sock", "inet:8891@127.0.0.1", "inet6:8891@::1"})
    EXPECT_TRUE(valid_socket_spec(good)) << good;
}

TEST_F(MilterOptionsTest, BadValuesAreUsageErrors) {
  write_config("");
  EXPECT_EQ(kind_of([&] {
              parse({"--config", config_, "--socket", "inet:1", "--on-error", "x"});
            }),
            ErrorKind::usage);
  EXPECT_EQ(kind_of([&] {
              parse({"--config", config_, "--socket", "inet:1", "--log", "x"});
            }),
            ErrorKind::usage);
  EXPECT_EQ(kind_of([&] {
              parse({"--config", config_, "--socket", "inet:1", "--expire", "-1"});
            }),
            ErrorKind::usage);
  EXPECT_EQ(kind_of([&] {
              parse({"--config", config_, "--socket", "inet:1", "--max-staleness", "0"});
            }),
            ErrorKind::usage);
}

}  // namespace
}  // namespace dkim::milter
