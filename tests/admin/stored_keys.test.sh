#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The key rows the filter signs with: the stored public key catches a
# damaged private key before any signature leaves (RFC 6376 §6.1.3 is what
# recipients would run), schema 0002 fills it in for keys made before it
# existed, and degenerate RSA keys (e = 1, e = 3; NIST SP 800-89 §5.3.3)
# never get in.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
FILTER="$DKIM_BUILD/dkim-filter"
SRC=$(cd "$(dirname "$0")/../.." && pwd)

msg=$work/msg.eml
printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: hi\n\nhello\n' > "$msg"
# filter EXPECTED_EXIT(S, as 75|78) SIGNED(yes|no) DESCRIPTION [ARGS...]
filter() {
  local want=$1 signed=$2 what=$3; shift 3
  local rc=0
  "$FILTER" --stdout --log stderr -f alice@example.com -u alice@example.com "$@" < "$msg" \
    > "$work/fout" 2> "$work/ferr" || rc=$?
  [[ $rc =~ ^($want)$ ]] || fail "$what: filter exit $rc, expected $want: $(head -c 300 "$work/ferr")"
  if [[ $signed == yes ]]; then
    head -1 "$work/fout" | grep -q '^DKIM-Signature: ' || fail "$what: not signed: $(head -c 300 "$work/ferr")"
  else
    ! grep -q '^DKIM-Signature: ' "$work/fout" || fail "$what: a signature was emitted"
  fi
  return 0
}

ok init "$ADMIN" init
[[ $(sqlite3 "$DB" 'PRAGMA user_version') == 3 ]] || fail "schema version not 3"
ok "key ed" "$ADMIN" key generate example.com ed --algorithm ed25519
ok "user" "$ADMIN" user add alice@example.com --selector ed
p_dns=$("$ADMIN" key dns example.com ed | sed 's/.*p=\([^"]*\)".*/\1/')
[[ $(sqlite3 "$DB" "SELECT public_key FROM keys WHERE selector = 'ed'") == "$p_dns" ]] ||
  fail "stored public key is not the published p= value"
filter 0 yes "intact ed25519 key"

# ---- one damaged character in the stored Ed25519 seed ---------------------
# PKCS#8 Ed25519 (RFC 8410 §7): base64 characters 22.. of the body encode
# the 32-byte seed. Any other seed is a valid, self-consistent key.
pem=$(sqlite3 "$DB" "SELECT private_pem FROM keys WHERE selector = 'ed'")
body=$(printf '%s\n' "$pem" | sed -n 2p)
c=${body:30:1}; [[ $c == A ]] && r=B || r=A
bad_body=${body:0:30}$r${body:31}
bad_pem=$(printf '%s\n' "$pem" | sed "2s|.*|$bad_body|")
sqlite3 "$DB" "UPDATE keys SET private_pem = '$bad_pem' || char(10) WHERE selector = 'ed'"
[[ $(sqlite3 "$DB" "SELECT private_pem FROM keys WHERE selector = 'ed'") != "$pem" ]] || fail "test setup: seed unchanged"
filter 75 no "damaged ed25519 seed"
grep -q 'does not match the stored public key' "$work/ferr" || fail "damaged seed: reason not logged: $(cat "$work/ferr")"
filter 0 no "damaged ed25519 seed, --on-error pass" --on-error pass
# `key dns` prints the stored public key, not one derived from the damage.
ok "key dns with a damaged seed" "$ADMIN" key dns example.com ed
grep -qF "p=$p_dns\"" "$work/out" || fail "key dns: not the stored public key: $(cat "$work/out")"

# ---- migration 0002 on a version-1 database -------------------------------
v1=$work/v1.db
sqlite3 "$v1" < "$SRC/db/schema/0001_init.sql"
sqlite3 "$v1" 'PRAGMA user_version = 1'
chmod 0640 "$v1"
openssl genpkey -algorithm ED25519 -out "$work/ed.pem" 2> /dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/rsa.pem" 2> /dev/null
for k in ed rsa; do
  type=$([[ $k == ed ]] && echo ed25519 || echo rsa) bits=$([[ $k == ed ]] && echo 256 || echo 2048)
  sqlite3 "$v1" "INSERT INTO keys (domain, selector, type, bits, private_pem, created)
                 VALUES ('example.com', 'v1$k', '$type', $bits, '$(cat "$work/$k.pem")' || char(10), 0)"
done
sqlite3 "$v1" "INSERT INTO keys (domain, selector, type, bits, private_pem, created)
               VALUES ('example.com', 'broken', 'rsa', 2048, 'not a key', 0)"
sqlite3 "$v1" "INSERT INTO users (name, kind, domain, selectors, created)
               VALUES ('alice@example.com', 'login', 'example.com', 'v1ed,v1rsa', 0)"
filter '75|78' no "version-1 database before migration" --db "$v1"
ok "init migrates" "$ADMIN" --db "$v1" init
[[ $(sqlite3 "$v1" 'PRAGMA user_version') == 3 ]] || fail "migration: schema version not 3"
want_ed=$(openssl pkey -in "$work/ed.pem" -pubout -outform DER | tail -c 32 | base64 -w0)
want_rsa=$(openssl pkey -in "$work/rsa.pem" -pubout -outform DER | base64 -w0)
[[ $(sqlite3 "$v1" "SELECT public_key FROM keys WHERE selector = 'v1ed'") == "$want_ed" ]] ||
  fail "migration: ed25519 public key not filled in"
[[ $(sqlite3 "$v1" "SELECT public_key FROM keys WHERE selector = 'v1rsa'") == "$want_rsa" ]] ||
  fail "migration: rsa public key not filled in"
[[ $(sqlite3 "$v1" "SELECT public_key FROM keys WHERE selector = 'broken'") == "" ]] ||
  fail "migration: a key that does not load got a public key"
filter 0 yes "migrated database" --db "$v1"
[[ $(grep -c '^DKIM-Signature: ' "$work/fout") == 2 ]] || fail "migrated database: expected two signatures"
ok "key dns after migration" "$ADMIN" --db "$v1" key dns example.com v1rsa
grep -qF "p=$want_rsa\"" "$work/out" || fail "key dns after migration: not the stored key: $(cat "$work/out")"

# ---- degenerate RSA keys ---------------------------------------------------
python3 "$SRC/tests/cli/lib/rsa_small_exponent.py" 1 > "$work/e1.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:3 \
  -out "$work/e3.pem" 2> /dev/null
openssl pkey -in "$work/e3.pem" -noout -text | grep -q 'publicExponent: 3 ' || fail "test setup: e3 key has e != 3"
refused 65 "key import e=1" "$ADMIN" key import example.com e1 "$work/e1.pem"
expect_in "$work/err" "public exponent 1 refused" "key import e=1"
refused 65 "key import e=3" "$ADMIN" key import example.com e3 - < "$work/e3.pem"
expect_in "$work/err" "public exponent 3 refused" "key import e=3"
# Put in behind the admin's back: the filter refuses to load it (75, unsigned).
sqlite3 "$DB" "INSERT INTO keys (domain, selector, type, bits, private_pem, created, public_key, slot)
               VALUES ('example.com', 'e1', 'rsa', 2048, '$(cat "$work/e1.pem")' || char(10), 0, 'x', 'e1')"
ok "user e1" "$ADMIN" user set alice@example.com --selector e1
filter 75 no "filter with an e=1 key"
grep -q 'public exponent 1 refused' "$work/ferr" || fail "filter e=1: reason not logged: $(cat "$work/ferr")"
finish
