//! Attendance: who came to an event, from the paper sign-in sheet typed in
//! row by row or from a door form's CSV. Each row records the person as
//! having attended; a ticked "Email me about future events" box is an opt-in
//! with its evidence ("sign-in sheet, EVENT, row N") on the list the
//! organizer chose, and an unticked one records attendance only. An opt-out
//! on record still wins: someone who unsubscribed, bounced or complained is
//! not put back by a tick at the door (the organizer is told, and can record
//! a spoken request in the person's panel). It also answers what the event's
//! page shows: who came, how many were new, and who came last time but not
//! this time.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::import::columns::{consent_of, detect_mapping};
use super::import::decode::{parse, reader, Count};
use super::import::Field;
use super::lists;
use super::subscribers::{
    self, change, ledger_status, normalize_phone, suppression, ConsentStatus, OptOutScope,
    StandingChange, SubscriberInput,
};
use crate::clock::now_text;
use crate::db::{Database, Tx};
use crate::email::normalize_email;
use crate::error::{short, Error, FieldProblem, Result};
use crate::events::{self, Event};

/// The longest name, phone or ZIP kept from a sheet row.
const MAX_FIELD: usize = 200;
/// The most rows one CSV of a door form may have.
pub const MAX_SHEET_ROWS: usize = 20_000;
/// Known people offered while a name or address is typed.
const SUGGESTIONS: usize = 6;

/// One row of the sign-in sheet as written at the door.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SignInRow {
    /// The row's number on the paper sheet (or the CSV line); 0 numbers it next.
    pub row: u32,
    pub name: String,
    /// May be empty: the person is then kept by name (and phone) only.
    pub email: String,
    pub phone: String,
    pub postal_code: String,
    /// The box "Email me about future events" was ticked.
    pub wants_mail: bool,
}

/// Recording one sheet row: the event (and, for a meeting of a series, the
/// date of that meeting), and the list a ticked box subscribes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SignIn {
    pub event_id: i64,
    /// The date (`YYYY-MM-DD`) of one meeting of a repeating series; empty for a single event.
    #[serde(default)]
    pub occurrence: String,
    /// The list a ticked box puts the person on; none records attendance only.
    pub list_id: Option<i64>,
    pub row: SignInRow,
}

/// What recording one row did, in words the organizer reads at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SignInResult {
    /// First known to the branch now; with the box ticked, on the list.
    New,
    /// Known before.
    Returning,
}

/// What happened to one row's ticked box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MailChoice {
    /// The box was not ticked: attendance only, nothing mailed.
    NotAsked,
    /// Ticked: now subscribed to the chosen list, the row as evidence.
    Subscribed,
    /// Ticked, and already subscribed to the list.
    AlreadySubscribed,
    /// Ticked, but an opt-out on record stands: not mailed.
    KeptOff,
    /// Ticked, but no address was written (or no list chosen): nothing to subscribe.
    NoAddress,
}

/// One recorded row, as the Sign-in view lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Attendee {
    pub row: u32,
    pub subscriber_id: Option<i64>,
    pub name: String,
    pub email: String,
    pub result: SignInResult,
    pub mail: MailChoice,
    /// A sentence for the organizer, such as why the person stays off the list.
    pub note: String,
}

/// A person who came to an earlier occasion but not to this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Absent {
    pub subscriber_id: Option<i64>,
    pub name: String,
    pub email: String,
}

/// Who came to one occasion of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EventAttendance {
    pub event_id: i64,
    pub occurrence: String,
    pub title: String,
    /// Everyone who signed in, in sheet order.
    pub came: Vec<Attendee>,
    /// How many of them were new to the branch.
    pub new_people: u32,
    /// The occasion before this one ("last time"): its title and date; empty when none.
    pub last_time: String,
    /// Those who came last time but not this time.
    pub missed: Vec<Absent>,
    /// The next row number to type.
    pub next_row: u32,
}

/// A known person offered while the sheet is typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct KnownPerson {
    pub subscriber_id: i64,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub postal_code: String,
}

/// A row of a door form's CSV that could not be recorded, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SheetProblem {
    pub line: u32,
    pub message: String,
}

/// What reading a door form's CSV did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SheetImport {
    pub recorded: u32,
    pub new_people: u32,
    pub subscribed: u32,
    pub kept_off: Vec<String>,
    pub problems: Vec<SheetProblem>,
    /// How the columns were read, for the report: "Email ← “E-mail”".
    pub columns: Vec<String>,
}

