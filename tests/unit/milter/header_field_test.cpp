// SPDX-License-Identifier: MIT
#include "filter/milter/header_field.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../test_util.h"
#include "filter/mail/header_block.h"

namespace dkim::milter {
namespace {

// What Postfix's milter8_header() sends for one queued field (LF line
// ends, as in its queue file): the name, and with SMFIP_HDR_LEADSPC
// everything after the colon, the lines joined by LF, no final line end.
std::pair<std::string, std::string> as_postfix_sends(std::string_view lf_field) {
  auto colon = lf_field.find(':');
  std::string name(lf_field.substr(0, colon));
  std::string value(lf_field.substr(colon + 1));
  if (!value.empty() && value.back() == '\n') value.pop_back();
  return {name, value};
}

// Postfix queues "Name : value" as "Name: value" (src/global/mime_state.c).
std::string normalize_name(std::string_view field) {
  auto colon = field.find(':');
  std::string_view name = field.substr(0, colon);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  return std::string(name) + std::string(field.substr(colon));
}

TEST(HeaderField, RebuildsTheWireForm) {
  std::string out;
  append_wire_field(out, "Subject", " hello");
  append_wire_field(out, "To", " a@example.com,\n\tb@example.com");
  append_wire_field(out, "X-Empty", "");
  append_wire_field(out, "X-Tab", "\tvalue ");
  append_wire_field(out, "X-Fold-First", "\n value");
  EXPECT_EQ(out,
            "Subject: hello\r\nTo: a@example.com,\r\n\tb@example.com\r\nX-Empty:\r\nX-Tab:\tvalue \r\n"
            "X-Fold-First:\r\n value\r\n");
}

TEST(HeaderField, KeepsACarriageReturnThatIsContent) {
  // A line that ended "\r\r\n" on the wire is queued ending in "\r"; Postfix
  // sends it on followed by CRLF again.
  std::string out;
  append_wire_field(out, "X", " a\r\n b");
  EXPECT_EQ(out, "X: a\r\r\n b\r\n");
}

TEST(HeaderField, RebuildsEveryCorpusHeaderByteForByte) {
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(DKIM_TEST_CORPUS))) {
    if (entry.path().extension() != ".eml") continue;
    std::string text = test::read_file(entry.path().string());
    // LF form, as Postfix queues any input; the header section only.
    std::string lf;
    for (std::size_t i = 0; i < text.size(); ++i)
      if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) lf += text[i];
    auto end = lf.find("\n\n");
    std::string header = lf.substr(0, end == std::string::npos ? lf.size() : end + 1);
    auto block = mail::parse_header_block(header);
    ASSERT_TRUE(block.problem.empty()) << entry.path() << ": " << block.problem;
    std::string rebuilt, expected;
    for (const auto& f : block.fields) {
      std::string queued = normalize_name(f.raw);
      auto [name, value] = as_postfix_sends(queued);
      append_wire_field(rebuilt, name, value);
      expected += test::lf_to_crlf(queued.back() == '\n' ? queued : queued + "\n");
    }
    EXPECT_EQ(rebuilt, expected) << entry.path();
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

TEST(HeaderField, InsertValueIsWhatPostfixDeliversBack) {
  std::string field = "DKIM-Signature: v=1; a=rsa-sha256;\r\n\td=example.com; b=abc\r\n";
  EXPECT_EQ(insert_value(field, true), " v=1; a=rsa-sha256;\n\td=example.com; b=abc");
  EXPECT_EQ(insert_value(field, false), "v=1; a=rsa-sha256;\n\td=example.com; b=abc");
  // Postfix writes name ":" [" " unless LEADSPC] value, each LF-separated
  // line followed by CRLF (cleanup_out_header): the original field again.
  std::string delivered;
  append_wire_field(delivered, "DKIM-Signature", insert_value(field, true));
  EXPECT_EQ(delivered, field);
}

}  // namespace
}  // namespace dkim::milter
