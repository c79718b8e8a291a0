//! "Tell the N people you emailed" (issue 23, the next step offered): after
//! an emailed event is rescheduled or cancelled, `told::told` counts the
//! people its announcements really went to — each once, over every list —
//! names their lists, and starts the news from the Rescheduled or Cancelled
//! template, filled in with the old date and the reason. The mail goes to a
//! real SMTP server on loopback (`tests/smtp/server.py`) from a real SQLite
//! file and is read back with Python's own MIME parser.

use std::path::{Path, PathBuf};
use std::time::Duration;

use handbill_core::events::{self, EventStatus, When};
use handbill_core::mail::announcements::{
    self, send, starting_template, store, told, AnnouncementInput, AnnouncementState, SendOptions,
    Template,
};
use handbill_core::mail::lists;
use handbill_core::mail::subscribers::{self, ConsentStatus, SubscriberInput};
use handbill_core::Database;
#[path = "support/boston.rs"]
mod boston;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[path = "../../../tests/smtp/sink.rs"]
mod sink;
use sink::Sink;

#[path = "support/sending_branch.rs"]
mod sending_branch;

/// The shared sending branch, with a branch profile to sign the messages.
fn branch(n: usize, sink: &Sink) -> sending_branch::Branch {
    let b = sending_branch::branch(n, sink, 0);
    boston::save_profile(&b.db);
    b
}

fn quick() -> SendOptions {
    SendOptions {
        connections: 2,
        retry_after: Duration::from_millis(100),
        timeout: Duration::from_secs(10),
        ..Default::default()
    }
}

/// Queues announcement `id`, composes it as the window does and sends it to the sink.
fn send_all(path: &Path, db: &Database, id: i64) -> u32 {
    store::queue(db, id).expect("the announcement is queued");
    let letters = announcements::prepare(db, &store::get(db, id).unwrap().content()).unwrap();
    let done = send::run(path, id, &letters, &quick(), &|_| {}).expect("it is sent");
    assert_eq!(
        done.state,
        AnnouncementState::Done,
        "the send finished: {done:?}"
    );
    done.sent
}

fn announcement(
    db: &Database,
    event_id: i64,
    list_id: i64,
    template: Template,
    subject: &str,
) -> i64 {
    store::create(
        db,
        AnnouncementInput {
            event_id: Some(event_id),
            tour_id: None,
            template,
            list_id,
            segment: String::new(),
            subject: subject.into(),
            body: "Dear {{first_name|friend}},\n\nCome to the rally.".into(),
            attach_flyer: false,
            versions: Vec::new(),
        },
    )
    .expect("the announcement is saved")
    .id
}

