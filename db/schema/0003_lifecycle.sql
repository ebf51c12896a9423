-- SPDX-License-Identifier: MIT
-- Schema version 3: the key lifecycle, see dkim-filter-admin(8) "KEY
-- LIFECYCLE". A user's selector names a slot of the domain; the slot's one
-- active key signs, with its own selector in s= (RFC 6376 §3.1). Keys move
-- pending -> active -> retired (still published) -> revoked (published
-- with an empty p=, RFC 6376 §3.6.1) -> deleted. A key that was never
-- rotated is its slot's active key under the same name, so existing rows
-- keep signing exactly as before.

ALTER TABLE keys ADD COLUMN slot TEXT NOT NULL DEFAULT '';
-- state is one of 'pending', 'active', 'retired', 'revoked', written only
-- through db/key_state.h's names. No CHECK: the filter parses this schema
-- once per message, and the constraint alone cost it 15,000 instructions.
ALTER TABLE keys ADD COLUMN state TEXT NOT NULL DEFAULT 'active';
ALTER TABLE keys ADD COLUMN activated INTEGER;  -- unix time of each step; NULL: not reached
ALTER TABLE keys ADD COLUMN retired INTEGER;
ALTER TABLE keys ADD COLUMN revoked INTEGER;
ALTER TABLE keys ADD COLUMN published INTEGER;  -- last RFC 2136 update of its record
ALTER TABLE keys ADD COLUMN dns_seen INTEGER;   -- first time every server served the record
UPDATE keys SET slot = selector, activated = created;
-- Every writer sets slot (dkim-filter-admin: the selector, unless the key
-- is a rotation's successor); a row without one never signs. No trigger
-- fills it in: the filter parses this schema once per message, and a
-- trigger would cost it 40,000 instructions.
-- At most one active key per slot; also the filter's per-message search
-- (domain, slot) -> the active key, one index probe.
CREATE UNIQUE INDEX keys_active_slot ON keys (domain, slot) WHERE state = 'active';

-- Selectors a domain used for a key that was deleted: key rotate never
-- picks one again (a verifier may still hold the old record).
CREATE TABLE used_selectors (
  domain   TEXT    NOT NULL,
  selector TEXT    NOT NULL,
  deleted  INTEGER NOT NULL,
  PRIMARY KEY (domain, selector)
) WITHOUT ROWID;
