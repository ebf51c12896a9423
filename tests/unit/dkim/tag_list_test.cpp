// SPDX-License-Identifier: MIT
#include "filter/dkim/tag_list.h"

#include <gtest/gtest.h>

namespace dkim {
namespace {

TEST(TagList, SplitsSpecsAndTrims) {
  auto specs = split_tag_list(" v=DKIM1 ;\r\n\tk = rsa;; p=ab\r\n cd ;");
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[0].name, "v");
  EXPECT_EQ(specs[0].value, "DKIM1");
  EXPECT_EQ(specs[1].name, "k");
  EXPECT_EQ(specs[1].value, "rsa");
  EXPECT_EQ(specs[2].value, "ab\r\n cd");  // inner folding kept
  EXPECT_TRUE(specs[2].valid);
  EXPECT_EQ(specs[0].raw, " v=DKIM1 ");
}

TEST(TagList, StrictReadingRefusesGarbageAndDuplicates) {
  std::string why;
  auto tags = parse_tag_list("v=DKIM1; p=abc;", &why);
  ASSERT_TRUE(tags);
  EXPECT_EQ(tags->size(), 2u);
  EXPECT_EQ((*tags)[1], (std::pair<std::string, std::string>{"p", "abc"}));
  EXPECT_FALSE(parse_tag_list("hello world", &why));
  EXPECT_EQ(why, "'hello world' is not a tag=value pair");
  EXPECT_FALSE(parse_tag_list("v=DKIM1; p=a; p=b", &why));
  EXPECT_EQ(why, "tag p= appears twice");
  EXPECT_FALSE(parse_tag_list("1v=x"));  // tag-name = ALPHA *ALNUMPUNC
  EXPECT_TRUE(parse_tag_list(""));       // an empty list is a list
}

TEST(TagList, FindTagToleratesGarbage) {
  EXPECT_EQ(find_tag(" d = Example.COM ; s=x", "d"), "Example.COM");
  EXPECT_FALSE(find_tag("", "d"));
  EXPECT_FALSE(find_tag(";;;===;", "d"));
  EXPECT_EQ(find_tag("b=ab\r\n cd; bh=x", "b"), "abcd");
  EXPECT_EQ(find_tag("d=first; d=second", "d"), "first");
  EXPECT_EQ(find_tag("garbage; d=x", "d"), "x");
}

TEST(TagList, SignatureField) {
  auto tags = parse_signature_field(
      " v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=s1;\r\n\th=from :\r\n to:subject; bh=ab\r\n "
      "cd=; b=xy\r\n z");
  EXPECT_EQ(tags.algorithm, "rsa-sha256");
  EXPECT_EQ(tags.canon, "relaxed/simple");
  EXPECT_EQ(tags.domain, "example.com");
  EXPECT_EQ(tags.selector, "s1");
  EXPECT_EQ(tags.body_hash, "abcd=");
  EXPECT_EQ(tags.signature, "xyz");
  EXPECT_TRUE(tags.has_headers);
  EXPECT_EQ(tags.headers, (std::vector<std::string>{"from", "to", "subject"}));
  auto none = parse_signature_field("garbage");
  EXPECT_FALSE(none.domain);
  EXPECT_FALSE(none.has_headers);
  EXPECT_TRUE(none.headers.empty());
}

}  // namespace
}  // namespace dkim
