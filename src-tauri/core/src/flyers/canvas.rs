//! The sheet a flyer is drawn on: a display list of marks (text, rectangles,
//! lines, images) measured in points from the top-left corner, and its
//! conversion into a PDF with printpdf. Keeping our own list first lets the
//! whole document's characters be known before any font is embedded, so each
//! face is subset once, and lets the layout be checked (nothing off the page)
//! without reading the PDF back. The same list also becomes one SVG per page
//! ([`Canvas::to_svg`]) for the window's preview, so what the organizer sees
//! has the PDF's very line breaks, sizes and places, and its very glyphs: the
//! text is drawn as the outlines of the faces the PDF embeds, each glyph where
//! the PDF puts it, so no web view sets it again in fonts of its own.

use std::collections::{BTreeMap, BTreeSet};

use printpdf::{
    Color, FontId, LineDashPattern, LinePoint, Op, PaintMode, ParsedFont, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, RawImage, Rect, Rgb,
    TextItem, TextMatrix, WindingOrder, XObjectId, XObjectTransform,
};

use image::ImageEncoder;

use super::fonts::{self, Face, Weight};
use crate::error::{Error, Result};

/// An sRGB colour, 0–255 per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb8(pub u8, pub u8, pub u8);

impl Rgb8 {
    pub const BLACK: Rgb8 = Rgb8(0, 0, 0);
    pub const WHITE: Rgb8 = Rgb8(255, 255, 255);

    fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    fn pdf(self) -> Color {
        Color::Rgb(Rgb {
            r: self.0 as f32 / 255.0,
            g: self.1 as f32 / 255.0,
            b: self.2 as f32 / 255.0,
            icc_profile: None,
        })
    }
}

/// One thing drawn. `x`, `y` in points from the page's top-left corner.
#[derive(Debug, Clone)]
pub enum Mark {
    /// A line of text; `y` is its baseline. `upward` turns it to read from
    /// bottom to top, starting at (x, y).
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        color: Rgb8,
        text: String,
        upward: bool,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Rgb8,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        color: Rgb8,
        width: f32,
        dashed: bool,
    },
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        image: usize,
    },
}

/// A decoded picture, ready for the PDF (RGB, 8 bits).
#[derive(Debug, Clone)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// Pages of marks, all the same size.
#[derive(Debug, Clone, Default)]
pub struct Canvas {
    pub width: f32,
    pub height: f32,
    pub pages: Vec<Vec<Mark>>,
    pub pictures: Vec<Picture>,
}

impl Canvas {
    pub fn new(width: f32, height: f32) -> Canvas {
        Canvas {
            width,
            height,
            pages: Vec::new(),
            pictures: Vec::new(),
        }
    }

