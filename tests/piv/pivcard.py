#!/usr/bin/python3
"""pivcard.py: a minimal virtual PIV card, for tests.

The card application of NIST SP 800-73-4 (PIV), as much of it as OpenSC's
PIV driver needs to use the card through opensc-pkcs11.so, on Debian's
python3-virtualsmartcard (vicc): the card connects to the vpcd reader of
pcscd (127.0.0.1:35963 unless told otherwise) and answers its APDUs.

What it answers (anything else: 6D00, or 6A82 for an unknown object):

  SELECT (A4)        the PIV AID A0 00 00 03 08 (or longer, up to the
                     full AID): the application property template
  GET DATA (CB)      the discovery object (5C 01 7E) and the objects
                     stored by PUT DATA (5C 03 5F C1 xx), as 53 {...}
  PUT DATA (DB)      5C tag + 53 value; an empty 53 deletes
  VERIFY (20, 80)    the PIN (123456 padded with FF to 8 bytes); 3 tries,
                     then blocked (6983); a wrong PIN answers 63Cx, x the
                     tries left; no data asks the state (9000 or 63Cx);
                     P1 FF logs out
  GENERATE ASYMMETRIC KEY PAIR (47)
                     slot 9A, 9C, 9D or 9E; AC { 80 alg }: 07 RSA-2048,
                     11 P-256, 14 P-384; answers 7F49 { 81 n, 82 e } or
                     7F49 { 86 point }; the new key replaces the old
  GENERAL AUTHENTICATE (87)
                     after VERIFY: 7C { 82 empty, 81 data }: raw RSA
                     (OpenSC pads and unpads) or ECDSA over a digest (DER
                     out); 7C { 82 empty, 85 point }: ECDH, the shared
                     x-coordinate; answers 7C { 82 result }
  GET RESPONSE (C0)  the rest of a long answer (61xx)

Command chaining (CLA 10) is accepted for every command.  Answers longer
than the command's Le (256 for short APDUs) go out as 61xx + GET RESPONSE.

Not a real card: no 9B management key (PUT DATA and key generation are
open to anyone), no PUK, no secure messaging.  The keys are made on the
card and never leave it, except into the state file (--state), where the
card keeps its keys, objects and PIN counter between runs.

Usage: pivcard.py [--host H] [--port P] [--state FILE] [--log FILE]

Needs /usr/bin/python3 with Debian's python3-virtualsmartcard (whose
modules are in /usr/lib/python3/site-packages/virtualsmartcard, off
sys.path, and import "Crypto", which Debian calls "Cryptodome": see
tests/piv/piv-lib.sh for the PYTHONPATH that works around both) and
python3-cryptography.
"""

import argparse
import functools
import hmac
import json
import logging
import operator
import os
import socket
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, utils

try:
    from virtualsmartcard.VirtualSmartcard import SmartcardOS, VirtualICC
except ImportError as e:
    sys.exit("pivcard.py: cannot import virtualsmartcard (%s): set "
             "PYTHONPATH as tests/piv/piv-lib.sh does" % e)

log = logging.getLogger("pivcard")
log.propagate = False  # vicc's own messages stay apart

PIV_AID = bytes.fromhex("a000000308000010000100")
PIV_RID = PIV_AID[:5]
# TS 3B, T0 85 (TD1, 5 historical bytes), TD1 01 (T=1), "sceau", TCK:
# an ATR that no other OpenSC driver claims, so that the PIV driver probes
# the card by selecting its AID.
ATR = bytes.fromhex("3b8501") + b"sceau"
ATR += bytes([functools.reduce(operator.xor, ATR[1:])])

PIN = b"123456".ljust(8, b"\xff")
PIN_TRIES = 3
SLOTS = (0x9A, 0x9C, 0x9D, 0x9E)
ALG_RSA2048 = 0x07
ALG_P256 = 0x11
ALG_P384 = 0x14
CURVES = {ALG_P256: ec.SECP256R1(), ALG_P384: ec.SECP384R1()}
OBJECT_MAX = 8192
DIGESTS = {20: hashes.SHA1(), 28: hashes.SHA224(), 32: hashes.SHA256(),
           48: hashes.SHA384(), 64: hashes.SHA512()}

SW_OK = 0x9000
SW_WRONG_LENGTH = 0x6700
SW_NOT_SATISFIED = 0x6982
SW_BLOCKED = 0x6983
SW_CONDITIONS = 0x6985
SW_WRONG_DATA = 0x6A80
SW_NOT_FOUND = 0x6A82
SW_WRONG_P1P2 = 0x6A86
SW_REF_NOT_FOUND = 0x6A88
SW_INS = 0x6D00
SW_CLA = 0x6E00
SW_UNKNOWN = 0x6F00


