//! Backups own the copies of a branch database kept beside it: automatic
//! snapshots (one a day while the app is used, one before every migration, a
//! restore or a replacing hand-over), their pruning, listing, and restoring
//! one. Copies are made with SQLite's online backup API, so they are
//! consistent while the app runs, and each ends with a checksum of its bytes
//! (its seal) that a restore verifies. A restore takes only the data of the
//! copy (see `intake`), and waits for another writer only so long.
//!
//! The copies themselves (writing, sealing, listing, pruning) are in
//! `copies`, which stands below opening the database: it takes one before
//! every migration. Restoring one, which reopens the database, stands here.

pub(crate) mod copies;

use std::fs;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

use crate::db::connection::BUSY_WAIT;
use crate::db::intake;
use crate::db::keys;
use crate::db::sealed::{self, Opened, Passphrase, SealedInfo};
use crate::db::storage::{self, Database};
use crate::error::{Error, Result};

pub(crate) use copies::seal as seal_file;
use copies::{copy_all, snapshot_conn, verify_seal};
pub use copies::{list, BackupInfo, BackupKind, Checksum, KEEP_DAILY, KEEP_OTHER, SEAL_LEN};

/// How long a restore or a replacing hand-over waits for another program
/// writing to the branch before it gives up and says the branch is busy.
pub const REPLACE_WAIT: Duration = Duration::from_secs(10);

/// What the checks of a backup found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceCheck {
    pub schema_version: u32,
    pub checksum: Checksum,
}

/// Takes a snapshot of the open database.
pub fn snapshot(db: &Database, kind: BackupKind) -> Result<BackupInfo> {
    snapshot_conn(db.conn(), db.key(), db.path(), kind)
}

/// A snapshot being written on a thread of its own (see [`snapshot_begun`]).
/// Dropped without [`PendingSnapshot::finish`], it still waits for the copy.
pub struct PendingSnapshot(Option<std::thread::JoinHandle<Result<BackupInfo>>>);

impl PendingSnapshot {
    /// Waits for the copy: what was written, or why it could not be.
    pub fn finish(mut self) -> Result<BackupInfo> {
        match self.0.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            _ => Err(Error::internal(
                "The backup stopped before it was finished.".to_owned(),
            )),
        }
    }
}

impl Drop for PendingSnapshot {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take() {
            let _ = handle.join();
        }
    }
}

/// Takes a snapshot of the database as it stands now, written on another
/// thread while the caller goes on. The copy reads through a connection of
/// its own whose read transaction begins here, before this returns, so
/// nothing the caller writes afterwards is in it (the backup API keeps a
/// transaction the source already has open). Before a send the deliveries
/// are written meanwhile, and committed only once the copy is finished.
pub fn snapshot_begun(db: &Database, kind: BackupKind) -> Result<PendingSnapshot> {
    let reader = db.another_connection()?;
    reader.conn().execute_batch("BEGIN")?;
    reader
        .conn()
        .query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
    let handle = std::thread::Builder::new()
        .name("backup".to_owned())
        .spawn(move || {
            let result = snapshot(&reader, kind);
            let _ = reader.conn().execute_batch("ROLLBACK");
            result
        })
        .map_err(|e| Error::internal(format!("Cannot start the backup: {e}")))?;
    Ok(PendingSnapshot(Some(handle)))
}

/// Takes today's snapshot unless one exists. Returns it when one was taken.
pub fn daily_if_due(db: &Database) -> Result<Option<BackupInfo>> {
    let today = crate::clock::now().strftime("%Y%m%d").to_string();
    let taken_today = list(db.path())?.iter().any(|b| {
        b.kind == BackupKind::Daily && b.file_name.contains(&format!("--daily--{today}T"))
    });
    if taken_today {
        return Ok(None);
    }
    snapshot(db, BackupKind::Daily).map(Some)
}

/// Writes a copy of the open database to `target` (`handbill backup -o
/// FILE`), sealed with `passphrase`: a copy written where the organizer
/// says may leave the laptop (see `sealed`).
pub fn backup_to(db: &Database, target: &Path, passphrase: &Passphrase) -> Result<SealedInfo> {
    let label: Option<String> = db
        .conn()
        .query_row("SELECT name FROM branch WHERE id = 1", [], |r| r.get(0))
        .optional()?;
    sealed::write(
        db.conn(),
        db.key().is_some(),
        target,
        passphrase,
        "backup",
        &label.unwrap_or_default(),
    )
}

