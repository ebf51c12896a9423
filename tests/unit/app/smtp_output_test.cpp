// SPDX-License-Identifier: MIT
#include "filter/app/smtp_output.h"

#include <gtest/gtest.h>

namespace dkim::app {
namespace {

TEST(SmtpTarget, AddressAndPort) {
  EXPECT_EQ(smtp_target_problem("127.0.0.1:10026"), "");
  EXPECT_EQ(smtp_target_problem("[::1]:10026"), "");
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "localhost:25",
                          "::1:25", "[::1]", "[::1]25", "127.0.0.1:2x", ":25", ""})
    EXPECT_NE(smtp_target_problem(bad), "") << bad;
}

// RFC 3463 enhanced codes first, then the reply code (RFC 5321 §4.2.3).
TEST(SmtpExitCode, PermanentRepliesBySysexits) {
  EXPECT_EQ(smtp_exit_code(550, "550 5.1.1 <x>: user unknown", SmtpStage::rcpt), 67);  // EX_NOUSER
  EXPECT_EQ(smtp_exit_code(550, "550 5.1.2 host unknown", SmtpStage::rcpt), 68);       // EX_NOHOST
  EXPECT_EQ(smtp_exit_code(553, "553 5.1.8 bad sender domain", SmtpStage::mail), 65);  // EX_DATAERR
  EXPECT_EQ(smtp_exit_code(552, "552 5.2.2 mailbox full", SmtpStage::rcpt), 69);       // EX_UNAVAILABLE
  EXPECT_EQ(smtp_exit_code(552, "552 5.3.4 message too big", SmtpStage::end_of_data), 69);
  EXPECT_EQ(smtp_exit_code(501, "501 5.5.4 syntax", SmtpStage::mail), 76);  // EX_PROTOCOL
  EXPECT_EQ(smtp_exit_code(554, "554 5.6.0 bad content", SmtpStage::end_of_data), 65);
  EXPECT_EQ(smtp_exit_code(554, "554 5.7.1 relay denied", SmtpStage::rcpt), 77);  // EX_NOPERM
  // Without an enhanced code.
  EXPECT_EQ(smtp_exit_code(550, "550 no such user", SmtpStage::rcpt), 67);
  EXPECT_EQ(smtp_exit_code(550, "550 refused", SmtpStage::mail), 69);
  EXPECT_EQ(smtp_exit_code(500, "500 what", SmtpStage::hello), 76);
  EXPECT_EQ(smtp_exit_code(554, "554 no", SmtpStage::greeting), 69);
  EXPECT_EQ(smtp_exit_code(550, "550 5.1 not enhanced", SmtpStage::rcpt), 67);
}

TEST(SmtpExitCode, EverythingElseDefers) {
  EXPECT_EQ(smtp_exit_code(451, "451 4.3.0 later", SmtpStage::rcpt), 75);
  EXPECT_EQ(smtp_exit_code(421, "421 closing", SmtpStage::greeting), 75);
  EXPECT_EQ(smtp_exit_code(0, "connection closed", SmtpStage::end_of_data), 75);
  EXPECT_EQ(smtp_exit_code(354, "354 go ahead", SmtpStage::data), 75);
}

}  // namespace
}  // namespace dkim::app
