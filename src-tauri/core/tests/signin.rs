//! The sign-in sheet, checked like the flyers with real PDF tools (qpdf and
//! poppler): each PDF is well formed, embeds subset fonts, keeps every line
//! of text on the page, holds every heading (in English and, for the sample's
//! bilingual branch, in Spanish) and the numbers 1 to N in order across its
//! pages, repeats the column headings and says "Page 1 of 2" on each page.
//! Each sheet's pages are saved as PNG under `target/flyers/` to be looked at.
//! Bad requests are refused naming the field.

use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::flyers::{self, Paper, SigninRequest, SIGNIN_MAX_ROWS};
use handbill_core::{branch, demo, Database, ErrorCode};

#[allow(dead_code)]
#[path = "support/pdf.rs"]
mod pdf;

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

fn request(event_id: i64, paper: Paper, rows: Option<u32>) -> SigninRequest {
    SigninRequest {
        event_id,
        paper: Some(paper),
        rows,
    }
}

/// Whether a line is a row's number: a number alone in the "#" column (the
/// page's first 60 points: its margin and the column), not a ZIP code
/// wrapped onto a line of its own.
fn is_row_number(l: &pdf::Line) -> bool {
    l.x1 < 60.0 && l.text.trim().parse::<u32>().is_ok()
}

/// The row numbers as pdftotext reads them, page by page, top to bottom.
fn numbers(r: &pdf::Report) -> Vec<(usize, u32)> {
    let mut lines: Vec<&pdf::Line> = r.lines.iter().filter(|l| is_row_number(l)).collect();
    lines.sort_by(|a, b| (a.page, a.y0).partial_cmp(&(b.page, b.y0)).unwrap());
    lines
        .iter()
        .filter_map(|l| l.text.trim().parse::<u32>().ok().map(|n| (l.page, n)))
        .collect()
}

const HEADINGS: [&str; 8] = [
    "Please sign in",
    "Name",
    "Email",
    "Phone",
    "ZIP",
    "Email me about future events",
    "Quiero recibir correos sobre futuros eventos",
    "Correo electrónico",
];

#[test]
fn sheets_on_letter_and_a4_hold_every_heading_and_number_the_rows_across_pages() {
    let db = demo_db();
    let rally = id_of(&db, "Rally");
    let title = events::get(&db, rally).unwrap().title;
    for (paper, paper_name) in [(Paper::Letter, "letter"), (Paper::A4, "a4")] {
        for rows in [10u32, 60] {
            let name = format!("signin-{paper_name}-{rows}");
            let sheet = flyers::signin_sheet(&db, &request(rally, paper, Some(rows)))
                .unwrap_or_else(|e| panic!("{name} is drawn: {e:?}"));
            assert_eq!(sheet.rows, rows, "{name} has the rows asked for");
            let r = pdf::check(&name, &sheet.pdf);
            assert_eq!(
                r.pages as u32, sheet.pages,
                "{name}: the PDF has the pages the sheet says"
            );
            for h in HEADINGS.iter().chain([&title.as_str()]) {
                assert!(r.has(h), "{name} prints “{h}”:\n{}", r.reading());
            }
            assert!(
                r.has("Saturday, January 30, 2027 | 12:00 - 2:00 pm"),
                "{name} prints the rally's date, as its flyer does:\n{}",
                r.reading()
            );
            assert!(
                r.has("JFK Federal Building"),
                "{name} prints the rally's place:\n{}",
                r.reading()
            );
            let found = numbers(&r);
            let expected: Vec<u32> = (1..=rows).collect();
            assert_eq!(
                found.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
                expected,
                "{name} numbers its rows 1 to {rows} in order, across its pages"
            );
            if rows == 60 {
                assert!(r.pages >= 2, "{name}: 60 rows take more than one page");
                assert_eq!(
                    found.last().map(|(p, _)| *p),
                    Some(r.pages),
                    "{name}: row 60 is on the last page"
                );
                for page in 2..=r.pages {
                    let text = r.text_of_page(page);
                    for h in ["Name", "Email", "Phone", "ZIP", "Email me about"] {
                        assert!(
                            text.contains(h),
                            "{name}: page {page} repeats the heading “{h}”: {text}"
                        );
                    }
                    assert!(
                        text.contains("continued"),
                        "{name}: page {page} says the sheet continues: {text}"
                    );
                }
                let first_page_last = found.iter().filter(|(p, _)| *p == 1).map(|(_, n)| *n).max();
                let second_page_first =
                    found.iter().filter(|(p, _)| *p == 2).map(|(_, n)| *n).min();
                assert_eq!(
                    second_page_first,
                    first_page_last.map(|n| n + 1),
                    "{name}: page 2 carries on the numbering of page 1"
                );
            } else {
                assert_eq!(r.pages, 1, "{name}: 10 rows fit one page");
            }
            for page in 1..=r.pages {
                let counter = format!("Page {page} of {}", r.pages);
                assert!(
                    r.text_of_page(page).contains(&counter),
                    "{name}: page {page} says “{counter}”"
                );
            }
        }
    }
}

