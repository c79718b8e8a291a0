-- Meetings that repeat. A series is one event (its row holds the first date,
-- and the title, place and times every date shares) with a repeat rule here;
-- its dates are computed from the rule, never stored one by one. One date
-- skipped or moved is a row of `series_exception`, keyed by the date the rule
-- gives it, with the reason; the other dates are untouched.

-- The rule: weekly (`interval` 1), every other week (2), or monthly on the
-- `nth` weekday of the first date (1 to 4, or -1 for the last). `until` is
-- the last local date a meeting may fall on (inclusive); '' never ends.
CREATE TABLE series (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL UNIQUE REFERENCES event (id) ON DELETE CASCADE,
    freq       TEXT NOT NULL CHECK (freq IN ('weekly', 'monthly')),
    interval   INTEGER NOT NULL DEFAULT 1 CHECK (interval IN (1, 2)),
    nth        INTEGER NOT NULL DEFAULT 0 CHECK (nth IN (0, 1, 2, 3, 4, -1)),
    until      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One date of a series skipped (`moved_date` empty) or moved to another local
-- date and time, with the reason. `original_date` is the local date the rule
-- gives (the iCalendar RECURRENCE-ID).
CREATE TABLE series_exception (
    id            INTEGER PRIMARY KEY,
    event_id      INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    original_date TEXT NOT NULL,
    moved_date    TEXT NOT NULL DEFAULT '',
    moved_time    TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    at            TEXT NOT NULL,
    UNIQUE (event_id, original_date)
);
CREATE INDEX series_exception_event ON series_exception (event_id);
