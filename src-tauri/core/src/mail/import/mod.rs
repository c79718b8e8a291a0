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

mod bulk;

use std::collections::HashSet;
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock::now_text;
use crate::db::Database;
use crate::error::short;
use crate::error::{Error, Result};
use crate::mail::lists;
use crate::mail::subscribers::{self, ConsentStatus, SubscriberInput};
use bulk::{field, KeyMap, NewRows};

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
}

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

/// The file, decoded and split into the header and its rows.
struct Parsed {
    text: String,
    encoding: &'static str,
    delimiter: u8,
    has_header: bool,
    headers: Vec<String>,
    /// Where the data rows start in `text`, and the line that is.
    data_start: u64,
    data_line: u32,
    rows: u32,
    notices: Vec<String>,
}

pub(crate) fn file_problem(message: impl Into<String>) -> Error {
    Error::invalid_field("file", message)
}

/// Decodes the bytes to text, naming the encoding, or says why they are not a CSV file.
pub(crate) fn decode(bytes: &[u8]) -> Result<(String, &'static str)> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(file_problem(format!(
            "The file is {:.0} MB; Handbill imports files up to {} MB. Split it into smaller files.",
            bytes.len() as f64 / 1_048_576.0,
            MAX_FILE_BYTES / 1_048_576
        )));
    }
    let not_csv = |what: &str| {
        file_problem(format!(
            "This is {what}, not a CSV file. In your spreadsheet, choose File → Save as (or Download) → CSV, and import that file."
        ))
    };
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(not_csv(
            "a spreadsheet workbook (.xlsx or .ods) or another zipped file",
        ));
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(not_csv("an old Excel workbook (.xls)"));
    }
    if bytes.starts_with(b"%PDF") {
        return Err(not_csv("a PDF document"));
    }
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    let head = &bytes[..bytes.len().min(1_000_000)];
    let controls = head
        .iter()
        .filter(|b| **b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t'))
        .count();
    if !utf16 && (head.contains(&0) || controls > 8) {
        return Err(binary());
    }
    let (text, encoding) = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        (strict_utf8(rest)?, "UTF-8 with BOM")
    } else if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let (coding, name) = if bytes[0] == 0xFF {
            (encoding_rs::UTF_16LE, "UTF-16 (little-endian)")
        } else {
            (encoding_rs::UTF_16BE, "UTF-16 (big-endian)")
        };
        let (text, _, had_errors) = coding.decode(bytes);
        if had_errors {
            return Err(file_problem(
                "The file says it is UTF-16 but part of it is not. Save it again from your spreadsheet as “CSV UTF-8”.",
            ));
        }
        (text.into_owned(), name)
    } else {
        match std::str::from_utf8(bytes) {
            Ok(text) => (text.to_owned(), "UTF-8"),
            Err(_) => (latin1_or_broken(bytes)?, "Latin-1 (Windows-1252)"),
        }
    };
    if text.trim().is_empty() {
        return Err(file_problem(
            "The file is empty: there is nothing to import.",
        ));
    }
    let controls = text
        .chars()
        .take(1_000_000)
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    if text.contains('\0') || controls > 8 {
        return Err(binary());
    }
    Ok((text, encoding))
}

fn no_rows() -> Error {
    file_problem("The file has a header line but no rows under it: there is nobody to import.")
}

fn binary() -> Error {
    file_problem(
        "The file holds binary data, not text, so it is not a CSV file (it may be an image, a database or a workbook). \
         Choose the CSV file exported from your spreadsheet or mailing tool.",
    )
}

fn strict_utf8(bytes: &[u8]) -> Result<String> {
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| {
        let line = line_at(bytes, e.valid_up_to());
        file_problem(format!(
            "The file says it is UTF-8 but line {line} is not valid UTF-8 (byte {}). Save it again from your spreadsheet as “CSV UTF-8”.",
            e.valid_up_to() + 4
        ))
    })
}

/// A file that is not UTF-8 is read as Latin-1 (Windows-1252, what older
/// spreadsheets save), unless it also holds valid UTF-8 accents: then it is a
/// damaged UTF-8 file, and guessing would garble every accented name.
fn latin1_or_broken(bytes: &[u8]) -> Result<String> {
    let mut utf8_accents = 0usize;
    let mut first_bad = None;
    let mut offset = 0usize;
    for chunk in bytes.utf8_chunks() {
        utf8_accents += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        offset += chunk.valid().len();
        if !chunk.invalid().is_empty() && first_bad.is_none() {
            first_bad = Some(offset);
        }
        offset += chunk.invalid().len();
    }
    if utf8_accents > 0 {
        let line = line_at(bytes, first_bad.unwrap_or(0));
        return Err(file_problem(format!(
            "The file is not valid UTF-8: line {line} has bytes that are not text, while other lines are UTF-8. \
             It may be damaged, or two files pasted together. Save it again from your spreadsheet as “CSV UTF-8”. Nothing was imported."
        )));
    }
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
    Ok(text.into_owned())
}

/// The line (from 1) of a byte offset, counting `\r\n`, `\n` and a lone `\r` as one break each.
pub(crate) fn line_at(bytes: &[u8], offset: usize) -> u32 {
    let mut lines = LineCounter::default();
    lines.advance(bytes, offset as u64);
    lines.line
}

/// Counts line breaks as the reader moves forward through the text.
pub(crate) struct LineCounter {
    pub(crate) pos: u64,
    pub(crate) line: u32,
}

impl Default for LineCounter {
    fn default() -> Self {
        LineCounter { pos: 0, line: 1 }
    }
}

impl LineCounter {
    fn advance(&mut self, bytes: &[u8], to: u64) {
        let to = (to as usize).min(bytes.len());
        let from = (self.pos as usize).min(to);
        for i in memchr::memchr2_iter(b'\n', b'\r', &bytes[from..to]) {
            let i = from + i;
            if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                self.line += 1;
            }
        }
        self.pos = to as u64;
    }

    /// Moves to where a record starts: `to`, then past the line break the
    /// reader leaves before it (the `\n` of a `\r\n`), so the line is the record's own.
    pub(crate) fn record_at(&mut self, bytes: &[u8], to: u64) -> u32 {
        self.advance(bytes, to);
        let mut pos = self.pos as usize;
        while pos < bytes.len() && matches!(bytes[pos], b'\r' | b'\n') {
            pos += 1;
        }
        self.advance(bytes, pos as u64);
        self.line
    }
}

/// The delimiter that splits the first line into the most cells.
pub(crate) fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in text.bytes().take(64 * 1024) {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                for (d, n) in counts.iter_mut() {
                    if *d == b {
                        *n += 1;
                    }
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .max_by_key(|(d, n)| (*n, *d == b','))
        .map(|(d, _)| *d)
        .unwrap_or(b',')
}

/// The most line breaks one quoted cell may hold. A note typed over several
/// lines has a few; a cell running on for more is a quote left open that
/// swallowed the rows after it.
const MAX_QUOTED_LINES: usize = 100;

/// Finds a quote left open before the csv crate reads the text: the crate
/// (like a spreadsheet) reads everything after an unclosed quote as one cell,
/// which would merge the people on the lines after it into one person's name.
/// A quote opens a cell when it is the first character of a field, as the
/// crate reads it; the cell ends at a quote not doubled. It is refused, with
/// the line the quote is on, when it never ends, when it ends in the middle of
/// a field after running over a line break (the closing quote is another
/// person's stray quote), or when it holds more than [`MAX_QUOTED_LINES`]
/// line breaks. Rows before it are not imported either: the file is refused
/// whole, so it can be mended and imported again.
pub(crate) fn check_quotes(text: &str, delimiter: u8) -> Result<()> {
    let b = text.as_bytes();
    let never_closed = |open: usize, more: String| {
        file_problem(format!(
            "line {}: a quote opened here is never closed{more}. Nothing was imported: close the quote (or remove it) \
             in your spreadsheet or a text editor, save the file and import it again.",
            line_at(b, open)
        ))
    };
    let mut pos = 0;
    while let Some(found) = memchr::memchr(b'"', &b[pos..]) {
        let open = pos + found;
        let starts_field =
            open == 0 || matches!(b[open - 1], b'\n' | b'\r') || b[open - 1] == delimiter;
        if !starts_field {
            // A quote inside an unquoted cell is text.
            pos = open + 1;
            continue;
        }
        let mut at = open + 1;
        let close = loop {
            match memchr::memchr(b'"', &b[at..]) {
                None => return Err(never_closed(open, String::new())),
                Some(i) if b.get(at + i + 1) == Some(&b'"') => at += i + 2,
                Some(i) => break at + i,
            }
        };
        let breaks = memchr::memchr2_iter(b'\n', b'\r', &b[open..close])
            .filter(|&i| !(b[open + i] == b'\r' && b.get(open + i + 1) == Some(&b'\n')))
            .count();
        if breaks > 0 {
            let ends_field = match b.get(close + 1) {
                None | Some(b'\n' | b'\r') => true,
                Some(&c) => c == delimiter,
            };
            if !ends_field {
                return Err(never_closed(
                    open,
                    format!(
                        " (the next quote, on line {}, is in the middle of a cell)",
                        line_at(b, close)
                    ),
                ));
            }
            if breaks > MAX_QUOTED_LINES {
                return Err(never_closed(
                    open,
                    format!(
                        " until line {}, {breaks} lines further on",
                        line_at(b, close)
                    ),
                ));
            }
        }
        pos = close + 1;
    }
    Ok(())
}

pub(crate) fn reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
}

pub(crate) fn csv_problem(e: &csv::Error) -> Error {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    file_problem(format!(
        "The file cannot be read as CSV near line {line}: {e}."
    ))
}

/// How [`parse`] counts the rows under the header.
#[derive(Clone, Copy, PartialEq)]
enum Count {
    /// Every record with any text, as the import will read them (for the preview).
    Exact,
    /// The line breaks outside quotes: the import's progress bar needs no
    /// more, and reading the whole file as CSV once more took an eighth of
    /// an import's time. The import counts the rows exactly as it reads them.
    Estimate,
}

/// Lines that have any text, with line breaks inside quoted cells not ending
/// a line (`\r\n`, `\n` and a lone `\r` each end one).
fn estimate_rows(text: &[u8]) -> u32 {
    let mut rows = 0u32;
    let mut quoted = false;
    let mut line_start = 0usize;
    for i in memchr::memchr3_iter(b'"', b'\n', b'\r', text) {
        match text[i] {
            b'"' => quoted = !quoted,
            _ if quoted => {}
            _ => {
                if i > line_start {
                    rows = rows.saturating_add(1);
                }
                line_start = i + 1;
            }
        }
    }
    if text.len() > line_start {
        rows = rows.saturating_add(1);
    }
    rows
}

