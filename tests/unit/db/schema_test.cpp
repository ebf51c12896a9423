// SPDX-License-Identifier: MIT
#include "db/schema.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace dkim::db {
namespace {

// The SQL compiled into the program must be the reviewed file's text.
TEST(Schema, EmbeddedSqlMatchesFiles) {
  for (const auto& m : migrations()) {
    std::ifstream in(std::string(DKIM_TEST_VECTORS) + "/../../db/schema/" + std::string(m.file));
    ASSERT_TRUE(in) << m.file;
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str(), m.sql) << m.file;
  }
}

TEST(Schema, VersionsIncreaseFromOne) {
  int expected = 1;
  for (const auto& m : migrations()) EXPECT_EQ(m.version, expected++);
  EXPECT_EQ(current_schema_version(), migrations().back().version);
}

}  // namespace
}  // namespace dkim::db
