#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The database needs no side file (rollback journal, sqlite.org/tempfiles.html):
# the filter, run as nobody:nogroup with only group read permission (the
# deployed setup, where it cannot write the directory), keeps signing after
# root's own sqlite3 `.backup` and `PRAGMA quick_check`, which delete -wal and
# -shm of a WAL database when they close it. A side file others can read is
# refused with advice naming it; a WAL database is converted by any admin
# command; the admin leaves no side file behind; a symbolic link as --db
# is refused by name.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
FILTER="$DKIM_BUILD/dkim-filter"
if [[ $(id -u) != 0 ]] || ! command -v setpriv > /dev/null || ! getent group nogroup > /dev/null; then
  echo "FAIL: needs root, setpriv and group nogroup to run the filter as an unprivileged reader"; exit 1
fi

ok init "$ADMIN" init
ok "key" "$ADMIN" key generate example.com s1 --algorithm ed25519
ok "user" "$ADMIN" user add alice@example.com --selector s1
for f in "$DB-journal" "$DB-wal" "$DB-shm"; do [[ ! -e $f ]] || fail "admin left $f behind"; done
[[ $(sqlite3 "$DB" 'PRAGMA journal_mode') == delete ]] || fail "journal mode is not DELETE"
chmod 0755 "$work"
chgrp -R nogroup "$(dirname "$DB")"
printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: hi\n\nhello\n' > "$work/msg.eml"

# sign DESCRIPTION: the filter as nobody must exit 0 with a signature.
sign() {
  local rc=0
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$FILTER" --stdout --log stderr --db "$DB" \
    -f alice@example.com -u alice@example.com < "$work/msg.eml" > "$work/out" 2> "$work/err" || rc=$?
  ((rc == 0)) || { fail "$1: filter exit $rc: $(head -c 300 "$work/err")"; return 0; }
  head -1 "$work/out" | grep -q '^DKIM-Signature: ' || fail "$1: not signed: $(head -c 300 "$work/err")"
}
# refused_side FILE: the filter must not sign, and its error must name FILE.
refused_side() {
  local rc=0
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$FILTER" --stdout --log stderr --db "$DB" \
    -f alice@example.com -u alice@example.com < "$work/msg.eml" > "$work/out" 2> "$work/err" || rc=$?
  ((rc != 0)) || fail "side file $1 others can read: filter exit 0"
  ! grep -q '^DKIM-Signature: ' "$work/out" || fail "side file $1 others can read: message signed"
  grep -qF "$1" "$work/err" || fail "side file $1: error does not name it: $(head -c 300 "$work/err")"
  grep -qF "chmod o-rwx" "$work/err" || fail "side file $1: error gives no fix: $(head -c 300 "$work/err")"
}

sign "before root's sqlite3"
sqlite3 "$DB" ".backup $work/backup.db" || fail "sqlite3 .backup"
sign "after sqlite3 .backup as root"
[[ $(sqlite3 "$DB" 'PRAGMA quick_check') == ok ]] || fail "quick_check"
sign "after PRAGMA quick_check as root"
sqlite3 "$DB" 'PRAGMA integrity_check' > /dev/null || fail "integrity_check"
sign "after PRAGMA integrity_check as root"

# A side file others can read: refused, named, whichever it is.
for suffix in -journal -wal -shm; do
  : > "$DB$suffix"; chgrp nogroup "$DB$suffix"; chmod 0644 "$DB$suffix"
  refused_side "$DB$suffix"
  chmod 0640 "$DB$suffix"
  [[ $suffix == -journal ]] && sign "empty private -journal"
  rm -f "$DB$suffix"
done
sign "side files gone"

# A symbolic link as --db: refused by name (SQLite opens with
# SQLITE_OPEN_NOFOLLOW and would only say "unable to open database file").
ln -s "$DB" "$work/link.db"
rc=0
"$FILTER" --stdout --log stderr --db "$work/link.db" -f alice@example.com -u alice@example.com \
  < "$work/msg.eml" > "$work/out" 2> "$work/err" || rc=$?
((rc != 0)) || fail "symbolic link as --db: filter exit 0"
grep -qF "$work/link.db is a symbolic link to $DB" "$work/err" || fail "symbolic link: not named: $(cat "$work/err")"
refused 78 "admin with a symbolic link as --db" "$ADMIN" --db "$work/link.db" key list
expect_in "$work/err" "is a symbolic link" "admin with a symbolic link as --db"

# A database left in WAL mode by an earlier version (its -wal and -shm kept
# after close): any admin command converts it, and the files go.
sqlite3 "$DB" '.filectrl persist_wal 1' 'PRAGMA journal_mode = WAL' 'UPDATE users SET created = created' > /dev/null
[[ -e $DB-wal && -e $DB-shm ]] || fail "test setup: no -wal/-shm after switching to WAL"
ok "key list converts" "$ADMIN" key list
[[ $(sqlite3 "$DB" 'PRAGMA journal_mode') == delete ]] || fail "admin did not convert the WAL database"
for f in "$DB-wal" "$DB-shm"; do [[ ! -e $f ]] || fail "conversion left $f behind"; done
sign "after conversion from WAL"

# The rollback journal an admin write creates gets the database's mode
# (SQLite copies it, sqlite.org/src os_unix.c findCreateFileMode) and owner;
# a write interrupted mid-way shows it.
mkfifo "$work/sqlfifo"
sqlite3 "$DB" < "$work/sqlfifo" > /dev/null 2>&1 &
sql_pid=$!
cleanup_hooks+=("kill -9 $sql_pid 2>/dev/null")
exec 8> "$work/sqlfifo"
printf 'BEGIN IMMEDIATE;\nUPDATE users SET created = created + 1;\nSELECT 1;\n' >&8
for _ in $(seq 50); do [[ -e $DB-journal ]] && break; sleep 0.1; done
if [[ -e $DB-journal ]]; then
  [[ $(stat -c %a "$DB-journal") == 640 ]] || fail "journal mode $(stat -c %a "$DB-journal"), expected 640"
  [[ $(stat -c %G "$DB-journal") == nogroup ]] || fail "journal group $(stat -c %G "$DB-journal")"
  sign "while a writer holds an open transaction"
else
  fail "test setup: no journal during a write transaction"
fi
printf 'ROLLBACK;\n' >&8
exec 8>&-
wait "$sql_pid" 2>/dev/null || true
finish
