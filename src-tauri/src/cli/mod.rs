//! The command line: the same core functions the window calls, for scripts and
//! for people who prefer a terminal. Results go to stdout, errors to stderr with
//! a non-zero exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use handbill_core::db::storage;
use handbill_core::{Database, Error, ErrorCode};

mod ask;
mod attendance;
mod branch;
mod coalition;
mod db;
mod events;
mod flyers;
mod mail;
mod privacy;
mod publish;
mod share;

use branch::BranchCommand;
use events::EventCommand;
use mail::{ListCommand, SubscribersCommand};

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

    /// Create a new branch file unencrypted (as HANDBILL_ENCRYPT=0 does): anyone with the file can read it.
    #[arg(long, global = true)]
    pub no_encrypt: bool,

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
    /// Encrypt the database and its backups (a copy is taken first). The key goes in the
    /// keychain, else it is made from a passphrase (HANDBILL_PASSPHRASE or typed).
    Encrypt,
    /// Decrypt the database and its backups into plain files (a copy is taken first).
    Decrypt,
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
    Org(coalition::OrgCommand),
    /// Record an organization's co-sponsorship of an event.
    #[command(subcommand)]
    Cosponsor(coalition::CosponsorCommand),
    /// List and show demand lists and their versions.
    #[command(subcommand)]
    Demands(coalition::DemandsCommand),
    /// Print an event's flyer, or a whole tour's, as a PDF.
    Flyer(flyers::FlyerArgs),
    /// Draw an event or a tour as an image for social media (PNG), with its alt text beside it.
    Image(flyers::ImageArgs),
    /// Write the branch's upcoming events as a static web site into a folder (publishing again changes only what changed).
    Publish(publish::PublishArgs),
    /// Print a sign-in sheet for an event's door: numbered rows for name, email, phone and ZIP.
    SigninSheet(flyers::SigninArgs),
    /// Who came to an event: type the sign-in sheet in, read a door form's CSV, see who came.
    #[command(subcommand)]
    Attendance(attendance::AttendanceCommand),
    /// Announce an event to a list: queue everyone and send, showing progress.
    Announce(mail::announcements::AnnounceArgs),
    /// Follow and steer sending: status, resume, pause, cancel, uncertain deliveries, test the account;
    /// schedule an announcement and send the ones that are due.
    #[command(subcommand)]
    Send(mail::announcements::SendCommand),
    /// Install (or remove) the computer's timer that runs `handbill send due`, so scheduled
    /// announcements go out while the window is closed.
    #[command(subcommand)]
    Schedule(mail::announcements::ScheduleCommand),
    /// Read the branch's mailbox: bounces, complaints and requests to leave, acted on and filed.
    #[command(subcommand)]
    Mailbox(mail::mailbox::MailboxCommand),
    /// Share the branch with other officers' laptops through a folder any sync tool carries.
    #[command(subcommand)]
    Share(share::ShareCommand),
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
    let db = Database::open(&storage::resolve_path(db)?)?;
    // A shared branch's change triggers, made again after a migration.
    handbill_core::share::prepare(&db)?;
    Ok(db)
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(value).map_err(|e| Error::internal(e.to_string()))
}

fn execute(db: Option<PathBuf>, command: Command) -> Result<String, Error> {
    // Every command works on the branch: it is unlocked (or how a new one is
    // encrypted is decided) once, before anything opens it.
    let path = storage::resolve_path(db.clone())?;
    let unattended = matches!(
        command,
        Command::Send(mail::announcements::SendCommand::Due)
    );
    if unattended && !path.exists() {
        // Run by a timer: a branch moved away is said, never made anew.
        return Err(Error::not_found(format!(
            "There is no branch at {}: nothing was sent. If it moved, install the timer again: \
             handbill --db NEW_PATH schedule install",
            path.display()
        )));
    }
    if !matches!(command, Command::Backups | Command::Schedule(_)) {
        privacy::prepare(&path, !unattended)?;
    }
    match command {
        Command::Encrypt => privacy::encrypt(db),
        Command::Decrypt => privacy::decrypt(db),
        Command::Demo => branch::demo(db),
        Command::Branch(command) => branch::command(db, command),
        Command::Backup { output } => db::backup(db, output),
        Command::Backups => db::backups(db),
        Command::Restore { file, yes } => db::restore(db, file, yes),
        Command::Export { output } => db::export(db, output),
        Command::ImportBranch { file, replace, yes } => db::import_branch(db, file, replace, yes),
        Command::Subscribers(command) => mail::subscribers_command(&open(db)?, command),
        Command::List(command) => mail::list_command(&open(db)?, command),
        Command::Event(command) => events::command(&open(db)?, command),
        Command::Org(command) => coalition::org_command(&open(db)?, command),
        Command::Cosponsor(command) => coalition::cosponsor_command(&open(db)?, command),
        Command::Demands(command) => coalition::demands_command(&open(db)?, command),
        Command::Flyer(args) => flyers::flyer_command(&open(db)?, args),
        Command::Image(args) => flyers::image_command(&open(db)?, args),
        Command::SigninSheet(args) => flyers::signin_command(&open(db)?, args),
        Command::Publish(args) => publish::command(&open(db)?, args),
        Command::Attendance(command) => attendance::command(&open(db)?, command),
        Command::Announce(args) => {
            mail::announcements::announce_command(&storage::resolve_path(db)?, args)
        }
        Command::Send(command) => {
            mail::announcements::send_command(&storage::resolve_path(db)?, command)
        }
        Command::Schedule(command) => {
            mail::announcements::schedule_command(&storage::resolve_path(db)?, command)
        }
        Command::Mailbox(command) => mail::mailbox::command(&open(db)?, command),
        Command::Share(command) => share::command(&open(db)?, command),
    }
}
