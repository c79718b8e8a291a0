#!/usr/bin/env python3
"""Reads the messages tests/smtp/server.py saved, with Python's own MIME parser
(independent of the Rust code that wrote them), and prints one JSON object per
message: the file, the headers Handbill must set, and each leaf part's type and
decoded text (attachments by name and size, their Content-Disposition as
written, and a PDF's /CreationDate)."""

import email
import email.policy
import json
import os
import re
import sys

HEADERS = ["From", "To", "Reply-To", "Subject", "Message-ID", "Date", "List-Id", "List-Unsubscribe",
           "List-Unsubscribe-Post", "MIME-Version", "Content-Type", "Precedence", "Auto-Submitted"]


def main(folder):
    out = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".eml"):
            continue
        with open(os.path.join(folder, name), "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        parts = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            entry = {"type": part.get_content_type(), "filename": part.get_filename()}
            if part.get_content_maintype() == "text" and not part.get_filename():
                entry["text"] = part.get_content()
            else:
                payload = part.get_payload(decode=True) or b""
                entry["size"] = len(payload)
                raw = dict((k.lower(), v) for k, v in part.raw_items())
                entry["disposition_raw"] = raw.get("content-disposition")
                created = re.search(rb"/CreationDate\s*\(D:(\d{14})", payload)
                entry["pdf_created"] = created.group(1).decode() if created else None
            parts.append(entry)
        out.append({
            "file": name,
            "headers": {h: (str(msg[h]) if msg[h] is not None else None) for h in HEADERS},
            "defects": [type(d).__name__ for d in msg.defects],
            "parts": parts,
        })
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
