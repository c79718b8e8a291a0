"""Reads a repeating event of an iCalendar file two ways, independently of
Handbill, and prints the dates each finds as JSON, so the command-line tests
check that calendars show a series as Handbill lists it.

Usage: read_series.py FILE.ics UID FROM UNTIL  (dates as YYYY-MM-DD)

- "icalendar": the file parsed with `icalendar`; the master VEVENT's RRULE
  expanded with `dateutil` (which icalendar is built on) from its DTSTART in
  its zone, less its EXDATEs, each RECURRENCE-ID date replaced by its
  override's DTSTART.
- "recurring": the dates `recurring-ical-events` gives between FROM and UNTIL.

Each date: start (ISO 8601 with its offset, in the event's zone) and
start_utc, sorted by start.
"""

import json
import sys
from datetime import date, datetime, timezone

import recurring_ical_events
from dateutil.rrule import rrulestr
from icalendar import Calendar


def stamp(value):
    if isinstance(value, datetime):
        return {
            "start": value.isoformat(),
            "start_utc": value.astimezone(timezone.utc).isoformat(),
        }
    return {"start": value.isoformat(), "start_utc": None}


def by_icalendar(cal, uid):
    master = None
    overrides = {}
    for ev in cal.walk("VEVENT"):
        if str(ev.get("UID")) != uid:
            continue
        if ev.get("RECURRENCE-ID") is None:
            master = ev
        else:
            overrides[ev.get("RECURRENCE-ID").dt] = ev
    if master is None:
        raise SystemExit(f"no VEVENT with UID {uid}")
    start = master.get("DTSTART").dt
    rule = master.get("RRULE").to_ical().decode()
    dates = list(rrulestr(rule, dtstart=start))
    skipped = set()
    exdates = master.get("EXDATE", [])
    if not isinstance(exdates, list):
        exdates = [exdates]
    for ex in exdates:
        for d in ex.dts:
            skipped.add(d.dt)
    out = []
    for d in dates:
        if d in skipped:
            continue
        if d in overrides:
            d = overrides[d].get("DTSTART").dt
        out.append(d)
    return {
        "rrule": rule,
        "exdates": sorted(x.isoformat() for x in skipped),
        "overrides": sorted(x.isoformat() for x in overrides),
        "dates": [stamp(d) for d in sorted(out)],
    }


def by_recurring(cal, uid, first, last):
    found = recurring_ical_events.of(cal).between(first, last)
    starts = sorted(ev.get("DTSTART").dt for ev in found if str(ev.get("UID")) == uid)
    return [stamp(d) for d in starts]


def main(path, uid, first, last):
    with open(path, "rb") as f:
        cal = Calendar.from_ical(f.read())
    first = date.fromisoformat(first)
    last = date.fromisoformat(last)
    json.dump(
        {
            "icalendar": by_icalendar(cal, uid),
            "recurring": by_recurring(cal, uid, first, last),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(*sys.argv[1:5])
