//! `handbill announce` and `handbill send …` run as a user runs them: the real
//! binary, a real SQLite file, and a real SMTP server on loopback
//! (`tests/smtp/server.py`). The sending process is killed with SIGKILL at
//! random points and resumed; the log is searched for the password.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use handbill_core::mail::announcements::{
    account, store, AnnouncementInput, DeliveryStatus, Security, SmtpAccount, Template,
};
use handbill_core::Database;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[path = "smtp/sink.rs"]
mod sink;
use sink::Sink;

// One branch fixture for the sending tests (tests/smtp/branch.rs).
#[allow(dead_code)]
#[path = "smtp/branch.rs"]
mod fixture;
use fixture::{branch, Branch};

impl Branch {
    fn log_dir(&self) -> PathBuf {
        self.dir.path().join("logs")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_handbill"));
        // These tests read the file with SQLite: a plain branch.
        c.env("HANDBILL_ENCRYPT", "0");
        c.arg("--db")
            .arg(&self.path)
            .args(args)
            .env_remove("HANDBILL_DB")
            .env_remove("HANDBILL_SMTP_PASSWORD")
            .env("HANDBILL_LOG_DIR", self.log_dir())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .expect("the handbill binary runs")
    }

    fn db(&self) -> Database {
        Database::open(&self.path).unwrap()
    }
}

fn text(o: &Output) -> String {
    format!(
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
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

/// Checks the promise after any interruption: a sent row arrived exactly
/// once, a queued row not at all, and only an uncertain row may be unclear.
fn check_once(b: &Branch, sink: &Sink, id: i64, when: &str) -> HashMap<DeliveryStatus, usize> {
    let db = b.db();
    let arrivals = sink.arrivals();
    let mut counts = HashMap::new();
    for d in store::deliveries(&db, id, None, 100_000).unwrap() {
        *counts.entry(d.status).or_insert(0) += 1;
        let got = arrivals.get(&d.email).copied().unwrap_or(0);
        match d.status {
            DeliveryStatus::Sent => assert_eq!(
                got, 1,
                "{when}: {} is recorded sent and arrived {got} times",
                d.email
            ),
            DeliveryStatus::Queued => assert_eq!(
                got, 0,
                "{when}: {} is still queued but arrived {got} times",
                d.email
            ),
            DeliveryStatus::Uncertain | DeliveryStatus::Sending => {
                assert!(
                    got <= 1,
                    "{when}: {} ({:?}) arrived {got} times",
                    d.email,
                    d.status
                )
            }
            other => panic!(
                "{when}: {} is {other:?}; nobody should be failed or skipped here",
                d.email
            ),
        }
    }
    counts
}

#[test]
fn killed_at_twenty_random_points_nobody_is_skipped_and_nobody_is_mailed_twice() {
    let sink = Sink::start(&[]);
    let b = branch(1500);
    let db = b.db();
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
            event_id: Some(b.event_id),
            tour_id: None,
            template: Template::NewEvent,
            list_id: b.list_id,
            segment: String::new(),
            subject: "Rally for Siham".into(),
            body: "Dear {{first_name|friend}}, join us at **City Hall**.".into(),
            attach_flyer: false,
            versions: Vec::new(),
        },
    )
    .unwrap()
    .id;
    store::queue(&db, id).unwrap();
    drop(db);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut random = Lcg(seed);
    let id_text = id.to_string();
    let mut killed_mid_send = 0;
    for round in 1..=20 {
        let mut child = b
            .command(&["send", "resume", &id_text])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let wait = Duration::from_millis(40 + random.below(260));
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
            killed_mid_send += 1;
        }
        child.wait().unwrap();
        let counts = check_once(
            &b,
            &sink,
            id,
            &format!("after kill {round} at {wait:?} (seed {seed})"),
        );
        if counts.get(&DeliveryStatus::Queued).copied().unwrap_or(0) == 0
            && counts.get(&DeliveryStatus::Sending).copied().unwrap_or(0) == 0
        {
            break;
        }
    }
    assert!(
        killed_mid_send >= 5,
        "the sender was killed mid-send at least 5 times (it was {killed_mid_send}; seed {seed})"
    );
    let last = b.run(&["send", "resume", &id_text]);
    assert!(
        last.status.success(),
        "the last resume finishes: {}",
        text(&last)
    );
    let counts = check_once(&b, &sink, id, &format!("at the end (seed {seed})"));
    let sent = counts.get(&DeliveryStatus::Sent).copied().unwrap_or(0);
    let uncertain = counts.get(&DeliveryStatus::Uncertain).copied().unwrap_or(0);
    assert_eq!(
        sent + uncertain,
        1500,
        "everyone is sent or uncertain, nobody left or skipped: {counts:?}"
    );
    // Per connection (two) and kill: the message in flight and the next one,
    // marked `sending` while the one before was on its way (send.rs, `Job::post`).
    assert!(
        uncertain <= killed_mid_send * 4,
        "at most the messages in flight at each kill, and each connection's next, are uncertain: {counts:?}"
    );
    eprintln!("kill test: seed {seed}, {killed_mid_send} kills mid-send, final {counts:?}");
    let status = b.run(&["send", "status", &id_text]);
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("done"),
        "status shows the announcement done: {}",
        text(&status)
    );
}