#[test]
fn an_event_with_a_link_carries_its_qr_code_in_the_corner() {
    let db = demo_db();
    let study = id_of(&db, "United Front");
    let sheet = flyers::signin_sheet(&db, &request(study, Paper::Letter, Some(20))).unwrap();
    let r = pdf::check("signin-qr", &sheet.pdf);
    let caption = r.lines_with("Scan for details");
    assert_eq!(caption.len(), 1, "one QR code, captioned:\n{}", r.reading());
    assert!(
        caption[0].page == 1 && caption[0].x0 > r.page_w / 2.0,
        "the QR code is in the first page's right corner: {:?}",
        caption[0]
    );
    let rally = id_of(&db, "Rally");
    let sheet = flyers::signin_sheet(&db, &request(rally, Paper::Letter, Some(20))).unwrap();
    let r = pdf::check("signin-no-link", &sheet.pdf);
    assert!(
        !r.has("Scan for details"),
        "the rally has no link of its own, so no QR code (not the branch's website):\n{}",
        r.reading()
    );
}

#[test]
fn rows_are_tall_enough_to_write_in() {
    let db = demo_db();
    let rally = id_of(&db, "Rally");
    let sheet = flyers::signin_sheet(&db, &request(rally, Paper::Letter, Some(30))).unwrap();
    let r = pdf::check("signin-row-height", &sheet.pdf);
    let page1: Vec<&pdf::Line> = r
        .lines
        .iter()
        .filter(|l| l.page == 1 && is_row_number(l))
        .collect();
    assert!(page1.len() > 5, "page 1 has numbered rows");
    let mm_per_pt = 25.4 / 72.0;
    for pair in page1.windows(2) {
        let gap = (pair[1].y0 - pair[0].y0) * mm_per_pt;
        assert!(
            gap >= 9.0,
            "rows {} and {} are {gap:.1} mm apart: at least 9 mm leaves room to write",
            pair[0].text,
            pair[1].text
        );
    }
}

#[test]
fn the_default_fills_the_first_page_and_takes_the_events_flyer_paper() {
    let db = demo_db();
    let rally = id_of(&db, "Rally");
    let sheet = flyers::signin_sheet(
        &db,
        &SigninRequest {
            event_id: rally,
            paper: None,
            rows: None,
        },
    )
    .unwrap();
    assert_eq!(sheet.pages, 1, "without --rows the sheet is one page");
    assert!(
        sheet.rows >= 15,
        "one Letter page holds at least 15 rows, not {}",
        sheet.rows
    );
    // One more row than the page holds starts a second page.
    let more =
        flyers::signin_sheet(&db, &request(rally, Paper::Letter, Some(sheet.rows + 1))).unwrap();
    assert_eq!(more.pages, 2, "a row more than a page holds takes page 2");

    let mut kept = flyers::choices(&db, rally).unwrap();
    kept.paper = Paper::A4;
    flyers::remember_choices(&db, rally, kept).unwrap();
    let a4 = flyers::signin_sheet(
        &db,
        &SigninRequest {
            event_id: rally,
            paper: None,
            rows: None,
        },
    )
    .unwrap();
    let r = pdf::check("signin-default-a4", &a4.pdf);
    assert!(
        (r.page_w - 595.28).abs() < 1.0,
        "no paper asked: the event's flyer paper (A4) is used, not {}",
        r.page_w
    );
}

