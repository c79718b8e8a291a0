//! `handbill attendance …` and the follow-ups, as a user runs them: the real
//! binary on a real SQLite file of the sample branch. A row typed with a
//! ticked box subscribes; an unsubscribed person's tick is refused with the
//! reason; a door form's CSV is read with its problems reported by line;
//! `--segment attended=ID` counts who came; `announce --template thank_you`
//! reaches those who signed in, never the whole list; bad input exits 2
//! naming what is wrong.

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

fn ok(db: &Path, args: &[&str]) -> String {
    let out = handbill(db, args);
    assert!(
        out.status.success(),
        "handbill {args:?} succeeds: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(db: &Path, args: &[&str]) -> String {
    let out = handbill(db, args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "handbill {args:?} is refused as bad input: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_sheet_typed_and_read_from_the_command_line_and_thanks_to_those_who_came() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("branch.sqlite");
    ok(&db, &["demo"]);
    // Event 5 is the sample's fund drive, on 1 December 2026: it has happened.
    let said = ok(
        &db,
        &[
            "attendance",
            "add",
            "5",
            "--name",
            "Nora Quist",
            "--email",
            "nora@example.org",
            "--email-me",
            "--list",
            "Announcements",
        ],
    );
    assert!(
        said.contains("new to the branch") && said.contains("now on the list"),
        "a new person's tick subscribes her: {said}"
    );
    let said = ok(
        &db,
        &[
            "attendance",
            "add",
            "5",
            "--email",
            "lucia.farouk@example.org",
            "--email-me",
            "--list",
            "Announcements",
        ],
    );
    assert!(
        said.contains("that opt-out stands"),
        "an unsubscribed person stays off: {said}"
    );
    let sheet = dir.path().join("door form.csv");
    std::fs::write(
        &sheet,
        "Nombre,Correo electrónico,Teléfono,¿Podemos enviarte correos?\n\
         Ana Alvarez,ana.alvarez@example.org,,Sí\n\
         Pablo Reyes,pablo at example,,Sí\n\
         Quinn Tran,quinn@example.org,call me,No\n",
    )
    .unwrap();
    let read = ok(
        &db,
        &[
            "attendance",
            "import",
            "5",
            sheet.to_str().unwrap(),
            "--list",
            "Announcements",
        ],
    );
    assert!(
        read.contains("Recorded 2 people (1 new to the branch)"),
        "{read}"
    );
    assert!(
        read.contains("Line 3:") && read.contains("Line 4:"),
        "the bad address and the bad phone are reported by line: {read}"
    );
    let shown = ok(&db, &["attendance", "show", "5"]);
    assert!(shown.contains("4 came, 2 new to the branch"), "{shown}");

    let count = ok(
        &db,
        &[
            "subscribers",
            "count",
            "--list",
            "Announcements",
            "--segment",
            "attended=5",
        ],
    );
    assert_eq!(
        count.trim(),
        "2",
        "Nora and Ana came and are on the list (Lucía opted out, Quinn said no)"
    );

    let dry = ok(
        &db,
        &[
            "announce",
            "5",
            "--list",
            "Announcements",
            "--template",
            "thank_you",
            "--dry-run",
        ],
    );
    assert!(
        dry.contains("would reach 2 people on “Announcements” who signed in at the event"),
        "thanks goes to those who came and are on the list, not to all 30: {dry}"
    );
    assert!(dry.contains("Thank you for coming to"), "{dry}");

    let e = refused(
        &db,
        &[
            "announce",
            "4",
            "--list",
            "Announcements",
            "--template",
            "thank_you",
            "--dry-run",
        ],
    );
    assert!(e.contains("has not happened yet"), "{e}");
    let e = refused(
        &db,
        &[
            "subscribers",
            "count",
            "--list",
            "Announcements",
            "--segment",
            "attended_at_least=5/2",
        ],
    );
    assert!(e.contains("cannot hold"), "{e}");
    let e = refused(&db, &["attendance", "add", "5", "--email", "nobody at all"]);
    assert!(e.contains("not an email address") || e.contains("@"), "{e}");
    let e = refused(
        &db,
        &[
            "attendance",
            "add",
            "5",
            "--date",
            "2026-12-01",
            "--email",
            "x@example.org",
        ],
    );
    assert!(e.contains("does not repeat"), "{e}");
}
