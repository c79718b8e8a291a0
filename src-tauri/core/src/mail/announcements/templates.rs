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
use crate::flyers::{self, FlyerContent};

use super::letter::Template;
use super::personal::one_line;
use super::words::{self, fill, Words};

/// The greeting every English template opens with: a personal field with a fallback.
const GREETING: &str = words::ENGLISH.greeting;

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
/// (exactly one of `event_id` and `tour_id`), in the branch's first
/// language when Handbill drafts in it (English or Spanish), else English.
pub fn draft(
    db: &Database,
    event_id: Option<i64>,
    tour_id: Option<i64>,
    template: Template,
) -> Result<(String, String)> {
    // The main text is in the branch's first language (its footer is too),
    // when Handbill drafts in it; else in English.
    let first = branch::require(db)?
        .languages
        .first()
        .cloned()
        .unwrap_or_default();
    let tag = words::primary(&first);
    let language = if words::DRAFT_LANGUAGES.contains(&tag.as_str()) {
        tag
    } else {
        "en".to_owned()
    };
    draft_in(db, event_id, tour_id, template, &language)
}

/// As [`draft`], in `language` ("en" or "es", by its primary subtag): the
/// Spanish draft has Spanish words and dates, and the event's Spanish title
/// and description when it has them. Another language is refused naming the
/// field: its version is written by hand.
pub fn draft_in(
    db: &Database,
    event_id: Option<i64>,
    tour_id: Option<i64>,
    template: Template,
    language: &str,
) -> Result<(String, String)> {
    let tag = words::primary(language);
    let tag = if tag.is_empty() { "en".to_owned() } else { tag };
    if !words::DRAFT_LANGUAGES.contains(&tag.as_str()) {
        return Err(Error::invalid_field(
            "language",
            format!(
                "Handbill writes drafts in English (en) and Spanish (es), not “{}”: write this version yourself.",
                one_line(language)
            ),
        ));
    }
    let w = words::words(&tag);
    let branch = branch::require(db)?;
    match (event_id, tour_id) {
        (Some(id), None) => {
            let facts = EventFacts::load(db, id, w)?;
            Ok(event_draft(&facts, &branch, template, w))
        }
        (None, Some(id)) => {
            let facts = TourFacts::load(db, id, template, w)?;
            tour_draft(&facts, &branch, template, w)
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
    /// The language's words, and the event's date, title and description in it.
    w: &'static Words,
    when: String,
    title: String,
    description: String,
}

/// How many coming events a follow-up names as the next steps.
const NEXT_STEPS: usize = 3;

impl EventFacts {
    fn load(db: &Database, id: i64, w: &'static Words) -> Result<EventFacts> {
        let event = events::get(db, id)?;
        let spanish = w.language == "es";
        // In Spanish, with the demand list's Spanish translation where it has one.
        let flyer =
            flyers::content_for_event_in(db, id, (w.language != "en").then_some(w.language))?;
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
            Some(p) => {
                let line = [p.name.as_str(), p.room.as_str(), p.address.as_str()]
                    .into_iter()
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ");
                if spanish {
                    events::public::place_words_es(&line)
                } else {
                    line
                }
            }
            // A fund drive without a venue happens wherever people give.
            None if event.kind == events::EventKind::FundDrive => String::new(),
            None if flyer.location_note.is_empty()
                || flyer.location_note == events::public::LOCATION_TBA =>
            {
                w.location_tba.to_owned()
            }
            None if spanish => events::public::place_words_es(&flyer.location_note),
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
                let (title, when) = if spanish {
                    (translated(&n, w).0, words::when_es(&n))
                } else {
                    (n.title.clone(), events::listing::when_line(&n))
                };
                let place = events::listing::place_line(&n);
                let place = if spanish {
                    events::public::place_words_es(&place)
                } else {
                    place
                };
                format!("- **{}** — {}, {}", md(&title), md(&when), md(&place))
            })
            .collect();
        let when = if event.start_date.is_empty() {
            w.date_tba.to_owned()
        } else if spanish {
            words::when_es(&event)
        } else {
            flyer.when.clone()
        };
        let (title, description) = translated(&event, w);
        Ok(EventFacts {
            next,
            place,
            w,
            when,
            title: one_line(&title),
            description,
            cosponsors: cosponsors_in(&cosponsors, w),
            cosponsor_names: cosponsors.into_iter().map(|c| c.name).collect(),
            moved,
            status_reason,
            event,
            flyer,
        })
    }

    fn title(&self) -> String {
        self.title.clone()
    }

    fn when(&self) -> String {
        self.when.clone()
    }
}

