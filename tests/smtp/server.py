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

Delivery and bounces, as a real mail system does them (the Maildir can be the
INBOX of tests/imap/dovecot.py, which is <its --dir>/mail):

  --local-domain DOMAIN  the domain this server receives mail for (default handbill.test)
  --deliver-maildir DIR  also deliver each accepted message for a recipient at the
                        local domain (plus addresses such as boston+x@DOMAIN included)
                        into the Maildir DIR (tmp/, then renamed into new/, as an MDA
                        does; cur/new/tmp made when missing; owned like DIR when run as
                        root), with "Return-Path: <envelope sender>" and
                        "Delivered-To: <recipient>" on top (journal event "delivered")
  --no-plus             refuse a plus address at the local domain with 550 5.1.1, as a
                        provider without plus addressing does
  --bounce-later MARK   (repeatable) accept (250) a recipient whose address contains
                        MARK, then, once the message is taken, report it undeliverable
                        to the envelope sender as postfix's bounce daemon does: a
                        multipart/report (delivery-status: Action: failed, Status: 5.1.1,
                        Diagnostic-Code: smtp; 550 5.1.1 ...) from MAILER-DAEMON, one per
                        message for all such recipients, written before the 250 reaches
                        the client. It is saved as bounce-NNNNNN.msg in --dir, delivered
                        into --deliver-maildir when the sender is at the local domain
                        (with "Delivered-To: <sender>"), and journalled (event "bounced");
                        no report goes to a null sender (<>)

