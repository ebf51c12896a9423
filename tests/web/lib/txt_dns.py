#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""txt_dns.py ZONEFILE READYFILE: answers DNS TXT queries over UDP on
127.0.0.1 (an ephemeral port, written to READYFILE once listening) from
zone-file lines, re-read on every query so a test can "publish" a record
by appending to the file; NXDOMAIN for anything else."""
import os
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
    if not os.path.exists(path):
        return records
    for line in open(path, encoding='utf-8'):
        m = re.match(r'^(\S+)\s+(?:\d+\s+)?(?:IN\s+)?TXT\s+(.*)$', line.strip(), re.I)
        if m:
            name = m.group(1).lower()
            name = name if name.endswith('.') else name + '.'
            records.setdefault(name, []).append(m.group(2).strip())
    return records


def main(zone, ready):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('127.0.0.1', 0))
    with open(ready + '.tmp', 'w') as f:
        f.write(str(sock.getsockname()[1]))
    os.rename(ready + '.tmp', ready)
    while True:
        data, peer = sock.recvfrom(4096)
        try:
            query = dns.message.from_wire(data)
        except Exception:  # not DNS: ignore, as a server would
            continue
        records = load(zone)
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
    main(*sys.argv[1:3])
