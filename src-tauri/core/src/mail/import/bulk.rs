//! What an import holds in bulk: the rows it adds, and the maps it looks
//! addresses up in ([`KeyMap`]).
//!
//! The rows are sorted into blocks that SQLite reads straight from, as a
//! table, so that one `INSERT … SELECT` writes a block's subscribers (and
//! another their memberships, another their ledger lines) instead of one
//! statement per row and table. Executing a prepared statement three hundred
//! thousand times took an import of 100,000 rows about three times as long as
//! writing them this way.
//!
//! The rows are handed over as a pointer argument, SQLite's interface for
//! passing an application's own values into a statement:
//! `SELECT … FROM import_rows(?1)`, with `?1` bound to [`Rows`].

use std::borrow::Cow;
use std::ffi::{c_int, CStr};
use std::marker::PhantomData;
use std::rc::Rc;

use rusqlite::types::{ToSql, ToSqlOutput};
use rusqlite::vtab::{
    Context, Filters, IndexConstraintOp, IndexInfo, Module, VTab, VTabConnection, VTabCursor,
};
use rusqlite::{ffi, Connection};

use crate::mail::subscribers::ConsentStatus;

const POINTER_TYPE: &CStr = c"handbill_import_rows";
const MODULE_NAME: &CStr = c"import_rows";

/// The text columns of a new subscriber, in the order [`NewRows::push`] takes
/// them (the order of [`field`], and of `import_rows`' columns after its id).
pub(crate) const TEXT_FIELDS: usize = 12;

/// Where each of a new subscriber's text fields is among the [`TEXT_FIELDS`].
pub(crate) mod field {
    pub(crate) const EMAIL: usize = 0;
    /// The address in lower case, which rows are sorted and looked up by.
    pub(crate) const KEY: usize = 1;
    pub(crate) const NAME: usize = 2;
    pub(crate) const FIRST_NAME: usize = 3;
    pub(crate) const LANGUAGE: usize = 4;
    pub(crate) const CITY: usize = 5;
    pub(crate) const POSTAL_CODE: usize = 6;
    /// A JSON array.
    pub(crate) const TAGS: usize = 7;
    pub(crate) const NOTES: usize = 8;
    /// The text search looks in ([`crate::db::search::search_text`]).
    pub(crate) const SEARCH: usize = 9;
    /// The proof the row carries (opt-in times and IPs, a form's answer), for the ledger.
    pub(crate) const EVIDENCE: usize = 10;
    pub(crate) const PHONE: usize = 11;
}

/// The subscribers an import adds, checked and waiting to be written. Their
/// text is kept in buffers, row after row, rather than in ten strings each,
/// and is written in the order of the addresses (see `write_new` in the import).
///
/// Rows are put aside by the first byte of their address as they come, so
/// that sorting them reads one part of a few hundred kilobytes at a time
/// rather than hopping across megabytes: each such read from main memory is a
/// wait, and sorting 100,000 rows held in one buffer took a tenth of an import.
/// Sorted, they are copied into [`Block`]s, in order, for the statements that
/// write them to read from one place after another.
#[derive(Default)]
pub(crate) struct NewRows {
    /// The rows by the first byte of their key.
    parts: Vec<Part>,
}

/// New rows in the order of their keys, numbered, their fields one after
/// the other in one text: what one part of the writing reads.
#[derive(Default)]
pub(crate) struct Block {
    text: String,
    rows: Vec<RowRef>,
}

#[derive(Default)]
struct Part {
    text: String,
    rows: Vec<RowRef>,
}

struct RowRef {
    /// The subscriber's id: given as the row is copied into a block, in the
    /// order of the keys (0 until then).
    id: i64,
    at: Fields,
    /// The standing on the list; none: not put on it (never opted in).
    status: Option<ConsentStatus>,
    /// True when the standing is a branch-wide opt-out to record in the suppression table.
    suppress: bool,
    /// When the file says the opt-out happened (Unix seconds; 0: not said).
    opted_out_at: i64,
    line: u32,
}

/// Where a row waits in [`NewRows`], to make its standing stricter when the
/// file names the same person again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RowAt {
    part: u8,
    index: u32,
}

/// Where one row's fields lie in a text shared by many rows: the row packed
/// into a buffer instead of ten strings of its own. The import's checked rows
/// and the rows waiting to be written are both kept this way.
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    start: usize,
    ends: [usize; TEXT_FIELDS],
}

