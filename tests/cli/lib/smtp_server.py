#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A scriptable ESMTP listener for dkim-filter --smtp tests.

usage: smtp_server.py OUTDIR [--no-pipelining] [--no-ehlo] [--greeting LINE]
                      [--data-reply LINE] [--stall]

Listens on 127.0.0.1 (a free port, written to OUTDIR/port), one session at
a time, until SIGTERM. Per session N it writes:
  N.transcript  every command line received, then "pipelined" when the
                command after it had already arrived before this one was
                answered (so the client did not wait), "VIOLATION" when
                that happened without PIPELINING offered
  N.env         MAIL FROM / RCPT TO lines (accepted ones)
  N.wire        the DATA bytes exactly as sent, before the final ".\\r\\n"
  N.status      "complete" (the final dot came) or "aborted" (the
                connection closed without it)
Replies are scripted by address: RCPT TO <perm-CODE-X.Y.Z@...> is refused
with "CODE X.Y.Z ...", <perm-CODE@...> with "CODE ..." (no enhanced code),
<temp@...> with "451 4.3.0 ..."; MAIL FROM <mailperm@...> with
"553 5.7.1 ...". --data-reply replaces the "250" after the final dot.
--stall: after the first block of DATA, writes OUTDIR/N.stalled and reads
nothing more until OUTDIR/resume exists (the client's writes then block),
so a test can kill the client mid-DATA.
"""
import os
import re
import signal
import socket
import sys
import time


def main():
    out = sys.argv[1]
    args = sys.argv[2:]
    pipelining = '--no-pipelining' not in args
    ehlo_ok = '--no-ehlo' not in args
    stall = '--stall' in args
    greeting = '220 test.example ESMTP'
    data_reply = '250 2.0.0 queued'
    if '--greeting' in args:
        greeting = args[args.index('--greeting') + 1]
    if '--data-reply' in args:
        data_reply = args[args.index('--data-reply') + 1]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if stall:  # small buffers: the client blocks soon after the stall
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    srv.bind(('127.0.0.1', 0))
    srv.listen(5)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    with open(os.path.join(out, 'port.tmp'), 'w') as f:
        f.write(str(srv.getsockname()[1]))
    os.rename(os.path.join(out, 'port.tmp'), os.path.join(out, 'port'))
    n = 0
    while True:
        conn, _ = srv.accept()
        n += 1
        try:
            session(conn, os.path.join(out, str(n)), out, pipelining, ehlo_ok, stall, greeting, data_reply)
        except (BrokenPipeError, ConnectionResetError):
            pass
        conn.close()


def session(conn, base, out, pipelining, ehlo_ok, stall, greeting, data_reply):
    buf = bytearray()
    transcript = open(base + '.transcript', 'w')
    env = open(base + '.env', 'w')
    accepted = {'mail': False, 'rcpt': 0}

    def send(line):
        conn.sendall(line.encode() + b'\r\n')

    def read_line():
        while b'\n' not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            buf.extend(chunk)
        i = buf.index(b'\n')
        line = bytes(buf[:i + 1])
        del buf[:i + 1]
        return line.decode('utf-8', 'replace').rstrip('\r\n')

    send(greeting)
    if not greeting.startswith('2'):
        read_line()
        return
    while True:
        line = read_line()
        if line is None:
            return
        ahead = b'\n' in buf  # the next command came before this one's reply
        note = ''
        if ahead and not line.upper().startswith('DATA'):
            note = ' pipelined' if pipelining else ' VIOLATION'
        transcript.write(line + note + '\n')
        transcript.flush()
        verb = line.split(' ', 1)[0].upper()
        if verb == 'EHLO':
            if not ehlo_ok:
                send('502 5.5.2 EHLO not here')
                continue
            send('250-test.example')
            if pipelining:
                send('250-PIPELINING')
            send('250-8BITMIME')
            send('250 ENHANCEDSTATUSCODES')
        elif verb == 'HELO':
            send('250 test.example')
        elif verb == 'MAIL':
            if '<mailperm@' in line:
                send('553 5.7.1 sender refused')
            else:
                env.write(line + '\n')
                accepted['mail'] = True
                send('250 2.1.0 ok')
        elif verb == 'RCPT':
            m = re.search(r'<perm-(\d{3})(?:-(\d\.\d+\.\d+))?@', line)
            if m:
                send(m.group(1) + (' ' + m.group(2) if m.group(2) else '') + ' refused')
            elif '<temp@' in line:
                send('451 4.3.0 try later')
            else:
                env.write(line + '\n')
                accepted['rcpt'] += 1
                send('250 2.1.5 ok')
        elif verb == 'DATA' and not accepted['mail']:
            send('503 5.5.1 need MAIL command')
        elif verb == 'DATA' and not accepted['rcpt']:
            send('554 5.5.1 no valid recipients')  # as Postfix's smtpd answers
        elif verb == 'DATA':
            env.flush()
            send('354 go ahead')
            data(conn, buf, base, out, stall, send, data_reply)
        elif verb == 'QUIT':
            send('221 2.0.0 bye')
            return
        elif verb == 'RSET':
            send('250 ok')
        else:
            send('500 5.5.1 what')


def data(conn, buf, base, out, stall, send, data_reply):
    wire = bytearray(buf)
    del buf[:]
    stalled = False
    start = 0
    while True:
        end = wire.find(b'\r\n.\r\n', start)
        start = max(0, len(wire) - 4)
        if wire.startswith(b'.\r\n'):
            end = -2
        if end != -1:
            cut = 0 if end == -2 else end + 2
            rest = wire[cut + 3:]
            with open(base + '.wire', 'wb') as f:
                f.write(wire[:cut])
            open(base + '.status', 'w').write('complete\n')
            buf.extend(rest)
            send(data_reply)
            return
        if stall and not stalled and wire:
            stalled = True
            open(base + '.stalled', 'w').close()
            for _ in range(600):
                if os.path.exists(os.path.join(out, 'resume')):
                    break
                time.sleep(0.1)
        chunk = conn.recv(65536)
        if not chunk:
            with open(base + '.wire', 'wb') as f:
                f.write(wire)
            open(base + '.status', 'w').write('aborted\n')
            raise ConnectionResetError
        wire.extend(chunk)


if __name__ == '__main__':
    main()
