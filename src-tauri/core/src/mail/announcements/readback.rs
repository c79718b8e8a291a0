//! Reading a finished letter back: its headers unfolded and decoded, its text
//! and HTML parts, its attachments' names and sizes, and the images its HTML
//! shows (the logo). The preview is made from the very bytes
//! [`super::compose::Prepared`] writes, so what the window shows cannot drift
//! from what is sent.
//!
//! Written here rather than taken from a MIME library because it reads only
//! what composing writes (UTF-8, RFC 2047 `B` and `Q` words, quoted-printable
//! and base64 parts, `multipart/mixed`, `/alternative` and `/related`); the
//! tests check the same bytes with the independent `mail-parser`, and it never
//! panics on anything else.

use crate::error::{Error, Result};

/// A letter as its reader sees it.
pub(crate) struct ReadBack {
    /// Every header of the message, in order, unfolded and decoded.
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub html: String,
    /// Each attached file's name and size.
    pub attachments: Vec<(String, usize)>,
    /// Images the HTML shows from the letter itself (`cid:`): each one's
    /// Content-ID (without brackets), media type and bytes.
    pub inline: Vec<(String, String, Vec<u8>)>,
}

impl ReadBack {
    /// The HTML as a mail program shows it: each `cid:` image of the
    /// letter's own drawn from its bytes, as a `data:` address.
    pub fn html_shown(&self) -> String {
        use base64::Engine;
        let mut html = self.html.clone();
        for (id, media, bytes) in &self.inline {
            let data = format!(
                "data:{media};base64,{}",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            );
            html = html.replace(&format!("\"cid:{id}\""), &format!("\"{data}\""));
        }
        html
    }
}

pub(crate) fn read(bytes: &[u8]) -> Result<ReadBack> {
    let (head, body) = split_head(bytes)
        .ok_or_else(|| Error::internal("The composed letter has no end of headers."))?;
    let headers = parse_headers(head);
    let mut out = ReadBack {
        headers: headers
            .iter()
            .map(|(n, v)| (n.clone(), decode_words(v.trim())))
            .collect(),
        text: String::new(),
        html: String::new(),
        attachments: Vec::new(),
        inline: Vec::new(),
    };
    read_part(&headers, body, &mut out, 0)?;
    Ok(out)
}

fn split_head(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    Some((&bytes[..at + 2], &bytes[at + 4..]))
}

