//! Saving and reading events: validation of what an organizer typed, drafts
//! saved as typed, and the status changes (announce, reschedule, postpone,
//! cancel, change of venue) that each leave a line of history once anyone
//! was told about the event (a draft's edits leave none). The search
//! index of an event is refreshed in the same transaction as the event.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::history::{self, HistoryEntry, HistoryKind};
use super::index;
use super::typed::{read_date, read_time, DateRules};
use super::venues::{check_len, get_venue, speakers_of, Venue};
use super::{
    Attendance, Event, EventInput, EventKind, EventStatus, StopOverrides, Tour,
    MAX_DESCRIPTION_BYTES, MAX_LINE_BYTES, MAX_SPEAKERS, MAX_TAGS, MAX_TAG_BYTES, MAX_TEXT_BYTES,
    MAX_WHEN_BYTES,
};
use crate::clock::now_text;
use crate::db::Database;
use crate::db::Tx;
use crate::error::{Error, FieldProblem, Result};

/// A new date for an event, as typed: see [`EventInput`] for the rules.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct When {
    pub start_date: String,
    pub start_time: String,
    pub end_date: String,
    pub end_time: String,
    pub all_day: bool,
}

impl When {
    /// The event moved to `date`, as `event reschedule ID --date D [--time T]
    /// [--end-time E]` asks: what is not given is kept — the start time, and
    /// the length (an event of several days keeps its days; a new start time
    /// without an end time keeps the event as long as it was). The result is
    /// read and checked by [`reschedule`], like the window's form.
    pub fn moved(e: &Event, date: &str, time: Option<&str>, end_time: Option<&str>) -> When {
        let date = date.trim().to_owned();
        let days = match (parse_date(&e.start_date), parse_date(&e.end_date)) {
            (Ok(a), Ok(b)) => a.until(b).ok().map(|span| span.get_days()).unwrap_or(0),
            _ => 0,
        };
        let end_date = |d: &str| match parse_date(d) {
            Ok(d) if days > 0 => d
                .checked_add(i64::from(days).days())
                .map(|x| x.to_string())
                .unwrap_or_default(),
            _ => String::new(),
        };
        if e.all_day {
            return When {
                end_date: end_date(&date),
                start_date: date,
                all_day: true,
                ..Default::default()
            };
        }
        let start_time = time
            .map(|t| t.trim().to_owned())
            .unwrap_or_else(|| e.start_time.clone());
        let (end_date, end_time) = match end_time {
            Some(t) => (String::new(), t.trim().to_owned()),
            None => {
                let old_end_date = if e.end_date.is_empty() {
                    &e.start_date
                } else {
                    &e.end_date
                };
                let old = (
                    parse_date(&e.start_date),
                    read_time(&e.start_time),
                    parse_date(old_end_date),
                    read_time(&e.end_time),
                );
                let new = (parse_date(&date), read_time(start_time.trim()));
                match (time, old, new) {
                    // Keep the length: the old start to end, from the new start.
                    (Some(_), (Ok(sd), Ok(st), Ok(ed), Ok(et)), (Ok(nd), Ok(nt))) => {
                        let length = sd.to_datetime(st).until(ed.to_datetime(et)).ok();
                        match length.and_then(|l| nd.to_datetime(nt).checked_add(l).ok()) {
                            Some(end) if end.date() != nd => {
                                (end.date().to_string(), hh_mm(end.time()))
                            }
                            Some(end) => (String::new(), hh_mm(end.time())),
                            None => (end_date(&date), e.end_time.clone()),
                        }
                    }
                    _ => (end_date(&date), e.end_time.clone()),
                }
            }
        };
        When {
            start_date: date,
            start_time,
            end_date,
            end_time,
            all_day: false,
        }
    }
}

/// An input that passed the checks, with its instants worked out.
pub(crate) struct Checked {
    pub input: EventInput,
    pub start_at: Option<Timestamp>,
    pub end_at: Option<Timestamp>,
}

fn problem(problems: &mut Vec<FieldProblem>, field: &str, message: impl Into<String>) {
    problems.push(FieldProblem {
        field: field.to_owned(),
        message: message.into(),
    });
}

fn parse_date(text: &str) -> std::result::Result<Date, String> {
    let shaped = text.len() == 10
        && text.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(format!(
            "“{text}” is not a date. Write it as YYYY-MM-DD, such as 2027-01-25."
        ));
    }
    text.parse::<Date>().map_err(|_| {
        format!("{text} is not a day on the calendar (that month has fewer days). Check the date.")
    })
}

/// A time as stored: HH:MM on the 24-hour clock.
fn hh_mm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// Checks a time zone name against the bundled time zone database.
pub(crate) fn parse_zone(text: &str) -> std::result::Result<TimeZone, String> {
    if text.trim().is_empty() {
        return Err("Choose the event's time zone, such as America/New_York.".into());
    }
    TimeZone::get(text.trim()).map_err(|_| {
        format!("“{text}” is not a time zone Handbill knows. Use an IANA name such as America/New_York or Europe/Paris.")
    })
}

fn check_link(problems: &mut Vec<FieldProblem>, field: &str, text: &str) {
    if text.is_empty() {
        return;
    }
    match url::Url::parse(text) {
        Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host_str().is_some() => {}
        _ => problem(
            problems,
            field,
            format!("“{text}” is not a web address. Give a full link starting with https://."),
        ),
    }
}

