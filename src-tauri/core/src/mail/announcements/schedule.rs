//! Announcements that send themselves: the one place that says when a
//! scheduled announcement is due, and whether it is held or missed instead.
//!
//! An announcement is scheduled while it is a draft: "the day before at
//! 10:00" (the day before the event's start, in the branch's time zone) or one
//! date and time in the branch's zone. When it comes due, the window (every
//! minute while it is open) or `handbill send due` (from the computer's timer,
//! see [`super::timer`]) queues it with [`queue_due`] and sends it through
//! [`super::send::run`], the sender of every manual send, with the same
//! consent checks and the same claim in a shared folder.
//!
//! What it never does: send about an event that was cancelled or postponed
//! after the schedule was set (it is held, and the organizer told), send
//! about an event that moved before the organizer confirms the new date
//! (held too; once confirmed, a day-before schedule follows the event to its
//! new date), or send once the event has started (a laptop asleep at the
//! time sends on waking only if the event has not started; after, the
//! announcement is marked missed, never sent).

use jiff::civil::{DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::announce::{self, AnnounceRequest, Announced, Plan};
use super::store::{self, Announcement, AnnouncementState, SendProgress};
use crate::clock::{now, now_text};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::events::EventStatus;

/// When a scheduled announcement goes, as the organizer said it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScheduleWhen {
    /// The day before the event's start, at `time` (`HH:MM`) in the branch's
    /// time zone. It follows the event when the event moves (once the
    /// organizer confirms the new date).
    DayBefore { time: String },
    /// At `local` (`YYYY-MM-DD HH:MM`) in the branch's time zone.
    At { local: String },
}

impl ScheduleWhen {
    fn rule(&self) -> &'static str {
        match self {
            Self::DayBefore { .. } => "day_before",
            Self::At { .. } => "at",
        }
    }

    fn time(&self) -> &str {
        match self {
            Self::DayBefore { time } => time,
            Self::At { local } => local,
        }
    }

    fn from_stored(rule: &str, time: &str) -> Option<Self> {
        match rule {
            "day_before" => Some(Self::DayBefore {
                time: time.to_owned(),
            }),
            "at" => Some(Self::At {
                local: time.to_owned(),
            }),
            _ => None,
        }
    }

    /// How the organizer said it: "the day before at 10:00", "at 2026-12-10 10:00".
    pub fn words(&self) -> String {
        match self {
            Self::DayBefore { time } => format!("the day before at {time}"),
            Self::At { local } => format!("at {local}"),
        }
    }
}

/// What the organizer asks: schedule announcement `announcement_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ScheduleRequest {
    pub announcement_id: i64,
    pub when: ScheduleWhen,
    /// It may go to a list that had the same template about the event before.
    pub again: bool,
}

/// Where a scheduled announcement stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Its time has not come.
    Waiting,
    /// Its time has come and the event has not started: it is sent at the next check.
    Due,
    /// Not sent until the organizer acts: the event was cancelled, postponed
    /// or moved after the schedule was set (`why` says which).
    Held,
    /// The event started before it could be sent (the computer was asleep or
    /// off): it is never sent.
    Missed,
}

/// A draft's schedule, as the lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Schedule {
    pub when: ScheduleWhen,
    /// The instant it is due (RFC 3339, UTC).
    pub at: String,
    /// That instant in the branch's time zone, as a person reads it: `Thu 10 Dec, 10:00`.
    pub at_text: String,
    /// The branch's time zone the times are in.
    pub zone: String,
    pub standing: Standing,
    /// Why it is held or missed, in words for the organizer; empty otherwise.
    pub why: String,
    /// For an announcement held because its event moved: when it goes once
    /// the organizer confirms (a day-before schedule follows the event).
    pub confirm_at_text: Option<String>,
}

