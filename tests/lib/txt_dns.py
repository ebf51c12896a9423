#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""txt_dns.py ZONEFILE READYFILE [ADDRESS [PORT]]: the tests' stub DNS
server. Answers DNS TXT queries over UDP on ADDRESS (default 127.0.0.1)
and PORT (default 0: an ephemeral one) from zone-file lines
(`dkim-filter-admin key dns --zone`), re-read on every query so a test can
"publish" a record by appending to the file; NXDOMAIN for any other name.
Writes the port it listens on to READYFILE (atomically, by rename) once
listening. Used by tests/web (ephemeral port on loopback) and tests/docs
(port 53 inside the test's own network namespace)."""
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


def main(zone, ready, address='127.0.0.1', port='0'):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, int(port)))
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
    if len(sys.argv) not in (3, 4, 5):
        sys.exit(__doc__)
    main(*sys.argv[1:])
