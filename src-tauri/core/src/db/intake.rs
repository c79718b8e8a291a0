//! Intake owns taking in a branch database from outside: a backup to restore,
//! or the database inside a hand-over file. Such a file may have been changed
//! by anyone who had it, so it brings data and never structure:
//!
//! - only a regular file is read (never a device or a pipe), and only after its
//!   size and its header's bytes have been checked;
//! - SQLite opens it read-only and immutable, so its bytes never change and no
//!   journal or log is created beside it;
//! - its schema must be exactly the one Handbill's own migrations build at its
//!   version (tables, columns, constraints, indexes, triggers), or it is refused
//!   with a message naming what is foreign;
//! - its rows alone are copied, into a new file built by those migrations and
//!   then brought to this version; that file is what replaces the live data.

use std::fs::{self, File};
use std::path::Path;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::db::keys::{self, Key};
use crate::db::storage::{self, Header};
use crate::error::{Error, ErrorCode, Result};

/// What every refusal of an incoming file tells the organizer to do.
const ANOTHER: &str = "Choose another backup or export that Handbill wrote \
     (`handbill backups` lists the automatic backups; Settings → Backups in the window).";

/// Opens `path` for reading if it is a regular file of at most `limit` bytes,
/// refusing a folder, a device or a pipe before opening it (opening a pipe for
/// reading waits for a writer; reading a device may never end). Returns the
/// file and its length.
pub(crate) fn open_regular(path: &Path, limit: u64) -> Result<(File, u64)> {
    let refuse_kind = || {
        Error::new(
            ErrorCode::Invalid,
            format!(
                "{} is not a regular file (it is a folder, a device or a pipe), so Handbill does not read it. Choose a file.",
                path.display()
            ),
        )
    };
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            Error::not_found(format!("There is no file at {}.", path.display()))
        }
        _ => Error::storage(format!("Cannot read {}: {e}", path.display())),
    })?;
    if !meta.is_file() {
        return Err(refuse_kind());
    }
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // Should the path have been swapped for a pipe since the check above,
        // opening it does not wait for a writer; the check below refuses it.
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options
        .open(path)
        .map_err(|e| Error::storage(format!("Cannot open {}: {e}", path.display())))?;
    let meta = file
        .metadata()
        .map_err(|e| Error::storage(format!("Cannot read {}: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(refuse_kind());
    }
    if meta.len() > limit {
        return Err(Error::new(
            ErrorCode::Invalid,
            format!(
                "{} is {} MB, more than any Handbill branch ({} MB at most), so it was not read.",
                path.display(),
                meta.len() / 1_000_000,
                limit / 1_000_000
            ),
        ));
    }
    Ok((file, meta.len()))
}

/// Checks, from its header's bytes alone, that a file from outside is a
/// Handbill database this version can take in. Returns its header.
pub(crate) fn identify(start: &[u8], len: u64, named: &str) -> Result<Header> {
    let header = Header::parse(start, len, named)?.ok_or_else(|| {
        Error::new(
            ErrorCode::NotADatabase,
            format!(
                "{named} is empty: it is not a Handbill database. Nothing was changed. {ANOTHER}"
            ),
        )
    })?;
    identity(header.application_id, i64::from(header.user_version), named)?;
    Ok(header)
}

/// Refuses another program's file and one of a schema this build cannot
/// take in. Returns the schema version.
fn identity(application_id: i32, version: i64, named: &str) -> Result<usize> {
    if application_id != storage::APPLICATION_ID {
        return Err(Error::new(
            ErrorCode::NotADatabase,
            format!("{named} is not a Handbill database (it is another program's SQLite file). Nothing was changed. {ANOTHER}"),
        ));
    }
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > storage::schema_version() {
        return Err(Error::new(
            ErrorCode::NewerDatabase,
            format!(
                "{named} comes from a newer version of Handbill (schema {version}; this version knows up to {}). \
                 Update Handbill to take it in. Nothing was changed.",
                storage::schema_version()
            ),
        ));
    }
    if version == 0 {
        return Err(Error::new(
            ErrorCode::NotADatabase,
            format!("{named} is marked as Handbill's but holds no schema version, so it holds no branch. Nothing was changed. {ANOTHER}"),
        ));
    }
    Ok(version)
}

/// `path` as an SQLite URI that opens it read-only and immutable: SQLite then
/// takes no locks, creates no journal, log or shared-memory file beside it and
/// never writes to it. (A log left beside a file from outside is not read: a
/// backup Handbill writes has none.)
///
/// An encrypted copy (one of this branch's own backups, read without its
/// seal through `backup::readable`) is named by its plain path and opened
/// read-only by the flags, as SQLCipher reads it. Nothing writes to it;
/// Handbill writes its copies with no journal or log beside them.
fn read_only_uri(path: &Path) -> Result<String> {
    if keys::is_encrypted(path)? {
        return Ok(path.to_string_lossy().into_owned());
    }
    let absolute = std::path::absolute(path)
        .map_err(|e| Error::storage(format!("Cannot find {}: {e}", path.display())))?;
    let url = url::Url::from_file_path(&absolute)
        .map_err(|()| Error::storage(format!("Cannot name {} as a URI.", absolute.display())))?;
    Ok(format!("{url}?mode=ro&immutable=1"))
}

/// Names the file in an error from SQLite about it.
fn about(named: &str, e: impl Into<Error>) -> Error {
    let e = e.into();
    match e.code {
        // SQLite failing on the file itself (a schema it cannot parse, say,
        // a full-text table whose definition was changed) is the file's
        // fault, not Handbill's: it is told as damage.
        ErrorCode::Internal => Error::new(
            ErrorCode::Damaged,
            format!(
                "{named} could not be read as a Handbill database ({}): it is damaged, or was changed after \
                 Handbill wrote it. Nothing was changed. {ANOTHER}",
                e.message.trim_start_matches("Database error: ")
            ),
        ),
        _ => Error {
            message: format!("{named}: {}", e.message),
            ..e
        },
    }
}

/// Opens a file from outside read-only, with the defensive settings.
fn open_read_only(path: &Path, named: &str) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        read_only_uri(path)?,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| about(named, e))?;
    keys::apply(&conn, keys::key_for(path)?.as_ref())?;
    crate::db::connection::harden(&conn)?;
    Ok(conn)
}

