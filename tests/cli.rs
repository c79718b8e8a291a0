//! The `handbill` command line, run as a user runs it: a real binary, a real
//! SQLite file, stdout, stderr and exit codes. No window is opened.

use std::path::Path;
use std::process::{Command, Output};

fn handbill(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handbill"))
        .env("HANDBILL_ENCRYPT", "0")
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("HANDBILL_DB")
        // Copies that leave the laptop are sealed with this passphrase.
        .env(
            "HANDBILL_EXPORT_PASSPHRASE",
            "test passphrase for sealed copies",
        )
        .env(
            "HANDBILL_LOG_DIR",
            db.parent().unwrap_or(Path::new("/tmp")).join("logs"),
        )
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("the handbill binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    (dir, path)
}

#[test]
fn help_and_version_answer_without_a_window() {
    let (_dir, db) = temp_db();
    let help = handbill(&db, &["--help"]);
    assert!(help.status.success(), "--help succeeds: {}", stderr(&help));
    for word in ["demo", "branch", "--db"] {
        assert!(
            stdout(&help).contains(word),
            "--help mentions {word}:\n{}",
            stdout(&help)
        );
    }
    let version = handbill(&db, &["--version"]);
    assert!(version.status.success(), "--version succeeds");
    assert_eq!(
        stdout(&version).trim(),
        format!("handbill {}", env!("CARGO_PKG_VERSION")),
        "--version prints the package version"
    );
    assert!(
        !db.exists(),
        "--help and --version do not create a database"
    );
}

#[test]
fn demo_fills_the_sample_once_and_running_it_again_changes_nothing() {
    let (_dir, db) = temp_db();
    let first = handbill(&db, &["demo"]);
    assert!(first.status.success(), "demo succeeds: {}", stderr(&first));
    assert!(
        stdout(&first).contains("Loaded the sample branch"),
        "demo says what it did: {}",
        stdout(&first)
    );
    let shown = handbill(&db, &["branch", "show", "--json"]);
    let before: serde_json::Value =
        serde_json::from_slice(&shown.stdout).expect("branch show --json is JSON");
    assert_eq!(
        before["short_name"], "ISO-Boston",
        "the sample branch is there"
    );
    assert_eq!(
        before["time_zone"], "America/New_York",
        "with its time zone"
    );
    assert_eq!(before["logo"]["media_type"], "image/png", "and its logo");

    let second = handbill(&db, &["demo"]);
    assert!(
        second.status.success(),
        "demo runs again: {}",
        stderr(&second)
    );
    assert!(
        stdout(&second).contains("nothing changed"),
        "the second run says so: {}",
        stdout(&second)
    );
    let after: serde_json::Value =
        serde_json::from_slice(&handbill(&db, &["branch", "show", "--json"]).stdout).unwrap();
    assert_eq!(
        before, after,
        "the second run changed nothing, timestamps included"
    );
}

#[test]
fn branch_set_changes_a_field_named_by_its_json_key() {
    let (_dir, db) = temp_db();
    let set = handbill(&db, &["branch", "set", "name", "Dorchester Branch"]);
    assert!(
        set.status.success(),
        "setting the name creates the branch: {}",
        stderr(&set)
    );
    let shown: serde_json::Value =
        serde_json::from_slice(&handbill(&db, &["branch", "show", "--json"]).stdout).unwrap();
    let keys: Vec<String> = shown.as_object().unwrap().keys().cloned().collect();
    for key in [
        "name",
        "short_name",
        "city",
        "contact_email",
        "website",
        "time_zone",
        "languages",
    ] {
        let value = match key {
            "website" => "example.org/dorchester",
            "time_zone" => "America/Chicago",
            "languages" => "en,es,pt-BR",
            "contact_email" => "dot@example.org",
            _ => "Dorchester",
        };
        let out = handbill(&db, &["branch", "set", key, value]);
        assert!(
            out.status.success(),
            "branch set {key} works: {}",
            stderr(&out)
        );
        assert!(
            keys.contains(&key.to_owned()),
            "{key} is a key of branch show --json"
        );
    }
    let shown: serde_json::Value =
        serde_json::from_slice(&handbill(&db, &["branch", "show", "--json"]).stdout).unwrap();
    assert_eq!(
        shown["website"], "https://example.org/dorchester",
        "the website was normalized"
    );
    assert_eq!(
        shown["languages"],
        serde_json::json!(["en", "es", "pt-BR"]),
        "the languages were split"
    );
    let text = stdout(&handbill(&db, &["branch", "show"]));
    assert!(
        text.contains("Time zone      America/Chicago"),
        "the plain view is aligned:\n{text}"
    );
}

#[test]
fn bad_input_gets_a_clear_message_a_nonzero_exit_and_changes_nothing() {
    let (dir, db) = temp_db();
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );
    let before = stdout(&handbill(&db, &["branch", "show", "--json"]));

    let cases: &[(&[&str], &str, i32)] = &[
        (
            &["branch", "set", "contact_email", "boston at example"],
            "is not an email address",
            2,
        ),
        (
            &["branch", "set", "time_zone", "Mars/Olympus_Mons"],
            "is not a time zone",
            2,
        ),
        (
            &["branch", "set", "website", "ftp://example.org"],
            "must start with https://",
            2,
        ),
        (
            &["branch", "set", "colour", "red"],
            "no branch field called",
            2,
        ),
        (
            &["branch", "set", "logo", "/no/such/file.png"],
            "Cannot read the logo file",
            2,
        ),
        (&["branch", "set", "logo", "Cargo.toml"], "PNG or JPEG", 2),
    ];
    for (args, message, code) in cases {
        let out = handbill(&db, args);
        assert_eq!(
            out.status.code(),
            Some(*code),
            "{args:?} exits with {code}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains(message),
            "{args:?} says “{message}”: {}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty(), "{args:?} prints nothing on stdout");
    }
    let after = stdout(&handbill(&db, &["branch", "show", "--json"]));
    assert_eq!(
        before, after,
        "none of the rejected changes reached the database"
    );

    let unknown = handbill(&db, &["frobnicate"]);
    assert_eq!(
        unknown.status.code(),
        Some(2),
        "an unknown subcommand exits with 2"
    );
    assert!(
        stderr(&unknown).contains("unrecognized subcommand 'frobnicate'"),
        "{}",
        stderr(&unknown)
    );

    let empty = dir.path().join("empty.sqlite");
    let out = handbill(&empty, &["branch", "show"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "showing a missing branch exits with 3"
    );
    assert!(
        stderr(&out).contains("has no branch yet"),
        "it says how to make one: {}",
        stderr(&out)
    );
}

#[test]
fn unusable_database_files_are_refused_with_their_reason() {
    let (dir, db) = temp_db();
    std::fs::write(&db, "meeting notes").unwrap();
    let out = handbill(&db, &["branch", "show"]);
    assert_eq!(out.status.code(), Some(4), "a text file exits with 4");
    assert!(
        stderr(&out).contains("is not a Handbill database"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&db).unwrap(),
        "meeting notes",
        "the text file is unchanged"
    );

    let out = handbill(Path::new("/dev/null/branch.sqlite"), &["demo"]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "an unwritable place exits with 5: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("Cannot create the folder /dev/null"),
        "{}",
        stderr(&out)
    );

    let newer = dir.path().join("newer.sqlite");
    assert!(handbill(&newer, &["demo"]).status.success());
    let mut bytes = std::fs::read(&newer).unwrap();
    bytes[60..64].copy_from_slice(&99u32.to_be_bytes());
    std::fs::write(&newer, &bytes).unwrap();
    let out = handbill(&newer, &["branch", "show"]);
    assert_eq!(out.status.code(), Some(4), "a newer database exits with 4");
    assert!(
        stderr(&out).contains("newer version of Handbill"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(&newer).unwrap(),
        bytes,
        "the newer file is unchanged"
    );
}

#[test]
fn the_database_is_found_through_handbill_db() {
    let (_dir, db) = temp_db();
    let out = Command::new(env!("CARGO_BIN_EXE_handbill"))
        .env("HANDBILL_ENCRYPT", "0")
        .args(["demo"])
        .env("HANDBILL_DB", &db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "demo with HANDBILL_DB works: {}",
        stderr(&out)
    );
    assert!(
        db.exists(),
        "the database was made where HANDBILL_DB points"
    );
}

#[test]
fn without_a_display_the_window_is_refused_with_a_message_not_a_panic() {
    let (_dir, db) = temp_db();
    let out = handbill(&db, &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "no display exits with 1: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("no display"),
        "it says why: {}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("panicked"),
        "it does not panic: {}",
        stderr(&out)
    );
}

#[test]
fn backup_restore_and_hand_over_from_the_command_line() {
    let (dir, db) = temp_db();
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );
    let copy = dir.path().join("copy.sqlite");
    let out = handbill(&db, &["backup", "-o", copy.to_str().unwrap()]);
    assert!(out.status.success(), "backup -o works: {}", stderr(&out));
    assert!(copy.exists(), "the backup file was written");

    assert!(handbill(&db, &["branch", "set", "city", "Cambridge, MA"])
        .status
        .success());
    let out = handbill(&db, &["restore", copy.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "restore without a terminal needs --yes: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("--yes"),
        "it says to pass --yes: {}",
        stderr(&out)
    );
    let city = |db: &Path| -> serde_json::Value {
        serde_json::from_slice::<serde_json::Value>(
            &handbill(db, &["branch", "show", "--json"]).stdout,
        )
        .unwrap()["city"]
            .clone()
    };
    assert_eq!(
        city(&db),
        "Cambridge, MA",
        "nothing was restored without --yes"
    );

    let out = handbill(&db, &["restore", copy.to_str().unwrap(), "--yes"]);
    assert!(
        out.status.success(),
        "restore --yes works: {}",
        stderr(&out)
    );
    assert_eq!(city(&db), "Boston, MA", "the backup's data is back");
    let listed = stdout(&handbill(&db, &["backups"]));
    assert!(
        listed.contains("before_restore"),
        "the replaced data is listed as a backup:\n{listed}"
    );

    let out = handbill(&db, &["restore", "Cargo.toml", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "a file that is not a database is refused: {}",
        stderr(&out)
    );

    let export = dir.path().join("branch.handbill");
    let out = handbill(&db, &["export", "-o", export.to_str().unwrap()]);
    assert!(out.status.success(), "export works: {}", stderr(&out));
    let other = dir.path().join("other-machine.sqlite");
    let out = handbill(&other, &["import-branch", export.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "import-branch works: {}",
        stderr(&out)
    );
    assert_eq!(
        stdout(&handbill(&other, &["branch", "show", "--json"])),
        stdout(&handbill(&db, &["branch", "show", "--json"])),
        "the imported branch is the exported one"
    );
    let truncated = dir.path().join("truncated.handbill");
    let bytes = std::fs::read(&export).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let out = handbill(
        &dir.path().join("third.sqlite"),
        &["import-branch", truncated.to_str().unwrap()],
    );
    assert_eq!(
        out.status.code(),
        Some(4),
        "a truncated export is refused: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("truncated or damaged"),
        "it says why: {}",
        stderr(&out)
    );
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/csv")
        .join(name)
}

#[test]
fn lists_are_created_and_listed_and_names_are_unique() {
    let (_dir, db) = temp_db();
    let created = handbill(&db, &["list", "create", "Announcements"]);
    assert!(
        created.status.success(),
        "list create succeeds: {}",
        stderr(&created)
    );
    assert!(
        stdout(&created).contains("Created the list “Announcements”"),
        "it says so: {}",
        stdout(&created)
    );
    let again = handbill(&db, &["list", "create", "announcements"]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "a name taken in another case is invalid input"
    );
    assert!(
        stderr(&again).contains("already a list called “Announcements”"),
        "the message names the list: {}",
        stderr(&again)
    );
    handbill(&db, &["list", "create", "Volunteers"]);
    let ls = handbill(&db, &["list", "ls"]);
    let text = stdout(&ls);
    assert!(
        text.contains("Announcements") && text.contains("Volunteers"),
        "list ls shows both lists:\n{text}"
    );
    assert!(
        text.lines().next().unwrap().contains("subscribed"),
        "with a header of counts:\n{text}"
    );
}

#[test]
fn import_dry_run_then_import_count_unsubscribe_and_export_from_the_terminal() {
    let (dir, db) = temp_db();
    handbill(&db, &["list", "create", "Announcements"]);
    let sheet = fixture("signup-sheet.csv");
    let sheet = sheet.to_str().unwrap();

    let dry = handbill(
        &db,
        &[
            "subscribers",
            "import",
            sheet,
            "--list",
            "Announcements",
            "--dry-run",
        ],
    );
    assert!(dry.status.success(), "a dry run succeeds: {}", stderr(&dry));
    assert!(
        stdout(&dry).contains("4 imported, 0 merged, 3 rejected (dry run: nothing was saved)"),
        "it reports what would happen:\n{}",
        stdout(&dry)
    );
    assert_eq!(
        stdout(&handbill(
            &db,
            &["subscribers", "count", "--list", "Announcements"]
        ))
        .trim(),
        "0",
        "the dry run saved nobody"
    );

    let report = dir.path().join("report.csv");
    let real = handbill(
        &db,
        &[
            "subscribers",
            "import",
            sheet,
            "--list",
            "Announcements",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert!(
        real.status.success(),
        "the import succeeds: {}",
        stderr(&real)
    );
    let out = stdout(&real);
    assert!(
        out.contains("line 4: rejected: “not-an-address” is not an email address"),
        "rejected rows are listed with their line:\n{out}"
    );
    assert!(
        out.contains("line 6: rejected: Duplicate: the same address is on line 2"),
        "the duplicate is listed:\n{out}"
    );
    let saved = std::fs::read_to_string(&report).expect("the report file was written");
    assert_eq!(
        saved.lines().count(),
        8,
        "the saved report has the header and one line per row:\n{saved}"
    );

    assert_eq!(
        stdout(&handbill(
            &db,
            &["subscribers", "count", "--list", "Announcements"]
        ))
        .trim(),
        "4",
        "four people would be reached"
    );
    assert_eq!(
        stdout(&handbill(
            &db,
            &[
                "subscribers",
                "count",
                "--list",
                "Announcements",
                "--segment",
                "tag=volunteer"
            ]
        ))
        .trim(),
        "3",
        "a segment narrows the count to the three volunteers"
    );

    let unsub = handbill(
        &db,
        &[
            "subscribers",
            "unsubscribe",
            "BEN.BROOKS@example.org",
            "nobody@example.org",
            "--list",
            "Announcements",
        ],
    );
    assert!(
        unsub.status.success(),
        "unsubscribe succeeds: {}",
        stderr(&unsub)
    );
    assert!(
        stdout(&unsub).contains("Unsubscribed: ben.brooks@example.org"),
        "Ben is unsubscribed whatever the case:\n{}",
        stdout(&unsub)
    );
    assert!(
        stdout(&unsub)
            .contains("Not subscribers (recorded, so no import adds them): nobody@example.org"),
        "the stranger is reported:\n{}",
        stdout(&unsub)
    );
    let again = handbill(
        &db,
        &["subscribers", "import", sheet, "--list", "Announcements"],
    );
    assert!(
        stdout(&again).contains("1 of them had left the list and stay off it"),
        "the re-import keeps Ben off:\n{}",
        stdout(&again)
    );
    assert_eq!(
        stdout(&handbill(
            &db,
            &["subscribers", "count", "--list", "Announcements"]
        ))
        .trim(),
        "3",
        "three people would be reached"
    );

    let out_file = dir.path().join("volunteers.csv");
    let export = handbill(
        &db,
        &[
            "subscribers",
            "export",
            "--list",
            "Announcements",
            "--segment",
            "tag=volunteer",
            "-o",
            out_file.to_str().unwrap(),
        ],
    );
    assert!(
        export.status.success(),
        "export succeeds: {}",
        stderr(&export)
    );
    let csv = std::fs::read_to_string(&out_file).unwrap();
    assert!(
        csv.starts_with(
            "email,name,first_name,language,city,postal_code,phone,tags,notes,status,since\n"
        ),
        "the export has a header:\n{csv}"
    );
    assert_eq!(
        csv.lines().count(),
        3,
        "the volunteer segment without Ben holds Ana and Deshawn:\n{csv}"
    );
    assert!(
        !csv.contains("ben.brooks"),
        "the unsubscribed Ben is not exported:\n{csv}"
    );
}

#[test]
fn import_errors_say_what_is_wrong_with_the_exit_code_for_the_kind_of_failure() {
    let (_dir, db) = temp_db();
    let missing_list = handbill(
        &db,
        &[
            "subscribers",
            "import",
            fixture("signup-sheet.csv").to_str().unwrap(),
            "--list",
            "Nope",
        ],
    );
    assert_eq!(
        missing_list.status.code(),
        Some(3),
        "a missing list is exit code 3"
    );
    assert!(
        stderr(&missing_list).contains("handbill list create"),
        "the message says how to create it: {}",
        stderr(&missing_list)
    );
    handbill(&db, &["list", "create", "Announcements"]);
    let binary = handbill(
        &db,
        &[
            "subscribers",
            "import",
            fixture("binary-data.csv").to_str().unwrap(),
            "--list",
            "Announcements",
        ],
    );
    assert_eq!(
        binary.status.code(),
        Some(2),
        "a binary file is invalid input"
    );
    assert!(
        stderr(&binary).contains("binary data"),
        "the message says why: {}",
        stderr(&binary)
    );
    assert!(!stderr(&binary).contains("panicked"), "no panic");
    let absent = handbill(
        &db,
        &[
            "subscribers",
            "import",
            "/no/such/file.csv",
            "--list",
            "Announcements",
        ],
    );
    assert_eq!(
        absent.status.code(),
        Some(2),
        "a missing file is invalid input"
    );
    assert!(
        stderr(&absent).contains("Cannot read /no/such/file.csv"),
        "the message names the file: {}",
        stderr(&absent)
    );
}

#[test]
fn events_are_listed_shown_exported_and_imported_from_the_terminal() {
    let (dir, db) = temp_db();
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );

    let list = handbill(&db, &["event", "list", "--json"]);
    assert!(
        list.status.success(),
        "event list --json succeeds: {}",
        stderr(&list)
    );
    let all: Vec<serde_json::Value> =
        serde_json::from_slice(&list.stdout).expect("event list --json is a JSON array");
    assert!(
        all.len() >= 8,
        "the sample's events and tour stops are listed: {}",
        all.len()
    );
    for e in &all {
        for key in ["id", "title", "starts_at", "status"] {
            assert!(e.get(key).is_some(), "every event has {key}: {e}");
        }
    }
    let rally = all
        .iter()
        .find(|e| e["kind"] == "rally")
        .expect("the sample's rally is listed");
    assert_eq!(
        rally["starts_at"], "2027-01-30T17:00:00Z",
        "the rally starts at noon in Boston, as UTC"
    );
    let study = all
        .iter()
        .find(|e| e["status"] == "rescheduled")
        .expect("the rescheduled study group is listed");
    let tba = all
        .iter()
        .find(|e| e["starts_at"].is_null())
        .expect("a tour stop with its date to be announced");
    assert!(
        tba["tour_id"].is_number(),
        "the stop without a date belongs to a tour"
    );

    let text = handbill(&db, &["event", "list"]);
    assert!(
        stdout(&text).contains("date to be announced"),
        "the plain list says which dates are not known:\n{}",
        stdout(&text)
    );

    let id = study["id"].to_string();
    let shown = handbill(&db, &["event", "show", &id]);
    assert!(
        shown.status.success(),
        "event show succeeds: {}",
        stderr(&shown)
    );
    assert!(
        stdout(&shown).contains("storm"),
        "the history with its reason is shown:\n{}",
        stdout(&shown)
    );

    // JSON out, JSON in: the same event in another branch file.
    let json = handbill(&db, &["event", "show", &id, "--json"]);
    let exported: serde_json::Value =
        serde_json::from_slice(&json.stdout).expect("event show --json is JSON");
    assert_eq!(
        exported["format"], "handbill-event",
        "the exchange format names itself"
    );
    let file = dir.path().join("study.json");
    std::fs::write(&file, &json.stdout).unwrap();
    let other = dir.path().join("other.sqlite");
    let imported = handbill(&other, &["event", "import", file.to_str().unwrap()]);
    assert!(
        imported.status.success(),
        "event import reads the JSON back: {}",
        stderr(&imported)
    );
    let again = handbill(&other, &["event", "show", "1", "--json"]);
    let mut a: serde_json::Value =
        serde_json::from_slice(&again.stdout).expect("the imported event shows as JSON");
    let mut b = exported.clone();
    for v in [&mut a, &mut b] {
        v["event"].as_object_mut().map(|o| o.remove("id"));
    }
    assert_eq!(a, b, "the event comes back unchanged");

    // A tour as .ics, read by the import on another file.
    let tour = tba["tour_id"].to_string();
    let ics = dir.path().join("tour.ics");
    let out = handbill(
        &db,
        &[
            "event",
            "export-ics",
            "--tour",
            &tour,
            "-o",
            ics.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "export-ics --tour succeeds: {}",
        stderr(&out)
    );
    let body = std::fs::read_to_string(&ics).expect("the .ics file is written");
    assert!(
        body.starts_with("BEGIN:VCALENDAR"),
        "it is an iCalendar file"
    );
    assert_eq!(
        body.matches("BEGIN:VEVENT").count(),
        2,
        "the two dated stops are in it"
    );
    let third = dir.path().join("third.sqlite");
    let back = handbill(&third, &["event", "import", ics.to_str().unwrap()]);
    assert!(back.status.success(), "the .ics imports: {}", stderr(&back));
    assert!(
        stdout(&back).contains("Imported 2 events"),
        "two events came in: {}",
        stdout(&back)
    );

    let all_ics = dir.path().join("all.ics");
    assert!(
        handbill(
            &db,
            &[
                "event",
                "export-ics",
                "--all",
                "-o",
                all_ics.to_str().unwrap()
            ]
        )
        .status
        .success(),
        "export-ics --all succeeds"
    );
    assert!(
        std::fs::read_to_string(&all_ics)
            .unwrap()
            .contains("STATUS:CONFIRMED"),
        "announced events are confirmed"
    );

    let listing = handbill(&db, &["event", "listing", "--tour", &tour]);
    assert!(
        stdout(&listing).contains("Meetings near you"),
        "the tour listing names its stops:\n{}",
        stdout(&listing)
    );
    let html = handbill(&db, &["event", "listing", "--html"]);
    assert!(
        stdout(&html).contains("<h"),
        "the HTML listing has headings"
    );
}

#[test]
fn bad_event_files_and_ids_get_a_clear_message_and_change_nothing() {
    let (dir, db) = temp_db();
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );
    let before = stdout(&handbill(&db, &["event", "list", "--json"]));

    let bad_ics = dir.path().join("bad.ics");
    std::fs::write(
        &bad_ics,
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Half a file\r\n",
    )
    .unwrap();
    let out = handbill(&db, &["event", "import", bad_ics.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a malformed .ics is invalid input: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("Line 2"),
        "the message names the line: {}",
        stderr(&out)
    );

    let bad_json = dir.path().join("bad.json");
    std::fs::write(
        &bad_json,
        "{\"format\": \"handbill-event\",\n \"version\": }",
    )
    .unwrap();
    let out = handbill(&db, &["event", "import", bad_json.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "malformed JSON is invalid input"
    );
    assert!(
        stderr(&out).contains("Line 2"),
        "the message names the line: {}",
        stderr(&out)
    );

    let binary = dir.path().join("photo.ics");
    std::fs::write(&binary, [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]).unwrap();
    let out = handbill(&db, &["event", "import", binary.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a binary file is invalid input: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("not UTF-8"),
        "the message says why: {}",
        stderr(&out)
    );

    let out = handbill(&db, &["event", "show", "9999"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "an unknown event is not found: {}",
        stderr(&out)
    );
    let out = handbill(
        &db,
        &[
            "event",
            "export-ics",
            "1",
            "-o",
            "/nonexistent-folder/x.ics",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(5),
        "an unwritable path is refused as a file-system problem, as for every file Handbill writes: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("/nonexistent-folder"),
        "the message names the folder: {}",
        stderr(&out)
    );
    let out = handbill(&db, &["event", "import", "/nonexistent-folder/x.ics"]);
    assert_ne!(out.status.code(), Some(0), "a missing file fails");
    assert!(
        !stderr(&out).contains("panicked"),
        "no panic: {}",
        stderr(&out)
    );

    assert_eq!(
        stdout(&handbill(&db, &["event", "list", "--json"])),
        before,
        "nothing saved was changed"
    );
}

/// Runs a PDF tool on `pdf` and returns its stdout, failing the test with the tool's stderr.
fn pdf_tool(tool: &str, args: &[&str], pdf: &Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(pdf)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{tool} runs (apt-get install qpdf poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{tool} accepts {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// pdftotext's words joined by single spaces, so wrapped lines still match.
fn pdf_words(pdf: &Path) -> String {
    pdf_tool("pdftotext", &["-layout"], pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn flyer_prints_an_event_in_each_layout_and_paper_with_its_cosponsor() {
    let (dir, db) = temp_db();
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );
    let list = stdout(&handbill(&db, &["event", "list"]));
    let rally = list
        .lines()
        .find(|l| l.contains("Justice4Siham"))
        .and_then(|l| l.split_whitespace().next())
        .expect("the list shows the rally's id")
        .to_owned();
    for (name, extra) in [
        ("full-letter", &[][..]),
        (
            "half-a4-bw",
            &["--layout", "half", "--paper", "a4", "--bw"][..],
        ),
        ("full-tear-offs", &["--tear-offs"][..]),
        // With its Spanish title and description too, the rally no longer fits
        // beside tear-off tabs (that is refused by name), so bilingual alone.
        ("full-bilingual", &["--bilingual", "es"][..]),
    ] {
        let pdf = dir.path().join(format!("rally-{name}.pdf"));
        let mut args = vec!["flyer", rally.as_str(), "-o", pdf.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = handbill(&db, &args);
        assert!(
            out.status.success(),
            "{name}: the flyer is written: {}",
            stderr(&out)
        );
        assert!(
            stdout(&out).contains("Wrote the flyer of"),
            "{name}: it says what it wrote: {}",
            stdout(&out)
        );
        pdf_tool("qpdf", &["--check"], &pdf);
        let text = pdf_words(&pdf);
        for field in [
            "#Justice4Siham & #Justice4Naseem Rally",
            "Saturday, January 30, 2027",
            "Justice4Siham Coalition",
            "Co-sponsored by",
        ] {
            assert!(
                text.contains(field),
                "{name}: pdftotext finds {field:?} in:\n{text}"
            );
        }
        assert!(
            !text.contains("Nahant Neighbors"),
            "{name}: the co-sponsor only asked is not printed"
        );
        if name.contains("bilingual") {
            assert!(
                text.contains("exigimos que:"),
                "{name}: the Spanish demands are printed:\n{text}"
            );
            assert!(
                text.contains("Manifestación por #Justice4Siham"),
                "{name}: the Spanish title is printed:\n{text}"
            );
        } else {
            assert!(
                !text.contains("Manifestación"),
                "{name}: without --bilingual the Spanish title is not printed"
            );
        }
    }
}

#[test]
fn flyer_prints_a_tour_as_a_poster_or_one_page_per_stop() {
    let (dir, db) = temp_db();
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );
    let poster = dir.path().join("poster.pdf");
    let out = handbill(
        &db,
        &[
            "flyer",
            "--tour",
            "1",
            "--layout",
            "poster",
            "-o",
            poster.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "the poster is written: {}",
        stderr(&out)
    );
    pdf_tool("qpdf", &["--check"], &poster);
    let text = pdf_words(&poster);
    assert!(
        // The stop with neither date nor place, in the listing's words (issue 17).
        text.contains("Meetings near you") && text.contains("Date and place coming soon"),
        "the poster lists every stop:\n{text}"
    );
    let stops = dir.path().join("stops.pdf");
    let out = handbill(
        &db,
        &["flyer", "--tour", "1", "-o", stops.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "the stops are written: {}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("3 flyers"),
        "it says how many flyers: {}",
        stdout(&out)
    );
    let info = pdf_tool("pdfinfo", &[], &stops);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.trim_end().ends_with(" 3")),
        "one page per stop:\n{info}"
    );
}

#[test]
fn flyer_bad_input_names_the_field_or_path_and_exits_nonzero() {
    let (dir, db) = temp_db();
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );
    let pdf = dir.path().join("x.pdf");
    let p = pdf.to_str().unwrap();
    // Six long demands cannot fit on a quarter sheet.
    let out = handbill(&db, &["flyer", "1", "--layout", "quarter", "-o", p]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a flyer that cannot fit is bad input: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("demands:") && stderr(&out).contains("quarter-sheet"),
        "the message names the field: {}",
        stderr(&out)
    );
    assert!(!pdf.exists(), "no PDF is written when it cannot be made");
    let out = handbill(&db, &["flyer", "1", "-o", "/no/such/folder/x.pdf"]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "an unwritable path is a storage failure: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("/no/such/folder/x.pdf")
            && stderr(&out).contains("folder does not exist"),
        "the message names the path: {}",
        stderr(&out)
    );
    let out = handbill(&db, &["flyer", "999", "-o", p]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "an unknown event is not found: {}",
        stderr(&out)
    );
    let out = handbill(&db, &["flyer", "1", "--layout", "poster", "-o", p]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a poster of one event is refused: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("layout:"),
        "naming the layout: {}",
        stderr(&out)
    );
    // Text the fonts cannot draw is refused, naming the field.
    let id = stdout(&handbill(&db, &["event", "list"]))
        .lines()
        .find(|l| l.contains("Socialists in Solidarity"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned();
    let conn = rusqlite::Connection::open(&db).expect("the database opens");
    conn.execute(
        "UPDATE event SET title = title || ' 团结' WHERE id = ?1",
        [&id],
    )
    .expect("the title is changed");
    drop(conn);
    let out = handbill(&db, &["flyer", &id, "-o", p]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "unprintable text is bad input: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("title:") && stderr(&out).contains("团结"),
        "the message names the field and the text: {}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("panicked"),
        "no panic: {}",
        stderr(&out)
    );
    // An event with no date yet still prints, saying so, with a note on stderr.
    let undated = stdout(&handbill(&db, &["event", "list"]))
        .lines()
        .find(|l| l.contains("date to be announced"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned();
    let out = handbill(&db, &["flyer", &undated, "-o", p]);
    assert!(
        out.status.success(),
        "an undated stop prints: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("has no date yet"),
        "the organizer is told: {}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------------------
// Coalition: `handbill org …`, `handbill cosponsor …`, `handbill demands …`.

/// A CSV file of partner organizations under tests/fixtures/orgs.
fn org_fixture(name: &str) -> std::path::PathBuf {
    fixture("../orgs").join(name)
}

/// The organizations as `org list --json` prints them, parsed.
fn org_list(db: &Path) -> Vec<serde_json::Value> {
    let out = handbill(db, &["org", "list", "--json"]);
    assert!(
        out.status.success(),
        "org list --json succeeds: {}",
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).expect("org list --json is a JSON array")
}

/// The id of the organization named `name` in `org list --json`.
fn org_id(db: &Path, name: &str) -> String {
    org_list(db)
        .iter()
        .find(|o| o["name"] == name)
        .unwrap_or_else(|| panic!("{name} is in org list"))["id"]
        .to_string()
}

#[test]
fn org_list_and_show_give_the_sample_coalition() {
    let (_dir, db) = temp_db();
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );
    let all = org_list(&db);
    let names: Vec<&str> = all.iter().filter_map(|o| o["name"].as_str()).collect();
    for name in [
        "Justice4Siham Coalition",
        "Nahant Neighbors for Immigrant Rights",
        "Students for Sanctuary at UMass Boston",
    ] {
        assert!(
            names.contains(&name),
            "the sample organization {name} is listed: {names:?}"
        );
    }
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted, "organizations are listed by name");
    for o in &all {
        for key in ["id", "name", "kind", "website", "tags", "contacts"] {
            assert!(o.get(key).is_some(), "every organization has {key}: {o}");
        }
    }
    let text = stdout(&handbill(&db, &["org", "list"]));
    assert!(
        text.contains("Justice4Siham Coalition") && text.contains("community_organization"),
        "the plain list shows names and kinds:\n{text}"
    );

    let nahant = org_id(&db, "Nahant Neighbors for Immigrant Rights");
    let shown = handbill(&db, &["org", "show", &nahant]);
    assert!(
        shown.status.success(),
        "org show succeeds: {}",
        stderr(&shown)
    );
    let text = stdout(&shown);
    for part in [
        "Nahant Neighbors for Immigrant Rights",
        "Dana Whitfield",
        "History with the branch:",
        "asked",
        "#Justice4Siham & #Justice4Naseem Rally",
    ] {
        assert!(text.contains(part), "org show gives {part:?}:\n{text}");
    }
    let json = handbill(&db, &["org", "show", &nahant, "--json"]);
    let o: serde_json::Value =
        serde_json::from_slice(&json.stdout).expect("org show --json is JSON");
    assert_eq!(
        o["contacts"][0]["name"], "Dana Whitfield",
        "the contact is in the JSON"
    );
    assert_eq!(
        o["history"][0]["status"], "asked",
        "and the history with its status"
    );

    let missing = handbill(&db, &["org", "show", "9999"]);
    assert_eq!(
        missing.status.code(),
        Some(3),
        "an unknown organization is not found: {}",
        stderr(&missing)
    );
    assert!(
        stderr(&missing).contains("no organization number 9999"),
        "the message names the id: {}",
        stderr(&missing)
    );
}

#[test]
fn org_import_takes_the_good_rows_reports_the_others_and_dry_run_saves_nothing() {
    let (_dir, db) = temp_db();
    let sheet = org_fixture("coalition-sheet.csv");
    let dry = handbill(
        &db,
        &["org", "import", sheet.to_str().unwrap(), "--dry-run"],
    );
    assert!(dry.status.success(), "a dry run succeeds: {}", stderr(&dry));
    let text = stdout(&dry);
    assert!(
        text.contains("3 would be imported, 7 would not be taken")
            && text.contains("Nothing was saved"),
        "the dry run says what would happen:\n{text}"
    );
    assert!(org_list(&db).is_empty(), "the dry run saved nothing");

    let real = handbill(&db, &["org", "import", sheet.to_str().unwrap()]);
    assert!(
        real.status.success(),
        "the import succeeds with rows not taken: {}",
        stderr(&real)
    );
    let text = stdout(&real);
    assert!(
        text.contains("Imported 3 of 10 rows"),
        "it counts what came in:\n{text}"
    );
    for (line, why) in [
        ("line 6: (no name)", "no organization name"),
        ("line 7: “Bad Email Collective”", "not an email address"),
        ("line 8: “Bad Site Group”", "not a web address"),
        (
            "line 9: “justice 4 siham coalition”",
            "Line 2 already has this organization",
        ),
        (
            "line 10: “Same Site Twice”",
            "Line 5 already has the website",
        ),
        ("line 11: “Unknown Kind Club”", "not a kind Handbill knows"),
        ("line 12: “Contact Without Name”", "not the contact's name"),
    ] {
        let row = text
            .lines()
            .find(|l| l.contains(line))
            .unwrap_or_else(|| panic!("the report has {line}:\n{text}"));
        assert!(row.contains(why), "{line} says why ({why}): {row}");
    }
    let all = org_list(&db);
    let names: Vec<&str> = all.iter().filter_map(|o| o["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "Boston Teachers Local 66",
            "Justice4Siham Coalition",
            "Students for Sanctuary"
        ],
        "the three good rows are saved"
    );
    let j4s = all
        .iter()
        .find(|o| o["name"] == "Justice4Siham Coalition")
        .unwrap();
    assert_eq!(
        j4s["contacts"][0]["name"], "Amina Rahal",
        "the row's contact came with it"
    );
    assert_eq!(
        j4s["notes"], "Co-hosts rallies\nat the JFK building",
        "a quoted multi-line note is kept whole"
    );

    // Again: every row is now known, none is imported twice.
    let again = handbill(&db, &["org", "import", sheet.to_str().unwrap()]);
    assert!(
        stdout(&again).contains("Imported 0 of 10 rows"),
        "nothing is imported twice:\n{}",
        stdout(&again)
    );
    assert!(
        stdout(&again).contains("Already known"),
        "the known ones are reported:\n{}",
        stdout(&again)
    );
    assert_eq!(org_list(&db).len(), 3, "still three organizations");

    // Latin-1 with semicolons and UTF-8 with a BOM and CRLF read as text.
    for (file, name) in [
        ("latin1-semicolon.csv", "María José Peña"),
        ("utf8-bom-crlf.csv", "Unidos Faith Circle"),
    ] {
        let out = handbill(&db, &["org", "import", org_fixture(file).to_str().unwrap()]);
        assert!(out.status.success(), "{file} imports: {}", stderr(&out));
        let json = stdout(&handbill(&db, &["org", "list", "--json"]));
        assert!(
            json.contains(name),
            "{file}: {name} arrives intact:\n{json}"
        );
    }
}

#[test]
fn org_import_of_a_bad_csv_says_why_and_changes_nothing() {
    let (_dir, db) = temp_db();
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );
    let before = org_list(&db);

    for (file, words) in [
        (
            "missing-name-column.csv",
            &[
                "no column for the organization's name",
                "Website, Email",
                "“Name” column",
            ][..],
        ),
        (
            "broken-utf8.csv",
            &["not valid UTF-8", "line 4", "Nothing was imported"][..],
        ),
        ("header-only.csv", &["no rows under it"][..]),
    ] {
        for extra in [&[][..], &["--dry-run"][..]] {
            let path = org_fixture(file);
            let mut args = vec!["org", "import", path.to_str().unwrap()];
            args.extend_from_slice(extra);
            let out = handbill(&db, &args);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{file} {extra:?}: a bad file is invalid input: {}",
                stderr(&out)
            );
            for w in words {
                assert!(
                    stderr(&out).contains(w),
                    "{file}: the message says {w:?}: {}",
                    stderr(&out)
                );
            }
            assert!(
                !stderr(&out).contains("panicked"),
                "{file}: no panic: {}",
                stderr(&out)
            );
        }
        assert_eq!(org_list(&db), before, "{file}: nothing saved was changed");
    }

    let absent = handbill(&db, &["org", "import", "/no/such/orgs.csv"]);
    assert_eq!(
        absent.status.code(),
        Some(2),
        "a missing file is invalid input: {}",
        stderr(&absent)
    );
    assert!(
        stderr(&absent).contains("/no/such/orgs.csv"),
        "the message names the file: {}",
        stderr(&absent)
    );

    // Duplicate rows: the first is taken, the repeat reported with the line it repeats.
    let dup = handbill(
        &db,
        &[
            "org",
            "import",
            org_fixture("duplicate-rows.csv").to_str().unwrap(),
        ],
    );
    assert!(
        dup.status.success(),
        "a file with a repeated row imports the rest: {}",
        stderr(&dup)
    );
    let text = stdout(&dup);
    assert!(
        text.contains("Imported 2 of 3 rows"),
        "two of three rows are taken:\n{text}"
    );
    assert!(
        text.contains("line 4: “Repeat Org” — Line 2 already has this organization"),
        "the repeat is reported with its line:\n{text}"
    );
    let after = org_list(&db);
    assert_eq!(
        after.len(),
        before.len() + 2,
        "two organizations were added"
    );
    assert_eq!(
        after.iter().filter(|o| o["name"] == "Repeat Org").count(),
        1,
        "the repeated one only once"
    );
    for o in &before {
        assert!(
            after.contains(o),
            "what was saved before is unchanged: {}",
            o["name"]
        );
    }
}

#[test]
fn cosponsor_set_confirms_an_organization_and_the_listing_names_only_confirmed_ones() {
    let (_dir, db) = temp_db();
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );
    let events: Vec<serde_json::Value> =
        serde_json::from_slice(&handbill(&db, &["event", "list", "--json"]).stdout).unwrap();
    let rally = events
        .iter()
        .find(|e| e["kind"] == "rally")
        .expect("the sample rally")["id"]
        .to_string();
    let students = org_id(&db, "Students for Sanctuary at UMass Boston");

    let out = handbill(
        &db,
        &[
            "cosponsor",
            "set",
            &rally,
            &students,
            "asked",
            "--note",
            "Asked at their Tuesday meeting",
            "--date",
            "2027-01-15",
        ],
    );
    assert!(out.status.success(), "asking succeeds: {}", stderr(&out));
    let listing = stdout(&handbill(&db, &["event", "listing"]));
    assert!(
        !listing.contains("Students for Sanctuary"),
        "an organization only asked is not listed:\n{listing}"
    );

    let out = handbill(&db, &["cosponsor", "set", &rally, &students, "Confirmed"]);
    assert!(
        out.status.success(),
        "confirming succeeds: {}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("Students for Sanctuary at UMass Boston is now confirmed"),
        "it says what changed: {}",
        stdout(&out)
    );
    let listing = stdout(&handbill(&db, &["event", "listing"]));
    let line = listing
        .lines()
        .find(|l| l.starts_with("Co-sponsored by"))
        .unwrap_or_else(|| panic!("the rally names its co-sponsors:\n{listing}"));
    assert!(
        line.contains("Justice4Siham Coalition")
            && line.contains("Students for Sanctuary at UMass Boston"),
        "both confirmed ones are listed: {line}"
    );
    assert!(
        !listing.contains("Nahant Neighbors"),
        "the one only asked is not:\n{listing}"
    );

    let shown = stdout(&handbill(&db, &["org", "show", &students]));
    assert!(
        shown.contains("2027-01-15 asked: Asked at their Tuesday meeting"),
        "the step keeps its date and note:\n{shown}"
    );
    assert!(
        shown.contains("confirmed"),
        "and the confirmation:\n{shown}"
    );
}

#[test]
fn cosponsor_set_refuses_a_bad_status_or_transition_and_changes_nothing() {
    let (_dir, db) = temp_db();
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );
    let j4s = org_id(&db, "Justice4Siham Coalition");
    let nahant = org_id(&db, "Nahant Neighbors for Immigrant Rights");
    let before = stdout(&handbill(&db, &["org", "show", &j4s, "--json"]));

    let out = handbill(&db, &["cosponsor", "set", "1", &nahant, "maybe"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown status is invalid input: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("“maybe” is not a co-sponsorship status")
            && stderr(&out).contains("prospect, asked, confirmed, declined, withdrawn"),
        "the message lists the statuses: {}",
        stderr(&out)
    );

    let out = handbill(&db, &["cosponsor", "set", "1", &j4s, "prospect"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "going back to prospect is refused: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("cannot go back to prospect")
            && stderr(&out).contains("confirmed → prospect"),
        "the message names the transition: {}",
        stderr(&out)
    );

    let out = handbill(
        &db,
        &[
            "cosponsor",
            "set",
            "1",
            &j4s,
            "confirmed",
            "--date",
            "January 3",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "a malformed date is invalid input: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("date"),
        "the message names the date: {}",
        stderr(&out)
    );

    let out = handbill(&db, &["cosponsor", "set", "9999", &j4s, "asked"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "an unknown event is not found: {}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("panicked"),
        "no panic: {}",
        stderr(&out)
    );
    assert_eq!(
        stdout(&handbill(&db, &["org", "show", &j4s, "--json"])),
        before,
        "the confirmed co-sponsorship is unchanged"
    );
}

#[test]
fn demands_list_and_show_give_versions_and_translations() {
    let (_dir, db) = temp_db();
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );
    let out = handbill(&db, &["demands", "list", "--json"]);
    assert!(
        out.status.success(),
        "demands list --json succeeds: {}",
        stderr(&out)
    );
    let lists: Vec<serde_json::Value> =
        serde_json::from_slice(&out.stdout).expect("demands list --json is a JSON array");
    let list = lists
        .iter()
        .find(|l| l["title"] == "#Justice4Siham & #Justice4Naseem demands")
        .expect("the sample's demand list");
    assert_eq!(list["demands"], 6, "it has six demands");
    assert_eq!(list["latest_version"], 1, "in its first version");
    let id = list["id"].to_string();

    let out = handbill(&db, &["demands", "show", &id, "--version", "1", "--json"]);
    assert!(
        out.status.success(),
        "demands show --version 1 succeeds: {}",
        stderr(&out)
    );
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("demands show --json is JSON");
    assert_eq!(v["number"], 1, "version 1 is shown");
    assert_eq!(
        v["intro"], "In solidarity with Siham and Naseem, we demand that:",
        "with its intro sentence"
    );
    let numbers: Vec<i64> = v["demands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["number"].as_i64().unwrap())
        .collect();
    assert_eq!(
        numbers,
        [1, 2, 3, 4, 5, 6],
        "the demands are numbered in order"
    );
    assert!(
        v["demands"][5]["text"]
            .as_str()
            .unwrap()
            .starts_with("ICE immediately stop"),
        "the sixth demand is the sample's"
    );

    let es = handbill(&db, &["demands", "show", &id, "--language", "es"]);
    assert!(
        es.status.success(),
        "demands show --language es succeeds: {}",
        stderr(&es)
    );
    let text = stdout(&es);
    assert!(
        text.contains("En solidaridad con Siham y Naseem, exigimos que:"),
        "the Spanish intro:\n{text}"
    );
    assert!(
        text.contains("  6. ICE deje de inmediato"),
        "the Spanish demands, numbered:\n{text}"
    );
    assert!(!text.contains("we demand that"), "no English left:\n{text}");

    let out = handbill(&db, &["demands", "show", &id, "--version", "3"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "a missing version is not found: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("has no version 3; its versions are 1 to 1"),
        "the message gives the versions: {}",
        stderr(&out)
    );
    let out = handbill(&db, &["demands", "show", "9999"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "an unknown list is not found: {}",
        stderr(&out)
    );
}

#[test]
fn output_to_a_reader_that_stops_early_is_not_a_panic() {
    let (_dir, db) = temp_db();
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );
    // `handbill org list --json | head -1`: the reader closes before the output is written.
    let mut child = Command::new(env!("CARGO_BIN_EXE_handbill"))
        .env("HANDBILL_ENCRYPT", "0")
        .arg("--db")
        .arg(&db)
        .args(["org", "list", "--json"])
        .env_remove("HANDBILL_DB")
        .env("HANDBILL_LOG_DIR", db.parent().unwrap().join("logs"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the handbill binary runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("handbill finishes");
    assert!(
        !stderr(&out).contains("panicked"),
        "a closed pipe is not a panic: {}",
        stderr(&out)
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "and not a failure: {}",
        stderr(&out)
    );
}
