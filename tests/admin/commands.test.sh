#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every dkim-filter-admin command through the real binary: happy paths,
# refusals with their exit codes, and the database unchanged after each
# refusal (sqlite3 .dump before and after).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# ---- init, permissions, --help ------------------------------------------
refused 78 "command before init" "$ADMIN" key list
(umask 000 && "$ADMIN" init >"$work/out" 2>"$work/err") || fail "init: $(cat "$work/err")"
[[ $(stat -c %a "$DB") == 640 ]] || fail "database mode $(stat -c %a "$DB"), expected 640 (umask 000)"
# init makes a missing directory 0750; one made as the package does stays 2750.
[[ $(stat -c %a "$(dirname "$DB")") == "$([[ -n ${DB_DIR_PRESET:-} ]] && echo 2750 || echo 750)" ]] ||
  fail "database directory mode $(stat -c %a "$(dirname "$DB")")"
[[ $(sqlite3 "$DB" 'PRAGMA user_version') == "$SCHEMA_VERSION" ]] || fail "schema version not $SCHEMA_VERSION"
[[ $(sqlite3 "$DB" 'PRAGMA journal_mode') == delete ]] || fail "not in rollback journal (DELETE) mode"
ok "init again" "$ADMIN" init
expect_in "$work/out" "schema version $SCHEMA_VERSION" "init again"
ok "--db option" "$ADMIN" --db "$work/other.db" init
[[ $(stat -c %a "$work/other.db") == 640 ]] || fail "--db file mode"
ok "--db after command" "$ADMIN" key list --db "$work/other.db"

for cmd in "init" "key generate" "key import" "key list" "key dns" "key check" "key export" "key delete" \
           "user add" "user set" "user list" "user delete" "explain"; do
  # shellcheck disable=SC2086
  ok "$cmd --help" "$ADMIN" $cmd --help
  expect_in "$work/out" "^Usage: dkim-filter-admin .*$cmd" "$cmd --help"
done
ok "global --help" "$ADMIN" --help
expect_in "$work/out" "key generate" "global --help"
expect_in "$work/out" "user add" "global --help"
"$ADMIN" key check --help | grep -q "malformed" || fail "key check --help does not document exit codes"
refused 64 "no command" "$ADMIN"
refused 64 "unknown command" "$ADMIN" frobnicate
refused 64 "unknown key command" "$ADMIN" key frob
refused 64 "unknown option" "$ADMIN" key list --bogus

# ---- keys -----------------------------------------------------------------
ok "key generate default" "$ADMIN" key generate Example.COM s2026
expect_in "$work/out" '^s2026\._domainkey\.example\.com TXT "v=DKIM1; k=rsa; p=MII[A-Za-z0-9+/=]+"$' "generate output"
[[ $(sqlite3 "$DB" "select type||' '||bits||' '||canon from keys where domain='example.com' and selector='s2026'") == "rsa 2048 relaxed/relaxed" ]] ||
  fail "generated key is not rsa 2048 relaxed/relaxed"
ok "key generate 1024" "$ADMIN" key generate example.com old1024 --bits 1024
expect_in "$work/err" "warning: 1024-bit" "1024 warning"
ok "key generate ed25519" "$ADMIN" key generate example.com ed --algorithm ed25519 --canon relaxed/simple
expect_in "$work/out" '^ed\._domainkey\.example\.com TXT "v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}="$' "ed25519 record"
ok "key generate 3072 IDN" "$ADMIN" key generate "bücher.example" s3 --bits 3072
expect_in "$work/out" '^s3\._domainkey\.xn--bcher-kva\.example TXT' "IDN stored as A-label"

