//! Meetings that repeat. A series is one event with a repeat rule: weekly,
//! every other week, or monthly on the Nth (or last) weekday of its first
//! date, ending never or on a date. The event's row holds the first date and
//! everything the dates share; the dates themselves are computed from the
//! rule (table `series`), keeping the local wall time across daylight-saving
//! changes, never stored one by one. One date skipped or moved is a row of
//! `series_exception` keyed by the date the rule gives, with its reason, and
//! leaves the other dates alone; once anyone was told about the event, the
//! change and its reason are also a line of its history.
//!
//! The views (upcoming, a month, the lists), the calendar files and the
//! flyers all read a series' dates from [`dates_between`] and
//! [`occurrence_event`], so each shows the same dates.

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::history::{self, HistoryKind};
use super::store::{self, parse_zone};
use super::typed::{read_date, read_time, DateRules};
use super::{Event, EventStatus, MAX_TEXT_BYTES};
use crate::clock::now_text;
use crate::db::{Database, Tx};
use crate::error::{Error, Result};

/// The most dates one series yields: ten years of weekly meetings. A rule
/// read from a file that would give more (COUNT=1000000) is refused.
pub const MAX_DATES: usize = 520;

/// How far ahead the lists show the dates of a series that never ends.
pub const LIST_HORIZON_DAYS: i32 = 92;

/// How often an event repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Repeat {
    /// A single event.
    #[default]
    Never,
    Weekly,
    EveryOtherWeek,
    /// Monthly on the Nth weekday of the month (the first date's weekday).
    MonthlyNth,
}

/// A series' rule as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub repeat: Repeat,
    /// For [`Repeat::MonthlyNth`]: 1 to 4, or -1 for the last; 0 otherwise.
    pub nth: i8,
    /// The last local date a meeting may fall on; None never ends.
    pub until: Option<Date>,
}

/// Makes an event repeat, changes its rule, or (`Never`) makes it a single
/// event again: the window's "Repeats" and "Ends" fields and `handbill
/// event repeat`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct RepeatRequest {
    pub event_id: i64,
    pub repeat: Repeat,
    /// Monthly: 1 to 4, or -1 for the last weekday of the month; 0 takes the
    /// one the first date is (2027-01-12 is a second Tuesday).
    pub nth: i8,
    /// The last date (YYYY-MM-DD, or as typed); empty: never ends.
    pub until: String,
}

/// Skips one date of a series, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct SkipRequest {
    pub event_id: i64,
    /// The date as the series gives it (YYYY-MM-DD, or as typed).
    pub date: String,
    pub reason: String,
}

/// Moves one date of a series to another day or time, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct MoveRequest {
    pub event_id: i64,
    /// The date as the series gives it.
    pub date: String,
    /// The new date.
    pub to_date: String,
    /// The new start time (HH:MM); empty keeps the series' time.
    pub to_time: String,
    pub reason: String,
}

/// Ends a series from a date on: that date and later ones are no more;
/// earlier ones stay.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct EndRequest {
    pub event_id: i64,
    /// The first date with no meeting.
    pub from: String,
    pub reason: String,
}

/// Which dates of a series to list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct DatesRequest {
    pub event_id: i64,
    /// List from this date (YYYY-MM-DD); empty: from today.
    pub from: String,
    /// At most this many dates (1 to 520); 0: every date of a series that
    /// ends, or the next 8 of one that never does.
    pub count: u32,
}

/// One date of a series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Occurrence {
    /// The local date the rule gives (the calendar's RECURRENCE-ID).
    pub original_date: String,
    /// Where it is now: the original date, or where it was moved.
    pub start_date: String,
    pub start_time: String,
    pub end_date: String,
    pub end_time: String,
    /// The instants (RFC 3339, UTC).
    pub start_at: String,
    pub end_at: String,
    /// No meeting on this date.
    pub skipped: bool,
    /// Held on another day or at another time.
    pub moved: bool,
    /// Why it was skipped or moved.
    pub reason: String,
}

/// A series as the event editor's panel and `handbill event dates` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SeriesDates {
    pub event_id: i64,
    pub repeat: Repeat,
    pub nth: i8,
    /// The last date (YYYY-MM-DD); empty: never ends.
    pub until: String,
    /// "Every Thursday", "Every other Tuesday", "Second Tuesday of the
    /// month"; empty for a single event.
    pub words: String,
    /// The dates asked for, skipped ones included (marked, with the reason).
    pub dates: Vec<Occurrence>,
}

/// One skipped or moved date as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exception {
    pub original: Date,
    /// None: skipped.
    pub moved: Option<(Date, Time)>,
    pub reason: String,
}

/// A series: its rule and its exceptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Series {
    pub rule: Rule,
    pub exceptions: Vec<Exception>,
}

