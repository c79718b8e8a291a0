//! A second, hostile reading of issue 14 ("Trust, part two"), through the
//! real `handbill` binary on real SQLite files: the holes this review found
//! after the issue's own tests passed.
//!
//! - A trigger or a view whose name starts like SQLite's statistics tables
//!   (`sqlite_stat…`) slipped past the schema check of `restore` and
//!   `import-branch`, which skipped every entry of such a name, not only the
//!   statistics tables ANALYZE writes.
//! - Running `announce` again for an announcement still queued reused it
//!   without a word and silently dropped `--subject`, `--body-file` and
//!   `--flyer`.
//! - A backup or hand-over file holding a value of the wrong kind (bytes
//!   where text belongs, text or a fraction where a number belongs) was taken
//!   in, and every command reading that row failed afterwards with "Invalid
//!   column type".
//! - `--db` naming a pipe (FIFO) hung every command for good: the database
//!   file itself was opened for reading its header without a check of kind.
//! - An `.ics` LOCATION longer than 200 characters was cut to 200 without a
//!   word (and one of megabytes taken the same way), where a venue's name
//!   holds 2 KB and anything longer is refused like every other field.
//! - Refusals of a backup or hand-over (damaged, another program's, holding
//!   no branch, rows breaking a rule, rows referring to nothing, missing
//!   tables) said what was wrong but not what to do.
//! - A backup whose seal was altered in its tag was restored as one that
//!   "carries no checksum", although no SQLite file ends in bytes that are
//!   not a whole page.
//! - `announce --dry-run` said a letter would go out that the real run then
//!   refused (a NUL in its body, a subject over the limit).
//!
//! Each test counts its hostile cases and how many held, prints both, and
//! fails if any did not hold.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

mod hostile;
use hostile::{hex, text, triggers_and_views, wrapped, Tally};

/// What a backup's seal starts with, and its length (see backup.rs).
const SEAL_TAG: &[u8] = b"Handbill backup sha256 ";
const SEAL_LEN: usize = 23 + 64 + 1;

fn bin() -> PathBuf {
    std::env::var_os("HANDBILL_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_handbill")))
}

