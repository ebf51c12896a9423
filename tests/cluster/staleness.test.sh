#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# max-staleness: a replica confirmed current within the bound signs; one
# confirmed longer ago defers (75) or, with --on-error pass, goes out
# unsigned; a single-node database (no sync record) is never stale. Then a
# node cut off from PostgreSQL (its connection runs through a proxy that
# the test stops) keeps signing, defers once the bound has passed, and
# catches up and signs again when the proxy is back.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

P1=$(free_port)
pg_init pg1 && pg_start pg1 "$P1"
psql -X -q -h 127.0.0.1 -p "$P1" -U postgres -d postgres -c "CREATE DATABASE dkim" || fail "createdb"
URL="postgresql://postgres@127.0.0.1:$P1/dkim"
KEY=$work/cluster.key
single=$work/single/dkim.db
"$ADMIN" --db "$single" init >/dev/null && "$ADMIN" --db "$single" key generate example.com s1 >/dev/null &&
  "$ADMIN" --db "$single" user add alice@example.com --selector s1 >/dev/null || fail "single-node setup"
"$ADMIN" --cluster "$URL" --cluster-key "$KEY" cluster init >/dev/null || fail "cluster init"
"$ADMIN" --cluster "$URL" --cluster-key "$KEY" --db "$single" cluster import >/dev/null || fail "import"

replica=$work/node/dkim.db
mkdir -p "$work/node"
"$SYNC" --foreground --once --cluster "$URL" --cluster-key "$KEY" --db "$replica" 2>"$work/sync.log" || fail "sync --once: $(cat "$work/sync.log")"
now=$(date +%s)
filter_rc() { # filter_rc DB [options...]: exit status of one message
  local db=$1; shift
  printf '%s' "$MESSAGE" | "$FILTER" --stdout --log stderr --db "$db" -f alice@example.com -u alice@example.com "$@" -- bob@example.net \
    >"$work/out" 2>"$work/err"
}
filter_rc "$replica" --max-staleness 3600 || fail "fresh replica: exit $?: $(cat "$work/err")"
grep -q '^DKIM-Signature:' "$work/out" || fail "fresh replica did not sign"
sqlite3 "$replica" "UPDATE cluster_sync SET confirmed = $((now - 7200))" || fail "age replica"
filter_rc "$replica"
rc=$?
[[ $rc == 75 ]] || fail "replica confirmed 2 h ago (default max-staleness 3600): exit $rc"
grep -q 'last confirmed current [0-9]* s ago, more than max-staleness 3600' "$work/err" || fail "staleness message: $(cat "$work/err")"
filter_rc "$replica" --max-staleness 10000 || fail "--max-staleness 10000 on a 2 h old replica: exit $?"
grep -q '^DKIM-Signature:' "$work/out" || fail "within --max-staleness: not signed"
filter_rc "$replica" --on-error pass || fail "--on-error pass on a stale replica: exit $?"
grep -q '^DKIM-Signature:' "$work/out" && fail "stale replica signed with --on-error pass"
cmp -s "$work/out" <(printf '%s' "$MESSAGE") || fail "stale replica with --on-error pass altered the message"
# The configuration file sets it too.
printf 'max-staleness = 10000\ncluster = %s\ncluster-key = %s\n' "$URL" "$KEY" >"$work/dkim-filter.conf"
filter_rc "$replica" --config "$work/dkim-filter.conf" || fail "max-staleness in the config file: exit $?: $(cat "$work/err")"
# A single-node database is never stale, whatever the bound.
filter_rc "$single" --max-staleness 1 || fail "single-node database with --max-staleness 1: exit $?: $(cat "$work/err")"
filter_rc "$replica" --max-staleness 0
[[ $? == 64 ]] || fail "--max-staleness 0 accepted"

# ---- a node cut off: a proxy between it and PostgreSQL ----
PX=$(free_port)
start_proxy() {
  python3 - "$PX" "$P1" <<'PY' &
import socket, sys, threading
lp, tp = int(sys.argv[1]), int(sys.argv[2])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", lp)); srv.listen(16)
def pipe(a, b):
    try:
        while (d := a.recv(65536)):
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
while True:
    c, _ = srv.accept()
    u = socket.create_connection(("127.0.0.1", tp))
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
PY
  proxy=$!
  pids+=("$proxy")
  until_true 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PX" || fail "proxy did not start"
}
start_proxy
"$SYNC" --foreground --cluster "postgresql://postgres@127.0.0.1:$PX/dkim?connect_timeout=2" --cluster-key "$KEY" \
  --db "$replica" --poll-interval 200 2>>"$work/sync.log" &
pids+=($!)
until_true 30 filter_rc "$replica" --max-staleness 3 || fail "node not confirmed current through the proxy"
kill "$proxy"; wait "$proxy" 2>/dev/null
filter_rc "$replica" --max-staleness 3600 || fail "cut-off node stopped signing within max-staleness"
psql_at "$P1" "DELETE FROM users WHERE name = 'alice@example.com'" || fail "delete user while cut off"
filter_rc "$replica" --max-staleness 3600 && grep -q '^DKIM-Signature:' "$work/out" || fail "cut-off node: not signing from what it has"
stale_now() { filter_rc "$replica" --max-staleness 2; [[ $? == 75 ]]; }
until_true 30 stale_now ||
  fail "cut-off node still signs after max-staleness"
grep -q 'last confirmed current' "$work/err" || fail "cut-off node: no staleness message: $(cat "$work/err")"
start_proxy
until_true 60 same_rows "$replica" "$P1" || fail "node did not catch up after reconnecting"
filter_rc "$replica" --max-staleness 2 || fail "caught-up node defers: $(cat "$work/err")"
grep -q '^DKIM-Signature:' "$work/out" && fail "deleted user still signs after catching up"
grep -q 'replica kept, retrying' "$work/sync.log" || fail "sync did not log the lost connection"
finish
