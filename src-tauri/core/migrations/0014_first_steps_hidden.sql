-- Whether the organizers hid the first steps the Events screen offers a new
-- branch (Hide these steps). Kept with the branch, not in the window's web
-- storage, which holds only the theme.
ALTER TABLE branch ADD COLUMN first_steps_hidden INTEGER NOT NULL DEFAULT 0 CHECK (first_steps_hidden IN (0, 1));
