//! A branch file ready to send: one list of `n` people (`person0001@example.test`
//! …, first names P1 …), a rally, an SMTP account pointing at a loopback sink
//! and a new-event announcement to the list, not yet queued. Shared by the
//! sending tests; include it with
//! `#[path = "support/sending_branch.rs"] mod sending_branch;` beside the sink
//! (`tests/smtp/sink.rs`, as `mod sink`).

use std::path::PathBuf;

use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::mail::announcements::{
    account, store, AnnouncementInput, Security, SmtpAccount, Template,
};
use handbill_core::mail::lists;
use handbill_core::mail::subscribers::{self, SubscriberInput};
use handbill_core::Database;

use crate::sink::Sink;

// Not every test reads every field.
#[allow(dead_code)]
pub struct Branch {
    pub _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub db: Database,
    pub list_id: i64,
    pub announcement: i64,
}

/// The branch, with `daily_cap` messages a day on its account (0: none).
pub fn branch(n: usize, sink: &Sink, daily_cap: u32) -> Branch {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    let db = Database::open(&path).unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    let event = events::create(
        &db,
        EventInput {
            title: "Rally".into(),
            kind: EventKind::Rally,
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
    account::save(
        &db,
        &SmtpAccount {
            host: "127.0.0.1".into(),
            port: sink.port,
            security: Security::Plain,
            username: String::new(),
            rate_per_minute: 0,
            daily_cap,
        },
    )
    .unwrap();
    let announcement = store::create(
        &db,
        AnnouncementInput {
            event_id: Some(event.id),
            tour_id: None,
            template: Template::NewEvent,
            list_id: list.id,
            segment: String::new(),
            subject: "Rally on Saturday".into(),
            body: "Come to the rally.".into(),
            attach_flyer: false,
            versions: Vec::new(),
        },
    )
    .unwrap()
    .id;
    Branch {
        _dir: dir,
        path,
        db,
        list_id: list.id,
        announcement,
    }
}
