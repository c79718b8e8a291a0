//! Someone who left one list only comes back to it, as someone who left the
//! whole branch does, only with a newer opt-in that carries its evidence: a
//! form's dated yes newer than their leaving. An older yes, or a yes with no
//! date, leaves them off that list.

use std::sync::atomic::AtomicBool;

use handbill_core::mail::announcements::store;
use handbill_core::mail::import::{self, ImportOptions, ImportReport};
use handbill_core::mail::lists;
use handbill_core::mail::subscribers::{self, UnsubscribeRequest};
use handbill_core::Database;

fn import_text(db: &Database, list_id: i64, text: &str) -> ImportReport {
    import::run(
        db,
        "form.csv",
        text.as_bytes(),
        &ImportOptions {
            list_id,
            mapping: Vec::new(),
            dry_run: false,
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap_or_else(|e| panic!("the form imports: {}", e.message))
}

fn on_list(db: &Database, list_id: i64, email: &str) -> bool {
    // The addresses an announcement to the list would be queued for.
    store::recipients(db, list_id, "")
        .unwrap()
        .iter()
        .any(|r| r.email == email)
}

fn detail<'r>(report: &'r ImportReport, email: &str) -> &'r str {
    &report
        .entries
        .iter()
        .find(|e| e.email == email)
        .unwrap_or_else(|| panic!("{email} is in the report"))
        .detail
}

fn leave_only(db: &Database, list_id: i64, email: &str) {
    subscribers::unsubscribe(
        db,
        &UnsubscribeRequest {
            text: format!("From: {email}"),
            list_id: Some(list_id),
            only_this_list: true,
            source: "pasted reply".into(),
        },
    )
    .unwrap();
}

const HEADER: &str = "email,Timestamp,Can we email you?\n";

#[test]
fn a_subscriber_who_left_one_list_returns_to_it_only_with_a_newer_dated_yes() {
    let db = Database::open_in_memory().unwrap();
    let study = lists::create(&db, "Study group").unwrap().id;
    let news = lists::create(&db, "Announcements").unwrap().id;
    for list in [study, news] {
        import_text(&db, list, "email\nana@example.org\n");
    }
    leave_only(&db, study, "ana@example.org");
    assert!(!on_list(&db, study, "ana@example.org"));
    assert!(on_list(&db, news, "ana@example.org"));

    let older = import_text(
        &db,
        study,
        &format!("{HEADER}ana@example.org,2001-01-01 00:00:00,Yes\n"),
    );
    assert!(
        !on_list(&db, study, "ana@example.org"),
        "a yes older than her leaving does not bring Ana back: {}",
        detail(&older, "ana@example.org")
    );
    assert_eq!(older.kept_off, 1, "the report counts her as kept off");

    let undated = import_text(&db, study, "email,Can we email you?\nana@example.org,Yes\n");
    assert!(
        !on_list(&db, study, "ana@example.org"),
        "a yes with no date proves nothing newer: {}",
        detail(&undated, "ana@example.org")
    );

    let newer = import_text(
        &db,
        study,
        &format!("{HEADER}ana@example.org,2099-01-01 00:00:00,Yes\n"),
    );
    assert!(
        detail(&newer, "ana@example.org").contains("Opted in again"),
        "the report says why she is back: {}",
        detail(&newer, "ana@example.org")
    );
    assert!(
        on_list(&db, study, "ana@example.org"),
        "Ana is back on the study group"
    );
    let ana = subscribers::find(&db, "ana@example.org").unwrap().unwrap();
    let line = subscribers::detail(&db, ana.id)
        .unwrap()
        .ledger
        .pop()
        .unwrap();
    assert!(
        line.status == "subscribed"
            && line.evidence.contains("2099-01-01")
            && line.evidence.contains("form.csv, line 2"),
        "the ledger keeps the dated yes, the file and the line: {line:#?}"
    );
}

#[test]
fn a_stranger_who_left_one_list_is_added_to_it_only_with_a_newer_dated_yes() {
    let db = Database::open_in_memory().unwrap();
    let study = lists::create(&db, "Study group").unwrap().id;
    // Ben is in no list yet: the ledger remembers his asking to leave this one.
    leave_only(&db, study, "ben@example.org");
    let older = import_text(
        &db,
        study,
        &format!("{HEADER}ben@example.org,2001-01-01 00:00:00,Yes\n"),
    );
    assert!(
        !on_list(&db, study, "ben@example.org"),
        "an older yes does not put Ben on the list he left: {}",
        detail(&older, "ben@example.org")
    );
    assert_eq!(older.kept_off, 1);

    let db = Database::open_in_memory().unwrap();
    let study = lists::create(&db, "Study group").unwrap().id;
    leave_only(&db, study, "ben@example.org");
    let newer = import_text(
        &db,
        study,
        &format!("{HEADER}ben@example.org,2099-01-01 00:00:00,Yes\n"),
    );
    assert!(
        on_list(&db, study, "ben@example.org"),
        "a newer dated yes puts him on it: {}",
        detail(&newer, "ben@example.org")
    );
    assert!(detail(&newer, "ben@example.org").contains("Opted in again"));
}
