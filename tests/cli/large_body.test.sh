#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A large body takes paths a small one never does: it is hashed on a second
# thread (filter/crypto/sha256_pipeline), spooled when it comes through a
# pipe, and replayed with sendfile(2). Checked here:
#   - a 6 MB message from a file and from a pipe signs, verifies (dkimpy),
#     and both give the same bytes (same key, same t=);
#   - where the thread cannot be created (RLIMIT_NPROC reached, as under a
#     tight per-user process limit), the filter still signs, byte for byte
#     the same, instead of failing the message;
#   - output appended to a file (O_APPEND, which sendfile refuses) falls
#     back to plain copying, from the input file and from the spool.
set -euo pipefail
source "$DKIM_SRC/tests/cli/lib/robustness.sh"
if [[ $(id -u) != 0 ]]; then echo "FAIL: needs root to run the filter as nobody under a process limit"; exit 1; fi

"$DKIM_SRC/tests/interop/make_message" 6M >"$work/big.eml"
chmod 644 "$work/big.eml" "$work/ed.pem"
args=(--stdout --key "$work/ed.pem" -d example.com -s ek --timestamp 1700000000)

"$FILTER" "${args[@]}" <"$work/big.eml" >"$work/file.out"
check_output "6 MB from a file" "$work/big.eml" "$work/file.out" signed
cat "$work/big.eml" | "$FILTER" "${args[@]}" >"$work/pipe.out"
cmp -s "$work/file.out" "$work/pipe.out" && pass "6 MB from a pipe: same bytes as from the file" ||
  fail "6 MB from a pipe differs from the file run"

# One process for the user: no second thread possible. (LeakSanitizer's
# exit-time check needs a thread of its own, so it is off for these runs
# under the sanitizers.)
as_nobody_limited() {
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    setpriv --reuid=nobody --regid=nogroup --clear-groups -- bash -c 'ulimit -u 1; exec "$@"' limited "$@"
}
# The limit must bite, or the next check proves nothing.
if as_nobody_limited /usr/bin/python3 -c 'import threading; threading.Thread(target=print).start()' \
  >/dev/null 2>&1; then
  fail "control: a thread could be started under ulimit -u 1"
else
  pass "control: ulimit -u 1 as nobody refuses a second thread"
fi
r=0
as_nobody_limited "$FILTER" "${args[@]}" <"$work/big.eml" >"$work/limited.out" 2>"$work/limited.err" || r=$?
if [[ $r == 0 ]] && cmp -s "$work/file.out" "$work/limited.out"; then
  pass "no thread to be had: hashed inline, same bytes"
else
  fail "no thread to be had: exit $r, $(head -c 300 "$work/limited.err")"
fi

for how in file pipe; do
  printf 'kept line\n' >"$work/append-$how.out"
  if [[ $how == file ]]; then
    "$FILTER" "${args[@]}" <"$work/big.eml" >>"$work/append-$how.out"
  else
    cat "$work/big.eml" | "$FILTER" "${args[@]}" >>"$work/append-$how.out"
  fi
  if { printf 'kept line\n'; cat "$work/file.out"; } | cmp -s - "$work/append-$how.out"; then
    pass "appended output (O_APPEND), body from the $how: same bytes after the kept line"
  else
    fail "appended output (O_APPEND), body from the $how: differs"
  fi
done
finish
