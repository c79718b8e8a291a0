//! Consent on the sending side, in the core: real SQLite files, the real
//! composer, and a real SMTP server on loopback (`tests/smtp/server.py`) for
//! delivery. It proves the signed unsubscribe token (read back however a
//! reply mangles it, never forged), the reading of pasted replies, the bounce
//! and soft-bounce records, the re-announce and template rules, the outbox's
//! "written" deliveries sent later exactly once, and the migration that
//! turns an older Handbill's outbox "sent" rows into "written".

use std::path::{Path, PathBuf};
use std::time::Duration;

use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::mail::announcements::announce::{self, AnnounceRequest, Plan};
use handbill_core::mail::announcements::{
    self, account, keys, replies, send, store, AnnouncementInput, AnnouncementState, Content,
    DeliveryStatus, Letters, Security, SendOptions, SmtpAccount, Template,
};
use handbill_core::mail::subscribers::{self, ConsentStatus, SubscriberInput};
use handbill_core::{db::storage, mail::lists, Database};
#[path = "support/boston.rs"]
mod boston;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[path = "../../../tests/smtp/sink.rs"]
mod sink;
use sink::Sink;

struct Branch {
    _dir: tempfile::TempDir,
    path: PathBuf,
    db: Database,
    list_id: i64,
    event_id: i64,
}

/// A branch (contact boston@handbill.test) with one rally and these people on "Announcements".
fn branch(people: &[&str]) -> Branch {
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
        _dir: dir,
        path,
        db,
        list_id: list.id,
        event_id: event.id,
    }
}

impl Branch {
    fn input(&self, template: Template) -> AnnouncementInput {
        AnnouncementInput {
            event_id: Some(self.event_id),
            tour_id: None,
            template,
            list_id: self.list_id,
            segment: String::new(),
            subject: "Rally on Saturday".into(),
            body: "Dear {{first_name|friend}}, come to the rally.".into(),
            attach_flyer: false,
            versions: Vec::new(),
        }
    }

    fn id_of(&self, email: &str) -> i64 {
        subscribers::find(&self.db, email).unwrap().unwrap().id
    }

    fn status_of(&self, email: &str) -> ConsentStatus {
        let d = subscribers::detail(&self.db, self.id_of(email)).unwrap();
        d.memberships
            .iter()
            .find(|m| m.list_id == self.list_id)
            .unwrap()
            .status
    }

    fn send(&self, id: i64, options: &SendOptions) -> store::SendProgress {
        let letters =
            announcements::prepare(&self.db, &store::get(&self.db, id).unwrap().content()).unwrap();
        send::run(&self.path, id, &letters, options, &|_| {}).expect("the send ends")
    }
}

fn quick() -> SendOptions {
    SendOptions {
        connections: 2,
        retry_after: Duration::from_millis(100),
        timeout: Duration::from_secs(10),
        ..Default::default()
    }
}

fn account(sink: &Sink) -> SmtpAccount {
    SmtpAccount {
        host: "127.0.0.1".into(),
        port: sink.port,
        security: Security::Plain,
        username: String::new(),
        rate_per_minute: 0,
        daily_cap: 0,
    }
}