/// The stored schedule of one announcement and what it depends on, as
/// [`super::store`] reads it with the announcement.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stored {
    pub rule: String,
    pub time: String,
    pub at: Option<String>,
    pub start: Option<String>,
    pub missed_at: Option<String>,
    /// The event it is about: title, status and start now (None when the
    /// announcement is about a tour, or the event was deleted).
    pub event: Option<(String, String, Option<String>)>,
    pub branch_zone: Option<String>,
    pub event_zone: Option<String>,
}

/// The columns [`Stored`] is read from, after the announcement's own.
pub(crate) const STORED_COLUMNS: &str = "a.schedule_rule, a.schedule_time, a.schedule_at, a.schedule_start, a.schedule_missed_at,
        (SELECT title FROM event WHERE id = a.event_id), (SELECT status FROM event WHERE id = a.event_id),
        (SELECT start_at FROM event WHERE id = a.event_id), (SELECT time_zone FROM branch WHERE id = 1),
        (SELECT time_zone FROM event WHERE id = a.event_id)";

impl Stored {
    /// Reads the [`STORED_COLUMNS`] starting at column `from`.
    pub(crate) fn from_row(r: &rusqlite::Row<'_>, from: usize) -> rusqlite::Result<Self> {
        let title: Option<String> = r.get(from + 5)?;
        let status: Option<String> = r.get(from + 6)?;
        let start: Option<String> = r.get(from + 7)?;
        Ok(Stored {
            rule: r.get(from)?,
            time: r.get(from + 1)?,
            at: r.get(from + 2)?,
            start: r.get(from + 3)?,
            missed_at: r.get(from + 4)?,
            event: title.zip(status).map(|(t, s)| (t, s, start)),
            branch_zone: r.get(from + 8)?,
            event_zone: r.get(from + 9)?,
        })
    }
}

/// The zone a branch's schedules are in: the branch's, else the event's, else UTC.
fn pick_zone(branch: Option<&str>, event: Option<&str>) -> (String, TimeZone) {
    [branch, event]
        .into_iter()
        .flatten()
        .filter(|z| !z.trim().is_empty())
        .find_map(|z| TimeZone::get(z).ok().map(|tz| (z.to_owned(), tz)))
        .unwrap_or_else(|| ("UTC".to_owned(), TimeZone::UTC))
}

