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

use jiff::Timestamp;

use super::public::{self, CancelledShown, Shown};
use super::views::upcoming;
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

/// When an event is, without its zone: [`public::when_text`].
pub fn when_line(e: &Event) -> String {
    public::when_text(e, false)
}

/// How a calendar names the place: venue, room (when known), address,
/// city; "Online", or "Location to be announced".
pub fn location_text(e: &Event) -> String {
    match &e.venue {
        Some(v) => {
            let room = if e.no_room {
                ""
            } else {
                e.room_or_venue_room().trim()
            };
            [v.name.trim(), room, v.address.trim(), v.city.trim()]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        }
        None if e.attendance == super::Attendance::Online => "Online".into(),
        None => public::LOCATION_TBA.into(),
    }
}

/// Where, as every public output says it: [`public::place_text`].
pub fn place_line(e: &Event) -> String {
    public::place_text(e)
}

/// "1/27 Rally: #Justice4Siham Rally", with "CANCELLED:" or "RESCHEDULED:" first.
pub fn headline(e: &Event) -> String {
    let mark = match e.status {
        EventStatus::Cancelled => "CANCELLED: ",
        EventStatus::Rescheduled => "RESCHEDULED: ",
        EventStatus::Postponed => "POSTPONED: ",
        _ => "",
    };
    format!("{mark}{}", plain_headline(e))
}

/// "1/27 Rally: #Justice4Siham Rally", without its change.
fn plain_headline(e: &Event) -> String {
    let date = e
        .start_date
        .parse::<jiff::civil::Date>()
        .ok()
        .map(|d| format!("{}/{} ", d.month(), d.day()))
        .unwrap_or_default();
    format!("{date}{}: {}", e.kind.label(), e.title)
}

/// An event's headline as a listing shows it: marked, or struck through
/// (with the text and the HTML's own marks) and still saying "(cancelled)".
fn shown_headline(e: &Event, shown: Shown, html: bool) -> String {
    if !shown.struck {
        return if html { esc(&headline(e)) } else { headline(e) };
    }
    let title = plain_headline(e);
    if html {
        format!("<s>{}</s> (cancelled)", esc(&title))
    } else {
        format!("~~{title}~~ (cancelled)")
    }
}

/// One stop of a tour as a listing prints it: when — where, the stop's own
/// speakers, and its change ("(cancelled)"); struck through in Markdown's
/// way (`~~…~~`) when the organizer chose so.
fn stop_line(
    e: &Event,
    shown: Shown,
    name_zone: bool,
    tour_speakers: &[Speaker],
) -> (String, String) {
    let place = public::place_text(e);
    let when = public::when_text(e, name_zone);
    let mut line = if place.is_empty() {
        when
    } else {
        format!("{when} — {place}")
    };
    if let Some(with) = public::own_speakers(e, tour_speakers) {
        line.push_str(&format!(" — {with}"));
    }
    let mark = if shown.note.is_empty() {
        String::new()
    } else {
        format!(" ({})", shown.note.to_lowercase())
    };
    (line, mark)
}

/// The stops a tour's listing shows, and whether their times name zones.
struct PublicStops<'a> {
    stops: Vec<(&'a Event, Shown)>,
    name_zone: bool,
}

fn public_stops<'a>(
    db: &Database,
    stops: &'a [Event],
    cancelled: CancelledShown,
) -> Result<PublicStops<'a>> {
    let stops = public::public_events(stops, cancelled);
    let home = crate::branch::get(db)?.map(|b| b.time_zone);
    let name_zone = public::zones_named(stops.iter().map(|(e, _)| *e), home.as_deref());
    Ok(PublicStops { stops, name_zone })
}

/// Whether the upcoming events listed name their zones.
fn upcoming_zones(
    db: &Database,
    groups: &[super::MonthGroup],
    cancelled: CancelledShown,
) -> Result<bool> {
    let home = crate::branch::get(db)?.map(|b| b.time_zone);
    Ok(public::zones_named(
        groups
            .iter()
            .flat_map(|g| g.events.iter())
            .filter(|e| public::shown(e, cancelled).is_some()),
        home.as_deref(),
    ))
}

/// "Dates and places coming soon": what a tour without a dated stop says.
pub const TOUR_COMING_SOON: &str = "Dates and places coming soon";