/// Trims what was typed, drops empty tags and reading-list lines.
fn tidy(mut input: EventInput) -> EventInput {
    for s in [
        &mut input.title,
        &mut input.start_date,
        &mut input.start_time,
        &mut input.end_date,
        &mut input.end_time,
        &mut input.time_zone,
        &mut input.room,
        &mut input.online_link,
        &mut input.hosts,
        &mut input.links.event_page,
        &mut input.links.rsvp,
        &mut input.links.donate,
        &mut input.cosponsor_call.contact,
    ] {
        *s = s.trim().to_owned();
    }
    let mut seen = std::collections::HashSet::new();
    input.tags = input
        .tags
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty() && seen.insert(t.to_lowercase()))
        .collect();
    for r in &mut input.reading_list {
        r.title = r.title.trim().to_owned();
        r.author = r.author.trim().to_owned();
        r.link = r.link.trim().to_owned();
    }
    input
        .reading_list
        .retain(|r| !(r.title.is_empty() && r.author.is_empty() && r.link.is_empty()));
    for t in &mut input.translations {
        t.language = t.language.trim().to_owned();
        if let Ok(tag) = language_tags::LanguageTag::parse(&t.language) {
            t.language = tag.to_string();
        }
        t.title = t.title.trim().to_owned();
    }
    input.translations.retain(|t| {
        !(t.language.is_empty() && t.title.is_empty() && t.description.trim().is_empty())
    });
    if input.all_day {
        input.start_time.clear();
        input.end_time.clear();
    }
    input
}

/// Works out the instants of the dates typed. Problems name the field.
fn instants(
    input: &mut EventInput,
    problems: &mut Vec<FieldProblem>,
    rules: &DateRules,
) -> Option<(Timestamp, Timestamp)> {
    let zone = match parse_zone(&input.time_zone) {
        Ok(z) => Some(z),
        Err(m) => {
            problem(problems, "time_zone", m);
            None
        }
    };
    if input.start_date.is_empty() {
        if input.tour_id.is_none() {
            problem(
                problems,
                "start_date",
                "An event needs a date. Only a tour stop may have its date announced later.",
            );
        } else if !input.end_date.is_empty() || !input.start_time.is_empty() {
            problem(problems, "start_date", "Give the start date too, or leave the date and times empty while the date is to be announced.");
        }
        return None;
    }
    // Read as typed ("Thu Dec 10", "12/10"), kept as YYYY-MM-DD.
    let start_date = read_date(&input.start_date, rules)
        .map_err(|m| problem(problems, "start_date", m))
        .ok();
    if let Some(d) = start_date {
        input.start_date = d.to_string();
    }
    let end_date = if input.end_date.is_empty() {
        start_date
    } else {
        let d = read_date(&input.end_date, rules)
            .map_err(|m| problem(problems, "end_date", m))
            .ok();
        if let Some(d) = d {
            input.end_date = d.to_string();
        }
        d
    };
    let (start_time, end_time) = if input.all_day {
        (Some(Time::midnight()), Some(Time::midnight()))
    } else {
        let start_time = if input.start_time.is_empty() {
            problem(
                problems,
                "start_time",
                "Give a start time (HH:MM), or mark the event as all day.",
            );
            None
        } else {
            let t = read_time(&input.start_time)
                .map_err(|m| problem(problems, "start_time", m))
                .ok();
            if let Some(t) = t {
                input.start_time = hh_mm(t);
            }
            t
        };
        let end_time = if input.end_time.is_empty() {
            start_time
        } else {
            let t = read_time(&input.end_time)
                .map_err(|m| problem(problems, "end_time", m))
                .ok();
            if let Some(t) = t {
                input.end_time = hh_mm(t);
            }
            t
        };
        (start_time, end_time)
    };
    let (zone, sd, ed, st, et) = (zone?, start_date?, end_date?, start_time?, end_time?);
    let start = sd.to_datetime(st).to_zoned(zone.clone()).ok()?;
    let end = if input.all_day {
        let next = ed.checked_add(1.day()).ok()?;
        next.to_datetime(Time::midnight()).to_zoned(zone).ok()?
    } else {
        ed.to_datetime(et).to_zoned(zone).ok()?
    };
    if end.timestamp() < start.timestamp() || (input.all_day && ed < sd) {
        let field = if ed != sd { "end_date" } else { "end_time" };
        problem(
            problems,
            field,
            "The event ends before it starts. Check the end date and time.",
        );
        return None;
    }
    input.start_date = sd.to_string();
    input.end_date = ed.to_string();
    if !input.all_day {
        input.start_time = st.strftime("%H:%M").to_string();
        input.end_time = et.strftime("%H:%M").to_string();
    }
    input.time_zone = input.time_zone.trim().to_owned();
    Some((start.timestamp(), end.timestamp()))
}

/// Checks that the venue, speakers and tour an input points to exist.
fn check_references(
    db: &Database,
    input: &EventInput,
    problems: &mut Vec<FieldProblem>,
) -> Result<()> {
    if let Some(id) = input.venue_id {
        if !exists(db, "venue", id)? {
            problem(problems, "venue_id", format!("There is no venue number {id}. Choose a venue from the list, or leave the location to be decided."));
        }
    }
    // Over the limit, check_lengths says so; looking each one up would only take long.
    for id in input.speaker_ids.iter().take(super::MAX_SPEAKERS + 1) {
        if !exists(db, "speaker", *id)? {
            problem(
                problems,
                "speaker_ids",
                format!("There is no speaker number {id}. Choose speakers from the list."),
            );
        }
    }
    if let Some(id) = input.tour_id {
        if !exists(db, "tour", id)? {
            problem(
                problems,
                "tour_id",
                format!("There is no tour number {id}."),
            );
        }
    }
    Ok(())
}