fn command(db: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    // These tests read the file with SQLite: a plain branch.
    c.env("HANDBILL_ENCRYPT", "0");
    c.arg("--db")
        .arg(db)
        .args(args)
        .env_remove("HANDBILL_DB")
        // Copies that leave the laptop are sealed with this passphrase.
        .env(
            "HANDBILL_EXPORT_PASSPHRASE",
            "test passphrase for sealed copies",
        )
        .env_remove("HANDBILL_SMTP_PASSWORD")
        .env(
            "HANDBILL_LOG_DIR",
            db.parent().unwrap_or(Path::new("/tmp")).join("logs"),
        )
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Runs a command to its end; a command that runs past two minutes is killed
/// and fails the test.
fn run(mut c: Command, what: &str) -> Output {
    let mut child = c.spawn().expect("the command starts");
    let started = Instant::now();
    while child
        .try_wait()
        .expect("the command can be waited for")
        .is_none()
    {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} ends within two minutes");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("its output is read")
}

fn handbill(db: &Path, args: &[&str]) -> Output {
    run(command(db, args), &format!("handbill {args:?}"))
}

/// A plain backup as an older Handbill's `backup -o` wrote it (and as the
/// automatic copies beside the branch are): the database, then its seal.
/// (`backup -o` now writes a copy sealed with a passphrase.)
fn plain_backup(db: &Path, copy: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();
    drop(conn);
    let conn = rusqlite::Connection::open(copy).unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    drop(conn);
    let mut data = std::fs::read(copy).unwrap();
    let hash = hex(&Sha256::digest(&data));
    data.extend_from_slice(SEAL_TAG);
    data.extend_from_slice(hash.as_bytes());
    data.push(b'\n');
    std::fs::write(copy, data).unwrap();
}

/// A branch with the sample loaded, and a fresh plain backup of it.
fn branch_and_backup(dir: &Path) -> (PathBuf, PathBuf) {
    let db = dir.join("branch.sqlite");
    let out = handbill(&db, &["demo"]);
    assert!(out.status.success(), "the sample loads: {}", text(&out));
    let copy = dir.join("copy.sqlite");
    plain_backup(&db, &copy);
    (db, copy)
}

/// A copy of the sealed backup `from` with `sql` run in it by plain rusqlite
/// (as anyone could, `writable_schema` included), sealed again so that it is
/// the schema check that must catch it.
fn planted(from: &Path, to: &Path, sql: &str) {
    let bytes = std::fs::read(from).unwrap();
    assert!(
        bytes[bytes.len() - SEAL_LEN..].starts_with(SEAL_TAG),
        "a backup Handbill writes carries its seal"
    );
    std::fs::write(to, &bytes[..bytes.len() - SEAL_LEN]).unwrap();
    {
        let conn = rusqlite::Connection::open(to).unwrap();
        conn.execute_batch(sql).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let mut data = std::fs::read(to).unwrap();
    let hash = hex(&Sha256::digest(&data));
    data.extend_from_slice(SEAL_TAG);
    data.extend_from_slice(hash.as_bytes());
    data.push(b'\n');
    std::fs::write(to, data).unwrap();
}

/// Runs `args` on a fresh copy of the branch at `pristine` in `folder`, and
/// checks the outcome: refused with `expected` in its message and the
/// branch's triggers and views unchanged, or (`expected` empty) accepted.
fn outcome(pristine: &Path, folder: &Path, args: &[&str], expected: &str) -> Result<(), String> {
    std::fs::create_dir_all(folder).unwrap();
    let db = folder.join("branch.sqlite");
    std::fs::copy(pristine, &db).unwrap();
    let ours = triggers_and_views(&db);
    let out = handbill(&db, args);
    let said = text(&out);
    if expected.is_empty() {
        if !out.status.success() {
            return Err(format!(
                "a file Handbill could have written was refused: {said}"
            ));
        }
    } else {
        if out.status.success() {
            return Err(format!("it was accepted: {said}"));
        }
        if !said.contains(expected) {
            return Err(format!("the refusal does not say {expected:?}: {said}"));
        }
    }
    if triggers_and_views(&db) != ours {
        return Err("the branch's triggers or views changed".into());
    }
    let list = handbill(&db, &["list", "create", "After it"]);
    if !list.status.success() {
        return Err(format!("the branch no longer works: {}", text(&list)));
    }
    for read in [&["event", "list"][..], &["org", "list"], &["list", "ls"]] {
        let out = handbill(&db, read);
        if !out.status.success() {
            return Err(format!(
                "the branch can no longer be read ({read:?}): {}",
                text(&out)
            ));
        }
    }
    Ok(())
}

/// SQLite's statistics tables are the only `sqlite_stat…` entries a
/// restore may skip: a trigger or a view given such a name (through
/// `writable_schema`) is structure Handbill did not make, and is refused by
/// name; the statistics ANALYZE leaves are still no reason to refuse.
#[test]
fn a_trigger_or_view_named_like_sqlite_statistics_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let (db, copy) = branch_and_backup(dir.path());
    let mut tally = Tally::new("statistics-named structure");

    let plant = |name: &str, kind: &str, sql: &str| -> PathBuf {
        let file = dir.path().join(format!("{name}.sqlite"));
        planted(
            &copy,
            &file,
            &format!(
                "PRAGMA writable_schema = ON; \
                 INSERT INTO sqlite_schema (type, name, tbl_name, rootpage, sql) \
                 VALUES ('{kind}', '{name}', '{}', 0, '{sql}'); \
                 PRAGMA writable_schema = OFF;",
                if kind == "trigger" {
                    "subscriber"
                } else {
                    name
                }
            ),
        );
        file
    };
    let trigger = plant(
        "sqlite_stat_wipe",
        "trigger",
        "CREATE TRIGGER sqlite_stat_wipe AFTER INSERT ON subscriber BEGIN DELETE FROM subscriber; END",
    );
    let view = plant(
        "sqlite_stat_everyone",
        "view",
        "CREATE VIEW sqlite_stat_everyone AS SELECT email FROM subscriber",
    );
    let analyzed = dir.path().join("analyzed.sqlite");
    planted(&copy, &analyzed, "ANALYZE;");

    let cases: [(&Path, &str); 3] = [
        (&trigger, "trigger \"sqlite_stat_wipe\" on table subscriber"),
        (&view, "view \"sqlite_stat_everyone\""),
        (&analyzed, ""),
    ];
    for (n, (file, expected)) in cases.into_iter().enumerate() {
        let name = file.file_name().unwrap().to_str().unwrap().to_owned();
        tally.case(
            &format!("restore {name}"),
            outcome(
                &db,
                &dir.path().join(format!("restore-{n}")),
                &["restore", file.to_str().unwrap(), "--yes"],
                expected,
            ),
        );
        let export = dir.path().join(format!("{name}.handbill"));
        wrapped(file, &export);
        tally.case(
            &format!("import-branch --replace {name}.handbill"),
            outcome(
                &db,
                &dir.path().join(format!("import-{n}")),
                &[
                    "import-branch",
                    export.to_str().unwrap(),
                    "--replace",
                    "--yes",
                ],
                expected,
            ),
        );
    }
    tally.finish();
}

/// A loopback address on which nothing listens: sending there fails at once
/// and leaves the announcement queued.
fn closed_smtp() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("smtp://organizer@127.0.0.1:{port}?security=plain")
}

