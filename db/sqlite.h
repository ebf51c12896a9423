// SPDX-License-Identifier: MIT
// RAII over the SQLite C API. db/ is the only folder that includes sqlite3.h
// (the backend stays in one place); nothing outside db/ sees these types.
#pragma once
#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dkim::db {

/// Makes SQLite overwrite the memory it frees (it caches private key rows).
/// Must run before the first database is opened; later calls do nothing.
void use_cleansing_allocator();

struct SqliteClose {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using SqlitePtr = std::unique_ptr<sqlite3, SqliteClose>;

/// Throws dkim::Error for a failed SQLite call: busy, locked, I/O and
/// corruption are temporary (the MTA retries), the rest internal.
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view what);

/// How long every connection waits for another's lock before SQLITE_BUSY.
constexpr int kBusyTimeoutMs = 5000;

/// Opens `path` with `flags` (SQLITE_OPEN_READONLY or _READWRITE; a
/// symbolic link is refused, SQLITE_OPEN_NOFOLLOW), after the cleansing
/// allocator, with extended result codes and the busy timeout. Throws as
/// throw_sqlite, naming the file.
SqlitePtr open_sqlite(const std::string& path, int flags);

/// One prepared statement. Bind, step, read, and reset for reuse.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, long long value);
  Statement& bind_null(int index);
  /// True when a row is available, false when done.
  bool step();
  /// Runs to completion, for statements that return no rows.
  void run();
  void reset();

  std::string text(int column) const;
  long long integer(int column) const;
  bool is_null(int column) const;

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
};

/// Executes SQL text without results (schema scripts, PRAGMAs).
void exec(sqlite3* db, const std::string& sql);

/// Runs a single-value query such as "PRAGMA user_version".
long long query_integer(sqlite3* db, std::string_view sql);

}  // namespace dkim::db
