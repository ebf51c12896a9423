-- SPDX-License-Identifier: MIT
-- Schema version 4: bearer tokens of dkim-filter-web's API and control
-- panel (RFC 6750). Only the SHA-256 of each token is stored: the token
-- itself is printed once by `dkim-filter-admin token add`. A token with no
-- domains is an administrator's; otherwise it sees and changes only the
-- keys of the listed domains and the users whose own domain is listed.
CREATE TABLE tokens (
  name      TEXT    NOT NULL PRIMARY KEY,
  hash      TEXT    NOT NULL UNIQUE,       -- lower-case hex SHA-256 of the token
  domains   TEXT    NOT NULL DEFAULT '',   -- comma-separated A-labels, '' = every domain
  read_only INTEGER NOT NULL DEFAULT 0,
  created   INTEGER NOT NULL
) WITHOUT ROWID;