/// The lines a listing gives one event, in order, each as plain text.
fn event_lines(e: &Event, c: &Coalition, name_zone: bool) -> Vec<String> {
    let mut lines = Vec::new();
    if !e.hosts.is_empty() {
        lines.push(format!("{}:", public::presenting(&e.hosts)));
    }
    if !c.cosponsors.is_empty() {
        lines.push(cosponsor_line(&c.cosponsors));
    }
    if !e.speakers.is_empty() {
        let names: Vec<String> = e.speakers.iter().map(speaker_line).collect();
        lines.push(format!("with {}", names.join(" and ")));
    }
    lines.push(public::when_text(e, name_zone));
    let place = public::place_text(e);
    if !place.is_empty() {
        lines.push(place);
    }
    lines
}

fn event_text(e: &Event, shown: Shown, c: &Coalition, name_zone: bool, out: &mut String) {
    out.push_str(&shown_headline(e, shown, false));
    out.push('\n');
    for line in event_lines(e, c, name_zone) {
        out.push_str(&line);
        out.push('\n');
    }
    if let Some(list) = &c.demands {
        out.push('\n');
        demands_text(list, out);
    }
    out.push('\n');
}

/// Which listing to print, as the window and the command line ask for it:
/// a tour's, or (none) every upcoming event's; plain text or HTML; and how
/// cancelled events show (drafts never do).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListingRequest {
    pub tour_id: Option<i64>,
    pub html: bool,
    pub cancelled: CancelledShown,
}

/// The listing a request asks for (upcoming as of now), for the window's
/// "Copy listing" and `handbill event listing`.
pub fn render(db: &Database, request: &ListingRequest) -> Result<String> {
    let now = crate::clock::now();
    let c = request.cancelled;
    match (request.tour_id, request.html) {
        (Some(id), false) => tour_text_as(db, id, c),
        (Some(id), true) => tour_html_as(db, id, c),
        (None, false) => upcoming_text_as(db, now, c),
        (None, true) => upcoming_html_as(db, now, c),
    }
}

/// Upcoming events at `now` as plain text, by month (drafts left out).
pub fn upcoming_text(db: &Database, now: Timestamp) -> Result<String> {
    upcoming_text_as(db, now, crate::branch::cancelled_shown(db)?)
}

fn upcoming_text_as(db: &Database, now: Timestamp, cancelled: CancelledShown) -> Result<String> {
    let groups = upcoming(db, now)?;
    let name_zone = upcoming_zones(db, &groups, cancelled)?;
    let mut out = String::new();
    for g in &groups {
        let events = public::public_events(&g.events, cancelled);
        if events.is_empty() {
            continue;
        }
        out.push_str(&format!("{}\n\n", g.label));
        for (e, shown) in events {
            event_text(e, shown, &coalition_of(db, e)?, name_zone, &mut out);
        }
    }
    Ok(out)
}

/// The lines of a tour's listing before its stops: title, hosts,
/// co-sponsors, speakers; then its description and demand list.
fn tour_head(t: &super::TourWithStops, cosponsors: &[Cosponsor]) -> Vec<String> {
    let mut lines = Vec::new();
    if !t.tour.hosts.is_empty() {
        lines.push(format!("{}:", public::presenting(&t.tour.hosts)));
    }
    if !cosponsors.is_empty() {
        lines.push(cosponsor_line(cosponsors));
    }
    if !t.tour.speakers.is_empty() {
        let names: Vec<String> = t.tour.speakers.iter().map(speaker_line).collect();
        lines.push(format!("with {}", names.join(" and ")));
    }
    lines
}

/// A tour as plain text: title, hosts, speakers, description, then
/// "Meetings near you" with one line per public stop.
pub fn tour_text(db: &Database, tour_id: i64) -> Result<String> {
    tour_text_as(db, tour_id, crate::branch::cancelled_shown(db)?)
}

