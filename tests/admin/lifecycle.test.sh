#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A whole key rotation against two real authoritative servers on loopback
# (Knot DNS: a primary taking TSIG-signed RFC 2136 updates, a secondary
# that copies the zone only when told, see dns_lib.sh), with lifecycle run
# --now stepping through the weeks: rotate; activation refused while the
# secondary lacks the record; activation once both served it for its TTL;
# retirement; revocation (empty p=); deletion. Every DNS change is made by
# the admin's updates and checked by asking both servers with dig; mail
# signed before and after the switch is verified by dkimpy against the
# loopback DNS. A wrong TSIG key is refused and changes nothing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dns_lib.sh"
FILTER="$DKIM_BUILD/dkim-filter"
VERIFY=$(dirname "$0")/dns_verify.py
ZONE=example.test

dns_start "$ZONE"
P=$DNS_PRIMARY S=$DNS_SECONDARY
NS=(--nameserver "$P" --nameserver "$S")
conf=$work/dkim-filter.conf
write_conf() {  # KEYFILE: the shared file, with a filter option the admin must ignore
  cat > "$conf" <<C
db = $DB
log = stderr
dns-update = $P
dns-update-key = $1
dns-ttl = 300
C
  chmod 0644 "$conf"
}
write_conf "$DNS_KEY"
A=("$ADMIN" --config "$conf")

# served SERVER NAME: the value SERVER serves (strings joined), "" if none.
served() { dns_txt "$1" "$2"; }
state_of() { sqlite3 "$DB" "select state from keys where domain='$ZONE' and selector='$1'"; }

# sign FILE: a message from joe through the database, as the MTA runs it.
sign() {
  printf 'From: Joe <joe@%s>\nTo: bob@example.org\nSubject: rotation %s\nDate: Tue, 01 Dec 2026 10:00:00 +0000\n\nBody %s.\n' \
    "$ZONE" "$1" "$1" > "$work/$1.in"
  "$FILTER" --config "$conf" --stdout -f "joe@$ZONE" -u "joe@$ZONE" -- bob@example.org \
    < "$work/$1.in" > "$work/$1.eml" 2> "$work/$1.err" || fail "filter on $1: $(cat "$work/$1.err")"
}
# verifies FILE WORDS: dkimpy, asking the secondary (the server that lags).
verifies() {
  local rc=0
  /usr/bin/python3 "$VERIFY" "$work/$1.eml" "$S" > "$work/$1.verify" 2>&1 || rc=$?
  grep -q -- "$2" "$work/$1.verify" || fail "$1: expected '$2' from dkimpy, got: $(cat "$work/$1.verify")"
}

# ---- the starting point: one key, published by update --------------------
ok init "${A[@]}" init
ok "key generate" "${A[@]}" key generate "$ZONE" s1
ok "user add" "${A[@]}" user add "joe@$ZONE" --selector s1
ok "key publish" "${A[@]}" key publish "$ZONE" s1
expect_in "$work/out" "published s1._domainkey.$ZONE by RFC 2136 update to $P" "key publish"
want_s1=$("${A[@]}" key dns "$ZONE" s1 | sed 's/^[^"]*"//; s/"$//')
[[ $(served "$P" "s1._domainkey.$ZONE") == "$want_s1" ]] || fail "primary does not serve s1's record"
dns_sync "$ZONE" || exit 1
[[ $(served "$S" "s1._domainkey.$ZONE") == "$want_s1" ]] || fail "secondary does not serve s1's record"
sign m1
verifies m1 "s=s1 d=$ZONE: pass"

# ---- rotate: a pending key, published on the primary only ----------------
T0=$(date +%s)
ok "key rotate" "${A[@]}" key rotate "$ZONE" s1
new=$(sed -n "s/^rotate: pending key \(.*\)\._domainkey\.$ZONE for slot s1.*/\1/p" "$work/out")
[[ $new == s1-$(date -u -d "@$T0" +%Y%m%d) ]] || fail "rotate: selector '$new', expected s1-YYYYMMDD"
[[ $(state_of "$new") == pending ]] || fail "rotate: $new is $(state_of "$new"), not pending"
want_new=$("${A[@]}" key dns "$ZONE" "$new" | sed 's/^[^"]*"//; s/"$//')
[[ $(served "$P" "$new._domainkey.$ZONE") == "$want_new" ]] || fail "primary does not serve the pending record"
[[ -z $(served "$S" "$new._domainkey.$ZONE") ]] || fail "test setup: the secondary copied the zone on its own"
refused 65 "second pending key" "${A[@]}" key rotate "$ZONE" s1
refused 65 "reused selector" "${A[@]}" key rotate "$ZONE" s1 --to s1
sign m2
verifies m2 "s=s1 d=$ZONE: pass"                  # a pending key never signs

