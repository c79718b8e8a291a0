//! Co-sponsorship: an organization's part in an event or a tour, from
//! prospect to asked (when, through whom) to confirmed, declined or withdrawn.
//! Each step is kept (append-only) with its date, contact and note. Confirmed
//! co-sponsors are listed in the order the organizer sets, with whether their
//! logo may be printed; a tour's confirmed co-sponsors stand behind each stop.
//!
//! Allowed steps (anything else is refused with the reason):
//! - a new co-sponsorship starts as prospect, asked, confirmed or declined;
//! - prospect → asked, confirmed, declined;
//! - asked → asked (asked again, a reminder), confirmed, declined;
//! - confirmed → withdrawn;
//! - declined or withdrawn → asked (asked again later), confirmed.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::organizations::{get_contact, get_organization};
use crate::db::Database;
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::events::MAX_TEXT_BYTES;

/// Where a co-sponsorship stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CosponsorStatus {
    /// An organization the branch means to ask.
    Prospect,
    Asked,
    Confirmed,
    Declined,
    /// Confirmed, then pulled out.
    Withdrawn,
}

impl CosponsorStatus {
    pub const ALL: [CosponsorStatus; 5] = [
        CosponsorStatus::Prospect,
        CosponsorStatus::Asked,
        CosponsorStatus::Confirmed,
        CosponsorStatus::Declined,
        CosponsorStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CosponsorStatus::Prospect => "prospect",
            CosponsorStatus::Asked => "asked",
            CosponsorStatus::Confirmed => "confirmed",
            CosponsorStatus::Declined => "declined",
            CosponsorStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<CosponsorStatus> {
        CosponsorStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    /// The steps a co-sponsorship at this status may take next, in `ALL`'s
    /// order: the buttons the window offers (the rule is [`Self::refusal_from`]'s).
    pub fn next_steps(self) -> Vec<CosponsorStatus> {
        CosponsorStatus::ALL
            .into_iter()
            .filter(|to| to.refusal_from(Some(self)).is_none())
            .collect()
    }

    /// Whether a co-sponsorship may go from `from` (None: it does not exist yet) to `self`,
    /// and if not, why — as a sentence for the organizer.
    pub fn refusal_from(self, from: Option<CosponsorStatus>) -> Option<String> {
        use CosponsorStatus::*;
        let ok = matches!(
            (from, self),
            (None, Prospect | Asked | Confirmed | Declined)
                | (Some(Prospect), Asked | Confirmed | Declined)
                | (Some(Asked), Asked | Confirmed | Declined)
                | (Some(Confirmed), Withdrawn)
                | (Some(Declined | Withdrawn), Asked | Confirmed)
        );
        if ok {
            return None;
        }
        Some(match (from, self) {
            (_, Withdrawn) => "Only a confirmed co-sponsor can withdraw. Mark it declined if it said no before confirming.".into(),
            (Some(_), Prospect) => "A co-sponsorship cannot go back to prospect; its steps are kept. Mark it asked to ask again.".into(),
            (Some(Confirmed), Confirmed) => "This organization has already confirmed.".into(),
            (Some(Confirmed), _) => "A confirmed co-sponsor can only withdraw. Record that it withdrew first.".into(),
            (Some(Declined), Declined) => "This organization has already declined.".into(),
            (Some(Withdrawn), Declined) => "This organization has withdrawn; mark it asked to ask again.".into(),
            (from, to) => format!(
                "A co-sponsorship cannot go from {} to {}.",
                from.map(|f| f.as_str()).unwrap_or("nothing"),
                to.as_str()
            ),
        })
    }
}

/// What an organization co-sponsors: one event, or a whole tour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum CosponsorTarget {
    Event(i64),
    Tour(i64),
}

impl CosponsorTarget {
    fn ids(self) -> (Option<i64>, Option<i64>) {
        match self {
            CosponsorTarget::Event(id) => (Some(id), None),
            CosponsorTarget::Tour(id) => (None, Some(id)),
        }
    }

