//! The branch's mailbox: what comes back from its mail, read and acted on.
//!
//! Bounce reports, spam complaints, unsubscribe replies and auto-replies
//! arrive in the branch's inbox. [`check`] reads them over IMAP
//! ([`imap`]), [`import_file`] from an `.eml` or `.mbox` file saved from
//! webmail; both hand each message to [`handle`], the one path from a
//! message to what is done about it:
//!
//! 1. [`read::read`] says what the message is, without the database.
//! 2. It is tied to a person only by a signed token of ours
//!    ([`crate::mail::announcements::keys`]): the per-recipient return path
//!    (`boston+bounce-l3-s41-…@`) a report was sent to, or, in the original
//!    message a report quotes, its `X-Handbill-Recipient` or `List-Unsubscribe`
//!    header; for mail to an unsubscribe address, the token in that address;
//!    for a reply asking to leave, its sender. A token that does not verify
//!    ties nothing, and an address merely quoted in a message never counts.
//! 3. The consent rules act: a permanent failure marks the person bounced,
//!    three temporary ones in 30 days too, a complaint marks them complained
//!    and a request to leave unsubscribed — every list of the branch, through
//!    [`crate::mail::subscribers`], with the message's kind, Message-ID and
//!    date in the ledger as evidence. Auto-replies are left alone; anything
//!    unclear waits in "Needs you"; ordinary mail is not kept.
//! 4. A message acted on is recorded once (by its Message-ID), filed in the
//!    handled folder and never deleted; the coordinator can undo a wrong
//!    reading, which is ledgered too.
//!
//! Nothing is ever sent in answer to a message: no reply to a bounce, a
//! complaint or anything else, so no loop can start here.

pub mod account;
pub mod imap;
pub mod read;

pub use account::ImapAccount;

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use self::read::{Kind, Reading};
use crate::clock::now_text;
use crate::db::outside;
use crate::db::Database;
use crate::email::normalize_email;
use crate::error::{Error, Result};
use crate::mail::announcements::account::{ConnectionProblem, ConnectionReport, Password};
use crate::mail::announcements::keys::{self, MailKeys, Purpose, Token};
use crate::mail::subscribers::{self, ConsentStatus, OptOutScope};

/// Messages fetched and acted on in one transaction; the folder's place is
/// saved after each page, so a stopped check resumes after the last page.
pub const PAGE: usize = 100;
/// Soft bounces within this many days that mark a person bounced.
pub const SOFT_BOUNCES: i64 = 3;
pub const SOFT_BOUNCE_DAYS: i64 = 30;
/// The most of a message kept for the coordinator to read.
const KEPT_BYTES: usize = 256 * 1024;
/// The largest `.mbox` file read at once.
const MBOX_LIMIT: u64 = 512 * 1024 * 1024;

/// What was done about one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Marked bounced on every list (a permanent failure, or the third temporary one in 30 days).
    Bounced,
    /// A temporary failure, counted.
    SoftBounce,
    /// Unsubscribed from every list.
    Unsubscribed,
    /// Marked as having complained (spam report), off every list.
    Complained,
    /// Left alone: an auto-reply, or a person already off every list.
    None,
    /// For the coordinator to decide.
    NeedsYou,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Bounced => "bounced",
            Action::SoftBounce => "soft_bounce",
            Action::Unsubscribed => "unsubscribed",
            Action::Complained => "complained",
            Action::None => "none",
            Action::NeedsYou => "needs_you",
        }
    }

    fn parse(text: &str) -> Action {
        match text {
            "bounced" => Action::Bounced,
            "soft_bounce" => Action::SoftBounce,
            "unsubscribed" => Action::Unsubscribed,
            "complained" => Action::Complained,
            "needs_you" => Action::NeedsYou,
            _ => Action::None,
        }
    }

    /// How the coordinator reads it: "bounced", "soft bounce", "left alone"…
    pub fn label(self) -> &'static str {
        match self {
            Action::Bounced => "bounced",
            Action::SoftBounce => "soft bounce",
            Action::Unsubscribed => "unsubscribed",
            Action::Complained => "complained",
            Action::None => "left alone",
            Action::NeedsYou => "needs you",
        }
    }

    /// The message goes to the handled folder.
    fn files(self) -> bool {
        !matches!(self, Action::NeedsYou)
    }
}

/// Where a message came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A folder of the mailbox and the message's UID there.
    Imap { folder: String, uid: u32 },
    /// A file (`name.eml`, or `name.mbox` and the message's place in it).
    File(String),
}

impl Origin {
    fn kind(&self) -> &'static str {
        match self {
            Origin::Imap { .. } => "imap",
            Origin::File(_) => "file",
        }
    }

    fn place(&self) -> String {
        match self {
            Origin::Imap { folder, uid } => format!("{folder}, UID {uid}"),
            Origin::File(name) => name.clone(),
        }
    }
}

/// One message as the Mailbox view lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MailboxEntry {
    pub id: i64,
    /// The message's date (RFC 3339, UTC).
    pub received_at: String,
    /// `hard_bounce`, `soft_bounce`, `complaint`, `unsubscribe`, `auto_reply` or `unclear`.
    pub kind: String,
    pub action: Action,
    /// What it said, in one line ("5.1.1 user unknown", "asks to be removed: …").
    pub summary: String,
    /// The person it was tied to, or empty.
    pub person: String,
    pub sender: String,
    pub subject: String,
    pub message_id: String,
    /// Where it was read: "INBOX, UID 12" or a file's name.
    pub place: String,
    pub undone: bool,
    /// For a "Needs you" message: what the coordinator decided, once they did.
    pub resolution: String,
}

