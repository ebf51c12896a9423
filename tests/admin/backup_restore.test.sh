#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# backup and restore while mail flows: a load of filter runs (as the
# filter's unprivileged account, as deployed) and of admin writes goes on
# while backups are taken and restored; every filter run signs, every
# backup is a sound database with the database's mode and group, a restore
# swaps the file atomically keeping mode and group, an older backup is
# upgraded, and a backup that is corrupt, not ours, newer than this program
# or holds a damaged key is refused with the database unchanged.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
FILTER="$DKIM_BUILD/dkim-filter"
if [[ $(id -u) != 0 ]] || ! command -v setpriv > /dev/null || ! getent group nogroup > /dev/null; then
  echo "FAIL: needs root, setpriv and group nogroup to run the filter as an unprivileged reader"; exit 1
fi
chmod 0755 "$work"
ok init "$ADMIN" init
ok key "$ADMIN" key generate example.com s1
ok user "$ADMIN" user add alice@example.com --selector s1
for i in $(seq 1 20); do "$ADMIN" user add "u$i@example.com" --selector s1 > /dev/null; done
dir=$(dirname "$DB")
chgrp -R nogroup "$dir"
chmod 2750 "$dir"
chmod 0640 "$DB"
version=$(sqlite3 "$DB" 'PRAGMA user_version')
printf 'From: <u1@example.com>\nTo: bob@example.org\nSubject: hi\n\nhello\n' > "$work/msg.eml"
load_user=u1@example.com

# The load: filter runs (as $load_user) until $work/stop exists; each failure is logged.
load() {
  local n=0
  while [[ ! -e $work/stop ]] && ((n < 2000)); do
    n=$((n + 1))
    if ! setpriv --reuid=nobody --regid=nogroup --clear-groups "$FILTER" --stdout --log stderr --db "$DB" \
      -f "$load_user" -u "$load_user" < "$work/msg.eml" > "$work/load.out" 2> "$work/load.err"; then
      echo "run $n: exit $?: $(head -c 300 "$work/load.err")" >> "$work/load.failures"
    elif ! head -1 "$work/load.out" | grep -q '^DKIM-Signature: '; then
      echo "run $n: not signed: $(head -c 300 "$work/load.err")" >> "$work/load.failures"
    fi
  done
  echo "$n" > "$work/load.count"
}
# Admin writes meanwhile: users come and go. A write that lands on the
# file a restore just replaced is lost with it ("no user" for its delete,
# "already exists" after); any other failure counts.
writes() {
  local n=0 cmd
  while [[ ! -e $work/stop ]] && ((n < 2000)); do
    n=$((n + 1))
    for cmd in "user add w$n@example.com --selector s1" "user delete w$n@example.com"; do
      # shellcheck disable=SC2086 # the command's words
      if ! "$ADMIN" $cmd > /dev/null 2> "$work/write.err" && ! grep -Eq 'no user|already exists' "$work/write.err"; then
        echo "$cmd: $(cat "$work/write.err")" >> "$work/writes.failures"
      fi
    done
  done
}
stop_load() {
  touch "$work/stop"
  wait "$load_pid" "$writes_pid" || true
  rm -f "$work/stop"
  [[ ! -s $work/load.failures ]] || fail "$1: filter runs failed: $(head -5 "$work/load.failures")"
  [[ ! -s $work/writes.failures ]] || fail "$1: admin writes failed: $(head -5 "$work/writes.failures")"
  (($(cat "$work/load.count") > 0)) || fail "$1: no filter run"
  rm -f "$work/load.failures" "$work/writes.failures"
}
load & load_pid=$!
writes & writes_pid=$!
cleanup_hooks+=("touch '$work/stop'; wait")

# ---- backups during the load -----------------------------------------------------
mkdir "$work/backups"
for i in 1 2 3 4 5; do
  ok "backup $i during the load" "$ADMIN" backup "$work/backups/b$i.db"
  expect_in "$work/out" "^backed up $DB to $work/backups/b$i.db" "backup $i output"
  b=$work/backups/b$i.db
  [[ $(stat -c '%a %G' "$b") == "640 nogroup" ]] || fail "backup $i: mode and group $(stat -c '%a %G' "$b"), expected the database's 640 nogroup"
  [[ $(sqlite3 "$b" 'PRAGMA integrity_check') == ok ]] || fail "backup $i: integrity_check fails"
  [[ $(sqlite3 "$b" 'PRAGMA user_version') == "$version" ]] || fail "backup $i: schema version"
  [[ $(sqlite3 "$b" 'SELECT count(*) FROM keys') == 1 ]] || fail "backup $i: keys"
  (($(sqlite3 "$b" "SELECT count(*) FROM users WHERE name LIKE 'u%'") == 20)) || fail "backup $i: users"
  [[ $(sqlite3 "$b" 'PRAGMA journal_mode') == delete ]] || fail "backup $i: journal mode"
