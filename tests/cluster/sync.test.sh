#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cluster mode end to end on one real PostgreSQL 15: cluster init and
# import, no private key text in pg_dump, three dkim-filter-sync nodes that
# see every change, a wrong cluster key refused, SIGKILL mid-batch, and a
# PostgreSQL restart.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

P1=$(free_port)
pg_init pg1 && pg_start pg1 "$P1"
psql -X -q -h 127.0.0.1 -p "$P1" -U postgres -d postgres -c "CREATE DATABASE dkim" || fail "createdb"
URL="postgresql://postgres@127.0.0.1:$P1/dkim"
KEY=$work/cluster.key

# ---- a single-node database to import ----
single=$work/single/dkim.db
"$ADMIN" --db "$single" init >/dev/null || fail "init single"
"$ADMIN" --db "$single" key generate example.com s1 >/dev/null || fail "key generate"
"$ADMIN" --db "$single" key generate example.org s1 --algorithm ed25519 >/dev/null || fail "key generate ed25519"
"$ADMIN" --db "$single" user add alice@example.com --selector s1 >/dev/null || fail "user add"
"$ADMIN" --db "$single" user add 192.0.2.0/24 --selector s1 --domain example.org >/dev/null || fail "user add ip"

# ---- cluster init: schema, roles, key file ----
out=$("$ADMIN" --cluster "$URL" --cluster-key "$KEY" cluster init --roles 2>&1) || fail "cluster init: $out"
[[ $out == *"created cluster key $KEY"* ]] || fail "cluster init output: $out"
[[ $(stat -c %a "$KEY") == 640 ]] || fail "cluster key mode $(stat -c %a "$KEY")"
out=$("$ADMIN" --cluster "$URL" --cluster-key "$KEY" cluster init 2>&1) || fail "cluster init again: $out"
[[ $out == *"cluster key $KEY"* && $out != *created* ]] || fail "second init: $out"
[[ $(psql_at "$P1" "SELECT value FROM cluster_meta WHERE name = 'schema_version'") == 2 ]] || fail "schema version"
[[ $(psql_at "$P1" "SELECT count(*) FROM pg_roles WHERE rolname IN ('dkim_filter_writer','dkim_filter_reader')") == 2 ]] ||
  fail "roles not created"

# ---- cluster import ----
out=$("$ADMIN" --cluster "$URL" --cluster-key "$KEY" --db "$single" cluster import 2>&1) || fail "import: $out"
[[ $out == "imported 2 keys and 2 users from $single" ]] || fail "import output: $out"
before=$(psql_at "$P1" "SELECT count(*) FROM keys")
out=$("$ADMIN" --cluster "$URL" --cluster-key "$KEY" --db "$single" cluster import 2>&1) && fail "second import accepted"
[[ $out == *"already exists in the cluster; nothing imported"* ]] || fail "second import message: $out"
[[ $(psql_at "$P1" "SELECT count(*) FROM keys") == "$before" ]] || fail "refused import changed the cluster"

# ---- no private key text in a dump ----
as_pg pg_dump -h 127.0.0.1 -p "$P1" -U postgres dkim >"$work/dump.sql" || fail "pg_dump"
grep -q 'gcm1:' "$work/dump.sql" || fail "dump has no sealed keys (wrong dump?)"
grep -q 'PRIVATE KEY' "$work/dump.sql" && fail "pg_dump contains private key text"
sqlite3 "$single" "SELECT private_pem FROM keys" | grep -v -- '-----' | grep . >"$work/pem-lines"
[[ -s $work/pem-lines ]] || fail "no PEM lines to look for"
grep -qF -f "$work/pem-lines" "$work/dump.sql" && fail "a line of a private key PEM is in the dump"

# ---- wrong or missing cluster key ----
head -c 32 /dev/urandom | base64 >"$work/other.key"; chmod 0640 "$work/other.key"
out=$("$SYNC" --foreground --once --cluster "$URL" --cluster-key "$work/other.key" --db "$work/bad.db" 2>&1)
rc=$?
[[ $rc == 78 && $out == *"is not the key this cluster was initialised with"* ]] || fail "wrong key: exit $rc: $out"
[[ -e $work/bad.db ]] && fail "a replica was written with a wrong key"
out=$("$SYNC" --foreground --once --cluster "$URL" --cluster-key "$work/none.key" --db "$work/bad.db" 2>&1)
rc=$?
[[ $rc == 78 && $out == *"cannot read cluster key $work/none.key"* ]] || fail "missing key: exit $rc: $out"

