//! `handbill signin-sheet EVENT_ID [--paper letter|a4] [--rows N] -o FILE.pdf`:
//! the real binary on a real SQLite file writes the sheet the window's
//! *Print sign-in sheet* draws (`flyers::signin_sheet`), read back with
//! poppler (`pdfinfo`, `pdftotext`); rows out of range and an unknown event
//! are refused with a message naming what is wrong, and no file is written.

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

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} runs (apt-get install poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{name} reads the PDF: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn info(pdf: &Path, field: &str) -> String {
    let text = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    text.lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("pdfinfo names {field}:\n{text}"))
        .trim_start_matches(field)
        .trim()
        .to_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_command_line_writes_a_numbered_sheet_over_pages_and_refuses_bad_requests() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("branch.sqlite");
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );

    let sheet = dir.path().join("door.pdf");
    let run = handbill(
        &db,
        &[
            "signin-sheet",
            "1",
            "--paper",
            "a4",
            "--rows",
            "60",
            "-o",
            sheet.to_str().unwrap(),
        ],
    );
    assert!(
        run.status.success(),
        "the sheet is written: {}",
        stderr(&run)
    );
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(
        said.contains("60 rows on") && said.contains("door.pdf"),
        "it says what it wrote and where: {said}"
    );
    assert_eq!(
        info(&sheet, "Page size:"),
        "595.28 x 841.89 pts (A4)",
        "--paper a4 prints on A4"
    );
    let pages: usize = info(&sheet, "Pages:").parse().unwrap();
    assert!(pages >= 2, "60 rows take more than one page, not {pages}");
    let last = tool(
        "pdftotext",
        &[
            "-f",
            &pages.to_string(),
            "-l",
            &pages.to_string(),
            sheet.to_str().unwrap(),
            "-",
        ],
    );
    assert!(
        last.split_whitespace().any(|w| w == "60"),
        "row 60 is on the last page:\n{last}"
    );
    let all = tool("pdftotext", &[sheet.to_str().unwrap(), "-"]);
    for heading in ["Name", "Email", "Phone", "ZIP", "Email me about"] {
        assert!(all.contains(heading), "the sheet prints “{heading}”");
    }

    let default = dir.path().join("default.pdf");
    let run = handbill(&db, &["signin-sheet", "1", "-o", default.to_str().unwrap()]);
    assert!(run.status.success(), "no --rows: {}", stderr(&run));
    assert_eq!(info(&default, "Pages:"), "1", "no --rows fills one page");
    assert!(
        info(&default, "Page size:").starts_with("612 x 792"),
        "no --paper and no flyer paper kept: Letter"
    );

    for rows in ["0", "9999"] {
        let out = dir.path().join(format!("rows-{rows}.pdf"));
        let run = handbill(
            &db,
            &[
                "signin-sheet",
                "1",
                "--rows",
                rows,
                "-o",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(run.status.code(), Some(2), "--rows {rows} is bad input");
        let err = stderr(&run);
        assert!(
            err.contains("--rows") && err.contains("1 to 500"),
            "--rows {rows}: the message names the option and what it takes: {err}"
        );
        assert!(!out.exists(), "--rows {rows}: no file is written");
    }

    let out = dir.path().join("nobody.pdf");
    let run = handbill(&db, &["signin-sheet", "4242", "-o", out.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(3), "an unknown event is not found");
    assert!(
        stderr(&run).contains("There is no event number 4242"),
        "the message names the event: {}",
        stderr(&run)
    );
    assert!(!out.exists(), "no file for an unknown event");
}
