//! The sending promise under SIGKILL with four connections sharing one pool
//! of claimed deliveries (`announcements::send`): `handbill announce` and
//! `handbill send resume` are killed at random points while they send to a
//! real SMTP server on loopback (`tests/smtp/server.py`, with pipelining).
//! After every kill, read from the file as the next sender would find it:
//!
//!  - a delivery recorded `sent` arrived exactly once;
//!  - one still queued or claimed (not yet recorded `sending`) never arrived;
//!  - at most two deliveries per connection are `sending` (their fate unknown:
//!    the message on its way, and the next one, marked while it was),
//!    and it arrived at most once;
//!
//! and at the end everyone is sent or uncertain, nobody arrived twice, and
//! the uncertain are at most the messages in flight at the kills and each
//! connection's next.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use handbill_core::mail::announcements::{store, DeliveryStatus};
use handbill_core::Database;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// The harness is shared by several tests; this one uses part of it.
#[allow(dead_code)]
#[path = "smtp/sink.rs"]
mod sink;
use sink::Sink;

const CONNECTIONS: usize = 4;
const PEOPLE: usize = 1600;

// One branch fixture for the sending tests (tests/smtp/branch.rs).
#[allow(dead_code)]
#[path = "smtp/branch.rs"]
mod fixture;
use fixture::{branch, Branch};

impl Branch {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_handbill"));
        // These tests read the file with SQLite: a plain branch.
        c.env("HANDBILL_ENCRYPT", "0");
        c.arg("--db")
            .arg(&self.path)
            .args(args)
            .env_remove("HANDBILL_DB")
            .env_remove("HANDBILL_SMTP_PASSWORD")
            .env("HANDBILL_LOG_DIR", self.dir.path().join("logs"))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    }
}

/// A small deterministic generator, so a failing run can be repeated from its seed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// The deliveries' raw states (`claimed` included) and what arrived, checked
/// against the promise. Returns how many rows are in each raw state.
fn check(b: &Branch, sink: &Sink, id: i64, when: &str) -> HashMap<String, usize> {
    let arrivals = sink.arrivals();
    let conn = rusqlite::Connection::open(&b.path).unwrap();
    let rows: Vec<(String, String)> = conn
        .prepare("SELECT email, status FROM delivery WHERE announcement_id = ?1")
        .unwrap()
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(rows.len(), PEOPLE, "{when}: one delivery per person");
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (email, status) in &rows {
        *counts.entry(status.clone()).or_insert(0) += 1;
        let got = arrivals.get(email).copied().unwrap_or(0);
        match status.as_str() {
            "sent" => assert_eq!(
                got, 1,
                "{when}: {email} is recorded sent and arrived {got} times"
            ),
            "queued" | "claimed" => assert_eq!(
                got, 0,
                "{when}: {email} was never recorded sending ({status}) but arrived {got} times"
            ),
            "sending" | "uncertain" => {
                assert!(got <= 1, "{when}: {email} ({status}) arrived {got} times")
            }
            other => panic!("{when}: {email} is {other}; nobody should be failed or skipped here"),
        }
    }
    for (email, got) in &arrivals {
        assert!(
            *got <= 1,
            "{when}: {email} arrived {got} times: nobody is mailed twice"
        );
    }
    // A connection's message on its way, and its next person, marked
    // `sending` while that message was (send.rs, `Job::post`).
    let in_flight = counts.get("sending").copied().unwrap_or(0);
    assert!(
        in_flight <= 2 * CONNECTIONS,
        "{when}: {in_flight} deliveries were marked sending at once, more than two per connection: {counts:?}"
    );
    counts
}

#[test]
fn killed_at_random_points_with_four_connections_nobody_is_mailed_twice_and_the_unknown_are_known()
{
    let sink = Sink::start(&["--pipelining"]);
    let b = branch(PEOPLE);
    let smtp = format!("smtp://127.0.0.1:{}?security=plain", sink.port);
    let event = b.event_id.to_string();
    let connections = CONNECTIONS.to_string();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut random = Lcg(seed);
    let mut killed_mid_send = 0;
    let mut id: Option<i64> = None;
    for round in 1..=25 {
        let mut child = match id {
            None => b.command(&[
                "announce",
                &event,
                "--list",
                "Announcements",
                "--smtp",
                &smtp,
                "--connections",
                &connections,
            ]),
            Some(id) => b.command(&[
                "send",
                "resume",
                &id.to_string(),
                "--connections",
                &connections,
            ]),
        }
        .spawn()
        .unwrap();
        let wait = Duration::from_millis(60 + random.below(300));
        let started = Instant::now();
        let mut finished = false;
        while started.elapsed() < wait {
            if child.try_wait().unwrap().is_some() {
                finished = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        if !finished {
            child.kill().unwrap(); // SIGKILL
        }
        child.wait().unwrap();
        let db = Database::open(&b.path).unwrap();
        let Some(announcement) = store::all(&db).unwrap().first().map(|a| a.id) else {
            // Killed before the announcement was saved: nothing was queued or sent.
            assert!(
                sink.arrivals().is_empty(),
                "nothing arrives before anyone is queued"
            );
            continue;
        };
        id = Some(announcement);
        let has_deliveries = !store::deliveries(&db, announcement, None, 1)
            .unwrap()
            .is_empty();
        drop(db);
        if !has_deliveries {
            continue;
        }
        let counts = check(
            &b,
            &sink,
            announcement,
            &format!("after round {round}, stopped at {wait:?} (seed {seed})"),
        );
        if !finished {
            killed_mid_send += 1;
        }
        let left = ["queued", "claimed", "sending"]
            .iter()
            .map(|s| counts.get(*s).copied().unwrap_or(0))
            .sum::<usize>();
        if left == 0 {
            break;
        }
    }
    let id = id.expect("the announcement was saved in one of the rounds");
    assert!(
        killed_mid_send >= 5,
        "the sender was killed mid-send at least 5 times (it was {killed_mid_send}; seed {seed})"
    );
    let last = b
        .command(&[
            "send",
            "resume",
            &id.to_string(),
            "--connections",
            &connections,
        ])
        .status()
        .unwrap();
    assert!(last.success(), "the last resume finishes (seed {seed})");
    let counts = check(&b, &sink, id, &format!("at the end (seed {seed})"));
    let sent = counts.get("sent").copied().unwrap_or(0);
    let uncertain = counts.get("uncertain").copied().unwrap_or(0);
    assert_eq!(
        sent + uncertain,
        PEOPLE,
        "everyone is sent or uncertain, nobody left or skipped: {counts:?} (seed {seed})"
    );
    assert!(
        uncertain <= killed_mid_send * 2 * CONNECTIONS,
        "at most the messages in flight at each kill and each connection's next (two per connection) are uncertain: {counts:?} (seed {seed})"
    );
    let db = Database::open(&b.path).unwrap();
    let uncertain_rows =
        store::deliveries(&db, id, Some(DeliveryStatus::Uncertain), 100_000).unwrap();
    assert_eq!(uncertain_rows.len(), uncertain);
    eprintln!("kill test (4 connections): seed {seed}, {killed_mid_send} kills mid-send, final {counts:?}");
}
