// SPDX-License-Identifier: MIT
// The cluster settings of the shared configuration file
// (/etc/dkim-filter/dkim-filter.conf, dkim-filter-sync(8) "CONFIGURATION"):
// `cluster = postgresql://...` (a libpq connection URI) and
// `cluster-key = FILE`. Every other option of the file is accepted and
// ignored; an unknown one is an error, as in every binary.
#pragma once
#include <string>
#include <string_view>

namespace dkim::cluster {

/// Options of the shared file that belong to other binaries.
constexpr std::string_view kOtherFileOptions[] = {
    "db",        "sendmail", "on-error", "log",           "default-user",
    "spool-dir", "expire",   "canon",    "max-staleness", "socket"};

struct ClusterConfig {
  std::string url;       ///< cluster
  std::string key_file;  ///< cluster-key
  std::string db;        ///< db (dkim-filter-sync's replica when --db is absent)
};

constexpr const char* kDefaultConfigFile = "/etc/dkim-filter/dkim-filter.conf";
constexpr const char* kDefaultClusterKey = "/etc/dkim-filter/cluster.key";

/// Reads the file; a missing file is no error unless `must_exist`. Throws
/// Error(config) for an unsafe file (not root's or ours, writable by group
/// or others) or an unknown option, naming the file.
ClusterConfig read_cluster_config(const std::string& path, bool must_exist);

}  // namespace dkim::cluster
