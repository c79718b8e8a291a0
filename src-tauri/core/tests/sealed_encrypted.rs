//! A sealed copy of an encrypted branch: `backup -o` and the hand-over are
//! made from the encrypted file (SQLCipher copies between differently keyed
//! files only by export, never by the backup API) and come back into an
//! encrypted branch whole, while no plain copy of the branch touches the disk.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use handbill_core::branch::handover;
use handbill_core::db::backup;
use handbill_core::db::keys;
use handbill_core::db::sealed::{self, Passphrase};
use handbill_core::{demo, Database};

fn encrypted(path: &Path, passphrase: &str) -> Database {
    keys::choose(path, passphrase).unwrap();
    let db = Database::open(path).unwrap();
    assert!(db.is_encrypted(), "the branch is encrypted");
    db
}

/// Row counts of the tables that hold a branch's data.
fn counts(db: &Database) -> BTreeMap<String, i64> {
    [
        "event",
        "subscriber",
        "membership",
        "consent",
        "organization",
        "list",
    ]
    .iter()
    .map(|t| {
        let n: i64 = db
            .conn()
            .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap();
        (t.to_string(), n)
    })
    .collect()
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn an_encrypted_branch_is_sealed_and_restored_and_handed_over_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    let db = encrypted(&path, "first branch passphrase");
    demo::load(&db).unwrap();
    let before = counts(&db);
    assert!(
        before["subscriber"] > 10 && before["event"] > 3,
        "{before:?}"
    );
    let address: String = db
        .conn()
        .query_row("SELECT email FROM subscriber LIMIT 1", [], |r| r.get(0))
        .unwrap();

    let copy = dir.path().join("copy.hbbackup");
    let words = Passphrase::choose("a sealed copy passphrase".into()).unwrap();
    backup::backup_to(&db, &copy, &words).expect("an encrypted branch is sealed");
    let handed = dir.path().join("branch.handbill");
    handover::export(&db, &handed, &words).expect("an encrypted branch is handed over");
    for file in [&copy, &handed] {
        let bytes = fs::read(file).unwrap();
        assert!(
            !holds(&bytes, &address),
            "{} holds no address",
            file.display()
        );
        assert!(
            !holds(&bytes, "SQLite format 3"),
            "{} holds no plain database",
            file.display()
        );
    }
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".handbill-") || n.ends_with(".partial"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no scratch file is left: {leftovers:?}"
    );

    // Into the same encrypted branch, changed since the copy was made.
    handbill_core::mail::lists::create(&db, "Made after the copy").unwrap();
    assert_ne!(counts(&db), before);
    let given = Passphrase::given("a sealed copy passphrase".into()).unwrap();
    let opened = sealed::open(&copy, &given).unwrap();
    let (db, _kept) = backup::restore_sealed(db, opened).expect("the sealed copy restores");
    assert!(db.is_encrypted(), "the branch stays encrypted");
    assert_eq!(counts(&db), before, "every table comes back");
    drop(db);

    // Into a new encrypted branch on another laptop.
    let other = dir.path().join("other.sqlite");
    drop(encrypted(&other, "second branch passphrase"));
    let opened = sealed::open(&handed, &given).unwrap();
    let (next, _) = handover::import_sealed(opened, &other, false).expect("the hand-over opens");
    assert!(next.is_encrypted(), "the new branch is encrypted");
    assert_eq!(counts(&next), before, "the next coordinator has every row");
    drop(next);
    let raw = fs::read(&other).unwrap();
    assert!(
        !holds(&raw, &address),
        "the new branch's file holds no address in the clear"
    );
}
