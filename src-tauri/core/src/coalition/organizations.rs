//! Partner organizations: their details, contact people and logo, and the
//! check for likely duplicates (the same name written another way, or the same
//! website) that the window runs before saving and that every save reports.

use std::collections::HashSet;

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::branch::LogoInfo;
use crate::db::Database;
use crate::db::Tx;
use crate::error::{Error, FieldProblem, Result};
use crate::events::venues::check_len;
use crate::events::{MAX_LINE_BYTES, MAX_TEXT_BYTES};

/// The largest organization logo Handbill takes: a flyer prints it small.
pub const MAX_ORG_LOGO_BYTES: usize = 2 * 1024 * 1024;
/// The most contact people one organization keeps.
const MAX_CONTACTS: usize = 100;

/// What sort of group an organization is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    Union,
    StudentGroup,
    #[default]
    CommunityOrganization,
    Party,
    FaithGroup,
    Other,
}

impl OrganizationKind {
    pub const ALL: [OrganizationKind; 6] = [
        OrganizationKind::Union,
        OrganizationKind::StudentGroup,
        OrganizationKind::CommunityOrganization,
        OrganizationKind::Party,
        OrganizationKind::FaithGroup,
        OrganizationKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganizationKind::Union => "union",
            OrganizationKind::StudentGroup => "student_group",
            OrganizationKind::CommunityOrganization => "community_organization",
            OrganizationKind::Party => "party",
            OrganizationKind::FaithGroup => "faith_group",
            OrganizationKind::Other => "other",
        }
    }

    /// Reads a kind as stored, or as a person writes it ("Student group", "faith").
    pub fn parse(text: &str) -> Option<OrganizationKind> {
        let t: String = text
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        Some(match t.as_str() {
            "union" | "laborunion" | "labourunion" | "tradeunion" | "local" => {
                OrganizationKind::Union
            }
            "studentgroup" | "student" | "students" | "studentorganization" => {
                OrganizationKind::StudentGroup
            }
            "communityorganization" | "community" | "communitygroup" | "nonprofit" | "ngo" => {
                OrganizationKind::CommunityOrganization
            }
            "party" | "politicalparty" => OrganizationKind::Party,
            "faithgroup" | "faith" | "church" | "mosque" | "synagogue" | "congregation" => {
                OrganizationKind::FaithGroup
            }
            "other" | "" => OrganizationKind::Other,
            _ => return None,
        })
    }
}

/// A person at an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Contact {
    pub id: i64,
    pub organization_id: i64,
    pub name: String,
    pub role: String,
    pub email: String,
    pub phone: String,
}

/// A contact person as a form sends it; `id` None adds a new one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ContactInput {
    pub id: Option<i64>,
    pub name: String,
    pub role: String,
    pub email: String,
    pub phone: String,
}

/// A partner organization as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub short_name: String,
    pub kind: OrganizationKind,
    /// A full http(s) URL, or empty.
    pub website: String,
    pub email: String,
    pub phone: String,
    /// Markdown.
    pub notes: String,
    pub tags: Vec<String>,
    /// In the order the organizer lists them.
    pub contacts: Vec<Contact>,
    pub logo: Option<LogoInfo>,
    pub created_at: String,
    pub updated_at: String,
}

/// What a form sends to create or change an organization. Contacts are the
/// whole list: contacts left out are removed (their past steps keep the name).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct OrganizationInput {
    pub name: String,
    pub short_name: String,
    pub kind: OrganizationKind,
    pub website: String,
    pub email: String,
    pub phone: String,
    pub notes: String,
    pub tags: Vec<String>,
    pub contacts: Vec<ContactInput>,
}

/// Why an organization looks like one already known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    /// The same name, written with other capitals, spaces or punctuation.
    SameName,
    /// The same website host.
    SameWebsite,
}

/// An organization already known that the one being saved may be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DuplicateWarning {
    pub organization_id: i64,
    pub name: String,
    pub reason: DuplicateReason,
    /// A sentence for the window.
    pub message: String,
}

/// A saved organization, with the known organizations it may duplicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OrganizationSaved {
    pub organization: Organization,
    pub warnings: Vec<DuplicateWarning>,
}

