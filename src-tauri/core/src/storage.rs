//! Storage owns the one SQLite file a branch lives in: where it is, opening it
//! with the same pragmas every time, checking it is ours and undamaged, refusing
//! a file from a newer Handbill, and migrating an older one (after a backup),
//! each migration in its own transaction.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{Migrations, M};

use crate::error::{Error, ErrorCode, Result};

/// `PRAGMA application_id` of a Handbill database: the bytes "HNDB".
pub const APPLICATION_ID: i32 = i32::from_be_bytes(*b"HNDB");

/// The schema, oldest first. Each entry is one migration kept beside the
/// tables it creates; a database's `user_version` counts the ones applied.
/// (A static rather than a constant because a migration may carry a Rust step.)
static MIGRATIONS: LazyLock<Vec<M<'static>>> = LazyLock::new(|| {
    vec![
        M::up(include_str!("../migrations/0001_branch.sql")),
        M::up(include_str!("../migrations/0003_subscribers.sql")),
        M::up(include_str!("../migrations/0004_events.sql")),
        M::up(include_str!("../migrations/0005_coalition.sql")),
        M::up(include_str!("../migrations/0006_event_translations.sql")),
        M::up(include_str!("../migrations/0007_announcements.sql")),
        M::up_with_hook(
            include_str!("../migrations/0008_subscriber_import_speed.sql"),
            |tx: &rusqlite::Transaction| {
                crate::subscribers::fill_search_column(tx).map_err(Into::into)
            },
        ),
        M::up_with_hook(
            include_str!("../migrations/0009_search_names_only.sql"),
            |tx: &rusqlite::Transaction| {
                crate::subscribers::fill_search_column(tx).map_err(Into::into)
            },
        ),
        M::up(include_str!("../migrations/0011_consent_send.sql")),
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
        configure(&conn)?;
        migrate(&mut conn, Path::new(":memory:"), &MIGRATIONS)?;
        Ok(Database {
            conn,
            path: PathBuf::from(":memory:"),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The schema version recorded in the file.
    pub fn user_version(&self) -> Result<usize> {
        user_version(&self.conn)
    }
}

/// Every connection gets the same settings, here and nowhere else.
fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // A new file gets 16 KiB pages (SQLite's default is 4 KiB): an import of
    // 100,000 subscribers then splits, allocates and logs a quarter as many
    // pages, and takes a fifth less time. It must be set before the file is
    // first written (and so before WAL mode); in an existing file it changes nothing.
    conn.pragma_update(None, "page_size", 16384)?;
    // journal_mode answers with the mode it took; in-memory databases stay "memory".
    let _mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    crate::bulk::register(conn)?;
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
    check_header(path)?;
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
    configure(&conn).map_err(|e| match e.code {
        ErrorCode::Storage if !folder_is_writable(path) => Error::storage(format!(
            "{} cannot be written: it is on a read-only disk or in a folder you may not write to. \
             Nothing was changed. Copy it somewhere writable and open it with --db PATH.",
            path.display()
        )),
        _ => about(path, e),
    })?;
    quick_check(&conn, path)?;
    check_owner(&conn, path)?;
    migrate(&mut conn, path, migrations)?;
    Ok(Database {
        conn,
        path: path.to_path_buf(),
    })
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

/// An existing file must start like an SQLite file; anything else is refused
/// before SQLite touches it, so it is never changed.
pub(crate) fn check_header(path: &Path) -> Result<()> {
    let Ok(mut file) = fs::File::open(path) else {
        return Ok(());
    };
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => {
                return Err(Error::storage(format!(
                    "Cannot read {}: {e}",
                    path.display()
                )))
            }
        }
    }
    if read == 0 || &header[..read] == b"SQLite format 3\0" {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::NotADatabase,
        format!(
            "{} is not a Handbill database: it is not an SQLite file. Nothing was changed; choose another file with --db PATH.",
            path.display()
        ),
    ))
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

/// Refuses another program's SQLite file: one with a foreign application id,
/// or one that has tables but was never marked as Handbill's.
fn check_owner(conn: &Connection, path: &Path) -> Result<()> {
    let app_id: i32 = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))?;
    if app_id == APPLICATION_ID || (app_id == 0 && tables == 0) {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::NotADatabase,
        format!(
            "{} is an SQLite file of another program, not a Handbill database. Nothing was changed.",
            path.display()
        ),
    ))
}

fn migrate(conn: &mut Connection, path: &Path, migrations: &[M<'static>]) -> Result<()> {
    let current = user_version(conn)?;
    let latest = migrations.len();
    if current > latest {
        return Err(Error::new(
            ErrorCode::NewerDatabase,
            format!(
                "{} was written by a newer version of Handbill (schema {current}; this version knows up to {latest}). \
                 Nothing was changed. Update Handbill to open it.",
                path.display()
            ),
        ));
    }
    if current == latest {
        return Ok(());
    }
    if current > 0 {
        crate::backup::snapshot_conn(conn, path, crate::backup::BackupKind::BeforeMigration)
            .map_err(|e| {
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

/// Backups of a database go in a folder beside it.
pub fn backups_dir(db_path: &Path) -> PathBuf {
    let name = db_path
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("handbill.sqlite");
    db_path.with_file_name(format!("{name}.backups"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_step() -> Vec<M<'static>> {
        vec![
            M::up(include_str!("../migrations/0001_branch.sql")),
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
        let backups: Vec<_> = fs::read_dir(backups_dir(&path)).unwrap().collect();
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
            M::up(include_str!("../migrations/0001_branch.sql")),
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
