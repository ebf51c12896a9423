// SPDX-License-Identifier: MIT
#include "db/keystore.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "db/keystore_impl.h"
#include "db/names.h"
#include "db/schema.h"
#include "filter/base/error.h"

namespace dkim::db {
namespace {

// Long enough to ride out an admin transaction or a checkpoint, short
// enough that the MTA's own timeout never fires first.
constexpr std::string_view kDefaultPath = "/var/lib/dkim-filter/dkim.db";

// The filter's per-message queries; each is one index search
// (lookup_query_plans() lets a test prove it). A user's selector names a
// slot; the slot's active key signs, found through the partial unique
// index keys_active_slot. Only what signing needs is selected: each column
// costs the filter instructions to prepare.
const std::string kFindSigningKeySql =
    "SELECT selector, type, bits, private_pem, canon, created, public_key FROM keys "
    "WHERE domain = ?1 AND slot = ?2 AND state = 'active'";
const std::string kFindKeySql =
    "SELECT " + std::string(kKeyColumns) + ", private_pem FROM keys WHERE domain = ?1 AND selector = ?2";
const std::string kUserByLoginSql =
    "SELECT " + std::string(kUserColumns) + " FROM users WHERE name = ?1 AND kind IN ('login', 'domain')";
// Every range that can contain an address has a canonical name equal to the
// address masked to its prefix: one primary-key probe per possible prefix
// length (at most 129), in a single statement.
const std::string kUserByIpSql = [] {
  std::string sql = "SELECT " + std::string(kUserColumns) + " FROM users WHERE kind = 'ip' AND name IN (";
  for (int i = 1; i <= 129; ++i) sql += (i > 1 ? ",?" : "?") + std::to_string(i);
  return sql + ") ORDER BY ip_prefix DESC LIMIT 1";
}();

[[noreturn]] void fail(ErrorKind kind, const std::string& what) { throw Error(kind, "keystore: " + what); }

// "dkim-filter (uid 998)": who was refused, for the advice that follows.
std::string this_user() {
  uid_t uid = ::geteuid();
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[4096];
  std::string name = ::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found ? pw.pw_name : "uid";
  return name + " (uid " + std::to_string(uid) + ")";
}

std::string group_of(gid_t gid) {
  struct group gr {};
  struct group* found = nullptr;
  char buf[4096];
  return ::getgrgid_r(gid, &gr, buf, sizeof buf, &found) == 0 && found ? gr.gr_name : std::to_string(gid);
}

// A reader that may not read the file (or reach it) gets a message naming
// the file, the user it runs as and the fix, instead of SQLite's "unable
// to open database file". Temporary, as any unreadable database (the MTA
// retries once the permissions are fixed).
void check_readable(const std::string& path, const struct stat& st) {
  if (::access(path.c_str(), R_OK) == 0) return;
  int saved = errno;
  fail(ErrorKind::temporary, "cannot read " + path + " as " + this_user() + ": " + std::strerror(saved) +
                                 "; the filter's user must be in the database's group " +
                                 group_of(st.st_gid) +
                                 " and the file mode 0640 (dkim-filter-admin doctor checks this)");
}

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// lstat() with the errors the filter must tell apart: a missing file is a
// configuration problem, an unreadable one may be transient. A symbolic
// link is refused by name: SQLite is opened with SQLITE_OPEN_NOFOLLOW
// (sqlite.org/c3ref/open.html), which would otherwise only say "unable to
// open database file", and a link would let whoever can write its
// directory point the filter at another file.
struct stat stat_database(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    int saved = errno;
    if (saved == ENOENT)
      fail(ErrorKind::config, "database " + path + " does not exist (create it with dkim-filter-admin init)");
    if (saved == EACCES)
      fail(ErrorKind::temporary, "cannot reach " + path + " as " + this_user() +
                                     ": Permission denied; its directory must let the filter's user in (the "
                                     "package makes it root:dkim-filter mode 2750)");
    fail(ErrorKind::temporary, "cannot stat " + path + ": " + std::strerror(saved));
  }
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
    std::string to = n > 0 ? " to " + std::string(target, static_cast<size_t>(n)) : "";
    fail(ErrorKind::config, path + " is a symbolic link" + to +
                                "; symbolic links are refused, name the database file itself (--db)");
  }
  if (!S_ISREG(st.st_mode)) fail(ErrorKind::config, path + " is not a regular file");
  return st;
}

// The files SQLite keeps beside a database (sqlite.org/tempfiles.html): the
// rollback journal, and the -wal and -shm of a database still in WAL mode
// (one written by an older dkim-filter-admin, or switched by hand). They
// hold database pages, so key rows: each one that exists must be as private
// as the database itself.
constexpr const char* kSideSuffixes[] = {"-journal", "-wal", "-shm"};

