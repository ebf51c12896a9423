// SPDX-License-Identifier: MIT
// The key database: one SQLite file written by dkim-filter-admin and read by
// the filter, one process per message. It uses a rollback journal
// (journal_mode DELETE): the filter reads the one file and needs no side
// file; every admin command is one transaction, during which readers see
// the last committed state or wait (busy timeout) while it commits.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/key_state.h"
#include "filter/crypto/key.h"
#include "filter/policy/decide.h"

namespace dkim::db {

struct KeyRecord {
  std::string domain, selector;
  crypto::KeyType type = crypto::KeyType::rsa;
  int bits = 0;
  std::string private_pem;  ///< empty in listings (never shown, never logged)
  /// The p= value of the DNS record (base64 SubjectPublicKeyInfo for RSA,
  /// raw key for Ed25519): what verifiers check signatures against.
  std::string public_key;
  std::string canon = "relaxed/relaxed";
  long long created = 0;  ///< unix time
  /// The name users' selectors give (empty on input: the selector itself).
  std::string slot;
  KeyState state = KeyState::active;
  /// Unix times of each lifecycle step; 0 when not reached.
  long long activated = 0, retired = 0, revoked = 0;
  long long published = 0;  ///< last RFC 2136 update of its record
  long long dns_seen = 0;   ///< first time every authoritative server served it
};

/// $DKIM_FILTER_DB when set and non-empty, else /var/lib/dkim-filter/dkim.db.
std::string default_db_path();

/// dkim-filter(8) and dkim-filter-milter(8), max-staleness: a cluster
/// node's replica that dkim-filter-sync has not confirmed current within
/// `max_staleness` seconds may still hold a key or user deleted in the
/// cluster since, so signing from it is a configuration problem (deferred,
/// or unsigned with on-error pass). `confirmed` is
/// KeyStore::replica_confirmed(): nullopt (a single-node database) is never
/// stale. Returns the problem, worded for the log, or nullopt. The one
/// place both signers take this decision.
std::optional<std::string> replica_staleness_problem(std::string_view path,
                                                     std::optional<long long> confirmed, long long now,
                                                     long long max_staleness);

class KeyStore : public policy::Directory {
 public:
  /// The filter's side: read-only, 5 s busy timeout, no schema work beyond
  /// reading PRAGMA user_version. Throws Error(config) when the file is
  /// missing, a symbolic link, not a regular file, not a SQLite database,
  /// accessible by others (mode & 007) or has a side file (-journal, -wal,
  /// -shm) that is, or its schema is not the one this program knows;
  /// Error(temporary) when it is locked, unreadable, corrupt or has a hot
  /// journal only a writer can roll back.
  static KeyStore open_reader(const std::string& path);
  /// The administrator's side on an existing database: switches it to a
  /// rollback journal (converting a WAL database and removing its -wal and
  /// -shm), turns on secure_delete, migrates it forward. Throws
  /// Error(config) when it is missing (run `init`) or a symbolic link.
  static KeyStore open_writer(const std::string& path);
  /// `init`: creates the file (mode 0640 whatever the umask, parent
  /// directory 0750 if missing), then as open_writer.
  static KeyStore create(const std::string& path);

  /// Where the rows live: the SQLite file (SqliteBackend, opened by the
  /// three functions above) or, in cluster mode, PostgreSQL
  /// (db/cluster/pg_store.h). KeyStore keeps every refusal and the callers'
  /// contract; a backend only stores and finds rows.
  class Backend;
  /// A writer on `backend`; `label` names it in messages (a redacted URL).
  static KeyStore with_backend(std::string label, std::unique_ptr<Backend> backend);

  KeyStore(KeyStore&&) noexcept;
  KeyStore& operator=(KeyStore&&) noexcept;
  ~KeyStore() override;

  int schema_version() const;
  /// PRAGMA data_version: a number that changes whenever another connection
  /// commits to the file (sqlite.org/pragma.html#pragma_data_version), so a
  /// long-lived reader knows when its cached keys may be stale.
  long long data_version();
  /// Frees the connection's page cache (sqlite3_db_release_memory); with
  /// the cleansing allocator, the key rows it held are wiped. A reader that
  /// stays open calls it after each lookup, so no key text stays cached.
  void release_memory();
  const std::string& path() const { return path_; }

  // ---- lookups (filter and admin) --------------------------------------
  /// The key stored under exactly this selector, in whatever state.
  std::optional<KeyRecord> find_key(std::string_view domain, std::string_view selector);
  /// The filter's lookup: the active key of a slot (its own selector in
  /// the record), one index probe; nullopt when the slot has none.
  std::optional<KeyRecord> find_signing_key(std::string_view domain, std::string_view slot);
  std::optional<policy::UserRecord> user_by_login(std::string_view login) override;
  std::optional<policy::UserRecord> user_by_ip(std::string_view address) override;
  /// Whether the slot named `selector` has an active key (policy rule 5).
  bool has_key(std::string_view domain, std::string_view selector) override;
  /// Whether a key, in any state, is stored under this selector.
  bool has_selector(std::string_view domain, std::string_view selector);
  /// EXPLAIN QUERY PLAN of find_signing_key (which has_key shares),
  /// user_by_login, user_by_ip, in that order: proof that each is an
  /// indexed search, not a scan.
  std::vector<std::string> lookup_query_plans();
  /// A cluster node's replica records when dkim-filter-sync last confirmed
  /// it current (unix time, db/cluster/replica.h); nullopt for a
  /// single-node database, which has no such record. Never throws.
  std::optional<long long> replica_confirmed();

