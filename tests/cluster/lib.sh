# SPDX-License-Identifier: MIT
# Shared helpers for tests/cluster/*.test.sh (sourced): PostgreSQL 15
# servers started by the test itself, as the unprivileged postgres user
# (initdb refuses root), on loopback ports in a temporary directory; never
# the system's cluster.
ADMIN="$DKIM_BUILD/dkim-filter-admin"
SYNC="$DKIM_BUILD/dkim-filter-sync"
FILTER="$DKIM_BUILD/dkim-filter"
PGBIN=/usr/lib/postgresql/15/bin
for b in "$ADMIN" "$SYNC" "$FILTER" "$PGBIN/initdb"; do [[ -x $b ]] || { echo "FAIL: $b missing"; exit 1; }; done
PGUSER_OS=postgres
id "$PGUSER_OS" >/dev/null 2>&1 || { echo "FAIL: no postgres user to run the test servers as"; exit 1; }
work=$(mktemp -d /tmp/dkim-cluster.XXXXXX)
chmod 0755 "$work"
fails=0
pids=()
servers=()
on_exit() {
  local p s
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for s in "${servers[@]}"; do as_pg "$PGBIN/pg_ctl" -D "$s" -m immediate stop >/dev/null 2>&1 || true; done
  [[ -n ${KEEP:-} ]] && echo "kept $work" || rm -rf "$work"
}
trap on_exit EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
finish() {
  if ((fails)); then echo "$fails failure(s)"; exit 1; fi
  echo "ok"
}
as_pg() { runuser -u "$PGUSER_OS" -- "$@"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# until_true SECONDS CMD...: polls CMD (every 0.1 s) until it succeeds;
# false once SECONDS have passed. A bound, not a timing assertion.
until_true() {
  local limit=$1; shift
  local end=$((SECONDS + limit))
  while ((SECONDS < end)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  "$@" >/dev/null 2>&1
}

# pg_start NAME PORT [initdb]: a server in $work/NAME listening on
# 127.0.0.1:PORT with trust authentication for loopback.
pg_init() {
  local dir=$work/$1
  mkdir -p "$dir" && chown "$PGUSER_OS" "$dir" && chmod 0700 "$dir"
  as_pg "$PGBIN/initdb" -D "$dir" -U postgres -A trust --no-sync >/dev/null || fail "initdb $1"
}
pg_start() {
  local dir=$work/$1 port=$2
  servers+=("$dir")
  as_pg "$PGBIN/pg_ctl" -D "$dir" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off ${3:-}" \
    start >/dev/null || { fail "pg_ctl start $1"; cat "$dir/log"; }
}
pg_stop() { as_pg "$PGBIN/pg_ctl" -D "$work/$1" -m fast -w stop >/dev/null || fail "pg_ctl stop $1"; }
# psql_at PORT SQL: runs SQL as postgres on database dkim.
psql_at() { PGCONNECT_TIMEOUT=3 psql -X -q -At -h 127.0.0.1 -p "$1" -U postgres -d dkim -v ON_ERROR_STOP=1 -c "$2"; }

# Replica content as text: keys and users, without the sync row.
replica_rows() {
  [[ -e $1 ]] || { echo absent; return; } # sqlite3 would create it
  sqlite3 "$1" "SELECT domain, selector, type, public_key FROM keys ORDER BY 1, 2;
                SELECT name, kind, domain, selectors FROM users ORDER BY 1;" 2>&1
}
cluster_rows() {
  psql_at "$1" "SELECT domain || '|' || selector || '|' || type || '|' || public_key FROM keys ORDER BY domain, selector;" &&
    psql_at "$1" "SELECT name || '|' || kind || '|' || domain || '|' || selectors FROM users ORDER BY name;"
}
same_rows() { [[ $(replica_rows "$1") == "$(cluster_rows "$2")" ]]; }

MESSAGE=$'From: Alice <alice@example.com>\nTo: bob@example.net\nSubject: hi\nDate: Tue, 1 Dec 2026 10:00:00 +0000\nMessage-ID: <1@example.com>\n\nhello\n'
# signs DB USER: the filter signs a message from USER with the replica DB.
signs() {
  printf '%s' "$MESSAGE" | "$FILTER" --stdout --log stderr --db "$1" -f "$2" -u "$2" -- bob@example.net \
    >"$work/signed" 2>"$work/filter.err" && grep -q '^DKIM-Signature:' "$work/signed"
}
not_signs() { ! signs "$@"; }
