//! What travels with an announcement's text: the event's flyer as a PDF
//! (when the organizer attaches it), the event's calendar file so a reader
//! adds it to their calendar in one step, and the branch's logo, which heads
//! the HTML page as an inline image.
//!
//! Each is made once when an announcement is prepared (never per letter),
//! from the same core functions the window's exports use: the flyer from
//! [`flyers`], the calendar from [`ics`] (the same UID and `SEQUENCE` as the
//! published `events.ics`, so a later "rescheduled" mail's file moves the
//! entry the first one made instead of adding another).

use std::sync::Mutex;

use jiff::Timestamp;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Body, SinglePart};
use sha2::{Digest, Sha256};

use super::letter::Content;
use crate::branch;
use crate::db::Database;
use crate::error::{Error, Result};
use crate::events::{self, ics};
use crate::flyers::{self, FlyerOptions};

/// A file attached to every letter of an announcement.
#[derive(Debug, Clone)]
pub(super) struct Attached {
    pub part: SinglePart,
    pub file_name: String,
    pub bytes: usize,
}

/// The logo as the HTML page shows it: an inline part and its display size.
#[derive(Debug, Clone)]
pub(super) struct MailLogo {
    pub part: SinglePart,
    /// `logo.<hash>@<domain>`, the part's `Content-ID` without its brackets.
    pub content_id: String,
    pub width: u32,
    pub height: u32,
}

/// The box the logo is shown in at the head of the mail, in CSS pixels.
const LOGO_BOX: (u32, u32) = (200, 56);
/// Pixels drawn per CSS pixel: sharp on high-density screens, and still a
/// few kilobytes in every letter.
const LOGO_DENSITY: u32 = 2;

/// `text` as a safe ASCII file name part, at most 40 long (see
/// [`events::public::ascii_slug`]), or `empty` when nothing is left.
pub(super) fn slug(text: &str, empty: &str) -> String {
    let out = events::public::ascii_slug(text, 40);
    if out.is_empty() {
        empty.to_owned()
    } else {
        out
    }
}

/// The name of an event's file: its title and day as a safe file name,
/// "reading-group-dec-10" and `extension` (the title shortened, never the
/// day); the title alone when the date is not known yet.
fn event_file_name(title: &str, start_date: &str, extension: &str) -> String {
    let title = slug(title, extension_word(extension));
    match start_date.parse::<jiff::civil::Date>() {
        Ok(d) => format!(
            "{title}-{}.{extension}",
            slug(&d.strftime("%b %-d").to_string(), "")
        ),
        Err(_) => format!("{title}.{extension}"),
    }
}

/// The name of an event's flyer: "reading-group-dec-10.pdf".
pub fn flyer_file_name(title: &str, start_date: &str) -> String {
    event_file_name(title, start_date, "pdf")
}

/// The name a file takes when its title has no letter or digit at all.
fn extension_word(extension: &str) -> &'static str {
    match extension {
        "pdf" => "flyer",
        _ => "event",
    }
}

/// The flyer of the event (or the poster of the tour), rendered once.
pub(super) fn flyer(db: &Database, content: &Content) -> Result<Attached> {
    let (pdf, file_name) = match (content.event_id, content.tour_id) {
        (Some(id), None) => {
            let event = events::get(db, id)?;
            // As the organizer last chose it on the flyer screen.
            let options = flyers::choices(db, id)?;
            (flyers::event_flyer(db, id, options)?, flyer_file_name(&event.title, &event.start_date))
        }
        (None, Some(id)) => {
            let title = events::get_tour(db, id)?.tour.title;
            (flyers::tour_poster(db, id, FlyerOptions::default())?, format!("{}.pdf", slug(&title, "flyer")))
        }
        _ => {
            return Err(Error::invalid_field(
                "attach_flyer",
                "A flyer can be attached to an announcement about one event or one tour: choose it, or do not attach a flyer.",
            ))
        }
    };
    attached("application/pdf", file_name, pdf)
}

