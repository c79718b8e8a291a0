//! Storage owns the one SQLite file a branch lives in: where it is, opening it
//! with the same pragmas every time, checking it is ours and undamaged, refusing
//! a file from a newer Handbill, and migrating an older one (after a backup),
//! each migration in its own transaction. An existing file is checked before it
//! is opened for writing, so a foreign, damaged or newer file is left byte for
//! byte as it was. It also builds the exact schema of any version from the
//! migrations themselves, which is what a file from outside is held to.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, LazyLock, Mutex};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use rusqlite_migration::{Migrations, M};

use super::backup::copies::{snapshot_conn, BackupKind};
use super::checked;
use super::connection::{harden, BUSY_WAIT};
use super::keys::{self, Key};
use crate::error::{Error, ErrorCode, Result};

/// `PRAGMA application_id` of a Handbill database: the bytes "HNDB".
pub const APPLICATION_ID: i32 = i32::from_be_bytes(*b"HNDB");

/// The largest database file Handbill takes in from outside (a backup to
/// restore, the database inside a hand-over file). A branch with 100,000
/// subscribers and years of events is a few dozen megabytes.
pub const MAX_DATABASE_BYTES: u64 = 4 << 30;

/// The schema, oldest first. Each entry is one migration kept beside the
/// tables it creates; a database's `user_version` counts the ones applied.
/// (A static rather than a constant because a migration may carry a Rust step.)
static MIGRATIONS: LazyLock<Vec<M<'static>>> = LazyLock::new(|| {
    vec![
        M::up(include_str!("../../migrations/0001_branch.sql")),
        M::up(include_str!("../../migrations/0003_subscribers.sql")),
        M::up(include_str!("../../migrations/0004_events.sql")),
        M::up(include_str!("../../migrations/0005_coalition.sql")),
        M::up(include_str!("../../migrations/0006_event_translations.sql")),
        M::up(include_str!("../../migrations/0007_announcements.sql")),
        M::up_with_hook(
            include_str!("../../migrations/0008_subscriber_import_speed.sql"),
            |tx: &rusqlite::Transaction| super::search::fill_search_column(tx).map_err(Into::into),
        ),
        M::up_with_hook(
            include_str!("../../migrations/0009_search_names_only.sql"),
            |tx: &rusqlite::Transaction| super::search::fill_search_column(tx).map_err(Into::into),
        ),
        M::up(include_str!("../../migrations/0010_consent_everywhere.sql")),
        M::up(include_str!("../../migrations/0011_consent_send.sql")),
        M::up(include_str!("../../migrations/0012_flyer_choices.sql")),
        M::up(include_str!("../../migrations/0013_subscriber_phone.sql")),
        M::up(include_str!("../../migrations/0014_first_steps_hidden.sql")),
        M::up(include_str!("../../migrations/0015_no_room.sql")),
        M::up(include_str!("../../migrations/0016_tour_inherit.sql")),
        M::up(include_str!("../../migrations/0017_cancelled_shown.sql")),
        M::up(include_str!("../../migrations/0018_event_start_at.sql")),
        M::up(include_str!("../../migrations/0019_mailbox.sql")),
        M::up(include_str!("../../migrations/0020_share.sql")),
        M::up(include_str!("../../migrations/0021_attendance.sql")),
        M::up(include_str!("../../migrations/0022_schedule.sql")),
        M::up(include_str!("../../migrations/0023_series.sql")),
        M::up(include_str!("../../migrations/0024_share_overlay.sql")),
        M::up(include_str!(
            "../../migrations/0025_announcement_version.sql"
        )),
    ]
});

/// Opens (creating if needed) the database at `path` with only the first
/// `version` migrations, as an older Handbill left it: for tests of a later
/// migration on real data.
#[doc(hidden)]
pub fn open_at_version(path: &Path, version: usize) -> Result<Database> {
    open_with(path, &MIGRATIONS[..version.min(MIGRATIONS.len())])
}

/// The schema version this build writes.
pub fn schema_version() -> usize {
    MIGRATIONS.len()
}

/// Where the database lives when neither `--db` nor `HANDBILL_DB` says.
pub fn default_path() -> Result<PathBuf> {
    directories::ProjectDirs::from("org", "Handbill", "Handbill")
        .map(|dirs| dirs.data_dir().join("handbill.sqlite"))
        .ok_or_else(|| {
            Error::storage("No home folder was found for the database. Choose a file with --db PATH or HANDBILL_DB.")
        })
}

