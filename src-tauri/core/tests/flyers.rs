//! Flyers, checked with real PDF tools (qpdf and poppler): each PDF is
//! well-formed, holds every field of its event as text, embeds subset fonts,
//! keeps every word on the page and off the cut lines, and is turned into PNGs
//! under `target/flyers/` for a person to look at. Bad input gets an error
//! naming the field, never a flyer with text cut off or empty boxes.

use std::path::Path;

use handbill_core::events::{self, EventInput, EventKind, When};
use handbill_core::flyers::{
    self, BranchMark, CosponsorMark, DemandBlock, FlyerContent, FlyerOptions, Layout, Paper, Place,
    SpeakerMark, Theme, Translation,
};
use handbill_core::{demo, Database, Error, ErrorCode};

// The PDF tools and where the pages go, shared with the poster tests.
#[allow(dead_code)]
#[path = "support/pdf.rs"]
mod pdf;
use pdf::{out_dir, run};

#[derive(Debug)]
struct Word {
    page: usize,
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
    text: String,
}

/// What the tools say about a PDF.
struct Report {
    text: String,
    words: Vec<Word>,
    page_w: f32,
    page_h: f32,
    pages: usize,
}

impl Report {
    /// The text with all whitespace runs made single spaces, and words split at line ends rejoined.
    fn flat(&self) -> String {
        self.text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn has(&self, needle: &str) -> bool {
        let flat = self.flat();
        let squeezed: String = flat.chars().filter(|c| !c.is_whitespace()).collect();
        let n: String = needle.chars().filter(|c| !c.is_whitespace()).collect();
        squeezed.contains(&n)
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

/// Checks a PDF with every tool and saves it and its pages as PNG under `target/flyers/`.
fn check(name: &str, pdf: &[u8]) -> Report {
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
    assert!(
        !rows.is_empty(),
        "{name} should use at least one font: {fonts}"
    );
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type encoding emb sub uni object ID: the yes/no columns are the 5th-3rd from the end.
        let n = cols.len();
        assert_eq!(
            cols[n - 5],
            "yes",
            "every font of {name} should be embedded: {row}"
        );
        assert_eq!(
            cols[n - 4],
            "yes",
            "every font of {name} should be subset: {row}"
        );
        assert!(
            cols[0].len() > 7 && cols[0].as_bytes()[6] == b'+',
            "a subset font's name has the ABCDEF+ tag: {row}"
        );
    }

    let (ok, text) = run("pdftotext", &["-enc", "UTF-8", p, "-"]);
    assert!(ok, "pdftotext should read {name}: {text}");

    let bbox_path = dir.join(format!("{name}.bbox.html"));
    let (ok, out) = run(
        "pdftotext",
        &["-bbox", "-enc", "UTF-8", p, bbox_path.to_str().unwrap()],
    );
    assert!(ok, "pdftotext -bbox should read {name}: {out}");
    let html = std::fs::read_to_string(&bbox_path).unwrap();
    let (mut page_w, mut page_h, mut page) = (0.0, 0.0, 0);
    let mut words = Vec::new();
    for line in html.lines() {
        let line = line.trim();
        if line.starts_with("<page ") {
            page_w = attr(line, "width");
            page_h = attr(line, "height");
            page += 1;
        } else if line.starts_with("<word ") {
            let text = line[line.find('>').unwrap() + 1..line.rfind("</word>").unwrap()].to_owned();
            words.push(Word {
                page,
                x0: attr(line, "xMin"),
                y0: attr(line, "yMin"),
                x1: attr(line, "xMax"),
                y1: attr(line, "yMax"),
                text,
            });
        }
    }
    for w in &words {
        assert!(
            w.x0 >= -0.5 && w.y0 >= -0.5 && w.x1 <= page_w + 0.5 && w.y1 <= page_h + 0.5,
            "{name}: the word {:?} on page {} lies outside the {page_w}×{page_h} page: {w:?}",
            w.text,
            w.page
        );
    }

    let png_prefix = dir.join(name);
    let (ok, out) = run(
        "pdftoppm",
        &["-r", "60", "-png", p, png_prefix.to_str().unwrap()],
    );
    assert!(ok, "pdftoppm should rasterize {name}: {out}");
    Report {
        text,
        words,
        page_w,
        page_h,
        pages: page,
    }
}

/// No word may straddle the lines the sheet is cut along.
fn assert_clear_of_cuts(name: &str, r: &Report, layout: Layout) {
    let (xs, ys): (Vec<f32>, Vec<f32>) = match layout {
        Layout::FullPage => (vec![], vec![]),
        Layout::HalfSheet => (vec![r.page_w / 2.0], vec![]),
        Layout::QuarterSheet => (vec![r.page_w / 2.0], vec![r.page_h / 2.0]),
    };
    for w in &r.words {
        for x in &xs {
            assert!(
                !(w.x0 < *x && w.x1 > *x),
                "{name}: the word {:?} crosses the vertical cut at x={x}: {w:?}",
                w.text
            );
        }
        for y in &ys {
            assert!(
                !(w.y0 < *y && w.y1 > *y),
                "{name}: the word {:?} crosses the horizontal cut at y={y}: {w:?}",
                w.text
            );
        }
    }
}

fn demo_db() -> Database {
    let db = Database::open_in_memory().expect("an in-memory database opens");
    demo::load(&db).expect("the sample loads");
    db
}

fn id_of(db: &Database, title_like: &str) -> i64 {
    db.conn()
        .query_row(
            "SELECT id FROM event WHERE title LIKE ?1 ORDER BY id LIMIT 1",
            [format!("%{title_like}%")],
            |r| r.get(0),
        )
        .unwrap_or_else(|_| panic!("the sample has an event like {title_like}"))
}

fn tour_id(db: &Database) -> i64 {
    db.conn()
        .query_row("SELECT id FROM tour LIMIT 1", [], |r| r.get(0))
        .expect("the sample has a tour")
}

fn opts(layout: Layout, paper: Paper, theme: Theme, tear_offs: bool) -> FlyerOptions {
    FlyerOptions {
        layout,
        paper,
        theme,
        tear_offs,
    }
}

fn invalid_field(e: &Error) -> Vec<String> {
    e.fields.iter().map(|f| f.field.clone()).collect()
}

/// A hand-made flyer with every part filled in, as the coalition module will.
fn full_content() -> FlyerContent {
    FlyerContent {
        title: "Stop the Deportations: Rally for Siham".into(),
        kind: "Rally".into(),
        hosts: "ISO-Boston & Justice4Siham Coalition".into(),
        when: "Saturday, January 30, 2027 | 12:00 - 2:00 pm".into(),
        struck: false,
        next_dates: None,
        place: Some(Place {
            name: "JFK Federal Building".into(),
            room: "Plaza".into(),
            address: "15 New Sudbury St, Boston, MA 02203".into(),
        }),
        location_note: String::new(),
        speakers: vec![SpeakerMark {
            name: "Yasser Munif".into(),
            about: "Emerson College".into(),
        }],
        description:
            "Siham Byah was **detained** at a routine check-in.\n\n- Bring friends\n- Bring signs"
                .into(),
        translation: Some(Translation {
            language: "Español".into(),
            title: "Alto a las deportaciones".into(),
            description: "Únete a nosotros en el edificio federal. ¡Sí se puede!".into(),
        }),
        demands_translation: None,
        demands: Some(DemandBlock {
            title: "Our demands".into(),
            intro: "In solidarity with Siham and Naseem, we demand that:".into(),
            items: vec![
                "ICE release Siham Byah".into(),
                "Naseem be reunited with his mother".into(),
                "Deportations end now".into(),
            ],
        }),
        cosponsors: vec![
            CosponsorMark {
                name: "Mass Jobs with Justice".into(),
                logo: Some(sample_png()),
            },
            CosponsorMark {
                name: "Cosecha Boston".into(),
                logo: None,
            },
        ],
        cosponsor_call:
            "If your organization would like to co-sponsor this event, contact boston@example.org"
                .into(),
        accessibility: "Step-free access from Cambridge St.".into(),
        rules: "No signs on sticks.".into(),
        link: "https://example.org/boston/events/siham".into(),
        change: None,
        stops: Vec::new(),
        branch: BranchMark {
            name: "ISO — Boston".into(),
            contact: "boston@example.org".into(),
            website: "https://example.org/boston".into(),
            logo: None,
        },
    }
}

fn sample_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(120, 60, |x, _| {
        if x < 60 {
            image::Rgb([200, 30, 40])
        } else {
            image::Rgb([30, 30, 30])
        }
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

#[test]
fn the_sample_rally_prints_every_field_in_each_layout_paper_and_theme() {
    let db = demo_db();
    let id = id_of(&db, "Justice4Siham");
    let e = events::get(&db, id).unwrap();
    for layout in [Layout::FullPage, Layout::HalfSheet, Layout::QuarterSheet] {
        for paper in [Paper::Letter, Paper::A4] {
            for theme in [Theme::Color, Theme::BlackAndWhite] {
                let name = format!("rally-{layout:?}-{paper:?}-{theme:?}").to_lowercase();
                if layout == Layout::QuarterSheet {
                    // Six long demands cannot fit a quarter sheet: the organizer is told which field.
                    let err = flyers::event_flyer(&db, id, opts(layout, paper, theme, false))
                        .expect_err("the rally's six demands do not fit a quarter sheet");
                    assert_eq!(
                        invalid_field(&err),
                        ["demands"],
                        "{name}: the refusal names the demand list: {err:?}"
                    );
                    continue;
                }
                let pdf = flyers::event_flyer(&db, id, opts(layout, paper, theme, false))
                    .unwrap_or_else(|e| panic!("{name} renders: {e}"));
                let r = check(&name, &pdf);
                let (pw, ph) = paper.size();
                let (w, h) = if layout == Layout::HalfSheet {
                    (ph, pw)
                } else {
                    (pw, ph)
                };
                assert!(
                    (r.page_w - w).abs() < 1.0 && (r.page_h - h).abs() < 1.0,
                    "{name}: the page is {}×{}, expected {w}×{h}",
                    r.page_w,
                    r.page_h
                );
                for field in [
                    e.title.as_str(),
                    "Saturday, January 30, 2027",
                    "12:00 - 2:00 pm",
                    "JFK Federal Building",
                    "15 New Sudbury St",
                    "ISO-Boston & Justice4Siham Coalition present",
                    "RALLY",
                    "deported",
                    "boston@example.org",
                ] {
                    assert!(
                        r.has(field),
                        "{name}: pdftotext should find {field:?} in:\n{}",
                        r.text
                    );
                }
                assert_clear_of_cuts(&name, &r, layout);
                let copies = match layout {
                    Layout::FullPage => 1,
                    Layout::HalfSheet => 2,
                    Layout::QuarterSheet => 4,
                };
                assert_eq!(
                    r.flat().matches("15 New Sudbury St").count(),
                    copies,
                    "{name}: each copy on the sheet names the venue once"
                );
            }
        }
    }
}

#[test]
fn a_full_page_flyer_without_logos_is_under_100_kb() {
    let db = demo_db();
    let id = id_of(&db, "Socialists in Solidarity");
    let pdf =
        flyers::event_flyer(&db, id, FlyerOptions::default()).expect("the panel flyer renders");
    check("size-panel", &pdf);
    assert!(
        pdf.len() < 100 * 1024,
        "a full-page flyer without logos should be under 100 KB, it is {} bytes",
        pdf.len()
    );
}

#[test]
fn the_tbd_meeting_says_the_location_is_to_be_announced() {
    let db = demo_db();
    let id = id_of(&db, "#MeToo");
    let pdf = flyers::event_flyer(&db, id, FlyerOptions::default())
        .expect("the meeting with no venue renders");
    let r = check("meeting-tbd", &pdf);
    for field in [
        "#MeToo: The Fight Against Sexism",
        "Location to be announced",
        "Sharon Smith",
        "author of Women and Socialism",
        "Thursday, January 28, 2027",
        "7:00 - 9:00 pm",
    ] {
        assert!(
            r.has(field),
            "the TBD meeting's flyer should show {field:?}:\n{}",
            r.text
        );
    }
}

#[test]
fn the_tour_poster_lists_every_stop_including_the_one_to_be_announced() {
    let db = demo_db();
    let tour = tour_id(&db);
    for (name, o) in [
        ("tour-poster", FlyerOptions::default()),
        (
            "tour-poster-a4-bw-tabs",
            opts(Layout::FullPage, Paper::A4, Theme::BlackAndWhite, true),
        ),
    ] {
        let pdf = flyers::tour_poster(&db, tour, o).expect("the tour poster renders");
        let r = check(name, &pdf);
        for field in [
            "Meetings near you",
            "Tuesday, March 2, 2027",
            "Harvard Science Center, Hall C, 1 Oxford St",
            "Thursday, March 4, 2027",
            "Boston University College of Arts & Sciences",
            "Room 522",
            // The listing's words for a stop with neither date nor place (issue 17).
            "Date and place coming soon",
            "Keeanga-Yamahtta Taylor",
        ] {
            assert!(r.has(field), "{name} should list {field:?}:\n{}", r.text);
        }
    }
}

#[test]
fn tour_flyers_print_one_page_per_stop() {
    let db = demo_db();
    let tour = tour_id(&db);
    let pdf = flyers::tour_flyers(
        &db,
        tour,
        opts(Layout::HalfSheet, Paper::Letter, Theme::Color, false),
    )
    .expect("the tour's flyers render");
    let r = check("tour-flyers", &pdf);
    assert_eq!(
        r.pages, 3,
        "the sample tour has three stops, so three pages"
    );
    assert!(
        r.has("Date and place coming soon"),
        "the stop with no date says so:\n{}",
        r.text
    );
    assert_clear_of_cuts("tour-flyers", &r, Layout::HalfSheet);
}

#[test]
fn tear_off_tabs_carry_the_link_in_every_layout() {
    let db = demo_db();
    let id = id_of(&db, "United Front");
    for layout in [Layout::FullPage, Layout::HalfSheet, Layout::QuarterSheet] {
        let name = format!("tabs-{layout:?}").to_lowercase();
        let pdf = flyers::event_flyer(&db, id, opts(layout, Paper::Letter, Theme::Color, true))
            .unwrap_or_else(|e| panic!("{name} renders: {e}"));
        let r = check(&name, &pdf);
        let tabs = r.flat().matches("example.org/").count();
        assert!(
            tabs >= 4,
            "{name}: the tabs should repeat the event's link, found it {tabs} times:\n{}",
            r.text
        );
        assert_clear_of_cuts(&name, &r, layout);
    }
}

#[test]
fn a_cancelled_event_carries_a_cancelled_banner_with_the_reason() {
    let db = demo_db();
    let id = id_of(&db, "Socialists in Solidarity");
    events::cancel(&db, id, "The speakers could not travel.").unwrap();
    let pdf =
        flyers::event_flyer(&db, id, FlyerOptions::default()).expect("the cancelled panel renders");
    let r = check("cancelled", &pdf);
    assert!(r.has("CANCELLED"), "the banner says CANCELLED:\n{}", r.text);
    assert!(
        r.has("The speakers could not travel."),
        "the banner gives the reason:\n{}",
        r.text
    );
}

#[test]
fn a_rescheduled_event_shows_the_new_date_and_the_old_one() {
    let db = demo_db();
    let id = id_of(&db, "United Front");
    let pdf = flyers::event_flyer(
        &db,
        id,
        opts(Layout::FullPage, Paper::A4, Theme::BlackAndWhite, false),
    )
    .expect("the rescheduled study group renders");
    let r = check("rescheduled", &pdf);
    for field in [
        "RESCHEDULED",
        "New date: Thursday, January 14, 2027",
        "Originally Thursday, January 7, 2027",
        "massive storm",
    ] {
        assert!(
            r.has(field),
            "the rescheduled flyer should show {field:?}:\n{}",
            r.text
        );
    }
}

#[test]
fn an_event_with_no_date_yet_says_it_is_coming_soon() {
    let db = demo_db();
    let e = events::save_draft(
        &db,
        None,
        EventInput {
            title: "Spring teach-in".into(),
            kind: EventKind::Conference,
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .expect("a draft without a date saves");
    let pdf =
        flyers::event_flyer(&db, e.id, FlyerOptions::default()).expect("an undated draft renders");
    let r = check("no-date", &pdf);
    assert!(
        r.has("Spring teach-in") && r.has("Date and place coming soon"),
        "the flyer says the date is coming:\n{}",
        r.text
    );
}

#[test]
fn a_hand_made_flyer_prints_demands_cosponsors_with_logos_and_a_spanish_translation() {
    let c = full_content();
    for (name, o) in [
        (
            "full-content",
            FlyerOptions {
                tear_offs: true,
                ..Default::default()
            },
        ),
        (
            "full-content-half",
            opts(Layout::HalfSheet, Paper::A4, Theme::BlackAndWhite, false),
        ),
    ] {
        let pdf = flyers::render(&c, o).unwrap_or_else(|e| panic!("{name} renders: {e}"));
        let r = check(name, &pdf);
        for field in [
            "Our demands",
            "we demand that:",
            "1.",
            "ICE release Siham Byah",
            "3.",
            "Deportations end now",
            "Co-sponsored by",
            "Mass Jobs with Justice",
            "Cosecha Boston",
            "Español",
            "Alto a las deportaciones",
            "Únete a nosotros en el edificio federal. ¡Sí se puede!",
            "Bring friends",
            "Step-free access",
            "No signs on sticks.",
            "Yasser Munif",
            "Emerson College",
        ] {
            assert!(r.has(field), "{name} should show {field:?}:\n{}", r.text);
        }
    }
}

#[test]
fn a_long_description_shrinks_to_fit_and_a_too_long_one_is_refused_by_name() {
    let mut c = full_content();
    c.demands = None;
    c.translation = None;
    c.cosponsors.clear();
    let paragraph = "Siham Byah is a single mother and activist who was detained at a routine check-in and deported, separated from her son. ";
    c.description = (0..4)
        .map(|_| paragraph.repeat(3))
        .collect::<Vec<_>>()
        .join("\n\n");
    let pdf =
        flyers::render(&c, FlyerOptions::default()).expect("a long description shrinks and fits");
    let r = check("long-description", &pdf);
    assert!(
        r.has("separated from her son"),
        "the long description is printed:\n{}",
        r.text
    );
    let sizes: Vec<f32> = r
        .words
        .iter()
        .filter(|w| w.text == "separated")
        .map(|w| w.y1 - w.y0)
        .collect();
    assert!(
        sizes.iter().all(|h| *h < 13.0 * 1.36),
        "the description was set smaller than its largest size: word heights {sizes:?}"
    );

    c.description = (0..30)
        .map(|_| paragraph.repeat(3))
        .collect::<Vec<_>>()
        .join("\n\n");
    let err = flyers::render(&c, FlyerOptions::default())
        .expect_err("a description too long for the page is refused");
    assert_eq!(
        err.code,
        ErrorCode::Invalid,
        "too long is invalid input: {err:?}"
    );
    assert_eq!(
        invalid_field(&err),
        ["description"],
        "the error names the description: {err:?}"
    );
    assert!(
        err.message.contains("too long"),
        "the message says it is too long: {}",
        err.message
    );
}

#[test]
fn a_one_megabyte_description_is_refused_quickly() {
    let mut c = full_content();
    c.description = "word ".repeat(210_000);
    let started = std::time::Instant::now();
    let err = flyers::render(&c, FlyerOptions::default())
        .expect_err("a 1 MB description cannot fit a flyer");
    assert_eq!(
        invalid_field(&err),
        ["description"],
        "the error names the description: {err:?}"
    );
    assert!(
        started.elapsed().as_secs_f32() < 5.0,
        "refusing it should not take long, took {:?}",
        started.elapsed()
    );
}

#[test]
fn text_in_a_script_the_fonts_lack_is_refused_naming_the_field_and_the_text() {
    let mut c = full_content();
    c.description = "Reunión con vecinos 会议 en el centro.".into();
    let err = flyers::render(&c, FlyerOptions::default())
        .expect_err("Chinese text cannot be printed with the shipped fonts");
    assert_eq!(
        invalid_field(&err),
        ["description"],
        "the error names the field: {err:?}"
    );
    assert!(
        err.message.contains("会议"),
        "the message quotes the text that cannot be printed: {}",
        err.message
    );

    let mut c = full_content();
    c.translation = Some(Translation {
        language: "العربية".into(),
        title: "أوقفوا الترحيل".into(),
        description: String::new(),
    });
    let err = flyers::render(&c, FlyerOptions::default())
        .expect_err("Arabic cannot be set without shaping");
    assert!(
        invalid_field(&err).contains(&"translation.title".to_owned()),
        "the error names the translated title: {err:?}"
    );
    assert!(
        err.message.contains("أوقفوا"),
        "the message quotes the Arabic text: {}",
        err.message
    );

    let mut c = full_content();
    c.title = "Rally ✓ for Siham — “now” ★ Ελλάδα Москва".into();
    let pdf = flyers::render(&c, FlyerOptions::default())
        .expect("symbols and Greek/Cyrillic print with the shipped or fallback fonts");
    let r = check("fallback-glyphs", &pdf);
    assert!(
        r.has("★") && r.has("✓") && r.has("Ελλάδα") && r.has("Москва"),
        "the fallback characters are printed:\n{}",
        r.text
    );
}

#[test]
fn a_broken_logo_is_refused_naming_the_cosponsor() {
    let mut c = full_content();
    c.cosponsors[1].logo = Some(b"\x89PNG\r\n\x1a\nnot really".to_vec());
    let err = flyers::render(&c, FlyerOptions::default()).expect_err("a broken logo is refused");
    assert_eq!(
        invalid_field(&err),
        ["cosponsors[1].logo"],
        "the error names the logo: {err:?}"
    );
    assert!(
        err.message.contains("Cosecha Boston"),
        "the message names the organization: {}",
        err.message
    );
}

#[test]
fn writing_to_an_unwritable_path_gives_a_clear_error() {
    let pdf = flyers::render(&full_content(), FlyerOptions::default()).unwrap();
    let err = handbill_core::db::outside::write(Path::new("/nonexistent-folder/flyer.pdf"), &pdf)
        .expect_err("a missing folder cannot be written");
    assert_eq!(
        err.code,
        ErrorCode::Storage,
        "an unwritable path is a storage error: {err:?}"
    );
    assert!(
        err.message.contains("/nonexistent-folder/flyer.pdf")
            && err.message.contains("does not exist"),
        "the message names the path and why: {}",
        err.message
    );
    let dir = tempfile::tempdir().unwrap();
    let err =
        handbill_core::db::outside::write(dir.path(), &pdf).expect_err("a folder is not a file");
    assert_eq!(
        invalid_field(&err),
        ["path"],
        "the error names the path: {err:?}"
    );
    let file = dir.path().join("flyer.pdf");
    handbill_core::db::outside::write(&file, &pdf).expect("a writable path is written");
    assert_eq!(std::fs::read(&file).unwrap(), pdf, "the file holds the PDF");
}

#[test]
fn a_rescheduled_stop_of_a_tour_without_venue_shows_location_tba_on_its_own_flyer() {
    let db = demo_db();
    let tour = events::get_tour(&db, tour_id(&db)).unwrap();
    let stop = tour
        .stops
        .iter()
        .find(|s| s.venue.is_none())
        .expect("the sample tour has a stop with no venue");
    events::reschedule(
        &db,
        stop.id,
        When {
            start_date: "2027-03-09".into(),
            start_time: "18:00".into(),
            end_time: "20:00".into(),
            ..Default::default()
        },
        "A campus offered a room.",
    )
    .unwrap();
    let pdf = flyers::event_flyer(&db, stop.id, FlyerOptions::default()).expect("the stop renders");
    let r = check("stop-no-venue", &pdf);
    assert!(
        r.has("Location to be announced") && r.has("Tuesday, March 9, 2027"),
        "the stop shows its date and that the place is coming:\n{}",
        r.text
    );
}

/// A small PNG an organization uploads as its logo.
fn org_logo_png() -> Vec<u8> {
    sample_png()
}

#[test]
fn the_rally_flyer_prints_its_six_demands_and_only_its_confirmed_cosponsor() {
    let db = demo_db();
    let id = id_of(&db, "Justice4Siham");
    let c = flyers::content_for_event(&db, id).expect("the rally's content is built");
    let d = c
        .demands
        .as_ref()
        .expect("the rally carries the sample demand list");
    assert_eq!(
        d.items.len(),
        6,
        "the rally's demand list has six demands: {d:?}"
    );
    assert_eq!(
        d.intro, "In solidarity with Siham and Naseem, we demand that:",
        "the intro is the version's"
    );
    let names: Vec<&str> = c.cosponsors.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["Justice4Siham Coalition"],
        "only the confirmed co-sponsor is named, not the one only asked"
    );
    assert!(
        c.demands_translation.is_none(),
        "a flyer not asked to be bilingual has no translated demands"
    );
    let pdf =
        flyers::render(&c, FlyerOptions::default()).expect("the rally renders with its demands");
    let r = check("rally-coalition", &pdf);
    for field in [
        "In solidarity with Siham and Naseem, we demand that:",
        "6.",
        "ICE immediately stop terrorizing",
        "Co-sponsored by",
        "Justice4Siham Coalition",
    ] {
        assert!(
            r.has(field),
            "the rally flyer should show {field:?}:\n{}",
            r.text
        );
    }
    assert!(
        !r.has("Nahant Neighbors"),
        "the co-sponsor only asked must not be printed:\n{}",
        r.text
    );
}

#[test]
fn a_cosponsor_logo_is_printed_only_where_the_organization_allows_it() {
    let db = demo_db();
    let id = id_of(&db, "Justice4Siham");
    let org = handbill_core::coalition::confirmed_cosponsors(&db, id).unwrap()[0].clone();
    handbill_core::coalition::set_organization_logo(&db, org.organization_id, &org_logo_png())
        .expect("the logo is stored");
    let c = flyers::content_for_event(&db, id).unwrap();
    assert!(
        c.cosponsors[0].logo.is_some(),
        "the sample allows the coalition's logo, so it is printed"
    );
    let ship = handbill_core::coalition::cosponsorships_for(
        &db,
        handbill_core::coalition::CosponsorTarget::Event(id),
    )
    .unwrap()
    .into_iter()
    .find(|s| s.organization_id == org.organization_id)
    .expect("the confirmed co-sponsorship is there");
    handbill_core::coalition::set_logo_permitted(&db, ship.id, false).unwrap();
    let c = flyers::content_for_event(&db, id).unwrap();
    assert!(
        c.cosponsors[0].logo.is_none(),
        "without permission the name is printed and the logo is not"
    );
    assert_eq!(
        c.cosponsors[0].name, "Justice4Siham Coalition",
        "the name is still printed"
    );
}

#[test]
fn a_bilingual_rally_flyer_prints_the_spanish_demands_after_the_english() {
    let db = demo_db();
    let id = id_of(&db, "Justice4Siham");
    assert_eq!(
        flyers::languages_for_event(&db, id).unwrap(),
        ["es"],
        "the rally's demand list is translated into Spanish"
    );
    let mut c = flyers::content_for_event_in(&db, id, Some("es")).unwrap();
    // The demands alone: with the translated description too, the page flows
    // into two columns, whose reading order pdftotext cannot tell (that case
    // has its own test below).
    c.translation = None;
    let t = c
        .demands_translation
        .as_ref()
        .expect("the Spanish demands are added");
    assert_eq!(t.items.len(), 6, "all six demands are translated");
    for layout in [Layout::FullPage, Layout::HalfSheet] {
        let name = format!("rally-bilingual-{layout:?}").to_lowercase();
        let pdf = flyers::render(&c, opts(layout, Paper::Letter, Theme::Color, false))
            .unwrap_or_else(|e| panic!("{name} renders: {e}"));
        let r = check(&name, &pdf);
        for field in [
            "we demand that:",
            "En solidaridad con Siham y Naseem, exigimos que:",
            "ICE deje de inmediato de aterrorizar",
        ] {
            assert!(r.has(field), "{name} should show {field:?}:\n{}", r.text);
        }
        let flat = r.flat();
        assert!(
            flat.find("we demand that:") < flat.find("exigimos que:"),
            "{name}: the Spanish comes after the English"
        );
        assert_clear_of_cuts(&name, &r, layout);
    }
    let none = flyers::content_for_event_in(&db, id, Some("fr")).unwrap();
    assert!(
        none.demands_translation.is_none(),
        "a language without a translation adds nothing rather than the English twice"
    );
}

#[test]
fn a_bilingual_rally_flyer_prints_the_spanish_title_and_description_beside_the_english() {
    let db = demo_db();
    let id = id_of(&db, "Justice4Siham");
    let c = flyers::content_for_event_in(&db, id, Some("es")).unwrap();
    let t = c
        .translation
        .as_ref()
        .expect("the rally's Spanish translation is added");
    assert_eq!(
        t.language, "Español",
        "the heading names the language as its readers write it"
    );
    for layout in [Layout::FullPage, Layout::HalfSheet] {
        let name = format!("rally-bilingual-translation-{layout:?}").to_lowercase();
        let pdf = flyers::render(&c, opts(layout, Paper::Letter, Theme::Color, false))
            .unwrap_or_else(|e| panic!("{name} renders: {e}"));
        let r = check(&name, &pdf);
        for field in [
            "#Justice4Siham & #Justice4Naseem Rally",
            "Manifestación por #Justice4Siham y #Justice4Naseem",
            "Español",
            "Únete a nosotros",
            "detenida",
            "exigimos que:",
        ] {
            assert!(r.has(field), "{name} should show {field:?}:\n{}", r.text);
        }
        assert_clear_of_cuts(&name, &r, layout);
    }
    let english = flyers::content_for_event(&db, id).unwrap();
    assert!(
        english.translation.is_none(),
        "without the option there is no translation"
    );
    let r = check(
        "rally-english-only",
        &flyers::render(&english, FlyerOptions::default()).unwrap(),
    );
    assert!(
        r.has("#Justice4Siham & #Justice4Naseem Rally"),
        "the English title is printed:\n{}",
        r.text
    );
    assert!(
        !r.has("Manifestación") && !r.has("Únete"),
        "the Spanish is not printed without the option:\n{}",
        r.text
    );
    assert!(
        flyers::content_for_event_in(&db, id, Some("fr"))
            .unwrap()
            .translation
            .is_none(),
        "a language without a translation adds nothing"
    );
}

#[test]
fn the_tour_poster_carries_the_tours_demand_list_when_attached() {
    let db = demo_db();
    let tour = tour_id(&db);
    let list = handbill_core::coalition::list_demand_lists(&db).unwrap()[0].id;
    handbill_core::coalition::attach_tour_demand_list(&db, tour, list).unwrap();
    let c = flyers::content_for_tour_in(&db, tour, Some("es")).unwrap();
    assert_eq!(
        c.demands.as_ref().map(|d| d.items.len()),
        Some(6),
        "the poster carries the tour's list"
    );
    assert!(
        c.demands_translation.is_some(),
        "and its Spanish translation when asked"
    );
    let pdf = flyers::request_pdf(
        &db,
        &flyers::FlyerRequest {
            tour_id: Some(tour),
            poster: true,
            bilingual: Some("es".to_owned()),
            ..flyers::FlyerRequest::default()
        },
    )
    .expect("the bilingual poster renders");
    let r = check("tour-poster-demands", &pdf);
    assert!(
        r.has("Meetings near you") && r.has("exigimos que:"),
        "the poster lists stops and the Spanish demands:\n{}",
        r.text
    );
}

#[test]
fn a_preview_renders_the_request_and_reports_pages_languages_and_a_file_name() {
    let db = demo_db();
    let id = id_of(&db, "Justice4Siham");
    let p = flyers::preview(
        &db,
        &flyers::FlyerRequest {
            event_id: Some(id),
            ..Default::default()
        },
    )
    .expect("the rally previews");
    assert_eq!((p.pages, p.contents.len()), (1, 1), "one flyer on one page");
    assert_eq!(p.languages, ["es"], "the Spanish translation is offered");
    assert_eq!(
        p.file_name, "justice4siham-justice4naseem-rally.pdf",
        "a file name from the title"
    );
    assert!(p.bytes > 1000, "the PDF was rendered");
    let tour = flyers::preview(
        &db,
        &flyers::FlyerRequest {
            tour_id: Some(tour_id(&db)),
            options: opts(Layout::HalfSheet, Paper::A4, Theme::Color, false),
            ..Default::default()
        },
    )
    .expect("the tour previews");
    assert_eq!(
        (tour.contents.len(), tour.pages, tour.first.pages),
        (3, 3, 3),
        "three stops, each on its own sheet of two copies, as the PDF prints them"
    );
    let err = flyers::preview(
        &db,
        &flyers::FlyerRequest {
            event_id: Some(id),
            options: opts(Layout::QuarterSheet, Paper::Letter, Theme::Color, false),
            ..Default::default()
        },
    )
    .expect_err("a quarter sheet is refused");
    assert_eq!(
        invalid_field(&err),
        ["demands"],
        "the refusal names the field"
    );
}

/// The lines of text an SVG draws, unescaped, in order: each is a group of
/// glyph outlines labelled with its text.
fn svg_lines(svg: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find("<g aria-label=\"") {
        let start = i + "<g aria-label=\"".len();
        let end = rest[start..].find('"').expect("a label ends") + start;
        let raw = &rest[start..end];
        assert!(!raw.contains('<'), "a label holds no markup: {raw:?}");
        lines.push(
            raw.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        );
        rest = &rest[end..];
    }
    lines
}

/// The number of text sections (BT … ET), one per text mark, on each page of a PDF.
fn pdf_text_marks(name: &str, pdf: &[u8]) -> usize {
    let dir = out_dir();
    let src = dir.join(format!("{name}.pdf"));
    let qdf = dir.join(format!("{name}.qdf.pdf"));
    std::fs::write(&src, pdf).unwrap();
    let (ok, msg) = run(
        "qpdf",
        &[
            "--qdf",
            "--object-streams=disable",
            src.to_str().unwrap(),
            qdf.to_str().unwrap(),
        ],
    );
    assert!(ok, "qpdf --qdf should uncompress {name}: {msg}");
    let bytes = std::fs::read(&qdf).unwrap();
    String::from_utf8_lossy(&bytes)
        .lines()
        .filter(|l| l.trim() == "BT")
        .count()
}

fn save_svgs(name: &str, svgs: &[String]) {
    for (i, svg) in svgs.iter().enumerate() {
        std::fs::write(out_dir().join(format!("{name}-{}.svg", i + 1)), svg).unwrap();
    }
}

#[test]
fn the_preview_svg_of_the_sample_rally_is_the_pdf_page() {
    let db = demo_db();
    let id = id_of(&db, "Justice4Siham");
    let content = flyers::content_for_event(&db, id).expect("the rally has content");
    let options = FlyerOptions::default();
    let svgs = flyers::preview_svg(std::slice::from_ref(&content), options)
        .expect("the rally previews as SVG");
    save_svgs("preview-rally-letter", &svgs);
    assert_eq!(svgs.len(), 1, "one full-page flyer is one SVG page");
    let svg = &svgs[0];
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "a standalone SVG document: {}",
        &svg[..svg.len().min(200)]
    );
    assert!(
        svg.contains("viewBox=\"0 0 612 792\""),
        "the view box is US Letter in points: {}",
        &svg[..svg.len().min(300)]
    );
    assert!(
        svg.contains("<rect x=\"0\" y=\"0\" width=\"612\" height=\"792\" fill=\"#ffffff\"/>"),
        "the page is white"
    );
    assert!(
        !svg.contains("<text") && !svg.contains("font-family") && !svg.contains("@font-face"),
        "no text is left for the web view to set in fonts of its own"
    );
    for (face, prefix) in [("regular", "r"), ("bold", "b")] {
        assert!(
            svg.contains(&format!("<path id=\"{prefix}")),
            "the page carries the outlines of the {face} face the PDF embeds"
        );
    }
    let lines = svg_lines(svg);
    let joined = lines.join(" ");
    assert!(
        joined.contains(&content.title),
        "the title {:?} is in the preview: {lines:?}",
        content.title
    );
    assert!(
        joined.contains("Justice4Siham Coalition"),
        "the confirmed co-sponsor is in the preview: {lines:?}"
    );
    assert!(
        !joined.contains("Nahant Neighbors"),
        "the co-sponsor only asked is not in the preview"
    );
    assert!(
        joined.contains("we demand that:"),
        "the demand list is in the preview"
    );
    assert!(
        svg.contains("<use href=\"#b") && svg.contains("<use href=\"#r"),
        "bold and regular lines are told apart"
    );
    let pdf = flyers::render(&content, options).expect("the rally prints");
    assert_eq!(
        lines.len(),
        pdf_text_marks("preview-rally-letter", &pdf),
        "the SVG draws as many lines of text as the PDF"
    );

    let a4 = flyers::preview_svg(
        std::slice::from_ref(&content),
        opts(Layout::FullPage, Paper::A4, Theme::Color, false),
    )
    .expect("A4 previews");
    assert!(
        a4[0].contains("viewBox=\"0 0 595.28 841.89\""),
        "the view box is A4 in points: {}",
        &a4[0][..a4[0].len().min(300)]
    );
    let half = flyers::preview_svg(
        std::slice::from_ref(&content),
        opts(Layout::HalfSheet, Paper::A4, Theme::Color, true),
    )
    .expect("the half sheet previews");
    save_svgs("preview-rally-half-a4", &half);
    assert_eq!(half.len(), 1, "a half sheet of one flyer is one page");
    assert!(
        half[0].contains("viewBox=\"0 0 841.89 595.28\""),
        "the half sheet is A4 landscape"
    );
    assert!(
        half[0].contains("stroke-dasharray=\"4 3\""),
        "tear-off tabs are cut along dashed lines"
    );
    assert!(
        half[0].contains(" rotate(-90) scale("),
        "the tabs' link reads upward"
    );
    let half_lines = svg_lines(&half[0]);
    assert_eq!(
        half_lines
            .iter()
            .filter(|l| l.contains("Justice4Siham Coalition"))
            .count()
            % 2,
        0,
        "both copies on the sheet carry the same lines"
    );
    let half_pdf = flyers::render(
        &content,
        opts(Layout::HalfSheet, Paper::A4, Theme::Color, true),
    )
    .unwrap();
    assert_eq!(
        half_lines.len(),
        pdf_text_marks("preview-rally-half-a4", &half_pdf),
        "the half sheet's SVG has the PDF's text marks"
    );
}

#[test]
fn the_preview_svg_escapes_user_text_so_it_cannot_become_markup() {
    let mut c = full_content();
    c.title = "<script>alert(1)</script> & \"x\"".into();
    c.hosts = "Tom & Jerry's <b>Union</b>".into();
    let svgs = flyers::preview_svg(std::slice::from_ref(&c), FlyerOptions::default())
        .expect("the flyer previews");
    let svg = &svgs[0];
    save_svgs("preview-escaped", &svgs);
    assert!(
        !svg.to_lowercase().contains("<script"),
        "no script element comes from the title"
    );
    assert!(!svg.contains("<b>"), "no markup comes from the hosts");
    assert!(
        svg.contains("&lt;script&gt;"),
        "the title's angle brackets are escaped"
    );
    assert!(
        svg.contains("&amp;") && svg.contains("&quot;x&quot;"),
        "ampersands and quotes are escaped"
    );
    assert!(svg.contains("Jerry&apos;s"), "apostrophes are escaped");
    let joined = svg_lines(svg).join(" ");
    assert!(
        joined.contains("alert(1)") && joined.contains("\"x\""),
        "the title still reads as typed once unescaped: {joined}"
    );
    assert!(
        svg.contains("<image ") && svg.contains("href=\"data:image/png;base64,"),
        "the co-sponsor's logo is drawn from a PNG data URI"
    );
}

#[test]
fn the_preview_svg_refuses_what_the_pdf_refuses_naming_the_field() {
    let db = demo_db();
    let id = id_of(&db, "Justice4Siham");
    let content = flyers::content_for_event(&db, id).unwrap();
    let err = flyers::preview_svg(
        std::slice::from_ref(&content),
        opts(Layout::QuarterSheet, Paper::Letter, Theme::Color, false),
    )
    .expect_err("a quarter sheet is refused");
    assert_eq!(
        invalid_field(&err),
        ["demands"],
        "the refusal names the demand list, as the PDF's does"
    );
    let err =
        flyers::preview_svg(&[], FlyerOptions::default()).expect_err("nothing to print is refused");
    assert_eq!(invalid_field(&err), ["stops"], "an empty tour is named");
    let request = flyers::FlyerRequest {
        tour_id: Some(tour_id(&db)),
        ..Default::default()
    };
    let tour = flyers::preview(&db, &request).expect("the tour previews");
    assert_eq!(tour.pages, 3, "one SVG page per stop");
    for i in 0..tour.pages {
        let svg = flyers::preview_page(&db, &request, i)
            .expect("each stop's page is drawn")
            .svg;
        assert!(
            svg.contains("viewBox=\"0 0 612 792\""),
            "stop {i} is a Letter page"
        );
    }
}
