-- Subscribers, lists, segments, the consent ledger and import jobs.

-- A mailing list, such as "Announcements" or "Volunteers".
CREATE TABLE list (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX list_name ON list (name COLLATE NOCASE);

-- A person on the mailing lists. `email_key` is the address folded to lower
-- case: two addresses that differ only in case are the same subscriber.
CREATE TABLE subscriber (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL CHECK (length(email) > 0),
    email_key   TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL DEFAULT '',
    first_name  TEXT NOT NULL DEFAULT '',
    language    TEXT NOT NULL DEFAULT '',
    city        TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    -- JSON array of tags, as typed; compared without regard to case.
    tags        TEXT NOT NULL DEFAULT '[]',
    notes       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Substring search over address and name: a trigram index whose rowid is the
-- subscriber's id. It keeps no copy of the text (the subscriber row has it) and
-- no positions; a match is confirmed against the row. Being contentless, a
-- line is removed with FTS5's 'delete' command and the text it was indexed with.
CREATE VIRTUAL TABLE subscriber_search USING fts5 (
    text,
    content = '',
    tokenize = 'trigram',
    detail = 'none'
);

-- A subscriber's current standing on a list. The history is in `consent`.
CREATE TABLE membership (
    id            INTEGER PRIMARY KEY,
    list_id       INTEGER NOT NULL REFERENCES list (id),
    subscriber_id INTEGER NOT NULL REFERENCES subscriber (id) ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status IN ('subscribed', 'unsubscribed', 'bounced', 'cleaned')),
    since         TEXT NOT NULL,
    UNIQUE (list_id, subscriber_id)
);
CREATE INDEX membership_subscriber ON membership (subscriber_id);

-- The consent ledger: every change of a person's standing on a list, with when
-- and where it came from. Append-only: the triggers below refuse to change or
-- remove a line. It is keyed by address, not by subscriber row, so deleting a
-- subscriber keeps the proof that they left, and no later import can put them back.
CREATE TABLE consent (
    id         INTEGER PRIMARY KEY,
    email_key  TEXT NOT NULL,
    list_id    INTEGER NOT NULL REFERENCES list (id),
    status     TEXT NOT NULL CHECK (status IN ('subscribed', 'unsubscribed', 'bounced', 'cleaned', 'deleted')),
    source     TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX consent_email ON consent (email_key, list_id);

CREATE TRIGGER consent_no_update BEFORE UPDATE ON consent
BEGIN
    SELECT RAISE (ABORT, 'The consent ledger is append-only: its lines cannot be changed.');
END;

CREATE TRIGGER consent_no_delete BEFORE DELETE ON consent
BEGIN
    SELECT RAISE (ABORT, 'The consent ledger is append-only: its lines cannot be removed.');
END;

-- A saved segment: a filter over one list (JSON of tags, city, ZIP prefix, language).
CREATE TABLE segment (
    id         INTEGER PRIMARY KEY,
    list_id    INTEGER NOT NULL REFERENCES list (id),
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    filter     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX segment_name ON segment (list_id, name COLLATE NOCASE);

-- Each import run: recorded as running before its transaction starts, and
-- finished inside it, so a crash leaves a 'running' row that the next start
-- marks 'interrupted' (the transaction rolled back: nothing of it landed).
CREATE TABLE import_job (
    id          INTEGER PRIMARY KEY,
    file_name   TEXT NOT NULL,
    list_id     INTEGER NOT NULL REFERENCES list (id),
    state       TEXT NOT NULL CHECK (state IN ('running', 'done', 'cancelled', 'failed', 'interrupted')),
    rows_total  INTEGER NOT NULL DEFAULT 0,
    imported    INTEGER NOT NULL DEFAULT 0,
    merged      INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    message     TEXT NOT NULL DEFAULT '',
    started_at  TEXT NOT NULL,
    finished_at TEXT
);
