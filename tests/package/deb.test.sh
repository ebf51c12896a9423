#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian package, on this machine, as an administrator would use it:
# build it (CPack, from $DKIM_BUILD), install it with dpkg -i, generate a
# key with the INSTALLED dkim-filter-admin into the INSTALLED database
# location, sign a message with the INSTALLED dkim-filter running as the
# package's dkim-filter user, verify it with dkimpy, then dpkg -r / -P and
# check the database survives.
#
# This test changes the real system (root, dpkg). It refuses to run when
# dkim-filter is already installed, sets aside an existing
# /var/lib/dkim-filter, and on any exit purges the package and restores
# what was there: directory, user and group. Run it alone (RUN_SERIAL).
set -euo pipefail
DKIM_SRC=${DKIM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
DKIM_BUILD=${DKIM_BUILD:-$DKIM_SRC/build}
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
VARDIR=/var/lib/dkim-filter
DB=$VARDIR/dkim.db
NAME=package.deb
fail() { echo "FAIL [$NAME]: $*" >&2; exit 1; }
note() { echo "[$NAME] $*"; }

[ "$(id -u)" -eq 0 ] || fail "must run as root (installs a package)"
for tool in dpkg dpkg-deb dpkg-shlibdeps cpack runuser; do
  command -v "$tool" >/dev/null || fail "$tool not found (dpkg-dev, cmake, util-linux)"
done
$PY -c 'import dkim' 2>/dev/null || fail "dkimpy missing (apt-get install python3-dkim)"
if dpkg-query -W -f='${Status}' dkim-filter 2>/dev/null | grep -qv 'not-installed'; then
  fail "a dkim-filter package is already on this machine ($(dpkg-query -W -f='${Status}' dkim-filter)); \
this test will not replace it - dpkg -P dkim-filter first"
fi

# ---- state to restore -------------------------------------------------------
work=$(mktemp -d /tmp/dkim-deb-test.XXXXXX)
chmod 0755 "$work"
had_user=no had_group=no backup=
getent passwd dkim-filter >/dev/null && had_user=yes
getent group dkim-filter >/dev/null && had_group=yes
if [ -e "$VARDIR" ]; then
  backup=$VARDIR.before-deb-test.$$
  mv "$VARDIR" "$backup"
fi

cleanup() {
  local rc=$?
  set +e
  if dpkg-query -W -f='${Status}' dkim-filter 2>/dev/null | grep -qv 'not-installed'; then
    dpkg -P dkim-filter >/dev/null 2>&1 || note "cleanup: dpkg -P dkim-filter failed"
  fi
  rm -rf "$VARDIR"
  [ -n "$backup" ] && mv "$backup" "$VARDIR"
  if [ "$had_user" = no ] && getent passwd dkim-filter >/dev/null; then userdel dkim-filter; fi
  if [ "$had_group" = no ] && getent group dkim-filter >/dev/null; then groupdel dkim-filter; fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build ------------------------------------------------------------------
[ -f "$DKIM_BUILD/CPackConfig.cmake" ] ||
  fail "$DKIM_BUILD has no CPackConfig.cmake (CMakeLists.txt must include cmake/Packaging.cmake)"
cmake --build "$DKIM_BUILD" -j2 --target dkim-filter dkim-filter-admin dkim-filter-milter man-pages >"$work/build.log" 2>&1 ||
  { tail -20 "$work/build.log" >&2; fail "build failed"; }
(cd "$DKIM_BUILD" && cpack -G DEB -B "$work/pkg") >"$work/cpack.log" 2>&1 ||
  { tail -20 "$work/cpack.log" >&2; fail "cpack -G DEB failed"; }
deb=$(ls "$work"/pkg/dkim-filter_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "cpack made no dkim-filter_*.deb"
note "built $(basename "$deb")"

# Depends from dpkg-shlibdeps: the admin links these dynamically.
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libsqlite3-0 libssl3 adduser; do
  grep -q "\b$lib\b" <<<"$depends" || fail "Depends lacks $lib: $depends"
done

# ---- install ----------------------------------------------------------------
if ! dpkg -i "$deb" >"$work/dpkg-i.log" 2>&1; then
  note "dpkg -i left dependencies unresolved; apt-get -f install"
  DEBIAN_FRONTEND=noninteractive apt-get -f install -y -q >>"$work/dpkg-i.log" 2>&1 ||
    { cat "$work/dpkg-i.log" >&2; fail "dpkg -i / apt-get -f install failed"; }
fi
dpkg-query -W -f='${Status}' dkim-filter | grep -q 'install ok installed' ||
  { cat "$work/dpkg-i.log" >&2; fail "dkim-filter is not installed after dpkg -i"; }

for f in /usr/sbin/dkim-filter /usr/sbin/dkim-filter-admin /usr/sbin/dkim-filter-web; do
  [ -x "$f" ] || fail "$f not installed"
done
[ -f /usr/lib/systemd/system/dkim-filter-web.service ] || fail "dkim-filter-web.service not installed"
[ -f /usr/share/doc/dkim-filter/examples/api/openapi.yaml ] || fail "examples/api not installed"
for page in dkim-filter dkim-filter-admin dkim-filter-web; do
  [ -f "/usr/share/man/man8/$page.8.gz" ] || fail "man page $page(8) not installed"
  out=$(MANWIDTH=80 man --warnings "8" "$page" 2>&1 >/dev/null) || fail "man 8 $page failed: $out"
  [ -z "$out" ] || fail "man 8 $page warns: $out"
done
for unit in dkim-filter-lifecycle.service dkim-filter-lifecycle.timer dkim-filter-cluster-prune.service \
  dkim-filter-cluster-prune.timer; do
  [ -f "/usr/lib/systemd/system/$unit" ] || fail "$unit not installed"
  [ ! -e "/etc/systemd/system/timers.target.wants/$unit" ] || fail "$unit enabled by the package"
done
# Every unit the package ships parses, hardening settings included.
if command -v systemd-analyze >/dev/null; then
  for unit in dkim-filter-lifecycle.timer dkim-filter-lifecycle.service dkim-filter-milter.service \
    dkim-filter-web.service dkim-filter-sync.service dkim-filter-cluster-prune.timer \
    dkim-filter-cluster-prune.service; do
    [ -f "/usr/lib/systemd/system/$unit" ] || { fail "$unit not installed"; continue; }
    out=$(systemd-analyze verify "/usr/lib/systemd/system/$unit" 2>&1) || fail "systemd-analyze verify $unit: $out"
  done
fi
[ -f /usr/share/doc/dkim-filter/examples/postfix/master.cf ] || fail "examples/postfix not installed"
[ -d /usr/share/doc/dkim-filter/examples/exim ] || fail "examples/exim not installed"
getent passwd dkim-filter >/dev/null || fail "user dkim-filter not created"
getent group dkim-filter >/dev/null || fail "group dkim-filter not created"
[ "$(id -gn dkim-filter-web 2>/dev/null)" = dkim-filter ] || fail "user dkim-filter-web not created in group dkim-filter"
if [ "$had_user" = no ]; then
  [ "$(getent passwd dkim-filter | cut -d: -f7)" = /usr/sbin/nologin ] || fail "dkim-filter has a login shell"
  [ "$(id -u dkim-filter)" -lt 1000 ] || fail "dkim-filter is not a system user"
fi
[ "$(stat -c '%U:%G %a' "$VARDIR")" = "root:dkim-filter 2750" ] ||
  fail "$VARDIR is $(stat -c '%U:%G %a' "$VARDIR"), expected root:dkim-filter 2750"

# ---- the installed admin, at the installed location --------------------------
unset DKIM_FILTER_DB   # the default path must be the one used
admin() { /usr/sbin/dkim-filter-admin "$@"; }
admin init >/dev/null || fail "dkim-filter-admin init failed"
admin key generate pkgtest.example s1 >"$work/dns.txt" || fail "key generate failed"
admin key generate pkgtest.example s1ed --algorithm ed25519 >>"$work/dns.txt" 2>/dev/null ||
  fail "key generate ed25519 failed"
admin user add alice@pkgtest.example --selector s1,s1ed >/dev/null || fail "user add failed"
[ -f "$DB" ] || fail "the admin did not create $DB"
for f in "$DB-journal" "$DB-wal" "$DB-shm"; do
  [ ! -e "$f" ] || fail "the admin left $f behind (the database uses a rollback journal)"
done
for f in "$DB"; do
  [ "$(stat -c '%U:%G %a' "$f")" = "root:dkim-filter 640" ] ||
    fail "$f is $(stat -c '%U:%G %a' "$f"), expected root:dkim-filter 640 (private keys)"
done
if runuser -u nobody -- test -r "$DB" 2>/dev/null; then fail "user nobody can read $DB"; fi

# ---- the installed filter, as the package's user ------------------------------
printf 'From: Alice <alice@pkgtest.example>\nTo: bob@example.net\nSubject: package test\nDate: Sat, 28 Nov 2026 12:00:00 +0000\nMessage-ID: <pkg-1@pkgtest.example>\n\nSigned by the installed filter.\n' \
  >"$work/msg.eml"
rc=0
(cd / && runuser -u dkim-filter -- /usr/sbin/dkim-filter --stdout --log stderr \
  -f alice@pkgtest.example -u alice@pkgtest.example) <"$work/msg.eml" >"$work/signed.eml" 2>"$work/filter.log" || rc=$?
[ "$rc" -eq 0 ] || { cat "$work/filter.log" >&2; fail "installed dkim-filter exited $rc as user dkim-filter"; }
grep -q 'decision=signed reason=signed' "$work/filter.log" ||
  { cat "$work/filter.log" >&2; fail "the filter did not sign"; }
[ "$(grep -ci '^dkim-signature:' "$work/signed.eml")" -eq 2 ] || fail "expected 2 signatures (RSA + Ed25519)"
$PY "$HERE/dkimpy_verify.py" "$work/signed.eml" "$work/dns.txt" >"$work/verify.log" 2>&1 ||
  { cat "$work/verify.log" >&2; fail "dkimpy rejects the installed filter's signatures"; }
# Another user must not get the keys: the filter refuses (exit 75 or 78).
rc=0
(cd / && runuser -u nobody -- /usr/sbin/dkim-filter --stdout --log stderr -u alice@pkgtest.example) \
  <"$work/msg.eml" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 75 ] || [ "$rc" -eq 78 ] || fail "dkim-filter as nobody exited $rc, expected 75 or 78"
note "installed filter signed as dkim-filter; dkimpy verifies; nobody is refused"

# ---- remove, purge: the database stays --------------------------------------
sum_before=$(sha256sum "$DB" | cut -d' ' -f1)
dpkg -r dkim-filter >"$work/dpkg-r.log" 2>&1 || { cat "$work/dpkg-r.log" >&2; fail "dpkg -r failed"; }
for f in /usr/sbin/dkim-filter /usr/sbin/dkim-filter-admin /usr/share/man/man8/dkim-filter.8.gz \
  /usr/share/doc/dkim-filter/examples/postfix/master.cf; do
  [ ! -e "$f" ] || fail "$f still there after dpkg -r"
done
[ -f "$DB" ] || fail "dpkg -r deleted the database"
dpkg -P dkim-filter >"$work/dpkg-p.log" 2>&1 || { cat "$work/dpkg-p.log" >&2; fail "dpkg -P failed"; }
[ -f "$DB" ] || fail "dpkg -P deleted the database"
[ "$(sha256sum "$DB" | cut -d' ' -f1)" = "$sum_before" ] || fail "the database changed on remove/purge"
dpkg-query -W -f='${Status}' dkim-filter 2>/dev/null | grep -q 'install ok installed' &&
  fail "package still installed after dpkg -P"
[ ! -d /usr/share/doc/dkim-filter ] || fail "/usr/share/doc/dkim-filter left behind"
echo "PASS [$NAME]: built, installed, signed as dkim-filter, verified, removed; database kept"
