//! The sample branch's mailing list: an "Announcements" list of a few dozen
//! made-up people (example.org addresses), some of whom unsubscribed or
//! bounced, so a newcomer sees lists, segments and the consent ledger at work.
//! `handbill demo` adds it once; running the demo again changes nothing.

use rusqlite::params;

use crate::clock::now_text;
use crate::db::Database;
use crate::error::Result;
use crate::mail::subscribers::{self, ConsentStatus};

/// The sample list's name.
pub const LIST: &str = "Announcements";

const FIRST: &[&str] = &[
    "Ana", "Ben", "Carmen", "Deshawn", "Esther", "Farah", "Gabriel", "Hana", "Ibrahim", "Julia",
    "Kwame", "Lucía", "Marcus", "Nadia", "Omar", "Priya", "Rosa", "Samuel", "Tamika", "Víctor",
    "Wen", "Yusuf", "Zoe", "Aidan", "Beatriz", "Chen", "Dolores", "Emeka", "Fatima", "Giovanni",
    "Helena", "Isaac", "Jasmine", "Kenji", "Leila", "Mateo",
];
const LAST: &[&str] = &[
    "Alvarez", "Brooks", "Cruz", "Dubois", "Evans", "Farouk", "Gomes", "Haddad", "Ito", "Jones",
    "Kowalski", "Lopes",
];
const PLACES: &[(&str, &str)] = &[
    ("Boston", "02115"),
    ("Cambridge", "02139"),
    ("Somerville", "02143"),
    ("Boston", "02130"),
    ("Chelsea", "02150"),
    ("Boston", "02119"),
];

/// One sample person: (email, name, first name, language, city, ZIP, tags, standing).
pub type SamplePerson = (
    String,
    String,
    String,
    String,
    String,
    String,
    Vec<String>,
    ConsentStatus,
);

/// The sample people.
pub fn people() -> Vec<SamplePerson> {
    FIRST
        .iter()
        .enumerate()
        .map(|(i, first)| {
            let last = LAST[(i * 7) % LAST.len()];
            let email = format!(
                "{}.{}@example.org",
                ascii(&first.to_lowercase()),
                last.to_lowercase()
            );
            let language = match i % 5 {
                1 | 3 => "es",
                4 if i % 3 == 0 => "pt",
                _ => "en",
            };
            let (city, zip) = PLACES[i % PLACES.len()];
            let mut tags = Vec::new();
            if i % 3 == 0 {
                tags.push("volunteer".to_owned());
            }
            if i % 4 == 1 {
                tags.push("student".to_owned());
            }
            if i % 7 == 2 {
                tags.push("union".to_owned());
            }
            let status = match i {
                4 | 11 | 19 | 27 | 33 => ConsentStatus::Unsubscribed,
                22 => ConsentStatus::Bounced,
                _ => ConsentStatus::Subscribed,
            };
            (
                email,
                format!("{first} {last}"),
                first.to_string(),
                language.to_owned(),
                city.to_owned(),
                zip.to_owned(),
                tags,
                status,
            )
        })
        .collect()
}

fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'á' | 'à' => 'a',
            'é' | 'è' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' => 'u',
            'ñ' => 'n',
            c => c,
        })
        .collect()
}

/// Adds the sample list and its people unless a list of that name exists.
/// The caller holds the transaction. Returns whether anything was added.
pub fn load(db: &Database) -> Result<bool> {
    let exists: bool = db.conn().query_row(
        "SELECT EXISTS (SELECT 1 FROM list WHERE name = ?1 COLLATE NOCASE)",
        [LIST],
        |r| r.get(0),
    )?;
    if exists {
        return Ok(false);
    }
    let at = now_text();
    db.conn().execute(
        "INSERT INTO list (name, created_at) VALUES (?1, ?2)",
        params![LIST, at],
    )?;
    let list_id = db.conn().last_insert_rowid();
    for (email, name, first, language, city, zip, tags, status) in people() {
        let key = email.to_lowercase();
        if db.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM subscriber WHERE email_key = ?1)",
            [&key],
            |r| r.get::<_, bool>(0),
        )? {
            continue;
        }
        db.conn().execute(
            "INSERT INTO subscriber (email, email_key, name, first_name, language, city, postal_code, tags, notes, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, '', ?9, ?9)",
            params![email, key, name, first, language, city, zip, serde_json::to_string(&tags).unwrap_or_default(), at],
        )?;
        let id = db.conn().last_insert_rowid();
        subscribers::index_for_search(db, id, &name, &first)?;
        subscribers::put_membership(
            db,
            id,
            &key,
            list_id,
            ConsentStatus::Subscribed,
            "Sample sign-up sheet",
            &at,
        )?;
        if status != ConsentStatus::Subscribed {
            let why = if status == ConsentStatus::Bounced {
                "Sample: mail to this address came back"
            } else {
                "Sample: replied asking to leave"
            };
            subscribers::put_membership(db, id, &key, list_id, status, why, &at)?;
        }
    }
    Ok(true)
}
