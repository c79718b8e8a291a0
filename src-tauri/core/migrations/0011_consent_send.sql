-- Sending that cannot contradict the consent record.
--
-- 1. The branch's mail keys: the secret that signs each subscriber's
--    unsubscribe address (HMAC-SHA256), and the random part every Message-ID
--    carries so two branches never write the same one. Handbill makes them
--    once, from the operating system's random source, the first time it
--    composes or reads a reply (see announcements::keys); they travel with the
--    branch's database so every copy of the branch reads the same tokens.
CREATE TABLE mail_key (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    unsubscribe_secret BLOB NOT NULL CHECK (length(unsubscribe_secret) >= 32),
    message_id_part    TEXT NOT NULL CHECK (length(message_id_part) >= 16),
    created_at         TEXT NOT NULL
);

-- 2. Deliveries gain the state 'written' (a message written to the outbox
--    folder because no mail account is set up: it has not been sent) and a
--    count of soft bounces (4xx answers) per person. SQLite cannot change a
--    CHECK constraint in place, so the table is made again and its rows
--    copied. Rows an earlier Handbill recorded as 'sent' to the outbox become
--    'written': they never left the laptop.
CREATE TABLE delivery_next (
    id              INTEGER PRIMARY KEY,
    announcement_id INTEGER NOT NULL REFERENCES announcement (id) ON DELETE CASCADE,
    subscriber_id   INTEGER REFERENCES subscriber (id) ON DELETE SET NULL,
    email           TEXT NOT NULL,
    email_key       TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    first_name      TEXT NOT NULL DEFAULT '',
    language        TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('queued', 'claimed', 'sending', 'sent', 'written', 'failed', 'uncertain', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- 4xx answers ("mailbox busy", "try again later") this person's message got.
    soft_bounces    INTEGER NOT NULL DEFAULT 0,
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
INSERT INTO delivery_next (id, announcement_id, subscriber_id, email, email_key, name, first_name, language,
                           status, attempts, reply, channel, next_attempt_ms, sent_ms, updated_at)
SELECT id, announcement_id, subscriber_id, email, email_key, name, first_name, language,
       CASE WHEN status = 'sent' AND channel = 'outbox' THEN 'written' ELSE status END,
       attempts, reply, channel, next_attempt_ms, sent_ms, updated_at
FROM delivery;
DROP TABLE delivery;
ALTER TABLE delivery_next RENAME TO delivery;
CREATE INDEX delivery_queue ON delivery (announcement_id, id) WHERE status = 'queued';
