//! A PDF as the real tools read it, for the poster tests: `qpdf --check`
//! passes, `pdffonts` finds every font embedded and subset, and
//! `pdftotext -bbox-layout` gives each line of text with its box and page,
//! none of them off the page. The pages are saved as PNG under
//! `target/flyers/` for a person to look at. (The same checks as
//! tests/flyers.rs makes, with lines rather than words, so a stop's line can
//! be found and measured.)

use std::path::{Path, PathBuf};
use std::process::Command;

const INSTALL: &str = "the flyer tests need qpdf and poppler's pdftotext, pdffonts and pdftoppm: apt-get install qpdf poppler-utils";

pub fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("flyers");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs one of the PDF tools: whether it succeeded, and what it printed.
pub fn run(tool: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} could not run ({e}); {INSTALL}"));
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// One line of text as pdftotext finds it: its words joined by spaces, the
/// box around them (points from the page's top left) and its page (from 1).
#[derive(Debug, Clone)]
pub struct Line {
    pub page: usize,
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    pub text: String,
}

impl Line {
    /// The font size the line is set in, from its height: pdftotext's box
    /// runs from the font's ascender to its descender.
    pub fn size(&self) -> f32 {
        (self.y1 - self.y0) / text_height_per_point()
    }
}

/// The height of a line's box per point of font size for the flyers' text
/// face (Noto Sans, whose bold has the same ascender and descender), read
/// from the shipped font itself.
pub fn text_height_per_point() -> f32 {
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fonts/NotoSans-Regular.ttf"),
    )
    .expect("the shipped font is readable");
    let face = ttf_parser::Face::parse(&bytes, 0).expect("the shipped font parses");
    (face.ascender() as f32 - face.descender() as f32) / face.units_per_em() as f32
}

/// What the tools say about a PDF.
pub struct Report {
    pub name: String,
    pub lines: Vec<Line>,
    pub pages: usize,
    pub page_w: f32,
}

impl Report {
    /// The text in the order a person reads the poster: page by page, the
    /// full-width and left-column lines top to bottom, then the right
    /// column's, with every whitespace run made one space.
    pub fn reading(&self) -> String {
        let mut lines: Vec<&Line> = self.lines.iter().collect();
        let half = self.page_w / 2.0;
        lines.sort_by(|a, b| {
            (a.page, a.x0 >= half)
                .cmp(&(b.page, b.x0 >= half))
                .then(a.y0.total_cmp(&b.y0))
        });
        lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether the poster says `needle`, whatever the line breaks.
    pub fn has(&self, needle: &str) -> bool {
        let squeeze = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        squeeze(&self.reading()).contains(&squeeze(needle))
    }

    /// The lines that contain `needle`.
    pub fn lines_with(&self, needle: &str) -> Vec<&Line> {
        self.lines
            .iter()
            .filter(|l| l.text.contains(needle))
            .collect()
    }

    pub fn text_of_page(&self, page: usize) -> String {
        self.lines
            .iter()
            .filter(|l| l.page == page)
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn attr(tag: &str, name: &str) -> f32 {
    let key = format!("{name}=\"");
    let start = tag
        .find(&key)
        .map(|i| i + key.len())
        .unwrap_or_else(|| panic!("no {name} in {tag}"));
    let end = tag[start..].find('"').unwrap() + start;
    tag[start..end].parse().unwrap()
}

fn unescape(t: &str) -> String {
    t.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Checks a PDF with every tool and saves it and its pages as PNG under `target/flyers/`.
pub fn check(name: &str, pdf: &[u8]) -> Report {
    let dir = out_dir();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let p = path.to_str().unwrap();

    let (ok, qpdf) = run("qpdf", &["--check", p]);
    assert!(ok, "qpdf --check should pass for {name}: {qpdf}");

    let (ok, fonts) = run("pdffonts", &[p]);
    assert!(ok, "pdffonts should read {name}: {fonts}");
    let rows: Vec<&str> = fonts
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(!rows.is_empty(), "{name} should use a font: {fonts}");
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(
            cols[n - 5],
            "yes",
            "every font of {name} is embedded: {row}"
        );
        assert_eq!(cols[n - 4], "yes", "every font of {name} is subset: {row}");
    }

    let html_path = dir.join(format!("{name}.bbox-layout.html"));
    let (ok, out) = run(
        "pdftotext",
        &[
            "-bbox-layout",
            "-enc",
            "UTF-8",
            p,
            html_path.to_str().unwrap(),
        ],
    );
    assert!(ok, "pdftotext -bbox-layout should read {name}: {out}");
    let html = std::fs::read_to_string(&html_path).unwrap();
    let (mut page_w, mut page_h, mut page) = (0.0, 0.0, 0);
    let mut lines = Vec::new();
    let mut current: Option<Line> = None;
    for raw in html.lines() {
        let l = raw.trim();
        if l.starts_with("<page ") {
            page_w = attr(l, "width");
            page_h = attr(l, "height");
            page += 1;
        } else if l.starts_with("<line ") {
            current = Some(Line {
                page,
                x0: attr(l, "xMin"),
                y0: attr(l, "yMin"),
                x1: attr(l, "xMax"),
                y1: attr(l, "yMax"),
                text: String::new(),
            });
        } else if l.starts_with("<word ") {
            let word = unescape(&l[l.find('>').unwrap() + 1..l.rfind("</word>").unwrap()]);
            let line = current.as_mut().expect("a word is inside a line");
            if !line.text.is_empty() {
                line.text.push(' ');
            }
            line.text.push_str(&word);
        } else if l.starts_with("</line>") {
            lines.extend(current.take());
        }
    }
    for l in &lines {
        assert!(
            l.x0 >= -0.5 && l.y0 >= -0.5 && l.x1 <= page_w + 0.5 && l.y1 <= page_h + 0.5,
            "{name}: the line {:?} on page {} lies outside the {page_w}×{page_h} page: {l:?}",
            l.text,
            l.page
        );
    }

    let png_prefix = dir.join(name);
    let (ok, out) = run(
        "pdftoppm",
        &["-r", "60", "-png", p, png_prefix.to_str().unwrap()],
    );
    assert!(ok, "pdftoppm should rasterize {name}: {out}");
    Report {
        name: name.to_owned(),
        lines,
        pages: page,
        page_w,
    }
}