fn parse(bytes: &[u8], count: Count) -> Result<Parsed> {
    let (text, encoding) = decode(bytes)?;
    let delimiter = sniff_delimiter(&text);
    check_quotes(&text, delimiter)?;
    let mut rdr = reader(&text, delimiter);
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::default();
    // The first record with any text is the header.
    let mut first: Option<(Vec<String>, u64, u32)> = None;
    loop {
        let start = rdr.position().byte();
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                if record.len() > MAX_COLUMNS {
                    return Err(file_problem(format!(
                        "The first line has {} columns; Handbill reads files of up to {MAX_COLUMNS}. Is this the right file? \
                         Keep the columns of addresses and names, and save it again as CSV.",
                        record.len()
                    )));
                }
                let line = lines.record_at(text.as_bytes(), start);
                first = Some((
                    record.iter().map(|c| c.trim().to_owned()).collect(),
                    lines.pos,
                    line,
                ));
                break;
            }
            Err(e) => return Err(csv_problem(&e)),
        }
    }
    let Some((first, first_start, first_line)) = first else {
        return Err(file_problem(
            "The file has no rows: there is nothing to import.",
        ));
    };
    let has_header = !first
        .iter()
        .any(|c| crate::email::normalize_email(c).is_ok());
    let after_header = rdr.position().byte();
    let mut rows = if has_header { 0 } else { 1 };
    // Counting needs no text: bytes are enough (the text was checked as a whole when decoded).
    let mut bytes_record = csv::ByteRecord::new();
    match count {
        Count::Estimate => rows += estimate_rows(&text.as_bytes()[after_header as usize..]),
        Count::Exact => loop {
            match rdr.read_byte_record(&mut bytes_record) {
                Ok(false) => break,
                Ok(true) => {
                    if !bytes_record.iter().all(|c| {
                        let c = c.trim_ascii();
                        c.is_empty() || std::str::from_utf8(c).is_ok_and(|c| c.trim().is_empty())
                    }) {
                        rows += 1;
                    }
                }
                Err(e) => return Err(csv_problem(&e)),
            }
        },
    }
    let mut notices = Vec::new();
    if encoding.starts_with("Latin-1") {
        notices.push(
            "The file is not UTF-8, so it was read as Latin-1 (Windows-1252), as older spreadsheets save it. \
             Check that accented names look right below."
                .to_owned(),
        );
    }
    if has_header && rows == 0 {
        return Err(no_rows());
    }
    let (headers, data_start, data_line) = if has_header {
        let mut counter = LineCounter::default();
        let line = counter.record_at(text.as_bytes(), after_header);
        (first, counter.pos, line)
    } else {
        notices.push(
            "The first line is already a subscriber, so the file is read as having no header line."
                .to_owned(),
        );
        (
            (1..=first.len()).map(|i| format!("Column {i}")).collect(),
            first_start,
            first_line,
        )
    };
    Ok(Parsed {
        text,
        encoding,
        delimiter,
        has_header,
        headers,
        data_start,
        data_line,
        rows,
        notices,
    })
}

/// A small CSV file read whole: decoded (UTF-8, BOM, UTF-16 or Latin-1, as
/// [`decode`] tells), its delimiter sniffed, and every record that has any text
/// with the line of the file it starts on. The organizations import reads its
/// files this way; the subscribers import streams larger files through the
/// same pieces ([`decode`], [`sniff_delimiter`], [`reader`], [`LineCounter`]).
pub(crate) struct Table {
    pub(crate) encoding: &'static str,
    pub(crate) delimiter: u8,
    pub(crate) records: Vec<(u32, Vec<String>)>,
}

/// Reads a whole file into a [`Table`], refusing more than `max_records` records.
pub(crate) fn read_table(bytes: &[u8], max_records: usize) -> Result<Table> {
    let (text, encoding) = decode(bytes)?;
    let delimiter = sniff_delimiter(&text);
    check_quotes(&text, delimiter)?;
    let mut rdr = reader(&text, delimiter);
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::default();
    let mut records = Vec::new();
    loop {
        let start = rdr.position().byte();
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                if record.len() > MAX_COLUMNS {
                    return Err(file_problem(format!(
                        "A line has {} columns; Handbill reads files of up to {MAX_COLUMNS}. Is this the right file?",
                        record.len()
                    )));
                }
                if records.len() >= max_records {
                    return Err(file_problem(format!(
                        "The file has more than {max_records} rows; split it into smaller files."
                    )));
                }
                let line = lines.record_at(text.as_bytes(), start);
                records.push((line, record.iter().map(|c| c.trim().to_owned()).collect()));
            }
            Err(e) => return Err(csv_problem(&e)),
        }
    }
    if records.is_empty() {
        return Err(file_problem(
            "The file has no rows: there is nothing to import.",
        ));
    }
    Ok(Table {
        encoding,
        delimiter,
        records,
    })
}

/// A header folded for matching: lower case, accents taken off (NFD, marks
/// dropped), only letters and digits kept: “Código postal” is `codigopostal`.
pub fn fold_header(header: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    header
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Folded headers of columns whose values are proof of consent, kept in the
/// ledger's evidence. The first group dates an opt-in, the second an opt-out.
const OPT_IN_DATES: &[&str] = &[
    "optintime",
    "confirmtime",
    "timestamp",
    "marcatemporal",
    "horodateur",
    "submittedat",
    "submissiondate",
    "signupdate",
    "fechadeinscripcion",
    "datedinscription",
    "createddate",
];
const OPT_OUT_DATES: &[&str] = &["unsubtime", "cleantime"];
const OTHER_EVIDENCE: &[&str] = &[
    "optinip",
    "confirmip",
    "unsubcampaigntitle",
    "cleancampaigntitle",
    "unsubreason",
    "unsubreasonother",
];

/// What a header names, from the usual columns of Mailchimp (“Email Address”,
/// “First Name”, “TAGS”, “OPTIN_TIME”), Action Network (`email`, `zip_code`,
/// `can2_user_city`), Google Forms (“Timestamp”, a consent question) and
/// hand-made sheets in English, Spanish or French (“E-mail”, “Correo
/// electrónico”, “Código postal”, “Prénom”, “Adresse e-mail”, “Ville”),
/// without regard to case or accents.
pub fn recognize(header: &str) -> Field {
    let squashed = fold_header(header);
    let h = squashed.strip_prefix("can2").unwrap_or(&squashed);
    let h = h.strip_prefix("user").unwrap_or(h);
    let field = match h {
        "email"
        | "emailaddress"
        | "email1"
        | "mail"
        | "emails"
        | "youremail"
        | "correo"
        | "correoelectronico"
        | "courriel"
        | "primaryemail"
        | "personalemail"
        | "address1email"
        | "adresseemail"
        | "adressecourriel"
        | "adresseelectronique"
        | "adressemail"
        | "direcciondecorreo"
        | "direcciondecorreoelectronico"
        | "tucorreo"
        | "votrecourriel"
        | "emailaddresses" => Field::Email,
        "name" | "fullname" | "yourname" | "nombrecompleto" | "displayname" | "contactname"
        | "nomcomplet" | "tunombre" | "votrenom" | "nombreyapellido" | "nombreyapellidos" => {
            Field::Name
        }
        "firstname" | "first" | "givenname" | "fname" | "nombre" | "prenom" | "forename"
        | "nombrepila" | "primernombre" => Field::FirstName,
        "lastname" | "last" | "surname" | "familyname" | "lname" | "apellido" | "apellidos"
        | "nom" | "nomdefamille" => Field::LastName,
        "language" | "lang" | "preferredlanguage" | "idioma" | "langue" | "locale"
        | "idiomapreferido" | "languepreferee" => Field::Language,
        "city" | "town" | "ciudad" | "ville" | "addresscity" | "locality" | "municipio"
        | "localidad" => Field::City,
        "zip" | "zipcode" | "postalcode" | "postcode" | "zippostalcode" | "postal"
        | "codigopostal" | "cp" | "addresszip" | "addresspostalcode" | "codepostal" => {
            Field::PostalCode
        }
        "tags" | "tag" | "groups" | "etiquetas" | "etiquettes" => Field::Tags,
        "notes" | "note" | "comments" | "comment" | "notas" | "remarques" | "commentaires"
        | "comentarios" => Field::Notes,
        "status" | "subscriptionstatus" | "emailstatus" | "estado" | "statut" => Field::Status,
        _ => Field::Ignore,
    };
    if field != Field::Ignore {
        return field;
    }
    if OPT_IN_DATES.contains(&h) || OPT_OUT_DATES.contains(&h) || OTHER_EVIDENCE.contains(&h) {
        return Field::Evidence;
    }
    // “Unsubscribed”, “Opt out”, “Do not email”: a negative column is not
    // read as consent (yes there would mean no); the organizer may map it as the status.
    let negative = [
        "unsub",
        "optout",
        "donot",
        "desuscri",
        "desinscri",
        "desabonn",
        "nepas",
    ]
    .iter()
    .any(|n| squashed.contains(n));
    if !negative && is_consent_question(&squashed) {
        return Field::Consent;
    }
    Field::Ignore
}

/// A header that asks for (or records) consent to be emailed: a form
/// question or a checkbox, in English, Spanish or French.
fn is_consent_question(folded: &str) -> bool {
    const ASKS: &[&str] = &[
        "consent",
        "optin",
        "optedin",
        "subscribe",
        "subscribed",
        "emailyou",
        "emailme",
        "mailinglist",
        "newsletter",
        "emailupdates",
        "emailok",
        "okaytoemail",
        "oktoemail",
        "contactbyemail",
        "sendyou",
        "suscrib",
        "podemosenviar",
        "podemosescribir",
        "enviarteco",
        "recibircorreo",
        "recibirco",
        "recibiremail",
        "consentimiento",
        "acepto",
        "autorizo",
        "jaccepte",
        "accepte",
        "consentement",
        "recevoir",
        "inscrire",
        "abonner",
        "pouvonsnous",
    ];
    ASKS.iter().any(|a| folded.contains(a))
}

/// Which tool made the file, and the standing its rows have when no column
/// says (none: not subscribed). Mailchimp's audience export is four files
/// with the same columns but for the unsubscribe and clean times; the file
/// name tells the nonsubscribed one from the subscribed one.
fn source_kind(headers: &[String], file_name: &str) -> (&'static str, Option<ConsentStatus>) {
    let has = |name: &str| headers.iter().any(|h| h.eq_ignore_ascii_case(name));
    let name = fold_header(file_name);
    let mailchimp = [
        "MEMBER_RATING",
        "LEID",
        "EUID",
        "OPTIN_TIME",
        "UNSUB_TIME",
        "CLEAN_TIME",
    ]
    .iter()
    .any(|h| has(h));
    let status = if has("UNSUB_TIME") {
        Some(ConsentStatus::Unsubscribed)
    } else if has("CLEAN_TIME") {
        Some(ConsentStatus::Cleaned)
    } else if mailchimp && (name.contains("nonsubscribed") || name.contains("transactional")) {
        None
    } else if mailchimp && name.contains("unsubscribed") {
        Some(ConsentStatus::Unsubscribed)
    } else if mailchimp && name.contains("cleaned") {
        Some(ConsentStatus::Cleaned)
    } else {
        Some(ConsentStatus::Subscribed)
    };
    if mailchimp {
        ("Mailchimp export", status)
    } else if headers
        .iter()
        .any(|h| h.to_lowercase().starts_with("can2_"))
    {
        ("Action Network export", status)
    } else {
        ("spreadsheet", status)
    }
}

/// The mapping Handbill proposes: each header recognized, or, when no header
/// names the address (or there is no header), the column whose first cells
/// are addresses.
fn detect_mapping(parsed: &Parsed) -> Vec<Field> {
    if parsed.has_header {
        let mut seen = HashSet::new();
        let mut mapping: Vec<Field> = parsed
            .headers
            .iter()
            .map(|h| {
                let field = recognize(h);
                // A second column of the same single-valued field is left out; the organizer may choose.
                if matches!(
                    field,
                    Field::Tags | Field::Notes | Field::Evidence | Field::Ignore
                ) || seen.insert(field)
                {
                    field
                } else {
                    Field::Ignore
                }
            })
            .collect();
        if !mapping.contains(&Field::Email) {
            if let Some(i) = address_column(parsed) {
                mapping[i] = Field::Email;
            }
        }
        return mapping;
    }
    let mut rdr = reader(&parsed.text[parsed.data_start as usize..], parsed.delimiter);
    let mut record = csv::StringRecord::new();
    let mut mapping = vec![Field::Ignore; parsed.headers.len()];
    if let Ok(true) = rdr.read_record(&mut record) {
        if let Some(i) = record
            .iter()
            .position(|c| crate::email::normalize_email(c).is_ok())
        {
            if i < mapping.len() {
                mapping[i] = Field::Email;
            }
        }
    }
    mapping
}

/// The column most of whose first non-empty cells (up to 50 rows) are email
/// addresses, if one is.
fn address_column(parsed: &Parsed) -> Option<usize> {
    let mut rdr = reader(&parsed.text[parsed.data_start as usize..], parsed.delimiter);
    let mut record = csv::StringRecord::new();
    let mut filled = vec![0u32; parsed.headers.len()];
    let mut addresses = vec![0u32; parsed.headers.len()];
    for _ in 0..50 {
        match rdr.read_record(&mut record) {
            Ok(true) => {
                for (i, cell) in record.iter().enumerate().take(filled.len()) {
                    if !cell.trim().is_empty() {
                        filled[i] += 1;
                        if cell.contains('@') && crate::email::normalize_email(cell).is_ok() {
                            addresses[i] += 1;
                        }
                    }
                }
            }
            _ => break,
        }
    }
    (0..filled.len())
        .filter(|&i| addresses[i] > 0 && addresses[i] * 2 > filled[i])
        .max_by_key(|&i| addresses[i])
}

/// Reads a consent answer: yes (in English, Spanish or French, a ticked
/// box) subscribes, no unsubscribes, blank leaves the person off the list
/// (`Some(None)`); anything else is not an answer (`None`).
fn consent_of(cell: &str) -> Option<Option<ConsentStatus>> {
    let folded = fold_header(cell);
    if folded.is_empty() {
        return Some(None);
    }
    const YES: &[&str] = &[
        "yes",
        "y",
        "si",
        "oui",
        "true",
        "x",
        "checked",
        "1",
        "on",
        "ok",
        "yesplease",
        "acepto",
        "jaccepte",
        "subscribed",
        "subscribe",
        "agree",
        "iagree",
        "deacuerdo",
        "daccord",
    ];
    const NO: &[&str] = &[
        "no",
        "n",
        "non",
        "false",
        "0",
        "off",
        "unchecked",
        "nothanks",
        "nogracias",
        "nonmerci",
        "unsubscribed",
    ];
    if YES.contains(&folded.as_str()) {
        return Some(Some(ConsentStatus::Subscribed));
    }
    if NO.contains(&folded.as_str()) {
        return Some(Some(ConsentStatus::Unsubscribed));
    }
    // A longer answer such as “Yes, please email me” or “No, thank you”.
    let first = cell
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .map(fold_header)
        .unwrap_or_default();
    match first.as_str() {
        "yes" | "si" | "oui" => Some(Some(ConsentStatus::Subscribed)),
        "no" | "non" => Some(Some(ConsentStatus::Unsubscribed)),
        _ => None,
    }
}

/// How a standing read from a file is said: “subscribed”, or “not subscribed” for none.
fn standing_word(status: Option<ConsentStatus>) -> &'static str {
    status.map_or("not subscribed", ConsentStatus::as_str)
}

