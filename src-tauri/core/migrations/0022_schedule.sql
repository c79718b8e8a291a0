-- Announcements that send themselves: a draft with `schedule_at` set is
-- scheduled, and is sent (queued, then sent by the same sender as a manual
-- send) once that instant has come, by the window while it is open or by
-- `handbill send due` from the computer's timer. The columns travel with the
-- shared `announcement` table, so every officer's laptop sees the schedule;
-- the claim in the shared folder keeps two laptops from both sending it.
--
-- `schedule_rule` is how the organizer said it: 'day_before' (the day before
-- the event's start at `schedule_time`, HH:MM, in the branch's time zone) or
-- 'at' (one date and time, in the branch's zone, `schedule_time` holding it
-- as typed: YYYY-MM-DD HH:MM). `schedule_at` is the instant it is due (RFC
-- 3339, UTC). `schedule_start` is the event's start (RFC 3339, UTC) when the
-- schedule was set or last confirmed: an event moved since is held until the
-- organizer confirms the new date. `schedule_again` is the organizer's word
-- that it may go to a list that had the same template about the event before.
-- `schedule_missed_at` is when a check found the event already started
-- before it was sent (a laptop asleep at the time): it is never sent then.
ALTER TABLE announcement ADD COLUMN schedule_rule TEXT NOT NULL DEFAULT '';
ALTER TABLE announcement ADD COLUMN schedule_time TEXT NOT NULL DEFAULT '';
ALTER TABLE announcement ADD COLUMN schedule_at TEXT;
ALTER TABLE announcement ADD COLUMN schedule_start TEXT;
ALTER TABLE announcement ADD COLUMN schedule_again INTEGER NOT NULL DEFAULT 0;
ALTER TABLE announcement ADD COLUMN schedule_missed_at TEXT;
-- The due check reads only the scheduled drafts.
CREATE INDEX announcement_scheduled ON announcement (schedule_at) WHERE schedule_at IS NOT NULL AND state = 'draft';