/// The event's title and description in the words' language: its
/// translation's where it has one (each apart), else the event's own.
fn translated(e: &Event, w: &Words) -> (String, String) {
    let t = e
        .translations
        .iter()
        .find(|t| words::primary(&t.language) == w.language);
    let pick = |own: &str, theirs: Option<&str>| match theirs {
        Some(text) if !text.trim().is_empty() => text.to_owned(),
        _ => own.to_owned(),
    };
    (
        pick(&e.title, t.map(|t| t.title.as_str())),
        pick(&e.description, t.map(|t| t.description.as_str())),
    )
}

/// "Co-sponsored by A, B and C" in the words' language (in English as the
/// listings say it).
fn cosponsors_in(cosponsors: &[coalition::Cosponsor], w: &Words) -> String {
    if w.language == "en" {
        return cosponsor_line(cosponsors);
    }
    let names: Vec<&str> = cosponsors.iter().map(|c| c.name.as_str()).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => format!("{} {last}", w.cosponsored_by),
        Some((last, rest)) => format!("{} {} {} {last}", w.cosponsored_by, rest.join(", "), w.and),
    }
}

/// "ISO-Boston & Justice4Siham Coalition present:", "ISO-Boston presents:",
/// or the branch as host (one host presents, several present:
/// [`events::public::several_hosts`]).
fn host_line(hosts: &str, branch: &BranchProfile, w: &Words) -> String {
    if hosts.trim().is_empty() {
        fill(w.presents, &[("who", &md_start(&branch.name))])
    } else {
        let verb = if events::public::several_hosts(hosts) {
            w.present
        } else {
            w.presents
        };
        fill(verb, &[("who", &md_start(hosts.trim()))])
    }
}

fn field(out: &mut String, label: &str, value: &str) {
    if !value.trim().is_empty() {
        out.push_str(&format!("**{label}:** {}  \n", md(value)));
    }
}

/// The When / Where / Accessibility / Online lines, as one paragraph.
fn details(out: &mut String, f: &EventFacts) {
    let w = f.w;
    let mut block = String::new();
    field(&mut block, w.when, &f.when());
    field(&mut block, w.place, &f.place);
    map(&mut block, f, w);
    field(&mut block, w.accessibility, &f.flyer.accessibility);
    if !f.event.online_link.is_empty() {
        block.push_str(&format!(
            "**{}:** <{}>  \n",
            w.online,
            url(&f.event.online_link)
        ));
    }
    push_block(out, block.trim_end_matches([' ', '\n']));
}

