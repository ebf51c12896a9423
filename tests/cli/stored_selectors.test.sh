#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A users.selectors row is written into s= as it is, so the filter checks
# it against RFC 6376 §3.1 (the admin's own selector syntax) and skips what
# fails (dkim-filter(8), SIGNING RULES, rule 2). Rows written behind the
# admin's back with the sqlite3 CLI - "s1; d=victim.example" (a forged
# tag) and one with a CRLF and a Bcc line (a forged header line), each with
# a key row under that very selector - must never reach the output: the
# message goes out signed with the valid selector only, or unsigned
# (reason=no-key) when none is left, and the log names what was skipped.
set -euo pipefail
source "$DKIM_SRC/tests/cli/lib/robustness.sh"
command -v sqlite3 >/dev/null || { echo "FAIL: sqlite3 not installed"; exit 1; }

tag='s1; d=victim.example'
line=$'s1\r\nBcc: spy@victim.example'
# A key row for each hostile selector (a copy of s1's), so only the
# selector check stands between the row and the signature field.
sqlite3 "$DB" <<SQL
CREATE TEMP TABLE k AS SELECT * FROM keys WHERE domain = 'example.com' AND selector = 's1';
UPDATE k SET selector = 's1; d=victim.example', slot = 's1; d=victim.example';
INSERT INTO keys SELECT * FROM k;
UPDATE k SET selector = 's1' || char(13, 10) || 'Bcc: spy@victim.example', slot = 's1' || char(13, 10) || 'Bcc: spy@victim.example';
INSERT INTO keys SELECT * FROM k;
SQL

printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: stored selectors\n\nbody\n' >"$work/msg"

run() {  # SELECTORS-ROW WHAT: sets alice's row, runs the filter
  sqlite3 "$DB" "UPDATE users SET selectors = CAST(x'$(printf '%s' "$1" | xxd -p | tr -d '\n')' AS TEXT) WHERE name = 'alice@example.com'"
  [[ $(sqlite3 "$DB" "SELECT selectors FROM users WHERE name = 'alice@example.com'") == "$1" ]] ||
    fail "$2: the row was not written as meant"
  local rc=0
  "$FILTER" --stdout --log stderr -f alice@example.com -u alice@example.com <"$work/msg" >"$work/out" 2>"$work/err" || rc=$?
  ((rc == 0)) || fail "$2: exit $rc: $(head -c 300 "$work/err")"
  [[ $(grep -c . "$work/err") == 1 ]] || fail "$2: not one log line: $(cat -A "$work/err" | head -c 400)"
  # Nothing of a hostile selector in the prepended fields: no victim tag,
  # no extra line, no CR in an LF message.
  local added
  added=$(head -c $(( $(stat -c %s "$work/out") - $(stat -c %s "$work/msg") )) "$work/out")
  grep -qi 'victim' <<<"$added" && fail "$2: a hostile selector reached the output: $added"
  [[ $added == *$'\r'* ]] && fail "$2: a CR reached the output"
  return 0
}

run "$tag,s2" "tag injection"
check_output "tag injection" "$work/msg" "$work/out" signed
grep -q "selector=s2 " "$work/err" || fail "tag injection: not signed with s2 alone: $(cat "$work/err")"
grep -qF 'bad_selector="s1; d=victim.example"' "$work/err" || fail "tag injection: bad_selector not logged: $(cat "$work/err")"

run "$line,s2" "header injection"
check_output "header injection" "$work/msg" "$work/out" signed
grep -qF 'bad_selector="s1\x0d\x0aBcc: spy@victim.example"' "$work/err" ||
  fail "header injection: bad_selector not logged escaped: $(cat -A "$work/err")"

run "$tag,$line" "only hostile selectors"
check_output "only hostile selectors" "$work/msg" "$work/out" unsigned
grep -q "decision=unsigned reason=no-key" "$work/err" || fail "only hostile selectors: not no-key: $(cat "$work/err")"

# explain runs the same rules: it names the skipped selectors, escaped.
rc=0
"$ADMIN" explain --user alice@example.com --from alice@example.com >"$work/explain" 2>&1 || rc=$?
((rc == 1)) || fail "explain: exit $rc, expected 1"
grep -qF 'skipped selector: "s1\u000d\nBcc: spy@victim.example"' "$work/explain" || fail "explain: $(cat -A "$work/explain")"
grep -q 'decision: not signed (no-key)' "$work/explain" || fail "explain: $(cat "$work/explain")"
finish
