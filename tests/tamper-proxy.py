#!/usr/bin/env python3
"""tamper-proxy.py: a lying server, for tests.

An HTTP proxy on 127.0.0.1 in front of the real sceau-server. It passes
requests through unchanged and, on the way back, alters the certificates
the server sends (GET /v1/ORG/certificates) as the file named by --control
says, read at every request so that a test switches modes without
restarting it:

  pass              change nothing
  flip N            flip one bit in the middle of certificate N
  drop N            remove certificate N from the answer
  swap N            exchange certificates N and N+1 (order and indices)
  rollback N        pretend the chain ends at N (last_index too)
  forge N           replace certificate N by certificate N-1's bytes
  identity N        flip one bit of certificate N's identity blob
  lie-last N        announce last_index N without serving more
  strip-token-sig N remove the token signature of certificate N
  flip-token-sig N  flip a bit of the token signature of certificate N
  append F          serve after the last certificate the one in file F
                    (base64 envelope), as if the server had stored it

and on workspace data (any N: the first item of the answer):
  flip-vlob         flip one bit of the first vlob of GET .../vlobs
  old-vlob          serve, for a vlob, the oldest version this proxy saw
                    of it, under the version asked for
  replace-vlob ID F serve for vlob ID the blob in file F (base64)
  flip-block        flip one bit in the first block of GET .../blocks
  swap-blocks       exchange the bytes of the first two blocks of a GET

and on the code exchange of invitations (POST .../claim, .../exchange):
  conduit-key       flip a bit of the greeter's public key on its way to
                    the claimer (the codes then differ)
  conduit-commit    flip a bit of the claimer's commitment on its way to
                    the greeter (the greeter sees the nonce not match)
  conduit-seal      flip a bit of a sealed message on its way to the
                    claimer (it does not open)

Usage: tamper-proxy.py --upstream http://127.0.0.1:PORT --control FILE
                       --port-file FILE
It writes the port it listens on into --port-file once ready.
Only the Python standard library: it runs on any python3.
"""

import argparse
import base64
import http.client
import http.server
import json
import socketserver
import struct
import sys
import time
import urllib.parse


def flip(b64):
    raw = bytearray(base64.b64decode(b64))
    raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def by_index(certs, n):
    for i, c in enumerate(certs):
        if c.get("index") == n:
            return i
    return None


def append(doc, path):
    with open(path) as f:
        env = f.read().strip()
    certs = doc.setdefault("certificates", [])
    n = doc.get("last_index", 0) + 1
    # Only an answer that reaches the end of the chain gets it.
    if certs and certs[-1].get("index") != n - 1:
        return doc
    certs.append({"index": n, "certificate": env, "identity": None,
                  "server_time": int(time.time() * 1000000)})
    doc["last_index"] = n
    return doc


def tamper(doc, mode):
    if mode and mode[0] == "append" and len(mode) >= 2:
        return append(doc, mode[1])
    if not mode or mode[0] == "pass" or len(mode) < 2 \
            or not mode[1].isdigit():
        return doc
    what, n = mode[0], int(mode[1])
    certs = doc.get("certificates", [])
    i = by_index(certs, n)
    if what == "flip" and i is not None:
        certs[i]["certificate"] = flip(certs[i]["certificate"])
    elif what == "drop" and i is not None:
        del certs[i]
    elif what == "swap" and i is not None and i + 1 < len(certs):
        a, b = certs[i], certs[i + 1]
        a["certificate"], b["certificate"] = b["certificate"], a["certificate"]
        a["identity"], b["identity"] = b.get("identity"), a.get("identity")
    elif what == "rollback":
        doc["certificates"] = [c for c in certs if c["index"] <= n]
        doc["last_index"] = min(doc.get("last_index", n), n)
    elif what == "forge" and i is not None:
        j = by_index(certs, n - 1)
        if j is not None:
            certs[i]["certificate"] = certs[j]["certificate"]
    elif what == "identity" and i is not None and certs[i].get("identity"):
        certs[i]["identity"] = flip(certs[i]["identity"])
    elif what == "lie-last":
        doc["last_index"] = n
    elif what in ("strip-token-sig", "flip-token-sig") and i is not None:
        certs[i]["certificate"] = token_sig(certs[i]["certificate"], what)
    return doc


def token_sig(b64, what):
    """Drops, or flips a bit of, the token signature of an envelope:
    u8 version, string author, string payload, string signature,
    u32 n, n x {string alg, string signature}."""
    raw = base64.b64decode(b64)
    pos = 1
    for _ in range(3):
        (ln,) = struct.unpack(">I", raw[pos:pos + 4])
        pos += 4 + ln
    (n,) = struct.unpack(">I", raw[pos:pos + 4])
    if n == 0:
        return b64
    if what == "strip-token-sig":
        out = raw[:pos] + struct.pack(">I", 0)
    else:
        out = bytearray(raw)
        out[-5] ^= 0x01
        out = bytes(out)
    return base64.b64encode(out).decode()


