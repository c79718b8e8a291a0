//! Consent that holds everywhere (issue 15), against real SQLite databases and
//! the export files of real tools under `tests/fixtures/consent/`: Mailchimp's
//! four audience files, Action Network's activist export, a Google Forms
//! sign-up with a consent question, Excel sheets saved on Windows in
//! Windows-1252 with semicolons and Spanish or French headers. It proves that
//! an opt-out on any list keeps the person off every list (lists made later and
//! imports into any list included), that only a newer opt-in with evidence
//! brings them back and the ledger keeps that evidence, that "this list only"
//! stays possible, that imports read what a file means, and (a property test)
//! that no sequence of imports, pastes, bounces and opt-ins ever gets an
//! opted-out person queued for a message.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::mail::announcements::store::{self, AnnouncementInput};
use handbill_core::mail::announcements::Template;
use handbill_core::mail::export::{self, ExportOptions};
use handbill_core::mail::import::{self, Field, ImportOptions, ImportReport, RowOutcome};
use handbill_core::mail::lists::{self, SegmentFilter};
use handbill_core::mail::subscribers::{
    self, ConsentStatus, OptIn, OptOutScope, StandingChange, SubscriberInput, UnsubscribeRequest,
};
use handbill_core::Database;
use proptest::prelude::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/consent")
        .join(name);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("the fixture {} is readable: {e}", path.display()))
}

const SUBSCRIBED: &str = "subscribed_members_export_4f2a9c1b7e.csv";
const UNSUBSCRIBED: &str = "unsubscribed_members_export_4f2a9c1b7e.csv";
const CLEANED: &str = "cleaned_members_export_4f2a9c1b7e.csv";
const NONSUBSCRIBED: &str = "nonsubscribed_members_export_4f2a9c1b7e.csv";

fn import_bytes(db: &Database, list_id: i64, name: &str, bytes: &[u8]) -> ImportReport {
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
    .unwrap_or_else(|e| panic!("{name} imports: {}", e.message))
}

fn import_fixture(db: &Database, list_id: i64, name: &str) -> ImportReport {
    import_bytes(db, list_id, name, &fixture(name))
}

fn reach(db: &Database, list_id: i64) -> u32 {
    lists::reach(db, list_id, &SegmentFilter::default()).unwrap()
}

/// The addresses an announcement to the list would be queued for.
fn recipients(db: &Database, list_id: i64) -> BTreeSet<String> {
    store::recipients(db, list_id, "")
        .unwrap()
        .into_iter()
        .map(|r| r.email.to_lowercase())
        .collect()
}

fn standing(db: &Database, email: &str, list_id: i64) -> Option<ConsentStatus> {
    let s = subscribers::find(db, email).unwrap()?;
    subscribers::detail(db, s.id)
        .unwrap()
        .memberships
        .into_iter()
        .find(|m| m.list_id == list_id)
        .map(|m| m.status)
}

fn entry<'r>(report: &'r ImportReport, email: &str) -> &'r import::ReportRow {
    report
        .entries
        .iter()
        .find(|e| e.email.eq_ignore_ascii_case(email))
        .unwrap_or_else(|| panic!("{email} is in the report: {:#?}", report.entries))
}

/// Mailchimp's four files into "Announcements", as a branch moving off Mailchimp does.
fn branch_from_mailchimp() -> (Database, i64) {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap().id;
    for file in [SUBSCRIBED, UNSUBSCRIBED, CLEANED, NONSUBSCRIBED] {
        import_fixture(&db, list, file);
    }
    (db, list)
}

#[test]
fn mailchimps_four_files_are_read_as_what_they_mean_with_their_proof_in_the_ledger() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap().id;

    let subscribed = import_fixture(&db, list, SUBSCRIBED);
    assert_eq!(
        subscribed.imported, 4,
        "the subscribed file's four people are imported"
    );
    let ana = subscribers::find(&db, "ana.alvarez@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(
        ana.tags,
        vec!["May Day, 2024".to_owned(), "Volunteer".to_owned()],
        "Mailchimp's TAGS cell is read as Mailchimp writes it: a quoted tag keeps its comma"
    );
    let ledger = subscribers::detail(&db, ana.id).unwrap().ledger;
    let evidence = &ledger[0].evidence;
    for proof in [
        SUBSCRIBED,
        "line 2",
        "OPTIN_TIME: 2023-03-04 18:22:10",
        "OPTIN_IP: 203.0.113.10",
        "CONFIRM_TIME: 2023-03-04 18:25:41",
        "CONFIRM_IP: 203.0.113.10",
    ] {
        assert!(
            evidence.contains(proof),
            "the ledger's evidence keeps {proof}: {evidence}"
        );
    }

    let unsubscribed = import_fixture(&db, list, UNSUBSCRIBED);
    assert_eq!(
        (unsubscribed.imported, unsubscribed.merged),
        (1, 1),
        "Frank is new and Ben is merged from the unsubscribed file"
    );
    assert_eq!(
        standing(&db, "ben.brooks@example.org", list),
        Some(ConsentStatus::Unsubscribed),
        "Ben is unsubscribed as the file says"
    );
    let ben = subscribers::find(&db, "ben.brooks@example.org")
        .unwrap()
        .unwrap();
    let last = subscribers::detail(&db, ben.id)
        .unwrap()
        .ledger
        .pop()
        .unwrap();
    assert!(
        last.evidence.contains("UNSUB_TIME: 2024-03-01 09:14:00")
            && last
                .evidence
                .contains("UNSUB_CAMPAIGN_TITLE: March newsletter"),
        "the unsubscribe time and campaign are kept: {}",
        last.evidence
    );
    let since = subscribers::suppression(&db, "ben.brooks@example.org")
        .unwrap()
        .unwrap()
        .since;
    assert_eq!(
        since, "2024-03-01T09:14:00Z",
        "the opt-out dates from UNSUB_TIME"
    );

    import_fixture(&db, list, CLEANED);
    assert_eq!(
        standing(&db, "carmen.cruz@example.org", list),
        Some(ConsentStatus::Cleaned),
        "Carmen is cleaned as the cleaned file says"
    );

    let nonsubscribed = import_fixture(&db, list, NONSUBSCRIBED);
    assert_eq!(
        (nonsubscribed.imported, nonsubscribed.not_subscribed),
        (1, 1),
        "Emil, who never opted in, is imported but not subscribed"
    );
    assert_eq!(
        standing(&db, "emil.eze@example.org", list),
        None,
        "a nonsubscribed person is not put on the list at all"
    );
    assert_eq!(
        recipients(&db, list),
        BTreeSet::from([
            "ana.alvarez@example.org".to_owned(),
            "dolores.nunez@example.org".to_owned()
        ]),
        "only the two still subscribed would be mailed"
    );
    let preview = import::preview(NONSUBSCRIBED, &fixture(NONSUBSCRIBED)).unwrap();
    assert_eq!(
        preview.default_status, None,
        "the preview says nonsubscribed rows are not subscribed"
    );
}

