-- Announcements, their deliveries, the lease that keeps two senders apart, and
-- the branch's SMTP account (never its password: that lives in the OS keychain).

-- An email about an event (or a tour) to a list, optionally narrowed by a
-- segment. `state` is what was last asked for or reached: a pause or a cancel
-- written here by one process is seen by the workers of another.
CREATE TABLE announcement (
    id           INTEGER PRIMARY KEY,
    event_id     INTEGER REFERENCES event (id) ON DELETE SET NULL,
    tour_id      INTEGER REFERENCES tour (id) ON DELETE SET NULL,
    template     TEXT NOT NULL,
    list_id      INTEGER NOT NULL REFERENCES list (id),
    -- The segment as given (a saved segment's name or a filter); '' is the whole list.
    segment      TEXT NOT NULL DEFAULT '',
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    attach_flyer INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL CHECK (state IN ('draft', 'queued', 'sending', 'paused', 'cancelled', 'done')),
    -- Why it stopped, when it stopped by itself (daily cap, no connection, refused login).
    note         TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    queued_at    TEXT,
    finished_at  TEXT,
    updated_at   TEXT NOT NULL
);

-- One announcement to one person. Address and names are a snapshot taken when
-- the announcement was queued. A sender claims a batch of rows ('claimed', in a
-- transaction synced to disk), marks each 'sending' (committed) just before its
-- message leaves, and 'sent' / 'failed' / back to 'queued' (a 4xx answer, to
-- retry later) after. A row found in 'sending' after a crash becomes
-- 'uncertain' and is never resent without the organizer's word ('claimed' rows
-- go back to the queue, unless the machine restarted since: then they are
-- uncertain too). 'skipped' is someone who left the list before their turn:
-- not mailed, and counted.
CREATE TABLE delivery (
    id              INTEGER PRIMARY KEY,
    announcement_id INTEGER NOT NULL REFERENCES announcement (id) ON DELETE CASCADE,
    subscriber_id   INTEGER REFERENCES subscriber (id) ON DELETE SET NULL,
    email           TEXT NOT NULL,
    email_key       TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    first_name      TEXT NOT NULL DEFAULT '',
    language        TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('queued', 'claimed', 'sending', 'sent', 'failed', 'uncertain', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- The server's last answer, or where the message was written (outbox), or why it was skipped.
    reply           TEXT NOT NULL DEFAULT '',
    -- 'smtp' or 'outbox' once it went somewhere.
    channel         TEXT NOT NULL DEFAULT '',
    -- A retried delivery waits until then (Unix milliseconds).
    next_attempt_ms INTEGER NOT NULL DEFAULT 0,
    -- When it was accepted (Unix milliseconds): the rate and the daily cap count these.
    sent_ms         INTEGER,
    updated_at      TEXT NOT NULL,
    UNIQUE (announcement_id, email_key)
);
-- The queue in order. Only queued rows are in it, so the sending -> sent
-- steps of each message change no index page (two fewer pages a commit).
CREATE INDEX delivery_queue ON delivery (announcement_id, id) WHERE status = 'queued';

-- The one sender of an announcement: taken in a BEGIN IMMEDIATE transaction,
-- refreshed by a heartbeat, given up when its process is gone or silent.
CREATE TABLE send_lease (
    announcement_id INTEGER PRIMARY KEY REFERENCES announcement (id) ON DELETE CASCADE,
    owner           TEXT NOT NULL,
    pid             INTEGER NOT NULL,
    -- The machine's boot (Linux boot_id): a lease from an earlier boot means
    -- the machine restarted, and commits not yet synced to disk may be lost.
    boot_id         TEXT NOT NULL DEFAULT '',
    heartbeat_ms    INTEGER NOT NULL
);

-- The branch's SMTP account: one row. The password is not here.
CREATE TABLE smtp_account (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    host            TEXT NOT NULL,
    port            INTEGER NOT NULL,
    security        TEXT NOT NULL CHECK (security IN ('starttls', 'tls', 'plain')),
    username        TEXT NOT NULL DEFAULT '',
    rate_per_minute INTEGER NOT NULL DEFAULT 0,
    daily_cap       INTEGER NOT NULL DEFAULT 0,
    updated_at      TEXT NOT NULL
);