/// The subject and whether a flyer is attached, of every announcement.
fn announcements(db: &Path) -> Vec<(i64, String, bool)> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = conn
        .prepare("SELECT id, subject, attach_flyer FROM announcement ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// `announce` again for an announcement still queued goes on with that one
/// and says so; a `--subject`, `--body-file` or `--flyer` it would not use
/// is refused with what to do, never dropped without a word; and the dry run
/// refuses what the real run refuses.
#[test]
fn announce_again_says_it_reuses_the_queued_one_and_ignores_no_option() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("branch.sqlite");
    let out = handbill(&db, &["demo"]);
    assert!(out.status.success(), "the sample loads: {}", text(&out));
    let smtp = closed_smtp();
    let mut first = command(
        &db,
        &[
            "announce",
            "5",
            "--list",
            "Announcements",
            "--subject",
            "First subject",
            "--smtp",
            &smtp,
        ],
    );
    first.env("HANDBILL_SMTP_PASSWORD", "secret");
    let out = run(first, "the first announce");
    assert!(
        !out.status.success() && text(&out).contains("send resume 1"),
        "with no server listening, the first announcement stays queued: {}",
        text(&out)
    );
    let queued = announcements(&db);
    assert_eq!(
        queued,
        vec![(1, "First subject".to_owned(), false)],
        "one announcement is queued, with the subject given"
    );

    let body = dir.path().join("other.md");
    std::fs::write(&body, "Another letter altogether.").unwrap();
    let nul = dir.path().join("nul.md");
    std::fs::write(&nul, "Come\0 along.").unwrap();
    let long_subject = "s".repeat(1000);
    let mut tally = Tally::new("announce again");

    let refuses = |args: &[&str], expected: &[&str]| -> Result<(), String> {
        let mut c = command(&db, args);
        c.env("HANDBILL_SMTP_PASSWORD", "secret");
        let out = run(c, &format!("handbill {args:?}"));
        let said = text(&out);
        if out.status.success() {
            return Err(format!("it was accepted: {said}"));
        }
        if let Some(missing) = expected.iter().find(|e| !said.contains(*e)) {
            return Err(format!("the refusal does not say {missing:?}: {said}"));
        }
        if said.contains("sent 0") || said.contains("Dry run") {
            return Err(format!("it went on as if nothing were wrong: {said}"));
        }
        if announcements(&db) != queued {
            return Err("the queued announcement changed, or another was made".into());
        }
        Ok(())
    };
    let base = ["announce", "5", "--list", "Announcements"];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter()
            .chain(extra.iter())
            .map(|s| s.to_string())
            .collect()
    };
    let cases: Vec<(&str, Vec<String>, Vec<&str>)> = vec![
        (
            "another --subject",
            with(&["--subject", "Second subject"]),
            vec!["subject", "Announcement 1", "send cancel 1"],
        ),
        (
            "another --subject, dry run",
            with(&["--subject", "Second subject", "--dry-run"]),
            vec!["subject", "Announcement 1", "send cancel 1"],
        ),
        (
            "another --body-file",
            with(&["--body-file", body.to_str().unwrap()]),
            vec!["body", "Announcement 1", "send cancel 1"],
        ),
        (
            "--flyer",
            with(&["--flyer"]),
            vec!["flyer", "Announcement 1", "send cancel 1"],
        ),
    ];
    for (what, args, expected) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        tally.case(what, refuses(&args, expected));
    }

    // The same options again, and none at all: the queued announcement goes
    // on, and the command says that it is that one.
    for (what, extra) in [
        ("no options", vec![]),
        ("the same --subject", vec!["--subject", "First subject"]),
    ] {
        let args = with(&extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut c = command(&db, &args);
        c.env("HANDBILL_SMTP_PASSWORD", "secret");
        let out = run(c, what);
        let said = text(&out);
        tally.case(
            &format!("{what}: goes on with announcement 1 and says so"),
            if said.to_lowercase().contains("announcement 1") && said.contains("First subject") {
                if announcements(&db) == queued {
                    Ok(())
                } else {
                    Err("another announcement was made".into())
                }
            } else {
                Err(format!(
                    "it does not say it goes on with announcement 1: {said}"
                ))
            },
        );
    }

    // The dry run of a new announcement (another template) refuses what the
    // real run would refuse. (The reminder: the cancelled template is only
    // for a cancelled event, and this one is not.)
    let another = [
        "announce",
        "5",
        "--list",
        "Announcements",
        "--template",
        "reminder",
    ];
    for (what, extra, expected) in [
        (
            "dry run with a NUL in the body",
            vec!["--body-file", nul.to_str().unwrap()],
            "NUL",
        ),
        (
            "dry run with a 1,000-character subject",
            vec!["--subject", long_subject.as_str()],
            "at most 900 characters",
        ),
    ] {
        let mut args: Vec<&str> = another.to_vec();
        args.extend(extra.iter().copied());
        let mut dry = args.clone();
        dry.push("--dry-run");
        tally.case(what, refuses(&dry, &[expected]));
        args.extend(["--smtp", smtp.as_str()]);
        tally.case(
            &format!("{what}, as the real run"),
            refuses(&args, &[expected]),
        );
    }
    tally.finish();
}

