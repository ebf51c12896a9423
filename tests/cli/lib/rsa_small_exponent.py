#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes a PKCS#1 RSA private key with public exponent E (default 1) as PEM.

OpenSSL refuses to generate e=1, so the key is built from the primes of a
freshly generated one: d = e^-1 mod lcm(p-1, q-1) (for e=1, d=1) and the
CRT values of RFC 8017 A.1.2, DER-encoded by hand.
    rsa_small_exponent.py [E [bad-crt]] > key.pem
With bad-crt, dQ is off by two: a key whose CRT values disagree with d.
"""
import base64
import math
import subprocess
import sys


def read_der(data, pos=0):
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(data[pos:pos + n], "big")
        pos += n
    return tag, data[pos:pos + length], pos + length


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der_int(v):
    b = v.to_bytes(v.bit_length() // 8 + 1, "big")  # leading zero keeps it positive
    return b"\x02" + der_len(len(b)) + b


def main():
    e = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    der = subprocess.run(
        "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null"
        " | openssl rsa -traditional -outform DER 2>/dev/null",
        shell=True, check=True, stdout=subprocess.PIPE).stdout
    _, body, _ = read_der(der)
    ints, pos = [], 0
    while pos < len(body):
        _, value, pos = read_der(body, pos)
        ints.append(int.from_bytes(value, "big"))
    p, q = ints[4], ints[5]
    lam = (p - 1) * (q - 1) // math.gcd(p - 1, q - 1)
    d = pow(e, -1, lam) if e > 1 else 1
    fields = [0, p * q, e, d, p, q, d % (p - 1), d % (q - 1), pow(q, -1, p)]
    if len(sys.argv) > 2 and sys.argv[2] == "bad-crt":
        fields[7] += 2
    seq = b"".join(der_int(v) for v in fields)
    out = base64.b64encode(b"\x30" + der_len(len(seq)) + seq).decode()
    print("-----BEGIN RSA PRIVATE KEY-----")
    for i in range(0, len(out), 64):
        print(out[i:i + 64])
    print("-----END RSA PRIVATE KEY-----")


main()
