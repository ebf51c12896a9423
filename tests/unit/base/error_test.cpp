// SPDX-License-Identifier: MIT
#include "filter/base/error.h"

#include <gtest/gtest.h>

namespace dkim {
namespace {

// pipe(8) and Exim return a message to its sender on 78 (EX_CONFIG): while
// handling a message every configuration problem is 75, and 64 stays for a
// bad command line only.
TEST(ExitCode, ConfigurationProblemsNeverBounceAMessage) {
  EXPECT_EQ(message_exit_code_for(ErrorKind::config), exit_code::tempfail);
  EXPECT_EQ(message_exit_code_for(ErrorKind::temporary), exit_code::tempfail);
  EXPECT_EQ(message_exit_code_for(ErrorKind::internal), exit_code::tempfail);
  EXPECT_EQ(message_exit_code_for(ErrorKind::usage), exit_code::usage);
  // An administrator's command still says EX_CONFIG.
  EXPECT_EQ(exit_code_for(ErrorKind::config), exit_code::config);
}

// The table holds each code once, in order, and says which the MTA retries:
// every failure while handling a message is 75, temporary.
TEST(ExitCode, TableInSysExitsStyle) {
  int previous = -1;
  for (const ExitCodeInfo& row : kExitCodes) {
    EXPECT_GT(row.code, previous) << row.name;
    previous = row.code;
    EXPECT_EQ(exit_code_info(row.code), &row);
    EXPECT_FALSE(row.meaning.empty());
  }
  for (ErrorKind kind :
       {ErrorKind::usage, ErrorKind::data, ErrorKind::config, ErrorKind::temporary, ErrorKind::internal}) {
    ASSERT_NE(exit_code_info(exit_code_for(kind)), nullptr);
    ASSERT_NE(exit_code_info(message_exit_code_for(kind)), nullptr);
  }
  EXPECT_TRUE(exit_code_info(exit_code::tempfail)->temporary);
  EXPECT_FALSE(exit_code_info(exit_code::config)->temporary);
  EXPECT_FALSE(exit_code_info(exit_code::usage)->temporary);
  EXPECT_EQ(exit_code_info(73), nullptr);  // EX_CANTCREAT: never ours
  // --smtp passes a permanent refusal on as its sysexits code: not retried.
  for (int code : {67, 68, 69, 76, 77}) EXPECT_FALSE(exit_code_info(code)->temporary) << code;
}

}  // namespace
}  // namespace dkim
