//! Personal fields: `{{first_name}}`, `{{first_name|friend}}`, `{{name}}` and
//! `{{email}}` in an announcement's subject and body. They are found once,
//! when an announcement is prepared: each is replaced by a marker that
//! survives Markdown rendering and sanitizing, and the rendered part is cut at
//! the markers into [`Pieces`]. Filling a letter is then only copying text and
//! the recipient's values — escaped in the HTML part — with no parsing.
//!
//! The mail parts go further: their literal text is quoted-printable encoded
//! once ([`Encoded`]), each piece ended by a soft line break, so a letter
//! encodes only the few values it fills in. A soft break decodes to nothing,
//! so the reader gets exactly the filled text.

use std::fmt::Write as _;

use lettre::message::header::ContentTransferEncoding;
use lettre::message::Body;

use crate::error::{Error, Result};

/// What a slot is filled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    FirstName,
    Name,
    Email,
    /// `boston+unsubscribe-a3-s41@example.org`: the footer's address.
    UnsubscribeAddress,
    /// The same as a `mailto:` link with its subject.
    UnsubscribeUrl,
}

impl Key {
    fn parse(text: &str) -> Option<Key> {
        match text.trim().to_ascii_lowercase().as_str() {
            "first_name" => Some(Key::FirstName),
            "name" => Some(Key::Name),
            "email" => Some(Key::Email),
            _ => None,
        }
    }
}

/// One place a personal value goes, with the text used when it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Slot {
    pub key: Key,
    pub fallback: String,
}

/// The marker text that stands for slot `n` while Markdown is rendered: plain
/// lowercase letters and digits, so neither pulldown-cmark nor ammonia changes
/// it, even inside a link's address. Its stem is chosen to appear nowhere in
/// the organizer's text.
#[derive(Debug, Clone)]
pub(crate) struct Marker {
    stem: String,
}

impl Marker {
    pub fn for_text(sources: &[&str]) -> Marker {
        let mut salt = 0u32;
        loop {
            let stem = format!("hbfield{salt}q");
            if !sources.iter().any(|s| s.contains(&stem)) {
                return Marker { stem };
            }
            salt += 1;
        }
    }

    pub fn token(&self, n: usize) -> String {
        format!("{}{n}z", self.stem)
    }
}

/// Replaces every `{{field}}` or `{{field|fallback}}` in `source` with a
/// marker, appending its slot to `slots`. An unknown field is refused, naming
/// `field` (the subject or the body). A `{{` that is never closed is text.
pub(crate) fn mark(
    source: &str,
    field: &str,
    marker: &Marker,
    slots: &mut Vec<Slot>,
) -> Result<String> {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(open) = rest.find("{{") {
        let Some(len) = rest[open + 2..].find("}}") else {
            break;
        };
        let inner = &rest[open + 2..open + 2 + len];
        if inner.contains('{') || inner.contains('\n') {
            // Not a field: keep the braces as typed and look further on.
            out.push_str(&rest[..open + 2]);
            rest = &rest[open + 2..];
            continue;
        }
        let (name, fallback) = match inner.split_once('|') {
            Some((name, fallback)) => (name, fallback.trim()),
            None => (inner, ""),
        };
        let key = Key::parse(name).ok_or_else(|| {
            Error::invalid_field(
                field,
                format!(
                    "“{{{{{}}}}}” is not a personal field. Use {{{{first_name}}}}, {{{{first_name|friend}}}} \
                     (with the word used when a subscriber has no first name), {{{{name}}}} or {{{{email}}}}.",
                    inner.trim()
                ),
            )
        })?;
        out.push_str(&rest[..open]);
        out.push_str(&marker.token(slots.len()));
        slots.push(Slot {
            key,
            fallback: fallback.to_owned(),
        });
        rest = &rest[open + 2 + len + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Slot {
        key: Key,
        /// Already escaped for the part it is in.
        fallback: String,
        /// With no value and no fallback, drop the space before the slot too
        /// ("Dear {{first_name}}," becomes "Dear,").
        eat_space: bool,
        /// In the HTML part, inside a link's `href` (or an image's `src`):
        /// the value is percent-encoded before it is escaped.
        in_url: bool,
    },
}

/// A rendered part cut at its slots, ready to be filled for each recipient.
#[derive(Debug, Clone)]
pub(crate) struct Pieces {
    pieces: Vec<Piece>,
    html: bool,
    /// The length of the literal text, to size each letter's buffer.
    literal_len: usize,
}

/// One recipient's values, each already one line.
pub(crate) struct Values<'a> {
    pub first_name: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub unsubscribe_address: &'a str,
    pub unsubscribe_url: &'a str,
}

impl Values<'_> {
    fn get(&self, key: Key) -> &str {
        match key {
            Key::FirstName => self.first_name,
            Key::Name => self.name,
            Key::Email => self.email,
            Key::UnsubscribeAddress => self.unsubscribe_address,
            Key::UnsubscribeUrl => self.unsubscribe_url,
        }
    }
}

