#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Permission errors say who ran and what is needed, instead of SQLite's
# "unable to open database file" / "busy, try again": dkim-filter-admin run
# by an account outside the database's group names that account and asks
# for root or the group (exit 78, not 75); the filter, which cannot read the
# database, names its user and the file and defers (75).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
FILTER="$DKIM_BUILD/dkim-filter"
if [[ $(id -u) != 0 ]] || ! command -v setpriv > /dev/null || ! getent group nogroup > /dev/null ||
  ! getent passwd daemon > /dev/null; then
  echo "FAIL: needs root, setpriv, group nogroup and user daemon"; exit 1
fi
chmod 0755 "$work"
ok init "$ADMIN" init
ok key "$ADMIN" key generate example.com s1 --algorithm ed25519
ok user "$ADMIN" user add alice@example.com --selector s1
dir=$(dirname "$DB")
chgrp -R nogroup "$dir"
chmod 2750 "$dir"
printf 'From: alice@example.com\nSubject: hi\n\nhello\n' > "$work/msg.eml"
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --clear-groups "$@"; }

# An account outside the group cannot even reach the file.
refused 78 "admin as daemon" as daemon "$ADMIN" user list
expect_in "$work/err" "cannot reach $DB \(Permission denied\) as daemon \(uid $(id -u daemon)\): dkim-filter-admin needs root, or an account in the database's group nogroup" \
  "admin outside the group"
grep -qi 'busy\|try again' "$work/err" && fail "admin says busy: $(cat "$work/err")"
# The group can read, not write: a writing command says so.
refused 78 "admin as nobody:nogroup" as nobody "$ADMIN" user add bob@example.com --selector s1
expect_in "$work/err" "cannot write $DB \(Permission denied\) as nobody .*group nogroup with group write permission" \
  "admin in the group, without write permission"

# The filter: names its user and the file, defers.
rc=0
as daemon "$FILTER" --stdout --log stderr --db "$DB" -f alice@example.com -u alice@example.com \
  < "$work/msg.eml" > "$work/out" 2> "$work/err" || rc=$?
((rc == 75)) || fail "filter as daemon (directory closed): exit $rc, expected 75"
expect_in "$work/err" "cannot reach $DB as daemon \(uid $(id -u daemon)\): Permission denied" "filter, directory closed"
chmod 0755 "$dir"
chmod 0600 "$DB"
rc=0
as nobody "$FILTER" --stdout --log stderr --db "$DB" -f alice@example.com -u alice@example.com \
  < "$work/msg.eml" > "$work/out" 2> "$work/err" || rc=$?
((rc == 75)) || fail "filter as nobody (file 0600): exit $rc, expected 75"
expect_in "$work/err" "cannot read $DB as nobody \(uid $(id -u nobody)\): Permission denied; the filter's user must be in the database's group nogroup" \
  "filter, file not readable"
grep -q 'unable to open database file' "$work/err" && fail "filter still says only 'unable to open database file'"
chmod 0640 "$DB"
as nobody "$FILTER" --stdout --log stderr --db "$DB" -f alice@example.com -u alice@example.com \
  < "$work/msg.eml" > "$work/out" 2> "$work/err" || fail "filter as nobody after the fix: $(cat "$work/err")"
head -1 "$work/out" | grep -q '^DKIM-Signature:' || fail "not signed after the fix"
finish
