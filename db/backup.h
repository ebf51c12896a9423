// SPDX-License-Identifier: MIT
// `dkim-filter-admin backup` and `restore`: a consistent copy of the key
// database taken while mail flows, and a validated, atomic swap back.
//
// backup: SQLite's online backup API (sqlite.org/backup.html) copies every
// page inside one read transaction, so the copy is one committed state
// even while admin commands write; filters keep reading meanwhile. The
// copy is written to a temporary file beside FILE with the database's mode
// and group, checked (integrity_check), synced, and renamed onto FILE
// (rename(2)), so FILE is never half written.
//
// restore: FILE is copied beside the database (same directory, so the
// final rename(2) is atomic), validated - PRAGMA integrity_check, a schema
// this program knows (an older one is upgraded), every key loads and
// matches its public key - given the current database's mode, owner and
// group, and renamed over it while holding the old file's exclusive lock,
// so no writer is half way through a transaction. A filter that already
// opened the old file finishes its message with it; the next one opens
// the restored file. Anything wrong: nothing is changed.
#pragma once
#include <string>

namespace dkim::db {

/// Copies the database at `db_path` to `file`. Throws Error(usage) for a
/// file that cannot be written, Error(temporary) when the database stays
/// locked, Error(config) when it is missing or unusable.
void backup_database(const std::string& db_path, const std::string& file);

/// What restore_database() swapped in.
struct RestoreResult {
  int schema_version = 0;  ///< after any upgrade
  int from_version = 0;    ///< the backup's own schema version
  size_t keys = 0, users = 0;
};

/// Replaces the database at `db_path` with the backup `file`. Throws
/// Error(data) naming the first problem when `file` is not a valid
/// database of ours (the database is then untouched).
RestoreResult restore_database(const std::string& file, const std::string& db_path);

}  // namespace dkim::db
