//! Importing partner organizations from CSV (a coalition's shared sheet, an
//! old address book): the column-mapping preview shown before anything is
//! written, then the import in one transaction, all or nothing, with a report
//! naming every row not taken and why (no name, a bad email or website, a
//! repeat of an earlier row, an organization already known).
//!
//! The file is read by the subscribers importer's reader
//! ([`crate::mail::import::read_table`]): the same encodings (UTF-8 with or without
//! BOM, UTF-16, Latin-1), delimiter sniffing and messages for files that are
//! not CSV, so both imports treat a file alike.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::organizations::{
    self, name_key, website_host, ContactInput, OrganizationInput, OrganizationKind,
};
use crate::db::Database;
use crate::db::Tx;
use crate::error::short;
use crate::error::{Error, Result};
use crate::mail::import::{delimiter_name, file_problem, read_table};

/// The most rows an organizations file may have: far above any coalition.
pub const MAX_ORG_ROWS: usize = 20_000;
/// The largest organizations file.
pub const MAX_ORG_FILE_BYTES: usize = 20 * 1024 * 1024;

/// What a column of the organizations file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrgField {
    Ignore,
    Name,
    ShortName,
    /// union, student group, community organization, party, faith group, other.
    Kind,
    Website,
    Email,
    Phone,
    Notes,
    /// Separated by commas or semicolons.
    Tags,
    ContactName,
    ContactRole,
    ContactEmail,
    ContactPhone,
}

/// One column as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OrgColumnPreview {
    pub index: u32,
    pub header: String,
    pub field: OrgField,
    pub samples: Vec<String>,
}

/// What Handbill read from an organizations file, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OrgImportPreview {
    pub file_name: String,
    pub encoding: String,
    pub delimiter: String,
    /// Data rows, not counting the header.
    pub rows: u32,
    pub columns: Vec<OrgColumnPreview>,
    pub notices: Vec<String>,
}

/// How to import: the field of each column (empty: as recognized).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct OrgImportOptions {
    pub mapping: Vec<OrgField>,
    /// Check everything and report, then write nothing.
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrgRowOutcome {
    Imported,
    /// Not taken; `detail` says why and what to do.
    Rejected,
}

/// What happened to one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OrgReportRow {
    /// The line of the file where the row starts (the header is line 1).
    pub line: u32,
    pub name: String,
    pub outcome: OrgRowOutcome,
    pub detail: String,
    /// The organization saved (imported rows).
    pub organization_id: Option<i64>,
}

/// The report of an organizations import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OrgImportReport {
    pub file_name: String,
    pub dry_run: bool,
    pub rows: u32,
    pub imported: u32,
    pub rejected: u32,
    /// Every row, in file order.
    pub entries: Vec<OrgReportRow>,
}

/// What a header names (“Organization”, “Group name”, “Website”, “Contact email”…).
pub fn recognize_org_column(header: &str) -> OrgField {
    let h: String = header
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    match h.as_str() {
        "name" | "organization" | "organisation" | "organizationname" | "organisationname"
        | "org" | "orgname" | "group" | "groupname" | "nombre" | "organizacion" => OrgField::Name,
        "shortname" | "short" | "abbreviation" | "acronym" | "initials" => OrgField::ShortName,
        "kind" | "type" | "category" | "orgtype" | "organizationtype" | "tipo" => OrgField::Kind,
        "website" | "web" | "url" | "site" | "homepage" | "webpage" | "sitioweb" => {
            OrgField::Website
        }
        "email" | "emailaddress" | "mail" | "orgemail" | "generalemail" | "correo" => {
            OrgField::Email
        }
        "phone" | "telephone" | "tel" | "phonenumber" | "orgphone" | "telefono" => OrgField::Phone,
        "notes" | "note" | "comments" | "comment" | "notas" => OrgField::Notes,
        "tags" | "tag" | "labels" | "issues" | "etiquetas" => OrgField::Tags,
        "contact" | "contactname" | "contactperson" | "person" | "liaison" => OrgField::ContactName,
        "contactrole" | "role" | "position" | "title" | "contacttitle" => OrgField::ContactRole,
        "contactemail" | "personemail" | "liaisonemail" => OrgField::ContactEmail,
        "contactphone" | "personphone" | "liaisonphone" | "mobile" | "cell" => {
            OrgField::ContactPhone
        }
        _ => OrgField::Ignore,
    }
}

struct OrgTable {
    encoding: &'static str,
    delimiter: u8,
    headers: Vec<String>,
    rows: Vec<(u32, Vec<String>)>,
}

