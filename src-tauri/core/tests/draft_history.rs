//! History is for changes people were told about (issue 23): edits to a
//! draft — a new date, a new place, through the editor, *Reschedule* or
//! *Change venue* — make no history until the event is announced or emailed
//! to someone; from then on every change of date or place is kept with its
//! reason. On a real SQLite file.

use handbill_core::events::{self, EventInput, EventKind, HistoryKind, VenueInput, When};
use handbill_core::mail::announcements::{
    self, send, store, AnnouncementInput, SendOptions, Template,
};
use handbill_core::mail::lists;
use handbill_core::mail::subscribers::{self, SubscriberInput};
use handbill_core::Database;
#[path = "support/boston.rs"]
mod boston;

fn branch() -> (tempfile::TempDir, std::path::PathBuf, Database) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    let db = Database::open(&path).unwrap();
    boston::save_profile(&db);
    (dir, path, db)
}

fn rally() -> EventInput {
    EventInput {
        title: "Rally".into(),
        kind: EventKind::Rally,
        start_date: "2027-01-25".into(),
        start_time: "12:00".into(),
        end_time: "14:00".into(),
        time_zone: "America/New_York".into(),
        ..Default::default()
    }
}

fn when(date: &str) -> When {
    When {
        start_date: date.into(),
        start_time: "12:00".into(),
        end_date: String::new(),
        end_time: "14:00".into(),
        all_day: false,
    }
}

fn hall(db: &Database) -> i64 {
    events::create_venue(
        db,
        VenueInput {
            name: "Union Hall".into(),
            ..Default::default()
        },
    )
    .unwrap()
    .id
}

/// Proves a draft's edits leave no history, and that once announced the same
/// edits do, with their reasons.
#[test]
fn a_drafts_edits_make_no_history_until_it_is_announced() {
    let (_dir, _path, db) = branch();
    let venue = hall(&db);
    let e = events::create(&db, rally()).unwrap();

    let mut moved = rally();
    moved.start_date = "2027-01-26".into();
    moved.venue_id = Some(venue);
    let edited = events::update(&db, e.id, moved).expect("the draft is edited");
    assert_eq!(edited.start_date, "2027-01-26", "the edit is saved");
    events::reschedule(&db, e.id, when("2027-02-01"), "a better day").expect("reschedule a draft");
    events::change_venue(&db, e.id, None, "", "not booked yet").expect("move a draft");
    let mut typed = events::get(&db, e.id).unwrap().to_input();
    typed.start_date = "2027-02-08".into();
    typed.end_date = "2027-02-08".into();
    events::save_draft(&db, Some(e.id), typed).expect("autosave");
    let draft = events::get(&db, e.id).unwrap();
    assert_eq!(
        (
            draft.start_date.as_str(),
            draft.venue.is_none(),
            draft.sequence
        ),
        ("2027-02-08", true, 0),
        "every edit took effect, and no calendar was told"
    );
    assert!(
        events::history(&db, e.id).unwrap().is_empty(),
        "nobody was told, so there is no history: {:?}",
        events::history(&db, e.id).unwrap()
    );
    assert!(
        events::change_venue(&db, e.id, None, "", "").is_err(),
        "moving a draft to where it already is is still refused"
    );

    events::announce(&db, e.id).expect("announced");
    events::reschedule(&db, e.id, when("2027-02-15"), "the storm").unwrap();
    events::change_venue(&db, e.id, Some(venue), "Room 2", "more room").unwrap();
    let history = events::history(&db, e.id).unwrap();
    let kinds: Vec<(HistoryKind, &str, &str, &str)> = history
        .iter()
        .map(|h| {
            (
                h.kind,
                h.old_value.as_str(),
                h.new_value.as_str(),
                h.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            (HistoryKind::Status, "draft", "announced", ""),
            (
                HistoryKind::Date,
                "2027-02-08 12:00–14:00 America/New_York",
                "2027-02-15 12:00–14:00 America/New_York",
                "the storm"
            ),
            (HistoryKind::Status, "announced", "rescheduled", "the storm"),
            (
                HistoryKind::Venue,
                "to be decided",
                "Union Hall, Room 2",
                "more room"
            ),
        ],
        "from the announcement on, each change is kept with its reason"
    );
}

/// Proves a draft that was emailed to someone (without being marked
/// announced) keeps the history of its changes: people were told.
#[test]
fn a_draft_emailed_to_someone_keeps_its_changes() {
    let (_dir, path, db) = branch();
    let e = events::create(&db, rally()).unwrap();
    let list = lists::create(&db, "Members").unwrap();
    subscribers::add(
        &db,
        SubscriberInput {
            email: "ana@example.test".into(),
            first_name: "Ana".into(),
            ..Default::default()
        },
        Some(list.id),
        "test",
    )
    .unwrap();
    let a = store::create(
        &db,
        AnnouncementInput {
            event_id: Some(e.id),
            tour_id: None,
            template: Template::NewEvent,
            list_id: list.id,
            segment: String::new(),
            subject: "Rally".into(),
            body: "Come.".into(),
            attach_flyer: false,
            versions: Vec::new(),
        },
    )
    .unwrap();
    // A saved, unsent announcement tells nobody.
    events::reschedule(&db, e.id, when("2027-01-26"), "").unwrap();
    assert!(
        events::history(&db, e.id).unwrap().is_empty(),
        "an announcement not sent yet told nobody"
    );
    // No mail account: the message is written to the outbox for the organizer to send.
    store::queue(&db, a.id).unwrap();
    let letters = announcements::prepare(&db, &store::get(&db, a.id).unwrap().content()).unwrap();
    send::run(&path, a.id, &letters, &SendOptions::default(), &|_| {}).unwrap();
    assert_eq!(
        events::get(&db, e.id).unwrap().status,
        events::EventStatus::Draft,
        "emailing does not mark it announced"
    );
    events::reschedule(&db, e.id, when("2027-02-01"), "the storm").unwrap();
    let history = events::history(&db, e.id).unwrap();
    assert_eq!(
        history
            .iter()
            .map(|h| (h.kind, h.old_value.as_str(), h.reason.as_str()))
            .collect::<Vec<_>>(),
        vec![
            (
                HistoryKind::Date,
                "2027-01-26 12:00–14:00 America/New_York",
                "the storm"
            ),
            (HistoryKind::Status, "draft", "the storm"),
        ],
        "the change after the email is kept"
    );
    assert_eq!(
        events::get(&db, e.id).unwrap().status,
        events::EventStatus::Rescheduled,
        "people were told of the old date, so the event is rescheduled"
    );
}
