//! `handbill publish -o DIR` through the real binary on a real SQLite file:
//! the sample branch with a draft beside it, published, then checked by
//! tools that are not Handbill's (`tests/site/check_site.py`): served by
//! `python3 -m http.server` on loopback and opened in headless Chromium at
//! desktop and phone widths (screenshots in `target/site-screenshots/`),
//! every page passed by `tidy`, every local link answering, `events.ics`
//! read by Python's `icalendar` and `feed.atom` by `feedparser`, and the
//! draft nowhere. Publishing again writes nothing; a folder of someone
//! else's files is refused and left as it was.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/plain_cli.rs"]
#[allow(dead_code)]
mod plain_cli;
use plain_cli::{ok, run as handbill};

const DRAFT: &str = "Secret planning meeting draft";
const RALLY_UID: &str = "sample-rally-2027@handbill";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> PathBuf {
    let venv = root().join("tests/.venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

/// The sample branch, and a draft imported from a calendar file beside it.
fn branch(dir: &Path) -> PathBuf {
    let db = dir.join("branch.sqlite");
    ok(&db, &["demo"]);
    let ics = dir.join("draft.ics");
    std::fs::write(
        &ics,
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:draft@test\r\n\
             SUMMARY:{DRAFT}\r\nDTSTART;TZID=America/New_York:20270120T190000\r\n\
             DTEND;TZID=America/New_York:20270120T210000\r\nLOCATION:Union Hall\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ),
    )
    .unwrap();
    ok(&db, &["event", "import", ics.to_str().unwrap()]);
    db
}

#[test]
fn a_published_site_passes_a_browser_a_validator_and_feed_readers() {
    let dir = tempfile::tempdir().unwrap();
    let db = branch(dir.path());
    let site = dir.path().join("site");
    let out = ok(&db, &["publish", "-o", site.to_str().unwrap()]);
    assert!(
        out.contains("Published") && out.contains("en and es") && out.contains("index.html"),
        "publish says what it wrote, in which languages, and where to open it: {out}"
    );

    // The public upcoming events of the sample, as the feed should have them.
    let rally_page = format!("events/{}.html", RALLY_UID.split('@').next().unwrap());
    assert!(site.join(&rally_page).is_file(), "the rally has its page");
    let feed_titles: Vec<&str> = vec![
        "#Justice4Siham & #Justice4Naseem Rally",
        "#MeToo: The Fight Against Sexism in the Era of Trump",
        "Socialists in Solidarity with Syria: A Panel & Discussion",
        "RESCHEDULED: Left Organizing Tactics in the Age of Trump: The United Front",
        "Support Voices of Resistance: Center for Economic Research & Social Change",
        "From #BlackLivesMatter to Black Liberation: A Campus Tour",
        "From #BlackLivesMatter to Black Liberation: A Campus Tour",
    ];
    let expected = serde_json::json!({
        "draft": DRAFT,
        "feed_titles": feed_titles,
        "uids": [RALLY_UID],
    });
    let expected_path = dir.path().join("expected.json");
    std::fs::write(&expected_path, expected.to_string()).unwrap();
    let shots = root().join("target/site-screenshots");
    let o = Command::new(python())
        .arg(root().join("tests/site/check_site.py"))
        .arg(&site)
        .arg(&rally_page)
        .arg(&shots)
        .arg(&expected_path)
        .output()
        .expect("python runs");
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "the site passes Chromium, tidy, the link check, icalendar and feedparser \
         (install them with `make deps`):\n{report}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let found: serde_json::Value =
        serde_json::from_str(&report).expect("check_site.py prints JSON");
    assert_eq!(
        found["screenshots"].as_array().map(Vec::len),
        Some(4),
        "the index and the rally's page are screenshotted at desktop and phone widths: {found}"
    );
    assert_eq!(
        found["feed_bozo"], false,
        "feedparser reads the feed cleanly: {found}"
    );
    assert!(
        found["links_checked"].as_u64().unwrap_or(0) > 20,
        "the crawl followed the site's links: {found}"
    );

    // Again: nothing written.
    let again = ok(&db, &["publish", "-o", site.to_str().unwrap()]);
    assert!(
        again.contains(": 0 files written,") && again.contains("0 removed"),
        "publishing again writes nothing: {again}"
    );

    // Someone else's folder is refused and left alone.
    let theirs = dir.path().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::write(theirs.join("notes.txt"), "mine").unwrap();
    let refused = handbill(&db, &["publish", "-o", theirs.to_str().unwrap()]);
    assert!(
        !refused.status.success(),
        "a folder of someone else's files is refused"
    );
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("Handbill did not write"),
        "the refusal says why: {}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(
        std::fs::read_dir(&theirs).unwrap().count(),
        1,
        "nothing was added to their folder"
    );
}
