//! `handbill attendance …`: who came to an event, typed from the paper
//! sign-in sheet one row at a time or read from a door form's CSV, through
//! the same core functions as the event's Sign-in view
//! (`handbill_core::mail::attendance`).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use handbill_core::mail::attendance::{
    self, EventAttendance, MailChoice, SignIn, SignInResult, SignInRow,
};
use handbill_core::mail::import::read_file;
use handbill_core::mail::lists;
use handbill_core::{Database, Error};

#[derive(Subcommand, Debug)]
#[command(
    after_help = "Examples:\n  handbill attendance add 12 --name \"Ana Ruiz\" --email ana@example.org --email-me --list Announcements\n  \
                        handbill attendance import 12 door-form.csv --list Announcements\n  \
                        handbill attendance show 12\n  \
                        handbill subscribers count --list Announcements --segment attended=12"
)]
pub enum AttendanceCommand {
    /// Who came, how many were new, and who came last time but not this time.
    Show {
        event: i64,
        #[command(flatten)]
        date: Occasion,
        #[arg(long)]
        json: bool,
    },
    /// Record one row of the paper sign-in sheet.
    Add {
        event: i64,
        #[command(flatten)]
        date: Occasion,
        /// The row's number on the sheet (the next one when left out).
        #[arg(long, value_name = "N")]
        row: Option<u32>,
        #[arg(long, value_name = "NAME", default_value = "")]
        name: String,
        #[arg(long, value_name = "ADDRESS", default_value = "")]
        email: String,
        #[arg(long, value_name = "PHONE", default_value = "")]
        phone: String,
        #[arg(long, value_name = "ZIP", default_value = "")]
        zip: String,
        /// The box "Email me about future events" is ticked (needs --list).
        #[arg(long)]
        email_me: bool,
        /// The list a ticked box puts the person on.
        #[arg(long, value_name = "LIST")]
        list: Option<String>,
    },
    /// Record every row of a door form's CSV (name, email, phone, ZIP, and a yes/no "email me" column).
    Import {
        event: i64,
        file: PathBuf,
        #[command(flatten)]
        date: Occasion,
        /// The list a "yes" puts the person on.
        #[arg(long, value_name = "LIST")]
        list: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Take a row typed by mistake off the attendance (a subscription it made stays, as the ledger says).
    Remove {
        event: i64,
        row: u32,
        #[command(flatten)]
        date: Occasion,
    },
}

/// The meeting of a repeating series the sheet is from.
#[derive(Args, Debug)]
pub struct Occasion {
    /// For a meeting of a repeating series: its date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", default_value = "")]
    date: String,
}

fn list_id(db: &Database, name: Option<String>) -> Result<Option<i64>, Error> {
    name.map(|n| lists::find(db, &n).map(|l| l.id)).transpose()
}

pub fn command(db: &Database, command: AttendanceCommand) -> Result<String, Error> {
    match command {
        AttendanceCommand::Show { event, date, json } => {
            let seen = attendance::for_event(db, event, &date.date)?;
            if json {
                return super::to_json(&seen);
            }
            Ok(summary(&seen))
        }
        AttendanceCommand::Add {
            event,
            date,
            row,
            name,
            email,
            phone,
            zip,
            email_me,
            list,
        } => {
            let a = attendance::sign_in(
                db,
                &SignIn {
                    event_id: event,
                    occurrence: date.date,
                    list_id: list_id(db, list)?,
                    row: SignInRow {
                        row: row.unwrap_or(0),
                        name,
                        email,
                        phone,
                        postal_code: zip,
                        wants_mail: email_me,
                    },
                },
            )?;
            let who = if a.email.is_empty() {
                a.name.clone()
            } else if a.name.is_empty() {
                a.email.clone()
            } else {
                format!("{} <{}>", a.name, a.email)
            };
            let mut out = format!(
                "Row {}: {who}, {}{}",
                a.row,
                match a.result {
                    SignInResult::New => "new to the branch",
                    SignInResult::Returning => "known before",
                },
                match a.mail {
                    MailChoice::Subscribed => "; now on the list (the sheet row is the evidence)",
                    MailChoice::AlreadySubscribed => "; already on the list",
                    _ => "",
                }
            );
            if !a.note.is_empty() {
                out.push_str(&format!("\n{}", a.note));
            }
            Ok(out)
        }
        AttendanceCommand::Import {
            event,
            file,
            date,
            list,
            json,
        } => {
            let bytes = read_file(&file)?;
            let report =
                attendance::import_sheet(db, event, &date.date, list_id(db, list)?, &bytes)?;
            if json {
                return super::to_json(&report);
            }
            let mut out = vec![format!(
                "Recorded {} {} ({} new to the branch); {} now on the list.",
                report.recorded,
                if report.recorded == 1 {
                    "person"
                } else {
                    "people"
                },
                report.new_people,
                report.subscribed
            )];
            out.push(format!("Columns read: {}.", report.columns.join("; ")));
            for k in &report.kept_off {
                out.push(format!("Kept off: {k}"));
            }
            for p in &report.problems {
                out.push(format!("Line {}: {}", p.line, p.message));
            }
            Ok(out.join("\n"))
        }
        AttendanceCommand::Remove { event, row, date } => {
            attendance::remove(db, event, &date.date, row)?;
            Ok(format!("Row {row} is no longer counted as having come."))
        }
    }
}

fn summary(seen: &EventAttendance) -> String {
    let mut out = vec![format!(
        "{}{}: {} came, {} new to the branch.",
        seen.title,
        if seen.occurrence.is_empty() {
            String::new()
        } else {
            format!(" ({})", seen.occurrence)
        },
        seen.came.len(),
        seen.new_people
    )];
    for a in &seen.came {
        out.push(format!(
            "  {:>3}  {:<28} {:<32} {}{}",
            a.row,
            a.name,
            a.email,
            match a.result {
                SignInResult::New => "new",
                SignInResult::Returning => "",
            },
            match a.mail {
                MailChoice::Subscribed | MailChoice::AlreadySubscribed => " · email me",
                MailChoice::KeptOff => " · email me, but an opt-out stands",
                MailChoice::NoAddress => " · email me, no address",
                MailChoice::NotAsked => "",
            }
        ));
    }
    if !seen.last_time.is_empty() {
        if seen.missed.is_empty() {
            out.push(format!(
                "Everyone who came last time ({}) came again.",
                seen.last_time
            ));
        } else {
            out.push(format!(
                "Came last time ({}) but not this time:",
                seen.last_time
            ));
            for m in &seen.missed {
                out.push(format!("  {} {}", m.name, m.email).trim_end().to_owned());
            }
        }
    }
    out.join("\n")
}
