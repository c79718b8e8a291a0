//! Reading what a coordinator pastes to unsubscribe people: replies to an
//! announcement (with or without their headers), forwarded messages, or a
//! column of addresses copied from a spreadsheet.
//!
//! Only two things name someone who asked to leave: the sender of each
//! pasted message (its `From:` line), and the signed token of our own
//! unsubscribe address ([`super::keys`]), wherever it appears — quoted in a
//! reply, wrapped over lines, inside `mailto:`, or in a forwarded copy.
//! Addresses quoted or copied in a message's text (a friend's address, the
//! headers of a forwarded message, "On … Ana <ana@…> wrote:") never count,
//! and nothing of the branch's own (its contact address and every `+`
//! variant of it, which is its From, Reply-To and envelope sender, its
//! mail account's user, and the bounce addresses `MAILER-DAEMON@…` and
//! `postmaster@` of its domain) is ever marked.
//!
//! Text with no message headers at all is read as a list of addresses, one
//! or more a line, skipping quoted lines (`> …`) and "… wrote:" lines.
//!
//! Hand-written: there is no maintained crate that splits a human's paste of
//! several messages (as mail programs copy them, headers without a blank
//! line between messages, forward markers in four languages) into messages;
//! mail parsers read one RFC 5322 message, which a paste rarely is.

use std::collections::BTreeSet;

use rusqlite::OptionalExtension;

use super::keys;
use crate::db::Database;
use crate::email::{addresses_in, normalize_email};
use crate::error::short;
use crate::error::{Error, Result};

/// The most text read from one paste: far more than any inbox's worth of
/// replies, and a bound on the work a hostile paste can cause.
pub const MAX_PASTE_BYTES: usize = 5 * 1024 * 1024;

/// What a paste says, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadReplies {
    /// Who asked to leave: each as stored and its key, once, in the order found.
    pub addresses: Vec<(String, String)>,
    /// Senders whose address is not a valid one, as pasted.
    pub invalid: Vec<String>,
    /// Addresses of the branch's own that were found and left alone.
    pub own: Vec<String>,
}

/// Header fields that, with `From:`, make a block of lines a message's headers.
const KNOWN_FIELDS: [&str; 17] = [
    "to",
    "cc",
    "date",
    "sent",
    "subject",
    "reply-to",
    "message-id",
    "return-path",
    "received",
    "delivered-to",
    "mime-version",
    "content-type",
    "in-reply-to",
    "references",
    "x-mailer",
    "user-agent",
    "sender",
];

/// The branch's own addresses, as keys.
struct Own {
    keys: BTreeSet<String>,
    local: String,
    domain: String,
}

impl Own {
    fn load(db: &Database) -> Result<Own> {
        let mut own = Own {
            keys: BTreeSet::new(),
            local: String::new(),
            domain: String::new(),
        };
        if let Some(branch) = crate::branch::get(db)? {
            if let Ok((_, key)) = normalize_email(branch.contact_email.trim()) {
                if let Some((local, domain)) = key.rsplit_once('@') {
                    own.local = local.to_owned();
                    own.domain = domain.to_owned();
                }
                own.keys.insert(key);
            }
        }
        if let Some(account) = super::account::get(db)? {
            if let Ok((_, key)) = normalize_email(account.username.trim()) {
                own.keys.insert(key);
            }
        }
        Ok(own)
    }

    fn is_own(&self, key: &str) -> bool {
        if self.keys.contains(key) {
            return true;
        }
        let Some((local, domain)) = key.rsplit_once('@') else {
            return false;
        };
        if local == "mailer-daemon" {
            return true;
        }
        !self.domain.is_empty()
            && domain == self.domain
            && (local == self.local
                || local.starts_with(&format!("{}+", self.local))
                || local == "postmaster")
    }
}

/// A `Name: value` header line (the name ASCII, no spaces, at most 40 long).
fn header_line(line: &str) -> Option<(&str, &str)> {
    let (name, value) = line.split_once(':')?;
    let ok = !name.is_empty()
        && name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    (ok && (value.is_empty() || value.starts_with([' ', '\t']))).then_some((name, value.trim()))
}

