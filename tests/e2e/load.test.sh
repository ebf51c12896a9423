#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Load end to end: LOAD_COUNT (default 2000) messages submitted with SMTP
# AUTH over LOAD_CONNECTIONS (default 8) concurrent sessions to the private
# Postfix instance of postfix.test.sh (the SHIPPED examples/postfix, whose
# dkimfilter service allows 10 filter processes), while dkim-filter-admin
# keeps rotating keys, switching users between RSA and RSA + Ed25519, and
# adding and deleting unrelated users and keys. Every message must be
# delivered exactly once, unchanged below the added fields, with valid
# signatures (dkimpy, against every key ever published) made with the
# selectors its user had while it was filtered, and nothing may be left in
# the queue. Prints the throughput and how many filter runs overlapped.
# Needs root and Debian's postfix, dovecot-core.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix_lib.sh"
. "$(dirname "$0")/load_lib.sh"

LOAD_COUNT=${LOAD_COUNT:-2000}
LOAD_CONNECTIONS=${LOAD_CONNECTIONS:-8}
LOAD_WAIT=${LOAD_WAIT:-300}       # seconds allowed for delivering everything
LOAD_GRACE=${LOAD_GRACE:-2}       # seconds a replaced key stays before deletion
LOAD_ROUND_PAUSE=${LOAD_ROUND_PAUSE:-0.5}
SENDERS=(u1@a.load.example u2@a.load.example u3@b.load.example u4@b.load.example)

e2e_init load
for cmd in postfix postconf postqueue dovecot; do
  command -v "$cmd" >/dev/null || die "$cmd not installed (scripts/install-deps e2e)"
done
ensure_filter_user
make_db

load_init_state

pf_setup
load_install_wrapper
load_tune_postfix
pf_start
dovecot_start "${SENDERS[@]}"

load_start_rotator

mkdir -p "$E2E_TMP/sent"
start=$EPOCHREALTIME
timeout "$LOAD_WAIT" "$PY" "$E2E_DIR/load_submit.py" "$PF_SUB_PORT" "$LOAD_COUNT" \
  "$LOAD_CONNECTIONS" "$E2E_TMP/sent" "${SENDERS[@]}" >"$E2E_TMP/submit.log" 2>&1 ||
  die "submission failed: $(tail -n 5 "$E2E_TMP/submit.log")"
note "$(cat "$E2E_TMP/submit.log")"

# Bounded wait until every message is in the maildir and the queue is empty.
load_wait_delivered $((LOAD_WAIT - $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", b - a }')))
done_at=$EPOCHREALTIME

load_stop_rotator

# Postfix's view: one filter pass and one delivery per message, no bounce.
! grep -q 'status=bounced' "$PF_LOG" || die "a message bounced: $(grep -m 1 'status=bounced' "$PF_LOG")"
filtered=$(grep -c 'relay=dkimfilter.*status=sent' "$PF_LOG" || true)
[ "$filtered" -eq "$LOAD_COUNT" ] || die "expected $LOAD_COUNT messages passed by the filter, got $filtered"
local_sent=$(grep -c 'relay=virtual.*status=sent' "$PF_LOG" || true)
[ "$local_sent" -eq "$LOAD_COUNT" ] || die "expected $LOAD_COUNT local deliveries, got $local_sent"
deferred=$(grep -c 'relay=dkimfilter.*status=deferred' "$PF_LOG" || true)
[ "$deferred" -eq 0 ] || note "$deferred filter deferrals (all retried): $(grep -m 1 -o 'status=deferred.*' "$PF_LOG")"
pf_queue_empty || die "messages left in the queue: $(pf_postqueue -p | tail -n 3)"

"$PY" "$E2E_DIR/load_check.py" "$LOAD_COUNT" "$E2E_TMP/sent" "$PF_MAIL/inbox/new" "$LOAD_KEYMAP" \
  "$LOAD_EVENTS" "$LOAD_RUNS" "$PF_LOG" "$start" >"$E2E_TMP/check.log" 2>&1 ||
  die "$(cat "$E2E_TMP/check.log")"
cat "$E2E_TMP/check.log"
signed=$(grep -c 'decision=signed' "$LOAD_FILTER_LOG" || true)
[ "$signed" -eq "$LOAD_COUNT" ] || die "filter log: $signed signed decisions, expected $LOAD_COUNT"
note "filter's own times (mean ms): $(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "=");
  if (kv[1] ~ /_ms$/) { sum[kv[1]] += kv[2]; n[kv[1]]++ } } }
  END { for (k in sum) printf "%s=%.1f ", k, sum[k] / n[k] }' "$LOAD_FILTER_LOG")"
echo "PASS [load]: $LOAD_COUNT messages delivered once each, signatures valid for the keys current at signing," \
  "$deferred deferrals, queue empty; all done in $(awk -v a="$start" -v b="$done_at" 'BEGIN { printf "%.1f", b - a }') s"
