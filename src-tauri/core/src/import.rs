//! Importing subscribers from CSV: sign-up sheets typed into a spreadsheet and
//! exports from Mailchimp or Action Network. It owns reading the file (UTF-8
//! with or without BOM, UTF-16, Latin-1; comma, semicolon or tab; quoted cells
//! with line breaks), recognizing the columns, the preview shown before
//! anything is written, and the import itself: one transaction, every row
//! imported, merged or rejected with its line number and reason, and consent
//! that never goes backwards (an import never resubscribes anyone who left).

use std::collections::HashSet;
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::bulk::{self, field, KeyMap, NewRows};
use crate::error::{Error, Result};
use crate::lists::{self, now};
use crate::storage::Database;
use crate::subscribers::{self, short, ConsentStatus, SubscriberInput};

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
    /// subscribed, unsubscribed, bounced or cleaned (and their usual synonyms).
    Status,
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
    /// The standing rows get when the file has no status column.
    pub default_status: ConsentStatus,
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
        .any(|c| subscribers::normalize_email(c).is_ok());
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

/// What a header names, from the usual columns of Mailchimp (“Email Address”,
/// “First Name”, “TAGS”), Action Network (`email`, `zip_code`,
/// `can2_user_city`) and hand-made sheets (“E-mail”, “Nombre”, “Zip”).
pub fn recognize(header: &str) -> Field {
    let squashed: String = header
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let h = squashed.strip_prefix("can2").unwrap_or(&squashed);
    let h = h.strip_prefix("user").unwrap_or(h);
    match h {
        "email" | "emailaddress" | "email1" | "mail" | "emails" | "youremail" | "correo"
        | "correoelectronico" | "courriel" | "primaryemail" | "personalemail" | "address1email" => {
            Field::Email
        }
        "name" | "fullname" | "yourname" | "nombrecompleto" | "displayname" | "contactname" => {
            Field::Name
        }
        "firstname" | "first" | "givenname" | "fname" | "nombre" | "prenom" | "forename" => {
            Field::FirstName
        }
        "lastname" | "last" | "surname" | "familyname" | "lname" | "apellido" | "apellidos"
        | "nom" => Field::LastName,
        "language" | "lang" | "preferredlanguage" | "idioma" | "langue" | "locale" => {
            Field::Language
        }
        "city" | "town" | "ciudad" | "ville" | "addresscity" | "locality" => Field::City,
        "zip" | "zipcode" | "postalcode" | "postcode" | "zippostalcode" | "postal"
        | "codigopostal" | "cp" | "addresszip" | "addresspostalcode" => Field::PostalCode,
        "tags" | "tag" | "groups" | "etiquetas" => Field::Tags,
        "notes" | "note" | "comments" | "comment" | "notas" => Field::Notes,
        "status" | "subscriptionstatus" | "emailstatus" | "subscribed" | "optin" | "emailoptin" => {
            Field::Status
        }
        _ => Field::Ignore,
    }
}

