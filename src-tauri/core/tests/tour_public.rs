//! Issue 17 in the core: the one rule for what is public (drafts never,
//! cancelled marked, struck or hidden) reaches a tour's announcement, and the
//! one text for when an event is names years and zones as they apply.

use handbill_core::events::public::{self, CancelledShown};
use handbill_core::events::{self, json, EventInput, EventStatus};
use handbill_core::mail::announcements::{self, Template};
use handbill_core::{demo, Database};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/corpus/json/tour-13-zones.json"
);

fn open() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("tour.sqlite")).expect("a new database opens");
    demo::load(&db).expect("the demo branch loads");
    (dir, db)
}

#[test]
fn a_tours_announcement_names_its_public_stops_only() {
    let (_dir, db) = open();
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let done = json::import(&db, &text).expect("the fixture imports");
    let tour = done.tour.expect("the fixture is a tour").id;
    assert_eq!(done.events.len(), 13);
    for template in Template::ALL.into_iter().filter(|t| !t.is_follow_up()) {
        let (_subject, body) = announcements::draft(&db, None, Some(tour), template)
            .expect("the tour's announcement drafts");
        assert!(
            !body.contains("DePaul"),
            "the {} announcement leaves the draft out:\n{body}",
            template.as_str()
        );
        assert!(
            body.contains("Monday, March 15, 2027 | 6:00 - 8:00 pm EDT")
                && body.contains("Monday, March 1, 2027 | 6:00 - 8:00 pm PST"),
            "the {} announcement names each stop's zone:\n{body}",
            template.as_str()
        );
    }
}

fn event(db: &Database, start: (&str, &str), end: (&str, &str), all_day: bool) -> events::Event {
    events::create(
        db,
        EventInput {
            title: "Teach-in".into(),
            start_date: start.0.into(),
            start_time: start.1.into(),
            end_date: end.0.into(),
            end_time: end.1.into(),
            time_zone: "America/New_York".into(),
            all_day,
            ..Default::default()
        },
    )
    .expect("the event is saved")
}

#[test]
fn when_names_both_years_and_both_zones_when_they_differ() {
    let (_dir, db) = open();
    let new_year = event(&db, ("2026-12-31", "19:00"), ("2027-01-01", "02:00"), false);
    assert_eq!(
        public::when_text(&new_year, false),
        "Thursday, December 31, 2026, 7:00 pm – Friday, January 1, 2027, 2:00 am"
    );
    let weekend = event(&db, ("2029-04-21", "19:00"), ("2029-04-22", "17:00"), false);
    assert_eq!(
        public::when_text(&weekend, true),
        "Saturday, April 21, 2029, 7:00 pm – Sunday, April 22, 5:00 pm EDT"
    );
    // The clocks change in the night of March 13 to 14, 2027.
    let overnight = event(&db, ("2027-03-13", "20:00"), ("2027-03-14", "10:00"), false);
    assert_eq!(
        public::when_text(&overnight, true),
        "Saturday, March 13, 2027, 8:00 pm EST – Sunday, March 14, 10:00 am EDT"
    );
    let drive = event(&db, ("2026-12-28", ""), ("2027-01-03", ""), true);
    assert_eq!(
        public::when_text(&drive, true),
        "From December 28, 2026 until January 3, 2027"
    );
    let open_ended = event(&db, ("2027-02-04", "18:00"), ("", ""), false);
    assert_eq!(
        public::when_text(&open_ended, true),
        "Thursday, February 4, 2027 | 6:00 pm EST"
    );
    assert_eq!(public::place_text(&open_ended), "Location to be announced");
}

#[test]
fn drafts_are_never_shown_and_cancelled_ones_as_chosen() {
    let (_dir, db) = open();
    let e = event(&db, ("2027-02-04", "18:00"), ("", "20:00"), false);
    assert_eq!(e.status, EventStatus::Draft);
    for how in [
        CancelledShown::Marked,
        CancelledShown::Struck,
        CancelledShown::Hidden,
    ] {
        assert!(public::shown(&e, how).is_none(), "a draft is never shown");
    }
    events::announce(&db, e.id).unwrap();
    let e = events::cancel(&db, e.id, "The hall flooded").unwrap();
    let marked = public::shown(&e, CancelledShown::Marked).unwrap();
    assert_eq!((marked.note, marked.struck), ("CANCELLED", false));
    let struck = public::shown(&e, CancelledShown::Struck).unwrap();
    assert_eq!((struck.note, struck.struck), ("CANCELLED", true));
    assert!(public::shown(&e, CancelledShown::Hidden).is_none());
}

#[test]
fn a_tour_without_a_dated_stop_says_dates_and_places_coming_soon() {
    let (_dir, db) = open();
    let tour = events::create_tour(
        &db,
        events::TourInput {
            title: "Spring campus tour".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let stop = events::add_stop(
        &db,
        tour.id,
        events::StopInput {
            time_zone: "America/Chicago".into(),
            ..Default::default()
        },
    )
    .unwrap();
    // A draft stop is not public: the listing has no stop at all yet.
    let text = events::listing::tour_text(&db, tour.id).unwrap();
    assert!(
        text.ends_with("Meetings near you:\n- Dates and places coming soon\n"),
        "{text}"
    );
    events::announce(&db, stop.id).unwrap();
    let text = events::listing::tour_text(&db, tour.id).unwrap();
    assert!(
        text.ends_with("Meetings near you:\n- Dates and places coming soon\n"),
        "an announced stop without a date says the same: {text}"
    );
    let html = events::listing::tour_html(&db, tour.id).unwrap();
    assert!(
        html.contains("<li>Dates and places coming soon</li>"),
        "{html}"
    );
}

#[test]
fn a_tour_whose_dated_stops_are_all_drafts_has_no_calendar_to_give() {
    let (_dir, db) = open();
    let tour = events::create_tour(
        &db,
        events::TourInput {
            title: "Autumn tour".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let stop = events::add_stop(
        &db,
        tour.id,
        events::StopInput {
            start_date: "2027-10-05".into(),
            start_time: "18:00".into(),
            end_time: "20:00".into(),
            time_zone: "America/Denver".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let request = events::ics::CalendarRequest {
        event_id: None,
        tour_id: Some(tour.id),
    };
    let refused = events::ics::export(&db, &request).expect_err("only drafts: nothing public");
    assert!(
        refused.to_string().contains("still a draft"),
        "the refusal says why: {refused}"
    );
    events::announce(&db, stop.id).unwrap();
    let file = events::ics::export(&db, &request).unwrap();
    assert_eq!(file.events, 1);
    assert!(file
        .text
        .contains("DTSTART;TZID=America/Denver:20271005T180000"));
}
