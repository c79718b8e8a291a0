//! Importing subscribers from CSV: sign-up sheets typed into a spreadsheet and
//! exports from Mailchimp or Action Network. It owns reading the file (UTF-8
//! with or without BOM, UTF-16, Latin-1; comma, semicolon or tab; quoted cells
//! with line breaks), recognizing the columns, the preview shown before
//! anything is written, and the import itself: one transaction, every row
//! imported, merged or rejected with its line number and reason, and consent
//! that never goes backwards (an import never resubscribes anyone who left).
//!
//! It reads what a file means: Mailchimp's four export files (subscribed,
//! unsubscribed, cleaned, and nonsubscribed people, who never opted in),
//! "pending" as not subscribed, a consent question answered yes or no (in
//! English, Spanish or French) with blank as no, the most restrictive standing
//! when a file names someone twice, and the proof an opt-in rests on (opt-in
//! and confirm times and IPs, unsubscribe time and campaign, the file and
//! line), which goes into the ledger's evidence. An address opted out of the
//! branch stays off every list unless the row carries a dated opt-in newer
//! than the opt-out. A cell that cannot be read loses its field, with a
//! warning, never its person.
//!
//! By concern: `decode` (the file's bytes to rows, shared with the
//! organization import), `columns` (recognizing the columns and the preview),
//! `check` (each row's values, checked), `write` (the import's one
//! transaction, with `bulk` holding the rows it adds) and `report` (the
//! outcome, row by row, and the record of past imports).

mod bulk;
mod check;
pub(crate) mod columns;
pub(crate) mod decode;
mod report;
mod write;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::Error;
use crate::mail::subscribers::ConsentStatus;

pub use columns::{fold_header, mapping_from, preview, recognize};
pub use decode::{check_size, read_file};
pub use report::{detail_with_warnings, jobs, recover, summary, START_WAIT};
pub use write::{checkpoint, run};

/// The largest file Handbill imports: far above any branch's list, low enough
/// to keep a mistaken choice (a video, a disk image) from filling the memory.
pub const MAX_FILE_BYTES: usize = 200 * 1024 * 1024;

/// The most columns a file may have. Real exports have a few dozen.
pub const MAX_COLUMNS: usize = 1000;

/// How many sample values the preview shows per column.
const SAMPLES: usize = 3;

/// How often (in rows) progress is reported and cancelling is checked.
const PROGRESS_EVERY: u32 = 1000;

/// What a column of the file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Not imported.
    Ignore,
    Email,
    /// The whole name.
    Name,
    FirstName,
    /// Joined after the first name to make the name.
    LastName,
    Language,
    City,
    PostalCode,
    /// A phone number; one that cannot be read is left out with a warning.
    Phone,
    /// One or more tags, separated by commas or semicolons.
    Tags,
    Notes,
    /// subscribed, unsubscribed, bounced, cleaned or complained (and their usual synonyms).
    Status,
    /// A consent question (“Can we email you about upcoming actions?”), a
    /// checkbox: yes (sí, oui, true, x, checked) subscribes, no unsubscribes,
    /// blank leaves the person off the list.
    Consent,
    /// Proof kept in the ledger: opt-in and confirm times and IPs, a form's
    /// timestamp, the unsubscribe time and campaign. A date here is the date
    /// of the opt-in (or opt-out) it records.
    Evidence,
}

/// One column as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ColumnPreview {
    pub index: u32,
    pub header: String,
    /// What Handbill recognized it as; the organizer may change it.
    pub field: Field,
    /// The first few non-empty values.
    pub samples: Vec<String>,
    /// How Handbill reads the column's values, for a consent or status column
    /// (such as “Yes → subscribed · No → unsubscribed · blank → not
    /// subscribed”) or a column of evidence; empty otherwise.
    pub reading: String,
}

