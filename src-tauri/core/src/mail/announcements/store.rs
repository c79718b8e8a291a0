//! The announcement and delivery records: creating an announcement, queueing
//! it (one delivery per subscribed person, a snapshot of their address and
//! names), the progress anyone can read from the database at any time, and the
//! requests another process makes of a running send (pause, cancel) and the
//! organizer's decision on deliveries whose fate is uncertain. Queueing keeps
//! the record honest: the same event is not announced with the same template
//! to the same list twice unless the organizer says so, and the cancelled and
//! rescheduled templates only go out about an event that is.
//! An announcement's versions in the branch's other languages are kept
//! beside it (`announcement_version`), checked and replaced with it.

use rusqlite::{params, params_from_iter, OptionalExtension, ToSql};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::letter::{AnnouncementVersion, Content, Recipient, Template};
use super::schedule::Schedule;
use crate::clock::{now_ms, now_text};
use crate::db::backup::{self, BackupKind};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::mail::lists::{self, SegmentFilter};

/// Where an announcement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AnnouncementState {
    /// Being written; nobody is queued yet.
    Draft,
    /// Everyone is queued; waiting for a sender (or for the connection).
    Queued,
    /// A sender is working on it (or was, until it died: see [`SendProgress::running`]).
    Sending,
    /// Stopped by the organizer or by the account's daily cap; resume continues.
    Paused,
    /// Stopped for good; nobody left in the queue is mailed.
    Cancelled,
    /// Nobody is left in the queue (uncertain deliveries may wait for a decision).
    Done,
}

impl AnnouncementState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Paused => "paused",
            Self::Cancelled => "cancelled",
            Self::Done => "done",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Draft,
            Self::Queued,
            Self::Sending,
            Self::Paused,
            Self::Cancelled,
            Self::Done,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// Where one delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Queued,
    /// Handed to the server, answer not yet recorded.
    Sending,
    Sent,
    /// Written to the outbox folder as an `.eml` file because no mail account
    /// was set up: not sent. `handbill send outbox ID --smtp URL` sends it.
    Written,
    /// Refused for good (5xx, or 4xx too many times); `reply` has the server's words.
    Failed,
    /// The sender died or the connection dropped while this message was on
    /// its way: it may or may not have arrived. Never resent automatically.
    Uncertain,
    /// Not mailed: the person left the list before their turn (or was deleted).
    Skipped,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 7] = [
        Self::Queued,
        Self::Sending,
        Self::Sent,
        Self::Written,
        Self::Failed,
        Self::Uncertain,
        Self::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Written => "written",
            Self::Failed => "failed",
            Self::Uncertain => "uncertain",
            Self::Skipped => "skipped",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What the organizer writes: the input to [`create`] and [`update`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AnnouncementInput {
    pub event_id: Option<i64>,
    pub tour_id: Option<i64>,
    pub template: Template,
    pub list_id: i64,
    /// A saved segment's name or a filter such as `tag=volunteer,city=Boston`; empty for the whole list.
    pub segment: String,
    pub subject: String,
    /// Markdown with personal fields.
    pub body: String,
    pub attach_flyer: bool,
    /// The text in the branch's other languages, each sent to the
    /// subscribers of its language; none when everyone gets the main text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, as = "Option<Vec<AnnouncementVersion>>")]
    pub versions: Vec<AnnouncementVersion>,
}

/// An announcement as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Announcement {
    pub id: i64,
    pub event_id: Option<i64>,
    pub tour_id: Option<i64>,
    pub template: Template,
    pub list_id: i64,
    pub list_name: String,
    pub segment: String,
    pub subject: String,
    pub body: String,
    pub attach_flyer: bool,
    /// The text in the branch's other languages (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, as = "Option<Vec<AnnouncementVersion>>")]
    pub versions: Vec<AnnouncementVersion>,
    pub state: AnnouncementState,
    /// Why it stopped by itself (daily cap, no connection, login refused); empty otherwise.
    pub note: String,
    pub created_at: String,
    pub queued_at: Option<String>,
    pub finished_at: Option<String>,
    /// The title of the event or tour it is about, as the lists show it.
    pub about: String,
    /// Messages written to the outbox folder (no mail account) and not sent yet.
    pub written: u32,
    /// When a draft sends itself, and whether it is due, held or missed; none when it is not scheduled.
    pub schedule: Option<Box<Schedule>>,
}

impl Announcement {
    /// What composing needs.
    pub fn content(&self) -> Content {
        Content {
            announcement_id: self.id,
            event_id: self.event_id,
            tour_id: self.tour_id,
            template: self.template,
            list_id: self.list_id,
            subject: self.subject.clone(),
            body: self.body.clone(),
            attach_flyer: self.attach_flyer,
        }
    }
}

/// How far a send has come, read from the database, so the window, the
/// command line and a second process all see the same numbers.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SendProgress {
    pub announcement_id: i64,
    pub state: AnnouncementState,
    /// Whether a live sender holds the announcement now.
    pub running: bool,
    pub total: u32,
    pub queued: u32,
    pub sending: u32,
    pub sent: u32,
    /// Written to the outbox folder (no mail account): not sent yet.
    pub written: u32,
    pub failed: u32,
    pub uncertain: u32,
    pub skipped: u32,
    /// 4xx answers ("try again later") over all deliveries: soft bounces.
    pub soft_bounces: u32,
    /// Messages accepted in the last minute.
    pub rate_per_minute: f64,
    /// At the current rate; none when nothing is moving.
    pub seconds_left: Option<u64>,
    pub note: String,
}

