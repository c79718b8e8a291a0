//! Hostile input through the command line, as a user (or someone handing the
//! user a file) would meet it: the real `handbill` binary on a real SQLite
//! file. Special files (`/dev/zero`, a FIFO with no writer, a folder) and files
//! over their limit are refused at once; a calendar nested 1,000 deep ends in
//! a message instead of a stack overflow; repeating events are refused by
//! name; NUL and over-long text is refused; a CSV quote left open is reported
//! by its line; and an import started here never stays "running".
//!
//! Every run has a deadline: a command that blocks (as `org import FIFO` and
//! `branch set logo FIFO` did) is killed and the test fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use handbill_core::{mail::import, Database};

fn command(db: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_handbill"));
    // These tests read the file with SQLite: a plain branch.
    c.env("HANDBILL_ENCRYPT", "0");
    c.arg("--db")
        .arg(db)
        .args(args)
        .env_remove("HANDBILL_DB")
        .env("HANDBILL_LOG_DIR", db.parent().unwrap().join("logs"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Runs a command, killing it (and failing the test) if it runs past `deadline`.
fn run_within(db: &Path, args: &[&str], deadline: Duration) -> Output {
    let mut child = command(db, args).spawn().expect("the handbill binary runs");
    let started = Instant::now();
    loop {
        if child
            .try_wait()
            .expect("the child can be waited on")
            .is_some()
        {
            return child.wait_with_output().expect("its output is read");
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`handbill {}` was still running after {deadline:?}: it blocked or read without end",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn handbill(db: &Path, args: &[&str]) -> Output {
    run_within(db, args, Duration::from_secs(60))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A database with the sample branch (lists, events, organizations).
fn sample() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("branch.sqlite");
    let out = handbill(&db, &["demo"]);
    assert!(out.status.success(), "the sample loads: {}", stderr(&out));
    (dir, db)
}

fn corpus(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(path)
}

fn rows(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("the test reads the database");
    conn.query_row(sql, [], |r| r.get(0))
        .expect("the count is read")
}

/// What a refusal must look like: exit code 2 (invalid input), a message
/// with each of `words`, and a run well within `deadline`.
fn assert_refused(db: &Path, args: &[&str], words: &[&str], deadline: Duration) {
    let started = Instant::now();
    let out = run_within(db, args, deadline);
    let what = format!("`handbill {}`", args.join(" "));
    assert_eq!(
        out.status.code(),
        Some(2),
        "{what} is refused as invalid input (not a crash, not success): {}",
        stderr(&out)
    );
    for w in words {
        assert!(
            stderr(&out).contains(w),
            "{what}: the message says “{w}”: {}",
            stderr(&out)
        );
    }
    assert!(
        started.elapsed() < deadline,
        "{what} answered within {deadline:?}"
    );
}

#[test]
fn dev_zero_is_refused_at_once_by_every_command_that_reads_a_file() {
    let (_dir, db) = sample();
    let before = rows(&db, "SELECT count(*) FROM subscriber");
    let quick = Duration::from_secs(15);
    assert_refused(
        &db,
        &[
            "subscribers",
            "import",
            "/dev/zero",
            "--list",
            "Announcements",
        ],
        &["/dev/zero is a device"],
        quick,
    );
    assert_refused(
        &db,
        &[
            "subscribers",
            "import",
            "/dev/zero",
            "--list",
            "Announcements",
            "--dry-run",
        ],
        &["/dev/zero is a device"],
        quick,
    );
    assert_refused(
        &db,
        &["org", "import", "/dev/zero"],
        &["/dev/zero is a device"],
        quick,
    );
    assert_refused(
        &db,
        &["event", "import", "/dev/zero"],
        &["/dev/zero is a device"],
        quick,
    );
    assert_refused(
        &db,
        &["branch", "set", "logo", "/dev/zero"],
        &["/dev/zero is a device"],
        quick,
    );
    assert_refused(
        &db,
        &[
            "announce",
            "1",
            "--list",
            "Announcements",
            "--body-file",
            "/dev/zero",
            "--dry-run",
        ],
        &["body_file", "/dev/zero is a device"],
        quick,
    );
    assert_eq!(
        rows(&db, "SELECT count(*) FROM subscriber"),
        before,
        "nobody was imported"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let (dir, db) = sample();
    let fifo = dir.path().join("coalition.csv");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo only creates a file at the given NUL-terminated path.
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o600) },
        0,
        "the test makes a FIFO"
    );
    let f = fifo.to_str().unwrap();
    let logo = |db: &Path| -> serde_json::Value {
        let out = handbill(db, &["branch", "show", "--json"]);
        serde_json::from_slice::<serde_json::Value>(&out.stdout)
            .expect("branch show --json is JSON")["logo"]
            .clone()
    };
    let logo_before = logo(&db);
    let quick = Duration::from_secs(15);
    assert_refused(
        &db,
        &["org", "import", f],
        &["coalition.csv is a pipe (FIFO)", "ordinary files"],
        quick,
    );
    assert_refused(
        &db,
        &["branch", "set", "logo", f],
        &["coalition.csv is a pipe (FIFO)"],
        quick,
    );
    assert_refused(
        &db,
        &["subscribers", "import", f, "--list", "Announcements"],
        &["is a pipe (FIFO)"],
        quick,
    );
    assert_refused(&db, &["event", "import", f], &["is a pipe (FIFO)"], quick);
    assert_refused(
        &db,
        &["event", "import", dir.path().to_str().unwrap()],
        &["is a folder"],
        quick,
    );
    assert_eq!(logo(&db), logo_before, "the branch keeps its logo");
}

#[test]
fn a_file_over_its_limit_is_refused_by_its_size_before_it_is_read() {
    let (dir, db) = sample();
    // Sparse files: their size is what counts, and they cost no disk.
    let sparse = |name: &str, mb: u64| {
        let p = dir.path().join(name);
        std::fs::File::create(&p)
            .unwrap()
            .set_len(mb * 1024 * 1024)
            .unwrap();
        p.to_str().unwrap().to_owned()
    };
    let quick = Duration::from_secs(15);
    let big_csv = sparse("big.csv", 201);
    assert_refused(
        &db,
        &["subscribers", "import", &big_csv, "--list", "Announcements"],
        &["big.csv is 201.0 MB", "200.0 MB"],
        quick,
    );
    let orgs = sparse("orgs.csv", 21);
    assert_refused(
        &db,
        &["org", "import", &orgs],
        &["orgs.csv is 21.0 MB", "20.0 MB"],
        quick,
    );
    let logo = sparse("logo.png", 6);
    assert_refused(
        &db,
        &["branch", "set", "logo", &logo],
        &["logo.png is 6.0 MB", "5.0 MB"],
        quick,
    );
    let calendar = sparse("big.ics", 21);
    assert_refused(
        &db,
        &["event", "import", &calendar],
        &["big.ics is 21.0 MB", "20.0 MB"],
        quick,
    );
}

#[test]
fn a_calendar_nested_a_thousand_deep_ends_with_a_message_not_a_stack_overflow() {
    let (dir, db) = sample();
    let events_before = rows(&db, "SELECT count(*) FROM event");
    let deep = dir.path().join("deep.ics");
    std::fs::write(
        &deep,
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n{}{}END:VCALENDAR\r\n",
            "BEGIN:X\r\n".repeat(1000),
            "END:X\r\n".repeat(1000)
        ),
    )
    .unwrap();
    assert_refused(
        &db,
        &["event", "import", deep.to_str().unwrap()],
        &[
            "Line 11",
            "nested 9 components deep",
            "Nothing was imported",
        ],
        Duration::from_secs(30),
    );
    let from_corpus = corpus("ics/hostile/nested-1000-deep.ics");
    assert_refused(
        &db,
        &["event", "import", from_corpus.to_str().unwrap()],
        &["nested"],
        Duration::from_secs(30),
    );
    assert_eq!(
        rows(&db, "SELECT count(*) FROM event"),
        events_before,
        "no event was imported"
    );
}

#[test]
fn a_repeating_event_becomes_a_series_or_its_first_date_with_a_warning_never_silently_one_event() {
    let (_dir, db) = sample();
    let events_before = rows(&db, "SELECT count(*) FROM event");
    let series_before = rows(&db, "SELECT count(*) FROM series");
    let path = corpus("ics/repeating/rrule-weekly.ics");
    let out = run_within(
        &db,
        &["event", "import", path.to_str().unwrap()],
        Duration::from_secs(30),
    );
    assert!(
        out.status.success(),
        "a weekly RRULE imports: {}",
        stderr(&out)
    );
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        said.contains("Weekly branch meeting (Every Monday)") && !said.contains("Warning"),
        "it is imported as a series, and says so: {said}"
    );
    assert_eq!(
        rows(&db, "SELECT count(*) FROM series"),
        series_before + 1,
        "its rule is kept"
    );
    for (file, property, title) in [
        ("exdate.ics", "EXDATE", "“Study group”"),
        ("rdate.ics", "RDATE", "“Study group”"),
        (
            "recurrence-id.ics",
            "RECURRENCE-ID",
            "“Weekly branch meeting (moved)”",
        ),
    ] {
        let path = corpus(&format!("ics/repeating/{file}"));
        let out = run_within(
            &db,
            &["event", "import", path.to_str().unwrap()],
            Duration::from_secs(30),
        );
        assert!(out.status.success(), "{file} imports: {}", stderr(&out));
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            said.contains("Warning:") && said.contains(title) && said.contains(property),
            "{file}: what Handbill could not keep is said, naming the event and {property}: {said}"
        );
    }
    assert_eq!(
        rows(&db, "SELECT count(*) FROM event"),
        events_before + 5,
        "the series, the two single dates, and the moved date with its own event"
    );
}