/// Checks a file from outside through SQLite without changing it: whole
/// (`integrity_check`), Handbill's, of a version this build knows, and with
/// exactly the schema of that version. Returns the version.
pub(crate) fn inspect(path: &Path, named: &str) -> Result<usize> {
    let conn = open_read_only(path, named)?;
    inspect_conn(&conn, named)
}

/// The checks of [`inspect`] on a database already open (a sealed copy
/// decrypted into memory).
pub(crate) fn inspect_conn(conn: &Connection, named: &str) -> Result<usize> {
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| about(named, e))?;
    if check != "ok" {
        return Err(Error::new(
            ErrorCode::Damaged,
            format!("{named} is damaged ({check}); it cannot be taken in. Nothing was changed. {ANOTHER}"),
        ));
    }
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| about(named, e))?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| about(named, e))?;
    let version = identity(app_id, version, named)?;
    compare_schema(conn, &storage::reference(version)?, named, version)?;
    Ok(version)
}

/// One entry of `sqlite_schema`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    kind: String,
    name: String,
    table: String,
    /// The normalised `sql` (see [`normalise`]); `None` for automatic indexes.
    sql: Option<String>,
}

impl Entry {
    fn describe(&self) -> String {
        let virtual_table = self
            .sql
            .as_deref()
            .is_some_and(|sql| sql.starts_with("create virtual table"));
        match self.kind.as_str() {
            "trigger" | "index" => {
                format!("{} \"{}\" on table {}", self.kind, self.name, self.table)
            }
            "table" if virtual_table => format!("virtual table \"{}\"", self.name),
            kind => format!("{kind} \"{}\"", self.name),
        }
    }
}

/// The tables SQLite's ANALYZE writes (`sqlite_stat2` and `sqlite_stat3` by
/// older versions).
const STATISTICS: [&str; 4] = [
    "sqlite_stat1",
    "sqlite_stat2",
    "sqlite_stat3",
    "sqlite_stat4",
];

