//! `handbill mailbox …`: read the branch's mailbox (bounce reports, spam
//! complaints, unsubscribe replies) and act on it, as the window's Mailbox
//! view does, through the same core functions (`handbill_core::mail::mailbox`).

use std::path::PathBuf;
use std::time::Duration;

use clap::Subcommand;
use handbill_core::mail::announcements::Password;
use handbill_core::mail::mailbox::{
    self, account, CheckOptions, CheckReport, MailboxEntry, Resolution,
};
use handbill_core::{Database, Error};

use crate::job::Progress;

/// The environment variable the mailbox password is read from when there is no keychain.
const PASSWORD_VARIABLE: &str = "HANDBILL_IMAP_PASSWORD";

#[derive(Subcommand, Debug)]
#[command(
    after_help = "The password is taken from the keychain, or from $HANDBILL_IMAP_PASSWORD for this run.\n\n\
                  Examples:\n  handbill mailbox setup 'imaps://boston@example.org@imap.example.org:993'\n  \
                  handbill mailbox check --dry-run\n  handbill mailbox import saved-bounce.eml"
)]
pub enum MailboxCommand {
    /// Save the IMAP side of the mail account: imaps://USER@HOST:993/FOLDER?handled=Handbill/Handled
    /// (imap:// is STARTTLS; ?security=plain only for a server on this machine; no password in it).
    Setup {
        #[arg(value_name = "URL")]
        url: String,
    },
    /// Test the mailbox: connect, encrypt, log in and open the folder, reading nothing.
    Test,
    /// Send a probe to a plus address of the branch's own and see whether it arrives: if it
    /// does, each message goes out with its own return path.
    Probe {
        /// How long to wait for the probe to arrive, in seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 60)]
        wait: u64,
    },
    /// Read the new messages and act: bounces, complaints, requests to leave. Resumes where the last check stopped.
    Check {
        /// Say what would be done, and change nothing (no message is filed either).
        #[arg(long)]
        dry_run: bool,
        /// Read at most this many messages now; the next check goes on from there.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Do the same for messages saved from webmail: one .eml file or an .mbox file.
    Import {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// List what was done and what needs you.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Show one message as it was read.
    Message { id: i64 },
    /// Undo a wrong reading: the person is put back on the lists it took them off (ledgered).
    Undo {
        id: i64,
        /// Why, for the ledger.
        #[arg(
            long,
            value_name = "TEXT",
            default_value = "undone on the command line"
        )]
        reason: String,
    },
    /// Decide about a message that needs you.
    Resolve {
        id: i64,
        /// Unsubscribe the person from every list.
        #[arg(long, conflicts_with_all = ["bounced", "leave"], required_unless_present_any = ["bounced", "leave"])]
        unsubscribe: bool,
        /// Mark the person bounced.
        #[arg(long, conflicts_with = "leave")]
        bounced: bool,
        /// Nothing to do.
        #[arg(long)]
        leave: bool,
    },
    /// Forget the mailbox's settings and its saved password.
    Remove,
}

fn session_password() -> Option<Password> {
    std::env::var(PASSWORD_VARIABLE)
        .ok()
        .filter(|p| !p.is_empty())
        .map(Password::new)
}

