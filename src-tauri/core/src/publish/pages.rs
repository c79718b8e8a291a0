//! The site's files as bytes: the pages (HTML written here, every text
//! escaped with quick-xml's `escape`, which covers `& < > " '` for text and
//! quoted attributes alike), the stylesheet, the logo, the calendars and the
//! feed. Descriptions are Markdown, rendered and sanitized by
//! [`crate::events::listing::markdown_html`]; every link taken from the data
//! must be http(s) ([`http_link`]), else it is left out.
//!
//! Every page has the landmarks a screen reader moves by (header, nav, main,
//! footer), its language, one h1 and headings in order, and alt text on the
//! logo; it reads on a phone and needs no script.

use std::collections::BTreeMap;

use quick_xml::escape::escape;

use super::colour::{self, INK, WHITE};
use super::{feed, EventPage, Listed, Site, TourPage};
use crate::error::Result;
use crate::events::public::{self, Shown};
use crate::events::{listing, views, Event, EventKind, EventStatus};
use crate::flyers::FlyerContent;

/// The site's languages, and the words of its pages in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    En,
    Es,
}

impl Lang {
    fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The folder of its pages, from the site's root.
    fn folder(self) -> &'static str {
        match self {
            Lang::En => "",
            Lang::Es => "es/",
        }
    }

    fn w(self, en: &'static str, es: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Es => es,
        }
    }

    fn kind(self, k: EventKind) -> &'static str {
        match self {
            Lang::En => k.label(),
            Lang::Es => match k {
                EventKind::Meeting => "Reunión",
                EventKind::Rally => "Manifestación",
                EventKind::Panel => "Panel",
                EventKind::StudyGroup => "Grupo de estudio",
                EventKind::Protest => "Protesta",
                EventKind::FundDrive => "Colecta",
                EventKind::Conference => "Conferencia",
                EventKind::Social => "Encuentro",
                EventKind::Other => "Evento",
            },
        }
    }

    /// "CANCELLED" as the page says it.
    fn note(self, note: &str) -> &'static str {
        match (self, note) {
            (Lang::En, "CANCELLED") => "Cancelled",
            (Lang::En, "POSTPONED") => "Postponed",
            (Lang::En, "RESCHEDULED") => "Rescheduled",
            (Lang::Es, "CANCELLED") => "Cancelado",
            (Lang::Es, "POSTPONED") => "Aplazado",
            (Lang::Es, "RESCHEDULED") => "Nueva fecha",
            _ => "",
        }
    }

    fn month(self, year: i16, month: i8) -> String {
        match self {
            Lang::En => format!("{} {year}", views::month_name(month)),
            Lang::Es => {
                let name = public::MESES[(month.clamp(1, 12) - 1) as usize];
                let mut chars = name.chars();
                let first: String = chars
                    .next()
                    .into_iter()
                    .flat_map(char::to_uppercase)
                    .collect();
                format!("{first}{} de {year}", chars.as_str())
            }
        }
    }
}

/// Text escaped for HTML and XML, in text and in quoted attributes.
pub(crate) fn esc(text: &str) -> String {
    escape(text).into_owned()
}