impl Fields {
    /// Appends `fields` to `text` and says where they are.
    pub(crate) fn append(text: &mut String, fields: [&str; TEXT_FIELDS]) -> Fields {
        let start = text.len();
        let mut ends = [0; TEXT_FIELDS];
        for (end, field) in ends.iter_mut().zip(fields) {
            text.push_str(field);
            *end = text.len();
        }
        Fields { start, ends }
    }

    /// Field `i`, read from the text the fields were appended to.
    pub(crate) fn get<'t>(&self, text: &'t str, i: usize) -> &'t str {
        let from = if i == 0 { self.start } else { self.ends[i - 1] };
        &text[from..self.ends[i]]
    }

    pub(crate) fn all<'t>(&self, text: &'t str) -> [&'t str; TEXT_FIELDS] {
        std::array::from_fn(|i| self.get(text, i))
    }
}

impl Part {
    fn push(
        &mut self,
        fields: [&str; TEXT_FIELDS],
        status: Option<ConsentStatus>,
        suppress: bool,
        opted_out_at: i64,
        line: u32,
    ) -> u32 {
        let at = Fields::append(&mut self.text, fields);
        self.rows.push(RowRef {
            id: 0,
            at,
            status,
            suppress,
            opted_out_at,
            line,
        });
        (self.rows.len() - 1) as u32
    }

    fn field(&self, row: &RowRef, i: usize) -> &str {
        row.at.get(&self.text, i)
    }
}

impl NewRows {
    /// Adds a row, its fields in the order of [`field`]; `suppress` when its
    /// standing is an opt-out that covers the whole branch, which the file
    /// may date (`opted_out_at`, Unix seconds, 0 when it does not).
    pub(crate) fn push(
        &mut self,
        fields: [&str; TEXT_FIELDS],
        status: Option<ConsentStatus>,
        suppress: bool,
        opted_out_at: i64,
        line: u32,
    ) -> RowAt {
        if self.parts.is_empty() {
            self.parts.resize_with(256, Part::default);
        }
        let first = fields[field::KEY].as_bytes().first().copied().unwrap_or(0);
        let index =
            self.parts[usize::from(first)].push(fields, status, suppress, opted_out_at, line);
        RowAt { part: first, index }
    }

    /// Gives a waiting row a stricter standing, a branch-wide opt-out read on `line`.
    pub(crate) fn restrict(&mut self, at: RowAt, status: ConsentStatus, line: u32) {
        if let Some(row) = self
            .parts
            .get_mut(usize::from(at.part))
            .and_then(|p| p.rows.get_mut(at.index as usize))
        {
            row.status = Some(status);
            row.suppress = status.is_opt_out();
            row.line = line;
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.parts.iter().map(|p| p.rows.len()).sum()
    }

    /// Sorts the rows by their address (the key), numbers them in
    /// that order from `first_id`, and hands them on in blocks of
    /// `block_rows`, in order; stops early if `send` says to.
    pub(crate) fn into_blocks(
        self,
        first_id: i64,
        block_rows: usize,
        mut send: impl FnMut(Block) -> bool,
    ) {
        // Sorting by the first sixteen bytes of the key, held beside the row's
        // number, settles nearly every comparison without reading the text.
        let prefix = |key: &str| {
            let mut bytes = [0u8; 16];
            let n = key.len().min(16);
            bytes[..n].copy_from_slice(&key.as_bytes()[..n]);
            u128::from_be_bytes(bytes)
        };
        let block_rows = block_rows.max(1);
        let mut next_id = first_id;
        let mut block = Block::default();
        let mut order: Vec<(u128, u32)> = Vec::new();
        // The parts go by first byte, so their order is the keys' byte order.
        for part in &self.parts {
            order.clear();
            order.extend(
                part.rows
                    .iter()
                    .enumerate()
                    .map(|(i, row)| (prefix(part.field(row, field::KEY)), i as u32)),
            );
            order.sort_unstable_by(|a, b| {
                a.0.cmp(&b.0).then_with(|| {
                    part.field(&part.rows[a.1 as usize], field::KEY)
                        .cmp(part.field(&part.rows[b.1 as usize], field::KEY))
                })
            });
            for &(_, i) in &order {
                let row = &part.rows[i as usize];
                let fields = std::array::from_fn(|f| part.field(row, f));
                block.rows.push(RowRef {
                    id: next_id,
                    at: Fields::append(&mut block.text, fields),
                    status: row.status,
                    suppress: row.suppress,
                    opted_out_at: row.opted_out_at,
                    line: row.line,
                });
                next_id += 1;
                if block.rows.len() == block_rows && !send(std::mem::take(&mut block)) {
                    return;
                }
            }
        }
        if !block.rows.is_empty() {
            send(block);
        }
    }
}

impl Block {
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when a row of the block is a branch-wide opt-out (most blocks have none).
    pub(crate) fn suppresses(&self) -> bool {
        self.rows.iter().any(|r| r.suppress)
    }