/// How a column's values will be read, for the preview: the distinct values
/// of its first rows with what each becomes.
fn reading_of(field: Field, header: &str, values: &[String]) -> String {
    match field {
        Field::Consent | Field::Status => {
            let mut parts: Vec<String> = Vec::new();
            let mut blank = false;
            for value in values {
                let read = if field == Field::Consent {
                    consent_of(value)
                } else if value.trim().is_empty() {
                    Some(None)
                } else {
                    status_of(value)
                };
                if value.trim().is_empty() {
                    blank = true;
                    continue;
                }
                parts.push(match read {
                    Some(standing) => {
                        format!("“{}” → {}", short(value.trim()), standing_word(standing))
                    }
                    None => format!("“{}” → not understood: not subscribed", short(value.trim())),
                });
            }
            if field == Field::Consent || blank {
                parts.push(if field == Field::Consent {
                    "blank → not subscribed".to_owned()
                } else {
                    "blank → the file's standing".to_owned()
                });
            }
            parts.join(" · ")
        }
        Field::Evidence => {
            let h = fold_header(header);
            if OPT_IN_DATES.contains(&h.as_str()) {
                "Kept as evidence; the date of the opt-in".to_owned()
            } else if OPT_OUT_DATES.contains(&h.as_str()) {
                "Kept as evidence; the date of the opt-out".to_owned()
            } else {
                "Kept as evidence in the consent ledger".to_owned()
            }
        }
        _ => String::new(),
    }
}

/// The mapping asked for on the command line (`email=COL,first_name=COL,…`,
/// COL a header, matched as headers are, or a column's number from 1) laid
/// over the one Handbill proposes: a field named here leaves any other column it was on.
pub fn mapping_from(preview: &ImportPreview, spec: &str) -> Result<Vec<Field>> {
    let mut mapping: Vec<Field> = preview.columns.iter().map(|c| c.field).collect();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, column)) = part.split_once('=') else {
            return Err(Error::invalid_field(
                "map",
                format!(
                    "“{}” is not a mapping. Write FIELD=COLUMN, such as email=Correo or email=3.",
                    short(part)
                ),
            ));
        };
        let field: Field = serde_json::from_value(serde_json::Value::String(name.trim().to_lowercase()))
            .map_err(|_| {
                Error::invalid_field(
                    "map",
                    format!(
                        "“{}” is not a field. Use email, name, first_name, last_name, language, city, postal_code, tags, notes, status, consent, evidence or ignore.",
                        short(name.trim())
                    ),
                )
            })?;
        let column = column.trim();
        let index = match column.parse::<usize>() {
            Ok(n) if (1..=mapping.len()).contains(&n) => n - 1,
            Ok(n) => {
                return Err(Error::invalid_field(
                    "map",
                    format!(
                        "The file has {} columns, so there is no column {n}.",
                        mapping.len()
                    ),
                ))
            }
            Err(_) => {
                let wanted = fold_header(column);
                preview
                    .columns
                    .iter()
                    .position(|c| fold_header(&c.header) == wanted)
                    .ok_or_else(|| {
                        Error::invalid_field(
                            "map",
                            format!(
                                "No column is called “{}”. The columns are: {}.",
                                short(column),
                                preview
                                    .columns
                                    .iter()
                                    .map(|c| c.header.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                    })?
            }
        };
        if !matches!(
            field,
            Field::Tags | Field::Notes | Field::Evidence | Field::Ignore
        ) {
            for f in mapping.iter_mut().filter(|f| **f == field) {
                *f = Field::Ignore;
            }
        }
        mapping[index] = field;
    }
    Ok(mapping)
}

/// How a preview names a delimiter: “comma”, “semicolon” or “tab”.
pub(crate) fn delimiter_name(delimiter: u8) -> &'static str {
    match delimiter {
        b';' => "semicolon",
        b'\t' => "tab",
        _ => "comma",
    }
}

/// Reads the file and shows what an import would do with it, writing nothing.
pub fn preview(file_name: &str, bytes: &[u8]) -> Result<ImportPreview> {
    let parsed = parse(bytes, Count::Exact)?;
    let mapping = detect_mapping(&parsed);
    let (kind, default_status) = source_kind(&parsed.headers, file_name);
    let mut samples: Vec<Vec<String>> = vec![Vec::new(); parsed.headers.len()];
    // The distinct values of consent and status columns (blank too), to say how each is read.
    let mut answers: Vec<Vec<String>> = vec![Vec::new(); parsed.headers.len()];
    let mut rdr = reader(&parsed.text[parsed.data_start as usize..], parsed.delimiter);
    let mut record = csv::StringRecord::new();
    let mut looked = 0;
    while looked < 200 {
        match rdr.read_record(&mut record) {
            Ok(true) => {
                looked += 1;
                for (i, cell) in record.iter().enumerate().take(samples.len()) {
                    if matches!(mapping[i], Field::Consent | Field::Status)
                        && answers[i].len() < 8
                        && !answers[i]
                            .iter()
                            .any(|a| fold_header(a) == fold_header(cell))
                    {
                        answers[i].push(cell.trim().to_owned());
                    }
                    let cell = cell.trim();
                    if !cell.is_empty() && samples[i].len() < SAMPLES {
                        samples[i].push(short(&cell.replace(['\r', '\n'], " ")));
                    }
                }
            }
            _ => break,
        }
    }
    let mut notices = parsed.notices.clone();
    if !mapping.contains(&Field::Email) {
        notices.push("No column looks like email addresses. Choose which column holds them before importing.".to_owned());
    } else if parsed.has_header {
        if let Some(i) = mapping.iter().position(|f| *f == Field::Email) {
            if recognize(&parsed.headers[i]) != Field::Email {
                notices.push(format!(
                    "No header names the email addresses; the column “{}” holds them, so it is proposed.",
                    short(&parsed.headers[i])
                ));
            }
        }
    }
    match default_status {
        None => notices.push(
            "This is Mailchimp's export of nonsubscribed people: they never opted in, so they are imported without being put on the list as subscribed.".to_owned(),
        ),
        Some(status) if status != ConsentStatus::Subscribed => notices.push(format!(
            "This is Mailchimp's export of {} people: they are imported as {}, and anyone already here is marked so on every list.",
            status.as_str(),
            status.as_str()
        )),
        Some(_) => {}
    }
    if mapping.contains(&Field::Consent) {
        notices.push(
            "A consent column is read: only a yes puts someone on the list; no unsubscribes, and blank leaves them off.".to_owned(),
        );
    }
    Ok(ImportPreview {
        file_name: file_name.to_owned(),
        encoding: parsed.encoding.to_owned(),
        delimiter: delimiter_name(parsed.delimiter).to_owned(),
        source_kind: kind.to_owned(),
        has_header: parsed.has_header,
        rows: parsed.rows,
        default_status,
        columns: parsed
            .headers
            .iter()
            .enumerate()
            .map(|(i, h)| ColumnPreview {
                index: i as u32,
                header: if h.is_empty() {
                    format!("Column {}", i + 1)
                } else {
                    short(h)
                },
                field: mapping[i],
                samples: std::mem::take(&mut samples[i]),
                reading: reading_of(mapping[i], h, &answers[i]),
            })
            .collect(),
        notices,
    })
}

