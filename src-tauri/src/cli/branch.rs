//! The branch's part of the command line: `handbill demo`, `branch show`
//! and `branch set`. The same core functions the window's first start and
//! Settings call.

use std::path::PathBuf;

use clap::Subcommand;
use handbill_core::branch::{self, BranchProfile};
use handbill_core::{demo, Error};

use super::open;

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
                            languages (comma-separated, such as en,es), logo (a PNG or JPEG file; empty to remove), \
                            cancelled_shown (marked, struck or hidden: how listings, posters, flyers and announcements show a cancelled event)."
    )]
    Set {
        /// A key of `branch show --json`, such as contact_email.
        field: String,
        /// The new value.
        value: String,
    },
}

/// `handbill demo`: the sample branch (running it again changes nothing).
pub fn demo(db: Option<PathBuf>) -> Result<String, Error> {
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

pub fn command(db: Option<PathBuf>, command: BranchCommand) -> Result<String, Error> {
    match command {
        BranchCommand::Show { json } => {
            let db = open(db)?;
            let profile = branch::require(&db)?;
            if json {
                serde_json::to_string_pretty(&profile).map_err(|e| Error::internal(e.to_string()))
            } else {
                Ok(describe(&profile))
            }
        }
        BranchCommand::Set { field, value } => {
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
        ("Cancelled", p.cancelled_shown.name().to_owned()),
    ]
    .iter()
    .map(|(k, v)| format!("{k:<15}{v}"))
    .collect::<Vec<_>>()
    .join("\n")
}
