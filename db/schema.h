// SPDX-License-Identifier: MIT
// The database schema and its forward migrations, versioned with
// PRAGMA user_version. The SQL is compiled into the program so that an
// installed binary needs no data files; db/schema/NNNN_*.sql hold the same
// text for reading and review (a unit test keeps the two identical).
#pragma once
#include <string_view>
#include <vector>

namespace dkim::db {

struct Migration {
  int version;            ///< user_version after this migration
  std::string_view file;  ///< its name under db/schema/
  std::string_view sql;
};

/// All migrations, oldest first; the last one's version is the current schema.
const std::vector<Migration>& migrations();

/// The schema version this program reads and writes.
int current_schema_version();

}  // namespace dkim::db
