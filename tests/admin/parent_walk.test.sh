#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Rule 5 through the real binaries (dkim-filter(8), SIGNING RULES): the
# parent walk stops at the user's own domain. carol@shop.example.com, with
# the common selector s1 and no key of her own, must not sign with
# example.com's key (which belongs to another customer): the filter passes
# her message on unsigned (reason=no-key), `explain` agrees, and
# `user add` / `user set` warn that her domain has no key. A subdomain of a
# user's own domain still signs with the user's key, and an --any-domain
# relay keeps the whole walk.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
FILTER="$DKIM_BUILD/dkim-filter"
[[ -x $FILTER ]] || { echo "FAIL: $FILTER not built"; exit 1; }

ok init "$ADMIN" init
ok "key example.com" "$ADMIN" key generate example.com s1 --algorithm ed25519
ok "alice" "$ADMIN" user add alice@example.com --selector s1
ok "carol" "$ADMIN" user add carol@shop.example.com --selector s1
expect_in "$work/err" "warning: domain shop.example.com has no key for selector s1" \
  "user add warns although only a parent domain has a key"
ok "carol set" "$ADMIN" user set carol@shop.example.com --selector s1
expect_in "$work/err" "warning: domain shop.example.com has no key for selector s1" "user set warns likewise"
ok "shop relay" "$ADMIN" user add relay@shop.example.com --selector s1 --any-domain
grep -q warning "$work/err" && fail "an --any-domain user was warned although a key for s1 exists"

# filter USER FROM: runs dkim-filter on a message from FROM; output in
# $work/signed, log line in $work/log.
filter() {
  printf 'From: <%s>\nTo: bob@example.org\nSubject: parent walk\n\nbody\n' "$2" >"$work/msg"
  "$FILTER" --stdout --log stderr -f "$2" -u "$1" <"$work/msg" >"$work/signed" 2>"$work/log" ||
    fail "$1 as $2: dkim-filter exited $?: $(head -c 300 "$work/log")"
}

filter carol@shop.example.com carol@shop.example.com
cmp -s "$work/msg" "$work/signed" || fail "carol's message was changed (signed with a parent's key?): $(head -c 200 "$work/signed")"
expect_in "$work/log" "decision=unsigned reason=no-key" "carol is not signed"
grep -q 'd=example.com' "$work/signed" "$work/log" && fail "carol got d=example.com"
filter carol@shop.example.com carol@eu.shop.example.com
expect_in "$work/log" "reason=no-key" "carol's subdomain does not climb past shop.example.com"

rc=0
"$ADMIN" explain --user carol@shop.example.com --from carol@shop.example.com >"$work/out" 2>&1 || rc=$?
((rc == 1)) || fail "explain for carol: exit $rc, expected 1 (not signed)"
expect_in "$work/out" "decision: not signed \(no-key\)" "explain agrees with the filter"

filter alice@example.com alice@news.example.com
expect_in "$work/log" "decision=signed reason=signed" "alice's subdomain still signs"
expect_in "$work/log" " d=example.com " "alice's subdomain signs with her own domain's key"
head -c 15 "$work/signed" | grep -q '^DKIM-Signature:' || fail "alice's message has no signature"

filter relay@shop.example.com x@shop.example.com
expect_in "$work/log" "decision=signed reason=signed" "an --any-domain user keeps the parent walk"
expect_in "$work/log" " d=example.com " "the --any-domain user signs as example.com"

ok "shop key" "$ADMIN" key generate shop.example.com s1 --algorithm ed25519
filter carol@shop.example.com carol@shop.example.com
expect_in "$work/log" " d=shop.example.com .*reason=signed" "carol signs once her own domain has a key"
ok "carol set again" "$ADMIN" user set carol@shop.example.com --selector s1
grep -q warning "$work/err" && fail "user set warned although shop.example.com has a key now"
finish
