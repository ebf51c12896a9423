#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Searches a live process's memory for secrets (needs ptrace access: root).

    scan_memory.py PID NEEDLEFILE

NEEDLEFILE: one needle per line (e.g. 24-character slices of a PEM key's
base64 lines). Prints each needle found with the mapping it was found in;
exits 1 if any was found, 0 if none, 2 if the memory could not be read.
"""
import sys


def main(argv):
    pid = argv[1]
    needles = [l.strip().encode() for l in open(argv[2]) if l.strip()]
    found = 0
    try:
        maps = open(f"/proc/{pid}/maps").read().splitlines()
        mem = open(f"/proc/{pid}/mem", "rb", buffering=0)
    except OSError as e:
        print(f"cannot read memory of {pid}: {e}")
        return 2
    scanned = 0
    for line in maps:
        fields = line.split()
        if "r" not in fields[1]:
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        name = fields[5] if len(fields) > 5 else "[anon]"
        # Skip kernel pages and huge reservations (ASan's shadow memory).
        if name in ("[vvar]", "[vsyscall]") or end - start > (256 << 20):
            continue
        try:
            mem.seek(start)
            data = mem.read(end - start)
        except (OSError, OverflowError, ValueError, MemoryError):
            continue
        scanned += len(data)
        for n in needles:
            if n in data:
                print(f"found {n.decode()} in {name} ({fields[0]})")
                found += 1
    if scanned == 0:
        print("no memory could be read")
        return 2
    return 1 if found else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as e:  # a scanner failure is not a finding
        print(f"scan failed: {e!r}")
        sys.exit(2)
