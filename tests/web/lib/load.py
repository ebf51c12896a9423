#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""load.py PORT TOKEN N: opens N connections to dkim-filter-web at once,
then sends on each a request that adds one outgoing user (userNNNN@example.com),
and prints each answer's status, one per line. Bounded: 300 s in all."""
import asyncio
import json
import resource
import sys


async def main(port, token, n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    conns = await asyncio.gather(*[asyncio.open_connection('127.0.0.1', port) for _ in range(n)])
    # Every connection is open before the first request goes.
    async def one(i, reader, writer):
        body = json.dumps({'user': 'user%04d@example.com' % i, 'selector': 's1'}).encode()
        writer.write(b'POST /api/v1/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n'
                     b'Authorization: Bearer ' + token.encode() + b'\r\nContent-Type: application/json\r\n'
                     b'Content-Length: ' + str(len(body)).encode() + b'\r\n\r\n' + body)
        await writer.drain()
        answer = await reader.read()
        writer.close()
        return answer.split(b' ', 2)[1].decode() if answer.startswith(b'HTTP/1.1 ') else 'none'
    statuses = await asyncio.gather(*[one(i, r, w) for i, (r, w) in enumerate(conns)])
    for s in statuses:
        print(s)


asyncio.run(asyncio.wait_for(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])), 300))