/// Writes a plain copy of the open database to `target`, as an older
/// Handbill's `backup -o` did. Only for tests of restoring such a file;
/// Handbill itself writes sealed copies ([`backup_to`]).
#[doc(hidden)]
pub fn backup_unsealed_to(db: &Database, target: &Path) -> Result<()> {
    if target.exists() {
        return Err(Error::new(
            crate::error::ErrorCode::Invalid,
            format!(
                "{} already exists. Choose a new file name for the backup.",
                target.display()
            ),
        ));
    }
    // SQLCipher copies an encrypted file into a plain one by export, not by
    // the backup API.
    match db.key() {
        None => copies::write_copy(db.conn(), None, target),
        Some(_) => keys::export_to(db.conn(), target, None),
    }
}

/// Checks that `source` is a backup this version can restore, without
/// changing it: a regular file of a sane size, Handbill's by its header, not
/// newer, matching its seal if it carries one, whole by SQLite's integrity
/// check, and with exactly Handbill's schema of its version.
pub fn check_source(source: &Path) -> Result<SourceCheck> {
    let named = source.display().to_string();
    let (mut file, len) = intake::open_regular(source, storage::MAX_DATABASE_BYTES + SEAL_LEN)?;
    let start = storage::read_start(&mut file, &named)?;
    // An encrypted copy's header is encrypted: SQLite, given the key this
    // process holds for its salt, checks it below; its seal is checked first.
    let page_size = match keys::lock_of_bytes(&start, len) {
        keys::Lock::Encrypted(_) => keys::key_for(source)?
            .map_or(u64::from(keys::SMALLEST_PAGE_SIZE), |key| {
                u64::from(key.page_size())
            }),
        _ => intake::identify(&start, len, &named)?.page_size,
    };
    let checksum = verify_seal(&mut file, len, page_size, &named)?;
    drop(file);
    let version = intake::inspect(&readable(source)?.path, &named)?;
    Ok(SourceCheck {
        schema_version: version as u32,
        checksum,
    })
}

/// A backup as SQLite can read it: the file itself, or for an encrypted
/// copy (its seal checked first) a copy of it without the seal, still
/// encrypted, in a scratch folder removed when this is dropped. SQLCipher
/// does not read an encrypted file with bytes after its last page.
pub(crate) struct Readable {
    _scratch: Option<tempfile::TempDir>,
    pub(crate) path: std::path::PathBuf,
}

pub(crate) fn readable(source: &Path) -> Result<Readable> {
    let len = fs::metadata(source)
        .map_err(|e| Error::storage(format!("Cannot read {}: {e}", source.display())))?
        .len();
    // (Every encrypted file's pages are a whole number of the smallest.)
    if !keys::is_encrypted(source)?
        || len % u64::from(keys::SMALLEST_PAGE_SIZE) == 0
        || len < SEAL_LEN
    {
        return Ok(Readable {
            _scratch: None,
            path: source.to_path_buf(),
        });
    }
    let scratch = tempfile::Builder::new()
        .prefix("handbill-")
        .tempdir()
        .map_err(|e| Error::storage(format!("Cannot make a scratch folder: {e}")))?;
    let path = scratch.path().join("copy.sqlite");
    let fail = |e: std::io::Error| Error::storage(format!("Cannot read {}: {e}", source.display()));
    let mut from = fs::File::open(source).map_err(fail)?;
    let mut to = fs::File::create(&path).map_err(fail)?;
    std::io::copy(&mut std::io::Read::take(&mut from, len - SEAL_LEN), &mut to).map_err(fail)?;
    Ok(Readable {
        _scratch: Some(scratch),
        path,
    })
}

/// A scratch folder beside the database, removed when dropped.
pub(crate) fn scratch_beside(path: &Path) -> Result<tempfile::TempDir> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)
        .map_err(|e| Error::storage(format!("Cannot create the folder {}: {e}", dir.display())))?;
    tempfile::Builder::new()
        .prefix(".handbill-")
        .tempdir_in(dir)
        .map_err(|e| Error::storage(format!("Cannot write in {}: {e}", dir.display())))
}

/// The page size of an open database.
pub(crate) fn page_size(conn: &Connection) -> Result<u64> {
    // SQLCipher answers for an encrypted file with its cipher page size, as text.
    let size: rusqlite::types::Value = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    match size {
        rusqlite::types::Value::Integer(n) => Ok(n as u64),
        rusqlite::types::Value::Text(t) => t
            .parse()
            .map_err(|_| Error::internal(format!("SQLite gave the page size {t}."))),
        other => Err(Error::internal(format!(
            "SQLite gave the page size {other:?}."
        ))),
    }
}

/// The backup named `file_name` in the backups folder of the database at
/// `db_path`. The window names a backup by its file name only and the file is
/// looked up here, so a restore can point at no other file.
pub fn find(db_path: &Path, file_name: &str) -> Result<std::path::PathBuf> {
    list(db_path)?
        .into_iter()
        .find(|b| b.file_name == file_name)
        .map(|b| std::path::PathBuf::from(b.path))
        .ok_or_else(|| {
            Error::not_found(
                "That backup is no longer in the backups folder. Reopen Settings → Backups and choose one from the list.",
            )
        })
}

