//! Flyers: print-ready PDF flyers for an event or a whole tour. This module
//! owns what goes on a flyer ([`FlyerContent`], a plain struct that the events
//! core fills and that the coalition module will extend with co-sponsors and
//! a demand list), how it is laid out ([`Layout`], [`Paper`], [`Theme`]), and
//! the refusal of anything that cannot be printed well: text too long for the
//! page even at the smallest allowed size, characters no shipped font has, a
//! logo that cannot be read. Each refusal names the field.
//! An event's sign-in sheet for the door is drawn here too ([`signin_sheet`]),
//! on the same canvas and fonts, and its images for social media
//! ([`image`]), rasterized from the same SVG.
//!
//! Fonts are embedded and subset ([`fonts`]); nothing is downloaded or read
//! from the computer at run time. The window previews the very page the PDF
//! prints: the same display list drawn as SVG ([`preview_svg`], and a page
//! at a time by [`preview_page`]); the window rasterizes nothing, and the
//! images for social media are that same SVG rasterized by `resvg`.

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::branch;
use crate::coalition;
use crate::db::Database;
use crate::error::{Error, Result};
use crate::events::{self, public, Event, EventStatus, HistoryKind};

mod canvas;
mod compose;
pub mod fonts;
mod poster;
mod signin;
mod social;
mod text;

pub use poster::MAX_STOPS as POSTER_MAX_STOPS;
pub use signin::{signin_sheet, SigninRequest, SigninSheet, MAX_ROWS as SIGNIN_MAX_ROWS};
pub use social::{
    alt_text_path, image, save_image, ImageFormat, ImageRequest, SavedImage, SocialImage, TextBox,
};

/// How flyers sit on the sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// One flyer fills the page.
    #[default]
    FullPage,
    /// Two flyers on a landscape page, with cut marks between them.
    HalfSheet,
    /// Four flyers on a page, with cut marks between them.
    QuarterSheet,
}

/// The paper size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Paper {
    /// US Letter, 8.5 × 11 in.
    #[default]
    Letter,
    /// A4, 210 × 297 mm.
    A4,
}

impl Paper {
    /// Portrait width and height in points.
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::Letter => (612.0, 792.0),
            Paper::A4 => (595.28, 841.89),
        }
    }
}

/// The colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// A red accent for colour printers.
    #[default]
    Color,
    /// Black on white only, with no light tints: for photocopiers.
    BlackAndWhite,
}

/// How to print a flyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct FlyerOptions {
    pub layout: Layout,
    pub paper: Paper,
    pub theme: Theme,
    /// Tear-off tabs along the bottom carrying the event's link or contact.
    pub tear_offs: bool,
}

/// The flyer choices kept for an event (layout, paper, colour, tear-offs),
/// or the defaults when none were made. A kept value this Handbill cannot read
/// (a file from a newer one) reads as the defaults rather than failing.
pub fn choices(db: &Database, event_id: i64) -> Result<FlyerOptions> {
    events::get(db, event_id)?;
    let kept: Option<String> = db
        .conn()
        .query_row(
            "SELECT options FROM flyer_choice WHERE event_id = ?1",
            [event_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(kept
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

/// Keeps the flyer choices made for an event, so its flyer screen opens with
/// them and its announcement's attached flyer is drawn with them.
pub fn remember_choices(
    db: &Database,
    event_id: i64,
    options: FlyerOptions,
) -> Result<FlyerOptions> {
    events::get(db, event_id)?;
    let json = serde_json::to_string(&options)
        .map_err(|e| Error::internal(format!("The flyer choices could not be written: {e}")))?;
    db.conn().execute(
        "INSERT INTO flyer_choice (event_id, options, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (event_id) DO UPDATE SET options = excluded.options, updated_at = excluded.updated_at",
        rusqlite::params![event_id, json, crate::clock::now_text()],
    )?;
    Ok(options)
}

/// Where an event is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Place {
    /// "Kenmore Classroom Building".
    pub name: String,
    /// "Room 522", "Room to be announced", or empty.
    pub room: String,
    /// "565 Commonwealth Ave, Boston, MA 02215".
    pub address: String,
}

/// A speaker as the flyer names them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct SpeakerMark {
    pub name: String,
    /// "Emerson College, co-founder of …"; may be empty.
    pub about: String,
}

/// A numbered demand list with its introduction ("we demand that: 1. …").
/// The coalition module fills it; the events core leaves it out.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct DemandBlock {
    pub title: String,
    pub intro: String,
    pub items: Vec<String>,
}

/// A confirmed co-sponsor: its name, and its logo when the organization
/// allows it to be printed (PNG or JPEG bytes).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct CosponsorMark {
    pub name: String,
    pub logo: Option<Vec<u8>>,
}

/// A second language printed under the first (stacked).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Translation {
    /// The language's name as its readers write it: "Español".
    pub language: String,
    pub title: String,
    /// Markdown.
    pub description: String,
}

