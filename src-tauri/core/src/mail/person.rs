//! One person's data, on their request: everything Handbill holds about an
//! address gathered in one record for a subject access request
//! ([`export`], as JSON and as readable text), and erasing it everywhere
//! ([`forget`]). A person appears in the subscriber row (with the text search
//! looks in), their memberships, the consent ledger and the branch-wide
//! opt-outs (both keyed by address), the deliveries of every announcement
//! (a snapshot of address and names), the outbox's `.eml` files written for
//! them, and, when the same address is a partner organization's contact, that
//! contact and the invitations drafted to it. The migrations hold no other
//! table that names a person.
//!
//! Forgetting keeps exactly two things: the salted hash of the address in the
//! suppression table (the same one a deletion keeps, see
//! `subscribers::forgotten_key`), so no import can bring the person back, and
//! one ledger line under that hash saying when and on whose request. Then the
//! file is vacuumed, so the erased bytes are gone from it, not only unlinked.

use std::path::{Path, PathBuf};

use rusqlite::config::DbConfig;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

use crate::clock::now_text;
use crate::db::{backup, outside, Database};
use crate::email::normalize_email;
use crate::error::{Error, ErrorCode, Result};
use crate::mail::announcements::outbox_dir;
use crate::mail::subscribers::{self, ConsentEntry, Membership, Subscriber};

/// The format name a person's JSON file carries.
pub const FORMAT: &str = "handbill-person";

/// A branch-wide opt-out as it concerns one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PersonOptOut {
    pub status: String,
    pub since: String,
    pub source: String,
}

/// One announcement to this person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PersonDelivery {
    pub announcement_id: i64,
    pub subject: String,
    pub list_name: String,
    /// The address, name and first name as they were when it was queued.
    pub email: String,
    pub name: String,
    pub first_name: String,
    pub language: String,
    pub status: String,
    pub attempts: i64,
    pub soft_bounces: i64,
    /// The server's last answer, or where the message was written.
    pub reply: String,
    pub channel: String,
    pub updated_at: String,
}

/// The same address as a partner organization's contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PersonContact {
    pub organization: String,
    pub name: String,
    pub role: String,
    pub email: String,
    pub phone: String,
}

/// An invitation drafted to this address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PersonDraft {
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub created_at: String,
}

/// Everything Handbill holds about one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PersonRecord {
    /// Always [`FORMAT`].
    pub format: String,
    pub format_version: u32,
    /// When this record was made (RFC 3339, UTC).
    pub exported_at: String,
    /// The address asked about, as given.
    pub address: String,
    /// Their fields, when they are a subscriber.
    pub subscriber: Option<Subscriber>,
    pub memberships: Vec<Membership>,
    /// Every line of the consent ledger about the address, oldest first.
    pub ledger: Vec<ConsentEntry>,
    /// The branch-wide opt-out of the address, if any.
    pub opt_out: Option<PersonOptOut>,
    pub deliveries: Vec<PersonDelivery>,
    pub organization_contacts: Vec<PersonContact>,
    pub invitation_drafts: Vec<PersonDraft>,
    /// The outbox's `.eml` files written for them (not sent), by path.
    pub outbox_files: Vec<String>,
    /// Messages from the branch's mailbox about them (bounce reports,
    /// complaints, their requests to leave), and what was done.
    pub mailbox_messages: Vec<PersonMailboxMessage>,
    /// The events they signed in at.
    pub attendance: Vec<PersonAttendance>,
}

/// An event the person signed in at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PersonAttendance {
    pub event: String,
    /// The date of the event (or of the meeting of a series).
    pub held_on: String,
    /// Their row on the sign-in sheet (or the door form's line).
    pub sheet_row: u32,
    /// Whether they ticked "Email me about future events".
    pub wants_mail: bool,
}

/// A message read from the branch's mailbox about the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PersonMailboxMessage {
    pub received_at: String,
    pub kind: String,
    pub action: String,
    pub summary: String,
    pub message_id: String,
}

impl PersonRecord {
    /// True when Handbill holds nothing about the address.
    pub fn is_empty(&self) -> bool {
        self.subscriber.is_none()
            && self.memberships.is_empty()
            && self.ledger.is_empty()
            && self.opt_out.is_none()
            && self.deliveries.is_empty()
            && self.organization_contacts.is_empty()
            && self.invitation_drafts.is_empty()
            && self.outbox_files.is_empty()
            && self.mailbox_messages.is_empty()
            && self.attendance.is_empty()
    }

