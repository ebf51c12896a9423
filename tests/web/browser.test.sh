#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The control panel in headless Chromium (Debian's chromium, chromium-driver,
# python3-selenium): sign in with a domain token, generate a 2048-bit key,
# read the record from the green box, set alice's selector. Then the filter
# signs alice's message and dkimpy verifies it against the record the page
# showed. Screenshots go to $DKIM_SCREENSHOTS (default: a temporary folder).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
SRC=${DKIM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
for f in /usr/bin/chromium /usr/bin/chromedriver; do
  [[ -x $f ]] || { echo "FAIL: $f missing (scripts/install-deps test)"; exit 1; }
done
shots=${DKIM_SCREENSHOTS:-$work/shots}
mkdir -p "$shots"

"$ADMIN" init >/dev/null
"$ADMIN" user add alice@example.com >/dev/null
"$ADMIN" user add carol@example.com >/dev/null
"$ADMIN" user add bob@other.org >/dev/null
TOKEN=$("$ADMIN" token add shop --domain example.com)
start_web
/usr/bin/python3 "$SRC/tests/web/lib/browser.py" "$BASE" "$TOKEN" "$work" "$shots" ||
  { fail "the browser walk failed"; finish; }
[[ $(cat "$work/record.name") == s2026._domainkey.example.com ]] || fail "record name: $(cat "$work/record.name")"
"$ADMIN" user list --json | jq -e '.[] | select(.user == "alice@example.com") | .selectors == ["s2026"]' >/dev/null ||
  fail "alice's selector was not set"
"$ADMIN" user list --json | jq -e '.[] | select(.user == "bob@other.org") | .selectors == []' >/dev/null ||
  fail "another domain's user changed"
for p in 01-sign-in 02-dkim 03-users; do [[ -s $shots/$p.png ]] || fail "no screenshot $p.png"; done

printf 'From: Alice <alice@example.com>\nTo: bob@example.net\nSubject: hello\nDate: Tue, 01 Dec 2026 09:00:00 +0000\nMessage-ID: <1@example.com>\n\nHello Bob.\n' >"$work/msg"
"$DKIM_BUILD/dkim-filter" --db "$DB" --stdout --log stderr -f alice@example.com -u alice@example.com \
  -- bob@example.net <"$work/msg" >"$work/signed" 2>"$work/filter.log" || fail "dkim-filter: $(cat "$work/filter.log")"
grep -q '^DKIM-Signature: .*s=s2026' "$work/signed" || grep -q 's=s2026;' "$work/signed" || fail "not signed with s2026"
/usr/bin/python3 - "$work/signed" "$work/record.name" "$work/record.value" <<'PY' || fail "dkimpy did not verify against the page's record"
import sys, dkim
msg = open(sys.argv[1], 'rb').read()
name, value = open(sys.argv[2]).read().strip(), open(sys.argv[3]).read().strip()
def dnsfunc(qname, timeout=5):
    q = qname.decode() if isinstance(qname, bytes) else qname
    return value.encode() if q.rstrip('.') == name else None
sys.exit(0 if dkim.verify(msg, dnsfunc=dnsfunc) else 1)
PY
finish
