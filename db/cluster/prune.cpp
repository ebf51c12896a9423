// SPDX-License-Identifier: MIT
#include "db/cluster/prune.h"

#include <string>

namespace dkim::cluster {

PruneResult prune_change_log(Connection& c, long long older_than) {
  PruneResult out;
  c.transaction("", [&] {
    // The writers' lock (schema/0001_init.sql): no sequence below the cut
    // can still be uncommitted while it is held.
    c.exec("SELECT pg_advisory_xact_lock(741963852)");
    // A prefix by sequence, not every old row: `at` is when a writer's
    // transaction began, so a late commit can be old and numbered high.
    auto r = c.exec(
        "WITH cut AS (SELECT max(seq) AS seq FROM change_log WHERE at <= now() - make_interval(secs => $1)), "
        "gone AS (DELETE FROM change_log WHERE seq <= (SELECT seq FROM cut) RETURNING seq) "
        "SELECT count(*), coalesce(max(seq), 0) FROM gone",
        {std::to_string(older_than)});
    out.deleted = r.integer(0, 0);
    if (out.deleted > 0)
      c.exec(
          "INSERT INTO cluster_meta (name, value) VALUES ('pruned_through', $1) ON CONFLICT (name) DO UPDATE "
          "SET value = greatest(cluster_meta.value::bigint, EXCLUDED.value::bigint)::text",
          {std::to_string(r.integer(0, 1))});
    auto through = c.exec("SELECT value FROM cluster_meta WHERE name = 'pruned_through'");
    out.through = through.rows() ? through.integer(0, 0) : 0;
  });
  return out;
}

}  // namespace dkim::cluster
