//! Opening branch databases from real SQLite files: fresh, newer, damaged,
//! foreign and unreachable ones. Every refusal leaves the file untouched.

use std::fs;
use std::path::Path;

use handbill_core::db::storage::{self, Database, APPLICATION_ID};
use handbill_core::{branch, ErrorCode};
use rusqlite::Connection;

fn sample(db: &Database) {
    branch::save(
        db,
        branch::BranchInput {
            name: "Test Branch".into(),
            short_name: "TB".into(),
            city: "Boston".into(),
            contact_email: "tb@example.org".into(),
            website: String::new(),
            time_zone: "America/New_York".into(),
            languages: vec!["en".into()],
        },
    )
    .expect("the sample branch saves");
}

#[test]
fn a_new_file_is_migrated_from_empty_with_the_settings_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/folder/branch.sqlite");
    let db = Database::open(&path).expect("a new database is created, folders and all");
    assert_eq!(
        db.user_version().unwrap(),
        storage::schema_version(),
        "all migrations ran"
    );
    let conn = db.conn();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal", "the database is in WAL mode");
    let fk: i64 = conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1, "foreign keys are enforced");
    let busy: i64 = conn
        .pragma_query_value(None, "busy_timeout", |r| r.get(0))
        .unwrap();
    assert!(busy >= 1000, "a busy timeout is set, got {busy}");
    let app: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    assert_eq!(app, APPLICATION_ID, "the file is marked as Handbill's");
    drop(db);
    let again = Database::open(&path).expect("the database opens a second time");
    assert_eq!(
        again.user_version().unwrap(),
        storage::schema_version(),
        "reopening changes nothing"
    );
}

#[test]
fn a_database_from_a_newer_handbill_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.sqlite");
    {
        let db = Database::open(&path).unwrap();
        sample(&db);
        db.conn().pragma_update(None, "user_version", 99).unwrap();
    }
    let before = fs::read(&path).unwrap();
    let err = Database::open(&path).expect_err("a newer database is refused");
    assert_eq!(
        err.code,
        ErrorCode::NewerDatabase,
        "the refusal says why: {err:?}"
    );
    assert!(
        err.message.contains("newer version of Handbill"),
        "the message is clear: {}",
        err.message
    );
    assert_eq!(
        fs::read(&path).unwrap(),
        before,
        "the newer file was not changed"
    );
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.sqlite");
    fs::write(
        &path,
        "these are my meeting notes, not a database\n".repeat(100),
    )
    .unwrap();
    let before = fs::read(&path).unwrap();
    let err = Database::open(&path).expect_err("a text file is refused");
    assert_eq!(
        err.code,
        ErrorCode::NotADatabase,
        "the refusal says it is not a database: {err:?}"
    );
    assert!(
        err.message.contains("notes.sqlite"),
        "the message names the file: {}",
        err.message
    );
    assert_eq!(
        fs::read(&path).unwrap(),
        before,
        "the text file was not changed"
    );
    assert!(
        !dir.path().join("notes.sqlite-wal").exists(),
        "no WAL file was created beside it"
    );
}

#[test]
fn another_programs_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sqlite");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE photos (id INTEGER);")
        .unwrap();
    let err = Database::open(&path).expect_err("a foreign SQLite file is refused");
    assert_eq!(
        err.code,
        ErrorCode::NotADatabase,
        "it is reported as not ours: {err:?}"
    );
    let tables: i64 = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'branch'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        tables, 0,
        "no Handbill tables were added to the other program's file"
    );
}

#[test]
fn a_damaged_database_gets_a_clear_message_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.sqlite");
    {
        let db = Database::open(&path).unwrap();
        sample(&db);
        db.conn()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
    }
    // Scribble over the schema page after the 100-byte file header.
    let mut bytes = fs::read(&path).unwrap();
    for b in bytes.iter_mut().skip(100).take(3000) {
        *b = 0xA5;
    }
    fs::write(&path, &bytes).unwrap();
    let err = Database::open(&path).expect_err("a damaged file is refused");
    assert!(
        matches!(err.code, ErrorCode::Damaged | ErrorCode::NotADatabase),
        "the damage is reported as such: {err:?}"
    );
    assert!(
        err.message.contains("damaged.sqlite"),
        "the message names the file: {}",
        err.message
    );
    assert_eq!(
        fs::read(&path).unwrap(),
        bytes,
        "the damaged file was left as it was"
    );
}

