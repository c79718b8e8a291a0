//! The search index of events (`event_search`): an event's title,
//! description, speakers and venue in one line, refreshed in the same
//! transaction as whatever changed them (the event, its tour, a venue or a
//! speaker).

use crate::db::Database;
use crate::error::Result;

/// Refreshes an event's line in the search index. The caller holds the transaction.
pub(crate) fn reindex(db: &Database, id: i64) -> Result<()> {
    db.conn()
        .prepare_cached("DELETE FROM event_search WHERE rowid = ?1")?
        .execute([id])?;
    db.conn()
        .prepare_cached(
            "INSERT INTO event_search (rowid, title, description, speakers, venue)
             SELECT e.id, e.title, e.description,
                    coalesce((SELECT group_concat(s.name || ' ' || s.affiliation || ' ' || s.credit, ' ')
                              FROM event_speaker x JOIN speaker s ON s.id = x.speaker_id WHERE x.event_id = e.id), ''),
                    coalesce(v.name || ' ' || v.room || ' ' || v.address || ' ' || v.city, '') || ' ' || e.room
             FROM event e LEFT JOIN venue v ON v.id = e.venue_id WHERE e.id = ?1",
        )?
        .execute([id])?;
    Ok(())
}
