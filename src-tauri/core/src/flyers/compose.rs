//! The layout of a flyer: where each part of [`FlyerContent`] goes on a
//! panel (a full page, half or quarter of one), how sizes shrink to fit
//! within set limits, and the refusal naming the field when it still does
//! not fit. Panels are tiled on pages with cut marks; tear-off tabs and the QR
//! code are drawn as vector marks.

use super::canvas::{Canvas, Mark, Picture, Rgb8};
use super::fonts::Weight;
use super::poster::{Poster, MAX_STOPS};
use super::text::{markdown_blocks, wrap, Block};
use super::{check_glyphs, FlyerContent, FlyerOptions, Layout, Paper, Theme};
use crate::error::{Error, Result};

/// The largest picture side kept in the PDF; a print logo needs no more.
const MAX_PICTURE_SIDE: u32 = 600;

pub(super) struct Palette {
    pub(super) accent: Rgb8,
    pub(super) ink: Rgb8,
    pub(super) muted: Rgb8,
    banner: Rgb8,
}

pub(super) fn palette(theme: Theme) -> Palette {
    match theme {
        Theme::Color => Palette {
            accent: Rgb8(178, 24, 43),
            ink: Rgb8(25, 25, 28),
            muted: Rgb8(85, 85, 92),
            banner: Rgb8(178, 24, 43),
        },
        Theme::BlackAndWhite => Palette {
            accent: Rgb8::BLACK,
            ink: Rgb8::BLACK,
            muted: Rgb8(40, 40, 40),
            banner: Rgb8::BLACK,
        },
    }
}

/// Sizes for a panel, scaled from the full-page design.
pub(super) struct Sizes {
    pub(super) s: f32,
    pub(super) margin: f32,
    pub(super) title_max: f32,
    pub(super) title_min: f32,
    pub(super) when: f32,
    pub(super) place: f32,
    pub(super) body_max: f32,
    pub(super) body_min: f32,
    pub(super) small: f32,
    pub(super) qr: f32,
    pub(super) tab_h: f32,
    pub(super) tab_w: f32,
}

fn sizes(panel_w: f32) -> Sizes {
    sizes_at((panel_w / 612.0).clamp(0.4, 1.0))
}

/// The full-page design's sizes times `s` (1.0 on a full page), with the
/// smallest a flyer prints anything at.
pub(super) fn sizes_at(s: f32) -> Sizes {
    Sizes {
        s,
        margin: (42.0 * s).max(20.0),
        title_max: 46.0 * s,
        title_min: (24.0 * s).max(12.0),
        when: (21.0 * s).max(10.0),
        place: (15.0 * s).max(8.5),
        body_max: (13.0 * s).max(7.5),
        body_min: (8.0 * s).max(6.0),
        small: (8.5 * s).max(6.0),
        qr: (78.0 * s).max(54.0),
        tab_h: (96.0 * s).max(64.0),
        tab_w: (44.0 * s).max(34.0),
    }
}

/// Marks in local coordinates (top-left at 0,0) and the height they take.
#[derive(Default)]
pub(super) struct Piece {
    pub(super) marks: Vec<Mark>,
    pub(super) h: f32,
    /// The field the piece prints, to name when it does not fit.
    pub(super) field: &'static str,
}

impl Piece {
    pub(super) fn named(field: &'static str) -> Piece {
        Piece {
            field,
            ..Default::default()
        }
    }

    /// Adds wrapped text at `x` below what is there. Its arguments are the
    /// text box's own measures, read at thirty call sites as one line each;
    /// a struct of them would only move the same eight names into each call.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn text(
        &mut self,
        text: &str,
        x: f32,
        width: f32,
        size: f32,
        weight: Weight,
        color: Rgb8,
        leading: f32,
    ) {
        for line in wrap(text, weight, size, width) {
            self.line(&line, x, size, weight, color, leading);
        }
    }

    pub(super) fn line(
        &mut self,
        line: &str,
        x: f32,
        size: f32,
        weight: Weight,
        color: Rgb8,
        leading: f32,
    ) {
        let y = self.h + size * 1.0;
        self.marks.push(Mark::Text {
            x,
            y,
            size,
            weight,
            color,
            text: line.to_owned(),
            upward: false,
        });
        self.h += size * leading;
    }

    /// Strikes through every line of text added since the piece held `from`
    /// marks (a cancelled event, when the branch chose so): a rule in each
    /// line's own colour across its middle, the text still there to read
    /// and to copy.
    pub(super) fn strike_from(&mut self, from: usize) {
        let rules: Vec<Mark> = self.marks[from..]
            .iter()
            .filter_map(|m| match m {
                Mark::Text {
                    x,
                    y,
                    size,
                    weight,
                    color,
                    text,
                    upward: false,
                } => Some(Mark::Rect {
                    x: *x,
                    y: y - size * 0.32,
                    w: super::fonts::width(text, *weight, *size),
                    h: (size * 0.07).max(0.6),
                    fill: *color,
                }),
                _ => None,
            })
            .collect();
        self.marks.extend(rules);
    }

    pub(super) fn gap(&mut self, h: f32) {
        self.h += h;
    }

    pub(super) fn place(self, x: f32, y: f32, out: &mut Vec<Mark>) {
        for m in self.marks {
            out.push(shift(m, x, y));
        }
    }
}

