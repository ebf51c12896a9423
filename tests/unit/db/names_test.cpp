// SPDX-License-Identifier: MIT
#include "db/names.h"

#include <gtest/gtest.h>

#include "filter/base/error.h"

namespace dkim::db {
namespace {

TEST(NormalizeDomain, LowerCasesAndStripsTrailingDot) {
  EXPECT_EQ(normalize_domain("Mail.Example.COM."), "mail.example.com");
}

TEST(NormalizeDomain, ConvertsIdnToALabel) {
  EXPECT_EQ(normalize_domain("b\xc3\xbc"
                             "cher.example"),
            "xn--bcher-kva.example");
  EXPECT_EQ(normalize_domain("B\xc3\x9c"
                             "CHER.example"),
            "xn--bcher-kva.example");
}

TEST(NormalizeDomain, RefusesInvalidNames) {
  for (const char* bad : {"", "com", "-a.example", "a-.example", "a..example", "a_b.example", "1.2.3.4",
                          "exa mple.com", "[192.0.2.1]"})
    EXPECT_THROW(normalize_domain(bad), Error) << bad;
  EXPECT_THROW(normalize_domain(std::string(64, 'a') + ".example"), Error);
}

TEST(Selector, AcceptsLabelSequences) {
  EXPECT_EQ(normalize_selector("S2026"), "s2026");
  EXPECT_EQ(normalize_selector("mail.2026-01"), "mail.2026-01");
  EXPECT_THROW(normalize_selector("bad_sel"), Error);
  EXPECT_THROW(normalize_selector("a..b"), Error);
  EXPECT_THROW(normalize_selector("-a"), Error);
  EXPECT_THROW(normalize_selector(""), Error);
}

TEST(Selector, ParsesLists) {
  EXPECT_EQ(parse_selector_list("a,B"), (std::vector<std::string>{"a", "b"}));
  EXPECT_THROW(parse_selector_list("a,,b"), Error);
  EXPECT_THROW(parse_selector_list("a,A"), Error);
}

TEST(IpRange, CanonicalNames) {
  EXPECT_EQ(parse_ip_range("192.0.2.1")->name(), "192.0.2.1");
  EXPECT_EQ(parse_ip_range("192.0.2.0/24")->name(), "192.0.2.0/24");
  EXPECT_EQ(parse_ip_range("2001:DB8:0::/32")->name(), "2001:db8::/32");
  EXPECT_EQ(parse_ip_range("::ffff:192.0.2.7")->name(), "192.0.2.7");
  EXPECT_EQ(parse_ip_range("192.0.2.1/32")->name(), "192.0.2.1");
  EXPECT_FALSE(parse_ip_range("example.com"));
  EXPECT_THROW(parse_ip_range("192.0.2.1/24"), Error);  // host bits set
  EXPECT_THROW(parse_ip_range("192.0.2.0/33"), Error);
  EXPECT_THROW(parse_ip_range("192.0.2.0/"), Error);
}

TEST(IpRange, Masks) {
  auto ip = *parse_ip_range("2001:db8:abcd:12ff::1");
  EXPECT_EQ(ip.masked(52).name(), "2001:db8:abcd:1000::/52");
  EXPECT_EQ(parse_ip_range("10.1.2.3")->masked(0).name(), "0.0.0.0/0");
  EXPECT_EQ(parse_ip_range("10.1.2.3")->masked(13).name(), "10.0.0.0/13");
}

TEST(UserName, RecognisesKindsBySyntax) {
  auto login = parse_user_name("Alice@Example.COM");
  EXPECT_EQ(login.kind, policy::UserKind::login);
  EXPECT_EQ(login.name, "alice@example.com");
  EXPECT_EQ(login.domain, "example.com");
  auto domain = parse_user_name("Example.com");
  EXPECT_EQ(domain.kind, policy::UserKind::domain);
  EXPECT_EQ(domain.name, "example.com");
  auto ip = parse_user_name("2001:db8::/32");
  EXPECT_EQ(ip.kind, policy::UserKind::ip);
  EXPECT_EQ(ip.prefix, 32);
  EXPECT_TRUE(ip.domain.empty());
  EXPECT_THROW(parse_user_name("@example.com"), Error);
  EXPECT_THROW(parse_user_name("a b@example.com"), Error);
  EXPECT_THROW(parse_user_name("alice@localhost"), Error);
}

}  // namespace
}  // namespace dkim::db
