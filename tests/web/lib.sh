# SPDX-License-Identifier: MIT
# Shared helpers for tests/web/*.test.sh (sourced): a fresh database, the
# real dkim-filter-web on a loopback port, curl against it.
SRC=${DKIM_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
ADMIN="$DKIM_BUILD/dkim-filter-admin"
WEB="$DKIM_BUILD/dkim-filter-web"
for b in "$ADMIN" "$WEB"; do [[ -x "$b" ]] || { echo "FAIL: $b not built"; exit 1; }; done
command -v curl >/dev/null || { echo "FAIL: curl not installed"; exit 1; }
work=$(mktemp -d)
export DKIM_FILTER_DB="$work/db/dkim.db"
DB="$DKIM_FILTER_DB"
fails=0
pids=()
on_exit() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap on_exit EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
finish() {
  if ((fails)); then echo "$fails failure(s)"; exit 1; fi
  echo "ok"
}

# Waits (bounded: 200 polls of 0.05 s) until FILE contains PATTERN.
wait_for() {
  local file=$1 pattern=$2 i
  for ((i = 0; i < 200; i++)); do
    grep -q "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# start_web [ARGS...]: runs the daemon (with $WEB_CONFIG, default none) on an ephemeral loopback port; sets
# PORT and BASE, its log in $work/web.log.
start_web() {
  : >"$work/web.log"
  "$WEB" --config "${WEB_CONFIG:-/dev/null}" --db "$DB" --listen 127.0.0.1:0 --foreground --log stderr "$@" 2>>"$work/web.log" &
  pids+=($!)
  wait_for "$work/web.log" "listening on" || { echo "FAIL: dkim-filter-web did not start: $(cat "$work/web.log")"; exit 1; }
  PORT=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$work/web.log" | head -1 | cut -d: -f2)
  BASE="http://127.0.0.1:$PORT"
}

# init_tokens: a fresh database and three tokens: ROOT (an administrator's),
# SHOP (example.com) and RO (example.com, read-only).
init_tokens() {
  "$ADMIN" init >/dev/null || { echo "FAIL: init"; exit 1; }
  ROOT=$("$ADMIN" token add root)
  SHOP=$("$ADMIN" token add shop --domain example.com)
  RO=$("$ADMIN" token add viewer --domain example.com --read-only)
}

# start_dns: the tests' stub DNS server (tests/lib/txt_dns.py) answering
# from $work/zone, which a test appends to in order to "publish"; sets NS
# to its IP:PORT.
start_dns() {
  /usr/bin/python3 "$SRC/tests/lib/txt_dns.py" "$work/zone" "$work/dns.port" &
  pids+=($!)
  wait_for "$work/dns.port" '[0-9]' || { echo "FAIL: stub DNS did not start"; exit 1; }
  NS="127.0.0.1:$(cat "$work/dns.port")"
}

# api TOKEN METHOD PATH [BODY]: the status in $status, the body in $work/body.
api() {
  local token=$1 method=$2 path=$3 body=${4-}
  local args=(-s -o "$work/body" -w '%{http_code}' -X "$method")
  [[ -n $token ]] && args+=(-H "Authorization: Bearer $token")
  [[ $# -ge 4 ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  status=$(curl "${args[@]}" "$BASE$path")
}

# expect CODE DESCRIPTION: $status must be CODE.
expect() {
  [[ $status == "$1" ]] || fail "$2: status $status, expected $1: $(head -c 300 "$work/body")"
}

# The database as the admin sees it, for before/after comparisons.
snapshot() { "$ADMIN" key list --json; "$ADMIN" user list --json; "$ADMIN" token list --json; }

# refused CODE DESCRIPTION TOKEN METHOD PATH [BODY]: the status is CODE,
# the answer {"error": "..."}, and the database is unchanged.
refused() {
  local code=$1 what=$2; shift 2
  local before after
  before=$(snapshot)
  api "$@"
  expect "$code" "$what"
  jq -e '.error | type == "string"' "$work/body" >/dev/null 2>&1 || fail "$what: no JSON error: $(head -c 200 "$work/body")"
  after=$(snapshot)
  [[ $before == "$after" ]] || fail "$what: the database changed"
}
