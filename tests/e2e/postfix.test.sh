#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Postfix end to end: a separate Postfix instance (own config and queue
# directories in a temp dir) runs the SHIPPED examples/postfix configuration
# (only paths and listen addresses substituted), with Dovecot SASL. Mail
# submitted with SMTP AUTH passes through dkim-filter (pipe(8), unprivileged
# user) and sendmail re-injection, is delivered to a local maildir and is
# verified with dkimpy and Mail::DKIM against the database's DNS records.
# Needs root and Debian's postfix, dovecot-core, swaks.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix_lib.sh"

e2e_init postfix
for cmd in postfix postconf postqueue swaks dovecot; do
  command -v "$cmd" >/dev/null || die "$cmd not installed (scripts/install-deps e2e)"
done
ensure_filter_user
make_db

# Two customers, each with its own key, and a re-authenticating relay user
# of customer A.
add_two_customers
# (dkim-filter-admin refuses a selector for a re-authenticating user: "DKIM
# signing is unavailable if you are using a re-authenticating user".)
admin user add relay@customer-a.example --reauthenticating >/dev/null ||
  die "user add --reauthenticating failed"
# Users as a hosting company has them: customer B's mailbox wildcard
# (carol has no row of her own) and a bare login of customer A (dave, as
# Dovecot's %n hands it over).
admin user add '*@customer-b.example' --selector s2026rsa >/dev/null || die "user add wildcard failed"
admin user add dave --domain customer-a.example --selector s2026rsa,s2026ed >/dev/null || die "user add bare login failed"
fix_db_permissions

pf_setup
pf_start
dovecot_start alice@customer-a.example bob@customer-b.example relay@customer-a.example \
  carol@customer-b.example dave

# 1. An authenticated user's mail from its own domain, to two recipients:
#    one filter run, both copies signed (RSA + Ed25519) and valid.
SUBMIT_TO=rcpt@dest.example,second@dest.example \
  submit alice@customer-a.example alice@customer-a.example alice@customer-a.example signed
wait_delivered signed 2 >/dev/null
while read -r msg; do
  message_intact "$E2E_TMP/sent-signed.eml" "$msg"
  verify_signed "$msg" 2
done < <(find_all_delivered signed)
find_all_delivered signed | xargs grep -q -x 'Delivered-To: second@dest.example' ||
  die "second recipient lost"
# The example's argv= line, as pipe(8) expanded it: every value one argument.
qid=$(queue_id_of signed)
expect_argv "$qid" --db DB -q "$qid" --size SIZE -f alice@customer-a.example -u alice@customer-a.example \
  -a 127.0.0.1 -- rcpt@dest.example second@dest.example
note "signed message verified: $msg"

# 2. Null envelope sender (null_sender= and -f as two arguments): signed.
submit alice@customer-a.example '<>' alice@customer-a.example nullsender
msg=$(wait_delivered nullsender)
message_intact "$E2E_TMP/sent-nullsender.eml" "$msg"
verify_signed "$msg" 2
grep -q '^Return-Path: <>' "$msg" || die "null sender was not kept: $(grep '^Return-Path' "$msg")"
qid=$(queue_id_of nullsender)
expect_argv "$qid" --db DB -q "$qid" --size SIZE -f "" -u alice@customer-a.example -a 127.0.0.1 -- rcpt@dest.example

# 3. The submissions (implicit TLS) service of the example filters too.
submit alice@customer-a.example alice@customer-a.example alice@customer-a.example wrapper smtps
msg=$(wait_delivered wrapper)
message_intact "$E2E_TMP/sent-wrapper.eml" "$msg"
verify_signed "$msg" 2

# 4. A re-authenticating user's mail arrives unsigned.
submit relay@customer-a.example relay@customer-a.example alice@customer-a.example reauth
msg=$(wait_delivered reauth)
message_intact "$E2E_TMP/sent-reauth.eml" "$msg"
verify_unsigned "$msg"

