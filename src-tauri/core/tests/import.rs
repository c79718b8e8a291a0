//! The CSV importer against real files: the fixtures under `tests/fixtures/csv/`
//! (exports of other tools, encodings, and every kind of bad input), the report
//! row by row, one transaction (cancel and dry run write nothing), and a
//! bounded property test that no input makes it panic or change saved data.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use handbill_core::mail::import::{self, Field, ImportOptions, ImportState, RowOutcome};
use handbill_core::mail::lists::{self, SegmentFilter};
use handbill_core::mail::subscribers::{self, ConsentStatus, SubscriberInput};
use handbill_core::{Database, ErrorCode};
use proptest::prelude::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/csv")
        .join(name);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("the fixture {} is readable: {e}", path.display()))
}

/// A database holding one list with two people, one of whom unsubscribed.
fn saved_branch() -> (Database, i64) {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    for email in ["kept.one@example.org", "kept.two@example.org"] {
        subscribers::add(
            &db,
            SubscriberInput {
                email: email.into(),
                name: "Kept".into(),
                ..Default::default()
            },
            Some(list.id),
            "setup",
        )
        .unwrap();
    }
    subscribers::unsubscribe_addresses(&db, "kept.two@example.org", Some(list.id), "setup")
        .unwrap();
    (db, list.id)
}

/// Everything saved about subscribers, as text to compare before and after.
fn snapshot(db: &Database) -> String {
    let mut out = String::new();
    for table in ["subscriber", "membership", "consent", "list", "segment"] {
        let mut stmt = db
            .conn()
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
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
        out.push_str(&format!("{table}:\n{}\n", rows.join("\n")));
    }
    out
}

