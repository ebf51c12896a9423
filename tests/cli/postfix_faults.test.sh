#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Postfix mode (re-injection through sendmail) under faults, with a fake
# sendmail that records its argv and stdin, through the real binary. Every
# case asserts
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
# Sendmail's stdin is a file holding the whole message, not a pipe: there
# is no early end of input to take for the end of the message, and
# sendmail's own status is what counts.
for code in 0 75 69; do  # closes its stdin at once, then exits CODE
  printf '#!/bin/bash\nexec 0<&-\nexit %s\n' "$code" >"$work/sm-close"
  chmod 755 "$work/sm-close"
  SM_OVERRIDE=$work/sm-close filter -f a@example.com -u alice@example.com -- b@example.org <"$work/big.eml"
  expect_rc "sendmail closes stdin at once, exits $code" "$code"
done
# Its stdin is a regular file, complete before it starts.
printf '#!/bin/bash\nstat -L -c %%F /dev/stdin >"$FAKE_DIR/stdin-type"\nexec %q "$@"\n' "$SM" >"$work/sm-stat"
chmod 755 "$work/sm-stat"
for how in file pipe; do
  for who in alice@example.com nobody@example.com; do
    reset_fake
    rc=0
    if [[ $how == file ]]; then
      "$FILTER" --log stderr --sendmail "$work/sm-stat" -f a@example.com -u "$who" -- b@example.org \
        <"$work/big.eml" >/dev/null 2>"$work/err" || rc=$?
    else
      cat "$work/big.eml" | "$FILTER" --log stderr --sendmail "$work/sm-stat" -f a@example.com -u "$who" \
        -- b@example.org >/dev/null 2>"$work/err" || rc=$?
    fi
    expect_rc "stdin of sendmail ($how, $who)" 0
    [[ $(cat "$FAKE_DIR/stdin-type" 2>/dev/null) == "regular file" || $(cat "$FAKE_DIR/stdin-type" 2>/dev/null) == "regular empty file" ]] &&
      pass "stdin of sendmail ($how, $who): a regular file" ||
      fail "stdin of sendmail ($how, $who): $(cat "$FAKE_DIR/stdin-type" 2>/dev/null)"
    [[ $who == alice@example.com ]] && want=signed || want=unsigned
    check_output "stdin of sendmail ($how, $who)" "$work/big.eml" "$FAKE_DIR/stdin" "$want"
  done
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
db_case "missing database" 75 "$work/none.db"
db_case "missing database, --on-error pass" 0 "$work/none.db" --on-error pass
check_output "missing database, --on-error pass" "$msg" "$FAKE_DIR/stdin" unsigned
cp "$DB" "$work/readable.db"; chmod 644 "$work/readable.db"
db_case "world-readable database" 75 "$work/readable.db"
cp "$DB" "$work/trunc.db"; truncate -s 5000 "$work/trunc.db"
db_case "truncated database" 75 "$work/trunc.db"
cp "$DB" "$work/corrupt.db"; printf 'this is not sqlite!!' | dd of="$work/corrupt.db" conv=notrunc status=none
db_case "corrupt database" 75 "$work/corrupt.db"
db_case "corrupt database, --on-error pass" 0 "$work/corrupt.db" --on-error pass
check_output "corrupt database, --on-error pass" "$msg" "$FAKE_DIR/stdin" unsigned
cp "$DB" "$work/newer.db"; sqlite3 "$work/newer.db" 'PRAGMA user_version = 999'
db_case "newer schema version" 75 "$work/newer.db"
: >"$work/empty.db"; chmod 640 "$work/empty.db"
db_case "empty database file" 75 "$work/empty.db"

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