pub(super) fn shift(m: Mark, dx: f32, dy: f32) -> Mark {
    match m {
        Mark::Text {
            x,
            y,
            size,
            weight,
            color,
            text,
            upward,
        } => Mark::Text {
            x: x + dx,
            y: y + dy,
            size,
            weight,
            color,
            text,
            upward,
        },
        Mark::Rect { x, y, w, h, fill } => Mark::Rect {
            x: x + dx,
            y: y + dy,
            w,
            h,
            fill,
        },
        Mark::Line {
            x1,
            y1,
            x2,
            y2,
            color,
            width,
            dashed,
        } => Mark::Line {
            x1: x1 + dx,
            y1: y1 + dy,
            x2: x2 + dx,
            y2: y2 + dy,
            color,
            width,
            dashed,
        },
        Mark::Image { x, y, w, h, image } => Mark::Image {
            x: x + dx,
            y: y + dy,
            w,
            h,
            image,
        },
    }
}

/// Decodes a logo for the PDF, flattened onto white and at most
/// [`MAX_PICTURE_SIDE`] pixels on a side.
pub(super) fn picture(bytes: &[u8], field: &str, owner: &str, grey: bool) -> Result<Picture> {
    let fail = |why: String| {
        Error::invalid_field(field, format!("The logo of “{owner}” cannot be printed: {why}. Replace it with a PNG or JPEG, or remove it."))
    };
    let decoded = crate::branch::decode_image(bytes).map_err(fail)?;
    let decoded = if decoded.width().max(decoded.height()) > MAX_PICTURE_SIDE {
        decoded.thumbnail(MAX_PICTURE_SIDE, MAX_PICTURE_SIDE)
    } else {
        decoded
    };
    let rgba = decoded.to_rgba8();
    let (width, height) = rgba.dimensions();
    if width == 0 || height == 0 {
        return Err(fail("it is empty".into()));
    }
    let mut rgb = Vec::with_capacity((width * height * 3) as usize);
    for p in rgba.pixels() {
        let a = p[3] as u32;
        let flat: [u32; 3] = std::array::from_fn(|c| (p[c] as u32 * a + 255 * (255 - a)) / 255);
        if grey {
            let y = ((flat[0] * 299 + flat[1] * 587 + flat[2] * 114) / 1000) as u8;
            rgb.extend_from_slice(&[y, y, y]);
        } else {
            rgb.extend(flat.iter().map(|v| *v as u8));
        }
    }
    Ok(Picture { width, height, rgb })
}

/// The QR code of `link` as dark rectangles, `side` points square, quiet zone included.
pub(super) fn qr_marks(link: &str, side: f32) -> Result<Vec<Mark>> {
    let code = qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| {
            Error::invalid_field(
                "link",
                format!("The link is too long for a QR code ({e}). Use a shorter link."),
            )
        })?;
    let n = code.width();
    let quiet = 2;
    let module = side / (n + 2 * quiet) as f32;
    let colors = code.to_colors();
    let mut marks = vec![Mark::Rect {
        x: 0.0,
        y: 0.0,
        w: side,
        h: side,
        fill: Rgb8::WHITE,
    }];
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == qrcode::Color::Dark {
                let start = col;
                while col < n && colors[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                marks.push(Mark::Rect {
                    x: (start + quiet) as f32 * module,
                    y: (row + quiet) as f32 * module,
                    // A hair wider and taller so neighbouring runs leave no seams.
                    w: (col - start) as f32 * module + 0.05,
                    h: module + 0.05,
                    fill: Rgb8::BLACK,
                });
            } else {
                col += 1;
            }
        }
    }
    Ok(marks)
}

/// Everything on one panel, before fitting.
pub(super) struct Panel<'a> {
    pub(super) c: &'a FlyerContent,
    pub(super) z: Sizes,
    pub(super) p: Palette,
    pub(super) w: f32,
    pub(super) h: f32,
    pub(super) tear_offs: bool,
    pub(super) layout: Layout,
    /// Indices into the canvas's pictures.
    pub(super) branch_logo: Option<(usize, u32, u32)>,
    pub(super) cosponsor_logos: Vec<(usize, u32, u32)>,
    /// How many columns the flowing parts are set in for the current attempt.
    pub(super) columns: std::cell::Cell<usize>,
}