# ---- activation waits for every server ----------------------------------
refused 65 "activate while the secondary lacks it" "${A[@]}" key activate "$ZONE" "$new" "${NS[@]}"
expect_in "$work/err" "$S: no record" "activation refusal names the server"
ok "run, secondary behind" "${A[@]}" lifecycle run --now $((T0 + 3600)) "${NS[@]}"
expect_in "$work/out" "waiting: $new._domainkey.$ZONE is not served by every server" "run waits"
[[ $(state_of "$new") == pending ]] || fail "run activated a key the secondary lacks"
dns_sync "$ZONE" || exit 1
[[ $(served "$S" "$new._domainkey.$ZONE") == "$want_new" ]] || fail "secondary does not serve the pending record"
ok "run, both serve it" "${A[@]}" lifecycle run --now $((T0 + 7200)) "${NS[@]}"
expect_in "$work/out" "served: $new._domainkey.$ZONE by every server; activation after its TTL \(300 s\)" "first seen"
[[ $(state_of "$new") == pending ]] || fail "activated before the TTL passed"
ok "run, within the TTL" "${A[@]}" lifecycle run --now $((T0 + 7200 + 299)) "${NS[@]}"
[[ $(state_of "$new") == pending ]] || fail "activated 299 s into a 300 s TTL"
ok "run, TTL passed" "${A[@]}" lifecycle run --now $((T0 + 7200 + 300)) "${NS[@]}"
expect_in "$work/out" "activated $new._domainkey.$ZONE" "activation"
expect_in "$work/out" "retired s1._domainkey.$ZONE" "retirement"
[[ $(state_of "$new") == active && $(state_of s1) == retired ]] || fail "states after activation: $(state_of "$new")/$(state_of s1)"
ok "run again, same time" "${A[@]}" lifecycle run --now $((T0 + 7200 + 300)) "${NS[@]}"
grep -Eq 'activated|retired|revoked|deleted|published' "$work/out" && fail "a second run repeated a step: $(cat "$work/out")"
ok "explain" "$ADMIN" explain --user "joe@$ZONE" --from "joe@$ZONE"
expect_in "$work/out" "signature: d=$ZONE s=$new .*\(slot s1\)" "explain names the slot and the active selector"
sign m3
verifies m3 "s=$new d=$ZONE: pass"
verifies m1 "s=s1 d=$ZONE: pass"                  # retired: still published
ok "key list --json" "${A[@]}" key list --json
/usr/bin/python3 - "$work/out" "$new" <<'PY' || fail "key list --json lacks the lifecycle"
import json, sys
keys = {k["selector"]: k for k in json.load(open(sys.argv[1]))}
assert keys["s1"]["slot"] == "s1" and keys["s1"]["state"] == "retired" and keys["s1"]["retired"], keys["s1"]
assert keys[sys.argv[2]]["slot"] == "s1" and keys[sys.argv[2]]["state"] == "active", keys[sys.argv[2]]
PY

