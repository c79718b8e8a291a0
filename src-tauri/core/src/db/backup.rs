//! Backups own the copies of a branch database kept beside it: automatic
//! snapshots (one a day while the app is used, one before every migration, a
//! restore or a replacing hand-over), their pruning, listing, and restoring
//! one. Copies are made with SQLite's online backup API, so they are
//! consistent while the app runs, and each ends with a checksum of its bytes
//! (its seal) that a restore verifies. A restore takes only the data of the
//! copy (see `intake`), and waits for another writer only so long.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::Connection;
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::db::intake;
use crate::db::storage::{self, Database};
use crate::error::{Error, ErrorCode, Result};

/// Daily snapshots kept.
pub const KEEP_DAILY: usize = 7;
/// Other rotating snapshots kept ("Back up now", before sending).
pub const KEEP_OTHER: usize = 10;

/// How long a restore or a replacing hand-over waits for another program
/// writing to the branch before it gives up and says the branch is busy.
pub const REPLACE_WAIT: Duration = Duration::from_secs(10);

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

/// The pools snapshots are pruned in, each apart from the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pool {
    /// The newest [`KEEP_DAILY`].
    Daily,
    /// The newest [`KEEP_OTHER`].
    Rotating,
    /// Copies of data that was about to be replaced (before a migration, a
    /// restore or a replacing hand-over): never pruned, so no copy is ever
    /// removed to make room for another, least of all the one being restored.
    Kept,
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

    fn pool(self) -> Pool {
        match self {
            BackupKind::Daily => Pool::Daily,
            BackupKind::BeforeSend | BackupKind::Manual => Pool::Rotating,
            BackupKind::BeforeMigration | BackupKind::BeforeRestore => Pool::Kept,
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

/// What a backup's seal starts with. The seal is the last [`SEAL_LEN`] bytes
/// of a copy: this tag, the SHA-256 of every byte before it in hex, and a line
/// break. SQLite reads a file only as far as its header's page count, so the
/// copy still opens as the database it is, in Handbill or any SQLite tool.
const SEAL_TAG: &[u8] = b"Handbill backup sha256 ";
/// The length of a backup's seal.
pub const SEAL_LEN: u64 = 23 + 64 + 1;

/// Whether a file's bytes were checked against a checksum it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// Its seal matched every byte.
    Verified,
    /// It carries none (written before backups were sealed, or by another
    /// program). It is taken in all the same, after SQLite's integrity check
    /// and the schema check, and the organizer is told.
    Absent,
}

/// What the checks of a backup found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceCheck {
    pub schema_version: u32,
    pub checksum: Checksum,
}

impl Checksum {
    /// A sentence for the organizer about a backup's checksum, empty when it matched.
    pub fn note(self) -> &'static str {
        match self {
            Checksum::Verified => "",
            Checksum::Absent => {
                "It carries no checksum (it was written by an older Handbill or another program), \
                 so damage inside its data cannot be ruled out; SQLite's integrity check found none."
            }
        }
    }
}