# --- configuration problems: 75, or unsigned with --on-error pass ---------
# Exit 78 would make pipe(8) bounce the message: a configuration mistake
# must defer it (or, with a command-line --on-error pass, send it unsigned,
# byte for byte), never return it to the sender.
config_case() {  # what config-file [file-the-reason-names]
  local what=$1 conf=$2 named=${3:-$2}
  filter --config "$conf" -f a@example.com -u alice@example.com -- b@example.org <"$msg"
  expect_rc "$what" 75
  one_log_line "$what"; not_queued "$what"
  grep -q -F -- "$named" "$work/err" && pass "$what: the reason names the file" ||
    fail "$what: the reason does not name $named: $(head -c 300 "$work/err")"
  filter --config "$conf" --on-error pass -f a@example.com -u alice@example.com -- b@example.org <"$msg"
  expect_rc "$what, --on-error pass" 0
  one_log_line "$what, --on-error pass"
  check_output "$what, --on-error pass" "$msg" "$FAKE_DIR/stdin" unsigned
  cmp -s "$msg" "$FAKE_DIR/stdin" && pass "$what, --on-error pass: byte-identical" ||
    fail "$what, --on-error pass: altered"
}
printf 'db = %s\n' "$DB" >"$work/good.conf"; chmod 644 "$work/good.conf"
filter --config "$work/good.conf" -f a@example.com -u alice@example.com -- b@example.org <"$msg"
expect_rc "good config file" 0
check_output "good config file" "$msg" "$FAKE_DIR/stdin" signed
printf 'db = %s\n' "$work/readable.db" >"$work/c-readable.conf"
config_case "database mode 0644 (config file)" "$work/c-readable.conf" "$work/readable.db"
db_case "world-readable database, --on-error pass" 0 "$work/readable.db" --on-error pass
check_output "world-readable database, --on-error pass" "$msg" "$FAKE_DIR/stdin" unsigned
printf 'db = %s\n' "$work/moved.db" >"$work/c-moved.conf"
config_case "moved database (config file)" "$work/c-moved.conf" "$work/moved.db"
printf 'db = %s\nsendmial = /usr/sbin/sendmail\n' "$DB" >"$work/c-typo.conf"
config_case "typo in the config file" "$work/c-typo.conf"
printf 'db = %s\non-error = sometimes\n' "$DB" >"$work/c-value.conf"
config_case "bad value in the config file" "$work/c-value.conf"
printf 'db = %s\nexpire = 99999999999999\n' "$DB" >"$work/c-expire.conf"
config_case "expire past 12 digits in the config file" "$work/c-expire.conf"
config_case "missing --config file" "$work/no-such.conf"
# Whoever can write the file can name the program run as sendmail.
cp "$work/good.conf" "$work/c-0666.conf"; chmod 666 "$work/c-0666.conf"
config_case "config file mode 0666" "$work/c-0666.conf"
grep -q 'chmod go-w' "$work/err" || fail "config file mode 0666: no fix in the reason: $(head -c 300 "$work/err")"
cp "$work/good.conf" "$work/c-0620.conf"; chmod 620 "$work/c-0620.conf"
config_case "config file group-writable" "$work/c-0620.conf"
cp "$work/good.conf" "$work/c-nobody.conf"; chown nobody "$work/c-nobody.conf"
config_case "config file owned by nobody" "$work/c-nobody.conf"
grep -q 'chown root' "$work/err" || fail "config file owned by nobody: no fix in the reason: $(head -c 300 "$work/err")"
# A bad command line stays 64 (the MTA's own configuration is wrong).
filter --bogus-option -f a@example.com -- b@example.org <"$msg"
expect_rc "unknown command-line option" 64
filter --on-error sometimes -f a@example.com -- b@example.org <"$msg"
expect_rc "bad command-line value" 64
filter --expire 99999999999999 -f a@example.com -- b@example.org <"$msg"
expect_rc "--expire past 12 digits" 64
filter --timestamp 1000000000000 -f a@example.com -- b@example.org <"$msg"
expect_rc "--timestamp past 12 digits" 64
# x= fits 12 digits at the largest --expire accepted.
filter --timestamp 1700000000 --expire $((999999999999 - 1700000000)) -f a@example.com -u alice@example.com \
  -- b@example.org <"$msg"
expect_rc "largest --expire" 0
grep -q 'x=999999999999;' <(tr -d '\r\n\t ' <"$FAKE_DIR/stdin") && pass "largest --expire: x=999999999999" ||
  fail "largest --expire: $(grep -o 'x=[^;]*' "$FAKE_DIR/stdin" | head -n 1)"

# --- --size (pipe(8)'s ${size}) ----------------------------------------------
size=$(stat -c %s "$msg")
filter --size "$size" -f a@example.com -u alice@example.com -- b@example.org <"$msg"
expect_rc "--size exact" 0
check_output "--size exact" "$msg" "$FAKE_DIR/stdin" signed
for who in alice@example.com nobody@example.com; do
  for pass_opt in "" "--on-error pass"; do
    # shellcheck disable=SC2086 # pass_opt is zero or two words
    filter --size $((size + 7)) $pass_opt -f a@example.com -u "$who" -- b@example.org <"$msg"
    expect_rc "short input ($who${pass_opt:+, $pass_opt})" 75
    not_queued "short input ($who${pass_opt:+, $pass_opt})"
    [[ -e $FAKE_DIR/argv ]] && fail "short input ($who): sendmail was started"
    one_log_line "short input ($who)"
    grep -q -- '--size' "$work/err" || fail "short input: the log does not say why: $(head -c 300 "$work/err")"
  done
