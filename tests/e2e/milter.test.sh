#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dkim-filter-milter end to end with the real Postfix: a private instance
# (own config and queue directories) runs the SHIPPED examples/postfix-milter
# configuration (only listen addresses and the socket path substituted),
# with Dovecot SASL, and the milter as the systemd unit runs it (user
# dkim-filter, group postfix). Checked on the delivered messages:
#   - SASL submission (submission and submissions) signed, unchanged below
#     the added fields; local sendmail(1) submission signed as default-user;
#   - every tests/corpus message submitted with SASL signed three times
#     (RSA relaxed/relaxed, RSA simple/simple, Ed25519) and verified by
#     dkimpy, Mail::DKIM and libopendkim: simple/simple passing proves the
#     rebuilt header fields and body are the bytes Postfix delivered;
#   - an unknown user's mail unsigned; a database the milter cannot read,
#     and a stopped milter, answer 4xx (nothing accepted unsigned), and the
#     retried message is signed; a key added while running is used at once;
#   - a cluster replica not confirmed within max-staleness: 4xx, or
#     unsigned with --on-error pass; signed again once confirmed.
# Needs root and Debian's postfix, dovecot-core, swaks, libopendkim-dev.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix_lib.sh"
. "$(dirname "$0")/milter_lib.sh"

e2e_init milter
for cmd in postfix postconf postqueue swaks dovecot setpriv cc sqlite3; do
  command -v "$cmd" >/dev/null || die "$cmd not installed (scripts/install-deps e2e)"
done
[ -x "$DKIM_BUILD/dkim-filter-milter" ] || die "$DKIM_BUILD/dkim-filter-milter not built (libmilter-dev)"
ensure_filter_user
make_db

add_two_customers
# The corpus sender: three signatures per message, one per canonicalization
# and algorithm.
add_key example.com rr rsa
admin key generate example.com ss --canon simple/simple >/dev/null || die "key generate ss failed"
admin key dns example.com ss >>"$E2E_DNS"
add_key example.com ed ed25519
admin user add alice@example.com --selector rr,ss,ed >/dev/null || die "user add alice@example.com failed"
fix_db_permissions
mt_keys_file >/dev/null
cc -O2 -o "$E2E_TMP/opendkim_verify" "$DKIM_SRC/tests/interop/opendkim_verify.c" -I/usr/include/opendkim \
  -lopendkim || die "cannot compile opendkim_verify.c"
export OPENDKIM_VERIFY=$E2E_TMP/opendkim_verify

mt_setup
mt_start --default-user alice@customer-a.example
pf_start
dovecot_start alice@customer-a.example bob@customer-b.example alice@example.com stranger@example.org

# log_of TAG: the milter's line for the message swaks submitted as TAG.
log_of() {
  local qid
  qid=$(queue_id_of "$1")
  [ -n "$qid" ] || die "no queue id for $1"
  grep -F "queue_id=$qid " "$MT_LOG" || die "no milter log line for $1 (queue id $qid)"
}

# 1. SASL submission, two recipients: signed once (RSA + Ed25519), both copies valid.
SUBMIT_TO=rcpt@dest.example,second@dest.example \
  submit alice@customer-a.example alice@customer-a.example alice@customer-a.example signed
wait_delivered signed 2 >/dev/null
while read -r msg; do
  message_intact "$E2E_TMP/sent-signed.eml" "$msg"
  verify_signed "$msg" 2
  mt_verify_all "$msg" customer-a.example s2026rsa s2026ed
done < <(find_all_delivered signed)
line=$(log_of signed)
for kv in decision=signed reason=signed user=alice@customer-a.example domain=customer-a.example \
          sender=alice@customer-a.example selector=s2026rsa,s2026ed d=customer-a.example,customer-a.example; do
  [[ " $line " == *" $kv "* ]] || die "log line lacks $kv: $line"
done
note "SASL submission signed: $line"

