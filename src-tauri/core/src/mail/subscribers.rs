//! Subscribers: the people on a branch's mailing lists, their standing on each
//! list, and the consent ledger that says since when and from where. It owns
//! the address rules (one subscriber per address, whatever its case), adding,
//! editing, unsubscribing and deleting by hand, and search. It also owns the
//! branch-wide opt-out: an address that unsubscribed, bounced, was cleaned or
//! complained on any list is suppressed (table `suppression`) for every list,
//! lists made later included, and only a new opt-in with evidence (which the
//! ledger keeps) lifts it. An opt-out for one list only is possible when the
//! person asks for exactly that. Every path that puts people on a list or
//! picks them to mail goes through here or through the `mailable` view.

use std::collections::BTreeSet;
use std::str::FromStr;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock::now_text;
use crate::db::search::search_text;
use crate::db::{Database, Tx};
use crate::email::normalize_email;
use crate::error::{short, Error, FieldProblem, Result};
use crate::mail::lists;

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
    /// They marked a message as spam.
    Complained,
}

impl ConsentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentStatus::Subscribed => "subscribed",
            ConsentStatus::Unsubscribed => "unsubscribed",
            ConsentStatus::Bounced => "bounced",
            ConsentStatus::Cleaned => "cleaned",
            ConsentStatus::Complained => "complained",
        }
    }

    /// True for every standing but subscribed: a leaving of some kind.
    pub fn is_opt_out(self) -> bool {
        self != ConsentStatus::Subscribed
    }

    /// How strongly the standing keeps mail away, for choosing between two
    /// readings of one person: the higher wins.
    pub fn restriction(self) -> u8 {
        match self {
            ConsentStatus::Subscribed => 0,
            ConsentStatus::Unsubscribed => 2,
            ConsentStatus::Cleaned => 3,
            ConsentStatus::Bounced => 4,
            ConsentStatus::Complained => 5,
        }
    }

    pub fn parse(text: &str) -> Option<ConsentStatus> {
        match text {
            "subscribed" => Some(ConsentStatus::Subscribed),
            "unsubscribed" => Some(ConsentStatus::Unsubscribed),
            "bounced" => Some(ConsentStatus::Bounced),
            "cleaned" => Some(ConsentStatus::Cleaned),
            "complained" => Some(ConsentStatus::Complained),
            _ => None,
        }
    }
}

/// How far an opt-out reaches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OptOutScope {
    /// Every list of the branch, lists made later included: the rule.
    #[default]
    Branch,
    /// Only the list named, when the person asked for exactly that.
    OnlyThisList,
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
    /// As typed, such as “+1 (617) 555-0100”, or empty (see [`normalize_phone`]).
    pub phone: String,
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
    /// Digits with spaces, dashes, dots, brackets and a leading +; may be empty.
    #[serde(default)]
    pub phone: String,
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
    /// The list, or “Every list” for a line about the whole branch.
    pub list_name: String,
    /// True when the line covers every list of the branch (an opt-out of someone not on any list).
    pub branch_wide: bool,
    /// `subscribed`, `unsubscribed`, `bounced`, `cleaned`, `complained`, or `deleted` (the subscriber was removed).
    pub status: String,
    /// Where the change came from, such as “Import of signups.csv, line 12”.
    pub source: String,
    /// What the change rests on: a signed sheet's file and line, a form's
    /// answer and date, opt-in and confirm times and IPs, an organizer's note.
    pub evidence: String,
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

/// Unsubscribing the addresses in a block of text (pasted replies, a typed list).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UnsubscribeRequest {
    pub text: String,
    /// The list it was asked from; with `only_this_list`, the only list it covers.
    pub list_id: Option<i64>,
    /// Leave every other list as it is: only when the person asked for exactly that.
    pub only_this_list: bool,
    /// Where the request came from, for the ledger.
    pub source: String,
}

