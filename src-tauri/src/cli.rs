//! The command line: the same core functions the window calls, for scripts and
//! for people who prefer a terminal. Results go to stdout, errors to stderr with
//! a non-zero exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use handbill_core::branch::{self, BranchProfile};
use handbill_core::{backup, demo, handover, storage, Database, Error, ErrorCode};

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
        /// Replace a branch already in the database (a backup of it is kept).
        #[arg(long)]
        replace: bool,
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
                println!("{output}");
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
            backup::check_source(&file)?;
            if !yes && !confirm(&format!(
                "Replace everything in {} with the backup {}? The current data is kept as a backup.",
                db.path().display(),
                file.display()
            ))? {
                return Ok("Nothing was restored.".to_owned());
            }
            let (db, kept) = backup::restore(db, &file)?;
            Ok(format!(
                "Restored {} into {}. The data it replaced is kept in {}.",
                file.display(),
                db.path().display(),
                kept.path
            ))
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
        Command::ImportBranch { file, replace } => {
            let path = storage::resolve_path(db)?;
            let (db, manifest) = handover::import(&file, &path, replace)?;
            Ok(format!(
                "Imported “{}” (exported {}) into {}.",
                manifest.branch_name,
                manifest.created_at,
                db.path().display()
            ))
        }
    }
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
