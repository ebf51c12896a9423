// SPDX-License-Identifier: MIT
// The administrator's writes. Each admin command wraps its calls in
// transaction(), so a refusal half-way leaves the database untouched.
#include <ctime>

#include "db/keystore.h"
#include "db/keystore_impl.h"
#include "db/names.h"
#include "filter/base/error.h"

namespace dkim::db {
namespace {

[[noreturn]] void refuse(const std::string& what) { throw Error(ErrorKind::data, "keystore: " + what); }

}  // namespace

std::string_view kind_text(policy::UserKind kind) {
  switch (kind) {
    case policy::UserKind::login:
      return "login";
    case policy::UserKind::domain:
      return "domain";
    case policy::UserKind::ip:
      return "ip";
  }
  return "login";
}

policy::UserRecord read_user(const Statement& st) {
  policy::UserRecord u;
  u.name = st.text(0);
  std::string kind = st.text(1);
  u.kind = kind == "ip"       ? policy::UserKind::ip
           : kind == "domain" ? policy::UserKind::domain
                              : policy::UserKind::login;
  u.domain = st.text(2);
  u.selectors = split_list(st.text(3));
  u.any_domain = st.integer(4) != 0;
  u.reauthenticating = st.integer(5) != 0;
  return u;
}

void KeyStore::transaction(const std::function<void()>& body) {
  require_writer();
  backend_->transaction(body);
}

KeyRecord read_key(const Statement& st) {
  KeyRecord k;
  k.domain = st.text(0);
  k.selector = st.text(1);
  k.type = st.text(2) == "ed25519" ? crypto::KeyType::ed25519 : crypto::KeyType::rsa;
  k.bits = static_cast<int>(st.integer(3));
  k.canon = st.text(4);
  k.created = st.integer(5);
  k.slot = st.text(6);
  k.state = parse_key_state(st.text(7)).value_or(KeyState::revoked);  // CHECK makes it one of the four
  k.activated = st.integer(8);                                        // NULL reads as 0: "not reached"
  k.retired = st.integer(9);
  k.revoked = st.integer(10);
  k.published = st.integer(11);
  k.dns_seen = st.integer(12);
  k.public_key = st.text(13);
  return k;
}

bool KeyStore::has_selector(std::string_view domain, std::string_view selector) {
  return backend_->has_selector(domain, selector);
}

void KeyStore::add_key(const KeyRecord& key) {
  require_writer();
  if (has_selector(key.domain, key.selector))
    refuse("domain " + key.domain + " already has a key for selector " + key.selector +
           " (delete it first, or use a new selector to rotate keys)");
  KeyRecord row = key;
  if (row.slot.empty()) row.slot = key.selector;
  if (key.state == KeyState::active && has_key(key.domain, row.slot))
    refuse("slot " + row.slot + " of domain " + key.domain + " already has an active key (use key rotate)");
  if (!row.created) row.created = static_cast<long long>(std::time(nullptr));
  if (row.state == KeyState::active && !row.activated) row.activated = row.created;
  if (row.state != KeyState::active) row.activated = 0;
  backend_->insert_key(row);
}

void KeyStore::update_lifecycle(const KeyRecord& key) {
  require_writer();
  if (!backend_->update_lifecycle(key))
    refuse("no key for selector " + key.selector + " of domain " + key.domain);
}

bool KeyStore::selector_was_used(std::string_view domain, std::string_view selector) {
  return backend_->selector_was_used(domain, selector);
}

bool KeyStore::delete_key(std::string_view domain, std::string_view selector) {
  require_writer();
  return backend_->delete_key(domain, selector);
}

std::vector<KeyRecord> KeyStore::list_keys(std::string_view domain) { return backend_->list_keys(domain); }

std::optional<policy::UserRecord> KeyStore::find_user(std::string_view name) {
  return backend_->find_user(name);
}

void KeyStore::put_user(const policy::UserRecord& user, int ip_prefix, bool replace) {
  require_writer();
  if (!replace && find_user(user.name)) refuse("user " + user.name + " already exists");
  backend_->put_user(user, ip_prefix);
}

bool KeyStore::delete_user(std::string_view name) {
  require_writer();
  return backend_->delete_user(name);
}

std::vector<policy::UserRecord> KeyStore::list_users(std::string_view domain) {
  return backend_->list_users(domain);
}

// ---- the SQLite file's rows ------------------------------------------------

void SqliteBackend::transaction(const std::function<void()>& body) {
  run_transaction(db_.get(), "BEGIN IMMEDIATE", body);
}

bool SqliteBackend::has_selector(std::string_view domain, std::string_view selector) {
  Statement st(db_.get(), "SELECT 1 FROM keys WHERE domain = ?1 AND selector = ?2");
  return st.bind(1, domain).bind(2, selector).step();
}

void SqliteBackend::insert_key(const KeyRecord& key) {
  Statement st(
      db_.get(),
      "INSERT INTO keys (domain, selector, type, bits, private_pem, canon, created, public_key, slot, "
      "state, activated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  st.bind(1, key.domain).bind(2, key.selector).bind(3, crypto::key_type_name(key.type));
  st.bind(4, static_cast<long long>(key.bits)).bind(5, key.private_pem).bind(6, key.canon);
  st.bind(7, key.created).bind(8, key.public_key).bind(9, key.slot).bind(10, key_state_name(key.state));
  if (key.activated)
    st.bind(11, key.activated);
  else
    st.bind_null(11);
  st.run();
}

bool SqliteBackend::update_lifecycle(const KeyRecord& key) {
  Statement st(db_.get(),
               "UPDATE keys SET state = ?3, activated = ?4, retired = ?5, revoked = ?6, published = ?7, "
               "dns_seen = ?8 WHERE domain = ?1 AND selector = ?2");
  st.bind(1, key.domain).bind(2, key.selector).bind(3, key_state_name(key.state));
  int i = 4;
  for (long long t : {key.activated, key.retired, key.revoked, key.published, key.dns_seen}) {
    if (t)
      st.bind(i, t);
    else
      st.bind_null(i);
    ++i;
  }
  st.run();
  return sqlite3_changes(db_.get()) > 0;
}

bool SqliteBackend::selector_was_used(std::string_view domain, std::string_view selector) {
  Statement st(db_.get(), "SELECT 1 FROM used_selectors WHERE domain = ?1 AND selector = ?2");
  return st.bind(1, domain).bind(2, selector).step();
}

bool SqliteBackend::delete_key(std::string_view domain, std::string_view selector) {
  Statement st(db_.get(), "DELETE FROM keys WHERE domain = ?1 AND selector = ?2");
  st.bind(1, domain).bind(2, selector).run();
  if (sqlite3_changes(db_.get()) == 0) return false;
  Statement remember(db_.get(),
                     "INSERT OR REPLACE INTO used_selectors (domain, selector, deleted) VALUES (?1, ?2, ?3)");
  remember.bind(1, domain).bind(2, selector).bind(3, static_cast<long long>(std::time(nullptr))).run();
  return true;
}

std::vector<KeyRecord> SqliteBackend::list_keys(std::string_view domain) {
  Statement st(db_.get(), "SELECT " + std::string(kKeyColumns) +
                              " FROM keys WHERE ?1 = '' OR domain = ?1 ORDER BY domain, selector");
  st.bind(1, domain);
  std::vector<KeyRecord> keys;
  while (st.step()) keys.push_back(read_key(st));
  return keys;
}

std::optional<policy::UserRecord> SqliteBackend::find_user(std::string_view name) {
  Statement st(db_.get(), "SELECT " + std::string(kUserColumns) + " FROM users WHERE name = ?1");
  st.bind(1, name);
  if (!st.step()) return std::nullopt;
  return read_user(st);
}

void SqliteBackend::put_user(const policy::UserRecord& user, int ip_prefix) {
  Statement st(
      db_.get(),
      "INSERT INTO users (name, kind, domain, selectors, any_domain, reauthenticating, ip_prefix, created) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (name) DO UPDATE SET "
      "kind = excluded.kind, domain = excluded.domain, selectors = excluded.selectors, "
      "any_domain = excluded.any_domain, reauthenticating = excluded.reauthenticating, "
      "ip_prefix = excluded.ip_prefix");
  st.bind(1, user.name).bind(2, kind_text(user.kind)).bind(3, user.domain);
  st.bind(4, join_list(user.selectors));
  st.bind(5, static_cast<long long>(user.any_domain)).bind(6, static_cast<long long>(user.reauthenticating));
  if (user.kind == policy::UserKind::ip)
    st.bind(7, static_cast<long long>(ip_prefix));
  else
    st.bind_null(7);
  st.bind(8, static_cast<long long>(std::time(nullptr)));
  st.run();
}

bool SqliteBackend::delete_user(std::string_view name) {
  Statement st(db_.get(), "DELETE FROM users WHERE name = ?1");
  st.bind(1, name).run();
  return sqlite3_changes(db_.get()) > 0;
}

std::vector<policy::UserRecord> SqliteBackend::list_users(std::string_view domain) {
  Statement st(db_.get(), "SELECT " + std::string(kUserColumns) +
                              " FROM users WHERE ?1 = '' OR domain = ?1 ORDER BY kind, name");
  st.bind(1, domain);
  std::vector<policy::UserRecord> users;
  while (st.step()) users.push_back(read_user(st));
  return users;
}

}  // namespace dkim::db