#[test]
fn an_action_network_import_into_a_second_list_keeps_people_who_left_the_first_off() {
    let (db, announcements) = branch_from_mailchimp();
    let organizing = lists::create(&db, "Organizing").unwrap().id;
    let report = import_fixture(&db, organizing, "action-network-activists.csv");
    assert_eq!(
        report.kept_off, 2,
        "Ben (unsubscribed) and Carmen (cleaned) are kept off: {report:#?}"
    );
    assert!(
        entry(&report, "ben.brooks@example.org")
            .detail
            .contains("stays off every list"),
        "the report says why Ben stays off: {}",
        entry(&report, "ben.brooks@example.org").detail
    );
    assert_eq!(
        standing(&db, "ben.brooks@example.org", organizing),
        Some(ConsentStatus::Unsubscribed),
        "Ben is on the second list only as unsubscribed"
    );
    assert_eq!(
        recipients(&db, organizing),
        BTreeSet::from(["gloria.gomez@example.org".to_owned()]),
        "of the file, only Gloria is mailed: Hugo bounces and Ines unsubscribed"
    );
    assert!(
        subscribers::suppression(&db, "hugo.hall@example.org")
            .unwrap()
            .is_some(),
        "Action Network's 'bouncing' is a branch-wide opt-out"
    );
    // Ines unsubscribed in Action Network: she is off the first list too when she turns up there.
    import_bytes(
        &db,
        announcements,
        "sheet.csv",
        b"email\nines.ito@example.org\n",
    );
    assert!(
        !recipients(&db, announcements).contains("ines.ito@example.org"),
        "an opt-out read from one list's file keeps the person off every list"
    );

    let later = lists::create(&db, "Made later").unwrap().id;
    assert_eq!(reach(&db, later), 0, "a new list starts empty");
    let again = import_fixture(&db, later, "action-network-activists.csv");
    assert_eq!(
        again.kept_off, 2,
        "the list made later keeps Ben and Carmen off too"
    );
    assert_eq!(
        recipients(&db, later),
        BTreeSet::from(["gloria.gomez@example.org".to_owned()]),
        "nobody opted out is mailed from a list made after their opt-out"
    );
    let list = lists::get(&db, later).unwrap();
    assert_eq!(list.subscribed, 1, "the list's count agrees with its reach");
    let (csv, rows) = export::to_csv(
        &db,
        &ExportOptions {
            list_id: later,
            filter: SegmentFilter::default(),
            include_all: false,
        },
    )
    .unwrap();
    assert_eq!(rows, 1, "an export for mailing holds only Gloria");
    assert!(
        !String::from_utf8(csv).unwrap().contains("ben.brooks"),
        "an opted-out person is never exported for mailing"
    );
}

#[test]
fn a_pasted_opt_out_of_a_stranger_covers_lists_made_after_it() {
    let db = Database::open_in_memory().unwrap();
    let first = lists::create(&db, "Announcements").unwrap().id;
    let report = subscribers::unsubscribe_addresses(
        &db,
        "Please remove zoe@example.org",
        Some(first),
        "reply",
    )
    .unwrap();
    assert_eq!(
        report.not_subscribers,
        vec!["zoe@example.org"],
        "Zoe is not a subscriber yet"
    );
    let later = lists::create(&db, "Volunteers").unwrap().id;
    let import = import_bytes(
        &db,
        later,
        "volunteers.csv",
        b"email,name\nzoe@example.org,Zoe\nyuri@example.org,Yuri\n",
    );
    assert_eq!(
        import.kept_off, 1,
        "Zoe is kept off the list made after her opt-out"
    );
    assert_eq!(
        recipients(&db, later),
        BTreeSet::from(["yuri@example.org".to_owned()]),
        "only Yuri would be mailed"
    );
    let zoe = subscribers::find(&db, "zoe@example.org").unwrap().unwrap();
    let ledger = subscribers::detail(&db, zoe.id).unwrap().ledger;
    assert!(
        ledger[0].branch_wide && ledger[0].list_name == "Every list",
        "the pasted opt-out is one ledger line for every list: {ledger:#?}"
    );
    let added = subscribers::add(
        &db,
        SubscriberInput {
            email: "ZOE@example.org".into(),
            ..Default::default()
        },
        None,
        "test",
    );
    assert!(
        added.is_err(),
        "Zoe is already a subscriber (kept off), not a new one"
    );
}

