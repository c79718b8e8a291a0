//! Publish: the branch's events as a static web site an organizer uploads
//! anywhere (`handbill publish -o DIR`, *Publish site* in the window). This
//! module owns what the site holds and how it is written to its folder:
//!
//! - `index.html`: upcoming public events by month, and the tours with their
//!   stops; `events/KEY.html`, one page per event with everything its flyer
//!   has, and `events/KEY.ics`, its *Add to calendar* file; `tours/KEY.html`;
//! - `events.ics`, a calendar to subscribe to (stable UIDs, rising
//!   SEQUENCE: [`crate::events::ics`]), `feed.atom`, and `embed.html`, a
//!   small list for an iframe on the branch's own site;
//! - the same pages in Spanish under `es/` when the branch works in both.
//!
//! Which events appear is [`crate::events::public`]'s one rule (drafts
//! never; cancelled ones marked, struck through or left out as the branch
//! chose), and what an event page says is what its flyer says
//! ([`crate::flyers::content_for_event_in`]). The pages need no script and
//! fetch nothing from elsewhere.
//!
//! Publishing again writes only the files whose bytes changed, and removes
//! the pages of events no longer shown, so a sync tool or `rsync` uploads
//! little. Nothing in a file depends on when it was written. A marker file,
//! `.handbill-site`, lists what Handbill wrote (written before the pages, so
//! a publish stopped half way leaves a folder still known as the site's): a
//! folder that is not empty and has no marker is refused, so a mistaken path
//! never loses anyone's files, and only files the marker lists are ever
//! removed.

mod colour;
mod feed;
mod pages;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::branch::{self, BranchProfile};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::events::{self, ics, public, Event, TourWithStops};
use crate::flyers::{self, FlyerContent};

/// The marker file that says a folder is a site Handbill wrote, listing
/// the files it wrote there, one relative path a line.
pub const MARKER: &str = ".handbill-site";

/// The marker's first line.
const MARKER_HEAD: &str = "Handbill site: the files below were written by Handbill's Publish and are replaced when it publishes again.";

/// The largest marker read back: a branch with 10,000 events lists about 1 MB.
const MAX_MARKER_BYTES: u64 = 16 * 1024 * 1024;

/// Where to publish, as the window (a folder from a native dialog) and the
/// command line (`-o DIR`) ask for it.
/// The page never names a folder: the window's comes from a native dialog.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PublishRequest {
    /// The site's folder: made when missing; empty, or a site Handbill wrote.
    pub folder: PathBuf,
    /// The address the site will be read at once uploaded
    /// ("https://example.org/events/"), so the feeds can give whole links;
    /// empty leaves them relative to the feed.
    pub address: String,
}

/// What a publish did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct PublishReport {
    /// The folder written, as the file system names it.
    pub folder: String,
    /// The site's front page, to open.
    pub index: String,
    /// Files written because they were new or their bytes changed.
    pub written: u32,
    /// Files left as they were, their bytes the same.
    pub unchanged: u32,
    /// Files removed: pages of events no longer shown.
    pub removed: u32,
    /// Event pages on the site (in each language).
    pub events: u32,
    /// Tours on the site.
    pub tours: u32,
    /// The languages of its pages: "en", and "es" beside it.
    pub languages: Vec<String>,
}

/// One event as the site shows it: what its flyer says, and how it is shown.
pub(crate) struct EventPage {
    pub event: Event,
    pub key: String,
    pub shown: public::Shown,
    pub content: FlyerContent,
    /// The content with the Spanish translation, when the site has Spanish.
    pub content_es: Option<FlyerContent>,
    /// The zone its times are in, named: "America/New_York".
    pub zone: String,
    /// Its *Add to calendar* file.
    pub ics: String,
}

/// One listed date of an event (a series lists each of its dates).
pub(crate) struct Listed {
    pub event: Event,
    pub key: String,
    pub shown: public::Shown,
}

/// A tour as the site shows it.
pub(crate) struct TourPage {
    pub tour: TourWithStops,
    pub key: String,
    pub content: FlyerContent,
    /// Its public stops with the key of each one's page (None: no page,
    /// its date is still to be announced).
    pub stops: Vec<(Event, public::Shown, Option<String>)>,
}

/// Everything the site shows, gathered once.
pub(crate) struct Site {
    pub branch: BranchProfile,
    /// The logo's file name on the site ("logo.png") and bytes.
    pub logo: Option<(String, Vec<u8>)>,
    pub accent: colour::Accent,
    /// By month: "January 2027" and its listed dates.
    pub months: Vec<(i16, i8, Vec<Listed>)>,
    pub events: Vec<EventPage>,
    pub tours: Vec<TourPage>,
    pub spanish: bool,
    pub address: String,
    pub name_zone: bool,
    /// `events.ics`: every upcoming public event.
    pub calendar: String,
}

