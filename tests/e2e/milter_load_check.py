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
import collections
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
    problems, seen, keys_used = [], collections.Counter(), collections.defaultdict(set)
    signatures = retried = 0
    for path, n, sigs, ok in results:
        if n is None or not 0 <= n < count:
            problems.append(f"{path}: not a load test message")
            continue
        seen[n] += 1
        signatures += len(sigs)
        with open(f"{sent}/{n}.user") as f:
            user = f.read().strip()
        with open(f"{sent}/{n}.window") as f:
            start, end, attempts = f.read().split()
        retried += int(attempts) > 1
        domain = user.split("@")[1]
        with open(path, "rb") as f, open(f"{sent}/{n}.eml", "rb") as g:
            if load_check.strip_added(f.read()) != g.read():
                problems.append(f"message {n}: delivered {path} differs from the sent one")
        if not sigs:
            problems.append(f"message {n}: delivered unsigned")
            continue
        if not ok:
            problems.append(f"message {n}: a signature does not verify ({sigs})")
        if any(d != domain for d, _ in sigs):
            problems.append(f"message {n}: signed for {sigs}, sender domain {domain}")
        used = frozenset(sel for _, sel in sigs)
        allowed = timeline.allowed(user, float(start), float(end))
        if len(used) != len(sigs) or used not in allowed:
            problems.append(f"message {n}: signed with {sorted(used)}, but {user} had "
                            f"{[sorted(a) for a in allowed]} while it was submitted")
        for _, sel in sigs:
            keys_used[domain].add(sel)
    missing = [n for n in range(count) if seen[n] == 0]
    dupes = [n for n, c in seen.items() if c > 1]
    if missing:
        problems.append(f"{len(missing)} messages never delivered, e.g. {missing[:10]}")
    if dupes:
        problems.append(f"{len(dupes)} messages delivered more than once, e.g. {dupes[:10]}")
    for d, sels in sorted(keys_used.items()):
        if len({s for s in sels if s.startswith("r")}) < 2:
            problems.append(f"{d}: signed with {sorted(sels)} only; no rotation during the load")
    if retried < min_retried:
        problems.append(f"only {retried} messages were deferred and retried, expected at least {min_retried}")
    print(f"delivered={len(files)} unique={len(seen)} signatures={signatures} retried={retried} "
          f"keys_used={sum(len(v) for v in keys_used.values())}")
    for p in problems[:20]:
        print("milter_load_check.py: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
