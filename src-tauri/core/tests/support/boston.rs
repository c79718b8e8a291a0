//! The branch profile most tests sign their messages and flyers with: ISO
//! Boston, contact boston@handbill.test, New York time, English. Include it
//! with `#[path = "support/boston.rs"] mod boston;`.

use handbill_core::branch::{self, BranchInput};
use handbill_core::Database;

/// Saves the ISO Boston profile as the branch of `db`.
pub fn save_profile(db: &Database) {
    branch::save(
        db,
        BranchInput {
            name: "ISO Boston".into(),
            contact_email: "boston@handbill.test".into(),
            time_zone: "America/New_York".into(),
            languages: vec!["en".into()],
            ..BranchInput::new_branch()
        },
    )
    .unwrap();
}
