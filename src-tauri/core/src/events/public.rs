//! What the public sees of an event: one rule for which events reach public
//! output (listings, calendar files, flyers and posters, announcements), and
//! the words every one of them uses for when and where an event is.
//!
//! Drafts are the organizers' own and never appear. A cancelled event appears
//! marked ("CANCELLED"), struck through (still saying it is cancelled, for
//! those who cannot see the line), or not at all, as the organizer chooses;
//! postponed and rescheduled ones appear marked.
//!
//! A time names its zone ("7:00 pm EDT", the abbreviation that applies on that
//! date, from the offset) whenever the events shown together span zones or one
//! is not in the branch's own zone, so Detroit and New York read alike.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::views::month_name;
use super::{Attendance, Event, EventStatus, Speaker};

/// How public output shows a cancelled event: the branch's choice
/// (`branch set cancelled_shown`, Settings → Branch). Calendar files always
/// carry a cancelled event with `STATUS:CANCELLED`, so calendars that hold
/// it take it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CancelledShown {
    /// With "CANCELLED" before it.
    #[default]
    Marked,
    /// Struck through, with "cancelled" after it.
    Struck,
    /// Left out.
    Hidden,
}

impl CancelledShown {
    pub const NAMES: [&'static str; 3] = ["marked", "struck", "hidden"];

    pub fn parse(text: &str) -> Option<CancelledShown> {
        match text {
            "marked" => Some(CancelledShown::Marked),
            "struck" => Some(CancelledShown::Struck),
            "hidden" => Some(CancelledShown::Hidden),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            CancelledShown::Marked => "marked",
            CancelledShown::Struck => "struck",
            CancelledShown::Hidden => "hidden",
        }
    }
}

/// How one event appears in public output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    /// "CANCELLED", "POSTPONED", "RESCHEDULED", or empty.
    pub note: &'static str,
    /// Drawn struck through (a cancelled event, when the organizer chose so).
    pub struck: bool,
}

/// The one rule: whether public output shows `e`, and how. Drafts never.
pub fn shown(e: &Event, cancelled: CancelledShown) -> Option<Shown> {
    let note = match e.status {
        EventStatus::Draft => return None,
        EventStatus::Announced => "",
        EventStatus::Rescheduled => "RESCHEDULED",
        EventStatus::Postponed => "POSTPONED",
        EventStatus::Cancelled => match cancelled {
            CancelledShown::Hidden => return None,
            _ => "CANCELLED",
        },
    };
    Some(Shown {
        note,
        struck: e.status == EventStatus::Cancelled && cancelled == CancelledShown::Struck,
    })
}

/// Whether `e` may appear in public output at all (it is not a draft).
pub fn is_public(e: &Event) -> bool {
    shown(e, CancelledShown::Marked).is_some()
}

/// The events of `events` public output shows, in their order, with how.
pub fn public_events(events: &[Event], cancelled: CancelledShown) -> Vec<(&Event, Shown)> {
    events
        .iter()
        .filter_map(|e| shown(e, cancelled).map(|s| (e, s)))
        .collect()
}

/// Whether times shown together name their zone: when the timed events
/// among them are in more than one zone, or one is not in `home_zone` (the
/// branch's).
pub fn zones_named<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    home_zone: Option<&str>,
) -> bool {
    let mut zones: Vec<&str> = events
        .into_iter()
        .filter(|e| !e.all_day && !e.start_date.is_empty())
        .map(|e| e.time_zone.as_str())
        .collect();
    zones.sort_unstable();
    zones.dedup();
    zones.len() > 1 || zones.iter().any(|z| home_zone.is_some_and(|h| h != *z))
}

/// The zone's abbreviation at an instant ("EDT", "CST"), or the zone's name
/// when the time zone database gives none.
fn abbreviation(zone: &str, at: Option<&str>) -> String {
    let Ok(tz) = TimeZone::get(zone) else {
        return zone.to_owned();
    };
    let Some(t) = at.and_then(|t| t.parse::<Timestamp>().ok()) else {
        return zone.to_owned();
    };
    let info = tz.to_offset_info(t);
    let abbreviation = info.abbreviation();
    // Zones without a letter abbreviation give an offset ("-03"): say so.
    if abbreviation.starts_with(['+', '-']) {
        format!("UTC{abbreviation}")
    } else {
        abbreviation.to_owned()
    }
}

