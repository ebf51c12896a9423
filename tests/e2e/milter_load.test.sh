#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dkim-filter-milter under load with the real Postfix (the SHIPPED
# examples/postfix-milter, as milter.test.sh): LOAD_COUNT (default 2000)
# messages over LOAD_CONNECTIONS (default 8) SASL sessions while
# dkim-filter-admin keeps rotating keys, switching users between RSA and
# RSA + Ed25519 and adding and deleting unrelated users and keys (the
# rotation of load.test.sh), and the milter is killed (SIGKILL) and started
# again twice mid-load. With milter_default_action = tempfail the messages
# in flight are deferred (4xx) and the client retries them. Every message
# must be delivered exactly once, unchanged below the added fields, signed
# (none unsigned) with valid signatures made with the selectors its user
# had during the accepted submission; the queue must end empty.
# Needs root and Debian's postfix, dovecot-core.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix_lib.sh"
. "$(dirname "$0")/milter_lib.sh"
. "$(dirname "$0")/load_lib.sh"

LOAD_COUNT=${LOAD_COUNT:-2000}
LOAD_CONNECTIONS=${LOAD_CONNECTIONS:-8}
LOAD_WAIT=${LOAD_WAIT:-240}        # seconds allowed for submitting and delivering everything
LOAD_GRACE=${LOAD_GRACE:-2}        # seconds a replaced key stays before deletion
LOAD_ROUND_PAUSE=${LOAD_ROUND_PAUSE:-0.5}
SENDERS=(u1@a.load.example u2@a.load.example u3@b.load.example u4@b.load.example)

e2e_init milter_load
for cmd in postfix postconf postqueue dovecot setpriv; do
  command -v "$cmd" >/dev/null || die "$cmd not installed (scripts/install-deps e2e)"
done
[ -x "$DKIM_BUILD/dkim-filter-milter" ] || die "$DKIM_BUILD/dkim-filter-milter not built (libmilter-dev)"
ensure_filter_user
make_db

load_init_state

mt_setup
mt_start
pf_start
dovecot_start "${SENDERS[@]}"

load_start_rotator

mkdir -p "$E2E_TMP/sent"
start=$SECONDS
timeout "$LOAD_WAIT" "$PY" "$E2E_DIR/milter_load_submit.py" "$PF_SUB_PORT" "$LOAD_COUNT" \
  "$LOAD_CONNECTIONS" "$E2E_TMP/sent" "${SENDERS[@]}" >"$E2E_TMP/submit.log" 2>&1 &
submitter=$!
e2e_on_exit "kill $submitter"

# Kill the milter twice while the load runs: at a third and at two thirds of
# the messages accepted. Each time, wait (bounded) until Postfix has
# deferred a message for it, then start it again.
accepted() { find "$E2E_TMP/sent" -name '*.window' | wc -l; }
accepted_at_least() { [ "$(accepted)" -ge "$1" ]; }
deferrals() { grep -c 'milter-reject: .* 4\.7\.1' "$PF_LOG" || true; }
deferrals_above() { [ "$(deferrals)" -gt "$1" ]; }
for third in 1 2; do
  wait_until "$LOAD_WAIT" "$third/3 of the messages accepted" accepted_at_least $((LOAD_COUNT * third / 3))
  before=$(deferrals)
  mt_stop KILL
  note "milter killed after $(accepted) messages"
  wait_until 60 "a deferral while the milter is down" deferrals_above "$before"
  mt_start
done

wait "$submitter" || die "submission failed: $(tail -n 5 "$E2E_TMP/submit.log")"
note "$(cat "$E2E_TMP/submit.log")"
load_wait_delivered "$LOAD_WAIT"
took=$((SECONDS - start))

# The last milter's own CPU time per message it signed (a figure, not a
# check: timings belong to bench/).
read -r utime stime < <(awk '{ print $14, $15 }' "/proc/$MT_PID/stat")
since_start=$(awk '/listening on/ { n = 0 } /decision=signed/ { n++ } END { print n }' "$MT_LOG")
note "milter CPU: $(awk -v t=$((utime + stime)) -v hz="$(getconf CLK_TCK)" -v n="$since_start" \
  'BEGIN { printf "%.2f ms per message over %d messages", n ? 1000 * t / hz / n : 0, n }')"

load_stop_rotator

! grep -q 'status=bounced' "$PF_LOG" || die "a message bounced: $(grep -m 1 'status=bounced' "$PF_LOG")"
local_sent=$(grep -c 'relay=virtual.*status=sent' "$PF_LOG" || true)
[ "$local_sent" -eq "$LOAD_COUNT" ] || die "expected $LOAD_COUNT local deliveries, got $local_sent"
"$PY" "$E2E_DIR/milter_load_check.py" "$LOAD_COUNT" "$E2E_TMP/sent" "$PF_MAIL/inbox/new" "$LOAD_KEYMAP" \
  "$LOAD_EVENTS" 2 >"$E2E_TMP/check.log" 2>&1 || die "$(cat "$E2E_TMP/check.log")"
cat "$E2E_TMP/check.log"
signed=$(grep -c 'decision=signed' "$MT_LOG" || true)
[ "$signed" -ge "$LOAD_COUNT" ] || die "milter log: $signed signed decisions for $LOAD_COUNT messages"
! grep 'decision=unsigned' "$MT_LOG" || die "the milter let a message through unsigned"
echo "PASS [milter_load]: $LOAD_COUNT messages delivered once each, all signed with the keys current at" \
  "submission, the milter killed and restarted twice (deferred messages retried), queue empty; ${took}s"
