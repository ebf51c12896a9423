#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks the outcome of the milter load test.

usage: milter_load_check.py COUNT SENTDIR MAILDIR KEYMAP EVENTS MIN_RETRIED
  SENTDIR  N.eml, N.user, N.window (milter_load_submit.py)
  MAILDIR  the delivered messages (new/)
  KEYMAP   every DNS record ever published (kept after the key's deletion)
  EVENTS   "BEGIN END USER SELECTORS" per selector change

Every number must be delivered exactly once, equal to what was sent below
the added fields, with one valid signature (dkimpy, against KEYMAP) per
selector its user had at some moment of the accepted submission (the
milter signs before Postfix answers), d= the sender's domain; none may be
unsigned. Each domain must have signed with more than one RSA key, and at
least MIN_RETRIED messages must have been deferred and then delivered (the
milter was killed under load). Prints the counts; exit 1 if anything is wrong.
"""
import multiprocessing
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import load_check  # noqa: E402
from verify_dkim import parse_dns  # noqa: E402


def main(argv):
    if len(argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    count, sent, maildir = int(argv[1]), argv[2], argv[3]
    with open(argv[4], encoding="utf-8") as f:
        load_check.RECORDS.update(parse_dns(f.read()))
    timeline = load_check.Timeline(argv[5])
    min_retried = int(argv[6])
    files = [os.path.join(maildir, f) for f in os.listdir(maildir)]
    with multiprocessing.Pool(2) as pool:
        results = pool.map(load_check.verify_file, files, chunksize=50)
    problems, retried = [], 0

    def window(n, user):
        # The milter signs inside the accepted attempt, before Postfix's 250.
        nonlocal retried
        with open(f"{sent}/{n}.window") as f:
            start, end, attempts = f.read().split()
        retried += int(attempts) > 1
        return float(start), float(end)

    seen, signatures, _, keys_used = load_check.check_deliveries(
        results, count, sent, timeline, window, "submitted", problems.append)
    if retried < min_retried:
        problems.append(f"only {retried} messages were deferred and retried, expected at least {min_retried}")
    print(f"delivered={len(files)} unique={len(seen)} signatures={signatures} retried={retried} "
          f"keys_used={sum(len(v) for v in keys_used.values())}")
    for p in problems[:20]:
        print("milter_load_check.py: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