/// The weekdays as iCalendar's BYDAY names them.
pub(crate) const ICS_DAYS: [(&str, Weekday); 7] = [
    ("MO", Weekday::Monday),
    ("TU", Weekday::Tuesday),
    ("WE", Weekday::Wednesday),
    ("TH", Weekday::Thursday),
    ("FR", Weekday::Friday),
    ("SA", Weekday::Saturday),
    ("SU", Weekday::Sunday),
];

/// "TH" for Thursday.
pub(crate) fn ics_day(w: Weekday) -> &'static str {
    ICS_DAYS
        .iter()
        .find(|(_, d)| *d == w)
        .map(|(n, _)| *n)
        .unwrap_or("MO")
}

const ORDINALS: [&str; 4] = ["First", "Second", "Third", "Fourth"];

fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

/// "Every Thursday", "Every other Tuesday", "Second Tuesday of the month",
/// "Last Thursday of the month", for a series whose first date is `first`.
pub fn words(rule: &Rule, first: Date) -> String {
    let day = weekday_name(first.weekday());
    match rule.repeat {
        Repeat::Never => String::new(),
        Repeat::Weekly => format!("Every {day}"),
        Repeat::EveryOtherWeek => format!("Every other {day}"),
        Repeat::MonthlyNth => {
            let which = match rule.nth {
                -1 => "Last",
                n @ 1..=4 => ORDINALS[(n - 1) as usize],
                _ => "",
            };
            format!("{which} {day} of the month")
        }
    }
}

/// Which weekday of its month a date is: 1 to 4, or 5 for a fifth.
fn nth_of(d: Date) -> i8 {
    (d.day() - 1) / 7 + 1
}

/// Whether a date is the last of its weekday in its month.
fn is_last(d: Date) -> bool {
    d.checked_add(7.days())
        .map(|n| n.month() != d.month())
        .unwrap_or(true)
}

/// The `k`th date the rule gives from `first` (0 is `first`), ignoring the end.
fn nth_date(first: Date, rule: &Rule, k: i64) -> Option<Date> {
    match rule.repeat {
        Repeat::Never => (k == 0).then_some(first),
        Repeat::Weekly | Repeat::EveryOtherWeek => {
            let step = if rule.repeat == Repeat::Weekly { 7 } else { 14 };
            first.checked_add((k * step).days()).ok()
        }
        Repeat::MonthlyNth => {
            let month = first.first_of_month().checked_add(k.months()).ok()?;
            month.nth_weekday_of_month(rule.nth, first.weekday()).ok()
        }
    }
}

/// The dates the rule gives from `first` up to `last` (and the rule's own
/// end), at most [`MAX_DATES`], before any is skipped or moved.
pub(crate) fn rule_dates(first: Date, rule: &Rule, last: Date) -> Vec<Date> {
    let last = rule.until.map_or(last, |u| u.min(last));
    let mut out = Vec::new();
    for k in 0..MAX_DATES as i64 {
        match nth_date(first, rule, k) {
            // A monthly series whose first date was moved off its weekday
            // of the month starts from the next month's.
            Some(d) if d < first => {}
            Some(d) if d <= last => out.push(d),
            _ => break,
        }
    }
    out
}

fn parse_day(text: &str) -> Option<Date> {
    text.parse().ok()
}

/// A stored time ("19:00").
fn parse_time(text: &str) -> Option<Time> {
    format!("{text}:00").parse().ok()
}

fn hh_mm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// The local start and end of a meeting starting at `date` `time`, as long
/// as the event's first date: wall times, whatever the offset that day.
fn timed(e: &Event, date: Date, time: Time) -> Option<(DateTime, DateTime)> {
    let first_start = parse_day(&e.start_date)?;
    let first_end = parse_day(&e.end_date).unwrap_or(first_start);
    if e.all_day {
        let days = first_start.until(first_end).ok()?.get_days();
        let end = date.checked_add(i64::from(days).days()).ok()?;
        return Some((
            date.to_datetime(Time::midnight()),
            end.to_datetime(Time::midnight()),
        ));
    }
    let start_time = parse_time(&e.start_time)?;
    let end_time = parse_time(&e.end_time).unwrap_or(start_time);
    let length = first_start
        .to_datetime(start_time)
        .until(first_end.to_datetime(end_time))
        .ok()?;
    let start = date.to_datetime(time);
    let end = start.checked_add(length).ok()?;
    Some((start, end))
}