/// What one check (or one file's import) did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct CheckReport {
    pub dry_run: bool,
    /// Messages read this time.
    pub read: u32,
    pub bounced: u32,
    pub soft_bounces: u32,
    pub unsubscribed: u32,
    pub complained: u32,
    pub auto_replies: u32,
    /// Left for the coordinator.
    pub needs_you: u32,
    /// Read before: nothing done again.
    pub already: u32,
    /// Ordinary mail, not ours to act on (left where it is).
    pub other: u32,
    /// Messages not read yet because the check was stopped; the next one resumes.
    pub remaining: u32,
    /// One line per message acted on or left for the coordinator.
    pub lines: Vec<String>,
}

impl CheckReport {
    fn count(&mut self, handled: &Handled) {
        self.read += 1;
        match handled {
            Handled::Already => self.already += 1,
            Handled::Other => self.other += 1,
            Handled::Done { action, line, kind } => {
                match action {
                    Action::Bounced => self.bounced += 1,
                    Action::SoftBounce => self.soft_bounces += 1,
                    Action::Unsubscribed => self.unsubscribed += 1,
                    Action::Complained => self.complained += 1,
                    Action::NeedsYou => self.needs_you += 1,
                    Action::None if *kind == "auto_reply" => self.auto_replies += 1,
                    Action::None => {}
                }
                self.lines.push(line.clone());
            }
        }
    }

    /// "2 bounced, 1 unsubscribed, 1 needs you (5 messages read)".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for (n, what) in [
            (self.bounced, "bounced"),
            (self.soft_bounces, "soft bounce(s) counted"),
            (self.unsubscribed, "unsubscribed"),
            (self.complained, "complained"),
            (self.auto_replies, "auto-reply(ies) left alone"),
            (self.needs_you, "need(s) you"),
            (self.already, "read before"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        let head = if parts.is_empty() {
            "Nothing to act on".to_owned()
        } else {
            parts.join(", ")
        };
        let mut text = format!(
            "{head} ({} message{} read{})",
            self.read,
            if self.read == 1 { "" } else { "s" },
            if self.dry_run {
                "; dry run: nothing was changed"
            } else {
                ""
            }
        );
        if self.remaining > 0 {
            text.push_str(&format!(
                "; {} not read yet, the next check goes on from there",
                self.remaining
            ));
        }
        text + "."
    }
}

/// What [`handle`] did with one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// Read before (its Message-ID is recorded): nothing done again.
    Already,
    /// Not ours to act on.
    Other,
    Done {
        action: Action,
        kind: &'static str,
        line: String,
    },
}

impl Handled {
    fn files(&self) -> bool {
        match self {
            // An auto-reply is left alone, where it is.
            Handled::Done { kind, .. } if *kind == "auto_reply" => false,
            Handled::Done { action, .. } => action.files(),
            Handled::Already => true,
            Handled::Other => false,
        }
    }
}

fn kind_word(kind: &Kind) -> &'static str {
    match kind {
        Kind::HardBounce { .. } => "hard_bounce",
        Kind::SoftBounce { .. } => "soft_bounce",
        Kind::Complaint { .. } => "complaint",
        Kind::Unsubscribe { .. } => "unsubscribe",
        Kind::AutoReply => "auto_reply",
        Kind::Unclear { .. } => "unclear",
        Kind::Other => "other",
    }
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "hard_bounce" => "bounce report",
        "soft_bounce" => "temporary failure report",
        "complaint" => "spam complaint",
        "unsubscribe" => "request to unsubscribe",
        "auto_reply" => "automatic reply",
        _ => "message",
    }
}

/// The key a message is recorded under: its Message-ID, or a hash of it.
fn message_key(reading: &Reading, raw: &[u8]) -> String {
    let id = reading.message_id.trim().to_ascii_lowercase();
    if id.is_empty() {
        let digest = Sha256::digest(&raw[..raw.len().min(64 * 1024)]);
        format!(
            "sha256:{}",
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        )
    } else {
        id
    }
}

/// The person a message is about, as far as a verified token or its sender says.
#[derive(Debug, Clone)]
struct Person {
    subscriber_id: Option<i64>,
    key: String,
    email: String,
    list_id: Option<i64>,
}

/// Why a message could not be tied to anyone, in words; or the person.
enum Tie {
    Person(Person),
    Nobody(String),
}

fn person_of_token(db: &Database, token: Token) -> Result<Tie> {
    match subscribers::get(db, token.subscriber_id) {
        Ok(s) => {
            let key = normalize_email(&s.email)
                .map(|(_, k)| k)
                .unwrap_or_default();
            let list_id = crate::mail::lists::get(db, token.list_id)
                .ok()
                .map(|l| l.id);
            Ok(Tie::Person(Person {
                subscriber_id: Some(s.id),
                key,
                email: s.email,
                list_id,
            }))
        }
        Err(e) if e.code == crate::error::ErrorCode::NotFound => Ok(Tie::Nobody(
            "the person it names is no longer in the branch".to_owned(),
        )),
        Err(e) => Err(e),
    }
}

/// The one person named by the tokens found, or why none.
fn one_person(db: &Database, tokens: Vec<Token>, what: &str) -> Result<Tie> {
    let mut ids: Vec<i64> = tokens.iter().map(|t| t.subscriber_id).collect();
    ids.sort_unstable();
    ids.dedup();
    match ids.len() {
        0 => Ok(Tie::Nobody(format!(
            "{what} carries no token of ours that verifies, so it is not tied to anyone"
        ))),
        1 => person_of_token(db, tokens[0]),
        n => Ok(Tie::Nobody(format!(
            "{what} names {n} different recipients; which one it is about is not certain"
        ))),
    }
}

/// The branch's own addresses (as keys, `+` parts removed): never acted on.
fn own_keys(db: &Database) -> Result<Vec<String>> {
    let mut own = Vec::new();
    let mut add = |text: &str| {
        if let Ok((_, key)) = normalize_email(text) {
            own.push(base_key(&key));
        }
    };
    if let Some(b) = crate::branch::get(db)? {
        add(&b.contact_email);
    }
    if let Some(a) = crate::mail::announcements::account::get(db)? {
        add(&a.username);
    }
    if let Some(a) = account::get(db)? {
        add(&a.username);
    }
    Ok(own)
}

