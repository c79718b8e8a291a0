//! Issue 23: the flyer screen remembers layout, paper and colour per event.
//! Against a real SQLite file: choices kept for one event come back for it
//! (also after the file is closed and opened again) and not for another; an
//! event with none gets the defaults; an event that does not exist is refused
//! and nothing is kept; a value from a newer Handbill reads as the defaults;
//! the choices go with the event when it is deleted; and the flyer attached to
//! the event's announcement is drawn with them.

use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::flyers::{self, FlyerOptions, FlyerRequest, Layout, Paper, Theme};
use handbill_core::mail::announcements::{compose, AnnouncementInput, Template};
use handbill_core::mail::lists;
use handbill_core::{Database, ErrorCode};
#[path = "support/boston.rs"]
mod boston;

fn event(db: &Database, title: &str) -> i64 {
    events::create(
        db,
        EventInput {
            title: title.into(),
            kind: EventKind::Meeting,
            start_date: "2026-12-10".into(),
            start_time: "19:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .expect("the event is saved")
    .id
}

fn kept_rows(db: &Database) -> i64 {
    db.conn()
        .query_row("SELECT count(*) FROM flyer_choice", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn choices_are_kept_per_event_and_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flyers.sqlite");
    let db = Database::open(&path).unwrap();
    let reading = event(&db, "Reading group");
    let rally = event(&db, "Rally");
    assert_eq!(
        flyers::choices(&db, reading).unwrap(),
        FlyerOptions::default(),
        "no choice made yet: the defaults"
    );
    let half_a4_bw = FlyerOptions {
        layout: Layout::HalfSheet,
        paper: Paper::A4,
        theme: Theme::BlackAndWhite,
        tear_offs: true,
    };
    flyers::remember_choices(&db, reading, half_a4_bw).unwrap();
    let quarter = FlyerOptions {
        layout: Layout::QuarterSheet,
        ..Default::default()
    };
    flyers::remember_choices(&db, rally, quarter).unwrap();
    assert_eq!(flyers::choices(&db, reading).unwrap(), half_a4_bw);
    assert_eq!(
        flyers::choices(&db, rally).unwrap(),
        quarter,
        "each event its own"
    );

    // Changed again: the latest is kept, one row per event.
    let letter = FlyerOptions {
        paper: Paper::Letter,
        ..half_a4_bw
    };
    flyers::remember_choices(&db, reading, letter).unwrap();
    assert_eq!(kept_rows(&db), 2);
    drop(db);
    let db = Database::open(&path).unwrap();
    assert_eq!(
        flyers::choices(&db, reading).unwrap(),
        letter,
        "kept in the file"
    );

    let missing = flyers::remember_choices(&db, 999, half_a4_bw).unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
    assert_eq!(
        flyers::choices(&db, 999).unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(
        kept_rows(&db),
        2,
        "nothing kept for an event that is not there"
    );

    // A value a newer Handbill wrote reads as the defaults, not an error.
    db.conn()
        .execute(
            "UPDATE flyer_choice SET options = '{\"layout\":\"eighth_sheet\"}' WHERE event_id = ?1",
            [rally],
        )
        .unwrap();
    assert_eq!(
        flyers::choices(&db, rally).unwrap(),
        FlyerOptions::default()
    );

    events::delete(&db, rally).unwrap();
    assert_eq!(kept_rows(&db), 1, "the choices went with the event");
}

#[test]
fn the_announcements_flyer_is_drawn_with_the_events_choices() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("flyers.sqlite")).unwrap();
    boston::save_profile(&db);
    let list = lists::create(&db, "Announcements").unwrap();
    let reading = event(&db, "Reading group");
    let input = AnnouncementInput {
        event_id: Some(reading),
        tour_id: None,
        template: Template::NewEvent,
        list_id: list.id,
        segment: String::new(),
        subject: "Reading group".into(),
        body: "Come and read.".into(),
        attach_flyer: true,
        versions: Vec::new(),
    };
    let attached_size = |db: &Database| {
        compose::preview_unsaved(db, None, &input, None, None)
            .unwrap()
            .attachments
            .into_iter()
            .find(|(name, _)| name.ends_with(".pdf"))
            .expect("the flyer is attached")
            .1
    };
    let default_size = attached_size(&db);
    let half_a4_bw = FlyerOptions {
        layout: Layout::HalfSheet,
        paper: Paper::A4,
        theme: Theme::BlackAndWhite,
        tear_offs: false,
    };
    flyers::remember_choices(&db, reading, half_a4_bw).unwrap();
    let request = FlyerRequest {
        event_id: Some(reading),
        tour_id: None,
        poster: false,
        options: half_a4_bw,
        bilingual: None,
    };
    let chosen = flyers::request_pdf(&db, &request).unwrap();
    let remembered = attached_size(&db);
    assert_ne!(
        remembered, default_size,
        "the attachment changed with the choices"
    );
    // printpdf names fonts at random, so sizes differ by a few bytes run to run.
    assert!(
        remembered.abs_diff(chosen.len()) < 64,
        "the attachment is the half-sheet A4 black-and-white flyer ({remembered} bytes, drawn alone {} bytes)",
        chosen.len()
    );
}
