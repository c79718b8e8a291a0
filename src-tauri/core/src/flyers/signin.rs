//! The printable sign-in sheet an organizer leaves at an event's door: the
//! branch's header, the event's title, date and place (the words of
//! [`public::when_text`] and [`public::place_text`], as every flyer prints
//! them), a QR code of the event's link where it has one, and numbered rows
//! with columns for name, email, phone and ZIP and a box to tick for email
//! about future events (the tick is what the mailing list's consent rests on,
//! so its words are printed in the branch's languages). Rows are tall enough
//! to write in by hand; a sheet of more rows than a page holds continues on
//! the next page with the column headings again and the numbering carried on.
//!
//! Drawn on the flyers' own [`Canvas`] (embedded, subset fonts; the same
//! glyph check), in black and grey only: a sign-in sheet is photocopied.
//! [`signin_sheet`] is the one path from a request to the PDF, for the
//! window's *Print sign-in sheet* and for `handbill signin-sheet`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::canvas::{Canvas, Mark, Rgb8};
use super::compose::{picture, qr_marks, shift};
use super::fonts::{self, Weight};
use super::text::wrap;
use super::{branch_mark, branch_zone, check_glyphs, link_for, slug, when_for, FlyerContent};
use super::{BranchMark, Paper, Place};
use crate::branch;
use crate::db::Database;
use crate::error::{Error, Result};
use crate::events::{self, public, EventStatus};

/// The most rows one sheet may ask for: ten or so pages, more than any door
/// needs; a larger number is a typo (`--rows 5000` for 50).
pub const MAX_ROWS: u32 = 500;

/// What to print: which event, on which paper, with how many rows.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct SigninRequest {
    pub event_id: i64,
    /// None: the paper last chosen for the event's flyer (Letter when none),
    /// so a branch printing on A4 gets A4 without being asked again.
    pub paper: Option<Paper>,
    /// How many numbered rows, 1 to [`MAX_ROWS`]; None fills the first page.
    pub rows: Option<u32>,
}

/// A drawn sign-in sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigninSheet {
    pub pdf: Vec<u8>,
    pub pages: u32,
    pub rows: u32,
    /// "the sign-in sheet of “Rally” (40 rows on 2 pages)".
    pub what: String,
    /// "sign-in-rally.pdf": a file name for saving.
    pub file_name: String,
}

/// The words a sheet prints, in one language.
struct Words {
    /// Primary language subtag: "en", "es".
    code: &'static str,
    sign_in: &'static str,
    name: &'static str,
    email: &'static str,
    phone: &'static str,
    zip: &'static str,
    opt_in: &'static str,
}

/// A short table rather than a translation system: the sheet holds a dozen
/// words, and a branch prints in a language or two. A language not here
/// prints the English alone.
const WORDS: [Words; 3] = [
    Words {
        code: "en",
        sign_in: "Please sign in",
        name: "Name",
        email: "Email",
        phone: "Phone",
        zip: "ZIP",
        opt_in: "Email me about future events",
    },
    Words {
        code: "es",
        sign_in: "Por favor, regístrese",
        name: "Nombre",
        email: "Correo electrónico",
        phone: "Teléfono",
        zip: "Código postal",
        opt_in: "Quiero recibir correos sobre futuros eventos",
    },
    Words {
        code: "fr",
        sign_in: "Merci de vous inscrire",
        name: "Nom",
        email: "Courriel",
        phone: "Téléphone",
        zip: "Code postal",
        opt_in: "Je veux recevoir des courriels sur les prochains événements",
    },
];

