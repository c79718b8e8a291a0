//! Storage that a file from outside cannot change or hurt (issue 14), against
//! real SQLite files: opening a foreign, damaged or newer file leaves its bytes
//! as they were; every connection runs with SQLite's defensive settings; a
//! backup of every schema version restores through the rebuilt copy, search
//! indexes included; and a hand-over's refusals say what is really wrong and
//! name the user's file, not a scratch copy.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use handbill_core::db::backup;
use handbill_core::{branch::handover, db::storage, demo, events, Database, ErrorCode};
use sha2::{Digest, Sha256};

#[path = "support/demo_backup.rs"]
mod demo_backup;

fn digest(path: &Path) -> String {
    let bytes = fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Opens `path` with `Database::open`, expecting a refusal of `code`, and
/// checks that the file's bytes did not change and nothing was made beside it.
fn refused_untouched(path: &Path, code: ErrorCode) {
    let before = digest(path);
    let err = Database::open(path).expect_err("the file is refused");
    assert_eq!(
        err.code,
        code,
        "{} is refused as {code:?}: {}",
        path.display(),
        err.message
    );
    assert_eq!(
        digest(path),
        before,
        "{} is byte for byte as it was after the refusal ({})",
        path.display(),
        err.message
    );
    for side in ["-wal", "-shm", "-journal"] {
        let mut beside = path.as_os_str().to_owned();
        beside.push(side);
        assert!(
            !Path::new(&beside).exists(),
            "opening {} made no {side} file beside it",
            path.display()
        );
    }
}

/// A sealed backup of a branch with the sample, in rollback-journal mode as
/// every backup is, at `to`.
fn sample_backup(dir: &Path, to: &Path) {
    let db = Database::open(&dir.join("sample-source.sqlite")).unwrap();
    demo::load(&db).unwrap();
    backup::backup_unsealed_to(&db, to).unwrap();
}

#[test]
fn opening_a_foreign_damaged_or_newer_file_leaves_its_bytes_unchanged() {
    let dir = tempfile::tempdir().unwrap();

    let foreign = dir.path().join("foreign.sqlite");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('theirs');")
        .unwrap();
    refused_untouched(&foreign, ErrorCode::NotADatabase);

    let foreign_id = dir.path().join("foreign-id.sqlite");
    rusqlite::Connection::open(&foreign_id)
        .unwrap()
        .execute_batch("PRAGMA application_id = 42; CREATE TABLE t (x);")
        .unwrap();
    refused_untouched(&foreign_id, ErrorCode::NotADatabase);

    let newer = dir.path().join("newer.sqlite");
    sample_backup(dir.path(), &newer);
    {
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    refused_untouched(&newer, ErrorCode::NewerDatabase);

    // A branch page's type byte overwritten: SQLite's quick check finds it.
    let damaged = dir.path().join("damaged.sqlite");
    sample_backup(dir.path(), &damaged);
    let mut bytes = fs::read(&damaged).unwrap();
    let page_size = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    let page_size = if page_size == 1 { 65536 } else { page_size };
    for page in 1..bytes.len() / page_size {
        bytes[page * page_size] = 0x6b;
    }
    fs::write(&damaged, &bytes).unwrap();
    refused_untouched(&damaged, ErrorCode::Damaged);
}

#[test]
fn every_connection_runs_with_the_defensive_settings() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("b.sqlite")).unwrap();
    let defensive = db
        .conn()
        .db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE)
        .unwrap();
    assert!(defensive, "SQLITE_DBCONFIG_DEFENSIVE is on");
    let trusted: i64 = db
        .conn()
        .query_row("PRAGMA trusted_schema", [], |r| r.get(0))
        .unwrap();
    assert_eq!(trusted, 0, "trusted_schema is off");
    db.conn()
        .execute_batch("PRAGMA writable_schema = ON")
        .unwrap();
    let planted = db.conn().execute(
        "INSERT INTO sqlite_schema (type, name, tbl_name, rootpage, sql) \
         VALUES ('trigger', 'x', 'branch', 0, 'CREATE TRIGGER x AFTER INSERT ON branch BEGIN SELECT 1; END')",
        [],
    );
    assert!(
        planted.is_err(),
        "the schema cannot be written around SQL: {planted:?}"
    );
}

