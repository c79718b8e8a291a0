-- The branch's mailbox (mail/mailbox/): what comes back from its mail read
-- over IMAP or from saved files, and what Handbill did about each message.

-- The IMAP side of the mail account. Its password is kept in the OS keychain,
-- never here. `plus_addressing` is what the probe found: 1 the provider
-- delivers boston+anything@ to boston@ (each message then goes out with its own
-- return path), 0 it does not (the token rides in a header instead), NULL not
-- probed yet.
CREATE TABLE mailbox_account (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    host             TEXT NOT NULL,
    port             INTEGER NOT NULL,
    security         TEXT NOT NULL CHECK (security IN ('starttls', 'tls', 'plain')),
    username         TEXT NOT NULL DEFAULT '',
    folder           TEXT NOT NULL DEFAULT 'INBOX',
    handled_folder   TEXT NOT NULL DEFAULT 'Handbill/Handled',
    plus_addressing  INTEGER CHECK (plus_addressing IN (0, 1)),
    probed_at        TEXT,
    -- When the last check ended.
    checked_at       TEXT,
    updated_at       TEXT NOT NULL
);

-- Where reading a folder stopped: the last UID read under its UIDVALIDITY.
-- A check resumes after it; a new UIDVALIDITY starts the folder again (each
-- message is still acted on once: see mailbox_message.message_key).
CREATE TABLE mailbox_cursor (
    folder       TEXT PRIMARY KEY,
    uid_validity INTEGER NOT NULL,
    last_uid     INTEGER NOT NULL
);

-- Every message read that concerns the list, and what was done. Ordinary mail
-- is not kept. `message_key` is the Message-ID, or a hash of the message when
-- it has none: a message is acted on once however often it is read.
CREATE TABLE mailbox_message (
    id              INTEGER PRIMARY KEY,
    message_key     TEXT NOT NULL UNIQUE,
    message_id      TEXT NOT NULL DEFAULT '',
    -- The message's own Date, RFC 3339 UTC, or when it was read.
    received_at     TEXT NOT NULL,
    read_at         TEXT NOT NULL,
    -- 'imap' or 'file'; `place` is the folder and UID, or the file's name.
    origin          TEXT NOT NULL CHECK (origin IN ('imap', 'file')),
    place           TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL CHECK (kind IN ('hard_bounce', 'soft_bounce', 'complaint', 'unsubscribe', 'auto_reply', 'unclear')),
    -- The person it is about (their address's key), when it could be tied to one.
    email_key       TEXT,
    subscriber_id   INTEGER REFERENCES subscriber (id) ON DELETE SET NULL,
    list_id         INTEGER REFERENCES list (id) ON DELETE SET NULL,
    -- 'bounced', 'soft_bounce' (counted), 'unsubscribed', 'complained',
    -- 'none' (left alone: an auto-reply, an opt-out already on record), or
    -- 'needs_you' (for the coordinator to decide).
    action          TEXT NOT NULL CHECK (action IN ('bounced', 'soft_bounce', 'unsubscribed', 'complained', 'none', 'needs_you')),
    summary         TEXT NOT NULL DEFAULT '',
    sender          TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL DEFAULT '',
    -- Lists the action moved off subscribed (JSON array of ids), for an undo.
    moved_lists     TEXT NOT NULL DEFAULT '[]',
    -- The address was suppressed before the action (an undo leaves that
    -- opt-out be), and the last ledger line before it (an undo is refused
    -- when another opt-out came after).
    suppressed_before INTEGER NOT NULL DEFAULT 0,
    ledger_before   INTEGER NOT NULL DEFAULT 0,
    -- The message itself (at most 256 KiB of it), for the coordinator to read.
    raw             BLOB,
    undone_at       TEXT,
    -- A "Needs you" message the coordinator has dealt with.
    resolved_at     TEXT,
    resolution      TEXT NOT NULL DEFAULT ''
);

CREATE INDEX mailbox_message_person ON mailbox_message (email_key, kind, received_at);
