//! Images for social media, from the sample branch: each format gives a
//! PNG of exactly its size (decoded by the `image` crate's own PNG reader),
//! every line of text lies inside it, a title too long for the format is
//! set smaller or refused naming the field (never drawn off the image),
//! the alt text names what the image says, and bad input is refused with a
//! clear message. The images are written under `target/social/` for a
//! person to look at.

use std::path::PathBuf;

use handbill_core::flyers::{self, ImageFormat, ImageRequest, SocialImage};
use handbill_core::{demo, events, Database, ErrorCode};

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

fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("social");
    std::fs::create_dir_all(&dir).expect("the output folder can be made");
    dir
}

/// Decodes the PNG with an independent reader and checks its size, and
/// that every text box lies inside it; writes it out for a person to see.
fn check(name: &str, img: &SocialImage) {
    let (w, h) = img.format.pixels();
    assert_eq!(
        (img.width, img.height),
        (w, h),
        "{name}: the image says it is the format's size"
    );
    let decoded = image::load_from_memory_with_format(&img.png, image::ImageFormat::Png)
        .unwrap_or_else(|e| panic!("{name}: the PNG decodes: {e}"));
    assert_eq!(
        (decoded.width(), decoded.height()),
        (w, h),
        "{name}: the PNG is exactly {w}×{h} pixels"
    );
    assert!(
        img.text_boxes.len() >= 4,
        "{name}: the image draws its lines of text ({} found)",
        img.text_boxes.len()
    );
    for b in &img.text_boxes {
        assert!(
            b.x >= 0.0 && b.y >= 0.0 && b.x + b.width <= w as f32 && b.y + b.height <= h as f32,
            "{name}: the line “{}” lies inside the {w}×{h} canvas (box {:.0},{:.0} {:.0}×{:.0})",
            b.text,
            b.x,
            b.y,
            b.width,
            b.height
        );
    }
    if img.format == ImageFormat::Story {
        // A story app draws its bars over the top 250 and bottom 340 pixels
        // (a line may end on the edge of them, to a pixel's rounding).
        for b in &img.text_boxes {
            assert!(
                b.y >= 249.5 && b.y + b.height <= 1920.0 - 340.0 + 0.5,
                "{name}: the line “{}” keeps clear of the story's bars (box top {:.0}, bottom {:.0})",
                b.text,
                b.y,
                b.y + b.height
            );
        }
    }
    // Some dark pixels where the text is: the glyphs were drawn, not left blank.
    let rgb = decoded.to_rgb8();
    let dark = rgb.pixels().filter(|p| p.0.iter().all(|c| *c < 80)).count();
    assert!(
        dark > 2_000,
        "{name}: the text is drawn in dark ink ({dark} dark pixels)"
    );
    std::fs::write(out_dir().join(format!("{name}.png")), &img.png).expect("the PNG is written");
    std::fs::write(out_dir().join(format!("{name}.alt.txt")), &img.alt_text)
        .expect("the alt text is written");
}

