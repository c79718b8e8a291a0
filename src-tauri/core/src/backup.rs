//! Backups own the copies of a branch database kept beside it: automatic
//! snapshots (one a day while the app is used, one before every migration and
//! before a restore), their pruning, listing, and restoring one. Copies are made
//! with SQLite's online backup API, so they are consistent while the app runs.

use std::fs;
use std::path::Path;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, ErrorCode, Result};
use crate::storage::{self, Database};

/// Daily snapshots kept.
pub const KEEP_DAILY: usize = 7;
/// Other automatic snapshots kept (before migrations, restores, sends).
pub const KEEP_OTHER: usize = 10;

/// Why a snapshot was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BackupKind {
    Daily,
    BeforeMigration,
    BeforeRestore,
    BeforeSend,
    /// Asked for with "Back up now".
    Manual,
}

impl BackupKind {
    fn tag(self) -> &'static str {
        match self {
            BackupKind::Daily => "daily",
            BackupKind::BeforeMigration => "before-migration",
            BackupKind::BeforeRestore => "before-restore",
            BackupKind::BeforeSend => "before-send",
            BackupKind::Manual => "manual",
        }
    }

    const ALL: [BackupKind; 5] = [
        Self::Daily,
        Self::BeforeMigration,
        Self::BeforeRestore,
        Self::BeforeSend,
        Self::Manual,
    ];

    fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.tag() == tag)
    }
}

/// One snapshot in the backups folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BackupInfo {
    pub file_name: String,
    pub path: String,
    pub kind: BackupKind,
    /// When it was taken (RFC 3339, UTC).
    pub created_at: String,
    pub size_bytes: u64,
}

/// Copies every page of `from` into `to` in one step, so `to` changes in one transaction.
fn copy_all(from: &Connection, to: &mut Connection) -> rusqlite::Result<()> {
    let backup = Backup::new(from, to)?;
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => continue,
            StepResult::Busy | StepResult::Locked => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            _ => continue,
        }
    }
}

/// Writes a consistent copy of `conn` to `target`, through a temporary file so a
/// half-written copy never carries the final name.
pub(crate) fn write_copy(conn: &Connection, target: &Path) -> Result<()> {
    let partial = target.with_extension("partial");
    let result = (|| -> Result<()> {
        let mut dst = Connection::open(&partial)?;
        copy_all(conn, &mut dst)?;
        dst.pragma_update(None, "journal_mode", "DELETE")?;
        drop(dst);
        fs::rename(&partial, target)
            .map_err(|e| Error::storage(format!("Cannot write {}: {e}", target.display())))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result.map_err(|e| {
        Error::storage(format!(
            "The backup to {} failed: {}",
            target.display(),
            e.message
        ))
    })
}

fn stamp() -> (String, String) {
    let now = jiff::Timestamp::now();
    (
        now.strftime("%Y%m%dT%H%M%SZ").to_string(),
        now.round(jiff::Unit::Second).unwrap_or(now).to_string(),
    )
}

/// Takes a snapshot of `conn` (whose file is `db_path`) into the backups folder, then prunes old ones.
pub(crate) fn snapshot_conn(
    conn: &Connection,
    db_path: &Path,
    kind: BackupKind,
) -> Result<BackupInfo> {
    let dir = storage::backups_dir(db_path);
    fs::create_dir_all(&dir).map_err(|e| {
        Error::storage(format!(
            "Cannot create the backup folder {}: {e}",
            dir.display()
        ))
    })?;
    let stem = db_path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("handbill");
    let (file_stamp, _) = stamp();
    let mut target = dir.join(format!("{stem}--{}--{file_stamp}.sqlite", kind.tag()));
    let mut n = 1;
    while target.exists() {
        n += 1;
        target = dir.join(format!("{stem}--{}--{file_stamp}-{n}.sqlite", kind.tag()));
    }
    write_copy(conn, &target)?;
    prune(db_path)?;
    info(&target).ok_or_else(|| {
        Error::internal(format!(
            "The backup {} was not found after writing it",
            target.display()
        ))
    })
}

/// Takes a snapshot of the open database.
pub fn snapshot(db: &Database, kind: BackupKind) -> Result<BackupInfo> {
    snapshot_conn(db.conn(), db.path(), kind)
}

/// Takes today's snapshot unless one exists. Returns it when one was taken.
pub fn daily_if_due(db: &Database) -> Result<Option<BackupInfo>> {
    let today = jiff::Timestamp::now().strftime("%Y%m%d").to_string();
    let taken_today = list(db.path())?.iter().any(|b| {
        b.kind == BackupKind::Daily && b.file_name.contains(&format!("--daily--{today}T"))
    });
    if taken_today {
        return Ok(None);
    }
    snapshot(db, BackupKind::Daily).map(Some)
}

fn info(path: &Path) -> Option<BackupInfo> {
    let file_name = path.file_name()?.to_str()?.to_owned();
    let rest = file_name.strip_suffix(".sqlite")?;
    let mut parts = rest.rsplitn(3, "--");
    let when = parts.next()?;
    let kind = BackupKind::from_tag(parts.next()?)?;
    let when = when.split('-').next()?;
    let created = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", when)
        .ok()?
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()?;
    Some(BackupInfo {
        path: path.display().to_string(),
        file_name,
        kind,
        created_at: created.timestamp().to_string(),
        size_bytes: fs::metadata(path).ok()?.len(),
    })
}

/// The snapshots of the database at `db_path`, newest first.
pub fn list(db_path: &Path) -> Result<Vec<BackupInfo>> {
    let dir = storage::backups_dir(db_path);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Error::storage(format!(
                "Cannot read the backup folder {}: {e}",
                dir.display()
            )))
        }
    };
    // Newest first by the file's time, which orders snapshots taken within one second too.
    let mut all: Vec<(std::time::SystemTime, BackupInfo)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, info(&e.path())?)))
        .collect();
    all.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.file_name.cmp(&a.1.file_name)));
    Ok(all.into_iter().map(|(_, info)| info).collect())
}

