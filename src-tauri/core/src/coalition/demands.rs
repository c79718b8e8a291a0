//! Demand lists: a title, an intro sentence (“In solidarity with …, we demand
//! that:”) and numbered demands, reusable across events and tours.
//!
//! A list's words live in numbered versions. A version is *settled* once an
//! announced (non-draft) event, a tour with an announced stop, or an
//! endorsement uses it: editing the list then makes a new version, and what
//! was announced or endorsed keeps its words until the organizer moves the
//! event on ([`move_to_latest`]). Drafts follow the newest version. A version
//! no one has settled is edited in place. Each demand keeps a key from version
//! to version, so [`diff_versions`] tells a changed or moved demand from a new
//! one. A version may carry translations, side by side with its own words.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::organizations::get_organization;
use crate::db::Database;
use crate::db::Tx;
use crate::error::{Error, FieldProblem, Result};
use crate::events::venues::check_len;
use crate::events::{MAX_LINE_BYTES, MAX_TEXT_BYTES};

/// The most demands one list holds.
pub const MAX_DEMANDS: usize = 100;

/// One numbered demand of a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Demand {
    /// Follows the demand from version to version; give it back when editing.
    pub key: i64,
    /// 1, 2, 3 … as printed.
    pub number: u32,
    pub text: String,
}

/// One version of a demand list, in its own words or in a translation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DemandListVersion {
    pub id: i64,
    pub list_id: i64,
    /// 1 for the first version.
    pub number: u32,
    pub title: String,
    pub intro: String,
    pub demands: Vec<Demand>,
    /// The language these words are in: empty for the list's own words.
    pub language: String,
    /// How many texts (title, intro, demands) had no translation and are shown in the list's own words.
    pub untranslated: u32,
    /// The languages this version has translations for.
    pub translations: Vec<String>,
    pub created_at: String,
}

/// An event or tour and the version of a list it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DemandUse {
    pub event_id: Option<i64>,
    pub tour_id: Option<i64>,
    pub title: String,
    pub version_number: u32,
    /// Announced events (and tours with an announced stop) keep their version.
    pub announced: bool,
}

/// A demand list with its newest version and who uses which version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DemandList {
    pub id: i64,
    pub latest: DemandListVersion,
    /// Every version's id, oldest first.
    pub version_ids: Vec<i64>,
    pub uses: Vec<DemandUse>,
    pub created_at: String,
    pub updated_at: String,
}

/// A line of the demand lists' overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DemandListSummary {
    pub id: i64,
    pub title: String,
    pub demands: u32,
    pub latest_version: u32,
    pub updated_at: String,
}

/// A demand as a form sends it: `key` of an existing demand, None for a new one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct DemandInput {
    pub key: Option<i64>,
    pub text: String,
}

/// What a form sends to create or change a demand list; demands in order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct DemandListInput {
    pub title: String,
    pub intro: String,
    pub demands: Vec<DemandInput>,
}

/// A version's words in another language; `demands` by number (1 first),
/// empty strings where there is no translation yet.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct TranslationInput {
    /// A BCP 47 language tag, such as `es`.
    pub language: String,
    pub title: String,
    pub intro: String,
    pub demands: Vec<String>,
}

/// An organization's endorsement of a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Endorsement {
    pub organization_id: i64,
    pub organization_name: String,
    pub version_id: i64,
    pub version_number: u32,
    pub endorsed_on: String,
    pub note: String,
}

/// An old and a new text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TextChange {
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DemandChangeKind {
    Added,
    Removed,
    /// Its words changed (it may also have moved: see `moved`).
    Changed,
    /// Same words, another place among the others.
    Moved,
}

/// One demand that differs between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DemandChange {
    pub kind: DemandChangeKind,
    pub key: i64,
    pub old_number: Option<u32>,
    pub new_number: Option<u32>,
    pub old_text: String,
    pub new_text: String,
    /// True when it changed place among the demands both versions have.
    pub moved: bool,
}

