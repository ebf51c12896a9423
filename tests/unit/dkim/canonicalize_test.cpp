// SPDX-License-Identifier: MIT
#include "filter/dkim/canonicalize.h"

#include <gtest/gtest.h>

#include "filter/crypto/base64.h"
#include "filter/crypto/sha256.h"

namespace dkim {
namespace {

std::string b64_sha256(const std::string& s) {
  auto d = crypto::sha256(s);
  return crypto::base64_encode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

// RFC 6376 §3.4.3/§3.4.4 and erratum 3871: the empty-body hash constants.
TEST(BodyCanon, EmptyBodyConstants) {
  EXPECT_EQ(b64_sha256(canonicalize_body(Canon::simple, "")), "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
  EXPECT_EQ(b64_sha256(canonicalize_body(Canon::relaxed, "")), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  EXPECT_EQ(canonicalize_body(Canon::simple, "\n\n\r\n"), "\r\n");
  EXPECT_EQ(canonicalize_body(Canon::relaxed, "\n \t\n\r\n"), "");
}

struct Case {
  const char* input;
  const char* simple;
  const char* relaxed;
};

// Each row: raw body, simple form, relaxed form.
const Case kCases[] = {
    {"abc\n", "abc\r\n", "abc\r\n"},
    {"abc", "abc\r\n", "abc\r\n"},                                 // no final line end
    {"abc\r\n", "abc\r\n", "abc\r\n"},                             // CRLF input
    {" C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n", " C\r\nD E\r\n"},  // RFC 6376 §3.4.5
    {"a  \t b  \n", "a  \t b  \r\n", "a b\r\n"},
    {"a\n\n\nb\n\n", "a\r\n\r\n\r\nb\r\n", "a\r\n\r\n\r\nb\r\n"},  // inner empty lines stay
    {"a\n  \n\t\n", "a\r\n  \r\n\t\r\n", "a\r\n"},                 // whitespace-only trailing lines
    {"a\rb\n", "a\rb\r\n", "a\rb\r\n"},                            // a lone CR is data
    {"a\r", "a\r\r\n", "a\r\r\n"},
    {"  lead\n", "  lead\r\n", " lead\r\n"},
    {"x \r\n", "x \r\n", "x\r\n"},
    {"x  ", "x  \r\n", "x\r\n"},                                   // trailing space, no line end
    {"\n\nx", "\r\n\r\nx\r\n", "\r\n\r\nx\r\n"},
    {"a\r\r\n", "a\r\r\n", "a\r\r\n"},
};

TEST(BodyCanon, Table) {
  for (const auto& c : kCases) {
    EXPECT_EQ(canonicalize_body(Canon::simple, c.input), c.simple) << "input: " << c.input;
    EXPECT_EQ(canonicalize_body(Canon::relaxed, c.input), c.relaxed) << "input: " << c.input;
  }
}

// The same input fed in every split into two and into single bytes must
// give the one-shot result.
TEST(BodyCanon, EverySplitGivesTheSameOutput) {
  const std::string input = "Hi.  \r\n\r\nWe lost\t the game.\n \n\r\rx\r\n\r\n  \n\n";
  for (Canon canon : {Canon::simple, Canon::relaxed}) {
    const std::string expected = canonicalize_body(canon, input);
    for (std::size_t cut = 0; cut <= input.size(); ++cut) {
      std::string out;
      BodyCanonicalizer bc(canon, [&out](std::string_view s) { out.append(s); });
      bc.update(input.substr(0, cut));
      bc.update(input.substr(cut));
      bc.finish();
      EXPECT_EQ(out, expected) << "cut at " << cut;
    }
    std::string out;
    BodyCanonicalizer bc(canon, [&out](std::string_view s) { out.append(s); });
    for (char c : input) bc.update(&c, 1);
    bc.finish();
    EXPECT_EQ(out, expected);
  }
}

TEST(BodyCanon, LargeBodyStreamsThroughSink) {
  std::string line(100, 'x');
  line += "\n";
  std::string body;
  for (int i = 0; i < 5000; ++i) body += line;
  std::size_t total = 0, calls = 0;
  BodyCanonicalizer bc(Canon::relaxed, [&](std::string_view s) {
    total += s.size();
    ++calls;
  });
  bc.update(body);
  bc.finish();
  EXPECT_EQ(total, 5000u * 102u);
  EXPECT_GT(calls, 1u);  // flushed in pieces, not held whole
}

TEST(HeaderCanon, Relaxed) {
  std::string out;
  canonicalize_header(Canon::relaxed, "A: X\r\n", out);
  canonicalize_header(Canon::relaxed, "B : Y\t\r\n\tZ  \r\n", out);
  EXPECT_EQ(out, "a:X\r\nb:Y Z\r\n");  // RFC 6376 §3.4.5
  out.clear();
  canonicalize_header(Canon::relaxed, "SUBJECT:x\n", out);
  canonicalize_header(Canon::relaxed, "Subject:\n  folded  after colon\n", out);
  canonicalize_header(Canon::relaxed, "X-Empty:\n", out);
  EXPECT_EQ(out, "subject:x\r\nsubject:folded after colon\r\nx-empty:\r\n");
}

TEST(HeaderCanon, Simple) {
  std::string out;
  canonicalize_header(Canon::simple, "B : Y\t\n\tZ  \n", out);
  EXPECT_EQ(out, "B : Y\t\r\n\tZ  \r\n");
  out.clear();
  canonicalize_header(Canon::simple, "B : Y\t\r\n\tZ  \r\n", out);
  EXPECT_EQ(out, "B : Y\t\r\n\tZ  \r\n");
}

TEST(CanonName, ParseAndPrint) {
  auto c = parse_canonicalization("relaxed/simple");
  ASSERT_TRUE(c);
  EXPECT_EQ(canonicalization_name(*c), "relaxed/simple");
  EXPECT_EQ(canonicalization_name(*parse_canonicalization("relaxed")), "relaxed/simple");
  EXPECT_FALSE(parse_canonicalization("nope/relaxed"));
  EXPECT_FALSE(parse_canonicalization("relaxed/"));
}

}  // namespace
}  // namespace dkim
