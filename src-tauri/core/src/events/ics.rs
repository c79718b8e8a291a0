//! iCalendar (RFC 5545) export and import of events, so people can put an
//! event, a whole tour or every upcoming event into their calendar, and an
//! organizer can bring in events from another calendar as drafts.
//!
//! Reading uses the `icalendar` crate's parser; writing is Handbill's own (see
//! [`Lines`] for why), with a VTIMEZONE for each zone used, built from the
//! bundled time zone database. A malformed file is reported by its line.

use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use super::listing::{location_text, speaker_line};
use super::series::{self, Repeat, Series};
use super::store::{self, query_events, select_sql};
use super::venues::{find_or_create_venue, VenueInput};
use super::{Event, EventInput, EventLinks, EventStatus, MAX_LINE_BYTES};
use crate::db::Database;
use crate::db::Tx;
use crate::error::{Error, Result};

/// The largest calendar file Handbill imports.
pub const MAX_ICS_BYTES: usize = 20 * 1024 * 1024;

/// What a calendar file holds, as the window and the command line ask for
/// it: one event, a tour's dated stops, or (neither) every upcoming event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CalendarRequest {
    pub event_id: Option<i64>,
    pub tour_id: Option<i64>,
}

/// A calendar file made for a request: its text and how many events it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFile {
    pub text: String,
    pub events: usize,
}

/// The calendar file a request asks for (upcoming as of now): the one path
/// from "export to my calendar" to the file, for the window and
/// `handbill event export-ics`.
pub fn export(db: &Database, request: &CalendarRequest) -> Result<CalendarFile> {
    let text = match (request.event_id, request.tour_id) {
        (Some(id), _) => export_event(db, id)?,
        (None, Some(id)) => export_tour(db, id)?,
        (None, None) => export_upcoming(db, crate::clock::now())?,
    };
    // A moved date of a series is a VEVENT of its own, not another event.
    let events = text.matches("BEGIN:VEVENT").count() - text.matches("\r\nRECURRENCE-ID").count();
    Ok(CalendarFile { text, events })
}

/// One event as an iCalendar file.
pub fn export_event(db: &Database, id: i64) -> Result<String> {
    let events = [store::get(db, id)?];
    Ok(calendar(
        &events,
        "Handbill event",
        &series_of(db, &events)?,
    ))
}

/// The series among `events`, by event id.
fn series_of(db: &Database, events: &[Event]) -> Result<HashMap<i64, Series>> {
    let mut out = HashMap::new();
    for e in events.iter().filter(|e| e.series.is_some()) {
        if let Some(s) = series::get(db, e.id)? {
            out.insert(e.id, s);
        }
    }
    Ok(out)
}

/// A tour's dated public stops as one iCalendar file (stops to be announced
/// have no date yet, so they are left out until they do; drafts always).
pub fn export_tour(db: &Database, tour_id: i64) -> Result<String> {
    let t = super::tours::get_tour(db, tour_id)?;
    // Drafts never appear; cancelled stops carry STATUS:CANCELLED.
    let dated = |e: &Event| e.start_at.is_some();
    let any_dated = t.stops.iter().any(dated);
    let stops: Vec<Event> = t
        .stops
        .into_iter()
        .filter(super::public::is_public)
        .collect();
    if any_dated && !stops.iter().any(dated) {
        return Err(Error::invalid_field(
            "tour",
            "Every dated stop of this tour is still a draft, and drafts stay out of calendars. Announce a stop first.",
        ));
    }
    Ok(calendar(&stops, &t.tour.title, &HashMap::new()))
}

/// Every announced (or rescheduled, postponed, cancelled) event not over at
/// `now`, and every series with dates still to come (whole, with its rule).
/// Drafts are the organizers' own and stay out.
pub fn export_upcoming(db: &Database, now: Timestamp) -> Result<String> {
    let yesterday = now
        .to_zoned(TimeZone::UTC)
        .date()
        .checked_sub(1.day())
        .map(|d| d.to_string())
        .unwrap_or_default();
    let events = query_events(
        db,
        &select_sql(
            "WHERE (e.end_at > ?1 OR (s.id IS NOT NULL AND (s.until = '' OR s.until >= ?2)))
               AND e.status <> 'draft' ORDER BY e.start_at, e.id",
        ),
        [now.to_string(), yesterday],
    )?;
    let events: Vec<Event> = events
        .into_iter()
        .filter(super::public::is_public)
        .collect();
    Ok(calendar(
        &events,
        "Upcoming events",
        &series_of(db, &events)?,
    ))
}

fn ics_status(s: EventStatus) -> &'static str {
    match s {
        EventStatus::Announced | EventStatus::Rescheduled => "CONFIRMED",
        EventStatus::Draft | EventStatus::Postponed => "TENTATIVE",
        EventStatus::Cancelled => "CANCELLED",
    }
}

fn local_stamp(date: &str, time: &str) -> String {
    format!("{}T{}00", date.replace('-', ""), time.replace(':', ""))
}

fn utc_stamp(rfc3339: &str) -> String {
    // What Handbill stores ("2027-01-04T15:00:00Z", perhaps with fractions of a
    // second) becomes 20270104T150000Z without parsing; anything else is parsed.
    let b = rfc3339.as_bytes();
    if b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && rfc3339.ends_with('Z')
        && (b.len() == 20 || b[19] == b'.')
        && rfc3339.is_ascii()
    {
        let mut out = String::with_capacity(16);
        for range in [0..4, 5..7, 8..10] {
            out.push_str(&rfc3339[range]);
        }
        out.push('T');
        for range in [11..13, 14..16, 17..19] {
            out.push_str(&rfc3339[range]);
        }
        out.push('Z');
        return out;
    }
    rfc3339
        .parse::<Timestamp>()
        .map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

/// The text people read in their calendar: the description, then speakers,
/// hosts, links and accessibility.
fn description_text(e: &Event) -> String {
    let mut text = e.description.trim().to_owned();
    let mut extra = Vec::new();
    if !e.speakers.is_empty() {
        let names: Vec<String> = e.speakers.iter().map(speaker_line).collect();
        extra.push(format!("Speakers: {}", names.join("; ")));
    }
    if !e.hosts.is_empty() {
        extra.push(format!("Hosted by {}", e.hosts));
    }
    if !e.online_link.is_empty() {
        extra.push(format!("Join online: {}", e.online_link));
    }
    if !e.accessibility.is_empty() {
        extra.push(format!("Accessibility: {}", e.accessibility));
    }
    for (label, link) in [("RSVP", &e.links.rsvp), ("Donate", &e.links.donate)] {
        if !link.is_empty() {
            extra.push(format!("{label}: {link}"));
        }
    }
    if !extra.is_empty() {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&extra.join("\n"));
    }
    text
}

