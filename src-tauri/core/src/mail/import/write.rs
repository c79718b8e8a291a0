//! Writing an import: one transaction that adds new people, merges those
//! already there and records consent that never goes backwards (an import
//! never resubscribes anyone who left), with the connection's settings for
//! the length of it.

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rusqlite::{params, OptionalExtension};

use super::bulk::{self, field, KeyMap, NewRows};
use super::check::{
    keys, restriction, stored_seconds, Batch, Checked, Proof, RowCheck, CHECK_CHUNK,
};
use super::columns::{
    check_mapping, detect_mapping, fold_header, source_kind, OPT_IN_DATES, OPT_OUT_DATES,
};
use super::decode::{no_rows, parse, reader, Count, LineCounter, Parsed};
use super::report::summary;
use super::{
    Field, ImportOptions, ImportPhase, ImportProgress, ImportReport, ImportState, ReportRow,
    RowOutcome, PROGRESS_EVERY, START_WAIT,
};
use crate::clock::now_text;
use crate::db::Database;
use crate::error::{short, Error, Result};
use crate::mail::lists;
use crate::mail::subscribers::{self, ConsentStatus};

/// The fields that an existing subscriber has empty and the file fills in.
pub(super) struct Existing {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) first_name: String,
    pub(super) language: String,
    pub(super) city: String,
    pub(super) postal_code: String,
    pub(super) phone: String,
    pub(super) tags: Vec<String>,
    pub(super) notes: String,
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
pub(super) const IMPORT_CACHE_KIB: i64 = 256 * 1024;

/// The connection's settings for the length of an import: a page cache wide
/// enough for the whole transaction, no foreign key lookups, and no
/// checkpoint at its commit. The
/// commit puts the import in the write-ahead log, where every connection reads
/// it; copying the log into the database file (a checkpoint, which waits for
/// the disk) is left to [`checkpoint`], called once the organizer has the report.
pub(super) struct ImportSettings<'c> {
    pub(super) conn: &'c rusqlite::Connection,
    pub(super) cache_before: i64,
    pub(super) checkpoint_before: i64,
    pub(super) foreign_keys_before: bool,
}

