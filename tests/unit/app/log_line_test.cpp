// SPDX-License-Identifier: MIT
#include "filter/app/log_line.h"

#include <gtest/gtest.h>

namespace dkim::app {
namespace {

TEST(LogLine, KeyValueInOrderWithUpdates) {
  LogLine l;
  l.set("sender", "a@example.com");
  l.set("decision", "unsigned");
  l.set("sender", "b@example.com");  // updated in place, not repeated
  EXPECT_EQ(l.text(), "sender=b@example.com decision=unsigned");
}

TEST(LogLine, EmptyIsADashAndOddValuesAreQuoted) {
  LogLine l;
  l.set("queue_id", "");
  l.set("error", "keystore: database is locked");
  l.set("user", "x=\"y\"\\");
  EXPECT_EQ(l.text(), "queue_id=- error=\"keystore: database is locked\" user=\"x=\\\"y\\\"\\\\\"");
}

TEST(LogLine, ControlCharactersCannotForgeLines) {
  LogLine l;
  l.set("sender", "a@b\nfake=line\r\x01");
  std::string text = l.text();
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text, "sender=\"a@b\\x0afake=line\\x0d\\x01\"");
}

}  // namespace
}  // namespace dkim::app
