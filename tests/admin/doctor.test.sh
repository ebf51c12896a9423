#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `dkim-filter-admin doctor` finds each problem it claims to find, and
# nothing on a healthy setup. The setup is the deployed one, scaled down:
# the database group-readable by the filter's account (nobody:nogroup here),
# a private Postfix configuration directory made from examples/postfix
# (checked with postconf -c), a DNS server (nsd) on loopback for --dns.
# Each broken case is made, checked for its line, and undone.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
if [[ $(id -u) != 0 ]] || ! getent group nogroup > /dev/null; then
  echo "FAIL: needs root and group nogroup (doctor drops to the filter's account)"; exit 1
fi
for tool in postconf setpriv unshare nsd python3; do
  command -v "$tool" > /dev/null || { echo "FAIL: $tool not installed"; exit 1; }
done

# A syslog socket, as journald provides on a real machine (a container may
# have none); removed at exit only if this test made it.
if [[ ! -S /dev/log ]]; then
  python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind("/dev/log"); open(sys.argv[1],"w").close(); time.sleep(3600)' \
    "$work/log.ready" &
  log_pid=$!
  cleanup_hooks+=("kill $log_pid; rm -f /dev/log")
  for _ in $(seq 1 50); do [[ -e $work/log.ready ]] && break; sleep 0.1; done
  [[ -S /dev/log ]] || { echo "FAIL: could not make a /dev/log socket"; exit 1; }
fi

chmod 0755 "$work"
ok init "$ADMIN" init
ok "key" "$ADMIN" key generate example.com s1 --algorithm ed25519
ok "key 2" "$ADMIN" key generate example.com s2
ok "user" "$ADMIN" user add alice@example.com --selector s1,s2
ok "relay" "$ADMIN" user add relay@example.net --any-domain --selector s1
ok "reauth" "$ADMIN" user add old@example.com --reauthenticating
chgrp -R nogroup "$(dirname "$DB")"
chmod 2750 "$(dirname "$DB")"

# Postfix: the shipped example on a stock master.cf, as the e2e test builds it.
PF=$work/postfix
mkdir -p "$PF"
cp /etc/postfix/master.cf.proto "$PF/master.cf"
sed -e "s#/usr/sbin/dkim-filter #$DKIM_BUILD/dkim-filter #" -e "s#/var/lib/dkim-filter/dkim.db#$DB#" \
  -e "s#user=dkim-filter#user=nobody#" "$DKIM_SRC/examples/postfix/master.cf" >> "$PF/master.cf"
printf 'compatibility_level = 3.6\n' > "$PF/main.cf"
while IFS= read -r line; do postconf -c "$PF" -e "$line"; done < <(grep -E '^[a-z0-9_]+[[:space:]]*=' "$DKIM_SRC/examples/postfix/main.cf")

doctor() { "$ADMIN" doctor --user nobody --postfix-config "$PF" --mta postfix "$@"; }

# healthy DESCRIPTION [ARGS]: exit 0, no problem line.
healthy() {
  local what=$1 rc=0; shift
  doctor "$@" > "$work/out" 2> "$work/err" || rc=$?
  ((rc == 0)) || fail "$what: doctor exit $rc on a healthy setup: $(cat "$work/out" "$work/err")"
  ! grep -q '^problem: ' "$work/out" || fail "$what: problems on a healthy setup: $(grep '^problem' "$work/out")"
  grep -q '^doctor: no problems (checked .* as nobody' "$work/out" || fail "$what: no summary: $(cat "$work/out")"
}
# finds PATTERN DESCRIPTION [ARGS]: exit 1 and a "problem: ...; fix: ..." line matching PATTERN.
finds() {
  local pattern=$1 what=$2 rc=0; shift 2
  doctor "$@" > "$work/out" 2> "$work/err" || rc=$?
  ((rc == 1)) || fail "$what: doctor exit $rc, expected 1: $(cat "$work/out" "$work/err")"
  grep -Eq -- "^problem: .*$pattern" "$work/out" || fail "$what: no problem line /$pattern/ in: $(cat "$work/out")"
  grep -v '^doctor: ' "$work/out" | grep -v '^problem: .*; fix: ' | grep -q . && \
    fail "$what: a problem line without its fix: $(cat "$work/out")"
  return 0
}