/// A RESCHEDULED, POSTPONED or CANCELLED banner.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ChangeNotice {
    /// "CANCELLED", "RESCHEDULED", "POSTPONED".
    pub headline: String,
    /// "New date: Thursday, January 14, 2027 | 7:00 - 9:00 pm".
    pub detail: String,
    /// "Originally Thursday, January 7, 2027", or empty.
    pub earlier: String,
    /// The earlier date itself ("2027-01-07"), or empty: what a notice in
    /// another language writes in its own words.
    pub earlier_date: String,
    pub reason: String,
}

/// One stop of a tour on a poster ("Meetings near you").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct StopMark {
    /// The stop's event.
    pub event_id: i64,
    /// "Tuesday, March 2, 2027 | 6:00 - 8:00 pm" or "Date to be announced".
    pub when: String,
    /// "Harvard Science Center, Hall C, 1 Oxford St, Cambridge, MA" or "Location to be announced".
    pub place: String,
    /// "CANCELLED", "RESCHEDULED", or empty.
    pub note: String,
    /// Printed struck through: a cancelled stop, when the branch chose so.
    pub struck: bool,
    /// The stop's own speakers when they are not the tour's ("Omar Khalil"),
    /// else empty.
    pub speaker: String,
}

/// The branch's part of a flyer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct BranchMark {
    pub name: String,
    pub contact: String,
    pub website: String,
    /// PNG or JPEG bytes.
    pub logo: Option<Vec<u8>>,
}

/// Everything a flyer prints, as plain text. Built from the database by
/// [`content_for_event`] and [`content_for_tour`]; other modules (coalition)
/// add to it before [`render`]. Field names are the ones errors name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct FlyerContent {
    pub title: String,
    /// "Rally", "Study group".
    pub kind: String,
    /// "ISO-Boston & Justice4Siham Coalition" (printed with "present").
    pub hosts: String,
    /// Date and time in the event's time zone, or "Date and place coming
    /// soon"; for a series, how it repeats ("Every Thursday, 7:00 pm").
    pub when: String,
    /// A series' next dates, printed under `when` ("Next: Thursday, January
    /// 14 · …"); absent for a single event.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub next_dates: Option<String>,
    /// The date and time printed struck through: a cancelled event, when the
    /// branch chose so (`branch set cancelled_shown struck`).
    pub struck: bool,
    /// None: the flyer says `location_note`.
    pub place: Option<Place>,
    /// "Location to be announced", "Online", or empty.
    pub location_note: String,
    pub speakers: Vec<SpeakerMark>,
    /// Markdown, printed as plain paragraphs and lists.
    pub description: String,
    pub translation: Option<Translation>,
    pub demands: Option<DemandBlock>,
    /// The demand list again in a second language (a bilingual flyer),
    /// printed after the first.
    pub demands_translation: Option<DemandBlock>,
    pub cosponsors: Vec<CosponsorMark>,
    /// "If your organization would like to co-sponsor … contact …".
    pub cosponsor_call: String,
    pub accessibility: String,
    pub rules: String,
    /// The event's link: the QR code and the tear-off tabs carry it.
    pub link: String,
    pub change: Option<ChangeNotice>,
    /// A tour poster's stops; empty for one event.
    pub stops: Vec<StopMark>,
    pub branch: BranchMark,
}

/// The PDF of one flyer.
pub fn render(content: &FlyerContent, options: FlyerOptions) -> Result<Vec<u8>> {
    compose::document(std::slice::from_ref(content), options)?.to_pdf(&content.title)
}

/// The PDF of several flyers, one after another (a page or sheet each).
pub fn render_all(contents: &[FlyerContent], options: FlyerOptions) -> Result<Vec<u8>> {
    compose_all(contents, options)?.to_pdf(&contents[0].title)
}

fn compose_all(contents: &[FlyerContent], options: FlyerOptions) -> Result<canvas::Canvas> {
    if contents.is_empty() {
        return Err(Error::invalid_field(
            "stops",
            "There is nothing to print: the tour has no stops yet.",
        ));
    }
    compose::document(contents, options)
}

/// The pages [`render_all`] would print, one standalone SVG per physical page
/// (a half or quarter sheet is one page with its copies and cut marks), drawn
/// from the same layout: the same lines, sizes and places, and the same
/// refusals naming their fields. For the window's live preview.
pub fn preview_svg(contents: &[FlyerContent], options: FlyerOptions) -> Result<Vec<String>> {
    Ok(compose_all(contents, options)?.to_svg())
}

/// The flyer of one event.
pub fn event_flyer(db: &Database, event_id: i64, options: FlyerOptions) -> Result<Vec<u8>> {
    request_pdf(
        db,
        &FlyerRequest {
            event_id: Some(event_id),
            options,
            ..FlyerRequest::default()
        },
    )
}

/// One flyer per stop of a tour, each on its own page (or sheet).
pub fn tour_flyers(db: &Database, tour_id: i64, options: FlyerOptions) -> Result<Vec<u8>> {
    request_pdf(
        db,
        &FlyerRequest {
            tour_id: Some(tour_id),
            options,
            ..FlyerRequest::default()
        },
    )
}

