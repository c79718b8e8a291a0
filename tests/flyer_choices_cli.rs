//! `handbill flyer EVENT_ID` starts from the layout, paper and colours kept
//! for the event on the Flyers screen (`flyers::choices`), and its options
//! change them for that file only: the real binary on a real SQLite file, the
//! PDF's page size read back by `pdfinfo`.

use std::path::Path;
use std::process::{Command, Output};

use handbill_core::flyers::{self, FlyerOptions, Layout, Paper, Theme};
use handbill_core::Database;

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

/// "841.89 x 595.28" for an A4 landscape page.
fn page_size(pdf: &Path) -> String {
    let out = Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("pdfinfo runs");
    let info = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = info
        .lines()
        .find(|l| l.starts_with("Page size:"))
        .unwrap_or_else(|| panic!("pdfinfo names the page size:\n{info}"));
    line.trim_start_matches("Page size:")
        .trim()
        .split(" pts")
        .next()
        .unwrap()
        .to_owned()
}

fn write(db: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["flyer", "1", "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let run = handbill(db, &args);
    assert!(
        run.status.success(),
        "the flyer is written: {}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn the_command_line_flyer_starts_from_the_events_kept_choices() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("branch.sqlite");
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );

    let plain = dir.path().join("plain.pdf");
    write(&db, &plain, &[]);
    assert_eq!(
        page_size(&plain),
        "612 x 792",
        "no choices kept: a Letter full page"
    );

    {
        let branch = Database::open(&db).unwrap();
        flyers::remember_choices(
            &branch,
            1,
            FlyerOptions {
                layout: Layout::HalfSheet,
                paper: Paper::A4,
                theme: Theme::BlackAndWhite,
                tear_offs: false,
            },
        )
        .unwrap();
    }
    let kept = dir.path().join("kept.pdf");
    write(&db, &kept, &[]);
    assert_eq!(
        page_size(&kept),
        "841.89 x 595.28",
        "the kept half sheet on A4 (landscape)"
    );
    let changed = dir.path().join("changed.pdf");
    write(
        &db,
        &changed,
        &["--layout", "full", "--paper", "letter", "--color"],
    );
    assert_eq!(
        page_size(&changed),
        "612 x 792",
        "options change them for this file"
    );
    let branch = Database::open(&db).unwrap();
    assert_eq!(
        flyers::choices(&branch, 1).unwrap().paper,
        Paper::A4,
        "and the kept choices stay as they were"
    );
    assert_ne!(
        std::fs::read(&kept).unwrap(),
        std::fs::read(&plain).unwrap(),
        "different files"
    );
}