#[test]
fn a_backup_of_every_schema_version_restores_and_its_search_works() {
    let dir = tempfile::tempdir().unwrap();
    for version in 1..=storage::schema_version() {
        let old = dir.path().join(format!("v{version}.sqlite"));
        let db = storage::open_at_version(&old, version).unwrap();
        db.conn()
            .execute(
                "INSERT INTO branch (id, name, time_zone, updated_at) VALUES (1, ?1, 'UTC', 'x')",
                [format!("Branch at schema {version}")],
            )
            .unwrap();
        let copy = dir.path().join(format!("v{version}-copy.sqlite"));
        backup::backup_unsealed_to(&db, &copy).unwrap();
        drop(db);
        let current = Database::open(&dir.path().join(format!("now-{version}.sqlite"))).unwrap();
        let (restored, _) = backup::restore(current, &copy)
            .unwrap_or_else(|e| panic!("a backup of schema {version} restores: {}", e.message));
        assert_eq!(
            restored.user_version().unwrap(),
            storage::schema_version(),
            "the restored data of schema {version} is brought to this version"
        );
        let name: String = restored
            .conn()
            .query_row("SELECT name FROM branch", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            name,
            format!("Branch at schema {version}"),
            "its data arrives"
        );
    }

    // The sample's events are found by word after a restore: the search index
    // is built again from the copied text, not taken from the file.
    let copy = dir.path().join("sample.sqlite");
    sample_backup(dir.path(), &copy);
    let source = Database::open(&dir.path().join("sample-source.sqlite")).unwrap();
    let word = events::all(&source).unwrap()[0]
        .title
        .split_whitespace()
        .find(|w| w.len() > 4 && w.chars().all(char::is_alphabetic))
        .expect("a word of the first event's title")
        .to_owned();
    let expected = events::search(&source, &word, 50).unwrap().len();
    assert!(expected > 0, "the sample finds {word:?}");
    let target = Database::open(&dir.path().join("fresh.sqlite")).unwrap();
    let (restored, _) = backup::restore(target, &copy).unwrap();
    assert_eq!(
        events::search(&restored, &word, 50).unwrap().len(),
        expected,
        "a restored branch finds {word:?} in as many events"
    );
}

/// The export at `from` with its manifest changed by `edit` and its database
/// replaced by `database` (when given), written to `to`.
fn rewritten(
    from: &Path,
    to: &Path,
    database: Option<Vec<u8>>,
    edit: impl Fn(&mut serde_json::Value),
) {
    let mut archive = zip::ZipArchive::new(fs::File::open(from).unwrap()).unwrap();
    let mut manifest = String::new();
    archive
        .by_name("manifest.json")
        .unwrap()
        .read_to_string(&mut manifest)
        .unwrap();
    let mut bytes = Vec::new();
    archive
        .by_name("branch.sqlite")
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    let bytes = database.unwrap_or(bytes);
    let mut value: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    value["database_bytes"] = bytes.len().into();
    value["database_sha256"] = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .into();
    edit(&mut value);
    let mut out = zip::ZipWriter::new(fs::File::create(to).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    out.start_file("manifest.json", options).unwrap();
    out.write_all(value.to_string().as_bytes()).unwrap();
    out.start_file("branch.sqlite", options).unwrap();
    out.write_all(&bytes).unwrap();
    out.finish().unwrap();
}

#[test]
fn hand_over_refusals_say_what_is_wrong_and_name_the_users_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("a.sqlite")).unwrap();
    demo::load(&db).unwrap();
    let export = dir.path().join("branch.handbill");
    handover::export_unsealed(&db, &export).unwrap();
    let current = storage::schema_version();
    let target = dir.path().join("target.sqlite");

    // A newer export format with this very schema is not "schema N, newer than schema N".
    let format = dir.path().join("format.handbill");
    rewritten(&export, &format, None, |m| m["format_version"] = 2.into());
    let err = handover::import(&format, &target, false).expect_err("a newer format is refused");
    assert_eq!(
        err.code,
        ErrorCode::NewerDatabase,
        "it asks for a newer Handbill: {}",
        err.message
    );
    assert!(
        err.message.contains("version 2 of the export format"),
        "it names the format as what is newer: {}",
        err.message
    );
    assert!(
        !err.message.contains(&format!("schema {current}")),
        "it does not call the same schema newer: {}",
        err.message
    );

    // A manifest whose schema disagrees with the database inside.
    let disagree = dir.path().join("disagree.handbill");
    rewritten(&export, &disagree, None, |m| {
        m["schema_version"] = (current as u64 - 1).into()
    });
    let err =
        handover::import(&disagree, &target, false).expect_err("a disagreeing manifest is refused");
    assert!(
        err.message
            .contains(&format!("manifest says schema {}", current - 1)),
        "it says the manifest and the database disagree: {}",
        err.message
    );

    // A damaged database inside, with a manifest that matches it: the
    // refusal names the export, not the scratch copy it was unpacked into.
    let mut inner = {
        let mut archive = zip::ZipArchive::new(fs::File::open(&export).unwrap()).unwrap();
        let mut bytes = Vec::new();
        archive
            .by_name("branch.sqlite")
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        bytes
    };
    let page_size = u16::from_be_bytes([inner[16], inner[17]]) as usize;
    let page_size = if page_size == 1 { 65536 } else { page_size };
    for page in 1..inner.len() / page_size {
        inner[page * page_size] = 0x6b;
    }
    let damaged = dir.path().join("damaged-inside.handbill");
    rewritten(&export, &damaged, Some(inner), |_| {});
    let err = handover::import(&damaged, &target, false)
        .expect_err("a damaged database inside is refused");
    assert_eq!(
        err.code,
        ErrorCode::Damaged,
        "it is called damaged: {}",
        err.message
    );
    assert!(
        err.message.contains("damaged-inside.handbill"),
        "it names the user's file: {}",
        err.message
    );
    assert!(
        !err.message.contains(".handbill-"),
        "it names no scratch file: {}",
        err.message
    );
    assert!(
        !target.exists() || Database::open(&target).is_ok(),
        "the target is still a database"
    );
}