/// The name folded for comparison: lower case, letters and digits only, so
/// “Justice 4 Siham Coalition”, “justice4siham-coalition” are the same.
pub(crate) fn name_key(name: &str) -> String {
    name.chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Hosts where many organizations each have a page: on these the first part
/// of the path tells organizations apart (facebook.com/groupA, facebook.com/groupB).
const SHARED_HOSTS: &[&str] = &[
    "facebook.com",
    "m.facebook.com",
    "instagram.com",
    "twitter.com",
    "x.com",
    "linktr.ee",
    "linktree.com",
    "sites.google.com",
    "actionnetwork.org",
    "medium.com",
    "tiktok.com",
    "youtube.com",
    "bsky.app",
    "mobilize.us",
];

/// A website for comparison: its host in lower case without `www.` (plus the
/// first part of the path on shared hosts such as facebook.com); empty when none.
pub(crate) fn website_host(website: &str) -> String {
    let Ok(url) = url::Url::parse(website) else {
        return String::new();
    };
    let Some(host) = url.host_str().map(|h| h.to_lowercase()) else {
        return String::new();
    };
    let host = host.strip_prefix("www.").map(str::to_owned).unwrap_or(host);
    if SHARED_HOSTS.contains(&host.as_str()) {
        let first = url
            .path_segments()
            .and_then(|mut p| p.next())
            .unwrap_or("")
            .to_lowercase();
        if !first.is_empty() {
            return format!("{host}/{first}");
        }
    }
    host
}

fn problem(problems: &mut Vec<FieldProblem>, field: &str, message: impl Into<String>) {
    problems.push(FieldProblem {
        field: field.to_owned(),
        message: message.into(),
    });
}

fn single_line(problems: &mut Vec<FieldProblem>, field: &str, text: &str) {
    if text.contains(['\r', '\n']) {
        problem(problems, field, "must be one line. Remove the line breaks.");
    }
    check_len(problems, field, text, MAX_LINE_BYTES);
}

/// Checks and tidies what was typed; every problem names its field.
pub(crate) fn validate(input: OrganizationInput) -> Result<OrganizationInput> {
    let mut i = input;
    for s in [
        &mut i.name,
        &mut i.short_name,
        &mut i.website,
        &mut i.email,
        &mut i.phone,
    ] {
        *s = s.trim().to_owned();
    }
    let mut problems = Vec::new();
    if i.name.is_empty() {
        problem(&mut problems, "name", "An organization needs a name.");
    }
    for (field, text) in [
        ("name", &i.name),
        ("short_name", &i.short_name),
        ("phone", &i.phone),
        ("website", &i.website),
        ("email", &i.email),
    ] {
        single_line(&mut problems, field, text);
    }
    check_len(&mut problems, "notes", &i.notes, MAX_TEXT_BYTES);
    match crate::branch::normalize_website(&i.website) {
        Ok(w) => i.website = w,
        Err(m) => problem(&mut problems, "website", m),
    }
    if !i.email.is_empty() {
        match crate::email::normalize_email(&i.email) {
            Ok((email, _)) => i.email = email,
            Err(m) => problem(&mut problems, "email", m),
        }
    }
    let mut seen = HashSet::new();
    i.tags = i
        .tags
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty() && seen.insert(t.to_lowercase()))
        .collect();
    if i.tags.len() > 50 || i.tags.iter().any(|t| t.len() > 100) {
        problem(
            &mut problems,
            "tags",
            "Keep to 50 tags of at most 100 characters each.",
        );
    }
    if i.contacts.len() > MAX_CONTACTS {
        problem(
            &mut problems,
            "contacts",
            format!("Keep to {MAX_CONTACTS} contact people."),
        );
    }
    for (n, c) in i.contacts.iter_mut().enumerate() {
        for s in [&mut c.name, &mut c.role, &mut c.email, &mut c.phone] {
            *s = s.trim().to_owned();
        }
        let f = |name: &str| format!("contacts[{n}].{name}");
        if c.name.is_empty() {
            problem(&mut problems, &f("name"), "A contact person needs a name.");
        }
        for (name, text) in [
            ("name", &c.name),
            ("role", &c.role),
            ("phone", &c.phone),
            ("email", &c.email),
        ] {
            single_line(&mut problems, &f(name), text);
        }
        if !c.email.is_empty() {
            match crate::email::normalize_email(&c.email) {
                Ok((email, _)) => c.email = email,
                Err(m) => problem(&mut problems, &f("email"), m),
            }
        }
    }
    // A NUL in any other field (kind, tags, a contact's email).
    crate::db::outside::add_nul_problem(&mut problems, &i);
    if problems.is_empty() {
        Ok(i)
    } else {
        Err(Error::invalid(problems))
    }
}

