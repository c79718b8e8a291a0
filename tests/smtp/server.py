#!/usr/bin/env python3
"""A real SMTP server on loopback for Handbill's sending tests, built on aiosmtpd.

It saves every accepted message as NNNNNN.eml in --dir and writes a journal
(journal.jsonl) of what happened: connections, AUTH attempts (with whether TLS
was up, never the password), accepted messages with their envelope, refusals
and dropped connections. Misbehaviour is chosen with flags:

  --drop-after N        once N messages are accepted, take the next one in full,
                        then drop the connection without answering or saving it
  --tempfail MARK       answer 451 to a recipient whose address contains MARK
  --tempfail-times K    ... the first K times for each such address (default 1)
  --permfail MARK       answer 550 5.1.1 (no such user) to a recipient whose address contains MARK
  --policyfail MARK     answer 554 5.7.1 (refused for policy, the address may be good) to such a recipient
  --pipelining          offer PIPELINING (RFC 2920) in the EHLO answer, as postfix does
  --journal-rcpt        also journal each recipient accepted (event "rcpt"), whether or
                        not a message for it follows
  --tls-cert/--tls-key  offer STARTTLS with this certificate (default: no STARTTLS)
  --auth-user/--auth-password  accept AUTH PLAIN/LOGIN with these credentials

On start it prints "PORT <n>" on stdout; it stops on SIGTERM or SIGINT.
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Journal:
    def __init__(self, folder):
        self.folder = folder
        self.lock = threading.Lock()
        self.file = open(os.path.join(folder, "journal.jsonl"), "a", buffering=1)

    def write(self, **event):
        event["at"] = time.time()
        with self.lock:
            self.file.write(json.dumps(event) + "\n")


class Handler:
    def __init__(self, args, journal):
        self.args = args
        self.journal = journal
        self.accepted = 0
        self.dropped = False
        self.tempfails = {}

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.args.pipelining:
            # aiosmtpd reads commands from a stream, so pipelined ones simply wait their turn.
            responses.insert(1, "250-PIPELINING")
            self.journal.write(event="ehlo", pipelining=True)
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.permfail and self.args.permfail in address:
            self.journal.write(event="refused", rcpt=address, code=550)
            return "550 5.1.1 <%s>: Recipient address rejected: no such user here" % address
        if self.args.policyfail and self.args.policyfail in address:
            self.journal.write(event="refused", rcpt=address, code=554)
            return "554 5.7.1 <%s>: Relay access denied by policy" % address
        if self.args.tempfail and self.args.tempfail in address:
            seen = self.tempfails.get(address, 0)
            if seen < self.args.tempfail_times:
                self.tempfails[address] = seen + 1
                self.journal.write(event="refused", rcpt=address, code=451)
                return "451 4.3.0 <%s>: mailbox busy, try again later" % address
        envelope.rcpt_tos.append(address)
        if self.args.journal_rcpt:
            self.journal.write(event="rcpt", rcpt=address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.args.drop_after is not None and not self.dropped and self.accepted >= self.args.drop_after:
            self.dropped = True
            self.journal.write(event="drop", rcpt=envelope.rcpt_tos, after=self.accepted)
            server.transport.abort()
            return "421 4.4.2 dropped"
        self.accepted += 1
        n = self.accepted
        name = "%06d.eml" % n
        with open(os.path.join(self.args.dir, name), "wb") as f:
            f.write(envelope.original_content or envelope.content)
        self.journal.write(
            event="message",
            n=n,
            file=name,
            mail_from=envelope.mail_from,
            rcpt=envelope.rcpt_tos,
            tls=session.ssl is not None,
            authenticated=bool(session.authenticated),
        )
        return "250 2.0.0 Ok: queued as H%06d" % n


def authenticator_for(args, journal):
    def authenticate(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode("utf-8", "replace")
            ok = user == args.auth_user and auth_data.password.decode("utf-8", "replace") == args.auth_password
        else:
            user, ok = "", False
        journal.write(event="auth", mechanism=mechanism, user=user, ok=ok, tls=session.ssl is not None)
        return AuthResult(success=ok)

    return authenticate


class LoopbackController(Controller):
    def __init__(self, handler, args, journal, tls_context):
        self.args = args
        self.journal = journal
        self.tls_context = tls_context
        super().__init__(handler, hostname="127.0.0.1", port=args.port)

    def factory(self):
        kwargs = dict(
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname="sink.handbill.test",
            tls_context=self.tls_context,
            auth_require_tls=False,
        )
        if self.args.auth_user is not None:
            kwargs["authenticator"] = authenticator_for(self.args, self.journal)
        else:
            kwargs["auth_exclude_mechanism"] = ["PLAIN", "LOGIN"]
        journal = self.journal

        class Journaled(SMTP):
            def connection_made(self, transport):
                journal.write(event="connect")
                super().connection_made(transport)

        return Journaled(self.handler, **kwargs)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--drop-after", type=int)
    p.add_argument("--tempfail")
    p.add_argument("--tempfail-times", type=int, default=1)
    p.add_argument("--permfail")
    p.add_argument("--policyfail")
    p.add_argument("--pipelining", action="store_true")
    p.add_argument("--journal-rcpt", action="store_true")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--auth-user")
    p.add_argument("--auth-password")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    if args.port == 0:
        args.port = free_port()
    tls_context = None
    if args.tls_cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.tls_cert, args.tls_key)
    journal = Journal(args.dir)
    controller = LoopbackController(Handler(args, journal), args, journal, tls_context)
    controller.start()
    print("PORT %d" % args.port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.2):
        pass
    controller.stop()


if __name__ == "__main__":
    sys.exit(main())
