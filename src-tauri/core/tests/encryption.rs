//! Encryption at rest against real files: an encrypted branch holding the
//! sample shows none of its addresses or event titles in the database, its
//! WAL or any backup; `sqlite3` cannot read it; a wrong key or passphrase, a
//! truncated encrypted backup and a copy encrypted for another branch are
//! refused with nothing changed; encrypting then decrypting gives back every
//! row of every table.

use std::fs;
use std::path::{Path, PathBuf};

use handbill_core::db::backup::{self, BackupKind};
use handbill_core::db::encryption;
use handbill_core::db::keys::{self, NewKey};
use handbill_core::{demo, Database, ErrorCode};
use rusqlite::Connection;

const PASSPHRASE: &str = "march against the raids";

/// A new branch at `path`, encrypted with `passphrase`, holding the sample.
fn encrypted_sample(path: &Path, passphrase: &str) -> Database {
    keys::choose(path, passphrase).unwrap();
    let db = Database::open(path).unwrap();
    assert!(
        db.is_encrypted(),
        "a branch made with a chosen passphrase is encrypted"
    );
    demo::load(&db).unwrap();
    db
}

/// Every subscriber address and event title in the branch.
fn secrets(db: &Database) -> Vec<String> {
    let mut stmt = db
        .conn()
        .prepare("SELECT email FROM subscriber UNION SELECT title FROM event WHERE title <> ''")
        .unwrap();
    let all: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        all.len() > 20,
        "the sample has addresses and titles to look for: {all:?}"
    );
    all
}

/// The files that hold the branch: the database, its WAL and every backup.
fn files_of(path: &Path) -> Vec<PathBuf> {
    let mut files = vec![path.to_path_buf()];
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    if wal.exists() {
        files.push(wal);
    }
    files.extend(
        backup::list(path)
            .unwrap()
            .into_iter()
            .map(|b| PathBuf::from(b.path)),
    );
    files
}

fn found_in(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Every table's rows as text, ordered: equal dumps mean equal contents.
fn canonical_dump(conn: &Connection) -> (Vec<(String, i64)>, String) {
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut counts = Vec::new();
    let mut dump = String::new();
    for table in tables {
        let q = format!("SELECT * FROM \"{table}\"");
        let mut stmt = conn.prepare(&q).unwrap();
        let n = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                let mut line = String::new();
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    line.push_str(&format!("{v:?}|"));
                }
                Ok(line)
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.sort();
        counts.push((table.clone(), rows.len() as i64));
        dump.push_str(&format!("== {table}\n{}\n", rows.join("\n")));
    }
    (counts, dump)
}

fn bytes(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap()
}

#[test]
fn no_address_or_title_is_readable_in_the_file_its_wal_or_its_backups() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    let db = encrypted_sample(&path, PASSPHRASE);
    backup::snapshot(&db, BackupKind::Manual).unwrap();
    backup::daily_if_due(&db).unwrap();
    // A write while the branch is open leaves it in the WAL.
    db.conn()
        .execute(
            "UPDATE event SET title = title || ' ' WHERE id = (SELECT min(id) FROM event)",
            [],
        )
        .unwrap();
    let secrets = secrets(&db);
    let files = files_of(&path);
    assert!(
        files.iter().any(|f| f.to_string_lossy().ends_with("-wal")),
        "the open branch has a WAL to look in: {files:?}"
    );
    assert!(
        files.len() >= 4,
        "the database, its WAL and two backups: {files:?}"
    );
    for file in &files {
        let content = bytes(file);
        assert!(!content.is_empty());
        for secret in &secrets {
            assert!(
                !found_in(&content, secret),
                "{secret} is readable in {}",
                file.display()
            );
        }
        assert!(
            !found_in(&content, "SQLite format 3"),
            "{} has a plain header",
            file.display()
        );
    }
    // The same sample in a plain file shows them: the search above can find them.
    let plain = dir.path().join("plain.sqlite");
    let plain_db = Database::open(&plain).unwrap();
    demo::load(&plain_db).unwrap();
    drop(plain_db);
    let content = bytes(&plain);
    assert!(
        secrets.iter().any(|s| found_in(&content, s)),
        "a plain file shows them"
    );
}

#[test]
fn sqlite_cannot_read_an_encrypted_branch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    drop(encrypted_sample(&path, PASSPHRASE));
    let out = std::process::Command::new("sqlite3")
        .arg(&path)
        .arg("SELECT count(*) FROM subscriber;")
        .output()
        .expect("sqlite3 runs (it is in the Makefile's TEST_PACKAGES)");
    assert!(
        !out.status.success(),
        "sqlite3 read the encrypted file: {out:?}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a database"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Nor does SQLite without the key, in this process.
    let conn = Connection::open(&path).unwrap();
    assert!(conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r
            .get::<_, i64>(0))
        .is_err());
}

#[test]
fn a_wrong_key_or_passphrase_is_refused_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    drop(encrypted_sample(&path, PASSPHRASE));
    let before = bytes(&path);

    let err = keys::unlock(&path, "march against the raid").unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert_eq!(err.fields[0].field, "passphrase");
    assert!(err.message.contains("does not open"), "{}", err.message);
    assert!(
        err.message.contains("Nothing was changed"),
        "{}",
        err.message
    );
    assert_eq!(bytes(&path), before, "a wrong passphrase changed the file");
    assert_eq!(
        keys::next_delay(&path),
        keys::delay_after(1),
        "the next try waits"
    );

    // A wrong raw key is refused by SQLite itself.
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "ab".repeat(32)))
        .unwrap();
    let read = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    });
    assert!(read.is_err(), "a wrong key read the file");
    drop(conn);
    assert_eq!(bytes(&path), before, "a wrong key changed the file");

    keys::unlock(&path, PASSPHRASE).expect("the right passphrase still opens it");
    assert_eq!(
        keys::next_delay(&path),
        std::time::Duration::ZERO,
        "the count starts again"
    );
    let db = Database::open(&path).unwrap();
    assert!(!secrets(&db).is_empty());
}

