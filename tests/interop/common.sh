# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2034  # variables are used by the sourcing tests
# Shared setup for tests/interop/*.test.sh (sourced, not run by ctest).
#
# Environment: DKIM_BUILD (build dir with dkim-filter), DKIM_SRC (source dir).
# DKIM_SIGNER overrides the signer under test (same command line as
# `dkim-filter --stdout --key`), e.g. tests/interop/dkimpy_sign to check the
# harness itself. DKIM_INTEROP_SKIP lists corpus names (without .eml) that
# such a reference signer cannot sign (dkimpy: 19, 38, 39); skipped
# names are printed, and never skipped by default.

fail() { echo "FAIL: $*" >&2; exit 1; }

INTEROP="${DKIM_SRC:?DKIM_SRC must point at the source dir}/tests/interop"
CORPUS="$DKIM_SRC/tests/corpus"
SIGNER="${DKIM_SIGNER:-${DKIM_BUILD:?DKIM_BUILD must point at the build dir}/dkim-filter}"
[ -x "$SIGNER" ] || fail "signer $SIGNER not found or not executable (build dkim-filter first)"
if ! /usr/bin/python3 -c 'import dkim, nacl' 2>/dev/null; then
  fail "Debian's python3-dkim and python3-nacl are required"
fi
/usr/bin/perl -MMail::DKIM::Verifier -e 1 2>/dev/null || fail "libmail-dkim-perl is required"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/dkim-interop.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# The libopendkim verifier is compiled once per test run.
cc -O2 -o "$WORK/opendkim_verify" "$INTEROP/opendkim_verify.c" -I/usr/include/opendkim \
  -lopendkim || fail "cannot compile opendkim_verify.c (libopendkim-dev installed?)"
export OPENDKIM_VERIFY="$WORK/opendkim_verify"

# make_key NAME rsa|ed25519: writes $WORK/NAME.pem and prints the DNS p= value
# (RSA: base64 DER SubjectPublicKeyInfo; Ed25519: base64 of the raw 32-byte key,
# RFC 8463 section 4.2 — the last 32 octets of its 44-octet SPKI).
make_key() {
  local name="$1" type="$2"
  if [ "$type" = rsa ]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/$name.pem" 2>/dev/null
    openssl pkey -in "$WORK/$name.pem" -pubout -outform DER | base64 -w0
  else
    openssl genpkey -algorithm ed25519 -out "$WORK/$name.pem"
    openssl pkey -in "$WORK/$name.pem" -pubout -outform DER | tail -c 32 | base64 -w0
  fi
}

# key_line SELECTOR DOMAIN k= p=: one line of the key map verify_all reads.
key_line() { printf '%s._domainkey.%s v=DKIM1; k=%s; p=%s\n' "$1" "$2" "$3" "$4"; }

# skipped NAME: true when NAME is in DKIM_INTEROP_SKIP (harness self-tests only).
skipped() { [[ " ${DKIM_INTEROP_SKIP:-} " == *" $1 "* ]]; }

# sign IN OUT KEYNAME SELECTOR CANON
sign() {
  "$SIGNER" --stdout --key "$WORK/$3.pem" -d example.com -s "$4" --canon "$5" <"$1" >"$2" ||
    fail "signer exited $? on $(basename "$1") (key $3, $5)"
}