/// One date of `e` as an [`Occurrence`].
fn occurrence(
    e: &Event,
    zone: &TimeZone,
    original: Date,
    exception: Option<&Exception>,
) -> Option<Occurrence> {
    let series_time = if e.all_day {
        Time::midnight()
    } else {
        parse_time(&e.start_time)?
    };
    let (date, time) = exception
        .and_then(|x| x.moved)
        .unwrap_or((original, series_time));
    let (start, end) = timed(e, date, time)?;
    let start_at = start.to_zoned(zone.clone()).ok()?.timestamp();
    let end_at = if e.all_day {
        end.date()
            .checked_add(1.day())
            .ok()?
            .to_datetime(Time::midnight())
            .to_zoned(zone.clone())
            .ok()?
            .timestamp()
    } else {
        end.to_zoned(zone.clone()).ok()?.timestamp()
    };
    Some(Occurrence {
        original_date: original.to_string(),
        start_date: start.date().to_string(),
        start_time: if e.all_day {
            String::new()
        } else {
            hh_mm(start.time())
        },
        end_date: end.date().to_string(),
        end_time: if e.all_day {
            String::new()
        } else {
            hh_mm(end.time())
        },
        start_at: start_at.to_string(),
        end_at: end_at.to_string(),
        skipped: exception.is_some_and(|x| x.moved.is_none()),
        moved: exception.is_some_and(|x| x.moved.is_some()),
        reason: exception.map(|x| x.reason.clone()).unwrap_or_default(),
    })
}

/// Every date of a series from its first up to `last` (by the date the rule
/// gives), skipped ones marked and moved ones at their new date, in the
/// order they are held.
pub(crate) fn all_dates(e: &Event, s: &Series, last: Date) -> Vec<Occurrence> {
    let (Some(first), Ok(zone)) = (parse_day(&e.start_date), TimeZone::get(&e.time_zone)) else {
        return Vec::new();
    };
    let mut out: Vec<Occurrence> = rule_dates(first, &s.rule, last)
        .into_iter()
        .filter_map(|d| {
            let x = s.exceptions.iter().find(|x| x.original == d);
            occurrence(e, &zone, d, x)
        })
        .collect();
    out.sort_by(|a, b| a.start_at.cmp(&b.start_at));
    out
}

/// The dates of a series held (not skipped) and not over at `after`, up to
/// `last`: what the lists and calendars show.
pub(crate) fn dates_between(
    e: &Event,
    s: &Series,
    after: Timestamp,
    last: Date,
) -> Vec<Occurrence> {
    all_dates(e, s, last)
        .into_iter()
        .filter(|o| !o.skipped)
        .filter(|o| o.end_at.parse::<Timestamp>().is_ok_and(|t| t > after))
        .collect()
}

/// `e` as it is on one of its dates: the list, the calendar and the flyer
/// show it so.
pub fn occurrence_event(e: &Event, o: &Occurrence) -> Event {
    let mut x = e.clone();
    x.start_date = o.start_date.clone();
    x.start_time = o.start_time.clone();
    x.end_date = o.end_date.clone();
    x.end_time = o.end_time.clone();
    x.start_at = Some(o.start_at.clone());
    x.end_at = Some(o.end_at.clone());
    x
}