fn entries(conn: &Connection) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare("SELECT type, name, tbl_name, sql FROM main.sqlite_schema")?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Entry {
                kind: lossy(r, 0)?.unwrap_or_default(),
                name: lossy(r, 1)?.unwrap_or_default(),
                table: lossy(r, 2)?.unwrap_or_default(),
                sql: lossy(r, 3)?.map(|sql| normalise(&sql)),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // Statistics that ANALYZE or `PRAGMA optimize` may leave: not data, not
    // structure; never copied. Only those tables by their exact names: a
    // trigger or a view given such a name is structure like any other.
    Ok(rows
        .into_iter()
        .filter(|e| {
            let statistics = e.kind == "table"
                && STATISTICS.contains(&e.name.as_str())
                && e.sql
                    .as_deref()
                    .is_some_and(|s| s.starts_with("create table"));
            !statistics
        })
        .collect())
}

/// A text of the file's schema as it is, even if it is not valid UTF-8 (a
/// changed byte makes it differ from ours, and is reported as such).
fn lossy(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<String>> {
    use rusqlite::types::ValueRef;
    Ok(match row.get_ref(i)? {
        ValueRef::Null => None,
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
        ValueRef::Integer(n) => Some(n.to_string()),
        ValueRef::Real(x) => Some(x.to_string()),
    })
}

/// A schema statement reduced so that only its meaning is compared: comments
/// gone, runs of white space made one space (none next to brackets and
/// commas), words in lower case and plain identifiers unquoted; quoted text
/// is kept as written. A changed constraint, column, type or default still
/// differs. (Written here because SQLite offers no way to compare two
/// statements, and its tokenizer is not part of its API.)
fn normalise(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut space = false;
    let push = |out: &mut String, c: char, space: &mut bool| {
        let tight = |c: char| matches!(c, '(' | ')' | ',' | ';');
        if *space && !out.is_empty() && !tight(c) && !out.ends_with(tight) {
            out.push(' ');
        }
        *space = false;
        out.push(c);
    };
    while let Some(c) = chars.next() {
        match c {
            '-' if chars.peek() == Some(&'-') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                space = true;
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                space = true;
            }
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                let mut quoted = String::new();
                while let Some(q) = chars.next() {
                    if q == close {
                        if close != ']' && chars.peek() == Some(&close) {
                            chars.next();
                            quoted.push(q);
                            quoted.push(q);
                            continue;
                        }
                        break;
                    }
                    quoted.push(q);
                }
                let plain = c != '\''
                    && !quoted.is_empty()
                    && quoted
                        .chars()
                        .all(|q| q.is_ascii_alphanumeric() || q == '_')
                    && !quoted.starts_with(|q: char| q.is_ascii_digit());
                if plain {
                    for q in quoted.to_ascii_lowercase().chars() {
                        push(&mut out, q, &mut space);
                    }
                } else {
                    push(&mut out, c, &mut space);
                    out.push_str(&quoted);
                    out.push(close);
                }
            }
            c if c.is_whitespace() => space = true,
            c => push(&mut out, c.to_ascii_lowercase(), &mut space),
        }
    }
    out
}

/// One column of a table, as `pragma table_xinfo` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    name: String,
    declared_type: String,
    not_null: bool,
    default: Option<String>,
    /// Its place in the primary key, from 1; 0 when it is not part of it.
    key: i64,
    /// 0 for an ordinary column; generated and hidden ones are not copied.
    hidden: i64,
}