fn exists(db: &Database, table: &str, id: i64) -> Result<bool> {
    Ok(db
        .conn()
        .prepare_cached(&format!(
            "SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"
        ))?
        .query_row([id], |r| r.get(0))?)
}

fn check_lengths(input: &EventInput, problems: &mut Vec<FieldProblem>) {
    check_len(
        problems,
        "description",
        &input.description,
        MAX_DESCRIPTION_BYTES,
    );
    for (field, text) in [
        ("start_date", &input.start_date),
        ("start_time", &input.start_time),
        ("end_date", &input.end_date),
        ("end_time", &input.end_time),
        ("time_zone", &input.time_zone),
    ] {
        check_len(problems, field, text, MAX_WHEN_BYTES);
    }
    for (field, text) in [
        ("title", &input.title),
        ("room", &input.room),
        ("online_link", &input.online_link),
        ("hosts", &input.hosts),
        ("links.event_page", &input.links.event_page),
        ("links.rsvp", &input.links.rsvp),
        ("links.donate", &input.links.donate),
        ("cosponsor_call.contact", &input.cosponsor_call.contact),
    ] {
        check_len(problems, field, text, MAX_LINE_BYTES);
    }
    if input.no_room && !input.room.is_empty() {
        problem(
            problems,
            "room",
            format!(
                "The event is marked as having no room, yet its room is “{}”. Clear the room, or untick “No room”.",
                input.room
            ),
        );
    }
    for (field, text) in [
        ("accessibility", &input.accessibility),
        ("rules", &input.rules),
        ("cosponsor_call.text", &input.cosponsor_call.text),
    ] {
        check_len(problems, field, text, MAX_TEXT_BYTES);
    }
    if input.tags.len() > MAX_TAGS || input.tags.iter().any(|t| t.len() > MAX_TAG_BYTES) {
        problem(
            problems,
            "tags",
            format!("Keep to {MAX_TAGS} tags of at most {MAX_TAG_BYTES} characters each."),
        );
    }
    if input.reading_list.len() > 200 {
        problem(
            problems,
            "reading_list",
            "Keep the reading list to 200 entries.",
        );
    }
    if input.speaker_ids.len() > MAX_SPEAKERS {
        problem(
            problems,
            "speaker_ids",
            format!(
                "An event has at most {MAX_SPEAKERS} speakers; this one has {}.",
                input.speaker_ids.len()
            ),
        );
    }
    check_translations(input, problems);
    for (i, r) in input.reading_list.iter().enumerate() {
        check_len(
            problems,
            &format!("reading_list[{i}].title"),
            &r.title,
            MAX_LINE_BYTES,
        );
        check_len(
            problems,
            &format!("reading_list[{i}].author"),
            &r.author,
            MAX_LINE_BYTES,
        );
        check_len(
            problems,
            &format!("reading_list[{i}].link"),
            &r.link,
            MAX_LINE_BYTES,
        );
    }
    // A NUL in any other field (tags, a translation's language, …).
    crate::db::outside::add_nul_problem(problems, input);
}

/// Each translation needs a valid language tag, used once, and fields within
/// the limits of the event's own title and description. Checked for drafts
/// too: a translation is typed in the same form and autosaved with it.
fn check_translations(input: &EventInput, problems: &mut Vec<FieldProblem>) {
    if input.translations.len() > 50 {
        problem(problems, "translations", "Keep to 50 translations.");
        return;
    }
    let mut seen: Vec<String> = Vec::new();
    for (i, t) in input.translations.iter().enumerate() {
        let field = format!("translations[{i}].language");
        if t.language.is_empty() {
            problem(
                problems,
                &field,
                "Choose the translation's language, such as es for Spanish.",
            );
        } else {
            match language_tags::LanguageTag::parse(&t.language) {
                Ok(tag) if t.language.len() <= 35 => {
                    let key = tag.to_string().to_lowercase();
                    if seen.contains(&key) {
                        problem(problems, &field, format!("There is already a translation in “{}”. Keep one translation per language.", t.language));
                    }
                    seen.push(key);
                }
                _ => problem(
                    problems,
                    &field,
                    format!(
                        "“{}” is not a language code. Use a code such as es, fr or pt-BR.",
                        t.language.chars().take(40).collect::<String>()
                    ),
                ),
            }
        }
        check_len(
            problems,
            &format!("translations[{i}].title"),
            &t.title,
            MAX_LINE_BYTES,
        );
        check_len(
            problems,
            &format!("translations[{i}].description"),
            &t.description,
            MAX_DESCRIPTION_BYTES,
        );
    }
}

/// Full validation, as announcing or updating an event needs: every problem is
/// reported at once, each naming its field.
pub fn validate(db: &Database, input: EventInput) -> Result<EventInput> {
    check(db, input, true).map(|c| c.input)
}

