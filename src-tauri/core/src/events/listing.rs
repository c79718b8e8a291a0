//! Listings: events as a branch's web page announces them, in plain text and
//! in sanitized HTML — upcoming events by month, or a tour with "Meetings near
//! you", one line per stop with date, time, venue, room and address.
//! Markdown descriptions are rendered with `pulldown-cmark` and every piece of
//! HTML goes through `ammonia`, so no script, event handler or `javascript:`
//! link from a description or an imported file reaches a page.
//!
//! An event names its confirmed co-sponsors only, in the organizer's order
//! (a tour stop also the tour's), and prints the demand list it carries, in
//! the version it was announced with.

use jiff::civil::{Date, Time};
use jiff::Timestamp;

use super::views::{month_name, upcoming};
use super::{Event, EventStatus, Speaker};
use crate::coalition::{self, Cosponsor, DemandListVersion};
use crate::db::Database;
use crate::error::Result;

/// What the coalition adds to an event's listing.
struct Coalition {
    cosponsors: Vec<Cosponsor>,
    demands: Option<DemandListVersion>,
}

fn coalition_of(db: &Database, e: &Event) -> Result<Coalition> {
    Ok(Coalition {
        cosponsors: coalition::confirmed_cosponsors(db, e.id)?,
        demands: coalition::demand_list_for_event(db, e.id)?,
    })
}

/// "Co-sponsored by A, B and C".
pub fn cosponsor_line(cosponsors: &[Cosponsor]) -> String {
    let names: Vec<&str> = cosponsors.iter().map(|c| c.name.as_str()).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => format!("Co-sponsored by {last}"),
        Some((last, rest)) => format!("Co-sponsored by {} and {last}", rest.join(", ")),
    }
}

fn demands_text(list: &DemandListVersion, out: &mut String) {
    out.push_str(&format!("{}\n", list.title));
    if !list.intro.is_empty() {
        out.push_str(&format!("{}\n", list.intro));
    }
    for d in &list.demands {
        out.push_str(&format!("{}. {}\n", d.number, d.text));
    }
}

fn demands_html(list: &DemandListVersion, out: &mut String) {
    out.push_str(&format!(
        "<div class=\"demands\"><h4>{}</h4>",
        esc(&list.title)
    ));
    if !list.intro.is_empty() {
        out.push_str(&format!("<p>{}</p>", esc(&list.intro)));
    }
    out.push_str("<ol>");
    for d in &list.demands {
        out.push_str(&format!("<li>{}</li>", esc(&d.text)));
    }
    out.push_str("</ol></div>");
}