/// A change of one subscriber's standing on one list, from the window or the command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StandingChange {
    pub subscriber_id: i64,
    pub list_id: i64,
    pub status: ConsentStatus,
    /// For a leaving: every list (the rule) or this list only.
    pub scope: OptOutScope,
    /// For a return after an opt-out: how the person asked (required then), kept in the ledger as evidence.
    pub evidence: String,
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
        "haitian creole" | "kreyòl" | "kreyol" | "creole" | "kreyòl ayisyen" | "kreyol ayisyen"
        | "créole haïtien" | "creole haitiano" => Some("ht"),
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

/// Tags split from a cell or a form (`volunteer, student` or Mailchimp's
/// `"May Day, 2024","Volunteer"`, where each tag is quoted and may hold a
/// comma), trimmed, without duplicates (case does not matter).
pub fn split_tags(text: &str) -> Vec<String> {
    let trimmed = text.trim();
    if trimmed.starts_with('"') {
        // Mailchimp's cell is itself a line of CSV: read it with the CSV reader.
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(trimmed.as_bytes());
        let mut record = csv::StringRecord::new();
        if let Ok(true) = rdr.read_record(&mut record) {
            return clean_tags(record.iter().map(str::to_owned));
        }
    }
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
    // A NUL in any field, notes and tags included (a direct look: this runs for every imported row).
    let fields = [
        ("email", &input.email),
        ("name", &input.name),
        ("first_name", &input.first_name),
        ("language", &input.language),
        ("city", &input.city),
        ("postal_code", &input.postal_code),
        ("phone", &input.phone),
        ("notes", &input.notes),
    ];
    let tags = input.tags.iter().map(|t| ("tags", t));
    if let Some((field, _)) = fields
        .into_iter()
        .chain(tags)
        .find(|(_, v)| v.contains('\0'))
    {
        problem(
            field,
            "holds a NUL character (\\0), which Handbill does not store. Remove it.".to_owned(),
        );
    }
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
    let phone = match normalize_phone(&input.phone) {
        Ok(phone) => phone,
        Err(message) => {
            problem("phone", message);
            String::new()
        }
    };
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
            phone,
            tags,
            notes: trimmed(input.notes),
        },
        key,
    })
}

/// The longest phone number kept, in characters as typed.
pub const MAX_PHONE: usize = 30;

/// A phone number as people write it, checked: digits, with spaces, dashes,
/// dots, slashes and brackets between them and a `+` in front for the country
/// code (“+1 (617) 555-0100”, “617.555.0100”, “+44 20 7946 0958”). It is kept
/// as typed, the spaces around it removed and runs of spaces made one, since
/// each country groups its digits its own way. Empty stays empty. A number
/// has 7 to 15 digits (15 is the longest the international plan, E.164,
/// allows); anything else is refused with what is wrong, in words.
pub fn normalize_phone(text: &str) -> std::result::Result<String, String> {
    // A spreadsheet's mark for “this is text” (as an export writes “'+1 617…”) is not part of it.
    let text = text.trim_start();
    let text = text.strip_prefix('\'').unwrap_or(text);
    let phone = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if phone.is_empty() {
        return Ok(phone);
    }
    let len = phone.chars().count();
    if len > MAX_PHONE {
        return Err(format!(
            "This is {len} characters long; a phone number is at most {MAX_PHONE}."
        ));
    }
    if phone.chars().any(char::is_alphabetic) {
        return Err(format!(
            "“{}” has letters in it; a phone number is digits, such as +1 (617) 555-0100.",
            short(&phone)
        ));
    }
    if let Some(odd) = phone
        .chars()
        .find(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '+' | '(' | ')' | '-' | '.' | '/')))
    {
        return Err(format!(
            "“{odd}” is not part of a phone number; use digits, spaces, dashes, dots, brackets and a + in front."
        ));
    }
    if phone.rfind('+').is_some_and(|at| at > 0) {
        return Err(
            "A + goes only at the front, before the country code, such as +44 20 7946 0958."
                .to_owned(),
        );
    }
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if !(7..=15).contains(&digits) {
        return Err(format!(
            "“{}” has {digits} digits; a phone number has 7 to 15.",
            short(&phone)
        ));
    }
    Ok(phone)
}

