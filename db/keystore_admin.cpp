// SPDX-License-Identifier: MIT
// The administrator's writes. Each admin command wraps its calls in
// transaction(), so a refusal half-way leaves the database untouched.
#include <ctime>

#include "db/keystore.h"
#include "db/keystore_impl.h"
#include "filter/base/error.h"

namespace dkim::db {
namespace {

[[noreturn]] void refuse(const std::string& what) { throw Error(ErrorKind::data, "keystore: " + what); }

std::vector<std::string> split_selectors(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

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

std::string join_selectors(const std::vector<std::string>& selectors) {
  std::string out;
  for (const auto& s : selectors) out += (out.empty() ? "" : ",") + s;
  return out;
}

policy::UserRecord read_user(const Statement& st) {
  policy::UserRecord u;
  u.name = st.text(0);
  std::string kind = st.text(1);
  u.kind = kind == "ip"       ? policy::UserKind::ip
           : kind == "domain" ? policy::UserKind::domain
                              : policy::UserKind::login;
  u.domain = st.text(2);
  u.selectors = split_selectors(st.text(3));
  u.any_domain = st.integer(4) != 0;
  u.reauthenticating = st.integer(5) != 0;
  return u;
}

void KeyStore::transaction(const std::function<void()>& body) {
  require_writer();
  exec(impl_->db.get(), "BEGIN IMMEDIATE");
  try {
    body();
    exec(impl_->db.get(), "COMMIT");
  } catch (...) {
    sqlite3_exec(impl_->db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void KeyStore::add_key(const KeyRecord& key) {
  require_writer();
  if (has_key(key.domain, key.selector))
    refuse("domain " + key.domain + " already has a key for selector " + key.selector +
           " (delete it first, or use a new selector to rotate keys)");
  Statement st(impl_->db.get(),
               "INSERT INTO keys (domain, selector, type, bits, private_pem, canon, created, public_key) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  st.bind(1, key.domain).bind(2, key.selector).bind(3, crypto::key_type_name(key.type));
  st.bind(4, static_cast<long long>(key.bits)).bind(5, key.private_pem).bind(6, key.canon);
  st.bind(7, key.created ? key.created : static_cast<long long>(std::time(nullptr)));
  st.bind(8, key.public_key);
  st.run();
}

bool KeyStore::delete_key(std::string_view domain, std::string_view selector) {
  require_writer();
  Statement st(impl_->db.get(), "DELETE FROM keys WHERE domain = ?1 AND selector = ?2");
  st.bind(1, domain).bind(2, selector).run();
  return sqlite3_changes(impl_->db.get()) > 0;
}

std::vector<KeyRecord> KeyStore::list_keys(std::string_view domain) {
  Statement st(impl_->db.get(),
               "SELECT domain, selector, type, bits, canon, created, public_key FROM keys "
               "WHERE ?1 = '' OR domain = ?1 ORDER BY domain, selector");
  st.bind(1, domain);
  std::vector<KeyRecord> keys;
  while (st.step()) {
    KeyRecord k;
    k.domain = st.text(0);
    k.selector = st.text(1);
    k.type = st.text(2) == "ed25519" ? crypto::KeyType::ed25519 : crypto::KeyType::rsa;
    k.bits = static_cast<int>(st.integer(3));
    k.canon = st.text(4);
    k.created = st.integer(5);
    k.public_key = st.text(6);
    keys.push_back(std::move(k));
  }
  return keys;
}

std::optional<policy::UserRecord> KeyStore::find_user(std::string_view name) {
  Statement st(impl_->db.get(), "SELECT " + std::string(kUserColumns) + " FROM users WHERE name = ?1");
  st.bind(1, name);
  if (!st.step()) return std::nullopt;
  return read_user(st);
}

void KeyStore::put_user(const policy::UserRecord& user, int ip_prefix, bool replace) {
  require_writer();
  if (!replace && find_user(user.name)) refuse("user " + user.name + " already exists");
  Statement st(
      impl_->db.get(),
      "INSERT INTO users (name, kind, domain, selectors, any_domain, reauthenticating, ip_prefix, created) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (name) DO UPDATE SET "
      "kind = excluded.kind, domain = excluded.domain, selectors = excluded.selectors, "
      "any_domain = excluded.any_domain, reauthenticating = excluded.reauthenticating, "
      "ip_prefix = excluded.ip_prefix");
  st.bind(1, user.name).bind(2, kind_text(user.kind)).bind(3, user.domain);
  st.bind(4, join_selectors(user.selectors));
  st.bind(5, static_cast<long long>(user.any_domain)).bind(6, static_cast<long long>(user.reauthenticating));
  if (user.kind == policy::UserKind::ip)
    st.bind(7, static_cast<long long>(ip_prefix));
  else
    st.bind_null(7);
  st.bind(8, static_cast<long long>(std::time(nullptr)));
  st.run();
}

bool KeyStore::delete_user(std::string_view name) {
  require_writer();
  Statement st(impl_->db.get(), "DELETE FROM users WHERE name = ?1");
  st.bind(1, name).run();
  return sqlite3_changes(impl_->db.get()) > 0;
}

std::vector<policy::UserRecord> KeyStore::list_users(std::string_view domain) {
  Statement st(impl_->db.get(), "SELECT " + std::string(kUserColumns) +
                                    " FROM users WHERE ?1 = '' OR domain = ?1 ORDER BY kind, name");
  st.bind(1, domain);
  std::vector<policy::UserRecord> users;
  while (st.step()) users.push_back(read_user(st));
  return users;
}

}  // namespace dkim::db
