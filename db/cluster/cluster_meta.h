// SPDX-License-Identifier: MIT
// Per-cluster facts kept in cluster_meta: a random cluster id (a replica
// made from another cluster is rebuilt, not patched) and the key check (a
// text sealed under the cluster key, so a wrong key file is named as such).
#pragma once
#include <string>

#include "db/cluster/pg.h"

namespace dkim::cluster {

/// cluster init: records the id and the key check if absent, then as
/// verify_cluster_key. Returns the cluster id.
std::string init_cluster_meta(Connection& c, const std::string& key);

/// Throws Error(config) when the cluster was initialised with another
/// cluster key, naming the file to copy. Returns the cluster id.
std::string verify_cluster_key(Connection& c, const std::string& key, const std::string& key_file);

}  // namespace dkim::cluster