/// `boston+x@example.org` → `boston@example.org`.
fn base_key(key: &str) -> String {
    match key.split_once('@') {
        Some((local, domain)) => {
            let local = local.split('+').next().unwrap_or(local);
            format!("{local}@{domain}")
        }
        None => key.to_owned(),
    }
}

fn tie(db: &Database, keys: &MailKeys, reading: &Reading) -> Result<Tie> {
    let forged = [&reading.delivered_to, &reading.original]
        .iter()
        .map(|text| {
            keys.forged_in(Purpose::Bounce, text) + keys.forged_in(Purpose::Unsubscribe, text)
        })
        .sum::<usize>();
    if forged > 0 && !matches!(reading.kind, Kind::Other) {
        return Ok(Tie::Nobody(
            "it carries a token that looks like ours but does not verify (altered, or made by another branch), so nothing is done".to_owned(),
        ));
    }
    let from_report = |what: &str| -> Result<Tie> {
        // The return path the report was sent to names the person best;
        // else the original message's own headers, as the report quotes them.
        let to = keys.tokens_for(Purpose::Bounce, &reading.delivered_to);
        if !to.is_empty() {
            return one_person(db, to, what);
        }
        let mut quoted = keys.tokens_for(Purpose::Bounce, &reading.original);
        quoted.extend(keys.tokens_for(Purpose::Unsubscribe, &reading.original));
        one_person(db, quoted, what)
    };
    match &reading.kind {
        Kind::HardBounce { .. } | Kind::SoftBounce { .. } => from_report("The report"),
        Kind::Complaint { .. } => from_report("The complaint"),
        Kind::Unsubscribe {
            to_unsubscribe_address: true,
        } => one_person(
            db,
            keys.tokens_for(Purpose::Unsubscribe, &reading.delivered_to),
            "The unsubscribe address it was sent to",
        ),
        Kind::Unsubscribe {
            to_unsubscribe_address: false,
        }
        | Kind::Unclear { .. }
        | Kind::AutoReply => {
            let Ok((email, key)) = normalize_email(&reading.from) else {
                return Ok(Tie::Nobody(
                    "its sender's address cannot be read".to_owned(),
                ));
            };
            if own_keys(db)?.contains(&base_key(&key)) {
                return Ok(Tie::Nobody(
                    "it comes from the branch's own address".to_owned(),
                ));
            }
            let found = subscribers::find(db, &key)?;
            Ok(Tie::Person(Person {
                subscriber_id: found.as_ref().map(|s| s.id),
                email: found.map(|s| s.email).unwrap_or(email),
                key,
                list_id: None,
            }))
        }
        Kind::Other => Ok(Tie::Nobody(String::new())),
    }
}

