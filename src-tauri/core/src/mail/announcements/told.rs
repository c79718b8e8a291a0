//! Who has been told about an event, and what telling them next starts from.
//! After a reschedule or a cancellation the window offers "Tell the 10 people
//! you emailed": the people its announcements went to (each counted once,
//! over every list and template), the list most of them are on, and the
//! template the news starts from — Rescheduled for a rescheduled event,
//! Cancelled for a cancelled one. *Email to list* and `handbill announce`
//! without `--template` start from the same template.

use rusqlite::params;
use serde::Serialize;
use ts_rs::TS;

use super::letter::Template;
use crate::db::Database;
use crate::error::Result;
use crate::events::{self, EventStatus};

/// The deliveries that count as "told" (sent, possibly on their way, or
/// written to the outbox folder): the events' own definition.
const WENT: &str = crate::events::history::TOLD_DELIVERIES;

/// One list an event's announcements went to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ToldList {
    pub list_id: i64,
    pub list_name: String,
    /// People on this list the event's announcements went to.
    pub people: u32,
    /// The segment of the latest announcement of the event to this list ('' for the whole list).
    pub segment: String,
}

/// Who was told about an event, and what telling them next starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Told {
    pub event_id: i64,
    /// People the event's announcements went to, each counted once (by address).
    pub people: u32,
    /// Of them, those whose only message is still in the outbox folder: saved, not sent.
    pub only_saved: u32,
    /// The lists they are on, the one with the most of them first (then the latest).
    pub lists: Vec<ToldList>,
    /// The template an announcement of the event starts from now.
    pub template: Template,
}

/// The template an announcement starts from: Rescheduled for a rescheduled
/// event, Cancelled for a cancelled one, otherwise New event. A tour starts
/// from New event (its stops change one by one; the organizer picks).
pub fn starting_template(
    db: &Database,
    event_id: Option<i64>,
    tour_id: Option<i64>,
) -> Result<Template> {
    let Some(id) = event_id else {
        if let Some(tour) = tour_id {
            events::get_tour(db, tour)?;
        }
        return Ok(Template::NewEvent);
    };
    Ok(match events::get(db, id)?.status {
        EventStatus::Rescheduled => Template::Rescheduled,
        EventStatus::Cancelled => Template::Cancelled,
        _ => Template::NewEvent,
    })
}

/// Who the event's announcements went to: "Tell the 10 people you emailed".
pub fn told(db: &Database, event_id: i64) -> Result<Told> {
    let template = starting_template(db, Some(event_id), None)?;
    let (people, only_saved): (u32, u32) = db.conn().query_row(
        &format!(
            "SELECT count(*), coalesce(sum(saved), 0) FROM (
                 SELECT d.email_key, min(d.status = 'written') AS saved
                 FROM delivery d JOIN announcement a ON a.id = d.announcement_id
                 WHERE a.event_id = ?1 AND d.status IN {WENT}
                 GROUP BY d.email_key)"
        ),
        [event_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut stmt = db.conn().prepare(&format!(
        "SELECT a.list_id, l.name, count(DISTINCT d.email_key), max(a.id),
                (SELECT a2.segment FROM announcement a2
                 WHERE a2.event_id = ?1 AND a2.list_id = a.list_id AND a2.state <> 'draft'
                 ORDER BY a2.id DESC LIMIT 1)
         FROM delivery d
         JOIN announcement a ON a.id = d.announcement_id
         JOIN list l ON l.id = a.list_id
         WHERE a.event_id = ?1 AND d.status IN {WENT}
         GROUP BY a.list_id
         ORDER BY count(DISTINCT d.email_key) DESC, max(a.id) DESC"
    ))?;
    let lists = stmt
        .query_map(params![event_id], |r| {
            Ok(ToldList {
                list_id: r.get(0)?,
                list_name: r.get(1)?,
                people: r.get(2)?,
                segment: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Told {
        event_id,
        people,
        only_saved,
        lists,
        template,
    })
}
