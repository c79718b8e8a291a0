//! The coalition's part of the command line: `handbill org …`, `handbill
//! cosponsor …` and `handbill demands …`. The same core functions the window's
//! Coalition section calls; output on stdout, errors as [`Error`] for
//! `cli::run` to print with their exit code. Kept apart from `cli.rs` so each
//! section's commands grow in their own file.

use std::path::PathBuf;

use clap::Subcommand;
use handbill_core::coalition::{
    self, CosponsorStatus, CosponsorTarget, DemandListVersion, OrgImportOptions, OrgRowOutcome,
    Organization, StepInput,
};
use handbill_core::{Database, Error};

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Every partner organization, by name.
    List {
        /// A JSON array of organizations with their contacts and tags.
        #[arg(long)]
        json: bool,
    },
    /// Import partner organizations from a CSV file.
    #[command(
        after_help = "The columns are recognized by their headers (Name, Short name, Kind, Website, Email, Phone, \
                      Notes, Tags, Contact name, Contact role, Contact email, Contact phone). Every row is imported \
                      or reported with its line and why it was not taken (a missing name, an organization already \
                      known, a repeat of an earlier row…)."
    )]
    Import {
        /// The CSV file (UTF-8 or Latin-1; comma, semicolon or tab).
        file: PathBuf,
        /// Check the whole file and print the report, but save nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show one organization: its fields, contacts and history with the branch.
    Show {
        /// The organization's id (see `handbill org list`).
        id: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum CosponsorCommand {
    /// Record a step of an organization's co-sponsorship of an event.
    #[command(
        after_help = "STATUS is one of: prospect, asked, confirmed, declined, withdrawn. A co-sponsorship goes \
                      prospect → asked → confirmed / declined; only a confirmed one can withdraw."
    )]
    Set {
        /// The event's id (see `handbill event list`).
        event: i64,
        /// The organization's id (see `handbill org list`).
        org: i64,
        status: String,
        /// The organization's contact person it went through (see `handbill org show ORG`).
        #[arg(long, value_name = "ID")]
        contact: Option<i64>,
        #[arg(long, value_name = "TEXT", default_value = "")]
        note: String,
        /// The day of the step, YYYY-MM-DD (default: today).
        #[arg(long, value_name = "DATE", default_value = "")]
        date: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum DemandsCommand {
    /// Every demand list with its number of demands and latest version.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a demand list: its latest version, or the one given.
    Show {
        /// The list's id (see `handbill demands list`).
        id: i64,
        /// The version's number (1 is the first).
        #[arg(long, value_name = "N")]
        version: Option<u32>,
        /// In this language, such as es (demands not translated yet stay in the original).
        #[arg(long, value_name = "LANG")]
        language: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(value).map_err(|e| Error::internal(e.to_string()))
}

pub fn org_command(db: &Database, command: OrgCommand) -> Result<String, Error> {
    match command {
        OrgCommand::List { json } => {
            let all = coalition::list_organizations(db)?;
            if json {
                return to_json(&all);
            }
            if all.is_empty() {
                return Ok("No organizations yet. Add one in the window, or import a file: handbill org import FILE.csv".to_owned());
            }
            let width = all
                .iter()
                .map(|o| o.name.chars().count())
                .max()
                .unwrap_or(4)
                .clamp(12, 48);
            let mut out = vec![format!(
                "{:>5}  {:<width$}  {:<22}  {}",
                "Id", "Organization", "Kind", "Tags"
            )];
            for o in &all {
                out.push(format!(
                    "{:>5}  {:<width$}  {:<22}  {}",
                    o.id,
                    o.name,
                    o.kind.as_str(),
                    o.tags.join(", ")
                ));
            }
            Ok(out.join("\n"))
        }
        OrgCommand::Show { id, json } => {
            let org = coalition::get_organization(db, id)?;
            let history = coalition::organization_history(db, id)?;
            if json {
                #[derive(serde::Serialize)]
                struct Shown<'a> {
                    #[serde(flatten)]
                    organization: &'a Organization,
                    history: &'a [coalition::Cosponsorship],
                }
                return to_json(&Shown {
                    organization: &org,
                    history: &history,
                });
            }
            Ok(describe_org(&org, &history))
        }
        OrgCommand::Import { file, dry_run } => {
            let bytes = coalition::read_org_file(&file)?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let report = coalition::import_organizations(
                db,
                &name,
                &bytes,
                &OrgImportOptions {
                    mapping: vec![],
                    dry_run,
                },
            )?;
            let mut out = vec![if dry_run {
                format!(
                    "Checked {} ({} rows): {} would be imported, {} would not be taken. Nothing was saved (--dry-run).",
                    report.file_name, report.rows, report.imported, report.rejected
                )
            } else {
                format!(
                    "Imported {} of {} rows from {}; {} not taken.",
                    report.imported, report.rows, report.file_name, report.rejected
                )
            }];
            let rejected: Vec<_> = report
                .entries
                .iter()
                .filter(|r| r.outcome == OrgRowOutcome::Rejected)
                .collect();
            if !rejected.is_empty() {
                out.push(String::new());
                out.push("Rows not taken:".to_owned());
                for r in rejected {
                    let name = if r.name.is_empty() {
                        "(no name)".to_owned()
                    } else {
                        format!("“{}”", r.name)
                    };
                    out.push(format!("  line {}: {} — {}", r.line, name, r.detail));
                }
            }
            Ok(out.join("\n"))
        }
    }
}

fn describe_org(o: &Organization, history: &[coalition::Cosponsorship]) -> String {
    let mut out = vec![format!("Organization {}: {}", o.id, o.name)];
    let mut field = |label: &str, value: &str| {
        if !value.trim().is_empty() {
            out.push(format!("  {label:<11}{value}"));
        }
    };
    field("Short name", &o.short_name);
    field("Kind", o.kind.as_str());
    field("Website", &o.website);
    field("Email", &o.email);
    field("Phone", &o.phone);
    field("Tags", &o.tags.join(", "));
    field(
        "Logo",
        &o.logo
            .as_ref()
            .map(|l| format!("{} {}×{}", l.media_type, l.width, l.height))
            .unwrap_or_default(),
    );
    if !o.notes.trim().is_empty() {
        out.push(String::new());
        out.push(o.notes.trim().to_owned());
    }
    out.push(String::new());
    if o.contacts.is_empty() {
        out.push("No contact people yet.".to_owned());
    } else {
        out.push("Contacts:".to_owned());
        for c in &o.contacts {
            let details: Vec<&str> = [c.role.as_str(), c.email.as_str(), c.phone.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect();
            out.push(format!(
                "  {:>5}  {}{}",
                c.id,
                c.name,
                if details.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", details.join(", "))
                }
            ));
        }
    }
    out.push(String::new());
    if history.is_empty() {
        out.push("No co-sponsorships with the branch yet.".to_owned());
    } else {
        out.push("History with the branch:".to_owned());
        for c in history {
            let what = match c.target {
                CosponsorTarget::Event(id) => format!("event {id}"),
                CosponsorTarget::Tour(id) => format!("tour {id}"),
            };
            out.push(format!(
                "  {:<10}  {} ({what}{})",
                c.status.as_str(),
                c.target_title,
                if c.target_date.is_empty() {
                    String::new()
                } else {
                    format!(", {}", c.target_date)
                }
            ));
            for s in &c.steps {
                let via = if s.contact_name.is_empty() {
                    String::new()
                } else {
                    format!(" via {}", s.contact_name)
                };
                let note = if s.note.is_empty() {
                    String::new()
                } else {
                    format!(": {}", s.note)
                };
                out.push(format!(
                    "      {} {}{via}{note}",
                    s.on_date,
                    s.status.as_str()
                ));
            }
        }
    }
    out.join("\n")
}

pub fn cosponsor_command(db: &Database, command: CosponsorCommand) -> Result<String, Error> {
    match command {
        CosponsorCommand::Set {
            event,
            org,
            status,
            contact,
            note,
            date,
        } => {
            let status = CosponsorStatus::parse(status.trim().to_lowercase().as_str()).ok_or_else(|| {
                Error::invalid_field(
                    "status",
                    format!("“{status}” is not a co-sponsorship status. Use one of: prospect, asked, confirmed, declined, withdrawn."),
                )
            })?;
            let c = coalition::set_cosponsor_status(
                db,
                CosponsorTarget::Event(event),
                org,
                StepInput {
                    status,
                    contact_id: contact,
                    note,
                    date,
                },
            )?;
            Ok(format!(
                "{} is now {} for “{}” (event {event}).",
                c.organization_name,
                c.status.as_str(),
                c.target_title
            ))
        }
    }
}

pub fn demands_command(db: &Database, command: DemandsCommand) -> Result<String, Error> {
    match command {
        DemandsCommand::List { json } => {
            let all = coalition::list_demand_lists(db)?;
            if json {
                return to_json(&all);
            }
            if all.is_empty() {
                return Ok(
                    "No demand lists yet. Write one in the window: Coalition → Demand lists."
                        .to_owned(),
                );
            }
            let mut out = vec![format!(
                "{:>5}  {:>7}  {:>7}  {}",
                "Id", "Demands", "Version", "Title"
            )];
            for l in &all {
                out.push(format!(
                    "{:>5}  {:>7}  {:>7}  {}",
                    l.id, l.demands, l.latest_version, l.title
                ));
            }
            Ok(out.join("\n"))
        }
        DemandsCommand::Show {
            id,
            version,
            language,
            json,
        } => {
            let list = coalition::get_demand_list(db, id)?;
            let version_id = match version {
                None => list.latest.id,
                Some(n) => *list
                    .version_ids
                    .get((n as usize).wrapping_sub(1))
                    .filter(|_| n >= 1)
                    .ok_or_else(|| {
                        Error::not_found(format!(
                            "Demand list {id} has no version {n}; its versions are 1 to {}.",
                            list.version_ids.len()
                        ))
                    })?,
            };
            let v = match language.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
                Some(lang) => coalition::version_in_language(db, version_id, lang)?,
                None => coalition::get_version(db, version_id)?,
            };
            if json {
                return to_json(&v);
            }
            Ok(describe_version(&v, list.version_ids.len()))
        }
    }
}

fn describe_version(v: &DemandListVersion, versions: usize) -> String {
    let mut out = vec![format!(
        "{} (list {}, version {} of {versions})",
        v.title, v.list_id, v.number
    )];
    if !v.translations.is_empty() {
        out.push(format!("Translations: {}", v.translations.join(", ")));
    }
    out.push(String::new());
    if !v.intro.trim().is_empty() {
        out.push(v.intro.trim().to_owned());
    }
    for d in &v.demands {
        out.push(format!("{:>3}. {}", d.number, d.text));
    }
    out.join("\n")
}
