//! The sample branch's backup in 1 KiB pages, without its seal, so a changed
//! byte reaches SQLite and the schema check instead of stopping at the
//! checksum: the seed that restore tests change. Include it with
//! `#[path = "support/demo_backup.rs"] mod demo_backup;`.

use std::fs;

use handbill_core::db::backup;
use handbill_core::{demo, Database};

pub fn unsealed() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.sqlite");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA page_size = 1024; CREATE TABLE first (x); DROP TABLE first;")
        .unwrap();
    let db = Database::open(&path).unwrap();
    demo::load(&db).unwrap();
    let copy = dir.path().join("copy.sqlite");
    backup::backup_unsealed_to(&db, &copy).unwrap();
    let mut bytes = fs::read(&copy).unwrap();
    bytes.truncate(bytes.len() - backup::SEAL_LEN as usize);
    bytes
}