healthy "deployed setup"

# ---- the database, as the filter's user sees it ---------------------------
chmod 0644 "$DB"
finds "dkim.db is accessible by others \(mode 0644\).*fix: chmod o-rwx $DB" "database readable by others"
chmod 0640 "$DB"
: > "$DB-journal"; chmod 0644 "$DB-journal"
finds "dkim.db-journal is accessible by others" "side file readable by others"
rm -f "$DB-journal"
chgrp root "$DB"
finds "nobody cannot read $DB .*fix: chgrp nogroup $DB && chmod 0640" "database not readable by the filter's group"
# explain, run as root, reads the database fine: it must still say the filter cannot.
rc=0
"$ADMIN" explain --user alice@example.com --from alice@example.com --filter-user nobody > "$work/out" 2>&1 || rc=$?
((rc == 75)) || fail "explain as root: exit $rc, expected 75 when the filter's user cannot open the database"
grep -q 'decision: tempfail .*as nobody.*cannot read' "$work/out" || fail "explain does not say the filter's user fails: $(cat "$work/out")"
chgrp nogroup "$DB"
ok "explain for the filter's user" "$ADMIN" explain --user alice@example.com --from alice@example.com --filter-user nobody
expect_in "$work/out" '^decision: sign' "explain once the filter can read the database"
chmod 0700 "$(dirname "$DB")"
finds "nobody cannot reach $DB" "directory closed to the filter's group"
chmod 2750 "$(dirname "$DB")"
mv "$DB" "$DB.away"
finds "database $DB does not exist; fix: dkim-filter-admin --db $DB init" "missing database"
mv "$DB.away" "$DB"
version=$(sqlite3 "$DB" 'PRAGMA user_version')
sqlite3 "$DB" 'PRAGMA user_version = 1'
finds "old schema version 1; fix: run dkim-filter-admin init" "old schema"
sqlite3 "$DB" "PRAGMA user_version = $version"
healthy "schema upgraded again"

# ---- keys and users -----------------------------------------------------------
cp -p "$DB" "$work/good.db"
restore_db() { cp -p "$work/good.db" "$DB"; }
sqlite3 "$DB" "UPDATE keys SET private_pem = replace(private_pem, 'MC4CAQAw', 'MC4CAQAx') WHERE selector = 's1'"
finds "key s1 of example.com does not load" "damaged private key"
restore_db
pub2=$(sqlite3 "$DB" "SELECT public_key FROM keys WHERE selector = 's2'")
"$ADMIN" key generate example.com s3 > /dev/null 2>&1
sqlite3 "$DB" "UPDATE keys SET public_key = '$(sqlite3 "$DB" "SELECT public_key FROM keys WHERE selector = 's3'")' WHERE selector = 's2'"
finds "key s2 of example.com: the private key does not match the stored public key" "public key mismatch"
restore_db
ok "user without a key" "$ADMIN" user add bob@example.com --selector nokey
finds "user bob@example.com: domain example.com has no key for selector nokey.*fix: dkim-filter-admin key generate example.com nokey" \
  "selector without a key"
ok "relay without a key" "$ADMIN" user set bob@example.com --no-selector
ok "relay" "$ADMIN" user add relay2@example.net --any-domain --selector nowhere
finds "user relay2@example.net \(any domain\): no domain has a key for selector nowhere" "any-domain selector without a key"
restore_db
[[ -n $pub2 ]] || fail "test setup: no public key"

# ---- --dns: each key in use published and matching ------------------------------
port=""
for _ in $(seq 1 20); do
  p=$((20000 + RANDOM % 40000))
  if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then port=$p; break; fi
done
[[ -n $port ]] || { echo "FAIL: no free port"; exit 1; }
zone=$work/example.com.zone
printf '$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns.example.com. admin.example.com. 1 3600 600 86400 300\n@ IN NS ns.example.com.\nns IN A 127.0.0.1\n' > "$zone"
"$ADMIN" key dns example.com s1 --zone >> "$zone"
"$ADMIN" key dns example.com s2 --zone >> "$zone"
cat > "$work/nsd.conf" << C
server:
  ip-address: 127.0.0.1
  port: $port
  username: ""
  chroot: ""
  zonesdir: "$work"
  database: ""
  pidfile: "$work/nsd.pid"
  xfrdfile: "$work/xfrd.state"
  zonelistfile: "$work/zone.list"
  logfile: "$work/nsd.log"
  server-count: 1