SEEN = {}


def tamper_vlobs(doc, mode):
    vl = doc.get("vlobs", [])
    for v in vl:
        SEEN.setdefault(v["vlob_id"], v["blob"])
    if not mode or not vl:
        return doc
    if mode[0] == "flip-vlob":
        vl[0]["blob"] = flip(vl[0]["blob"])
    elif mode[0] == "replace-vlob" and len(mode) >= 3:
        # replace-vlob ID FILE: that vlob's blob becomes FILE's (base64)
        with open(mode[2]) as f:
            forged = f.read().strip()
        for v in vl:
            if v["vlob_id"] == mode[1]:
                v["blob"] = forged
    elif mode[0] == "old-vlob":
        for v in vl:
            old = SEEN.get(v["vlob_id"])
            if old is not None and old != v["blob"]:
                v["blob"] = old
    return doc


def tamper_conduit_msg(b64, mode, want_type):
    """Flips a bit of a conduit message of type want_type, per mode."""
    raw = bytearray(base64.b64decode(b64))
    if not raw or raw[0] != want_type:
        return b64
    if mode == "conduit-key":
        raw[1 + 5] ^= 0x01
    elif mode == "conduit-commit":
        raw[1 + 32 + 5] ^= 0x01
    elif mode == "conduit-seal":
        raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


CONDUIT_REPLY = {"conduit-key": 1, "conduit-seal": 4}
CONDUIT_REQUEST = {"conduit-commit": 2}


def frames(data):
    out, off = [], 0
    while off + 20 <= len(data):
        n = int.from_bytes(data[off + 16:off + 20], "big")
        out.append([data[off:off + 16], bytearray(data[off + 20:off + 20 + n])])
        off += 20 + n
    return out


def tamper_blocks(data, mode):
    if not mode or mode[0] not in ("flip-block", "swap-blocks"):
        return data
    fr = frames(data)
    if mode[0] == "flip-block" and fr:
        fr[0][1][len(fr[0][1]) // 2] ^= 1
    elif mode[0] == "swap-blocks" and len(fr) >= 2:
        fr[0][1], fr[1][1] = fr[1][1], fr[0][1]
    return b"".join(i + len(b).to_bytes(4, "big") + bytes(b) for i, b in fr)


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def mode(self):
        try:
            with open(self.server.control) as f:
                return f.read().split()
        except OSError:
            return []

    def relay(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        mode = self.mode()
        conduit = (self.command == "POST" and
                   self.path.split("?")[0].endswith(("/claim", "/exchange")))
        if conduit and body and mode and mode[0] in CONDUIT_REQUEST:
            doc = json.loads(body)
            if doc.get("op") == "send" and "msg" in doc:
                doc["msg"] = tamper_conduit_msg(
                    doc["msg"], mode[0], CONDUIT_REQUEST[mode[0]])
            body = json.dumps(doc).encode()
        upstream = self.server.upstream
        if self.server.upstream_file:
            try:
                with open(self.server.upstream_file) as f:
                    upstream = f.read().strip() or upstream
            except OSError:
                pass
        up = urllib.parse.urlsplit(upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "connection",
                                      "content-length")}
        if body is not None:
            headers["Content-Length"] = str(len(body))
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        path = urllib.parse.urlsplit(self.path).path
        if (self.command == "GET" and path.endswith("/certificates")
                and resp.status == 200):
            doc = tamper(json.loads(data), self.mode())
            data = json.dumps(doc).encode()
        elif (self.command == "GET" and path.endswith("/vlobs")
                and resp.status == 200):
            doc = tamper_vlobs(json.loads(data), self.mode())
            data = json.dumps(doc).encode()
        elif (self.command == "GET" and path.endswith("/blocks")
                and resp.status == 200):
            data = tamper_blocks(data, self.mode())
        elif (conduit and resp.status == 200 and mode
                and mode[0] in CONDUIT_REPLY):
            doc = json.loads(data)
            if doc.get("state") == "ready" and "msg" in doc:
                doc["msg"] = tamper_conduit_msg(
                    doc["msg"], mode[0], CONDUIT_REPLY[mode[0]])
            data = json.dumps(doc).encode()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("content-length", "connection",
                                 "transfer-encoding", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = relay
    do_POST = relay


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--control", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--upstream-file", default=None,
                    help="re-read at each request: the server may move")
    a = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Proxy)
    srv.upstream = a.upstream
    srv.control = a.control
    srv.upstream_file = a.upstream_file
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