pub(crate) fn check(db: &Database, input: EventInput, strict: bool) -> Result<Checked> {
    let mut input = tidy(input);
    // A tour's stop left untitled or without a zone takes the tour's.
    if let Some(tour_id) = input.tour_id {
        if input.title.is_empty() || input.time_zone.is_empty() {
            if let Ok(tour) = get_tour_only(db, tour_id) {
                if input.title.is_empty() {
                    input.title = tour.title;
                }
                if input.time_zone.is_empty() {
                    input.time_zone = tour.time_zone;
                }
            }
        }
    }
    let mut problems = Vec::new();
    check_lengths(&input, &mut problems);
    check_references(db, &input, &mut problems)?;
    let rules = DateRules::for_branch(crate::branch::get(db)?.as_ref());
    if !strict {
        // A draft keeps what was typed; instants are filled in when the dates are good.
        if !problems.is_empty() {
            return Err(Error::invalid(problems));
        }
        let mut scratch = Vec::new();
        let mut typed = input.clone();
        let at = instants(&mut typed, &mut scratch, &rules);
        if scratch.is_empty() {
            input = typed;
        }
        return Ok(Checked {
            input,
            start_at: at.map(|a| a.0),
            end_at: at.map(|a| a.1),
        });
    }
    if input.title.is_empty() {
        problem(&mut problems, "title", "An event needs a title.");
    }
    let at = instants(&mut input, &mut problems, &rules);
    check_link(&mut problems, "online_link", &input.online_link);
    check_link(&mut problems, "links.event_page", &input.links.event_page);
    check_link(&mut problems, "links.rsvp", &input.links.rsvp);
    check_link(&mut problems, "links.donate", &input.links.donate);
    for (i, r) in input.reading_list.iter().enumerate() {
        check_link(&mut problems, &format!("reading_list[{i}].link"), &r.link);
    }
    if input.attendance != Attendance::InPerson && input.online_link.is_empty() {
        problem(
            &mut problems,
            "online_link",
            "An online or hybrid event needs the link people join with.",
        );
    }
    if !problems.is_empty() {
        return Err(Error::invalid(problems));
    }
    Ok(Checked {
        input,
        start_at: at.map(|a| a.0),
        end_at: at.map(|a| a.1),
    })
}

const COLUMNS: &str = "e.id, e.uid, e.sequence, e.title, e.kind, e.status, e.description,
    e.start_date, e.start_time, e.end_date, e.end_time, e.time_zone, e.all_day, e.start_at, e.end_at,
    e.room, e.online_link, e.attendance, e.hosts, e.reading_list, e.accessibility, e.rules, e.links,
    e.tags, e.cosponsor_call, e.tour_id, e.override_title, e.override_description, e.override_speakers,
    e.created_at, e.updated_at,
    v.id, v.name, v.room, v.address, v.city, v.accessibility, e.translations,
    e.override_hosts, e.override_time_zone, e.no_room,
    s.freq, s.interval, s.nth, s.until";

/// The SELECT that reads events; callers add WHERE and ORDER BY.
pub(crate) fn select_sql(rest: &str) -> String {
    format!(
        "SELECT {COLUMNS} FROM event e LEFT JOIN venue v ON v.id = e.venue_id
         LEFT JOIN series s ON s.event_id = e.id {rest}"
    )
}

fn json<T: serde::de::DeserializeOwned + Default>(r: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    let text: String = r.get(i)?;
    Ok(serde_json::from_str(&text).unwrap_or_default())
}

/// Reads an event row of [`select_sql`], without its speakers.
pub(crate) fn read_row(r: &Row<'_>) -> rusqlite::Result<Event> {
    let kind: String = r.get(4)?;
    let status: String = r.get(5)?;
    let attendance: String = r.get(17)?;
    let venue_id: Option<i64> = r.get(31)?;
    Ok(Event {
        id: r.get(0)?,
        uid: r.get(1)?,
        sequence: r.get(2)?,
        title: r.get(3)?,
        kind: EventKind::parse(&kind).unwrap_or(EventKind::Other),
        status: EventStatus::parse(&status).unwrap_or_default(),
        description: r.get(6)?,
        start_date: r.get(7)?,
        start_time: r.get(8)?,
        end_date: r.get(9)?,
        end_time: r.get(10)?,
        time_zone: r.get(11)?,
        all_day: r.get(12)?,
        start_at: r.get(13)?,
        end_at: r.get(14)?,
        room: r.get(15)?,
        no_room: r.get(40)?,
        online_link: r.get(16)?,
        attendance: Attendance::parse(&attendance).unwrap_or_default(),
        hosts: r.get(18)?,
        reading_list: json(r, 19)?,
        accessibility: r.get(20)?,
        rules: r.get(21)?,
        links: json(r, 22)?,
        tags: json(r, 23)?,
        cosponsor_call: json(r, 24)?,
        tour_id: r.get(25)?,
        overrides: StopOverrides {
            title: r.get(26)?,
            description: r.get(27)?,
            speakers: r.get(28)?,
            hosts: r.get(38)?,
            time_zone: r.get(39)?,
        },
        created_at: r.get(29)?,
        updated_at: r.get(30)?,
        venue: match venue_id {
            Some(id) => Some(Venue {
                id,
                name: r.get(32)?,
                room: r.get(33)?,
                address: r.get(34)?,
                city: r.get(35)?,
                accessibility: r.get(36)?,
            }),
            None => None,
        },
        speakers: Vec::new(),
        translations: json(r, 37)?,
        series: match r.get::<_, Option<String>>(41)? {
            Some(freq) => {
                let rule =
                    super::series::rule_of(&freq, r.get(42)?, r.get(43)?, &r.get::<_, String>(44)?);
                let start_date: String = r.get(7)?;
                start_date
                    .parse::<jiff::civil::Date>()
                    .ok()
                    .map(|first| super::series::words(&rule, first))
            }
            None => None,
        },
    })
}