/// A value of the wrong kind in a column (bytes where text belongs, text or
/// a fraction where a whole number belongs, text where a logo's bytes
/// belong) passes SQLite's integrity check and every CHECK of a column
/// without one; taken in, it breaks every command that reads its row. A
/// restore or a hand-over refuses it, naming the table and column, and the
/// branch is left as it was and still reads.
#[test]
fn a_value_of_the_wrong_kind_is_refused_naming_its_column() {
    let dir = tempfile::tempdir().unwrap();
    let (db, copy) = branch_and_backup(dir.path());
    let mut tally = Tally::new("values of the wrong kind");
    let cases = [
        (
            "blob-title",
            "UPDATE event SET title = X'414243' WHERE id = (SELECT min(id) FROM event);",
            "column \"title\" of table \"event\"",
        ),
        (
            "blob-name",
            "UPDATE subscriber SET name = X'414243' WHERE id = (SELECT min(id) FROM subscriber);",
            "column \"name\" of table \"subscriber\"",
        ),
        (
            "text-all-day",
            "UPDATE event SET all_day = 'sometimes' WHERE id = (SELECT min(id) FROM event);",
            "column \"all_day\" of table \"event\"",
        ),
        (
            "fraction-sequence",
            "UPDATE event SET sequence = 1.5 WHERE id = (SELECT min(id) FROM event);",
            "column \"sequence\" of table \"event\"",
        ),
        (
            "text-logo",
            "UPDATE organization SET logo = 'not a picture' WHERE id = (SELECT min(id) FROM organization);",
            "column \"logo\" of table \"organization\"",
        ),
    ];
    for (n, (name, sql, expected)) in cases.into_iter().enumerate() {
        let file = dir.path().join(format!("{name}.sqlite"));
        planted(&copy, &file, sql);
        tally.case(
            &format!("restore {name}"),
            outcome(
                &db,
                &dir.path().join(format!("restore-{n}")),
                &["restore", file.to_str().unwrap(), "--yes"],
                expected,
            ),
        );
        let export = dir.path().join(format!("{name}.handbill"));
        wrapped(&file, &export);
        tally.case(
            &format!("import-branch --replace {name}.handbill"),
            outcome(
                &db,
                &dir.path().join(format!("import-{n}")),
                &[
                    "import-branch",
                    export.to_str().unwrap(),
                    "--replace",
                    "--yes",
                ],
                expected,
            ),
        );
    }
    tally.finish();
}