/// The schedule of a draft as it stands at `now`; None when it is not
/// scheduled (or no longer a draft: it was sent, or is being sent).
pub(crate) fn view(state: AnnouncementState, stored: &Stored, now: Timestamp) -> Option<Schedule> {
    if state != AnnouncementState::Draft {
        return None;
    }
    let when = ScheduleWhen::from_stored(&stored.rule, &stored.time)?;
    let at_text = stored.at.clone()?;
    let at: Timestamp = at_text.parse().ok()?;
    let (zone_name, zone) = pick_zone(stored.branch_zone.as_deref(), stored.event_zone.as_deref());
    let mut schedule = Schedule {
        when: when.clone(),
        at: at_text,
        at_text: moment_text(at, &zone, now),
        zone: zone_name,
        standing: Standing::Waiting,
        why: String::new(),
        confirm_at_text: None,
    };
    let held = |s: &mut Schedule, why: String| {
        s.standing = Standing::Held;
        s.why = why;
    };
    let Some((title, status, start_now)) = &stored.event else {
        held(
            &mut schedule,
            "The event it is about was deleted: it is not sent. Unschedule it.".to_owned(),
        );
        return Some(schedule);
    };
    if let Some(missed) = &stored.missed_at {
        schedule.standing = Standing::Missed;
        schedule.why = format!(
            "Not sent: “{title}” had started by the time it was due to go (checked {}). \
             A scheduled announcement is never sent after its event starts.",
            missed
                .parse::<Timestamp>()
                .map(|t| moment_text(t, &zone, now))
                .unwrap_or_else(|_| missed.clone())
        );
        return Some(schedule);
    }
    match EventStatus::parse(status) {
        Some(EventStatus::Cancelled) => {
            held(
                &mut schedule,
                format!(
                    "“{title}” was cancelled after this was scheduled, so it is not sent. \
                     Unschedule it, or tell the list with the Cancelled template instead."
                ),
            );
            return Some(schedule);
        }
        Some(EventStatus::Postponed) => {
            held(
                &mut schedule,
                format!(
                    "“{title}” was postponed after this was scheduled, so it is not sent. \
                     Once it has a new date, schedule it again."
                ),
            );
            return Some(schedule);
        }
        _ => {}
    }
    let start: Option<Timestamp> = start_now.as_deref().and_then(|s| s.parse().ok());
    let was: Option<Timestamp> = stored.start.as_deref().and_then(|s| s.parse().ok());
    if start != was {
        let new = match start {
            Some(t) => format!("to {}", moment_text(t, &zone, now)),
            None => "to a date not yet known".to_owned(),
        };
        let old = was
            .map(|t| format!(" from {}", moment_text(t, &zone, now)))
            .unwrap_or_default();
        schedule.confirm_at_text = start
            .and_then(|s| due_instant(&when, s, &zone).ok())
            .filter(|at| *at > now && Some(*at) < start)
            .map(|at| moment_text(at, &zone, now));
        let next = match &schedule.confirm_at_text {
            Some(t) => format!(" Confirm the new date to send it on {t}, or unschedule it."),
            None => " Schedule it again for a time before the event, or unschedule it.".to_owned(),
        };
        held(
            &mut schedule,
            format!("“{title}” was rescheduled{old} {new} after this was scheduled.{next}"),
        );
        return Some(schedule);
    }
    if let Some(start) = start.filter(|s| now >= *s) {
        schedule.standing = Standing::Missed;
        schedule.why = format!(
            "Not sent: “{title}” started on {} before this could go. \
             A scheduled announcement is never sent after its event starts.",
            moment_text(start, &zone, now)
        );
        return Some(schedule);
    }
    if now >= at {
        schedule.standing = Standing::Due;
    }
    Some(schedule)
}

/// `Thu 10 Dec, 10:00` in `zone`; with the year when it is not `now`'s.
pub fn moment_text(at: Timestamp, zone: &TimeZone, now: Timestamp) -> String {
    let here = at.to_zoned(zone.clone());
    if here.year() == now.to_zoned(zone.clone()).year() {
        here.strftime("%a %-d %b, %H:%M").to_string()
    } else {
        here.strftime("%a %-d %b %Y, %H:%M").to_string()
    }
}

/// The instant `when` means for an event starting at `start`, in `zone`.
/// "The day before at 10:00" is 10:00 on the calendar day before the start's
/// day in `zone` (not 24 hours before: across a change of clocks it is still
/// 10:00); a time the clocks skip is read as the moment after the gap, and a
/// time they repeat as its first occurrence.
pub fn due_instant(when: &ScheduleWhen, start: Timestamp, zone: &TimeZone) -> Result<Timestamp> {
    let local = match when {
        ScheduleWhen::DayBefore { time } => {
            let time = parse_time(time)?;
            let day = start
                .to_zoned(zone.clone())
                .date()
                .yesterday()
                .map_err(|e| {
                    Error::invalid_field("time", format!("No day before the event: {e}"))
                })?;
            day.to_datetime(time)
        }
        ScheduleWhen::At { local } => parse_local(local)?,
    };
    local
        .to_zoned(zone.clone())
        .map(|z: Zoned| z.timestamp())
        .map_err(|e| {
            Error::invalid_field(
                "time",
                format!(
                    "That time cannot be read in {}: {e}",
                    zone.iana_name().unwrap_or("the branch's zone")
                ),
            )
        })
}

fn parse_time(text: &str) -> Result<Time> {
    let t = text.trim();
    Time::strptime("%H:%M", t)
        .or_else(|_| Time::strptime("%H:%M:%S", t))
        .map_err(|_| {
            Error::invalid_field(
                "time",
                format!(
                    "“{t}” is not a time of day: give hours and minutes, such as 10:00 or 18:30."
                ),
            )
        })
}

