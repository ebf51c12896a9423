#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Postfix mode (re-injection through sendmail) under faults, with a fake
# sendmail that records its argv and stdin (issue 4 "filter tests through the
# real binary with a fake sendmail", issue 6 items 3-4). Every case asserts
# the message is either handed over whole (exit 0, bytes = input + prepended
# signatures) or left to the MTA (exit 75 or sendmail's own code) with no
# complete copy accepted by sendmail — never lost, never half-delivered.
set -euo pipefail
source "$DKIM_SRC/tests/cli/lib/robustness.sh"
export FAKE_DIR="$work/fake"
mkdir -p "$FAKE_DIR"
SM="$work/sendmail"
msg="$work/msg.eml"
printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: faults\n\nHello\n' >"$msg"
{ printf 'From: Alice <alice@example.com>\nSubject: big\n\n'; head -c 3000000 /dev/urandom | base64; } >"$work/big.eml"

reset_fake() { rm -f "$FAKE_DIR"/*; }
# filter ARGS... : runs dkim-filter in Postfix mode; exit code in $rc.
filter() {
  reset_fake
  rc=0
  timeout 60 "$FILTER" --log stderr --sendmail "${SM_OVERRIDE:-$SM}" "$@" >"$work/out" 2>"$work/err" || rc=$?
}
expect_rc() {  # what code
  if [[ $rc == "$2" ]]; then pass "$1: exit $rc"; else fail "$1: exit $rc, expected $2: $(head -c 300 "$work/err")"; fi
}
argv_is() {  # what expected-args... (compares NUL-separated argv exactly)
  local what=$1; shift
  if cmp -s "$FAKE_DIR/argv" <(printf '%s\0' "$@"); then pass "$what: argv exact"; else
    fail "$what: argv $(tr '\0' '|' <"$FAKE_DIR/argv" | head -c 300), expected $(printf '%s|' "$@" | head -c 300)"; fi
}
not_queued() {  # what: sendmail must not have accepted a message
  if [[ -e $FAKE_DIR/queued ]]; then fail "$1: sendmail accepted a message"; else pass "$1: nothing accepted by sendmail"; fi
}
one_log_line() {
  [[ $(grep -c 'decision=' "$work/err") == 1 ]] || fail "$1: not exactly one log line: $(head -c 300 "$work/err")"
}

# --- argv and bytes -------------------------------------------------------
filter -f alice@example.com -u alice@example.com -- bob@example.org carol@example.net <"$msg"
expect_rc "signed" 0
argv_is "signed" -G -i -f alice@example.com -- bob@example.org carol@example.net
check_output "signed: stdin of sendmail" "$msg" "$FAKE_DIR/stdin" signed
one_log_line "signed"

filter -f '' -u alice@example.com -- bob@example.org <"$msg"
expect_rc "null sender" 0
argv_is "null sender" -G -i -f '' -- bob@example.org

filter -f -oQ/tmp/evil -u nobody@example.com -- -bs --help '-f x' 'a b@example.org' <"$msg"
expect_rc "dash sender and recipients" 0
argv_is "dash sender and recipients" -G -i -f -oQ/tmp/evil -- -bs --help '-f x' 'a b@example.org'
check_output "unknown user: stdin of sendmail" "$msg" "$FAKE_DIR/stdin" unsigned

filter --sender=-v -u alice@example.com -- -- <"$msg"
expect_rc "sender -v, recipient --" 0
argv_is "sender -v, recipient --" -G -i -f -v -- --

mapfile -t many < <(seq 1 10000 | sed 's/.*/rcpt&@example.org/')
filter -f alice@example.com -u alice@example.com -- "${many[@]}" <"$msg"
expect_rc "10,000 recipients" 0
argv_is "10,000 recipients" -G -i -f alice@example.com -- "${many[@]}"

# The child gets default signal actions, not the filter's SIG_IGN for
# SIGPIPE/SIGXFSZ (ignored signals survive exec).
filter -f a@example.com -u alice@example.com -- b@example.org <"$msg"
ign=$(( 16#$(awk '{print $2}' "$FAKE_DIR/sigign") ))
(( (ign >> 12) & 1 )) && fail "sendmail runs with SIGPIPE ignored" || pass "sendmail: SIGPIPE not ignored"
(( (ign >> 24) & 1 )) && fail "sendmail runs with SIGXFSZ ignored" || pass "sendmail: SIGXFSZ not ignored"

# --- hostile arguments ----------------------------------------------------
for bad in $'a@example.com\r\nX-Evil: 1' $'a@example.com\nb' $'a\r'; do
  filter -f "$bad" -u alice@example.com -- b@example.org <"$msg"
  expect_rc "line break in sender" 64
  [[ -e $FAKE_DIR/argv ]] && fail "line break in sender: sendmail was started"
  filter -f a@example.com -u alice@example.com -- ok@example.org "$bad" <"$msg"
  expect_rc "line break in recipient" 64
  filter -f a@example.com -u "$bad" -- b@example.org <"$msg"
  expect_rc "line break in SASL user" 64
done
filter -f a@example.com -u alice@example.com -- '' <"$msg"
expect_rc "empty recipient" 64
long_user=$(head -c 100000 /dev/zero | tr '\0' 'u')@example.com
filter -f a@example.com -u "$long_user" -- b@example.org <"$msg"
expect_rc "100 kB SASL user" 0
check_output "100 kB SASL user" "$msg" "$FAKE_DIR/stdin" unsigned
grep -q 'reason=unknown-user' "$work/err" && pass "100 kB SASL user: unknown-user" || fail "100 kB SASL user: $(grep -o 'reason=[^ ]*' "$work/err")"

# --- sendmail failures ----------------------------------------------------
FAKE_EXIT=75 filter -f a@example.com -u alice@example.com -- b@example.org <"$msg"
expect_rc "sendmail exits 75" 75; one_log_line "sendmail exits 75"
FAKE_EXIT=69 filter -f a@example.com -u alice@example.com -- b@example.org <"$msg"
expect_rc "sendmail exits 69" 69
SM_OVERRIDE=$work/missing-sendmail filter -f a@example.com -u alice@example.com -- b@example.org <"$msg"
expect_rc "sendmail missing" 75; one_log_line "sendmail missing"
printf '#!/bin/bash\nhead -c 100 >/dev/null\nkill -KILL $$\n' >"$work/sm-killed"
chmod 755 "$work/sm-killed"
SM_OVERRIDE=$work/sm-killed filter -f a@example.com -u alice@example.com -- b@example.org <"$work/big.eml"
expect_rc "sendmail killed mid-stream" 75
for code in 0 75 69; do  # closes its stdin at once, then exits CODE
  printf '#!/bin/bash\nexec 0<&-\nsleep 0.3\nexit %s\n' "$code" >"$work/sm-close"
  chmod 755 "$work/sm-close"
  SM_OVERRIDE=$work/sm-close filter -f a@example.com -u alice@example.com -- b@example.org <"$work/big.eml"
  want=$code; [[ $code == 0 ]] && want=75
  expect_rc "sendmail closes stdin early (EPIPE), exits $code" "$want"
done

# --- Exim mode: stdout closed early --------------------------------------
{ r=0; timeout 60 "$FILTER" --stdout --log stderr -f a@example.com -u alice@example.com <"$work/big.eml" \
    2>"$work/err" || r=$?; echo $r >"$work/rc"; } | head -c 10 >/dev/null
rc=$(cat "$work/rc")
expect_rc "--stdout, reader goes away" 75

# --- database faults ------------------------------------------------------
db_case() {  # what expected-rc db-file [extra args]
  local what=$1 want=$2 db=$3; shift 3
  filter --db "$db" -f a@example.com -u alice@example.com "$@" -- b@example.org <"$msg"
  expect_rc "$what" "$want"
  one_log_line "$what"
  if [[ $want != 0 ]]; then not_queued "$what"; fi
}
db_case "missing database" 78 "$work/none.db"
db_case "missing database, --on-error pass" 0 "$work/none.db" --on-error pass
check_output "missing database, --on-error pass" "$msg" "$FAKE_DIR/stdin" unsigned
cp "$DB" "$work/readable.db"; chmod 644 "$work/readable.db"
db_case "world-readable database" 78 "$work/readable.db"
cp "$DB" "$work/trunc.db"; truncate -s 5000 "$work/trunc.db"
db_case "truncated database" 75 "$work/trunc.db"
cp "$DB" "$work/corrupt.db"; printf 'this is not sqlite!!' | dd of="$work/corrupt.db" conv=notrunc status=none
db_case "corrupt database" 75 "$work/corrupt.db"
db_case "corrupt database, --on-error pass" 0 "$work/corrupt.db" --on-error pass
check_output "corrupt database, --on-error pass" "$msg" "$FAKE_DIR/stdin" unsigned
cp "$DB" "$work/newer.db"; sqlite3 "$work/newer.db" 'PRAGMA user_version = 999'
db_case "newer schema version" 78 "$work/newer.db"
: >"$work/empty.db"; chmod 640 "$work/empty.db"
db_case "empty database file" 78 "$work/empty.db"

# Locked: readers are not blocked by a writer's open transaction (RESERVED
# lock, sqlite.org/lockingv3.html: the filter signs from the last committed
# state); an exclusive lock does block them: busy timeout, then 75.
cp "$DB" "$work/locked.db"
mkfifo "$work/sqlfifo"
sqlite3 "$work/locked.db" <"$work/sqlfifo" >"$work/sql.out" 2>&1 &
sql_pid=$!
cleanup_hooks+=("kill $sql_pid")
exec 8>"$work/sqlfifo"
printf 'BEGIN IMMEDIATE;\nUPDATE users SET name = name;\nSELECT 1;\n' >&8
for _ in $(seq 50); do [[ -s $work/sql.out ]] && break; sleep 0.1; done
db_case "writer holds a transaction" 0 "$work/locked.db"
printf 'COMMIT;\nPRAGMA locking_mode = EXCLUSIVE;\nBEGIN EXCLUSIVE;\nUPDATE users SET name = name;\nSELECT 2;\n' >&8
for _ in $(seq 50); do grep -q 2 "$work/sql.out" && break; sleep 0.1; done
start=$SECONDS
db_case "database locked exclusively" 75 "$work/locked.db"
grep -q 'locked\|busy' "$work/err" || fail "locked: error does not say locked: $(head -c 200 "$work/err")"
echo "   (locked case took $((SECONDS - start)) s)"
exec 8>&-
wait "$sql_pid" 2>/dev/null || true

# --- spool full / not writable --------------------------------------------
# Postfix hands the message over a pipe, which is what needs the spool (a
# regular file on stdin is read twice instead): feed through a pipe.
mkdir -p "$work/tiny"
if mount -t tmpfs -o size=256k tmpfs "$work/tiny" 2>/dev/null; then
  cleanup_hooks+=("umount $work/tiny")
  filter --spool-dir "$work/tiny" -f a@example.com -u alice@example.com -- b@example.org < <(cat "$work/big.eml")
  expect_rc "spool on a full tmpfs" 75
  not_queued "spool on a full tmpfs"; one_log_line "spool on a full tmpfs"
  [[ -z $(ls -A "$work/tiny") ]] || fail "spool on a full tmpfs: files left behind: $(ls -A "$work/tiny")"
fi
reset_fake
rc=0
( ulimit -f 1024; exec timeout 60 "$FILTER" --log stderr --sendmail "$SM" --spool-dir "$work" \
    -f a@example.com -u alice@example.com -- b@example.org < <(cat "$work/big.eml") >/dev/null 2>"$work/err" ) || rc=$?
expect_rc "spool over RLIMIT_FSIZE" 75
not_queued "spool over RLIMIT_FSIZE"; one_log_line "spool over RLIMIT_FSIZE"
filter --spool-dir "$work/no-such-dir" -f a@example.com -u alice@example.com -- b@example.org < <(cat "$work/big.eml")
expect_rc "spool directory missing" 75
not_queued "spool directory missing"; one_log_line "spool directory missing"
# Not writable: only meaningful for a non-root user (root writes anyway).
if command -v setpriv >/dev/null && [[ $(id -u) == 0 ]]; then
  mkdir -p "$work/ro" "$work/nobody"; chmod 555 "$work/ro"; chmod 777 "$work/nobody"
  install -m 644 "$work/ed.pem" "$work/nobody/ed.pem"
  rc=0
  FAKE_DIR=$work/nobody setpriv --reuid=65534 --regid=65534 --clear-groups timeout 60 "$FILTER" --log stderr \
    --sendmail "$SM" --spool-dir "$work/ro" --key "$work/nobody/ed.pem" -d example.com -s ek \
    -f a@example.com -- b@example.org < <(cat "$work/big.eml") >/dev/null 2>"$work/err" || rc=$?
  expect_rc "spool directory not writable (as nobody)" 75
  [[ -e $work/nobody/queued ]] && fail "spool not writable: sendmail accepted a message"
fi

# --- signals and truncated input ------------------------------------------
# Input from a FIFO that stalls mid-body; SIGTERM the filter. Whether it
# was signing (body spooled, sendmail not started yet) or passing the
# message unsigned (streaming into sendmail), sendmail must not accept the
# partial message as complete.
stall_and_kill() {  # what sasl-user signal
  local what=$1 user=$2 sig=$3
  reset_fake
  rm -f "$work/fifo"; mkfifo "$work/fifo"
  "$FILTER" --log stderr --sendmail "$SM" -f a@example.com -u "$user" -- b@example.org <"$work/fifo" \
    >/dev/null 2>"$work/err" &
  local pid=$!
  exec 9>"$work/fifo"
  printf 'From: Alice <alice@example.com>\nSubject: stalled\n\nfirst line\n' >&9
  sleep 0.5
  kill -"$sig" "$pid"
  rc=0
  if [[ $sig == PIPE ]]; then  # ignored: the message completes normally
    printf 'last line\n' >&9
    exec 9>&-
    wait "$pid" || rc=$?
    expect_rc "$what" 0
    printf 'From: Alice <alice@example.com>\nSubject: stalled\n\nfirst line\nlast line\n' >"$work/stalled.eml"
    check_output "$what" "$work/stalled.eml" "$FAKE_DIR/stdin" any
    return
  fi
  wait "$pid" || rc=$?
  exec 9>&-
  sleep 0.3  # let a (wrongly) started sendmail see EOF and finish
  ((rc != 0)) && pass "$what: filter ended with status $rc" || fail "$what: filter exited 0"
  not_queued "$what"
}
stall_and_kill "SIGTERM while signing" alice@example.com TERM
stall_and_kill "SIGTERM while passing unsigned" nobody@example.com TERM
stall_and_kill "SIGPIPE mid-message" alice@example.com PIPE

printf 'From: alice@example.com\nSubj' >"$work/fragment.eml"
filter -f a@example.com -u alice@example.com -- b@example.org <"$work/fragment.eml"
expect_rc "truncated stdin (header fragment)" 0
check_output "truncated stdin (header fragment)" "$work/fragment.eml" "$FAKE_DIR/stdin" any
finish
