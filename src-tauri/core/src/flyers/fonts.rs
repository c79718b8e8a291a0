//! The typefaces a flyer is set in, shipped inside the binary (nothing is
//! downloaded or looked up on the computer): Noto Sans Regular and Bold for
//! the text, and DejaVu Sans as a fallback for the symbols and letters Noto
//! Sans lacks. This module measures text with the fonts' real advances
//! (`ttf-parser`), says which face draws each character, names what no face
//! can draw, and cuts each face down to the glyphs a document uses.
//!
//! Subsetting is done here with `allsorts` (the font library printpdf itself
//! uses) because printpdf 0.12 only subsets when its `text_layout` feature —
//! the whole azul layout engine — is compiled in; without it every PDF would
//! carry three whole fonts (1.8 MB).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use ttf_parser::Face as TtfFace;

const NOTO_REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Regular.ttf");
const NOTO_BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Bold.ttf");
const DEJAVU: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The style a piece of text asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Weight {
    Regular,
    Bold,
}

/// One of the shipped faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Face {
    Regular,
    Bold,
    Fallback,
}

impl Face {
    pub const ALL: [Face; 3] = [Face::Regular, Face::Bold, Face::Fallback];

    pub fn bytes(self) -> &'static [u8] {
        match self {
            Face::Regular => NOTO_REGULAR,
            Face::Bold => NOTO_BOLD,
            Face::Fallback => DEJAVU,
        }
    }

    /// The PostScript name written into the PDF.
    pub fn postscript_name(self) -> &'static str {
        match self {
            Face::Regular => "NotoSans-Regular",
            Face::Bold => "NotoSans-Bold",
            Face::Fallback => "DejaVuSans",
        }
    }

    fn parsed(self) -> &'static Metrics {
        match self {
            Face::Regular => &REGULAR,
            Face::Bold => &BOLD,
            Face::Fallback => &FALLBACK,
        }
    }

    /// The glyph for `c`, if this face has one.
    pub fn glyph(self, c: char) -> Option<u16> {
        self.parsed()
            .face
            .glyph_index(c)
            .map(|g| g.0)
            .filter(|g| *g != 0)
    }

    /// The advance of `c` in em units (1.0 = the font size).
    pub fn advance(self, c: char) -> f32 {
        let m = self.parsed();
        let gid = m.face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
        m.face.glyph_hor_advance(gid).unwrap_or(0) as f32 / m.units_per_em
    }

    /// The ascender, in em units.
    pub fn ascent(self) -> f32 {
        let m = self.parsed();
        m.face.ascender() as f32 / m.units_per_em
    }
}

struct Metrics {
    face: TtfFace<'static>,
    units_per_em: f32,
}

fn metrics(bytes: &'static [u8]) -> Metrics {
    // The shipped fonts are part of the build; a parse failure is caught by the tests.
    let face = TtfFace::parse(bytes, 0).expect("a shipped font parses");
    let units_per_em = face.units_per_em() as f32;
    Metrics { face, units_per_em }
}

static REGULAR: LazyLock<Metrics> = LazyLock::new(|| metrics(NOTO_REGULAR));
static BOLD: LazyLock<Metrics> = LazyLock::new(|| metrics(NOTO_BOLD));
static FALLBACK: LazyLock<Metrics> = LazyLock::new(|| metrics(DEJAVU));

/// Characters that take no room and need no glyph.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
        )
}

/// Scripts whose letters join or run right to left. The fallback font has
/// some of their glyphs, but printpdf draws glyphs one by one, left to right,
/// without shaping, so such text would print as disconnected letters in the
/// wrong order. Better to say so than to print something unreadable.
pub fn needs_shaping(c: char) -> bool {
    matches!(c as u32,
        0x0590..=0x08FF   // Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic
        | 0x0900..=0x0DFF // Indic scripts
        | 0x0E00..=0x0FFF // Thai, Lao, Tibetan
        | 0x1000..=0x109F // Myanmar
        | 0x1780..=0x17FF // Khmer
        | 0xFB1D..=0xFDFF // Hebrew and Arabic presentation forms
        | 0xFE70..=0xFEFF)
}

/// The face that draws `c` in `weight`, or `None` when no shipped face can.
pub fn face_for(c: char, weight: Weight) -> Option<Face> {
    if is_invisible(c) {
        return Some(match weight {
            Weight::Regular => Face::Regular,
            Weight::Bold => Face::Bold,
        });
    }
    if needs_shaping(c) {
        return None;
    }
    let main = match weight {
        Weight::Regular => Face::Regular,
        Weight::Bold => Face::Bold,
    };
    if c == ' ' || main.glyph(c).is_some() {
        return Some(main);
    }
    Face::Fallback.glyph(c).map(|_| Face::Fallback)
}

