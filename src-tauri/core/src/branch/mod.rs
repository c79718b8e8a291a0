//! The branch profile: the one organization a database belongs to (name, city,
//! contact, logo, time zone, languages). It owns validation of those fields, so
//! the window and the command line reject the same things with the same words.

pub mod handover;
pub mod status;

use std::io::Cursor;
use std::str::FromStr;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock::now_text;
use crate::db::Database;
use crate::error::{Error, FieldProblem, Result};
use crate::events::public::CancelledShown;

/// The largest logo file Handbill takes. A print logo rarely needs more than 1 MB.
pub const MAX_LOGO_BYTES: usize = 5 * 1024 * 1024;
/// The largest logo, in pixels on either side.
const MAX_LOGO_SIDE: u32 = 8000;

/// The longest contact address (RFC 5321's limit on a path).
const MAX_EMAIL_CHARS: usize = 254;
/// The longest website address.
const MAX_WEBSITE_CHARS: usize = 2000;
/// The most languages a branch may name.
const MAX_LANGUAGES: usize = 20;

/// The keys of a branch profile that `branch set FIELD VALUE` and the form change.
pub const FIELDS: &[&str] = &[
    "name",
    "short_name",
    "city",
    "contact_email",
    "website",
    "time_zone",
    "languages",
    "logo",
    "cancelled_shown",
];

/// The branch profile as stored and shown (`branch show --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BranchProfile {
    pub name: String,
    pub short_name: String,
    pub city: String,
    pub contact_email: String,
    pub website: String,
    /// An IANA time zone name, such as `America/New_York`.
    pub time_zone: String,
    /// BCP 47 language tags; the first is the branch's main language.
    pub languages: Vec<String>,
    pub logo: Option<LogoInfo>,
    /// How listings, posters, flyers and announcements show a cancelled
    /// event: marked, struck through, or left out.
    pub cancelled_shown: CancelledShown,
    /// When the profile last changed (RFC 3339, UTC).
    pub updated_at: String,
}

/// What is known about the stored logo; the image itself is read with [`logo`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LogoInfo {
    /// `image/png` or `image/jpeg`.
    pub media_type: String,
    pub width: u32,
    pub height: u32,
    pub size_bytes: u32,
}

/// The editable text fields of the profile, as a form sends them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BranchInput {
    pub name: String,
    pub short_name: String,
    pub city: String,
    pub contact_email: String,
    pub website: String,
    pub time_zone: String,
    pub languages: Vec<String>,
}

impl BranchInput {
    /// A starting point for a new branch: the computer's time zone and English.
    pub fn new_branch() -> BranchInput {
        let zone = jiff::tz::TimeZone::system();
        BranchInput {
            name: String::new(),
            short_name: String::new(),
            city: String::new(),
            contact_email: String::new(),
            website: String::new(),
            time_zone: zone.iana_name().unwrap_or("UTC").to_owned(),
            languages: vec!["en".to_owned()],
        }
    }
}

impl From<BranchProfile> for BranchInput {
    fn from(p: BranchProfile) -> Self {
        BranchInput {
            name: p.name,
            short_name: p.short_name,
            city: p.city,
            contact_email: p.contact_email,
            website: p.website,
            time_zone: p.time_zone,
            languages: p.languages,
        }
    }
}

/// The profile, or `None` while the database has no branch yet.
pub fn get(db: &Database) -> Result<Option<BranchProfile>> {
    let row = db
        .conn()
        .query_row(
            "SELECT name, short_name, city, contact_email, website, time_zone, languages,
                    logo_media_type, logo_width, logo_height, length(logo), updated_at,
                    cancelled_shown
             FROM branch WHERE id = 1",
            [],
            |r| {
                let languages: String = r.get(6)?;
                let media_type: Option<String> = r.get(7)?;
                let cancelled: String = r.get(12)?;
                Ok(BranchProfile {
                    name: r.get(0)?,
                    short_name: r.get(1)?,
                    city: r.get(2)?,
                    contact_email: r.get(3)?,
                    website: r.get(4)?,
                    time_zone: r.get(5)?,
                    languages: serde_json::from_str(&languages).unwrap_or_default(),
                    logo: match media_type {
                        Some(media_type) => Some(LogoInfo {
                            media_type,
                            width: r.get(8)?,
                            height: r.get(9)?,
                            size_bytes: r.get(10)?,
                        }),
                        None => None,
                    },
                    cancelled_shown: CancelledShown::parse(&cancelled).unwrap_or_default(),
                    updated_at: r.get(11)?,
                })
            },
        )
        .optional()?;
    Ok(row)
}

