//! A subscriber's phone number, on a real SQLite file: added and changed through
//! the one core function for each, refused with words naming what is wrong
//! (and the saved number kept), read from an import's Phone or Mobile column,
//! written by the export, and erased with the rest of the person on "forget".

use std::sync::atomic::AtomicBool;

use handbill_core::mail::export::{self, ExportOptions};
use handbill_core::mail::import::{self, Field, ImportOptions};
use handbill_core::mail::lists::{self, SegmentFilter};
use handbill_core::mail::person::{self, ForgetRequest};
use handbill_core::mail::subscribers::{self, normalize_phone, SubscriberInput};
use handbill_core::{Database, ErrorCode};
use proptest::prelude::*;

fn branch() -> (tempfile::TempDir, std::path::PathBuf, Database, i64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    let db = Database::open(&path).unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    (dir, path, db, list.id)
}

fn ana(phone: &str) -> SubscriberInput {
    SubscriberInput {
        email: "ana@example.org".into(),
        name: "Ana Souza".into(),
        phone: phone.into(),
        ..Default::default()
    }
}

fn import_csv(db: &Database, list_id: i64, csv: &str) -> import::ImportReport {
    import::run(
        db,
        "signups.csv",
        csv.as_bytes(),
        &ImportOptions {
            list_id,
            mapping: Vec::new(),
            dry_run: false,
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("the import runs")
}

#[test]
fn a_phone_is_added_kept_in_the_file_and_changed() {
    let (_dir, path, db, list_id) = branch();
    let added =
        subscribers::add(&db, ana("  +1 (617)   555-0100 "), Some(list_id), "test").unwrap();
    assert_eq!(
        added.subscriber.phone, "+1 (617) 555-0100",
        "kept as typed, the spaces around it taken off and a run of spaces made one"
    );
    drop(db);
    let db = Database::open(&path).unwrap();
    let id = added.subscriber.id;
    assert_eq!(
        subscribers::get(&db, id).unwrap().phone,
        "+1 (617) 555-0100",
        "the phone is in the file, read back after reopening it"
    );
    for typed in [
        "617.555.0100",
        "+44 20 7946 0958",
        "617-555-0100",
        "(617) 555 0100",
    ] {
        let changed = subscribers::update(&db, id, ana(typed)).unwrap();
        assert_eq!(changed.subscriber.phone, typed, "{typed} is taken as typed");
    }
    let cleared = subscribers::update(&db, id, ana("")).unwrap();
    assert_eq!(cleared.subscriber.phone, "", "a phone can be taken off");
}

#[test]
fn garbage_is_refused_naming_the_phone_and_the_saved_number_stays() {
    let (_dir, _path, db, list_id) = branch();
    let id = subscribers::add(&db, ana("617.555.0100"), Some(list_id), "test")
        .unwrap()
        .subscriber
        .id;
    let before = subscribers::get(&db, id).unwrap();
    let cases: &[(&str, &str)] = &[
        ("call me maybe", "has letters in it"),
        ("617-555-01OO", "has letters in it"),
        (
            "+1 617 555 0100 0100 0100 0100 0100",
            "characters long; a phone number is at most 30",
        ),
        ("12345", "has 5 digits; a phone number has 7 to 15"),
        ("1234567890123456", "has 16 digits"),
        ("617+555+0100", "A + goes only at the front"),
        ("617_555_0100", "“_” is not part of a phone number"),
        ("617\u{0}5550100", "NUL"),
    ];
    for (typed, words) in cases {
        let mut input = ana(typed);
        input.name = "Ana Changed".into();
        let err = subscribers::update(&db, id, input).expect_err(typed);
        assert_eq!(err.code, ErrorCode::Invalid, "{typed}");
        assert!(
            err.fields
                .iter()
                .any(|p| p.field == "phone" && p.message.contains(words)),
            "{typed:?} is refused on the phone field with “{words}”: {:?}",
            err.fields
        );
        assert_eq!(
            subscribers::get(&db, id).unwrap(),
            before,
            "a refused edit of {typed:?} changes nothing saved, the name typed with it included"
        );
    }
    let err = subscribers::add(
        &db,
        SubscriberInput {
            email: "ben@example.org".into(),
            phone: "ask at the desk".into(),
            ..Default::default()
        },
        Some(list_id),
        "test",
    )
    .expect_err("a new subscriber with letters for a phone is refused");
    assert!(err.message.contains("phone:"), "{}", err.message);
    assert!(
        subscribers::find(&db, "ben@example.org").unwrap().is_none(),
        "nobody is added by a refused form"
    );
}

#[test]
fn an_import_reads_a_mobile_column_and_the_export_writes_it() {
    let (_dir, path, db, list_id) = branch();
    let preview = import::preview(
        "signups.csv",
        b"Email,Name,Mobile\nana@example.org,Ana,617.555.0100\n",
    )
    .unwrap();
    assert_eq!(
        preview.columns[2].field,
        Field::Phone,
        "a Mobile column is the phone"
    );
    for header in ["Phone", "Cell", "Phone Number", "Mobile phone", "Teléfono"] {
        let preview = import::preview(
            "s.csv",
            format!("Email,{header}\na@example.org,6175550100\n").as_bytes(),
        )
        .unwrap();
        assert_eq!(
            preview.columns[1].field,
            Field::Phone,
            "{header} is the phone"
        );
    }

    // One already here without a phone: the file fills it in, as it does other empty fields.
    subscribers::add(
        &db,
        SubscriberInput {
            email: "dee@example.org".into(),
            name: "Dee".into(),
            ..Default::default()
        },
        Some(list_id),
        "test",
    )
    .unwrap();
    let report = import_csv(
        &db,
        list_id,
        "Email,Name,Mobile\n\
         ana@example.org,Ana Souza,+1 (617) 555-0100\n\
         ben@example.org,Ben Okafor,ask Ben\n\
         cy@example.org,Cy Tran,\n\
         dee@example.org,Dee,+44 20 7946 0958\n",
    );
    assert_eq!(
        (report.imported, report.merged, report.rejected),
        (3, 1, 0),
        "{report:?}"
    );
    let ben = report
        .entries
        .iter()
        .find(|e| e.email == "ben@example.org")
        .unwrap();
    assert!(
        ben.warnings
            .iter()
            .any(|w| w.contains("phone number could not be read") && w.contains("letters")),
        "a number that cannot be read is left out with a warning, the person imported: {:?}",
        ben.warnings
    );
    drop(db);
    let db = Database::open(&path).unwrap();
    let phone = |email: &str| subscribers::find(&db, email).unwrap().unwrap().phone;
    assert_eq!(phone("ana@example.org"), "+1 (617) 555-0100");
    assert_eq!(phone("ben@example.org"), "");
    assert_eq!(phone("cy@example.org"), "");
    assert_eq!(
        phone("dee@example.org"),
        "+44 20 7946 0958",
        "an empty phone is filled in on merge"
    );

    let (csv, rows) = export::to_csv(
        &db,
        &ExportOptions {
            list_id,
            filter: SegmentFilter::default(),
            include_all: false,
        },
    )
    .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(rows, 4);
    assert!(
        csv.starts_with("email,name,first_name,language,city,postal_code,phone,"),
        "the export has a phone column:\n{csv}"
    );
    assert!(
        csv.contains("ana@example.org,Ana Souza,Ana,,,,'+1 (617) 555-0100,"),
        "{csv}"
    );

    // The exported file comes back in with the same numbers (the spreadsheet's ' is not kept).
    let (_dir2, _path2, again, list2) = branch();
    let report = import_csv(&again, list2, &csv);
    assert_eq!(report.imported, 4, "{report:?}");
    assert_eq!(
        subscribers::find(&again, "ana@example.org")
            .unwrap()
            .unwrap()
            .phone,
        "+1 (617) 555-0100"
    );
}

#[test]
fn forgetting_a_person_erases_their_phone_from_the_file() {
    let (_dir, path, db, list_id) = branch();
    subscribers::add(&db, ana("+1 (617) 555-0199"), Some(list_id), "test").unwrap();
    let record = person::record(&db, "ana@example.org").unwrap();
    assert!(
        record.text().contains("+1 (617) 555-0199"),
        "the person's export shows the phone"
    );
    person::forget(
        &db,
        &ForgetRequest {
            address: "ana@example.org".into(),
            requested_by: "their email of 3 December".into(),
        },
    )
    .unwrap();
    drop(db);
    let bytes = std::fs::read(&path).unwrap();
    let needle = b"617) 555-0199";
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle),
        "the phone's bytes are gone from the database file"
    );
    let db = Database::open(&path).unwrap();
    assert!(subscribers::find(&db, "ana@example.org").unwrap().is_none());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    /// No text makes the phone check panic, and what it keeps is always a number it would take again.
    #[test]
    fn any_text_is_read_or_refused_without_panic(text in "\\PC{0,40}|[0-9 +().\\-/]{0,40}") {
        if let Ok(phone) = normalize_phone(&text) {
            prop_assert!(phone.chars().count() <= 30);
            prop_assert_eq!(normalize_phone(&phone), Ok(phone.clone()));
        }
    }
}