class QuickAckSocket:
    """vicc's socket to vpcd, acknowledging every read at once.

    vpcd writes each APDU's length and bytes separately: with Nagle's
    algorithm on its side and delayed acknowledgments on ours, every APDU
    would wait some 40 ms for the acknowledgment of its length."""

    def __init__(self, sock):
        self.sock = sock

    def recv(self, n):
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        return self.sock.recv(n)

    def __getattr__(self, name):
        return getattr(self.sock, name)


class CardError(Exception):
    """An error answered as a status word."""

    def __init__(self, sw):
        super().__init__("%04X" % sw)
        self.sw = sw


# ------------------------------------------------------------ BER-TLV

def tlv(tag, value):
    """One TLV: tag (int, one to three bytes), DER length, value."""
    t = tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")
    n = len(value)
    if n < 0x80:
        ln = bytes([n])
    elif n < 0x100:
        ln = bytes([0x81, n])
    elif n < 0x10000:
        ln = bytes([0x82]) + n.to_bytes(2, "big")
    else:
        raise CardError(SW_UNKNOWN)
    return t + ln + value


def tlv_parse(data):
    """The TLVs of data, as a list of (tag, value); 6A80 if malformed."""
    out = []
    i = 0
    while i < len(data):
        start = i
        if data[i] & 0x1F == 0x1F:
            i += 1
            while i < len(data) and data[i] & 0x80:
                i += 1
        i += 1
        if i > len(data) or i - start > 3:
            raise CardError(SW_WRONG_DATA)
        tag = int.from_bytes(data[start:i], "big")
        if i >= len(data):
            raise CardError(SW_WRONG_DATA)
        n = data[i]
        i += 1
        if n & 0x80:
            k = n & 0x7F
            if k == 0 or k > 2 or i + k > len(data):
                raise CardError(SW_WRONG_DATA)
            n = int.from_bytes(data[i:i + k], "big")
            i += k
        if n > len(data) - i:
            raise CardError(SW_WRONG_DATA)
        out.append((tag, bytes(data[i:i + n])))
        i += n
    return out


def tlv_one(data, tag):
    """The value of data, which must be exactly one TLV of tag tag."""
    items = tlv_parse(data)
    if len(items) != 1 or items[0][0] != tag:
        raise CardError(SW_WRONG_DATA)
    return items[0][1]


# --------------------------------------------------------------- APDU

def parse_apdu(msg):
    """(cla, ins, p1, p2, data, le) of a short or extended command APDU;
    le is None when absent, else the number of bytes asked for."""
    if len(msg) < 4:
        raise CardError(SW_WRONG_LENGTH)
    cla, ins, p1, p2 = msg[:4]
    body = msg[4:]
    if not body:
        return cla, ins, p1, p2, b"", None
    if len(body) == 1:
        return cla, ins, p1, p2, b"", body[0] or 256
    if body[0] != 0:  # short Lc
        n = body[0]
        if len(body) == 1 + n:
            return cla, ins, p1, p2, bytes(body[1:]), None
        if len(body) == 2 + n:
            return cla, ins, p1, p2, bytes(body[1:1 + n]), body[-1] or 256
        raise CardError(SW_WRONG_LENGTH)
    if len(body) == 3:  # extended Le only
        return cla, ins, p1, p2, b"", int.from_bytes(body[1:3], "big") or 65536
    n = int.from_bytes(body[1:3], "big")
    if n == 0:
        raise CardError(SW_WRONG_LENGTH)
    if len(body) == 3 + n:
        return cla, ins, p1, p2, bytes(body[3:]), None
    if len(body) == 5 + n:
        le = int.from_bytes(body[-2:], "big") or 65536
        return cla, ins, p1, p2, bytes(body[3:3 + n]), le
    raise CardError(SW_WRONG_LENGTH)


# ---------------------------------------------------------------- keys

