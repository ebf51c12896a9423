#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""dkimpy_verify.py MESSAGE DNSFILE: verify every DKIM-Signature of MESSAGE
with dkimpy, DNS answered from DNSFILE (`dkim-filter-admin key dns` output,
plain or --zone), never the network. Exit 0 when there is at least one
signature and all verify; 1 otherwise (one line per signature on stdout)."""
import re
import sys

import dkim


def records(text):
    out = {}
    for line in text.splitlines():
        m = re.match(r'^(\S+)\s+(?:\d+\s+)?(?:IN\s+)?TXT\s+(.*)$', line.strip(), re.I)
        if m:
            parts = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
            out[m.group(1).rstrip('.').lower()] = ''.join(parts)
    return out


def main(message_path, dns_path):
    with open(message_path, 'rb') as f:
        message = f.read()
    with open(dns_path, encoding='utf-8') as f:
        served = records(f.read())

    def dnsfunc(name, timeout=5):
        key = name.decode() if isinstance(name, bytes) else name
        value = served.get(key.rstrip('.').lower())
        return value.encode() if value is not None else None

    verifier = dkim.DKIM(message)
    count = len([h for h in verifier.headers if h[0].lower() == b'dkim-signature'])
    ok = count > 0
    for i in range(count):
        try:
            good = verifier.verify(idx=i, dnsfunc=dnsfunc)
            why = ''
        except dkim.DKIMException as e:  # body hash mismatch, bad tags...
            good, why = False, f' ({e})'
        print(f'signature {i}: {"pass" if good else "FAIL"}{why}')
        ok = ok and good
    if count == 0:
        print('no DKIM-Signature')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))