/// Events matching a query of [`select_sql`], with their speakers.
pub(crate) fn query_events(
    db: &Database,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Event>> {
    let mut stmt = db.conn().prepare_cached(sql)?;
    let mut events = stmt
        .query_map(params, read_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if events.len() == 1 {
        events[0].speakers = speakers_of(db, "event_speaker", "event_id", events[0].id)?;
        return Ok(events);
    }
    // Many events (an export of everything upcoming): their speakers in one
    // query rather than one query per event.
    let ids = serde_json::to_string(&events.iter().map(|e| e.id).collect::<Vec<_>>())
        .map_err(|e| Error::internal(e.to_string()))?;
    let mut by_event: std::collections::HashMap<i64, Vec<super::Speaker>> =
        std::collections::HashMap::new();
    let mut stmt = db.conn().prepare_cached(
        "SELECT x.event_id, s.id, s.name, s.affiliation, s.credit
           FROM event_speaker x JOIN speaker s ON s.id = x.speaker_id
          WHERE x.event_id IN (SELECT value FROM json_each(?1))
          ORDER BY x.event_id, x.position",
    )?;
    let rows = stmt.query_map([ids], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            super::Speaker {
                id: r.get(1)?,
                name: r.get(2)?,
                affiliation: r.get(3)?,
                credit: r.get(4)?,
            },
        ))
    })?;
    for row in rows {
        let (event_id, speaker) = row?;
        by_event.entry(event_id).or_default().push(speaker);
    }
    for e in &mut events {
        e.speakers = by_event.remove(&e.id).unwrap_or_default();
    }
    Ok(events)
}

/// One event.
pub fn get(db: &Database, id: i64) -> Result<Event> {
    query_events(db, &select_sql("WHERE e.id = ?1"), [id])?
        .pop()
        .ok_or_else(|| Error::not_found(format!("There is no event number {id}.")))
}

fn new_uid() -> String {
    format!("{}@handbill", uuid::Uuid::new_v4())
}

/// A tour without its stops.
pub(crate) fn get_tour_only(db: &Database, id: i64) -> Result<Tour> {
    let tour = db
        .conn()
        .prepare_cached("SELECT id, title, description, hosts, tags, created_at, updated_at, time_zone FROM tour WHERE id = ?1")?
        .query_row([id], |r| {
            let tags: String = r.get(4)?;
            Ok(Tour {
                id: r.get(0)?,
                title: r.get(1)?,
                description: r.get(2)?,
                hosts: r.get(3)?,
                tags: serde_json::from_str(&tags).unwrap_or_default(),
                created_at: r.get(5)?,
                updated_at: r.get(6)?,
                time_zone: r.get(7)?,
                speakers: Vec::new(),
            })
        })
        .optional()?
        .ok_or_else(|| Error::not_found(format!("There is no tour number {id}.")))?;
    Ok(Tour {
        speakers: speakers_of(db, "tour_speaker", "tour_id", id)?,
        ..tour
    })
}

/// The fields a stop shares with its tour, to tell which ones the stop overrides.
fn overrides_for(db: &Database, input: &EventInput) -> Result<StopOverrides> {
    let Some(tour_id) = input.tour_id else {
        return Ok(StopOverrides::default());
    };
    let tour = get_tour_only(db, tour_id)?;
    Ok(StopOverrides {
        title: input.title != tour.title,
        description: input.description != tour.description,
        speakers: input.speaker_ids != tour.speakers.iter().map(|s| s.id).collect::<Vec<_>>(),
        hosts: input.hosts != tour.hosts,
        time_zone: input.time_zone != tour.time_zone,
    })
}

