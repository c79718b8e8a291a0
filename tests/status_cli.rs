//! Issue 17, "status changes from the command line", on the real binary and a
//! real SQLite file: `event reschedule|postpone|cancel|announce`, by id and by
//! `--tour T --stop N`, through the same core functions as the window's
//! Event actions. Each change is checked where it lands: the stored status
//! (`event list --json`), the history's reason (`event show --json`), and the
//! calendar file (`export-ics`, read line by line: its SEQUENCE risen, its
//! STATUS). Bad input is refused with words naming what is wrong, a non-zero
//! exit, and nothing changed. Re-importing the tour file updates the stops
//! known by their UIDs instead of adding copies.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

#[path = "support/plain_cli.rs"]
mod plain_cli;
use plain_cli::{ok, run};

/// Runs a command that must fail; returns what it said.
fn refused(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(
        !out.status.success(),
        "handbill {args:?} is refused, but it said: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/json")
        .join(name)
}

/// A branch with the 13-stop tour imported in its inherited form; the tour's id.
fn branch() -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("branch.sqlite");
    ok(
        &db,
        &[
            "branch",
            "set",
            "name",
            "National Students for Justice in Palestine",
        ],
    );
    let said = ok(
        &db,
        &[
            "event",
            "import",
            corpus("tour-13-zones-inherited.json").to_str().unwrap(),
        ],
    );
    let id = said
        .split("(id ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap_or_else(|| panic!("the import names the tour's id: {said}"))
        .to_owned();
    (dir, db, id)
}

fn event(db: &Path, id: &str) -> Value {
    let all: Value = serde_json::from_str(&ok(db, &["event", "list", "--json"])).unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"].as_i64().is_some_and(|n| n.to_string() == id))
        .cloned()
        .unwrap_or_else(|| panic!("event {id} is listed"))
}

/// The whole event in the exchange format (history, sequence, uid).
fn full(db: &Path, id: &str) -> Value {
    let doc: Value = serde_json::from_str(&ok(db, &["event", "show", id, "--json"])).unwrap();
    doc["event"].clone()
}

