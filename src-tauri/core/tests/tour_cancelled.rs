//! Issue 17: a cancelled stop appears marked, struck through, or not at all,
//! as the branch chose (`branch set cancelled_shown`, Settings → What you
//! print and send), in every public output of the tour: the listings, the
//! poster (read back with poppler, and its page looked at as pixels: the
//! struck stop's line has a rule through it), the per-stop flyers and the
//! announcement; a notice of cancellations still names it when the branch
//! leaves cancelled events out, and the calendar file keeps it as
//! `STATUS:CANCELLED` so calendars that hold it take it off. The 13-stop
//! fixture of tests/corpus/json/tour-13-zones.json, its Chicago stop
//! cancelled.

#[path = "support/pdf.rs"]
#[allow(dead_code)]
mod pdf;

use handbill_core::error::ErrorCode;
use handbill_core::events::public::CancelledShown;
use handbill_core::events::{self, ics, json, listing};
use handbill_core::flyers::{self, FlyerOptions, FlyerRequest, Layout, Paper};
use handbill_core::mail::announcements::{self, Template};
use handbill_core::{branch, demo, Database};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/corpus/json/tour-13-zones.json"
);
const CANCELLED_PLACE: &str = "University of Chicago, Ida Noyes Hall";
const CANCELLED_DAY: &str = "Monday, March 8, 2027";
const OTHER_PLACE: &str = "University of Illinois Chicago, Student Center East";

/// The fixture's tour with its Chicago stop cancelled: (dir, db, tour id).
fn tour_with_a_cancelled_stop() -> (tempfile::TempDir, Database, i64) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("tour.sqlite")).expect("a new database opens");
    demo::load(&db).expect("the demo branch loads");
    let done =
        json::import(&db, &std::fs::read_to_string(FIXTURE).unwrap()).expect("the fixture imports");
    let tour = done.tour.expect("the fixture is a tour").id;
    let stop = events::get_tour(&db, tour)
        .unwrap()
        .stops
        .into_iter()
        .find(|s| s.venue.as_ref().is_some_and(|v| v.name == CANCELLED_PLACE))
        .expect("the fixture has the Chicago stop");
    events::cancel(&db, stop.id, "The hall was given to another event").expect("it cancels");
    (dir, db, tour)
}

fn poster(db: &Database, tour: i64) -> Vec<u8> {
    flyers::tour_poster(
        db,
        tour,
        FlyerOptions {
            layout: Layout::FullPage,
            paper: Paper::Letter,
            ..Default::default()
        },
    )
    .expect("the poster prints")
}

/// The tour's flyers, one per stop it prints.
fn per_stop_flyers(db: &Database, tour: i64) -> Vec<flyers::FlyerContent> {
    flyers::contents_for(
        db,
        &FlyerRequest {
            tour_id: Some(tour),
            ..Default::default()
        },
    )
    .unwrap()
}

/// How much of the line's box the darkest pixel row covers, on the page
/// rendered by pdftoppm at 144 dpi in grey: about half for words (the gaps
/// between letters and words stay light), nearly all for words struck
/// through.
fn darkest_row_cover(name: &str, line: &pdf::Line) -> f32 {
    let pdf_path = pdf::out_dir().join(format!("{name}.pdf"));
    let stem = pdf::out_dir().join(format!("{name}-row"));
    let page = line.page.to_string();
    let (ok, out) = pdf::run(
        "pdftoppm",
        &[
            "-gray",
            "-r",
            "144",
            "-f",
            &page,
            "-l",
            &page,
            "-singlefile",
            pdf_path.to_str().unwrap(),
            stem.to_str().unwrap(),
        ],
    );
    assert!(ok, "pdftoppm renders {name}: {out}");
    let pgm = std::fs::read(stem.with_extension("pgm")).unwrap();
    // "P5\n<w> <h>\n255\n" then one byte per pixel.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&pgm[start..at]).into_owned());
    }
    let pixels = &pgm[at + 1..];
    assert_eq!(fields[0], "P5", "pdftoppm -gray writes a binary PGM");
    let width: usize = fields[1].parse().unwrap();
    let scale = 2.0; // 144 dpi: two pixels per point.
    let (x0, x1) = (
        (line.x0 * scale) as usize + 1,
        (line.x1 * scale) as usize - 1,
    );
    let (y0, y1) = ((line.y0 * scale) as usize, (line.y1 * scale) as usize);
    (y0..y1)
        .map(|y| {
            let row = &pixels[y * width + x0..y * width + x1];
            row.iter().filter(|&&p| p < 140).count() as f32 / row.len() as f32
        })
        .fold(0.0, f32::max)
}

#[test]
fn a_cancelled_stop_is_marked_by_default_everywhere() {
    let (_dir, db, tour) = tour_with_a_cancelled_stop();
    assert_eq!(
        branch::cancelled_shown(&db).unwrap(),
        CancelledShown::Marked
    );
    let r = pdf::check("tour-cancelled-marked", &poster(&db, tour));
    assert!(
        r.has(&format!("{CANCELLED_DAY} 6:30 - 8:30 pm CST — CANCELLED")),
        "the poster marks it:\n{}",
        r.reading()
    );
    let line = r.lines_with(CANCELLED_DAY)[0].clone();
    let cover = darkest_row_cover("tour-cancelled-marked", &line);
    assert!(
        cover < 0.8,
        "a marked stop is not struck through ({cover:.2} of its line dark in one row)"
    );
    let text = listing::tour_text(&db, tour).unwrap();
    assert!(
        text.contains(CANCELLED_PLACE) && text.contains("(cancelled)"),
        "{text}"
    );
    let (_s, body) = announcements::draft(&db, None, Some(tour), Template::NewEvent).unwrap();
    assert!(
        body.contains(CANCELLED_PLACE) && body.contains("**cancelled**"),
        "{body}"
    );
    assert!(!body.contains("~~"), "nothing is struck through: {body}");
}

