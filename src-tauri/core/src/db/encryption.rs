//! Encrypting a plain branch and decrypting an encrypted one (`handbill
//! encrypt` / `decrypt`, Settings → Privacy). A copy of the branch as it is
//! is taken first; the branch and every copy in its backups folder are then
//! written anew (SQLCipher's `sqlcipher_export`) into scratch files beside
//! them, checked table by table, and only when all of them are ready do they
//! replace the old files. Any failure before that leaves everything as it was.

use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::db::backup::{self, BackupInfo, BackupKind};
use crate::db::keys::{self, Key, NewKey};
use crate::db::storage::{self, Database};
use crate::error::{Error, ErrorCode, Result};

/// Encrypts the plain branch `db` with a new key made as `how` says.
/// Returns the reopened branch and the copy of it taken first.
pub fn encrypt(db: Database, how: &NewKey) -> Result<(Database, BackupInfo)> {
    if db.is_encrypted() {
        return Err(Error::new(
            ErrorCode::Invalid,
            format!("{} is already encrypted.", db.path().display()),
        ));
    }
    let key = keys::make_key(how)?;
    convert(db, Some(key))
}

/// Decrypts the encrypted branch `db` (and its backups) into plain files.
/// Returns the reopened branch and the copy of it taken first.
pub fn decrypt(db: Database) -> Result<(Database, BackupInfo)> {
    if !db.is_encrypted() {
        return Err(Error::new(
            ErrorCode::Invalid,
            format!("{} is not encrypted.", db.path().display()),
        ));
    }
    convert(db, None)
}

/// The row count of every ordinary table of `schema` on `conn`, by name.
fn row_counts(conn: &Connection, schema: &str) -> Result<Vec<(String, i64)>> {
    storage::plain_tables(conn, schema)?
        .into_iter()
        .map(|table| {
            let n: i64 = conn.query_row(
                &format!(
                    "SELECT count(*) FROM \"{schema}\".\"{}\"",
                    table.replace('"', "\"\"")
                ),
                [],
                |r| r.get(0),
            )?;
            Ok((table, n))
        })
        .collect()
}

/// Opens a converted file to check it, read only, with `key`.
fn open_converted(path: &Path, key: Option<&Key>) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    keys::apply(&conn, key)?;
    Ok(conn)
}

/// Checks that the file at `converted` holds the same rows as `expected`.
fn same_rows(converted: &Path, key: Option<&Key>, expected: &[(String, i64)]) -> Result<()> {
    let conn = open_converted(converted, key)?;
    let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    let got = row_counts(&conn, "main")?;
    if check != "ok" || got != expected {
        return Err(Error::internal(format!(
            "The converted copy {} does not hold the same rows as the branch; nothing was changed.",
            converted.display()
        )));
    }
    Ok(())
}

/// Writes a backup copy into `target` under the new key (or plain), sealed.
fn convert_copy(source: &Path, old: Option<&Key>, target: &Path, new: Option<&Key>) -> Result<()> {
    let view = backup::readable(source)?;
    let source = view.path.as_path();
    let conn = Connection::open_in_memory()?;
    keys::before_attach(&conn, old)?;
    // By its plain path: SQLCipher does not read a sealed copy through a URI.
    conn.execute(
        "ATTACH DATABASE ?1 AS copy KEY ?2",
        [
            source.to_string_lossy().into_owned(),
            old.map(Key::spec).unwrap_or_default(),
        ],
    )?;
    let expected = row_counts(&conn, "copy")?;
    keys::export_between(&conn, "copy", target, new)?;
    conn.execute_batch("DETACH DATABASE copy")?;
    drop(conn);
    same_rows(target, new, &expected)?;
    backup::seal_file(target)
}

fn convert(db: Database, to: Option<Key>) -> Result<(Database, BackupInfo)> {
    let path = db.path().to_path_buf();
    let old = db.key().copied();
    let kept = backup::snapshot(&db, BackupKind::BeforeEncryption)?;
    let scratch = backup::scratch_beside(&path)?;
    let fail = |e: Error| {
        Error::new(
            e.code,
            format!(
                "{} Nothing was changed.",
                e.message.trim_end_matches(" Nothing was changed.")
            ),
        )
    };

    // The branch itself, from its open connection (its WAL included).
    let converted = scratch.path().join("branch.sqlite");
    let prepared = (|| -> Result<Vec<(PathBuf, PathBuf)>> {
        let expected = row_counts(db.conn(), "main")?;
        keys::export_to(db.conn(), &converted, to.as_ref())?;
        same_rows(&converted, to.as_ref(), &expected)?;
        // Every copy in the backups folder, the one just taken included.
        let mut copies = Vec::new();
        for (i, copy) in backup::list(&path)?.into_iter().enumerate() {
            let source = PathBuf::from(&copy.path);
            let target = scratch.path().join(format!("copy-{i}.sqlite"));
            let key = keys::key_for_copy(&source, old.as_ref())?;
            convert_copy(&source, key.as_ref(), &target, to.as_ref()).map_err(|e| {
                Error::new(
                    e.code,
                    format!(
                        "The backup {} could not be converted: {}",
                        copy.file_name, e.message
                    ),
                )
            })?;
            copies.push((target, source));
        }
        Ok(copies)
    })();
    let copies = match prepared {
        Ok(copies) => copies,
        Err(e) => {
            let _ = fs::remove_file(&kept.path);
            return Err(fail(e));
        }
    };

    // Everything is ready: the branch's log goes into the file and the
    // connection closes, then the new files take the old ones' places.
    db.conn()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    drop(db);
    for suffix in ["-wal", "-shm"] {
        let mut side = path.clone().into_os_string();
        side.push(suffix);
        let _ = fs::remove_file(PathBuf::from(side));
    }
    fs::rename(&converted, &path).map_err(|e| {
        Error::storage(format!(
            "Cannot put the converted branch in place of {}: {e}. The branch was left as it was.",
            path.display()
        ))
    })?;
    for (from, to_path) in &copies {
        fs::rename(from, to_path).map_err(|e| {
            Error::storage(format!(
                "The branch was converted, but its backup {} could not be replaced: {e}.",
                to_path.display()
            ))
        })?;
    }
    let db = Database::open(&path)?;
    let kept = backup::list(&path)?
        .into_iter()
        .find(|b| b.file_name == kept.file_name)
        .unwrap_or(kept);
    Ok((db, kept))
}
