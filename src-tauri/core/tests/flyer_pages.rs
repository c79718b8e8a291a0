//! The window's preview draws a flyer's pages one at a time: the preview
//! answer carries the first page and the page count, and each other page is
//! drawn when the organizer turns to it. Every page drawn so is the very page
//! the whole document draws (and the PDF prints), in every layout, paper and
//! theme, logos included; a page past the last is refused by name.

use std::process::Command;

use handbill_core::flyers::{self, FlyerOptions, FlyerRequest, Layout, Paper, Theme};
use handbill_core::{demo, Database};

fn demo_db() -> Database {
    let db = Database::open_in_memory().expect("an in-memory database opens");
    demo::load(&db).expect("the sample loads");
    db
}

fn tour_id(db: &Database) -> i64 {
    db.conn()
        .query_row("SELECT id FROM tour LIMIT 1", [], |r| r.get(0))
        .expect("the sample has a tour")
}

/// The number of pages qpdf counts in a PDF.
fn pdf_pages(pdf: &[u8]) -> u32 {
    let file =
        std::env::temp_dir().join(format!("handbill-flyer-pages-{}.pdf", std::process::id()));
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("qpdf")
        .arg("--show-npages")
        .arg(&file)
        .output()
        .expect("qpdf runs (apt-get install qpdf)");
    let _ = std::fs::remove_file(&file);
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("qpdf counts the pages")
}

#[test]
fn each_page_drawn_on_request_is_the_page_the_whole_document_draws() {
    let db = demo_db();
    let tour = tour_id(&db);
    let mut drawn = 0;
    for layout in [Layout::FullPage, Layout::HalfSheet, Layout::QuarterSheet] {
        for paper in [Paper::Letter, Paper::A4] {
            for theme in [Theme::Color, Theme::BlackAndWhite] {
                let options = FlyerOptions {
                    layout,
                    paper,
                    theme,
                    tear_offs: layout == Layout::FullPage,
                };
                let request = FlyerRequest {
                    tour_id: Some(tour),
                    options,
                    ..FlyerRequest::default()
                };
                let contents = flyers::contents_for(&db, &request).unwrap();
                let whole = flyers::preview_svg(&contents, options);
                let preview = flyers::preview(&db, &request);
                let Ok(whole) = whole else {
                    // What the document refuses, the preview refuses naming the same fields.
                    let (a, b) = (whole.unwrap_err(), preview.unwrap_err());
                    assert_eq!(a.fields, b.fields, "{options:?}: the same refusal");
                    continue;
                };
                let preview = preview.expect("the preview draws what the document draws");
                assert_eq!(
                    preview.pages as usize,
                    whole.len(),
                    "{options:?}: every page is counted"
                );
                assert_eq!(
                    preview.pages,
                    pdf_pages(&flyers::request_pdf(&db, &request).unwrap()),
                    "{options:?}: as many pages as the PDF prints"
                );
                assert_eq!(
                    (preview.first.page, preview.first.pages, &preview.first.svg),
                    (0, preview.pages, &whole[0]),
                    "{options:?}: the preview carries the first page"
                );
                for (i, svg) in whole.iter().enumerate() {
                    let page = flyers::preview_page(&db, &request, i as u32)
                        .expect("each page is drawn on request");
                    assert_eq!(
                        (page.page, page.pages),
                        (i as u32, preview.pages),
                        "{options:?}: page {i} says which it is"
                    );
                    assert!(
                        page.svg == *svg,
                        "{options:?}: page {i} drawn alone is the document's page {i}"
                    );
                    drawn += 1;
                }
            }
        }
    }
    assert!(
        drawn >= 12,
        "pages were compared in several layouts ({drawn})"
    );
}

#[test]
fn a_page_drawn_on_request_shows_the_logos_its_flyer_prints() {
    let db = demo_db();
    let request = FlyerRequest {
        tour_id: Some(tour_id(&db)),
        ..FlyerRequest::default()
    };
    let contents = flyers::contents_for(&db, &request).unwrap();
    let logos = contents[1].branch.logo.is_some() as usize
        + contents[1]
            .cosponsors
            .iter()
            .filter(|c| c.logo.is_some())
            .count();
    assert!(logos > 0, "the sample's stop prints a logo");
    let page = flyers::preview_page(&db, &request, 1).unwrap();
    assert_eq!(
        page.svg.matches("href=\"data:image/png;base64,").count(),
        logos,
        "the second stop's page shows each logo its flyer carries, once"
    );
}

#[test]
fn a_page_past_the_last_is_refused_naming_the_page() {
    let db = demo_db();
    let request = FlyerRequest {
        tour_id: Some(tour_id(&db)),
        ..FlyerRequest::default()
    };
    let err = flyers::preview_page(&db, &request, 3).expect_err("the tour has three pages");
    assert_eq!(err.fields.len(), 1);
    assert_eq!(err.fields[0].field, "page", "the refusal names the page");
    assert!(
        err.fields[0].message.contains("no page 4") && err.fields[0].message.contains("3 pages"),
        "it says which page and how many there are: {}",
        err.fields[0].message
    );
}
