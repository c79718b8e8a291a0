//! How fast an announcement is written for each subscriber: the sender calls
//! `letter` once per person, 10,000 times for a big list. Target: well under
//! 100 µs per letter without an attachment (median). Run with
//! `cargo bench -p handbill-core --bench compose -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use handbill_core::mail::announcements::{self, Content, Letters, Recipient, Template};
use handbill_core::{demo, events, mail::lists, Database};

fn rally(db: &Database, attach_flyer: bool) -> Content {
    let id = events::all(db)
        .unwrap()
        .into_iter()
        .find(|e| e.title.starts_with("#Justice4Siham"))
        .unwrap()
        .id;
    let (subject, body) = announcements::draft(db, Some(id), None, Template::NewEvent).unwrap();
    Content {
        announcement_id: 1,
        event_id: Some(id),
        tour_id: None,
        template: Template::NewEvent,
        list_id: lists::find(db, "Announcements").unwrap().id,
        subject: format!("{subject} — {{{{first_name|friend}}}}"),
        body,
        attach_flyer,
    }
}

fn people() -> Vec<Recipient> {
    (0..10_000)
        .map(|i| Recipient {
            subscriber_id: i,
            email: format!("person{i}@example.org"),
            name: format!("Lucía Person {i}"),
            first_name: if i % 3 == 0 {
                String::new()
            } else {
                "Lucía".into()
            },
            language: "en".into(),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let db = Database::open_in_memory().unwrap();
    demo::load(&db).unwrap();
    let plain = rally(&db, false);
    let with_flyer = rally(&db, true);
    let prepared = announcements::prepare(&db, &plain).unwrap();
    let prepared_flyer = announcements::prepare(&db, &with_flyer).unwrap();
    let people = people();
    println!(
        "one letter is {} bytes; with the flyer {} bytes",
        prepared.letter(&people[1]).unwrap().len(),
        prepared_flyer.letter(&people[1]).unwrap().len()
    );

    let mut i = 0;
    c.bench_function("letter (rally, personal subject, no attachment)", |b| {
        b.iter(|| {
            i = (i + 1) % people.len();
            black_box(prepared.letter(black_box(&people[i])).unwrap())
        })
    });
    c.bench_function("letter (rally, flyer attached)", |b| {
        b.iter(|| {
            i = (i + 1) % people.len();
            black_box(prepared_flyer.letter(black_box(&people[i])).unwrap())
        })
    });
    c.bench_function("prepare (rally, no attachment)", |b| {
        b.iter(|| black_box(announcements::prepare(&db, black_box(&plain)).unwrap()))
    });
    let mut group = c.benchmark_group("a list");
    group.sample_size(10);
    group.bench_function("10,000 letters (no attachment)", |b| {
        b.iter(|| {
            for p in &people {
                black_box(prepared.letter(p).unwrap());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
