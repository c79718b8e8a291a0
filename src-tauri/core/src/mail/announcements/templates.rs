//! Drafts: the subject and Markdown body a template fills from an event or a
//! tour — title and kind, date and time in the event's zone, the venue with
//! its room, address and accessibility notes, speakers, the demand list,
//! confirmed co-sponsors, links and the branch as host; for a tour, every
//! stop. The organizer edits the draft before it is sent.
//!
//! The facts are worded as the flyer words them ([`flyers::content_for_event`]
//! and [`flyers::content_for_tour`]: the same date line, place, change notice
//! and demand block), and speakers and co-sponsors as the listings name them,
//! so paper, web page and mail say the same thing. Text from the database is
//! escaped for Markdown, so a `*` or `[` in a name is printed, not rendered.

use crate::branch::{self, BranchProfile};
use crate::coalition::{self, invitation::what_cosponsoring_means};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::events::listing::{cosponsor_line, headline, speaker_line};
use crate::events::public::CancelledShown;
use crate::events::{self, Event, EventStatus, HistoryKind};
use crate::flyers::{self, DemandBlock, FlyerContent};

use super::letter::Template;
use super::personal::one_line;

/// The greeting every template opens with: a personal field with a fallback.
const GREETING: &str = "Dear {{first_name|friend}},";

/// The greeting a person with this first name gets from every template
/// ("Dear Ana," or, with no first name, "Dear friend,"): the import preview
/// shows it before anyone is imported.
pub fn greeting(first_name: &str) -> String {
    let name = one_line(first_name);
    let name = name.trim();
    GREETING.replace(
        "{{first_name|friend}}",
        if name.is_empty() { "friend" } else { name },
    )
}

/// The subject and Markdown body `template` makes from an event or a tour
/// (exactly one of `event_id` and `tour_id`).
pub fn draft(
    db: &Database,
    event_id: Option<i64>,
    tour_id: Option<i64>,
    template: Template,
) -> Result<(String, String)> {
    let branch = branch::require(db)?;
    match (event_id, tour_id) {
        (Some(id), None) => {
            let facts = EventFacts::load(db, id)?;
            Ok(event_draft(&facts, &branch, template))
        }
        (None, Some(id)) => {
            let facts = TourFacts::load(db, id, template)?;
            tour_draft(&facts, &branch, template)
        }
        (Some(_), Some(_)) => Err(Error::invalid_field(
            "tour_id",
            "An announcement is about one event or one tour: choose the event or the tour, not both.",
        )),
        (None, None) => Err(Error::invalid_field("event_id", "Choose the event or the tour the announcement is about.")),
    }
}

/// Text from the database made safe to put into Markdown in the middle of a
/// line: one line, with a backslash only before a character that would
/// otherwise change what is printed, so the organizer editing the draft sees
/// the names as typed ("#Justice4Siham & friends", "AT&T", "snake_case"), not
/// escapes. Escaped: emphasis and strike marks (`*`, `~`, and `_` not inside a
/// word), code (`` ` ``), links (`[`, `]`), HTML and autolinks (`<` before a
/// letter, `/`, `!` or `?`), an entity (`&amp;`), and a backslash before
/// punctuation or at the end.
fn md(text: &str) -> String {
    escape_markdown(&one_line(text), false)
}

/// As [`md`], for text that starts a line: a heading, list, quote or rule
/// mark at its start is escaped too ("\#1 priority", "1\. Line").
fn md_start(text: &str) -> String {
    escape_markdown(&one_line(text), true)
}