/// Keeps the newest [`KEEP_DAILY`] daily snapshots and the newest [`KEEP_OTHER`] others.
fn prune(db_path: &Path) -> Result<()> {
    let all = list(db_path)?;
    let (daily, other): (Vec<_>, Vec<_>) =
        all.into_iter().partition(|b| b.kind == BackupKind::Daily);
    for old in daily
        .iter()
        .skip(KEEP_DAILY)
        .chain(other.iter().skip(KEEP_OTHER))
    {
        let _ = fs::remove_file(&old.path);
    }
    Ok(())
}

/// Writes a copy of the open database to `target` (`handbill backup -o FILE`).
pub fn backup_to(db: &Database, target: &Path) -> Result<()> {
    if target.exists() {
        return Err(Error::new(
            ErrorCode::Invalid,
            format!(
                "{} already exists. Choose a new file name for the backup.",
                target.display()
            ),
        ));
    }
    write_copy(db.conn(), target)
}

/// Checks that `source` is a whole Handbill database this version can open,
/// without changing it. Returns its schema version.
pub fn check_source(source: &Path) -> Result<usize> {
    let named = |e: Error| Error {
        message: format!("{}: {}", source.display(), e.message),
        ..e
    };
    if !source.is_file() {
        return Err(Error::not_found(format!(
            "There is no backup file at {}.",
            source.display()
        )));
    }
    storage::check_header(source)?;
    let conn = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| named(e.into()))?;
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| named(e.into()))?;
    if check != "ok" {
        return Err(Error::new(
            ErrorCode::Damaged,
            format!(
                "{} is damaged ({check}); it cannot be restored.",
                source.display()
            ),
        ));
    }
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| named(e.into()))?;
    if app_id != storage::APPLICATION_ID {
        return Err(Error::new(
            ErrorCode::NotADatabase,
            format!(
                "{} is not a Handbill database, so it cannot be restored.",
                source.display()
            ),
        ));
    }
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| named(e.into()))?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > storage::schema_version() {
        return Err(Error::new(
            ErrorCode::NewerDatabase,
            format!(
                "{} comes from a newer version of Handbill (schema {version}; this version knows up to {}). Update Handbill to restore it.",
                source.display(),
                storage::schema_version()
            ),
        ));
    }
    Ok(version)
}

/// Replaces the open database's contents with `source`, after checking it and
/// keeping the current contents as a `before-restore` snapshot. The database is
/// reopened (and migrated if the backup is older) and returned.
pub fn restore(db: Database, source: &Path) -> Result<(Database, BackupInfo)> {
    check_source(source)?;
    let kept = snapshot(&db, BackupKind::BeforeRestore)?;
    let db = restore_unchecked(db, source)?;
    Ok((db, kept))
}

/// Copies `source` (already checked) over the open database in one transaction and reopens it.
pub(crate) fn restore_unchecked(db: Database, source: &Path) -> Result<Database> {
    let path = db.path().to_path_buf();
    let mut db = db;
    {
        let src = Connection::open_with_flags(
            source,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // Files made before new ones got 16 KiB pages have 4 KiB ones. The copy
        // takes the source's page size, which a database in WAL mode cannot
        // change: it leaves WAL mode for the copy, and opening it again below
        // puts it back.
        let page_size = |conn: &Connection| -> rusqlite::Result<i64> {
            conn.query_row("PRAGMA page_size", [], |r| r.get(0))
        };
        if page_size(&src)? != page_size(db.conn())? {
            let _mode: String =
                db.conn()
                    .pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get(0))?;
        }
        copy_all(&src, db.conn_mut()).map_err(|e| {
            Error::storage(format!(
                "The restore from {} failed ({e}); the database was left as it was.",
                source.display()
            ))
        })?;
    }
    drop(db);
    Database::open(&path)
}