/// What Handbill read from a file, shown before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportPreview {
    pub file_name: String,
    /// Such as “UTF-8”, “UTF-8 with BOM” or “Latin-1 (Windows-1252)”.
    pub encoding: String,
    /// “comma”, “semicolon” or “tab”.
    pub delimiter: String,
    /// “Mailchimp export”, “Action Network export” or “spreadsheet”.
    pub source_kind: String,
    /// False when the first line is already a subscriber (a bare column of addresses).
    pub has_header: bool,
    /// Data rows (not counting the header).
    pub rows: u32,
    /// The standing rows get when the file has no status or consent column;
    /// none means they are not put on the list as subscribed (Mailchimp's
    /// nonsubscribed people, who never opted in).
    pub default_status: Option<ConsentStatus>,
    pub columns: Vec<ColumnPreview>,
    /// Things the organizer should know before importing.
    pub notices: Vec<String>,
    /// The greeting the first people of the file will get in an email, read
    /// with the proposed columns (a lone "Name" column gives the first name).
    pub greetings: Vec<GreetingPreview>,
}

/// One person of the file and the greeting they will get ("Dear Ana,").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GreetingPreview {
    pub email: String,
    pub name: String,
    pub greeting: String,
}

/// How many people of a file the preview shows a greeting for.
pub const GREETINGS: usize = 5;

/// How to import: into which list, with which columns (empty: as recognized).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportOptions {
    pub list_id: i64,
    /// One field per column of the file; empty takes the recognized mapping.
    pub mapping: Vec<Field>,
    /// Check everything and report, then write nothing.
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    /// A new subscriber.
    Imported,
    /// An existing subscriber: empty fields filled in, consent kept.
    Merged,
    /// Not imported; `detail` says why.
    Rejected,
}

/// What happened to one row of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReportRow {
    /// The line of the file where the row starts (the header is line 1).
    pub line: u32,
    pub email: String,
    pub outcome: RowOutcome,
    pub detail: String,
    /// Fields left out of this row because they could not be read, and cells
    /// to check (a ZIP code that lost its leading zero): the person is imported.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportState {
    /// Written.
    Done,
    /// Checked only; nothing was written.
    DryRun,
    /// Stopped by the organizer; nothing was written.
    Cancelled,
}

/// The report of an import: counts and what happened to each row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportReport {
    /// The recorded import job (none for a dry run).
    pub job_id: Option<i64>,
    pub file_name: String,
    pub list_name: String,
    pub state: ImportState,
    /// Data rows read.
    pub rows: u32,
    pub imported: u32,
    pub merged: u32,
    pub rejected: u32,
    /// Rows whose person had left the list and stays off it.
    pub kept_off: u32,
    /// Rows imported (or merged) without being put on the list as
    /// subscribed: no consent (a blank or “no” answer), pending, or
    /// Mailchimp's nonsubscribed people.
    pub not_subscribed: u32,
    /// Rows with a field left out or a cell to check (see each row's warnings).
    pub warnings: u32,
    /// Row by row, in file order. In the window, imported rows may be left out
    /// (see `entries_omitted`); a saved report has them all.
    pub entries: Vec<ReportRow>,
    pub entries_omitted: u32,
}

/// Where a running import is. Checking and writing each go through the rows
/// once: the progress bar fills once for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportPhase {
    /// The file is read and its columns recognized.
    Reading,
    /// Every row is checked, then compared with the rows above it and with
    /// who is already here (`rows_total` is the rows the file seems to have).
    Checking,
    /// The new subscribers are written (`rows_total` is how many).
    Writing,
    /// The transaction is committed.
    Saving,
    Finished,
}

impl ImportPhase {
    /// The passes that report their progress row by row, many times a second.
    pub fn goes_row_by_row(self) -> bool {
        matches!(self, ImportPhase::Checking | ImportPhase::Writing)
    }
}

/// Progress of a running import, sent to the window as it goes.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ImportProgress {
    pub job_id: i64,
    pub rows_done: u32,
    pub rows_total: u32,
    pub phase: ImportPhase,
}

/// How a background import ended, as the window is told: a report, or the
/// error that stopped it (then nothing was saved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportFinished {
    pub report: Option<ImportReport>,
    pub error: Option<Error>,
}

/// An import as recorded in the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportJob {
    pub id: i64,
    pub file_name: String,
    pub list_name: String,
    /// running, done, cancelled, failed, or interrupted (Handbill stopped during it; nothing of it was saved).
    pub state: String,
    pub rows_total: u32,
    pub imported: u32,
    pub merged: u32,
    pub rejected: u32,
    pub message: String,
    pub started_at: String,
    pub finished_at: Option<String>,
}
