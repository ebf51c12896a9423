// SPDX-License-Identifier: MIT
#include "db/sqlite.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "filter/base/error.h"

namespace dkim::db {
namespace {

// SQLite's page cache and value buffers hold private key rows. Memory it
// frees is overwritten first, so key text does not linger in the heap of a
// filter that is still streaming a body (checked by tests/cli/key_memory).
void wipe(void* p) {
  if (p) explicit_bzero(p, malloc_usable_size(p));
}
void* cleansing_malloc(int n) { return std::malloc(static_cast<std::size_t>(n)); }
void cleansing_free(void* p) {
  wipe(p);
  std::free(p);
}
void* cleansing_realloc(void* p, int n) {
  if (!p) return cleansing_malloc(n);
  std::size_t old = malloc_usable_size(p);
  if (static_cast<std::size_t>(n) <= old) return p;
  void* q = std::malloc(static_cast<std::size_t>(n));
  if (!q) return nullptr;
  std::memcpy(q, p, old);
  cleansing_free(p);
  return q;
}
int cleansing_size(void* p) { return static_cast<int>(malloc_usable_size(p)); }
int cleansing_roundup(int n) { return (n + 7) & ~7; }
int cleansing_init(void*) { return SQLITE_OK; }
void cleansing_shutdown(void*) {}

}  // namespace

void use_cleansing_allocator() {
  static std::once_flag once;
  std::call_once(once, [] {
    static const sqlite3_mem_methods kMethods = {
        cleansing_malloc,  cleansing_free, cleansing_realloc,  cleansing_size,
        cleansing_roundup, cleansing_init, cleansing_shutdown, nullptr};
    sqlite3_config(SQLITE_CONFIG_MALLOC, &kMethods);
  });
}

void throw_sqlite(sqlite3* db, int rc, std::string_view what) {
  std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message = "keystore: " + std::string(what) + ": " + detail;
  switch (rc & 0xff) {
    // A locked, unreadable or damaged file is a transient condition for
    // the filter: the MTA keeps the message and retries later.
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      throw Error(ErrorKind::temporary, message);
    default:
      throw Error(ErrorKind::internal, message);
  }
}

SqlitePtr open_sqlite(const std::string& path, int flags) {
  use_cleansing_allocator();
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOFOLLOW, nullptr);
  SqlitePtr db(raw);
  if (rc != SQLITE_OK) throw_sqlite(db.get(), rc, "cannot open " + path);
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  return db;
}

namespace {

// A read-only connection to a database still in WAL mode (until an admin
// command converts it to a rollback journal) cannot rebuild the shared
// wal-index itself: while an admin process opens, checkpoints or closes the
// database, a reader can briefly get SQLITE_READONLY_RECOVERY/CANTINIT or
// SQLITE_BUSY_RECOVERY. Those pass once the writer is done, so they are
// retried for a while instead of deferring the message. With a rollback
// journal a writer's commit shows as SQLITE_BUSY, which the busy timeout
// already waits out. SQLITE_READONLY_ROLLBACK (a hot journal, which only a
// writer can roll back) is retried too: SQLite assumes a journal it sees
// but cannot open is hot (pager.c hasHotJournal, "might be a false
// positive"), which a journal deleted by a committing writer can cause; a
// real one is still there after the retries and reported as such.
bool transient_for_reader(sqlite3* db, int rc) {
  if (!sqlite3_db_readonly(db, "main")) return false;
  int ext = sqlite3_extended_errcode(db);
  return ext == SQLITE_READONLY_RECOVERY || ext == SQLITE_READONLY_CANTINIT ||
         ext == SQLITE_READONLY_ROLLBACK || ext == SQLITE_READONLY_CANTLOCK || ext == SQLITE_BUSY_RECOVERY ||
         ext == SQLITE_BUSY_SNAPSHOT || rc == SQLITE_READONLY;
}

// Runs `attempt` (a prepare or a step) until it stops failing with one of
// those transient reader states, for about as long as the busy timeout.
template <typename Attempt>
int with_reader_retry(sqlite3* db, Attempt attempt) {
  constexpr int kAttempts = 200;  // x 10 ms
  for (int n = 1;; ++n) {
    int rc = attempt();
    if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return rc;
    if (n >= kAttempts || !transient_for_reader(db, rc)) return rc;
    sqlite3_sleep(10);
  }
}

}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  sqlite3_stmt* raw = nullptr;
  // Preparing reads the schema, which a reader may also find mid-recovery.
  int rc = with_reader_retry(db, [&] {
    return sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw,
                              nullptr);
  });
  if (rc != SQLITE_OK) throw_sqlite(db, rc, "prepare");
  stmt_.reset(raw);
}

Statement& Statement::bind(int index, std::string_view text) {
  // A default string_view has a null data(), which SQLite would bind as
  // NULL rather than as the empty string it means.
  const char* data = text.data() ? text.data() : "";
  int rc = sqlite3_bind_text(stmt_.get(), index, data, static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
  return *this;
}

Statement& Statement::bind(int index, long long value) {
  int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
  return *this;
}

Statement& Statement::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_.get(), index);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
  return *this;
}

bool Statement::step() {
  int rc = with_reader_retry(db_, [&] {
    int r = sqlite3_step(stmt_.get());
    // Keep the statement reusable after a failure (a retry, or later use).
    if (r != SQLITE_ROW && r != SQLITE_DONE) sqlite3_reset(stmt_.get());
    return r;
  });
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_sqlite(db_, rc, "query");
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_.get(), column);
  int n = sqlite3_column_bytes(stmt_.get(), column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

long long Statement::integer(int column) const { return sqlite3_column_int64(stmt_.get(), column); }

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL; }

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) throw_sqlite(db, rc, "exec");
}

long long query_integer(sqlite3* db, std::string_view sql) {
  Statement st(db, sql);
  long long value = st.step() ? st.integer(0) : 0;
  st.reset();
  return value;
}

}  // namespace dkim::db
