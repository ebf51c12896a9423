// SPDX-License-Identifier: MIT
// dkim-filter-admin's reading of the shared configuration file.
#include "db/admin/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../test_util.h"
#include "filter/base/error.h"

namespace dkim::admin {
namespace {

class AdminConfigTest : public test::ConfigFileTest {
 protected:
  static std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::config);
      return e.what();
    }
    ADD_FAILURE() << "accepted";
    return {};
  }
};

TEST_F(AdminConfigTest, ReadsItsOwnOptionsAndIgnoresTheFiltersOnes) {
  auto c =
      read_admin_config(write("db = /x/dkim.db\nsendmail = /usr/sbin/sendmail\non-error = pass\n"
                              "dns-update = 192.0.2.1:53\ndns-update-key = /k\ndns-zone = example.com\n"
                              "dns-ttl = 600\nretire-after = 2w\ndelete-after = 45\nrotate-every = 180d\n"
                              "delegate-zone = dkim.example.net\n"),
                        true);
  EXPECT_EQ(c.db, "/x/dkim.db");
  EXPECT_EQ(c.dns_update, "192.0.2.1:53");
  EXPECT_EQ(c.dns_zone, "example.com");
  EXPECT_EQ(c.dns_ttl, 600u);
  EXPECT_EQ(c.retire_after, 14 * 86400);
  EXPECT_EQ(c.delete_after, 45 * 86400);  // a bare number is days
  EXPECT_EQ(c.rotate_every, 180 * 86400);
  EXPECT_EQ(c.delegate_zone, "dkim.example.net");
}

TEST_F(AdminConfigTest, DefaultsWithoutAFile) {
  auto c = read_admin_config(dir_ + "/absent.conf", false);
  EXPECT_TRUE(c.file.empty());
  EXPECT_EQ(c.retire_after, 7 * 86400);
  EXPECT_EQ(c.delete_after, 30 * 86400);
  EXPECT_EQ(c.rotate_every, 0);
  EXPECT_EQ(c.dns_ttl, 3600u);
  EXPECT_NE(error_of([&] { read_admin_config(dir_ + "/absent.conf", true); }).find("cannot read"),
            std::string::npos);
}

TEST_F(AdminConfigTest, RefusesWhatTheFileMustNotHold) {
  EXPECT_NE(error_of([&] { read_admin_config(write("bogus = 1\n"), true); }).find("bogus"),
            std::string::npos);
  // RFC 2136 updates are always signed: no dns-update without a key.
  EXPECT_NE(
      error_of([&] { read_admin_config(write("dns-update = 192.0.2.1\n"), true); }).find("dns-update-key"),
      std::string::npos);
  EXPECT_NE(error_of([&] { read_admin_config(write("retire-after = 7 days\n"), true); }).find("retire-after"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_admin_config(write("dns-ttl = 0\n"), true); }).find("dns-ttl"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              read_admin_config(write("db = /x\n", 0666), true);
            }).find("writable by group or others"),
            std::string::npos);
}

TEST(RotateEvery, PerDomainEntriesWinOverThePlainDuration) {
  AdminConfig c;
  parse_rotate_every("180d, Example.COM=90d example.org=off", c);
  EXPECT_EQ(c.rotation_period("example.net"), 180 * 86400);
  EXPECT_EQ(c.rotation_period("example.com"), 90 * 86400);
  EXPECT_EQ(c.rotation_period("example.org"), 0);
  AdminConfig only;
  parse_rotate_every("example.com=2w", only);
  EXPECT_EQ(only.rotation_period("example.com"), 14 * 86400);
  EXPECT_EQ(only.rotation_period("example.net"), 0);
  AdminConfig bad;
  EXPECT_THROW(parse_rotate_every("example.com=soon", bad), Error);
  EXPECT_THROW(parse_rotate_every("bad..domain=1d", bad), Error);
  EXPECT_THROW(parse_rotate_every(" , ", bad), Error);
}

TEST(Duration, UnitsAndRefusals) {
  EXPECT_EQ(parse_duration("90", "x"), 90 * 86400);
  EXPECT_EQ(parse_duration("45s", "x"), 45);
  EXPECT_EQ(parse_duration("3m", "x"), 180);
  EXPECT_EQ(parse_duration("2h", "x"), 7200);
  EXPECT_EQ(parse_duration("1w", "x"), 7 * 86400);
  for (const char* bad : {"", "d", "-1", "1y", "1dd", "1 d", "9999999999"})
    EXPECT_THROW(parse_duration(bad, "x"), Error) << bad;
}

}  // namespace
}  // namespace dkim::admin
