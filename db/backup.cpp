// SPDX-License-Identifier: MIT
#include "db/backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "db/key_audit.h"
#include "db/keystore.h"
#include "db/schema.h"
#include "db/sqlite.h"
#include "filter/base/error.h"

namespace dkim::db {
namespace {

[[noreturn]] void fail(ErrorKind kind, const std::string& what) { throw Error(kind, "keystore: " + what); }

std::string errno_text() { return std::strerror(errno); }

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// A file beside `target`, removed unless keep() was called: a failed
// backup or restore leaves nothing behind.
class TempFile {
 public:
  TempFile(const std::string& target, mode_t mode, const char* tag)
      : path_(target + "." + tag + "." + std::to_string(::getpid())) {
    ::unlink(path_.c_str());  // one of ours from a killed run
    int fd = ::open(path_.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) fail(ErrorKind::usage, "cannot create " + path_ + ": " + errno_text());
    // Private until it has the final mode: fchmod after creation, whatever the umask.
    bool ok = ::fchmod(fd, mode & 0660) == 0;
    ::close(fd);
    if (!ok) fail(ErrorKind::usage, "cannot set the mode of " + path_ + ": " + errno_text());
  }
  ~TempFile() {
    if (!kept_) {
      ::unlink(path_.c_str());
      ::unlink((path_ + "-journal").c_str());
    }
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  void keep() { kept_ = true; }

 private:
  std::string path_;
  bool kept_ = false;
};

// Copies every page of `from` into `to` in one step, so in one read
// transaction of the source (sqlite.org/c3ref/backup_finish.html: a step
// of -1 copies all remaining pages). Busy and locked are retried for about
// the busy timeout: an admin command's commit holds the lock briefly.
void copy_pages(sqlite3* from, sqlite3* to, const std::string& what) {
  sqlite3_backup* b = sqlite3_backup_init(to, "main", from, "main");
  if (!b) throw_sqlite(to, sqlite3_errcode(to), what);
  int rc = SQLITE_OK;
  for (int attempt = 0; attempt < 500; ++attempt) {
    rc = sqlite3_backup_step(b, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    sqlite3_sleep(10);
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) throw_sqlite(to, rc, what);
}

std::string integrity(sqlite3* db) {
  Statement st(db, "PRAGMA integrity_check");
  std::string result;
  while (st.step()) result += (result.empty() ? "" : "; ") + st.text(0);
  return result;
}

void sync_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  bool ok = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) fail(ErrorKind::temporary, "cannot sync " + path + ": " + errno_text());
}

void sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

struct stat stat_db(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    fail(errno == ENOENT ? ErrorKind::config : ErrorKind::temporary,
         "cannot stat " + path + ": " + errno_text());
  if (!S_ISREG(st.st_mode)) fail(ErrorKind::config, path + " is not a regular file");
  return st;
}

// The copy in `tmp` as restore swaps it in: sound, a schema we know (an
// older one upgraded by opening it as the admin does), every key usable.
RestoreResult validate(const std::string& file, const std::string& tmp) {
  RestoreResult r;
  {
    SqlitePtr db = open_sqlite(tmp, SQLITE_OPEN_READWRITE);
    std::string check;
    try {
      check = integrity(db.get());
    } catch (const Error& e) {
      fail(ErrorKind::data, file + " is not a usable SQLite database: " + e.what());
    }
    if (check != "ok")
      fail(ErrorKind::data, file + " is damaged (integrity_check: " + check.substr(0, 200) + ")");
    r.from_version = static_cast<int>(query_integer(db.get(), "PRAGMA user_version"));
    bool has_tables = query_integer(db.get(),
                                    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                                    "name IN ('keys', 'users')") == 2;
    if (r.from_version < 1 || !has_tables)
      fail(ErrorKind::data, file + " is not a dkim-filter key database (no schema version or tables)");
    if (r.from_version > current_schema_version())
      fail(ErrorKind::data, file + " has schema version " + std::to_string(r.from_version) +
                                ", newer than this program's " + std::to_string(current_schema_version()));
  }
  KeyStore store = KeyStore::open_writer(tmp);  // upgrades an older schema
  r.schema_version = store.schema_version();
  auto problems = audit_keys(store);
  if (!problems.empty())
    fail(ErrorKind::data, file + ": " + problems.front().what + " (" + std::to_string(problems.size()) +
                              " key problem(s); nothing restored)");
  r.keys = store.list_keys().size();
  r.users = store.list_users().size();
  return r;
}

}  // namespace

void backup_database(const std::string& db_path, const std::string& file) {
  struct stat st = stat_db(db_path);
  // The open checks the file the way the admin does (a symbolic link, a
  // missing database) before anything is created.
  SqlitePtr from = open_sqlite(db_path, SQLITE_OPEN_READONLY);
  TempFile tmp(file, st.st_mode, "tmp");
  // The database's group, so the same people can read the copy; the owner
  // stays whoever runs the backup (root, normally: as the database).
  if (::chown(tmp.path().c_str(), static_cast<uid_t>(-1), st.st_gid) != 0 && errno != EPERM)
    fail(ErrorKind::usage, "cannot set the group of " + tmp.path() + ": " + errno_text());
  {
    SqlitePtr to = open_sqlite(tmp.path(), SQLITE_OPEN_READWRITE);
    copy_pages(from.get(), to.get(), "backup of " + db_path);
    exec(to.get(), "PRAGMA journal_mode = DELETE");
    std::string check = integrity(to.get());
    if (check != "ok")
      fail(ErrorKind::temporary, "the copy of " + db_path + " fails integrity_check: " + check);
  }
  sync_file(tmp.path());
  if (::rename(tmp.path().c_str(), file.c_str()) != 0)
    fail(ErrorKind::usage, "cannot rename " + tmp.path() + " to " + file + ": " + errno_text());
  tmp.keep();
  sync_directory(directory_of(file));
}

RestoreResult restore_database(const std::string& file, const std::string& db_path) {
  struct stat src {};
  if (::stat(file.c_str(), &src) != 0) fail(ErrorKind::usage, "cannot read " + file + ": " + errno_text());
  if (!S_ISREG(src.st_mode)) fail(ErrorKind::usage, file + " is not a regular file");
  struct stat cur {};
  bool exists = ::lstat(db_path.c_str(), &cur) == 0;
  if (exists && !S_ISREG(cur.st_mode))
    fail(ErrorKind::config, db_path + " is not a regular file (a symbolic link?); name the database itself");
  TempFile tmp(db_path, exists ? cur.st_mode : 0640, "restore");
  if (exists && ::chown(tmp.path().c_str(), cur.st_uid, cur.st_gid) != 0)
    fail(ErrorKind::config, "cannot give " + tmp.path() + " the owner of " + db_path + ": " + errno_text());
  {
    // Copied through SQLite, not byte for byte: a backup file that is
    // itself being written is read in one consistent state too.
    SqlitePtr from = open_sqlite(file, SQLITE_OPEN_READONLY);
    SqlitePtr to = open_sqlite(tmp.path(), SQLITE_OPEN_READWRITE);
    try {
      copy_pages(from.get(), to.get(), "copy of " + file);
    } catch (const Error& e) {
      fail(ErrorKind::data, file + " is not a usable SQLite database: " + e.what());
    }
  }
  RestoreResult result = validate(file, tmp.path());
  sync_file(tmp.path());
  // The old file's exclusive lock (BEGIN EXCLUSIVE also rolls back a hot
  // journal of its own) keeps writers out while the name changes hands.
  SqlitePtr old;
  if (exists) {
    old = open_sqlite(db_path, SQLITE_OPEN_READWRITE);
    exec(old.get(), "BEGIN EXCLUSIVE");
  }
  if (::rename(tmp.path().c_str(), db_path.c_str()) != 0) {
    int saved = errno;
    if (old) sqlite3_exec(old.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    fail(ErrorKind::config, "cannot rename " + tmp.path() + " to " + db_path + ": " + std::strerror(saved));
  }
  tmp.keep();
  sync_directory(directory_of(db_path));
  if (old) sqlite3_exec(old.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  return result;
}

}  // namespace dkim::db
