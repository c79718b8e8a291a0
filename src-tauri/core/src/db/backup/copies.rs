//! The copies kept in the backups folder beside a branch database: writing a
//! consistent copy with SQLite's online backup API, sealing it with the
//! checksum of its bytes and checking that seal, taking a snapshot of a
//! connection, listing the snapshots and pruning them. Opening the database
//! takes one before every migration, so this stands below it; restoring one
//! (in `backup`) stands above it.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::Connection;
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::db::connection::{harden, BUSY_WAIT};
use crate::db::keys::{self, Key};
use crate::error::{Error, ErrorCode, Result};

/// Daily snapshots kept.
pub const KEEP_DAILY: usize = 7;
/// Other rotating snapshots kept ("Back up now", before sending).
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
    /// Taken before the branch was encrypted or decrypted.
    BeforeEncryption,
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
            BackupKind::BeforeEncryption => "before-encryption",
        }
    }

    fn pool(self) -> Pool {
        match self {
            BackupKind::Daily => Pool::Daily,
            BackupKind::BeforeSend | BackupKind::Manual => Pool::Rotating,
            BackupKind::BeforeMigration
            | BackupKind::BeforeRestore
            | BackupKind::BeforeEncryption => Pool::Kept,
        }
    }

    const ALL: [BackupKind; 6] = [
        Self::Daily,
        Self::BeforeMigration,
        Self::BeforeRestore,
        Self::BeforeSend,
        Self::Manual,
        Self::BeforeEncryption,
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

pub use crate::db::seal::SEAL_LEN;
use crate::db::seal::SEAL_TAG;

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
pub(crate) fn seal(path: &Path) -> Result<()> {
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
pub(super) fn verify_seal(
    file: &mut File,
    len: u64,
    page_size: u64,
    named: &str,
) -> Result<Checksum> {
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
pub(crate) fn copy_all(
    from: &Connection,
    to: &mut Connection,
    wait: Duration,
) -> rusqlite::Result<bool> {
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
    to.busy_timeout(BUSY_WAIT)?;
    result
}

/// Writes a consistent, sealed copy of `conn` to `target`, through a temporary
/// file so a half-written copy never carries the final name. The copy is
/// encrypted with `key`, the key `conn`'s file has (plain when it has none).
pub(crate) fn write_copy(conn: &Connection, key: Option<&Key>, target: &Path) -> Result<()> {
    let partial = target.with_extension("partial");
    let _ = fs::remove_file(&partial);
    let result = (|| -> Result<()> {
        let mut dst = Connection::open(&partial)?;
        keys::apply(&dst, key)?;
        harden(&dst)?;
        if !copy_all(conn, &mut dst, BUSY_WAIT)? {
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
    key: Option<&Key>,
    db_path: &Path,
    kind: BackupKind,
) -> Result<BackupInfo> {
    let dir = backups_dir(db_path);
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
    write_copy(conn, key, &target)?;
    prune(db_path, kind.pool())?;
    info(&target).ok_or_else(|| {
        Error::internal(format!(
            "The backup {} was not found after writing it",
            target.display()
        ))
    })
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
    let dir = backups_dir(db_path);
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

/// Backups of a database go in a folder beside it.
pub(crate) fn backups_dir(db_path: &Path) -> PathBuf {
    crate::db::beside(db_path, ".backups")
}
