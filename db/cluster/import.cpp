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
  db::Statement st(db,
                   "SELECT domain, selector, type, bits, private_pem, canon, created, public_key FROM keys");
  int n = 0;
  while (st.step()) {
    std::string domain = st.text(0), selector = st.text(1), pem = st.text(4);
    std::string sealed = seal_private_key(key, domain, selector, pem);
    crypto::cleanse(pem);
    insert_or_refuse(
        c, "key " + selector + "._domainkey." + domain,
        "INSERT INTO keys (domain, selector, type, bits, private_sealed, canon, created, public_key) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        {domain, selector, st.text(2), st.text(3), sealed, st.text(5), st.text(6), st.text(7)});
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

}  // namespace

ImportCounts import_sqlite(Connection& c, const std::string& key, const std::string& sqlite_path) {
  // Opening as a writer validates the file and brings it to the current
  // schema, so the columns read below exist.
  { auto store = db::KeyStore::open_writer(sqlite_path); }
  db::use_cleansing_allocator();
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(sqlite_path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, nullptr);
  db::SqlitePtr db(raw);
  if (rc != SQLITE_OK) db::throw_sqlite(db.get(), rc, "cannot open " + sqlite_path);
  sqlite3_busy_timeout(db.get(), 5000);
  ImportCounts counts;
  // One read transaction on each side: a consistent copy, all or nothing.
  db::exec(db.get(), "BEGIN");
  c.transaction("", [&] {
    counts.keys = import_keys(c, key, db.get());
    counts.users = import_users(c, db.get());
  });
  db::exec(db.get(), "COMMIT");
  return counts;
}

}  // namespace dkim::cluster