/// The text without the spaces around it, copied only when there are some.
fn trimmed(text: String) -> String {
    if text.trim().len() == text.len() {
        text
    } else {
        text.trim().to_owned()
    }
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
        phone: r.get(11)?,
    })
}

const SUBSCRIBER_COLUMNS: &str =
    "id, email, name, first_name, language, city, postal_code, tags, notes, created_at, updated_at, phone";

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
        "SELECT l.name, c.status, c.source, c.at, c.evidence FROM consent c LEFT JOIN list l ON l.id = c.list_id
         WHERE c.email_key = ?1 ORDER BY c.id",
    )?;
    let entries = stmt
        .query_map([key], |r| {
            let list: Option<String> = r.get(0)?;
            Ok(ConsentEntry {
                branch_wide: list.is_none(),
                list_name: list.unwrap_or_else(|| "Every list".to_owned()),
                status: r.get(1)?,
                source: r.get(2)?,
                at: r.get(3)?,
                evidence: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(entries)
}

/// The last standing the ledger records for an address on a list (or for the
/// whole branch), ignoring deletions: what a returning address comes back as.
pub(crate) fn ledger_status(
    db: &Database,
    key: &str,
    list_id: i64,
) -> Result<Option<ConsentStatus>> {
    let status: Option<String> = db
        .conn()
        .prepare_cached(
            "SELECT status FROM consent WHERE email_key = ?1 AND (list_id = ?2 OR list_id IS NULL)
               AND status <> 'deleted'
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![key, list_id], |r| r.get(0))
        .optional()?;
    Ok(status.as_deref().and_then(ConsentStatus::parse))
}

/// The ledger's last word on this list (or the whole branch) for an address,
/// with when it was said: what an import weighs a dated opt-in against.
pub(crate) fn ledger_standing(
    db: &Database,
    key: &str,
    list_id: i64,
) -> Result<Option<(ConsentStatus, String)>> {
    let last: Option<(String, String)> = db
        .conn()
        .prepare_cached(
            "SELECT status, at FROM consent WHERE email_key = ?1 AND (list_id = ?2 OR list_id IS NULL)
               AND status <> 'deleted'
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![key, list_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(last.and_then(|(s, at)| ConsentStatus::parse(&s).map(|s| (s, at))))
}

/// Appends one line to the consent ledger; `list_id` None is a line about
/// every list of the branch.
pub(crate) fn record(
    db: &Database,
    key: &str,
    list_id: Option<i64>,
    status: &str,
    source: &str,
    evidence: &str,
    at: &str,
) -> Result<()> {
    db.conn()
        .prepare_cached(
            "INSERT INTO consent (email_key, list_id, status, source, at, evidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![key, list_id, status, source, at, evidence])?;
    Ok(())
}

/// The branch's salt for the hashes of forgotten addresses.
pub(crate) fn salt(db: &Database) -> Result<String> {
    Ok(db
        .conn()
        .prepare_cached("SELECT salt FROM consent_salt WHERE id = 1")?
        .query_row([], |r| r.get(0))?)
}

/// How a forgotten address is kept in the suppression table: `sha256:` and
/// the hex SHA-256 of the branch's salt and the address in lower case.
pub(crate) fn forgotten_key(salt: &str, key: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(salt.as_bytes());
    hash.update(b"\0");
    hash.update(key.as_bytes());
    let digest = hash.finalize();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A branch-wide opt-out as the suppression table holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub status: ConsentStatus,
    /// When it began (RFC 3339, UTC).
    pub since: String,
    /// True when only the hash of the address is kept (the person was deleted at their request).
    pub forgotten: bool,
}

/// The branch-wide opt-out of an address, whether kept as the address or,
/// for someone forgotten, as its hash.
pub fn suppression(db: &Database, key: &str) -> Result<Option<Suppression>> {
    let read = |k: &str, forgotten: bool| -> Result<Option<Suppression>> {
        let row: Option<(String, String)> = db
            .conn()
            .prepare_cached("SELECT status, since FROM suppression WHERE email_key = ?1")?
            .query_row([k], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.and_then(|(status, since)| {
            ConsentStatus::parse(&status).map(|status| Suppression {
                status,
                since,
                forgotten,
            })
        }))
    };
    if let Some(found) = read(key, false)? {
        return Ok(Some(found));
    }
    read(&forgotten_key(&salt(db)?, key), true)
}

/// Records a branch-wide opt-out of an address (kept if one is there already,
/// or written out again as the address if only its hash was kept).
pub(crate) fn suppress(
    db: &Database,
    key: &str,
    status: ConsentStatus,
    source: &str,
    at: &str,
) -> Result<()> {
    if !status.is_opt_out() {
        return Ok(());
    }
    let (status, at) = match suppression(db, key)? {
        Some(s) => (s.status, s.since),
        None => (status, at.to_owned()),
    };
    db.conn()
        .prepare_cached(
            "INSERT INTO suppression (email_key, status, since, source) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (email_key) DO NOTHING",
        )?
        .execute(params![key, status.as_str(), at, source])?;
    Ok(())
}

/// Lifts the branch-wide opt-out of an address, for a new opt-in with
/// evidence (the caller writes the ledger line that keeps it).
pub(crate) fn lift_suppression(db: &Database, key: &str) -> Result<()> {
    let hashed = forgotten_key(&salt(db)?, key);
    db.conn()
        .prepare_cached("DELETE FROM suppression WHERE email_key = ?1 OR email_key = ?2")?
        .execute(params![key, hashed])?;
    Ok(())
}

/// Writes a standing on one list, without a ledger line.
fn write_membership(
    db: &Database,
    subscriber_id: i64,
    list_id: i64,
    status: ConsentStatus,
    at: &str,
) -> Result<()> {
    db.conn()
        .prepare_cached(
            "INSERT INTO membership (list_id, subscriber_id, status, since) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (list_id, subscriber_id) DO UPDATE SET status = excluded.status, since = excluded.since",
        )?
        .execute(params![list_id, subscriber_id, status.as_str(), at])?;
    Ok(())
}

/// Sets a subscriber's standing on a list and records it in the ledger. No
/// line is written when the standing does not change. A leaving covers every
/// list of the branch (see [`change_standing`]); putting someone on a list
/// as subscribed is refused by the database while their address is suppressed.
pub(crate) fn put_membership(
    db: &Database,
    subscriber_id: i64,
    key: &str,
    list_id: i64,
    status: ConsentStatus,
    source: &str,
    at: &str,
) -> Result<bool> {
    change_standing(
        db,
        subscriber_id,
        key,
        list_id,
        status,
        OptOutScope::Branch,
        source,
        "",
        at,
    )
}

/// The one place a standing on a list changes by hand or by merging. A
/// leaving with [`OptOutScope::Branch`] also suppresses the address and
/// moves every other list the person is subscribed to the same way, each
/// with its ledger line; subscribing a suppressed address is refused (an
/// opt-in with evidence lifts the suppression first).
#[allow(clippy::too_many_arguments)]
pub(crate) fn change_standing(
    db: &Database,
    subscriber_id: i64,
    key: &str,
    list_id: i64,
    status: ConsentStatus,
    scope: OptOutScope,
    source: &str,
    evidence: &str,
    at: &str,
) -> Result<bool> {
    if status == ConsentStatus::Subscribed {
        if let Some(s) = suppression(db, key)? {
            return Err(Error::invalid_field(
                "evidence",
                format!(
                    "{key} opted out of the branch's mail ({}): only a new opt-in with evidence puts them back on a list.",
                    s.status.as_str()
                ),
            ));
        }
    }
    let current: Option<String> = db
        .conn()
        .prepare_cached("SELECT status FROM membership WHERE list_id = ?1 AND subscriber_id = ?2")?
        .query_row(params![list_id, subscriber_id], |r| r.get(0))
        .optional()?;
    let mut changed = false;
    if current.as_deref() != Some(status.as_str()) {
        write_membership(db, subscriber_id, list_id, status, at)?;
        let source = if status.is_opt_out() && scope == OptOutScope::OnlyThisList {
            format!("{source} (this list only, as asked)")
        } else {
            source.to_owned()
        };
        record(
            db,
            key,
            Some(list_id),
            status.as_str(),
            &source,
            evidence,
            at,
        )?;
        changed = true;
    }
    if status.is_opt_out() && scope == OptOutScope::Branch {
        suppress(db, key, status, source, at)?;
        changed |= follow_opt_out(
            db,
            subscriber_id,
            key,
            Some(list_id),
            status,
            source,
            evidence,
            at,
        )?;
    }
    Ok(changed)
}

/// Moves every list a suppressed person is still subscribed to (other than
/// `except`) to the opt-out, each with its ledger line.
#[allow(clippy::too_many_arguments)]
fn follow_opt_out(
    db: &Database,
    subscriber_id: i64,
    key: &str,
    except: Option<i64>,
    status: ConsentStatus,
    source: &str,
    evidence: &str,
    at: &str,
) -> Result<bool> {
    let others: Vec<i64> = db
        .conn()
        .prepare_cached(
            "SELECT list_id FROM membership WHERE subscriber_id = ?1 AND status = 'subscribed' AND list_id IS NOT ?2",
        )?
        .query_map(params![subscriber_id, except], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for other in &others {
        write_membership(db, subscriber_id, *other, status, at)?;
        record(
            db,
            key,
            Some(*other),
            status.as_str(),
            &format!("{source} (an opt-out covers every list)"),
            evidence,
            at,
        )?;
    }
    Ok(!others.is_empty())
}

/// Sets the text search looks in for a subscriber written without it.
pub(crate) fn index_for_search(db: &Database, id: i64, name: &str, first_name: &str) -> Result<()> {
    db.conn()
        .prepare_cached("UPDATE subscriber SET search = ?2 WHERE id = ?1")?
        .execute(params![id, search_text(name, first_name)])?;
    Ok(())
}

/// Adds a subscriber typed into the window or given on the command line, and
/// puts them on `list_id` when given. An address that opted out of the branch
/// (on any list) or once left that list comes back with that standing, never
/// as subscribed: only [`change`] with evidence brings someone back.
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
    let tx = Tx::begin(db)?;
    let at = now_text();
    let c = &clean.input;
    db.conn().execute(
        "INSERT INTO subscriber (email, email_key, name, first_name, language, city, postal_code, tags, notes, created_at, updated_at, search, phone)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12)",
        params![c.email, clean.key, c.name, c.first_name, c.language, c.city, c.postal_code, tags_json(&c.tags), c.notes, at,
            search_text(&c.name, &c.first_name), c.phone],
    )?;
    let id = db.conn().last_insert_rowid();
    if let Some(list_id) = list_id {
        let (status, scope) = match suppression(db, &clean.key)? {
            Some(s) => (s.status, OptOutScope::Branch),
            None => match ledger_status(db, &clean.key, list_id)? {
                Some(left) if left.is_opt_out() => (left, OptOutScope::OnlyThisList),
                _ => (ConsentStatus::Subscribed, OptOutScope::Branch),
            },
        };
        let why = if status == ConsentStatus::Subscribed {
            source.to_owned()
        } else {
            format!(
                "{source}: added again, kept {} as the ledger records",
                status.as_str()
            )
        };
        change_standing(db, id, &clean.key, list_id, status, scope, &why, "", &at)?;
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
    let tx = Tx::begin(db)?;
    let c = &clean.input;
    db.conn().execute(
        "UPDATE subscriber SET email = ?2, email_key = ?3, name = ?4, first_name = ?5, language = ?6, city = ?7,
                postal_code = ?8, tags = ?9, notes = ?10, updated_at = ?11, search = ?12, phone = ?13 WHERE id = ?1",
        params![id, c.email, clean.key, c.name, c.first_name, c.language, c.city, c.postal_code, tags_json(&c.tags), c.notes, now_text(),
            search_text(&c.name, &c.first_name), c.phone],
    )?;
    if old_key != clean.key {
        // The ledger follows the person to their new address, so their history stays readable.
        let at = now_text();
        let lists: Vec<(i64, String)> = db
            .conn()
            .prepare("SELECT list_id, status FROM membership WHERE subscriber_id = ?1")?
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (list_id, status) in lists {
            record(
                db,
                &clean.key,
                Some(list_id),
                &status,
                &format!("Address changed from {} in the window", before.email),
                "",
                &at,
            )?;
        }
        // An opt-out follows the person to their new address too.
        if let Some(s) = suppression(db, &old_key)? {
            suppress(
                db,
                &clean.key,
                s.status,
                "Address changed in the window",
                &at,
            )?;
        }
    }
    tx.commit()?;
    detail(db, id)
}

/// Sets a subscriber's standing on one list (unsubscribe, bounced, cleaned, or
/// putting them on a list), as [`change`] does, with `source` also the
/// evidence of a return (a missing one is reported on the field `source`).
/// A leaving covers every list.
pub fn set_status(
    db: &Database,
    id: i64,
    list_id: i64,
    status: ConsentStatus,
    source: &str,
) -> Result<SubscriberDetail> {
    let renamed = |mut e: Error| {
        for p in e.fields.iter_mut().filter(|p| p.field == "evidence") {
            p.field = "source".to_owned();
        }
        e
    };
    change(
        db,
        &StandingChange {
            subscriber_id: id,
            list_id,
            status,
            scope: OptOutScope::Branch,
            evidence: if status == ConsentStatus::Subscribed {
                source.trim().to_owned()
            } else {
                String::new()
            },
        },
        source,
    )
    .map_err(renamed)
}

/// Changes a subscriber's standing on one list. A leaving covers every list
/// of the branch unless `scope` says this list only. Putting back someone who
/// opted out (anywhere) or left this list needs evidence of how they asked,
/// which the ledger keeps: consent only comes back from the person.
pub fn change(db: &Database, request: &StandingChange, source: &str) -> Result<SubscriberDetail> {
    let id = request.subscriber_id;
    let subscriber = get(db, id)?;
    let list = lists::get(db, request.list_id)?;
    let key = normalize_email(&subscriber.email)
        .map(|(_, k)| k)
        .unwrap_or_default();
    let evidence = request.evidence.trim();
    let source = if source.trim().is_empty() {
        "Changed in the window"
    } else {
        source.trim()
    };
    let tx = Tx::begin(db)?;
    let at = now_text();
    if request.status == ConsentStatus::Subscribed {
        let suppressed = suppression(db, &key)?;
        let left = ledger_status(db, &key, list.id)?.filter(|s| s.is_opt_out());
        if let Some(was) = suppressed.as_ref().map(|s| s.status).or(left) {
            if evidence.is_empty() {
                return Err(Error::invalid_field(
                    "evidence",
                    format!(
                        "{} is {} ({}). Say how they asked to come back (for example “asked at the March meeting”, or the date of their signed sheet): the consent ledger keeps it.",
                        subscriber.email,
                        was.as_str(),
                        if suppressed.is_some() { "an opt-out covers every list".to_owned() } else { format!("on {}", list.name) }
                    ),
                ));
            }
            lift_suppression(db, &key)?;
        }
    }
    change_standing(
        db,
        id,
        &key,
        list.id,
        request.status,
        request.scope,
        source,
        evidence,
        &at,
    )?;
    tx.commit()?;
    detail(db, id)
}

/// A new opt-in with evidence: the person asked to be on a list (a signed
/// sheet, a form's yes with its date, a spoken request the organizer notes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OptIn {
    pub email: String,
    pub list_id: i64,
    /// How they asked, kept in the ledger; required.
    pub evidence: String,
}

/// Puts a person on a list on their own new request, adding them if they are
/// not a subscriber yet. It lifts a branch-wide opt-out; the ledger keeps the
/// evidence. Without evidence nothing changes.
pub fn opt_in(db: &Database, request: &OptIn, source: &str) -> Result<SubscriberDetail> {
    if request.evidence.trim().is_empty() {
        return Err(Error::invalid_field(
            "evidence",
            "Say how they asked to be on the list (for example “signed the sheet at the May 1 rally” or “asked by phone on 3 June”): the consent ledger keeps it.",
        ));
    }
    let (_, key) = normalize_email(&request.email).map_err(|m| Error::invalid_field("email", m))?;
    let list = lists::get(db, request.list_id)?;
    let id = match find(db, &key)? {
        Some(s) => s.id,
        None => {
            add(
                db,
                SubscriberInput {
                    email: request.email.clone(),
                    ..Default::default()
                },
                None,
                source,
            )?
            .subscriber
            .id
        }
    };
    change(
        db,
        &StandingChange {
            subscriber_id: id,
            list_id: list.id,
            status: ConsentStatus::Subscribed,
            scope: OptOutScope::Branch,
            evidence: request.evidence.clone(),
        },
        source,
    )
}

/// Deletes a subscriber. Their consent ledger stays (with a line saying they
/// were deleted), and a branch-wide opt-out is kept as a salted hash of the
/// address instead of the address, so an import can never bring back someone
/// who had left.
pub fn delete(db: &Database, id: i64, source: &str) -> Result<()> {
    let subscriber = get(db, id)?;
    let key = normalize_email(&subscriber.email)
        .map(|(_, k)| k)
        .unwrap_or_default();
    let tx = Tx::begin(db)?;
    let at = now_text();
    let lists: Vec<i64> = db
        .conn()
        .prepare("SELECT list_id FROM membership WHERE subscriber_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for list_id in lists {
        record(db, &key, Some(list_id), "deleted", source, "", &at)?;
    }
    db.conn()
        .execute("DELETE FROM subscriber WHERE id = ?1", [id])?;
    if let Some(s) = suppression(db, &key)?.filter(|s| !s.forgotten) {
        db.conn().execute(
            "INSERT INTO suppression (email_key, status, since, source) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (email_key) DO NOTHING",
            params![
                forgotten_key(&salt(db)?, &key),
                s.status.as_str(),
                s.since,
                "Kept as a hash when the subscriber was deleted"
            ],
        )?;
        db.conn()
            .execute("DELETE FROM suppression WHERE email_key = ?1", [&key])?;
    }
    tx.commit()?;
    Ok(())
}

/// Unsubscribes every address in a pasted block from every list of the
/// branch, lists made later included; `list_id` names the list it was asked
/// from. See [`unsubscribe`].
pub fn unsubscribe_addresses(
    db: &Database,
    text: &str,
    list_id: Option<i64>,
    source: &str,
) -> Result<UnsubscribeReport> {
    unsubscribe(
        db,
        &UnsubscribeRequest {
            text: text.to_owned(),
            list_id,
            only_this_list: false,
            source: source.to_owned(),
        },
    )
}

/// Remembers in the ledger that an address asked to leave one list only, when
/// it is not on that list now (or not anyone yet): a later import with an
/// older yes then keeps them off it. Nothing is written when the ledger
/// already says so.
fn remember_left_list(
    db: &Database,
    key: &str,
    list_id: i64,
    source: &str,
    at: &str,
) -> Result<()> {
    if ledger_status(db, key, list_id)? != Some(ConsentStatus::Unsubscribed) {
        record(
            db,
            key,
            Some(list_id),
            "unsubscribed",
            &format!("{source} (this list only, as asked)"),
            "",
            at,
        )?;
    }
    Ok(())
}

/// Unsubscribes every address in a block of text. Each is suppressed for the
/// whole branch (every list, lists made later, every import) unless the
/// request says this list only. Addresses of nobody yet are recorded too, so
/// no later import subscribes them. One transaction.
pub fn unsubscribe(db: &Database, request: &UnsubscribeRequest) -> Result<UnsubscribeReport> {
    // Only senders and signed unsubscribe tokens count, never the branch's own.
    let (addresses, invalid) =
        crate::mail::announcements::replies::addresses_to_unsubscribe(db, &request.text)?;
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
    let list = match request.list_id {
        Some(id) => Some(lists::get(db, id)?),
        None => None,
    };
    let only = match (&list, request.only_this_list) {
        (Some(list), true) => Some(list.id),
        (None, true) => {
            return Err(Error::invalid_field(
                "list",
                "Say which list they asked to leave: “only this list” needs a list.",
            ))
        }
        (_, false) => None,
    };
    let source = match (&list, request.source.trim()) {
        (_, s) if !s.is_empty() => s.to_owned(),
        (Some(list), _) => format!("Asked to leave {}", list.name),
        (None, _) => "Asked to leave".to_owned(),
    };
    let mut report = UnsubscribeReport {
        invalid,
        ..Default::default()
    };
    let tx = Tx::begin(db)?;
    let at = now_text();
    for (email, key) in addresses {
        let found: Option<(i64, String)> = db
            .conn()
            .prepare_cached("SELECT id, email FROM subscriber WHERE email_key = ?1")?
            .query_row([&key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        match (found, only) {
            (Some((id, stored)), Some(list_id)) => {
                let on_list: Option<String> = db
                    .conn()
                    .prepare_cached(
                        "SELECT status FROM membership WHERE list_id = ?1 AND subscriber_id = ?2",
                    )?
                    .query_row(params![list_id, id], |r| r.get(0))
                    .optional()?;
                if on_list.as_deref() == Some("subscribed") {
                    change_standing(
                        db,
                        id,
                        &key,
                        list_id,
                        ConsentStatus::Unsubscribed,
                        OptOutScope::OnlyThisList,
                        &source,
                        "",
                        &at,
                    )?;
                    report.unsubscribed.push(stored);
                } else {
                    // Not on the list now (pending, never joined, or already
                    // off it): the request still stands for this list, so a
                    // later import with an older yes does not put them on it.
                    remember_left_list(db, &key, list_id, &source, &at)?;
                    report.already.push(stored);
                }
            }
            (Some((id, stored)), None) => {
                let was_suppressed = suppression(db, &key)?.is_some();
                // The list it was asked from gets its own line; every other list follows.
                let here = match &list {
                    Some(list) => db
                        .conn()
                        .prepare_cached("SELECT status FROM membership WHERE list_id = ?1 AND subscriber_id = ?2")?
                        .query_row(params![list.id, id], |r| r.get::<_, String>(0))
                        .optional()?
                        .filter(|s| s == "subscribed")
                        .map(|_| list.id),
                    None => None,
                };
                let moved = match here {
                    Some(list_id) => change_standing(
                        db,
                        id,
                        &key,
                        list_id,
                        ConsentStatus::Unsubscribed,
                        OptOutScope::Branch,
                        &source,
                        "",
                        &at,
                    )?,
                    None => {
                        suppress(db, &key, ConsentStatus::Unsubscribed, &source, &at)?;
                        follow_opt_out(
                            db,
                            id,
                            &key,
                            None,
                            ConsentStatus::Unsubscribed,
                            &source,
                            "",
                            &at,
                        )?
                    }
                };
                if !moved && !was_suppressed {
                    record(db, &key, None, "unsubscribed", &source, "", &at)?;
                }
                // Reported as stored, whatever case it was pasted in.
                if moved || !was_suppressed {
                    report.unsubscribed.push(stored);
                } else {
                    report.already.push(stored);
                }
            }
            (None, Some(list_id)) => {
                remember_left_list(db, &key, list_id, &source, &at)?;
                report.not_subscribers.push(email);
            }
            (None, None) => {
                if suppression(db, &key)?.is_none() {
                    suppress(db, &key, ConsentStatus::Unsubscribed, &source, &at)?;
                    record(db, &key, None, "unsubscribed", &source, "", &at)?;
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
                format!("“{}” is not a standing on a list: use subscribed, unsubscribed, bounced, cleaned or complained.", short(s)),
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
}
