//! Events, venues, speakers, tours, status and history, views and search,
//! against a real SQLite file: each rule of the events domain, proven here.

use handbill_core::events::{
    self, EventInput, EventKind, EventStatus, HistoryKind, SpeakerInput, StopInput, TourInput,
    VenueInput, When,
};
use handbill_core::{Database, ErrorCode};

fn open() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("events.sqlite")).expect("a new database opens");
    (dir, db)
}

fn meeting(title: &str, date: &str) -> EventInput {
    EventInput {
        title: title.into(),
        kind: EventKind::Meeting,
        start_date: date.into(),
        start_time: "19:00".into(),
        end_time: "21:00".into(),
        time_zone: "America/New_York".into(),
        ..Default::default()
    }
}

fn count(db: &Database, table: &str) -> i64 {
    db.conn()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn now(text: &str) -> jiff::Timestamp {
    text.parse().unwrap()
}

#[test]
fn an_event_is_saved_with_utc_instants_and_its_local_times() {
    let (_dir, db) = open();
    let venue = events::create_venue(
        &db,
        VenueInput {
            name: "Cambridge Community Center".into(),
            address: "5 Callender St".into(),
            city: "Cambridge, MA".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let smith = events::create_speaker(
        &db,
        SpeakerInput {
            name: "Sharon Smith".into(),
            credit: "author of Women and Socialism".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let munif = events::create_speaker(
        &db,
        SpeakerInput {
            name: "Yasser Munif".into(),
            affiliation: "Emerson College".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let mut input = meeting("#MeToo", "2027-01-25");
    input.venue_id = Some(venue.id);
    input.speaker_ids = vec![munif.id, smith.id];
    input.tags = vec!["feminism".into(), " Feminism ".into(), "".into()];
    let e = events::create(&db, input).expect("a valid event is saved");
    assert_eq!(
        e.status,
        EventStatus::Draft,
        "a new event starts as a draft"
    );
    assert_eq!(
        e.start_at.as_deref(),
        Some("2027-01-26T00:00:00Z"),
        "19:00 in New York in January is midnight UTC"
    );
    assert_eq!(
        e.end_at.as_deref(),
        Some("2027-01-26T02:00:00Z"),
        "the end is stored as a UTC instant"
    );
    assert_eq!(
        (e.start_time.as_str(), e.end_date.as_str()),
        ("19:00", "2027-01-25"),
        "local times are kept; the end date defaults to the start date"
    );
    assert_eq!(
        e.speakers
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        ["Yasser Munif", "Sharon Smith"],
        "speakers keep their order"
    );
    assert_eq!(
        e.venue.as_ref().map(|v| v.name.as_str()),
        Some("Cambridge Community Center"),
        "the venue is read with the event"
    );
    assert_eq!(
        e.tags,
        ["feminism"],
        "tags are trimmed and deduplicated without regard to case"
    );
    assert!(
        e.uid.ends_with("@handbill") && e.uid.len() > 30,
        "the event has a stable UID: {}",
        e.uid
    );
    assert_eq!(
        events::get(&db, e.id).unwrap(),
        e,
        "reading the event back gives the same event"
    );
    assert!(
        !e.is_past(now("2027-01-25T00:00:00Z")) && e.is_past(now("2027-01-26T02:00:00Z")),
        "an event is past once its end has passed"
    );
}

#[test]
fn bad_input_names_the_field_and_saves_nothing() {
    let (_dir, db) = open();
    let cases: Vec<(EventInput, &str)> = vec![
        (
            EventInput {
                title: String::new(),
                ..meeting("x", "2027-01-25")
            },
            "title",
        ),
        (meeting("x", "2026-02-30"), "start_date"),
        (meeting("x", "25/13/2027"), "start_date"),
        (
            EventInput {
                time_zone: "Mars/Olympus".into(),
                ..meeting("x", "2027-01-25")
            },
            "time_zone",
        ),
        (
            EventInput {
                end_time: "18:00".into(),
                ..meeting("x", "2027-01-25")
            },
            "end_time",
        ),
        (
            EventInput {
                end_date: "2027-01-24".into(),
                ..meeting("x", "2027-01-25")
            },
            "end_date",
        ),
        (
            EventInput {
                start_time: "25:00".into(),
                ..meeting("x", "2027-01-25")
            },
            "start_time",
        ),
        (
            EventInput {
                links: events::EventLinks {
                    donate: "javascript:alert(1)".into(),
                    ..Default::default()
                },
                ..meeting("x", "2027-01-25")
            },
            "links.donate",
        ),
        (
            EventInput {
                description: "x".repeat(1024 * 1024),
                ..meeting("x", "2027-01-25")
            },
            "description",
        ),
        (
            EventInput {
                venue_id: Some(99),
                ..meeting("x", "2027-01-25")
            },
            "venue_id",
        ),
        (meeting("x", ""), "start_date"),
    ];
    for (input, field) in cases {
        let err = events::create(&db, input).expect_err("bad input is refused");
        assert_eq!(
            err.code,
            ErrorCode::Invalid,
            "bad input is an invalid-input error: {err:?}"
        );
        assert!(
            err.fields.iter().any(|f| f.field == field),
            "the error names {field}: {err:?}"
        );
    }
    let err = events::save_draft(
        &db,
        None,
        EventInput {
            description: "x".repeat(1024 * 1024),
            ..Default::default()
        },
    )
    .expect_err("even a draft has a size limit");
    assert!(
        err.message.contains("description") && err.message.contains("KB"),
        "the message names the field and the limit: {}",
        err.message
    );
    assert_eq!(count(&db, "event"), 0, "nothing was saved");
}

#[test]
fn a_draft_is_saved_as_typed_and_checked_when_announced() {
    let (_dir, db) = open();
    let d = events::save_draft(
        &db,
        None,
        EventInput {
            title: "Study gr".into(),
            start_date: "2027-02-".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .expect("a half-typed draft is saved");
    assert_eq!(
        d.start_date, "2027-02-",
        "the draft keeps the date as typed"
    );
    assert_eq!(
        d.start_at, None,
        "a date that is not a date yet has no instant"
    );
    let err = events::announce(&db, d.id).expect_err("an incomplete draft cannot be announced");
    assert!(
        err.fields.iter().any(|f| f.field == "start_date"),
        "announcing names the bad date: {err:?}"
    );
    assert_eq!(
        events::get(&db, d.id).unwrap().status,
        EventStatus::Draft,
        "the refused draft stays a draft"
    );
    let d = events::save_draft(&db, Some(d.id), meeting("Study group", "2027-02-03"))
        .expect("the draft is saved again");
    assert_eq!(
        d.start_at.as_deref(),
        Some("2027-02-04T00:00:00Z"),
        "a complete draft gets its instants"
    );
    let a = events::announce(&db, d.id).expect("a complete draft is announced");
    assert_eq!(a.status, EventStatus::Announced, "the event is announced");
    assert_eq!(
        events::save_draft(&db, Some(d.id), meeting("", "x"))
            .expect_err("an announced event is not a draft")
            .code,
        ErrorCode::Invalid,
        "save_draft refuses an announced event"
    );
    let h = events::history(&db, d.id).unwrap();
    assert_eq!(
        (h.len(), h[0].kind, h[0].new_value.as_str()),
        (1, HistoryKind::Status, "announced"),
        "announcing is in the history"
    );
}

#[test]
fn reschedule_postpone_cancel_and_venue_changes_keep_their_history() {
    let (_dir, db) = open();
    let center = events::create_venue(
        &db,
        VenueInput {
            name: "Cambridge Community Center".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let e = events::create(&db, meeting("The United Front", "2027-01-04")).unwrap();
    let e = events::announce(&db, e.id).unwrap();
    assert_eq!(e.sequence, 0, "announcing does not raise the sequence");
    let e = events::reschedule(
        &db,
        e.id,
        When {
            start_date: "2027-01-11".into(),
            start_time: "19:00".into(),
            end_time: "21:00".into(),
            ..Default::default()
        },
        "cancelled due to the storm",
    )
    .expect("rescheduled");
    assert_eq!(
        (e.status, e.sequence, e.start_date.as_str()),
        (EventStatus::Rescheduled, 1, "2027-01-11"),
        "the event is rescheduled with a higher sequence"
    );
    let e = events::change_venue(&db, e.id, Some(center.id), "Room 2", "bigger room")
        .expect("the venue changes");
    assert_eq!(e.sequence, 2, "a venue change raises the sequence");
    let e = events::postpone(&db, e.id, "speaker ill").unwrap();
    assert_eq!(
        (e.status, e.sequence),
        (EventStatus::Postponed, 3),
        "postponed, sequence raised"
    );
    let e = events::cancel(&db, e.id, "hall closed").unwrap();
    assert_eq!(
        (e.status, e.sequence),
        (EventStatus::Cancelled, 4),
        "cancelled, sequence raised"
    );
    let h = events::history(&db, e.id).unwrap();
    let date = h
        .iter()
        .find(|x| x.kind == HistoryKind::Date)
        .expect("the date change is in the history");
    assert_eq!(
        (
            date.old_value.as_str(),
            date.new_value.as_str(),
            date.reason.as_str()
        ),
        (
            "2027-01-04 19:00–21:00 America/New_York",
            "2027-01-11 19:00–21:00 America/New_York",
            "cancelled due to the storm"
        ),
        "the old date and the reason are kept"
    );
    let venue = h
        .iter()
        .find(|x| x.kind == HistoryKind::Venue)
        .expect("the venue change is in the history");
    assert_eq!(
        (venue.old_value.as_str(), venue.new_value.as_str()),
        ("to be decided", "Cambridge Community Center, Room 2"),
        "the old and new place are kept"
    );
    let statuses: Vec<_> = h
        .iter()
        .filter(|x| x.kind == HistoryKind::Status)
        .map(|x| (x.new_value.as_str(), x.reason.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("announced", ""),
            ("rescheduled", "cancelled due to the storm"),
            ("postponed", "speaker ill"),
            ("cancelled", "hall closed")
        ],
        "every status change is kept with its reason"
    );
    assert!(
        db.conn()
            .execute("UPDATE event_history SET reason = 'x'", [])
            .is_err(),
        "the history cannot be rewritten"
    );
}

#[test]
fn duplicate_copies_an_event_as_a_new_draft_shifted() {
    let (_dir, db) = open();
    let e = events::create(&db, meeting("Study group", "2027-01-28")).unwrap();
    events::announce(&db, e.id).unwrap();
    let copy = events::duplicate(&db, e.id, 28).expect("the event is duplicated");
    assert_ne!(
        (copy.id, &copy.uid),
        (e.id, &e.uid),
        "the copy is a new event with its own UID"
    );
    assert_eq!(
        (
            copy.status,
            copy.start_date.as_str(),
            copy.start_time.as_str()
        ),
        (EventStatus::Draft, "2027-02-25", "19:00"),
        "the copy is a draft four weeks later at the same local time"
    );
    assert!(
        events::history(&db, copy.id).unwrap().is_empty(),
        "the copy has no history"
    );
}

#[test]
fn a_tour_shares_its_fields_with_stops_that_do_not_override_them() {
    let (_dir, db) = open();
    let a = events::create_speaker(
        &db,
        SpeakerInput {
            name: "Speaker A".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let b = events::create_speaker(
        &db,
        SpeakerInput {
            name: "Speaker B".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let hall = events::create_venue(
        &db,
        VenueInput {
            name: "Harvard Hall".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let tour = events::create_tour(
        &db,
        TourInput {
            title: "Socialism Tour".into(),
            description: "Join us".into(),
            speaker_ids: vec![a.id],
            ..Default::default()
        },
    )
    .unwrap();
    let s1 = events::add_stop(
        &db,
        tour.id,
        StopInput {
            start_date: "2027-03-01".into(),
            start_time: "18:00".into(),
            end_time: "20:00".into(),
            time_zone: "America/New_York".into(),
            venue_id: Some(hall.id),
            ..Default::default()
        },
    )
    .expect("a dated stop is added");
    let s2 = events::add_stop(
        &db,
        tour.id,
        StopInput {
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .expect("a stop with its date to be announced is added");
    assert_eq!(
        (s2.start_date.as_str(), s2.start_at.clone()),
        ("", None),
        "the coming-soon stop has no date"
    );
    let s3 = events::add_stop(
        &db,
        tour.id,
        StopInput {
            start_date: "2027-03-05".into(),
            start_time: "18:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let mut own = s3.to_input();
    own.title = "Socialism Tour at BU".into();
    events::update(&db, s3.id, own).expect("a stop gets its own title");
    let t = events::update_tour(
        &db,
        tour.id,
        TourInput {
            title: "Socialism 2027 Tour".into(),
            description: "Come".into(),
            speaker_ids: vec![a.id, b.id],
            ..Default::default()
        },
    )
    .expect("the tour is updated");
    let titles: Vec<_> = t.stops.iter().map(|s| (s.id, s.title.as_str())).collect();
    assert_eq!(
        titles,
        [
            (s1.id, "Socialism 2027 Tour"),
            (s3.id, "Socialism Tour at BU"),
            (s2.id, "Socialism 2027 Tour")
        ],
        "stops follow the tour's title unless they override it; dated stops come first"
    );
    assert!(
        t.stops
            .iter()
            .all(|s| s.description == "Come" && s.speakers.len() == 2),
        "descriptions and speakers follow the tour"
    );
    assert!(
        events::announce(&db, s2.id).is_ok(),
        "a stop may be announced with its date to be announced"
    );
}

#[test]
fn views_group_upcoming_events_by_month_and_find_a_month_and_search() {
    let (_dir, db) = open();
    let hall = events::create_venue(
        &db,
        VenueInput {
            name: "Kenmore Classroom Building".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let smith = events::create_speaker(
        &db,
        SpeakerInput {
            name: "Sharon Smith".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let old = events::create(&db, meeting("Old meeting", "2026-10-01")).unwrap();
    let jan = events::create(
        &db,
        EventInput {
            venue_id: Some(hall.id),
            speaker_ids: vec![smith.id],
            description: "Solidarity with Syria".into(),
            ..meeting("Panel", "2027-01-24")
        },
    )
    .unwrap();
    let drive = events::create(
        &db,
        EventInput {
            all_day: true,
            end_date: "2027-02-10".into(),
            ..meeting("Fund drive", "2027-01-15")
        },
    )
    .unwrap();
    let feb = events::create(&db, meeting("February meeting", "2027-02-03")).unwrap();
    let groups = events::upcoming(&db, now("2026-11-25T00:00:00Z")).unwrap();
    let shape: Vec<_> = groups
        .iter()
        .map(|g| {
            (
                g.label.as_str(),
                g.events.iter().map(|e| e.id).collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("January 2027", vec![drive.id, jan.id]),
            ("February 2027", vec![feb.id])
        ],
        "upcoming events are grouped by month, soonest first; past ones are left out"
    );
    assert_eq!(
        events::past(&db, now("2026-11-25T00:00:00Z"))
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        [old.id],
        "past events are those whose end has passed"
    );
    let february: Vec<_> = events::month(&db, 2027, 2)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(
        february,
        [drive.id, feb.id],
        "a month shows the multi-day events that overlap it"
    );
    assert!(events::month(&db, 2027, 13).is_err(), "month 13 is refused");
    for (text, want) in [
        ("soli", jan.id),
        ("Kenmore", jan.id),
        ("shar smi", jan.id),
        ("fund", drive.id),
    ] {
        let hits: Vec<_> = events::search(&db, text, 20)
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(
            hits,
            [want],
            "searching {text:?} finds the event by title, description, speaker or venue"
        );
    }
    events::update_speaker(
        &db,
        smith.id,
        SpeakerInput {
            name: "Keeanga Taylor".into(),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        events::search(&db, "keeanga", 20).unwrap().len(),
        1,
        "the index follows a renamed speaker"
    );
    assert!(
        events::search(&db, "sharon", 20).unwrap().is_empty(),
        "the old name no longer matches"
    );
    assert!(
        events::search(&db, "\"* OR NEAR(", 20).is_ok(),
        "FTS syntax in the text is harmless"
    );
    events::delete(&db, jan.id).unwrap();
    assert!(
        events::search(&db, "kenmore", 20).unwrap().is_empty(),
        "a deleted event leaves the index"
    );
}

#[test]
fn the_demo_adds_the_sample_events_once_and_an_older_sample_gains_them() {
    let (_dir, db) = open();
    let first = handbill_core::demo::load(&db).expect("the demo loads");
    assert!(first.changed, "the first load changes the database");
    let events_before = count(&db, "event");
    assert!(events_before >= 8, "the sample has the rally, meeting, panel, study group, fund drive and 3 tour stops: {events_before}");
    let again = handbill_core::demo::load(&db).expect("the demo loads again");
    assert!(!again.changed, "loading again changes nothing");
    assert_eq!(
        count(&db, "event"),
        events_before,
        "no event is added twice"
    );
    let groups = events::upcoming(&db, now("2026-11-25T00:00:00Z")).unwrap();
    let upcoming: usize = groups.iter().map(|g| g.events.len()).sum();
    assert!(
        upcoming >= 7,
        "several sample events are upcoming from 2026-11-25: {upcoming}"
    );
    let study = events::search(&db, "united front", 5).unwrap();
    assert_eq!(study.len(), 1, "the study group is found by search");
    assert_eq!(
        study[0].status,
        EventStatus::Rescheduled,
        "the study group was rescheduled"
    );
    let h = events::history(&db, study[0].id).unwrap();
    assert!(
        h.iter().any(|x| x.kind == HistoryKind::Date
            && x.old_value.starts_with("2027-01-07")
            && x.reason.contains("storm")),
        "the storm and the old date are in its history: {h:?}"
    );
    let tours = events::list_tours(&db).unwrap();
    let tour = events::get_tour(&db, tours[0].id).unwrap();
    assert!(
        tour.stops.len() >= 3 && tour.stops.iter().any(|s| s.start_date.is_empty()),
        "the tour has 3 stops, one coming soon"
    );
    let venues: std::collections::HashSet<_> = tour
        .stops
        .iter()
        .filter_map(|s| s.venue.as_ref().map(|v| v.id))
        .collect();
    assert!(
        venues.len() >= 2,
        "the dated stops are on different campuses"
    );
    assert!(
        events::month(&db, 2027, 2)
            .unwrap()
            .iter()
            .any(|e| e.kind == EventKind::FundDrive),
        "the fund drive's range reaches into February"
    );

    let (_dir2, older) = open();
    handbill_core::branch::save(&older, handbill_core::demo::sample_branch()).unwrap();
    handbill_core::mail::sample::load(&older).unwrap();
    let upgraded = handbill_core::demo::load(&older).expect("an older sample loads");
    assert!(upgraded.changed, "an older sample gains the events");
    assert_eq!(
        count(&older, "event"),
        events_before,
        "it gains the same events"
    );
    assert!(
        !handbill_core::demo::load(&older).unwrap().changed,
        "and only once"
    );
}

#[test]
fn a_sample_loaded_before_translations_gains_the_rallys_spanish_once() {
    let (_dir, db) = open();
    handbill_core::demo::load(&db).expect("the demo loads");
    let rally = events::search(&db, "Justice4Siham", 5)
        .unwrap()
        .into_iter()
        .find(|e| e.kind == EventKind::Rally)
        .expect("the rally is there");
    assert_eq!(
        rally
            .translations
            .iter()
            .map(|t| t.language.as_str())
            .collect::<Vec<_>>(),
        ["es"],
        "the sample rally has a Spanish translation"
    );
    // As an older build left it: the column's default.
    db.conn()
        .execute(
            "UPDATE event SET translations = '[]' WHERE id = ?1",
            [rally.id],
        )
        .unwrap();
    let again = handbill_core::demo::load(&db).expect("the older sample loads");
    assert!(again.changed, "the rally gains its translation");
    assert_eq!(
        events::get(&db, rally.id).unwrap().translations,
        rally.translations,
        "the same Spanish as a new sample"
    );
    assert!(
        !handbill_core::demo::load(&db).unwrap().changed,
        "and only once"
    );
    // An organizer's own translation is never replaced.
    let mut input = events::get(&db, rally.id).unwrap().to_input();
    input.translations[0].title = "Mitin por Siham".into();
    events::update(&db, rally.id, input).unwrap();
    assert!(
        !handbill_core::demo::load(&db).unwrap().changed,
        "a changed translation is left alone"
    );
    assert_eq!(
        events::get(&db, rally.id).unwrap().translations[0].title,
        "Mitin por Siham",
        "the organizer's words stay"
    );
}

#[test]
fn translations_are_saved_with_drafts_and_updates_copied_by_duplicate_and_checked_by_field() {
    let (_dir, db) = open();
    let es = |title: &str| events::EventTranslation {
        language: "es".into(),
        title: title.into(),
        description: "Una **reunión** abierta.".into(),
    };
    let draft = events::save_draft(
        &db,
        None,
        EventInput {
            title: "Branch meeting".into(),
            translations: vec![es("Reunión de la sección")],
            ..Default::default()
        },
    )
    .expect("a draft saves its translation");
    assert_eq!(
        draft.translations,
        [es("Reunión de la sección")],
        "the draft keeps the translation as typed"
    );
    let draft = events::save_draft(
        &db,
        Some(draft.id),
        EventInput {
            title: "Branch meeting".into(),
            translations: vec![es("Reunión abierta"), events::EventTranslation::default()],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        draft.translations,
        [es("Reunión abierta")],
        "autosave replaces it; an empty row added but not filled is dropped"
    );
    let e = events::create(
        &db,
        EventInput {
            translations: vec![
                es("Reunión"),
                events::EventTranslation {
                    language: " PT-br ".into(),
                    title: "Reunião".into(),
                    ..Default::default()
                },
            ],
            ..meeting("Meeting", "2027-01-25")
        },
    )
    .unwrap();
    assert_eq!(
        e.translations[1].language, "pt-BR",
        "the language tag is trimmed and written in its usual case"
    );
    let mut input = e.to_input();
    input.translations.remove(1);
    let e = events::update(&db, e.id, input).unwrap();
    assert_eq!(
        e.translations,
        [es("Reunión")],
        "an update saves the translations"
    );
    let copy = events::duplicate(&db, e.id, 28).unwrap();
    assert_eq!(
        copy.translations, e.translations,
        "a copy keeps the translations"
    );

    let cases = [
        (
            vec![events::EventTranslation {
                language: "not a tag!".into(),
                ..es("x")
            }],
            "translations[0].language",
        ),
        (
            vec![events::EventTranslation {
                language: String::new(),
                ..es("x")
            }],
            "translations[0].language",
        ),
        (
            vec![
                es("uno"),
                events::EventTranslation {
                    language: "ES".into(),
                    ..es("dos")
                },
            ],
            "translations[1].language",
        ),
        (vec![es(&"x".repeat(3000))], "translations[0].title"),
        (
            vec![events::EventTranslation {
                description: "x".repeat(200 * 1024),
                ..es("x")
            }],
            "translations[0].description",
        ),
    ];
    for (translations, field) in cases {
        let err = events::create(
            &db,
            EventInput {
                translations: translations.clone(),
                ..meeting("Bad", "2027-01-25")
            },
        )
        .expect_err(field);
        assert_eq!(err.code, ErrorCode::Invalid, "{field}: refused as invalid");
        assert!(
            err.fields.iter().any(|f| f.field == field),
            "{field}: the problem names the field: {:?}",
            err.fields
        );
        let err = events::save_draft(
            &db,
            Some(draft.id),
            EventInput {
                translations,
                ..Default::default()
            },
        )
        .expect_err(field);
        assert!(
            err.fields.iter().any(|f| f.field == field),
            "{field}: a draft is checked too: {:?}",
            err.fields
        );
    }
    assert_eq!(
        events::get(&db, draft.id).unwrap().translations,
        [es("Reunión abierta")],
        "a refused autosave loses nothing saved"
    );
}
