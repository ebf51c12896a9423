#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every dkim-filter-admin command in cluster mode against a real
# PostgreSQL 15: one sequence of commands (refusals included) run on a
# fresh single-node file and on the cluster gives the same output and exit
# codes; then a node's dkim-filter-sync replica signs with the cluster's
# keys through a rotation (dkimpy verifies), no private key text reaches
# pg_dump, doctor reports the replica's staleness and lag, and a node that
# fell behind a pruned change log takes a fresh snapshot.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
# The replica is written while the test reads it: wait for its lock.
sqlite3() { command sqlite3 -cmd ".timeout 5000" "$@"; }

P1=$(free_port)
pg_init pg1 && pg_start pg1 "$P1"
psql -X -q -h 127.0.0.1 -p "$P1" -U postgres -d postgres -c "CREATE DATABASE dkim" || fail "createdb"
URL="postgresql://postgres@127.0.0.1:$P1/dkim"
KEY=$work/cluster.key
"$ADMIN" --cluster "$URL" --cluster-key "$KEY" cluster init --roles >/dev/null || fail "cluster init"
[[ $(psql_at "$P1" "SELECT value FROM cluster_meta WHERE name = 'schema_version'") == 2 ]] || fail "cluster schema version"
single=$work/single/dkim.db
"$ADMIN" --db "$single" init >/dev/null || fail "init single"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/imp.pem" 2>/dev/null || fail "openssl genpkey"