fn run(
    db: &Database,
    list_id: i64,
    name: &str,
    bytes: &[u8],
) -> handbill_core::Result<import::ImportReport> {
    import::run(
        db,
        name,
        bytes,
        &ImportOptions {
            list_id,
            mapping: Vec::new(),
            dry_run: false,
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
}

#[test]
fn every_bad_file_gets_a_clear_message_and_changes_nothing_saved() {
    let cases: &[(&str, &str)] = &[
        ("empty.csv", "The file is empty"),
        ("header-only.csv", "no rows under it"),
        ("binary-data.csv", "binary data"),
        ("ten-thousand-columns.csv", "10000 columns"),
        ("invalid-utf8.csv", "line 3 has bytes that are not text"),
        ("workbook-named-csv.csv", "spreadsheet workbook"),
    ];
    for (name, words) in cases {
        let (db, list_id) = saved_branch();
        let before = snapshot(&db);
        let bytes = fixture(name);
        let preview = import::preview(name, &bytes)
            .expect_err(&format!("{name}: the preview refuses the file"));
        assert_eq!(
            preview.code,
            ErrorCode::Invalid,
            "{name}: the preview's error is about the input"
        );
        assert!(
            preview.message.contains(words),
            "{name}: the preview says “{words}”: {}",
            preview.message
        );
        let err = run(&db, list_id, name, &bytes)
            .expect_err(&format!("{name}: the import refuses the file"));
        assert_eq!(
            err.code,
            ErrorCode::Invalid,
            "{name}: the error is about the input, not an internal failure"
        );
        assert!(
            err.message.contains(words),
            "{name}: the message says “{words}”: {}",
            err.message
        );
        assert_eq!(
            err.fields[0].field, "file",
            "{name}: the message is about the file"
        );
        assert_eq!(
            before,
            snapshot(&db),
            "{name}: nothing already saved changed"
        );
        let jobs: i64 = db
            .conn()
            .query_row("SELECT count(*) FROM import_job", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            jobs, 0,
            "{name}: a file refused before reading records no import job"
        );
    }
}

#[test]
fn megabyte_cells_reject_their_rows_with_a_reason_and_the_rest_imports() {
    // A huge notes cell loses its field, with a warning; a huge address cell loses its row.
    let (db, list_id) = saved_branch();
    let before = snapshot(&db);
    let report =
        run(&db, list_id, "huge-cells.csv", &fixture("huge-cells.csv")).expect("the file is read");
    assert_eq!(
        (report.imported, report.rejected, report.warnings),
        (2, 1, 1),
        "the fine row and the huge notes' person import, the huge address is rejected"
    );
    let notes = report
        .entries
        .iter()
        .find(|e| e.line == 2)
        .expect("line 2 is reported");
    assert!(
        notes
            .warnings
            .iter()
            .any(|w| w.contains("“notes” cell is 1048576 characters long")),
        "the warning names the cell: {:?}",
        notes.warnings
    );
    let rejected: Vec<(u32, &str)> = report
        .entries
        .iter()
        .filter(|e| e.outcome == RowOutcome::Rejected)
        .map(|e| (e.line, e.detail.as_str()))
        .collect();
    assert_eq!(rejected[0].0, 4, "the huge address is on line 4");
    assert!(
        rejected[0].1.contains("“email” cell is 1048588 characters"),
        "the reason names the address cell: {}",
        rejected[0].1
    );
    assert!(
        report.entries.iter().all(|e| e.email.chars().count() <= 61),
        "a huge address is cut short in the report"
    );
    let kept: String = snapshot(&db)
        .lines()
        .filter(|l| l.contains("kept."))
        .collect();
    let kept_before: String = before.lines().filter(|l| l.contains("kept.")).collect();
    assert_eq!(kept, kept_before, "the people already saved are unchanged");
}

#[test]
fn mixed_line_endings_and_quoted_line_breaks_keep_their_line_numbers() {
    let (db, list_id) = saved_branch();
    let report = run(
        &db,
        list_id,
        "mixed.csv",
        &fixture("mixed-line-endings.csv"),
    )
    .expect("the file is read");
    assert_eq!(
        (report.imported, report.rejected),
        (5, 0),
        "CRLF, LF and CR rows all import"
    );
    let lines: Vec<(u32, &str)> = report
        .entries
        .iter()
        .map(|e| (e.line, e.email.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (2, "crlf.row@example.org"),
            (3, "lf.row@example.org"),
            (4, "cr.row@example.org"),
            (5, "quoted.row@example.org"),
            (7, "last.row@example.org"),
        ],
        "each row is reported at the line where it starts, the quoted line break counted"
    );
    let quoted = subscribers::find(&db, "quoted.row@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(
        quoted.name, "Quoted Row",
        "a line break inside a name becomes a space"
    );
}

#[test]
fn the_report_gives_every_row_its_line_and_reason() {
    let (db, list_id) = saved_branch();
    let report = run(
        &db,
        list_id,
        "signup-sheet.csv",
        &fixture("signup-sheet.csv"),
    )
    .unwrap();
    assert_eq!(report.rows, 7, "seven rows are read");
    assert_eq!(
        (report.imported, report.merged, report.rejected),
        (4, 0, 3),
        "four imported, three rejected"
    );
    let rejected: Vec<(u32, String)> = report
        .entries
        .iter()
        .filter(|e| e.outcome == RowOutcome::Rejected)
        .map(|e| (e.line, e.detail.clone()))
        .collect();
    assert_eq!(
        rejected[0],
        (
            4,
            "“not-an-address” is not an email address: it has no @.".into()
        ),
        "a bad address on line 4"
    );
    assert_eq!(
        rejected[1],
        (
            6,
            "Duplicate: the same address is on line 2 of this file.".into()
        ),
        "a duplicate (another case) on line 6"
    );
    assert_eq!(
        rejected[2],
        (8, "The email address is missing.".into()),
        "a missing address on line 8"
    );
    let csv_report = String::from_utf8(report.to_csv().unwrap()).unwrap();
    assert!(
        csv_report.starts_with("line,email,outcome,detail\n2,ana.alvarez@example.org,imported,"),
        "the saved report is CSV:\n{csv_report}"
    );
    assert_eq!(
        csv_report.lines().count(),
        8,
        "the saved report has a line per row plus the header"
    );
    let ben = subscribers::find(&db, "ben.brooks@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(
        ben.tags,
        vec!["volunteer", "student"],
        "tags in one cell are split"
    );
    assert_eq!(
        (
            ben.name.as_str(),
            ben.first_name.as_str(),
            ben.language.as_str()
        ),
        ("Ben Brooks", "Ben", "es"),
        "first and last names make the name"
    );
}

/// A file long enough to be read, checked and settled in several batches
/// at once: duplicates far apart, line breaks inside quoted cells and bad rows
/// keep their lines and reasons, in the file's order, and a second import of
/// the same file merges every address the first one imported.
#[test]
fn a_long_file_keeps_every_row_in_order_across_batches() {
    let (db, list_id) = saved_branch();
    let rows = 12_000;
    let mut csv = String::from("Email Address,First Name,Last Name,Notes\n");
    let mut line = 2u32;
    // What each row should come to: (line, address, outcome, detail).
    let mut want: Vec<(u32, String, RowOutcome, String)> = Vec::new();
    let mut first_line = std::collections::HashMap::new();
    for i in 0..rows {
        let (email, notes) = match i % 7 {
            // Every seventh row repeats (in capitals) the address of a row
            // about 4,500 rows before, in another batch.
            0 if i >= 4500 => (format!("PERSON{}@EXAMPLE.ORG", i - 4500 + 1), String::new()),
            3 => (
                format!("person{i}@example.org"),
                "\"two\nlines\"".to_owned(),
            ),
            5 if i % 5 == 0 => (format!("person{i}-at-example.org"), String::new()),
            _ => (format!("person{i}@example.org"), String::new()),
        };
        csv.push_str(&format!("{email},Ana,Evans {i},{notes}\n"));
        let key = email.to_lowercase();
        let (outcome, detail) = if !key.contains('@') {
            (
                RowOutcome::Rejected,
                format!("“{email}” is not an email address: it has no @."),
            )
        } else if let Some(first) = first_line.get(&key) {
            (
                RowOutcome::Rejected,
                format!("Duplicate: the same address is on line {first} of this file."),
            )
        } else {
            first_line.insert(key, line);
            (RowOutcome::Imported, String::new())
        };
        // The report shows an address as saved: its domain in lower case.
        let shown = match email.split_once('@') {
            Some((local, domain)) => format!("{local}@{}", domain.to_lowercase()),
            None => email,
        };
        want.push((line, shown, outcome, detail));
        line += if notes.is_empty() { 1 } else { 2 };
    }

    let report = run(&db, list_id, "long.csv", csv.as_bytes()).unwrap();
    let got: Vec<(u32, String, RowOutcome, String)> = report
        .entries
        .iter()
        .map(|e| (e.line, e.email.clone(), e.outcome, e.detail.clone()))
        .collect();
    assert_eq!(got.len(), want.len(), "every row is in the report");
    for (got, want) in got.iter().zip(&want) {
        assert_eq!(got, want, "each row, in the file's order");
    }
    let imported = want.iter().filter(|w| w.2 == RowOutcome::Imported).count() as u32;
    assert_eq!(
        (report.rows, report.imported, report.merged),
        (rows, imported, 0)
    );

    let again = run(&db, list_id, "long.csv", csv.as_bytes()).unwrap();
    assert_eq!(
        (again.imported, again.merged, again.rejected),
        (0, imported, rows - imported),
        "the same file again: every address is merged, the same rows rejected"
    );
    for (got, want) in again.entries.iter().zip(&want) {
        let outcome = if want.2 == RowOutcome::Imported {
            RowOutcome::Merged
        } else {
            RowOutcome::Rejected
        };
        assert_eq!(
            (got.line, got.outcome),
            (want.0, outcome),
            "row {} the second time",
            want.1
        );
    }
}

#[test]
fn mailchimp_action_network_and_spreadsheet_columns_are_recognized() {
    let mc = import::preview("mc.csv", &fixture("mailchimp-subscribed.csv")).unwrap();
    assert_eq!(
        mc.source_kind, "Mailchimp export",
        "Mailchimp's columns are recognized"
    );
    let mapped: Vec<(String, Field)> = mc
        .columns
        .iter()
        .filter(|c| c.field != Field::Ignore)
        .map(|c| (c.header.clone(), c.field))
        .collect();
    assert_eq!(
        mapped,
        vec![
            ("Email Address".into(), Field::Email),
            ("First Name".into(), Field::FirstName),
            ("Last Name".into(), Field::LastName),
            ("Phone Number".into(), Field::Phone),
            ("OPTIN_TIME".into(), Field::Evidence),
            ("OPTIN_IP".into(), Field::Evidence),
            ("CONFIRM_TIME".into(), Field::Evidence),
            ("CONFIRM_IP".into(), Field::Evidence),
            ("NOTES".into(), Field::Notes),
            ("TAGS".into(), Field::Tags),
        ],
        "Mailchimp's usual columns map to Handbill's fields"
    );
    let an = import::preview("an.csv", &fixture("action-network.csv")).unwrap();
    assert_eq!(
        an.source_kind, "Action Network export",
        "Action Network's columns are recognized"
    );
    let field = |p: &import::ImportPreview, h: &str| {
        p.columns.iter().find(|c| c.header == h).map(|c| c.field)
    };
    assert_eq!(
        field(&an, "zip_code"),
        Some(Field::PostalCode),
        "zip_code is the ZIP"
    );
    assert_eq!(
        field(&an, "can2_user_city"),
        Some(Field::City),
        "can2_user_city is the city"
    );
    assert_eq!(
        field(&an, "can2_subscription_status"),
        Some(Field::Status),
        "the subscription status is read"
    );

    let latin = import::preview("l.csv", &fixture("latin1-semicolon.csv")).unwrap();
    assert_eq!(
        (latin.encoding.as_str(), latin.delimiter.as_str()),
        ("Latin-1 (Windows-1252)", "semicolon"),
        "Latin-1 and semicolons are detected"
    );
    assert_eq!(
        field(&latin, "Correo"),
        Some(Field::Email),
        "a Spanish sheet's columns are recognized"
    );
    assert_eq!(
        latin.columns[1].samples[0], "Lucía",
        "Latin-1 accents are read right"
    );
    let bom = import::preview("b.csv", &fixture("utf8-bom-quoted-newlines.csv")).unwrap();
    assert_eq!(bom.encoding, "UTF-8 with BOM", "the BOM is recognized");
    assert_eq!(
        bom.columns[0].header, "email",
        "the BOM is not part of the first header"
    );
    assert_eq!(bom.rows, 2, "a quoted line break does not make another row");
}

#[test]
fn exports_of_other_tools_land_with_their_standing() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap().id;
    let mc = run(&db, list, "mc.csv", &fixture("mailchimp-subscribed.csv")).unwrap();
    assert_eq!(mc.imported, 3, "three Mailchimp subscribers land");
    let carmen = subscribers::find(&db, "carmen.cruz@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(
        carmen.email, "Carmen.Cruz@example.org",
        "the domain is lower-cased, the local part kept"
    );
    let ana = subscribers::find(&db, "ana.alvarez@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(
        ana.tags,
        vec!["Volunteer", "Spanish"],
        "Mailchimp's quoted tags are split"
    );

    let unsub = run(
        &db,
        list,
        "unsub.csv",
        &fixture("mailchimp-unsubscribed.csv"),
    )
    .unwrap();
    assert_eq!(
        unsub.merged, 1,
        "Mailchimp's unsubscribed export merges Ben"
    );
    let ben = subscribers::find(&db, "ben.brooks@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(
        subscribers::detail(&db, ben.id).unwrap().memberships[0].status,
        ConsentStatus::Unsubscribed,
        "Ben is now unsubscribed"
    );

    let an = run(&db, list, "an.csv", &fixture("action-network.csv")).unwrap();
    assert_eq!(an.imported, 3, "three Action Network people land");
    let standing = |email: &str| {
        let s = subscribers::find(&db, email).unwrap().unwrap();
        subscribers::detail(&db, s.id).unwrap().memberships[0].status
    };
    assert_eq!(
        standing("emeka.evans@example.org"),
        ConsentStatus::Unsubscribed,
        "unsubscribed in Action Network stays so"
    );
    assert_eq!(
        standing("farah.farouk@example.org"),
        ConsentStatus::Bounced,
        "bouncing in Action Network is bounced"
    );
    let dolores = subscribers::find(&db, "dolores.nunez@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(
        (dolores.city.as_str(), dolores.postal_code.as_str()),
        ("Chelsea", "02150"),
        "city and ZIP land"
    );
    assert_eq!(
        lists::reach(&db, list, &SegmentFilter::default()).unwrap(),
        3,
        "Ana, Carmen and Dolores are reached"
    );

    let latin = run(&db, list, "l.csv", &fixture("latin1-semicolon.csv")).unwrap();
    assert_eq!(latin.imported, 2, "the Latin-1 sheet lands");
    let lucia = subscribers::find(&db, "lucia.lopes@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(
        (lucia.name.as_str(), lucia.language.as_str()),
        ("Lucía Lopes", "es"),
        "accents and the language name are read"
    );
    let bom = run(&db, list, "b.csv", &fixture("utf8-bom-quoted-newlines.csv")).unwrap();
    assert_eq!(bom.imported, 2, "the BOM sheet lands");
    let gabriel = subscribers::find(&db, "gabriel.gomes@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(
        gabriel.notes, "Met at the rally.\r\nWants to help with flyers.",
        "notes keep their line break"
    );
}

#[test]
fn a_merge_fills_in_empty_fields_and_never_overwrites() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap().id;
    run(
        &db,
        list,
        "a.csv",
        b"email,name,city,tags\nana@example.org,Ana Alvarez,,volunteer\n",
    )
    .unwrap();
    let report = run(
        &db,
        list,
        "b.csv",
        b"email,name,city,tags\nANA@example.org,Someone Else,Boston,student\n",
    )
    .unwrap();
    assert_eq!(report.merged, 1, "the second file merges Ana");
    assert_eq!(
        report.entries[0].detail, "Already a subscriber; filled in city, tags.",
        "the report says what was filled in"
    );
    let ana = subscribers::find(&db, "ana@example.org").unwrap().unwrap();
    assert_eq!(
        ana.name, "Ana Alvarez",
        "a name already there is not overwritten"
    );
    assert_eq!(ana.city, "Boston", "an empty city is filled in");
    assert_eq!(
        ana.tags,
        vec!["volunteer", "student"],
        "tags are added to, not replaced"
    );
}

