// SPDX-License-Identifier: MIT
// KeyStore's SQLite file, shared by keystore.cpp (open, lookups),
// keystore_admin.cpp (writes), keystore_watch.cpp and replica_status.cpp.
// Not for use outside db/.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/keystore.h"
#include "db/sqlite.h"

namespace dkim::db {

/// The single-node store: one SQLite file, opened by KeyStore::open_reader,
/// open_writer or create (keystore.cpp, which also holds its lookups); its
/// writes are in keystore_admin.cpp, data_version and release_memory in
/// keystore_watch.cpp, replica_confirmed in replica_status.cpp.
class SqliteBackend final : public KeyStore::Backend {
 public:
  SqliteBackend(SqlitePtr db, bool writer, int version)
      : db_(std::move(db)), writer_(writer), version_(version) {}

  int schema_version() override { return version_; }
  bool writable() const override { return writer_; }
  std::optional<KeyRecord> find_key(std::string_view domain, std::string_view selector) override;
  std::optional<KeyRecord> find_signing_key(std::string_view domain, std::string_view slot) override;
  bool has_active_key(std::string_view domain, std::string_view slot) override;
  bool has_selector(std::string_view domain, std::string_view selector) override;
  std::optional<policy::UserRecord> login_user(std::string_view name) override;
  std::optional<policy::UserRecord> ip_user(const std::vector<std::string>& names) override;
  void read_transaction(const std::function<void()>& body) override;
  void transaction(const std::function<void()>& body) override;
  void insert_key(const KeyRecord& key) override;
  bool update_lifecycle(const KeyRecord& key) override;
  bool selector_was_used(std::string_view domain, std::string_view selector) override;
  bool delete_key(std::string_view domain, std::string_view selector) override;
  std::vector<KeyRecord> list_keys(std::string_view domain) override;
  std::optional<policy::UserRecord> find_user(std::string_view name) override;
  void put_user(const policy::UserRecord& user, int ip_prefix) override;
  bool delete_user(std::string_view name) override;
  std::vector<policy::UserRecord> list_users(std::string_view domain) override;
  long long data_version() override;
  void release_memory() override;
  std::vector<std::string> lookup_query_plans() override;
  std::optional<long long> replica_confirmed() override;

 private:
  /// Prepares on first use: the filter pays only for the queries it runs.
  Statement& stmt(std::optional<Statement>& slot, std::string_view sql) {
    if (!slot) slot.emplace(db_.get(), sql);
    return *slot;
  }

  SqlitePtr db_;  // declared first: statements below are finalised before it closes
  bool writer_ = false;
  int version_ = 0;
  std::optional<Statement> find_key_, find_signing_key_, user_by_login_, user_by_ip_;
};

/// Runs `body` between `begin` (a BEGIN statement) and COMMIT, rolling back
/// when it throws.
void run_transaction(sqlite3* db, const std::string& begin, const std::function<void()>& body);

/// Columns selected for a user row, in the order read_user() expects.
constexpr std::string_view kUserColumns = "name, kind, domain, selectors, any_domain, reauthenticating";
policy::UserRecord read_user(const Statement& st);

/// Columns selected for a key row, in the order read_key() expects; the
/// private key, when wanted, is selected after them.
constexpr std::string_view kKeyColumns =
    "domain, selector, type, bits, canon, created, slot, state, activated, retired, revoked, published, "
    "dns_seen, public_key";
constexpr int kKeyColumnCount = 14;
KeyRecord read_key(const Statement& st);

std::string_view kind_text(policy::UserKind kind);

}  // namespace dkim::db
