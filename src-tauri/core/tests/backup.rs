//! Backups and hand-over against real files: snapshots are whole and pruned,
//! a restore keeps the current data as a backup, and every bad source — not a
//! database, damaged, newer, truncated — is refused with nothing replaced.

use std::fs;
use std::path::Path;

use handbill_core::branch::{self, BranchInput};
use handbill_core::db::backup::{self, BackupKind, KEEP_DAILY, KEEP_OTHER};
use handbill_core::{branch::handover, demo, Database, ErrorCode};

fn with_branch(path: &Path, name: &str) -> Database {
    let db = Database::open(path).unwrap();
    branch::save(
        &db,
        BranchInput {
            name: name.into(),
            short_name: String::new(),
            city: String::new(),
            contact_email: String::new(),
            website: String::new(),
            time_zone: "UTC".into(),
            languages: vec!["en".into()],
        },
    )
    .unwrap();
    db
}

fn name_in(path: &Path) -> String {
    let db = Database::open(path).unwrap();
    branch::require(&db).unwrap().name
}

#[test]
fn a_snapshot_is_a_whole_database_and_old_ones_are_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.sqlite");
    let db = with_branch(&path, "Snapshot Branch");
    let taken = backup::daily_if_due(&db)
        .unwrap()
        .expect("the first daily snapshot is taken");
    assert!(
        backup::daily_if_due(&db).unwrap().is_none(),
        "a second one the same day is not"
    );
    assert_eq!(taken.kind, BackupKind::Daily, "it is recorded as daily");
    assert!(taken.size_bytes > 0, "it has a size");
    assert_eq!(
        name_in(Path::new(&taken.path)),
        "Snapshot Branch",
        "it opens and holds the branch"
    );

    for kind in [
        BackupKind::BeforeMigration,
        BackupKind::BeforeRestore,
        BackupKind::Manual,
    ] {
        let b = backup::snapshot(&db, kind).expect("every kind of snapshot can be taken");
        assert_eq!(b.kind, kind, "{kind:?} is listed as such");
    }
    for _ in 0..KEEP_OTHER + 3 {
        backup::snapshot(&db, BackupKind::BeforeSend).unwrap();
    }
    let all = backup::list(&path).unwrap();
    let rotating = all
        .iter()
        .filter(|b| matches!(b.kind, BackupKind::BeforeSend | BackupKind::Manual))
        .count();
    assert_eq!(
        rotating, KEEP_OTHER,
        "only the newest {KEEP_OTHER} rotating snapshots (before sending, by hand) are kept"
    );
    for kind in [BackupKind::BeforeMigration, BackupKind::BeforeRestore] {
        assert_eq!(
            all.iter().filter(|b| b.kind == kind).count(),
            1,
            "the copy taken {kind:?} is in a pool the rotation never prunes"
        );
    }
    assert_eq!(
        all.iter().filter(|b| b.kind == BackupKind::Daily).count(),
        1,
        "the daily one is not pruned by them"
    );
    const { assert!(KEEP_DAILY >= 7, "a week of daily snapshots is kept") };
}

#[test]
fn restoring_keeps_the_current_data_as_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.sqlite");
    let db = with_branch(&path, "Before");
    let file = dir.path().join("copy.sqlite");
    backup::backup_unsealed_to(&db, &file).unwrap();
    let err =
        backup::backup_unsealed_to(&db, &file).expect_err("an existing file is not overwritten");
    assert_eq!(
        err.code,
        ErrorCode::Invalid,
        "overwriting is refused: {err:?}"
    );
    branch::set_field(&db, "name", "After").unwrap();

    let (db, kept) = backup::restore(db, &file).expect("the backup restores");
    assert_eq!(
        branch::require(&db).unwrap().name,
        "Before",
        "the restored data is back"
    );
    assert_eq!(
        kept.kind,
        BackupKind::BeforeRestore,
        "the replaced data was kept"
    );
    assert_eq!(
        name_in(Path::new(&kept.path)),
        "After",
        "the kept copy holds what was replaced"
    );
}

