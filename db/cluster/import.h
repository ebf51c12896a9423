// SPDX-License-Identifier: MIT
// cluster import: copies a single-node SQLite key database into the
// cluster in one PostgreSQL transaction, sealing every private key on the
// way; a key or user that already exists in the cluster is refused and
// nothing is imported.
#pragma once
#include <string>

#include "db/cluster/pg.h"

namespace dkim::cluster {

struct ImportCounts {
  int keys = 0, users = 0;
};

ImportCounts import_sqlite(Connection& c, const std::string& key, const std::string& sqlite_path);

}  // namespace dkim::cluster