/// Reads a status cell, with the words other tools use: `Some(None)` is
/// “not subscribed” (pending, nonsubscribed), `None` a word Handbill does not know.
fn status_of(cell: &str) -> Option<Option<ConsentStatus>> {
    match cell.trim().to_lowercase().as_str() {
        "subscribed" | "subscriber" | "subscribe" | "yes" | "y" | "true" | "1" | "x" | "active"
        | "opted in" | "opt-in" | "optin" | "member" | "sí" | "si" | "suscrito" | "inscrit"
        | "abonné" | "oui" => Some(Some(ConsentStatus::Subscribed)),
        // Never opted in, or not confirmed yet: not on the list.
        "pending" | "unconfirmed" | "nonsubscribed" | "non-subscribed" | "transactional"
        | "archived" | "pendiente" | "en attente" => Some(None),
        "unsubscribed" | "unsubscribe" | "no" | "n" | "false" | "0" | "opted out" | "opt-out"
        | "optout" | "inactive" | "do not email" | "donotemail" | "non" | "desuscrito"
        | "désabonné" | "désinscrit" => Some(Some(ConsentStatus::Unsubscribed)),
        "bounced" | "bouncing" | "bounce" | "hard bounce" | "undeliverable" => {
            Some(Some(ConsentStatus::Bounced))
        }
        "cleaned" | "clean" => Some(Some(ConsentStatus::Cleaned)),
        "complained" | "spam complaint" | "spam" | "abuse" | "complaint" => {
            Some(Some(ConsentStatus::Complained))
        }
        _ => None,
    }
}

fn check_mapping(mapping: &[Field], headers: &[String]) -> Result<()> {
    if mapping.len() != headers.len() {
        return Err(Error::invalid_field(
            "mapping",
            format!(
                "The file has {} columns but {} were mapped. Look at the preview again.",
                headers.len(),
                mapping.len()
            ),
        ));
    }
    let emails = mapping.iter().filter(|f| **f == Field::Email).count();
    if emails == 0 {
        return Err(Error::invalid_field(
            "mapping",
            "Choose which column holds the email addresses.",
        ));
    }
    for field in [
        Field::Email,
        Field::Name,
        Field::FirstName,
        Field::LastName,
        Field::Language,
        Field::City,
        Field::PostalCode,
        Field::Status,
        Field::Consent,
    ] {
        let columns: Vec<&str> = mapping
            .iter()
            .zip(headers)
            .filter(|(f, _)| **f == field)
            .map(|(_, h)| h.as_str())
            .collect();
        if columns.len() > 1 {
            return Err(Error::invalid_field(
                "mapping",
                format!(
                    "Two columns are set to the same field ({}). Set one of them to “Ignore”.",
                    columns.join(" and ")
                ),
            ));
        }
    }
    Ok(())
}

/// What a column of evidence records.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Proof {
    /// Not evidence.
    None,
    /// The date of an opt-in (OPTIN_TIME, CONFIRM_TIME, a form's timestamp).
    OptInDate,
    /// The date of an opt-out (UNSUB_TIME, CLEAN_TIME).
    OptOutDate,
    /// Anything else kept (an IP, the date and campaign of an opt-out).
    Other,
}

/// One row's values, by field.
#[derive(Default)]
struct RowValues {
    input: SubscriberInput,
    last_name: String,
    /// What the status column says (`Some(None)`: not subscribed), if it says anything.
    status: Option<Option<ConsentStatus>>,
    /// What the consent column says, if there is one (blank: `Some(None)`).
    consent: Option<Option<ConsentStatus>>,
    /// The proof the row carries, as the ledger keeps it.
    evidence: String,
    /// The latest opt-in date the row carries (Unix seconds), 0 if none.
    opt_in_at: i64,
    /// The opt-out date the row carries (Unix seconds), 0 if none.
    opt_out_at: i64,
    warnings: Vec<String>,
}

/// Seconds since 1970 of a date as exports and forms write it:
/// `2024-05-01 14:03:22` (Mailchimp, UTC), ISO 8601 with `T` and a zone,
/// `5/1/2024 14:03:22` (Google Forms; day first when the first number is over 12).
fn date_seconds(cell: &str) -> Option<i64> {
    let cell = cell.trim();
    if let Ok(t) = cell.parse::<jiff::Timestamp>() {
        return Some(t.as_second());
    }
    let (date, time) = match cell.split_once([' ', 'T']) {
        Some((d, t)) => (d, t.trim()),
        None => (cell, ""),
    };
    let numbers: Vec<&str> = date.split(['-', '/', '.']).collect();
    if numbers.len() != 3
        || numbers
            .iter()
            .any(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n: Vec<i32> = numbers.iter().filter_map(|x| x.parse().ok()).collect();
    let (y, m, d) = if numbers[0].len() == 4 {
        (n[0], n[1], n[2])
    } else if n[0] > 12 {
        (n[2], n[1], n[0])
    } else {
        (n[2], n[0], n[1])
    };
    let mut hms = [0i32; 3];
    for (slot, part) in hms.iter_mut().zip(time.split(':')) {
        *slot = part.trim().parse().ok()?;
    }
    let civil = jiff::civil::DateTime::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
        i8::try_from(hms[0]).ok()?,
        i8::try_from(hms[1]).ok()?,
        i8::try_from(hms[2]).ok()?,
        0,
    )
    .ok()?;
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_second())
}

/// The Unix seconds of a timestamp the ledger or the suppression table wrote.
pub(crate) fn stored_seconds(at: &str) -> i64 {
    at.parse::<jiff::Timestamp>()
        .map_or(i64::MAX, |t| t.as_second())
}

