"""Checks a site `handbill publish` wrote, with tools that are not Handbill's.

    check_site.py SITE_DIR EVENT_PAGE SHOTS_DIR EXPECTED.json

- serves SITE_DIR with `python3 -m http.server` bound to 127.0.0.1 on a free
  port, and opens index.html and EVENT_PAGE in headless Chromium at desktop
  (1280x900) and phone (390x844) widths, saving screenshots in SHOTS_DIR;
- checks every HTML file with `tidy -q -e`: no errors and no warnings;
- follows every local href and src of every page over HTTP: each answers 200;
- reads events.ics (and each event's calendar file) with `icalendar`, and
  feed.atom with `feedparser`;
- says which draft title, if any, appears in a file.

EXPECTED.json: {"draft": "...", "feed_titles": [...], "uids": [...]}.
Prints one JSON object of what it found; exits 1 with the reasons when a
check fails.
"""

import contextlib
import html.parser
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import feedparser
import icalendar


def free_port():
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.found.append(value)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        for folder in os.environ.get("PATH", "").split(os.pathsep):
            path = os.path.join(folder, name)
            if os.access(path, os.X_OK):
                return path
    raise SystemExit("chromium is not installed (Debian package chromium; make deps)")


def main():
    site, event_page, shots, expected_path = sys.argv[1:5]
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    problems = []
    found = {}
    os.makedirs(shots, exist_ok=True)

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", site],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "index.html", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)

        # Screenshots at desktop and phone widths.
        browser = chromium()
        profile = tempfile.mkdtemp(prefix="handbill-chromium-")
        found["screenshots"] = []
        for page, label in (("index.html", "index"), (event_page, "event")):
            for width, height, size in ((1280, 900, "desktop"), (390, 844, "phone")):
                out = os.path.abspath(os.path.join(shots, f"{label}-{size}.png"))
                if os.path.exists(out):
                    os.remove(out)
                subprocess.run(
                    [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                     "--no-first-run", "--user-data-dir=" + profile,
                     f"--screenshot={out}", f"--window-size={width},{height}", base + page],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=False,
                )
                if not os.path.exists(out) or os.path.getsize(out) < 5000:
                    problems.append(f"chromium made no screenshot of {page} at {width}x{height}")
                else:
                    found["screenshots"].append(out)
        shutil.rmtree(profile, ignore_errors=True)

        # Every page valid HTML for tidy, every local link answering.
        pages = []
        for folder, _, names in os.walk(site):
            for name in names:
                rel = os.path.relpath(os.path.join(folder, name), site).replace(os.sep, "/")
                if name.endswith(".html"):
                    pages.append(rel)
        found["pages"] = sorted(pages)
        checked = set()
        for rel in sorted(pages):
            t = subprocess.run(["tidy", "-q", "-e", os.path.join(site, rel)],
                               capture_output=True, text=True, check=False)
            if t.returncode != 0:
                problems.append(f"tidy on {rel} (exit {t.returncode}): {t.stderr.strip()}")
            with open(os.path.join(site, rel), encoding="utf-8") as f:
                parser = Links()
                parser.feed(f.read())
            for link in parser.found:
                target = urllib.parse.urljoin(base + rel, link)
                if not target.startswith(base):
                    continue
                target = target.split("#")[0]
                if target in checked:
                    continue
                checked.add(target)
                try:
                    status = urllib.request.urlopen(target, timeout=5).status
                except OSError as e:
                    status = str(e)
                if status != 200:
                    problems.append(f"{rel} links to {link}, which answers {status}")
        found["links_checked"] = len(checked)

        # The calendars, read by icalendar.
        with urllib.request.urlopen(base + "events.ics", timeout=5) as r:
            cal = icalendar.Calendar.from_ical(r.read())
        events = [c for c in cal.walk("VEVENT")]
        found["ics_uids"] = sorted({str(e.get("UID")) for e in events})
        found["ics_sequences"] = sorted({int(e.get("SEQUENCE", -1)) for e in events})
        for uid in expected["uids"]:
            if uid not in found["ics_uids"]:
                problems.append(f"events.ics has no event {uid}")
        if any(s < 0 for s in found["ics_sequences"]):
            problems.append("an event of events.ics has no SEQUENCE")
        for name in os.listdir(os.path.join(site, "events")):
            if name.endswith(".ics"):
                with open(os.path.join(site, "events", name), "rb") as f:
                    one = icalendar.Calendar.from_ical(f.read())
                if not list(one.walk("VEVENT")):
                    problems.append(f"events/{name} holds no event")

        # The feed, read by feedparser.
        feed = feedparser.parse(base + "feed.atom")
        found["feed_bozo"] = bool(feed.bozo)
        found["feed_titles"] = sorted(e.title for e in feed.entries)
        if feed.bozo:
            problems.append(f"feedparser finds feed.atom malformed: {feed.bozo_exception}")
        if found["feed_titles"] != sorted(expected["feed_titles"]):
            problems.append(
                f"feed.atom's entries are {found['feed_titles']}, not the public upcoming events {sorted(expected['feed_titles'])}")
        for entry in feed.entries:
            link = entry.get("link", "")
            if not link.startswith(base):
                problems.append(f"feed entry {entry.title} links to {link}, not a page of the site")
            else:
                try:
                    urllib.request.urlopen(link, timeout=5)
                except OSError as e:
                    problems.append(f"feed entry {entry.title} links to {link}: {e}")

        # The draft, nowhere.
        found["draft_in"] = []
        for folder, _, names in os.walk(site):
            for name in names:
                with open(os.path.join(folder, name), "rb") as f:
                    if expected["draft"].encode() in f.read():
                        found["draft_in"].append(os.path.relpath(os.path.join(folder, name), site))
        if found["draft_in"]:
            problems.append(f"the draft's title is in {found['draft_in']}")
    finally:
        server.terminate()
        server.wait(timeout=10)

    found["problems"] = problems
    print(json.dumps(found, indent=1))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