/// Writes iCalendar content lines. Handbill writes its calendars itself and
/// reads them with the `icalendar` crate's parser: the crate's writer gives
/// every component a DTSTAMP and a UID (which RFC 5545 forbids in a
/// VTIMEZONE), adds its own PRODID, and builds a map of owned properties for
/// each event, which made an export of 5,800 events take about 150 ms against
/// a budget of 100. What it did for us — escaping and folding — is here.
struct Lines {
    out: String,
}

impl Lines {
    /// `NAME;PARAMS:value`, the value written as given (dates, numbers, URIs),
    /// folded at 75 octets on character boundaries.
    fn raw(&mut self, head: &str, value: &str) {
        // Where the physical line being written starts in `out`.
        let mut line_start = self.out.len();
        for part in [head, ":", value] {
            // Most parts fit on the line as they are.
            if self.out.len() - line_start + part.len() <= 75 && !part.bytes().any(is_control) {
                self.out.push_str(part);
                continue;
            }
            for c in part.chars() {
                // A line break in a value that is not TEXT has no way to be
                // written, and RFC 5545 allows no other control character
                // (a NUL, an escape) but the tab in any value: drop them.
                if c.is_ascii() && is_control(c as u8) {
                    continue;
                }
                if self.out.len() - line_start + c.len_utf8() > 75 {
                    line_start = self.fold(line_start, c);
                }
                self.out.push(c);
            }
        }
        self.out.push_str("\r\n");
    }

    /// Breaks the line before `next`. Some readers strip white space at both
    /// ends of a physical line, not just the one space that marks a fold, so
    /// the break never stands next to a space or tab: it moves back to the
    /// nearest place between two visible characters. Answers where the new
    /// line starts.
    fn fold(&mut self, line_start: usize, next: char) -> usize {
        let blank = |c: char| c == ' ' || c == '\t';
        let line = &self.out[line_start..];
        let mut at = self.out.len();
        let mut after = next;
        for (i, before) in line.char_indices().rev() {
            if !blank(before) && !blank(after) {
                break;
            }
            after = before;
            at = line_start + i;
        }
        if at <= line_start + 1 {
            // A line of nothing but spaces: no better place than here.
            at = self.out.len();
        }
        self.out.insert_str(at, "\r\n ");
        at + 2
    }

    /// A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newline escaped.
    fn text(&mut self, head: &str, value: &str) {
        self.raw(head, &escape_text(value));
    }
}

/// The control characters RFC 5545 allows in no value (`CONTROL`: all but the tab).
fn is_control(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f
}

fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// The repeat rule of a series as an RRULE value. UNTIL is the last date's
/// start in UTC, as RFC 5545 requires with a DTSTART that names its zone (a
/// date for an all-day series).
fn rrule(e: &Event, s: &Series) -> Option<String> {
    let first = Date::from_str(&e.start_date).ok()?;
    let day = series::ics_day(first.weekday());
    let mut rule = match s.rule.repeat {
        Repeat::Never => return None,
        Repeat::Weekly => format!("FREQ=WEEKLY;BYDAY={day}"),
        Repeat::EveryOtherWeek => format!("FREQ=WEEKLY;INTERVAL=2;BYDAY={day}"),
        Repeat::MonthlyNth => format!("FREQ=MONTHLY;BYDAY={}{day}", s.rule.nth),
    };
    if let Some(until) = s.rule.until {
        if e.all_day {
            rule.push_str(&format!(";UNTIL={}", until.strftime("%Y%m%d")));
        } else {
            let zone = TimeZone::get(&e.time_zone).ok()?;
            let time = jiff::civil::Time::from_str(&format!("{}:00", e.start_time)).ok()?;
            let at = until.to_datetime(time).to_zoned(zone).ok()?.timestamp();
            rule.push_str(&format!(";UNTIL={}", at.strftime("%Y%m%dT%H%M%SZ")));
        }
    }
    Some(rule)
}

/// A date of a series as DTSTART, EXDATE and RECURRENCE-ID write it: the
/// property's head (with its zone or VALUE=DATE) and its value.
fn series_stamp(e: &Event, name: &str, date: Date) -> (String, String) {
    if e.all_day {
        (
            format!("{name};VALUE=DATE"),
            date.strftime("%Y%m%d").to_string(),
        )
    } else {
        (
            format!("{name};TZID={}", e.time_zone),
            local_stamp(&date.to_string(), &e.start_time),
        )
    }
}

