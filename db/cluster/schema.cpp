// SPDX-License-Identifier: MIT
#include "db/cluster/schema.h"

#include "db/cluster/cluster_schema_sql.h"
#include "filter/base/error.h"

namespace dkim::cluster {
namespace {

constexpr long long kInitLock = 741963853;

[[noreturn]] void fail(const std::string& what) { throw Error(ErrorKind::config, "cluster: " + what); }

}  // namespace

const std::vector<ClusterMigration>& cluster_migrations() { return kClusterMigrations; }

int current_cluster_schema_version() { return cluster_migrations().back().version; }

int cluster_schema_version(Connection& c) {
  auto exists = c.exec("SELECT to_regclass('cluster_meta') IS NOT NULL");
  if (exists.text(0, 0) != "t") return 0;
  auto r = c.exec("SELECT value FROM cluster_meta WHERE name = 'schema_version'");
  return r.rows() ? static_cast<int>(r.integer(0, 0)) : 0;
}

int migrate_cluster(Connection& c) {
  int reached = 0;
  c.transaction("", [&] {
    c.exec("SELECT pg_advisory_xact_lock($1)", {std::to_string(kInitLock)});
    int version = cluster_schema_version(c);
    if (version > current_cluster_schema_version())
      fail("the database has cluster schema version " + std::to_string(version) +
           ", newer than this program's " + std::to_string(current_cluster_schema_version()));
    for (const auto& m : cluster_migrations()) {
      if (m.version <= version) continue;
      c.exec_script(std::string(m.sql));
      c.exec(
          "INSERT INTO cluster_meta (name, value) VALUES ('schema_version', $1) "
          "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
          {std::to_string(m.version)});
      version = m.version;
    }
    reached = version;
  });
  return reached;
}

void create_roles(Connection& c) {
  c.transaction("", [&] {
    c.exec_script(R"sql(
DO $roles$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dkim_filter_writer') THEN
    CREATE ROLE dkim_filter_writer NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dkim_filter_reader') THEN
    CREATE ROLE dkim_filter_reader NOLOGIN;
  END IF;
END
$roles$;
GRANT USAGE ON SCHEMA public TO dkim_filter_writer, dkim_filter_reader;
GRANT SELECT ON cluster_meta, keys, users, change_log TO dkim_filter_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON keys, users TO dkim_filter_writer;
GRANT SELECT, INSERT, UPDATE ON cluster_meta TO dkim_filter_writer;
GRANT SELECT, INSERT, DELETE ON change_log TO dkim_filter_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON used_selectors, tokens TO dkim_filter_writer;
GRANT USAGE ON SEQUENCE change_log_seq_seq TO dkim_filter_writer;
)sql");
  });
}

void require_current_schema(Connection& c) {
  int version = cluster_schema_version(c);
  if (version == 0) fail("the database has no cluster schema (run dkim-filter-admin cluster init)");
  if (version != current_cluster_schema_version())
    fail("the database has cluster schema version " + std::to_string(version) + ", this program knows " +
         std::to_string(current_cluster_schema_version()) + " (upgrade the older side, then cluster init)");
}

}  // namespace dkim::cluster
