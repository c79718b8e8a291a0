//! Copies that leave the laptop are sealed (issue 22), through the `handbill`
//! command line on the sample branch: `export` and `backup -o` write files
//! encrypted with the organizer's passphrase, in which no subscriber's
//! address and no event's title can be found (nor in the logs); `import-branch`
//! and `restore` take them back with the passphrase, every table equal; a
//! wrong passphrase, a truncated file, another branch's export sealed with
//! another passphrase, and files that are not Handbill's are refused, with
//! nothing changed; without a terminal and without the passphrase in
//! `HANDBILL_EXPORT_PASSPHRASE`, nothing waits and nothing is written.
//!
//! The branches are plain files (`HANDBILL_ENCRYPT=0`) so the tests can read
//! their tables to compare them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const PASSPHRASE: &str = "correct horse battery staple";

fn run(db: &Path, args: &[&str], passphrase: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_handbill"));
    cmd.arg("--db")
        .arg(db)
        .args(args)
        .env_remove("HANDBILL_DB")
        .env_remove("HANDBILL_EXPORT_PASSPHRASE")
        .env("HANDBILL_ENCRYPT", "0")
        .env(
            "HANDBILL_LOG_DIR",
            db.parent().unwrap_or(Path::new("/tmp")).join("logs"),
        )
        .env("HANDBILL_LOG", "trace")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null());
    if let Some(p) = passphrase {
        cmd.env("HANDBILL_EXPORT_PASSPHRASE", p);
    }
    cmd.output().expect("the handbill binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(db: &Path, args: &[&str], passphrase: Option<&str>) -> String {
    let out = run(db, args, passphrase);
    assert!(
        out.status.success(),
        "handbill {} succeeds: {}",
        args.join(" "),
        text(&out)
    );
    text(&out)
}

fn sample(dir: &Path, name: &str) -> PathBuf {
    let db = dir.join(name);
    ok(&db, &["demo"], None);
    db
}

/// Every subscriber's and contact's address and every event's title in the branch.
fn secrets(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut out = Vec::new();
    for sql in [
        "SELECT email FROM subscriber",
        "SELECT email FROM org_contact WHERE email <> ''",
        "SELECT title FROM event",
        "SELECT title FROM tour",
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
        out.extend(rows.map(|r| r.unwrap()));
    }
    assert!(
        out.len() > 30,
        "the sample has people and events to look for: {out:?}"
    );
    out
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Every table's rows, as text, sorted: equal for two branches holding the same data.
fn dump(db: &Path) -> BTreeMap<String, Vec<String>> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let mut out = BTreeMap::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let width = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                let mut cells = Vec::new();
                for i in 0..width {
                    cells.push(format!("{:?}", r.get_ref(i)?));
                }
                Ok(cells.join("|"))
            })
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        rows.sort();
        out.insert(table, rows);
    }
    out
}

fn backups(db: &Path) -> usize {
    let name = format!("{}.backups", db.file_name().unwrap().to_string_lossy());
    std::fs::read_dir(db.with_file_name(name))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn the_hand_over_and_a_backup_hold_no_address_or_title_and_come_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample(dir.path(), "branch.sqlite");
    let looked_for = secrets(&db);
    let before = dump(&db);

    let export = dir.path().join("branch.handbill");
    let said = ok(
        &db,
        &["export", "-o", export.to_str().unwrap()],
        Some(PASSPHRASE),
    );
    assert!(
        said.contains("sealed"),
        "the export says it is sealed: {said}"
    );
    let copy = dir.path().join("copy.backup");
    ok(
        &db,
        &["backup", "-o", copy.to_str().unwrap()],
        Some(PASSPHRASE),
    );

    let mut searched = vec![export.clone(), copy.clone()];
    for entry in std::fs::read_dir(dir.path().join("logs"))
        .unwrap()
        .flatten()
    {
        searched.push(entry.path());
    }
    for file in &searched {
        let bytes = std::fs::read(file).unwrap();
        assert!(!bytes.is_empty(), "{} was written", file.display());
        for secret in &looked_for {
            assert!(
                !holds(&bytes, secret),
                "{} holds no trace of “{secret}”",
                file.display()
            );
        }
        assert!(
            !holds(&bytes, "SQLite format 3"),
            "{} is no readable database",
            file.display()
        );
        assert!(
            !holds(&bytes, PASSPHRASE),
            "{} holds no passphrase",
            file.display()
        );
    }

    // The hand-over opens on a new machine, every table equal.
    let new_machine = dir.path().join("new.sqlite");
    let said = ok(
        &new_machine,
        &["import-branch", export.to_str().unwrap()],
        Some(PASSPHRASE),
    );
    assert!(said.contains("Imported"), "{said}");
    assert_eq!(
        dump(&new_machine),
        before,
        "the hand-over brings every table back equal"
    );

    // The backup restores over a branch that changed since, every table equal.
    ok(&db, &["list", "create", "Made after the backup"], None);
    assert_ne!(dump(&db), before, "the branch changed after the backup");
    let kept = backups(&db);
    let said = ok(
        &db,
        &["restore", copy.to_str().unwrap(), "--yes"],
        Some(PASSPHRASE),
    );
    assert!(said.contains("Restored"), "{said}");
    assert_eq!(
        dump(&db),
        before,
        "the restore brings every table back equal"
    );
    assert_eq!(
        backups(&db),
        kept + 1,
        "what it replaced was kept as a backup"
    );
}

