#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Verify every DKIM-Signature of a delivered message with dkimpy.

usage: verify_dkim.py MESSAGE DNSFILE
  DNSFILE holds the output of one or more `dkim-filter-admin key dns` runs
  (NAME [IN] TXT "v=DKIM1; ..." possibly split into several strings); the
  records are served to dkimpy instead of DNS, so no network is needed.
Prints one line per signature (d=, s=, a=, result).
Exit: 0 all signatures valid (at least one), 1 a signature failed,
      2 no signature, 3 usage or unreadable input.
With --normalize DNSFILE it only prints "name<TAB>value" lines, for the
Perl verifier.
"""
import re
import sys

import dkim


def parse_dns(text):
    """NAME -> TXT value, from `key dns` output, tolerant of layout."""
    records = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(";") or line.startswith("#"):
            continue
        m = re.match(r"^(\S+)\s+(?:\d+\s+)?(?:IN\s+)?TXT\s+(.*)$", line, re.I)
        if not m:
            continue
        name = m.group(1).rstrip(".").lower()
        rest = m.group(2).strip().strip("()").strip()
        parts = re.findall(r'"((?:[^"\\]|\\.)*)"', rest)
        value = "".join(parts) if parts else rest
        records[name] = value
    return records


def main(argv):
    if len(argv) == 3 and argv[1] == "--normalize":
        with open(argv[2], encoding="utf-8") as f:
            for name, value in parse_dns(f.read()).items():
                print(f"{name}\t{value}")
        return 0
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 3
    with open(argv[1], "rb") as f:
        message = f.read()
    with open(argv[2], encoding="utf-8") as f:
        records = parse_dns(f.read())
    if not records:
        print("verify_dkim.py: no TXT record in " + argv[2], file=sys.stderr)
        return 3

    def dnsfunc(name, timeout=5):
        key = name.decode() if isinstance(name, bytes) else name
        value = records.get(key.rstrip(".").lower())
        return value.encode() if value is not None else None

    d = dkim.DKIM(message)
    count = len([1 for line in message.splitlines()
                 if line.lower().startswith(b"dkim-signature:")])
    if count == 0:
        print("dkimpy: no DKIM-Signature")
        return 2
    ok = True
    for idx in range(count):
        try:
            res = d.verify(idx=idx, dnsfunc=dnsfunc)
        except dkim.DKIMException as e:
            res = False
            print(f"dkimpy: signature {idx}: exception {e}")
        sig = d.signature_fields or {}
        print("dkimpy: signature %d d=%s s=%s a=%s %s" % (
            idx, sig.get(b"d", b"?").decode(), sig.get(b"s", b"?").decode(),
            sig.get(b"a", b"?").decode(), "pass" if res else "FAIL"))
        ok = ok and bool(res)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
