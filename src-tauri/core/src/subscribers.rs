//! Subscribers: the people on a branch's mailing lists, their standing on each
//! list, and the consent ledger that says since when and from where. It owns
//! the address rules (one subscriber per address, whatever its case), adding,
//! editing, unsubscribing and deleting by hand, and search. Consent only moves
//! forward here: leaving is always recorded, and nothing but an explicit act of
//! the organizer puts a person who left back on a list.

use std::collections::BTreeSet;
use std::str::FromStr;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, FieldProblem, Result};
use crate::lists::{self, now};
use crate::storage::Database;

/// The longest address SMTP carries.
pub const MAX_EMAIL: usize = 254;
/// The longest one-line field (name, city, …).
pub const MAX_FIELD: usize = 200;
/// The longest notes.
pub const MAX_NOTES: usize = 10_000;

/// A person's standing on one list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// On the list: announcements reach them.
    Subscribed,
    /// They asked to leave.
    Unsubscribed,
    /// Mail to them came back.
    Bounced,
    /// Removed as undeliverable (Mailchimp's word).
    Cleaned,
}

impl ConsentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentStatus::Subscribed => "subscribed",
            ConsentStatus::Unsubscribed => "unsubscribed",
            ConsentStatus::Bounced => "bounced",
            ConsentStatus::Cleaned => "cleaned",
        }
    }

    pub fn parse(text: &str) -> Option<ConsentStatus> {
        match text {
            "subscribed" => Some(ConsentStatus::Subscribed),
            "unsubscribed" => Some(ConsentStatus::Unsubscribed),
            "bounced" => Some(ConsentStatus::Bounced),
            "cleaned" => Some(ConsentStatus::Cleaned),
            _ => None,
        }
    }
}

/// A subscriber as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Subscriber {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub first_name: String,
    /// A BCP 47 language tag such as `es`, or empty.
    pub language: String,
    pub city: String,
    pub postal_code: String,
    pub tags: Vec<String>,
    pub notes: String,
    pub created_at: String,
    pub updated_at: String,
}

/// The fields of a subscriber, as a form sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SubscriberInput {
    pub email: String,
    pub name: String,
    pub first_name: String,
    pub language: String,
    pub city: String,
    pub postal_code: String,
    pub tags: Vec<String>,
    pub notes: String,
}

/// A subscriber's standing on one list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Membership {
    pub list_id: i64,
    pub list_name: String,
    pub status: ConsentStatus,
    /// When this standing began (RFC 3339, UTC).
    pub since: String,
}

/// One line of the consent ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConsentEntry {
    pub list_name: String,
    /// `subscribed`, `unsubscribed`, `bounced`, `cleaned`, or `deleted` (the subscriber was removed).
    pub status: String,
    /// Where the change came from, such as “Import of signups.csv, line 12”.
    pub source: String,
    pub at: String,
}

/// Everything about one subscriber: fields, lists and consent history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SubscriberDetail {
    pub subscriber: Subscriber,
    pub memberships: Vec<Membership>,
    /// Oldest first.
    pub ledger: Vec<ConsentEntry>,
}

/// A subscriber in a list or search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SubscriberRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub city: String,
    pub postal_code: String,
    pub language: String,
    pub tags: Vec<String>,
    /// Their standing on the list being shown; `None` when no list is chosen or they are not on it.
    pub status: Option<ConsentStatus>,
}

/// What to show: a list's members (or everyone), narrowed by text typed in the search box.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SubscriberQuery {
    pub list_id: Option<i64>,
    /// Any part of the address or name; empty shows everyone, by address.
    pub text: String,
    pub offset: u32,
    pub limit: u32,
}

/// One page of subscribers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SubscriberPage {
    pub rows: Vec<SubscriberRow>,
    /// How many match in all, when known (a search stops once the page is full).
    pub total: Option<u32>,
    /// True when there are more rows after this page.
    pub more: bool,
}

/// What pasting a block of addresses to unsubscribe did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct UnsubscribeReport {
    /// Addresses that were on a list and are now unsubscribed.
    pub unsubscribed: Vec<String>,
    /// Addresses that had already left every list concerned.
    pub already: Vec<String>,
    /// Addresses of nobody in the database: the ledger now records that they
    /// asked to leave, so no later import adds them.
    pub not_subscribers: Vec<String>,
    /// Words that looked like addresses but are not valid ones.
    pub invalid: Vec<String>,
}

