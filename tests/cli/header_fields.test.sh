#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Which header fields a signature lists, through the real binary in
# database mode (dkim-filter(8), "Signed header fields"), every signature
# verified by dkimpy:
#   - over-signing: From always; Subject, To, Cc, Reply-To, Date,
#     Message-ID, Content-Type, MIME-Version, Content-Transfer-Encoding
#     once more than present when present, absent ones unlisted;
#   - at most 50 instances of one name: 60 To fields give 50 "to" entries;
#   - a CR without LF in a header field: passed on unsigned,
#     reason=malformed; CRLF line ends still sign.
set -euo pipefail
source "$DKIM_SRC/tests/cli/lib/robustness.sh"

# h_counts OUTPUT: "name=count ..." of the first signature's h=, sorted.
h_counts() {
  "$PY" - "$1" <<'PY'
import collections, re, sys
msg = open(sys.argv[1], "rb").read().decode("latin-1")
m = re.match(r"DKIM-Signature:((?:[^\n]*\n[ \t])*[^\n]*)\n", msg)
value = re.sub(r"\s+", "", m.group(1)) if m else ""
h = re.search(r"(?:^|;)h=([^;]*)", value)
names = h.group(1).lower().split(":") if h else []
print(" ".join("%s=%d" % kv for kv in sorted(collections.Counter(names).items())))
PY
}

sign() {  # WHAT INPUT [signed|unsigned]: database mode, as alice
  local rc=0
  "$FILTER" --stdout --log stderr -f alice@example.com -u alice@example.com <"$2" >"$work/out" 2>"$work/err" || rc=$?
  ((rc == 0)) || fail "$1: exit $rc: $(head -c 300 "$work/err")"
  check_output "$1" "$2" "$work/out" "${3:-signed}"
}

{
  printf 'From: Alice <alice@example.com>\nSender: alice@example.com\nTo: bob@example.org\n'
  printf 'Cc: carol@example.org\nReply-To: alice@example.com\nSubject: all fields\n'
  printf 'Date: Tue, 04 Nov 2025 10:00:00 +0000\nMessage-ID: <all@example.com>\n'
  printf 'In-Reply-To: <x@example.org>\nReferences: <x@example.org>\nMIME-Version: 1.0\n'
  printf 'Content-Type: text/plain\nContent-Transfer-Encoding: 7bit\nBcc: dave@example.org\n\nbody\n'
} >"$work/all.eml"
sign "all fields" "$work/all.eml"
want="bcc=1 cc=2 content-transfer-encoding=2 content-type=2 date=2 from=2 in-reply-to=1 message-id=2"
want+=" mime-version=2 references=1 reply-to=2 sender=1 subject=2 to=2"
[[ $(h_counts "$work/out") == "$want" ]] || fail "all fields: h= counts $(h_counts "$work/out"), want $want"

printf 'From: alice@example.com\nX-Mailer: test\n\nbody\n' >"$work/minimal.eml"
sign "minimal" "$work/minimal.eml"
[[ $(h_counts "$work/out") == "from=2" ]] || fail "minimal: absent fields must stay unlisted: $(h_counts "$work/out")"

{ printf 'From: alice@example.com\nSubject: sixty recipients\n'
  for i in $(seq 1 60); do printf 'To: r%d@example.org\n' "$i"; done
  printf '\nbody\n'; } >"$work/sixty.eml"
sign "60 To fields" "$work/sixty.eml"
[[ $(h_counts "$work/out") == "from=2 subject=2 to=50" ]] || fail "60 To fields: $(h_counts "$work/out")"
[[ $(grep -c '^DKIM-Signature:' "$work/out") == 2 ]] || fail "60 To fields: expected two signatures (s1, s2)"

printf 'From: alice@example.com\nSubject: one\rtwo\nTo: bob@example.org\n\nbody\n' >"$work/bare-cr.eml"
sign "bare CR in a value" "$work/bare-cr.eml" unsigned
grep -q 'decision=unsigned reason=malformed' "$work/err" || fail "bare CR: not malformed: $(cat "$work/err")"
grep -q 'problem="CR without LF in the header section"' "$work/err" || fail "bare CR: problem not logged: $(cat "$work/err")"
printf 'From: alice@example.com\nX-Od\rd: v\n\nbody\n' >"$work/bare-cr-name.eml"
sign "bare CR in a name" "$work/bare-cr-name.eml" unsigned
grep -q 'reason=malformed' "$work/err" || fail "bare CR in a name: $(cat "$work/err")"
printf 'From: alice@example.com\r\nSubject: crlf\r\n\r\nbody\r\n' >"$work/crlf.eml"
sign "CRLF" "$work/crlf.eml" signed
finish