/// What changed from one version of a list to another, for the window to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DemandListDiff {
    pub from_version: u32,
    pub to_version: u32,
    pub title: Option<TextChange>,
    pub intro: Option<TextChange>,
    /// In the new version's order, removed demands last.
    pub changes: Vec<DemandChange>,
}

fn validate(input: DemandListInput) -> Result<DemandListInput> {
    let mut i = input;
    i.title = i.title.trim().to_owned();
    i.intro = i.intro.trim().to_owned();
    for d in &mut i.demands {
        d.text = d.text.trim().to_owned();
    }
    let mut problems = Vec::new();
    let mut problem =
        |field: String, message: String| problems.push(FieldProblem { field, message });
    if i.title.is_empty() {
        problem("title".into(), "A demand list needs a title.".into());
    }
    if i.demands.len() > MAX_DEMANDS {
        problem("demands".into(), format!("Keep to {MAX_DEMANDS} demands."));
    }
    let mut keys = HashSet::new();
    for (n, d) in i.demands.iter().enumerate() {
        if d.text.is_empty() {
            problem(
                format!("demands[{n}].text"),
                format!("Demand {} is empty. Write it or remove it.", n + 1),
            );
        }
        if let Some(k) = d.key {
            if !keys.insert(k) {
                problem(
                    format!("demands[{n}].key"),
                    format!("Demand {} repeats another demand's key {k}.", n + 1),
                );
            }
        }
    }
    let mut lens = Vec::new();
    check_len(&mut lens, "title", &i.title, MAX_LINE_BYTES);
    check_len(&mut lens, "intro", &i.intro, MAX_TEXT_BYTES);
    for (n, d) in i.demands.iter().enumerate() {
        check_len(
            &mut lens,
            &format!("demands[{n}].text"),
            &d.text,
            MAX_TEXT_BYTES,
        );
    }
    problems.extend(lens);
    if problems.is_empty() {
        Ok(i)
    } else {
        Err(Error::invalid(problems))
    }
}

fn read_version(db: &Database, id: i64) -> Result<DemandListVersion> {
    let head = db
        .conn()
        .prepare_cached("SELECT id, list_id, number, title, intro, created_at FROM demand_list_version WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(DemandListVersion {
                id: r.get(0)?,
                list_id: r.get(1)?,
                number: r.get(2)?,
                title: r.get(3)?,
                intro: r.get(4)?,
                created_at: r.get(5)?,
                demands: Vec::new(),
                language: String::new(),
                untranslated: 0,
                translations: Vec::new(),
            })
        })
        .optional()?
        .ok_or_else(|| Error::not_found(format!("There is no demand list version number {id}.")))?;
    let demands = db
        .conn()
        .prepare_cached(
            "SELECT demand_key, text FROM demand WHERE version_id = ?1 ORDER BY position",
        )?
        .query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .enumerate()
        .map(|(n, (key, text))| Demand {
            key,
            number: n as u32 + 1,
            text,
        })
        .collect();
    let translations = db
        .conn()
        .prepare_cached(
            "SELECT language FROM demand_list_translation WHERE version_id = ?1 ORDER BY language",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(DemandListVersion {
        demands,
        translations,
        ..head
    })
}

/// One version of a demand list, in its own words.
pub fn get_version(db: &Database, version_id: i64) -> Result<DemandListVersion> {
    read_version(db, version_id)
}

fn latest_version_id(db: &Database, list_id: i64) -> Result<i64> {
    db.conn()
        .query_row(
            "SELECT id FROM demand_list_version WHERE list_id = ?1 ORDER BY number DESC LIMIT 1",
            [list_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::not_found(format!("There is no demand list number {list_id}.")))
}

/// SQL telling whether a `demand_use` row `u` belongs to an announced event or
/// to a tour with an announced stop.
const ANNOUNCED: &str =
    "(EXISTS (SELECT 1 FROM event e WHERE e.id = u.event_id AND e.status <> 'draft')
    OR EXISTS (SELECT 1 FROM event s WHERE s.tour_id = u.tour_id AND s.status <> 'draft'))";

