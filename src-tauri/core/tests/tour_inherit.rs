//! Issue 17, "a tour is entered once": in Handbill's JSON format a stop
//! inherits its tour's title, description, hosts, speakers and time zone
//! unless it gives its own (then it keeps it and is marked as overriding);
//! export then import gives the same; a file whose stops carry known UIDs
//! updates them in place (no second event with a new UID), through the same
//! functions as the window, with the sequence risen and the reason kept; and
//! a second tour with the same title and dates is warned about, not refused.

use std::path::PathBuf;

use handbill_core::events::{self, json, tours, Event, EventStatus, HistoryKind, TourInput};
use handbill_core::Database;
use serde_json::Value;

fn open() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("tour.sqlite")).expect("a new database opens");
    (dir, db)
}

fn corpus(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpus/json")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const FULL: &str = "tour-13-zones.json";
const INHERITED: &str = "tour-13-zones-inherited.json";

fn count(db: &Database, sql: &str) -> i64 {
    db.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn names(e: &Event) -> Vec<String> {
    e.speakers.iter().map(|s| s.name.clone()).collect()
}

fn venue(e: &Event) -> (String, String) {
    let v = e
        .venue
        .clone()
        .expect("every stop of the fixture has a venue");
    (v.name, v.room)
}

/// Proves a stop that gives only its date, times and venue imports with the
/// tour's title, description, hosts, speakers and zone, and lands on the
/// same instants as the fixture written out in full.
#[test]
fn stops_of_the_inherited_form_take_the_tours_fields_and_match_the_full_form() {
    let (_a, short) = open();
    let (_b, full) = open();
    let s = json::import(&short, &corpus(INHERITED)).expect("the inherited form imports");
    let f = json::import(&full, &corpus(FULL)).expect("the full form imports");
    let tour = s.tour.clone().unwrap();
    assert_eq!(
        tour.time_zone, "America/New_York",
        "the tour keeps its zone"
    );
    assert_eq!(s.events.len(), 13, "13 stops");
    assert!(
        s.warnings.is_empty(),
        "the first tour of its name: no warning"
    );
    for (i, (a, b)) in s.events.iter().zip(&f.events).enumerate() {
        assert_eq!(a.title, tour.title, "stop {i} inherits the title");
        assert!(!a.title.is_empty(), "no stop is imported untitled");
        assert_eq!(
            a.description, tour.description,
            "stop {i} inherits the description"
        );
        assert_eq!(a.hosts, tour.hosts, "stop {i} inherits the hosts");
        assert_eq!(
            (&a.time_zone, &a.start_at, &a.end_at),
            (&b.time_zone, &b.start_at, &b.end_at),
            "stop {i} is at the same moment, in the same zone, as written in full"
        );
        assert_eq!(
            (a.status, names(a), venue(a)),
            (b.status, names(b), venue(b)),
            "stop {i}"
        );
        assert_eq!(a.tags, tour.tags, "stop {i} carries the tour's tags");
        assert!(
            !a.overrides.title && !a.overrides.description && !a.overrides.hosts,
            "stop {i} overrides no text"
        );
        assert_eq!(
            a.overrides.time_zone,
            a.time_zone != "America/New_York",
            "stop {i} ({}) overrides the zone only when it gives its own",
            a.time_zone
        );
    }
    let wayne = s
        .events
        .iter()
        .find(|e| venue(e).0.starts_with("Wayne State"))
        .unwrap();
    assert_eq!(
        names(wayne),
        ["Omar Khalil"],
        "the stop with its own speaker keeps him"
    );
    assert!(
        wayne.overrides.speakers,
        "and is marked as overriding the speakers"
    );
    let columbia = s
        .events
        .iter()
        .find(|e| venue(e).0.starts_with("Columbia"))
        .unwrap();
    assert_eq!(
        names(columbia),
        ["Layla Haddad"],
        "the others have the tour's speaker"
    );
    assert!(!columbia.overrides.speakers && !columbia.overrides.time_zone);
    assert_eq!(
        s.events
            .iter()
            .filter(|e| e.status == EventStatus::Draft)
            .count(),
        1,
        "a stop that names no status is a draft, as in the full form"
    );
}

/// Proves export then import gives the same, for the inherited form, for the
/// full form of files written before tours had a zone, and for a stop's own
/// empty description.
#[test]
fn export_then_import_gives_the_same() {
    for name in [INHERITED, FULL] {
        let (_a, one) = open();
        let first = json::import(&one, &corpus(name)).unwrap();
        let tour_id = first.tour.unwrap().id;
        let text = json::export_tour(&one, tour_id).unwrap();
        let (_b, two) = open();
        let second = json::import(&two, &text).expect("the export imports");
        let again = json::export_tour(&two, second.tour.unwrap().id).unwrap();
        let (x, y): (Value, Value) = (
            serde_json::from_str(&text).unwrap(),
            serde_json::from_str(&again).unwrap(),
        );
        assert_eq!(
            x, y,
            "{name}: export, import and export again gives the same file"
        );
        assert_eq!(x["stops"].as_array().unwrap().len(), 13);
    }
    // The full form, written before tours had a zone: the tour takes its first stop's.
    let (_c, db) = open();
    let done = json::import(&db, &corpus(FULL)).unwrap();
    assert_eq!(done.tour.unwrap().time_zone, "America/Los_Angeles");
    let chicago = done
        .events
        .iter()
        .find(|e| e.time_zone == "America/Chicago")
        .unwrap();
    assert!(
        chicago.overrides.time_zone,
        "a stop in another zone overrides the tour's"
    );

    // A stop whose own description is empty on purpose keeps it.
    let mut doc: Value = serde_json::from_str(&corpus(INHERITED)).unwrap();
    doc["stops"][0]["description"] = "".into();
    doc["stops"][0]["overrides"] = serde_json::json!({ "description": true });
    doc["stops"][1]["description"] = "".into();
    doc["stops"][2]["title"] = "".into();
    let (_d, db) = open();
    let done = json::import(&db, &doc.to_string()).unwrap();
    assert_eq!(
        (
            done.events[0].description.as_str(),
            done.events[0].overrides.description
        ),
        ("", true),
        "an empty description marked as the stop's own is kept"
    );
    let tour = done.tour.clone().unwrap();
    assert_eq!(
        done.events[1].description, tour.description,
        "an empty one not marked inherits"
    );
    assert_eq!(
        done.events[2].title, tour.title,
        "an untitled announced stop takes the tour's title"
    );
    let text = json::export_tour(&db, tour.id).unwrap();
    let (_e, other) = open();
    let back = json::import(&other, &text).unwrap();
    assert_eq!(
        (
            back.events[0].description.as_str(),
            back.events[0].overrides.description
        ),
        ("", true),
        "and keeps it through export and import"
    );
}

/// Proves a stop's own value is kept and marked, and that changing the tour
/// moves only the stops that inherit: title, hosts, and the zone (an
/// announced stop moved to the tour's new zone has it in its history).
#[test]
fn a_stops_own_value_is_kept_when_the_tour_changes() {
    let (_a, db) = open();
    let mut doc: Value = serde_json::from_str(&corpus(INHERITED)).unwrap();
    doc["stops"][8]["title"] = "Columbia: Palestine and the Campus".into();
    doc["stops"][8]["hosts"] = "Columbia SJP and JVP".into();
    let done = json::import(&db, &doc.to_string()).unwrap();
    let tour = done.tour.clone().unwrap();
    let columbia = &done.events[8];
    assert_eq!(columbia.title, "Columbia: Palestine and the Campus");
    assert!(
        columbia.overrides.title && columbia.overrides.hosts,
        "marked as its own"
    );
    let nyu_id = done.events[9].id;
    let la_id = done.events[0].id;
    let before_nyu = events::get(&db, nyu_id).unwrap();

    let t = tours::update_tour(
        &db,
        tour.id,
        TourInput {
            title: "Palestine and the Campus".into(),
            description: tour.description.clone(),
            speaker_ids: tour.speakers.iter().map(|s| s.id).collect(),
            hosts: "National SJP".into(),
            tags: tour.tags.clone(),
            time_zone: "America/Chicago".into(),
        },
    )
    .unwrap();
    let columbia = t.stops.iter().find(|e| e.id == done.events[8].id).unwrap();
    assert_eq!(
        (columbia.title.as_str(), columbia.hosts.as_str()),
        ("Columbia: Palestine and the Campus", "Columbia SJP and JVP"),
        "the stop's own title and hosts stay"
    );
    let nyu = events::get(&db, nyu_id).unwrap();
    assert_eq!(
        (
            nyu.title.as_str(),
            nyu.hosts.as_str(),
            nyu.time_zone.as_str()
        ),
        (
            "Palestine and the Campus",
            "National SJP",
            "America/Chicago"
        ),
        "an inheriting stop follows the tour's title, hosts and zone"
    );
    assert_eq!(
        (nyu.start_date.as_str(), nyu.start_time.as_str()),
        (
            before_nyu.start_date.as_str(),
            before_nyu.start_time.as_str()
        ),
        "at the same local time"
    );
    assert_ne!(nyu.start_at, before_nyu.start_at, "which is another moment");
    assert_eq!(
        nyu.sequence,
        before_nyu.sequence + 1,
        "calendars get an update"
    );
    let h = events::history(&db, nyu_id).unwrap();
    assert!(
        h.iter()
            .any(|x| x.kind == HistoryKind::Date && x.new_value.contains("America/Chicago")),
        "the history keeps the move: {h:?}"
    );
    let la = events::get(&db, la_id).unwrap();
    assert_eq!(
        la.time_zone, "America/Los_Angeles",
        "a stop with its own zone stays in it"
    );
    assert_eq!(la.sequence, 0);
}

/// Proves a second tour with the same title and dates is imported with a
/// warning, and that the window's check before creating one finds it by title.
#[test]
fn a_second_tour_with_the_same_title_and_dates_is_warned_about() {
    let (_a, db) = open();
    let first = json::import(&db, &corpus(INHERITED)).unwrap();
    let first_id = first.tour.unwrap().id;
    let second = json::import(&db, &corpus(INHERITED)).expect("a warning, not a refusal");
    assert_eq!(second.warnings.len(), 1, "{:?}", second.warnings);
    assert!(
        second.warnings[0].contains(&format!("tour {first_id}"))
            && second.warnings[0].contains("2027-03-01 to 2027-03-26"),
        "the warning names the tour already saved and its dates: {}",
        second.warnings[0]
    );
    assert_eq!(count(&db, "SELECT count(*) FROM tour"), 2, "both are saved");

    let mut other_dates: Value = serde_json::from_str(&corpus(INHERITED)).unwrap();
    other_dates["stops"][0]["start_date"] = "2027-04-01".into();
    let third = json::import(&db, &other_dates.to_string()).unwrap();
    assert!(
        third.warnings.is_empty(),
        "other dates: another tour of the same name"
    );

    let title = "  palestine and the CAMPUS:  a national speaking tour ";
    let warned = tours::likely_duplicates(&db, title, &[], None).unwrap();
    assert_eq!(
        warned.len(),
        3,
        "before creating, the title alone is compared: {warned:?}"
    );
    assert!(tours::likely_duplicates(&db, "Another tour", &[], None)
        .unwrap()
        .is_empty());
}

/// Proves re-importing a tour file whose stops carry known UIDs updates those
/// stops (no duplicate, the same UIDs), raises their sequence, keeps the
/// reason the file gives, and says what changed.
#[test]
fn reimporting_known_uids_updates_the_stops_in_place() {
    let (_a, db) = open();
    let first = json::import(&db, &corpus(FULL)).unwrap();
    let tour_id = first.tour.unwrap().id;
    let events_before = count(&db, "SELECT count(*) FROM event");
    let mut doc: Value = serde_json::from_str(&json::export_tour(&db, tour_id).unwrap()).unwrap();
    // Stop 4 (University of Chicago) moves a day; stop 5 (UIC) is cancelled, with a reason.
    doc["stops"][3]["start_date"] = "2027-03-11".into();
    doc["stops"][3]["end_date"] = "2027-03-11".into();
    doc["stops"][4]["status"] = "cancelled".into();
    doc["stops"][4]["history"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "at": "2027-02-01T12:00:00Z", "kind": "status",
            "old_value": "announced", "new_value": "cancelled",
            "reason": "the student center closed for repairs"
        }));
    let done = json::import(&db, &doc.to_string()).expect("the changed file imports");
    assert_eq!(
        done.tour.as_ref().unwrap().id,
        tour_id,
        "the same tour is updated"
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM event"),
        events_before,
        "no stop is added twice"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM tour"), 1, "no second tour");
    assert_eq!(done.updated.len(), 13, "every stop was known by its UID");
    assert!(done.warnings.is_empty(), "an update is no duplicate");

    let moved = events::get(&db, first.events[3].id).unwrap();
    assert_eq!(moved.uid, first.events[3].uid, "the UID stays");
    assert_eq!(
        (moved.start_date.as_str(), moved.sequence),
        ("2027-03-11", 1)
    );
    let cancelled = events::get(&db, first.events[4].id).unwrap();
    assert_eq!(
        (cancelled.status, cancelled.sequence),
        (EventStatus::Cancelled, 1)
    );
    let h = events::history(&db, cancelled.id).unwrap();
    let last = h.last().unwrap();
    assert_eq!(
        (last.new_value.as_str(), last.reason.as_str()),
        ("cancelled", "the student center closed for repairs"),
        "the history keeps the file's reason"
    );
    let said = done.changes.join("\n");
    assert!(
        said.contains(
            "date 2027-03-08 18:30–20:30 America/Chicago → 2027-03-11 18:30–20:30 America/Chicago"
        ) && said.contains("status announced → cancelled")
            && said.contains(&first.events[3].uid),
        "the summary says what changed, naming the stop: {said}"
    );
    assert_eq!(
        done.changes
            .iter()
            .filter(|c| c.ends_with("unchanged."))
            .count(),
        11,
        "and which stops are unchanged: {said}"
    );

    // The same file again changes nothing more.
    let again = json::import(&db, &doc.to_string()).unwrap();
    assert_eq!(
        events::get(&db, moved.id).unwrap().sequence,
        1,
        "nothing rises twice"
    );
    assert_eq!(
        again
            .changes
            .iter()
            .filter(|c| c.ends_with("unchanged."))
            .count(),
        13
    );

    // A file holding only some stops updates those and leaves the others.
    let mut fewer = doc.clone();
    fewer["stops"].as_array_mut().unwrap().truncate(12);
    let part = json::import(&db, &fewer.to_string()).unwrap();
    assert_eq!(part.updated.len(), 12);
    assert_eq!(
        count(&db, "SELECT count(*) FROM event"),
        events_before,
        "nothing deleted"
    );
    assert!(
        part.changes
            .iter()
            .any(|c| c.contains(&first.events[12].uid) && c.contains("left as it was")),
        "the summary names the stop the file does not hold: {:?}",
        part.changes
    );

    // A file that would turn an announced stop back into a draft is refused whole.
    doc["stops"][0]["status"] = "draft".into();
    doc["stops"][1]["start_date"] = "2027-03-12".into();
    let err = json::import(&db, &doc.to_string()).unwrap_err();
    assert!(
        err.message.contains("stops[0]") && err.message.contains("draft"),
        "{}",
        err.message
    );
    assert_eq!(
        events::get(&db, first.events[1].id).unwrap().start_date,
        "2027-03-02",
        "nothing of that file was saved"
    );
}

/// Proves a stop saved from the editor with its title or zone cleared takes
/// the tour's again (no untitled stop), and one given its own keeps it.
#[test]
fn a_stop_cleared_in_the_editor_inherits_again() {
    let (_a, db) = open();
    let done = json::import(&db, &corpus(INHERITED)).unwrap();
    let tour = done.tour.unwrap();
    let draft = done
        .events
        .iter()
        .find(|e| e.status == EventStatus::Draft)
        .unwrap();
    let mut input = draft.to_input();
    input.title = "DePaul: Palestine and the Campus".into();
    let own = events::save_draft(&db, Some(draft.id), input.clone()).unwrap();
    assert!(own.overrides.title, "a title of its own is marked");
    input.title = "  ".into();
    input.time_zone = String::new();
    let cleared = events::save_draft(&db, Some(draft.id), input).unwrap();
    assert_eq!(
        cleared.title, tour.title,
        "cleared, it takes the tour's title"
    );
    assert_eq!(cleared.time_zone, tour.time_zone, "and the tour's zone");
    assert!(!cleared.overrides.title && !cleared.overrides.time_zone);
    let mut announced = events::get(&db, done.events[8].id).unwrap().to_input();
    announced.title = String::new();
    let saved = events::update(&db, done.events[8].id, announced).expect("not refused as untitled");
    assert_eq!(saved.title, tour.title);
}

/// Proves migration 0016 on a tour saved before it: the tour takes its first
/// stop's zone, a stop in another zone or with other hosts is marked as
/// overriding them, and the others follow the tour from then on.
#[test]
fn a_tour_saved_before_tours_had_a_zone_takes_its_first_stops() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    {
        // The 13 migrations up to 0014 (there is no 0002), as Handbill was before 0016.
        let old = handbill_core::db::storage::open_at_version(&path, 13).unwrap();
        old.conn()
            .execute_batch(
                "INSERT INTO tour (id, title, hosts, created_at, updated_at)
                   VALUES (1, 'Old tour', 'ISO', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
                 INSERT INTO event (uid, title, kind, status, start_date, start_time, end_date, end_time,
                     time_zone, start_at, end_at, hosts, tour_id, created_at, updated_at) VALUES
                   ('a@old', 'Old tour', 'meeting', 'draft', '2027-03-02', '19:00', '2027-03-02', '21:00',
                     'America/Chicago', '2027-03-03T01:00:00Z', '2027-03-03T03:00:00Z', 'ISO', 1,
                     '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
                   ('b@old', 'Old tour', 'meeting', 'draft', '2027-03-01', '19:00', '2027-03-01', '21:00',
                     'America/New_York', '2027-03-02T00:00:00Z', '2027-03-02T02:00:00Z', 'ISO', 1,
                     '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
                   ('c@old', 'Old tour', 'meeting', 'draft', '2027-03-03', '19:00', '2027-03-03', '21:00',
                     'America/New_York', '2027-03-04T00:00:00Z', '2027-03-04T02:00:00Z', 'ISO and friends', 1,
                     '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');",
            )
            .unwrap();
    }
    let db = Database::open(&path).expect("the old file opens and migrates");
    let t = tours::get_tour(&db, 1).unwrap();
    assert_eq!(
        t.tour.time_zone, "America/New_York",
        "the first stop by date is b@old"
    );
    let by_uid = |uid: &str| t.stops.iter().find(|e| e.uid == uid).unwrap().clone();
    assert!(
        by_uid("a@old").overrides.time_zone,
        "the Chicago stop keeps its own zone"
    );
    assert!(!by_uid("b@old").overrides.time_zone && !by_uid("b@old").overrides.hosts);
    assert!(
        by_uid("c@old").overrides.hosts,
        "other hosts are the stop's own"
    );
    let moved = tours::update_tour(
        &db,
        1,
        TourInput {
            title: "Old tour".into(),
            hosts: "ISO Boston".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let hosts: Vec<(&str, &str)> = moved
        .stops
        .iter()
        .map(|e| (e.uid.as_str(), e.hosts.as_str()))
        .collect();
    assert_eq!(
        hosts,
        [
            ("b@old", "ISO Boston"),
            ("a@old", "ISO Boston"),
            ("c@old", "ISO and friends")
        ],
        "the stops that followed the tour's hosts follow the new ones"
    );
    assert_eq!(
        moved.tour.time_zone, "America/New_York",
        "an edit naming no zone keeps the tour's"
    );
}

/// Proves `event reschedule`'s rule for what it is not given: the start time
/// and the length are kept, for an evening, an overnight and an all-day event
/// of several days.
#[test]
fn a_move_keeps_what_is_not_given() {
    let (_a, db) = open();
    let done = json::import(&db, &corpus(INHERITED)).unwrap();
    let mut e = done.events[0].clone(); // 18:00–20:00 on 2027-03-01
    let w = events::When::moved(&e, "2027-03-05", None, None);
    assert_eq!(
        (
            w.start_date.as_str(),
            w.start_time.as_str(),
            w.end_date.as_str(),
            w.end_time.as_str()
        ),
        ("2027-03-05", "18:00", "", "20:00"),
        "only a date: the same hours"
    );
    let w = events::When::moved(&e, "2027-03-05", Some("23:00"), None);
    assert_eq!(
        (w.end_date.as_str(), w.end_time.as_str()),
        ("2027-03-06", "01:00"),
        "a later start keeps the two hours, past midnight"
    );
    let w = events::When::moved(&e, "2027-03-05", Some("17:00"), Some("21:30"));
    assert_eq!(
        (w.start_time.as_str(), w.end_time.as_str()),
        ("17:00", "21:30")
    );
    e.all_day = true;
    e.start_time.clear();
    e.end_time.clear();
    e.end_date = "2027-03-03".into();
    let w = events::When::moved(&e, "2027-04-10", Some("10:00"), None);
    assert_eq!(
        (
            w.start_date.as_str(),
            w.end_date.as_str(),
            w.start_time.as_str(),
            w.all_day
        ),
        ("2027-04-10", "2027-04-12", "", true),
        "an all-day event of three days stays three days, with no times"
    );
    let moved = events::reschedule(
        &db,
        done.events[0].id,
        events::When::moved(&done.events[0], "2027-03-05", Some("23:00"), None),
        "late hall",
    )
    .expect("the core takes the move");
    assert_eq!(
        (moved.end_date.as_str(), moved.end_time.as_str()),
        ("2027-03-06", "01:00")
    );
}