/// The branch's own file given as `--db` is checked like any file from
/// outside: a pipe (FIFO), a device or a link to one is refused at once,
/// naming it and what to give instead, and left as it was; before, a FIFO
/// hung every command until killed.
#[cfg(unix)]
#[test]
fn a_database_path_that_is_a_pipe_or_device_is_refused_at_once() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("branch.sqlite");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo makes the pipe");
    let to_fifo = dir.path().join("link-to-pipe.sqlite");
    std::os::unix::fs::symlink(&fifo, &to_fifo).unwrap();
    let to_zero = dir.path().join("link-to-zero.sqlite");
    std::os::unix::fs::symlink("/dev/zero", &to_zero).unwrap();
    let mut tally = Tally::new("database path not a file");
    for (name, db) in [
        ("a FIFO", &fifo),
        ("a link to a FIFO", &to_fifo),
        ("a link to /dev/zero", &to_zero),
        ("/dev/null", &PathBuf::from("/dev/null")),
    ] {
        for args in [&["event", "list"][..], &["list", "create", "Anyone"]] {
            let mut c = command(db, args);
            c.env("HANDBILL_LOG_DIR", dir.path().join("logs"));
            let started = Instant::now();
            let mut child = c.spawn().unwrap();
            let mut ended = None;
            while started.elapsed() < Duration::from_secs(10) {
                if let Some(status) = child.try_wait().unwrap() {
                    ended = Some(status);
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let held = match ended {
                None => {
                    let _ = child.kill();
                    let _ = child.wait();
                    Err("it still ran after 10 seconds".to_owned())
                }
                Some(status) => {
                    let out = child.wait_with_output().unwrap();
                    let said = text(&out);
                    if status.success() {
                        Err(format!("it was opened as a database: {said}"))
                    } else if !said.contains("not a regular file") || !said.contains("--db") {
                        Err(format!(
                            "the refusal does not say it is not a regular file and what to give: {said}"
                        ))
                    } else {
                        Ok(())
                    }
                }
            };
            tally.case(&format!("--db {name}: {args:?}"), held);
        }
    }
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo(),
        "the pipe is left a pipe"
    );
    tally.finish();
}

