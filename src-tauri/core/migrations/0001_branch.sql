-- The branch profile: exactly one row, the organization using this database.
-- application_id marks the file as Handbill's ('HNDB').
PRAGMA application_id = 1213088834;

CREATE TABLE branch (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    name            TEXT NOT NULL CHECK (length(trim(name)) > 0),
    short_name      TEXT NOT NULL DEFAULT '',
    city            TEXT NOT NULL DEFAULT '',
    contact_email   TEXT NOT NULL DEFAULT '',
    website         TEXT NOT NULL DEFAULT '',
    time_zone       TEXT NOT NULL,
    -- JSON array of BCP 47 language tags, the first is the main language.
    languages       TEXT NOT NULL DEFAULT '["en"]',
    logo            BLOB,
    logo_media_type TEXT CHECK (logo_media_type IN ('image/png', 'image/jpeg')),
    logo_width      INTEGER,
    logo_height     INTEGER,
    updated_at      TEXT NOT NULL
);
