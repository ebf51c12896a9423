#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Exim end to end: Debian 12's Exim 4.96 (exim4-daemon-heavy, unpacked from
# its .deb because it conflicts with postfix) runs the SHIPPED examples/exim
# conf.d fragments (only paths substituted) under its taint rules. Mail
# with an authenticated id (SMTP AUTH, or -oMai for local submission)
# leaves through the transport_filter, reaches a local SMTP sink standing in
# for the smarthost, and is verified with dkimpy and Mail::DKIM.
# Needs root, apt access to Debian's archive (once; cached), swaks.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/exim_lib.sh"

e2e_init exim
command -v swaks >/dev/null || die "swaks not installed (scripts/install-deps e2e)"
exim_unpack
ensure_exim_user
# The filter runs as the Exim user; the database is group-readable by it.
E2E_DB_GROUP=$EX_USER
make_db
add_two_customers
fix_db_permissions

exim_setup alice@customer-a.example bob@customer-b.example
version=$("$EXIM" -C "$EX_CONF" -bV)
[[ $version == "Exim version 4.96 "* ]] || die "not Exim 4.96: ${version%%$'\n'*}"
sink_start
exim_start

# 1. SMTP AUTH submission: signed through the transport filter, valid.
submit_smtp alice@customer-a.example alice@customer-a.example smtpauth
msg=$(wait_delivered smtpauth)
message_intact "$E2E_TMP/sent-smtpauth.eml" "$msg"
verify_signed "$msg" 2
grep -q "T=remote_smtp_smarthost_dkim" "$EX_LOG" || die "the dkim transport was not used"
# The example's command as Exim split and expanded it: one argument each.
id=$(exim_id_of smtpauth)
expect_argv "$id" --stdout --db DB -f alice@customer-a.example -u alice@customer-a.example \
  -a 127.0.0.1 -q "$id" --
note "SMTP AUTH message signed and verified: $msg"

# 2. Local submission with -oMai and a null sender: signed; the empty sender
#    and the absent client address are each one empty argument.
submit_local '<>' alice@customer-a.example localauth alice@customer-a.example
msg=$(wait_delivered localauth)
message_intact "$E2E_TMP/sent-localauth.eml" "$msg"
verify_signed "$msg" 2
grep -q '^MAIL FROM:<>' "${msg%.eml}.env" || die "null sender lost: $(head -1 "${msg%.eml}.env")"
id=$(exim_id_of localauth)
expect_argv "$id" --stdout --db DB -f "" -u alice@customer-a.example -a "" -q "$id" --

# 3. A sender address with a single quote (quote_sqlite in the untainting
#    lookup) still arrives signed, with its envelope intact.
submit_local "o'neil@customer-a.example" alice@customer-a.example quote alice@customer-a.example
msg=$(wait_delivered quote)
message_intact "$E2E_TMP/sent-quote.eml" "$msg"
verify_signed "$msg" 2
grep -q "^MAIL FROM:<o'neil@customer-a.example>" "${msg%.eml}.env" ||
  die "quoted sender altered: $(head -1 "${msg%.eml}.env")"
id=$(exim_id_of quote)
expect_argv "$id" --stdout --db DB -f "o'neil@customer-a.example" -u alice@customer-a.example \
  -a "" -q "$id" --

# 4. Another customer's user sending as customer A: unsigned.
submit_local bob@customer-b.example alice@customer-a.example foreign bob@customer-b.example
msg=$(wait_delivered foreign)
message_intact "$E2E_TMP/sent-foreign.eml" "$msg"
verify_unsigned "$msg"

# 5. No authenticated id: routed by Debian's own smarthost router, unsigned.
submit_local alice@customer-a.example alice@customer-a.example unauth
msg=$(wait_delivered unauth)
message_intact "$E2E_TMP/sent-unauth.eml" "$msg"
verify_unsigned "$msg"
grep -q 'T=remote_smtp_smarthost H=' "$EX_LOG" || die "unauthenticated mail took the dkim transport"
note "foreign-domain and unauthenticated mail arrived unsigned"

# 6. Database unreadable: Exim defers (filter exit 75), the message stays in
#    the queue; after the fix a forced delivery sends it signed.
chmod 0600 "$E2E_DB"
submit_local alice@customer-a.example alice@customer-a.example deferred alice@customer-a.example
grep -q 'transport filter process failed (75)' "$EX_LOG" ||
  die "no deferral with status 75 in the log"
[ -z "$(find_delivered deferred)" ] || die "delivered although the database was unreadable"
queue=$(ex -bpr)
id=$(awk '/<alice@customer-a.example>/ { print $3; exit }' <<<"$queue")
[ -n "$id" ] || die "deferred message not in Exim's queue: $(ex -bp)"
note "deferred while the database was unreadable ($id): $(grep -o 'defer.*' "$EX_LOG" | tail -n 1)"
fix_db_permissions
ex -M "$id" 2>>"$EX_DIR/submit.log" || die "exim -M $id failed"
msg=$(wait_delivered deferred)
message_intact "$E2E_TMP/sent-deferred.eml" "$msg"
verify_signed "$msg" 2

