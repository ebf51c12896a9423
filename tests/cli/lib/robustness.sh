# SPDX-License-Identifier: MIT
# Shared set-up for the robustness tests (tests/cli/{hostile_input,
# postfix_faults,keys_secret}.test.sh); sourced, not a test itself.
# Gives: $FILTER $ADMIN $work, a database $DB with keys for example.com
# (s1 RSA-1024 for speed, s2 Ed25519) and user alice@example.com signing with
# both, their DNS records in $work/dns.txt, an Ed25519 key file $work/ed.pem
# for --key mode (record in $work/dns.txt too, selector "ek"), a fake
# sendmail, and fail/finish/check_output helpers.
FILTER="$DKIM_BUILD/dkim-filter"
ADMIN="$DKIM_BUILD/dkim-filter-admin"
LIB="$DKIM_SRC/tests/cli/lib"
PY=/usr/bin/python3
for b in "$FILTER" "$ADMIN"; do [[ -x $b ]] || { echo "FAIL: $b not built"; exit 1; }; done
work=$(mktemp -d)
chmod 755 "$work"  # tests that drop to nobody need to reach it
export DKIM_FILTER_DB="$work/dkim.db"
DB="$DKIM_FILTER_DB"
fails=0
cleanup_hooks=()
on_exit() {
  local h
  for h in "${cleanup_hooks[@]}"; do eval "$h" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap on_exit EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }
finish() {
  if ((fails)); then echo "$fails failure(s)"; exit 1; fi
  echo "all ok"
}

"$ADMIN" init >/dev/null
# Group-readable by the filter's account when it exists, as the package
# makes it: explain, run as root, opens the database as that account first.
if getent group dkim-filter >/dev/null; then chgrp dkim-filter "$DB"; fi
"$ADMIN" key generate example.com s1 --bits 1024 >"$work/dns.txt" 2>/dev/null
"$ADMIN" key generate example.com s2 --algorithm ed25519 >>"$work/dns.txt" 2>/dev/null
"$ADMIN" user add alice@example.com --selector s1,s2 >/dev/null
openssl genpkey -algorithm ED25519 -out "$work/ed.pem" 2>/dev/null
printf 'ek._domainkey.example.com TXT "v=DKIM1; k=ed25519; p=%s"\n' \
  "$(openssl pkey -in "$work/ed.pem" -pubout -outform DER | tail -c 32 | base64 -w0)" >>"$work/dns.txt"

# A fake sendmail: records its arguments (NUL-terminated, so any byte is
# safe), its stdin, and the signals it ignores; exits $FAKE_EXIT (default
# 0) after reading to EOF. "queued" marks a message it accepted: like
# Postfix's sendmail, it takes EOF as the end of the message.
cat >"$work/sendmail" <<'SH'
#!/bin/bash
d=${FAKE_DIR:?}
: >"$d/argv"
for a in "$@"; do printf '%s\0' "$a" >>"$d/argv"; done
grep '^SigIgn' /proc/self/status >"$d/sigign"
cat >"$d/stdin"
code=${FAKE_EXIT:-0}
[[ $code == 0 ]] && : >"$d/queued"
exit "$code"
SH
chmod 755 "$work/sendmail"

# check_output WHAT INPUT OUTPUT [signed|unsigned|any]: output is the input,
# or signature fields that dkimpy verifies + the input (lib/check_output.py).
check_output() {
  local what=$1 r
  if r=$("$PY" "$LIB/check_output.py" "$2" "$3" "$work/dns.txt" --expect "${4:-any}" 2>&1); then
    pass "$what: $r"
  else
    fail "$what: $r"
  fi
}
