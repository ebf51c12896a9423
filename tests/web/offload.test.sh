#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Key generation runs off the thread that serves every connection
# (dkim-filter-web(8) max-key-jobs): while a 4096-bit generation runs, a key
# list on another connection is answered first, and a second job beyond
# --max-key-jobs 1 is refused with 503 and Retry-After. An ordering check:
# with generation on the I/O thread, the probe below never sees the 503 and
# the list comes after the generation.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

"$ADMIN" init >/dev/null || { echo "FAIL: init"; exit 1; }
ROOT=$("$ADMIN" token add root)
start_web --max-key-jobs 1
: >"$work/order"

# The generation, on its own connection; says "generate" when answered.
# A probe below may hold the one job slot when it arrives: then it is
# refused as busy (503) and sent again, as a client would.
( for ((try = 0; try < 100; try++)); do
    curl -s -o "$work/gen.body" -w '%{http_code}' -H "Authorization: Bearer $ROOT" -H 'Content-Type: application/json' \
      --data-binary '{"domain": "example.com", "selector": "big", "bits": 4096}' "$BASE/api/v1/keys" >"$work/gen.status"
    [[ $(cat "$work/gen.status") == 503 ]] || break
    sleep 0.05
  done
  echo generate >>"$work/order" ) &
gen=$!
pids+=($gen)

# Waits until the generation is running: a DNS check (also a job) is then
# refused as busy. Bounded: 400 polls.
busy=0
for ((i = 0; i < 400; i++)); do
  code=$(curl -s -D "$work/probe.head" -o "$work/probe.body" -w '%{http_code}' -H "Authorization: Bearer $ROOT" \
    "$BASE/api/v1/keys/example.com/none/check")
  if [[ $code == 503 ]]; then busy=1; break; fi
  [[ -s $work/order ]] && break  # the generation is over: too late
  sleep 0.01
done
((busy)) || fail "no job was ever refused as busy while a 4096-bit key was generated (probe: $code)"
grep -qi '^Retry-After: [0-9]' "$work/probe.head" || fail "503 without Retry-After: $(cat "$work/probe.head")"

api "$ROOT" GET /api/v1/keys
expect 200 "key list during the generation"
echo list >>"$work/order"
wait "$gen"
[[ $(cat "$work/gen.status") == 201 ]] || fail "generation: $(cat "$work/gen.status") $(cat "$work/gen.body")"
[[ "$(tr '\n' ' ' <"$work/order")" == "list generate " ]] ||
  fail "the key list waited for the generation: order $(tr '\n' ' ' <"$work/order")"
# After the generation, jobs are accepted again.
api "$ROOT" GET /api/v1/keys/example.com/none/check
expect 404 "a job after the generation"
finish