    fn field(&self, row: &RowRef, i: usize) -> &str {
        row.at.get(&self.text, i)
    }
}

/// Addresses, each with a value, kept in one text rather than a string each.
/// An import looks up every row's address in a few such maps (who is already
/// here, who is earlier in the file): with a string per address, allocating
/// 100,000 of them, and freeing them after, took a tenth of an import.
pub(crate) struct KeyMap<V> {
    text: String,
    table: hashbrown::HashTable<KeyEntry<V>>,
}

struct KeyEntry<V> {
    start: usize,
    end: usize,
    value: V,
}

impl<V: Copy> KeyMap<V> {
    pub(crate) fn with_capacity(keys: usize) -> KeyMap<V> {
        KeyMap {
            text: String::new(),
            table: hashbrown::HashTable::with_capacity(keys),
        }
    }

    fn hash(key: &str) -> u64 {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(key)
    }

    pub(crate) fn get(&self, key: &str) -> Option<V> {
        self.table
            .find(Self::hash(key), |e| &self.text[e.start..e.end] == key)
            .map(|e| e.value)
    }

    /// Adds `key` with `value`, unless it is already here: then leaves it
    /// and returns the value it has.
    pub(crate) fn insert_first(&mut self, key: &str, value: V) -> Option<V> {
        let text = &self.text;
        match self.table.entry(
            Self::hash(key),
            |e| &text[e.start..e.end] == key,
            |e| Self::hash(&text[e.start..e.end]),
        ) {
            hashbrown::hash_table::Entry::Occupied(first) => Some(first.get().value),
            hashbrown::hash_table::Entry::Vacant(new) => {
                let start = self.text.len();
                new.insert(KeyEntry {
                    start,
                    end: start + key.len(),
                    value,
                });
                self.text.push_str(key);
                None
            }
        }
    }
}

impl<V: Copy> KeyMap<V> {
    /// Changes the value of a key already here; says whether it was.
    pub(crate) fn set(&mut self, key: &str, value: V) -> bool {
        let text = &self.text;
        match self
            .table
            .find_mut(Self::hash(key), |e| &text[e.start..e.end] == key)
        {
            Some(entry) => {
                entry.value = value;
                true
            }
            None => false,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

/// A block of rows, bound to a statement's `import_rows(?)` argument.
pub(crate) struct Rows(pub(crate) Rc<Block>);

impl ToSql for Rows {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from_rc(
            Rc::new(Rows(self.0.clone())),
            POINTER_TYPE,
        ))
    }
}

/// Makes `import_rows` known to a connection, once: the import asks for it
/// on the connection it writes with (the database layer knows no area, so it
/// does not add it to the connections it opens).
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    const MODULE: Module<RowsTab> = Module::eponymous_only_module();
    if conn.prepare("SELECT 1 FROM import_rows").is_ok() {
        return Ok(());
    }
    conn.create_module(MODULE_NAME, &MODULE, None::<()>)
}

/// The columns, in the order of [`RowsCursor::column`]; `source` is hidden:
/// it is the argument, not a column a query reads.
/// `status` is empty for a row not put on the list; `suppress` is 1 for a
/// branch-wide opt-out, which `opted_out_at` dates (Unix seconds) when the file does.
const SCHEMA: &CStr = c"CREATE TABLE x(id, email, email_key, name, first_name, language, city, postal_code, tags, notes, search, evidence, status, line, suppress, opted_out_at, phone, source hidden)";
const SOURCE_COLUMN: c_int = 17;

#[repr(C)]
struct RowsTab {
    base: ffi::sqlite3_vtab,
}

unsafe impl<'vtab> VTab<'vtab> for RowsTab {
    type Aux = ();
    type Cursor = RowsCursor<'vtab>;

