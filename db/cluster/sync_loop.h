// SPDX-License-Identifier: MIT
// dkim-filter-sync's work (dkim-filter-sync(8)): connect, make or resume
// the replica, apply the change log whenever NOTIFY wakes it or the poll
// interval passes, and on any connection failure keep the replica as it
// is and reconnect (libpq tries the hosts of a multi-host URL in turn, so
// a promoted standby is found by its URL alone).
#pragma once
#include <atomic>
#include <functional>
#include <string>

namespace dkim::cluster {

struct SyncOptions {
  std::string url;
  std::string key_file;
  std::string db_path;
  int poll_ms = 1000;  ///< fallback poll when no NOTIFY arrives
  bool once = false;   ///< one pass (snapshot or changes), then return: tests, cron
};

/// Runs until `stop` is set (SIGTERM) or, with `once`, after one pass.
/// Returns 0, or throws Error(config) for what a restart cannot mend
/// (cluster key missing or wrong, schema too new or absent).
int run_sync(const SyncOptions& o, const std::atomic<bool>& stop,
             const std::function<void(const std::string&)>& log);

}  // namespace dkim::cluster