/// A series: its VEVENT with RRULE and an EXDATE per skipped date, then one
/// VEVENT per moved date, with the same UID and the RECURRENCE-ID of the
/// date it replaces.
fn series_vevents(lines: &mut Lines, e: &Event, s: &Series) {
    let Some(rule) = rrule(e, s) else {
        return vevent(lines, e, &[]);
    };
    let within = |d: Date| s.rule.until.is_none_or(|u| d <= u);
    let mut extra = vec![("RRULE".to_owned(), rule)];
    for x in s
        .exceptions
        .iter()
        .filter(|x| x.moved.is_none() && within(x.original))
    {
        extra.push(series_stamp(e, "EXDATE", x.original));
    }
    vevent(lines, e, &extra);
    let Ok(first) = Date::from_str(&e.start_date) else {
        return;
    };
    let last = s.rule.until.unwrap_or(Date::MAX);
    let given: Vec<Date> = series::rule_dates(first, &s.rule, last);
    for o in series::all_dates(e, s, last).iter().filter(|o| o.moved) {
        let Ok(original) = Date::from_str(&o.original_date) else {
            continue;
        };
        if !given.contains(&original) {
            continue;
        }
        let moved = series::occurrence_event(e, o);
        vevent(lines, &moved, &[series_stamp(e, "RECURRENCE-ID", original)]);
    }
}

fn vevent(lines: &mut Lines, e: &Event, extra: &[(String, String)]) {
    if e.start_at.is_none() {
        return;
    }
    lines.raw("BEGIN", "VEVENT");
    lines.text("UID", &e.uid);
    for (head, value) in extra.iter().filter(|(h, _)| h.starts_with("RECURRENCE-ID")) {
        lines.raw(head, value);
    }
    lines.raw("DTSTAMP", &utc_stamp(&e.updated_at));
    lines.raw("CREATED", &utc_stamp(&e.created_at));
    lines.raw("LAST-MODIFIED", &utc_stamp(&e.updated_at));
    lines.raw("SEQUENCE", &e.sequence.to_string());
    lines.text("SUMMARY", &e.title);
    lines.raw("STATUS", ics_status(e.status));
    lines.text("LOCATION", &location_text(e));
    let description = description_text(e);
    if !description.is_empty() {
        lines.text("DESCRIPTION", &description);
    }
    if e.all_day {
        let end = Date::from_str(&e.end_date)
            .ok()
            .and_then(|d| d.checked_add(1.day()).ok())
            .map(|d| d.to_string())
            .unwrap_or_else(|| e.end_date.clone());
        lines.raw("DTSTART;VALUE=DATE", &e.start_date.replace('-', ""));
        lines.raw("DTEND;VALUE=DATE", &end.replace('-', ""));
    } else {
        let tzid = format!(";TZID={}", e.time_zone);
        lines.raw(
            &format!("DTSTART{tzid}"),
            &local_stamp(&e.start_date, &e.start_time),
        );
        // An event with no end time has no DTEND (RFC 5545: it ends as it
        // starts), rather than one equal to its start.
        if e.end_at != e.start_at {
            lines.raw(
                &format!("DTEND{tzid}"),
                &local_stamp(&e.end_date, &e.end_time),
            );
        }
    }
    let url = [&e.links.event_page, &e.links.rsvp, &e.online_link]
        .into_iter()
        .find(|l| !l.is_empty());
    if let Some(url) = url {
        lines.raw("URL", url);
    }
    if !e.tags.is_empty() {
        let tags: Vec<String> = e.tags.iter().map(|t| escape_text(t)).collect();
        lines.raw("CATEGORIES", &tags.join(","));
    }
    for (head, value) in extra
        .iter()
        .filter(|(h, _)| !h.starts_with("RECURRENCE-ID"))
    {
        lines.raw(head, value);
    }
    lines.raw("END", "VEVENT");
}

