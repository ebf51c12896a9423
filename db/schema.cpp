// SPDX-License-Identifier: MIT
#include "db/schema.h"

namespace dkim::db {
namespace {

// Keep identical to db/schema/0001_init.sql (checked by schema_test).
constexpr std::string_view kInit = R"sql(-- SPDX-License-Identifier: MIT
-- Schema version 1: DKIM keys and outgoing users.
-- Both tables are keyed by exactly what the filter looks up, so every
-- per-message query is one primary-key search (WITHOUT ROWID: the row lives
-- in the key's b-tree, one lookup instead of two).

CREATE TABLE keys (
  domain      TEXT    NOT NULL,  -- lower-case A-label
  selector    TEXT    NOT NULL,  -- lower-case, RFC 6376 section 3.1
  type        TEXT    NOT NULL CHECK (type IN ('rsa', 'ed25519')),
  bits        INTEGER NOT NULL,
  private_pem TEXT    NOT NULL,  -- unencrypted PKCS#8; the file is mode 0640
  canon       TEXT    NOT NULL DEFAULT 'relaxed/relaxed',
  created     INTEGER NOT NULL,  -- unix time
  PRIMARY KEY (domain, selector)
) WITHOUT ROWID;

CREATE TABLE users (
  name             TEXT    NOT NULL PRIMARY KEY,  -- login, domain, or canonical IP range
  kind             TEXT    NOT NULL CHECK (kind IN ('login', 'domain', 'ip')),
  domain           TEXT    NOT NULL DEFAULT '',   -- own domain ('' for an IP user without one)
  selectors        TEXT    NOT NULL DEFAULT '',   -- comma-separated, '' = none
  any_domain       INTEGER NOT NULL DEFAULT 0,
  reauthenticating INTEGER NOT NULL DEFAULT 0,
  ip_prefix        INTEGER,                       -- IP users: prefix length, for most-specific match
  created          INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kAll = {
      {1, "0001_init.sql", kInit},
  };
  return kAll;
}

int current_schema_version() { return migrations().back().version; }

}  // namespace dkim::db
