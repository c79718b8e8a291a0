#!/usr/bin/env bash
# How long a whole `handbill mailbox check` takes on a mailbox of 50,000
# messages (MESSAGES to change it) in a throwaway Dovecot on loopback, against
# the reference: the same messages downloaded over IMAP by Python's imaplib
# in the same pages of 100 (tests/bench/imap_fetch.py), which acts on nothing.
# Both read the same folder in the same run, ROUNDS times (3 unless told),
# each round on a fresh copy of the branch and with the folder's place reset;
# it prints each round's times and ratio, the medians, and the peak memory of
# the check. Then it shows the check resumes: one stopped after 20,000
# messages (--limit) and one that reads the rest.
#
# The messages are what a busy branch inbox holds: ordinary mail and
# newsletters, replies, and one bounce report in ten (tied to no recipient
# of this branch, so they wait for the coordinator: each one is written).
#
#   tests/bench/mailbox.sh [target/release/handbill]
set -euo pipefail

BIN=$(realpath "${1:-target/release/handbill}")
MESSAGES=${MESSAGES:-50000}
ROUNDS=${ROUNDS:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
chmod 711 "$work"  # Dovecot, run by root, reads its mail as nobody
trap 'kill "$imap_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

. "$here/common.sh"

python3 "$root/tests/imap/dovecot.py" --dir "$work/imap" --user branch --password secret > "$work/port" &
imap_pid=$!
for _ in $(seq 100); do grep -q PORT "$work/port" 2>/dev/null && break; sleep 0.2; done
port=$(awk '/PORT/ {print $2}' "$work/port")
[ -n "$port" ] || { echo "Dovecot did not start" >&2; exit 1; }

echo "Writing $MESSAGES messages into the mailbox…"
python3 - "$work/imap/mail" "$MESSAGES" <<'EOF'
import os, sys, time
maildir, n = sys.argv[1], int(sys.argv[2])
new = os.path.join(maildir, "new")
os.makedirs(new, exist_ok=True)
para = ("We are meeting on Thursday at the library to plan the march. Bring a friend, "
        "bring signs, and tell the people on your floor. ") * 12
for i in range(n):
    if i % 10 == 0:
        body = (
            f"From: MAILER-DAEMON@mx{i % 7}.example.net (Mail Delivery System)\r\n"
            f"To: boston@handbill.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            f"Message-ID: <bounce-{i}@mx.example.net>\r\nDate: Thu, 3 Dec 2026 10:00:00 +0000\r\n"
            "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
            "--b\r\nContent-Type: text/plain\r\n\r\nThe mail system could not deliver your message.\r\n"
            "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n"
            f"Final-Recipient: rfc822; someone{i}@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
            "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"From: Boston <boston@handbill.test>\r\nTo: someone{i}@example.net\r\nSubject: Rally\r\n"
            "--b--\r\n"
        )
    else:
        body = (
            f"From: Person {i} <person{i}@example.org>\r\nTo: boston@handbill.test\r\n"
            f"Subject: Re: the march, note {i}\r\nMessage-ID: <m{i}@example.org>\r\n"
            "Date: Thu, 3 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\nHi,\r\n\r\n{para}\r\n\r\nSee you there.\r\n"
        )
    name = f"{int(time.time())}.M{i}P1.bench"
    with open(os.path.join(new, name), "w", newline="") as f:
        f.write(body)
EOF
# Dovecot indexes the folder once, at its first SELECT: not part of either timing.
python3 "$root/tests/imap/dovecot.py" list --port "$port" --user branch --password secret --folder INBOX

make_branch() {
  rm -f "$work"/branch.sqlite*
  HANDBILL_ENCRYPT=0 "$BIN" --db "$work/branch.sqlite" demo > /dev/null 2>&1
  HANDBILL_ENCRYPT=0 "$BIN" --db "$work/branch.sqlite" branch set contact_email boston@handbill.test > /dev/null
  HANDBILL_ENCRYPT=0 HANDBILL_IMAP_PASSWORD=secret "$BIN" --db "$work/branch.sqlite" mailbox setup \
    "imap://branch@127.0.0.1:$port/INBOX?security=plain&handled=Bench/Handled" > /dev/null
}

echo "round  check_ms  imaplib_ms  ratio"
: > "$work/checks"; : > "$work/refs"; : > "$work/ratios"
for r in $(seq "$ROUNDS"); do
  make_branch
  # A dry run reads and judges every message and files none, so each round
  # reads the same folder; the rows a real check writes are timed below.
  t0=$(now_ms)
  /usr/bin/time -f "%M" -o "$work/rss" env HANDBILL_ENCRYPT=0 HANDBILL_IMAP_PASSWORD=secret \
    "$BIN" --db "$work/branch.sqlite" mailbox check --dry-run > "$work/out"
  t1=$(now_ms)
  python3 "$here/imap_fetch.py" "$port" > /dev/null
  t2=$(now_ms)
  c=$((t1 - t0)); f=$((t2 - t1))
  ratio=$(awk -v a="$c" -v b="$f" 'BEGIN {printf "%.2f", a / b}')
  echo "$r      $c     $f      $ratio"
  echo "$c" >> "$work/checks"; echo "$f" >> "$work/refs"; echo "$ratio" >> "$work/ratios"
done
tail -1 "$work/out"
echo "median: check $(median < "$work/checks") ms, imaplib $(median < "$work/refs") ms, ratio $(median < "$work/ratios")"
echo "peak memory of the check: $(( $(cat "$work/rss") / 1024 )) MB"

echo "A check that acts, stopped after 20,000 messages, then resumed:"
make_branch
t0=$(now_ms)
HANDBILL_ENCRYPT=0 HANDBILL_IMAP_PASSWORD=secret "$BIN" --db "$work/branch.sqlite" mailbox check --limit 20000 | tail -1
t1=$(now_ms)
HANDBILL_ENCRYPT=0 HANDBILL_IMAP_PASSWORD=secret "$BIN" --db "$work/branch.sqlite" mailbox check | tail -1
t2=$(now_ms)
echo "first part $((t1 - t0)) ms, the rest $((t2 - t1)) ms"