#[test]
fn nul_and_over_long_text_is_refused_from_event_files_and_the_branch_profile() {
    let (dir, db) = sample();
    let events_before = rows(&db, "SELECT count(*) FROM event");
    let speakers_before = rows(&db, "SELECT count(*) FROM speaker");
    let quick = Duration::from_secs(30);
    let title = corpus("json/hostile/nul-in-title.json");
    assert_refused(
        &db,
        &["event", "import", title.to_str().unwrap()],
        &["In event: title: holds a NUL"],
        quick,
    );
    let reason = corpus("json/hostile/nul-in-history-reason.json");
    assert_refused(
        &db,
        &["event", "import", reason.to_str().unwrap()],
        &["history[0].reason: holds a NUL"],
        quick,
    );
    let speakers = corpus("json/hostile/201-speakers.json");
    assert_refused(
        &db,
        &["event", "import", speakers.to_str().unwrap()],
        &["201 speakers", "at most 200"],
        quick,
    );
    let nul_ics = corpus("ics/hostile/nul-in-summary.ics");
    assert_refused(
        &db,
        &["event", "import", nul_ics.to_str().unwrap()],
        &["title", "NUL"],
        quick,
    );

    // A reason of 30 KB in an event's history.
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reason).unwrap()).unwrap();
    doc["event"]["history"][0]["reason"] = serde_json::json!("r".repeat(30 * 1024));
    let long = dir.path().join("long-reason.json");
    std::fs::write(&long, doc.to_string()).unwrap();
    assert_refused(
        &db,
        &["event", "import", long.to_str().unwrap()],
        &["history[0].reason: is 30 KB long", "20 KB"],
        quick,
    );
    assert_eq!(
        rows(&db, "SELECT count(*) FROM event"),
        events_before,
        "no refused event was imported"
    );
    assert_eq!(
        rows(&db, "SELECT count(*) FROM speaker"),
        speakers_before,
        "no speaker of a refused file was saved"
    );

    let website = format!("https://example.org/{}", "a".repeat(2100));
    assert_refused(
        &db,
        &["branch", "set", "website", &website],
        &["website", "keep it to 2000"],
        quick,
    );
    let email = format!("{}@example.org", "a".repeat(300));
    assert_refused(
        &db,
        &["branch", "set", "contact_email", &email],
        &["contact_email", "keep it to 254"],
        quick,
    );
    let languages = vec!["en"; 21].join(",");
    assert_refused(
        &db,
        &["branch", "set", "languages", &languages],
        &["languages", "at most 20"],
        quick,
    );
}