#[test]
fn announce_sends_through_the_account_and_the_password_never_reaches_the_log() {
    let secret = "Zebra-Quartz-7731";
    let sink = Sink::start(&["--auth-user", "boston", "--auth-password", secret]);
    let b = branch(5);
    let url = format!("smtp://boston@127.0.0.1:{}?security=plain", sink.port);
    let dry = b.run(&[
        "announce",
        &b.event_id.to_string(),
        "--list",
        "announcements",
        "--smtp",
        &url,
        "--dry-run",
    ]);
    assert!(dry.status.success(), "the dry run succeeds: {}", text(&dry));
    let out = String::from_utf8_lossy(&dry.stdout);
    assert!(
        out.contains("reach 5 people"),
        "the dry run counts the recipients: {out}"
    );
    assert!(
        out.contains("Subject:") && out.contains("person0001@example.test"),
        "the dry run prints the first message: {out}"
    );
    assert!(
        store::all(&b.db()).unwrap().is_empty(),
        "the dry run saved no announcement"
    );
    assert!(
        sink.events("message").is_empty(),
        "the dry run sent nothing"
    );

    let sent = b
        .command(&[
            "announce",
            &b.event_id.to_string(),
            "--list",
            "announcements",
            "--smtp",
            &url,
        ])
        .env("HANDBILL_SMTP_PASSWORD", secret)
        .env("HANDBILL_LOG", "trace")
        .output()
        .unwrap();
    assert!(sent.status.success(), "announce sends: {}", text(&sent));
    assert!(
        String::from_utf8_lossy(&sent.stdout).contains("5 sent"),
        "it says how many were sent: {}",
        text(&sent)
    );
    let auths = sink.events("auth");
    assert!(
        !auths.is_empty() && auths.iter().all(|a| a["ok"] == true),
        "the password was used to log in: {auths:?}"
    );
    assert_eq!(sink.events("message").len(), 5, "five messages arrived");
    let parsed: Vec<Value> = {
        let out = Command::new("python3")
            .arg(repo().join("tests/smtp/read_mail.py"))
            .arg(sink.dir.path())
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    for m in &parsed {
        let types: Vec<&str> = m["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["type"].as_str().unwrap())
            .collect();
        assert!(
            types.contains(&"text/plain") && types.contains(&"text/html"),
            "composed messages carry both parts: {m}"
        );
        for h in ["From", "List-Id", "List-Unsubscribe", "Message-ID", "Date"] {
            assert!(
                m["headers"][h].is_string(),
                "{h} is set on the real message: {m}"
            );
        }
    }

    let mut logged = String::new();
    for entry in std::fs::read_dir(b.log_dir()).expect("the log folder was written") {
        logged.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default());
    }
    assert!(
        logged.contains("send started"),
        "the send was logged at trace level"
    );
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    for needle in [
        secret.to_owned(),
        b64.encode(secret),
        b64.encode(format!("\0boston\0{secret}")),
    ] {
        assert!(
            !logged.contains(&needle),
            "the log does not contain the password (as {needle:?})"
        );
    }
    assert!(
        !logged.contains("person0001@example.test"),
        "the log names no subscriber's address"
    );
    let status = b.run(&["send", "status"]);
    assert!(
        !String::from_utf8_lossy(&status.stdout).contains(secret),
        "status never prints the password"
    );
}

#[test]
fn a_refused_starttls_is_an_error_that_says_why_and_pause_resume_cancel_answer() {
    let sink = Sink::start(&[]);
    let b = branch(3);
    let url = format!("smtp://127.0.0.1:{}?security=starttls", sink.port);
    let out = b.run(&[
        "announce",
        &b.event_id.to_string(),
        "--list",
        "Announcements",
        "--smtp",
        &url,
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a send stopped by the server's answer exits 2: {}",
        text(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("STARTTLS"),
        "stderr says STARTTLS is missing: {}",
        text(&out)
    );
    assert!(sink.events("message").is_empty(), "nothing was sent");
    let id = store::all(&b.db()).unwrap()[0].id.to_string();
    let pause = b.run(&["send", "pause", &id]);
    assert!(
        pause.status.success(),
        "a paused send can be paused again harmlessly: {}",
        text(&pause)
    );
    let plain = format!("smtp://127.0.0.1:{}?security=plain", sink.port);
    let fixed = b.run(&[
        "announce",
        &b.event_id.to_string(),
        "--list",
        "Announcements",
        "--smtp",
        &plain,
    ]);
    assert!(
        fixed.status.success(),
        "with the account fixed the same announcement is reused and sent: {}",
        text(&fixed)
    );
    assert_eq!(
        store::all(&b.db()).unwrap().len(),
        1,
        "the announcement was reused, not made twice"
    );
    assert_eq!(sink.events("message").len(), 3, "each person got it once");
    let cancel = b.run(&["send", "cancel", &id]);
    assert_eq!(
        cancel.status.code(),
        Some(2),
        "a finished announcement cannot be cancelled: {}",
        text(&cancel)
    );
    let unknown = b.run(&["send", "resume", "999"]);
    assert_eq!(
        unknown.status.code(),
        Some(3),
        "an unknown announcement is not found: {}",
        text(&unknown)
    );
}

/// Proves `announce --version-in es` drafts a Spanish version, a dry run with
/// `--language es` prints the message a Spanish reader gets (Spanish footer),
/// and a version in a language the branch lacks is refused naming it.
#[test]
fn announce_with_a_spanish_version_prints_what_a_spanish_reader_gets() {
    let b = branch(3);
    let set = b.run(&["branch", "set", "languages", "en,es"]);
    assert!(
        set.status.success(),
        "the branch writes in Spanish too: {}",
        text(&set)
    );
    let id = b.event_id.to_string();
    let dry = b.run(&[
        "announce",
        &id,
        "--list",
        "announcements",
        "--version-in",
        "es",
        "--dry-run",
        "--language",
        "es",
    ]);
    assert!(dry.status.success(), "the dry run succeeds: {}", text(&dry));
    let out = String::from_utf8_lossy(&dry.stdout);
    assert!(
        out.contains("Para darte de baja"),
        "the message is the Spanish version, its footer in Spanish: {out}"
    );
    assert!(
        !out.contains("To unsubscribe, send an email"),
        "not the English footer: {out}"
    );
    let english = b.run(&[
        "announce",
        &id,
        "--list",
        "announcements",
        "--version-in",
        "es",
        "--dry-run",
    ]);
    let out = String::from_utf8_lossy(&english.stdout);
    assert!(
        out.contains("To unsubscribe, send an email"),
        "a reader with no language gets the main text: {out}"
    );
    let refused = b.run(&[
        "announce",
        &id,
        "--list",
        "announcements",
        "--version-in",
        "fr",
        "--dry-run",
    ]);
    assert!(
        !refused.status.success(),
        "French is not a language of the branch"
    );
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("Handbill writes drafts in English (en) and Spanish (es)"),
        "the refusal says why: {}",
        text(&refused)
    );
    assert!(
        store::all(&b.db()).unwrap().is_empty(),
        "the dry runs saved nothing"
    );
}
