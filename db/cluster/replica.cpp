// SPDX-License-Identifier: MIT
#include "db/cluster/replica.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "db/cluster/cluster_key.h"
#include "db/keystore.h"
#include "db/schema.h"
#include "filter/base/error.h"
#include "filter/crypto/key.h"

namespace dkim::cluster {
namespace {

constexpr const char* kSyncTable =
    "CREATE TABLE cluster_sync (id INTEGER PRIMARY KEY CHECK (id = 1), cluster_id TEXT NOT NULL, "
    "last_seq INTEGER NOT NULL, confirmed INTEGER NOT NULL)";

const char* const kKeyColumns =
    "type, bits, private_sealed, canon, created, public_key, slot, state, activated, retired, revoked, "
    "published, dns_seen";
// Within a batch, rows that stop being their slot's active key are written
// before the one that becomes it: the replica's unique index on active
// slots holds after every row, as PostgreSQL's does at every commit.
const char* const kKeyOrder = " ORDER BY (k.state = 'active') NULLS FIRST";
const char* const kUserColumns = "kind, domain, selectors, any_domain, reauthenticating, ip_prefix, created";

[[noreturn]] void fail(ErrorKind kind, const std::string& what) { throw Error(kind, "replica: " + what); }

db::SqlitePtr open_replica(const std::string& path) {
  db::SqlitePtr db = db::open_sqlite(path, SQLITE_OPEN_READWRITE);
  db::exec(db.get(), "PRAGMA secure_delete = ON");
  return db;
}

// One key row from PostgreSQL (columns key1, key2, then kKeyColumns) into
// SQLite: deleted when the cluster no longer has it. The private key is
// opened here and wiped once bound.
void put_key(db::Statement& upsert, db::Statement& remove, const Result& r, int row, const std::string& key) {
  std::string domain = r.text(row, 0), selector = r.text(row, 1);
  if (r.is_null(row, 2)) {
    remove.bind(1, domain).bind(2, selector).run();
    return;
  }
  std::string pem = open_private_key(key, domain, selector, r.text(row, 4));
  upsert.bind(1, domain).bind(2, selector).bind(3, r.text(row, 2)).bind(4, r.integer(row, 3)).bind(5, pem);
  upsert.bind(6, r.text(row, 5)).bind(7, r.integer(row, 6)).bind(8, r.text(row, 7));
  upsert.bind(9, r.text(row, 8)).bind(10, r.text(row, 9));
  for (int col = 10; col <= 14; ++col) {  // NULL: the step was not reached
    if (r.is_null(row, col))
      upsert.bind_null(col + 1);
    else
      upsert.bind(col + 1, r.integer(row, col));
  }
  upsert.run();
  crypto::cleanse(pem);
}

void put_user(db::Statement& upsert, db::Statement& remove, const Result& r, int row) {
  std::string name = r.text(row, 0);
  if (r.is_null(row, 2)) {
    remove.bind(1, name).run();
    return;
  }
  upsert.bind(1, name).bind(2, r.text(row, 2)).bind(3, r.text(row, 3)).bind(4, r.text(row, 4));
  upsert.bind(5, r.integer(row, 5)).bind(6, r.integer(row, 6));
  if (r.is_null(row, 7))
    upsert.bind_null(7);
  else
    upsert.bind(7, r.integer(row, 7));
  upsert.bind(8, r.integer(row, 8)).run();
}

// Writes both result sets in one SQLite transaction with the new state;
// keys carry their slot, state and step times (cluster schema 2).
void write_rows(sqlite3* db, const Result& keys, const Result& users, const std::string& key,
                const ReplicaState& state) {
  db::exec(db, "BEGIN IMMEDIATE");
  try {
    db::Statement key_up(
        db,
        "INSERT OR REPLACE INTO keys (domain, selector, type, bits, private_pem, canon, created, "
        "public_key, slot, state, activated, retired, revoked, published, dns_seen) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    db::Statement key_rm(db, "DELETE FROM keys WHERE domain = ?1 AND selector = ?2");
    db::Statement user_up(db,
                          "INSERT OR REPLACE INTO users (name, kind, domain, selectors, any_domain, "
                          "reauthenticating, ip_prefix, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    db::Statement user_rm(db, "DELETE FROM users WHERE name = ?1");
    for (int i = 0; i < keys.rows(); ++i) put_key(key_up, key_rm, keys, i, key);
    for (int i = 0; i < users.rows(); ++i) put_user(user_up, user_rm, users, i);
    db::Statement st(
        db,
        "INSERT OR REPLACE INTO cluster_sync (id, cluster_id, last_seq, confirmed) VALUES (1, ?1, ?2, ?3)");
    st.bind(1, state.cluster_id).bind(2, state.last_seq).bind(3, state.confirmed).run();
    db::exec(db, "COMMIT");
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::optional<ReplicaState> read_state(sqlite3* db) {
  if (db::query_integer(
          db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'cluster_sync'") == 0)
    return std::nullopt;
  if (db::query_integer(db, "PRAGMA user_version") != db::current_schema_version()) return std::nullopt;
  db::Statement st(db, "SELECT cluster_id, last_seq, confirmed FROM cluster_sync WHERE id = 1");
  if (!st.step()) return std::nullopt;
  return ReplicaState{st.text(0), st.integer(1), st.integer(2)};
}

void sync_directory(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Mode 0640 and the directory's group: the filter reads it through its group.
void set_owner(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) (void)!::chown(path.c_str(), static_cast<uid_t>(-1), st.st_gid);
  if (::chmod(path.c_str(), 0640) != 0)
    fail(ErrorKind::config, "cannot set mode of " + path + ": " + std::strerror(errno));
}

}  // namespace

long long cluster_sequence(Connection& c) {
  return c
      .exec(
          "SELECT greatest((SELECT coalesce(max(seq), 0) FROM change_log), "
          "(SELECT coalesce(max(value::bigint), 0) FROM cluster_meta WHERE name = 'pruned_through'))")
      .integer(0, 0);
}

std::optional<ReplicaState> Replica::peek(const std::string& path) {
  db::use_cleansing_allocator();
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, nullptr);
  db::SqlitePtr db(raw);
  if (rc != SQLITE_OK) db::throw_sqlite(db.get(), rc, "cannot open " + path);
  sqlite3_busy_timeout(db.get(), 5000);
  if (db::query_integer(
          db.get(), "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'cluster_sync'") == 0)
    return std::nullopt;
  db::Statement st(db.get(), "SELECT cluster_id, last_seq, confirmed FROM cluster_sync WHERE id = 1");
  if (!st.step()) return ReplicaState{};
  return ReplicaState{st.text(0), st.integer(1), st.integer(2)};
}

std::optional<Replica> Replica::open(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  auto db = open_replica(path);
  auto state = read_state(db.get());  // the first read rolls back a hot journal
  if (!state) return std::nullopt;
  return Replica(path, std::move(db), *state);
}

Replica Replica::snapshot(Connection& c, const std::string& key, const std::string& cluster_id,
                          const std::string& path, long long now) {
  std::string fresh = path + ".sync-new";
  ::unlink(fresh.c_str());
  ::unlink((fresh + "-journal").c_str());
  { auto store = db::KeyStore::create(fresh); }  // the current schema, mode 0640
  auto db = open_replica(fresh);
  db::exec(db.get(), kSyncTable);
  ReplicaState state{cluster_id, 0, now};
  std::optional<Result> keys, users;
  c.transaction("ISOLATION LEVEL REPEATABLE READ READ ONLY", [&] {
    // A log pruned to nothing still numbers on from pruned_through.
    state.last_seq = cluster_sequence(c);
    keys.emplace(c.exec(std::string("SELECT domain, selector, ") + kKeyColumns + " FROM keys k" + kKeyOrder));
    users.emplace(c.exec(std::string("SELECT name, '', ") + kUserColumns + " FROM users"));
  });
  write_rows(db.get(), *keys, *users, key, state);
  db.reset();
  set_owner(fresh);
  int fd = ::open(fresh.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  ::unlink((path + "-journal").c_str());  // of the file being replaced; never of the new one
  if (::rename(fresh.c_str(), path.c_str()) != 0)
    fail(ErrorKind::config, "cannot rename " + fresh + " to " + path + ": " + std::strerror(errno));
  sync_directory(path);
  return Replica(path, open_replica(path), state);
}

long long Replica::apply_changes(Connection& c, const std::string& key, long long now) {
  std::optional<Result> keys, users;
  long long last = state_.last_seq, high = last;
  bool behind = false;
  c.transaction("ISOLATION LEVEL REPEATABLE READ READ ONLY", [&] {
    std::string from = std::to_string(last);
    // Changes after `last` were pruned from the log (cluster prune): the
    // rows they name can no longer be found, only a snapshot mends it.
    behind = c.exec("SELECT 1 FROM cluster_meta WHERE name = 'pruned_through' AND value::bigint > $1", {from})
                 .rows() > 0;
    if (behind) return;
    high = c.exec("SELECT coalesce(max(seq), $1) FROM change_log WHERE seq > $1", {from}).integer(0, 0);
    if (high == last) return;
    std::string to = std::to_string(high);
    keys.emplace(c.exec(
        std::string("SELECT c.key1, c.key2, ") +
            "k.type, k.bits, k.private_sealed, k.canon, k.created, k.public_key, k.slot, k.state, "
            "k.activated, k.retired, k.revoked, k.published, k.dns_seen FROM "
            "(SELECT DISTINCT key1, key2 FROM change_log WHERE tbl = 'keys' AND seq > $1 AND seq <= $2) c "
            "LEFT JOIN keys k ON k.domain = c.key1 AND k.selector = c.key2" +
            kKeyOrder,
        {from, to}));
    users.emplace(
        c.exec("SELECT c.key1, '', u.kind, u.domain, u.selectors, u.any_domain, u.reauthenticating, "
               "u.ip_prefix, u.created FROM "
               "(SELECT DISTINCT key1 FROM change_log WHERE tbl = 'users' AND seq > $1 AND seq <= $2) c "
               "LEFT JOIN users u ON u.name = c.key1",
               {from, to}));
  });
  if (behind) return -1;
  ReplicaState next = state_;
  next.last_seq = high;
  next.confirmed = now;
  if (high == last) {
    if (now != state_.confirmed) {
      db::Statement st(db_.get(), "UPDATE cluster_sync SET confirmed = ?1 WHERE id = 1");
      st.bind(1, now).run();
    }
  } else {
    write_rows(db_.get(), *keys, *users, key, next);
  }
  state_ = next;
  return high - last;
}

}  // namespace dkim::cluster
