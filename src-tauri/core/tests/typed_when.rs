//! Dates and times as people type them ("Thu Dec 10", "12/10", "7pm"): the one
//! rule in `events::typed`, by table, including hostile input that must get a
//! message naming what is wrong and never a panic; and an event saved from
//! such text keeps the date and time as read.

use handbill_core::branch::{self, BranchInput};
use handbill_core::clock;
use handbill_core::events::typed::{self, DateRules};
use handbill_core::events::{self, EventInput, EventKind, When};
use handbill_core::Database;
use jiff::civil::{Date, Time};

/// Thursday 3 December 2026.
fn rules(month_first: bool) -> DateRules {
    DateRules {
        today: Date::constant(2026, 12, 3),
        month_first,
    }
}

#[test]
fn dates_as_typed_are_read_by_the_table() {
    let us = rules(true);
    let eu = rules(false);
    let table: [(&str, &DateRules, (i16, i8, i8)); 22] = [
        ("2026-12-10", &us, (2026, 12, 10)),
        ("Thu Dec 10", &us, (2026, 12, 10)),
        ("thursday, december 10", &us, (2026, 12, 10)),
        ("Thu, 10 Dec", &eu, (2026, 12, 10)),
        ("10 December 2026", &eu, (2026, 12, 10)),
        ("Dec 10th", &us, (2026, 12, 10)),
        ("the 10th of December", &eu, (2026, 12, 10)),
        ("12/10", &us, (2026, 12, 10)),
        ("12/10", &eu, (2027, 10, 12)),
        ("10/12", &eu, (2026, 12, 10)),
        ("10.12.2026", &eu, (2026, 12, 10)),
        ("12/10/26", &us, (2026, 12, 10)),
        ("12/10/2027", &us, (2027, 12, 10)),
        // A date without a year is the next such day: today counts, past days go to next year.
        ("Dec 3", &us, (2026, 12, 3)),
        ("Dec 2", &us, (2027, 12, 2)),
        ("Jan 5", &us, (2027, 1, 5)),
        ("Sept 9", &us, (2027, 9, 9)),
        // 29 February waits for the next leap year.
        ("Feb 29", &us, (2028, 2, 29)),
        ("2/29", &us, (2028, 2, 29)),
        ("today", &us, (2026, 12, 3)),
        ("tomorrow", &us, (2026, 12, 4)),
        ("  Fri Jan 1 2027  ", &us, (2027, 1, 1)),
    ];
    for (text, r, (y, m, d)) in table {
        assert_eq!(
            typed::read_date(text, r),
            Ok(Date::constant(y, m, d)),
            "“{text}” (month first: {})",
            r.month_first
        );
    }
}

#[test]
fn times_as_typed_are_read_by_the_table() {
    let table: [(&str, (i8, i8)); 17] = [
        ("7pm", (19, 0)),
        ("7 pm", (19, 0)),
        ("7:30 pm", (19, 30)),
        ("7:30PM", (19, 30)),
        ("7.30 p.m.", (19, 30)),
        ("7p", (19, 0)),
        ("19:30", (19, 30)),
        ("19:00", (19, 0)),
        ("9:05", (9, 5)),
        ("1930", (19, 30)),
        ("19h30", (19, 30)),
        ("12am", (0, 0)),
        ("12 pm", (12, 0)),
        ("noon", (12, 0)),
        ("Midnight", (0, 0)),
        ("0:00", (0, 0)),
        ("18", (18, 0)),
    ];
    for (text, (h, m)) in table {
        assert_eq!(
            typed::read_time(text),
            Ok(Time::constant(h, m, 0, 0)),
            "“{text}”"
        );
    }
}

#[test]
fn hostile_dates_get_a_message_naming_what_is_wrong() {
    let r = rules(false);
    let long = "Thu Dec 10 ".repeat(10_000);
    let table: Vec<(String, &str)> = vec![
        ("Feb 30".into(), "February has no day 30"),
        ("30/2".into(), "February has no day 30"),
        ("2027-02-29".into(), "not a leap year"),
        ("2026-13-01".into(), "no month 13"),
        ("12/13".into(), "no month 13"),
        ("Dec 32".into(), "December has no day 32"),
        (
            "Fri Dec 10 2026".into(),
            "Thursday 10 December 2026 is a Thursday, not a Friday",
        ),
        ("banana".into(), "is not a date Handbill can read"),
        ("December".into(), "names a month but no day"),
        ("next tuesday".into(), "is not a date Handbill can read"),
        ("1/2/3/4".into(), "is not a date Handbill can read"),
        ("99999999999/1".into(), "is not a date Handbill can read"),
        ("10 Dec 1066".into(), "the year 1066 is out of range"),
        (
            "\u{0}\u{202e}12/10".into(),
            "is not a date Handbill can read",
        ),
        ("١٢/١٠".into(), "is not a date Handbill can read"),
        (long, "a date is at most 60"),
    ];
    for (text, words) in &table {
        let message = typed::read_date(text, &r).expect_err(&format!("“{text:.40}” is refused"));
        assert!(
            message.contains(words),
            "“{text:.40}” says what is wrong: {message}"
        );
        assert!(
            message.len() < 400,
            "the message is short, not the input echoed: {message:.80}"
        );
    }
}