#[test]
fn a_wrong_passphrase_a_cut_file_and_another_branchs_export_are_refused_with_nothing_changed() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample(dir.path(), "branch.sqlite");
    let export = dir.path().join("branch.handbill");
    ok(
        &db,
        &["export", "-o", export.to_str().unwrap()],
        Some(PASSPHRASE),
    );
    let copy = dir.path().join("copy.backup");
    ok(
        &db,
        &["backup", "-o", copy.to_str().unwrap()],
        Some(PASSPHRASE),
    );

    // Another branch, its export sealed with another passphrase.
    let other = sample(dir.path(), "other.sqlite");
    ok(&other, &["branch", "set", "name", "Another Branch"], None);
    let theirs = dir.path().join("theirs.handbill");
    ok(
        &other,
        &["export", "-o", theirs.to_str().unwrap()],
        Some("their own passphrase"),
    );

    let bytes = std::fs::read(&copy).unwrap();
    let cut_half = dir.path().join("half.backup");
    std::fs::write(&cut_half, &bytes[..bytes.len() / 2]).unwrap();
    let cut_end = dir.path().join("end.backup");
    std::fs::write(&cut_end, &bytes[..bytes.len() - 20]).unwrap();
    let cut_header = dir.path().join("header.backup");
    std::fs::write(&cut_header, &bytes[..40]).unwrap();
    let mut flipped = bytes.clone();
    let at = flipped.len() - 5000;
    flipped[at] ^= 0x01;
    let altered = dir.path().join("altered.backup");
    std::fs::write(&altered, &flipped).unwrap();
    let not_ours = dir.path().join("notes.backup");
    std::fs::write(
        &not_ours,
        "age-encryption.org/v1\nthis is a note, not a copy\n",
    )
    .unwrap();

    ok(&db, &["list", "create", "Made after the copies"], None);
    let before = dump(&db);
    let kept = backups(&db);
    let cases: Vec<(&str, Vec<&str>, &str, &str)> = vec![
        (
            "a wrong passphrase",
            vec!["restore", copy.to_str().unwrap(), "--yes"],
            "not the one",
            "passphrase does not open",
        ),
        (
            "another branch's export",
            vec!["restore", theirs.to_str().unwrap(), "--yes"],
            PASSPHRASE,
            "passphrase does not open",
        ),
        (
            "another branch's export, imported",
            vec![
                "import-branch",
                theirs.to_str().unwrap(),
                "--replace",
                "--yes",
            ],
            PASSPHRASE,
            "passphrase does not open",
        ),
        (
            "a wrong passphrase, imported",
            vec![
                "import-branch",
                export.to_str().unwrap(),
                "--replace",
                "--yes",
            ],
            "not the one",
            "passphrase does not open",
        ),
        (
            "a copy cut in half",
            vec!["restore", cut_half.to_str().unwrap(), "--yes"],
            PASSPHRASE,
            "not a whole sealed",
        ),
        (
            "a copy missing its last bytes",
            vec!["restore", cut_end.to_str().unwrap(), "--yes"],
            PASSPHRASE,
            "not a whole sealed",
        ),
        (
            "a copy cut inside its header",
            vec!["restore", cut_header.to_str().unwrap(), "--yes"],
            PASSPHRASE,
            "not a whole sealed",
        ),
        (
            "a changed byte",
            vec!["restore", altered.to_str().unwrap(), "--yes"],
            PASSPHRASE,
            "not a whole sealed",
        ),
        (
            "a file that is not Handbill's",
            vec!["restore", not_ours.to_str().unwrap(), "--yes"],
            PASSPHRASE,
            "not a sealed Handbill copy",
        ),
    ];
    for (what, args, passphrase, says) in cases {
        let out = run(&db, &args, Some(passphrase));
        assert!(!out.status.success(), "{what} is refused");
        assert!(
            text(&out).contains(says) && text(&out).contains("Nothing was changed"),
            "{what}: the refusal says why and that nothing changed: {}",
            text(&out)
        );
        assert_eq!(dump(&db), before, "{what}: the branch is as it was");
        assert_eq!(backups(&db), kept, "{what}: no copy was taken for nothing");
    }
}

#[test]
fn without_a_terminal_or_the_variable_nothing_waits_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample(dir.path(), "branch.sqlite");
    for verb in ["export", "backup"] {
        let target = dir.path().join(format!("{verb}.out"));
        let out = run(&db, &[verb, "-o", target.to_str().unwrap()], None);
        assert_eq!(out.status.code(), Some(2), "{verb}: {}", text(&out));
        assert!(
            text(&out).contains("HANDBILL_EXPORT_PASSPHRASE"),
            "{verb}: the refusal names the variable: {}",
            text(&out)
        );
        assert!(!target.exists(), "{verb}: nothing was written");
        let short = run(&db, &[verb, "-o", target.to_str().unwrap()], Some("short"));
        assert_eq!(short.status.code(), Some(2), "{verb}: {}", text(&short));
        assert!(
            text(&short).contains("at least 8"),
            "{verb}: {}",
            text(&short)
        );
        assert!(!target.exists(), "{verb}: nothing was written");
    }
    let export = dir.path().join("branch.handbill");
    ok(
        &db,
        &["export", "-o", export.to_str().unwrap()],
        Some(PASSPHRASE),
    );
    let out = run(&db, &["restore", export.to_str().unwrap(), "--yes"], None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("HANDBILL_EXPORT_PASSPHRASE"),
        "{}",
        text(&out)
    );
}
