-- SPDX-License-Identifier: MIT
-- Cluster schema version 1: the source of truth of a dkim-filter cluster.
-- keys and users mirror the node's SQLite tables (db/schema/), except that
-- the private key is sealed (AES-256-GCM under the cluster key, which
-- PostgreSQL never sees). Every row change is logged in change_log by a
-- trigger; dkim-filter-sync applies the log in sequence order and is woken
-- by NOTIFY, which PostgreSQL delivers only when the transaction commits
-- (PostgreSQL docs, NOTIFY: "if a NOTIFY is executed inside a transaction,
-- the notify events are not delivered until and unless the transaction is
-- committed").

CREATE TABLE cluster_meta (
  name  text PRIMARY KEY,  -- schema_version, cluster_id, key_check
  value text NOT NULL
);

CREATE TABLE keys (
  domain         text    NOT NULL,
  selector       text    NOT NULL,
  type           text    NOT NULL CHECK (type IN ('rsa', 'ed25519')),
  bits           integer NOT NULL,
  private_sealed text    NOT NULL CHECK (private_sealed LIKE 'gcm1:%'),
  canon          text    NOT NULL DEFAULT 'relaxed/relaxed',
  created        bigint  NOT NULL,
  public_key     text    NOT NULL DEFAULT '',
  PRIMARY KEY (domain, selector)
);

CREATE TABLE users (
  name             text    NOT NULL PRIMARY KEY,
  kind             text    NOT NULL CHECK (kind IN ('login', 'domain', 'ip')),
  domain           text    NOT NULL DEFAULT '',
  selectors        text    NOT NULL DEFAULT '',
  any_domain       integer NOT NULL DEFAULT 0,
  reauthenticating integer NOT NULL DEFAULT 0,
  ip_prefix        integer,
  created          bigint  NOT NULL
);

-- One row per changed row: which table, its primary key, and what
-- happened. The row's current value is read from its table when the
-- change is applied, in the same snapshot as the log.
CREATE TABLE change_log (
  seq  bigserial   PRIMARY KEY,
  tbl  text        NOT NULL CHECK (tbl IN ('keys', 'users')),
  key1 text        NOT NULL,
  key2 text        NOT NULL DEFAULT '',
  op   char(1)     NOT NULL CHECK (op IN ('I', 'U', 'D')),
  at   timestamptz NOT NULL DEFAULT now()
);

-- Sequence numbers are taken when a row is inserted, not when its
-- transaction commits: two writers could commit 11 before 10, and a reader
-- that saw 11 would skip 10 for ever. Every writing transaction therefore
-- holds one transaction-level advisory lock (PostgreSQL docs, 9.27.10
-- "Advisory Lock Functions") from its first change to its commit, so
-- sequence order is commit order. Admin writes are rare; readers never wait.
CREATE FUNCTION dkim_log_change() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
  k1_old text; k2_old text; k1_new text; k2_new text;
BEGIN
  PERFORM pg_advisory_xact_lock(741963852);
  IF TG_TABLE_NAME = 'keys' THEN
    IF TG_OP <> 'INSERT' THEN k1_old := OLD.domain; k2_old := OLD.selector; END IF;
    IF TG_OP <> 'DELETE' THEN k1_new := NEW.domain; k2_new := NEW.selector; END IF;
  ELSE
    IF TG_OP <> 'INSERT' THEN k1_old := OLD.name; k2_old := ''; END IF;
    IF TG_OP <> 'DELETE' THEN k1_new := NEW.name; k2_new := ''; END IF;
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (k1_old, k2_old) IS DISTINCT FROM (k1_new, k2_new)) THEN
    INSERT INTO change_log (tbl, key1, key2, op) VALUES (TG_TABLE_NAME, k1_old, k2_old, 'D');
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (k1_old, k2_old) IS DISTINCT FROM (k1_new, k2_new)) THEN
    INSERT INTO change_log (tbl, key1, key2, op) VALUES (TG_TABLE_NAME, k1_new, k2_new, 'I');
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO change_log (tbl, key1, key2, op) VALUES (TG_TABLE_NAME, k1_new, k2_new, 'U');
  END IF;
  -- Identical notifications of one transaction are folded into one.
  PERFORM pg_notify('dkim_filter_changes', '');
  RETURN NULL;
END
$body$;

CREATE TRIGGER keys_change_log AFTER INSERT OR UPDATE OR DELETE ON keys
  FOR EACH ROW EXECUTE FUNCTION dkim_log_change();
CREATE TRIGGER users_change_log AFTER INSERT OR UPDATE OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION dkim_log_change();
