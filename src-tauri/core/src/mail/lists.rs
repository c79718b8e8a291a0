//! Lists and segments: the mailing lists a branch keeps ("Announcements",
//! "Volunteers", "Spanish") and the filters over one list (tag, city, ZIP
//! prefix, language) that narrow an announcement. It owns the one answer to
//! "how many people would this reach": subscribed members who have not opted
//! out anywhere in the branch (the `mailable` view), so people who
//! unsubscribed, bounced, were cleaned or complained on any list are never
//! counted, nor mailed.

use rusqlite::{params, OptionalExtension, ToSql};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock::now_text;
use crate::db::Database;
use crate::error::{Error, FieldProblem, Result};

/// The longest list or segment name.
const MAX_NAME: usize = 80;

/// A list with how many people stand in each state on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct List {
    pub id: i64,
    pub name: String,
    /// People an announcement to this list would reach.
    pub subscribed: u32,
    pub unsubscribed: u32,
    pub bounced: u32,
    pub cleaned: u32,
    pub complained: u32,
    pub created_at: String,
}

/// A filter over one list. Empty parts do not filter; the parts that are set
/// must all hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SegmentFilter {
    /// The subscriber has every one of these tags (case does not matter).
    pub tags: Vec<String>,
    /// The city, exactly but without regard to case.
    pub city: String,
    /// The ZIP or postal code starts with this, such as `021`.
    pub zip_prefix: String,
    /// The language, such as `es` (which also takes `es-MX`).
    pub language: String,
}

impl SegmentFilter {
    pub fn is_empty(&self) -> bool {
        self.tags.iter().all(|t| t.trim().is_empty())
            && self.city.trim().is_empty()
            && self.zip_prefix.trim().is_empty()
            && self.language.trim().is_empty()
    }

    /// Reads `tag=volunteer,city=Boston,zip=021,language=es` (the command line's
    /// `--segment`). `tag` may repeat.
    pub fn parse(text: &str) -> Result<SegmentFilter> {
        let mut filter = SegmentFilter::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, value)) = part.split_once('=') else {
                return Err(Error::invalid_field(
                    "segment",
                    format!("“{part}” is not a filter. Write filters like tag=volunteer,city=Boston,zip=021,language=es."),
                ));
            };
            let value = value.trim().to_owned();
            match key.trim().to_ascii_lowercase().as_str() {
                "tag" | "tags" => filter.tags.push(value),
                "city" => filter.city = value,
                "zip" | "zip_prefix" | "postal_code" => filter.zip_prefix = value,
                "language" | "lang" => filter.language = value,
                other => {
                    return Err(Error::invalid_field(
                        "segment",
                        format!("“{other}” is not something a segment filters by. Use tag, city, zip or language."),
                    ))
                }
            }
        }
        Ok(filter)
    }

    /// The SQL condition on `s` (subscriber) and its parameters.
    pub(crate) fn sql(&self) -> (String, Vec<Box<dyn ToSql>>) {
        let mut clauses = Vec::new();
        let mut values: Vec<Box<dyn ToSql>> = Vec::new();
        for tag in self.tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            clauses.push(
                "EXISTS (SELECT 1 FROM json_each(s.tags) WHERE lower(json_each.value) = lower(?))"
                    .to_owned(),
            );
            values.push(Box::new(tag.to_owned()));
        }
        if !self.city.trim().is_empty() {
            clauses.push("s.city = ? COLLATE NOCASE".to_owned());
            values.push(Box::new(self.city.trim().to_owned()));
        }
        if !self.zip_prefix.trim().is_empty() {
            clauses.push("substr(s.postal_code, 1, ?) = ? COLLATE NOCASE".to_owned());
            let prefix = self.zip_prefix.trim().to_owned();
            values.push(Box::new(prefix.chars().count() as i64));
            values.push(Box::new(prefix));
        }
        if !self.language.trim().is_empty() {
            clauses.push("(s.language = ? COLLATE NOCASE OR lower(substr(s.language, 1, length(?) + 1)) = lower(?) || '-')".to_owned());
            for _ in 0..3 {
                values.push(Box::new(self.language.trim().to_owned()));
            }
        }
        if clauses.is_empty() {
            return ("1".to_owned(), values);
        }
        (clauses.join(" AND "), values)
    }
}

/// A saved segment of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Segment {
    pub id: i64,
    pub list_id: i64,
    pub name: String,
    pub filter: SegmentFilter,
    /// Subscribed people it reaches now.
    pub count: u32,
}