/// A database made before new files got 16 KiB pages keeps SQLite's 4 KiB:
/// a backup of it, or a hand-over from such a machine, must still restore
/// into a new database, and the other way round.
#[test]
fn backups_restore_across_page_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.sqlite");
    {
        let conn = rusqlite::Connection::open(&old).unwrap();
        conn.execute_batch(
            "PRAGMA page_size = 4096; CREATE TABLE first_write (x); DROP TABLE first_write;",
        )
        .unwrap();
    }
    let old_db = with_branch(&old, "Four kilobyte pages");
    let page_size = |db: &Database| -> i64 {
        db.conn()
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(page_size(&old_db), 4096, "an existing file keeps its pages");
    let old_copy = dir.path().join("old-copy.sqlite");
    backup::backup_unsealed_to(&old_db, &old_copy).unwrap();

    let new = dir.path().join("new.sqlite");
    let new_db = with_branch(&new, "Sixteen kilobyte pages");
    assert_eq!(page_size(&new_db), 16384, "a new file gets 16 KiB pages");
    let new_copy = dir.path().join("new-copy.sqlite");
    backup::backup_unsealed_to(&new_db, &new_copy).unwrap();

    let (new_db, _) =
        backup::restore(new_db, &old_copy).expect("the old backup restores into the new file");
    assert_eq!(
        branch::require(&new_db).unwrap().name,
        "Four kilobyte pages"
    );
    let (old_db, _) =
        backup::restore(old_db, &new_copy).expect("the new backup restores into the old file");
    assert_eq!(
        branch::require(&old_db).unwrap().name,
        "Sixteen kilobyte pages"
    );
    // Both still work as databases: written to and read again.
    branch::set_field(&new_db, "name", "Written after").unwrap();
    assert_eq!(name_in(&new), "Written after");
    branch::set_field(&old_db, "name", "Also written").unwrap();
    assert_eq!(name_in(&old), "Also written");
}

#[test]
fn a_bad_backup_is_refused_and_nothing_current_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.sqlite");
    let mut db = with_branch(&path, "Current");

    let text = dir.path().join("notes.sqlite");
    fs::write(&text, "not a database").unwrap();
    let other = dir.path().join("other.sqlite");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x);")
        .unwrap();
    let newer = dir.path().join("newer.sqlite");
    backup::backup_unsealed_to(&db, &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let truncated = dir.path().join("truncated.sqlite");
    backup::backup_unsealed_to(&db, &truncated).unwrap();
    let bytes = fs::read(&truncated).unwrap();
    fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();

    for (file, code) in [
        (&text, ErrorCode::NotADatabase),
        (&other, ErrorCode::NotADatabase),
        (&newer, ErrorCode::NewerDatabase),
        (&truncated, ErrorCode::Damaged),
        (&dir.path().join("missing.sqlite"), ErrorCode::NotFound),
    ] {
        let err = match backup::restore(db, file) {
            Ok(_) => panic!("{} should be refused", file.display()),
            Err(e) => e,
        };
        assert_eq!(
            err.code,
            code,
            "{} is refused as {code:?}: {}",
            file.display(),
            err.message
        );
        assert!(
            err.message
                .contains(file.file_name().unwrap().to_str().unwrap()),
            "the message names the file: {}",
            err.message
        );
        db = Database::open(&path).unwrap();
        assert_eq!(
            branch::require(&db).unwrap().name,
            "Current",
            "{} replaced nothing",
            file.display()
        );
    }
    assert!(
        backup::list(&path).unwrap().is_empty(),
        "refused restores took no snapshot"
    );
}

#[test]
fn a_hand_over_file_opens_on_another_machine_with_the_same_branch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old-laptop.sqlite");
    let db = Database::open(&path).unwrap();
    demo::load(&db).unwrap();
    let export = dir.path().join("branch.handbill");
    let manifest = handover::export_unsealed(&db, &export).expect("the branch exports");
    assert_eq!(
        manifest.branch_name,
        branch::require(&db).unwrap().name,
        "the manifest names the branch"
    );

    let new_machine = dir.path().join("new-laptop/handbill.sqlite");
    let (imported, _) = handover::import(&export, &new_machine, false).expect("the export imports");
    assert_eq!(
        branch::get(&imported).unwrap(),
        branch::get(&db).unwrap(),
        "the same branch profile arrives"
    );
    assert_eq!(
        branch::logo(&imported).unwrap(),
        branch::logo(&db).unwrap(),
        "the logo arrives"
    );
    // Everything the branch keeps arrives, not only the profile.
    let now: jiff::Timestamp = "2026-11-25T00:00:00Z".parse().unwrap();
    assert_eq!(
        handbill_core::events::upcoming(&imported, now).unwrap(),
        handbill_core::events::upcoming(&db, now).unwrap(),
        "the same events arrive"
    );
    let first = handbill_core::events::all(&db).unwrap()[0].id;
    assert_eq!(
        handbill_core::events::history(&imported, first).unwrap(),
        handbill_core::events::history(&db, first).unwrap(),
        "with their history"
    );
    assert_eq!(
        handbill_core::coalition::list_organizations(&imported).unwrap(),
        handbill_core::coalition::list_organizations(&db).unwrap(),
        "the same organizations arrive"
    );
    assert_eq!(
        handbill_core::coalition::list_demand_lists(&imported).unwrap(),
        handbill_core::coalition::list_demand_lists(&db).unwrap(),
        "the same demand lists arrive"
    );
    let list = handbill_core::mail::lists::all(&db).unwrap();
    assert_eq!(
        handbill_core::mail::lists::all(&imported).unwrap(),
        list,
        "the same lists with the same counts arrive"
    );
    let someone = handbill_core::mail::subscribers::find(&db, "ana.alvarez@example.org")
        .unwrap()
        .expect("a sample subscriber");
    assert_eq!(
        handbill_core::mail::subscribers::detail(&imported, someone.id).unwrap(),
        handbill_core::mail::subscribers::detail(&db, someone.id).unwrap(),
        "a subscriber arrives with their consent ledger"
    );

    let err = handover::import(&export, &new_machine, false)
        .expect_err("a branch is not replaced silently");
    assert!(
        err.message.contains("--replace"),
        "the message says how to replace: {}",
        err.message
    );
    drop(imported);
    handover::import(&export, &new_machine, true).expect("--replace replaces, keeping a backup");
    assert_eq!(
        backup::list(&new_machine).unwrap().len(),
        1,
        "the replaced database was kept as a backup"
    );
}