/// The database path: the command line's `--db`, else `HANDBILL_DB`, else the OS data folder.
pub fn resolve_path(from_command_line: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(path) = from_command_line {
        return Ok(path);
    }
    match std::env::var_os("HANDBILL_DB") {
        Some(value) if !value.is_empty() => Ok(PathBuf::from(value)),
        _ => default_path(),
    }
}

/// An open, checked and up-to-date branch database.
pub struct Database {
    conn: Connection,
    path: PathBuf,
    /// The key the file is encrypted with; `None` for a plain file.
    key: Option<Key>,
    /// Whether closing this connection records the file as whole (see
    /// `checked`): the one that opened and checked it does; another
    /// connection to it (a sender's heartbeat) leaves that to it. Holds the
    /// file's identity when opened, so that a file put in its place is not.
    records_on_close: Option<checked::Identity>,
    /// How many connections opened with [`Database::another_connection`]
    /// from this one (or from one of those) are open, shared by them all.
    others: Arc<Others>,
    /// Whether this is one of those others, counted in `others` until it closes.
    counted: bool,
}

/// The count of a file's other connections, and a signal when one closes.
#[derive(Default)]
struct Others {
    open: Mutex<usize>,
    closed: Condvar,
}

impl Drop for Database {
    /// Closes the connection, and when it was the file's last (SQLite has
    /// moved every write from the log into the file) records the file as
    /// whole, so the next opening need not read it all to check it.
    fn drop(&mut self) {
        if self.counted {
            // Closed before it is counted out, so that whoever waits for
            // it (`close_when_alone`) closes after it.
            if let Ok(stand_in) = Connection::open_in_memory() {
                drop(std::mem::replace(&mut self.conn, stand_in));
            }
            let mut open = self.others.open.lock().unwrap_or_else(|p| p.into_inner());
            *open = open.saturating_sub(1);
            self.others.closed.notify_all();
        }
        let Some(opened) = self.records_on_close.take() else {
            return;
        };
        let Ok(stand_in) = Connection::open_in_memory() else {
            return;
        };
        let conn = std::mem::replace(&mut self.conn, stand_in);
        if conn.close().is_ok() {
            checked::record_at_close(&self.path, &opened);
        }
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("path", &self.path)
            .finish()
    }
}

impl Database {
    /// Opens (creating if needed) the database at `path` and brings it to this build's schema.
    pub fn open(path: &Path) -> Result<Database> {
        open_with(path, &MIGRATIONS)
    }

