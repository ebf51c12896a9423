#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hostile requests against the real daemon: malformed HTTP, huge header
# sections, bodies over the limit, bad cookies and forms, a silent client.
# Each is refused with the right status or dropped, the daemon keeps
# serving, and the database is unchanged.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

"$ADMIN" init >/dev/null
ROOT=$("$ADMIN" token add root)
start_web --connection-timeout 2
before=$(snapshot)

# raw BYTES: sends them on a fresh connection, the answer in $work/raw
# (bounded: curl-free, python closes after 5 s of silence).
raw() {
  /usr/bin/python3 - "$PORT" "$1" >"$work/raw" 2>&1 <<'PY'
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5)
s.sendall(sys.argv[2].encode('latin-1').decode('unicode_escape').encode('latin-1'))
out = b''
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
except socket.timeout:
    pass
sys.stdout.write(out.decode('latin-1'))
PY
}
status_of() { head -1 "$work/raw" | cut -d' ' -f2; }
expect_raw() {
  [[ $(status_of) == "$1" ]] || fail "$2: got '$(head -1 "$work/raw")', expected $1"
}

raw 'GARBAGE\r\n\r\n'
expect_raw 400 "not HTTP"
raw 'GET /api/v1/keys HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n'
expect_raw 400 "negative Content-Length"
raw 'GET /api/v1/keys HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello'
expect_raw 400 "two Content-Lengths"
raw 'POST /api/v1/keys HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'
expect_raw 400 "bad chunk size"
raw "GET /api/v1/keys HTTP/1.1\\r\\nHost: x\\r\\nX-Big: $(head -c 40000 /dev/zero | tr '\0' a)\\r\\n\\r\\n"
expect_raw 431 "40 KB header field"
raw "GET /$(head -c 40000 /dev/zero | tr '\0' a) HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"
expect_raw 431 "40 KB request target"
raw 'POST /api/v1/keys HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n'
expect_raw 413 "announced 99 MB body"
raw 'GET http://evil.example/api/v1/keys HTTP/1.1\r\nHost: x\r\n\r\n'
expect_raw 400 "absolute-form target"
raw 'GET /api/v1/keys/%zz/s1 HTTP/1.1\r\nHost: x\r\n\r\n'
expect_raw 400 "broken percent escape"
raw "GET /api/v1/keys HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer $(head -c 5000 /dev/zero | tr '\0' a)\\r\\n\\r\\n"
expect_raw 401 "5 KB bearer token"
raw 'GET /api/v1/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Basic cm9vdDpyb290\r\n\r\n'
expect_raw 401 "Basic credentials"
# A silent client is dropped after --connection-timeout (the read returns).
raw 'GET /api/v1/keys HTTP/1.1\r\nHost: x\r\n'
[[ -s $work/raw ]] && fail "half a request got an answer: $(head -1 "$work/raw")"

# Cookies and forms of the control panel.
for c in 'dkim_session=' 'dkim_session="unterminated' 'dkim_session=a; dkim_session=b' ';;;;=;=' \
  "dkim_session=$(head -c 3000 /dev/zero | tr '\0' x)" 'dkim_session=%00%ff' 'dkim_login=a=b=c; dkim_session=<script>'; do
  code=$(curl -s -o "$work/body" -w "%{http_code}" -H "Cookie: $c" "$BASE/dkim")
  [[ $code == 303 ]] || fail "cookie '${c:0:40}': status $code, expected 303 to the sign-in page: $(head -c 200 "$work/body")"
done
# A control character in a field value is not HTTP (RFC 9110 §5.5).
raw 'GET /dkim HTTP/1.1\r\nHost: x\r\nCookie: dkim_session=\x01\x02\r\n\r\n'
expect_raw 400 "cookie with control characters"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data 'csrf=x&token=' -H 'Cookie: dkim_login=x' "$BASE/login")
[[ $code == 401 ]] || fail "sign-in with a wrong CSRF value: status $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data '%%%&&&==&token=%zz' "$BASE/login")
[[ $code == 401 ]] || fail "sign-in with a broken form: status $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data 'csrf=x' "$BASE/dkim/generate")
[[ $code == 303 ]] || fail "form without a session: status $code"

# Still serving, database unchanged.
api "$ROOT" GET /api/v1/keys
expect 200 "after the hostile requests"
[[ $before == "$(snapshot)" ]] || fail "the database changed"
finish
