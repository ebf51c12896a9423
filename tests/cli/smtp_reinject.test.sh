#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Re-injection over ESMTP (--smtp HOST:PORT) against a scripted listener
# (lib/smtp_server.py): the envelope (-f, the null sender, every
# recipient), PIPELINING used when offered and never when not, HELO after a
# refused EHLO, the DATA bytes dot-stuffed with CRLF line ends (LF, CRLF
# and unterminated input), the signed message intact and verified; every
# reply mapped to its exit status (4xx 75, 5xx by RFC 3463 code), a
# connection refused 75, a recipient refused among accepted ones 75 with
# nothing sent; and a filter killed mid-DATA never sends the final dot.
set -euo pipefail
source "$DKIM_SRC/tests/cli/lib/robustness.sh"
SRV_PID=

# start_server ARGS...: a fresh listener in $work/srv; its port in $port.
start_server() {
  stop_server
  rm -rf "$work/srv"
  mkdir -p "$work/srv"
  "$PY" "$LIB/smtp_server.py" "$work/srv" "$@" &
  SRV_PID=$!
  for _ in $(seq 1 100); do [[ -s $work/srv/port ]] && break; sleep 0.1; done
  [[ -s $work/srv/port ]] || { fail "smtp server did not start"; exit 1; }
  port=$(cat "$work/srv/port")
  session=0
}
stop_server() {
  [[ -n $SRV_PID ]] || return 0
  kill "$SRV_PID" 2>/dev/null || true
  wait "$SRV_PID" 2>/dev/null || true
  SRV_PID=
}
cleanup_hooks+=("stop_server")

# reinject INPUT ARGS...: the filter signing as alice via --smtp; exit in $rc.
reinject() {
  local input=$1; shift
  rc=0
  session=$((session + 1))
  timeout 60 "$FILTER" --log stderr --db "$DB" --smtp "127.0.0.1:$port" "$@" \
    < "$input" > "$work/out" 2> "$work/err" || rc=$?
}
expect_rc() {
  if [[ $rc == "$2" ]]; then pass "$1: exit $rc"; else fail "$1: exit $rc, expected $2: $(head -c 400 "$work/err")"; fi
}
status_is() {  # what expected (complete | aborted | none | not-complete)
  local got=none
  [[ -f $work/srv/$session.status ]] && got=$(cat "$work/srv/$session.status")
  [[ $got == "$2" || ($2 == not-complete && $got != complete) ]] || fail "$1: DATA $got, expected $2"
}
# wire_ok WHAT INPUT: the DATA bytes are the signed message in RFC 5321
# form, and the message they carry is the input with signatures prepended.
wire_ok() {
  "$PY" - "$2" "$work/srv/$session.wire" "$work/carried.eml" << 'PY' || fail "$1: DATA bytes are not the RFC 5321 form"
import re, sys
wire = open(sys.argv[2], 'rb').read()
# Every line ends in CRLF; a leading dot is doubled (RFC 5321 §4.5.2).
assert wire.endswith(b'\r\n'), 'last line without CRLF'
lines = wire.split(b'\r\n')[:-1]
assert all(b'\n' not in l for l in lines), 'bare LF on the wire'
carried = b''.join((l[1:] if l.startswith(b'.') else l) + b'\n' for l in lines)
assert all(not l.startswith(b'.') or l.startswith(b'..') for l in lines), 'single leading dot on the wire'
open(sys.argv[3], 'wb').write(carried)
PY
  # The input, with its line ends as LF and a final line break, is what arrived
  # after the signatures.
  "$PY" -c 'import sys; d=open(sys.argv[1],"rb").read().replace(b"\r\n", b"\n"); open(sys.argv[2],"wb").write(d if d.endswith(b"\n") else d + b"\n")' \
    "$2" "$work/expected.eml"
  check_output "$1" "$work/expected.eml" "$work/carried.eml" signed
}

msg=$work/msg.eml
printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: smtp\n\n.leading dot\n..two dots\n.\nend.\n' > "$msg"

