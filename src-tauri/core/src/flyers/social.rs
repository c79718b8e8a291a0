//! Images for social media: an event or a tour as a PNG of exactly the size
//! each kind of post asks for (square 1080×1080, portrait 1080×1350, story
//! 1080×1920), with alt text written beside it for the post.
//!
//! The image is a flyer: laid out by the flyers' own composer ([`Panel`])
//! with the flyers' embedded fonts, drawn as the preview's SVG (its text
//! already the glyph outlines) and rasterized by `resvg`, so no system font
//! is read and the post shows the flyer's very type. What it carries is
//! what someone reads on a phone: the kind, the hosts, the title, the date
//! and place (a tour's stops), the speakers, the co-sponsors and the link;
//! the description belongs in the post's own text. Text is set as large as
//! the format allows and never below a readable size; what does not fit
//! even then is refused naming the field, and every line's box is checked
//! to lie inside the image before it is drawn, so nothing is ever cut off.

use std::cell::Cell;
use std::path::{Path, PathBuf};

use image::ImageEncoder;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::canvas::{Canvas, Mark};
use super::compose::{flow, palette, picture, sizes_at, Panel, Piece, Sizes};
use super::fonts::{self, Face, Weight};
use super::{
    check_glyphs, content_for_event, content_for_tour, slug, FlyerContent, Layout, SpeakerMark,
    Theme,
};
use crate::db::{outside, Database};
use crate::error::{Error, Result};
use crate::events;

/// The shapes a post takes, each an exact size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImageFormat {
    /// 1080 × 1080: a feed post.
    #[default]
    Square,
    /// 1080 × 1350: a feed post that takes more of the screen.
    Portrait,
    /// 1080 × 1920: a story, full screen.
    Story,
}

/// Pixels per point: the image is laid out in points at 2/5 of its pixels
/// (432 points across, six inches), where the flyers' sizes read well.
const PIXELS_PER_POINT: f32 = 2.5;

/// The text's scale against a full-page flyer, tried from the largest: a
/// story sets it large, a square smaller, and none below [`SMALLEST_SCALE`]
/// (body text about 26 pixels high).
const LARGEST_SCALE: f32 = 1.5;
const SMALLEST_SCALE: f32 = 0.8;
const SCALE_STEP: f32 = 0.05;

/// Points kept clear at a story's top (its progress bar and the account's
/// name) and bottom (the reply field): 250 and 340 pixels.
const STORY_CLEAR_TOP: f32 = 100.0;
const STORY_CLEAR_BOTTOM: f32 = 136.0;

impl ImageFormat {
    pub const ALL: [ImageFormat; 3] = [
        ImageFormat::Square,
        ImageFormat::Portrait,
        ImageFormat::Story,
    ];

    /// Width and height in pixels.
    pub fn pixels(self) -> (u32, u32) {
        match self {
            ImageFormat::Square => (1080, 1080),
            ImageFormat::Portrait => (1080, 1350),
            ImageFormat::Story => (1080, 1920),
        }
    }

    /// As typed on the command line: "square", "portrait", "story".
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Square => "square",
            ImageFormat::Portrait => "portrait",
            ImageFormat::Story => "story",
        }
    }

    /// "Square 1080×1080".
    pub fn label(self) -> String {
        let (w, h) = self.pixels();
        let name = match self {
            ImageFormat::Square => "Square",
            ImageFormat::Portrait => "Portrait",
            ImageFormat::Story => "Story",
        };
        format!("{name} {w}×{h}")
    }

    /// Width and height in points, where the layout is made.
    fn points(self) -> (f32, f32) {
        let (w, h) = self.pixels();
        (w as f32 / PIXELS_PER_POINT, h as f32 / PIXELS_PER_POINT)
    }
}

impl std::str::FromStr for ImageFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<ImageFormat> {
        ImageFormat::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::invalid_field(
                    "format",
                    format!("“{s}” is not an image format: choose square (1080×1080), portrait (1080×1350) or story (1080×1920)."),
                )
            })
    }
}

/// The image to draw, as the window and the command line ask for it: one
/// event's, or a tour's (its title and every public stop).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ImageRequest {
    pub event_id: Option<i64>,
    pub tour_id: Option<i64>,
    pub format: ImageFormat,
}

