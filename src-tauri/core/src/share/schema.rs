//! Which tables officers share and by which rule, read from the schema
//! itself (columns, foreign keys, unique keys), and the triggers that note
//! every change to them in `sync_dirty` while this laptop shares.

use crate::db::Database;
use crate::error::Result;

/// How another laptop's change to a table is merged (docs/sharing.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rule {
    /// Field by field, last writer wins; writes made apart are kept.
    Fields,
    /// One row, the same on every laptop (`id = 1`): the profile, the keys.
    Single,
    /// Rows are added, never changed: union.
    AppendOnly,
    /// A delivery's status only moves forward.
    Delivery,
    /// The branch-wide opt-out: an opt-out always wins.
    Suppression,
}

/// The shared tables, parents before children, and their rules. Every other
/// table (the mail account, the mailbox's cursor, an import's progress, the
/// search index) belongs to one laptop.
pub(crate) const SHARED: &[(&str, Rule)] = &[
    ("branch", Rule::Single),
    ("mail_key", Rule::Single),
    ("consent_salt", Rule::Single),
    ("list", Rule::Fields),
    ("segment", Rule::Fields),
    ("subscriber", Rule::Fields),
    ("membership", Rule::Fields),
    ("suppression", Rule::Suppression),
    ("consent", Rule::AppendOnly),
    ("venue", Rule::Fields),
    ("speaker", Rule::Fields),
    ("tour", Rule::Fields),
    ("tour_speaker", Rule::Fields),
    ("event", Rule::Fields),
    ("event_speaker", Rule::Fields),
    ("event_history", Rule::AppendOnly),
    ("series", Rule::Fields),
    ("series_exception", Rule::Fields),
    ("flyer_choice", Rule::Fields),
    ("organization", Rule::Fields),
    ("org_contact", Rule::Fields),
    ("cosponsorship", Rule::Fields),
    ("cosponsorship_step", Rule::AppendOnly),
    ("demand_list", Rule::Fields),
    ("demand_list_version", Rule::Fields),
    ("demand", Rule::Fields),
    ("demand_list_translation", Rule::Fields),
    ("demand_translation", Rule::Fields),
    ("demand_use", Rule::Fields),
    ("endorsement", Rule::Fields),
    ("email_draft", Rule::Fields),
    ("announcement", Rule::Fields),
    ("announcement_version", Rule::Fields),
    ("delivery", Rule::Delivery),
    ("attendance", Rule::Fields),
];

/// Columns that belong to one laptop even in a shared table.
const LOCAL_COLUMNS: &[(&str, &str)] = &[("branch", "first_steps_hidden")];

/// Columns whose writes made apart are not worth a person's choice: the
/// later one stands, nothing is listed. (`schedule_missed_at` is when a
/// laptop's check found a scheduled announcement's event started: every
/// laptop that checks writes it, and any of their times says the same.)
pub(crate) const QUIET_COLUMNS: &[&str] = &["updated_at", "search", "schedule_missed_at"];

/// One shared table as the schema says it is.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub name: &'static str,
    pub rule: Rule,
    /// Has rowids (and so global ids); otherwise its primary key names a row.
    pub rowid: bool,
    /// The shared columns, without the integer primary key of a rowid table.
    pub columns: Vec<String>,
    /// The primary key columns of a table without rowids.
    pub key: Vec<String>,
    /// Column → the table its foreign key points to.
    pub references: Vec<(String, String)>,
    /// Unique keys (as column lists) a row from elsewhere may share with one here.
    pub unique: Vec<Vec<String>>,
    /// The integer primary key's name, for a rowid table that has one.
    pub id_column: Option<String>,
}

impl Table {
    pub fn reference(&self, column: &str) -> Option<&str> {
        self.references
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, t)| t.as_str())
    }
}

