#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dkim-filter-admin against input it did not write itself: rows put into the
# database by other tools (newlines, quotes, tabs, backslashes, control
# characters, bytes that are not UTF-8) list as one line per row and as
# valid JSON (RFC 8259, checked with python3's json.loads); endless key
# input stops at the 1 MiB limit; and the process holding key text cannot
# dump core or be read by its own user through /proc.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ok init "$ADMIN" init
ok "key" "$ADMIN" key generate example.com s1 --algorithm ed25519
# Copies the one real key's columns (public_key since schema 2).
cols=$(sqlite3 "$DB" "SELECT group_concat(name, ', ') FROM pragma_table_info('keys')
                      WHERE name NOT IN ('domain', 'selector', 'canon')")
# Hostile values as SQL expressions.
hostile=(
  "'evil.example' || char(10) || 'forged.example' || char(9) || 's2'"
  "'quo\"te''s' || char(92) || 'back' || char(92) || 'n'"
  "'ctl' || char(27) || '[2J' || char(7) || char(13) || char(0) || 'x' || char(127)"
  "'bad' || CAST(X'FFC3' AS TEXT) || 'utf8' || CAST(X'C3A9' AS TEXT)"
  "'u2028' || CAST(X'E280A8' AS TEXT) || char(8)"
)
i=0
for h in "${hostile[@]}"; do
  sqlite3 "$DB" "INSERT INTO keys (domain, selector, canon, $cols)
                 SELECT $h, 'sel$i' || char(10) || 'x', 'relaxed' || char(10) || $h, $cols FROM keys WHERE domain = 'example.com';
                 INSERT INTO users (name, kind, domain, selectors, created)
                 VALUES ($h || '$i', 'login', $h, 's1,' || $h, 0);"
  i=$((i + 1))
done
rows=$((${#hostile[@]} + 1)) users=${#hostile[@]}

ok "key list" "$ADMIN" key list
[[ $(wc -l < "$work/out") == "$rows" ]] || fail "key list: $(wc -l < "$work/out") lines for $rows keys: $(cat -A "$work/out" | head -20)"
awk -F'\t' 'NF != 11 { bad = 1 } END { exit bad }' "$work/out" || fail "key list: a line without exactly eleven fields: $(cat -A "$work/out")"
LC_ALL=C grep -q '[^[:print:]	]' "$work/out" && fail "key list: raw control characters: $(cat -A "$work/out")"
grep -qF 'evil.example\x0aforged.example\x09s2' "$work/out" || fail "key list: newline/tab not escaped: $(cat -A "$work/out")"
ok "user list" "$ADMIN" user list
[[ $(wc -l < "$work/out") == "$users" ]] || fail "user list: $(wc -l < "$work/out") lines for $users users: $(cat -A "$work/out")"
LC_ALL=C grep -q '[^[:print:]]' "$work/out" && fail "user list: raw control characters: $(cat -A "$work/out")"

# JSON: valid, and every value that is well-formed UTF-8 comes back exact.
sqlite3 "$DB" "SELECT hex(domain), hex(selector), hex(canon) FROM keys ORDER BY domain, selector" > "$work/keys.hex"
sqlite3 "$DB" "SELECT hex(name), hex(domain) FROM users ORDER BY kind, name" > "$work/users.hex"
ok "key list --json" "$ADMIN" key list --json
cp "$work/out" "$work/keys.json"
ok "user list --json" "$ADMIN" user list --json
cp "$work/out" "$work/users.json"
python3 - "$work" <<'PY' || fail "JSON output"
import json, sys
work = sys.argv[1]
def rows(name):
    return [[bytes.fromhex(v) for v in line.rstrip("\n").split("|")] for line in open(f"{work}/{name}.hex")]
def expect(raw):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None  # not representable: only validity is checked
failures = 0
def check(kind, doc, fields, table):
    global failures
    text = open(f"{work}/{kind}.json", "rb").read().decode("utf-8")  # RFC 8259 §8.1: UTF-8
    data = json.loads(text)
    if len(data) != len(table):
        print(f"FAIL: {kind}: {len(data)} entries, {len(table)} rows"); failures += 1; return
    for obj, row in zip(data, table):
        for field, raw in zip(fields, row):
            want = expect(raw)
            if want is not None and obj[field] != want:
                print(f"FAIL: {kind}: {field} {obj[field]!r} != {want!r}"); failures += 1
check("keys", None, ["domain", "selector", "canon"], rows("keys"))
check("users", None, ["user", "domain"], rows("users"))
sys.exit(1 if failures else 0)
PY

# ---- endless key input -----------------------------------------------------
# /dev/zero never ends: the import must stop at the limit, not read forever.
refused 65 "key import /dev/zero" timeout 20 "$ADMIN" key import example.com z /dev/zero
expect_in "$work/err" "too large" "key import /dev/zero"
refused 65 "key import endless stdin" timeout 20 "$ADMIN" key import example.com z - < /dev/zero
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' 'a' > "$work/big"
refused 65 "key import 1 MiB + 1" "$ADMIN" key import example.com z "$work/big"
expect_in "$work/err" "too large" "key import 1 MiB + 1"

# ---- no core dumps, not readable through /proc ------------------------------
# `key import -` waits on stdin, holding nothing yet: inspect it there.
mkfifo "$work/keyfifo"
if [[ $(id -u) == 0 ]] && command -v setpriv > /dev/null; then
  as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
else
  as_user=()
fi
"${as_user[@]}" "$ADMIN" --db "$work/none.db" key import example.com s9 - < "$work/keyfifo" > /dev/null 2>&1 &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
exec 9> "$work/keyfifo"
for _ in $(seq 200); do  # until setpriv has exec'd the admin (bounded: 10 s)
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dkim-filter-adm* ]] && break
  sleep 0.05
done
[[ $(cat "/proc/$pid/comm" 2>/dev/null) == dkim-filter-adm* ]] || fail "test setup: dkim-filter-admin did not start"
sleep 0.2  # main() runs before the first read of stdin; there is no event to wait for
grep -q '^Max core file size  *0  *0 ' "/proc/$pid/limits" ||
  fail "core dumps not disabled: $(grep core "/proc/$pid/limits" 2>&1)"
# A non-dumpable process's /proc files belong to root (proc(5)): its own
# user can no longer read its environment or memory.
if ((${#as_user[@]})); then
  "${as_user[@]}" cat "/proc/$pid/environ" > /dev/null 2>&1 &&
    fail "dkim-filter-admin is still dumpable: its user can read /proc/$pid/environ"
  [[ $(stat -c %u "/proc/$pid/status") == 0 ]] || fail "/proc/$pid/status not owned by root: process is dumpable"
fi
exec 9>&-
wait "$pid" 2>/dev/null || true
finish
