//! `db::prepare`, called first in a process (this test binary has no other
//! test, so nothing starts SQLite before it), leaves SQLite counting no
//! allocations: the count's process-wide lock is gone from every page any
//! thread touches.

use handbill_core::Database;

#[test]
fn prepared_first_sqlite_counts_no_allocations() {
    handbill_core::db::prepare();
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("branch.sqlite")).expect("a branch opens");
    db.conn()
        .execute_batch(
            "CREATE TABLE t (x TEXT);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
             INSERT INTO t SELECT printf('row %d', i) FROM n;",
        )
        .unwrap();
    let rows: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 5000, "the branch works as before");
    // SAFETY: a plain read of SQLite's counter.
    let counted = unsafe { rusqlite::ffi::sqlite3_memory_used() };
    assert_eq!(counted, 0, "SQLite kept no count of its allocations");
}
