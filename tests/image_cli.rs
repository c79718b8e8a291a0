//! `handbill image EVENT_ID --format square|portrait|story -o FILE.png`: the
//! real binary on a real SQLite file writes the image the Flyers screen's
//! *Save image…* draws (`flyers::image`) and its alt text beside it; the PNG
//! is decoded by the `png` crate and is exactly the format's size. A bad
//! format is refused naming the choices, an unknown event naming it, and
//! neither writes a file.

use std::path::Path;
use std::process::{Command, Output};

fn handbill(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handbill"))
        .env("HANDBILL_ENCRYPT", "0")
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("HANDBILL_DB")
        .env(
            "HANDBILL_LOG_DIR",
            db.parent().unwrap_or(Path::new("/tmp")).join("logs"),
        )
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("the handbill binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The PNG's width and height, read by decoding it whole.
fn png_size(path: &Path) -> (u32, u32) {
    let file = std::fs::File::open(path).expect("the PNG is there");
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("the PNG's header reads");
    let mut pixels = vec![0; reader.output_buffer_size().expect("the PNG has a size")];
    let frame = reader
        .next_frame(&mut pixels)
        .expect("the PNG's pixels decode");
    (frame.width, frame.height)
}

#[test]
fn the_command_line_writes_a_story_image_and_its_alt_text_and_refuses_bad_requests() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("branch.sqlite");
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );

    let story = dir.path().join("rally-story.png");
    let run = handbill(
        &db,
        &[
            "image",
            "1",
            "--format",
            "story",
            "-o",
            story.to_str().unwrap(),
        ],
    );
    assert!(
        run.status.success(),
        "the story image is written: {}",
        stderr(&run)
    );
    assert_eq!(png_size(&story), (1080, 1920), "a story is a 1080×1920 PNG");
    let alt_path = dir.path().join("rally-story.alt.txt");
    let alt = std::fs::read_to_string(&alt_path).expect("the alt text is written beside the image");
    assert!(
        alt.starts_with("Announcement of") && alt.contains("When:") && alt.contains("Where:"),
        "the alt text says what, when and where: {alt}"
    );
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(
        said.contains("story image (1080×1920)")
            && said.contains("rally-story.png")
            && said.contains("rally-story.alt.txt"),
        "it says what it wrote and where both files went: {said}"
    );

    let tour = dir.path().join("tour.png");
    let run = handbill(&db, &["image", "--tour", "1", "-o", tour.to_str().unwrap()]);
    assert!(run.status.success(), "a tour's image: {}", stderr(&run));
    assert_eq!(
        png_size(&tour),
        (1080, 1080),
        "without --format the image is square"
    );

    let bad = dir.path().join("bad.png");
    let run = handbill(
        &db,
        &[
            "image",
            "1",
            "--format",
            "banner",
            "-o",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(run.status.code(), Some(2), "an unknown format is bad input");
    let err = stderr(&run);
    assert!(
        err.contains("banner")
            && err.contains("square")
            && err.contains("portrait")
            && err.contains("story"),
        "the refusal names the format given and the choices: {err}"
    );
    assert!(!bad.exists(), "nothing is written for a bad format");

    let run = handbill(&db, &["image", "9999", "-o", bad.to_str().unwrap()]);
    assert!(!run.status.success(), "an unknown event has no image");
    let err = stderr(&run);
    assert!(
        err.contains("9999"),
        "the refusal names the event asked for: {err}"
    );
    assert!(
        !bad.exists() && !dir.path().join("bad.alt.txt").exists(),
        "nothing is written for an unknown event"
    );
}
