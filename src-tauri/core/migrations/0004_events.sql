-- Events: venues, speakers, tours and their stops, the history of every change
-- of date, venue or status, and the full-text index behind event search.

-- A reusable place. `room` is the usual room; an event may name another.
CREATE TABLE venue (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL CHECK (length(trim(name)) > 0),
    room          TEXT NOT NULL DEFAULT '',
    address       TEXT NOT NULL DEFAULT '',
    city          TEXT NOT NULL DEFAULT '',
    accessibility TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- A reusable person who speaks at events.
CREATE TABLE speaker (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    affiliation TEXT NOT NULL DEFAULT '',
    credit      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);

-- A speaking tour: the shared title, description, speakers, hosts and tags of its stops.
CREATE TABLE tour (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    hosts       TEXT NOT NULL DEFAULT '',
    tags        TEXT NOT NULL DEFAULT '[]',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE tour_speaker (
    tour_id    INTEGER NOT NULL REFERENCES tour (id) ON DELETE CASCADE,
    speaker_id INTEGER NOT NULL REFERENCES speaker (id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (tour_id, position)
);

-- One event. Dates are kept twice: as the local date and time the organizer
-- typed (so a draft keeps what was typed, even when it is not a date yet), and,
-- once valid, as UTC instants (`start_at`, `end_at`, RFC 3339) with the IANA zone.
-- `start_date` empty: "date to be announced" (tour stops only, once announced).
-- Structured fields (reading list, links, tags, co-sponsor call) are JSON.
CREATE TABLE event (
    id                   INTEGER PRIMARY KEY,
    uid                  TEXT NOT NULL,
    sequence             INTEGER NOT NULL DEFAULT 0,
    title                TEXT NOT NULL DEFAULT '',
    kind                 TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('draft', 'announced', 'rescheduled', 'postponed', 'cancelled')),
    description          TEXT NOT NULL DEFAULT '',
    start_date           TEXT NOT NULL DEFAULT '',
    start_time           TEXT NOT NULL DEFAULT '',
    end_date             TEXT NOT NULL DEFAULT '',
    end_time             TEXT NOT NULL DEFAULT '',
    time_zone            TEXT NOT NULL DEFAULT '',
    all_day              INTEGER NOT NULL DEFAULT 0,
    start_at             TEXT,
    end_at               TEXT,
    venue_id             INTEGER REFERENCES venue (id),
    room                 TEXT NOT NULL DEFAULT '',
    online_link          TEXT NOT NULL DEFAULT '',
    attendance           TEXT NOT NULL DEFAULT 'in_person',
    hosts                TEXT NOT NULL DEFAULT '',
    reading_list         TEXT NOT NULL DEFAULT '[]',
    accessibility        TEXT NOT NULL DEFAULT '',
    rules                TEXT NOT NULL DEFAULT '',
    links                TEXT NOT NULL DEFAULT '{}',
    tags                 TEXT NOT NULL DEFAULT '[]',
    cosponsor_call       TEXT NOT NULL DEFAULT '{}',
    tour_id              INTEGER REFERENCES tour (id),
    override_title       INTEGER NOT NULL DEFAULT 0,
    override_description INTEGER NOT NULL DEFAULT 0,
    override_speakers    INTEGER NOT NULL DEFAULT 0,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX event_uid ON event (uid);
CREATE INDEX event_start ON event (start_date);
CREATE INDEX event_end_at ON event (end_at);
CREATE INDEX event_tour ON event (tour_id);
CREATE INDEX event_venue ON event (venue_id);

-- An event's speakers, in the order they are announced.
CREATE TABLE event_speaker (
    event_id   INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    speaker_id INTEGER NOT NULL REFERENCES speaker (id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (event_id, position)
);
CREATE INDEX event_speaker_speaker ON event_speaker (speaker_id);

-- Every change of an event's date, venue or status, with its reason. Append-only.
CREATE TABLE event_history (
    id        INTEGER PRIMARY KEY,
    event_id  INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('status', 'date', 'venue')),
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    reason    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX event_history_event ON event_history (event_id);

CREATE TRIGGER event_history_no_update BEFORE UPDATE ON event_history
BEGIN
    SELECT RAISE (ABORT, 'An event''s history is append-only: its lines cannot be changed.');
END;

-- Word search over title, description, speakers and venue; rowid = event id.
-- Kept current by the events module in the same transaction as each change.
CREATE VIRTUAL TABLE event_search USING fts5 (
    title,
    description,
    speakers,
    venue,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
