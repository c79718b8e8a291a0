//! The sending side of consent, as a coordinator meets it on the command
//! line: the real `handbill` binary, a real SQLite file, the loopback SMTP
//! server of `tests/smtp/server.py`, and what arrived read back by Python's
//! own MIME parser. It proves that a rejected address is marked bounced with
//! the server's words, that an event is not announced twice to a list by
//! accident, that outbox messages are "written", not "sent", and later sent
//! exactly once, that the letters say what they are, and that pasted replies
//! unsubscribe only their senders and the people our signed tokens name.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use handbill_core::branch::{self, BranchInput};
use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::mail::announcements::{store, AnnouncementInput, DeliveryStatus, Template};
use handbill_core::mail::subscribers::{self, ConsentStatus, SubscriberInput};
use handbill_core::{mail::lists, Database};
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[path = "smtp/sink.rs"]
mod sink;
use sink::{read_mail, Sink};

struct Branch {
    dir: tempfile::TempDir,
    path: PathBuf,
    event_id: i64,
    list_id: i64,
}

/// A branch with a contact address, one rally and the given people on "Announcements".
fn branch(contact: &str, people: &[&str]) -> Branch {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    let db = Database::open(&path).unwrap();
    branch::save(
        &db,
        BranchInput {
            name: "ISO Boston".into(),
            contact_email: contact.into(),
            time_zone: "America/New_York".into(),
            languages: vec!["en".into()],
            ..BranchInput::new_branch()
        },
    )
    .unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    let event = events::create(
        &db,
        EventInput {
            title: "Rally for Siham and for every neighbour held without charge".into(),
            kind: EventKind::Rally,
            description: "Join us at **City Hall**.".into(),
            start_date: "2027-01-25".into(),
            start_time: "12:00".into(),
            end_time: "14:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap();
    for email in people {
        subscribers::add(
            &db,
            SubscriberInput {
                email: (*email).into(),
                ..Default::default()
            },
            Some(list.id),
            "test",
        )
        .unwrap();
    }
    Branch {
        dir,
        path,
        event_id: event.id,
        list_id: list.id,
    }
}

/// `n` people named person0001@example.test and on.
fn numbered(n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| format!("person{i:04}@example.test"))
        .collect()
}

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

    fn event(&self) -> String {
        self.event_id.to_string()
    }

    fn status_of(&self, email: &str) -> ConsentStatus {
        let db = self.db();
        let s = subscribers::find(&db, email)
            .unwrap()
            .unwrap_or_else(|| panic!("{email} is a subscriber"));
        let d = subscribers::detail(&db, s.id).unwrap();
        d.memberships
            .iter()
            .find(|m| m.list_id == self.list_id)
            .map(|m| m.status)
            .unwrap_or_else(|| panic!("{email} is on the list"))
    }

    fn status_json(&self, id: i64) -> Value {
        let out = self.run(&["send", "status", &id.to_string(), "--json"]);
        assert!(
            out.status.success(),
            "send status --json runs: {}",
            text(&out)
        );
        serde_json::from_slice(&out.stdout).expect("send status --json prints JSON")
    }

    fn last_announcement(&self) -> i64 {
        store::all(&self.db())
            .unwrap()
            .first()
            .expect("an announcement was made")
            .id
    }
}

