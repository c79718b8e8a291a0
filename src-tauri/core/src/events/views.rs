//! Views over the events: the upcoming ones grouped by month, one month (with
//! the multi-day events that overlap it), the past ones, and word search with
//! prefix matching as the organizer types (SQLite FTS5).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::series;
use super::store::{query_events, select_sql};
use super::Event;
use crate::db::Database;
use crate::error::{Error, Result};

/// The upcoming events of one month (by the event's local start date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MonthGroup {
    pub year: i16,
    /// 1 to 12.
    pub month: i8,
    /// "January 2027".
    pub label: String,
    pub events: Vec<Event>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The name of a month, 1 to 12.
pub fn month_name(month: i8) -> &'static str {
    MONTHS[(month.clamp(1, 12) - 1) as usize]
}

/// Events not yet over at `now`, soonest first (drafts included: this is the
/// organizers' own view; exports leave drafts out). A series shows as its
/// event on each of its dates of the next three months (skipped ones left
/// out, moved ones at their new date).
pub(crate) fn upcoming_events(db: &Database, now: Timestamp) -> Result<Vec<Event>> {
    let single = query_events(
        db,
        &select_sql("WHERE e.end_at > ?1 AND s.id IS NULL ORDER BY e.start_at, e.id"),
        [now.to_string()],
    )?;
    let dates = series::upcoming_occurrences(db, now)?;
    Ok(merge(single, dates, false))
}

/// Two lists in start order as one, in start order (latest first when `descending`).
fn merge(a: Vec<Event>, b: Vec<Event>, descending: bool) -> Vec<Event> {
    if b.is_empty() {
        return a;
    }
    let mut all = a;
    all.extend(b);
    all.sort_by(|x, y| {
        let order = (x.start_at.is_none(), &x.start_at).cmp(&(y.start_at.is_none(), &y.start_at));
        let order = if descending { order.reverse() } else { order };
        order.then(x.id.cmp(&y.id))
    });
    all
}

/// Each series' dates (held, not skipped) from its first up to `last`, as
/// its event on each date; `keep` chooses which.
fn series_dates(
    db: &Database,
    last: impl Fn(&Event) -> jiff::civil::Date,
    keep: impl Fn(&series::Occurrence) -> bool,
) -> Result<Vec<Event>> {
    let mut out = Vec::new();
    for (e, s) in series::all_series(db)? {
        for o in series::all_dates(&e, &s, last(&e)) {
            if !o.skipped && keep(&o) {
                out.push(series::occurrence_event(&e, &o));
            }
        }
    }
    Ok(out)
}

/// The events not yet over at `now`, grouped by the month they start in.
pub fn upcoming(db: &Database, now: Timestamp) -> Result<Vec<MonthGroup>> {
    let mut groups: Vec<MonthGroup> = Vec::new();
    for e in upcoming_events(db, now)? {
        let (year, month) = year_month(&e.start_date);
        match groups.last_mut() {
            Some(g) if g.year == year && g.month == month => g.events.push(e),
            _ => groups.push(MonthGroup {
                year,
                month,
                label: format!("{} {year}", month_name(month)),
                events: vec![e],
            }),
        }
    }
    Ok(groups)
}

fn year_month(date: &str) -> (i16, i8) {
    let year = date.get(0..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    let month = date.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    (year, month)
}

/// Every event, dated ones by start and then those whose date is still to be
/// announced: what `handbill event list` prints.
///
/// A series shows as its event on each of its dates up to three months from
/// now (or from its first date, when later), skipped ones left out.
pub fn all(db: &Database) -> Result<Vec<Event>> {
    let single = query_events(
        db,
        &select_sql("WHERE s.id IS NULL ORDER BY e.start_at IS NULL, e.start_at, e.id"),
        rusqlite::params![],
    )?;
    let now = crate::clock::now();
    Ok(merge(
        single,
        series_dates(db, |e| series::list_horizon(e, now), |_| true)?,
        false,
    ))
}

/// The events whose date is not known yet (or not yet a date): drafts being
/// typed and tour stops "coming soon", in the order of [`all`].
pub fn undated(db: &Database) -> Result<Vec<Event>> {
    query_events(
        db,
        &select_sql("WHERE e.start_at IS NULL ORDER BY e.id"),
        rusqlite::params![],
    )
}

/// The events whose end has passed at `now`, latest first.
/// A series shows as its event on each date already held.
pub fn past(db: &Database, now: Timestamp) -> Result<Vec<Event>> {
    let single = query_events(
        db,
        &select_sql("WHERE e.end_at <= ?1 AND s.id IS NULL ORDER BY e.start_at DESC, e.id"),
        [now.to_string()],
    )?;
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let held = series_dates(
        db,
        |_| {
            today
                .checked_add(jiff::Span::new().days(1))
                .unwrap_or(today)
        },
        |o| o.end_at.parse::<Timestamp>().is_ok_and(|t| t <= now),
    )?;
    Ok(merge(single, held, true))
}

/// The events on the calendar of one month: those starting in it and those
/// (multi-day) that began earlier and are still running, by local dates; a
/// series on each of its dates in the month (skipped ones left out).
pub fn month(db: &Database, year: i16, month: i8) -> Result<Vec<Event>> {
    let first = jiff::civil::Date::new(year, month, 1).map_err(|_| {
        Error::invalid_field(
            "month",
            format!("{year}-{month} is not a month. Months go from 1 to 12."),
        )
    })?;
    let last = first.last_of_month();
    // Events are rarely longer than a few months; the bound keeps the index useful.
    let earliest = first
        .checked_sub(jiff::Span::new().years(1))
        .unwrap_or(first);
    let single = query_events(
        db,
        &select_sql(
            "WHERE e.start_date >= ?3 AND e.start_date <= ?2 AND e.start_date <> '' AND s.id IS NULL
               AND (CASE WHEN e.end_date = '' THEN e.start_date ELSE e.end_date END) >= ?1
             ORDER BY e.start_date, e.start_time, e.id",
        ),
        [first.to_string(), last.to_string(), earliest.to_string()],
    )?;
    let (from, to) = (first.to_string(), last.to_string());
    let dates = series_dates(
        db,
        // A date moved in from up to two months away still shows.
        |_| last.checked_add(jiff::Span::new().days(62)).unwrap_or(last),
        |o| o.start_date <= to && o.end_date >= from,
    )?;
    if dates.is_empty() {
        return Ok(single);
    }
    let mut all = single;
    all.extend(dates);
    all.sort_by(|a, b| {
        (&a.start_date, &a.start_time, a.id).cmp(&(&b.start_date, &b.start_time, b.id))
    });
    Ok(all)
}

/// Turns what was typed into an FTS5 query: every word must match, the last
/// (and each) as a prefix. Quotes keep FTS5 syntax in the text from mattering.
fn fts_query(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\"*"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Events whose title, description, speakers or venue contain every word
/// typed (each as a prefix: "rall" finds "rally"), best matches first, at most `limit`.
pub fn search(db: &Database, text: &str, limit: u32) -> Result<Vec<Event>> {
    let query = fts_query(text);
    if query.is_empty() {
        return Ok(Vec::new());
    }
    query_events(
        db,
        &select_sql(
            "JOIN (SELECT rowid AS hit, rank FROM event_search WHERE event_search MATCH ?1 ORDER BY rank LIMIT ?2) f
               ON f.hit = e.id ORDER BY f.rank",
        ),
        rusqlite::params![query, limit.clamp(1, 500)],
    )
}
