// SPDX-License-Identifier: MIT
#include "filter/dkim/signature.h"

#include <gtest/gtest.h>

#include "filter/dkim/tag_list.h"

namespace dkim {
namespace {

SignatureTags sample_tags() {
  SignatureTags t;
  t.algorithm = "rsa-sha256";
  t.canon = {Canon::relaxed, Canon::relaxed};
  t.domain = "a-rather-long-subdomain.of-a-customer-domain.example.com";
  t.selector = "s2026rsa";
  t.timestamp = 1795870590;
  t.headers = {"from",        "from",       "date",         "subject",      "reply-to",
               "sender",      "to",         "to",           "cc",           "message-id",
               "in-reply-to", "references", "content-type", "mime-version", "content-transfer-encoding"};
  t.body_hash = "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=";
  return t;
}

TEST(SignatureWriter, LinesAreAtMost78Characters) {
  std::string b(344, 'A');
  for (std::string eol : {"\n", "\r\n"}) {
    std::string field = write_signature_field(sample_tags(), b, eol);
    ASSERT_GE(field.size(), eol.size());
    EXPECT_EQ(field.substr(field.size() - eol.size()), eol);
    std::size_t start = 0;
    while (start < field.size()) {
      auto end = field.find(eol, start);
      ASSERT_NE(end, std::string::npos);
      EXPECT_LE(end - start, kMaxLineLength) << field.substr(start, end - start);
      if (start > 0) {
        EXPECT_EQ(field[start], ' ');  // continuation lines are folded
      }
      start = end + eol.size();
    }
  }
}

TEST(SignatureWriter, HashedFormIsTheOutputWithoutTheBValue) {
  auto tags = sample_tags();
  std::string b = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=" + std::string(300, 'z');
  std::string hashed = write_signature_field(tags, "", "\n");
  std::string output = write_signature_field(tags, b, "\n");
  std::string prefix = hashed.substr(0, hashed.size() - 1);
  ASSERT_EQ(output.substr(0, prefix.size()), prefix);
  std::string value;
  for (char c : output.substr(prefix.size()))
    if (c != '\n' && c != ' ') value += c;
  EXPECT_EQ(value, b);
}

TEST(SignatureWriter, CarriesEveryTag) {
  auto tags = sample_tags();
  tags.expiry = tags.timestamp + 3600;
  std::string field = write_signature_field(tags, "c2ln", "\n");
  ASSERT_EQ(field.rfind("DKIM-Signature: v=1;", 0), 0u);
  std::string_view value = std::string_view(field).substr(field.find(':') + 1);
  EXPECT_EQ(find_tag(value, "a"), "rsa-sha256");
  EXPECT_EQ(find_tag(value, "c"), "relaxed/relaxed");
  EXPECT_EQ(find_tag(value, "d"), tags.domain);
  EXPECT_EQ(find_tag(value, "s"), "s2026rsa");
  EXPECT_EQ(find_tag(value, "t"), "1795870590");
  EXPECT_EQ(find_tag(value, "x"), "1795874190");
  EXPECT_EQ(find_tag(value, "bh"), tags.body_hash);
  EXPECT_EQ(find_tag(value, "b"), "c2ln");
  EXPECT_EQ(find_tag(value, "h")->substr(0, 15), "from:from:date:");
  EXPECT_FALSE(find_tag(value, "l"));  // never l=
}

}  // namespace
}  // namespace dkim
