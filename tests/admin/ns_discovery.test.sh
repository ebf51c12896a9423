#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# key activate, key check and lifecycle run without --nameserver find the
# zone and its authoritative servers in DNS, as on a real machine: the SOA
# and NS records of the zone and the A records of the name servers, asked
# of the system resolver (/etc/resolv.conf). The test runs in a private
# network and mount namespace (unshare(1)) so that two Knot servers can
# listen on port 53 of 127.0.0.1 and 127.0.0.2, the addresses the zone's
# ns1 and ns2 have, and /etc/resolv.conf can name 127.0.0.1 without
# touching the machine's. Activation is refused while ns2 lacks the new
# record (so ns2 was found), and done once both serve it.
set -euo pipefail
if [[ ${NS_DISCOVERY_INSIDE:-} != 1 ]]; then
  [[ $(id -u) == 0 ]] || { echo "FAIL: needs root (network namespace, port 53)"; exit 1; }
  NS_DISCOVERY_INSIDE=1 exec unshare --net --mount -- "$0" "$@"
fi
ip link set lo up
source "$(dirname "$0")/lib.sh"
printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:1\n' > "$work/resolv.conf"
mount --bind "$work/resolv.conf" /etc/resolv.conf
DNS_STANDARD_PORTS=1
source "$(dirname "$0")/dns_lib.sh"
ZONE=example.test

dns_start "$ZONE"
[[ $DNS_PRIMARY == 127.0.0.1:53 && $DNS_SECONDARY == 127.0.0.2:53 ]] || fail "servers at $DNS_PRIMARY, $DNS_SECONDARY"
conf=$work/dkim-filter.conf
printf 'db = %s\ndns-update = %s\ndns-update-key = %s\ndns-ttl = 300\n' "$DB" "$DNS_PRIMARY" "$DNS_KEY" > "$conf"
chmod 0644 "$conf"
A=("$ADMIN" --config "$conf")

ok init "${A[@]}" init
ok "key generate" "${A[@]}" key generate "$ZONE" s1
ok "key publish" "${A[@]}" key publish "$ZONE" s1
dns_sync "$ZONE" || exit 1
ok "key check through the system resolver" "${A[@]}" key check "$ZONE" s1
expect_in "$work/out" "record matches the stored key" "key check"

ok "key rotate" "${A[@]}" key rotate "$ZONE" s1
new=$(sed -n "s/^rotate: pending key \(.*\)\._domainkey\.$ZONE for slot s1.*/\1/p" "$work/out")
[[ -n $new ]] || fail "rotate printed no pending selector: $(cat "$work/out")"
[[ -n $(dns_txt "$DNS_PRIMARY" "$new._domainkey.$ZONE") ]] || fail "the update did not reach ns1"
[[ -z $(dns_txt "$DNS_SECONDARY" "$new._domainkey.$ZONE") ]] || fail "test setup: ns2 copied the zone on its own"

refused 65 "activate while ns2 lacks the record" "${A[@]}" key activate "$ZONE" "$new"
expect_in "$work/err" "127\.0\.0\.2:53: no record" "the refusal names ns2, found through the NS records"
ok "lifecycle run, ns2 behind" "${A[@]}" lifecycle run
expect_in "$work/out" "waiting: $new._domainkey.$ZONE is not served by every server" "run waits for ns2"

dns_sync "$ZONE" || exit 1
ok "activate once both serve it" "${A[@]}" key activate "$ZONE" "$new"
[[ $(sqlite3 "$DB" "select state from keys where domain='$ZONE' and selector='$new'") == active ]] ||
  fail "$new is not active after activation"

# A zone the resolver knows nothing of: a clear refusal, nothing changed.
ok "key generate, unpublished zone" "$ADMIN" key generate nowhere.test s1
ok "key rotate, unpublished zone" "$ADMIN" key rotate nowhere.test s1
other=$(sed -n "s/^rotate: pending key \(.*\)\._domainkey\.nowhere\.test for slot s1.*/\1/p" "$work/out")
refused 75 "activate in a zone nobody serves" "$ADMIN" key activate nowhere.test "$other"
expect_in "$work/err" "nowhere\.test" "the refusal names the zone"
finish
