//! Checking the rows: each row's values read by the mapping (address, names,
//! standing, the proof an opt-in rests on), checked in batches, and the
//! most restrictive standing kept when a file names someone twice.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use super::bulk::{self, field, KeyMap};
use super::columns::{consent_of, status_of};
use super::decode::{csv_problem, LineCounter};
use super::Field;
use crate::error::{short, Result};
use crate::mail::subscribers::{self, ConsentStatus, SubscriberInput};

/// What a column of evidence records.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Proof {
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
pub(super) struct RowValues {
    pub(super) input: SubscriberInput,
    pub(super) last_name: String,
    /// What the status column says (`Some(None)`: not subscribed), if it says anything.
    pub(super) status: Option<Option<ConsentStatus>>,
    /// What the consent column says, if there is one (blank: `Some(None)`).
    pub(super) consent: Option<Option<ConsentStatus>>,
    /// The proof the row carries, as the ledger keeps it.
    pub(super) evidence: String,
    /// The latest opt-in date the row carries (Unix seconds), 0 if none.
    pub(super) opt_in_at: i64,
    /// The opt-out date the row carries (Unix seconds), 0 if none.
    pub(super) opt_out_at: i64,
    pub(super) warnings: Vec<String>,
}

/// Seconds since 1970 of a date as exports and forms write it:
/// `2024-05-01 14:03:22` (Mailchimp, UTC), ISO 8601 with `T` and a zone,
/// `5/1/2024 14:03:22` (Google Forms; day first when the first number is over 12).
pub(super) fn date_seconds(cell: &str) -> Option<i64> {
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

pub(super) fn row_values(
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
            Field::Phone => match subscribers::normalize_phone(cell) {
                Ok(phone) => v.input.phone = phone,
                Err(message) => v.warnings.push(format!(
                    "The phone number could not be read, so it was left out: {message}"
                )),
            },
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
pub(super) fn push_evidence(evidence: &mut String, header: &str, cell: &str) {
    if !evidence.is_empty() {
        evidence.push_str("; ");
    }
    evidence.push_str(&short(header));
    evidence.push_str(": ");
    evidence.push_str(&short(cell.trim()));
}

/// How many rows are read at a time. While one batch is checked, the rows
/// of the one before are settled and the rows of the one after are read.
pub(super) const CHECK_BATCH: usize = 4096;

/// How many rows of a batch a thread checks before taking more.
pub(super) const CHECK_CHUNK: usize = 256;

/// What checking one row by itself found, before it is compared with the
/// rows above it and with the database.
pub(super) enum Checked {
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
pub(super) struct ValidRow {
    pub(super) at: bulk::Fields,
    /// The standing the row asks for; none: not put on the list.
    pub(super) wanted: Option<ConsentStatus>,
    /// The latest dated opt-in the row carries (Unix seconds), 0 if none.
    pub(super) opt_in_at: i64,
    /// The opt-out date the row carries (Unix seconds), 0 if none.
    pub(super) opt_out_at: i64,
    /// Fields left out and cells to check.
    pub(super) warnings: Vec<String>,
}

/// What checking a chunk of a batch found: one text for all its rows, kept
/// (with its room) from batch to batch.
#[derive(Default)]
pub(super) struct Checks {
    pub(super) text: String,
    pub(super) rows: Vec<Checked>,
}

impl Checks {
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.rows.clear();
    }

    pub(super) fn valid(
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
        fields[field::PHONE] = &c.phone;
        let at = bulk::Fields::append(&mut self.text, fields);
        Checked::Valid(ValidRow {
            at,
            wanted,
            opt_in_at,
            opt_out_at,
            warnings,
        })
    }

    pub(super) fn field(&self, row: &ValidRow, i: usize) -> &str {
        row.at.get(&self.text, i)
    }

    pub(super) fn fields(&self, row: &ValidRow) -> [&str; bulk::TEXT_FIELDS] {
        row.at.all(&self.text)
    }

    /// The row as the fields of a subscriber, for merging into one already here.
    pub(super) fn clean(&self, row: &ValidRow) -> subscribers::Clean {
        let f = |i: usize| self.field(row, i).to_owned();
        subscribers::Clean {
            input: SubscriberInput {
                email: f(field::EMAIL),
                name: f(field::NAME),
                first_name: f(field::FIRST_NAME),
                language: f(field::LANGUAGE),
                city: f(field::CITY),
                postal_code: f(field::POSTAL_CODE),
                phone: f(field::PHONE),
                tags: serde_json::from_str(self.field(row, field::TAGS)).unwrap_or_default(),
                notes: f(field::NOTES),
            },
            key: f(field::KEY),
        }
    }
}

/// Rows read from the file, and what checking them found.
#[derive(Default)]
pub(super) struct Batch {
    /// The rows read (the first `used` of them) and the line each begins on.
    pub(super) records: Vec<csv::StringRecord>,
    pub(super) lines: Vec<u32>,
    pub(super) used: usize,
    /// What checking found, [`CHECK_CHUNK`] rows to a chunk, in order. A
    /// thread takes a chunk at a time, so two threads share a batch evenly
    /// whatever else each of them has to do.
    pub(super) chunks: Vec<Mutex<Checks>>,
}

impl Batch {
    /// Reads up to [`CHECK_BATCH`] rows; says whether the file has more.
    pub(super) fn read(
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
    pub(super) fn checked(&mut self) -> impl Iterator<Item = (u32, &Checks, &Checked)> {
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
pub(super) struct RowCheck<'a> {
    pub(super) mapping: &'a [Field],
    pub(super) headers: &'a [String],
    /// What each column of evidence records.
    pub(super) proofs: Vec<Proof>,
    pub(super) delimiter: u8,
    pub(super) default_status: Option<ConsentStatus>,
}

impl RowCheck<'_> {
    /// Checks the rows of `batch` a chunk at a time, taking the next chunk
    /// no other thread has taken (`next` counts them), until none is left.
    pub(super) fn chunks(&self, batch: &Batch, next: &AtomicUsize) {
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

    pub(super) fn row(&self, record: &csv::StringRecord, out: &mut Checks) -> Checked {
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
pub(super) fn keys<V: Copy>(
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

/// How strongly a standing read from a file keeps mail away: not subscribed
/// is between subscribed and every opt-out.
pub(super) fn restriction(wanted: Option<ConsentStatus>) -> u8 {
    wanted.map_or(1, ConsentStatus::restriction)
}

/// The field a validation problem names.
pub(super) fn field_named(field: &str) -> Field {
    match field {
        "email" => Field::Email,
        "name" => Field::Name,
        "first_name" => Field::FirstName,
        "language" => Field::Language,
        "city" => Field::City,
        "postal_code" => Field::PostalCode,
        "phone" => Field::Phone,
        "tags" => Field::Tags,
        "notes" => Field::Notes,
        _ => Field::Ignore,
    }
}

pub(super) fn column_name(field: &str, mapping: &[Field], headers: &[String]) -> String {
    let wanted = field_named(field);
    mapping
        .iter()
        .position(|f| *f == wanted)
        .and_then(|i| headers.get(i))
        .map(|h| format!("“{}”", short(h)))
        .unwrap_or_else(|| field.replace('_', " "))
}