/// A demand list with its newest version and its uses.
pub fn get_demand_list(db: &Database, list_id: i64) -> Result<DemandList> {
    let latest = read_version(db, latest_version_id(db, list_id)?)?;
    let (created_at, updated_at) = db.conn().query_row(
        "SELECT created_at, updated_at FROM demand_list WHERE id = ?1",
        [list_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let version_ids = db
        .conn()
        .prepare_cached("SELECT id FROM demand_list_version WHERE list_id = ?1 ORDER BY number")?
        .query_map([list_id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    let uses = db
        .conn()
        .prepare(&format!(
            "SELECT u.event_id, u.tour_id, coalesce(e.title, t.title, ''), v.number, {ANNOUNCED}
             FROM demand_use u JOIN demand_list_version v ON v.id = u.version_id
             LEFT JOIN event e ON e.id = u.event_id LEFT JOIN tour t ON t.id = u.tour_id
             WHERE v.list_id = ?1 ORDER BY u.id"
        ))?
        .query_map([list_id], |r| {
            Ok(DemandUse {
                event_id: r.get(0)?,
                tour_id: r.get(1)?,
                title: r.get(2)?,
                version_number: r.get(3)?,
                announced: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(DemandList {
        id: list_id,
        latest,
        version_ids,
        uses,
        created_at,
        updated_at,
    })
}

/// Every demand list, by title.
pub fn list_demand_lists(db: &Database) -> Result<Vec<DemandListSummary>> {
    let mut stmt = db.conn().prepare_cached(
        "SELECT l.id, v.title, (SELECT count(*) FROM demand d WHERE d.version_id = v.id), v.number, l.updated_at
         FROM demand_list l JOIN demand_list_version v ON v.list_id = l.id
         WHERE v.number = (SELECT max(number) FROM demand_list_version WHERE list_id = l.id)
         ORDER BY v.title COLLATE NOCASE, l.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(DemandListSummary {
            id: r.get(0)?,
            title: r.get(1)?,
            demands: r.get(2)?,
            latest_version: r.get(3)?,
            updated_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn insert_demands(db: &Database, version_id: i64, demands: &[(i64, String)]) -> Result<()> {
    let mut stmt = db.conn().prepare_cached(
        "INSERT INTO demand (version_id, demand_key, position, text) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (position, (key, text)) in demands.iter().enumerate() {
        stmt.execute(params![version_id, key, position as i64, text])?;
    }
    Ok(())
}

/// Saves a new demand list as its version 1.
pub fn create_demand_list(db: &Database, input: DemandListInput) -> Result<DemandList> {
    let input = validate(input)?;
    if let Some(n) = input.demands.iter().position(|d| d.key.is_some()) {
        return Err(Error::invalid_field(
            &format!("demands[{n}].key"),
            "A new list's demands are new: leave their key empty.",
        ));
    }
    let now = crate::clock::now_text();
    let tx = Tx::begin(db)?;
    db.conn().execute(
        "INSERT INTO demand_list (created_at, updated_at) VALUES (?1, ?1)",
        [&now],
    )?;
    let list_id = db.conn().last_insert_rowid();
    db.conn().execute(
        "INSERT INTO demand_list_version (list_id, number, title, intro, created_at) VALUES (?1, 1, ?2, ?3, ?4)",
        params![list_id, input.title, input.intro, now],
    )?;
    let version_id = db.conn().last_insert_rowid();
    let demands: Vec<(i64, String)> = input
        .demands
        .into_iter()
        .enumerate()
        .map(|(n, d)| (n as i64 + 1, d.text))
        .collect();
    insert_demands(db, version_id, &demands)?;
    tx.commit()?;
    get_demand_list(db, list_id)
}

/// Whether a version must be kept as it is: an announced event or tour uses
/// it, or an organization endorsed it.
fn settled(db: &Database, version_id: i64) -> Result<bool> {
    Ok(db.conn().query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM demand_use u WHERE u.version_id = ?1 AND {ANNOUNCED})
                 OR EXISTS (SELECT 1 FROM endorsement WHERE version_id = ?1)"
        ),
        [version_id],
        |r| r.get(0),
    )?)
}

/// Changes a demand list's words and order. When the newest version is
/// settled (see the module's doc), a new version is made and the drafts that
/// used the old one move to it; otherwise the newest version is changed in
/// place. Demands keep their `key`; new ones get a new key. Saving the same
/// words again changes nothing.
pub fn update_demand_list(
    db: &Database,
    list_id: i64,
    input: DemandListInput,
) -> Result<DemandList> {
    let input = validate(input)?;
    let current = read_version(db, latest_version_id(db, list_id)?)?;
    let known: HashSet<i64> = current.demands.iter().map(|d| d.key).collect();
    for (n, d) in input.demands.iter().enumerate() {
        if let Some(k) = d.key.filter(|k| !known.contains(k)) {
            return Err(Error::invalid_field(
                &format!("demands[{n}].key"),
                format!("Demand {} names key {k}, which is not in the list's newest version. Reload the list.", n + 1),
            ));
        }
    }
    let same = input.title == current.title
        && input.intro == current.intro
        && input.demands.len() == current.demands.len()
        && input
            .demands
            .iter()
            .zip(&current.demands)
            .all(|(i, c)| i.key == Some(c.key) && i.text == c.text);
    if same {
        return get_demand_list(db, list_id);
    }
    let max_key: i64 = db.conn().query_row(
        "SELECT coalesce(max(d.demand_key), 0) FROM demand d JOIN demand_list_version v ON v.id = d.version_id WHERE v.list_id = ?1",
        [list_id],
        |r| r.get(0),
    )?;
    let mut next_key = max_key;
    let demands: Vec<(i64, String)> = input
        .demands
        .iter()
        .map(|d| {
            let key = d.key.unwrap_or_else(|| {
                next_key += 1;
                next_key
            });
            (key, d.text.clone())
        })
        .collect();
    let now = crate::clock::now_text();
    let tx = Tx::begin(db)?;
    if settled(db, current.id)? {
        db.conn().execute(
            "INSERT INTO demand_list_version (list_id, number, title, intro, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![list_id, current.number + 1, input.title, input.intro, now],
        )?;
        let new_id = db.conn().last_insert_rowid();
        insert_demands(db, new_id, &demands)?;
        // Translations carry over where the words they translate did not change.
        if input.title == current.title && input.intro == current.intro {
            db.conn().execute(
                "INSERT INTO demand_list_translation (version_id, language, title, intro)
                 SELECT ?1, language, title, intro FROM demand_list_translation WHERE version_id = ?2",
                params![new_id, current.id],
            )?;
        }
        db.conn().execute(
            "INSERT INTO demand_translation (demand_id, language, text)
             SELECT n.id, t.language, t.text FROM demand o
             JOIN demand n ON n.version_id = ?1 AND n.demand_key = o.demand_key AND n.text = o.text
             JOIN demand_translation t ON t.demand_id = o.id
             WHERE o.version_id = ?2",
            params![new_id, current.id],
        )?;
        db.conn().execute(
            &format!("UPDATE demand_use AS u SET version_id = ?1 WHERE u.version_id = ?2 AND NOT {ANNOUNCED}"),
            params![new_id, current.id],
        )?;
    } else {
        if input.title != current.title || input.intro != current.intro {
            db.conn().execute(
                "DELETE FROM demand_list_translation WHERE version_id = ?1",
                [current.id],
            )?;
        }
        db.conn().execute(
            "UPDATE demand_list_version SET title = ?1, intro = ?2 WHERE id = ?3",
            params![input.title, input.intro, current.id],
        )?;
        let texts: HashMap<i64, &str> = current
            .demands
            .iter()
            .map(|d| (d.key, d.text.as_str()))
            .collect();
        // Keep the rows (and translations) of demands whose words did not change.
        for d in &current.demands {
            let kept = demands
                .iter()
                .any(|(k, t)| *k == d.key && t == texts[&d.key]);
            if !kept {
                db.conn().execute(
                    "DELETE FROM demand WHERE version_id = ?1 AND demand_key = ?2",
                    params![current.id, d.key],
                )?;
            }
        }
        db.conn().execute(
            "UPDATE demand SET position = -1 - position WHERE version_id = ?1",
            [current.id],
        )?;
        for (position, (key, text)) in demands.iter().enumerate() {
            let moved = db.conn().execute(
                "UPDATE demand SET position = ?1 WHERE version_id = ?2 AND demand_key = ?3",
                params![position as i64, current.id, key],
            )?;
            if moved == 0 {
                db.conn().execute(
                    "INSERT INTO demand (version_id, demand_key, position, text) VALUES (?1, ?2, ?3, ?4)",
                    params![current.id, key, position as i64, text],
                )?;
            }
        }
    }
    db.conn().execute(
        "UPDATE demand_list SET updated_at = ?1 WHERE id = ?2",
        params![now, list_id],
    )?;
    tx.commit()?;
    get_demand_list(db, list_id)
}

/// Moves demand number `from` to number `to` (both from 1), for the keyboard
/// and for dragging; follows the same versioning as [`update_demand_list`].
pub fn move_demand(db: &Database, list_id: i64, from: u32, to: u32) -> Result<DemandList> {
    let current = read_version(db, latest_version_id(db, list_id)?)?;
    let n = current.demands.len() as u32;
    for (field, value) in [("from", from), ("to", to)] {
        if value < 1 || value > n {
            return Err(Error::invalid_field(
                field,
                format!("There is no demand number {value}: the list has {n} demands."),
            ));
        }
    }
    let mut demands: Vec<DemandInput> = current
        .demands
        .iter()
        .map(|d| DemandInput {
            key: Some(d.key),
            text: d.text.clone(),
        })
        .collect();
    let moved = demands.remove(from as usize - 1);
    demands.insert(to as usize - 1, moved);
    update_demand_list(
        db,
        list_id,
        DemandListInput {
            title: current.title,
            intro: current.intro,
            demands,
        },
    )
}

fn event_exists(db: &Database, table: &str, id: i64) -> Result<()> {
    let found: bool = db.conn().query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"),
        [id],
        |r| r.get(0),
    )?;
    if found {
        Ok(())
    } else {
        Err(Error::not_found(format!(
            "There is no {table} number {id}."
        )))
    }
}

fn attach(db: &Database, column: &str, id: i64, list_id: i64) -> Result<DemandListVersion> {
    event_exists(
        db,
        if column == "event_id" {
            "event"
        } else {
            "tour"
        },
        id,
    )?;
    let version_id = latest_version_id(db, list_id)?;
    let tx = Tx::begin(db)?;
    db.conn()
        .execute(&format!("DELETE FROM demand_use WHERE {column} = ?1"), [id])?;
    db.conn().execute(
        &format!("INSERT INTO demand_use ({column}, version_id) VALUES (?1, ?2)"),
        params![id, version_id],
    )?;
    tx.commit()?;
    read_version(db, version_id)
}

/// Attaches a demand list's newest version to an event (replacing any other list).
pub fn attach_demand_list(db: &Database, event_id: i64, list_id: i64) -> Result<DemandListVersion> {
    attach(db, "event_id", event_id, list_id)
}

/// Attaches a demand list's newest version to a tour; its stops carry it unless they have their own.
pub fn attach_tour_demand_list(
    db: &Database,
    tour_id: i64,
    list_id: i64,
) -> Result<DemandListVersion> {
    attach(db, "tour_id", tour_id, list_id)
}

/// Takes the demand list off an event.
pub fn detach_demand_list(db: &Database, event_id: i64) -> Result<()> {
    event_exists(db, "event", event_id)?;
    db.conn()
        .execute("DELETE FROM demand_use WHERE event_id = ?1", [event_id])?;
    Ok(())
}

/// Takes the demand list off a tour.
pub fn detach_tour_demand_list(db: &Database, tour_id: i64) -> Result<()> {
    event_exists(db, "tour", tour_id)?;
    db.conn()
        .execute("DELETE FROM demand_use WHERE tour_id = ?1", [tour_id])?;
    Ok(())
}

fn used_version(db: &Database, column: &str, id: i64) -> Result<Option<i64>> {
    Ok(db
        .conn()
        .query_row(
            &format!("SELECT version_id FROM demand_use WHERE {column} = ?1"),
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The version of a demand list an event carries: its own, else its tour's.
pub fn demand_list_for_event(db: &Database, event_id: i64) -> Result<Option<DemandListVersion>> {
    let tour_id: Option<i64> = db
        .conn()
        .query_row("SELECT tour_id FROM event WHERE id = ?1", [event_id], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| Error::not_found(format!("There is no event number {event_id}.")))?;
    let version = match used_version(db, "event_id", event_id)? {
        Some(v) => Some(v),
        None => match tour_id {
            Some(t) => used_version(db, "tour_id", t)?,
            None => None,
        },
    };
    version.map(|v| read_version(db, v)).transpose()
}

/// The version of a demand list a tour carries.
pub fn demand_list_for_tour(db: &Database, tour_id: i64) -> Result<Option<DemandListVersion>> {
    event_exists(db, "tour", tour_id)?;
    used_version(db, "tour_id", tour_id)?
        .map(|v| read_version(db, v))
        .transpose()
}

fn to_latest(db: &Database, column: &str, id: i64) -> Result<Option<DemandListVersion>> {
    let Some(version_id) = used_version(db, column, id)? else {
        return Ok(None);
    };
    let list_id: i64 = db.conn().query_row(
        "SELECT list_id FROM demand_list_version WHERE id = ?1",
        [version_id],
        |r| r.get(0),
    )?;
    let latest = latest_version_id(db, list_id)?;
    db.conn().execute(
        &format!("UPDATE demand_use SET version_id = ?1 WHERE {column} = ?2"),
        params![latest, id],
    )?;
    Ok(Some(read_version(db, latest)?))
}

/// Moves an event on to the newest version of its demand list. Returns the
/// version it now carries (None when it has no list of its own).
pub fn move_to_latest(db: &Database, event_id: i64) -> Result<Option<DemandListVersion>> {
    event_exists(db, "event", event_id)?;
    to_latest(db, "event_id", event_id)
}

/// Moves a tour on to the newest version of its demand list.
pub fn move_tour_to_latest(db: &Database, tour_id: i64) -> Result<Option<DemandListVersion>> {
    event_exists(db, "tour", tour_id)?;
    to_latest(db, "tour_id", tour_id)
}

/// The longest run of `b`'s keys that appear in `a` in the same order.
fn in_order(a: &[i64], b: &[i64]) -> HashSet<i64> {
    let (n, m) = (a.len(), b.len());
    let mut t = vec![vec![0u16; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i][j] = if a[i] == b[j] {
                t[i + 1][j + 1] + 1
            } else {
                t[i + 1][j].max(t[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, HashSet::new());
    while i < n && j < m {
        if a[i] == b[j] {
            out.insert(a[i]);
            i += 1;
            j += 1;
        } else if t[i + 1][j] >= t[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// What changed between two versions of the same list: title, intro, and each
/// demand added, removed, changed or moved.
pub fn diff_versions(
    db: &Database,
    from_version_id: i64,
    to_version_id: i64,
) -> Result<DemandListDiff> {
    let a = read_version(db, from_version_id)?;
    let b = read_version(db, to_version_id)?;
    if a.list_id != b.list_id {
        return Err(Error::invalid_field(
            "to_version_id",
            "These versions belong to two different demand lists; compare versions of one list.",
        ));
    }
    let a_keys: HashMap<i64, &Demand> = a.demands.iter().map(|d| (d.key, d)).collect();
    let b_keys: HashSet<i64> = b.demands.iter().map(|d| d.key).collect();
    let common_a: Vec<i64> = a
        .demands
        .iter()
        .map(|d| d.key)
        .filter(|k| b_keys.contains(k))
        .collect();
    let common_b: Vec<i64> = b
        .demands
        .iter()
        .map(|d| d.key)
        .filter(|k| a_keys.contains_key(k))
        .collect();
    let steady = in_order(&common_a, &common_b);
    let mut changes = Vec::new();
    for d in &b.demands {
        match a_keys.get(&d.key) {
            None => changes.push(DemandChange {
                kind: DemandChangeKind::Added,
                key: d.key,
                old_number: None,
                new_number: Some(d.number),
                old_text: String::new(),
                new_text: d.text.clone(),
                moved: false,
            }),
            Some(old) => {
                let moved = !steady.contains(&d.key);
                let kind = if old.text != d.text {
                    DemandChangeKind::Changed
                } else if moved {
                    DemandChangeKind::Moved
                } else {
                    continue;
                };
                changes.push(DemandChange {
                    kind,
                    key: d.key,
                    old_number: Some(old.number),
                    new_number: Some(d.number),
                    old_text: old.text.clone(),
                    new_text: d.text.clone(),
                    moved,
                });
            }
        }
    }
    for d in a.demands.iter().filter(|d| !b_keys.contains(&d.key)) {
        changes.push(DemandChange {
            kind: DemandChangeKind::Removed,
            key: d.key,
            old_number: Some(d.number),
            new_number: None,
            old_text: d.text.clone(),
            new_text: String::new(),
            moved: false,
        });
    }
    let change = |old: &str, new: &str| {
        (old != new).then(|| TextChange {
            old: old.to_owned(),
            new: new.to_owned(),
        })
    };
    Ok(DemandListDiff {
        from_version: a.number,
        to_version: b.number,
        title: change(&a.title, &b.title),
        intro: change(&a.intro, &b.intro),
        changes,
    })
}

/// Records (or replaces) an organization's endorsement of a version. The
/// version is settled from then on: editing the list makes a new one.
pub fn endorse(
    db: &Database,
    organization_id: i64,
    version_id: i64,
    date: &str,
    note: &str,
) -> Result<Endorsement> {
    get_organization(db, organization_id)?;
    read_version(db, version_id)?;
    let date = super::date_or_today("date", date)?;
    let mut problems = Vec::new();
    check_len(&mut problems, "note", note, MAX_TEXT_BYTES);
    if !problems.is_empty() {
        return Err(Error::invalid(problems));
    }
    db.conn().execute(
        "INSERT INTO endorsement (organization_id, version_id, endorsed_on, note) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (organization_id, version_id) DO UPDATE SET endorsed_on = excluded.endorsed_on, note = excluded.note",
        params![organization_id, version_id, date, note.trim()],
    )?;
    endorsements(db, version_id)?
        .into_iter()
        .find(|e| e.organization_id == organization_id)
        .ok_or_else(|| Error::internal("The endorsement was saved but cannot be read back."))
}

/// The organizations that endorsed a version, by name.
pub fn endorsements(db: &Database, version_id: i64) -> Result<Vec<Endorsement>> {
    read_version(db, version_id)?;
    let mut stmt = db.conn().prepare_cached(
        "SELECT e.organization_id, o.name, e.version_id, v.number, e.endorsed_on, e.note
         FROM endorsement e JOIN organization o ON o.id = e.organization_id
         JOIN demand_list_version v ON v.id = e.version_id
         WHERE e.version_id = ?1 ORDER BY o.name COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([version_id], |r| {
        Ok(Endorsement {
            organization_id: r.get(0)?,
            organization_name: r.get(1)?,
            version_id: r.get(2)?,
            version_number: r.get(3)?,
            endorsed_on: r.get(4)?,
            note: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Saves a version's words in another language, side by side with its own.
/// Translating does not change what the list says, so it is allowed on any
/// version, settled or not. Empty texts are left untranslated.
pub fn set_translation(
    db: &Database,
    version_id: i64,
    input: TranslationInput,
) -> Result<DemandListVersion> {
    let version = read_version(db, version_id)?;
    let language = input.language.trim();
    if language.is_empty()
        || language.len() > 35
        || language_tags::LanguageTag::parse(language).is_err()
    {
        return Err(Error::invalid_field(
            "language",
            format!(
                "“{}” is not a language tag. Use one such as es, fr or pt-BR.",
                language.chars().take(40).collect::<String>()
            ),
        ));
    }
    if input.demands.len() > version.demands.len() {
        return Err(Error::invalid_field(
            "demands",
            format!("The translation has {} demands but the list has {}. Translate each demand in its place.", input.demands.len(), version.demands.len()),
        ));
    }
    let mut problems = Vec::new();
    check_len(&mut problems, "title", &input.title, MAX_LINE_BYTES);
    check_len(&mut problems, "intro", &input.intro, MAX_TEXT_BYTES);
    for (n, t) in input.demands.iter().enumerate() {
        check_len(&mut problems, &format!("demands[{n}]"), t, MAX_TEXT_BYTES);
    }
    if !problems.is_empty() {
        return Err(Error::invalid(problems));
    }
    let tx = Tx::begin(db)?;
    db.conn().execute(
        "INSERT INTO demand_list_translation (version_id, language, title, intro) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (version_id, language) DO UPDATE SET title = excluded.title, intro = excluded.intro",
        params![version_id, language, input.title.trim(), input.intro.trim()],
    )?;
    for (n, text) in input.demands.iter().enumerate() {
        let key = version.demands[n].key;
        let demand_id: i64 = db.conn().query_row(
            "SELECT id FROM demand WHERE version_id = ?1 AND demand_key = ?2",
            params![version_id, key],
            |r| r.get(0),
        )?;
        if text.trim().is_empty() {
            db.conn().execute(
                "DELETE FROM demand_translation WHERE demand_id = ?1 AND language = ?2",
                params![demand_id, language],
            )?;
        } else {
            db.conn().execute(
                "INSERT INTO demand_translation (demand_id, language, text) VALUES (?1, ?2, ?3)
                 ON CONFLICT (demand_id, language) DO UPDATE SET text = excluded.text",
                params![demand_id, language, text.trim()],
            )?;
        }
    }
    tx.commit()?;
    version_in_language(db, version_id, language)
}

/// A version in `language`: each text in its translation where there is one,
/// else in the list's own words (counted in `untranslated`). A language the
/// version has no translation for at all gives its own words (`language` empty).
/// `es-MX` falls back to `es` before the list's own words.
pub fn version_in_language(
    db: &Database,
    version_id: i64,
    language: &str,
) -> Result<DemandListVersion> {
    let mut v = read_version(db, version_id)?;
    let wanted = language.trim();
    let primary = wanted.split('-').next().unwrap_or("");
    let Some(lang) = v
        .translations
        .iter()
        .find(|t| t.eq_ignore_ascii_case(wanted))
        .or_else(|| {
            v.translations
                .iter()
                .find(|t| t.eq_ignore_ascii_case(primary))
        })
        .cloned()
    else {
        return Ok(v);
    };
    let (title, intro): (String, String) = db.conn().query_row(
        "SELECT title, intro FROM demand_list_translation WHERE version_id = ?1 AND language = ?2",
        params![version_id, lang],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut untranslated = 0;
    let mut pick = |own: &mut String, translated: String| {
        if translated.is_empty() {
            if !own.is_empty() {
                untranslated += 1;
            }
        } else {
            *own = translated;
        }
    };
    pick(&mut v.title, title);
    pick(&mut v.intro, intro);
    let mut stmt = db.conn().prepare_cached(
        "SELECT t.text FROM demand d JOIN demand_translation t ON t.demand_id = d.id AND t.language = ?3
         WHERE d.version_id = ?1 AND d.demand_key = ?2",
    )?;
    for d in &mut v.demands {
        let text: Option<String> = stmt
            .query_row(params![version_id, d.key, lang], |r| r.get(0))
            .optional()?;
        pick(&mut d.text, text.unwrap_or_default());
    }
    v.untranslated = untranslated;
    v.language = lang;
    Ok(v)
}
