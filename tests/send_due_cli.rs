//! `handbill announce … --day-before` and `handbill send due` run as the
//! computer's timer runs them: the real binary, a real SQLite file, a real
//! SMTP server on loopback (`tests/smtp/server.py`), and the computer's own
//! clock. Events are dated from today; where the test needs time to have
//! passed, it moves the stored instants back in the file (a due time, or an
//! event's start with the start its schedule was set against), as the clock
//! moving forward would. And `handbill schedule install` in a home of the
//! test's own: the crontab line (no systemd here) or the units, never the
//! real `~/.config`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::mail::announcements::{
    account, store, AnnouncementState, Security, SmtpAccount,
};
use handbill_core::Database;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[path = "smtp/sink.rs"]
mod sink;
use sink::Sink;

#[allow(dead_code)]
#[path = "smtp/branch.rs"]
mod fixture;
use fixture::{branch, Branch};

fn handbill(b: &Branch, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handbill"))
        .env("HANDBILL_ENCRYPT", "0")
        .arg("--db")
        .arg(&b.path)
        .args(args)
        .env_remove("HANDBILL_DB")
        .env_remove("HANDBILL_SMTP_PASSWORD")
        .env("HANDBILL_LOG_DIR", b.dir.path().join("logs"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the handbill binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// An announced event in the branch's zone, `days` from today at 12:00.
fn event_in(db: &Database, title: &str, days: i64) -> i64 {
    let zone = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let day = jiff::Timestamp::now()
        .to_zoned(zone)
        .date()
        .checked_add(jiff::Span::new().days(days))
        .unwrap();
    let e = events::create(
        db,
        EventInput {
            title: title.into(),
            kind: EventKind::Rally,
            start_date: day.to_string(),
            start_time: "12:00".into(),
            end_time: "14:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap();
    events::announce(db, e.id).unwrap();
    e.id
}

fn sql(path: &Path, statement: &str, id: i64) {
    rusqlite::Connection::open(path)
        .unwrap()
        .execute(statement, [id])
        .unwrap();
}

fn announcement_numbered(out: &Output) -> i64 {
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    said.split("Announcement ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the output names the announcement: {said}"))
}

#[test]
fn send_due_sends_a_reminder_once_when_due_holds_a_cancelled_one_and_never_sends_after_the_start() {
    let sink = Sink::start(&[]);
    let b = branch(3);
    let db = Database::open(&b.path).unwrap();
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
    let rally = event_in(&db, "Rally in three days", 3);
    let march = event_in(&db, "March in three days", 3);
    let vigil = event_in(&db, "Vigil in three days", 3);
    drop(db);

    // Nothing scheduled: nothing is due, and it says so with exit 0.
    let nothing = handbill(&b, &["send", "due"]);
    assert!(
        nothing.status.success(),
        "nothing due is not a failure: {}",
        text(&nothing)
    );
    assert!(
        String::from_utf8_lossy(&nothing.stdout).contains("Nothing is due."),
        "it says nothing is due: {}",
        text(&nothing)
    );

    let scheduled = handbill(
        &b,
        &[
            "announce",
            &rally.to_string(),
            "--list",
            "Announcements",
            "--template",
            "reminder",
            "--day-before",
            "10:00",
        ],
    );
    assert!(
        scheduled.status.success(),
        "the reminder is scheduled: {}",
        text(&scheduled)
    );
    let id = announcement_numbered(&scheduled);
    assert!(
        String::from_utf8_lossy(&scheduled.stdout).contains("America/New_York"),
        "the time is given in the branch's zone: {}",
        text(&scheduled)
    );

    // Before its time: nothing is sent; the next one is named.
    let before = handbill(&b, &["send", "due"]);
    assert!(
        before.status.success(),
        "before its time: {}",
        text(&before)
    );
    let said = String::from_utf8_lossy(&before.stdout);
    assert!(
        said.contains("Nothing is due."),
        "before its time nothing is due: {said}"
    );
    assert!(
        said.contains(&format!("Next: announcement {id}")),
        "the next one is named: {said}"
    );
    assert!(
        sink.arrivals().is_empty(),
        "nothing was mailed before its time"
    );

    // Its time has come (a minute ago): it is sent to everyone, once.
    sql(
        &b.path,
        "UPDATE announcement SET schedule_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 minute') WHERE id = ?1",
        id,
    );
    let due = handbill(&b, &["send", "due"]);
    assert!(
        due.status.success(),
        "the due reminder is sent: {}",
        text(&due)
    );
    let said = String::from_utf8_lossy(&due.stdout);
    assert!(
        said.contains(&format!("Sent: announcement {id}")),
        "it says what it sent: {said}"
    );
    let arrivals = sink.arrivals();
    assert_eq!(
        arrivals.len(),
        3,
        "each of the three people got it: {arrivals:?}"
    );
    assert!(
        arrivals.values().all(|n| *n == 1),
        "each once: {arrivals:?}"
    );
    let db = Database::open(&b.path).unwrap();
    assert_eq!(
        store::get(&db, id).unwrap().state,
        AnnouncementState::Done,
        "the scheduled send went through the one sender and finished"
    );
    drop(db);

    // Later: nothing is due again, nothing is mailed twice.
    let after = handbill(&b, &["send", "due"]);
    assert!(after.status.success(), "after: {}", text(&after));
    assert!(
        String::from_utf8_lossy(&after.stdout).contains("Nothing is due."),
        "once sent it is not due again: {}",
        text(&after)
    );
    assert_eq!(
        sink.arrivals().values().sum::<usize>(),
        3,
        "nobody was mailed twice"
    );

    // A reminder for an event cancelled after it was scheduled is held, and told.
    let held = handbill(
        &b,
        &[
            "announce",
            &march.to_string(),
            "--list",
            "Announcements",
            "--template",
            "reminder",
            "--day-before",
            "10:00",
        ],
    );
    let held_id = announcement_numbered(&held);
    let cancel = handbill(
        &b,
        &[
            "event",
            "cancel",
            &march.to_string(),
            "--reason",
            "The permit was refused.",
        ],
    );
    assert!(
        cancel.status.success(),
        "the march is cancelled: {}",
        text(&cancel)
    );
    sql(
        &b.path,
        "UPDATE announcement SET schedule_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 minute') WHERE id = ?1",
        held_id,
    );
    let out = handbill(&b, &["send", "due"]);
    assert!(
        out.status.success(),
        "a held reminder is not a failure: {}",
        text(&out)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!("Held: announcement {held_id}")) && said.contains("was cancelled"),
        "the organizer is told it is held, and why: {said}"
    );

    // A laptop that slept past the vigil's start: the reminder is never sent, and marked missed.
    let missed = handbill(
        &b,
        &[
            "announce",
            &vigil.to_string(),
            "--list",
            "Announcements",
            "--template",
            "reminder",
            "--day-before",
            "10:00",
        ],
    );
    let missed_id = announcement_numbered(&missed);
    sql(
        &b.path,
        "UPDATE event SET start_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 hour')
          WHERE id = (SELECT event_id FROM announcement WHERE id = ?1)",
        missed_id,
    );
    sql(
        &b.path,
        "UPDATE announcement SET schedule_start = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 hour'),
                schedule_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 day') WHERE id = ?1",
        missed_id,
    );
    let out = handbill(&b, &["send", "due"]);
    assert!(
        out.status.success(),
        "a missed reminder is told, not a failure: {}",
        text(&out)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!("Missed: announcement {missed_id}")),
        "the organizer is told it was missed: {said}"
    );
    assert_eq!(
        sink.arrivals().values().sum::<usize>(),
        3,
        "neither the held nor the missed reminder was mailed"
    );
    let status = handbill(&b, &["send", "status"]);
    let said = String::from_utf8_lossy(&status.stdout);
    assert!(
        said.contains("held") && said.contains("missed"),
        "send status shows the held and the missed one: {said}"
    );
}

#[test]
fn schedule_install_gives_the_timer_in_a_home_of_its_own() {
    let b = branch(1);
    let home = tempfile::tempdir().unwrap();
    let runtime = home.path().join("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    let install = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_handbill"))
            .env("HANDBILL_ENCRYPT", "0")
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            // No user manager of the real session is reached.
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
            .arg("--db")
            .arg(&b.path)
            .args(["schedule"])
            .args(args)
            .output()
            .expect("the handbill binary runs")
    };
    let printed = install(&["install", "--print"]);
    assert!(
        printed.status.success(),
        "--print works: {}",
        text(&printed)
    );
    let said = String::from_utf8_lossy(&printed.stdout).to_string();
    assert!(said.contains("ExecStart="), "the service is shown: {said}");
    assert!(
        said.contains(&format!("\"{}\"", b.path.display())),
        "the branch's full path, quoted: {said}"
    );
    assert!(
        !home.path().join("config").exists(),
        "--print writes nothing"
    );

    let out = install(&["install"]);
    assert!(out.status.success(), "install: {}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    let units = home
        .path()
        .join("config/systemd/user/handbill-send-due.timer");
    assert!(
        said.contains("crontab") && (units.is_file() || said.contains(" send due")),
        "the timer is written under XDG_CONFIG_HOME, or (with no systemd) the crontab line is given: {said}"
    );
    assert!(
        said.contains(&b.path.display().to_string()),
        "the branch it sends from is named: {said}"
    );
    let removed = install(&["remove"]);
    assert!(removed.status.success(), "remove: {}", text(&removed));
    assert!(!units.exists(), "nothing is left behind");
}

#[test]
fn a_due_send_that_cannot_connect_fails_with_an_exit_code_and_the_next_run_resumes_it() {
    let b = branch(2);
    let db = Database::open(&b.path).unwrap();
    // A port nobody listens on: the connection is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    account::save(
        &db,
        &SmtpAccount {
            host: "127.0.0.1".into(),
            port: closed,
            security: Security::Plain,
            username: String::new(),
            rate_per_minute: 0,
            daily_cap: 0,
        },
    )
    .unwrap();
    let rally = event_in(&db, "Rally in three days", 3);
    drop(db);
    let scheduled = handbill(
        &b,
        &[
            "announce",
            &rally.to_string(),
            "--list",
            "Announcements",
            "--template",
            "reminder",
            "--day-before",
            "10:00",
        ],
    );
    let id = announcement_numbered(&scheduled);
    sql(
        &b.path,
        "UPDATE announcement SET schedule_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 minute') WHERE id = ?1",
        id,
    );
    let out = handbill(&b, &["send", "due"]);
    assert!(
        !out.status.success(),
        "a due send that could not go is a failure the timer shows: {}",
        text(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Not every due announcement was sent"),
        "it says so: {}",
        text(&out)
    );
    let db = Database::open(&b.path).unwrap();
    assert_eq!(
        store::get(&db, id).unwrap().state,
        AnnouncementState::Queued,
        "everyone is still queued"
    );

    // The connection works again (a laptop woken offline, now online): the next run resumes it.
    let sink = Sink::start(&[]);
    let mut smtp = account::get(&db).unwrap().unwrap();
    smtp.port = sink.port;
    account::save(&db, &smtp).unwrap();
    drop(db);
    let out = handbill(&b, &["send", "due"]);
    assert!(
        out.status.success(),
        "the next run resumes it: {}",
        text(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains(&format!("Sent (resumed): announcement {id}")),
        "it says so: {}",
        text(&out)
    );
    assert_eq!(sink.arrivals().len(), 2, "both people got it, once each");
    let again = handbill(&b, &["send", "due"]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("Nothing is due."),
        "then nothing is left to do: {}",
        text(&again)
    );
}
