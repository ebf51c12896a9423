// SPDX-License-Identifier: MIT
#include "db/keystore.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "db/keystore_impl.h"
#include "db/names.h"
#include "db/schema.h"
#include "filter/dkim/error.h"

namespace dkim::db {
namespace {

// Long enough to ride out an admin transaction or a checkpoint, short
// enough that the MTA's own timeout never fires first.
constexpr int kBusyTimeoutMs = 5000;
constexpr std::string_view kDefaultPath = "/var/lib/dkim-filter/dkim.db";

// The filter's per-message queries; each is one index search
// (lookup_query_plans() lets a test prove it). A user's selector names a
// slot; the slot's active key signs, found through the partial unique
// index keys_active_slot. Only what signing needs is selected: each column
// costs the filter instructions to prepare.
const std::string kFindSigningKeySql =
    "SELECT selector, type, bits, private_pem, canon, created FROM keys "
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

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// stat() with the errors the filter must tell apart: a missing file is a
// configuration problem, an unreadable one may be transient.
struct stat stat_database(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT)
      fail(ErrorKind::config, "database " + path + " does not exist (create it with dkim-filter-admin init)");
    fail(ErrorKind::temporary, "cannot stat " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) fail(ErrorKind::config, path + " is not a regular file");
  return st;
}

// A reader that may not write the directory needs the -wal and -shm files
// the admin keeps; if someone removed them (sqlite3 run by hand does when it
// closes the database), say how to get them back instead of SQLite's
// "attempt to write a readonly database".
void explain_wal_failure(const std::string& path, const Error& e) {
  struct stat st {};
  bool missing = ::stat((path + "-wal").c_str(), &st) != 0 || ::stat((path + "-shm").c_str(), &st) != 0;
  if (missing && e.kind() == ErrorKind::temporary)
    fail(ErrorKind::temporary, path + "-wal or -shm is missing and cannot be created by this user; " +
                                   "run any dkim-filter-admin command (e.g. key list) to recreate them");
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

void migrate(sqlite3* db, const std::string& path) {
  exec(db, "BEGIN IMMEDIATE");
  try {
    int version = static_cast<int>(query_integer(db, "PRAGMA user_version"));
    if (version > current_schema_version())
      fail(ErrorKind::config, path + " has schema version " + std::to_string(version) +
                                  ", newer than this program's " + std::to_string(current_schema_version()));
    for (const auto& m : migrations()) {
      if (m.version <= version) continue;
      exec(db, std::string(m.sql));
      exec(db, "PRAGMA user_version = " + std::to_string(m.version));
    }
    exec(db, "COMMIT");
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace

std::string default_db_path() {
  const char* env = std::getenv("DKIM_FILTER_DB");
  return env && *env ? std::string(env) : std::string(kDefaultPath);
}

KeyStore::KeyStore(std::string path, std::unique_ptr<Impl> impl)
    : path_(std::move(path)), impl_(std::move(impl)) {}
KeyStore::KeyStore(KeyStore&&) noexcept = default;
KeyStore& KeyStore::operator=(KeyStore&&) noexcept = default;
KeyStore::~KeyStore() = default;

int KeyStore::schema_version() const { return impl_->version; }

KeyStore KeyStore::open_reader(const std::string& path) {
  struct stat st = stat_database(path);
  // The file holds private keys: refuse it rather than sign with keys the
  // whole machine can read (DESIGN.md: "the filter refuses a database that
  // others can read").
  if (st.st_mode & 007)
    fail(ErrorKind::config,
         path + " is accessible by others (mode " + mode_text(st.st_mode) + "); run chmod 0640 " + path);
  auto impl = std::make_unique<Impl>();
  impl->db = open_sqlite(path, SQLITE_OPEN_READONLY);
  try {
    impl->version = static_cast<int>(query_integer(impl->db.get(), "PRAGMA user_version"));
  } catch (const Error& e) {
    explain_wal_failure(path, e);
    throw;
  }
  if (impl->version == 0) fail(ErrorKind::config, path + " is not initialised (run dkim-filter-admin init)");
  if (impl->version > current_schema_version())
    fail(ErrorKind::config, path + " has schema version " + std::to_string(impl->version) +
                                ", newer than this program's " + std::to_string(current_schema_version()));
  if (impl->version < current_schema_version())
    fail(ErrorKind::config, path + " has old schema version " + std::to_string(impl->version) +
                                " (run dkim-filter-admin init to upgrade it)");
  return KeyStore(path, std::move(impl));
}

KeyStore KeyStore::open_writer(const std::string& path) {
  stat_database(path);
  auto impl = std::make_unique<Impl>();
  impl->db = open_sqlite(path, SQLITE_OPEN_READWRITE);
  impl->writer = true;
  // Keep -wal and -shm after the last admin closes: a filter that may only
  // read the directory cannot create them, and WAL readers need them.
  int persist = 1;
  sqlite3_file_control(impl->db.get(), "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  exec(impl->db.get(), "PRAGMA journal_mode = WAL");
  migrate(impl->db.get(), path);
  impl->version = static_cast<int>(query_integer(impl->db.get(), "PRAGMA user_version"));
  return KeyStore(path, std::move(impl));
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
  if (!impl_->writer) fail(ErrorKind::internal, "database opened read-only");
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
  auto& st = impl_->stmt(impl_->find_key, kFindKeySql);
  st.bind(1, domain).bind(2, selector);
  return read_one_key(st);
}

std::optional<KeyRecord> KeyStore::find_signing_key(std::string_view domain, std::string_view slot) {
  auto& st = impl_->stmt(impl_->find_signing_key, kFindSigningKeySql);
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
  }
  st.reset();
  return key;
}

bool KeyStore::has_key(std::string_view domain, std::string_view selector) {
  // The signing-key statement itself: the filter prepares one statement
  // for keys, not two (each prepare costs more than the search).
  auto& st = impl_->stmt(impl_->find_signing_key, kFindSigningKeySql);
  bool found = st.bind(1, domain).bind(2, selector).step();
  st.reset();
  return found;
}

std::optional<policy::UserRecord> KeyStore::user_by_login(std::string_view login) {
  auto& st = impl_->stmt(impl_->user_by_login, kUserByLoginSql);
  std::string name;
  try {
    name = parse_user_name(login).name;  // same normalisation as `user add`
  } catch (const Error&) {
    return std::nullopt;  // not a name any user can have
  }
  st.bind(1, name);
  std::optional<policy::UserRecord> user;
  if (st.step()) user = read_user(st);
  st.reset();
  return user;
}

std::optional<policy::UserRecord> KeyStore::user_by_ip(std::string_view address) {
  std::optional<IpRange> ip;
  try {
    if (address.find('/') == std::string_view::npos) ip = parse_ip_range(address);
  } catch (const Error&) {
  }
  if (!ip) return std::nullopt;
  auto& st = impl_->stmt(impl_->user_by_ip, kUserByIpSql);
  for (int prefix = 0; prefix <= 128; ++prefix) {
    if (prefix <= ip->max_prefix())
      st.bind(prefix + 1, ip->masked(prefix).name());
    else
      st.bind_null(prefix + 1);
  }
  std::optional<policy::UserRecord> user;
  if (st.step()) user = read_user(st);
  st.reset();
  return user;
}

std::vector<std::string> KeyStore::lookup_query_plans() {
  std::vector<std::string> plans;
  for (const std::string* sql : {&kFindSigningKeySql, &kUserByLoginSql, &kUserByIpSql}) {
    Statement st(impl_->db.get(), "EXPLAIN QUERY PLAN " + *sql);
    std::string plan;
    while (st.step()) plan += (plan.empty() ? "" : "; ") + st.text(3);
    plans.push_back(plan);
  }
  return plans;
}

}  // namespace dkim::db