fn clock(t: &str) -> Option<(String, &'static str)> {
    let t: Time = format!("{t}:00").parse().ok()?;
    let (h, half) = match t.hour() {
        0 => (12, "am"),
        h @ 1..=11 => (h, "am"),
        12 => (12, "pm"),
        h => (h - 12, "pm"),
    };
    Some((format!("{h}:{:02}", t.minute()), half))
}

/// A stored time as people read it: "7:00 pm".
pub fn clock_text(t: &str) -> Option<String> {
    clock(t).map(|(t, half)| format!("{t} {half}"))
}

fn day(date: &str) -> Option<Date> {
    date.parse().ok()
}

/// "Saturday, January 27, 2027".
pub fn long_date(d: Date) -> String {
    format!("{}, {}", weekday_date(d), d.year())
}

/// "Saturday, January 27".
fn weekday_date(d: Date) -> String {
    format!(
        "{}, {} {}",
        d.strftime("%A"),
        month_name(d.month()),
        d.day()
    )
}

/// " EST" after a time, in the event's zone at `at`, when `name_zone`.
fn zone_suffix(e: &Event, name_zone: bool, at: Option<&str>) -> String {
    if name_zone {
        format!(" {}", abbreviation(&e.time_zone, at))
    } else {
        String::new()
    }
}

/// When an event is, in its own time zone, naming the zone when
/// `name_zone`: "Saturday, January 27, 2027 | 12:00 - 2:00 pm",
/// "… | 7:00 pm EDT", "Saturday, April 21, 2029, 7:00 pm – Sunday, April 22,
/// 5:00 pm", "From January 15 until February 10, 2027", "From December 28,
/// 2026 until January 3, 2027", "Date to be announced" (the place is
/// known) or "Date and place coming soon".
pub fn when_text(e: &Event, name_zone: bool) -> String {
    let Some(start) = day(&e.start_date) else {
        if e.venue.is_some() || e.attendance == Attendance::Online {
            return "Date to be announced".into();
        }
        return "Date and place coming soon".into();
    };
    let end = day(&e.end_date).unwrap_or(start).max(start);
    if e.all_day || clock(&e.start_time).is_none() {
        if end == start {
            return long_date(start);
        }
        let month_day = |d: Date| format!("{} {}", month_name(d.month()), d.day());
        if start.year() == end.year() {
            return format!(
                "From {} until {}, {}",
                month_day(start),
                month_day(end),
                end.year()
            );
        }
        return format!(
            "From {}, {} until {}, {}",
            month_day(start),
            start.year(),
            month_day(end),
            end.year()
        );
    }
    let zone_at = |at: Option<&str>| zone_suffix(e, name_zone, at);
    let start_zone = zone_at(e.start_at.as_deref());
    let (s, sh) = clock(&e.start_time).unwrap_or_default();
    let end_clock = clock(&e.end_time);
    if end != start {
        let Some((en, eh)) = end_clock else {
            return format!("{}, {s} {sh}{start_zone}", long_date(start));
        };
        let end_zone = zone_at(e.end_at.as_deref());
        // The zone once at the end, unless the clocks change in between.
        let first_zone = if start_zone == end_zone {
            ""
        } else {
            start_zone.as_str()
        };
        let end_day = if start.year() == end.year() {
            weekday_date(end)
        } else {
            long_date(end)
        };
        return format!(
            "{}, {s} {sh}{first_zone} – {end_day}, {en} {eh}{end_zone}",
            long_date(start)
        );
    }
    let times = match end_clock {
        Some((en, eh)) if e.end_time != e.start_time => {
            if sh == eh {
                format!("{s} - {en} {eh}")
            } else {
                format!("{s} {sh} - {en} {eh}")
            }
        }
        _ => format!("{s} {sh}"),
    };
    format!("{} | {times}{start_zone}", long_date(start))
}

