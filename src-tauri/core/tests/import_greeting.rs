//! A sign-up sheet with a single "Name" column: each person's first name is
//! the first word of it, and the import preview shows the greeting each of
//! the first people will get ("Dear Ana,"; "Dear friend," with no name;
//! none for a row whose address the import refuses).

use std::sync::atomic::AtomicBool;

use handbill_core::mail::announcements::templates;
use handbill_core::mail::import::{self, ImportOptions};
use handbill_core::mail::lists;
use handbill_core::Database;

const SHEET: &str = "Name,Email\nAna María Alvarez,ana@example.org\n  ,nobody.named@example.org\nNot Taken,bad-address\nBen Brooks,ben@example.org\n";

#[test]
fn the_preview_shows_the_greeting_each_person_will_get() {
    let preview = import::preview("sheet.csv", SHEET.as_bytes()).expect("the sheet is read");
    let shown: Vec<(&str, &str)> = preview
        .greetings
        .iter()
        .map(|g| (g.email.as_str(), g.greeting.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            ("ana@example.org", "Dear Ana,"),
            ("nobody.named@example.org", "Dear friend,"),
            ("ben@example.org", "Dear Ben,"),
        ]
    );
    assert_eq!(preview.greetings[0].name, "Ana María Alvarez");
}

#[test]
fn the_preview_shows_at_most_five_greetings_and_none_without_an_email_column() {
    let many: String = std::iter::once("Name,Email\n".to_owned())
        .chain((0..50).map(|i| format!("Person {i},p{i}@example.org\n")))
        .collect();
    let preview = import::preview("many.csv", many.as_bytes()).unwrap();
    assert_eq!(preview.greetings.len(), 5);
    let no_email = import::preview("names.csv", b"Name,Town\nAna,Boston\n").unwrap();
    assert!(
        no_email.greetings.is_empty(),
        "no greeting is guessed without an address"
    );
}

#[test]
fn the_greeting_is_the_templates_greeting() {
    assert_eq!(templates::greeting("Ana"), "Dear Ana,");
    assert_eq!(templates::greeting("   "), "Dear friend,");
    assert_eq!(
        templates::greeting("Ana\nEvil: header"),
        "Dear Ana Evil: header,",
        "one line"
    );
}

#[test]
fn an_imported_single_name_column_gives_the_first_name() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Sign-up sheet").unwrap();
    import::run(
        &db,
        "sheet.csv",
        SHEET.as_bytes(),
        &ImportOptions {
            list_id: list.id,
            mapping: Vec::new(),
            dry_run: false,
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("the sheet is imported");
    let first: String = db
        .conn()
        .query_row(
            "SELECT first_name FROM subscriber WHERE email = 'ana@example.org'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(first, "Ana");
}
