//! Handbill's own exchange format for events, to move an event or a whole tour
//! between branches' databases without losing anything iCalendar cannot hold
//! (speakers, reading list, co-sponsor call, translations, history).
//!
//! The format, version 1, is a JSON object:
//!
//! ```json
//! { "format": "handbill-event", "version": 1, "event": { … } }
//! { "format": "handbill-event", "version": 1, "tour": { … }, "stops": [ { … }, … ] }
//! ```
//!
//! An event object has the fields of [`Event`] except the database ids: its
//! venue and speakers are written out in full (`venue`: a [`VenueInput`] or
//! null; `speakers`: [`SpeakerInput`]s in order), `history` lists its
//! [`HistoryEntry`]s, and a series has `series`: its `repeat` (`weekly`,
//! `every_other_week`, `monthly_nth`), `nth`, `until` and `exceptions`
//! (each a rule's `date`, `moved_date` and `moved_time` or none for a
//! skipped one, and its `reason`). A tour object has `title`, `description`, `speakers`,
//! `hosts`, `tags`, `time_zone`, `created_at`, `updated_at`. Missing fields
//! take their empty value; unknown fields are ignored, so later versions can
//! add fields.
//!
//! A tour is entered once: a stop that leaves out (or leaves empty) its
//! `title`, `description`, `hosts`, `speakers` or `time_zone` inherits the
//! tour's, so a stop can be just `{ "start_date", "start_time", "end_time",
//! "venue" }`. A stop that gives its own value keeps it and is marked as
//! overriding that field (`overrides`: `title`, `description`, `speakers`,
//! `hosts`, `time_zone`); a stop whose `overrides` flag is set keeps even an
//! empty description, hosts or speakers of its own. A stop without `tags`
//! takes the tour's, as a stop added in the window does. A tour without a
//! `time_zone` (files written before it had one) takes its first stop's.
//! Export writes every field out, so export then import gives the same.
//!
//! Importing reuses an identical venue or speaker. An event whose UID the
//! database already has is not added again: it is updated in place, through
//! the same functions as the window's editor and status actions (so its
//! calendar sequence rises and its history keeps the change and the reason
//! the file gives), and the import says what changed. A tour file whose stops
//! carry known UIDs updates their tour. A new tour with the title and dates of
//! one already saved is imported with a warning.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::history::{self, HistoryEntry};
use super::store::{self, check};
use super::tours;
use super::venues::{check_len, find_or_create_venue, SpeakerIndex, SpeakerInput, VenueInput};
use super::{
    Attendance, CosponsorCall, Event, EventInput, EventKind, EventLinks, EventStatus,
    EventTranslation, Reading, StopOverrides, Tour,
};
use crate::clock::now_text;
use crate::db::Database;
use crate::db::Tx;
use crate::error::{Error, Result};

/// The value of `format`.
pub const FORMAT: &str = "handbill-event";
/// The version this build writes and reads.
pub const VERSION: u32 = 1;
/// The largest file Handbill imports.
pub const MAX_JSON_BYTES: usize = 20 * 1024 * 1024;