/// The link when it is an absolute http(s) address; None for anything else
/// (`javascript:`, `data:`, a relative path, text that is no address).
pub(crate) fn http_link(text: &str) -> Option<String> {
    let url = url::Url::parse(text.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// A link to the place on OpenStreetMap, searched by its name and address.
fn map_link(query: &str) -> String {
    let q: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
    format!("https://www.openstreetmap.org/search?query={q}")
}

/// Every file of the site, by its path from the site's root.
pub(crate) fn render(site: &Site) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    files.insert("style.css".to_owned(), stylesheet(site).into_bytes());
    if let Some((name, bytes)) = &site.logo {
        files.insert(name.clone(), bytes.clone());
    }
    files.insert("events.ics".to_owned(), site.calendar.clone().into_bytes());
    files.insert("feed.atom".to_owned(), feed::atom(site).into_bytes());
    files.insert("embed.html".to_owned(), embed(site).into_bytes());
    let mut langs = vec![Lang::En];
    if site.spanish {
        langs.push(Lang::Es);
    }
    for e in &site.events {
        files.insert(format!("events/{}.ics", e.key), e.ics.clone().into_bytes());
    }
    for &lang in &langs {
        let folder = lang.folder();
        files.insert(
            format!("{folder}index.html"),
            index(site, lang).into_bytes(),
        );
        for e in &site.events {
            files.insert(
                format!("{folder}events/{}.html", e.key),
                event_page(site, e, lang).into_bytes(),
            );
        }
        for t in &site.tours {
            files.insert(
                format!("{folder}tours/{}.html", t.key),
                tour_page(site, t, lang).into_bytes(),
            );
        }
    }
    Ok(files)
}

fn stylesheet(site: &Site) -> String {
    let a = site.accent;
    debug_assert!(colour::contrast(a.on_colour, a.colour) >= colour::MIN_CONTRAST);
    format!(
        r#":root {{ --accent: {accent}; --on-accent: {on}; --ink: {ink}; --paper: {paper}; --muted: #55555c; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; font-size: 1.05rem; line-height: 1.55; color: var(--ink); background: var(--paper); }}
a {{ color: var(--accent); text-underline-offset: 0.15em; }}
a:focus-visible {{ outline: 3px solid var(--ink); outline-offset: 2px; }}
.skip {{ position: absolute; left: -10000px; }}
.skip:focus {{ left: 1rem; top: 1rem; background: var(--paper); padding: 0.5rem; z-index: 1; }}
.masthead {{ background: var(--accent); color: var(--on-accent); }}
.masthead a {{ color: var(--on-accent); text-decoration: none; display: flex; align-items: center; gap: 0.75rem; font-weight: 700; font-size: 1.25rem; }}
.masthead img {{ height: 3rem; width: auto; background: #fff; border-radius: 4px; padding: 2px; }}
.wrap {{ max-width: 46rem; margin: 0 auto; padding: 0.9rem 1rem; }}
nav ul {{ list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.25rem 1.25rem; }}
nav {{ border-bottom: 1px solid #d0d0d6; }}
h1 {{ font-size: 2rem; line-height: 1.2; margin: 0.5rem 0 1rem; }}
h2 {{ font-size: 1.35rem; margin: 2rem 0 0.5rem; color: var(--accent); }}
h3 {{ font-size: 1.15rem; margin: 1.25rem 0 0.25rem; }}
.kind {{ text-transform: uppercase; letter-spacing: 0.06em; font-size: 0.85rem; color: var(--muted); margin: 1rem 0 0; }}
.note {{ display: inline-block; background: var(--ink); color: var(--paper); padding: 0 0.4rem; border-radius: 3px; font-weight: 700; }}
.notice {{ border-left: 6px solid var(--accent); background: #f4f4f6; padding: 0.75rem 1rem; }}
.facts dt {{ font-weight: 700; margin-top: 0.5rem; }}
.facts dd {{ margin: 0; }}
.event-list {{ list-style: none; padding: 0; margin: 0; }}
.event-list li {{ padding: 0.6rem 0; border-bottom: 1px solid #e2e2e6; }}
.event-list .title {{ font-weight: 700; }}
.button {{ display: inline-block; background: var(--accent); color: var(--on-accent); padding: 0.5rem 1rem; border-radius: 4px; text-decoration: none; font-weight: 700; }}
footer {{ border-top: 1px solid #d0d0d6; margin-top: 2rem; color: var(--muted); font-size: 0.95rem; }}
footer a {{ color: var(--ink); }}
.embed .wrap {{ padding: 0.5rem; }}
@media (max-width: 30rem) {{ h1 {{ font-size: 1.6rem; }} .masthead a {{ font-size: 1.05rem; }} }}
"#,
        accent = a.colour.hex(),
        on = a.on_colour.hex(),
        ink = INK.hex(),
        paper = WHITE.hex(),
    )
}

/// A page's path to the site's root ("", "../", "../../").
fn up(lang: Lang, depth: usize) -> String {
    let levels = depth + usize::from(lang == Lang::Es);
    "../".repeat(levels)
}

/// The top of a page: head, masthead and navigation, and `<main>` opened.
/// `here` is the page's path from its language's folder, the same in both
/// languages, so each page links to itself in the other.
fn head(site: &Site, lang: Lang, depth: usize, title: &str, here: &str) -> String {
    let root = up(lang, depth);
    let home = format!("{}{}index.html", root, lang.folder());
    let b = &site.branch;
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"{tag}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — {branch}</title>\n\
         <link rel=\"stylesheet\" href=\"{root}style.css\">\n\
         <link rel=\"alternate\" type=\"application/atom+xml\" title=\"{feed}\" href=\"{root}feed.atom\">\n",
        tag = lang.tag(),
        title = esc(title),
        branch = esc(&b.name),
        feed = esc(lang.w("Upcoming events", "Próximos eventos")),
    );
    if site.spanish {
        for other in [Lang::En, Lang::Es] {
            out.push_str(&format!(
                "<link rel=\"alternate\" hreflang=\"{}\" href=\"{root}{}{here}\">\n",
                other.tag(),
                other.folder()
            ));
        }
    }
    out.push_str("</head>\n<body>\n");
    out.push_str(&format!(
        "<a class=\"skip\" href=\"#main\">{}</a>\n",
        lang.w("Skip to the events", "Ir a los eventos")
    ));
    out.push_str("<header class=\"masthead\"><div class=\"wrap\">");
    out.push_str(&format!("<a href=\"{}\">", esc(&home)));
    if let Some((logo, _)) = &site.logo {
        out.push_str(&format!(
            "<img src=\"{root}{logo}\" alt=\"{}\">",
            esc(&format!("{} {}", lang.w("Logo of", "Logo de"), b.name))
        ));
    }
    out.push_str(&format!(
        "<span>{}</span></a></div></header>\n",
        esc(&b.name)
    ));
    out.push_str(&format!(
        "<nav aria-label=\"{}\"><div class=\"wrap\"><ul>",
        lang.w("Site", "Sitio")
    ));
    out.push_str(&format!(
        "<li><a href=\"{}\">{}</a></li>",
        esc(&home),
        lang.w("Upcoming events", "Próximos eventos")
    ));
    out.push_str(&format!(
        "<li><a href=\"{root}events.ics\">{}</a></li>",
        lang.w("Calendar to subscribe to", "Calendario para suscribirse")
    ));
    out.push_str(&format!(
        "<li><a href=\"{root}feed.atom\">{}</a></li>",
        lang.w("News feed (Atom)", "Noticias (Atom)")
    ));
    if site.spanish {
        let (other, name) = match lang {
            Lang::En => (Lang::Es, "Español"),
            Lang::Es => (Lang::En, "English"),
        };
        out.push_str(&format!(
            "<li><a href=\"{root}{}{here}\" lang=\"{}\" hreflang=\"{}\">{name}</a></li>",
            other.folder(),
            other.tag(),
            other.tag()
        ));
    }
    out.push_str("</ul></div></nav>\n<main id=\"main\"><div class=\"wrap\">\n");
    out
}

/// The end of a page: `<main>` closed, the footer.
fn foot(site: &Site, lang: Lang) -> String {
    let b = &site.branch;
    let mut parts = vec![esc(&b.name)];
    if !b.contact_email.trim().is_empty() {
        parts.push(format!(
            "<a href=\"mailto:{0}\">{0}</a>",
            esc(b.contact_email.trim())
        ));
    }
    if let Some(site_link) = http_link(&b.website) {
        parts.push(format!(
            "<a href=\"{}\">{}</a>",
            esc(&site_link),
            esc(b.website.trim())
        ));
    }
    format!(
        "</div></main>\n<footer><div class=\"wrap\"><p>{}</p><p>{}</p></div></footer>\n</body>\n</html>\n",
        parts.join(" · "),
        lang.w(
            "Published with Handbill.",
            "Publicado con Handbill."
        )
    )
}

/// The title an event shows in a language: its translation's, when it has one.
fn title_in(e: &Event, lang: Lang) -> String {
    if lang == Lang::Es {
        if let Some(t) = spanish(e) {
            if !t.title.trim().is_empty() {
                return t.title.clone();
            }
        }
    }
    e.title.clone()
}

fn spanish(e: &Event) -> Option<&crate::events::EventTranslation> {
    e.translations.iter().find(|t| {
        t.language
            .split('-')
            .next()
            .unwrap_or("")
            .eq_ignore_ascii_case("es")
    })
}

/// An event's name in a list: its mark or strike, and its title linked.
fn listed_title(e: &Event, shown: Shown, href: Option<&str>, lang: Lang) -> String {
    marked(&title_in(e, lang), shown, href, lang)
}

/// `text` linked to `href`, marked ("Cancelled") or struck as `shown` says.
fn marked(text: &str, shown: Shown, href: Option<&str>, lang: Lang) -> String {
    let text = esc(text);
    let linked = match href {
        Some(h) => format!("<a href=\"{}\">{text}</a>", esc(h)),
        None => text,
    };
    let note = lang.note(shown.note);
    if shown.struck {
        format!("<s>{linked}</s> ({})", note.to_lowercase())
    } else if note.is_empty() {
        linked
    } else {
        format!("<span class=\"note\">{note}</span> {linked}")
    }
}

/// Where an event is ([`public::place_text`]), its words for what is not
/// known yet in the page's language.
fn place_in(e: &Event, lang: Lang) -> String {
    words_in(&public::place_text(e), lang)
}

/// The public rule's English words for a place not known yet, in `lang`;
/// the organizer's own words stay as typed.
fn words_in(text: &str, lang: Lang) -> String {
    match lang {
        Lang::En => text.to_owned(),
        Lang::Es => public::place_words_es(text),
    }
}

fn when_in(e: &Event, name_zone: bool, lang: Lang) -> String {
    match lang {
        Lang::En => public::when_text(e, name_zone),
        Lang::Es => public::when_text_es(e, name_zone),
    }
}

fn listed_line(site: &Site, l: &Listed, lang: Lang, root: &str) -> String {
    let href = format!("{root}{}events/{}.html", lang.folder(), l.key);
    let mut out = format!(
        "<li><span class=\"title\">{}</span><br>{}",
        listed_title(&l.event, l.shown, Some(&href), lang),
        esc(&when_in(&l.event, site.name_zone, lang))
    );
    let place = place_in(&l.event, lang);
    if !place.is_empty() {
        out.push_str(&format!("<br>{}", esc(&place)));
    }
    out.push_str("</li>\n");
    out
}

fn index(site: &Site, lang: Lang) -> String {
    let mut out = head(
        site,
        lang,
        0,
        lang.w("Upcoming events", "Próximos eventos"),
        "index.html",
    );
    out.push_str(&format!(
        "<h1>{}</h1>\n",
        lang.w("Upcoming events", "Próximos eventos")
    ));
    if site.months.is_empty() {
        out.push_str(&format!(
            "<p>{}</p>\n",
            lang.w(
                "No events are announced right now. Check back soon.",
                "No hay eventos anunciados por ahora. Vuelva pronto."
            )
        ));
    }
    let root = up(lang, 0);
    for (year, month, listed) in &site.months {
        out.push_str(&format!(
            "<h2>{}</h2>\n<ul class=\"event-list\">\n",
            esc(&lang.month(*year, *month))
        ));
        for l in listed {
            out.push_str(&listed_line(site, l, lang, &root));
        }
        out.push_str("</ul>\n");
    }
    if !site.tours.is_empty() {
        out.push_str(&format!(
            "<h2>{}</h2>\n",
            lang.w("Speaking tours", "Giras de charlas")
        ));
        for t in &site.tours {
            out.push_str(&format!(
                "<h3><a href=\"tours/{}.html\">{}</a></h3>\n",
                t.key,
                esc(&t.tour.tour.title)
            ));
            out.push_str(&stops_list(site, t, lang, ""));
        }
    }
    out.push_str(&foot(site, lang));
    out
}

/// A tour's public stops, each linked to its page when it has one.
/// `events` is the path from the page to its language's `events/` folder's parent.
fn stops_list(site: &Site, t: &TourPage, lang: Lang, events: &str) -> String {
    if !t.stops.iter().any(|(s, _, _)| !s.start_date.is_empty()) {
        return format!(
            "<p>{}</p>\n",
            lang.w(
                "Dates and places coming soon.",
                "Fechas y lugares por anunciar."
            )
        );
    }
    let name_zone = public::zones_named(
        t.stops.iter().map(|(s, _, _)| s),
        Some(site.branch.time_zone.as_str()),
    );
    let mut out = String::from("<ul class=\"event-list\">\n");
    for (s, shown, page) in &t.stops {
        // A stop is named by its date, linked to its page when it has one.
        let href = page.as_ref().map(|k| format!("{events}events/{k}.html"));
        let when = when_in(s, name_zone, lang);
        out.push_str(&format!(
            "<li><span class=\"title\">{}</span>",
            marked(&when, *shown, href.as_deref(), lang)
        ));
        let place = place_in(s, lang);
        if !place.is_empty() {
            out.push_str(&format!("<br>{}", esc(&place)));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
    out
}

/// Description HTML with its headings moved under the page's h2.
fn description_html(markdown: &str) -> String {
    let mut html = listing::markdown_html(markdown);
    for (from, to) in [("h1", "h3"), ("h2", "h3"), ("h5", "h4"), ("h6", "h4")] {
        html = html
            .replace(&format!("<{from}>"), &format!("<{to}>"))
            .replace(&format!("</{from}>"), &format!("</{to}>"));
    }
    html
}

/// The speakers, each with what they do, as a section of an event's or a
/// tour's page; nothing when there are none.
fn speakers_section(speakers: &[crate::flyers::SpeakerMark], lang: Lang) -> String {
    if speakers.is_empty() {
        return String::new();
    }
    let mut body = String::from("<ul>\n");
    for s in speakers {
        body.push_str(&format!("<li><strong>{}</strong>", esc(&s.name)));
        if !s.about.trim().is_empty() {
            body.push_str(&format!(", {}", esc(s.about.trim())));
        }
        body.push_str("</li>\n");
    }
    body.push_str("</ul>\n");
    section("speakers", lang.w("Speakers", "Oradores"), &body)
}

fn section(id: &str, heading: &str, body: &str) -> String {
    format!(
        "<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\">{}</h2>\n{body}</section>\n",
        esc(heading)
    )
}

fn event_page(site: &Site, page: &EventPage, lang: Lang) -> String {
    let e = &page.event;
    let c: &FlyerContent = match lang {
        Lang::Es => page.content_es.as_ref().unwrap_or(&page.content),
        Lang::En => &page.content,
    };
    let title = title_in(e, lang);
    let here = format!("events/{}.html", page.key);
    let mut out = head(site, lang, 1, &title, &here);
    out.push_str("<article>\n");
    out.push_str(&format!("<p class=\"kind\">{}</p>\n", lang.kind(e.kind)));
    if page.shown.struck {
        out.push_str(&format!("<h1><s>{}</s></h1>\n", esc(&title)));
    } else {
        out.push_str(&format!("<h1>{}</h1>\n", esc(&title)));
    }
    let note = lang.note(page.shown.note);
    if !note.is_empty() {
        let detail = match (e.status, lang) {
            (EventStatus::Cancelled, Lang::En) => "This event will not take place.",
            (EventStatus::Cancelled, Lang::Es) => "Este evento no se realizará.",
            (EventStatus::Postponed, Lang::En) => "New date to be announced.",
            (EventStatus::Postponed, Lang::Es) => "La nueva fecha se anunciará.",
            (_, Lang::En) => "The date has changed: the new date is below.",
            (_, Lang::Es) => "La fecha cambió: la nueva fecha está abajo.",
        };
        let mut notice = format!(
            "<p class=\"notice\"><span class=\"note\">{note}</span> {}",
            esc(detail)
        );
        if let Some(change) = c.change.as_ref() {
            if lang == Lang::En && !change.earlier.is_empty() {
                notice.push_str(&format!(" {}.", esc(&change.earlier)));
            }
            if !change.reason.trim().is_empty() {
                notice.push_str(&format!(" {}", esc(change.reason.trim())));
            }
        }
        notice.push_str("</p>\n");
        out.push_str(&notice);
    }
    if !c.hosts.trim().is_empty() {
        out.push_str(&format!(
            "<p>{} {}</p>\n",
            esc(c.hosts.trim()),
            if public::several_hosts(&c.hosts) {
                lang.w("present", "presentan")
            } else {
                lang.w("presents", "presenta")
            }
        ));
    }
    if let Some(t) = e
        .tour_id
        .and_then(|id| site.tours.iter().find(|t| t.tour.tour.id == id))
    {
        out.push_str(&format!(
            "<p>{} <a href=\"../tours/{}.html\">{}</a></p>\n",
            lang.w("A stop of the tour", "Una parada de la gira"),
            t.key,
            esc(&t.tour.tour.title)
        ));
    }
    // When, in the event's zone, named.
    out.push_str("<dl class=\"facts\">\n");
    let when = match lang {
        Lang::En if e.series.is_some() => c.when.clone(),
        _ => when_in(e, true, lang),
    };
    out.push_str(&format!(
        "<dt>{}</dt><dd>{}",
        lang.w("When", "Cuándo"),
        esc(&when)
    ));
    if let Some(next) = c.next_dates.as_ref().filter(|_| lang == Lang::En) {
        out.push_str(&format!("<br>{}", esc(next)));
    }
    if !e.start_date.is_empty() && !e.all_day {
        out.push_str(&format!(
            "<br>{} {}",
            lang.w("Times are in the time zone", "Horas en la zona horaria"),
            esc(&page.zone)
        ));
    }
    out.push_str("</dd>\n");
    out.push_str(&format!("<dt>{}</dt><dd>", lang.w("Where", "Dónde")));
    match &c.place {
        Some(p) => {
            let lines: Vec<&str> = [p.name.as_str(), p.room.as_str(), p.address.as_str()]
                .into_iter()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            out.push_str(
                &lines
                    .iter()
                    .map(|l| esc(&words_in(l, lang)))
                    .collect::<Vec<_>>()
                    .join("<br>"),
            );
            let query = [p.name.trim(), p.address.trim()]
                .into_iter()
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            out.push_str(&format!(
                "<br><a href=\"{}\">{} <span class=\"skip\">{}</span></a>",
                esc(&map_link(&query)),
                lang.w("Map", "Mapa"),
                esc(&format!(": {}", p.name.trim()))
            ));
        }
        None => {
            let note = if c.location_note.is_empty() {
                lang.w("Place to be announced", "Lugar por anunciar")
                    .to_owned()
            } else {
                words_in(&c.location_note, lang)
            };
            out.push_str(&esc(&note));
        }
    }
    if let Some(online) = http_link(&e.online_link) {
        out.push_str(&format!(
            "<br><a href=\"{}\">{}</a>",
            esc(&online),
            lang.w("Join online", "Participar en línea")
        ));
    }
    out.push_str("</dd>\n</dl>\n");
    if !e.start_date.is_empty() {
        out.push_str(&format!(
            "<p><a class=\"button\" href=\"{}{}.ics\" download=\"{}.ics\">{}</a></p>\n",
            up(lang, 1),
            format_args!("events/{}", page.key),
            page.key,
            lang.w("Add to calendar", "Agregar al calendario")
        ));
    }
    out.push_str(&speakers_section(&c.speakers, lang));
    let description = match (lang, &c.translation) {
        (Lang::Es, Some(t)) if !t.description.trim().is_empty() => t.description.as_str(),
        _ => c.description.as_str(),
    };
    if !description.trim().is_empty() {
        out.push_str(&section(
            "about",
            lang.w("About", "Descripción"),
            &description_html(description),
        ));
    }
    let demands = match lang {
        Lang::Es => c.demands_translation.as_ref().or(c.demands.as_ref()),
        Lang::En => c.demands.as_ref(),
    };
    if let Some(d) = demands {
        let mut body = format!("<h3>{}</h3>\n", esc(&d.title));
        if !d.intro.trim().is_empty() {
            body.push_str(&format!("<p>{}</p>\n", esc(d.intro.trim())));
        }
        body.push_str("<ol>\n");
        for item in &d.items {
            body.push_str(&format!("<li>{}</li>\n", esc(item)));
        }
        body.push_str("</ol>\n");
        out.push_str(&section("demands", lang.w("Demands", "Demandas"), &body));
    }
    if !c.cosponsors.is_empty() || !c.cosponsor_call.trim().is_empty() {
        let mut body = String::new();
        if !c.cosponsors.is_empty() {
            body.push_str("<ul>\n");
            for s in &c.cosponsors {
                body.push_str(&format!("<li>{}</li>\n", esc(&s.name)));
            }
            body.push_str("</ul>\n");
        }
        if !c.cosponsor_call.trim().is_empty() {
            body.push_str(&format!("<p>{}</p>\n", esc(c.cosponsor_call.trim())));
        }
        out.push_str(&section(
            "cosponsors",
            lang.w("Co-sponsors", "Copatrocinadores"),
            &body,
        ));
    }
    let mut know = String::new();
    for (label, text) in [
        (lang.w("Accessibility", "Accesibilidad"), &c.accessibility),
        (lang.w("Rules", "Reglas"), &c.rules),
    ] {
        if !text.trim().is_empty() {
            know.push_str(&format!(
                "<p><strong>{label}:</strong> {}</p>\n",
                esc(text.trim())
            ));
        }
    }
    if !know.is_empty() {
        out.push_str(&section(
            "know",
            lang.w("Good to know", "Para saber"),
            &know,
        ));
    }
    if !e.reading_list.is_empty() {
        let mut body = String::from("<ul>\n");
        for r in &e.reading_list {
            let title = match http_link(&r.link) {
                Some(l) => format!("<a href=\"{}\">{}</a>", esc(&l), esc(&r.title)),
                None => esc(&r.title),
            };
            body.push_str(&format!("<li>{title}"));
            if !r.author.trim().is_empty() {
                body.push_str(&format!(
                    ", {} {}",
                    lang.w("by", "de"),
                    esc(r.author.trim())
                ));
            }
            body.push_str("</li>\n");
        }
        body.push_str("</ul>\n");
        out.push_str(&section(
            "reading",
            lang.w("Reading to prepare", "Lecturas"),
            &body,
        ));
    }
    let links: Vec<(&str, String)> = [
        (
            lang.w("Event page", "Página del evento"),
            &e.links.event_page,
        ),
        (lang.w("RSVP", "Confirmar asistencia"), &e.links.rsvp),
        (lang.w("Donate", "Donar"), &e.links.donate),
    ]
    .into_iter()
    .filter_map(|(label, link)| http_link(link).map(|l| (label, l)))
    .collect();
    if !links.is_empty() {
        let mut body = String::from("<ul>\n");
        for (label, link) in links {
            body.push_str(&format!(
                "<li><a href=\"{}\">{label}</a></li>\n",
                esc(&link)
            ));
        }
        body.push_str("</ul>\n");
        out.push_str(&section("links", lang.w("Links", "Enlaces"), &body));
    }
    out.push_str("</article>\n");
    out.push_str(&foot(site, lang));
    out
}

fn tour_page(site: &Site, t: &TourPage, lang: Lang) -> String {
    let c = &t.content;
    let here = format!("tours/{}.html", t.key);
    let mut out = head(site, lang, 1, &t.tour.tour.title, &here);
    out.push_str("<article>\n");
    out.push_str(&format!(
        "<p class=\"kind\">{}</p>\n<h1>{}</h1>\n",
        lang.w("Speaking tour", "Gira de charlas"),
        esc(&t.tour.tour.title)
    ));
    if !c.hosts.trim().is_empty() {
        out.push_str(&format!(
            "<p>{} {}</p>\n",
            esc(c.hosts.trim()),
            if public::several_hosts(&c.hosts) {
                lang.w("present", "presentan")
            } else {
                lang.w("presents", "presenta")
            }
        ));
    }
    out.push_str(&section(
        "stops",
        lang.w("Stops", "Paradas"),
        &stops_list(site, t, lang, "../"),
    ));
    out.push_str(&speakers_section(&c.speakers, lang));
    if !c.description.trim().is_empty() {
        out.push_str(&section(
            "about",
            lang.w("About", "Descripción"),
            &description_html(&c.description),
        ));
    }
    if let Some(d) = &c.demands {
        let mut body = format!("<h3>{}</h3>\n", esc(&d.title));
        if !d.intro.trim().is_empty() {
            body.push_str(&format!("<p>{}</p>\n", esc(d.intro.trim())));
        }
        body.push_str("<ol>\n");
        for item in &d.items {
            body.push_str(&format!("<li>{}</li>\n", esc(item)));
        }
        body.push_str("</ol>\n");
        out.push_str(&section("demands", lang.w("Demands", "Demandas"), &body));
    }
    if !c.cosponsors.is_empty() {
        let mut body = String::from("<ul>\n");
        for s in &c.cosponsors {
            body.push_str(&format!("<li>{}</li>\n", esc(&s.name)));
        }
        body.push_str("</ul>\n");
        out.push_str(&section(
            "cosponsors",
            lang.w("Co-sponsors", "Copatrocinadores"),
            &body,
        ));
    }
    out.push_str("</article>\n");
    out.push_str(&foot(site, lang));
    out
}

/// The small list for an iframe on the branch's own site: the next dates,
/// each linked to its page, opened in the whole window.
fn embed(site: &Site) -> String {
    let lang = Lang::En;
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} — {}</title>\n<base target=\"_top\">\n\
         <link rel=\"stylesheet\" href=\"style.css\">\n</head>\n<body class=\"embed\">\n\
         <main><div class=\"wrap\">\n<h1 class=\"kind\">{}</h1>\n<ul class=\"event-list\">\n",
        "Upcoming events",
        esc(&site.branch.name),
        "Upcoming events"
    );
    let listed: Vec<&Listed> = site
        .months
        .iter()
        .flat_map(|(_, _, l)| l)
        .take(10)
        .collect();
    if listed.is_empty() {
        out.push_str("<li>No events are announced right now.</li>\n");
    }
    for l in listed {
        out.push_str(&listed_line(site, l, lang, ""));
    }
    out.push_str(
        "</ul>\n<p><a href=\"index.html\">All upcoming events</a></p>\n</div></main>\n</body>\n</html>\n",
    );
    out
}