/// One line of text on an image, in pixels from its top-left corner: the
/// box its glyphs may take (the face's ascent above the baseline, its
/// descent below, the advances across).
#[derive(Debug, Clone, PartialEq)]
pub struct TextBox {
    pub text: String,
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

/// A drawn image, ready to be saved.
#[derive(Debug, Clone, PartialEq)]
pub struct SocialImage {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub format: ImageFormat,
    /// What a screen reader says of the image: plain sentences.
    pub alt_text: String,
    /// "the square image (1080×1080) of “Rally”".
    pub what: String,
    /// "rally-square.png": a file name for saving.
    pub file_name: String,
    /// Every line of text drawn, each inside the image.
    pub text_boxes: Vec<TextBox>,
}

/// Where an image and its alt text were written, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct SavedImage {
    pub path: String,
    /// The alt text's file beside the image ([`alt_text_path`]).
    pub alt_path: String,
    pub alt_text: String,
    pub width: u32,
    pub height: u32,
}

/// Draws the image a request asks for: the one path from a request to a
/// post's image, for the Flyers screen's *Save image…* and `handbill image`.
pub fn image(db: &Database, request: &ImageRequest) -> Result<SocialImage> {
    let content = match (request.event_id, request.tour_id) {
        // Drafts never show; until a stop has a date the tour says so.
        (_, Some(t)) => content_for_tour(db, t)?,
        (Some(e), None) => {
            events::get(db, e)?;
            content_for_event(db, e)?
        }
        (None, None) => {
            return Err(Error::invalid_field(
                "event",
                "Choose an event or a tour for the image.",
            ))
        }
    };
    draw(&content, request.format)
}

/// The image of `content` in `format`, laid out, checked and rasterized.
pub fn draw(content: &FlyerContent, format: ImageFormat) -> Result<SocialImage> {
    let (canvas, content) = compose(&for_a_post(content), format)?;
    let text_boxes = text_boxes(&canvas)?;
    let (width, height) = format.pixels();
    let svg = canvas
        .page_svg(0)
        .ok_or_else(|| Error::internal("The image was laid out with no page."))?;
    let png = rasterize(&svg, width, height)?;
    Ok(SocialImage {
        png,
        width,
        height,
        format,
        alt_text: alt_text(&content),
        what: format!(
            "the {} image ({width}×{height}) of “{}”",
            format.name(),
            content.title
        ),
        file_name: format!("{}-{}.png", slug(&content.title), format.name()),
        text_boxes,
    })
}

/// Where the alt text of an image saved at `png` is written: beside it, with
/// `.alt.txt` for its extension ("rally.png" → "rally.alt.txt").
pub fn alt_text_path(png: &Path) -> PathBuf {
    png.with_extension("alt.txt")
}

/// Writes the image to `path` and its alt text beside it ([`alt_text_path`]),
/// each whole or not at all.
pub fn save_image(image: &SocialImage, path: &Path) -> Result<SavedImage> {
    let alt_path = alt_text_path(path);
    outside::write(path, &image.png)?;
    outside::write(&alt_path, format!("{}\n", image.alt_text).as_bytes())?;
    Ok(SavedImage {
        path: path.display().to_string(),
        alt_path: alt_path.display().to_string(),
        alt_text: image.alt_text.clone(),
        width: image.width,
        height: image.height,
    })
}

/// What a post shows of a flyer: everything read at a glance. The
/// description, demands, access notes, rules and the call for co-sponsors
/// are left for the post's text and the event's page.
fn for_a_post(c: &FlyerContent) -> FlyerContent {
    FlyerContent {
        description: String::new(),
        translation: None,
        demands: None,
        demands_translation: None,
        accessibility: String::new(),
        rules: String::new(),
        cosponsor_call: String::new(),
        ..c.clone()
    }
}