/// "Sharon Smith (Emerson College), author of Women and Socialism".
pub fn speaker_line(s: &Speaker) -> String {
    let mut line = s.name.clone();
    if !s.affiliation.is_empty() {
        line.push_str(&format!(" ({})", s.affiliation));
    }
    if !s.credit.is_empty() {
        line.push_str(&format!(", {}", s.credit));
    }
    line
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

fn day(date: &str) -> Option<Date> {
    date.parse().ok()
}

/// "Saturday, January 27, 2027 | 12:00 - 2:00 pm", "From January 15 until
/// February 10, 2027", or "Date and place coming soon".
pub fn when_line(e: &Event) -> String {
    let Some(start) = day(&e.start_date) else {
        return "Date and place coming soon".into();
    };
    let end = day(&e.end_date).unwrap_or(start);
    let long = |d: Date| {
        format!(
            "{}, {} {}, {}",
            d.strftime("%A"),
            month_name(d.month()),
            d.day(),
            d.year()
        )
    };
    if e.all_day {
        if end == start {
            return long(start);
        }
        return format!(
            "From {} {} until {} {}, {}",
            month_name(start.month()),
            start.day(),
            month_name(end.month()),
            end.day(),
            end.year()
        );
    }
    let times = match (clock(&e.start_time), clock(&e.end_time)) {
        (Some((s, sh)), Some((en, eh))) if e.start_time != e.end_time => {
            if sh == eh {
                format!("{s} - {en} {eh}")
            } else {
                format!("{s} {sh} - {en} {eh}")
            }
        }
        (Some((s, sh)), _) => format!("{s} {sh}"),
        _ => String::new(),
    };
    if end != start {
        return format!("{} {} - {} | {times}", long(start), e.start_time, long(end));
    }
    format!("{} | {times}", long(start))
}

/// How a listing or a calendar names the place: venue, room, address, city.
pub fn location_text(e: &Event) -> String {
    let mut parts: Vec<&str> = Vec::new();
    match &e.venue {
        Some(v) => parts.push(&v.name),
        None if e.attendance == super::Attendance::Online => parts.push("Online"),
        None => parts.push("Location to be decided"),
    }
    let room = e.room_or_venue_room();
    if !room.is_empty() {
        parts.push(room);
    }
    if let Some(v) = &e.venue {
        for p in [&v.address, &v.city] {
            if !p.is_empty() {
                parts.push(p);
            }
        }
    }
    parts.join(", ")
}

/// Where: "Cambridge Community Center, Room 2, 5 Callender St, Cambridge, MA",
/// "Kenmore Classroom Building, Room TBA", or "Location TBD".
pub fn place_line(e: &Event) -> String {
    if e.start_date.is_empty() && e.venue.is_none() {
        return String::new();
    }
    match &e.venue {
        None if e.attendance == super::Attendance::Online => "Online".into(),
        None if e.room.is_empty() => "Location TBD".into(),
        None => format!("Location TBD, {}", e.room),
        Some(_) if e.room_or_venue_room().is_empty() => {
            let full = location_text(e);
            let (name, rest) = full.split_once(", ").unwrap_or((&full, ""));
            if rest.is_empty() {
                format!("{name}, Room TBA")
            } else {
                format!("{name}, Room TBA, {rest}")
            }
        }
        Some(_) => location_text(e),
    }
}

/// "1/27 Rally: #Justice4Siham Rally", with "CANCELLED:" or "RESCHEDULED:" first.
pub fn headline(e: &Event) -> String {
    let mark = match e.status {
        EventStatus::Cancelled => "CANCELLED: ",
        EventStatus::Rescheduled => "RESCHEDULED: ",
        EventStatus::Postponed => "POSTPONED: ",
        _ => "",
    };
    let date = day(&e.start_date)
        .map(|d| format!("{}/{} ", d.month(), d.day()))
        .unwrap_or_default();
    format!("{mark}{date}{}: {}", e.kind.label(), e.title)
}

fn stop_line(e: &Event) -> String {
    let place = place_line(e);
    let when = when_line(e);
    let mark = match e.status {
        EventStatus::Cancelled => " (cancelled)",
        EventStatus::Postponed => " (postponed)",
        _ => "",
    };
    if place.is_empty() {
        format!("{when}{mark}")
    } else {
        format!("{when} — {place}{mark}")
    }
}

fn event_text(e: &Event, c: &Coalition, out: &mut String) {
    out.push_str(&headline(e));
    out.push('\n');
    if !e.hosts.is_empty() {
        out.push_str(&format!("{} present:\n", e.hosts));
    }
    if !c.cosponsors.is_empty() {
        out.push_str(&format!("{}\n", cosponsor_line(&c.cosponsors)));
    }
    if !e.speakers.is_empty() {
        let names: Vec<String> = e.speakers.iter().map(speaker_line).collect();
        out.push_str(&format!("with {}\n", names.join(" and ")));
    }
    out.push_str(&when_line(e));
    out.push('\n');
    let place = place_line(e);
    if !place.is_empty() {
        out.push_str(&place);
        out.push('\n');
    }
    if let Some(list) = &c.demands {
        out.push('\n');
        demands_text(list, out);
    }
    out.push('\n');
}

/// Which listing to print, as the window and the command line ask for it:
/// a tour's, or (none) every upcoming event's; plain text or HTML.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListingRequest {
    pub tour_id: Option<i64>,
    pub html: bool,
}

/// The listing a request asks for (upcoming as of now), for the window's
/// "Copy listing" and `handbill event listing`.
pub fn render(db: &Database, request: &ListingRequest) -> Result<String> {
    let now = crate::clock::now();
    match (request.tour_id, request.html) {
        (Some(id), false) => tour_text(db, id),
        (Some(id), true) => tour_html(db, id),
        (None, false) => upcoming_text(db, now),
        (None, true) => upcoming_html(db, now),
    }
}

/// Upcoming events at `now` as plain text, by month (drafts left out).
pub fn upcoming_text(db: &Database, now: Timestamp) -> Result<String> {
    let mut out = String::new();
    for g in upcoming(db, now)? {
        let events: Vec<&Event> = g
            .events
            .iter()
            .filter(|e| e.status != EventStatus::Draft)
            .collect();
        if events.is_empty() {
            continue;
        }
        out.push_str(&format!("{}\n\n", g.label));
        for e in events {
            event_text(e, &coalition_of(db, e)?, &mut out);
        }
    }
    Ok(out)
}

