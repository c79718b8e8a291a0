//! The branch's database and the files that carry it: opening and migrating
//! the one SQLite file (`storage`), backups beside it (`backup`), taking in a
//! database from outside (`intake`: a backup to restore, the database inside
//! a hand-over file), transactions that nest (`Tx`), the files a person
//! gives Handbill or has it save (`outside`), the text the subscriber search
//! looks in (`search`, which the migrations fill), copies sealed with a
//! passphrase for leaving the laptop (`sealed`), and the report for a bug
//! report (`diagnostics`). It knows no area: the areas above use it, never
//! the other way round.

pub mod backup;
mod checked;
mod cipher;
pub(crate) mod connection;
pub mod diagnostics;
pub mod encryption;
pub(crate) mod intake;
pub mod keys;
pub mod outside;
pub(crate) mod seal;
pub mod sealed;
pub(crate) mod search;
pub mod storage;
mod transaction;

pub use storage::Database;

/// The file or folder beside the branch file at `path` named after it with
/// `suffix` (`NAME-wal`, `NAME.backups`, `NAME.checked`…), as SQLite names its
/// log: the file's own name, whatever its characters, then the suffix.
pub(crate) fn beside(path: &std::path::Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path
        .file_name()
        .unwrap_or(std::ffi::OsStr::new("handbill.sqlite"))
        .to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}
pub(crate) use transaction::Tx;

/// Sets SQLite up for this process: called first thing by the app and the
/// command line, before any connection, then registers the page cipher
/// (`cipher::install`, which starts SQLite). Every connection works without
/// it; it only tells SQLite not to count its allocations, each count taken
/// under one process-wide lock, for every page any thread touches (Handbill
/// reads no such count and sets no heap limit). That can be said only
/// before SQLite starts: said later, SQLite refuses it and keeps counting,
/// which is harmless.
pub fn prepare() {
    // SAFETY: a documented configuration option with its one int argument.
    unsafe {
        rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int);
    }
    cipher::install();
}
