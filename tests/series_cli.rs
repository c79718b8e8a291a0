//! Meetings that repeat, through the real `handbill` binary on a real SQLite
//! file: a year of a weekly 7:00 pm meeting in New York, across both of the
//! year's daylight-saving changes, with one date skipped and one moved, made
//! with `event repeat`, `skip` and `move`, exported to a calendar file and
//! read back by two readers that are not Handbill's — Python's `icalendar`
//! (its RRULE expanded by `dateutil`) and `recurring-ical-events`
//! (`tests/calendar/read_series.py`, `make deps-calendar`) — to exactly the
//! dates `handbill event dates` lists; then imported into another branch to
//! the same dates again, and shown by `event list`, `event show` and a flyer.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/plain_cli.rs"]
#[allow(dead_code)]
mod plain_cli;
use plain_cli::{ok, run as handbill};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> PathBuf {
    let venv = root().join("tests/.venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

const UID: &str = "thursday-meeting@test";

/// A branch in New York with one 7:00–9:00 pm meeting on Thursday, January 7, 2027, announced.
fn branch(dir: &Path, name: &str) -> PathBuf {
    let db = dir.join(name);
    ok(&db, &["branch", "set", "name", "Students for Justice"]);
    ok(&db, &["branch", "set", "time_zone", "America/New_York"]);
    db
}

fn one_meeting(dir: &Path) -> PathBuf {
    meeting_on(dir, "20270107")
}

/// A calendar file with one 7:00–9:00 pm meeting in New York on `day` (YYYYMMDD).
fn meeting_on(dir: &Path, day: &str) -> PathBuf {
    let path = dir.join(format!("meeting-{day}.ics"));
    std::fs::write(
        &path,
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{UID}\r\n\
             SUMMARY:Branch meeting\r\nDTSTART;TZID=America/New_York:{day}T190000\r\n\
             DTEND;TZID=America/New_York:{day}T210000\r\nLOCATION:Union Hall\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ),
    )
    .unwrap();
    path
}

/// `handbill event dates ID --from 2027-01-01 --json`: the dates held
/// (skipped ones left out) as (local start with offset, UTC start).
fn held(db: &Path, id: &str) -> (Vec<Start>, serde_json::Value) {
    let out = ok(
        db,
        &["event", "dates", id, "--from", "2027-01-01", "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("event dates --json prints JSON");
    let zone = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let dates = v["dates"]
        .as_array()
        .expect("a list of dates")
        .iter()
        .filter(|o| o["skipped"] == false)
        .map(|o| {
            let utc: jiff::Timestamp = o["start_at"].as_str().unwrap().parse().unwrap();
            let local = utc.to_zoned(zone.clone());
            (
                local.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
                utc.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
            )
        })
        .collect();
    (dates, v)
}

/// A date as (local start with its offset, UTC start), both ISO 8601.
type Start = (String, String);

/// The dates of the series `UID` in `ics` as (icalendar, recurring-ical-events) read them.
fn read_back(ics: &Path) -> (serde_json::Value, Vec<Start>, Vec<Start>) {
    let o = Command::new(python())
        .arg(root().join("tests/calendar/read_series.py"))
        .arg(ics)
        .args([UID, "2027-01-01", "2028-01-31"])
        .output()
        .expect("python runs");
    assert!(
        o.status.success(),
        "icalendar and recurring-ical-events read {} (install them with `make deps-calendar`): {}",
        ics.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).expect("read_series.py prints JSON");
    let pairs = |list: &serde_json::Value| -> Vec<Start> {
        list.as_array()
            .expect("a list of dates")
            .iter()
            .map(|d| {
                (
                    d["start"].as_str().unwrap().to_owned(),
                    d["start_utc"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let by_icalendar = pairs(&v["icalendar"]["dates"]);
    let by_recurring = pairs(&v["recurring"]);
    (v, by_icalendar, by_recurring)
}

#[test]
fn a_year_of_a_weekly_series_with_a_skipped_and_a_moved_date_reads_back_the_same_in_two_calendar_readers(
) {
    let dir = tempfile::tempdir().unwrap();
    let db = branch(dir.path(), "branch.sqlite");
    let said = ok(
        &db,
        &["event", "import", one_meeting(dir.path()).to_str().unwrap()],
    );
    assert!(
        said.contains("Branch meeting"),
        "the meeting is imported: {said}"
    );
    ok(&db, &["event", "announce", "1"]);
    let said = ok(
        &db,
        &["event", "repeat", "1", "--weekly", "--until", "2027-12-30"],
    );
    assert!(
        said.contains("Every Thursday, until 2027-12-30"),
        "the rule is said back: {said}"
    );
    // Just after the clocks go forward (March 14), and just after they go back (November 7).
    let said = ok(
        &db,
        &[
            "event",
            "skip",
            "1",
            "2027-03-18",
            "--reason",
            "Spring break",
        ],
    );
    assert!(
        said.contains("skipped (Spring break)"),
        "the skip is listed: {said}"
    );
    let said = ok(
        &db,
        &[
            "event",
            "move",
            "1",
            "2027-11-11",
            "--to",
            "2027-11-10 18:30",
            "--reason",
            "Veterans Day",
        ],
    );
    assert!(
        said.contains("2027-11-10 Wed 18:30–20:30  moved from 2027-11-11 (Veterans Day)"),
        "the move is listed: {said}"
    );
    let refused = handbill(&db, &["event", "skip", "1", "2027-03-19", "--reason", "x"]);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "a date the series does not have is refused"
    );
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("2027-03-18 and 2027-03-25"),
        "naming the nearest dates: {}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let (handbill_dates, listed) = held(&db, "1");
    assert_eq!(
        listed["words"], "Every Thursday",
        "the series' words: {listed}"
    );
    assert_eq!(
        handbill_dates.len(),
        51,
        "52 Thursdays of 2027, one skipped"
    );
    assert!(
        handbill_dates.contains(&(
            "2027-03-11T19:00:00-05:00".into(),
            "2027-03-12T00:00:00+00:00".into()
        )) && handbill_dates.contains(&(
            "2027-03-25T19:00:00-04:00".into(),
            "2027-03-25T23:00:00+00:00".into()
        )),
        "7:00 pm local on both sides of the spring change: {handbill_dates:?}"
    );
    assert!(
        !handbill_dates.iter().any(|d| d.0.starts_with("2027-03-18")),
        "the skipped date is not held"
    );
    assert!(
        handbill_dates.contains(&(
            "2027-11-10T18:30:00-05:00".into(),
            "2027-11-10T23:30:00+00:00".into()
        )),
        "the moved date is held on its new day, after the autumn change: {handbill_dates:?}"
    );

    let ics = dir.path().join("series.ics");
    let said = ok(
        &db,
        &["event", "export-ics", "1", "-o", ics.to_str().unwrap()],
    );
    assert!(
        said.contains("Wrote 1 event"),
        "one event, its moved date inside it: {said}"
    );
    let text = std::fs::read_to_string(&ics).unwrap();
    assert!(
        text.contains("RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20271231T000000Z\r\n"),
        "the rule, its UNTIL the last start in UTC: {text}"
    );
    assert!(
        text.contains("EXDATE;TZID=America/New_York:20270318T190000\r\n"),
        "the skipped date with its zone"
    );
    assert!(
        text.contains("RECURRENCE-ID;TZID=America/New_York:20271111T190000\r\n"),
        "the moved date's own VEVENT names the date it replaces"
    );

    let (raw, by_icalendar, by_recurring) = read_back(&ics);
    assert_eq!(
        raw["icalendar"]["exdates"],
        serde_json::json!(["2027-03-18T19:00:00-04:00"]),
        "icalendar reads the EXDATE"
    );
    assert_eq!(
        raw["icalendar"]["overrides"],
        serde_json::json!(["2027-11-11T19:00:00-05:00"]),
        "icalendar reads the RECURRENCE-ID"
    );
    assert_eq!(
        by_icalendar, handbill_dates,
        "icalendar (with dateutil) gives exactly the dates Handbill lists"
    );
    assert_eq!(
        by_recurring, handbill_dates,
        "recurring-ical-events gives exactly the dates Handbill lists"
    );

    // The file read back by Handbill into another branch: the same series.
    let other = branch(dir.path(), "other.sqlite");
    let said = ok(&other, &["event", "import", ics.to_str().unwrap()]);
    assert!(
        said.contains("Branch meeting (Every Thursday)") && !said.contains("Warning"),
        "the calendar file imports as a series: {said}"
    );
    let (imported, _) = held(&other, "1");
    assert_eq!(
        imported, handbill_dates,
        "an import of the export holds the same dates"
    );
    let shown = ok(&other, &["event", "show", "1"]);
    assert!(
        shown.contains("Repeats       Every Thursday, until 2027-12-30"),
        "event show says how it repeats: {shown}"
    );
}

fn pdf_text(path: &Path) -> String {
    let o = Command::new("pdftotext")
        .args(["-layout"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext runs (poppler-utils)");
    assert!(o.status.success(), "pdftotext reads {}", path.display());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_list_shows_each_date_and_the_flyer_says_every_thursday_with_the_next_dates() {
    let dir = tempfile::tempdir().unwrap();
    let db = branch(dir.path(), "branch.sqlite");
    // Far enough ahead that its first dates are the next ones.
    ok(
        &db,
        &[
            "event",
            "import",
            meeting_on(dir.path(), "20300103").to_str().unwrap(),
        ],
    );
    ok(&db, &["event", "announce", "1"]);
    ok(&db, &["event", "repeat", "1", "--weekly"]);
    ok(
        &db,
        &["event", "skip", "1", "2030-01-10", "--reason", "Snow"],
    );
    ok(
        &db,
        &[
            "event",
            "move",
            "1",
            "2030-01-17",
            "--to",
            "2030-01-16 18:30",
            "--reason",
            "The hall is booked",
        ],
    );

    let list = ok(&db, &["event", "list"]);
    let mut starts: Vec<&str> = list
        .lines()
        .filter(|l| l.contains("Branch meeting (Every Thursday)"))
        .map(|l| l.split_whitespace().nth(2).unwrap_or_default())
        .collect();
    starts.sort_unstable();
    starts.dedup();
    assert!(
        starts.len() >= 2 && starts.iter().all(|d| d.starts_with("2030-")),
        "event list shows the series once per date: {list}"
    );
    assert!(
        !list.contains("2030-01-10") && list.contains("2030-01-16 18:30"),
        "the skipped date is not listed, the moved one at its new date and time: {list}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&db, &["event", "list", "--json"])).expect("event list --json");
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["series"] == "Every Thursday")
            .count()
            >= 2,
        "the JSON list says which lines are a series' dates: {json}"
    );

    let pdf = dir.path().join("flyer.pdf");
    ok(&db, &["flyer", "1", "-o", pdf.to_str().unwrap()]);
    let text = pdf_text(&pdf);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Every Thursday, 7:00 pm"),
        "the flyer says how the meeting repeats: {text}"
    );
    assert!(
        flat.contains("Next: Thursday, January 3 · Wednesday, January 16, 6:30 pm · Thursday, January 24 · Thursday, January 31"),
        "and its next dates, the skipped one left out and the moved one at its new day and time: {text}"
    );
}
