//! The sending workers share one pool of claimed deliveries (so the people
//! mailed at the same time are neighbours in the file and a commit rewrites
//! one page of it). These tests hold the pool to what each worker's own
//! claims promised, with four workers against a real SMTP server on loopback
//! (`tests/smtp/server.py`) and a real SQLite file: people who leave the list
//! after their delivery was claimed are not mailed, a pause or the daily cap
//! gives every claimed delivery back to the queue (nothing is left claimed or
//! in flight), and a resume mails everyone else exactly once.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use handbill_core::mail::announcements::{
    send, store, AnnouncementState, Letters, Recipient, SendOptions,
};
use handbill_core::mail::subscribers::{self, ConsentStatus};
use handbill_core::Database;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

// The harness is shared by several tests; this one uses part of it.
#[allow(dead_code)]
#[path = "../../../tests/smtp/sink.rs"]
mod sink;
use sink::Sink;

#[path = "support/sending_branch.rs"]
mod sending_branch;
use sending_branch::branch;

fn four_workers() -> SendOptions {
    SendOptions {
        connections: 4,
        timeout: Duration::from_secs(10),
        retry_after: Duration::from_millis(100),
        ..Default::default()
    }
}

/// How many deliveries of the announcement are in each raw state (`claimed` included).
fn raw_count(path: &Path, id: i64, status: &str) -> usize {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM delivery WHERE announcement_id = ?1 AND status = ?2",
            rusqlite::params![id, status],
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as usize
}

/// Plain letters; while writing the `leave_at`-th, the people in `leaving`
/// unsubscribe (from a connection of their own, as the window would), and
/// while writing the `pause_at`-th the organizer pauses the send.
struct Letters2 {
    other: Mutex<Database>,
    written: AtomicUsize,
    list_id: i64,
    announcement: i64,
    leaving: Vec<i64>,
    leave_at: usize,
    pause_at: usize,
}

impl Letters for Letters2 {
    fn sender(&self) -> &str {
        "branch@handbill.test"
    }

    fn envelope_from(&self, _to: &Recipient) -> String {
        "branch@handbill.test".to_owned()
    }

    fn letter(&self, to: &Recipient) -> handbill_core::Result<Vec<u8>> {
        let n = self.written.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.leave_at {
            let other = self.other.lock().unwrap();
            for id in &self.leaving {
                subscribers::set_status(
                    &other,
                    *id,
                    self.list_id,
                    ConsentStatus::Unsubscribed,
                    "asked in a reply",
                )?;
            }
        }
        if n == self.pause_at {
            store::request_pause(&self.other.lock().unwrap(), self.announcement)?;
        }
        Ok(format!(
            "From: branch@handbill.test\r\nTo: {}\r\nSubject: Rally\r\nMessage-ID: <{}@handbill.test>\r\n\r\nCome to the rally.\r\n",
            to.email, to.subscriber_id
        )
        .into_bytes())
    }
}

#[test]
fn people_who_leave_after_being_claimed_are_not_mailed_and_a_pause_gives_the_claims_back() {
    let sink = Sink::start(&["--pipelining"]);
    let b = branch(400, &sink, 0);
    // The last thirty on the list: by the 60th message they are claimed (the
    // claims grow with the pace) or about to be.
    let leaving: Vec<i64> =
        b.db.conn()
            .prepare("SELECT id FROM subscriber WHERE email >= 'person0371' ORDER BY email")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
    assert_eq!(leaving.len(), 30);
    let letters = Letters2 {
        other: Mutex::new(Database::open(&b.path).unwrap()),
        written: AtomicUsize::new(0),
        list_id: b.list_id,
        announcement: b.announcement,
        leaving,
        leave_at: 60,
        pause_at: 200,
    };
    let paused = send::run(&b.path, b.announcement, &letters, &four_workers(), &|_| {}).unwrap();
    assert_eq!(
        paused.state,
        AnnouncementState::Paused,
        "the send stopped on the pause: {paused:?}"
    );
    assert!(
        paused.sent >= 200 && paused.sent < 370,
        "the messages in hand at the pause finish, the rest wait: {paused:?}"
    );
    assert_eq!(
        (
            raw_count(&b.path, b.announcement, "claimed"),
            raw_count(&b.path, b.announcement, "sending")
        ),
        (0, 0),
        "after the pause nothing is left claimed or in flight: the shared claims went back to the queue"
    );
    assert_eq!(
        raw_count(&b.path, b.announcement, "queued"),
        400 - paused.sent as usize,
        "everyone not yet mailed is queued again (those who left are skipped when their turn comes): {paused:?}"
    );
    let done = send::run(&b.path, b.announcement, &letters, &four_workers(), &|_| {}).unwrap();
    assert_eq!(
        (done.sent, done.skipped, done.state),
        (370, 30, AnnouncementState::Done),
        "the resume mails everyone else; the thirty who left are not mailed: {done:?}"
    );
    let arrivals = sink.arrivals();
    assert_eq!(arrivals.len(), 370, "370 people got the message");
    assert!(
        arrivals.values().all(|&n| n == 1),
        "each of them exactly once"
    );
    assert!(
        (371..=400).all(|i| !arrivals.contains_key(&format!("person{i:04}@example.test"))),
        "none of those who left was mailed"
    );
}

#[test]
fn the_daily_cap_reached_by_four_workers_gives_every_other_claim_back() {
    let sink = Sink::start(&["--pipelining"]);
    let b = branch(300, &sink, 50);
    let letters = Letters2 {
        other: Mutex::new(Database::open(&b.path).unwrap()),
        written: AtomicUsize::new(0),
        list_id: b.list_id,
        announcement: b.announcement,
        leaving: Vec::new(),
        leave_at: 0,
        pause_at: 0,
    };
    let capped = send::run(&b.path, b.announcement, &letters, &four_workers(), &|_| {}).unwrap();
    assert_eq!(
        (capped.sent, capped.queued, capped.state),
        (50, 250, AnnouncementState::Paused),
        "the cap of 50 stops four workers with 250 still queued: {capped:?}"
    );
    assert!(capped.note.contains("daily cap"), "{}", capped.note);
    assert_eq!(
        (
            raw_count(&b.path, b.announcement, "claimed"),
            raw_count(&b.path, b.announcement, "sending"),
            raw_count(&b.path, b.announcement, "queued")
        ),
        (0, 0, 250),
        "the claimed deliveries went back to the queue"
    );
    assert_eq!(sink.arrivals().len(), 50, "the server got fifty");
    assert!(sink.arrivals().values().all(|&n| n == 1));
}