// Refuses (Error(config)) the database or any side file that others can
// access, naming every such file in one line so one command fixes them all.
void check_private(const std::string& path, const struct stat& db_st) {
  std::string bad, names;
  auto add = [&](const std::string& file, const std::string& why) {
    bad += (bad.empty() ? "" : ", ") + file + " " + why;
    names += " " + file;
  };
  if (db_st.st_mode & 007) add(path, "(mode " + mode_text(db_st.st_mode) + ")");
  for (const char* suffix : kSideSuffixes) {
    std::string side = path + suffix;
    struct stat st {};
    if (::lstat(side.c_str(), &st) != 0) continue;  // absent: nothing to protect
    if (S_ISLNK(st.st_mode))
      fail(ErrorKind::config, side + " is a symbolic link; remove it (SQLite side files are never links)");
    if (st.st_mode & 007) add(side, "(mode " + mode_text(st.st_mode) + ")");
  }
  if (!bad.empty()) fail(ErrorKind::config, "accessible by others: " + bad + "; run chmod o-rwx" + names);
}

// The first read tells a file that is not a database, and a hot journal
// (sqlite.org/fileformat.html#hot_journals) left by an interrupted writer,
// from other failures, and says what to do about each.
void explain_open_failure(sqlite3* db, const std::string& path) {
  int ext = sqlite3_extended_errcode(db);
  // Temporary like any damaged file (a restore may be under way), but named
  // for what it is.
  if ((ext & 0xff) == SQLITE_NOTADB)
    fail(ErrorKind::temporary, path + " is not a SQLite database (check --db, or restore it from a backup)");
  // A read-only connection cannot roll a hot journal back; any writer
  // (every dkim-filter-admin command) does so on open.
  if (ext == SQLITE_READONLY_ROLLBACK)
    fail(ErrorKind::temporary, path + "-journal is a hot journal left by an interrupted write; " +
                                   "run any dkim-filter-admin command (e.g. key list) to roll it back");
}

// A rollback journal, not WAL (sqlite.org/pragma.html#pragma_journal_mode):
// with DELETE the journal exists only while a write transaction runs, so
// the filter needs no side file at all and nothing an administrator's own
// sqlite3 (.backup, PRAGMA quick_check) does to -wal/-shm can stop it. A
// database left in WAL mode by an older version is converted here: SQLite
// checkpoints the WAL into the file and deletes it; a -shm left behind
// (earlier versions kept both with SQLITE_FCNTL_PERSIST_WAL) is removed
// too, since no WAL connection can remain once the switch succeeded.
// secure_delete (pragma.html#pragma_secure_delete, a per-connection
// setting) overwrites deleted content with zeros in the database file, so
// a deleted key does not linger in free pages; the journal, which holds
// the previous page images while a write runs, is deleted at commit.
void use_rollback_journal(sqlite3* db, const std::string& path) {
  exec(db, "PRAGMA secure_delete = ON");
  auto journal_mode = [db](const char* sql) {
    Statement st(db, sql);
    std::string mode = st.step() ? st.text(0) : "";
    st.reset();
    return mode;
  };
  bool was_wal = journal_mode("PRAGMA journal_mode") == "wal";
  std::string mode = journal_mode("PRAGMA journal_mode = DELETE");
  if (mode != "delete")
    fail(ErrorKind::temporary, "cannot switch " + path + " to a rollback journal (journal_mode is " + mode +
                                   "; another process holds it open?)");
  if (was_wal)
    for (const char* suffix : {"-wal", "-shm"}) ::unlink((path + suffix).c_str());
}

// Migration 2's data step: the p= value of every existing key, derived
// from its private key. A row whose private key does not load keeps ''
// (the filter refuses it as unusable, as it would have before); the
// migration itself does not fail for it, so the other keys stay usable.
void fill_public_keys(sqlite3* db) {
  Statement select(db, "SELECT domain, selector, private_pem FROM keys WHERE public_key = ''");
  Statement update(db, "UPDATE keys SET public_key = ?3 WHERE domain = ?1 AND selector = ?2");
  std::vector<std::pair<std::string, std::string>> names;
  std::vector<std::string> values;
  while (select.step()) {
    std::string pem = select.text(2);
    try {
      values.push_back(crypto::PrivateKey::from_pem(pem).public_key().dns_value());
      names.emplace_back(select.text(0), select.text(1));
    } catch (const Error&) {
    }
    crypto::cleanse(pem);
  }
  select.reset();
  for (size_t i = 0; i < names.size(); ++i)
    update.bind(1, names[i].first).bind(2, names[i].second).bind(3, values[i]).run();
}