fn escape_markdown(text: &str, at_line_start: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric());
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).and_then(|j| chars.get(j));
        let after = chars.get(i + 1);
        let special = match c {
            '*' | '~' | '`' | '[' | ']' => true,
            '_' => !(word(before) && word(after)),
            '<' => after.is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?')),
            '&' => entity_at(&chars[i + 1..]),
            '\\' => after.is_none_or(|n| n.is_ascii_punctuation()),
            '#' | '+' | '-' | '=' | '>' => at_line_start && i == 0,
            _ => false,
        };
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    // "1. " at the start of a line would become a numbered list.
    if at_line_start {
        if let Some(dot) = out.find(['.', ')']) {
            if dot > 0 && out[..dot].bytes().all(|b| b.is_ascii_digit()) {
                out.insert(dot, '\\');
            }
        }
    }
    out
}

/// Whether the characters after an `&` make it an entity (`amp;`, `#38;`, `#x26;`).
fn entity_at(rest: &[char]) -> bool {
    let name = rest
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '#')
        .count();
    name > 0 && name <= 32 && rest.get(name) == Some(&';')
}

/// A link's address for Markdown's `<…>` form.
fn url(link: &str) -> String {
    one_line(link).replace(['<', '>', ' '], "")
}

/// Everything an event's announcement can say.
struct EventFacts {
    event: Event,
    flyer: FlyerContent,
    /// The place as one line: venue, room, address; or "Location to be announced".
    place: String,
    cosponsors: String,
    cosponsor_names: Vec<String>,
    /// The last change of place, if any: (old, new, reason).
    moved: Option<(String, String, String)>,
    /// The reason given with the latest change of status.
    status_reason: String,
    /// What comes next: the branch's next announced events, as one line each.
    next: Vec<String>,
}

/// How many coming events a follow-up names as the next steps.
const NEXT_STEPS: usize = 3;

impl EventFacts {
    fn load(db: &Database, id: i64) -> Result<EventFacts> {
        let event = events::get(db, id)?;
        let flyer = flyers::content_for_event(db, id)?;
        let cosponsors = coalition::confirmed_cosponsors(db, id)?;
        let history = events::history(db, id)?;
        let moved = history
            .iter()
            .rev()
            .find(|h| h.kind == HistoryKind::Venue)
            .map(|h| (h.old_value.clone(), h.new_value.clone(), h.reason.clone()));
        let status_reason = history
            .iter()
            .rev()
            .find(|h| h.kind == HistoryKind::Status)
            .map(|h| h.reason.clone())
            .unwrap_or_default();
        let place = match &flyer.place {
            Some(p) => [p.name.as_str(), p.room.as_str(), p.address.as_str()]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
            // A fund drive without a venue happens wherever people give.
            None if event.kind == events::EventKind::FundDrive => String::new(),
            None if flyer.location_note.is_empty() => events::public::LOCATION_TBA.to_owned(),
            None => flyer.location_note.clone(),
        };
        let next = events::views::upcoming_events(db, crate::clock::now())?
            .into_iter()
            .filter(|n| {
                n.id != id
                    && matches!(n.status, EventStatus::Announced | EventStatus::Rescheduled)
                    && n.start_at > event.start_at
            })
            .take(NEXT_STEPS)
            .map(|n| {
                format!(
                    "- **{}** — {}, {}",
                    md(&n.title),
                    md(&events::listing::when_line(&n)),
                    md(&events::listing::place_line(&n))
                )
            })
            .collect();
        Ok(EventFacts {
            next,
            place,
            cosponsors: cosponsor_line(&cosponsors),
            cosponsor_names: cosponsors.into_iter().map(|c| c.name).collect(),
            moved,
            status_reason,
            event,
            flyer,
        })
    }

    fn title(&self) -> String {
        one_line(&self.event.title)
    }

    fn when(&self) -> String {
        if self.event.start_date.is_empty() {
            "Date to be announced".to_owned()
        } else {
            self.flyer.when.clone()
        }
    }
}

/// "ISO-Boston & Justice4Siham Coalition present:", "ISO-Boston presents:",
/// or the branch as host.
fn host_line(hosts: &str, branch: &BranchProfile) -> String {
    if hosts.trim().is_empty() {
        format!("{} presents:", md_start(&branch.name))
    } else {
        format!("{}:", md_start(&events::public::presenting(hosts)))
    }
}

