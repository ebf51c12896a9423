#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent DKIM verifier on dkimpy (Debian python3-dkim), for the interop tests.

    dkimpy_verify.py KEYFILE MESSAGE...

KEYFILE: one key per line, "SELECTOR._domainkey.DOMAIN<whitespace>TXT-VALUE"
(the file libopendkim reads). dkimpy's dnsfunc hook answers from it; DNS is
never used. Messages are read as they are on disk (the caller converts them
to CRLF, the SMTP wire form).

For every DKIM-Signature one line goes to stdout:
    FILE <TAB> DOMAIN <TAB> SELECTOR <TAB> ALGORITHM <TAB> pass|fail <TAB> DETAIL
and "FILE - - - none DETAIL" when there is no signature (or dkimpy cannot
parse the message at all).
Must run under /usr/bin/python3 (Debian's python3-dkim).
"""
import logging
import sys

import dkim
from dkim.util import parse_tag_value


class ListLog(logging.Handler):
    """Collects dkimpy's log records so a failure can say why."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        if record.levelno >= logging.INFO:
            self.lines.append(record.getMessage())


def load_keys(path):
    keys = {}
    with open(path, "rb") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(b"#"):
                continue
            name, _, value = line.partition(b" ")
            if not value:
                name, _, value = line.partition(b"\t")
            keys[name.lower().rstrip(b".")] = value.strip()
    return keys


def verify_file(path, keys):
    def dnsfunc(name, timeout=5):
        # dkimpy asks for "sel._domainkey.domain." and treats None as no record
        return keys.get(name.lower().rstrip(b"."))

    with open(path, "rb") as f:
        message = f.read()
    log = logging.getLogger("dkimpy_verify")
    handler = ListLog()
    log.handlers = [handler]
    log.setLevel(logging.DEBUG)
    log.propagate = False
    try:
        d = dkim.DKIM(message, logger=log)
    except dkim.DKIMException as e:
        return ["%s\t-\t-\t-\tnone\tparse error: %s" % (path, e)]
    sigs = [v for k, v in d.headers if k.lower() == b"dkim-signature"]
    if not sigs:
        return ["%s\t-\t-\t-\tnone\tno DKIM-Signature" % path]
    out = []
    for idx, value in enumerate(sigs):
        try:
            tags = parse_tag_value(value)
        except Exception:  # a mangled foreign signature: report, go on
            tags = {}
        dom = tags.get(b"d", b"-").decode(errors="replace")
        sel = tags.get(b"s", b"-").decode(errors="replace")
        alg = tags.get(b"a", b"-").decode(errors="replace")
        handler.lines.clear()
        try:
            ok = dkim.DKIM(message, logger=log).verify(idx=idx, dnsfunc=dnsfunc)
            detail = "valid" if ok else "invalid"
        except dkim.DKIMException as e:
            ok, detail = False, "%s: %s" % (type(e).__name__, e)
        if handler.lines and not ok:
            detail += " (" + "; ".join(handler.lines)[:300] + ")"
        out.append("%s\t%s\t%s\t%s\t%s\t%s" % (path, dom, sel, alg, "pass" if ok else "fail", detail))
    return out


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: dkimpy_verify.py KEYFILE MESSAGE...\n")
        return 2
    keys = load_keys(argv[1])
    for path in argv[2:]:
        for line in verify_file(path, keys):
            print(line.replace("\n", " ").replace("\r", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