#[test]
fn hostile_times_get_a_message_naming_what_is_wrong() {
    let long = "7pm".repeat(50_000);
    let table: Vec<(String, &str)> = vec![
        (
            "24:61".into(),
            "hours go from 0 to 23 and minutes go from 00 to 59",
        ),
        ("24:00".into(), "hours go from 0 to 23"),
        ("7:60 pm".into(), "minutes go from 00 to 59"),
        ("13pm".into(), "with am or pm, hours go from 1 to 12"),
        ("0am".into(), "with am or pm, hours go from 1 to 12"),
        (
            "7".into(),
            "could be morning or evening. Write 7 am, 7 pm or 19:00",
        ),
        ("7:3".into(), "is not a time Handbill can read"),
        ("seven".into(), "is not a time Handbill can read"),
        ("-1:00".into(), "is not a time Handbill can read"),
        ("19:00:00:00".into(), "is not a time Handbill can read"),
        ("pm".into(), "is not a time Handbill can read"),
        (long, "a time is at most 60"),
    ];
    for (text, words) in &table {
        let message = typed::read_time(text).expect_err(&format!("“{text:.40}” is refused"));
        assert!(
            message.contains(words),
            "“{text:.40}” says what is wrong: {message}"
        );
    }
}

#[test]
fn the_reading_is_shown_as_words_and_problems_name_their_field() {
    let r = rules(true);
    let read = typed::read_when_with("Thu Dec 10", "7pm", &r);
    assert_eq!(read.date, "2026-12-10");
    assert_eq!(read.time, "19:00");
    assert_eq!(read.shown, "Thursday 10 December 2026, 7:00 pm");
    assert!(read.date_problem.is_empty() && read.time_problem.is_empty());
    let bad = typed::read_when_with("Feb 30", "24:61", &r);
    assert!(bad.date.is_empty() && bad.time.is_empty() && bad.shown.is_empty());
    assert!(
        bad.date_problem.contains("February has no day 30"),
        "{}",
        bad.date_problem
    );
    assert!(
        bad.time_problem.contains("minutes go from 00 to 59"),
        "{}",
        bad.time_problem
    );
    let empty = typed::read_when_with("", "  ", &r);
    assert_eq!(
        empty,
        typed::WhenRead::default(),
        "nothing typed reads as nothing, without a problem"
    );
}

fn branch_with(db: &Database, zone: &str, language: &str) {
    let mut input = BranchInput::new_branch();
    input.name = "Boston ISO".into();
    input.time_zone = zone.into();
    input.languages = vec![language.into()];
    branch::save(db, input).expect("the branch is saved");
}

#[test]
fn the_branch_locale_says_whether_12_10_is_december_or_october() {
    let _clock = clock::set("2026-12-03T15:00:00Z".parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("a.sqlite")).unwrap();
    branch_with(&db, "America/New_York", "en");
    assert_eq!(
        typed::read_when(&db, "12/10", "").unwrap().date,
        "2026-12-10",
        "English in New York: month first"
    );
    branch_with(&db, "Europe/London", "en");
    assert_eq!(
        typed::read_when(&db, "12/10", "").unwrap().date,
        "2027-10-12",
        "English in London: day first"
    );
    branch_with(&db, "Europe/Madrid", "en-US");
    assert_eq!(
        typed::read_when(&db, "12/10", "").unwrap().date,
        "2026-12-10",
        "en-US anywhere: month first"
    );
    branch_with(&db, "America/New_York", "es");
    assert_eq!(
        typed::read_when(&db, "12/10", "").unwrap().date,
        "2027-10-12",
        "Spanish: day first"
    );
}

#[test]
fn an_event_saved_from_typed_words_keeps_the_date_and_time_as_read() {
    let _clock = clock::set("2026-12-03T15:00:00Z".parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("b.sqlite")).unwrap();
    branch_with(&db, "America/New_York", "en");
    let input = EventInput {
        title: "Meeting".into(),
        kind: EventKind::Meeting,
        start_date: "Thu Dec 10".into(),
        start_time: "7pm".into(),
        end_time: "8:30 pm".into(),
        time_zone: "America/New_York".into(),
        ..Default::default()
    };
    let e = events::create(&db, input).expect("typed words are read");
    assert_eq!(
        (
            e.start_date.as_str(),
            e.start_time.as_str(),
            e.end_time.as_str()
        ),
        ("2026-12-10", "19:00", "20:30")
    );
    assert_eq!(
        e.start_at.as_deref(),
        Some("2026-12-11T00:00:00Z"),
        "7 pm in New York"
    );
    events::announce(&db, e.id).unwrap();
    let moved = events::reschedule(
        &db,
        e.id,
        When {
            start_date: "12/17".into(),
            start_time: "7:30pm".into(),
            ..Default::default()
        },
        "The hall is taken",
    )
    .expect("a reschedule reads typed words too");
    assert_eq!(
        (moved.start_date.as_str(), moved.start_time.as_str()),
        ("2026-12-17", "19:30")
    );
    let refused = events::create(
        &db,
        EventInput {
            title: "Bad".into(),
            start_date: "Feb 30".into(),
            start_time: "24:61".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .expect_err("a day not on the calendar is refused");
    let text = format!("{refused:?}");
    assert!(
        text.contains("start_date") && text.contains("February has no day 30"),
        "{text}"
    );
    assert!(
        text.contains("start_time") && text.contains("minutes go from 00 to 59"),
        "{text}"
    );
}

proptest::proptest! {
    /// Whatever is typed, the reading answers (a date, a time or a message) and never panics.
    #[test]
    fn any_text_is_read_or_refused_without_a_panic(text in "\\PC{0,80}", digits in "[0-9/.:apm -]{0,20}") {
        for month_first in [true, false] {
            for t in [&text, &digits] {
                let _ = typed::read_date(t, &rules(month_first));
                let _ = typed::read_time(t);
                let read = typed::read_when_with(t, t, &rules(month_first));
                proptest::prop_assert!(read.date.is_empty() != read.date_problem.is_empty() || t.trim().is_empty());
            }
        }
    }
}
