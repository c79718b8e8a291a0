#!/usr/bin/env python3
"""A throwaway Dovecot IMAP server on loopback for Handbill's tests (stdlib only).

Serve (the default):

  python3 tests/imap/dovecot.py --dir DIR [--user branch] [--password secret] [--port 0] [--tls]

writes DIR/dovecot.conf (its own base_dir DIR/run, state_dir DIR/state, log
DIR/dovecot.log, listen = 127.0.0.1, IMAP only on one plain-text port, no
TLS unless --tls), one user in the passwd-file DIR/users, whose INBOX is the
Maildir DIR/mail (cur/new/tmp right there; other folders are directories under it,
"Handbill/Handled" is DIR/mail/Handbill/Handled, the hierarchy separator is
"/"), starts `dovecot -F -c DIR/dovecot.conf`, waits until the port greets
with "* OK", prints "PORT <n>" on stdout and stays in the foreground until
SIGTERM or SIGINT, when it stops Dovecot. It also stops Dovecot (and exits)
when its own parent dies, and Dovecot gets SIGTERM if this script is killed
(PR_SET_PDEATHSIG). If Dovecot dies by itself, the script exits 1 with the
log's tail on stderr. Nothing here touches a system Dovecot: its own port,
base_dir, state_dir and pid file (DIR/run/master.pid).

With --tls it first makes a self-signed certificate for localhost and
127.0.0.1 (DIR/tls-cert.pem, key DIR/tls-key.pem, valid 2 days, with
`openssl req`); Dovecot then offers STARTTLS on the plain port (which still
takes LOGIN in plain text) and implicit TLS (IMAPS) on a second free loopback
port, and after "PORT <n>" the script prints "TLSPORT <m>" (also written to
DIR/tlsport, as <n> is to DIR/port). Clients must not verify the certificate
(or trust DIR/tls-cert.pem).

As root, Dovecot's login and internal processes run as dovenull/dovecot
(nobody when they are missing) and the mail user is nobody (Dovecot refuses
mail access as uid 0), so DIR is made traversable (0711) and DIR/mail is
given to nobody; files another root process drops into DIR/mail/new are
still read. As a normal user everything runs as that user, unprivileged.

Seed and look (what tests use):

  python3 tests/imap/dovecot.py append --port N [--user U --password P] [--folder INBOX] FILE...
  python3 tests/imap/dovecot.py list --port N [--user U --password P] [--folder F]

`append` APPENDs each file as one message (creating the folder when missing);
`list` prints one line per folder: "<messages>\\t<folder>" (names decoded from
IMAP's modified UTF-7), only F's when --folder is given (0 when it is missing).
"""

import argparse
import base64
import ctypes
import imaplib
import os
import pwd
import grp
import re
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
import time

DEFAULT_USER = "branch"
DEFAULT_PASSWORD = "secret"
START_TIMEOUT = 20.0


# --- serving ---------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_dovecot(given):
    if given:
        return given
    path = os.environ.get("PATH", "") + ":/usr/sbin:/usr/local/sbin:/sbin"
    found = shutil.which("dovecot", path=path)
    if not found:
        sys.exit("dovecot.py: no dovecot binary; install it with: apt-get install dovecot-imapd")
    return found


def account(name, fallback):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return pwd.getpwnam(fallback)


