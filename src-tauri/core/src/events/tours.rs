//! Speaking tours: one title, description, speakers, hosts and tags shared by
//! many stops, each an event with its own date, venue and room. Editing the
//! tour's shared fields updates every stop that has not been given its own
//! value for that field (the stop's override flags, set when a stop is saved
//! with a value different from the tour's).

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

/// Saves a new tour (no stops yet: see [`add_stop`]).
pub fn create_tour(db: &Database, input: TourInput) -> Result<Tour> {
    let t = validate(db, input)?;
    let tx = Tx::begin(db)?;
    db.conn().execute(
        "INSERT INTO tour (title, description, hosts, tags, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![t.title, t.description, t.hosts, serde_json::to_string(&t.tags).unwrap_or_default(), now_text()],
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

/// Changes a tour; each stop follows the new title, description and speakers
/// unless it overrides that field. Hosts and tags are the tour's own.
pub fn update_tour(db: &Database, id: i64, input: TourInput) -> Result<TourWithStops> {
    let t = validate(db, input)?;
    store::get_tour_only(db, id)?;
    let tx = Tx::begin(db)?;
    db.conn().execute(
        "UPDATE tour SET title = ?2, description = ?3, hosts = ?4, tags = ?5, updated_at = ?6 WHERE id = ?1",
        params![id, t.title, t.description, t.hosts, serde_json::to_string(&t.tags).unwrap_or_default(), now_text()],
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
    for stop in stops {
        index::reindex(db, stop)?;
    }
    tx.commit()?;
    get_tour(db, id)
}

/// Adds a stop to a tour as a draft event carrying the tour's title,
/// description, speakers, hosts and tags. With empty dates the stop's date and
/// place are "coming soon". The time zone defaults to the branch's.
pub fn add_stop(db: &Database, tour_id: i64, stop: StopInput) -> Result<Event> {
    let tour = store::get_tour_only(db, tour_id)?;
    let time_zone = if stop.time_zone.trim().is_empty() {
        crate::branch::get(db)?
            .map(|b| b.time_zone)
            .unwrap_or_else(|| "UTC".into())
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
