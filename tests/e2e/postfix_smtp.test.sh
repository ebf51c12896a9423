#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Postfix end to end with re-injection over SMTP: a private Postfix
# instance runs the SHIPPED examples/postfix/master-smtp.cf (paths, ports
# and listen addresses substituted): the filter re-injects with --smtp to
# the example's re-injection smtpd, and pickup has the content filter too.
# Submitted mail (SMTP AUTH) and mail submitted locally the way PHP's
# mail() does (sendmail -t -i, as an unprivileged user, no SASL) arrive
# signed (the local one as the default-user), intact, verified by dkimpy
# and Mail::DKIM, each filtered exactly once (no loop); alice is refused as
# bob by the sender-login table; a filter killed mid-DATA leaves no
# message: the re-injection smtpd discards it, Postfix defers it, and the
# retry delivers it once.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix_lib.sh"

e2e_init postfix-smtp
for cmd in postfix postconf postqueue swaks dovecot ss setpriv; do
  command -v "$cmd" >/dev/null || die "$cmd not installed (scripts/install-deps e2e)"
done
ensure_filter_user
make_db
add_two_customers
# Local submissions carry no SASL user: the default-user signs them.
admin user add customer-a.example --selector s2026rsa >/dev/null || die "user add customer-a.example failed"
fix_db_permissions
CONF=$E2E_TMP/dkim-filter.conf
printf '# e2e: local submissions sign as the domain user\ndefault-user = customer-a.example\n' >"$CONF"
chmod 0644 "$CONF"

PF_MASTER=master-smtp.cf PF_DB_ARGS="$E2E_DB --config $CONF" pf_setup
# The killed-filter case sends 40 MB.
postconf -c "$PF_CONF" -e message_size_limit=100000000 virtual_mailbox_limit=0
pf_start
wait_until 20 "the re-injection smtpd on 127.0.0.1:$PF_REINJECT_PORT" port_open "$PF_REINJECT_PORT"
dovecot_start alice@customer-a.example bob@customer-b.example

# 1. Submission, two recipients: one filter run, re-injected over SMTP.
SUBMIT_TO=rcpt@dest.example,second@dest.example \
  submit alice@customer-a.example alice@customer-a.example alice@customer-a.example smtp
wait_delivered smtp 2 >/dev/null
while read -r msg; do
  message_intact "$E2E_TMP/sent-smtp.eml" "$msg"
  verify_signed "$msg" 2
done < <(find_all_delivered smtp)
qid=$(queue_id_of smtp)
expect_argv "$qid" --smtp "127.0.0.1:$PF_REINJECT_PORT" --db DB --config "$CONF" -q "$qid" --size SIZE \
  -f alice@customer-a.example -u alice@customer-a.example -a 127.0.0.1 -- rcpt@dest.example second@dest.example
grep -q 'postfix/reinject/smtpd.*client=localhost\[127.0.0.1\]' "$PF_LOG" || die "the re-injection smtpd got nothing"
note "submitted mail re-injected over SMTP, signed, verified"

# 2. The null sender stays <>.
submit alice@customer-a.example '<>' alice@customer-a.example nullsender
msg=$(wait_delivered nullsender)
message_intact "$E2E_TMP/sent-nullsender.eml" "$msg"
verify_signed "$msg" 2
grep -q '^Return-Path: <>' "$msg" || die "null sender was not kept: $(grep '^Return-Path' "$msg")"

# 3. Sender logins: alice may not send as bob, and nothing is queued for it.
if swaks --server 127.0.0.1 --tls --port "$PF_SUB_PORT" --timeout 30 --auth PLAIN \
  --auth-user alice@customer-a.example --auth-password pw-alice@customer-a.example \
  --from bob@customer-b.example --to rcpt@dest.example --quit-after RCPT >"$E2E_TMP/swaks-asbob.log" 2>&1; then
  grep -q '553 5.7.1' "$E2E_TMP/swaks-asbob.log" || die "alice was accepted as bob: $(tail -5 "$E2E_TMP/swaks-asbob.log")"
fi
grep -q '553 5.7.1 <bob@customer-b.example>: Sender address rejected: not owned by user alice@customer-a.example' \
  "$E2E_TMP/swaks-asbob.log" || die "no sender-login refusal: $(tail -5 "$E2E_TMP/swaks-asbob.log")"
note "alice refused as bob, accepted as herself"

# 4. PHP's mail(): sendmail -t -i by an unprivileged user, through pickup.
local_msg=$E2E_TMP/sent-local.eml
cat >"$local_msg" <<MSG
From: Web Shop <shop@customer-a.example>
To: Customer <rcpt@dest.example>
Subject: e2e local
Date: $(date -R)
Message-ID: <local.$$@e2e.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Your order has shipped.
.a line with a leading dot
MSG
setpriv --reuid=nobody --regid=nogroup --clear-groups env MAIL_CONFIG="$PF_CONF" \
  /usr/sbin/sendmail -t -i <"$local_msg" || die "local sendmail failed"
msg=$(wait_delivered local)
message_intact "$local_msg" "$msg"
verify_signed "$msg" 1
sed '/^$/q' "$msg" | tr -d '\n\t ' | grep -q 'd=customer-a.example;s=s2026rsa' ||
  die "local mail not signed by the default-user's key: $(sed '/^$/q' "$msg")"
grep -q 'postfix/pickup.*uid=65534 ' "$PF_LOG" || die "the local message did not come through pickup"
note "locally submitted mail signed as the default-user"