fn columns(conn: &Connection, table: &str) -> Result<Vec<Column>> {
    let mut stmt = conn.prepare(
        "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1, 'main')",
    )?;
    let rows = stmt
        .query_map([table], |r| {
            Ok(Column {
                name: lossy(r, 0)?.unwrap_or_default(),
                declared_type: lossy(r, 1)?.unwrap_or_default(),
                not_null: r.get(2)?,
                default: lossy(r, 3)?,
                key: r.get(4)?,
                hidden: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// What differs between a table of the incoming file and ours, in words.
fn table_difference(incoming: &Connection, ours: &Connection, table: &str) -> String {
    let (Ok(theirs), Ok(mine)) = (columns(incoming, table), columns(ours, table)) else {
        return format!("table \"{table}\" is defined differently");
    };
    if let Some(extra) = theirs
        .iter()
        .find(|c| !mine.iter().any(|m| m.name == c.name))
    {
        return format!(
            "table \"{table}\" has a column \"{}\" that Handbill's has not",
            extra.name
        );
    }
    if let Some(missing) = mine
        .iter()
        .find(|m| !theirs.iter().any(|c| c.name == m.name))
    {
        return format!("table \"{table}\" lacks its column \"{}\"", missing.name);
    }
    if let Some(changed) = theirs.iter().find(|c| !mine.contains(c)) {
        return format!(
            "column \"{}\" of table \"{table}\" is defined differently",
            changed.name
        );
    }
    format!("table \"{table}\" is defined differently (its constraints)")
}

/// Refuses a file whose schema is not exactly `reference`'s, naming what differs.
fn compare_schema(
    incoming: &Connection,
    reference: &Connection,
    named: &str,
    version: usize,
) -> Result<()> {
    let theirs = entries(incoming).map_err(|e| about(named, e))?;
    let ours = entries(reference)?;
    let key = |e: &Entry| (e.kind.clone(), e.name.clone());
    let mut foreign = Vec::new();
    for entry in &theirs {
        match ours.iter().find(|o| key(o) == key(entry)) {
            None => foreign.push(entry.describe()),
            Some(mine) if mine == entry => {}
            Some(_)
                if entry.kind == "table"
                    && entry
                        .sql
                        .as_deref()
                        .is_some_and(|s| s.starts_with("create table")) =>
            {
                foreign.push(table_difference(incoming, reference, &entry.name))
            }
            Some(_) => foreign.push(format!("{} is defined differently", entry.describe())),
        }
    }
    let missing: Vec<String> = ours
        .iter()
        .filter(|o| !theirs.iter().any(|e| key(e) == key(o)))
        .map(|o| o.describe())
        .collect();
    if foreign.is_empty() && missing.is_empty() {
        return Ok(());
    }
    let listed = |items: &[String]| {
        const SHOWN: usize = 6;
        let mut text = items
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ");
        if items.len() > SHOWN {
            text.push_str(&format!("; and {} more", items.len() - SHOWN));
        }
        text
    };
    let message = if !foreign.is_empty() {
        format!(
            "{named} holds structure that Handbill did not make, so it was not taken in and nothing was changed: {}. \
             A Handbill database brings only data; use a backup or export that Handbill wrote.",
            listed(&foreign)
        )
    } else {
        format!(
            "{named} is not a whole Handbill database (schema {version}): it lacks {}. Nothing was changed. {ANOTHER}",
            listed(&missing)
        )
    };
    Err(Error::new(ErrorCode::NotADatabase, message))
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Copies the rows of the file at `source` (already inspected, of schema
/// `version`) into a new file at `target` with `page_size` pages, built by
/// Handbill's migrations, and brings that file to this build's schema.
/// Returns its connection; `target` is left for the caller to remove.
pub(crate) fn rebuild(
    source: &Path,
    named: &str,
    version: usize,
    target: &Path,
    page_size: u64,
    key: Option<&Key>,
) -> Result<Connection> {
    // The file is read again here: hold it to the same rules once more, in
    // case it changed since it was inspected.
    {
        let conn = open_read_only(source, named)?;
        compare_schema(&conn, &storage::reference(version)?, named, version)?;
    }
    let mut conn = storage::new_file(target, page_size, version, key)?;
    // Without a KEY, SQLCipher would open the attached file with main's key.
    let source_key = keys::key_for(source)?;
    keys::before_attach(&conn, source_key.as_ref())?;
    let source_key = source_key.map(|k| k.spec()).unwrap_or_default();
    conn.execute(
        "ATTACH DATABASE ?1 AS incoming KEY ?2",
        [read_only_uri(source)?, source_key],
    )
    .map_err(|e| about(named, e))?;
    // The copy fires no trigger: rows arrive as they were, and a trigger of
    // ours meant for a person's change (a ledger line, say) does not run again.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
    let copied = copy_rows(&conn, named);
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, true)?;
    let contentless = copied?;
    conn.execute_batch("DETACH DATABASE incoming")?;
    storage::finish_new_file(&mut conn, target)?;
    for table in contentless {
        let still: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [&table],
            |r| r.get(0),
        )?;
        if still > 0 {
            return Err(Error::internal(format!(
                "The search index {table} keeps no copy of its text, so a restore cannot fill it again; \
                 give it a way to be rebuilt before it is part of the schema."
            )));
        }
    }
    Ok(conn)
}

/// As [`rebuild`], from a database inspected in memory (a sealed copy) into
/// a new database in memory: no plain copy of the branch is written to a
/// file on the way.
pub(crate) fn rebuild_in_memory(
    incoming: &Connection,
    named: &str,
    version: usize,
    page_size: u64,
) -> Result<Connection> {
    let mut conn = storage::new_in_memory(page_size, version)?;
    conn.execute("ATTACH DATABASE ':memory:' AS incoming", [])?;
    {
        let image = incoming.serialize(rusqlite::MAIN_DB)?;
        conn.deserialize_read_exact("incoming", &image[..], image.len(), true)
            .map_err(|e| about(named, e))?;
    }
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
    let copied = copy_rows(&conn, named);
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, true)?;
    let contentless = copied?;
    conn.execute_batch("DETACH DATABASE incoming")?;
    storage::finish_new_file(&mut conn, Path::new(":memory:"))?;
    if let Some(table) = contentless.first() {
        return Err(Error::internal(format!(
            "The search index {table} keeps no copy of its text, so a restore cannot fill it again."
        )));
    }
    Ok(conn)
}

/// Copies every table's rows from `incoming` into `main` in one transaction,
/// and refuses rows whose references lead nowhere. Returns the full-text
/// indexes that keep no copy of their text (they are left empty).
fn copy_rows(conn: &Connection, named: &str) -> Result<Vec<String>> {
    let tx = conn.unchecked_transaction()?;
    let mut contentless = Vec::new();
    let tables: Vec<(String, String, bool)> = conn
        .prepare(
            "SELECT name, type, wr FROM pragma_table_list WHERE schema = 'main' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (table, kind, without_rowid) in &tables {
        let cols: Vec<String> = columns(conn, table)?
            .into_iter()
            .filter(|c| c.hidden == 0)
            .map(|c| c.name)
            .collect();
        let list = cols
            .iter()
            .map(|c| quoted(c))
            .collect::<Vec<_>>()
            .join(", ");
        match kind.as_str() {
            "table" => {
                // A table without an INTEGER PRIMARY KEY still has row ids
                // that may be referred to: they are kept too.
                let all = columns(conn, table)?;
                let pk: Vec<_> = all.iter().filter(|c| c.key > 0).collect();
                let aliased = pk.len() == 1 && pk[0].declared_type.eq_ignore_ascii_case("INTEGER");
                let list = if *without_rowid || aliased {
                    list
                } else {
                    format!("rowid, {list}")
                };
                conn.execute(&format!("DELETE FROM main.{}", quoted(table)), [])?;
                conn.execute(
                    &format!(
                        "INSERT INTO main.{t} ({list}) SELECT {list} FROM incoming.{t}",
                        t = quoted(table)
                    ),
                    [],
                )
                .map_err(|e| rows_refused(named, table, e))?;
                values_fit(conn, table, &all, named)?;
                for column in &cols {
                    text_is_utf8(conn, table, column, named)?;
                }
            }
            "virtual" => {
                // A full-text index is built again from its text, never taken
                // from the file: its index pages are ours alone to write.
                let content = format!("{table}_content");
                let has_content = tables
                    .iter()
                    .any(|(t, k, _)| *t == content && k == "shadow");
                if has_content {
                    let stored = (0..cols.len())
                        .map(|i| format!("c{i}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    conn.execute(
                        &format!(
                            "INSERT INTO main.{t} (rowid, {list}) SELECT id, {stored} FROM incoming.{c}",
                            t = quoted(table),
                            c = quoted(&content)
                        ),
                        [],
                    )
                    .map_err(|e| rows_refused(named, table, e))?;
                } else if conn
                    .execute(
                        &format!(
                            "INSERT INTO main.{t} ({t}) VALUES ('rebuild')",
                            t = quoted(table)
                        ),
                        [],
                    )
                    .is_err()
                {
                    contentless.push(table.clone());
                }
            }
            // Shadow tables belong to their full-text index, filled above.
            _ => {}
        }
    }
    let mut orphans = Vec::new();
    {
        let mut stmt =
            conn.prepare("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (table, rowid, parent): (String, Option<i64>, String) =
                (row.get(0)?, row.get(1)?, row.get(2)?);
            if orphans.len() < 5 {
                orphans.push(match rowid {
                    Some(id) => format!("row {id} of table \"{table}\" refers to a row of \"{parent}\" that is not there"),
                    None => format!("a row of table \"{table}\" refers to a row of \"{parent}\" that is not there"),
                });
            }
        }
    }
    if !orphans.is_empty() {
        return Err(Error::new(
            ErrorCode::Damaged,
            format!(
                "{named} does not hold together, so it was not taken in and nothing was changed: {}. {ANOTHER}",
                orphans.join("; ")
            ),
        ));
    }
    tx.commit()?;
    Ok(contentless)
}

/// Refuses a value of the wrong kind in a column declared TEXT, INTEGER or
/// BLOB: bytes where text belongs, text or a fraction where a whole number
/// belongs, text where a picture's bytes belong. SQLite keeps such values
/// (Handbill's tables are not STRICT, and the copy has already turned what
/// it could into the column's kind), and every command reading the row would
/// fail on it.
fn values_fit(conn: &Connection, table: &str, columns: &[Column], named: &str) -> Result<()> {
    let allowed = |declared: &str| match declared.to_ascii_uppercase().as_str() {
        "TEXT" => Some(("'text'", "text")),
        "INTEGER" => Some(("'integer'", "a whole number")),
        "BLOB" => Some(("'blob'", "bytes (a picture)")),
        _ => None,
    };
    for column in columns.iter().filter(|c| c.hidden == 0) {
        let Some((kind, words)) = allowed(&column.declared_type) else {
            continue;
        };
        let c = quoted(&column.name);
        let found: Option<String> = conn
            .query_row(
                &format!(
                    "SELECT typeof({c}) FROM main.{t} WHERE typeof({c}) NOT IN ('null', {kind}) LIMIT 1",
                    t = quoted(table)
                ),
                [],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(found) = found {
            return Err(Error::new(
                ErrorCode::Damaged,
                format!(
                    "{named} holds a value of the wrong kind ({found} where {words} belongs) in column \"{}\" \
                     of table \"{table}\" (it was changed after Handbill wrote it), so it was not taken in and nothing was changed. {ANOTHER}",
                    column.name
                ),
            ));
        }
    }
    Ok(())
}

/// Refuses a column holding text that is not UTF-8: SQLite stores any bytes
/// it is given as text, and Handbill could not read them back.
fn text_is_utf8(conn: &Connection, table: &str, column: &str, named: &str) -> Result<()> {
    let c = quoted(column);
    let mut stmt = conn.prepare(&format!(
        "SELECT {c} FROM main.{t} WHERE typeof({c}) = 'text'",
        t = quoted(table)
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        if let rusqlite::types::ValueRef::Text(bytes) = row.get_ref(0)? {
            if std::str::from_utf8(bytes).is_err() {
                return Err(Error::new(
                    ErrorCode::Damaged,
                    format!(
                        "{named} holds text that is not UTF-8 in column \"{column}\" of table \"{table}\" \
                         (its bytes were changed after Handbill wrote them), so it was not taken in and nothing was changed. {ANOTHER}"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A failure copying one table's rows, told as a fault of the file: rows
/// that break a rule of Handbill's schema (a CHECK, NOT NULL, UNIQUE) were
/// changed by someone after Handbill wrote them.
fn rows_refused(named: &str, table: &str, e: rusqlite::Error) -> Error {
    let e = Error::from(e);
    match e.code {
        ErrorCode::Internal => Error::new(
            ErrorCode::Damaged,
            format!(
                "{named} holds rows of table \"{table}\" that break Handbill's rules ({}), \
                 so it was not taken in and nothing was changed. {ANOTHER}",
                e.message.trim_start_matches("Database error: ")
            ),
        ),
        _ => Error {
            message: format!(
                "{named}: {} (copying the rows of table \"{table}\"; nothing was changed)",
                e.message
            ),
            ..e
        },
    }
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn normalising_keeps_meaning_and_drops_layout() {
        assert_eq!(
            normalise("CREATE TABLE \"membership\" (\n  id INTEGER  -- the id\n, x TEXT /* c */ DEFAULT 'A  b'\n)"),
            normalise("create table membership(id integer,x text default 'A  b')"),
            "layout, comments, case and quotes around plain names do not count"
        );
        assert_ne!(
            normalise("CREATE TABLE t (s TEXT CHECK (s IN ('a', 'b')))"),
            normalise("CREATE TABLE t (s TEXT CHECK (s IN ('a', 'b', 'c')))"),
            "a changed CHECK counts"
        );
        assert_ne!(
            normalise("CREATE TABLE t (x TEXT DEFAULT 'a')"),
            normalise("CREATE TABLE t (x TEXT DEFAULT 'A')"),
            "quoted text keeps its case"
        );
    }
}
