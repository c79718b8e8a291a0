//! `handbill share …`: share the branch with other officers' laptops through
//! a folder a sync tool carries, through the same core functions as the
//! window's Settings → Sharing (`handbill_core::share`).

use std::path::PathBuf;

use clap::Subcommand;
use handbill_core::share::{self, InitRequest, JoinRequest, PickRequest, ShareStatus, SyncReport};
use handbill_core::{Database, Error};

#[derive(Subcommand, Debug)]
#[command(
    after_help = "Examples:\n  handbill share init ~/Sync/branch --name \"Ana's laptop\"\n  \
                        handbill share invite\n  \
                        handbill --db new.sqlite share join ~/Sync/branch --code 7KQ2-M9XD-4PWA --name \"Ben's laptop\"\n  \
                        handbill share sync"
)]
pub enum ShareCommand {
    /// Start sharing this branch through FOLDER (a folder Syncthing, Nextcloud, Dropbox or a USB stick carries).
    Init {
        folder: PathBuf,
        /// How the other officers see this laptop.
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// Invite another officer: prints a code to tell them (not by the same channel as the folder).
    Invite,
    /// Join a branch another officer shares, from a new, empty branch.
    Join {
        folder: PathBuf,
        #[arg(long, value_name = "CODE")]
        code: String,
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// Write this laptop's changes to the folder and apply the other officers'.
    Sync {
        #[arg(long)]
        json: bool,
    },
    /// The laptops, what could not be applied, and fields changed on two laptops while apart.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Remove an officer's laptop (by its id or name): its later files are refused, and a new key is made.
    Remove { laptop: String },
    /// Keep one side of a field changed on two laptops while apart (ids as `share status` lists them).
    Pick {
        conflict: String,
        #[arg(long, value_name = "LAPTOP")]
        laptop: String,
        #[arg(long, value_name = "N")]
        seq: i64,
    },
    /// Print the shared data in one canonical order, to compare two laptops.
    Dump,
}

pub fn command(db: &Database, command: ShareCommand) -> Result<String, Error> {
    match command {
        ShareCommand::Init { folder, name } => {
            let status = share::init(db, &InitRequest { folder, name })?;
            Ok(format!(
                "This branch is now shared through {} as “{}”.\nInvite another officer with `handbill share invite`.",
                status.folder, status.name
            ))
        }
        ShareCommand::Invite => {
            let invitation = share::invite(db)?;
            Ok(format!(
                "Invitation code: {}\nTell it to the new officer yourself (in person or by phone, not in the shared folder). \
                 On their laptop, once the folder has synced:\n  handbill share join FOLDER --code {} --name \"THEIR LAPTOP\"",
                invitation.code, invitation.code
            ))
        }
        ShareCommand::Join { folder, code, name } => {
            let report = share::join(db, &JoinRequest { folder, code, name })?;
            Ok(format!(
                "Joined. {}\nThe other officers' laptops accept this one when they next sync.",
                report_line(&report)
            ))
        }
        ShareCommand::Sync { json } => {
            let report = share::sync(db)?;
            if json {
                return crate::cli::to_json(&report);
            }
            Ok(format!(
                "{}\n{}",
                report_line(&report),
                status_text(&report.status)
            ))
        }
        ShareCommand::Status { json } => {
            let status = share::status(db)?;
            if json {
                return crate::cli::to_json(&status);
            }
            Ok(status_text(&status))
        }
        ShareCommand::Remove { laptop } => {
            let report = share::remove(db, &laptop)?;
            Ok(format!(
                "Removed. Their later files are refused, and a new key encrypts everything from now on.\n{}",
                status_text(&report.status)
            ))
        }
        ShareCommand::Pick {
            conflict,
            laptop,
            seq,
        } => {
            let report = share::pick(
                db,
                &PickRequest {
                    conflict,
                    laptop,
                    seq,
                },
            )?;
            Ok(format!("Kept. {}", report_line(&report)))
        }
        ShareCommand::Dump => share::dump(db),
    }
}

fn report_line(report: &SyncReport) -> String {
    format!(
        "Wrote {} change file{}, applied {} from other laptops ({} change{}).",
        report.written,
        if report.written == 1 { "" } else { "s" },
        report.applied,
        report.rows,
        if report.rows == 1 { "" } else { "s" }
    )
}

fn status_text(status: &ShareStatus) -> String {
    if !status.sharing {
        return "This branch is not shared. Start with `handbill share init FOLDER --name NAME`."
            .into();
    }
    let mut out = format!(
        "Shared through {} as “{}” ({}).\nLast sync: {}\n\nLaptops:\n",
        status.folder,
        status.name,
        status.laptop,
        status.synced_at.as_deref().unwrap_or("never")
    );
    for l in &status.laptops {
        out.push_str(&format!(
            "  {} {:<24} {}{} files applied, last change {}\n",
            l.laptop,
            l.name,
            if l.this_laptop { "(this laptop) " } else { "" },
            l.files,
            l.last_change.as_deref().unwrap_or("—")
        ));
        if l.removed {
            out.push_str("      removed: its later files are refused\n");
        }
    }
    if status.pending > 0 {
        out.push_str(&format!(
            "\n{} change(s) here not yet written to the folder.\n",
            status.pending
        ));
    }
    if !status.problems.is_empty() {
        out.push_str("\nNot applied:\n");
        for p in &status.problems {
            out.push_str(&format!("  {}: {}\n", p.file, p.reason));
        }
    }
    if !status.conflicts.is_empty() {
        out.push_str("\nAlso changed on another officer's laptop (pick one with `handbill share pick ID --laptop L --seq N`):\n");
        for c in &status.conflicts {
            out.push_str(&format!(
                "  {} “{}”, {}  [{}]\n",
                c.what, c.label, c.field, c.id
            ));
            for ch in &c.choices {
                out.push_str(&format!(
                    "    {} {:?} from {} (--laptop {} --seq {})\n",
                    if ch.current { "*" } else { " " },
                    ch.value,
                    ch.laptop_name,
                    ch.laptop,
                    ch.seq
                ));
            }
        }
    }
    out.trim_end().to_owned()
}
