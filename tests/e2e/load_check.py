#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks the outcome of the load test and measures it.

usage: load_check.py COUNT SENTDIR MAILDIR KEYMAP EVENTS RUNS MAILLOG START
  SENTDIR  N.eml (as sent) and N.user (its SASL user), N = 0..COUNT-1
  MAILDIR  the delivered messages (new/)
  KEYMAP   every DNS record ever published (`key dns` output), kept after
           the key's deletion
  EVENTS   "BEGIN END USER SELECTORS" per selector change (times around the
           admin command, the initial setting included)
  RUNS     "START END STATUS QUEUE_ID USER" per filter run (the wrapper)
  MAILLOG  Postfix's log (queue id -> Message-ID)
  START    when the submission started (epoch seconds)

Every number must be delivered exactly once, equal to what was sent below
the added fields, carry one valid signature (dkimpy, against KEYMAP) per
selector of its user, and the selectors must be ones the user had at some
moment of its filter run -- the key current when it was signed. Up to and
exactly 10 filter runs (the example's maxproc) must have overlapped, and
each domain must have signed with more than one RSA key. Prints the counts,
the throughput and how many filter runs overlapped.
Exit 1 if anything is wrong (the first problems are listed).
"""
import collections
import multiprocessing
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from verify_dkim import parse_dns  # noqa: E402  (the harness's DNS reader)

import dkim  # noqa: E402

ADDED = re.compile(rb"^(return-path|delivered-to|x-original-to|received|dkim-signature):", re.I)
SUBJECT = re.compile(rb"^Subject: load (\d+)$", re.M)
RECORDS = {}


def strip_added(raw):
    """The message below the fields the MTA and the filter put on top (as
    lib.sh's message_intact)."""
    lines = raw.split(b"\n")
    i = 0
    while i < len(lines) and (lines[i][:1] in (b" ", b"\t") or ADDED.match(lines[i])):
        i += 1
    return b"\n".join(lines[i:])


def signature_tags(raw):
    """[(d, s)] of the DKIM-Signature fields, in order."""
    head = raw.split(b"\n\n", 1)[0]
    out = []
    for field in re.split(rb"\n(?![ \t])", head):
        if field.lower().startswith(b"dkim-signature:"):
            flat = re.sub(rb"\s+", b"", field.split(b":", 1)[1])
            tags = dict(t.split(b"=", 1) for t in flat.split(b";") if b"=" in t)
            out.append((tags.get(b"d", b"").decode(), tags.get(b"s", b"").decode()))
    return out


def dnsfunc(name, timeout=5):
    key = name.decode() if isinstance(name, bytes) else name
    value = RECORDS.get(key.rstrip(".").lower())
    return value.encode() if value is not None else None


def verify_file(path):
    """(path, number or None, [(d, s)], all signatures valid)."""
    with open(path, "rb") as f:
        raw = f.read()
    m = SUBJECT.search(raw.split(b"\n\n", 1)[0])
    sigs = signature_tags(raw)
    d = dkim.DKIM(raw)
    ok = bool(sigs)
    for idx in range(len(sigs)):
        try:
            ok = d.verify(idx=idx, dnsfunc=dnsfunc) and ok
        except dkim.DKIMException:
            ok = False
    return path, int(m.group(1)) if m else None, sigs, ok


class Timeline:
    """Which selector lists each user may have had during a time window."""

    def __init__(self, path):
        self.events = collections.defaultdict(list)
        with open(path) as f:
            for line in f:
                t0, t1, user, sels = line.split()
                self.events[user].append((float(t0), float(t1), frozenset(sels.split(","))))

    def allowed(self, user, start, end):
        evs = self.events.get(user, [])
        before = [e for e in evs if e[1] <= start]
        out = {before[-1][2]} if before else set()
        out.update(e[2] for e in evs if e[0] < end and e[1] > start)
        return out


def read_runs(path):
    runs = []
    with open(path) as f:
        for line in f:
            s, e, rc, qid, user = line.split()
            runs.append((float(s), float(e), int(rc), qid, user))
    return runs


def overlap(runs):
    """(max concurrent runs, time-weighted mean while any ran, seconds at 10)."""
    points = sorted([(r[0], 1) for r in runs] + [(r[1], -1) for r in runs])
    level = peak = 0
    busy = weighted = at_ten = 0.0
    last = points[0][0] if points else 0
    for t, step in points:
        if level > 0:
            busy += t - last
            weighted += level * (t - last)
        if level >= 10:
            at_ten += t - last
        level += step
        peak = max(peak, level)
        last = t
    return peak, (weighted / busy if busy else 0), at_ten


def queue_ids(maillog):
    ids = {}
    pattern = re.compile(r"\]: ([0-9A-Za-z]+): message-id=<load-(\d+)@e2e\.test>")
    with open(maillog, errors="replace") as f:
        for line in f:
            m = pattern.search(line)
            if m:
                ids[m.group(1)] = int(m.group(2))
    return ids


def check_deliveries(results, count, sent, timeline, window, during, problem):
    """The checks both load tests make of what was delivered. `results`:
    verify_file's (path, n, sigs, ok) per delivered file; every number
    0..count-1 must be there exactly once, equal below the added fields to
    SENTDIR/N.eml, signed (every signature valid, d= the sender's domain)
    with exactly the selectors its user (SENTDIR/N.user) had at some moment
    of `window(n, user)` -- (start, end) of the signing, or None when that
    is unknown (window reported why) -- `during` naming that moment in the
    problems. Each sender domain must have signed with more than one RSA key
    (the rotation names them r...). Returns (seen, signatures, valid,
    keys_used): a Counter per number, the signatures and valid ones, the
    selectors used per domain."""
    seen, keys_used, domains = collections.Counter(), collections.defaultdict(set), set()
    signatures = valid = 0
    for path, n, sigs, ok in results:
        if n is None or not 0 <= n < count:
            problem(f"{path}: not a load test message")
            continue
        seen[n] += 1
        signatures += len(sigs)
        valid += len(sigs) if ok else 0
        for d, sel in sigs:
            keys_used[d].add(sel)
        with open(f"{sent}/{n}.user") as f:
            user = f.read().strip()
        domain = user.split("@")[1]
        domains.add(domain)
        with open(path, "rb") as f, open(f"{sent}/{n}.eml", "rb") as g:
            if strip_added(f.read()) != g.read():
                problem(f"message {n}: delivered {path} differs from the sent one")
        if not sigs:
            problem(f"message {n}: delivered unsigned")
            continue
        if not ok:
            problem(f"message {n}: a signature does not verify ({sigs})")
        if any(d != domain for d, _ in sigs):
            problem(f"message {n}: signed for {sigs}, sender domain {domain}")
        span = window(n, user)
        if span is None:
            continue
        used = frozenset(sel for _, sel in sigs)
        allowed = timeline.allowed(user, *span)
        if len(used) != len(sigs) or used not in allowed:
            problem(f"message {n}: signed with {sorted(used)}, but {user} had "
                    f"{[sorted(a) for a in allowed]} while it was {during}")
    missing = [n for n in range(count) if seen[n] == 0]
    dupes = [n for n, c in seen.items() if c > 1]
    if missing:
        problem(f"{len(missing)} messages never delivered, e.g. {missing[:10]}")
    if dupes:
        problem(f"{len(dupes)} messages delivered more than once, e.g. {dupes[:10]}")
    # The point is signing while keys change.
    for d in sorted(domains):
        rsa = {sel for sel in keys_used[d] if sel.startswith("r")}
        if len(rsa) < 2:
            problem(f"{d}: signed with {sorted(rsa)} only; no rotation during the load")
    return seen, signatures, valid, keys_used


class Checker:
    def __init__(self, argv):
        self.count = int(argv[1])
        self.sent, self.maildir = argv[2], argv[3]
        self.timeline = Timeline(argv[5])
        self.runs = read_runs(argv[6])
        self.qids = queue_ids(argv[7])
        self.start = float(argv[8])
        self.problems = []
        self.keys_used = {}

    def problem(self, text):
        self.problems.append(text)

    def signing_windows(self):
        """number -> (start, end, user) of its one successful filter run."""
        windows = {}
        for s, e, rc, qid, user in self.runs:
            if rc != 0:
                continue
            n = self.qids.get(qid)
            if n is None:
                self.problem(f"filter run for queue id {qid} matches no load message")
            elif n in windows:
                self.problem(f"message {n} went through the filter twice")
            else:
                windows[n] = (s, e, user)
        return windows

    def window(self, windows):
        """window(n, user) for check_deliveries: the successful filter run."""
        def of(n, user):
            if n not in windows:
                self.problem(f"message {n}: no successful filter run recorded")
                return None
            s, e, run_user = windows[n]
            if run_user != user:
                self.problem(f"message {n}: filter ran for user {run_user}, sent by {user}")
            return s, e
        return of

    def run(self):
        files = [os.path.join(self.maildir, f) for f in os.listdir(self.maildir)]
        with multiprocessing.Pool(2) as pool:
            results = pool.map(verify_file, files, chunksize=50)
        seen, signatures, valid, self.keys_used = check_deliveries(
            results, self.count, self.sent, self.timeline, self.window(self.signing_windows()), "filtered",
            self.problem)
        peak = overlap(self.runs)[0]
        # The example's dkimfilter service allows 10 processes: the load
        # must reach them, and Postfix must not exceed them.
        if peak != 10:
            self.problem(f"at most {peak} filter runs overlapped, expected 10")
        self.report(files, len(seen), signatures, valid)

    def report(self, files, unique, signatures, valid):
        last = max(os.stat(f).st_mtime for f in files) if files else self.start
        took = last - self.start
        peak, mean, at_ten = overlap(self.runs)
        failed = sum(1 for r in self.runs if r[2] != 0)
        durations = [r[1] - r[0] for r in self.runs]
        print(f"delivered={len(files)} unique={unique} signatures={signatures} valid={valid} "
              f"keys_used={sum(len(v) for v in self.keys_used.values())}")
        print(f"filter_runs={len(self.runs)} failed_runs={failed} max_parallel={peak} "
              f"mean_parallel={mean:.1f} seconds_at_10={at_ten:.1f} "
              f"mean_run_ms={1000 * sum(durations) / max(len(durations), 1):.1f}")
        print(f"end_to_end_seconds={took:.1f} throughput={len(files) / took if took > 0 else 0:.1f} msg/s")


def main(argv):
    if len(argv) != 9:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[4], encoding="utf-8") as f:
        RECORDS.update(parse_dns(f.read()))
    checker = Checker(argv)
    checker.run()
    for p in checker.problems[:20]:
        print("load_check.py: " + p, file=sys.stderr)
    if len(checker.problems) > 20:
        print(f"load_check.py: ... {len(checker.problems) - 20} more problems", file=sys.stderr)
    return 1 if checker.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
