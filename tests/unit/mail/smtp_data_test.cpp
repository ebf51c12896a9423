// SPDX-License-Identifier: MIT
#include "filter/mail/smtp_data.h"

#include <gtest/gtest.h>

#include <string>

namespace dkim::mail {
namespace {

// The reference: RFC 5321 §4.5.2 and §2.3.8 applied line by line.
std::string naive(const std::string& in) {
  std::string out, line;
  auto flush = [&](bool ended) {
    if (!line.empty() && line[0] == '.') out += '.';
    out += line;
    if (ended) out += "\r\n";
    line.clear();
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\n') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      flush(true);
    } else {
      line += in[i];
    }
  }
  if (!line.empty()) {
    if (line.back() == '\r') line.pop_back();
    flush(true);
  }
  return out + ".\r\n";
}

std::string encode_split(const std::string& in, std::size_t at) {
  SmtpDataEncoder e;
  std::string out;
  e.encode(std::string_view(in).substr(0, at), out);
  e.encode(std::string_view(in).substr(at), out);
  e.finish(out);
  return out;
}

TEST(SmtpDataEncoder, DotStuffingAndCrlf) {
  EXPECT_EQ(encode_split("a\n.b\n..c\n.\n", 0), "a\r\n..b\r\n...c\r\n..\r\n.\r\n");
  EXPECT_EQ(encode_split("a\r\nb\r\n", 0), "a\r\nb\r\n.\r\n");
  EXPECT_EQ(encode_split("", 0), ".\r\n");
  EXPECT_EQ(encode_split("no end", 0), "no end\r\n.\r\n");
  EXPECT_EQ(encode_split(".", 0), "..\r\n.\r\n");
  EXPECT_EQ(encode_split("bare\rcr\n", 0), "bare\rcr\r\n.\r\n");  // a bare CR passes as it is
}

// Every split point of inputs that put CR, LF and dots at chunk edges
// gives the reference's bytes (STYLE.md: every-split tests against a naive
// reference).
TEST(SmtpDataEncoder, EverySplitMatchesReference) {
  const std::string inputs[] = {
      "From: a\n\n.x\n..\n.\n\nend",
      "From: a\r\n\r\n.\r\n.y\r\n\r\n",
      ".\n.\n.\n",
      "a\r\r\n.\r.\n",
      "\n\n.\n",
  };
  for (const auto& in : inputs) {
    std::string want = naive(in);
    for (std::size_t at = 0; at <= in.size(); ++at)
      EXPECT_EQ(encode_split(in, at), want) << "split at " << at;
    // One byte at a time.
    SmtpDataEncoder e;
    std::string out;
    for (char c : in) e.encode(std::string_view(&c, 1), out);
    e.finish(out);
    EXPECT_EQ(out, want);
  }
}

}  // namespace
}  // namespace dkim::mail