# 5. The filter killed mid-DATA. For this case only, the re-injection
#    smtpd pauses 3 s at DATA (smtpd_data_restrictions = sleep 3), long
#    enough to find both ends of the connection; once the message is
#    flowing, that smtpd is stopped (SIGSTOP) so the filter blocks half way,
#    and the filter is killed while the kernel holds less of the message
#    than its size (so the final "." cannot have been written). Then smtpd
#    resumes and sees the connection end without it.
postconf -c "$PF_CONF" -e 'e2e_pause_at_data = sleep 3'
postconf -c "$PF_CONF" -P "127.0.0.1:$PF_REINJECT_PORT/inet/smtpd_data_restrictions=\$e2e_pause_at_data"
postfix -c "$PF_CONF" reload >/dev/null 2>&1 || die "postfix reload failed"
big=$E2E_TMP/sent-killed.eml
{
  printf 'From: alice@customer-a.example\nTo: rcpt@dest.example\nSubject: e2e killed\nDate: %s\nMessage-ID: <killed.%s@e2e.test>\n\n' \
    "$(date -R)" "$$"
  $PY -c 'import sys; sys.stdout.write(("z" * 99 + "\n") * 400000)'
} >"$big"
size=$(stat -c %s "$big")
head -c -1 "$big" >"$big.swaks"
swaks --server 127.0.0.1 --tls --port "$PF_SUB_PORT" --timeout 120 --auth PLAIN \
  --auth-user alice@customer-a.example --auth-password pw-alice@customer-a.example \
  --from alice@customer-a.example --to rcpt@dest.example --data "@$big.swaks" >"$E2E_TMP/swaks-killed.log" 2>&1 ||
  die "swaks (killed) failed: $(tail -5 "$E2E_TMP/swaks-killed.log")"
qid=$(queue_id_of killed)
pid_of() { ss -tnpH state established "( $1 = :$PF_REINJECT_PORT )" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2; }
smtpd_pid= filter_pid=
for ((i = 0; i < 600; i++)); do
  smtpd_pid=$(pid_of sport) || true
  filter_pid=$(pid_of dport) || true
  [ -n "$smtpd_pid" ] && [ -n "$filter_pid" ] && break
  sleep 0.1
done
[ -n "$smtpd_pid" ] && [ -n "$filter_pid" ] || die "the filter never connected to the re-injection smtpd"
# The filter's side of the connection: Send-Q and bytes_acked.
filter_socket() { ss -tniH state established "( dport = :$PF_REINJECT_PORT )" | tr '\n' ' '; }
acked=0
for ((i = 0; i < 3000; i++)); do  # until DATA flows (after the 3 s pause)
  acked=$(grep -o 'bytes_acked:[0-9]*' <<<"$(filter_socket)" | cut -d: -f2) || true
  [ "${acked:-0}" -gt 1000000 ] && break
  sleep 0.01
done
kill -STOP "$smtpd_pid"
e2e_on_exit "kill -CONT $smtpd_pid"
[ "${acked:-0}" -gt 1000000 ] || die "DATA never started (bytes acked: ${acked:-none})"
sleep 1  # let the filter fill the socket buffers and block (not a timing assertion)
line=$(filter_socket)
sendq=$(awk '{ print $2 }' <<<"$line")
acked=$(grep -o 'bytes_acked:[0-9]*' <<<"$line" | cut -d: -f2) || true
[ -n "$sendq" ] && [ -n "$acked" ] || die "cannot see the filter's connection: $line"
[ $((acked + sendq)) -lt "$size" ] ||
  die "the listener took $((acked + sendq)) of $size bytes before it was stopped; cannot test mid-DATA"
kill -KILL "$filter_pid"
kill -CONT "$smtpd_pid"
wait_until 60 "the deferral of the killed run" grep -q "$qid: to=<rcpt@dest.example>, relay=dkimfilter.*status=deferred" "$PF_LOG"
wait_until 30 "the re-injection smtpd to see the connection end" grep -q 'postfix/reinject/smtpd.*lost connection after DATA' "$PF_LOG"
[ -z "$(find_delivered killed)" ] || die "a message was delivered from the killed filter run"
note "killed mid-DATA (after $((acked + sendq)) of $size bytes): nothing queued by the re-injection smtpd"
pf_postqueue -f
msg=$(wait_delivered killed)
message_intact "$big" "$msg"
verify_signed "$msg" 2
[ "$(find_all_delivered killed | wc -l)" -eq 1 ] || die "the killed message was delivered more than once"

# Every message went through the filter exactly once (no loop through
# pickup or the re-injection smtpd), nothing bounced, the queue is empty.
runs=$(grep -c 'relay=dkimfilter.*status=sent' "$PF_LOG" || true)
[ "$runs" -eq 5 ] || die "expected 5 recipients passed by the filter (2 + 1 + 1 local + 1 retried), got $runs"
delivered=$(grep -c 'relay=virtual.*status=sent' "$PF_LOG" || true)
[ "$delivered" -eq 5 ] || die "expected 5 local deliveries, got $delivered"
! grep -q 'status=bounced' "$PF_LOG" || die "a message bounced: $(grep 'status=bounced' "$PF_LOG")"
wait_until 20 "an empty queue" pf_queue_empty
echo "PASS [postfix-smtp]: SMTP re-injection signed and verified, null sender, sender logins, local sendmail signed as the default-user, killed mid-DATA discarded then delivered once"
