//! The coalition domain against real SQLite files: organizations (contacts,
//! logos, likely duplicates, CSV import), co-sponsorship steps and order, the
//! board and an organization's history, invitations as drafts and .eml files,
//! versioned demand lists (diff, endorsements, translations), listings, and
//! the demo's coalition.

use std::path::PathBuf;

use handbill_core::coalition::{
    self, BoardFilter, ContactInput, CosponsorStatus, CosponsorTarget, DemandChangeKind,
    DemandInput, DemandListInput, DuplicateReason, OrgField, OrgImportOptions, OrgRowOutcome,
    OrganizationInput, OrganizationKind, StepInput, TranslationInput,
};
use handbill_core::events::{self, EventInput, EventKind, StopInput, TourInput};
use handbill_core::{branch, demo, Database, ErrorCode};

fn open() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("coalition.sqlite")).expect("a new database opens");
    (dir, db)
}

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/orgs")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {} is readable: {e}", path.display()))
}

fn count(db: &Database, table: &str) -> i64 {
    db.conn()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn org(db: &Database, name: &str, website: &str) -> coalition::Organization {
    coalition::create_organization(
        db,
        OrganizationInput {
            name: name.into(),
            website: website.into(),
            contacts: vec![ContactInput {
                name: format!("Contact of {name}"),
                email: "person@example.org".into(),
                ..Default::default()
            }],
            ..Default::default()
        },
    )
    .expect("a valid organization is saved")
    .organization
}

fn rally(db: &Database, title: &str, date: &str) -> events::Event {
    events::create(
        db,
        EventInput {
            title: title.into(),
            kind: EventKind::Rally,
            start_date: date.into(),
            start_time: "12:00".into(),
            end_time: "14:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .expect("a valid event is saved")
}

fn step(status: CosponsorStatus, date: &str) -> StepInput {
    StepInput {
        status,
        contact_id: None,
        note: String::new(),
        date: date.into(),
    }
}

#[test]
fn an_organization_is_saved_with_its_contacts_and_warns_of_likely_duplicates() {
    let (_dir, db) = open();
    let saved = coalition::create_organization(
        &db,
        OrganizationInput {
            name: "  Justice4Siham Coalition ".into(),
            short_name: "J4S".into(),
            kind: OrganizationKind::CommunityOrganization,
            website: "www.example.org/j4s".into(),
            email: "J4S@Example.ORG".into(),
            notes: "**Co-hosts** rallies".into(),
            tags: vec!["immigration".into(), "Immigration".into()],
            contacts: vec![
                ContactInput {
                    name: "Amina Rahal".into(),
                    role: "Coordinator".into(),
                    email: "amina@example.org".into(),
                    ..Default::default()
                },
                ContactInput {
                    name: "Dana".into(),
                    phone: "617-555-0100".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        },
    )
    .expect("a valid organization is saved");
    let o = &saved.organization;
    assert!(
        saved.warnings.is_empty(),
        "the first organization warns of nothing: {:?}",
        saved.warnings
    );
    assert_eq!(o.name, "Justice4Siham Coalition", "the name is trimmed");
    assert_eq!(
        o.website, "https://www.example.org/j4s",
        "a website without a scheme gets https://"
    );
    assert_eq!(
        o.email, "J4S@example.org",
        "the email's domain is folded to lower case"
    );
    assert_eq!(
        o.tags,
        ["immigration"],
        "tags are deduplicated without regard to case"
    );
    assert_eq!(
        o.contacts
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["Amina Rahal", "Dana"],
        "contacts keep their order"
    );
    assert_eq!(
        coalition::get_organization(&db, o.id).unwrap(),
        *o,
        "reading it back gives the same organization"
    );

    let same_name = OrganizationInput {
        name: "justice 4 siham-coalition".into(),
        ..Default::default()
    };
    let warnings = coalition::likely_duplicates(&db, &same_name, None).unwrap();
    assert_eq!(
        warnings.len(),
        1,
        "the same name written otherwise is a likely duplicate: {warnings:?}"
    );
    assert_eq!(
        (warnings[0].organization_id, warnings[0].reason),
        (o.id, DuplicateReason::SameName),
        "the warning names the known organization and why"
    );
    let same_site = OrganizationInput {
        name: "J4S Boston".into(),
        website: "https://example.org/other".into(),
        ..Default::default()
    };
    let saved2 = coalition::create_organization(&db, same_site)
        .expect("a likely duplicate is still saved when the organizer insists");
    assert_eq!(
        saved2.warnings.iter().map(|w| w.reason).collect::<Vec<_>>(),
        [DuplicateReason::SameWebsite],
        "the same website host (www. ignored) is reported"
    );
    assert!(
        coalition::likely_duplicates(
            &db,
            &OrganizationInput {
                name: o.name.clone(),
                ..Default::default()
            },
            Some(o.id)
        )
        .unwrap()
        .is_empty(),
        "an organization is not a duplicate of itself when edited"
    );
    let fb = |name: &str, page: &str| {
        coalition::create_organization(
            &db,
            OrganizationInput {
                name: name.into(),
                website: format!("https://facebook.com/{page}"),
                ..Default::default()
            },
        )
        .unwrap()
        .warnings
    };
    assert!(
        fb("Group A", "groupa").is_empty() && fb("Group B", "groupb").is_empty(),
        "two pages on a shared host are not duplicates"
    );
    assert_eq!(
        fb("Group A again", "GroupA").len(),
        1,
        "the same page on a shared host is"
    );

    // Edit: change one contact, drop another, add a third.
    let mut input = OrganizationInput {
        name: o.name.clone(),
        kind: OrganizationKind::Union,
        contacts: vec![
            ContactInput {
                id: Some(o.contacts[0].id),
                name: "Amina R.".into(),
                ..Default::default()
            },
            ContactInput {
                name: "Luis".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let edited = coalition::update_organization(&db, o.id, input.clone())
        .expect("the organization is edited")
        .organization;
    assert_eq!(
        edited
            .contacts
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["Amina R.", "Luis"],
        "contacts are updated, removed and added"
    );
    assert_eq!(
        edited.contacts[0].id, o.contacts[0].id,
        "a kept contact keeps its id"
    );
    assert_eq!(edited.kind, OrganizationKind::Union, "the kind is changed");
    input.contacts[0].id = Some(9999);
    let err = coalition::update_organization(&db, o.id, input)
        .expect_err("another organization's contact id is refused");
    assert!(
        err.fields.iter().any(|f| f.field == "contacts[0].id"),
        "the error names the contact: {err:?}"
    );

    let bad = OrganizationInput {
        name: "".into(),
        website: "javascript:alert(1)".into(),
        email: "nobody".into(),
        contacts: vec![ContactInput {
            email: "x".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let err = coalition::create_organization(&db, bad).expect_err("bad input is refused");
    for field in [
        "name",
        "website",
        "email",
        "contacts[0].name",
        "contacts[0].email",
    ] {
        assert!(
            err.fields.iter().any(|f| f.field == field),
            "the error names {field}: {err:?}"
        );
    }
    let err = coalition::create_organization(
        &db,
        OrganizationInput {
            name: "Evil\r\nBcc: x@example.org".into(),
            ..Default::default()
        },
    )
    .expect_err("a name with a line break is refused");
    assert!(
        err.fields.iter().any(|f| f.field == "name"),
        "the error names the name: {err:?}"
    );
    assert_eq!(
        count(&db, "organization"),
        5,
        "nothing was saved from bad input"
    );

    assert_eq!(
        coalition::list_organizations(&db).unwrap().len(),
        5,
        "every organization is listed"
    );
    coalition::delete_organization(&db, saved2.organization.id)
        .expect("an organization with no history is removed");
    assert_eq!(
        coalition::get_organization(&db, saved2.organization.id)
            .expect_err("it is gone")
            .code,
        ErrorCode::NotFound,
        "a removed organization is not found"
    );
}

#[test]
fn an_organization_logo_must_be_a_small_png_or_jpeg() {
    let (_dir, db) = open();
    let o = org(&db, "Students for Sanctuary", "");
    let png =
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/sample-logo.png"))
            .unwrap();
    let with = coalition::set_organization_logo(&db, o.id, &png).expect("a PNG logo is stored");
    let info = with.logo.expect("the logo is described");
    assert_eq!(
        (info.media_type.as_str(), info.size_bytes as usize),
        ("image/png", png.len()),
        "the logo's type and size are kept"
    );

    let err = coalition::set_organization_logo(&db, o.id, b"%PDF-1.7 not an image")
        .expect_err("a PDF is not a logo");
    assert_eq!(
        err.code,
        ErrorCode::Invalid,
        "a non-image is invalid input: {err:?}"
    );
    assert!(
        err.fields[0].field == "logo" && err.message.contains("PNG or JPEG"),
        "the message says what to use: {}",
        err.message
    );
    let mut huge = png.clone();
    huge.resize(50 * 1024 * 1024, 0);
    let err =
        coalition::set_organization_logo(&db, o.id, &huge).expect_err("a 50 MB file is refused");
    assert!(
        err.message.contains("50.0 MB") && err.message.contains("2 MB"),
        "the message gives the size and the limit: {}",
        err.message
    );
    let mut truncated = png.clone();
    truncated.truncate(png.len() / 2);
    assert!(
        coalition::set_organization_logo(&db, o.id, &truncated).is_err(),
        "a truncated PNG is refused"
    );
    let (media, bytes) = coalition::organization_logo(&db, o.id)
        .unwrap()
        .expect("the first logo is still there");
    assert_eq!(
        (media.as_str(), bytes),
        ("image/png", png),
        "refused logos left the stored one unchanged"
    );
    assert!(
        coalition::clear_organization_logo(&db, o.id)
            .unwrap()
            .logo
            .is_none(),
        "the logo can be removed"
    );
}

#[test]
fn the_organizations_csv_preview_maps_columns_and_the_import_reports_every_row() {
    let (_dir, db) = open();
    org(
        &db,
        "Boston Teachers Local 66 ",
        "https://local66.example.org",
    );
    let preview = coalition::preview_organizations("sheet.csv", &fixture("coalition-sheet.csv"))
        .expect("the sheet is previewed");
    assert_eq!(
        (
            preview.encoding.as_str(),
            preview.delimiter.as_str(),
            preview.rows
        ),
        ("UTF-8", "comma", 10),
        "encoding, delimiter and rows are read"
    );
    let fields: Vec<OrgField> = preview.columns.iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        [
            OrgField::Name,
            OrgField::ShortName,
            OrgField::Kind,
            OrgField::Website,
            OrgField::Email,
            OrgField::ContactName,
            OrgField::ContactRole,
            OrgField::ContactEmail,
            OrgField::Tags,
            OrgField::Notes
        ],
        "every column is recognized"
    );
    assert_eq!(
        preview.columns[0].samples[0], "Justice4Siham Coalition",
        "samples show the first values"
    );
    assert_eq!(count(&db, "organization"), 1, "a preview writes nothing");

    let dry = coalition::import_organizations(
        &db,
        "sheet.csv",
        &fixture("coalition-sheet.csv"),
        &OrgImportOptions {
            dry_run: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        (dry.imported, dry.rejected),
        (2, 8),
        "a dry run reports the same counts"
    );
    assert_eq!(count(&db, "organization"), 1, "a dry run writes nothing");

    let report = coalition::import_organizations(
        &db,
        "sheet.csv",
        &fixture("coalition-sheet.csv"),
        &OrgImportOptions::default(),
    )
    .expect("the sheet is imported");
    let why = |line: u32| {
        report
            .entries
            .iter()
            .find(|e| e.line == line)
            .map(|e| (e.outcome, e.detail.clone()))
            .unwrap_or_else(|| panic!("line {line} is reported"))
    };
    assert_eq!(
        (report.rows, report.imported, report.rejected),
        (10, 2, 8),
        "two rows are imported and eight rejected: {:#?}",
        report.entries
    );
    assert_eq!(
        why(2).0,
        OrgRowOutcome::Imported,
        "the first organization is imported (its note spans two lines)"
    );
    assert_eq!(
        why(4).0,
        OrgRowOutcome::Imported,
        "line 4 (after the two-line note) is imported"
    );
    assert!(
        why(5).1.contains("already known") || why(5).1.contains("Already known"),
        "a known organization is rejected: {}",
        why(5).1
    );
    assert!(
        why(6).1.contains("no organization name"),
        "a row without a name is rejected: {}",
        why(6).1
    );
    assert!(
        why(7).1.contains("email"),
        "a bad email is rejected: {}",
        why(7).1
    );
    assert!(
        why(8).1.contains("website"),
        "a bad website is rejected: {}",
        why(8).1
    );
    assert!(
        why(9).1.contains("Line 2"),
        "a repeat of an earlier row names that row: {}",
        why(9).1
    );
    assert!(
        why(10).1.contains("local66.example.org"),
        "a known website is rejected: {}",
        why(10).1
    );
    assert!(
        why(11).1.contains("bowling league"),
        "an unknown kind is rejected with the word used: {}",
        why(11).1
    );
    assert!(
        why(12).1.contains("contact's name"),
        "a contact without a name is rejected: {}",
        why(12).1
    );
    let j4s = coalition::list_organizations(&db)
        .unwrap()
        .into_iter()
        .find(|o| o.short_name == "J4S")
        .expect("J4S was imported");
    assert_eq!(
        (
            j4s.contacts.len(),
            j4s.contacts[0].role.as_str(),
            j4s.tags.len()
        ),
        (1, "Coordinator", 2),
        "the contact and tags come along"
    );
    assert!(
        j4s.notes.contains("JFK building"),
        "a quoted note with a line break is kept whole"
    );
    let s4s = coalition::list_organizations(&db)
        .unwrap()
        .into_iter()
        .find(|o| o.short_name == "S4S")
        .unwrap();
    assert_eq!(
        (s4s.kind, s4s.website.as_str()),
        (OrganizationKind::StudentGroup, "https://s4s.example.org"),
        "kind words and bare websites are understood"
    );
}

#[test]
fn bad_organization_files_get_clear_messages_and_change_nothing() {
    let (_dir, db) = open();
    let err = coalition::import_organizations(
        &db,
        "m.csv",
        &fixture("missing-name-column.csv"),
        &OrgImportOptions::default(),
    )
    .expect_err("a file without a name column is refused");
    assert!(
        err.fields[0].field == "mapping"
            && err.message.contains("name")
            && err.message.contains("Website"),
        "the message says which column is missing and lists those there: {}",
        err.message
    );
    let err = coalition::import_organizations(
        &db,
        "b.csv",
        &fixture("broken-utf8.csv"),
        &OrgImportOptions::default(),
    )
    .expect_err("a damaged UTF-8 file is refused");
    assert!(
        err.message.contains("line 4") && err.message.contains("UTF-8"),
        "the message names the broken line: {}",
        err.message
    );
    let err = coalition::preview_organizations("h.csv", &fixture("header-only.csv"))
        .expect_err("a header without rows is refused");
    assert!(
        err.message.contains("no rows"),
        "the message says there is nothing to import: {}",
        err.message
    );
    let err = coalition::preview_organizations(
        "x.png",
        &std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/sample-logo.png"))
            .unwrap(),
    )
    .expect_err("an image is not a CSV file");
    assert!(
        err.message.contains("not a CSV file"),
        "the message says it is not CSV: {}",
        err.message
    );
    let err = coalition::import_organizations(
        &db,
        "d.csv",
        &fixture("duplicate-rows.csv"),
        &OrgImportOptions {
            mapping: vec![OrgField::Name],
            dry_run: false,
        },
    )
    .expect_err("a mapping of the wrong length is refused");
    assert!(
        err.message.contains("2 columns"),
        "the message gives the column count: {}",
        err.message
    );
    assert_eq!(
        count(&db, "organization"),
        0,
        "nothing was saved from bad files"
    );

    let report = coalition::import_organizations(
        &db,
        "d.csv",
        &fixture("duplicate-rows.csv"),
        &OrgImportOptions::default(),
    )
    .unwrap();
    assert_eq!(
        (report.imported, report.rejected),
        (2, 1),
        "a repeated row is rejected, the others imported"
    );
    assert!(
        report.entries[2].detail.contains("Line 2"),
        "the repeat names the first row: {:?}",
        report.entries[2]
    );

    let latin = coalition::preview_organizations("l.csv", &fixture("latin1-semicolon.csv"))
        .expect("a Latin-1 file is read");
    assert!(
        latin.encoding.starts_with("Latin-1") && latin.delimiter == "semicolon",
        "Latin-1 and semicolons are detected: {latin:?}"
    );
    assert_eq!(
        latin.columns[2].samples[0], "María José Peña",
        "accented names are decoded"
    );
    let r = coalition::import_organizations(
        &db,
        "l.csv",
        &fixture("latin1-semicolon.csv"),
        &OrgImportOptions {
            mapping: vec![OrgField::Name, OrgField::Website, OrgField::ContactName],
            dry_run: false,
        },
    )
    .unwrap();
    assert_eq!(
        r.imported, 2,
        "the Latin-1 rows are imported with an explicit mapping"
    );
    let bom = coalition::import_organizations(
        &db,
        "u.csv",
        &fixture("utf8-bom-crlf.csv"),
        &OrgImportOptions::default(),
    )
    .unwrap();
    assert_eq!(
        (bom.imported, bom.entries[1].line),
        (2, 3),
        "a BOM and CRLF file is read with its line numbers"
    );
}

#[test]
fn an_organizations_import_that_fails_midway_saves_nothing() {
    let (_dir, db) = open();
    // A trigger that fails on the second insert stands for a disk error mid-import.
    db.conn().execute_batch("CREATE TEMP TRIGGER fail_second BEFORE INSERT ON organization WHEN (SELECT count(*) FROM organization) >= 1 BEGIN SELECT RAISE(ABORT, 'disk trouble'); END;").unwrap();
    let result = coalition::import_organizations(
        &db,
        "d.csv",
        &fixture("duplicate-rows.csv"),
        &OrgImportOptions::default(),
    );
    assert!(result.is_err(), "the failure is reported");
    assert_eq!(
        count(&db, "organization"),
        0,
        "the first row was rolled back with the rest: all or nothing"
    );
}

#[test]
fn co_sponsorship_steps_follow_the_rules_and_are_kept() {
    let (_dir, db) = open();
    let j4s = org(&db, "Justice4Siham Coalition", "");
    let nahant = org(&db, "Nahant Neighbors", "");
    let cersc = org(&db, "CERSC", "");
    let e = rally(&db, "#Justice4Siham Rally", "2027-01-30");
    let target = CosponsorTarget::Event(e.id);

    let c = coalition::set_cosponsor_status(
        &db,
        target,
        j4s.id,
        step(CosponsorStatus::Prospect, "2027-01-02"),
    )
    .expect("a prospect is recorded");
    let c2 = coalition::set_cosponsor_status(
        &db,
        target,
        j4s.id,
        StepInput {
            status: CosponsorStatus::Asked,
            contact_id: Some(j4s.contacts[0].id),
            note: "at the meeting".into(),
            date: "2027-01-05".into(),
        },
    )
    .expect("asking is recorded");
    assert_eq!(c2.id, c.id, "the same co-sponsorship moves on");
    let c3 = coalition::set_cosponsor_status(
        &db,
        target,
        j4s.id,
        step(CosponsorStatus::Confirmed, "2027-01-09"),
    )
    .expect("confirming is recorded");
    let steps: Vec<_> = c3
        .steps
        .iter()
        .map(|s| (s.status, s.on_date.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (CosponsorStatus::Prospect, "2027-01-02"),
            (CosponsorStatus::Asked, "2027-01-05"),
            (CosponsorStatus::Confirmed, "2027-01-09")
        ],
        "every step is kept with its date"
    );
    assert_eq!(
        (c3.steps[1].contact_name.as_str(), c3.steps[1].note.as_str()),
        ("Contact of Justice4Siham Coalition", "at the meeting"),
        "the step keeps its contact and note"
    );

    let refused = [
        (j4s.id, CosponsorStatus::Confirmed, "already confirmed"),
        (j4s.id, CosponsorStatus::Prospect, "back to prospect"),
        (nahant.id, CosponsorStatus::Withdrawn, "Only a confirmed"),
    ];
    for (org_id, status, words) in refused {
        let err = coalition::set_cosponsor_status(&db, target, org_id, step(status, ""))
            .expect_err("an invalid step is refused");
        assert!(
            err.fields[0].field == "status" && err.message.contains(words),
            "{status:?} is refused saying “{words}”: {}",
            err.message
        );
    }
    let err = coalition::set_cosponsor_status(
        &db,
        target,
        nahant.id,
        StepInput {
            status: CosponsorStatus::Asked,
            contact_id: Some(j4s.contacts[0].id),
            note: String::new(),
            date: String::new(),
        },
    )
    .expect_err("another organization's contact is refused");
    assert_eq!(
        err.fields[0].field, "contact_id",
        "the error names the contact: {err:?}"
    );
    let err = coalition::set_cosponsor_status(
        &db,
        target,
        nahant.id,
        step(CosponsorStatus::Asked, "2027-02-30"),
    )
    .expect_err("a bad date is refused");
    assert_eq!(
        err.fields[0].field, "date",
        "the error names the date: {err:?}"
    );
    assert_eq!(
        count(&db, "cosponsorship"),
        1,
        "refused steps saved nothing"
    );
    assert_eq!(
        count(&db, "cosponsorship_step"),
        3,
        "refused steps added no step"
    );

    let today =
        coalition::set_cosponsor_status(&db, target, nahant.id, step(CosponsorStatus::Asked, ""))
            .unwrap();
    assert_eq!(today.steps[0].on_date.len(), 10, "an empty date is today");
    coalition::set_cosponsor_status(
        &db,
        target,
        nahant.id,
        step(CosponsorStatus::Declined, "2027-01-15"),
    )
    .expect("asked → declined");
    coalition::set_cosponsor_status(
        &db,
        target,
        nahant.id,
        step(CosponsorStatus::Asked, "2027-01-16"),
    )
    .expect("declined → asked again");
    coalition::set_cosponsor_status(
        &db,
        target,
        cersc.id,
        step(CosponsorStatus::Confirmed, "2027-01-10"),
    )
    .expect("a direct confirmation");
    let w = coalition::set_cosponsor_status(
        &db,
        target,
        cersc.id,
        step(CosponsorStatus::Withdrawn, "2027-01-20"),
    )
    .expect("confirmed → withdrawn");
    assert_eq!(
        w.status,
        CosponsorStatus::Withdrawn,
        "the organization has withdrawn"
    );
    let err = db
        .conn()
        .execute("UPDATE cosponsorship_step SET note = 'rewritten'", [])
        .expect_err("steps cannot be rewritten");
    assert!(
        err.to_string().contains("append-only"),
        "the database refuses: {err}"
    );

    let listed = coalition::cosponsorships_for(&db, target).unwrap();
    assert_eq!(
        listed[0].organization_name, "Justice4Siham Coalition",
        "confirmed co-sponsors come first"
    );
    let history = coalition::organization_history(&db, nahant.id).unwrap();
    assert_eq!(
        (
            history.len(),
            history[0].steps.len(),
            history[0].target_title.as_str()
        ),
        (1, 3, "#Justice4Siham Rally"),
        "an organization's history has every step for each event"
    );
    let err = coalition::delete_organization(&db, nahant.id)
        .expect_err("an organization with history is kept");
    assert!(
        err.message.contains("history"),
        "the message says why: {}",
        err.message
    );
}

#[test]
fn confirmed_co_sponsors_come_in_the_organizers_order_and_a_stop_includes_its_tour() {
    let (_dir, db) = open();
    let a = org(&db, "Alpha Union", "");
    let b = org(&db, "Beta Students", "");
    let c = org(&db, "Gamma Faith", "");
    let d = org(&db, "Delta Asked", "");
    let e = rally(&db, "Rally", "2027-01-30");
    let t = CosponsorTarget::Event(e.id);
    for o in [&b, &a, &c] {
        coalition::set_cosponsor_status(
            &db,
            t,
            o.id,
            step(CosponsorStatus::Confirmed, "2027-01-01"),
        )
        .unwrap();
    }
    coalition::set_cosponsor_status(&db, t, d.id, step(CosponsorStatus::Asked, "2027-01-01"))
        .unwrap();
    let names = |db: &Database, id: i64| {
        coalition::confirmed_cosponsors(db, id)
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&db, e.id),
        ["Beta Students", "Alpha Union", "Gamma Faith"],
        "confirmed co-sponsors in the order they confirmed; the asked one is left out"
    );
    coalition::reorder_cosponsors(&db, t, &[c.id, a.id, b.id]).expect("the organizer reorders");
    assert_eq!(
        names(&db, e.id),
        ["Gamma Faith", "Alpha Union", "Beta Students"],
        "the set order is kept"
    );
    let err = coalition::reorder_cosponsors(&db, t, &[c.id, a.id, d.id])
        .expect_err("an order naming a non-confirmed organization is refused");
    assert!(
        err.message.contains("exactly once"),
        "the message says what to give: {}",
        err.message
    );
    let cs = coalition::cosponsorships_for(&db, t).unwrap();
    let alpha = cs.iter().find(|x| x.organization_id == a.id).unwrap();
    assert!(
        coalition::set_logo_permitted(&db, alpha.id, true)
            .unwrap()
            .logo_permitted,
        "the logo may be printed"
    );
    assert!(
        coalition::confirmed_cosponsors(&db, e.id).unwrap()[1].logo_permitted,
        "the flag reaches the confirmed list"
    );

    let tour = events::create_tour(
        &db,
        TourInput {
            title: "Campus Tour".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let stop = events::add_stop(
        &db,
        tour.id,
        StopInput {
            start_date: "2027-03-02".into(),
            start_time: "18:00".into(),
            end_time: "20:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap();
    coalition::set_cosponsor_status(
        &db,
        CosponsorTarget::Tour(tour.id),
        d.id,
        step(CosponsorStatus::Confirmed, "2027-02-01"),
    )
    .unwrap();
    coalition::set_cosponsor_status(
        &db,
        CosponsorTarget::Event(stop.id),
        b.id,
        step(CosponsorStatus::Confirmed, "2027-02-01"),
    )
    .unwrap();
    let at_stop = coalition::confirmed_cosponsors(&db, stop.id).unwrap();
    assert_eq!(
        at_stop
            .iter()
            .map(|c| (c.name.as_str(), c.via_tour))
            .collect::<Vec<_>>(),
        [("Beta Students", false), ("Delta Asked", true)],
        "a stop names its own co-sponsors, then its tour's"
    );

    let board = coalition::coalition_board(&db, &BoardFilter::default()).unwrap();
    assert_eq!(
        board.len(),
        6,
        "the board has every organization × event or tour"
    );
    assert_eq!(board[0].target_date, "2027-01-30", "the board is by date");
    let asked = coalition::coalition_board(
        &db,
        &BoardFilter {
            status: Some(CosponsorStatus::Asked),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        asked
            .iter()
            .map(|r| r.organization_name.as_str())
            .collect::<Vec<_>>(),
        ["Delta Asked"],
        "the board filters by status"
    );
    let of_tour = coalition::coalition_board(
        &db,
        &BoardFilter {
            tour_id: Some(tour.id),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        (of_tour.len(), of_tour[0].target),
        (1, CosponsorTarget::Tour(tour.id)),
        "the board filters by tour"
    );
    let of_org = coalition::coalition_board(
        &db,
        &BoardFilter {
            organization_id: Some(b.id),
            event_id: Some(stop.id),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        of_org.len(),
        1,
        "the board filters by organization and event"
    );
}

fn six_demands() -> DemandListInput {
    DemandListInput {
        title: "Justice4Siham demands".into(),
        intro: "In solidarity with Siham and Naseem, we demand that:".into(),
        demands: [
            "DCF allow Siham to communicate with Naseem.",
            "DCF does not put Naseem up for adoption.",
            "DCF help Naseem get a passport.",
            "DCF end its collaboration with ICE.",
            "Siham be returned to the United States.",
            "ICE stop terrorizing our communities.",
        ]
        .iter()
        .map(|t| DemandInput {
            key: None,
            text: (*t).into(),
        })
        .collect(),
    }
}

#[test]
fn demand_lists_are_versioned_once_an_announced_event_uses_them() {
    let (_dir, db) = open();
    let list = coalition::create_demand_list(&db, six_demands()).expect("the list is saved");
    assert_eq!(
        (
            list.latest.number,
            list.latest.demands.len(),
            list.latest.demands[5].number
        ),
        (1, 6, 6),
        "version 1 with six numbered demands"
    );
    let draft_edit = coalition::move_demand(&db, list.id, 6, 1).expect("a demand is moved");
    assert_eq!(
        (
            draft_edit.latest.number,
            draft_edit.latest.demands[0].text.as_str()
        ),
        (1, "ICE stop terrorizing our communities."),
        "an unused list is edited in place"
    );
    let err = coalition::move_demand(&db, list.id, 0, 7)
        .expect_err("numbers outside the list are refused");
    assert!(
        err.message.contains("no demand number"),
        "the message says so: {}",
        err.message
    );
    coalition::move_demand(&db, list.id, 1, 6).unwrap();

    let announced = rally(&db, "Announced rally", "2027-01-30");
    let draft = rally(&db, "Draft rally", "2027-02-10");
    coalition::attach_demand_list(&db, announced.id, list.id).unwrap();
    coalition::attach_demand_list(&db, draft.id, list.id).unwrap();
    events::announce(&db, announced.id).unwrap();
    let v1 = list.latest.id;

    let mut input = six_demands();
    let keys: Vec<i64> = coalition::get_version(&db, v1)
        .unwrap()
        .demands
        .iter()
        .map(|d| d.key)
        .collect();
    for (d, k) in input.demands.iter_mut().zip(&keys) {
        d.key = Some(*k);
    }
    input.demands[1].text =
        "DCF does not put Naseem up for adoption against Siham's wishes.".into();
    input.demands.remove(2);
    input.demands.push(DemandInput {
        key: None,
        text: "Mayor Walsh make Boston a sanctuary city.".into(),
    });
    let moved = input.demands.remove(0);
    input.demands.insert(3, moved);
    input.title = "Justice4Siham & Justice4Naseem demands".into();
    let edited = coalition::update_demand_list(&db, list.id, input).expect("the list is edited");
    assert_eq!(
        edited.latest.number, 2,
        "editing a list an announced event uses makes version 2"
    );
    assert_eq!(
        coalition::demand_list_for_event(&db, announced.id)
            .unwrap()
            .unwrap()
            .id,
        v1,
        "the announced event keeps version 1"
    );
    assert_eq!(
        coalition::demand_list_for_event(&db, draft.id)
            .unwrap()
            .unwrap()
            .id,
        edited.latest.id,
        "the draft follows the newest version"
    );
    assert_eq!(
        coalition::get_version(&db, v1).unwrap().demands.len(),
        6,
        "version 1 is unchanged"
    );

    let diff = coalition::diff_versions(&db, v1, edited.latest.id).unwrap();
    assert_eq!(
        diff.title.as_ref().map(|t| t.new.as_str()),
        Some("Justice4Siham & Justice4Naseem demands"),
        "the title change is shown"
    );
    assert!(diff.intro.is_none(), "the intro did not change");
    let kinds: Vec<(DemandChangeKind, Option<u32>, Option<u32>)> = diff
        .changes
        .iter()
        .map(|c| (c.kind, c.old_number, c.new_number))
        .collect();
    assert!(
        kinds.contains(&(DemandChangeKind::Changed, Some(2), Some(1))),
        "demand 2's new words are a change: {kinds:?}"
    );
    assert!(
        kinds.contains(&(DemandChangeKind::Removed, Some(3), None)),
        "demand 3 was removed: {kinds:?}"
    );
    assert!(
        kinds.contains(&(DemandChangeKind::Added, None, Some(6))),
        "a demand was added at the end: {kinds:?}"
    );
    assert!(
        kinds.contains(&(DemandChangeKind::Moved, Some(1), Some(4))),
        "demand 1 moved to 4: {kinds:?}"
    );
    assert_eq!(
        diff.changes.len(),
        4,
        "nothing else is reported as changed: {:#?}",
        diff.changes
    );

    let same = coalition::update_demand_list(
        &db,
        list.id,
        DemandListInput {
            title: edited.latest.title.clone(),
            intro: edited.latest.intro.clone(),
            demands: edited
                .latest
                .demands
                .iter()
                .map(|d| DemandInput {
                    key: Some(d.key),
                    text: d.text.clone(),
                })
                .collect(),
        },
    )
    .unwrap();
    assert_eq!(
        same.latest.number, 2,
        "saving the same words makes no new version"
    );
    let moved_on = coalition::move_to_latest(&db, announced.id)
        .unwrap()
        .expect("the event has a list");
    assert_eq!(
        moved_on.number, 2,
        "the organizer moves the announced event to the newest version"
    );
    let v3 = coalition::move_demand(&db, list.id, 1, 2).unwrap();
    assert_eq!(
        v3.latest.number, 3,
        "version 2 is now settled by the announced event, so a move makes version 3"
    );
    assert_eq!(v3.version_ids.len(), 3, "three versions are listed");
    assert_eq!(
        coalition::list_demand_lists(&db).unwrap()[0].latest_version,
        3,
        "the overview shows the newest version"
    );
    let err = coalition::update_demand_list(
        &db,
        list.id,
        DemandListInput {
            title: "".into(),
            demands: vec![DemandInput {
                key: Some(999),
                text: " ".into(),
            }],
            ..Default::default()
        },
    )
    .expect_err("bad edits are refused");
    for field in ["title", "demands[0].text"] {
        assert!(
            err.fields.iter().any(|f| f.field == field),
            "the error names {field}: {err:?}"
        );
    }
}

#[test]
fn endorsements_are_per_version_and_translations_fall_back() {
    let (_dir, db) = open();
    let j4s = org(&db, "Justice4Siham Coalition", "");
    let list = coalition::create_demand_list(&db, six_demands()).unwrap();
    let v1 = list.latest.clone();
    coalition::endorse(
        &db,
        j4s.id,
        v1.id,
        "2027-01-10",
        "voted at the general meeting",
    )
    .expect("the endorsement is recorded");
    let es = coalition::set_translation(
        &db,
        v1.id,
        TranslationInput {
            language: "es".into(),
            title: "Demandas de Justice4Siham".into(),
            intro: "En solidaridad con Siham y Naseem, exigimos que:".into(),
            demands: vec![
                "El DCF permita a Siham comunicarse con Naseem.".into(),
                "".into(),
            ],
        },
    )
    .expect("a translation is saved");
    assert_eq!(
        (es.language.as_str(), es.title.as_str()),
        ("es", "Demandas de Justice4Siham"),
        "the version reads in Spanish"
    );
    assert_eq!(
        es.demands[0].text, "El DCF permita a Siham comunicarse con Naseem.",
        "a translated demand is in Spanish"
    );
    assert_eq!(
        (es.demands[1].text.as_str(), es.untranslated),
        ("DCF does not put Naseem up for adoption.", 5),
        "untranslated demands fall back to the list's own words, counted"
    );
    assert_eq!(
        coalition::version_in_language(&db, v1.id, "es-MX")
            .unwrap()
            .language,
        "es",
        "a regional tag falls back to its language"
    );
    let fr = coalition::version_in_language(&db, v1.id, "fr").unwrap();
    assert_eq!(
        (fr.language.as_str(), fr.title.as_str()),
        ("", "Justice4Siham demands"),
        "a language without a translation gives the list's own words"
    );
    assert_eq!(
        fr.translations,
        ["es"],
        "the version tells which translations it has"
    );
    let err = coalition::set_translation(
        &db,
        v1.id,
        TranslationInput {
            language: "not a tag!".into(),
            ..Default::default()
        },
    )
    .expect_err("a bad language tag is refused");
    assert_eq!(
        err.fields[0].field, "language",
        "the error names the language"
    );

    let mut input = six_demands();
    for (d, k) in input.demands.iter_mut().zip(&v1.demands) {
        d.key = Some(k.key);
    }
    input.demands[5].text =
        "ICE immediately stop terrorizing our communities and ripping apart families.".into();
    let v2 = coalition::update_demand_list(&db, list.id, input)
        .unwrap()
        .latest;
    assert_eq!(
        v2.number, 2,
        "an endorsed version is settled: editing makes version 2"
    );
    assert_eq!(
        coalition::endorsements(&db, v1.id).unwrap().len(),
        1,
        "the endorsement stays with version 1"
    );
    assert!(
        coalition::endorsements(&db, v2.id).unwrap().is_empty(),
        "version 2 has no endorsement yet"
    );
    let es2 = coalition::version_in_language(&db, v2.id, "es").unwrap();
    assert_eq!(
        (es2.title.as_str(), es2.demands[0].text.as_str()),
        (
            "Demandas de Justice4Siham",
            "El DCF permita a Siham comunicarse con Naseem."
        ),
        "translations of unchanged words carry over to the new version"
    );
}

#[test]
fn an_invitation_is_drafted_and_written_as_an_eml_that_headers_cannot_be_injected_into() {
    let (_dir, db) = open();
    branch::save(&db, demo::sample_branch()).unwrap();
    let j4s = org(&db, "Justice4Siham Coalition", "");
    let mut e = rally(
        &db,
        "#Justice4Siham Rally\r\nBcc: victim@example.net",
        "2027-01-30",
    );
    e.description = "Join us at the JFK Federal Building.".into();
    let e = events::update(&db, e.id, e.to_input()).unwrap_or(e);
    let list = coalition::create_demand_list(&db, six_demands()).unwrap();
    coalition::attach_demand_list(&db, e.id, list.id).unwrap();
    let draft = coalition::draft_invitation(&db, e.id, j4s.contacts[0].id)
        .expect("the invitation is drafted");
    assert_eq!(
        coalition::email_draft(&db, draft.id).unwrap(),
        draft,
        "the draft is saved for the mail capability"
    );
    assert_eq!(
        draft.to_address, "person@example.org",
        "it goes to the contact"
    );
    for part in [
        "Dear Contact of Justice4Siham Coalition",
        "Saturday, January 30, 2027 | 12:00 - 2:00 pm",
        "In solidarity with Siham and Naseem, we demand that:",
        "6. ICE stop terrorizing our communities.",
        "What co-sponsoring means",
    ] {
        assert!(
            draft.body.contains(part),
            "the body has “{part}”:\n{}",
            draft.body
        );
    }
    let eml = String::from_utf8(coalition::invitation_eml(&db, draft.id).unwrap())
        .expect("the .eml is ASCII text");
    let (headers, body) = eml
        .split_once("\r\n\r\n")
        .expect("headers and body are separated by a blank line");
    assert!(
        !headers
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "a line break in the title does not start a Bcc header:\n{headers}"
    );
    assert_eq!(
        headers.lines().filter(|l| l.starts_with("To: ")).count(),
        1,
        "there is one To header:\n{headers}"
    );
    assert!(
        headers.contains("From: ") && headers.contains("boston@example.org"),
        "it is from the branch's address:\n{headers}"
    );
    assert!(
        headers.contains("Subject: ") && headers.contains("Date: "),
        "it has a subject and a date:\n{headers}"
    );
    assert!(!body.is_empty(), "the body is there");

    let evil = coalition::EmailDraft {
        to_name: "Amina\r\nBcc: victim@example.net".into(),
        subject: "Hi\nX-Injected: yes".into(),
        ..draft.clone()
    };
    let eml = String::from_utf8(coalition::render_eml(&evil).unwrap()).unwrap();
    let headers = eml.split_once("\r\n\r\n").unwrap().0;
    assert!(
        !headers
            .lines()
            .any(|l| l.starts_with("Bcc:") || l.starts_with("X-Injected:")),
        "CR/LF in a name or subject cannot add headers:\n{headers}"
    );
    let bad = coalition::EmailDraft {
        to_address: "not an address".into(),
        ..draft
    };
    assert_eq!(
        coalition::render_eml(&bad)
            .expect_err("a bad address is refused")
            .fields[0]
            .field,
        "to_address",
        "the error names the address"
    );

    let no_email = coalition::create_organization(
        &db,
        OrganizationInput {
            name: "Quiet Group".into(),
            contacts: vec![ContactInput {
                name: "Nobody".into(),
                ..Default::default()
            }],
            ..Default::default()
        },
    )
    .unwrap()
    .organization;
    let err = coalition::draft_invitation(&db, e.id, no_email.contacts[0].id)
        .expect_err("a contact without email cannot be invited by email");
    assert!(
        err.message.contains("no email address"),
        "the message says what to do: {}",
        err.message
    );
}

#[test]
fn listings_name_confirmed_co_sponsors_in_order_and_print_the_demand_list() {
    let (_dir, db) = open();
    let a = org(&db, "Alpha Union", "");
    let b = org(&db, "Beta Students", "");
    let c = org(&db, "Gamma <script>alert(1)</script>", "");
    let e = rally(&db, "Rally", "2027-01-30");
    events::announce(&db, e.id).unwrap();
    let t = CosponsorTarget::Event(e.id);
    coalition::set_cosponsor_status(&db, t, a.id, step(CosponsorStatus::Confirmed, "")).unwrap();
    coalition::set_cosponsor_status(&db, t, c.id, step(CosponsorStatus::Confirmed, "")).unwrap();
    coalition::set_cosponsor_status(&db, t, b.id, step(CosponsorStatus::Asked, "")).unwrap();
    coalition::reorder_cosponsors(&db, t, &[c.id, a.id]).unwrap();
    let list = coalition::create_demand_list(&db, six_demands()).unwrap();
    coalition::attach_demand_list(&db, e.id, list.id).unwrap();
    let now: jiff::Timestamp = "2027-01-01T00:00:00Z".parse().unwrap();

    let text = events::listing::upcoming_text(&db, now).unwrap();
    assert!(
        text.contains("Co-sponsored by Gamma <script>alert(1)</script> and Alpha Union"),
        "confirmed co-sponsors in order:\n{text}"
    );
    assert!(
        !text.contains("Beta Students"),
        "an asked organization is not named:\n{text}"
    );
    assert!(
        text.contains("In solidarity with Siham and Naseem, we demand that:\n1. DCF allow"),
        "the demand list is printed, numbered:\n{text}"
    );
    let html = events::listing::upcoming_html(&db, now).unwrap();
    assert!(
        html.contains("Co-sponsored by Gamma &lt;script&gt;") && !html.contains("<script>"),
        "names are escaped in HTML:\n{html}"
    );
    assert!(
        html.contains("<ol><li>DCF allow Siham"),
        "the demands are an ordered list:\n{html}"
    );
    assert!(
        !html.contains("Beta Students"),
        "an asked organization is not named in HTML"
    );

    let tour = events::create_tour(
        &db,
        TourInput {
            title: "Campus Tour".into(),
            ..Default::default()
        },
    )
    .unwrap();
    coalition::set_cosponsor_status(
        &db,
        CosponsorTarget::Tour(tour.id),
        b.id,
        step(CosponsorStatus::Confirmed, ""),
    )
    .unwrap();
    coalition::attach_tour_demand_list(&db, tour.id, list.id).unwrap();
    let tour_text = events::listing::tour_text(&db, tour.id).unwrap();
    assert!(
        tour_text.contains("Co-sponsored by Beta Students") && tour_text.contains("6. ICE stop"),
        "a tour names its co-sponsors and demands:\n{tour_text}"
    );
}

#[test]
fn the_demo_gains_its_coalition_once_also_for_an_older_sample() {
    let (_dir, db) = open();
    demo::load(&db).expect("the demo loads");
    let rally = events::search(&db, "Justice4Siham", 20)
        .unwrap()
        .into_iter()
        .find(|e| e.kind == EventKind::Rally)
        .expect("the sample rally is there");
    let confirmed = coalition::confirmed_cosponsors(&db, rally.id).unwrap();
    assert_eq!(
        confirmed
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["Justice4Siham Coalition"],
        "one confirmed co-sponsor on the rally"
    );
    let all = coalition::cosponsorships_for(&db, CosponsorTarget::Event(rally.id)).unwrap();
    assert!(
        all.iter().any(|c| c.status == CosponsorStatus::Asked),
        "and one asked"
    );
    let demands = coalition::demand_list_for_event(&db, rally.id)
        .unwrap()
        .expect("the rally carries the demand list");
    assert_eq!(
        (demands.demands.len(), demands.intro.as_str()),
        (6, "In solidarity with Siham and Naseem, we demand that:"),
        "six demands with the sample's intro"
    );
    assert_eq!(
        coalition::version_in_language(&db, demands.id, "es")
            .unwrap()
            .untranslated,
        0,
        "the Spanish translation is complete"
    );
    let orgs = count(&db, "organization");
    assert!(orgs >= 4, "the sample names several partner organizations");

    assert!(
        !demo::load(&db).unwrap().changed,
        "loading again changes nothing"
    );
    assert_eq!(
        count(&db, "organization"),
        orgs,
        "no organization is added twice"
    );

    db.conn().execute_batch("DELETE FROM demand_use; DELETE FROM endorsement; DELETE FROM cosponsorship; DELETE FROM demand_list; DELETE FROM email_draft; DELETE FROM organization;").unwrap();
    assert!(
        demo::load(&db).unwrap().changed,
        "an older sample without a coalition gains it"
    );
    assert_eq!(count(&db, "organization"), orgs, "it gains it whole");
    assert!(!demo::load(&db).unwrap().changed, "and only once");
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Proves no file, however broken, makes the organizations import panic:
        /// it imports or returns an error, and a dry run never writes.
        #[test]
        fn the_organizations_import_never_panics(
            head in prop::sample::select(vec!["Name,Website,Email\n", "Organization;Contact;Contact email\n", "\u{feff}name\tkind\n", "", "Website\n"]),
            body in prop::collection::vec(any::<u8>(), 0..400),
            text in "[A-Za-z ,;\"\t\r\n@.:/éü-]{0,200}",
        ) {
            let (_dir, db) = open();
            let mut bytes = head.as_bytes().to_vec();
            bytes.extend_from_slice(text.as_bytes());
            bytes.extend_from_slice(&body);
            let _ = coalition::preview_organizations("p.csv", &bytes);
            let _ = coalition::import_organizations(&db, "p.csv", &bytes, &OrgImportOptions { dry_run: true, ..Default::default() });
            prop_assert_eq!(count(&db, "organization"), 0, "a dry run writes nothing");
            let _ = coalition::import_organizations(&db, "p.csv", &bytes, &OrgImportOptions::default());
        }
    }
}
