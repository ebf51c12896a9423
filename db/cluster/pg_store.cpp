// SPDX-License-Identifier: MIT
#include "db/cluster/pg_store.h"

#include <ctime>

#include "db/cluster/cluster_key.h"
#include "db/cluster/cluster_meta.h"
#include "db/cluster/pg.h"
#include "db/cluster/schema.h"
#include "db/tokens.h"
#include "filter/base/error.h"
#include "filter/crypto/key.h"

namespace dkim::cluster {
namespace {

// The lock every change_log trigger takes (schema/0001_init.sql).
constexpr const char* kWriterLock = "741963852";

constexpr const char* kKeyColumns =
    "domain, selector, type, bits, canon, created, slot, state, activated, retired, revoked, published, "
    "dns_seen, public_key";
constexpr const char* kUserColumns = "name, kind, domain, selectors, any_domain, reauthenticating";

// PostgreSQL's default collation is the locale's; the single-node file
// orders by bytes (SQLite's BINARY), and listings must not differ.
constexpr const char* kKeyOrder = " ORDER BY domain COLLATE \"C\", selector COLLATE \"C\"";
constexpr const char* kUserOrder = " ORDER BY kind COLLATE \"C\", name COLLATE \"C\"";

std::optional<std::string> opt_time(long long t) {
  if (!t) return std::nullopt;
  return std::to_string(t);
}

std::vector<std::string> split(const std::string& text) {
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

db::KeyRecord read_key(const Result& r, int row) {
  db::KeyRecord k;
  k.domain = r.text(row, 0);
  k.selector = r.text(row, 1);
  k.type = r.text(row, 2) == "ed25519" ? crypto::KeyType::ed25519 : crypto::KeyType::rsa;
  k.bits = static_cast<int>(r.integer(row, 3));
  k.canon = r.text(row, 4);
  k.created = r.integer(row, 5);
  k.slot = r.text(row, 6);
  k.state = db::parse_key_state(r.text(row, 7)).value_or(db::KeyState::revoked);
  k.activated = r.integer(row, 8);  // NULL reads as 0: "not reached"
  k.retired = r.integer(row, 9);
  k.revoked = r.integer(row, 10);
  k.published = r.integer(row, 11);
  k.dns_seen = r.integer(row, 12);
  k.public_key = r.text(row, 13);
  return k;
}

policy::UserRecord read_user(const Result& r, int row) {
  policy::UserRecord u;
  u.name = r.text(row, 0);
  std::string kind = r.text(row, 1);
  u.kind = kind == "ip"       ? policy::UserKind::ip
           : kind == "domain" ? policy::UserKind::domain
                              : policy::UserKind::login;
  u.domain = r.text(row, 2);
  u.selectors = split(r.text(row, 3));
  u.any_domain = r.integer(row, 4) != 0;
  u.reauthenticating = r.integer(row, 5) != 0;
  return u;
}

std::string kind_name(policy::UserKind kind) {
  return kind == policy::UserKind::ip ? "ip" : kind == policy::UserKind::domain ? "domain" : "login";
}

class PgBackend : public db::KeyStore::Backend {
 public:
  PgBackend(Connection c, std::string key) : c_(std::move(c)), key_(std::move(key)) {}
  ~PgBackend() override { crypto::cleanse(key_); }

  int schema_version() override { return cluster_schema_version(c_); }

  std::optional<db::KeyRecord> find_key(std::string_view domain, std::string_view selector) override {
    return one_key("domain = $1 AND selector = $2", domain, selector);
  }
  std::optional<db::KeyRecord> find_signing_key(std::string_view domain, std::string_view slot) override {
    return one_key("domain = $1 AND slot = $2 AND state = 'active'", domain, slot);
  }
  bool has_active_key(std::string_view domain, std::string_view slot) override {
    return c_.exec("SELECT 1 FROM keys WHERE domain = $1 AND slot = $2 AND state = 'active'",
                   {std::string(domain), std::string(slot)})
               .rows() > 0;
  }
  bool has_selector(std::string_view domain, std::string_view selector) override {
    return c_.exec("SELECT 1 FROM keys WHERE domain = $1 AND selector = $2",
                   {std::string(domain), std::string(selector)})
               .rows() > 0;
  }
  std::optional<policy::UserRecord> login_user(std::string_view name) override {
    return one_user("name = $1 AND kind IN ('login', 'domain')", {std::string(name)});
  }
  std::optional<policy::UserRecord> ip_user(const std::vector<std::string>& names) override {
    // An array literal (PostgreSQL docs, 8.15.2): range names are digits,
    // hex, '.', ':' and '/', never a quote or a backslash.
    std::string array = "{";
    for (const auto& n : names) array += (array.size() > 1 ? ",\"" : "\"") + n + "\"";
    array += "}";
    auto r = c_.exec(std::string("SELECT ") + kUserColumns +
                         " FROM users WHERE kind = 'ip' AND name = ANY($1::text[]) "
                         "ORDER BY ip_prefix DESC LIMIT 1",
                     {array});
    if (!r.rows()) return std::nullopt;
    return read_user(r, 0);
  }

  void read_transaction(const std::function<void()>& body) override {
    c_.transaction("ISOLATION LEVEL REPEATABLE READ READ ONLY", body);
  }
  void transaction(const std::function<void()>& body) override {
    c_.transaction("", [&] {
      c_.exec(std::string("SELECT pg_advisory_xact_lock(") + kWriterLock + ")");
      body();
    });
  }

  void insert_key(const db::KeyRecord& k) override {
    std::string sealed = seal_private_key(key_, k.domain, k.selector, k.private_pem);
    c_.exec(
        "INSERT INTO keys (domain, selector, type, bits, private_sealed, canon, created, public_key, slot, "
        "state, activated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        {k.domain, k.selector, std::string(crypto::key_type_name(k.type)), std::to_string(k.bits), sealed,
         k.canon, std::to_string(k.created), k.public_key, k.slot, std::string(db::key_state_name(k.state)),
         opt_time(k.activated)});
  }
  bool update_lifecycle(const db::KeyRecord& k) override {
    return c_.exec(
                 "UPDATE keys SET state = $3, activated = $4, retired = $5, revoked = $6, published = $7, "
                 "dns_seen = $8 WHERE domain = $1 AND selector = $2 RETURNING 1",
                 {k.domain, k.selector, std::string(db::key_state_name(k.state)), opt_time(k.activated),
                  opt_time(k.retired), opt_time(k.revoked), opt_time(k.published), opt_time(k.dns_seen)})
               .rows() > 0;
  }
  bool selector_was_used(std::string_view domain, std::string_view selector) override {
    return c_.exec("SELECT 1 FROM used_selectors WHERE domain = $1 AND selector = $2",
                   {std::string(domain), std::string(selector)})
               .rows() > 0;
  }
  bool delete_key(std::string_view domain, std::string_view selector) override {
    Params names{std::string(domain), std::string(selector)};
    if (c_.exec("DELETE FROM keys WHERE domain = $1 AND selector = $2 RETURNING 1", names).rows() == 0)
      return false;
    names.push_back(std::to_string(static_cast<long long>(std::time(nullptr))));
    c_.exec(
        "INSERT INTO used_selectors (domain, selector, deleted) VALUES ($1, $2, $3) "
        "ON CONFLICT (domain, selector) DO UPDATE SET deleted = EXCLUDED.deleted",
        names);
    return true;
  }
  std::vector<db::KeyRecord> list_keys(std::string_view domain) override {
    auto r =
        c_.exec(std::string("SELECT ") + kKeyColumns + " FROM keys WHERE $1 = '' OR domain = $1" + kKeyOrder,
                {std::string(domain)});
    std::vector<db::KeyRecord> keys;
    for (int i = 0; i < r.rows(); ++i) keys.push_back(read_key(r, i));
    return keys;
  }
  std::optional<policy::UserRecord> find_user(std::string_view name) override {
    return one_user("name = $1", {std::string(name)});
  }
  void put_user(const policy::UserRecord& u, int ip_prefix) override {
    std::string selectors;
    for (const auto& s : u.selectors) selectors += (selectors.empty() ? "" : ",") + s;
    c_.exec(
        "INSERT INTO users (name, kind, domain, selectors, any_domain, reauthenticating, ip_prefix, created) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name) DO UPDATE SET "
        "kind = EXCLUDED.kind, domain = EXCLUDED.domain, selectors = EXCLUDED.selectors, "
        "any_domain = EXCLUDED.any_domain, reauthenticating = EXCLUDED.reauthenticating, "
        "ip_prefix = EXCLUDED.ip_prefix",
        {u.name, kind_name(u.kind), u.domain, selectors, std::to_string(u.any_domain ? 1 : 0),
         std::to_string(u.reauthenticating ? 1 : 0),
         u.kind == policy::UserKind::ip ? std::optional<std::string>(std::to_string(ip_prefix))
                                        : std::nullopt,
         std::to_string(static_cast<long long>(std::time(nullptr)))});
  }
  bool delete_user(std::string_view name) override {
    return c_.exec("DELETE FROM users WHERE name = $1 RETURNING 1", {std::string(name)}).rows() > 0;
  }
  std::vector<policy::UserRecord> list_users(std::string_view domain) override {
    auto r = c_.exec(
        std::string("SELECT ") + kUserColumns + " FROM users WHERE $1 = '' OR domain = $1" + kUserOrder,
        {std::string(domain)});
    std::vector<policy::UserRecord> users;
    for (int i = 0; i < r.rows(); ++i) users.push_back(read_user(r, i));
    return users;
  }

 private:
  std::optional<db::KeyRecord> one_key(const char* where, std::string_view a, std::string_view b) {
    auto r = c_.exec(std::string("SELECT ") + kKeyColumns + ", private_sealed FROM keys WHERE " + where,
                     {std::string(a), std::string(b)});
    if (!r.rows()) return std::nullopt;
    db::KeyRecord k = read_key(r, 0);
    // A row that does not open under this key is refused by name, never
    // returned garbled (cluster_key.h).
    k.private_pem = open_private_key(key_, k.domain, k.selector, r.text(0, 14));
    return k;
  }
  std::optional<policy::UserRecord> one_user(const char* where, const Params& params) {
    auto r = c_.exec(std::string("SELECT ") + kUserColumns + " FROM users WHERE " + where, params);
    if (!r.rows()) return std::nullopt;
    return read_user(r, 0);
  }

  Connection c_;
  std::string key_;  // the cluster key, wiped on destruction
};

// The admin hosts' tokens table (schema/0002_lifecycle.sql): no trigger
// logs it, so it never reaches a node.
class PgTokens : public db::TokenTable::Backend {
 public:
  explicit PgTokens(Connection c) : c_(std::move(c)) {}
  bool exists(std::string_view name) override {
    return c_.exec("SELECT 1 FROM tokens WHERE name = $1", {std::string(name)}).rows() > 0;
  }
  void insert(const db::Token& t, const std::string& domains, const std::string& hash) override {
    c_.exec("INSERT INTO tokens (name, hash, domains, read_only, created) VALUES ($1, $2, $3, $4, $5)",
            {t.name, hash, domains, std::to_string(t.read_only ? 1 : 0), std::to_string(t.created)});
  }
  std::vector<std::pair<db::Token, std::string>> rows() override {
    auto r =
        c_.exec("SELECT name, domains, read_only, created, hash FROM tokens ORDER BY name COLLATE \"C\"");
    std::vector<std::pair<db::Token, std::string>> out;
    for (int i = 0; i < r.rows(); ++i) {
      db::Token t;
      t.name = r.text(i, 0);
      t.domains = split(r.text(i, 1));
      t.read_only = r.integer(i, 2) != 0;
      t.created = r.integer(i, 3);
      out.emplace_back(std::move(t), r.text(i, 4));
    }
    return out;
  }
  bool remove(std::string_view name) override {
    return c_.exec("DELETE FROM tokens WHERE name = $1 RETURNING 1", {std::string(name)}).rows() > 0;
  }

