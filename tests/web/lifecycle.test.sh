#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The key lifecycle through the JSON API (dkim-filter-web(8), as
# dkim-filter-admin(8) "KEY LIFECYCLE"): rotate, activate behind the same DNS
# gate (the daemon's nameserver option, a stub server here), revoke and
# delete with the admin's rule; every refusal with the admin's words, its
# status and the database unchanged; each change logged with the token's name.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

init_tokens
"$ADMIN" key generate example.com s1 >/dev/null
"$ADMIN" key generate other.org o1 >/dev/null
"$ADMIN" user add alice@example.com --selector s1 >/dev/null
start_dns
start_web --nameserver "$NS"

state_of() { "$ADMIN" key list example.com --json | jq -r --arg s "$1" '.[] | select(.selector == $s) | .state'; }
# same_words ADMIN-ARGS...: the admin refuses with the API's last error.
same_words() {
  "$ADMIN" "$@" 2>"$work/admin.err" >/dev/null && fail "the admin took: $*"
  [[ "$(grep -v ': warning: ' "$work/admin.err")" == "dkim-filter-admin: $(jq -r .error "$work/body")" ]] ||
    fail "not the admin's words for $*: $(cat "$work/admin.err") / $(cat "$work/body")"
}

# ---- refusals before any change ----
refused 403 "read-only: rotate" "$RO" POST /api/v1/keys/example.com/s1/rotate '{}'
refused 403 "read-only: activate" "$RO" POST /api/v1/keys/example.com/s1/activate '{}'
refused 403 "read-only: revoke" "$RO" POST /api/v1/keys/example.com/s1/revoke '{}'
refused 403 "other domain: rotate" "$SHOP" POST /api/v1/keys/other.org/o1/rotate '{}'
refused 403 "other domain: activate" "$SHOP" POST /api/v1/keys/other.org/o1/activate '{"force": true}'
refused 403 "other domain: revoke" "$SHOP" POST /api/v1/keys/other.org/o1/revoke '{"force": true}'
refused 401 "no token: rotate" "" POST /api/v1/keys/example.com/s1/rotate '{}'
refused 404 "rotate: no such slot" "$SHOP" POST /api/v1/keys/example.com/nope/rotate '{}'
same_words key rotate example.com nope
refused 404 "activate: no such key" "$SHOP" POST /api/v1/keys/example.com/nope/activate '{}'
same_words key activate example.com nope --nameserver "$NS"
refused 400 "rotate: bad JSON" "$SHOP" POST /api/v1/keys/example.com/s1/rotate '{"to": '
refused 400 "rotate: 512 bits" "$SHOP" POST /api/v1/keys/example.com/s1/rotate '{"bits": 512}'
same_words key rotate example.com s1 --bits 512
refused 400 "rotate: selector with a space" "$SHOP" POST /api/v1/keys/example.com/s1/rotate '{"to": "s 2"}'
refused 400 "activate: force not a boolean" "$SHOP" POST /api/v1/keys/example.com/s1/activate '{"force": "yes"}'
refused 409 "activate: already active" "$SHOP" POST /api/v1/keys/example.com/s1/activate '{}'
same_words key activate example.com s1 --nameserver "$NS"
refused 409 "revoke: the active key" "$SHOP" POST /api/v1/keys/example.com/s1/revoke '{}'
same_words key revoke example.com s1
refused 409 "rotate: a used selector" "$SHOP" POST /api/v1/keys/example.com/s1/rotate '{"to": "s1"}'
same_words key rotate example.com s1 --to s1
refused 409 "delete: the active key" "$SHOP" DELETE /api/v1/keys/example.com/s1
grep -q 'is active and in use by alice@example.com' "$work/body" || fail "delete active: $(cat "$work/body")"
same_words key delete example.com s1

# ---- rotate ----
api "$SHOP" POST /api/v1/keys/example.com/s1/rotate '{"to": "s2", "bits": 2048}'
expect 201 "rotate"
jq -e '.selector == "s2" and .slot == "s1" and .state == "pending" and .bits == 2048 and .activated == null' \
  "$work/body" >/dev/null || fail "rotate: $(cat "$work/body")"
jq -e '.steps[0] == "rotate: pending key s2._domainkey.example.com for slot s1 of example.com"' "$work/body" >/dev/null ||
  fail "rotate: not the admin's step: $(jq -c .steps "$work/body")"
grep -q PRIVATE "$work/body" && fail "rotate: the answer holds a private key"
[[ $(state_of s2) == pending && $(state_of s1) == active ]] || fail "rotate: s2 $(state_of s2), s1 $(state_of s1)"
api "$SHOP" GET /api/v1/keys/example.com/s2/dns
jq -r .zone "$work/body" >"$work/s2.zone"
refused 409 "rotate: a second pending key" "$SHOP" POST /api/v1/keys/example.com/s1/rotate ''
same_words key rotate example.com s1