# 2. submissions (implicit TLS).
submit bob@customer-b.example bob@customer-b.example bob@customer-b.example smtps smtps
msg=$(wait_delivered smtps)
message_intact "$E2E_TMP/sent-smtps.eml" "$msg"
verify_signed "$msg" 1

# 3. Local submission with sendmail(1): pickup -> cleanup -> non_smtpd_milters,
#    no SASL user, client 127.0.0.1 without an IP user: the default-user.
local_msg=$E2E_TMP/sent-local.eml
sed 's/^Subject: e2e signed$/Subject: e2e local/' "$E2E_TMP/sent-signed.eml" >"$local_msg"
sendmail -C "$PF_CONF" -f alice@customer-a.example -- rcpt@dest.example <"$local_msg" ||
  die "sendmail -C $PF_CONF failed"
msg=$(wait_delivered local)
message_intact "$local_msg" "$msg"
verify_signed "$msg" 2
mt_verify_all "$msg" customer-a.example s2026rsa s2026ed
grep -q 'sender=alice@customer-a.example user=alice@customer-a.example .*decision=signed' "$MT_LOG" ||
  die "no default-user line: $(tail -n 3 "$MT_LOG")"
note "local sendmail submission signed as the default-user"

# 4. An authenticated user the database does not know: unsigned, logged.
submit stranger@example.org stranger@example.org stranger@example.org unknown
msg=$(wait_delivered unknown)
message_intact "$E2E_TMP/sent-unknown.eml" "$msg"
verify_unsigned "$msg"
[[ "$(log_of unknown)" == *"decision=unsigned reason=unknown-user"* ]] || die "unknown user: $(log_of unknown)"

