-- Coalition: partner organizations and their contact people, co-sponsorships
-- of events and tours with their append-only steps, versioned demand lists
-- with translations and endorsements, and email drafts of invitations.

-- A partner organization. `name_key` is the name folded to lower-case letters
-- and digits, `website_host` the website's host without `www.`: both find
-- likely duplicates. The logo is a checked PNG or JPEG.
CREATE TABLE organization (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL CHECK (length(trim(name)) > 0),
    name_key        TEXT NOT NULL,
    short_name      TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL CHECK (kind IN ('union', 'student_group', 'community_organization', 'party', 'faith_group', 'other')),
    website         TEXT NOT NULL DEFAULT '',
    website_host    TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    phone           TEXT NOT NULL DEFAULT '',
    notes           TEXT NOT NULL DEFAULT '',
    tags            TEXT NOT NULL DEFAULT '[]',
    logo            BLOB,
    logo_media_type TEXT,
    logo_width      INTEGER,
    logo_height     INTEGER,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX organization_name_key ON organization (name_key);
CREATE INDEX organization_website_host ON organization (website_host);

-- A person at an organization, in the order the organizer lists them.
CREATE TABLE org_contact (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    name            TEXT NOT NULL CHECK (length(trim(name)) > 0),
    role            TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    phone           TEXT NOT NULL DEFAULT '',
    position        INTEGER NOT NULL
);
CREATE INDEX org_contact_organization ON org_contact (organization_id);

-- An organization's part in one event or one tour. `position` orders the
-- confirmed co-sponsors of the event or tour, as the organizer sets it.
CREATE TABLE cosponsorship (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organization (id),
    event_id        INTEGER REFERENCES event (id) ON DELETE CASCADE,
    tour_id         INTEGER REFERENCES tour (id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('prospect', 'asked', 'confirmed', 'declined', 'withdrawn')),
    logo_permitted  INTEGER NOT NULL DEFAULT 0,
    position        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK ((event_id IS NULL) <> (tour_id IS NULL))
);
CREATE UNIQUE INDEX cosponsorship_event ON cosponsorship (event_id, organization_id) WHERE event_id IS NOT NULL;
CREATE UNIQUE INDEX cosponsorship_tour ON cosponsorship (tour_id, organization_id) WHERE tour_id IS NOT NULL;
CREATE INDEX cosponsorship_organization ON cosponsorship (organization_id);
CREATE INDEX cosponsorship_event_id ON cosponsorship (event_id);
CREATE INDEX cosponsorship_tour_id ON cosponsorship (tour_id);

-- Every step of a co-sponsorship: the status reached, on which date, through
-- which contact (the name is kept should the contact be removed), with a note.
CREATE TABLE cosponsorship_step (
    id               INTEGER PRIMARY KEY,
    cosponsorship_id INTEGER NOT NULL REFERENCES cosponsorship (id) ON DELETE CASCADE,
    status           TEXT NOT NULL,
    on_date          TEXT NOT NULL,
    contact_id       INTEGER REFERENCES org_contact (id) ON DELETE SET NULL,
    contact_name     TEXT NOT NULL DEFAULT '',
    note             TEXT NOT NULL DEFAULT '',
    recorded_at      TEXT NOT NULL
);
CREATE INDEX cosponsorship_step_cosponsorship ON cosponsorship_step (cosponsorship_id);

CREATE TRIGGER cosponsorship_step_no_update BEFORE UPDATE OF cosponsorship_id, status, on_date, contact_name, note, recorded_at ON cosponsorship_step
BEGIN
    SELECT RAISE (ABORT, 'A co-sponsorship''s steps are append-only: they cannot be changed.');
END;

-- A demand list: its content lives in numbered versions.
CREATE TABLE demand_list (
    id         INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One version of a demand list. An event announced with a version keeps it.
CREATE TABLE demand_list_version (
    id         INTEGER PRIMARY KEY,
    list_id    INTEGER NOT NULL REFERENCES demand_list (id) ON DELETE CASCADE,
    number     INTEGER NOT NULL,
    title      TEXT NOT NULL,
    intro      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (list_id, number)
);

-- One demand of a version. `demand_key` follows a demand from version to
-- version, so a diff can tell a changed or moved demand from a new one.
CREATE TABLE demand (
    id         INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES demand_list_version (id) ON DELETE CASCADE,
    demand_key INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    text       TEXT NOT NULL CHECK (length(trim(text)) > 0),
    UNIQUE (version_id, demand_key)
);
CREATE INDEX demand_version ON demand (version_id, position);

-- A version's title and intro in another language, and its demands' texts.
CREATE TABLE demand_list_translation (
    version_id INTEGER NOT NULL REFERENCES demand_list_version (id) ON DELETE CASCADE,
    language   TEXT NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    intro      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (version_id, language)
);
CREATE TABLE demand_translation (
    demand_id INTEGER NOT NULL REFERENCES demand (id) ON DELETE CASCADE,
    language  TEXT NOT NULL,
    text      TEXT NOT NULL,
    PRIMARY KEY (demand_id, language)
);

-- Which version of a demand list an event or a tour carries.
CREATE TABLE demand_use (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER UNIQUE REFERENCES event (id) ON DELETE CASCADE,
    tour_id    INTEGER UNIQUE REFERENCES tour (id) ON DELETE CASCADE,
    version_id INTEGER NOT NULL REFERENCES demand_list_version (id),
    CHECK ((event_id IS NULL) <> (tour_id IS NULL))
);
CREATE INDEX demand_use_version ON demand_use (version_id);

-- An organization's endorsement of one version of a demand list.
CREATE TABLE endorsement (
    organization_id INTEGER NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    version_id      INTEGER NOT NULL REFERENCES demand_list_version (id) ON DELETE CASCADE,
    endorsed_on     TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organization_id, version_id)
);

-- An email written by Handbill and waiting for the mail capability to send it.
CREATE TABLE email_draft (
    id              INTEGER PRIMARY KEY,
    purpose         TEXT NOT NULL,
    event_id        INTEGER REFERENCES event (id) ON DELETE SET NULL,
    organization_id INTEGER REFERENCES organization (id) ON DELETE SET NULL,
    contact_id      INTEGER REFERENCES org_contact (id) ON DELETE SET NULL,
    from_name       TEXT NOT NULL,
    from_address    TEXT NOT NULL,
    to_name         TEXT NOT NULL,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