/// The calendar file of the event (or the tour's dated stops) an
/// announcement is about, for "Add to calendar": none for an announcement
/// about nothing dated, for a follow-up (its event is over), or for an event
/// already over at `now` (a series counts while it has dates to come, which
/// its rule in the file describes).
pub(super) fn calendar(
    db: &Database,
    content: &Content,
    now: Timestamp,
) -> Result<Option<Attached>> {
    if content.template.is_follow_up() {
        return Ok(None);
    }
    let (text, file_name) = match (content.event_id, content.tour_id) {
        (Some(id), None) => {
            let event = events::get(db, id)?;
            let Some(start) = event.start_at.as_deref() else {
                return Ok(None);
            };
            let last = event.end_at.as_deref().unwrap_or(start);
            let over = last.parse::<Timestamp>().is_ok_and(|t| t < now);
            if over && event.series.is_none() {
                return Ok(None);
            }
            let name = event_file_name(&event.title, &event.start_date, "ics");
            (ics::export_event(db, id)?, name)
        }
        (None, Some(id)) => {
            let title = events::get_tour(db, id)?.tour.title;
            // A tour whose every dated stop is still a draft has no file yet.
            let Ok(text) = ics::export_tour(db, id) else {
                return Ok(None);
            };
            if !text.contains("BEGIN:VEVENT") {
                return Ok(None);
            }
            (text, format!("{}.ics", slug(&title, "tour")))
        }
        _ => return Ok(None),
    };
    attached(
        "text/calendar; charset=utf-8; method=PUBLISH",
        file_name,
        text.into_bytes(),
    )
    .map(Some)
}

/// `bytes` as an attachment of `media` type named `file_name` (an ASCII slug).
fn attached(media: &str, file_name: String, bytes: Vec<u8>) -> Result<Attached> {
    let size = bytes.len();
    let media = ContentType::parse(&format!("{media}; name=\"{file_name}\""))
        .map_err(|e| Error::internal(format!("The media type {media} is refused: {e}")))?;
    let part = SinglePart::builder()
        .header(media)
        .header(Disposition::attachment(&file_name))
        .body(Body::new(bytes));
    Ok(Attached {
        part,
        file_name,
        bytes: size,
    })
}

/// The branch's logo for the head of the HTML mail, at most 200 × 56 CSS
/// pixels, drawn at twice that: none when the branch has no logo. A large
/// logo is scaled down once and kept (by its hash) for the next preview.
pub(super) fn logo(db: &Database, domain: &str) -> Result<Option<MailLogo>> {
    let Some((_, bytes)) = branch::logo(db)? else {
        return Ok(None);
    };
    let hash: [u8; 32] = Sha256::digest(&bytes).into();
    static SCALED: Mutex<Option<([u8; 32], Scaled)>> = Mutex::new(None);
    let cached = SCALED.lock().ok().and_then(|c| {
        c.as_ref()
            .filter(|(h, _)| *h == hash)
            .map(|(_, s)| s.clone())
    });
    let scaled = match cached {
        Some(s) => s,
        None => {
            let s = scale(&bytes)?;
            if let Ok(mut c) = SCALED.lock() {
                *c = Some((hash, s.clone()));
            }
            s
        }
    };
    let short: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
    let content_id = format!("logo.{short}@{domain}");
    let media = ContentType::parse(scaled.media)
        .map_err(|e| Error::internal(format!("The logo's media type is refused: {e}")))?;
    let part = SinglePart::builder()
        .header(media)
        .header(ContentIdHeader(format!("<{content_id}>")))
        .header(Disposition::inline(scaled.file_name))
        .body(Body::new(scaled.bytes));
    Ok(Some(MailLogo {
        part,
        content_id,
        width: scaled.width,
        height: scaled.height,
    }))
}

#[derive(Debug, Clone)]
struct Scaled {
    media: &'static str,
    file_name: &'static str,
    bytes: Vec<u8>,
    /// The display size, in CSS pixels.
    width: u32,
    height: u32,
}

