//! Sending announcements against a real SMTP server on loopback
//! (`tests/smtp/server.py`, aiosmtpd), started by each test on a free port,
//! with a real SQLite file. What arrived is read back with Python's own MIME
//! parser (`tests/smtp/read_mail.py`), independent of the Rust that wrote it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::mail::announcements::{
    self, account, send, store, AnnouncementInput, AnnouncementState, ConnectionProblem,
    DeliveryStatus, Letters, Password, Recipient, Security, SendOptions, SmtpAccount, Template,
};
use handbill_core::mail::subscribers::{self, ConsentStatus, SubscriberInput};
use handbill_core::{mail::lists, Database};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::Message;
#[path = "support/boston.rs"]
mod boston;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[path = "../../../tests/smtp/sink.rs"]
mod sink;
use sink::{read_mail, Sink};

impl Sink {
    /// A plain account on the server (it is on this machine).
    fn account(&self) -> SmtpAccount {
        SmtpAccount {
            host: "127.0.0.1".into(),
            port: self.port,
            security: Security::Plain,
            username: String::new(),
            rate_per_minute: 0,
            daily_cap: 0,
        }
    }
}

/// Multipart text + HTML letters built with lettre, standing in for
/// composition (which lives on another branch) so delivery is tested alone.
struct TestLetters {
    from: String,
    subject: String,
}

impl Letters for TestLetters {
    fn sender(&self) -> &str {
        &self.from
    }

    fn envelope_from(&self, _to: &Recipient) -> String {
        self.from.clone()
    }

    fn letter(&self, to: &Recipient) -> handbill_core::Result<Vec<u8>> {
        let first = if to.first_name.is_empty() {
            "friend"
        } else {
            &to.first_name
        };
        let raw = |name: &str, value: String| {
            HeaderValue::new(HeaderName::new_from_ascii(name.into()).unwrap(), value)
        };
        let message = Message::builder()
            .from(Mailbox::new(
                Some("ISO Boston".into()),
                self.from.parse().unwrap(),
            ))
            .to(Mailbox::new(
                Some(to.name.clone()),
                to.email.parse().unwrap(),
            ))
            .subject(&self.subject)
            .message_id(Some(format!(
                "<announcement-{}@handbill.test>",
                to.subscriber_id
            )))
            .raw_header(raw(
                "List-Id",
                "Announcements <announcements.handbill.test>".into(),
            ))
            .raw_header(raw(
                "List-Unsubscribe",
                format!(
                    "<mailto:unsubscribe@handbill.test?subject={}>",
                    to.subscriber_id
                ),
            ))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(format!("Dear {first},\n\nCome to the rally.\n")),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(format!("<p>Dear {first},</p><p>Come to the rally.</p>")),
                    ),
            )
            .map_err(|e| handbill_core::Error::internal(e.to_string()))?;
        Ok(message.formatted())
    }
}

fn letters() -> TestLetters {
    TestLetters {
        from: "branch@handbill.test".into(),
        subject: "Rally on Saturday".into(),
    }
}

/// A branch database with one event and a list of `n` subscribers
/// (`person0001@example.test` …); `mark` puts a marker in some addresses.
struct Branch {
    _dir: tempfile::TempDir,
    path: PathBuf,
    db: Database,
    list_id: i64,
    event_id: i64,
}

fn branch(n: usize, mark: impl Fn(usize) -> &'static str) -> Branch {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    let db = Database::open(&path).unwrap();
    boston::save_profile(&db);
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
                email: format!("person{i:04}{}@example.test", mark(i)),
                name: format!("Person {i}"),
                first_name: format!("P{i}"),
                ..Default::default()
            },
            Some(list.id),
            "test",
        )
        .unwrap();
    }
    Branch {
        _dir: dir,
        path,
        db,
        list_id: list.id,
        event_id: event.id,
    }
}