#[test]
fn an_opt_out_for_this_list_only_leaves_the_other_lists_alone() {
    let db = Database::open_in_memory().unwrap();
    let a = lists::create(&db, "Announcements").unwrap().id;
    let b = lists::create(&db, "Study group").unwrap().id;
    for list in [a, b] {
        import_bytes(
            &db,
            list,
            "sheet.csv",
            b"email\nana@example.org\nben@example.org\n",
        );
    }
    subscribers::unsubscribe(
        &db,
        &UnsubscribeRequest {
            text: "ana@example.org".into(),
            list_id: Some(a),
            only_this_list: true,
            source: "asked to leave the announcements only".into(),
        },
    )
    .unwrap();
    assert!(
        !recipients(&db, a).contains("ana@example.org"),
        "Ana leaves the list she named"
    );
    assert!(
        recipients(&db, b).contains("ana@example.org"),
        "Ana stays on the study group, as she asked"
    );
    assert!(
        subscribers::suppression(&db, "ana@example.org")
            .unwrap()
            .is_none(),
        "no branch-wide opt-out is recorded"
    );
    import_bytes(&db, a, "sheet.csv", b"email\nana@example.org\n");
    assert!(
        !recipients(&db, a).contains("ana@example.org"),
        "a re-import does not put her back on the list she left"
    );

    // The same through the window's request: Ben leaves the study group only.
    let ben = subscribers::find(&db, "ben@example.org").unwrap().unwrap();
    subscribers::change(
        &db,
        &StandingChange {
            subscriber_id: ben.id,
            list_id: b,
            status: ConsentStatus::Unsubscribed,
            scope: OptOutScope::OnlyThisList,
            evidence: String::new(),
        },
        "Unsubscribed in the window",
    )
    .unwrap();
    assert!(
        recipients(&db, a).contains("ben@example.org"),
        "Ben stays on the announcements"
    );
    // And the rule: leaving without saying "only" covers every list.
    subscribers::change(
        &db,
        &StandingChange {
            subscriber_id: ben.id,
            list_id: a,
            status: ConsentStatus::Unsubscribed,
            scope: OptOutScope::Branch,
            evidence: String::new(),
        },
        "Unsubscribed in the window",
    )
    .unwrap();
    assert!(
        subscribers::suppression(&db, "ben@example.org")
            .unwrap()
            .is_some(),
        "a plain unsubscribe is branch-wide"
    );
}

#[test]
fn only_a_newer_opt_in_with_evidence_brings_someone_back_and_the_ledger_keeps_it() {
    let (db, announcements) = branch_from_mailchimp();
    let organizing = lists::create(&db, "Organizing").unwrap().id;
    let form = import_fixture(&db, organizing, "google-form-signup.csv");
    // Ben unsubscribed on 2024-03-01 and said yes on the form on 2025-06-02.
    assert!(
        entry(&form, "ben.brooks@example.org")
            .detail
            .contains("Opted in again"),
        "Ben's newer dated yes brings him back: {}",
        entry(&form, "ben.brooks@example.org").detail
    );
    assert!(
        recipients(&db, organizing).contains("ben.brooks@example.org"),
        "Ben is mailed on the list he signed up for"
    );
    assert!(
        !recipients(&db, announcements).contains("ben.brooks@example.org"),
        "his other list keeps the standing it had: he asked for this one"
    );
    let ben = subscribers::find(&db, "ben.brooks@example.org")
        .unwrap()
        .unwrap();
    let back = subscribers::detail(&db, ben.id)
        .unwrap()
        .ledger
        .pop()
        .unwrap();
    assert!(
        back.status == "subscribed"
            && back.evidence.contains("Timestamp: 6/2/2025 09:15:00")
            && back
                .evidence
                .contains("Can we email you about upcoming actions?: Yes, please")
            && back.evidence.contains("google-form-signup.csv, line 5"),
        "the ledger keeps the form's answer, its date, the file and the line: {back:#?}"
    );
    // Frank unsubscribed on 2022-08-09; his yes on the form is from before.
    assert!(
        !recipients(&db, organizing).contains("frank.ferreira@example.org"),
        "an older yes does not bring Frank back"
    );
    assert_eq!(
        subscribers::suppression(&db, "frank.ferreira@example.org")
            .unwrap()
            .map(|s| s.status),
        Some(ConsentStatus::Unsubscribed),
        "Frank's opt-out stands"
    );

    // By hand: no evidence, no return; with it, the ledger keeps it.
    let refused = subscribers::change(
        &db,
        &StandingChange {
            subscriber_id: ben.id,
            list_id: announcements,
            status: ConsentStatus::Subscribed,
            scope: OptOutScope::Branch,
            evidence: " ".into(),
        },
        "window",
    )
    .expect_err("no evidence, no return");
    assert_eq!(
        refused.fields[0].field, "evidence",
        "the missing evidence is named"
    );
    subscribers::opt_in(
        &db,
        &OptIn {
            email: "frank.ferreira@example.org".into(),
            list_id: announcements,
            evidence: "Asked by phone on 3 June".into(),
        },
        "Opted in again",
    )
    .unwrap();
    assert!(
        recipients(&db, announcements).contains("frank.ferreira@example.org"),
        "Frank's spoken request, noted, brings him back"
    );
    let frank = subscribers::find(&db, "frank.ferreira@example.org")
        .unwrap()
        .unwrap();
    let line = subscribers::detail(&db, frank.id)
        .unwrap()
        .ledger
        .pop()
        .unwrap();
    assert_eq!(
        line.evidence, "Asked by phone on 3 June",
        "the organizer's note is the evidence"
    );
}

