#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Submits numbered test messages over several SMTP sessions, retrying
deferrals: the load for dkim-filter-milter.

usage: milter_load_submit.py PORT COUNT CONNECTIONS OUTDIR USER...
As load_submit.py (the same messages, STARTTLS, AUTH PLAIN with password
pw-USER, round robin users, a new session every 100 messages), but a 4xx
reply or a dropped session -- the milter killed or restarting, Postfix's
milter_default_action = tempfail -- is retried on a new session, as a
submitting client retries a deferral. A 5xx reply is a failure.
OUTDIR/N.eml holds message N as sent, N.user its sender, N.window
"START END ATTEMPTS": the times around the accepted attempt (the milter
signs inside it, before Postfix answers 250) and how many attempts it took.
Prints "submitted N in S s, R deferred and retried"; exit 1 on failure.
"""
import os
import smtplib
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load_submit import PER_SESSION, Submitter, run  # noqa: E402

MAX_ATTEMPTS = 300  # x RETRY_PAUSE: a milter down for up to a minute
RETRY_PAUSE = 0.2


class RetryingSubmitter(Submitter):
    def __init__(self, *args):
        super().__init__(*args)
        self.retried = 0

    def send_once(self, smtp, n, user, wire):
        start = time.time()
        refused = smtp.sendmail(user, ["rcpt@dest.example"], wire)
        if refused:
            raise RuntimeError(f"message {n} refused: {refused}")
        return start, time.time()

    def deliver(self, state, n, user):
        wire = self.keep(n, user)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                if state["smtp"] is None or state["sent"] >= PER_SESSION:
                    self.close(state)
                    state["smtp"] = self.session(user)
                start, end = self.send_once(state["smtp"], n, user, wire)
                state["sent"] += 1
                with open(f"{self.outdir}/{n}.window", "w") as f:
                    f.write(f"{start:.6f} {end:.6f} {attempt}\n")
                if attempt > 1:
                    with self.lock:
                        self.retried += 1
                return
            except smtplib.SMTPResponseException as e:
                if not 400 <= e.smtp_code < 500:
                    raise
            except (smtplib.SMTPServerDisconnected, ConnectionError, OSError):
                pass
            self.close(state)
            time.sleep(RETRY_PAUSE)
        raise RuntimeError(f"message {n}: still deferred after {MAX_ATTEMPTS} attempts")

    def close(self, state):
        if state["smtp"] is not None:
            try:
                state["smtp"].quit()
            except (smtplib.SMTPException, OSError):
                pass
        state["smtp"], state["sent"] = None, 0

    def run_connection(self, numbers, user):
        state = {"smtp": None, "sent": 0}
        try:
            for n in numbers:
                self.deliver(state, n, user)
            self.close(state)
        except Exception as e:  # reported, and the exit status says so
            with self.lock:
                self.errors.append(f"{user}: {type(e).__name__}: {e}")


if __name__ == "__main__":
    sys.exit(run(sys.argv, RetryingSubmitter, "milter_load_submit.py", __doc__,
                 lambda sub: f", {sub.retried} deferred and retried"))
