//! The pace and the time left that the progress bar and `handbill send`
//! show, read from the delivery records of a real branch file: over the
//! last minute, or over as much of it as the sending has run. Before, a
//! send that had mailed 3,000 people in its first half second read
//! "3000/min · about 3 min left" and ended a second later.

use std::path::{Path, PathBuf};

use handbill_core::mail::announcements::store;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[allow(dead_code)]
#[path = "../../../tests/smtp/sink.rs"]
mod sink;

#[path = "support/sending_branch.rs"]
mod sending_branch;

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Marks the first `n` deliveries sent, the i-th at `at(i)` (Unix ms).
fn sent(b: &sending_branch::Branch, n: usize, at: impl Fn(usize) -> i64) {
    let ids: Vec<i64> =
        b.db.conn()
            .prepare("SELECT id FROM delivery WHERE announcement_id = ?1 ORDER BY id")
            .unwrap()
            .query_map([b.announcement], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    for (i, id) in ids.iter().take(n).enumerate() {
        b.db.conn()
            .execute(
                "UPDATE delivery SET status = 'sent', sent_ms = ?2, channel = 'smtp' WHERE id = ?1",
                rusqlite::params![id, at(i)],
            )
            .unwrap();
    }
}

#[test]
fn a_fast_start_reads_as_its_real_pace_and_seconds_left() {
    let sink = sink::Sink::start(&[]);
    let b = sending_branch::branch(400, &sink, 0);
    store::queue(&b.db, b.announcement).unwrap();
    // 300 sent over the last half second: 100 left.
    let now = now_ms();
    sent(&b, 300, |i| now - 500 + i as i64);
    let p = store::progress(&b.db, b.announcement).unwrap();
    assert_eq!((p.sent, p.queued), (300, 100), "{p:?}");
    // Counted over one second (the least span): 300 a second is 18,000 a minute.
    assert!(
        (17_000.0..=18_100.0).contains(&p.rate_per_minute),
        "the pace is the pace so far, not the count of the last minute: {p:?}"
    );
    let left = p.seconds_left.expect("a time left while people are left");
    assert!(
        left <= 1,
        "100 left at 300 a second is under a second: {p:?}"
    );
}

#[test]
fn a_long_send_reads_its_pace_over_the_last_minute() {
    let sink = sink::Sink::start(&[]);
    let b = sending_branch::branch(400, &sink, 0);
    store::queue(&b.db, b.announcement).unwrap();
    // 240 sent over the last two minutes, one every half second: 120 of them
    // in the last minute; 160 left, at 120 a minute, take 80 seconds.
    let now = now_ms();
    sent(&b, 240, |i| now - 120_000 + 500 * i as i64 + 250);
    let p = store::progress(&b.db, b.announcement).unwrap();
    assert_eq!((p.sent, p.queued), (240, 160), "{p:?}");
    assert!(
        (115.0..=125.0).contains(&p.rate_per_minute),
        "120 in the last minute: {p:?}"
    );
    let left = p.seconds_left.expect("a time left");
    assert!((75..=85).contains(&left), "160 at 120 a minute: {p:?}");
}

#[test]
fn nothing_sent_yet_gives_no_pace_and_no_guess() {
    let sink = sink::Sink::start(&[]);
    let b = sending_branch::branch(3, &sink, 0);
    store::queue(&b.db, b.announcement).unwrap();
    let p = store::progress(&b.db, b.announcement).unwrap();
    assert_eq!(p.rate_per_minute, 0.0, "{p:?}");
    assert_eq!(p.seconds_left, None, "{p:?}");
}