/// The message's date, never later than now (a report dated in the future
/// would stay in the 30-day count forever).
fn received_at(reading: &Reading) -> String {
    let now = crate::clock::now();
    reading
        .date
        .as_deref()
        .and_then(|d| d.parse::<jiff::Timestamp>().ok())
        .filter(|t| *t <= now)
        .unwrap_or(now)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Puts an address off every list of the branch with `status`, returning the
/// lists it moved off subscribed. Nothing changes for someone already off.
fn opt_out(
    db: &Database,
    person: &Person,
    status: ConsentStatus,
    source: &str,
    evidence: &str,
    at: &str,
) -> Result<Vec<i64>> {
    let subscribed: Vec<i64> = match person.subscriber_id {
        Some(id) => db
            .conn()
            .prepare_cached(
                "SELECT list_id FROM membership WHERE subscriber_id = ?1 AND status = 'subscribed' ORDER BY list_id",
            )?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?,
        None => Vec::new(),
    };
    let suppressed = subscribers::suppression(db, &person.key)?.is_some();
    match (person.subscriber_id, subscribed.first()) {
        (Some(id), Some(&first)) => {
            let list = person
                .list_id
                .filter(|l| subscribed.contains(l))
                .unwrap_or(first);
            subscribers::change_standing(
                db,
                id,
                &person.key,
                list,
                status,
                OptOutScope::Branch,
                source,
                evidence,
                at,
            )?;
        }
        _ if suppressed => {}
        _ => {
            subscribers::suppress(db, &person.key, status, source, at)?;
            subscribers::record(db, &person.key, None, status.as_str(), source, evidence, at)?;
        }
    }
    Ok(subscribed)
}

struct Decision {
    action: Action,
    summary: String,
    person: Option<Person>,
    moved: Vec<i64>,
}

/// Reads one message and does what it calls for (nothing with `dry_run`).
/// The one path every message takes, from IMAP or from a file.
pub fn handle(db: &Database, raw: &[u8], origin: &Origin, dry_run: bool) -> Result<Handled> {
    let reading = read::read(raw);
    if matches!(reading.kind, Kind::Other) {
        return Ok(Handled::Other);
    }
    let key = message_key(&reading, raw);
    let seen: bool = db
        .conn()
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM mailbox_message WHERE message_key = ?1)")?
        .query_row([&key], |r| r.get(0))?;
    if seen {
        return Ok(Handled::Already);
    }
    let keys = keys::load(db)?;
    let kind = kind_word(&reading.kind);
    let at = received_at(&reading);
    let tied = tie(db, &keys, &reading)?;
    let label = kind_label(kind);
    let evidence = format!(
        "{} <{}> of {}{}",
        capitalized(label),
        if reading.message_id.is_empty() {
            "no Message-ID"
        } else {
            reading.message_id.as_str()
        },
        at,
        if reading.summary.is_empty() {
            String::new()
        } else {
            format!(": {}", reading.summary)
        }
    );
    let source = format!("Mailbox: {label}");
    let tx = db.conn().unchecked_transaction()?;
    let ledger_before: i64 =
        db.conn()
            .query_row("SELECT coalesce(max(id), 0) FROM consent", [], |r| r.get(0))?;
    let suppressed_before = match &tied {
        Tie::Person(p) => subscribers::suppression(db, &p.key)?.is_some(),
        Tie::Nobody(_) => false,
    };
    let decision = match (&reading.kind, tied) {
        (Kind::Unclear { why }, Tie::Person(p)) => Decision {
            action: Action::NeedsYou,
            summary: format!("{}: {why}", reading.summary),
            person: Some(p),
            moved: Vec::new(),
        },
        (Kind::Unclear { why }, Tie::Nobody(_)) => Decision {
            action: Action::NeedsYou,
            summary: format!("{}: {why}", reading.summary),
            person: None,
            moved: Vec::new(),
        },
        (Kind::AutoReply, tied) => Decision {
            action: Action::None,
            summary: format!("{} (left alone)", reading.summary),
            person: match tied {
                Tie::Person(p) => Some(p),
                Tie::Nobody(_) => None,
            },
            moved: Vec::new(),
        },
        (_, Tie::Nobody(why)) => Decision {
            action: Action::NeedsYou,
            summary: format!("{}: {why}", reading.summary),
            person: None,
            moved: Vec::new(),
        },
        (Kind::SoftBounce { .. }, Tie::Person(p)) => {
            let earlier: i64 = db
                .conn()
                .prepare_cached(
                    "SELECT count(*) FROM mailbox_message WHERE email_key = ?1 AND kind = 'soft_bounce'
                       AND undone_at IS NULL AND received_at > strftime('%Y-%m-%dT%H:%M:%SZ', ?2, ?3)",
                )?
                .query_row(
                    params![p.key, at, format!("-{SOFT_BOUNCE_DAYS} days")],
                    |r| r.get(0),
                )?;
            if earlier + 1 >= SOFT_BOUNCES && !dry_run {
                let evidence = format!(
                    "{evidence} (the {}th temporary failure in {SOFT_BOUNCE_DAYS} days)",
                    earlier + 1
                );
                let moved = opt_out(db, &p, ConsentStatus::Bounced, &source, &evidence, &at)?;
                Decision {
                    action: Action::Bounced,
                    summary: format!(
                        "{} — {} temporary failures in {SOFT_BOUNCE_DAYS} days: marked bounced",
                        reading.summary,
                        earlier + 1
                    ),
                    person: Some(p),
                    moved,
                }
            } else {
                Decision {
                    action: if earlier + 1 >= SOFT_BOUNCES {
                        Action::Bounced
                    } else {
                        Action::SoftBounce
                    },
                    summary: format!(
                        "{} — temporary failure {} of {SOFT_BOUNCES} in {SOFT_BOUNCE_DAYS} days",
                        reading.summary,
                        earlier + 1
                    ),
                    person: Some(p),
                    moved: Vec::new(),
                }
            }
        }
        (kind, Tie::Person(p)) => {
            let (status, action) = match kind {
                Kind::HardBounce { .. } => (ConsentStatus::Bounced, Action::Bounced),
                Kind::Complaint { .. } => (ConsentStatus::Complained, Action::Complained),
                _ => (ConsentStatus::Unsubscribed, Action::Unsubscribed),
            };
            let before_off = p
                .subscriber_id
                .map(|id| {
                    db.conn()
                        .prepare_cached("SELECT NOT EXISTS (SELECT 1 FROM membership WHERE subscriber_id = ?1 AND status = 'subscribed')")
                        .and_then(|mut s| s.query_row([id], |r| r.get::<_, bool>(0)))
                })
                .transpose()?
                .unwrap_or(true)
                && subscribers::suppression(db, &p.key)?.is_some();
            if before_off {
                Decision {
                    action: Action::None,
                    summary: format!("{} (already off every list)", reading.summary),
                    person: Some(p),
                    moved: Vec::new(),
                }
            } else {
                let moved = if dry_run {
                    Vec::new()
                } else {
                    opt_out(db, &p, status, &source, &evidence, &at)?
                };
                Decision {
                    action,
                    summary: reading.summary.clone(),
                    person: Some(p),
                    moved,
                }
            }
        }
    };
    let line = format!(
        "{}: {} — {}",
        decision.action.label(),
        decision
            .person
            .as_ref()
            .map(|p| p.email.as_str())
            .unwrap_or("nobody tied"),
        one_line(&decision.summary, 160)
    );
    if dry_run {
        drop(tx);
        return Ok(Handled::Done {
            action: decision.action,
            kind,
            line,
        });
    }
    let kept = &raw[..raw.len().min(KEPT_BYTES)];
    db.conn()
        .prepare_cached(
            "INSERT INTO mailbox_message (message_key, message_id, received_at, read_at, origin, place, kind, email_key,
                subscriber_id, list_id, action, summary, sender, subject, moved_lists, raw, suppressed_before, ledger_before)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        )?
        .execute(params![
            key,
            reading.message_id,
            at,
            now_text(),
            origin.kind(),
            origin.place(),
            kind,
            decision.person.as_ref().map(|p| p.key.clone()),
            decision.person.as_ref().and_then(|p| p.subscriber_id),
            decision.person.as_ref().and_then(|p| p.list_id),
            decision.action.as_str(),
            one_line(&decision.summary, 300),
            one_line(&reading.from, 200),
            one_line(&reading.subject, 200),
            serde_json::to_string(&decision.moved).unwrap_or_else(|_| "[]".to_owned()),
            kept,
            suppressed_before,
            ledger_before,
        ])?;
    tx.commit()?;
    Ok(Handled::Done {
        action: decision.action,
        kind,
        line,
    })
}

fn capitalized(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        flat.chars().take(max - 1).collect::<String>() + "…"
    } else {
        flat
    }
}

/// How a check goes: a dry run changes nothing; `limit` stops after that
/// many messages (the next check resumes).
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions {
    pub dry_run: bool,
    pub limit: Option<usize>,
}