/// Writes an event row (new when `id` is None) and its speakers; no history.
pub(crate) fn write(
    db: &Database,
    id: Option<i64>,
    c: &Checked,
    status: EventStatus,
    uid: Option<&str>,
) -> Result<i64> {
    let i = &c.input;
    let o = overrides_for(db, i)?;
    let at = now_text();
    let start_at = c.start_at.map(|t| t.to_string());
    let end_at = c.end_at.map(|t| t.to_string());
    let (reading_list, links, tags, cosponsor_call, translations) = (
        to_json(&i.reading_list),
        to_json(&i.links),
        to_json(&i.tags),
        to_json(&i.cosponsor_call),
        to_json(&i.translations),
    );
    let values = params![
        i.title,
        i.kind.as_str(),
        status.as_str(),
        i.description,
        i.start_date,
        i.start_time,
        i.end_date,
        i.end_time,
        i.time_zone,
        i.all_day,
        start_at,
        end_at,
        i.venue_id,
        i.room,
        i.online_link,
        i.attendance.as_str(),
        i.hosts,
        reading_list,
        i.accessibility,
        i.rules,
        links,
        tags,
        cosponsor_call,
        i.tour_id,
        o.title,
        o.description,
        o.speakers,
        at,
        translations,
        o.hosts,
        o.time_zone,
        i.no_room,
    ];
    let id = match id {
        Some(id) => {
            db.conn().execute(
                "UPDATE event SET title = ?1, kind = ?2, status = ?3, description = ?4, start_date = ?5,
                    start_time = ?6, end_date = ?7, end_time = ?8, time_zone = ?9, all_day = ?10,
                    start_at = ?11, end_at = ?12, venue_id = ?13, room = ?14, online_link = ?15,
                    attendance = ?16, hosts = ?17, reading_list = ?18, accessibility = ?19, rules = ?20,
                    links = ?21, tags = ?22, cosponsor_call = ?23, tour_id = ?24, override_title = ?25,
                    override_description = ?26, override_speakers = ?27, updated_at = ?28,
                    translations = ?29, override_hosts = ?30, override_time_zone = ?31, no_room = ?32
                 WHERE id = ?33",
                rusqlite::params_from_iter(values.iter().copied().chain([&id as &dyn rusqlite::ToSql])),
            )?;
            id
        }
        None => {
            let uid = uid.map(str::to_owned).unwrap_or_else(new_uid);
            db.conn().execute(
                "INSERT INTO event (title, kind, status, description, start_date, start_time, end_date,
                    end_time, time_zone, all_day, start_at, end_at, venue_id, room, online_link, attendance,
                    hosts, reading_list, accessibility, rules, links, tags, cosponsor_call, tour_id,
                    override_title, override_description, override_speakers, updated_at, created_at, translations,
                    override_hosts, override_time_zone, no_room, uid)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                    ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?28, ?29, ?30, ?31, ?32, ?33)",
                rusqlite::params_from_iter(values.iter().copied().chain([&uid as &dyn rusqlite::ToSql])),
            )?;
            db.conn().last_insert_rowid()
        }
    };
    set_speakers(db, "event_speaker", "event_id", id, &i.speaker_ids)?;
    index::reindex(db, id)?;
    Ok(id)
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

pub(crate) fn set_speakers(
    db: &Database,
    table: &str,
    owner: &str,
    id: i64,
    speakers: &[i64],
) -> Result<()> {
    db.conn()
        .prepare_cached(&format!("DELETE FROM {table} WHERE {owner} = ?1"))?
        .execute([id])?;
    let mut insert = db.conn().prepare_cached(&format!(
        "INSERT INTO {table} ({owner}, speaker_id, position) VALUES (?1, ?2, ?3)"
    ))?;
    for (position, speaker) in speakers.iter().enumerate() {
        insert.execute(params![id, speaker, position as i64])?;
    }
    Ok(())
}

/// Saves a new event as a draft, after full validation.
pub fn create(db: &Database, input: EventInput) -> Result<Event> {
    let checked = check(db, input, true)?;
    let tx = Tx::begin(db)?;
    let id = write(db, None, &checked, EventStatus::Draft, None)?;
    tx.commit()?;
    get(db, id)
}

/// Saves a draft as typed, so the window can autosave while the organizer types:
/// only lengths and references are checked; dates that are not dates yet are
/// kept as text and the event has no instants until they are. `id` None creates
/// a new draft. An event that is no longer a draft is refused: use [`update`].
pub fn save_draft(db: &Database, id: Option<i64>, input: EventInput) -> Result<Event> {
    if let Some(id) = id {
        let existing = get(db, id)?;
        if existing.status != EventStatus::Draft {
            return Err(Error::invalid_field(
                "status",
                "This event has been announced, so changes are checked before they are saved. Save it with update.",
            ));
        }
    }
    let checked = check(db, input, false)?;
    let tx = Tx::begin(db)?;
    let id = write(db, id, &checked, EventStatus::Draft, None)?;
    tx.commit()?;
    get(db, id)
}

/// How an event's date reads in its history ("2027-01-11 19:00–21:00 America/New_York").
pub(crate) fn when_text(e: &EventInput) -> String {
    if e.start_date.is_empty() {
        return "to be announced".into();
    }
    let mut s = e.start_date.clone();
    if !e.all_day {
        s.push(' ');
        s.push_str(&e.start_time);
    }
    if e.end_date != e.start_date || !e.all_day {
        s.push('–');
        if e.end_date != e.start_date {
            s.push_str(&e.end_date);
            if !e.all_day {
                s.push(' ');
            }
        }
        if !e.all_day {
            s.push_str(&e.end_time);
        }
    }
    format!("{s} {}", e.time_zone)
}

pub(crate) fn venue_text(db: &Database, venue_id: Option<i64>, room: &str) -> Result<String> {
    let name = match venue_id {
        Some(id) => get_venue(db, id)?.name,
        None => "to be decided".into(),
    };
    Ok(if room.is_empty() {
        name
    } else {
        format!("{name}, {room}")
    })
}

/// Saves changes to an event after full validation. Once someone has been
/// told about the event (see [`history::told_anyone`]), a change of date or
/// venue is kept in the history; once announced, it raises the calendar
/// sequence. Edits to a draft nobody was told about make no history.
pub fn update(db: &Database, id: i64, input: EventInput) -> Result<Event> {
    update_with_reason(db, id, input, "")
}

/// [`update`], with the reason a change of date or place is kept with (an
/// imported file's own history gives one).
pub(crate) fn update_with_reason(
    db: &Database,
    id: i64,
    input: EventInput,
    reason: &str,
) -> Result<Event> {
    let old = get(db, id)?;
    let checked = check(db, input, true)?;
    check_reason(reason)?;
    let tx = Tx::begin(db)?;
    record_changes(db, &old, &checked.input, reason.trim())?;
    write(db, Some(id), &checked, old.status, None)?;
    tx.commit()?;
    get(db, id)
}