impl Branch {
    fn announcement(&self) -> i64 {
        store::create(
            &self.db,
            AnnouncementInput {
                event_id: Some(self.event_id),
                tour_id: None,
                template: Template::NewEvent,
                list_id: self.list_id,
                segment: String::new(),
                subject: "Rally on Saturday".into(),
                body: "Come to the rally.".into(),
                attach_flyer: false,
                versions: Vec::new(),
            },
        )
        .unwrap()
        .id
    }

    fn statuses(&self, id: i64) -> HashMap<String, DeliveryStatus> {
        store::deliveries(&self.db, id, None, 100_000)
            .unwrap()
            .into_iter()
            .map(|d| (d.email, d.status))
            .collect()
    }
}

fn quick() -> SendOptions {
    SendOptions {
        connections: 3,
        retry_after: Duration::from_millis(100),
        timeout: Duration::from_secs(10),
        ..Default::default()
    }
}

fn send(b: &Branch, id: i64, options: &SendOptions) -> handbill_core::Result<store::SendProgress> {
    send::run(&b.path, id, &letters(), options, &|_| {})
}

#[test]
fn a_thousand_person_announcement_arrives_once_per_person_with_its_headers_and_both_parts() {
    let sink = Sink::start(&[]);
    let b = branch(1000, |_| "");
    account::save(&b.db, &sink.account()).unwrap();
    let id = store::create(
        &b.db,
        AnnouncementInput {
            event_id: Some(b.event_id),
            tour_id: None,
            template: Template::NewEvent,
            list_id: b.list_id,
            segment: String::new(),
            subject: "Rally on Saturday".into(),
            body: "Dear {{first_name|friend}},\n\nCome to the **rally**.".into(),
            attach_flyer: false,
            versions: Vec::new(),
        },
    )
    .unwrap()
    .id;
    // The real composition: the messages are what subscribers will get.
    let composed =
        announcements::prepare(&b.db, &store::get(&b.db, id).unwrap().content()).unwrap();
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let done = send::run(&b.path, id, &composed, &quick(), &|_| {
        calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    })
    .expect("the announcement is sent");
    assert_eq!(
        (done.sent, done.total, done.state),
        (1000, 1000, AnnouncementState::Done),
        "every delivery is sent and the announcement done: {done:?}"
    );
    assert!(
        calls.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "progress was reported"
    );
    let arrivals = sink.arrivals();
    assert_eq!(
        arrivals.len(),
        1000,
        "a message arrived for each of the 1,000 people"
    );
    assert!(
        arrivals.values().all(|&n| n == 1),
        "nobody got two: {:?}",
        arrivals.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
    let parsed = sink.parsed();
    assert_eq!(parsed.len(), 1000, "the server saved 1,000 messages");
    for m in &parsed {
        let h = &m["headers"];
        let to = h["To"].as_str().unwrap();
        assert!(to.contains("@example.test"), "To names the person: {m}");
        assert_eq!(
            h["Subject"], "Rally on Saturday",
            "the subject is kept: {m}"
        );
        for name in ["From", "Message-ID", "Date", "List-Id", "List-Unsubscribe"] {
            assert!(h[name].is_string(), "{name} is set: {m}");
        }
        assert_eq!(
            m["defects"].as_array().unwrap().len(),
            0,
            "the MIME parser found no defects: {m}"
        );
        let types: Vec<&str> = m["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["type"].as_str().unwrap())
            .collect();
        // And the event's calendar file, while the event is still to come.
        assert!(
            types.starts_with(&["text/plain", "text/html"])
                && types[2..].iter().all(|t| *t == "text/calendar")
                && types.len() <= 3,
            "both parts arrive: {m}"
        );
        let number: usize = to.split("person").nth(1).unwrap()[..4].parse().unwrap();
        assert!(
            m["parts"][0]["text"]
                .as_str()
                .unwrap()
                .contains(&format!("Dear P{number},")),
            "the personal field is the recipient's own: {m}"
        );
        assert!(
            m["parts"][1]["text"]
                .as_str()
                .unwrap()
                .contains("<strong>rally</strong>"),
            "the HTML part carries the Markdown: {m}"
        );
    }
    let backups = handbill_core::db::backup::list(&b.path).unwrap();
    assert!(
        backups
            .iter()
            .any(|k| k.kind == handbill_core::db::backup::BackupKind::BeforeSend),
        "a backup was taken before sending: {backups:?}"
    );
}

#[test]
fn a_dropped_connection_4xx_and_5xx_add_up_and_the_servers_count_matches_the_sent_rows() {
    let sink = Sink::start(&[
        "--drop-after",
        "400",
        "--tempfail",
        "+busy",
        "--permfail",
        "+gone",
    ]);
    let never = Sink::start(&["--tempfail", "+busy", "--tempfail-times", "99"]);
    let b = branch(600, |i| match i % 50 {
        7 => "+busy",
        13 => "+gone",
        _ => "",
    });
    account::save(&b.db, &sink.account()).unwrap();
    let id = b.announcement();
    let done = send(&b, id, &quick()).expect("the send ends");
    assert_eq!(done.total, 600, "everyone was queued");
    assert_eq!(
        done.sent + done.failed + done.uncertain,
        600,
        "sent + failed + uncertain is everyone: {done:?}"
    );
    assert_eq!(
        done.uncertain, 1,
        "the message in flight when the connection dropped is uncertain: {done:?}"
    );
    assert_eq!(done.failed, 12, "the 12 refused with 5xx failed: {done:?}");
    assert_eq!(
        sink.events("message").len() as u32,
        done.sent,
        "the server's count equals the sent rows"
    );
    assert_eq!(
        sink.events("drop").len(),
        1,
        "the server dropped one connection"
    );
    let statuses = b.statuses(id);
    for (email, status) in &statuses {
        if *status == DeliveryStatus::Uncertain {
            continue;
        }
        if email.contains("+gone") {
            assert_eq!(
                *status,
                DeliveryStatus::Failed,
                "{email} was refused for good"
            );
        } else if email.contains("+busy") {
            assert_eq!(
                *status,
                DeliveryStatus::Sent,
                "{email} got a 4xx once and was retried"
            );
        }
    }
    let failed = store::deliveries(&b.db, id, Some(DeliveryStatus::Failed), 100).unwrap();
    assert!(
        failed.iter().all(|d| d.reply.contains("550")),
        "the server's reply is kept: {failed:?}"
    );
    let uncertain = store::deliveries(&b.db, id, Some(DeliveryStatus::Uncertain), 100).unwrap();
    let dropped = sink.events("drop");
    assert_eq!(
        dropped[0]["rcpt"][0].as_str(),
        Some(uncertain[0].email.as_str()),
        "the uncertain row is the one the server dropped"
    );

    // A 4xx that never clears becomes a failure with the server's words after the last try.
    let c = branch(4, |i| if i == 2 { "+busy" } else { "" });
    account::save(&c.db, &never.account()).unwrap();
    let id = c.announcement();
    let done = send(
        &c,
        id,
        &SendOptions {
            max_attempts: 3,
            ..quick()
        },
    )
    .unwrap();
    assert_eq!(
        (done.sent, done.failed),
        (3, 1),
        "three sent, the busy one failed: {done:?}"
    );
    let failed = store::deliveries(&c.db, id, Some(DeliveryStatus::Failed), 10).unwrap();
    assert_eq!(failed[0].attempts, 3, "it was tried three times");
    assert!(
        failed[0].reply.contains("451") && failed[0].reply.contains("3 tries"),
        "the reply says why: {}",
        failed[0].reply
    );
}

#[test]
fn a_server_without_starttls_gets_no_message_and_no_credentials() {
    let sink = Sink::start(&["--auth-user", "branch", "--auth-password", "s3cret-pw"]);
    let b = branch(3, |_| "");
    let acct = SmtpAccount {
        security: Security::StartTls,
        username: "branch".into(),
        ..sink.account()
    };
    account::save(&b.db, &acct).unwrap();
    let id = b.announcement();
    let options = SendOptions {
        session_password: Some(Password::new("s3cret-pw")),
        ..quick()
    };
    let done = send(&b, id, &options).expect("the send stops cleanly");
    assert_eq!(done.sent, 0, "nothing was sent");
    assert_eq!(done.queued, 3, "everyone is still queued");
    assert_eq!(
        done.state,
        AnnouncementState::Paused,
        "the announcement waits for the organizer"
    );
    assert!(
        done.note.contains("STARTTLS"),
        "the note says why: {}",
        done.note
    );
    assert!(
        sink.events("auth").is_empty(),
        "no credentials reached the server"
    );
    assert!(
        sink.events("message").is_empty(),
        "no message reached the server"
    );
    let report = account::test_connection(
        &acct,
        Some(&Password::new("s3cret-pw")),
        "branch@handbill.test",
    );
    assert_eq!(
        report.problem,
        Some(ConnectionProblem::NoStartTls),
        "Test connection names the missing STARTTLS: {report:?}"
    );
    assert!(
        sink.events("auth").is_empty(),
        "Test connection sent no credentials either"
    );
}

#[test]
fn a_certificate_that_cannot_be_trusted_is_a_tls_failure_before_any_credential() {
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = (certs.path().join("cert.pem"), certs.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl makes a certificate");
    assert!(made.success(), "the self-signed certificate was made");
    let sink = Sink::start(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
        "--auth-user",
        "u",
        "--auth-password",
        "p",
    ]);
    let acct = SmtpAccount {
        security: Security::StartTls,
        username: "u".into(),
        ..sink.account()
    };
    let report = account::test_connection(&acct, Some(&Password::new("p")), "branch@handbill.test");
    assert_eq!(
        report.problem,
        Some(ConnectionProblem::Tls),
        "a self-signed certificate is a TLS problem: {report:?}"
    );
    assert!(
        report.message.contains("TLS"),
        "the message says TLS: {}",
        report.message
    );
    assert!(
        sink.events("auth").is_empty(),
        "no credentials were sent over the failed TLS"
    );
}

#[test]
fn test_connection_says_which_step_failed() {
    let sink = Sink::start(&["--auth-user", "branch", "--auth-password", "right"]);
    let good = SmtpAccount {
        username: "branch".into(),
        ..sink.account()
    };
    let ok = account::test_connection(&good, Some(&Password::new("right")), "b@handbill.test");
    assert!(ok.ok, "the right password connects: {ok:?}");
    let wrong = account::test_connection(&good, Some(&Password::new("wrong")), "b@handbill.test");
    assert_eq!(
        wrong.problem,
        Some(ConnectionProblem::Auth),
        "a wrong password is an authentication problem: {wrong:?}"
    );
    assert!(
        !wrong.message.contains("wrong"),
        "the message does not repeat the password: {}",
        wrong.message
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = account::test_connection(
        &SmtpAccount {
            port: closed,
            ..sink.account()
        },
        None,
        "b@handbill.test",
    );
    assert_eq!(
        refused.problem,
        Some(ConnectionProblem::Connect),
        "a closed port is a connection problem: {refused:?}"
    );
    let nowhere = SmtpAccount {
        host: "no-such-host.invalid".into(),
        security: Security::Tls,
        ..sink.account()
    };
    let dns = account::test_connection(&nowhere, None, "b@handbill.test");
    assert_eq!(
        dns.problem,
        Some(ConnectionProblem::Dns),
        "an unknown name is a DNS problem: {dns:?}"
    );
}

#[test]
fn settings_refuse_plain_smtp_to_another_machine_and_a_password_in_the_address() {
    let e = account::parse_url("smtp://branch@smtp.example.org:25?security=plain").unwrap_err();
    assert_eq!(
        e.fields[0].field, "security",
        "plain to a remote host is refused on the security field: {e:?}"
    );
    let e = account::parse_url("smtp://branch:hunter2@smtp.example.org:587").unwrap_err();
    assert!(
        !e.message.contains("hunter2") && e.message.contains("password"),
        "a password in the address is refused without repeating it: {}",
        e.message
    );
    let a =
        account::parse_url("smtp://me%40example.org@smtp.example.org?rate=30&daily=500").unwrap();
    assert_eq!(
        (
            a.username.as_str(),
            a.port,
            a.security,
            a.rate_per_minute,
            a.daily_cap
        ),
        ("me@example.org", 587, Security::StartTls, 30, 500),
        "the address gives user, default port, STARTTLS, rate and cap"
    );
    assert_eq!(
        format!("{:?}", Password::new("hunter2")),
        "Password(…)",
        "a password never shows in a Debug print"
    );
}

#[test]
fn a_second_sender_is_refused_and_a_dead_senders_lease_is_taken_over_with_its_in_flight_row_uncertain(
) {
    let sink = Sink::start(&[]);
    let b = branch(5, |_| "");
    account::save(&b.db, &sink.account()).unwrap();
    let id = b.announcement();
    store::queue(&b.db, id).unwrap();
    // A live sender: this very process, seen just now.
    b.db.conn()
        .execute(
            "INSERT INTO send_lease (announcement_id, owner, pid, heartbeat_ms) VALUES (?1, 'other', ?2, ?3)",
            rusqlite::params![id, std::process::id(), jiff::Timestamp::now().as_millisecond()],
        )
        .unwrap();
    let e = send(&b, id, &quick()).expect_err("a second sender is refused");
    assert!(
        e.message.contains("already being sent"),
        "the refusal says why: {}",
        e.message
    );
    assert!(
        sink.events("message").is_empty(),
        "the refused sender sent nothing"
    );

    // A dead sender: a process that has exited, which left one row in flight.
    let mut gone = Command::new("true").spawn().unwrap();
    let dead_pid = gone.id();
    gone.wait().unwrap();
    b.db.conn()
        .execute(
            "UPDATE send_lease SET pid = ?2 WHERE announcement_id = ?1",
            rusqlite::params![id, dead_pid],
        )
        .unwrap();
    b.db.conn()
        .execute("UPDATE delivery SET status = 'sending' WHERE id = (SELECT min(id) FROM delivery WHERE announcement_id = ?1)", [id])
        .unwrap();
    let done = send(&b, id, &quick()).expect("a dead sender's lease is taken over");
    assert_eq!(
        (done.sent, done.uncertain),
        (4, 1),
        "the in-flight row is uncertain and not resent: {done:?}"
    );
    assert_eq!(
        sink.events("message").len(),
        4,
        "only the other four were mailed"
    );
    let changed =
        store::decide_uncertain(&b.db, id, None, store::UncertainDecision::Resend).unwrap();
    assert_eq!(changed, 1, "the organizer resends the uncertain one");
    let done = send(&b, id, &quick()).unwrap();
    assert_eq!(
        (done.sent, done.uncertain, done.state),
        (5, 0, AnnouncementState::Done),
        "after the decision it is sent: {done:?}"
    );
}

#[test]
fn someone_who_unsubscribes_before_a_resume_is_not_mailed_and_is_counted() {
    let sink = Sink::start(&[]);
    let b = branch(6, |_| "");
    account::save(&b.db, &sink.account()).unwrap();
    let id = b.announcement();
    store::queue(&b.db, id).unwrap();
    store::request_pause(&b.db, id).unwrap();
    let leaver = subscribers::find(&b.db, "person0003@example.test")
        .unwrap()
        .unwrap();
    subscribers::set_status(
        &b.db,
        leaver.id,
        b.list_id,
        ConsentStatus::Unsubscribed,
        "test",
    )
    .unwrap();
    let done = send(&b, id, &quick()).unwrap();
    assert_eq!(
        (done.sent, done.skipped, done.total),
        (5, 1, 6),
        "five sent, the leaver skipped, totals add up: {done:?}"
    );
    assert!(
        !sink.arrivals().contains_key("person0003@example.test"),
        "the person who left got nothing"
    );
    let skipped = store::deliveries(&b.db, id, Some(DeliveryStatus::Skipped), 10).unwrap();
    assert!(
        skipped[0].reply.contains("unsubscribed"),
        "the reason is visible: {}",
        skipped[0].reply
    );
}

#[test]
fn the_rate_limit_spaces_messages_and_the_daily_cap_pauses_the_rest() {
    let sink = Sink::start(&[]);
    let b = branch(6, |_| "");
    account::save(
        &b.db,
        &SmtpAccount {
            rate_per_minute: 300,
            daily_cap: 4,
            ..sink.account()
        },
    )
    .unwrap();
    let id = b.announcement();
    let started = Instant::now();
    let done = send(&b, id, &quick()).unwrap();
    assert_eq!(
        (done.sent, done.queued),
        (4, 2),
        "the cap of 4 stops the send with two still queued: {done:?}"
    );
    assert_eq!(
        done.state,
        AnnouncementState::Paused,
        "the announcement is paused by the cap"
    );
    assert!(
        done.note.contains("daily cap"),
        "the note says why: {}",
        done.note
    );
    assert!(
        started.elapsed() >= Duration::from_millis(550),
        "300 a minute is 0.2 s apart: took {:?}",
        started.elapsed()
    );
    let times: Vec<f64> = sink
        .events("message")
        .iter()
        .map(|m| m["at"].as_f64().unwrap())
        .collect();
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= 0.15,
            "messages arrive at least ~0.2 s apart across workers: {times:?}"
        );
    }
    let again = send(&b, id, &quick()).unwrap();
    assert_eq!(
        again.sent, 4,
        "a resume on the same day sends nothing more: {again:?}"
    );
    assert_eq!(
        sink.events("message").len(),
        4,
        "the server got four in all"
    );
}

#[test]
fn without_an_account_each_message_is_an_eml_file_in_the_outbox() {
    let b = branch(5, |_| "");
    let id = b.announcement();
    let done = send(&b, id, &quick()).unwrap();
    assert_eq!(
        (done.written, done.sent, done.state),
        (5, 0, AnnouncementState::Done),
        "all five were written to the outbox, none sent: {done:?}"
    );
    let folder = account::outbox_dir(&b.path).join(format!("announcement-{id}"));
    let parsed = read_mail(&folder);
    assert_eq!(parsed.len(), 5, "five .eml files in {}", folder.display());
    assert!(
        parsed
            .iter()
            .all(|m| m["parts"].as_array().unwrap().len() == 2),
        "each file is a whole message with both parts"
    );
    let rows = store::deliveries(&b.db, id, Some(DeliveryStatus::Written), 10).unwrap();
    assert!(
        rows.iter()
            .all(|d| d.reply.contains("outbox") && d.reply.contains(".eml")),
        "each row says where the file is: {rows:?}"
    );
}

#[test]
fn a_pause_from_another_connection_stops_the_workers_and_a_resume_finishes_without_repeats() {
    let sink = Sink::start(&[]);
    let b = branch(40, |_| "");
    account::save(
        &b.db,
        &SmtpAccount {
            rate_per_minute: 600,
            ..sink.account()
        },
    )
    .unwrap();
    let id = b.announcement();
    let path = b.path.clone();
    let pauser = std::thread::spawn(move || {
        let other = Database::open(&path).unwrap();
        loop {
            if store::progress(&other, id).unwrap().sent >= 5 {
                store::request_pause(&other, id).unwrap();
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let paused = send(&b, id, &quick()).unwrap();
    pauser.join().unwrap();
    assert_eq!(
        paused.state,
        AnnouncementState::Paused,
        "the send stopped on the pause: {paused:?}"
    );
    assert!(
        paused.sent >= 5 && paused.sent < 40 && paused.sending == 0,
        "some sent, the rest queued, none left in flight: {paused:?}"
    );
    let done = send(&b, id, &SendOptions::default()).unwrap();
    assert_eq!(
        (done.sent, done.state),
        (40, AnnouncementState::Done),
        "the resume finishes: {done:?}"
    );
    assert!(
        sink.arrivals().values().all(|&n| n == 1) && sink.arrivals().len() == 40,
        "everyone exactly once across pause and resume"
    );
}

#[test]
fn an_announcement_needs_its_event_a_subject_and_someone_subscribed() {
    let b = branch(0, |_| "");
    let input = AnnouncementInput {
        event_id: None,
        tour_id: None,
        template: Template::NewEvent,
        list_id: b.list_id,
        segment: String::new(),
        subject: "x".into(),
        body: "y".into(),
        attach_flyer: false,
        versions: Vec::new(),
    };
    let e = store::create(&b.db, input.clone()).unwrap_err();
    assert_eq!(
        e.fields[0].field, "event_id",
        "no event is refused on event_id: {e:?}"
    );
    let e = store::create(
        &b.db,
        AnnouncementInput {
            event_id: Some(b.event_id),
            subject: " ".into(),
            ..input.clone()
        },
    )
    .unwrap_err();
    assert_eq!(
        e.fields[0].field, "subject",
        "an empty subject is refused: {e:?}"
    );
    let a = store::create(
        &b.db,
        AnnouncementInput {
            event_id: Some(b.event_id),
            ..input
        },
    )
    .unwrap();
    let e = store::queue(&b.db, a.id).unwrap_err();
    assert!(
        e.message.contains("Nobody"),
        "an empty list is refused when queueing: {}",
        e.message
    );
    assert_eq!(
        store::get(&b.db, a.id).unwrap().state,
        AnnouncementState::Draft,
        "the draft is kept as it was"
    );
    let _ = announcements::outbox_dir(&b.path);
}

#[test]
fn claimed_rows_of_a_killed_sender_go_back_to_the_queue_but_after_a_restart_they_are_uncertain() {
    let sink = Sink::start(&[]);
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    for (lease_boot, expect_uncertain) in [(boot.as_str(), 0u32), ("an-earlier-boot", 2)] {
        let b = branch(4, |_| "");
        account::save(&b.db, &sink.account()).unwrap();
        let id = b.announcement();
        store::queue(&b.db, id).unwrap();
        let mut gone = Command::new("true").spawn().unwrap();
        let dead_pid = gone.id();
        gone.wait().unwrap();
        b.db.conn()
            .execute(
                "INSERT INTO send_lease (announcement_id, owner, pid, boot_id, heartbeat_ms) VALUES (?1, 'dead', ?2, ?3, ?4)",
                rusqlite::params![id, dead_pid, lease_boot, jiff::Timestamp::now().as_millisecond()],
            )
            .unwrap();
        b.db.conn()
            .execute("UPDATE delivery SET status = 'claimed' WHERE id IN (SELECT id FROM delivery WHERE announcement_id = ?1 ORDER BY id LIMIT 2)", [id])
            .unwrap();
        let done = send(&b, id, &quick()).unwrap();
        if boot.is_empty() {
            assert_eq!(
                done.uncertain, 2,
                "without a known boot, claimed rows are uncertain: {done:?}"
            );
            continue;
        }
        assert_eq!(
            done.uncertain,
            expect_uncertain,
            "lease from {lease_boot}: claimed rows are {} : {done:?}",
            if expect_uncertain == 0 {
                "queued again"
            } else {
                "uncertain"
            }
        );
        assert_eq!(done.sent + done.uncertain, 4, "the rest are sent: {done:?}");
    }
}

#[test]
fn offline_everyone_stays_queued_and_is_sent_when_the_connection_is_back() {
    let b = branch(5, |_| "");
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let offline = SmtpAccount {
        host: "127.0.0.1".into(),
        port: closed,
        security: Security::Plain,
        username: String::new(),
        rate_per_minute: 0,
        daily_cap: 0,
    };
    account::save(&b.db, &offline).unwrap();
    let id = b.announcement();
    let waiting = send(&b, id, &quick()).expect("no connection is not an error of the data");
    assert_eq!(
        (waiting.state, waiting.queued, waiting.sent),
        (AnnouncementState::Queued, 5, 0),
        "everyone stays queued: {waiting:?}"
    );
    assert!(
        waiting.note.contains("resume when the connection is back"),
        "the note says what happens next: {}",
        waiting.note
    );
    let sink = Sink::start(&[]);
    account::save(&b.db, &sink.account()).unwrap();
    let done = send(&b, id, &quick()).unwrap();
    assert_eq!(
        (done.state, done.sent),
        (AnnouncementState::Done, 5),
        "sent once the server answers: {done:?}"
    );
    assert_eq!(sink.events("message").len(), 5, "each person once");
}

#[test]
fn the_password_goes_to_the_keychain_or_the_organizer_is_told_there_is_none() {
    let acct = SmtpAccount {
        host: "smtp.handbill.test".into(),
        port: 587,
        security: Security::StartTls,
        username: format!("test-{}", std::process::id()),
        rate_per_minute: 0,
        daily_cap: 0,
    };
    match account::store_password(&acct, &Password::new("kept-in-the-keychain")) {
        Ok(()) => {
            let back = account::load_password(&acct).expect("a stored password can be read back");
            assert_eq!(
                back,
                Some(Password::new("kept-in-the-keychain")),
                "the keychain gives the password back"
            );
            account::forget_password(&acct).unwrap();
            assert_eq!(
                account::load_password(&acct).unwrap(),
                None,
                "a forgotten password is gone"
            );
        }
        Err(e) => {
            assert!(
                e.message.contains("keychain"),
                "the message names the missing keychain: {}",
                e.message
            );
            assert!(
                e.message.contains("HANDBILL_SMTP_PASSWORD") && e.message.contains("each session"),
                "and says what to do instead: {}",
                e.message
            );
            assert!(
                !e.message.contains("kept-in-the-keychain"),
                "the message does not repeat the password"
            );
            let needed = account::password_for(&acct, None).unwrap_err();
            assert_eq!(
                needed.fields[0].field, "password",
                "sending without one asks for the password: {needed:?}"
            );
            let held =
                account::password_for(&acct, Some(&Password::new("for-this-session"))).unwrap();
            assert_eq!(
                held,
                Some(Password::new("for-this-session")),
                "a password held for the session is used instead"
            );
        }
    }
}

#[test]
fn the_copy_before_a_send_holds_the_branch_before_the_queue_and_without_it_nothing_is_queued() {
    use handbill_core::db::backup::{self, BackupKind};
    let b = branch(300, |_| "");
    let id = b.announcement();
    // The copy is written on a thread of its own while the deliveries are:
    // restored, it has the branch as it stood before them.
    let queued = store::queue_with(&b.db, id, false).expect("the announcement is queued");
    assert_eq!(queued.total, 300, "everyone is queued");
    let copy = backup::list(&b.path)
        .unwrap()
        .into_iter()
        .find(|k| k.kind == BackupKind::BeforeSend)
        .expect("a copy was taken before the send");
    let Branch { _dir, path, db, .. } = b;
    let (db, _) = backup::restore(db, Path::new(&copy.path)).expect("the copy restores");
    let deliveries = |db: &Database| store::deliveries(db, id, None, 100_000).unwrap().len();
    assert_eq!(
        (store::get(&db, id).unwrap().state, deliveries(&db)),
        (AnnouncementState::Draft, 0),
        "the copy has the announcement as a draft, without the deliveries queued after it began"
    );

    // A copy that cannot be written: nothing is queued, and the refusal says so.
    let folder = Path::new(&copy.path).parent().unwrap().to_path_buf();
    std::fs::remove_dir_all(&folder).unwrap();
    std::fs::write(&folder, b"a file where the backups folder goes").unwrap();
    let err = store::queue_with(&db, id, false).expect_err("no copy, no queue");
    assert!(
        err.message.contains("Nothing was queued"),
        "the refusal says nothing was queued: {}",
        err.message
    );
    assert_eq!(
        (store::get(&db, id).unwrap().state, deliveries(&db)),
        (AnnouncementState::Draft, 0),
        "the announcement is still a draft with no deliveries"
    );
    drop((db, path));
}
