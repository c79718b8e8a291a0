//! An encrypted copy of a plain database file made with SQLCipher directly,
//! as another program (or an earlier Handbill) would: `sqlcipher_export`
//! into a file attached under a raw key, with the schema version and
//! application id copied, left in WAL mode. Include it with
//! `#[path = "support/sqlcipher_export.rs"] mod sqlcipher_export;`.

use std::path::Path;

use rusqlite::Connection;

/// Writes the database at `plain` into a new file at `target`, encrypted
/// under `spec` (`x'<key><salt>'`). `defaults` runs first on the plain
/// connection: `PRAGMA cipher_default_…` settings choose the copy's format
/// (SQLCipher's own defaults when empty).
pub fn export_encrypted(plain: &Path, target: &Path, spec: &str, defaults: &str) {
    let conn = Connection::open(plain).unwrap();
    conn.execute_batch(defaults).unwrap();
    conn.execute(
        "ATTACH DATABASE ?1 AS copy KEY ?2",
        [target.to_string_lossy().into_owned(), spec.to_owned()],
    )
    .unwrap();
    conn.query_row("SELECT sqlcipher_export('copy')", [], |_| Ok(()))
        .unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    let app_id: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    conn.execute_batch(&format!(
        "PRAGMA copy.user_version = {version}; PRAGMA copy.application_id = {app_id}; \
         PRAGMA copy.journal_mode = WAL; DETACH DATABASE copy;"
    ))
    .unwrap();
}
