// SPDX-License-Identifier: MIT
// A node's replica: the filter's ordinary SQLite key database, written only
// by dkim-filter-sync, plus one row in cluster_sync recording which
// cluster it copies, the last change-log sequence applied, and when it was
// last confirmed current (the filter's max-staleness reads that).
//
// A replica is built from one REPEATABLE READ snapshot (PostgreSQL docs,
// 13.2.2: every statement of the transaction sees the same snapshot) into
// a new file renamed over the old one (rename(2) is atomic: a filter sees
// the old file or the new one), then kept current by applying the change
// log: each batch is one PostgreSQL snapshot and one SQLite transaction,
// so a crash at any point leaves the replica as of the last batch (the
// rollback journal undoes a batch cut short, sqlite.org/atomiccommit.html).
#pragma once
#include <optional>
#include <string>

#include "db/cluster/pg.h"
#include "db/sqlite.h"

namespace dkim::cluster {

struct ReplicaState {
  std::string cluster_id;
  long long last_seq = 0;
  long long confirmed = 0;  ///< unix time
};

/// The cluster's newest change-log sequence (or its pruned_through, when
/// the log was pruned to nothing): what a current replica has applied.
long long cluster_sequence(Connection& c);

class Replica {
 public:
  /// The replica at `path`, or nullopt when there is no file or it is no
  /// replica of the current schema (then it is rebuilt by snapshot()).
  /// Opening rolls back a batch a crash cut short.
  static std::optional<Replica> open(const std::string& path);
  /// The sync record of the replica at `path`, read only (doctor); nullopt
  /// for a file that is no replica. Throws Error as a failed open does.
  static std::optional<ReplicaState> peek(const std::string& path);

  /// Builds a new replica of the whole cluster in one snapshot and renames
  /// it over `path` (mode 0640, the group of its directory).
  static Replica snapshot(Connection& c, const std::string& key, const std::string& cluster_id,
                          const std::string& path, long long now);

  /// Applies every change after state().last_seq in one PostgreSQL snapshot
  /// and one SQLite transaction, and marks the replica confirmed at `now`.
  /// Returns the number of change-log entries applied, or -1 (nothing
  /// done) when entries after last_seq were pruned: then take a snapshot.
  long long apply_changes(Connection& c, const std::string& key, long long now);

  const ReplicaState& state() const { return state_; }

 private:
  Replica(std::string path, db::SqlitePtr db, ReplicaState state)
      : path_(std::move(path)), db_(std::move(db)), state_(std::move(state)) {}
  std::string path_;
  db::SqlitePtr db_;
  ReplicaState state_;
};

}  // namespace dkim::cluster