/// A VTIMEZONE for `zone` covering the years of `events`, from the bundled
/// time zone database: one STANDARD or DAYLIGHT part per transition. Written
/// by hand: the `icalendar` crate gives every component it writes a DTSTAMP
/// and a UID, which RFC 5545 does not allow in a VTIMEZONE.
fn vtimezone(zone_name: &str, years: (i16, i16)) -> Option<String> {
    let tz = TimeZone::get(zone_name).ok()?;
    let from = Date::new(years.0 - 1, 1, 1)
        .ok()?
        .to_zoned(TimeZone::UTC)
        .ok()?
        .timestamp();
    let until = Date::new(years.1 + 1, 12, 31)
        .ok()?
        .to_zoned(TimeZone::UTC)
        .ok()?
        .timestamp();
    let mut text = format!("BEGIN:VTIMEZONE\r\nTZID:{zone_name}\r\n");
    let mut before = tz.to_offset(from);
    let mut any = false;
    for t in tz.following(from).take_while(|t| t.timestamp() <= until) {
        let kind = if t.dst().is_dst() {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        let local = before.to_datetime(t.timestamp());
        text.push_str(&format!(
            "BEGIN:{kind}\r\nDTSTART:{}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\nTZNAME:{}\r\nEND:{kind}\r\n",
            local.strftime("%Y%m%dT%H%M%S"),
            offset_text(before),
            offset_text(t.offset()),
            t.abbreviation(),
        ));
        before = t.offset();
        any = true;
    }
    if !any {
        let o = offset_text(before);
        text.push_str(&format!(
            "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:{o}\r\nTZOFFSETTO:{o}\r\nEND:STANDARD\r\n"
        ));
    }
    text.push_str("END:VTIMEZONE\r\n");
    Some(text)
}

fn offset_text(o: jiff::tz::Offset) -> String {
    let secs = o.seconds();
    let sign = if secs < 0 { '-' } else { '+' };
    let secs = secs.abs();
    format!("{sign}{:02}{:02}", secs / 3600, (secs % 3600) / 60)
}

fn calendar(events: &[Event], name: &str, series: &HashMap<i64, Series>) -> String {
    let mut lines = Lines {
        out: String::with_capacity(1024 + events.len() * 700),
    };
    lines.raw("BEGIN", "VCALENDAR");
    lines.raw("VERSION", "2.0");
    lines.raw("PRODID", "-//Handbill//Events//EN");
    lines.raw("CALSCALE", "GREGORIAN");
    lines.raw("METHOD", "PUBLISH");
    lines.text("NAME", name);
    lines.text("X-WR-CALNAME", name);
    let mut zones = BTreeSet::new();
    let (mut lo, mut hi) = (i16::MAX, i16::MIN);
    for e in events.iter().filter(|e| e.start_at.is_some()) {
        if !e.all_day {
            zones.insert(e.time_zone.as_str());
        }
        for d in [&e.start_date, &e.end_date] {
            if let Ok(d) = Date::from_str(d) {
                lo = lo.min(d.year());
                hi = hi.max(d.year());
            }
        }
        // A series' zone covers its dates: to its end, or ten years on.
        if let Some(s) = series.get(&e.id) {
            let last = s
                .rule
                .until
                .map(|u| u.year())
                .unwrap_or(hi.saturating_add(10));
            let moved = s
                .exceptions
                .iter()
                .filter_map(|x| x.moved.map(|m| m.0.year()));
            hi = moved.fold(hi.max(last), i16::max);
        }
    }
    for zone in zones {
        if let Some(text) = vtimezone(zone, (lo, hi)) {
            lines.out.push_str(&text);
        }
    }
    for e in events {
        match series.get(&e.id) {
            Some(s) => series_vevents(&mut lines, e, s),
            None => vevent(&mut lines, e, &[]),
        }
    }
    lines.raw("END", "VCALENDAR");
    lines.out
}

/// How deep components may nest: a calendar holds events, an event alarms,
/// a time zone its rules; real files go three deep. The parser reads nesting
/// by recursion, so a file nested a thousand deep would overflow its stack.
pub const MAX_ICS_DEPTH: usize = 8;
/// The most components (BEGIN … END blocks) a calendar file may hold.
pub const MAX_ICS_COMPONENTS: usize = 100_000;
/// The most lines a calendar file may have.
pub const MAX_ICS_LINES: usize = 1_000_000;
/// Properties that make an event repeat in ways Handbill does not keep: an
/// event bringing one is imported as its first date, with a warning.
const UNKEPT_RECURRENCE: [&str; 2] = ["RDATE", "EXRULE"];

/// The logical lines of a file (folded lines joined), each with the number of
/// the line it starts on, and the first structural problem if any: a line
/// that is not `NAME:value`, a BEGIN without its END, nesting deeper than
/// [`MAX_ICS_DEPTH`], more than [`MAX_ICS_COMPONENTS`] components or
/// [`MAX_ICS_LINES`] lines. Checked before the text reaches the parser.
fn scan(text: &str) -> std::result::Result<Vec<usize>, Error> {
    let bad = |line: usize, what: String| {
        Error::invalid_field("file", format!("Line {line}: {what} Nothing was imported."))
    };
    let mut starts = Vec::new();
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut components = 0usize;
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let n = i + 1;
        if n > MAX_ICS_LINES {
            return Err(Error::invalid_field(
                "file",
                format!("The file has more than {MAX_ICS_LINES} lines; it is not a calendar Handbill can import. Nothing was imported."),
            ));
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            if starts.is_empty() {
                return Err(bad(
                    n,
                    "the file starts with a continued line; it is not an iCalendar file.".into(),
                ));
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        starts.push(n);
        let Some(colon) = line.find(':') else {
            return Err(bad(
                n,
                format!("“{}” is not an iCalendar line (NAME:value).", short(line)),
            ));
        };
        let name_end = line[..colon].find(';').unwrap_or(colon);
        let name = &line[..name_end];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(bad(
                n,
                format!("“{}” is not an iCalendar property name.", short(name)),
            ));
        }
        let value = line[colon + 1..].trim().to_ascii_uppercase();
        if name.eq_ignore_ascii_case("BEGIN") {
            if value.is_empty() {
                return Err(bad(n, "BEGIN names no component.".into()));
            }
            if open.len() >= MAX_ICS_DEPTH {
                return Err(bad(
                    n,
                    format!(
                        "BEGIN:{} is nested {} components deep; calendars nest at most {MAX_ICS_DEPTH} (a calendar, an event, an alarm). The file is damaged or not a real calendar.",
                        short(&value),
                        open.len() + 1
                    ),
                ));
            }
            components += 1;
            if components > MAX_ICS_COMPONENTS {
                return Err(bad(
                    n,
                    format!("the file has more than {MAX_ICS_COMPONENTS} components (events, alarms, time zones); split it into smaller calendars."),
                ));
            }
            open.push((value, n));
        } else if name.eq_ignore_ascii_case("END") {
            match open.pop() {
                Some((begun, _)) if begun == value => {}
                Some((begun, at)) => {
                    return Err(bad(
                        n,
                        format!("END:{value} closes BEGIN:{begun} of line {at}."),
                    ))
                }
                None => return Err(bad(n, format!("END:{value} has no BEGIN."))),
            }
        } else if open.is_empty() {
            return Err(bad(
                n,
                format!("{name} is outside BEGIN:VCALENDAR … END:VCALENDAR."),
            ));
        }
    }
    if let Some((begun, at)) = open.pop() {
        return Err(bad(
            at,
            format!("BEGIN:{begun} is never closed (the file may be cut short)."),
        ));
    }
    if starts.is_empty() {
        return Err(Error::invalid_field(
            "file",
            "The file is empty. Nothing was imported.",
        ));
    }
    Ok(starts)
}

fn short(text: &str) -> String {
    text.chars().take(40).collect()
}

/// What an import of a calendar file did: the events saved, and what it
/// could not keep as the file says (a repeat rule Handbill cannot show, a
/// changed date it could not place), each said once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IcsImport {
    pub events: Vec<Event>,
    pub warnings: Vec<String>,
}

/// Imports the VEVENTs of an iCalendar file as draft events, all or nothing;
/// see [`import_report`], whose warnings this leaves to the caller's tests.
pub fn import(db: &Database, text: &str) -> Result<Vec<Event>> {
    import_report(db, text).map(|r| r.events)
}

