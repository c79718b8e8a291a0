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
//! null; `speakers`: [`SpeakerInput`]s in order) and `history` lists its
//! [`HistoryEntry`]s. A tour object has `title`, `description`, `speakers`,
//! `hosts`, `tags`, `created_at`, `updated_at`. Missing fields take their
//! empty value; unknown fields are ignored, so later versions can add fields.
//! Importing reuses an identical venue or speaker and keeps the UID unless
//! the database already has it.

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
    title: String,
    kind: EventKind,
    status: EventStatus,
    description: String,
    start_date: String,
    start_time: String,
    end_date: String,
    end_time: String,
    time_zone: String,
    all_day: bool,
    venue: Option<VenueInput>,
    room: String,
    /// No room at all (outdoors), as against an empty `room`: a room to be
    /// announced. Left out when false, so files from before it still import.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    no_room: bool,
    online_link: String,
    attendance: Attendance,
    speakers: Vec<SpeakerInput>,
    hosts: String,
    reading_list: Vec<Reading>,
    accessibility: String,
    rules: String,
    links: EventLinks,
    tags: Vec<String>,
    cosponsor_call: CosponsorCall,
    translations: Vec<EventTranslation>,
    overrides: StopOverrides,
    created_at: String,
    updated_at: String,
    history: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
struct PortableTour {
    title: String,
    description: String,
    speakers: Vec<SpeakerInput>,
    hosts: String,
    tags: Vec<String>,
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

/// What an import added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct JsonImport {
    pub tour: Option<Tour>,
    pub events: Vec<Event>,
}

fn portable(db: &Database, e: &Event) -> Result<PortableEvent> {
    Ok(PortableEvent {
        uid: e.uid.clone(),
        sequence: e.sequence,
        title: e.title.clone(),
        kind: e.kind,
        status: e.status,
        description: e.description.clone(),
        start_date: e.start_date.clone(),
        start_time: e.start_time.clone(),
        end_date: e.end_date.clone(),
        end_time: e.end_time.clone(),
        time_zone: e.time_zone.clone(),
        all_day: e.all_day,
        venue: e.venue.as_ref().map(VenueInput::from),
        room: e.room.clone(),
        no_room: e.no_room,
        online_link: e.online_link.clone(),
        attendance: e.attendance,
        speakers: e.speakers.iter().map(SpeakerInput::from).collect(),
        hosts: e.hosts.clone(),
        reading_list: e.reading_list.clone(),
        accessibility: e.accessibility.clone(),
        rules: e.rules.clone(),
        links: e.links.clone(),
        tags: e.tags.clone(),
        cosponsor_call: e.cosponsor_call.clone(),
        translations: e.translations.clone(),
        overrides: e.overrides,
        created_at: e.created_at.clone(),
        updated_at: e.updated_at.clone(),
        history: store::history(db, e.id)?,
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
        (Some(e), None) => JsonImport { tour: None, events: vec![import_event(db, e, None, &mut speakers).map_err(|e| at("event", e))?] },
        (None, Some(t)) => {
            check_speaker_count(&t.speakers).map_err(|e| at("tour", e))?;
            let speaker_ids = t.speakers.iter().map(|s| speakers.find_or_create(db, s)).collect::<Result<Vec<_>>>().map_err(|e| at("tour.speakers", e))?;
            let tour = tours::create_tour(db, tours::TourInput { title: t.title, description: t.description, speaker_ids, hosts: t.hosts, tags: t.tags }).map_err(|e| at("tour", e))?;
            // Only real instants are kept; anything else (text of any length) is replaced by now.
            let stamp = |s: &str| if s.len() <= super::MAX_WHEN_BYTES && s.parse::<jiff::Timestamp>().is_ok() { s.to_owned() } else { now_text() };
            db.conn().execute("UPDATE tour SET created_at = ?2, updated_at = ?3 WHERE id = ?1", rusqlite::params![tour.id, stamp(&t.created_at), stamp(&t.updated_at)])?;
            let mut events = Vec::new();
            for (i, s) in doc.stops.unwrap_or_default().into_iter().enumerate() {
                events.push(import_event(db, s, Some(tour.id), &mut speakers).map_err(|e| at(&format!("stops[{i}]"), e))?);
            }
            JsonImport { tour: Some(tours::get_tour(db, tour.id)?.tour), events }
        }
        _ => return Err(Error::invalid_field("file", "The file must hold either an \"event\" or a \"tour\" with its \"stops\". Nothing was imported.")),
    };
    tx.commit()?;
    Ok(result)
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
) -> Result<Event> {
    check_speaker_count(&p.speakers)?;
    check_history(&p.history)?;
    let venue_id = match &p.venue {
        Some(v) => Some(find_or_create_venue(db, v)?.id),
        None => None,
    };
    let speaker_ids = p
        .speakers
        .iter()
        .map(|s| speakers.find_or_create(db, s))
        .collect::<Result<Vec<_>>>()?;
    let input = EventInput {
        title: p.title,
        kind: p.kind,
        description: p.description,
        start_date: p.start_date,
        start_time: p.start_time,
        end_date: p.end_date,
        end_time: p.end_time,
        time_zone: p.time_zone,
        all_day: p.all_day,
        venue_id,
        room: p.room,
        no_room: p.no_room,
        online_link: p.online_link,
        attendance: p.attendance,
        speaker_ids,
        hosts: p.hosts,
        reading_list: p.reading_list,
        accessibility: p.accessibility,
        rules: p.rules,
        links: p.links,
        tags: p.tags,
        cosponsor_call: p.cosponsor_call,
        tour_id,
        translations: p.translations,
    };
    let checked = check(db, input, p.status != EventStatus::Draft)?;
    let uid = if p.uid.trim().is_empty()
        || p.uid.len() > 255
        || p.uid.contains('\0')
        || store::id_by_uid(db, &p.uid)?.is_some()
    {
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
        "UPDATE event SET sequence = ?2, created_at = ?3, updated_at = ?4, override_title = ?5,
            override_description = ?6, override_speakers = ?7 WHERE id = ?1",
        rusqlite::params![
            id,
            p.sequence,
            stamp(&p.created_at),
            stamp(&p.updated_at),
            p.overrides.title,
            p.overrides.description,
            p.overrides.speakers
        ],
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
    store::get(db, id)
}