    /// Its title, or not-found.
    fn title(self, db: &Database) -> Result<String> {
        let (table, id, what) = match self {
            CosponsorTarget::Event(id) => ("event", id, "event"),
            CosponsorTarget::Tour(id) => ("tour", id, "tour"),
        };
        db.conn()
            .query_row(
                &format!("SELECT title FROM {table} WHERE id = ?1"),
                [id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| Error::not_found(format!("There is no {what} number {id}.")))
    }
}

/// One step of a co-sponsorship, as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CosponsorshipStep {
    pub id: i64,
    pub status: CosponsorStatus,
    /// The day it happened, as the organizer gave it (`YYYY-MM-DD`).
    pub on_date: String,
    /// The contact it went through, while that contact is kept.
    pub contact_id: Option<i64>,
    /// The contact's name at the time (kept even if the contact is removed).
    pub contact_name: String,
    pub note: String,
    /// When it was recorded (RFC 3339, UTC).
    pub recorded_at: String,
}

/// An organization's part in an event or tour, with every step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Cosponsorship {
    pub id: i64,
    pub organization_id: i64,
    pub organization_name: String,
    pub target: CosponsorTarget,
    /// The event's or tour's title.
    pub target_title: String,
    /// The event's start date (the tour's first dated stop), or empty.
    pub target_date: String,
    pub status: CosponsorStatus,
    /// The steps it may take next (from [`CosponsorStatus::next_steps`]).
    pub next_steps: Vec<CosponsorStatus>,
    /// Whether the organization lets the branch print its logo.
    pub logo_permitted: bool,
    /// Place among the confirmed co-sponsors (from 0); meaningless otherwise.
    pub position: u32,
    /// Oldest first.
    pub steps: Vec<CosponsorshipStep>,
}

/// A step the organizer records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StepInput {
    pub status: CosponsorStatus,
    /// The organization's contact person it went through, if any.
    #[serde(default)]
    pub contact_id: Option<i64>,
    #[serde(default)]
    pub note: String,
    /// `YYYY-MM-DD`; empty: today.
    #[serde(default)]
    pub date: String,
}

/// A confirmed co-sponsor as a flyer, an email or a listing names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Cosponsor {
    pub organization_id: i64,
    pub name: String,
    pub short_name: String,
    pub website: String,
    pub logo_permitted: bool,
    pub has_logo: bool,
    /// True when it co-sponsors the whole tour this stop belongs to.
    pub via_tour: bool,
}

/// Which rows the coalition board shows; None shows all.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct BoardFilter {
    pub status: Option<CosponsorStatus>,
    pub event_id: Option<i64>,
    pub tour_id: Option<i64>,
    pub organization_id: Option<i64>,
}

/// One cell of the coalition board: an organization and an event or tour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BoardRow {
    pub cosponsorship_id: i64,
    pub organization_id: i64,
    pub organization_name: String,
    pub target: CosponsorTarget,
    pub target_title: String,
    pub target_date: String,
    pub status: CosponsorStatus,
    /// The date of the latest step.
    pub last_step_on: String,
    pub logo_permitted: bool,
}

const SELECT: &str = "SELECT c.id, c.organization_id, o.name, c.event_id, c.tour_id,
        coalesce(e.title, t.title, '') AS target_title,
        coalesce(e.start_date, (SELECT min(s.start_date) FROM event s WHERE s.tour_id = t.id AND s.start_date <> ''), '') AS target_date,
        c.status, c.logo_permitted, c.position,
        coalesce((SELECT on_date FROM cosponsorship_step WHERE cosponsorship_id = c.id ORDER BY id DESC LIMIT 1), '')
    FROM cosponsorship c
    JOIN organization o ON o.id = c.organization_id
    LEFT JOIN event e ON e.id = c.event_id
    LEFT JOIN tour t ON t.id = c.tour_id";

