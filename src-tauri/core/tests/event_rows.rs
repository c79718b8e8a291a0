//! The Events lists read a page at a time (issue 24): the upcoming events
//! soonest first, the past ones latest first, the undated ones, each page with
//! the whole list's count and no more rows than asked; the pages together are
//! the list the full views give, row for row; a page size out of bounds is
//! refused by name.

use handbill_core::events::rows::{self, EventScope, MAX_PAGE};
use handbill_core::events::{self, EventInput};
use handbill_core::{demo, Database};

fn branch() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("rows.sqlite")).unwrap();
    demo::load(&db).unwrap();
    (dir, db)
}

#[test]
fn pages_together_are_the_whole_list_in_its_order() {
    let (_dir, db) = branch();
    // 45 dated events over 2026 and 2027, 3 without a date.
    for i in 0..45 {
        let month = 1 + i % 12;
        let year = 2026 + (i / 12) % 2;
        events::create(
            &db,
            EventInput {
                title: format!("Meeting {i}"),
                start_date: format!("{year}-{month:02}-{:02}", 1 + i % 27),
                start_time: "18:00".into(),
                end_time: "20:00".into(),
                time_zone: "America/New_York".into(),
                ..Default::default()
            },
        )
        .unwrap();
    }
    for i in 0..3 {
        events::save_draft(
            &db,
            None,
            EventInput {
                title: format!("Someday {i}"),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let now: jiff::Timestamp = "2026-12-04T12:00:00Z".parse().unwrap();
    let whole_upcoming: Vec<i64> = events::upcoming(&db, now)
        .unwrap()
        .into_iter()
        .flat_map(|g| g.events)
        .map(|e| e.id)
        .collect();
    let whole_past: Vec<i64> = events::past(&db, now)
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    let whole_undated: Vec<i64> = events::undated(&db)
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert!(
        whole_upcoming.len() > 10 && whole_past.len() > 10,
        "the sample spans both sides of now"
    );
    for (scope, whole) in [
        (EventScope::Upcoming, &whole_upcoming),
        (EventScope::Past, &whole_past),
        (EventScope::Undated, &whole_undated),
    ] {
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let page = rows::page(&db, scope, now, offset, 7).unwrap();
            assert_eq!(
                page.total as usize,
                whole.len(),
                "{scope:?}: the count is the whole list's"
            );
            assert_eq!(page.offset, offset);
            assert!(page.rows.len() <= 7);
            if page.rows.is_empty() {
                break;
            }
            offset += page.rows.len() as u32;
            seen.extend(page.rows.iter().map(|r| r.id));
        }
        assert_eq!(
            &seen, whole,
            "{scope:?}: the pages are the list, in its order"
        );
    }
    // A row says what a list line needs.
    let first = &rows::page(&db, EventScope::Upcoming, now, 0, 1)
        .unwrap()
        .rows[0];
    let full = events::get(&db, first.id).unwrap();
    assert_eq!(
        (
            &first.title,
            first.kind,
            first.status,
            &first.start_date,
            &first.start_time,
            &first.end_time
        ),
        (
            &full.title,
            full.kind,
            full.status,
            &full.start_date,
            &full.start_time,
            &full.end_time
        )
    );
    assert_eq!(
        first.venue.as_ref().map(|v| &v.name),
        full.venue.as_ref().map(|v| &v.name)
    );
}

#[test]
fn a_page_size_out_of_bounds_is_refused() {
    let (_dir, db) = branch();
    let now = handbill_core::clock::now();
    for limit in [0, MAX_PAGE + 1] {
        let err = rows::page(&db, EventScope::Upcoming, now, 0, limit).unwrap_err();
        assert_eq!(err.fields[0].field, "limit", "{err:?}");
    }
    let far = rows::page(&db, EventScope::Upcoming, now, 1_000_000, 10).unwrap();
    assert!(
        far.rows.is_empty(),
        "past the end: no rows, still the count"
    );
}