/// The series of an event, if it repeats.
pub(crate) fn get(db: &Database, event_id: i64) -> Result<Option<Series>> {
    let rule = db
        .conn()
        .prepare_cached("SELECT freq, interval, nth, until FROM series WHERE event_id = ?1")?
        .query_row([event_id], |r| {
            Ok(rule_of(
                &r.get::<_, String>(0)?,
                r.get(1)?,
                r.get(2)?,
                &r.get::<_, String>(3)?,
            ))
        })
        .optional()?;
    let Some(rule) = rule else {
        return Ok(None);
    };
    let mut stmt = db.conn().prepare_cached(
        "SELECT original_date, moved_date, moved_time, reason FROM series_exception
          WHERE event_id = ?1 ORDER BY original_date",
    )?;
    let exceptions = stmt
        .query_map([event_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter_map(|(o, md, mt, reason)| {
            Some(Exception {
                original: parse_day(&o)?,
                moved: parse_day(&md).map(|d| (d, parse_time(&mt).unwrap_or(Time::midnight()))),
                reason,
            })
        })
        .collect();
    Ok(Some(Series { rule, exceptions }))
}

/// A rule from its stored columns.
pub(crate) fn rule_of(freq: &str, interval: i64, nth: i64, until: &str) -> Rule {
    let repeat = match (freq, interval) {
        ("weekly", 2) => Repeat::EveryOtherWeek,
        ("weekly", _) => Repeat::Weekly,
        ("monthly", _) => Repeat::MonthlyNth,
        _ => Repeat::Never,
    };
    Rule {
        repeat,
        nth: nth.clamp(-1, 4) as i8,
        until: parse_day(until),
    }
}

/// Every series in the branch, with its event: few enough to hold at once
/// (a branch meets weekly in a handful of groups, not thousands).
pub(crate) fn all_series(db: &Database) -> Result<Vec<(Event, Series)>> {
    let ids: Vec<i64> = db
        .conn()
        .prepare_cached("SELECT event_id FROM series ORDER BY event_id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let e = store::get(db, id)?;
        if let Some(s) = get(db, id)? {
            out.push((e, s));
        }
    }
    Ok(out)
}

/// The dates of every series held after `now` and up to its
/// [`list_horizon`], each as its event on that date: what the lists merge
/// with the single events.
pub(crate) fn upcoming_occurrences(db: &Database, now: Timestamp) -> Result<Vec<Event>> {
    let mut out = Vec::new();
    for (e, s) in all_series(db)? {
        for o in dates_between(&e, &s, now, list_horizon(&e, now)) {
            out.push(occurrence_event(&e, &o));
        }
    }
    out.sort_by(|a, b| a.start_at.cmp(&b.start_at).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// The last day the lists show the dates of a series: about three months
/// from `now`, or from its first date when that is later.
pub(crate) fn list_horizon(e: &Event, now: Timestamp) -> Date {
    let today = now.to_zoned(TimeZone::UTC).date();
    let from = parse_day(&e.start_date).map_or(today, |first| first.max(today));
    from.checked_add(LIST_HORIZON_DAYS.days())
        .unwrap_or(Date::MAX)
}

fn rules(db: &Database) -> Result<DateRules> {
    Ok(DateRules::for_branch(crate::branch::get(db)?.as_ref()))
}

fn read_day(db: &Database, field: &str, text: &str) -> Result<Date> {
    if text.trim().is_empty() {
        return Err(Error::invalid_field(
            field,
            "Give the date, such as 2027-03-18.",
        ));
    }
    read_date(text.trim(), &rules(db)?).map_err(|m| Error::invalid_field(field, m))
}

fn check_reason(reason: &str) -> Result<String> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid_field(
            "reason",
            "Say why, such as “the hall is closed for the holiday”: the reason is kept with the date.",
        ));
    }
    if reason.len() > MAX_TEXT_BYTES || reason.contains('\0') {
        return Err(Error::invalid_field(
            "reason",
            format!("Keep the reason to {MAX_TEXT_BYTES} characters of text."),
        ));
    }
    Ok(reason.to_owned())
}

/// The event and its series, refusing one that does not repeat.
fn series_of(db: &Database, event_id: i64) -> Result<(Event, Series, Date)> {
    let e = store::get(db, event_id)?;
    let first = parse_day(&e.start_date).ok_or_else(|| {
        Error::invalid_field(
            "start_date",
            "Give the event its first date before it repeats.",
        )
    })?;
    let s = get(db, event_id)?.ok_or_else(|| {
        Error::invalid_field(
            "event_id",
            format!(
                "Event {event_id}, “{}”, does not repeat. Make it a series first (Repeats: weekly, every other week or monthly).",
                e.title
            ),
        )
    })?;
    Ok((e, s, first))
}

/// Refuses a date the series does not have, naming the nearest ones.
fn check_date_of(e: &Event, s: &Series, first: Date, date: Date) -> Result<()> {
    let dates = rule_dates(first, &s.rule, date.checked_add(62.days()).unwrap_or(date));
    if dates.contains(&date) {
        return Ok(());
    }
    let before = dates.iter().rev().find(|d| **d < date);
    let after = dates.iter().find(|d| **d > date);
    let near: Vec<String> = before
        .into_iter()
        .chain(after)
        .map(|d| d.to_string())
        .collect();
    Err(Error::invalid_field(
        "date",
        format!(
            "“{}” ({}) has no meeting on {date}.{}",
            e.title,
            words(&s.rule, first).to_lowercase(),
            if near.is_empty() {
                String::new()
            } else {
                format!(" The nearest dates are {}.", near.join(" and "))
            }
        ),
    ))
}

/// "2027-03-18 19:00 America/New_York": a date of the series as its history says it.
fn date_words(e: &Event, date: Date, time: Option<Time>) -> String {
    match time.or_else(|| (!e.all_day).then(|| parse_time(&e.start_time)).flatten()) {
        Some(t) if !e.all_day => format!("{date} {} {}", hh_mm(t), e.time_zone),
        _ => date.to_string(),
    }
}

/// Keeps a change in the history (once anyone was told about the event) and
/// raises an announced event's calendar sequence, so calendars update it.
fn told(db: &Database, e: &Event, old: &str, new: &str, reason: &str) -> Result<()> {
    if history::told_anyone(db, e.id, e.status)? {
        history::record(db, e.id, HistoryKind::Date, old, new, reason)?;
    }
    touch(db, e)
}

fn touch(db: &Database, e: &Event) -> Result<()> {
    let bump = i64::from(e.status != EventStatus::Draft);
    db.conn().execute(
        "UPDATE event SET sequence = sequence + ?2, updated_at = ?3 WHERE id = ?1",
        params![e.id, bump, now_text()],
    )?;
    Ok(())
}

/// The rule a request asks for, checked against the event's first date.
fn requested_rule(db: &Database, first: Date, request: &RepeatRequest) -> Result<Rule> {
    let nth = match request.repeat {
        Repeat::MonthlyNth => {
            let own = nth_of(first);
            match request.nth {
                0 if own <= 4 => own,
                0 => -1,
                -1 if is_last(first) => -1,
                -1 => {
                    return Err(Error::invalid_field(
                        "nth",
                        format!(
                            "{first} is not the last {} of its month, so a series on the last {} cannot start on it. Move the first date to the last {} first.",
                            weekday_name(first.weekday()),
                            weekday_name(first.weekday()),
                            weekday_name(first.weekday())
                        ),
                    ))
                }
                n @ 1..=4 if n == own => n,
                n @ 1..=4 => {
                    return Err(Error::invalid_field(
                        "nth",
                        format!(
                            "{first} is the {} {} of its month, not the {}: a series on the {} {} starts on one. Change the first date, or choose the {}.",
                            ORDINALS.get(own as usize - 1).copied().unwrap_or("fifth").to_lowercase(),
                            weekday_name(first.weekday()),
                            ORDINALS[(n - 1) as usize].to_lowercase(),
                            ORDINALS[(n - 1) as usize].to_lowercase(),
                            weekday_name(first.weekday()),
                            ORDINALS.get(own as usize - 1).copied().unwrap_or("last").to_lowercase()
                        ),
                    ))
                }
                n => {
                    return Err(Error::invalid_field(
                        "nth",
                        format!("Monthly series fall on the 1st to 4th or the last weekday of the month (1 to 4, or -1), not {n}."),
                    ))
                }
            }
        }
        _ => 0,
    };
    let until = if request.until.trim().is_empty() {
        None
    } else {
        let u = read_day(db, "until", &request.until)?;
        if u < first {
            return Err(Error::invalid_field(
                "until",
                format!("The series would end on {u}, before its first date, {first}. Choose a later end, or no end."),
            ));
        }
        Some(u)
    };
    Ok(Rule {
        repeat: request.repeat,
        nth,
        until,
    })
}

fn rule_words(rule: &Rule, first: Date) -> String {
    match (rule.repeat, rule.until) {
        (Repeat::Never, _) => "does not repeat".into(),
        (_, Some(u)) => format!("{}, until {u}", words(rule, first)),
        (_, None) => words(rule, first),
    }
}

/// Saves a series' rule (the caller holds the transaction).
pub(crate) fn write_rule(db: &Database, event_id: i64, rule: &Rule) -> Result<()> {
    if rule.repeat == Repeat::Never {
        db.conn()
            .execute("DELETE FROM series WHERE event_id = ?1", [event_id])?;
        db.conn().execute(
            "DELETE FROM series_exception WHERE event_id = ?1",
            [event_id],
        )?;
        return Ok(());
    }
    let (freq, interval) = match rule.repeat {
        Repeat::Weekly => ("weekly", 1),
        Repeat::EveryOtherWeek => ("weekly", 2),
        _ => ("monthly", 1),
    };
    let until = rule.until.map(|u| u.to_string()).unwrap_or_default();
    let at = now_text();
    db.conn().execute(
        "INSERT INTO series (event_id, freq, interval, nth, until, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (event_id) DO UPDATE SET freq = ?2, interval = ?3, nth = ?4, until = ?5, updated_at = ?6",
        params![event_id, freq, interval, rule.nth, until, at],
    )?;
    Ok(())
}

/// Saves one skipped (`moved` None) or moved date (the caller holds the transaction).
pub(crate) fn write_exception(
    db: &Database,
    event_id: i64,
    original: Date,
    moved: Option<(Date, Time)>,
    reason: &str,
) -> Result<()> {
    let (md, mt) = match moved {
        Some((d, t)) => (d.to_string(), hh_mm(t)),
        None => (String::new(), String::new()),
    };
    db.conn().execute(
        "INSERT INTO series_exception (event_id, original_date, moved_date, moved_time, reason, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (event_id, original_date) DO UPDATE SET moved_date = ?3, moved_time = ?4, reason = ?5, at = ?6",
        params![event_id, original.to_string(), md, mt, reason, now_text()],
    )?;
    Ok(())
}

/// A series as Handbill's event file carries it (`handbill event show
/// --json`): the rule, and each skipped or moved date with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct SeriesFile {
    pub repeat: Repeat,
    pub nth: i8,
    /// The last date (YYYY-MM-DD); empty: never ends.
    pub until: String,
    pub exceptions: Vec<ExceptionFile>,
}