# ---- the same commands on both: output and exit code ----
# One command per line, in shell words. Refusals: a duplicate key, a
# selector with a space, a duplicate user, an unknown user, deleting a key
# in use without --force, reusing a deleted key's selector, an unknown
# token.
cat >"$work/commands" <<EOF
key generate example.com s1
key generate example.com s1
key generate example.com 'bad sel'
key generate example.org e1 --algorithm ed25519
key import example.net imp $work/imp.pem
key dns example.net imp
key export example.net imp
user add alice@example.com --selector s1
user add alice@example.com --selector s1
user add 192.0.2.0/24 --selector e1 --domain example.org
user add bob@example.net --selector imp
user set bob@example.net --selector imp,nokey
user delete nobody@example.com
user list
user list --json
key list
key list --json
key delete example.com s1
explain --user alice@example.com --from alice@example.com --filter-user root
explain --user 192.0.2.7 --from x@example.org --filter-user root
explain --user mallory@example.com --from alice@example.com --filter-user root
key rotate example.com s1 --to s2
key rotate example.com s1 --to s3
key list example.com
key activate example.com s2 --force
key revoke example.com s1
key delete example.com s1
key rotate example.com s1 --to s1
key generate example.com s1
key list
token add web1 --domain example.com --read-only
token add web1
token list
token delete web1
token delete web1
postfix sender-logins
user delete bob@example.net
key delete example.net imp
key delete example.net imp --force
key delete example.net imp --force
lifecycle run
key list --json
user list
EOF
# Generated keys, tokens and times differ between the runs; the URL and
# the file name are the only other differences.
normalise() {
  sed -E -e 's/p=[A-Za-z0-9+\/]+=*/p=KEY/g' -e 's/dkf_[A-Za-z0-9_-]+/dkf_TOKEN/g' \
    -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g' \
    -e "s#$single#DB#g" -e "s#$URL#DB#g"
}
run_sequence() { # OUTPUT ADMIN-ARGS...
  local out=$1 line n=0
  shift
  : >"$out"
  while IFS= read -r line; do
    n=$((n + 1))
    eval "local words=($line)"
    local text rc
    text=$("$ADMIN" "$@" "${words[@]}" 2>&1)
    rc=$?
    printf '%s\n' "== $n: $line (exit $rc)" "$text" >>"$out"
  done <"$work/commands"
}
run_sequence "$work/single.out" --db "$single"
run_sequence "$work/cluster.out" --cluster "$URL" --cluster-key "$KEY"
normalise <"$work/single.out" >"$work/single.norm"
normalise <"$work/cluster.out" >"$work/cluster.norm"
diff -u "$work/single.norm" "$work/cluster.norm" >"$work/diff" || fail "cluster mode differs from a single file:
$(head -60 "$work/diff")"
# The sequence proves something only if the refusals were refused.
for want in "== 2: key generate example.com s1 (exit 65)" "== 3: key generate example.com 'bad sel' (exit 64)" \
  "== 9: user add alice@example.com --selector s1 (exit 65)" "== 13: user delete nobody@example.com (exit 65)" \
  "== 18: key delete example.com s1 (exit 65)" "== 28: key rotate example.com s1 --to s1 (exit 65)" \
  "== 35: token delete web1 (exit 65)" "== 7: key export example.net imp (exit 0)"; do
  grep -qxF "$want" "$work/cluster.norm" || fail "expected '$want': $(grep -F "${want%% (*}" "$work/cluster.norm")"
done
# The imported key comes back from the cluster as it went in.
openssl pkey -in "$work/imp.pem" >"$work/imp.norm.pem" 2>/dev/null
grep -qF "$(sed -n 2p "$work/imp.norm.pem")" "$work/cluster.out" || fail "key export from the cluster is not the imported key"
# In cluster mode --db still names a local file.
out=$("$ADMIN" --cluster "$URL" --cluster-key "$KEY" --db "$single" key list 2>&1) || fail "--db in cluster mode: $out"
[[ $(normalise <<<"$out") == "$(normalise < <("$ADMIN" --db "$single" key list 2>&1))" ]] || fail "--db in cluster mode: $out"
out=$("$ADMIN" --cluster "$URL" --cluster-key "$KEY" backup "$work/b.db" 2>&1)
rc=$?
[[ $rc == 64 && $out == *"pg_dump"* ]] || fail "backup in cluster mode: exit $rc: $out"

# ---- cluster import carries the lifecycle ----
"$ADMIN" --db "$single" key rotate example.com s1 --to s9 >/dev/null || fail "rotate on the single file"
psql -X -q -h 127.0.0.1 -p "$P1" -U postgres -d postgres -c "CREATE DATABASE dkim2" -c "CREATE DATABASE dkim3" ||
  fail "createdb dkim2 dkim3"
URL2="postgresql://postgres@127.0.0.1:$P1/dkim2"
"$ADMIN" --cluster "$URL2" --cluster-key "$KEY" cluster init >/dev/null || fail "cluster init dkim2"
"$ADMIN" --cluster "$URL2" --cluster-key "$KEY" --db "$single" cluster import >/dev/null || fail "cluster import"
for list in "key list --json" "user list"; do
  # shellcheck disable=SC2086 # two or three words
  [[ $("$ADMIN" --cluster "$URL2" --cluster-key "$KEY" $list 2>&1) == "$("$ADMIN" --db "$single" $list 2>&1)" ]] ||
    fail "imported cluster's $list differs from the file's"
done
out=$("$ADMIN" --cluster "$URL2" --cluster-key "$KEY" key rotate example.com s1 --to s1 2>&1) &&
  fail "the imported cluster reuses a deleted selector: $out"

# ---- an older cluster schema is migrated forward by the first command ----
psql -X -q -h 127.0.0.1 -p "$P1" -U postgres -d dkim3 -v ON_ERROR_STOP=1 -f "$DKIM_SRC/db/cluster/schema/0001_init.sql" ||
  fail "schema 1"
check=$(psql_at "$P1" "SELECT value FROM cluster_meta WHERE name = 'key_check'")
sealed=$(psql_at "$P1" "SELECT private_sealed FROM keys WHERE domain = 'example.org' AND selector = 'e1'")
psql -X -q -At -h 127.0.0.1 -p "$P1" -U postgres -d dkim3 -v ON_ERROR_STOP=1 -c \
  "INSERT INTO cluster_meta VALUES ('schema_version', '1'), ('cluster_id', 'old'), ('key_check', '$check');
   INSERT INTO keys (domain, selector, type, bits, private_sealed, created) VALUES ('example.org', 'e1', 'ed25519', 256, '$sealed', 1700000000)" ||
  fail "a version 1 cluster"
out=$("$ADMIN" --cluster "postgresql://postgres@127.0.0.1:$P1/dkim3" --cluster-key "$KEY" key list 2>&1) || fail "key list on schema 1: $out"
[[ $out == $'example.org\te1\ted25519\t256\trelaxed/relaxed\t2023-11-14T22:13:20Z\te1\tactive\t2023-11-14T22:13:20Z\t-\t-' ]] ||
  fail "a version 1 key after migration: $out"
[[ $(psql -X -At -h 127.0.0.1 -p "$P1" -U postgres -d dkim3 -c "SELECT value FROM cluster_meta WHERE name = 'schema_version'") == 2 ]] ||
  fail "schema 1 not migrated"

# ---- the roles cluster init made suffice: an admin in dkim_filter_writer ----
psql_at "$P1" "CREATE ROLE admin1 LOGIN IN ROLE dkim_filter_writer; CREATE ROLE node1 LOGIN IN ROLE dkim_filter_reader" ||
  fail "create roles"
W=("$ADMIN" --cluster "postgresql://admin1@127.0.0.1:$P1/dkim" --cluster-key "$KEY")
for cmd in "key generate example.net w1" "user add erin@example.net --selector w1" "key rotate example.net w1 --to w2" \
  "key delete example.net w2" "user delete erin@example.net" "token add writer" "token delete writer" "key list"; do
  # shellcheck disable=SC2086 # shell words
  out=$("${W[@]}" $cmd 2>&1) || fail "as dkim_filter_writer: $cmd: $out"
done
# A node's role reads keys and users, never the web tokens.
psql -X -q -h 127.0.0.1 -p "$P1" -U node1 -d dkim -c "SELECT count(*) FROM keys" >/dev/null || fail "node1 cannot read keys"
psql -X -q -h 127.0.0.1 -p "$P1" -U node1 -d dkim -c "SELECT count(*) FROM tokens" >/dev/null 2>&1 && fail "node1 reads tokens"

# ---- a node: its replica signs with the cluster's keys ----
node=$work/node/dkim.db
mkdir -p "$work/node"
printf 'cluster = %s\ncluster-key = %s\ndb = %s\nmax-staleness = 600\n' "$URL" "$KEY" "$node" >"$work/node.conf"
CA=("$ADMIN" --cluster "$URL" --cluster-key "$KEY")
"${CA[@]}" user add carol@example.com --selector s1 >/dev/null || fail "user add carol"
"$SYNC" --foreground --cluster "postgresql://node1@127.0.0.1:$P1/dkim" --cluster-key "$KEY" --db "$node" --poll-interval 200 \
  2>"$work/node/log" &
pids+=($!)
sync_pid=$!
signed_with() { # SELECTOR: a message from carol is signed with s=SELECTOR
  signs "$node" carol@example.com && grep -q "s=$1;" "$work/signed"
}
verifies() { # SELECTOR: dkimpy verifies the message against the cluster's record
  "${CA[@]}" key dns example.com "$1" >"$work/record" || return 1
  /usr/bin/python3 - "$work/record" "$work/signed" <<'PY'
import re, sys, dkim
name, value = re.match(r'^(\S+) TXT "(.*)"$', open(sys.argv[1]).read().strip()).groups()
def dnsfunc(qname, timeout=5):
    q = qname.decode() if isinstance(qname, bytes) else qname
    return value.encode() if q.rstrip(".") == name else None
msg = open(sys.argv[2], "rb").read()
sys.exit(0 if dkim.verify(msg, dnsfunc=dnsfunc) and not dkim.verify(msg.replace(b"hello", b"jello"), dnsfunc=dnsfunc) else 1)
PY
}
until_true 30 signed_with s2 || fail "the node does not sign with s2: $(cat "$work/filter.err"; tail -3 "$work/node/log")"
verifies s2 || fail "dkimpy does not verify the node's s2 signature"
# A rotation: the pending key reaches the replica but does not sign...
"${CA[@]}" key rotate example.com s1 --to s4 >/dev/null || fail "rotate to s4"
replica_state() { [[ $(sqlite3 "$node" "SELECT state FROM keys WHERE domain = 'example.com' AND selector = '$1'") == "$2" ]]; }
until_true 30 replica_state s4 pending ||
  fail "the pending key did not reach the replica"
signed_with s2 || fail "the node stopped signing with s2 while s4 is pending"
# ... until it is activated.
"${CA[@]}" key activate example.com s4 --force >/dev/null || fail "activate s4"
until_true 30 signed_with s4 || fail "the node does not sign with s4 after activation"
verifies s4 || fail "dkimpy does not verify the node's s4 signature"
replica_state s2 retired ||
  fail "s2 is not retired on the replica"

# ---- no private key text in a dump ----
as_pg pg_dump -h 127.0.0.1 -p "$P1" -U postgres dkim >"$work/dump.sql" || fail "pg_dump"
grep -q 'gcm1:' "$work/dump.sql" || fail "dump has no sealed keys"
grep -q 'PRIVATE KEY' "$work/dump.sql" && fail "pg_dump contains private key text"
"${CA[@]}" key export example.com s4 | grep -v -- '-----' >"$work/pem-lines"
sed -n '2,$p' "$work/imp.norm.pem" | grep -v -- '-----' >>"$work/pem-lines"
[[ -s $work/pem-lines ]] || fail "no PEM lines to look for"
grep -qF -f "$work/pem-lines" "$work/dump.sql" && fail "a line of a private key PEM is in the dump"

# ---- doctor on the node: staleness and lag ----
caught_up() { [[ $("$ADMIN" --config "$work/node.conf" doctor --mta none --user root 2>&1) == *"(lag 0 changes)"* ]]; }
until_true 30 caught_up || fail "doctor: no lag 0 line: $("$ADMIN" --config "$work/node.conf" doctor --mta none --user root 2>&1)"
out=$("$ADMIN" --config "$work/node.conf" doctor --mta none --user root 2>&1)
[[ $out == *"replica: confirmed current "*" s ago (max-staleness 600 s)"* ]] || fail "doctor staleness line: $out"
[[ $out == *"beyond max-staleness"* ]] && fail "doctor calls a current replica stale: $out"
kill "$sync_pid"; wait "$sync_pid" 2>/dev/null
sqlite3 "$node" "UPDATE cluster_sync SET confirmed = confirmed - 700"
out=$("$ADMIN" --config "$work/node.conf" doctor --mta none --user root 2>&1)
[[ $out == *"problem: the replica $node was last confirmed current "*" beyond max-staleness (600 s)"* ]] ||
  fail "doctor does not report a stale replica: $out"

# On an admin host (no local file) doctor checks the cluster's own rows.
"${CA[@]}" user add frank@example.com --selector nokey >/dev/null 2>&1 || fail "user add frank"
out=$(DKIM_FILTER_DB=$work/none.db "${CA[@]}" doctor --mta none --user root 2>&1)
[[ $out == *"problem: "*"frank@example.com"*"nokey"* && $out == *"(checked the cluster $URL;"* ]] ||
  fail "doctor on the admin host: $out"
"${CA[@]}" user delete frank@example.com >/dev/null || fail "user delete frank"

# ---- dkim-filter-web in cluster mode reads and writes PostgreSQL ----
printf 'cluster = %s\ncluster-key = %s\n' "$URL" "$KEY" >"$work/web.conf"
panel=$("${CA[@]}" token add panel) || fail "token add panel"
DKIM_FILTER_DB=$work/none.db "$DKIM_BUILD/dkim-filter-web" --config "$work/web.conf" --listen 127.0.0.1:0 --foreground \
  --log stderr 2>"$work/web.log" &
pids+=($!)
until_true 30 grep -q 'listening on 127.0.0.1:' "$work/web.log" || fail "dkim-filter-web did not start: $(cat "$work/web.log")"
web="http://127.0.0.1:$(grep -o 'listening on 127.0.0.1:[0-9]*' "$work/web.log" | head -1 | cut -d: -f2)"
code=$(curl -s -o "$work/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $panel" -H 'Content-Type: application/json' \
  --data-binary '{"domain": "example.com", "selector": "web1", "algorithm": "ed25519"}' "$web/api/v1/keys")
[[ $code == 201 ]] || fail "the API's key generate in cluster mode: $code $(cat "$work/body")"
[[ $(psql_at "$P1" "SELECT state FROM keys WHERE domain = 'example.com' AND selector = 'web1'") == active ]] ||
  fail "the API's key did not reach PostgreSQL"
code=$(curl -s -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $panel" "$web/api/v1/keys")
[[ $code == 200 ]] && grep -q '"web1"' "$work/body" && grep -q '"s4"' "$work/body" || fail "the API's key list: $code $(cat "$work/body")"
[[ -e $work/none.db ]] && fail "dkim-filter-web in cluster mode made a local file"
"${CA[@]}" key delete example.com web1 --force >/dev/null || fail "key delete web1"

# ---- a pruned change log: a node behind it takes a fresh snapshot ----
"${CA[@]}" user add dave@example.com --selector s1 >/dev/null || fail "user add dave"
out=$("${CA[@]}" cluster prune --older-than 0 2>&1) || fail "cluster prune: $out"
[[ $out == "pruned "*" change-log entries (pruned through sequence "*")" && $out != "pruned 0 "* ]] || fail "prune output: $out"
[[ $(psql_at "$P1" "SELECT count(*) FROM change_log") == 0 ]] || fail "prune left log rows"
out=$("$SYNC" --foreground --once --cluster "$URL" --cluster-key "$KEY" --db "$node" 2>&1) || fail "sync after prune: $out"
[[ $out == *"was pruned from the change log; snapshot"* ]] || fail "sync did not notice the pruned log: $out"
[[ $(sqlite3 "$node" "SELECT count(*) FROM users WHERE name = 'dave@example.com'") == 1 ]] || fail "dave missing after prune"
same_rows "$node" "$P1" || fail "replica differs from the cluster after the prune snapshot"
# Current again: the next pass resumes, and changes after the cut apply.
"${CA[@]}" user delete dave@example.com >/dev/null || fail "user delete dave"
out=$("$SYNC" --foreground --once --cluster "$URL" --cluster-key "$KEY" --db "$node" 2>&1) || fail "sync resume: $out"
[[ $out == *"resuming"* && $out != *snapshot* ]] || fail "a current replica was snapshotted again: $out"
[[ $(sqlite3 "$node" "SELECT count(*) FROM users WHERE name = 'dave@example.com'") == 0 ]] || fail "dave's deletion not applied"
finish
