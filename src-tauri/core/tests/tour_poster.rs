//! Posters that hold a real tour (issue 17): the 13-stop, four-zone tour of
//! tests/corpus/json/tour-13-zones.json and longer tours made from it (16
//! and 30 stops, the extra stops at other real campuses), printed on US
//! Letter and A4 and read back with poppler: every stop's place is there,
//! the stop lines are at least 11 pt up to 16 stops and in dark ink, nothing
//! lies off the page, the fonts are embedded; 30 stops continue on a second
//! page that says so; a stop's own speaker is on its line; a tour with no
//! date yet says "Dates and places coming soon"; and what cannot fit (31
//! stops, a description far too long) is refused naming an option that
//! works. The pages are saved as PNG under target/flyers/.

#[path = "support/pdf.rs"]
mod pdf;

use handbill_core::events::json;
use handbill_core::flyers::{self, FlyerOptions, FlyerRequest, Layout, Paper, Theme};
use handbill_core::{branch, Database, Error};
use serde_json::Value;

fn fixture() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpus/json/tour-13-zones.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// More real campuses for the longer tours: name, room, address, city, zone.
const MORE: [(&str, &str, &str, &str, &str); 18] = [
    (
        "University of Washington, Husky Union Building",
        "Room 332",
        "4001 E Stevens Way NE",
        "Seattle, WA 98195",
        "America/Los_Angeles",
    ),
    (
        "Portland State University, Smith Memorial Student Union",
        "Room 327",
        "1825 SW Broadway",
        "Portland, OR 97201",
        "America/Los_Angeles",
    ),
    (
        "UC Berkeley, Martin Luther King Jr. Student Union",
        "Tilden Room",
        "2495 Bancroft Way",
        "Berkeley, CA 94720",
        "America/Los_Angeles",
    ),
    (
        "San Francisco State University, Cesar Chavez Student Center",
        "Jack Adams Hall",
        "1650 Holloway Ave",
        "San Francisco, CA 94132",
        "America/Los_Angeles",
    ),
    (
        "University of Arizona, Student Union Memorial Center",
        "Kiva Room",
        "1303 E University Blvd",
        "Tucson, AZ 85719",
        "America/Phoenix",
    ),
    (
        "University of New Mexico, Student Union Building",
        "Ballroom C",
        "1 University of New Mexico",
        "Albuquerque, NM 87131",
        "America/Denver",
    ),
    (
        "University of Colorado Boulder, University Memorial Center",
        "Room 235",
        "1669 Euclid Ave",
        "Boulder, CO 80309",
        "America/Denver",
    ),
    (
        "University of Texas at Austin, Texas Union",
        "Quadrangle Room",
        "2308 Whitis Ave",
        "Austin, TX 78712",
        "America/Chicago",
    ),
    (
        "University of Minnesota, Coffman Memorial Union",
        "Theater",
        "300 Washington Ave SE",
        "Minneapolis, MN 55455",
        "America/Chicago",
    ),
    (
        "University of Wisconsin–Madison, Memorial Union",
        "Great Hall",
        "800 Langdon St",
        "Madison, WI 53706",
        "America/Chicago",
    ),
    (
        "Ohio State University, Ohio Union",
        "Performance Hall",
        "1739 N High St",
        "Columbus, OH 43210",
        "America/New_York",
    ),
    (
        "University of Pittsburgh, William Pitt Union",
        "Assembly Room",
        "3959 Fifth Ave",
        "Pittsburgh, PA 15260",
        "America/New_York",
    ),
    (
        "Temple University, Howard Gittis Student Center",
        "Room 200",
        "1755 N 13th St",
        "Philadelphia, PA 19122",
        "America/New_York",
    ),
    (
        "Rutgers University, College Avenue Student Center",
        "Multipurpose Room",
        "126 College Ave",
        "New Brunswick, NJ 08901",
        "America/New_York",
    ),
    (
        "George Washington University, University Student Center",
        "Grand Ballroom",
        "800 21st St NW",
        "Washington, DC 20052",
        "America/New_York",
    ),
    (
        "University of North Carolina at Chapel Hill, Student Union",
        "Room 3408",
        "209 South Rd",
        "Chapel Hill, NC 27599",
        "America/New_York",
    ),
    (
        "Georgia State University, Student Center East",
        "Speakers Auditorium",
        "55 Gilmer St SE",
        "Atlanta, GA 30303",
        "America/New_York",
    ),
    (
        "University of Massachusetts Boston, Campus Center",
        "Ballroom B",
        "100 William T Morrissey Blvd",
        "Boston, MA 02125",
        "America/New_York",
    ),
];

