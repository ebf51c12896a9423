// SPDX-License-Identifier: MIT
#include "filter/dkim/error.h"

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

}  // namespace
}  // namespace dkim