impl Pieces {
    /// Cuts `rendered` at the markers of `slots`. With `html`, values and
    /// fallbacks are escaped when filled.
    pub fn split(rendered: &str, marker: &Marker, slots: &[Slot], html: bool) -> Pieces {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut rest = rendered;
        while let Some(at) = rest.find(&marker.stem) {
            let before = &rendered[..rendered.len() - rest.len() + at];
            let after = &rest[at + marker.stem.len()..];
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            let slot = after[..digits]
                .parse::<usize>()
                .ok()
                .filter(|_| after[digits..].starts_with('z'))
                .and_then(|n| slots.get(n));
            match slot {
                Some(slot) => {
                    text.push_str(&rest[..at]);
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                    // The footer's own link is a whole address already.
                    let personal =
                        !matches!(slot.key, Key::UnsubscribeAddress | Key::UnsubscribeUrl);
                    let in_url = html && personal && in_url_attribute(before);
                    let fallback = match (html, in_url) {
                        (true, true) => escape_html(&url_encoded(&slot.fallback)),
                        (true, false) => escape_html(&slot.fallback),
                        _ => slot.fallback.clone(),
                    };
                    pieces.push(Piece::Slot {
                        key: slot.key,
                        fallback,
                        eat_space: false,
                        in_url,
                    });
                    rest = &after[digits + 1..];
                }
                None => {
                    text.push_str(&rest[..at + marker.stem.len()]);
                    rest = after;
                }
            }
        }
        text.push_str(rest);
        pieces.push(Piece::Text(text));
        // A slot eats the space before it when what follows it is the end of
        // a phrase: punctuation, a line end, a tag or the end of the part.
        for i in 0..pieces.len() {
            let next_is_end = match pieces.get(i + 1) {
                Some(Piece::Text(t)) => t
                    .chars()
                    .next()
                    .is_none_or(|c| c.is_whitespace() || ",.;:!?)]}<".contains(c)),
                Some(Piece::Slot { .. }) => false,
                None => true,
            };
            if let Piece::Slot { eat_space, .. } = &mut pieces[i] {
                *eat_space = next_is_end;
            }
        }
        let literal_len = pieces
            .iter()
            .map(|p| if let Piece::Text(t) = p { t.len() } else { 0 })
            .sum();
        Pieces {
            pieces,
            html,
            literal_len,
        }
    }

    /// Whether any slot is in the part (a subject without one is encoded once).
    pub fn is_personal(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Slot { .. }))
    }

    /// The part encoded once for [`Encoded::fill`].
    pub fn encoded(&self) -> Encoded {
        let mut pieces = Vec::with_capacity(self.pieces.len());
        for (i, piece) in self.pieces.iter().enumerate() {
            match piece {
                Piece::Text(t) => {
                    let eaten = matches!(
                        self.pieces.get(i + 1),
                        Some(Piece::Slot {
                            eat_space: true,
                            ..
                        })
                    ) && t.ends_with(' ');
                    let t = if eaten { &t[..t.len() - 1] } else { t.as_str() };
                    pieces.push(EncodedPiece::Literal(quoted_printable(t.to_owned())));
                }
                Piece::Slot {
                    key,
                    fallback,
                    eat_space,
                    in_url,
                } => {
                    let space_before = *eat_space
                        && matches!(i.checked_sub(1).and_then(|p| self.pieces.get(p)), Some(Piece::Text(t)) if t.ends_with(' '));
                    pieces.push(EncodedPiece::Slot {
                        key: *key,
                        fallback: fallback.clone(),
                        space_before,
                        in_url: *in_url,
                    });
                }
            }
        }
        let literal_len = pieces
            .iter()
            .map(|p| {
                if let EncodedPiece::Literal(b) = p {
                    b.len()
                } else {
                    0
                }
            })
            .sum();
        Encoded {
            pieces,
            html: self.html,
            literal_len,
        }
    }

    pub fn fill(&self, values: &Values<'_>) -> String {
        let mut out = String::with_capacity(self.literal_len + 256);
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Slot {
                    key,
                    fallback,
                    eat_space,
                    in_url,
                } => {
                    let value = values.get(*key);
                    if value.is_empty() && fallback.is_empty() {
                        if *eat_space && out.ends_with(' ') {
                            out.pop();
                        }
                    } else {
                        push_value(&mut out, value, fallback, self.html, *in_url);
                    }
                }
            }
        }
        out
    }
}

