-- How the branch's public output (listings, posters, flyers, announcements)
-- shows a cancelled event: marked "CANCELLED", struck through, or left out.
ALTER TABLE branch ADD COLUMN cancelled_shown TEXT NOT NULL DEFAULT 'marked'
    CHECK (cancelled_shown IN ('marked', 'struck', 'hidden'));