/// The values a list's members have, offered while building a segment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct Facets {
    pub tags: Vec<String>,
    pub cities: Vec<String>,
    pub languages: Vec<String>,
}

/// The tags, cities and languages found among a list's members, most common first.
pub fn facets(db: &Database, list_id: i64) -> Result<Facets> {
    get(db, list_id)?;
    let column = |sql: &str| -> Result<Vec<String>> {
        let mut stmt = db.conn().prepare(sql)?;
        let values = stmt
            .query_map([list_id], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(values)
    };
    Ok(Facets {
        tags: column(
            "SELECT min(j.value) FROM membership m JOIN subscriber s ON s.id = m.subscriber_id, json_each(s.tags) j
             WHERE m.list_id = ?1 GROUP BY lower(j.value) ORDER BY count(*) DESC, 1 LIMIT 100",
        )?,
        cities: column(
            "SELECT min(s.city) FROM membership m JOIN subscriber s ON s.id = m.subscriber_id
             WHERE m.list_id = ?1 AND s.city <> '' GROUP BY lower(s.city) ORDER BY count(*) DESC, 1 LIMIT 100",
        )?,
        languages: column(
            "SELECT s.language FROM membership m JOIN subscriber s ON s.id = m.subscriber_id
             WHERE m.list_id = ?1 AND s.language <> '' GROUP BY s.language ORDER BY count(*) DESC LIMIT 50",
        )?,
    })
}

/// Every list, by name, with its counts.
pub fn all(db: &Database) -> Result<Vec<List>> {
    let mut stmt = db.conn().prepare(
        "SELECT l.id, l.name, l.created_at,
                -- The list's `mailable` people, counted from the (short) suppression
                -- table's side rather than by looking each member up in it.
                count(m.subscriber_id) FILTER (WHERE m.status = 'subscribed')
                  - (SELECT count(*) FROM suppression x JOIN subscriber s ON s.email_key = x.email_key
                       JOIN membership k ON k.subscriber_id = s.id
                      WHERE k.list_id = l.id AND k.status = 'subscribed'),
                count(m.subscriber_id) FILTER (WHERE m.status = 'unsubscribed'),
                count(m.subscriber_id) FILTER (WHERE m.status = 'bounced'),
                count(m.subscriber_id) FILTER (WHERE m.status = 'cleaned'),
                count(m.subscriber_id) FILTER (WHERE m.status = 'complained')
         FROM list l LEFT JOIN membership m ON m.list_id = l.id
         GROUP BY l.id ORDER BY l.name COLLATE NOCASE",
    )?;
    let lists = stmt
        .query_map([], |r| {
            Ok(List {
                id: r.get(0)?,
                name: r.get(1)?,
                created_at: r.get(2)?,
                subscribed: r.get(3)?,
                unsubscribed: r.get(4)?,
                bounced: r.get(5)?,
                cleaned: r.get(6)?,
                complained: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(lists)
}

/// One list by id.
pub fn get(db: &Database, id: i64) -> Result<List> {
    all(db)?
        .into_iter()
        .find(|l| l.id == id)
        .ok_or_else(|| Error::not_found(format!("There is no list number {id}.")))
}

/// One list by name (case does not matter), or a message naming the lists there are.
pub fn find(db: &Database, name: &str) -> Result<List> {
    let id: Option<i64> = db
        .conn()
        .query_row(
            "SELECT id FROM list WHERE name = ?1 COLLATE NOCASE",
            [name.trim()],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => get(db, id),
        None => {
            let names: Vec<String> = all(db)?.into_iter().map(|l| l.name).collect();
            Err(Error::not_found(if names.is_empty() {
                format!("There is no list called “{}”, and no lists yet. Create it with: handbill list create \"{}\"", name.trim(), name.trim())
            } else {
                format!(
                    "There is no list called “{}”. The lists are: {}.",
                    name.trim(),
                    names.join(", ")
                )
            }))
        }
    }
}

/// Creates a list. Names are unique without regard to case.
pub fn create(db: &Database, name: &str) -> Result<List> {
    let name = check_name(
        "name",
        name,
        "Give the list a name, such as “Announcements”.",
    )?;
    let taken: Option<String> = db
        .conn()
        .query_row(
            "SELECT name FROM list WHERE name = ?1 COLLATE NOCASE",
            [&name],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(taken) = taken {
        return Err(Error::invalid_field(
            "name",
            format!("There is already a list called “{taken}”. Choose another name."),
        ));
    }
    db.conn().execute(
        "INSERT INTO list (name, created_at) VALUES (?1, ?2)",
        params![name, now_text()],
    )?;
    get(db, db.conn().last_insert_rowid())
}

/// How many people an announcement to the list (narrowed by `filter`) would
/// reach: the list's `mailable` people, never anyone suppressed.
pub fn reach(db: &Database, list_id: i64, filter: &SegmentFilter) -> Result<u32> {
    let (condition, values) = filter.sql();
    let sql = format!("SELECT count(*) FROM mailable s WHERE s.list_id = ? AND {condition}");
    let mut all_values: Vec<&dyn ToSql> = vec![&list_id];
    all_values.extend(values.iter().map(|v| v.as_ref()));
    let count: u32 = db
        .conn()
        .query_row(&sql, all_values.as_slice(), |r| r.get(0))?;
    Ok(count)
}

/// Saves a segment of a list under a name.
pub fn save_segment(
    db: &Database,
    list_id: i64,
    name: &str,
    filter: SegmentFilter,
) -> Result<Segment> {
    get(db, list_id)?;
    let name = check_name(
        "segment_name",
        name,
        "Give the segment a name, such as “Volunteers in Cambridge”.",
    )?;
    if filter.is_empty() {
        return Err(Error::invalid_field(
            "segment",
            "Choose at least one tag, city, ZIP prefix or language: a segment without a filter is the whole list.",
        ));
    }
    let json = serde_json::to_string(&filter).map_err(|e| Error::internal(e.to_string()))?;
    let changed = db.conn().execute(
        "INSERT INTO segment (list_id, name, filter, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (list_id, name COLLATE NOCASE) DO NOTHING",
        params![list_id, name, json, now_text()],
    )?;
    if changed == 0 {
        return Err(Error::invalid_field(
            "segment_name",
            format!("This list already has a segment called “{name}”. Choose another name."),
        ));
    }
    let id = db.conn().last_insert_rowid();
    Ok(Segment {
        id,
        list_id,
        name,
        count: reach(db, list_id, &filter)?,
        filter,
    })
}

/// The saved segments of a list, with their counts now.
pub fn segments(db: &Database, list_id: i64) -> Result<Vec<Segment>> {
    let mut stmt = db.conn().prepare(
        "SELECT id, name, filter FROM segment WHERE list_id = ?1 ORDER BY name COLLATE NOCASE",
    )?;
    let rows = stmt
        .query_map([list_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(id, name, json)| {
            let filter: SegmentFilter = serde_json::from_str(&json).unwrap_or_default();
            Ok(Segment {
                id,
                list_id,
                name,
                count: reach(db, list_id, &filter)?,
                filter,
            })
        })
        .collect()
}

/// Removes a saved segment (the subscribers are not touched).
pub fn delete_segment(db: &Database, id: i64) -> Result<()> {
    let n = db
        .conn()
        .execute("DELETE FROM segment WHERE id = ?1", [id])?;
    if n == 0 {
        return Err(Error::not_found(format!(
            "There is no segment number {id}."
        )));
    }
    Ok(())
}

/// The command line's `--segment`: a saved segment's name, or a filter such as `tag=volunteer,zip=021`.
pub fn resolve_segment(db: &Database, list_id: i64, text: &str) -> Result<SegmentFilter> {
    if text.contains('=') {
        return SegmentFilter::parse(text);
    }
    let json: Option<String> = db
        .conn()
        .query_row(
            "SELECT filter FROM segment WHERE list_id = ?1 AND name = ?2 COLLATE NOCASE",
            params![list_id, text.trim()],
            |r| r.get(0),
        )
        .optional()?;
    match json {
        Some(json) => serde_json::from_str(&json).map_err(|e| Error::internal(format!("A saved segment cannot be read: {e}"))),
        None => Err(Error::not_found(format!(
            "This list has no segment called “{}”. Give a saved segment's name, or a filter such as tag=volunteer,city=Boston,zip=021,language=es.",
            text.trim()
        ))),
    }
}

fn check_name(field: &str, name: &str, missing: &str) -> Result<String> {
    let name = name.trim();
    let problem = if name.is_empty() {
        Some(missing.to_owned())
    } else if name.chars().count() > MAX_NAME {
        Some(format!(
            "This is {} characters long; keep it to {MAX_NAME}.",
            name.chars().count()
        ))
    } else if name.chars().any(char::is_control) {
        Some("Remove the line breaks and tabs: a name is one line.".to_owned())
    } else {
        None
    };
    match problem {
        Some(message) => Err(Error::invalid(vec![FieldProblem {
            field: field.to_owned(),
            message,
        }])),
        None => Ok(name.to_owned()),
    }
}