/// A tour as plain text: title, speakers, description, then "Meetings near
/// you" with one line per stop.
pub fn tour_text(db: &Database, tour_id: i64) -> Result<String> {
    let t = super::tours::get_tour(db, tour_id)?;
    let mut out = format!("{}\n", t.tour.title);
    if !t.tour.hosts.is_empty() {
        out.push_str(&format!("{} present:\n", t.tour.hosts));
    }
    let cosponsors = coalition::confirmed_tour_cosponsors(db, tour_id)?;
    if !cosponsors.is_empty() {
        out.push_str(&format!("{}\n", cosponsor_line(&cosponsors)));
    }
    if !t.tour.speakers.is_empty() {
        let names: Vec<String> = t.tour.speakers.iter().map(speaker_line).collect();
        out.push_str(&format!("with {}\n", names.join(" and ")));
    }
    if !t.tour.description.trim().is_empty() {
        out.push_str(&format!("\n{}\n", t.tour.description.trim()));
    }
    if let Some(list) = coalition::demand_list_for_tour(db, tour_id)? {
        out.push('\n');
        demands_text(&list, &mut out);
    }
    out.push_str("\nMeetings near you:\n");
    for s in &t.stops {
        out.push_str(&format!("- {}\n", stop_line(s)));
    }
    Ok(out)
}

fn esc(text: &str) -> String {
    ammonia::clean_text(text)
}

/// Markdown to HTML with anything unsafe removed.
pub fn markdown_html(markdown: &str) -> String {
    let parser =
        pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    // Links and images keep only absolute addresses: a listing or an email has
    // no page for a relative one to lead from, and a "relative" address such as
    // "\u{2028}javascript:…" only looks harmless to some readers.
    ammonia::Builder::default()
        .url_relative(ammonia::UrlRelative::Deny)
        .clean(&html)
        .to_string()
}

fn event_html(e: &Event, c: &Coalition, out: &mut String) {
    out.push_str(&format!(
        "<div class=\"event\"><h3>{}</h3>",
        esc(&headline(e))
    ));
    if !e.hosts.is_empty() {
        out.push_str(&format!("<p>{} present:</p>", esc(&e.hosts)));
    }
    if !c.cosponsors.is_empty() {
        out.push_str(&format!(
            "<p class=\"cosponsors\">{}</p>",
            esc(&cosponsor_line(&c.cosponsors))
        ));
    }
    if !e.speakers.is_empty() {
        let names: Vec<String> = e.speakers.iter().map(|s| esc(&speaker_line(s))).collect();
        out.push_str(&format!("<p>with {}</p>", names.join(" and ")));
    }
    out.push_str(&format!(
        "<p><strong>{}</strong><br>{}</p>",
        esc(&when_line(e)),
        esc(&place_line(e))
    ));
    out.push_str(&markdown_html(&e.description));
    if let Some(list) = &c.demands {
        demands_html(list, out);
    }
    for (label, link) in [
        ("Event page", &e.links.event_page),
        ("RSVP", &e.links.rsvp),
        ("Donate", &e.links.donate),
    ] {
        if !link.is_empty() {
            out.push_str(&format!("<p><a href=\"{}\">{label}</a></p>", esc(link)));
        }
    }
    out.push_str("</div>");
}

/// Upcoming events at `now` as sanitized HTML, by month (drafts left out).
pub fn upcoming_html(db: &Database, now: Timestamp) -> Result<String> {
    let mut out = String::new();
    for g in upcoming(db, now)? {
        let events: Vec<&Event> = g
            .events
            .iter()
            .filter(|e| e.status != EventStatus::Draft)
            .collect();
        if events.is_empty() {
            continue;
        }
        out.push_str(&format!("<h2>{}</h2>", esc(&g.label)));
        for e in events {
            event_html(e, &coalition_of(db, e)?, &mut out);
        }
    }
    Ok(ammonia::clean(&out))
}

/// A tour as sanitized HTML with its "Meetings near you" list.
pub fn tour_html(db: &Database, tour_id: i64) -> Result<String> {
    let t = super::tours::get_tour(db, tour_id)?;
    let mut out = format!("<h2>{}</h2>", esc(&t.tour.title));
    if !t.tour.speakers.is_empty() {
        let names: Vec<String> = t
            .tour
            .speakers
            .iter()
            .map(|s| esc(&speaker_line(s)))
            .collect();
        out.push_str(&format!("<p>with {}</p>", names.join(" and ")));
    }
    let cosponsors = coalition::confirmed_tour_cosponsors(db, tour_id)?;
    if !cosponsors.is_empty() {
        out.push_str(&format!(
            "<p class=\"cosponsors\">{}</p>",
            esc(&cosponsor_line(&cosponsors))
        ));
    }
    out.push_str(&markdown_html(&t.tour.description));
    if let Some(list) = coalition::demand_list_for_tour(db, tour_id)? {
        demands_html(&list, &mut out);
    }
    out.push_str("<h3>Meetings near you</h3><ul>");
    for s in &t.stops {
        out.push_str(&format!("<li>{}</li>", esc(&stop_line(s))));
    }
    out.push_str("</ul>");
    Ok(ammonia::clean(&out))
}
