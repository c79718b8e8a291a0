-- Attendance: who came to an event, typed in from the paper sign-in sheet or
-- read from a door form's CSV. One row per person per occasion: `occurrence`
-- is the date of one meeting of a repeating series ('' for a single event),
-- `held_on` the local date the occasion took place, which orders occasions
-- for "attended at least N of the last M events".
--
-- A person with an address is a subscriber (added, on no list, when they are
-- new: signing in mails nothing by itself); someone who wrote no address is
-- kept by the name, phone and ZIP they wrote. Deleting or forgetting a
-- subscriber deletes their attendance with them.
CREATE TABLE attendance (
    id            INTEGER PRIMARY KEY,
    event_id      INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    occurrence    TEXT NOT NULL DEFAULT '',
    held_on       TEXT NOT NULL,
    subscriber_id INTEGER REFERENCES subscriber (id) ON DELETE CASCADE,
    name          TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    postal_code   TEXT NOT NULL DEFAULT '',
    -- The row on the paper sheet, or the line of the CSV file.
    sheet_row     INTEGER NOT NULL DEFAULT 0,
    -- 'sheet' (typed from paper) or 'csv' (a door form's file).
    source        TEXT NOT NULL CHECK (source IN ('sheet', 'csv')),
    -- The box "Email me about future events" was ticked.
    wants_mail    INTEGER NOT NULL DEFAULT 0,
    -- The person was first known to the branch at this sign-in.
    new_person    INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (event_id, occurrence, subscriber_id)
);
CREATE INDEX attendance_subscriber ON attendance (subscriber_id);
CREATE INDEX attendance_held ON attendance (held_on, event_id, occurrence);
