//! Subscribers, lists, segments, the consent ledger, search and export, against
//! a real SQLite database: the rules the issue asks for, each proven here.

use handbill_core::mail::export::{self, ExportOptions};
use handbill_core::mail::import::{self, ImportOptions};
use handbill_core::mail::lists::{self, SegmentFilter};
use handbill_core::mail::subscribers::{self, ConsentStatus, SubscriberInput, SubscriberQuery};
use handbill_core::{demo, Database, ErrorCode};
use std::sync::atomic::AtomicBool;

fn person(email: &str, name: &str) -> SubscriberInput {
    SubscriberInput {
        email: email.to_owned(),
        name: name.to_owned(),
        ..Default::default()
    }
}

fn import_text(db: &Database, list_id: i64, name: &str, text: &str) -> import::ImportReport {
    import::run(
        db,
        name,
        text.as_bytes(),
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

/// The addresses a search finds, in the order shown (the first 50).
fn found(db: &Database, text: &str, list_id: Option<i64>) -> Vec<String> {
    subscribers::search(
        db,
        &SubscriberQuery {
            list_id,
            text: text.into(),
            offset: 0,
            limit: 50,
        },
    )
    .expect("the search runs")
    .rows
    .into_iter()
    .map(|r| r.email)
    .collect()
}

#[test]
fn addresses_are_normalized_and_unique_without_regard_to_case() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    let added = subscribers::add(
        &db,
        person("  Ana.Alvarez@EXAMPLE.org ", "Ana Alvarez"),
        Some(list.id),
        "test",
    )
    .unwrap();
    assert_eq!(
        added.subscriber.email, "Ana.Alvarez@example.org",
        "the address is trimmed and its domain lower-cased"
    );
    let again = subscribers::add(
        &db,
        person("ana.alvarez@example.ORG", "Ana"),
        Some(list.id),
        "test",
    )
    .expect_err("the same address in another case is refused");
    assert_eq!(
        again.code,
        ErrorCode::Invalid,
        "a duplicate is invalid input"
    );
    assert_eq!(again.fields[0].field, "email", "the email field is named");
    assert!(
        again.message.contains("already a subscriber"),
        "the message says why: {}",
        again.message
    );

    let bad = subscribers::add(&db, person("ana at example", ""), None, "test")
        .expect_err("a non-address is refused");
    assert!(
        bad.message.contains("not an email address"),
        "the message says what is wrong: {}",
        bad.message
    );
    let no_tld = subscribers::add(&db, person("ana@localhost", ""), None, "test")
        .expect_err("an address without a dotted domain is refused");
    assert_eq!(
        no_tld.fields[0].field, "email",
        "the email field is named for ana@localhost"
    );
}

#[test]
fn the_consent_ledger_refuses_changes_and_deletions() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    subscribers::add(&db, person("ana@example.org", "Ana"), Some(list.id), "test").unwrap();
    let lines: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM consent", [], |r| r.get(0))
        .unwrap();
    assert_eq!(lines, 1, "subscribing wrote one ledger line");
    let update = db.conn().execute(
        "UPDATE consent SET status = 'subscribed', source = 'forged'",
        [],
    );
    assert!(
        update
            .as_ref()
            .is_err_and(|e| e.to_string().contains("append-only")),
        "changing a ledger line is refused by the database itself: {update:?}"
    );
    let delete = db.conn().execute("DELETE FROM consent", []);
    assert!(
        delete
            .as_ref()
            .is_err_and(|e| e.to_string().contains("append-only")),
        "removing ledger lines is refused by the database itself: {delete:?}"
    );
    let after: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM consent", [], |r| r.get(0))
        .unwrap();
    assert_eq!(after, 1, "the ledger still holds its line");
}