/// The logo fitted into [`LOGO_BOX`] and drawn at [`LOGO_DENSITY`], on
/// white: an indexed PNG when it has at most 256 colours, else a JPEG.
fn scale(bytes: &[u8]) -> Result<Scaled> {
    let fail = |why: String| {
        Error::invalid_field(
            "logo",
            format!("The branch's logo cannot head the mail: {why}. Choose it again under Settings → Branch, or remove it."),
        )
    };
    let jpeg = image::guess_format(bytes).ok() == Some(image::ImageFormat::Jpeg);
    let decoded = branch::decode_image(bytes).map_err(fail)?;
    let (w, h) = (decoded.width(), decoded.height());
    if w == 0 || h == 0 {
        return Err(fail("it is empty".into()));
    }
    let (box_w, box_h) = LOGO_BOX;
    // The display size: as large as fits the box, never larger than drawn.
    let scale = f64::min(box_w as f64 / w as f64, box_h as f64 / h as f64).min(1.0);
    let width = ((w as f64 * scale).round() as u32).clamp(1, box_w);
    let height = ((h as f64 * scale).round() as u32).clamp(1, box_h);
    let (pw, ph) = (
        (width * LOGO_DENSITY).min(w.max(width)),
        (height * LOGO_DENSITY).min(h.max(height)),
    );
    let drawn = decoded
        .resize_exact(pw, ph, image::imageops::FilterType::Lanczos3)
        .to_rgba8();
    // The card behind the logo is white: flattened onto it, a logo of a few
    // colours (most are) is an indexed PNG of a few kilobytes, which every
    // reader downloads with every letter. A photograph stays a JPEG.
    let rgb: Vec<[u8; 3]> = drawn
        .pixels()
        .map(|p| {
            let a = p[3] as u32;
            std::array::from_fn(|c| ((p[c] as u32 * a + 255 * (255 - a) + 127) / 255) as u8)
        })
        .collect();
    // Exact colours first; a logo's anti-aliased edges may need them
    // rounded (to 32, then 16 levels a channel) to fit a palette.
    let indexed = [1u8, 8, 16]
        .into_iter()
        .find_map(|step| palette_of(&rgb, step));
    let mut out = Vec::new();
    let png = !jpeg && indexed.is_some();
    if let (false, Some((palette, indexed))) = (jpeg, indexed) {
        let mut encoder = png::Encoder::new(&mut out, pw, ph);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_palette(palette.concat());
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header().map_err(|e| fail(e.to_string()))?;
        writer
            .write_image_data(&indexed)
            .map_err(|e| fail(e.to_string()))?;
        writer.finish().map_err(|e| fail(e.to_string()))?;
    } else {
        image::RgbImage::from_raw(pw, ph, rgb.concat())
            .ok_or_else(|| fail("its pixels do not fill it".into()))?
            .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
                &mut out, 85,
            ))
            .map_err(|e| fail(e.to_string()))?;
    }
    Ok(Scaled {
        media: if png { "image/png" } else { "image/jpeg" },
        file_name: if png { "logo.png" } else { "logo.jpg" },
        bytes: out,
        width,
        height,
    })
}

/// The pixels as indexes into a palette of at most 256 colours, each
/// channel rounded to a multiple of `step` first; none when more are needed.
fn palette_of(rgb: &[[u8; 3]], step: u8) -> Option<(Vec<[u8; 3]>, Vec<u8>)> {
    let round = |v: u8| {
        if step <= 1 {
            v
        } else {
            ((v as u32 + step as u32 / 2) / step as u32 * step as u32).min(255) as u8
        }
    };
    let mut palette: Vec<[u8; 3]> = Vec::new();
    let mut index: std::collections::HashMap<[u8; 3], u8> = std::collections::HashMap::new();
    let mut indexed = Vec::with_capacity(rgb.len());
    for p in rgb {
        let p = p.map(round);
        let i = match index.get(&p) {
            Some(i) => *i,
            None if palette.len() < 256 => {
                let i = palette.len() as u8;
                palette.push(p);
                index.insert(p, i);
                i
            }
            None => return None,
        };
        indexed.push(i);
    }
    Some((palette, indexed))
}

/// `Content-Disposition: attachment; filename="rally.pdf"` (or `inline`),
/// always with the plain `filename=` parameter. lettre writes a name that
/// does not fit on the header's first line as RFC 2231 continuations
/// (`filename*0=`), which some mail programs do not read; the name here is
/// an ASCII slug, so the parameter is folded onto its own line instead,
/// where it always fits.
#[derive(Debug, Clone)]
struct Disposition(String);

impl Disposition {
    fn attachment(file_name: &str) -> Self {
        Disposition(format!("attachment; filename=\"{file_name}\""))
    }

    fn inline(file_name: &str) -> Self {
        Disposition(format!("inline; filename=\"{file_name}\""))
    }
}

impl Header for Disposition {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Disposition")
    }

    fn parse(s: &str) -> std::result::Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Disposition(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::dangerous_new_pre_encoded(
            Self::name(),
            self.0.clone(),
            self.0.replacen("; ", ";\r\n ", 1),
        )
    }
}

/// `Content-ID: <logo.1f2e3d4c5b6a@example.org>`: ASCII made here.
#[derive(Debug, Clone)]
struct ContentIdHeader(String);

impl Header for ContentIdHeader {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-ID")
    }

    fn parse(s: &str) -> std::result::Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ContentIdHeader(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::dangerous_new_pre_encoded(Self::name(), self.0.clone(), self.0.clone())
    }
}