def group_name(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def identities(folder):
    """(login user, internal user, internal group, mail uid, mail gid, running as root)."""
    if os.geteuid() == 0:
        login = account("dovenull", "nobody")
        internal = account("dovecot", "nobody")
        mail = pwd.getpwnam("nobody")
        return login.pw_name, internal.pw_name, group_name(internal.pw_gid), mail.pw_uid, mail.pw_gid, True
    me = pwd.getpwuid(os.geteuid())
    return me.pw_name, me.pw_name, group_name(os.getegid()), os.geteuid(), os.getegid(), False


def check_path(folder, root):
    """Dovecot's config cannot quote a path; as root, the mail user must be able to reach it."""
    if re.search(r'[\s"#\\]', folder):
        sys.exit("dovecot.py: --dir %r has a space, quote, # or backslash, which Dovecot's config cannot take" % folder)
    if root:
        d = os.path.dirname(folder)
        while d and d != os.path.dirname(d):
            if not os.stat(d).st_mode & stat.S_IXOTH:
                sys.exit(
                    "dovecot.py: as root, Dovecot's mail user (nobody) must reach %s, but %s is not "
                    "searchable by others (chmod o+x it, or use a --dir under /tmp)" % (folder, d)
                )
            d = os.path.dirname(d)


def make_certificate(folder):
    """A self-signed certificate and key for localhost/127.0.0.1 in DIR: (cert, key).

    Dovecot's config process (root when the script is root, else the caller) reads them."""
    openssl = shutil.which("openssl")
    if not openssl:
        sys.exit("dovecot.py: --tls needs the openssl command; install it with: apt-get install openssl")
    folder = os.path.abspath(folder)
    cert, key = os.path.join(folder, "tls-cert.pem"), os.path.join(folder, "tls-key.pem")
    done = subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", key, "-out", cert,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    if done.returncode != 0:
        sys.exit("dovecot.py: openssl req failed (status %d):\n%s" % (done.returncode, done.stdout.decode(errors="replace")))
    os.chmod(key, 0o600)
    os.chmod(cert, 0o644)
    return cert, key


def write_config(folder, user, password, port, tls=None):
    """tls: None, or (certificate, key, implicit-TLS port)."""
    login_user, internal_user, internal_group, uid, gid, root = identities(folder)
    folder = os.path.abspath(folder)
    check_path(folder, root)
    run, state, mail, home = (os.path.join(folder, d) for d in ("run", "state", "mail", "home"))
    for d in (run, state):
        os.makedirs(d, exist_ok=True)
    for d in (mail, os.path.join(mail, "cur"), os.path.join(mail, "new"), os.path.join(mail, "tmp"), home):
        os.makedirs(d, exist_ok=True)
        if root:
            os.chown(d, uid, gid)
    if root:
        # The mail user (nobody) and Dovecot's auth process must reach DIR/mail and DIR/users.
        os.chmod(folder, 0o711)
    users = os.path.join(folder, "users")
    with open(users, "w") as f:
        f.write("%s:{PLAIN}%s:%d:%d::%s::\n" % (user, password, uid, gid, home))
    os.chmod(users, 0o644)
    log = os.path.join(folder, "dovecot.log")
    # Without root nothing can chroot or change groups: every service runs as the caller.
    unprivileged = "" if root else """
service anvil {
  chroot =
}
service ipc {
  chroot =
}
service old-stats {
  chroot =
}
service imap {
  extra_groups =
}
service doveadm {
  extra_groups =
}
service indexer-worker {
  extra_groups =
}
"""
    conf = """# Written by tests/imap/dovecot.py: a throwaway IMAP server for Handbill's tests.
protocols = imap
listen = 127.0.0.1
base_dir = {run}
state_dir = {state}
instance_name = handbill-test-{port}
log_path = {log}
info_log_path = {log}
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 1
first_valid_gid = 0
mail_location = maildir:{mail}:LAYOUT=fs
mail_fsync = never
namespace inbox {{
  inbox = yes
  separator = /
  prefix =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {users}
}}
userdb {{
  driver = passwd-file
  args = username_format=%n {users}
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
service imap-login {{
  {chroot}
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
{imaps}
  }}
}}
{unprivileged}""".format(
        run=run,
        state=state,
        port=port,
        log=log,
        login_user=login_user,
        internal_user=internal_user,
        internal_group=internal_group,
        mail=mail,
        users=users,
        chroot="" if root else "chroot =",
        unprivileged=unprivileged,
        ssl="ssl = no" if tls is None else "ssl = yes\nssl_cert = <%s\nssl_key = <%s" % (tls[0], tls[1]),
        imaps="    port = 0" if tls is None else "    address = 127.0.0.1\n    port = %d\n    ssl = yes" % tls[2],
    )
    path = os.path.join(folder, "dovecot.conf")
    with open(path, "w") as f:
        f.write(conf)
    os.chmod(path, 0o644)
    return path, log


def tail(path, lines=25):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as e:
        return "(no log: %s)\n" % e


PR_SET_PDEATHSIG = 1


def die_with_parent():
    """In the child before exec: SIGTERM when the script dies, even by SIGKILL (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except Exception:
        pass


def greets(port, deadline):
    """Whether the port answers "* OK" (one short try, so a dead Dovecot is noticed soon)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=max(0.1, min(1.0, deadline - time.time()))) as s:
            data = b""
            while b"\n" not in data and time.time() < deadline:
                chunk = s.recv(1024)
                if not chunk:
                    break
                data += chunk
            return data.startswith(b"* OK")
    except OSError:
        return False


