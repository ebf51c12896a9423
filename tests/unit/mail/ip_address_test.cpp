// SPDX-License-Identifier: MIT
#include "filter/mail/ip_address.h"

#include <gtest/gtest.h>

namespace dkim::mail {
namespace {

TEST(IpAddress, CanonicalText) {
  EXPECT_EQ(canonical_ip("192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(canonical_ip("2001:DB8:0::1"), "2001:db8::1");
  EXPECT_EQ(canonical_ip("::ffff:192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(canonical_ip("IPv6:2001:db8::1"), "2001:db8::1");
  EXPECT_FALSE(canonical_ip("192.0.2.0/24"));  // a range is not a client
  EXPECT_FALSE(canonical_ip("example.com"));
  EXPECT_FALSE(canonical_ip(std::string("192.0.2.1\0junk", 14)));
  EXPECT_FALSE(canonical_ip(""));
}

TEST(IpAddress, RangeProblems) {
  std::string why;
  EXPECT_FALSE(parse_ip_range("example.com", &why));
  EXPECT_EQ(why, "");  // not IP syntax at all
  EXPECT_FALSE(parse_ip_range("192.0.2.1/24", &why));
  EXPECT_EQ(why, "'192.0.2.1/24' has host bits set; did you mean 192.0.2.0/24?");
  EXPECT_FALSE(parse_ip_range("192.0.2.0/33", &why));
  EXPECT_EQ(why, "prefix length too long in '192.0.2.0/33'");
  EXPECT_FALSE(parse_ip_range("192.0.2.0/x", &why));
  EXPECT_EQ(why, "invalid prefix length in '192.0.2.0/x'");
  EXPECT_EQ(parse_ip_range("2001:db8::/32")->name(), "2001:db8::/32");
}

}  // namespace
}  // namespace dkim::mail