#[test]
fn a_consent_column_is_read_and_the_preview_says_how() {
    let preview =
        import::preview("google-form-signup.csv", &fixture("google-form-signup.csv")).unwrap();
    let column = |header: &str| preview.columns.iter().find(|c| c.header == header).unwrap();
    let consent = column("Can we email you about upcoming actions?");
    assert_eq!(
        consent.field,
        Field::Consent,
        "the form's question is a consent column"
    );
    for reading in [
        "“Yes” → subscribed",
        "“No” → unsubscribed",
        "blank → not subscribed",
        "“Yes, please” → subscribed",
    ] {
        assert!(
            consent.reading.contains(reading),
            "the preview says {reading}: {}",
            consent.reading
        );
    }
    assert_eq!(
        column("Timestamp").field,
        Field::Evidence,
        "the form's timestamp is evidence"
    );
    assert!(
        column("Timestamp").reading.contains("date of the opt-in"),
        "the preview says the timestamp dates the opt-in"
    );

    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap().id;
    let report = import_fixture(&db, list, "google-form-signup.csv");
    assert_eq!(
        standing(&db, "jamal.jones@example.org", list),
        Some(ConsentStatus::Subscribed),
        "yes subscribes Jamal"
    );
    assert_eq!(
        standing(&db, "kim.kwan@example.org", list),
        Some(ConsentStatus::Unsubscribed),
        "no unsubscribes Kim"
    );
    assert_eq!(
        standing(&db, "lena.lopez@example.org", list),
        None,
        "a blank answer leaves Lena off the list"
    );
    assert_eq!(
        report.not_subscribed, 1,
        "the report counts Lena as not subscribed"
    );
    let lena = entry(&report, "lena.lopez@example.org");
    assert!(
        lena.warnings
            .iter()
            .any(|w| w.contains("“2150”") && w.contains("leading zero")),
        "Lena's four-digit ZIP is flagged: {:?}",
        lena.warnings
    );
    let mo = entry(&report, "mo.mansour@example.org");
    assert_eq!(
        mo.outcome,
        RowOutcome::Imported,
        "Mo is imported although his language cannot be read"
    );
    assert!(
        mo.warnings.iter().any(|w| w.contains("Español/English")),
        "the unreadable language is dropped with a warning: {:?}",
        mo.warnings
    );
    let jamal = subscribers::find(&db, "jamal.jones@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(
        jamal.first_name, "Jamal",
        "a full name with no first name still gives a greeting"
    );
}

#[test]
fn one_file_naming_someone_twice_keeps_the_most_restrictive_standing() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap().id;
    let report = import_fixture(&db, list, "twice.csv");
    assert_eq!(
        standing(&db, "uma.upton@example.org", list),
        Some(ConsentStatus::Unsubscribed),
        "Uma's later unsubscribed row wins"
    );
    assert_eq!(
        standing(&db, "vic.vance@example.org", list),
        Some(ConsentStatus::Unsubscribed),
        "Vic's later subscribed row does not undo his opt-out"
    );
    assert_eq!(
        standing(&db, "wes.wong@example.org", list),
        None,
        "pending is not subscribed"
    );
    assert!(
        recipients(&db, list).is_empty(),
        "nobody in the file may be mailed"
    );
    assert!(
        entry(&report, "uma.upton@example.org").detail.is_empty()
            || report
                .entries
                .iter()
                .any(|e| e.line == 4 && e.detail.contains("more restrictive")),
        "the report says the more restrictive standing was kept: {:#?}",
        report.entries
    );
    // The same with someone already here: merged, then made stricter.
    let again = import_bytes(
        &db,
        list,
        "again.csv",
        b"email,status\nxena@example.org,subscribed\n",
    );
    assert_eq!(again.imported, 1, "Xena is new");
    import_bytes(
        &db,
        list,
        "twice-more.csv",
        b"email,status\nxena@example.org,subscribed\nXENA@example.org,bounced\n",
    );
    assert_eq!(
        standing(&db, "xena@example.org", list),
        Some(ConsentStatus::Bounced),
        "the bounce wins for someone already here too"
    );
}

