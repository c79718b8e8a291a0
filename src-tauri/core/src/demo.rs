//! The sample branch that `handbill demo` and the window's "Load the sample"
//! put into a database, so a newcomer sees real content at once. It is modelled
//! on a real branch's announcements and kept inside the project.

use serde::Serialize;
use ts_rs::TS;

use crate::branch::{self, BranchInput, BranchProfile};
use crate::coalition;
use crate::db::Database;
use crate::error::{Error, ErrorCode, Result};
use crate::events;
use crate::mail;

const SAMPLE_LOGO: &[u8] = include_bytes!("../assets/sample-logo.png");

/// The sample branch's profile.
pub fn sample_branch() -> BranchInput {
    BranchInput {
        name: "International Socialist Organization — Boston".to_owned(),
        short_name: "ISO-Boston".to_owned(),
        city: "Boston, MA".to_owned(),
        contact_email: "boston@example.org".to_owned(),
        website: "https://example.org/boston".to_owned(),
        time_zone: "America/New_York".to_owned(),
        languages: vec!["en".to_owned(), "es".to_owned()],
    }
}

/// What loading the sample did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DemoReport {
    /// False when the sample was already there and nothing changed.
    pub changed: bool,
    pub branch: BranchProfile,
}

/// Fills an empty database with the sample branch. Running it again changes
/// nothing; a database that holds another branch is refused, never overwritten.
pub fn load(db: &Database) -> Result<DemoReport> {
    let sample = sample_branch();
    if let Some(existing) = branch::get(db)? {
        if BranchInput::from(existing.clone()) == sample {
            // A sample loaded by an older Handbill gains the mailing list once.
            let tx = db.conn().unchecked_transaction()?;
            let changed = mail::sample::load(db)?;
            let changed = events::sample::load(db)? || changed;
            let changed = coalition::sample::load(db)? || changed;
            tx.commit()?;
            return Ok(DemoReport {
                changed,
                branch: existing,
            });
        }
        return Err(Error::new(
            ErrorCode::Invalid,
            format!(
                "This database already holds the branch “{}”, so the sample was not loaded. \
                 Load it into a new file instead: handbill --db demo.sqlite demo",
                existing.name
            ),
        ));
    }
    // One transaction: the sample lands whole or not at all.
    let tx = db.conn().unchecked_transaction()?;
    branch::save(db, sample)?;
    let branch = branch::set_logo(db, SAMPLE_LOGO)?;
    mail::sample::load(db)?;
    events::sample::load(db)?;
    coalition::sample::load(db)?;
    tx.commit()?;
    Ok(DemoReport {
        changed: true,
        branch,
    })
}
