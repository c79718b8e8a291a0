//! The JSON exchange format: an event or a tour exported and imported into
//! another database comes back the same (all but its ids), and malformed files
//! are refused with their line and column, saving nothing.

use handbill_core::events::{
    self, json, EventInput, EventKind, Reading, SpeakerInput, StopInput, TourInput, VenueInput,
    When,
};
use handbill_core::{Database, ErrorCode};
use proptest::prelude::*;

fn open() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("json.sqlite")).expect("a new database opens");
    (dir, db)
}

/// An event with every field filled, announced and rescheduled (so it has history).
fn full_event(db: &Database) -> events::Event {
    let venue = events::create_venue(
        db,
        VenueInput {
            name: "Cambridge Community Center".into(),
            room: "Main hall".into(),
            address: "5 Callender St".into(),
            city: "Cambridge, MA".into(),
            accessibility: "Accessible, gender-neutral restrooms".into(),
        },
    )
    .unwrap();
    let a = events::create_speaker(
        db,
        SpeakerInput {
            name: "Yasser Munif".into(),
            affiliation: "Emerson College".into(),
            credit: "co-founder of the Global Campaign".into(),
        },
    )
    .unwrap();
    let b = events::create_speaker(
        db,
        SpeakerInput {
            name: "Shireen Akram-Boshar".into(),
            affiliation: "ISO".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let input = EventInput {
        title: "Socialists in Solidarity with Syria".into(),
        kind: EventKind::Panel,
        description: "A *panel* & discussion.\n\n- one\n- two".into(),
        start_date: "2027-01-24".into(),
        start_time: "18:30".into(),
        end_time: "20:30".into(),
        time_zone: "America/New_York".into(),
        venue_id: Some(venue.id),
        room: "Room 101".into(),
        online_link: "https://example.org/live".into(),
        attendance: events::Attendance::Hybrid,
        speaker_ids: vec![a.id, b.id],
        hosts: "ISO-Boston".into(),
        reading_list: vec![Reading {
            title: "The silence is broken".into(),
            author: "Jen Roesch".into(),
            link: "https://example.org/r".into(),
        }],
        accessibility: "Elevator at the side door".into(),
        rules: "No signs or flags will be permitted.".into(),
        links: events::EventLinks {
            event_page: "https://example.org/e".into(),
            rsvp: "https://example.org/rsvp".into(),
            donate: "https://example.org/d".into(),
        },
        tags: vec!["syria".into(), "panel".into()],
        cosponsor_call: events::CosponsorCall {
            text: "If your organization would like to co-sponsor this event".into(),
            contact: "boston@example.org".into(),
        },
        tour_id: None,
        translations: vec![events::EventTranslation {
            language: "es".into(),
            title: "Socialistas en solidaridad con Siria".into(),
            description: "Un *panel* y discusión.".into(),
        }],
        ..Default::default()
    };
    let e = events::create(db, input).unwrap();
    events::announce(db, e.id).unwrap();
    events::reschedule(
        db,
        e.id,
        When {
            start_date: "2027-01-31".into(),
            start_time: "18:30".into(),
            end_time: "20:30".into(),
            ..Default::default()
        },
        "room double-booked",
    )
    .unwrap()
}

/// The event with its database ids blanked, for comparing across databases.
fn without_ids(mut e: events::Event) -> events::Event {
    e.id = 0;
    e.tour_id = e.tour_id.map(|_| 0);
    if let Some(v) = &mut e.venue {
        v.id = 0;
    }
    for s in &mut e.speakers {
        s.id = 0;
    }
    e
}

#[test]
fn an_event_exported_and_imported_comes_back_the_same() {
    let (_a, source) = open();
    let e = full_event(&source);
    let text = json::export_event(&source, e.id).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (value["format"].as_str(), value["version"].as_u64()),
        (Some("handbill-event"), Some(1)),
        "the file names its format and version"
    );
    let (_b, target) = open();
    let imported = json::import(&target, &text).expect("the export imports");
    assert_eq!(imported.events.len(), 1, "one event is imported");
    let back = imported.events[0].clone();
    assert_eq!(
        value["event"]["translations"][0]["language"].as_str(),
        Some("es"),
        "the file carries the translations"
    );
    assert_eq!(
        back.translations, e.translations,
        "the Spanish title and description come back"
    );
    assert_eq!(
        without_ids(back.clone()),
        without_ids(e.clone()),
        "everything but the ids comes back"
    );
    assert_eq!(
        events::history(&target, back.id).unwrap(),
        events::history(&source, e.id).unwrap(),
        "the history comes back"
    );
    // Issue 17: a file whose UID the database has updates that event, never a
    // second one with a new UID that calendars would treat as separate.
    let again = json::import(&source, &text).expect("importing into the same database updates");
    assert_eq!(
        (
            again.events[0].id,
            again.events[0].uid.as_str(),
            again.updated.clone()
        ),
        (e.id, e.uid.as_str(), vec![e.id]),
        "the event known by its UID is updated in place"
    );
    assert_eq!(
        without_ids(again.events[0].clone()),
        without_ids(e.clone()),
        "an unchanged file changes nothing"
    );
    assert_eq!(
        again.events[0].venue.as_ref().map(|v| v.id),
        e.venue.as_ref().map(|v| v.id),
        "an identical venue is reused"
    );
}

#[test]
fn a_tour_with_its_stops_comes_back_the_same() {
    let (_a, source) = open();
    let sp = events::create_speaker(
        &source,
        SpeakerInput {
            name: "Keeanga-Yamahtta Taylor".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let tour = events::create_tour(
        &source,
        TourInput {
            title: "From #BlackLivesMatter to Black Liberation".into(),
            description: "A tour".into(),
            speaker_ids: vec![sp.id],
            hosts: "ISO".into(),
            tags: vec!["tour".into()],
            ..Default::default()
        },
    )
    .unwrap();
    let s1 = events::add_stop(
        &source,
        tour.id,
        StopInput {
            start_date: "2027-04-01".into(),
            start_time: "18:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let mut own = s1.to_input();
    own.title = "At Harvard".into();
    events::update(&source, s1.id, own).unwrap();
    events::add_stop(
        &source,
        tour.id,
        StopInput {
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let before = events::get_tour(&source, tour.id).unwrap();
    let text = json::export_tour(&source, tour.id).unwrap();
    let (_b, target) = open();
    let imported = json::import(&target, &text).expect("the tour imports");
    let after = events::get_tour(
        &target,
        imported.tour.as_ref().expect("a tour was imported").id,
    )
    .unwrap();
    let mut t = after.tour.clone();
    t.id = before.tour.id;
    for (x, y) in t.speakers.iter_mut().zip(&before.tour.speakers) {
        x.id = y.id;
    }
    assert_eq!(t, before.tour, "the tour comes back the same but for ids");
    assert_eq!(
        after.stops.into_iter().map(without_ids).collect::<Vec<_>>(),
        before
            .stops
            .into_iter()
            .map(without_ids)
            .collect::<Vec<_>>(),
        "the stops come back the same, overrides included"
    );
}

#[test]
fn malformed_json_is_refused_with_line_and_column_and_saves_nothing() {
    let (_d, db) = open();
    let cases = [
        ("{\n  \"format\": \"handbill-event\",\n  \"version\": 1,\n  \"event\": {\"title\": }\n}", "Line 4, column"),
        ("{\"format\":\"something-else\",\"version\":1}", "not a Handbill event file"),
        ("{\"format\":\"handbill-event\",\"version\":7,\"event\":{}}", "version 7"),
        ("{\"format\":\"handbill-event\",\"version\":1}", "either an \"event\""),
        ("{\"format\":\"handbill-event\",\"version\":1,\"event\":{\"title\":\"x\",\"status\":\"announced\",\"start_date\":\"2026-02-30\",\"start_time\":\"10:00\",\"time_zone\":\"America/New_York\"}}", "start_date"),
        ("{\"format\":\"handbill-event\",\"version\":1,\"event\":{\"title\":\"x\",\"kind\":\"picnic\"}}", "unknown variant"),
        ("[]", "not a Handbill event file"),
        ("{\"format\": \"handbill-event\", \"vers", "Line 1, column"),
    ];
    for (text, want) in cases {
        let err = json::import(&db, text).expect_err("a malformed file is refused");
        assert_eq!(
            err.code,
            ErrorCode::Invalid,
            "a malformed file is invalid input: {err:?}"
        );
        assert!(
            err.message.contains(want),
            "the message says {want:?}: {}",
            err.message
        );
    }
    let events: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM event", [], |r| r.get(0))
        .unwrap();
    assert_eq!(events, 0, "nothing was saved");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Whatever the file holds, import answers with events or an error, never a panic.
    #[test]
    fn json_import_never_panics(text in "\\{(\"(format|version|event|tour|stops|title|start_date|time_zone|status)\":(\"[ -~]{0,12}\"|[0-9]{1,3}|\\{\\}|\\[\\]|null),?){0,8}\\}?") {
        let db = Database::open_in_memory().unwrap();
        let _ = json::import(&db, &text);
        let with_header = format!("{{\"format\":\"handbill-event\",\"version\":1,\"event\":{}}}", text);
        let _ = json::import(&db, &with_header);
    }
}