done
ls "$work/backups" | grep -v '^b[0-9]\.db$' && fail "backup left temporary files: $(ls "$work/backups")"
stop_load "backups"

# ---- restore ------------------------------------------------------------------------
ok "delete alice" "$ADMIN" user delete alice@example.com
inode=$(stat -c %i "$DB")
load & load_pid=$!
writes & writes_pid=$!
ok "restore during the load" "$ADMIN" restore "$work/backups/b1.db"
expect_in "$work/out" "^restored $DB from $work/backups/b1.db \(1 keys, " "restore output"
sleep 1  # some filter runs on the restored file (not a timing assertion)
stop_load "restore"
[[ $(stat -c %i "$DB") != "$inode" ]] || fail "restore did not swap the file in (same inode)"
[[ $(stat -c '%a %U %G' "$DB") == "640 root nogroup" ]] || fail "restore changed mode/owner/group: $(stat -c '%a %U %G' "$DB")"
ok "alice is back" "$ADMIN" user list
expect_in "$work/out" '^alice@example.com ' "restored users"
ls "$dir" | grep -v '^dkim\.db$' && fail "restore left files beside the database: $(ls "$dir")"

# ---- refused backups: nothing changes ---------------------------------------------
cp "$DB" "$work/before.db"
unchanged() {
  cmp -s "$DB" "$work/before.db" || fail "$1: the database changed"
  ls "$dir" | grep -v '^dkim\.db$' && fail "$1: files left beside the database: $(ls "$dir")"
  return 0
}
head -c 6000 "$work/backups/b2.db" > "$work/truncated.db"
refused 65 "restore of a truncated backup" "$ADMIN" restore "$work/truncated.db"
unchanged truncated
printf 'not a database\n%.0s' $(seq 100) > "$work/garbage.db"
refused 65 "restore of a text file" "$ADMIN" restore "$work/garbage.db"
expect_in "$work/err" "not a usable SQLite database" "garbage message"
unchanged garbage
cp "$work/backups/b2.db" "$work/corrupt.db"
# Damage the header of page 2, the root of the first table's b-tree.
printf '\xff\xff\xff\xff\xff\xff\xff\xff' | dd of="$work/corrupt.db" bs=1 seek=4096 conv=notrunc status=none
refused 65 "restore of a damaged page" "$ADMIN" restore "$work/corrupt.db"
unchanged corrupt
cp "$work/backups/b3.db" "$work/badkey.db"
sqlite3 "$work/badkey.db" "UPDATE keys SET private_pem = replace(private_pem, 'MII', 'MIJ')"
refused 65 "restore of a backup with a damaged key" "$ADMIN" restore "$work/badkey.db"
expect_in "$work/err" "key s1 of example.com does not load" "damaged key message"
unchanged badkey
cp "$work/backups/b3.db" "$work/newer.db"
sqlite3 "$work/newer.db" "PRAGMA user_version = 999"
refused 65 "restore of a newer schema" "$ADMIN" restore "$work/newer.db"
expect_in "$work/err" "schema version 999, newer than" "newer schema message"
unchanged newer
sqlite3 "$work/other.db" "CREATE TABLE t (x); PRAGMA user_version = 1"
refused 65 "restore of another program's database" "$ADMIN" restore "$work/other.db"
unchanged other
refused 64 "restore of a missing file" "$ADMIN" restore "$work/nonexistent.db"
unchanged missing

# ---- an older backup (schema 1) is upgraded ------------------------------------------
sqlite3 "$work/v1.db" < "$DKIM_SRC/db/schema/0001_init.sql"
sqlite3 "$DB" "SELECT 'INSERT INTO keys VALUES (' || quote(domain) || ',' || quote(selector) || ',' || quote(type) ||
  ',' || bits || ',' || quote(private_pem) || ',' || quote(canon) || ',' || created || ');' FROM keys" | sqlite3 "$work/v1.db"
sqlite3 "$work/v1.db" "INSERT INTO users (name, kind, domain, selectors, created) VALUES ('alice@example.com', 'login', 'example.com', 's1', 0); PRAGMA user_version = 1"
ok "restore of a schema 1 backup" "$ADMIN" restore "$work/v1.db"
expect_in "$work/out" "upgraded from 1\)" "upgrade noted"
[[ $(sqlite3 "$DB" 'PRAGMA user_version') == "$version" ]] || fail "restored schema 1 backup not upgraded"
[[ $(sqlite3 "$DB" "SELECT public_key != '' FROM keys") == 1 ]] || fail "upgrade did not fill the public key"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$FILTER" --stdout --log stderr --db "$DB" \
  -f alice@example.com -u alice@example.com < "$work/msg.eml" > "$work/out" 2> "$work/err" || fail "filter after restore: $(cat "$work/err")"
head -1 "$work/out" | grep -q '^DKIM-Signature: ' || fail "not signed after restoring a schema 1 backup"
finish