# ---- three nodes ----
for n in 1 2 3; do
  mkdir -p "$work/node$n"
  "$SYNC" --foreground --cluster "$URL" --cluster-key "$KEY" --db "$work/node$n/dkim.db" --poll-interval 200 \
    2>"$work/node$n/log" &
  pids[n]=$!
done
for n in 1 2 3; do
  until_true 30 same_rows "$work/node$n/dkim.db" "$P1" || fail "node$n: initial snapshot differs"
  [[ $(stat -c %a "$work/node$n/dkim.db") == 640 ]] || fail "node$n replica mode"
  signs "$work/node$n/dkim.db" alice@example.com || fail "node$n does not sign: $(cat "$work/filter.err")"
done
# Changes as the admin would make them: rows and deletions.
psql_at "$P1" "INSERT INTO users (name, kind, domain, selectors, created) VALUES ('bob@example.com', 'login', 'example.com', 's1', 0)" ||
  fail "insert user"
psql_at "$P1" "UPDATE users SET selectors = 's1,s2' WHERE name = 'alice@example.com'" || fail "update user"
psql_at "$P1" "DELETE FROM users WHERE name = '192.0.2.0/24'" || fail "delete user"
for n in 1 2 3; do
  until_true 30 same_rows "$work/node$n/dkim.db" "$P1" || fail "node$n: user changes not applied"
  signs "$work/node$n/dkim.db" bob@example.com || fail "node$n: bob does not sign"
done
# A key deleted in an emergency stops signing on every node.
psql_at "$P1" "DELETE FROM keys WHERE domain = 'example.com'" || fail "delete key"
for n in 1 2 3; do
  until_true 30 not_signs "$work/node$n/dkim.db" alice@example.com || fail "node$n still signs with a deleted key"
  same_rows "$work/node$n/dkim.db" "$P1" || fail "node$n differs after key delete"
done
# A key re-imported (sealed by the admin) comes back decrypted.
"$ADMIN" --cluster "$URL" --cluster-key "$KEY" --db "$single" cluster import >/dev/null 2>&1  # refused: example.org exists
psql_at "$P1" "DELETE FROM keys WHERE domain = 'example.org'; DELETE FROM users;" || fail "clear"
"$ADMIN" --cluster "$URL" --cluster-key "$KEY" --db "$single" cluster import >/dev/null || fail "re-import"
for n in 1 2 3; do
  until_true 30 same_rows "$work/node$n/dkim.db" "$P1" || fail "node$n: re-import not applied"
  signs "$work/node$n/dkim.db" alice@example.com || fail "node$n: does not sign after re-import"
done

# ---- a sealed key moved to another row does not open: the node keeps its replica ----
seq_before=$(sqlite3 "$work/node1/dkim.db" "SELECT last_seq FROM cluster_sync")
psql_at "$P1" "INSERT INTO keys SELECT 'evil.example', selector, type, bits, private_sealed, canon, created, public_key FROM keys WHERE domain = 'example.com'" ||
  fail "insert moved key"
until_true 30 grep -q 'does not decrypt under the cluster key' "$work/node1/log" || fail "moved key not refused"
psql_at "$P1" "DELETE FROM keys WHERE domain = 'evil.example'" || fail "delete moved key"
for n in 1 2 3; do until_true 30 same_rows "$work/node$n/dkim.db" "$P1" || fail "node$n: not resumed after refused row"; done
sqlite3 "$work/node1/dkim.db" "SELECT count(*) FROM keys WHERE domain = 'evil.example'" | grep -qx 0 || fail "moved key reached a replica"
: "$seq_before"

