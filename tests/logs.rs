//! Logs at any level never hold event text, names or addresses. The real
//! binary runs with `HANDBILL_LOG=trace` through a branch profile, events
//! (imported, shown, exported, printed, and one refused), subscribers
//! (imported with a rejected row, shown, unsubscribed, exported, one not
//! found) and an announcement sent to a real SMTP server on loopback
//! (`tests/smtp/server.py`); then every log file is searched for the
//! distinctive titles, names and addresses the test typed, and holds none.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[path = "smtp/sink.rs"]
mod sink;
use sink::Sink;

const BRANCH: &str = "Quillwort Tenants Union";
const BRANCH_EMAIL: &str = "quillwort-office@logs.handbill.test";
const TITLE: &str = "Marzipan Lighthouse Teach-in";
const DESCRIPTION: &str = "Bring the vermilion banners";
const VENUE: &str = "Ozymandias Hall";
const ADDRESS: &str = "77 Periwinkle Lane";
const REFUSED_TITLE: &str = "Kumquat Rebellion Picnic";
const LIST: &str = "Lindenfeld Neighbors";
const PEOPLE: [(&str, &str, &str); 2] = [
    (
        "Philomena",
        "Brackenridge",
        "philomena.brackenridge@logs.handbill.test",
    ),
    ("Tobias", "Quennell", "tobias.quennell@logs.handbill.test"),
];
const BAD_ADDRESS: &str = "xylograph-not-an-address";
const NOBODY: &str = "nobody.zanzibar@logs.handbill.test";

struct Run {
    dir: tempfile::TempDir,
    db: PathBuf,
}

impl Run {
    fn new() -> Run {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("branch.sqlite");
        Run { dir, db }
    }