#[test]
fn the_unsubscribe_token_is_read_back_quoted_wrapped_in_mailto_or_quoted_printable_and_cannot_be_forged(
) {
    let b = branch(&["ana@example.test"]);
    let keys = keys::load(&b.db).unwrap();
    assert_eq!(
        keys.message_id_part.len(),
        16,
        "the Message-ID part is 16 hex digits: {}",
        keys.message_id_part
    );
    assert_eq!(
        keys::load(&Database::open(&b.path).unwrap())
            .unwrap()
            .message_id_part,
        keys.message_id_part,
        "the keys are made once and kept"
    );
    let token = keys.token(b.list_id, 41);
    let found = |text: &str| keys.tokens_in(text);
    let expected = vec![keys::Token {
        list_id: b.list_id,
        subscriber_id: 41,
    }];
    assert_eq!(
        found(&format!("boston+{token}@handbill.test")),
        expected,
        "the plain address"
    );
    assert_eq!(
        found(&format!(
            "> <mailto:boston+{token}@handbill.test?subject=unsubscribe>"
        )),
        expected,
        "quoted, inside mailto:"
    );
    let (a, z) = token.split_at(20);
    assert_eq!(
        found(&format!("> write to boston+{a}\n> {z}@handbill.test")),
        expected,
        "wrapped over two quoted lines"
    );
    assert_eq!(
        found(&format!(
            "href=3D\"mailto:boston+{a}=\r\n{z}@handbill.test\""
        )),
        expected,
        "quoted-printable with a soft break"
    );
    assert_eq!(
        found(&format!("BOSTON+{}@HANDBILL.TEST", token.to_uppercase())),
        expected,
        "in capitals"
    );

    let forged = format!(
        "boston+unsubscribe-l{}-s42-{}@handbill.test",
        b.list_id,
        &token[token.len() - 16..]
    );
    assert!(
        found(&forged).is_empty(),
        "another person's number with Ana's signature is refused"
    );
    let other = branch(&[]);
    let theirs = keys::load(&other.db).unwrap();
    assert_ne!(
        theirs.message_id_part, keys.message_id_part,
        "two branches have different Message-ID parts"
    );
    assert!(
        theirs
            .tokens_in(&format!("boston+{token}@handbill.test"))
            .is_empty(),
        "another branch's secret does not verify this branch's token"
    );
}

#[test]
fn a_paste_counts_only_senders_and_tokens_never_quoted_copied_or_own_addresses() {
    let b = branch(&["ana@example.test", "bob@example.test", "carl@example.test"]);
    let keys = keys::load(&b.db).unwrap();
    let carl = b.id_of("carl@example.test");
    let paste = format!(
        "From: \"Lima, Ana\" <Ana@Example.test>\r\nSent: Monday\r\nTo: boston@handbill.test\r\nSubject: RE: Rally\r\n\r\nStop please. cc bob@example.test\r\n\
         ________________________________\r\nFrom: ISO Boston <boston@handbill.test>\r\nSent: Sunday\r\nTo: Ana\r\nSubject: Rally\r\n\r\n\
         To unsubscribe write to boston+{}@handbill.test\r\n\r\n-----\r\nFrom: MAILER-DAEMON@mx.example.net\r\nSubject: failure\r\n\r\nbob@example.test: 550 user unknown\r\n",
        keys.token(b.list_id, carl)
    );
    let read = replies::read(&b.db, &paste).unwrap();
    let keys_found: Vec<&str> = read.addresses.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(
        keys_found,
        ["ana@example.test", "carl@example.test"],
        "Ana wrote, Carl's token is quoted; Bob is only named"
    );
    assert!(
        read.own
            .iter()
            .any(|a| a.eq_ignore_ascii_case("MAILER-DAEMON@mx.example.net")),
        "a bounce notice's sender is set aside: {:?}",
        read.own
    );

    let list = "ana@example.test\n> bob@example.test\nOn Mon, Carl <carl@example.test> wrote:\nboston+news@handbill.test, postmaster@handbill.test";
    let read = replies::read(&b.db, list).unwrap();
    assert_eq!(
        read.addresses
            .iter()
            .map(|(_, k)| k.as_str())
            .collect::<Vec<_>>(),
        ["ana@example.test"],
        "in a column of addresses, quoted and attribution lines and the branch's own are left out"
    );
    assert_eq!(
        read.own.len(),
        2,
        "the branch's own + address and its postmaster are set aside: {:?}",
        read.own
    );

    let huge = "a".repeat(replies::MAX_PASTE_BYTES + 1);
    let err = replies::read(&b.db, &huge).unwrap_err();
    assert!(
        err.message.contains("paste at most"),
        "a paste over the limit is refused saying what to do: {}",
        err.message
    );

    let report = subscribers::unsubscribe_addresses(&b.db, &paste, None, "Pasted reply").unwrap();
    assert_eq!(
        report.unsubscribed,
        vec!["ana@example.test", "carl@example.test"],
        "the paste unsubscribes Ana and Carl: {report:?}"
    );
    assert_eq!(
        b.status_of("bob@example.test"),
        ConsentStatus::Subscribed,
        "Bob stays subscribed"
    );
}

