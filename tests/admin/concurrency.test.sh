#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The filter's read path (`explain` opens the database exactly as the filter
# does: read-only, permission and schema checks) keeps giving right answers
# while another process rewrites users and keys in a loop. When run as root,
# the reader runs as nobody:nogroup with only group read permission - the
# deployed setup, where the filter cannot write the directory or the -shm.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ok init "$ADMIN" init
ok "key s1" "$ADMIN" key generate example.com s1 --algorithm ed25519
ok "key s2" "$ADMIN" key generate example.com s2 --algorithm ed25519
ok "user" "$ADMIN" user add alice@example.com --selector s1
reader=()
if [[ $(id -u) == 0 ]] && command -v setpriv > /dev/null && getent group nogroup > /dev/null; then
  chmod 0755 "$work"
  chgrp -R nogroup "$(dirname "$DB")"
  reader=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  echo "reader runs as nobody:nogroup"
fi

# At least 4 s of overlap, and on until the reader has seen both states (a
# loaded CI machine may need longer), but never more than 30 s.
end=$((SECONDS + 4)) hard_end=$((SECONDS + 30))
stop=$work/stop
(
  i=0
  while [[ ! -e $stop ]] && ((SECONDS < hard_end)); do
    sel=$([[ $((i % 2)) == 0 ]] && echo s2 || echo s1)
    "$ADMIN" user set alice@example.com --selector "$sel" > /dev/null 2>&1 || exit 3
    "$ADMIN" key generate example.com churn --algorithm ed25519 > /dev/null 2>&1 || exit 4
    "$ADMIN" key delete example.com churn --force > /dev/null 2>&1 || exit 5
    i=$((i + 1))
  done
  echo "$i" > "$work/writes"
) &
writer=$!
cleanup_hooks+=("kill $writer 2>/dev/null")

reads=0 s1=0 s2=0
while ((SECONDS < hard_end)) && { ((SECONDS < end)) || ((s1 == 0 || s2 == 0 || reads < 10)); }; do
  rc=0
  "${reader[@]}" "$ADMIN" explain --user alice@example.com --from alice@example.com > "$work/out" 2> "$work/err" || rc=$?
  if ((rc != 0)); then fail "read $reads: exit $rc: $(cat "$work/err")"; break; fi
  if grep -q '^signature: d=example.com s=s1 a=ed25519-sha256' "$work/out"; then s1=$((s1 + 1))
  elif grep -q '^signature: d=example.com s=s2 a=ed25519-sha256' "$work/out"; then s2=$((s2 + 1))
  else fail "read $reads: unexpected answer: $(cat "$work/out")"; break; fi
  reads=$((reads + 1))
done
touch "$stop"
rc=0; wait "$writer" || rc=$?
((rc == 0)) || fail "writer failed with $rc"
echo "reads=$reads (s1=$s1 s2=$s2) writes=$(cat "$work/writes" 2>/dev/null || echo ?)"
((reads >= 10)) || fail "too few reads: $reads"
((s1 > 0 && s2 > 0)) || fail "the reader never saw the writer's changes (s1=$s1 s2=$s2)"
finish