fn parse_local(text: &str) -> Result<DateTime> {
    let t = text.trim();
    [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|f| DateTime::strptime(f, t).ok())
    .ok_or_else(|| {
        Error::invalid_field(
            "at",
            format!("“{t}” is not a date and time: give it as 2026-12-10 10:00."),
        )
    })
}

/// The zone this branch's schedules are in (see [`pick_zone`]).
fn zone_for(db: &Database, event_zone: &str) -> Result<(String, TimeZone)> {
    let branch_zone = crate::branch::get(db)?.map(|b| b.time_zone);
    Ok(pick_zone(branch_zone.as_deref(), Some(event_zone)))
}

/// Schedules a draft announcement about an event (or sets its schedule
/// again, which also confirms an event's new date). Refused for an
/// announcement already queued or sent, one about a tour, an event that is
/// cancelled, postponed, without a date or already started, and a time that
/// has passed or is not before the event's start; and, unless `again`, when
/// the event already went to the list with this template.
pub fn schedule(db: &Database, request: &ScheduleRequest) -> Result<Announcement> {
    let id = request.announcement_id;
    let a = store::get(db, id)?;
    if a.state != AnnouncementState::Draft {
        return Err(Error::invalid_field(
            "state",
            format!(
                "Announcement {id} is {}: only a draft can be scheduled.",
                a.state.as_str()
            ),
        ));
    }
    let Some(event_id) = a.event_id else {
        return Err(Error::invalid_field(
            "event_id",
            "Only an announcement about one event can be scheduled; send a tour's announcement now.",
        ));
    };
    let event = crate::events::get(db, event_id)?;
    match event.status {
        EventStatus::Cancelled | EventStatus::Postponed => {
            return Err(Error::invalid_field(
                "event_id",
                format!(
                    "“{}” is {}: there is nothing to remind people of.",
                    event.title,
                    event.status.as_str()
                ),
            ))
        }
        _ => {}
    }
    let Some(start) = event
        .start_at
        .as_deref()
        .and_then(|s| s.parse::<Timestamp>().ok())
    else {
        return Err(Error::invalid_field(
            "event_id",
            format!(
                "“{}” has no date yet: give it one before scheduling its announcement.",
                event.title
            ),
        ));
    };
    let now = now();
    let (zone_name, zone) = zone_for(db, &event.time_zone)?;
    if now >= start {
        return Err(Error::invalid_field(
            "event_id",
            format!(
                "“{}” started on {}: an announcement is not scheduled after its event starts.",
                event.title,
                moment_text(start, &zone, now)
            ),
        ));
    }
    let at = due_instant(&request.when, start, &zone)?;
    let field = match request.when {
        ScheduleWhen::DayBefore { .. } => "time",
        ScheduleWhen::At { .. } => "at",
    };
    if at <= now {
        return Err(Error::invalid_field(
            field,
            format!(
                "{} ({}, {zone_name}) has passed. Choose a later time, or send it now.",
                capitalized(&request.when.words()),
                moment_text(at, &zone, now)
            ),
        ));
    }
    if at >= start {
        return Err(Error::invalid_field(
            field,
            format!(
                "{} is not before “{}” starts ({}, {zone_name}). Choose a time before the event.",
                moment_text(at, &zone, now),
                event.title,
                moment_text(start, &zone, now)
            ),
        ));
    }
    store::check_template(db, a.event_id, a.tour_id, a.template)?;
    if !request.again {
        if let Some(earlier) =
            store::earlier_send(db, a.event_id, a.tour_id, a.list_id, a.template, a.id)?
        {
            return Err(store::repeat_error(db, earlier, a.template)?);
        }
    }
    let when = match &request.when {
        ScheduleWhen::DayBefore { time } => ScheduleWhen::DayBefore {
            time: parse_time(time)?.strftime("%H:%M").to_string(),
        },
        ScheduleWhen::At { local } => ScheduleWhen::At {
            local: parse_local(local)?.strftime("%Y-%m-%d %H:%M").to_string(),
        },
    };
    db.conn().execute(
        "UPDATE announcement SET schedule_rule = ?2, schedule_time = ?3, schedule_at = ?4, schedule_start = ?5,
                schedule_again = ?6, schedule_missed_at = NULL, updated_at = ?7
          WHERE id = ?1 AND state = 'draft'",
        params![
            id,
            when.rule(),
            when.time(),
            at.to_string(),
            event.start_at,
            request.again,
            now_text()
        ],
    )?;
    store::get(db, id)
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Confirms a held announcement's schedule after its event moved: the same
/// rule set again against the event's new date (a day-before schedule
/// follows the event; a fixed time stays, if it is still before the event).
pub fn confirm(db: &Database, id: i64) -> Result<Announcement> {
    store::get(db, id)?;
    let (rule, time, again): (String, String, bool) = db.conn().query_row(
        "SELECT schedule_rule, schedule_time, schedule_again FROM announcement WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let when = ScheduleWhen::from_stored(&rule, &time).ok_or_else(|| {
        Error::invalid_field("state", format!("Announcement {id} is not scheduled."))
    })?;
    schedule(
        db,
        &ScheduleRequest {
            announcement_id: id,
            when,
            again,
        },
    )
}