#[test]
fn damage_inside_a_table_is_found_by_the_check_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad-page.sqlite");
    let page_size: usize;
    {
        let db = Database::open(&path).unwrap();
        sample(&db);
        // A logo big enough to spill onto overflow pages deep in the file.
        let png = include_bytes!("../assets/sample-logo.png");
        branch::set_logo(&db, png).unwrap();
        page_size = db
            .conn()
            .pragma_query_value(None, "page_size", |r| r.get::<_, i64>(0))
            .unwrap() as usize;
        db.conn()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
    }
    // Closed cleanly, the file is recorded as whole, and the next opening
    // reads only its first page (see `checked` in the core) ...
    let record = dir.path().join("bad-page.sqlite.checked");
    let kept = fs::read_to_string(&record).expect("a clean close records the file");
    let len = fs::metadata(&path).unwrap().len();
    assert!(
        kept.starts_with(&format!("handbill-checked-v2 {len} ")),
        "the record holds the length and hash only: {kept}"
    );
    drop(Database::open(&path).expect("a recorded file opens"));
    // ... but any change to its bytes since, even of the same length, makes
    // the opening check every page again.
    let mut bytes = fs::read(&path).unwrap();
    let pages = bytes.len() / page_size;
    assert!(pages >= 3, "the test database has several pages");
    // Break the b-tree page header of every page after the first two.
    for page in 2..pages {
        bytes[page * page_size] = 0xFF;
    }
    fs::write(&path, &bytes).unwrap();
    let err = Database::open(&path).expect_err("a file with broken pages is refused");
    assert_eq!(err.code, ErrorCode::Damaged, "the damage is named: {err:?}");
}

#[test]
fn a_close_that_waits_for_the_other_connections_is_the_last_and_records_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("closing.sqlite");
    let wal = dir.path().join("closing.sqlite-wal");
    let record = dir.path().join("closing.sqlite.checked");
    let db = Database::open(&path).unwrap();
    sample(&db);
    // Work on another thread holds a connection of its own a while longer
    // than the window takes to close (today's backup, say).
    let other = db.another_connection().unwrap();
    let (started, holding) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        branch::set_field(&other, "city", "Still Working").unwrap();
        started.send(()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        drop(other);
    });
    holding.recv().unwrap();
    assert!(wal.exists(), "the writes are in the log");
    assert!(
        db.close_when_alone(std::time::Duration::from_secs(10)),
        "the other connection closed within the wait"
    );
    worker.join().unwrap();
    assert!(!wal.exists(), "the last close moved the log into the file");
    let kept = fs::read_to_string(&record).expect("the last close recorded the file");
    let len = fs::metadata(&path).unwrap().len();
    assert!(
        kept.starts_with(&format!("handbill-checked-v2 {len} ")),
        "{kept}"
    );
    let again = Database::open(&path).unwrap();
    assert_eq!(branch::get(&again).unwrap().unwrap().city, "Still Working");

    // A connection held past the wait: the close goes ahead, says so, and
    // the file is left for the next opening to check in full.
    let other = again.another_connection().unwrap();
    branch::set_field(&other, "city", "Held Open").unwrap();
    let started = std::time::Instant::now();
    assert!(!again.close_when_alone(std::time::Duration::from_millis(200)));
    assert!(started.elapsed() >= std::time::Duration::from_millis(200));
    assert!(
        !record.exists(),
        "no record while another connection's writes are in the log"
    );
    drop(other);
    // Connections opened from one another count as one family: closing
    // the last of them lets a waiting close go.
    let db = Database::open(&path).unwrap();
    let first = db.another_connection().unwrap();
    let second = first.another_connection().unwrap();
    drop(first);
    let worker = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        drop(second);
    });
    assert!(db.close_when_alone(std::time::Duration::from_secs(10)));
    worker.join().unwrap();
}

#[test]
fn an_unreachable_path_gets_a_clear_message() {
    let err = Database::open(Path::new("/dev/null/handbill/branch.sqlite"))
        .expect_err("no database under a device");
    assert_eq!(
        err.code,
        ErrorCode::Storage,
        "it is a storage problem: {err:?}"
    );
    assert!(
        err.message.contains("/dev/null/handbill"),
        "the message names the place: {}",
        err.message
    );

    let dir = tempfile::tempdir().unwrap();
    let err = Database::open(dir.path()).expect_err("a folder is not a database file");
    assert_eq!(err.code, ErrorCode::Storage, "a folder is refused: {err:?}");
    assert!(
        err.message.contains("is a folder"),
        "the message says it is a folder: {}",
        err.message
    );
}

#[test]
fn the_command_line_path_wins_over_the_environment_and_the_default() {
    // The only test touching HANDBILL_DB, so nothing races on it.
    std::env::set_var("HANDBILL_DB", "/tmp/from-env.sqlite");
    assert_eq!(
        storage::resolve_path(Some("/tmp/from-flag.sqlite".into())).unwrap(),
        Path::new("/tmp/from-flag.sqlite"),
        "--db wins"
    );
    assert_eq!(
        storage::resolve_path(None).unwrap(),
        Path::new("/tmp/from-env.sqlite"),
        "HANDBILL_DB is next"
    );
    std::env::remove_var("HANDBILL_DB");
    let default = storage::resolve_path(None).unwrap();
    assert!(
        default.ends_with("handbill.sqlite"),
        "the default is in the data folder: {}",
        default.display()
    );
}