    /// The PDF. `title` goes into the document's properties.
    pub fn to_pdf(&self, title: &str) -> Result<Vec<u8>> {
        let mut doc = PdfDocument::new(title);
        // The real creation date: printpdf's default is 1 January 1970.
        if let Ok(now) =
            printpdf::OffsetDateTime::from_unix_timestamp(crate::clock::now().as_second())
        {
            doc.metadata.info.creation_date = now;
            doc.metadata.info.modification_date = now;
            doc.metadata.info.metadata_date = now;
        }
        // Which characters each face draws, over the whole document.
        let mut used: BTreeMap<Face, BTreeSet<char>> = BTreeMap::new();
        for page in &self.pages {
            for mark in page {
                if let Mark::Text { text, weight, .. } = mark {
                    for (face, run) in fonts::runs(text, *weight) {
                        used.entry(face).or_default().extend(run.chars());
                    }
                }
            }
        }
        let mut font_ids: BTreeMap<Face, FontId> = BTreeMap::new();
        for (face, chars) in &used {
            let cut = fonts::subset(*face, chars).map_err(|e| {
                Error::internal(format!(
                    "Could not subset the font {}: {e}",
                    face.postscript_name()
                ))
            })?;
            let mut warnings = Vec::new();
            let mut parsed =
                ParsedFont::from_bytes(&cut.bytes, 0, &mut warnings).ok_or_else(|| {
                    Error::internal(format!(
                        "The subset of {} could not be read back: {warnings:?}",
                        face.postscript_name()
                    ))
                })?;
            // Text is written as characters; map each to its glyph in the subset.
            parsed.codepoint_to_glyph = cut.glyphs.iter().map(|(c, g)| (*c as u32, *g)).collect();
            parsed.font_name = Some(format!(
                "{}+{}",
                subset_tag(*face, chars),
                face.postscript_name()
            ));
            font_ids.insert(*face, doc.add_font(&parsed));
        }
        let images: Vec<(XObjectId, u32, u32)> = self
            .pictures
            .iter()
            .map(|p| {
                let raw = RawImage {
                    pixels: printpdf::RawImageData::U8(p.rgb.clone()),
                    width: p.width as usize,
                    height: p.height as usize,
                    data_format: printpdf::RawImageFormat::RGB8,
                    tag: Vec::new(),
                };
                (doc.add_image(&raw), p.width, p.height)
            })
            .collect();

        let mut pages = Vec::new();
        for marks in &self.pages {
            let mut ops = Vec::new();
            for mark in marks {
                self.emit(mark, &font_ids, &images, &mut ops);
            }
            let size = Rect::from_wh(Pt(self.width), Pt(self.height));
            pages.push(PdfPage {
                media_box: size.clone(),
                trim_box: size.clone(),
                crop_box: size,
                ops,
            });
        }
        doc.with_pages(pages);
        let mut warnings = Vec::new();
        let opts = PdfSaveOptions {
            image_optimization: None,
            ..Default::default()
        };
        Ok(doc.save(&opts, &mut warnings))
    }

    /// One standalone SVG per page, drawn from the same marks as the PDF:
    /// the view box is the page in points; every text mark is one already
    /// broken and sized line, a group labelled with its text holding its
    /// glyphs, each the outline of the glyph the PDF draws (defined once per
    /// page, from the shipped faces) placed at the PDF's own advance, so no
    /// font, kerning, hinting or rounding of the web view's moves a letter;
    /// pictures are the decoded (and, in black and white, greyed) pixels the
    /// PDF embeds, as PNG `data:` URIs. All user text is XML-escaped; nothing
    /// in it can become markup.
    pub fn to_svg(&self) -> Vec<String> {
        (0..self.pages.len())
            .filter_map(|i| self.page_svg(i))
            .collect()
    }