    fn logs(&self) -> PathBuf {
        self.dir.path().join("logs")
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn handbill(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_handbill"))
            .env("HANDBILL_ENCRYPT", "0")
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .env_remove("HANDBILL_DB")
            // Copies that leave the laptop are sealed with this passphrase.
            .env(
                "HANDBILL_EXPORT_PASSPHRASE",
                "test passphrase for sealed copies",
            )
            .env_remove("HANDBILL_SMTP_PASSWORD")
            .env("HANDBILL_LOG", "trace")
            .env("HANDBILL_LOG_DIR", self.logs())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .expect("the handbill binary runs")
    }

    /// Runs a command that must succeed; answers its standard output.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.handbill(args);
        assert!(
            out.status.success(),
            "handbill {args:?} succeeds: {}",
            text(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a command that must be refused (its error names what the test typed).
    fn refused(&self, args: &[&str]) {
        let out = self.handbill(args);
        assert!(
            !out.status.success(),
            "handbill {args:?} is refused: {}",
            text(&out)
        );
    }
}

fn text(o: &Output) -> String {
    format!(
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn write(path: &Path, contents: &str) -> String {
    std::fs::write(path, contents).unwrap();
    path.display().to_string()
}

fn ics(uid: &str, title: &str, start: Option<&str>) -> String {
    let start = start
        .map(|s| format!("DTSTART:{s}\r\nDTEND:20270316T010000Z\r\n"))
        .unwrap_or_default();
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Handbill logs test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
         DTSTAMP:20261201T000000Z\r\n{start}SUMMARY:{title}\r\nDESCRIPTION:{DESCRIPTION}\r\n\
         LOCATION:{VENUE}\\, {ADDRESS}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// Every line of every file in the log folder.
fn log_text(dir: &Path) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(dir).expect("the log folder was made") {
        let path = entry.unwrap().path();
        all.push_str(
            &std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{} is text: {e}", path.display())),
        );
    }
    all
}

#[test]
fn trace_logs_of_events_subscribers_and_a_send_hold_no_title_name_or_address() {
    let run = Run::new();
    run.ok(&["branch", "set", "name", BRANCH]);
    run.ok(&["branch", "set", "contact_email", BRANCH_EMAIL]);
    run.ok(&["branch", "set", "time_zone", "America/New_York"]);

    // Events: imported, listed, shown, exported, printed; one file refused.
    let good = write(
        &run.file("teach-in.ics"),
        &ics(
            "logs-teach-in@handbill.test",
            TITLE,
            Some("20270315T230000Z"),
        ),
    );
    run.ok(&["event", "import", &good]);
    let bad = write(
        &run.file("picnic.ics"),
        &ics("logs-picnic@handbill.test", REFUSED_TITLE, None),
    );
    run.refused(&["event", "import", &bad]);
    let events: Value = serde_json::from_str(&run.ok(&["event", "list", "--json"])).unwrap();
    let event = events
        .as_array()
        .and_then(|all| all.iter().find(|e| e["title"] == TITLE))
        .unwrap_or_else(|| panic!("the imported event is listed: {events}"));
    let id = event["id"].as_i64().unwrap().to_string();
    assert!(
        run.ok(&["event", "show", &id]).contains(TITLE),
        "the event shows its title"
    );
    run.ok(&[
        "event",
        "export-ics",
        &id,
        "-o",
        &run.file("out.ics").display().to_string(),
    ]);
    run.ok(&["event", "listing"]);
    run.ok(&[
        "flyer",
        &id,
        "-o",
        &run.file("flyer.pdf").display().to_string(),
    ]);

    // Subscribers: imported (one row rejected), shown, unsubscribed, exported; one not found.
    run.ok(&["list", "create", LIST]);
    let mut csv = String::from("Email,First name,Last name\n");
    for (first, last, email) in PEOPLE {
        csv.push_str(&format!("{email},{first},{last}\n"));
    }
    csv.push_str(&format!("{BAD_ADDRESS},Ignatius,Wolverhampton\n"));
    let sheet = write(&run.file("signups.csv"), &csv);
    let report = run.file("report.csv").display().to_string();
    run.ok(&[
        "subscribers",
        "import",
        &sheet,
        "--list",
        LIST,
        "--report",
        &report,
    ]);
    assert!(
        run.ok(&["subscribers", "show", PEOPLE[0].2])
            .contains(PEOPLE[0].1),
        "the subscriber shows with her name"
    );
    run.refused(&["subscribers", "show", NOBODY]);
    run.ok(&["subscribers", "unsubscribe", PEOPLE[1].2, "--list", LIST]);
    run.ok(&[
        "subscribers",
        "export",
        "--list",
        LIST,
        "--all",
        "-o",
        &run.file("export.csv").display().to_string(),
    ]);

    // An announcement of the event, sent to a real SMTP server on loopback.
    let sink = Sink::start(&[]);
    let smtp = format!("smtp://127.0.0.1:{}?security=plain", sink.port);
    run.ok(&["announce", &id, "--list", LIST, "--smtp", &smtp]);
    let arrived = sink.arrivals();
    assert_eq!(
        arrived.get(PEOPLE[0].2),
        Some(&1),
        "the announcement reached the subscribed person once: {arrived:?}"
    );
    assert_eq!(
        arrived.get(PEOPLE[1].2),
        None,
        "the unsubscribed person got nothing: {arrived:?}"
    );

    let logs = log_text(&run.logs());
    assert!(
        logs.contains("handbill started"),
        "the runs were logged at all:\n{logs}"
    );
    assert!(
        logs.contains("send ended"),
        "the send was logged (ids and counts):\n{logs}"
    );
    assert!(
        logs.contains("\"level\":\"WARN\""),
        "a refused command was logged (its code):\n{logs}"
    );
    let mut secrets = vec![
        BRANCH,
        BRANCH_EMAIL,
        TITLE,
        DESCRIPTION,
        VENUE,
        ADDRESS,
        REFUSED_TITLE,
        LIST,
        BAD_ADDRESS,
        NOBODY,
    ];
    secrets.extend([
        "Ignatius",
        "Wolverhampton",
        "Quillwort",
        "Marzipan",
        "Periwinkle",
        "Kumquat",
        "Lindenfeld",
    ]);
    for (first, last, email) in &PEOPLE {
        secrets.extend([*first, *last, *email]);
    }
    let folded = logs.to_lowercase();
    for secret in secrets {
        let found: Vec<&str> = logs
            .lines()
            .filter(|l| l.to_lowercase().contains(&secret.to_lowercase()))
            .collect();
        assert!(
            found.is_empty(),
            "the logs hold “{secret}”, which the test typed as event text, a name or an address, in {} lines; the first: {}",
            found.len(),
            found[0]
        );
    }
    // The local parts alone, as an address split by an encoder would show them.
    assert!(
        !folded.contains("philomena.brackenridge"),
        "no address's local part is logged"
    );
    assert!(
        !folded.contains("logs.handbill.test"),
        "no address's domain is logged"
    );
}