/// Replaces the open database's contents with a backup, after checking it.
/// Only its data is taken: it is copied into a new file built by Handbill's
/// migrations (see `intake`), the current contents are kept as a
/// `before-restore` snapshot, and then the new file replaces them in one
/// transaction. The database is reopened and returned with the snapshot.
pub fn restore(db: Database, source: &Path) -> Result<(Database, BackupInfo)> {
    // A copy encrypted for another branch is refused, even when this process
    // happens to hold that branch's key too.
    keys::key_for_copy(source, db.key())?;
    let checked = check_source(source)?;
    let scratch = scratch_beside(db.path())?;
    let view = readable(source)?;
    let rebuilt = intake::rebuild(
        &view.path,
        &source.display().to_string(),
        checked.schema_version as usize,
        &scratch.path().join("restore.sqlite"),
        page_size(db.conn())?,
        db.key(),
    )?;
    let (db, kept) = replace(db, &rebuilt, true)?;
    let kept =
        kept.ok_or_else(|| Error::internal("The restore kept no copy of the data it replaced."))?;
    Ok((db, kept))
}

/// Replaces the open database's contents with a sealed copy opened with its
/// passphrase (`sealed::open`, which checked it), as [`restore`] does with a
/// plain backup: only its data is taken, rebuilt in memory, and the current
/// contents are kept as a `before-restore` snapshot.
pub fn restore_sealed(db: Database, source: Opened) -> Result<(Database, BackupInfo)> {
    let rebuilt = intake::rebuild_in_memory(
        &source.conn,
        &source.named,
        source.version,
        page_size(db.conn())?,
    )?;
    drop(source);
    let (db, kept) = replace(db, &rebuilt, true)?;
    let kept =
        kept.ok_or_else(|| Error::internal("The restore kept no copy of the data it replaced."))?;
    Ok((db, kept))
}

fn busy(path: &Path, what: &str) -> Error {
    Error::storage(format!(
        "The branch is busy: another program (a Handbill window, an import, a send) is writing to {} \
         and did not finish within {} seconds. {what} Try again when it has finished.",
        path.display(),
        REPLACE_WAIT.as_secs()
    ))
}

/// Replaces everything in `db` with the contents of `rebuilt` (a file built by
/// `intake::rebuild` with the same page size) in one transaction, first
/// keeping the current contents as a `before-restore` snapshot when `keep` is
/// set. Another writer is waited for at most [`REPLACE_WAIT`]; then nothing is
/// replaced and the snapshot just taken, of data still in place, is removed.
pub(crate) fn replace(
    db: Database,
    rebuilt: &Connection,
    keep: bool,
) -> Result<(Database, Option<BackupInfo>)> {
    let path = db.path().to_path_buf();
    let mut db = db;
    // Wait for the write lock once before copying anything, so a busy branch
    // is told before a snapshot is taken for nothing.
    db.conn().busy_timeout(REPLACE_WAIT)?;
    let probe = db.conn().execute_batch("BEGIN IMMEDIATE; ROLLBACK;");
    db.conn().busy_timeout(BUSY_WAIT)?;
    if let Err(e) = probe {
        return Err(match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                busy(&path, "Nothing was replaced.")
            }
            _ => e.into(),
        });
    }
    let kept = if keep {
        Some(snapshot(&db, BackupKind::BeforeRestore)?)
    } else {
        None
    };
    // SQLCipher's backup API copies only between files with the same key: a
    // plain copy rebuilt in memory (a sealed file's) goes into an encrypted
    // branch through a scratch file encrypted with the branch's key.
    let _scratch;
    let keyed;
    let source = match db.key() {
        Some(key) if rebuilt.path().is_none_or(str::is_empty) => {
            let dir = scratch_beside(&path)?;
            let file = dir.path().join("rebuilt.sqlite");
            keys::export_to(rebuilt, &file, Some(key))?;
            let conn = Connection::open(&file)?;
            keys::apply(&conn, Some(key))?;
            _scratch = dir;
            keyed = conn;
            &keyed
        }
        _ => rebuilt,
    };
    let copied = copy_all(source, db.conn_mut(), REPLACE_WAIT);
    let unwind = |kept: &Option<BackupInfo>| {
        if let Some(kept) = kept {
            let _ = fs::remove_file(&kept.path);
        }
    };
    match copied {
        Ok(true) => {}
        Ok(false) => {
            unwind(&kept);
            return Err(busy(&path, "Nothing was replaced."));
        }
        Err(e) => {
            unwind(&kept);
            return Err(Error::storage(format!(
                "The data could not be written into {} ({e}); the database was left as it was.",
                path.display()
            )));
        }
    }
    drop(db);
    Ok((Database::open(&path)?, kept))
}
