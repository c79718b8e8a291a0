//! Criterion bench of flyers on the sample branch: a full-page flyer with
//! embedded subset fonts and a QR code (target under 20 ms), and a 20-stop
//! tour printed one page per stop (target under 200 ms), and the window's
//! preview of a full sheet in each layout and of a tour's poster: the layout,
//! the PDF (for its size) and the first page drawn as SVG, glyph outlines and
//! all (target under 100 ms, so the preview follows each change at once). It
//! also prints the size of a full-page flyer without logos (target under
//! 100 KB) and of each preview page.

use criterion::{criterion_group, criterion_main, Criterion};
use handbill_core::events::{self, EventKind, StopInput};
use handbill_core::flyers::{self, FlyerOptions, FlyerRequest, Layout};
use handbill_core::{demo, Database};

fn bench(c: &mut Criterion) {
    let db = Database::open_in_memory().unwrap();
    demo::load(&db).unwrap();
    let rally: i64 = db
        .conn()
        .query_row(
            "SELECT id FROM event WHERE title LIKE '%Justice4Siham%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    // The rally's six demands do not fit a quarter sheet; the meeting's text does.
    let meeting: i64 = db
        .conn()
        .query_row("SELECT id FROM event WHERE title LIKE '%MeToo%'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut content = flyers::content_for_event(&db, rally).unwrap();
    content.branch.logo = None;
    let size = flyers::render(&content, FlyerOptions::default())
        .unwrap()
        .len();
    println!(
        "full-page flyer without logos: {size} bytes ({:.1} KB)",
        size as f64 / 1024.0
    );

    let tour = events::create_tour(
        &db,
        events::TourInput {
            title: "Twenty campuses".into(),
            description: "A speaking tour.".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let venue: i64 = db
        .conn()
        .query_row("SELECT id FROM venue LIMIT 1", [], |r| r.get(0))
        .unwrap();
    for day in 0..20 {
        events::add_stop(
            &db,
            tour.id,
            StopInput {
                kind: EventKind::Meeting,
                start_date: format!("2027-04-{:02}", day + 1),
                start_time: "18:00".into(),
                end_time: "20:00".into(),
                time_zone: "America/New_York".into(),
                venue_id: Some(venue),
                ..Default::default()
            },
        )
        .unwrap();
    }

    // Twenty stops do not fit a Letter poster yet; the sample tour's three do.
    let sample_tour: i64 = db
        .conn()
        .query_row("SELECT MIN(id) FROM tour", [], |r| r.get(0))
        .unwrap();
    let previews = [
        ("full page", Some(rally), None, Layout::FullPage),
        ("half sheet", Some(rally), None, Layout::HalfSheet),
        (
            "quarter sheet (the meeting)",
            Some(meeting),
            None,
            Layout::QuarterSheet,
        ),
        (
            "poster of the sample tour",
            None,
            Some(sample_tour),
            Layout::FullPage,
        ),
    ];
    for (name, event_id, tour_id, layout) in previews {
        let request = FlyerRequest {
            event_id,
            tour_id,
            poster: tour_id.is_some(),
            options: FlyerOptions {
                layout,
                ..Default::default()
            },
            bilingual: None,
        };
        let p = flyers::preview(&db, &request).unwrap();
        println!(
            "preview, {name}: first page {} bytes of SVG",
            p.first.svg.len()
        );
        c.bench_function(&format!("preview, {name}"), |b| {
            b.iter(|| flyers::preview(&db, &request).unwrap())
        });
    }

    c.bench_function("full-page flyer with subset fonts and QR code", |b| {
        b.iter(|| flyers::render(&content, FlyerOptions::default()).unwrap())
    });
    c.bench_function("20-stop tour, one page per stop", |b| {
        b.iter(|| flyers::tour_flyers(&db, tour.id, FlyerOptions::default()).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
