// SPDX-License-Identifier: MIT
// The cluster's PostgreSQL schema and its forward migrations, versioned by
// the schema_version row of cluster_meta. The SQL (db/cluster/schema/
// NNNN_*.sql) is compiled in, as the SQLite schema is.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "db/cluster/pg.h"

namespace dkim::cluster {

struct ClusterMigration {
  int version;
  std::string_view file;
  std::string_view sql;
};

const std::vector<ClusterMigration>& cluster_migrations();
int current_cluster_schema_version();

/// The database's schema version; 0 when cluster_meta does not exist.
int cluster_schema_version(Connection& c);

/// Migrates the database forward in one transaction (serialised against a
/// concurrent init by an advisory lock); returns the version reached.
/// Throws Error(config) when the database is newer than this program.
int migrate_cluster(Connection& c);

/// Creates the group roles dkim_filter_writer (read and write the tables)
/// and dkim_filter_reader (SELECT only; LISTEN needs no privilege), and
/// grants them. Login roles are made members by the DBA (GRANT ... TO).
void create_roles(Connection& c);

/// Throws Error(config) unless the schema is the one this program knows.
void require_current_schema(Connection& c);

}  // namespace dkim::cluster