/// Lays `c` out on one page of `format`'s size, at the largest scale where
/// it all fits, or names the field that does not fit at the smallest (and
/// the story format when it fits there); with the content it drew, which
/// the alt text describes.
fn compose(c: &FlyerContent, format: ImageFormat) -> Result<(Canvas, FlyerContent)> {
    check_glyphs(c)?;
    match lay_out(c, format, false) {
        Err(_) if format != ImageFormat::Story && lay_out(c, ImageFormat::Story, false).is_ok() => {
            lay_out(c, format, true)
        }
        done => done,
    }
}

/// [`compose`]'s search; a refusal names the story format when `story_fits`.
fn lay_out(
    c: &FlyerContent,
    format: ImageFormat,
    story_fits: bool,
) -> Result<(Canvas, FlyerContent)> {
    let (w, h) = format.points();
    let mut canvas = Canvas::new(w, h);
    let branch_logo = match &c.branch.logo {
        Some(bytes) => {
            let pic = picture(bytes, "branch.logo", &c.branch.name, false)?;
            let dims = (canvas.pictures.len(), pic.width, pic.height);
            canvas.pictures.push(pic);
            Some(dims)
        }
        None => None,
    };
    let mut cosponsor_logos = Vec::new();
    for (i, s) in c.cosponsors.iter().enumerate() {
        if let Some(bytes) = &s.logo {
            let pic = picture(bytes, &format!("cosponsors[{i}].logo"), &s.name, false)?;
            cosponsor_logos.push((canvas.pictures.len(), pic.width, pic.height));
            canvas.pictures.push(pic);
        }
    }
    let steps = ((LARGEST_SCALE - SMALLEST_SCALE) / SCALE_STEP).round() as usize;
    let mut refusal = None;
    // Everything first; then, when even the smallest text does not hold
    // it, without the speakers' credits and the co-sponsors, which the
    // post's own text can name.
    let short = brief(c);
    let contents = if short == *c {
        vec![short]
    } else {
        vec![c.clone(), short]
    };
    for (pass, content) in contents.into_iter().enumerate() {
        for step in 0..=steps {
            let scale = LARGEST_SCALE - step as f32 * SCALE_STEP;
            // At each scale the title may shrink first, to about half.
            for squeeze in [1.0, 0.75, 0.55] {
                let mut z = sizes_at(scale);
                // The edges stay one width at every scale: larger text takes
                // the room, not the margins.
                z.margin = 30.0;
                let drawn = when_broken(&content, &z, w - 2.0 * z.margin);
                let panel = Panel {
                    c: &drawn,
                    z,
                    p: palette(Theme::Color),
                    w,
                    h,
                    tear_offs: false,
                    layout: Layout::FullPage,
                    branch_logo,
                    cosponsor_logos: if content.cosponsors.is_empty() {
                        Vec::new()
                    } else {
                        cosponsor_logos.clone()
                    },
                    columns: Cell::new(1),
                };
                match panel.post(format, squeeze, story_fits) {
                    Ok(marks) => {
                        canvas.pages.push(marks);
                        return Ok((canvas, content));
                    }
                    // What the whole content refuses at the smallest size
                    // names what is too long; the brief content's would
                    // name what is left.
                    Err(e) if pass == 0 => refusal = Some(e),
                    Err(_) => {}
                }
            }
        }
    }
    Err(refusal.unwrap_or_else(|| Error::internal("The image could not be laid out.")))
}

/// `c` with its date and time on two lines when they do not fit on one at
/// `z`'s size in `width` ("Saturday, January 30, 2027 | 12:00 - 2:00 pm"
/// breaks at the bar, not before "pm"), as a poster's stops break.
fn when_broken(c: &FlyerContent, z: &Sizes, width: f32) -> FlyerContent {
    let room = width - 12.0 * z.s;
    match c.when.split_once(" | ") {
        Some((date, time)) if fonts::width(&c.when, Weight::Bold, z.when) > room => FlyerContent {
            when: format!("{date}\n{time}"),
            ..c.clone()
        },
        _ => c.clone(),
    }
}

/// `c` without what a small image leaves out first: the speakers' credits
/// and the co-sponsors.
fn brief(c: &FlyerContent) -> FlyerContent {
    FlyerContent {
        speakers: c
            .speakers
            .iter()
            .map(|s| SpeakerMark {
                name: s.name.clone(),
                about: String::new(),
            })
            .collect(),
        cosponsors: Vec::new(),
        ..c.clone()
    }
}