/// The text part of the message that reached `address`.
fn text_for(sink: &Sink, subject_starts: &str) -> Vec<String> {
    sink.parsed()
        .into_iter()
        .filter(|m| {
            m["headers"]["Subject"]
                .as_str()
                .is_some_and(|s| s.starts_with(subject_starts))
        })
        .map(|m| {
            m["parts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["type"] == "text/plain")
                .and_then(|p| p["text"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// Proves the count is of people really emailed, each once over two lists;
/// that a reschedule's news starts from the Rescheduled template with the
/// old date and the reason, and reaches the list; and a cancellation's from
/// the Cancelled one with its reason.
#[test]
fn the_people_emailed_are_counted_once_and_told_of_the_change() {
    let sink = Sink::start(&[]);
    let b = branch(3, &sink);
    let event_id = store::get(&b.db, b.announcement).unwrap().event_id.unwrap();
    events::announce(&b.db, event_id).expect("the rally is announced");

    let nobody = told(&b.db, event_id).unwrap();
    assert_eq!(
        (nobody.people, nobody.lists.len(), nobody.template),
        (0, 0, Template::NewEvent),
        "a saved announcement that was never sent has told nobody: {nobody:?}"
    );

    // A second list: one of the three, and one new person.
    let volunteers = lists::create(&b.db, "Volunteers").unwrap();
    let first = subscribers::find(&b.db, "person0001@example.test")
        .unwrap()
        .unwrap();
    subscribers::set_status(
        &b.db,
        first.id,
        volunteers.id,
        ConsentStatus::Subscribed,
        "signed the volunteer sheet",
    )
    .expect("person 1 joins the volunteers");
    subscribers::add(
        &b.db,
        SubscriberInput {
            email: "newcomer@example.test".into(),
            first_name: "Nia".into(),
            ..Default::default()
        },
        Some(volunteers.id),
        "test",
    )
    .unwrap();

    assert_eq!(
        send_all(&b.path, &b.db, b.announcement),
        3,
        "three on the list"
    );
    let second = announcement(
        &b.db,
        event_id,
        volunteers.id,
        Template::NewEvent,
        "Volunteers: rally",
    );
    assert_eq!(send_all(&b.path, &b.db, second), 2, "two volunteers");
    assert_eq!(
        sink.arrivals().len(),
        4,
        "four different addresses got mail"
    );

    let before = told(&b.db, event_id).unwrap();
    assert_eq!(
        before.people, 4,
        "person 1 got two emails but is one person: {before:?}"
    );
    assert_eq!(
        before.only_saved, 0,
        "everything was sent, nothing only saved"
    );
    assert_eq!(
        before
            .lists
            .iter()
            .map(|l| (l.list_name.as_str(), l.people))
            .collect::<Vec<_>>(),
        vec![("Announcements", 3), ("Volunteers", 2)],
        "the lists, the one with most of them first"
    );
    assert_eq!(
        before.template,
        Template::NewEvent,
        "an announced event starts from New event"
    );

    events::reschedule(
        &b.db,
        event_id,
        When {
            start_date: "2027-02-01".into(),
            start_time: "12:00".into(),
            end_date: String::new(),
            end_time: "14:00".into(),
            all_day: false,
        },
        "the storm",
    )
    .expect("the rally moves a week");
    let after = told(&b.db, event_id).unwrap();
    assert_eq!(
        (after.people, after.template),
        (4, Template::Rescheduled),
        "the same four people, told from the Rescheduled template: {after:?}"
    );
    assert_eq!(
        starting_template(&b.db, Some(event_id), None).unwrap(),
        Template::Rescheduled,
        "Email to list on the rescheduled event starts from the same template"
    );

    let (subject, body) =
        announcements::draft(&b.db, Some(event_id), None, after.template).unwrap();
    assert!(
        subject.starts_with("Rescheduled: Rally"),
        "the subject says so: {subject}"
    );
    assert!(
        body.contains("**Originally:** Monday, January 25, 2027"),
        "the old date is filled in: {body}"
    );
    assert!(body.contains("February 1, 2027"), "and the new one: {body}");
    assert!(
        body.contains("**Why:** the storm"),
        "and the reason: {body}"
    );

    let news = store::create(
        &b.db,
        AnnouncementInput {
            event_id: Some(event_id),
            tour_id: None,
            template: after.template,
            list_id: after.lists[0].list_id,
            segment: after.lists[0].segment.clone(),
            subject,
            body,
            attach_flyer: false,
            versions: Vec::new(),
        },
    )
    .unwrap();
    assert_eq!(
        send_all(&b.path, &b.db, news.id),
        3,
        "the news reaches the list"
    );
    let texts = text_for(&sink, "Rescheduled: Rally");
    assert_eq!(texts.len(), 3, "three rescheduled messages arrived");
    for t in &texts {
        assert!(
            t.contains("January 25, 2027") && t.contains("the storm"),
            "each says the old date and the reason: {t}"
        );
    }
    assert_eq!(
        told(&b.db, event_id).unwrap().people,
        4,
        "telling them again adds nobody new"
    );

    events::cancel(&b.db, event_id, "the venue closed").expect("then it is cancelled");
    let cancelled = told(&b.db, event_id).unwrap();
    assert_eq!(
        (cancelled.people, cancelled.template),
        (4, Template::Cancelled),
        "a cancellation starts from the Cancelled template: {cancelled:?}"
    );
    let (subject, body) =
        announcements::draft(&b.db, Some(event_id), None, Template::Cancelled).unwrap();
    assert!(
        subject.starts_with("Cancelled: Rally"),
        "the subject: {subject}"
    );
    assert!(
        body.contains("February 1, 2027") && body.contains("**Why:** the venue closed"),
        "the date it was planned for and the reason: {body}"
    );
    assert_eq!(
        events::get(&b.db, event_id).unwrap().status,
        EventStatus::Cancelled,
        "the event is cancelled"
    );
}

/// Proves messages only written to the outbox folder (no mail account) count
/// as told, and are said to be only saved; an unknown event is an error
/// naming it.
#[test]
fn outbox_messages_are_counted_as_only_saved() {
    let sink = Sink::start(&[]);
    let b = branch(2, &sink);
    handbill_core::mail::announcements::account::remove(&b.db).expect("the account is removed");
    let event_id = store::get(&b.db, b.announcement).unwrap().event_id.unwrap();
    assert_eq!(
        send_all(&b.path, &b.db, b.announcement),
        0,
        "nothing is sent"
    );
    let t = told(&b.db, event_id).unwrap();
    assert_eq!(
        (t.people, t.only_saved),
        (2, 2),
        "two people, both only in the outbox: {t:?}"
    );
    assert!(sink.arrivals().is_empty(), "nothing reached the server");
    let err = told(&b.db, 999).expect_err("there is no event 999");
    assert!(
        err.message.contains("999"),
        "the error names the event: {}",
        err.message
    );
}