/// One skipped (`moved_date` empty) or moved date of a [`SeriesFile`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct ExceptionFile {
    pub date: String,
    pub moved_date: String,
    pub moved_time: String,
    pub reason: String,
}

/// An event's series for its file; None for a single event.
pub(crate) fn to_file(db: &Database, event_id: i64) -> Result<Option<SeriesFile>> {
    Ok(get(db, event_id)?.map(|s| SeriesFile {
        repeat: s.rule.repeat,
        nth: s.rule.nth,
        until: s.rule.until.map(|u| u.to_string()).unwrap_or_default(),
        exceptions: s
            .exceptions
            .iter()
            .map(|x| ExceptionFile {
                date: x.original.to_string(),
                moved_date: x.moved.map(|m| m.0.to_string()).unwrap_or_default(),
                moved_time: x.moved.map(|m| hh_mm(m.1)).unwrap_or_default(),
                reason: x.reason.clone(),
            })
            .collect(),
    }))
}

/// Gives an event just saved from a file the series the file says, checked
/// as the window's changes are (the caller holds the transaction): each
/// problem names its field under `series`.
pub(crate) fn from_file(db: &Database, event_id: i64, file: &SeriesFile) -> Result<()> {
    let e = store::get(db, event_id)?;
    let bad =
        |field: &str, message: String| Error::invalid_field(&format!("series.{field}"), message);
    let first = parse_day(&e.start_date)
        .ok_or_else(|| bad("repeat", "A series needs the event's first date.".into()))?;
    let rule = Rule {
        repeat: file.repeat,
        nth: match (file.repeat, file.nth) {
            (Repeat::MonthlyNth, n @ (1..=4 | -1)) => n,
            (Repeat::MonthlyNth, n) => {
                return Err(bad("nth", format!("A monthly series falls on weekday 1 to 4 or -1 (the last) of the month, not {n}.")))
            }
            _ => 0,
        },
        until: match file.until.trim() {
            "" => None,
            u => Some(parse_day(u).ok_or_else(|| bad("until", format!("“{}” is not a date (YYYY-MM-DD).", u.chars().take(40).collect::<String>())))?),
        },
    };
    if rule.repeat != Repeat::Never && rule_dates(first, &rule, first).first() != Some(&first) {
        return Err(bad(
            "repeat",
            format!("{first}, the event's first date, is not one of the dates its rule gives."),
        ));
    }
    if file.exceptions.len() > MAX_DATES {
        return Err(bad(
            "exceptions",
            format!("A series has at most {MAX_DATES} skipped or moved dates."),
        ));
    }
    write_rule(db, event_id, &rule)?;
    if rule.repeat == Repeat::Never {
        return Ok(());
    }
    db.conn().execute(
        "DELETE FROM series_exception WHERE event_id = ?1",
        [event_id],
    )?;
    let given = rule_dates(first, &rule, Date::MAX);
    for (i, x) in file.exceptions.iter().enumerate() {
        let field = |f: &str| format!("exceptions[{i}].{f}");
        let date = parse_day(x.date.trim())
            .filter(|d| given.contains(d))
            .ok_or_else(|| {
                bad(
                    &field("date"),
                    format!(
                        "“{}” is not one of the series' dates.",
                        x.date.chars().take(40).collect::<String>()
                    ),
                )
            })?;
        let moved = match x.moved_date.trim() {
            "" => None,
            m => Some((
                parse_day(m).ok_or_else(|| {
                    bad(
                        &field("moved_date"),
                        format!(
                            "“{}” is not a date (YYYY-MM-DD).",
                            m.chars().take(40).collect::<String>()
                        ),
                    )
                })?,
                parse_time(x.moved_time.trim())
                    .unwrap_or(parse_time(&e.start_time).unwrap_or(Time::midnight())),
            )),
        };
        if x.reason.len() > MAX_TEXT_BYTES || x.reason.contains('\0') {
            return Err(bad(
                &field("reason"),
                format!("Keep the reason to {MAX_TEXT_BYTES} characters of text."),
            ));
        }
        write_exception(db, event_id, date, moved, x.reason.trim())?;
    }
    Ok(())
}