# ---- PIPELINING offered --------------------------------------------------------
start_server
reinject "$msg" -f alice@example.com -u alice@example.com -- r1@dest.example r2@dest.example
expect_rc "pipelined" 0
status_is "pipelined" complete
wire_ok "pipelined" "$msg"
grep -q '^MAIL FROM:<alice@example.com> pipelined$' "$work/srv/1.transcript" || fail "MAIL not pipelined: $(cat "$work/srv/1.transcript")"
grep -q '^RCPT TO:<r2@dest.example> pipelined$' "$work/srv/1.transcript" || fail "RCPT not pipelined"
[[ $(cat "$work/srv/1.env") == $'MAIL FROM:<alice@example.com>\nRCPT TO:<r1@dest.example>\nRCPT TO:<r2@dest.example>' ]] ||
  fail "envelope: $(cat "$work/srv/1.env")"
tail -1 "$work/srv/1.transcript" | grep -q '^QUIT$' || fail "no QUIT at the end"
grep -q 'decision=signed' "$work/err" || fail "not signed: $(cat "$work/err")"

# The null sender, and 8-bit and CRLF input, an unterminated last line.
printf 'From: alice@example.com\r\nSubject: crlf\r\n\r\nGr\xc3\xbc\xc3\x9fe\r\n.\r\nno newline at the end' > "$work/crlf.eml"
reinject "$work/crlf.eml" -f '' -u alice@example.com -- r1@dest.example
expect_rc "null sender, CRLF" 0
status_is "null sender, CRLF" complete
grep -q '^MAIL FROM:<>' "$work/srv/$session.env" || fail "null sender not <>: $(cat "$work/srv/$session.env")"
wire_ok "CRLF input" "$work/crlf.eml"
# An unsigned message goes the same way.
reinject "$msg" -f bob@example.org -u nobody@nowhere.example -- r1@dest.example
expect_rc "unsigned" 0
status_is "unsigned" complete
cmp -s <(tr -d '\r' < "$work/srv/$session.wire" | sed 's/^\.\././') "$msg" || fail "unsigned message altered"
# A large message in several blocks, every line starting with a dot.
"$PY" -c 'import sys; sys.stdout.write("From: alice@example.com\nSubject: big\n\n" + "".join(".%07d line\n" % i for i in range(300000)))' > "$work/big.eml"
reinject "$work/big.eml" -f alice@example.com -u alice@example.com -- r1@dest.example
expect_rc "large" 0
wire_ok "large" "$work/big.eml"

# ---- no PIPELINING, no EHLO ------------------------------------------------------
start_server --no-pipelining
reinject "$msg" -f alice@example.com -u alice@example.com -- r1@dest.example r2@dest.example
expect_rc "without pipelining" 0
status_is "without pipelining" complete
grep -q 'VIOLATION' "$work/srv/1.transcript" && fail "pipelined without PIPELINING: $(cat "$work/srv/1.transcript")"
wire_ok "without pipelining" "$msg"
start_server --no-ehlo
reinject "$msg" -f alice@example.com -u alice@example.com -- r1@dest.example
expect_rc "HELO after a refused EHLO" 0
grep -q '^HELO ' "$work/srv/1.transcript" || fail "no HELO after EHLO was refused"
grep -q 'VIOLATION' "$work/srv/1.transcript" && fail "pipelined after HELO"

