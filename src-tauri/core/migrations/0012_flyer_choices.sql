-- The flyer choices an organizer made for an event — layout, paper, colour
-- and tear-off tabs — kept so its flyer screen opens as they left it, and so
-- the flyer attached to its announcement is the one they designed. One row
-- per event, gone with the event. `options` is the FlyerOptions JSON; a value
-- Handbill does not know reads as the default.
CREATE TABLE flyer_choice (
    event_id   INTEGER PRIMARY KEY REFERENCES event (id) ON DELETE CASCADE,
    options    TEXT NOT NULL CHECK (json_valid(options) AND json_type(options) = 'object'),
    updated_at TEXT NOT NULL
);