#[test]
fn an_unsubscribed_person_stays_unsubscribed_whatever_a_later_import_says() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    let sheet = "email,name\nana@example.org,Ana\nben@example.org,Ben\n";
    let first = import_text(&db, list.id, "sheet.csv", sheet);
    assert_eq!(
        (first.imported, first.merged, first.rejected),
        (2, 0, 0),
        "both rows are imported the first time"
    );

    let report = subscribers::unsubscribe_addresses(
        &db,
        "Please take me off. ana@example.org",
        Some(list.id),
        "reply",
    )
    .unwrap();
    assert_eq!(
        report.unsubscribed,
        vec!["ana@example.org"],
        "Ana is unsubscribed from the pasted reply"
    );
    assert_eq!(
        lists::reach(&db, list.id, &SegmentFilter::default()).unwrap(),
        1,
        "only Ben would be mailed"
    );

    let again = import_text(&db, list.id, "sheet.csv", sheet);
    assert_eq!(
        (again.imported, again.merged, again.kept_off),
        (0, 2, 1),
        "the re-import merges both and keeps Ana off"
    );
    let ana = subscribers::find(&db, "ana@example.org").unwrap().unwrap();
    let detail = subscribers::detail(&db, ana.id).unwrap();
    assert_eq!(
        detail.memberships[0].status,
        ConsentStatus::Unsubscribed,
        "Ana is still unsubscribed after the re-import"
    );
    assert_eq!(
        lists::reach(&db, list.id, &SegmentFilter::default()).unwrap(),
        1,
        "an announcement still reaches only Ben"
    );
    let ledger: Vec<(&str, &str)> = detail
        .ledger
        .iter()
        .map(|e| (e.status.as_str(), e.source.as_str()))
        .collect();
    assert_eq!(
        ledger,
        vec![
            ("subscribed", "Import of sheet.csv, line 2"),
            ("unsubscribed", "reply")
        ],
        "the ledger holds each change with its source, and nothing from the re-import"
    );
}

#[test]
fn bounced_and_cleaned_people_are_never_counted_nor_resubscribed_by_an_import() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    for (email, status) in [
        ("b@example.org", ConsentStatus::Bounced),
        ("c@example.org", ConsentStatus::Cleaned),
    ] {
        let d = subscribers::add(&db, person(email, ""), Some(list.id), "test").unwrap();
        subscribers::set_status(&db, d.subscriber.id, list.id, status, "returned mail").unwrap();
    }
    subscribers::add(&db, person("s@example.org", ""), Some(list.id), "test").unwrap();
    import_text(
        &db,
        list.id,
        "again.csv",
        "email,status\nb@example.org,subscribed\nc@example.org,subscribed\n",
    );
    assert_eq!(
        lists::reach(&db, list.id, &SegmentFilter::default()).unwrap(),
        1,
        "only the subscribed person is reached"
    );
    let all = lists::get(&db, list.id).unwrap();
    assert_eq!(
        (all.bounced, all.cleaned),
        (1, 1),
        "the bounced and cleaned stay so after an import says subscribed"
    );
}

#[test]
fn a_deleted_subscriber_who_had_left_comes_back_from_an_import_still_unsubscribed() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    import_text(&db, list.id, "a.csv", "email\nana@example.org\n");
    subscribers::unsubscribe_addresses(&db, "ana@example.org", None, "reply").unwrap();
    let ana = subscribers::find(&db, "ana@example.org").unwrap().unwrap();
    subscribers::delete(&db, ana.id, "test").unwrap();
    assert!(
        subscribers::find(&db, "ana@example.org").unwrap().is_none(),
        "Ana's details are gone"
    );
    assert_eq!(
        subscribers::ledger(&db, "ana@example.org").unwrap().len(),
        3,
        "her ledger stays, with a line for the deletion"
    );

    let back = import_text(&db, list.id, "a.csv", "email\nana@example.org\n");
    assert_eq!(back.kept_off, 1, "the import reports that she stays off");
    assert_eq!(
        lists::reach(&db, list.id, &SegmentFilter::default()).unwrap(),
        0,
        "she is not mailed"
    );
}

#[test]
fn addresses_of_nobody_pasted_as_unsubscribed_are_never_added_by_an_import() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    let r = subscribers::unsubscribe_addresses(
        &db,
        "Zoe <zoe@example.org>; nonsense@; ",
        Some(list.id),
        "reply",
    )
    .unwrap();
    assert_eq!(
        r.not_subscribers,
        vec!["zoe@example.org"],
        "Zoe is not a subscriber but is recorded"
    );
    assert_eq!(
        r.invalid,
        vec!["nonsense@"],
        "a broken address is shown apart"
    );
    import_text(&db, list.id, "later.csv", "email\nzoe@example.org\n");
    assert_eq!(
        lists::reach(&db, list.id, &SegmentFilter::default()).unwrap(),
        0,
        "the import does not subscribe Zoe"
    );
}

