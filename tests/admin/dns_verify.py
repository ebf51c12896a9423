#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Verify every DKIM-Signature of a message with dkimpy, its key records
looked up (dnspython) on one DNS server, as a receiver would.

usage: dns_verify.py MESSAGE IP:PORT
Prints one line per signature: "s=SELECTOR d=DOMAIN: pass", or "fail:
revoked (empty p=)" when the record is published with an empty p= (RFC
6376 §3.6.1), or "fail: REASON".
Exit: 0 every signature verifies (at least one), 1 one does not, 2 none.
"""
import re
import sys

import dkim
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    message = open(argv[1], "rb").read()
    host, port = argv[2].rsplit(":", 1)

    def txt(name, hops=0):
        q = dns.message.make_query(name, dns.rdatatype.TXT)
        r = dns.query.udp(q, host, port=int(port), timeout=3)
        if r.flags & dns.flags.TC:
            r = dns.query.tcp(q, host, port=int(port), timeout=3)
        if r.rcode() != dns.rcode.NOERROR:
            return None
        for rrset in r.answer:
            if rrset.rdtype == dns.rdatatype.TXT:
                return b"".join(b"".join(rd.strings) for rd in rrset)
        # A CNAME alone (delegation: the record lives in another zone):
        # follow it, as a recursive resolver would (RFC 1034 §3.6.2).
        for rrset in r.answer:
            if rrset.rdtype == dns.rdatatype.CNAME and hops < 8:
                return txt(rrset[0].target.to_text(), hops + 1)
        return None

    def dnsfunc(name, timeout=5):
        q = name.decode() if isinstance(name, bytes) else name
        return txt(q)

    head = re.split(rb"\r?\n\r?\n", message, maxsplit=1)[0]
    fields = re.findall(rb"^DKIM-Signature:(.*(?:\r?\n[ \t].*)*)", head, re.M | re.I)
    count = len(fields)
    if count == 0:
        print("no DKIM-Signature")
        return 2
    ok = True
    for idx in range(count):
        good = dkim.DKIM(message).verify(idx=idx, dnsfunc=dnsfunc)
        value = re.sub(rb"\s+", b"", fields[idx])
        tags = dict(t.split(b"=", 1) for t in value.split(b";") if b"=" in t)
        s, dom = tags.get(b"s", b"?").decode(), tags.get(b"d", b"?").decode()
        if good:
            print(f"s={s} d={dom}: pass")
            continue
        ok = False
        record = txt(f"{s}._domainkey.{dom}")
        if record is not None and re.search(rb"(^|;)\s*p=\s*(;|$)", record):
            print(f"s={s} d={dom}: fail: revoked (empty p=)")
        elif record is None:
            print(f"s={s} d={dom}: fail: no key record")
        else:
            print(f"s={s} d={dom}: fail: signature does not verify")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