    /// A fresh database in memory, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Database> {
        let mut conn = Connection::open_in_memory()?;
        configure(&mut conn, None)?;
        migrate(&mut conn, Path::new(":memory:"), &MIGRATIONS, None)?;
        Ok(Database {
            conn,
            path: PathBuf::from(":memory:"),
            key: None,
            records_on_close: None,
            others: Arc::default(),
            counted: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A second connection to the file this one has open, with the same
    /// settings, for work on another thread (a sender's heartbeat). The file
    /// was checked and brought up to date when this one was opened, and stays
    /// open meanwhile, so it is not read through again.
    pub fn another_connection(&self) -> Result<Database> {
        if self.path == Path::new(":memory:") {
            return Err(Error::internal(
                "An in-memory database cannot be opened a second time.".to_owned(),
            ));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn =
            Connection::open_with_flags(&self.path, flags).map_err(|e| about(&self.path, e))?;
        keys::apply(&conn, self.key.as_ref())?;
        configure(&mut conn, self.key.as_ref()).map_err(|e| not_writable(&self.path, e))?;
        *self.others.open.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        Ok(Database {
            conn,
            path: self.path.clone(),
            key: self.key,
            records_on_close: None,
            others: Arc::clone(&self.others),
            counted: true,
        })
    }

    /// Closes this connection once the other connections opened from it
    /// have closed, or after `at_most`: a window that closes while work in
    /// the background holds the file waits for it, so that its own close is
    /// the file's last, which moves the log into the file and records the
    /// file as whole. Whether none was left open.
    pub fn close_when_alone(self, at_most: std::time::Duration) -> bool {
        let alone = {
            let open = self.others.open.lock().unwrap_or_else(|p| p.into_inner());
            let (open, _) = self
                .others
                .closed
                .wait_timeout_while(open, at_most, |open| *open > 0)
                .unwrap_or_else(|p| p.into_inner());
            *open == 0
        };
        drop(self);
        alone
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The key the file is encrypted with; `None` for a plain file.
    pub fn key(&self) -> Option<&Key> {
        self.key.as_ref()
    }

    /// Whether the file (and its WAL and backups) is encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.key.is_some()
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The schema version recorded in the file.
    pub fn user_version(&self) -> Result<usize> {
        user_version(&self.conn)
    }
}

/// The page size of a new plain branch file (an encrypted one's is its
/// key's, [`keys::page_size_for`]).
pub(crate) const PLAIN_PAGE_SIZE: u32 = 16384;

/// Every connection gets the same settings, here and nowhere else. `key`:
/// the key it was opened with (already applied), whose page size a new
/// encrypted file takes.
fn configure(conn: &mut Connection, key: Option<&Key>) -> Result<()> {
    harden(conn)?;
    conn.busy_timeout(BUSY_WAIT)?;
    // A transaction that reads and then writes must hold the write lock from
    // its start: one that upgrades later, while another connection writes,
    // fails at once with "database is locked" (SQLite cannot wait there
    // without risking a deadlock), where one that starts by taking the lock
    // waits its turn.
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    conn.pragma_update(None, "foreign_keys", true)?;
    // A new file gets 16 KiB pages (SQLite's default is 4 KiB): an import of
    // 100,000 subscribers then splits, allocates and logs a quarter as many
    // pages, and takes a fifth less time. It must be set before the file is
    // first written (and so before WAL mode); in an existing file it changes nothing.
    // An encrypted file's pages are smaller (see `keys::PAGE_SIZE`), and
    // SQLCipher must be told the same size its key was applied with.
    conn.pragma_update(None, "page_size", keys::page_size_for(key))?;
    // journal_mode answers with the mode it took; in-memory databases stay "memory".
    let _mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Sorts and temporary tables stay in memory: nothing of the branch is
    // written to a temporary file outside its (encrypted) database and WAL.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Up to 32 MiB of pages kept in memory (SQLite's default is 2 MiB, a
    // tenth of a branch of 10,000 people): a page read again comes from
    // here, not from the file, where an encrypted branch decrypts and
    // authenticates it again. A send to 10,000 people took 6% less time.
    conn.pragma_update(None, "cache_size", -32768)?;
    Ok(())
}

fn user_version(conn: &Connection) -> Result<usize> {
    let v: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    Ok(usize::try_from(v).unwrap_or(usize::MAX))
}

/// Names the file in an error that came from SQLite.
fn about(path: &Path, e: impl Into<Error>) -> Error {
    let mut e = e.into();
    e.message = format!("{}: {}", path.display(), e.message);
    e
}

fn open_with(path: &Path, migrations: &[M<'static>]) -> Result<Database> {
    if path.is_dir() {
        return Err(Error::storage(format!(
            "{} is a folder. Give the path of a database file, such as {}.",
            path.display(),
            path.join("handbill.sqlite").display()
        )));
    }
    // A pipe would make the header's read below wait for a writer for good,
    // and a device is no database: only a regular file (or none yet) is opened.
    if fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err(Error::new(
            ErrorCode::NotADatabase,
            format!(
                "{} is not a regular file (it is a device or a pipe), so Handbill does not open it as a database. \
                 Nothing was changed. Give the path of a database file with --db PATH.",
                path.display()
            ),
        ));
    }
    // Everything that can refuse the file is asked before it is opened for
    // writing: opening for writing switches it to WAL mode, which changes it.
    let key = keys::key_for(path)?;
    check_before_writing(path, migrations.len(), key.as_ref())?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| {
            Error::storage(format!(
                "Cannot create the folder {} for the database: {e}. Choose another place with --db PATH.",
                parent.display()
            ))
        })?;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(|e| {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen) {
            Error::storage(format!(
                "Cannot open or create the database {}: the place is not writable or does not exist. Choose another with --db PATH.",
                path.display()
            ))
        } else {
            about(path, e)
        }
    })?;
    keys::apply(&conn, key.as_ref())?;
    configure(&mut conn, key.as_ref()).map_err(|e| not_writable(path, e))?;
    migrate(&mut conn, path, migrations, key.as_ref())?;
    Ok(Database {
        conn,
        path: path.to_path_buf(),
        key,
        records_on_close: checked::identity(path),
        others: Arc::default(),
        counted: false,
    })
}

/// A storage failure in a folder that cannot be written is told as that.
fn not_writable(path: &Path, e: Error) -> Error {
    match e.code {
        ErrorCode::Storage if !folder_is_writable(path) => Error::storage(format!(
            "{} cannot be written: it is on a read-only disk or in a folder you may not write to. \
             Nothing was changed. Copy it somewhere writable and open it with --db PATH.",
            path.display()
        )),
        _ => about(path, e),
    }
}

/// Refuses an existing file that is not SQLite, not Handbill's, from a newer
/// Handbill, or damaged, without writing to it: first from its header's bytes,
/// then on a read-only connection.
fn check_before_writing(path: &Path, latest: usize, key: Option<&Key>) -> Result<()> {
    if keys::lock_of(path)? == keys::Lock::Absent {
        return Ok(());
    }
    // An encrypted file's header is encrypted too: only SQLite, given the
    // key, reads it, on the connection below.
    if key.is_none() {
        let Some(header) = read_header(path)? else {
            return Ok(());
        };
        // A file without an application id may be an empty one SQLite made
        // (ours to use) or another program's: the read-only check below tells.
        if header.application_id != APPLICATION_ID && header.application_id != 0 {
            return Err(foreign(path));
        }
        newer_refused(path, header.user_version as usize, latest)?;
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_writable(path, e.into()))?;
    keys::apply(&conn, key)?;
    harden(&conn)?;
    conn.busy_timeout(BUSY_WAIT)?;
    // SQLite's check reads every page; a file byte for byte as it was when
    // last found whole (see `checked`) has its first page read instead, which
    // a wrong key fails as the full check would.
    let unchanged = checked::unchanged(path);
    let first_read = if unchanged {
        first_page(&conn, path)
    } else {
        quick_check(&conn, path)
    };
    first_read.map_err(|e| match e.code {
        ErrorCode::Damaged => e,
        _ => not_writable(path, e),
    })?;
    if !unchanged {
        checked::record(path);
    }
    check_owner(&conn, path)?;
    // The header's version may be behind a write still in the log.
    newer_refused(path, user_version(&conn)?, latest)
}

fn newer_refused(path: &Path, current: usize, latest: usize) -> Result<()> {
    if current <= latest {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::NewerDatabase,
        format!(
            "{} was written by a newer version of Handbill (schema {current}; this version knows up to {latest}). \
             Nothing was changed. Update Handbill to open it.",
            path.display()
        ),
    ))
}

/// Whether a file can be created beside `path` (SQLite needs to, for its journal).
fn folder_is_writable(path: &Path) -> bool {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let probe = dir.join(format!(".handbill-write-check-{}", std::process::id()));
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = fs::remove_file(&probe);
            true
        }
        Err(_) => false,
    }
}