/// The room to print: the event's own, else the venue's usual room; "Room to
/// be announced" when a room is expected but not known; empty when the event
/// has no room (outdoors, a park) or no venue.
pub fn room_text(e: &Event) -> String {
    if e.venue.is_none() || e.no_room {
        return String::new();
    }
    let room = e.room_or_venue_room().trim();
    if room.is_empty() {
        ROOM_TBA.into()
    } else {
        room.to_owned()
    }
}

/// The hosts and their verb, as every public output says them: "ISO-Boston
/// presents", "ISO-Boston & Justice4Siham Coalition present" (more than one
/// host when joined by "&", "and", "y", "+" or a comma).
pub fn presenting(hosts: &str) -> String {
    let verb = if several_hosts(hosts) {
        "present"
    } else {
        "presents"
    };
    format!("{} {verb}", hosts.trim())
}

/// Whether a hosts line names more than one host (see [`presenting`]).
pub fn several_hosts(hosts: &str) -> bool {
    hosts.contains(['&', ',', '+']) || hosts.contains(" and ") || hosts.contains(" y ")
}

/// `text` as a part of a file name or web address: its ASCII letters and
/// digits, lowercase, each run of anything else one hyphen, at most `max`
/// bytes ("#Justice4Siham & #Justice4Naseem Rally" →
/// "justice4siham-justice4naseem-rally"); empty when nothing is left, for
/// the caller's own fallback.
pub fn ascii_slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= max {
            break;
        }
    }
    out.trim_matches('-').to_owned()
}

/// The words for a place not known yet.
pub const LOCATION_TBA: &str = "Location to be announced";

/// The words for a room expected but not known yet.
pub const ROOM_TBA: &str = "Room to be announced";

