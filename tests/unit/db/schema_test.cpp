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

// Versions are the file numbers: they start at 1 and increase (a number
// may be taken by a migration that is still on its way to this branch).
TEST(Schema, VersionsCountUpFromOne) {
  ASSERT_FALSE(migrations().empty());
  EXPECT_EQ(migrations().front().version, 1);
  for (size_t i = 1; i < migrations().size(); ++i)
    EXPECT_EQ(migrations()[i].version, migrations()[i - 1].version + 1);  // one file per version, no gaps
  EXPECT_EQ(current_schema_version(), migrations().back().version);
}

}  // namespace
}  // namespace dkim::db