def key_public_template(alg, key):
    """7F49 {...}: what GENERATE ASYMMETRIC KEY PAIR answers."""
    pub = key.public_key()
    if alg == ALG_RSA2048:
        nums = pub.public_numbers()
        n = nums.n.to_bytes(256, "big")
        e = nums.e.to_bytes((nums.e.bit_length() + 7) // 8, "big")
        return tlv(0x7F49, tlv(0x81, n) + tlv(0x82, e))
    point = pub.public_bytes(serialization.Encoding.X962,
                             serialization.PublicFormat.UncompressedPoint)
    return tlv(0x7F49, tlv(0x86, point))


def key_generate(alg):
    if alg == ALG_RSA2048:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg in CURVES:
        return ec.generate_private_key(CURVES[alg])
    raise CardError(SW_WRONG_DATA)


def key_rsa_raw(key, data):
    """data^d mod n: OpenSC adds and removes the padding itself."""
    nums = key.private_numbers()
    n = nums.public_numbers.n
    if len(data) != 256:
        raise CardError(SW_WRONG_DATA)
    c = int.from_bytes(data, "big")
    if c >= n:
        raise CardError(SW_WRONG_DATA)
    return pow(c, nums.d, n).to_bytes(256, "big")


def key_ecdsa(key, digest):
    """DER ECDSA over a digest made by the host."""
    if len(digest) not in DIGESTS:
        raise CardError(SW_WRONG_DATA)
    algo = utils.Prehashed(DIGESTS[len(digest)])
    return key.sign(digest, ec.ECDSA(algo))


def key_ecdh(key, point):
    """x-coordinate of ECDH with the peer's uncompressed point."""
    try:
        peer = ec.EllipticCurvePublicKey.from_encoded_point(key.curve, point)
    except ValueError:
        raise CardError(SW_WRONG_DATA) from None
    return key.exchange(ec.ECDH(), peer)


# ---------------------------------------------------------------- card

class PivCard(SmartcardOS):
    """The PIV card application: the card's only one, selected at reset
    (as on many real PIV cards)."""

    def __init__(self, state_path=None):
        self.state_path = state_path
        self.keys = {}  # slot -> (alg, private key)
        self.objects = {}  # tag (bytes, 5C value) -> 53 TLV (bytes)
        self.tries = PIN_TRIES
        self.verified = False
        self.chain = None  # (ins, p1, p2, data so far)
        self.pending = b""  # the rest of a long answer
        if state_path and os.path.exists(state_path):
            self.load()

    # --- state file

    def load(self):
        with open(self.state_path, encoding="utf-8") as f:
            st = json.load(f)
        self.tries = st["pin_tries"]
        for slot, (alg, pem) in st["keys"].items():
            key = serialization.load_pem_private_key(pem.encode(), None)
            self.keys[int(slot, 16)] = (alg, key)
        for tag, value in st["objects"].items():
            self.objects[bytes.fromhex(tag)] = bytes.fromhex(value)

    def save(self):
        if not self.state_path:
            return
        keys = {}
        for slot, (alg, key) in self.keys.items():
            pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            keys["%02x" % slot] = (alg, pem.decode())
        st = {"pin_tries": self.tries, "keys": keys,
              "objects": {t.hex(): v.hex() for t, v in self.objects.items()}}
        tmp = self.state_path + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(st, f)
        os.replace(tmp, self.state_path)

    # --- vicc's interface

    def getATR(self):
        return ATR

    def powerUp(self):
        self.reset()

    def powerDown(self):
        self.reset()

    def reset(self):
        self.verified = False
        self.chain = None
        self.pending = b""

    def execute(self, msg):
        try:
            data, sw = self.command(msg)
        except CardError as e:
            data, sw = b"", e.sw
        except Exception:  # a bug of ours: answer, and keep the card up
            log.exception("internal error")
            data, sw = b"", SW_UNKNOWN
        log.debug("%s -> %d bytes %04X", msg[:4].hex(), len(data), sw)
        return data + sw.to_bytes(2, "big")

    # --- dispatch

    def command(self, msg):
        cla, ins, p1, p2, data, le = parse_apdu(msg)
        if cla & ~0x10 != 0:
            raise CardError(SW_CLA)
        if ins == 0xC0:
            return self.get_response(le)
        self.pending = b""
        if cla & 0x10:
            if self.chain is None or self.chain[:3] != (ins, p1, p2):
                self.chain = (ins, p1, p2, b"")
            self.chain = (ins, p1, p2, self.chain[3] + data)
            if len(self.chain[3]) > OBJECT_MAX + 64:
                self.chain = None
                raise CardError(SW_WRONG_LENGTH)
            return b"", SW_OK
        if self.chain is not None:
            if self.chain[:3] == (ins, p1, p2):
                data = self.chain[3] + data
            self.chain = None
        handler = {
            0xA4: self.select,
            0xCB: self.get_data,
            0xDB: self.put_data,
            0x20: self.verify,
            0x47: self.generate,
            0x87: self.authenticate,
        }.get(ins)
        if handler is None:
            raise CardError(SW_INS)
        return self.answer(handler(p1, p2, data), le)

    def answer(self, data, le):
        """data, cut to le (256 when absent) with 61xx for the rest."""
        n = le if le is not None else 256
        if len(data) <= n:
            return data, SW_OK
        self.pending = data[n:]
        return data[:n], 0x6100 | min(len(self.pending), 256) & 0xFF

    def get_response(self, le):
        if not self.pending:
            raise CardError(SW_CONDITIONS)
        data, self.pending = self.pending, b""
        return self.answer(data, le)

    # --- commands

    def select(self, p1, p2, aid):
        if p1 != 0x04:
            raise CardError(SW_NOT_FOUND)
        if len(aid) < len(PIV_RID) or not PIV_AID.startswith(aid):
            raise CardError(SW_NOT_FOUND)
        apt = tlv(0x4F, PIV_AID[5:]) + tlv(0x79, tlv(0x4F, PIV_RID))
        apt += tlv(0x50, b"sceau test PIV")
        return tlv(0x61, apt)

    def get_data(self, p1, p2, data):
        if (p1, p2) != (0x3F, 0xFF):
            raise CardError(SW_WRONG_P1P2)
        tag = tlv_one(data, 0x5C)
        if tag == b"\x7e":
            # Discovery object: the AID, and the PIN usage policy: the
            # application PIN, no global PIN, no pairing code.
            return tlv(0x7E, tlv(0x4F, PIV_AID) + tlv(0x5F2F, b"\x40\x00"))
        if tag not in self.objects:
            raise CardError(SW_NOT_FOUND)
        return self.objects[tag]

    def put_data(self, p1, p2, data):
        if (p1, p2) != (0x3F, 0xFF):
            raise CardError(SW_WRONG_P1P2)
        items = tlv_parse(data)
        if len(items) != 2 or items[0][0] != 0x5C or items[1][0] != 0x53:
            raise CardError(SW_WRONG_DATA)
        tag = items[0][1]
        if len(tag) != 3 or not tag.startswith(b"\x5f\xc1"):
            raise CardError(SW_NOT_FOUND)
        if len(data) > OBJECT_MAX:
            raise CardError(SW_WRONG_LENGTH)
        if items[1][1]:
            self.objects[tag] = tlv(0x53, items[1][1])
        else:
            self.objects.pop(tag, None)
        self.save()
        return b""

    def verify(self, p1, p2, data):
        if p2 != 0x80:
            raise CardError(SW_REF_NOT_FOUND)
        if p1 == 0xFF:
            if data:
                raise CardError(SW_WRONG_DATA)
            self.verified = False
            return b""
        if p1 != 0x00:
            raise CardError(SW_WRONG_P1P2)
        if self.tries == 0:
            raise CardError(SW_BLOCKED)
        if not data:
            if self.verified:
                return b""
            raise CardError(0x63C0 | self.tries)
        if len(data) != len(PIN):
            raise CardError(SW_WRONG_DATA)
        if hmac.compare_digest(data, PIN):
            self.verified = True
            if self.tries != PIN_TRIES:
                self.tries = PIN_TRIES
                self.save()
            return b""
        self.verified = False
        self.tries -= 1
        self.save()
        raise CardError(0x63C0 | self.tries)

    def generate(self, p1, p2, data):
        if p1 != 0x00 or p2 not in SLOTS:
            raise CardError(SW_WRONG_P1P2)
        template = dict(tlv_parse(tlv_one(data, 0xAC)))
        alg = template.get(0x80, b"")
        if len(alg) != 1:
            raise CardError(SW_WRONG_DATA)
        key = key_generate(alg[0])
        self.keys[p2] = (alg[0], key)
        self.save()
        return key_public_template(alg[0], key)

    def authenticate(self, p1, p2, data):
        if p2 not in self.keys:
            raise CardError(SW_REF_NOT_FOUND)
        alg, key = self.keys[p2]
        if p1 != alg:
            raise CardError(SW_WRONG_P1P2)
        if not self.verified:
            raise CardError(SW_NOT_SATISFIED)
        items = dict(tlv_parse(tlv_one(data, 0x7C)))
        if items.get(0x82, None) != b"":
            raise CardError(SW_WRONG_DATA)
        if 0x81 in items and alg == ALG_RSA2048:
            out = key_rsa_raw(key, items[0x81])
        elif 0x81 in items:
            out = key_ecdsa(key, items[0x81])
        elif 0x85 in items and alg in CURVES:
            out = key_ecdh(key, items[0x85])
        else:
            raise CardError(SW_WRONG_DATA)
        return tlv(0x7C, tlv(0x82, out))


def main():
    ap = argparse.ArgumentParser(description="A minimal virtual PIV card.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=35963)
    ap.add_argument("--state", help="keep keys, objects, PIN tries here")
    ap.add_argument("--log", help="log every APDU's header and status here")
    args = ap.parse_args()
    if args.log:
        handler = logging.FileHandler(args.log)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)
    card = PivCard(args.state)
    # vicc makes an ISO 7816 card, then connects to vpcd (and exits with
    # status 0 if it cannot); its OS is then replaced by ours.
    vicc = VirtualICC(None, "iso7816", args.host, args.port,
                      logginglevel=logging.WARNING)
    vicc.os = card
    vicc.sock = QuickAckSocket(vicc.sock)
    print("pivcard: connected to vpcd at %s:%d" % (args.host, args.port),
          file=sys.stderr, flush=True)
    vicc.run()


if __name__ == "__main__":
    main()
