-- Consent that holds everywhere (issue 15): an opt-out on any list keeps the
-- person off every list of the branch, lists made later included, until they
-- opt in again with evidence that the ledger keeps.

-- The branch-wide opt-outs: one row per address that unsubscribed, bounced,
-- was cleaned or complained, whatever list it happened on. Every query that
-- picks people to mail reads it (through the `mailable` view below), and
-- every path that puts someone on a list looks here first. A row goes only
-- when the person opts in again with evidence (the ledger keeps it).
-- `email_key` is the address in lower case; for someone deleted at their
-- request it is 'sha256:' and the hash of the address with the branch's salt
-- (`consent_salt`), so an import still knows them without the address kept.
CREATE TABLE suppression (
    email_key TEXT PRIMARY KEY,
    status    TEXT NOT NULL CHECK (status = 'unsubscribed' OR status = 'bounced'
                                   OR status = 'cleaned' OR status = 'complained'),
    since     TEXT NOT NULL,
    source    TEXT NOT NULL
) WITHOUT ROWID;

-- The branch's salt for the hashes of forgotten addresses: random, made once.
CREATE TABLE consent_salt (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    salt TEXT NOT NULL
);
INSERT INTO consent_salt (id, salt) VALUES (1, lower(hex(randomblob(16))));

-- Memberships gain 'complained' (a spam complaint).
CREATE TABLE membership_new (
    list_id       INTEGER NOT NULL REFERENCES list (id),
    subscriber_id INTEGER NOT NULL REFERENCES subscriber (id) ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status = 'subscribed' OR status = 'unsubscribed'
                                       OR status = 'bounced' OR status = 'cleaned' OR status = 'complained'),
    since         TEXT NOT NULL,
    PRIMARY KEY (list_id, subscriber_id)
) WITHOUT ROWID;
INSERT INTO membership_new (list_id, subscriber_id, status, since)
    SELECT list_id, subscriber_id, status, since FROM membership;
DROP TABLE membership;
ALTER TABLE membership_new RENAME TO membership;
CREATE INDEX membership_subscriber ON membership (subscriber_id);

-- The ledger gains 'complained', the evidence a line rests on (the signed
-- sheet's file and line, a form's answer and date, Mailchimp's opt-in and
-- confirm times and IPs, an organizer's note of a spoken request), and lines
-- for the whole branch (no list: an opt-out that covers every list). Every
-- line and its id are kept; the new table is append-only like the old one.
CREATE TABLE consent_new (
    id         INTEGER PRIMARY KEY,
    email_key  TEXT NOT NULL,
    list_id    INTEGER REFERENCES list (id),
    status     TEXT NOT NULL CHECK (status = 'subscribed' OR status = 'unsubscribed' OR status = 'bounced'
                                    OR status = 'cleaned' OR status = 'complained' OR status = 'deleted'),
    source     TEXT NOT NULL,
    at         TEXT NOT NULL,
    evidence   TEXT NOT NULL DEFAULT ''
);
INSERT INTO consent_new (id, email_key, list_id, status, source, at)
    SELECT id, email_key, list_id, status, source, at FROM consent;
DROP TABLE consent;
ALTER TABLE consent_new RENAME TO consent;
CREATE INDEX consent_email ON consent (email_key, list_id);

CREATE TRIGGER consent_no_update BEFORE UPDATE ON consent
BEGIN
    SELECT RAISE (ABORT, 'The consent ledger is append-only: its lines cannot be changed.');
END;

CREATE TRIGGER consent_no_delete BEFORE DELETE ON consent
BEGIN
    SELECT RAISE (ABORT, 'The consent ledger is append-only: its lines cannot be removed.');
END;

-- Opt-outs already recorded become branch-wide: the last line of each address
-- on each list, if it is a leaving, suppresses the address (the most recent
-- such line gives the standing).
INSERT INTO suppression (email_key, status, since, source)
    SELECT email_key, status, at, 'Opted out before opt-outs covered every list: ' || source
      FROM (SELECT c.email_key, c.status, c.at, c.source,
                   row_number() OVER (PARTITION BY c.email_key ORDER BY c.id DESC) AS n
              FROM consent c
             WHERE c.status IN ('unsubscribed', 'bounced', 'cleaned')
               AND c.id = (SELECT max(d.id) FROM consent d
                            WHERE d.email_key = c.email_key AND d.list_id = c.list_id AND d.status <> 'deleted'))
     WHERE n = 1;

-- Their memberships still marked subscribed on other lists follow, each change in the ledger.
INSERT INTO consent (email_key, list_id, status, source, at)
    SELECT s.email_key, m.list_id, x.status,
           'Opted out on another list; an opt-out now covers every list', x.since
      FROM membership m JOIN subscriber s ON s.id = m.subscriber_id
      JOIN suppression x ON x.email_key = s.email_key
     WHERE m.status = 'subscribed';
UPDATE membership SET status = (SELECT x.status FROM subscriber s JOIN suppression x ON x.email_key = s.email_key
                                 WHERE s.id = membership.subscriber_id)
 WHERE status = 'subscribed'
   AND subscriber_id IN (SELECT s.id FROM subscriber s JOIN suppression x ON x.email_key = s.email_key);

-- The one answer to "who may be mailed on this list": subscribed there, and
-- not suppressed anywhere in the branch. Recipients, reach, segments and
-- exports read this view, never membership alone.
CREATE VIEW mailable AS
    SELECT m.list_id AS list_id, m.since AS since, s.*
      FROM membership m JOIN subscriber s ON s.id = m.subscriber_id
     WHERE m.status = 'subscribed'
       AND NOT EXISTS (SELECT 1 FROM suppression x WHERE x.email_key = s.email_key);

-- The last guard under any path that changes a standing: nobody suppressed
-- is moved back to subscribed. An opt-in with evidence lifts the suppression
-- first. (New memberships are checked by the core before they are written,
-- and the `mailable` view leaves out anyone suppressed whatever a membership
-- says. The same guards on INSERT cost an import of 100,000 rows a quarter
-- of its time, measured: they ran a sub-program for every row written.)
CREATE TRIGGER membership_suppressed_update BEFORE UPDATE OF status ON membership
WHEN NEW.status = 'subscribed'
 AND EXISTS (SELECT 1 FROM subscriber s JOIN suppression x ON x.email_key = s.email_key WHERE s.id = NEW.subscriber_id)
BEGIN
    SELECT RAISE (ABORT, 'This address opted out of the branch''s mail: only a new opt-in with evidence puts it back on a list.');
END;

-- A bounce, a cleaning or a complaint is about the address, never one list:
-- whoever marks a member so, the address is suppressed for the whole branch.
CREATE TRIGGER membership_undeliverable_update AFTER UPDATE OF status ON membership
WHEN NEW.status IN ('bounced', 'cleaned', 'complained')
BEGIN
    INSERT INTO suppression (email_key, status, since, source)
        SELECT email_key, NEW.status, NEW.since, 'Marked ' || NEW.status FROM subscriber WHERE id = NEW.subscriber_id
        ON CONFLICT (email_key) DO NOTHING;
END;