#[test]
fn putting_someone_back_needs_a_reason_that_the_ledger_keeps() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    let d = subscribers::add(&db, person("ana@example.org", ""), Some(list.id), "test").unwrap();
    let id = d.subscriber.id;
    subscribers::set_status(&db, id, list.id, ConsentStatus::Unsubscribed, "reply").unwrap();
    let refused = subscribers::set_status(&db, id, list.id, ConsentStatus::Subscribed, " ")
        .expect_err("no reason, no return");
    assert_eq!(
        refused.fields[0].field, "source",
        "the reason field is named"
    );
    let back = subscribers::set_status(
        &db,
        id,
        list.id,
        ConsentStatus::Subscribed,
        "Asked at the March meeting",
    )
    .unwrap();
    assert_eq!(
        back.memberships[0].status,
        ConsentStatus::Subscribed,
        "with a reason she is back"
    );
    assert_eq!(
        back.ledger.last().unwrap().source,
        "Asked at the March meeting",
        "the ledger keeps the reason"
    );
}

#[test]
fn segments_filter_by_tag_city_zip_prefix_and_language_and_count_only_subscribed_people() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    let sheet = "email,city,zip,language,tags\n\
        a@example.org,Boston,02115,en,volunteer\n\
        b@example.org,boston,02130,es-MX,\"volunteer, student\"\n\
        c@example.org,Cambridge,02139,es,student\n\
        d@example.org,Boston,02115,es,Volunteer\n";
    import_text(&db, list.id, "s.csv", sheet);
    subscribers::unsubscribe_addresses(&db, "d@example.org", Some(list.id), "reply").unwrap();
    let count = |f: SegmentFilter| lists::reach(&db, list.id, &f).unwrap();
    assert_eq!(
        count(SegmentFilter::default()),
        3,
        "the whole list reaches the three subscribed"
    );
    assert_eq!(
        count(SegmentFilter {
            tags: vec!["VOLUNTEER".into()],
            ..Default::default()
        }),
        2,
        "tags match without regard to case; d left"
    );
    assert_eq!(
        count(SegmentFilter {
            city: "BOSTON".into(),
            ..Default::default()
        }),
        2,
        "city matches without regard to case"
    );
    assert_eq!(
        count(SegmentFilter {
            zip_prefix: "021".into(),
            ..Default::default()
        }),
        3,
        "every ZIP starts with 021"
    );
    assert_eq!(
        count(SegmentFilter {
            zip_prefix: "0213".into(),
            ..Default::default()
        }),
        2,
        "02130 and 02139 start with 0213"
    );
    assert_eq!(
        count(SegmentFilter {
            language: "es".into(),
            ..Default::default()
        }),
        2,
        "es takes es-MX too"
    );
    assert_eq!(
        count(SegmentFilter {
            tags: vec!["volunteer".into(), "student".into()],
            city: "Boston".into(),
            zip_prefix: "0213".into(),
            language: "es".into(),
            ..Default::default()
        }),
        1,
        "every part must hold"
    );
    assert_eq!(
        count(SegmentFilter::parse("tag=student,zip=0213").unwrap()),
        2,
        "the command line's filter text means the same"
    );
    let saved = lists::save_segment(
        &db,
        list.id,
        "Students",
        SegmentFilter {
            tags: vec!["student".into()],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(saved.count, 2, "a saved segment carries its count");
    let resolved = lists::resolve_segment(&db, list.id, "students").unwrap();
    assert_eq!(
        resolved.tags,
        vec!["student"],
        "a saved segment is found by name without regard to case"
    );
}

#[test]
fn search_finds_any_part_of_a_name_or_address_as_you_type() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    let other = lists::create(&db, "Volunteers").unwrap();
    import_text(&db, list.id, "s.csv", "email,first name,last name\nana.alvarez@example.org,Ana,Álvarez\nben@riseup.net,Benjamin,Okafor\n");
    subscribers::add(
        &db,
        person("zoe@example.org", "Zoe Nguyen"),
        Some(other.id),
        "test",
    )
    .unwrap();
    let find = |text: &str, list_id: Option<i64>| found(&db, text, list_id);
    assert_eq!(
        find("kafo", None),
        vec!["ben@riseup.net"],
        "the middle of a last name finds Ben"
    );
    assert_eq!(
        find("RISEUP", None),
        vec!["ben@riseup.net"],
        "part of the domain, in capitals, finds Ben"
    );
    assert_eq!(
        find("álvarez", None),
        vec!["ana.alvarez@example.org"],
        "an accented name is found"
    );
    assert_eq!(
        find("a", Some(list.id)).len(),
        2,
        "one letter searches too, within the list"
    );
    assert_eq!(
        find("nguyen", Some(list.id)),
        Vec::<String>::new(),
        "someone on another list is not shown for this list"
    );
    assert_eq!(
        find("nguyen", None),
        vec!["zoe@example.org"],
        "without a list everyone is searched"
    );
    assert_eq!(
        find("zzz", None),
        Vec::<String>::new(),
        "nothing matches nonsense"
    );
    assert_eq!(
        find("ana okafor", None),
        Vec::<String>::new(),
        "trigrams of two people do not combine into a false match"
    );

    let d = subscribers::find(&db, "ben@riseup.net").unwrap().unwrap();
    let mut input = SubscriberInput {
        email: d.email.clone(),
        name: "Benjamin Mensah".into(),
        ..Default::default()
    };
    input.first_name = "Benjamin".into();
    subscribers::update(&db, d.id, input).unwrap();
    assert_eq!(
        find("okafor", None),
        Vec::<String>::new(),
        "the old name is no longer found after an edit"
    );
    assert_eq!(
        find("mensah", None),
        vec!["ben@riseup.net"],
        "the new name is found after an edit"
    );
    subscribers::delete(&db, d.id, "test").unwrap();
    assert_eq!(
        find("mensah", None),
        Vec::<String>::new(),
        "a deleted subscriber is not found"
    );
}

