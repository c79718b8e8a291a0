//! Venues and speakers: the reusable places and people events point to. A
//! change to one is a change to every event that names it, so the search index
//! of those events is refreshed in the same transaction.

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{index, MAX_LINE_BYTES, MAX_TEXT_BYTES};
use crate::clock::now_text;
use crate::db::Database;
use crate::db::Tx;
use crate::error::{Error, FieldProblem, Result};

/// A reusable place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Venue {
    pub id: i64,
    pub name: String,
    /// The usual room; an event may name another.
    pub room: String,
    pub address: String,
    pub city: String,
    /// "Accessible, gender-neutral restrooms."
    pub accessibility: String,
}

/// What a form sends to create or change a venue.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct VenueInput {
    pub name: String,
    pub room: String,
    pub address: String,
    pub city: String,
    pub accessibility: String,
}

impl From<&Venue> for VenueInput {
    fn from(v: &Venue) -> Self {
        VenueInput {
            name: v.name.clone(),
            room: v.room.clone(),
            address: v.address.clone(),
            city: v.city.clone(),
            accessibility: v.accessibility.clone(),
        }
    }
}

/// A person who speaks at events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Speaker {
    pub id: i64,
    pub name: String,
    /// "Emerson College", "ISO".
    pub affiliation: String,
    /// "author of Women and Socialism: Class, Race and Capital".
    pub credit: String,
}

/// What a form sends to create or change a speaker.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct SpeakerInput {
    pub name: String,
    pub affiliation: String,
    pub credit: String,
}

impl From<&Speaker> for SpeakerInput {
    fn from(s: &Speaker) -> Self {
        SpeakerInput {
            name: s.name.clone(),
            affiliation: s.affiliation.clone(),
            credit: s.credit.clone(),
        }
    }
}

/// The one length check of a stored text field (events, venues, speakers,
/// tours, organizations, demand lists): at most `max` bytes, and no NUL.
pub(crate) fn check_len(problems: &mut Vec<FieldProblem>, field: &str, text: &str, max: usize) {
    if text.len() > max {
        problems.push(FieldProblem {
            field: field.to_owned(),
            message: format!(
                "is {} long; the most Handbill keeps is {}. Shorten it.",
                crate::db::outside::size_text(text.len() as u64),
                crate::db::outside::size_text(max as u64)
            ),
        });
    } else if text.contains('\0') {
        problems.push(FieldProblem {
            field: field.to_owned(),
            message: "holds a NUL character (\\0), which Handbill does not store. Remove it."
                .to_owned(),
        });
    }
}

fn validate_venue(input: VenueInput) -> Result<VenueInput> {
    let input = VenueInput {
        name: input.name.trim().to_owned(),
        room: input.room.trim().to_owned(),
        address: input.address.trim().to_owned(),
        city: input.city.trim().to_owned(),
        accessibility: input.accessibility.trim().to_owned(),
    };
    let mut problems = Vec::new();
    if input.name.is_empty() {
        problems.push(FieldProblem {
            field: "name".into(),
            message: "A venue needs a name, such as “Cambridge Community Center”.".into(),
        });
    }
    check_len(&mut problems, "name", &input.name, MAX_LINE_BYTES);
    check_len(&mut problems, "room", &input.room, MAX_LINE_BYTES);
    check_len(&mut problems, "address", &input.address, MAX_LINE_BYTES);
    check_len(&mut problems, "city", &input.city, MAX_LINE_BYTES);
    check_len(
        &mut problems,
        "accessibility",
        &input.accessibility,
        MAX_TEXT_BYTES,
    );
    if problems.is_empty() {
        Ok(input)
    } else {
        Err(Error::invalid(problems))
    }
}

fn read_venue(r: &Row<'_>) -> rusqlite::Result<Venue> {
    Ok(Venue {
        id: r.get(0)?,
        name: r.get(1)?,
        room: r.get(2)?,
        address: r.get(3)?,
        city: r.get(4)?,
        accessibility: r.get(5)?,
    })
}

const VENUE_COLUMNS: &str = "id, name, room, address, city, accessibility";

