"""Reads an iCalendar file with the `icalendar` library and prints its events
as JSON, so the command-line tests check Handbill's calendar files with a
reader that is not Handbill's own.

Usage: read_ics.py FILE.ics
Each event: uid, summary, status, sequence, location, start (ISO 8601 with
its offset), start_utc, start_zone (the TZID's zone name, or null for a
date), end and end_utc (null when the event has no DTEND), and the zones the
file's VTIMEZONEs name.
"""

import json
import sys
from datetime import date, datetime, timezone

from icalendar import Calendar


def when(prop):
    if prop is None:
        return None, None, None
    value = prop.dt
    if isinstance(value, datetime):
        zone = prop.params.get("TZID")
        return value.isoformat(), value.astimezone(timezone.utc).isoformat(), zone
    if isinstance(value, date):
        return value.isoformat(), None, None
    raise ValueError(f"unexpected date value {value!r}")


def main(path):
    with open(path, "rb") as f:
        cal = Calendar.from_ical(f.read())
    events = []
    for ev in cal.walk("VEVENT"):
        start, start_utc, start_zone = when(ev.get("DTSTART"))
        end, end_utc, end_zone = when(ev.get("DTEND"))
        events.append(
            {
                "uid": str(ev.get("UID")),
                "summary": str(ev.get("SUMMARY")),
                "status": str(ev.get("STATUS", "")),
                "sequence": int(ev.get("SEQUENCE", 0)),
                "location": str(ev.get("LOCATION", "")),
                "start": start,
                "start_utc": start_utc,
                "start_zone": start_zone,
                "end": end,
                "end_utc": end_utc,
                "end_zone": end_zone,
            }
        )
    zones = [str(tz.get("TZID")) for tz in cal.walk("VTIMEZONE")]
    json.dump({"events": events, "zones": zones}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
