#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Users as a hosting company has them, through the real binaries
# (dkim-filter-admin(8) "user add", "user list", "user set", "key delete";
# dkim-filter(8) SIGNING RULES, rule 1):
#   - a mailbox wildcard *@example.com signs every login of exactly that
#     domain without a row of its own; a listed login overrides it (with or
#     without a selector, re-authenticating or not); explain names it;
#   - a bare login (alice, added with --domain) signs for its domain; a
#     name without '@' and without --domain stays a domain login;
#   - user list --domain and user set --domain (one transaction, printing
#     what changed);
#   - key delete refuses a key in use, naming who uses it, unless --force.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
FILTER="$DKIM_BUILD/dkim-filter"
[[ -x $FILTER ]] || { echo "FAIL: $FILTER not built"; exit 1; }

# filter USER FROM: runs dkim-filter on a message from FROM sent by USER;
# output in $work/signed, log line in $work/log.
filter() {
  printf 'From: <%s>\nTo: bob@example.org\nSubject: hosting\n\nbody\n' "$2" >"$work/msg"
  "$FILTER" --stdout --log stderr -f "$2" -u "$1" <"$work/msg" >"$work/signed" 2>"$work/log" ||
    fail "$1 as $2: dkim-filter exited $?: $(head -c 300 "$work/log")"
}
signed() { head -c 15 "$work/signed" | grep -q '^DKIM-Signature:'; }

ok init "$ADMIN" init
ok "key s1" "$ADMIN" key generate example.com s1 --algorithm ed25519
ok "key s2" "$ADMIN" key generate example.com s2 --algorithm ed25519
ok "key sub" "$ADMIN" key generate shop.example.com s1 --algorithm ed25519

# ---- mailbox wildcard ------------------------------------------------------
filter newbie@example.com newbie@example.com
expect_in "$work/log" "reason=unknown-user" "no wildcard yet: an unlisted login is unknown"
ok "wildcard" "$ADMIN" user add '*@Example.com' --selector s1
expect_in "$work/out" "added user \*@example.com \(mailbox wildcard, domain example.com, selectors s1\)" \
  "user add describes the wildcard"
filter newbie@example.com newbie@example.com
signed || fail "a login without a row of its own is not signed through the wildcard: $(cat "$work/log")"
expect_in "$work/log" "user=\*@example.com .*decision=signed" "the log names the wildcard"
filter newbie@shop.example.com newbie@shop.example.com
expect_in "$work/log" "reason=unknown-user" "*@example.com does not cover shop.example.com"
filter newbie@example.com newbie@example.org
expect_in "$work/log" "reason=foreign-domain" "the wildcard signs for its own domain only"
rc=0
"$ADMIN" explain --user newbie@example.com --from newbie@example.com >"$work/out" 2>&1 || rc=$?
((rc == 0)) || fail "explain through the wildcard: exit $rc: $(cat "$work/out")"
expect_in "$work/out" "mailbox wildcard \*@example.com" "explain names the wildcard"

ok "listed, no selector" "$ADMIN" user add quiet@example.com
filter quiet@example.com quiet@example.com
expect_in "$work/log" "reason=no-selector" "a listed login without a selector overrides the wildcard"
ok "listed, re-authenticating" "$ADMIN" user add reauth@example.com --reauthenticating
filter reauth@example.com reauth@example.com
expect_in "$work/log" "reason=reauthenticating" "a re-authenticating login overrides the wildcard"
ok "listed, own selector" "$ADMIN" user add own@example.com --selector s2
filter own@example.com own@example.com
expect_in "$work/log" " selector=s2 " "a listed login signs with its own selector"

