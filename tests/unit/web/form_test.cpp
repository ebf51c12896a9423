// SPDX-License-Identifier: MIT
#include "web/form.h"

#include <gtest/gtest.h>

namespace dkim::web {
namespace {

TEST(Form, UrlDecode) {
  EXPECT_EQ(url_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(url_decode("a%20b+c", false), "a b+c");
  EXPECT_EQ(url_decode("%41%6a", false), "Aj");
  EXPECT_FALSE(url_decode("%", false));
  EXPECT_FALSE(url_decode("%4", false));
  EXPECT_FALSE(url_decode("%zz", false));
  EXPECT_FALSE(url_decode("a%00b", false));
}

TEST(Form, UrlEncodeRoundTrips) {
  std::string all;
  for (int c = 1; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_EQ(url_decode(url_encode(all), true), all);
  EXPECT_EQ(url_encode("a b/c@d"), "a%20b%2Fc%40d");
}

TEST(Form, ParseForm) {
  auto f = parse_form("a=1&b=x+y&a=2&&=v&c&bad=%zz");
  EXPECT_EQ(f["a"], "1");
  EXPECT_EQ(f["b"], "x y");
  EXPECT_EQ(f.count("c"), 1u);
  EXPECT_EQ(f["c"], "");
  EXPECT_EQ(f.count("bad"), 0u);
  EXPECT_EQ(f.count(""), 0u);
}

TEST(Form, ParseTarget) {
  auto t = parse_target("/api/v1/users/2001:db8::%2F32?x=1");
  ASSERT_TRUE(t.valid);
  EXPECT_EQ(t.segments, (std::vector<std::string>{"api", "v1", "users", "2001:db8::/32"}));
  EXPECT_EQ(t.query["x"], "1");
  EXPECT_TRUE(parse_target("/").segments.empty());
  EXPECT_FALSE(parse_target("http://example.com/").valid);
  EXPECT_FALSE(parse_target("").valid);
  EXPECT_FALSE(parse_target("/a%zz").valid);
}

TEST(Form, ParseCookiesRfc6265Section5_4) {
  auto c = parse_cookies("a=1; b=\"two\";c=3 ; a=4; junk; =x; d=");
  EXPECT_EQ(c["a"], "1");
  EXPECT_EQ(c["b"], "two");
  EXPECT_EQ(c["c"], "3");
  EXPECT_EQ(c.count("junk"), 0u);
  EXPECT_EQ(c.count(""), 0u);
  EXPECT_EQ(c["d"], "");
  EXPECT_TRUE(parse_cookies("").empty());
  EXPECT_TRUE(parse_cookies(";;;").empty());
}

TEST(Form, HtmlEscape) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

}  // namespace
}  // namespace dkim::web