impl Panel<'_> {
    pub(super) fn cw(&self) -> f32 {
        self.w - 2.0 * self.z.margin
    }

    /// The width of the flowing parts: the whole measure, or one of two columns.
    fn fw(&self) -> f32 {
        match self.columns.get() {
            1 => self.cw(),
            _ => (self.cw() - self.gutter()) / 2.0,
        }
    }

    fn gutter(&self) -> f32 {
        18.0 * self.z.s
    }

    pub(super) fn header(&self) -> Piece {
        let mut p = Piece::named("branch.name");
        let z = &self.z;
        let size = (10.5 * z.s).max(7.0);
        let mut x = 0.0;
        let logo_h = (34.0 * z.s).max(20.0);
        if let Some((i, pw, ph)) = self.branch_logo {
            let w = (logo_h * pw as f32 / ph as f32).min(logo_h * 3.0);
            let h = w * ph as f32 / pw as f32;
            p.marks.push(Mark::Image {
                x: 0.0,
                y: (logo_h - h) / 2.0,
                w,
                h,
                image: i,
            });
            x = w + 10.0 * z.s;
        }
        if !self.c.branch.name.is_empty() {
            let lines = wrap(
                &self.c.branch.name.to_uppercase(),
                Weight::Bold,
                size,
                self.cw() - x,
            );
            let text_h = lines.len() as f32 * size * 1.25;
            let top = if self.branch_logo.is_some() {
                ((logo_h - text_h) / 2.0).max(0.0)
            } else {
                0.0
            };
            for (i, l) in lines.iter().enumerate() {
                p.marks.push(Mark::Text {
                    x,
                    y: top + size + i as f32 * size * 1.25,
                    size,
                    weight: Weight::Bold,
                    color: self.p.muted,
                    text: l.clone(),
                    upward: false,
                });
            }
            p.h = (top + text_h).max(if self.branch_logo.is_some() {
                logo_h
            } else {
                0.0
            });
        } else if self.branch_logo.is_some() {
            p.h = logo_h;
        }
        if p.h > 0.0 {
            p.gap(6.0 * z.s);
            p.marks.push(Mark::Rect {
                x: 0.0,
                y: p.h,
                w: self.cw(),
                h: (1.5 * z.s).max(0.75),
                fill: self.p.accent,
            });
            p.gap(14.0 * z.s);
        }
        p
    }

    pub(super) fn banner(&self) -> Option<Piece> {
        let ch = self.c.change.as_ref()?;
        let z = &self.z;
        let mut inner = Piece::named("change.reason");
        let pad = 10.0 * z.s;
        let width = self.cw() - 2.0 * pad;
        inner.text(
            &ch.headline,
            pad,
            width,
            (26.0 * z.s).max(13.0),
            Weight::Bold,
            Rgb8::WHITE,
            1.1,
        );
        let size = (12.0 * z.s).max(7.0);
        if !ch.detail.is_empty() {
            inner.text(&ch.detail, pad, width, size, Weight::Bold, Rgb8::WHITE, 1.3);
        }
        if !ch.earlier.is_empty() {
            inner.text(
                &ch.earlier,
                pad,
                width,
                size,
                Weight::Regular,
                Rgb8::WHITE,
                1.3,
            );
        }
        if !ch.reason.is_empty() {
            inner.text(
                &ch.reason,
                pad,
                width,
                size * 0.9,
                Weight::Regular,
                Rgb8::WHITE,
                1.3,
            );
        }
        let mut p = Piece::named("change.reason");
        let box_h = inner.h + 2.0 * pad;
        p.marks.push(Mark::Rect {
            x: 0.0,
            y: 0.0,
            w: self.cw(),
            h: box_h,
            fill: self.p.banner,
        });
        inner.place(0.0, pad * 0.9, &mut p.marks);
        p.h = box_h + 14.0 * z.s;
        Some(p)
    }

    /// The kind tag, the hosts line and the title (shrunk to fit 3 lines).
    pub(super) fn headline(&self, squeeze: f32) -> Result<Piece> {
        let z = &self.z;
        let c = self.c;
        let mut p = Piece::named("title");
        if !c.kind.is_empty() {
            let size = (11.0 * z.s).max(7.0);
            let label = c.kind.to_uppercase();
            let pad = 5.0 * z.s;
            let w = (super::fonts::width(&label, Weight::Bold, size) + 2.0 * pad).min(self.cw());
            p.marks.push(Mark::Rect {
                x: 0.0,
                y: 0.0,
                w,
                h: size * 1.5,
                fill: self.p.accent,
            });
            let lines = wrap(&label, Weight::Bold, size, self.cw() - 2.0 * pad);
            p.marks.push(Mark::Text {
                x: pad,
                y: size * 1.12,
                size,
                weight: Weight::Bold,
                color: Rgb8::WHITE,
                text: lines[0].clone(),
                upward: false,
            });
            p.h = size * 1.5 + 10.0 * z.s;
        }
        if !c.hosts.is_empty() {
            p.text(
                &crate::events::public::presenting(&c.hosts),
                0.0,
                self.cw(),
                (13.0 * z.s).max(7.5),
                Weight::Regular,
                self.p.muted,
                1.3,
            );
            p.gap(4.0 * z.s);
        }
        let mut chosen = None;
        let mut size = (z.title_max * squeeze).max(z.title_min);
        while size >= z.title_min - 0.01 {
            let lines = wrap(&c.title, Weight::Bold, size, self.cw());
            if lines.len() <= 3 {
                chosen = Some((size, lines));
                break;
            }
            size -= 1.0;
        }
        let (size, lines) = match chosen {
            Some(x) => x,
            None => {
                let lines = wrap(&c.title, Weight::Bold, z.title_min, self.cw());
                if lines.len() > 5 {
                    return Err(Error::invalid_field(
                        "title",
                        format!("is too long for this flyer: even at {:.0} pt it takes {} lines. Shorten it to a few words.", z.title_min, lines.len()),
                    ));
                }
                (z.title_min, lines)
            }
        };
        for l in &lines {
            p.line(l, 0.0, size, Weight::Bold, self.p.ink, 1.08);
        }
        if let Some(t) = c.translation.as_ref().filter(|t| !t.title.is_empty()) {
            p.gap(2.0 * z.s);
            p.text(
                &t.title,
                0.0,
                self.cw(),
                (size * 0.5).max(z.body_max),
                Weight::Regular,
                self.p.muted,
                1.15,
            );
        }
        p.gap(12.0 * z.s);
        Ok(p)
    }

    /// Date, time and place, beside an accent bar.
    pub(super) fn when_where(&self, squeeze: f32) -> Piece {
        let z = &self.z;
        let (when_size, place_size) = (
            (z.when * squeeze).max(z.body_min * 1.2),
            (z.place * squeeze.sqrt()).max(z.body_min * 1.1),
        );
        let c = self.c;
        let mut inner = Piece::named("place");
        let x = 12.0 * z.s;
        let width = self.cw() - x;
        if !c.when.is_empty() {
            let from = inner.marks.len();
            inner.text(&c.when, x, width, when_size, Weight::Bold, self.p.ink, 1.25);
            if c.struck {
                inner.strike_from(from);
            }
        }
        if let Some(next) = c.next_dates.as_deref().filter(|t| !t.is_empty()) {
            let from = inner.marks.len();
            inner.text(
                next,
                x,
                width,
                place_size * 0.9,
                Weight::Regular,
                self.p.ink,
                1.3,
            );
            if c.struck {
                inner.strike_from(from);
            }
        }
        match &c.place {
            Some(pl) => {
                inner.gap(2.0 * z.s);
                inner.text(
                    &pl.name,
                    x,
                    width,
                    place_size,
                    Weight::Bold,
                    self.p.ink,
                    1.3,
                );
                let detail = [pl.room.as_str(), pl.address.as_str()]
                    .iter()
                    .filter(|t| !t.is_empty())
                    .copied()
                    .collect::<Vec<_>>();
                for d in detail {
                    inner.text(
                        d,
                        x,
                        width,
                        place_size * 0.85,
                        Weight::Regular,
                        self.p.muted,
                        1.3,
                    );
                }
            }
            None if !c.location_note.is_empty() => {
                inner.gap(2.0 * z.s);
                inner.text(
                    &c.location_note,
                    x,
                    width,
                    place_size,
                    Weight::Bold,
                    self.p.ink,
                    1.3,
                );
            }
            None => {}
        }
        let mut p = Piece::named("place");
        if inner.h > 0.0 {
            p.marks.push(Mark::Rect {
                x: 0.0,
                y: 0.0,
                w: (4.0 * z.s).max(2.0),
                h: inner.h,
                fill: self.p.accent,
            });
            p.h = inner.h + 12.0 * z.s;
            inner.place(0.0, 0.0, &mut p.marks);
        }
        p
    }

    fn blocks(&self, p: &mut Piece, markdown: &str, body: f32) {
        let cw = self.fw();
        for block in markdown_blocks(markdown) {
            match block {
                Block::Paragraph(t) => p.text(&t, 0.0, cw, body, Weight::Regular, self.p.ink, 1.35),
                Block::Heading(t) => {
                    p.text(&t, 0.0, cw, body * 1.15, Weight::Bold, self.p.ink, 1.3)
                }
                Block::Item { marker, text } => self.item(p, &marker, &text, body, Weight::Regular),
            }
            p.gap(body * 0.45);
        }
    }

    fn item(&self, p: &mut Piece, marker: &str, text: &str, body: f32, weight: Weight) {
        let indent = body * 1.6;
        let top = p.h;
        p.marks.push(Mark::Text {
            x: indent * 0.2,
            y: top + body,
            size: body,
            weight: Weight::Bold,
            color: self.p.accent,
            text: marker.to_owned(),
            upward: false,
        });
        p.text(
            text,
            indent,
            self.fw() - indent,
            body,
            weight,
            self.p.ink,
            1.35,
        );
    }

    /// The parts that shrink with the body size, in order.
    fn flexible(&self, body: f32) -> Vec<Piece> {
        let mut out = self.lead_parts(body);
        if !self.c.stops.is_empty() {
            let mut p = self.stops_heading(super::poster::STOPS_HEADING, body, self.fw());
            for s in &self.c.stops {
                self.stop_entry(&mut p, s, body, self.fw());
            }
            out.push(p);
        }
        out.extend(self.tail_parts(body));
        out
    }

    /// What a tour poster prints above its stops: the speakers, the
    /// description and its translation.
    pub(super) fn lead_parts(&self, body: f32) -> Vec<Piece> {
        let c = self.c;
        let cw = self.fw();
        let mut out = Vec::new();
        if !c.speakers.is_empty() {
            let mut p = Piece::named("speakers");
            p.text("with", 0.0, cw, body, Weight::Regular, self.p.muted, 1.3);
            for s in &c.speakers {
                p.text(&s.name, 0.0, cw, body * 1.3, Weight::Bold, self.p.ink, 1.25);
                if !s.about.is_empty() {
                    p.text(&s.about, 0.0, cw, body, Weight::Regular, self.p.muted, 1.3);
                }
                p.gap(body * 0.3);
            }
            out.push(p);
        }
        if !c.description.trim().is_empty() {
            let mut p = Piece::named("description");
            self.blocks(&mut p, &c.description, body);
            out.push(p);
        }
        if let Some(t) = c
            .translation
            .as_ref()
            .filter(|t| !t.description.trim().is_empty())
        {
            let mut p = Piece::named("translation.description");
            if !t.language.is_empty() {
                p.text(
                    &t.language,
                    0.0,
                    cw,
                    body * 0.95,
                    Weight::Bold,
                    self.p.accent,
                    1.3,
                );
            }
            self.blocks(&mut p, &t.description, body);
            out.push(p);
        }
        out
    }

    /// What it prints below them: the demands, access, rules, co-sponsors
    /// and the call for more. (A flyer without stops prints the two in turn.)
    pub(super) fn tail_parts(&self, body: f32) -> Vec<Piece> {
        let c = self.c;
        let cw = self.fw();
        let mut out = Vec::new();
        for (name, block) in [
            ("demands", &c.demands),
            ("demands_translation", &c.demands_translation),
        ] {
            if let Some(d) = block
                .as_ref()
                .filter(|d| !d.items.is_empty() || !d.intro.is_empty())
            {
                let mut p = Piece::named(name);
                if !d.title.is_empty() {
                    p.text(
                        &d.title,
                        0.0,
                        cw,
                        body * 1.25,
                        Weight::Bold,
                        self.p.accent,
                        1.25,
                    );
                }
                if !d.intro.is_empty() {
                    p.text(&d.intro, 0.0, cw, body, Weight::Regular, self.p.ink, 1.35);
                    p.gap(body * 0.3);
                }
                for (i, item) in d.items.iter().enumerate() {
                    self.item(&mut p, &format!("{}.", i + 1), item, body, Weight::Bold);
                    p.gap(body * 0.2);
                }
                out.push(p);
            }
        }
        for (field, label, text) in [
            ("accessibility", "Accessibility", &c.accessibility),
            ("rules", "Please note", &c.rules),
        ] {
            if !text.trim().is_empty() {
                let mut p = Piece::named(field);
                p.text(label, 0.0, cw, body * 0.9, Weight::Bold, self.p.accent, 1.3);
                p.text(
                    text.trim(),
                    0.0,
                    cw,
                    body * 0.9,
                    Weight::Regular,
                    self.p.ink,
                    1.35,
                );
                out.push(p);
            }
        }
        if !c.cosponsors.is_empty() {
            let mut p = Piece::named("cosponsors");
            p.text(
                "Co-sponsored by",
                0.0,
                cw,
                body * 0.9,
                Weight::Bold,
                self.p.accent,
                1.3,
            );
            let names: Vec<&str> = c
                .cosponsors
                .iter()
                .map(|s| s.name.as_str())
                .filter(|n| !n.is_empty())
                .collect();
            p.text(
                &names.join("  ·  "),
                0.0,
                cw,
                body,
                Weight::Regular,
                self.p.ink,
                1.35,
            );
            let logo_h = body * 3.0;
            let (mut x, mut row_top) = (0.0, p.h + body * 0.3);
            let mut any = false;
            for (i, pw, ph) in &self.cosponsor_logos {
                let w = (logo_h * *pw as f32 / *ph as f32).min(cw).min(logo_h * 3.0);
                let h = w * *ph as f32 / *pw as f32;
                if x > 0.0 && x + w > cw {
                    x = 0.0;
                    row_top += logo_h + body * 0.5;
                }
                p.marks.push(Mark::Image {
                    x,
                    y: row_top + (logo_h - h) / 2.0,
                    w,
                    h,
                    image: *i,
                });
                x += w + body * 1.5;
                any = true;
            }
            if any {
                p.h = row_top + logo_h;
            }
            out.push(p);
        }
        if !c.cosponsor_call.trim().is_empty() {
            let mut p = Piece::named("cosponsor_call");
            p.text(
                c.cosponsor_call.trim(),
                0.0,
                cw,
                body * 0.85,
                Weight::Regular,
                self.p.muted,
                1.35,
            );
            out.push(p);
        }
        out
    }

    /// Branch name and contact at the left, the QR code at the right.
    pub(super) fn footer(&self) -> Result<Piece> {
        let z = &self.z;
        let c = self.c;
        let mut p = Piece::named("branch.contact");
        let qr = if c.link.is_empty() { 0.0 } else { z.qr };
        let text_w = self.cw() - if qr > 0.0 { qr + 12.0 * z.s } else { 0.0 };
        let mut left = Piece::named("branch.contact");
        let size = z.small.max(7.0 * z.s);
        if !c.branch.name.is_empty() {
            left.text(
                &c.branch.name,
                0.0,
                text_w,
                size * 1.1,
                Weight::Bold,
                self.p.ink,
                1.3,
            );
        }
        for t in [&c.branch.contact, &c.branch.website] {
            if !t.is_empty() {
                left.text(t, 0.0, text_w, size, Weight::Regular, self.p.muted, 1.3);
            }
        }
        if !c.link.is_empty() && c.link != c.branch.website {
            left.gap(size * 0.3);
            left.text(&c.link, 0.0, text_w, size, Weight::Bold, self.p.ink, 1.3);
        }
        let mut top = 10.0 * z.s;
        p.marks.push(Mark::Rect {
            x: 0.0,
            y: 0.0,
            w: self.cw(),
            h: 0.75,
            fill: self.p.muted,
        });
        let qr_block = if qr > 0.0 {
            let caption = (6.5 * z.s).max(5.5);
            let mut q = Piece::named("link");
            for m in qr_marks(&c.link, qr)? {
                q.marks.push(m);
            }
            q.h = qr;
            q.marks.push(Mark::Text {
                x: (qr - super::fonts::width("Scan for details", Weight::Regular, caption)) / 2.0,
                y: qr + caption,
                size: caption,
                weight: Weight::Regular,
                color: self.p.muted,
                text: "Scan for details".into(),
                upward: false,
            });
            q.h += caption * 1.4;
            Some(q)
        } else {
            None
        };
        let block_h = left.h.max(qr_block.as_ref().map(|q| q.h).unwrap_or(0.0));
        let left_top = top + (block_h - left.h).max(0.0) / 2.0;
        left.place(0.0, left_top, &mut p.marks);
        if let Some(q) = qr_block {
            q.place(self.cw() - qr, top, &mut p.marks);
        }
        top += block_h;
        p.h = top;
        Ok(p)
    }

    /// Tabs along the bottom edge with the link or contact, reading upward.
    pub(super) fn tear_off_tabs(&self, out: &mut Vec<Mark>, x0: f32, y0: f32) -> Result<()> {
        let z = &self.z;
        let c = self.c;
        let lines: Vec<&str> = [c.link.as_str(), c.branch.contact.as_str()]
            .into_iter()
            .filter(|t| !t.is_empty())
            .collect();
        if lines.is_empty() {
            return Err(Error::invalid_field("tear_offs", "Tear-off tabs need the event's link or the branch's contact email; add one, or print without tabs."));
        }
        let n = (self.w / z.tab_w).floor().max(2.0) as usize;
        let tab_w = self.w / n as f32;
        let top = y0 + self.h - z.tab_h;
        let pad = 5.0 * z.s.max(0.6);
        let room = z.tab_h - 2.0 * pad;
        let across = tab_w - 2.0 * pad;
        // The largest size at which every line fits the tab's length, wrapped to at most the tab's width.
        let mut chosen = None;
        let mut size = (8.0 * z.s).max(6.0);
        while size >= 4.5 {
            let wrapped: Vec<String> = lines
                .iter()
                .flat_map(|l| wrap(l, Weight::Regular, size, room))
                .collect();
            if wrapped.len() as f32 * size * 1.15 <= across {
                chosen = Some((size, wrapped));
                break;
            }
            size -= 0.5;
        }
        let Some((size, wrapped)) = chosen else {
            return Err(Error::invalid_field("link", "is too long for the tear-off tabs even in small print. Use a shorter link, or print without tabs."));
        };
        out.push(Mark::Line {
            x1: x0,
            y1: top,
            x2: x0 + self.w,
            y2: top,
            color: self.p.muted,
            width: 0.6,
            dashed: true,
        });
        let block = wrapped.len() as f32 * size * 1.15;
        for i in 0..n {
            let tx = x0 + i as f32 * tab_w;
            if i > 0 {
                out.push(Mark::Line {
                    x1: tx,
                    y1: top,
                    x2: tx,
                    y2: y0 + self.h,
                    color: self.p.muted,
                    width: 0.6,
                    dashed: true,
                });
            }
            let first = tx + (tab_w - block) / 2.0;
            for (j, l) in wrapped.iter().enumerate() {
                out.push(Mark::Text {
                    x: first + size + j as f32 * size * 1.15 - size * 0.22,
                    y: y0 + self.h - pad,
                    size,
                    weight: if j == 0 {
                        Weight::Bold
                    } else {
                        Weight::Regular
                    },
                    color: self.p.ink,
                    text: l.clone(),
                    upward: true,
                });
            }
        }
        Ok(())
    }

    /// Lays the panel out at (x0, y0), or names the field that does not fit.
    fn draw(&self, x0: f32, y0: f32, out: &mut Vec<Mark>) -> Result<()> {
        let z = &self.z;
        let m = z.margin;
        let bottom_reserve = if self.tear_offs { z.tab_h } else { 0.0 };
        let footer = self.footer()?;
        // First the body text shrinks (13 pt down to 8 pt on a full page); when
        // that is not enough, the title and the date block shrink too, and
        // the body is tried again. Only then is the longest part refused.
        // When one column is not enough, the flowing parts go in two.
        const ATTEMPTS: [(f32, usize); 6] =
            [(1.0, 1), (0.8, 1), (1.0, 2), (0.8, 2), (0.64, 1), (0.64, 2)];
        let mut refusal = None;
        for (attempt, (squeeze, columns)) in ATTEMPTS.into_iter().enumerate() {
            let last = attempt == ATTEMPTS.len() - 1;
            self.columns.set(columns);
            let mut top: Vec<Piece> = vec![self.header()];
            if let Some(b) = self.banner() {
                top.push(b);
            }
            top.push(self.headline(squeeze)?);
            top.push(self.when_where(squeeze));
            let fixed: f32 = top.iter().map(|p| p.h).sum::<f32>() + footer.h;
            let avail = self.h - 2.0 * m - bottom_reserve - fixed - 8.0 * z.s;
            if avail < 0.0 {
                if last {
                    let worst = top
                        .iter()
                        .max_by(|a, b| a.h.total_cmp(&b.h))
                        .map(|p| p.field)
                        .unwrap_or("title");
                    return Err(Error::invalid_field(worst, format!("is too long for a {} flyer: the title, date and place alone do not fit. Shorten it.", self.layout_name())));
                }
                continue;
            }
            // A quick bound before wrapping: text far longer than the room is refused at once.
            if last || attempt == 0 {
                self.quick_bound(avail, last)?;
            }
            let mut body = z.body_max;
            let placed = loop {
                let pieces = self.flexible(body);
                let gap = body * 0.9;
                let (split, total) = flow(&pieces, gap, columns);
                if total <= avail {
                    // Room to spare goes between the parts, a little each, so a short
                    // flyer breathes instead of leaving one empty band.
                    let spare = ((avail - total) * 0.5 / (pieces.len() + 1) as f32).min(28.0 * z.s);
                    let spare = if columns == 1 { spare } else { 0.0 };
                    break Some((pieces, gap + spare, spare, split));
                }
                if body - 0.5 < z.body_min - 0.01 {
                    let worst = pieces
                        .iter()
                        .max_by(|a, b| a.h.total_cmp(&b.h))
                        .map(|p| p.field)
                        .unwrap_or("description");
                    let over = ((total - avail) / (body * 1.35)).ceil();
                    refusal = Some(Error::invalid_field(
                        worst,
                        format!(
                            "is too long for a {} flyer, even set at {:.1} pt: about {over:.0} more lines than the page holds. {}",
                            self.layout_name(),
                            body,
                            self.what_to_do()
                        ),
                    ));
                    break None;
                }
                body -= 0.5;
            };
            let Some((pieces, gap, spare, split)) = placed else {
                continue;
            };
            let mut y = y0 + m;
            for p in top {
                let h = p.h;
                p.place(x0 + m, y, out);
                y += h;
            }
            y += spare;
            let column_top = y;
            for (i, p) in pieces.into_iter().enumerate() {
                let x = if i < split {
                    x0 + m
                } else {
                    x0 + m + self.fw() + self.gutter()
                };
                if i == split && split > 0 {
                    y = column_top;
                }
                let h = p.h;
                p.place(x, y, out);
                y += h + gap;
            }
            let footer_top = y0 + self.h - m - bottom_reserve - footer.h;
            footer.place(x0 + m, footer_top, out);
            if self.tear_offs {
                self.tear_off_tabs(out, x0, y0)?;
            }
            return Ok(());
        }
        Err(refusal.unwrap_or_else(|| Error::internal("The flyer could not be laid out.")))
    }

    fn quick_bound(&self, avail: f32, last: bool) -> Result<()> {
        let z = &self.z;
        let lines_fit = avail / (z.body_min * 1.35);
        for (field, text) in [
            ("description", self.c.description.as_str()),
            (
                "translation.description",
                self.c
                    .translation
                    .as_ref()
                    .map(|t| t.description.as_str())
                    .unwrap_or(""),
            ),
        ] {
            // Counting characters first keeps a huge text from being measured at all.
            let chars = text.chars().count() as f32;
            let narrowest = 0.2 * z.body_min;
            let lines = if chars * narrowest / self.cw() > lines_fit * 2.0 {
                chars * narrowest / self.cw()
            } else {
                super::fonts::width(text, Weight::Regular, z.body_min) / self.cw()
            };
            // Before the last squeeze, only text many times too long is refused early.
            if lines > lines_fit * if last { 1.05 } else { 3.0 } {
                return Err(Error::invalid_field(
                    field,
                    format!(
                        "is far too long for a {} flyer: about {:.0} lines even at {:.1} pt, where the page holds about {:.0}. Shorten it to a few paragraphs.",
                        self.layout_name(),
                        lines,
                        z.body_min,
                        lines_fit
                    ),
                ));
            }
        }
        Ok(())
    }

    /// What to do about text too long for this layout, naming the larger
    /// layouts there are (a full page is the largest).
    fn what_to_do(&self) -> &'static str {
        match self.layout {
            Layout::FullPage => "Shorten it.",
            Layout::HalfSheet => "Shorten it, or choose the full-page layout.",
            Layout::QuarterSheet => "Shorten it, or choose the half-sheet or full-page layout.",
        }
    }

    fn layout_name(&self) -> &'static str {
        match self.layout {
            Layout::FullPage => "full-page",
            Layout::HalfSheet => "half-sheet",
            Layout::QuarterSheet => "quarter-sheet",
        }
    }
}