refused 65 "duplicate key" "$ADMIN" key generate example.com s2026
refused 64 "bits 512" "$ADMIN" key generate example.com s9 --bits 512
refused 64 "bits 2000" "$ADMIN" key generate example.com s9 --bits 2000
refused 64 "bits with ed25519" "$ADMIN" key generate example.com s9 --algorithm ed25519 --bits 2048
refused 64 "bad algorithm" "$ADMIN" key generate example.com s9 --algorithm dsa
refused 64 "bad canon" "$ADMIN" key generate example.com s9 --canon fancy/relaxed
refused 64 "bad selector" "$ADMIN" key generate example.com bad_selector
refused 64 "bad domain" "$ADMIN" key generate -example.com s9
refused 64 "single-label domain" "$ADMIN" key generate localhost s9
refused 64 "missing selector" "$ADMIN" key generate example.com
refused 64 "extra argument" "$ADMIN" key generate example.com s9 extra

# import: PKCS#1 and PKCS#8 files, stdin, percent-encoded
openssl genrsa -traditional -out "$work/pkcs1.pem" 2048 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/pkcs8.pem" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$work/ed.pem" 2>/dev/null
grep -q "BEGIN RSA PRIVATE KEY" "$work/pkcs1.pem" || fail "test setup: not a PKCS#1 key"
ok "import PKCS#1" "$ADMIN" key import example.org p1 "$work/pkcs1.pem"
expect_in "$work/out" '^p1\._domainkey\.example\.org TXT "v=DKIM1; k=rsa; p=' "import PKCS#1 output"
expected_p=$(openssl pkey -in "$work/pkcs1.pem" -pubout -outform DER 2>/dev/null | base64 -w0)
grep -qF "p=$expected_p\"" "$work/out" || fail "import PKCS#1: published key is not the imported one"
ok "import PKCS#8 from stdin" bash -c "'$ADMIN' key import example.org p8 - --canon simple < '$work/pkcs8.pem'"
[[ $(sqlite3 "$DB" "select canon from keys where selector='p8'") == "simple/simple" ]] || fail "--canon simple not stored as simple/simple"
/usr/bin/python3 -c 'import sys,urllib.parse; sys.stdout.write(urllib.parse.quote(open(sys.argv[1]).read()))' \
  "$work/ed.pem" > "$work/ed.urlenc"
grep -q '%2B\|%0A' "$work/ed.urlenc" || fail "test setup: not percent-encoded"
ok "import urlencoded ed25519" "$ADMIN" key import example.org pe "$work/ed.urlenc" --urlencoded
expected_ed=$(openssl pkey -in "$work/ed.pem" -pubout -outform DER 2>/dev/null | tail -c 32 | base64 -w0)
grep -qF "k=ed25519; p=$expected_ed\"" "$work/out" || fail "urlencoded import: wrong public key"

openssl genrsa -traditional -out "$work/rsa512.pem" 512 2>/dev/null || cp "$DKIM_SRC/tests/vectors/rsa-512.pem" "$work/rsa512.pem"
openssl pkey -in "$work/pkcs8.pem" -pubout -out "$work/public.pem" 2>/dev/null
openssl req -x509 -key "$work/pkcs8.pem" -subj /CN=x -days 1 -out "$work/cert.pem" 2>/dev/null
head -c 600 /dev/urandom > "$work/garbage"
refused 65 "import RSA 512" "$ADMIN" key import example.org bad "$work/rsa512.pem"
refused 65 "import public key" "$ADMIN" key import example.org bad "$work/public.pem"
grep -q "public key" "$work/err" || fail "public key refusal does not say why"
refused 65 "import certificate" "$ADMIN" key import example.org bad "$work/cert.pem"
refused 65 "import garbage" "$ADMIN" key import example.org bad "$work/garbage"
refused 65 "import bad percent-encoding" bash -c "printf '%%ZZ' | '$ADMIN' key import example.org bad - --urlencoded"
refused 64 "import missing file" "$ADMIN" key import example.org bad "$work/nope.pem"
refused 65 "import duplicate" "$ADMIN" key import example.org p1 "$work/pkcs8.pem"

