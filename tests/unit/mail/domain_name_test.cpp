// SPDX-License-Identifier: MIT
#include "filter/mail/domain_name.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dkim::mail {
namespace {

TEST(DomainName, AsciiLowerLeavesEightBitBytesAlone) {
  EXPECT_EQ(ascii_lower("MiXeD.Example.COM"), "mixed.example.com");
  EXPECT_EQ(ascii_lower("EX\xC3\x84MPLE"), "ex\xC3\x84mple");
}

TEST(DomainName, AcceptsHostNames) {
  EXPECT_TRUE(is_valid_domain("example.com"));
  EXPECT_TRUE(is_valid_domain("mail-1.sub.example.co.uk"));
  EXPECT_TRUE(is_valid_domain("xn--exmple-cua.de"));
  EXPECT_TRUE(is_valid_domain("3com.com"));
  EXPECT_TRUE(is_valid_domain(std::string(63, 'a') + ".com"));
}

TEST(DomainName, RejectsWhatIsNotAHostName) {
  const std::vector<std::string> bad = {
      "",          "com",         ".example.com", "example.com.",      "a..b.com",
      "-a.com",    "a-.com",      "a_b.com",      "a b.com",           "[192.0.2.1]",
      "192.0.2.1", "example.123", "ex@mple.com",  "ex\xC3\xA4mple.de", std::string(64, 'a') + ".com",
  };
  for (const std::string& domain : bad) EXPECT_FALSE(is_valid_domain(domain)) << domain;
}

TEST(DomainName, LengthLimitIs253) {
  // 25 labels "aaaaaaaaa." (250) + "com" = 253 characters: the maximum.
  std::string fits;
  for (int i = 0; i < 25; ++i) fits += "aaaaaaaaa.";
  fits += "com";
  ASSERT_EQ(fits.size(), kMaxDomainLength);
  EXPECT_TRUE(is_valid_domain(fits));
  EXPECT_FALSE(is_valid_domain("b" + fits));
}

TEST(DomainName, NormalizeLowerCasesAndConvertsIdn) {
  EXPECT_EQ(normalize_domain("Example.COM"), "example.com");
  EXPECT_EQ(normalize_domain("ex\xC3\xA4mple.de"), "xn--exmple-cua.de");
  // UTS #46 maps the upper-case U+00C4 to U+00E4 before IDNA2008.
  EXPECT_EQ(normalize_domain("EX\xC3\x84MPLE.DE"), "xn--exmple-cua.de");
  EXPECT_EQ(normalize_domain("XN--EXMPLE-CUA.DE"), "xn--exmple-cua.de");
  EXPECT_EQ(normalize_domain("b\xC3\xBC"
                             "cher.example"),
            "xn--bcher-kva.example");
}

TEST(DomainName, NormalizeRejectsBadNames) {
  EXPECT_FALSE(normalize_domain(""));
  EXPECT_FALSE(normalize_domain("[192.0.2.1]"));
  EXPECT_FALSE(normalize_domain("localhost"));
  EXPECT_FALSE(
      normalize_domain("ex\xC3"
                       "mple.de"));                             // truncated UTF-8
  EXPECT_FALSE(normalize_domain("ex\xC0\xAFmple.de"));          // overlong
  EXPECT_FALSE(normalize_domain("ex\xED\xA0\x80mple.de"));      // surrogate
  EXPECT_FALSE(normalize_domain("ex\xF0\x9F\x98\x80mple.de"));  // emoji: IDNA2008 disallows
  EXPECT_FALSE(normalize_domain(std::string("exa\0mple.com", 12)));
  EXPECT_FALSE(normalize_domain(std::string(5000, 'a')));
}

TEST(DomainName, SubdomainIsLabelWise) {
  EXPECT_TRUE(is_same_or_subdomain("example.com", "example.com"));
  EXPECT_TRUE(is_same_or_subdomain("mail.example.com", "example.com"));
  EXPECT_TRUE(is_same_or_subdomain("a.b.Example.COM", "example.com"));
  EXPECT_FALSE(is_same_or_subdomain("evil-example.com", "example.com"));
  EXPECT_FALSE(is_same_or_subdomain("evilexample.com", "example.com"));
  EXPECT_FALSE(is_same_or_subdomain("example.com", "mail.example.com"));
  EXPECT_FALSE(is_same_or_subdomain("example.org", "example.com"));
  EXPECT_FALSE(is_same_or_subdomain("example.com", ""));
  EXPECT_FALSE(is_same_or_subdomain(".example.com", "example.com") &&
               !is_same_or_subdomain("x.example.com", "example.com"));
}

TEST(DomainName, ParentsStopBeforeTheTld) {
  using V = std::vector<std::string>;
  EXPECT_EQ(domain_and_parents("a.b.example.com"), (V{"a.b.example.com", "b.example.com", "example.com"}));
  EXPECT_EQ(domain_and_parents("Example.COM"), (V{"example.com"}));
  EXPECT_EQ(domain_and_parents("com"), V{});
  EXPECT_EQ(domain_and_parents(""), V{});
}

TEST(DomainName, ProblemsAreNamed) {
  EXPECT_EQ(domain_problem("example.com"), "");
  EXPECT_EQ(domain_problem(""), "empty domain name");
  EXPECT_EQ(domain_problem("localhost"), "domain name 'localhost' needs at least two labels");
  EXPECT_EQ(domain_problem("a-.com"), "invalid domain name 'a-.com': label starts or ends with '-'");
  EXPECT_EQ(domain_problem("example.123"), "invalid domain name 'example.123': all-numeric top-level label");
  std::string why;
  EXPECT_FALSE(normalize_domain("ex\xF0\x9F\x98\x80mple.de", &why));
  EXPECT_EQ(why, "invalid internationalised domain name 'ex\xF0\x9F\x98\x80mple.de'");
  EXPECT_EQ(strip_root_dot("example.com."), "example.com");
  EXPECT_EQ(strip_root_dot("example.com"), "example.com");
}

}  // namespace
}  // namespace dkim::mail
