// SPDX-License-Identifier: MIT
#include "filter/app/options.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "filter/app/filter_run.h"
#include "filter/dkim/error.h"

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
  EXPECT_EQ(kind_of({"--config", path, "--stdout"}), ErrorKind::config);
  EXPECT_EQ(kind_of({"--config", path + ".missing", "--stdout"}), ErrorKind::config);
}

}  // namespace
}  // namespace dkim::app