fn field(out: &mut String, label: &str, value: &str) {
    if !value.trim().is_empty() {
        out.push_str(&format!("**{label}:** {}  \n", md(value)));
    }
}

/// The When / Where / Accessibility / Online lines, as one paragraph.
fn details(out: &mut String, f: &EventFacts) {
    let mut block = String::new();
    field(&mut block, "When", &f.when());
    field(&mut block, "Where", &f.place);
    map(&mut block, f);
    field(&mut block, "Accessibility", &f.flyer.accessibility);
    if !f.event.online_link.is_empty() {
        block.push_str(&format!("**Online:** <{}>  \n", url(&f.event.online_link)));
    }
    push_block(out, block.trim_end_matches([' ', '\n']));
}

/// The address's map, on OpenStreetMap (no account, no tracking of the
/// reader by the branch), when the place has a street address.
fn map(out: &mut String, f: &EventFacts) {
    if let Some(link) = f.flyer.place.as_ref().and_then(|p| map_link(&p.address)) {
        out.push_str(&format!("**Map:** [Open the map]({link})  \n"));
    }
}

/// The OpenStreetMap search for `address`, or `None` when it is empty.
pub(crate) fn map_link(address: &str) -> Option<String> {
    let address = one_line(address);
    let address = address.trim();
    if address.is_empty() {
        return None;
    }
    let query: String = url::form_urlencoded::byte_serialize(address.as_bytes()).collect();
    Some(format!(
        "https://www.openstreetmap.org/search?query={query}"
    ))
}

fn push_block(out: &mut String, block: &str) {
    if block.trim().is_empty() {
        return;
    }
    out.push_str(block.trim_end());
    out.push_str("\n\n");
}

fn speakers(out: &mut String, list: &[events::Speaker]) {
    match list {
        [] => {}
        [one] => push_block(out, &format!("**Speaker:** {}", md(&speaker_line(one)))),
        many => {
            let mut block = "**Speakers:**\n\n".to_owned();
            for s in many {
                block.push_str(&format!("- {}\n", md_start(&speaker_line(s))));
            }
            push_block(out, &block);
        }
    }
}

fn demands(out: &mut String, block: &Option<DemandBlock>) {
    let Some(d) = block else { return };
    push_block(out, &format!("### {}", md(&d.title)));
    push_block(out, &md_start(&d.intro));
    let mut list = String::new();
    for (i, item) in d.items.iter().enumerate() {
        list.push_str(&format!("{}. {}\n", i + 1, md_start(item)));
    }
    push_block(out, &list);
}

fn description(out: &mut String, markdown: &str) {
    // The organizer's own Markdown, as they wrote it.
    push_block(out, markdown.trim());
}

fn links(out: &mut String, e: &Event) {
    let mut block = String::new();
    for (label, link) in [
        ("Event page", &e.links.event_page),
        ("RSVP", &e.links.rsvp),
        ("Donate", &e.links.donate),
    ] {
        if !link.trim().is_empty() {
            block.push_str(&format!("- [{label}](<{}>)\n", url(link)));
        }
    }
    if !block.is_empty() {
        push_block(out, &format!("**Links:**\n\n{block}"));
    }
}

fn reading_list(out: &mut String, e: &Event) {
    if e.reading_list.is_empty() {
        return;
    }
    let mut block = "**To read before:**\n\n".to_owned();
    for r in &e.reading_list {
        let title = if r.link.trim().is_empty() {
            format!("*{}*", md(&r.title))
        } else {
            format!("[*{}*](<{}>)", md(&r.title), url(&r.link))
        };
        let by = if r.author.trim().is_empty() {
            String::new()
        } else {
            format!(" by {}", md(&r.author))
        };
        block.push_str(&format!("- {title}{by}\n"));
    }
    push_block(out, &block);
}