    fn connect(
        _: &mut VTabConnection,
        _aux: Option<&()>,
        _module_name: &[u8],
        _database_name: &[u8],
        _table_name: &[u8],
        _args: &[&[u8]],
    ) -> rusqlite::Result<(Cow<'static, CStr>, Self)> {
        Ok((
            Cow::Borrowed(SCHEMA),
            RowsTab {
                base: ffi::sqlite3_vtab::default(),
            },
        ))
    }

    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<bool> {
        let mut given = false;
        for (constraint, mut usage) in info.constraints_and_usages() {
            if constraint.is_usable()
                && constraint.operator() == IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_EQ
                && constraint.column() == SOURCE_COLUMN
            {
                given = true;
                usage.set_argv_index(1);
                usage.set_omit(true);
            }
        }
        // Without its argument the table has no rows to give: make that plan the last choice.
        if given {
            info.set_estimated_cost(1.0);
            info.set_idx_num(1);
        } else {
            info.set_estimated_cost(f64::from(i32::MAX));
            info.set_idx_num(0);
        }
        Ok(true)
    }

    fn open(&mut self) -> rusqlite::Result<RowsCursor<'_>> {
        Ok(RowsCursor {
            base: ffi::sqlite3_vtab_cursor::default(),
            at: 0,
            rows: None,
            phantom: PhantomData,
        })
    }
}

#[repr(C)]
struct RowsCursor<'vtab> {
    base: ffi::sqlite3_vtab_cursor,
    at: usize,
    rows: Option<&'vtab Rows>,
    phantom: PhantomData<&'vtab RowsTab>,
}

