#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dkim-filter-web's JSON API against the real daemon on loopback: every
# endpoint once, and every refusal (scope, read-only, bad JSON, a 10 MB
# body, weak keys, a bad selector) with the database unchanged.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

init_tokens
"$ADMIN" key generate other.org s1 >/dev/null
"$ADMIN" user add bob@other.org --selector s1 >/dev/null
start_dns
start_web --nameserver "$NS"

# ---- every endpoint ----
api "$SHOP" GET /api/v1/token
expect 200 "token"
jq -e '.name == "shop" and .domains == ["example.com"]' "$work/body" >/dev/null || fail "token: $(cat "$work/body")"

api "$SHOP" POST /api/v1/keys '{"domain": "Example.COM", "selector": "s2026", "bits": 2048}'
expect 201 "generate"
jq -e '.domain == "example.com" and .bits == 2048 and .dns.name == "s2026._domainkey.example.com"' \
  "$work/body" >/dev/null || fail "generate: $(cat "$work/body")"
jq -e '(.dns.strings | length) == 2 and (.dns.strings | map(length) | max) <= 255' "$work/body" >/dev/null ||
  fail "generate: the value is not split into strings of at most 255 characters"
grep -q 'PRIVATE' "$work/body" && fail "generate: the answer holds a private key"
"$ADMIN" key dns example.com s2026 >"$work/admin.dns"
[[ "$(cut -d'"' -f2 "$work/admin.dns")" == "$(jq -r .dns.value "$work/body")" ]] || fail "generate: record differs from key dns"

api "$SHOP" POST /api/v1/keys '{"domain": "example.com", "selector": "ed", "algorithm": "ed25519"}'
expect 201 "generate ed25519"
jq -e '.type == "ed25519" and (.warnings | length) == 1' "$work/body" >/dev/null || fail "ed25519 warning missing"

openssl genrsa -out "$work/rsa2048.pem" 2048 2>/dev/null
api "$SHOP" POST /api/v1/keys/import "$(jq -n --rawfile p "$work/rsa2048.pem" '{domain: "example.com", selector: "imp", pem: $p}')"
expect 201 "import PEM"
quoted=$(/usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(open(sys.argv[1]).read()))' "$work/rsa2048.pem")
api "$SHOP" POST /api/v1/keys/import "$(jq -n --arg p "$quoted" '{domain: "example.com", selector: "impq", pem: $p, urlencoded: true}')"
expect 201 "import url-quoted PEM"
[[ "$(jq -r .dns.value "$work/body")" == "$("$ADMIN" key dns example.com imp | cut -d'"' -f2)" ]] ||
  fail "url-quoted import: not the same key"
status=$(curl -s -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $SHOP" \
  --data-urlencode domain=example.com --data-urlencode selector=impf --data-urlencode "key@$work/rsa2048.pem" \
  "$BASE/api/v1/keys/import")
expect 201 "import as a form"

api "$SHOP" GET /api/v1/keys
expect 200 "list"
jq -e 'map(.selector) | sort == ["ed", "imp", "impf", "impq", "s2026"]' "$work/body" >/dev/null ||
  fail "list: a domain token sees $(jq -c 'map(.domain + "/" + .selector)' "$work/body")"
api "$ROOT" GET /api/v1/keys
jq -e 'length == 6' "$work/body" >/dev/null || fail "list: the administrator sees $(jq length "$work/body") keys"

api "$SHOP" GET /api/v1/keys/example.com/s2026
expect 200 "get"
api "$SHOP" GET /api/v1/keys/example.com/s2026/dns
expect 200 "dns"
jq -r .zone "$work/body" >"$work/zone.line"
[[ "$(cat "$work/zone.line")" == "$("$ADMIN" key dns example.com s2026 --zone)" ]] || fail "dns: zone line differs from key dns --zone"

api "$SHOP" GET /api/v1/keys/example.com/s2026/check
expect 200 "check (not published)"
jq -e '.matches == false and .status == "no record"' "$work/body" >/dev/null || fail "check unpublished: $(cat "$work/body")"
cat "$work/zone.line" >>"$work/zone"
api "$SHOP" GET /api/v1/keys/example.com/s2026/check
jq -e '.matches == true' "$work/body" >/dev/null || fail "check published: $(cat "$work/body")"

api "$SHOP" POST /api/v1/users '{"user": "alice@example.com", "selector": "s2026"}'
expect 201 "user add"
api "$SHOP" POST /api/v1/users '{"user": "carol@example.com", "selector": "nokey"}'
expect 201 "user add (selector without key)"
jq -e '.warnings == ["domain example.com has no key for selector nokey yet (dkim-filter-admin key generate example.com nokey)"]' \
  "$work/body" >/dev/null || fail "user add: the admin's warning missing: $(cat "$work/body")"
api "$SHOP" GET /api/v1/users
jq -e 'map(.user) | sort == ["alice@example.com", "carol@example.com"]' "$work/body" >/dev/null ||
  fail "users: a domain token sees $(jq -c 'map(.user)' "$work/body")"
api "$SHOP" GET /api/v1/users/alice@example.com
expect 200 "user get"
api "$SHOP" POST /api/v1/users '{"user": "dave", "domain": "example.com", "selector": "s2026"}'
expect 201 "bare login add"
api "$SHOP" PUT /api/v1/users/dave '{"selector": "ed"}'
expect 200 "bare login set"
api "$SHOP" DELETE /api/v1/users/dave
expect 200 "bare login delete"
api "$SHOP" POST /api/v1/users '{"user": "*@example.com", "selector": "s2026"}'
expect 201 "mailbox wildcard add"
api "$SHOP" DELETE /api/v1/users/%2A@example.com
expect 200 "mailbox wildcard delete"
api "$SHOP" PUT /api/v1/users/carol@example.com '{"selector": "s2026,ed"}'
expect 200 "user set"
jq -e '.selectors == ["s2026", "ed"]' "$work/body" >/dev/null || fail "user set: $(cat "$work/body")"
api "$SHOP" PUT /api/v1/users/carol@example.com '{"selector": null}'
expect 200 "user set none"
api "$SHOP" GET "/api/v1/explain?user=alice@example.com&from=Alice%20%3Calice@example.com%3E"
expect 200 "explain"
jq -e '.sign == true and .signatures[0].selector == "s2026"' "$work/body" >/dev/null || fail "explain: $(cat "$work/body")"
api "$SHOP" DELETE /api/v1/users/carol@example.com
expect 200 "user delete"
# The admin's rule (dkim-filter-admin(8) "key delete"): an active key needs force.
refused 409 "key delete: an active key without force" "$SHOP" DELETE /api/v1/keys/example.com/impf
grep -q 'impf._domainkey.example.com is active; rotate or revoke it first' "$work/body" ||
  fail "key delete active: $(cat "$work/body")"
api "$SHOP" DELETE "/api/v1/keys/example.com/impf?force=true"
expect 200 "key delete"
grep -q 'action=key.generate token=shop domain=example.com selector=s2026 status=201' "$work/web.log" ||
  fail "the change log line is missing"
grep -q 'action=user.delete token=shop user=carol@example.com' "$work/web.log" || fail "user delete not logged"

# ---- refusals, each with the database unchanged ----
refused 401 "no token" "" GET /api/v1/keys
refused 401 "wrong token" "dkf_wrong" GET /api/v1/keys
refused 403 "other domain: generate" "$SHOP" POST /api/v1/keys '{"domain": "other.org", "selector": "x"}'
refused 403 "other domain: list" "$SHOP" GET "/api/v1/keys?domain=other.org"
refused 403 "other domain: get" "$SHOP" GET /api/v1/keys/other.org/s1
refused 403 "other domain: delete" "$SHOP" DELETE /api/v1/keys/other.org/s1
refused 403 "other domain: dns" "$SHOP" GET /api/v1/keys/other.org/s1/dns
refused 404 "other domain: user get" "$SHOP" GET /api/v1/users/bob@other.org
refused 404 "other domain: user set" "$SHOP" PUT /api/v1/users/bob@other.org '{"selector": "s2026"}'
refused 404 "other domain: user delete" "$SHOP" DELETE /api/v1/users/bob@other.org
refused 403 "other domain: user add" "$SHOP" POST /api/v1/users '{"user": "eve@other.org", "selector": "s1"}'
refused 403 "domain token: any-domain user" "$SHOP" POST /api/v1/users '{"user": "relay@example.com", "any_domain": true}'
refused 403 "other domain: explain" "$SHOP" GET "/api/v1/explain?user=bob@other.org&from=bob@other.org"
refused 403 "read-only: generate" "$RO" POST /api/v1/keys '{"domain": "example.com", "selector": "ro"}'
refused 403 "read-only: user set" "$RO" PUT /api/v1/users/alice@example.com '{"selector": null}'
refused 403 "read-only: key delete" "$RO" DELETE /api/v1/keys/example.com/s2026
refused 403 "read-only: user add" "$RO" POST /api/v1/users '{"user": "x@example.com"}'
api "$RO" GET /api/v1/keys
expect 200 "read-only: list"
refused 400 "bad JSON" "$SHOP" POST /api/v1/keys '{"domain": "example.com", "selector": '
refused 400 "JSON not an object" "$SHOP" POST /api/v1/keys '["example.com"]'
refused 400 "wrong field type" "$SHOP" POST /api/v1/keys '{"domain": "example.com", "selector": 7}'
refused 400 "bits 512" "$SHOP" POST /api/v1/keys '{"domain": "example.com", "selector": "weak", "bits": 512}'
refused 400 "selector with a space" "$SHOP" POST /api/v1/keys '{"domain": "example.com", "selector": "s 1"}'
refused 400 "user selector with a space" "$SHOP" PUT /api/v1/users/alice@example.com '{"selector": "s 1"}'
refused 409 "existing key" "$SHOP" POST /api/v1/keys '{"domain": "example.com", "selector": "s2026"}'
refused 409 "existing user" "$SHOP" POST /api/v1/users '{"user": "alice@example.com"}'
refused 404 "missing key" "$SHOP" GET /api/v1/keys/example.com/nope
refused 409 "key in use" "$SHOP" DELETE /api/v1/keys/example.com/s2026
grep -q 'is active and in use by alice@example.com' "$work/body" || fail "key in use: $(cat "$work/body")"
"$ADMIN" key delete example.com s2026 2>"$work/admin.err" && fail "the admin deleted a key in use"
[[ "$(cat "$work/admin.err")" == "dkim-filter-admin: $(jq -r .error "$work/body")" ]] ||
  fail "key in use: not the admin's words: $(cat "$work/admin.err") / $(cat "$work/body")"
refused 404 "no such route" "$SHOP" GET /api/v1/nothing
cp "$SRC/tests/vectors/rsa-512.pem" "$work/rsa512.pem"
refused 400 "import 512-bit" "$SHOP" POST /api/v1/keys/import \
  "$(jq -n --rawfile p "$work/rsa512.pem" '{domain: "example.com", selector: "weak", pem: $p}')"
grep -q '^{"error":"key import: ' "$work/body" || fail "512-bit: not the admin's words: $(cat "$work/body")"
refused 400 "import e=1" "$SHOP" POST /api/v1/keys/import \
  "$(jq -n --rawfile p "$SRC/tests/vectors/rsa-e1.pem" '{domain: "example.com", selector: "weak", pem: $p}')"
grep -q 'exponent' "$work/body" || fail "e=1: $(cat "$work/body")"
# The admin refuses the same in the same words.
"$ADMIN" key import example.com weak "$SRC/tests/vectors/rsa-e1.pem" 2>"$work/admin.err" && fail "admin took e=1"
[[ "$(grep -v ': warning: ' "$work/admin.err")" == "dkim-filter-admin: $(jq -r .error "$work/body")" ]] ||
  fail "not the admin's words: $(cat "$work/admin.err") / $(cat "$work/body")"
refused 400 "import garbage" "$SHOP" POST /api/v1/keys/import '{"domain": "example.com", "selector": "g", "pem": "x"}'
before=$(snapshot)
status=$(head -c 10000000 /dev/zero | tr '\0' 'a' | curl -s -o "$work/body" -w '%{http_code}' \
  -H "Authorization: Bearer $SHOP" -H 'Content-Type: application/json' --data-binary @- "$BASE/api/v1/keys")
expect 413 "10 MB body"
[[ $before == "$(snapshot)" ]] || fail "10 MB body: the database changed"
"$ADMIN" token delete shop
refused 401 "deleted token" "$SHOP" GET /api/v1/keys
finish