# ---- activate: the DNS gate ----
refused 409 "activate before DNS serves it" "$SHOP" POST /api/v1/keys/example.com/s2/activate '{}'
grep -q 'is not served by every server' "$work/body" || fail "activate gate: $(cat "$work/body")"
same_words key activate example.com s2 --nameserver "$NS"
cat "$work/s2.zone" >>"$work/zone"
api "$SHOP" POST /api/v1/keys/example.com/s2/activate
expect 200 "activate once served"
jq -e '.state == "active" and (.activated | type) == "string"' "$work/body" >/dev/null || fail "activate: $(cat "$work/body")"
jq -e '.steps == ["retired s1._domainkey.example.com (slot s1)", "activated s2._domainkey.example.com: slot s1 of example.com signs with it"]' \
  "$work/body" >/dev/null || fail "activate: steps $(jq -c .steps "$work/body")"
[[ $(state_of s2) == active && $(state_of s1) == retired ]] || fail "activate: s2 $(state_of s2), s1 $(state_of s1)"
grep -q 'action=key.rotate token=shop domain=example.com slot=s1 selector=s2 status=201' "$work/web.log" ||
  fail "rotate not logged with the token's name"
grep -q 'action=key.activate token=shop domain=example.com selector=s2 force=no status=200' "$work/web.log" ||
  fail "activate not logged with the token's name"

# ---- revoke, delete ----
refused 409 "delete: a retired key" "$SHOP" DELETE /api/v1/keys/example.com/s1
same_words key delete example.com s1
api "$SHOP" POST /api/v1/keys/example.com/s1/revoke '{}'
expect 200 "revoke the retired key"
jq -e '.state == "revoked" and (.revoked | type) == "string"' "$work/body" >/dev/null || fail "revoke: $(cat "$work/body")"
refused 409 "activate a revoked key" "$SHOP" POST /api/v1/keys/example.com/s1/activate '{"force": true}'
same_words key activate example.com s1 --force
refused 409 "revoke twice" "$SHOP" POST /api/v1/keys/example.com/s1/revoke '{}'
api "$SHOP" DELETE /api/v1/keys/example.com/s1
expect 200 "delete the revoked key"
api "$ROOT" POST /api/v1/keys/other.org/o1/revoke '{"force": true}'
expect 200 "administrator: revoke an active key with force"
api "$SHOP" DELETE "/api/v1/keys/example.com/s2?force=true"
expect 200 "delete the active key with force"
jq -e '.warnings == ["user alice@example.com still lists selector s1, which has no active key now"]' "$work/body" >/dev/null ||
  fail "delete --force: the admin's warning missing: $(cat "$work/body")"
[[ -z $(state_of s2) ]] || fail "delete --force: s2 still stored"
grep -q 'action=key.revoke token=root domain=other.org selector=o1 force=yes status=200' "$work/web.log" ||
  fail "revoke not logged with the token's name"

# ---- the DKIM page's Rotate and Activate forms: the session's CSRF token ----
"$ADMIN" key generate example.com p1 >/dev/null
curl -s -D "$work/h1" -o "$work/login.html" "$BASE/login"
pre=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$work/login.html")
curl -s -D "$work/h2" -o /dev/null -H "Cookie: dkim_login=$pre" --data-urlencode "csrf=$pre" \
  --data-urlencode "token=$SHOP" "$BASE/login"
cookie=$(sed -n 's/^Set-Cookie: \(dkim_session=[^;]*\);.*/\1/Ip' "$work/h2" | head -1)
[[ -n $cookie ]] || fail "no session: $(cat "$work/h2")"
curl -s -H "Cookie: $cookie" -o "$work/dkim.html" "$BASE/dkim?domain=example.com"
csrf=$(grep -o 'name="csrf" value="[^"]*"' "$work/dkim.html" | head -1 | cut -d'"' -f4)
grep -q 'id="rotate-p1"' "$work/dkim.html" || fail "no Rotate form for the active key p1"
form() {  # form PATH FIELDS: the status in $status
  status=$(curl -s -o "$work/body" -w '%{http_code}' -H "Cookie: $cookie" --data "$2" "$BASE$1")
}
before=$(snapshot)
form /dkim/rotate "csrf=wrong&domain=example.com&slot=p1"
[[ $status == 403 ]] || fail "rotate form with a wrong CSRF token: status $status"
form /dkim/rotate "domain=example.com&slot=p1"
[[ $status == 403 ]] || fail "rotate form without a CSRF token: status $status"
[[ $before == "$(snapshot)" ]] || fail "a refused form changed the database"
form /dkim/rotate "csrf=$csrf&domain=example.com&slot=p1"
[[ $status == 200 ]] || fail "rotate form: status $status"
new=$("$ADMIN" key list example.com --json | jq -r '.[] | select(.slot == "p1" and .state == "pending") | .selector')
[[ $new == p1-* ]] || fail "rotate form: no pending key for p1 ($new)"
grep -q "id=\"activate-$new\"" "$work/body" || fail "no Activate form for the pending key $new"
grep -q "<tr id=\"key-$new\">.*<td class=\"state\">pending</td>" "$work/body" || fail "the page does not show $new pending"
before=$(snapshot)
form /dkim/activate "csrf=wrong&domain=example.com&selector=$new"
[[ $status == 403 ]] || fail "activate form with a wrong CSRF token: status $status"
form /dkim/activate "csrf=$csrf&domain=example.com&selector=$new"
grep -q 'is not served by every server' "$work/body" || fail "activate form: the DNS gate's refusal not shown"
[[ $before == "$(snapshot)" ]] || fail "a refused activation changed the database"
finish