/// A poster for a whole tour: "Meetings near you" with every stop.
pub fn tour_poster(db: &Database, tour_id: i64, options: FlyerOptions) -> Result<Vec<u8>> {
    request_pdf(
        db,
        &FlyerRequest {
            tour_id: Some(tour_id),
            poster: true,
            options,
            ..FlyerRequest::default()
        },
    )
}

/// The languages an event's flyer can be printed in beside English: those
/// the event has a translation in, and those its demand list (its own, else
/// its tour's) has a translation for.
pub fn languages_for_event(db: &Database, event_id: i64) -> Result<Vec<String>> {
    let e = events::get(db, event_id)?;
    let mut languages: Vec<String> = e
        .translations
        .iter()
        .filter(|t| !t.title.trim().is_empty() || !t.description.trim().is_empty())
        .map(|t| t.language.clone())
        .collect();
    for l in coalition::demand_list_for_event(db, event_id)?
        .map(|v| v.translations)
        .unwrap_or_default()
    {
        if !languages.iter().any(|x| x.eq_ignore_ascii_case(&l)) {
            languages.push(l);
        }
    }
    Ok(languages)
}

/// The languages a tour's poster can be printed in beside English.
pub fn languages_for_tour(db: &Database, tour_id: i64) -> Result<Vec<String>> {
    Ok(coalition::demand_list_for_tour(db, tour_id)?
        .map(|v| v.translations)
        .unwrap_or_default())
}

fn demand_block(v: &coalition::DemandListVersion) -> DemandBlock {
    DemandBlock {
        title: v.title.clone(),
        intro: v.intro.clone(),
        items: v.demands.iter().map(|d| d.text.clone()).collect(),
    }
}

/// The demand list a flyer carries, and its translation when `bilingual`
/// names a language the version is translated into (a language it has no
/// translation for adds nothing, rather than printing the English twice).
fn demands_for(
    db: &Database,
    version: Option<coalition::DemandListVersion>,
    bilingual: Option<&str>,
) -> Result<(Option<DemandBlock>, Option<DemandBlock>)> {
    let Some(v) = version else {
        return Ok((None, None));
    };
    let translated = match bilingual.map(str::trim).filter(|l| !l.is_empty()) {
        Some(lang) => {
            let t = coalition::version_in_language(db, v.id, lang)?;
            (!t.language.is_empty()).then(|| demand_block(&t))
        }
        None => None,
    };
    Ok((Some(demand_block(&v)), translated))
}

/// The event's translation into `bilingual`: the exact tag first, else one
/// in the same primary language ("es" finds "es-MX" and the other way round).
fn translation_for(e: &Event, bilingual: Option<&str>) -> Option<Translation> {
    let wanted = bilingual.map(str::trim).filter(|l| !l.is_empty())?;
    let primary = |tag: &str| tag.split('-').next().unwrap_or("").to_ascii_lowercase();
    let t = e
        .translations
        .iter()
        .find(|t| t.language.eq_ignore_ascii_case(wanted))
        .or_else(|| {
            e.translations
                .iter()
                .find(|t| primary(&t.language) == primary(wanted))
        })?;
    if t.title.trim().is_empty() && t.description.trim().is_empty() {
        return None;
    }
    Some(Translation {
        language: language_name(&t.language),
        title: t.title.clone(),
        description: t.description.clone(),
    })
}

/// The language's name as its readers write it, for the heading of the
/// translated part. A short table rather than a locale-data crate: a branch
/// prints in a handful of languages, and any other prints under its code.
fn language_name(tag: &str) -> String {
    let name = match tag
        .split('-')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
        .as_str()
    {
        "es" => "Español",
        "fr" => "Français",
        "pt" => "Português",
        "ht" => "Kreyòl ayisyen",
        "it" => "Italiano",
        "de" => "Deutsch",
        "vi" => "Tiếng Việt",
        "so" => "Soomaali",
        "en" => "English",
        _ => return tag.to_owned(),
    };
    name.to_owned()
}

/// Confirmed co-sponsors as the flyer names them: the logo only where the
/// organization allowed it to be printed and has one.
fn cosponsor_marks(db: &Database, list: Vec<coalition::Cosponsor>) -> Result<Vec<CosponsorMark>> {
    list.into_iter()
        .map(|c| {
            let logo = if c.logo_permitted && c.has_logo {
                coalition::organization_logo(db, c.organization_id)?.map(|(_, bytes)| bytes)
            } else {
                None
            };
            Ok(CosponsorMark { name: c.name, logo })
        })
        .collect()
}

/// What to print, as the window and the command line ask for it: one event,
/// or a tour (one flyer per stop, or its poster).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct FlyerRequest {
    pub event_id: Option<i64>,
    pub tour_id: Option<i64>,
    /// With `tour_id`: one poster of every stop instead of a flyer per stop.
    pub poster: bool,
    pub options: FlyerOptions,
    /// A language code ("es"): the event's title and description and the
    /// demand list are printed again in it when translated.
    pub bilingual: Option<String>,
}

