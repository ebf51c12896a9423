#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Delegation mode (delegate-zone): the customer publishes two CNAMEs once
# (key dns --cname), the TXT records live in the provider's zone, and each
# rotation alternates the slot between SLOT-a and SLOT-b, published by
# RFC 2136 updates to the provider's zone only. Against two Knot DNS
# servers on loopback (dns_lib.sh); mail is verified by dkimpy following the
# CNAMEs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dns_lib.sh"
FILTER="$DKIM_BUILD/dkim-filter"
VERIFY=$(dirname "$0")/dns_verify.py
C=customer.test
Z=dkim.provider.test

dns_start "$C" "$Z"
P=$DNS_PRIMARY S=$DNS_SECONDARY
NS=(--nameserver "$P" --nameserver "$S")
conf=$work/dkim-filter.conf
printf 'db = %s\ndns-update = %s\ndns-update-key = %s\ndns-ttl = 60\ndelegate-zone = %s\n' \
  "$DB" "$P" "$DNS_KEY" "$Z" > "$conf"
chmod 0644 "$conf"
A=("$ADMIN" --config "$conf")
state_of() { sqlite3 "$DB" "select state from keys where domain='$C' and selector='$1'"; }
sign() {
  printf 'From: Joe <joe@%s>\nTo: bob@example.org\nSubject: delegated %s\n\nBody.\n' "$C" "$1" > "$work/$1.in"
  "$FILTER" --config "$conf" --stdout -f "joe@$C" -u "joe@$C" -- bob@example.org < "$work/$1.in" > "$work/$1.eml" \
    2> "$work/$1.err" || fail "filter on $1: $(cat "$work/$1.err")"
}
verifies() {
  /usr/bin/python3 "$VERIFY" "$work/$1.eml" "$S" > "$work/$1.verify" 2>&1 || true
  grep -q -- "$2" "$work/$1.verify" || fail "$1: expected '$2' from dkimpy, got: $(cat "$work/$1.verify")"
}

ok init "${A[@]}" init
# The first key of slot s1 is already s1-a, its record in the provider's
# zone: the customer's zone only ever holds the two CNAMEs.
ok "first key" "${A[@]}" key generate "$C" s1
expect_in "$work/out" "^s1-a.$C.$Z TXT \"v=DKIM1; k=rsa; p=" "the first key's record is in the provider's zone"
expect_in "$work/out" "^s1-a._domainkey.$C. IN CNAME s1-a.$C.$Z.\$" "generate names the CNAMEs"
[[ $(state_of s1-a) == active && -z $(state_of s1) ]] || fail "first key: s1-a is '$(state_of s1-a)', s1 '$(state_of s1)'"
ok "user" "${A[@]}" user add "joe@$C" --selector s1
ok "key dns --cname" "${A[@]}" key dns "$C" s1 --cname
[[ $(cat "$work/out") == "s1-a._domainkey.$C. IN CNAME s1-a.$C.$Z.
s1-b._domainkey.$C. IN CNAME s1-b.$C.$Z." ]] || fail "key dns --cname printed: $(cat "$work/out")"
# The customer publishes them once (here: by update to its own zone).
{ printf 'server %s %s\nzone %s\n' "${P%:*}" "${P##*:}" "$C"
  sed 's/^\([^ ]*\) IN CNAME \(.*\)$/update add \1 300 CNAME \2/' "$work/out"; printf 'send\n'; } |
  nsupdate -k "$DNS_KEY" || fail "test setup: nsupdate of the CNAMEs"
ok "publish the first key" "${A[@]}" key publish "$C" s1-a
expect_in "$work/out" "published s1-a.$C.$Z by RFC 2136 update" "published in the provider's zone"
[[ $(dig +short -p "${P##*:}" @"${P%:*}" "s1-a._domainkey.$C" CNAME) == "s1-a.$C.$Z." ]] ||
  fail "the customer's name is not a CNAME to the provider's record"
dns_sync "$Z" || exit 1
dns_sync "$C" || exit 1
sign m0
verifies m0 "s=s1-a d=$C: pass"

# Rotation 1: a -> b, in the provider's zone.
ok "rotate to b" "${A[@]}" key rotate "$C" s1
expect_in "$work/out" "pending key s1-b._domainkey.$C" "alternation to b"
expect_in "$work/out" "published s1-b.$C.$Z by RFC 2136 update" "published in the provider's zone"
[[ -n $(dns_txt "$P" "s1-b.$C.$Z") ]] || fail "the provider's zone lacks s1-b's record"
refused 65 "activate before the secondary has it" "${A[@]}" key activate "$C" s1-b "${NS[@]}"
dns_sync "$Z" || exit 1
ok "activate b" "${A[@]}" key activate "$C" s1-b "${NS[@]}"
[[ $(state_of s1-a) == retired ]] || fail "s1-a not retired"
sign m1
verifies m1 "s=s1-b d=$C: pass"
verifies m0 "s=s1-a d=$C: pass"
refused 65 "rotate back to a while it is held" "${A[@]}" key rotate "$C" s1
refused 65 "--to in delegation mode" "${A[@]}" key rotate "$C" s1 --to s9
T0=$(date +%s)
ok "revoke a" "${A[@]}" lifecycle run --now $((T0 + 8 * 86400)) "${NS[@]}"
[[ $(dns_txt "$P" "s1-a.$C.$Z") == "v=DKIM1; k=rsa; p=" ]] || fail "s1-a not revoked in the provider's zone"
dns_sync "$Z" || exit 1
verifies m0 "s=s1-a d=$C: fail: revoked (empty p=)"
ok "delete a" "${A[@]}" lifecycle run --now $((T0 + 40 * 86400)) "${NS[@]}"
[[ -z $(state_of s1-a) ]] || fail "s1-a not deleted"
ok "rotate to a again" "${A[@]}" key rotate "$C" s1
expect_in "$work/out" "pending key s1-a._domainkey.$C" "a is reused in delegation mode"
dns_sync "$Z" || exit 1
ok "check --all" "${A[@]}" key check --all "${NS[@]}"
expect_in "$work/out" "^s1-a.$C.$Z \\(pending\\): ok" "check --all asks the provider's zone"
finish
