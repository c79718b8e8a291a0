//! Speaking tours: one title, description, speakers, hosts, tags and time
//! zone shared by many stops, each an event with its own date, venue and
//! room. A tour is entered once: a stop inherits the shared fields, and
//! editing them updates every stop that has not been given its own value for
//! that field (the stop's override flags, set when a stop is saved with a
//! value different from the tour's). A stop that follows the tour's zone and
//! was announced gets its new time in its history, and calendars an update.

use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::index;
use super::store::{self, check, query_events, select_sql, set_speakers};
use super::venues::check_len;
use super::{
    Event, EventInput, EventKind, EventStatus, Tour, MAX_DESCRIPTION_BYTES, MAX_LINE_BYTES,
    MAX_SPEAKERS, MAX_TAGS, MAX_TAG_BYTES,
};
use crate::clock::now_text;
use crate::db::Database;
use crate::db::Tx;
use crate::error::{Error, FieldProblem, Result};

/// What a form sends to create or change a tour.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct TourInput {
    pub title: String,
    pub description: String,
    pub speaker_ids: Vec<i64>,
    pub hosts: String,
    pub tags: Vec<String>,
    /// The IANA zone stops take when they give none. Empty: the branch's
    /// zone for a new tour, the tour's own when changing one.
    pub time_zone: String,
}

/// A tour with its stops, by date (stops whose date is to be announced last).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TourWithStops {
    pub tour: Tour,
    pub stops: Vec<Event>,
}

/// One stop of a tour: its own date, place and kind. Leave the dates empty for
/// "date and place coming soon".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct StopInput {
    pub kind: EventKind,
    pub start_date: String,
    pub start_time: String,
    pub end_date: String,
    pub end_time: String,
    pub time_zone: String,
    pub all_day: bool,
    pub venue_id: Option<i64>,
    pub room: String,
}

fn validate(db: &Database, input: TourInput) -> Result<TourInput> {
    let mut input = input;
    input.title = input.title.trim().to_owned();
    input.hosts = input.hosts.trim().to_owned();
    input.time_zone = input.time_zone.trim().to_owned();
    input.tags = input
        .tags
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    let mut problems = Vec::new();
    if input.title.is_empty() {
        problems.push(FieldProblem {
            field: "title".into(),
            message: "A tour needs a title.".into(),
        });
    }
    check_len(&mut problems, "title", &input.title, MAX_LINE_BYTES);
    check_len(&mut problems, "hosts", &input.hosts, MAX_LINE_BYTES);
    if input.time_zone.is_empty() {
        input.time_zone = branch_zone(db)?;
    }
    if let Err(m) = store::parse_zone(&input.time_zone) {
        problems.push(FieldProblem {
            field: "time_zone".into(),
            message: m.chars().take(300).collect(),
        });
    }
    check_len(
        &mut problems,
        "description",
        &input.description,
        MAX_DESCRIPTION_BYTES,
    );
    crate::db::outside::add_nul_problem(&mut problems, &input);
    if input.tags.len() > MAX_TAGS || input.tags.iter().any(|t| t.len() > MAX_TAG_BYTES) {
        problems.push(FieldProblem {
            field: "tags".into(),
            message: format!("Keep to {MAX_TAGS} tags of at most {MAX_TAG_BYTES} characters each."),
        });
    }
    if input.speaker_ids.len() > MAX_SPEAKERS {
        problems.push(FieldProblem {
            field: "speaker_ids".into(),
            message: format!(
                "A tour has at most {MAX_SPEAKERS} speakers; this one has {}.",
                input.speaker_ids.len()
            ),
        });
        return Err(Error::invalid(problems));
    }
    for id in &input.speaker_ids {
        let found: bool = db.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM speaker WHERE id = ?1)",
            [id],
            |r| r.get(0),
        )?;
        if !found {
            problems.push(FieldProblem {
                field: "speaker_ids".into(),
                message: format!("There is no speaker number {id}."),
            });
        }
    }
    if problems.is_empty() {
        Ok(input)
    } else {
        Err(Error::invalid(problems))
    }
}