/// Imports the VEVENTs of an iCalendar file as draft events, all or nothing:
/// a malformed file or event is reported with its line and nothing is saved.
/// A LOCATION becomes a venue of that name (reusing an identical one); a UID
/// already in this database gets a fresh one, so the import is a copy.
///
/// A repeating event becomes a series when its RRULE is one Handbill shows
/// (weekly or every other week on its first date's weekday; monthly on the
/// Nth or last weekday; ending by UNTIL or COUNT, or never), with its EXDATEs
/// skipped and its RECURRENCE-ID events moved. Any other rule imports the
/// first date only, with a warning naming the event: never a silent loss.
pub fn import_report(db: &Database, text: &str) -> Result<IcsImport> {
    if text.len() > MAX_ICS_BYTES {
        return Err(Error::invalid_field(
            "file",
            "The file is larger than 20 MB; it is not a calendar Handbill can import.",
        ));
    }
    let starts = scan(text)?;
    let unfolded = icalendar::parser::unfold(text);
    let parsed = icalendar::parser::read_calendar(&unfolded).map_err(|e| {
        let line = e
            .split("at line ")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| starts.get(n.saturating_sub(1)).copied());
        let at = line.map(|l| format!("Line {l}: ")).unwrap_or_default();
        Error::invalid_field(
            "file",
            format!("{at}the file is not valid iCalendar. Nothing was imported."),
        )
    })?;
    let zone = crate::branch::get(db)?
        .map(|b| b.time_zone)
        .unwrap_or_else(|| "UTC".into());
    // The BEGIN:VEVENT lines, to name an event by where it starts in the file.
    let vevent_lines: Vec<usize> = text
        .split('\n')
        .enumerate()
        .filter(|(_, l)| l.trim_end().eq_ignore_ascii_case("BEGIN:VEVENT"))
        .map(|(i, _)| i + 1)
        .collect();
    let mut found = Vec::new();
    collect_vevents(&parsed.components, &mut found);
    let tx = Tx::begin(db)?;
    let mut ids = Vec::new();
    let mut warnings = Vec::new();
    // The series of this file by their UID in it: event id and rule.
    let mut series_by_uid: HashMap<String, (i64, series::Rule)> = HashMap::new();
    let mut overrides = Vec::new();
    for (n, c) in found.into_iter().enumerate() {
        let line = vevent_lines.get(n).copied().unwrap_or(0);
        let failed = |e: Error| {
            Error::invalid_field(
                "file",
                format!(
                    "The event beginning at line {line}: {} Nothing was imported.",
                    e.message
                ),
            )
        };
        if prop(c, "RECURRENCE-ID").is_some() {
            overrides.push((line, c));
            continue;
        }
        let id = import_one(db, c, &zone).map_err(failed)?;
        ids.push(id);
        if let Some(rule) = import_repeat(db, c, id, line, &mut warnings).map_err(failed)? {
            series_by_uid.insert(text_of(c, "UID"), (id, rule));
        }
    }
    for (line, c) in overrides {
        let uid = text_of(c, "UID");
        match series_by_uid.get(&uid) {
            Some(&(id, rule)) => {
                import_override(db, c, id, &rule, line, &mut warnings).map_err(|e| {
                    Error::invalid_field(
                        "file",
                        format!(
                            "The event beginning at line {line}: {} Nothing was imported.",
                            e.message
                        ),
                    )
                })?
            }
            None => {
                // A changed date of a series not in this file: kept as an
                // event of its own rather than lost.
                let id = import_one(db, c, &zone).map_err(|e| {
                    Error::invalid_field(
                        "file",
                        format!(
                            "The event beginning at line {line}: {} Nothing was imported.",
                            e.message
                        ),
                    )
                })?;
                ids.push(id);
                warnings.push(format!(
                    "{} beginning at line {line} changes one date of a repeating event (RECURRENCE-ID) that is not in this file (or repeats by a rule Handbill cannot show): imported as an event of its own.",
                    event_name(c)
                ));
            }
        }
    }
    tx.commit()?;
    let events = ids
        .into_iter()
        .map(|id| store::get(db, id))
        .collect::<Result<Vec<_>>>()?;
    Ok(IcsImport { events, warnings })
}

/// “Weekly branch meeting”, or "(no title)".
fn event_name(c: &icalendar::parser::Component<'_>) -> String {
    let title = text_of(c, "SUMMARY");
    if title.trim().is_empty() {
        "The event (no title)".to_owned()
    } else {
        format!("The event “{}”", short(title.trim()))
    }
}

/// The local date in `zone` a DATE or DATE-TIME value of a property stands
/// for (a series' RECURRENCE-ID, an EXDATE); None when it is not one.
fn local_date(p: &icalendar::parser::Property<'_>, value: &str, zone: &TimeZone) -> Option<Date> {
    let value = value.trim();
    let date = |s: &str| -> Option<Date> {
        if s.len() != 8 || !s.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Date::new(
            s[0..4].parse().ok()?,
            s[4..6].parse().ok()?,
            s[6..8].parse().ok()?,
        )
        .ok()
    };
    let Some((d, t)) = value.split_once('T') else {
        return date(value);
    };
    let (t, utc) = match t.strip_suffix('Z') {
        Some(t) => (t, true),
        None => (t, false),
    };
    if t.len() != 6 || !t.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let dt = DateTime::from_parts(
        date(d)?,
        jiff::civil::Time::new(t[0..2].parse().ok()?, t[2..4].parse().ok()?, 0, 0).ok()?,
    );
    let from = if utc {
        TimeZone::UTC
    } else {
        match param(p, "TZID") {
            Some(z) => TimeZone::get(z).ok()?,
            None => zone.clone(),
        }
    };
    Some(dt.to_zoned(from).ok()?.with_time_zone(zone.clone()).date())
}

