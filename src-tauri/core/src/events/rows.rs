//! Events as the window's long lists read them: one page at a time, each
//! event as the line a list draws (title, kind, status, when, where) without
//! its description, speakers, links or history, with the count of the whole
//! list. A branch of ten thousand events answers a page in a few
//! milliseconds, where the full events of [`super::upcoming`] take seconds to
//! read, send and draw. The command line and the exports keep reading whole
//! events.

use jiff::Timestamp;
use rusqlite::Row;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Attendance, EventKind, EventStatus};
use crate::db::Database;
use crate::error::{Error, Result};

/// The most rows one page holds.
pub const MAX_PAGE: u32 = 500;

/// A venue as a list line names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RowVenue {
    pub name: String,
    /// The venue's usual room.
    pub room: String,
}

/// One event as a list draws it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EventRow {
    pub id: i64,
    pub title: String,
    pub kind: EventKind,
    pub status: EventStatus,
    pub start_date: String,
    pub start_time: String,
    pub end_date: String,
    pub end_time: String,
    pub all_day: bool,
    pub time_zone: String,
    pub attendance: Attendance,
    pub venue: Option<RowVenue>,
    pub room: String,
    pub no_room: bool,
    pub tour_id: Option<i64>,
    /// How the event repeats ("Every Thursday"), when it is a series: the
    /// row is then one of its dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub series: Option<String>,
}

impl EventRow {
    /// The line of one event (a series' event on one of its dates).
    fn of(e: &super::Event) -> EventRow {
        EventRow {
            id: e.id,
            title: e.title.clone(),
            kind: e.kind,
            status: e.status,
            start_date: e.start_date.clone(),
            start_time: e.start_time.clone(),
            end_date: e.end_date.clone(),
            end_time: e.end_time.clone(),
            all_day: e.all_day,
            time_zone: e.time_zone.clone(),
            attendance: e.attendance,
            venue: e.venue.as_ref().map(|v| RowVenue {
                name: v.name.clone(),
                room: v.room.clone(),
            }),
            room: e.room.clone(),
            no_room: e.no_room,
            tour_id: e.tour_id,
            series: e.series.clone(),
        }
    }
}

/// Which list a page is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EventScope {
    /// Not yet over, soonest first (drafts included: the organizers' view).
    Upcoming,
    /// Over, latest first.
    Past,
    /// No date yet, oldest first.
    Undated,
}

/// Rows `offset..offset + rows.len()` of a list of `total`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EventPage {
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<EventRow>,
}

const COLUMNS: &str = "e.id, e.title, e.kind, e.status, e.start_date, e.start_time, e.end_date,
    e.end_time, e.all_day, e.time_zone, e.attendance, v.id, v.name, v.room, e.room, e.no_room,
    e.tour_id";

fn read(r: &Row<'_>) -> rusqlite::Result<EventRow> {
    let kind: String = r.get(2)?;
    let status: String = r.get(3)?;
    let attendance: String = r.get(10)?;
    let venue: Option<i64> = r.get(11)?;
    Ok(EventRow {
        id: r.get(0)?,
        title: r.get(1)?,
        kind: EventKind::parse(&kind).unwrap_or(EventKind::Other),
        status: EventStatus::parse(&status).unwrap_or_default(),
        start_date: r.get(4)?,
        start_time: r.get(5)?,
        end_date: r.get(6)?,
        end_time: r.get(7)?,
        all_day: r.get(8)?,
        time_zone: r.get(9)?,
        attendance: Attendance::parse(&attendance).unwrap_or_default(),
        venue: match venue {
            Some(_) => Some(RowVenue {
                name: r.get(12)?,
                room: r.get(13)?,
            }),
            None => None,
        },
        room: r.get(14)?,
        no_room: r.get(15)?,
        tour_id: r.get(16)?,
        series: None,
    })
}

/// A page of `scope` at `now`: at most `limit` rows (1 to [`MAX_PAGE`]) from `offset`.
pub fn page(
    db: &Database,
    scope: EventScope,
    now: Timestamp,
    offset: u32,
    limit: u32,
) -> Result<EventPage> {
    if limit == 0 || limit > MAX_PAGE {
        return Err(Error::invalid_field(
            "limit",
            format!("A page holds 1 to {MAX_PAGE} events, not {limit}."),
        ));
    }
    let (filter, order) = match scope {
        EventScope::Upcoming => ("e.end_at > ?1", "e.start_at, e.id"),
        EventScope::Past => ("e.end_at <= ?1", "e.start_at DESC, e.id"),
        EventScope::Undated => ("e.start_at IS NULL AND ?1 IS NOT NULL", "e.id"),
    };
    let any_series: bool = db
        .conn()
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM series)")?
        .query_row([], |r| r.get(0))?;
    if any_series && scope != EventScope::Undated {
        // A series is a row per date: its dates are merged with the single
        // events, which are then read whole (a branch with a weekly meeting
        // is not one of ten thousand events).
        let events = match scope {
            EventScope::Upcoming => super::views::upcoming_events(db, now)?,
            _ => super::views::past(db, now)?,
        };
        let total = events.len() as u32;
        let rows = events
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(EventRow::of)
            .collect();
        return Ok(EventPage {
            total,
            offset,
            rows,
        });
    }
    let now = now.to_string();
    let conn = db.conn();
    let total: u32 = conn
        .prepare_cached(&format!("SELECT count(*) FROM event e WHERE {filter}"))?
        .query_row([&now], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM event e LEFT JOIN venue v ON v.id = e.venue_id
          WHERE {filter} ORDER BY {order} LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt
        .query_map(rusqlite::params![now, limit, offset], read)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(EventPage {
        total,
        offset,
        rows,
    })
}