#[test]
fn struck_through_when_the_branch_chooses_so() {
    let (_dir, db, tour) = tour_with_a_cancelled_stop();
    branch::set_field(&db, "cancelled_shown", "struck").expect("the choice is saved");
    assert_eq!(
        branch::cancelled_shown(&db).unwrap(),
        CancelledShown::Struck
    );

    // The poster: the stop's date line and place still there to read, with a
    // rule through them; the next stop's line without.
    let r = pdf::check("tour-cancelled-struck", &poster(&db, tour));
    assert!(
        r.has(&format!("{CANCELLED_DAY} 6:30 - 8:30 pm CST — CANCELLED")),
        "the poster still says it:\n{}",
        r.reading()
    );
    let struck = r.lines_with(CANCELLED_DAY)[0].clone();
    let cover = darkest_row_cover("tour-cancelled-struck", &struck);
    assert!(
        cover > 0.9,
        "the cancelled stop's line is struck through ({cover:.2} of it dark in one row)"
    );
    let place = r.lines_with("Ida Noyes Hall")[0].clone();
    assert!(
        darkest_row_cover("tour-cancelled-struck", &place) > 0.9,
        "and its place"
    );
    let other = r.lines_with("Tuesday, March 9, 2027")[0].clone();
    let cover = darkest_row_cover("tour-cancelled-struck", &other);
    assert!(cover < 0.8, "the next stop is not struck ({cover:.2})");

    // The stop's own flyer strikes its date; the others' do not.
    let contents = per_stop_flyers(&db, tour);
    assert_eq!(
        contents.len(),
        12,
        "one flyer per public stop (the draft left out)"
    );
    let struck: Vec<&str> = contents
        .iter()
        .filter(|c| c.struck)
        .map(|c| c.when.as_str())
        .collect();
    assert_eq!(
        struck.len(),
        1,
        "only the cancelled stop's flyer is struck: {struck:?}"
    );
    assert!(struck[0].starts_with(CANCELLED_DAY));

    // The listings and the announcement, in Markdown's way and as HTML.
    let text = listing::tour_text(&db, tour).unwrap();
    assert!(
        text.contains("~~") && text.contains("(cancelled)"),
        "{text}"
    );
    let (_s, body) = announcements::draft(&db, None, Some(tour), Template::NewEvent).unwrap();
    let line = body
        .lines()
        .find(|l| l.contains(CANCELLED_PLACE))
        .expect("the announcement lists the stop");
    assert!(
        line.starts_with("- ~~**") && line.contains("~~ — **cancelled**"),
        "{line}"
    );
    let other = body.lines().find(|l| l.contains(OTHER_PLACE)).unwrap();
    assert!(!other.contains("~~"), "{other}");
}

#[test]
fn left_out_when_the_branch_chooses_so_but_a_cancellation_notice_names_it() {
    let (_dir, db, tour) = tour_with_a_cancelled_stop();
    branch::set_field(&db, "cancelled_shown", "hidden").unwrap();

    let r = pdf::check("tour-cancelled-hidden", &poster(&db, tour));
    assert!(
        !r.has("Ida Noyes"),
        "the poster leaves it out:\n{}",
        r.reading()
    );
    assert!(!r.has("CANCELLED"));
    assert!(r.has(OTHER_PLACE), "and keeps the others");

    let contents = per_stop_flyers(&db, tour);
    assert_eq!(
        contents.len(),
        11,
        "no flyer for the draft or the cancelled stop"
    );
    assert!(contents.iter().all(|c| !c.when.starts_with(CANCELLED_DAY)));

    for text in [
        listing::tour_text(&db, tour).unwrap(),
        listing::tour_html(&db, tour).unwrap(),
    ] {
        assert!(
            !text.contains("Ida Noyes") && text.contains("Student Center East"),
            "{text}"
        );
    }
    for template in [Template::NewEvent, Template::Reminder] {
        let (_s, body) = announcements::draft(&db, None, Some(tour), template).unwrap();
        assert!(
            !body.contains("Ida Noyes"),
            "the {} announcement leaves it out: {body}",
            template.as_str()
        );
    }
    let (_s, body) = announcements::draft(&db, None, Some(tour), Template::Cancelled).unwrap();
    assert!(
        body.contains(CANCELLED_PLACE) && body.contains("The hall was given to another event"),
        "a cancellation notice names the cancelled stop and why: {body}"
    );

    // Calendars that hold the stop are told it is off.
    let calendar = ics::export_tour(&db, tour).unwrap();
    let event = calendar
        .split("BEGIN:VEVENT")
        .find(|e| e.contains("Ida Noyes"))
        .expect("the calendar file keeps the cancelled stop");
    assert!(event.contains("STATUS:CANCELLED"), "{event}");
}

#[test]
fn a_way_that_does_not_exist_is_refused_and_nothing_changes() {
    let (_dir, db, _tour) = tour_with_a_cancelled_stop();
    branch::set_field(&db, "cancelled_shown", "struck").unwrap();
    let err = branch::set_field(&db, "cancelled_shown", "shredded").unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid, "{err:?}");
    assert_eq!(err.fields[0].field, "cancelled_shown");
    assert!(
        err.fields[0].message.contains("marked, struck, hidden"),
        "{err:?}"
    );
    assert_eq!(
        branch::cancelled_shown(&db).unwrap(),
        CancelledShown::Struck,
        "the earlier choice stays"
    );
}
