#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A key rotation while mail flows through the real Postfix (a private
# instance of the shipped examples/postfix, Dovecot SASL, as postfix.test.sh)
# and the key records live on two Knot DNS servers on loopback
# (tests/admin/dns_lib.sh), changed only by dkim-filter-admin's TSIG-signed
# RFC 2136 updates. Every delivered message is verified by dkimpy against
# the loopback DNS as it is at that moment: before the switch with the old
# key, after it with the new one (and the old mail still), and after the
# revocation the old mail's signature is reported as revoked.
# Needs root and Debian's postfix, dovecot-core, swaks, knot, dnsutils.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix_lib.sh"

e2e_init rotation
for cmd in postfix postconf postqueue swaks dovecot nsupdate; do
  command -v "$cmd" >/dev/null || die "$cmd not installed (scripts/install-deps e2e)"
done
ensure_filter_user
make_db

# The DNS servers, as the admin tests start them; their clean-up joins ours.
work=$E2E_TMP
cleanup_hooks=()
. "$E2E_DIR/../admin/dns_lib.sh"
D=customer-a.example
dns_start "$D"
for h in "${cleanup_hooks[@]}"; do e2e_on_exit "$h"; done
NS=(--nameserver "$DNS_PRIMARY" --nameserver "$DNS_SECONDARY")
conf=$E2E_TMP/dkim-filter.conf
printf 'dns-update = %s\ndns-update-key = %s\ndns-ttl = 60\n' "$DNS_PRIMARY" "$DNS_KEY" > "$conf"
A=(admin --config "$conf")
state_of() { sqlite3 "$E2E_DB" "select state from keys where domain='$D' and selector='$1'"; }

"${A[@]}" key generate "$D" s1 --algorithm ed25519 >/dev/null 2>&1 || die "key generate"
"${A[@]}" key publish "$D" s1 >/dev/null || die "key publish"
admin user add "alice@$D" --selector s1 >/dev/null || die "user add"
fix_db_permissions
dns_sync "$D" || die "secondary sync"

pf_setup
pf_start
dovecot_start "alice@$D"

# mail TAG: submitted by alice through the submission service, delivered.
mail() {
  submit "alice@$D" "alice@$D" "alice@$D" "$1"
  local msg
  msg=$(wait_delivered "$1")
  message_intact "$E2E_TMP/sent-$1.eml" "$msg"
  cp "$msg" "$E2E_TMP/got-$1.eml"
}
# verifies TAG WORDS: dkimpy, keys from the secondary (the server that lags).
verifies() {
  $PY "$E2E_DIR/../admin/dns_verify.py" "$E2E_TMP/got-$1.eml" "$DNS_SECONDARY" > "$E2E_TMP/verify-$1" 2>&1 || true
  grep -q -- "$2" "$E2E_TMP/verify-$1" || die "$1: expected '$2' from dkimpy, got: $(cat "$E2E_TMP/verify-$1")"
}

mail before
verifies before "s=s1 d=$D: pass"

T0=$(date +%s)
out=$("${A[@]}" key rotate "$D" s1) || die "key rotate"
new=$(sed -n "s/^rotate: pending key \(.*\)\._domainkey\.$D for slot s1.*/\1/p" <<<"$out")
[ -n "$new" ] || die "key rotate named no key: $out"
fix_db_permissions
mail pending
verifies pending "s=s1 d=$D: pass"          # a pending key never signs

"${A[@]}" lifecycle run --now $((T0 + 60)) "${NS[@]}" >"$E2E_TMP/run1" || die "lifecycle run 1"
[ "$(state_of "$new")" = pending ] || die "activated while the secondary lacked the record"
dns_sync "$D" || die "secondary sync"
"${A[@]}" lifecycle run --now $((T0 + 120)) "${NS[@]}" >"$E2E_TMP/run2" || die "lifecycle run 2"
"${A[@]}" lifecycle run --now $((T0 + 180)) "${NS[@]}" >"$E2E_TMP/run3" || die "lifecycle run 3"
[ "$(state_of "$new")" = active ] || die "not activated after its TTL: $(cat "$E2E_TMP/run3")"
fix_db_permissions
mail after
verifies after "s=$new d=$D: pass"
verifies before "s=s1 d=$D: pass"            # retired: still published

"${A[@]}" lifecycle run --now $((T0 + 8 * 86400)) "${NS[@]}" >"$E2E_TMP/run4" || die "lifecycle run 4"
[ "$(state_of s1)" = revoked ] || die "s1 not revoked: $(cat "$E2E_TMP/run4")"
dns_sync "$D" || die "secondary sync"
verifies before "s=s1 d=$D: fail: revoked (empty p=)"
verifies after "s=$new d=$D: pass"
fix_db_permissions
mail revoked
verifies revoked "s=$new d=$D: pass"
note "rotation through Postfix: s1 -> $new, every message verified at its time, the old one reported revoked"
echo "PASS [rotation]"
