//! Issue 23, the announcement composer, against a real SQLite file and a real
//! SMTP server on loopback (`tests/smtp/server.py`): the preview of text not
//! saved yet is rendered by the core (`compose::preview_unsaved`) and saves
//! nothing; a template's draft shows names as typed, with no stray escape
//! characters, and still prints them literally; the flyer attached to a sent
//! message is named after the event and its day.

use std::path::{Path, PathBuf};
use std::time::Duration;

use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::mail::announcements::account;
use handbill_core::mail::announcements::{
    self, compose, send, store, templates, AnnouncementInput, AnnouncementState, Security,
    SendOptions, SmtpAccount, Template,
};
use handbill_core::mail::lists;
use handbill_core::mail::subscribers::{self, SubscriberInput};
use handbill_core::{Database, ErrorCode};
#[path = "support/boston.rs"]
mod boston;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[allow(dead_code)]
#[path = "../../../tests/smtp/sink.rs"]
mod sink;
use sink::Sink;

struct Branch {
    _dir: tempfile::TempDir,
    path: PathBuf,
    db: Database,
    list_id: i64,
    event_id: i64,
    ana: i64,
}

/// A branch with one list (Ana, Ben) and the reading group on Dec 10.
fn branch(title: &str) -> Branch {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    let db = Database::open(&path).unwrap();
    boston::save_profile(&db);
    let list = lists::create(&db, "Announcements").unwrap();
    let event = events::create(
        &db,
        EventInput {
            title: title.into(),
            kind: EventKind::Meeting,
            start_date: "2026-12-10".into(),
            start_time: "19:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let mut ids = Vec::new();
    for (email, first) in [("ana@example.test", "Ana"), ("ben@example.test", "Ben")] {
        let s = subscribers::add(
            &db,
            SubscriberInput {
                email: email.into(),
                first_name: first.into(),
                ..Default::default()
            },
            Some(list.id),
            "test",
        )
        .unwrap();
        ids.push(s.subscriber.id);
    }
    Branch {
        _dir: dir,
        path,
        db,
        list_id: list.id,
        event_id: event.id,
        ana: ids[0],
    }
}

fn input(b: &Branch, subject: &str, body: &str, attach_flyer: bool) -> AnnouncementInput {
    AnnouncementInput {
        event_id: Some(b.event_id),
        tour_id: None,
        template: Template::NewEvent,
        list_id: b.list_id,
        segment: String::new(),
        subject: subject.into(),
        body: body.into(),
        attach_flyer,
        versions: Vec::new(),
    }
}

fn announcements_kept(db: &Database) -> i64 {
    db.conn()
        .query_row("SELECT count(*) FROM announcement", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn the_preview_follows_unsaved_text_and_saves_nothing() {
    let b = branch("Reading group");
    let first = compose::preview_unsaved(
        &b.db,
        None,
        &input(
            &b,
            "Reading group",
            "Dear {{first_name|friend}},\n\nWe read **Lenin**.",
            false,
        ),
        Some(b.ana),
        None,
    )
    .expect("text never saved is previewed");
    assert!(
        first.html.contains("<strong>Lenin</strong>"),
        "{}",
        first.html
    );
    assert!(first.text.contains("Dear Ana,"), "{}", first.text);
    assert!(
        first.to.contains("ana@example.test"),
        "To names Ana: {}",
        first.to
    );
    // One more word typed: the preview follows it.
    let next = compose::preview_unsaved(
        &b.db,
        None,
        &input(
            &b,
            "Reading group",
            "Dear {{first_name|friend}},\n\nWe read **Lenin** and Luxemburg.",
            false,
        ),
        None,
        None,
    )
    .unwrap();
    assert!(next.text.contains("and Luxemburg"), "{}", next.text);
    assert!(
        next.text.contains("Dear friend,"),
        "as the test to me: no first name"
    );
    assert_eq!(announcements_kept(&b.db), 0, "previewing saved no draft");

    let empty = compose::preview_unsaved(&b.db, None, &input(&b, "", "Text", false), None, None)
        .expect_err("no subject is refused as saving would be");
    assert_eq!(empty.code, ErrorCode::Invalid);
    assert_eq!(empty.fields[0].field, "subject");
    assert_eq!(announcements_kept(&b.db), 0);
}

#[test]
fn a_drafts_names_show_as_typed_and_print_literally() {
    let b = branch("#Justice4Siham & #Justice4Naseem: AT&T_workers *now*");
    let (subject, body) =
        templates::draft(&b.db, Some(b.event_id), None, Template::NewEvent).unwrap();
    assert!(
        body.contains("#Justice4Siham & #Justice4Naseem: AT&T_workers \\*now\\*"),
        "the title reads as typed in the editor, only the emphasis marks escaped:\n{body}"
    );
    assert!(
        !body.contains("\\#") && !body.contains("\\&"),
        "no stray escapes:\n{body}"
    );
    let p = compose::preview_unsaved(&b.db, None, &input(&b, &subject, &body, false), None, None)
        .unwrap();
    assert!(
        p.text
            .contains("#Justice4Siham & #Justice4Naseem: AT&T_workers *now*"),
        "the message prints the title literally:\n{}",
        p.text
    );
    assert!(
        !p.html.contains("<em>now</em>") && p.html.contains("AT&amp;T_workers *now*"),
        "no emphasis is made of the title:\n{}",
        p.html
    );
}

#[test]
fn the_flyer_on_a_sent_message_is_named_after_the_event_and_its_day() {
    assert_eq!(
        compose::flyer_file_name("Reading group", "2026-12-10"),
        "reading-group-dec-10.pdf"
    );
    assert_eq!(
        compose::flyer_file_name("Qu'est-ce que c'est? / ¿Qué?", ""),
        "qu-est-ce-que-c-est-qu.pdf",
        "a safe name: ASCII letters and digits joined by hyphens"
    );
    assert_eq!(
        compose::flyer_file_name("../../etc/passwd", "2027-01-05"),
        "etc-passwd-jan-5.pdf"
    );

    let sink = Sink::start(&[]);
    let b = branch("Reading group");
    account::save(
        &b.db,
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
    let typed = input(&b, "Reading group Thursday", "Come and read with us.", true);
    let preview = compose::preview_unsaved(&b.db, None, &typed, None, None).unwrap();
    assert_eq!(
        preview.attachments.first().map(|a| a.0.as_str()),
        Some("reading-group-dec-10.pdf"),
        "the preview names the attachment as it will be sent"
    );
    let id = store::create(&b.db, typed).unwrap().id;
    let letters = announcements::prepare(&b.db, &store::get(&b.db, id).unwrap().content()).unwrap();
    let options = SendOptions {
        connections: 1,
        retry_after: Duration::from_millis(100),
        timeout: Duration::from_secs(10),
        ..Default::default()
    };
    let done = send::run(&b.path, id, &letters, &options, &|_| {}).expect("it is sent");
    assert_eq!((done.sent, done.state), (2, AnnouncementState::Done));
    let parsed = sink.parsed();
    assert_eq!(parsed.len(), 2, "the server saved both messages");
    for m in &parsed {
        let pdf = m["parts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["type"] == "application/pdf")
            .unwrap_or_else(|| panic!("the flyer is attached: {m}"));
        assert_eq!(pdf["filename"], "reading-group-dec-10.pdf", "{m}");
        assert!(pdf["size"].as_u64().unwrap() > 1000, "a whole PDF: {m}");
    }
}
