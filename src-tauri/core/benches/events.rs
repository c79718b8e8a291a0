//! How fast the events views are on a big branch: 10,000 events at 500 venues.
//! Targets: search under 10 ms, a month under 5 ms, every upcoming event as
//! iCalendar under 100 ms (medians). Run with
//! `cargo bench -p handbill-core --bench events -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use handbill_core::events::{self, ics, EventInput, EventKind, SpeakerInput, VenueInput};
use handbill_core::Database;

const WORDS: &[&str] = &[
    "solidarity",
    "workers",
    "housing",
    "tenants",
    "climate",
    "immigration",
    "union",
    "history",
    "socialism",
    "feminism",
    "palestine",
    "healthcare",
    "students",
    "teachers",
    "strike",
    "justice",
];

fn branch() -> Database {
    let db = Database::open_in_memory().unwrap();
    let tx = db.conn().unchecked_transaction().unwrap();
    let venues: Vec<i64> = (0..500)
        .map(|i| {
            events::create_venue(
                &db,
                VenueInput {
                    name: format!("Hall {i} {}", WORDS[i % WORDS.len()]),
                    address: format!("{i} Main St"),
                    city: "Boston, MA".into(),
                    ..Default::default()
                },
            )
            .unwrap()
            .id
        })
        .collect();
    let speakers: Vec<i64> = (0..200)
        .map(|i| {
            events::create_speaker(
                &db,
                SpeakerInput {
                    name: format!("Speaker {i} {}", WORDS[(i * 7) % WORDS.len()]),
                    ..Default::default()
                },
            )
            .unwrap()
            .id
        })
        .collect();
    let kinds = EventKind::ALL;
    for i in 0..10_000usize {
        // Spread over 2024–2030, about one event in two after late 2026.
        let day = jiff::civil::date(2024, 1, 1)
            .checked_add(jiff::Span::new().days((i * 7 / 3) as i64 % 2550))
            .unwrap();
        let input = EventInput {
            title: format!(
                "{} {} meeting {i}",
                WORDS[i % WORDS.len()],
                WORDS[(i / 16) % WORDS.len()]
            ),
            kind: kinds[i % kinds.len()],
            description: format!(
                "A discussion of {} and {} for the branch. Number {i}.",
                WORDS[(i * 3) % WORDS.len()],
                WORDS[(i * 5) % WORDS.len()]
            ),
            start_date: day.to_string(),
            start_time: "19:00".into(),
            end_time: "21:00".into(),
            time_zone: "America/New_York".into(),
            venue_id: Some(venues[i % venues.len()]),
            speaker_ids: vec![speakers[i % speakers.len()]],
            tags: vec![WORDS[i % WORDS.len()].into()],
            ..Default::default()
        };
        let e = events::create(&db, input).unwrap();
        events::announce(&db, e.id).unwrap();
    }
    tx.commit().unwrap();
    db
}

fn bench(c: &mut Criterion) {
    let db = branch();
    let now: jiff::Timestamp = "2026-11-25T00:00:00Z".parse().unwrap();
    c.bench_function("search 'soli work' (10k events)", |b| {
        b.iter(|| black_box(events::search(&db, black_box("soli work"), 50).unwrap()))
    });
    c.bench_function("month 2027-03 (10k events)", |b| {
        b.iter(|| black_box(events::month(&db, 2027, 3).unwrap()))
    });
    // The query alone, to tell reading the events from writing the calendar.
    c.bench_function("upcoming by month, the query alone (10k events)", |b| {
        b.iter(|| black_box(events::upcoming(&db, now).unwrap()))
    });
    c.bench_function("export all upcoming as .ics (10k events)", |b| {
        b.iter(|| black_box(ics::export_upcoming(&db, now).unwrap()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