#[test]
fn a_csv_quote_left_open_is_reported_by_its_line_and_nothing_is_imported() {
    let (_dir, db) = sample();
    let people = rows(&db, "SELECT count(*) FROM subscriber");
    let orgs = rows(&db, "SELECT count(*) FROM organization");
    let quick = Duration::from_secs(30);
    let sheet = corpus("subscribers-csv/hostile/unclosed-quote.csv");
    let sheet = sheet.to_str().unwrap();
    let message = "line 3: a quote opened here is never closed";
    assert_refused(
        &db,
        &[
            "subscribers",
            "import",
            sheet,
            "--list",
            "Announcements",
            "--dry-run",
        ],
        &[message],
        quick,
    );
    assert_refused(
        &db,
        &["subscribers", "import", sheet, "--list", "Announcements"],
        &[message, "Nothing was imported"],
        quick,
    );
    let stray = corpus("subscribers-csv/hostile/stray-quote-closes-mid-cell.csv");
    assert_refused(
        &db,
        &[
            "subscribers",
            "import",
            stray.to_str().unwrap(),
            "--list",
            "Announcements",
        ],
        &["line 2: a quote opened here is never closed"],
        quick,
    );
    assert_eq!(
        rows(&db, "SELECT count(*) FROM subscriber"),
        people,
        "nobody was imported, not even the person before the quote"
    );
    assert_eq!(
        rows(&db, "SELECT count(*) FROM subscriber WHERE name LIKE '%@%'"),
        0,
        "no name swallowed another person's row"
    );

    let org_sheet = corpus("organizations-csv/hostile/unclosed-quote.csv");
    let org_sheet = org_sheet.to_str().unwrap();
    assert_refused(
        &db,
        &["org", "import", org_sheet, "--dry-run"],
        &[message],
        quick,
    );
    assert_refused(&db, &["org", "import", org_sheet], &[message], quick);
    assert_eq!(
        rows(&db, "SELECT count(*) FROM organization"),
        orgs,
        "no organization was imported"
    );
}

