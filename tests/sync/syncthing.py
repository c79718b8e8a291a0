#!/usr/bin/env python3
"""Two throwaway Syncthing instances on loopback carrying one folder, for Handbill's tests (stdlib only).

  python3 tests/sync/syncthing.py --state STATE_DIR --dir DIR_A --dir DIR_B [--timeout 60]

For each DIR (instance "a" for the first, "b" for the second) this makes a
fresh Syncthing home, STATE_DIR/a or STATE_DIR/b, with `syncthing generate`
(new keys, so new device IDs every run). A home that an earlier run of this
script left there is wiped first, database and all, so a stale index can never
delete files in a new DIR; a non-empty one it did not make is refused. It then
rewrites the home's config.xml and runs `syncthing serve --home=HOME
--no-browser --no-restart` with STNODEFAULTFOLDER=1, STNOUPGRADE=1 and
STNORESTART=1 (and no proxy variables), output in HOME/syncthing.log.
(`syncthing serve` is two processes even with --no-restart, a monitor and
its child, in their own process group.) Each config has:

  - the GUI/REST API on 127.0.0.1:<free port>, no TLS, a random API key;
  - the sync protocol listening on tcp://127.0.0.1:<free port> only;
  - global and local discovery, relays, NAT traversal, usage reporting
    (urAccepted -1), automatic upgrades and crash reporting all off, no
    browser, no default "Sync" folder;
  - the other instance as a device whose only address is its
    tcp://127.0.0.1:<port> (its own device entry names its own such address);
  - one shared folder, id "handbill", type sendreceive, at its DIR, rescanned
    every 2 s and watched (inotify) with a 1 s delay, minDiskFree 0.

Nothing is dialled but those loopback addresses. Once both REST APIs answer,
each instance sees the other connected (GET /rest/system/connections with the
X-API-Key header) and the folder is idle on both sides, it prints one JSON line
on stdout (also written to STATE_DIR/ready.json):

  {"ready": true,
   "a": {"dir": DIR_A, "api": "http://127.0.0.1:PORT", "key": KEY, "id": DEVICE_ID,
         "home": STATE_DIR/a, "log": STATE_DIR/a/syncthing.log},
   "b": {...}}

and stays in the foreground until SIGTERM, SIGINT or SIGHUP, until its
standard input reaches end of file (a test that spawns it with a piped stdin
stops it by dropping the pipe, or by dying), or until its parent dies; then it
stops both Syncthings (SIGTERM, then SIGKILL to their process groups after
10 s) and exits 0. Told to stop before it was ready, it exits 0 having printed
nothing. Run from a shell without a stdin to give it (`< /dev/null`, `&` in a
script), pass --no-stdin, else it stops at once. The Syncthings also get
SIGTERM when this script is killed, even by SIGKILL (PR_SET_PDEATHSIG). If one
of them dies by itself, the script exits 1 with the tail of both logs on
stderr; so it does, with "not ready within N s" and what was missing, when
they are not connected and idle within --timeout seconds (60). A port found
free but taken before Syncthing binds it is retried with new ports (3 tries,
within the same timeout).

How a test waits for a file: write it into one DIR and poll the other DIR for
the same relative path (every 50-200 ms, giving up after 15-20 s) until it
exists with the expected content. Syncthing writes an arriving file under a
temporary name in the same directory (.syncthing.NAME.tmp) and renames it into
place once it is complete, so a file seen under its own name is whole; skip
names that start with ".syncthing." and end in ".tmp". Deletions and renames
travel the same way (poll until the old path is gone). Each DIR also gets a
".stfolder" directory, Syncthing's folder marker: leave it and skip it. A
change usually arrives within 0.5-1 s here. Changing the same file on both
sides before either change has arrived makes a conflict: Syncthing keeps one
version and renames the other NAME.sync-conflict-<date>-<time>-<device>.EXT.
The REST API (with the key) also tells whether a side has settled:
GET /rest/db/status?folder=handbill ("state": "idle", "needFiles": 0) and
GET /rest/db/completion?folder=handbill&device=<other's id> ("completion": 100).
"""

import argparse
import ctypes
import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

FOLDER_ID = "handbill"
NAMES = ("a", "b")
MARKER = ".handbill-syncthing"  # says a home under STATE_DIR was made here and may be wiped
RESCAN_S = 2
WATCH_DELAY_S = 1
TRIES = 3

# No proxy from the environment for loopback REST calls.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def say(message):
    sys.stderr.write("syncthing.py: %s\n" % message)
    sys.stderr.flush()