#[test]
fn an_export_makes_formula_cells_safe_and_holds_only_the_segment() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    let sheet = "email,name,city,notes,tags\n\
        a@example.org,=HYPERLINK(\"http://evil\"),Boston,+1 555,volunteer\n\
        b@example.org,-2+3,Cambridge,@SUM(A1),\n\
        c@example.org,Carmen,Boston,plain,volunteer\n";
    import_text(&db, list.id, "s.csv", sheet);
    let options = ExportOptions {
        list_id: list.id,
        filter: SegmentFilter::default(),
        include_all: false,
    };
    let (bytes, rows) = export::to_csv(&db, &options).unwrap();
    assert_eq!(rows, 3, "the whole list is exported");
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    for record in reader.records() {
        let record = record.unwrap();
        for cell in record.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "no exported cell starts like a formula: {cell:?}"
            );
        }
    }
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("'=HYPERLINK"),
        "the formula is kept as text behind an apostrophe:\n{text}"
    );
    assert!(
        text.contains("'@SUM(A1)") && text.contains("'+1 555") && text.contains("'-2+3"),
        "each of = + - @ is made safe:\n{text}"
    );

    subscribers::unsubscribe_addresses(&db, "c@example.org", Some(list.id), "reply").unwrap();
    let segment = ExportOptions {
        list_id: list.id,
        filter: SegmentFilter {
            city: "Boston".into(),
            ..Default::default()
        },
        include_all: false,
    };
    let (bytes, rows) = export::to_csv(&db, &segment).unwrap();
    assert_eq!(
        rows, 1,
        "the Boston segment without the unsubscribed Carmen holds one person"
    );
    assert!(
        !String::from_utf8(bytes).unwrap().contains("c@example.org"),
        "an unsubscribed person is not exported for mailing"
    );
    let everyone = ExportOptions {
        include_all: true,
        ..segment
    };
    let (bytes, rows) = export::to_csv(&db, &everyone).unwrap();
    assert_eq!(rows, 2, "a full export includes the unsubscribed");
    assert!(
        String::from_utf8(bytes)
            .unwrap()
            .contains("c@example.org,Carmen,Carmen,,Boston,,,volunteer,plain,unsubscribed"),
        "with their standing (and the first name the import took from the full name, for a greeting)"
    );
}