# ---- retirement, revocation, deletion ------------------------------------
refused 65 "delete a retired key" "${A[@]}" key delete "$ZONE" s1
refused 65 "delete the active key" "${A[@]}" key delete "$ZONE" "$new"
ok "run, retired 6 days" "${A[@]}" lifecycle run --now $((T0 + 6 * 86400)) "${NS[@]}"
[[ $(state_of s1) == retired ]] || fail "revoked before retire-after (7 days)"
ok "run, retired 8 days" "${A[@]}" lifecycle run --now $((T0 + 8 * 86400)) "${NS[@]}"
expect_in "$work/out" "revoked s1._domainkey.$ZONE" "revocation"
[[ $(state_of s1) == revoked ]] || fail "s1 not revoked after 8 days"
[[ $(served "$P" "s1._domainkey.$ZONE") == "v=DKIM1; k=rsa; p=" ]] || fail "primary: revoked record is '$(served "$P" "s1._domainkey.$ZONE")'"
dns_sync "$ZONE" || exit 1
[[ $(served "$S" "s1._domainkey.$ZONE") == "v=DKIM1; k=rsa; p=" ]] || fail "secondary: no revoked record"
verifies m1 "s=s1 d=$ZONE: fail: revoked (empty p=)"
verifies m3 "s=$new d=$ZONE: pass"
ok "run, revoked 29 days" "${A[@]}" lifecycle run --now $((T0 + 37 * 86400)) "${NS[@]}"
[[ $(state_of s1) == revoked ]] || fail "deleted before delete-after (30 days)"
ok "run, revoked 31 days" "${A[@]}" lifecycle run --now $((T0 + 39 * 86400)) "${NS[@]}"
expect_in "$work/out" "deleted s1._domainkey.$ZONE" "deletion"
[[ -z $(state_of s1) ]] || fail "s1 still in the database"
[[ -z $(served "$P" "s1._domainkey.$ZONE") ]] || fail "primary still serves s1"
dns_sync "$ZONE" || exit 1
[[ -z $(served "$S" "s1._domainkey.$ZONE") ]] || fail "secondary still serves s1"
refused 65 "a deleted selector is never reused" "${A[@]}" key rotate "$ZONE" s1 --to s1

# ---- key check --all: drift of a deleted and a changed record -------------
ok "second slot" "${A[@]}" key generate "$ZONE" s2 --algorithm ed25519
ok "publish s2" "${A[@]}" key publish "$ZONE" s2
dns_sync "$ZONE" || exit 1
ok "check --all, no drift" "${A[@]}" key check --all --metrics "$work/dkim.prom" "${NS[@]}"
expect_in "$work/out" "^$new._domainkey.$ZONE \(active\): ok" "check --all: the active key"
expect_in "$work/out" "^s2._domainkey.$ZONE \(active\): ok" "check --all: s2"
# Behind the admin's back, as a customer would: delete one record, change
# the other to another key's.
strings=$(printf '%s' "$want_s1" | fold -w 255 | sed 's/.*/"&"/' | tr '\n' ' ')  # RFC 1035: 255 octets each
printf 'server %s %s\nzone %s\nupdate delete %s TXT\nsend\nupdate delete %s TXT\nupdate add %s 300 TXT %s\nsend\n' \
  "${P%:*}" "${P##*:}" "$ZONE" "$new._domainkey.$ZONE" "s2._domainkey.$ZONE" "s2._domainkey.$ZONE" "$strings" |
  nsupdate -k "$DNS_KEY" || fail "test setup: nsupdate"
dns_sync "$ZONE" || exit 1
rc=0
"${A[@]}" key check --all --metrics "$work/dkim.prom" "${NS[@]}" > "$work/out" 2> "$work/err" || rc=$?
((rc == 1)) || fail "check --all with drift: exit $rc, expected 1: $(cat "$work/out" "$work/err")"
expect_in "$work/out" "^$new._domainkey.$ZONE \(active\): DRIFT: $P: no record; $S: no record" "deleted record"
expect_in "$work/out" "^s2._domainkey.$ZONE \(active\): DRIFT: .*k=rsa" "changed record"
/usr/bin/python3 "$(dirname "$0")/prom_textfile.py" "$work/dkim.prom" > "$work/samples" ||
  fail "metrics file: $(cat "$work/samples")"
expect_in "$work/samples" "^dkim_filter_key_dns_ok\{domain=$ZONE,selector=$new,slot=s1\} 0$" "metrics: drift of $new"
expect_in "$work/samples" "^dkim_filter_key_dns_ok\{domain=$ZONE,selector=s2,slot=s2\} 0$" "metrics: drift of s2"
expect_in "$work/samples" "^dkim_filter_key_state\{domain=$ZONE,selector=$new,slot=s1,state=active\} 1$" "metrics: state"
expect_in "$work/samples" "^dkim_filter_key_state\{domain=$ZONE,selector=$new,slot=s1,state=retired\} 0$" "metrics: other states"
expect_in "$work/samples" "^dkim_filter_key_age_seconds\{domain=$ZONE,selector=s2,slot=s2\} [0-9]" "metrics: age"
ok "publish again" "${A[@]}" key publish "$ZONE" "$new"
ok "publish s2 again" "${A[@]}" key publish "$ZONE" s2
dns_sync "$ZONE" || exit 1
ok "check --all, repaired" "${A[@]}" key check --all "${NS[@]}"

