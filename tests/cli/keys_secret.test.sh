#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Keys stay secret: the database is created 0640 and a
# database others can read is refused; private key bytes never appear in
# the filter's log or errors, nor in dkim-filter-admin's listings, DNS
# output or errors; a running filter is not dumpable (no core file, no
# /proc/PID/environ or mem for same-uid processes).
set -euo pipefail
source "$DKIM_SRC/tests/cli/lib/robustness.sh"
msg="$work/msg.eml"
printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: secret\n\nHello\n' >"$msg"

# --- database mode --------------------------------------------------------
mode=$(stat -c %a "$DB")
[[ $mode == 640 ]] && pass "database created mode 0640" || fail "database created mode $mode"
for m in 644 604; do
  cp "$DB" "$work/m$m.db"; chmod "$m" "$work/m$m.db"
  rc=0; "$FILTER" --stdout --log stderr --db "$work/m$m.db" -u alice@example.com <"$msg" >/dev/null 2>&1 || rc=$?
  [[ $rc == 75 ]] && pass "mode $m database refused (75)" || fail "mode $m database: exit $rc, expected 75"
done

# --- needles: 20-character slices of every private key's base64 -----------
"$ADMIN" key export example.com s1 >"$work/s1.pem"
"$ADMIN" key export example.com s2 >"$work/s2.pem"
grep -q 'PRIVATE KEY' "$work/s1.pem" || fail "key export printed no private key"
openssl pkey -in "$work/s2.pem" -outform DER | tail -c 32 | base64 -w0 >"$work/ed-raw.b64"  # the bare seed
{ cat "$work/s1.pem" "$work/s2.pem" "$work/ed.pem"; echo; cat "$work/ed-raw.b64"; echo; } | grep -v -- '-----' |
  awk '{ for (i = 1; i + 19 <= length($0); i += 10) print substr($0, i, 20) }' >"$work/needles"
(( $(wc -l <"$work/needles") > 40 )) || fail "too few needles: $(wc -l <"$work/needles")"
leaks() {  # what file: the file must contain no needle
  if grep -F -q -f "$work/needles" "$2"; then fail "$1: private key bytes in the output"; else pass "$1: no key bytes"; fi
}
# The needle check itself must be able to fail.
grep -F -q -f "$work/needles" "$work/s1.pem" || fail "needle self-test: the key file does not match"

# --- the filter's log lines and error messages ----------------------------
out_all="$work/all-output"; : >"$out_all"
capture() {  # what cmd...: appends stdout+stderr of the command
  local what=$1 rc=0
  shift
  "$@" >>"$out_all" 2>&1 </dev/null || rc=$?
  echo "[$what rc=$rc]" >>"$out_all"
}
"$FILTER" --stdout --log stderr -u alice@example.com <"$msg" >"$work/signed" 2>"$work/log"
leaks "filter log, signed" "$work/log"
leaks "filter output, signed" "$work/signed"
"$FILTER" --stdout --log stderr --key "$work/ed.pem" -d example.com -s ek <"$msg" >/dev/null 2>"$work/log"
leaks "filter log, --key" "$work/log"
# A key that is stored but unusable: the error names it, never shows it.
cp "$DB" "$work/badkey.db"
sqlite3 "$work/badkey.db" "UPDATE keys SET private_pem = substr(private_pem, 1, 400) WHERE selector = 's1'"
rc=0; "$FILTER" --stdout --log stderr --db "$work/badkey.db" -u alice@example.com <"$msg" >/dev/null 2>"$work/log" || rc=$?
[[ $rc == 75 ]] && pass "truncated stored key: 75" || fail "truncated stored key: exit $rc"
leaks "filter error, truncated stored key" "$work/log"
sqlite3 "$work/badkey.db" "UPDATE keys SET private_pem = replace(private_pem, 'PRIVATE KEY', 'PUBLIC KEY') WHERE selector = 's2'"
rc=0; "$FILTER" --stdout --log stderr --db "$work/badkey.db" -u alice@example.com --on-error pass <"$msg" >/dev/null 2>"$work/log" || rc=$?
leaks "filter error, mangled stored key, --on-error pass" "$work/log"
sed 's/^[A-Za-z0-9]/!/' "$work/ed.pem" >"$work/bad.pem"  # corrupt every base64 line
rc=0; "$FILTER" --stdout --log stderr --key "$work/bad.pem" -d example.com -s ek <"$msg" >/dev/null 2>"$work/log" || rc=$?
[[ $rc == 75 ]] && pass "corrupt --key file: 75" || fail "corrupt --key file: exit $rc"
leaks "filter error, corrupt --key file" "$work/log"