/// Reads an organizations CSV file from outside: only a regular file, of at
/// most [`MAX_ORG_FILE_BYTES`] (see [`crate::db::outside`]).
pub fn read_org_file(path: &std::path::Path) -> Result<Vec<u8>> {
    crate::db::outside::read(
        path,
        crate::db::outside::Kind {
            field: "file",
            what: "organizations CSV file",
            limit: MAX_ORG_FILE_BYTES as u64,
        },
    )
}

fn read(bytes: &[u8]) -> Result<OrgTable> {
    if bytes.len() > MAX_ORG_FILE_BYTES {
        return Err(file_problem(format!(
            "The file is {:.0} MB; an organizations file is at most {} MB. Is this the right file?",
            bytes.len() as f64 / 1_048_576.0,
            MAX_ORG_FILE_BYTES / 1_048_576
        )));
    }
    let table = read_table(bytes, MAX_ORG_ROWS + 1)?;
    let mut records = table.records.into_iter();
    let (_, headers) = records
        .next()
        .ok_or_else(|| file_problem("The file has no rows: there is nothing to import."))?;
    if !headers
        .iter()
        .any(|h| recognize_org_column(h) != OrgField::Ignore)
    {
        return Err(file_problem(
            "The first line names no column Handbill knows. It should be a header line such as \
             “Name,Website,Email,Contact name,Contact email”. Add one and import again.",
        ));
    }
    let rows: Vec<(u32, Vec<String>)> = records.collect();
    if rows.is_empty() {
        return Err(file_problem(
            "The file has a header line but no rows under it: there is nothing to import.",
        ));
    }
    Ok(OrgTable {
        encoding: table.encoding,
        delimiter: table.delimiter,
        headers,
        rows,
    })
}

/// Reads an organizations file and shows what an import would do, writing nothing.
pub fn preview_organizations(file_name: &str, bytes: &[u8]) -> Result<OrgImportPreview> {
    let t = read(bytes)?;
    let mapping: Vec<OrgField> = t.headers.iter().map(|h| recognize_org_column(h)).collect();
    let mut notices = Vec::new();
    if t.encoding.starts_with("Latin-1") {
        notices.push("The file is not UTF-8, so it was read as Latin-1 (Windows-1252). Check that accented names look right below.".to_owned());
    }
    if !mapping.contains(&OrgField::Name) {
        notices.push("No column looks like the organizations' names. Choose which column holds them before importing.".to_owned());
    }
    let columns = t
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| OrgColumnPreview {
            index: i as u32,
            header: if h.is_empty() {
                format!("Column {}", i + 1)
            } else {
                short(h)
            },
            field: mapping[i],
            samples: t
                .rows
                .iter()
                .filter_map(|(_, r)| {
                    r.get(i)
                        .filter(|c| !c.is_empty())
                        .map(|c| short(&c.replace(['\r', '\n'], " ")))
                })
                .take(3)
                .collect(),
        })
        .collect();
    Ok(OrgImportPreview {
        file_name: file_name.to_owned(),
        encoding: t.encoding.to_owned(),
        delimiter: delimiter_name(t.delimiter).to_owned(),
        rows: t.rows.len() as u32,
        columns,
        notices,
    })
}

