// SPDX-License-Identifier: MIT
#include "db/schema.h"

// The migrations are the files in db/schema/, embedded at build time
// (CMakeLists.txt generates schema_sql.h), so an installed binary needs no
// data files and the SQL exists in one place only.
#include "db/schema_sql.h"

namespace dkim::db {

const std::vector<Migration>& migrations() { return kEmbeddedMigrations; }

int current_schema_version() { return migrations().back().version; }

}  // namespace dkim::db