#[test]
fn a_truncated_or_newer_export_is_refused_with_nothing_changed() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("a.sqlite")).unwrap();
    demo::load(&db).unwrap();
    let export = dir.path().join("branch.handbill");
    handover::export_unsealed(&db, &export).unwrap();
    let bytes = fs::read(&export).unwrap();

    let target = dir.path().join("target.sqlite");
    let current = with_branch(&target, "Target Branch");
    drop(current);

    let truncated = dir.path().join("truncated.handbill");
    fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let err =
        handover::import(&truncated, &target, true).expect_err("a truncated export is refused");
    assert_eq!(
        err.code,
        ErrorCode::Damaged,
        "it is called damaged: {}",
        err.message
    );

    let not_zip = dir.path().join("notes.handbill");
    fs::write(&not_zip, "meeting notes").unwrap();
    let err = handover::import(&not_zip, &target, true).expect_err("a text file is refused");
    assert!(
        err.message.contains("notes.handbill"),
        "the message names the file: {}",
        err.message
    );

    // An export from a future Handbill: rewrite its manifest with a newer schema.
    let newer = dir.path().join("newer.handbill");
    {
        let mut archive = zip::ZipArchive::new(fs::File::open(&export).unwrap()).unwrap();
        let mut manifest = String::new();
        std::io::Read::read_to_string(
            &mut archive.by_name("manifest.json").unwrap(),
            &mut manifest,
        )
        .unwrap();
        let mut database = Vec::new();
        std::io::Read::read_to_end(
            &mut archive.by_name("branch.sqlite").unwrap(),
            &mut database,
        )
        .unwrap();
        let mut value: serde_json::Value = serde_json::from_str(&manifest).unwrap();
        value["schema_version"] = 99.into();
        let mut out = zip::ZipWriter::new(fs::File::create(&newer).unwrap());
        let options = zip::write::SimpleFileOptions::default();
        out.start_file("manifest.json", options).unwrap();
        std::io::Write::write_all(&mut out, value.to_string().as_bytes()).unwrap();
        out.start_file("branch.sqlite", options).unwrap();
        std::io::Write::write_all(&mut out, &database).unwrap();
        out.finish().unwrap();
    }
    let err = handover::import(&newer, &target, true).expect_err("a newer export is refused");
    assert_eq!(
        err.code,
        ErrorCode::NewerDatabase,
        "it asks for a newer Handbill: {}",
        err.message
    );

    assert_eq!(
        name_in(&target),
        "Target Branch",
        "no refused import replaced the target"
    );
    assert!(
        backup::list(&target).unwrap().is_empty(),
        "refused imports took no snapshot"
    );
}

#[test]
fn the_diagnostic_report_tells_the_facts_and_nothing_personal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.sqlite");
    let db = Database::open(&path).unwrap();
    demo::load(&db).unwrap();
    backup::daily_if_due(&db).unwrap();
    let report = handbill_core::db::diagnostics::report(&path, Some(&db), None);
    assert!(
        report.contains(&format!("Handbill {}", handbill_core::VERSION)),
        "the version is told:\n{report}"
    );
    assert!(
        report.contains("Quick check: ok"),
        "the check result is told:\n{report}"
    );
    assert!(
        report.contains("Backups kept: 1"),
        "the backups are counted:\n{report}"
    );
    let profile = branch::require(&db).unwrap();
    for private in [&profile.name, &profile.contact_email, &profile.city] {
        assert!(
            !report.contains(private.as_str()),
            "the report does not contain {private}:\n{report}"
        );
    }
}