# list, dns, export, delete
ok "key list" "$ADMIN" key list
[[ $(wc -l < "$work/out") == 7 ]] || fail "key list: expected 7 keys, got $(wc -l < "$work/out")"
ok "key list domain" "$ADMIN" key list EXAMPLE.org
[[ $(wc -l < "$work/out") == 3 ]] || fail "key list example.org: expected 3 keys"
ok "key list --json" "$ADMIN" key list --json
/usr/bin/python3 - "$work/out" <<'PY' || fail "key list --json not valid or incomplete"
import json, sys
keys = json.load(open(sys.argv[1]))
assert len(keys) == 7, keys
assert {"domain", "selector", "type", "bits", "canon", "created"} <= set(keys[0])
PY
grep -qi 'PRIVATE\|MII' "$work/out" && fail "key list --json shows key material"
ok "key dns" "$ADMIN" key dns example.com s2026
cp "$work/out" "$work/dns.txt"
ok "key dns --zone" "$ADMIN" key dns example.com s2026 --zone
/usr/bin/python3 - "$work/dns.txt" "$work/out" <<'PY' || fail "key dns --zone: strings not <= 255 or do not join to the value"
import re, sys
plain = open(sys.argv[1]).read().strip()
zone = open(sys.argv[2]).read().strip()
value = re.match(r'^\S+ TXT "(.*)"$', plain).group(1)
m = re.match(r'^s2026\._domainkey\.example\.com\. IN TXT((?: "[^"]*")+)$', zone)
assert m, zone
parts = re.findall(r'"([^"]*)"', m.group(1))
assert len(parts) >= 2 and all(len(p) <= 255 for p in parts), [len(p) for p in parts]
assert "".join(parts) == value
PY
refused 65 "key dns missing" "$ADMIN" key dns example.com nosuch
ok "key export" "$ADMIN" key export example.org p1
openssl pkey -in "$work/out" -pubout -outform DER 2>/dev/null | base64 -w0 | grep -qxF "$expected_p" ||
  fail "key export: not the imported key"
refused 65 "key export missing" "$ADMIN" key export example.org nosuch
ok "key delete" "$ADMIN" key delete example.com old1024 --force
[[ $(sqlite3 "$DB" "select count(*) from keys where selector='old1024'") == 0 ]] || fail "key delete left the key"
refused 65 "key delete missing" "$ADMIN" key delete example.com old1024

# ---- users ----------------------------------------------------------------
ok "user add login" "$ADMIN" user add Alice@Example.com --selector s2026,ed
[[ $(sqlite3 "$DB" "select kind||' '||domain||' '||selectors from users where name='alice@example.com'") == "login example.com s2026,ed" ]] ||
  fail "login user not stored as expected"
ok "user add domain with missing key" "$ADMIN" user add example.net --selector s1
expect_in "$work/err" "warning: domain example.net has no key for selector s1" "missing key warning"
ok "user add IPv4 range" "$ADMIN" user add 192.0.2.0/24 --domain example.com --selector s2026
ok "user add IPv6 range" "$ADMIN" user add 2001:DB8::/32 --domain example.org --selector p1
[[ $(sqlite3 "$DB" "select kind||' '||ip_prefix from users where name='2001:db8::/32'") == "ip 32" ]] || fail "IPv6 user not canonical"
ok "user add any-domain relay" "$ADMIN" user add relay@example.com --selector s2026 --any-domain
ok "user add reauthenticating" "$ADMIN" user add reauth@example.com --reauthenticating
refused 65 "user add duplicate" "$ADMIN" user add alice@EXAMPLE.com
refused 65 "reauthenticating with selector" "$ADMIN" user add r2@example.com --reauthenticating --selector s2026
grep -q "DKIM signing is unavailable if you are using a re-authenticating user" "$work/err" || fail "re-auth refusal wording"
refused 64 "host bits set" "$ADMIN" user add 192.0.2.1/24 --domain example.com
refused 64 "bad prefix" "$ADMIN" user add 192.0.2.0/40 --domain example.com
refused 64 "IP user without domain" "$ADMIN" user add 198.51.100.7 --selector s2026
refused 64 "--domain on login" "$ADMIN" user add bob@example.com --domain example.org
refused 64 "bad selector list" "$ADMIN" user add bob@example.com --selector "s1,,s2"
refused 64 "bad selector" "$ADMIN" user add bob@example.com --selector "s 1"
refused 64 "bad login" "$ADMIN" user add "bob smith@example.com"
refused 64 "bad user domain" "$ADMIN" user add "bob@exa_mple.com"
ok "user set" "$ADMIN" user set ALICE@example.com --selector ed
[[ $(sqlite3 "$DB" "select selectors from users where name='alice@example.com'") == "ed" ]] || fail "user set not stored"
ok "user set --no-selector" "$ADMIN" user set example.net --no-selector
refused 65 "user set on reauthenticating" "$ADMIN" user set reauth@example.com --selector s2026
grep -q "re-authenticating" "$work/err" || fail "user set re-auth wording"
refused 65 "user set unknown" "$ADMIN" user set nobody@example.com --selector s2026
refused 64 "user set both" "$ADMIN" user set alice@example.com --selector s2026 --no-selector
refused 64 "user set neither" "$ADMIN" user set alice@example.com
ok "user list" "$ADMIN" user list
[[ $(wc -l < "$work/out") == 6 ]] || fail "user list: expected 6 users"
ok "user list --json" "$ADMIN" user list --json
/usr/bin/python3 - "$work/out" <<'PY' || fail "user list --json"
import json, sys
users = {u["user"]: u for u in json.load(open(sys.argv[1]))}
assert users["alice@example.com"]["selectors"] == ["ed"], users
assert users["relay@example.com"]["any_domain"] is True
assert users["reauth@example.com"]["reauthenticating"] is True
assert users["2001:db8::/32"]["kind"] == "ip" and users["2001:db8::/32"]["domain"] == "example.org"
PY
ok "user delete" "$ADMIN" user delete 2001:db8:0::/32
refused 65 "user delete missing" "$ADMIN" user delete 2001:db8::/32

