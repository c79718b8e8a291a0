//! Events: the meetings, rallies, panels, study groups, fund drives and speaking
//! tours a branch announces. This module owns their model (events, venues,
//! speakers, tours and their stops), the validation of what an organizer types,
//! their status and history (reschedule, postpone, cancel, each kept with its
//! reason), the views over them (upcoming by month, a month, a tour, search),
//! and their exchange formats (iCalendar, plain-text and HTML listings, JSON).
//!
//! Times are kept as the local date and time the organizer typed plus the
//! event's IANA time zone, and — once valid — as UTC instants, so a calendar or
//! a flyer in another zone shows the same moment.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub mod history;
pub mod ics;
pub(crate) mod index;
pub mod json;
pub mod listing;
pub mod public;
pub mod rows;
pub mod sample;
pub mod series;
pub mod store;
pub mod tours;
pub mod typed;
pub mod venues;
pub mod views;

pub use history::{HistoryEntry, HistoryKind};
pub use store::{
    announce, cancel, change_venue, create, delete, duplicate, get, history, postpone, reschedule,
    save_draft, update, validate, When,
};
pub use tours::{
    add_stop, create_tour, get_tour, list_tours, update_tour, StopInput, TourInput, TourWithStops,
};
pub use venues::{
    create_speaker, create_venue, delete_venue, get_venue, list_speakers, list_venues,
    update_speaker, update_venue, Speaker, SpeakerInput, Venue, VenueInput,
};
pub use views::{all, month, past, search, undated, upcoming, MonthGroup};

/// The largest description Handbill keeps: 100 KB of Markdown is a long pamphlet.
pub const MAX_DESCRIPTION_BYTES: usize = 100 * 1024;
/// The largest single-line text field (title, room, hosts, …).
pub const MAX_LINE_BYTES: usize = 2 * 1024;
/// The largest multi-line text field other than the description (rules, notes).
pub const MAX_TEXT_BYTES: usize = 20 * 1024;
/// The largest date, time or time zone as typed (`2027-01-25`, `19:00`,
/// `America/Argentina/ComodRivadavia`): a draft keeps what was typed.
pub const MAX_WHEN_BYTES: usize = 64;
/// The most speakers an event or a tour may have.
pub const MAX_SPEAKERS: usize = 200;
/// The most tags an event or a tour may have, and the longest tag.
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_BYTES: usize = 100;
/// The most lines of history an imported event may bring.
pub const MAX_HISTORY: usize = 1000;

/// What sort of event this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    #[default]
    Meeting,
    Rally,
    Panel,
    StudyGroup,
    Protest,
    FundDrive,
    Conference,
    Social,
    Other,
}