/// Reads an RRULE of the forms Handbill shows; Err says why not.
fn read_rrule(
    value: &str,
    first: Date,
    start_time: Option<jiff::civil::Time>,
    zone: &TimeZone,
) -> std::result::Result<series::Rule, String> {
    let mut parts: HashMap<String, String> = HashMap::new();
    for part in value.trim().split(';').filter(|p| !p.is_empty()) {
        let Some((k, v)) = part.split_once('=') else {
            return Err(format!("“{}” is not NAME=value", short(part)));
        };
        let k = k.trim().to_ascii_uppercase();
        if parts
            .insert(k.clone(), v.trim().to_ascii_uppercase())
            .is_some()
        {
            return Err(format!("{k} is given twice"));
        }
    }
    for k in parts.keys() {
        if ![
            "FREQ", "INTERVAL", "BYDAY", "BYSETPOS", "UNTIL", "COUNT", "WKST",
        ]
        .contains(&k.as_str())
        {
            return Err(format!("Handbill does not keep {k}"));
        }
    }
    let interval: i64 = match parts.get("INTERVAL") {
        None => 1,
        Some(v) => v
            .parse()
            .map_err(|_| format!("INTERVAL “{}” is not a number", short(v)))?,
    };
    let weekday = first.weekday();
    let day_of = |name: &str| {
        series::ICS_DAYS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, d)| *d)
    };
    let (repeat, nth) = match parts.get("FREQ").map(String::as_str) {
        Some("WEEKLY") => {
            if parts.contains_key("BYSETPOS") {
                return Err("a weekly rule with BYSETPOS".into());
            }
            if let Some(days) = parts.get("BYDAY") {
                if day_of(days) != Some(weekday) {
                    return Err(format!(
                        "it repeats on {days}, which is not one day or not the weekday of its first date"
                    ));
                }
            }
            match interval {
                1 => (series::Repeat::Weekly, 0),
                2 => (series::Repeat::EveryOtherWeek, 0),
                n => return Err(format!("it repeats every {n} weeks")),
            }
        }
        Some("MONTHLY") => {
            if interval != 1 {
                return Err(format!("it repeats every {interval} months"));
            }
            let byday = parts
                .get("BYDAY")
                .ok_or("a monthly rule without a weekday (BYDAY)")?;
            let split = byday.len().saturating_sub(2);
            let (n, day) = byday.split_at(split);
            if day_of(day) != Some(weekday) {
                return Err(format!(
                    "it repeats on {byday}, which is not the weekday of its first date"
                ));
            }
            let n: i8 = match (n, parts.get("BYSETPOS")) {
                ("", Some(pos)) => pos
                    .parse()
                    .map_err(|_| format!("BYSETPOS “{}” is not a number", short(pos)))?,
                (n, None) if !n.is_empty() => n.trim_start_matches('+').parse().map_err(|_| {
                    format!("BYDAY “{}” is not a weekday of the month", short(byday))
                })?,
                _ => return Err(format!("BYDAY “{}” with BYSETPOS", short(byday))),
            };
            if !(1..=4).contains(&n) && n != -1 {
                return Err(format!("it falls on weekday {n} of the month"));
            }
            (series::Repeat::MonthlyNth, n)
        }
        Some(f) => return Err(format!("FREQ={}", short(f))),
        None => return Err("it has no FREQ".into()),
    };
    let mut rule = series::Rule {
        repeat,
        nth,
        until: None,
    };
    if series::rule_dates(first, &rule, first).first() != Some(&first) {
        return Err("its first date is not one of the dates its rule gives".into());
    }
    match (parts.get("UNTIL"), parts.get("COUNT")) {
        (Some(_), Some(_)) => return Err("it has both UNTIL and COUNT".into()),
        (Some(u), None) => {
            let bad = || format!("UNTIL “{}” is not a date or a time", short(u));
            let (d, t) = match u.split_once('T') {
                Some((d, t)) => (d, Some(t)),
                None => (u.as_str(), None),
            };
            let date = ics_date(d).ok_or_else(bad)?;
            let until = match t {
                None => date,
                Some(t) => {
                    let (time, utc) = ics_time(t).ok_or_else(bad)?;
                    let local = if utc {
                        DateTime::from_parts(date, time)
                            .to_zoned(TimeZone::UTC)
                            .map_err(|_| bad())?
                            .with_time_zone(zone.clone())
                            .datetime()
                    } else {
                        DateTime::from_parts(date, time)
                    };
                    // UNTIL is the last start: a date whose meeting starts
                    // later that day is not one of them.
                    match start_time {
                        Some(s) if local.time() < s => {
                            local.date().checked_sub(1.day()).map_err(|_| bad())?
                        }
                        _ => local.date(),
                    }
                }
            };
            if until < first {
                return Err("it ends before its first date".into());
            }
            rule.until = Some(until);
        }
        (None, Some(c)) => {
            let count: u64 = c
                .parse()
                .map_err(|_| format!("COUNT “{}” is not a number", short(c)))?;
            if count == 0 || count > series::MAX_DATES as u64 {
                return Err(format!(
                    "it repeats {count} times, and Handbill keeps 1 to {} dates of a series",
                    series::MAX_DATES
                ));
            }
            let dates = series::rule_dates(first, &rule, Date::MAX);
            rule.until = dates.get(count as usize - 1).copied();
        }
        (None, None) => {}
    }
    Ok(rule)
}

