//! What a change file carries, and turning this laptop's noted changes
//! (`sync_dirty`) into it: operations grouped by table in columns, rows named
//! by global ids, references as the global ids of the rows they point to.

use std::collections::{BTreeMap, HashMap};

use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::schema::{Rule, Table};
use crate::db::Database;
use crate::error::{Error, Result};

/// The format this Handbill writes and reads. A file of a later format is
/// left unapplied, with a word to upgrade.
pub(crate) const FORMAT: u32 = 1;

/// The decrypted body of a change file.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub(crate) struct Body {
    pub format: u32,
    pub laptop: String,
    pub seq: i64,
    pub hlc: String,
    /// The last file of each other laptop applied here when this was written.
    pub knows: BTreeMap<String, i64>,
    #[serde(default)]
    pub roster: Vec<RosterOp>,
    #[serde(default)]
    pub batches: Vec<Batch>,
    /// Announcements (global ids) this laptop claimed sending.
    #[serde(default)]
    pub claims: Vec<String>,
}

/// Changes to who the officers are and to the branch's keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RosterOp {
    /// The first officer, at `share init`.
    Add {
        laptop: String,
        name: String,
        sign_key: String,
        age_recipient: String,
    },
    /// An invitation: a join request proving `mac_key` is accepted.
    Invite { invite: String, mac_key: String },
    /// An officer removed: their files numbered above `after` are refused.
    Remove { laptop: String, after: i64 },
    /// A new branch key, sealed to each remaining officer.
    Key {
        epoch: i64,
        sealed: BTreeMap<String, String>,
    },
}

/// Operations of one kind on one table, in order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Batch {
    pub t: String,
    /// `i` insert, `u` update, `d` delete.
    pub o: String,
    /// For inserts: the columns of each row after its id.
    #[serde(default)]
    pub cols: Vec<String>,
    /// Insert: `[gid or null, values…]`; update: `[id, {col: value}]`;
    /// delete: `[id]`. An id is a global id, or for a table without rowids
    /// its key with references as global ids.
    pub rows: Vec<Vec<Value>>,
}

/// A value as a file carries it: JSON, with blobs as `{"x": hex}`.
pub(crate) fn to_wire(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => json!(i),
        ValueRef::Real(f) => json!(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => json!({ "x": hex(b) }),
    }
}

pub(crate) fn from_wire(v: &Value) -> Result<SqlValue> {
    Ok(match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(*b as i64),
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => SqlValue::Text(s.clone()),
        Value::Object(o) => match o.get("x").and_then(Value::as_str) {
            Some(h) => SqlValue::Blob(unhex(h).ok_or_else(|| bad("a blob is not hex"))?),
            None => return Err(bad("a value is an object")),
        },
        Value::Array(_) => return Err(bad("a value is a list")),
    })
}

pub(crate) fn bad(what: &str) -> Error {
    Error::invalid_field(
        "file",
        format!("A change file is not as Handbill writes them: {what}."),
    )
}

pub(crate) fn hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(D[(x >> 4) as usize] as char);
        s.push(D[(x & 15) as usize] as char);
    }
    s
}

pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A new global id: 96 random bits.
pub(crate) fn new_gid() -> Result<String> {
    Ok(hex(&super::random::<12>()?))
}

/// The global id of a local row, made now when it has none (a row from
/// before sharing began). A table of one row has the id `1` everywhere.
pub(crate) fn gid_of(db: &Database, table: &Table, local: i64) -> Result<String> {
    if table.rule == Rule::Single {
        db.conn()
            .prepare_cached(
                "INSERT OR IGNORE INTO sync_row (tbl, gid, local) VALUES (?1, '1', ?2)",
            )?
            .execute(rusqlite::params![table.name, local])?;
        return Ok("1".into());
    }
    let found: Option<String> = db
        .conn()
        .prepare_cached("SELECT min(gid) FROM sync_row WHERE tbl = ?1 AND local = ?2")?
        .query_row(rusqlite::params![table.name, local], |r| r.get(0))?;
    if let Some(g) = found {
        return Ok(g);
    }
    let g = new_gid()?;
    db.conn()
        .prepare_cached("INSERT INTO sync_row (tbl, gid, local) VALUES (?1, ?2, ?3)")?
        .execute(rusqlite::params![table.name, g, local])?;
    Ok(g)
}