/// The occasion a sign-in is for: the event and, for a series, the meeting's date.
struct Occasion {
    event: Event,
    occurrence: String,
    held_on: String,
}

fn occasion(db: &Database, event_id: i64, occurrence: &str) -> Result<Occasion> {
    let event = events::get(db, event_id)?;
    let occurrence = occurrence.trim().to_owned();
    if !occurrence.is_empty() && occurrence.parse::<jiff::civil::Date>().is_err() {
        return Err(Error::invalid_field(
            "occurrence",
            format!(
                "“{}” is not a date: write the meeting's date as YYYY-MM-DD.",
                short(&occurrence)
            ),
        ));
    }
    match (event.series.is_some(), occurrence.is_empty()) {
        (true, true) => {
            return Err(Error::invalid_field(
                "occurrence",
                format!(
                    "“{}” repeats: say which meeting the sheet is from (its date, as YYYY-MM-DD).",
                    event.title
                ),
            ))
        }
        (false, false) => {
            return Err(Error::invalid_field(
                "occurrence",
                format!(
                    "“{}” does not repeat: its sheet is the event's own, without a date.",
                    event.title
                ),
            ))
        }
        (true, false) => {
            // One of the series' meetings, where it is held now, not a skipped one.
            let held = events::series::dates(
                db,
                &events::series::DatesRequest {
                    event_id,
                    from: occurrence.clone(),
                    count: 3,
                },
            )?;
            if !held
                .dates
                .iter()
                .any(|d| d.start_date == occurrence && !d.skipped)
            {
                return Err(Error::invalid_field(
                    "occurrence",
                    format!(
                        "“{}” has no meeting on {occurrence}: choose one of its dates.",
                        event.title
                    ),
                ));
            }
        }
        (false, true) => {}
    }
    let held_on = if occurrence.is_empty() {
        event.start_date.clone()
    } else {
        occurrence.clone()
    };
    if held_on.is_empty() {
        return Err(Error::invalid_field(
            "event_id",
            format!(
                "“{}” has no date yet: give it its date before signing people in.",
                event.title
            ),
        ));
    }
    Ok(Occasion {
        event,
        occurrence,
        held_on,
    })
}