/// A rendered flyer as the window previews it: what is printed (logos left
/// out, so it crosses IPC small), the PDF's size and page count, and its
/// first page drawn as SVG. The other pages are drawn when the organizer
/// turns to them ([`preview_page`]): a 20-stop tour is twenty pages, and
/// sending them all at once made the window parse half a megabyte of pages
/// it did not show.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct FlyerPreview {
    /// One per flyer: the event, each stop of a tour, or the poster.
    pub contents: Vec<FlyerContent>,
    /// The first page of the PDF.
    pub first: FlyerPage,
    pub pages: u32,
    pub bytes: u32,
    /// The languages the flyer can be printed in beside English.
    pub languages: Vec<String>,
    /// "rally-siham.pdf": a file name for saving.
    pub file_name: String,
}

/// One page of a flyer's PDF, drawn as a standalone SVG in points (as
/// [`preview_svg`] draws it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct FlyerPage {
    /// Counted from 0.
    pub page: u32,
    /// How many pages the PDF has.
    pub pages: u32,
    pub svg: String,
}

/// What a request prints, one content per flyer.
pub fn contents_for(db: &Database, request: &FlyerRequest) -> Result<Vec<FlyerContent>> {
    let lang = request.bilingual.as_deref();
    match (request.event_id, request.tour_id) {
        (_, Some(t)) if request.poster => Ok(vec![content_for_tour_in(db, t, lang)?]),
        (_, Some(t)) => {
            // One flyer per public stop: drafts are not printed, nor
            // cancelled stops when the branch leaves them out.
            let stops = events::get_tour(db, t)?.stops;
            let how = crate::branch::cancelled_shown(db)?;
            let printed = public::public_events(&stops, how);
            if !stops.is_empty() && printed.is_empty() {
                return Err(Error::invalid_field(
                    "stops",
                    if stops.iter().any(public::is_public) {
                        "Every stop of this tour is a draft or cancelled, and the branch leaves cancelled events out of what it prints (Settings → What you print and send). Announce a stop first."
                    } else {
                        "Every stop of this tour is still a draft, and drafts are not printed. Announce a stop first."
                    },
                ));
            }
            printed
                .iter()
                .map(|(s, _)| content_for_event_in(db, s.id, lang))
                .collect()
        }
        (Some(_), None) if request.poster => Err(Error::invalid_field(
            "layout",
            "A poster is for a tour: choose the tour, or a full, half or quarter sheet for one event.",
        )),
        (Some(e), None) => Ok(vec![content_for_event_in(db, e, lang)?]),
        (None, None) => Err(Error::invalid_field(
            "event",
            "Choose an event or a tour to print.",
        )),
    }
}

/// The PDF a request asks for.
pub fn request_pdf(db: &Database, request: &FlyerRequest) -> Result<Vec<u8>> {
    render_all(&contents_for(db, request)?, request.options)
}

/// Renders a request (so every refusal is found now, naming its field) and
/// describes it for the window's preview, with its first page drawn.
pub fn preview(db: &Database, request: &FlyerRequest) -> Result<FlyerPreview> {
    let mut contents = contents_for(db, request)?;
    // One layout for both: the preview is the PDF's own pages.
    let sheet = compose_all(&contents, request.options)?;
    let pdf = sheet.to_pdf(&contents[0].title)?;
    let pages = sheet.pages.len() as u32;
    let first = FlyerPage {
        page: 0,
        pages,
        svg: sheet.page_svg(0).unwrap_or_default(),
    };
    let languages = languages_for(db, request)?;
    let file_name = format!("{}.pdf", slug(&contents[0].title));
    for c in &mut contents {
        c.branch.logo = None;
        for s in &mut c.cosponsors {
            s.logo = None;
        }
    }
    Ok(FlyerPreview {
        contents,
        first,
        pages,
        bytes: pdf.len() as u32,
        languages,
        file_name,
    })
}

/// Page `page` (counted from 0) of the PDF a request asks for, drawn as SVG
/// for the window's preview: the very page [`preview_svg`] and the PDF
/// draw. A sheet carries copies of one flyer, so page `n` is flyer `n`'s
/// alone, laid out by itself as the whole document lays it out; the other
/// flyers are not laid out again.
pub fn preview_page(db: &Database, request: &FlyerRequest, page: u32) -> Result<FlyerPage> {
    let contents = contents_for(db, request)?;
    let no_page = |pages: u32| {
        Error::invalid_field(
            "page",
            format!(
                "There is no page {} to show: this flyer has {pages} page{}.",
                page as u64 + 1,
                if pages == 1 { "" } else { "s" }
            ),
        )
    };
    if request.poster {
        // A poster is one flyer that may take two pages: they are laid out together.
        let sheet = compose_all(&contents, request.options)?;
        let pages = sheet.pages.len() as u32;
        let svg = sheet
            .page_svg(page as usize)
            .ok_or_else(|| no_page(pages))?;
        return Ok(FlyerPage { page, pages, svg });
    }
    let pages = contents.len() as u32;
    let Some(content) = contents.get(page as usize) else {
        return Err(no_page(pages));
    };
    let sheet = compose_all(std::slice::from_ref(content), request.options)?;
    Ok(FlyerPage {
        page,
        pages,
        svg: sheet.page_svg(0).unwrap_or_default(),
    })
}