On start it prints "PORT <n>" on stdout; it stops on SIGTERM or SIGINT.
"""

import argparse
import asyncio
import email
import email.policy
import email.utils
import itertools
import json
import os
import signal
import socket
import ssl
import sys
import textwrap
import threading
import time
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

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


REPORTING_MTA = "mx.handbill.test"


def domain_of(address):
    return address.rpartition("@")[2].lower() if "@" in address else ""


def local_part(address):
    return address.rpartition("@")[0] if "@" in address else address


class Maildir:
    """Delivery into one Maildir as an MDA does it: write in tmp/, rename into new/."""

    counter = itertools.count(1)

    def __init__(self, folder):
        self.folder = os.path.abspath(folder)
        # As root, the files belong to whoever owns the Maildir (Dovecot's mail user).
        st = os.stat(self.folder) if os.path.isdir(self.folder) else None
        self.owner = (st.st_uid, st.st_gid) if st and os.geteuid() == 0 and st.st_uid != 0 else None
        for sub in ("tmp", "new", "cur"):
            path = os.path.join(self.folder, sub)
            if not os.path.isdir(path):
                os.makedirs(path, mode=0o700)
                if self.owner:
                    os.chown(path, *self.owner)
        self.host = socket.gethostname().replace("/", "\\057").replace(":", "\\072") or "localhost"

    def deliver(self, data):
        """Writes the message (bytes, any line ends; stored with LF) and returns its file name."""
        data = data.replace(b"\r\n", b"\n")
        now = time.time()
        name = "%d.M%dP%dQ%d.%s" % (int(now), int(now * 1e6) % 1000000, os.getpid(), next(self.counter), self.host)
        tmp = os.path.join(self.folder, "tmp", name)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            if self.owner:
                os.fchown(fd, *self.owner)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp, os.path.join(self.folder, "new", name))
        return name


def split_headers(content):
    """The header block of a raw message (bytes), up to its blank line."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = content.find(sep)
        if at >= 0:
            return content[:at + len(sep) // 2]
    return content


def bounce_report(sender, failed, content, queue_id, arrival, local_domain):
    """A non-delivery report for `failed` recipients, laid out as postfix's bounce daemon writes it."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "MAILER-DAEMON@%s (Mail Delivery System)" % local_domain
    report["To"] = sender
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Date"] = email.utils.formatdate(localtime=True)
    report["Message-ID"] = "<%s.bounce@%s>" % (queue_id, REPORTING_MTA)
    report["Auto-Submitted"] = "auto-replied"

    lines = [
        "This is the mail system at host %s." % REPORTING_MTA,
        "",
        "I'm sorry to have to inform you that your message could not",
        "be delivered to one or more recipients. It's attached below.",
        "",
        "For further assistance, please send mail to postmaster.",
        "",
        "If you do so, please include this problem report. You can",
        "delete your own text from the attached returned message.",
        "",
        "                   The mail system",
        "",
    ]
    for rcpt in failed:
        said = "<%s>: host mx.%s[192.0.2.25] said: 550 5.1.1 <%s>: Recipient address rejected: User unknown (in reply to RCPT TO command)" % (
            rcpt, domain_of(rcpt) or "invalid", rcpt)
        lines.extend(textwrap.wrap(said, width=72, subsequent_indent="    ", break_long_words=False) + [""])
    text = "\n".join(lines)
    human = MIMEText(text, "plain", "us-ascii" if text.isascii() else "utf-8")
    human["Content-Description"] = "Notification"
    report.attach(human)

    per_message = Message()
    per_message["Reporting-MTA"] = "dns; %s" % REPORTING_MTA
    per_message["X-Postfix-Queue-ID"] = queue_id
    per_message["X-Postfix-Sender"] = "rfc822; %s" % sender
    per_message["Arrival-Date"] = arrival
    blocks = [per_message]
    for rcpt in failed:
        block = Message()
        block["Final-Recipient"] = "rfc822; %s" % rcpt
        block["Original-Recipient"] = "rfc822; %s" % rcpt
        block["Action"] = "failed"
        block["Status"] = "5.1.1"
        block["Remote-MTA"] = "dns; mx.%s" % (domain_of(rcpt) or "invalid")
        block["Diagnostic-Code"] = "smtp; 550 5.1.1 <%s>: Recipient address rejected: User unknown" % rcpt
        blocks.append(block)
    status = MIMEBase("message", "delivery-status")
    status.set_payload(blocks)
    status["Content-Description"] = "Delivery report"
    report.attach(status)

    headers = split_headers(content)
    returned = MIMEBase("text", "rfc822-headers")
    # Raw header bytes kept as they came (8-bit ones too), as postfix returns them.
    returned.set_payload(headers.decode("ascii", "surrogateescape"))
    returned["Content-Description"] = "Undelivered Message Headers"
    returned["Content-Transfer-Encoding"] = "7bit" if headers.isascii() else "8bit"
    report.attach(returned)
    # Postfix's order: the envelope-like headers first, then MIME's; no MIME-Version on the parts.
    content_type = report["Content-Type"]
    del report["Content-Type"], report["MIME-Version"]
    report["MIME-Version"] = "1.0"
    report["Content-Type"] = content_type
    for part in (human, status, returned):
        del part["MIME-Version"]
    return report.as_bytes(policy=email.policy.compat32.clone(linesep="\n"))


class Handler:
    def __init__(self, args, journal):
        self.args = args
        self.journal = journal
        self.accepted = 0
        self.dropped = False
        self.tempfails = {}
        self.maildir = Maildir(args.deliver_maildir) if args.deliver_maildir else None

    def is_local(self, address):
        return domain_of(address) == self.args.local_domain.lower()

    def bounces_later(self, address):
        return any(mark in address for mark in self.args.bounce_later or ())

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.args.pipelining:
            # aiosmtpd reads commands from a stream, so pipelined ones simply wait their turn.
            responses.insert(1, "250-PIPELINING")
            self.journal.write(event="ehlo", pipelining=True)
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.no_plus and self.is_local(address) and "+" in local_part(address):
            self.journal.write(event="refused", rcpt=address, code=550)
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown in virtual mailbox table" % address
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
        content = envelope.original_content or envelope.content
        # aiosmtpd gives a null sender (MAIL FROM:<>) as "<>".
        sender = "" if envelope.mail_from in (None, "", "<>") else envelope.mail_from
        if self.maildir:
            for rcpt in envelope.rcpt_tos:
                if self.is_local(rcpt) and not self.bounces_later(rcpt):
                    top = b"Return-Path: <%s>\nDelivered-To: %s\n" % (sender.encode(), rcpt.encode())
                    delivered = self.maildir.deliver(top + content)
                    self.journal.write(event="delivered", n=n, rcpt=rcpt, file=delivered)
        failed = [r for r in envelope.rcpt_tos if self.bounces_later(r)]
        if failed and sender:
            arrival = email.utils.formatdate(localtime=True)
            report = bounce_report(sender, failed, content, "H%06d" % n, arrival, self.args.local_domain)
            saved = "bounce-%06d.msg" % n
            with open(os.path.join(self.args.dir, saved), "wb") as f:
                f.write(report)
            delivered = None
            if self.maildir and self.is_local(sender):
                top = b"Return-Path: <>\nDelivered-To: %s\n" % sender.encode()
                delivered = self.maildir.deliver(top + report)
            self.journal.write(event="bounced", n=n, rcpt=failed, to=sender, file=saved, delivered=delivered)
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
    p.add_argument("--local-domain", default="handbill.test")
    p.add_argument("--deliver-maildir")
    p.add_argument("--no-plus", action="store_true")
    p.add_argument("--bounce-later", action="append", default=[])
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
