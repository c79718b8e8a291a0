//! The branch profile against a real SQLite file: what is accepted, what is
//! refused with which message, and that a refusal never changes what was saved.

use handbill_core::branch::{self, BranchInput};
use handbill_core::{demo, Database, ErrorCode};

fn input() -> BranchInput {
    BranchInput {
        name: "  Boston Branch ".into(),
        short_name: "BB".into(),
        city: "Boston, MA".into(),
        contact_email: "boston@example.org".into(),
        website: "example.org/boston".into(),
        time_zone: "america/new_york".into(),
        languages: vec!["en".into(), " es ".into(), "en".into()],
    }
}

fn fresh() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("b.sqlite")).unwrap();
    (dir, db)
}

#[test]
fn a_saved_profile_is_cleaned_and_survives_reopening() {
    let (dir, db) = fresh();
    assert_eq!(
        branch::get(&db).unwrap(),
        None,
        "a new database has no branch"
    );
    let saved = branch::save(&db, input()).expect("a valid profile saves");
    assert_eq!(saved.name, "Boston Branch", "the name is trimmed");
    assert_eq!(
        saved.website, "https://example.org/boston",
        "https:// is added to a bare website"
    );
    assert_eq!(
        saved.time_zone, "America/New_York",
        "the time zone takes its canonical name"
    );
    assert_eq!(
        saved.languages,
        vec!["en", "es"],
        "languages are trimmed and deduplicated"
    );
    drop(db);
    let db = Database::open(&dir.path().join("b.sqlite")).unwrap();
    assert_eq!(
        branch::get(&db).unwrap(),
        Some(saved),
        "the profile is read back unchanged"
    );
}

#[test]
fn every_bad_field_is_named_and_nothing_is_saved() {
    let (_dir, db) = fresh();
    let before = branch::save(&db, input()).unwrap();
    let bad = BranchInput {
        name: " ".into(),
        contact_email: "boston at example".into(),
        website: "ftp://example.org".into(),
        time_zone: "Mars/Olympus_Mons".into(),
        languages: vec!["english!".into()],
        ..input()
    };
    let err = branch::save(&db, bad).expect_err("a bad profile is refused");
    assert_eq!(
        err.code,
        ErrorCode::Invalid,
        "the refusal is a validation error"
    );
    let fields: Vec<&str> = err.fields.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        vec!["name", "contact_email", "website", "time_zone", "languages"],
        "every bad field is named, in form order"
    );
    assert!(
        err.fields[1].message.contains("boston at example"),
        "the email message quotes the input"
    );
    assert!(
        err.fields[3].message.contains("Mars/Olympus_Mons"),
        "the time zone message quotes the input"
    );
    assert_eq!(
        branch::get(&db).unwrap(),
        Some(before),
        "the saved profile is unchanged"
    );
}

#[test]
fn emails_and_websites_are_checked_like_a_person_would() {
    for good in ["a@example.org", "first.last+tag@mail.example.co.uk"] {
        assert!(
            branch::validate(BranchInput {
                contact_email: good.into(),
                ..input()
            })
            .is_ok(),
            "{good} is accepted"
        );
    }
    for bad in [
        "a@b",
        "Name <a@example.org>",
        "a@@example.org",
        "a@example.org.",
        "@example.org",
    ] {
        let err = branch::validate(BranchInput {
            contact_email: bad.into(),
            ..input()
        })
        .expect_err(bad);
        assert_eq!(
            err.fields[0].field, "contact_email",
            "{bad} is refused as an email"
        );
    }
    for bad in [
        "not a site",
        "https://",
        "javascript:alert(1)",
        "http://localhost",
    ] {
        let err = branch::validate(BranchInput {
            website: bad.into(),
            ..input()
        })
        .expect_err(bad);
        assert_eq!(
            err.fields[0].field, "website",
            "{bad} is refused as a website"
        );
    }
    let long = "x".repeat(121);
    let err = branch::validate(BranchInput {
        name: long,
        ..input()
    })
    .expect_err("a long name");
    assert!(
        err.fields[0].message.contains("121 characters"),
        "the length is told: {}",
        err.message
    );
    let err = branch::validate(BranchInput {
        city: "Boston\nMA".into(),
        ..input()
    })
    .expect_err("a line break");
    assert_eq!(
        err.fields[0].field, "city",
        "a line break in a one-line field is refused"
    );
}

