// SPDX-License-Identifier: MIT
#include "db/cluster/sync_loop.h"

#include <poll.h>

#include <algorithm>
#include <ctime>
#include <optional>

#include "db/cluster/cluster_key.h"
#include "db/cluster/cluster_meta.h"
#include "db/cluster/pg.h"
#include "db/cluster/replica.h"
#include "db/cluster/schema.h"
#include "filter/base/error.h"
#include "filter/crypto/key.h"

namespace dkim::cluster {
namespace {

long long now() { return static_cast<long long>(std::time(nullptr)); }

// Connected: make or resume the replica, then follow the log until the
// connection breaks (Error(temporary)) or `stop`.
int follow(const SyncOptions& o, const std::string& key, const std::atomic<bool>& stop,
           const std::function<void(const std::string&)>& log) {
  auto c = Connection::open(o.url);
  require_current_schema(c);
  std::string cluster_id = verify_cluster_key(c, key, o.key_file);
  // LISTEN before reading, so no commit falls between. A hot standby
  // refuses LISTEN and receives no notifications (PostgreSQL docs, 26.4.4
  // "Hot Standby": LISTEN and NOTIFY are not allowed during recovery):
  // there the poll interval alone paces the node.
  bool standby = c.exec("SELECT pg_is_in_recovery()").text(0, 0) == "t";
  if (!standby) c.exec("LISTEN dkim_filter_changes");
  auto replica = Replica::open(o.db_path);
  if (!replica || replica->state().cluster_id != cluster_id) {
    replica = Replica::snapshot(c, key, cluster_id, o.db_path, now());
    log("snapshot of " + c.server() + " written to " + o.db_path + " at sequence " +
        std::to_string(replica->state().last_seq));
  } else {
    log("connected to " + c.server() + (standby ? " (a standby: polling)" : "") + ", resuming " + o.db_path +
        " after sequence " + std::to_string(replica->state().last_seq));
  }
  while (!stop) {
    long long before = replica->state().last_seq;
    try {
      long long applied = replica->apply_changes(c, key, now());
      if (applied < 0) {
        replica = Replica::snapshot(c, key, cluster_id, o.db_path, now());
        log("sequence " + std::to_string(before + 1) +
            " onwards was pruned from the change log; snapshot of " + c.server() + " written to " +
            o.db_path + " at sequence " + std::to_string(replica->state().last_seq));
      } else if (applied > 0) {
        log("applied sequence " + std::to_string(before + 1) + ".." +
            std::to_string(replica->state().last_seq));
      }
    } catch (const Error& e) {
      // A row this node cannot use (one that does not decrypt: altered or
      // moved): nothing of the batch is applied and the replica is not
      // confirmed, so max-staleness still bounds how long it signs.
      if (e.kind() == ErrorKind::temporary || o.once) throw;
      log(std::string(e.what()) + "; batch after sequence " + std::to_string(before) +
          " not applied, retrying");
    }
    if (o.once) return 0;
    c.wait_for_notifications(o.poll_ms);
  }
  return 0;
}

}  // namespace

int run_sync(const SyncOptions& o, const std::atomic<bool>& stop,
             const std::function<void(const std::string&)>& log) {
  std::string key = load_cluster_key(o.key_file);
  int backoff_ms = o.poll_ms;
  while (!stop) {
    try {
      int rc = follow(o, key, stop, log);
      crypto::cleanse(key);
      return rc;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::temporary) {
        crypto::cleanse(key);
        throw;
      }
      // PostgreSQL unreachable or restarting: the replica stays as it is
      // and the filters keep signing from it (until max-staleness).
      log(std::string(e.what()) + "; replica kept, retrying");
      if (o.once) {
        crypto::cleanse(key);
        throw;
      }
    }
    pollfd none{-1, 0, 0};
    ::poll(&none, 0, backoff_ms);  // interrupted by SIGTERM
    backoff_ms = std::min(backoff_ms * 2, 4 * o.poll_ms);
  }
  crypto::cleanse(key);
  return 0;
}

}  // namespace dkim::cluster
