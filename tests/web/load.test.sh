#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 1,000 connections open at once against dkim-filter-web on loopback, each
# adding one user: every request is answered 201 and every user is in the
# database afterwards (no write lost); then one over the connection limit
# is answered 503.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
SRC=${DKIM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
N=1000

"$ADMIN" init >/dev/null
"$ADMIN" key generate example.com s1 >/dev/null
TOKEN=$("$ADMIN" token add shop --domain example.com)
start_web --max-connections 1024
/usr/bin/python3 "$SRC/tests/web/lib/load.py" "$PORT" "$TOKEN" "$N" >"$work/statuses" || fail "load.py failed"
created=$(grep -c '^201$' "$work/statuses")
[[ $created == "$N" ]] || fail "$created of $N requests answered 201: $(sort "$work/statuses" | uniq -c | tr '\n' ' ')"
stored=$("$ADMIN" user list --json | jq '[.[] | select(.user | test("^user[0-9]{4}@example.com$"))] | length')
[[ $stored == "$N" ]] || fail "$stored of $N users stored"
api "$TOKEN" GET /api/v1/users
expect 200 "still serving after the load"

# The connection limit: with room for 5, the sixth is refused with 503.
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null
start_web --max-connections 5
/usr/bin/python3 - "$PORT" >"$work/limit" <<'PY'
import socket, sys
port = int(sys.argv[1])
held = [socket.create_connection(('127.0.0.1', port), timeout=10) for _ in range(5)]
extra = socket.create_connection(('127.0.0.1', port), timeout=10)
print(extra.recv(100).split(b' ')[1].decode())
PY
[[ $(cat "$work/limit") == 503 ]] || fail "over the connection limit: '$(cat "$work/limit")', expected 503"
finish