    /// The record as text a person reads, section by section.
    pub fn text(&self) -> String {
        let mut out = vec![
            format!("Everything Handbill holds about {}", self.address),
            format!("Made {}", self.exported_at),
            String::new(),
        ];
        let none = |out: &mut Vec<String>| out.push("  (none)".to_owned());
        out.push("Subscriber".to_owned());
        match &self.subscriber {
            Some(s) => {
                for (label, value) in [
                    ("Email", s.email.clone()),
                    ("Name", s.name.clone()),
                    ("First name", s.first_name.clone()),
                    ("Language", s.language.clone()),
                    ("City", s.city.clone()),
                    ("ZIP", s.postal_code.clone()),
                    ("Phone", s.phone.clone()),
                    ("Tags", s.tags.join(", ")),
                    ("Notes", s.notes.clone()),
                    ("Added", s.created_at.clone()),
                    ("Changed", s.updated_at.clone()),
                ] {
                    out.push(format!("  {label:<11} {value}"));
                }
            }
            None => out.push("  (not a subscriber)".to_owned()),
        }
        out.push(String::new());
        out.push("Lists".to_owned());
        if self.memberships.is_empty() {
            none(&mut out);
        }
        for m in &self.memberships {
            out.push(format!(
                "  {}: {} since {}",
                m.list_name,
                m.status.as_str(),
                m.since
            ));
        }
        out.push(String::new());
        out.push("Consent ledger".to_owned());
        if self.ledger.is_empty() {
            none(&mut out);
        }
        for e in &self.ledger {
            let evidence = if e.evidence.is_empty() {
                String::new()
            } else {
                format!("; evidence: {}", e.evidence)
            };
            out.push(format!(
                "  {}  {}  {}  ({}{evidence})",
                e.at, e.list_name, e.status, e.source
            ));
        }
        out.push(String::new());
        out.push("Opt-out from every list".to_owned());
        match &self.opt_out {
            Some(o) => out.push(format!("  {} since {} ({})", o.status, o.since, o.source)),
            None => none(&mut out),
        }
        out.push(String::new());
        out.push("Announcements sent or written to them".to_owned());
        if self.deliveries.is_empty() {
            none(&mut out);
        }
        for d in &self.deliveries {
            out.push(format!(
                "  #{} “{}” to {}: {} ({} attempts) {}{}",
                d.announcement_id,
                d.subject,
                d.list_name,
                d.status,
                d.attempts,
                d.updated_at,
                if d.reply.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", d.reply)
                }
            ));
        }
        out.push(String::new());
        out.push("Contact of a partner organization".to_owned());
        if self.organization_contacts.is_empty() {
            none(&mut out);
        }
        for c in &self.organization_contacts {
            out.push(format!(
                "  {} at {} ({}) {} {}",
                c.name, c.organization, c.role, c.email, c.phone
            ));
        }
        out.push(String::new());
        out.push("Invitations drafted to them".to_owned());
        if self.invitation_drafts.is_empty() {
            none(&mut out);
        }
        for d in &self.invitation_drafts {
            out.push(format!(
                "  {} to {} <{}>: {}",
                d.created_at, d.to_name, d.to_address, d.subject
            ));
            for line in d.body.lines() {
                out.push(format!("    {line}"));
            }
        }
        out.push(String::new());
        out.push("Messages in the outbox folder (written, not sent)".to_owned());
        if self.outbox_files.is_empty() {
            none(&mut out);
        }
        for f in &self.outbox_files {
            out.push(format!("  {f}"));
        }
        out.push(String::new());
        out.push("Messages from the branch's mailbox about them".to_owned());
        if self.mailbox_messages.is_empty() {
            none(&mut out);
        }
        for m in &self.mailbox_messages {
            out.push(format!(
                "  {} {} ({}): {} <{}>",
                m.received_at, m.kind, m.action, m.summary, m.message_id
            ));
        }
        out.push(String::new());
        out.push("Events they signed in at".to_owned());
        if self.attendance.is_empty() {
            none(&mut out);
        }
        for a in &self.attendance {
            out.push(format!(
                "  {} {} (row {}{})",
                a.held_on,
                a.event,
                a.sheet_row,
                if a.wants_mail {
                    ", ticked “Email me about future events”"
                } else {
                    ""
                }
            ));
        }
        out.push(String::new());
        out.join("\n")
    }
}

