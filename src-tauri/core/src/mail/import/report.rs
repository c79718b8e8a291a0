//! The report of an import: a sentence for the job record, every row's
//! outcome (as CSV to save), and the record of past imports, including
//! settling those a stopped Handbill left running.

use std::path::Path;
use std::time::Duration;

use rusqlite::params;

use super::{ImportJob, ImportReport, ImportState, ReportRow, RowOutcome};
use crate::clock::now_text;
use crate::db::Database;
use crate::error::{Error, Result};

/// One sentence for the job record and the command line.
pub fn summary(r: &ImportReport) -> String {
    let verb = match r.state {
        ImportState::Done => "",
        ImportState::DryRun => " (dry run: nothing was saved)",
        ImportState::Cancelled => " (cancelled: nothing was saved)",
    };
    let mut text = format!(
        "{} {} read from {} into {}: {} imported, {} merged, {} rejected{verb}.",
        r.rows,
        if r.rows == 1 { "row" } else { "rows" },
        r.file_name,
        r.list_name,
        r.imported,
        r.merged,
        r.rejected
    );
    if r.kept_off > 0 {
        text.push_str(&format!(
            " {} of them had left the list and stay off it.",
            r.kept_off
        ));
    }
    if r.not_subscribed > 0 {
        text.push_str(&format!(
            " {} {} not put on the list: the file gives them no opt-in.",
            r.not_subscribed,
            if r.not_subscribed == 1 { "was" } else { "were" }
        ));
    }
    if r.warnings > 0 {
        text.push_str(&format!(
            " {} {} a warning (a field left out or a cell to check).",
            r.warnings,
            if r.warnings == 1 {
                "row has"
            } else {
                "rows have"
            }
        ));
    }
    text
}

/// A row's detail followed by its warnings, for the saved report and the command line.
pub fn detail_with_warnings(row: &ReportRow) -> String {
    let mut text = row.detail.clone();
    for w in &row.warnings {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str("Warning: ");
        text.push_str(w);
    }
    text
}

impl ImportReport {
    /// The report for the window: rejected and merged rows first, at most
    /// `max` entries; the rest are counted in `entries_omitted`.
    pub fn for_window(&self, max: usize) -> ImportReport {
        let mut entries: Vec<ReportRow> = self
            .entries
            .iter()
            .filter(|e| e.outcome == RowOutcome::Rejected || !e.warnings.is_empty())
            .chain(
                self.entries
                    .iter()
                    .filter(|e| e.outcome == RowOutcome::Merged && e.warnings.is_empty()),
            )
            .chain(
                self.entries
                    .iter()
                    .filter(|e| e.outcome == RowOutcome::Imported && e.warnings.is_empty()),
            )
            .take(max)
            .cloned()
            .collect();
        entries.sort_by_key(|e| e.line);
        ImportReport {
            entries_omitted: (self.entries.len() - entries.len()) as u32 + self.entries_omitted,
            entries,
            ..self.clone()
        }
    }

    /// The report as CSV: one line per row of the file, with its outcome and reason.
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| Error::internal(format!("Could not write the report: {e}"));
        w.write_record(["line", "email", "outcome", "detail"])
            .map_err(fail)?;
        for e in &self.entries {
            let outcome = match e.outcome {
                RowOutcome::Imported => "imported",
                RowOutcome::Merged => "merged",
                RowOutcome::Rejected => "rejected",
            };
            w.write_record([
                e.line.to_string().as_str(),
                &crate::mail::export::safe_cell(&e.email),
                outcome,
                &crate::mail::export::safe_cell(&detail_with_warnings(e)),
            ])
            .map_err(fail)?;
        }
        w.into_inner()
            .map_err(|e| Error::internal(format!("Could not write the report: {e}")))
    }

    /// Saves the report as CSV at `path`.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::db::outside::write(path, &self.to_csv()?)
    }
}

/// The longest an import waits for another writer before it starts: a
/// record 'running' for longer than this (and a margin) while nobody holds the
/// write lock was left by a Handbill that stopped.
pub const START_WAIT: Duration = Duration::from_secs(10);

/// Marks imports left 'running' by a Handbill that stopped during them (a
/// crash, a killed or interrupted command line) as interrupted: their
/// transaction was rolled back, so nothing of them was saved. A live import
/// holds the database's write lock from just after its record is written
/// until it ends, so a record is settled only while nobody holds that lock,
/// and only once it is older than the time an import may wait for the lock
/// ([`START_WAIT`], plus a margin). Called when the window starts and
/// whenever the import history is read ([`jobs`]).
pub fn recover(db: &Database) -> Result<usize> {
    let conn = db.conn();
    let running: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM import_job WHERE state = 'running')",
        [],
        |r| r.get(0),
    )?;
    if !running || !conn.is_autocommit() {
        return Ok(0);
    }
    let wait_ms: i64 = conn.pragma_query_value(None, "busy_timeout", |r| r.get(0))?;
    let start_wait_ms = i64::try_from(START_WAIT.as_millis()).unwrap_or(i64::MAX);
    conn.pragma_update(None, "busy_timeout", 0)?;
    let begun = conn.execute_batch("BEGIN IMMEDIATE");
    if let Err(e) = conn.pragma_update(None, "busy_timeout", wait_ms) {
        if begun.is_ok() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        return Err(e.into());
    }
    match begun {
        Ok(()) => {}
        // Someone is writing: perhaps the import itself. Ask again later.
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ) =>
        {
            return Ok(0)
        }
        Err(e) => return Err(e.into()),
    }
    let started_before = crate::clock::now()
        .checked_sub(jiff::SignedDuration::from_millis(start_wait_ms + 1_000))
        .and_then(|t| t.round(jiff::Unit::Second))
        .map(|t| t.to_string())
        .unwrap_or_default();
    let settled = conn.execute(
        "UPDATE import_job SET state = 'interrupted', finished_at = ?1,
                message = 'Handbill stopped during this import; nothing of it was saved. Import the file again.'
         WHERE state = 'running' AND started_at <= ?2",
        params![now_text(), started_before],
    );
    match settled {
        Ok(n) => {
            conn.execute_batch("COMMIT")?;
            Ok(n)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e.into())
        }
    }
}

/// The most recent imports, newest first. A record left 'running' by a
/// Handbill that is gone is shown, and kept, as interrupted ([`recover`]).
pub fn jobs(db: &Database, limit: u32) -> Result<Vec<ImportJob>> {
    // The history is still shown when the records cannot be settled now
    // (a read-only file): they are settled at a later reading.
    let _ = recover(db);
    let mut stmt = db.conn().prepare(
        "SELECT j.id, j.file_name, l.name, j.state, j.rows_total, j.imported, j.merged, j.rejected, j.message,
                j.started_at, j.finished_at
         FROM import_job j JOIN list l ON l.id = j.list_id ORDER BY j.id DESC LIMIT ?1",
    )?;
    let jobs = stmt
        .query_map([limit], |r| {
            Ok(ImportJob {
                id: r.get(0)?,
                file_name: r.get(1)?,
                list_name: r.get(2)?,
                state: r.get(3)?,
                rows_total: r.get(4)?,
                imported: r.get(5)?,
                merged: r.get(6)?,
                rejected: r.get(7)?,
                message: r.get(8)?,
                started_at: r.get(9)?,
                finished_at: r.get(10)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(jobs)
}