fn row_values(
    record: &csv::StringRecord,
    mapping: &[Field],
    headers: &[String],
    proofs: &[Proof],
    skip: &[Field],
) -> std::result::Result<RowValues, String> {
    let mut v = RowValues::default();
    let mut tags: Vec<String> = Vec::new();
    let mut notes: Vec<&str> = Vec::new();
    for (i, cell) in record.iter().enumerate() {
        let field = mapping.get(i).copied().unwrap_or(Field::Ignore);
        if field == Field::Ignore || skip.contains(&field) {
            continue;
        }
        let limit = match field {
            Field::Notes => subscribers::MAX_NOTES,
            Field::Email => crate::email::MAX_EMAIL,
            _ => subscribers::MAX_FIELD,
        };
        // Counting bytes first keeps a megabyte cell cheap to refuse.
        if cell.len() > limit && cell.chars().count() > limit {
            let message = format!(
                "The “{}” cell is {} characters long; Handbill keeps at most {limit} there.",
                short(&headers[i]),
                cell.chars().count()
            );
            if field == Field::Email {
                return Err(message);
            }
            v.warnings.push(format!("{message} It was left out."));
            continue;
        }
        match field {
            Field::Email => v.input.email = cell.to_owned(),
            Field::Name => v.input.name = cell.to_owned(),
            Field::FirstName => v.input.first_name = cell.to_owned(),
            Field::LastName => v.last_name = cell.trim().to_owned(),
            Field::Language => {
                if subscribers::normalize_language(cell).is_some() {
                    v.input.language = cell.to_owned();
                } else {
                    v.warnings.push(format!(
                        "The language “{}” could not be read, so it was left out; set it by hand (a code such as en, es or ht).",
                        short(cell.trim())
                    ));
                }
            }
            Field::City => v.input.city = cell.to_owned(),
            Field::PostalCode => {
                let zip = cell.trim();
                if zip.len() == 4 && zip.bytes().all(|b| b.is_ascii_digit()) {
                    v.warnings.push(format!(
                        "The ZIP code “{zip}” has four digits: a spreadsheet may have dropped its leading zero (0{zip}). Check it."
                    ));
                }
                v.input.postal_code = cell.to_owned()
            }
            Field::Tags => tags.push(cell.to_owned()),
            Field::Notes => {
                if !cell.trim().is_empty() {
                    notes.push(cell.trim())
                }
            }
            Field::Status => {
                if !cell.trim().is_empty() {
                    v.status = Some(status_of(cell).ok_or_else(|| {
                        format!(
                            "The status “{}” is not one Handbill knows; use subscribed, unsubscribed, bounced, cleaned, complained or pending.",
                            short(cell.trim())
                        )
                    })?);
                }
            }
            Field::Consent => {
                let answer = consent_of(cell);
                if answer.is_none() {
                    v.warnings.push(format!(
                        "The answer “{}” to “{}” is neither yes nor no, so the person is not put on the list.",
                        short(cell.trim()),
                        short(&headers[i])
                    ));
                }
                v.consent = Some(answer.flatten());
                if !cell.trim().is_empty() {
                    push_evidence(&mut v.evidence, &headers[i], cell);
                }
            }
            Field::Evidence => {
                if !cell.trim().is_empty() {
                    push_evidence(&mut v.evidence, &headers[i], cell);
                    match proofs.get(i) {
                        Some(Proof::OptInDate) => {
                            if let Some(at) = date_seconds(cell) {
                                v.opt_in_at = v.opt_in_at.max(at);
                            }
                        }
                        Some(Proof::OptOutDate) => {
                            if let Some(at) = date_seconds(cell) {
                                v.opt_out_at = v.opt_out_at.max(at);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Field::Ignore => {}
        }
    }
    // Line breaks inside a quoted name cell become spaces; notes keep theirs.
    for value in [
        &mut v.input.name,
        &mut v.input.first_name,
        &mut v.input.city,
        &mut v.input.postal_code,
    ] {
        if value.contains(['\r', '\n', '\t']) {
            *value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        }
    }
    if v.input.name.trim().is_empty() {
        let joined = format!("{} {}", v.input.first_name.trim(), v.last_name)
            .trim()
            .to_owned();
        v.input.name = joined.split_whitespace().collect::<Vec<_>>().join(" ");
    } else if v.input.first_name.trim().is_empty() {
        // A greeting still has a name to use: the first word of the full name.
        if let Some(first) = v.input.name.split_whitespace().next() {
            v.input.first_name = first.to_owned();
        }
    }
    v.input.tags = tags;
    v.input.notes = notes.join("\n");
    Ok(v)
}

/// Adds one column's value to a row's evidence: `HEADER value; …`.
fn push_evidence(evidence: &mut String, header: &str, cell: &str) {
    if !evidence.is_empty() {
        evidence.push_str("; ");
    }
    evidence.push_str(&short(header));
    evidence.push_str(": ");
    evidence.push_str(&short(cell.trim()));
}

/// The fields that an existing subscriber has empty and the file fills in.
struct Existing {
    id: i64,
    name: String,
    first_name: String,
    language: String,
    city: String,
    postal_code: String,
    tags: Vec<String>,
    notes: String,
}

/// Imports a CSV file into a list, in one transaction. `progress` is called as
/// rows are read; setting `cancel` stops the import and writes nothing.
pub fn run(
    db: &Database,
    file_name: &str,
    bytes: &[u8],
    options: &ImportOptions,
    progress: &mut dyn FnMut(ImportProgress),
    cancel: &AtomicBool,
) -> Result<ImportReport> {
    let parsed = parse(bytes, Count::Estimate)?;
    let mapping = if options.mapping.is_empty() {
        detect_mapping(&parsed)
    } else {
        options.mapping.clone()
    };
    check_mapping(&mapping, &parsed.headers)?;
    let list = lists::get(db, options.list_id)?;
    let (_, default_status) = source_kind(&parsed.headers, file_name);

    let job_id = if options.dry_run {
        None
    } else {
        db.conn().execute(
            "INSERT INTO import_job (file_name, list_id, state, rows_total, started_at) VALUES (?1, ?2, 'running', ?3, ?4)",
            params![file_name, list.id, parsed.rows, now_text()],
        )?;
        Some(db.conn().last_insert_rowid())
    };
    let progress_id = job_id.unwrap_or(0);
    progress(ImportProgress {
        job_id: progress_id,
        rows_done: 0,
        rows_total: parsed.rows,
        phase: ImportPhase::Reading,
    });

    let outcome = (|| -> Result<Option<ImportReport>> {
        let _settings = ImportSettings::apply(db.conn())?;
        // Immediate: the import holds the database from its first read, so
        // the ids it gives new subscribers (after the last one in use) and
        // what it knows of who is already here stay true until it commits.
        // It waits for another writer at most START_WAIT, so a record left
        // 'running' for longer than that by a process that is gone can be
        // told from a live import ([`recover`]).
        db.conn().busy_timeout(START_WAIT)?;
        let begun = rusqlite::Transaction::new_unchecked(
            db.conn(),
            rusqlite::TransactionBehavior::Immediate,
        );
        db.conn().busy_timeout(crate::db::connection::BUSY_WAIT)?;
        let tx = begun.map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                Error::storage(format!(
                    "Another Handbill window or command was writing to the branch for {} s, so the import did not start and nothing was changed. Try again when it is done.",
                    START_WAIT.as_secs()
                ))
            }
            _ => e.into(),
        })?;
        let mut report = ImportReport {
            job_id,
            file_name: file_name.to_owned(),
            list_name: list.name.clone(),
            state: if options.dry_run {
                ImportState::DryRun
            } else {
                ImportState::Done
            },
            rows: 0,
            imported: 0,
            merged: 0,
            rejected: 0,
            kept_off: 0,
            not_subscribed: 0,
            warnings: 0,
            entries: Vec::with_capacity(parsed.rows as usize),
            entries_omitted: 0,
        };
        if !write_rows(
            db,
            &parsed,
            &mapping,
            default_status,
            list.id,
            file_name,
            &mut report,
            progress,
            cancel,
            progress_id,
        )? {
            return Ok(None);
        }
        // The estimate counts lines of spaces, which the import does not.
        if report.rows == 0 {
            return Err(no_rows());
        }
        progress(ImportProgress {
            job_id: progress_id,
            rows_done: report.rows,
            rows_total: parsed.rows,
            phase: ImportPhase::Saving,
        });
        if let Some(id) = job_id {
            db.conn().execute(
                "UPDATE import_job SET state = 'done', imported = ?2, merged = ?3, rejected = ?4, finished_at = ?5,
                        rows_total = ?6, message = ?7 WHERE id = ?1",
                params![id, report.imported, report.merged, report.rejected, now_text(), report.rows, summary(&report)],
            )?;
        }
        if options.dry_run {
            tx.rollback()?;
        } else {
            tx.commit()?;
        }
        Ok(Some(report))
    })();

    let finish = |state: &str, message: &str| -> Result<()> {
        if let Some(id) = job_id {
            db.conn().execute(
                "UPDATE import_job SET state = ?2, message = ?3, finished_at = ?4 WHERE id = ?1",
                params![id, state, message, now_text()],
            )?;
        }
        Ok(())
    };
    match outcome {
        Ok(Some(report)) => {
            progress(ImportProgress {
                job_id: progress_id,
                rows_done: report.rows,
                rows_total: parsed.rows,
                phase: ImportPhase::Finished,
            });
            Ok(report)
        }
        Ok(None) => {
            finish("cancelled", "Cancelled; nothing was saved.")?;
            Ok(ImportReport {
                job_id,
                file_name: file_name.to_owned(),
                list_name: list.name,
                state: ImportState::Cancelled,
                rows: 0,
                imported: 0,
                merged: 0,
                rejected: 0,
                kept_off: 0,
                not_subscribed: 0,
                warnings: 0,
                entries: Vec::new(),
                entries_omitted: 0,
            })
        }
        Err(e) => {
            finish("failed", &format!("{} Nothing was saved.", e.message))?;
            Err(e)
        }
    }
}

/// The page cache an import works in, in KiB (SQLite's negative `cache_size`).
/// The default 2 MiB makes a large import write pages out to the WAL before its
/// commit and read them back for every insert into an index keyed by address;
/// with room for the whole transaction, they are written once, at the commit.
/// Memory is taken only as pages are used; the usual size comes back after.
const IMPORT_CACHE_KIB: i64 = 256 * 1024;

/// The connection's settings for the length of an import: a page cache wide
/// enough for the whole transaction, no foreign key lookups, and no
/// checkpoint at its commit. The
/// commit puts the import in the write-ahead log, where every connection reads
/// it; copying the log into the database file (a checkpoint, which waits for
/// the disk) is left to [`checkpoint`], called once the organizer has the report.
struct ImportSettings<'c> {
    conn: &'c rusqlite::Connection,
    cache_before: i64,
    checkpoint_before: i64,
    foreign_keys_before: bool,
}

impl<'c> ImportSettings<'c> {
    fn apply(conn: &'c rusqlite::Connection) -> Result<ImportSettings<'c>> {
        let cache_before: i64 = conn.pragma_query_value(None, "cache_size", |r| r.get(0))?;
        let checkpoint_before: i64 =
            conn.pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))?;
        let foreign_keys_before: bool =
            conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
        conn.pragma_update(None, "cache_size", -IMPORT_CACHE_KIB)?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        // The import writes memberships and ledger lines only for the list it
        // was given (checked to exist) and for subscribers it has just written:
        // looking each one's list and subscriber up again cost a tenth of an
        // import. (This cannot be changed inside a transaction: the import's
        // starts after it, and the setting comes back after it ends.)
        conn.pragma_update(None, "foreign_keys", false)?;
        Ok(ImportSettings {
            conn,
            cache_before,
            checkpoint_before,
            foreign_keys_before,
        })
    }
}

impl Drop for ImportSettings<'_> {
    fn drop(&mut self) {
        // Only tuning: if this fails the connection keeps a larger cache, or
        // checkpoints when it closes instead of as it goes; nothing is lost.
        let _ = self
            .conn
            .pragma_update(None, "cache_size", self.cache_before);
        let _ = self
            .conn
            .pragma_update(None, "wal_autocheckpoint", self.checkpoint_before);
        let _ = self
            .conn
            .pragma_update(None, "foreign_keys", self.foreign_keys_before);
    }
}

/// Copies a finished import from the write-ahead log into the database file.
/// [`run`] leaves this out of the organizer's wait; the window calls it once
/// the report is shown. Without it, SQLite does the same at the next write or
/// when the last connection closes (as after the command line's import).
pub fn checkpoint(db: &Database) -> Result<()> {
    db.conn()
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
    Ok(())
}