/// An address as stored (domain in lower case) and its key (all in lower case),
/// or a sentence saying what is wrong with it.
pub fn normalize_email(text: &str) -> std::result::Result<(String, String), String> {
    let trimmed = text.trim();
    let trimmed = trimmed
        .strip_prefix("mailto:")
        .or_else(|| trimmed.strip_prefix("MAILTO:"))
        .unwrap_or(trimmed);
    let trimmed = trimmed
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(trimmed)
        .trim();
    if trimmed.is_empty() {
        return Err("The email address is missing.".to_owned());
    }
    if let Some(pair) = plain_address(trimmed) {
        return Ok(pair);
    }
    if trimmed.chars().count() > MAX_EMAIL {
        return Err(format!(
            "The email address is {} characters long; an address has at most {MAX_EMAIL}.",
            trimmed.chars().count()
        ));
    }
    let options = email_address::Options::default()
        .with_required_tld()
        .without_domain_literal()
        .without_display_text();
    match email_address::EmailAddress::parse_with_options(trimmed, options) {
        Ok(address) if !address.domain().ends_with('.') && !address.domain().starts_with('.') => {
            let email = format!(
                "{}@{}",
                address.local_part(),
                address.domain().to_lowercase()
            );
            let key = email.to_lowercase();
            Ok((email, key))
        }
        _ => Err(if trimmed.contains('@') {
            format!("“{}” is not a valid email address.", short(trimmed))
        } else {
            format!("“{}” is not an email address: it has no @.", short(trimmed))
        }),
    }
}

/// The address and key of an address of the plainest kind, the kind nearly
/// every row of a sign-up sheet holds: ASCII letters, digits and the usual
/// symbols, one @, and a domain of letters, digits and hyphens with at least
/// one dot. Everything this accepts the email_address crate accepts too, with
/// the same result (a test holds the two together); anything else is left to
/// the crate. An import checks every row's address, and the crate's general
/// parse, with its copies, took a quarter of the time spent checking rows.
fn plain_address(text: &str) -> Option<(String, String)> {
    let (local, domain) = text.split_once('@')?;
    let atom_char = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'/'
                    | b'='
                    | b'?'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'{'
                    | b'|'
                    | b'}'
                    | b'~'
            )
    };
    let local_ok = (1..=64).contains(&local.len())
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.bytes().all(atom_char));
    let label_ok = |label: &str| {
        let b = label.as_bytes();
        (1..=63).contains(&b.len())
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
    };
    let domain_ok = domain.len() <= 254 && domain.contains('.') && domain.split('.').all(label_ok);
    if !(local_ok && domain_ok && text.len() <= MAX_EMAIL) {
        return None;
    }
    let mut email = String::with_capacity(text.len());
    email.push_str(local);
    email.push('@');
    email.extend(domain.chars().map(|c| c.to_ascii_lowercase()));
    let key = email.to_ascii_lowercase();
    Some((email, key))
}

/// Text shown in a message, cut so a megabyte of junk stays readable.
pub(crate) fn short(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

/// A BCP 47 tag from a code (`es`, `pt-BR`) or a common language name
/// (`Spanish`, `español`), or `None` when it is neither.
pub fn normalize_language(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return Some(String::new());
    }
    // The usual cell, a two- or three-letter code in lower case, is a tag as it
    // stands (no language name is that short); an import meets it on every row.
    if (2..=3).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_lowercase()) {
        return Some(text.to_owned());
    }
    let named = match text.to_lowercase().as_str() {
        "english" | "inglés" | "ingles" => Some("en"),
        "spanish" | "español" | "espanol" | "castellano" => Some("es"),
        "portuguese" | "português" | "portugues" => Some("pt"),
        "french" | "français" | "francais" => Some("fr"),
        "haitian creole" | "kreyòl" | "kreyol" | "creole" => Some("ht"),
        "chinese" | "中文" => Some("zh"),
        "vietnamese" | "tiếng việt" => Some("vi"),
        "arabic" | "العربية" => Some("ar"),
        "german" | "deutsch" => Some("de"),
        "italian" | "italiano" => Some("it"),
        "russian" | "русский" => Some("ru"),
        _ => None,
    };
    if let Some(code) = named {
        return Some(code.to_owned());
    }
    if text.len() > 35 {
        return None;
    }
    language_tags::LanguageTag::parse(&text.replace('_', "-"))
        .ok()
        .map(|tag| tag.to_string())
}

