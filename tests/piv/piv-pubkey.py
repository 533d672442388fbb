#!/usr/bin/python3
"""piv-pubkey.py: the public key a PIV card gave, as a PEM SubjectPublicKeyInfo.

Reads on standard input what "opensc-tool -s APDU ..." printed, where the
last APDU was a GENERATE ASYMMETRIC KEY PAIR (00 47 00 SLOT ... 00), and
writes to standard output the key of its answer, 7F49 { 81 n, 82 e } (RSA)
or 7F49 { 86 point } (EC, P-256 or P-384), as PEM.  Exits 1 with a message
if the card said anything else.  Needs python3-cryptography.
"""

import re
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

HEX_WIDTH = 48  # opensc-tool prints 16 bytes as "XX " then their ASCII


def last_answer(text):
    """The bytes of the last answer, which must end with SW 9000."""
    blocks = re.split(r"^Received \(SW1=0x([0-9a-fA-F]{2}), "
                      r"SW2=0x([0-9a-fA-F]{2})\):\n", text, flags=re.M)
    if len(blocks) < 4:
        sys.exit("piv-pubkey.py: no answer in opensc-tool's output")
    sw = blocks[-3] + blocks[-2]
    if sw.lower() != "9000":
        sys.exit("piv-pubkey.py: the card answered %s" % sw)
    data = bytearray()
    for line in blocks[-1].splitlines():
        if line.startswith("Sending:"):
            break
        data += bytes.fromhex(line[:HEX_WIDTH])
    return bytes(data)


def tlvs(data):
    """(tag, value) pairs; tags of one or two bytes, lengths up to 0x82."""
    i = 0
    while i < len(data):
        tag = data[i]
        i += 1
        if tag & 0x1F == 0x1F:
            tag = tag << 8 | data[i]
            i += 1
        n = data[i]
        i += 1
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(data[i:i + k], "big")
            i += k
        if i + n > len(data):
            sys.exit("piv-pubkey.py: truncated answer")
        yield tag, data[i:i + n]
        i += n


def main():
    answer = last_answer(sys.stdin.read())
    outer = list(tlvs(answer))
    if len(outer) != 1 or outer[0][0] != 0x7F49:
        sys.exit("piv-pubkey.py: not a 7F49 public key template")
    fields = dict(tlvs(outer[0][1]))
    if 0x86 in fields:
        point = fields[0x86]
        curve = {65: ec.SECP256R1(), 97: ec.SECP384R1()}.get(len(point))
        if curve is None:
            sys.exit("piv-pubkey.py: an EC point of %d bytes" % len(point))
        key = ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
    elif 0x81 in fields and 0x82 in fields:
        n = int.from_bytes(fields[0x81], "big")
        e = int.from_bytes(fields[0x82], "big")
        key = rsa.RSAPublicNumbers(e, n).public_key()
    else:
        sys.exit("piv-pubkey.py: neither 86 nor 81 and 82 in 7F49")
    sys.stdout.write(key.public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo).decode())


if __name__ == "__main__":
    main()
