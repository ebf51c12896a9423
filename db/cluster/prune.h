// SPDX-License-Identifier: MIT
// cluster prune (dkim-filter-admin(8) "CLUSTER MODE"): deletes change-log
// rows older than a retention, oldest first, and records the highest
// sequence deleted as cluster_meta's pruned_through. A node that had not
// applied up to it takes a fresh snapshot (db/cluster/replica.h) instead
// of missing the changes.
#pragma once
#include "db/cluster/pg.h"

namespace dkim::cluster {

struct PruneResult {
  long long deleted = 0;
  long long through = 0;  ///< the highest sequence now pruned (0: none ever)
};

/// Deletes the log's longest prefix of rows older than `older_than`
/// seconds, serialised with writers by the change log's advisory lock.
PruneResult prune_change_log(Connection& c, long long older_than);

}  // namespace dkim::cluster
