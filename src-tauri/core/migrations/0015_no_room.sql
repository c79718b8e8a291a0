-- Whether an event has no room at all (a rally outside a federal building, a
-- park), as against a room to be announced (an empty room, the default).
ALTER TABLE event ADD COLUMN no_room INTEGER NOT NULL DEFAULT 0 CHECK (no_room IN (0, 1));
