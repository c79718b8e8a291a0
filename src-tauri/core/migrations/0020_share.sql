-- Sharing one branch between officers' laptops through a folder (share/).
-- See docs/sharing.md. Nothing here is written until sharing starts.

-- This laptop: its keys, the folder, the next change file's number.
CREATE TABLE share_self (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    laptop     TEXT NOT NULL,
    name       TEXT NOT NULL,
    -- Ed25519 key pair (PKCS#8) that signs this laptop's files.
    sign_key   BLOB NOT NULL,
    -- X25519 identity (age) that receives the branch's keys.
    age_secret TEXT NOT NULL,
    folder     TEXT NOT NULL,
    next_seq   INTEGER NOT NULL DEFAULT 1,
    last_hash  TEXT NOT NULL DEFAULT '',
    -- The hybrid logical clock: the last time this laptop wrote or read.
    hlc        TEXT NOT NULL DEFAULT '',
    -- 0 while another laptop's changes are applied, so they are not noted again.
    capturing  INTEGER NOT NULL DEFAULT 1 CHECK (capturing IN (0, 1)),
    -- The schema the change triggers were made for.
    triggers   TEXT NOT NULL DEFAULT '',
    synced_at  TEXT,
    created_at TEXT NOT NULL
);

-- The officers' laptops, this one included.
CREATE TABLE share_laptop (
    laptop        TEXT PRIMARY KEY,
    name          TEXT NOT NULL DEFAULT '',
    sign_key      BLOB NOT NULL,
    age_recipient TEXT NOT NULL,
    joined_at     TEXT NOT NULL,
    applied_seq   INTEGER NOT NULL DEFAULT 0,
    applied_hash  TEXT NOT NULL DEFAULT '',
    -- Files numbered above this are refused: the laptop was removed.
    removed_after INTEGER,
    last_change   TEXT,
    last_applied  TEXT
) WITHOUT ROWID;

-- What each applied file had seen (its version vector), to tell "happened
-- before" from "made apart".
CREATE TABLE share_file (
    laptop TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    knows  TEXT NOT NULL,
    hlc    TEXT NOT NULL,
    PRIMARY KEY (laptop, seq)
) WITHOUT ROWID;

-- The branch's keys, one per epoch; change files are encrypted to the latest.
CREATE TABLE share_key (
    epoch  INTEGER PRIMARY KEY,
    secret TEXT NOT NULL
);

CREATE TABLE share_invite (
    invite    TEXT PRIMARY KEY,
    mac_key   BLOB NOT NULL,
    by_laptop TEXT NOT NULL,
    made_at   TEXT NOT NULL,
    -- The code, kept only on the laptop that made it, to show again.
    code      TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- Files that could not be applied, and why.
CREATE TABLE share_problem (
    file   TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    at     TEXT NOT NULL
) WITHOUT ROWID;

-- Change files made here and not yet written to the folder.
CREATE TABLE share_outbox (
    seq   INTEGER PRIMARY KEY,
    bytes BLOB NOT NULL
);

-- A row's global id, the same on every laptop, and who made it.
CREATE TABLE sync_row (
    tbl    TEXT NOT NULL,
    gid    TEXT NOT NULL,
    local  INTEGER NOT NULL,
    laptop TEXT NOT NULL DEFAULT '',
    seq    INTEGER NOT NULL DEFAULT 0,
    hlc    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tbl, gid)
) WITHOUT ROWID;
CREATE INDEX sync_row_local ON sync_row (tbl, local);

CREATE TABLE sync_tomb (
    tbl TEXT NOT NULL,
    gid TEXT NOT NULL,
    PRIMARY KEY (tbl, gid)
) WITHOUT ROWID;

-- Who last wrote a field ('*': who made a row that has no global id).
CREATE TABLE sync_field (
    tbl    TEXT NOT NULL,
    key    TEXT NOT NULL,
    col    TEXT NOT NULL,
    laptop TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    hlc    TEXT NOT NULL,
    PRIMARY KEY (tbl, key, col)
) WITHOUT ROWID;

-- Writes of one field made apart: all kept until someone picks.
CREATE TABLE sync_conflict (
    tbl    TEXT NOT NULL,
    key    TEXT NOT NULL,
    col    TEXT NOT NULL,
    laptop TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    hlc    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (tbl, key, col, laptop, seq)
) WITHOUT ROWID;

-- What changed here since the last change file (written by the triggers).
CREATE TABLE sync_dirty (
    n     INTEGER PRIMARY KEY,
    tbl   TEXT NOT NULL,
    op    TEXT NOT NULL CHECK (op IN ('i', 'u', 'd')),
    local INTEGER,
    key   TEXT,
    gid   TEXT,
    cols  TEXT NOT NULL DEFAULT ''
);

-- Every branch-wide opt-out (a suppression made) and every lifting of one
-- (an opt-in with evidence), with the file and place in it they came in:
-- an address is suppressed when it has an opt-out and no lifting saw them
-- all (share/apply.rs, `derive_suppression`).
CREATE TABLE sync_optout (
    email_key TEXT NOT NULL,
    laptop    TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    idx       INTEGER NOT NULL,
    hlc       TEXT NOT NULL,
    status    TEXT NOT NULL,
    since     TEXT NOT NULL,
    source    TEXT NOT NULL,
    PRIMARY KEY (email_key, laptop, seq, idx)
) WITHOUT ROWID;

CREATE TABLE sync_lift (
    email_key TEXT NOT NULL,
    laptop    TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    idx       INTEGER NOT NULL,
    PRIMARY KEY (email_key, laptop, seq, idx)
) WITHOUT ROWID;

-- Who claimed sending an announcement.
CREATE TABLE sync_claim (
    announcement TEXT NOT NULL,
    laptop       TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    hlc          TEXT NOT NULL,
    PRIMARY KEY (announcement, laptop)
) WITHOUT ROWID;
