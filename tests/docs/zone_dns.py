#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""zone_dns.py ZONEFILE ADDRESS READYFILE: answers DNS TXT queries over UDP
on ADDRESS:53 from zone-file lines (`dkim-filter-admin key dns --zone`),
NXDOMAIN for anything else. For tests that run inside their own network
namespace, so "publishing the record" needs no real DNS. Touches READYFILE
once listening."""
import re
import socket
import sys

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


def load(path):
    records = {}
    for line in open(path, encoding='utf-8'):
        m = re.match(r'^(\S+)\s+(?:\d+\s+)?(?:IN\s+)?TXT\s+(.*)$', line.strip(), re.I)
        if m:
            name = m.group(1).lower()
            name = name if name.endswith('.') else name + '.'
            records.setdefault(name, []).append(m.group(2).strip())
    return records


def main(zone, address, ready):
    records = load(zone)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 53))
    open(ready, 'w').close()
    while True:
        data, peer = sock.recvfrom(4096)
        try:
            query = dns.message.from_wire(data)
        except Exception:  # not DNS: ignore, as a server would
            continue
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text().lower()
        if name not in records:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.TXT:
            response.answer.append(dns.rrset.from_text(question.name, 300, 'IN', 'TXT', *records[name]))
        sock.sendto(response.to_wire(max_size=65535), peer)


if __name__ == '__main__':
    main(*sys.argv[1:4])