#[test]
fn excel_sheets_saved_in_windows_1252_with_spanish_and_french_headers_are_read() {
    let db = Database::open_in_memory().unwrap();
    let list = lists::create(&db, "Announcements").unwrap().id;
    let es = import::preview("hoja-excel-es-1252.csv", &fixture("hoja-excel-es-1252.csv")).unwrap();
    let fields: Vec<Field> = es.columns.iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        vec![Field::Email, Field::FirstName, Field::LastName, Field::PostalCode, Field::City, Field::Language, Field::Consent],
        "Correo electrónico, Nombre, Apellidos, Código postal, Ciudad, Idioma and the question are recognized"
    );
    assert_eq!(
        (es.encoding.as_str(), es.delimiter.as_str()),
        ("Latin-1 (Windows-1252)", "semicolon"),
        "Excel's encoding and semicolons are read"
    );
    let report = import_fixture(&db, list, "hoja-excel-es-1252.csv");
    assert_eq!(
        standing(&db, "nico.navarro@example.org", list),
        Some(ConsentStatus::Subscribed),
        "Sí subscribes"
    );
    assert_eq!(
        standing(&db, "olga.ortiz@example.org", list),
        Some(ConsentStatus::Subscribed),
        "si subscribes"
    );
    assert_eq!(
        standing(&db, "pablo.perez@example.org", list),
        Some(ConsentStatus::Unsubscribed),
        "No unsubscribes"
    );
    assert_eq!(
        standing(&db, "quique.quiroga@example.org", list),
        None,
        "blank is not subscribed"
    );
    let nico = subscribers::find(&db, "nico.navarro@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            nico.first_name.as_str(),
            nico.name.as_str(),
            nico.language.as_str()
        ),
        ("Nicolás", "Nicolás Navarro", "es"),
        "accented names and español are read"
    );
    assert!(
        entry(&report, "nico.navarro@example.org")
            .warnings
            .iter()
            .any(|w| w.contains("leading zero")),
        "the 4-digit ZIP is flagged"
    );
    let olga = subscribers::find(&db, "olga.ortiz@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(olga.language, "ht", "Kreyòl ayisyen is Haitian Creole");

    let fr = import_fixture(&db, list, "feuille-excel-fr-1252.csv");
    assert_eq!(
        fr.imported, 3,
        "the French sheet's three rows import: {fr:#?}"
    );
    assert_eq!(
        standing(&db, "rene.roy@example.org", list),
        Some(ConsentStatus::Subscribed),
        "Oui subscribes"
    );
    assert_eq!(
        standing(&db, "sylvie.simon@example.org", list),
        Some(ConsentStatus::Unsubscribed),
        "Non unsubscribes"
    );
    assert_eq!(
        standing(&db, "therese.thibault@example.org", list),
        Some(ConsentStatus::Subscribed),
        "a ticked x subscribes"
    );
    let rene = subscribers::find(&db, "rene.roy@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            rene.first_name.as_str(),
            rene.city.as_str(),
            rene.language.as_str()
        ),
        ("René", "Cambridge", "fr"),
        "Prénom, Ville and Langue are read"
    );
}

#[test]
fn the_column_of_addresses_is_proposed_without_a_header_and_a_map_chooses_columns() {
    let bytes = fixture("no-address-header.csv");
    let preview = import::preview("no-address-header.csv", &bytes).unwrap();
    assert_eq!(
        preview.columns[0].field,
        Field::Email,
        "the column whose cells are addresses is proposed"
    );
    assert!(
        preview
            .notices
            .iter()
            .any(|n| n.contains("“Contacto” holds them")),
        "the preview says why: {:?}",
        preview.notices
    );
    let mapping =
        import::mapping_from(&preview, "first_name=Nombre de pila, postal_code=3").unwrap();
    assert_eq!(
        mapping,
        vec![Field::Email, Field::FirstName, Field::PostalCode],
        "names and numbers choose columns"
    );
    let moved = import::mapping_from(&preview, "email=2").unwrap();
    assert_eq!(
        moved[0],
        Field::Ignore,
        "choosing another email column leaves the first one out"
    );
    let unknown =
        import::mapping_from(&preview, "email=Correo").expect_err("an unknown column is refused");
    assert!(
        unknown.message.contains("No column is called “Correo”")
            && unknown.message.contains("Contacto"),
        "the message names the columns: {}",
        unknown.message
    );
    let bad =
        import::mapping_from(&preview, "birthday=1").expect_err("an unknown field is refused");
    assert!(
        bad.message.contains("is not a field"),
        "the message says so: {}",
        bad.message
    );
    let past =
        import::mapping_from(&preview, "email=9").expect_err("a column past the end is refused");
    assert!(
        past.message.contains("there is no column 9"),
        "the message says so: {}",
        past.message
    );
}