/// Takes an announcement off the schedule: it stays a draft, to send or
/// schedule later.
pub fn unschedule(db: &Database, id: i64) -> Result<Announcement> {
    let a = store::get(db, id)?;
    if a.schedule.is_none() {
        return Err(Error::invalid_field(
            "state",
            format!("Announcement {id} is not scheduled."),
        ));
    }
    db.conn().execute(
        "UPDATE announcement SET schedule_rule = '', schedule_time = '', schedule_at = NULL, schedule_start = NULL,
                schedule_again = 0, schedule_missed_at = NULL, updated_at = ?2
          WHERE id = ?1 AND state = 'draft'",
        params![id, now_text()],
    )?;
    store::get(db, id)
}

/// Writes the announcement as a draft from its template (or reuses the open
/// draft of it) and schedules it: `handbill announce … --at|--day-before`.
/// Nothing is queued; an announcement of this already queued is refused.
pub fn announce_later(
    db: &Database,
    request: &AnnounceRequest,
    when: ScheduleWhen,
) -> Result<Announced> {
    let (id, reused, notes) = match announce::plan(db, request)? {
        Plan::Reuse {
            announcement,
            notes,
        } => {
            if announcement.state != AnnouncementState::Draft {
                return Err(Error::invalid_field(
                    "state",
                    format!(
                        "Announcement {} of this to “{}” is already {}: it is being sent, not scheduled. \
                         Follow it with: handbill send status {}",
                        announcement.id,
                        announcement.list_name,
                        announcement.state.as_str(),
                        announcement.id
                    ),
                ));
            }
            (announcement.id, true, notes)
        }
        Plan::New { input, notes } => (store::create(db, input)?.id, false, notes),
    };
    let scheduled = schedule(
        db,
        &ScheduleRequest {
            announcement_id: id,
            when,
            again: request.again,
        },
    );
    match scheduled {
        Ok(announcement) => Ok(Announced {
            announcement,
            reused,
            notes,
        }),
        Err(e) => {
            if !reused {
                // Nothing was scheduled: the draft would only be in the way of the next try.
                store::delete_draft(db, id)?;
            }
            Err(e)
        }
    }
}