impl Panel<'_> {
    /// The image at this panel's sizes: the branch at the top, the link at
    /// the bottom, and between them the headline, date and place, stops,
    /// speakers and co-sponsors, centred in the room they leave. An error
    /// names the field that does not fit at these sizes, and the story
    /// format when `story_fits`.
    fn post(&self, format: ImageFormat, squeeze: f32, story_fits: bool) -> Result<Vec<Mark>> {
        let z = &self.z;
        let m = z.margin;
        // A story's top and bottom are covered by the app's own bars: its
        // text keeps clear of them.
        let (top, bottom) = match format {
            ImageFormat::Story => (STORY_CLEAR_TOP, STORY_CLEAR_BOTTOM),
            _ => (m, m),
        };
        let header = self.header();
        let footer = self.post_footer();
        let mut middle: Vec<Piece> = Vec::new();
        if let Some(b) = self.banner() {
            middle.push(b);
        }
        middle.push(self.headline(squeeze)?);
        middle.push(self.when_where(1.0));
        let body = z.body_max;
        let gap = body * 0.9;
        // A gap above the footer's rule, whatever ends the middle.
        let room = self.h - top - bottom - header.h - footer.h - gap;
        let fixed: f32 = middle.iter().map(|p| p.h).sum();
        let mut rest: Vec<Piece> = Vec::new();
        if !self.c.stops.is_empty() {
            rest.push(self.stops_block(room - fixed - gap, body));
        }
        rest.extend(
            self.lead_parts(body)
                .into_iter()
                .chain(self.tail_parts(body))
                .filter(|p| matches!(p.field, "speakers" | "cosponsors")),
        );
        let total = fixed + rest.iter().map(|p| p.h + gap).sum::<f32>();
        if total > room {
            let worst = middle
                .iter()
                .chain(&rest)
                .max_by(|a, b| a.h.total_cmp(&b.h))
                .map(|p| p.field)
                .unwrap_or("title");
            let larger = if story_fits {
                " Choose the story format (1080×1920), where it fits, or"
            } else {
                ""
            };
            let message = if worst == "stops" {
                let n = self.c.stops.len();
                format!(
                    "are too many for a {} image: {n} stops with their dates and places do not fit even in small type.{larger} {} an image of each stop (each is an event of its own).",
                    format.label().to_lowercase(),
                    if larger.is_empty() { "Post" } else { "post" },
                )
            } else {
                format!(
                    "is too long for a {} image, even with its text set small.{larger} {}.",
                    format.label().to_lowercase(),
                    if larger.is_empty() {
                        "Shorten it"
                    } else {
                        "shorten it"
                    },
                )
            };
            return Err(Error::invalid_field(worst, message));
        }
        let mut out = Vec::new();
        if format == ImageFormat::Story {
            // The app's bars are drawn over bands in the accent colour, where
            // their white lettering reads, rather than over empty white.
            let air = 20.0;
            out.push(Mark::Rect {
                x: 0.0,
                y: 0.0,
                w: self.w,
                h: top - air,
                fill: self.p.accent,
            });
            out.push(Mark::Rect {
                x: 0.0,
                y: self.h - bottom + air,
                w: self.w,
                h: bottom - air,
                fill: self.p.accent,
            });
        }
        // What is left over goes around the middle, so a short event sits
        // in the middle of its image rather than under its header.
        let mut y = top + header.h + (room - total) / 2.0;
        header.place(m, top, &mut out);
        for p in middle {
            let h = p.h;
            p.place(m, y, &mut out);
            y += h;
        }
        for p in rest {
            y += gap;
            let h = p.h;
            p.place(m, y, &mut out);
            y += h;
        }
        let footer_top = self.h - bottom - footer.h;
        footer.place(m, footer_top, &mut out);
        Ok(out)
    }

    /// "Meetings near you" and a tour's stops: in one column when they fit
    /// `room`, else in two.
    fn stops_block(&self, room: f32, body: f32) -> Piece {
        let size = body * 1.05;
        let gutter = 14.0 * self.z.s;
        let entries = |width: f32| -> Vec<Piece> {
            self.c
                .stops
                .iter()
                .map(|s| {
                    let mut p = Piece::named("stops");
                    self.stop_entry(&mut p, s, size, width);
                    p
                })
                .collect()
        };
        let mut block = self.stops_heading(super::poster::STOPS_HEADING, body, self.cw());
        let one = entries(self.cw());
        let (columns, width, entries) = if block.h + flow(&one, 0.0, 1).1 <= room {
            (1, self.cw(), one)
        } else {
            let width = (self.cw() - gutter) / 2.0;
            (2, width, entries(width))
        };
        let (split, height) = flow(&entries, 0.0, columns);
        let top = block.h;
        let mut y = top;
        for (i, p) in entries.into_iter().enumerate() {
            let x = if i < split { 0.0 } else { width + gutter };
            if i == split {
                y = top;
            }
            let h = p.h;
            p.place(x, y, &mut block.marks);
            y += h;
        }
        block.h = top + height;
        block
    }

    /// The branch's name and contact and the event's link, under a rule:
    /// the link large enough to type from a phone.
    fn post_footer(&self) -> Piece {
        let z = &self.z;
        let c = self.c;
        let cw = self.cw();
        let mut p = Piece::named("link");
        p.marks.push(Mark::Rect {
            x: 0.0,
            y: 0.0,
            w: cw,
            h: 0.75,
            fill: self.p.muted,
        });
        p.gap(10.0 * z.s);
        let size = z.body_max;
        let link = if c.link.is_empty() {
            &c.branch.website
        } else {
            &c.link
        };
        if !link.is_empty() {
            p.text(link, 0.0, cw, size, Weight::Bold, self.p.accent, 1.3);
        }
        let from: Vec<&str> = [c.branch.name.as_str(), c.branch.contact.as_str()]
            .into_iter()
            .filter(|t| !t.is_empty())
            .collect();
        let small = size * 0.85;
        let one_line = from.join("  ·  ");
        // On one line when they fit, else each on its own: no dot left
        // hanging at a line's end.
        let lines = if fonts::width(&one_line, Weight::Regular, small) <= cw {
            vec![one_line]
        } else {
            from.iter().map(|t| t.to_string()).collect()
        };
        for line in lines.iter().filter(|l| !l.is_empty()) {
            p.text(line, 0.0, cw, small, Weight::Regular, self.p.muted, 1.3);
        }
        p
    }
}