done
filter --size $((size - 1)) -f a@example.com -u alice@example.com -- b@example.org <"$msg"
expect_rc "longer input than --size" 75
not_queued "longer input than --size"
rc=0
"$FILTER" --stdout --log stderr --size $((size + 1)) -f a@example.com -u nobody@example.com <"$msg" \
  >/dev/null 2>"$work/err" || rc=$?
expect_rc "--stdout, short input" 75

# --- long lines (RFC 5322 §2.1.1: at most 998 octets before CRLF) --------------
long_case() {  # what line-length expect(yes|no) [crlf]
  local eol=$'\n'
  [[ ${4:-} == crlf ]] && eol=$'\r\n'
  { printf 'From: Alice <alice@example.com>%sSubject: long%s%s' "$eol" "$eol" "$eol"
    head -c "$2" /dev/zero | tr '\0' x; printf '%s' "$eol"; printf 'end%s' "$eol"; } >"$work/long.eml"
  filter -f a@example.com -u alice@example.com -- b@example.org <"$work/long.eml"
  expect_rc "$1" 0
  check_output "$1" "$work/long.eml" "$FAKE_DIR/stdin" signed
  if [[ $3 == yes ]]; then
    grep -q 'long-lines=yes' "$work/err" && pass "$1: long-lines=yes" || fail "$1: no long-lines=yes: $(cat "$work/err")"
  else
    grep -q 'long-lines' "$work/err" && fail "$1: long-lines logged: $(cat "$work/err")" || pass "$1: no long-lines"
  fi
}
long_case "998-octet line" 998 no
long_case "998-octet line, CRLF" 998 no crlf
long_case "999-octet line" 999 yes
long_case "999-octet line, CRLF" 999 yes crlf
long_case "300,000-octet line (several reads)" 300000 yes
{ printf 'From: Alice <alice@example.com>\nSubject: '; head -c 1200 /dev/zero | tr '\0' s; printf '\n\nbody\n'; } >"$work/long.eml"
filter -f a@example.com -u alice@example.com -- b@example.org <"$work/long.eml"
grep -q 'long-lines=yes' "$work/err" && pass "long header line: long-lines=yes" || fail "long header line: $(cat "$work/err")"

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
# --- killed at any moment, with the real Postfix sendmail -----------------
# Postfix's sendmail(1) takes end of input as the end of the message and
# queues what it got; postdrop(1) removes its file if sendmail dies first.
# A private configuration with only a maildrop queue (no master: nothing
# picks the files up) shows what a killed filter leaves behind: nothing,
# however and whenever it dies; a normal run leaves one intact copy.
if command -v postcat >/dev/null && [[ -x /usr/sbin/sendmail && $(id -u) == 0 ]]; then
  pf=$work/postfix
  mkdir -p "$pf/etc" "$pf/spool/maildrop" "$pf/spool/public" "$pf/spool/pid" "$pf/data"
  printf '%s\n' "compatibility_level = 3.6" "queue_directory = $pf/spool" "data_directory = $pf/data" \
    "maillog_file_prefixes = $pf" "maillog_file = $pf/maillog" "myhostname = mx.faults.test" \
    "inet_interfaces = 127.0.0.1" "inet_protocols = ipv4" >"$pf/etc/main.cf"
  : >"$pf/etc/master.cf"
  chown postfix:postdrop "$pf/spool/maildrop" "$pf/spool/public"
  chmod 1730 "$pf/spool/maildrop"
  chmod 2710 "$pf/spool/public"
  export MAIL_CONFIG=$pf/etc # sendmail(1): the configuration directory
  maildrop_files() { find "$pf/spool/maildrop" -type f | sort; }
  # A sendmail that says it started (its pid in $HOLD/started), waits
  # until $HOLD/release exists, then becomes the real one.
  HOLD=$work/hold
  printf '%s\n' '#!/bin/bash' \
    "echo \$\$ >'$HOLD/started.tmp' && mv '$HOLD/started.tmp' '$HOLD/started'" \
    "for ((i = 0; i < 1200; i++)); do [[ -e '$HOLD/release' ]] && break; sleep 0.05; done" \
    'exec /usr/sbin/sendmail "$@"' >"$work/sm-hold"
  chmod 755 "$work/sm-hold"
  gone() { [[ ! -e /proc/$1 ]] || [[ $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) == Z ]]; }
  poll() { # what tries command...: up to tries x 0.05 s
    local what=$1 tries=$2 i
    shift 2
    for ((i = 0; i < tries; i++)); do "$@" && return 0; sleep 0.05; done
    fail "timed out waiting for $what"
    return 1
  }
  # The sendmail started (if any) must have finished before the queue is
  # looked at: released, then gone (it waits for its postdrop).
  settle() {
    touch "$HOLD/release"
    if [[ -e $HOLD/started ]]; then poll "sendmail to finish" 600 gone "$(cat "$HOLD/started")" || true; fi
  }
  maildrop_empty() { # what
    local left
    left=$(maildrop_files)
    if [[ -z $left ]]; then pass "$1: maildrop empty"; else
      fail "$1: maildrop holds $(wc -l <<<"$left") file(s), starting $(postcat -bh "$(head -n 1 <<<"$left")" 2>&1 | head -c 120 | tr '\n' '|')"
      # shellcheck disable=SC2086 # one path per line, no spaces
      rm -f $left
    fi
  }
  filter_bg() { # user input-file-or-fifo: starts the filter, pid in $fpid
    rm -rf "$HOLD"
    mkdir -p "$HOLD"
    "$FILTER" --log stderr --sendmail "$work/sm-hold" -f a@example.com -u "$1" -- b@example.org <"$2" \
      >/dev/null 2>"$work/err" &
    fpid=$!
  }
  reap() { # what: waits for the killed filter, which must not exit 0
    rc=0
    wait "$fpid" 2>/dev/null || rc=$?
    ((rc != 0)) && pass "$1: filter ended with status $rc" || fail "$1: filter exited 0"
  }

  # A normal run: exactly one copy, the filter's output byte for byte.
  for who in alice@example.com nobody@example.com; do
    rm -rf "$HOLD"
    mkdir -p "$HOLD"
    touch "$HOLD/release"
    rc=0
    "$FILTER" --log stderr --sendmail "$work/sm-hold" -f a@example.com -u "$who" -- b@example.org \
      <"$work/big.eml" >/dev/null 2>"$work/err" || rc=$?
    expect_rc "real sendmail ($who)" 0
    files=$(maildrop_files)
    [[ $(grep -c . <<<"$files") == 1 ]] && pass "real sendmail ($who): one copy queued" ||
      fail "real sendmail ($who): $(grep -c . <<<"$files") copies queued"
    postcat -bh "$(head -n 1 <<<"$files")" >"$work/queued.eml" 2>/dev/null
    [[ $who == alice@example.com ]] && want=signed || want=unsigned
    check_output "real sendmail ($who): the queued copy" "$work/big.eml" "$work/queued.eml" "$want"
    # shellcheck disable=SC2086 # one path per line, no spaces
    rm -f $files
  done

  head -c 4000000 /dev/zero | tr '\0' 'x' | fold -w 76 >"$work/body.txt"
  for sig in KILL USR1 ALRM; do
    # 1. While the header section is read.
    rm -f "$work/fifo"
    mkfifo "$work/fifo"
    filter_bg alice@example.com "$work/fifo"
    exec 9>"$work/fifo"
    printf 'From: Alice <alice@example.com>\nSubject: cut in the hea' >&9
    kill -"$sig" "$fpid" 2>/dev/null || true
    reap "SIG$sig in the header"
    exec 9>&-
    settle
    maildrop_empty "SIG$sig in the header"
    # 2./3. Mid-body, signed and unsigned: once 1 MB went in (so the filter
    # has read most of it), with 3 MB more to follow.
    for who in alice@example.com nobody@example.com; do
      rm -f "$work/fifo"
      mkfifo "$work/fifo"
      filter_bg "$who" "$work/fifo"
      touch "$HOLD/release"
      exec 9>"$work/fifo"
      printf 'From: Alice <alice@example.com>\nSubject: cut in the body\n\n' >&9
      head -c 1000000 "$work/body.txt" >&9
      kill -"$sig" "$fpid" 2>/dev/null || true
      reap "SIG$sig mid-body ($who)"
      exec 9>&-
      settle
      maildrop_empty "SIG$sig mid-body ($who)"
    done
    # 4. Right after sendmail started (it holds still until released).
    for who in alice@example.com nobody@example.com; do
      filter_bg "$who" "$work/big.eml"
      poll "sendmail to start" 600 test -e "$HOLD/started" || continue
      kill -"$sig" "$fpid" 2>/dev/null || true
      reap "SIG$sig after sendmail started ($who)"
      settle
      maildrop_empty "SIG$sig after sendmail started ($who)"
    done
  done
  unset MAIL_CONFIG
else
  fail "real Postfix sendmail: needs root, postfix (postcat) and /usr/sbin/sendmail"
fi

finish