/// The languages a request's flyer can be printed in beside English (for a
/// tour's flyers, its first stop's).
fn languages_for(db: &Database, request: &FlyerRequest) -> Result<Vec<String>> {
    Ok(match (request.event_id, request.tour_id) {
        (_, Some(t)) if request.poster => languages_for_tour(db, t)?,
        (_, Some(t)) => match events::get_tour(db, t)?.stops.first() {
            Some(s) => languages_for_event(db, s.id)?,
            None => Vec::new(),
        },
        (Some(e), None) => languages_for_event(db, e)?,
        (None, None) => Vec::new(),
    })
}

/// A flyer drawn to be saved: the PDF a request asks for, what it is, and
/// what the organizer should know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flyer {
    pub pdf: Vec<u8>,
    /// "the flyer of “Rally”", "3 flyers for the stops of “Tour”", "the poster of “Tour”".
    pub what: String,
    /// The first flyer's title (the event's, the first stop's, or the tour's).
    pub title: String,
    /// "rally-siham.pdf": a file name for saving.
    pub file_name: String,
    /// Things printed differently than asked: an event with no date yet, a
    /// language it has no translation in.
    pub notes: Vec<String>,
}

/// Draws the PDF a request asks for: the one path from a request to a saved
/// flyer, for the window's Save and Open and for `handbill flyer`.
pub fn draw(db: &Database, request: &FlyerRequest) -> Result<Flyer> {
    let mut notes = Vec::new();
    let what = match (request.event_id, request.tour_id) {
        (_, Some(t)) => {
            let tour = events::get_tour(db, t)?;
            if request.poster {
                if tour.stops.iter().all(|s| s.start_date.is_empty()) {
                    notes.push(format!(
                        "no stop of tour {t} has a date yet, so the poster says “{DATES_COMING_SOON}”."
                    ));
                }
                format!("the poster of “{}”", tour.tour.title)
            } else {
                let how = crate::branch::cancelled_shown(db)?;
                let n = public::public_events(&tour.stops, how).len();
                format!(
                    "{n} flyer{} for the stops of “{}”",
                    if n == 1 { "" } else { "s" },
                    tour.tour.title
                )
            }
        }
        (Some(id), None) if !request.poster => {
            let e = events::get(db, id)?;
            if e.start_date.is_empty() {
                notes.push(format!(
                    "event {id} has no date yet, so the flyer says “Date and place coming soon”."
                ));
            }
            format!("the flyer of “{}”", e.title)
        }
        _ => String::new(),
    };
    let contents = contents_for(db, request)?;
    let sheet = compose_all(&contents, request.options)?;
    let pdf = sheet.to_pdf(&contents[0].title)?;
    let what = match (request.poster, contents[0].stops.len()) {
        // "the poster of “Tour” (13 stops on 1 page)", so a two-page poster is no surprise.
        (true, n) if n > 0 => {
            let pages = sheet.pages.len();
            format!(
                "{what} ({n} stop{} on {pages} page{})",
                if n == 1 { "" } else { "s" },
                if pages == 1 { "" } else { "s" }
            )
        }
        _ => what,
    };
    if let Some(lang) = request.bilingual.as_deref() {
        // A tour's flyers are stop by stop: each says what it has.
        if request.event_id.is_some() && request.tour_id.is_none() || request.poster {
            let primary = |tag: &str| tag.split('-').next().unwrap_or("").to_ascii_lowercase();
            if !languages_for(db, request)?
                .iter()
                .any(|l| l.eq_ignore_ascii_case(lang) || primary(l) == primary(lang))
            {
                notes.push(format!("there is no “{lang}” translation to print beside the English; the flyer is in English only."));
            }
        }
    }
    Ok(Flyer {
        pdf,
        what,
        title: contents[0].title.clone(),
        file_name: format!("{}.pdf", slug(&contents[0].title)),
        notes,
    })
}

