#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks one dkim-filter output against its input (dkim-filter(8): the output
is the input, byte for byte, with zero or more DKIM-Signature: fields prepended).

    check_output.py INPUT OUTPUT DNSFILE [--expect signed|unsigned|any]

DNSFILE: `dkim-filter-admin key dns` lines (NAME TXT "v=DKIM1; ..."), served
to dkimpy through its dnsfunc hook; no DNS is used.
Prints "unsigned" or "signed N" and exits 0 when OUTPUT is INPUT unchanged,
or INPUT with N >= 1 prepended DKIM-Signature fields that all verify with
dkimpy. Exits 1 with a reason otherwise. Must run under /usr/bin/python3.
"""
import re
import sys

import dkim


def load_dns(path):
    records = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r'^(\S+)\s+(?:IN\s+)?TXT\s+(.*)$', line.strip())
            if m:
                parts = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
                records[m.group(1).rstrip(".").lower()] = "".join(parts) if parts else m.group(2)
    return records


def split_prepended(output):
    """The leading DKIM-Signature fields (with their folded lines) and the rest."""
    fields = []
    pos = 0
    while output[pos:pos + 15].lower() == b"dkim-signature:":
        end = pos
        while True:
            nl = output.find(b"\n", end)
            if nl < 0:
                return fields, output[pos:]
            end = nl + 1
            if output[end:end + 1] not in (b" ", b"\t"):
                break
        fields.append(output[pos:end])
        pos = end
    return fields, output[pos:]


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    expect = argv[5] if len(argv) > 5 and argv[4] == "--expect" else "any"
    data_in = open(argv[1], "rb").read()
    data_out = open(argv[2], "rb").read()
    records = load_dns(argv[3])
    if data_out == data_in:
        if expect == "signed":
            print("FAIL: expected a signature, output is the input unchanged")
            return 1
        print("unsigned")
        return 0
    prefix = data_out[:len(data_out) - len(data_in)]
    fields, rest = split_prepended(prefix)
    if not data_out.endswith(data_in) or not fields or rest:
        print("FAIL: output is neither the input nor signature fields + the input "
              f"(in {len(data_in)} bytes, out {len(data_out)} bytes, {len(fields)} leading fields)")
        return 1
    if expect == "unsigned":
        print("FAIL: expected the input unchanged, got %d signature(s)" % len(fields))
        return 1

    def dnsfunc(name, timeout=5):
        key = name.decode() if isinstance(name, bytes) else name
        value = records.get(key.rstrip(".").lower())
        return value.encode() if value is not None else None

    # dkimpy reads the message as on the wire: CRLF line ends.
    wire = re.sub(rb"(?<!\r)\n", b"\r\n", data_out)
    d = dkim.DKIM(wire)
    for idx in range(len(fields)):
        try:
            ok = d.verify(idx=idx, dnsfunc=dnsfunc)
        except Exception as e:  # dkimpy raises on malformed input
            print(f"FAIL: signature {idx}: dkimpy exception {e!r}")
            return 1
        if not ok:
            print(f"FAIL: signature {idx} does not verify with dkimpy")
            return 1
    print("signed %d" % len(fields))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