/// Where the second column starts (`pieces.len()` for one column) and the
/// height the flowing parts take: the split that makes the taller column shortest.
pub(super) fn flow(pieces: &[Piece], gap: f32, columns: usize) -> (usize, f32) {
    let height = |ps: &[Piece]| {
        ps.iter().map(|p| p.h).sum::<f32>() + gap * ps.len().saturating_sub(1) as f32
    };
    if columns == 1 || pieces.len() < 2 {
        return (pieces.len(), height(pieces));
    }
    (1..pieces.len())
        .map(|k| (k, height(&pieces[..k]).max(height(&pieces[k..]))))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((pieces.len(), height(pieces)))
}

/// The pages for `contents`, one page (or sheet of copies) each.
pub(super) fn document(contents: &[FlyerContent], options: FlyerOptions) -> Result<Canvas> {
    let (pw, ph) = options.paper.size();
    let (page_w, page_h, cols, rows) = match options.layout {
        Layout::FullPage => (pw, ph, 1, 1),
        Layout::HalfSheet => (ph, pw, 2, 1),
        Layout::QuarterSheet => (pw, ph, 2, 2),
    };
    let (panel_w, panel_h) = (page_w / cols as f32, page_h / rows as f32);
    let mut canvas = Canvas::new(page_w, page_h);
    // Photocopies print colour logos as muddy greys; convert them once, here.
    let grey = options.theme == Theme::BlackAndWhite;
    for c in contents {
        refuse_huge(c)?;
        check_glyphs(c)?;
        let branch_logo = match &c.branch.logo {
            Some(bytes) => {
                let pic = picture(bytes, "branch.logo", &c.branch.name, grey)?;
                let dims = (canvas.pictures.len(), pic.width, pic.height);
                canvas.pictures.push(pic);
                Some(dims)
            }
            None => None,
        };
        let mut cosponsor_logos = Vec::new();
        for (i, s) in c.cosponsors.iter().enumerate() {
            if let Some(bytes) = &s.logo {
                let pic = picture(bytes, &format!("cosponsors[{i}].logo"), &s.name, grey)?;
                cosponsor_logos.push((canvas.pictures.len(), pic.width, pic.height));
                canvas.pictures.push(pic);
            }
        }
        let panel = Panel {
            c,
            z: sizes(panel_w),
            p: palette(options.theme),
            w: panel_w,
            h: panel_h,
            tear_offs: options.tear_offs,
            layout: options.layout,
            branch_logo,
            cosponsor_logos,
            columns: std::cell::Cell::new(1),
        };
        if options.layout == Layout::FullPage && !c.stops.is_empty() {
            // A tour's poster: one page, or two when its stops need them.
            canvas.pages.extend(poster(&panel, options)?);
            continue;
        }
        let mut marks = Vec::new();
        // Lay out once, then copy the marks to each panel of the sheet.
        panel.draw(0.0, 0.0, &mut marks)?;
        let mut page = Vec::new();
        for row in 0..rows {
            for col in 0..cols {
                for m in &marks {
                    page.push(shift(m.clone(), col as f32 * panel_w, row as f32 * panel_h));
                }
            }
        }
        cut_marks(&mut page, page_w, page_h, cols, rows);
        canvas.pages.push(page);
    }
    Ok(canvas)
}

