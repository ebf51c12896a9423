#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A primary and a streaming-replication hot standby (pg_basebackup -R),
# TLS with sslmode=verify-full against a CA made here, three nodes
# connecting as a reader role (SELECT and LISTEN only) while filters sign
# in a loop: every change reaches every node, then the primary is stopped,
# the standby promoted, and the nodes follow it without a restart. No
# message fails at any point.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

# ---- a CA and a server certificate for 127.0.0.1 ----
tls=$work/tls
mkdir -p "$tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=dkim-filter test CA" \
  -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null || fail "CA"
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null &&
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
    -extfile <(printf 'subjectAltName = IP:127.0.0.1\n') -out "$tls/server.crt" 2>/dev/null || fail "server cert"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other CA" -keyout "$tls/other.key" -out "$tls/other.crt" 2>/dev/null
chown "$PGUSER_OS" "$tls/server.key" "$tls/server.crt" && chmod 0600 "$tls/server.key"
chmod 0755 "$tls"
SSL="-c ssl=on -c ssl_cert_file=$tls/server.crt -c ssl_key_file=$tls/server.key"

P1=$(free_port); P2=$(free_port)
pg_init pg1 && pg_start pg1 "$P1" "$SSL"
psql -X -q -h 127.0.0.1 -p "$P1" -U postgres -d postgres -c "CREATE DATABASE dkim" || fail "createdb"
ADMIN_URL="postgresql://postgres@127.0.0.1:$P1/dkim?sslmode=verify-full&sslrootcert=$tls/ca.crt"
KEY=$work/cluster.key
single=$work/single/dkim.db
"$ADMIN" --db "$single" init >/dev/null && "$ADMIN" --db "$single" key generate example.com s1 >/dev/null &&
  "$ADMIN" --db "$single" user add alice@example.com --selector s1 >/dev/null || fail "single-node setup"
"$ADMIN" --cluster "$ADMIN_URL" --cluster-key "$KEY" cluster init --roles >/dev/null || fail "cluster init over TLS"
"$ADMIN" --cluster "$ADMIN_URL" --cluster-key "$KEY" --db "$single" cluster import >/dev/null || fail "import over TLS"
psql_at "$P1" "CREATE ROLE node LOGIN IN ROLE dkim_filter_reader" || fail "create node role"
psql -X -q -h 127.0.0.1 -p "$P1" -U node -d dkim -c "DELETE FROM keys" 2>/dev/null && fail "the reader role could delete keys"
psql -X -q -h 127.0.0.1 -p "$P1" -U node -d dkim -c "INSERT INTO change_log (tbl, key1, op) VALUES ('keys', 'x', 'D')" \
  2>/dev/null && fail "the reader role could write the change log"

# ---- the hot standby ----
mkdir -p "$work/pg2" && chown "$PGUSER_OS" "$work/pg2" && chmod 0700 "$work/pg2"
as_pg pg_basebackup -h 127.0.0.1 -p "$P1" -U postgres -D "$work/pg2" -R -X stream 2>/dev/null || fail "pg_basebackup"
pg_start pg2 "$P2" "$SSL"
[[ $(psql_at "$P2" "SELECT pg_is_in_recovery()") == t ]] || fail "pg2 is not a standby"

# A certificate from another CA is refused by verify-full: the node keeps
# no replica and says why.
out=$("$SYNC" --foreground --once --cluster "postgresql://node@127.0.0.1:$P1/dkim?sslmode=verify-full&sslrootcert=$tls/other.crt" \
  --cluster-key "$KEY" --db "$work/bad.db" 2>&1)
rc=$?
[[ $rc == 75 && $out == *"cannot connect to"*"certificate verify failed"* ]] || fail "wrong CA: exit $rc: $out"

# ---- three nodes: two follow the primary (read-write), one reads the standby ----
common="sslmode=verify-full&sslrootcert=$tls/ca.crt&connect_timeout=2"
urls=("" "postgresql://node@127.0.0.1:$P1,127.0.0.1:$P2/dkim?target_session_attrs=read-write&$common"
  "postgresql://node@127.0.0.1:$P1,127.0.0.1:$P2/dkim?target_session_attrs=read-write&$common"
  "postgresql://node@127.0.0.1:$P2,127.0.0.1:$P1/dkim?target_session_attrs=any&$common")
for n in 1 2 3; do
  mkdir -p "$work/node$n"
  "$SYNC" --foreground --cluster "${urls[n]}" --cluster-key "$KEY" --db "$work/node$n/dkim.db" --poll-interval 200 \
    2>"$work/node$n/log" &
  pids+=($!)
done
for n in 1 2 3; do
  until_true 30 same_rows "$work/node$n/dkim.db" "$P1" || fail "node$n: no initial snapshot: $(tail -2 "$work/node$n/log")"
done
grep -q "snapshot of 127.0.0.1:$P2" "$work/node3/log" || fail "node3 did not read the standby: $(head -2 "$work/node3/log")"
# Filters signing in a loop on every node, each exit status recorded.
for n in 1 2 3; do
  (while [[ ! -e $work/stop ]]; do
     printf '%s' "$MESSAGE" | "$FILTER" --stdout --log stderr --db "$work/node$n/dkim.db" -f alice@example.com \
       -u alice@example.com -- bob@example.net >"$work/loop$n.out" 2>>"$work/loop$n.err"
     echo "$?" >>"$work/loop$n.rc"
   done) &
  pids+=($!)
done

psql_at "$P1" "INSERT INTO users (name, kind, domain, selectors, created) VALUES ('bob@example.com', 'login', 'example.com', 's1', 0)" ||
  fail "insert on primary"
for n in 1 2 3; do until_true 30 same_rows "$work/node$n/dkim.db" "$P1" || fail "node$n: change on the primary not seen"; done

# ---- failover ----
as_pg "$PGBIN/pg_ctl" -D "$work/pg1" -m immediate -w stop >/dev/null || fail "stop primary"
as_pg "$PGBIN/pg_ctl" -D "$work/pg2" -w promote >/dev/null || fail "promote standby"
until_true 30 test "$(psql_at "$P2" "SELECT pg_is_in_recovery()")" = f || fail "standby not promoted"
psql_at "$P2" "DELETE FROM users WHERE name = 'bob@example.com'; UPDATE users SET selectors = 's1,s2' WHERE name = 'alice@example.com'" ||
  fail "change on the promoted standby"
for n in 1 2 3; do
  until_true 60 same_rows "$work/node$n/dkim.db" "$P2" || fail "node$n did not follow the promoted standby: $(tail -3 "$work/node$n/log")"
done
touch "$work/stop"
sleep 0.5 # lets the loops see the stop file; their statuses are read below, not timed
for n in 1 2 3; do
  total=$(wc -l <"$work/loop$n.rc")
  bad=$(grep -vc '^0$' "$work/loop$n.rc")
  ((total > 0)) || fail "node$n: no message filtered"
  ((bad == 0)) && echo "node$n: $total messages, all delivered" ||
    fail "node$n: $bad of $total messages failed: $(sort "$work/loop$n.err" | uniq -c | head -3)"
done
finish