/// A column's local value as a file carries it: a reference becomes the
/// global id of the row it points to.
pub(crate) fn wire_value(
    db: &Database,
    by_name: &HashMap<&str, &Table>,
    table: &Table,
    col: &str,
    v: ValueRef<'_>,
) -> Result<Value> {
    if let (Some(parent), ValueRef::Integer(id)) = (table.reference(col), v) {
        if let Some(p) = by_name.get(parent) {
            return Ok(Value::String(gid_of(db, p, id)?));
        }
    }
    Ok(to_wire(v))
}

fn select_sql(table: &Table, cols: &[String], by_key: bool) -> String {
    let list = cols
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let wher = if by_key {
        table
            .key
            .iter()
            .enumerate()
            .map(|(i, c)| format!("\"{c}\" = ?{}", i + 1))
            .collect::<Vec<_>>()
            .join(" AND ")
    } else {
        "rowid = ?1".into()
    };
    format!("SELECT {list} FROM \"{}\" WHERE {wher}", table.name)
}

/// Reads the listed columns of one row as a file carries them; `None` when
/// the row is gone.
pub(crate) fn read_row(
    db: &Database,
    by_name: &HashMap<&str, &Table>,
    table: &Table,
    cols: &[String],
    local: &RowRef,
) -> Result<Option<Vec<Value>>> {
    let sql = select_sql(table, cols, matches!(local, RowRef::Key(_)));
    let mut stmt = db.conn().prepare_cached(&sql)?;
    let params: Vec<SqlValue> = match local {
        RowRef::Rowid(id) => vec![SqlValue::Integer(*id)],
        RowRef::Key(k) => k.iter().map(from_wire).collect::<Result<_>>()?,
    };
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(cols.len());
    for (i, c) in cols.iter().enumerate() {
        out.push(wire_value(db, by_name, table, c, row.get_ref(i)?)?);
    }
    Ok(Some(out))
}

/// A local row: by rowid, or by its key's local values.
#[derive(Debug, Clone)]
pub(crate) enum RowRef {
    Rowid(i64),
    Key(Vec<Value>),
}

/// The key of a table without rowids, its references as global ids.
pub(crate) fn wire_key(
    db: &Database,
    by_name: &HashMap<&str, &Table>,
    table: &Table,
    local_key: &[Value],
) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(local_key.len());
    for (c, v) in table.key.iter().zip(local_key) {
        let sql = from_wire(v)?;
        let r = ValueRef::from(&sql);
        out.push(wire_value(db, by_name, table, c, r)?);
    }
    Ok(out)
}

/// One operation before it is grouped into batches.
enum Op {
    Insert {
        table: usize,
        row: RowRef,
        /// The row's values as the trigger saw them (an opt-out's), as JSON.
        made: String,
    },
    Update {
        table: usize,
        row: RowRef,
        cols: Vec<String>,
    },
    Delete {
        table: usize,
        id: Value,
        local_key: Option<String>,
    },
}