    /// Page `index` (counted from 0) as [`Canvas::to_svg`] draws it, with
    /// only the pictures that page shows encoded; None past the last page.
    pub fn page_svg(&self, index: usize) -> Option<String> {
        let marks = self.pages.get(index)?;
        let mut pngs: Vec<Option<String>> = vec![None; self.pictures.len()];
        for mark in marks {
            if let Mark::Image { image, .. } = mark {
                if let (Some(slot @ None), Some(p)) =
                    (pngs.get_mut(*image), self.pictures.get(*image))
                {
                    *slot = png_data_uri(p);
                }
            }
        }
        let mut glyphs = Glyphs::default();
        let mut body = String::with_capacity(64 * marks.len());
        for mark in marks {
            svg_mark(mark, &pngs, &mut glyphs, &mut body);
        }
        let (w, h) = (num(self.width), num(self.height));
        let mut out = String::with_capacity(body.len() + glyphs.bytes + 512);
        out.push_str(&format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{w}pt\" height=\"{h}pt\" viewBox=\"0 0 {w} {h}\">"
        ));
        glyphs.defs(&mut out);
        out.push_str(&format!(
            "<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>"
        ));
        out.push_str(&body);
        out.push_str("</svg>");
        Some(out)
    }

    fn emit(
        &self,
        mark: &Mark,
        fonts: &BTreeMap<Face, FontId>,
        images: &[(XObjectId, u32, u32)],
        ops: &mut Vec<Op>,
    ) {
        let h = self.height;
        match mark {
            Mark::Text {
                x,
                y,
                size,
                weight,
                color,
                text,
                upward,
            } => {
                ops.push(Op::SaveGraphicsState);
                ops.push(Op::StartTextSection);
                ops.push(Op::SetFillColor { col: color.pdf() });
                let mut advance = 0.0;
                for (face, run) in fonts::runs(text, *weight) {
                    let Some(id) = fonts.get(&face) else { continue };
                    ops.push(Op::SetFont {
                        font: PdfFontHandle::External(id.clone()),
                        size: Pt(*size),
                    });
                    let matrix = if *upward {
                        TextMatrix::TranslateRotate(Pt(*x), Pt(h - (y - advance)), 90.0)
                    } else {
                        TextMatrix::Translate(Pt(x + advance), Pt(h - y))
                    };
                    ops.push(Op::SetTextMatrix { matrix });
                    advance += fonts::width(&run, *weight, *size);
                    ops.push(Op::ShowText {
                        items: vec![TextItem::Text(run)],
                    });
                }
                ops.push(Op::EndTextSection);
                ops.push(Op::RestoreGraphicsState);
            }
            Mark::Rect {
                x,
                y,
                w,
                h: rh,
                fill,
            } => {
                ops.push(Op::SetFillColor { col: fill.pdf() });
                let pts = [(*x, *y), (x + w, *y), (x + w, y + rh), (*x, y + rh)];
                ops.push(Op::DrawPolygon {
                    polygon: Polygon {
                        rings: vec![PolygonRing {
                            points: pts
                                .iter()
                                .map(|(px, py)| LinePoint {
                                    p: Point {
                                        x: Pt(*px),
                                        y: Pt(h - py),
                                    },
                                    bezier: false,
                                })
                                .collect(),
                        }],
                        mode: PaintMode::Fill,
                        winding_order: WindingOrder::NonZero,
                    },
                });
            }
            Mark::Line {
                x1,
                y1,
                x2,
                y2,
                color,
                width,
                dashed,
            } => {
                ops.push(Op::SaveGraphicsState);
                ops.push(Op::SetOutlineColor { col: color.pdf() });
                ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
                if *dashed {
                    ops.push(Op::SetLineDashPattern {
                        dash: LineDashPattern::new(0.0, &[4.0, 3.0]),
                    });
                }
                ops.push(Op::DrawLine {
                    line: printpdf::Line {
                        points: vec![
                            LinePoint {
                                p: Point {
                                    x: Pt(*x1),
                                    y: Pt(h - y1),
                                },
                                bezier: false,
                            },
                            LinePoint {
                                p: Point {
                                    x: Pt(*x2),
                                    y: Pt(h - y2),
                                },
                                bezier: false,
                            },
                        ],
                        is_closed: false,
                    },
                });
                ops.push(Op::RestoreGraphicsState);
            }
            Mark::Image {
                x,
                y,
                w,
                h: ih,
                image,
            } => {
                let Some((id, pw, ph)) = images.get(*image) else {
                    return;
                };
                ops.push(Op::UseXobject {
                    id: id.clone(),
                    transform: XObjectTransform {
                        translate_x: Some(Pt(*x)),
                        translate_y: Some(Pt(h - y - ih)),
                        scale_x: Some(w / *pw as f32),
                        scale_y: Some(ih / *ph as f32),
                        dpi: Some(72.0),
                        ..Default::default()
                    },
                });
            }
        }
    }
}

/// The glyphs a page draws, each once, as the outlines of the shipped faces
/// (see [`Canvas::to_svg`]): `<path id="r36">` is glyph 36 of the regular
/// face, `b` the bold, `f` the fallback.
#[derive(Default)]
struct Glyphs {
    outlines: BTreeMap<(Face, u16), Option<String>>,
    /// The path data's length so far, to size the page.
    bytes: usize,
}

impl Glyphs {
    /// The id of glyph `gid` of `face`, or None when it draws nothing (a space).
    fn id(&mut self, face: Face, gid: u16) -> Option<String> {
        let outline = self.outlines.entry((face, gid)).or_insert_with(|| {
            let d = fonts::outline(face, gid);
            self.bytes += d.as_ref().map_or(0, |d| d.len() + 24);
            d
        });
        outline.as_ref().map(|_| glyph_id(face, gid))
    }

