#!/usr/bin/python3
"""smtp-sink.py: an SMTP server on 127.0.0.1 that keeps what it receives,
for tests (Debian's python3-aiosmtpd).

  /usr/bin/python3 tests/smtp-sink.py --dir DIR [--port N] [--port-file FILE]
      [--tls-cert PEM --tls-key KEY [--smtps]] [--auth USER:PASSWORD]
      [--stall]

It listens on 127.0.0.1, port N (default 0: a free port, which it writes
into --port-file once it is ready, through a rename, so that a reader never
sees half of it).  Each message accepted is written into DIR as two files,
NNNN.eml (the data, byte for byte as received) and then NNNN.json (the
envelope: "mail_from", "rcpt_tos", "tls" true after STARTTLS or with
--smtps, "auth" the user name or null), both before the 250 reply: when a
client has its answer, the files are there.

  --tls-cert, --tls-key  offer STARTTLS with this certificate, and require
                         it before MAIL; with --smtps, TLS from the first
                         byte instead
  --auth USER:PASSWORD   require AUTH (PLAIN or LOGIN, after TLS) with
                         these credentials
  --stall                accept connections and never say a word (a relay
                         that hangs, for timeouts)

A recipient whose address starts with "reject" is refused with 550.
SIGTERM or SIGINT: stops listening and exits 0.  Logs go to stderr.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def log(msg):
    print("smtp-sink: " + msg, file=sys.stderr, flush=True)


class Sink:
    """aiosmtpd handler: refuse some recipients, keep each message."""

    def __init__(self, directory, smtps):
        self.dir = directory
        self.smtps = smtps
        self.n = 0

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(self.dir, "%04d" % self.n)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": self.smtps or session.ssl is not None,
            "auth": (session.auth_data.login.decode("utf-8", "replace")
                     if isinstance(session.auth_data, LoginPassword)
                     else None),
        }
        write_atomic(base + ".eml", envelope.original_content)
        write_atomic(base + ".json", json.dumps(meta).encode() + b"\n")
        log("message %d from %s to %s" %
            (self.n, envelope.mail_from, ", ".join(envelope.rcpt_tos)))
        return "250 2.0.0 kept"


def write_atomic(path, data):
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.rename(path + ".tmp", path)


def authenticator(user, password):
    want = (user.encode(), password.encode())

    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and (auth_data.login, auth_data.password) == want)
        # handled=False: aiosmtpd answers 535 itself on a failure.
        return AuthResult(success=ok, handled=False,
                          auth_data=auth_data if ok else None)
    return check


class Silent(asyncio.Protocol):
    """--stall: a connection nobody answers."""

    def connection_made(self, transport):
        self.transport = transport


def tls_context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


def factory(a):
    if a.stall:
        return Silent
    ctx = tls_context(a.tls_cert, a.tls_key) if a.tls_cert else None
    opts = {"hostname": "sink.test", "ident": "smtp-sink"}
    if ctx is not None and not a.smtps:
        opts.update(tls_context=ctx, require_starttls=True)
    if a.auth:
        user, _, password = a.auth.partition(":")
        # With --smtps the connection is TLS already, which aiosmtpd
        # (that knows STARTTLS only) cannot tell.
        opts.update(authenticator=authenticator(user, password),
                    auth_required=True, auth_require_tls=not a.smtps)
    handler = Sink(a.dir, a.smtps)
    return lambda: SMTP(handler, **opts)


async def serve(a):
    loop = asyncio.get_running_loop()
    ctx = tls_context(a.tls_cert, a.tls_key) if a.smtps else None
    server = await loop.create_server(factory(a), host="127.0.0.1",
                                      port=a.port, ssl=ctx)
    port = server.sockets[0].getsockname()[1]
    log("listening on 127.0.0.1:%d" % port)
    if a.port_file:
        write_atomic(a.port_file, b"%d\n" % port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()
    log("stopped")


def main():
    ap = argparse.ArgumentParser(description="SMTP sink for tests")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--smtps", action="store_true")
    ap.add_argument("--auth")
    ap.add_argument("--stall", action="store_true")
    a = ap.parse_args()
    if bool(a.tls_cert) != bool(a.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    if a.smtps and not a.tls_cert:
        ap.error("--smtps needs --tls-cert and --tls-key")
    if a.auth and ":" not in a.auth:
        ap.error("--auth USER:PASSWORD")
    os.makedirs(a.dir, exist_ok=True)
    asyncio.run(serve(a))
    return 0


if __name__ == "__main__":
    sys.exit(main())