/// The box each line of text takes, in pixels; an error when one would run
/// off the image, which the layout above never lets happen.
fn text_boxes(canvas: &Canvas) -> Result<Vec<TextBox>> {
    let ascent = Face::Bold.ascent().max(Face::Regular.ascent());
    let descent = 0.3;
    let mut out = Vec::new();
    for mark in canvas.pages.iter().flatten() {
        let Mark::Text {
            x,
            y,
            size,
            weight,
            text,
            upward,
            ..
        } = mark
        else {
            continue;
        };
        let length = fonts::width(text, *weight, *size);
        let (left, top, width, height) = if *upward {
            (
                x - size * ascent,
                y - length,
                size * (ascent + descent),
                length,
            )
        } else {
            (*x, y - size * ascent, length, size * (ascent + descent))
        };
        let inside = left >= 0.0
            && top >= 0.0
            && left + width <= canvas.width + 0.01
            && top + height <= canvas.height + 0.01;
        if !inside {
            return Err(Error::internal(format!(
                "The image's line “{text}” would run off its edge; it was not drawn."
            )));
        }
        out.push(TextBox {
            text: text.clone(),
            x: left * PIXELS_PER_POINT,
            y: top * PIXELS_PER_POINT,
            width: width * PIXELS_PER_POINT,
            height: height * PIXELS_PER_POINT,
        });
    }
    Ok(out)
}

/// The page's SVG drawn at exactly `width` × `height` pixels, as an opaque PNG.
fn rasterize(svg: &str, width: u32, height: u32) -> Result<Vec<u8>> {
    let failed = |why: String| Error::internal(format!("The image could not be drawn: {why}."));
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default())
        .map_err(|e| failed(e.to_string()))?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| failed(format!("no room for {width}×{height} pixels")))?;
    let size = tree.size();
    let transform = resvg::tiny_skia::Transform::from_scale(
        width as f32 / size.width(),
        height as f32 / size.height(),
    );
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    // The page has a white ground, so every pixel is opaque: keep RGB.
    let rgb: Vec<u8> = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&rgb, width, height, image::ExtendedColorType::Rgb8)
        .map_err(|e| failed(e.to_string()))?;
    Ok(png)
}