/// Turns the noted changes into batches, stamping each written field and
/// made row with this file (`laptop`, `seq`, `hlc`), and empties the notes.
pub(crate) fn collect(
    db: &Database,
    tables: &[Table],
    laptop: &str,
    seq: i64,
    hlc: &str,
) -> Result<Vec<Batch>> {
    let index: HashMap<&str, usize> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name, i))
        .collect();
    let by_name: HashMap<&str, &Table> = tables.iter().map(|t| (t.name, t)).collect();
    let mut stmt = db
        .conn()
        .prepare("SELECT tbl, op, local, key, gid, cols FROM sync_dirty ORDER BY n")?;
    type Dirty = (
        String,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        String,
    );
    let dirty: Vec<Dirty> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<std::result::Result<_, _>>()?;
    drop(stmt);
    let mut ops: Vec<Option<Op>> = Vec::with_capacity(dirty.len());
    // Rows inserted in this file (read whole at the end) and pending updates.
    let mut inserted: HashMap<(usize, String), usize> = HashMap::new();
    let mut updated: HashMap<(usize, String), usize> = HashMap::new();
    for (tbl, op, local, key, gid, cols) in dirty {
        let Some(&ti) = index.get(tbl.as_str()) else {
            continue;
        };
        let row = match (local, &key) {
            (Some(id), _) => RowRef::Rowid(id),
            (None, Some(k)) => {
                RowRef::Key(serde_json::from_str(k).map_err(|_| bad("a noted key"))?)
            }
            (None, None) => continue,
        };
        let row_text = match &row {
            RowRef::Rowid(id) => id.to_string(),
            RowRef::Key(_) => key.clone().unwrap_or_default(),
        };
        match op.as_str() {
            "i" => {
                updated.remove(&(ti, row_text.clone()));
                inserted.insert((ti, row_text), ops.len());
                ops.push(Some(Op::Insert {
                    table: ti,
                    row,
                    made: cols,
                }));
            }
            "u" => {
                if tables[ti].rule == Rule::Suppression
                    || inserted.contains_key(&(ti, row_text.clone()))
                {
                    continue;
                }
                let mut all: Vec<String> = cols
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
                    .collect();
                if let Some(before) = updated.remove(&(ti, row_text.clone())) {
                    if let Some(Op::Update { cols, .. }) = ops[before].take() {
                        for c in cols {
                            if !all.contains(&c) {
                                all.push(c);
                            }
                        }
                    }
                }
                updated.insert((ti, row_text), ops.len());
                ops.push(Some(Op::Update {
                    table: ti,
                    row,
                    cols: all,
                }));
            }
            _ => {
                let key_text = row_text.clone();
                inserted.remove(&(ti, row_text.clone()));
                if let Some(before) = updated.remove(&(ti, row_text)) {
                    ops[before] = None;
                }
                let table = &tables[ti];
                let id = if table.rowid {
                    // Forget the row's ids now: its rowid may be used again.
                    if let RowRef::Rowid(l) = row {
                        db.conn().execute(
                            "DELETE FROM sync_row WHERE tbl = ?1 AND local = ?2",
                            rusqlite::params![table.name, l],
                        )?;
                    }
                    match gid {
                        Some(g) => Value::String(g),
                        None => continue,
                    }
                } else {
                    match gid.and_then(|g| serde_json::from_str::<Value>(&g).ok()) {
                        Some(k) => k,
                        None => continue,
                    }
                };
                ops.push(Some(Op::Delete {
                    table: ti,
                    id,
                    local_key: (!table.rowid).then_some(key_text),
                }));
            }
        }
    }
    db.conn().execute("DELETE FROM sync_dirty", [])?;

    let mut batches: Vec<Batch> = Vec::new();
    let push = |batches: &mut Vec<Batch>, t: &str, o: &str, cols: &[String], row: Vec<Value>| {
        if let Some(last) = batches.last_mut() {
            if last.t == t && last.o == o && last.cols == cols {
                last.rows.push(row);
                return;
            }
        }
        batches.push(Batch {
            t: t.to_owned(),
            o: o.to_owned(),
            cols: cols.to_vec(),
            rows: vec![row],
        });
    };
    for op in ops.into_iter().flatten() {
        match op {
            Op::Insert { table, row, made } => {
                let t = &tables[table];
                let made: Option<serde_json::Map<String, Value>> = serde_json::from_str(&made).ok();
                let values = match made {
                    // An opt-out as it was made, even if lifted since.
                    Some(m) if t.rule == Rule::Suppression => t
                        .columns
                        .iter()
                        .map(|c| m.get(c).cloned().unwrap_or(Value::Null))
                        .collect(),
                    _ => match read_row(db, &by_name, t, &t.columns, &row)? {
                        Some(v) => v,
                        None => continue,
                    },
                };
                let id = match &row {
                    RowRef::Rowid(local) => {
                        if t.rule == Rule::AppendOnly {
                            Value::Null
                        } else {
                            let g = match t.rule {
                                Rule::Single => "1".to_owned(),
                                _ => match db
                                    .conn()
                                    .prepare_cached("SELECT min(gid) FROM sync_row WHERE tbl = ?1 AND local = ?2")?
                                    .query_row(rusqlite::params![t.name, local], |r| r.get::<_, Option<String>>(0))?
                                {
                                    Some(g) => g,
                                    None => new_gid()?,
                                },
                            };
                            db.conn()
                                .prepare_cached(
                                    "INSERT INTO sync_row (tbl, gid, local, laptop, seq, hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                                     ON CONFLICT (tbl, gid) DO UPDATE SET local = excluded.local, laptop = excluded.laptop,
                                       seq = excluded.seq, hlc = excluded.hlc",
                                )?
                                .execute(rusqlite::params![t.name, g, local, laptop, seq, hlc])?;
                            Value::String(g)
                        }
                    }
                    RowRef::Key(k) => {
                        stamp_field(
                            db,
                            t.name,
                            &serde_json::to_string(k).unwrap_or_default(),
                            "*",
                            laptop,
                            seq,
                            hlc,
                        )?;
                        Value::Null
                    }
                };
                let mut full = Vec::with_capacity(values.len() + 1);
                full.push(id);
                full.extend(values);
                push(&mut batches, t.name, "i", &t.columns, full);
            }
            Op::Update { table, row, cols } => {
                let t = &tables[table];
                let cols: Vec<String> =
                    cols.into_iter().filter(|c| t.columns.contains(c)).collect();
                if cols.is_empty() {
                    continue;
                }
                let Some(values) = read_row(db, &by_name, t, &cols, &row)? else {
                    continue;
                };
                let (id, key_text) = match &row {
                    RowRef::Rowid(local) => {
                        (Value::String(gid_of(db, t, *local)?), local.to_string())
                    }
                    RowRef::Key(k) => (
                        Value::Array(wire_key(db, &by_name, t, k)?),
                        serde_json::to_string(k).unwrap_or_default(),
                    ),
                };
                let mut map = serde_json::Map::new();
                for (c, v) in cols.iter().zip(values) {
                    stamp_field(db, t.name, &key_text, c, laptop, seq, hlc)?;
                    db.conn()
                        .prepare_cached(
                            "DELETE FROM sync_conflict WHERE tbl = ?1 AND key = ?2 AND col = ?3",
                        )?
                        .execute(rusqlite::params![t.name, key_text, c])?;
                    map.insert(c.clone(), v);
                }
                push(&mut batches, t.name, "u", &[], vec![id, Value::Object(map)]);
            }
            Op::Delete {
                table,
                id,
                local_key,
            } => {
                let t = &tables[table];
                if let Value::String(g) = &id {
                    db.conn()
                        .prepare_cached(
                            "INSERT OR IGNORE INTO sync_tomb (tbl, gid) VALUES (?1, ?2)",
                        )?
                        .execute(rusqlite::params![t.name, g])?;
                }
                if let Some(k) = local_key {
                    db.conn()
                        .prepare_cached("DELETE FROM sync_field WHERE tbl = ?1 AND key = ?2")?
                        .execute(rusqlite::params![t.name, k])?;
                }
                push(&mut batches, t.name, "d", &[], vec![id]);
            }
        }
    }
    Ok(batches)
}