/// The address's key (lower case), or a message naming what is wrong with it.
fn key_of(address: &str) -> Result<(String, String)> {
    normalize_email(address).map_err(|e| {
        Error::invalid_field(
            "address",
            format!("“{}” is not an email address: {e}", address.trim()),
        )
    })
}

/// The name an outbox file written for `email` carries (see the sender's
/// `write_outbox`): the address with every unusual character made `_`.
fn outbox_name(email: &str) -> String {
    email
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The outbox's `.eml` files (and half-written ones) written for the person:
/// by their deliveries' numbers, and by the address in the file's name.
fn outbox_files(db: &Database, key: &str, delivery_ids: &[i64]) -> Vec<PathBuf> {
    let dir = outbox_dir(db.path());
    let safe = outbox_name(key);
    let mut found = Vec::new();
    let Ok(folders) = std::fs::read_dir(&dir) else {
        return found;
    };
    for folder in folders.filter_map(|f| f.ok()) {
        let folder = folder.path();
        if !folder.is_dir() {
            continue;
        }
        let Ok(files) = std::fs::read_dir(&folder) else {
            continue;
        };
        for file in files.filter_map(|f| f.ok()) {
            let path = file.path();
            let name = file.file_name().to_string_lossy().to_lowercase();
            if !(name.ends_with(".eml") || name.ends_with(".eml.partial")) {
                continue;
            }
            let stem = name
                .trim_end_matches(".partial")
                .trim_end_matches(".eml")
                .to_owned();
            let by_address = stem.split_once('-').is_some_and(|(_, rest)| rest == safe);
            let by_delivery = folder
                .file_name()
                .is_some_and(|f| f.to_string_lossy().starts_with("announcement-"))
                && stem.split_once('-').is_some_and(|(n, _)| {
                    n.parse::<i64>()
                        .is_ok_and(|n| delivery_ids.contains(&n) && stem.ends_with(&safe))
                });
            if by_address || by_delivery {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn deliveries(db: &Database, key: &str) -> Result<Vec<(i64, PersonDelivery)>> {
    let mut stmt = db.conn().prepare(
        "SELECT d.id, d.announcement_id, a.subject, l.name, d.email, d.name, d.first_name, d.language,
                d.status, d.attempts, d.soft_bounces, d.reply, d.channel, d.updated_at
           FROM delivery d JOIN announcement a ON a.id = d.announcement_id
           LEFT JOIN list l ON l.id = a.list_id
          WHERE d.email_key = ?1 ORDER BY d.id",
    )?;
    let rows = stmt
        .query_map([key], |r| {
            Ok((
                r.get(0)?,
                PersonDelivery {
                    announcement_id: r.get(1)?,
                    subject: r.get(2)?,
                    list_name: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    email: r.get(4)?,
                    name: r.get(5)?,
                    first_name: r.get(6)?,
                    language: r.get(7)?,
                    status: r.get(8)?,
                    attempts: r.get(9)?,
                    soft_bounces: r.get(10)?,
                    reply: r.get(11)?,
                    channel: r.get(12)?,
                    updated_at: r.get(13)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn contacts(db: &Database, key: &str) -> Result<Vec<PersonContact>> {
    let mut stmt = db.conn().prepare(
        "SELECT o.name, c.name, c.role, c.email, c.phone FROM org_contact c
           JOIN organization o ON o.id = c.organization_id
          WHERE lower(trim(c.email)) = ?1 ORDER BY o.name, c.position",
    )?;
    let rows = stmt
        .query_map([key], |r| {
            Ok(PersonContact {
                organization: r.get(0)?,
                name: r.get(1)?,
                role: r.get(2)?,
                email: r.get(3)?,
                phone: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn drafts(db: &Database, key: &str) -> Result<Vec<PersonDraft>> {
    let mut stmt = db.conn().prepare(
        "SELECT to_name, to_address, subject, body, created_at FROM email_draft
          WHERE lower(trim(to_address)) = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([key], |r| {
            Ok(PersonDraft {
                to_name: r.get(0)?,
                to_address: r.get(1)?,
                subject: r.get(2)?,
                body: r.get(3)?,
                created_at: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Everything Handbill holds about `address`, read in one transaction.
/// After a forgetting, what stays is told too: the opt-out and the ledger
/// line kept under the address's salted hash. An address Handbill knows
/// nothing of is an error that says so.
pub fn record(db: &Database, address: &str) -> Result<PersonRecord> {
    let record = gather(db, address, true)?;
    if record.is_empty() {
        return Err(nothing_about(address));
    }
    Ok(record)
}

fn nothing_about(address: &str) -> Error {
    Error::not_found(format!(
        "Handbill holds nothing about {}: no subscriber, ledger line, delivery or contact has that address.",
        address.trim()
    ))
}

/// The record, with or without what is kept under the address's hash.
fn gather(db: &Database, address: &str, with_hash: bool) -> Result<PersonRecord> {
    let (_, key) = key_of(address)?;
    let hashed = subscribers::forgotten_key(&subscribers::salt(db)?, &key);
    let tx = db.conn().unchecked_transaction()?;
    let subscriber = subscribers::find(db, &key)?;
    let memberships = match &subscriber {
        Some(s) => subscribers::detail(db, s.id)?.memberships,
        None => Vec::new(),
    };
    let opt_out_of = |k: &str| {
        db.conn()
            .query_row(
                "SELECT status, since, source FROM suppression WHERE email_key = ?1",
                [k],
                |r| {
                    Ok(PersonOptOut {
                        status: r.get(0)?,
                        since: r.get(1)?,
                        source: r.get(2)?,
                    })
                },
            )
            .optional()
    };
    let mut opt_out = opt_out_of(&key)?;
    let mut ledger = subscribers::ledger(db, &key)?;
    if with_hash {
        if opt_out.is_none() {
            opt_out = opt_out_of(&hashed)?;
        }
        ledger.extend(subscribers::ledger(db, &hashed)?);
    }
    let deliveries = deliveries(db, &key)?;
    let ids: Vec<i64> = deliveries.iter().map(|(id, _)| *id).collect();
    let subscriber_id = subscriber.as_ref().map(|s| s.id);
    let record = PersonRecord {
        format: FORMAT.to_owned(),
        format_version: 1,
        exported_at: now_text(),
        address: address.trim().to_owned(),
        subscriber,
        memberships,
        ledger,
        opt_out,
        deliveries: deliveries.into_iter().map(|(_, d)| d).collect(),
        organization_contacts: contacts(db, &key)?,
        invitation_drafts: drafts(db, &key)?,
        outbox_files: outbox_files(db, &key, &ids)
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        mailbox_messages: db
            .conn()
            .prepare(
                "SELECT received_at, kind, action, summary, message_id FROM mailbox_message
                  WHERE email_key = ?1 ORDER BY id",
            )?
            .query_map([&key], |r| {
                Ok(PersonMailboxMessage {
                    received_at: r.get(0)?,
                    kind: r.get(1)?,
                    action: r.get(2)?,
                    summary: r.get(3)?,
                    message_id: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?,
        attendance: match subscriber_id {
            None => Vec::new(),
            Some(id) => db
                .conn()
                .prepare(
                    "SELECT e.title, a.held_on, a.sheet_row, a.wants_mail
                       FROM attendance a JOIN event e ON e.id = a.event_id
                      WHERE a.subscriber_id = ?1 ORDER BY a.held_on, a.id",
                )?
                .query_map([id], |r| {
                    Ok(PersonAttendance {
                        event: r.get(0)?,
                        held_on: r.get(1)?,
                        sheet_row: r.get(2)?,
                        wants_mail: r.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?,
        },
    };
    tx.commit()?;
    Ok(record)
}

/// What [`export`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PersonExport {
    /// The JSON file.
    pub json_path: String,
    /// The same record as readable text, beside it.
    pub text_path: String,
    pub record: PersonRecord,
}

/// The readable text's file beside a JSON file: the same name ending in `.txt`.
pub fn text_path_for(json: &Path) -> PathBuf {
    json.with_extension("txt")
}

/// Writes everything Handbill holds about `address` to `target` as JSON, and
/// the same as readable text beside it (`.txt`), for a subject access
/// request. Neither file is encrypted: they are for the person.
pub fn export(db: &Database, address: &str, target: &Path) -> Result<PersonExport> {
    let record = record(db, address)?;
    let text_path = text_path_for(target);
    if text_path == target {
        return Err(Error::invalid_field(
            "path",
            format!(
                "{} ends in .txt, where the readable text goes: name the JSON file with .json.",
                target.display()
            ),
        ));
    }
    let json = serde_json::to_vec_pretty(&record).map_err(|e| Error::internal(e.to_string()))?;
    outside::write(target, &json)?;
    outside::write(&text_path, record.text().as_bytes())?;
    Ok(PersonExport {
        json_path: target.display().to_string(),
        text_path: text_path.display().to_string(),
        record,
    })
}

/// Forgetting someone, as asked from the window or the command line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize, TS)]
pub struct ForgetRequest {
    pub address: String,
    /// Whose request it was and how it came (“their email of 3 December”),
    /// kept in the ledger line that stays. It must not hold the address.
    pub requested_by: String,
}

/// What [`forget`] erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ForgetReport {
    /// Whether they were a subscriber.
    pub subscriber: bool,
    pub memberships: u32,
    pub ledger_lines: u32,
    pub deliveries: u32,
    pub organization_contacts: u32,
    pub invitation_drafts: u32,
    pub outbox_files: u32,
    /// Messages from the branch's mailbox about them (with what they said).
    pub mailbox_messages: u32,
    /// Events they signed in at (the attendance goes with them).
    pub attendance: u32,
    /// Backups taken before now that still hold them (the `.backups`
    /// folder): copies from now on do not.
    pub earlier_backups: u32,
    /// False when the file could not be compacted (another program had it
    /// open); `note` says what to do.
    pub vacuumed: bool,
    pub note: String,
}

/// Erases everything Handbill holds about one address: the subscriber (and
/// the text search looks in), their memberships, every ledger line and
/// opt-out under the address, the address and names in every delivery (a
/// message not yet sent to them is skipped and never sent), the outbox files
/// written for them, and a partner organization's contact with the address
/// and the invitations drafted to it. What stays is the salted hash of the
/// address as a branch-wide opt-out, so no import brings them back (only
/// their own new opt-in with evidence can), and one ledger line under that
/// hash saying when and on whose request. Then the file is vacuumed, so the
/// erased bytes are gone from it. One transaction before the vacuum.
pub fn forget(db: &Database, request: &ForgetRequest) -> Result<ForgetReport> {
    let (_, key) = key_of(&request.address)?;
    let requested_by = request.requested_by.trim();
    if requested_by.is_empty() {
        return Err(Error::invalid_field(
            "requested_by",
            "Say whose request it was and how it came (“their email of 3 December”): the ledger keeps it.",
        ));
    }
    if requested_by.to_lowercase().contains(&key) {
        return Err(Error::invalid_field(
            "requested_by",
            "Say whose request it was without their address: the address is what is being erased.",
        ));
    }
    if requested_by.chars().count() > subscribers::MAX_FIELD {
        return Err(Error::invalid_field(
            "requested_by",
            format!("Keep it under {} characters.", subscribers::MAX_FIELD),
        ));
    }
    // Everything it will erase, so an unknown address is told, not "forgotten".
    let found = gather(db, &key, false)?;
    let hashed = subscribers::forgotten_key(&subscribers::salt(db)?, &key);
    if found.is_empty() {
        let kept = db.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM suppression WHERE email_key = ?1)",
            [&hashed],
            |r| r.get::<_, bool>(0),
        )?;
        return Err(if kept {
            Error::not_found(format!(
                "{} was forgotten already: only the salted hash of the address stays.",
                request.address.trim()
            ))
        } else {
            nothing_about(&request.address)
        });
    }
    let at = now_text();
    let tx = db.conn().unchecked_transaction()?;
    let conn = db.conn();
    let memberships = found.memberships.len() as u32;
    let attendance = found.attendance.len() as u32;
    let subscriber = match &found.subscriber {
        Some(s) => {
            conn.execute("DELETE FROM attendance WHERE subscriber_id = ?1", [s.id])?;
            conn.execute("DELETE FROM subscriber WHERE id = ?1", [s.id])?;
            true
        }
        None => false,
    };
    // The ledger is append-only for everyone else: its triggers refuse to
    // remove a line. An erasure the person asked for is the one exception,
    // made here, for this address's lines only, with the triggers off for
    // this one statement.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
    let removed = conn.execute("DELETE FROM consent WHERE email_key = ?1", [&key]);
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, true)?;
    let ledger_lines = removed? as u32;
    let before: Option<(String, String)> = conn
        .query_row(
            "SELECT status, since FROM suppression WHERE email_key = ?1 OR email_key = ?2
             ORDER BY email_key = ?1 DESC LIMIT 1",
            params![key, hashed],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    conn.execute(
        "DELETE FROM suppression WHERE email_key = ?1 OR email_key = ?2",
        params![key, hashed],
    )?;
    // Kept off every list from now on; an opt-in dated after this brings them back.
    let status = before
        .map(|(status, _)| status)
        .unwrap_or_else(|| "unsubscribed".to_owned());
    conn.execute(
        "INSERT INTO suppression (email_key, status, since, source) VALUES (?1, ?2, ?3, ?4)",
        params![hashed, status, at, "Forgotten at their request"],
    )?;
    subscribers::record(
        db,
        &hashed,
        None,
        "deleted",
        &format!("Forgotten at their request: {requested_by}"),
        "",
        &at,
    )?;
    let outbox: Vec<PathBuf> = {
        let ids: Vec<i64> = deliveries(db, &key)?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        outbox_files(db, &key, &ids)
    };
    // Each delivery keeps its place in its announcement's counts, without
    // the address or names; one not sent yet is never sent.
    let deliveries = conn.execute(
        "UPDATE delivery SET email = '', email_key = ?2 || '#' || id, name = '', first_name = '', language = '',
                reply = 'Forgotten at their request', subscriber_id = NULL, updated_at = ?3,
                status = CASE WHEN status IN ('queued', 'claimed', 'written') THEN 'skipped' ELSE status END
          WHERE email_key = ?1",
        params![key, hashed, at],
    )? as u32;
    let organization_contacts = conn.execute(
        "DELETE FROM org_contact WHERE lower(trim(email)) = ?1",
        [&key],
    )? as u32;
    let invitation_drafts = conn.execute(
        "DELETE FROM email_draft WHERE lower(trim(to_address)) = ?1",
        [&key],
    )? as u32;
    let mailbox_messages = conn.execute(
        "DELETE FROM mailbox_message WHERE email_key = ?1 OR instr(lower(sender), ?1) > 0",
        [&key],
    )? as u32;
    tx.commit()?;
    let mut outbox_files = 0;
    let mut notes = Vec::new();
    for file in &outbox {
        match std::fs::remove_file(file) {
            Ok(()) => outbox_files += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => notes.push(format!(
                "The outbox file {} could not be removed ({e}): delete it by hand.",
                file.display()
            )),
        }
    }
    let earlier_backups = backup::list(db.path()).map(|b| b.len()).unwrap_or(0) as u32;
    let vacuumed = compact(db);
    if let Err(e) = &vacuumed {
        notes.push(format!(
            "The file could not be compacted now ({}), so the erased bytes may stay in it until it is: \
             close other Handbill windows and commands on this branch, then forget the address again.",
            e.message
        ));
    }
    if earlier_backups > 0 {
        notes.push(format!(
            "{earlier_backups} earlier {} in the backups folder still {} them; copies from now on do not.",
            if earlier_backups == 1 { "backup" } else { "backups" },
            if earlier_backups == 1 { "holds" } else { "hold" },
        ));
    }
    Ok(ForgetReport {
        subscriber,
        memberships,
        ledger_lines,
        deliveries,
        organization_contacts,
        invitation_drafts,
        outbox_files,
        mailbox_messages,
        attendance,
        earlier_backups,
        vacuumed: vacuumed.is_ok(),
        note: notes.join(" "),
    })
}

/// Rewrites the file without the pages erased rows left behind, and empties
/// the write-ahead log into it, so no byte of them stays on the disk in the
/// branch's file.
fn compact(db: &Database) -> Result<()> {
    if db.path() == Path::new(":memory:") {
        return Ok(());
    }
    db.conn().execute_batch("VACUUM")?;
    let (busy, _, _): (i64, i64, i64) =
        db.conn()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
    if busy != 0 {
        return Err(Error::new(
            ErrorCode::Storage,
            "another program is reading the branch",
        ));
    }
    Ok(())
}