/// One sentence for the job record and the command line.
pub fn summary(r: &ImportReport) -> String {
    let verb = match r.state {
        ImportState::Done => "",
        ImportState::DryRun => " (dry run: nothing was saved)",
        ImportState::Cancelled => " (cancelled: nothing was saved)",
    };
    let mut text = format!(
        "{} rows read from {} into {}: {} imported, {} merged, {} rejected{verb}.",
        r.rows, r.file_name, r.list_name, r.imported, r.merged, r.rejected
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

/// How many rows are read at a time. While one batch is checked, the rows
/// of the one before are settled and the rows of the one after are read.
const CHECK_BATCH: usize = 4096;
/// How many rows of a batch a thread checks before taking more.
const CHECK_CHUNK: usize = 256;

/// What checking one row by itself found, before it is compared with the
/// rows above it and with the database.
enum Checked {
    /// No cell has any text: not counted.
    Blank,
    Rejected {
        email: String,
        reason: String,
    },
    Valid(ValidRow),
}

/// A row that passed its own checks, its fields packed one after the other
/// in the text of the [`Checks`] it belongs to (in the order
/// [`NewRows::push`] takes them): checking a row leaves nothing to free on
/// another thread, and keeping a row allocates nothing.
struct ValidRow {
    at: bulk::Fields,
    /// The standing the row asks for; none: not put on the list.
    wanted: Option<ConsentStatus>,
    /// The latest dated opt-in the row carries (Unix seconds), 0 if none.
    opt_in_at: i64,
    /// The opt-out date the row carries (Unix seconds), 0 if none.
    opt_out_at: i64,
    /// Fields left out and cells to check.
    warnings: Vec<String>,
}

/// What checking a chunk of a batch found: one text for all its rows, kept
/// (with its room) from batch to batch.
#[derive(Default)]
struct Checks {
    text: String,
    rows: Vec<Checked>,
}

impl Checks {
    fn clear(&mut self) {
        self.text.clear();
        self.rows.clear();
    }

    fn valid(
        &mut self,
        clean: &subscribers::Clean,
        wanted: Option<ConsentStatus>,
        evidence: &str,
        opt_in_at: i64,
        opt_out_at: i64,
        warnings: Vec<String>,
    ) -> Checked {
        let c = &clean.input;
        let search = crate::db::search::search_text(&c.name, &c.first_name);
        let tags = serde_json::to_string(&c.tags).unwrap_or_else(|_| "[]".to_owned());
        let mut fields = [""; bulk::TEXT_FIELDS];
        fields[field::EMAIL] = &c.email;
        fields[field::KEY] = &clean.key;
        fields[field::NAME] = &c.name;
        fields[field::FIRST_NAME] = &c.first_name;
        fields[field::LANGUAGE] = &c.language;
        fields[field::CITY] = &c.city;
        fields[field::POSTAL_CODE] = &c.postal_code;
        fields[field::TAGS] = &tags;
        fields[field::NOTES] = &c.notes;
        fields[field::SEARCH] = &search;
        fields[field::EVIDENCE] = evidence;
        let at = bulk::Fields::append(&mut self.text, fields);
        Checked::Valid(ValidRow {
            at,
            wanted,
            opt_in_at,
            opt_out_at,
            warnings,
        })
    }

    fn field(&self, row: &ValidRow, i: usize) -> &str {
        row.at.get(&self.text, i)
    }

    fn fields(&self, row: &ValidRow) -> [&str; bulk::TEXT_FIELDS] {
        row.at.all(&self.text)
    }

    /// The row as the fields of a subscriber, for merging into one already here.
    fn clean(&self, row: &ValidRow) -> subscribers::Clean {
        let f = |i: usize| self.field(row, i).to_owned();
        subscribers::Clean {
            input: SubscriberInput {
                email: f(field::EMAIL),
                name: f(field::NAME),
                first_name: f(field::FIRST_NAME),
                language: f(field::LANGUAGE),
                city: f(field::CITY),
                postal_code: f(field::POSTAL_CODE),
                tags: serde_json::from_str(self.field(row, field::TAGS)).unwrap_or_default(),
                notes: f(field::NOTES),
            },
            key: f(field::KEY),
        }
    }
}

/// Rows read from the file, and what checking them found.
#[derive(Default)]
struct Batch {
    /// The rows read (the first `used` of them) and the line each begins on.
    records: Vec<csv::StringRecord>,
    lines: Vec<u32>,
    used: usize,
    /// What checking found, [`CHECK_CHUNK`] rows to a chunk, in order. A
    /// thread takes a chunk at a time, so two threads share a batch evenly
    /// whatever else each of them has to do.
    chunks: Vec<Mutex<Checks>>,
}

impl Batch {
    /// Reads up to [`CHECK_BATCH`] rows; says whether the file has more.
    fn read(
        &mut self,
        rdr: &mut csv::Reader<&[u8]>,
        lines: &mut LineCounter,
        data: &[u8],
    ) -> Result<bool> {
        self.used = 0;
        let mut more = true;
        while self.used < CHECK_BATCH {
            if self.used == self.records.len() {
                self.records.push(csv::StringRecord::new());
                self.lines.push(0);
            }
            let start = rdr.position().byte();
            match rdr.read_record(&mut self.records[self.used]) {
                Ok(false) => {
                    more = false;
                    break;
                }
                Ok(true) => {}
                Err(e) => return Err(csv_problem(&e)),
            }
            self.lines[self.used] = lines.record_at(data, start);
            self.used += 1;
        }
        let chunks = self.used.div_ceil(CHECK_CHUNK);
        if self.chunks.len() < chunks {
            self.chunks.resize_with(chunks, Default::default);
        }
        Ok(more)
    }

    /// Each row read (its line) with what checking it found.
    fn checked(&mut self) -> impl Iterator<Item = (u32, &Checks, &Checked)> {
        let chunks = self.used.div_ceil(CHECK_CHUNK);
        self.chunks[..chunks]
            .iter_mut()
            .map(|chunk| &*chunk.get_mut().unwrap_or_else(PoisonError::into_inner))
            .zip(self.lines[..self.used].chunks(CHECK_CHUNK))
            .flat_map(|(chunk, lines)| {
                lines
                    .iter()
                    .zip(&chunk.rows)
                    .map(move |(line, checked)| (*line, chunk, checked))
            })
    }
}

/// The checks each row gets on its own: cells, fields, address, and the
/// standing and proof it carries.
struct RowCheck<'a> {
    mapping: &'a [Field],
    headers: &'a [String],
    /// What each column of evidence records.
    proofs: Vec<Proof>,
    delimiter: u8,
    default_status: Option<ConsentStatus>,
}

impl RowCheck<'_> {
    /// Checks the rows of `batch` a chunk at a time, taking the next chunk
    /// no other thread has taken (`next` counts them), until none is left.
    fn chunks(&self, batch: &Batch, next: &AtomicUsize) {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(chunk) = batch.chunks.get(i) else {
                return;
            };
            let from = i * CHECK_CHUNK;
            if from >= batch.used {
                return;
            }
            let mut out = chunk.lock().unwrap_or_else(PoisonError::into_inner);
            out.clear();
            for record in &batch.records[from..batch.used.min(from + CHECK_CHUNK)] {
                let checked = self.row(record, &mut out);
                out.rows.push(checked);
            }
        }
    }

    fn row(&self, record: &csv::StringRecord, out: &mut Checks) -> Checked {
        if record.iter().all(|c| c.trim().is_empty()) {
            return Checked::Blank;
        }
        let typed_email = || {
            self.mapping
                .iter()
                .position(|f| *f == Field::Email)
                .and_then(|i| record.get(i))
                .unwrap_or("")
                .to_owned()
        };
        if record.len() > self.headers.len()
            && record
                .iter()
                .skip(self.headers.len())
                .any(|c| !c.trim().is_empty())
        {
            return Checked::Rejected {
                email: typed_email(),
                reason: format!(
                    "The row has {} cells but the header has {}: a quote or a {} may be missing or extra.",
                    record.len(),
                    self.headers.len(),
                    match self.delimiter {
                        b';' => "semicolon",
                        b'\t' => "tab",
                        _ => "comma",
                    }
                ),
            };
        }
        // A field that cannot be read is left out with a warning and the row
        // checked again without it; only the address can reject a row.
        let mut skip: Vec<Field> = Vec::new();
        let mut dropped: Vec<String> = Vec::new();
        loop {
            let values = match row_values(record, self.mapping, self.headers, &self.proofs, &skip) {
                Ok(v) => v,
                Err(reason) => {
                    return Checked::Rejected {
                        email: typed_email(),
                        reason,
                    }
                }
            };
            let typed = values.input.email.clone();
            let RowValues {
                input,
                status,
                consent,
                evidence,
                opt_in_at,
                opt_out_at,
                mut warnings,
                ..
            } = values;
            match subscribers::validate_clean(input) {
                Ok(clean) => {
                    // The file's standing, the status column's and the consent
                    // answer's: the most restrictive of those given wins.
                    let wanted = [Some(status.unwrap_or(self.default_status)), consent]
                        .into_iter()
                        .flatten()
                        .max_by_key(|w| restriction(*w))
                        .unwrap_or(self.default_status);
                    warnings.append(&mut dropped);
                    return out.valid(&clean, wanted, &evidence, opt_in_at, opt_out_at, warnings);
                }
                Err(e) => {
                    let fields: Vec<Field> =
                        e.fields.iter().map(|p| field_named(&p.field)).collect();
                    if fields
                        .iter()
                        .any(|f| *f == Field::Email || *f == Field::Ignore || skip.contains(f))
                    {
                        return Checked::Rejected {
                            email: typed,
                            reason: e
                                .fields
                                .iter()
                                .map(|p| match p.field.as_str() {
                                    "email" => p.message.clone(),
                                    other => format!(
                                        "{}: {}",
                                        column_name(other, self.mapping, self.headers),
                                        p.message
                                    ),
                                })
                                .collect::<Vec<_>>()
                                .join(" "),
                        };
                    }
                    for p in &e.fields {
                        dropped.push(format!(
                            "{} was left out: {}",
                            column_name(&p.field, self.mapping, self.headers),
                            p.message
                        ));
                    }
                    skip.extend(fields);
                }
            }
        }
    }
}

/// The addresses a query gives (its first column), each with what `value`
/// reads from its row.
fn keys<V: Copy>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
    value: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<V>,
) -> Result<KeyMap<V>> {
    let mut map = KeyMap::with_capacity(0);
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        let key = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
        map.insert_first(key, value(r)?);
    }
    Ok(map)
}

