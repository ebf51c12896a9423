// SPDX-License-Identifier: MIT
// KeyStore internals shared by keystore.cpp (open, lookups) and
// keystore_admin.cpp (writes). Not for use outside db/.
#pragma once
#include <optional>
#include <string>

#include "db/keystore.h"
#include "db/sqlite.h"

namespace dkim::db {

struct KeyStore::Impl {
  SqlitePtr db;  // declared first: statements below are finalised before it closes
  bool writer = false;
  int version = 0;
  std::optional<Statement> find_key, find_signing_key, user_by_login, user_by_ip;

  /// Prepares on first use: the filter pays only for the queries it runs.
  Statement& stmt(std::optional<Statement>& slot, std::string_view sql) {
    if (!slot) slot.emplace(db.get(), sql);
    return *slot;
  }
};

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