remote-control:
  control-enable: no
zone:
  name: example.com
  zonefile: "example.com.zone"
C
start_nsd() {
  nsd -d -c "$work/nsd.conf" > "$work/nsd.out" 2>&1 &
  nsd_pid=$!
  cleanup_hooks+=("kill $nsd_pid 2>/dev/null; wait $nsd_pid 2>/dev/null")
  local up=0
  for _ in $(seq 1 100); do
    if dig +short +time=1 +tries=1 -p "$port" @127.0.0.1 ns.example.com A 2>/dev/null | grep -q 127.0.0.1; then up=1; break; fi
    kill -0 "$nsd_pid" 2>/dev/null || break
    sleep 0.1
  done
  ((up)) || { echo "FAIL: nsd did not start: $(tail -5 "$work/nsd.out" "$work/nsd.log" 2>/dev/null)"; exit 1; }
}
stop_nsd() { kill "$nsd_pid" 2>/dev/null; wait "$nsd_pid" 2>/dev/null || true; }
start_nsd
healthy "--dns, both keys published" --dns --nameserver "127.0.0.1:$port" --timeout 2
stop_nsd
grep -v '^s2\._domainkey' "$zone" > "$zone.new" && mv "$zone.new" "$zone"
start_nsd
finds "s2\._domainkey\.example\.com: no record.*fix: publish dkim-filter-admin key dns example.com s2" \
  "--dns, a key in use not published" --dns --nameserver "127.0.0.1:$port" --timeout 2
grep -q 's1\._domainkey' "$work/out" && fail "--dns reports the published key s1: $(cat "$work/out")"
stop_nsd

# ---- Postfix wiring ---------------------------------------------------------------
postconf -c "$PF" -e disable_mime_output_conversion=no
finds "disable_mime_output_conversion is not yes.*fix: postconf -e disable_mime_output_conversion=yes" "MIME downgrade"
postconf -c "$PF" -e disable_mime_output_conversion=yes
cp "$PF/master.cf" "$work/master.good"
sed -i 's/user=nobody/user=root/' "$PF/master.cf"
finds "Postfix service dkimfilter runs dkim-filter as root, not nobody" "pipe service user"
cp "$work/master.good" "$PF/master.cf"
sed -i "s#argv=$DKIM_BUILD/dkim-filter #argv=/nonexistent/dkim-filter #" "$PF/master.cf"
finds "runs /nonexistent/dkim-filter, which is not an executable file" "pipe service argv"
cp "$work/master.good" "$PF/master.cf"
sed -i 's/ null_sender=//' "$PF/master.cf"
finds "lacks an empty null_sender=" "null_sender"
cp "$work/master.good" "$PF/master.cf"
sed -i 's/-f \${sender}/-f${sender}/' "$PF/master.cf"
finds 'argv= lacks "-f \$\{sender\}"' "-f and sender as one argument"
cp "$work/master.good" "$PF/master.cf"
sed -i "s#--db $DB#--db /elsewhere/dkim.db#" "$PF/master.cf"
finds "uses the database /elsewhere/dkim.db, doctor checked $DB" "another database in argv"
cp "$work/master.good" "$PF/master.cf"
sed -i '/content_filter=dkimfilter:dummy/d' "$PF/master.cf"
finds "no Postfix service hands mail to dkimfilter: nothing is signed" "no content_filter on submission"
cp "$work/master.good" "$PF/master.cf"
postconf -c "$PF" -e content_filter=dkimfilter:dummy
finds "main.cf sets content_filter = dkimfilter:dummy: mail re-injected through sendmail is filtered again" "filter loop"
postconf -c "$PF" -X content_filter
postconf -c "$PF" -P pickup/unix/content_filter=dkimfilter:dummy
finds "pickup has -o content_filter=dkimfilter:dummy, but dkimfilter re-injects through sendmail" "pickup filtered with sendmail re-injection"
cp "$work/master.good" "$PF/master.cf"
# The SMTP variant: pickup may be filtered, the re-injection smtpd must not filter again.
cp /etc/postfix/master.cf.proto "$PF/master.cf"
sed -e "s#/usr/sbin/dkim-filter #$DKIM_BUILD/dkim-filter #" -e "s#/var/lib/dkim-filter/dkim.db#$DB#" \
  -e "s#user=dkim-filter#user=nobody#" "$DKIM_SRC/examples/postfix/master-smtp.cf" >> "$PF/master.cf"