fn smtp_password() -> Option<Password> {
    std::env::var("HANDBILL_SMTP_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
        .map(Password::new)
}

fn progress_line(p: &(u32, u32)) -> String {
    format!("Reading messages: {} of {}", p.0, p.1)
}

fn report_text(report: &CheckReport, json: bool) -> Result<String, Error> {
    if json {
        return crate::cli::to_json(report);
    }
    let mut out = String::new();
    for line in &report.lines {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&report.summary());
    Ok(out)
}

fn entry_line(e: &MailboxEntry) -> String {
    let what = e.action.label();
    format!(
        "{:>5}  {}  {:<13} {:<32} {}{}{}",
        e.id,
        e.received_at.get(..10).unwrap_or(&e.received_at),
        what,
        if e.person.is_empty() {
            e.sender.as_str()
        } else {
            e.person.as_str()
        },
        e.summary,
        if e.undone { " (undone)" } else { "" },
        if e.resolution.is_empty() {
            String::new()
        } else {
            format!(" (decided: {})", e.resolution)
        }
    )
}

pub fn command(db: &Database, command: MailboxCommand) -> Result<String, Error> {
    match command {
        MailboxCommand::Setup { url } => {
            let parsed = account::parse_url(&url)?;
            let saved = account::save(db, &parsed)?;
            let mut out = format!(
                "Mailbox saved: {} ({}), reading “{}”, filing what was handled in “{}”.",
                saved.label(),
                saved.security.as_str(),
                saved.folder,
                saved.handled_folder
            );
            if let Some(p) = std::env::var(PASSWORD_VARIABLE)
                .ok()
                .filter(|p| !p.is_empty())
            {
                match account::keep_password(db, &p)? {
                    None => out.push_str("\nIts password is kept in the keychain."),
                    Some(_) => out.push_str(
                        "\nNo keychain is available: set HANDBILL_IMAP_PASSWORD for each run.",
                    ),
                }
            }
            Ok(out)
        }
        MailboxCommand::Test => {
            let acct = account::get(db)?.ok_or_else(|| {
                Error::not_found("No mailbox is set up yet: see `handbill mailbox setup`.")
            })?;
            let password = account::password_for(&acct, session_password().as_ref())?;
            let report = mailbox::test(&acct, &password);
            if report.ok {
                Ok(report.message)
            } else {
                Err(Error::storage(report.message))
            }
        }
        MailboxCommand::Probe { wait } => {
            let report = mailbox::probe(
                db,
                smtp_password().as_ref(),
                session_password().as_ref(),
                Duration::from_secs(wait.clamp(1, 600)),
            )?;
            Ok(report.message)
        }
        MailboxCommand::Check {
            dry_run,
            limit,
            json,
        } => {
            let progress = Progress::terminal_only(progress_line);
            let result = mailbox::check(
                db,
                session_password().as_ref(),
                CheckOptions { dry_run, limit },
                &mut |done, total| {
                    progress.report(&(done, total));
                    true
                },
            );
            progress.finish();
            report_text(&result?, json)
        }
        MailboxCommand::Import {
            file,
            dry_run,
            json,
        } => {
            let progress = Progress::terminal_only(progress_line);
            let result = mailbox::import_file(
                db,
                &file,
                CheckOptions {
                    dry_run,
                    limit: None,
                },
                &mut |done, total| {
                    progress.report(&(done, total));
                    true
                },
            );
            progress.finish();
            report_text(&result?, json)
        }
        MailboxCommand::Show { json } => {
            let view = mailbox::view(db, session_password().as_ref())?;
            if json {
                return crate::cli::to_json(&view);
            }
            let mut out = String::new();
            match &view.account {
                Some(a) => out.push_str(&format!(
                    "Mailbox: {} reading “{}”; last checked {}; {}.\n",
                    a.label(),
                    a.folder,
                    view.checked_at.as_deref().unwrap_or("never"),
                    match view.plus_addressing {
                        Some(true) => "each message goes out with its own return path",
                        Some(false) =>
                            "the provider takes no plus addresses: the token rides in a header",
                        None => "plus addresses not probed yet (handbill mailbox probe)",
                    }
                )),
                None => out.push_str(
                    "No mailbox is set up (messages can still be imported from files).\n",
                ),
            }
            out.push_str(&format!("\nNeeds you ({}):\n", view.needs_you.len()));
            if view.needs_you.is_empty() {
                out.push_str("  nothing\n");
            }
            for e in &view.needs_you {
                out.push_str(&entry_line(e));
                out.push('\n');
            }
            out.push_str(&format!("\nDone ({}):\n", view.done.len()));
            if view.done.is_empty() {
                out.push_str("  nothing yet\n");
            }
            for e in &view.done {
                out.push_str(&entry_line(e));
                out.push('\n');
            }
            Ok(out.trim_end().to_owned())
        }
        MailboxCommand::Message { id } => {
            let m = mailbox::message(db, id)?;
            let mut out = String::new();
            for (name, value) in &m.headers {
                out.push_str(&format!("{name}: {value}\n"));
            }
            out.push_str(&format!("\n{}", m.text));
            Ok(out)
        }
        MailboxCommand::Undo { id, reason } => {
            let e = mailbox::undo(db, id, &reason)?;
            Ok(format!("Undone: {}", entry_line(&e).trim_start()))
        }
        MailboxCommand::Resolve {
            id,
            unsubscribe: _,
            bounced,
            leave,
        } => {
            let resolution = if leave {
                Resolution::LeaveAlone
            } else if bounced {
                Resolution::Bounced
            } else {
                Resolution::Unsubscribe
            };
            let e = mailbox::resolve(db, id, resolution)?;
            Ok(format!("Decided: {}", entry_line(&e).trim_start()))
        }
        MailboxCommand::Remove => {
            account::remove(db)?;
            Ok("The mailbox's settings and saved password are forgotten.".to_owned())
        }
    }
}