/// The profile, or a clear error when there is none yet.
pub fn require(db: &Database) -> Result<BranchProfile> {
    get(db)?.ok_or_else(|| {
        Error::not_found(
            "This database has no branch yet. Create one in the window's Settings, \
             with `handbill branch set name \"Your branch\"`, or load the sample with `handbill demo`.",
        )
    })
}

/// Validates and saves the text fields, creating the branch if there is none.
/// Nothing is written unless every field is valid.
pub fn save(db: &Database, input: BranchInput) -> Result<BranchProfile> {
    let clean = validate(input)?;
    let languages =
        serde_json::to_string(&clean.languages).map_err(|e| Error::internal(e.to_string()))?;
    db.conn().execute(
        "INSERT INTO branch (id, name, short_name, city, contact_email, website, time_zone, languages, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET
            name = excluded.name, short_name = excluded.short_name, city = excluded.city,
            contact_email = excluded.contact_email, website = excluded.website,
            time_zone = excluded.time_zone, languages = excluded.languages,
            updated_at = excluded.updated_at",
        params![
            clean.name,
            clean.short_name,
            clean.city,
            clean.contact_email,
            clean.website,
            clean.time_zone,
            languages,
            now_text()
        ],
    )?;
    require(db)
}

/// Sets one field by its key, as `handbill branch set FIELD VALUE` does.
/// `languages` takes a comma-separated list; `logo` takes a file path (or an
/// empty value to remove it).
pub fn set_field(db: &Database, field: &str, value: &str) -> Result<BranchProfile> {
    let current = get(db)?;
    if field == "logo" {
        require(db)?;
        if value.trim().is_empty() {
            return clear_logo(db);
        }
        let bytes = crate::db::outside::read(
            std::path::Path::new(value),
            crate::db::outside::Kind {
                field: "logo",
                what: "logo file",
                limit: MAX_LOGO_BYTES as u64,
            },
        )?;
        return set_logo(db, &bytes);
    }
    if field == "cancelled_shown" {
        let how = CancelledShown::parse(value.trim()).ok_or_else(|| {
            Error::invalid_field(
                "cancelled_shown",
                format!(
                    "“{value}” is not a way to show a cancelled event. Choose {}.",
                    CancelledShown::NAMES.join(", ")
                ),
            )
        })?;
        require(db)?;
        return set_cancelled_shown(db, how);
    }
    let mut input = current
        .map(BranchInput::from)
        .unwrap_or_else(BranchInput::new_branch);
    let value = value.to_owned();
    match field {
        "name" => input.name = value,
        "short_name" => input.short_name = value,
        "city" => input.city = value,
        "contact_email" => input.contact_email = value,
        "website" => input.website = value,
        "time_zone" => input.time_zone = value,
        "languages" => input.languages = value.split(',').map(str::to_owned).collect(),
        other => {
            return Err(Error::invalid_field(
                other,
                format!(
                    "there is no branch field called “{other}”. The fields are: {}.",
                    FIELDS.join(", ")
                ),
            ))
        }
    }
    save(db, input)
}

/// Chooses how public output shows a cancelled event.
pub fn set_cancelled_shown(db: &Database, how: CancelledShown) -> Result<BranchProfile> {
    db.conn().execute(
        "UPDATE branch SET cancelled_shown = ?1, updated_at = ?2 WHERE id = 1",
        params![how.name(), now_text()],
    )?;
    require(db)
}

/// How public output shows a cancelled event (marked while there is no branch yet).
pub fn cancelled_shown(db: &Database) -> Result<CancelledShown> {
    Ok(get(db)?.map(|b| b.cancelled_shown).unwrap_or_default())
}

