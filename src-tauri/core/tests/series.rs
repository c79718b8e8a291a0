//! Meetings that repeat: a series' dates as the rule gives them (weekly
//! across a daylight-saving change keeping 7:00 pm local, every other week,
//! the second Tuesday, the last Thursday), one date skipped or moved without
//! touching the others and with its reason in the history, the series ended
//! from a date on; the lists and the month calendar showing each date; the
//! calendar of everything upcoming keeping a series begun earlier; and
//! calendar files with RRULE, EXDATE and RECURRENCE-ID imported as a series,
//! with a rule Handbill cannot show imported as its first date and a warning.

use handbill_core::clock;
use handbill_core::events::series::{
    self, DatesRequest, EndRequest, MoveRequest, Repeat, RepeatRequest, SeriesDates, SkipRequest,
};
use handbill_core::events::{self, ics, EventInput, EventKind, HistoryKind};
use handbill_core::Database;

fn open() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("series.sqlite")).expect("a new database opens");
    (dir, db)
}

/// A 7:00–9:00 pm meeting in New York on `date`, saved as a draft.
fn meeting(db: &Database, date: &str) -> i64 {
    events::create(
        db,
        EventInput {
            title: "Branch meeting".into(),
            kind: EventKind::Meeting,
            start_date: date.into(),
            start_time: "19:00".into(),
            end_time: "21:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .expect("the meeting saves")
    .id
}

fn repeat(db: &Database, id: i64, how: Repeat, nth: i8, until: &str) -> SeriesDates {
    series::repeat(
        db,
        &RepeatRequest {
            event_id: id,
            repeat: how,
            nth,
            until: until.into(),
        },
    )
    .expect("the rule saves")
}

/// Every date of the series from `from` on (skipped ones marked).
fn dates(db: &Database, id: i64, from: &str) -> SeriesDates {
    series::dates(
        db,
        &DatesRequest {
            event_id: id,
            from: from.into(),
            count: 0,
        },
    )
    .expect("the dates list")
}

fn starts(d: &SeriesDates) -> Vec<&str> {
    d.dates.iter().map(|o| o.start_date.as_str()).collect()
}

#[test]
fn a_weekly_series_keeps_7_pm_local_across_the_change_to_daylight_saving_time() {
    let (_dir, db) = open();
    let id = meeting(&db, "2027-03-04");
    let d = repeat(&db, id, Repeat::Weekly, 0, "2027-03-25");
    assert_eq!(d.words, "Every Thursday", "the rule's words");
    assert_eq!(
        starts(&d),
        ["2027-03-04", "2027-03-11", "2027-03-18", "2027-03-25"],
        "every Thursday up to the end date"
    );
    assert!(
        d.dates
            .iter()
            .all(|o| o.start_time == "19:00" && o.end_time == "21:00"),
        "every date at 7:00–9:00 pm local: {:?}",
        d.dates
    );
    let utc: Vec<&str> = d.dates.iter().map(|o| o.start_at.as_str()).collect();
    assert_eq!(
        utc,
        [
            "2027-03-05T00:00:00Z",
            "2027-03-12T00:00:00Z",
            "2027-03-18T23:00:00Z",
            "2027-03-25T23:00:00Z"
        ],
        "the instants move by an hour when the clocks change on March 14, so the local time stays"
    );
}

#[test]
fn every_other_week_the_second_tuesday_and_the_last_thursday() {
    let (_dir, db) = open();
    let fortnight = meeting(&db, "2027-01-05");
    let d = repeat(&db, fortnight, Repeat::EveryOtherWeek, 0, "2027-02-28");
    assert_eq!(d.words, "Every other Tuesday", "the rule's words");
    assert_eq!(
        starts(&d),
        ["2027-01-05", "2027-01-19", "2027-02-02", "2027-02-16"],
        "every other Tuesday"
    );

    let second = meeting(&db, "2027-01-12");
    let d = repeat(&db, second, Repeat::MonthlyNth, 0, "2027-05-31");
    assert_eq!(d.words, "Second Tuesday of the month", "the rule's words");
    assert_eq!(
        d.nth, 2,
        "2027-01-12 is a second Tuesday, so the rule takes 2"
    );
    assert_eq!(
        starts(&d),
        [
            "2027-01-12",
            "2027-02-09",
            "2027-03-09",
            "2027-04-13",
            "2027-05-11"
        ],
        "the second Tuesday of each month"
    );

    let last = meeting(&db, "2027-01-28");
    let d = repeat(&db, last, Repeat::MonthlyNth, -1, "2027-04-30");
    assert_eq!(d.words, "Last Thursday of the month", "the rule's words");
    assert_eq!(
        starts(&d),
        ["2027-01-28", "2027-02-25", "2027-03-25", "2027-04-29"],
        "the last Thursday, a fifth one in April"
    );

    let first_tuesday = meeting(&db, "2027-01-05");
    let err = series::repeat(
        &db,
        &RepeatRequest {
            event_id: first_tuesday,
            repeat: Repeat::MonthlyNth,
            nth: 2,
            until: String::new(),
        },
    )
    .expect_err("a second-Tuesday series cannot start on a first Tuesday");
    assert_eq!(
        err.fields.first().map(|f| f.field.as_str()),
        Some("nth"),
        "the field is named"
    );
    assert!(
        err.message.contains("first Tuesday"),
        "the message says what the date is: {}",
        err.message
    );
}

#[test]
fn a_skipped_or_moved_date_keeps_its_reason_and_leaves_the_other_dates_alone() {
    let (_dir, db) = open();
    let id = meeting(&db, "2027-03-04");
    events::announce(&db, id).expect("the meeting is announced");
    repeat(&db, id, Repeat::Weekly, 0, "2027-04-29");
    let before = dates(&db, id, "2027-03-01");

    let err = series::skip(
        &db,
        &SkipRequest {
            event_id: id,
            date: "2027-03-17".into(),
            reason: "a Wednesday".into(),
        },
    )
    .expect_err("a date the series does not have cannot be skipped");
    assert!(
        err.message.contains("2027-03-11 and 2027-03-18"),
        "the refusal names the nearest dates: {}",
        err.message
    );
    let err = series::skip(
        &db,
        &SkipRequest {
            event_id: id,
            date: "2027-03-18".into(),
            reason: "  ".into(),
        },
    )
    .expect_err("a skip needs its reason");
    assert_eq!(
        err.fields.first().map(|f| f.field.as_str()),
        Some("reason"),
        "the field is named"
    );

    series::skip(
        &db,
        &SkipRequest {
            event_id: id,
            date: "2027-03-18".into(),
            reason: "Spring break".into(),
        },
    )
    .expect("the date is skipped");
    series::move_date(
        &db,
        &MoveRequest {
            event_id: id,
            date: "2027-04-08".into(),
            to_date: "2027-04-09".into(),
            to_time: "18:30".into(),
            reason: "The hall is booked".into(),
        },
    )
    .expect("the date is moved");
    let after = dates(&db, id, "2027-03-01");
    assert_eq!(
        after.dates.len(),
        before.dates.len(),
        "a skipped date is still listed (marked), a moved one once"
    );
    for (b, a) in before.dates.iter().zip(&after.dates) {
        match b.start_date.as_str() {
            "2027-03-18" => assert!(
                a.skipped && a.reason == "Spring break",
                "the skipped date is marked with its reason: {a:?}"
            ),
            "2027-04-08" => {
                assert!(a.moved, "the moved date is marked: {a:?}");
                assert_eq!(
                    (
                        a.original_date.as_str(),
                        a.start_date.as_str(),
                        a.start_time.as_str(),
                        a.end_time.as_str()
                    ),
                    ("2027-04-08", "2027-04-09", "18:30", "20:30"),
                    "it is held the next day at 6:30, two hours long as every date"
                );
            }
            _ => assert_eq!(b, a, "every other date is as it was"),
        }
    }
    let history = events::history(&db, id).expect("the history reads");
    let lines: Vec<(&str, &str, &str)> = history
        .iter()
        .filter(|h| h.kind == HistoryKind::Date)
        .map(|h| {
            (
                h.old_value.as_str(),
                h.new_value.as_str(),
                h.reason.as_str(),
            )
        })
        .collect();
    assert!(
        lines.contains(&(
            "2027-03-18 19:00 America/New_York",
            "skipped",
            "Spring break"
        )),
        "the skip is in the history with its reason: {lines:?}"
    );
    assert!(
        lines.contains(&(
            "2027-04-08 19:00 America/New_York",
            "2027-04-09 18:30 America/New_York",
            "The hall is booked"
        )),
        "the move is in the history with its reason: {lines:?}"
    );
    assert!(
        events::get(&db, id).unwrap().sequence >= 3,
        "each change raised the calendar sequence of the announced series"
    );
}

#[test]
fn ending_a_series_from_a_date_keeps_the_earlier_dates() {
    let (_dir, db) = open();
    let id = meeting(&db, "2027-01-07");
    repeat(&db, id, Repeat::Weekly, 0, "");
    series::skip(
        &db,
        &SkipRequest {
            event_id: id,
            date: "2027-01-14".into(),
            reason: "Snow".into(),
        },
    )
    .unwrap();
    let d = series::end_series(
        &db,
        &EndRequest {
            event_id: id,
            from: "2027-02-04".into(),
            reason: "The group meets on Zoom from February".into(),
        },
    )
    .expect("the series ends");
    assert_eq!(d.until, "2027-02-03", "the last day is the day before");
    let all = dates(&db, id, "2027-01-01");
    assert_eq!(
        starts(&all),
        ["2027-01-07", "2027-01-14", "2027-01-21", "2027-01-28"],
        "the dates before February 4 stay, none after"
    );
    assert!(all.dates[1].skipped, "the earlier skip stays");
    let err = series::end_series(
        &db,
        &EndRequest {
            event_id: id,
            from: "2027-01-07".into(),
            reason: String::new(),
        },
    )
    .expect_err("ending from the first date would leave none");
    assert!(
        err.message.contains("Cancel the event"),
        "it says what to do: {}",
        err.message
    );
}

#[test]
fn the_lists_and_the_month_show_each_date_moved_ones_at_their_new_date_skipped_ones_not() {
    let (_dir, db) = open();
    let _at = clock::set("2027-02-20T12:00:00Z".parse().unwrap());
    let id = meeting(&db, "2027-01-07");
    repeat(&db, id, Repeat::Weekly, 0, "2027-12-30");
    let single = meeting(&db, "2027-03-02");
    series::skip(
        &db,
        &SkipRequest {
            event_id: id,
            date: "2027-03-04".into(),
            reason: "Strike".into(),
        },
    )
    .unwrap();
    series::move_date(
        &db,
        &MoveRequest {
            event_id: id,
            date: "2027-03-11".into(),
            to_date: "2027-03-10".into(),
            to_time: String::new(),
            reason: "The hall is booked".into(),
        },
    )
    .unwrap();
    let march = events::month(&db, 2027, 3).expect("March reads");
    let days: Vec<(i64, &str)> = march
        .iter()
        .map(|e| (e.id, e.start_date.as_str()))
        .collect();
    assert_eq!(
        days,
        [
            (single, "2027-03-02"),
            (id, "2027-03-10"),
            (id, "2027-03-18"),
            (id, "2027-03-25")
        ],
        "March shows the series on each date, the 11th on the 10th, the 4th not at all"
    );
    assert!(
        march
            .iter()
            .filter(|e| e.id == id)
            .all(|e| e.series.as_deref() == Some("Every Thursday")),
        "each date says it is a series"
    );
    let upcoming: Vec<String> = events::upcoming(&db, clock::now())
        .unwrap()
        .into_iter()
        .flat_map(|g| g.events)
        .filter(|e| e.id == id)
        .map(|e| e.start_date)
        .collect();
    assert_eq!(
        upcoming.first().map(String::as_str),
        Some("2027-02-25"),
        "the upcoming list starts at the next date after now"
    );
    assert!(
        !upcoming.contains(&"2027-03-04".to_owned()) && upcoming.contains(&"2027-03-10".to_owned()),
        "the upcoming list leaves the skipped date out and shows the moved one: {upcoming:?}"
    );
    let page = events::rows::page(
        &db,
        events::rows::EventScope::Upcoming,
        clock::now(),
        0,
        500,
    )
    .expect("a page reads");
    assert_eq!(
        page.rows.iter().filter(|r| r.id == id).count(),
        upcoming.len(),
        "the window's list pages show the same dates"
    );
    assert_eq!(
        page.total as usize,
        upcoming.len() + 1,
        "the count holds the dates and the single event"
    );
}

fn calendar(body: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n")
}

#[test]
fn an_imported_series_keeps_its_rule_its_left_out_dates_and_its_moved_one() {
    let (_dir, db) = open();
    let text = calendar(
        "BEGIN:VEVENT\r\nUID:study@test\r\nSUMMARY:Study group\r\n\
         DTSTART;TZID=America/Chicago:20270112T183000\r\nDTEND;TZID=America/Chicago:20270112T200000\r\n\
         RRULE:FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2;COUNT=6\r\n\
         EXDATE;TZID=America/Chicago:20270309T183000\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:study@test\r\nSUMMARY:Study group\r\n\
         RECURRENCE-ID;TZID=America/Chicago:20270413T183000\r\n\
         DTSTART;TZID=America/Chicago:20270415T190000\r\nDTEND;TZID=America/Chicago:20270415T203000\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:weekly@test\r\nSUMMARY:Branch meeting\r\n\
         DTSTART;TZID=America/New_York:20270107T190000\r\nDTEND;TZID=America/New_York:20270107T210000\r\n\
         RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;UNTIL=20270205T000000Z\r\nEND:VEVENT\r\n",
    );
    let done = ics::import_report(&db, &text).expect("the calendar imports");
    assert_eq!(
        done.events.len(),
        2,
        "two series, the moved date no event of its own"
    );
    assert!(
        done.warnings.is_empty(),
        "nothing was left out: {:?}",
        done.warnings
    );
    let study = &done.events[0];
    assert_eq!(
        study.series.as_deref(),
        Some("Second Tuesday of the month"),
        "BYDAY=TU;BYSETPOS=2 is the second Tuesday"
    );
    let d = dates(&db, study.id, "2027-01-01");
    let held: Vec<(&str, &str, bool)> = d
        .dates
        .iter()
        .map(|o| (o.start_date.as_str(), o.start_time.as_str(), o.skipped))
        .collect();
    assert_eq!(
        held,
        [
            ("2027-01-12", "18:30", false),
            ("2027-02-09", "18:30", false),
            ("2027-03-09", "18:30", true),
            ("2027-04-15", "19:00", false),
            ("2027-05-11", "18:30", false),
            ("2027-06-08", "18:30", false)
        ],
        "COUNT=6 gives six dates, March's left out, April's moved to Thursday the 15th"
    );
    let weekly = &done.events[1];
    assert_eq!(
        weekly.series.as_deref(),
        Some("Every other Thursday"),
        "INTERVAL=2"
    );
    assert_eq!(
        starts(&dates(&db, weekly.id, "2027-01-01")),
        ["2027-01-07", "2027-01-21", "2027-02-04"],
        "UNTIL (7:00 pm of February 4 in New York, as UTC) is the last date"
    );
}

#[test]
fn a_rule_handbill_cannot_show_imports_the_first_date_with_a_warning_and_never_panics() {
    let (_dir, db) = open();
    let rules = [
        ("FREQ=DAILY;COUNT=5", "FREQ=DAILY"),
        ("FREQ=WEEKLY;COUNT=1000000", "1000000 times"),
        ("FREQ=WEEKLY;BYDAY=MO,TH", "not one day"),
        ("FREQ=WEEKLY;INTERVAL=3", "every 3 weeks"),
        ("FREQ=MONTHLY;BYMONTHDAY=7", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYDAY=5TH", "weekday 5"),
        ("FREQ=WEEKLY;UNTIL=2027;COUNT=3", "both UNTIL and COUNT"),
        ("FREQ=WEEKLY;UNTIL=garbage", "not a date"),
        ("INTERVAL=x;;=;FREQ", "not NAME=value"),
        ("FREQ=WEEKLY;INTERVAL=99999999999999999999", "not a number"),
        ("FREQ=WEEKLY;COUNT=-1", "not a number"),
        ("", "no FREQ"),
    ];
    for (n, (rule, why)) in rules.iter().enumerate() {
        let text = calendar(&format!(
            "BEGIN:VEVENT\r\nUID:odd{n}@test\r\nSUMMARY:Odd rule {n}\r\n\
             DTSTART;TZID=America/New_York:20270107T190000\r\nRRULE:{rule}\r\nEND:VEVENT\r\n"
        ));
        let done =
            ics::import_report(&db, &text).unwrap_or_else(|e| panic!("{rule}: imports: {e}"));
        assert_eq!(done.events.len(), 1, "{rule}: the event is imported");
        assert_eq!(done.events[0].series, None, "{rule}: as a single event");
        assert_eq!(
            done.events[0].start_date, "2027-01-07",
            "{rule}: on its first date"
        );
        let warning = done.warnings.join("\n");
        assert!(
            warning.contains(&format!("“Odd rule {n}”"))
                && warning.contains("first date only")
                && warning.contains(why),
            "{rule}: the warning names the event, what was kept and why ({why}): {warning}"
        );
    }
    let moved_alone = calendar(
        "BEGIN:VEVENT\r\nUID:elsewhere@test\r\nSUMMARY:Moved meeting\r\n\
         RECURRENCE-ID;TZID=America/New_York:20270114T190000\r\n\
         DTSTART;TZID=America/New_York:20270115T190000\r\nEND:VEVENT\r\n",
    );
    let done = ics::import_report(&db, &moved_alone).expect("a lone changed date imports");
    assert_eq!(done.events.len(), 1, "kept as an event of its own");
    assert!(
        done.warnings
            .iter()
            .any(|w| w.contains("“Moved meeting”") && w.contains("RECURRENCE-ID")),
        "and said so: {:?}",
        done.warnings
    );
}

#[test]
fn the_calendar_of_everything_upcoming_keeps_a_series_whose_first_date_has_passed() {
    let (_dir, db) = open();
    let id = meeting(&db, "2027-01-07");
    events::announce(&db, id).unwrap();
    repeat(&db, id, Repeat::Weekly, 0, "2027-06-24");
    let ended = meeting(&db, "2027-01-05");
    events::announce(&db, ended).unwrap();
    repeat(&db, ended, Repeat::EveryOtherWeek, 0, "2027-02-02");
    let _later = clock::set("2027-03-01T12:00:00Z".parse().unwrap());
    let text = ics::export_upcoming(&db, clock::now()).expect("the calendar is written");
    assert!(
        text.contains("RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20270624T230000Z\r\n"),
        "the weekly series, first held in January, still has dates to come: {text}"
    );
    assert_eq!(
        text.matches("BEGIN:VEVENT").count(),
        1,
        "the series that ended in February is left out"
    );
}

#[test]
fn the_event_file_carries_a_series_with_its_skipped_and_moved_dates() {
    let (_dir, db) = open();
    let id = meeting(&db, "2027-01-12");
    repeat(&db, id, Repeat::MonthlyNth, 2, "2027-06-30");
    series::skip(
        &db,
        &SkipRequest {
            event_id: id,
            date: "2027-03-09".into(),
            reason: "Spring break".into(),
        },
    )
    .unwrap();
    series::move_date(
        &db,
        &MoveRequest {
            event_id: id,
            date: "2027-04-13".into(),
            to_date: "2027-04-15".into(),
            to_time: "18:00".into(),
            reason: "The hall is booked".into(),
        },
    )
    .unwrap();
    let file = events::json::export_event(&db, id).expect("the event file is written");
    assert!(
        file.contains("\"series\""),
        "the file holds the series: {file}"
    );
    let (_other_dir, other) = open();
    let done = events::json::import(&other, &file).expect("the event file imports");
    let copy = done.events[0].id;
    assert_eq!(
        dates(&other, copy, "2027-01-01").dates,
        dates(&db, id, "2027-01-01").dates,
        "the imported event has the same dates, the same skipped and moved ones, the same reasons"
    );
    let broken = file.replace("\"2027-03-09\"", "\"2027-03-10\"");
    let err = events::json::import(&open().1, &broken)
        .expect_err("a skipped date the rule does not give is refused");
    assert!(
        err.message.contains("not one of the series' dates"),
        "the refusal says why: {}",
        err.message
    );
}
