-- SPDX-License-Identifier: MIT
-- Cluster schema version 2: what the node schema's versions 3 and 4 added
-- (dkim-filter-admin(8) "KEY LIFECYCLE", "CLUSTER MODE"), so every admin
-- command runs against the cluster as it does against a single file.
-- Key lifecycle columns travel to the nodes through the change log;
-- used_selectors and tokens stay here: no trigger logs them and
-- dkim-filter-sync never reads them.

ALTER TABLE keys ADD COLUMN slot text NOT NULL DEFAULT '';
ALTER TABLE keys ADD COLUMN state text NOT NULL DEFAULT 'active'
  CHECK (state IN ('pending', 'active', 'retired', 'revoked'));
ALTER TABLE keys ADD COLUMN activated bigint;  -- unix time of each step; NULL: not reached
ALTER TABLE keys ADD COLUMN retired bigint;
ALTER TABLE keys ADD COLUMN revoked bigint;
ALTER TABLE keys ADD COLUMN published bigint;
ALTER TABLE keys ADD COLUMN dns_seen bigint;
-- Keys of version 1 signed as the active key of their own selector.
-- (This update is logged like any other: nodes re-read those rows.)
UPDATE keys SET slot = selector, activated = created;
CREATE UNIQUE INDEX keys_active_slot ON keys (domain, slot) WHERE state = 'active';
-- A row written without a slot (by hand, or by a version 1 writer) is the
-- active key of its own selector, as it was in version 1. The filter never
-- parses this schema, so the trigger costs nodes nothing.
CREATE FUNCTION dkim_key_defaults() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  IF NEW.slot = '' THEN NEW.slot := NEW.selector; END IF;
  IF NEW.state = 'active' AND NEW.activated IS NULL THEN NEW.activated := NEW.created; END IF;
  RETURN NEW;
END
$body$;
CREATE TRIGGER keys_defaults BEFORE INSERT ON keys FOR EACH ROW EXECUTE FUNCTION dkim_key_defaults();

-- Selectors of deleted keys: key rotate never picks one again (a verifier
-- may still hold the old record).
CREATE TABLE used_selectors (
  domain   text   NOT NULL,
  selector text   NOT NULL,
  deleted  bigint NOT NULL,
  PRIMARY KEY (domain, selector)
);

-- dkim-filter-web's bearer tokens (RFC 6750), by SHA-256 only; for the
-- admin hosts, never copied to a node.
CREATE TABLE tokens (
  name      text    NOT NULL PRIMARY KEY,
  hash      text    NOT NULL UNIQUE,
  domains   text    NOT NULL DEFAULT '',
  read_only integer NOT NULL DEFAULT 0,
  created   bigint  NOT NULL
);

-- cluster prune deletes log rows by age and records the highest sequence
-- it deleted as cluster_meta's pruned_through: a node whose last applied
-- sequence is below it missed changes and takes a fresh snapshot.
CREATE INDEX change_log_at ON change_log (at);

DO $grants$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dkim_filter_writer') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON used_selectors, tokens TO dkim_filter_writer;
    GRANT DELETE ON change_log TO dkim_filter_writer;
    GRANT INSERT, UPDATE ON cluster_meta TO dkim_filter_writer;
  END IF;
END
$grants$;
