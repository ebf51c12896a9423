// SPDX-License-Identifier: MIT
#include "filter/mail/header_block.h"

#include <gtest/gtest.h>

namespace dkim::mail {
namespace {

TEST(HeaderBlock, SplitsFieldsKeepingEveryByte) {
  std::string text = "From: a@b.c\nSubject:x\n  folded\r\nTo :\n\tz@y.x\nX-E:\n";
  auto block = parse_header_block(text);
  ASSERT_TRUE(block.problem.empty()) << block.problem;
  ASSERT_EQ(block.fields.size(), 4u);
  EXPECT_EQ(block.fields[1].raw, "Subject:x\n  folded\r\n");
  EXPECT_EQ(block.fields[2].name, "To");  // whitespace before the colon
  EXPECT_EQ(block.fields[3].value(), "\n");
  std::string joined;
  for (const auto& f : block.fields) joined += f.raw;
  EXPECT_EQ(joined, text);
  EXPECT_EQ(block.eol, "\n");
}

TEST(HeaderBlock, DetectsCrlf) {
  auto block = parse_header_block("From: a@b.c\r\nTo: d@e.f\r\n");
  EXPECT_EQ(block.eol, "\r\n");
  EXPECT_EQ(block.fields.size(), 2u);
}

TEST(HeaderBlock, LastLineWithoutLineEnd) {
  auto block = parse_header_block("From: a@b.c\nSubject: no newline");
  ASSERT_TRUE(block.problem.empty());
  EXPECT_EQ(block.fields.back().raw, "Subject: no newline");
}

TEST(HeaderBlock, ReportsMalformedSections) {
  EXPECT_FALSE(parse_header_block("").problem.empty());
  EXPECT_FALSE(parse_header_block(" leading: continuation\n").problem.empty());
  EXPECT_FALSE(parse_header_block("From: a@b.c\nthis is body text\n").problem.empty());
  EXPECT_FALSE(parse_header_block(std::string("From: a\0b\n", 10)).problem.empty());
  EXPECT_FALSE(parse_header_block(": no name\n").problem.empty());
  EXPECT_FALSE(parse_header_block("Bad Name: x\n").problem.empty());
}

// A bare CR would be hashed as it is, and relays rewrite it: no verifier
// could check the signature, so the section is not signed at all.
TEST(HeaderBlock, BareCrIsMalformed) {
  for (const char* text : {"From: a@b.c\nSubject: one\rtwo\n", "From: a@b.c\r\nSubject: one\rtwo\r\n",
                           "Sub\rject: x\n", "From: a@b.c\n\r", "From: a@b.c\nSubject: x\r\r\n",
                           "Subject: folded\n\r continuation\n", "From: a@b.c\nSubject: end\r"}) {
    auto block = parse_header_block(text);
    EXPECT_EQ(block.problem, "CR without LF in the header section") << text;
  }
}

TEST(HeaderBlock, CrlfAndMixedLineEndsAreFine) {
  EXPECT_TRUE(parse_header_block("From: a@b.c\r\nSubject: x\r\n").problem.empty());
  EXPECT_TRUE(parse_header_block("From: a@b.c\nSubject: x\r\n\tfolded\n").problem.empty());
}

TEST(HeaderBlock, SameNameIgnoresCase) {
  EXPECT_TRUE(same_name("fRoM", "From"));
  EXPECT_FALSE(same_name("From", "Fro"));
}

}  // namespace
}  // namespace dkim::mail
