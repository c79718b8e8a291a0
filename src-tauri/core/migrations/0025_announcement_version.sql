-- An announcement's versions in the branch's other languages: the
-- announcement's own subject and body are in the branch's first language;
-- each subscriber gets the version of their language (by its primary
-- subtag), else that main text. Shared with the announcement it belongs to.
CREATE TABLE announcement_version (
    announcement_id INTEGER NOT NULL REFERENCES announcement (id) ON DELETE CASCADE,
    language        TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    PRIMARY KEY (announcement_id, language)
);