# 5. The corpus, one message at a time through submission as alice@example.com.
mkdir -p "$E2E_TMP/corpus"
n=0
for f in "$DKIM_SRC"/tests/corpus/*.eml; do
  name=$(basename "$f" .eml)
  before=$(find "$PF_MAIL/inbox/new" -type f | wc -l)
  # swaks ends the data with CRLF "." CRLF itself: drop the file's own last
  # line end so that what arrives is the file.
  data=$E2E_TMP/corpus/$name.swaks
  case $(tail -c 2 "$f" | od -An -c | tr -d ' ') in
    '\r\n') head -c -2 "$f" >"$data" ;;
    *'\n') head -c -1 "$f" >"$data" ;;
    *) cp "$f" "$data" ;;
  esac
  swaks --server 127.0.0.1 --tls --port "$PF_SUB_PORT" --timeout 30 --auth PLAIN \
    --auth-user alice@example.com --auth-password pw-alice@example.com \
    --from alice@example.com --to rcpt@dest.example --data "@$data" >"$E2E_TMP/swaks-corpus-$name.log" 2>&1 ||
    die "swaks ($name) failed: $(tail -n 5 "$E2E_TMP/swaks-corpus-$name.log")"
  delivered_more() { [ "$(find "$PF_MAIL/inbox/new" -type f | wc -l)" -gt "$before" ]; }
  wait_until 30 "delivery of corpus message $name" delivered_more
  new=$(find "$PF_MAIL/inbox/new" -type f -newer "$data" | head -n 1)
  mv "$new" "$E2E_TMP/corpus/$name.delivered.eml"
  n=$((n + 1))
  [ "$(count_signatures "$E2E_TMP/corpus/$name.delivered.eml")" -ge 3 ] ||
    die "corpus $name arrived with $(count_signatures "$E2E_TMP/corpus/$name.delivered.eml") signatures: $(tail -n 1 "$MT_LOG")"
done
# Postfix queues "Name : value" as "Name: value" (src/global/mime_state.c),
# so the verifiers' excuses for white space before the colon are not needed
# here: every message is judged by every verifier, except libopendkim's
# known bare-CR bug in relaxed body canonicalization (22-bare-cr-body).
grep -q -E '^[A-Za-z-]+[ 	]+:' "$E2E_TMP"/corpus/{19,38,39}-*.delivered.eml &&
  die "Postfix delivered a header field with white space before its colon"
for sel in rr ss ed; do
  out=$($PY "$DKIM_SRC/tests/interop/verify_all" --keys "$E2E_TMP/keys.txt" -d example.com -s "$sel" -q \
    --no-excuses $(ls "$E2E_TMP"/corpus/*.delivered.eml | grep -v /22-) 2>&1) || die "corpus, s=$sel: $out"
  out=$($PY "$DKIM_SRC/tests/interop/verify_all" --keys "$E2E_TMP/keys.txt" -d example.com -s "$sel" -q \
    "$E2E_TMP"/corpus/22-*.delivered.eml 2>&1) || die "corpus, s=$sel: $out"
done
note "$n corpus messages signed (rsa relaxed, rsa simple, ed25519) and verified by dkimpy, Mail::DKIM, libopendkim"

# 6. The milter cannot read the database: 4xx at the end of DATA, nothing
#    accepted; after the fix the retried message is signed.
chmod 0600 "$E2E_DB"
if (submit alice@customer-a.example alice@customer-a.example alice@customer-a.example denied) 2>/dev/null; then
  die "message accepted although the milter cannot read the database"
fi
grep -q -E '^<[~*]\* +4[0-9][0-9] ' "$E2E_TMP/swaks-denied.log" || die "no 4xx reply: $(tail -n 5 "$E2E_TMP/swaks-denied.log")"
grep -q 'error=.* decision=tempfail reason=error' "$MT_LOG" || die "no tempfail log line: $(tail -n 2 "$MT_LOG")"
fix_db_permissions
submit alice@customer-a.example alice@customer-a.example alice@customer-a.example denied
verify_signed "$(wait_delivered denied)" 2
note "unreadable database: 4xx, then signed on retry"

# 7. A key and a user added while the milter runs are used by the next
#    message (the database's data_version changed), without a restart.
add_key customer-b.example s2027ed ed25519
admin user set bob@customer-b.example --selector s2026rsa,s2027ed >/dev/null || die "user set bob failed"
fix_db_permissions
mt_keys_file >/dev/null
submit bob@customer-b.example bob@customer-b.example bob@customer-b.example rotated
msg=$(wait_delivered rotated)
verify_signed "$msg" 2
mt_verify_all "$msg" customer-b.example s2026rsa s2027ed

# 8. Key hygiene in the long-lived process: after signing with every key,
#    no private key's PEM text is left in the milter's memory (the keys are
#    held parsed, in OpenSSL's secure heap). The scanner must find the text
#    in a process that does hold it, or the check proves nothing.
slices() { grep -hv -- '-----' "$@" | awk '{ for (i = 1; i + 23 <= length($0); i += 12) print substr($0, i, 24) }'; }
for key in "customer-a.example s2026rsa" "customer-a.example s2026ed" "customer-b.example s2026rsa" \
           "customer-b.example s2027ed" "example.com rr" "example.com ss" "example.com ed"; do
  # shellcheck disable=SC2086 # two words: domain and selector
  admin key export $key
done >"$E2E_TMP/keys.pem" || die "key export failed"
slices "$E2E_TMP/keys.pem" >"$E2E_TMP/needles"
scanner=$DKIM_SRC/tests/cli/lib/scan_memory.py
$PY -c 'import sys; k = open(sys.argv[1]).read(); print("ready", flush=True); sys.stdin.read()' \
  "$E2E_TMP/keys.pem" >"$E2E_TMP/holder.out" < <(sleep 60) &
holder=$!
wait_until 10 "the control process to read the keys" grep -q ready "$E2E_TMP/holder.out"
if $PY "$scanner" "$holder" "$E2E_TMP/needles" >/dev/null 2>&1; then die "the memory scan cannot see key text"; fi
kill "$holder" 2>/dev/null || true
rc=0
$PY "$scanner" "$MT_PID" "$E2E_TMP/needles" >"$E2E_TMP/scan" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || die "private key PEM text in the milter's memory (scan exit $rc): $(head -n 3 "$E2E_TMP/scan")"
note "no private key text in the milter's memory after signing with 7 keys"

# 9. The milter stopped: milter_default_action = tempfail defers (4xx), never
#    accepts unsigned; restarted, the same message goes through signed.
mt_stop TERM
if (submit alice@customer-a.example alice@customer-a.example alice@customer-a.example stopped) 2>/dev/null; then
  die "message accepted while the milter was stopped"
fi
grep -q -E '^<[~*]\* +4[0-9][0-9] ' "$E2E_TMP/swaks-stopped.log" || die "no 4xx reply: $(tail -n 5 "$E2E_TMP/swaks-stopped.log")"
mt_start --default-user alice@customer-a.example
submit alice@customer-a.example alice@customer-a.example alice@customer-a.example stopped
verify_signed "$(wait_delivered stopped)" 2

# 10. max-staleness: the database given a cluster node's sync record (as
#     dkim-filter-sync keeps it in a replica, db/cluster/replica.cpp),
#     confirmed two hours ago: deferred (4xx) under the default 3600 s;
#     with --on-error pass delivered unsigned; confirmed again (a commit,
#     seen without a restart): signed.
sqlite3 "$E2E_DB" "CREATE TABLE cluster_sync (id INTEGER PRIMARY KEY CHECK (id = 1), cluster_id TEXT NOT NULL,
  last_seq INTEGER NOT NULL, confirmed INTEGER NOT NULL);
  INSERT INTO cluster_sync VALUES (1, 'e2e', 1, $(($(date +%s) - 7200)))" || die "cannot fake a replica"
fix_db_permissions
if (submit alice@customer-a.example alice@customer-a.example alice@customer-a.example stale) 2>/dev/null; then
  die "message accepted from a replica confirmed 2 h ago"
fi
grep -q -E '^<[~*]\* +4[0-9][0-9] ' "$E2E_TMP/swaks-stale.log" || die "stale replica, no 4xx: $(tail -n 5 "$E2E_TMP/swaks-stale.log")"
grep -q 'error=.*last confirmed current [0-9]* s ago, more than max-staleness 3600.* decision=tempfail reason=error' \
  "$MT_LOG" || die "no staleness log line: $(tail -n 2 "$MT_LOG")"
mt_stop TERM
mt_start --default-user alice@customer-a.example --on-error pass
submit alice@customer-a.example alice@customer-a.example alice@customer-a.example stalepass
msg=$(wait_delivered stalepass)
message_intact "$E2E_TMP/sent-stalepass.eml" "$msg"
verify_unsigned "$msg"
grep -q 'error=.*more than max-staleness 3600.* decision=unsigned reason=error' "$MT_LOG" ||
  die "stale replica with --on-error pass: $(tail -n 1 "$MT_LOG")"
mt_stop TERM
mt_start --default-user alice@customer-a.example
sqlite3 "$E2E_DB" "UPDATE cluster_sync SET confirmed = $(date +%s)" || die "cannot confirm the replica"
fix_db_permissions
submit alice@customer-a.example alice@customer-a.example alice@customer-a.example fresh
verify_signed "$(wait_delivered fresh)" 2
note "max-staleness: stale replica deferred (4xx), unsigned with --on-error pass, signed once confirmed"

! grep -q 'status=bounced' "$PF_LOG" || die "a message bounced: $(grep 'status=bounced' "$PF_LOG")"
wait_until 20 "an empty queue" pf_queue_empty
echo "PASS [milter]: submission, submissions and local sendmail signed; $n corpus messages verified by three" \
  "verifiers in relaxed and simple; unknown user unsigned; unreadable database, stopped milter and stale" \
  "replica deferred (4xx)"
