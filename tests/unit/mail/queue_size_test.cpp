// SPDX-License-Identifier: MIT
#include "filter/mail/queue_size.h"

#include <gtest/gtest.h>

#include <string>

namespace dkim::mail {
namespace {

// Values measured with Debian 12's Postfix 3.7: ${size} minus the bytes
// pipe(8) handed over was one per line under 128 octets, two per line of
// 200, five per line of 3000 (2048 + 952), 29 for a line of 20000.
TEST(PostfixQueueSize, LineSizesMatchPostfix) {
  EXPECT_EQ(PostfixQueueSize::line_size(0), 2u);
  EXPECT_EQ(PostfixQueueSize::line_size(20), 22u);
  EXPECT_EQ(PostfixQueueSize::line_size(127), 129u);
  EXPECT_EQ(PostfixQueueSize::line_size(128), 131u);
  EXPECT_EQ(PostfixQueueSize::line_size(200), 203u);
  EXPECT_EQ(PostfixQueueSize::line_size(2048), 2051u);
  EXPECT_EQ(PostfixQueueSize::line_size(3000), 3001u + 5);
  EXPECT_EQ(PostfixQueueSize::line_size(20000), 20001u + 29);
}

TEST(PostfixQueueSize, EverySplitGivesTheSameTotal) {
  std::string message = "From: a@example.com\nSubject: x\n\n" + std::string(3000, 'y') + "\n\nend\n";
  PostfixQueueSize whole;
  whole.update(message);
  unsigned long long want = 0;
  for (auto n : {19, 10, 0, 3000, 0, 3}) want += PostfixQueueSize::line_size(static_cast<unsigned>(n));
  EXPECT_EQ(whole.total(), want);
  for (std::size_t i = 0; i <= message.size(); ++i) {
    PostfixQueueSize split;
    split.update(std::string_view(message).substr(0, i));
    split.update(std::string_view(message).substr(i));
    EXPECT_EQ(split.total(), want) << "split at " << i;
  }
}

TEST(PostfixQueueSize, AShorterMessageIsSmaller) {
  std::string message = "From: a@example.com\n\nline one\nline two\n";
  PostfixQueueSize whole;
  whole.update(message);
  for (std::size_t i = 0; i < message.size(); ++i) {
    PostfixQueueSize cut;
    cut.update(std::string_view(message).substr(0, i));
    EXPECT_LT(cut.total(), whole.total()) << "cut at " << i;
  }
}

}  // namespace
}  // namespace dkim::mail