/// The pages of a tour's poster, or the refusal naming what does not fit
/// and what to do: the other paper when the poster fits on it, else what
/// to shorten, or one flyer per stop.
fn poster(panel: &Panel, options: FlyerOptions) -> Result<Vec<Vec<Mark>>> {
    let n = panel.c.stops.len();
    if n > MAX_STOPS {
        return Err(Error::invalid_field(
            "stops",
            format!("are too many for a poster: this tour has {n} stops, and a poster holds at most {MAX_STOPS} (two pages of two columns). Print one flyer per stop instead of a poster."),
        ));
    }
    let miss = match panel.draw_poster(paper_name(options.paper))? {
        Poster::Pages(pages) => return Ok(pages),
        Poster::Miss(miss) => miss,
    };
    let other = match options.paper {
        Paper::Letter => Paper::A4,
        Paper::A4 => Paper::Letter,
    };
    let (w, h) = other.size();
    let there = Panel {
        c: panel.c,
        z: sizes(w),
        p: palette(options.theme),
        w,
        h,
        tear_offs: panel.tear_offs,
        layout: Layout::FullPage,
        branch_logo: panel.branch_logo,
        cosponsor_logos: panel.cosponsor_logos.clone(),
        columns: std::cell::Cell::new(1),
    };
    let fits_there = matches!(there.draw_poster(paper_name(other)), Ok(Poster::Pages(_)));
    let what = if miss.field == "stops" {
        "they fit"
    } else {
        "it fits"
    };
    let fix = if fits_there {
        format!(
            "Choose {} paper, where {what}; or {}.",
            paper_name(other),
            miss.fix
        )
    } else {
        let mut fix = miss.fix;
        if let Some(first) = fix.get(..1) {
            fix.replace_range(..1, &first.to_uppercase());
        }
        format!("{fix}.")
    };
    Err(Error::invalid_field(
        miss.field,
        format!("{} {fix}", miss.problem),
    ))
}