/// "#Justice4Siham & #Justice4Naseem Rally" → "justice4siham-justice4naseem-rally".
fn slug(title: &str) -> String {
    let mut out = String::new();
    for ch in title.chars() {
        if ch.is_alphanumeric() {
            out.extend(ch.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    let cut: String = out.chars().take(60).collect();
    if cut.is_empty() {
        "flyer".into()
    } else {
        cut.trim_end_matches('-').to_owned()
    }
}

fn branch_mark(db: &Database) -> Result<BranchMark> {
    let Some(b) = branch::get(db)? else {
        return Ok(BranchMark::default());
    };
    Ok(BranchMark {
        name: b.name,
        contact: b.contact_email,
        website: b.website,
        logo: branch::logo(db)?.map(|(_, bytes)| bytes),
    })
}

fn branch_zone(db: &Database) -> Result<Option<String>> {
    Ok(branch::get(db)?.map(|b| b.time_zone))
}

/// The date and time line, in the event's own time zone
/// ([`public::when_text`]); the zone is named when it is not the branch's,
/// or when the stop's tour spans zones.
/// How many of a series' dates its flyer lists.
const FLYER_DATES: usize = 4;

/// A series' next dates as its flyer lists them: "Next: Thursday, January
/// 14 · Thursday, January 21 · Wednesday, January 27, 6:30 pm · …", skipped
/// ones left out, a moved one with its time when that changed too.
fn next_dates_text(db: &Database, e: &Event) -> Result<String> {
    let dates = events::series::next_dates(db, e, crate::clock::now(), FLYER_DATES)?;
    if dates.is_empty() {
        return Ok("No dates to come".into());
    }
    let days: Vec<String> = dates
        .iter()
        .filter_map(|d| {
            let date: jiff::civil::Date = d.start_date.parse().ok()?;
            let day = format!(
                "{}, {} {}",
                date.strftime("%A"),
                events::views::month_name(date.month()),
                date.day()
            );
            Some(match public::clock_text(&d.start_time) {
                Some(t) if d.start_time != e.start_time => format!("{day}, {t}"),
                _ => day,
            })
        })
        .collect();
    Ok(format!("Next: {}", days.join(" · ")))
}

fn when_for(db: &Database, e: &Event, home_zone: Option<&str>) -> Result<String> {
    let name_zone = match e.tour_id {
        Some(tour_id) => {
            let t = events::get_tour(db, tour_id)?;
            public::zones_named(
                t.stops.iter().filter(|s| public::is_public(s)).chain([e]),
                home_zone,
            )
        }
        None => public::zones_named([e], home_zone),
    };
    Ok(public::when_text(e, name_zone))
}

fn place_for(e: &Event) -> (Option<Place>, String) {
    match &e.venue {
        Some(v) => {
            let address = [v.address.as_str(), v.city.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            let place = Place {
                name: v.name.clone(),
                room: public::room_text(e),
                address,
            };
            (Some(place), String::new())
        }
        None => (None, public::place_text(e)),
    }
}

fn long_date(date: &str) -> Option<String> {
    let d: jiff::civil::Date = date.get(..10)?.parse().ok()?;
    Some(format!(
        "{}, {} {}, {}",
        d.strftime("%A"),
        events::views::month_name(d.month()),
        d.day(),
        d.year()
    ))
}

fn change_for(db: &Database, e: &Event, when: &str) -> Result<Option<ChangeNotice>> {
    let history = events::history(db, e.id)?;
    let status_reason = history
        .iter()
        .rev()
        .find(|h| h.kind == HistoryKind::Status)
        .map(|h| h.reason.clone())
        .unwrap_or_default();
    Ok(match e.status {
        EventStatus::Cancelled => Some(ChangeNotice {
            headline: "CANCELLED".into(),
            detail: format!("This event will not take place ({when})."),
            earlier: String::new(),
            earlier_date: String::new(),
            reason: status_reason,
        }),
        EventStatus::Postponed => Some(ChangeNotice {
            headline: "POSTPONED".into(),
            detail: "New date to be announced.".into(),
            earlier: String::new(),
            earlier_date: String::new(),
            reason: status_reason,
        }),
        EventStatus::Rescheduled => {
            let moved = history.iter().rev().find(|h| h.kind == HistoryKind::Date);
            let earlier_date = moved
                .and_then(|h| h.old_value.get(..10))
                .filter(|d| d.parse::<jiff::civil::Date>().is_ok())
                .unwrap_or_default()
                .to_owned();
            Some(ChangeNotice {
                headline: "RESCHEDULED".into(),
                detail: format!("New date: {when}"),
                earlier: long_date(&earlier_date)
                    .map(|d| format!("Originally {d}"))
                    .unwrap_or_default(),
                earlier_date,
                reason: moved.map(|h| h.reason.clone()).unwrap_or(status_reason),
            })
        }
        _ => None,
    })
}

fn link_for(e: &Event, b: &BranchMark) -> String {
    [
        &e.links.event_page,
        &e.links.rsvp,
        &e.online_link,
        &e.links.donate,
        &b.website,
    ]
    .into_iter()
    .find(|l| !l.is_empty())
    .cloned()
    .unwrap_or_default()
}

fn speakers(list: &[events::Speaker]) -> Vec<SpeakerMark> {
    list.iter()
        .map(|s| SpeakerMark {
            name: s.name.clone(),
            about: [s.affiliation.as_str(), s.credit.as_str()]
                .iter()
                .filter(|t| !t.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect()
}

/// What the flyer of one event prints, with the demand list it carries and
/// its confirmed co-sponsors (and the tour's, for a stop).
pub fn content_for_event(db: &Database, event_id: i64) -> Result<FlyerContent> {
    content_for_event_in(db, event_id, None)
}

/// [`content_for_event`], with the event's title and description and its
/// demand list also in `bilingual` when they are translated into it.
pub fn content_for_event_in(
    db: &Database,
    event_id: i64,
    bilingual: Option<&str>,
) -> Result<FlyerContent> {
    let e = events::get(db, event_id)?;
    let (demands, demands_translation) = demands_for(
        db,
        coalition::demand_list_for_event(db, event_id)?,
        bilingual,
    )?;
    let cosponsors = cosponsor_marks(db, coalition::confirmed_cosponsors(db, event_id)?)?;
    let branch = branch_mark(db)?;
    let zone = branch_zone(db)?;
    let (when, next_dates) = match events::series::line(db, &e)? {
        Some(line) => (line, Some(next_dates_text(db, &e)?)),
        None => (when_for(db, &e, zone.as_deref())?, None),
    };
    let (place, location_note) = place_for(&e);
    let mut accessibility = e.accessibility.clone();
    if let Some(v) = &e.venue {
        if accessibility.trim().is_empty() {
            accessibility = v.accessibility.clone();
        }
    }
    let cosponsor_call = match (
        e.cosponsor_call.text.trim(),
        e.cosponsor_call.contact.trim(),
    ) {
        ("", _) => String::new(),
        (text, "") => text.to_owned(),
        (text, contact) if text.contains(contact) => text.to_owned(),
        (text, contact) => format!("{text} {contact}"),
    };
    Ok(FlyerContent {
        title: e.title.clone(),
        kind: e.kind.label().to_owned(),
        hosts: e.hosts.clone(),
        change: change_for(db, &e, &when)?,
        // Struck through when cancelled and the branch chose so: the one rule.
        struck: public::shown(&e, crate::branch::cancelled_shown(db)?).is_some_and(|s| s.struck),
        when,
        next_dates,
        place,
        location_note,
        speakers: speakers(&e.speakers),
        description: e.description.clone(),
        translation: translation_for(&e, bilingual),
        demands,
        demands_translation,
        cosponsors,
        cosponsor_call,
        accessibility,
        rules: e.rules.clone(),
        link: link_for(&e, &branch),
        stops: Vec::new(),
        branch,
    })
}

/// What a tour poster says until some stop has a date.
pub const DATES_COMING_SOON: &str = "Dates and places coming soon";

/// What a tour poster prints: the tour's title, speakers and description,
/// every stop, the tour's demand list and its confirmed co-sponsors.
pub fn content_for_tour(db: &Database, tour_id: i64) -> Result<FlyerContent> {
    content_for_tour_in(db, tour_id, None)
}

/// [`content_for_tour`], with the demand list also in `bilingual` when translated.
pub fn content_for_tour_in(
    db: &Database,
    tour_id: i64,
    bilingual: Option<&str>,
) -> Result<FlyerContent> {
    let how = crate::branch::cancelled_shown(db)?;
    content_for_tour_shown(db, tour_id, bilingual, how)
}

/// [`content_for_tour_in`], showing cancelled stops as `cancelled` says
/// rather than as the branch chose (a tour's cancellation notice lists them
/// even when the branch leaves cancelled events out of what it prints).
pub fn content_for_tour_shown(
    db: &Database,
    tour_id: i64,
    bilingual: Option<&str>,
    cancelled: public::CancelledShown,
) -> Result<FlyerContent> {
    let t = events::get_tour(db, tour_id)?;
    let (demands, demands_translation) =
        demands_for(db, coalition::demand_list_for_tour(db, tour_id)?, bilingual)?;
    let cosponsors = cosponsor_marks(db, coalition::confirmed_tour_cosponsors(db, tour_id)?)?;
    let branch = branch_mark(db)?;
    let zone = branch_zone(db)?;
    // Drafts never appear; cancelled stops appear as the branch chose
    // (marked, struck through, or not at all). Until some stop has a date,
    // the poster says so once rather than "Date to be announced" on every
    // line; a stop whose place is known is still listed.
    let public_stops = public::public_events(&t.stops, cancelled);
    let dated = public_stops.iter().any(|(s, _)| !s.start_date.is_empty());
    let name_zone = public::zones_named(public_stops.iter().map(|(s, _)| *s), zone.as_deref());
    let stops = public_stops
        .iter()
        .filter(|(s, _)| dated || s.venue.is_some())
        .map(|(s, shown)| StopMark {
            event_id: s.id,
            when: public::when_text(s, name_zone),
            place: public::place_text(s),
            note: shown.note.into(),
            struck: shown.struck,
            speaker: own_speakers(&s.speakers, &t.tour.speakers),
        })
        .collect();
    let link = t
        .stops
        .iter()
        .find_map(|s| (!s.links.event_page.is_empty()).then(|| s.links.event_page.clone()))
        .unwrap_or_else(|| branch.website.clone());
    Ok(FlyerContent {
        title: t.tour.title.clone(),
        kind: "Speaking Tour".into(),
        hosts: t.tour.hosts.clone(),
        when: if dated {
            String::new()
        } else {
            DATES_COMING_SOON.into()
        },
        place: None,
        location_note: String::new(),
        speakers: speakers(&t.tour.speakers),
        description: t.tour.description.clone(),
        link,
        stops,
        branch,
        demands,
        demands_translation,
        cosponsors,
        ..Default::default()
    })
}

/// A stop's speakers as its poster line names them ("Omar Khalil", "Omar
/// Khalil and Layla Haddad"), when they are not the tour's own; else empty.
fn own_speakers(stop: &[events::Speaker], tour: &[events::Speaker]) -> String {
    let ids = |list: &[events::Speaker]| {
        let mut v: Vec<i64> = list.iter().map(|s| s.id).collect();
        v.sort_unstable();
        v
    };
    if stop.is_empty() || ids(stop) == ids(tour) {
        return String::new();
    }
    let names: Vec<&str> = stop
        .iter()
        .map(|s| s.name.trim())
        .filter(|n| !n.is_empty())
        .collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Checks content before layout: every character must be printable.
fn check_glyphs(c: &FlyerContent) -> Result<()> {
    let mut fields: Vec<(String, &str)> = vec![
        ("title".into(), &c.title),
        ("kind".into(), &c.kind),
        ("hosts".into(), &c.hosts),
        ("when".into(), &c.when),
        ("location_note".into(), &c.location_note),
        ("description".into(), &c.description),
        ("cosponsor_call".into(), &c.cosponsor_call),
        ("accessibility".into(), &c.accessibility),
        ("rules".into(), &c.rules),
        ("link".into(), &c.link),
        ("branch.name".into(), &c.branch.name),
        ("branch.contact".into(), &c.branch.contact),
        ("branch.website".into(), &c.branch.website),
    ];
    if let Some(p) = &c.place {
        fields.push(("place.name".into(), &p.name));
        fields.push(("place.room".into(), &p.room));
        fields.push(("place.address".into(), &p.address));
    }
    for (i, s) in c.speakers.iter().enumerate() {
        fields.push((format!("speakers[{i}].name"), &s.name));
        fields.push((format!("speakers[{i}].about"), &s.about));
    }
    if let Some(t) = &c.translation {
        fields.push(("translation.language".into(), &t.language));
        fields.push(("translation.title".into(), &t.title));
        fields.push(("translation.description".into(), &t.description));
    }
    for (name, block) in [
        ("demands", &c.demands),
        ("demands_translation", &c.demands_translation),
    ] {
        if let Some(d) = block {
            fields.push((format!("{name}.title"), &d.title));
            fields.push((format!("{name}.intro"), &d.intro));
            for (i, item) in d.items.iter().enumerate() {
                fields.push((format!("{name}.items[{i}]"), item));
            }
        }
    }
    for (i, s) in c.cosponsors.iter().enumerate() {
        fields.push((format!("cosponsors[{i}].name"), &s.name));
    }
    for (i, s) in c.stops.iter().enumerate() {
        fields.push((format!("stops[{i}].when"), &s.when));
        fields.push((format!("stops[{i}].place"), &s.place));
        fields.push((format!("stops[{i}].note"), &s.note));
        fields.push((format!("stops[{i}].speaker"), &s.speaker));
    }
    if let Some(ch) = &c.change {
        fields.push(("change.headline".into(), &ch.headline));
        fields.push(("change.detail".into(), &ch.detail));
        fields.push(("change.earlier".into(), &ch.earlier));
        fields.push(("change.reason".into(), &ch.reason));
    }
    let mut problems = Vec::new();
    for (field, text) in fields {
        let missing = fonts::unprintable(text);
        if missing.is_empty() {
            continue;
        }
        // Quote the words that hold the missing characters, as typed.
        let mut words: Vec<&str> = text
            .split_whitespace()
            .filter(|w| w.chars().any(|ch| missing.contains(&ch)))
            .collect();
        words.dedup();
        let shown: Vec<&str> = words.iter().take(5).copied().collect();
        let more = if words.len() > shown.len() {
            format!(" and {} more", words.len() - shown.len())
        } else {
            String::new()
        };
        let why = if missing.iter().any(|ch| fonts::needs_shaping(*ch)) {
            "needs joined or right-to-left lettering, which Handbill's flyers cannot set yet"
        } else {
            "uses characters that none of Handbill's fonts has"
        };
        problems.push(crate::error::FieldProblem {
            field,
            message: format!(
                "cannot be printed: “{}”{more} {why} ({}). Remove or transliterate it; nothing is printed as empty boxes.",
                shown.join(" "),
                missing.iter().take(8).map(|ch| format!("U+{:04X}", *ch as u32)).collect::<Vec<_>>().join(", ")
            ),
        });
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid(problems))
    }
}
