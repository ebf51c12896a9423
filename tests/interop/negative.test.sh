#!/bin/bash
# SPDX-License-Identifier: MIT
# Interoperability, negative: signatures made by `dkim-filter --stdout --key`
# (RSA-2048 and Ed25519, relaxed/relaxed and simple/simple) must FAIL with
# every verifier (dkimpy, Mail::DKIM for rsa, libopendkim) after
#   - the body was tampered with,
#   - a signed header (Subject) was changed,
#   - a second Subject or To was prepended (over-signing, RFC 6376 §8.15),
#   - the key map publishes a different key for the selector.
# The untouched messages must pass first, so a failure here means the
# verifiers caught the change, not that signing was broken.
set -euo pipefail
. "$(dirname "$0")/common.sh"

start=$SECONDS
p_rsa="$(make_key rsa rsa)"
p_ed="$(make_key ed ed25519)"
p_rsa_other="$(make_key rsa-other rsa)"
p_ed_other="$(make_key ed-other ed25519)"
if [ "$p_rsa" = "$p_rsa_other" ] || [ "$p_ed" = "$p_ed_other" ]; then
  fail "key generation repeated a key"
fi
{
  key_line srsa example.com rsa "$p_rsa"
  key_line sed example.com ed25519 "$p_ed"
} >"$WORK/keys.txt"
{
  key_line srsa example.com rsa "$p_rsa_other"
  key_line sed example.com ed25519 "$p_ed_other"
} >"$WORK/wrong-keys.txt"

# A plain, a CRLF, a repeated-header, a multipart and a relaxed-whitespace case.
messages=(01-plain 11-crlf 16-repeated-headers 17-multipart-base64 30-whitespace-runs)
mkdir "$WORK/out"
for key in rsa ed; do
  good=()
  bad=()
  for canon in relaxed/relaxed simple/simple; do
    for name in "${messages[@]}"; do
      skipped "$name" && continue
      base="$WORK/out/$name.$key.${canon%%/*}"
      sign "$CORPUS/$name.eml" "$base.eml" "$key" "s$key" "$canon"
      "$INTEROP/tamper" body "$base.eml" "$base.body.eml" || fail "cannot tamper with $name"
      "$INTEROP/tamper" subject "$base.eml" "$base.subject.eml" || fail "cannot tamper with $name"
      "$INTEROP/tamper" add-subject "$base.eml" "$base.add-subject.eml" || fail "cannot add a Subject to $name"
      "$INTEROP/tamper" add-to "$base.eml" "$base.add-to.eml" || fail "cannot add a To to $name"
      cmp -s "$base.eml" "$base.body.eml" && fail "tamper body changed nothing in $name"
      cmp -s "$base.eml" "$base.subject.eml" && fail "tamper subject changed nothing in $name"
      good+=("$base.eml")
      bad+=("$base.body.eml" "$base.subject.eml" "$base.add-subject.eml" "$base.add-to.eml")
    done
  done
  v=("$INTEROP/verify_all" -q -d example.com -s "s$key")
  "${v[@]}" --keys "$WORK/keys.txt" "${good[@]}" || fail "untampered $key messages do not verify"
  "${v[@]}" --keys "$WORK/keys.txt" --expect fail "${bad[@]}" ||
    fail "a tampered $key message was not rejected by every verifier"
  "${v[@]}" --keys "$WORK/wrong-keys.txt" --expect fail "${good[@]}" ||
    fail "a $key message verified with the wrong public key"
  echo "$key: ${#good[@]} signed messages pass; ${#bad[@]} tampered (body, Subject, added Subject or To) and" \
    "${#good[@]} wrong-key verifications fail with every verifier"
done
echo "PASS interop negative ($((SECONDS - start)) s)"