#[allow(clippy::too_many_arguments)]
fn write_rows(
    db: &Database,
    parsed: &Parsed,
    mapping: &[Field],
    default_status: Option<ConsentStatus>,
    list_id: i64,
    file_name: &str,
    report: &mut ImportReport,
    progress: &mut dyn FnMut(ImportProgress),
    cancel: &AtomicBool,
    progress_id: i64,
) -> Result<bool> {
    let conn = db.conn();
    let at = now_text();
    // Who is already here, and which addresses have a history on this list.
    let known: KeyMap<i64> = keys(conn, "SELECT email_key, id FROM subscriber", [], |r| {
        r.get(1)
    })?;
    let history: KeyMap<()> = keys(
        conn,
        "SELECT DISTINCT email_key FROM consent WHERE list_id = ?1 OR list_id IS NULL",
        [list_id],
        |_| Ok(()),
    )?;
    // New subscribers are written after every row is checked, in the order
    // of their address: the indexes keyed by address then grow at their end,
    // page after page, where rows in the file's order would land all over them.
    let mut fresh = NewRows::default();
    // The branch-wide opt-outs, by address and (for people forgotten) by hash.
    let read_suppression = |r: &rusqlite::Row<'_>| -> rusqlite::Result<(ConsentStatus, i64)> {
        let status: String = r.get(1)?;
        let since: String = r.get(2)?;
        Ok((
            ConsentStatus::parse(&status).unwrap_or(ConsentStatus::Unsubscribed),
            stored_seconds(&since),
        ))
    };
    let suppressed: KeyMap<(ConsentStatus, i64)> = keys(
        conn,
        "SELECT email_key, status, since FROM suppression WHERE email_key NOT LIKE 'sha256:%'",
        [],
        read_suppression,
    )?;
    let forgotten: KeyMap<(ConsentStatus, i64)> = keys(
        conn,
        "SELECT email_key, status, since FROM suppression WHERE email_key LIKE 'sha256:%'",
        [],
        read_suppression,
    )?;
    let salt: String = if forgotten.is_empty() {
        String::new()
    } else {
        conn.query_row("SELECT salt FROM consent_salt WHERE id = 1", [], |r| {
            r.get(0)
        })?
    };
    let suppression_of = |key: &str| {
        suppressed.get(key).or_else(|| {
            if forgotten.is_empty() {
                None
            } else {
                forgotten.get(&subscribers::forgotten_key(&salt, key))
            }
        })
    };
    // Each address met so far: its line, how restrictive its standing, and where it went.
    let mut seen_in_file: KeyMap<(u32, u8, Seen)> = KeyMap::with_capacity(parsed.rows as usize);
    let mut rdr = reader(&parsed.text[parsed.data_start as usize..], parsed.delimiter);
    let mut lines = LineCounter {
        pos: 0,
        line: parsed.data_line,
    };
    let data = &parsed.text.as_bytes()[parsed.data_start as usize..];
    let source_prefix = format!("Import of {file_name}");
    let check = RowCheck {
        mapping,
        headers: &parsed.headers,
        proofs: parsed
            .headers
            .iter()
            .zip(mapping)
            .map(|(h, f)| {
                if *f != Field::Evidence {
                    Proof::None
                } else if OPT_IN_DATES.contains(&fold_header(h).as_str()) {
                    Proof::OptInDate
                } else if OPT_OUT_DATES.contains(&fold_header(h).as_str()) {
                    Proof::OptOutDate
                } else {
                    Proof::Other
                }
            })
            .collect(),
        delimiter: parsed.delimiter,
        default_status,
    };
    // Rows are read a batch at a time. Each batch is checked by both
    // threads, a chunk at a time, while this one also settles the batch
    // before (what depends on the rows above it, duplicates, or on the
    // database, merging: row by row, in the file's order) and reads the
    // batch after.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut settle = |batch: &mut Batch| -> Result<bool> {
        for (line, chunk, checked) in batch.checked() {
            if matches!(checked, Checked::Blank) {
                continue;
            }
            report.rows += 1;
            if report.rows % PROGRESS_EVERY == 0 {
                if cancel.load(Ordering::Relaxed) {
                    return Ok(false);
                }
                progress(ImportProgress {
                    job_id: progress_id,
                    rows_done: report.rows,
                    rows_total: parsed.rows,
                    phase: ImportPhase::Checking,
                });
            }
            let Checked::Valid(row) = checked else {
                if let Checked::Rejected { email, reason } = checked {
                    report.rejected += 1;
                    report.entries.push(ReportRow {
                        line,
                        email: short(email.trim()),
                        outcome: RowOutcome::Rejected,
                        detail: reason.clone(),
                        warnings: Vec::new(),
                    });
                }
                continue;
            };
            let key = chunk.field(row, field::KEY);
            let email = chunk.field(row, field::EMAIL);
            let wanted = row.wanted;
            let warned = !row.warnings.is_empty();
            if warned {
                report.warnings += 1;
            }
            if let Some((first, strictness, place)) = seen_in_file.get(key) {
                // The same person again: the most restrictive standing wins.
                let stricter = match wanted {
                    Some(off) if off.is_opt_out() && off.restriction() > strictness => Some(off),
                    _ => None,
                };
                let Some(off) = stricter else {
                    report.rejected += 1;
                    report.entries.push(ReportRow {
                        line,
                        email: short(email),
                        outcome: RowOutcome::Rejected,
                        detail: format!(
                            "Duplicate: the same address is on line {first} of this file."
                        ),
                        warnings: row.warnings.clone(),
                    });
                    continue;
                };
                match place {
                    Seen::Fresh(at) => fresh.restrict(at, off, line),
                    Seen::Merged(id) => {
                        let source = format!("{source_prefix}, line {line}");
                        let clean = chunk.clean(row);
                        merge(
                            db,
                            id,
                            &clean,
                            list_id,
                            &Wish {
                                wanted,
                                opt_in_at: 0,
                                opt_out_at: row.opt_out_at,
                                suppressed: None,
                            },
                            &source,
                            &evidence_of(file_name, line, chunk.field(row, field::EVIDENCE)),
                            &at,
                            report,
                        )?;
                    }
                }
                seen_in_file.set(key, (first, off.restriction(), place));
                report.merged += 1;
                report.entries.push(ReportRow {
                    line,
                    email: email.to_owned(),
                    outcome: RowOutcome::Merged,
                    detail: format!(
                        "Same address as line {first}: the more restrictive standing ({}) is kept.",
                        off.as_str()
                    ),
                    warnings: row.warnings.clone(),
                });
                continue;
            }
            match known.get(key) {
                None => {
                    let (status, suppress, detail) = match wanted {
                        Some(ConsentStatus::Subscribed) => match suppression_of(key) {
                            Some((_, since)) if row.opt_in_at > since => {
                                // A dated opt-in newer than the opt-out: the person came back.
                                subscribers::lift_suppression(db, key)?;
                                (wanted, false, format!(
                                    "Opted in again: the row's opt-in ({}) is newer than their opt-out, which it lifts.",
                                    seconds_text(row.opt_in_at)
                                ))
                            }
                            Some((off, _)) => {
                                report.kept_off += 1;
                                (Some(off), true, format!(
                                    "Opted out of the branch's mail ({}) and stays off every list: only a newer opt-in with evidence brings someone back.",
                                    off.as_str()
                                ))
                            }
                            None => {
                                // Unless the ledger remembers them leaving this list only.
                                let remembered = if history.get(key).is_some() {
                                    subscribers::ledger_status(db, key, list_id)?
                                        .filter(|s| s.is_opt_out())
                                } else {
                                    None
                                };
                                match remembered {
                                    Some(left) => {
                                        report.kept_off += 1;
                                        (Some(left), false, format!("Had left the list ({}) and stays off it: an import never resubscribes.", left.as_str()))
                                    }
                                    None => (wanted, false, String::new()),
                                }
                            }
                        },
                        None => {
                            report.not_subscribed += 1;
                            (None, false, "Imported without being put on the list: the file gives no opt-in (a blank or missing consent answer, pending, or never subscribed).".to_owned())
                        }
                        Some(off) => (
                            Some(off),
                            true,
                            format!("Imported as {}; this covers every list.", off.as_str()),
                        ),
                    };
                    // Later rows with this address are duplicates within the
                    // file (`seen_in_file`), so it need not go into `known`.
                    report.imported += 1;
                    let at_row =
                        fresh.push(chunk.fields(row), status, suppress, row.opt_out_at, line);
                    seen_in_file
                        .insert_first(key, (line, restriction(status), Seen::Fresh(at_row)));
                    report.entries.push(ReportRow {
                        line,
                        email: email.to_owned(),
                        outcome: RowOutcome::Imported,
                        detail,
                        warnings: row.warnings.clone(),
                    });
                }
                Some(id) => {
                    let source = format!("{source_prefix}, line {line}");
                    let clean = chunk.clean(row);
                    let wish = Wish {
                        wanted,
                        opt_in_at: row.opt_in_at,
                        opt_out_at: row.opt_out_at,
                        suppressed: suppressed.get(key),
                    };
                    let evidence = evidence_of(file_name, line, chunk.field(row, field::EVIDENCE));
                    let detail = merge(
                        db, id, &clean, list_id, &wish, &source, &evidence, &at, report,
                    )?;
                    seen_in_file.insert_first(key, (line, restriction(wanted), Seen::Merged(id)));
                    report.merged += 1;
                    report.entries.push(ReportRow {
                        line,
                        email: clean.input.email,
                        outcome: RowOutcome::Merged,
                        detail,
                        warnings: row.warnings.clone(),
                    });
                }
            }
        }
        Ok(true)
    };
    let mut batches: [Batch; 2] = Default::default();
    let mut more = batches[0].read(&mut rdr, &mut lines, data)?;
    // The batch being checked, and the one whose checks are to be settled.
    let mut checking = (batches[0].used > 0).then_some(0);
    let mut pending: Option<usize> = None;
    while let Some(slot) = checking.or(pending.map(|p| 1 - p)) {
        let [first, second] = &mut batches;
        let (to_check, other) = if slot == 0 {
            (&*first, second)
        } else {
            (&*second, first)
        };
        // Nothing to check once the last batch is (only its settling is left).
        let to_check = checking.map(|_| to_check);
        let next_chunk = AtomicUsize::new(0);
        let mut read_next = false;
        let step = std::thread::scope(|scope| -> Result<bool> {
            let helper = to_check
                .filter(|batch| threads > 1 && batch.used > CHECK_CHUNK)
                .map(|batch| scope.spawn(|| check.chunks(batch, &next_chunk)));
            let mut go_on = match pending {
                Some(_) => settle(other),
                None => Ok(true),
            };
            if matches!(go_on, Ok(true)) && more && to_check.is_some() {
                match other.read(&mut rdr, &mut lines, data) {
                    Ok(more_after) => {
                        more = more_after;
                        read_next = true;
                    }
                    Err(e) => go_on = Err(e),
                }
            }
            if let Some(batch) = to_check {
                check.chunks(batch, &next_chunk);
            }
            if let Some(helper) = helper {
                if let Err(panic) = helper.join() {
                    std::panic::resume_unwind(panic);
                }
            }
            go_on
        });
        if !step? {
            return Ok(false);
        }
        pending = checking;
        checking = (read_next && batches[1 - slot].used > 0).then_some(1 - slot);
    }
    write_new(
        db,
        fresh,
        list_id,
        file_name,
        &at,
        progress,
        cancel,
        progress_id,
    )
}

/// Where a row's person went, for a later row naming them again.
#[derive(Clone, Copy)]
enum Seen {
    Fresh(bulk::RowAt),
    Merged(i64),
}

/// What a row asks of an existing subscriber's standing.
struct Wish {
    wanted: Option<ConsentStatus>,
    /// The row's latest dated opt-in (Unix seconds), 0 if none.
    opt_in_at: i64,
    /// The row's date of the opt-out it records (Unix seconds), 0 if none.
    opt_out_at: i64,
    /// The address's branch-wide opt-out and its date, if any.
    suppressed: Option<(ConsentStatus, i64)>,
}

/// The evidence of a row as the ledger keeps it: the file and line, then the proof it carries.
fn evidence_of(file_name: &str, line: u32, proof: &str) -> String {
    if proof.is_empty() {
        format!("{file_name}, line {line}")
    } else {
        format!("{file_name}, line {line}; {proof}")
    }
}

/// A date in Unix seconds as the report shows it.
fn seconds_text(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).map_or_else(|_| seconds.to_string(), |t| t.to_string())
}

/// How many new subscribers one statement writes: the progress bar moves,
/// and a cancel is heard, between parts.
const WRITE_PART: usize = 5000;