/// The English words, and those of the branch's first other language the
/// table has ("es-MX" finds the Spanish).
fn languages(tags: &[String]) -> (&'static Words, Option<&'static Words>) {
    let english = &WORDS[0];
    let second = tags
        .iter()
        .map(|t| {
            t.split('-')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|code| code != "en")
        .find_map(|code| WORDS.iter().find(|w| w.code == code));
    (english, second)
}

const MARGIN: f32 = 36.0;
/// A row's height: 28 pt is 9.9 mm, room for handwriting (at least 9 mm).
pub const ROW_HEIGHT: f32 = 28.0;
/// The footer's band inside the bottom margin.
const FOOTER_BASELINE: f32 = 22.0;
const QR_SIDE: f32 = 70.0;
const INK: Rgb8 = Rgb8(20, 20, 20);
const MUTED: Rgb8 = Rgb8(70, 70, 70);
const RULE: Rgb8 = Rgb8(110, 110, 110);
/// The fewest rows the first page must hold; fewer means a header too tall.
const FEWEST_ROWS_ON_A_PAGE: usize = 6;

/// What a sheet prints about its event.
struct Sheet {
    title: String,
    /// The title in the branch's second language, when the event has it.
    title_second: String,
    when: String,
    place: String,
    link: String,
    branch: BranchMark,
    english: &'static Words,
    second: Option<&'static Words>,
}

/// One column of the table: its heading words and its share of the width.
struct Column {
    x: f32,
    w: f32,
    heading: String,
    heading_second: String,
}

/// Draws the sign-in sheet a request asks for. A draft is printed (the door
/// of a meeting not yet announced still needs a sheet); a cancelled event is
/// refused: nobody will come to its door, and a sheet carrying its date
/// could gather names at an event that is not happening. A postponed event
/// prints "Postponed: new date to be announced" rather than its old date.
pub fn signin_sheet(db: &Database, request: &SigninRequest) -> Result<SigninSheet> {
    let rows = match request.rows {
        None => None,
        Some(n) if (1..=MAX_ROWS).contains(&n) => Some(n as usize),
        Some(n) => {
            return Err(Error::invalid_field(
                "rows",
                format!("must be a number from 1 to {MAX_ROWS}, the rows to sign on; {n} was asked for. Leave it out to fill one page."),
            ))
        }
    };
    let e = events::get(db, request.event_id)?;
    if e.status == EventStatus::Cancelled {
        return Err(Error::invalid_field(
            "event",
            format!(
                "“{}” is cancelled, so nobody will sign in at its door: a sign-in sheet is not printed for a cancelled event.",
                e.title
            ),
        ));
    }
    let paper = match request.paper {
        Some(p) => p,
        None => super::choices(db, e.id)?.paper,
    };
    let profile = branch::get(db)?;
    let tags = profile.map(|b| b.languages).unwrap_or_default();
    let (english, second) = languages(&tags);
    let zone = branch_zone(db)?;
    let when = if e.status == EventStatus::Postponed {
        "Postponed: new date to be announced".to_owned()
    } else {
        when_for(db, &e, zone.as_deref())?
    };
    let branch = branch_mark(db)?;
    // The event's own link only: the QR code says "this event", so the
    // branch's website (a flyer's last resort) is not offered in its place.
    let link = link_for(&e, &BranchMark::default());
    let title_second = second
        .and_then(|w| super::translation_for(&e, Some(w.code)))
        .map(|t| t.title)
        .filter(|t| !t.trim().is_empty() && t.trim() != e.title.trim())
        .unwrap_or_default();
    let sheet = Sheet {
        title: e.title.clone(),
        title_second,
        when,
        place: public::place_text(&e),
        link,
        branch,
        english,
        second,
    };
    // Every character must be printable: the flyers' one check, over what
    // the sheet prints, naming the field.
    let (place, _) = super::place_for(&e);
    check_glyphs(&FlyerContent {
        title: format!("{} {}", sheet.title, sheet.title_second),
        when: sheet.when.clone(),
        place: place.or_else(|| {
            Some(Place {
                name: sheet.place.clone(),
                ..Place::default()
            })
        }),
        link: sheet.link.clone(),
        branch: sheet.branch.clone(),
        ..FlyerContent::default()
    })?;
    let (canvas, rows) = draw(&sheet, paper, rows)?;
    let pdf = canvas.to_pdf(&format!("Sign-in sheet: {}", sheet.title))?;
    let pages = canvas.pages.len() as u32;
    Ok(SigninSheet {
        pdf,
        pages,
        rows: rows as u32,
        what: format!(
            "the sign-in sheet of “{}” ({rows} row{} on {pages} page{})",
            sheet.title,
            if rows == 1 { "" } else { "s" },
            if pages == 1 { "" } else { "s" }
        ),
        file_name: format!("sign-in-{}.pdf", slug(&sheet.title)),
    })
}

/// Lays the sheet out: `rows` rows (None: as many as the first page holds)
/// over as many pages as they need. Returns the canvas and the rows drawn.
fn draw(sheet: &Sheet, paper: Paper, rows: Option<usize>) -> Result<(Canvas, usize)> {
    let (pw, ph) = paper.size();
    let mut canvas = Canvas::new(pw, ph);
    let logo = match &sheet.branch.logo {
        Some(bytes) => {
            let pic = picture(bytes, "branch.logo", &sheet.branch.name, true)?;
            let dims = (canvas.pictures.len(), pic.width, pic.height);
            canvas.pictures.push(pic);
            Some(dims)
        }
        None => None,
    };
    let cw = pw - 2.0 * MARGIN;
    let columns = columns(sheet, cw);
    let heading_h = heading_height(&columns);
    let table_bottom = ph - MARGIN;
    let first_top = first_header(sheet, logo, cw, &mut Vec::new())?;
    let next_top = next_header(sheet, logo, cw, &mut Vec::new());
    let fits = |top: f32| {
        ((table_bottom - top - heading_h) / ROW_HEIGHT)
            .floor()
            .max(0.0) as usize
    };
    let (first_fits, next_fits) = (fits(first_top), fits(next_top));
    if first_fits < FEWEST_ROWS_ON_A_PAGE {
        return Err(Error::invalid_field(
            "title",
            "is too long for a sign-in sheet's header: it leaves no room for the rows. Shorten the title or the place.",
        ));
    }
    let total = rows.unwrap_or(first_fits);
    // Rows per page: the first page's, then the following pages'.
    let mut spans = vec![(0, total.min(first_fits))];
    while spans.last().map_or(0, |(from, n)| from + n) < total {
        let from = spans.last().map_or(0, |(from, n)| from + n);
        spans.push((from, (total - from).min(next_fits)));
    }
    let pages = spans.len();
    for (index, (from, n)) in spans.into_iter().enumerate() {
        let mut page = Vec::new();
        let top = if index == 0 {
            first_header(sheet, logo, cw, &mut page)?
        } else {
            next_header(sheet, logo, cw, &mut page)
        };
        table(&mut page, &columns, top, heading_h, from, n);
        footer(&mut page, sheet, pw, ph, index + 1, pages);
        canvas.pages.push(page);
    }
    Ok((canvas, total))
}

/// The columns across `cw`: #, Name, Email, Phone, ZIP and the tick box.
/// Name and Email share what the narrow ones leave, Email the larger part.
fn columns(sheet: &Sheet, cw: f32) -> Vec<Column> {
    let (en, es) = (sheet.english, sheet.second);
    let second = |f: fn(&Words) -> &'static str| es.map(f).unwrap_or("").to_owned();
    let narrow = [24.0, 0.0, 0.0, 92.0, 50.0, 78.0];
    let rest = cw - narrow.iter().sum::<f32>();
    let widths = [
        narrow[0],
        rest * 0.44,
        rest * 0.56,
        narrow[3],
        narrow[4],
        narrow[5],
    ];
    let headings: [(String, String); 6] = [
        ("#".into(), String::new()),
        (en.name.into(), second(|w| w.name)),
        (en.email.into(), second(|w| w.email)),
        (en.phone.into(), second(|w| w.phone)),
        (en.zip.into(), second(|w| w.zip)),
        (en.opt_in.into(), second(|w| w.opt_in)),
    ];
    let mut x = MARGIN;
    widths
        .iter()
        .zip(headings)
        .map(|(w, (heading, heading_second))| {
            let c = Column {
                x,
                w: *w,
                heading,
                heading_second,
            };
            x += w;
            c
        })
        .collect()
}

const PAD: f32 = 4.0;
const HEAD_SIZE: f32 = 8.5;
const HEAD_SECOND_SIZE: f32 = 7.5;
const LEADING: f32 = 1.2;

/// The lines of a column's heading: the English bold, the second language under it.
fn heading_lines(c: &Column) -> (Vec<String>, Vec<String>) {
    let width = c.w - 2.0 * PAD;
    let first = wrap(&c.heading, Weight::Bold, HEAD_SIZE, width);
    let second = if c.heading_second.is_empty() {
        Vec::new()
    } else {
        wrap(&c.heading_second, Weight::Regular, HEAD_SECOND_SIZE, width)
    };
    (first, second)
}

/// The heading row's height: its tallest column, and room for the tick box's words.
fn heading_height(columns: &[Column]) -> f32 {
    columns
        .iter()
        .map(|c| {
            let (first, second) = heading_lines(c);
            first.len() as f32 * HEAD_SIZE * LEADING
                + second.len() as f32 * HEAD_SECOND_SIZE * LEADING
        })
        .fold(0.0, f32::max)
        + 2.0 * PAD
        + 2.0
}

fn text(out: &mut Vec<Mark>, x: f32, y: f32, size: f32, weight: Weight, color: Rgb8, t: &str) {
    out.push(Mark::Text {
        x,
        y,
        size,
        weight,
        color,
        text: t.to_owned(),
        upward: false,
    });
}

fn line(out: &mut Vec<Mark>, (x1, y1): (f32, f32), (x2, y2): (f32, f32), color: Rgb8, width: f32) {
    out.push(Mark::Line {
        x1,
        y1,
        x2,
        y2,
        color,
        width,
        dashed: false,
    });
}

/// The branch's band across the top of every page: its logo and name over a
/// rule. Returns where the band ends.
fn branch_band(
    sheet: &Sheet,
    logo: Option<(usize, u32, u32)>,
    cw: f32,
    out: &mut Vec<Mark>,
) -> f32 {
    let size = 9.0;
    let logo_h = 26.0;
    let mut x = MARGIN;
    let mut h: f32 = 0.0;
    if let Some((image, pw, ph)) = logo {
        let w = (logo_h * pw as f32 / ph as f32).min(logo_h * 3.0);
        let lh = w * ph as f32 / pw as f32;
        out.push(Mark::Image {
            x: MARGIN,
            y: MARGIN + (logo_h - lh) / 2.0,
            w,
            h: lh,
            image,
        });
        x += w + 8.0;
        h = logo_h;
    }
    if !sheet.branch.name.is_empty() {
        let lines = wrap(
            &sheet.branch.name.to_uppercase(),
            Weight::Bold,
            size,
            cw - (x - MARGIN),
        );
        let text_h = lines.len() as f32 * size * 1.25;
        let top = if logo.is_some() {
            ((logo_h - text_h) / 2.0).max(0.0)
        } else {
            0.0
        };
        for (i, l) in lines.iter().enumerate() {
            text(
                out,
                x,
                MARGIN + top + size + i as f32 * size * 1.25 - 1.5,
                size,
                Weight::Bold,
                MUTED,
                l,
            );
        }
        h = h.max(top + text_h);
    }
    if h == 0.0 {
        return MARGIN;
    }
    let y = MARGIN + h + 6.0;
    out.push(Mark::Rect {
        x: MARGIN,
        y,
        w: cw,
        h: 1.2,
        fill: INK,
    });
    y + 1.2
}

/// Wrapped lines at `x`, their first baseline a size below `y`; returns the y below them.
#[allow(clippy::too_many_arguments)]
fn block(
    out: &mut Vec<Mark>,
    t: &str,
    x: f32,
    y: f32,
    width: f32,
    size: f32,
    weight: Weight,
    color: Rgb8,
) -> f32 {
    let mut y = y;
    for l in wrap(t, weight, size, width) {
        text(out, x, y + size, size, weight, color, &l);
        y += size * LEADING;
    }
    y
}

/// The first page's header: the branch, "Please sign in", the event's
/// title, when and where, and the QR code of its link in the corner.
/// Returns where the table starts.
fn first_header(
    sheet: &Sheet,
    logo: Option<(usize, u32, u32)>,
    cw: f32,
    out: &mut Vec<Mark>,
) -> Result<f32> {
    let band = branch_band(sheet, logo, cw, out);
    let top = band + 12.0;
    let qr = !sheet.link.is_empty();
    let width = if qr { cw - QR_SIDE - 16.0 } else { cw };
    let mut y = top;
    let kicker = match sheet.second {
        Some(w) => format!("{} · {}", sheet.english.sign_in, w.sign_in),
        None => sheet.english.sign_in.to_owned(),
    };
    y = block(out, &kicker, MARGIN, y, width, 11.0, Weight::Bold, MUTED) + 3.0;
    // The title as large as it fits in two lines, from 22 pt down to 15.
    let mut size = 22.0;
    while size > 15.0 && wrap(&sheet.title, Weight::Bold, size, width).len() > 2 {
        size -= 1.0;
    }
    y = block(out, &sheet.title, MARGIN, y, width, size, Weight::Bold, INK);
    if !sheet.title_second.is_empty() {
        y = block(
            out,
            &sheet.title_second,
            MARGIN,
            y,
            width,
            (size * 0.6).max(11.0),
            Weight::Regular,
            MUTED,
        );
    }
    y += 4.0;
    y = block(out, &sheet.when, MARGIN, y, width, 12.5, Weight::Bold, INK);
    if !sheet.place.is_empty() {
        y = block(
            out,
            &sheet.place,
            MARGIN,
            y + 1.0,
            width,
            11.0,
            Weight::Regular,
            MUTED,
        );
    }
    if qr {
        let x = MARGIN + cw - QR_SIDE;
        for m in qr_marks(&sheet.link, QR_SIDE)? {
            out.push(shift(m, x, top - 4.0));
        }
        let caption = "Scan for details";
        let size = 7.0;
        let w = fonts::width(caption, Weight::Regular, size);
        text(
            out,
            x + (QR_SIDE - w) / 2.0,
            top - 4.0 + QR_SIDE + size + 1.0,
            size,
            Weight::Regular,
            MUTED,
            caption,
        );
        y = y.max(top - 4.0 + QR_SIDE + size + 4.0);
    }
    Ok(y + 12.0)
}

/// A following page's header: the branch, and the title with "continued".
fn next_header(
    sheet: &Sheet,
    logo: Option<(usize, u32, u32)>,
    cw: f32,
    out: &mut Vec<Mark>,
) -> f32 {
    let band = branch_band(sheet, logo, cw, out);
    let y = block(
        out,
        &format!("{}, continued", sheet.english.sign_in),
        MARGIN,
        band + 10.0,
        cw,
        10.0,
        Weight::Bold,
        MUTED,
    );
    let y = block(
        out,
        &sheet.title,
        MARGIN,
        y + 1.0,
        cw,
        14.0,
        Weight::Bold,
        INK,
    );
    y + 10.0
}

/// The heading row at `top`, then rows `from + 1` to `from + n`, numbered.
fn table(out: &mut Vec<Mark>, columns: &[Column], top: f32, heading_h: f32, from: usize, n: usize) {
    let left = columns[0].x;
    let right = columns.last().map_or(left, |c| c.x + c.w);
    let body_top = top + heading_h;
    let bottom = body_top + n as f32 * ROW_HEIGHT;
    line(out, (left, top), (right, top), INK, 1.2);
    for c in columns {
        let (first, second) = heading_lines(c);
        let mut y = top + PAD;
        for l in &first {
            text(
                out,
                c.x + PAD,
                y + HEAD_SIZE,
                HEAD_SIZE,
                Weight::Bold,
                INK,
                l,
            );
            y += HEAD_SIZE * LEADING;
        }
        for l in &second {
            text(
                out,
                c.x + PAD,
                y + HEAD_SECOND_SIZE,
                HEAD_SECOND_SIZE,
                Weight::Regular,
                MUTED,
                l,
            );
            y += HEAD_SECOND_SIZE * LEADING;
        }
    }
    line(out, (left, body_top), (right, body_top), INK, 1.2);
    let number_size = 9.0;
    let tick = columns.last().expect("the table has columns");
    let box_side = 12.0;
    for i in 0..n {
        let row_top = body_top + i as f32 * ROW_HEIGHT;
        let row_bottom = row_top + ROW_HEIGHT;
        // The number sits low in the row, where the writing's baseline is.
        let label = (from + i + 1).to_string();
        let w = fonts::width(&label, Weight::Regular, number_size);
        text(
            out,
            columns[0].x + columns[0].w - PAD - w,
            row_bottom - 8.0,
            number_size,
            Weight::Regular,
            MUTED,
            &label,
        );
        let (bx, by) = (
            tick.x + (tick.w - box_side) / 2.0,
            row_top + (ROW_HEIGHT - box_side) / 2.0,
        );
        for (a, b) in [
            ((bx, by), (bx + box_side, by)),
            ((bx + box_side, by), (bx + box_side, by + box_side)),
            ((bx + box_side, by + box_side), (bx, by + box_side)),
            ((bx, by + box_side), (bx, by)),
        ] {
            line(out, a, b, INK, 0.9);
        }
        let last = i + 1 == n;
        line(
            out,
            (left, row_bottom),
            (right, row_bottom),
            if last { INK } else { RULE },
            if last { 1.2 } else { 0.6 },
        );
    }
    // The columns' dividers, from the heading to the last row.
    for c in &columns[1..] {
        line(out, (c.x, top), (c.x, bottom), RULE, 0.6);
    }
    line(out, (left, top), (left, bottom), RULE, 0.6);
    line(out, (right, top), (right, bottom), RULE, 0.6);
}

/// "Page 1 of 2" at the bottom right, the event's title at the left.
fn footer(out: &mut Vec<Mark>, sheet: &Sheet, pw: f32, ph: f32, page: usize, pages: usize) {
    let size = 8.0;
    let y = ph - FOOTER_BASELINE;
    let counter = format!("Page {page} of {pages}");
    let cw = fonts::width(&counter, Weight::Regular, size);
    text(
        out,
        pw - MARGIN - cw,
        y,
        size,
        Weight::Regular,
        MUTED,
        &counter,
    );
    // The title on one line, cut with an ellipsis where it would meet the counter.
    let room = pw - 2.0 * MARGIN - cw - 24.0;
    let lines = wrap(&sheet.title, Weight::Regular, size, room);
    let mut title = lines.first().cloned().unwrap_or_default();
    if lines.len() > 1 {
        while !title.is_empty() && fonts::width(&format!("{title}…"), Weight::Regular, size) > room
        {
            title.pop();
        }
        title = format!("{}…", title.trim_end());
    }
    text(out, MARGIN, y, size, Weight::Regular, MUTED, &title);
}