/// Organizations already known whose name (ignoring case, spaces and
/// punctuation) or website host is the same as `input`'s. `except` leaves out
/// the organization being edited. The window calls this before saving.
pub fn likely_duplicates(
    db: &Database,
    input: &OrganizationInput,
    except: Option<i64>,
) -> Result<Vec<DuplicateWarning>> {
    let key = name_key(&input.name);
    let website = crate::branch::normalize_website(input.website.trim()).unwrap_or_default();
    let host = website_host(&website);
    let mut stmt = db.conn().prepare_cached(
        "SELECT id, name, name_key = ?1, website_host = ?2 AND ?2 <> '' FROM organization
         WHERE (name_key = ?1 AND ?1 <> '' OR website_host = ?2 AND ?2 <> '') AND id IS NOT ?3 ORDER BY name, id",
    )?;
    let rows = stmt.query_map(params![key, host, except], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, bool>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, same_name, same_site) = row?;
        if same_name {
            out.push(DuplicateWarning {
                organization_id: id,
                message: format!("“{name}” is already known under this name. Open it instead of adding it again."),
                name: name.clone(),
                reason: DuplicateReason::SameName,
            });
        }
        if same_site {
            out.push(DuplicateWarning {
                organization_id: id,
                message: format!(
                    "“{name}” already has the website {host}. It may be the same organization."
                ),
                name,
                reason: DuplicateReason::SameWebsite,
            });
        }
    }
    Ok(out)
}

fn read_org(r: &Row<'_>) -> rusqlite::Result<Organization> {
    let kind: String = r.get(3)?;
    let tags: String = r.get(9)?;
    let media_type: Option<String> = r.get(10)?;
    Ok(Organization {
        id: r.get(0)?,
        name: r.get(1)?,
        short_name: r.get(2)?,
        kind: OrganizationKind::parse(&kind).unwrap_or(OrganizationKind::Other),
        website: r.get(4)?,
        email: r.get(5)?,
        phone: r.get(6)?,
        notes: r.get(7)?,
        created_at: r.get(8)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        logo: match media_type {
            Some(media_type) => Some(LogoInfo {
                media_type,
                width: r.get(11)?,
                height: r.get(12)?,
                size_bytes: r.get(13)?,
            }),
            None => None,
        },
        updated_at: r.get(14)?,
        contacts: Vec::new(),
    })
}

const ORG_COLUMNS: &str =
    "id, name, short_name, kind, website, email, phone, notes, created_at, tags,
    logo_media_type, logo_width, logo_height, length(logo), updated_at";

/// A row of `SELECT id, organization_id, name, role, email, phone FROM org_contact`.
fn read_contact(r: &rusqlite::Row<'_>) -> rusqlite::Result<Contact> {
    Ok(Contact {
        id: r.get(0)?,
        organization_id: r.get(1)?,
        name: r.get(2)?,
        role: r.get(3)?,
        email: r.get(4)?,
        phone: r.get(5)?,
    })
}