fn paper_name(paper: Paper) -> &'static str {
    match paper {
        Paper::Letter => "US Letter",
        Paper::A4 => "A4",
    }
}

/// Short lines at the page's edges where the sheet is to be cut.
fn cut_marks(page: &mut Vec<Mark>, w: f32, h: f32, cols: usize, rows: usize) {
    let len = 14.0;
    let grey = Rgb8(90, 90, 90);
    for c in 1..cols {
        let x = w * c as f32 / cols as f32;
        page.push(Mark::Line {
            x1: x,
            y1: 0.0,
            x2: x,
            y2: len,
            color: grey,
            width: 0.5,
            dashed: false,
        });
        page.push(Mark::Line {
            x1: x,
            y1: h - len,
            x2: x,
            y2: h,
            color: grey,
            width: 0.5,
            dashed: false,
        });
    }
    for r in 1..rows {
        let y = h * r as f32 / rows as f32;
        page.push(Mark::Line {
            x1: 0.0,
            y1: y,
            x2: len,
            y2: y,
            color: grey,
            width: 0.5,
            dashed: false,
        });
        page.push(Mark::Line {
            x1: w - len,
            y1: y,
            x2: w,
            y2: y,
            color: grey,
            width: 0.5,
            dashed: false,
        });
    }
    if cols > 1 && rows > 1 {
        // Where the cuts cross, in the middle of the sheet.
        let (x, y) = (w / 2.0, h / 2.0);
        page.push(Mark::Line {
            x1: x - len / 2.0,
            y1: y,
            x2: x + len / 2.0,
            y2: y,
            color: grey,
            width: 0.5,
            dashed: false,
        });
        page.push(Mark::Line {
            x1: x,
            y1: y - len / 2.0,
            x2: x,
            y2: y + len / 2.0,
            color: grey,
            width: 0.5,
            dashed: false,
        });
    }
}

/// No layout holds more than about 12,000 characters of description (a full
/// page at 8 pt), so text several times longer is refused before it is
/// checked or measured: a pasted book gets its answer at once.
const MAX_DESCRIPTION_CHARS: usize = 40_000;

pub(super) fn refuse_huge(c: &FlyerContent) -> Result<()> {
    let translated = c
        .translation
        .as_ref()
        .map(|t| t.description.as_str())
        .unwrap_or("");
    for (field, text) in [
        ("description", c.description.as_str()),
        ("translation.description", translated),
    ] {
        if text.len() > MAX_DESCRIPTION_CHARS && text.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(Error::invalid_field(
                field,
                format!(
                    "is far too long for a flyer: {} characters, where even a full page holds about 12,000. Shorten it to a few paragraphs.",
                    text.chars().count()
                ),
            ));
        }
    }
    Ok(())
}
