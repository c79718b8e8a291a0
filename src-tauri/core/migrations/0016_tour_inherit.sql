-- A tour is entered once: its stops inherit the tour's title, description,
-- hosts, speakers and time zone unless they have their own (issue 17).
-- The tour keeps the zone its stops take when they give none; a stop records
-- whether its hosts and zone are its own, as it already did for its title,
-- description and speakers.
ALTER TABLE tour ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE event ADD COLUMN override_hosts INTEGER NOT NULL DEFAULT 0 CHECK (override_hosts IN (0, 1));
ALTER TABLE event ADD COLUMN override_time_zone INTEGER NOT NULL DEFAULT 0 CHECK (override_time_zone IN (0, 1));

-- A tour saved before this takes the zone of its first stop, else the branch's.
UPDATE tour SET time_zone = COALESCE(
    (SELECT e.time_zone FROM event e WHERE e.tour_id = tour.id AND e.time_zone <> ''
      ORDER BY e.start_date = '', e.start_at IS NULL, e.start_at, e.start_date, e.id LIMIT 1),
    (SELECT b.time_zone FROM branch b LIMIT 1),
    '');

UPDATE event SET
    override_hosts = (hosts <> (SELECT t.hosts FROM tour t WHERE t.id = event.tour_id)),
    override_time_zone = (time_zone <> (SELECT t.time_zone FROM tour t WHERE t.id = event.tour_id))
 WHERE tour_id IS NOT NULL;