fn tour_text_as(db: &Database, tour_id: i64, cancelled: CancelledShown) -> Result<String> {
    let t = super::tours::get_tour(db, tour_id)?;
    let mut out = format!("{}\n", t.tour.title);
    let cosponsors = coalition::confirmed_tour_cosponsors(db, tour_id)?;
    for line in tour_head(&t, &cosponsors) {
        out.push_str(&line);
        out.push('\n');
    }
    if !t.tour.description.trim().is_empty() {
        out.push_str(&format!("\n{}\n", t.tour.description.trim()));
    }
    if let Some(list) = coalition::demand_list_for_tour(db, tour_id)? {
        out.push('\n');
        demands_text(&list, &mut out);
    }
    let p = public_stops(db, &t.stops, cancelled)?;
    out.push_str("\nMeetings near you:\n");
    if !p.stops.iter().any(|(s, _)| !s.start_date.is_empty()) {
        out.push_str(&format!("- {TOUR_COMING_SOON}\n"));
        return Ok(out);
    }
    for (s, shown) in &p.stops {
        let (line, mark) = stop_line(s, *shown, p.name_zone, &t.tour.speakers);
        if shown.struck {
            out.push_str(&format!("- ~~{line}~~{mark}\n"));
        } else {
            out.push_str(&format!("- {line}{mark}\n"));
        }
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

fn event_html(e: &Event, shown: Shown, c: &Coalition, name_zone: bool, out: &mut String) {
    out.push_str(&format!(
        "<div class=\"event\"><h3>{}</h3>",
        shown_headline(e, shown, true)
    ));
    // Everything the text says; the when and the where in one paragraph.
    let mut lines = event_lines(e, c, name_zone);
    let place = public::place_text(e);
    if !place.is_empty() {
        lines.pop();
    }
    let when = lines.pop().unwrap_or_default();
    let cosponsors = cosponsor_line(&c.cosponsors);
    for line in &lines {
        let class = if !cosponsors.is_empty() && *line == cosponsors {
            " class=\"cosponsors\""
        } else {
            ""
        };
        out.push_str(&format!("<p{class}>{}</p>", esc(line)));
    }
    if place.is_empty() {
        out.push_str(&format!("<p><strong>{}</strong></p>", esc(&when)));
    } else {
        out.push_str(&format!(
            "<p><strong>{}</strong><br>{}</p>",
            esc(&when),
            esc(&place)
        ));
    }
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
    upcoming_html_as(db, now, crate::branch::cancelled_shown(db)?)
}

fn upcoming_html_as(db: &Database, now: Timestamp, cancelled: CancelledShown) -> Result<String> {
    let groups = upcoming(db, now)?;
    let name_zone = upcoming_zones(db, &groups, cancelled)?;
    let mut out = String::new();
    for g in &groups {
        let events = public::public_events(&g.events, cancelled);
        if events.is_empty() {
            continue;
        }
        out.push_str(&format!("<h2>{}</h2>", esc(&g.label)));
        for (e, shown) in events {
            event_html(e, shown, &coalition_of(db, e)?, name_zone, &mut out);
        }
    }
    Ok(ammonia::clean(&out))
}

/// A tour as sanitized HTML: everything its text says, with its "Meetings
/// near you" list.
pub fn tour_html(db: &Database, tour_id: i64) -> Result<String> {
    tour_html_as(db, tour_id, crate::branch::cancelled_shown(db)?)
}

fn tour_html_as(db: &Database, tour_id: i64, cancelled: CancelledShown) -> Result<String> {
    let t = super::tours::get_tour(db, tour_id)?;
    let mut out = format!("<h2>{}</h2>", esc(&t.tour.title));
    let cosponsors = coalition::confirmed_tour_cosponsors(db, tour_id)?;
    let cosponsor_text = cosponsor_line(&cosponsors);
    for line in tour_head(&t, &cosponsors) {
        if !cosponsors.is_empty() && line == cosponsor_text {
            out.push_str(&format!("<p class=\"cosponsors\">{}</p>", esc(&line)));
        } else {
            out.push_str(&format!("<p>{}</p>", esc(&line)));
        }
    }
    out.push_str(&markdown_html(&t.tour.description));
    if let Some(list) = coalition::demand_list_for_tour(db, tour_id)? {
        demands_html(&list, &mut out);
    }
    let p = public_stops(db, &t.stops, cancelled)?;
    out.push_str("<h3>Meetings near you</h3><ul>");
    let any_dated = p.stops.iter().any(|(s, _)| !s.start_date.is_empty());
    if !any_dated {
        out.push_str(&format!("<li>{TOUR_COMING_SOON}</li>"));
    } else {
        for (s, shown) in &p.stops {
            let (line, mark) = stop_line(s, *shown, p.name_zone, &t.tour.speakers);
            if shown.struck {
                out.push_str(&format!("<li><s>{}</s>{}</li>", esc(&line), esc(&mark)));
            } else {
                out.push_str(&format!("<li>{}{}</li>", esc(&line), esc(&mark)));
            }
        }
    }
    out.push_str("</ul>");
    Ok(ammonia::clean(&out))
}
