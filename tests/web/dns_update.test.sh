#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The API's lifecycle steps publish as the admin's do (dkim-filter-web(8),
# dkim-filter-admin(8) "CONFIGURATION"): the daemon reads dns-update and
# dns-update-key from the shared configuration file and sends TSIG-signed
# RFC 2136 updates to a real primary (Knot DNS on loopback, as
# tests/admin/dns_lib.sh runs it). Rotate publishes the pending key;
# activation waits for the secondary (the daemon's nameserver); revoke
# publishes the empty p=; delete removes the record. Each checked with dig.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cleanup_hooks=()  # dns_lib.sh's servers are stopped through pids below
source "$SRC/tests/admin/dns_lib.sh"
ZONE=example.test

dns_start "$ZONE"
pids+=("$DNS_PRIMARY_PID" "$DNS_SECONDARY_PID")
P=$DNS_PRIMARY S=$DNS_SECONDARY
WEB_CONFIG=$work/dkim-filter.conf
cat >"$WEB_CONFIG" <<C
db = $DB
dns-update = $P
dns-update-key = $DNS_KEY
dns-ttl = 300
dns-timeout = 3
C
chmod 0644 "$WEB_CONFIG"
A=("$ADMIN" --config "$WEB_CONFIG")
"${A[@]}" init >/dev/null || { echo "FAIL: init"; exit 1; }
TOKEN=$("${A[@]}" token add shop --domain "$ZONE")
"${A[@]}" key generate "$ZONE" s1 >/dev/null
"${A[@]}" key publish "$ZONE" s1 >/dev/null
"${A[@]}" user add "joe@$ZONE" --selector s1 >/dev/null
dns_sync "$ZONE" || exit 1
start_web --nameserver "$S"

api "$TOKEN" POST "/api/v1/keys/$ZONE/s1/rotate" '{"to": "s2"}'
expect 201 "rotate"
jq -e --arg p "published s2._domainkey.$ZONE by RFC 2136 update to $P" '.steps | index($p) != null' "$work/body" >/dev/null ||
  fail "rotate: not published by update: $(jq -c .steps "$work/body")"
want=$(jq -r .dns.value "$work/body")
[[ $(dns_txt "$P" "s2._domainkey.$ZONE") == "$want" ]] || fail "the primary does not serve s2's record"

# The secondary has not copied the zone yet: the gate holds.
refused 409 "activate while the secondary lacks the record" "$TOKEN" POST "/api/v1/keys/$ZONE/s2/activate" '{}'
grep -q "is not served by every server ($S: " "$work/body" || fail "activate gate: $(cat "$work/body")"
dns_sync "$ZONE" || exit 1
api "$TOKEN" POST "/api/v1/keys/$ZONE/s2/activate" '{}'
expect 200 "activate once the secondary serves it"

api "$TOKEN" POST "/api/v1/keys/$ZONE/s1/revoke" '{}'
expect 200 "revoke the retired key"
[[ $(dns_txt "$P" "s1._domainkey.$ZONE") == "v=DKIM1; k=rsa; p=" ]] ||
  fail "revoke: the primary serves '$(dns_txt "$P" "s1._domainkey.$ZONE")', not the empty p="
api "$TOKEN" DELETE "/api/v1/keys/$ZONE/s1"
expect 200 "delete the revoked key"
jq -e --arg r "removed s1._domainkey.$ZONE by RFC 2136 update to $P" '.steps | index($r) != null' "$work/body" >/dev/null ||
  fail "delete: not removed by update: $(jq -c .steps "$work/body")"
[[ -z $(dns_txt "$P" "s1._domainkey.$ZONE") ]] || fail "delete: the primary still serves s1"
finish