impl EventKind {
    pub const ALL: [EventKind; 9] = [
        EventKind::Meeting,
        EventKind::Rally,
        EventKind::Panel,
        EventKind::StudyGroup,
        EventKind::Protest,
        EventKind::FundDrive,
        EventKind::Conference,
        EventKind::Social,
        EventKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Meeting => "meeting",
            EventKind::Rally => "rally",
            EventKind::Panel => "panel",
            EventKind::StudyGroup => "study_group",
            EventKind::Protest => "protest",
            EventKind::FundDrive => "fund_drive",
            EventKind::Conference => "conference",
            EventKind::Social => "social",
            EventKind::Other => "other",
        }
    }

    /// The kind's name, as the window offers it ("Study group"). The only
    /// copy: the window's labels are generated from it (`make bindings`).
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Meeting => "Meeting",
            EventKind::Rally => "Rally",
            EventKind::Panel => "Panel",
            EventKind::StudyGroup => "Study group",
            EventKind::Protest => "Protest",
            EventKind::FundDrive => "Fund drive",
            EventKind::Conference => "Conference",
            EventKind::Social => "Social",
            EventKind::Other => "Other",
        }
    }

    /// How a listing, a flyer or an email names an event of this kind: its
    /// name, except that an event of no particular kind is an "Event".
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Other => "Event",
            kind => kind.name(),
        }
    }

    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Where an event is in its life: `draft → announced → (rescheduled | postponed | cancelled)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    #[default]
    Draft,
    Announced,
    Rescheduled,
    Postponed,
    Cancelled,
}

impl EventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Draft => "draft",
            EventStatus::Announced => "announced",
            EventStatus::Rescheduled => "rescheduled",
            EventStatus::Postponed => "postponed",
            EventStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<EventStatus> {
        [
            EventStatus::Draft,
            EventStatus::Announced,
            EventStatus::Rescheduled,
            EventStatus::Postponed,
            EventStatus::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// Whether people come in person, online, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    #[default]
    InPerson,
    Online,
    Hybrid,
}

impl Attendance {
    pub fn as_str(self) -> &'static str {
        match self {
            Attendance::InPerson => "in_person",
            Attendance::Online => "online",
            Attendance::Hybrid => "hybrid",
        }
    }

    pub fn parse(text: &str) -> Option<Attendance> {
        [Attendance::InPerson, Attendance::Online, Attendance::Hybrid]
            .into_iter()
            .find(|a| a.as_str() == text)
    }
}

/// One item of a reading list to prepare with.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Reading {
    pub title: String,
    pub author: String,
    /// An http(s) URL, or empty.
    pub link: String,
}

/// An event's links; each is an http(s) URL or empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct EventLinks {
    pub event_page: String,
    pub rsvp: String,
    pub donate: String,
}

/// "If your organization would like to co-sponsor this event, please contact …".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct CosponsorCall {
    pub text: String,
    /// An email address, a phone number or a URL, as the branch gives it.
    pub contact: String,
}

/// The event's title and description in another language, for a bilingual flyer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct EventTranslation {
    /// A BCP 47 language tag, such as `es`.
    pub language: String,
    pub title: String,
    /// Markdown.
    pub description: String,
}

/// What a form sends to create or change an event. Dates and times are what the
/// organizer typed: `YYYY-MM-DD` and `HH:MM` in `time_zone`. An empty end date
/// means the start date; an empty end time means the start time. All-day events
/// have no times, and their end date is the last day (inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct EventInput {
    pub title: String,
    pub kind: EventKind,
    /// Markdown.
    pub description: String,
    pub start_date: String,
    pub start_time: String,
    pub end_date: String,
    pub end_time: String,
    /// An IANA time zone name, such as `America/New_York`.
    pub time_zone: String,
    pub all_day: bool,
    /// None: "location to be decided".
    pub venue_id: Option<i64>,
    /// Empty: "room to be announced" (or the venue's usual room), unless
    /// `no_room`.
    pub room: String,
    /// The event has no room (outdoors, a park): nothing about a room is
    /// printed, where an empty `room` prints "Room to be announced".
    pub no_room: bool,
    pub online_link: String,
    pub attendance: Attendance,
    /// Speakers in the order they are announced.
    pub speaker_ids: Vec<i64>,
    /// "ISO-Boston & Justice4Siham Coalition present".
    pub hosts: String,
    pub reading_list: Vec<Reading>,
    pub accessibility: String,
    pub rules: String,
    pub links: EventLinks,
    pub tags: Vec<String>,
    pub cosponsor_call: CosponsorCall,
    pub tour_id: Option<i64>,
    /// The title and description in other languages, one per language.
    pub translations: Vec<EventTranslation>,
}

/// Which of a tour's shared fields a stop has its own value for; the others
/// are inherited from the tour and follow it when it is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct StopOverrides {
    pub title: bool,
    pub description: bool,
    pub speakers: bool,
    pub hosts: bool,
    pub time_zone: bool,
}

/// A speaking tour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Tour {
    pub id: i64,
    pub title: String,
    /// Markdown.
    pub description: String,
    pub speakers: Vec<Speaker>,
    pub hosts: String,
    pub tags: Vec<String>,
    /// The IANA time zone a stop takes when it gives none of its own.
    pub time_zone: String,
    pub created_at: String,
    pub updated_at: String,
}

/// An event as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Event {
    pub id: i64,
    /// The iCalendar UID, stable for the event's life (`<uuid>@handbill`).
    pub uid: String,
    /// The iCalendar SEQUENCE: raised on each reschedule, postponement or cancellation.
    pub sequence: u32,
    pub title: String,
    pub kind: EventKind,
    pub status: EventStatus,
    pub description: String,
    /// Local date as typed (`YYYY-MM-DD`); empty: date to be announced.
    pub start_date: String,
    /// Local time (`HH:MM`); empty for all-day events.
    pub start_time: String,
    pub end_date: String,
    pub end_time: String,
    pub time_zone: String,
    pub all_day: bool,
    /// The start as a UTC instant (RFC 3339), once the date is known and valid.
    pub start_at: Option<String>,
    /// The end as a UTC instant (exclusive for all-day events: the next midnight).
    pub end_at: Option<String>,
    pub venue: Option<Venue>,
    pub room: String,
    /// No room at all (outdoors, a park), as against a room to be announced.
    pub no_room: bool,
    pub online_link: String,
    pub attendance: Attendance,
    pub speakers: Vec<Speaker>,
    pub hosts: String,
    pub reading_list: Vec<Reading>,
    pub accessibility: String,
    pub rules: String,
    pub links: EventLinks,
    pub tags: Vec<String>,
    pub cosponsor_call: CosponsorCall,
    pub tour_id: Option<i64>,
    /// The title and description in other languages, one per language.
    #[serde(default)]
    pub translations: Vec<EventTranslation>,
    pub overrides: StopOverrides,
    pub created_at: String,
    pub updated_at: String,
    /// How the event repeats ("Every Thursday", "Second Tuesday of the
    /// month"), when it is a series; absent for a single event. A series'
    /// dates in a list are this event on each date (`events::series`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub series: Option<String>,
}

impl Event {
    /// Whether the event's end has passed at `now`. An event without a date is never past.
    pub fn is_past(&self, now: jiff::Timestamp) -> bool {
        self.end_at
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .is_some_and(|end| end <= now)
    }

    /// The form values that would save this event as it is.
    pub fn to_input(&self) -> EventInput {
        EventInput {
            title: self.title.clone(),
            kind: self.kind,
            description: self.description.clone(),
            start_date: self.start_date.clone(),
            start_time: self.start_time.clone(),
            end_date: self.end_date.clone(),
            end_time: self.end_time.clone(),
            time_zone: self.time_zone.clone(),
            all_day: self.all_day,
            venue_id: self.venue.as_ref().map(|v| v.id),
            room: self.room.clone(),
            no_room: self.no_room,
            online_link: self.online_link.clone(),
            attendance: self.attendance,
            speaker_ids: self.speakers.iter().map(|s| s.id).collect(),
            hosts: self.hosts.clone(),
            reading_list: self.reading_list.clone(),
            accessibility: self.accessibility.clone(),
            rules: self.rules.clone(),
            links: self.links.clone(),
            tags: self.tags.clone(),
            cosponsor_call: self.cosponsor_call.clone(),
            tour_id: self.tour_id,
            translations: self.translations.clone(),
        }
    }

    /// The room to announce: the event's own, else the venue's usual room.
    pub fn room_or_venue_room(&self) -> &str {
        if !self.room.trim().is_empty() {
            &self.room
        } else {
            self.venue.as_ref().map(|v| v.room.as_str()).unwrap_or("")
        }
    }
}

/// Imports an event file from outside: an iCalendar file (by its `.ics`
/// name or its `BEGIN:VCALENDAR` start) or Handbill's JSON event file, all or
/// nothing. Only a regular file of at most 20 MB is read (see [`crate::db::outside`]).
pub fn import_file(
    db: &crate::db::storage::Database,
    path: &std::path::Path,
) -> crate::error::Result<json::JsonImport> {
    let text = crate::db::outside::read_text(
        path,
        crate::db::outside::Kind {
            field: "file",
            what: "event file",
            limit: ics::MAX_ICS_BYTES.max(json::MAX_JSON_BYTES) as u64,
        },
    )?;
    let is_ics = path
        .extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("ics"))
        || text
            .trim_start()
            .get(..15)
            .is_some_and(|h| h.eq_ignore_ascii_case("BEGIN:VCALENDAR"));
    if is_ics {
        let done = ics::import_report(db, &text)?;
        Ok(json::JsonImport {
            events: done.events,
            warnings: done.warnings,
            ..Default::default()
        })
    } else {
        json::import(db, &text)
    }
}