# ---- replies and exit statuses ---------------------------------------------------
for mode in "" --no-pipelining; do
  # shellcheck disable=SC2086 # empty or one flag
  start_server $mode
  w=${mode:-pipelining}
  reinject "$msg" -f alice@example.com -- perm-550-5.1.1@dest.example
  expect_rc "$w: 550 5.1.1 user unknown (EX_NOUSER)" 67
  status_is "$w: refused recipient" none
  grep -q 'dkim-filter: smtp: RCPT TO refused: 550 5.1.1 refused' "$work/err" || fail "$w: the reply is not in the output for the bounce"
  reinject "$msg" -f alice@example.com -- perm-550@dest.example
  expect_rc "$w: 550 without enhanced code to RCPT" 67
  reinject "$msg" -f alice@example.com -- perm-554-5.7.1@dest.example
  expect_rc "$w: 554 5.7.1 (EX_NOPERM)" 77
  reinject "$msg" -f alice@example.com -- perm-552-5.2.2@dest.example
  expect_rc "$w: 552 5.2.2 mailbox full (EX_UNAVAILABLE)" 69
  reinject "$msg" -f alice@example.com -- temp@dest.example
  expect_rc "$w: 451 4.3.0" 75
  reinject "$msg" -f alice@example.com -- ok@dest.example perm-550-5.1.1@dest.example
  expect_rc "$w: one recipient refused, one accepted" 75
  # With pipelining the 354 may already have come: the line is dropped
  # without the final dot.
  status_is "$w: one refused, one accepted" not-complete
  reinject "$msg" -f alice@example.com -- temp@dest.example perm-550-5.1.1@dest.example
  expect_rc "$w: one refused for now, one for good" 75
  reinject "$msg" -f mailperm@example.com -- ok@dest.example
  expect_rc "$w: MAIL FROM refused 553 5.7.1" 77
  status_is "$w: MAIL refused" none
done
start_server --data-reply '554 5.6.0 content refused'
reinject "$msg" -f alice@example.com -- ok@dest.example
expect_rc "end of data 554 5.6.0 (EX_DATAERR)" 65
start_server --data-reply '452 4.3.1 out of space'
reinject "$msg" -f alice@example.com -- ok@dest.example
expect_rc "end of data 452" 75
start_server --greeting '554 5.3.2 not now'
reinject "$msg" -f alice@example.com -- ok@dest.example
expect_rc "greeting 554 5.3.2 (EX_UNAVAILABLE)" 69
start_server --greeting '421 4.3.2 shutting down'
reinject "$msg" -f alice@example.com -- ok@dest.example
expect_rc "greeting 421" 75
stop_server
reinject "$msg" -f alice@example.com -- ok@dest.example
expect_rc "connection refused" 75
grep -q 'smtp: 127.0.0.1:[0-9]*: connect: Connection refused' "$work/err" || fail "connection refused not said: $(cat "$work/err")"
grep -q 'decision=tempfail' "$work/err" || fail "no tempfail log line"

# ---- killed mid-DATA: the final dot never comes -----------------------------------
# Larger than what the kernel's socket buffers hold, so the filter is still
# writing when the listener stops reading.
"$PY" -c 'import sys; sys.stdout.write("From: alice@example.com\nSubject: huge\n\n" + "x" * 70 + "\n") ; sys.stdout.write(("y" * 99 + "\n") * 300000)' > "$work/huge.eml"
start_server --stall
rc=0
"$FILTER" --log stderr --db "$DB" --smtp "127.0.0.1:$port" -f alice@example.com -u alice@example.com \
  -- ok@dest.example < "$work/huge.eml" > /dev/null 2>&1 &
filter_pid=$!
for _ in $(seq 1 300); do [[ -e $work/srv/1.stalled ]] && break; sleep 0.1; done
[[ -e $work/srv/1.stalled ]] || fail "the listener never got DATA"
kill -KILL "$filter_pid" 2>/dev/null || true
wait "$filter_pid" 2>/dev/null || true
touch "$work/srv/resume"
for _ in $(seq 1 300); do [[ -e $work/srv/1.status ]] && break; sleep 0.1; done
session=1
status_is "killed mid-DATA" aborted

# ---- usage ---------------------------------------------------------------------------
for bad in 127.0.0.1 localhost:25 127.0.0.1:0 127.0.0.1:99999 '[::1]' ::1:25; do
  rc=0
  "$FILTER" --log stderr --smtp "$bad" -f a@example.com -- b@example.com < "$msg" > /dev/null 2> "$work/err" || rc=$?
  expect_rc "--smtp $bad" 64
done
rc=0
"$FILTER" --log stderr --smtp 127.0.0.1:25 --stdout < "$msg" > /dev/null 2> "$work/err" || rc=$?
expect_rc "--smtp with --stdout" 64
finish