/// Checks every field and returns them cleaned (trimmed, normalized), or every problem at once.
pub fn validate(input: BranchInput) -> Result<BranchInput> {
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: String| {
        problems.push(FieldProblem {
            field: field.to_owned(),
            message,
        });
    };

    // A NUL in any field, the languages included.
    if let Some(p) = crate::db::outside::nul_field(&input) {
        problem(&p.field, p.message);
    }
    let name = input.name.trim().to_owned();
    if name.is_empty() {
        problem(
            "name",
            "Give the branch a name, such as “Boston Branch”.".to_owned(),
        );
    }
    for (field, value, max) in [
        ("name", &name, 120),
        ("short_name", &input.short_name, 40),
        ("city", &input.city, 100),
        ("contact_email", &input.contact_email, MAX_EMAIL_CHARS),
        ("website", &input.website, MAX_WEBSITE_CHARS),
        ("time_zone", &input.time_zone, 64),
    ] {
        let len = value.trim().chars().count();
        if len > max {
            problem(
                field,
                format!("This is {len} characters long; keep it to {max}."),
            );
        } else if value.chars().any(|c| c.is_control() && c != '\0') {
            problem(
                field,
                "Remove the line breaks and tabs: this is one line of text.".to_owned(),
            );
        }
    }

    let contact_email = input.contact_email.trim().to_owned();
    let too_long = |value: &str, max: usize| value.trim().chars().count() > max;
    if !contact_email.is_empty()
        && !too_long(&contact_email, MAX_EMAIL_CHARS)
        && !is_email(&contact_email)
    {
        problem(
            "contact_email",
            format!("“{contact_email}” is not an email address. Write it like branch@example.org."),
        );
    }

    let website = if too_long(&input.website, MAX_WEBSITE_CHARS) {
        Ok(String::new())
    } else {
        normalize_website(input.website.trim())
    };
    if let Err(message) = &website {
        problem("website", message.clone());
    }

    if input.languages.len() > MAX_LANGUAGES {
        problem(
            "languages",
            format!(
                "Give at most {MAX_LANGUAGES} languages; there are {}.",
                input.languages.len()
            ),
        );
    }
    let time_zone = match jiff::tz::TimeZone::get(input.time_zone.trim()) {
        Ok(zone) => zone
            .iana_name()
            .unwrap_or(input.time_zone.trim())
            .to_owned(),
        Err(_) => {
            let shown = input.time_zone.trim();
            problem(
                "time_zone",
                if shown.is_empty() {
                    "Choose the branch's time zone, such as America/New_York.".to_owned()
                } else {
                    format!("“{shown}” is not a time zone. Use a name such as America/New_York or Europe/Madrid.")
                },
            );
            String::new()
        }
    };

    let mut languages: Vec<String> = Vec::new();
    let mut language_rejected = false;
    for tag in input
        .languages
        .iter()
        .take(MAX_LANGUAGES)
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
    {
        match language_tags::LanguageTag::parse(tag) {
            Ok(parsed) if tag.len() <= 35 => {
                let tag = parsed.to_string();
                if !languages.contains(&tag) {
                    languages.push(tag);
                }
            }
            _ => {
                language_rejected = true;
                problem(
                "languages",
                format!("“{tag}” is not a language code. Use codes such as en, es or pt-BR, separated by commas."),
            )
            }
        }
    }
    if languages.is_empty() && !language_rejected {
        problem(
            "languages",
            "Give at least one language, such as en.".to_owned(),
        );
    }

    if !problems.is_empty() {
        return Err(Error::invalid(problems));
    }
    Ok(BranchInput {
        name,
        short_name: input.short_name.trim().to_owned(),
        city: input.city.trim().to_owned(),
        contact_email,
        website: website.unwrap_or_default(),
        time_zone,
        languages,
    })
}

pub(crate) fn is_email(text: &str) -> bool {
    match email_address::EmailAddress::from_str(text) {
        // The library follows RFC 5322, which allows `a@b` and display names;
        // a branch's contact needs a plain address with a dotted domain.
        Ok(addr) => {
            addr.email() == text && addr.domain().contains('.') && !addr.domain().ends_with('.')
        }
        Err(_) => false,
    }
}

/// Accepts `example.org/path` as well as a full URL, and keeps what was typed
/// with `https://` in front when no scheme was given.
pub(crate) fn normalize_website(text: &str) -> std::result::Result<String, String> {
    if text.is_empty() {
        return Ok(String::new());
    }
    let full = if text.contains("://") {
        text.to_owned()
    } else {
        format!("https://{text}")
    };
    let bad = || format!("“{text}” is not a web address. Write it like https://example.org.");
    let url = url::Url::parse(&full).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("“{text}” must start with https:// or http://."));
    }
    match url.host_str() {
        Some(host) if host.contains('.') && !host.starts_with('.') && !host.ends_with('.') => {
            Ok(full)
        }
        _ => Err(bad()),
    }
}

/// Stores a PNG or JPEG logo after checking that it is one, whole and of a sensible size.
pub fn set_logo(db: &Database, bytes: &[u8]) -> Result<BranchProfile> {
    require(db)?;
    let (media_type, width, height) = check_logo(bytes)?;
    db.conn().execute(
        "UPDATE branch SET logo = ?1, logo_media_type = ?2, logo_width = ?3, logo_height = ?4, updated_at = ?5
         WHERE id = 1",
        params![bytes, media_type, width, height, now_text()],
    )?;
    require(db)
}