def free_ports(n):
    """n distinct free loopback ports (all held open at once, so none repeats)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def find_syncthing(given):
    if given:
        return given
    found = shutil.which("syncthing")
    if not found:
        sys.exit("syncthing.py: no syncthing binary; install it with: apt-get install syncthing")
    return found


def tail(path, lines=30):
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


def child_env():
    env = dict(os.environ)
    # Syncthing's dialer honours all_proxy; its HTTP clients the usual proxy variables.
    for k in list(env):
        if k.lower() in ("all_proxy", "http_proxy", "https_proxy", "no_proxy") or k.startswith("STTRACE"):
            del env[k]
    env.update(STNODEFAULTFOLDER="1", STNOUPGRADE="1", STNORESTART="1")
    return env


def set_text(parent, tag, value):
    """Set <tag> under parent to value (one element: extra ones of the same tag are dropped)."""
    found = parent.findall(tag)
    if not found:
        el = ET.SubElement(parent, tag)
    else:
        el = found[0]
        for extra in found[1:]:
            parent.remove(extra)
    el.text = str(value)
    return el


class Instance:
    def __init__(self, name, folder, state, syncthing):
        self.name = name
        self.dir = folder
        self.home = os.path.join(state, name)
        self.log = os.path.join(self.home, "syncthing.log")
        self.config = os.path.join(self.home, "config.xml")
        self.syncthing = syncthing
        self.key = secrets.token_urlsafe(24)
        self.proc = None
        self.id = None
        self.gui_port = self.listen_port = None

    @property
    def api(self):
        return "http://127.0.0.1:%d" % self.gui_port

    @property
    def listen(self):
        return "tcp://127.0.0.1:%d" % self.listen_port

    def fresh_home(self):
        """Wipe a home an earlier run made (never a directory this script did not make)."""
        if os.path.isdir(self.home) and os.listdir(self.home):
            if not os.path.exists(os.path.join(self.home, MARKER)):
                sys.exit(
                    "syncthing.py: %s exists and was not made by this script; give an empty --state" % self.home
                )
            shutil.rmtree(self.home)
        os.makedirs(self.home, exist_ok=True)
        os.chmod(self.home, 0o700)
        with open(os.path.join(self.home, MARKER), "w") as f:
            f.write("made by tests/sync/syncthing.py; wiped on its next run with the same --state\n")

    def generate(self):
        done = subprocess.run(
            [self.syncthing, "generate", "--home=" + self.home, "--no-default-folder"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=child_env(),
        )
        if done.returncode != 0 or not os.path.exists(self.config):
            sys.exit(
                "syncthing.py: syncthing generate --home=%s failed (status %d):\n%s"
                % (self.home, done.returncode, done.stdout.decode(errors="replace"))
            )
        root = ET.parse(self.config).getroot()
        self.id = root.find("device").get("id")

    def write_config(self, other):
        tree = ET.parse(self.config)
        root = tree.getroot()
        defaults = root.find("defaults")

        # No folder but ours (generate makes none with --no-default-folder; be sure).
        for f in root.findall("folder"):
            root.remove(f)
        # Devices: ourselves, then the other instance at its loopback address only.
        for d in root.findall("device"):
            if d.get("id") != self.id:
                root.remove(d)
        me = root.find("device")
        me.set("name", self.name)
        for a in me.findall("address"):
            me.remove(a)
        addr = ET.Element("address")
        addr.text = self.listen
        me.insert(0, addr)

        peer = ET.fromstring(ET.tostring(defaults.find("device")))
        peer.set("id", other.id)
        peer.set("name", other.name)
        for a in peer.findall("address"):
            peer.remove(a)
        addr = ET.Element("address")
        addr.text = other.listen
        peer.insert(0, addr)
        root.insert(list(root).index(me) + 1, peer)

        folder = ET.fromstring(ET.tostring(defaults.find("folder")))
        folder.attrib.update(
            id=FOLDER_ID,
            label=FOLDER_ID,
            path=self.dir,
            type="sendreceive",
            rescanIntervalS=str(RESCAN_S),
            fsWatcherEnabled="true",
            fsWatcherDelayS=str(WATCH_DELAY_S),
        )
        for d in folder.findall("device"):
            folder.remove(d)
        for i, dev in enumerate((self, other)):
            el = ET.Element("device", id=dev.id, introducedBy="")
            ET.SubElement(el, "encryptionPassword").text = ""
            folder.insert(i, el)
        mdf = folder.find("minDiskFree")
        if mdf is not None:
            mdf.text = "0"
        root.insert(0, folder)

        gui = root.find("gui")
        gui.set("enabled", "true")
        gui.set("tls", "false")
        set_text(gui, "address", "127.0.0.1:%d" % self.gui_port)
        set_text(gui, "apikey", self.key)

        o = root.find("options")
        for tag, value in (
            ("listenAddress", self.listen),
            ("globalAnnounceEnabled", "false"),
            ("localAnnounceEnabled", "false"),
            ("relaysEnabled", "false"),
            ("natEnabled", "false"),
            ("startBrowser", "false"),
            ("urAccepted", "-1"),
            ("urSeen", "3"),
            ("autoUpgradeIntervalH", "0"),
            ("upgradeToPreReleases", "false"),
            ("crashReportingEnabled", "false"),
            ("announceLANAddresses", "false"),
            ("restartOnWakeup", "false"),
            ("reconnectionIntervalS", "5"),  # 1.19 raises anything lower to 5
            ("setLowPriority", "false"),
        ):
            set_text(o, tag, value)
        mhdf = o.find("minHomeDiskFree")
        if mhdf is not None:
            mhdf.text = "0"
        tree.write(self.config, encoding="unicode")
        os.chmod(self.config, 0o600)

    def start(self):
        out = open(self.log, "ab")
        try:
            self.proc = subprocess.Popen(
                [self.syncthing, "serve", "--home=" + self.home, "--no-browser", "--no-restart", "--logflags=3"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                env=child_env(),
                cwd=self.home,
                start_new_session=True,
                preexec_fn=die_with_parent,
                close_fds=True,
            )
        finally:
            out.close()

    def get(self, path, timeout=2.0):
        """The decoded JSON answer of the REST API, or None when it does not answer (yet)."""
        req = urllib.request.Request(self.api + path, headers={"X-API-Key": self.key})
        try:
            with OPENER.open(req, timeout=timeout) as r:
                return json.loads(r.read().decode())
        except (OSError, ValueError, urllib.error.URLError):
            return None

    def listener_error(self):
        """The error of our sync listener, if Syncthing reports one (e.g. address in use)."""
        status = self.get("/rest/system/status")
        if not status:
            return None
        for url, st in (status.get("connectionServiceStatus") or {}).items():
            if st and st.get("error"):
                return "%s: %s" % (url, st["error"])
        return None

    def connected_to(self, other):
        conns = self.get("/rest/system/connections")
        if not conns:
            return False
        c = (conns.get("connections") or {}).get(other.id) or {}
        return bool(c.get("connected"))

    def folder_state(self):
        st = self.get("/rest/db/status?folder=" + FOLDER_ID)
        return (st or {}).get("state"), (st or {}).get("error")

    def terminate(self):
        """SIGTERM to the monitor process, which stops its child and exits."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass

    def reap(self, deadline):
        """Wait for it until deadline, then SIGKILL its whole group (its own session)."""
        proc = self.proc
        if proc is None:
            return
        try:
            proc.wait(max(0.0, deadline - time.time()))
        except subprocess.TimeoutExpired:
            pass
        # Nothing of its group may outlive it (syncthing serve is a monitor and its child).
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()

    def summary(self):
        return {"dir": self.dir, "api": self.api, "key": self.key, "id": self.id, "home": self.home, "log": self.log}