/// Makes the event just imported from `c` a series when its RRULE is one
/// Handbill shows, with its EXDATEs skipped; says in `warnings` what it
/// could not keep. Answers the rule kept.
fn import_repeat(
    db: &Database,
    c: &icalendar::parser::Component<'_>,
    id: i64,
    line: usize,
    warnings: &mut Vec<String>,
) -> Result<Option<series::Rule>> {
    let rules: Vec<_> = c
        .properties
        .iter()
        .filter(|p| p.name.as_str().eq_ignore_ascii_case("RRULE"))
        .collect();
    let unkept: Vec<String> = c
        .properties
        .iter()
        .map(|p| p.name.as_str().to_ascii_uppercase())
        .filter(|n| UNKEPT_RECURRENCE.contains(&n.as_str()))
        .collect();
    let exdates: Vec<_> = c
        .properties
        .iter()
        .filter(|p| p.name.as_str().eq_ignore_ascii_case("EXDATE"))
        .collect();
    if rules.is_empty() && unkept.is_empty() && exdates.is_empty() {
        return Ok(None);
    }
    let e = store::get(db, id)?;
    let name = event_name(c);
    let first_only = |why: &str| {
        format!(
            "{name} beginning at line {line} repeats, but {why}: Handbill shows weekly, every-other-week and monthly (Nth weekday) series only, so it was imported as its first date only, {}. Add its other dates by hand, or make it a series in Handbill.",
            e.start_date
        )
    };
    if let Some(p) = unkept.first() {
        warnings.push(first_only(&format!("by {p}")));
        return Ok(None);
    }
    if rules.len() > 1 {
        warnings.push(first_only("by more than one RRULE"));
        return Ok(None);
    }
    let Some(rrule) = rules.first() else {
        warnings.push(format!(
            "{name} beginning at line {line} leaves out dates (EXDATE) without repeating (no RRULE): imported as its one date, {}.",
            e.start_date
        ));
        return Ok(None);
    };
    let (Ok(first), Ok(zone)) = (Date::from_str(&e.start_date), TimeZone::get(&e.time_zone)) else {
        warnings.push(first_only("its first date could not be read"));
        return Ok(None);
    };
    let start_time = jiff::civil::Time::from_str(&format!("{}:00", e.start_time)).ok();
    let rule = match read_rrule(
        rrule.val.as_str(),
        first,
        start_time.filter(|_| !e.all_day),
        &zone,
    ) {
        Ok(rule) => rule,
        Err(why) => {
            warnings.push(first_only(&format!(
                "{why} (RRULE:{})",
                short(rrule.val.as_str())
            )));
            return Ok(None);
        }
    };
    series::write_rule(db, id, &rule)?;
    let given = series::rule_dates(first, &rule, rule.until.unwrap_or(Date::MAX));
    for p in exdates {
        for value in p.val.as_str().split(',') {
            match local_date(p, value, &zone) {
                Some(d) if given.contains(&d) => {
                    series::write_exception(db, id, d, None, "Left out in the imported calendar (EXDATE)")?
                }
                _ => warnings.push(format!(
                    "{name} beginning at line {line} leaves out “{}” (EXDATE), which is not one of its dates; nothing to skip.",
                    short(value.trim())
                )),
            }
        }
    }
    Ok(Some(rule))
}

/// A RECURRENCE-ID event of a series imported from the same file: its date
/// moved (DTSTART) or skipped (STATUS:CANCELLED).
fn import_override(
    db: &Database,
    c: &icalendar::parser::Component<'_>,
    id: i64,
    rule: &series::Rule,
    line: usize,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let e = store::get(db, id)?;
    let name = event_name(c);
    let (Ok(first), Ok(zone)) = (Date::from_str(&e.start_date), TimeZone::get(&e.time_zone)) else {
        return Ok(());
    };
    let p = prop(c, "RECURRENCE-ID").ok_or_else(|| Error::internal("RECURRENCE-ID"))?;
    let given = series::rule_dates(first, rule, rule.until.unwrap_or(Date::MAX));
    let original = match local_date(p, p.val.as_str(), &zone) {
        Some(d) if given.contains(&d) => d,
        _ => {
            warnings.push(format!(
                "{name} beginning at line {line} changes the date “{}” (RECURRENCE-ID), which is not one of its series' dates: left out.",
                short(p.val.as_str().trim())
            ));
            return Ok(());
        }
    };
    if text_of(c, "STATUS")
        .trim()
        .eq_ignore_ascii_case("CANCELLED")
    {
        return series::write_exception(
            db,
            id,
            original,
            None,
            "Cancelled in the imported calendar",
        );
    }
    let Some((date, time, from_zone)) = date_of(c, "DTSTART", &e.time_zone)? else {
        return Ok(());
    };
    let time = time.unwrap_or(jiff::civil::Time::midnight());
    let local = DateTime::from_parts(date, time)
        .to_zoned(TimeZone::get(&from_zone).unwrap_or(zone.clone()))
        .map_err(|_| Error::invalid_field("DTSTART", "DTSTART is not a time on the calendar."))?
        .with_time_zone(zone)
        .datetime();
    let series_time = jiff::civil::Time::from_str(&format!("{}:00", e.start_time))
        .unwrap_or(jiff::civil::Time::midnight());
    if (local.date(), local.time()) == (original, series_time) {
        warnings.push(format!(
            "{name} beginning at line {line} changes the meeting of {original} but not its date; Handbill keeps one title, place and description for every date of a series, so the change was left out."
        ));
        return Ok(());
    }
    series::write_exception(
        db,
        id,
        original,
        Some((local.date(), local.time())),
        "Moved in the imported calendar",
    )
}

fn collect_vevents<'a>(
    components: &'a [icalendar::parser::Component<'a>],
    out: &mut Vec<&'a icalendar::parser::Component<'a>>,
) {
    for c in components {
        if c.name.as_str().eq_ignore_ascii_case("VEVENT") {
            out.push(c);
        } else {
            collect_vevents(&c.components, out);
        }
    }
}

fn prop<'a>(
    c: &'a icalendar::parser::Component<'a>,
    name: &str,
) -> Option<&'a icalendar::parser::Property<'a>> {
    c.properties
        .iter()
        .find(|p| p.name.as_str().eq_ignore_ascii_case(name))
}

fn text_of(c: &icalendar::parser::Component<'_>, name: &str) -> String {
    prop(c, name)
        .map(|p| p.val.clone().unescape_text().as_str().to_owned())
        .unwrap_or_default()
}