fn text(o: &Output) -> String {
    format!(
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn plain(sink: &Sink) -> String {
    format!("smtp://127.0.0.1:{}?security=plain", sink.port)
}

#[test]
fn a_550_5_1_1_marks_the_person_bounced_with_the_servers_words_a_policy_refusal_does_not_and_a_451_is_a_soft_bounce(
) {
    let sink = Sink::start(&[
        "--permfail",
        "gone",
        "--policyfail",
        "spamtrap",
        "--tempfail",
        "busy",
    ]);
    let b = branch(
        "boston@handbill.test",
        &[
            "ana@example.test",
            "gone@example.test",
            "spamtrap@example.test",
            "busy@example.test",
        ],
    );
    let out = b.run(&[
        "announce",
        &b.event(),
        "--list",
        "Announcements",
        "--smtp",
        &plain(&sink),
    ]);
    assert!(
        out.status.success(),
        "the announcement is sent: {}",
        text(&out)
    );
    let id = b.last_announcement();

    assert_eq!(
        b.status_of("gone@example.test"),
        ConsentStatus::Bounced,
        "550 5.1.1 (no such user) marks the person bounced at once"
    );
    let ledger = subscribers::ledger(&b.db(), "gone@example.test").unwrap();
    let last = ledger.last().expect("the ledger has lines");
    assert_eq!(
        last.status, "bounced",
        "the ledger's last line is the bounce: {ledger:?}"
    );
    assert!(
        last.source.contains("550")
            && last.source.contains("5.1.1")
            && last.source.contains("no such user"),
        "the ledger keeps the server's words as evidence: {}",
        last.source
    );
    assert_eq!(
        b.status_of("spamtrap@example.test"),
        ConsentStatus::Subscribed,
        "554 5.7.1 (policy) says nothing about the address: still subscribed"
    );
    assert_eq!(
        b.status_of("busy@example.test"),
        ConsentStatus::Subscribed,
        "a 451 is not a bounce"
    );

    let status = b.status_json(id);
    assert_eq!(
        status["progress"]["sent"], 2,
        "Ana and the busy one (on the retry) were sent: {status}"
    );
    assert_eq!(
        status["progress"]["failed"], 2,
        "the unknown user and the policy refusal failed: {status}"
    );
    assert_eq!(
        status["progress"]["soft_bounces"], 1,
        "one 451 answer counted as a soft bounce: {status}"
    );
    let failed: HashMap<String, String> = status["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["email"].as_str().unwrap().to_owned(),
                d["reply"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        failed["gone@example.test"].contains("marked bounced"),
        "the failed delivery says the person was marked bounced: {failed:?}"
    );
    assert!(
        !failed["spamtrap@example.test"].contains("bounced"),
        "the policy refusal marks nobody: {failed:?}"
    );
    let busy = store::deliveries(&b.db(), id, Some(DeliveryStatus::Sent), 10)
        .unwrap()
        .into_iter()
        .find(|d| d.email == "busy@example.test")
        .unwrap();
    assert_eq!(
        (busy.soft_bounces, busy.attempts),
        (1, 2),
        "the busy person's delivery records one soft bounce over two attempts: {busy:?}"
    );
    assert_eq!(
        sink.arrivals().get("busy@example.test"),
        Some(&1),
        "the retried message arrived once"
    );

    // The bounce holds for the next announcement: the reminder does not go to them.
    let reminder = b.run(&[
        "announce",
        &b.event(),
        "--list",
        "Announcements",
        "--template",
        "reminder",
        "--dry-run",
    ]);
    assert!(
        String::from_utf8_lossy(&reminder.stdout).contains("would reach 3 people"),
        "the bounced person is not reached again: {}",
        text(&reminder)
    );
}

#[test]
fn announcing_the_same_event_twice_is_refused_with_when_the_first_went_out_unless_again() {
    let b = branch(
        "boston@handbill.test",
        &["ana@example.test", "ben@example.test"],
    );
    let first = b.run(&["announce", &b.event(), "--list", "Announcements"]);
    assert!(
        first.status.success(),
        "the first announcement goes (to the outbox): {}",
        text(&first)
    );

    let second = b.run(&["announce", &b.event(), "--list", "Announcements"]);
    assert_eq!(
        second.status.code(),
        Some(2),
        "the second is refused as invalid input: {}",
        text(&second)
    );
    let err = String::from_utf8_lossy(&second.stderr);
    let first_id = b.last_announcement();
    let queued_at = store::get(&b.db(), first_id).unwrap().queued_at.unwrap();
    assert!(
        err.contains("already announced")
            && err.contains(&format!("announcement {first_id} went out on")),
        "the refusal names the first announcement: {err}"
    );
    assert!(
        err.contains(&queued_at[..10]) && err.contains("UTC"),
        "the refusal says when the first went out ({queued_at}): {err}"
    );
    assert!(
        err.contains("--again"),
        "the refusal says how to send it anyway: {err}"
    );
    assert_eq!(
        store::all(&b.db()).unwrap().len(),
        1,
        "the refusal left no second announcement behind"
    );

    let reminder = b.run(&[
        "announce",
        &b.event(),
        "--list",
        "Announcements",
        "--template",
        "reminder",
    ]);
    assert!(
        reminder.status.success(),
        "another template about the same event is not a repeat: {}",
        text(&reminder)
    );

    let again = b.run(&["announce", &b.event(), "--list", "Announcements", "--again"]);
    assert!(
        again.status.success(),
        "--again announces it a second time: {}",
        text(&again)
    );
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("Announcing it again, as asked"),
        "it says it is a repeat, as asked: {}",
        text(&again)
    );
    assert_eq!(
        store::all(&b.db()).unwrap().len(),
        3,
        "three announcements in all: new event, reminder, new event again"
    );
}

#[test]
fn a_still_queued_announcement_is_reused_and_an_option_that_differs_is_refused_not_ignored() {
    let sink = Sink::start(&[]);
    let b = branch(
        "boston@handbill.test",
        &["ana@example.test", "ben@example.test"],
    );
    let db = b.db();
    let (subject, body) =
        handbill_core::mail::announcements::draft(&db, Some(b.event_id), None, Template::NewEvent)
            .unwrap();
    let queued = store::create(
        &db,
        AnnouncementInput {
            event_id: Some(b.event_id),
            tour_id: None,
            template: Template::NewEvent,
            list_id: b.list_id,
            segment: String::new(),
            subject: subject.clone(),
            body,
            attach_flyer: false,
            versions: Vec::new(),
        },
    )
    .unwrap();
    store::queue(&db, queued.id).unwrap();
    drop(db);

    let differs = b.run(&[
        "announce",
        &b.event(),
        "--list",
        "Announcements",
        "--subject",
        "Another subject",
        "--smtp",
        &plain(&sink),
    ]);
    assert_eq!(
        differs.status.code(),
        Some(2),
        "a subject other than the queued one is refused: {}",
        text(&differs)
    );
    let err = String::from_utf8_lossy(&differs.stderr);
    assert!(
        err.contains(&format!("Announcement {}", queued.id))
            && err.contains("still queued")
            && err.contains("Another subject"),
        "the refusal names the queued one and the option: {err}"
    );
    let flyer = b.run(&[
        "announce",
        &b.event(),
        "--list",
        "Announcements",
        "--flyer",
        "--smtp",
        &plain(&sink),
    ]);
    assert_eq!(
        flyer.status.code(),
        Some(2),
        "--flyer on an announcement queued without it is refused: {}",
        text(&flyer)
    );
    assert!(
        sink.events("message").is_empty(),
        "nothing was sent by the refused runs"
    );

    let same = b.run(&[
        "announce",
        &b.event(),
        "--list",
        "Announcements",
        "--subject",
        &subject,
        "--smtp",
        &plain(&sink),
    ]);
    assert!(
        same.status.success(),
        "the same options send the queued one: {}",
        text(&same)
    );
    let said = String::from_utf8_lossy(&same.stdout);
    assert!(
        said.contains(&format!("Announcement {} of this", queued.id))
            && said.contains("rather than queueing everyone a second time"),
        "it says it reuses the queued one: {said}"
    );
    assert_eq!(
        store::all(&b.db()).unwrap().len(),
        1,
        "no second announcement was made"
    );
    assert_eq!(sink.events("message").len(), 2, "each person got it once");
}

#[test]
fn the_cancelled_and_rescheduled_templates_are_refused_for_an_event_that_is_neither() {
    let b = branch("boston@handbill.test", &["ana@example.test"]);
    for template in ["cancelled", "rescheduled"] {
        let out = b.run(&[
            "announce",
            &b.event(),
            "--list",
            "Announcements",
            "--template",
            template,
            "--dry-run",
        ]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "the {template} template is refused for a draft event: {}",
            text(&out)
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("draft") && err.contains(&format!("not {template}")),
            "the refusal says what the event is and is not: {err}"
        );
    }
    events::cancel(&b.db(), b.event_id, "the hall closed").unwrap();
    let out = b.run(&[
        "announce",
        &b.event(),
        "--list",
        "Announcements",
        "--template",
        "cancelled",
        "--dry-run",
    ]);
    assert!(
        out.status.success(),
        "the cancelled template goes for a cancelled event: {}",
        text(&out)
    );
    let out = b.run(&[
        "announce",
        &b.event(),
        "--list",
        "Announcements",
        "--template",
        "rescheduled",
        "--dry-run",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a cancelled event was not rescheduled: {}",
        text(&out)
    );
}

#[test]
fn outbox_messages_are_written_not_sent_and_send_outbox_delivers_each_once_even_after_a_kill() {
    let people = numbered(1200);
    let refs: Vec<&str> = people.iter().map(String::as_str).collect();
    let b = branch("boston@handbill.test", &refs);
    let out = b.run(&["announce", &b.event(), "--list", "Announcements"]);
    assert!(
        out.status.success(),
        "the announcement is written to the outbox: {}",
        text(&out)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("0 sent")
            && said.contains("1200 saved to the outbox folder")
            && said.contains("not sent"),
        "the summary says written, not sent: {said}"
    );
    let id = b.last_announcement();
    let status = b.run(&["send", "status"]);
    let table = String::from_utf8_lossy(&status.stdout);
    assert!(
        table.contains("in outbox") && !table.contains(" done "),
        "send status shows the announcement in the outbox, not done: {table}"
    );
    let one =
        String::from_utf8_lossy(&b.run(&["send", "status", &id.to_string()]).stdout).to_string();
    assert!(
        one.contains("Written to the outbox, not sent") && one.contains("handbill send outbox"),
        "one announcement's status lists the written ones and what to do: {one}"
    );

    let sink = Sink::start(&[]);
    let url = plain(&sink);
    let id_text = id.to_string();
    // Killed once a few hundred have gone, then run again: nobody twice, nobody left.
    let mut child = b
        .command(&["send", "outbox", &id_text, "--smtp", &url])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while sink.events("message").len() < 200 && started.elapsed() < Duration::from_secs(60) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed = child.try_wait().unwrap().is_none();
    child.kill().ok(); // SIGKILL
    child.wait().unwrap();
    assert!(
        killed,
        "the first run was killed mid-send (it had sent {})",
        sink.events("message").len()
    );
    let resumed = b.run(&["send", "outbox", &id_text, "--smtp", &url]);
    assert!(
        resumed.status.success(),
        "the second run finishes: {}",
        text(&resumed)
    );
    assert!(
        String::from_utf8_lossy(&resumed.stdout).contains("still queued from an earlier run"),
        "it says it resumes: {}",
        text(&resumed)
    );

    let arrivals = sink.arrivals();
    assert!(
        arrivals.values().all(|&n| n == 1),
        "nobody got the message twice: {:?}",
        arrivals.iter().filter(|(_, &n)| n > 1).collect::<Vec<_>>()
    );
    let rows = store::deliveries(&b.db(), id, None, 10_000).unwrap();
    let sent = rows
        .iter()
        .filter(|d| d.status == DeliveryStatus::Sent)
        .count();
    let uncertain = rows
        .iter()
        .filter(|d| d.status == DeliveryStatus::Uncertain)
        .count();
    assert_eq!(
        sent + uncertain,
        1200,
        "everyone is sent, or uncertain for the message in flight at the kill"
    );
    // Per connection (two), the message in flight and the next one, marked
    // `sending` while the one before was on its way (see send.rs, `Job::post`).
    assert!(
        uncertain <= 4,
        "at most the messages in flight at the kill, and each connection's next, are uncertain: {uncertain}"
    );
    assert_eq!(
        arrivals.len(),
        sent + rows
            .iter()
            .filter(|d| d.status == DeliveryStatus::Uncertain && arrivals.contains_key(&d.email))
            .count(),
        "every sent row arrived"
    );
    for d in rows.iter().filter(|d| d.status == DeliveryStatus::Sent) {
        assert_eq!(
            arrivals.get(&d.email),
            Some(&1),
            "{} is recorded sent and arrived once",
            d.email
        );
    }

    let third = b.run(&["send", "outbox", &id_text]);
    assert!(
        third.status.success(),
        "a third run is not an error: {}",
        text(&third)
    );
    assert!(
        String::from_utf8_lossy(&third.stdout).contains("Nothing was sent now"),
        "it says nothing was left: {}",
        text(&third)
    );
    assert_eq!(
        sink.events("message").len(),
        arrivals.values().sum::<usize>(),
        "the third run sent nothing"
    );
}

#[test]
fn letters_say_bulk_and_auto_generated_the_flyer_has_a_plain_filename_and_todays_date_and_branches_never_share_a_message_id(
) {
    let sink_a = Sink::start(&[]);
    let sink_b = Sink::start(&[]);
    let a = branch("boston@handbill.test", &["ana@example.test"]);
    let b = branch("boston@handbill.test", &["ana@example.test"]);
    for (branch, sink) in [(&a, &sink_a), (&b, &sink_b)] {
        let out = branch.run(&[
            "announce",
            &branch.event(),
            "--list",
            "Announcements",
            "--flyer",
            "--smtp",
            &plain(sink),
        ]);
        assert!(
            out.status.success(),
            "the announcement with its flyer is sent: {}",
            text(&out)
        );
    }
    let (ma, mb) = (&sink_a.parsed()[0], &sink_b.parsed()[0]);
    for m in [ma, mb] {
        assert_eq!(
            m["headers"]["Precedence"], "bulk",
            "Precedence: bulk is set: {}",
            m["headers"]
        );
        assert_eq!(
            m["headers"]["Auto-Submitted"], "auto-generated",
            "Auto-Submitted: auto-generated is set: {}",
            m["headers"]
        );
        assert!(
            m["defects"].as_array().unwrap().is_empty(),
            "Python's parser finds no defect: {}",
            m["defects"]
        );
        let pdf = m["parts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["type"] == "application/pdf")
            .expect("the flyer is attached");
        let disposition = pdf["disposition_raw"].as_str().unwrap();
        assert!(
            disposition.contains("filename=\"rally-for-siham-and-for-every-neighbour-jan-25.pdf\"")
                && !disposition.contains("filename*"),
            "a plain filename= parameter, not RFC 2231's filename*: {disposition}"
        );
        let today = jiff::Timestamp::now().strftime("%Y%m%d").to_string();
        let created = pdf["pdf_created"]
            .as_str()
            .unwrap_or_else(|| panic!("the PDF has a /CreationDate: {pdf}"));
        assert!(
            created.starts_with(&today),
            "the PDF was created today ({today}), not on a fixed date: {created}"
        );
    }
    let (ida, idb) = (
        ma["headers"]["Message-ID"].as_str().unwrap(),
        mb["headers"]["Message-ID"].as_str().unwrap(),
    );
    assert!(
        ida.starts_with("<a1.s1.") && idb.starts_with("<a1.s1."),
        "both are announcement 1 to subscriber 1: {ida} {idb}"
    );
    assert_ne!(
        ida, idb,
        "two branches with the same numbers, address and domain still make different Message-IDs"
    );
}

/// The `List-Unsubscribe` address of the message written to the outbox for `email`.
fn unsubscribe_address_of(b: &Branch, id: i64, email: &str) -> String {
    let folder =
        handbill_core::mail::announcements::outbox_dir(&b.path).join(format!("announcement-{id}"));
    let mail = read_mail(&folder);
    let m = mail
        .iter()
        .find(|m| m["headers"]["To"].as_str().unwrap().contains(email))
        .expect("a message to them was written");
    let header = m["headers"]["List-Unsubscribe"].as_str().unwrap();
    header
        .trim()
        .trim_start_matches("<mailto:")
        .trim_end_matches('>')
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn pasted_replies_unsubscribe_their_senders_and_signed_tokens_never_quoted_addresses_or_the_branchs_own(
) {
    let b = branch(
        "boston@handbill.test",
        &[
            "ana@example.test",
            "bob@example.test",
            "carl@example.test",
            "dee@example.test",
            "eve@example.test",
        ],
    );
    let out = b.run(&["announce", &b.event(), "--list", "Announcements"]);
    assert!(
        out.status.success(),
        "the announcement is written to the outbox: {}",
        text(&out)
    );
    let id = b.last_announcement();
    let carl = unsubscribe_address_of(&b, id, "carl@example.test");
    assert!(
        carl.starts_with("boston+unsubscribe-l") && carl.ends_with("@handbill.test"),
        "the address carries a token: {carl}"
    );

    // Ana replies; her text names Bob and quotes the branch's own addresses,
    // and the paste also holds a bounce notice and the branch's own test.
    let ana = "From: Ana Lima <ana@example.test>\nTo: ISO Boston <boston@handbill.test>\nSubject: Re: Rally\nDate: Mon, 4 Jan 2027 10:00:00 -0500\n\n\
               Please take me off. My friend bob@example.test still wants these.\n\n\
               On Sun, Jan 3, 2027, ISO Boston <boston@handbill.test> wrote:\n> Reply to write to us at boston@handbill.test.\n\
               > Bounces go to MAILER-DAEMON@handbill.test and postmaster@handbill.test\n\
               -----\nFrom: Mail Delivery System <MAILER-DAEMON@handbill.test>\nSubject: Undelivered Mail Returned to Sender\n\nYour message could not be delivered.\n\
               -----\nFrom: ISO Boston <boston+news@handbill.test>\nSubject: Our own test\n\nunsubscribe\n";
    let out = b.run(&["subscribers", "unsubscribe", ana]);
    assert!(out.status.success(), "the reply is read: {}", text(&out));
    assert_eq!(
        b.status_of("ana@example.test"),
        ConsentStatus::Unsubscribed,
        "Ana, the sender, is unsubscribed"
    );
    assert_eq!(
        b.status_of("bob@example.test"),
        ConsentStatus::Subscribed,
        "Bob, named in her text, is not"
    );
    for own in [
        "boston@handbill.test",
        "mailer-daemon@handbill.test",
        "postmaster@handbill.test",
    ] {
        assert!(
            subscribers::ledger(&b.db(), own).unwrap().is_empty(),
            "the branch's own {own} is never recorded as leaving"
        );
    }

    // Carl forwards the announcement from his work address: his token is wrapped, quoted and inside mailto:.
    let (head, tail) = carl.split_at(carl.len() / 2);
    let forward = format!(
        "From: Carl at work <carl.w@work.example>\nTo: boston@handbill.test\nSubject: Fwd: Rally\n\nPlease remove me.\n\n\
         ---------- Forwarded message ---------\nFrom: ISO Boston <boston@handbill.test>\nDate: Sun, 3 Jan 2027\nTo: <carl@example.test>\nCc: dee@example.test\n\n\
         > To unsubscribe, write to <mailto:{head}\n> {tail}?subject=unsubscribe>\n"
    );
    let out = b.run(&["subscribers", "unsubscribe", &forward]);
    assert!(out.status.success(), "the forward is read: {}", text(&out));
    assert_eq!(
        b.status_of("carl@example.test"),
        ConsentStatus::Unsubscribed,
        "the token in the forwarded copy names Carl"
    );
    assert_eq!(
        b.status_of("dee@example.test"),
        ConsentStatus::Subscribed,
        "Dee, copied on the forwarded message, is not touched"
    );

    // A token for Eve with a forged signature, pasted by the branch itself, marks nobody.
    let eve = subscribers::find(&b.db(), "eve@example.test")
        .unwrap()
        .unwrap();
    let forged = format!(
        "boston+unsubscribe-l{}-s{}-0123456789abcdef@handbill.test",
        b.list_id, eve.id
    );
    let out = b.run(&[
        "subscribers",
        "unsubscribe",
        &format!("From: boston@handbill.test\nSubject: x\n\n{forged}\n"),
    ]);
    assert!(
        !out.status.success(),
        "a paste naming no one is refused: {}",
        text(&out)
    );
    assert_eq!(
        b.status_of("eve@example.test"),
        ConsentStatus::Subscribed,
        "a forged token unsubscribes nobody"
    );

    // A column of addresses copied from a sheet still works.
    let out = b.run(&["subscribers", "unsubscribe", "dee@example.test"]);
    assert!(
        out.status.success() && b.status_of("dee@example.test") == ConsentStatus::Unsubscribed,
        "a bare address is unsubscribed: {}",
        text(&out)
    );
}
