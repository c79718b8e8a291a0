//! Sending with several workers sharing commits (group commit in
//! `announcements::send`): proves that each person's delivery is committed
//! `sending`, and visible from another connection, before their message is
//! written and leaves, and that each person is mailed exactly once, against a
//! real SMTP server on loopback (`tests/smtp/server.py`) and a real SQLite file.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::mail::announcements::{
    account, send, store, AnnouncementInput, AnnouncementState, Letters, Recipient, Security,
    SendOptions, SmtpAccount, Template,
};
use handbill_core::mail::subscribers::{self, SubscriberInput};
use handbill_core::{mail::lists, Database};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

// The harness is shared by several tests; this one uses part of it.
#[allow(dead_code)]
#[path = "../../../tests/smtp/sink.rs"]
mod sink;
use sink::Sink;

/// Letters that, before writing each message, read the person's delivery
/// from a connection of their own (another reader of the same file) and
/// note what it says: it must already be committed `sending`.
struct CheckingLetters {
    reader: Mutex<rusqlite::Connection>,
    announcement: i64,
    seen: Mutex<Vec<(String, String)>>,
}

impl Letters for CheckingLetters {
    fn sender(&self) -> &str {
        "branch@handbill.test"
    }

    fn envelope_from(&self, _to: &Recipient) -> String {
        "branch@handbill.test".to_owned()
    }

    fn letter(&self, to: &Recipient) -> handbill_core::Result<Vec<u8>> {
        let status: String = self
            .reader
            .lock()
            .unwrap()
            .query_row(
                "SELECT status FROM delivery WHERE announcement_id = ?1 AND email = ?2",
                rusqlite::params![self.announcement, to.email],
                |r| r.get(0),
            )
            .map_err(|e| handbill_core::Error::internal(e.to_string()))?;
        self.seen.lock().unwrap().push((to.email.clone(), status));
        Ok(format!(
            "From: branch@handbill.test\r\nTo: {}\r\nSubject: Rally\r\nMessage-ID: <{}@handbill.test>\r\n\r\nCome to the rally.\r\n",
            to.email, to.subscriber_id
        )
        .into_bytes())
    }
}

fn branch(dir: &tempfile::TempDir, n: usize) -> (PathBuf, Database, i64, i64) {
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
                name: format!("Person {i}"),
                first_name: format!("P{i}"),
                ..Default::default()
            },
            Some(list.id),
            "test",
        )
        .unwrap();
    }
    (path, db, list.id, event.id)
}

#[test]
fn with_four_workers_sharing_commits_each_delivery_is_committed_sending_before_its_message_and_sent_once(
) {
    let sink = Sink::start(&["--pipelining"]);
    let dir = tempfile::tempdir().unwrap();
    let (path, db, list_id, event_id) = branch(&dir, 600);
    account::save(
        &db,
        &SmtpAccount {
            host: "127.0.0.1".into(),
            port: sink.port,
            security: Security::Plain,
            username: String::new(),
            rate_per_minute: 0,
            daily_cap: 0,
        },
    )
    .unwrap();
    let id = store::create(
        &db,
        AnnouncementInput {
            event_id: Some(event_id),
            tour_id: None,
            template: Template::NewEvent,
            list_id,
            segment: String::new(),
            subject: "Rally on Saturday".into(),
            body: "Come to the rally.".into(),
            attach_flyer: false,
            versions: Vec::new(),
        },
    )
    .unwrap()
    .id;
    let letters = CheckingLetters {
        reader: Mutex::new(rusqlite::Connection::open(&path).unwrap()),
        announcement: id,
        seen: Mutex::new(Vec::new()),
    };
    let options = SendOptions {
        connections: 4,
        timeout: Duration::from_secs(10),
        retry_after: Duration::from_millis(100),
        ..Default::default()
    };
    let done = send::run(&path, id, &letters, &options, &|_| {}).expect("the announcement is sent");
    assert_eq!(
        (done.sent, done.total, done.state),
        (600, 600, AnnouncementState::Done),
        "all 600 deliveries are recorded sent and the announcement is done: {done:?}"
    );
    let seen = letters.seen.into_inner().unwrap();
    assert_eq!(
        seen.len(),
        600,
        "one message was written per person, no more"
    );
    let early: Vec<_> = seen.iter().filter(|(_, s)| s != "sending").collect();
    assert!(
        early.is_empty(),
        "every delivery was committed 'sending' before its message was written: {early:?}"
    );
    let arrivals = sink.arrivals();
    assert_eq!(
        arrivals.len(),
        600,
        "a message arrived for each of the 600 people"
    );
    assert!(
        arrivals.values().all(|&n| n == 1),
        "nobody got two: {:?}",
        arrivals.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
}