# 5. A customer's user sending as another customer's domain: unsigned.
submit bob@customer-b.example bob@customer-b.example alice@customer-a.example foreign
msg=$(wait_delivered foreign)
message_intact "$E2E_TMP/sent-foreign.eml" "$msg"
verify_unsigned "$msg"
note "re-authenticating and foreign-domain mail arrived unsigned"

# 5a. A mailbox without a row of its own, through its domain's wildcard,
#     and a bare SASL login (no domain): both signed and valid.
submit carol@customer-b.example carol@customer-b.example carol@customer-b.example wildcard
msg=$(wait_delivered wildcard)
message_intact "$E2E_TMP/sent-wildcard.eml" "$msg"
verify_signed "$msg" 1
qid=$(queue_id_of wildcard)
expect_argv "$qid" --db DB -q "$qid" --size SIZE -f carol@customer-b.example -u carol@customer-b.example \
  -a 127.0.0.1 -- rcpt@dest.example
submit dave dave@customer-a.example dave@customer-a.example bare
msg=$(wait_delivered bare)
message_intact "$E2E_TMP/sent-bare.eml" "$msg"
verify_signed "$msg" 2
qid=$(queue_id_of bare)
expect_argv "$qid" --db DB -q "$qid" --size SIZE -f dave@customer-a.example -u dave -a 127.0.0.1 -- rcpt@dest.example
note "wildcard mailbox and bare login signed"

# 5b. Lines of 3,000 and 20,000 octets, which Postfix stores as several
#     records: --size ${size} still matches what the filter reads (a
#     mismatch would defer the message), and the message arrives signed,
#     intact.
SUBMIT_EXTRA="$(head -c 3000 /dev/zero | tr '\0' a)
$(head -c 20000 /dev/zero | tr '\0' b)
short line" submit alice@customer-a.example alice@customer-a.example alice@customer-a.example longlines
msg=$(wait_delivered longlines)
message_intact "$E2E_TMP/sent-longlines.eml" "$msg"
verify_signed "$msg" 2
note "long lines: --size matched, signed and intact"

# 6. Database unreadable: deferred in the queue, not lost, not bounced;
#    after the fix and a queue flush it arrives signed.
chmod 0600 "$E2E_DB"
submit alice@customer-a.example alice@customer-a.example alice@customer-a.example deferred
wait_until 60 "the deferral of the message" grep -q 'relay=dkimfilter.*status=deferred' "$PF_LOG"
[ -z "$(find_delivered deferred)" ] || die "message delivered although the database was unreadable"
queue=$(pf_postqueue -p)
grep -q 'alice@customer-a.example' <<<"$queue" || die "deferred message is not in the queue: $queue"
note "deferred while the database was unreadable: $(grep -m 1 -o 'status=deferred.*' "$PF_LOG")"
fix_db_permissions
pf_postqueue -f
msg=$(wait_delivered deferred)
message_intact "$E2E_TMP/sent-deferred.eml" "$msg"
verify_signed "$msg" 2
note "delivered signed after postqueue -f"

# Every message went through the filter exactly once (re-injected mail is
# not filtered again: 9 re-injections by the filter user via pickup, one
# per message), nothing bounced, and nothing is left in the queue.
reinjected=$(grep -c "postfix/pickup.*uid=$(id -u "$E2E_FILTER_USER") " "$PF_LOG" || true)
[ "$reinjected" -eq 9 ] || die "expected 9 re-injections by the filter, got $reinjected"
sent=$(grep -c 'relay=dkimfilter.*status=sent' "$PF_LOG" || true)
[ "$sent" -eq 10 ] || die "expected 10 recipients passed by the filter, got $sent"
delivered=$(grep -c 'relay=virtual.*status=sent' "$PF_LOG" || true)
[ "$delivered" -eq 10 ] || die "expected 10 local deliveries, got $delivered"
! grep -q 'status=bounced' "$PF_LOG" || die "a message bounced: $(grep 'status=bounced' "$PF_LOG")"
wait_until 20 "an empty queue" pf_queue_empty
echo "PASS [postfix]: dual-signed to 2 recipients, null sender, submissions, reauth/foreign unsigned, wildcard mailbox and bare login signed, deferred then signed"