/// Moves a stop that follows its tour's zone to the tour's new zone, keeping
/// its local dates and times: its instants are worked out again and, as for
/// any change of date, the history and sequence say so once people were told.
pub(crate) fn follow_zone(db: &Database, id: i64, zone: &str) -> Result<()> {
    let old = get(db, id)?;
    let mut input = old.to_input();
    input.time_zone = zone.to_owned();
    let checked = check(db, input, old.status != EventStatus::Draft)?;
    record_changes(db, &old, &checked.input, "")?;
    write(db, Some(id), &checked, old.status, None)?;
    Ok(())
}

/// Records a change of date or venue between `old` and `new` — in the history
/// only once someone was told about the event; raises the sequence of an
/// announced event. Returns whether the date or the place changed.
fn record_changes(db: &Database, old: &Event, new: &EventInput, reason: &str) -> Result<bool> {
    let before = old.to_input();
    let told = history::told_anyone(db, old.id, old.status)?;
    let mut changed = false;
    let (old_when, new_when) = (when_text(&before), when_text(new));
    if old_when != new_when {
        if told {
            history::record(db, old.id, HistoryKind::Date, &old_when, &new_when, reason)?;
        }
        changed = true;
    }
    let old_venue = venue_text(db, before.venue_id, &before.room)?;
    let new_venue = venue_text(db, new.venue_id, &new.room)?;
    if old_venue != new_venue {
        if told {
            history::record(
                db,
                old.id,
                HistoryKind::Venue,
                &old_venue,
                &new_venue,
                reason,
            )?;
        }
        changed = true;
    }
    if changed && old.status != EventStatus::Draft {
        bump_sequence(db, old.id)?;
    }
    Ok(changed)
}

fn bump_sequence(db: &Database, id: i64) -> Result<()> {
    db.conn().execute(
        "UPDATE event SET sequence = sequence + 1 WHERE id = ?1",
        [id],
    )?;
    Ok(())
}

fn set_status(db: &Database, e: &Event, status: EventStatus, reason: &str) -> Result<()> {
    db.conn().execute(
        "UPDATE event SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![e.id, status.as_str(), now_text()],
    )?;
    history::record(
        db,
        e.id,
        HistoryKind::Status,
        e.status.as_str(),
        status.as_str(),
        reason,
    )?;
    Ok(())
}

/// Announces a draft (or a postponed event again) after full validation.
pub fn announce(db: &Database, id: i64) -> Result<Event> {
    let e = get(db, id)?;
    if !matches!(e.status, EventStatus::Draft | EventStatus::Postponed) {
        return Err(Error::invalid_field(
            "status",
            format!(
                "This event is already {}; only a draft or a postponed event can be announced.",
                e.status.as_str()
            ),
        ));
    }
    let checked = check(db, e.to_input(), true)?;
    let tx = Tx::begin(db)?;
    write(db, Some(id), &checked, e.status, None)?;
    set_status(db, &e, EventStatus::Announced, "")?;
    if e.status != EventStatus::Draft {
        bump_sequence(db, id)?;
    }
    tx.commit()?;
    get(db, id)
}

/// Moves an event to a new date, keeping the old one and the reason in its
/// history ("cancelled due to the storm") once anyone was told about it. An
/// event people were told about (announced, or emailed while a draft) becomes
/// `rescheduled` and its calendar sequence rises, so calendars update it; a
/// draft nobody was told about stays a draft, with no history.
pub fn reschedule(db: &Database, id: i64, when: When, reason: &str) -> Result<Event> {
    let e = get(db, id)?;
    refuse_cancelled(&e, "rescheduled")?;
    let mut input = e.to_input();
    input.start_date = when.start_date;
    input.start_time = when.start_time;
    input.end_date = when.end_date;
    input.end_time = when.end_time;
    input.all_day = when.all_day;
    // Someone was told about it: it was announced, or emailed while a draft.
    let told = history::told_anyone(db, id, e.status)?;
    let strict = told;
    let checked = check(db, input, strict)?;
    if strict && checked.start_at.is_none() && e.tour_id.is_none() {
        return Err(Error::invalid_field("start_date", "Give the new date."));
    }
    check_reason(reason)?;
    let tx = Tx::begin(db)?;
    let old_when = when_text(&e.to_input());
    let new_when = when_text(&checked.input);
    if old_when == new_when {
        return Err(Error::invalid_field(
            "start_date",
            "That is the date the event already has. Give the new date.",
        ));
    }
    // A draft nobody was told about just takes its new date.
    if told {
        history::record(
            db,
            id,
            HistoryKind::Date,
            &old_when,
            &new_when,
            reason.trim(),
        )?;
    }
    let status = if told {
        EventStatus::Rescheduled
    } else {
        EventStatus::Draft
    };
    write(db, Some(id), &checked, e.status, None)?;
    if status != e.status {
        set_status(db, &e, status, reason.trim())?;
    }
    if told {
        bump_sequence(db, id)?;
    }
    tx.commit()?;
    get(db, id)
}

/// A cancelled event stays cancelled: it is not moved, postponed or
/// announced again (the window offers none of these once it is cancelled).
/// A new date is a new event: duplicate it.
fn refuse_cancelled(e: &Event, what: &str) -> Result<()> {
    if e.status == EventStatus::Cancelled {
        return Err(Error::invalid_field(
            "status",
            format!(
                "Event {} is cancelled, so it cannot be {what}. To hold it on another date, duplicate it as a new draft.",
                e.id
            ),
        ));
    }
    Ok(())
}