#[test]
fn a_forgotten_opted_out_person_is_kept_only_as_a_hash_and_no_import_brings_them_back() {
    let (db, list) = branch_from_mailchimp();
    let ben = subscribers::find(&db, "ben.brooks@example.org")
        .unwrap()
        .unwrap();
    subscribers::delete(&db, ben.id, "Asked to be forgotten").unwrap();
    let plain: i64 = db
        .conn()
        .query_row(
            "SELECT count(*) FROM suppression WHERE email_key = 'ben.brooks@example.org'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(plain, 0, "the suppression no longer holds the address");
    let kept = subscribers::suppression(&db, "ben.brooks@example.org")
        .unwrap()
        .expect("the opt-out is still known");
    assert!(kept.forgotten, "it is kept as a hash");
    let report = import_bytes(
        &db,
        list,
        "old-sheet.csv",
        b"email,name\nben.brooks@example.org,Ben\n",
    );
    assert_eq!(report.kept_off, 1, "the import cannot bring Ben back");
    assert_eq!(
        (report.imported, report.merged, report.rejected),
        (0, 0, 1),
        "his row is counted as not imported, so the counts add up to the rows read"
    );
    assert!(
        !recipients(&db, list).contains("ben.brooks@example.org"),
        "Ben is not mailed"
    );
    let new_list = lists::create(&db, "Later").unwrap().id;
    import_bytes(
        &db,
        new_list,
        "old-sheet.csv",
        b"email,name\nben.brooks@example.org,Ben\n",
    );
    assert!(
        !recipients(&db, new_list).contains("ben.brooks@example.org"),
        "nor on a list made after he was forgotten"
    );
}

#[test]
fn a_suppressed_address_is_never_mailed_whoever_writes_its_membership() {
    let (db, list) = branch_from_mailchimp();
    let ben = subscribers::find(&db, "ben.brooks@example.org")
        .unwrap()
        .unwrap();
    let other = lists::create(&db, "Other").unwrap().id;
    let written = db.conn().execute(
        "INSERT INTO membership (list_id, subscriber_id, status, since) VALUES (?1, ?2, 'subscribed', '2026-01-01T00:00:00Z')",
        [other, ben.id],
    );
    assert!(
        written.is_ok(),
        "a membership written straight into the database goes in"
    );
    assert!(
        recipients(&db, other).is_empty(),
        "but a suppressed person on it is never picked to mail"
    );
    assert_eq!(
        lists::get(&db, other).unwrap().subscribed,
        0,
        "nor counted as reached"
    );
    db.conn()
        .execute("DELETE FROM membership WHERE list_id = ?1", [other])
        .unwrap();
    let by_hand = subscribers::change(
        &db,
        &StandingChange {
            subscriber_id: ben.id,
            list_id: other,
            status: ConsentStatus::Subscribed,
            scope: OptOutScope::Branch,
            evidence: String::new(),
        },
        "window",
    );
    assert!(
        by_hand.is_err(),
        "the core refuses to put a suppressed person on a list without evidence"
    );
    let refused = db.conn().execute(
        "UPDATE membership SET status = 'subscribed' WHERE subscriber_id = ?1",
        [ben.id],
    );
    assert!(refused.is_err(), "a direct update to subscribed is refused");
    // A bounce written by any part of Handbill suppresses the address for every list.
    let ana = subscribers::find(&db, "ana.alvarez@example.org")
        .unwrap()
        .unwrap();
    subscribers::set_status(&db, ana.id, other, ConsentStatus::Subscribed, "").unwrap();
    assert_eq!(
        lists::get(&db, other).unwrap().subscribed,
        1,
        "Ana is on the other list too"
    );
    db.conn()
        .execute(
            "UPDATE membership SET status = 'bounced' WHERE subscriber_id = ?1 AND list_id = ?2",
            [ana.id, list],
        )
        .unwrap();
    assert_eq!(
        lists::get(&db, other).unwrap().subscribed,
        0,
        "a bounce written on one list takes her off the other list's count, though her membership there was not touched"
    );
    assert_eq!(
        subscribers::suppression(&db, "ana.alvarez@example.org")
            .unwrap()
            .map(|s| s.status),
        Some(ConsentStatus::Bounced),
        "a bounce is branch-wide whoever records it"
    );
    let added = subscribers::add(
        &db,
        SubscriberInput {
            email: "hugo@example.org".into(),
            ..Default::default()
        },
        Some(other),
        "test",
    )
    .unwrap();
    subscribers::set_status(
        &db,
        added.subscriber.id,
        other,
        ConsentStatus::Complained,
        "marked as spam",
    )
    .unwrap();
    assert_eq!(
        lists::get(&db, other).unwrap().complained,
        1,
        "a complaint is a standing of its own, counted on the list"
    );
    assert!(
        recipients(&db, other).is_empty(),
        "nobody on the other list may be mailed"
    );
}

#[test]
fn opt_outs_recorded_before_the_upgrade_become_branch_wide() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    {
        // Schema 8 is what the previous release wrote: before migration 0010.
        let old = handbill_core::db::storage::open_at_version(&path, 8).unwrap();
        old.conn()
            .execute_batch(
                "INSERT INTO list (id, name, created_at) VALUES (1, 'A', '2024-01-01T00:00:00Z'), (2, 'B', '2024-01-01T00:00:00Z');
                 INSERT INTO subscriber (id, email, email_key, created_at, updated_at) VALUES (1, 'ana@example.org', 'ana@example.org', 'x', 'x');
                 INSERT INTO membership (list_id, subscriber_id, status, since) VALUES (1, 1, 'unsubscribed', '2024-02-01T00:00:00Z'), (2, 1, 'subscribed', '2024-01-01T00:00:00Z');
                 INSERT INTO consent (email_key, list_id, status, source, at) VALUES
                   ('ana@example.org', 1, 'subscribed', 'sheet', '2024-01-01T00:00:00Z'),
                   ('ana@example.org', 2, 'subscribed', 'sheet', '2024-01-01T00:00:00Z'),
                   ('ana@example.org', 1, 'unsubscribed', 'reply', '2024-02-01T00:00:00Z');",
            )
            .unwrap();
    }
    let db = Database::open(&path).unwrap();
    assert!(
        recipients(&db, 2).is_empty(),
        "after the upgrade, Ana's opt-out on A keeps her off B"
    );
    assert_eq!(
        standing(&db, "ana@example.org", 2),
        Some(ConsentStatus::Unsubscribed),
        "her standing on B follows, in the ledger"
    );
    let ledger = subscribers::ledger(&db, "ana@example.org").unwrap();
    assert_eq!(
        ledger.len(),
        4,
        "the three old lines are kept and one says why B changed: {ledger:#?}"
    );
}