void migrate(sqlite3* db, const std::string& path) {
  run_transaction(db, "BEGIN IMMEDIATE", [&] {
    int version = static_cast<int>(query_integer(db, "PRAGMA user_version"));
    if (version > current_schema_version())
      fail(ErrorKind::config, path + " has schema version " + std::to_string(version) +
                                  ", newer than this program's " + std::to_string(current_schema_version()));
    for (const auto& m : migrations()) {
      if (m.version <= version) continue;
      exec(db, std::string(m.sql));
      if (m.version == 2) fill_public_keys(db);
      exec(db, "PRAGMA user_version = " + std::to_string(m.version));
    }
  });
}

// The version a reader requires: exactly this program's.
void check_reader_version(int version, const std::string& path) {
  if (version == 0) fail(ErrorKind::config, path + " is not initialised (run dkim-filter-admin init)");
  if (version > current_schema_version())
    fail(ErrorKind::config, path + " has schema version " + std::to_string(version) +
                                ", newer than this program's " + std::to_string(current_schema_version()));
  if (version < current_schema_version())
    fail(ErrorKind::config, path + " has old schema version " + std::to_string(version) +
                                " (run dkim-filter-admin init to upgrade it)");
}

}  // namespace

void run_transaction(sqlite3* db, const std::string& begin, const std::function<void()>& body) {
  exec(db, begin);
  try {
    body();
    exec(db, "COMMIT");
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::string default_db_path() {
  const char* env = std::getenv("DKIM_FILTER_DB");
  return env && *env ? std::string(env) : std::string(kDefaultPath);
}

KeyStore::KeyStore(std::string path, std::unique_ptr<Backend> backend)
    : path_(std::move(path)), backend_(std::move(backend)) {}
KeyStore::KeyStore(KeyStore&&) noexcept = default;
KeyStore& KeyStore::operator=(KeyStore&&) noexcept = default;
KeyStore::~KeyStore() = default;

KeyStore KeyStore::with_backend(std::string label, std::unique_ptr<Backend> backend) {
  return KeyStore(std::move(label), std::move(backend));
}

int KeyStore::schema_version() const { return backend_->schema_version(); }

KeyStore KeyStore::open_reader(const std::string& path) {
  struct stat st = stat_database(path);
  // The files hold private keys: refuse them rather than sign with keys the
  // whole machine can read.
  check_private(path, st);
  check_readable(path, st);
  SqlitePtr db = open_sqlite(path, SQLITE_OPEN_READONLY);
  int version = 0;
  try {
    version = static_cast<int>(query_integer(db.get(), "PRAGMA user_version"));
  } catch (const Error&) {
    explain_open_failure(db.get(), path);
    throw;
  }
  check_reader_version(version, path);
  return KeyStore(path, std::make_unique<SqliteBackend>(std::move(db), false, version));
}

KeyStore KeyStore::open_writer(const std::string& path) {
  stat_database(path);
  SqlitePtr db = open_sqlite(path, SQLITE_OPEN_READWRITE);
  try {
    use_rollback_journal(db.get(), path);
  } catch (const Error&) {
    explain_open_failure(db.get(), path);
    throw;
  }
  migrate(db.get(), path);
  int version = static_cast<int>(query_integer(db.get(), "PRAGMA user_version"));
  return KeyStore(path, std::make_unique<SqliteBackend>(std::move(db), true, version));
}

KeyStore KeyStore::create(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    std::string dir = path.substr(0, slash);
    if (::mkdir(dir.c_str(), 0750) == 0)
      ::chmod(dir.c_str(), 0750);  // whatever the umask: the filter's group must enter it
    else if (errno != EEXIST)
      fail(ErrorKind::config, "cannot create directory " + dir + ": " + std::strerror(errno));
  }
  // O_EXCL + fchmod: the mode is 0640 whatever the umask; an existing file
  // keeps its mode (init is idempotent and only migrates it).
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd >= 0) {
    bool ok = ::fchmod(fd, 0640) == 0;
    int saved = errno;
    ::close(fd);
    if (!ok) fail(ErrorKind::config, "cannot set mode of " + path + ": " + std::strerror(saved));
  } else if (errno != EEXIST) {
    fail(ErrorKind::config, "cannot create " + path + ": " + std::strerror(errno));
  }
  return open_writer(path);
}

void KeyStore::require_writer() const {
  if (!backend_->writable()) fail(ErrorKind::internal, "database opened read-only");
}

// ---- lookups --------------------------------------------------------------

