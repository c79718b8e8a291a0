//! A backup whose full-text table's definition was changed (one byte, as
//! the property test in trust_storage.rs found: `title` turned into
//! `*    title` inside `CREATE VIRTUAL TABLE event_search USING fts5 (…)`)
//! cannot even be checked by SQLite: it fails with "parse error". That is
//! the file's fault, so restoring it is refused as damage, naming the file,
//! and the branch is left as it was; before, it was an internal error.

use std::fs;

use handbill_core::db::backup;
use handbill_core::{Database, ErrorCode};

#[path = "support/demo_backup.rs"]
mod demo_backup;

#[test]
fn a_backup_whose_full_text_table_was_changed_is_refused_as_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = demo_backup::unsealed();

    // The space before the first column of the events' full-text table.
    let sql = b"CREATE VIRTUAL TABLE event_search USING fts5 (";
    let at = bytes
        .windows(sql.len())
        .position(|w| w == sql)
        .expect("the backup holds the full-text table's definition")
        + sql.len();
    let column = bytes[at..]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .expect("a column follows")
        + at;
    bytes[column - 1] = b'*';
    let source = dir.path().join("changed.sqlite");
    fs::write(&source, &bytes).unwrap();

    let target = dir.path().join("target.sqlite");
    let db = Database::open(&target).unwrap();
    let before: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .unwrap();
    let e = backup::restore(db, &source).expect_err("a damaged backup is refused");
    assert_eq!(e.code, ErrorCode::Damaged, "told as damage: {}", e.message);
    assert!(
        e.message.contains("changed.sqlite") && e.message.contains("Nothing was changed"),
        "the refusal names the file and says nothing changed: {}",
        e.message
    );
    let reopened = Database::open(&target).unwrap();
    let after: i64 = reopened
        .conn()
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .unwrap();
    assert_eq!(before, after, "the branch is as it was");
}