/// Tags split from a cell or a form (`volunteer, student` or Mailchimp's `"a","b"`),
/// trimmed, without duplicates (case does not matter).
pub fn split_tags(text: &str) -> Vec<String> {
    clean_tags(text.split([',', ';']).map(|t| t.to_owned()))
}

pub(crate) fn clean_tags(tags: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut tags = tags.into_iter().peekable();
    let Some(first) = tags.next() else {
        return Vec::new();
    };
    if tags.peek().is_none() {
        // One tag, the usual cell: nothing to compare it with.
        let tag = first.trim().trim_matches('"').trim();
        return if tag.is_empty() {
            Vec::new()
        } else {
            vec![tag.to_owned()]
        };
    }
    let tags = std::iter::once(first).chain(tags);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for tag in tags {
        let tag = tag.trim().trim_matches('"').trim().to_owned();
        if !tag.is_empty() && seen.insert(tag.to_lowercase()) {
            out.push(tag);
        }
    }
    out
}

/// The cleaned fields and the address's key.
#[derive(Debug, Clone)]
pub(crate) struct Clean {
    pub input: SubscriberInput,
    pub key: String,
}

/// Checks every field, returning them cleaned or every problem at once.
pub fn validate(input: SubscriberInput) -> Result<SubscriberInput> {
    validate_clean(input).map(|c| c.input)
}

pub(crate) fn validate_clean(input: SubscriberInput) -> Result<Clean> {
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: String| {
        problems.push(FieldProblem {
            field: field.to_owned(),
            message,
        })
    };
    let (email, key) = match normalize_email(&input.email) {
        Ok(pair) => pair,
        Err(message) => {
            problem("email", message);
            (String::new(), String::new())
        }
    };
    for (field, value) in [
        ("name", &input.name),
        ("first_name", &input.first_name),
        ("city", &input.city),
        ("postal_code", &input.postal_code),
    ] {
        let len = value.trim().chars().count();
        if len > MAX_FIELD {
            problem(
                field,
                format!("This is {len} characters long; keep it to {MAX_FIELD}."),
            );
        } else if value.chars().any(char::is_control) {
            problem(
                field,
                "Remove the line breaks and tabs: this is one line of text.".to_owned(),
            );
        }
    }
    let language = match normalize_language(&input.language) {
        Some(tag) => tag,
        None => {
            problem(
                "language",
                format!(
                    "“{}” is not a language. Use a code such as en, es or pt-BR.",
                    short(input.language.trim())
                ),
            );
            String::new()
        }
    };
    let tags = clean_tags(input.tags.iter().flat_map(|t| split_tags(t)));
    if let Some(long) = tags.iter().find(|t| t.chars().count() > 60) {
        problem(
            "tags",
            format!(
                "The tag “{}” is too long; keep tags to 60 characters.",
                short(long)
            ),
        );
    }
    if input.notes.chars().count() > MAX_NOTES {
        problem(
            "notes",
            format!(
                "The notes are {} characters long; keep them to {MAX_NOTES}.",
                input.notes.chars().count()
            ),
        );
    }
    if !problems.is_empty() {
        return Err(Error::invalid(problems));
    }
    Ok(Clean {
        input: SubscriberInput {
            email,
            name: trimmed(input.name),
            first_name: trimmed(input.first_name),
            language,
            city: trimmed(input.city),
            postal_code: trimmed(input.postal_code),
            tags,
            notes: trimmed(input.notes),
        },
        key,
    })
}

/// The text without the spaces around it, copied only when there are some.
fn trimmed(text: String) -> String {
    if text.trim().len() == text.len() {
        text
    } else {
        text.trim().to_owned()
    }
}

/// The names search looks in for a subscriber (the `search` column): the
/// name, and the first name when the name does not hold it, in lower case.
/// (Search looks for the address in `email_key`, the address in lower case.)
pub(crate) fn search_text(name: &str, first_name: &str) -> String {
    if name.is_ascii() && first_name.is_ascii() {
        // The usual row, written in one string (an import makes 100,000).
        let mut text = String::with_capacity(name.len() + first_name.len() + 1);
        text.push_str(name);
        text.make_ascii_lowercase();
        if !first_name.is_empty() {
            let first_at = text.len() + 1;
            text.push(' ');
            text.push_str(first_name);
            text[first_at..].make_ascii_lowercase();
            if text[..first_at - 1].contains(&text[first_at..]) {
                text.truncate(first_at - 1);
            }
        }
        return text;
    }
    let mut text = name.to_lowercase();
    if !first_name.is_empty() {
        let first = first_name.to_lowercase();
        if !text.contains(&first) {
            text.push(' ');
            text.push_str(&first);
        }
    }
    text
}