/// The width of `text` set in `weight` at `size` points. Characters no face
/// has count as the fallback's missing-glyph box (they are refused before
/// drawing anyway).
pub fn width(text: &str, weight: Weight, size: f32) -> f32 {
    let mut em = 0.0;
    for c in text.chars() {
        if is_invisible(c) {
            continue;
        }
        em += face_for(c, weight).unwrap_or(Face::Fallback).advance(c);
    }
    em * size
}

/// The characters of `text` no shipped face can print, in order, without repeats.
pub fn unprintable(text: &str) -> Vec<char> {
    let mut seen = BTreeSet::new();
    text.chars()
        .filter(|c| face_for(*c, Weight::Regular).is_none() || face_for(*c, Weight::Bold).is_none())
        .filter(|c| seen.insert(*c))
        .collect()
}

/// Splits `text` into runs that one face draws.
pub fn runs(text: &str, weight: Weight) -> Vec<(Face, String)> {
    let mut out: Vec<(Face, String)> = Vec::new();
    for c in text.chars() {
        if is_invisible(c) {
            continue;
        }
        let face = face_for(c, weight).unwrap_or(Face::Fallback);
        match out.last_mut() {
            Some((f, s)) if *f == face => s.push(c),
            _ => out.push((face, c.to_string())),
        }
    }
    out
}

/// A face cut down to the glyphs one document uses.
pub struct Subset {
    /// A complete TrueType font holding only those glyphs (and `.notdef`).
    pub bytes: Vec<u8>,
    /// Each character's glyph in the subset.
    pub glyphs: BTreeMap<char, u16>,
}

/// Cuts `face` down to `chars`. allsorts renumbers the kept glyphs by their
/// position in the list it is given, with `.notdef` first.
pub fn subset(face: Face, chars: &BTreeSet<char>) -> Result<Subset, String> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{subset as cut, CmapTarget, SubsetProfile};

    let mut ids: Vec<u16> = vec![0];
    let mut glyphs = BTreeMap::new();
    for c in chars {
        if let Some(gid) = face
            .glyph(*c)
            .or_else(|| (*c == ' ').then(|| space_glyph(face)).flatten())
        {
            let new = match ids.iter().position(|g| *g == gid) {
                Some(p) => p,
                None => {
                    ids.push(gid);
                    ids.len() - 1
                }
            };
            glyphs.insert(*c, new as u16);
        }
    }
    let scope = ReadScope::new(face.bytes());
    let data = scope.read::<FontData<'_>>().map_err(|e| e.to_string())?;
    let provider = data.table_provider(0).map_err(|e| e.to_string())?;
    let bytes = cut(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode)
        .map_err(|e| e.to_string())?;
    Ok(Subset { bytes, glyphs })
}

fn space_glyph(face: Face) -> Option<u16> {
    face.parsed().face.glyph_index(' ').map(|g| g.0)
}

/// The glyph `face` draws `c` with, as its advance is measured: the face's
/// own, or `.notdef` (0) when it has none.
pub fn glyph_id(face: Face, c: char) -> u16 {
    face.parsed().face.glyph_index(c).map(|g| g.0).unwrap_or(0)
}

/// The outline of glyph `gid` of `face` as SVG path data, in thousandths of
/// an em with y upward as the font draws it (the preview scales and flips
/// it), or None when the glyph draws nothing (a space).
pub fn outline(face: Face, gid: u16) -> Option<String> {
    let m = face.parsed();
    let mut path = PathData {
        d: String::new(),
        scale: 1000.0 / m.units_per_em,
    };
    m.face
        .outline_glyph(ttf_parser::GlyphId(gid), &mut path)
        .filter(|_| !path.d.is_empty())?;
    Some(path.d)
}

/// SVG path data written as ttf-parser walks an outline.
struct PathData {
    d: String,
    scale: f32,
}

impl PathData {
    fn points(&mut self, command: char, coords: &[f32]) {
        self.d.push(command);
        for (i, v) in coords.iter().enumerate() {
            // One decimal of a thousandth of an em is far finer than a pixel.
            let v = (v * self.scale * 10.0).round() / 10.0;
            let text = if v == v.trunc() {
                format!("{}", v as i64)
            } else {
                format!("{v:.1}")
            };
            if i > 0 && !text.starts_with('-') {
                self.d.push(' ');
            }
            self.d.push_str(&text);
        }
    }
}

impl ttf_parser::OutlineBuilder for PathData {
    fn move_to(&mut self, x: f32, y: f32) {
        self.points('M', &[x, y]);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.points('L', &[x, y]);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.points('Q', &[x1, y1, x, y]);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.points('C', &[x1, y1, x2, y2, x, y]);
    }
    fn close(&mut self) {
        self.d.push('Z');
    }
}