# ---- explain (the filter's own decide()) -----------------------------------
ok "explain signs" "$ADMIN" explain --user alice@example.com --from "Alice <alice@Mail.Example.com>"
expect_in "$work/out" "decision: sign" "explain sign"
expect_in "$work/out" "signature: d=example.com s=ed a=ed25519-sha256 c=relaxed/simple" "explain key"
rc=0; "$ADMIN" explain --user alice@example.com --from "x@example.org" >"$work/out" 2>&1 || rc=$?
[[ $rc == 1 ]] || fail "explain foreign domain: exit $rc, expected 1"
expect_in "$work/out" "not signed" "explain foreign domain"
rc=0; "$ADMIN" explain --user reauth@example.com --from "reauth@example.com" >"$work/out" 2>&1 || rc=$?
[[ $rc == 1 ]] || fail "explain reauth: exit $rc"
expect_in "$work/out" "not signed.*reauth" "explain reauth"
ok "explain IP user" "$ADMIN" explain --user 192.0.2.77 --from "news@example.com"
expect_in "$work/out" "s=s2026 a=rsa-sha256" "explain IP user"
rc=0; "$ADMIN" explain --user relay@example.com --from "x@example.org" >"$work/out" 2>&1 || rc=$?
[[ $rc == 1 ]] || fail "explain relay without key: exit $rc"
grep -q "foreign-domain" "$work/out" && fail "explain relay: --any-domain user refused as foreign"
ok "key for relay" "$ADMIN" key generate example.org s2026 --algorithm ed25519
ok "explain relay" "$ADMIN" explain --user relay@example.com --from "x@example.org"
expect_in "$work/out" "signature: d=example.org s=s2026" "explain relay"
rc=0; "$ADMIN" explain --user nobody@example.com --from "x@example.com" >"$work/out" 2>&1 || rc=$?
[[ $rc == 1 ]] || fail "explain unknown user: exit $rc"
refused 64 "explain without --from" "$ADMIN" explain --user alice@example.com
chmod 0644 "$DB"
refused 78 "explain on world-readable database" "$ADMIN" explain --user alice@example.com --from a@example.com
ok "writer warns about world-readable" "$ADMIN" key list
expect_in "$work/err" "warning: .*accessible by others" "world-readable warning"
chmod 0640 "$DB"

[[ $(stat -c %a "$DB") == 640 ]] || fail "database mode changed"
finish