# ---- bare logins -----------------------------------------------------------
ok "bare login" "$ADMIN" user add Alice --domain example.com --selector s2
expect_in "$work/out" "added user alice \(bare login, domain example.com, selectors s2\)" "bare login added"
filter alice alice@example.com
signed || fail "a bare login is not signed: $(cat "$work/log")"
expect_in "$work/log" "user=alice .* selector=s2 .*decision=signed" "bare login signs with its selector"
filter alice alice@shop.example.com
expect_in "$work/log" "decision=signed" "a bare login signs for its domain's subdomains"
filter alice alice@example.org
expect_in "$work/log" "reason=foreign-domain" "a bare login signs for its own domain only"
filter nobody nobody@example.com
expect_in "$work/log" "reason=unknown-user" "an unknown bare login is unknown (no wildcard for it)"
refused 64 "no @, no --domain: a domain login" "$ADMIN" user add carol --selector s1
expect_in "$work/err" "domain name 'carol' needs at least two labels" "the domain-login reading is named"
refused 65 "bare login twice" "$ADMIN" user add alice --domain example.org
refused 64 "bare login with a space" "$ADMIN" user add "al ice" --domain example.com
refused 64 "'*' as a bare login" "$ADMIN" user add '*' --domain example.com
expect_in "$work/err" "mailbox wildcard is written \*@DOMAIN" "the refusal says how to write a wildcard"
refused 64 "--domain on a login" "$ADMIN" user add bob@example.com --domain example.org
ok "bare login set" "$ADMIN" user set ALICE --selector s1
[[ $(sqlite3 "$DB" "select selectors from users where name='alice'") == s1 ]] || fail "user set on a bare login"

# ---- per-domain views and bulk changes -------------------------------------
ok "other domain" "$ADMIN" user add zed@example.net
ok "ip user" "$ADMIN" user add 192.0.2.0/24 --domain example.com --selector s1
ok "user list --domain" "$ADMIN" user list --domain Example.COM
for u in '\*@example.com' 'alice ' 'own@example.com' 'quiet@example.com' 'reauth@example.com' '192.0.2.0/24'; do
  expect_in "$work/out" "^$u" "user list --domain lists $u"
done
grep -q zed "$work/out" && fail "user list --domain lists another domain's user"
[[ $(wc -l <"$work/out") == 6 ]] || fail "user list --domain: $(cat "$work/out")"
before=$(dump_db)
refused 64 "user set USER and --domain" "$ADMIN" user set alice --domain example.com --selector s1
refused 64 "user set neither USER nor --domain" "$ADMIN" user set --selector s1
ok "user set --domain" "$ADMIN" user set --domain example.com --selector s2
expect_in "$work/out" "^updated user \*@example.com .*selectors s2.*\(selectors were s1\)" "wildcard updated"
expect_in "$work/out" "^updated user quiet@example.com .*\(selectors were -\)" "no-selector login updated"
expect_in "$work/out" "^unchanged user own@example.com" "already s2: unchanged"
expect_in "$work/out" "^skipped user reauth@example.com" "re-authenticating user skipped"
expect_in "$work/out" "^updated user 192.0.2.0/24 " "IP user of the domain updated"
[[ $(sqlite3 "$DB" "select count(*) from users where domain='example.com' and selectors='s2'") == 5 ]] ||
  fail "user set --domain: $(sqlite3 "$DB" "select name, selectors from users")"
[[ $(sqlite3 "$DB" "select selectors from users where name='zed@example.net'") == "" ]] || fail "another domain changed"
ok "user set --domain --no-selector" "$ADMIN" user set --domain example.com --no-selector
[[ $(sqlite3 "$DB" "select count(*) from users where domain='example.com' and selectors != ''") == 0 ]] ||
  fail "user set --domain --no-selector left selectors"
ok "back to s1" "$ADMIN" user set --domain example.com --selector s1

# ---- key delete refuses a key in use -----------------------------------------
ok "relay" "$ADMIN" user add relay@example.net --selector relaykey --any-domain
ok "relay key" "$ADMIN" key generate example.org relaykey --algorithm ed25519
refused 65 "key in use by the wildcard and others" "$ADMIN" key delete example.com s1
expect_in "$work/err" "in use by .*\*@example.com" "the refusal names the wildcard"
expect_in "$work/err" "alice" "the refusal names the bare login"
expect_in "$work/err" "--force" "the refusal says how to override"
refused 65 "key of a subdomain in use" "$ADMIN" key delete shop.example.com s1
refused 65 "key in use by an --any-domain relay" "$ADMIN" key delete example.org relaykey
expect_in "$work/err" "relay@example.net" "the refusal names the relay"
ok "key not in use" "$ADMIN" key delete example.com s2
ok "key in use, --force" "$ADMIN" key delete example.org relaykey --force
expect_in "$work/err" "warning: user relay@example.net still lists selector relaykey" "--force warns"
[[ $(sqlite3 "$DB" "select count(*) from keys where selector='relaykey'") == 0 ]] || fail "--force did not delete"

finish