/// A follow-up's next steps: the branch's next events, or an invitation to
/// write back when none is announced yet.
fn next_steps(out: &mut String, f: &EventFacts, heading: &str) {
    if f.next.is_empty() {
        push_block(
            out,
            "Our next events are being planned: reply to this email if you would like to help.",
        );
        return;
    }
    push_block(out, &format!("**{heading}**"));
    push_block(out, &f.next.join("\n"));
}

fn sign_off(out: &mut String, closing: &str, branch: &BranchProfile) {
    out.push_str(&format!("{closing},  \n{}\n", md_start(&branch.name)));
}

/// "If your organization would like to co-sponsor …, please contact us:
/// boston@example.org", the address a link in the HTML part.
fn cosponsor_call(e: &Event) -> String {
    let text = one_line(&e.cosponsor_call.text);
    let contact = one_line(&e.cosponsor_call.contact);
    match (text.is_empty(), contact.is_empty()) {
        (true, _) => String::new(),
        (false, true) => md_start(&text),
        (false, false) if text.contains(&contact) => md_start(&text),
        (false, false) => {
            let shown = if contact.contains('@') && !contact.contains(' ') {
                format!("<{}>", url(&contact))
            } else {
                md(&contact)
            };
            format!(
                "{}: {shown}",
                md_start(text.trim_end_matches(['.', ':', ' ']))
            )
        }
    }
}

/// The whole announcement of an event: everything the flyer says.
fn full_event(out: &mut String, f: &EventFacts, branch: &BranchProfile) {
    let e = &f.event;
    push_block(out, &host_line(&e.hosts, branch));
    push_block(out, &format!("## {}", md(&f.title())));
    let mut kind = format!("**{}**", md(e.kind.label()));
    if !f.cosponsors.is_empty() {
        kind.push_str(&format!(" · {}", md(&f.cosponsors)));
    }
    push_block(out, &kind);
    details(out, f);
    speakers(out, &e.speakers);
    description(out, &e.description);
    demands(out, &f.flyer.demands);
    if !e.rules.trim().is_empty() {
        push_block(out, &format!("**Please note:** {}", md(&e.rules)));
    }
    reading_list(out, e);
    push_block(out, &cosponsor_call(e));
    links(out, e);
}