/// Writes the new subscribers, their memberships and their ledger lines,
/// sorted by address, a part at a time. Returns false when cancelled.
///
/// The other thread sorts the rows and copies each part, in order, into a
/// block of its own while this one writes the part before: the statements
/// then read each row's fields from where the one before ended, instead of
/// from wherever in megabytes of rows it was checked.
#[allow(clippy::too_many_arguments)]
fn write_new(
    db: &Database,
    fresh: NewRows,
    list_id: i64,
    file_name: &str,
    at: &str,
    progress: &mut dyn FnMut(ImportProgress),
    cancel: &AtomicBool,
    progress_id: i64,
) -> Result<bool> {
    let conn = db.conn();
    bulk::register(conn)?;
    // Ids are given in the order of the addresses, after the last one in use
    // (the transaction holds the database: nobody else writes meanwhile).
    let last: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM subscriber", [], |r| {
        r.get(0)
    })?;
    let total = fresh.len();
    let mut insert_subscriber = conn.prepare(
        "INSERT INTO subscriber (id, email, email_key, name, first_name, language, city, postal_code, tags, notes,
                                 search, created_at, updated_at)
         SELECT id, email, email_key, name, first_name, language, city, postal_code, tags, notes, search, ?2, ?2
           FROM import_rows(?1)",
    )?;
    // Opt-outs first: the membership of someone suppressed is never subscribed.
    // An opt-out dates from when the file says it happened (UNSUB_TIME,
    // CLEAN_TIME), else from now: a later dated opt-in is compared with it.
    let mut insert_suppression = conn.prepare(
        "INSERT INTO suppression (email_key, status, since, source)
         SELECT email_key, status,
                CASE WHEN opted_out_at > 0 THEN strftime('%Y-%m-%dT%H:%M:%SZ', opted_out_at, 'unixepoch') ELSE ?2 END,
                ?3 || ', line ' || line
           FROM import_rows(?1) WHERE suppress
         ON CONFLICT (email_key) DO NOTHING",
    )?;
    // People the file gives no opt-in (status '') are not put on the list.
    let mut insert_membership = conn.prepare(
        "INSERT INTO membership (list_id, subscriber_id, status, since)
         SELECT ?2, id, status, ?3 FROM import_rows(?1) WHERE status <> ''",
    )?;
    let mut insert_consent = conn.prepare(
        "INSERT INTO consent (email_key, list_id, status, source, at, evidence)
         SELECT email_key, ?2, status, ?3 || ', line ' || line, ?4,
                CASE WHEN evidence <> '' THEN ?5 || ', line ' || line || '; ' || evidence ELSE '' END
           FROM import_rows(?1) WHERE status <> ''",
    )?;
    let source_prefix = format!("Import of {file_name}");
    // A few blocks ahead at most: the sorting waits for the writing rather
    // than copying every row before the first is written.
    let (blocks_out, blocks) = std::sync::mpsc::sync_channel::<bulk::Block>(2);
    std::thread::scope(|scope| -> Result<bool> {
        let sorting = scope.spawn(move || {
            fresh.into_blocks(last + 1, WRITE_PART, |block| blocks_out.send(block).is_ok())
        });
        let mut written = 0;
        let outcome = (|| -> Result<bool> {
            for block in blocks.iter() {
                if cancel.load(Ordering::Relaxed) {
                    return Ok(false);
                }
                progress(ImportProgress {
                    job_id: progress_id,
                    rows_done: written as u32,
                    rows_total: total as u32,
                    phase: ImportPhase::Writing,
                });
                written += block.len();
                let block = Rc::new(block);
                let part = || bulk::Rows(block.clone());
                insert_subscriber.execute(params![part(), at])?;
                if block.suppresses() {
                    insert_suppression.execute(params![part(), at, source_prefix])?;
                }
                insert_membership.execute(params![part(), list_id, at])?;
                insert_consent.execute(params![part(), list_id, source_prefix, at, file_name])?;
            }
            Ok(true)
        })();
        // Stopping early lets go of the channel, which stops the sorting.
        drop(blocks);
        if let Err(panic) = sorting.join() {
            std::panic::resume_unwind(panic);
        }
        outcome
    })
}

/// How strongly a standing read from a file keeps mail away: not subscribed
/// is between subscribed and every opt-out.
fn restriction(wanted: Option<ConsentStatus>) -> u8 {
    wanted.map_or(1, ConsentStatus::restriction)
}

/// The field a validation problem names.
fn field_named(field: &str) -> Field {
    match field {
        "email" => Field::Email,
        "name" => Field::Name,
        "first_name" => Field::FirstName,
        "language" => Field::Language,
        "city" => Field::City,
        "postal_code" => Field::PostalCode,
        "tags" => Field::Tags,
        "notes" => Field::Notes,
        _ => Field::Ignore,
    }
}

fn column_name(field: &str, mapping: &[Field], headers: &[String]) -> String {
    let wanted = field_named(field);
    mapping
        .iter()
        .position(|f| *f == wanted)
        .and_then(|i| headers.get(i))
        .map(|h| format!("“{}”", short(h)))
        .unwrap_or_else(|| field.replace('_', " "))
}

/// Fills in what an existing subscriber lacks and applies the file's standing
/// only when it moves away from mailing them, or when the row carries a dated
/// opt-in newer than their branch-wide opt-out. Returns what changed, in words.
#[allow(clippy::too_many_arguments)]
fn merge(
    db: &Database,
    id: i64,
    clean: &subscribers::Clean,
    list_id: i64,
    wish: &Wish,
    source: &str,
    evidence: &str,
    at: &str,
    report: &mut ImportReport,
) -> Result<String> {
    let conn = db.conn();
    let existing = conn
        .prepare_cached("SELECT id, name, first_name, language, city, postal_code, tags, notes FROM subscriber WHERE id = ?1")?
        .query_row([id], |r| {
            let tags: String = r.get(6)?;
            Ok(Existing {
                id: r.get(0)?,
                name: r.get(1)?,
                first_name: r.get(2)?,
                language: r.get(3)?,
                city: r.get(4)?,
                postal_code: r.get(5)?,
                tags: serde_json::from_str(&tags).unwrap_or_default(),
                notes: r.get(7)?,
            })
        })?;
    let c = &clean.input;
    let mut filled = Vec::new();
    let mut fill = |have: &str, new: &str, label: &'static str| -> String {
        if have.is_empty() && !new.is_empty() {
            filled.push(label);
            new.to_owned()
        } else {
            have.to_owned()
        }
    };
    let name = fill(&existing.name, &c.name, "name");
    let first_name = fill(&existing.first_name, &c.first_name, "first name");
    let language = fill(&existing.language, &c.language, "language");
    let city = fill(&existing.city, &c.city, "city");
    let postal_code = fill(&existing.postal_code, &c.postal_code, "ZIP");
    let notes = fill(&existing.notes, &c.notes, "notes");
    let before = existing.tags.len();
    let tags = subscribers::clean_tags(existing.tags.iter().cloned().chain(c.tags.iter().cloned()));
    if tags.len() > before {
        filled.push("tags");
    }
    if !filled.is_empty() {
        conn.prepare_cached(
            "UPDATE subscriber SET name = ?2, first_name = ?3, language = ?4, city = ?5, postal_code = ?6, tags = ?7,
                    notes = ?8, updated_at = ?9 WHERE id = ?1",
        )?
        .execute(params![existing.id, name, first_name, language, city, postal_code,
            serde_json::to_string(&tags).unwrap_or_else(|_| "[]".to_owned()), notes, at])?;
        if name != existing.name || first_name != existing.first_name {
            subscribers::index_for_search(db, id, &name, &first_name)?;
        }
    }
    let mut words = if filled.is_empty() {
        "Already a subscriber; nothing new to fill in.".to_owned()
    } else {
        format!("Already a subscriber; filled in {}.", filled.join(", "))
    };
    let current: Option<(ConsentStatus, String)> = conn
        .prepare_cached(
            "SELECT status, since FROM membership WHERE list_id = ?1 AND subscriber_id = ?2",
        )?
        .query_row(params![list_id, id], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?))
        })
        .optional()?
        .and_then(|(s, since)| ConsentStatus::parse(&s).map(|s| (s, since)));
    let key = &clean.key;
    let change = |status: ConsentStatus, scope: subscribers::OptOutScope| {
        subscribers::change_standing(db, id, key, list_id, status, scope, source, evidence, at)
    };
    match wish.wanted {
        None => {
            if current.is_none() {
                report.not_subscribed += 1;
                words.push_str(" Not put on the list: the file gives no opt-in (a blank or missing consent answer, pending, or never subscribed).");
            }
        }
        Some(ConsentStatus::Subscribed) => match (wish.suppressed, &current) {
            (Some((_, since)), _) if wish.opt_in_at > since => {
                subscribers::lift_suppression(db, key)?;
                change(ConsentStatus::Subscribed, subscribers::OptOutScope::Branch)?;
                words.push_str(&format!(
                    " Opted in again: the row's opt-in ({}) is newer than their opt-out, which it lifts.",
                    seconds_text(wish.opt_in_at)
                ));
            }
            (Some((off, _)), current) => {
                report.kept_off += 1;
                match current {
                    Some((here, since)) if here.is_opt_out() => words.push_str(&format!(
                        " Stays {} (since {}): an import never resubscribes anyone, and the opt-out covers every list.",
                        here.as_str(),
                        since.get(..10).unwrap_or(since)
                    )),
                    _ => {
                        change(off, subscribers::OptOutScope::Branch)?;
                        words.push_str(&format!(
                            " Opted out of the branch's mail ({}) and stays off every list: only a newer opt-in with evidence brings someone back.",
                            off.as_str()
                        ));
                    }
                }
            }
            (None, None) => {
                let remembered =
                    subscribers::ledger_status(db, key, list_id)?.filter(|s| s.is_opt_out());
                match remembered {
                    Some(left) => {
                        report.kept_off += 1;
                        words.push_str(&format!(
                            " Had left this list ({}) and stays off it.",
                            left.as_str()
                        ));
                        change(left, subscribers::OptOutScope::OnlyThisList)?;
                    }
                    None => {
                        words.push_str(" Added to the list as subscribed.");
                        change(ConsentStatus::Subscribed, subscribers::OptOutScope::Branch)?;
                    }
                }
            }
            (None, Some((status, since))) if status.is_opt_out() => {
                report.kept_off += 1;
                words.push_str(&format!(
                    " Stays {} (since {}): an import never resubscribes anyone.",
                    status.as_str(),
                    since.get(..10).unwrap_or(since)
                ));
            }
            (None, Some(_)) => {}
        },
        Some(off) => {
            let stricter_here = current
                .as_ref()
                .filter(|(s, _)| s.is_opt_out() && s.restriction() >= off.restriction())
                .map(|(s, _)| *s);
            match stricter_here {
                // Already off this list as strictly: the opt-out still covers every list.
                Some(here) => {
                    change(here, subscribers::OptOutScope::Branch)?;
                }
                None => {
                    change(off, subscribers::OptOutScope::Branch)?;
                    words.push_str(&format!(
                        " Now {} on every list, as the file says.",
                        off.as_str()
                    ));
                }
            }
            if wish.opt_out_at > 0 && wish.suppressed.is_none() {
                // The opt-out written just now dates from when the file says it happened.
                conn.prepare_cached(
                    "UPDATE suppression SET since = strftime('%Y-%m-%dT%H:%M:%SZ', ?2, 'unixepoch')
                     WHERE email_key = ?1 AND since = ?3",
                )?
                .execute(params![key, wish.opt_out_at, at])?;
            }
        }
    }
    Ok(words)
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

/// Reads a subscriber CSV file from outside (only a regular file, of at most
/// [`MAX_FILE_BYTES`]: see [`crate::db::outside`]).
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    crate::db::outside::read(
        path,
        crate::db::outside::Kind {
            field: "file",
            what: "CSV file",
            limit: MAX_FILE_BYTES as u64,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::estimate_rows;

    #[test]
    fn the_progress_estimate_counts_lines_with_text_and_not_breaks_in_quotes() {
        assert_eq!(estimate_rows(b""), 0);
        assert_eq!(
            estimate_rows(b"\r\n"),
            0,
            "the break the header's reading left"
        );
        assert_eq!(
            estimate_rows(b"\na@example.org,Ana\r\nb@example.org,Ben"),
            2
        );
        assert_eq!(
            estimate_rows(b"a@example.org,\"two\r\nlines\"\rb@example.org,x\n\n\n"),
            2
        );
    }
}
