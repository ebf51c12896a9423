// SPDX-License-Identifier: MIT
#include "db/schema.h"

// The migrations are the files in db/schema/, embedded at build time
// (CMakeLists.txt generates schema_sql.h), so an installed binary needs no
// data files and the SQL exists in one place only.
#include "db/schema_sql.h"

namespace dkim::db {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kAll = {
      {1, "0001_init.sql", kSql0001Init},
      {3, "0003_lifecycle.sql", kSql0003Lifecycle},
  };
  return kAll;
}

int current_schema_version() { return migrations().back().version; }

}  // namespace dkim::db
