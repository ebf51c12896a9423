# SPDX-License-Identifier: MIT
# Shared helpers for tests/admin/*.test.sh (sourced, not a test itself).
ADMIN="$DKIM_BUILD/dkim-filter-admin"
[[ -x "$ADMIN" ]] || { echo "FAIL: $ADMIN not built"; exit 1; }
work=$(mktemp -d)
export DKIM_FILTER_DB="$work/db/dkim.db"
# The database directory as the package makes it (root:dkim-filter 2750)
# when the filter's account exists: explain, run as root, opens the
# database as that account first, as the filter would.
if getent group dkim-filter > /dev/null; then
  chmod 0755 "$work"
  mkdir -p "$work/db"
  chgrp dkim-filter "$work/db" && chmod 2750 "$work/db"
  DB_DIR_PRESET=1
fi
DB="$DKIM_FILTER_DB"
fails=0
# The schema version a fresh database gets: the newest db/schema/NNNN_*.sql.
SCHEMA_VERSION=$(ls "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"/db/schema/*.sql |
  sed -n 's|.*/0*\([0-9][0-9]*\)_[^/]*$|\1|p' | sort -n | tail -1)
cleanup_hooks=()
on_exit() {
  local h
  for h in "${cleanup_hooks[@]}"; do eval "$h" || true; done
  rm -rf "$work"
}
trap on_exit EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
finish() {
  if ((fails)); then echo "$fails failure(s)"; exit 1; fi
  echo "ok"
}

# ok DESCRIPTION -- CMD...: must exit 0; stdout in $work/out, stderr in $work/err.
ok() {
  local what=$1; shift
  local rc=0
  "$@" >"$work/out" 2>"$work/err" || rc=$?
  ((rc == 0)) || fail "$what: exit $rc: $(head -c 300 "$work/err")"
  return 0
}

# The database as SQL text ("absent" when there is none; sqlite3 would create it).
dump_db() { if [[ -e $DB ]]; then sqlite3 "$DB" .dump 2>&1; else echo absent; fi; }

# refused CODE DESCRIPTION CMD...: must exit CODE with exactly one error
# line "dkim-filter-admin: ..." on stderr (warnings aside) and leave the
# database byte-for-byte the same as far as SQL can tell.
refused() {
  local code=$1 what=$2; shift 2
  local before after rc=0
  before=$(dump_db)
  "$@" >"$work/out" 2>"$work/err" || rc=$?
  after=$(dump_db)
  [[ $rc == "$code" ]] || fail "$what: exit $rc, expected $code ($(head -c 300 "$work/err"))"
  local errors
  errors=$(grep -v '^dkim-filter-admin: warning: ' "$work/err" || true)
  [[ $(printf '%s\n' "$errors" | grep -c .) == 1 ]] || fail "$what: expected one error line, got: $errors"
  [[ $errors == "dkim-filter-admin: "* ]] || fail "$what: error line not prefixed: $errors"
  [[ $before == "$after" ]] || fail "$what: database changed by a refused command"
  return 0
}

# expect_in FILE PATTERN DESCRIPTION
expect_in() { grep -Eq -- "$2" "$1" || fail "$3: '$2' not in $(head -c 300 "$1")"; }