/// Makes an event repeat by the rule asked, changes the rule, or makes it a
/// single event again (its skipped and moved dates go with the rule). Once
/// anyone was told, the change is in the history.
pub fn repeat(db: &Database, request: &RepeatRequest) -> Result<SeriesDates> {
    let e = store::get(db, request.event_id)?;
    let Some(first) = parse_day(&e.start_date) else {
        return Err(Error::invalid_field(
            "start_date",
            "Give the event its first date before it repeats.",
        ));
    };
    if e.tour_id.is_some() && request.repeat != Repeat::Never {
        return Err(Error::invalid_field(
            "repeat",
            "A tour's stop is one date of the tour; it cannot repeat. Add the tour's stops instead.",
        ));
    }
    if e.status == EventStatus::Cancelled {
        return Err(Error::invalid_field(
            "status",
            format!("Event {} is cancelled, so its dates do not change.", e.id),
        ));
    }
    let rule = requested_rule(db, first, request)?;
    let old = get(db, e.id)?.map(|s| s.rule).unwrap_or(Rule {
        repeat: Repeat::Never,
        nth: 0,
        until: None,
    });
    if old == rule {
        return dates(
            db,
            &DatesRequest {
                event_id: e.id,
                ..Default::default()
            },
        );
    }
    let tx = Tx::begin(db)?;
    write_rule(db, e.id, &rule)?;
    told(
        db,
        &e,
        &rule_words(&old, first),
        &rule_words(&rule, first),
        "",
    )?;
    tx.commit()?;
    dates(
        db,
        &DatesRequest {
            event_id: e.id,
            ..Default::default()
        },
    )
}