fn event_draft(f: &EventFacts, branch: &BranchProfile, template: Template) -> (String, String) {
    let e = &f.event;
    let title = f.title();
    let mut body = String::new();
    push_block(&mut body, GREETING);
    let subject = match template {
        Template::NewEvent => {
            full_event(&mut body, f, branch);
            sign_off(&mut body, "In solidarity", branch);
            one_line(&headline(e))
        }
        Template::Reminder => {
            push_block(
                &mut body,
                &format!("A reminder: **{}** is coming up.", md(&title)),
            );
            details(&mut body, f);
            speakers(&mut body, &e.speakers);
            links(&mut body, e);
            sign_off(&mut body, "See you there", branch);
            format!("Reminder: {title} — {}", f.when())
        }
        Template::Rescheduled => {
            let change = f
                .flyer
                .change
                .as_ref()
                .filter(|c| c.headline == "RESCHEDULED");
            push_block(
                &mut body,
                &format!("**{}** has been rescheduled.", md(&title)),
            );
            let mut block = String::new();
            field(&mut block, "New date", &f.when());
            if let Some(c) = change {
                field(
                    &mut block,
                    "Originally",
                    c.earlier.trim_start_matches("Originally "),
                );
            }
            if let Some((old, new, _)) = &f.moved {
                field(&mut block, "New place", &f.place);
                if old != new {
                    field(&mut block, "Before", old);
                }
            } else {
                field(&mut block, "Where", &f.place);
            }
            map(&mut block, f);
            field(&mut block, "Accessibility", &f.flyer.accessibility);
            let reason = change
                .map(|c| c.reason.clone())
                .filter(|r| !r.trim().is_empty())
                .or_else(|| f.moved.as_ref().map(|m| m.2.clone()));
            if let Some(reason) = reason.filter(|r| !r.trim().is_empty()) {
                field(&mut block, "Why", &reason);
            }
            push_block(&mut body, &block);
            speakers(&mut body, &e.speakers);
            links(&mut body, e);
            push_block(
                &mut body,
                "Please update your calendar. We hope to see you at the new time.",
            );
            sign_off(&mut body, "In solidarity", branch);
            format!("Rescheduled: {title} — now {}", f.when())
        }
        Template::Cancelled => {
            push_block(
                &mut body,
                &format!(
                    "We are sorry to tell you that **{}**, planned for {}, is cancelled.",
                    md(&title),
                    md(&f.when())
                ),
            );
            let reason = f
                .flyer
                .change
                .as_ref()
                .map(|c| c.reason.clone())
                .filter(|r| !r.trim().is_empty())
                .unwrap_or_else(|| f.status_reason.clone());
            if !reason.trim().is_empty() {
                push_block(&mut body, &format!("**Why:** {}", md(&reason)));
            }
            push_block(
                &mut body,
                "Please take it off your calendar. We will write when there is a new date.",
            );
            sign_off(&mut body, "In solidarity", branch);
            format!("Cancelled: {title} ({})", f.when())
        }
        Template::ThankYou => {
            push_block(
                &mut body,
                &format!(
                    "Thank you for coming to **{}** on {}. It meant a lot to have you there.",
                    md(&title),
                    md(&f.when())
                ),
            );
            next_steps(&mut body, f, "What comes next:");
            links(&mut body, e);
            sign_off(&mut body, "In solidarity", branch);
            format!("Thank you for coming to {title}")
        }
        Template::MissedYou => {
            push_block(
                &mut body,
                &format!(
                    "We missed you at **{}** on {}. We hope all is well, and we would love to see you again.",
                    md(&title),
                    md(&f.when())
                ),
            );
            next_steps(&mut body, f, "Coming up next:");
            sign_off(&mut body, "Hope to see you soon", branch);
            format!("We missed you at {title}")
        }
        Template::CosponsorInvitation => {
            let signer = if branch.short_name.is_empty() {
                &branch.name
            } else {
                &branch.short_name
            };
            body.clear();
            push_block(&mut body, "Dear {{first_name|friends}},");
            push_block(
                &mut body,
                &format!(
                    "{} invites your organization to co-sponsor our upcoming {}:",
                    md_start(signer),
                    md(&e.kind.label().to_lowercase())
                ),
            );
            full_event(&mut body, f, branch);
            if !f.cosponsor_names.is_empty() {
                push_block(
                    &mut body,
                    &format!(
                        "Already co-sponsoring: {}.",
                        md(&f.cosponsor_names.join(", "))
                    ),
                );
            }
            push_block(
                &mut body,
                &md_start(&what_cosponsoring_means("your organization")),
            );
            let reply_to = if e.cosponsor_call.contact.trim().is_empty() {
                &branch.contact_email
            } else {
                &e.cosponsor_call.contact
            };
            push_block(&mut body, &format!("Please reply to this email (or write to {}) to tell us whether your organization will co-sponsor.", md(reply_to)));
            sign_off(&mut body, "In solidarity", branch);
            format!("Invitation to co-sponsor: {title}")
        }
    };
    (one_line(&subject), body)
}

/// Everything a tour's announcement can say.
struct TourFacts {
    tour: events::Tour,
    flyer: FlyerContent,
    cosponsors: String,
    cosponsor_names: Vec<String>,
    /// Each stop's change notice (rescheduled, postponed, cancelled), in stop order.
    changes: Vec<Option<flyers::ChangeNotice>>,
}

