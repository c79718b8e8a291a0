//! Exporting a list or a segment to CSV.
//! An export for mailing holds only the people an announcement would reach.
//! It owns making cells safe for spreadsheets: a cell that starts with `=`,
//! `+`, `-` or `@` (or a tab or carriage return) would run as a formula when
//! the file is opened, so it is written with a leading apostrophe.

use std::borrow::Cow;
use std::path::Path;

use rusqlite::ToSql;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::db::Database;
use crate::error::{Error, Result};
use crate::mail::lists::{self, SegmentFilter};

/// What every subscriber export says where it is shown or written: the
/// file holds people's addresses and is not encrypted.
pub const NOT_ENCRYPTED: &str =
    "This file is not encrypted: anyone who gets it can read every address in it. \
     Keep it off shared folders and delete it when you are done.";

/// What to export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExportOptions {
    pub list_id: i64,
    /// Narrows the list; empty exports the whole list.
    pub filter: SegmentFilter,
    /// Also export people who unsubscribed, bounced or were cleaned (with their
    /// standing), for a full backup. Off by default: an export is for mailing.
    pub include_all: bool,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ExportReport {
    pub path: String,
    pub rows: u32,
}

/// The columns of an exported file, in order.
pub const COLUMNS: &[&str] = &[
    "email",
    "name",
    "first_name",
    "language",
    "city",
    "postal_code",
    "phone",
    "tags",
    "notes",
    "status",
    "since",
];

/// A cell a spreadsheet will show as text, never run as a formula.
pub fn safe_cell(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

/// The list (or segment) as CSV bytes, and how many people it holds.
pub fn to_csv(db: &Database, options: &ExportOptions) -> Result<(Vec<u8>, u32)> {
    lists::get(db, options.list_id)?;
    let (condition, values) = options.filter.sql();
    // For mailing: the list's `mailable` people only, never anyone suppressed.
    // A full backup (`include_all`) gives everyone with their standing, a
    // branch-wide opt-out shown over a membership still marked subscribed.
    let sql = if options.include_all {
        format!(
            "SELECT s.email, s.name, s.first_name, s.language, s.city, s.postal_code, s.phone, s.tags, s.notes,
                    coalesce(x.status, m.status), m.since
             FROM membership m JOIN subscriber s ON s.id = m.subscriber_id
             LEFT JOIN suppression x ON x.email_key = s.email_key AND m.status = 'subscribed'
             WHERE m.list_id = ? AND {condition} ORDER BY s.email_key"
        )
    } else {
        format!(
            "SELECT s.email, s.name, s.first_name, s.language, s.city, s.postal_code, s.phone, s.tags, s.notes,
                    'subscribed', s.since
             FROM mailable s WHERE s.list_id = ? AND {condition} ORDER BY s.email_key"
        )
    };
    let mut params: Vec<&dyn ToSql> = vec![&options.list_id];
    params.extend(values.iter().map(|v| v.as_ref()));
    let mut stmt = db.conn().prepare(&sql)?;
    let mut rows = stmt.query(params.as_slice())?;
    let fail = |e: csv::Error| Error::internal(format!("Could not write the CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS).map_err(fail)?;
    let mut count = 0u32;
    while let Some(r) = rows.next()? {
        let tags: String = r.get(7)?;
        let tags: Vec<String> = serde_json::from_str(&tags).unwrap_or_default();
        let cells: [String; 11] = [
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            tags.join(", "),
            r.get(8)?,
            r.get(9)?,
            r.get(10)?,
        ];
        w.write_record(cells.iter().map(|c| safe_cell(c).into_owned()))
            .map_err(fail)?;
        count += 1;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::internal(format!("Could not write the CSV: {e}")))?;
    Ok((bytes, count))
}

/// Exports to a file.
pub fn to_file(db: &Database, options: &ExportOptions, path: &Path) -> Result<ExportReport> {
    let (bytes, rows) = to_csv(db, options)?;
    crate::db::outside::write(path, &bytes)?;
    Ok(ExportReport {
        path: path.display().to_string(),
        rows,
    })
}
