//! Applying another laptop's change file, table by table by its rule
//! (docs/sharing.md): fields by last writer with writes made apart kept,
//! append-only rows added, deliveries only forward, an opt-out always.
//! The caller holds the transaction; nothing applied here is noted again.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::OptionalExtension;
use serde_json::Value;

use super::ops::{self, bad, from_wire, local_of, to_wire, Body};
use super::schema::{Rule, Table, QUIET_COLUMNS};
use crate::db::Database;
use crate::error::Result;

/// Who wrote something: a file, and what that file had seen.
#[derive(Debug, Clone)]
pub(crate) struct Stamp {
    pub laptop: String,
    pub seq: i64,
    pub hlc: String,
}

impl Stamp {
    fn origin() -> Stamp {
        Stamp {
            laptop: String::new(),
            seq: 0,
            hlc: String::new(),
        }
    }
}

/// What one applied file touched, for the search index and the summary.
#[derive(Debug, Default)]
pub(crate) struct Touched {
    pub events: HashSet<i64>,
    pub reindex_all: bool,
    pub rows: u64,
}

pub(crate) struct Applier<'a> {
    db: &'a Database,
    by_name: HashMap<&'a str, &'a Table>,
    /// Version vectors of files, by (laptop, seq), read as needed.
    knows_cache: HashMap<(String, i64), BTreeMap<String, i64>>,
}