/// A place line's own words ([`ROOM_TBA`], [`LOCATION_TBA`], "Online") in
/// Spanish, for the site's Spanish pages and Spanish mail. Only a whole part
/// of the line (between its commas) is Handbill's: the organizer's own words
/// (a venue called "Online Organizing Center", an address) stay as typed.
pub fn place_words_es(text: &str) -> String {
    text.split(", ")
        .map(|part| match part {
            ROOM_TBA => "Sala por anunciar",
            LOCATION_TBA => "Lugar por anunciar",
            "Online" => "En línea",
            own => own,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where an event is, as one line: "Harvard Science Center, Hall C, 1 Oxford
/// St, Cambridge, MA", "Kenmore Classroom Building, Room to be announced, 565
/// Commonwealth Ave", "Online", "Location to be announced", or empty while
/// neither the date nor the place is known (the date line says "coming soon").
pub fn place_text(e: &Event) -> String {
    match &e.venue {
        Some(v) => {
            let room = room_text(e);
            [
                v.name.trim(),
                room.as_str(),
                v.address.trim(),
                v.city.trim(),
            ]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
        }
        None if e.attendance == Attendance::Online => "Online".into(),
        None if e.start_date.is_empty() => String::new(),
        None if !e.room.trim().is_empty() => format!("{LOCATION_TBA} ({})", e.room.trim()),
        None => LOCATION_TBA.into(),
    }
}

/// A stop's speakers when they are its own, not the tour's: "with Omar
/// Khalil, author of …"; None when the stop has the tour's speakers.
pub fn own_speakers(stop: &Event, tour_speakers: &[Speaker]) -> Option<String> {
    let ids = |list: &[Speaker]| list.iter().map(|s| s.id).collect::<Vec<_>>();
    if stop.speakers.is_empty() || ids(&stop.speakers) == ids(tour_speakers) {
        return None;
    }
    let names: Vec<String> = stop
        .speakers
        .iter()
        .map(super::listing::speaker_line)
        .collect();
    Some(format!("with {}", names.join(" and ")))
}

/// "13 stops", "1 stop".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Spanish month names, for [`when_text_es`], the Spanish site and Spanish mail.
pub const MESES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// Spanish weekday names, Monday first, for [`when_text_es`] and Spanish mail.
pub const DIAS: [&str; 7] = [
    "lunes",
    "martes",
    "miércoles",
    "jueves",
    "viernes",
    "sábado",
    "domingo",
];

/// "sábado, 30 de enero de 2027".
pub(crate) fn fecha(d: Date) -> String {
    let dia = DIAS[d.weekday().to_monday_zero_offset() as usize];
    let mes = MESES[(d.month() - 1) as usize];
    format!("{dia}, {} de {mes} de {}", d.day(), d.year())
}

/// A stored time as Spanish readers write it: "19:00".
fn hora(t: &str) -> Option<String> {
    let t: Time = format!("{t}:00").parse().ok()?;
    Some(format!("{}:{:02}", t.hour(), t.minute()))
}

/// [`when_text`] in Spanish, for the published site's Spanish pages: the
/// same cases, dates written "sábado, 30 de enero de 2027" and times on the
/// 24-hour clock ("12:00 - 14:00 EST"), the zone named as [`when_text`]
/// names it.
pub fn when_text_es(e: &Event, name_zone: bool) -> String {
    let Some(start) = day(&e.start_date) else {
        if e.venue.is_some() || e.attendance == Attendance::Online {
            return "Fecha por anunciar".into();
        }
        return "Fecha y lugar por anunciar".into();
    };
    let end = day(&e.end_date).unwrap_or(start).max(start);
    let Some(s) = hora(&e.start_time).filter(|_| !e.all_day) else {
        if end == start {
            return fecha(start);
        }
        return format!("Del {} al {}", fecha(start), fecha(end));
    };
    let zone_at = |at: Option<&str>| zone_suffix(e, name_zone, at);
    let start_zone = zone_at(e.start_at.as_deref());
    match hora(&e.end_time) {
        Some(en) if end != start => format!(
            "{}, {s}{start_zone} – {}, {en}{}",
            fecha(start),
            fecha(end),
            zone_at(e.end_at.as_deref())
        ),
        Some(en) if e.end_time != e.start_time => {
            format!("{} | {s} - {en}{start_zone}", fecha(start))
        }
        _ => format!("{} | {s}{start_zone}", fecha(start)),
    }
}

#[cfg(test)]
mod tests {
    use super::{place_words_es, presenting, LOCATION_TBA, ROOM_TBA};

    /// Proves Handbill's own place words read in Spanish, and only whole
    /// parts of the line: an organizer's venue keeps its name.
    #[test]
    fn place_words_read_in_spanish_and_names_stay() {
        assert_eq!(
            place_words_es(&format!(
                "JFK Federal Building, {ROOM_TBA}, 15 New Sudbury St"
            )),
            "JFK Federal Building, Sala por anunciar, 15 New Sudbury St",
            "the room to be announced"
        );
        assert_eq!(place_words_es(LOCATION_TBA), "Lugar por anunciar");
        assert_eq!(place_words_es("Online"), "En línea");
        assert_eq!(
            place_words_es("Online Organizing Center, Room to be announced later"),
            "Online Organizing Center, Room to be announced later",
            "the organizer's own words stay as typed"
        );
    }

    /// Proves one host presents and several present, however they are joined.
    #[test]
    fn one_host_presents_and_several_present() {
        assert_eq!(presenting("ISO-Boston"), "ISO-Boston presents", "one host");
        assert_eq!(
            presenting(" National Students for Justice in Palestine "),
            "National Students for Justice in Palestine presents",
            "one host, trimmed, whose name has no joining word"
        );
        for many in [
            "ISO-Boston & Justice4Siham Coalition",
            "ISO-Boston and Justice4Siham Coalition",
            "ISO-Boston, SJP and MIRA",
            "ISO-Boston y Comité Latino",
        ] {
            assert!(
                presenting(many).ends_with(" present"),
                "several hosts present: {many}"
            );
        }
    }
}
