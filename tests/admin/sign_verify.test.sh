#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Keys made by dkim-filter-admin sign for real: a generated and an imported
# key of each kind (RSA, Ed25519) are exported, used by
# `dkim-filter --stdout --key`, and the signature is verified by dkimpy
# against the record `key dns` printed (not the database).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
FILTER="$DKIM_BUILD/dkim-filter"
[[ -x $FILTER ]] || { echo "FAIL: $FILTER not built"; exit 1; }

ok init "$ADMIN" init
openssl genrsa -traditional -out "$work/imp-rsa.pem" 2048 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$work/imp-ed.pem" 2>/dev/null
/usr/bin/python3 -c 'import sys,urllib.parse; sys.stdout.write(urllib.parse.quote_plus(open(sys.argv[1]).read()))' \
  "$work/imp-rsa.pem" > "$work/imp-rsa.urlenc"

ok "generate rsa" "$ADMIN" key generate example.com genrsa
ok "generate ed25519" "$ADMIN" key generate example.com gened --algorithm ed25519
ok "generate rsa 4096 simple" "$ADMIN" key generate sub.example.com gen4096 --bits 4096 --canon simple/simple
ok "import rsa pkcs1" "$ADMIN" key import example.net imprsa "$work/imp-rsa.pem"
ok "import ed25519 pkcs8" "$ADMIN" key import example.net imped - < "$work/imp-ed.pem"
ok "import rsa urlencoded" "$ADMIN" key import example.org urlrsa "$work/imp-rsa.urlenc" --urlencoded

printf 'From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: admin keys sign\r\nDate: Mon, 01 Jan 2024 00:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nHello,\r\n  this body  has   runs of spaces.\r\n\r\n' > "$work/msg.eml"

verify() {  # DOMAIN SELECTOR [CANON]
  local d=$1 s=$2 canon=${3:-relaxed/relaxed}
  local what="$d/$s"
  "$ADMIN" key export "$d" "$s" > "$work/key.pem" || { fail "$what: export"; return; }
  "$ADMIN" key dns "$d" "$s" > "$work/record" || { fail "$what: key dns"; return; }
  if ! "$FILTER" --stdout --key "$work/key.pem" -d "$d" -s "$s" --canon "$canon" < "$work/msg.eml" \
      > "$work/signed.eml" 2> "$work/filter.err"; then
    fail "$what: dkim-filter failed: $(head -c 300 "$work/filter.err")"; return
  fi
  /usr/bin/python3 - "$work/record" "$work/signed.eml" "$d" "$s" <<'PY' || fail "$what: dkimpy does not verify"
import re, sys, dkim
record = open(sys.argv[1]).read().strip()
m = re.match(r'^(\S+) TXT "(.*)"$', record)
assert m, record
name, value = m.group(1), m.group(2)
assert name == "%s._domainkey.%s" % (sys.argv[4], sys.argv[3]), name
def dnsfunc(qname, timeout=5):
    q = qname.decode() if isinstance(qname, bytes) else qname
    return value.encode() if q.rstrip(".") == name else None
msg = open(sys.argv[2], "rb").read()
assert msg.startswith(b"DKIM-Signature:"), msg[:80]
if not dkim.verify(msg, dnsfunc=dnsfunc):
    sys.exit("dkimpy: signature does not verify")
# And a changed body must not verify, or the check proves nothing.
if dkim.verify(msg.replace(b"Hello", b"Jello"), dnsfunc=dnsfunc):
    sys.exit("dkimpy: tampered message verifies")
PY
}

verify example.com genrsa
verify example.com gened
verify sub.example.com gen4096 simple/simple
verify example.net imprsa
verify example.net imped
verify example.org urlrsa
# The imported key is the one published: same public key as openssl derives.
want=$(openssl pkey -in "$work/imp-rsa.pem" -pubout -outform DER 2>/dev/null | base64 -w0)
"$ADMIN" key dns example.org urlrsa | grep -qF "p=$want\"" || fail "urlencoded import published another key"
finish
