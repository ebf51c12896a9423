// SPDX-License-Identifier: MIT
#include "filter/mail/line_length.h"

#include <gtest/gtest.h>

#include <string>

namespace dkim::mail {
namespace {

bool found_split_everywhere(const std::string& text) {
  LongLineWatch whole;
  whole.update(text);
  for (std::size_t i = 0; i <= text.size(); ++i) {
    LongLineWatch split;
    split.update(std::string_view(text).substr(0, i));
    split.update(std::string_view(text).substr(i));
    EXPECT_EQ(split.found(), whole.found()) << "split at " << i;
  }
  return whole.found();
}

// RFC 5322 §2.1.1: at most 998 characters, excluding the CRLF.
TEST(LongLineWatch, LimitIs998ExcludingTheLineEnd) {
  EXPECT_FALSE(found_split_everywhere("a\n" + std::string(998, 'x') + "\nb\n"));
  EXPECT_FALSE(found_split_everywhere("a\r\n" + std::string(998, 'x') + "\r\nb\r\n"));
  EXPECT_TRUE(found_split_everywhere("a\n" + std::string(999, 'x') + "\nb\n"));
  EXPECT_TRUE(found_split_everywhere("a\r\n" + std::string(999, 'x') + "\r\nb\r\n"));
  EXPECT_FALSE(found_split_everywhere(std::string(998, 'x')));  // unterminated last line
  EXPECT_TRUE(found_split_everywhere(std::string(999, 'x')));
  EXPECT_FALSE(found_split_everywhere(std::string(998, 'x') + "\r"));
  EXPECT_TRUE(found_split_everywhere(std::string(998, 'x') + "\r\r\n"));  // a bare CR counts
  EXPECT_FALSE(found_split_everywhere(""));
}

TEST(LongLineWatch, ManySmallChunks) {
  LongLineWatch w;
  for (int i = 0; i < 998; ++i) w.update("x");
  w.update("\n");
  EXPECT_FALSE(w.found());
  for (int i = 0; i < 999; ++i) w.update("x");
  EXPECT_TRUE(w.found());
}

}  // namespace
}  // namespace dkim::mail