unsafe impl VTabCursor for RowsCursor<'_> {
    fn filter(
        &mut self,
        idx_num: c_int,
        _idx_str: Option<&str>,
        args: &Filters<'_>,
    ) -> rusqlite::Result<()> {
        // SAFETY: a pointer of this type is only ever bound by `Rows::to_sql`,
        // which hands SQLite a reference-counted `Rows` that SQLite keeps alive
        // until the statement lets go of the argument.
        self.rows = if idx_num == 1 {
            unsafe { args.get_pointer::<Rows>(0, POINTER_TYPE) }
        } else {
            None
        };
        self.at = 0;
        Ok(())
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        self.at += 1;
        Ok(())
    }

    fn eof(&self) -> bool {
        self.rows.is_none_or(|r| self.at >= r.0.len())
    }

    fn column(&self, ctx: &mut Context, i: c_int) -> rusqlite::Result<()> {
        let Some(all) = self.rows else {
            return Ok(());
        };
        let block = &all.0;
        let Some(row) = block.rows.get(self.at) else {
            return Ok(());
        };
        match i {
            0 => ctx.set_result(&row.id),
            1..=11 => ctx.set_result(&block.field(row, i as usize - 1)),
            12 => ctx.set_result(&row.status.map_or("", ConsentStatus::as_str)),
            13 => ctx.set_result(&row.line),
            14 => ctx.set_result(&row.suppress),
            15 => ctx.set_result(&row.opted_out_at),
            16 => ctx.set_result(&block.field(row, field::PHONE)),
            _ => Ok(()),
        }
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(self.at as i64 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(rows: &mut NewRows, key: &str, status: ConsentStatus, line: u32) {
        let email = key.to_uppercase();
        let name = format!("Name {line}");
        rows.push(
            [
                &email,
                key,
                &name,
                "",
                "es",
                "Chelsea",
                "02150",
                "[\"union\"]",
                "",
                key,
                "",
                "+1 617 555 0100",
            ],
            Some(status),
            status.is_opt_out(),
            0,
            line,
        );
    }

    #[test]
    fn a_statement_reads_every_row_and_column_it_is_given() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        let mut new = NewRows::default();
        push(&mut new, "z@example.org", ConsentStatus::Subscribed, 9);
        push(&mut new, "b@example.org", ConsentStatus::Unsubscribed, 5);
        push(&mut new, "a@example.org", ConsentStatus::Subscribed, 2);
        let mut blocks = Vec::new();
        new.into_blocks(6, 1, |block| {
            blocks.push(Rc::new(block));
            true
        });
        assert_eq!(blocks.len(), 3, "blocks of one row each");
        let mut both = NewRows::default();
        push(&mut both, "z@example.org", ConsentStatus::Subscribed, 9);
        push(&mut both, "b@example.org", ConsentStatus::Unsubscribed, 5);
        let mut block = None;
        both.into_blocks(7, 10, |b| {
            block = Some(Rc::new(b));
            true
        });
        let block = block.expect("one block of both rows");
        let rows = Rows(block.clone());
        let read: Vec<(i64, String, String, String, String, u32)> = conn
            .prepare("SELECT id, email, email_key, name, status, line FROM import_rows(?1)")
            .unwrap()
            .query_map([&rows], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            read,
            vec![
                (
                    7,
                    "B@EXAMPLE.ORG".into(),
                    "b@example.org".into(),
                    "Name 5".into(),
                    "unsubscribed".into(),
                    5
                ),
                (
                    8,
                    "Z@EXAMPLE.ORG".into(),
                    "z@example.org".into(),
                    "Name 9".into(),
                    "subscribed".into(),
                    9
                ),
            ]
        );
        drop(rows);
        assert_eq!(
            Rc::strong_count(&block),
            1,
            "the statement let go of the rows"
        );
        let first: (i64, String) = conn
            .query_row(
                "SELECT id, email_key FROM import_rows(?1)",
                [&Rows(blocks[0].clone())],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            first,
            (6, "a@example.org".into()),
            "the first block holds the first key"
        );
    }

    proptest::proptest! {
        /// Whatever the keys (shared long beginnings, other alphabets), the
        /// rows come out in the keys' byte order, numbered in that order, in
        /// blocks of the size asked for.
        #[test]
        fn rows_come_out_in_the_order_of_their_keys(
            keys in proptest::collection::hash_set("(ana\\.evans\\.long\\.prefix)?[a-cñé0-9.]{0,6}@example\\.org", 0..60)
        ) {
            let mut new = NewRows::default();
            for (line, key) in keys.iter().enumerate() {
                push(&mut new, key, ConsentStatus::Subscribed, line as u32);
            }
            let mut got: Vec<(i64, String)> = Vec::new();
            let mut sizes = Vec::new();
            new.into_blocks(100, 7, |block| {
                sizes.push(block.len());
                got.extend(block.rows.iter().map(|r| (r.id, block.field(r, field::KEY).to_owned())));
                true
            });
            let mut want: Vec<&str> = keys.iter().map(String::as_str).collect();
            want.sort();
            let want: Vec<(i64, String)> = want.into_iter().enumerate().map(|(i, k)| (100 + i as i64, k.to_owned())).collect();
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert!(sizes.iter().all(|n| (1..=7).contains(n)), "blocks of at most 7 rows: {:?}", sizes);
            proptest::prop_assert!(sizes.iter().rev().skip(1).all(|n| *n == 7), "only the last block is short: {:?}", sizes);
        }
    }

    proptest::proptest! {
        /// A key map answers as a hash map of strings does, whatever the keys.
        #[test]
        fn a_key_map_keeps_the_first_value_of_each_key(
            keys in proptest::collection::vec("[a-cñ]{0,4}(@example\\.org)?", 0..200)
        ) {
            let mut map = KeyMap::with_capacity(4);
            let mut want = std::collections::HashMap::new();
            for (i, key) in keys.iter().enumerate() {
                let first = want.get(key).copied();
                want.entry(key.clone()).or_insert(i);
                proptest::prop_assert_eq!(map.insert_first(key, i), first);
            }
            for key in &keys {
                proptest::prop_assert_eq!(map.get(key), want.get(key).copied());
            }
            proptest::prop_assert_eq!(map.get("not@there"), None);
        }
    }

    #[test]
    fn the_blocks_stop_when_the_writing_does() {
        let mut new = NewRows::default();
        for (line, key) in ["c@example.org", "a@example.org", "b@example.org"]
            .iter()
            .enumerate()
        {
            push(&mut new, key, ConsentStatus::Subscribed, line as u32);
        }
        let mut sent = 0;
        new.into_blocks(1, 1, |_| {
            sent += 1;
            false
        });
        assert_eq!(sent, 1, "no block is made after the writing stopped");
    }

    #[test]
    fn without_its_argument_the_table_is_empty() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM import_rows", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }
}
