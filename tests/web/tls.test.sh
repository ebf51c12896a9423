#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dkim-filter-web refuses an address that is not loopback without TLS,
# serves HTTPS with --tls-cert/--tls-key, and refuses plain HTTP there.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

"$ADMIN" init >/dev/null
ROOT=$("$ADMIN" token add root)

rc=0
"$WEB" --config /dev/null --db "$DB" --listen 0.0.0.0:0 --foreground --log stderr 2>"$work/err" || rc=$?
[[ $rc == 64 ]] || fail "0.0.0.0 without TLS: exit $rc, expected 64"
grep -q 'without TLS' "$work/err" || fail "no reason given: $(cat "$work/err")"
rc=0
"$WEB" --config /dev/null --db "$DB" --listen '[2001:db8::1]:8025' --foreground 2>"$work/err" || rc=$?
[[ $rc == 64 ]] || fail "an IPv6 address without TLS: exit $rc, expected 64"
rc=0
"$WEB" --config /dev/null --db "$DB" --tls-cert /nonexistent --foreground 2>"$work/err" || rc=$?
[[ $rc == 64 ]] || fail "--tls-cert without --tls-key: exit $rc, expected 64"
rc=0
"$WEB" --config /dev/null --db "$DB" --listen 127.0.0.1:0 --tls-cert /nonexistent --tls-key /nonexistent \
  --foreground 2>"$work/err" || rc=$?
[[ $rc == 78 ]] || fail "a certificate that does not load: exit $rc, expected 78: $(cat "$work/err")"
rc=0
"$WEB" --config /dev/null --db "$work/none.db" --foreground 2>"$work/err" || rc=$?
[[ $rc == 78 ]] || fail "a missing database: exit $rc, expected 78: $(cat "$work/err")"
printf 'listen = 127.0.0.1:0\nbogus = 1\n' >"$work/bad.conf"
rc=0
"$WEB" --config "$work/bad.conf" --db "$DB" --foreground 2>"$work/err" || rc=$?
[[ $rc == 78 ]] || fail "an unknown config option: exit $rc, expected 78"
grep -q "bogus" "$work/err" || fail "the unknown option is not named: $(cat "$work/err")"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 2 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
printf 'sendmail = /usr/sbin/sendmail\ntls-cert = %s\ntls-key = %s\n' "$work/cert.pem" "$work/key.pem" >"$work/web.conf"
: >"$work/web.log"
"$WEB" --config "$work/web.conf" --db "$DB" --listen 127.0.0.1:0 --foreground --log stderr 2>>"$work/web.log" &
pids+=($!)
wait_for "$work/web.log" "listening on .* (TLS)" || { fail "no TLS listener: $(cat "$work/web.log")"; finish; }
PORT=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$work/web.log" | cut -d: -f2)
code=$(curl -s --cacert "$work/cert.pem" -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $ROOT" \
  "https://127.0.0.1:$PORT/api/v1/token")
[[ $code == 200 ]] || fail "HTTPS: status $code"
code=$(curl -s --cacert "$work/cert.pem" --tls-max 1.1 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/login")
[[ $code == 000 ]] || fail "TLS 1.1 was accepted (status $code)"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/login")
[[ $code == 000 ]] || fail "plain HTTP on the TLS port answered $code"
curl -s --cacert "$work/cert.pem" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/login" | grep -q 200 ||
  fail "still serving after a plain HTTP attempt"
# The same file serves the filter, which accepts dkim-filter-web's options
# and ignores them, and dkim-filter-web accepts the filter's and the milter's.
printf 'listen = 127.0.0.1:8025\ntls-cert = x\ntls-key = y\nnameserver = 127.0.0.1\nmax-body = 5\nmax-connections = 5\nconnection-timeout = 5\nsocket = unix:/run/x.sock\n' >"$work/shared.conf"
chmod 0644 "$work/shared.conf"
printf 'From: a@example.com\n\nbody\n' | "$DKIM_BUILD/dkim-filter" --config "$work/shared.conf" --db "$DB" --stdout \
  --log stderr -f a@example.com -- b@example.net >/dev/null 2>"$work/err" || fail "dkim-filter refused the shared file: $(cat "$work/err")"
"$WEB" --config "$work/shared.conf" --print-routes >/dev/null 2>"$work/err" || fail "dkim-filter-web refused the shared file: $(cat "$work/err")"
finish