impl<'c> ImportSettings<'c> {
    pub(super) fn apply(conn: &'c rusqlite::Connection) -> Result<ImportSettings<'c>> {
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

#[allow(clippy::too_many_arguments)]
pub(super) fn write_rows(
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
            // Someone forgotten at their request is kept only as a hash: the
            // import adds no row of theirs, unless the file gives a dated
            // opt-in newer than the forgetting (they came back themselves).
            let forgotten_here = known.get(key).is_none()
                && suppressed.get(key).is_none()
                && suppression_of(key).is_some_and(|(_, since)| {
                    !(wanted == Some(ConsentStatus::Subscribed) && row.opt_in_at > since)
                });
            if forgotten_here {
                // Not imported, so counted with the rows rejected (the
                // counts add up to the rows read), and among those kept off.
                report.rejected += 1;
                report.kept_off += 1;
                report.entries.push(ReportRow {
                    line,
                    email: email.to_owned(),
                    outcome: RowOutcome::Rejected,
                    detail: "Not imported: this person asked to be forgotten, and only their own new opt-in brings them back.".to_owned(),
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
                                    subscribers::ledger_standing(db, key, list_id)?
                                        .filter(|(s, _)| s.is_opt_out())
                                } else {
                                    None
                                };
                                match remembered {
                                    // A dated opt-in newer than their leaving this list: they came back.
                                    Some((left, at)) if row.opt_in_at > stored_seconds(&at) => (wanted, false, format!(
                                        "Opted in again: the row's opt-in ({}) is newer than their leaving this list ({}, {}).",
                                        seconds_text(row.opt_in_at),
                                        left.as_str(),
                                        at.get(..10).unwrap_or(&at)
                                    )),
                                    Some((left, _)) => {
                                        report.kept_off += 1;
                                        (Some(left), false, format!("Had left the list ({}) and stays off it: only a newer opt-in with evidence brings someone back.", left.as_str()))
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
pub(super) enum Seen {
    Fresh(bulk::RowAt),
    Merged(i64),
}

/// What a row asks of an existing subscriber's standing.
pub(super) struct Wish {
    pub(super) wanted: Option<ConsentStatus>,
    /// The row's latest dated opt-in (Unix seconds), 0 if none.
    pub(super) opt_in_at: i64,
    /// The row's date of the opt-out it records (Unix seconds), 0 if none.
    pub(super) opt_out_at: i64,
    /// The address's branch-wide opt-out and its date, if any.
    pub(super) suppressed: Option<(ConsentStatus, i64)>,
}

/// The evidence of a row as the ledger keeps it: the file and line, then the proof it carries.
pub(super) fn evidence_of(file_name: &str, line: u32, proof: &str) -> String {
    if proof.is_empty() {
        format!("{file_name}, line {line}")
    } else {
        format!("{file_name}, line {line}; {proof}")
    }
}

/// A date in Unix seconds as the report shows it.
pub(super) fn seconds_text(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).map_or_else(|_| seconds.to_string(), |t| t.to_string())
}

/// How many new subscribers one statement writes: the progress bar moves,
/// and a cancel is heard, between parts.
pub(super) const WRITE_PART: usize = 5000;

/// Writes the new subscribers, their memberships and their ledger lines,
/// sorted by address, a part at a time. Returns false when cancelled.
///
/// The other thread sorts the rows and copies each part, in order, into a
/// block of its own while this one writes the part before: the statements
/// then read each row's fields from where the one before ended, instead of
/// from wherever in megabytes of rows it was checked.
#[allow(clippy::too_many_arguments)]
pub(super) fn write_new(
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
                                 search, created_at, updated_at, phone)
         SELECT id, email, email_key, name, first_name, language, city, postal_code, tags, notes, search, ?2, ?2, phone
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

/// Fills in what an existing subscriber lacks and applies the file's standing
/// only when it moves away from mailing them, or when the row carries a dated
/// opt-in newer than their branch-wide opt-out. Returns what changed, in words.
#[allow(clippy::too_many_arguments)]
pub(super) fn merge(
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
        .prepare_cached("SELECT id, name, first_name, language, city, postal_code, tags, notes, phone FROM subscriber WHERE id = ?1")?
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
                phone: r.get(8)?,
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
    let phone = fill(&existing.phone, &c.phone, "phone");
    let notes = fill(&existing.notes, &c.notes, "notes");
    let before = existing.tags.len();
    let tags = subscribers::clean_tags(existing.tags.iter().cloned().chain(c.tags.iter().cloned()));
    if tags.len() > before {
        filled.push("tags");
    }
    if !filled.is_empty() {
        conn.prepare_cached(
            "UPDATE subscriber SET name = ?2, first_name = ?3, language = ?4, city = ?5, postal_code = ?6, tags = ?7,
                    notes = ?8, updated_at = ?9, phone = ?10 WHERE id = ?1",
        )?
        .execute(params![existing.id, name, first_name, language, city, postal_code,
            serde_json::to_string(&tags).unwrap_or_else(|_| "[]".to_owned()), notes, at, phone])?;
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
                    subscribers::ledger_standing(db, key, list_id)?.filter(|(s, _)| s.is_opt_out());
                match remembered {
                    Some((left, at)) if wish.opt_in_at > stored_seconds(&at) => {
                        words.push_str(&format!(
                            " Opted in again: the row's opt-in ({}) is newer than their leaving this list ({}, {}).",
                            seconds_text(wish.opt_in_at),
                            left.as_str(),
                            at.get(..10).unwrap_or(&at)
                        ));
                        change(ConsentStatus::Subscribed, subscribers::OptOutScope::Branch)?;
                    }
                    Some((left, _)) => {
                        report.kept_off += 1;
                        words.push_str(&format!(
                            " Had left this list ({}) and stays off it: only a newer opt-in with evidence brings someone back.",
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
            // Left this list only; a dated opt-in newer than that brings them back.
            (None, Some((status, since)))
                if status.is_opt_out() && wish.opt_in_at > stored_seconds(since) =>
            {
                words.push_str(&format!(
                    " Opted in again: the row's opt-in ({}) is newer than their leaving this list ({}, {}).",
                    seconds_text(wish.opt_in_at),
                    status.as_str(),
                    since.get(..10).unwrap_or(since)
                ));
                change(ConsentStatus::Subscribed, subscribers::OptOutScope::Branch)?;
            }
            (None, Some((status, since))) if status.is_opt_out() => {
                report.kept_off += 1;
                words.push_str(&format!(
                    " Stays {} (since {}): an import never resubscribes anyone without a newer opt-in.",
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