impl TourFacts {
    fn load(db: &Database, id: i64, template: Template) -> Result<TourFacts> {
        let t = events::get_tour(db, id)?;
        // Cancelled stops as the branch chose; a notice of changes or
        // cancellations lists them even when the branch leaves them out.
        let mut how = branch::cancelled_shown(db)?;
        if how == CancelledShown::Hidden
            && matches!(template, Template::Rescheduled | Template::Cancelled)
        {
            how = CancelledShown::Marked;
        }
        let flyer = flyers::content_for_tour_shown(db, id, None, how)?;
        let cosponsors = coalition::confirmed_tour_cosponsors(db, id)?;
        // In the order of the flyer's stops.
        let changes = flyer
            .stops
            .iter()
            .map(|mark| {
                let s = t.stops.iter().find(|s| s.id == mark.event_id);
                match s {
                    Some(s)
                        if s.status != EventStatus::Announced && s.status != EventStatus::Draft =>
                    {
                        flyers::content_for_event(db, s.id).map(|c| c.change)
                    }
                    _ => Ok(None),
                }
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(TourFacts {
            tour: t.tour,
            flyer,
            cosponsors: cosponsor_line(&cosponsors),
            cosponsor_names: cosponsors.into_iter().map(|c| c.name).collect(),
            changes,
        })
    }

    fn title(&self) -> String {
        one_line(&self.tour.title)
    }
}

/// "Meetings near you": one line per stop, its change and reason after it.
fn stops(out: &mut String, f: &TourFacts, with_reasons: bool) {
    let mut block = "**Meetings near you:**\n\n".to_owned();
    if f.flyer.stops.is_empty() {
        block.push_str("- Dates and places coming soon\n");
    }
    for (i, s) in f.flyer.stops.iter().enumerate() {
        let note = if s.note.is_empty() {
            String::new()
        } else {
            format!(" — **{}**", md(&s.note.to_lowercase()))
        };
        // Struck through (when the branch chose so), still saying "cancelled".
        let strike = if s.struck { "~~" } else { "" };
        if s.place.is_empty() {
            block.push_str(&format!("- {strike}**{}**{strike}{note}\n", md(&s.when)));
        } else {
            block.push_str(&format!(
                "- {strike}**{}** — {}{strike}{note}\n",
                md(&s.when),
                md(&s.place)
            ));
        }
        if with_reasons {
            if let Some(Some(c)) = f.changes.get(i) {
                let mut said = Vec::new();
                if !c.earlier.is_empty() {
                    said.push(md_start(&c.earlier));
                }
                if !c.reason.trim().is_empty() {
                    said.push(md_start(&c.reason));
                }
                if !said.is_empty() {
                    block.push_str(&format!("  {}\n", said.join(". ")));
                }
            }
        }
    }
    push_block(out, &block);
}

fn full_tour(out: &mut String, f: &TourFacts, branch: &BranchProfile) {
    push_block(out, &host_line(&f.tour.hosts, branch));
    push_block(out, &format!("## {}", md(&f.title())));
    let mut kind = "**Speaking tour**".to_owned();
    if !f.cosponsors.is_empty() {
        kind.push_str(&format!(" · {}", md(&f.cosponsors)));
    }
    push_block(out, &kind);
    speakers(out, &f.tour.speakers);
    description(out, &f.tour.description);
    stops(out, f, false);
    demands(out, &f.flyer.demands);
    if !f.flyer.link.is_empty() {
        push_block(out, &format!("More: <{}>", url(&f.flyer.link)));
    }
}

fn tour_draft(
    f: &TourFacts,
    branch: &BranchProfile,
    template: Template,
) -> Result<(String, String)> {
    let title = f.title();
    let mut body = String::new();
    push_block(&mut body, GREETING);
    let subject = match template {
        Template::NewEvent => {
            full_tour(&mut body, f, branch);
            sign_off(&mut body, "In solidarity", branch);
            format!("Speaking tour: {title}")
        }
        Template::Reminder => {
            push_block(
                &mut body,
                &format!(
                    "A reminder: the tour **{}** is coming to a campus near you.",
                    md(&title)
                ),
            );
            speakers(&mut body, &f.tour.speakers);
            stops(&mut body, f, false);
            sign_off(&mut body, "See you there", branch);
            format!("Reminder: {title}")
        }
        Template::Rescheduled => {
            push_block(
                &mut body,
                &format!(
                    "Some stops of **{}** have changed. Here is every stop as it stands now:",
                    md(&title)
                ),
            );
            stops(&mut body, f, true);
            push_block(&mut body, "Please update your calendar.");
            sign_off(&mut body, "In solidarity", branch);
            format!("Changed dates: {title}")
        }
        Template::Cancelled => {
            push_block(
                &mut body,
                &format!(
                    "We are sorry to tell you that stops of **{}** are cancelled:",
                    md(&title)
                ),
            );
            stops(&mut body, f, true);
            sign_off(&mut body, "In solidarity", branch);
            format!("Cancelled: {title}")
        }
        Template::CosponsorInvitation => {
            let signer = if branch.short_name.is_empty() {
                &branch.name
            } else {
                &branch.short_name
            };
            body.clear();
            push_block(&mut body, "Dear {{first_name|friends}},");
            push_block(
                &mut body,
                &format!(
                    "{} invites your organization to co-sponsor our speaking tour:",
                    md_start(signer)
                ),
            );
            full_tour(&mut body, f, branch);
            if !f.cosponsor_names.is_empty() {
                push_block(
                    &mut body,
                    &format!(
                        "Already co-sponsoring: {}.",
                        md(&f.cosponsor_names.join(", "))
                    ),
                );
            }
            push_block(
                &mut body,
                &md_start(&what_cosponsoring_means("your organization")),
            );
            push_block(&mut body, &format!("Please reply to this email (or write to {}) to tell us whether your organization will co-sponsor.", md(&branch.contact_email)));
            sign_off(&mut body, "In solidarity", branch);
            format!("Invitation to co-sponsor: {title}")
        }
        Template::ThankYou | Template::MissedYou => return Err(follow_up_of_tour(template)),
    };
    Ok((one_line(&subject), body))
}

/// Thanks and missed-you follow one event's sign-in sheet, not a tour.
pub(crate) fn follow_up_of_tour(template: Template) -> Error {
    Error::invalid_field(
        "template",
        format!(
            "“{}” follows one event's sign-in sheet: choose the stop of the tour people came to.",
            template.label()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::{md, md_start};

    /// Proves names with Markdown characters are printed as typed, with a
    /// backslash only where the character would change what is printed.
    #[test]
    fn markdown_characters_in_names_are_escaped_only_where_they_would_act() {
        assert_eq!(
            md_start("#Justice4Siham *now*"),
            "\\#Justice4Siham \\*now\\*",
            "at a line's start a heading mark is escaped, emphasis anywhere"
        );
        assert_eq!(
            md("#Justice4Siham & #Justice4Naseem Rally"),
            "#Justice4Siham & #Justice4Naseem Rally",
            "in the middle of a line a hash and a lone ampersand stay as typed"
        );
        assert_eq!(
            md_start("1. Line\r\nTwo"),
            "1\\. Line Two",
            "a list number is escaped and lines joined"
        );
        assert_eq!(md("1. Line"), "1. Line", "mid-line a number is no list");
        assert_eq!(
            md("A & B &amp; AT&T &#38;"),
            "A & B \\&amp; AT&T \\&#38;",
            "only an entity is escaped"
        );
        assert_eq!(
            md(r"snake_case _x_ a\b c\*"),
            r"snake_case \_x\_ a\b c\\\*",
            "an underscore inside a word and a backslash before a letter stay"
        );
        assert_eq!(
            md("<b>x</b> 3 < 4"),
            r"\<b>x\</b> 3 < 4",
            "only a tag's opening is escaped"
        );
    }
}