/// The import history as the window reads it.
fn jobs(db: &Path) -> Vec<import::ImportJob> {
    import::jobs(&Database::open(db).expect("the database opens"), 50)
        .expect("the import history reads")
}

fn sheet(dir: &Path, name: &str, people: usize) -> PathBuf {
    let path = dir.join(name);
    let mut text = String::with_capacity(people * 40 + 16);
    text.push_str("email,name\n");
    for i in 0..people {
        text.push_str(&format!("person{i}@example.org,Person {i}\n"));
    }
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_command_line_import_ends_done_failed_or_interrupted_never_running() {
    let (dir, db) = sample();
    let before = jobs(&db).len();

    // Done.
    let ok = sheet(dir.path(), "ok.csv", 3);
    let out = handbill(
        &db,
        &[
            "subscribers",
            "import",
            ok.to_str().unwrap(),
            "--list",
            "Announcements",
        ],
    );
    assert!(
        out.status.success(),
        "a good sheet imports: {}",
        stderr(&out)
    );
    // A dry run leaves no record.
    let out = handbill(
        &db,
        &[
            "subscribers",
            "import",
            ok.to_str().unwrap(),
            "--list",
            "Announcements",
            "--dry-run",
        ],
    );
    assert!(out.status.success(), "a dry run succeeds: {}", stderr(&out));
    // Failed: a header, then only lines of spaces (refused before any record is written).
    let blank = dir.path().join("blank.csv");
    std::fs::write(&blank, "email,name\n   \n  \n").unwrap();
    let out = handbill(
        &db,
        &[
            "subscribers",
            "import",
            blank.to_str().unwrap(),
            "--list",
            "Announcements",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "a sheet of blank lines is refused: {}",
        stderr(&out)
    );

    // Killed (SIGKILL) and interrupted (SIGINT, as Ctrl-C sends) in the middle of an import.
    let mut children: Vec<(&str, Child)> = Vec::new();
    for (name, signal) in [
        ("killed.csv", libc::SIGKILL),
        ("interrupted.csv", libc::SIGINT),
    ] {
        let big = sheet(dir.path(), name, 300_000);
        let child = command(
            &db,
            &[
                "subscribers",
                "import",
                big.to_str().unwrap(),
                "--list",
                "Announcements",
            ],
        )
        .spawn()
        .unwrap();
        children.push((name, child));
        // Wait for its record to say "running", then stop it.
        let started = Instant::now();
        loop {
            let running = rows(
                &db,
                &format!("SELECT count(*) FROM import_job WHERE file_name = '{name}' AND state = 'running'"),
            );
            if running == 1 {
                break;
            }
            let (_, child) = children.last_mut().unwrap();
            assert!(
                child.try_wait().unwrap().is_none(),
                "the import of {name} was still running when its record was written"
            );
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the import of {name} wrote its record"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let (_, child) = children.last_mut().unwrap();
        // SAFETY: sends a signal to the child this test started.
        assert_eq!(
            unsafe { libc::kill(child.id() as libc::pid_t, signal) },
            0,
            "the signal is sent"
        );
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "the stopped import of {name} did not finish: {status:?}"
        );
    }
    // Once longer ago than an import may wait for the database, the history shows them interrupted.
    std::thread::sleep(Duration::from_secs(12));
    let all = jobs(&db);
    let state = |name: &str| {
        all.iter()
            .filter(|j| j.file_name == name)
            .map(|j| j.state.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        state("ok.csv"),
        ["done"],
        "the good import is done, and the dry run left no record"
    );
    assert!(
        state("blank.csv").is_empty(),
        "the refused import left no record behind, running or not"
    );
    assert_eq!(
        state("killed.csv"),
        ["interrupted"],
        "the killed import is interrupted"
    );
    assert_eq!(
        state("interrupted.csv"),
        ["interrupted"],
        "the import stopped by Ctrl-C is interrupted"
    );
    assert_eq!(all.len(), before + 3, "three imports were recorded");
    assert!(
        all.iter().all(|j| j.state != "running"),
        "no import stays running: {all:?}"
    );
    assert_eq!(
        rows(
            &db,
            "SELECT count(*) FROM subscriber WHERE email LIKE 'person1000%'"
        ),
        0,
        "nothing of a stopped import was saved"
    );
}