fn contacts_of(db: &Database, id: i64) -> Result<Vec<Contact>> {
    let mut stmt = db.conn().prepare_cached(
        "SELECT id, organization_id, name, role, email, phone FROM org_contact WHERE organization_id = ?1 ORDER BY position, id",
    )?;
    let rows = stmt.query_map([id], read_contact)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One contact person, wherever they work.
pub(crate) fn get_contact(db: &Database, id: i64) -> Result<Contact> {
    db.conn()
        .prepare_cached(
            "SELECT id, organization_id, name, role, email, phone FROM org_contact WHERE id = ?1",
        )?
        .query_row([id], read_contact)
        .optional()?
        .ok_or_else(|| Error::not_found(format!("There is no contact person number {id}.")))
}

/// One organization with its contacts.
pub fn get_organization(db: &Database, id: i64) -> Result<Organization> {
    let org = db
        .conn()
        .prepare_cached(&format!(
            "SELECT {ORG_COLUMNS} FROM organization WHERE id = ?1"
        ))?
        .query_row([id], read_org)
        .optional()?
        .ok_or_else(|| Error::not_found(format!("There is no organization number {id}.")))?;
    Ok(Organization {
        contacts: contacts_of(db, id)?,
        ..org
    })
}

/// Every organization, by name, with its contacts.
pub fn list_organizations(db: &Database) -> Result<Vec<Organization>> {
    let mut stmt = db.conn().prepare_cached(&format!(
        "SELECT {ORG_COLUMNS} FROM organization ORDER BY name COLLATE NOCASE, id"
    ))?;
    let mut orgs = stmt
        .query_map([], read_org)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // Every organization's contacts in one query, not one query each (a
    // coalition may hold hundreds of partners).
    let mut by_org: std::collections::HashMap<i64, Vec<Contact>> = std::collections::HashMap::new();
    let mut stmt = db.conn().prepare_cached(
        "SELECT id, organization_id, name, role, email, phone FROM org_contact
          ORDER BY organization_id, position, id",
    )?;
    let contacts = stmt.query_map([], read_contact)?;
    for c in contacts {
        let c = c?;
        by_org.entry(c.organization_id).or_default().push(c);
    }
    for o in &mut orgs {
        o.contacts = by_org.remove(&o.id).unwrap_or_default();
    }
    Ok(orgs)
}

/// Writes a checked input; the caller holds the transaction.
pub(crate) fn write(db: &Database, id: Option<i64>, i: &OrganizationInput) -> Result<i64> {
    let now = crate::clock::now_text();
    let tags = serde_json::to_string(&i.tags).unwrap_or_else(|_| "[]".into());
    let values = params![
        i.name,
        name_key(&i.name),
        i.short_name,
        i.kind.as_str(),
        i.website,
        website_host(&i.website),
        i.email,
        i.phone,
        i.notes,
        tags,
        now
    ];
    let id = match id {
        Some(id) => {
            db.conn().execute(
                "UPDATE organization SET name = ?1, name_key = ?2, short_name = ?3, kind = ?4, website = ?5,
                    website_host = ?6, email = ?7, phone = ?8, notes = ?9, tags = ?10, updated_at = ?11 WHERE id = ?12",
                rusqlite::params_from_iter(values.iter().copied().chain([&id as &dyn rusqlite::ToSql])),
            )?;
            id
        }
        None => {
            db.conn().execute(
                "INSERT INTO organization (name, name_key, short_name, kind, website, website_host, email, phone,
                    notes, tags, updated_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
                values,
            )?;
            db.conn().last_insert_rowid()
        }
    };
    let existing: Vec<i64> = contacts_of(db, id)?.iter().map(|c| c.id).collect();
    let kept: HashSet<i64> = i.contacts.iter().filter_map(|c| c.id).collect();
    for gone in existing.iter().filter(|c| !kept.contains(c)) {
        db.conn()
            .execute("DELETE FROM org_contact WHERE id = ?1", [gone])?;
    }
    for (position, c) in i.contacts.iter().enumerate() {
        match c.id {
            Some(cid) => {
                db.conn().execute(
                    "UPDATE org_contact SET name = ?1, role = ?2, email = ?3, phone = ?4, position = ?5 WHERE id = ?6",
                    params![c.name, c.role, c.email, c.phone, position as i64, cid],
                )?;
            }
            None => {
                db.conn().execute(
                    "INSERT INTO org_contact (organization_id, name, role, email, phone, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![id, c.name, c.role, c.email, c.phone, position as i64],
                )?;
            }
        }
    }
    Ok(id)
}

/// Saves a new organization and tells which known organizations it may
/// duplicate (it is saved all the same: the organizer decides).
pub fn create_organization(db: &Database, input: OrganizationInput) -> Result<OrganizationSaved> {
    let input = validate(input)?;
    if let Some(c) = input.contacts.iter().position(|c| c.id.is_some()) {
        return Err(Error::invalid_field(
            &format!("contacts[{c}].id"),
            "A new organization's contacts are new too: leave their id empty.",
        ));
    }
    let warnings = likely_duplicates(db, &input, None)?;
    let tx = Tx::begin(db)?;
    let id = write(db, None, &input)?;
    tx.commit()?;
    Ok(OrganizationSaved {
        organization: get_organization(db, id)?,
        warnings,
    })
}

/// Changes an organization and its contact list.
pub fn update_organization(
    db: &Database,
    id: i64,
    input: OrganizationInput,
) -> Result<OrganizationSaved> {
    let current = get_organization(db, id)?;
    let input = validate(input)?;
    for (n, c) in input.contacts.iter().enumerate() {
        if let Some(cid) = c.id {
            if !current.contacts.iter().any(|k| k.id == cid) {
                return Err(Error::invalid_field(
                    &format!("contacts[{n}].id"),
                    format!(
                        "Contact number {cid} is not one of {}'s contacts.",
                        current.name
                    ),
                ));
            }
        }
    }
    let warnings = likely_duplicates(db, &input, Some(id))?;
    let tx = Tx::begin(db)?;
    write(db, Some(id), &input)?;
    tx.commit()?;
    Ok(OrganizationSaved {
        organization: get_organization(db, id)?,
        warnings,
    })
}

/// Removes an organization that has never been part of an event. One with a
/// co-sponsorship history is kept, so the history stays whole.
pub fn delete_organization(db: &Database, id: i64) -> Result<()> {
    let org = get_organization(db, id)?;
    let used: i64 = db.conn().query_row(
        "SELECT count(*) FROM cosponsorship WHERE organization_id = ?1",
        [id],
        |r| r.get(0),
    )?;
    if used > 0 {
        return Err(Error::invalid_field(
            "organization_id",
            format!("“{}” has a history with {used} event(s) or tour(s), so it is kept. Its history would be lost if it were removed.", org.name),
        ));
    }
    let tx = Tx::begin(db)?;
    db.conn()
        .execute("DELETE FROM email_draft WHERE organization_id = ?1", [id])?;
    db.conn()
        .execute("DELETE FROM organization WHERE id = ?1", [id])?;
    tx.commit()
}

/// Stores an organization's logo: a whole PNG or JPEG of at most
/// [`MAX_ORG_LOGO_BYTES`]. Anything else is refused and the old logo kept.
pub fn set_organization_logo(db: &Database, id: i64, bytes: &[u8]) -> Result<Organization> {
    get_organization(db, id)?;
    let (media_type, width, height) =
        crate::branch::check_image(bytes, "logo", "logo", MAX_ORG_LOGO_BYTES)?;
    db.conn().execute(
        "UPDATE organization SET logo = ?1, logo_media_type = ?2, logo_width = ?3, logo_height = ?4, updated_at = ?5 WHERE id = ?6",
        params![bytes, media_type, width, height, crate::clock::now_text(), id],
    )?;
    get_organization(db, id)
}

/// Removes an organization's logo.
pub fn clear_organization_logo(db: &Database, id: i64) -> Result<Organization> {
    get_organization(db, id)?;
    db.conn().execute(
        "UPDATE organization SET logo = NULL, logo_media_type = NULL, logo_width = NULL, logo_height = NULL, updated_at = ?1 WHERE id = ?2",
        params![crate::clock::now_text(), id],
    )?;
    get_organization(db, id)
}

/// An organization's logo: media type and bytes, if it has one.
pub fn organization_logo(db: &Database, id: i64) -> Result<Option<(String, Vec<u8>)>> {
    get_organization(db, id)?;
    Ok(db
        .conn()
        .query_row(
            "SELECT logo_media_type, logo FROM organization WHERE id = ?1 AND logo IS NOT NULL",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}
