// SPDX-License-Identifier: MIT
#include "filter/dkim/selector.h"

#include <gtest/gtest.h>

#include <string>

namespace dkim {
namespace {

TEST(Selector, Rfc6376Syntax) {
  for (const char* good : {"s1", "S2026", "mail.2026-01", "a", "x1.y2.z3"})
    EXPECT_TRUE(is_valid_selector(good)) << good;
  EXPECT_TRUE(is_valid_selector(std::string(63, 'a')));
  EXPECT_TRUE(is_valid_selector(std::string(63, 'a') + "." + std::string(63, 'b')));
}

TEST(Selector, RefusesWhatWouldBreakTheSignatureField) {
  for (const char* bad : {"s1; d=victim.example", "s1\r\nBcc: x@example.com", "s1\n", "s1 ", "s1;", "s=1",
                          "a..b", ".a", "a.", "-a", "a-", "bad_sel", "s\xc3\xa9"})
    EXPECT_FALSE(is_valid_selector(bad)) << bad;
  EXPECT_FALSE(is_valid_selector(""));
  EXPECT_FALSE(is_valid_selector(std::string("s1\0x", 4)));
  EXPECT_FALSE(is_valid_selector(std::string(64, 'a')));
  std::string long_name;
  while (long_name.size() <= kMaxSelectorLength) long_name += "abcdefghi.";
  long_name.pop_back();
  EXPECT_FALSE(is_valid_selector(long_name));
}

TEST(Selector, ProblemNamesWhatIsWrong) {
  EXPECT_EQ(selector_problem("s1"), "");
  EXPECT_EQ(selector_problem(""), "empty selector");
  EXPECT_EQ(selector_problem("s1;x"), "invalid selector 's1;x': character ';' not allowed");
  EXPECT_EQ(selector_problem("a..b"), "invalid selector 'a..b': empty label");
}

}  // namespace
}  // namespace dkim