def greets_tls(port, deadline):
    """Whether the port answers "* OK" inside TLS (the certificate is not checked)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        timeout = max(0.1, min(1.0, deadline - time.time()))
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as s:
                data = b""
                while b"\n" not in data and time.time() < deadline:
                    chunk = s.recv(1024)
                    if not chunk:
                        break
                    data += chunk
                return data.startswith(b"* OK")
    except (OSError, ssl.SSLError):
        return False


class Server:
    def __init__(self, args):
        self.args = args
        self.proc = None
        self.stopping = False
        self.certificate = None

    def start_once(self, port, tls_port=None):
        tls = None if tls_port is None else self.certificate + (tls_port,)
        conf, log = write_config(self.args.dir, self.args.user, self.args.password, port, tls)
        out = open(os.path.join(self.args.dir, "dovecot.stderr"), "ab")
        self.log = log
        self.out_path = out.name
        self.proc = subprocess.Popen(
            [self.dovecot, "-F", "-c", conf],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
            preexec_fn=die_with_parent,
            close_fds=True,
        )
        out.close()
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline and not self.stopping:
            if self.proc.poll() is not None:
                return False
            if greets(port, deadline) and (tls_port is None or greets_tls(tls_port, deadline)):
                return True
            time.sleep(0.05)
        return True if self.stopping else None

    def failure(self, what):
        sys.stderr.write(
            "dovecot.py: %s\n--- %s (tail) ---\n%s--- %s ---\n%s"
            % (what, self.log, tail(self.log), self.out_path, tail(self.out_path))
        )

    def run(self):
        self.dovecot = find_dovecot(self.args.dovecot)
        os.makedirs(self.args.dir, exist_ok=True)
        parent = os.getppid()
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        signal.signal(signal.SIGHUP, self.on_signal)
        if self.args.tls:
            self.certificate = make_certificate(self.args.dir)
        tls_port = None
        # A port found free may be taken before Dovecot binds it: try another (unless one was given).
        for attempt in range(3):
            port = self.args.port or free_port()
            if self.args.tls:
                tls_port = free_port()
                while tls_port == port:
                    tls_port = free_port()
            ok = self.start_once(port, tls_port)
            if ok:
                break
            if ok is None:
                self.stop()
                where = "127.0.0.1:%d" % port + ("" if tls_port is None else " and (TLS) 127.0.0.1:%d" % tls_port)
                self.failure("Dovecot did not greet on %s within %d s" % (where, START_TIMEOUT))
                return 1
            said = tail(self.log) + tail(self.out_path)
            # A port taken meanwhile is picked again, unless it is the --port given (the caller's to fix).
            given_taken = self.args.port and (tls_port is None or "127.0.0.1, %d)" % self.args.port in said)
            if "in use" not in said or given_taken:
                self.failure("Dovecot exited with status %s while starting" % self.proc.returncode)
                return 1
        else:
            self.failure("no free port for Dovecot after 3 tries")
            return 1
        if self.stopping:  # told to stop while it was starting
            self.stop()
            return 0
        with open(os.path.join(self.args.dir, "port"), "w") as f:
            f.write("%d\n" % port)
        lines = "PORT %d\n" % port
        if tls_port is not None:
            with open(os.path.join(self.args.dir, "tlsport"), "w") as f:
                f.write("%d\n" % tls_port)
            lines += "TLSPORT %d\n" % tls_port
        try:
            sys.stdout.write(lines)
            sys.stdout.flush()
        except BrokenPipeError:
            pass
        while not self.stopping:
            if self.proc.poll() is not None:
                if self.stopping:
                    break
                self.failure("Dovecot died (status %s)" % self.proc.returncode)
                self.stop()
                return 1
            if os.getppid() != parent:
                # Whoever started us is gone (killed): do not outlive it.
                self.stopping = True
                break
            time.sleep(0.2)
        self.stop()
        return 0

    def on_signal(self, signum, frame):
        self.stopping = True

    def stop(self):
        proc = self.proc
        if proc is None:
            return
        pgid = proc.pid  # its own session and process group
        if proc.poll() is not None:
            # The master is gone: its children normally follow; make sure they did.
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            return
        try:
            proc.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        # Children that left the master's group would still have its session: none expected,
        # but never leave one behind.
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def serve(argv):
    p = argparse.ArgumentParser(
        prog="dovecot.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--dir", required=True, help="where the config, log and Maildir go")
    p.add_argument("--user", default=DEFAULT_USER)
    p.add_argument("--password", default=DEFAULT_PASSWORD)
    p.add_argument("--port", type=int, default=0, help="0: a free port")
    p.add_argument("--dovecot", help="the dovecot binary (default: found on PATH or in /usr/sbin)")
    p.add_argument(
        "--tls",
        action="store_true",
        help="also STARTTLS on the port and implicit TLS on a second one (TLSPORT), self-signed",
    )
    args = p.parse_args(argv)
    return Server(args).run()


# --- seeding and looking -----------------------------------------------------------------


def mutf7_encode(name):
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3)."""
    out, run = [], []

    def flush():
        if run:
            b = base64.b64encode("".join(run).encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + b.replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def mutf7_decode(name):
    def one(m):
        body = m.group(1)
        if not body:
            return "&"
        body = body.replace(",", "/")
        return base64.b64decode(body + "=" * (-len(body) % 4)).decode("utf-16-be")

    return re.sub(r"&([^-]*)-", one, name)


def quote(name):
    return '"' + mutf7_encode(name).replace("\\", "\\\\").replace('"', '\\"') + '"'


def connect(args):
    imap = imaplib.IMAP4("127.0.0.1", args.port)
    imap.login(args.user, args.password)
    return imap


LIST_LINE = re.compile(rb'^\((?P<flags>[^)]*)\) (?P<sep>"[^"]*"|NIL) (?P<name>.*)$')


def folders(imap):
    typ, data = imap.list()
    if typ != "OK":
        raise SystemExit("dovecot.py: LIST failed: %r" % data)
    names = []
    for i, item in enumerate(data):
        if item is None:
            continue
        if isinstance(item, tuple):  # a literal name: (b'(flags) "/" {n}', b'name')
            m = LIST_LINE.match(item[0])
            name = item[1]
        else:
            m = LIST_LINE.match(item)
            name = m.group("name") if m else None
        if not m or name is None:
            continue
        if rb"\Noselect" in m.group("flags") or rb"\NonExistent" in m.group("flags"):
            continue
        if name.startswith(b'"') and name.endswith(b'"'):
            name = re.sub(rb'\\(.)', rb"\1", name[1:-1])
        names.append(name.decode())
    return names


def messages(imap, raw_name):
    typ, data = imap.status('"%s"' % raw_name.replace("\\", "\\\\").replace('"', '\\"'), "(MESSAGES)")
    if typ != "OK":
        raise SystemExit("dovecot.py: STATUS %s failed: %r" % (raw_name, data))
    m = re.search(rb"MESSAGES (\d+)", data[0])
    return int(m.group(1))


def append(argv):
    p = argparse.ArgumentParser(prog="dovecot.py append", description="APPEND each FILE as one message")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", default=DEFAULT_USER)
    p.add_argument("--password", default=DEFAULT_PASSWORD)
    p.add_argument("--folder", default="INBOX")
    p.add_argument("files", nargs="+", metavar="FILE")
    args = p.parse_args(argv)
    imap = connect(args)
    try:
        folder = quote(args.folder)
        for path in args.files:
            with open(path, "rb") as f:
                message = f.read()
            # IMAP wants CRLF line ends in a literal; a file with bare LFs is converted.
            message = re.sub(rb"\r?\n", b"\r\n", message)
            typ, data = imap.append(folder, None, None, message)
            if typ != "OK" and b"TRYCREATE" in b" ".join(d for d in data if d):
                imap.create(folder)
                typ, data = imap.append(folder, None, None, message)
            if typ != "OK":
                sys.exit("dovecot.py: APPEND of %s to %s failed: %r" % (path, args.folder, data))
    finally:
        imap.logout()
    return 0


def list_folders(argv):
    p = argparse.ArgumentParser(prog="dovecot.py list", description="each folder's message count")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", default=DEFAULT_USER)
    p.add_argument("--password", default=DEFAULT_PASSWORD)
    p.add_argument("--folder", help="only this folder (0 when it does not exist)")
    args = p.parse_args(argv)
    imap = connect(args)
    try:
        found = {mutf7_decode(raw): raw for raw in folders(imap)}
        if args.folder is not None:
            raw = found.get(args.folder)
            if raw is None and args.folder.upper() == "INBOX":
                raw = "INBOX"
            print("%d\t%s" % (messages(imap, raw) if raw is not None else 0, args.folder))
        else:
            for name, raw in sorted(found.items(), key=lambda kv: (kv[0] != "INBOX", kv[0])):
                print("%d\t%s" % (messages(imap, raw), name))
    finally:
        imap.logout()
    return 0


def main():
    argv = sys.argv[1:]
    if argv and argv[0] == "append":
        return append(argv[1:])
    if argv and argv[0] == "list":
        return list_folders(argv[1:])
    if argv and argv[0] == "serve":
        argv = argv[1:]
    return serve(argv)


if __name__ == "__main__":
    sys.exit(main())
