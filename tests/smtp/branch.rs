//! A branch for the sending tests: a contact address, one rally and `n`
//! numbered subscribers on "Announcements", in a real SQLite file.

use std::path::PathBuf;

use handbill_core::branch::{self, BranchInput};
use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::mail::lists;
use handbill_core::mail::subscribers::{self, SubscriberInput};
use handbill_core::Database;

pub struct Branch {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub event_id: i64,
    pub list_id: i64,
}

/// A branch with a contact address, one event and `n` subscribers on "Announcements".
pub fn branch(n: usize) -> Branch {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    let db = Database::open(&path).unwrap();
    branch::save(
        &db,
        BranchInput {
            name: "ISO Boston".into(),
            contact_email: "boston@handbill.test".into(),
            time_zone: "America/New_York".into(),
            languages: vec!["en".into()],
            ..BranchInput::new_branch()
        },
    )
    .unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    let event = events::create(
        &db,
        EventInput {
            title: "Rally for Siham".into(),
            kind: EventKind::Rally,
            description: "Join us at **City Hall**.".into(),
            start_date: "2027-01-25".into(),
            start_time: "12:00".into(),
            end_time: "14:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap();
    for i in 1..=n {
        subscribers::add(
            &db,
            SubscriberInput {
                email: format!("person{i:04}@example.test"),
                first_name: format!("P{i}"),
                ..Default::default()
            },
            Some(list.id),
            "test",
        )
        .unwrap();
    }
    Branch {
        dir,
        path,
        event_id: event.id,
        list_id: list.id,
    }
}