healthy "the SMTP re-injection example"
postconf -c "$PF" -P '127.0.0.1:10026/inet/content_filter=dkimfilter:dummy'
finds 'the re-injection smtpd 127.0.0.1:10026 has no "-o content_filter=": signed mail loops' "re-injection smtpd filters again"
sed -i '/^127.0.0.1:10026/,$d' "$PF/master.cf"
finds "re-injects to 127.0.0.1:10026, but master.cf has no smtpd there" "no re-injection smtpd"
cp "$work/master.good" "$PF/master.cf"
sed -i '/^dkimfilter/,$d' "$PF/master.cf"
finds "no Postfix pipe\(8\) service runs dkim-filter" "no dkimfilter service"
cp "$work/master.good" "$PF/master.cf"
mv "$PF/main.cf" "$PF/main.cf.away"
finds "Postfix is installed but has no $PF/main.cf" "Postfix without main.cf"
mv "$PF/main.cf.away" "$PF/main.cf"
healthy "Postfix wiring restored"

# ---- Postfix wiring for the milter (examples/postfix-milter) ---------------------
# The shipped example with only the socket path substituted, the milter
# itself running as its unit runs it (its own user, group postfix, in a
# RuntimeDirectory-like dkim-filter:postfix 0750 directory), and the
# socket named by the configuration file's socket option.
PM=$work/postfix-milter
run=$work/run
mkdir -p "$PM" "$run"
chown nobody:postfix "$run" && chmod 0750 "$run"
sock=unix:$run/milter.sock
shipped=unix:/run/dkim-filter/milter.sock
cp /etc/postfix/master.cf.proto "$PM/master.cf"
sed "s#$shipped#$sock#" "$DKIM_SRC/examples/postfix-milter/master.cf" >> "$PM/master.cf"
grep -q "smtpd_milters=$sock" "$PM/master.cf" || fail "examples/postfix-milter/master.cf names no $shipped"
printf 'compatibility_level = 3.6\n' > "$PM/main.cf"
while IFS= read -r line; do postconf -c "$PM" -e "${line//$shipped/$sock}"; done \
  < <(grep -E '^[a-z0-9_]+[[:space:]]*=' "$DKIM_SRC/examples/postfix-milter/main.cf")
# The stock master.cf chroots cleanup, which then cannot see the socket:
# the example's README says to unchroot it (or move the socket).
doctor() { "$ADMIN" --config "$work/milter.conf" doctor --user nobody --postfix-config "$PM" --mta postfix "$@"; }
printf 'socket = %s\n' "$sock" > "$work/milter.conf"
finds "Postfix's cleanup/unix runs chrooted in /var/spool/postfix, where the milter socket is /var/spool/postfix$run/milter.sock, which does not exist.*fix: set cleanup/unix's chroot column to n" \
  "stock chrooted cleanup"
postconf -c "$PM" -F cleanup/unix/chroot=n
cp "$PM/main.cf" "$work/pm-main.good"
cp "$PM/master.cf" "$work/pm-master.good"
setpriv --reuid=nobody --regid=postfix --groups=nogroup "$DKIM_BUILD/dkim-filter-milter" --foreground \
  --log stderr --db "$DB" --socket "$sock" 2> "$work/milter.log" &
milter_pid=$!
cleanup_hooks+=("kill $milter_pid 2>/dev/null; wait $milter_pid 2>/dev/null")
for _ in $(seq 1 100); do [[ -S $run/milter.sock ]] && break; sleep 0.1; done
[[ -S $run/milter.sock ]] || fail "the milter did not start: $(cat "$work/milter.log")"
healthy "the milter example, milter running"
chmod 0700 "$run"
finds "postfix \(group postfix only, as Postfix's daemons run\) cannot connect to the milter socket $sock" \
  "socket directory closed to Postfix"