namespace {
std::optional<KeyRecord> read_one_key(Statement& st) {
  std::optional<KeyRecord> key;
  if (st.step()) {
    key = read_key(st);
    key->private_pem = st.text(kKeyColumnCount);
  }
  st.reset();
  return key;
}
}  // namespace

std::optional<KeyRecord> KeyStore::find_key(std::string_view domain, std::string_view selector) {
  return backend_->find_key(domain, selector);
}

std::optional<KeyRecord> KeyStore::find_signing_key(std::string_view domain, std::string_view slot) {
  return backend_->find_signing_key(domain, slot);
}

bool KeyStore::has_key(std::string_view domain, std::string_view selector) {
  return backend_->has_active_key(domain, selector);
}

std::optional<policy::UserRecord> KeyStore::user_by_login(std::string_view login) {
  // The same normalisation as `user add`, without its refusals: a name no
  // user can have is an unknown user, an ordinary answer (no exception on
  // the per-message path).
  std::optional<std::string> name = policy::login_lookup_name(login);
  if (!name) return std::nullopt;
  return backend_->login_user(*name);
}

std::optional<policy::UserRecord> KeyStore::user_by_ip(std::string_view address) {
  std::optional<IpRange> ip;
  if (address.find('/') == std::string_view::npos) ip = mail::parse_ip_range(address);
  if (!ip) return std::nullopt;
  std::vector<std::string> names;
  names.reserve(static_cast<size_t>(ip->max_prefix()) + 1);
  for (int prefix = 0; prefix <= ip->max_prefix(); ++prefix) names.push_back(ip->masked(prefix).name());
  return backend_->ip_user(names);
}

void KeyStore::read_transaction(const std::function<void()>& body) { backend_->read_transaction(body); }

std::vector<std::string> KeyStore::lookup_query_plans() { return backend_->lookup_query_plans(); }

// ---- the SQLite file's lookups ---------------------------------------------

std::optional<KeyRecord> SqliteBackend::find_key(std::string_view domain, std::string_view selector) {
  auto& st = stmt(find_key_, kFindKeySql);
  st.bind(1, domain).bind(2, selector);
  return read_one_key(st);
}

std::optional<KeyRecord> SqliteBackend::find_signing_key(std::string_view domain, std::string_view slot) {
  auto& st = stmt(find_signing_key_, kFindSigningKeySql);
  st.bind(1, domain).bind(2, slot);
  std::optional<KeyRecord> key;
  if (st.step()) {
    key.emplace();
    key->domain = domain;
    key->slot = slot;
    key->selector = st.text(0);
    key->type = st.text(1) == "ed25519" ? crypto::KeyType::ed25519 : crypto::KeyType::rsa;
    key->bits = static_cast<int>(st.integer(2));
    key->private_pem = st.text(3);
    key->canon = st.text(4);
    key->created = st.integer(5);
    key->public_key = st.text(6);
  }
  st.reset();
  return key;
}

bool SqliteBackend::has_active_key(std::string_view domain, std::string_view slot) {
  // The signing-key statement itself: the filter prepares one statement
  // for keys, not two (each prepare costs more than the search).
  auto& st = stmt(find_signing_key_, kFindSigningKeySql);
  bool found = st.bind(1, domain).bind(2, slot).step();
  st.reset();
  return found;
}

std::optional<policy::UserRecord> SqliteBackend::login_user(std::string_view name) {
  auto& st = stmt(user_by_login_, kUserByLoginSql);
  st.bind(1, name);
  std::optional<policy::UserRecord> user;
  if (st.step()) user = read_user(st);
  st.reset();
  return user;
}

std::optional<policy::UserRecord> SqliteBackend::ip_user(const std::vector<std::string>& names) {
  auto& st = stmt(user_by_ip_, kUserByIpSql);
  for (size_t i = 0; i < 129; ++i) {
    if (i < names.size())
      st.bind(static_cast<int>(i) + 1, names[i]);
    else
      st.bind_null(static_cast<int>(i) + 1);
  }
  std::optional<policy::UserRecord> user;
  if (st.step()) user = read_user(st);
  st.reset();
  return user;
}

void SqliteBackend::read_transaction(const std::function<void()>& body) {
  run_transaction(db_.get(), "BEGIN DEFERRED", body);
}

std::vector<std::string> SqliteBackend::lookup_query_plans() {
  std::vector<std::string> plans;
  for (const std::string* sql : {&kFindSigningKeySql, &kUserByLoginSql, &kUserByIpSql}) {
    Statement st(db_.get(), "EXPLAIN QUERY PLAN " + *sql);
    std::string plan;
    while (st.step()) plan += (plan.empty() ? "" : "; ") + st.text(3);
    plans.push_back(plan);
  }
  return plans;
}

}  // namespace dkim::db