/// Removes the logo.
pub fn clear_logo(db: &Database) -> Result<BranchProfile> {
    db.conn().execute(
        "UPDATE branch SET logo = NULL, logo_media_type = NULL, logo_width = NULL, logo_height = NULL,
                updated_at = ?1 WHERE id = 1",
        params![now_text()],
    )?;
    require(db)
}

/// The logo's media type and bytes, if there is one.
pub fn logo(db: &Database) -> Result<Option<(String, Vec<u8>)>> {
    let row = db
        .conn()
        .query_row(
            "SELECT logo_media_type, logo FROM branch WHERE id = 1 AND logo IS NOT NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row)
}

/// Decodes the whole image, so a truncated or disguised file is refused now
/// rather than when a flyer is printed.
pub fn check_logo(bytes: &[u8]) -> Result<(&'static str, u32, u32)> {
    check_image(bytes, "logo", "logo", MAX_LOGO_BYTES)
}

/// Checks a PNG or JPEG image the way [`check_logo`] does, with its own size
/// cap, naming `field` (and `what`, such as "logo") in every message. Shared
/// with the coalition's organization logos.
pub(crate) fn check_image(
    bytes: &[u8],
    field: &str,
    what: &str,
    max_bytes: usize,
) -> Result<(&'static str, u32, u32)> {
    let fail = |message: String| Error::invalid_field(field, message);
    if bytes.len() > max_bytes {
        return Err(fail(format!(
            "The {what} file is {:.1} MB; the largest Handbill takes is {} MB. Save a smaller PNG or JPEG.",
            bytes.len() as f64 / (1024.0 * 1024.0),
            max_bytes / (1024 * 1024)
        )));
    }
    let media_type = match image::guess_format(bytes) {
        Ok(image::ImageFormat::Png) => "image/png",
        Ok(image::ImageFormat::Jpeg) => "image/jpeg",
        _ => {
            return Err(fail(format!(
                "The {what} must be a PNG or JPEG image; this file is neither."
            )))
        }
    };
    let decoded = decode_image(bytes).map_err(|e| {
        fail(format!("The {what} image is damaged or too large to use ({e}). Export it again as PNG or JPEG, at most {MAX_LOGO_SIDE} pixels on a side."))
    })?;
    Ok((media_type, decoded.width(), decoded.height()))
}

/// Decodes a logo's PNG or JPEG bytes within Handbill's limits (at most
/// [`MAX_LOGO_SIDE`] pixels on a side and 512 MiB of pixels), so a hostile
/// file cannot ask for unbounded memory: for checking a logo, drawing it on
/// a flyer and at the head of a mail. Answers why when it cannot.
pub(crate) fn decode_image(bytes: &[u8]) -> std::result::Result<image::DynamicImage, String> {
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_LOGO_SIDE);
    limits.max_image_height = Some(MAX_LOGO_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    reader.decode().map_err(|e| e.to_string())
}

/// Every time zone name the branch can choose from, sorted.
pub fn time_zones() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
    names.sort();
    names
}