/// Skips one date of a series, keeping the reason; the other dates stay.
pub fn skip(db: &Database, request: &SkipRequest) -> Result<SeriesDates> {
    let (e, s, first) = series_of(db, request.event_id)?;
    let date = read_day(db, "date", &request.date)?;
    check_date_of(&e, &s, first, date)?;
    let reason = check_reason(&request.reason)?;
    if s.exceptions
        .iter()
        .any(|x| x.original == date && x.moved.is_none())
    {
        return Err(Error::invalid_field(
            "date",
            format!("The meeting of {date} is already skipped."),
        ));
    }
    let was = s
        .exceptions
        .iter()
        .find(|x| x.original == date)
        .and_then(|x| x.moved);
    let tx = Tx::begin(db)?;
    write_exception(db, e.id, date, None, &reason)?;
    let old = match was {
        Some((d, t)) => date_words(&e, d, Some(t)),
        None => date_words(&e, date, None),
    };
    told(db, &e, &old, "skipped", &reason)?;
    tx.commit()?;
    dates(
        db,
        &DatesRequest {
            event_id: e.id,
            from: date.to_string(),
            ..Default::default()
        },
    )
}

/// Moves one date of a series to another day or time, keeping the reason;
/// the other dates stay.
pub fn move_date(db: &Database, request: &MoveRequest) -> Result<SeriesDates> {
    let (e, s, first) = series_of(db, request.event_id)?;
    let date = read_day(db, "date", &request.date)?;
    check_date_of(&e, &s, first, date)?;
    let to = read_day(db, "to_date", &request.to_date)?;
    let time = if e.all_day || request.to_time.trim().is_empty() {
        parse_time(&e.start_time).unwrap_or(Time::midnight())
    } else {
        read_time(request.to_time.trim()).map_err(|m| Error::invalid_field("to_time", m))?
    };
    let reason = check_reason(&request.reason)?;
    let zone = parse_zone(&e.time_zone).map_err(|m| Error::invalid_field("time_zone", m))?;
    let series_time = parse_time(&e.start_time).unwrap_or(Time::midnight());
    if (to, time) == (date, series_time) {
        return Err(Error::invalid_field(
            "to_date",
            "That is the meeting's own date and time. Give the new date or time.",
        ));
    }
    let exception = Exception {
        original: date,
        moved: Some((to, time)),
        reason: reason.clone(),
    };
    if occurrence(&e, &zone, date, Some(&exception)).is_none() {
        return Err(Error::invalid_field(
            "to_date",
            format!("{to} is not a date Handbill can hold the meeting on. Choose another."),
        ));
    }
    let was = s
        .exceptions
        .iter()
        .find(|x| x.original == date)
        .and_then(|x| x.moved);
    let tx = Tx::begin(db)?;
    write_exception(db, e.id, date, Some((to, time)), &reason)?;
    let old = match was {
        Some((d, t)) => date_words(&e, d, Some(t)),
        None => date_words(&e, date, None),
    };
    told(db, &e, &old, &date_words(&e, to, Some(time)), &reason)?;
    tx.commit()?;
    dates(
        db,
        &DatesRequest {
            event_id: e.id,
            from: date.min(to).to_string(),
            ..Default::default()
        },
    )
}