/// Writes the branch's site into `request.folder`, changing only what
/// changed: the one path from *Publish* and `handbill publish` to the site.
pub fn publish(db: &Database, request: &PublishRequest) -> Result<PublishReport> {
    let folder = request.folder.clone();
    let previous = check_folder(&folder)?;
    let address = check_address(&request.address)?;
    let site = gather(db, address)?;
    let files = pages::render(&site)?;
    let report = write_site(&folder, &files, &previous)?;
    Ok(PublishReport {
        events: (site.events.len() * if site.spanish { 2 } else { 1 }) as u32,
        tours: site.tours.len() as u32,
        languages: if site.spanish {
            vec!["en".into(), "es".into()]
        } else {
            vec!["en".into()]
        },
        ..report
    })
}

/// The address given for the site: empty, or an http(s) address ending in "/".
fn check_address(address: &str) -> Result<String> {
    let address = address.trim();
    if address.is_empty() {
        return Ok(String::new());
    }
    let Some(url) = pages::http_link(address) else {
        return Err(Error::invalid_field(
            "address",
            "The site's address must start with https:// or http:// (for example https://example.org/events/).",
        ));
    };
    Ok(if url.ends_with('/') {
        url
    } else {
        format!("{url}/")
    })
}

/// Whether the branch works in Spanish too.
fn has_spanish(b: &BranchProfile) -> bool {
    b.languages
        .iter()
        .any(|l| crate::mail::announcements::words::primary(l) == "es")
}

/// An event's key on the site: its UID's own part, which stays the same
/// when its title or date changes, so links people shared keep working.
fn event_key(e: &Event) -> String {
    let own = e.uid.split('@').next().unwrap_or("");
    let key: String = own
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    if key.is_empty() {
        format!("event-{}", e.id)
    } else {
        key
    }
}

/// A tour's key on the site: its title's words ("from-blacklivesmatter-…"),
/// and its number when two tours share a title.
fn tour_key(title: &str, id: i64, taken: &BTreeSet<String>) -> String {
    let key = events::public::ascii_slug(title, 60);
    if key.is_empty() || taken.contains(&key) {
        format!("tour-{id}")
    } else {
        key
    }
}

fn gather(db: &Database, address: String) -> Result<Site> {
    let branch = branch::require(db)?;
    let how = branch.cancelled_shown;
    let spanish = has_spanish(&branch);
    let logo = branch::logo(db)?.map(|(media, bytes)| {
        let ext = if media == "image/jpeg" { "jpg" } else { "png" };
        (format!("logo.{ext}"), bytes)
    });
    let accent = colour::accent(logo.as_ref().map(|(_, b)| b.as_slice()));
    let now = crate::clock::now();
    let groups = events::upcoming(db, now)?;
    let name_zone = public::zones_named(
        groups
            .iter()
            .flat_map(|g| g.events.iter())
            .filter(|e| public::shown(e, how).is_some()),
        Some(branch.time_zone.as_str()),
    );
    let mut months = Vec::new();
    let mut events: Vec<EventPage> = Vec::new();
    let mut seen = BTreeSet::new();
    for g in groups {
        let mut listed = Vec::new();
        for (e, shown) in public::public_events(&g.events, how) {
            let key = event_key(e);
            if seen.insert(e.id) {
                events.push(event_page(db, e.id, key.clone(), shown, spanish)?);
            }
            listed.push(Listed {
                event: e.clone(),
                key,
                shown,
            });
        }
        if !listed.is_empty() {
            months.push((g.year, g.month, listed));
        }
    }
    let mut tours = Vec::new();
    let mut taken = BTreeSet::new();
    for t in events::list_tours(db)? {
        let tour = events::get_tour(db, t.id)?;
        let stops: Vec<(Event, public::Shown, Option<String>)> =
            public::public_events(&tour.stops, how)
                .into_iter()
                .map(|(s, shown)| {
                    let page = seen.contains(&s.id).then(|| event_key(s));
                    (s.clone(), shown, page)
                })
                .collect();
        // A tour is on the site while one of its public stops is: a
        // dated one still to come, or one whose date is to be announced.
        let upcoming = stops
            .iter()
            .any(|(s, _, page)| page.is_some() || s.start_date.is_empty());
        if !upcoming {
            continue;
        }
        let key = tour_key(&tour.tour.title, tour.tour.id, &taken);
        taken.insert(key.clone());
        let content = flyers::content_for_tour_in(db, t.id, None)?;
        tours.push(TourPage {
            tour,
            key,
            content,
            stops,
        });
    }
    Ok(Site {
        branch,
        logo,
        accent,
        months,
        events,
        tours,
        spanish,
        address,
        name_zone,
        calendar: ics::export_upcoming(db, now)?,
    })
}

fn event_page(
    db: &Database,
    id: i64,
    key: String,
    shown: public::Shown,
    spanish: bool,
) -> Result<EventPage> {
    let event = events::get(db, id)?;
    let content = flyers::content_for_event_in(db, id, None)?;
    let content_es = if spanish {
        Some(flyers::content_for_event_in(db, id, Some("es"))?)
    } else {
        None
    };
    Ok(EventPage {
        ics: ics::export_event(db, id)?,
        zone: event.time_zone.clone(),
        event,
        key,
        shown,
        content,
        content_es,
    })
}

