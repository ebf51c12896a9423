// SPDX-License-Identifier: MIT
// The filter's read of a cluster replica's sync record (written by
// dkim-filter-sync, db/cluster/replica.cpp). A single-node database has no
// cluster_sync table: sqlite3_prepare_v2 then fails, which is an answer,
// not an error, so no exception is thrown on the per-message path.
#include <string>
#include <string_view>

#include "db/keystore.h"
#include "db/keystore_impl.h"

namespace dkim::db {

std::optional<long long> KeyStore::replica_confirmed() { return backend_->replica_confirmed(); }

std::optional<long long> SqliteBackend::replica_confirmed() {
  constexpr std::string_view kSql = "SELECT confirmed FROM cluster_sync WHERE id = 1";
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_.get(), kSql.data(), static_cast<int>(kSql.size()), &raw, nullptr) != SQLITE_OK) {
    sqlite3_finalize(raw);
    return std::nullopt;
  }
  // A replica without its row was never confirmed: as old as can be.
  // A locked or unreadable file is not reported as stale: the lookups that
  // follow meet the same condition and name it.
  std::optional<long long> confirmed = 0;
  int rc = sqlite3_step(raw);
  if (rc == SQLITE_ROW)
    confirmed = sqlite3_column_int64(raw, 0);
  else if (rc != SQLITE_DONE)
    confirmed.reset();
  sqlite3_finalize(raw);
  return confirmed;
}

std::optional<std::string> replica_staleness_problem(std::string_view path,
                                                     std::optional<long long> confirmed, long long now,
                                                     long long max_staleness) {
  if (!confirmed || now - *confirmed <= max_staleness) return std::nullopt;
  return "keystore: replica " + std::string(path) + " last confirmed current " +
         std::to_string(now - *confirmed) + " s ago, more than max-staleness " +
         std::to_string(max_staleness) + " (is dkim-filter-sync running, and can it reach PostgreSQL?)";
}

}  // namespace dkim::db
