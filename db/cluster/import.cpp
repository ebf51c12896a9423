// SPDX-License-Identifier: MIT
#include "db/cluster/import.h"

#include "db/cluster/cluster_key.h"
#include "db/keystore.h"
#include "db/sqlite.h"
#include "filter/base/error.h"
#include "filter/crypto/key.h"

namespace dkim::cluster {
namespace {

std::optional<std::string> opt_text(const db::Statement& st, int col) {
  if (st.is_null(col)) return std::nullopt;
  return st.text(col);
}

// One round trip per row: a row the cluster already has is refused by its
// primary key (SQLSTATE 23505), named here; the transaction is then void.
void insert_or_refuse(Connection& c, const std::string& what, std::string_view sql, const Params& params) {
  try {
    c.exec(sql, params);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::data || std::string(e.what()).find("duplicate key") == std::string::npos)
      throw;
    throw Error(ErrorKind::data,
                "cluster import: " + what + " already exists in the cluster; nothing imported");
  }
}

int import_keys(Connection& c, const std::string& key, sqlite3* db) {
  db::Statement st(
      db,
      "SELECT domain, selector, type, bits, private_pem, canon, created, public_key, slot, state, "
      "activated, retired, revoked, published, dns_seen FROM keys");
  int n = 0;
  while (st.step()) {
    std::string domain = st.text(0), selector = st.text(1), pem = st.text(4);
    std::string sealed = seal_private_key(key, domain, selector, pem);
    crypto::cleanse(pem);
    insert_or_refuse(
        c, "key " + selector + "._domainkey." + domain,
        "INSERT INTO keys (domain, selector, type, bits, private_sealed, canon, created, public_key, slot, "
        "state, activated, retired, revoked, published, dns_seen) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        {domain, selector, st.text(2), st.text(3), sealed, st.text(5), st.text(6), st.text(7), st.text(8),
         st.text(9), opt_text(st, 10), opt_text(st, 11), opt_text(st, 12), opt_text(st, 13),
         opt_text(st, 14)});
    ++n;
  }
  return n;
}

int import_users(Connection& c, sqlite3* db) {
  db::Statement st(db,
                   "SELECT name, kind, domain, selectors, any_domain, reauthenticating, ip_prefix, created "
                   "FROM users");
  int n = 0;
  while (st.step()) {
    std::string name = st.text(0);
    insert_or_refuse(
        c, "user " + name,
        "INSERT INTO users (name, kind, domain, selectors, any_domain, reauthenticating, ip_prefix, created) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        {st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5), opt_text(st, 6),
         st.text(7)});
    ++n;
  }
  return n;
}

// The admin's own memory: deleted selectors (key rotate never reuses one)
// and dkim-filter-web's tokens. Neither reaches the nodes.
void import_admin_rows(Connection& c, sqlite3* db) {
  db::Statement used(db, "SELECT domain, selector, deleted FROM used_selectors");
  while (used.step())
    c.exec(
        "INSERT INTO used_selectors (domain, selector, deleted) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        {used.text(0), used.text(1), used.text(2)});
  db::Statement tokens(db, "SELECT name, hash, domains, read_only, created FROM tokens");
  while (tokens.step())
    insert_or_refuse(
        c, "token " + tokens.text(0),
        "INSERT INTO tokens (name, hash, domains, read_only, created) VALUES ($1, $2, $3, $4, $5)",
        {tokens.text(0), tokens.text(1), tokens.text(2), tokens.text(3), tokens.text(4)});
}

}  // namespace

ImportCounts import_sqlite(Connection& c, const std::string& key, const std::string& sqlite_path) {
  // Opening as a writer validates the file and brings it to the current
  // schema, so the columns read below exist.
  { auto store = db::KeyStore::open_writer(sqlite_path); }
  db::SqlitePtr db = db::open_sqlite(sqlite_path, SQLITE_OPEN_READONLY);
  ImportCounts counts;
  // One read transaction on each side: a consistent copy, all or nothing.
  db::exec(db.get(), "BEGIN");
  c.transaction("", [&] {
    counts.keys = import_keys(c, key, db.get());
    counts.users = import_users(c, db.get());
    import_admin_rows(c, db.get());
  });
  db::exec(db.get(), "COMMIT");
  return counts;
}

}  // namespace dkim::cluster
