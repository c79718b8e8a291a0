//! The command line: the same core functions the window calls, for scripts and
//! for people who prefer a terminal. Results go to stdout, errors to stderr with
//! a non-zero exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use handbill_core::branch::handover;
use handbill_core::branch::{self, BranchProfile};
use handbill_core::db::{backup, outside, storage};
use handbill_core::events::{self, ics, json, listing, Event};
use handbill_core::mail::export::{self, ExportOptions};
use handbill_core::mail::import::{self, ImportOptions, RowOutcome};
use handbill_core::mail::lists::{self, SegmentFilter};
use handbill_core::mail::subscribers;
use handbill_core::{demo, Database, Error, ErrorCode};

#[derive(Parser, Debug)]
#[command(
    name = "handbill",
    version,
    about = "Events, coalition, flyers and mail for the organizers of a local branch.",
    long_about = "Events, coalition, flyers and mail for the organizers of a local branch.\n\n\
                  Without a command, Handbill opens its window. With one, it does the job and exits.",
    after_help = "The database is --db PATH, else $HANDBILL_DB, else handbill.sqlite in your data folder."
)]
pub struct Args {
    /// The branch database file to use.
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Passed by WebKitWebDriver when it starts the window for end-to-end tests.
    #[arg(long, hide = true)]
    pub automation: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Fill the database with the sample branch (running it again changes nothing).
    Demo,
    /// Show or change the branch profile.
    #[command(subcommand)]
    Branch(BranchCommand),
    /// Write a copy of the database to FILE.
    Backup {
        /// Where to write the copy (a new file).
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// List the automatic backups kept beside the database.
    Backups,
    /// Replace the database's contents with a backup; the current contents are kept as a backup too.
    Restore {
        /// A backup file (from `handbill backup` or the backups folder).
        file: PathBuf,
        /// Do not ask for confirmation (needed when there is no terminal to ask on).
        #[arg(long)]
        yes: bool,
    },
    /// Export the whole branch as one file, to open on another machine.
    Export {
        /// Where to write the export (a new file, such as branch.handbill).
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Open a branch exported with `handbill export` as this database.
    ImportBranch {
        /// The export file.
        file: PathBuf,
        /// Replace what the database already holds (a backup of it is kept); asks first.
        #[arg(long)]
        replace: bool,
        /// With --replace: do not ask for confirmation (needed when there is no terminal to ask on).
        #[arg(long, requires = "replace")]
        yes: bool,
    },
    /// Import, export, count and unsubscribe the people on the mailing lists.
    #[command(subcommand)]
    Subscribers(SubscribersCommand),
    /// Create and show mailing lists.
    #[command(subcommand)]
    List(ListCommand),
    /// List, show, import and export events and tours.
    #[command(subcommand)]
    Event(EventCommand),
    /// List, show and import partner organizations.
    #[command(subcommand)]
    Org(crate::cli_coalition::OrgCommand),
    /// Record an organization's co-sponsorship of an event.
    #[command(subcommand)]
    Cosponsor(crate::cli_coalition::CosponsorCommand),
    /// List and show demand lists and their versions.
    #[command(subcommand)]
    Demands(crate::cli_coalition::DemandsCommand),
    /// Print an event's flyer, or a whole tour's, as a PDF.
    Flyer(crate::cli_flyers::FlyerArgs),
    /// Announce an event to a list: queue everyone and send, showing progress.
    Announce(crate::cli_send::AnnounceArgs),
    /// Follow and steer sending: status, resume, pause, cancel, uncertain deliveries, test the account.
    #[command(subcommand)]
    Send(crate::cli_send::SendCommand),
}

#[derive(Subcommand, Debug)]
pub enum EventCommand {
    /// Every event, soonest first; stops whose date is not announced yet come last.
    List {
        /// A JSON array of objects with id, title, kind, status, starts_at, ends_at, time_zone, venue and tour_id.
        #[arg(long)]
        json: bool,
    },
    /// Show one event, or a tour with its stops.
    #[command(
        after_help = "With --json it prints Handbill's event exchange format (`\"format\": \"handbill-event\"`, \
                      version 1), which `handbill event import` reads back unchanged."
    )]
    Show {
        /// The event's id (see `handbill event list`).
        #[arg(required_unless_present = "tour", conflicts_with = "tour")]
        id: Option<i64>,
        /// Show this tour and its stops instead.
        #[arg(long, value_name = "TOUR_ID")]
        tour: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Import events from an iCalendar (.ics) file or a Handbill event file (.json); all or nothing.
    Import {
        /// A .ics or .json file.
        file: PathBuf,
    },
    /// Write an iCalendar file for one event, one tour, or all upcoming events.
    ExportIcs {
        /// The event's id.
        #[arg(required_unless_present_any = ["tour", "all"], conflicts_with_all = ["tour", "all"])]
        id: Option<i64>,
        /// Every stop of this tour.
        #[arg(long, value_name = "TOUR_ID", conflicts_with = "all")]
        tour: Option<i64>,
        /// Every upcoming event that is not a draft.
        #[arg(long)]
        all: bool,
        /// The .ics file to write.
        #[arg(short, long, value_name = "FILE.ics")]
        output: PathBuf,
    },
    /// Print the listing a branch web page announces events with: all upcoming, or one tour's stops.
    Listing {
        #[arg(long, value_name = "TOUR_ID")]
        tour: Option<i64>,
        /// HTML (sanitized) instead of plain text.
        #[arg(long)]
        html: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum SubscribersCommand {
    /// Import a CSV file (a sign-up sheet, or a Mailchimp or Action Network export) into a list.
    #[command(
        after_help = "Every row is imported, merged into an existing subscriber (empty fields are filled in), \
                            or rejected with its line number and reason. The import lands whole or not at all, \
                            and never resubscribes anyone who unsubscribed, bounced or was cleaned."
    )]
    Import {
        /// The CSV file (UTF-8 with or without BOM, or Latin-1; comma, semicolon or tab).
        file: PathBuf,
        /// The list to import into.
        #[arg(long, value_name = "NAME")]
        list: String,
        /// Check the whole file and print the report, but save nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also save the row-by-row report as CSV here.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Choose columns, as the window's preview does: email=COL,first_name=COL,…
        /// (COL a header or a column's number from 1; fields: email, name, first_name,
        /// last_name, language, city, postal_code, tags, notes, status, consent, evidence, ignore).
        #[arg(long, value_name = "FIELD=COL,…")]
        map: Option<String>,
    },
    /// Export a list, or a segment of it, to CSV (cells that a spreadsheet would run as formulas are made safe).
    Export {
        #[arg(long, value_name = "NAME")]
        list: String,
        /// A saved segment's name, or a filter such as tag=volunteer,city=Boston,zip=021,language=es.
        #[arg(long, value_name = "SEGMENT")]
        segment: Option<String>,
        /// Include people who unsubscribed, bounced or were cleaned, with their standing.
        #[arg(long)]
        all: bool,
        /// The CSV file to write.
        #[arg(short, long, value_name = "FILE.csv")]
        output: PathBuf,
    },
    /// Unsubscribe these addresses from every list of the branch (lists made later too).
    Unsubscribe {
        /// One or more email addresses.
        #[arg(required = true, value_name = "ADDRESS")]
        addresses: Vec<String>,
        /// The list they asked to leave (recorded; with --only-this-list, the only one they leave).
        #[arg(long, value_name = "NAME")]
        list: Option<String>,
        /// Leave every other list as it is: only when the person asked for exactly that.
        #[arg(long, requires = "list")]
        only_this_list: bool,
    },
    /// Put someone on a list on their own new request, with the evidence the ledger keeps.
    OptIn {
        address: String,
        #[arg(long, value_name = "NAME")]
        list: String,
        /// How they asked: “signed the sheet at the May 1 rally”, “form answer yes on 2024-06-01”.
        #[arg(long, value_name = "TEXT")]
        evidence: String,
    },
    /// Print how many people an announcement to the list (or segment) would reach.
    Count {
        #[arg(long, value_name = "NAME")]
        list: String,
        /// A saved segment's name, or a filter such as tag=volunteer,zip=021.
        #[arg(long, value_name = "SEGMENT")]
        segment: Option<String>,
    },
    /// Show one subscriber: fields, lists and consent ledger.
    Show {
        address: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ListCommand {
    /// Create a mailing list.
    Create { name: String },
    /// Show every list with how many people are subscribed, unsubscribed, bounced and cleaned.
    Ls {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum BranchCommand {
    /// Print the branch profile.
    Show {
        /// Print it as JSON (the keys are the FIELD names of `branch set`).
        #[arg(long)]
        json: bool,
    },
    /// Change one field of the profile.
    #[command(
        after_help = "FIELD is one of: name, short_name, city, contact_email, website, time_zone, \
                            languages (comma-separated, such as en,es), logo (a PNG or JPEG file; empty to remove)."
    )]
    Set {
        /// A key of `branch show --json`, such as contact_email.
        field: String,
        /// The new value.
        value: String,
    },
}

/// Runs one command and turns its error into a message on stderr and an exit code.
pub fn run(db: Option<PathBuf>, command: Command) -> ExitCode {
    match execute(db, command) {
        Ok(output) => {
            if !output.is_empty() {
                // Not println!: it panics when the reader has gone, as in `handbill org list | head -1`.
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                if let Err(e) = writeln!(out, "{output}").and_then(|()| out.flush()) {
                    if e.kind() != std::io::ErrorKind::BrokenPipe {
                        eprintln!("handbill: cannot write the output: {e}");
                        return ExitCode::from(exit_code(ErrorCode::Storage));
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::warn!(code = ?e.code, "command failed");
            eprintln!("handbill: {}", e.message);
            ExitCode::from(exit_code(e.code))
        }
    }
}

/// Exit codes by kind of failure, so scripts can tell bad input from a bad file.
fn exit_code(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::Invalid => 2,
        ErrorCode::NotFound => 3,
        ErrorCode::NotADatabase | ErrorCode::Damaged | ErrorCode::NewerDatabase => 4,
        ErrorCode::Storage => 5,
        ErrorCode::Internal => 70,
    }
}

fn open(db: Option<PathBuf>) -> Result<Database, Error> {
    Database::open(&storage::resolve_path(db)?)
}

fn execute(db: Option<PathBuf>, command: Command) -> Result<String, Error> {
    match command {
        Command::Demo => {
            let db = open(db)?;
            let report = demo::load(&db)?;
            Ok(if report.changed {
                format!(
                    "Loaded the sample branch “{}” into {}.",
                    report.branch.name,
                    db.path().display()
                )
            } else {
                format!(
                    "The sample branch is already in {}; nothing changed.",
                    db.path().display()
                )
            })
        }
        Command::Branch(BranchCommand::Show { json }) => {
            let db = open(db)?;
            let profile = branch::require(&db)?;
            if json {
                serde_json::to_string_pretty(&profile).map_err(|e| Error::internal(e.to_string()))
            } else {
                Ok(describe(&profile))
            }
        }
        Command::Branch(BranchCommand::Set { field, value }) => {
            let db = open(db)?;
            let profile = branch::set_field(&db, &field, &value)?;
            Ok(describe(&profile))
        }
        Command::Backup { output } => {
            let db = open(db)?;
            backup::backup_to(&db, &output)?;
            Ok(format!(
                "Wrote a backup of {} to {}.",
                db.path().display(),
                output.display()
            ))
        }
        Command::Backups => {
            let path = storage::resolve_path(db)?;
            let all = backup::list(&path)?;
            if all.is_empty() {
                return Ok(format!("No backups yet beside {}.", path.display()));
            }
            let mut lines = vec![format!(
                "{:<22}{:<18}{:>10}  {}",
                "Taken (UTC)", "Kind", "Size", "File"
            )];
            for b in all {
                let kind = serde_json::to_value(b.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                lines.push(format!(
                    "{:<22}{:<18}{:>7} KB  {}",
                    b.created_at,
                    kind,
                    b.size_bytes.div_ceil(1024),
                    b.path
                ));
            }
            Ok(lines.join("\n"))
        }
        Command::Restore { file, yes } => {
            let db = open(db)?;
            let checked = backup::check_source(&file)?;
            let note = checked.checksum.note();
            if !yes && !confirm(&format!(
                "Replace everything in {} with the backup {}? The current data is kept as a backup. {note}",
                db.path().display(),
                file.display()
            ))? {
                return Ok("Nothing was restored.".to_owned());
            }
            let (db, kept) = backup::restore(db, &file)?;
            Ok(format!(
                "Restored {} into {}. The data it replaced is kept in {}. {note}",
                file.display(),
                db.path().display(),
                kept.path
            )
            .trim_end()
            .to_owned())
        }
        Command::Export { output } => {
            let db = open(db)?;
            let manifest = handover::export(&db, &output)?;
            Ok(format!(
                "Exported “{}” to {}. Open it on another machine with: handbill import-branch {}",
                manifest.branch_name,
                output.display(),
                output.display()
            ))
        }
        Command::ImportBranch { file, replace, yes } => {
            let path = storage::resolve_path(db)?;
            let manifest = handover::read_manifest(&file)?;
            if replace && !yes && !confirm(&format!(
                "Replace everything in {} with the branch “{}” from {}? The current data is kept as a backup.",
                path.display(),
                manifest.branch_name,
                file.display()
            ))? {
                return Ok("Nothing was imported.".to_owned());
            }
            let (db, manifest) = handover::import(&file, &path, replace)?;
            Ok(format!(
                "Imported “{}” (exported {}) into {}.",
                manifest.branch_name,
                manifest.created_at,
                db.path().display()
            ))
        }
        Command::Subscribers(command) => subscribers_command(&open(db)?, command),
        Command::Event(command) => event_command(&open(db)?, command),
        Command::Org(command) => crate::cli_coalition::org_command(&open(db)?, command),
        Command::Cosponsor(command) => crate::cli_coalition::cosponsor_command(&open(db)?, command),
        Command::Demands(command) => crate::cli_coalition::demands_command(&open(db)?, command),
        Command::Flyer(args) => crate::cli_flyers::flyer_command(&open(db)?, args),
        Command::Announce(args) => {
            crate::cli_send::announce_command(&storage::resolve_path(db)?, args)
        }
        Command::Send(command) => {
            crate::cli_send::send_command(&storage::resolve_path(db)?, command)
        }
        Command::List(ListCommand::Create { name }) => {
            let db = open(db)?;
            let list = lists::create(&db, &name)?;
            Ok(format!("Created the list “{}”.", list.name))
        }
        Command::List(ListCommand::Ls { json }) => {
            let db = open(db)?;
            let all = lists::all(&db)?;
            if json {
                return serde_json::to_string_pretty(&all)
                    .map_err(|e| Error::internal(e.to_string()));
            }
            if all.is_empty() {
                return Ok(
                    "No lists yet. Create one with: handbill list create \"Announcements\""
                        .to_owned(),
                );
            }
            let width = all
                .iter()
                .map(|l| l.name.chars().count())
                .max()
                .unwrap_or(4)
                .max(4);
            let mut out = vec![format!(
                "{:<width$}  {:>10}  {:>12}  {:>7}  {:>7}  {:>10}",
                "List", "subscribed", "unsubscribed", "bounced", "cleaned", "complained"
            )];
            for l in all {
                out.push(format!(
                    "{:<width$}  {:>10}  {:>12}  {:>7}  {:>7}  {:>10}",
                    l.name, l.subscribed, l.unsubscribed, l.bounced, l.cleaned, l.complained
                ));
            }
            Ok(out.join("\n"))
        }
    }
}

fn subscribers_command(db: &Database, command: SubscribersCommand) -> Result<String, Error> {
    match command {
        SubscribersCommand::Import {
            file,
            list,
            dry_run,
            report,
            map,
        } => {
            let list = lists::find(db, &list)?;
            let bytes = import::read_file(&file)?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut preview = import::preview(&name, &bytes)?;
            let mapping = match &map {
                Some(spec) => import::mapping_from(&preview, spec)?,
                None => Vec::new(),
            };
            for (column, field) in preview.columns.iter_mut().zip(&mapping) {
                column.field = *field;
            }
            let options = ImportOptions {
                list_id: list.id,
                mapping,
                dry_run,
            };
            let result = import::run(
                db,
                &name,
                &bytes,
                &options,
                &mut |_| {},
                &std::sync::atomic::AtomicBool::new(false),
            )?;
            if let Some(path) = &report {
                result.save(path)?;
            }
            let columns: Vec<String> = preview
                .columns
                .iter()
                .filter(|c| c.field != import::Field::Ignore)
                .map(|c| {
                    format!(
                        "{} → {}",
                        c.header,
                        serde_json::to_value(c.field)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default()
                    )
                })
                .collect();
            let mut out = vec![
                format!(
                    "Read {} as a {} ({}, {}-separated).",
                    name, preview.source_kind, preview.encoding, preview.delimiter
                ),
                format!("Columns: {}.", columns.join(", ")),
            ];
            for c in preview.columns.iter().filter(|c| {
                matches!(c.field, import::Field::Consent | import::Field::Status)
                    && !c.reading.is_empty()
            }) {
                out.push(format!("“{}” is read as: {}.", c.header, c.reading));
            }
            out.extend(preview.notices.iter().cloned());
            out.push(import::summary(&result));
            for row in result
                .entries
                .iter()
                .filter(|r| r.outcome == RowOutcome::Rejected)
            {
                out.push(format!("  line {}: rejected: {}", row.line, row.detail));
            }
            for row in result.entries.iter().filter(|r| {
                r.outcome != RowOutcome::Rejected
                    && (r.detail.contains("stays")
                        || r.detail.contains("Stays")
                        || r.detail.contains("Same address")
                        || r.detail.contains("Opted in again")
                        || r.detail.contains("not put on the list")
                        || r.detail.contains("Not put on the list")
                        || !r.warnings.is_empty())
            }) {
                out.push(format!(
                    "  line {}: {}: {}",
                    row.line,
                    row.email,
                    import::detail_with_warnings(row)
                ));
            }
            if let Some(path) = report {
                out.push(format!("The row-by-row report is in {}.", path.display()));
            }
            Ok(out.join("\n"))
        }
        SubscribersCommand::Export {
            list,
            segment,
            all,
            output,
        } => {
            let list = lists::find(db, &list)?;
            let filter = match segment {
                Some(text) => lists::resolve_segment(db, list.id, &text)?,
                None => SegmentFilter::default(),
            };
            let done = export::to_file(
                db,
                &ExportOptions {
                    list_id: list.id,
                    filter,
                    include_all: all,
                },
                &output,
            )?;
            Ok(format!(
                "Exported {} people from “{}” to {}.",
                done.rows, list.name, done.path
            ))
        }
        SubscribersCommand::Unsubscribe {
            addresses,
            list,
            only_this_list,
        } => {
            let list_id = match list {
                Some(name) => Some(lists::find(db, &name)?.id),
                None => None,
            };
            let report = subscribers::unsubscribe(
                db,
                &subscribers::UnsubscribeRequest {
                    text: addresses.join("\n"),
                    list_id,
                    only_this_list,
                    source: "Command line".to_owned(),
                },
            )?;
            let mut out = Vec::new();
            for (label, emails) in [
                ("Unsubscribed", &report.unsubscribed),
                ("Already off the list", &report.already),
                (
                    "Not subscribers (recorded, so no import adds them)",
                    &report.not_subscribers,
                ),
                ("Not valid addresses", &report.invalid),
            ] {
                if !emails.is_empty() {
                    out.push(format!("{label}: {}", emails.join(", ")));
                }
            }
            Ok(out.join("\n"))
        }
        SubscribersCommand::OptIn {
            address,
            list,
            evidence,
        } => {
            let list = lists::find(db, &list)?;
            let detail = subscribers::opt_in(
                db,
                &subscribers::OptIn {
                    email: address,
                    list_id: list.id,
                    evidence,
                },
                "Opted in again (command line)",
            )?;
            Ok(format!(
                "{} is subscribed to “{}”; the ledger keeps the evidence.",
                detail.subscriber.email, list.name
            ))
        }
        SubscribersCommand::Count { list, segment } => {
            let list = lists::find(db, &list)?;
            let filter = match segment {
                Some(text) => lists::resolve_segment(db, list.id, &text)?,
                None => SegmentFilter::default(),
            };
            Ok(lists::reach(db, list.id, &filter)?.to_string())
        }
        SubscribersCommand::Show { address, json } => {
            let found = subscribers::find(db, &address)?.ok_or_else(|| {
                Error::not_found(format!(
                    "Nobody with the address {} is a subscriber.",
                    address.trim()
                ))
            })?;
            let detail = subscribers::detail(db, found.id)?;
            if json {
                return serde_json::to_string_pretty(&detail)
                    .map_err(|e| Error::internal(e.to_string()));
            }
            let s = &detail.subscriber;
            let mut out = vec![
                format!("{:<12}{}", "Email", s.email),
                format!("{:<12}{}", "Name", s.name),
                format!("{:<12}{}", "City", s.city),
                format!("{:<12}{}", "ZIP", s.postal_code),
                format!("{:<12}{}", "Language", s.language),
                format!("{:<12}{}", "Tags", s.tags.join(", ")),
            ];
            for m in &detail.memberships {
                out.push(format!(
                    "{:<12}{}: {} since {}",
                    "List",
                    m.list_name,
                    m.status.as_str(),
                    m.since
                ));
            }
            out.push("Consent ledger:".to_owned());
            for e in &detail.ledger {
                out.push(format!(
                    "  {}  {}  {}  ({}){}",
                    e.at,
                    e.list_name,
                    e.status,
                    e.source,
                    if e.evidence.is_empty() {
                        String::new()
                    } else {
                        format!("  evidence: {}", e.evidence)
                    }
                ));
            }
            Ok(out.join("\n"))
        }
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(value).map_err(|e| Error::internal(e.to_string()))
}

/// One line of `handbill event list --json`: the fields a script needs to find an event.
#[derive(serde::Serialize)]
struct EventSummary<'a> {
    id: i64,
    title: &'a str,
    kind: handbill_core::events::EventKind,
    status: handbill_core::events::EventStatus,
    /// The start as a UTC instant (RFC 3339); null while the date is to be announced.
    starts_at: Option<&'a str>,
    ends_at: Option<&'a str>,
    time_zone: &'a str,
    start_date: &'a str,
    start_time: &'a str,
    all_day: bool,
    venue: Option<&'a str>,
    room: &'a str,
    tour_id: Option<i64>,
}

fn event_command(db: &Database, command: EventCommand) -> Result<String, Error> {
    match command {
        EventCommand::List { json } => {
            let all = events::all(db)?;
            if json {
                let rows: Vec<EventSummary> = all
                    .iter()
                    .map(|e| EventSummary {
                        id: e.id,
                        title: &e.title,
                        kind: e.kind,
                        status: e.status,
                        starts_at: e.start_at.as_deref(),
                        ends_at: e.end_at.as_deref(),
                        time_zone: &e.time_zone,
                        start_date: &e.start_date,
                        start_time: &e.start_time,
                        all_day: e.all_day,
                        venue: e.venue.as_ref().map(|v| v.name.as_str()),
                        room: &e.room,
                        tour_id: e.tour_id,
                    })
                    .collect();
                return to_json(&rows);
            }
            if all.is_empty() {
                return Ok("No events yet. Draft one in the window, or import a file: handbill event import FILE.ics".to_owned());
            }
            let mut out = vec![format!(
                "{:>5}  {:<11}  {:<22}  {}",
                "Id", "Status", "When", "Event"
            )];
            for e in &all {
                let when = if e.start_date.is_empty() {
                    "date to be announced".to_owned()
                } else if e.all_day || e.start_time.is_empty() {
                    e.start_date.clone()
                } else {
                    format!("{} {}", e.start_date, e.start_time)
                };
                out.push(format!(
                    "{:>5}  {:<11}  {:<22}  {}: {}",
                    e.id,
                    e.status.as_str(),
                    when,
                    e.kind.label(),
                    e.title
                ));
            }
            Ok(out.join("\n"))
        }
        EventCommand::Show { id, tour, json } => match (id, tour) {
            (_, Some(tour_id)) => {
                if json {
                    return json::export_tour(db, tour_id);
                }
                let t = events::get_tour(db, tour_id)?;
                let mut out = vec![format!("Tour {}: {}", t.tour.id, t.tour.title)];
                if !t.tour.description.trim().is_empty() {
                    out.push(String::new());
                    out.push(t.tour.description.trim().to_owned());
                }
                out.push(String::new());
                out.push(format!("{} stops:", t.stops.len()));
                for s in &t.stops {
                    let place = listing::place_line(s);
                    out.push(format!(
                        "  {:>5}  {:<11}  {}{}",
                        s.id,
                        s.status.as_str(),
                        listing::when_line(s),
                        if place.is_empty() {
                            String::new()
                        } else {
                            format!(" — {place}")
                        }
                    ));
                }
                Ok(out.join("\n"))
            }
            (Some(id), None) => {
                if json {
                    return json::export_event(db, id);
                }
                describe_event(db, &events::get(db, id)?)
            }
            (None, None) => Err(Error::invalid_field(
                "id",
                "Give an event's id, or --tour TOUR_ID.",
            )),
        },
        EventCommand::Import { file } => {
            let done = events::import_file(db, &file)?;
            if let Some(t) = &done.tour {
                return Ok(format!(
                    "Imported the tour “{}” (id {}) with {} stops from {}.",
                    t.title,
                    t.id,
                    done.events.len(),
                    file.display()
                ));
            }
            let imported: Vec<Event> = done.events;
            let mut out = vec![format!(
                "Imported {} event{} from {}:",
                imported.len(),
                if imported.len() == 1 { "" } else { "s" },
                file.display()
            )];
            for e in &imported {
                out.push(format!("  {:>5}  {}", e.id, e.title));
            }
            Ok(out.join("\n"))
        }
        EventCommand::ExportIcs {
            id,
            tour,
            all,
            output,
        } => {
            let (text, what) = match (id, tour, all) {
                (_, Some(tour_id), _) => {
                    (ics::export_tour(db, tour_id)?, format!("tour {tour_id}"))
                }
                (_, None, true) => (
                    ics::export_upcoming(db, handbill_core::clock::now())?,
                    "all upcoming events".to_owned(),
                ),
                (Some(id), None, false) => (ics::export_event(db, id)?, format!("event {id}")),
                (None, None, false) => {
                    return Err(Error::invalid_field(
                        "id",
                        "Give an event's id, --tour TOUR_ID or --all.",
                    ))
                }
            };
            outside::write_file(&output, text.as_bytes())?;
            let count = text.matches("BEGIN:VEVENT").count();
            Ok(format!(
                "Wrote {count} event{} ({what}) to {}.",
                if count == 1 { "" } else { "s" },
                output.display()
            ))
        }
        EventCommand::Listing { tour, html } => {
            let now = handbill_core::clock::now();
            match (tour, html) {
                (Some(t), false) => listing::tour_text(db, t),
                (Some(t), true) => listing::tour_html(db, t),
                (None, false) => listing::upcoming_text(db, now),
                (None, true) => listing::upcoming_html(db, now),
            }
        }
    }
}

/// One event as aligned lines for a terminal, with its history.
fn describe_event(db: &Database, e: &Event) -> Result<String, Error> {
    let mut out = vec![
        format!("{:<14}{}", "Event", e.id),
        format!("{:<14}{}", "Title", e.title),
        format!("{:<14}{}", "Kind", e.kind.label()),
        format!("{:<14}{}", "Status", e.status.as_str()),
        format!("{:<14}{}", "When", listing::when_line(e)),
        format!("{:<14}{}", "Time zone", e.time_zone),
    ];
    let place = listing::place_line(e);
    out.push(format!(
        "{:<14}{}",
        "Where",
        if place.is_empty() { "—" } else { &place }
    ));
    if !e.online_link.is_empty() {
        out.push(format!("{:<14}{}", "Online", e.online_link));
    }
    if !e.hosts.is_empty() {
        out.push(format!("{:<14}{}", "Hosts", e.hosts));
    }
    for s in &e.speakers {
        out.push(format!("{:<14}{}", "Speaker", listing::speaker_line(s)));
    }
    if let Some(t) = e.tour_id {
        out.push(format!("{:<14}{}", "Tour", t));
    }
    for (label, link) in [
        ("Event page", &e.links.event_page),
        ("RSVP", &e.links.rsvp),
        ("Donate", &e.links.donate),
    ] {
        if !link.is_empty() {
            out.push(format!("{label:<14}{link}"));
        }
    }
    if !e.accessibility.is_empty() {
        out.push(format!("{:<14}{}", "Access", e.accessibility));
    }
    if !e.rules.is_empty() {
        out.push(format!("{:<14}{}", "Rules", e.rules));
    }
    if !e.description.trim().is_empty() {
        out.push(String::new());
        out.push(e.description.trim().to_owned());
    }
    let history = events::history(db, e.id)?;
    if !history.is_empty() {
        out.push(String::new());
        out.push("History:".to_owned());
        for h in history {
            out.push(format!("  {}", describe_change(&h)));
        }
    }
    Ok(out.join("\n"))
}

/// "2027-01-04T15:00:00Z  date: 2027-01-04 19:00 → 2027-01-11 19:00 (the storm)".
fn describe_change(h: &handbill_core::events::HistoryEntry) -> String {
    let mut line = format!(
        "{}  {}: {} → {}",
        h.at,
        h.kind.as_str(),
        h.old_value,
        h.new_value
    );
    if !h.reason.is_empty() {
        line.push_str(&format!(" ({})", h.reason));
    }
    line
}

/// Asks a yes/no question on the terminal. Without a terminal there is no one
/// to ask, so the command must be given `--yes`.
fn confirm(question: &str) -> Result<bool, Error> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return Err(Error::new(
            ErrorCode::Invalid,
            "This replaces the database's contents and there is no terminal to confirm on. Run it again with --yes.",
        ));
    }
    print!("{question} [y/N] ");
    std::io::stdout().flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::internal(e.to_string()))?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

/// The profile as aligned lines for a terminal.
fn describe(p: &BranchProfile) -> String {
    let logo = match &p.logo {
        Some(l) => format!(
            "{}, {}×{} px, {:.1} KB",
            l.media_type,
            l.width,
            l.height,
            l.size_bytes as f64 / 1024.0
        ),
        None => "none".to_owned(),
    };
    let dash = |s: &str| {
        if s.is_empty() {
            "—".to_owned()
        } else {
            s.to_owned()
        }
    };
    [
        ("Name", p.name.clone()),
        ("Short name", dash(&p.short_name)),
        ("City", dash(&p.city)),
        ("Contact email", dash(&p.contact_email)),
        ("Website", dash(&p.website)),
        ("Time zone", p.time_zone.clone()),
        ("Languages", p.languages.join(", ")),
        ("Logo", logo),
    ]
    .iter()
    .map(|(k, v)| format!("{k:<15}{v}"))
    .collect::<Vec<_>>()
    .join("\n")
}