/// A relative path Handbill may have written: plain names only, no "..",
/// nothing absolute, so a marker changed by hand cannot point elsewhere.
fn own_path(line: &str) -> Option<PathBuf> {
    let path = Path::new(line);
    if line.is_empty() || line.len() > 300 {
        return None;
    }
    let plain = path
        .components()
        .all(|c| matches!(c, Component::Normal(n) if !n.to_string_lossy().starts_with('.')));
    plain.then(|| path.to_path_buf())
}

/// Checks the folder before anything is written, and gives the files the
/// marker lists. A file, or a folder with other things in it and no marker,
/// is refused.
fn check_folder(folder: &Path) -> Result<BTreeSet<PathBuf>> {
    if folder.as_os_str().is_empty() {
        return Err(Error::invalid_field(
            "folder",
            "Say which folder to publish the site into.",
        ));
    }
    if folder.exists() && !folder.is_dir() {
        return Err(Error::invalid_field(
            "folder",
            format!(
                "{} is a file, not a folder: choose a folder for the site (a new or empty one, or one Handbill published into before).",
                folder.display()
            ),
        ));
    }
    if !folder.exists() {
        return Ok(BTreeSet::new());
    }
    let marker = folder.join(MARKER);
    if marker.is_file() {
        let size = std::fs::metadata(&marker).map(|m| m.len()).unwrap_or(0);
        if size > MAX_MARKER_BYTES {
            return Err(Error::invalid_field(
                "folder",
                format!(
                    "{} is too large to be Handbill's list of the site's files. Choose a new folder.",
                    marker.display()
                ),
            ));
        }
        let text = std::fs::read_to_string(&marker)
            .map_err(|e| Error::storage(format!("{} could not be read: {e}.", marker.display())))?;
        let mut lines = text.lines();
        if lines.next() != Some(MARKER_HEAD) {
            return Err(not_ours(folder));
        }
        return Ok(lines.filter_map(own_path).collect());
    }
    let empty = std::fs::read_dir(folder)
        .map_err(|e| Error::storage(format!("{} could not be read: {e}.", folder.display())))?
        .next()
        .is_none();
    if empty {
        Ok(BTreeSet::new())
    } else {
        Err(not_ours(folder))
    }
}

fn not_ours(folder: &Path) -> Error {
    Error::invalid_field(
        "folder",
        format!(
            "{} already holds files Handbill did not write, so nothing was published there (none of them would be lost, but they would be mixed with the site). Choose an empty folder, or the one Handbill published into before.",
            folder.display()
        ),
    )
}

/// Writes each file whose bytes differ from what is there, through a
/// temporary file renamed into place; removes the files the marker listed
/// that the site no longer has; then writes the marker.
fn write_site(
    folder: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    previous: &BTreeSet<PathBuf>,
) -> Result<PublishReport> {
    let cannot = |path: &Path, e: std::io::Error| {
        Error::storage(format!(
            "{} could not be written: {}. Choose another folder.",
            path.display(),
            match e.kind() {
                std::io::ErrorKind::PermissionDenied => "permission is denied".to_owned(),
                _ => e.to_string(),
            }
        ))
    };
    std::fs::create_dir_all(folder).map_err(|e| cannot(folder, e))?;
    // The marker first lists what was there and what is about to be, so a
    // publish stopped half way leaves a folder Handbill still knows as its own.
    let now: BTreeSet<PathBuf> = files.keys().map(PathBuf::from).collect();
    write_marker(folder, previous.union(&now))?;
    let mut report = PublishReport {
        folder: folder.display().to_string(),
        index: folder.join("index.html").display().to_string(),
        ..PublishReport::default()
    };
    for (name, bytes) in files {
        let path = folder.join(name);
        if same_bytes(&path, bytes) {
            report.unchanged += 1;
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| cannot(parent, e))?;
        }
        crate::db::outside::write(&path, bytes)?;
        report.written += 1;
    }
    for gone in previous.difference(&now) {
        let path = folder.join(gone);
        if path.is_file() {
            std::fs::remove_file(&path).map_err(|e| cannot(&path, e))?;
            report.removed += 1;
            // A folder the site no longer uses goes too, when nothing is left in it.
            if let Some(parent) = path.parent().filter(|p| *p != folder) {
                let _ = std::fs::remove_dir(parent);
            }
        }
    }
    write_marker(folder, now.iter())?;
    Ok(report)
}

/// Writes the marker listing `names`, unless it already says exactly that.
fn write_marker<'a>(folder: &Path, names: impl Iterator<Item = &'a PathBuf>) -> Result<()> {
    let mut marker = String::from(MARKER_HEAD);
    marker.push('\n');
    for name in names {
        marker.push_str(&name.to_string_lossy().replace('\\', "/"));
        marker.push('\n');
    }
    let path = folder.join(MARKER);
    if !same_bytes(&path, marker.as_bytes()) {
        crate::db::outside::write(&path, marker.as_bytes())?;
    }
    Ok(())
}

/// Whether the file at `path` holds exactly `bytes` (its size checked first).
fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() == bytes.len() as u64 => {
            std::fs::read(path).is_ok_and(|old| old == bytes)
        }
        _ => false,
    }
}
