#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Submits numbered test messages over several concurrent SMTP sessions.

usage: load_submit.py PORT COUNT CONNECTIONS OUTDIR USER...
Each connection logs in (STARTTLS, AUTH PLAIN with password pw-USER) as one
of the USERs, round robin, and sends its share of the messages numbered
0..COUNT-1 to rcpt@dest.example, with the user as envelope sender and in
From:. A session is renewed every 100 messages. Every message as sent (LF
line endings, exactly the bytes that should arrive below the added fields)
is kept as OUTDIR/N.eml; OUTDIR/N.user names its sender.
Prints "submitted N in S s"; exit 1 if any message was refused.
"""
import email.utils
import random
import smtplib
import ssl
import sys
import threading
import time

PER_SESSION = 100


def make_message(n, user):
    """Deterministic per number: sizes, 8-bit text, trailing blanks, dots."""
    rng = random.Random(n)
    lines = [
        f"From: Load Sender <{user}>",
        "To: Recipient <rcpt@dest.example>",
        f"Subject: load {n}",
        f"Date: {email.utils.formatdate(localtime=True)}",
        f"Message-ID: <load-{n}@e2e.test>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        f"Message {n} of the load test. Grüße, ½ €.",
    ]
    for i in range(rng.randint(0, 40)):
        body = " ".join(f"w{rng.randint(0, 99999)}" for _ in range(rng.randint(0, 14)))
        lines.append(body + rng.choice(["", " ", "\t", "  "]))
        if i % 7 == 3:
            lines.append(".a line starting with a dot")
    if n % 50 == 7:  # a few larger ones: 200 kB bodies
        lines.extend(f"{n:06d} " + "x" * 72 for _ in range(2700))
    lines.extend(["", ""] if n % 3 == 0 else [])  # trailing empty lines
    return ("\n".join(lines) + "\n").encode()


class Submitter:
    def __init__(self, port, count, outdir, users):
        self.port, self.count, self.outdir, self.users = port, count, outdir, users
        self.errors = []
        self.lock = threading.Lock()

    def session(self, user):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        smtp = smtplib.SMTP("127.0.0.1", self.port, timeout=60)
        smtp.ehlo("load.e2e.test")
        smtp.starttls(context=ctx)
        smtp.ehlo("load.e2e.test")
        smtp.login(user, "pw-" + user)
        return smtp

    def keep(self, n, user):
        """Message n as sent, kept as OUTDIR/N.eml with its sender in
        OUTDIR/N.user; returns it as it goes on the wire."""
        msg = make_message(n, user)
        with open(f"{self.outdir}/{n}.eml", "wb") as f:
            f.write(msg)
        with open(f"{self.outdir}/{n}.user", "w") as f:
            f.write(user + "\n")
        # smtplib sends bytes as they are: SMTP wants CRLF lines.
        return msg.replace(b"\n", b"\r\n")

    def run_connection(self, numbers, user):
        smtp = None
        try:
            for i, n in enumerate(numbers):
                if i % PER_SESSION == 0:
                    if smtp:
                        smtp.quit()
                    smtp = self.session(user)
                wire = self.keep(n, user)
                refused = smtp.sendmail(user, ["rcpt@dest.example"], wire)
                if refused:
                    raise RuntimeError(f"message {n} refused: {refused}")
            if smtp:
                smtp.quit()
        except Exception as e:  # reported, and the exit status says so
            with self.lock:
                self.errors.append(f"{user}: {type(e).__name__}: {e}")


def run(argv, submitter_class, name, usage=__doc__, summary=lambda sub: ""):
    """The main program of both load submitters: parses PORT COUNT
    CONNECTIONS OUTDIR USER..., runs CONNECTIONS threads of
    submitter_class.run_connection (connection c sends messages c,
    c + CONNECTIONS, ... as USER c mod len(USERs)), reports the errors
    prefixed with `name`, prints "submitted N in S s" and summary(sub).
    Returns the exit status: 0, 1 on any error, 2 (after `usage`) on a bad
    command line."""
    if len(argv) < 6:
        print(usage, file=sys.stderr)
        return 2
    port, count, conns, outdir = int(argv[1]), int(argv[2]), int(argv[3]), argv[4]
    users = argv[5:]
    sub = submitter_class(port, count, outdir, users)
    threads = []
    started = time.time()
    for c in range(conns):
        numbers = list(range(c, count, conns))
        t = threading.Thread(target=sub.run_connection, args=(numbers, users[c % len(users)]))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    took = time.time() - started
    for e in sub.errors:
        print(f"{name}: " + e, file=sys.stderr)
    print(f"submitted {count} in {took:.1f} s{summary(sub)}")
    return 1 if sub.errors else 0


if __name__ == "__main__":
    sys.exit(run(sys.argv, Submitter, "load_submit.py"))
