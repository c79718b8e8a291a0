//! `handbill mailbox …` as a user runs it, with both servers real: the test
//! SMTP server on loopback (`tests/smtp/server.py`) delivers mail for the
//! branch's domain into a throwaway Dovecot's maildir (`tests/imap/dovecot.py`)
//! and, for two recipients, accepts the message and then sends a bounce
//! report back to its return path, as a mail system does. The probe finds
//! that plus addresses arrive; the announcement then goes out with a return
//! path per person; `mailbox check` ties each report to its person by the
//! signed token in that return path and marks exactly those two bounced.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use handbill_core::mail::announcements::{account, Security, SmtpAccount};
use handbill_core::mail::subscribers::{self, ConsentStatus};
use handbill_core::Database;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// Not every test uses every method of the sink.
#[allow(dead_code)]
#[path = "smtp/sink.rs"]
mod sink;
use sink::Sink;

#[allow(dead_code)]
#[path = "smtp/branch.rs"]
mod fixture;

#[path = "../src-tauri/core/tests/support/dovecot.rs"]
mod dovecot;
use dovecot::Dovecot;

fn run(db: &Path, password: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handbill"))
        .env("HANDBILL_ENCRYPT", "0")
        .env_remove("HANDBILL_DB")
        .env_remove("HANDBILL_SMTP_PASSWORD")
        .env("HANDBILL_IMAP_PASSWORD", password)
        .env("HANDBILL_LOG_DIR", db.parent().unwrap().join("logs"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("the handbill binary runs")
}

fn ok(db: &Path, password: &str, args: &[&str]) -> String {
    let out = run(db, password, args);
    assert!(
        out.status.success(),
        "handbill {args:?} succeeds:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn standing(db: &Path, n: usize) -> ConsentStatus {
    let db = Database::open(db).unwrap();
    let s = subscribers::find(&db, &format!("person{n:04}@example.test"))
        .unwrap()
        .unwrap();
    subscribers::detail(&db, s.id).unwrap().memberships[0].status
}

/// Proves the whole loop: probe, send with per-recipient return paths,
/// bounces delivered by the mail system, `mailbox check --dry-run` changing
/// nothing, `mailbox check` marking exactly the two who bounced, a second
/// check changing nothing, and `mailbox show` listing what was done.
#[test]
fn a_send_and_its_bounces_close_the_loop() {
    let branch = fixture::branch(6);
    let db = branch.path.clone();
    let imap = Dovecot::start();
    let maildir = imap.maildir();
    let smtp = Sink::start(&[
        "--deliver-maildir",
        maildir.to_str().unwrap(),
        "--local-domain",
        "handbill.test",
        "--bounce-later",
        "person0002",
        "--bounce-later",
        "person0005",
    ]);
    {
        let d = Database::open(&db).unwrap();
        account::save(
            &d,
            &SmtpAccount {
                host: "127.0.0.1".into(),
                port: smtp.port,
                security: Security::Plain,
                username: String::new(),
                rate_per_minute: 0,
                daily_cap: 0,
            },
        )
        .unwrap();
    }
    let pw = imap.password.clone();
    let url = format!(
        "imap://{}@127.0.0.1:{}?security=plain",
        imap.user, imap.port
    );
    let saved = ok(&db, &pw, &["mailbox", "setup", &url]);
    assert!(saved.contains("Mailbox saved"), "{saved}");
    let tested = ok(&db, &pw, &["mailbox", "test"]);
    assert!(tested.contains("logged in as branch"), "{tested}");
    let wrong = run(&db, "not the password", &["mailbox", "test"]);
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("refused the login"));

    let probed = ok(&db, &pw, &["mailbox", "probe", "--wait", "20"]);
    assert!(probed.contains("arrived"), "{probed}");

    let sent = ok(
        &db,
        &pw,
        &[
            "announce",
            &branch.event_id.to_string(),
            "--list",
            "Announcements",
        ],
    );
    assert!(sent.contains('6'), "{sent}");
    // Each message left with its own return path.
    let journal = smtp.journal();
    let senders: Vec<String> = journal
        .iter()
        .filter(|e| e["event"] == "message")
        .filter(|e| !e["rcpt"][0].as_str().unwrap_or("").contains("+probe-"))
        .filter_map(|e| e["mail_from"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(senders.len(), 6, "{journal:?}");
    assert!(
        senders.iter().all(|s| s.starts_with("boston+bounce-l")),
        "{senders:?}"
    );

    let dry = ok(&db, &pw, &["mailbox", "check", "--dry-run"]);
    assert!(
        dry.contains("2 bounced") && dry.contains("dry run"),
        "{dry}"
    );
    assert_eq!(standing(&db, 2), ConsentStatus::Subscribed);

    let checked = ok(&db, &pw, &["mailbox", "check"]);
    assert!(checked.contains("2 bounced"), "{checked}");
    for n in 1..=6 {
        let expected = if n == 2 || n == 5 {
            ConsentStatus::Bounced
        } else {
            ConsentStatus::Subscribed
        };
        assert_eq!(standing(&db, n), expected, "person {n}: {checked}");
    }
    let again = ok(&db, &pw, &["mailbox", "check"]);
    assert!(
        again.contains("Nothing to act on (0 messages read)"),
        "{again}"
    );
    let shown = ok(&db, &pw, &["mailbox", "show"]);
    assert!(
        shown.contains("person0002@example.test") && shown.contains("bounced"),
        "{shown}"
    );
    assert!(
        imap.count("Handbill/Handled") >= 3,
        "the probe and both reports are filed"
    );
}

/// Proves a file that is not mail, a missing file and a mailbox that was
/// never set up each get a clear error naming what is wrong.
#[test]
fn mailbox_errors_name_what_is_wrong() {
    let branch = fixture::branch(1);
    let db = branch.path.clone();
    let out = run(&db, "x", &["mailbox", "check"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("No mailbox is set up"));
    let junk = branch.dir.path().join("junk.eml");
    std::fs::write(&junk, b"\x00\x01\x02 not mail").unwrap();
    let out = run(&db, "x", &["mailbox", "import", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.eml"));
    let out = run(
        &db,
        "x",
        &["mailbox", "setup", "imap://me:secret@imap.example.org"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Leave the password out"));
    let out = run(
        &db,
        "x",
        &[
            "mailbox",
            "setup",
            "imap://me@imap.example.org?security=plain",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Plain IMAP"));
}