/// A calendar whose LOCATION is 201 to 2,048 bytes long keeps it whole as
/// the venue's name, and one longer than 2 KB is refused naming its line and
/// LOCATION, with nothing imported: a location is never cut short silently.
#[test]
fn an_ics_location_is_kept_whole_or_refused_never_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("branch.sqlite");
    let out = handbill(&db, &["demo"]);
    assert!(out.status.success(), "the sample loads: {}", text(&out));
    let calendar = |name: &str, location: &str| -> PathBuf {
        // Folded at 73 characters, as calendars write long lines.
        let line = format!("LOCATION:{location}");
        let chars: Vec<char> = line.chars().collect();
        let folded = chars
            .chunks(73)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("\r\n ");
        let file = dir.path().join(format!("{name}.ics"));
        std::fs::write(
            &file,
            format!(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//review//EN\r\nBEGIN:VEVENT\r\nUID:{name}@review\r\n\
                 DTSTART:20270105T180000Z\r\nDTEND:20270105T190000Z\r\nSUMMARY:Meeting {name}\r\n{folded}\r\n\
                 END:VEVENT\r\nEND:VCALENDAR\r\n"
            ),
        )
        .unwrap();
        file
    };
    let venue_names = || -> Vec<String> {
        let conn =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .unwrap();
        let mut stmt = conn.prepare("SELECT name FROM venue ORDER BY id").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let mut tally = Tally::new("ics LOCATION length");

    let long_hall = format!("Hall {}", "of the Commons, ".repeat(40).trim_end());
    assert!(
        (201..=2048).contains(&long_hall.len()),
        "the long location is between the old cut and the limit"
    );
    let file = calendar("long", &long_hall);
    let out = handbill(&db, &["event", "import", file.to_str().unwrap()]);
    tally.case(
        "a 600-character LOCATION",
        if !out.status.success() {
            Err(format!("it was refused: {}", text(&out)))
        } else if !venue_names().contains(&long_hall) {
            Err("the venue does not hold the whole LOCATION".into())
        } else {
            Ok(())
        },
    );

    let before = venue_names();
    let file = calendar("huge", &"w".repeat(300_000));
    let out = handbill(&db, &["event", "import", file.to_str().unwrap()]);
    let said = text(&out);
    tally.case(
        "a 300 KB LOCATION",
        if out.status.success() {
            Err(format!("it was imported: {said}"))
        } else if !(said.contains("line 4")
            && said.contains("LOCATION")
            && said.contains("Nothing was imported"))
        {
            Err(format!(
                "the refusal does not name the event's line and LOCATION: {said}"
            ))
        } else if venue_names() != before {
            Err("a venue was saved all the same".into())
        } else {
            Ok(())
        },
    );
    tally.finish();
}