  /// Runs `body` in one read transaction (BEGIN DEFERRED ... COMMIT): every
  /// lookup in it sees the same committed state, so a key found by
  /// has_key() is still there for find_key(). A writer's commit waits (busy
  /// timeout) until it ends, so keep it short.
  void read_transaction(const std::function<void()>& body);

  // ---- administration (writer only) ------------------------------------
  /// Runs `body` in one IMMEDIATE transaction: all of it or none of it.
  void transaction(const std::function<void()>& body);
  /// Refuses (Error(data)) a key that already exists for domain+selector,
  /// and an active key for a slot that has one.
  void add_key(const KeyRecord& key);
  /// Writes the state and the step times of an existing key.
  void update_lifecycle(const KeyRecord& key);
  /// Whether `selector` was ever used by a now deleted key of `domain`.
  bool selector_was_used(std::string_view domain, std::string_view selector);
  /// Deletes the row; the selector is remembered (selector_was_used()).
  bool delete_key(std::string_view domain, std::string_view selector);
  /// Without private key bytes; all domains when `domain` is empty.
  std::vector<KeyRecord> list_keys(std::string_view domain = {});
  /// Exact stored name; nullopt when absent.
  std::optional<policy::UserRecord> find_user(std::string_view name);
  /// Inserts, or replaces when `replace`; refuses a duplicate otherwise.
  void put_user(const policy::UserRecord& user, int ip_prefix, bool replace);
  bool delete_user(std::string_view name);
  /// All users, or those whose own domain is `domain` (its mailbox
  /// wildcard, logins, bare logins, domain login and IP users added for it).
  std::vector<policy::UserRecord> list_users(std::string_view domain = {});

 private:
  KeyStore(std::string path, std::unique_ptr<Backend> backend);
  void require_writer() const;
  std::string path_;
  std::unique_ptr<Backend> backend_;  // never null
};

/// Rows in and out of a store. Calls arrive already validated by KeyStore;
/// the backend answers and writes as told.
class KeyStore::Backend {
 public:
  virtual ~Backend() = default;
  virtual int schema_version() = 0;
  /// False for a store opened to read only (KeyStore then refuses writes).
  virtual bool writable() const { return true; }
  virtual std::optional<KeyRecord> find_key(std::string_view domain, std::string_view selector) = 0;
  virtual std::optional<KeyRecord> find_signing_key(std::string_view domain, std::string_view slot) = 0;
  /// Whether the slot has an active key (no private key is read).
  virtual bool has_active_key(std::string_view domain, std::string_view slot) = 0;
  virtual bool has_selector(std::string_view domain, std::string_view selector) = 0;
  /// The user of this exact stored name whose kind is login or domain.
  virtual std::optional<policy::UserRecord> login_user(std::string_view name) = 0;
  /// Of the IP users named in `names` (masked ranges), the longest prefix.
  virtual std::optional<policy::UserRecord> ip_user(const std::vector<std::string>& names) = 0;
  virtual void read_transaction(const std::function<void()>& body) = 0;
  virtual void transaction(const std::function<void()>& body) = 0;
  /// `key` with its slot and creation time decided; the private key in clear.
  virtual void insert_key(const KeyRecord& key) = 0;
  /// False when no such key exists.
  virtual bool update_lifecycle(const KeyRecord& key) = 0;
  virtual bool selector_was_used(std::string_view domain, std::string_view selector) = 0;
  /// Deletes and remembers the selector; false when no such key exists.
  virtual bool delete_key(std::string_view domain, std::string_view selector) = 0;
  virtual std::vector<KeyRecord> list_keys(std::string_view domain) = 0;
  virtual std::optional<policy::UserRecord> find_user(std::string_view name) = 0;
  virtual void put_user(const policy::UserRecord& user, int ip_prefix) = 0;
  virtual bool delete_user(std::string_view name) = 0;
  virtual std::vector<policy::UserRecord> list_users(std::string_view domain) = 0;

  // What only the SQLite file has (see KeyStore's methods of the same
  // names); another store answers as one without them: the filter never
  // reads it (no query plans), and the cluster itself is not a node's
  // replica (no confirmation time).
  virtual long long data_version() { return 0; }
  virtual void release_memory() {}
  virtual std::vector<std::string> lookup_query_plans() { return {}; }
  virtual std::optional<long long> replica_confirmed() { return std::nullopt; }
};

}  // namespace dkim::db