#[test]
fn an_english_only_branch_prints_the_english_words_alone() {
    let db = demo_db();
    let mut input: branch::BranchInput = branch::get(&db).unwrap().unwrap().into();
    input.languages = vec!["en".into()];
    branch::save(&db, input).unwrap();
    let rally = id_of(&db, "Rally");
    let sheet = flyers::signin_sheet(&db, &request(rally, Paper::Letter, Some(5))).unwrap();
    let r = pdf::check("signin-english", &sheet.pdf);
    assert!(
        r.has("Email me about future events"),
        "the English box words"
    );
    assert!(
        !r.has("Quiero"),
        "no Spanish for a branch that does not print it:\n{}",
        r.reading()
    );
}

#[test]
fn a_draft_prints_and_a_cancelled_event_is_refused() {
    let db = demo_db();
    let draft = events::create(
        &db,
        EventInput {
            title: "Branch meeting".into(),
            kind: EventKind::Meeting,
            start_date: "2027-03-04".into(),
            start_time: "18:30".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let sheet = flyers::signin_sheet(&db, &request(draft.id, Paper::A4, Some(12)))
        .expect("a draft's sheet is printed: it is for the door");
    let r = pdf::check("signin-draft", &sheet.pdf);
    assert!(r.has("Branch meeting"), "the draft's title is printed");

    events::cancel(&db, draft.id, "The hall closed").unwrap();
    let e = flyers::signin_sheet(&db, &request(draft.id, Paper::A4, Some(12)))
        .expect_err("a cancelled event has no sheet");
    assert_eq!(e.code, ErrorCode::Invalid, "a refusal of bad input: {e:?}");
    assert!(
        e.message.contains("cancelled"),
        "the refusal says why: {}",
        e.message
    );
}

#[test]
fn rows_out_of_range_and_an_unknown_event_are_refused_by_name() {
    let db = demo_db();
    let rally = id_of(&db, "Rally");
    for rows in [0, SIGNIN_MAX_ROWS + 1, 9999] {
        let e = flyers::signin_sheet(&db, &request(rally, Paper::Letter, Some(rows)))
            .expect_err("rows out of range are refused");
        assert_eq!(e.code, ErrorCode::Invalid, "{rows}: bad input: {e:?}");
        assert!(
            e.fields.iter().any(|f| f.field == "rows"),
            "{rows}: the refusal names the rows: {e:?}"
        );
        assert!(
            e.message.contains("1 to 500"),
            "{rows}: the refusal says what is allowed: {}",
            e.message
        );
    }
    let sheet = flyers::signin_sheet(&db, &request(rally, Paper::Letter, Some(SIGNIN_MAX_ROWS)))
        .expect("the most rows allowed print");
    let r = pdf::check("signin-most", &sheet.pdf);
    assert_eq!(
        numbers(&r).last(),
        Some(&(r.pages, SIGNIN_MAX_ROWS)),
        "row {SIGNIN_MAX_ROWS} is the last, on the last page"
    );
    assert_eq!(
        numbers(&r).len(),
        SIGNIN_MAX_ROWS as usize,
        "every row is numbered"
    );

    let e = flyers::signin_sheet(&db, &request(987_654, Paper::Letter, None))
        .expect_err("an unknown event is refused");
    assert_eq!(e.code, ErrorCode::NotFound, "{e:?}");
    assert!(
        e.message.contains("987654"),
        "the refusal names the number: {}",
        e.message
    );
}
