//! The site's Atom feed (RFC 4287), `feed.atom`: one entry per upcoming
//! public event, identified by its calendar UID so a reader sees a changed
//! event as the same entry updated. Written here rather than with a feed
//! crate: it is a dozen elements, every text escaped with quick-xml (already
//! built for the timer's files), and its bytes depend on the events alone —
//! `updated` is the latest change of an event, never the time of publishing —
//! so publishing again leaves the file as it was.

use super::pages::{esc, http_link};
use super::Site;
use crate::events::{listing, public};

/// The feed's text.
pub(crate) fn atom(site: &Site) -> String {
    let b = &site.branch;
    let link = |path: &str| format!("{}{path}", site.address);
    let updated = site
        .events
        .iter()
        .map(|e| e.event.updated_at.as_str())
        .max()
        .unwrap_or(b.updated_at.as_str());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\"");
    if !site.address.is_empty() {
        out.push_str(&format!(" xml:base=\"{}\"", esc(&site.address)));
    }
    out.push_str(">\n");
    out.push_str(&format!(
        "<title>{}</title>\n<subtitle>Upcoming events</subtitle>\n",
        esc(&b.name)
    ));
    let id = match http_link(&b.website) {
        Some(w) if site.address.is_empty() => format!("{w}#handbill-events"),
        _ if !site.address.is_empty() => link("feed.atom"),
        _ => format!("urn:handbill:site:{}", key_of(&b.name)),
    };
    out.push_str(&format!("<id>{}</id>\n", esc(&id)));
    out.push_str(&format!("<updated>{}</updated>\n", esc(updated)));
    out.push_str(&format!(
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        esc(&link("feed.atom"))
    ));
    out.push_str(&format!(
        "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        esc(&link("index.html"))
    ));
    out.push_str(&format!("<author><name>{}</name></author>\n", esc(&b.name)));
    out.push_str("<generator>Handbill</generator>\n");
    for page in &site.events {
        let e = &page.event;
        let note = page.shown.note;
        let title = if note.is_empty() {
            e.title.clone()
        } else {
            format!("{note}: {}", e.title)
        };
        let when = public::when_text(e, true);
        let place = public::place_text(e);
        let mut html = format!("<p><strong>{}</strong>", esc(&when));
        if !place.is_empty() {
            html.push_str(&format!("<br>{}", esc(&place)));
        }
        html.push_str("</p>");
        html.push_str(&listing::markdown_html(&e.description));
        out.push_str("<entry>\n");
        out.push_str(&format!("<title>{}</title>\n", esc(&title)));
        out.push_str(&format!(
            "<id>urn:handbill:event:{}</id>\n",
            esc(&key_of(&e.uid))
        ));
        out.push_str(&format!("<updated>{}</updated>\n", esc(&e.updated_at)));
        out.push_str(&format!(
            "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            esc(&link(&format!("events/{}.html", page.key)))
        ));
        out.push_str(&format!(
            "<summary>{}</summary>\n",
            esc(&if place.is_empty() {
                when.clone()
            } else {
                format!("{when} — {place}")
            })
        ));
        out.push_str(&format!(
            "<content type=\"html\">{}</content>\n",
            esc(&html)
        ));
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// Text made safe for a URN: letters, digits, '-', '.', the rest as '-'.
fn key_of(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}