# 7. Database missing (a configuration problem: exit 75, never 78): Exim
#    defers as well; once the file is back the message goes out signed.
deferrals_before=$(grep -c 'transport filter process failed (75)' "$EX_LOG" || true)
mv "$E2E_DB" "$E2E_DB.away"
submit_local alice@customer-a.example alice@customer-a.example missing alice@customer-a.example
[ "$(grep -c 'transport filter process failed (75)' "$EX_LOG" || true)" -gt "$deferrals_before" ] ||
  die "no new deferral with status 75 in the log: $(tail -n 2 "$EX_LOG")"
[ -z "$(find_delivered missing)" ] || die "delivered although the database was missing"
mv "$E2E_DB.away" "$E2E_DB"
queue=$(ex -bpr)
id=$(awk '/<alice@customer-a.example>/ { print $3; exit }' <<<"$queue")
[ -n "$id" ] || die "message deferred for a missing database not in the queue"
ex -M "$id" 2>>"$EX_DIR/submit.log" || die "exim -M $id failed"
msg=$(wait_delivered missing)
message_intact "$E2E_TMP/sent-missing.eml" "$msg"
verify_signed "$msg" 2

# 8. doctor reads the running Exim's DKIM_FILTER_COMMAND (exim4 -bP macro):
#    quiet on this working set-up; names a macro that is missing, runs no
#    executable, or reads another database. The exim4 on PATH is this
#    private Exim with one of these configuration files.
doctor_with() {
  printf '#!/bin/sh\nexec %q -C %q "$@"\n' "$EXIM" "$1" >"$E2E_TMP/bin/exim4"
  chmod 0755 "$E2E_TMP/bin/exim4"
  rc=0
  PATH="$E2E_TMP/bin:$PATH" admin doctor --mta exim --user "$EX_USER" >"$E2E_TMP/doctor.out" 2>&1 || rc=$?
}
# A container may have no syslog socket; doctor rightly names that, and it
# is the one problem allowed here (tests/admin/doctor.test.sh covers it).
other_problems() { grep '^problem: ' "$E2E_TMP/doctor.out" | grep -v '^problem: no syslog socket /dev/log' || true; }
doctor_with "$EX_CONF"
[[ -z $(other_problems) ]] && { ((rc == 0)) || [[ ! -S /dev/log ]]; } && grep -q '^doctor: ' "$E2E_TMP/doctor.out" ||
  die "doctor: exit $rc on the working Exim set-up: $(cat "$E2E_TMP/doctor.out")"
doctor_finds() { # PATTERN WHAT: exit 1 and a problem line matching PATTERN
  ((rc == 1)) && grep -q "^problem: $1" "$E2E_TMP/doctor.out" ||
    die "doctor on $2: exit $rc: $(cat "$E2E_TMP/doctor.out")"
}
sed 's/^DKIM_FILTER_COMMAND = /OTHER_FILTER_COMMAND = /' "$EX_CONF" >"$EX_DIR/nomacro.conf"
doctor_with "$EX_DIR/nomacro.conf"
doctor_finds "Exim has no DKIM_FILTER_COMMAND macro" "a configuration without the macro"
sed "s#$E2E_TMP/bin/dkim-filter --stdout#/nonexistent/dkim-filter --stdout#" "$EX_CONF" >"$EX_DIR/noexec.conf"
doctor_with "$EX_DIR/noexec.conf"
doctor_finds "Exim's DKIM_FILTER_COMMAND runs /nonexistent/dkim-filter, which is not an executable" "a wrong filter path"
sed "s#--db $E2E_DB#--db /var/lib/other/dkim.db#" "$EX_CONF" >"$EX_DIR/otherdb.conf"
doctor_with "$EX_DIR/otherdb.conf"
doctor_finds "Exim's DKIM_FILTER_COMMAND uses the database /var/lib/other/dkim.db, doctor checked $E2E_DB" "another database"
rm -f "$E2E_TMP/bin/exim4"
note "doctor reads Exim's DKIM_FILTER_COMMAND: quiet when right, three wrong set-ups named"

[ -z "$(ex -bpr)" ] || die "messages left in Exim's queue: $(ex -bp)"
! grep -q '\*\*' "$EX_LOG" || die "a delivery failed permanently: $(grep '\*\*' "$EX_LOG")"
echo "PASS [exim]: SMTP AUTH and -oMai signed, null sender, quoted sender, foreign/unauthenticated unsigned, deferred (75 twice) then signed, doctor checks the wiring"
