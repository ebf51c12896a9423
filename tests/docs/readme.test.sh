#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's quick start, run as written, so the documentation cannot
# drift from the product. Each command block is marked in README.md with
# "<!-- quickstart: NAME -->" before its ```sh fence. Every block is
# extracted and run by bash in a sandbox:
#   - the dkim-filter-admin / dkim-filter commands for real, against a
#     temporary database (DKIM_FILTER_DB) and the binaries of $DKIM_BUILD;
#   - "publish the record" for real too: the zone line the dns block prints
#     is served by a local DNS server inside a private network namespace,
#     where `key check` and dkimpy's `dkimverify` look it up as written;
#   - postconf against a temporary Postfix configuration as a fresh
#     "No configuration" install leaves it (Debian's stock master.cf, no
#     main.cf), then compared with examples/postfix; the Postfix blocks run
#     twice, as a re-run would, and must leave one dkimfilter service;
#   - dkim-filter-admin doctor against that configuration (only its
#     Postfix wiring findings count: the sandbox has no filter account,
#     installed binary or syslog);
#   - Dovecot's snippet written to a copy of /etc/dovecot, checked by doveconf;
#   - Exim's files copied into a temporary /etc/exim4;
#   - apt-get checks that every package named exists in Debian's archive
#     (apt-cache), make checks that its target exists (make -n);
#     systemctl, swaks, sendmail, make-ssl-cert and `postfix reload` are
#     recorded, not run; journalctl prints the filter's log line.
# Absolute paths the blocks write (/etc/..., /var/log/mail.log) are
# rewritten into the sandbox; nothing else in a block is changed.
set -euo pipefail
DKIM_SRC=${DKIM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
DKIM_BUILD=${DKIM_BUILD:-$DKIM_SRC/build}
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL [docs.readme]: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "must run as root (network namespace for the DNS step)"
for b in dkim-filter dkim-filter-admin; do [ -x "$DKIM_BUILD/$b" ] || fail "$DKIM_BUILD/$b not built"; done
for tool in unshare ip postconf doveconf doveadm dkimverify apt-cache; do
  command -v "$tool" >/dev/null || fail "$tool not found (packages: util-linux iproute2 postfix dovecot-core python3-dkim)"
done

SB=$(mktemp -d /tmp/dkim-readme.XXXXXX)
trap 'rm -rf "$SB"' EXIT
mkdir -p "$SB/blocks" "$SB/bin" "$SB/work" "$SB/postfix" "$SB/exim4/conf.d" "$SB/calls"

# ---- extract ----------------------------------------------------------------
$PY - "$DKIM_SRC/README.md" "$SB/blocks" <<'EOF' || fail "cannot extract the quick-start blocks"
import re, sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
for i, line in enumerate(lines):
    m = re.fullmatch(r'<!-- quickstart: ([a-z0-9 -]+) -->', line.strip())
    if not m:
        continue
    if i + 1 >= len(lines) or lines[i + 1].strip() != '```sh':
        sys.exit(f'README.md:{i + 1}: quickstart marker "{m.group(1)}" not followed by a ```sh fence')
    end = lines.index('```', i + 2)
    name = m.group(1).replace(' ', '_')
    open(f'{sys.argv[2]}/{name}.sh', 'w').write('\n'.join(lines[i + 2:end]) + '\n')
EOF
expected="install exim_group keys dns check verify postfix_packages postfix_sasl postfix_base postfix_wiring
  postfix_doctor postfix_send exim_packages exim_wiring exim_send"
for b in $expected; do
  [ -s "$SB/blocks/$b.sh" ] || fail "README.md has no \"<!-- quickstart: ${b//_/ } -->\" block"
  bash -n "$SB/blocks/$b.sh" || fail "quick-start block '$b' is not valid shell"
done

# ---- the sandbox --------------------------------------------------------------
# What the package would give: its example files, and the paths the blocks
# write to. Debian's stock Postfix and Dovecot configuration as the base.
cp /etc/postfix/master.cf.proto "$SB/postfix/master.cf" 2>/dev/null || cp /etc/postfix/master.cf "$SB/postfix/master.cf"
mkdir -p "$SB/ssl/certs" "$SB/ssl/private"  # no certificate yet, no main.cf
# The database directory as the package's postinst makes it: explain and
# doctor open the database as the filter's account, when there is one.
chmod 0755 "$SB"
mkdir -p "$SB/db"
if getent group dkim-filter >/dev/null; then chgrp dkim-filter "$SB/db" && chmod 2750 "$SB/db"; fi
cp -r /etc/dovecot "$SB/dovecot"
rm -f "$SB/dovecot/local.conf" "$SB/dovecot/smtp-users"
printf "dc_eximconfig_configtype='local'\ndc_use_split_config='false'\n" >"$SB/exim4/update-exim4.conf.conf"
: >"$SB/mail.log"
deb_name=$(
  name=$(sed -n 's/^set(CPACK_PACKAGE_NAME "\(.*\)")/\1/p' "$DKIM_BUILD/CPackConfig.cmake" 2>/dev/null)
  version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")/\1/p' "$DKIM_BUILD/CPackConfig.cmake" 2>/dev/null)
  [ -n "$name" ] && [ -n "$version" ] && echo "${name}_${version}_$(dpkg --print-architecture).deb"
) || fail "$DKIM_BUILD/CPackConfig.cmake missing: CMakeLists.txt must include cmake/Packaging.cmake"

# Stand-ins for commands that would change the machine. Each records its
# call in $SB/calls and checks what it can without side effects.
record='echo "$(basename "$0") $*" >>"'$SB'/calls/log"'
cat >"$SB/bin/apt-get" <<EOF
#!/bin/bash
$record
for a in "\$@"; do
  case \$a in
    install|-*) ;;
    ./build/*.deb) [[ "$deb_name" == \${a#./build/} ]] || { echo "apt-get: \$a does not match $deb_name" >&2; exit 1; } ;;
    *) apt-cache show "\$a" >/dev/null 2>&1 || { echo "apt-get: no Debian package \$a" >&2; exit 100; } ;;
  esac
done
EOF
cat >"$SB/bin/make" <<EOF
#!/bin/bash
$record
exec /usr/bin/make -n -C "$DKIM_SRC" "\$@" >/dev/null
EOF
cat >"$SB/bin/postconf" <<EOF
#!/bin/bash
exec /usr/sbin/postconf -c "$SB/postfix" "\$@"
EOF
cat >"$SB/bin/dpkg-statoverride" <<EOF
#!/bin/bash
$record
[[ "\$*" =~ ^--update\ --add\ [a-z_][a-z0-9_-]*\ [A-Za-z_][A-Za-z0-9_-]*\ [0-7]{4}\ /var/lib/dkim-filter$ ]] ||
  { echo "dpkg-statoverride: unexpected arguments: \$*" >&2; exit 2; }
EOF
cat >"$SB/bin/make-ssl-cert" <<EOF
#!/bin/bash
$record
[ "\$*" = generate-default-snakeoil ] || { echo "make-ssl-cert: unexpected arguments: \$*" >&2; exit 2; }
: >"$SB/ssl/certs/ssl-cert-snakeoil.pem"; : >"$SB/ssl/private/ssl-cert-snakeoil.key"
EOF
cat >"$SB/bin/journalctl" <<EOF
#!/bin/bash
$record
cat "$SB/mail.log"
EOF
for c in systemctl postfix swaks sendmail update-exim4.conf; do
  printf '#!/bin/bash\n%s\ncat >/dev/null <&0 2>/dev/null || true\n' "$record" >"$SB/bin/$c"
done
chmod +x "$SB"/bin/*

# run_block NAME: the block, paths into the sandbox, in $SB/work.
run_block() {
  local name=$1
  sed -e "s#/usr/share/doc/dkim-filter/examples#$DKIM_SRC/examples#g" \
    -e "s#/etc/dovecot#$SB/dovecot#g" -e "s#/etc/exim4#$SB/exim4#g" -e "s#/etc/postfix#$SB/postfix#g" \
    -e "s#/var/log/mail.log#$SB/mail.log#g" -e "s#/etc/ssl/#$SB/ssl/#g" "$SB/blocks/$name.sh" >"$SB/run-$name.sh"
  (cd "$SB/work" && PATH="$SB/bin:$DKIM_BUILD:$PATH" DKIM_FILTER_DB="$SB/db/dkim.db" \
    bash -euo pipefail "$SB/run-$name.sh") >"$SB/$name.out" 2>"$SB/$name.err" || {
    local rc=$?
    cat "$SB/$name.out" "$SB/$name.err" >&2
    fail "quick-start block '$name' failed (exit $rc)"
  }
}

# ---- 1. install ----------------------------------------------------------------
run_block install
grep -q '^make deb' "$SB/calls/log" || fail "install block does not run make deb"
grep -q '^dpkg-statoverride' "$SB/calls/log" && fail "statoverride ran too early"
run_block exim_group
grep -q 'dpkg-statoverride --list "$dir"' "$DKIM_SRC/packaging/postinst" ||
  fail "README promises the postinst honours dpkg-statoverride; packaging/postinst does not"

# ---- 2. keys --------------------------------------------------------------------
run_block keys
grep -q '^decision: sign (signed)' "$SB/keys.out" || { cat "$SB/keys.out" >&2; fail "explain does not say sign"; }
grep -q '_domainkey.example.com TXT "v=DKIM1; k=rsa; p=' "$SB/keys.out" || fail "key generate printed no DNS record"

# ---- 3. DNS: the printed zone line, served in a private network namespace --------
run_block dns
grep -q '^s2026\._domainkey\.example\.com\. .*TXT "v=DKIM1' "$SB/dns.out" || fail "dns block printed no zone line"
cp "$SB/dns.out" "$SB/zone"
printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:1\n' >"$SB/resolv.conf"
export SB HERE PY
export -f run_block fail
unshare --mount --net bash -euo pipefail -c '
  ip link set lo up
  mount --bind "$SB/resolv.conf" /etc/resolv.conf
  "$PY" "$HERE/../lib/txt_dns.py" "$SB/zone" "$SB/dns.ready" 127.0.0.1 53 2>"$SB/dns.log" &
  dns_pid=$!
  trap "kill $dns_pid 2>/dev/null" EXIT
  for i in $(seq 50); do [ -e "$SB/dns.ready" ] && break; sleep 0.1; done
  [ -e "$SB/dns.ready" ] || fail "the test DNS server did not start: $(cat "$SB/dns.log")"
  run_block check
  run_block verify
' || exit 1
grep -q 'matches' "$SB/check.out" || { cat "$SB/check.out" >&2; fail "key check did not say matches"; }
grep -q 'decision=signed reason=signed' "$SB/verify.err" || { cat "$SB/verify.err" >&2; fail "the filter did not sign"; }
grep -qi '^dkim-signature:' "$SB/work/signed.eml" || fail "signed.eml has no DKIM-Signature"
grep -q 'signature ok' "$SB/verify.out" || { cat "$SB/verify.out" >&2; fail "dkimverify did not say signature ok"; }
# The send blocks grep the syslog line: give them the one the filter wrote.
sed -n 's/^dkim-filter: /Nov 28 12:00:00 mx dkim-filter[4242]: /p' "$SB/verify.err" >"$SB/mail.log"

# ---- Postfix ----------------------------------------------------------------------
run_block postfix_packages
run_block postfix_sasl
doveconf -c "$SB/dovecot/dovecot.conf" -n >"$SB/doveconf.out" 2>&1 ||
  { cat "$SB/doveconf.out" >&2; fail "doveconf rejects the README's Dovecot configuration"; }
grep -q 'unix_listener /var/spool/postfix/private/auth' "$SB/doveconf.out" || fail "no auth listener for Postfix"
grep -q "driver = passwd-file" "$SB/doveconf.out" || fail "no passwd-file passdb"
grep -q '^alice@example.com:{SHA512-CRYPT}\$6\$' "$SB/dovecot/smtp-users" || fail "smtp-users has no hashed alice"
[ "$(stat -c '%G %a' "$SB/dovecot/smtp-users")" = "dovecot 640" ] || fail "smtp-users is readable by others"
[ -e "$SB/postfix/main.cf" ] && fail "test setup: main.cf exists before the quick start"
run_block postfix_base
[ -f "$SB/postfix/main.cf" ] || fail "the base block does not create main.cf on an unconfigured Postfix"
grep -q '^make-ssl-cert generate-default-snakeoil' "$SB/calls/log" || fail "the base block does not make a certificate"
[ "$(postconf -c "$SB/postfix" -h smtpd_tls_cert_file)" = "$SB/ssl/certs/ssl-cert-snakeoil.pem" ] ||
  fail "the base block does not configure the certificate"
run_block postfix_wiring
grep -q '^systemctl reload-or-restart postfix' "$SB/calls/log" ||
  fail "the Postfix block does not (re)start Postfix: postfix reload does nothing when it is not running"
[ -s "$SB/postfix/dkim-sender-logins" ] || fail "the Postfix block does not write the sender-login table"
grep -q '^/\^alice@example\\.com\$/ alice@example.com$' "$SB/postfix/dkim-sender-logins" ||
  fail "the sender-login table does not let alice own her address: $(cat "$SB/postfix/dkim-sender-logins")"
# A second run of the Postfix blocks (a step repeated) changes nothing.
cp "$SB/postfix/master.cf" "$SB/master.cf.first"
cp "$SB/postfix/main.cf" "$SB/main.cf.first"
calls_before=$(grep -c '^make-ssl-cert' "$SB/calls/log")
run_block postfix_base
run_block postfix_wiring
cmp -s "$SB/postfix/master.cf" "$SB/master.cf.first" || fail "re-running the Postfix blocks changed master.cf: $(diff "$SB/master.cf.first" "$SB/postfix/master.cf" | head -5)"
cmp -s "$SB/postfix/main.cf" "$SB/main.cf.first" || fail "re-running the Postfix blocks changed main.cf"
[ "$(grep -c '^make-ssl-cert' "$SB/calls/log")" = "$calls_before" ] || fail "re-running made a second certificate"
[ "$(grep -c '^dkimfilter[[:space:]]' "$SB/postfix/master.cf")" = 1 ] || fail "master.cf has more than one dkimfilter service"
# The README must configure what examples/postfix ships: every main.cf
# setting, the dkimfilter service, and the filter on submission.
while IFS= read -r line; do
  name=$(sed 's/[[:space:]]*=.*//' <<<"$line")
  want=$(sed 's/^[^=]*=[[:space:]]*//' <<<"$line")
  got=$(postconf -c "$SB/postfix" -h "$name")
  want=${want//\/etc\/postfix\//$SB/postfix/}  # the sandbox's /etc/postfix
  [ "$got" = "$want" ] || fail "README leaves $name = '$got'; examples/postfix/main.cf has '$want'"
done < <(grep -E '^[a-z0-9_]+[[:space:]]*=' "$DKIM_SRC/examples/postfix/main.cf")
mkdir -p "$SB/example-postfix"
cp "$DKIM_SRC/examples/postfix/master.cf" "$SB/example-postfix/"
: >"$SB/example-postfix/main.cf"
want=$(/usr/sbin/postconf -c "$SB/example-postfix" -M dkimfilter/unix)
got=$(postconf -c "$SB/postfix" -M dkimfilter/unix)
[ -n "$want" ] || fail "examples/postfix/master.cf has no dkimfilter service"
[ "$got" = "$want" ] || fail "README's dkimfilter service differs from the example's:
  README:  $got
  example: $want"
for p in content_filter=dkimfilter:dummy smtpd_sasl_auth_enable=yes smtpd_sender_restrictions=reject_sender_login_mismatch; do
  [ "$(postconf -c "$SB/postfix" -Ph "submission/inet/${p%%=*}")" = "${p#*=}" ] ||
    fail "README's submission service lacks -o $p"
done
postconf -c "$SB/postfix" -n >/dev/null 2>"$SB/postconf.err" || fail "postconf -n fails on the result"
# The doctor block, for real (postconf is the sandbox's): exit 0 or 1 (the
# sandbox lacks the filter's account, the installed binary and syslog),
# but nothing wrong with the Postfix wiring the quick start made.
rc=0
(cd "$SB/work" && PATH="$SB/bin:$DKIM_BUILD:$PATH" DKIM_FILTER_DB="$SB/db/dkim.db" bash -euo pipefail "$SB/blocks/postfix_doctor.sh") \
  >"$SB/doctor.out" 2>&1 || rc=$?
[ "$rc" -le 1 ] || { cat "$SB/doctor.out" >&2; fail "the doctor block exited $rc"; }
grep -q '^doctor: ' "$SB/doctor.out" || { cat "$SB/doctor.out" >&2; fail "doctor printed no summary"; }
if grep -E '^problem: .*(content_filter|disable_mime|null_sender|-f \$\{sender\}|\$\{recipient\}|no Postfix pipe|main.cf)' "$SB/doctor.out"; then
  fail "doctor finds the quick start's Postfix wiring wrong (above)"
fi
run_block postfix_send
grep -q '^swaks .*--auth-user alice@example.com' "$SB/calls/log" || fail "the send block does not authenticate as alice"
grep -q 'decision=signed reason=signed' "$SB/postfix_send.out" || fail "the send block's journalctl finds nothing"
grep -q '^journalctl -t dkim-filter' "$SB/calls/log" || fail "the send block does not look in the journal"

# ---- Exim -------------------------------------------------------------------------
run_block exim_packages
run_block exim_wiring
for f in main/05_dkim-filter router/190_dkim-filter transport/30_dkim-filter; do
  [ -f "$SB/exim4/conf.d/$f" ] || fail "the Exim block does not install conf.d/$f"
done
grep -q "^dc_use_split_config='true'" "$SB/exim4/update-exim4.conf.conf" || fail "split config not enabled"
grep -q "^dc_eximconfig_configtype='internet'" "$SB/exim4/update-exim4.conf.conf" || fail "configtype not set"
run_block exim_send
grep -q '^sendmail -oMai alice@example.com -f alice@example.com' "$SB/calls/log" || fail "exim send block changed"

echo "PASS [docs.readme]: every quick-start block ran as written (DNS served locally, MTAs sandboxed)"
