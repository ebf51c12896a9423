#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The .deb declares Built-Using (Debian policy 7.8) for the libraries
# linked statically into dkim-filter: source package names with exact
# versions, as dpkg-query reports them for the archives' -dev packages,
# the same list dkim-filter --version prints. Builds the package with
# cpack; installs nothing.
set -euo pipefail
DKIM_SRC=${DKIM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
DKIM_BUILD=${DKIM_BUILD:-$DKIM_SRC/build}
fail() { echo "FAIL [package.built_using]: $*" >&2; exit 1; }
built=$("$DKIM_BUILD/dkim-filter" --version | sed -n 's/^Built-Using: //p')
if [ -z "$built" ]; then
  echo "SKIP [package.built_using]: dkim-filter is not linked statically (DKIM_STATIC_FILTER off or sanitizer build)"
  exit 0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd "$DKIM_BUILD" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1) || fail "cpack failed: $(tail -5 "$out/cpack.log")"
deb=$(ls "$out"/dkim-filter_*.deb)
field=$(dpkg-deb -f "$deb" Built-Using)
[ "$field" = "$built" ] || fail "Built-Using '$field', dkim-filter --version says '$built'"
for pkg in libssl-dev libsqlite3-dev libboost-program-options1.74-dev libmimetic-dev libidn2-dev; do
  want=$(dpkg-query -W -f='${source:Package} (= ${source:Version})' "$pkg")
  case ", $field, " in *", $want, "*) ;; *) fail "Built-Using lacks $want: $field" ;; esac
done
dpkg-deb -I "$deb" >/dev/null || fail "the rebuilt package does not read back"
contents=$(dpkg-deb -c "$deb")
grep -q './usr/sbin/dkim-filter$' <<<"$contents" || fail "the rebuilt package lost its files"
echo "PASS [package.built_using]: $field"
