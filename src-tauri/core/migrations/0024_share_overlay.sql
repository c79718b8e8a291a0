-- On a shared branch, a membership written "subscribed" by one laptop while
-- another laptop's opt-out (which had not seen it) stands shows the opt-out's
-- standing (share/apply.rs, `keep_opt_outs`). That is derived, not written:
-- this laptop-local table remembers which memberships it covers, so when a
-- later opt-in lifts the opt-out they show their written standing again, the
-- same on every laptop. A change made on this laptop is a written standing
-- and ends the cover.
CREATE TABLE sync_overlay (
    list_id       INTEGER NOT NULL REFERENCES list (id) ON DELETE CASCADE,
    subscriber_id INTEGER NOT NULL REFERENCES subscriber (id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, subscriber_id)
) WITHOUT ROWID;

CREATE TRIGGER sync_overlay_written AFTER UPDATE OF status ON membership
WHEN (SELECT capturing FROM share_self) = 1
BEGIN
    DELETE FROM sync_overlay WHERE list_id = NEW.list_id AND subscriber_id = NEW.subscriber_id;
END;
