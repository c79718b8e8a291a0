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
    /// Came to this event (its `uid`; any meeting of a series).
    #[serde(default)]
    pub attended: String,
    /// Did not come to this event (its `uid`): "we missed you".
    #[serde(default)]
    pub missed: String,
    /// Came to at least this many of the last [`SegmentFilter::of_last`] events (0: not filtered).
    #[serde(default)]
    pub min_attended: u32,
    /// How many of the latest events with a sign-in count for `min_attended`.
    #[serde(default)]
    pub of_last: u32,
    /// Never signed in at any event.
    #[serde(default)]
    pub never_attended: bool,
    /// First known to the branch on or after this date (`YYYY-MM-DD`).
    #[serde(default)]
    pub new_since: String,
}

/// The most events "attended at least N of the last M" looks back over.
pub const MAX_OF_LAST: u32 = 500;

impl SegmentFilter {
    pub fn is_empty(&self) -> bool {
        self.tags.iter().all(|t| t.trim().is_empty())
            && self.city.trim().is_empty()
            && self.zip_prefix.trim().is_empty()
            && self.language.trim().is_empty()
            && self.attended.trim().is_empty()
            && self.missed.trim().is_empty()
            && self.min_attended == 0
            && !self.never_attended
            && self.new_since.trim().is_empty()
    }

    /// The filter as the command line writes it (what [`SegmentFilter::parse`] reads back).
    pub fn to_text(&self) -> String {
        let mut parts: Vec<String> = self
            .tags
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map(|t| format!("tag={t}"))
            .collect();
        let mut push = |key: &str, value: &str| {
            if !value.trim().is_empty() {
                parts.push(format!("{key}={}", value.trim()));
            }
        };
        push("city", &self.city);
        push("zip", &self.zip_prefix);
        push("language", &self.language);
        push("attended", &self.attended);
        push("missed", &self.missed);
        push("new_since", &self.new_since);
        if self.min_attended > 0 {
            parts.push(format!(
                "attended_at_least={}/{}",
                self.min_attended, self.of_last
            ));
        }
        if self.never_attended {
            parts.push("never_attended".to_owned());
        }
        parts.join(",")
    }

    /// Checks the attendance parts: counts in range and a real date. (An
    /// event the filter names is looked up by [`SegmentFilter::resolve`].)
    pub fn check(&self) -> Result<()> {
        if self.min_attended > 0 && (self.of_last < self.min_attended || self.of_last > MAX_OF_LAST)
        {
            return Err(Error::invalid_field(
                "segment",
                format!(
                    "“At least {} of the last {}” cannot hold: the number of events looked back over must be at least {} and at most {MAX_OF_LAST}.",
                    self.min_attended, self.of_last, self.min_attended
                ),
            ));
        }
        let since = self.new_since.trim();
        if !since.is_empty() && since.parse::<jiff::civil::Date>().is_err() {
            return Err(Error::invalid_field(
                "segment",
                format!("“{since}” is not a date: write “new since” as YYYY-MM-DD."),
            ));
        }
        if self.never_attended && (!self.attended.trim().is_empty() || self.min_attended > 0) {
            return Err(Error::invalid_field(
                "segment",
                "“Never attended” cannot go with “attended”: nobody would match.",
            ));
        }
        Ok(())
    }

    /// Turns the events named by number (as the command line writes them)
    /// into their `uid`s, and refuses an event that is not there, so a saved
    /// segment names the same event on every officer's laptop.
    pub fn resolve(mut self, db: &Database) -> Result<SegmentFilter> {
        for part in [&mut self.attended, &mut self.missed] {
            let text = part.trim().to_owned();
            if text.is_empty() {
                continue;
            }
            let uid = if let Ok(id) = text.parse::<i64>() {
                crate::events::get(db, id)
                    .map_err(|e| Error::invalid_field("segment", e.message))?
                    .uid
            } else {
                db.conn()
                    .query_row("SELECT uid FROM event WHERE uid = ?1", [&text], |r| r.get(0))
                    .optional()?
                    .ok_or_else(|| {
                        Error::invalid_field(
                            "segment",
                            format!("There is no event “{text}”: give the event's number, as `handbill events` lists it."),
                        )
                    })?
            };
            *part = uid;
        }
        self.check()?;
        Ok(self)
    }

