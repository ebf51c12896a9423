#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Key buffers are cleansed after use: once a filter has
# loaded its keys and is streaming the body, the private key's PEM text must
# be gone from its memory (the parsed key is necessarily still there, in
# OpenSSL's binary form). A root-only check: the test reads the stalled
# filter's /proc/PID/mem (lib/scan_memory.py).
set -euo pipefail
source "$DKIM_SRC/tests/cli/lib/robustness.sh"
if [[ $(id -u) != 0 ]]; then echo "FAIL: needs root to read another process's memory"; exit 1; fi

"$ADMIN" key export example.com s1 >"$work/s1.pem"
"$ADMIN" key export example.com s2 >"$work/s2.pem"
slices() { grep -hv -- '-----' "$@" | awk '{ for (i = 1; i + 23 <= length($0); i += 12) print substr($0, i, 24) }'; }

scan_stalled() {  # what needles filter-args...
  local what=$1 needles=$2 pid r=0
  shift 2
  rm -f "$work/fifo"; mkfifo "$work/fifo"
  "$FILTER" --stdout --log stderr "$@" <"$work/fifo" >/dev/null 2>"$work/err" &
  pid=$!
  cleanup_hooks+=("kill -KILL $pid")
  exec 7>"$work/fifo"
  printf 'From: alice@example.com\nSubject: x\n\nfirst body line\n' >&7
  sleep 0.7  # header read, keys loaded, now waiting for more body
  "$PY" "$LIB/scan_memory.py" "$pid" "$needles" >"$work/scan" 2>&1 || r=$?
  exec 7>&-
  wait "$pid" || fail "$what: filter exit $?: $(head -c 200 "$work/err")"
  case $r in
    0) pass "$what: no PEM text left in memory" ;;
    1) fail "$what: private key PEM text still in memory: $(wc -l <"$work/scan") slices, e.g. $(head -1 "$work/scan")" ;;
    *) fail "$what: memory scan failed: $(head -c 200 "$work/scan")" ;;
  esac
}

# The scan must be able to see a key: a process that holds the PEM text.
slices "$work/s1.pem" >"$work/needles-s1"
rm -f "$work/fifo"; mkfifo "$work/fifo"
"$PY" -c 'import sys; k = open(sys.argv[1]).read(); sys.stdin.read()' "$work/s1.pem" <"$work/fifo" &
ctl=$!
exec 7>"$work/fifo"; sleep 0.5
r=0; "$PY" "$LIB/scan_memory.py" "$ctl" "$work/needles-s1" >/dev/null 2>&1 || r=$?
exec 7>&-; wait "$ctl" || true
[[ $r == 1 ]] && pass "scanner finds a PEM held in memory" || fail "scanner self-test: exit $r"

slices "$work/s1.pem" "$work/s2.pem" >"$work/needles-db"
scan_stalled "database mode (keys from SQLite)" "$work/needles-db" -u alice@example.com
slices "$work/ed.pem" >"$work/needles-key"
scan_stalled "--key mode (key from a file)" "$work/needles-key" --key "$work/ed.pem" -d example.com -s ek
finish