fn param<'a>(p: &'a icalendar::parser::Property<'a>, key: &str) -> Option<&'a str> {
    p.params
        .iter()
        .find(|x| x.key.as_str().eq_ignore_ascii_case(key))
        .and_then(|x| x.val.as_ref())
        .map(|v| v.as_str().trim_matches('"'))
}

/// A DTSTART or DTEND: (local date, local time or None for a DATE, zone).
fn date_of(
    c: &icalendar::parser::Component<'_>,
    name: &str,
    default_zone: &str,
) -> Result<Option<(Date, Option<jiff::civil::Time>, String)>> {
    let Some(p) = prop(c, name) else {
        return Ok(None);
    };
    let value = p.val.as_str().trim();
    let bad = || {
        Error::invalid_field(
            name,
            format!(
                "{name} “{}” is not an iCalendar date or date-time.",
                short(value)
            ),
        )
    };
    let date = |s: &str| -> Result<Date> { ics_date(s).ok_or_else(bad) };
    if !value.contains('T') {
        return Ok(Some((date(value)?, None, default_zone.to_owned())));
    }
    let (d, t) = value.split_once('T').ok_or_else(bad)?;
    let (time, utc) = ics_time(t).ok_or_else(bad)?;
    let dt = DateTime::from_parts(date(d)?, time);
    if utc {
        let zone = TimeZone::get(default_zone).unwrap_or(TimeZone::UTC);
        let local = dt
            .to_zoned(TimeZone::UTC)
            .map_err(|_| bad())?
            .with_time_zone(zone)
            .datetime();
        return Ok(Some((
            local.date(),
            Some(local.time()),
            default_zone.to_owned(),
        )));
    }
    let zone = param(p, "TZID")
        .map(str::to_owned)
        .unwrap_or_else(|| default_zone.to_owned());
    if TimeZone::get(&zone).is_err() {
        return Err(Error::invalid_field(name, format!("{name} is in the time zone “{}”, which Handbill does not know. Use an IANA name such as America/New_York.", short(&zone))));
    }
    Ok(Some((dt.date(), Some(dt.time()), zone)))
}

fn import_one(
    db: &Database,
    c: &icalendar::parser::Component<'_>,
    default_zone: &str,
) -> Result<i64> {
    let start = date_of(c, "DTSTART", default_zone)?.ok_or_else(|| {
        Error::invalid_field(
            "DTSTART",
            "It has no DTSTART, so Handbill cannot tell when it is.",
        )
    })?;
    let end = date_of(c, "DTEND", &start.2)?;
    let all_day = start.1.is_none();
    let hm = |t: Option<jiff::civil::Time>| {
        t.map(|t| t.strftime("%H:%M").to_string())
            .unwrap_or_default()
    };
    let (end_date, end_time) = match end {
        Some((d, t, _)) if all_day => (
            d.checked_sub(1.day()).unwrap_or(d).max(start.0).to_string(),
            hm(t),
        ),
        Some((d, t, _)) => (d.to_string(), hm(t)),
        None => (start.0.to_string(), hm(start.1)),
    };
    let location = text_of(c, "LOCATION");
    let venue_id = if location.trim().is_empty() {
        None
    } else {
        // Kept whole, or refused like every other field: never cut short.
        let name = location.trim().to_owned();
        if name.len() > MAX_LINE_BYTES {
            return Err(Error::invalid_field(
                "LOCATION",
                format!(
                    "LOCATION is {}; the most Handbill keeps as a venue's name is {}. Shorten it in your calendar.",
                    crate::db::outside::size_text(name.len() as u64),
                    crate::db::outside::size_text(MAX_LINE_BYTES as u64)
                ),
            ));
        }
        Some(
            find_or_create_venue(
                db,
                &VenueInput {
                    name,
                    ..Default::default()
                },
            )?
            .id,
        )
    };
    let url = text_of(c, "URL");
    let categories: Vec<String> = c
        .properties
        .iter()
        .filter(|p| p.name.as_str().eq_ignore_ascii_case("CATEGORIES"))
        .flat_map(|p| {
            p.val
                .as_str()
                .split(',')
                .map(|s| s.replace("\\", ""))
                .collect::<Vec<_>>()
        })
        .collect();
    let input = EventInput {
        title: text_of(c, "SUMMARY"),
        description: text_of(c, "DESCRIPTION"),
        start_date: start.0.to_string(),
        start_time: hm(start.1),
        end_date,
        end_time,
        time_zone: start.2.clone(),
        all_day,
        venue_id,
        links: EventLinks {
            event_page: if url.starts_with("http") {
                url
            } else {
                String::new()
            },
            ..Default::default()
        },
        tags: categories,
        ..Default::default()
    };
    let checked = store::check(db, input, false)?;
    let uid = text_of(c, "UID");
    let uid = if uid.trim().is_empty()
        || uid.len() > 255
        || uid.contains('\0')
        || store::id_by_uid(db, &uid)?.is_some()
    {
        None
    } else {
        Some(uid)
    };
    store::write(db, None, &checked, EventStatus::Draft, uid.as_deref())
}

/// An iCalendar date, `YYYYMMDD`.
fn ics_date(s: &str) -> Option<Date> {
    if s.len() != 8 || !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Date::new(
        s[0..4].parse().ok()?,
        s[4..6].parse().ok()?,
        s[6..8].parse().ok()?,
    )
    .ok()
}

/// An iCalendar time, `HHMMSS`, and whether it is UTC (a trailing `Z`); a
/// leap second is read as the 59th.
fn ics_time(t: &str) -> Option<(jiff::civil::Time, bool)> {
    let (t, utc) = match t.strip_suffix('Z') {
        Some(t) => (t, true),
        None => (t, false),
    };
    if t.len() != 6 || !t.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let time = jiff::civil::Time::new(
        t[0..2].parse().ok()?,
        t[2..4].parse().ok()?,
        t[4..6].parse::<i8>().ok()?.min(59),
        0,
    )
    .ok()?;
    Some((time, utc))
}
