// SPDX-License-Identifier: MIT
#include "filter/dkim/canonicalize.h"

#include <gtest/gtest.h>

#include <random>

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
  EXPECT_EQ(b64_sha256(canonicalize_body(Canon::relaxed, "")),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
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
    {"abc", "abc\r\n", "abc\r\n"},                                        // no final line end
    {"abc\r\n", "abc\r\n", "abc\r\n"},                                    // CRLF input
    {" C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n", " C\r\nD E\r\n"},  // RFC 6376 §3.4.5
    {"a  \t b  \n", "a  \t b  \r\n", "a b\r\n"},
    {"a\n\n\nb\n\n", "a\r\n\r\n\r\nb\r\n", "a\r\n\r\n\r\nb\r\n"},  // inner empty lines stay
    {"a\n  \n\t\n", "a\r\n  \r\n\t\r\n", "a\r\n"},                 // whitespace-only trailing lines
    {"a\rb\n", "a\rb\r\n", "a\rb\r\n"},                            // a lone CR is data
    {"a\r", "a\r\r\n", "a\r\r\n"},
    {"  lead\n", "  lead\r\n", " lead\r\n"},
    {"x \r\n", "x \r\n", "x\r\n"},
    {"x  ", "x  \r\n", "x\r\n"},  // trailing space, no line end
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

namespace dkim {
namespace {

// An independent, deliberately naive reading of RFC 6376 §3.4.3/§3.4.4:
// split into lines (CRLF or bare LF end a line; a lone CR is data), apply
// the per-line rules, drop trailing empty lines, join with CRLF.
std::string reference_body(Canon canon, const std::string& body) {
  std::vector<std::string> lines;
  std::string cur;
  bool open = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\n' || (body[i] == '\r' && i + 1 < body.size() && body[i + 1] == '\n')) {
      if (body[i] == '\r') ++i;
      lines.push_back(cur);
      cur.clear();
      open = false;
    } else {
      cur += body[i];
      open = true;
    }
  }
  if (open) lines.push_back(cur);
  for (auto& l : lines) {
    if (canon == Canon::simple) continue;
    std::string r;
    bool ws = false;
    for (char c : l) {
      if (c == ' ' || c == '\t') {
        ws = true;
        continue;
      }
      if (ws) r += ' ';
      ws = false;
      r += c;
    }
    l = r;  // trailing whitespace dropped with the pending ws
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string out;
  for (auto& l : lines) out += l + "\r\n";
  if (out.empty() && canon == Canon::simple) out = "\r\n";
  return out;
}

TEST(BodyCanon, MatchesNaiveReferenceOnRandomInputAndSplits) {
  std::mt19937 rng(12345);
  const char alphabet[] = {'a', 'b', ' ', '\t', '\r', '\n', '\n', 'x'};
  for (int round = 0; round < 3000; ++round) {
    std::string body;
    std::size_t len = rng() % 64;
    for (std::size_t i = 0; i < len; ++i) body += alphabet[rng() % sizeof alphabet];
    for (Canon canon : {Canon::simple, Canon::relaxed}) {
      std::string expected = reference_body(canon, body);
      std::string out;
      BodyCanonicalizer bc(canon, [&out](std::string_view s) { out.append(s); });
      for (std::size_t pos = 0; pos < body.size();) {
        std::size_t n = 1 + rng() % 7;
        bc.update(body.data() + pos, std::min(n, body.size() - pos));
        pos += n;
      }
      bc.finish();
      ASSERT_EQ(out, expected) << "canon " << (canon == Canon::simple ? "simple" : "relaxed") << " body ["
                               << body << "]";
    }
  }
}

// Long word-like lines exercise the 16-byte fast path of the relaxed loop
// (runs of plain text with single spaces), cut at random points.
TEST(BodyCanon, MatchesNaiveReferenceOnLongTextLines) {
  std::mt19937 rng(777);
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz.,                 \t\t\r\n\n";
  for (int round = 0; round < 500; ++round) {
    std::string body;
    std::size_t len = rng() % 2000;
    for (std::size_t i = 0; i < len; ++i) {
      // mostly letters, some spaces; specials rare
      std::size_t r = rng() % 100;
      body += r < 80 ? static_cast<char>('a' + rng() % 26) : alphabet[rng() % alphabet.size()];
    }
    for (Canon canon : {Canon::simple, Canon::relaxed}) {
      std::string expected = reference_body(canon, body);
      std::string out;
      BodyCanonicalizer bc(canon, [&out](std::string_view s) { out.append(s); });
      for (std::size_t pos = 0; pos < body.size();) {
        std::size_t n = 1 + rng() % 300;
        bc.update(body.data() + pos, std::min(n, body.size() - pos));
        pos += n;
      }
      bc.finish();
      ASSERT_EQ(out, expected) << "round " << round;
    }
  }
}

TEST(BodyCanon, ManyEmptyLinesThenContent) {
  std::string body(100000, '\n');
  body += "end\n";
  std::string expected;
  for (int i = 0; i < 100000; ++i) expected += "\r\n";
  expected += "end\r\n";
  EXPECT_EQ(canonicalize_body(Canon::relaxed, body), expected);
  EXPECT_EQ(canonicalize_body(Canon::simple, body), expected);
}

}  // namespace
}  // namespace dkim
