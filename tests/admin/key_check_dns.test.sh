#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `key check` against a real DNS server: nsd (Debian package nsd) started
# on loopback serving a test zone with a matching record, a split 2048-bit
# record, a record too big for UDP (TCP fallback), a stale one, a malformed
# one, a name without TXT, a missing one, a second different DKIM record
# beside the matching one, s= without email, control characters in the
# record; then REFUSED and no server at all.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
NSD=$(command -v nsd || echo /usr/sbin/nsd)
[[ -x $NSD ]] || { echo "FAIL: nsd not installed (Debian package nsd)"; exit 1; }

ok init "$ADMIN" init
zone="$work/example.test.zone"
cat > "$zone" <<'Z'
$ORIGIN example.test.
$TTL 300
@ IN SOA ns.example.test. admin.example.test. 1 3600 600 86400 300
@ IN NS ns.example.test.
ns IN A 127.0.0.1
nodata._domainkey IN A 127.0.0.1
malformed._domainkey IN TXT "v=DKIM1; k=rsa; p=this-is-not-base64!"
Z
publish() {  # SELECTOR: append the record `key dns --zone` prints
  "$ADMIN" key dns example.test "$1" --zone >> "$zone" || fail "key dns --zone $1"
}
ok "key split2048" "$ADMIN" key generate example.test split2048
publish split2048
grep -q '^split2048\._domainkey\.example\.test\. IN TXT "[^"]*" "[^"]*"$' "$zone" || fail "2048-bit record not split in two strings"
ok "key ed" "$ADMIN" key generate example.test ed --algorithm ed25519
publish ed
ok "key big" "$ADMIN" key generate example.test big --bits 4096
publish big
ok "key stale" "$ADMIN" key generate example.test stale
publish stale
ok "rotate stale" "$ADMIN" key delete example.test stale --force
ok "key stale again" "$ADMIN" key generate example.test stale   # DNS still has the old key
for s in malformed nodata missing; do ok "key $s" "$ADMIN" key generate example.test "$s" --algorithm ed25519; done
ok "key for a foreign zone" "$ADMIN" key generate example.invalid s --algorithm ed25519
# Beside the matching record, a second DKIM record with another key (RFC
# 6376 §3.6.2.2: which one a verifier uses is undefined).
ok "key amb" "$ADMIN" key generate example.test amb --algorithm ed25519
publish amb
ok "key amb-other" "$ADMIN" key generate example.test amb-other --algorithm ed25519
"$ADMIN" key dns example.test amb-other --zone | sed 's/^amb-other\./amb./' >> "$zone"
# The matching key, published for another service only (§3.6.1 s=).
ok "key noemail" "$ADMIN" key generate example.test noemail --algorithm ed25519
"$ADMIN" key dns example.test noemail --zone | sed 's/"v=DKIM1; /"v=DKIM1; s=other; /' >> "$zone"
grep -q '^noemail\..* "v=DKIM1; s=other; k=ed25519; p=' "$zone" || fail "test setup: noemail record"
# Control characters from DNS (zone-file \DDD escapes, decimal: ESC, BEL, CR,
# LF, DEL, an 8-bit byte).
ok "key ctl" "$ADMIN" key generate example.test ctl --algorithm ed25519
echo 'ctl._domainkey IN TXT "v=DKIM1; k=\027[2J\007\013\010x\127\200; p=abc"' >> "$zone"

# A free loopback port: nothing answers there yet.
port=""
for _ in $(seq 1 20); do
  p=$((20000 + RANDOM % 40000))
  if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then port=$p; break; fi
done
[[ -n $port ]] || { echo "FAIL: no free port"; exit 1; }
cat > "$work/nsd.conf" <<C
server:
  ip-address: 127.0.0.1
  port: $port
  username: ""
  chroot: ""
  zonesdir: "$work"
  database: ""
  pidfile: "$work/nsd.pid"
  xfrdfile: "$work/xfrd.state"
  zonelistfile: "$work/zone.list"
  logfile: "$work/nsd.log"
  server-count: 1
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: example.test
  zonefile: "example.test.zone"
C
nsd-checkconf "$work/nsd.conf" || { echo "FAIL: nsd.conf rejected"; exit 1; }
"$NSD" -d -c "$work/nsd.conf" > "$work/nsd.out" 2>&1 &
nsd_pid=$!
cleanup_hooks+=("kill $nsd_pid 2>/dev/null; wait $nsd_pid 2>/dev/null")
# Bounded wait (10 s) for nsd to serve the zone.
up=0
for _ in $(seq 1 100); do
  if dig +short +time=1 +tries=1 -p "$port" @127.0.0.1 ns.example.test A 2>/dev/null | grep -q 127.0.0.1; then up=1; break; fi
  kill -0 "$nsd_pid" 2>/dev/null || break
  sleep 0.1
done
((up)) || { echo "FAIL: nsd did not start: $(cat "$work/nsd.out" "$work/nsd.log" 2>/dev/null | tail -5)"; exit 1; }

check() {  # EXPECTED_EXIT SELECTOR WORDS [DOMAIN] [SERVER]
  local want=$1 sel=$2 words=$3 domain=${4:-example.test} server=${5:-127.0.0.1:$port}
  local rc=0
  "$ADMIN" key check "$domain" "$sel" --nameserver "$server" --timeout 2 > "$work/out" 2> "$work/err" || rc=$?
  [[ $rc == "$want" ]] || fail "key check $sel: exit $rc, expected $want: $(cat "$work/out" "$work/err")"
  grep -q "$words" "$work/out" || fail "key check $sel: '$words' not in: $(cat "$work/out")"
}
check 0 split2048 "matches"
check 0 ed "matches"
dig +noedns +ignore +notcp +time=2 +tries=1 -p "$port" @127.0.0.1 big._domainkey.example.test TXT |
  grep -q 'flags:.* tc' || fail "test setup: the 4096-bit record is not truncated over UDP"
check 0 big "matches"           # > 512 bytes: truncated over UDP, answered over TCP
check 1 stale "different key"
check 3 malformed "malformed"
check 2 nodata "no record"
check 2 missing "no record"
check 4 s "DNS error" example.invalid              # not nsd's zone: REFUSED
check 1 amb "ambiguous: 2 different DKIM records"
grep -q 'matches' "$work/out" && fail "key check amb: says matches: $(cat "$work/out")"
check 1 noemail "not for email: .*s=other"
check 3 ctl 'malformed record: unknown key type k=\\x1b\[2J\\x07\\x0d\\x0ax\\x7f\\xc8$'
LC_ALL=C grep -q '[^[:print:]]' "$work/out" && fail "key check ctl: raw control characters: $(od -c "$work/out" | head -3)"
[[ $(wc -l < "$work/out") == 1 ]] || fail "key check ctl: output is not one line"
kill "$nsd_pid"; wait "$nsd_pid" 2>/dev/null || true
start=$SECONDS
check 4 ed "DNS error"                             # nobody listens any more
((SECONDS - start <= 5)) || fail "key check did not respect --timeout"
refused 65 "key check without a stored key" "$ADMIN" key check example.test nosuch --nameserver 127.0.0.1:$port
refused 64 "key check bad nameserver" "$ADMIN" key check example.test ed --nameserver ns.example.test
refused 64 "key check bad port" "$ADMIN" key check example.test ed --nameserver 127.0.0.1:99999
finish