#[test]
fn the_demo_has_an_announcements_list_with_some_unsubscribed_and_running_it_twice_changes_nothing()
{
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("demo.sqlite")).unwrap();
    assert!(
        demo::load(&db).unwrap().changed,
        "the first run loads the sample"
    );
    let list = lists::find(&db, "Announcements").unwrap();
    let total = list.subscribed + list.unsubscribed + list.bounced + list.cleaned;
    assert!(
        (24..=60).contains(&total),
        "a few dozen people are on the list: {total}"
    );
    assert!(
        list.unsubscribed >= 3,
        "some of them unsubscribed: {}",
        list.unsubscribed
    );
    let everyone = subscribers::search(
        &db,
        &SubscriberQuery {
            list_id: None,
            text: String::new(),
            offset: 0,
            limit: 500,
        },
    )
    .unwrap();
    assert!(
        everyone
            .rows
            .iter()
            .all(|r| r.email.ends_with("@example.org")),
        "every sample address is at example.org"
    );
    let dump = |db: &Database| -> String {
        let mut stmt = db
            .conn()
            .prepare("SELECT * FROM subscriber ORDER BY id")
            .unwrap();
        let n = stmt.column_count();
        let rows: Vec<String> = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let consent: i64 = db
            .conn()
            .query_row("SELECT count(*) FROM consent", [], |r| r.get(0))
            .unwrap();
        format!("{}\n{consent}", rows.join("\n"))
    };
    let before = dump(&db);
    assert!(
        !demo::load(&db).unwrap().changed,
        "the second run says nothing changed"
    );
    assert_eq!(
        before,
        dump(&db),
        "the second run changed no subscriber and wrote no ledger line"
    );
}

#[test]
fn a_database_from_before_the_search_column_keeps_its_people_ledger_and_search() {
    // Migration 9 replaces the trigram index by a column and rebuilds memberships
    // and the ledger; this proves nothing is lost and the rules still hold.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    {
        let old = handbill_core::db::storage::open_at_version(&path, 5)
            .expect("a version-5 database opens");
        old.conn()
            .execute_batch(
                "INSERT INTO list (id, name, created_at) VALUES (1, 'Announcements', '2025-01-01T00:00:00Z');
                 INSERT INTO subscriber (id, email, email_key, name, first_name, created_at, updated_at)
                     VALUES (7, 'Elodie@example.org', 'elodie@example.org', 'ÉLODIE NÚÑEZ', 'Élodie', 'x', 'x'),
                            (9, 'sam@example.org', 'sam@example.org', 'Sam Ortiz', '', 'x', 'x');
                 INSERT INTO subscriber_search (rowid, text) VALUES (7, 'Elodie@example.org ÉLODIE NÚÑEZ'),
                     (9, 'sam@example.org Sam Ortiz');
                 INSERT INTO membership (id, list_id, subscriber_id, status, since)
                     VALUES (3, 1, 7, 'subscribed', 'a'), (4, 1, 9, 'unsubscribed', 'b');
                 INSERT INTO consent (id, email_key, list_id, status, source, at)
                     VALUES (11, 'elodie@example.org', 1, 'subscribed', 'Sign-up sheet', 'a'),
                            (12, 'sam@example.org', 1, 'subscribed', 'Sign-up sheet', 'a'),
                            (13, 'sam@example.org', 1, 'unsubscribed', 'Reply to an announcement', 'b');",
            )
            .expect("the old schema takes the rows");
    }
    let db = Database::open(&path).expect("the old database is migrated");
    assert_eq!(
        db.user_version().unwrap(),
        handbill_core::db::storage::schema_version(),
        "fully migrated"
    );

    let find = |text: &str| found(&db, text, Some(1));
    assert_eq!(
        find("élodie"),
        ["Elodie@example.org"],
        "an upper-case accented name is found in lower case"
    );
    assert_eq!(
        find("ÚÑ"),
        ["Elodie@example.org"],
        "any part of the name, typed in any case"
    );
    assert_eq!(
        find("ortiz"),
        ["sam@example.org"],
        "a second person is found too"
    );
    assert_eq!(
        find("die@exa"),
        ["Elodie@example.org"],
        "part of an address, typed in lower case"
    );
    assert_eq!(
        find("@example.org"),
        ["Elodie@example.org", "sam@example.org"],
        "every member of the list matches, whatever their standing, in the order they were added"
    );

    let sam = subscribers::detail(&db, 9).expect("Sam is still here");
    assert_eq!(sam.memberships.len(), 1, "Sam's membership is kept");
    assert_eq!(
        sam.memberships[0].status,
        ConsentStatus::Unsubscribed,
        "and Sam's standing with it"
    );
    assert_eq!(
        sam.ledger
            .iter()
            .map(|e| e.source.as_str())
            .collect::<Vec<_>>(),
        ["Sign-up sheet", "Reply to an announcement"],
        "Sam's ledger lines are kept, in order"
    );
    let ids: Vec<i64> = db
        .conn()
        .prepare("SELECT id FROM consent ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, [11, 12, 13], "the ledger keeps its line numbers");

    assert!(
        db.conn()
            .execute("UPDATE consent SET status = 'subscribed' WHERE id = 13", [])
            .is_err(),
        "the rebuilt ledger still refuses changes"
    );
    assert!(
        db.conn()
            .execute("DELETE FROM consent WHERE id = 13", [])
            .is_err(),
        "and removals"
    );
    assert!(
        db.conn()
            .execute("INSERT INTO membership (list_id, subscriber_id, status, since) VALUES (1, 9, 'gone', 'c')", [])
            .is_err(),
        "a membership takes only the four standings"
    );
    assert!(
        db.conn()
            .execute("INSERT INTO consent (email_key, list_id, status, source, at) VALUES ('a@b.org', 1, 'gone', 's', 'c')", [])
            .is_err(),
        "a ledger line takes only the four standings and 'deleted'"
    );
    assert!(
        db.conn()
            .execute("INSERT INTO membership (list_id, subscriber_id, status, since) VALUES (1, 999, 'subscribed', 'c')", [])
            .is_err(),
        "a membership of nobody is refused"
    );

    // The Sam who left stays off the list whatever a later import says.
    let report = import_text(
        &db,
        1,
        "again.csv",
        "email,name\nsam@example.org,Sam Ortiz\nnew@example.org,Ana Nueva\n",
    );
    assert_eq!(
        (report.imported, report.merged, report.kept_off),
        (1, 1, 1),
        "one new, one merged and kept off"
    );
    assert_eq!(
        find("nueva"),
        ["new@example.org"],
        "an imported person is found at once"
    );
    subscribers::delete(&db, 7, "Asked to be forgotten")
        .expect("a migrated subscriber can be deleted");
    assert!(
        find("élodie").is_empty(),
        "a deleted person is no longer found"
    );
}