// ---------------------------------------------------------------------------
// The property: no opt-out without a later evidenced opt-in is ever queued.

const PEOPLE: usize = 6;

fn email(person: usize) -> String {
    format!("person{person}@example.org")
}

#[derive(Debug, Clone)]
enum Row {
    Subscribed,
    Unsubscribed,
    Bounced,
    Cleaned,
    Pending,
    /// A form's yes dated after every opt-out this test makes.
    YesLater,
    /// A form's yes dated before them.
    YesEarlier,
    No,
    Blank,
}

#[derive(Debug, Clone)]
enum Step {
    NewList,
    Import(usize, Vec<(usize, Row)>),
    Paste(usize, Option<usize>, bool),
    Bounce(usize, usize, bool),
    OptIn(usize, usize),
    Queue(usize),
}

fn step() -> impl Strategy<Value = Step> {
    let row = prop_oneof![
        Just(Row::Subscribed),
        Just(Row::Unsubscribed),
        Just(Row::Bounced),
        Just(Row::Cleaned),
        Just(Row::Pending),
        Just(Row::YesLater),
        Just(Row::YesEarlier),
        Just(Row::No),
        Just(Row::Blank),
    ];
    prop_oneof![
        1 => Just(Step::NewList),
        4 => (0..4usize, prop::collection::vec((0..PEOPLE, row), 1..6)).prop_map(|(l, rows)| Step::Import(l, rows)),
        2 => (0..PEOPLE, prop::option::of(0..4usize), any::<bool>()).prop_map(|(p, l, only)| Step::Paste(p, l, only)),
        2 => (0..PEOPLE, 0..4usize, any::<bool>()).prop_map(|(p, l, raw)| Step::Bounce(p, l, raw)),
        1 => (0..PEOPLE, 0..4usize).prop_map(|(p, l)| Step::OptIn(p, l)),
        3 => (0..4usize).prop_map(Step::Queue),
    ]
}

fn restriction(row: &Row) -> u8 {
    match row {
        Row::Subscribed | Row::YesLater | Row::YesEarlier => 0,
        Row::Pending | Row::Blank => 1,
        Row::Unsubscribed | Row::No => 2,
        Row::Cleaned => 3,
        Row::Bounced => 4,
    }
}

/// What a file of these rows looks like: a status column and a dated consent question.
fn file_of(rows: &[(usize, Row)]) -> String {
    let mut text = String::from("email,status,Timestamp,Can we email you?\n");
    for (person, row) in rows {
        let (status, date, answer) = match row {
            Row::Subscribed => ("subscribed", "", "yes"),
            Row::Unsubscribed => ("unsubscribed", "", ""),
            Row::Bounced => ("bounced", "", ""),
            Row::Cleaned => ("cleaned", "", ""),
            Row::Pending => ("pending", "", ""),
            Row::YesLater => ("", "2099-01-01 00:00:00", "Yes"),
            Row::YesEarlier => ("", "2001-01-01 00:00:00", "Yes"),
            Row::No => ("", "2001-01-01 00:00:00", "No"),
            Row::Blank => ("", "", ""),
        };
        text.push_str(&format!("{},{status},{date},{answer}\n", email(*person)));
    }
    text
}