chmod 0750 "$run"
postconf -c "$PM" -e milter_default_action=accept
finds "milter_default_action is accept, not tempfail: while the milter is stopped or failing, mail leaves unsigned.*fix: postconf -e milter_default_action=tempfail" \
  "milter_default_action accept"
postconf -c "$PM" -e milter_protocol=4
finds "milter_protocol is 4, not 6" "milter_protocol 4"
postconf -c "$PM" -e 'milter_mail_macros=i {auth_type}'
finds "milter_mail_macros lacks \{auth_authen\} \{client_addr\}" "milter_mail_macros without the SASL login"
postconf -c "$PM" -e disable_mime_output_conversion=no
finds "disable_mime_output_conversion is not yes" "MIME downgrade with the milter"
cp "$work/pm-main.good" "$PM/main.cf"
postconf -c "$PM" -X non_smtpd_milters
finds "non_smtpd_milters does not name $sock: mail submitted with sendmail\(1\) \(pickup\) leaves unsigned" \
  "local submission not through the milter"
cp "$work/pm-main.good" "$PM/main.cf"
postconf -c "$PM" -F submission/inet/chroot=y
finds "Postfix's submission/inet runs chrooted in /var/spool/postfix" "chrooted submission service"
cp "$work/pm-master.good" "$PM/master.cf"
sed -i '/smtpd_milters=/d' "$PM/master.cf"
finds "no smtpd_milters names $sock: mail from the submission services leaves unsigned" "submission not through the milter"
postconf -c "$PM" -X non_smtpd_milters
finds "no Postfix pipe\(8\) service runs dkim-filter and no milter list names dkim-filter-milter's $sock" \
  "neither the pipe nor the milter"
cp "$work/pm-main.good" "$PM/main.cf"
cp "$work/pm-master.good" "$PM/master.cf"
healthy "the milter wiring restored"
kill "$milter_pid"; wait "$milter_pid" 2>/dev/null || true
finds "the milter socket $sock does not answer .*dkim-filter-milter is not running" "milter stopped"
doctor() { "$ADMIN" doctor --user nobody --postfix-config "$PF" --mta postfix "$@"; }

# ---- the system -----------------------------------------------------------------
rc=0
unshare --mount bash -c 'mount --bind /dev/null /dev/log && exec "$@"' - \
  "$ADMIN" doctor --user nobody --postfix-config "$PF" --mta postfix > "$work/out" 2>&1 || rc=$?
((rc == 1)) && grep -q '^problem: no syslog socket /dev/log' "$work/out" || fail "no /dev/log: exit $rc: $(cat "$work/out")"
# A libssl3 / libsqlite3-0 newer than the one built in (a dpkg-query that
# says so): only a statically linked filter has one built in.
if "$ADMIN" --version | grep -q 'built with: .*openssl'; then
  mkdir -p "$work/fakebin"
  cat > "$work/fakebin/dpkg-query" << 'F'
#!/bin/sh
for a; do pkg=$a; done
[ "$pkg" = libssl3 ] && { printf 'ii \t99.0.0-1'; exit 0; }
exec /usr/bin/dpkg-query "$@"
F
  chmod +x "$work/fakebin/dpkg-query"
  PATH="$work/fakebin:$PATH" finds "dkim-filter has OpenSSL .* built in, but libssl3 99.0.0-1 is installed: a security update is waiting for a rebuild" \
    "OpenSSL update waiting"
  healthy "real libssl3"
fi

# ---- who doctor runs as --------------------------------------------------------------
rc=0
"$ADMIN" doctor --user no-such-account --mta none > "$work/out" 2>&1 || rc=$?
((rc == 1)) && grep -q '^problem: there is no account no-such-account' "$work/out" || fail "unknown account: exit $rc: $(cat "$work/out")"
rc=0
setpriv --reuid=nobody --regid=nogroup --clear-groups "$ADMIN" doctor --user daemon --mta none > "$work/out" 2>&1 || rc=$?
((rc == 64)) && grep -q 'checking as daemon needs root' "$work/out" || fail "not root: exit $rc: $(cat "$work/out")"
finish