/// Ends a series from a date on: no meeting on that date or after; earlier
/// dates, and their skips and moves, stay.
pub fn end_series(db: &Database, request: &EndRequest) -> Result<SeriesDates> {
    let (e, s, first) = series_of(db, request.event_id)?;
    let from = read_day(db, "from", &request.from)?;
    if from <= first {
        return Err(Error::invalid_field(
            "from",
            format!("The series starts on {first}; ending it from {from} on would leave no date. Cancel the event instead."),
        ));
    }
    let last = from.checked_sub(1.day()).unwrap_or(from);
    if s.rule.until.is_some_and(|u| u <= last) {
        return Err(Error::invalid_field(
            "from",
            format!(
                "The series already ends on {}, before {from}.",
                s.rule.until.map(|u| u.to_string()).unwrap_or_default()
            ),
        ));
    }
    let reason = request.reason.trim();
    if reason.len() > MAX_TEXT_BYTES || reason.contains('\0') {
        return Err(Error::invalid_field(
            "reason",
            format!("Keep the reason to {MAX_TEXT_BYTES} characters of text."),
        ));
    }
    let rule = Rule {
        until: Some(last),
        ..s.rule
    };
    let tx = Tx::begin(db)?;
    write_rule(db, e.id, &rule)?;
    told(
        db,
        &e,
        &rule_words(&s.rule, first),
        &rule_words(&rule, first),
        reason,
    )?;
    tx.commit()?;
    dates(
        db,
        &DatesRequest {
            event_id: e.id,
            ..Default::default()
        },
    )
}

/// The dates of a series from a day on (skipped ones marked with their
/// reason, moved ones at their new date): the editor's panel and `handbill
/// event dates`. A single event answers its one date.
pub fn dates(db: &Database, request: &DatesRequest) -> Result<SeriesDates> {
    let e = store::get(db, request.event_id)?;
    if request.count > MAX_DATES as u32 {
        return Err(Error::invalid_field(
            "count",
            format!("List at most {MAX_DATES} dates at once."),
        ));
    }
    let s = get(db, e.id)?;
    let Some(first) = parse_day(&e.start_date) else {
        return Ok(SeriesDates {
            event_id: e.id,
            repeat: Repeat::Never,
            nth: 0,
            until: String::new(),
            words: String::new(),
            dates: Vec::new(),
        });
    };
    let s = s.unwrap_or(Series {
        rule: Rule {
            repeat: Repeat::Never,
            nth: 0,
            until: None,
        },
        exceptions: Vec::new(),
    });
    let from = if request.from.trim().is_empty() {
        crate::clock::now()
            .to_zoned(TimeZone::get(&e.time_zone).unwrap_or(TimeZone::UTC))
            .date()
    } else {
        read_day(db, "from", &request.from)?
    };
    let count = match request.count {
        0 if s.rule.until.is_some() || s.rule.repeat == Repeat::Never => MAX_DATES,
        0 => 8,
        n => n as usize,
    };
    let dates: Vec<Occurrence> = all_dates(&e, &s, Date::MAX)
        .into_iter()
        .filter(|o| parse_day(&o.start_date).is_some_and(|d| d >= from))
        .take(count)
        .collect();
    Ok(SeriesDates {
        event_id: e.id,
        repeat: s.rule.repeat,
        nth: s.rule.nth,
        until: s.rule.until.map(|u| u.to_string()).unwrap_or_default(),
        words: words(&s.rule, first),
        dates,
    })
}

/// A series' words on a flyer or in a listing: "Every Thursday, 7:00 pm"
/// (no time for an all-day series); None for a single event.
pub fn line(db: &Database, e: &Event) -> Result<Option<String>> {
    let (Some(s), Some(first)) = (get(db, e.id)?, parse_day(&e.start_date)) else {
        return Ok(None);
    };
    let mut text = words(&s.rule, first);
    if let Some(t) = super::public::clock_text(&e.start_time).filter(|_| !e.all_day) {
        text.push_str(", ");
        text.push_str(&t);
    }
    Ok(Some(text))
}

/// The next `n` dates a series is held from `now` (skipped ones left out,
/// moved ones at their new date), each as its event on that date.
pub fn next_dates(db: &Database, e: &Event, now: Timestamp, n: usize) -> Result<Vec<Event>> {
    let Some(s) = get(db, e.id)? else {
        return Ok(Vec::new());
    };
    Ok(dates_between(e, &s, now, Date::MAX)
        .into_iter()
        .take(n)
        .map(|o| occurrence_event(e, &o))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn the_second_tuesday_rule_gives_the_second_tuesday_of_each_month() {
        let rule = Rule {
            repeat: Repeat::MonthlyNth,
            nth: 2,
            until: None,
        };
        let got = rule_dates(d("2027-01-12"), &rule, d("2027-04-30"));
        assert_eq!(
            got,
            vec![
                d("2027-01-12"),
                d("2027-02-09"),
                d("2027-03-09"),
                d("2027-04-13")
            ],
            "each month's second Tuesday"
        );
    }

    #[test]
    fn the_last_thursday_rule_finds_the_fifth_thursday_when_there_is_one() {
        let rule = Rule {
            repeat: Repeat::MonthlyNth,
            nth: -1,
            until: None,
        };
        let got = rule_dates(d("2027-01-28"), &rule, d("2027-04-30"));
        assert_eq!(
            got,
            vec![
                d("2027-01-28"),
                d("2027-02-25"),
                d("2027-03-25"),
                d("2027-04-29")
            ],
            "each month's last Thursday"
        );
    }
}
