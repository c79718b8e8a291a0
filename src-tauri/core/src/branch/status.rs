//! What the window needs to know when it starts: which file is open, whether it
//! opened, and whether it has a branch yet (so it can offer to create one or to
//! load the sample).

use std::path::Path;

use rusqlite::OptionalExtension;
use serde::Serialize;
use ts_rs::TS;

use crate::branch::{self, BranchProfile};
use crate::db::keys::{self, Access};
use crate::db::storage::{self, Database};
use crate::error::Error;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AppStatus {
    pub version: String,
    pub db_path: String,
    /// The schema version this build writes.
    pub schema_version: u32,
    /// Set when the database could not be opened; nothing else is then available.
    pub problem: Option<Error>,
    /// `None` until the branch is created or the sample loaded.
    pub branch: Option<BranchProfile>,
    /// Set while the branch waits for its passphrase, or for one to be
    /// chosen before it is created; absent once it is open.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked: Option<Access>,
}

/// The status of a database that opened, or of one that failed to.
pub fn status(path: &Path, db: Result<&Database, &Error>) -> AppStatus {
    let (problem, branch) = match db {
        Ok(db) => match branch::get(db) {
            Ok(branch) => (None, branch),
            Err(e) => (Some(e), None),
        },
        Err(e) => (Some(e.clone()), None),
    };
    AppStatus {
        version: crate::VERSION.to_owned(),
        db_path: path.display().to_string(),
        schema_version: storage::schema_version() as u32,
        locked: db.is_err().then(|| keys::waiting(path)).flatten(),
        problem,
        branch,
    }
}

/// The three first steps a new branch is offered on its Events screen, and
/// which of them are done: each is done once the branch holds what it makes,
/// so the offer gives way by itself (and comes back for a step undone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct FirstSteps {
    /// An event (or a tour's stop) exists, draft or not.
    pub event: bool,
    /// Someone is on a list: a list was imported or a person added.
    pub people: bool,
    /// A mail account is set up, so announcements are sent, not saved to the outbox.
    pub mail_account: bool,
    /// The organizers hid the steps (*Hide these steps*): none is offered.
    pub hidden: bool,
    /// Whether the Events screen offers the steps: some left, and not hidden.
    pub offered: bool,
}

impl FirstSteps {
    /// Whether every first step is done (then none is offered).
    pub fn all_done(&self) -> bool {
        self.event && self.people && self.mail_account
    }
}

/// Which of the first steps the branch has done, read from what it holds.
pub fn first_steps(db: &Database) -> crate::error::Result<FirstSteps> {
    let conn = db.conn();
    let any = |table: &str| -> crate::error::Result<bool> {
        Ok(
            conn.query_row(&format!("SELECT EXISTS (SELECT 1 FROM {table})"), [], |r| {
                r.get(0)
            })?,
        )
    };
    let hidden = conn
        .query_row(
            "SELECT first_steps_hidden FROM branch WHERE id = 1",
            [],
            |r| r.get::<_, bool>(0),
        )
        .optional()?
        .unwrap_or(false);
    let mut steps = FirstSteps {
        event: any("event")?,
        people: any("membership")?,
        mail_account: any("smtp_account")?,
        hidden,
        offered: false,
    };
    steps.offered = !steps.hidden && !steps.all_done();
    Ok(steps)
}

/// Hides the first steps for good (*Hide these steps*); answers them as now.
/// A database without a branch yet has nothing to hide them on: refused.
pub fn hide_first_steps(db: &Database) -> crate::error::Result<FirstSteps> {
    let changed = db
        .conn()
        .execute("UPDATE branch SET first_steps_hidden = 1 WHERE id = 1", [])?;
    if changed == 0 {
        return Err(Error::invalid_field(
            "branch",
            "Create the branch first: the first steps belong to it.",
        ));
    }
    first_steps(db)
}