/// How far a check has come: messages read of those to read. Answering
/// false stops it after the current page.
pub type Progress<'a> = &'a mut dyn FnMut(u32, u32) -> bool;

fn failure(f: imap::Failure) -> Error {
    Error::storage(f.message)
}

/// Reads the new messages of the mailbox's folder, a page at a time, acts on
/// each and files what was acted on. Resumes where the last check stopped.
pub fn check(
    db: &Database,
    session: Option<&Password>,
    options: CheckOptions,
    progress: Progress,
) -> Result<CheckReport> {
    let account = account::get(db)?.ok_or_else(|| {
        Error::not_found(
            "No mailbox is set up yet. Add the IMAP side of the mail account under Settings → Mail account.",
        )
    })?;
    let password = account::password_for(&account, session)?;
    let mut conn = imap::connect(&account, &password, Duration::from_secs(30)).map_err(failure)?;
    let result = check_folder(db, &mut conn, &account, options, progress);
    conn.logout();
    result
}

fn check_folder(
    db: &Database,
    conn: &mut imap::Connection,
    account: &ImapAccount,
    options: CheckOptions,
    progress: Progress,
) -> Result<CheckReport> {
    let folder = account.folder.trim();
    let selected = conn.select(folder).map_err(failure)?;
    let cursor: Option<(u32, u32)> = db
        .conn()
        .query_row(
            "SELECT uid_validity, last_uid FROM mailbox_cursor WHERE folder = ?1",
            [folder],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let last_uid = match cursor {
        Some((validity, last)) if validity == selected.uid_validity => last,
        // A new UIDVALIDITY renumbered the folder: read it again (each
        // message is still acted on once, by its Message-ID).
        _ => 0,
    };
    let mut uids = conn.uids_after(last_uid).map_err(failure)?;
    let mut report = CheckReport {
        dry_run: options.dry_run,
        ..Default::default()
    };
    if let Some(limit) = options.limit {
        report.remaining = uids.len().saturating_sub(limit) as u32;
        uids.truncate(limit);
    }
    let total = uids.len() as u32;
    if !options.dry_run && !uids.is_empty() {
        conn.ensure_folder(account.handled_folder.trim())
            .map_err(failure)?;
    }
    let mut done = 0u32;
    progress(0, total);
    for page in uids.chunks(PAGE) {
        let fetched = conn.fetch(page).map_err(failure)?;
        let mut to_file = Vec::new();
        for (uid, raw) in &fetched {
            let origin = Origin::Imap {
                folder: folder.to_owned(),
                uid: *uid,
            };
            let handled = handle(db, raw, &origin, options.dry_run)?;
            if handled.files() {
                to_file.push(*uid);
            }
            report.count(&handled);
        }
        if !options.dry_run {
            conn.file(&to_file, account.handled_folder.trim())
                .map_err(failure)?;
            let last = page.iter().copied().max().unwrap_or(last_uid);
            db.conn().execute(
                "INSERT INTO mailbox_cursor (folder, uid_validity, last_uid) VALUES (?1, ?2, ?3)
                 ON CONFLICT (folder) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid",
                params![folder, selected.uid_validity, last],
            )?;
        }
        done += page.len() as u32;
        if !progress(done, total) && done < total {
            report.remaining += total - done;
            break;
        }
    }
    if !options.dry_run {
        db.conn().execute(
            "UPDATE mailbox_account SET checked_at = ?1 WHERE id = 1",
            [now_text()],
        )?;
    }
    Ok(report)
}

/// The messages of an `.mbox` file: split at its `From ` lines (a `>From `
/// in a message is unquoted, as mboxrd writes it).
fn mbox_messages(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut messages = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        if line.starts_with(b"From ") {
            if let Some(m) = current.take() {
                messages.push(m);
            }
            current = Some(Vec::new());
            continue;
        }
        let Some(m) = current.as_mut() else { continue };
        let quoted = line.iter().take_while(|b| **b == b'>').count();
        if quoted > 0 && line[quoted..].starts_with(b"From ") {
            m.extend_from_slice(&line[1..]);
        } else {
            m.extend_from_slice(line);
        }
    }
    messages.extend(current);
    messages
}

/// Acts on the messages of a file saved from webmail: one message (`.eml`)
/// or many (`.mbox`, known by its first line `From `), as [`check`] does.
pub fn import_file(
    db: &Database,
    path: &Path,
    options: CheckOptions,
    progress: Progress,
) -> Result<CheckReport> {
    let bytes = outside::read(
        path,
        outside::Kind {
            field: "file",
            what: "mail file",
            limit: MBOX_LIMIT,
        },
    )?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    import_bytes(db, &name, &bytes, options, progress)
}

/// [`import_file`] for a file's bytes (the window's file input), with its name.
pub fn import_bytes(
    db: &Database,
    name: &str,
    bytes: &[u8],
    options: CheckOptions,
    progress: Progress,
) -> Result<CheckReport> {
    if bytes.len() as u64 > MBOX_LIMIT {
        return Err(Error::invalid_field(
            "file",
            format!(
                "{name} is {}; the largest mail file Handbill reads is {}.",
                outside::size_text(bytes.len() as u64),
                outside::size_text(MBOX_LIMIT)
            ),
        ));
    }
    let messages = if bytes.starts_with(b"From ") {
        mbox_messages(bytes)
    } else {
        if bytes.len() > read::MAX_MESSAGE_BYTES * 8 {
            return Err(Error::invalid_field(
                "file",
                format!(
                    "{name} is {} and does not start like an .mbox file (“From ”): it is not one message saved from webmail.",
                    outside::size_text(bytes.len() as u64)
                ),
            ));
        }
        vec![bytes.to_vec()]
    };
    if messages.iter().all(|m| !looks_like_mail(m)) {
        return Err(Error::invalid_field(
            "file",
            format!(
                "{name} holds no mail message: save the message as .eml (or the folder as .mbox) and try again."
            ),
        ));
    }
    let total = messages.len() as u32;
    let mut report = CheckReport {
        dry_run: options.dry_run,
        ..Default::default()
    };
    progress(0, total);
    for (i, raw) in messages.iter().enumerate() {
        let origin = Origin::File(if total > 1 {
            format!("{name}, message {}", i + 1)
        } else {
            name.to_owned()
        });
        let handled = handle(db, raw, &origin, options.dry_run)?;
        report.count(&handled);
        if !progress(i as u32 + 1, total) {
            report.remaining = total - i as u32 - 1;
            break;
        }
    }
    Ok(report)
}