/// A small sealed backup (1 KiB pages) of a branch with a list, a subscriber
/// and an event, made once: the seed the mutations below start from. Returns
/// its bytes without the seal, so a changed byte reaches SQLite and the schema
/// check instead of stopping at the checksum.
fn small_backup() -> &'static [u8] {
    static SEED: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    SEED.get_or_init(demo_backup::unsealed)
}

fn schema_names(db: &Database) -> Vec<String> {
    let mut stmt = db
        .conn()
        .prepare("SELECT type || ' ' || name FROM sqlite_schema ORDER BY 1")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: std::env::var("HANDBILL_FUZZ_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(40),
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// A backup with bytes changed anywhere (past its header) is restored
    /// whole, or refused with a message naming it; either way the branch
    /// keeps exactly Handbill's schema and still opens.
    #[test]
    fn a_mutated_backup_is_restored_whole_or_refused_cleanly(
        flips in proptest::collection::vec((100usize..usize::MAX, proptest::num::u8::ANY), 1..6)
    ) {
        let seed = small_backup();
        let mut bytes = seed.to_vec();
        for (at, value) in &flips {
            let at = 100 + at % (bytes.len() - 100);
            bytes[at] = *value;
        }
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("mutated.sqlite");
        fs::write(&source, &bytes).unwrap();
        let target = dir.path().join("target.sqlite");
        let db = Database::open(&target).unwrap();
        let ours = schema_names(&db);
        match backup::restore(db, &source) {
            Ok((restored, _)) => {
                let check: String = restored
                    .conn()
                    .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                    .unwrap();
                proptest::prop_assert_eq!(check, "ok", "a restored branch is whole");
                proptest::prop_assert_eq!(schema_names(&restored), ours.clone(), "and has only Handbill's schema");
                let events = events::all(&restored);
                proptest::prop_assert!(events.is_ok(), "its events read back: {:?}", events.err());
                let lists = handbill_core::mail::lists::all(&restored);
                proptest::prop_assert!(lists.is_ok(), "its lists read back: {:?}", lists.err());
            }
            Err(e) => {
                proptest::prop_assert_ne!(e.code, ErrorCode::Internal, "a refusal is not an internal error: {}", e.message);
                proptest::prop_assert!(e.message.contains("mutated.sqlite"), "the refusal names the file: {}", e.message);
                let reopened = Database::open(&target).unwrap();
                proptest::prop_assert_eq!(schema_names(&reopened), ours, "the branch is as it was");
            }
        }
    }
}