# --- dkim-filter-admin's outputs and errors --------------------------------
capture "key list" "$ADMIN" key list
capture "key list --json" "$ADMIN" key list --json
capture "key list example.com --json" "$ADMIN" key list example.com --json
capture "user list" "$ADMIN" user list
capture "user list --json" "$ADMIN" user list --json
capture "key dns" "$ADMIN" key dns example.com s1
capture "key dns --zone" "$ADMIN" key dns example.com s2 --zone
capture "explain" "$ADMIN" explain --user alice@example.com --from alice@example.com
capture "key generate (exists)" "$ADMIN" key generate example.com s1
capture "key import (exists)" "$ADMIN" key import example.com s1 "$work/s1.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512 -out "$work/rsa512.pem" 2>/dev/null
capture "key import (512-bit)" "$ADMIN" key import example.org weak "$work/rsa512.pem"
head -c 300 "$work/s1.pem" >"$work/half.pem"
capture "key import (truncated PEM)" "$ADMIN" key import example.org half "$work/half.pem"
/usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(open(sys.argv[1]).read()[:-40], safe=""))' \
  "$work/s1.pem" >"$work/half.url"
capture "key import --urlencoded (truncated)" "$ADMIN" key import example.org halfurl "$work/half.url" --urlencoded
leaks "dkim-filter-admin listings, DNS, explain and errors" "$out_all"
grep -q '"selector"' "$out_all" || fail "admin JSON listings produced nothing to check: $(head -c 300 "$out_all")"
# The 512-bit key must not leak either.
grep -v -- '-----' "$work/rsa512.pem" | awk '{ for (i = 1; i + 19 <= length($0); i += 10) print substr($0, i, 20) }' \
  >"$work/needles512"
grep -F -q -f "$work/needles512" "$out_all" && fail "512-bit key bytes echoed by key import" || pass "512-bit key import: no key bytes"

# --- not dumpable -----------------------------------------------------------
# Run the filter as nobody, stalled on a FIFO mid-body. A non-dumpable
# process's /proc/PID files belong to root and same-uid processes cannot read
# its environ; a dumpable control (sleep, same user) shows the opposite, so
# the check can fail. Then SIGSEGV both with core files enabled: only the
# control may leave a core.
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
  as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
  mkdir -p "$work/nf" "$work/nc"; chmod 777 "$work/nf" "$work/nc"
  install -m 644 "$work/ed.pem" "$work/nf/ed.pem"
  mkfifo -m 666 "$work/nf/fifo"
  ( cd "$work/nf"; ulimit -c unlimited
    exec setpriv --reuid=65534 --regid=65534 --clear-groups "$FILTER" --stdout --log stderr \
      --key "$work/nf/ed.pem" -d example.com -s ek <fifo >out 2>err ) &
  fpid=$!
  cleanup_hooks+=("kill -KILL $fpid")
  exec 7>"$work/nf/fifo"
  printf 'From: a@example.com\n\nbody\n' >&7
  ( cd "$work/nc"; ulimit -c unlimited; exec setpriv --reuid=65534 --regid=65534 --clear-groups sleep 30 ) &
  cpid=$!
  cleanup_hooks+=("kill -KILL $cpid")
  for _ in $(seq 50); do
    [[ $(stat -c %u "/proc/$cpid/status" 2>/dev/null) == 65534 && -e /proc/$fpid/status ]] && break; sleep 0.1
  done
  sleep 0.3  # the filter has read the header and loaded the key by now
  [[ $(stat -c %u "/proc/$cpid/status") == 65534 ]] || fail "control process: /proc not owned by nobody"
  [[ $(stat -c %u "/proc/$fpid/status") == 0 ]] && pass "filter: /proc/PID owned by root (non-dumpable)" ||
    fail "filter: /proc/PID/status owned by uid $(stat -c %u "/proc/$fpid/status"): still dumpable"
  as_nobody cat "/proc/$cpid/environ" >/dev/null 2>&1 || fail "control: environ unreadable by its own user"
  as_nobody cat "/proc/$fpid/environ" >/dev/null 2>&1 && fail "filter: environ readable by another nobody process" ||
    pass "filter: environ not readable by another process of its user"
  kill -SEGV "$fpid" "$cpid"
  wait "$fpid" 2>/dev/null || true
  wait "$cpid" 2>/dev/null || true
  exec 7>&-
  if ls "$work/nc"/core* >/dev/null 2>&1; then
    ls "$work/nf"/core* >/dev/null 2>&1 && fail "filter left a core file" || pass "filter: no core file (control dumped one)"
  else
    echo "note: the control left no core file here (core_pattern $(cat /proc/sys/kernel/core_pattern)); core check not counted"
  fi
else
  echo "note: not root or no setpriv: dumpability checks not run (not counted)"
fi
finish