/// What the first 100 bytes of an SQLite file say, read without SQLite.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    pub(crate) page_size: u64,
    /// Pages in the file, by its header when the header's count is current,
    /// else by its size.
    pub(crate) pages: u64,
    pub(crate) application_id: i32,
    pub(crate) user_version: u32,
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

impl Header {
    /// Reads the header of a file of `len` bytes; `None` for an empty file.
    /// `named` is how a refusal names the file.
    pub(crate) fn parse(bytes: &[u8], len: u64, named: &str) -> Result<Option<Header>> {
        if bytes.is_empty() {
            return Ok(None);
        }
        if bytes.len() < 16 || &bytes[..16] != SQLITE_MAGIC {
            return Err(Error::new(
                ErrorCode::NotADatabase,
                format!("{named} is not a Handbill database: it is not an SQLite file. Nothing was changed; choose another file."),
            ));
        }
        if bytes.len() < 100 {
            return Err(Error::new(
                ErrorCode::Damaged,
                format!("{named} is damaged: it ends inside its SQLite header ({} bytes). Nothing was changed.", bytes.len()),
            ));
        }
        let u32_at = |at: usize| {
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let page_size = match u16::from_be_bytes([bytes[16], bytes[17]]) {
            1 => 65536,
            n => u64::from(n),
        };
        if page_size < 512 || !page_size.is_power_of_two() {
            return Err(Error::new(
                ErrorCode::Damaged,
                format!("{named} is damaged: its header gives a page size of {page_size} bytes. Nothing was changed."),
            ));
        }
        // The page count at offset 28 is current when the "version valid for"
        // number at 92 equals the change counter at 24.
        let pages = if u32_at(24) == u32_at(92) && u32_at(28) > 0 {
            u64::from(u32_at(28))
        } else {
            len.div_ceil(page_size)
        };
        Ok(Some(Header {
            page_size,
            pages,
            application_id: u32_at(68) as i32,
            user_version: u32_at(60),
        }))
    }
}

/// Reads up to the first 100 bytes of `file`.
pub(crate) fn read_start(file: &mut impl Read, named: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(100);
    file.take(100)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::storage(format!("Cannot read {named}: {e}")))?;
    Ok(bytes)
}