    /// Reads `tag=volunteer,city=Boston,zip=021,language=es` (the command line's
    /// `--segment`). `tag` may repeat.
    pub fn parse(text: &str) -> Result<SegmentFilter> {
        let mut filter = SegmentFilter::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part.eq_ignore_ascii_case("never_attended") {
                filter.never_attended = true;
                continue;
            }
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
                "attended" if value.eq_ignore_ascii_case("never") => filter.never_attended = true,
                "attended" | "came" => filter.attended = value,
                "missed" | "not_attended" => filter.missed = value,
                "attended_at_least" | "at_least" => {
                    let numbers: Vec<&str> = value
                        .split(|c: char| c == '/' || c.is_whitespace())
                        .filter(|w| !w.is_empty() && !w.eq_ignore_ascii_case("of"))
                        .collect();
                    match numbers.as_slice() {
                        [n, m] => match (n.parse(), m.parse()) {
                            (Ok(n), Ok(m)) => {
                                filter.min_attended = n;
                                filter.of_last = m;
                            }
                            _ => return Err(at_least_problem(&value)),
                        },
                        _ => return Err(at_least_problem(&value)),
                    }
                }
                "never_attended" => filter.never_attended = true,
                "new_since" | "since" => filter.new_since = value,
                other => {
                    return Err(Error::invalid_field(
                        "segment",
                        format!("“{other}” is not something a segment filters by. Use tag, city, zip, language, attended, missed, attended_at_least, never_attended or new_since."),
                    ))
                }
            }
        }
        filter.check()?;
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
        if !self.attended.trim().is_empty() {
            clauses.push(
                "s.id IN (SELECT a.subscriber_id FROM attendance a JOIN event e ON e.id = a.event_id WHERE e.uid = ?)"
                    .to_owned(),
            );
            values.push(Box::new(self.attended.trim().to_owned()));
        }
        if !self.missed.trim().is_empty() {
            clauses.push(
                "s.id NOT IN (SELECT a.subscriber_id FROM attendance a JOIN event e ON e.id = a.event_id
                               WHERE e.uid = ? AND a.subscriber_id IS NOT NULL)"
                    .to_owned(),
            );
            values.push(Box::new(self.missed.trim().to_owned()));
        }
        if self.min_attended > 0 {
            // The last M occasions anyone signed in at, then who came to at least N of them.
            clauses.push(
                "s.id IN (SELECT a.subscriber_id FROM attendance a
                           WHERE a.subscriber_id IS NOT NULL AND (a.event_id, a.occurrence) IN (
                             SELECT event_id, occurrence FROM attendance
                              GROUP BY event_id, occurrence ORDER BY max(held_on) DESC, event_id DESC LIMIT ?)
                           GROUP BY a.subscriber_id HAVING count(*) >= ?)"
                    .to_owned(),
            );
            values.push(Box::new(i64::from(self.of_last.min(MAX_OF_LAST))));
            values.push(Box::new(i64::from(self.min_attended)));
        }
        if self.never_attended {
            clauses.push(
                "NOT EXISTS (SELECT 1 FROM attendance a WHERE a.subscriber_id = s.id)".to_owned(),
            );
        }
        if !self.new_since.trim().is_empty() {
            clauses.push("s.created_at >= ?".to_owned());
            values.push(Box::new(self.new_since.trim().to_owned()));
        }
        if clauses.is_empty() {
            return ("1".to_owned(), values);
        }
        (clauses.join(" AND "), values)
    }
}

fn at_least_problem(value: &str) -> Error {
    Error::invalid_field(
        "segment",
        format!("“{value}” is not “N of M”: write attended_at_least=2/5 for at least 2 of the last 5 events."),
    )
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
    /// Events with a sign-in recorded, latest first: what "attended" and "missed" choose from.
    pub events: Vec<AttendedEvent>,
}

/// An event people signed in at, offered by the segment builder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct AttendedEvent {
    pub uid: String,
    pub title: String,
    /// The latest date anyone signed in at it (`YYYY-MM-DD`).
    pub held_on: String,
    /// How many people signed in.
    pub came: u32,
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
        events: attended_events(db)?,
    })
}

/// The events anyone signed in at, latest first.
fn attended_events(db: &Database) -> Result<Vec<AttendedEvent>> {
    let mut stmt = db.conn().prepare(
        "SELECT e.uid, e.title, max(a.held_on), count(*) FROM attendance a JOIN event e ON e.id = a.event_id
          GROUP BY e.id ORDER BY max(a.held_on) DESC, e.id DESC LIMIT 200",
    )?;
    let events = stmt
        .query_map([], |r| {
            Ok(AttendedEvent {
                uid: r.get(0)?,
                title: r.get(1)?,
                held_on: r.get(2)?,
                came: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(events)
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
    filter.check()?;
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
    let filter = filter.resolve(db)?;
    if filter.is_empty() {
        return Err(Error::invalid_field(
            "segment",
            "Choose at least one tag, city, ZIP prefix, language or attendance: a segment without a filter is the whole list.",
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
    if text.contains('=') || text.trim().eq_ignore_ascii_case("never_attended") {
        return SegmentFilter::parse(text)?.resolve(db);
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

/// A `--segment` as stored with an announcement: a saved segment's name as
/// given, a filter written out with its events by `uid` (so it names the
/// same events on every officer's laptop).
pub fn canonical_segment(db: &Database, list_id: i64, text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() || !(text.contains('=') || text.eq_ignore_ascii_case("never_attended")) {
        return Ok(text.to_owned());
    }
    Ok(resolve_segment(db, list_id, text)?.to_text())
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
