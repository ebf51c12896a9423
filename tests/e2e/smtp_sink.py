#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A minimal SMTP server standing in for the remote MX in the Exim test.

usage: smtp_sink.py ADDRESS PORT OUTDIR
Accepts every message and stores it as OUTDIR/NNN.eml with LF line endings
and the dot-stuffing undone, exactly the bytes the client's DATA carried.
The envelope goes to OUTDIR/NNN.env (MAIL FROM line, then RCPT TO lines).
A file OUTDIR/ready appears once it listens. Stops on SIGTERM.
"""
import os
import signal
import socketserver
import sys


class Handler(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.reply("220 sink.e2e.test ESMTP test sink")
        envelope = []
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            verb = line.strip().split(b" ", 1)[0].upper()
            if verb == b"EHLO":
                self.wfile.write(b"250-sink.e2e.test\r\n250-8BITMIME\r\n250 SIZE 100000000\r\n")
                self.wfile.flush()
            elif verb in (b"HELO", b"NOOP"):
                self.reply("250 ok")
            elif verb == b"RSET":
                envelope = []
                self.reply("250 ok")
            elif verb in (b"MAIL", b"RCPT"):
                envelope.append(line.decode("utf-8", "replace").rstrip("\r\n"))
                self.reply("250 ok")
            elif verb == b"DATA":
                self.reply("354 go ahead")
                self.store(envelope, self.read_data())
                envelope = []
                self.reply("250 ok stored")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")

    def read_data(self):
        lines = []
        while True:
            line = self.rfile.readline()
            if not line or line in (b".\r\n", b".\n"):
                return b"".join(lines)
            if line.startswith(b"."):
                line = line[1:]
            if line.endswith(b"\r\n"):
                line = line[:-2] + b"\n"
            lines.append(line)

    def store(self, envelope, data):
        outdir = self.server.outdir
        n = len([f for f in os.listdir(outdir) if f.endswith(".eml")])
        base = os.path.join(outdir, "%03d" % n)
        with open(base + ".env", "w", encoding="utf-8") as f:
            f.write("\n".join(envelope) + "\n")
        # Written under a temporary name so a reader never sees half a file.
        with open(base + ".tmp", "wb") as f:
            f.write(data)
        os.rename(base + ".tmp", base + ".eml")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    server = Server((argv[1], int(argv[2])), Handler)
    server.outdir = argv[3]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    open(os.path.join(argv[3], "ready"), "w").close()
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
