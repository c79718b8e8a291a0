-- The window's event lists read a page at a time in start order: an index on
-- the start instant lets SQLite walk them in order instead of sorting every
-- event for each page.
CREATE INDEX event_start_at ON event (start_at);