/// The branch's time zone, the zone of a new tour that names none.
fn branch_zone(db: &Database) -> Result<String> {
    Ok(crate::branch::get(db)?
        .map(|b| b.time_zone)
        .filter(|z| !z.trim().is_empty())
        .unwrap_or_else(|| "UTC".into()))
}

/// Saves a new tour (no stops yet: see [`add_stop`]). A tour with the same
/// title is not refused: [`likely_duplicates`] warns about it.
pub fn create_tour(db: &Database, input: TourInput) -> Result<Tour> {
    let t = validate(db, input)?;
    let tx = Tx::begin(db)?;
    db.conn().execute(
        "INSERT INTO tour (title, description, hosts, tags, created_at, updated_at, time_zone) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
        params![t.title, t.description, t.hosts, serde_json::to_string(&t.tags).unwrap_or_default(), now_text(), t.time_zone],
    )?;
    let id = db.conn().last_insert_rowid();
    set_speakers(db, "tour_speaker", "tour_id", id, &t.speaker_ids)?;
    tx.commit()?;
    store::get_tour_only(db, id)
}

/// A tour with its stops.
pub fn get_tour(db: &Database, id: i64) -> Result<TourWithStops> {
    let tour = store::get_tour_only(db, id)?;
    let stops = query_events(
        db,
        &select_sql("WHERE e.tour_id = ?1 ORDER BY e.start_date = '', e.start_at, e.id"),
        [id],
    )?;
    Ok(TourWithStops { tour, stops })
}

/// Every tour, newest first.
pub fn list_tours(db: &Database) -> Result<Vec<Tour>> {
    let ids: Vec<i64> = db
        .conn()
        .prepare_cached("SELECT id FROM tour ORDER BY id DESC")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter()
        .map(|id| store::get_tour_only(db, id))
        .collect()
}