/// A line that introduces a copy of another message: what follows it is
/// quoted or forwarded, and its `From:` is not someone who wrote to us.
fn forward_marker(line: &str) -> bool {
    let l = line.trim().to_lowercase();
    let underscores = l.len() >= 10 && l.chars().all(|c| c == '_');
    underscores
        || [
            "forwarded message",
            "original message",
            "begin forwarded message",
            "mensaje reenviado",
            "mensaje original",
            "message transféré",
            "message d'origine",
            "message original",
        ]
        .iter()
        .any(|m| l.contains(m))
}

/// A line between pasted messages: blank, a forward marker, or a rule of dashes or equals signs.
fn separator(line: &str) -> bool {
    let t = line.trim();
    t.is_empty()
        || forward_marker(t)
        || (t.len() >= 3 && (t.chars().all(|c| c == '-') || t.chars().all(|c| c == '=')))
}

/// "On Mon, … Ana <ana@example.org> wrote:", in the languages the branch's
/// people write in: it names whom a reply quotes, not who is replying.
fn attribution(line: &str) -> bool {
    let l = line.trim().to_lowercase();
    [
        "wrote:",
        "escribió:",
        "a écrit :",
        "a écrit:",
        "schrieb:",
        "escreveu:",
    ]
    .iter()
    .any(|w| l.ends_with(w))
}

/// The `From:` values of the messages in `text` that are not quoted or
/// forwarded copies, or `None` when the text holds no message headers.
fn senders(text: &str) -> Option<Vec<String>> {
    let lines: Vec<&str> = text.lines().collect();
    let first_text = lines.iter().position(|l| !l.trim().is_empty()).unwrap_or(0);
    let mut found = None::<Vec<String>>;
    let mut i = 0;
    while i < lines.len() {
        let starts_block = (i == 0 || separator(lines[i - 1])) && header_line(lines[i]).is_some();
        if !starts_block {
            i += 1;
            continue;
        }
        let start = i;
        let mut fields: Vec<(String, String)> = Vec::new();
        while i < lines.len() {
            let line = lines[i];
            if let Some((name, value)) = header_line(line) {
                fields.push((name.to_ascii_lowercase(), value.to_owned()));
            } else if line.starts_with([' ', '\t']) && !line.trim().is_empty() && !fields.is_empty()
            {
                // A folded header continues the field above.
                if let Some(last) = fields.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(line.trim());
                }
            } else {
                break;
            }
            i += 1;
        }
        let from: Vec<&String> = fields
            .iter()
            .filter(|(n, _)| n == "from")
            .map(|(_, v)| v)
            .collect();
        let known = fields
            .iter()
            .filter(|(n, _)| KNOWN_FIELDS.contains(&n.as_str()))
            .count();
        if from.is_empty() || (start != first_text && known == 0) {
            continue;
        }
        let messages = found.get_or_insert_with(Vec::new);
        let copied = lines[..start]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| forward_marker(l));
        if !copied {
            messages.push(from[0].clone());
        }
    }
    found
}

/// The addresses in one `From:` value: `Ana Lima <ana@example.org>`,
/// `"Lima, Ana" <ana@example.org>`, `ana@example.org (Ana)`.
fn from_addresses(value: &str) -> (Vec<(String, String)>, Vec<String>) {
    let bracketed: Vec<&str> = value
        .split('<')
        .skip(1)
        .filter_map(|s| s.split_once('>').map(|(a, _)| a))
        .collect();
    if bracketed.is_empty() {
        addresses_in(value)
    } else {
        addresses_in(&bracketed.join(" "))
    }
}