/// Who may be mailed, as the rules say: someone blocked by a branch-wide opt-out
/// (or, on one list, by an opt-out for that list only) stays blocked until an
/// evidenced opt-in. The model allows more than Handbill does (it never
/// requires the person to be on the list): the property is that Handbill
/// never mails someone the model blocks.
#[derive(Default)]
struct Model {
    blocked: BTreeSet<usize>,
    blocked_on: BTreeSet<(usize, usize)>,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, max_shrink_iters: 100, failure_persistence: None, ..ProptestConfig::default() })]

    /// For any sequence of imports, pastes, bounces (by Handbill or written
    /// straight into the database), evidenced opt-ins and announcements across
    /// any lists, nobody with an opt-out and no later evidenced opt-in is ever
    /// queued for a message.
    #[test]
    fn nobody_opted_out_without_a_later_evidenced_opt_in_is_ever_queued(steps in prop::collection::vec(step(), 1..14)) {
        let db = Database::open_in_memory().unwrap();
        let event = events::create(&db, EventInput {
            title: "Rally".into(),
            kind: EventKind::Rally,
            start_date: "2027-01-25".into(),
            start_time: "12:00".into(),
            end_time: "14:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        }).unwrap();
        let mut lists_made = vec![lists::create(&db, "List 0").unwrap().id];
        let mut model = Model::default();
        let list_at = |lists_made: &Vec<i64>, i: usize| lists_made[i % lists_made.len()];
        for step in steps {
            match step {
                Step::NewList => {
                    let n = lists_made.len();
                    lists_made.push(lists::create(&db, &format!("List {n}")).unwrap().id);
                }
                Step::Import(l, rows) => {
                    let list = list_at(&lists_made, l);
                    let list_index = lists_made.iter().position(|x| *x == list).unwrap();
                    let text = file_of(&rows);
                    import_bytes(&db, list, "steps.csv", text.as_bytes());
                    // The standing each person ends with: their first row, replaced
                    // only by a later opt-out more restrictive than it.
                    let mut kept: BTreeMap<usize, Row> = BTreeMap::new();
                    for (person, row) in rows {
                        match kept.get(&person) {
                            Some(first) if restriction(&row) < 2 || restriction(first) >= restriction(&row) => {}
                            _ => { kept.insert(person, row); }
                        }
                    }
                    for (person, row) in kept {
                        match row {
                            Row::Unsubscribed | Row::Bounced | Row::Cleaned | Row::No => { model.blocked.insert(person); }
                            Row::YesLater => {
                                model.blocked.remove(&person);
                                model.blocked_on.remove(&(person, list_index));
                            }
                            _ => {}
                        }
                    }
                }
                Step::Paste(p, l, only) => {
                    let list = l.map(|l| list_at(&lists_made, l));
                    let only = only && list.is_some();
                    subscribers::unsubscribe(&db, &UnsubscribeRequest {
                        text: format!("From: {}", email(p)),
                        list_id: list,
                        only_this_list: only,
                        source: "pasted reply".into(),
                    }).unwrap();
                    if only {
                        let index = lists_made.iter().position(|x| Some(*x) == list).unwrap();
                        model.blocked_on.insert((p, index));
                    } else {
                        model.blocked.insert(p);
                    }
                }
                Step::Bounce(p, l, raw) => {
                    let list = list_at(&lists_made, l);
                    if let Some(s) = subscribers::find(&db, &email(p)).unwrap() {
                        let on_list = subscribers::detail(&db, s.id).unwrap().memberships.iter().any(|m| m.list_id == list);
                        if on_list {
                            if raw {
                                // As another part of Handbill (the mailbox) may write it.
                                db.conn().execute("UPDATE membership SET status = 'bounced' WHERE subscriber_id = ?1 AND list_id = ?2", [s.id, list]).unwrap();
                            } else {
                                subscribers::set_status(&db, s.id, list, ConsentStatus::Bounced, "bounce").unwrap();
                            }
                            model.blocked.insert(p);
                        }
                    }
                }
                Step::OptIn(p, l) => {
                    let list = list_at(&lists_made, l);
                    let index = lists_made.iter().position(|x| *x == list).unwrap();
                    subscribers::opt_in(&db, &OptIn { email: email(p), list_id: list, evidence: "Asked at the meeting".into() }, "opt-in").unwrap();
                    model.blocked.remove(&p);
                    model.blocked_on.remove(&(p, index));
                }
                Step::Queue(l) => {
                    let list = list_at(&lists_made, l);
                    let index = lists_made.iter().position(|x| *x == list).unwrap();
                    let a = store::create(&db, AnnouncementInput {
                        event_id: Some(event.id),
                        tour_id: None,
                        template: Template::NewEvent,
                        list_id: list,
                        segment: String::new(),
                        subject: "Rally".into(),
                        body: "Come.".into(),
                        attach_flyer: false,
                        versions: Vec::new(),
                    }).unwrap();
                    if store::queue(&db, a.id).is_ok() {
                        for d in store::deliveries(&db, a.id, None, 10_000).unwrap() {
                            let person: usize = d.email.trim_start_matches("person").trim_end_matches("@example.org").parse().unwrap();
                            prop_assert!(!model.blocked.contains(&person), "{} opted out and was queued", d.email);
                            prop_assert!(!model.blocked_on.contains(&(person, index)), "{} left this list only and was queued on it", d.email);
                        }
                    }
                }
            }
        }
    }
}

/// Found by the property above: someone pending on a list (imported without a
/// yes) asks to leave that list only; a later import of an older yes must not
/// put them on it.
#[test]
fn leaving_one_list_while_pending_holds_against_an_older_yes() {
    let db = Database::open_in_memory().unwrap();
    let event = events::create(
        &db,
        EventInput {
            title: "Rally".into(),
            kind: EventKind::Rally,
            start_date: "2027-01-25".into(),
            start_time: "12:00".into(),
            end_time: "14:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let list = lists::create(&db, "List 0").unwrap().id;
    import_bytes(
        &db,
        list,
        "first.csv",
        file_of(&[(0, Row::Pending)]).as_bytes(),
    );
    subscribers::unsubscribe(
        &db,
        &UnsubscribeRequest {
            text: format!("From: {}", email(0)),
            list_id: Some(list),
            only_this_list: true,
            source: "pasted reply".into(),
        },
    )
    .unwrap();
    import_bytes(
        &db,
        list,
        "second.csv",
        file_of(&[(0, Row::YesEarlier)]).as_bytes(),
    );
    let a = store::create(
        &db,
        AnnouncementInput {
            event_id: Some(event.id),
            tour_id: None,
            template: Template::NewEvent,
            list_id: list,
            segment: String::new(),
            subject: "Rally".into(),
            body: "Come.".into(),
            attach_flyer: false,
            versions: Vec::new(),
        },
    )
    .unwrap();
    let queued = match store::queue(&db, a.id) {
        Ok(_) => store::deliveries(&db, a.id, None, 10_000).unwrap().len(),
        Err(_) => 0,
    };
    assert_eq!(queued, 0, "someone who left this list was queued on it");
    // An opt-in with evidence does bring them back.
    subscribers::opt_in(
        &db,
        &OptIn {
            email: email(0),
            list_id: list,
            evidence: "Asked at the meeting".into(),
        },
        "opt-in",
    )
    .unwrap();
    assert_eq!(
        lists::reach(&db, list, &SegmentFilter::default()).unwrap(),
        1
    );
}