/// Fills the `search` column of every subscriber, for the migrations that
/// added it and that took the address out of it (SQL's lower() folds only A
/// to Z; Handbill folds every alphabet).
pub(crate) fn fill_search_column(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let rows: Vec<(i64, String, String)> = conn
        .prepare("SELECT id, name, first_name FROM subscriber")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = conn.prepare("UPDATE subscriber SET search = ?2 WHERE id = ?1")?;
    for (id, name, first_name) in rows {
        update.execute(params![id, search_text(&name, &first_name)])?;
    }
    Ok(())
}

fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned())
}

fn read_subscriber(r: &rusqlite::Row<'_>) -> rusqlite::Result<Subscriber> {
    let tags: String = r.get(7)?;
    Ok(Subscriber {
        id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        first_name: r.get(3)?,
        language: r.get(4)?,
        city: r.get(5)?,
        postal_code: r.get(6)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        notes: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

const SUBSCRIBER_COLUMNS: &str =
    "id, email, name, first_name, language, city, postal_code, tags, notes, created_at, updated_at";

/// One subscriber.
pub fn get(db: &Database, id: i64) -> Result<Subscriber> {
    db.conn()
        .query_row(
            &format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscriber WHERE id = ?1"),
            [id],
            read_subscriber,
        )
        .optional()?
        .ok_or_else(|| {
            Error::not_found(format!(
                "There is no subscriber number {id}; they may have been deleted."
            ))
        })
}

/// One subscriber by address (case does not matter).
pub fn find(db: &Database, email: &str) -> Result<Option<Subscriber>> {
    let Ok((_, key)) = normalize_email(email) else {
        return Ok(None);
    };
    Ok(db
        .conn()
        .query_row(
            &format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscriber WHERE email_key = ?1"),
            [key],
            read_subscriber,
        )
        .optional()?)
}

/// A subscriber with their lists and consent history.
pub fn detail(db: &Database, id: i64) -> Result<SubscriberDetail> {
    let subscriber = get(db, id)?;
    let mut stmt = db.conn().prepare(
        "SELECT m.list_id, l.name, m.status, m.since FROM membership m JOIN list l ON l.id = m.list_id
         WHERE m.subscriber_id = ?1 ORDER BY l.name COLLATE NOCASE",
    )?;
    let memberships = stmt
        .query_map([id], |r| {
            let status: String = r.get(2)?;
            Ok(Membership {
                list_id: r.get(0)?,
                list_name: r.get(1)?,
                status: ConsentStatus::parse(&status).unwrap_or(ConsentStatus::Unsubscribed),
                since: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(SubscriberDetail {
        ledger: ledger(db, &subscriber.email)?,
        subscriber,
        memberships,
    })
}

/// The consent ledger of an address, oldest first, including lines written
/// before a deletion.
pub fn ledger(db: &Database, email: &str) -> Result<Vec<ConsentEntry>> {
    let key = normalize_email(email)
        .map(|(_, k)| k)
        .unwrap_or_else(|_| email.to_lowercase());
    let mut stmt = db.conn().prepare(
        "SELECT l.name, c.status, c.source, c.at FROM consent c JOIN list l ON l.id = c.list_id
         WHERE c.email_key = ?1 ORDER BY c.id",
    )?;
    let entries = stmt
        .query_map([key], |r| {
            Ok(ConsentEntry {
                list_name: r.get(0)?,
                status: r.get(1)?,
                source: r.get(2)?,
                at: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(entries)
}

/// The last standing the ledger records for an address on a list, ignoring
/// deletions: what a returning address comes back as.
pub(crate) fn ledger_status(
    db: &Database,
    key: &str,
    list_id: i64,
) -> Result<Option<ConsentStatus>> {
    let status: Option<String> = db
        .conn()
        .prepare_cached(
            "SELECT status FROM consent WHERE email_key = ?1 AND list_id = ?2 AND status <> 'deleted'
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![key, list_id], |r| r.get(0))
        .optional()?;
    Ok(status.as_deref().and_then(ConsentStatus::parse))
}

/// Appends one line to the consent ledger.
pub(crate) fn record(
    db: &Database,
    key: &str,
    list_id: i64,
    status: &str,
    source: &str,
    at: &str,
) -> Result<()> {
    db.conn()
        .prepare_cached("INSERT INTO consent (email_key, list_id, status, source, at) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![key, list_id, status, source, at])?;
    Ok(())
}

/// Sets a subscriber's standing on a list and records it in the ledger. No
/// line is written when the standing does not change.
pub(crate) fn put_membership(
    db: &Database,
    subscriber_id: i64,
    key: &str,
    list_id: i64,
    status: ConsentStatus,
    source: &str,
    at: &str,
) -> Result<bool> {
    let current: Option<String> = db
        .conn()
        .prepare_cached("SELECT status FROM membership WHERE list_id = ?1 AND subscriber_id = ?2")?
        .query_row(params![list_id, subscriber_id], |r| r.get(0))
        .optional()?;
    if current.as_deref() == Some(status.as_str()) {
        return Ok(false);
    }
    db.conn()
        .prepare_cached(
            "INSERT INTO membership (list_id, subscriber_id, status, since) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (list_id, subscriber_id) DO UPDATE SET status = excluded.status, since = excluded.since",
        )?
        .execute(params![list_id, subscriber_id, status.as_str(), at])?;
    record(db, key, list_id, status.as_str(), source, at)?;
    Ok(true)
}

/// Sets the text search looks in for a subscriber written without it.
pub(crate) fn index_for_search(db: &Database, id: i64, name: &str, first_name: &str) -> Result<()> {
    db.conn()
        .prepare_cached("UPDATE subscriber SET search = ?2 WHERE id = ?1")?
        .execute(params![id, search_text(name, first_name)])?;
    Ok(())
}

/// Adds a subscriber typed into the window or given on the command line, and
/// puts them on `list_id` when given. An address that once left that list comes
/// back with the standing the ledger records, never as subscribed.
pub fn add(
    db: &Database,
    input: SubscriberInput,
    list_id: Option<i64>,
    source: &str,
) -> Result<SubscriberDetail> {
    let clean = validate_clean(input)?;
    if let Some(list_id) = list_id {
        lists::get(db, list_id)?;
    }
    if let Some(existing) = find(db, &clean.input.email)? {
        return Err(Error::invalid_field(
            "email",
            format!(
                "{} is already a subscriber{}. Search for them to change their details.",
                existing.email,
                if existing.name.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", existing.name)
                }
            ),
        ));
    }
    let tx = db.conn().unchecked_transaction()?;
    let at = now();
    let c = &clean.input;
    db.conn().execute(
        "INSERT INTO subscriber (email, email_key, name, first_name, language, city, postal_code, tags, notes, created_at, updated_at, search)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)",
        params![c.email, clean.key, c.name, c.first_name, c.language, c.city, c.postal_code, tags_json(&c.tags), c.notes, at,
            search_text(&c.name, &c.first_name)],
    )?;
    let id = db.conn().last_insert_rowid();
    if let Some(list_id) = list_id {
        let status = match ledger_status(db, &clean.key, list_id)? {
            Some(left) if left != ConsentStatus::Subscribed => left,
            _ => ConsentStatus::Subscribed,
        };
        let why = if status == ConsentStatus::Subscribed {
            source.to_owned()
        } else {
            format!(
                "{source}: added again, kept {} as the ledger records",
                status.as_str()
            )
        };
        put_membership(db, id, &clean.key, list_id, status, &why, &at)?;
    }
    tx.commit()?;
    detail(db, id)
}

/// Changes a subscriber's fields. A new address must not belong to someone else.
pub fn update(db: &Database, id: i64, input: SubscriberInput) -> Result<SubscriberDetail> {
    let before = get(db, id)?;
    let clean = validate_clean(input)?;
    if let Some(other) = find(db, &clean.input.email)? {
        if other.id != id {
            return Err(Error::invalid_field(
                "email",
                format!("{} belongs to another subscriber. Delete one of the two, or keep the old address.", other.email),
            ));
        }
    }
    let old_key = normalize_email(&before.email)
        .map(|(_, k)| k)
        .unwrap_or_default();
    let tx = db.conn().unchecked_transaction()?;
    let c = &clean.input;
    db.conn().execute(
        "UPDATE subscriber SET email = ?2, email_key = ?3, name = ?4, first_name = ?5, language = ?6, city = ?7,
                postal_code = ?8, tags = ?9, notes = ?10, updated_at = ?11, search = ?12 WHERE id = ?1",
        params![id, c.email, clean.key, c.name, c.first_name, c.language, c.city, c.postal_code, tags_json(&c.tags), c.notes, now(),
            search_text(&c.name, &c.first_name)],
    )?;
    if old_key != clean.key {
        // The ledger follows the person to their new address, so their history stays readable.
        let at = now();
        let lists: Vec<(i64, String)> = db
            .conn()
            .prepare("SELECT list_id, status FROM membership WHERE subscriber_id = ?1")?
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (list_id, status) in lists {
            record(
                db,
                &clean.key,
                list_id,
                &status,
                &format!("Address changed from {} in the window", before.email),
                &at,
            )?;
        }
    }
    tx.commit()?;
    detail(db, id)
}

/// Sets a subscriber's standing on one list (unsubscribe, bounced, cleaned, or
/// putting them on a list). Putting back someone who left needs a reason,
/// which the ledger keeps: consent only comes back from the person.
pub fn set_status(
    db: &Database,
    id: i64,
    list_id: i64,
    status: ConsentStatus,
    source: &str,
) -> Result<SubscriberDetail> {
    let subscriber = get(db, id)?;
    let list = lists::get(db, list_id)?;
    let key = normalize_email(&subscriber.email)
        .map(|(_, k)| k)
        .unwrap_or_default();
    if status == ConsentStatus::Subscribed {
        if let Some(left) =
            ledger_status(db, &key, list_id)?.filter(|s| *s != ConsentStatus::Subscribed)
        {
            if source.trim().is_empty() {
                return Err(Error::invalid_field(
                    "source",
                    format!(
                        "{} is {} on {}. Say how they asked to come back (for example “asked at the March meeting”): the consent ledger keeps it.",
                        subscriber.email,
                        left.as_str(),
                        list.name
                    ),
                ));
            }
        }
    }
    let source = if source.trim().is_empty() {
        "Changed in the window"
    } else {
        source.trim()
    };
    let tx = db.conn().unchecked_transaction()?;
    put_membership(db, id, &key, list_id, status, source, &now())?;
    tx.commit()?;
    detail(db, id)
}

/// Deletes a subscriber. Their consent ledger stays (with a line saying they
/// were deleted), so an import can never bring back someone who had left.
pub fn delete(db: &Database, id: i64, source: &str) -> Result<()> {
    let subscriber = get(db, id)?;
    let key = normalize_email(&subscriber.email)
        .map(|(_, k)| k)
        .unwrap_or_default();
    let tx = db.conn().unchecked_transaction()?;
    let at = now();
    let lists: Vec<i64> = db
        .conn()
        .prepare("SELECT list_id FROM membership WHERE subscriber_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for list_id in lists {
        record(db, &key, list_id, "deleted", source, &at)?;
    }
    db.conn()
        .execute("DELETE FROM subscriber WHERE id = ?1", [id])?;
    tx.commit()?;
    Ok(())
}

/// The addresses in a pasted block of text: replies, a column copied from a
/// spreadsheet, `Name <address>` lines. Words with an @ that are not valid
/// addresses are returned apart, so they can be shown.
pub fn addresses_in(text: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut found = Vec::new();
    let mut invalid = Vec::new();
    let mut seen = BTreeSet::new();
    for word in text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | ';' | '<' | '>' | '"' | '\'' | '(' | ')' | '[' | ']'
            )
    }) {
        let word = word.trim_matches(|c: char| matches!(c, '.' | ':'));
        if !word.contains('@') {
            continue;
        }
        match normalize_email(word) {
            Ok((email, key)) => {
                if seen.insert(key.clone()) {
                    found.push((email, key));
                }
            }
            Err(_) => invalid.push(short(word)),
        }
    }
    (found, invalid)
}

/// Unsubscribes every address in a pasted block, from one list or from all.
/// Addresses of nobody yet are recorded in the ledger as having asked to
/// leave, so no later import subscribes them. One transaction.
pub fn unsubscribe_addresses(
    db: &Database,
    text: &str,
    list_id: Option<i64>,
    source: &str,
) -> Result<UnsubscribeReport> {
    // Only senders and signed unsubscribe tokens count, never the branch's own.
    let (addresses, invalid) = crate::announcements::replies::addresses_to_unsubscribe(db, text)?;
    if addresses.is_empty() {
        return Err(Error::invalid_field(
            "addresses",
            if invalid.is_empty() {
                "No email addresses were found in the text. Paste addresses, one per line or separated by commas.".to_owned()
            } else {
                format!(
                    "None of these is a valid email address: {}.",
                    invalid.join(", ")
                )
            },
        ));
    }
    let all_lists: Vec<i64> = match list_id {
        Some(id) => vec![lists::get(db, id)?.id],
        None => lists::all(db)?.into_iter().map(|l| l.id).collect(),
    };
    if all_lists.is_empty() {
        return Err(Error::not_found(
            "There are no lists yet, so nobody can be unsubscribed. Create a list first.",
        ));
    }
    let mut report = UnsubscribeReport {
        invalid,
        ..Default::default()
    };
    let tx = db.conn().unchecked_transaction()?;
    let at = now();
    for (email, key) in addresses {
        let found: Option<(i64, String)> = db
            .conn()
            .prepare_cached("SELECT id, email FROM subscriber WHERE email_key = ?1")?
            .query_row([&key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        match found {
            Some((id, stored)) => {
                // Reported as stored, whatever case it was pasted in.
                let email = stored;
                let mut changed = false;
                for &list in &all_lists {
                    let on_list: Option<String> = db
                        .conn()
                        .prepare_cached("SELECT status FROM membership WHERE list_id = ?1 AND subscriber_id = ?2")?
                        .query_row(params![list, id], |r| r.get(0))
                        .optional()?;
                    if on_list.as_deref() == Some("subscribed") {
                        put_membership(
                            db,
                            id,
                            &key,
                            list,
                            ConsentStatus::Unsubscribed,
                            source,
                            &at,
                        )?;
                        changed = true;
                    }
                }
                if changed {
                    report.unsubscribed.push(email);
                } else {
                    report.already.push(email);
                }
            }
            None => {
                for &list in &all_lists {
                    if ledger_status(db, &key, list)? != Some(ConsentStatus::Unsubscribed) {
                        record(db, &key, list, "unsubscribed", source, &at)?;
                    }
                }
                report.not_subscribers.push(email);
            }
        }
    }
    tx.commit()?;
    Ok(report)
}

/// The page of subscribers a query asks for. Text is matched against any part
/// of the address or name, without regard to case.
pub fn search(db: &Database, query: &SubscriberQuery) -> Result<SubscriberPage> {
    let limit = query.limit.clamp(1, 500) as usize;
    let offset = query.offset as usize;
    let needle = query.text.trim().to_lowercase();
    let (join, list_param): (&str, i64) = match query.list_id {
        Some(id) => (
            "JOIN membership m ON m.subscriber_id = s.id AND m.list_id = ?1",
            id,
        ),
        // No list: nobody's standing is shown (no list has id -1).
        None => (
            "LEFT JOIN membership m ON m.subscriber_id = s.id AND m.list_id = ?1",
            -1,
        ),
    };
    let columns = "s.id, s.email, s.name, s.city, s.postal_code, s.language, s.tags, m.status";
    let read = |r: &rusqlite::Row<'_>| -> rusqlite::Result<SubscriberRow> {
        let tags: String = r.get(6)?;
        let status: Option<String> = r.get(7)?;
        Ok(SubscriberRow {
            id: r.get(0)?,
            email: r.get(1)?,
            name: r.get(2)?,
            city: r.get(3)?,
            postal_code: r.get(4)?,
            language: r.get(5)?,
            tags: serde_json::from_str(&tags).unwrap_or_default(),
            status: status.as_deref().and_then(ConsentStatus::parse),
        })
    };

    if needle.is_empty() {
        let total: u32 = db.conn().query_row(
            &format!("SELECT count(*) FROM subscriber s {join}"),
            [list_param],
            |r| r.get(0),
        )?;
        let mut stmt = db.conn().prepare_cached(&format!(
            "SELECT {columns} FROM subscriber s {join} ORDER BY s.email_key LIMIT ?2 OFFSET ?3"
        ))?;
        let rows = stmt
            .query_map(params![list_param, limit as i64, offset as i64], read)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        return Ok(SubscriberPage {
            more: offset + rows.len() < total as usize,
            rows,
            total: Some(total),
        });
    }

    // A scan of the address and the names (`email_key` and `search`, both in
    // lower case), in subscriber order, stopped once the page is full: on 100,000 subscribers
    // a scan to the end takes a few milliseconds, and text that many people
    // match (a few letters) fills the page long before the end.
    // CROSS JOIN keeps subscribers the outer loop: the text is tested first and
    // the list looked up for the rows that match. (Led by the list, SQLite
    // would look up every member's row, then sort them all before the first.)
    let text_join = match query.list_id {
        Some(_) => "CROSS JOIN membership m ON m.subscriber_id = s.id AND m.list_id = ?1",
        None => join,
    };
    let sql = format!(
        "SELECT {columns} FROM subscriber s {text_join}
          WHERE (instr(s.email_key, ?2) > 0 OR instr(s.search, ?2) > 0) ORDER BY s.id"
    );
    let mut stmt = db.conn().prepare_cached(&sql)?;
    let mut rows_out = Vec::new();
    let mut matched = 0usize;
    let mut more = false;
    let mut rows = stmt.query(params![list_param, needle])?;
    while let Some(r) = rows.next()? {
        matched += 1;
        if matched <= offset {
            continue;
        }
        if rows_out.len() == limit {
            more = true;
            break;
        }
        rows_out.push(read(r)?);
    }
    let total = if more { None } else { Some(matched as u32) };
    Ok(SubscriberPage {
        rows: rows_out,
        total,
        more,
    })
}

impl FromStr for ConsentStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ConsentStatus::parse(&s.trim().to_lowercase()).ok_or_else(|| {
            Error::invalid_field(
                "status",
                format!("“{}” is not a standing on a list: use subscribed, unsubscribed, bounced or cleaned.", short(s)),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_lower_case_code_is_read_as_the_language_tag_parser_reads_it() {
        // The shortcut in `normalize_language` must agree with the parser on every such code.
        let letters: Vec<char> = ('a'..='z').collect();
        let mut codes: Vec<String> = Vec::new();
        for a in &letters {
            for b in &letters {
                codes.push(format!("{a}{b}"));
                for c in &letters {
                    codes.push(format!("{a}{b}{c}"));
                }
            }
        }
        for code in codes {
            let parsed = language_tags::LanguageTag::parse(&code)
                .ok()
                .map(|tag| tag.to_string());
            assert_eq!(
                normalize_language(&code),
                parsed,
                "“{code}” must be read as the parser reads it"
            );
        }
    }

    proptest::proptest! {
        /// The quick path for plain addresses agrees with the email_address
        /// crate on every address it takes, and takes the usual ones.
        #[test]
        fn plain_addresses_are_read_as_the_library_reads_them(
            text in "[A-Za-z0-9._%+'~-]{0,12}@?[A-Za-z0-9_.-]{0,14}(\\.[A-Za-z]{0,4})?"
        ) {
            if let Some(quick) = plain_address(&text) {
                let options = email_address::Options::default()
                    .with_required_tld()
                    .without_domain_literal()
                    .without_display_text();
                let parsed = email_address::EmailAddress::parse_with_options(&text, options);
                proptest::prop_assert!(parsed.is_ok(), "{text} was taken but the library refuses it");
                let parsed = parsed.unwrap();
                let email = format!("{}@{}", parsed.local_part(), parsed.domain().to_lowercase());
                proptest::prop_assert_eq!(&quick.0, &email);
                proptest::prop_assert_eq!(&quick.1, &email.to_lowercase());
            }
        }
    }

    #[test]
    fn usual_addresses_take_the_quick_path_and_others_the_library() {
        assert_eq!(
            plain_address("Ana.Evans+news@Example.ORG"),
            Some((
                "Ana.Evans+news@example.org".to_owned(),
                "ana.evans+news@example.org".to_owned()
            ))
        );
        for other in [
            "ana@localhost",
            "ana@.example.org",
            "ana..b@example.org",
            "ñ@example.org",
            "ana@example-.org",
            "\"a b\"@example.org",
            "Ana <ana@example.org>",
            "a@b@example.org",
        ] {
            assert_eq!(plain_address(other), None, "{other}");
        }
        // Those the quick path leaves are still read by the library where valid.
        assert_eq!(normalize_email("ñ@Example.org").unwrap().1, "ñ@example.org");
        assert!(normalize_email("ana@localhost").is_err());
    }

    #[test]
    fn search_text_is_in_lower_case_in_every_alphabet_and_names_the_first_name_once() {
        assert_eq!(
            search_text("ÉLODIE Ñúñez", "Élodie"),
            "élodie ñúñez",
            "the first name already in the name is not repeated, and accents fold too"
        );
        assert_eq!(search_text("ANA Evans", "Ana"), "ana evans");
        assert_eq!(search_text("Evans", "Ben"), "evans ben");
        assert_eq!(search_text("", "Ben"), " ben");
        assert_eq!(search_text("", ""), "");
        assert_eq!(
            search_text("Ortiz", "Σοφία"),
            "ortiz σοφία",
            "a first name missing from the name is added, folded"
        );
    }
}