impl<'a> Applier<'a> {
    pub(crate) fn new(db: &'a Database, tables: &'a [Table]) -> Applier<'a> {
        Applier {
            db,
            by_name: tables.iter().map(|t| (t.name, t)).collect(),
            knows_cache: HashMap::new(),
        }
    }

    fn knows_of(&mut self, laptop: &str, seq: i64) -> Result<BTreeMap<String, i64>> {
        let k = (laptop.to_owned(), seq);
        if let Some(v) = self.knows_cache.get(&k) {
            return Ok(v.clone());
        }
        let text: Option<String> = self
            .db
            .conn()
            .prepare_cached("SELECT knows FROM share_file WHERE laptop = ?1 AND seq = ?2")?
            .query_row(rusqlite::params![laptop, seq], |r| r.get(0))
            .optional()?;
        let v: BTreeMap<String, i64> = text
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        self.knows_cache.insert(k, v.clone());
        Ok(v)
    }

    /// Whether the write `a` had seen the write `b` (or is it).
    fn saw(&mut self, a: &Stamp, b: &Stamp) -> Result<bool> {
        if b.laptop.is_empty() {
            return Ok(!a.laptop.is_empty());
        }
        if a.laptop.is_empty() {
            return Ok(false);
        }
        if a.laptop == b.laptop {
            return Ok(a.seq >= b.seq);
        }
        let k = self.knows_of(&a.laptop, a.seq)?;
        Ok(k.get(&b.laptop).copied().unwrap_or(0) >= b.seq)
    }

    /// Applies a whole file's data (its roster is read by the caller).
    pub fn apply(&mut self, body: &Body) -> Result<Touched> {
        let stamp = Stamp {
            laptop: body.laptop.clone(),
            seq: body.seq,
            hlc: body.hlc.clone(),
        };
        self.knows_cache
            .insert((body.laptop.clone(), body.seq), body.knows.clone());
        let mut touched = Touched::default();
        let prealloc = self.preallocate(body)?;
        // The opt-outs this file leaves standing are known before any
        // membership of it is written: a subscription it makes after lifting
        // an opt-out stands, one made apart from an opt-out does not.
        let consent_keys = self.record_consent(&body.batches, &stamp)?;
        self.derive_suppression(&consent_keys)?;
        for batch in &body.batches {
            if batch.t == "suppression" {
                continue;
            }
            let Some(&table) = self.by_name.get(batch.t.as_str()) else {
                // A table this Handbill does not share: written by a newer
                // one, which the format number would have said.
                return Err(bad(&format!("an unknown table {}", batch.t)));
            };
            match table.name {
                "event" | "event_speaker" | "flyer_choice" => {}
                "venue" | "speaker" | "tour" => touched.reindex_all = true,
                _ => {}
            }
            for row in &batch.rows {
                touched.rows += 1;
                let local = match batch.o.as_str() {
                    "i" => self.insert(table, &batch.cols, row, &stamp, &prealloc)?,
                    "u" => self.update(table, row, &stamp)?,
                    "d" => {
                        self.delete(table, row)?;
                        None
                    }
                    _ => return Err(bad("an unknown operation")),
                };
                if let Some(id) = local {
                    if table.name == "event" {
                        touched.events.insert(id);
                    }
                }
            }
        }
        for a in &body.claims {
            self.db
                .conn()
                .prepare_cached(
                    "INSERT OR IGNORE INTO sync_claim (announcement, laptop, seq, hlc) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(rusqlite::params![a, stamp.laptop, stamp.seq, stamp.hlc])?;
        }
        self.mend_references()?;
        self.keep_opt_outs()?;
        Ok(touched)
    }

    /// Local ids for the rows this file makes, before any is written, so a
    /// reference to a row made later in the file finds it; a row that is the
    /// same as one here by a unique key (the same address, the same list
    /// name) is that row.
    fn preallocate(&mut self, body: &Body) -> Result<HashMap<(String, String), i64>> {
        let mut map: HashMap<(String, String), i64> = HashMap::new();
        let mut next: HashMap<&str, i64> = HashMap::new();
        for batch in body.batches.iter().filter(|b| b.o == "i") {
            let Some(&table) = self.by_name.get(batch.t.as_str()) else {
                continue;
            };
            if !table.rowid || table.rule == Rule::AppendOnly || table.rule == Rule::Single {
                continue;
            }
            for row in &batch.rows {
                let Some(Value::String(gid)) = row.first() else {
                    return Err(bad("a row without its id"));
                };
                if row.len() != batch.cols.len() + 1 {
                    return Err(bad("a row of the wrong length"));
                }
                if local_of(self.db, table.name, gid)?.is_some()
                    || map.contains_key(&(table.name.to_owned(), gid.clone()))
                    || self.tombed(table.name, gid)?
                {
                    continue;
                }
                if let Some(existing) = self.same_as(table, &batch.cols, &row[1..], &map)? {
                    map.insert((table.name.to_owned(), gid.clone()), existing);
                    continue;
                }
                let n = match next.get(table.name) {
                    Some(n) => *n,
                    None => self.db.conn().query_row(
                        &format!("SELECT coalesce(max(rowid), 0) + 1 FROM \"{}\"", table.name),
                        [],
                        |r| r.get(0),
                    )?,
                };
                next.insert(table.name, n + 1);
                map.insert((table.name.to_owned(), gid.clone()), n);
            }
        }
        Ok(map)
    }

    fn tombed(&self, tbl: &str, gid: &str) -> Result<bool> {
        Ok(self
            .db
            .conn()
            .prepare_cached("SELECT 1 FROM sync_tomb WHERE tbl = ?1 AND gid = ?2")?
            .query_row(rusqlite::params![tbl, gid], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// A row here with the same unique key as the incoming one.
    fn same_as(
        &self,
        table: &Table,
        cols: &[String],
        values: &[Value],
        prealloc: &HashMap<(String, String), i64>,
    ) -> Result<Option<i64>> {
        for key in &table.unique {
            let mut params = Vec::new();
            let mut complete = true;
            for c in key {
                let Some(i) = cols.iter().position(|x| x == c) else {
                    complete = false;
                    break;
                };
                let v = self.local_value(table, c, &values[i], prealloc)?;
                if v == SqlValue::Null {
                    complete = false;
                    break;
                }
                params.push(v);
            }
            if !complete {
                continue;
            }
            let wher = key
                .iter()
                .enumerate()
                .map(|(i, c)| format!("\"{c}\" = ?{}", i + 1))
                .collect::<Vec<_>>()
                .join(" AND ");
            let found: Option<i64> = self
                .db
                .conn()
                .prepare_cached(&format!(
                    "SELECT rowid FROM \"{}\" WHERE {wher}",
                    table.name
                ))?
                .query_row(rusqlite::params_from_iter(params), |r| r.get(0))
                .optional()?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// A value from a file as this laptop stores it: a reference's global id
    /// becomes the local id (none, when that row was removed).
    fn local_value(
        &self,
        table: &Table,
        col: &str,
        v: &Value,
        prealloc: &HashMap<(String, String), i64>,
    ) -> Result<SqlValue> {
        if let (Some(parent), Value::String(g)) = (table.reference(col), v) {
            if let Some(p) = self.by_name.get(parent) {
                if p.rule == Rule::Single {
                    return Ok(SqlValue::Integer(1));
                }
            }
            if let Some(l) = local_of(self.db, parent, g)? {
                return Ok(SqlValue::Integer(l));
            }
            if let Some(l) = prealloc.get(&(parent.to_owned(), g.clone())) {
                return Ok(SqlValue::Integer(*l));
            }
            return Ok(SqlValue::Null);
        }
        from_wire(v)
    }

    fn insert(
        &mut self,
        table: &Table,
        cols: &[String],
        row: &[Value],
        stamp: &Stamp,
        prealloc: &HashMap<(String, String), i64>,
    ) -> Result<Option<i64>> {
        if row.len() != cols.len() + 1 {
            return Err(bad("a row of the wrong length"));
        }
        for c in cols {
            if !table.columns.contains(c) {
                return Err(bad(&format!("an unknown column {}.{c}", table.name)));
            }
        }
        let values = &row[1..];
        if !table.rowid {
            return self.insert_keyed(table, cols, values, stamp, prealloc);
        }
        if table.rule == Rule::AppendOnly {
            let params: Vec<SqlValue> = cols
                .iter()
                .zip(values)
                .map(|(c, v)| self.local_value(table, c, v, prealloc))
                .collect::<Result<_>>()?;
            self.db
                .conn()
                .prepare_cached(&insert_sql(table.name, None, cols))?
                .execute(rusqlite::params_from_iter(params))?;
            return Ok(None);
        }
        let gid = match (&row[0], table.rule) {
            (_, Rule::Single) => "1".to_owned(),
            (Value::String(g), _) => g.clone(),
            _ => return Err(bad("a row without its id")),
        };
        if self.tombed(table.name, &gid)? {
            return Ok(None);
        }
        let known = if table.rule == Rule::Single {
            let exists: Option<i64> = self
                .db
                .conn()
                .query_row(
                    &format!("SELECT rowid FROM \"{}\" WHERE rowid = 1", table.name),
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            if exists.is_some() {
                self.db
                    .conn()
                    .prepare_cached(
                        "INSERT OR IGNORE INTO sync_row (tbl, gid, local) VALUES (?1, '1', 1)",
                    )?
                    .execute([table.name])?;
            }
            exists
        } else {
            local_of(self.db, table.name, &gid)?
        };
        if let Some(local) = known {
            self.merge_fields(table, local, cols, values, stamp, None)?;
            return Ok(Some(local));
        }
        let local = match (
            table.rule,
            prealloc.get(&(table.name.to_owned(), gid.clone())),
        ) {
            (Rule::Single, _) => 1,
            (_, Some(l)) => *l,
            (_, None) => return Err(bad("a row made twice in one file")),
        };
        let exists: bool = self
            .db
            .conn()
            .prepare_cached(&format!(
                "SELECT 1 FROM \"{}\" WHERE rowid = ?1",
                table.name
            ))?
            .query_row([local], |_| Ok(()))
            .optional()?
            .is_some();
        self.db
            .conn()
            .prepare_cached(
                "INSERT INTO sync_row (tbl, gid, local, laptop, seq, hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(rusqlite::params![table.name, gid, local, stamp.laptop, stamp.seq, stamp.hlc])?;
        if exists {
            // The same row as one here by a unique key: one row, two ids.
            // Its values here were written under its own id's stamp, not
            // the incoming one's (which sorts first half of the time).
            self.merge_fields(table, local, cols, values, stamp, Some(&gid))?;
            return Ok(Some(local));
        }
        let mut params: Vec<SqlValue> = vec![SqlValue::Integer(local)];
        for (c, v) in cols.iter().zip(values) {
            params.push(self.local_value(table, c, v, prealloc)?);
        }
        let id_col = table.id_column.as_deref().unwrap_or("rowid");
        self.db
            .conn()
            .prepare_cached(&insert_sql(table.name, Some(id_col), cols))?
            .execute(rusqlite::params_from_iter(params))?;
        Ok(Some(local))
    }

    /// A row of a table without rowids (a membership, an opt-out), named by
    /// its key.
    fn insert_keyed(
        &mut self,
        table: &Table,
        cols: &[String],
        values: &[Value],
        stamp: &Stamp,
        prealloc: &HashMap<(String, String), i64>,
    ) -> Result<Option<i64>> {
        let mut key = Vec::new();
        for k in &table.key {
            let i = cols
                .iter()
                .position(|c| c == k)
                .ok_or_else(|| bad("a row without its key"))?;
            let v = self.local_value(table, k, &values[i], prealloc)?;
            if v == SqlValue::Null {
                // It points to a row removed on another laptop.
                return Ok(None);
            }
            key.push(v);
        }
        let key_text = key_text(&key);
        let exists = self.keyed_exists(table, &key)?;
        if exists {
            let local_values: Vec<Value> = key.iter().map(|v| to_wire(ValueRef::from(v))).collect();
            self.merge_keyed(table, &local_values, &key_text, cols, values, stamp)?;
            return Ok(None);
        }
        let mut params = Vec::new();
        for (c, v) in cols.iter().zip(values) {
            params.push(self.local_value(table, c, v, prealloc)?);
        }
        self.db
            .conn()
            .prepare_cached(&insert_sql(table.name, None, cols))?
            .execute(rusqlite::params_from_iter(params))?;
        ops::stamp_field(
            self.db,
            table.name,
            &key_text,
            "*",
            &stamp.laptop,
            stamp.seq,
            &stamp.hlc,
        )?;
        Ok(None)
    }

    fn keyed_exists(&self, table: &Table, key: &[SqlValue]) -> Result<bool> {
        let wher = table
            .key
            .iter()
            .enumerate()
            .map(|(i, c)| format!("\"{c}\" = ?{}", i + 1))
            .collect::<Vec<_>>()
            .join(" AND ");
        Ok(self
            .db
            .conn()
            .prepare_cached(&format!("SELECT 1 FROM \"{}\" WHERE {wher}", table.name))?
            .query_row(rusqlite::params_from_iter(key), |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn update(&mut self, table: &Table, row: &[Value], stamp: &Stamp) -> Result<Option<i64>> {
        let (Some(id), Some(Value::Object(map))) = (row.first(), row.get(1)) else {
            return Err(bad("an update without its id or fields"));
        };
        let cols: Vec<String> = map.keys().cloned().collect();
        for c in &cols {
            if !table.columns.contains(c) {
                return Err(bad(&format!("an unknown column {}.{c}", table.name)));
            }
        }
        let values: Vec<Value> = map.values().cloned().collect();
        if table.rowid {
            let local = match (table.rule, id) {
                (Rule::Single, _) => Some(1),
                (_, Value::String(g)) => local_of(self.db, table.name, g)?,
                _ => return Err(bad("an update without its id")),
            };
            let Some(local) = local else {
                return Ok(None);
            };
            self.merge_fields(table, local, &cols, &values, stamp, None)?;
            return Ok(Some(local));
        }
        let Value::Array(wire_key) = id else {
            return Err(bad("an update without its key"));
        };
        let Some(key) = self.key_from_wire(table, wire_key)? else {
            return Ok(None);
        };
        if !self.keyed_exists(table, &key)? {
            return Ok(None);
        }
        let local_values: Vec<Value> = key.iter().map(|v| to_wire(ValueRef::from(v))).collect();
        self.merge_keyed(table, &local_values, &key_text(&key), &cols, &values, stamp)?;
        Ok(None)
    }

    fn key_from_wire(&self, table: &Table, wire: &[Value]) -> Result<Option<Vec<SqlValue>>> {
        if wire.len() != table.key.len() {
            return Err(bad("a key of the wrong length"));
        }
        let mut key = Vec::new();
        for (c, v) in table.key.iter().zip(wire) {
            let l = self.local_value(table, c, v, &HashMap::new())?;
            if l == SqlValue::Null {
                return Ok(None);
            }
            key.push(l);
        }
        Ok(Some(key))
    }

    fn delete(&mut self, table: &Table, row: &[Value]) -> Result<()> {
        let Some(id) = row.first() else {
            return Err(bad("a removal without its id"));
        };
        if table.rowid {
            let Value::String(gid) = id else {
                return Err(bad("a removal without its id"));
            };
            self.db
                .conn()
                .prepare_cached("INSERT OR IGNORE INTO sync_tomb (tbl, gid) VALUES (?1, ?2)")?
                .execute(rusqlite::params![table.name, gid])?;
            if let Some(local) = local_of(self.db, table.name, gid)? {
                self.db.conn().execute(
                    &format!("DELETE FROM \"{}\" WHERE rowid = ?1", table.name),
                    [local],
                )?;
                // Every id of the row is gone with it.
                self.db.conn().execute(
                    "INSERT OR IGNORE INTO sync_tomb (tbl, gid) SELECT tbl, gid FROM sync_row WHERE tbl = ?1 AND local = ?2",
                    rusqlite::params![table.name, local],
                )?;
                self.db.conn().execute(
                    "DELETE FROM sync_row WHERE tbl = ?1 AND local = ?2",
                    rusqlite::params![table.name, local],
                )?;
                self.db.conn().execute(
                    "DELETE FROM sync_field WHERE tbl = ?1 AND key = ?2",
                    rusqlite::params![table.name, local.to_string()],
                )?;
                self.db.conn().execute(
                    "DELETE FROM sync_conflict WHERE tbl = ?1 AND key = ?2",
                    rusqlite::params![table.name, local.to_string()],
                )?;
            }
            return Ok(());
        }
        let Value::Array(wire_key) = id else {
            return Err(bad("a removal without its key"));
        };
        let Some(key) = self.key_from_wire(table, wire_key)? else {
            return Ok(());
        };
        let wher = table
            .key
            .iter()
            .enumerate()
            .map(|(i, c)| format!("\"{c}\" = ?{}", i + 1))
            .collect::<Vec<_>>()
            .join(" AND ");
        self.db.conn().execute(
            &format!("DELETE FROM \"{}\" WHERE {wher}", table.name),
            rusqlite::params_from_iter(&key),
        )?;
        let kt = key_text(&key);
        self.db.conn().execute(
            "DELETE FROM sync_field WHERE tbl = ?1 AND key = ?2",
            rusqlite::params![table.name, kt],
        )?;
        self.db.conn().execute(
            "DELETE FROM sync_conflict WHERE tbl = ?1 AND key = ?2",
            rusqlite::params![table.name, kt],
        )?;
        Ok(())
    }

    /// Merges fields of a rowid row, each by its own writes.
    fn merge_fields(
        &mut self,
        table: &Table,
        local: i64,
        cols: &[String],
        values: &[Value],
        stamp: &Stamp,
        incoming_gid: Option<&str>,
    ) -> Result<()> {
        let born: Option<Stamp> = self
            .db
            .conn()
            .prepare_cached(
                "SELECT laptop, seq, hlc FROM sync_row WHERE tbl = ?1 AND local = ?2 AND laptop != ''
                   AND gid IS NOT ?3 ORDER BY gid LIMIT 1",
            )?
            .query_row(rusqlite::params![table.name, local, incoming_gid], |r| {
                Ok(Stamp {
                    laptop: r.get(0)?,
                    seq: r.get(1)?,
                    hlc: r.get(2)?,
                })
            })
            .optional()?;
        let born = born.unwrap_or_else(Stamp::origin);
        let key = local.to_string();
        for (c, v) in cols.iter().zip(values) {
            self.merge_field(table, &Where::Rowid(local), &key, c, v, stamp, &born)?;
        }
        Ok(())
    }

    fn merge_keyed(
        &mut self,
        table: &Table,
        local_key: &[Value],
        key: &str,
        cols: &[String],
        values: &[Value],
        stamp: &Stamp,
    ) -> Result<()> {
        let born = self
            .field_stamp(table.name, key, "*")?
            .unwrap_or_else(Stamp::origin);
        for (c, v) in cols.iter().zip(values) {
            if table.key.contains(c) {
                continue;
            }
            self.merge_field(
                table,
                &Where::Key(local_key.to_vec()),
                key,
                c,
                v,
                stamp,
                &born,
            )?;
        }
        Ok(())
    }

    fn field_stamp(&self, tbl: &str, key: &str, col: &str) -> Result<Option<Stamp>> {
        Ok(self
            .db
            .conn()
            .prepare_cached(
                "SELECT laptop, seq, hlc FROM sync_field WHERE tbl = ?1 AND key = ?2 AND col = ?3",
            )?
            .query_row(rusqlite::params![tbl, key, col], |r| {
                Ok(Stamp {
                    laptop: r.get(0)?,
                    seq: r.get(1)?,
                    hlc: r.get(2)?,
                })
            })
            .optional()?)
    }

    /// One field: the writes no other write had seen are kept (all of them,
    /// while there are several), and the latest by clock is the value.
    #[allow(clippy::too_many_arguments)]
    fn merge_field(
        &mut self,
        table: &Table,
        at: &Where,
        key: &str,
        col: &str,
        value: &Value,
        stamp: &Stamp,
        born: &Stamp,
    ) -> Result<()> {
        let mut stmt = self.db.conn().prepare_cached(
            "SELECT laptop, seq, hlc, value FROM sync_conflict WHERE tbl = ?1 AND key = ?2 AND col = ?3",
        )?;
        let mut heads: Vec<(Stamp, Value)> = stmt
            .query_map(rusqlite::params![table.name, key, col], |r| {
                Ok((
                    Stamp {
                        laptop: r.get(0)?,
                        seq: r.get(1)?,
                        hlc: r.get(2)?,
                    },
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?
            .into_iter()
            .map(|(s, v)| (s, serde_json::from_str(&v).unwrap_or(Value::Null)))
            .collect();
        drop(stmt);
        if heads.is_empty() {
            let current = self
                .field_stamp(table.name, key, col)?
                .unwrap_or_else(|| born.clone());
            let mut now = self.read_field(table, at, col)?;
            if let (true, Where::Key(k)) = (table.name == "membership" && col == "status", at) {
                // A standing an opt-out covers was written subscribed.
                let covered = self
                    .db
                    .conn()
                    .prepare_cached(
                        "SELECT 1 FROM sync_overlay WHERE list_id = ?1 AND subscriber_id = ?2",
                    )?
                    .query_row([from_wire(&k[0])?, from_wire(&k[1])?], |_| Ok(()))
                    .optional()?
                    .is_some();
                if covered {
                    now = Value::String("subscribed".into());
                }
            }
            heads.push((current, now));
        }
        for (h, _) in &heads {
            if (h.laptop != stamp.laptop || h.seq != stamp.seq) && self.saw(h, stamp)? {
                return Ok(());
            }
        }
        let mut kept = Vec::with_capacity(heads.len() + 1);
        for (h, v) in heads {
            if !self.saw(stamp, &h)? {
                kept.push((h, v));
            }
        }
        kept.push((stamp.clone(), value.clone()));
        let winner = kept
            .iter()
            .max_by(|a, b| rank(table, col, a).cmp(&rank(table, col, b)))
            .cloned()
            .expect("one write at least");
        self.write_field(table, at, col, &winner.1)?;
        ops::stamp_field(
            self.db,
            table.name,
            key,
            col,
            &winner.0.laptop,
            winner.0.seq,
            &winner.0.hlc,
        )?;
        self.db
            .conn()
            .prepare_cached("DELETE FROM sync_conflict WHERE tbl = ?1 AND key = ?2 AND col = ?3")?
            .execute(rusqlite::params![table.name, key, col])?;
        if kept.len() > 1 {
            for (s, v) in &kept {
                self.db
                    .conn()
                    .prepare_cached(
                        "INSERT OR REPLACE INTO sync_conflict (tbl, key, col, laptop, seq, hlc, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?
                    .execute(rusqlite::params![table.name, key, col, s.laptop, s.seq, s.hlc, v.to_string()])?;
            }
        }
        Ok(())
    }

    fn read_field(&self, table: &Table, at: &Where, col: &str) -> Result<Value> {
        let (wher, params) = at.sql(table)?;
        let v: Option<Value> = self
            .db
            .conn()
            .prepare_cached(&format!(
                "SELECT \"{col}\" FROM \"{}\" WHERE {wher}",
                table.name
            ))?
            .query_row(rusqlite::params_from_iter(params), |r| {
                Ok(to_wire(r.get_ref(0)?))
            })
            .optional()?;
        let v = v.unwrap_or(Value::Null);
        // References are compared and kept as global ids.
        if let (Some(parent), Value::Number(n)) = (table.reference(col), &v) {
            if let (Some(p), Some(id)) = (self.by_name.get(parent), n.as_i64()) {
                return Ok(Value::String(ops::gid_of(self.db, p, id)?));
            }
        }
        Ok(v)
    }

    fn write_field(&self, table: &Table, at: &Where, col: &str, v: &Value) -> Result<()> {
        let value = self.local_value(table, col, v, &HashMap::new())?;
        if table.name == "membership"
            && col == "status"
            && value == SqlValue::Text("subscribed".into())
        {
            // An opt-out here wins over a subscription from elsewhere; the
            // membership is set to the opt-out's standing after the file.
            let Where::Key(k) = at else { return Ok(()) };
            let suppressed: bool = self
                .db
                .conn()
                .prepare_cached(
                    "SELECT 1 FROM subscriber s JOIN suppression x ON x.email_key = s.email_key WHERE s.id = ?1",
                )?
                .query_row([from_wire(&k[1])?], |_| Ok(()))
                .optional()?
                .is_some();
            if suppressed {
                // Written subscribed, shown as the opt-out: covered until a lifting.
                self.db
                    .conn()
                    .prepare_cached(
                        "INSERT OR IGNORE INTO sync_overlay (list_id, subscriber_id) VALUES (?1, ?2)",
                    )?
                    .execute([from_wire(&k[0])?, from_wire(&k[1])?])?;
                return Ok(());
            }
        }
        let (wher, mut params) = at.sql(table)?;
        params.insert(0, value);
        let wher = renumber(&wher, 1);
        self.db
            .conn()
            .prepare_cached(&format!(
                "UPDATE \"{}\" SET \"{col}\" = ?1 WHERE {wher}",
                table.name
            ))?
            .execute(rusqlite::params_from_iter(params))?;
        if table.name == "membership" && col == "status" {
            if let Where::Key(k) = at {
                // A written standing: no longer covered by an opt-out's.
                self.db
                    .conn()
                    .prepare_cached(
                        "DELETE FROM sync_overlay WHERE list_id = ?1 AND subscriber_id = ?2",
                    )?
                    .execute([from_wire(&k[0])?, from_wire(&k[1])?])?;
            }
        }
        Ok(())
    }

    /// Records a file's opt-outs (suppressions made) and liftings
    /// (suppressions removed), each with its place in the file; returns the
    /// addresses they touch.
    pub(crate) fn record_consent(
        &mut self,
        batches: &[ops::Batch],
        stamp: &Stamp,
    ) -> Result<Vec<String>> {
        let mut keys = Vec::new();
        let mut idx: i64 = 0;
        for b in batches.iter().filter(|b| b.t == "suppression") {
            for row in &b.rows {
                idx += 1;
                match b.o.as_str() {
                    "i" => {
                        let get = |c: &str| -> String {
                            b.cols
                                .iter()
                                .position(|x| x == c)
                                .and_then(|i| row.get(i + 1))
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned()
                        };
                        let key = get("email_key");
                        if key.is_empty() {
                            return Err(bad("an opt-out without its address"));
                        }
                        self.db
                            .conn()
                            .prepare_cached(
                                "INSERT OR IGNORE INTO sync_optout (email_key, laptop, seq, idx, hlc, status, since, source)
                                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                            )?
                            .execute(rusqlite::params![
                                key,
                                stamp.laptop,
                                stamp.seq,
                                idx,
                                stamp.hlc,
                                get("status"),
                                get("since"),
                                get("source")
                            ])?;
                        keys.push(key);
                    }
                    "d" => {
                        let Some(Value::Array(k)) = row.first() else {
                            return Err(bad("a lifting without its address"));
                        };
                        let Some(Value::String(key)) = k.first() else {
                            return Err(bad("a lifting without its address"));
                        };
                        self.db
                            .conn()
                            .prepare_cached(
                                "INSERT OR IGNORE INTO sync_lift (email_key, laptop, seq, idx) VALUES (?1, ?2, ?3, ?4)",
                            )?
                            .execute(rusqlite::params![key, stamp.laptop, stamp.seq, idx])?;
                        keys.push(key.clone());
                    }
                    _ => {}
                }
            }
        }
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    /// Whether the write at (`a`, its place `ai`) had seen (`b`, `bi`).
    fn saw_at(&mut self, a: &Stamp, ai: i64, b: &Stamp, bi: i64) -> Result<bool> {
        if a.laptop == b.laptop {
            return Ok((a.seq, ai) > (b.seq, bi));
        }
        self.saw(a, b)
    }

    /// An address is suppressed when it has an opt-out and no lifting saw
    /// every one of them (so an opt-out beats every earlier or concurrent
    /// opt-in); the row then holds the latest opt-out's words. The same
    /// opt-outs and liftings give the same row on every laptop, whatever
    /// order they came in.
    pub(crate) fn derive_suppression(&mut self, keys: &[String]) -> Result<()> {
        for key in keys {
            let mut stmt = self.db.conn().prepare_cached(
                "SELECT laptop, seq, idx, hlc, status, since, source FROM sync_optout WHERE email_key = ?1",
            )?;
            type Out = (String, i64, i64, String, String, String, String);
            let outs: Vec<Out> = stmt
                .query_map([key], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                })?
                .collect::<std::result::Result<_, _>>()?;
            drop(stmt);
            if outs.is_empty() {
                continue;
            }
            let mut stmt = self
                .db
                .conn()
                .prepare_cached("SELECT laptop, seq, idx FROM sync_lift WHERE email_key = ?1")?;
            let lifts: Vec<(String, i64, i64)> = stmt
                .query_map([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<std::result::Result<_, _>>()?;
            drop(stmt);
            let mut lifted = false;
            for (ll, ls, li) in &lifts {
                let l = Stamp {
                    laptop: ll.clone(),
                    seq: *ls,
                    hlc: String::new(),
                };
                let mut all = true;
                for o in &outs {
                    let os = Stamp {
                        laptop: o.0.clone(),
                        seq: o.1,
                        hlc: String::new(),
                    };
                    if !self.saw_at(&l, *li, &os, o.2)? {
                        all = false;
                        break;
                    }
                }
                if all {
                    lifted = true;
                    break;
                }
            }
            if lifted {
                self.db
                    .conn()
                    .prepare_cached("DELETE FROM suppression WHERE email_key = ?1")?
                    .execute([key])?;
                // Memberships the opt-out covered show their written standing again.
                self.db
                    .conn()
                    .prepare_cached(
                        "UPDATE membership SET status = 'subscribed'
                          WHERE (list_id, subscriber_id) IN (
                            SELECT o.list_id, o.subscriber_id FROM sync_overlay o
                              JOIN subscriber s ON s.id = o.subscriber_id WHERE s.email_key = ?1)",
                    )?
                    .execute([key])?;
                self.db
                    .conn()
                    .prepare_cached(
                        "DELETE FROM sync_overlay WHERE subscriber_id IN (SELECT id FROM subscriber WHERE email_key = ?1)",
                    )?
                    .execute([key])?;
            } else {
                let latest = outs
                    .iter()
                    .max_by(|a, b| (&a.3, &a.0, a.1, a.2).cmp(&(&b.3, &b.0, b.1, b.2)))
                    .expect("an opt-out at least");
                self.db
                    .conn()
                    .prepare_cached(
                        "INSERT INTO suppression (email_key, status, since, source) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (email_key) DO UPDATE SET status = excluded.status, since = excluded.since, source = excluded.source",
                    )?
                    .execute(rusqlite::params![key, latest.4, latest.5, latest.6])?;
            }
        }
        Ok(())
    }

    /// References left pointing at rows removed on another laptop are
    /// cleared (or their row removed, when the reference is required): the
    /// same on every laptop, so they agree.
    fn mend_references(&self) -> Result<()> {
        for _ in 0..8 {
            let mut stmt = self.db.conn().prepare("PRAGMA foreign_key_check")?;
            let broken: Vec<(String, i64, i64)> = stmt
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get::<_, Option<i64>>(1)?.unwrap_or(-1),
                        r.get(3)?,
                    ))
                })?
                .collect::<std::result::Result<_, _>>()?;
            drop(stmt);
            if broken.is_empty() {
                return Ok(());
            }
            for (tbl, rowid, fkid) in broken {
                let col: Option<(String, bool)> = self
                    .db
                    .conn()
                    .query_row(
                        "SELECT f.\"from\", i.\"notnull\" FROM pragma_foreign_key_list(?1) f
                         JOIN pragma_table_info(?1) i ON i.name = f.\"from\" WHERE f.id = ?2",
                        rusqlite::params![tbl, fkid],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                let Some((col, not_null)) = col else { continue };
                if rowid < 0 {
                    continue;
                }
                if not_null {
                    self.db
                        .conn()
                        .execute(&format!("DELETE FROM \"{tbl}\" WHERE rowid = ?1"), [rowid])?;
                } else {
                    self.db.conn().execute(
                        &format!("UPDATE \"{tbl}\" SET \"{col}\" = NULL WHERE rowid = ?1"),
                        [rowid],
                    )?;
                }
            }
        }
        Ok(())
    }

    /// A membership left subscribed for an address that opted out takes the
    /// opt-out's standing.
    fn keep_opt_outs(&self) -> Result<()> {
        self.db.conn().execute(
            "INSERT OR IGNORE INTO sync_overlay (list_id, subscriber_id)
             SELECT m.list_id, m.subscriber_id FROM membership m
               JOIN subscriber s ON s.id = m.subscriber_id JOIN suppression x ON x.email_key = s.email_key
              WHERE m.status = 'subscribed'",
            [],
        )?;
        self.db.conn().execute(
            "UPDATE membership SET status = (
                 SELECT x.status FROM subscriber s JOIN suppression x ON x.email_key = s.email_key
                  WHERE s.id = membership.subscriber_id)
             WHERE status = 'subscribed'
               AND subscriber_id IN (SELECT s.id FROM subscriber s JOIN suppression x ON x.email_key = s.email_key)",
            [],
        )?;
        Ok(())
    }
}

/// Which write stands among those made apart: a delivery's status by how far
/// it went, then the later clock, then the laptop.
fn rank<'v>(table: &Table, col: &str, w: &'v (Stamp, Value)) -> (u8, &'v str, &'v str) {
    let step = if table.rule == Rule::Delivery && col == "status" {
        match w.1.as_str().unwrap_or("") {
            "queued" => 0,
            "claimed" => 1,
            "sending" => 2,
            "failed" | "skipped" => 3,
            "uncertain" => 4,
            "written" => 5,
            "sent" => 6,
            _ => 0,
        }
    } else {
        0
    };
    (step, w.0.hlc.as_str(), w.0.laptop.as_str())
}

/// Whether a column's writes made apart are shown to a person.
pub(crate) fn worth_a_choice(table: &Table, col: &str) -> bool {
    !QUIET_COLUMNS.contains(&col) && table.rule != Rule::Delivery
}

enum Where {
    Rowid(i64),
    Key(Vec<Value>),
}

impl Where {
    fn sql(&self, table: &Table) -> Result<(String, Vec<SqlValue>)> {
        Ok(match self {
            Where::Rowid(id) => ("rowid = ?1".into(), vec![SqlValue::Integer(*id)]),
            Where::Key(k) => (
                table
                    .key
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("\"{c}\" = ?{}", i + 1))
                    .collect::<Vec<_>>()
                    .join(" AND "),
                k.iter().map(from_wire).collect::<Result<_>>()?,
            ),
        })
    }
}

/// `?1 … ?n` in `sql` shifted by `by`.
fn renumber(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 4);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' {
            let mut n = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(*d);
                chars.next();
            }
            let n: usize = n.parse().unwrap_or(0);
            out.push_str(&format!("?{}", n + by));
        } else {
            out.push(c);
        }
    }
    out
}

fn insert_sql(table: &str, id: Option<&str>, cols: &[String]) -> String {
    let mut names: Vec<String> = Vec::new();
    if let Some(id) = id {
        names.push(format!("\"{id}\""));
    }
    names.extend(cols.iter().map(|c| format!("\"{c}\"")));
    let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO \"{table}\" ({}) VALUES ({})",
        names.join(", "),
        marks.join(", ")
    )
}

/// A local key as the metadata tables name it.
pub(crate) fn key_text(key: &[SqlValue]) -> String {
    let v: Vec<Value> = key.iter().map(|x| to_wire(ValueRef::from(x))).collect();
    serde_json::to_string(&v).unwrap_or_default()
}
