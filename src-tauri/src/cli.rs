//! The command line: the same core functions the window calls, for scripts and
//! for people who prefer a terminal. Results go to stdout, errors to stderr with
//! a non-zero exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use handbill_core::branch::{self, BranchProfile};
use handbill_core::{demo, storage, Database, Error, ErrorCode};

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
    }
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