#[test]
fn a_5_1_x_refusal_marks_bounced_with_evidence_a_5_7_x_does_not_and_4xx_answers_count_as_soft_bounces_over_pipelined_commands(
) {
    // With PIPELINING offered, MAIL, RCPT and DATA go together and the refusal is read from their answers.
    let sink = Sink::start(&[
        "--permfail",
        "gone",
        "--policyfail",
        "spamtrap",
        "--tempfail",
        "busy",
        "--tempfail-times",
        "2",
        "--pipelining",
    ]);
    let b = branch(&[
        "ana@example.test",
        "gone@example.test",
        "spamtrap@example.test",
        "busy@example.test",
    ]);
    account::save(&b.db, &account(&sink)).unwrap();
    let id = store::create(&b.db, b.input(Template::NewEvent))
        .unwrap()
        .id;
    store::queue(&b.db, id).unwrap();
    let done = b.send(id, &quick());
    assert_eq!(
        (done.sent, done.failed, done.soft_bounces),
        (2, 2, 2),
        "two sent, two refused, two 4xx answers: {done:?}"
    );
    assert_eq!(
        b.status_of("gone@example.test"),
        ConsentStatus::Bounced,
        "the unknown user is bounced"
    );
    let line = subscribers::ledger(&b.db, "gone@example.test")
        .unwrap()
        .pop()
        .unwrap();
    assert!(
        line.status == "bounced"
            && line.source.contains("550 5.1.1")
            && line.source.contains(&format!("announcement {id}")),
        "the ledger line has the server's words and the announcement: {line:?}"
    );
    assert_eq!(
        b.status_of("spamtrap@example.test"),
        ConsentStatus::Subscribed,
        "a policy refusal marks nobody"
    );
    let busy = store::deliveries(&b.db, id, Some(DeliveryStatus::Sent), 10)
        .unwrap()
        .into_iter()
        .find(|d| d.email.starts_with("busy"))
        .unwrap();
    assert_eq!(
        (busy.soft_bounces, busy.attempts),
        (2, 3),
        "two soft bounces before it went: {busy:?}"
    );
    assert_eq!(
        store::recipients(&b.db, b.list_id, "").unwrap().len(),
        3,
        "the bounced person is no longer a recipient"
    );
    assert!(
        !sink.events("ehlo").is_empty(),
        "the server offered pipelining"
    );
    assert_eq!(
        sink.events("message").len(),
        2,
        "exactly the two sent arrived, over pipelined commands"
    );
}

#[test]
fn the_same_event_twice_to_a_list_is_refused_naming_the_first_unless_again_and_templates_match_the_event(
) {
    let b = branch(&["ana@example.test"]);
    let first = store::create(&b.db, b.input(Template::NewEvent))
        .unwrap()
        .id;
    store::queue(&b.db, first).unwrap();
    b.send(first, &quick());
    let second = store::create(&b.db, b.input(Template::NewEvent))
        .unwrap()
        .id;
    let err = store::queue(&b.db, second).unwrap_err();
    assert_eq!(
        err.fields[0].field, "again",
        "the refusal names the choice to make: {err:?}"
    );
    assert!(
        err.message
            .contains(&format!("announcement {first} went out on"))
            && err.message.contains("UTC"),
        "it says when the first went out: {}",
        err.message
    );
    assert_eq!(
        store::get(&b.db, second).unwrap().state,
        AnnouncementState::Draft,
        "the refused one stays a draft"
    );
    assert!(
        store::queue_with(&b.db, second, true).is_ok(),
        "with the organizer's word it is queued"
    );

    let request = AnnounceRequest {
        event_id: Some(b.event_id),
        tour_id: None,
        list_id: b.list_id,
        segment: String::new(),
        template: Template::NewEvent,
        subject: Some("Another subject".into()),
        body: None,
        attach_flyer: None,
        again: false,
        versions_in: Vec::new(),
    };
    let err = announce::plan(&b.db, &request).unwrap_err();
    assert!(
        err.message.contains(&format!("Announcement {second}"))
            && err.message.contains("still queued"),
        "a queued one with another subject is refused, not reused silently: {}",
        err.message
    );
    match announce::plan(
        &b.db,
        &AnnounceRequest {
            subject: None,
            ..request.clone()
        },
    )
    .unwrap()
    {
        Plan::Reuse {
            announcement,
            notes,
        } => {
            assert_eq!(announcement.id, second, "the queued one is reused");
            assert!(
                notes[0].contains("rather than queueing everyone a second time"),
                "and says so: {notes:?}"
            );
        }
        other => panic!("the queued announcement is reused, not {other:?}"),
    }

    for template in [Template::Cancelled, Template::Rescheduled] {
        let err = store::create(&b.db, b.input(template)).unwrap_err();
        assert_eq!(
            err.fields[0].field, "template",
            "the {template:?} template is refused for a draft event: {err:?}"
        );
    }
    events::cancel(&b.db, b.event_id, "storm").unwrap();
    assert!(
        store::create(&b.db, b.input(Template::Cancelled)).is_ok(),
        "the cancelled template goes for a cancelled event"
    );
}