/// A header line (`Name: value`) among the first lines.
fn looks_like_mail(raw: &[u8]) -> bool {
    raw.split(|b| *b == b'\n').take(5).any(|line| {
        let end = line.iter().position(|b| *b == b':');
        end.is_some_and(|e| {
            e > 0
                && line[..e]
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        })
    })
}

/// The mailbox's settings and where its password is, what the probe found,
/// when it was last checked, and what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MailboxView {
    pub account: Option<ImapAccount>,
    /// `keychain`, `session`, `missing`.
    pub password: String,
    /// Whether each message goes out with its own return path.
    pub plus_addressing: Option<bool>,
    pub checked_at: Option<String>,
    /// What was done, newest first (at most 200).
    pub done: Vec<MailboxEntry>,
    /// Messages waiting for the coordinator, oldest first.
    pub needs_you: Vec<MailboxEntry>,
}

fn entry(r: &rusqlite::Row) -> rusqlite::Result<MailboxEntry> {
    Ok(MailboxEntry {
        id: r.get(0)?,
        received_at: r.get(1)?,
        kind: r.get(2)?,
        action: Action::parse(&r.get::<_, String>(3)?),
        summary: r.get(4)?,
        person: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
        sender: r.get(6)?,
        subject: r.get(7)?,
        message_id: r.get(8)?,
        place: r.get(9)?,
        undone: r.get::<_, Option<String>>(10)?.is_some(),
        resolution: r.get(11)?,
    })
}

const ENTRY_COLUMNS: &str = "m.id, m.received_at, m.kind, m.action, m.summary, coalesce(s.email, m.email_key), m.sender, m.subject,
     m.message_id, m.place, m.undone_at, m.resolution";

/// The Mailbox view.
pub fn view(db: &Database, session: Option<&Password>) -> Result<MailboxView> {
    let account = account::get(db)?;
    let password = match &account {
        None => "missing",
        Some(_) if session.is_some() => "session",
        Some(a) => match account::load_password(a) {
            Ok(Some(_)) => "keychain",
            _ => "missing",
        },
    }
    .to_owned();
    let checked_at: Option<String> = db
        .conn()
        .query_row(
            "SELECT checked_at FROM mailbox_account WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let done = db
        .conn()
        .prepare(&format!(
            "SELECT {ENTRY_COLUMNS} FROM mailbox_message m LEFT JOIN subscriber s ON s.id = m.subscriber_id
              WHERE m.action <> 'needs_you' OR m.resolved_at IS NOT NULL ORDER BY m.id DESC LIMIT 200"
        ))?
        .query_map([], entry)?
        .collect::<rusqlite::Result<_>>()?;
    let needs_you = db
        .conn()
        .prepare(&format!(
            "SELECT {ENTRY_COLUMNS} FROM mailbox_message m LEFT JOIN subscriber s ON s.id = m.subscriber_id
              WHERE m.action = 'needs_you' AND m.resolved_at IS NULL ORDER BY m.id"
        ))?
        .query_map([], entry)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(MailboxView {
        plus_addressing: account::plus_addressing(db)?,
        account,
        password,
        checked_at,
        done,
        needs_you,
    })
}

fn get_entry(db: &Database, id: i64) -> Result<MailboxEntry> {
    db.conn()
        .query_row(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM mailbox_message m LEFT JOIN subscriber s ON s.id = m.subscriber_id WHERE m.id = ?1"
            ),
            [id],
            entry,
        )
        .optional()?
        .ok_or_else(|| Error::not_found(format!("There is no mailbox message {id}.")))
}

/// One message as the coordinator reads it: its headers and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MessageView {
    pub entry: MailboxEntry,
    /// From, To, Date, Subject and Message-ID, decoded.
    pub headers: Vec<(String, String)>,
    pub text: String,
}