/// The fixture's tour with `n` stops, every one announced (the fixture's
/// draft too, so each stop is printed whatever the rule for drafts): the
/// fixture's first `n`, then stops at [`MORE`] campuses, a day apart from
/// Monday, April 5, 2027.
fn tour_of(n: usize) -> Value {
    let mut doc = fixture();
    let stops = doc["stops"].as_array_mut().unwrap();
    for s in stops.iter_mut() {
        s["status"] = "announced".into();
    }
    let template = stops[0].clone();
    stops.truncate(n);
    let first: jiff::civil::Date = "2027-04-05".parse().unwrap();
    for i in stops.len()..n {
        let (name, room, address, city, zone) = MORE[i - 13];
        let date = first
            .checked_add(jiff::Span::new().days((i - 13) as i64))
            .unwrap()
            .to_string();
        let mut s = template.clone();
        s["uid"] = format!("tour-poster-stop-{i}@handbill").into();
        s["start_date"] = date.clone().into();
        s["end_date"] = date.into();
        s["time_zone"] = zone.into();
        s["venue"]["name"] = name.into();
        s["venue"]["room"] = room.into();
        s["venue"]["address"] = address.into();
        s["venue"]["city"] = city.into();
        stops.push(s);
    }
    doc
}

fn logo_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(160, 80, |x, y| {
        if (x / 20 + y / 20) % 2 == 0 {
            image::Rgb([178, 24, 43])
        } else {
            image::Rgb([20, 20, 20])
        }
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// A branch with a name, contact, website and logo (the header and the QR
/// footer take their room on every page), and the tour imported.
fn db_with(doc: &Value) -> (Database, i64) {
    let db = Database::open_in_memory().expect("an in-memory database opens");
    for (field, value) in [
        ("name", "National Students for Justice in Palestine"),
        ("contact_email", "tour@nationalsjp.org"),
        ("website", "https://nationalsjp.org/tour"),
        ("time_zone", "America/New_York"),
    ] {
        branch::set_field(&db, field, value).unwrap();
    }
    branch::set_logo(&db, &logo_png()).unwrap();
    let imported = json::import(&db, &doc.to_string()).expect("the tour imports");
    (db, imported.tour.expect("a tour").id)
}

fn poster(db: &Database, tour: i64, paper: Paper) -> Result<Vec<u8>, Error> {
    flyers::tour_poster(
        db,
        tour,
        FlyerOptions {
            layout: Layout::FullPage,
            paper,
            theme: Theme::Color,
            tear_offs: false,
        },
    )
}

fn paper_tag(paper: Paper) -> &'static str {
    match paper {
        Paper::Letter => "letter",
        Paper::A4 => "a4",
    }
}

/// The venue's name with its punctuation as the first words of its line.
fn first_words(name: &str) -> String {
    name.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// "March 1, 2027" for "2027-03-01".
fn long_date(iso: &str) -> String {
    let d: jiff::civil::Date = iso.parse().unwrap();
    d.strftime("%B %-d, %Y").to_string()
}

/// What one stop's lines measure on a poster.
struct StopLines {
    /// The font size of its place's first line and of its date's line.
    place_size: f32,
    when_size: f32,
    page: usize,
    x0: f32,
    y_place: f32,
}

/// Finds each stop of `doc` whose status is not draft on the poster: its
/// place's name and address are there, and its place's first line and its
/// date's line are found and measured.
fn stop_lines(r: &pdf::Report, doc: &Value) -> Vec<(String, StopLines)> {
    let mut out = Vec::new();
    for s in doc["stops"].as_array().unwrap() {
        if s["status"] == "draft" {
            continue;
        }
        let venue = &s["venue"];
        let name = venue["name"].as_str().unwrap();
        let address = venue["address"].as_str().unwrap();
        for needle in [name, address] {
            assert!(
                r.has(needle),
                "{}: the poster should name {needle:?}:\n{}",
                r.name,
                r.reading()
            );
        }
        let start = first_words(name);
        let place = r
            .lines
            .iter()
            .find(|l| l.text.starts_with(&start))
            .unwrap_or_else(|| {
                panic!(
                    "{}: a line should start with {start:?}: {:#?}",
                    r.name, r.lines
                )
            });
        let date = long_date(s["start_date"].as_str().unwrap());
        let when = r
            .lines
            .iter()
            .find(|l| l.text.contains(&date))
            .unwrap_or_else(|| panic!("{}: a line should say {date:?}", r.name));
        out.push((
            name.to_owned(),
            StopLines {
                place_size: place.size(),
                when_size: when.size(),
                page: place.page,
                x0: place.x0,
                y_place: place.y0,
            },
        ));
    }
    out
}

/// The darkest grey (0 black, 255 white) inside each box on page `page` of
/// the PDF, drawn at 150 dpi.
fn darkest(name: &str, page: usize, boxes: &[(f32, f32, f32, f32)]) -> Vec<u8> {
    let dir = pdf::out_dir();
    let pdf_path = dir.join(format!("{name}.pdf"));
    let prefix = dir.join(format!("{name}-ink"));
    let ok = std::process::Command::new("pdftoppm")
        .args(["-r", "150", "-gray", "-png", "-singlefile"])
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(&pdf_path)
        .arg(&prefix)
        .status()
        .expect("pdftoppm runs")
        .success();
    assert!(ok, "pdftoppm draws {name}");
    let img = image::open(prefix.with_extension("png"))
        .unwrap()
        .to_luma8();
    let k = 150.0 / 72.0;
    boxes
        .iter()
        .map(|(x0, y0, x1, y1)| {
            let mut min = 255u8;
            for y in (y0 * k) as u32..((y1 * k) as u32).min(img.height()) {
                for x in (x0 * k) as u32..((x1 * k) as u32).min(img.width()) {
                    min = min.min(img.get_pixel(x, y).0[0]);
                }
            }
            min
        })
        .collect()
}

#[test]
fn letter_and_a4_posters_hold_13_16_and_30_stops_in_readable_dark_lines() {
    let mut figures = Vec::new();
    for n in [13, 16, 30] {
        let doc = tour_of(n);
        let (db, tour) = db_with(&doc);
        for paper in [Paper::Letter, Paper::A4] {
            let name = format!("tour-poster-{n}-stops-{}", paper_tag(paper));
            let pdf = poster(&db, tour, paper).unwrap_or_else(|e| {
                panic!("{name}: a poster of {n} stops is printed, not refused: {e:?}")
            });
            let r = pdf::check(&name, &pdf);
            let stops = stop_lines(&r, &doc);
            assert_eq!(stops.len(), n, "{name}: every stop is found");
            let smallest = stops
                .iter()
                .map(|(_, s)| s.place_size.min(s.when_size))
                .fold(f32::MAX, f32::min);
            let least = if n <= 16 { 11.0 } else { 10.0 };
            assert!(
                smallest >= least - 0.05,
                "{name}: the stop lines are at least {least} pt, but one is {smallest:.2} pt"
            );
            // One page, or two when the stops need them (30 always do).
            assert!(
                r.pages == 2 || (r.pages == 1 && n <= 16),
                "{name}: {n} stops take {} page(s)",
                r.pages
            );
            // Dark ink, not pale grey: the darkest pixel of each place line.
            for page in 1..=r.pages {
                let boxes: Vec<_> = stops
                    .iter()
                    .filter(|(_, s)| s.page == page)
                    .map(|(name, s)| {
                        let l = r
                            .lines
                            .iter()
                            .find(|l| l.page == page && l.text.starts_with(&first_words(name)))
                            .unwrap();
                        let _ = s;
                        (l.x0, l.y0, l.x1, l.y1)
                    })
                    .collect();
                for (b, ink) in boxes.iter().zip(darkest(&name, page, &boxes)) {
                    assert!(
                        ink <= 60,
                        "{name}: the place line at {b:?} on page {page} is printed in dark ink (its darkest grey is {ink})"
                    );
                }
            }
            figures.push(format!(
                "{n} stops on {}: {} page(s), stop lines {smallest:.1} pt at the smallest",
                paper_tag(paper),
                r.pages
            ));
        }
    }
    eprintln!("{}", figures.join("\n"));
}

#[test]
fn the_13_stop_fixture_prints_every_announced_stop_and_the_stops_own_speaker() {
    let doc = fixture();
    let (db, tour) = db_with(&doc);
    for paper in [Paper::Letter, Paper::A4] {
        let name = format!("tour-poster-fixture-{}", paper_tag(paper));
        let pdf = poster(&db, tour, paper).expect("the fixture's poster is printed");
        let r = pdf::check(&name, &pdf);
        let stops = stop_lines(&r, &doc);
        assert!(
            stops.len() >= 12,
            "{name}: the twelve announced stops are there"
        );
        for (venue, s) in &stops {
            assert!(
                s.place_size >= 11.0 - 0.05 && s.when_size >= 11.0 - 0.05,
                "{name}: {venue}'s lines are at least 11 pt ({:.2}, {:.2})",
                s.place_size,
                s.when_size
            );
        }
        // Omar Khalil speaks at Wayne State only: his name is on that stop,
        // just under its place, in its column; the tour's speaker is named once, at the top.
        let (_, wayne) = stops
            .iter()
            .find(|(v, _)| v.starts_with("Wayne State"))
            .unwrap();
        let omar = r.lines_with("Omar Khalil");
        assert_eq!(omar.len(), 1, "{name}: Omar Khalil is named once: {omar:?}");
        let omar = omar[0];
        assert!(
            omar.text.starts_with("with Omar Khalil")
                && omar.page == wayne.page
                && (omar.x0 - wayne.x0).abs() < 1.0
                && omar.y0 > wayne.y_place
                && omar.y0 - wayne.y_place < 4.0 * 16.0,
            "{name}: “with Omar Khalil” is on the Wayne State stop: {omar:?} under the place at ({}, {})",
            wayne.x0,
            wayne.y_place
        );
        assert!(
            r.lines_with("with Layla Haddad").is_empty(),
            "{name}: the tour's own speaker is not repeated on each stop"
        );
        assert!(!r.reading().contains("1 stops"), "{name}: no “1 stops”");
    }
}

#[test]
fn the_title_shrinks_before_the_stops_do() {
    let size_of_title = |r: &pdf::Report| {
        r.lines_with("Palestine")
            .iter()
            .filter(|l| l.page == 1)
            .map(|l| l.size())
            .fold(0.0, f32::max)
    };
    let smallest_stop = |r: &pdf::Report, doc: &Value| {
        stop_lines(r, doc)
            .iter()
            .map(|(_, s)| s.place_size.min(s.when_size))
            .fold(f32::MAX, f32::min)
    };
    for paper in [Paper::Letter, Paper::A4] {
        let few = tour_of(3);
        let (db, tour) = db_with(&few);
        let r = pdf::check(
            &format!("tour-poster-3-stops-{}", paper_tag(paper)),
            &poster(&db, tour, paper).unwrap(),
        );
        let (full_title, full_stops) = (size_of_title(&r), smallest_stop(&r, &few));
        assert!(
            full_stops >= 13.95,
            "three stops are set at the largest size, 14 pt: {full_stops:.1}"
        );
        for n in [13, 16, 30] {
            let doc = tour_of(n);
            let (db, tour) = db_with(&doc);
            let r = pdf::check(
                &format!("tour-poster-{n}-stops-title-{}", paper_tag(paper)),
                &poster(&db, tour, paper).unwrap(),
            );
            let (title, stops) = (size_of_title(&r), smallest_stop(&r, &doc));
            eprintln!(
                "{} with {n} stops: title {title:.1} pt (3 stops: {full_title:.1}), stop lines {stops:.1} pt",
                paper_tag(paper)
            );
            if stops < full_stops - 0.25 {
                assert!(
                    title < full_title - 4.0,
                    "{n} stops on {}: the stops shrank to {stops:.1} pt, so the title gave way first (it is {title:.1} pt, {full_title:.1} pt with 3 stops)",
                    paper_tag(paper)
                );
            }
        }
    }
}

#[test]
fn thirty_stops_continue_on_a_second_page_that_says_so() {
    let doc = tour_of(30);
    let (db, tour) = db_with(&doc);
    for paper in [Paper::Letter, Paper::A4] {
        let name = format!("tour-poster-30-pages-{}", paper_tag(paper));
        let r = pdf::check(&name, &poster(&db, tour, paper).unwrap());
        assert_eq!(r.pages, 2, "{name}: two pages");
        let stops = stop_lines(&r, &doc);
        let on_two = stops.iter().filter(|(_, s)| s.page == 2).count();
        assert!(on_two > 0 && on_two < 30, "{name}: the stops run on");
        // In the tour's order: every stop on page 2 comes after every stop on page 1.
        let pages: Vec<usize> = stops.iter().map(|(_, s)| s.page).collect();
        assert!(pages.windows(2).all(|w| w[0] <= w[1]), "{name}: {pages:?}");
        let one = r.text_of_page(1);
        let more = if on_two == 1 {
            "Continued on page 2: 1 more stop".to_owned()
        } else {
            format!("Continued on page 2: {on_two} more stops")
        };
        assert!(one.contains(&more), "{name}: page 1 says {more:?}:\n{one}");
        let two = r.text_of_page(2);
        assert!(
            two.contains("Meetings near you, continued")
                && two.contains("Palestine and the Campus"),
            "{name}: page 2 names the tour and says it continues:\n{two}"
        );
        assert!(
            two.contains("tour@nationalsjp.org"),
            "{name}: page 2 carries the contact too"
        );
    }

    // The window's preview turns to page 2 of the very poster it prints.
    let request = FlyerRequest {
        tour_id: Some(tour),
        poster: true,
        ..FlyerRequest::default()
    };
    let preview = flyers::preview(&db, &request).unwrap();
    assert_eq!((preview.pages, preview.contents.len()), (2, 1));
    let second = flyers::preview_page(&db, &request, 1).expect("page 2 is drawn");
    assert_eq!((second.page, second.pages), (1, 2));
    assert!(
        second.svg.contains("continued"),
        "page 2's preview says it continues"
    );
    assert_eq!(
        flyers::preview_page(&db, &request, 0).unwrap().svg,
        preview.first.svg,
        "page 1 drawn on request is the preview's first page"
    );
    let past = flyers::preview_page(&db, &request, 2).unwrap_err();
    assert_eq!(past.fields[0].field, "page");
    let drawn = flyers::draw(&db, &request).unwrap();
    assert!(
        drawn.what.ends_with("(30 stops on 2 pages)"),
        "the command line says what it wrote: {}",
        drawn.what
    );
}

#[test]
fn thirty_one_stops_are_refused_naming_one_flyer_per_stop_which_prints() {
    let mut doc = tour_of(30);
    let mut extra = doc["stops"][29].clone();
    extra["uid"] = "tour-poster-stop-30@handbill".into();
    extra["start_date"] = "2027-05-06".into();
    extra["end_date"] = "2027-05-06".into();
    extra["venue"]["name"] = "Northeastern University, Curry Student Center".into();
    extra["venue"]["address"] = "346 Huntington Ave".into();
    doc["stops"].as_array_mut().unwrap().push(extra);
    let (db, tour) = db_with(&doc);
    for paper in [Paper::Letter, Paper::A4] {
        let e = poster(&db, tour, paper).expect_err("31 stops are more than a poster holds");
        assert_eq!(e.fields[0].field, "stops", "{e:?}");
        let m = &e.fields[0].message;
        assert!(
            m.contains("31 stops") && m.contains("at most 30") && m.contains("one flyer per stop"),
            "the refusal says how many, the most, and what to print instead: {m}"
        );
    }
    let every_stop = flyers::tour_flyers(&db, tour, FlyerOptions::default())
        .expect("one flyer per stop prints all 31");
    let r = pdf::check("tour-31-stops-one-flyer-each", &every_stop);
    assert_eq!(r.pages, 31);
}

#[test]
fn a_description_too_long_for_the_poster_is_refused_naming_an_option_that_works() {
    let paragraph = "Layla Haddad on the fight for Palestine on campus: the encampments, the suspensions and arrests, the trustees and the donors, the faculty who stood with their students and those who did not, and how a movement wins when it organizes beyond the campus gates.";
    let mut named_other_paper = false;
    let mut named_flyers = false;
    for paragraphs in (4..=80).step_by(4) {
        let mut doc = tour_of(13);
        doc["tour"]["description"] = vec![paragraph; paragraphs].join("\n\n").into();
        let (db, tour) = db_with(&doc);
        let letter = poster(&db, tour, Paper::Letter);
        let a4 = poster(&db, tour, Paper::A4);
        for (paper, result, other) in [(Paper::Letter, &letter, &a4), (Paper::A4, &a4, &letter)] {
            let Err(e) = result else { continue };
            assert_eq!(e.fields[0].field, "description", "{e:?}");
            let m = &e.fields[0].message;
            assert!(
                m.contains("too long for a tour poster") && m.contains("hort"),
                "the refusal says what is too long and to shorten it: {m}"
            );
            let other_name = if paper == Paper::Letter {
                "A4"
            } else {
                "US Letter"
            };
            if other.is_ok() {
                assert!(
                    m.contains(&format!("Choose {other_name} paper")),
                    "{paragraphs} paragraphs fit on {other_name}, and the refusal says so: {m}"
                );
                named_other_paper = true;
            } else {
                assert!(
                    !m.contains("Choose") && m.contains("one flyer per stop"),
                    "neither paper holds {paragraphs} paragraphs: the refusal names one flyer per stop: {m}"
                );
                flyers::tour_flyers(&db, tour, FlyerOptions::default())
                    .expect("and one flyer per stop prints");
                named_flyers = true;
            }
        }
        if letter.is_err() && a4.is_err() {
            break;
        }
    }
    assert!(named_flyers, "some description is too long for both papers");
    eprintln!("a description that fits only one of the papers was found: {named_other_paper}");
}

#[test]
fn a_tour_with_no_dated_stops_says_dates_and_places_coming_soon() {
    let mut doc = tour_of(3);
    for s in doc["stops"].as_array_mut().unwrap() {
        for field in ["start_date", "start_time", "end_date", "end_time"] {
            s[field] = "".into();
        }
        s["venue"] = Value::Null;
    }
    let (db, tour) = db_with(&doc);
    let request = FlyerRequest {
        tour_id: Some(tour),
        poster: true,
        ..FlyerRequest::default()
    };
    let drawn = flyers::draw(&db, &request).expect("the poster is printed");
    let r = pdf::check("tour-poster-coming-soon", &drawn.pdf);
    assert!(
        r.has("Dates and places coming soon"),
        "the poster says the dates are coming:\n{}",
        r.reading()
    );
    assert!(
        !r.has("Date to be announced") && !r.has("1 stops"),
        "and not once per stop:\n{}",
        r.reading()
    );
    assert!(
        drawn
            .notes
            .iter()
            .any(|n| n.contains("Dates and places coming soon")),
        "the command line is told why: {:?}",
        drawn.notes
    );

    // A tour of one stop is "1 stop".
    let (db, tour) = db_with(&tour_of(1));
    let drawn = flyers::draw(
        &db,
        &FlyerRequest {
            tour_id: Some(tour),
            poster: true,
            ..FlyerRequest::default()
        },
    )
    .unwrap();
    assert!(
        drawn.what.ends_with("(1 stop on 1 page)"),
        "one stop, one page: {}",
        drawn.what
    );
}