#[test]
fn outbox_deliveries_are_written_not_sent_then_deliver_outbox_sends_each_once() {
    let b = branch(&["ana@example.test", "ben@example.test", "cy@example.test"]);
    let id = store::create(&b.db, b.input(Template::NewEvent))
        .unwrap()
        .id;
    store::queue(&b.db, id).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let written = b.send(
        id,
        &SendOptions {
            outbox_dir: Some(dir.path().to_owned()),
            ..quick()
        },
    );
    assert_eq!(
        (written.written, written.sent),
        (3, 0),
        "three written to the outbox, none sent: {written:?}"
    );
    assert!(
        written.note.contains("not sent")
            && written.note.contains(&format!("handbill send outbox {id}")),
        "the note says so and what to do: {}",
        written.note
    );

    let letters = announcements::prepare(&b.db, &store::get(&b.db, id).unwrap().content()).unwrap();
    let err = send::deliver_outbox(&b.path, id, &letters, &quick(), &|_| {}).unwrap_err();
    assert!(
        err.message.contains("No mail account"),
        "without an account nothing would be sent: {}",
        err.message
    );

    let sink = Sink::start(&[]);
    account::save(&b.db, &account(&sink)).unwrap();
    subscribers::set_status(
        &b.db,
        b.id_of("cy@example.test"),
        b.list_id,
        ConsentStatus::Unsubscribed,
        "left meanwhile",
    )
    .unwrap();
    let (run, done) = send::deliver_outbox(&b.path, id, &letters, &quick(), &|_| {}).unwrap();
    assert_eq!(
        (run.requeued, run.resumed),
        (3, 0),
        "the three written were queued to be sent"
    );
    assert_eq!(
        (done.sent, done.written, done.skipped),
        (2, 0, 1),
        "two sent, the one who left not mailed: {done:?}"
    );
    let (run, again) = send::deliver_outbox(&b.path, id, &letters, &quick(), &|_| {}).unwrap();
    assert_eq!(
        (run.requeued, run.resumed, again.sent),
        (0, 0, 2),
        "a second run finds nothing to send"
    );
    assert_eq!(
        sink.events("message").len(),
        2,
        "the server got each message once"
    );
    assert!(
        sink.arrivals().values().all(|&n| n == 1),
        "nobody got the message twice: {:?}",
        sink.arrivals()
    );
}