/// What a check of the schedule found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct DueCheck {
    /// Due now: send them with [`queue_due`], then [`super::send::run`].
    pub due: Vec<Announcement>,
    /// Held until the organizer acts (the schedule's `why` says why).
    pub held: Vec<Announcement>,
    /// Found missed by this check (their event started first): marked, never sent.
    pub missed: Vec<Announcement>,
    /// Not due yet, the soonest first.
    pub waiting: Vec<Announcement>,
    /// Sent when due, but the sending stopped before the end with people
    /// still queued (the connection failed: a laptop just woken, still
    /// offline), no sender at work and the event not started: resume them
    /// ([`super::store::resume`], then [`super::send::run`]).
    pub retry: Vec<Announcement>,
}

/// Reads every scheduled draft and says which are due, held or waiting;
/// those whose event has started are marked missed (once), so they are
/// never sent. And the scheduled announcements whose sending stopped before
/// the end (see [`DueCheck::retry`]), never once their event has started.
/// Sends nothing.
pub fn check(db: &Database) -> Result<DueCheck> {
    let ids: Vec<i64> = db
        .conn()
        .prepare(
            "SELECT id FROM announcement WHERE schedule_at IS NOT NULL AND state = 'draft'
               AND schedule_missed_at IS NULL ORDER BY schedule_at, id",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = DueCheck::default();
    for id in ids {
        let a = store::get(db, id)?;
        match a.schedule.as_ref().map(|s| s.standing) {
            Some(Standing::Due) => out.due.push(a),
            Some(Standing::Held) => out.held.push(a),
            Some(Standing::Missed) => out.missed.push(mark_missed(db, id)?),
            Some(Standing::Waiting) => out.waiting.push(a),
            None => {}
        }
    }
    let stopped: Vec<i64> = db
        .conn()
        .prepare(
            "SELECT a.id FROM announcement a JOIN event e ON e.id = a.event_id
              WHERE a.schedule_at IS NOT NULL AND a.state = 'queued' AND e.start_at > ?1
                AND EXISTS (SELECT 1 FROM delivery d WHERE d.announcement_id = a.id AND d.status = 'queued')
              ORDER BY a.id",
        )?
        .query_map([now_text()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in stopped {
        if !super::lease::lease_is_live(db, id)? {
            out.retry.push(store::get(db, id)?);
        }
    }
    Ok(out)
}

fn mark_missed(db: &Database, id: i64) -> Result<Announcement> {
    db.conn().execute(
        "UPDATE announcement SET schedule_missed_at = ?2, updated_at = ?2
          WHERE id = ?1 AND state = 'draft' AND schedule_missed_at IS NULL",
        params![id, now_text()],
    )?;
    store::get(db, id)
}

/// What [`queue_due`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum DueStart {
    /// Queued (everyone on the list, a backup first) and claimed: send it now.
    Queued(SendProgress),
    /// Not due after all, read again just now (another laptop's change
    /// arrived, the organizer unscheduled it, another sender took it): as
    /// it stands.
    NotDue(Box<Announcement>),
}

/// Queues a due announcement for sending: on a shared branch the folder is
/// read first (a cancellation made on another laptop holds it) and the
/// announcement is claimed for this laptop (`share::claim`, as every send
/// is: a second laptop is refused, so it is never sent twice); then it is
/// queued with every check of a manual send ([`store::queue_with`]). The
/// caller then runs [`super::send::run`], the one sender.
pub fn queue_due(db: &Database, id: i64) -> Result<DueStart> {
    if crate::share::is_shared(db)? {
        crate::share::sync(db)?;
    }
    let a = store::get(db, id)?;
    match a.schedule.as_ref().map(|s| s.standing) {
        Some(Standing::Due) => {}
        Some(Standing::Missed) => return Ok(DueStart::NotDue(Box::new(mark_missed(db, id)?))),
        _ => return Ok(DueStart::NotDue(Box::new(a))),
    }
    crate::share::claim(db, id)?;
    let again: bool = db.conn().query_row(
        "SELECT schedule_again FROM announcement WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    Ok(DueStart::Queued(store::queue_with(db, id, again)?))
}