# ---- a wrong TSIG key is refused; nothing changes anywhere ----------------
serial=$(dns_serial "$P" "$ZONE")
write_conf "$DNS_BAD_KEY"
refused 75 "rotate with a wrong TSIG key" "${A[@]}" key rotate "$ZONE" s1 --to s1-wrongkey
expect_in "$work/err" "refused: NOTAUTH" "wrong key: the server's answer"
[[ $(dns_serial "$P" "$ZONE") == "$serial" ]] || fail "the zone changed under a wrong TSIG key"
[[ -z $(served "$P" "s1-wrongkey._domainkey.$ZONE") ]] || fail "a wrong TSIG key published a record"
refused 75 "revoke with a wrong TSIG key" "${A[@]}" key revoke "$ZONE" "$new" --force
[[ $(state_of "$new") == active ]] || fail "a refused revocation changed the state"
# rotate-every: a slot whose active key is older starts its next rotation,
# once (a second run finds the pending key and leaves it).
# Per domain: DOMAIN=DURATION wins over the plain duration, "off" opts out.
write_conf "$DNS_KEY"
printf 'rotate-every = 30d, %s=off\n' "$ZONE" >> "$conf"
ok "run, rotate-every off for the domain" "${A[@]}" lifecycle run --now $((T0 + 100 * 86400)) "${NS[@]}"
grep -q '^rotate:' "$work/out" && fail "rotated a domain set to off: $(cat "$work/out")"
write_conf "$DNS_KEY"
printf 'rotate-every = other.test=1d %s=200d\n' "${ZONE^^}" >> "$conf"
ok "run, the domain's own period" "${A[@]}" lifecycle run --now $((T0 + 100 * 86400)) "${NS[@]}"
grep -q '^rotate:' "$work/out" && fail "rotated before the domain's 200d: $(cat "$work/out")"
write_conf "$DNS_KEY"
printf 'rotate-every = 30d, example..test=1d\n' >> "$conf"
refused 78 "rotate-every with a bad domain" "${A[@]}" lifecycle run --now $((T0 + 100 * 86400)) "${NS[@]}"
expect_in "$work/err" "rotate-every: 'example..test=1d'" "the bad entry is named"
write_conf "$DNS_KEY"
printf 'rotate-every = 30d\n' >> "$conf"
ok "run, rotate-every" "${A[@]}" lifecycle run --now $((T0 + 20 * 86400)) "${NS[@]}"
grep -q '^rotate:' "$work/out" && fail "rotated a key younger than rotate-every: $(cat "$work/out")"
ok "run, rotate-every due" "${A[@]}" lifecycle run --now $((T0 + 100 * 86400)) "${NS[@]}"
expect_in "$work/out" "^rotate: pending key s1-[0-9]{8}._domainkey.$ZONE for slot s1" "rotate-every rotates s1"
expect_in "$work/out" "^rotate: pending key s2-[0-9]{8}._domainkey.$ZONE for slot s2" "rotate-every rotates s2"
ok "run, rotate-every again" "${A[@]}" lifecycle run --now $((T0 + 100 * 86400)) "${NS[@]}"
grep -q '^rotate:' "$work/out" && fail "a second run rotated again: $(cat "$work/out")"
[[ $(sqlite3 "$DB" "select count(*) from keys where state='pending'") == 2 ]] || fail "rotate-every: not two pending keys"
# No update without TSIG: dns-update without a key is a configuration error.
write_conf "$DNS_KEY"
sed -i '/^dns-update-key/d' "$conf"
refused 78 "dns-update without dns-update-key" "${A[@]}" key publish "$ZONE" "$new"
# Every option of the filter's file is accepted (and ignored) here.
"$DKIM_BUILD/dkim-filter" --help | sed -n '/^Options (also valid in the config file)/,/^$/p' |
  sed -n 's/^  --\([a-z-]*\).*/\1 = 1/p' > "$work/filter.conf"
[[ $(wc -l < "$work/filter.conf") -ge 5 ]] || fail "test setup: no config options in dkim-filter --help"
sed -i "s|^db = 1|db = $DB|" "$work/filter.conf"
chmod 0644 "$work/filter.conf"
# (cluster = 1 among them: --db keeps the command on the local file, as
# cluster mode would otherwise connect to that "URL".)
ok "the filter's options in the shared file" "$ADMIN" --config "$work/filter.conf" --db "$DB" key list
printf 'bogus-option = 1\n' >> "$conf"
refused 78 "unknown option in the file" "${A[@]}" key list
finish
