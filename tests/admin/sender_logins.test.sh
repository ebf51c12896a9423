#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `postfix sender-logins`: the Postfix smtpd_sender_login_maps table, read
# back with Postfix's own postmap -q (regexp_table(5)) for each kind of
# user: a login owns its address, a mailbox wildcard lets each login of its
# domain own its own address, a bare login owns login@domain, a domain
# login owns its whole domain, an --any-domain relay owns every address, an
# IP user owns nothing; hostile rows never reach the table. --output
# replaces the file atomically, mode 0644 (Postfix reads it, never the
# key database).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
command -v postmap > /dev/null || { echo "FAIL: postmap not installed (Debian package postfix)"; exit 1; }
ok init "$ADMIN" init
ok "login" "$ADMIN" user add alice@example.com --selector s1
ok "login 2" "$ADMIN" user add bob@example.org --selector s1
ok "domain login" "$ADMIN" user add example.org --selector s1
ok "relay" "$ADMIN" user add relay@provider.example --any-domain --selector s1
ok "ip" "$ADMIN" user add 192.0.2.0/24 --domain example.com --selector s1
ok "reauth" "$ADMIN" user add old@example.com --reauthenticating
# A mailbox wildcard and a bare login: through user add where it knows
# them, else as rows of the same shape.
"$ADMIN" user add '*@wild.example' --selector s1 > /dev/null 2>&1 ||
  sqlite3 "$DB" "INSERT INTO users (name, kind, domain, selectors, created) VALUES ('*@wild.example', 'login', 'wild.example', 's1', 0)"
"$ADMIN" user add carol --domain example.com --selector s1 > /dev/null 2>&1 ||
  sqlite3 "$DB" "INSERT INTO users (name, kind, domain, selectors, created) VALUES ('carol', 'login', 'example.com', 's1', 0)"
ok "listed login in the wildcard's domain" "$ADMIN" user add dave@wild.example --selector s1
# A row no SASL login can have (written by another tool): never listed.
sqlite3 "$DB" "INSERT INTO users (name, kind, domain, selectors, created) VALUES ('evil@x.example /.*/ a', 'login', 'x.example', '', 0)"

table=$work/sender-logins
ok "--output" "$ADMIN" postfix sender-logins --output "$table"
expect_in "$work/err" "evil@x.example.*not listed" "hostile row warned about"
[[ $(stat -c %a "$table") == 644 ]] || fail "table mode $(stat -c %a "$table"), expected 0644"
ls "$work" | grep -q 'sender-logins\.tmp' && fail "temporary file left behind"
"$ADMIN" postfix sender-logins > "$work/stdout-table" 2> /dev/null || fail "sender-logins to stdout"
cmp -s "$table" "$work/stdout-table" || fail "--output and stdout differ"
grep -q 'evil' "$table" && fail "hostile row in the table: $(grep evil "$table")"
mkdir -p "$work/pf"
printf 'compatibility_level = 3.6\n' > "$work/pf/main.cf"

# owners ADDRESS EXPECTED: postmap's answer, owners sorted ("" = not listed).
owners() {
  local got
  got=$(postmap -c "$work/pf" -q "$1" "regexp:$table" | tr ',' '\n' | sort | paste -sd, -) || true
  [[ $got == "$2" ]] || fail "owners of $1: '$got', expected '$2'"
}
R=relay@provider.example
owners alice@example.com "alice@example.com,$R"
owners ALICE@EXAMPLE.COM "alice@example.com,$R"       # Postfix compares case-insensitively
owners bob@example.org "bob@example.org,example.org,$R"
owners anyone@example.org "example.org,$R"
owners carol@example.com "carol,$R"
owners old@example.com "old@example.com,$R"            # re-authenticating: still its own address
owners new.mailbox@wild.example "new.mailbox@wild.example,$R"
owners dave@wild.example "dave@wild.example,$R"
owners someone@sub.wild.example "$R"
owners mallory@example.com "$R"                         # nobody but the relay owns an unlisted address
owners x@elsewhere.example "$R"
grep -q '192\.0\.2' "$table" && fail "an IP user is in the table"

# Without a relay, an unlisted address has no owner at all.
ok "delete relay" "$ADMIN" user delete "$R"
ok "regenerate" "$ADMIN" postfix sender-logins --output "$table"
owners mallory@example.com ""
owners alice@example.com "alice@example.com"
owners bob@example.org "bob@example.org,example.org"
finish