/// One delivery, for the lists of failed and uncertain people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Delivery {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    /// How many of the attempts got a 4xx answer (a soft bounce).
    pub soft_bounces: u32,
    /// The server's last answer, where the message was written, or why it was skipped.
    pub reply: String,
    pub updated_at: String,
}

/// The organizer's decision on uncertain deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum UncertainDecision {
    /// Queue them again: they are sent on the next resume (some may get it twice).
    Resend,
    /// Count them as sent.
    MarkSent,
}

pub(crate) fn check_input(db: &Database, input: &AnnouncementInput) -> Result<()> {
    match (input.event_id, input.tour_id) {
        (Some(id), None) => {
            crate::events::get(db, id)?;
        }
        (None, Some(id)) => {
            crate::events::get_tour(db, id)?;
        }
        _ => {
            return Err(Error::invalid_field(
                "event_id",
                "Choose the event (or the tour) the announcement is about: exactly one of them.",
            ))
        }
    }
    lists::get(db, input.list_id)?;
    check_template(db, input.event_id, input.tour_id, input.template)?;
    if !input.segment.trim().is_empty() {
        lists::resolve_segment(db, input.list_id, &input.segment)?;
    }
    if input.subject.trim().is_empty() {
        return Err(Error::invalid_field(
            "subject",
            "Give the announcement a subject line.",
        ));
    }
    if input.subject.contains(['\r', '\n']) {
        return Err(Error::invalid_field(
            "subject",
            "A subject is one line: remove the line breaks.",
        ));
    }
    if input.body.trim().is_empty() {
        return Err(Error::invalid_field(
            "body",
            "Write what the announcement says.",
        ));
    }
    // RFC 5322 caps a header line at 998 characters; a letter of a megabyte is a book.
    if input.subject.chars().count() > MAX_SUBJECT_CHARS {
        return Err(Error::invalid_field(
            "subject",
            format!("A subject is at most {MAX_SUBJECT_CHARS} characters; shorten it."),
        ));
    }
    if input.body.len() > MAX_BODY_BYTES {
        return Err(Error::invalid_field(
            "body",
            format!(
                "The letter is {}; the most Handbill sends is {}. Shorten it.",
                crate::db::outside::size_text(input.body.len() as u64),
                crate::db::outside::size_text(MAX_BODY_BYTES as u64)
            ),
        ));
    }
    check_versions(db, &input.versions)?;
    crate::db::outside::refuse_nul(input)
}

/// Refuses a version in a language the branch does not have (or in its
/// first language, which the main text is in), a second version of one
/// language, and a version with no subject or no text, naming the field.
pub(crate) fn check_versions(db: &Database, versions: &[AnnouncementVersion]) -> Result<()> {
    use super::words::primary;
    if versions.is_empty() {
        return Ok(());
    }
    let branch = crate::branch::require(db)?;
    let languages: Vec<String> = branch.languages.iter().map(|l| primary(l)).collect();
    let main = languages
        .first()
        .cloned()
        .unwrap_or_else(|| "en".to_owned());
    let mut seen: Vec<String> = Vec::new();
    for v in versions {
        let tag = primary(&v.language);
        let shown = super::personal::one_line(&v.language);
        if tag.is_empty() {
            return Err(Error::invalid_field(
                "versions.language",
                "Choose the language of the version.",
            ));
        }
        if tag == main {
            return Err(Error::invalid_field(
                "versions.language",
                format!("The main text is already in “{shown}”, the branch's first language: a version is for another of its languages."),
            ));
        }
        if !languages.contains(&tag) {
            return Err(Error::invalid_field(
                "versions.language",
                if languages.len() > 1 {
                    format!(
                        "The branch's languages are {}, not “{shown}”: add it under Settings → Branch, or remove the version.",
                        branch.languages.join(", ")
                    )
                } else {
                    format!(
                        "The branch writes in one language: add “{shown}” to its languages under Settings → Branch, or remove the version."
                    )
                },
            ));
        }
        if seen.contains(&tag) {
            return Err(Error::invalid_field(
                "versions.language",
                format!("There are two versions in “{shown}”: keep one."),
            ));
        }
        seen.push(tag);
        let subject = format!("versions.{}.subject", v.language.trim());
        let body = format!("versions.{}.body", v.language.trim());
        if v.subject.trim().is_empty() {
            return Err(Error::invalid_field(
                &subject,
                format!("Give the “{shown}” version a subject line."),
            ));
        }
        if v.subject.contains(['\r', '\n']) {
            return Err(Error::invalid_field(
                &subject,
                format!("The “{shown}” subject is one line: remove the line breaks."),
            ));
        }
        if v.subject.chars().count() > MAX_SUBJECT_CHARS {
            return Err(Error::invalid_field(
                &subject,
                format!("A subject is at most {MAX_SUBJECT_CHARS} characters; shorten the “{shown}” one."),
            ));
        }
        if v.body.trim().is_empty() {
            return Err(Error::invalid_field(
                &body,
                format!("Write what the “{shown}” version says."),
            ));
        }
        if v.body.len() > MAX_BODY_BYTES {
            return Err(Error::invalid_field(
                &body,
                format!(
                    "The “{shown}” letter is {}; the most Handbill sends is {}. Shorten it.",
                    crate::db::outside::size_text(v.body.len() as u64),
                    crate::db::outside::size_text(MAX_BODY_BYTES as u64)
                ),
            ));
        }
    }
    Ok(())
}