fn drawn_text(img: &SocialImage) -> String {
    img.text_boxes
        .iter()
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn an_event_gives_each_format_at_its_exact_size_with_its_text_inside() {
    let db = demo_db();
    let id = id_of(&db, "Justice4Siham");
    let event = events::get(&db, id).expect("the rally reads");
    for format in ImageFormat::ALL {
        let img = flyers::image(
            &db,
            &ImageRequest {
                event_id: Some(id),
                tour_id: None,
                format,
            },
        )
        .unwrap_or_else(|e| panic!("the rally's {} image is drawn: {e}", format.name()));
        check(&format!("rally-{}", format.name()), &img);
        let text = drawn_text(&img);
        for word in ["Rally", "Justice4Siham", "2027"] {
            assert!(
                text.contains(word),
                "the {} image shows “{word}”: {text}",
                format.name()
            );
        }
        assert!(
            img.file_name.ends_with(&format!("-{}.png", format.name())),
            "the suggested file name says the format: {}",
            img.file_name
        );
        // The alt text names the title, the date and the place.
        assert!(
            img.alt_text.contains(&event.title),
            "the alt text names the title: {}",
            img.alt_text
        );
        assert!(
            img.alt_text.contains("2027") && img.alt_text.contains("When:"),
            "the alt text says when: {}",
            img.alt_text
        );
        let venue = event.venue.as_ref().expect("the rally has a venue");
        assert!(
            img.alt_text.contains(&format!("Where: {}", venue.name)),
            "the alt text says where ({}): {}",
            venue.name,
            img.alt_text
        );
        assert!(
            img.alt_text
                .contains(event.kind.label().to_lowercase().as_str()),
            "the alt text says what kind of event it is: {}",
            img.alt_text
        );
        assert!(
            !img.alt_text.contains(" | ") && !img.alt_text.contains('\n'),
            "the alt text is plain sentences, no bars or line breaks: {}",
            img.alt_text
        );
    }
}

#[test]
fn every_sample_event_fits_every_format() {
    let db = demo_db();
    let ids: Vec<i64> = db
        .conn()
        .prepare("SELECT id FROM event ORDER BY id")
        .and_then(|mut s| {
            s.query_map([], |r| r.get(0))?
                .collect::<Result<Vec<i64>, _>>()
        })
        .expect("the events are listed");
    assert!(ids.len() > 3, "the sample has several events");
    for id in ids {
        for format in ImageFormat::ALL {
            let img = flyers::image(
                &db,
                &ImageRequest {
                    event_id: Some(id),
                    tour_id: None,
                    format,
                },
            )
            .unwrap_or_else(|e| panic!("event {id}'s {} image is drawn: {e}", format.name()));
            check(&format!("event-{id}-{}", format.name()), &img);
        }
    }
}

#[test]
fn a_tour_gives_each_format_with_its_title_and_stops() {
    let db = demo_db();
    let t = tour_id(&db);
    let tour = events::get_tour(&db, t).expect("the tour reads");
    for format in ImageFormat::ALL.into_iter().rev() {
        let img = flyers::image(
            &db,
            &ImageRequest {
                event_id: None,
                tour_id: Some(t),
                format,
            },
        )
        .unwrap_or_else(|e| panic!("the tour's {} image is drawn: {e}", format.name()));
        check(&format!("tour-{}", format.name()), &img);
        let text = drawn_text(&img);
        assert!(
            text.contains("Meetings near you"),
            "the {} image lists the stops under their heading: {text}",
            format.name()
        );
        let first_word = tour
            .tour
            .title
            .split_whitespace()
            .next()
            .expect("the tour has a title");
        assert!(
            text.contains(first_word),
            "the {} image shows the tour's title: {text}",
            format.name()
        );
        assert!(
            img.alt_text.contains(&tour.tour.title) && img.alt_text.contains(" stops: "),
            "the alt text names the tour and its stops: {}",
            img.alt_text
        );
    }
}

#[test]
fn a_long_title_is_set_smaller_and_a_far_too_long_one_is_refused_by_name() {
    let db = demo_db();
    let id = id_of(&db, "Justice4Siham");
    let event = events::get(&db, id).expect("the rally reads");
    let mut input = event.to_input();
    input.title = "Stop the Deportations: a Rally for Siham Byah and Her Son Naseem, Together at Last with the Whole of Greater Boston".into();
    events::update(&db, id, input).expect("the long title is saved");
    for format in ImageFormat::ALL {
        let img = flyers::image(
            &db,
            &ImageRequest {
                event_id: Some(id),
                tour_id: None,
                format,
            },
        )
        .unwrap_or_else(|e| panic!("a long title still fits the {} image: {e}", format.name()));
        check(&format!("long-title-{}", format.name()), &img);
        assert!(
            drawn_text(&img).contains("Naseem"),
            "the whole long title is drawn on the {} image",
            format.name()
        );
    }
    let mut input = events::get(&db, id).expect("the rally reads").to_input();
    input.title = "Stop the deportations now ".repeat(12).trim().to_owned();
    events::update(&db, id, input).expect("the very long title is saved");
    let e = flyers::image(
        &db,
        &ImageRequest {
            event_id: Some(id),
            tour_id: None,
            format: ImageFormat::Square,
        },
    )
    .expect_err("a title of a hundred words is refused, not drawn off the square");
    assert_eq!(
        e.code,
        ErrorCode::Invalid,
        "a title too long is bad input: {e}"
    );
    assert!(
        e.fields.iter().any(|f| f.field == "title"),
        "the refusal names the title: {e:?}"
    );
}

#[test]
fn bad_requests_are_refused_clearly() {
    let db = demo_db();
    let e = flyers::image(
        &db,
        &ImageRequest {
            event_id: Some(987_654),
            tour_id: None,
            format: ImageFormat::Story,
        },
    )
    .expect_err("an unknown event has no image");
    assert_eq!(
        e.code,
        ErrorCode::NotFound,
        "an unknown event is not found: {e}"
    );
    assert!(
        e.message.contains("987654"),
        "the message names the event asked for: {}",
        e.message
    );
    let e = flyers::image(&db, &ImageRequest::default())
        .expect_err("a request with neither event nor tour is refused");
    assert!(
        e.fields.iter().any(|f| f.field == "event"),
        "the refusal names the event to choose: {e:?}"
    );
    let e = "banner"
        .parse::<ImageFormat>()
        .expect_err("an unknown format is refused");
    let said = format!("{e}");
    assert!(
        e.fields.iter().any(|f| f.field == "format")
            && ["square", "portrait", "story"]
                .iter()
                .all(|n| e.fields[0].message.contains(n)),
        "the refusal names the format and the choices: {said} {:?}",
        e.fields
    );
    assert_eq!(
        "Story".parse::<ImageFormat>().ok(),
        Some(ImageFormat::Story),
        "a format is read whatever its case"
    );
}

#[test]
fn saving_writes_the_image_and_its_alt_text_beside_it() {
    let db = demo_db();
    let id = id_of(&db, "Justice4Siham");
    let img = flyers::image(
        &db,
        &ImageRequest {
            event_id: Some(id),
            tour_id: None,
            format: ImageFormat::Portrait,
        },
    )
    .expect("the portrait image is drawn");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("rally.png");
    let saved = flyers::save_image(&img, &path).expect("the image is saved");
    assert_eq!(
        std::fs::read(&path).expect("the PNG is there"),
        img.png,
        "the PNG written is the image drawn"
    );
    let alt_path = dir.path().join("rally.alt.txt");
    assert_eq!(
        PathBuf::from(&saved.alt_path),
        alt_path,
        "the alt text is written beside the image, as rally.alt.txt"
    );
    assert_eq!(
        std::fs::read_to_string(&alt_path).expect("the alt text is there"),
        format!("{}\n", img.alt_text),
        "the alt text file holds the alt text"
    );
    assert_eq!(
        (saved.width, saved.height),
        (1080, 1350),
        "the saved image says its size"
    );
}

/// Adds announced stops to the sample tour, copies of its first on later
/// days, until it has `total`.
fn tour_of(db: &Database, t: i64, total: usize) {
    let first = events::get_tour(db, t).expect("the tour reads").stops[0].clone();
    let mut day = 10;
    while events::get_tour(db, t).expect("the tour reads").stops.len() < total {
        let mut input = first.to_input();
        input.start_date = format!("2027-03-{day}");
        input.end_date = String::new();
        let stop = events::create(db, input).expect("another stop is made");
        events::announce(db, stop.id).expect("the stop is announced");
        day += 1;
    }
}

#[test]
fn a_tour_of_many_stops_fits_a_story_or_is_refused_naming_the_stops_and_what_holds_them() {
    let db = demo_db();
    let t = tour_id(&db);
    let story = ImageRequest {
        event_id: None,
        tour_id: Some(t),
        format: ImageFormat::Story,
    };
    tour_of(&db, t, 6);
    let img = flyers::image(&db, &story).expect("a story holds six stops");
    check("tour-6-story", &img);
    let dated = img
        .text_boxes
        .iter()
        .filter(|b| b.text.contains(", 2027"))
        .count();
    assert_eq!(
        dated, 5,
        "the story shows each of the five dated stops' dates"
    );

    let e = flyers::image(
        &db,
        &ImageRequest {
            event_id: None,
            tour_id: Some(t),
            format: ImageFormat::Square,
        },
    )
    .expect_err("six stops with their places do not fit a square");
    assert!(
        e.fields
            .iter()
            .any(|f| f.field == "stops" && f.message.contains("Choose the story format")),
        "the square is refused naming the stops and the story, where they fit: {e:?}"
    );

    tour_of(&db, t, 12);
    for format in ImageFormat::ALL {
        let e = flyers::image(
            &db,
            &ImageRequest {
                event_id: None,
                tour_id: Some(t),
                format,
            },
        )
        .expect_err("twelve stops with their places do not fit an image");
        let stops = e.fields.iter().find(|f| f.field == "stops");
        assert!(
            stops
                .is_some_and(|f| f.message.contains("12 stops") && f.message.contains("each stop")),
            "the {} image is refused naming the stops and what to do instead: {e:?}",
            format.name()
        );
    }
}
