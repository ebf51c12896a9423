#!/bin/bash
# SPDX-License-Identifier: MIT
# Interoperability: every tests/corpus message plus a generated 5 MB message,
# signed by `dkim-filter --stdout --key` with RSA-2048 and Ed25519 keys in
# relaxed/relaxed and simple/simple, must
#   - be the input byte for byte with one DKIM-Signature field prepended
#     (in the input's line-ending style, lines <= 78 characters), and
#   - verify with dkimpy, Perl Mail::DKIM and libopendkim (keys from a local
#     map, never DNS; ed25519: dkimpy and libopendkim, as Debian 12's
#     Mail::DKIM has none). Known verifier bugs: tests/interop/known-limitations.
set -euo pipefail
. "$(dirname "$0")/common.sh"

start=$SECONDS
p_rsa="$(make_key rsa rsa)"
p_ed="$(make_key ed ed25519)"
{
  key_line srsa example.com rsa "$p_rsa"
  key_line sed example.com ed25519 "$p_ed"
} >"$WORK/keys.txt"

mkdir "$WORK/in" "$WORK/out"
corpus=("$CORPUS"/*.eml)
[ "${#corpus[@]}" -ge 32 ] || fail "only ${#corpus[@]} corpus messages in $CORPUS (>= 32 expected)"
cp "${corpus[@]}" "$WORK/in/"
"$INTEROP/make_message" 5M >"$WORK/in/99-generated-5mb.eml"
[ "$(stat -c %s "$WORK/in/99-generated-5mb.eml")" -eq $((5 * 1024 * 1024)) ] ||
  fail "make_message did not write 5 MB"

pairs=()
verify_rsa=()
verify_ed=()
for canon in relaxed/relaxed simple/simple; do
  for key in rsa ed; do
    for msg in "$WORK"/in/*.eml; do
      name="$(basename "$msg" .eml)"
      if skipped "$name"; then
        echo "SKIPPED $name ($key, $canon): listed in DKIM_INTEROP_SKIP"
        continue
      fi
      out="$WORK/out/$name.$key.${canon%%/*}.eml"
      sign "$msg" "$out" "$key" "s$key" "$canon"
      pairs+=("$msg" "$out")
      case "$key:$name" in
        # No Debian 12 verifier but Mail::DKIM (no ed25519) parses a TAB
        # before a colon; see known-limitations. Still byte-compared.
        ed:38-tab-before-colon) ;;
        rsa:*) verify_rsa+=("$out") ;;
        ed:*) verify_ed+=("$out") ;;
      esac
    done
  done
done
signed=$SECONDS
echo "signed ${#corpus[@]} corpus messages + 5 MB, 2 keys x 2 canonicalizations" \
  "($((${#pairs[@]} / 2)) signatures) in $((signed - start)) s"

"$INTEROP/check_prepended" "${pairs[@]}" || fail "output is not the input with one field prepended"
echo "byte-for-byte: output = DKIM-Signature field + input for all $((${#pairs[@]} / 2))"

status=0
"$INTEROP/verify_all" -q --keys "$WORK/keys.txt" -d example.com -s srsa "${verify_rsa[@]}" || status=1
"$INTEROP/verify_all" -q --keys "$WORK/keys.txt" -d example.com -s sed "${verify_ed[@]}" || status=1
[ "$status" -eq 0 ] || fail "some signatures did not verify (see above)"
echo "verified ${#verify_rsa[@]} rsa-sha256 signatures (dkimpy, Mail::DKIM, libopendkim) and" \
  "${#verify_ed[@]} ed25519-sha256 signatures (dkimpy, libopendkim) in $((SECONDS - signed)) s"
skipped 38-tab-before-colon ||
  echo "not verified: 38-tab-before-colon with ed25519 (no Debian 12 verifier can parse it)"
echo "PASS interop corpus ($((SECONDS - start)) s)"