/// Reads every shared table's shape from the database.
pub(crate) fn tables(db: &Database) -> Result<Vec<Table>> {
    let conn = db.conn();
    let mut out = Vec::with_capacity(SHARED.len());
    for &(name, rule) in SHARED {
        let without_rowid: bool = conn.query_row(
            "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [name],
            |r| r.get(0),
        )?;
        let mut stmt =
            conn.prepare("SELECT name, type, pk FROM pragma_table_info(?1) ORDER BY cid")?;
        let info: Vec<(String, String, i64)> = stmt
            .query_map([name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let pks: Vec<&(String, String, i64)> = info.iter().filter(|c| c.2 > 0).collect();
        let id_column =
            (!without_rowid && pks.len() == 1 && pks[0].1.eq_ignore_ascii_case("INTEGER"))
                .then(|| pks[0].0.clone());
        let mut key: Vec<(i64, String)> = Vec::new();
        if without_rowid {
            key = pks.iter().map(|c| (c.2, c.0.clone())).collect();
            key.sort();
        }
        let columns = info
            .iter()
            .map(|c| c.0.clone())
            .filter(|c| Some(c) != id_column.as_ref())
            .filter(|c| !LOCAL_COLUMNS.contains(&(name, c.as_str())))
            .collect();
        let mut stmt =
            conn.prepare("SELECT \"from\", \"table\" FROM pragma_foreign_key_list(?1)")?;
        let references = stmt
            .query_map([name], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let mut unique: Vec<Vec<String>> = Vec::new();
        if !without_rowid && id_column.is_none() && !pks.is_empty() {
            let mut k: Vec<(i64, String)> = pks.iter().map(|c| (c.2, c.0.clone())).collect();
            k.sort();
            unique.push(k.into_iter().map(|(_, c)| c).collect());
        }
        let mut stmt = conn.prepare(
            "SELECT name FROM pragma_index_list(?1) WHERE \"unique\" = 1 AND origin != 'pk'",
        )?;
        let indexes: Vec<String> = stmt
            .query_map([name], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        for index in indexes {
            let mut stmt = conn.prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")?;
            let cols: Vec<Option<String>> = stmt
                .query_map([&index], |r| r.get(0))?
                .collect::<std::result::Result<_, _>>()?;
            // An index on an expression has no column names: not a key we can match.
            if let Some(cols) = cols.into_iter().collect::<Option<Vec<String>>>() {
                unique.push(cols);
            }
        }
        out.push(Table {
            name,
            rule,
            rowid: !without_rowid,
            columns,
            key: key.into_iter().map(|(_, c)| c).collect(),
            references,
            unique,
            id_column,
        });
    }
    Ok(out)
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The SQL that makes the change triggers, and a fingerprint of it: the
/// triggers are made again when the schema changes (a migration that
/// rebuilds a table drops its triggers).
pub(crate) fn trigger_sql(tables: &[Table]) -> (String, String) {
    let mut sql = String::new();
    const WHEN: &str = "(SELECT capturing FROM share_self) = 1";
    for t in tables {
        let n = t.name;
        let q = quote(n);
        let changed: Vec<String> = t
            .columns
            .iter()
            .map(|c| format!("NEW.{0} IS NOT OLD.{0}", quote(c)))
            .collect();
        let cols_text = t
            .columns
            .iter()
            .map(|c| {
                format!(
                    "CASE WHEN NEW.{0} IS NOT OLD.{0} THEN '{1},' ELSE '' END",
                    quote(c),
                    c
                )
            })
            .collect::<Vec<_>>()
            .join(" || ");
        let drop = |what: &str| format!("DROP TRIGGER IF EXISTS \"share_{n}_{what}\";\n");
        sql.push_str(&drop("i"));
        sql.push_str(&drop("u"));
        sql.push_str(&drop("d"));
        if t.rowid {
            sql.push_str(&format!(
                "CREATE TRIGGER \"share_{n}_i\" AFTER INSERT ON {q} WHEN {WHEN} BEGIN \
                 INSERT INTO sync_dirty (tbl, op, local) VALUES ('{n}', 'i', NEW.rowid); END;\n"
            ));
            if t.rule == Rule::AppendOnly {
                continue;
            }
            sql.push_str(&format!(
                "CREATE TRIGGER \"share_{n}_u\" AFTER UPDATE ON {q} WHEN {WHEN} AND ({changed}) BEGIN \
                 INSERT INTO sync_dirty (tbl, op, local, cols) VALUES ('{n}', 'u', NEW.rowid, {cols_text}); END;\n",
                changed = changed.join(" OR ")
            ));
            sql.push_str(&format!(
                "CREATE TRIGGER \"share_{n}_d\" AFTER DELETE ON {q} WHEN {WHEN} BEGIN \
                 INSERT INTO sync_dirty (tbl, op, local, gid) VALUES ('{n}', 'd', OLD.rowid, \
                 (SELECT min(gid) FROM sync_row WHERE tbl = '{n}' AND local = OLD.rowid)); END;\n"
            ));
        } else {
            let key_of = |row: &str| {
                let parts: Vec<String> = t
                    .key
                    .iter()
                    .map(|c| format!("{row}.{}", quote(c)))
                    .collect();
                format!("json_array({})", parts.join(", "))
            };
            // A deleted row's key is written with its references as global
            // ids at once: the row it points to may be gone by the next sync.
            let global_key = {
                let parts: Vec<String> = t
                    .key
                    .iter()
                    .map(|c| match t.reference(c) {
                        Some(parent) => format!(
                            "(SELECT min(gid) FROM sync_row WHERE tbl = '{parent}' AND local = OLD.{})",
                            quote(c)
                        ),
                        None => format!("OLD.{}", quote(c)),
                    })
                    .collect();
                format!("json_array({})", parts.join(", "))
            };
            // An opt-out keeps its values as made: it may be lifted again
            // before the next sync, and is written all the same.
            let values = if t.rule == Rule::Suppression {
                let parts: Vec<String> = t
                    .columns
                    .iter()
                    .map(|c| format!("'{c}', NEW.{}", quote(c)))
                    .collect();
                format!("json_object({})", parts.join(", "))
            } else {
                "''".to_owned()
            };
            sql.push_str(&format!(
                "CREATE TRIGGER \"share_{n}_i\" AFTER INSERT ON {q} WHEN {WHEN} BEGIN \
                 INSERT INTO sync_dirty (tbl, op, key, cols) VALUES ('{n}', 'i', {}, {values}); END;\n",
                key_of("NEW")
            ));
            sql.push_str(&format!(
                "CREATE TRIGGER \"share_{n}_u\" AFTER UPDATE ON {q} WHEN {WHEN} AND ({changed}) BEGIN \
                 INSERT INTO sync_dirty (tbl, op, key, cols) VALUES ('{n}', 'u', {}, {cols_text}); END;\n",
                key_of("NEW"),
                changed = changed.join(" OR ")
            ));
            sql.push_str(&format!(
                "CREATE TRIGGER \"share_{n}_d\" AFTER DELETE ON {q} WHEN {WHEN} BEGIN \
                 INSERT INTO sync_dirty (tbl, op, key, gid) VALUES ('{n}', 'd', {}, {global_key}); END;\n",
                key_of("OLD")
            ));
        }
    }
    let fingerprint = blake3::hash(sql.as_bytes()).to_hex().to_string();
    (sql, fingerprint)
}

/// Makes the change triggers when they are missing or were made for another
/// schema. Called when sharing starts and at every opening of a shared branch.
pub(crate) fn ensure_triggers(db: &Database) -> Result<()> {
    let current: Option<String> = db
        .conn()
        .query_row("SELECT triggers FROM share_self", [], |r| r.get(0))
        .ok();
    let Some(current) = current else {
        return Ok(());
    };
    let tables = tables(db)?;
    let (sql, fingerprint) = trigger_sql(&tables);
    let present: i64 = db.conn().query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'share\\_%' ESCAPE '\\'",
        [],
        |r| r.get(0),
    )?;
    let expected = sql.matches("CREATE TRIGGER").count() as i64;
    if current == fingerprint && present == expected {
        return Ok(());
    }
    let tx = crate::db::Tx::begin(db)?;
    db.conn().execute_batch(&sql)?;
    db.conn()
        .execute("UPDATE share_self SET triggers = ?1", [&fingerprint])?;
    tx.commit()
}
