//! The sheet a flyer is drawn on: a display list of marks (text, rectangles,
//! lines, images) measured in points from the top-left corner, and its
//! conversion into a PDF with printpdf. Keeping our own list first lets the
//! whole document's characters be known before any font is embedded, so each
//! face is subset once, and lets the layout be checked (nothing off the page)
//! without reading the PDF back. The same list also becomes one SVG per page
//! ([`Canvas::to_svg`]) for the window's preview, so what the organizer sees
//! has the PDF's very line breaks, sizes and places.

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
    /// the view box is the page in points, every text mark is one already
    /// broken and sized line, and pictures are the decoded (and, in black and
    /// white, greyed) pixels the PDF embeds, as PNG `data:` URIs. All user
    /// text is XML-escaped; nothing in it can become markup.
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
        let (w, h) = (num(self.width), num(self.height));
        let mut out = String::with_capacity(64 * marks.len() + 512);
        out.push_str(&format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{w}pt\" height=\"{h}pt\" viewBox=\"0 0 {w} {h}\" font-family=\"Handbill, 'Handbill Fallback', 'Noto Sans', 'DejaVu Sans', sans-serif\">"
        ));
        out.push_str(&page_fonts(marks));
        out.push_str(&format!(
            "<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>"
        ));
        for mark in marks {
            svg_mark(mark, &pngs, &mut out);
        }
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

/// The faces a page's text is set in, cut down to the characters it draws
/// with each, as `@font-face` rules with `data:` URIs: "Handbill" (the
/// regular and bold faces) and "Handbill Fallback". Each face holds exactly
/// the characters the PDF draws with it, so the web view picks, character by
/// character, the face the PDF uses, and never a font of the computer's.
fn page_fonts(marks: &[Mark]) -> String {
    let mut used: BTreeMap<Face, BTreeSet<char>> = BTreeMap::new();
    for mark in marks {
        if let Mark::Text { text, weight, .. } = mark {
            for (face, run) in fonts::runs(text, *weight) {
                used.entry(face).or_default().extend(run.chars());
            }
        }
    }
    let mut rules = String::new();
    for (face, chars) in &used {
        let Ok(bytes) = fonts::web_subset(*face, chars) else {
            // The computer's fonts then draw it, as the family list says.
            continue;
        };
        let (family, weight) = match face {
            Face::Regular => ("Handbill", "normal"),
            Face::Bold => ("Handbill", "bold"),
            Face::Fallback => ("Handbill Fallback", "100 900"),
        };
        rules.push_str(&format!(
            "@font-face{{font-family:'{family}';font-weight:{weight};src:url(data:font/ttf;base64,{})}}",
            base64(&bytes)
        ));
    }
    if rules.is_empty() {
        return rules;
    }
    format!("<defs><style>{rules}</style></defs>")
}

fn svg_mark(mark: &Mark, pngs: &[Option<String>], out: &mut String) {
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
            let (x, y) = (num(*x), num(*y));
            let bold = if *weight == Weight::Bold {
                "bold"
            } else {
                "normal"
            };
            let turn = if *upward {
                format!(" transform=\"rotate(-90 {x} {y})\"")
            } else {
                String::new()
            };
            out.push_str(&format!(
                "<text x=\"{x}\" y=\"{y}\" font-size=\"{}\" font-weight=\"{bold}\" fill=\"{}\" xml:space=\"preserve\"{turn}>{}</text>",
                num(*size),
                color.hex(),
                escape_xml(text)
            ));
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
    let s = format!("{:.2}", v);
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