/// Writes an announcement's versions in place of those it had.
fn save_versions(db: &Database, id: i64, versions: &[AnnouncementVersion]) -> Result<()> {
    db.conn().execute(
        "DELETE FROM announcement_version WHERE announcement_id = ?1",
        [id],
    )?;
    for v in versions {
        db.conn().execute(
            "INSERT INTO announcement_version (announcement_id, language, subject, body) VALUES (?1, ?2, ?3, ?4)",
            params![id, v.language.trim(), v.subject.trim(), v.body],
        )?;
    }
    Ok(())
}

/// The announcements with their versions read.
fn with_versions(db: &Database, mut list: Vec<Announcement>) -> Result<Vec<Announcement>> {
    let mut stmt = db.conn().prepare_cached(
        "SELECT language, subject, body FROM announcement_version WHERE announcement_id = ?1 ORDER BY language",
    )?;
    for a in list.iter_mut() {
        a.versions = stmt
            .query_map([a.id], |r| {
                Ok(AnnouncementVersion {
                    language: r.get(0)?,
                    subject: r.get(1)?,
                    body: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
    }
    Ok(list)
}

/// The longest subject line of an announcement.
pub const MAX_SUBJECT_CHARS: usize = 900;
/// The largest body of an announcement.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Refuses the cancelled template about an event that is not cancelled, and
/// the rescheduled one about an event that was not rescheduled (for a tour:
/// when none of its stops is), so no list is told of a change that did not
/// happen.
pub fn check_template(
    db: &Database,
    event_id: Option<i64>,
    tour_id: Option<i64>,
    template: Template,
) -> Result<()> {
    use crate::events::EventStatus;
    if template.is_follow_up() {
        let Some(id) = event_id else {
            return Err(super::templates::follow_up_of_tour(template));
        };
        let e = crate::events::get(db, id)?;
        let started = e
            .start_at
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .is_some_and(|t| t <= crate::clock::now());
        if !started {
            return Err(Error::invalid_field(
                "template",
                format!(
                    "“{}” has not happened yet: “{}” is sent after the event, to the people its sign-in sheet names.",
                    e.title,
                    template.label()
                ),
            ));
        }
        return Ok(());
    }
    let wanted = match template {
        Template::Cancelled => EventStatus::Cancelled,
        Template::Rescheduled => EventStatus::Rescheduled,
        _ => return Ok(()),
    };
    let (title, statuses): (String, Vec<EventStatus>) = match (event_id, tour_id) {
        (Some(id), _) => {
            let e = crate::events::get(db, id)?;
            (e.title.clone(), vec![e.status])
        }
        (None, Some(id)) => {
            let t = crate::events::get_tour(db, id)?;
            (
                t.tour.title.clone(),
                t.stops.iter().map(|s| s.status).collect(),
            )
        }
        (None, None) => return Ok(()),
    };
    if statuses.contains(&wanted) {
        return Ok(());
    }
    let now = statuses
        .first()
        .map(|s| s.as_str())
        .unwrap_or("without stops");
    Err(Error::invalid_field(
        "template",
        match (wanted, tour_id.is_some()) {
            (EventStatus::Cancelled, false) => format!(
                "“{title}” is {now}, not cancelled: the “Cancelled” template would tell the list it is off. \
                 Cancel the event first (with its reason), or choose another template."
            ),
            (_, false) => format!(
                "“{title}” is {now} and was not rescheduled: the “Rescheduled” template would announce a new date. \
                 Reschedule the event first, or choose another template."
            ),
            (EventStatus::Cancelled, true) => format!(
                "No stop of the tour “{title}” is cancelled: the “Cancelled” template would say some are. Choose another template."
            ),
            (_, true) => format!(
                "No stop of the tour “{title}” was rescheduled: the “Rescheduled” template would say some were. Choose another template."
            ),
        },
    ))
}

/// The input with its segment filter written as every laptop reads it
/// (events by `uid`, not by this laptop's numbers).
fn with_canonical_segment(db: &Database, input: AnnouncementInput) -> Result<AnnouncementInput> {
    let segment = segment_for(
        db,
        input.list_id,
        input.event_id,
        input.template,
        &input.segment,
    )?;
    Ok(AnnouncementInput { segment, ..input })
}

/// The segment an announcement goes to, as stored: the one given (its events
/// by `uid`), or for a follow-up with none given, those its sign-in sheet
/// names ([`follow_up_segment`]).
pub(crate) fn segment_for(
    db: &Database,
    list_id: i64,
    event_id: Option<i64>,
    template: Template,
    given: &str,
) -> Result<String> {
    let segment = lists::canonical_segment(db, list_id, given)?;
    match event_id {
        Some(id) if segment.is_empty() => follow_up_segment(db, id, template),
        _ => Ok(segment),
    }
}

/// Whom a follow-up goes to when no segment is chosen: thanks to those who
/// signed in at the event; missed-you to regulars (at least 2 of the last 4
/// events with a sign-in) who did not. Never the whole list.
pub fn follow_up_segment(db: &Database, event_id: i64, template: Template) -> Result<String> {
    let uid = || crate::events::get(db, event_id).map(|e| e.uid);
    Ok(match template {
        Template::ThankYou => SegmentFilter {
            attended: uid()?,
            ..Default::default()
        }
        .to_text(),
        Template::MissedYou => SegmentFilter {
            missed: uid()?,
            min_attended: 2,
            of_last: 4,
            ..Default::default()
        }
        .to_text(),
        _ => String::new(),
    })
}

/// Saves a new announcement as a draft.
pub fn create(db: &Database, input: AnnouncementInput) -> Result<Announcement> {
    let input = with_canonical_segment(db, input)?;
    check_input(db, &input)?;
    let at = now_text();
    // The announcement and its versions in one transaction: all or nothing.
    let tx = crate::db::Tx::begin(db)?;
    db.conn().execute(
        "INSERT INTO announcement (event_id, tour_id, template, list_id, segment, subject, body, attach_flyer, state, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'draft', ?9, ?9)",
        params![
            input.event_id,
            input.tour_id,
            input.template.as_str(),
            input.list_id,
            input.segment.trim(),
            input.subject.trim(),
            input.body,
            input.attach_flyer,
            at
        ],
    )?;
    let id = db.conn().last_insert_rowid();
    save_versions(db, id, &input.versions)?;
    tx.commit()?;
    get(db, id)
}

/// Changes a draft. Once queued, what was queued is what goes out. A
/// scheduled draft moved to another event (or a tour) is no longer
/// scheduled: its time was set against the first event's date.
pub fn update(db: &Database, id: i64, input: AnnouncementInput) -> Result<Announcement> {
    let current = get(db, id)?;
    if current.state != AnnouncementState::Draft {
        return Err(Error::invalid_field(
            "state",
            format!(
                "Announcement {id} is {} and can no longer be changed; write a new one.",
                current.state.as_str()
            ),
        ));
    }
    let input = with_canonical_segment(db, input)?;
    check_input(db, &input)?;
    // The announcement and its versions in one transaction: all or nothing.
    let tx = crate::db::Tx::begin(db)?;
    db.conn().execute(
        "UPDATE announcement SET event_id = ?2, tour_id = ?3, template = ?4, list_id = ?5, segment = ?6,
                subject = ?7, body = ?8, attach_flyer = ?9, updated_at = ?10 WHERE id = ?1",
        params![
            id,
            input.event_id,
            input.tour_id,
            input.template.as_str(),
            input.list_id,
            input.segment.trim(),
            input.subject.trim(),
            input.body,
            input.attach_flyer,
            now_text()
        ],
    )?;
    save_versions(db, id, &input.versions)?;
    if current.schedule.is_some() && current.event_id != input.event_id {
        db.conn().execute(
            "UPDATE announcement SET schedule_rule = '', schedule_time = '', schedule_at = NULL, schedule_start = NULL,
                    schedule_again = 0, schedule_missed_at = NULL WHERE id = ?1",
            [id],
        )?;
    }
    tx.commit()?;
    get(db, id)
}

const SELECT_TEXT: &str = "SELECT a.id, a.event_id, a.tour_id, a.template, a.list_id, l.name, a.segment, a.subject, a.body,
        a.attach_flyer, a.state, a.note, a.created_at, a.queued_at, a.finished_at,
        coalesce((SELECT title FROM event WHERE id = a.event_id), (SELECT title FROM tour WHERE id = a.tour_id), ''),
        (SELECT count(*) FROM delivery d WHERE d.announcement_id = a.id AND d.status = 'written'),
        {SCHEDULE}
     FROM announcement a JOIN list l ON l.id = a.list_id";

/// The announcement's columns, its schedule's after them.
static SELECT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| SELECT_TEXT.replace("{SCHEDULE}", super::schedule::STORED_COLUMNS));

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Announcement> {
    let template: String = r.get(3)?;
    let state: String = r.get(10)?;
    let state = AnnouncementState::parse(&state).unwrap_or(AnnouncementState::Paused);
    let stored = super::schedule::Stored::from_row(r, 17)?;
    Ok(Announcement {
        id: r.get(0)?,
        event_id: r.get(1)?,
        tour_id: r.get(2)?,
        template: Template::parse(&template).unwrap_or(Template::NewEvent),
        list_id: r.get(4)?,
        list_name: r.get(5)?,
        segment: r.get(6)?,
        subject: r.get(7)?,
        body: r.get(8)?,
        attach_flyer: r.get(9)?,
        versions: Vec::new(),
        state,
        note: r.get(11)?,
        created_at: r.get(12)?,
        queued_at: r.get(13)?,
        finished_at: r.get(14)?,
        about: r.get(15)?,
        written: r.get(16)?,
        schedule: super::schedule::view(state, &stored, crate::clock::now()).map(Box::new),
    })
}

/// One announcement.
pub fn get(db: &Database, id: i64) -> Result<Announcement> {
    let a = db
        .conn()
        .query_row(
            &format!("{} WHERE a.id = ?1", SELECT.as_str()),
            [id],
            from_row,
        )
        .optional()?
        .ok_or_else(|| {
            Error::not_found(format!(
                "There is no announcement number {id}. See them with: handbill send status"
            ))
        })?;
    Ok(with_versions(db, vec![a])?.remove(0))
}

/// Every announcement, newest first.
pub fn all(db: &Database) -> Result<Vec<Announcement>> {
    let mut stmt = db
        .conn()
        .prepare(&format!("{} ORDER BY a.id DESC", SELECT.as_str()))?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    with_versions(db, rows)
}

/// The announcements to one list, newest first.
pub fn for_list(db: &Database, list_id: i64) -> Result<Vec<Announcement>> {
    let mut stmt = db.conn().prepare(&format!(
        "{} WHERE a.list_id = ?1 ORDER BY a.id DESC",
        SELECT.as_str()
    ))?;
    let rows = stmt
        .query_map([list_id], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    with_versions(db, rows)
}

/// How many people announcement `id` would reach if it were queued now.
pub fn reach(db: &Database, id: i64) -> Result<u32> {
    let a = get(db, id)?;
    let (from, values) = mailable_from(db, a.list_id, &a.segment)?;
    Ok(db.conn().query_row(
        &format!("SELECT count(*) {from}"),
        params_from_iter(values.iter().map(|v| v.as_ref())),
        |r| r.get(0),
    )?)
}

/// One subscriber as a delivery would hold them: for previewing what they receive.
pub fn recipient(db: &Database, subscriber_id: i64) -> Result<Recipient> {
    let s = crate::mail::subscribers::get(db, subscriber_id)?;
    Ok(Recipient {
        subscriber_id: s.id,
        email: s.email,
        name: s.name,
        first_name: s.first_name,
        language: s.language,
    })
}

/// The announcement of this event (or tour) to this list and segment that is
/// not finished yet, if there is one: the command line reuses it rather than
/// queueing everyone a second time.
pub fn find_open(
    db: &Database,
    event_id: Option<i64>,
    tour_id: Option<i64>,
    list_id: i64,
    segment: &str,
    template: Template,
) -> Result<Option<Announcement>> {
    let id: Option<i64> = db
        .conn()
        .query_row(
            "SELECT id FROM announcement
             WHERE event_id IS ?1 AND tour_id IS ?2 AND list_id = ?3 AND segment = ?4 AND template = ?5
               AND state NOT IN ('done', 'cancelled')
             ORDER BY id DESC LIMIT 1",
            params![event_id, tour_id, list_id, segment.trim(), template.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    id.map(|id| get(db, id)).transpose()
}

/// The people an announcement to this list and segment reaches now: the
/// list's `mailable` people (subscribed, and not opted out anywhere in the
/// branch), in the order they joined the branch.
pub fn recipients(db: &Database, list_id: i64, segment: &str) -> Result<Vec<Recipient>> {
    let (from, values) = mailable_from(db, list_id, segment)?;
    let sql =
        format!("SELECT s.id, s.email, s.name, s.first_name, s.language {from} ORDER BY s.id");
    let mut stmt = db.conn().prepare(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(values.iter().map(|v| v.as_ref())), |r| {
            Ok(Recipient {
                subscriber_id: r.get(0)?,
                email: r.get(1)?,
                name: r.get(2)?,
                first_name: r.get(3)?,
                language: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// `FROM mailable s WHERE …` for the people an announcement to this list
/// and segment reaches (see [`recipients`]), with its parameters in order
/// (anonymous `?`): the list's, then the segment's.
fn mailable_from(
    db: &Database,
    list_id: i64,
    segment: &str,
) -> Result<(String, Vec<Box<dyn ToSql>>)> {
    let filter = if segment.trim().is_empty() {
        SegmentFilter::default()
    } else {
        lists::resolve_segment(db, list_id, segment)?
    };
    let (condition, values) = filter.sql();
    let mut all: Vec<Box<dyn ToSql>> = vec![Box::new(list_id)];
    all.extend(values);
    Ok((
        format!("FROM mailable s WHERE s.list_id = ? AND {condition}"),
        all,
    ))
}

/// An earlier announcement of the same event (or tour) with the same
/// template to the same list that went out, or is going out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EarlierSend {
    pub announcement_id: i64,
    pub state: AnnouncementState,
    /// When it was queued (RFC 3339).
    pub queued_at: String,
    /// Messages that left (sent, written to the outbox, or possibly on their way).
    pub went: u32,
}

/// The earliest announcement other than `except` of this event (or tour)
/// with this template to this list that went out or is going out: queued,
/// sending or paused, or finished with at least one message gone. (A
/// cancelled one that sent nothing does not count.)
pub fn earlier_send(
    db: &Database,
    event_id: Option<i64>,
    tour_id: Option<i64>,
    list_id: i64,
    template: Template,
    except: i64,
) -> Result<Option<EarlierSend>> {
    let found = db
        .conn()
        .query_row(
            "SELECT id, state, coalesce(queued_at, created_at), went FROM (
                 SELECT a.id, a.state, a.queued_at, a.created_at,
                        (SELECT count(*) FROM delivery d WHERE d.announcement_id = a.id
                           AND d.status IN ('sent', 'written', 'sending', 'uncertain')) AS went
                 FROM announcement a
                 WHERE a.id <> ?1 AND a.event_id IS ?2 AND a.tour_id IS ?3 AND a.list_id = ?4 AND a.template = ?5
                   AND a.state <> 'draft')
             WHERE went > 0 OR state IN ('queued', 'sending', 'paused')
             ORDER BY id LIMIT 1",
            params![except, event_id, tour_id, list_id, template.as_str()],
            |r| {
                let state: String = r.get(1)?;
                Ok(EarlierSend {
                    announcement_id: r.get(0)?,
                    state: AnnouncementState::parse(&state).unwrap_or(AnnouncementState::Done),
                    queued_at: r.get(2)?,
                    went: r.get(3)?,
                })
            },
        )
        .optional()?;
    Ok(found)
}

/// `2026-12-03T18:40:00Z` as a person reads it: `2026-12-03 18:40 UTC`.
pub(crate) fn when_text(at: &str) -> String {
    match at.parse::<jiff::Timestamp>() {
        Ok(t) => t.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => at.to_owned(),
    }
}

/// The refusal to announce the same thing to the same list a second time,
/// naming the earlier announcement and when it went out.
pub(crate) fn repeat_error(
    db: &Database,
    earlier: EarlierSend,
    template: Template,
) -> Result<Error> {
    let a = get(db, earlier.announcement_id)?;
    Ok(repeat_refusal(&a.about, &a.list_name, template, &earlier))
}

/// Deletes an announcement that is still a draft with no deliveries: the
/// one [`super::announce::announce`] wrote when queueing it was refused.
pub(crate) fn delete_draft(db: &Database, id: i64) -> Result<()> {
    db.conn().execute(
        "DELETE FROM announcement WHERE id = ?1 AND state = 'draft'
           AND NOT EXISTS (SELECT 1 FROM delivery WHERE announcement_id = ?1)",
        [id],
    )?;
    Ok(())
}

fn repeat_refusal(
    about: &str,
    list_name: &str,
    template: Template,
    earlier: &EarlierSend,
) -> Error {
    let what = match earlier.state {
        AnnouncementState::Queued | AnnouncementState::Sending | AnnouncementState::Paused
            if earlier.went == 0 =>
        {
            format!(
                "announcement {} is already {} (since {})",
                earlier.announcement_id,
                earlier.state.as_str(),
                when_text(&earlier.queued_at)
            )
        }
        _ => format!(
            "announcement {} went out on {} ({} {})",
            earlier.announcement_id,
            when_text(&earlier.queued_at),
            earlier.went,
            if earlier.went == 1 {
                "message"
            } else {
                "messages"
            }
        ),
    };
    Error::invalid_field(
        "again",
        format!(
            "“{about}” was already announced to “{list_name}” with the “{}” template: {what}. \
             Sending it again mails the same people twice: do it only if that is what you mean.",
            template.label()
        ),
    )
}

/// Queues a draft: a backup of the database is taken first, then one delivery
/// per subscribed person is written in one transaction with the state
/// `queued`. Queueing an announcement that is already queued changes nothing.
/// Refused when the same event went to the same list with the same template
/// before (see [`queue_with`] to send it again).
pub fn queue(db: &Database, id: i64) -> Result<SendProgress> {
    queue_with(db, id, false)
}

/// Makes an announcement ready to be sent from where it stands: the one
/// policy of the window's Resume and `handbill send resume`. A cancelled
/// announcement is refused, and so is one a live sender holds (in a window or
/// from a terminal), so two never run it; a draft is queued first, with every
/// check of [`queue`]. Answers its progress; the caller then runs
/// [`super::send::run`], which takes the lease itself (and refuses again, should
/// another sender have started in between).
pub fn resume(db: &Database, id: i64) -> Result<SendProgress> {
    let a = get(db, id)?;
    if a.state == AnnouncementState::Cancelled {
        return Err(Error::invalid_field(
            "state",
            format!("Announcement {id} was cancelled; it cannot be sent."),
        ));
    }
    if super::lease::lease_is_live(db, id)? {
        return Err(Error::invalid_field(
            "state",
            format!(
                "Announcement {id} is being sent right now by another Handbill (a window or a command line). \
                 Two senders never run the same announcement: wait for it, or pause it."
            ),
        ));
    }
    if a.state == AnnouncementState::Draft {
        return queue(db, id);
    }
    progress(db, id)
}

/// [`queue`], with `again` the organizer's word that an event already
/// announced to this list with this template is to be announced again.
pub fn queue_with(db: &Database, id: i64, again: bool) -> Result<SendProgress> {
    let a = get(db, id)?;
    if a.state != AnnouncementState::Draft {
        return progress(db, id);
    }
    check_template(db, a.event_id, a.tour_id, a.template)?;
    if !again {
        if let Some(earlier) = earlier_send(db, a.event_id, a.tour_id, a.list_id, a.template, a.id)?
        {
            return Err(repeat_refusal(&a.about, &a.list_name, a.template, &earlier));
        }
    }
    let (from, values) = mailable_from(db, a.list_id, &a.segment)?;
    let anyone: bool = db.conn().query_row(
        &format!("SELECT EXISTS (SELECT 1 {from})"),
        params_from_iter(values.iter().map(|v| v.as_ref())),
        |r| r.get(0),
    )?;
    if !anyone {
        return Err(Error::invalid_field(
            "list_id",
            format!(
                "Nobody on “{}”{} is subscribed, so there is no one to send to.",
                a.list_name,
                if a.segment.is_empty() {
                    String::new()
                } else {
                    format!(" in the segment “{}”", a.segment)
                }
            ),
        ));
    }
    let not_queued = |e: Error| Error::storage(format!("{} Nothing was queued.", e.message));
    // The copy before the send is written while the deliveries are (it
    // reads the branch as it stands here), and they are committed only
    // once it is finished.
    let copy = if db.path() != std::path::Path::new(":memory:") {
        Some(backup::snapshot_begun(db, BackupKind::BeforeSend).map_err(not_queued)?)
    } else {
        None
    };
    let at = now_text();
    let tx = db.conn().unchecked_transaction()?;
    // One statement for everyone (the list's people read and their
    // deliveries written inside SQLite), in the order they joined the branch.
    let mut all: Vec<&dyn ToSql> = vec![&id, &at];
    all.extend(values.iter().map(|v| v.as_ref()));
    db.conn().execute(
        &format!(
            "INSERT INTO delivery (announcement_id, subscriber_id, email, email_key, name, first_name, language, status, updated_at)
             SELECT ?, s.id, s.email, lower(s.email), s.name, s.first_name, s.language, 'queued', ? {from}
             ORDER BY s.id
             ON CONFLICT (announcement_id, email_key) DO NOTHING"
        ),
        all.as_slice(),
    )?;
    db.conn().execute(
        "UPDATE announcement SET state = 'queued', queued_at = ?2, updated_at = ?2 WHERE id = ?1",
        params![id, at],
    )?;
    if let Some(copy) = copy {
        copy.finish().map_err(not_queued)?;
    }
    tx.commit()?;
    progress(db, id)
}

/// How far the announcement has come, with the rate over the last minute.
pub fn progress(db: &Database, id: i64) -> Result<SendProgress> {
    let a = get(db, id)?;
    let mut p = SendProgress {
        announcement_id: id,
        state: a.state,
        running: super::lease::lease_is_live(db, id)?,
        total: 0,
        queued: 0,
        sending: 0,
        sent: 0,
        written: 0,
        failed: 0,
        uncertain: 0,
        skipped: 0,
        soft_bounces: 0,
        rate_per_minute: 0.0,
        seconds_left: None,
        note: a.note,
    };
    let mut stmt = db
        .conn()
        .prepare_cached("SELECT status, count(*), sum(soft_bounces) FROM delivery WHERE announcement_id = ?1 GROUP BY status")?;
    let counts = stmt
        .query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, Option<u32>>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (status, n, soft) in counts {
        p.total += n;
        p.soft_bounces += soft.unwrap_or(0);
        match DeliveryStatus::parse(&status) {
            Some(DeliveryStatus::Queued) => p.queued = n,
            Some(DeliveryStatus::Sending) => p.sending = n,
            Some(DeliveryStatus::Sent) => p.sent = n,
            Some(DeliveryStatus::Written) => p.written = n,
            Some(DeliveryStatus::Failed) => p.failed = n,
            Some(DeliveryStatus::Uncertain) => p.uncertain = n,
            Some(DeliveryStatus::Skipped) => p.skipped = n,
            // Claimed by a sender's batch but not yet on its way: still to send.
            None if status == "claimed" => p.queued += n,
            None => {}
        }
    }
    // The pace over the last minute, or over as much of it as the sending
    // has run (at least a second): 3,000 sent in the first half second is
    // 180,000 a minute, not 3,000, and leaves seconds to go, not minutes.
    let now = now_ms();
    let (last_minute, first_ms): (u32, Option<i64>) = db
        .conn()
        .prepare_cached("SELECT count(*), min(sent_ms) FROM delivery WHERE announcement_id = ?1 AND status = 'sent' AND sent_ms > ?2")?
        .query_row(params![id, now - 60_000], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let span_ms = first_ms.map_or(60_000, |first| (now - first).clamp(1_000, 60_000));
    p.rate_per_minute = (last_minute as f64 * 60_000.0 / span_ms as f64).round();
    let left = p.queued + p.sending;
    if last_minute > 0 && left > 0 {
        p.seconds_left = Some((left as f64 * 60.0 / p.rate_per_minute).ceil() as u64);
    } else if left == 0 {
        p.seconds_left = Some(0);
    }
    Ok(p)
}

/// The deliveries of an announcement, optionally only those in one state, in queue order.
pub fn deliveries(
    db: &Database,
    id: i64,
    status: Option<DeliveryStatus>,
    limit: u32,
) -> Result<Vec<Delivery>> {
    get(db, id)?;
    let mut stmt = db.conn().prepare(
        "SELECT id, email, name, status, attempts, reply, updated_at, soft_bounces FROM delivery
         WHERE announcement_id = ?1 AND (?2 IS NULL OR status = ?2 OR (?2 = 'queued' AND status = 'claimed'))
         ORDER BY id LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(params![id, status.map(|s| s.as_str()), limit], |r| {
            let status: String = r.get(3)?;
            Ok(Delivery {
                id: r.get(0)?,
                email: r.get(1)?,
                name: r.get(2)?,
                status: DeliveryStatus::parse(&status).unwrap_or(if status == "claimed" {
                    DeliveryStatus::Queued
                } else {
                    DeliveryStatus::Uncertain
                }),
                attempts: r.get(4)?,
                soft_bounces: r.get(7)?,
                reply: r.get(5)?,
                updated_at: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Asks a send to pause: its workers stop after the message each has in hand.
/// A queued announcement is paused before it starts.
pub fn request_pause(db: &Database, id: i64) -> Result<Announcement> {
    let a = get(db, id)?;
    match a.state {
        AnnouncementState::Queued | AnnouncementState::Sending => {
            db.conn().execute(
                "UPDATE announcement SET state = 'paused', note = 'Paused by the organizer.', updated_at = ?2 WHERE id = ?1",
                params![id, now_text()],
            )?;
            get(db, id)
        }
        AnnouncementState::Paused => Ok(a),
        other => Err(Error::invalid_field(
            "state",
            format!(
                "Announcement {id} is {}: there is nothing to pause.",
                other.as_str()
            ),
        )),
    }
}

/// Cancels an announcement: nobody still queued is mailed (they are recorded
/// as skipped, with the reason). A message already on its way finishes.
pub fn request_cancel(db: &Database, id: i64) -> Result<Announcement> {
    let a = get(db, id)?;
    if matches!(
        a.state,
        AnnouncementState::Done | AnnouncementState::Cancelled
    ) {
        return Err(Error::invalid_field(
            "state",
            format!(
                "Announcement {id} is {}: there is nothing to cancel.",
                a.state.as_str()
            ),
        ));
    }
    let at = now_text();
    let tx = db.conn().unchecked_transaction()?;
    db.conn().execute(
        "UPDATE delivery SET status = 'skipped', reply = 'Not sent: the announcement was cancelled.', updated_at = ?2
         WHERE announcement_id = ?1 AND status = 'queued'",
        params![id, at],
    )?;
    db.conn().execute(
        "UPDATE announcement SET state = 'cancelled', note = 'Cancelled by the organizer.', finished_at = ?2, updated_at = ?2 WHERE id = ?1",
        params![id, at],
    )?;
    tx.commit()?;
    get(db, id)
}

/// The organizer's word on uncertain deliveries: all of them, or only `ids`.
/// Resending queues them again (the announcement goes back to `queued`, and
/// the next resume sends them). Returns how many changed.
pub fn decide_uncertain(
    db: &Database,
    id: i64,
    ids: Option<&[i64]>,
    decision: UncertainDecision,
) -> Result<u32> {
    let a = get(db, id)?;
    if a.state == AnnouncementState::Cancelled && decision == UncertainDecision::Resend {
        return Err(Error::invalid_field(
            "state",
            format!("Announcement {id} was cancelled; it cannot send again."),
        ));
    }
    if lease_blocks(db, id)? {
        return Err(Error::invalid_field(
            "state",
            format!("Announcement {id} is being sent right now. Pause it first: handbill send pause {id}"),
        ));
    }
    let at = now_text();
    let tx = db.conn().unchecked_transaction()?;
    let (set, reply) = match decision {
        UncertainDecision::Resend => (
            "queued",
            "Queued again by the organizer after an uncertain attempt.",
        ),
        UncertainDecision::MarkSent => ("sent", "Counted as sent by the organizer."),
    };
    let mut changed = 0u32;
    let mut stmt = db.conn().prepare_cached(
        "UPDATE delivery SET status = ?3, reply = ?4, next_attempt_ms = 0, updated_at = ?5
         WHERE announcement_id = ?1 AND status = 'uncertain' AND (?2 IS NULL OR id = ?2)",
    )?;
    match ids {
        None => changed += stmt.execute(params![id, None::<i64>, set, reply, at])? as u32,
        Some(ids) => {
            for d in ids {
                changed += stmt.execute(params![id, d, set, reply, at])? as u32;
            }
        }
    }
    drop(stmt);
    if decision == UncertainDecision::Resend && changed > 0 {
        db.conn().execute(
            "UPDATE announcement SET state = 'queued', note = '', finished_at = NULL, updated_at = ?2 WHERE id = ?1",
            params![id, at],
        )?;
    }
    tx.commit()?;
    Ok(changed)
}

fn lease_blocks(db: &Database, id: i64) -> Result<bool> {
    super::lease::lease_is_live(db, id)
}