/// The header of the file at `path`; `None` when there is no file yet or it is empty.
fn read_header(path: &Path) -> Result<Option<Header>> {
    let named = path.display().to_string();
    // A file that cannot be opened (none yet, a path through a file, no
    // permission) is left to the opening for writing to explain.
    let Ok(mut file) = fs::File::open(path) else {
        return Ok(None);
    };
    let len = file
        .metadata()
        .map_err(|e| Error::storage(format!("Cannot read {named}: {e}")))?
        .len();
    let start = read_start(&mut file, &named)?;
    Header::parse(&start, len, &named)
}

fn foreign(path: &Path) -> Error {
    Error::new(
        ErrorCode::NotADatabase,
        format!(
            "{} is an SQLite file of another program, not a Handbill database. Nothing was changed.",
            path.display()
        ),
    )
}

fn quick_check(conn: &Connection, path: &Path) -> Result<()> {
    let first: String = conn
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(|e| about(path, e))?;
    if first == "ok" {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::Damaged,
        format!(
            "{} is damaged ({first}). Nothing was changed. Restore it from a backup, or open another file with --db PATH.",
            path.display()
        ),
    ))
}

/// Reads the file's first page (its schema), for a file whose full check is skipped.
fn first_page(conn: &Connection, path: &Path) -> Result<()> {
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |row| {
        row.get::<_, i64>(0)
    })
    .map_err(|e| about(path, e))?;
    Ok(())
}

/// Refuses another program's SQLite file: one with a foreign application id,
/// or one that has tables but was never marked as Handbill's.
fn check_owner(conn: &Connection, path: &Path) -> Result<()> {
    let app_id: i32 = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))?;
    if app_id == APPLICATION_ID || (app_id == 0 && tables == 0) {
        return Ok(());
    }
    Err(foreign(path))
}

fn migrate(
    conn: &mut Connection,
    path: &Path,
    migrations: &[M<'static>],
    key: Option<&Key>,
) -> Result<()> {
    let current = user_version(conn)?;
    let latest = migrations.len();
    newer_refused(path, current, latest)?;
    if current == latest {
        return Ok(());
    }
    if current > 0 {
        snapshot_conn(conn, key, path, BackupKind::BeforeMigration).map_err(|e| {
            Error::storage(format!(
                "{} The database was not upgraded, so nothing changed.",
                e.message
            ))
        })?;
    }
    let plan = Migrations::from_slice(migrations);
    for version in current + 1..=latest {
        plan.to_version(conn, version).map_err(|e| about(path, e))?;
    }
    Ok(())
}

/// An empty database in memory with exactly the schema the first `version`
/// migrations build: what a file of that version from outside must match.
/// Being built by the migrations themselves, it follows every new one.
pub(crate) fn reference(version: usize) -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    harden(&conn)?;
    Migrations::from_slice(&MIGRATIONS[..version.min(MIGRATIONS.len())]).to_latest(&mut conn)?;
    Ok(conn)
}

/// Creates a database file at `path` (which must not exist) with `page_size`
/// pages and the schema of `version`, for data from outside to be copied into.
/// Its connection may attach files by URI (`file:…?mode=ro`), and its foreign
/// keys are off until [`finish_new_file`], so tables can be filled in any order.
pub(crate) fn new_file(
    path: &Path,
    page_size: u64,
    version: usize,
    key: Option<&Key>,
) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(|e| about(path, e))?;
    keys::apply(&conn, key)?;
    harden(&conn)?;
    conn.busy_timeout(BUSY_WAIT)?;
    // (Callers give the page size of the branch whose key this is.)
    conn.pragma_update(None, "page_size", page_size as i64)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // A scratch file: if the machine stops, it is thrown away, not recovered.
    conn.pragma_update(None, "synchronous", "OFF")?;
    conn.pragma_update(None, "foreign_keys", false)?;
    Migrations::from_slice(&MIGRATIONS[..version.min(MIGRATIONS.len())])
        .to_latest(&mut conn)
        .map_err(|e| about(path, e))?;
    Ok(conn)
}

