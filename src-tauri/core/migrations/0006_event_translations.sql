-- Event translations: an event's title and description in other languages
-- (a JSON array of {language, title, description}), for bilingual flyers.
ALTER TABLE event ADD COLUMN translations TEXT NOT NULL DEFAULT '[]';
