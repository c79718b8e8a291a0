//! Mail on the command line: `handbill list …` and `handbill subscribers …`.
//! The import is in `import`, announcing and sending in `announcements`. The
//! same core functions the window's Mail section calls.

use std::path::PathBuf;

use clap::Subcommand;
use handbill_core::mail::export::{self, ExportOptions};
use handbill_core::mail::lists::{self, SegmentFilter};
use handbill_core::mail::person;
use handbill_core::mail::subscribers;
use handbill_core::{Database, Error};

pub mod announcements;
pub mod import;
pub mod mailbox;

#[derive(Subcommand, Debug)]
pub enum SubscribersCommand {
    /// Import a CSV file (a sign-up sheet, or a Mailchimp or Action Network export) into a list.
    #[command(
        after_help = "Every row is imported, merged into an existing subscriber (empty fields are filled in), \
                            or rejected with its line number and reason. The import lands whole or not at all, \
                            and never resubscribes anyone who unsubscribed, bounced or was cleaned (the address no longer works)."
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
        /// last_name, language, city, postal_code, phone, tags, notes, status, consent, evidence, ignore).
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
        /// Include people who unsubscribed, bounced or were cleaned (the address no longer works), with their standing.
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
    /// Write everything Handbill holds about one person (fields, lists, consent ledger,
    /// deliveries, outbox files, an organization's contact) as JSON, with the same as text
    /// beside it: for their request to see it.
    ExportPerson {
        address: String,
        /// The JSON file to write (a new file); the readable text goes beside it with .txt.
        #[arg(short, long, value_name = "FILE.json")]
        output: PathBuf,
    },
    /// Erase one person everywhere, on their request: only a salted hash of the address
    /// stays (so no import brings them back) and a ledger line saying when and on whose
    /// request. Asks first.
    Forget {
        address: String,
        /// Whose request it was and how it came, for the ledger (“their email of 3 December”).
        #[arg(long, value_name = "TEXT")]
        requested_by: String,
        /// Do not ask for confirmation (needed when there is no terminal to ask on).
        #[arg(long)]
        yes: bool,
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
    /// Show every list with how many people are subscribed, unsubscribed, bounced and cleaned (the address no longer works).
    Ls {
        #[arg(long)]
        json: bool,
    },
}

pub fn list_command(db: &Database, command: ListCommand) -> Result<String, Error> {
    match command {
        ListCommand::Create { name } => {
            let list = lists::create(db, &name)?;
            Ok(format!("Created the list “{}”.", list.name))
        }
        ListCommand::Ls { json } => {
            let all = lists::all(db)?;
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
            out.push(String::new());
            out.push("cleaned: the address no longer works.".to_owned());
            Ok(out.join("\n"))
        }
    }
}

pub fn subscribers_command(db: &Database, command: SubscribersCommand) -> Result<String, Error> {
    match command {
        SubscribersCommand::Import {
            file,
            list,
            dry_run,
            report,
            map,
        } => import::import(db, file, list, dry_run, report, map),
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
                "Exported {} people from “{}” to {}.\n{}",
                done.rows,
                list.name,
                done.path,
                export::NOT_ENCRYPTED
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
        SubscribersCommand::ExportPerson { address, output } => {
            if output.exists() {
                return Err(Error::invalid_field(
                    "output",
                    format!(
                        "{} already exists. Choose a new file name.",
                        output.display()
                    ),
                ));
            }
            let done = person::export(db, &address, &output)?;
            Ok(format!(
                "Wrote everything Handbill holds about {} to {} (JSON) and {} (text).\n\
                 These files are not encrypted: give them to the person by a safe way and delete them after.",
                done.record.address, done.json_path, done.text_path
            ))
        }
        SubscribersCommand::Forget {
            address,
            requested_by,
            yes,
        } => {
            let request = person::ForgetRequest {
                address,
                requested_by,
            };
            // Refuses an unknown address before asking.
            let found = person::record(db, &request.address)?;
            if !yes
                && !super::ask::yes(
                    &format!(
                        "Erase everything Handbill holds about {} ({} ledger lines, {} deliveries)? This cannot be undone.",
                        found.address,
                        found.ledger.len(),
                        found.deliveries.len()
                    ),
                    "Forgetting someone cannot be undone and there is no terminal to confirm on. Run it again with --yes.",
                )?
            {
                return Ok("Nothing was erased.".to_owned());
            }
            let report = person::forget(db, &request)?;
            let mut out = vec![format!(
                "Forgot {}: {} subscriber, {} lists, {} ledger lines, {} deliveries, {} outbox files, {} organization contacts, {} invitation drafts erased. \
                 Only a salted hash of the address stays, so no import brings them back, with a ledger line saying when and on whose request.",
                found.address,
                if report.subscriber { "the" } else { "no" },
                report.memberships,
                report.ledger_lines,
                report.deliveries,
                report.outbox_files,
                report.organization_contacts,
                report.invitation_drafts
            )];
            if !report.note.is_empty() {
                out.push(report.note);
            }
            Ok(out.join("\n"))
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
                format!("{:<12}{}", "Phone", s.phone),
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