/// As [`new_file`], in memory: for a sealed copy, whose data never touches the disk in plain.
pub(crate) fn new_in_memory(page_size: u64, version: usize) -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    harden(&conn)?;
    conn.pragma_update(None, "page_size", page_size as i64)?;
    conn.pragma_update(None, "foreign_keys", false)?;
    Migrations::from_slice(&MIGRATIONS[..version.min(MIGRATIONS.len())]).to_latest(&mut conn)?;
    Ok(conn)
}

/// Brings a file made by [`new_file`] (and filled) to this build's schema.
pub(crate) fn finish_new_file(conn: &mut Connection, path: &Path) -> Result<()> {
    Migrations::from_slice(&MIGRATIONS)
        .to_latest(conn)
        .map_err(|e| about(path, e))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// The ordinary tables of the open database (not SQLite's own, not virtual
/// tables or their shadow tables), by name.
pub(crate) fn plain_tables(conn: &Connection, schema: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM pragma_table_list WHERE schema = ?1 AND type = 'table' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )?;
    let names = stmt
        .query_map([schema], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(names)
}

/// The tables of `db` that hold rows a person put there (more rows than its
/// migrations alone write), by name; empty for a database nobody has used yet.
pub fn tables_with_data(db: &Database) -> Result<Vec<String>> {
    let empty = reference(db.user_version()?)?;
    let count = |conn: &Connection, table: &str| -> Result<i64> {
        Ok(conn.query_row(
            &format!(
                "SELECT count(*) FROM main.\"{}\"",
                table.replace('"', "\"\"")
            ),
            [],
            |r| r.get(0),
        )?)
    };
    let mut used = Vec::new();
    for table in plain_tables(db.conn(), "main")? {
        if count(db.conn(), &table)? > count(&empty, &table).unwrap_or(0) {
            used.push(table);
        }
    }
    Ok(used)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_step() -> Vec<M<'static>> {
        vec![
            M::up(include_str!("../../migrations/0001_branch.sql")),
            M::up("CREATE TABLE later_feature (id INTEGER PRIMARY KEY);"),
        ]
    }

    #[test]
    fn application_id_spells_hndb() {
        assert_eq!(
            APPLICATION_ID, 1213088834,
            "the literal in 0001_branch.sql must match APPLICATION_ID"
        );
    }

    #[test]
    fn an_older_database_is_backed_up_then_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.sqlite");
        let db = open_with(&path, &two_step()[..1]).expect("a new database opens");
        db.conn()
            .execute(
                "INSERT INTO branch (id, name, time_zone, updated_at) VALUES (1, 'Old', 'UTC', 'x')",
                [],
            )
            .unwrap();
        drop(db);

        let db = open_with(&path, &two_step()).expect("an older database is migrated");
        assert_eq!(
            db.user_version().unwrap(),
            2,
            "the schema is brought to the latest version"
        );
        let backups: Vec<_> = fs::read_dir(crate::db::backup::copies::backups_dir(&path))
            .unwrap()
            .collect();
        assert_eq!(
            backups.len(),
            1,
            "exactly one backup is taken before migrating"
        );
        let backup = Connection::open(backups[0].as_ref().unwrap().path()).unwrap();
        let name: String = backup
            .query_row("SELECT name FROM branch", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            name, "Old",
            "the backup holds the data as it was before the migration"
        );
        assert_eq!(
            user_version(&backup).unwrap(),
            1,
            "the backup keeps the old schema version"
        );
    }

    #[test]
    fn a_failing_migration_leaves_the_database_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.sqlite");
        drop(open_with(&path, &two_step()[..1]).unwrap());
        let broken = vec![
            M::up(include_str!("../../migrations/0001_branch.sql")),
            M::up("CREATE TABLE half (id INTEGER); THIS IS NOT SQL;"),
        ];
        let err = open_with(&path, &broken).expect_err("a broken migration is reported");
        assert_eq!(
            err.code,
            ErrorCode::Internal,
            "a broken migration is an internal error: {err:?}"
        );
        let db = open_with(&path, &two_step()[..1])
            .expect("the database still opens with the known schema");
        assert_eq!(
            db.user_version().unwrap(),
            1,
            "the failed migration did not move the version"
        );
        let half: i64 = db
            .conn()
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'half'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            half, 0,
            "the failed migration's transaction was rolled back"
        );
    }
}