#[test]
fn a_cancelled_or_dry_run_import_writes_nothing_and_a_finished_one_is_recorded() {
    let (db, list_id) = saved_branch();
    let before = snapshot(&db);
    let mut big = String::from("email,name\n");
    for i in 0..5000 {
        big.push_str(&format!("person{i}@example.org,Person {i}\n"));
    }
    let cancel = AtomicBool::new(false);
    let mut seen = Vec::new();
    let report = import::run(
        &db,
        "big.csv",
        big.as_bytes(),
        &ImportOptions {
            list_id,
            mapping: Vec::new(),
            dry_run: false,
        },
        &mut |p| {
            seen.push(p.rows_done);
            if p.rows_done >= 2000 {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        },
        &cancel,
    )
    .unwrap();
    assert_eq!(
        report.state,
        ImportState::Cancelled,
        "the import stops when cancelled"
    );
    assert!(
        seen.contains(&2000) && !seen.contains(&5000),
        "progress came in steps and stopped early: {seen:?}"
    );
    assert_eq!(
        before,
        snapshot(&db),
        "a cancelled import leaves nothing behind: it was one transaction"
    );

    let dry = import::run(
        &db,
        "big.csv",
        big.as_bytes(),
        &ImportOptions {
            list_id,
            mapping: Vec::new(),
            dry_run: true,
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(
        (dry.state, dry.imported),
        (ImportState::DryRun, 5000),
        "a dry run reports what would happen"
    );
    assert_eq!(before, snapshot(&db), "a dry run writes nothing");

    let done = run(&db, list_id, "big.csv", big.as_bytes()).unwrap();
    assert_eq!(done.imported, 5000, "the real import lands whole");
    let jobs = import::jobs(&db, 10).unwrap();
    let states: Vec<&str> = jobs.iter().map(|j| j.state.as_str()).collect();
    assert_eq!(
        states,
        vec!["done", "cancelled"],
        "each import is recorded with how it ended (newest first)"
    );
    assert_eq!(jobs[0].imported, 5000, "the record holds the counts");
}

#[test]
fn a_chosen_mapping_overrides_the_recognized_one_and_is_checked() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap().id;
    let bytes = b"contact,where\nana@example.org,Boston\n";
    let preview = import::preview("x.csv", bytes).unwrap();
    assert!(
        preview
            .notices
            .iter()
            .any(|n| n.contains("No header names the email addresses; the column “contact” holds them")),
        "the preview says no header names the addresses and proposes the column that holds them: {:?}",
        preview.notices
    );
    let none = import::run(
        &db,
        "x.csv",
        bytes,
        &ImportOptions {
            list_id: list,
            mapping: vec![Field::Ignore, Field::City],
            dry_run: false,
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect_err("without an email column nothing is imported");
    assert!(
        none.message
            .contains("Choose which column holds the email addresses"),
        "the message says what to do: {}",
        none.message
    );
    let twice = import::run(
        &db,
        "x.csv",
        bytes,
        &ImportOptions {
            list_id: list,
            mapping: vec![Field::Email, Field::Email],
            dry_run: false,
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect_err("two email columns are refused");
    assert!(
        twice
            .message
            .contains("Two columns are set to the same field"),
        "the message says why: {}",
        twice.message
    );
    let chosen = import::run(
        &db,
        "x.csv",
        bytes,
        &ImportOptions {
            list_id: list,
            mapping: vec![Field::Email, Field::City],
            dry_run: false,
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(chosen.imported, 1, "with the chosen mapping the row lands");
    assert_eq!(
        subscribers::find(&db, "ana@example.org")
            .unwrap()
            .unwrap()
            .city,
        "Boston",
        "the chosen city column is used"
    );
}

#[test]
fn a_bare_column_of_addresses_needs_no_header() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap().id;
    let report = run(
        &db,
        list,
        "paste.csv",
        b"ana@example.org\nben@example.org\n",
    )
    .unwrap();
    assert_eq!(
        report.imported, 2,
        "both addresses land, the first line included"
    );
    assert_eq!(report.entries[0].line, 1, "the first address is line 1");
}

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z]{1,8}@example\\.org",
        "[A-Za-z]{1,6}@[a-z]{1,5}",
        "[ -~]{0,12}",
        "\"[^\"]{0,10}\"",
        "[=+@-][A-Za-z0-9(),]{0,8}",
        "[\\u{80}-\\u{2FF}]{0,6}",
        "[\r\n;,\"]{1,3}",
    ]
}

fn csv_text() -> impl Strategy<Value = Vec<u8>> {
    let header = prop::collection::vec(
        prop_oneof![
            Just("email".to_owned()),
            Just("name".to_owned()),
            Just("city".to_owned()),
            Just("tags".to_owned()),
            Just("status".to_owned()),
            "[a-z]{0,6}"
        ],
        0..6,
    );
    let rows = prop::collection::vec(prop::collection::vec(cell(), 0..7), 0..12);
    let sep = prop_oneof![Just(","), Just(";"), Just("\t")];
    let end = prop_oneof![Just("\n"), Just("\r\n"), Just("\r")];
    (header, rows, sep, end, any::<bool>()).prop_map(|(h, rows, sep, end, bom)| {
        let mut text = if bom {
            "\u{feff}".to_owned()
        } else {
            String::new()
        };
        text.push_str(&h.join(sep));
        text.push_str(end);
        for r in rows {
            text.push_str(&r.join(sep));
            text.push_str(end);
        }
        text.into_bytes()
    })
}

proptest! {
    // Bounded: a few hundred cases, each a small file, in a few seconds.
    #![proptest_config(ProptestConfig { cases: 300, max_shrink_iters: 200, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever the file, the import either refuses it with an input error and
    /// changes nothing, or accounts for every row, and never panics.
    #[test]
    fn any_file_is_refused_cleanly_or_every_row_is_accounted_for(bytes in prop_oneof![csv_text(), prop::collection::vec(any::<u8>(), 0..400)]) {
        let (db, list_id) = saved_branch();
        let before = snapshot(&db);
        match run(&db, list_id, "fuzz.csv", &bytes) {
            Err(e) => {
                prop_assert_eq!(e.code, ErrorCode::Invalid, "a refusal is an input error: {}", e.message);
                prop_assert!(!e.message.is_empty(), "a refusal says why");
                prop_assert_eq!(before, snapshot(&db), "a refused file changes nothing");
            }
            Ok(report) => {
                prop_assert_eq!(report.imported + report.merged + report.rejected, report.rows, "every row is imported, merged or rejected");
                prop_assert_eq!(report.entries.len() as u32, report.rows, "the report has a line per row");
                for e in report.entries.iter().filter(|e| e.outcome == RowOutcome::Rejected) {
                    prop_assert!(!e.detail.is_empty(), "a rejected row has a reason (line {})", e.line);
                }
                let kept = subscribers::find(&db, "kept.two@example.org").unwrap().unwrap();
                prop_assert_eq!(
                    subscribers::detail(&db, kept.id).unwrap().memberships[0].status,
                    ConsentStatus::Unsubscribed,
                    "the unsubscribed person stays unsubscribed"
                );
            }
        }
    }
}