fn hash_of(file: &mut File, len: u64, named: &str) -> Result<String> {
    let mut hasher = Sha256::new();
    let mut reader = file.take(len);
    let mut buf = vec![0u8; 1 << 16];
    let mut read = 0u64;
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| Error::storage(format!("Cannot read {named}: {e}")))?;
        if n == 0 {
            break;
        }
        read += n as u64;
        hasher.update(&buf[..n]);
    }
    if read != len {
        return Err(Error::new(
            ErrorCode::Damaged,
            format!("{named} became shorter while it was read; nothing was changed. Try again."),
        ));
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Appends the seal to the copy at `path` and flushes it to the disk.
fn seal(path: &Path) -> Result<()> {
    let named = path.display().to_string();
    let fail = |e: std::io::Error| Error::storage(format!("Cannot write {named}: {e}"));
    let mut file = fs::OpenOptions::new()
        .read(true)
        .append(true)
        .open(path)
        .map_err(fail)?;
    let len = file.metadata().map_err(fail)?.len();
    let hash = hash_of(&mut file, len, &named)?;
    let mut seal = SEAL_TAG.to_vec();
    seal.extend_from_slice(hash.as_bytes());
    seal.push(b'\n');
    file.write_all(&seal).map_err(fail)?;
    file.sync_all().map_err(fail)
}

/// Checks the seal of a file of `len` bytes with pages of `page_size`
/// bytes, if it carries one. A file without a seal is a whole number of
/// pages, as every SQLite file is: one with bytes past its last page carries
/// a seal, and if those bytes are not a seal that matches, it was altered.
fn verify_seal(file: &mut File, len: u64, page_size: u64, named: &str) -> Result<Checksum> {
    let whole_pages = page_size > 0 && len % page_size == 0;
    if whole_pages {
        return Ok(Checksum::Absent);
    }
    let fail = |e: std::io::Error| Error::storage(format!("Cannot read {named}: {e}"));
    let mut tail = vec![0u8; SEAL_LEN.min(len) as usize];
    file.seek(SeekFrom::Start(len - tail.len() as u64))
        .map_err(fail)?;
    file.read_exact(&mut tail).map_err(fail)?;
    let sealed = len >= SEAL_LEN && tail.starts_with(SEAL_TAG);
    let actual = if sealed {
        file.seek(SeekFrom::Start(0)).map_err(fail)?;
        Some(hash_of(file, len - SEAL_LEN, named)?)
    } else {
        None
    };
    let expected = sealed.then(|| &tail[SEAL_TAG.len()..tail.len() - 1]);
    if !sealed || actual.as_deref().map(str::as_bytes) != expected || tail.last() != Some(&b'\n') {
        return Err(Error::new(
            ErrorCode::Damaged,
            format!(
                "{named} does not match the checksum it carries: its bytes changed after Handbill wrote it \
                 (a disk or copying error, or an edit). It was not restored and nothing was changed; \
                 choose another backup (`handbill backups` lists them)."
            ),
        ));
    }
    Ok(Checksum::Verified)
}

/// Copies every page of `from` into `to` in one step, so `to` changes in one
/// transaction. Another writer on `to` is waited for until `wait` has passed;
/// then the copy gives up and `Ok(false)` says the database was busy.
fn copy_all(from: &Connection, to: &mut Connection, wait: Duration) -> rusqlite::Result<bool> {
    let deadline = Instant::now() + wait;
    // Short waits inside each step, so the deadline is kept.
    to.busy_timeout(Duration::from_millis(100))?;
    let result = (|| {
        let backup = Backup::new(from, to)?;
        loop {
            match backup.step(-1)? {
                StepResult::Done => return Ok(true),
                StepResult::Busy | StepResult::Locked if Instant::now() >= deadline => {
                    return Ok(false)
                }
                StepResult::Busy | StepResult::Locked => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => continue,
            }
        }
    })();
    to.busy_timeout(storage::BUSY_WAIT)?;
    result
}

fn busy(path: &Path, what: &str) -> Error {
    Error::storage(format!(
        "The branch is busy: another program (a Handbill window, an import, a send) is writing to {} \
         and did not finish within {} seconds. {what} Try again when it has finished.",
        path.display(),
        REPLACE_WAIT.as_secs()
    ))
}

/// Writes a consistent, sealed copy of `conn` to `target`, through a temporary
/// file so a half-written copy never carries the final name.
pub(crate) fn write_copy(conn: &Connection, target: &Path) -> Result<()> {
    let partial = target.with_extension("partial");
    let _ = fs::remove_file(&partial);
    let result = (|| -> Result<()> {
        let mut dst = Connection::open(&partial)?;
        storage::harden(&dst)?;
        if !copy_all(conn, &mut dst, storage::BUSY_WAIT)? {
            return Err(Error::storage(
                "the database stayed busy, so no consistent copy could be read".to_owned(),
            ));
        }
        dst.pragma_update(None, "journal_mode", "DELETE")?;
        drop(dst);
        seal(&partial)?;
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
    let now = crate::clock::now();
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
    prune(db_path, kind.pool())?;
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
    let today = crate::clock::now().strftime("%Y%m%d").to_string();
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

/// Prunes one pool: the newest [`KEEP_DAILY`] daily snapshots or the newest
/// [`KEEP_OTHER`] rotating ones are kept; the kept pool is never pruned.
fn prune(db_path: &Path, pool: Pool) -> Result<()> {
    let keep = match pool {
        Pool::Daily => KEEP_DAILY,
        Pool::Rotating => KEEP_OTHER,
        Pool::Kept => return Ok(()),
    };
    for old in list(db_path)?
        .iter()
        .filter(|b| b.kind.pool() == pool)
        .skip(keep)
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

/// Checks that `source` is a backup this version can restore, without
/// changing it: a regular file of a sane size, Handbill's by its header, not
/// newer, matching its seal if it carries one, whole by SQLite's integrity
/// check, and with exactly Handbill's schema of its version.
pub fn check_source(source: &Path) -> Result<SourceCheck> {
    let named = source.display().to_string();
    let (mut file, len) = intake::open_regular(source, storage::MAX_DATABASE_BYTES + SEAL_LEN)?;
    let start = storage::read_start(&mut file, &named)?;
    let header = intake::identify(&start, len, &named)?;
    let checksum = verify_seal(&mut file, len, header.page_size, &named)?;
    drop(file);
    let version = intake::inspect(source, &named)?;
    Ok(SourceCheck {
        schema_version: version as u32,
        checksum,
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
    let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    Ok(size as u64)
}

/// Replaces the open database's contents with a backup, after checking it.
/// Only its data is taken: it is copied into a new file built by Handbill's
/// migrations (see `intake`), the current contents are kept as a
/// `before-restore` snapshot, and then the new file replaces them in one
/// transaction. The database is reopened and returned with the snapshot.
pub fn restore(db: Database, source: &Path) -> Result<(Database, BackupInfo)> {
    let checked = check_source(source)?;
    let scratch = scratch_beside(db.path())?;
    let rebuilt = intake::rebuild(
        source,
        &source.display().to_string(),
        checked.schema_version as usize,
        &scratch.path().join("restore.sqlite"),
        page_size(db.conn())?,
    )?;
    let (db, kept) = replace(db, &rebuilt, true)?;
    let kept =
        kept.ok_or_else(|| Error::internal("The restore kept no copy of the data it replaced."))?;
    Ok((db, kept))
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
    db.conn().busy_timeout(storage::BUSY_WAIT)?;
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
    let copied = copy_all(rebuilt, db.conn_mut(), REPLACE_WAIT);
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