/// Header lines unfolded: a line starting with a space or tab continues the one before.
fn parse_headers(head: &[u8]) -> Vec<(String, String)> {
    let head = String::from_utf8_lossy(head);
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = out.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    out
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A parameter of a header value (`boundary`, `filename`), unquoted. RFC 2231
/// continuations (`filename*0="…"; filename*1="…"`, and `*0*=utf-8''%C3%A9`
/// for extended values), as lettre writes long or non-ASCII file names, are
/// joined and decoded.
fn param(value: &str, name: &str) -> Option<String> {
    let mut plain = None;
    let mut pieces: Vec<(u32, bool, String)> = Vec::new();
    for p in value.split(';').skip(1) {
        let Some((key, v)) = p.trim().split_once('=') else {
            continue;
        };
        let key = key.trim();
        let v = v.trim();
        if key.eq_ignore_ascii_case(name) {
            plain = Some(unquote(v));
        } else if let Some(rest) = key
            .get(..name.len())
            .filter(|k| k.eq_ignore_ascii_case(name))
            .and(key.get(name.len()..))
            .and_then(|r| r.strip_prefix('*'))
        {
            let (index, extended) = match rest.strip_suffix('*') {
                Some(index) => (index, true),
                None => (rest, false),
            };
            let index = if index.is_empty() {
                0
            } else {
                index.parse().ok()?
            };
            pieces.push((index, extended, unquote(v)));
        }
    }
    if plain.is_some() || pieces.is_empty() {
        return plain;
    }
    pieces.sort_by_key(|(i, _, _)| *i);
    let mut bytes = Vec::new();
    for (i, (_, extended, text)) in pieces.iter().enumerate() {
        if *extended {
            // The first extended piece starts with charset'language'.
            let text = if i == 0 {
                text.splitn(3, '\'').nth(2).unwrap_or(text)
            } else {
                text
            };
            bytes.extend(percent_decode(text));
        } else {
            bytes.extend_from_slice(text.as_bytes());
        }
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn percent_decode(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|c| hex(*c)),
                b.get(i + 2).and_then(|c| hex(*c)),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn unquote(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut escaped = false;
            for c in inner.chars() {
                if escaped || c != '\\' {
                    out.push(c);
                    escaped = false;
                } else {
                    escaped = true;
                }
            }
            out
        }
        None => text.to_owned(),
    }
}

fn read_part(
    headers: &[(String, String)],
    body: &[u8],
    out: &mut ReadBack,
    depth: u32,
) -> Result<()> {
    if depth > 4 {
        return Err(Error::internal(
            "The composed letter nests its parts too deeply.",
        ));
    }
    let content_type = header(headers, "Content-Type").unwrap_or("text/plain");
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if media.starts_with("multipart/") {
        let boundary = param(content_type, "boundary")
            .ok_or_else(|| Error::internal("A multipart part of the letter has no boundary."))?;
        for part in split_parts(body, &boundary) {
            let (head, part_body) = match split_head(part) {
                Some(split) => split,
                // A part with no headers at all starts with its blank line.
                None if part.starts_with(b"\r\n") => (&part[..0], &part[2..]),
                None => continue,
            };
            read_part(&parse_headers(head), part_body, out, depth + 1)?;
        }
        return Ok(());
    }
    let encoding = header(headers, "Content-Transfer-Encoding")
        .unwrap_or("7bit")
        .trim()
        .to_ascii_lowercase();
    let disposition = header(headers, "Content-Disposition").unwrap_or("");
    let attachment_disposition = disposition
        .trim()
        .to_ascii_lowercase()
        .starts_with("attachment");
    // An image the HTML shows (the logo): named by its Content-ID.
    let content_id = header(headers, "Content-ID")
        .map(|v| {
            v.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
        .filter(|id| !id.is_empty());
    if let (Some(id), false, true) = (
        content_id,
        attachment_disposition,
        media.starts_with("image/"),
    ) {
        let bytes = match encoding.as_str() {
            "base64" => base64_decode(body),
            _ => body.to_vec(),
        };
        out.inline.push((id, media, bytes));
        return Ok(());
    }
    if attachment_disposition || !media.starts_with("text/") {
        let name = param(disposition, "filename")
            .or_else(|| param(content_type, "name"))
            .map(|n| decode_words(&n))
            .unwrap_or_default();
        let size = match encoding.as_str() {
            "base64" => base64_decode(body).len(),
            "quoted-printable" => qp_decode(body).len(),
            _ => body.strip_suffix(b"\r\n").unwrap_or(body).len(),
        };
        out.attachments.push((name, size));
        return Ok(());
    }
    let bytes = match encoding.as_str() {
        "base64" => base64_decode(body),
        "quoted-printable" => qp_decode(body),
        _ => body.to_vec(),
    };
    let text = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
    let text = text.strip_suffix('\n').map(str::to_owned).unwrap_or(text);
    if media == "text/html" {
        out.html = text;
    } else {
        out.text = text;
    }
    Ok(())
}

/// The parts between `--boundary` lines, up to `--boundary--`.
fn split_parts<'a>(body: &'a [u8], boundary: &str) -> Vec<&'a [u8]> {
    let delimiter = format!("--{boundary}");
    let d = delimiter.as_bytes();
    let mut starts = Vec::new();
    let mut i = 0;
    while i + d.len() <= body.len() {
        let at_line_start = i == 0 || (i >= 2 && &body[i - 2..i] == b"\r\n");
        if at_line_start && &body[i..i + d.len()] == d {
            let after = &body[i + d.len()..];
            let closing = after.starts_with(b"--");
            starts.push((i, closing));
            if closing {
                break;
            }
            i += d.len();
        } else {
            i += 1;
        }
    }
    let mut parts = Vec::new();
    for pair in starts.windows(2) {
        let (start, _) = pair[0];
        let (end, _) = pair[1];
        let mut from = start + d.len();
        if body[from..].starts_with(b"\r\n") {
            from += 2;
        }
        // The CRLF before a delimiter belongs to the delimiter.
        let to = if end >= 2 && end - 2 >= from {
            end - 2
        } else {
            end
        };
        parts.push(&body[from..to.max(from)]);
    }
    parts
}

pub(crate) fn qp_decode(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b == b'=' {
            if body[i + 1..].starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if body[i + 1..].starts_with(b"\n") {
                i += 2;
                continue;
            }
            if let (Some(h), Some(l)) = (
                body.get(i + 1).and_then(|c| hex(*c)),
                body.get(i + 2).and_then(|c| hex(*c)),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

fn base64_decode(text: &[u8]) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in text {
        if c == b'=' {
            break;
        }
        let Some(v) = value(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// A header value with its RFC 2047 encoded words (`=?utf-8?b?…?=`) decoded;
/// the space between two encoded words is not part of the text.
fn decode_words(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let decoded = encoded_word(&rest[start..]);
        match decoded {
            Some((text, len)) => {
                let between = &rest[..start];
                if !(after_word && between.trim().is_empty()) {
                    out.push_str(between);
                }
                out.push_str(&text);
                rest = &rest[start + len..];
                after_word = true;
            }
            None => {
                out.push_str(&rest[..start + 2]);
                rest = &rest[start + 2..];
                after_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One encoded word at the start of `text`: its decoded text and length.
fn encoded_word(text: &str) -> Option<(String, usize)> {
    let inner = text.strip_prefix("=?")?;
    let (charset, rest) = inner.split_once('?')?;
    let (mode, rest) = rest.split_once('?')?;
    let end = rest.find("?=")?;
    let payload = &rest[..end];
    if !charset.eq_ignore_ascii_case("utf-8") && !charset.eq_ignore_ascii_case("us-ascii") {
        return None;
    }
    let bytes = match mode {
        "b" | "B" => base64_decode(payload.as_bytes()),
        "q" | "Q" => qp_decode(payload.replace('_', " ").as_bytes()),
        _ => return None,
    };
    let len = 2 + charset.len() + 1 + mode.len() + 1 + end + 2;
    Some((String::from_utf8_lossy(&bytes).into_owned(), len))
}

/// "Name <address>" from a decoded mailbox header, without the quotes.
pub(crate) fn mailbox_text(value: &str) -> String {
    match value.rfind('<') {
        Some(at) if value.ends_with('>') => {
            let name = unquote(value[..at].trim());
            let address = &value[at..];
            if name.is_empty() {
                address.trim_matches(['<', '>']).to_owned()
            } else {
                format!("{name} {address}")
            }
        }
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proves the decoders undo what the encoders write.
    #[test]
    fn decoders_read_encoded_words_and_parts() {
        assert_eq!(
            decode_words("=?utf-8?b?w4lzdGVy?= =?utf-8?b?IEzDs3Bleg==?= hi"),
            "Éster López hi",
            "adjacent B words join"
        );
        assert_eq!(
            decode_words("=?utf-8?q?caf=C3=A9_ok?="),
            "café ok",
            "Q words decode"
        );
        assert_eq!(qp_decode(b"a=3Db=\r\nc"), b"a=bc", "soft breaks vanish");
        assert_eq!(
            base64_decode(b"JVBE\r\nRi0=").as_slice(),
            b"%PDF-",
            "base64 lines decode"
        );
        assert_eq!(
            param(
                "attachment;\r\n filename*0*=utf-8''%C3%A9t%C3%A9;\r\n filename*1=\"-flyer.pdf\"",
                "filename"
            )
            .as_deref(),
            Some("été-flyer.pdf"),
            "RFC 2231 pieces join and decode"
        );
        assert_eq!(
            mailbox_text("\"Ana \\\"A\\\" Li\" <ana@example.org>"),
            "Ana \"A\" Li <ana@example.org>",
            "quotes are removed"
        );
    }
}