    fn defs(&self, out: &mut String) {
        if self.bytes == 0 {
            return;
        }
        out.push_str("<defs>");
        for ((face, gid), d) in &self.outlines {
            if let Some(d) = d {
                out.push_str(&format!(
                    "<path id=\"{}\" d=\"{d}\"/>",
                    glyph_id(*face, *gid)
                ));
            }
        }
        out.push_str("</defs>");
    }
}

fn glyph_id(face: Face, gid: u16) -> String {
    let prefix = match face {
        Face::Regular => 'r',
        Face::Bold => 'b',
        Face::Fallback => 'f',
    };
    format!("{prefix}{gid}")
}

fn svg_mark(mark: &Mark, pngs: &[Option<String>], glyphs: &mut Glyphs, out: &mut String) {
    match mark {
        Mark::Text {
            x,
            y,
            size,
            weight,
            color,
            text,
            upward,
        } => {
            // The line as the PDF sets it: each glyph's outline placed at the
            // sum of the advances before it, the PDF's own. The text itself
            // is the group's label, so the page still reads as words.
            let turn = if *upward { " rotate(-90)" } else { "" };
            let k = fixed(size / 1000.0, 6);
            out.push_str(&format!(
                "<g aria-label=\"{}\" fill=\"{}\" transform=\"translate({} {}){turn} scale({k} -{k})\">",
                escape_xml(text),
                color.hex(),
                num(*x),
                num(*y),
            ));
            let mut pen = 0.0f32;
            for (face, run) in fonts::runs(text, *weight) {
                for c in run.chars() {
                    if let Some(id) = glyphs.id(face, fonts::glyph_id(face, c)) {
                        if pen == 0.0 {
                            out.push_str(&format!("<use href=\"#{id}\"/>"));
                        } else {
                            out.push_str(&format!("<use href=\"#{id}\" x=\"{}\"/>", fixed(pen, 1)));
                        }
                    }
                    pen += face.advance(c) * 1000.0;
                }
            }
            out.push_str("</g>");
        }
        Mark::Rect { x, y, w, h, fill } => {
            out.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
                num(*x),
                num(*y),
                num(*w),
                num(*h),
                fill.hex()
            ));
        }
        Mark::Line {
            x1,
            y1,
            x2,
            y2,
            color,
            width,
            dashed,
        } => {
            let dash = if *dashed {
                " stroke-dasharray=\"4 3\""
            } else {
                ""
            };
            out.push_str(&format!(
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{dash}/>",
                num(*x1),
                num(*y1),
                num(*x2),
                num(*y2),
                color.hex(),
                num(*width)
            ));
        }
        Mark::Image { x, y, w, h, image } => {
            let Some(Some(uri)) = pngs.get(*image) else {
                return;
            };
            out.push_str(&format!(
                "<image x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" href=\"{uri}\"/>",
                num(*x),
                num(*y),
                num(*w),
                num(*h)
            ));
        }
    }
}

/// A coordinate with at most two decimals and no trailing zeros: "612", "841.89".
fn num(v: f32) -> String {
    fixed(v, 2)
}

/// `v` with at most `decimals` decimals and no trailing zeros.
fn fixed(v: f32, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s.to_owned()
    }
}

/// Text made safe inside an element or a double-quoted attribute.
fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab, newline and return are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            '\u{FFFE}' | '\u{FFFF}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A picture as a PNG `data:` URI (the RGB pixels the PDF embeds).
fn png_data_uri(p: &Picture) -> Option<String> {
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&p.rgb, p.width, p.height, image::ExtendedColorType::Rgb8)
        .ok()?;
    Some(format!("data:image/png;base64,{}", base64(&png)))
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The six capital letters before a subset font's name (ISO 32000-1, 9.6.4),
/// derived from the glyphs kept so the same content gives the same PDF.
fn subset_tag(face: Face, chars: &BTreeSet<char>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ face as u64;
    for c in chars {
        hash = (hash ^ *c as u64).wrapping_mul(0x0100_0000_01b3);
    }
    (0..6)
        .map(|i| (b'A' + ((hash >> (i * 8)) % 26) as u8) as char)
        .collect()
}