/// A reason kept in the history (reschedule, postpone, cancel, a change of venue).
fn check_reason(reason: &str) -> Result<()> {
    let mut problems = Vec::new();
    check_len(&mut problems, "reason", reason, MAX_TEXT_BYTES);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid(problems))
    }
}

fn change_status(db: &Database, id: i64, status: EventStatus, reason: &str) -> Result<Event> {
    let e = get(db, id)?;
    check_reason(reason)?;
    if e.status == status {
        return Err(Error::invalid_field(
            "status",
            format!("This event is already {}.", status.as_str()),
        ));
    }
    refuse_cancelled(&e, status.as_str())?;
    if e.status == EventStatus::Draft && status == EventStatus::Postponed {
        return Err(Error::invalid_field(
            "status",
            "A draft has not been announced, so it cannot be postponed. Change its date instead.",
        ));
    }
    let tx = Tx::begin(db)?;
    set_status(db, &e, status, reason.trim())?;
    if e.status != EventStatus::Draft {
        bump_sequence(db, id)?;
    }
    tx.commit()?;
    get(db, id)
}

/// Postpones an event until a new date is known; the reason is kept.
pub fn postpone(db: &Database, id: i64, reason: &str) -> Result<Event> {
    change_status(db, id, EventStatus::Postponed, reason)
}

/// Cancels an event; it stays, marked cancelled, with the reason in its history.
pub fn cancel(db: &Database, id: i64, reason: &str) -> Result<Event> {
    change_status(db, id, EventStatus::Cancelled, reason)
}

/// Moves an event to another venue (None: to be decided) and room, keeping
/// the old place and the reason in its history.
pub fn change_venue(
    db: &Database,
    id: i64,
    venue_id: Option<i64>,
    room: &str,
    reason: &str,
) -> Result<Event> {
    let e = get(db, id)?;
    refuse_cancelled(&e, "moved")?;
    let mut input = e.to_input();
    input.venue_id = venue_id;
    input.room = room.to_owned();
    check_reason(reason)?;
    let checked = check(db, input, e.status != EventStatus::Draft)?;
    let tx = Tx::begin(db)?;
    if !record_changes(db, &e, &checked.input, reason.trim())? {
        return Err(Error::invalid_field(
            "venue_id",
            "The event is already at that place.",
        ));
    }
    write(db, Some(id), &checked, e.status, None)?;
    tx.commit()?;
    get(db, id)
}

/// Copies an event as a new draft (new UID, no history), its dates moved by
/// `shift_days` days on the calendar of its time zone (28 for "the same
/// weekday four weeks later", 0 to keep them).
pub fn duplicate(db: &Database, id: i64, shift_days: i32) -> Result<Event> {
    let e = get(db, id)?;
    let mut input = e.to_input();
    if shift_days != 0 {
        for field in [&mut input.start_date, &mut input.end_date] {
            if let Ok(d) = parse_date(field) {
                let moved = d.checked_add(i64::from(shift_days).days()).map_err(|_| {
                    Error::invalid_field(
                        "shift_days",
                        "That moves the event off the calendar. Choose a smaller shift.",
                    )
                })?;
                *field = moved.to_string();
            }
        }
    }
    let checked = check(db, input, false)?;
    let tx = Tx::begin(db)?;
    let new_id = write(db, None, &checked, EventStatus::Draft, None)?;
    tx.commit()?;
    get(db, new_id)
}

/// Deletes an event and its history. Prefer [`cancel`] for an announced event:
/// people may have it in their calendars.
pub fn delete(db: &Database, id: i64) -> Result<()> {
    let tx = Tx::begin(db)?;
    db.conn()
        .execute("DELETE FROM event_search WHERE rowid = ?1", [id])?;
    if db.conn().execute("DELETE FROM event WHERE id = ?1", [id])? == 0 {
        return Err(Error::not_found(format!("There is no event number {id}.")));
    }
    tx.commit()?;
    Ok(())
}

/// The id of the event with this UID, if there is one.
pub(crate) fn id_by_uid(db: &Database, uid: &str) -> Result<Option<i64>> {
    Ok(db
        .conn()
        .prepare_cached("SELECT id FROM event WHERE uid = ?1 ORDER BY id LIMIT 1")?
        .query_row([uid], |r| r.get(0))
        .optional()?)
}

/// Saves a new draft with a given UID (the sample's fixed ones), after full validation.
pub(crate) fn create_with_uid(db: &Database, input: EventInput, uid: &str) -> Result<Event> {
    let checked = check(db, input, true)?;
    let tx = Tx::begin(db)?;
    let id = write(db, None, &checked, EventStatus::Draft, Some(uid))?;
    tx.commit()?;
    get(db, id)
}

/// An event's history, oldest first.
pub fn history(db: &Database, event_id: i64) -> Result<Vec<HistoryEntry>> {
    get(db, event_id)?;
    let mut stmt = db.conn().prepare_cached(
        "SELECT at, kind, old_value, new_value, reason FROM event_history WHERE event_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([event_id], |r| {
            let kind: String = r.get(1)?;
            Ok(HistoryEntry {
                at: r.get(0)?,
                kind: HistoryKind::parse(&kind).unwrap_or(HistoryKind::Status),
                old_value: r.get(2)?,
                new_value: r.get(3)?,
                reason: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