/// An event in the exchange format.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
struct PortableEvent {
    uid: String,
    sequence: u32,
    /// In a tour's stop, None (or empty) inherits the tour's.
    title: Option<String>,
    kind: EventKind,
    status: EventStatus,
    description: Option<String>,
    start_date: String,
    start_time: String,
    end_date: String,
    end_time: String,
    time_zone: Option<String>,
    all_day: bool,
    venue: Option<VenueInput>,
    room: String,
    /// No room at all (outdoors), as against an empty `room`: a room to be
    /// announced. Left out when false, so files from before it still import.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    no_room: bool,
    online_link: String,
    attendance: Attendance,
    speakers: Option<Vec<SpeakerInput>>,
    hosts: Option<String>,
    reading_list: Vec<Reading>,
    accessibility: String,
    rules: String,
    links: EventLinks,
    /// In a tour's stop, None inherits the tour's (as a stop added in the window does).
    tags: Option<Vec<String>>,
    cosponsor_call: CosponsorCall,
    translations: Vec<EventTranslation>,
    overrides: StopOverrides,
    created_at: String,
    updated_at: String,
    history: Vec<HistoryEntry>,
    /// How the event repeats, with its skipped and moved dates; left out for
    /// a single event (and an event file without it leaves a known event's
    /// series as it is).
    #[serde(skip_serializing_if = "Option::is_none")]
    series: Option<super::series::SeriesFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
struct PortableTour {
    title: String,
    description: String,
    speakers: Vec<SpeakerInput>,
    hosts: String,
    tags: Vec<String>,
    time_zone: String,
    created_at: String,
    updated_at: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct Document {
    format: String,
    version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<PortableEvent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tour: Option<PortableTour>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stops: Option<Vec<PortableEvent>>,
}

/// What an import added or changed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
pub struct JsonImport {
    pub tour: Option<Tour>,
    /// Every event of the file, as now saved (added or updated).
    pub events: Vec<Event>,
    /// The ids among `events` that were already saved (known by their UID)
    /// and were updated rather than added.
    pub updated: Vec<i64>,
    /// What the update changed, a line per change ("Stop 4 (…): date … → …").
    pub changes: Vec<String>,
    /// Warnings that did not stop the import (a tour with the same title and dates).
    pub warnings: Vec<String>,
}

fn portable(db: &Database, e: &Event) -> Result<PortableEvent> {
    Ok(PortableEvent {
        uid: e.uid.clone(),
        sequence: e.sequence,
        title: Some(e.title.clone()),
        kind: e.kind,
        status: e.status,
        description: Some(e.description.clone()),
        start_date: e.start_date.clone(),
        start_time: e.start_time.clone(),
        end_date: e.end_date.clone(),
        end_time: e.end_time.clone(),
        time_zone: Some(e.time_zone.clone()),
        all_day: e.all_day,
        venue: e.venue.as_ref().map(VenueInput::from),
        room: e.room.clone(),
        no_room: e.no_room,
        online_link: e.online_link.clone(),
        attendance: e.attendance,
        speakers: Some(e.speakers.iter().map(SpeakerInput::from).collect()),
        hosts: Some(e.hosts.clone()),
        reading_list: e.reading_list.clone(),
        accessibility: e.accessibility.clone(),
        rules: e.rules.clone(),
        links: e.links.clone(),
        tags: Some(e.tags.clone()),
        cosponsor_call: e.cosponsor_call.clone(),
        translations: e.translations.clone(),
        overrides: e.overrides,
        created_at: e.created_at.clone(),
        updated_at: e.updated_at.clone(),
        history: store::history(db, e.id)?,
        series: super::series::to_file(db, e.id)?,
    })
}

fn to_text(doc: &Document) -> Result<String> {
    serde_json::to_string_pretty(doc)
        .map_err(|e| Error::internal(format!("Could not write the event as JSON: {e}")))
}

/// One event in the exchange format.
pub fn export_event(db: &Database, id: i64) -> Result<String> {
    let e = store::get(db, id)?;
    to_text(&Document {
        format: FORMAT.into(),
        version: VERSION,
        event: Some(portable(db, &e)?),
        ..Default::default()
    })
}

/// A tour and all its stops in the exchange format.
pub fn export_tour(db: &Database, tour_id: i64) -> Result<String> {
    let t = tours::get_tour(db, tour_id)?;
    let tour = PortableTour {
        title: t.tour.title.clone(),
        description: t.tour.description.clone(),
        speakers: t.tour.speakers.iter().map(SpeakerInput::from).collect(),
        hosts: t.tour.hosts.clone(),
        tags: t.tour.tags.clone(),
        time_zone: t.tour.time_zone.clone(),
        created_at: t.tour.created_at.clone(),
        updated_at: t.tour.updated_at.clone(),
    };
    let stops = t
        .stops
        .iter()
        .map(|s| portable(db, s))
        .collect::<Result<Vec<_>>>()?;
    to_text(&Document {
        format: FORMAT.into(),
        version: VERSION,
        tour: Some(tour),
        stops: Some(stops),
        ..Default::default()
    })
}

/// Imports an event or a tour with its stops, all or nothing. Malformed JSON
/// is reported with its line and column.
pub fn import(db: &Database, text: &str) -> Result<JsonImport> {
    if text.len() > MAX_JSON_BYTES {
        return Err(Error::invalid_field(
            "file",
            "The file is larger than 20 MB; it is not a Handbill event file.",
        ));
    }
    let doc: Document = serde_json::from_str(text).map_err(|e| {
        Error::invalid_field(
            "file",
            format!("Line {}, column {}: the file is not valid Handbill event JSON ({e}). Nothing was imported.", e.line(), e.column()),
        )
    })?;
    if doc.format != FORMAT {
        return Err(Error::invalid_field("format", format!("The file's format is “{}”, not “{FORMAT}”: it is not a Handbill event file. Nothing was imported.", doc.format.chars().take(40).collect::<String>())));
    }
    if doc.version != VERSION {
        return Err(Error::invalid_field("version", format!("The file is version {} of the format; this Handbill reads version {VERSION}. Nothing was imported.", doc.version)));
    }
    let tx = Tx::begin(db)?;
    let mut speakers = SpeakerIndex::default();
    let result = match (doc.event, doc.tour) {
        (Some(e), None) => {
            let mut done = JsonImport::default();
            let event = import_event(db, e, None, &mut speakers, &mut done, "The event")
                .map_err(|e| at("event", e))?;
            done.events.push(event);
            done
        }
        (None, Some(t)) => import_tour(db, t, doc.stops.unwrap_or_default(), &mut speakers)?,
        _ => return Err(Error::invalid_field("file", "The file must hold either an \"event\" or a \"tour\" with its \"stops\". Nothing was imported.")),
    };
    tx.commit()?;
    Ok(result)
}

/// The saved event with this UID, if the file names one the database has.
fn known(db: &Database, uid: &str) -> Result<Option<i64>> {
    if uid.trim().is_empty() || uid.len() > 255 || uid.contains('\0') {
        return Ok(None);
    }
    store::id_by_uid(db, uid)
}

fn import_tour(
    db: &Database,
    t: PortableTour,
    stops: Vec<PortableEvent>,
    speakers: &mut SpeakerIndex,
) -> Result<JsonImport> {
    check_speaker_count(&t.speakers).map_err(|e| at("tour", e))?;
    // Stops the database already has say which tour this file updates.
    let mut existing: Option<i64> = None;
    for (i, s) in stops.iter().enumerate() {
        let Some(id) = known(db, &s.uid)? else {
            continue;
        };
        let place = format!("stops[{i}]");
        match (store::get(db, id)?.tour_id, existing) {
            (None, _) => return Err(at(&place, Error::invalid_field("uid", format!("This stop's UID is that of event {id}, which is not a stop of any tour. Remove the UID to import the stop as a new event.")))),
            (Some(tour), Some(other)) if tour != other => return Err(at(&place, Error::invalid_field("uid", format!("This stop's UID is that of a stop of tour {tour}, but the file's earlier stops are stops of tour {other}. A file updates one tour.")))),
            (Some(tour), _) => existing = Some(tour),
        }
    }
    let speaker_ids = t
        .speakers
        .iter()
        .map(|s| speakers.find_or_create(db, s))
        .collect::<Result<Vec<_>>>()
        .map_err(|e| at("tour.speakers", e))?;
    // A tour of an older file takes its first stop's zone.
    let time_zone = if t.time_zone.trim().is_empty() {
        stops
            .iter()
            .filter_map(|s| s.time_zone.as_deref())
            .find(|z| !z.trim().is_empty())
            .unwrap_or_default()
            .to_owned()
    } else {
        t.time_zone.clone()
    };
    let input = tours::TourInput {
        title: t.title,
        description: t.description,
        speaker_ids,
        hosts: t.hosts,
        tags: t.tags,
        time_zone,
    };
    let mut done = JsonImport::default();
    let tour = match existing {
        Some(id) => {
            let before = tours::get_tour(db, id)?.tour;
            let after = tours::update_tour(db, id, input)
                .map_err(|e| at("tour", e))?
                .tour;
            done.changes.extend(tour_changes(&before, &after));
            after
        }
        None => {
            let tour = tours::create_tour(db, input).map_err(|e| at("tour", e))?;
            // Only real instants are kept; anything else (text of any length) is replaced by now.
            let stamp = |s: &str| {
                if s.len() <= super::MAX_WHEN_BYTES && s.parse::<jiff::Timestamp>().is_ok() {
                    s.to_owned()
                } else {
                    now_text()
                }
            };
            db.conn().execute(
                "UPDATE tour SET created_at = ?2, updated_at = ?3 WHERE id = ?1",
                rusqlite::params![tour.id, stamp(&t.created_at), stamp(&t.updated_at)],
            )?;
            tours::get_tour(db, tour.id)?.tour
        }
    };
    for (i, s) in stops.into_iter().enumerate() {
        let s = inherit(s, &tour);
        let name = format!("Stop {}", i + 1);
        let event = import_event(db, s, Some(tour.id), speakers, &mut done, &name)
            .map_err(|e| at(&format!("stops[{i}]"), e))?;
        done.events.push(event);
    }
    if existing.is_none() {
        let dates: Vec<String> = done.events.iter().map(|e| e.start_date.clone()).collect();
        done.warnings = tours::likely_duplicates(db, &tour.title, &dates, Some(tour.id))?;
    } else {
        // An update never deletes: the tour's stops the file leaves out stay as they were.
        for stop in tours::get_tour(db, tour.id)?.stops {
            if !done.events.iter().any(|e| e.id == stop.id) {
                done.changes.push(format!(
                    "Event {} ({}), a stop of this tour the file does not hold: left as it was.",
                    stop.id, stop.uid
                ));
            }
        }
    }
    done.tour = Some(tours::get_tour(db, tour.id)?.tour);
    Ok(done)
}

/// A stop as the file gives it, with what it leaves out taken from its tour.
fn inherit(mut s: PortableEvent, tour: &Tour) -> PortableEvent {
    let o = s.overrides;
    let given = |v: &Option<String>, own: bool| match v {
        Some(text) if own || !text.trim().is_empty() => Some(text.clone()),
        _ => None,
    };
    s.title = Some(given(&s.title, false).unwrap_or_else(|| tour.title.clone()));
    s.description =
        Some(given(&s.description, o.description).unwrap_or_else(|| tour.description.clone()));
    s.hosts = Some(given(&s.hosts, o.hosts).unwrap_or_else(|| tour.hosts.clone()));
    s.time_zone = Some(given(&s.time_zone, false).unwrap_or_else(|| tour.time_zone.clone()));
    s.tags = Some(s.tags.unwrap_or_else(|| tour.tags.clone()));
    s.speakers = match s.speakers {
        Some(list) if o.speakers || !list.is_empty() => Some(list),
        _ => Some(tour.speakers.iter().map(SpeakerInput::from).collect()),
    };
    s
}

fn tour_changes(before: &Tour, after: &Tour) -> Vec<String> {
    let mut out = Vec::new();
    let names = |t: &Tour| {
        t.speakers
            .iter()
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (name, a, b) in [
        ("title", before.title.clone(), after.title.clone()),
        ("hosts", before.hosts.clone(), after.hosts.clone()),
        (
            "time zone",
            before.time_zone.clone(),
            after.time_zone.clone(),
        ),
        ("speakers", names(before), names(after)),
    ] {
        if a != b {
            out.push(format!("The tour's {name}: “{a}” → “{b}”."));
        }
    }
    if before.description != after.description {
        out.push("The tour's description changed.".into());
    }
    out
}

fn at(place: &str, mut e: Error) -> Error {
    for f in &mut e.fields {
        f.field = format!("{place}.{}", f.field);
    }
    e.message = format!("In {place}: {} Nothing was imported.", e.message);
    e
}

/// The speaker limit, checked before any speaker of the file is saved.
fn check_speaker_count(speakers: &[SpeakerInput]) -> Result<()> {
    if speakers.len() > super::MAX_SPEAKERS {
        return Err(Error::invalid_field(
            "speakers",
            format!(
                "There are {} speakers; an event or a tour has at most {}.",
                speakers.len(),
                super::MAX_SPEAKERS
            ),
        ));
    }
    Ok(())
}

/// The history an event brings: at most [`super::MAX_HISTORY`] lines, each
/// value and reason within the limits of a reason typed in the window.
fn check_history(history: &[HistoryEntry]) -> Result<()> {
    if history.len() > super::MAX_HISTORY {
        return Err(Error::invalid_field(
            "history",
            format!(
                "The event has {} lines of history; Handbill keeps at most {}.",
                history.len(),
                super::MAX_HISTORY
            ),
        ));
    }
    let mut problems = Vec::new();
    for (i, h) in history.iter().enumerate() {
        check_len(
            &mut problems,
            &format!("history[{i}].old_value"),
            &h.old_value,
            super::MAX_TEXT_BYTES,
        );
        check_len(
            &mut problems,
            &format!("history[{i}].new_value"),
            &h.new_value,
            super::MAX_TEXT_BYTES,
        );
        check_len(
            &mut problems,
            &format!("history[{i}].reason"),
            &h.reason,
            super::MAX_TEXT_BYTES,
        );
        check_len(
            &mut problems,
            &format!("history[{i}].at"),
            &h.at,
            super::MAX_WHEN_BYTES,
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid(problems))
    }
}

fn import_event(
    db: &Database,
    p: PortableEvent,
    tour_id: Option<i64>,
    speakers: &mut SpeakerIndex,
    done: &mut JsonImport,
    name: &str,
) -> Result<Event> {
    let speaker_list = p.speakers.clone().unwrap_or_default();
    check_speaker_count(&speaker_list)?;
    check_history(&p.history)?;
    let existing = known(db, &p.uid)?;
    let venue_id = match &p.venue {
        Some(v) => Some(find_or_create_venue(db, v)?.id),
        None => None,
    };
    let speaker_ids = speaker_list
        .iter()
        .map(|s| speakers.find_or_create(db, s))
        .collect::<Result<Vec<_>>>()?;
    let tour_id = match (tour_id, existing) {
        (Some(t), _) => Some(t),
        (None, Some(id)) => store::get(db, id)?.tour_id,
        (None, None) => None,
    };
    let input = EventInput {
        title: p.title.clone().unwrap_or_default(),
        kind: p.kind,
        description: p.description.clone().unwrap_or_default(),
        start_date: p.start_date.clone(),
        start_time: p.start_time.clone(),
        end_date: p.end_date.clone(),
        end_time: p.end_time.clone(),
        time_zone: p.time_zone.clone().unwrap_or_default(),
        all_day: p.all_day,
        venue_id,
        room: p.room.clone(),
        no_room: p.no_room,
        online_link: p.online_link.clone(),
        attendance: p.attendance,
        speaker_ids,
        hosts: p.hosts.clone().unwrap_or_default(),
        reading_list: p.reading_list.clone(),
        accessibility: p.accessibility.clone(),
        rules: p.rules.clone(),
        links: p.links.clone(),
        tags: p.tags.clone().unwrap_or_default(),
        cosponsor_call: p.cosponsor_call.clone(),
        tour_id,
        translations: p.translations.clone(),
    };
    let id = match existing {
        Some(id) => {
            update_known(db, id, &p, input, done, name)?;
            id
        }
        None => add_new(db, &p, input)?,
    };
    if let Some(series) = &p.series {
        super::series::from_file(db, id, series)?;
    }
    db.conn().execute(
        "UPDATE event SET override_title = override_title OR ?2, override_description = override_description OR ?3,
            override_speakers = override_speakers OR ?4, override_hosts = override_hosts OR ?5,
            override_time_zone = override_time_zone OR ?6 WHERE id = ?1",
        rusqlite::params![
            id,
            p.overrides.title,
            p.overrides.description,
            p.overrides.speakers,
            p.overrides.hosts,
            p.overrides.time_zone
        ],
    )?;
    store::get(db, id)
}

fn add_new(db: &Database, p: &PortableEvent, input: EventInput) -> Result<i64> {
    let checked = check(db, input, p.status != EventStatus::Draft)?;
    let uid = if p.uid.trim().is_empty() || p.uid.len() > 255 || p.uid.contains('\0') {
        None
    } else {
        Some(p.uid.as_str())
    };
    let id = store::write(db, None, &checked, p.status, uid)?;
    let now = now_text();
    let stamp = |s: &str| {
        if s.parse::<jiff::Timestamp>().is_ok() {
            s.to_owned()
        } else {
            now.clone()
        }
    };
    db.conn().execute(
        "UPDATE event SET sequence = ?2, created_at = ?3, updated_at = ?4 WHERE id = ?1",
        rusqlite::params![id, p.sequence, stamp(&p.created_at), stamp(&p.updated_at)],
    )?;
    for h in &p.history {
        history::record_at(
            db,
            id,
            &stamp(&h.at),
            h.kind,
            &h.old_value,
            &h.new_value,
            &h.reason,
        )?;
    }
    Ok(id)
}

/// The reason the file gives for its newest change this database does not
/// have yet, if any.
fn new_reason(db: &Database, id: i64, p: &PortableEvent) -> Result<String> {
    let mine = store::history(db, id)?;
    Ok(p.history
        .iter()
        .rev()
        .find(|h| !mine.contains(h) && !h.reason.trim().is_empty())
        .map(|h| h.reason.clone())
        .unwrap_or_default())
}

/// Updates a saved event to what the file says, through the functions the
/// window's editor and status actions use, and notes what changed.
fn update_known(
    db: &Database,
    id: i64,
    p: &PortableEvent,
    input: EventInput,
    done: &mut JsonImport,
    name: &str,
) -> Result<()> {
    let before = store::get(db, id)?;
    let reason = new_reason(db, id, p)?;
    let told = matches!(p.status, EventStatus::Announced | EventStatus::Rescheduled);
    let strict = before.status != EventStatus::Draft || p.status != EventStatus::Draft;
    let wanted = check(db, input.clone(), strict)?.input;
    if wanted != before.to_input() {
        if before.status == EventStatus::Draft {
            store::save_draft(db, Some(id), input)?;
        } else {
            let when = |e: &EventInput| store::when_text(e);
            if p.status == EventStatus::Rescheduled && when(&wanted) != when(&before.to_input()) {
                let new_when = super::When {
                    start_date: wanted.start_date.clone(),
                    start_time: wanted.start_time.clone(),
                    end_date: wanted.end_date.clone(),
                    end_time: wanted.end_time.clone(),
                    all_day: wanted.all_day,
                };
                store::reschedule(db, id, new_when, &reason)?;
            }
            store::update_with_reason(db, id, input, &reason)?;
        }
    }
    let now = store::get(db, id)?;
    let both_on = told
        && matches!(
            now.status,
            EventStatus::Announced | EventStatus::Rescheduled
        );
    if p.status != now.status && !both_on {
        match p.status {
            EventStatus::Draft => {
                return Err(Error::invalid_field(
                    "status",
                    format!("The file says this event is a draft, but it is {} here: an event people were told about does not become a draft again. Nothing was imported.", now.status.as_str()),
                ))
            }
            EventStatus::Announced | EventStatus::Rescheduled => {
                store::announce(db, id)?;
            }
            EventStatus::Postponed => {
                store::postpone(db, id, &reason)?;
            }
            EventStatus::Cancelled => {
                store::cancel(db, id, &reason)?;
            }
        }
    }
    let after = store::get(db, id)?;
    let lines = event_changes(db, &before, &after)?;
    if !lines.is_empty() && p.sequence > after.sequence {
        db.conn().execute(
            "UPDATE event SET sequence = ?2 WHERE id = ?1",
            rusqlite::params![id, p.sequence],
        )?;
    }
    done.updated.push(id);
    let label = format!("{name} (event {id}, {})", before.uid);
    if lines.is_empty() {
        done.changes.push(format!("{label}: unchanged."));
    }
    for line in lines {
        done.changes.push(format!("{label}: {line}"));
    }
    Ok(())
}

/// What differs between two saves of an event, a short line each.
fn event_changes(db: &Database, a: &Event, b: &Event) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let (ai, bi) = (a.to_input(), b.to_input());
    let pair = |out: &mut Vec<String>, what: &str, x: String, y: String| {
        if x != y {
            out.push(format!("{what} {x} → {y}."));
        }
    };
    pair(
        &mut out,
        "status",
        a.status.as_str().into(),
        b.status.as_str().into(),
    );
    pair(
        &mut out,
        "date",
        store::when_text(&ai),
        store::when_text(&bi),
    );
    pair(
        &mut out,
        "place",
        store::venue_text(db, ai.venue_id, &ai.room)?,
        store::venue_text(db, bi.venue_id, &bi.room)?,
    );
    pair(
        &mut out,
        "title",
        format!("“{}”", a.title),
        format!("“{}”", b.title),
    );
    pair(
        &mut out,
        "hosts",
        format!("“{}”", a.hosts),
        format!("“{}”", b.hosts),
    );
    let names = |e: &Event| {
        e.speakers
            .iter()
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    pair(
        &mut out,
        "speakers",
        format!("“{}”", names(a)),
        format!("“{}”", names(b)),
    );
    if a.description != b.description {
        out.push("description changed.".into());
    }
    let rest = |i: &EventInput| {
        (
            i.kind,
            i.online_link.clone(),
            i.attendance,
            i.reading_list.clone(),
            i.accessibility.clone(),
            i.rules.clone(),
            i.links.clone(),
            i.tags.clone(),
            i.cosponsor_call.clone(),
            i.translations.clone(),
        )
    };
    if rest(&ai) != rest(&bi) {
        out.push("other details changed (kind, links, reading list, tags, rules, accessibility, co-sponsor call or translations).".into());
    }
    if a.sequence != b.sequence {
        out.push(format!(
            "calendar sequence {} → {}.",
            a.sequence, b.sequence
        ));
    }
    Ok(out)
}