/// Every refusal of a file to restore or import says what to do next: choose
/// another backup or export that Handbill wrote.
#[test]
fn every_refusal_of_an_incoming_file_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let (db, copy) = branch_and_backup(dir.path());
    let mut tally = Tally::new("refusals say what to do");
    let what_to_do = "Choose another backup or export that Handbill wrote";
    let broken_rule = dir.path().join("broken-rule.sqlite");
    planted(
        &copy,
        &broken_rule,
        "PRAGMA ignore_check_constraints = ON; UPDATE event SET status = 'exploded';",
    );
    let orphans = dir.path().join("orphans.sqlite");
    planted(
        &copy,
        &orphans,
        "PRAGMA foreign_keys = OFF; DELETE FROM list;",
    );
    let other = dir.path().join("other-program.sqlite");
    {
        let conn = rusqlite::Connection::open(&other).unwrap();
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x');")
            .unwrap();
    }
    let no_version = dir.path().join("no-version.sqlite");
    {
        let conn = rusqlite::Connection::open(&no_version).unwrap();
        conn.execute_batch("PRAGMA application_id = 1213088834; CREATE TABLE t (x);")
            .unwrap();
    }
    let missing = dir.path().join("missing-table.sqlite");
    planted(&copy, &missing, "DROP TABLE import_job;");
    let cases = [
        (&broken_rule, "break Handbill's rules"),
        (&orphans, "does not hold together"),
        (&other, "another program's SQLite file"),
        (&no_version, "holds no schema version"),
        (&missing, "is not a whole Handbill database"),
    ];
    for (n, (file, why)) in cases.into_iter().enumerate() {
        let name = file.file_name().unwrap().to_str().unwrap().to_owned();
        let folder = dir.path().join(format!("case-{n}"));
        std::fs::create_dir_all(&folder).unwrap();
        let target = folder.join("branch.sqlite");
        std::fs::copy(&db, &target).unwrap();
        let out = handbill(&target, &["restore", file.to_str().unwrap(), "--yes"]);
        let said = text(&out);
        tally.case(
            &format!("restore {name}"),
            if out.status.success() {
                Err(format!("it was accepted: {said}"))
            } else if !said.contains(why) || !said.contains(what_to_do) {
                Err(format!(
                    "the refusal does not say {why:?} and {what_to_do:?}: {said}"
                ))
            } else {
                Ok(())
            },
        );
    }
    tally.finish();
}

/// A backup's seal altered anywhere, its tag included, is refused as not
/// matching its checksum; a backup whose seal was cut off whole is restored
/// as one without a checksum (as an older Handbill's copy is), and says so.
#[test]
fn a_backup_with_an_altered_seal_is_refused_and_one_without_a_seal_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let (db, copy) = branch_and_backup(dir.path());
    let bytes = std::fs::read(&copy).unwrap();
    let (data, seal) = bytes.split_at(bytes.len() - SEAL_LEN);
    assert!(seal.starts_with(SEAL_TAG), "the backup carries its seal");
    let mut tally = Tally::new("altered seals");
    let variant = |name: &str, tail: &[u8]| -> PathBuf {
        let file = dir.path().join(format!("{name}.sqlite"));
        let mut all = data.to_vec();
        all.extend_from_slice(tail);
        std::fs::write(&file, all).unwrap();
        file
    };
    let mut tag_changed = seal.to_vec();
    tag_changed[0] = b'h';
    let mut hash_changed = seal.to_vec();
    hash_changed[SEAL_TAG.len()] ^= 1;
    let cases = [
        (
            "tag-changed",
            variant("tag-changed", &tag_changed),
            "checksum",
        ),
        (
            "hash-changed",
            variant("hash-changed", &hash_changed),
            "checksum",
        ),
        (
            "half-a-seal",
            variant("half-a-seal", &seal[..40]),
            "checksum",
        ),
        ("seal-removed", variant("seal-removed", &[]), ""),
    ];
    for (n, (name, file, expected)) in cases.into_iter().enumerate() {
        let folder = dir.path().join(format!("case-{n}"));
        let result = outcome(
            &db,
            &folder,
            &["restore", file.to_str().unwrap(), "--yes"],
            expected,
        );
        tally.case(name, result);
    }
    // The copy without a seal is restored, and the restore said it had none.
    let folder = dir.path().join("told");
    std::fs::create_dir_all(&folder).unwrap();
    let target = folder.join("branch.sqlite");
    std::fs::copy(&db, &target).unwrap();
    let out = handbill(
        &target,
        &[
            "restore",
            dir.path().join("seal-removed.sqlite").to_str().unwrap(),
            "--yes",
        ],
    );
    tally.case(
        "seal-removed is told",
        if out.status.success() && text(&out).contains("carries no checksum") {
            Ok(())
        } else {
            Err(format!(
                "the restore does not say it had no checksum: {}",
                text(&out)
            ))
        },
    );
    tally.finish();
}
