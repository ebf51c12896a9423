#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dkim-filter --stdout --key through the real binary: output is the input
# plus one prepended field, byte for byte; bad input and bad keys get a
# one-line error and a sysexits code, never a crash or altered bytes.
set -euo pipefail
bin="$DKIM_BUILD/dkim-filter"
vec="$DKIM_SRC/tests/vectors"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

openssl genpkey -algorithm ED25519 -out "$work/ed.pem" 2>/dev/null
sign() { "$bin" --stdout --key "$work/ed.pem" -d example.com -s sel --log stderr "$@"; }

# Output = prepended DKIM-Signature field + the input, byte for byte.
strip_signature() {  # drop the leading DKIM-Signature field (first line + continuations)
  awk 'BEGIN{s=1} s==1 && NR==1 && /^DKIM-Signature:/ {next} s==1 && /^[ \t]/ {next} {s=0; print}' ORS='' RS='\n' "$1"
}
check_preserved() {  # name input
  local in=$1
  if ! sign < "$in" > "$work/out" 2>"$work/err"; then fail "$in: exit $?"; return; fi
  head -c 15 "$work/out" | grep -q '^DKIM-Signature:' || { fail "$in: no signature"; return; }
  local lines; lines=$(awk '/^DKIM-Signature:/{n=1;next} n && /^ /{n++;next} {print n; exit}' "$work/out")
  tail -n +"$((lines + 1))" "$work/out" > "$work/rest"
  cmp -s "$work/rest" "$in" || fail "$in: body/header bytes changed"
}

printf 'From: a@example.com\nSubject: lf\n\nbody\n' > "$work/lf.eml"
printf 'From: a@example.com\r\nSubject: crlf\r\n\r\nbody\r\n' > "$work/crlf.eml"
printf 'From: a@example.com\nSubject: no final newline\n\nbody' > "$work/nonl.eml"
printf 'From: a@example.com\nSubject: headers only\n' > "$work/hdronly.eml"
for f in lf crlf nonl hdronly; do check_preserved "$work/$f.eml"; done
# The signature uses the input's line ends.
sign < "$work/crlf.eml" > "$work/out" 2>/dev/null
head -1 "$work/out" | grep -q $'\r$' || fail "crlf input: signature not CRLF"
sign < "$work/lf.eml" > "$work/out" 2>/dev/null
head -1 "$work/out" | grep -q $'\r$' && fail "lf input: signature has CR"

# Unsignable input is passed on unchanged with exit 0 and a reason.
unsigned_ok() {  # description file
  local rc=0
  sign < "$2" > "$work/out" 2>"$work/err" || rc=$?
  [ $rc -eq 0 ] || { fail "$1: exit $rc"; return; }
  cmp -s "$work/out" "$2" || fail "$1: output differs from input"
  grep -q 'decision=unsigned' "$work/err" || fail "$1: no unsigned decision logged"
}
: > "$work/empty.eml"; unsigned_ok "empty input" "$work/empty.eml"
printf 'From: a@example.com\nthis is body without separator\n' > "$work/nosep.eml"; unsigned_ok "no separator" "$work/nosep.eml"
printf 'From: a@exa\0mple.com\n\nbody\n' > "$work/nul.eml"; unsigned_ok "NUL in header" "$work/nul.eml"
printf ' continuation first\nFrom: a@example.com\n\nx\n' > "$work/cont.eml"; unsigned_ok "continuation first" "$work/cont.eml"
{ printf 'From: a@example.com\nX-Long: '; head -c 1048576 /dev/zero | tr '\0' 'a'; printf '\n\nbody\n'; } > "$work/long.eml"
check_preserved "$work/long.eml"
head -c 65536 /dev/urandom > "$work/random.bin"
rc=0; sign < "$work/random.bin" > "$work/out" 2>/dev/null || rc=$?
[ $rc -eq 0 ] && ! cmp -s "$work/out" "$work/random.bin" && ! head -c 15 "$work/out" | grep -q DKIM && fail "random: altered"
[ $rc -eq 0 ] || fail "random input: exit $rc"

# Bad keys: one line on stderr, EX_TEMPFAIL (75: a configuration problem
# never bounces mail), nothing on stdout.
bad_key() {  # description expected-text keyfile
  local rc=0
  "$bin" --stdout --key "$3" -d example.com -s sel < "$work/lf.eml" > "$work/out" 2>"$work/err" || rc=$?
  [ $rc -eq 75 ] || fail "$1: exit $rc, want 75"
  [ "$(wc -l < "$work/err")" -eq 1 ] || fail "$1: stderr is not one line: $(cat "$work/err")"
  grep -q "$2" "$work/err" || fail "$1: stderr lacks '$2': $(cat "$work/err")"
  [ ! -s "$work/out" ] || fail "$1: wrote output"
}
bad_key "missing key" "cannot open" "$work/nope.pem"
cp "$work/ed.pem" "$work/unreadable.pem"; chmod 000 "$work/unreadable.pem"
if [ "$(id -u)" -ne 0 ]; then bad_key "unreadable key" "cannot open" "$work/unreadable.pem"; fi
bad_key "RSA-512" "1024" "$vec/rsa-512.pem"
openssl pkey -in "$work/ed.pem" -pubout -out "$work/pub.pem"
bad_key "public key" "public key" "$work/pub.pem"
echo "garbage" > "$work/garbage.pem"; bad_key "garbage" "not a PEM" "$work/garbage.pem"

# With --on-error pass a bad key sends the message on unsigned.
rc=0; "$bin" --stdout --on-error pass --key "$work/nope.pem" -d example.com -s sel --log stderr \
  < "$work/lf.eml" > "$work/out" 2>/dev/null || rc=$?
[ $rc -eq 0 ] && cmp -s "$work/out" "$work/lf.eml" || fail "on-error pass: rc=$rc or output changed"

# Bad command lines: EX_USAGE (64).
rc=0; "$bin" --stdout --key "$work/ed.pem" -s sel < /dev/null > /dev/null 2>&1 || rc=$?
[ $rc -eq 64 ] || fail "missing -d: exit $rc"
rc=0; "$bin" --bogus < /dev/null > /dev/null 2>&1 || rc=$?
[ $rc -eq 64 ] || fail "unknown option: exit $rc"
rc=0; "$bin" --stdout --key "$work/ed.pem" -d 'exa;mple.com' -s sel < /dev/null > /dev/null 2>&1 || rc=$?
[ $rc -eq 64 ] || fail "domain with ';': exit $rc"

if [ $fails -ne 0 ]; then echo "$fails failure(s)"; exit 1; fi
echo "explicit-key CLI: all checks passed"