#[test]
fn a_restore_from_the_backups_folder_of_an_encrypted_branch_works() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    let db = encrypted_sample(&path, PASSPHRASE);
    let copy = backup::snapshot(&db, BackupKind::Manual).unwrap();
    let count = |db: &Database| -> i64 {
        db.conn()
            .query_row("SELECT count(*) FROM subscriber", [], |r| r.get(0))
            .unwrap()
    };
    let all = count(&db);
    db.conn().execute("DELETE FROM attendance", []).ok();
    db.conn()
        .execute(
            "DELETE FROM subscriber WHERE id IN (SELECT id FROM subscriber LIMIT 3)",
            [],
        )
        .ok();
    assert!(count(&db) < all || all == 0);
    let checked = backup::check_source(Path::new(&copy.path)).unwrap();
    assert_eq!(checked.checksum, backup::Checksum::Verified);
    let (db, kept) = backup::restore(db, Path::new(&copy.path)).unwrap();
    assert_eq!(count(&db), all, "the restore brought the rows back");
    assert!(db.is_encrypted());
    assert!(
        keys::is_encrypted(Path::new(&kept.path)).unwrap(),
        "the copy kept before the restore is encrypted"
    );
}

#[test]
fn a_truncated_encrypted_backup_and_one_of_another_branch_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    let db = encrypted_sample(&path, PASSPHRASE);
    let copy = backup::snapshot(&db, BackupKind::Manual).unwrap();
    let (_, before) = canonical_dump(db.conn());

    // Truncated: half of it.
    let truncated = dir.path().join("truncated.sqlite");
    let whole = bytes(Path::new(&copy.path));
    fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let err = backup::restore(db, &truncated).unwrap_err();
    assert!(
        matches!(err.code, ErrorCode::Damaged | ErrorCode::NotADatabase),
        "{err:?}"
    );
    let db = Database::open(&path).unwrap();
    assert_eq!(
        canonical_dump(db.conn()).1,
        before,
        "a refused restore changed the branch"
    );

    // Another branch, encrypted with its own key (held by this process too).
    let other_path = dir.path().join("other.sqlite");
    let other = encrypted_sample(&other_path, "another branch entirely");
    let other_copy = backup::snapshot(&other, BackupKind::Manual).unwrap();
    let err = backup::restore(db, Path::new(&other_copy.path)).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotADatabase, "{err:?}");
    assert!(err.message.contains("another branch"), "{}", err.message);
    let db = Database::open(&path).unwrap();
    assert_eq!(
        canonical_dump(db.conn()).1,
        before,
        "a refused restore changed the branch"
    );
}

#[test]
fn encrypt_then_decrypt_gives_back_every_row_of_every_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    let db = Database::open(&path).unwrap();
    assert!(!db.is_encrypted(), "the core alone makes plain files");
    demo::load(&db).unwrap();
    backup::snapshot(&db, BackupKind::Manual).unwrap();
    let (counts, dump) = canonical_dump(db.conn());
    assert!(
        counts.iter().filter(|(_, n)| *n > 0).count() > 10,
        "{counts:?}"
    );

    let (db, kept) =
        encryption::encrypt(db, &NewKey::Passphrase("a passphrase for the test".into())).unwrap();
    assert!(db.is_encrypted());
    assert_eq!(kept.kind, BackupKind::BeforeEncryption);
    // (A WAL starts with its own plain header; its frames are searched below.)
    for file in files_of(&path)
        .iter()
        .filter(|f| !f.to_string_lossy().ends_with("-wal"))
    {
        assert!(
            keys::is_encrypted(file).unwrap(),
            "{} is not encrypted",
            file.display()
        );
    }
    assert_eq!(canonical_dump(db.conn()), (counts.clone(), dump.clone()));
    let secrets = secrets(&db);
    for file in files_of(&path) {
        let content = bytes(&file);
        assert!(
            !secrets.iter().any(|s| found_in(&content, s)),
            "{}",
            file.display()
        );
    }

    let (db, _) = encryption::decrypt(db).unwrap();
    assert!(!db.is_encrypted());
    for file in files_of(&path)
        .iter()
        .filter(|f| !f.to_string_lossy().ends_with("-wal"))
    {
        assert!(
            !keys::is_encrypted(file).unwrap(),
            "{} is still encrypted",
            file.display()
        );
    }
    assert_eq!(canonical_dump(db.conn()), (counts.clone(), dump.clone()));
    assert_eq!(
        db.user_version().unwrap(),
        handbill_core::db::storage::schema_version()
    );
    drop(db);
    // Plain again: SQLite alone reads it, and every backup restores.
    let conn = Connection::open(&path).unwrap();
    assert_eq!(canonical_dump(&conn), (counts, dump));
    drop(conn);
    for b in backup::list(&path).unwrap() {
        backup::check_source(Path::new(&b.path)).unwrap();
    }
}
