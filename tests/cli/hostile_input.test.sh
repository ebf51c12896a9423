#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hostile input through the real binary, in --key mode and
# in database mode: every input must give exit 0 with the input passed on
# unchanged or correctly signed (dkimpy verifies against the database's
# DNS records), or a documented sysexits code — never a signal, a hang, or
# altered bytes.
set -euo pipefail
source "$DKIM_SRC/tests/cli/lib/robustness.sh"

in="$work/in"; mkdir -p "$in"
hdr='From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: hostile\n'
: >"$in/empty"
printf "$hdr" >"$in/header-only-no-separator"
printf 'From: alice@example.com\nthis line is not a header\n' >"$in/text-without-separator"
printf 'From: alice@example.com\nSubject: a\0b\n\nbody\n' >"$in/nul-in-header"
printf "$hdr\nbo\0dy\0\n\0\n" >"$in/nul-in-body"
{ printf "$hdr"'X-Long: '; head -c 1048576 /dev/zero | tr '\0' 'x'; printf '\n\nbody\n'; } >"$in/1mb-header-line"
{ printf "$hdr"; seq 1 10000 | sed 's/.*/X-H-&: value &/'; printf '\nbody\n'; } >"$in/10000-headers"
{ for i in $(seq 1 9000); do printf 'X-Big-%d: ' "$i"; head -c 1000 /dev/zero | tr '\0' 'y'; printf '\n'; done
  printf "$hdr\nbody\n"; } >"$in/9mb-header-section"
printf 'From: alice@example.com\rSubject: cr only\r\rbody\rline\r' >"$in/cr-only"
printf 'From: alice@example.com\r\nSubject: mixed\nTo: bob@example.org\r\n\nbody\r\nline2\nline3\r\rline4' >"$in/mixed-line-ends"
head -c 65536 /dev/urandom >"$in/random-binary"
{ printf "$hdr\n"; head -c 65536 /dev/urandom; } >"$in/random-body"
printf 'From: \xff\xfe\xc3 <alice@example.com>\nSubject: bad utf-8 \xc3\x28\n\nbody \xe2\x82\n' >"$in/invalid-utf8-from"
printf ' continuation first\nFrom: alice@example.com\n\nbody\n' >"$in/continuation-before-header"
printf 'From alice@example.com Sat Jan  1 00:00:00 2026\nFrom: alice@example.com\n\nbody\n' >"$in/mbox-from-line"
{ printf "$hdr\n"; head -c 10485760 /dev/zero | tr '\0' 'z'; printf '\n'; } >"$in/10mb-body-line"
head -c 2097152 /dev/zero | tr '\0' 'a' >"$in/2mb-no-newline"
printf 'DKIM-Signature: \x01\x02;;;=;d\n\tgarbage=\xff\n'"$hdr"'\nbody\n' >"$in/garbage-dkim-signature"
printf 'DKIM-Signature: v=1; d=EXAMPLE.COM.; s=x; b=\n'"$hdr"'\nbody\n' >"$in/own-dkim-signature-present"
printf 'DKIM-Signature:\n'"$hdr"'\nbody\n' >"$in/empty-dkim-signature"

# What database mode (alice signs for example.com) must do with each;
# everything else may be signed or passed unchanged, as long as it verifies.
declare -A expect=(
  [empty]=unsigned [header-only-no-separator]=signed [text-without-separator]=unsigned
  [nul-in-header]=unsigned [nul-in-body]=signed [1mb-header-line]=signed [10000-headers]=signed
  [9mb-header-section]=unsigned [mixed-line-ends]=signed [random-body]=signed
  [continuation-before-header]=unsigned [mbox-from-line]=unsigned [10mb-body-line]=signed
  [2mb-no-newline]=unsigned [garbage-dkim-signature]=signed [own-dkim-signature-present]=unsigned
  [empty-dkim-signature]=signed
)

run_case() {  # mode file
  local mode=$1 f=$2 name rc=0
  name=$(basename "$f")
  local args=(--stdout --log stderr)
  if [[ $mode == key ]]; then
    args+=(--key "$work/ed.pem" -d example.com -s ek)
  else
    args+=(-f alice@example.com -u alice@example.com)
  fi
  # --key mode reads a regular file (which the filter may read twice),
  # database mode a pipe (spooled), as from Postfix.
  if [[ $mode == key ]]; then
    timeout 60 "$FILTER" "${args[@]}" <"$f" >"$work/out" 2>"$work/err" || rc=$?
  else
    timeout 60 "$FILTER" "${args[@]}" < <(cat "$f") >"$work/out" 2>"$work/err" || rc=$?
  fi
  if ((rc >= 124)); then
    fail "$mode/$name: exit $rc (signal or timeout): $(head -c 200 "$work/err")"
    return
  fi
  case $rc in
    0) ;;
    64|75|78) pass "$mode/$name: documented exit $rc: $(head -c 200 "$work/err")"; return ;;
    *) fail "$mode/$name: undocumented exit $rc: $(head -c 200 "$work/err")"; return ;;
  esac
  local want=any
  [[ $mode == db ]] && want=${expect[$name]:-any}
  check_output "$mode/$name" "$f" "$work/out" "$want"
  [[ $(grep -c 'decision=' "$work/err") == 1 ]] || fail "$mode/$name: not exactly one log line: $(head -c 300 "$work/err")"
}

for f in "$in"/*; do
  run_case key "$f"
  run_case db "$f"
done
finish