/// Changes a tour; each stop follows the new title, description, hosts,
/// speakers and time zone unless it overrides that field (a stop moved to
/// the new zone keeps its local times; once people were told about it, the
/// change is in its history and its calendar sequence rises). Tags are the
/// tour's own.
pub fn update_tour(db: &Database, id: i64, input: TourInput) -> Result<TourWithStops> {
    let before = store::get_tour_only(db, id)?;
    let mut input = input;
    if input.time_zone.trim().is_empty() {
        input.time_zone = before.time_zone.clone();
    }
    let t = validate(db, input)?;
    let tx = Tx::begin(db)?;
    db.conn().execute(
        "UPDATE tour SET title = ?2, description = ?3, hosts = ?4, tags = ?5, updated_at = ?6, time_zone = ?7 WHERE id = ?1",
        params![id, t.title, t.description, t.hosts, serde_json::to_string(&t.tags).unwrap_or_default(), now_text(), t.time_zone],
    )?;
    db.conn().execute(
        "UPDATE event SET hosts = ?2, updated_at = ?3 WHERE tour_id = ?1 AND NOT override_hosts",
        params![id, t.hosts, now_text()],
    )?;
    set_speakers(db, "tour_speaker", "tour_id", id, &t.speaker_ids)?;
    db.conn().execute(
        "UPDATE event SET title = ?2, updated_at = ?3 WHERE tour_id = ?1 AND NOT override_title",
        params![id, t.title, now_text()],
    )?;
    db.conn().execute(
        "UPDATE event SET description = ?2, updated_at = ?3 WHERE tour_id = ?1 AND NOT override_description",
        params![id, t.description, now_text()],
    )?;
    let followers: Vec<i64> = db
        .conn()
        .prepare_cached("SELECT id FROM event WHERE tour_id = ?1 AND NOT override_speakers")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for stop in followers {
        set_speakers(db, "event_speaker", "event_id", stop, &t.speaker_ids)?;
    }
    let stops: Vec<i64> = db
        .conn()
        .prepare_cached("SELECT id FROM event WHERE tour_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for stop in &stops {
        index::reindex(db, *stop)?;
    }
    let movers: Vec<i64> = db
        .conn()
        .prepare_cached(
            "SELECT id FROM event WHERE tour_id = ?1 AND NOT override_time_zone AND time_zone <> ?2",
        )?
        .query_map(params![id, t.time_zone], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for stop in movers {
        store::follow_zone(db, stop, &t.time_zone)?;
    }
    tx.commit()?;
    get_tour(db, id)
}

/// Tours already saved with this title (ignoring case and spacing), other
/// than `except`, and — when `dates` are given — with the same stop dates:
/// a warning that saving makes a second one, never a refusal.
pub fn likely_duplicates(
    db: &Database,
    title: &str,
    dates: &[String],
    except: Option<i64>,
) -> Result<Vec<String>> {
    let key = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let wanted = key(title);
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut mine: Vec<&str> = dates
        .iter()
        .map(|d| d.as_str())
        .filter(|d| !d.is_empty())
        .collect();
    mine.sort_unstable();
    let mut out = Vec::new();
    for tour in list_tours(db)? {
        if Some(tour.id) == except || key(&tour.title) != wanted {
            continue;
        }
        let theirs = get_tour(db, tour.id)?.stops;
        let mut their_dates: Vec<&str> = theirs
            .iter()
            .map(|s| s.start_date.as_str())
            .filter(|d| !d.is_empty())
            .collect();
        their_dates.sort_unstable();
        if !mine.is_empty() && mine != their_dates {
            continue;
        }
        let span = match (their_dates.first(), their_dates.last()) {
            (Some(a), Some(b)) if a == b => format!(", on {a}"),
            (Some(a), Some(b)) => format!(", {a} to {b}"),
            _ => String::new(),
        };
        let count = theirs.len();
        out.push(format!(
            "There is already a tour “{}” (tour {}, {count} stop{}{span}){}. This makes a second one.",
            tour.title,
            tour.id,
            if count == 1 { "" } else { "s" },
            if mine.is_empty() { "" } else { " with the same dates" },
        ));
    }
    Ok(out)
}

/// Adds a stop to a tour as a draft event carrying the tour's title,
/// description, speakers, hosts and tags. With empty dates the stop's date and
/// place are "coming soon". The time zone defaults to the tour's.
pub fn add_stop(db: &Database, tour_id: i64, stop: StopInput) -> Result<Event> {
    let tour = store::get_tour_only(db, tour_id)?;
    let time_zone = if stop.time_zone.trim().is_empty() {
        if tour.time_zone.is_empty() {
            branch_zone(db)?
        } else {
            tour.time_zone.clone()
        }
    } else {
        stop.time_zone
    };
    let input = EventInput {
        title: tour.title.clone(),
        kind: stop.kind,
        description: tour.description.clone(),
        start_date: stop.start_date,
        start_time: stop.start_time,
        end_date: stop.end_date,
        end_time: stop.end_time,
        time_zone,
        all_day: stop.all_day,
        venue_id: stop.venue_id,
        room: stop.room,
        speaker_ids: tour.speakers.iter().map(|s| s.id).collect(),
        hosts: tour.hosts.clone(),
        tags: tour.tags.clone(),
        tour_id: Some(tour_id),
        ..Default::default()
    };
    let checked = check(db, input, true)?;
    let tx = Tx::begin(db)?;
    let id = store::write(db, None, &checked, EventStatus::Draft, None)?;
    tx.commit()?;
    store::get(db, id)
}

/// The id of a tour's stop by its number, 1 for the first, in the order
/// [`get_tour`] gives them (by date, stops to be announced last) — the
/// numbers `handbill event show --tour` prints.
pub fn stop_id(db: &Database, tour_id: i64, number: i64) -> Result<i64> {
    let stops = get_tour(db, tour_id)?.stops;
    if number < 1 || number as u64 > stops.len() as u64 {
        let count = stops.len();
        return Err(Error::invalid_field(
            "stop",
            format!(
                "Tour {tour_id} has {count} stop{}; there is no stop {number}. Stops are numbered from 1, as `handbill event show --tour {tour_id}` lists them.",
                if count == 1 { "" } else { "s" }
            ),
        ));
    }
    Ok(stops[(number - 1) as usize].id)
}