/// The message itself, as it was kept (the link from the Mailbox view).
pub fn message(db: &Database, id: i64) -> Result<MessageView> {
    let entry = get_entry(db, id)?;
    let raw: Option<Vec<u8>> =
        db.conn()
            .query_row("SELECT raw FROM mailbox_message WHERE id = ?1", [id], |r| {
                r.get(0)
            })?;
    let raw = raw.unwrap_or_default();
    let parsed = mail_parser::MessageParser::default().parse(&raw);
    let mut headers = Vec::new();
    let mut text = String::new();
    if let Some(m) = parsed {
        let addr = |a: Option<&mail_parser::Address>| {
            a.map(|a| {
                a.iter()
                    .map(|x| match (&x.name, &x.address) {
                        (Some(n), Some(e)) => format!("{n} <{e}>"),
                        (None, Some(e)) => e.to_string(),
                        (Some(n), None) => n.to_string(),
                        (None, None) => String::new(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
        };
        headers.push(("From".to_owned(), addr(m.from())));
        headers.push(("To".to_owned(), addr(m.to())));
        headers.push((
            "Date".to_owned(),
            m.date().map(|d| d.to_rfc3339()).unwrap_or_default(),
        ));
        headers.push(("Subject".to_owned(), m.subject().unwrap_or("").to_owned()));
        headers.push((
            "Message-ID".to_owned(),
            m.message_id().unwrap_or("").to_owned(),
        ));
        let mut i = 0;
        while let Some(part) = m.body_text(i) {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(&part);
            i += 1;
            if text.len() > 64 * 1024 {
                break;
            }
        }
        if text.is_empty() {
            text = String::from_utf8_lossy(&raw[..raw.len().min(64 * 1024)]).into_owned();
        }
    }
    Ok(MessageView {
        entry,
        headers,
        text,
    })
}

/// Undoes a wrong reading: the lists the message moved the person off come
/// back, the opt-out it made is lifted, and the ledger says why. A soft
/// bounce stops counting. Refused when the person opted out by other means
/// too (that opt-out stands).
pub fn undo(db: &Database, id: i64, source: &str) -> Result<MailboxEntry> {
    let entry = get_entry(db, id)?;
    if entry.undone {
        return Err(Error::invalid_field(
            "id",
            "This message's reading was undone already.",
        ));
    }
    #[allow(clippy::type_complexity)]
    let (key, subscriber_id, moved, message_source, suppressed_before, ledger_before): (
        Option<String>,
        Option<i64>,
        String,
        String,
        bool,
        i64,
    ) = db.conn().query_row(
        "SELECT email_key, subscriber_id, moved_lists, kind, suppressed_before, ledger_before FROM mailbox_message WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
    )?;
    let moved: Vec<i64> = serde_json::from_str(&moved).unwrap_or_default();
    let at = now_text();
    let tx = db.conn().unchecked_transaction()?;
    if matches!(
        entry.action,
        Action::Bounced | Action::Unsubscribed | Action::Complained
    ) {
        let key = key.unwrap_or_default();
        // Another opt-out after this one (the person's own, an import's) stands.
        let later: Option<String> = db
            .conn()
            .query_row(
                "SELECT source FROM consent WHERE email_key = ?1 AND id > ?2
                   AND status IN ('unsubscribed', 'bounced', 'cleaned', 'complained')
                   AND source NOT LIKE 'Mailbox: %' ORDER BY id LIMIT 1",
                params![key, ledger_before],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(later) = later {
            return Err(Error::invalid_field(
                "id",
                format!(
                    "{} opted out again since ({later}): that opt-out stands. Only a new opt-in with evidence brings them back.",
                    entry.person
                ),
            ));
        }
        let evidence = format!(
            "The coordinator undid the reading of the {} <{}> of {} ({})",
            kind_label(&message_source),
            entry.message_id,
            entry.received_at,
            one_line(source, 120)
        );
        let undo_source = "Mailbox: a wrong reading undone".to_owned();
        if !suppressed_before {
            subscribers::lift_suppression(db, &key)?;
        }
        let mut put_back = 0;
        if let Some(sid) = subscriber_id {
            for list_id in &moved {
                if crate::mail::lists::get(db, *list_id).is_err() {
                    continue;
                }
                subscribers::change_standing(
                    db,
                    sid,
                    &key,
                    *list_id,
                    ConsentStatus::Subscribed,
                    OptOutScope::Branch,
                    &undo_source,
                    &evidence,
                    &at,
                )?;
                put_back += 1;
            }
        }
        if put_back == 0 {
            subscribers::record(db, &key, None, "subscribed", &undo_source, &evidence, &at)?;
        }
    }
    db.conn().execute(
        "UPDATE mailbox_message SET undone_at = ?2 WHERE id = ?1",
        params![id, at],
    )?;
    tx.commit()?;
    get_entry(db, id)
}

/// What the coordinator decides about a message that needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Unsubscribe the person (or the sender) from every list.
    Unsubscribe,
    /// Mark the person bounced.
    Bounced,
    /// Nothing to do.
    LeaveAlone,
}

/// Settles a "Needs you" message as the coordinator decided, with the
/// message as evidence in the ledger.
pub fn resolve(db: &Database, id: i64, resolution: Resolution) -> Result<MailboxEntry> {
    let entry = get_entry(db, id)?;
    if entry.action != Action::NeedsYou || !entry.resolution.is_empty() {
        return Err(Error::invalid_field(
            "id",
            "This message does not wait for a decision.",
        ));
    }
    let at = now_text();
    let tx = db.conn().unchecked_transaction()?;
    let word = match resolution {
        Resolution::LeaveAlone => "left alone",
        Resolution::Unsubscribe | Resolution::Bounced => {
            let (key, subscriber_id): (Option<String>, Option<i64>) = db.conn().query_row(
                "SELECT email_key, subscriber_id FROM mailbox_message WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let Some(key) = key else {
                return Err(Error::invalid_field(
                    "id",
                    "This message is tied to nobody: there is no one to act on. Leave it alone, or change the person's standing on their subscriber page.",
                ));
            };
            let (status, word) = if resolution == Resolution::Bounced {
                (ConsentStatus::Bounced, "marked bounced")
            } else {
                (ConsentStatus::Unsubscribed, "unsubscribed")
            };
            let person = Person {
                subscriber_id,
                email: entry.person.clone(),
                key,
                list_id: None,
            };
            let evidence = format!(
                "The coordinator read the {} <{}> of {} and decided: {word}",
                kind_label(&entry.kind),
                entry.message_id,
                entry.received_at
            );
            let ledger_before: i64 =
                db.conn()
                    .query_row("SELECT coalesce(max(id), 0) FROM consent", [], |r| r.get(0))?;
            let suppressed_before = subscribers::suppression(db, &person.key)?.is_some();
            let moved = opt_out(
                db,
                &person,
                status,
                "Mailbox: the coordinator's decision",
                &evidence,
                &at,
            )?;
            db.conn().execute(
                "UPDATE mailbox_message SET moved_lists = ?2, action = ?3, suppressed_before = ?4, ledger_before = ?5 WHERE id = ?1",
                params![
                    id,
                    serde_json::to_string(&moved).unwrap_or_else(|_| "[]".to_owned()),
                    if resolution == Resolution::Bounced {
                        "bounced"
                    } else {
                        "unsubscribed"
                    },
                    suppressed_before,
                    ledger_before
                ],
            )?;
            word
        }
    };
    db.conn().execute(
        "UPDATE mailbox_message SET resolved_at = ?2, resolution = ?3 WHERE id = ?1",
        params![id, at, word],
    )?;
    tx.commit()?;
    get_entry(db, id)
}

/// "Test mailbox": connects, encrypts, logs in and opens the folder, reading
/// nothing; says which step failed.
pub fn test(account: &ImapAccount, password: &Password) -> ConnectionReport {
    match imap::connect(account, password, Duration::from_secs(15)) {
        Ok(mut conn) => {
            let opened = conn.select(account.folder.trim());
            conn.logout();
            match opened {
                Ok(s) => ConnectionReport {
                    ok: true,
                    problem: None,
                    message: format!(
                        "Connected to {}:{} and logged in as {}; “{}” holds {} message{}.",
                        account.host,
                        account.port,
                        account.username,
                        account.folder,
                        s.exists,
                        if s.exists == 1 { "" } else { "s" }
                    ),
                },
                Err(f) => ConnectionReport {
                    ok: false,
                    problem: Some(ConnectionProblem::Other),
                    message: f.message,
                },
            }
        }
        Err(f) => ConnectionReport {
            ok: false,
            problem: Some(f.problem),
            message: f.message,
        },
    }
}

/// What the plus-address probe found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ProbeReport {
    /// The provider delivers `boston+…@` to the branch's mailbox: each
    /// message now goes out with its own return path.
    pub works: bool,
    pub message: String,
}

/// Sends a probe to a plus address of the branch's own (through the SMTP
/// account) and waits up to `wait` for it in the mailbox. What it finds is
/// kept: with plus addresses each message goes out with its own return
/// path (`boston+bounce-…@`); without, the token rides in a header only.
pub fn probe(
    db: &Database,
    smtp_session: Option<&Password>,
    imap_session: Option<&Password>,
    wait: Duration,
) -> Result<ProbeReport> {
    use ring::rand::{SecureRandom, SystemRandom};
    let branch = crate::branch::require(db)?;
    let (_, from) = normalize_email(&branch.contact_email).map_err(|_| {
        Error::invalid_field(
            "contact_email",
            "The branch profile has no contact address to send the probe from. Fill it in under Settings → Branch.",
        )
    })?;
    let smtp = crate::mail::announcements::account::get(db)?.ok_or_else(|| {
        Error::not_found(
            "Set up the sending side of the mail account first: the probe is sent through it.",
        )
    })?;
    let imap_account = account::get(db)?.ok_or_else(|| {
        Error::not_found("Set up the mailbox first: the probe is looked for there.")
    })?;
    let imap_password = account::password_for(&imap_account, imap_session)?;
    let smtp_password = crate::mail::announcements::account::password_for(&smtp, smtp_session)?;
    let mut random = [0u8; 8];
    SystemRandom::new()
        .fill(&mut random)
        .map_err(|_| Error::internal("The operating system gave no random bytes for the probe."))?;
    let mark: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let (local, domain) = from.split_once('@').unwrap_or((from.as_str(), ""));
    let to = format!("{local}+probe-{mark}@{domain}");
    let letter = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: Handbill checks the branch's return address\r\nDate: {}\r\n\
         Message-ID: <probe-{mark}@{domain}>\r\nX-Handbill-Probe: {mark}\r\nAuto-Submitted: auto-generated\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Handbill sent this to see whether mail to {to} reaches this mailbox.\r\n\
         It is filed away by itself; nothing needs doing.\r\n",
        jiff::fmt::rfc2822::to_string(&crate::clock::now().to_zoned(jiff::tz::TimeZone::UTC))
            .unwrap_or_default()
    );
    let (mut conn, _) = crate::mail::announcements::account::connect(
        &smtp,
        smtp_password.as_ref(),
        &from,
        Duration::from_secs(30),
    )
    .map_err(|f| Error::storage(f.message))?;
    let envelope = lettre::address::Envelope::new(
        Some(
            from.parse()
                .map_err(|e| Error::invalid_field("contact_email", format!("{e}")))?,
        ),
        vec![to
            .parse()
            .map_err(|e| Error::internal(format!("The probe address is refused: {e}")))?],
    )
    .map_err(|e| Error::internal(format!("The probe's envelope is refused: {e}")))?;
    let sent = conn.send(&envelope, letter.as_bytes());
    conn.quit().ok();
    let finish = |works: bool, message: String| -> Result<ProbeReport> {
        account::set_plus_addressing(db, works)?;
        Ok(ProbeReport { works, message })
    };
    if let Err(e) = sent {
        if e.is_permanent() {
            return finish(
                false,
                format!("The mail server refused {to} ({e}): the provider does not take plus addresses. Each message carries its token in a header instead, which most bounce reports quote."),
            );
        }
        return Err(Error::storage(format!(
            "The probe could not be sent ({e}). Try again later."
        )));
    }
    let mut imap =
        imap::connect(&imap_account, &imap_password, Duration::from_secs(30)).map_err(failure)?;
    let started = std::time::Instant::now();
    let found = loop {
        imap.select(imap_account.folder.trim()).map_err(failure)?;
        let found = imap
            .search(&format!("HEADER X-Handbill-Probe {mark}"))
            .map_err(failure)?;
        if !found.is_empty() || started.elapsed() >= wait {
            break found;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    if !found.is_empty() {
        imap.ensure_folder(imap_account.handled_folder.trim())
            .and_then(|()| imap.file(&found, imap_account.handled_folder.trim()))
            .map_err(failure)?;
    }
    imap.logout();
    if found.is_empty() {
        finish(
            false,
            format!(
                "The probe sent to {to} did not arrive in “{}” within {} seconds: the provider seems not to deliver plus addresses. Each message carries its token in a header instead, which most bounce reports quote.",
                imap_account.folder,
                wait.as_secs()
            ),
        )
    } else {
        finish(
            true,
            format!(
                "The probe sent to {to} arrived: each message now goes out with its own return path, so every bounce report names its recipient."
            ),
        )
    }
}