pub(crate) fn stamp_field(
    db: &Database,
    tbl: &str,
    key: &str,
    col: &str,
    laptop: &str,
    seq: i64,
    hlc: &str,
) -> Result<()> {
    db.conn()
        .prepare_cached(
            "INSERT INTO sync_field (tbl, key, col, laptop, seq, hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (tbl, key, col) DO UPDATE SET laptop = excluded.laptop, seq = excluded.seq, hlc = excluded.hlc",
        )?
        .execute(rusqlite::params![tbl, key, col, laptop, seq, hlc])?;
    Ok(())
}

/// Every row of every shared table as inserts: the first file of a branch
/// that starts sharing, so the laptops that join get all of it.
pub(crate) fn snapshot(db: &Database, tables: &[Table]) -> Result<()> {
    for t in tables {
        if t.rowid {
            db.conn().execute(
                &format!("INSERT INTO sync_dirty (tbl, op, local) SELECT '{0}', 'i', rowid FROM \"{0}\" ORDER BY rowid", t.name),
                [],
            )?;
        } else {
            let parts: Vec<String> = t.key.iter().map(|c| format!("\"{c}\"")).collect();
            db.conn().execute(
                &format!(
                    "INSERT INTO sync_dirty (tbl, op, key) SELECT '{0}', 'i', json_array({1}) FROM \"{0}\"",
                    t.name,
                    parts.join(", ")
                ),
                [],
            )?;
        }
    }
    Ok(())
}

/// The local rowid a global id names, if any.
pub(crate) fn local_of(db: &Database, tbl: &str, gid: &str) -> Result<Option<i64>> {
    Ok(db
        .conn()
        .prepare_cached("SELECT local FROM sync_row WHERE tbl = ?1 AND gid = ?2")?
        .query_row(rusqlite::params![tbl, gid], |r| r.get(0))
        .optional()?)
}
