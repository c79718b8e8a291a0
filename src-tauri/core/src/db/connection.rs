//! What every connection Handbill opens shares, its own file's and those on
//! files from outside: SQLite's defensive settings and how long it waits for
//! another writer.

use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::Connection;

use crate::error::Result;

/// How long a connection waits for another one that is writing. A whole
/// subscriber import is one transaction, and 100,000 rows hold the database
/// for a few seconds in a release build, many more in a debug build or on a
/// slow disk: other commands wait for it instead of failing as "locked".
pub(crate) const BUSY_WAIT: Duration = Duration::from_secs(60);

/// SQLite's defensive settings, on every connection Handbill opens (its own
/// file's, and those on files from outside): the schema cannot be written
/// around SQL (`writable_schema`, shadow tables of full-text indexes, the raw
/// pages), and nothing a file's schema holds (a trigger, a view, a default)
/// may call a function or virtual table that is not marked harmless.
pub(crate) fn harden(conn: &Connection) -> Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    Ok(())
}
