// SPDX-License-Identifier: MIT
#include "filter/app/options.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "filter/app/filter_run.h"
#include "filter/base/error.h"

namespace dkim::app {
namespace {

// parse_options() with a fixed argv; the default config file does not exist
// on a test machine, and --config names one explicitly where needed.
std::optional<Options> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "dkim-filter");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_options(static_cast<int>(argv.size()), argv.data());
}

ErrorKind kind_of(std::vector<std::string> args) {
  try {
    auto o = parse(std::move(args));
    if (o) validate_options(*o);
  } catch (const Error& e) {
    return e.kind();
  }
  return ErrorKind::internal;  // "no error"
}

TEST(Options, PostfixCommandLine) {
  auto o = parse({"--db", "/x.db", "-q", "4Xyz", "-f", "alice@example.com", "-u", "alice@example.com", "-a",
                  "192.0.2.1", "--", "bob@example.net", "-carol@example.net"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->db_path, "/x.db");
  EXPECT_EQ(o->queue_id, "4Xyz");
  EXPECT_EQ(o->sender, "alice@example.com");
  EXPECT_EQ(o->sasl_user, "alice@example.com");
  EXPECT_EQ(o->client_ip, "192.0.2.1");
  // After "--" a recipient that looks like an option stays a recipient.
  std::vector<std::string> want = {"bob@example.net", "-carol@example.net"};
  EXPECT_EQ(o->recipients, want);
  EXPECT_FALSE(o->to_stdout);
  EXPECT_NO_THROW(validate_options(*o));
}

TEST(Options, EmptySenderIsTheNullSender) {
  auto o = parse({"-f", "", "--", "bob@example.net"});
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->have_sender);
  EXPECT_EQ(o->sender, "");
  EXPECT_NO_THROW(validate_options(*o));
}

TEST(Options, ExplicitKeyMode) {
  auto o =
      parse({"--stdout", "--key", "k.pem", "-d", "example.com", "-s", "sel", "--canon", "simple/simple"});
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->to_stdout);
  EXPECT_EQ(o->key_file, "k.pem");
  EXPECT_EQ(o->domain, "example.com");
  EXPECT_EQ(o->selector, "sel");
  EXPECT_EQ(o->canon, "simple/simple");
  EXPECT_NO_THROW(validate_options(*o));
}

TEST(Options, BadCommandLinesAreUsageErrors) {
  EXPECT_EQ(kind_of({"--bogus"}), ErrorKind::usage);
  EXPECT_EQ(kind_of({"--", "bob@example.net"}), ErrorKind::usage);  // no -f to re-inject
  EXPECT_EQ(kind_of({"-f", "a@example.com"}), ErrorKind::usage);    // no recipients
  EXPECT_EQ(kind_of({"--on-error", "maybe", "--stdout"}), ErrorKind::usage);
  EXPECT_EQ(kind_of({"--log", "file", "--stdout"}), ErrorKind::usage);
  EXPECT_EQ(kind_of({"--stdout", "--key", "k", "-s", "s"}), ErrorKind::usage);  // no -d
  EXPECT_EQ(kind_of({"--stdout", "--key", "k", "-d", "a b", "-s", "s"}), ErrorKind::usage);
  EXPECT_EQ(kind_of({"-f", "a@example.com\r\nBcc: x", "--", "b@example.net"}), ErrorKind::usage);
  EXPECT_EQ(kind_of({"-f", "a@example.com", "--", "b@example.net\n"}), ErrorKind::usage);
  EXPECT_EQ(kind_of({"--stdout", "--expire", "-5"}), ErrorKind::usage);
  EXPECT_EQ(kind_of({"--stdout", "--canon", "loose/loose"}), ErrorKind::usage);
}

TEST(Options, ConfigFileSetsDefaultsTheCommandLineOverrides) {
  std::string path = ::testing::TempDir() + "/dkim-filter-options-test.conf";
  {
    std::ofstream f(path);
    f << "db = /from/config.db\non-error = pass\nlog = stderr\ndefault-user = local@example.com\nexpire = "
         "3600\n";
  }
  auto o = parse({"--config", path, "--db", "/from/cli.db", "--stdout"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->db_path, "/from/cli.db");
  EXPECT_EQ(o->on_error, OnError::pass);
  EXPECT_EQ(o->log, LogTarget::stderr_);
  EXPECT_EQ(o->default_user, "local@example.com");
  EXPECT_EQ(o->expire_seconds, 3600);
  {
    std::ofstream f(path);
    f << "sasl-user = someone\n";  // per-message options do not belong there
  }
  // A config problem is not a usage error: it is kept for the message's run.
  EXPECT_EQ(kind_of({"--config", path, "--stdout"}), ErrorKind::internal);
  EXPECT_NE(parse({"--config", path, "--stdout"})->config_problem.find(path), std::string::npos);
  EXPECT_NE(parse({"--config", path + ".missing", "--stdout"})->config_problem.find(".missing"),
            std::string::npos);
}

// The file is read after the command line: a broken file is ignored whole,
// and the command line's --on-error still holds.
TEST(Options, BrokenConfigFileKeepsTheCommandLine) {
  std::string path = ::testing::TempDir() + "/dkim-filter-options-broken.conf";
  for (const char* text : {"db = /x.db\nsendmial = /tmp/x\n", "db = /x.db\non-error = sometimes\n",
                           "db = /x.db\nexpire = 99999999999999\n", "db = /x.db\nexpire = banana\n",
                           "db = /x.db\ncanon = loose/loose\n"}) {
    {
      std::ofstream f(path);
      f << text;
    }
    auto o = parse({"--config", path, "--on-error", "pass", "--stdout"});
    ASSERT_TRUE(o);
    EXPECT_NE(o->config_problem.find(path), std::string::npos) << text;
    EXPECT_EQ(o->on_error, OnError::pass) << text;
    EXPECT_EQ(o->db_path, "") << text;  // nothing of the broken file is used
    EXPECT_EQ(o->expire_seconds, 0) << text;
  }
}

// RFC 6376 §3.5: t= and x= are at most 12 digits, and x= comes after t=.
TEST(Options, TimestampAndExpiryFitTwelveDigits) {
  EXPECT_EQ(kind_of({"--stdout", "--timestamp", "1000000000000"}), ErrorKind::usage);
  EXPECT_EQ(kind_of({"--stdout", "--timestamp", "-1"}), ErrorKind::usage);
  EXPECT_EQ(kind_of({"--stdout", "--timestamp", "999999999999"}), ErrorKind::internal);
  EXPECT_EQ(kind_of({"--stdout", "--expire", "9223372036854775807"}), ErrorKind::usage);
  EXPECT_EQ(kind_of({"--stdout", "--timestamp", "999999999000", "--expire", "1000"}), ErrorKind::usage);
  EXPECT_EQ(kind_of({"--stdout", "--timestamp", "999999999000", "--expire", "999"}), ErrorKind::internal);
  EXPECT_EQ(kind_of({"--stdout", "--expire", "3600"}), ErrorKind::internal);
}

TEST(Options, Size) {
  auto o = parse({"--stdout", "--size", "1234"});
  ASSERT_TRUE(o);
  ASSERT_TRUE(o->size);
  EXPECT_EQ(*o->size, 1234);
  EXPECT_EQ(kind_of({"--stdout", "--size", "-1"}), ErrorKind::usage);
  EXPECT_EQ(kind_of({"--stdout", "--size", "ten"}), ErrorKind::usage);
}

}  // namespace
}  // namespace dkim::app
