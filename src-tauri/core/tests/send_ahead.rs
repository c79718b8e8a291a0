//! With a server that takes pipelined commands, the next person's envelope
//! (MAIL, RCPT, DATA) goes in the same write as the message before it, so a
//! message costs one round trip. Only the envelope goes ahead: their message
//! waits until they are recorded `sending`. These tests hold that to the
//! consent rules against a real SMTP server on loopback
//! (`tests/smtp/server.py`, journaling each recipient it accepts) and a real
//! SQLite file: someone who leaves the list after their envelope went ahead
//! is never mailed (the connection is dropped with their message unsent),
//! and a refused envelope taken ahead is recorded, with the bounce, without
//! a message ever leaving.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use handbill_core::mail::announcements::{
    send, AnnouncementState, Letters, Recipient, SendOptions,
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

fn one_worker() -> SendOptions {
    SendOptions {
        connections: 1,
        timeout: Duration::from_secs(10),
        retry_after: Duration::from_millis(100),
        ..Default::default()
    }
}

/// Plain letters. Writing the letter of the person just before someone in
/// `leaving` — which, with one worker and pipelining, happens just before that
/// letter goes with the leaver's envelope ahead of it — unsubscribes the
/// leaver (from a connection of their own, as the window would). The worker
/// learns it only at the leaver's own commit, after their envelope went.
struct LeaveWhenWritten {
    other: Mutex<Database>,
    list_id: i64,
    leaving: Vec<String>,
}

impl Letters for LeaveWhenWritten {
    fn sender(&self) -> &str {
        "branch@handbill.test"
    }

    fn envelope_from(&self, _to: &Recipient) -> String {
        "branch@handbill.test".to_owned()
    }

    fn letter(&self, to: &Recipient) -> handbill_core::Result<Vec<u8>> {
        let leaver = self.leaving.iter().find(|l| person_before(l) == to.email);
        if let Some(leaver) = leaver {
            let other = self.other.lock().unwrap();
            let id = subscribers::find(&other, leaver)?
                .expect("the leaver is a subscriber")
                .id;
            let status = subscribers::detail(&other, id)?
                .memberships
                .iter()
                .find(|m| m.list_id == self.list_id)
                .map(|m| m.status);
            if status == Some(ConsentStatus::Subscribed) {
                subscribers::set_status(
                    &other,
                    id,
                    self.list_id,
                    ConsentStatus::Unsubscribed,
                    "asked in a reply",
                )?;
            }
        }
        Ok(format!(
            "From: branch@handbill.test\r\nTo: {}\r\nSubject: Rally\r\nMessage-ID: <{}@handbill.test>\r\n\r\nCome to the rally.\r\n",
            to.email, to.subscriber_id
        )
        .into_bytes())
    }
}

/// `person0012@example.test` → `person0011@example.test`: who is claimed just before.
fn person_before(email: &str) -> String {
    let n: u32 = email[6..10].parse().expect("a numbered person");
    format!("person{:04}{}", n - 1, &email[10..])
}

fn status_of(path: &Path, id: i64, email: &str) -> (String, String) {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row(
            "SELECT status, reply FROM delivery WHERE announcement_id = ?1 AND email = ?2",
            rusqlite::params![id, email],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

#[test]
fn someone_who_leaves_before_their_commit_is_never_mailed_though_their_envelope_went_ahead() {
    let sink = Sink::start(&["--pipelining", "--journal-rcpt"]);
    // The server's own check that it is up is a connection too.
    let before = sink.events("connect").len();
    let b = branch(40, &sink, 0);
    let leaving = vec![
        "person0012@example.test".to_owned(),
        "person0030@example.test".to_owned(),
    ];
    let letters = LeaveWhenWritten {
        other: Mutex::new(Database::open(&b.path).unwrap()),
        list_id: b.list_id,
        leaving: leaving.clone(),
    };
    let done = send::run(&b.path, b.announcement, &letters, &one_worker(), &|_| {}).unwrap();
    assert_eq!(
        (done.sent, done.skipped, done.state),
        (38, 2, AnnouncementState::Done),
        "everyone else is mailed; the two who left are not: {done:?}"
    );
    let arrivals = sink.arrivals();
    assert_eq!(arrivals.len(), 38, "38 people got the message");
    assert!(
        arrivals.values().all(|&n| n == 1),
        "each of them exactly once"
    );
    let offered: Vec<String> = sink
        .events("rcpt")
        .iter()
        .map(|e| e["rcpt"].as_str().unwrap().to_owned())
        .collect();
    for who in &leaving {
        assert!(
            !arrivals.contains_key(who),
            "{who} left the list and got no message"
        );
        assert!(
            offered.contains(who),
            "{who}'s envelope went ahead (the server took their RCPT) before their commit found they had left: {offered:?}"
        );
        let (status, reply) = status_of(&b.path, b.announcement, who);
        assert_eq!(status, "skipped", "{who}: {reply}");
        assert!(
            reply.contains("unsubscribed"),
            "the reason is kept: {reply}"
        );
    }
    assert_eq!(
        sink.events("connect").len() - before,
        3,
        "the connection was dropped with each of the two unsent messages and a new one opened"
    );
}

#[test]
fn a_refused_envelope_taken_ahead_is_recorded_with_its_bounce_and_nobody_else_is_missed() {
    let sink = Sink::start(&["--pipelining", "--journal-rcpt", "--permfail", "person0007"]);
    let before = sink.events("connect").len();
    let b = branch(20, &sink, 0);
    let letters = LeaveWhenWritten {
        other: Mutex::new(Database::open(&b.path).unwrap()),
        list_id: b.list_id,
        leaving: Vec::new(),
    };
    let done = send::run(&b.path, b.announcement, &letters, &one_worker(), &|_| {}).unwrap();
    assert_eq!(
        (done.sent, done.failed, done.state),
        (19, 1, AnnouncementState::Done),
        "{done:?}"
    );
    let arrivals = sink.arrivals();
    assert_eq!(arrivals.len(), 19);
    assert!(arrivals.values().all(|&n| n == 1), "each exactly once");
    let (status, reply) = status_of(&b.path, b.announcement, "person0007@example.test");
    assert_eq!(status, "failed");
    assert!(
        reply.starts_with("550 5.1.1") && reply.contains("marked bounced"),
        "the server's words and the bounce: {reply}"
    );
    let db = Database::open(&b.path).unwrap();
    let person: i64 = db
        .conn()
        .query_row(
            "SELECT id FROM subscriber WHERE email = 'person0007@example.test'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let status = subscribers::detail(&db, person)
        .unwrap()
        .memberships
        .iter()
        .find(|m| m.list_id == b.list_id)
        .map(|m| m.status);
    assert_eq!(
        status,
        Some(ConsentStatus::Bounced),
        "the refusal of the address marks them bounced"
    );
    assert_eq!(
        sink.events("connect").len() - before,
        1,
        "a refused recipient does not cost the connection"
    );
}
