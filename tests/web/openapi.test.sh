#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# examples/api/openapi.yaml and the server agree: every path and method in
# the file is a route of the running daemon (not "no such resource"), and
# every /api/v1 route the daemon prints is in the file.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
SRC=${DKIM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
SPEC="$SRC/examples/api/openapi.yaml"

"$ADMIN" init >/dev/null
ROOT=$("$ADMIN" token add root)
"$WEB" --print-routes | grep ' /api/v1/' | sort >"$work/server.routes"
/usr/bin/python3 - "$SPEC" >"$work/spec.routes" <<'PY' || { echo "FAIL: $SPEC does not parse"; exit 1; }
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))
assert spec['openapi'].startswith('3.')
for path, item in spec['paths'].items():
    for method in item:
        if method in ('get', 'put', 'post', 'delete', 'patch'):
            print(method.upper(), path)
PY
sort -o "$work/spec.routes" "$work/spec.routes"
[[ -s $work/server.routes ]] || fail "--print-routes printed no API route"
while read -r line; do fail "server route not in openapi.yaml: $line"; done < <(comm -23 "$work/server.routes" "$work/spec.routes")
while read -r line; do fail "openapi.yaml route the server does not print: $line"; done < <(comm -13 "$work/server.routes" "$work/spec.routes")

# Each route of the file answers on the real daemon with something other
# than the router's own "no such resource".
start_web
while read -r method path; do
  concrete=${path//\{domain\}/example.com}
  concrete=${concrete//\{selector\}/s1}
  concrete=${concrete//\{slot\}/s1}
  concrete=${concrete//\{user\}/alice@example.com}
  if [[ $method == GET || $method == DELETE ]]; then api "$ROOT" "$method" "$concrete"; else api "$ROOT" "$method" "$concrete" '{}'; fi
  grep -q '"no such resource"' "$work/body" && fail "$method $path: the server has no such route"
  [[ $status == 405 || $status == 000 ]] && fail "$method $path: status $status"
done <"$work/spec.routes"
# The check itself can fail: a made-up route is refused by the router.
api "$ROOT" GET /api/v1/keys/example.com/s1/nothing
grep -q '"no such resource"' "$work/body" || fail "an unknown route was not refused by the router"
finish