class Harness:
    def __init__(self, args):
        self.args = args
        self.stopping = False
        self.instances = []
        self.stdin_open = not args.no_stdin

    def on_signal(self, signum, frame):
        self.stopping = True

    def failure(self, what):
        parts = ["syncthing.py: %s\n" % what]
        for i in self.instances:
            parts.append("--- %s (%s, tail) ---\n%s" % (i.name, i.log, tail(i.log)))
        sys.stderr.write("".join(parts))
        sys.stderr.flush()

    def watch_stdin(self):
        """Whether stdin reached end of file (checked without blocking)."""
        if not self.stdin_open:
            return False
        try:
            r, _, _ = select.select([sys.stdin.fileno()], [], [], 0)
            if r:
                if not os.read(sys.stdin.fileno(), 4096):
                    self.stdin_open = False
                    return True
        except (OSError, ValueError, AttributeError):  # no fd 0 at all: sys.stdin is None
            self.stdin_open = False
            return True
        return False

    def stop_all(self):
        for i in self.instances:
            i.terminate()
        deadline = time.time() + 10
        for i in self.instances:
            i.reap(deadline)

    def attempt(self, deadline):
        """Start both; True when ready, False to try again with new ports, None on a real failure."""
        a, b = self.instances
        ports = free_ports(4)
        a.gui_port, a.listen_port, b.gui_port, b.listen_port = ports
        a.write_config(b)
        b.write_config(a)
        for i in self.instances:
            i.start()
        while time.time() < deadline and not self.stopping:
            if self.watch_stdin() or os.getppid() != self.parent:
                self.stopping = True
                break
            for i in self.instances:
                if i.proc.poll() is not None:
                    said = tail(i.log, 60)
                    self.stop_all()
                    if "address already in use" in said:
                        say("instance %s could not bind a port (taken meanwhile); trying new ports" % i.name)
                        return False
                    self.failure("syncthing %s exited with status %s while starting" % (i.name, i.proc.returncode))
                    return None
            for i in self.instances:
                err = i.listener_error()
                if err and "in use" in err:
                    say("instance %s: listener %s; trying new ports" % (i.name, err))
                    self.stop_all()
                    return False
            if a.connected_to(b) and b.connected_to(a):
                states = [i.folder_state() for i in self.instances]
                for i, (state, error) in zip(self.instances, states):
                    if error:
                        self.stop_all()
                        self.failure("folder %r of %s (%s): %s" % (FOLDER_ID, i.name, i.dir, error))
                        return None
                if all(s == "idle" for s, _ in states):
                    return True
            time.sleep(0.2)
        if self.stopping:
            return True
        what = "not ready within %g s (REST API answering: a %s, b %s; a sees b connected: %s, b sees a: %s; folder: a %s, b %s)" % (
            self.args.timeout,
            a.get("/rest/system/ping") is not None,
            b.get("/rest/system/ping") is not None,
            a.connected_to(b),
            b.connected_to(a),
            a.folder_state()[0],
            b.folder_state()[0],
        )
        self.stop_all()
        self.failure(what)
        return None

    def run(self):
        args = self.args
        if len(args.dir) != 2:
            sys.exit("syncthing.py: give --dir exactly twice (one directory per instance)")
        dirs = [os.path.realpath(d) for d in args.dir]
        if dirs[0] == dirs[1]:
            sys.exit("syncthing.py: the two --dir must differ")
        state = os.path.realpath(args.state)
        for d in dirs:
            if d == state or d.startswith(state + os.sep) or state.startswith(d + os.sep):
                sys.exit("syncthing.py: --dir %s and --state %s must not contain each other" % (d, state))
        syncthing = find_syncthing(args.syncthing)
        os.makedirs(state, exist_ok=True)
        for d in dirs:
            os.makedirs(d, exist_ok=True)
        self.parent = os.getppid()
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        signal.signal(signal.SIGHUP, self.on_signal)
        try:
            os.unlink(os.path.join(state, "ready.json"))
        except FileNotFoundError:
            pass

        self.instances = [Instance(n, d, state, syncthing) for n, d in zip(NAMES, dirs)]
        for i in self.instances:
            i.fresh_home()
            i.generate()

        deadline = time.time() + args.timeout
        try:
            for _ in range(TRIES):
                ok = self.attempt(deadline)
                if ok is not False:
                    break
            else:
                self.failure("no free ports for Syncthing after %d tries" % TRIES)
                return 1
            if ok is None:
                return 1
            if self.stopping:  # told to stop while starting
                return 0

            line = json.dumps({"ready": True, **{i.name: i.summary() for i in self.instances}})
            with open(os.path.join(state, "ready.json"), "w") as f:
                f.write(line + "\n")
            try:
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
            except BrokenPipeError:
                pass

            while not self.stopping:
                if self.watch_stdin() or os.getppid() != self.parent:
                    break
                for i in self.instances:
                    if i.proc.poll() is not None and not self.stopping:
                        self.failure("syncthing %s died (status %s)" % (i.name, i.proc.returncode))
                        return 1
                if self.stdin_open:
                    try:
                        select.select([sys.stdin.fileno()], [], [], 0.2)
                    except (OSError, ValueError, AttributeError):
                        time.sleep(0.2)
                    # A readable stdin is read (and EOF noticed) at the top of the loop.
                else:
                    time.sleep(0.2)
            return 0
        finally:
            self.stop_all()


def main():
    p = argparse.ArgumentParser(
        prog="syncthing.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--state", required=True, help="where each instance's home (config, keys, database, log) goes")
    p.add_argument(
        "--dir", action="append", default=[], required=True, help="a synced directory; give it twice (a, then b)"
    )
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for both to be connected (60)")
    p.add_argument("--syncthing", help="the syncthing binary (default: found on PATH)")
    p.add_argument(
        "--no-stdin", action="store_true", help="do not stop when stdin reaches end of file (for runs from a shell)"
    )
    args = p.parse_args()
    return Harness(args).run()


if __name__ == "__main__":
    sys.exit(main())