/// Saves a new venue.
pub fn create_venue(db: &Database, input: VenueInput) -> Result<Venue> {
    let v = validate_venue(input)?;
    let at = now_text();
    db.conn().execute(
        "INSERT INTO venue (name, room, address, city, accessibility, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![v.name, v.room, v.address, v.city, v.accessibility, at],
    )?;
    get_venue(db, db.conn().last_insert_rowid())
}

/// One venue.
pub fn get_venue(db: &Database, id: i64) -> Result<Venue> {
    db.conn()
        .prepare_cached(&format!("SELECT {VENUE_COLUMNS} FROM venue WHERE id = ?1"))?
        .query_row([id], read_venue)
        .optional()?
        .ok_or_else(|| Error::not_found(format!("There is no venue number {id}.")))
}

/// Every venue, by name.
pub fn list_venues(db: &Database) -> Result<Vec<Venue>> {
    let mut stmt = db.conn().prepare_cached(&format!(
        "SELECT {VENUE_COLUMNS} FROM venue ORDER BY name COLLATE NOCASE, id"
    ))?;
    let rows = stmt
        .query_map([], read_venue)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Changes a venue; every event held there shows the change.
pub fn update_venue(db: &Database, id: i64, input: VenueInput) -> Result<Venue> {
    let v = validate_venue(input)?;
    let tx = Tx::begin(db)?;
    let changed = db.conn().execute(
        "UPDATE venue SET name = ?2, room = ?3, address = ?4, city = ?5, accessibility = ?6, updated_at = ?7
         WHERE id = ?1",
        params![id, v.name, v.room, v.address, v.city, v.accessibility, now_text()],
    )?;
    if changed == 0 {
        return Err(Error::not_found(format!("There is no venue number {id}.")));
    }
    let ids: Vec<i64> = db
        .conn()
        .prepare_cached("SELECT id FROM event WHERE venue_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for event_id in ids {
        index::reindex(db, event_id)?;
    }
    tx.commit()?;
    get_venue(db, id)
}

/// Removes a venue no event uses.
pub fn delete_venue(db: &Database, id: i64) -> Result<()> {
    let used: i64 = db.conn().query_row(
        "SELECT count(*) FROM event WHERE venue_id = ?1",
        [id],
        |r| r.get(0),
    )?;
    if used > 0 {
        return Err(Error::invalid_field(
            "venue_id",
            format!("{used} event(s) are held at this venue. Move them to another venue first."),
        ));
    }
    if db.conn().execute("DELETE FROM venue WHERE id = ?1", [id])? == 0 {
        return Err(Error::not_found(format!("There is no venue number {id}.")));
    }
    Ok(())
}

fn validate_speaker(input: SpeakerInput) -> Result<SpeakerInput> {
    let input = SpeakerInput {
        name: input.name.trim().to_owned(),
        affiliation: input.affiliation.trim().to_owned(),
        credit: input.credit.trim().to_owned(),
    };
    let mut problems = Vec::new();
    if input.name.is_empty() {
        problems.push(FieldProblem {
            field: "name".into(),
            message: "A speaker needs a name.".into(),
        });
    }
    check_len(&mut problems, "name", &input.name, MAX_LINE_BYTES);
    check_len(
        &mut problems,
        "affiliation",
        &input.affiliation,
        MAX_LINE_BYTES,
    );
    check_len(&mut problems, "credit", &input.credit, MAX_LINE_BYTES);
    if problems.is_empty() {
        Ok(input)
    } else {
        Err(Error::invalid(problems))
    }
}

fn read_speaker(r: &Row<'_>) -> rusqlite::Result<Speaker> {
    Ok(Speaker {
        id: r.get(0)?,
        name: r.get(1)?,
        affiliation: r.get(2)?,
        credit: r.get(3)?,
    })
}

/// Saves a new speaker.
pub fn create_speaker(db: &Database, input: SpeakerInput) -> Result<Speaker> {
    let s = validate_speaker(input)?;
    db.conn().execute(
        "INSERT INTO speaker (name, affiliation, credit, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![s.name, s.affiliation, s.credit, now_text()],
    )?;
    get_speaker(db, db.conn().last_insert_rowid())
}

/// One speaker.
pub fn get_speaker(db: &Database, id: i64) -> Result<Speaker> {
    db.conn()
        .prepare_cached("SELECT id, name, affiliation, credit FROM speaker WHERE id = ?1")?
        .query_row([id], read_speaker)
        .optional()?
        .ok_or_else(|| Error::not_found(format!("There is no speaker number {id}.")))
}

/// Every speaker, by name.
pub fn list_speakers(db: &Database) -> Result<Vec<Speaker>> {
    let mut stmt = db.conn().prepare_cached(
        "SELECT id, name, affiliation, credit FROM speaker ORDER BY name COLLATE NOCASE, id",
    )?;
    let rows = stmt
        .query_map([], read_speaker)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Changes a speaker; every event they speak at shows the change.
pub fn update_speaker(db: &Database, id: i64, input: SpeakerInput) -> Result<Speaker> {
    let s = validate_speaker(input)?;
    let tx = Tx::begin(db)?;
    if db.conn().execute(
        "UPDATE speaker SET name = ?2, affiliation = ?3, credit = ?4 WHERE id = ?1",
        params![id, s.name, s.affiliation, s.credit],
    )? == 0
    {
        return Err(Error::not_found(format!(
            "There is no speaker number {id}."
        )));
    }
    let ids: Vec<i64> = db
        .conn()
        .prepare_cached("SELECT DISTINCT event_id FROM event_speaker WHERE speaker_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for event_id in ids {
        index::reindex(db, event_id)?;
    }
    tx.commit()?;
    get_speaker(db, id)
}

/// The speakers of an event or a tour, in order.
pub(crate) fn speakers_of(
    db: &Database,
    table: &str,
    owner: &str,
    id: i64,
) -> Result<Vec<Speaker>> {
    let mut stmt = db.conn().prepare_cached(&format!(
        "SELECT s.id, s.name, s.affiliation, s.credit FROM {table} x JOIN speaker s ON s.id = x.speaker_id
         WHERE x.{owner} = ?1 ORDER BY x.position"
    ))?;
    let rows = stmt
        .query_map([id], read_speaker)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Finds a venue with exactly these fields, or saves a new one (for imports).
pub(crate) fn find_or_create_venue(db: &Database, input: &VenueInput) -> Result<Venue> {
    let v = validate_venue(input.clone())?;
    let found = db
        .conn()
        .prepare_cached(&format!(
            "SELECT {VENUE_COLUMNS} FROM venue WHERE name = ?1 AND room = ?2 AND address = ?3 AND city = ?4 AND accessibility = ?5 ORDER BY id LIMIT 1"
        ))?
        .query_row(params![v.name, v.room, v.address, v.city, v.accessibility], read_venue)
        .optional()?;
    match found {
        Some(v) => Ok(v),
        None => create_venue(db, v),
    }
}

/// The speakers an import has seen, by their exact fields (name,
/// affiliation, credit), so each speaker of an imported event is found
/// without a query that reads the whole speaker table: the table is read at
/// most once per import, when the first speaker is looked up. (An index on the
/// speaker's name would need a migration of its own.)
#[derive(Default)]
pub(crate) struct SpeakerIndex {
    known: Option<std::collections::HashMap<(String, String, String), i64>>,
}

impl SpeakerIndex {
    /// Finds a speaker with exactly these fields, or saves a new one.
    pub(crate) fn find_or_create(&mut self, db: &Database, input: &SpeakerInput) -> Result<i64> {
        let s = validate_speaker(input.clone())?;
        if self.known.is_none() {
            let mut known = std::collections::HashMap::new();
            let mut stmt = db.conn().prepare_cached(
                "SELECT id, name, affiliation, credit FROM speaker ORDER BY id DESC",
            )?;
            for row in stmt.query_map([], read_speaker)? {
                let row = row?;
                // Ordered newest first, so the oldest of identical speakers is kept.
                known.insert((row.name, row.affiliation, row.credit), row.id);
            }
            self.known = Some(known);
        }
        let key = (s.name.clone(), s.affiliation.clone(), s.credit.clone());
        if let Some(id) = self.known.as_ref().and_then(|k| k.get(&key)) {
            return Ok(*id);
        }
        let id = create_speaker(db, s)?.id;
        if let Some(known) = self.known.as_mut() {
            known.insert(key, id);
        }
        Ok(id)
    }
}