fn check_mapping(mapping: &[OrgField], headers: &[String]) -> Result<()> {
    if mapping.len() != headers.len() {
        return Err(Error::invalid_field(
            "mapping",
            format!(
                "The file has {} columns but {} were mapped. Look at the preview again.",
                headers.len(),
                mapping.len()
            ),
        ));
    }
    if !mapping.contains(&OrgField::Name) {
        return Err(Error::invalid_field(
            "mapping",
            format!(
                "The file has no column for the organization's name (its columns are: {}). Add a “Name” column, or choose which column holds the names.",
                headers.iter().map(|h| short(h)).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    for field in [
        OrgField::Name,
        OrgField::ShortName,
        OrgField::Kind,
        OrgField::Website,
        OrgField::Email,
        OrgField::Phone,
    ] {
        if mapping.iter().filter(|f| **f == field).count() > 1 {
            return Err(Error::invalid_field(
                "mapping",
                format!("Two columns are mapped to {field:?}; choose one."),
            ));
        }
    }
    Ok(())
}

/// Builds an organization from a row; Err names what is wrong with it.
fn row_input(
    mapping: &[OrgField],
    cells: &[String],
    columns: usize,
) -> std::result::Result<OrganizationInput, String> {
    if cells.len() > columns && cells[columns..].iter().any(|c| !c.is_empty()) {
        return Err(format!("The row has {} cells but the header has {columns} columns. Check for a stray comma or delimiter.", cells.len()));
    }
    let mut input = OrganizationInput::default();
    let mut contact = ContactInput::default();
    let mut notes = Vec::new();
    for (field, cell) in mapping.iter().zip(cells.iter()) {
        let cell = cell.trim();
        match field {
            OrgField::Ignore => {}
            OrgField::Name => input.name = cell.to_owned(),
            OrgField::ShortName => input.short_name = cell.to_owned(),
            OrgField::Kind => {
                input.kind = OrganizationKind::parse(cell).ok_or_else(|| {
                    format!("“{}” is not a kind Handbill knows: use union, student group, community organization, party, faith group or other.", short(cell))
                })?
            }
            OrgField::Website => input.website = cell.to_owned(),
            OrgField::Email => input.email = cell.to_owned(),
            OrgField::Phone => input.phone = cell.to_owned(),
            OrgField::Notes => notes.push(cell.to_owned()),
            OrgField::Tags => input.tags.extend(cell.split([',', ';']).map(|t| t.trim().to_owned())),
            OrgField::ContactName => contact.name = cell.to_owned(),
            OrgField::ContactRole => contact.role = cell.to_owned(),
            OrgField::ContactEmail => contact.email = cell.to_owned(),
            OrgField::ContactPhone => contact.phone = cell.to_owned(),
        }
    }
    input.notes = notes
        .into_iter()
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    if input.name.is_empty() {
        return Err(
            "The row has no organization name. Fill in the name, or remove the row.".into(),
        );
    }
    if !(contact.name.is_empty()
        && contact.role.is_empty()
        && contact.email.is_empty()
        && contact.phone.is_empty())
    {
        if contact.name.is_empty() {
            return Err(
                "The row has a contact's details but not the contact's name. Add the name.".into(),
            );
        }
        input.contacts.push(contact);
    }
    organizations::validate(input).map_err(|e| {
        e.fields
            .iter()
            .map(|f| {
                format!(
                    "{}: {}",
                    f.field.replace("contacts[0].", "contact "),
                    f.message
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// Imports organizations from a CSV file in one transaction. Every row is
/// imported or reported as rejected with its line and reason; a rejected row
/// changes nothing, and an error that stops the import leaves the database as
/// it was. Rows whose organization is already known (same name written
/// another way, or same website) and repeats of an earlier row are rejected.
pub fn import_organizations(
    db: &Database,
    file_name: &str,
    bytes: &[u8],
    options: &OrgImportOptions,
) -> Result<OrgImportReport> {
    let t = read(bytes)?;
    let mapping: Vec<OrgField> = if options.mapping.is_empty() {
        t.headers.iter().map(|h| recognize_org_column(h)).collect()
    } else {
        options.mapping.clone()
    };
    check_mapping(&mapping, &t.headers)?;
    let mut report = OrgImportReport {
        file_name: file_name.to_owned(),
        dry_run: options.dry_run,
        rows: t.rows.len() as u32,
        imported: 0,
        rejected: 0,
        entries: Vec::with_capacity(t.rows.len()),
    };
    let mut seen_names: HashMap<String, u32> = HashMap::new();
    let mut seen_hosts: HashMap<String, u32> = HashMap::new();
    let tx = Tx::begin(db)?;
    for (line, cells) in &t.rows {
        let name_cell = mapping
            .iter()
            .position(|f| *f == OrgField::Name)
            .and_then(|i| cells.get(i))
            .map(|c| short(c.trim()))
            .unwrap_or_default();
        let mut reject = |detail: String| {
            report.rejected += 1;
            report.entries.push(OrgReportRow {
                line: *line,
                name: name_cell.clone(),
                outcome: OrgRowOutcome::Rejected,
                detail,
                organization_id: None,
            });
        };
        let input = match row_input(&mapping, cells, t.headers.len()) {
            Ok(i) => i,
            Err(detail) => {
                reject(detail);
                continue;
            }
        };
        let key = name_key(&input.name);
        let host = website_host(&input.website);
        if let Some(first) = seen_names.get(&key) {
            reject(format!(
                "Line {first} already has this organization. Keep one of the two rows."
            ));
            continue;
        }
        if let Some(first) = seen_hosts.get(&host).filter(|_| !host.is_empty()) {
            reject(format!("Line {first} already has the website {host}. Keep one of the two rows, or correct the website."));
            continue;
        }
        let known = organizations::likely_duplicates(db, &input, None)?;
        if let Some(w) = known.first() {
            reject(format!(
                "Already known: {} It was not imported again.",
                w.message
            ));
            continue;
        }
        seen_names.insert(key, *line);
        if !host.is_empty() {
            seen_hosts.insert(host, *line);
        }
        let id = organizations::write(db, None, &input)?;
        report.imported += 1;
        report.entries.push(OrgReportRow {
            line: *line,
            name: short(&input.name),
            outcome: OrgRowOutcome::Imported,
            detail: String::new(),
            organization_id: (!options.dry_run).then_some(id),
        });
    }
    if !options.dry_run {
        tx.commit()?;
    }
    Ok(report)
}