/// A part's pieces already quoted-printable encoded, for [`Encoded::fill`].
#[derive(Debug, Clone)]
pub(crate) struct Encoded {
    pieces: Vec<EncodedPiece>,
    html: bool,
    literal_len: usize,
}

#[derive(Debug, Clone)]
enum EncodedPiece {
    Literal(Vec<u8>),
    Slot {
        key: Key,
        fallback: String,
        /// The space before the slot, taken from the literal: written only
        /// with a value or fallback ("Dear {{first_name}}," → "Dear,").
        space_before: bool,
        in_url: bool,
    },
}

/// `text` as quoted-printable (lettre's encoder: CRLF line ends, lines of at
/// most 76), ended by a soft line break unless it ends a line, so the next
/// piece starts on a fresh line of its own.
fn quoted_printable(text: String) -> Vec<u8> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut bytes = Body::new_with_encoding(text, ContentTransferEncoding::QuotedPrintable)
        .map(Body::into_vec)
        .unwrap_or_default();
    if !bytes.ends_with(b"\r\n") {
        bytes.extend_from_slice(b"=\r\n");
    }
    bytes
}

impl Encoded {
    /// The part's bytes for one recipient, quoted-printable.
    #[cfg(test)]
    pub fn fill(&self, values: &Values<'_>) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.literal_len + 512);
        self.fill_into(values, &mut out);
        out
    }

    /// The part's bytes for one recipient, quoted-printable, written at the
    /// end of `out`.
    pub fn fill_into(&self, values: &Values<'_>, out: &mut Vec<u8>) {
        for piece in &self.pieces {
            match piece {
                EncodedPiece::Literal(bytes) => out.extend_from_slice(bytes),
                EncodedPiece::Slot {
                    key,
                    fallback,
                    space_before,
                    in_url,
                } => {
                    let value = values.get(*key);
                    let mut text = String::with_capacity(value.len() + 8);
                    if *space_before && (!value.is_empty() || !fallback.is_empty()) {
                        text.push(' ');
                    }
                    push_value(&mut text, value, fallback, self.html, *in_url);
                    out.extend_from_slice(&quoted_printable(text));
                }
            }
        }
    }

    /// The length of the part's fixed text, to size a letter's buffer.
    pub fn literal_len(&self) -> usize {
        self.literal_len
    }
}

/// A value (or, when it is empty, the fallback, already escaped) as the part
/// needs it: escaped in HTML, percent-encoded first inside a link's address.
fn push_value(out: &mut String, value: &str, fallback: &str, html: bool, in_url: bool) {
    if value.is_empty() {
        out.push_str(fallback);
    } else if in_url {
        push_escaped(out, &url_encoded(value));
    } else if html {
        push_escaped(out, value);
    } else {
        out.push_str(value);
    }
}

fn url_encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Whether HTML that ends with `before` is inside the value of an `href` or
/// `src` attribute: a tag is open and its last attribute is one of them.
fn in_url_attribute(before: &str) -> bool {
    let Some(open) = before.rfind('<') else {
        return false;
    };
    if before.rfind('>').is_some_and(|close| close > open) {
        return false;
    }
    let tag = &before[open..];
    let Some(quote) = tag.rfind("=\"") else {
        return false;
    };
    let name = tag[..quote]
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or("");
    name.eq_ignore_ascii_case("href") || name.eq_ignore_ascii_case("src")
}

/// Text made one line: every run of control characters (CR, LF, tab, …)
/// becomes one space, and the ends are trimmed. Names and subjects pass
/// through it, so nothing a person typed can end a header line.
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Spaces waiting for the next visible character, and whether a control
    // character stood among them (then they all become one space).
    let mut spaces = 0usize;
    let mut control = false;
    for c in text.chars() {
        if c == ' ' {
            spaces += 1;
        } else if c.is_control() {
            control = true;
        } else {
            if !out.is_empty() {
                if control {
                    out.push(' ');
                } else {
                    out.extend(std::iter::repeat_n(' ', spaces));
                }
            }
            spaces = 0;
            control = false;
            out.push(c);
        }
    }
    out
}

pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    push_escaped(&mut out, text);
    out
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => {
                let _ = out.write_char(c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<'a>(first: &'a str, name: &'a str) -> Values<'a> {
        Values {
            first_name: first,
            name,
            email: "ana@example.org",
            unsubscribe_address: "",
            unsubscribe_url: "",
        }
    }

    /// Proves a field without a value uses its fallback, or is dropped with
    /// the space before it, and that an unknown field names the part it is in.
    #[test]
    fn fields_fill_fall_back_and_drop_cleanly() {
        let marker = Marker::for_text(&[]);
        let mut slots = Vec::new();
        let marked = mark(
            "Dear {{first_name}}, hi {{ first_name | friend }} <{{email}}>",
            "body",
            &marker,
            &mut slots,
        )
        .unwrap();
        let pieces = Pieces::split(&marked, &marker, &slots, true);
        assert_eq!(
            pieces.fill(&values("Ana", "")),
            "Dear Ana, hi Ana <ana@example.org>",
            "values fill every slot"
        );
        assert_eq!(
            pieces.fill(&values("", "")),
            "Dear, hi friend <ana@example.org>",
            "an empty field drops cleanly or falls back"
        );
        assert_eq!(
            pieces.fill(&values("<b>", "")),
            "Dear &lt;b&gt;, hi &lt;b&gt; <ana@example.org>",
            "values are escaped in HTML"
        );
        let err = mark("Hello {{frist_name}}", "subject", &marker, &mut slots).unwrap_err();
        assert_eq!(
            err.fields[0].field, "subject",
            "the refusal names the subject"
        );
        assert!(
            err.message.contains("frist_name"),
            "the refusal quotes the unknown field: {}",
            err.message
        );
    }

    /// Proves the pre-encoded part decodes to exactly what `fill` writes, with
    /// every line within quoted-printable's 76 characters.
    #[test]
    fn the_encoded_part_is_the_filled_part() {
        let marker = Marker::for_text(&[]);
        let mut slots = Vec::new();
        let long = "Solidarité — ".repeat(12);
        let marked = mark(
            &format!("Dear {{{{first_name}}}}, {long}\n{{{{name}}}} = {{{{first_name|amiga}}}}!\n"),
            "body",
            &marker,
            &mut slots,
        )
        .unwrap();
        for html in [false, true] {
            let pieces = Pieces::split(&marked, &marker, &slots, html);
            let encoded = pieces.encoded();
            for v in [values("Lucía", "Lucía <Gomes>"), values("", "")] {
                let bytes = encoded.fill(&v);
                let text = String::from_utf8(bytes.clone()).unwrap();
                assert!(
                    text.is_ascii() && text.split("\r\n").all(|l| l.len() <= 76),
                    "quoted-printable lines: {text}"
                );
                let decoded =
                    String::from_utf8(crate::mail::announcements::readback::qp_decode(&bytes))
                        .unwrap();
                assert_eq!(
                    decoded,
                    pieces.fill(&v).replace('\n', "\r\n"),
                    "the encoded part decodes to the filled text"
                );
            }
        }
    }

    /// Proves a value inside a link's address is percent-encoded, and the
    /// same value in the link's text only escaped.
    #[test]
    fn values_in_link_addresses_are_percent_encoded() {
        let marker = Marker::for_text(&[]);
        let mut slots = Vec::new();
        let marked = mark(
            "[RSVP as {{name}}](https://e.org/rsvp?who={{name}})",
            "body",
            &marker,
            &mut slots,
        )
        .unwrap();
        let html = crate::events::listing::markdown_html(&marked);
        let pieces = Pieces::split(&html, &marker, &slots, true);
        let filled = pieces.fill(&values("", "Ana & Li+\"x\""));
        assert!(
            filled.contains("href=\"https://e.org/rsvp?who=Ana+%26+Li%2B%22x%22\""),
            "the address is percent-encoded: {filled}"
        );
        assert!(
            filled.contains(">RSVP as Ana &amp; Li+&quot;x&quot;</a>"),
            "the text is escaped: {filled}"
        );
        let decoded = String::from_utf8(crate::mail::announcements::readback::qp_decode(
            &pieces.encoded().fill(&values("", "Ana & Li+\"x\"")),
        ))
        .unwrap();
        assert_eq!(
            decoded,
            filled.replace('\n', "\r\n"),
            "the encoded part says the same"
        );
    }

    /// Proves line breaks and other control characters never survive `one_line`.
    #[test]
    fn one_line_removes_line_breaks() {
        assert_eq!(
            one_line("Ana\r\nBcc: x@example.org"),
            "Ana Bcc: x@example.org",
            "CR LF becomes a space"
        );
        assert_eq!(
            one_line("\n\tAna \r Li\n"),
            "Ana Li",
            "runs and ends are cleaned"
        );
    }
}
