//! The command line's side of "Tell the N people you emailed" (issue 23), on
//! the real binary and a real SQLite file: `announce` without `--template`
//! starts a rescheduled event's news from the Rescheduled template (as the
//! window's *Email to list* does), and `event show` counts the people its
//! announcements went to and says how to tell them — both through the core's
//! `told` module. No mail account: the messages go to the outbox folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handbill"))
        .env("HANDBILL_ENCRYPT", "0")
        .env_remove("HANDBILL_DB")
        .env_remove("HANDBILL_SMTP_PASSWORD")
        .env("HANDBILL_LOG_DIR", db.parent().unwrap().join("logs"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("the handbill binary runs")
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(
        out.status.success(),
        "handbill {args:?} succeeds: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Proves a rescheduled event is announced from the Rescheduled template by
/// default, with the old date and reason, and that `event show` then counts
/// the people told and says how to tell them again.
#[test]
fn announce_starts_from_the_rescheduled_template_and_event_show_counts_the_people() {
    let dir = tempfile::tempdir().unwrap();
    let db: PathBuf = dir.path().join("branch.sqlite");
    ok(&db, &["demo"]);
    let events: Value = serde_json::from_str(&ok(&db, &["event", "list", "--json"])).unwrap();
    let study = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["status"] == "rescheduled")
        .expect("the sample has a rescheduled study group");
    let id = study["id"].as_i64().unwrap().to_string();

    let before = ok(&db, &["event", "show", &id]);
    assert!(
        !before.contains("Emailed"),
        "nobody was emailed about it yet: {before}"
    );

    let dry = ok(
        &db,
        &["announce", &id, "--list", "Announcements", "--dry-run"],
    );
    assert!(
        dry.contains("Rescheduled: Left Organizing Tactics"),
        "without --template the news starts from the Rescheduled template: {dry}"
    );
    assert!(
        dry.contains("January 7, 2027") && dry.contains("massive storm"),
        "with the old date and the reason: {dry}"
    );

    let people: usize = ok(&db, &["subscribers", "count", "--list", "Announcements"])
        .trim()
        .parse()
        .unwrap();
    ok(&db, &["announce", &id, "--list", "Announcements"]);
    let after = ok(&db, &["event", "show", &id]);
    assert!(
        after.contains(&format!(
            "Emailed       {people} people (Announcements: {people}); {people} only saved to the outbox, not sent"
        )),
        "event show counts the {people} people told, saved to the outbox: {after}"
    );
    assert!(
        after.contains(&format!(
            "Tell them     handbill announce {id} --list \"Announcements\"   (the rescheduled template)"
        )),
        "and says how to tell them: {after}"
    );

    let wrong = run(
        &db,
        &[
            "announce",
            &id,
            "--list",
            "Announcements",
            "--template",
            "postponed",
        ],
    );
    assert_eq!(
        wrong.status.code(),
        Some(2),
        "an unknown template is refused"
    );
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("“postponed” is not a template"),
        "naming it: {}",
        String::from_utf8_lossy(&wrong.stderr)
    );
}