/// Reads a paste: who asked to leave, what was not an address, and what was
/// the branch's own.
pub fn read(db: &Database, text: &str) -> Result<ReadReplies> {
    if text.len() > MAX_PASTE_BYTES {
        return Err(Error::invalid_field(
            "addresses",
            format!(
                "The pasted text is {:.1} MB; paste at most {} MB at a time (a few thousand replies), then the rest.",
                text.len() as f64 / 1_048_576.0,
                MAX_PASTE_BYTES / 1_048_576
            ),
        ));
    }
    let own = Own::load(db)?;
    let mut out = ReadReplies::default();
    let mut seen = BTreeSet::new();
    let mut take = |out: &mut ReadReplies, (email, key): (String, String)| {
        if own.is_own(&key) {
            if !out.own.contains(&email) {
                out.own.push(email);
            }
        } else if seen.insert(key.clone()) {
            out.addresses.push((email, key));
        }
    };
    match senders(text) {
        Some(from_lines) => {
            for value in from_lines {
                let (found, invalid) = from_addresses(&value);
                if found.is_empty() && invalid.is_empty() {
                    out.invalid.push(short(&value));
                }
                out.invalid.extend(invalid);
                for address in found {
                    take(&mut out, address);
                }
            }
        }
        None => {
            for line in text.lines() {
                let t = line.trim_start();
                if t.starts_with('>') || attribution(t) {
                    continue;
                }
                let (found, invalid) = addresses_in(line);
                out.invalid.extend(invalid);
                for address in found {
                    take(&mut out, address);
                }
            }
        }
    }
    if text.to_ascii_lowercase().contains("unsubscribe-l") {
        let keys = keys::load(db)?;
        for token in keys.tokens_in(text) {
            let Some(person) = subscribers_by_id(db, token.subscriber_id)? else {
                continue;
            };
            if let Ok(address) = normalize_email(&person) {
                take(&mut out, address);
            }
        }
    }
    Ok(out)
}

/// A subscriber's address by id, or `None` when they were deleted.
fn subscribers_by_id(db: &Database, id: i64) -> Result<Option<String>> {
    Ok(db
        .conn()
        .prepare_cached("SELECT email FROM subscriber WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// Addresses as stored with their keys, and words that looked like addresses but are not.
pub type Asked = (Vec<(String, String)>, Vec<String>);

/// The addresses a paste asks to unsubscribe, and the words that looked like
/// addresses but are not: what `subscribers::unsubscribe_addresses` acts on.
pub fn addresses_to_unsubscribe(db: &Database, text: &str) -> Result<Asked> {
    let read = read(db, text)?;
    Ok((read.addresses, read.invalid))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proves only the senders of messages that are not copies are read, and
    /// that text without headers is not taken for messages.
    #[test]
    fn senders_are_the_from_lines_of_messages_not_of_copies() {
        let text = "From: Ana Lima <ana@example.org>\nTo: boston@example.org\nSubject: Re: Rally\n\nTake me off. Bob is bob@example.org\n\n\
                    ---------- Forwarded message ---------\nFrom: Carl <carl@example.org>\nDate: Mon\n\nhello\n\n-----\n\
                    From: Dee <dee@example.org>\nDate: Tue\n\nme too\n";
        assert_eq!(
            senders(text),
            Some(vec![
                "Ana Lima <ana@example.org>".to_owned(),
                "Dee <dee@example.org>".to_owned()
            ]),
            "Ana and Dee wrote; Carl's is a forwarded copy"
        );
        assert_eq!(
            senders("ana@example.org\nbob@example.org"),
            None,
            "a column of addresses holds no messages"
        );
        assert_eq!(
            senders("Hello\nFrom: the committee\n"),
            None,
            "a From: line inside text is not a message"
        );
    }

    /// Proves the address is taken from the angle brackets of a From value.
    #[test]
    fn a_from_value_gives_its_address() {
        let (found, _) = from_addresses("\"Lima, Ana\" <Ana@Example.org>");
        assert_eq!(
            found,
            vec![("Ana@example.org".to_owned(), "ana@example.org".to_owned())],
            "the bracketed address, its domain in lower case"
        );
    }
}