 private:
  Connection c_;
};

// Connected, on the current schema (an older one migrated), under the
// cluster's own key.
Connection open_checked(const std::string& url, const std::string& key, const std::string& key_file) {
  auto c = Connection::open(url);
  int version = cluster_schema_version(c);
  if (version == 0)
    throw Error(ErrorKind::config, "cluster: " + redact_url(url) +
                                       " has no cluster schema (run dkim-filter-admin cluster init)");
  if (version != current_cluster_schema_version()) migrate_cluster(c);
  verify_cluster_key(c, key, key_file);
  return c;
}

}  // namespace

db::TokenTable open_tokens(const std::string& url, const std::string& key_file) {
  std::string key = load_cluster_key(key_file);
  try {
    auto c = open_checked(url, key, key_file);
    crypto::cleanse(key);
    return db::TokenTable::with_backend(std::make_unique<PgTokens>(std::move(c)));
  } catch (...) {
    crypto::cleanse(key);
    throw;
  }
}

db::KeyStore open_store(const std::string& url, const std::string& key_file) {
  std::string key = load_cluster_key(key_file);
  try {
    auto c = open_checked(url, key, key_file);
    auto backend = std::make_unique<PgBackend>(std::move(c), key);
    crypto::cleanse(key);
    return db::KeyStore::with_backend(redact_url(url), std::move(backend));
  } catch (...) {
    crypto::cleanse(key);
    throw;
  }
}

}  // namespace dkim::cluster