#[test]
fn a_database_whose_search_text_held_the_address_is_still_searched_by_address_and_name() {
    // Migration 0009 takes the address out of the search text: the address
    // is searched in `email_key`, the names in `search`. (Its number counts
    // files; the database counts migrations applied, 7 before it.)
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v7.sqlite");
    {
        let old = handbill_core::db::storage::open_at_version(&path, 7)
            .expect("a version-7 database opens");
        old.conn()
            .execute_batch(
                "INSERT INTO list (id, name, created_at) VALUES (1, 'Announcements', '2025-01-01T00:00:00Z');
                 INSERT INTO subscriber (id, email, email_key, name, first_name, created_at, updated_at, search)
                     VALUES (7, 'Elodie@Example.org', 'elodie@example.org', 'ÉLODIE NÚÑEZ', 'Élodie', 'x', 'x',
                             'elodie@example.org élodie núñez'),
                            (9, 'sam@example.org', 'sam@example.org', 'Sam Ortiz', 'Samuel', 'x', 'x',
                             'sam@example.org sam ortiz samuel');
                 INSERT INTO membership (list_id, subscriber_id, status, since)
                     VALUES (1, 7, 'subscribed', 'a'), (1, 9, 'subscribed', 'a');",
            )
            .expect("the version-7 schema takes the rows");
    }
    let db = Database::open(&path).expect("the database is migrated");
    let search: Vec<String> = db
        .conn()
        .prepare("SELECT search FROM subscriber ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        search,
        ["élodie núñez", "sam ortiz samuel"],
        "the search text holds the names only, folded"
    );
    let find = |text: &str| found(&db, text, Some(1));
    let (elodie, sam) = ("Elodie@Example.org", "sam@example.org");
    assert_eq!(
        find("ELODIE@EXAMPLE"),
        [elodie],
        "an address, typed in any case"
    );
    assert_eq!(find("núñ"), [elodie], "part of a name");
    assert_eq!(find("samuel"), [sam], "a first name not in the name");
    assert_eq!(
        find("example.org"),
        [elodie, sam],
        "what every address holds"
    );
    assert!(find("zzz").is_empty(), "and nothing that nobody has");
}