#[test]
fn set_field_changes_one_field_by_its_json_key() {
    let (_dir, db) = fresh();
    let err = branch::set_field(&db, "city", "Boston").expect_err("no name yet");
    assert_eq!(
        err.fields[0].field, "name",
        "a branch needs a name first: {err:?}"
    );
    branch::set_field(&db, "name", "Boston Branch").expect("a name creates the branch");
    let p = branch::set_field(&db, "languages", "en, es").unwrap();
    assert_eq!(
        p.languages,
        vec!["en", "es"],
        "languages take a comma-separated list"
    );
    let json = serde_json::to_value(&p).unwrap();
    for field in branch::FIELDS {
        assert!(
            json.get(field).is_some(),
            "{field} is a key of branch show --json"
        );
    }
    let err = branch::set_field(&db, "colour", "red").expect_err("unknown field");
    assert_eq!(
        err.code,
        ErrorCode::Invalid,
        "an unknown field is invalid input"
    );
    assert!(
        err.message.contains("contact_email"),
        "the message lists the fields: {}",
        err.message
    );
}

#[test]
fn a_logo_must_be_a_whole_png_or_jpeg_of_sensible_size() {
    let (dir, db) = fresh();
    branch::save(&db, input()).unwrap();
    let png = include_bytes!("../assets/sample-logo.png");
    let p = branch::set_logo(&db, png).expect("a PNG is taken");
    let logo = p.logo.clone().expect("the logo is recorded");
    assert_eq!(
        (logo.media_type.as_str(), logo.width, logo.height),
        ("image/png", 256, 256),
        "its facts are read"
    );

    let text_file = dir.path().join("logo.txt");
    std::fs::write(&text_file, "not an image").unwrap();
    let err =
        branch::set_field(&db, "logo", text_file.to_str().unwrap()).expect_err("text is refused");
    assert!(
        err.message.contains("PNG or JPEG"),
        "the message says what is wanted: {}",
        err.message
    );

    let err = branch::set_logo(&db, &png[..png.len() / 2]).expect_err("a truncated PNG is refused");
    assert!(
        err.message.contains("damaged"),
        "a truncated image is called damaged: {}",
        err.message
    );

    let mut huge = png.to_vec();
    huge.resize(6 * 1024 * 1024, 0);
    let err = branch::set_logo(&db, &huge).expect_err("a 6 MB file is refused");
    assert!(
        err.message.contains("6.0 MB"),
        "the size is told: {}",
        err.message
    );

    let err = branch::set_field(&db, "logo", "/no/such/logo.png").expect_err("a missing file");
    assert!(
        err.message.contains("/no/such/logo.png"),
        "the missing path is named: {}",
        err.message
    );

    assert_eq!(
        branch::get(&db).unwrap().unwrap().logo,
        Some(logo),
        "the refusals left the first logo in place"
    );
    let (media_type, bytes) = branch::logo(&db).unwrap().unwrap();
    assert_eq!(
        (media_type.as_str(), bytes.as_slice()),
        ("image/png", &png[..]),
        "the stored bytes are the file's"
    );
    assert_eq!(
        branch::clear_logo(&db).unwrap().logo,
        None,
        "the logo can be removed"
    );
}

#[test]
fn the_sample_loads_once_and_never_overwrites_a_branch() {
    let (_dir, db) = fresh();
    let first = demo::load(&db).expect("the sample loads into an empty database");
    assert!(first.changed, "the first load changes the database");
    assert!(first.branch.logo.is_some(), "the sample has a logo");
    let second = demo::load(&db).expect("loading again is fine");
    assert!(!second.changed, "the second load changes nothing");
    assert_eq!(
        second.branch, first.branch,
        "the profile is exactly as before, timestamps included"
    );

    let (_dir2, other) = fresh();
    let mine = branch::save(&other, input()).unwrap();
    let err = demo::load(&other).expect_err("the sample does not overwrite a branch");
    assert!(
        err.message.contains("Boston Branch"),
        "the message names the branch it protects: {}",
        err.message
    );
    assert_eq!(
        branch::get(&other).unwrap(),
        Some(mine),
        "the existing branch is unchanged"
    );
}

#[test]
fn every_time_zone_offered_is_accepted() {
    let zones = branch::time_zones();
    assert!(
        zones.len() > 300,
        "the full IANA list is offered, got {}",
        zones.len()
    );
    for zone in [
        "America/New_York",
        "Europe/Madrid",
        "America/Mexico_City",
        "UTC",
    ] {
        assert!(zones.iter().any(|z| z == zone), "{zone} is offered");
    }
    for zone in zones.iter().take(600) {
        let ok = branch::validate(BranchInput {
            time_zone: zone.clone(),
            ..input()
        });
        assert!(ok.is_ok(), "offered zone {zone} is accepted");
    }
}
