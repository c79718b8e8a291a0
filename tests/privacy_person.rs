//! A person's data on request (issue 22), through the `handbill` command line
//! on the sample branch in a real SQLite file: `subscribers export-person`
//! gathers the person's rows from every table that names them, and
//! `subscribers forget` erases them so that no byte of the address is left
//! in the branch's file (after its VACUUM) but the salted hash, and no
//! import brings them back.
//!
//! The branch is a plain file (`HANDBILL_ENCRYPT=0`) so its raw bytes can be
//! searched for the address.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// An organization's contact in the sample, made a subscriber too, so one
/// person is in every table that can name them.
const PERSON: &str = "amina@example.org";

fn handbill(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handbill"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("HANDBILL_DB")
        .env("HANDBILL_ENCRYPT", "0")
        .env(
            "HANDBILL_LOG_DIR",
            db.parent().unwrap_or(Path::new("/tmp")).join("logs"),
        )
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .output()
        .expect("the handbill binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = handbill(db, args);
    assert!(
        out.status.success(),
        "handbill {} succeeds: {}",
        args.join(" "),
        text(&out)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The sample branch, with the contact `PERSON` opted in to its list and an
/// announcement written to the outbox for everyone on it (no mail account).
fn branch() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("branch.sqlite");
    ok(&db, &["demo"]);
    ok(
        &db,
        &[
            "subscribers",
            "opt-in",
            PERSON,
            "--list",
            "Announcements",
            "--evidence",
            "signed the sheet at the rally",
        ],
    );
    ok(&db, &["announce", "3", "--list", "Announcements"]);
    (dir, db)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    let needle = needle.to_lowercase();
    haystack
        .to_ascii_lowercase()
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                out.extend(files(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

fn subscribers(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT count(*) FROM subscriber", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn export_person_holds_their_rows_from_every_table_that_names_them() {
    let (dir, db) = branch();
    let target = dir.path().join("amina.json");
    let said = ok(
        &db,
        &[
            "subscribers",
            "export-person",
            PERSON,
            "-o",
            target.to_str().unwrap(),
        ],
    );
    assert!(
        said.contains("not encrypted"),
        "the command says the files are not encrypted: {said}"
    );
    let json: Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(
        json["format"], "handbill-person",
        "the file names its format"
    );
    assert_eq!(
        json["subscriber"]["email"], PERSON,
        "the subscriber's fields are there: {json}"
    );
    let memberships = json["memberships"].as_array().unwrap();
    assert!(
        memberships
            .iter()
            .any(|m| m["list_name"] == "Announcements" && m["status"] == "subscribed"),
        "their list and standing are there: {memberships:?}"
    );
    let ledger = json["ledger"].as_array().unwrap();
    assert!(
        ledger
            .iter()
            .any(|l| l["evidence"] == "signed the sheet at the rally"),
        "the ledger line with its evidence is there: {ledger:?}"
    );
    let deliveries = json["deliveries"].as_array().unwrap();
    assert_eq!(
        deliveries.len(),
        1,
        "the one announcement to them: {deliveries:?}"
    );
    assert_eq!(deliveries[0]["status"], "written", "written to the outbox");
    assert_eq!(deliveries[0]["email"], PERSON);
    let contacts = json["organization_contacts"].as_array().unwrap();
    assert!(
        contacts
            .iter()
            .any(|c| c["organization"] == "Justice4Siham Coalition"),
        "they are an organization's contact too: {contacts:?}"
    );
    let outbox = json["outbox_files"].as_array().unwrap();
    assert_eq!(outbox.len(), 1, "the message written for them: {outbox:?}");
    assert!(
        Path::new(outbox[0].as_str().unwrap()).is_file(),
        "it names a file that is there"
    );
    let readable = std::fs::read_to_string(dir.path().join("amina.txt")).unwrap();
    for part in [
        "Consent ledger",
        "signed the sheet at the rally",
        "Justice4Siham Coalition",
        "Announcements: subscribed",
    ] {
        assert!(
            readable.contains(part),
            "the text holds “{part}”: {readable}"
        );
    }
    let nobody = handbill(
        &db,
        &[
            "subscribers",
            "export-person",
            "nobody.here@example.org",
            "-o",
            dir.path().join("nobody.json").to_str().unwrap(),
        ],
    );
    assert_eq!(
        nobody.status.code(),
        Some(3),
        "an unknown address is not found: {}",
        text(&nobody)
    );
    assert!(
        !dir.path().join("nobody.json").exists(),
        "and no file is written for it"
    );
}

#[test]
fn forget_leaves_no_byte_of_the_address_in_the_file_and_no_import_brings_them_back() {
    let (dir, db) = branch();
    let before = subscribers(&db);
    let file = std::fs::read(&db).unwrap();
    assert!(
        contains(&file, PERSON),
        "the address is in the file before (the search below can find it)"
    );

    // Without a terminal and without --yes, nothing is erased.
    let refused = handbill(
        &db,
        &[
            "subscribers",
            "forget",
            PERSON,
            "--requested-by",
            "her email of 2 December",
        ],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        text(&refused).contains("--yes"),
        "it says what to do: {}",
        text(&refused)
    );
    assert_eq!(subscribers(&db), before, "nothing was erased");
    let with_address = handbill(
        &db,
        &[
            "subscribers",
            "forget",
            PERSON,
            "--requested-by",
            "email from amina@example.org",
            "--yes",
        ],
    );
    assert_eq!(
        with_address.status.code(),
        Some(2),
        "{}",
        text(&with_address)
    );
    assert!(
        text(&with_address).contains("without their address"),
        "a request text holding the address is refused, since it would stay: {}",
        text(&with_address)
    );
    assert_eq!(subscribers(&db), before, "nothing was erased");

    let said = ok(
        &db,
        &[
            "subscribers",
            "forget",
            PERSON,
            "--requested-by",
            "her email of 2 December",
            "--yes",
        ],
    );
    assert!(said.contains("Forgot"), "{said}");
    assert!(
        said.contains("earlier backup"),
        "it says the backups taken before still hold her: {said}"
    );
    assert_eq!(
        subscribers(&db),
        before - 1,
        "she is no longer a subscriber"
    );

    // The branch's file, its log and the outbox hold no byte of the address.
    let branch_files: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("branch.sqlite")
                && p.is_file()
        })
        .collect();
    assert!(branch_files.contains(&db), "the file itself is searched");
    for path in branch_files
        .iter()
        .chain(files(&dir.path().join("branch.sqlite.outbox")).iter())
    {
        let bytes = std::fs::read(path).unwrap();
        assert!(
            !contains(&bytes, PERSON) && !contains(&bytes, "amina@"),
            "{} holds no trace of the address",
            path.display()
        );
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (hashes, line): (i64, String) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM suppression WHERE email_key LIKE 'sha256:%'),
                    (SELECT source FROM consent WHERE email_key LIKE 'sha256:%' AND status = 'deleted' ORDER BY id DESC LIMIT 1)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(hashes, 1, "the salted hash is kept");
    assert!(
        line.contains("her email of 2 December"),
        "one ledger line says on whose request: {line}"
    );
    let written: i64 = conn
        .query_row(
            "SELECT count(*) FROM delivery WHERE status = 'skipped' AND reply = 'Forgotten at their request'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        written, 1,
        "her message never sent is skipped, the count kept"
    );
    drop(conn);

    // An import with her address adds no one, in a list old or new.
    let sheet = dir.path().join("sheet.csv");
    std::fs::write(&sheet, format!("email,name,consent\n{PERSON},Amina,yes\n")).unwrap();
    ok(&db, &["list", "create", "Later"]);
    for list in ["Announcements", "Later"] {
        let said = ok(
            &db,
            &[
                "subscribers",
                "import",
                sheet.to_str().unwrap(),
                "--list",
                list,
            ],
        );
        assert!(said.contains("forgotten"), "the import says why: {said}");
    }
    assert_eq!(subscribers(&db), before - 1, "the import added no one");
    let shown = handbill(&db, &["subscribers", "show", PERSON]);
    assert_eq!(shown.status.code(), Some(3), "{}", text(&shown));
    assert!(
        !contains(&std::fs::read(&db).unwrap(), PERSON),
        "the refused import wrote nothing of the address"
    );

    // A backup taken from now on (the one before the next send) holds no trace of her.
    let backups = files(&dir.path().join("branch.sqlite.backups"));
    ok(&db, &["announce", "2", "--list", "Announcements"]);
    let taken: Vec<PathBuf> = files(&dir.path().join("branch.sqlite.backups"))
        .into_iter()
        .filter(|b| !backups.contains(b))
        .collect();
    assert_eq!(taken.len(), 1, "the send took one backup first");
    assert!(
        !contains(&std::fs::read(&taken[0]).unwrap(), PERSON),
        "a backup taken after holds no trace of her"
    );
    // The same forgetting again finds nothing to erase.
    let again = handbill(
        &db,
        &[
            "subscribers",
            "forget",
            PERSON,
            "--requested-by",
            "her email",
            "--yes",
        ],
    );
    assert_eq!(again.status.code(), Some(3), "{}", text(&again));
}