fn checked(field: &str, label: &str, text: &str) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > MAX_FIELD {
        return Err(Error::invalid_field(
            field,
            format!("The {label} is longer than {MAX_FIELD} characters: shorten it."),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(Error::invalid_field(
            field,
            format!(
                "The {label} is one line: remove the line breaks, tabs and control characters."
            ),
        ));
    }
    Ok(text.to_owned())
}

/// The words of the ledger's evidence for a ticked box.
fn evidence(o: &Occasion, row: u32) -> String {
    format!(
        "sign-in sheet, {} ({}), row {row}",
        if o.event.title.trim().is_empty() {
            "untitled event"
        } else {
            o.event.title.trim()
        },
        o.held_on
    )
}

fn next_row(db: &Database, o: &Occasion) -> Result<u32> {
    let max: u32 = db.conn().query_row(
        "SELECT coalesce(max(sheet_row), 0) FROM attendance WHERE event_id = ?1 AND occurrence = ?2",
        params![o.event.id, o.occurrence],
        |r| r.get(0),
    )?;
    Ok(max + 1)
}

/// Records one row of the sign-in sheet. Typing the same person again for
/// the same occasion changes their row, never counts them twice.
pub fn sign_in(db: &Database, request: &SignIn) -> Result<Attendee> {
    let o = occasion(db, request.event_id, &request.occurrence)?;
    let list = match request.list_id {
        Some(id) => Some(lists::get(db, id)?),
        None if request.row.wants_mail && !request.row.email.trim().is_empty() => {
            return Err(Error::invalid_field(
                "list_id",
                "The box “Email me about future events” is ticked: choose the list it puts people on.",
            ))
        }
        None => None,
    };
    let tx = Tx::begin(db)?;
    let attendee = record_row(db, &o, list.as_ref(), &request.row, "sheet")?;
    tx.commit()?;
    Ok(attendee)
}

fn record_row(
    db: &Database,
    o: &Occasion,
    list: Option<&lists::List>,
    input: &SignInRow,
    source: &str,
) -> Result<Attendee> {
    let name = checked("name", "name", &input.name)?;
    let phone_typed = checked("phone", "phone number", &input.phone)?;
    let postal_code = checked("postal_code", "ZIP code", &input.postal_code)?;
    let email_typed = checked("email", "address", &input.email)?;
    if name.is_empty() && email_typed.is_empty() {
        return Err(Error::invalid_field(
            "name",
            "Write the name or the address from the sheet: a row with neither records nobody.",
        ));
    }
    let phone = if phone_typed.is_empty() {
        String::new()
    } else {
        normalize_phone(&phone_typed).map_err(|m| Error::invalid_field("phone", m))?
    };
    let row = if input.row == 0 {
        next_row(db, o)?
    } else {
        input.row
    };
    let at = now_text();
    let source_words = format!("Sign-in sheet of “{}”", o.event.title.trim());

    // The person: found by address, added (on no list) when new.
    let mut result = SignInResult::Returning;
    let mut subscriber_id = None;
    let mut email = String::new();
    let mut key = String::new();
    let mut shown_name = name.clone();
    if !email_typed.is_empty() {
        let (address, k) =
            normalize_email(&email_typed).map_err(|m| Error::invalid_field("email", m))?;
        email = address;
        key = k;
        match subscribers::find(db, &key)? {
            Some(s) => {
                subscriber_id = Some(s.id);
                if shown_name.is_empty() {
                    shown_name = s.name.clone();
                }
                // Fill what the branch did not know yet; never overwrite.
                db.conn().execute(
                    "UPDATE subscriber SET
                        name = CASE WHEN name = '' THEN ?2 ELSE name END,
                        phone = CASE WHEN phone = '' THEN ?3 ELSE phone END,
                        postal_code = CASE WHEN postal_code = '' THEN ?4 ELSE postal_code END,
                        updated_at = ?5
                      WHERE id = ?1 AND ((name = '' AND ?2 <> '') OR (phone = '' AND ?3 <> '') OR (postal_code = '' AND ?4 <> ''))",
                    params![s.id, name, phone, postal_code, at],
                )?;
                if s.name.is_empty() && !name.is_empty() {
                    subscribers::index_for_search(db, s.id, &name, &s.first_name)?;
                }
            }
            None => {
                let added = subscribers::add(
                    db,
                    SubscriberInput {
                        email: email.clone(),
                        name: name.clone(),
                        phone: phone.clone(),
                        postal_code: postal_code.clone(),
                        ..Default::default()
                    },
                    None,
                    &source_words,
                )?;
                subscriber_id = Some(added.subscriber.id);
                result = SignInResult::New;
            }
        }
    } else {
        // No address: a person is known by the name they wrote before.
        let known: bool = db.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM attendance WHERE subscriber_id IS NULL AND name = ?1 COLLATE NOCASE
                              AND NOT (event_id = ?2 AND occurrence = ?3))",
            params![name, o.event.id, o.occurrence],
            |r| r.get(0),
        )?;
        if !known {
            result = SignInResult::New;
        }
    }

    // The attendance row, once per person per occasion.
    let existing: Option<(i64, bool)> = match subscriber_id {
        Some(id) => db
            .conn()
            .query_row(
                "SELECT id, new_person FROM attendance WHERE event_id = ?1 AND occurrence = ?2 AND subscriber_id = ?3",
                params![o.event.id, o.occurrence, id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?,
        None => db
            .conn()
            .query_row(
                "SELECT id, new_person FROM attendance WHERE event_id = ?1 AND occurrence = ?2
                   AND subscriber_id IS NULL AND name = ?3 COLLATE NOCASE",
                params![o.event.id, o.occurrence, name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?,
    };
    if let Some((id, was_new)) = existing {
        if was_new {
            result = SignInResult::New;
        }
        db.conn().execute(
            "UPDATE attendance SET name = ?2, phone = ?3, postal_code = ?4, sheet_row = ?5, wants_mail = ?6, updated_at = ?7 WHERE id = ?1",
            params![id, name, phone, postal_code, row, input.wants_mail, at],
        )?;
    } else {
        db.conn().execute(
            "INSERT INTO attendance (event_id, occurrence, held_on, subscriber_id, name, phone, postal_code, sheet_row, source, wants_mail, new_person, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
            params![
                o.event.id,
                o.occurrence,
                o.held_on,
                subscriber_id,
                if subscriber_id.is_some() { "" } else { name.as_str() },
                if subscriber_id.is_some() { "" } else { phone.as_str() },
                if subscriber_id.is_some() { "" } else { postal_code.as_str() },
                row,
                source,
                input.wants_mail,
                result == SignInResult::New,
                at
            ],
        )?;
    }

    // The box.
    let (mail, note) = match (input.wants_mail, subscriber_id, list) {
        (false, _, _) => (MailChoice::NotAsked, String::new()),
        (true, None, _) => (
            MailChoice::NoAddress,
            "Ticked the box but wrote no address: nothing to send to.".to_owned(),
        ),
        (true, Some(_), None) => (
            MailChoice::NoAddress,
            "Ticked the box, but no list was chosen: nothing to subscribe to.".to_owned(),
        ),
        (true, Some(id), Some(list)) => {
            if let Some(s) = suppression(db, &key)? {
                (
                    MailChoice::KeptOff,
                    format!(
                        "{} is {} since {}: that opt-out stands, so they are not put on {}. If they asked again in person, record it in their panel with what they said.",
                        email,
                        s.status.as_str(),
                        s.since.get(..10).unwrap_or(&s.since),
                        list.name
                    ),
                )
            } else if let Some(left) = ledger_status(db, &key, list.id)?.filter(|s| s.is_opt_out())
            {
                (
                    MailChoice::KeptOff,
                    format!(
                        "{email} is {} on {}: that stands. If they asked again in person, record it in their panel.",
                        left.as_str(),
                        list.name
                    ),
                )
            } else {
                let on_list: bool = db.conn().query_row(
                    "SELECT EXISTS (SELECT 1 FROM membership WHERE subscriber_id = ?1 AND list_id = ?2 AND status = 'subscribed')",
                    params![id, list.id],
                    |r| r.get(0),
                )?;
                if on_list {
                    (MailChoice::AlreadySubscribed, String::new())
                } else {
                    change(
                        db,
                        &StandingChange {
                            subscriber_id: id,
                            list_id: list.id,
                            status: ConsentStatus::Subscribed,
                            scope: OptOutScope::Branch,
                            evidence: evidence(o, row),
                        },
                        &source_words,
                    )?;
                    (MailChoice::Subscribed, String::new())
                }
            }
        }
    };
    Ok(Attendee {
        row,
        subscriber_id,
        name: shown_name,
        email,
        result,
        mail,
        note,
    })
}

/// Takes a person off an occasion's attendance (a row typed by mistake).
/// Their subscription, if the row made one, stays: it is in the ledger.
pub fn remove(db: &Database, event_id: i64, occurrence: &str, row: u32) -> Result<()> {
    let o = occasion(db, event_id, occurrence)?;
    let n = db.conn().execute(
        "DELETE FROM attendance WHERE event_id = ?1 AND occurrence = ?2 AND sheet_row = ?3",
        params![o.event.id, o.occurrence, row],
    )?;
    if n == 0 {
        return Err(Error::not_found(format!(
            "Row {row} of “{}” is not recorded.",
            o.event.title
        )));
    }
    Ok(())
}

/// Who came to an occasion, how many were new, and who came last time but
/// not this time.
pub fn for_event(db: &Database, event_id: i64, occurrence: &str) -> Result<EventAttendance> {
    let o = occasion(db, event_id, occurrence)?;
    let mut stmt = db.conn().prepare(
        "SELECT a.sheet_row, a.subscriber_id, coalesce(nullif(s.name, ''), a.name), coalesce(s.email, ''),
                a.new_person, a.wants_mail, s.email_key
           FROM attendance a LEFT JOIN subscriber s ON s.id = a.subscriber_id
          WHERE a.event_id = ?1 AND a.occurrence = ?2
          ORDER BY a.sheet_row, a.id",
    )?;
    type Raw = (u32, Option<i64>, String, String, bool, bool, Option<String>);
    let raw: Vec<Raw> = stmt
        .query_map(params![o.event.id, o.occurrence], |r| {
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
        .collect::<rusqlite::Result<_>>()?;
    let mut came = Vec::with_capacity(raw.len());
    for (row, subscriber_id, name, email, new_person, wants_mail, key) in raw {
        let mail = if !wants_mail {
            MailChoice::NotAsked
        } else if let Some(key) = key.as_deref() {
            if suppression(db, key)?.is_some() {
                MailChoice::KeptOff
            } else {
                MailChoice::Subscribed
            }
        } else {
            MailChoice::NoAddress
        };
        came.push(Attendee {
            row,
            subscriber_id,
            name,
            email,
            result: if new_person {
                SignInResult::New
            } else {
                SignInResult::Returning
            },
            mail,
            note: String::new(),
        });
    }
    let new_people = came
        .iter()
        .filter(|a| a.result == SignInResult::New)
        .count() as u32;

    // Last time: the occasion before this one of the same series, else the
    // latest earlier event of the same kind with anyone signed in.
    let previous: Option<(i64, String, String, String)> = db
        .conn()
        .query_row(
            "SELECT a.event_id, a.occurrence, a.held_on, e.title
               FROM attendance a JOIN event e ON e.id = a.event_id
              WHERE (a.held_on < ?3 OR (a.held_on = ?3 AND a.event_id <> ?1 AND e.start_at < ?5))
                AND (CASE WHEN ?2 <> '' THEN a.event_id = ?1 ELSE e.kind = ?4 END)
                AND NOT (a.event_id = ?1 AND a.occurrence = ?2)
              ORDER BY a.held_on DESC, e.start_at DESC LIMIT 1",
            params![
                o.event.id,
                o.occurrence,
                o.held_on,
                o.event.kind.as_str(),
                o.event.start_at.clone().unwrap_or_default()
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let (last_time, missed) = match previous {
        None => (String::new(), Vec::new()),
        Some((prev_event, prev_occurrence, prev_held, prev_title)) => {
            let mut stmt = db.conn().prepare(
                "SELECT p.subscriber_id, coalesce(nullif(s.name, ''), p.name), coalesce(s.email, '')
                   FROM attendance p LEFT JOIN subscriber s ON s.id = p.subscriber_id
                  WHERE p.event_id = ?1 AND p.occurrence = ?2
                    AND NOT EXISTS (
                      SELECT 1 FROM attendance t
                       WHERE t.event_id = ?3 AND t.occurrence = ?4
                         AND ((p.subscriber_id IS NOT NULL AND t.subscriber_id = p.subscriber_id)
                           OR (p.subscriber_id IS NULL AND t.subscriber_id IS NULL AND t.name = p.name COLLATE NOCASE)))
                  ORDER BY 2 COLLATE NOCASE",
            )?;
            let missed = stmt
                .query_map(
                    params![prev_event, prev_occurrence, o.event.id, o.occurrence],
                    |r| {
                        Ok(Absent {
                            subscriber_id: r.get(0)?,
                            name: r.get(1)?,
                            email: r.get(2)?,
                        })
                    },
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            (format!("{prev_title} ({prev_held})"), missed)
        }
    };
    Ok(EventAttendance {
        event_id: o.event.id,
        occurrence: o.occurrence.clone(),
        title: o.event.title.clone(),
        next_row: next_row(db, &o)?,
        came,
        new_people,
        last_time,
        missed,
    })
}

/// Known people whose name or address starts with what is typed (a word of
/// the name, or the address), for completing a sheet row.
pub fn known(db: &Database, typed: &str) -> Result<Vec<KnownPerson>> {
    let typed = typed.trim();
    if typed.chars().count() < 2 || typed.chars().count() > MAX_FIELD {
        return Ok(Vec::new());
    }
    let pattern = typed
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let mut stmt = db.conn().prepare_cached(
        "SELECT id, name, email, phone, postal_code FROM subscriber
          WHERE email LIKE ?1 || '%' ESCAPE '\\' OR name LIKE ?1 || '%' ESCAPE '\\'
             OR name LIKE '% ' || ?1 || '%' ESCAPE '\\'
          ORDER BY (name LIKE ?1 || '%' ESCAPE '\\') DESC, name COLLATE NOCASE, email
          LIMIT ?2",
    )?;
    let people = stmt
        .query_map(params![pattern, SUGGESTIONS as i64], |r| {
            Ok(KnownPerson {
                subscriber_id: r.get(0)?,
                name: r.get(1)?,
                email: r.get(2)?,
                phone: r.get(3)?,
                postal_code: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(people)
}

/// Reads a door form's CSV (name, address, phone, ZIP and a consent
/// question, recognized as the subscriber import recognizes them) and
/// records each row. A row that cannot be read is reported with its line,
/// never dropped silently; the others are recorded in one transaction.
pub fn import_sheet(
    db: &Database,
    event_id: i64,
    occurrence: &str,
    list_id: Option<i64>,
    bytes: &[u8],
) -> Result<SheetImport> {
    let o = occasion(db, event_id, occurrence)?;
    let list = match list_id {
        Some(id) => Some(lists::get(db, id)?),
        None => None,
    };
    let parsed = parse(bytes, Count::Exact)?;
    if parsed.rows as usize > MAX_SHEET_ROWS {
        return Err(Error::invalid_field(
            "file",
            format!(
                "The file has {} rows; a sign-in sheet has at most {MAX_SHEET_ROWS}. Is it the right file?",
                parsed.rows
            ),
        ));
    }
    let mapping = detect_mapping(&parsed);
    let column = |field: Field| mapping.iter().position(|f| *f == field);
    let (email_col, name_col, first_col, last_col, phone_col, zip_col, consent_col) = (
        column(Field::Email),
        column(Field::Name),
        column(Field::FirstName),
        column(Field::LastName),
        column(Field::Phone),
        column(Field::PostalCode),
        column(Field::Consent),
    );
    if email_col.is_none() && name_col.is_none() && first_col.is_none() {
        return Err(Error::invalid_field(
            "file",
            format!(
                "No column of this file names the person (name or email address); its columns are: {}.",
                parsed.headers.iter().map(|h| short(h)).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    if let (Some(i), None) = (consent_col, &list) {
        return Err(Error::invalid_field(
            "list_id",
            format!(
                "The column “{}” answers “Email me about future events”: choose the list a yes puts people on.",
                short(&parsed.headers[i])
            ),
        ));
    }
    let mut columns = Vec::new();
    for (i, field) in mapping.iter().enumerate() {
        let word = match field {
            Field::Email => "Email",
            Field::Name => "Name",
            Field::FirstName => "First name",
            Field::LastName => "Last name",
            Field::Phone => "Phone",
            Field::PostalCode => "ZIP",
            Field::Consent => "Email me about future events",
            _ => continue,
        };
        columns.push(format!("{word} ← “{}”", short(&parsed.headers[i])));
    }
    let mut report = SheetImport {
        recorded: 0,
        new_people: 0,
        subscribed: 0,
        kept_off: Vec::new(),
        problems: Vec::new(),
        columns,
    };
    let tx = Tx::begin(db)?;
    let mut rdr = reader(&parsed.text[parsed.data_start as usize..], parsed.delimiter);
    let mut record = csv::StringRecord::new();
    let mut line = parsed.data_line;
    loop {
        let position_line = line;
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                report.problems.push(SheetProblem {
                    line: position_line,
                    message: format!("Not readable as CSV: {e}"),
                });
                break;
            }
        }
        line = parsed.data_line + rdr.position().line() as u32 - 1;
        let row_line = record
            .position()
            .map(|p| parsed.data_line + p.line() as u32 - 1)
            .unwrap_or(position_line);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |c: Option<usize>| c.and_then(|i| record.get(i)).unwrap_or("").trim();
        let name = if !cell(name_col).is_empty() {
            cell(name_col).to_owned()
        } else {
            format!("{} {}", cell(first_col), cell(last_col))
                .trim()
                .to_owned()
        };
        let wants_mail = match consent_col {
            None => false,
            Some(_) => match consent_of(cell(consent_col)) {
                Some(Some(ConsentStatus::Subscribed)) => true,
                Some(_) => false,
                None => {
                    report.problems.push(SheetProblem {
                        line: row_line,
                        message: format!(
                            "“{}” does not answer “Email me about future events” with yes or no: recorded as not ticked.",
                            short(cell(consent_col))
                        ),
                    });
                    false
                }
            },
        };
        let mut row = SignInRow {
            row: row_line,
            name,
            email: cell(email_col).to_owned(),
            phone: cell(phone_col).to_owned(),
            postal_code: cell(zip_col).to_owned(),
            wants_mail,
        };
        let outcome = match record_row(db, &o, list.as_ref(), &row, "csv") {
            Err(e) if e.fields.iter().any(|f| f.field == "phone") => {
                // A phone that cannot be read drops the phone, never the person.
                report.problems.push(SheetProblem {
                    line: row_line,
                    message: format!(
                        "The phone “{}” is not a phone number: the person is recorded without it.",
                        short(&row.phone)
                    ),
                });
                row.phone.clear();
                record_row(db, &o, list.as_ref(), &row, "csv")
            }
            other => other,
        };
        match outcome {
            Ok(a) => {
                report.recorded += 1;
                if a.result == SignInResult::New {
                    report.new_people += 1;
                }
                match a.mail {
                    MailChoice::Subscribed => report.subscribed += 1,
                    MailChoice::KeptOff => report.kept_off.push(a.note),
                    _ => {}
                }
            }
            Err(e) => report.problems.push(SheetProblem {
                line: row_line,
                message: e
                    .fields
                    .first()
                    .map(|f: &FieldProblem| f.message.clone())
                    .unwrap_or(e.message),
            }),
        }
    }
    tx.commit()?;
    Ok(report)
}
