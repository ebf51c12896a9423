#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --version on both binaries: the version, and the OpenSSL and SQLite they
# run with. The filter links both statically, so its versions are those
# of the -dev packages it was built from (libssl-dev, libsqlite3-dev),
# whatever is installed as libssl3 / libsqlite3-0 now.
set -euo pipefail
fail() { echo "FAIL: $*"; exit 1; }
F=$DKIM_BUILD/dkim-filter A=$DKIM_BUILD/dkim-filter-admin
version=$(sed -n 's/^project(dkim-filter VERSION \([0-9.]*\).*/\1/p' "$DKIM_SRC/CMakeLists.txt")
[[ -n $version ]] || fail "no version in CMakeLists.txt"
"$F" --version > "$DKIM_BUILD/version.filter" || fail "dkim-filter --version exited $?"
"$A" --version > "$DKIM_BUILD/version.admin" || fail "dkim-filter-admin --version exited $?"
grep -qx "dkim-filter $version" "$DKIM_BUILD/version.filter" || fail "dkim-filter --version: $(cat "$DKIM_BUILD/version.filter")"
grep -qx "dkim-filter-admin $version" "$DKIM_BUILD/version.admin" || fail "dkim-filter-admin --version: $(cat "$DKIM_BUILD/version.admin")"
for out in "$DKIM_BUILD/version.filter" "$DKIM_BUILD/version.admin"; do
  grep -Eq '^OpenSSL: OpenSSL 3\.[0-9]+\.[0-9]+' "$out" || fail "no OpenSSL version in $(cat "$out")"
  grep -Eq '^SQLite: 3\.[0-9]+\.[0-9]+$' "$out" || fail "no SQLite version in $(cat "$out")"
done
# A static filter: its OpenSSL and SQLite are the ones of the packages it was
# linked from (upstream part of the Debian version).
if grep -q '^Built-Using: ' "$DKIM_BUILD/version.filter"; then
  ssl=$(dpkg-query -W -f='${Version}' libssl-dev | sed 's/-.*//')
  lite=$(dpkg-query -W -f='${Version}' libsqlite3-dev | sed 's/-.*//')
  grep -q "^OpenSSL: OpenSSL $ssl " "$DKIM_BUILD/version.filter" || fail "filter's OpenSSL is not libssl-dev's $ssl: $(cat "$DKIM_BUILD/version.filter")"
  grep -qx "SQLite: $lite" "$DKIM_BUILD/version.filter" || fail "filter's SQLite is not libsqlite3-dev's $lite"
  grep -q "openssl (= $(dpkg-query -W -f='${source:Version}' libssl-dev))" "$DKIM_BUILD/version.filter" ||
    fail "Built-Using lacks openssl: $(grep Built-Using "$DKIM_BUILD/version.filter")"
fi
rm -f "$DKIM_BUILD/version.filter" "$DKIM_BUILD/version.admin"
echo "ok"
