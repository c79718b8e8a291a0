-- A subscriber's phone number, as typed ("+1 (617) 555-0100"), checked by
-- `subscribers::normalize_phone` before it is stored; empty when not known.
-- Like the other fields it lives in the subscriber row only, so deleting or
-- forgetting the person erases it with the row.
ALTER TABLE subscriber ADD COLUMN phone TEXT NOT NULL DEFAULT '';