fn read_board(r: &rusqlite::Row<'_>) -> rusqlite::Result<BoardRow> {
    let event_id: Option<i64> = r.get(3)?;
    let tour_id: Option<i64> = r.get(4)?;
    let status: String = r.get(7)?;
    Ok(BoardRow {
        cosponsorship_id: r.get(0)?,
        organization_id: r.get(1)?,
        organization_name: r.get(2)?,
        target: match (event_id, tour_id) {
            (Some(id), _) => CosponsorTarget::Event(id),
            (None, id) => CosponsorTarget::Tour(id.unwrap_or_default()),
        },
        target_title: r.get(5)?,
        target_date: r.get(6)?,
        status: CosponsorStatus::parse(&status).unwrap_or(CosponsorStatus::Prospect),
        logo_permitted: r.get(8)?,
        last_step_on: r.get(10)?,
    })
}

fn steps_of(db: &Database, id: i64) -> Result<Vec<CosponsorshipStep>> {
    let mut stmt = db.conn().prepare_cached(
        "SELECT id, status, on_date, contact_id, contact_name, note, recorded_at FROM cosponsorship_step
         WHERE cosponsorship_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| {
        let status: String = r.get(1)?;
        Ok(CosponsorshipStep {
            id: r.get(0)?,
            status: CosponsorStatus::parse(&status).unwrap_or(CosponsorStatus::Prospect),
            on_date: r.get(2)?,
            contact_id: r.get(3)?,
            contact_name: r.get(4)?,
            note: r.get(5)?,
            recorded_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn detailed(db: &Database, sql_rest: &str, p: impl rusqlite::Params) -> Result<Vec<Cosponsorship>> {
    let mut stmt = db.conn().prepare(&format!("{SELECT} {sql_rest}"))?;
    let rows = stmt
        .query_map(p, |r| Ok((read_board(r)?, r.get::<_, u32>(9)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(b, position)| {
            Ok(Cosponsorship {
                steps: steps_of(db, b.cosponsorship_id)?,
                id: b.cosponsorship_id,
                organization_id: b.organization_id,
                organization_name: b.organization_name,
                target: b.target,
                target_title: b.target_title,
                target_date: b.target_date,
                next_steps: b.status.next_steps(),
                status: b.status,
                logo_permitted: b.logo_permitted,
                position,
            })
        })
        .collect()
}

fn find(
    db: &Database,
    target: CosponsorTarget,
    organization_id: i64,
) -> Result<Option<(i64, CosponsorStatus)>> {
    let (event_id, tour_id) = target.ids();
    let row: Option<(i64, String)> = db
        .conn()
        .query_row(
            "SELECT id, status FROM cosponsorship WHERE organization_id = ?1 AND event_id IS ?2 AND tour_id IS ?3",
            params![organization_id, event_id, tour_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.map(|(id, s)| {
        (
            id,
            CosponsorStatus::parse(&s).unwrap_or(CosponsorStatus::Prospect),
        )
    }))
}

fn next_position(db: &Database, target: CosponsorTarget) -> Result<i64> {
    let (event_id, tour_id) = target.ids();
    Ok(db.conn().query_row(
        "SELECT coalesce(max(position) + 1, 0) FROM cosponsorship
         WHERE status = 'confirmed' AND event_id IS ?1 AND tour_id IS ?2",
        params![event_id, tour_id],
        |r| r.get(0),
    )?)
}

/// Records a step of an organization's co-sponsorship of an event or tour,
/// starting the co-sponsorship if there is none. Refuses a step the rules at
/// the top of this module do not allow, a contact of another organization, and
/// a date that is not a date; then nothing changes. A newly confirmed
/// co-sponsor goes last in the order.
pub fn set_cosponsor_status(
    db: &Database,
    target: CosponsorTarget,
    organization_id: i64,
    step: StepInput,
) -> Result<Cosponsorship> {
    let org = get_organization(db, organization_id)?;
    target.title(db)?;
    let date = super::date_or_today("date", &step.date)?;
    let mut problems = Vec::new();
    crate::events::venues::check_len(&mut problems, "note", &step.note, MAX_TEXT_BYTES);
    if !problems.is_empty() {
        return Err(Error::invalid(problems));
    }
    let contact = match step.contact_id {
        Some(cid) => {
            let c = get_contact(db, cid).map_err(|_| {
                Error::invalid_field(
                    "contact_id",
                    format!("There is no contact person number {cid}."),
                )
            })?;
            if c.organization_id != organization_id {
                return Err(Error::invalid_field(
                    "contact_id",
                    format!(
                        "{} is not a contact of {}. Choose one of its own contacts.",
                        c.name, org.name
                    ),
                ));
            }
            Some(c)
        }
        None => None,
    };
    let existing = find(db, target, organization_id)?;
    if let Some(reason) = step.status.refusal_from(existing.map(|e| e.1)) {
        return Err(Error::invalid_field(
            "status",
            format!(
                "{} ({}: {} → {}.)",
                reason,
                org.name,
                existing.map(|e| e.1.as_str()).unwrap_or("new"),
                step.status.as_str()
            ),
        ));
    }
    let now = crate::clock::now_text();
    let tx = Tx::begin(db)?;
    let position = if step.status == CosponsorStatus::Confirmed {
        Some(next_position(db, target)?)
    } else {
        None
    };
    let id = match existing {
        Some((id, _)) => {
            db.conn().execute(
                "UPDATE cosponsorship SET status = ?1, position = coalesce(?2, position), updated_at = ?3 WHERE id = ?4",
                params![step.status.as_str(), position, now, id],
            )?;
            id
        }
        None => {
            let (event_id, tour_id) = target.ids();
            db.conn().execute(
                "INSERT INTO cosponsorship (organization_id, event_id, tour_id, status, position, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![organization_id, event_id, tour_id, step.status.as_str(), position.unwrap_or(0), now],
            )?;
            db.conn().last_insert_rowid()
        }
    };
    db.conn().execute(
        "INSERT INTO cosponsorship_step (cosponsorship_id, status, on_date, contact_id, contact_name, note, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, step.status.as_str(), date, contact.as_ref().map(|c| c.id), contact.as_ref().map(|c| c.name.as_str()).unwrap_or(""), step.note.trim(), now],
    )?;
    tx.commit()?;
    get_cosponsorship(db, id)
}

/// One co-sponsorship with its steps.
pub fn get_cosponsorship(db: &Database, id: i64) -> Result<Cosponsorship> {
    detailed(db, "WHERE c.id = ?1", [id])?
        .pop()
        .ok_or_else(|| Error::not_found(format!("There is no co-sponsorship number {id}.")))
}

/// Every organization's part in one event or tour: confirmed first in their
/// order, then the others by organization name.
pub fn cosponsorships_for(db: &Database, target: CosponsorTarget) -> Result<Vec<Cosponsorship>> {
    target.title(db)?;
    let (event_id, tour_id) = target.ids();
    detailed(
        db,
        "WHERE c.event_id IS ?1 AND c.tour_id IS ?2
         ORDER BY c.status <> 'confirmed', CASE WHEN c.status = 'confirmed' THEN c.position END, o.name COLLATE NOCASE",
        params![event_id, tour_id],
    )
}

/// Says whether the branch may print the organization's logo for this event or tour.
pub fn set_logo_permitted(
    db: &Database,
    cosponsorship_id: i64,
    permitted: bool,
) -> Result<Cosponsorship> {
    get_cosponsorship(db, cosponsorship_id)?;
    db.conn().execute(
        "UPDATE cosponsorship SET logo_permitted = ?1, updated_at = ?2 WHERE id = ?3",
        params![permitted, crate::clock::now_text(), cosponsorship_id],
    )?;
    get_cosponsorship(db, cosponsorship_id)
}

/// Sets the order of an event's or tour's confirmed co-sponsors: `organization_ids`
/// must name each confirmed co-sponsor exactly once.
pub fn reorder_cosponsors(
    db: &Database,
    target: CosponsorTarget,
    organization_ids: &[i64],
) -> Result<Vec<Cosponsorship>> {
    let confirmed: Vec<Cosponsorship> = cosponsorships_for(db, target)?
        .into_iter()
        .filter(|c| c.status == CosponsorStatus::Confirmed)
        .collect();
    let mut given = organization_ids.to_vec();
    given.sort_unstable();
    let mut have: Vec<i64> = confirmed.iter().map(|c| c.organization_id).collect();
    have.sort_unstable();
    if given != have {
        return Err(Error::invalid_field(
            "organization_ids",
            format!(
                "Give each of the {} confirmed co-sponsors exactly once ({}). The list may have changed: reload it.",
                confirmed.len(),
                confirmed.iter().map(|c| c.organization_name.as_str()).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    let tx = Tx::begin(db)?;
    for (position, org) in organization_ids.iter().enumerate() {
        let id = confirmed
            .iter()
            .find(|c| c.organization_id == *org)
            .map(|c| c.id);
        db.conn().execute(
            "UPDATE cosponsorship SET position = ?1 WHERE id = ?2",
            params![position as i64, id],
        )?;
    }
    tx.commit()?;
    cosponsorships_for(db, target)
}

fn cosponsors_of(db: &Database, target: CosponsorTarget, via_tour: bool) -> Result<Vec<Cosponsor>> {
    let (event_id, tour_id) = target.ids();
    let mut stmt = db.conn().prepare_cached(
        "SELECT o.id, o.name, o.short_name, o.website, c.logo_permitted, o.logo IS NOT NULL
         FROM cosponsorship c JOIN organization o ON o.id = c.organization_id
         WHERE c.status = 'confirmed' AND c.event_id IS ?1 AND c.tour_id IS ?2 ORDER BY c.position, c.id",
    )?;
    let rows = stmt.query_map(params![event_id, tour_id], |r| {
        Ok(Cosponsor {
            organization_id: r.get(0)?,
            name: r.get(1)?,
            short_name: r.get(2)?,
            website: r.get(3)?,
            logo_permitted: r.get(4)?,
            has_logo: r.get(5)?,
            via_tour,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The confirmed co-sponsors of an event in the order the organizer set, for
/// flyers, emails and listings. A tour stop also names the tour's confirmed
/// co-sponsors, after its own (each organization once).
pub fn confirmed_cosponsors(db: &Database, event_id: i64) -> Result<Vec<Cosponsor>> {
    let tour_id: Option<Option<i64>> = db
        .conn()
        .query_row("SELECT tour_id FROM event WHERE id = ?1", [event_id], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(tour_id) = tour_id else {
        return Err(Error::not_found(format!(
            "There is no event number {event_id}."
        )));
    };
    let mut out = cosponsors_of(db, CosponsorTarget::Event(event_id), false)?;
    if let Some(tour_id) = tour_id {
        for c in cosponsors_of(db, CosponsorTarget::Tour(tour_id), true)? {
            if !out.iter().any(|o| o.organization_id == c.organization_id) {
                out.push(c);
            }
        }
    }
    Ok(out)
}

/// The confirmed co-sponsors of a tour as a whole, in order.
pub fn confirmed_tour_cosponsors(db: &Database, tour_id: i64) -> Result<Vec<Cosponsor>> {
    CosponsorTarget::Tour(tour_id).title(db)?;
    cosponsors_of(db, CosponsorTarget::Tour(tour_id), true)
}

/// The coalition board: every organization's part in every event and tour,
/// narrowed by `filter`, by date (undated last), then organization name.
pub fn coalition_board(db: &Database, filter: &BoardFilter) -> Result<Vec<BoardRow>> {
    let sql = format!(
        "{SELECT} WHERE (?1 IS NULL OR c.status = ?1) AND (?2 IS NULL OR c.event_id = ?2)
           AND (?3 IS NULL OR c.tour_id = ?3) AND (?4 IS NULL OR c.organization_id = ?4)
         ORDER BY target_date = '', target_date, target_title COLLATE NOCASE, o.name COLLATE NOCASE"
    );
    let mut stmt = db.conn().prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            filter.status.map(|s| s.as_str()),
            filter.event_id,
            filter.tour_id,
            filter.organization_id
        ],
        read_board,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An organization's history with the branch: every event and tour it was
/// part of, with every step, most recent event first.
pub fn organization_history(db: &Database, organization_id: i64) -> Result<Vec<Cosponsorship>> {
    get_organization(db, organization_id)?;
    detailed(
        db,
        "WHERE c.organization_id = ?1 ORDER BY target_date = '', target_date DESC, c.id DESC",
        [organization_id],
    )
}