/// Which tool made the file, and the standing its rows have when no column says.
fn source_kind(headers: &[String]) -> (&'static str, ConsentStatus) {
    let has = |name: &str| headers.iter().any(|h| h.eq_ignore_ascii_case(name));
    let status = if has("UNSUB_TIME") {
        ConsentStatus::Unsubscribed
    } else if has("CLEAN_TIME") {
        ConsentStatus::Cleaned
    } else {
        ConsentStatus::Subscribed
    };
    if [
        "MEMBER_RATING",
        "LEID",
        "EUID",
        "OPTIN_TIME",
        "UNSUB_TIME",
        "CLEAN_TIME",
    ]
    .iter()
    .any(|h| has(h))
    {
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

/// Guesses the email column of a headerless file from its first row.
fn detect_mapping(parsed: &Parsed) -> Vec<Field> {
    if parsed.has_header {
        let mut seen = HashSet::new();
        return parsed
            .headers
            .iter()
            .map(|h| {
                let field = recognize(h);
                // A second column of the same single-valued field is left out; the organizer may choose.
                if matches!(field, Field::Tags | Field::Notes | Field::Ignore) || seen.insert(field)
                {
                    field
                } else {
                    Field::Ignore
                }
            })
            .collect();
    }
    let mut rdr = reader(&parsed.text[parsed.data_start as usize..], parsed.delimiter);
    let mut record = csv::StringRecord::new();
    let mut mapping = vec![Field::Ignore; parsed.headers.len()];
    if let Ok(true) = rdr.read_record(&mut record) {
        if let Some(i) = record
            .iter()
            .position(|c| subscribers::normalize_email(c).is_ok())
        {
            if i < mapping.len() {
                mapping[i] = Field::Email;
            }
        }
    }
    mapping
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
    let (kind, default_status) = source_kind(&parsed.headers);
    let mut samples: Vec<Vec<String>> = vec![Vec::new(); parsed.headers.len()];
    let mut rdr = reader(&parsed.text[parsed.data_start as usize..], parsed.delimiter);
    let mut record = csv::StringRecord::new();
    let mut looked = 0;
    while looked < 200 && samples.iter().any(|s| s.len() < SAMPLES) {
        match rdr.read_record(&mut record) {
            Ok(true) => {
                looked += 1;
                for (i, cell) in record.iter().enumerate().take(samples.len()) {
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
    }
    if default_status != ConsentStatus::Subscribed {
        notices.push(format!(
            "This is Mailchimp's export of {} people: they are imported as {}, and anyone already here is marked so.",
            default_status.as_str(),
            default_status.as_str()
        ));
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
            })
            .collect(),
        notices,
    })
}

/// Reads a status cell, with the words other tools use.
fn status_of(cell: &str) -> Option<ConsentStatus> {
    match cell.trim().to_lowercase().as_str() {
        "subscribed" | "subscriber" | "subscribe" | "yes" | "y" | "true" | "1" | "x" | "active"
        | "opted in" | "opt-in" | "optin" | "member" | "pending" | "sí" | "si" => {
            Some(ConsentStatus::Subscribed)
        }
        "unsubscribed" | "unsubscribe" | "no" | "n" | "false" | "0" | "opted out" | "opt-out"
        | "optout" | "inactive" | "spam complaint" | "complained" | "do not email"
        | "donotemail" => Some(ConsentStatus::Unsubscribed),
        "bounced" | "bouncing" | "bounce" | "hard bounce" | "undeliverable" => {
            Some(ConsentStatus::Bounced)
        }
        "cleaned" | "clean" => Some(ConsentStatus::Cleaned),
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

/// One row's values, by field.
#[derive(Default)]
struct RowValues {
    input: SubscriberInput,
    last_name: String,
    status: Option<ConsentStatus>,
}

fn row_values(
    record: &csv::StringRecord,
    mapping: &[Field],
    headers: &[String],
) -> std::result::Result<RowValues, String> {
    let mut v = RowValues::default();
    let mut tags: Vec<String> = Vec::new();
    let mut notes: Vec<&str> = Vec::new();
    for (i, cell) in record.iter().enumerate() {
        let field = mapping.get(i).copied().unwrap_or(Field::Ignore);
        if field == Field::Ignore {
            continue;
        }
        let limit = if field == Field::Notes {
            subscribers::MAX_NOTES
        } else {
            subscribers::MAX_FIELD.max(subscribers::MAX_EMAIL)
        };
        // Counting bytes first keeps a megabyte cell cheap to refuse.
        if cell.len() > limit && cell.chars().count() > limit {
            return Err(format!(
                "The “{}” cell is {} characters long; Handbill keeps at most {limit} there.",
                short(&headers[i]),
                cell.chars().count()
            ));
        }
        match field {
            Field::Email => v.input.email = cell.to_owned(),
            Field::Name => v.input.name = cell.to_owned(),
            Field::FirstName => v.input.first_name = cell.to_owned(),
            Field::LastName => v.last_name = cell.trim().to_owned(),
            Field::Language => v.input.language = cell.to_owned(),
            Field::City => v.input.city = cell.to_owned(),
            Field::PostalCode => v.input.postal_code = cell.to_owned(),
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
                            "The status “{}” is not one Handbill knows; use subscribed, unsubscribed, bounced or cleaned.",
                            short(cell.trim())
                        )
                    })?);
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
    }
    v.input.tags = tags;
    v.input.notes = notes.join("\n");
    Ok(v)
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
    let (_, default_status) = source_kind(&parsed.headers);

    let job_id = if options.dry_run {
        None
    } else {
        db.conn().execute(
            "INSERT INTO import_job (file_name, list_id, state, rows_total, started_at) VALUES (?1, ?2, 'running', ?3, ?4)",
            params![file_name, list.id, parsed.rows, now()],
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
        let tx = rusqlite::Transaction::new_unchecked(
            db.conn(),
            rusqlite::TransactionBehavior::Immediate,
        )?;
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
                params![id, report.imported, report.merged, report.rejected, now(), report.rows, summary(&report)],
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
                params![id, state, message, now()],
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
    wanted: ConsentStatus,
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

    fn valid(&mut self, clean: &subscribers::Clean, wanted: ConsentStatus) -> Checked {
        let c = &clean.input;
        let search = subscribers::search_text(&c.name, &c.first_name);
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
        let at = bulk::Fields::append(&mut self.text, fields);
        Checked::Valid(ValidRow { at, wanted })
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

/// The checks each row gets on its own: cells, fields, address.
struct RowCheck<'a> {
    mapping: &'a [Field],
    headers: &'a [String],
    delimiter: u8,
    default_status: ConsentStatus,
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
        let values = match row_values(record, self.mapping, self.headers) {
            Ok(v) => v,
            Err(reason) => {
                return Checked::Rejected {
                    email: typed_email(),
                    reason,
                }
            }
        };
        let typed = values.input.email.clone();
        match subscribers::validate_clean(values.input) {
            Ok(clean) => out.valid(&clean, values.status.unwrap_or(self.default_status)),
            Err(e) => Checked::Rejected {
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
            },
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
    default_status: ConsentStatus,
    list_id: i64,
    file_name: &str,
    report: &mut ImportReport,
    progress: &mut dyn FnMut(ImportProgress),
    cancel: &AtomicBool,
    progress_id: i64,
) -> Result<bool> {
    let conn = db.conn();
    let at = now();
    // Who is already here, and which addresses have a history on this list.
    let known: KeyMap<i64> = keys(conn, "SELECT email_key, id FROM subscriber", [], |r| {
        r.get(1)
    })?;
    let history: KeyMap<()> = keys(
        conn,
        "SELECT DISTINCT email_key FROM consent WHERE list_id = ?1",
        [list_id],
        |_| Ok(()),
    )?;
    // New subscribers are written after every row is checked, in the order
    // of their address: the indexes keyed by address then grow at their end,
    // page after page, where rows in the file's order would land all over them.
    let mut fresh = NewRows::default();
    let mut seen_in_file: KeyMap<u32> = KeyMap::with_capacity(parsed.rows as usize);
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
                    });
                }
                continue;
            };
            let key = chunk.field(row, field::KEY);
            let email = chunk.field(row, field::EMAIL);
            if let Some(first) = seen_in_file.insert_first(key, line) {
                report.rejected += 1;
                report.entries.push(ReportRow {
                    line,
                    email: short(email),
                    outcome: RowOutcome::Rejected,
                    detail: format!("Duplicate: the same address is on line {first} of this file."),
                });
                continue;
            }
            let wanted = row.wanted;
            match known.get(key) {
                None => {
                    // A new subscriber, unless the ledger remembers them leaving this list.
                    let remembered = if history.get(key).is_some() {
                        subscribers::ledger_status(db, key, list_id)?
                            .filter(|s| *s != ConsentStatus::Subscribed)
                    } else {
                        None
                    };
                    let (status, detail) = match remembered {
                        Some(left) if wanted == ConsentStatus::Subscribed => {
                            report.kept_off += 1;
                            (left, format!("Had left the list ({}) and stays off it: an import never resubscribes.", left.as_str()))
                        }
                        _ => (wanted, String::new()),
                    };
                    // Later rows with this address are duplicates within the
                    // file (`seen_in_file`), so it need not go into `known`.
                    report.imported += 1;
                    let detail = if detail.is_empty() && status != ConsentStatus::Subscribed {
                        format!("Imported as {}.", status.as_str())
                    } else {
                        detail
                    };
                    fresh.push(chunk.fields(row), status, line);
                    report.entries.push(ReportRow {
                        line,
                        email: email.to_owned(),
                        outcome: RowOutcome::Imported,
                        detail,
                    });
                }
                Some(id) => {
                    let source = format!("{source_prefix}, line {line}");
                    let clean = chunk.clean(row);
                    let detail = merge(db, id, &clean, list_id, wanted, &source, &at, report)?;
                    report.merged += 1;
                    report.entries.push(ReportRow {
                        line,
                        email: clean.input.email,
                        outcome: RowOutcome::Merged,
                        detail,
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
        &source_prefix,
        &at,
        progress,
        cancel,
        progress_id,
    )
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
    source_prefix: &str,
    at: &str,
    progress: &mut dyn FnMut(ImportProgress),
    cancel: &AtomicBool,
    progress_id: i64,
) -> Result<bool> {
    let conn = db.conn();
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
    let mut insert_membership = conn.prepare(
        "INSERT INTO membership (list_id, subscriber_id, status, since)
         SELECT ?2, id, status, ?3 FROM import_rows(?1)",
    )?;
    let mut insert_consent = conn.prepare(
        "INSERT INTO consent (email_key, list_id, status, source, at)
         SELECT email_key, ?2, status, ?3 || ', line ' || line, ?4 FROM import_rows(?1)",
    )?;
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
                insert_membership.execute(params![part(), list_id, at])?;
                insert_consent.execute(params![part(), list_id, source_prefix, at])?;
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

fn column_name(field: &str, mapping: &[Field], headers: &[String]) -> String {
    let wanted = match field {
        "name" => Field::Name,
        "first_name" => Field::FirstName,
        "language" => Field::Language,
        "city" => Field::City,
        "postal_code" => Field::PostalCode,
        "tags" => Field::Tags,
        "notes" => Field::Notes,
        _ => Field::Ignore,
    };
    mapping
        .iter()
        .position(|f| *f == wanted)
        .and_then(|i| headers.get(i))
        .map(|h| format!("“{}”", short(h)))
        .unwrap_or_else(|| field.replace('_', " "))
}

/// Fills in what an existing subscriber lacks and applies the file's standing
/// only when it moves away from mailing them. Returns what changed, in words.
#[allow(clippy::too_many_arguments)]
fn merge(
    db: &Database,
    id: i64,
    clean: &subscribers::Clean,
    list_id: i64,
    wanted: ConsentStatus,
    source: &str,
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
    let current: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT status, since FROM membership WHERE list_id = ?1 AND subscriber_id = ?2",
        )?
        .query_row(params![list_id, id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match current
        .as_ref()
        .and_then(|(s, since)| ConsentStatus::parse(s).map(|s| (s, since)))
    {
        None => {
            let remembered = subscribers::ledger_status(db, &clean.key, list_id)?
                .filter(|s| *s != ConsentStatus::Subscribed);
            let status = match remembered {
                Some(left) if wanted == ConsentStatus::Subscribed => {
                    report.kept_off += 1;
                    words.push_str(&format!(
                        " Had left this list ({}) and stays off it.",
                        left.as_str()
                    ));
                    left
                }
                _ => {
                    words.push_str(&format!(" Added to the list as {}.", wanted.as_str()));
                    wanted
                }
            };
            subscribers::put_membership(db, id, &clean.key, list_id, status, source, at)?;
        }
        Some((ConsentStatus::Subscribed, _)) if wanted != ConsentStatus::Subscribed => {
            subscribers::put_membership(db, id, &clean.key, list_id, wanted, source, at)?;
            words.push_str(&format!(
                " Now {} on this list, as the file says.",
                wanted.as_str()
            ));
        }
        Some((status, since))
            if status != ConsentStatus::Subscribed && wanted == ConsentStatus::Subscribed =>
        {
            report.kept_off += 1;
            words.push_str(&format!(
                " Stays {} (since {}): an import never resubscribes anyone.",
                status.as_str(),
                since.get(..10).unwrap_or(since)
            ));
        }
        Some(_) => {}
    }
    Ok(words)
}

impl ImportReport {
    /// The report for the window: rejected and merged rows first, at most
    /// `max` entries; the rest are counted in `entries_omitted`.
    pub fn for_window(&self, max: usize) -> ImportReport {
        let mut entries: Vec<ReportRow> = self
            .entries
            .iter()
            .filter(|e| e.outcome == RowOutcome::Rejected)
            .chain(
                self.entries
                    .iter()
                    .filter(|e| e.outcome == RowOutcome::Merged),
            )
            .chain(
                self.entries
                    .iter()
                    .filter(|e| e.outcome == RowOutcome::Imported),
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
                &crate::export::safe_cell(&e.email),
                outcome,
                &crate::export::safe_cell(&e.detail),
            ])
            .map_err(fail)?;
        }
        w.into_inner()
            .map_err(|e| Error::internal(format!("Could not write the report: {e}")))
    }

    /// Saves the report as CSV at `path`.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::export::write_file(path, &self.to_csv()?)
    }
}

/// Marks imports left 'running' by a Handbill that stopped during them as
/// interrupted (their transaction was rolled back: nothing of them was saved).
pub fn recover(db: &Database) -> Result<usize> {
    Ok(db.conn().execute(
        "UPDATE import_job SET state = 'interrupted', finished_at = ?1,
                message = 'Handbill stopped during this import; nothing of it was saved. Import the file again.'
         WHERE state = 'running'",
        [now()],
    )?)
}

/// The most recent imports, newest first.
pub fn jobs(db: &Database, limit: u32) -> Result<Vec<ImportJob>> {
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

/// Reads a file for import, with a message naming it when it cannot be read.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::invalid_field("file", format!("Cannot read {}: {e}.", path.display()))
    })?;
    if meta.is_dir() {
        return Err(Error::invalid_field(
            "file",
            format!("{} is a folder; choose a CSV file.", path.display()),
        ));
    }
    if meta.len() as usize > MAX_FILE_BYTES {
        return Err(file_problem(format!(
            "{} is {:.0} MB; Handbill imports files up to {} MB. Split it into smaller files.",
            path.display(),
            meta.len() as f64 / 1_048_576.0,
            MAX_FILE_BYTES / 1_048_576
        )));
    }
    std::fs::read(path)
        .map_err(|e| Error::invalid_field("file", format!("Cannot read {}: {e}.", path.display())))
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