/// The address's map, on OpenStreetMap (no account, no tracking of the
/// reader by the branch), when the place has a street address.
fn map(out: &mut String, f: &EventFacts, w: &Words) {
    if let Some(link) = f.flyer.place.as_ref().and_then(|p| map_link(&p.address)) {
        out.push_str(&format!("**{}:** [{}]({link})  \n", w.map, w.open_map));
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

fn speakers(out: &mut String, list: &[events::Speaker], w: &Words) {
    match list {
        [] => {}
        [one] => push_block(
            out,
            &format!("**{}:** {}", w.speaker, md(&speaker_line(one))),
        ),
        many => {
            let mut block = format!("**{}:**\n\n", w.speakers);
            for s in many {
                block.push_str(&format!("- {}\n", md_start(&speaker_line(s))));
            }
            push_block(out, &block);
        }
    }
}

/// The demand list, in its translation into the draft's language when the
/// flyer content has one.
fn demands(out: &mut String, flyer: &FlyerContent) {
    let Some(d) = flyer
        .demands_translation
        .as_ref()
        .or(flyer.demands.as_ref())
    else {
        return;
    };
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

fn links(out: &mut String, e: &Event, w: &Words) {
    let mut block = String::new();
    for (label, link) in [
        (w.event_page, &e.links.event_page),
        (w.rsvp, &e.links.rsvp),
        (w.donate, &e.links.donate),
    ] {
        if !link.trim().is_empty() {
            block.push_str(&format!("- [{label}](<{}>)\n", url(link)));
        }
    }
    if !block.is_empty() {
        push_block(out, &format!("**{}:**\n\n{block}", w.links));
    }
}

fn reading_list(out: &mut String, e: &Event, w: &Words) {
    if e.reading_list.is_empty() {
        return;
    }
    let mut block = format!("**{}:**\n\n", w.to_read);
    for r in &e.reading_list {
        let title = if r.link.trim().is_empty() {
            format!("*{}*", md(&r.title))
        } else {
            format!("[*{}*](<{}>)", md(&r.title), url(&r.link))
        };
        let by = if r.author.trim().is_empty() {
            String::new()
        } else {
            format!(" {} {}", w.by, md(&r.author))
        };
        block.push_str(&format!("- {title}{by}\n"));
    }
    push_block(out, &block);
}

/// A follow-up's next steps: the branch's next events, or an invitation to
/// write back when none is announced yet.
fn next_steps(out: &mut String, f: &EventFacts, heading: &str) {
    if f.next.is_empty() {
        push_block(out, f.w.next_planned);
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
    let w = f.w;
    push_block(out, &host_line(&e.hosts, branch, w));
    push_block(out, &format!("## {}", md(&f.title())));
    let mut kind = format!("**{}**", md(kind_label(e.kind, w)));
    if !f.cosponsors.is_empty() {
        kind.push_str(&format!(" · {}", md(&f.cosponsors)));
    }
    push_block(out, &kind);
    details(out, f);
    speakers(out, &e.speakers, w);
    description(out, &f.description);
    demands(out, &f.flyer);
    if !e.rules.trim().is_empty() {
        push_block(out, &format!("**{}:** {}", w.please_note, md(&e.rules)));
    }
    reading_list(out, e, w);
    push_block(out, &cosponsor_call(e));
    links(out, e, w);
}

/// How an event of this kind is named in the words' language.
fn kind_label(kind: events::EventKind, w: &Words) -> &'static str {
    if w.language == "es" {
        words::kind_es(kind)
    } else {
        kind.label()
    }
}

/// The paragraph on what co-sponsoring means, in the words' language.
fn cosponsoring_means(w: &Words) -> String {
    if w.cosponsoring_means.is_empty() {
        md_start(&what_cosponsoring_means("your organization"))
    } else {
        md_start(w.cosponsoring_means)
    }
}

fn event_draft(
    f: &EventFacts,
    branch: &BranchProfile,
    template: Template,
    w: &Words,
) -> (String, String) {
    let e = &f.event;
    let title = f.title();
    let when = f.when();
    let said = |text: &str| fill(text, &[("title", &md(&title)), ("when", &md(&when))]);
    let subject_of = |text: &str| fill(text, &[("title", &title), ("when", &when)]);
    let mut body = String::new();
    push_block(&mut body, w.greeting);
    let subject = match template {
        Template::NewEvent => {
            full_event(&mut body, f, branch);
            sign_off(&mut body, w.in_solidarity, branch);
            if w.language == "es" {
                format!("{}: {title} — {when}", kind_label(e.kind, w))
            } else {
                one_line(&headline(e))
            }
        }
        Template::Reminder => {
            push_block(&mut body, &said(w.reminder));
            details(&mut body, f);
            speakers(&mut body, &e.speakers, w);
            links(&mut body, e, w);
            sign_off(&mut body, w.see_you_there, branch);
            subject_of(w.subject_reminder)
        }
        Template::Rescheduled => {
            let change = f
                .flyer
                .change
                .as_ref()
                .filter(|c| c.headline == "RESCHEDULED");
            push_block(&mut body, &said(w.rescheduled));
            let mut block = String::new();
            field(&mut block, w.new_date, &when);
            if let Some(c) = change {
                let earlier = if w.language == "es" {
                    words::earlier_es(&c.earlier_date).unwrap_or_default()
                } else {
                    c.earlier.trim_start_matches("Originally ").to_owned()
                };
                field(&mut block, w.originally, &earlier);
            }
            if let Some((old, new, _)) = &f.moved {
                field(&mut block, w.new_place, &f.place);
                if old != new {
                    field(&mut block, w.before, old);
                }
            } else {
                field(&mut block, w.place, &f.place);
            }
            map(&mut block, f, w);
            field(&mut block, w.accessibility, &f.flyer.accessibility);
            let reason = change
                .map(|c| c.reason.clone())
                .filter(|r| !r.trim().is_empty())
                .or_else(|| f.moved.as_ref().map(|m| m.2.clone()));
            if let Some(reason) = reason.filter(|r| !r.trim().is_empty()) {
                field(&mut block, w.why, &reason);
            }
            push_block(&mut body, &block);
            speakers(&mut body, &e.speakers, w);
            links(&mut body, e, w);
            push_block(&mut body, w.update_calendar_new_time);
            sign_off(&mut body, w.in_solidarity, branch);
            subject_of(w.subject_rescheduled)
        }
        Template::Cancelled => {
            push_block(&mut body, &said(w.cancelled));
            let reason = f
                .flyer
                .change
                .as_ref()
                .map(|c| c.reason.clone())
                .filter(|r| !r.trim().is_empty())
                .unwrap_or_else(|| f.status_reason.clone());
            if !reason.trim().is_empty() {
                push_block(&mut body, &format!("**{}:** {}", w.why, md(&reason)));
            }
            push_block(&mut body, w.cancelled_off_calendar);
            sign_off(&mut body, w.in_solidarity, branch);
            subject_of(w.subject_cancelled)
        }
        Template::ThankYou => {
            push_block(&mut body, &said(w.thank_you));
            next_steps(&mut body, f, w.what_comes_next);
            links(&mut body, e, w);
            sign_off(&mut body, w.in_solidarity, branch);
            subject_of(w.subject_thank_you)
        }
        Template::MissedYou => {
            push_block(&mut body, &said(w.missed_you));
            next_steps(&mut body, f, w.coming_up_next);
            sign_off(&mut body, w.hope_to_see_you, branch);
            subject_of(w.subject_missed_you)
        }
        Template::CosponsorInvitation => {
            let signer = if branch.short_name.is_empty() {
                &branch.name
            } else {
                &branch.short_name
            };
            body.clear();
            push_block(&mut body, w.greeting_group);
            let kind = if w.language == "es" {
                words::kind_es(e.kind).to_lowercase()
            } else {
                e.kind.label().to_lowercase()
            };
            push_block(
                &mut body,
                &fill(
                    w.invites,
                    &[("who", &md_start(signer)), ("kind", &md(&kind))],
                ),
            );
            full_event(&mut body, f, branch);
            if !f.cosponsor_names.is_empty() {
                push_block(
                    &mut body,
                    &fill(
                        w.already_cosponsoring,
                        &[("names", &md(&f.cosponsor_names.join(", ")))],
                    ),
                );
            }
            push_block(&mut body, &cosponsoring_means(w));
            let reply_to = if e.cosponsor_call.contact.trim().is_empty() {
                &branch.contact_email
            } else {
                &e.cosponsor_call.contact
            };
            push_block(
                &mut body,
                &fill(w.reply_to_cosponsor, &[("contact", &md(reply_to))]),
            );
            sign_off(&mut body, w.in_solidarity, branch);
            subject_of(w.subject_invitation)
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
    /// The language's words, and in Spanish each stop's date and change
    /// mark in it (in stop order; empty in English, which the flyer's are).
    w: &'static Words,
    stops_es: Vec<(String, String)>,
}

impl TourFacts {
    fn load(db: &Database, id: i64, template: Template, w: &'static Words) -> Result<TourFacts> {
        let t = events::get_tour(db, id)?;
        // Cancelled stops as the branch chose; a notice of changes or
        // cancellations lists them even when the branch leaves them out.
        let mut how = branch::cancelled_shown(db)?;
        if how == CancelledShown::Hidden
            && matches!(template, Template::Rescheduled | Template::Cancelled)
        {
            how = CancelledShown::Marked;
        }
        let flyer = flyers::content_for_tour_shown(
            db,
            id,
            (w.language != "en").then_some(w.language),
            how,
        )?;
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
        let stops_es = if w.language == "es" {
            flyer
                .stops
                .iter()
                .map(|mark| {
                    let stop = events::get(db, mark.event_id)?;
                    let note = if mark.note.is_empty() {
                        ""
                    } else {
                        words::status_es(stop.status)
                    };
                    Ok((words::when_es(&stop), note.to_owned()))
                })
                .collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        Ok(TourFacts {
            tour: t.tour,
            flyer,
            cosponsors: cosponsors_in(&cosponsors, w),
            cosponsor_names: cosponsors.into_iter().map(|c| c.name).collect(),
            changes,
            w,
            stops_es,
        })
    }

    fn title(&self) -> String {
        one_line(&self.tour.title)
    }
}

/// "Meetings near you": one line per stop, its change and reason after it.
fn stops(out: &mut String, f: &TourFacts, with_reasons: bool) {
    let w = f.w;
    let mut block = format!("**{}**\n\n", w.meetings_near_you);
    if f.flyer.stops.is_empty() {
        block.push_str(&format!("- {}\n", w.dates_coming_soon));
    }
    for (i, s) in f.flyer.stops.iter().enumerate() {
        let (when, note) = match f.stops_es.get(i) {
            Some((when, note)) => (when.clone(), note.clone()),
            None => (s.when.clone(), s.note.to_lowercase()),
        };
        let note = if note.is_empty() {
            String::new()
        } else {
            format!(" — **{}**", md(&note))
        };
        // Struck through (when the branch chose so), still saying "cancelled".
        let strike = if s.struck { "~~" } else { "" };
        if s.place.is_empty() {
            block.push_str(&format!("- {strike}**{}**{strike}{note}\n", md(&when)));
        } else {
            block.push_str(&format!(
                "- {strike}**{}** — {}{strike}{note}\n",
                md(&when),
                md(&s.place)
            ));
        }
        if with_reasons {
            if let Some(Some(c)) = f.changes.get(i) {
                let mut said = Vec::new();
                let earlier = if w.language == "es" {
                    words::earlier_es(&c.earlier_date)
                        .map(|d| format!("{}: {d}", w.originally))
                        .unwrap_or_default()
                } else {
                    c.earlier.clone()
                };
                if !earlier.is_empty() {
                    said.push(md_start(&earlier));
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
    let w = f.w;
    push_block(out, &host_line(&f.tour.hosts, branch, w));
    push_block(out, &format!("## {}", md(&f.title())));
    let mut kind = format!("**{}**", w.speaking_tour);
    if !f.cosponsors.is_empty() {
        kind.push_str(&format!(" · {}", md(&f.cosponsors)));
    }
    push_block(out, &kind);
    speakers(out, &f.tour.speakers, w);
    description(out, &f.tour.description);
    stops(out, f, false);
    demands(out, &f.flyer);
    if !f.flyer.link.is_empty() {
        push_block(out, &format!("{}: <{}>", w.more, url(&f.flyer.link)));
    }
}

fn tour_draft(
    f: &TourFacts,
    branch: &BranchProfile,
    template: Template,
    w: &Words,
) -> Result<(String, String)> {
    let title = f.title();
    let said = |text: &str| fill(text, &[("title", &md(&title))]);
    let subject_of = |text: &str| fill(text, &[("title", &title)]);
    let mut body = String::new();
    push_block(&mut body, w.greeting);
    let subject = match template {
        Template::NewEvent => {
            full_tour(&mut body, f, branch);
            sign_off(&mut body, w.in_solidarity, branch);
            subject_of(w.subject_tour)
        }
        Template::Reminder => {
            push_block(&mut body, &said(w.tour_reminder));
            speakers(&mut body, &f.tour.speakers, w);
            stops(&mut body, f, false);
            sign_off(&mut body, w.see_you_there, branch);
            subject_of(w.subject_tour_reminder)
        }
        Template::Rescheduled => {
            push_block(&mut body, &said(w.tour_changed));
            stops(&mut body, f, true);
            push_block(&mut body, w.update_calendar);
            sign_off(&mut body, w.in_solidarity, branch);
            subject_of(w.subject_tour_changed)
        }
        Template::Cancelled => {
            push_block(&mut body, &said(w.tour_cancelled));
            stops(&mut body, f, true);
            sign_off(&mut body, w.in_solidarity, branch);
            subject_of(w.subject_tour_cancelled)
        }
        Template::CosponsorInvitation => {
            let signer = if branch.short_name.is_empty() {
                &branch.name
            } else {
                &branch.short_name
            };
            body.clear();
            push_block(&mut body, w.greeting_group);
            push_block(
                &mut body,
                &fill(w.tour_invites, &[("who", &md_start(signer))]),
            );
            full_tour(&mut body, f, branch);
            if !f.cosponsor_names.is_empty() {
                push_block(
                    &mut body,
                    &fill(
                        w.already_cosponsoring,
                        &[("names", &md(&f.cosponsor_names.join(", ")))],
                    ),
                );
            }
            push_block(&mut body, &cosponsoring_means(w));
            push_block(
                &mut body,
                &fill(
                    w.reply_to_cosponsor,
                    &[("contact", &md(&branch.contact_email))],
                ),
            );
            sign_off(&mut body, w.in_solidarity, branch);
            subject_of(w.subject_invitation)
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