/// What a screen reader says of the image, in plain sentences: what it
/// announces, who presents it, when and where (each stop of a tour), with
/// whom, and where to read more.
fn alt_text(c: &FlyerContent) -> String {
    let plain = |t: &str| t.replace(" | ", ", ");
    let mut out: Vec<String> = Vec::new();
    let kind = if c.kind.is_empty() {
        "event".to_owned()
    } else {
        c.kind.to_lowercase()
    };
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    out.push(format!(
        "Announcement of {article} {kind}: “{}”.",
        c.title.trim()
    ));
    if !c.hosts.trim().is_empty() {
        out.push(format!("Presented by {}.", c.hosts.trim()));
    }
    if let Some(ch) = &c.change {
        let mut line = format!("{}.", ch.headline.trim().to_lowercase());
        if let Some(first) = line.get(..1) {
            line.replace_range(..1, &first.to_uppercase());
        }
        out.push(line);
        for t in [&ch.earlier, &ch.reason] {
            if !t.trim().is_empty() {
                out.push(sentence(t));
            }
        }
    }
    if !c.when.trim().is_empty() {
        let struck = if c.struck { " (struck through)" } else { "" };
        out.push(format!("When: {}{struck}.", plain(c.when.trim())));
    }
    if let Some(next) = c.next_dates.as_deref().filter(|t| !t.trim().is_empty()) {
        out.push(sentence(next));
    }
    match &c.place {
        Some(p) => {
            let parts: Vec<&str> = [p.name.trim(), p.room.trim(), p.address.trim()]
                .into_iter()
                .filter(|t| !t.is_empty())
                .collect();
            if !parts.is_empty() {
                out.push(format!("Where: {}.", parts.join(", ")));
            }
        }
        None if !c.location_note.trim().is_empty() => {
            out.push(format!("Where: {}.", c.location_note.trim()))
        }
        None => {}
    }
    if !c.stops.is_empty() {
        let stops: Vec<String> = c
            .stops
            .iter()
            .map(|s| {
                let mut t = format!("{}, {}", plain(s.when.trim()), s.place.trim());
                if !s.speaker.is_empty() {
                    t.push_str(&format!(", with {}", s.speaker));
                }
                if !s.note.is_empty() {
                    t.push_str(&format!(" ({})", s.note.to_lowercase()));
                }
                t
            })
            .collect();
        out.push(format!(
            "{} stop{}: {}.",
            stops.len(),
            if stops.len() == 1 { "" } else { "s" },
            stops.join("; ")
        ));
    }
    if !c.speakers.is_empty() {
        let speakers: Vec<String> = c
            .speakers
            .iter()
            .map(|s| match s.about.trim() {
                "" => s.name.trim().to_owned(),
                about => format!("{} ({about})", s.name.trim()),
            })
            .collect();
        out.push(format!("With {}.", speakers.join("; ")));
    }
    let cosponsors: Vec<&str> = c
        .cosponsors
        .iter()
        .map(|s| s.name.trim())
        .filter(|n| !n.is_empty())
        .collect();
    if !cosponsors.is_empty() {
        out.push(format!("Co-sponsored by {}.", cosponsors.join(", ")));
    }
    if !c.branch.name.trim().is_empty() {
        out.push(format!("From {}.", c.branch.name.trim()));
    }
    // Last, with no full stop after it: a link read or copied as it is.
    let link = if c.link.is_empty() {
        &c.branch.website
    } else {
        &c.link
    };
    if !link.is_empty() {
        out.push(format!("Details: {link}"));
    }
    out.join(" ")
}

/// `t` ending with a full stop.
fn sentence(t: &str) -> String {
    let t = t.trim();
    if t.ends_with(['.', '!', '?']) {
        t.to_owned()
    } else {
        format!("{t}.")
    }
}