# ---- PostgreSQL restart: nodes keep their replica, then resume ----
pg_stop pg1
signs "$work/node1/dkim.db" alice@example.com || fail "node1 stopped signing while PostgreSQL is down"
pg_start pg1 "$P1"
psql_at "$P1" "UPDATE users SET selectors = 's1' WHERE name = 'alice@example.com'" || fail "update after restart"
for n in 1 2 3; do until_true 60 same_rows "$work/node$n/dkim.db" "$P1" || fail "node$n: not resumed after restart"; done

# ---- SIGKILL mid-batch leaves a consistent replica that resumes ----
kill "${pids[1]}" || fail "node1 exited: $(tail -3 "$work/node1/log")"; wait "${pids[1]}" 2>/dev/null
killed_mid=0
for round in 1 2 3; do
  psql_at "$P1" "INSERT INTO users (name, kind, domain, selectors, created)
                 SELECT 'u$round-' || i || '@example.com', 'login', 'example.com', 's1', 0 FROM generate_series(1, 20000) i" ||
    fail "bulk insert"
  users_before=$(sqlite3 "$work/node1/dkim.db" "SELECT count(*) FROM users")
  "$SYNC" --foreground --cluster "$URL" --cluster-key "$KEY" --db "$work/node1/dkim.db" 2>>"$work/node1/log" &
  p=$!
  # Killed once the batch's write transaction has begun (its journal exists).
  until_true 30 test -e "$work/node1/dkim.db-journal" && killed_mid=$((killed_mid + 1))
  kill -9 $p; wait $p 2>/dev/null
  users_now=$(sqlite3 "$work/node1/dkim.db" "PRAGMA integrity_check; SELECT count(*) FROM users")
  [[ $users_now == $'ok\n'"$users_before" || $users_now == $'ok\n'$((users_before + 20000)) ]] ||
    fail "round $round: replica inconsistent after SIGKILL: $users_now (before $users_before)"
done
echo "sigkill rounds that hit an open write transaction: $killed_mid of 3"
out=$("$SYNC" --foreground --once --cluster "$URL" --cluster-key "$KEY" --db "$work/node1/dkim.db" 2>&1) || fail "resume: $out"
same_rows "$work/node1/dkim.db" "$P1" || fail "node1 differs after resuming from SIGKILL"
[[ $out == *"resuming"* ]] || fail "resume did not reuse the replica: $out"

# ---- the shared configuration file; writes go to PostgreSQL, never the replica ----
printf 'cluster = %s\ncluster-key = %s\nmax-staleness = 600\n' "$URL" "$KEY" >"$work/dkim-filter.conf"
out=$("$ADMIN" --config "$work/dkim-filter.conf" cluster init 2>&1) || fail "cluster init from the config file: $out"
out=$("$ADMIN" --config "$work/dkim-filter.conf" --db "$work/node2/dkim.db" key list 2>&1) || fail "key list in cluster mode: $out"
# With node2's sync stopped, its replica changes only if the admin wrote it.
kill "${pids[2]}"; wait "${pids[2]}" 2>/dev/null
before=$(replica_rows "$work/node2/dkim.db")
out=$(DKIM_FILTER_DB=$work/node2/dkim.db "$ADMIN" --config "$work/dkim-filter.conf" user add eve@example.com --selector s1 2>&1) ||
  fail "user add in cluster mode: $out"
[[ $(psql_at "$P1" "SELECT count(*) FROM users WHERE name = 'eve@example.com'") == 1 ]] || fail "user add did not reach PostgreSQL"
[[ $(replica_rows "$work/node2/dkim.db") == "$before" ]] || fail "a cluster-mode write changed the local replica"
out=$(DKIM_FILTER_DB=$work/node2/dkim.db "$ADMIN" --config "$work/dkim-filter.conf" init 2>&1)
rc=$?
[[ $rc == 64 && $out == *"works on a local file only"*"cluster init"* ]] || fail "init in cluster mode: exit $rc: $out"
printf 'no-such-option = 1\n' >>"$work/dkim-filter.conf"
out=$("$SYNC" --config "$work/dkim-filter.conf" --foreground --once --db "$work/x.db" 2>&1)
rc=$?
[[ $rc == 78 && $out == *"no-such-option"* ]] || fail "unknown option in the config file: exit $rc: $out"

finish
