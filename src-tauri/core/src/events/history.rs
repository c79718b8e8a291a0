//! The history of an event: every change of its date, venue or status, with
//! when it happened and why, so a flyer or an email can say what changed
//! ("originally scheduled for 1/4, cancelled due to the storm"). Append-only.
//!
//! History is for changes people were told about: edits to a draft that was
//! never announced nor emailed to anyone leave none ([`told_anyone`]).

use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock::now_text;
use crate::db::Database;
use crate::error::Result;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    Status,
    Date,
    Venue,
}

impl HistoryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryKind::Status => "status",
            HistoryKind::Date => "date",
            HistoryKind::Venue => "venue",
        }
    }

    pub fn parse(text: &str) -> Option<HistoryKind> {
        [HistoryKind::Status, HistoryKind::Date, HistoryKind::Venue]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// The deliveries that count as telling someone about an event: the message
/// left (sent, or possibly on its way) or was written to the outbox folder for
/// the organizer to send. The one definition, read by the mail area's count of
/// the people told (`mail::announcements::told`).
pub(crate) const TOLD_DELIVERIES: &str = "('sent', 'written', 'sending', 'uncertain')";

/// Whether anyone has been told about the event: it was announced (any status
/// but draft), or an announcement of it went to someone. Until then its
/// changes make no history.
pub(crate) fn told_anyone(
    db: &Database,
    event_id: i64,
    status: super::EventStatus,
) -> Result<bool> {
    if status != super::EventStatus::Draft {
        return Ok(true);
    }
    Ok(db
        .conn()
        .prepare_cached(&format!(
            "SELECT EXISTS (SELECT 1 FROM delivery d JOIN announcement a ON a.id = d.announcement_id
             WHERE a.event_id = ?1 AND d.status IN {TOLD_DELIVERIES})"
        ))?
        .query_row([event_id], |r| r.get(0))?)
}

/// One change of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HistoryEntry {
    /// When the change was made (RFC 3339, UTC).
    pub at: String,
    pub kind: HistoryKind,
    /// The value before, as a person reads it ("2027-01-04 19:00–21:00 America/New_York").
    pub old_value: String,
    pub new_value: String,
    pub reason: String,
}

/// Appends a line to an event's history. The caller holds the transaction.
pub(crate) fn record(
    db: &Database,
    event_id: i64,
    kind: HistoryKind,
    old_value: &str,
    new_value: &str,
    reason: &str,
) -> Result<()> {
    record_at(
        db,
        event_id,
        &now_text(),
        kind,
        old_value,
        new_value,
        reason,
    )
}

pub(crate) fn record_at(
    db: &Database,
    event_id: i64,
    at: &str,
    kind: HistoryKind,
    old_value: &str,
    new_value: &str,
    reason: &str,
) -> Result<()> {
    db.conn()
        .prepare_cached(
            "INSERT INTO event_history (event_id, at, kind, old_value, new_value, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            event_id,
            at,
            kind.as_str(),
            old_value,
            new_value,
            reason
        ])?;
    Ok(())
}
