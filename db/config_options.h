// SPDX-License-Identifier: MIT
// One configuration file serves every binary (dkim-filter(8) "FILES"):
// each accepts every option of the file and uses its own, and an unknown
// option is an error in all of them. These are the names each binary must
// accept without using them.
#pragma once
#include <string_view>

namespace dkim::config {

/// Key lifecycle and publishing (dkim-filter-admin(8) "CONFIGURATION"):
/// used by dkim-filter-admin, accepted and ignored by dkim-filter.
constexpr std::string_view kAdminOptions[] = {"dns-update",   "dns-update-key", "dns-zone",
                                              "dns-ttl",      "retire-after",   "delete-after",
                                              "rotate-every", "delegate-zone"};

/// dkim-filter's own options of the file (dkim-filter(8) "Options also
/// valid in the configuration file") and dkim-filter-milter's socket,
/// accepted and ignored by dkim-filter-admin, which uses only db.
constexpr std::string_view kFilterOptions[] = {"sendmail",  "on-error", "log",   "default-user",
                                               "spool-dir", "expire",   "canon", "socket"};

/// dkim-filter-web(8)'s options of the file, accepted and ignored by the
/// filter, the milter and the admin.
constexpr std::string_view kWebOptions[] = {
    "listen",          "tls-cert",           "tls-key",      "nameserver", "max-body",
    "max-connections", "connection-timeout", "max-key-jobs", "dns-timeout"};

/// Cluster mode (dkim-filter-sync(8)): cluster and cluster-key are used by
/// dkim-filter-admin and dkim-filter-sync, max-staleness by dkim-filter.
constexpr std::string_view kClusterOptions[] = {"cluster", "cluster-key", "max-staleness"};

}  // namespace dkim::config
