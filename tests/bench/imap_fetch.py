#!/usr/bin/env python3
"""The reference for tests/bench/mailbox.sh: every message of INBOX downloaded
over IMAP by Python's imaplib in pages of 100 UIDs, as a check fetches them
(BODY.PEEK[] up to 2 MiB each), acting on nothing. Prints how many it read.

  python3 tests/bench/imap_fetch.py PORT [USER] [PASSWORD]
"""

import imaplib
import sys

port = int(sys.argv[1])
user = sys.argv[2] if len(sys.argv) > 2 else "branch"
password = sys.argv[3] if len(sys.argv) > 3 else "secret"
imap = imaplib.IMAP4("127.0.0.1", port)
imap.login(user, password)
imap.select("INBOX", readonly=True)
_, found = imap.uid("SEARCH", None, "ALL")
uids = [int(u) for u in found[0].split()]
read = 0
for i in range(0, len(uids), 100):
    page = uids[i : i + 100]
    _, data = imap.uid("FETCH", f"{page[0]}:{page[-1]}", "(UID BODY.PEEK[]<0.2097152>)")
    read += sum(1 for d in data if isinstance(d, tuple))
imap.logout()
print(read)
