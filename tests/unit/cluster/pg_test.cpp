// SPDX-License-Identifier: MIT
#include "db/cluster/pg.h"

#include <gtest/gtest.h>

#include "db/cluster/schema.h"
#include "filter/base/error.h"

namespace dkim::cluster {
namespace {

TEST(RedactUrl, HidesPasswords) {
  EXPECT_EQ(redact_url("postgresql://node:s3cret@db1,db2/dkim"), "postgresql://node:***@db1,db2/dkim");
  EXPECT_EQ(redact_url("postgresql://db1/dkim?user=a&password=s3cret&sslmode=verify-full"),
            "postgresql://db1/dkim?user=a&password=***&sslmode=verify-full");
  EXPECT_EQ(redact_url("postgresql://node@db1:5433/dkim"), "postgresql://node@db1:5433/dkim");
}

TEST(Connection, AnUnreachableServerIsTemporaryAndNamesTheUrlWithoutPassword) {
  try {
    Connection::open("postgresql://u:pw@127.0.0.1:1/none?connect_timeout=2");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::temporary);
    std::string m = e.what();
    EXPECT_NE(m.find("cannot connect to postgresql://u:***@127.0.0.1:1/none"), std::string::npos) << m;
    EXPECT_EQ(m.find("pw@"), std::string::npos) << m;
  }
}

TEST(ClusterSchema, MigrationsAreNumberedFromOne) {
  int expected = 1;
  for (const auto& m : cluster_migrations()) EXPECT_EQ(m.version, expected++) << m.file;
  EXPECT_EQ(current_cluster_schema_version(), expected - 1);
}

}  // namespace
}  // namespace dkim::cluster