/// United States states and Canadian provinces (abbreviation and name), with
/// the zone most of each keeps; a state split between zones gives its larger part.
const REGION_ZONES: &[(&str, &str, &str)] = &[
    ("AL", "Alabama", "America/Chicago"),
    ("AK", "Alaska", "America/Anchorage"),
    ("AZ", "Arizona", "America/Phoenix"),
    ("AR", "Arkansas", "America/Chicago"),
    ("CA", "California", "America/Los_Angeles"),
    ("CO", "Colorado", "America/Denver"),
    ("CT", "Connecticut", "America/New_York"),
    ("DE", "Delaware", "America/New_York"),
    ("DC", "District of Columbia", "America/New_York"),
    ("FL", "Florida", "America/New_York"),
    ("GA", "Georgia", "America/New_York"),
    ("HI", "Hawaii", "Pacific/Honolulu"),
    ("ID", "Idaho", "America/Boise"),
    ("IL", "Illinois", "America/Chicago"),
    ("IN", "Indiana", "America/Indiana/Indianapolis"),
    ("IA", "Iowa", "America/Chicago"),
    ("KS", "Kansas", "America/Chicago"),
    ("KY", "Kentucky", "America/New_York"),
    ("LA", "Louisiana", "America/Chicago"),
    ("ME", "Maine", "America/New_York"),
    ("MD", "Maryland", "America/New_York"),
    ("MA", "Massachusetts", "America/New_York"),
    ("MI", "Michigan", "America/Detroit"),
    ("MN", "Minnesota", "America/Chicago"),
    ("MS", "Mississippi", "America/Chicago"),
    ("MO", "Missouri", "America/Chicago"),
    ("MT", "Montana", "America/Denver"),
    ("NE", "Nebraska", "America/Chicago"),
    ("NV", "Nevada", "America/Los_Angeles"),
    ("NH", "New Hampshire", "America/New_York"),
    ("NJ", "New Jersey", "America/New_York"),
    ("NM", "New Mexico", "America/Denver"),
    ("NY", "New York", "America/New_York"),
    ("NC", "North Carolina", "America/New_York"),
    ("ND", "North Dakota", "America/Chicago"),
    ("OH", "Ohio", "America/New_York"),
    ("OK", "Oklahoma", "America/Chicago"),
    ("OR", "Oregon", "America/Los_Angeles"),
    ("PA", "Pennsylvania", "America/New_York"),
    ("PR", "Puerto Rico", "America/Puerto_Rico"),
    ("RI", "Rhode Island", "America/New_York"),
    ("SC", "South Carolina", "America/New_York"),
    ("SD", "South Dakota", "America/Chicago"),
    ("TN", "Tennessee", "America/Chicago"),
    ("TX", "Texas", "America/Chicago"),
    ("UT", "Utah", "America/Denver"),
    ("VT", "Vermont", "America/New_York"),
    ("VA", "Virginia", "America/New_York"),
    ("WA", "Washington", "America/Los_Angeles"),
    ("WV", "West Virginia", "America/New_York"),
    ("WI", "Wisconsin", "America/Chicago"),
    ("WY", "Wyoming", "America/Denver"),
    ("ON", "Ontario", "America/Toronto"),
    ("QC", "Quebec", "America/Toronto"),
    ("BC", "British Columbia", "America/Vancouver"),
    ("AB", "Alberta", "America/Edmonton"),
    ("MB", "Manitoba", "America/Winnipeg"),
    ("SK", "Saskatchewan", "America/Regina"),
    ("NS", "Nova Scotia", "America/Halifax"),
    ("NB", "New Brunswick", "America/Moncton"),
    ("NL", "Newfoundland", "America/St_Johns"),
    ("", "England", "Europe/London"),
    ("UK", "United Kingdom", "Europe/London"),
    ("", "Scotland", "Europe/London"),
    ("", "Wales", "Europe/London"),
    ("", "Ireland", "Europe/Dublin"),
    ("", "France", "Europe/Paris"),
    ("", "Spain", "Europe/Madrid"),
    ("", "Germany", "Europe/Berlin"),
    ("", "Italy", "Europe/Rome"),
    ("", "Mexico", "America/Mexico_City"),
    ("", "Australia", "Australia/Sydney"),
];

/// The zones a branch in `city` most likely keeps, likeliest first: a zone
/// named after the city ("Chicago", "Paris, France"), then the zone of the
/// state, province or country named ("Boston, MA"), then the computer's own.
/// Every name is one of [`time_zones`]; none is repeated.
pub fn likely_zones(city: &str) -> Vec<String> {
    let all = time_zones();
    let mut out: Vec<String> = Vec::new();
    let mut add = |zone: &str| {
        if all.iter().any(|z| z == zone) && !out.iter().any(|z| z == zone) {
            out.push(zone.to_owned());
        }
    };
    let city = city.chars().take(200).collect::<String>();
    let parts: Vec<String> = city
        .split([',', '/', '(', ')'])
        .map(|p| p.trim().to_lowercase())
        .filter(|p| !p.is_empty())
        .collect();
    if let Some(place) = parts.first() {
        for zone in &all {
            let last = zone.rsplit('/').next().unwrap_or_default();
            if last.replace('_', " ").to_lowercase() == *place {
                add(zone);
            }
        }
    }
    for part in parts.iter().skip(1).chain(parts.first()) {
        for (abbr, name, zone) in REGION_ZONES {
            let abbr_match = !abbr.is_empty() && part.eq_ignore_ascii_case(abbr);
            if abbr_match || part.eq_ignore_ascii_case(name) {
                add(zone);
            }
        }
    }
    let system = jiff::tz::TimeZone::system();
    if let Some(name) = system.iana_name() {
        add(name);
    }
    out
}