#[test]
fn composed_letters_say_bulk_carry_a_verifiable_token_and_the_branchs_message_id_part() {
    let b = branch(&["ana@example.test"]);
    let id = store::create(&b.db, b.input(Template::NewEvent))
        .unwrap()
        .id;
    let a = store::get(&b.db, id).unwrap();
    let content: Content = a.content();
    let prepared = announcements::prepare(&b.db, &content).unwrap();
    let ana = store::recipient(&b.db, b.id_of("ana@example.test")).unwrap();
    let bytes = prepared.letter(&ana).unwrap();
    let message = mail_parser::MessageParser::default()
        .parse(&bytes)
        .expect("mail-parser reads the letter");
    let header = |name: &str| message.header_raw(name).map(|v| v.trim().to_owned());
    assert_eq!(
        header("Precedence").as_deref(),
        Some("bulk"),
        "Precedence: bulk"
    );
    assert_eq!(
        header("Auto-Submitted").as_deref(),
        Some("auto-generated"),
        "Auto-Submitted: auto-generated"
    );
    let keys = keys::load(&b.db).unwrap();
    let id_header = message.message_id().unwrap().to_owned();
    assert!(
        id_header.contains(&keys.message_id_part),
        "the Message-ID carries the branch's part: {id_header}"
    );
    let unsubscribe = header("List-Unsubscribe").unwrap();
    assert_eq!(
        keys.tokens_in(&unsubscribe),
        vec![keys::Token {
            list_id: b.list_id,
            subscriber_id: ana.subscriber_id
        }],
        "the List-Unsubscribe token names Ana and the list: {unsubscribe}"
    );
}

#[test]
fn an_older_databases_outbox_sent_rows_become_written_when_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    {
        let b = branch(&["ana@example.test", "ben@example.test"]);
        let id = store::create(&b.db, b.input(Template::NewEvent))
            .unwrap()
            .id;
        store::queue(&b.db, id).unwrap();
        b.db.conn()
            .execute(
                "UPDATE delivery SET status = 'sent', channel = 'outbox' WHERE email_key = 'ana@example.test'",
                [],
            )
            .unwrap();
        b.db.conn()
            .execute("UPDATE delivery SET status = 'sent', channel = 'smtp' WHERE email_key = 'ben@example.test'", [])
            .unwrap();
        // The same rows in a database as the Handbill before this one left it.
        // (Version 9: the schema before 0011_consent_send, which this test is about.)
        let old = storage::open_at_version(&path, 9).unwrap();
        old.conn()
            .execute_batch(&format!("ATTACH '{}' AS new", b.path.display()))
            .unwrap();
        // The event's and the announcement's columns as version 9 has them
        // (later migrations add some: 0015 no_room, 0022 the schedule).
        let columns_of = |table: &str| {
            old.conn()
                .prepare("SELECT name FROM pragma_table_info(?1)")
                .unwrap()
                .query_map([table], |r| r.get::<_, String>(0))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap()
                .join(", ")
        };
        let event_columns = columns_of("event");
        let announcement_columns = columns_of("announcement");
        old.conn()
            .execute_batch(&format!(
                "INSERT INTO branch SELECT id, name, short_name, city, contact_email, website, time_zone, languages,
                   logo, logo_media_type, logo_width, logo_height, updated_at FROM new.branch;
                 INSERT INTO list SELECT * FROM new.list;
                 INSERT INTO event ({event_columns}) SELECT {event_columns} FROM new.event;
                 INSERT INTO subscriber SELECT id, email, email_key, name, first_name, language, city, postal_code,
                   tags, notes, created_at, updated_at, search FROM new.subscriber;
                 INSERT INTO announcement ({announcement_columns}) SELECT {announcement_columns} FROM new.announcement;
                 INSERT INTO delivery (id, announcement_id, subscriber_id, email, email_key, status, channel, updated_at)
                   SELECT id, announcement_id, subscriber_id, email, email_key, status, channel, updated_at FROM new.delivery;",
            ))
            .unwrap();
    }
    let db = Database::open(&path).expect("the older database is migrated");
    let rows = store::deliveries(&db, 1, None, 10).unwrap();
    let status = |email: &str| rows.iter().find(|d| d.email == email).unwrap().status;
    assert_eq!(
        status("ana@example.test"),
        DeliveryStatus::Written,
        "a message an older Handbill 'sent' to the outbox is now written, not sent"
    );
    assert_eq!(
        status("ben@example.test"),
        DeliveryStatus::Sent,
        "one sent over SMTP stays sent"
    );
}