/// The calendar file of one event, read line by line (folded lines joined):
/// the properties of its VEVENT by name.
fn ics(db: &Path, dir: &Path, id: &str) -> BTreeMap<String, String> {
    let file = dir.join(format!("event-{id}.ics"));
    ok(
        db,
        &["event", "export-ics", id, "-o", file.to_str().unwrap()],
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split("\r\n") {
        if let Some(rest) = raw.strip_prefix(' ') {
            lines
                .last_mut()
                .expect("a folded line follows one")
                .push_str(rest);
        } else {
            lines.push(raw.to_owned());
        }
    }
    let mut props = BTreeMap::new();
    let mut inside = false;
    for line in lines {
        match line.as_str() {
            "BEGIN:VEVENT" => inside = true,
            "END:VEVENT" => inside = false,
            _ if inside => {
                if let Some((name, value)) = line.split_once(':') {
                    let name = name.split(';').next().unwrap().to_owned();
                    props.entry(name).or_insert_with(|| value.to_owned());
                }
            }
            _ => {}
        }
    }
    assert!(
        props.contains_key("UID"),
        "the file holds the event: {text}"
    );
    props
}

fn sequence(props: &BTreeMap<String, String>) -> u32 {
    props
        .get("SEQUENCE")
        .map_or(0, |s| s.parse().expect("SEQUENCE is a number"))
}

fn last_reason(db: &Path, id: &str) -> (String, String) {
    let e = full(db, id);
    let h = e["history"].as_array().unwrap().last().cloned().unwrap();
    (
        h["new_value"].as_str().unwrap().to_owned(),
        h["reason"].as_str().unwrap().to_owned(),
    )
}

/// The id of a tour's stop N as `event show --tour` numbers it.
fn stop_id(db: &Path, tour: &str, n: usize) -> String {
    let shown = ok(db, &["event", "show", "--tour", tour]);
    let line = shown
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{n}.")))
        .unwrap_or_else(|| panic!("stop {n} is numbered: {shown}"));
    line.split_whitespace().nth(1).unwrap().to_owned()
}

/// Proves each status command, on a plain event id, changes the stored
/// status, keeps the reason, and raises the calendar's SEQUENCE.
#[test]
fn each_status_command_on_an_event_id_changes_status_history_and_sequence() {
    let (dir, db, tour) = branch();
    // Stop 6 is the draft (DePaul): announce it by its id.
    let draft = stop_id(&db, &tour, 6);
    assert_eq!(event(&db, &draft)["status"], "draft");
    let said = ok(&db, &["event", "announce", &draft]);
    assert!(
        said.contains("Announced") && said.contains(&draft),
        "{said}"
    );
    assert_eq!(event(&db, &draft)["status"], "announced");
    let start = sequence(&ics(&db, dir.path(), &draft));

    let said = ok(
        &db,
        &[
            "event",
            "reschedule",
            &draft,
            "--date",
            "2027-03-11",
            "--time",
            "18:00",
            "--reason",
            "the room was double-booked",
        ],
    );
    assert!(said.contains("Rescheduled"), "{said}");
    let e = event(&db, &draft);
    assert_eq!(
        (
            e["status"].as_str(),
            e["start_date"].as_str(),
            e["start_time"].as_str()
        ),
        (Some("rescheduled"), Some("2027-03-11"), Some("18:00"))
    );
    let f = full(&db, &draft);
    assert_eq!(
        f["end_time"], "20:00",
        "without --end-time the stop keeps its two hours"
    );
    assert_eq!(f["time_zone"], "America/Chicago", "in its own zone");
    let h = f["history"].as_array().unwrap();
    assert!(
        h.iter().any(|x| x["kind"] == "date"
            && x["new_value"]
                .as_str()
                .unwrap()
                .starts_with("2027-03-11 18:00–20:00")
            && x["reason"] == "the room was double-booked"),
        "the history keeps the new date and the reason: {h:?}"
    );
    let after_reschedule = ics(&db, dir.path(), &draft);
    assert_eq!(sequence(&after_reschedule), start + 1, "SEQUENCE rises");
    assert!(
        after_reschedule["DTSTART"].starts_with("20270311T180000"),
        "{after_reschedule:?}"
    );

    ok(
        &db,
        &[
            "event",
            "postpone",
            &draft,
            "--reason",
            "the speaker is ill",
        ],
    );
    assert_eq!(event(&db, &draft)["status"], "postponed");
    assert_eq!(
        last_reason(&db, &draft),
        ("postponed".to_owned(), "the speaker is ill".to_owned())
    );
    assert_eq!(sequence(&ics(&db, dir.path(), &draft)), start + 2);

    ok(
        &db,
        &["event", "cancel", &draft, "--reason", "the campus closed"],
    );
    assert_eq!(event(&db, &draft)["status"], "cancelled");
    assert_eq!(
        last_reason(&db, &draft),
        ("cancelled".to_owned(), "the campus closed".to_owned())
    );
    let cancelled = ics(&db, dir.path(), &draft);
    assert_eq!(sequence(&cancelled), start + 3);
    assert_eq!(cancelled["STATUS"], "CANCELLED");

    // The core refuses to announce, reschedule or postpone a cancelled event: said, nothing changed.
    let said = refused(&db, &["event", "announce", &draft]);
    assert!(said.contains("already cancelled"), "{said}");
    let said = refused(
        &db,
        &[
            "event",
            "reschedule",
            &draft,
            "--date",
            "2027-03-20",
            "--reason",
            "x",
        ],
    );
    assert!(
        said.contains(&format!(
            "Event {draft} is cancelled, so it cannot be rescheduled"
        )),
        "{said}"
    );
    let said = refused(&db, &["event", "postpone", &draft, "--reason", "x"]);
    assert!(said.contains("cannot be postponed"), "{said}");
    assert_eq!(sequence(&ics(&db, dir.path(), &draft)), start + 3);
    assert_eq!(event(&db, &draft)["start_date"], "2027-03-11");
}

/// Proves the same commands by `--tour T --stop N` change that stop and no other.
#[test]
fn each_status_command_by_tour_and_stop_number_changes_that_stop() {
    let (dir, db, tour) = branch();
    let ids: Vec<String> = (1..=13).map(|n| stop_id(&db, &tour, n)).collect();
    let before: Vec<u32> = ids
        .iter()
        .map(|id| sequence(&ics(&db, dir.path(), id)))
        .collect();

    // Stop 4: University of Chicago, 18:30–20:30 Chicago time.
    ok(
        &db,
        &[
            "event",
            "reschedule",
            "--tour",
            &tour,
            "--stop",
            "4",
            "--date",
            "2027-03-12",
            "--time",
            "17:00",
            "--end-time",
            "19:30",
            "--reason",
            "the hall flooded",
        ],
    );
    let moved = full(&db, &ids[3]);
    assert_eq!(
        (
            moved["start_date"].as_str(),
            moved["start_time"].as_str(),
            moved["end_time"].as_str()
        ),
        (Some("2027-03-12"), Some("17:00"), Some("19:30"))
    );
    assert_eq!(moved["status"], "rescheduled");
    assert_eq!(last_reason(&db, &ids[3]).0, "rescheduled");
    assert!(
        moved["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["reason"] == "the hall flooded"),
        "{moved}"
    );
    assert_eq!(sequence(&ics(&db, dir.path(), &ids[3])), before[3] + 1);
    // The stop numbers follow the dates: stop 4 is now stop 6 (after the 9th and 10th).
    ok(
        &db,
        &[
            "event",
            "postpone",
            "--tour",
            &tour,
            "--stop",
            "1",
            "--reason",
            "visa delay",
        ],
    );
    assert_eq!(event(&db, &ids[0])["status"], "postponed");
    assert_eq!(last_reason(&db, &ids[0]).1, "visa delay");
    assert_eq!(sequence(&ics(&db, dir.path(), &ids[0])), before[0] + 1);

    ok(
        &db,
        &[
            "event",
            "cancel",
            "--tour",
            &tour,
            "--stop",
            "13",
            "--reason",
            "finals week",
        ],
    );
    assert_eq!(event(&db, &ids[12])["status"], "cancelled");
    assert_eq!(last_reason(&db, &ids[12]).1, "finals week");
    assert_eq!(sequence(&ics(&db, dir.path(), &ids[12])), before[12] + 1);

    ok(&db, &["event", "announce", "--tour", &tour, "--stop", "1"]);
    assert_eq!(
        event(&db, &ids[0])["status"],
        "announced",
        "the postponed stop is on again"
    );
    assert_eq!(sequence(&ics(&db, dir.path(), &ids[0])), before[0] + 2);

    for (i, id) in ids.iter().enumerate() {
        if ![0, 3, 12].contains(&i) {
            assert_eq!(
                sequence(&ics(&db, dir.path(), id)),
                before[i],
                "stop {} is untouched",
                i + 1
            );
        }
    }
}

/// Proves bad input is refused with words naming what is wrong, a non-zero
/// exit, and nothing changed.
#[test]
fn bad_input_is_refused_naming_what_is_wrong_and_changes_nothing() {
    let (dir, db, tour) = branch();
    let stop = stop_id(&db, &tour, 2);
    let snapshot = |db: &Path| ok(db, &["event", "show", "--tour", &tour, "--json"]);
    let before = snapshot(&db);

    let said = refused(&db, &["event", "cancel", "9999", "--reason", "x"]);
    assert!(said.contains("no event number 9999"), "{said}");
    let said = refused(
        &db,
        &[
            "event", "postpone", "--tour", &tour, "--stop", "14", "--reason", "x",
        ],
    );
    assert!(
        said.contains("has 13 stops") && said.contains("no stop 14"),
        "{said}"
    );
    let said = refused(&db, &["event", "announce", "--tour", &tour, "--stop", "0"]);
    assert!(
        said.contains("no stop 0") && said.contains("numbered from 1"),
        "{said}"
    );
    let said = refused(&db, &["event", "announce", "--tour", "777", "--stop", "1"]);
    assert!(said.contains("no tour number 777"), "{said}");
    let said = refused(
        &db,
        &[
            "event",
            "reschedule",
            &stop,
            "--date",
            "2027-02-30",
            "--reason",
            "x",
        ],
    );
    assert!(
        said.contains("2027-02-30"),
        "the date that is not one is named: {said}"
    );
    let said = refused(
        &db,
        &[
            "event",
            "reschedule",
            &stop,
            "--date",
            "someday soon",
            "--reason",
            "x",
        ],
    );
    assert!(said.contains("someday soon"), "{said}");
    let said = refused(
        &db,
        &[
            "event",
            "reschedule",
            &stop,
            "--date",
            "2027-03-05",
            "--time",
            "25:00",
            "--reason",
            "x",
        ],
    );
    assert!(
        said.contains("25:00"),
        "a time that is not one is named: {said}"
    );
    let said = refused(
        &db,
        &[
            "event",
            "reschedule",
            &stop,
            "--date",
            "2027-03-02",
            "--reason",
            "x",
        ],
    );
    assert!(
        said.contains("already has"),
        "the same date is not a change: {said}"
    );
    let said = refused(&db, &["event", "cancel", &stop]);
    assert!(said.contains("--reason"), "the reason is asked for: {said}");
    let said = refused(&db, &["event", "announce", &stop]);
    assert!(said.contains("already announced"), "{said}");
    let said = refused(&db, &["event", "cancel", "--stop", "2", "--reason", "x"]);
    assert!(
        said.contains("--tour"),
        "a stop number needs its tour: {said}"
    );
    assert_eq!(snapshot(&db), before, "nothing was changed by any of these");
    let _ = dir;
}

/// Proves re-importing the tour file after a change updates the stops known
/// by their UIDs — no second event, the same UID, SEQUENCE risen, the reason
/// kept — and says what changed.
#[test]
fn reimporting_a_changed_tour_file_updates_its_stops_by_uid() {
    let (dir, db, tour) = branch();
    let count = |db: &Path| {
        serde_json::from_str::<Value>(&ok(db, &["event", "list", "--json"]))
            .unwrap()
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(count(&db), 13);
    let mut doc: Value =
        serde_json::from_str(&ok(&db, &["event", "show", "--tour", &tour, "--json"])).unwrap();
    let uid = doc["stops"][8]["uid"].as_str().unwrap().to_owned();
    let id = stop_id(&db, &tour, 9);
    let seq = sequence(&ics(&db, dir.path(), &id));
    doc["stops"][8]["start_time"] = "19:00".into();
    doc["stops"][8]["end_time"] = "21:00".into();
    doc["stops"][8]["status"] = "rescheduled".into();
    doc["stops"][8]["history"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "at": "2027-02-01T12:00:00Z", "kind": "date",
            "old_value": "", "new_value": "", "reason": "the auditorium opens later"
        }));
    let file = dir.path().join("changed.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let said = ok(&db, &["event", "import", file.to_str().unwrap()]);
    assert!(
        said.contains("Updated the tour") && said.contains("13 stops known by UID, 0 added"),
        "{said}"
    );
    assert!(
        said.contains(&uid)
            && said.contains("18:00–20:00 America/New_York → 2027-03-22 19:00–21:00"),
        "the summary names the stop and the change: {said}"
    );
    assert_eq!(count(&db), 13, "no duplicate stop");
    let props = ics(&db, dir.path(), &id);
    assert_eq!(props["UID"], uid, "the same UID, so calendars update it");
    assert_eq!(sequence(&props), seq + 1, "SEQUENCE rises");
    assert!(props["DTSTART"].starts_with("20270322T190000"), "{props:?}");
    assert_eq!(event(&db, &id)["status"], "rescheduled");
    assert!(
        full(&db, &id)["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["kind"] == "date" && h["reason"] == "the auditorium opens later"),
        "the history keeps the file's reason"
    );

    // The inherited form again (no UIDs): a second tour, with a warning.
    let said = ok(
        &db,
        &[
            "event",
            "import",
            corpus("tour-13-zones-inherited.json").to_str().unwrap(),
        ],
    );
    assert!(
        said.contains("Warning: There is already a tour") && said.contains(&format!("tour {tour}")),
        "{said}"
    );
    assert_eq!(count(&db), 26);
}
