//! Files from outside cannot hurt the branch, and no copy is lost (issue 14),
//! tried as a hostile user would, through the real `handbill` binary on real
//! SQLite files: backups and hand-over files with planted triggers or views,
//! or no tables at all; a backup whose stored data was changed; restoring the
//! oldest kept copy; zip bombs under a memory limit; devices and pipes given as
//! files; another process holding the write lock; and commands run while a
//! 100,000-row import writes.
//!
//! Each test counts its hostile cases and how many held, prints both, and fails
//! if any did not hold. `HANDBILL_BIN` runs them against another build (to see
//! how an older one fares); by default they run this build's binary.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

mod hostile;
use hostile::{hex, schema_version, text, triggers_and_views, wrapped, Tally};

/// What a backup's seal starts with (see backup.rs): a hostile copy is
/// sealed again after it is changed, as anyone could, so that it is the
/// schema check that must catch it.
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
        .env(
            "HANDBILL_LOG_DIR",
            db.parent().unwrap_or(Path::new("/tmp")).join("logs"),
        )
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null());
    c
}

/// Runs a command to its end, or kills it after `limit`: `None` then.
fn run_within(mut c: Command, limit: Duration) -> Option<Output> {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let started = Instant::now();
    loop {
        if child
            .try_wait()
            .expect("the command can be waited for")
            .is_some()
        {
            return Some(child.wait_with_output().expect("its output is read"));
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn handbill(db: &Path, args: &[&str]) -> Output {
    run_within(command(db, args), Duration::from_secs(120))
        .unwrap_or_else(|| panic!("handbill {args:?} ends within two minutes"))
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

/// A file's bytes without the seal at its end, if it has one.
fn unsealed(bytes: &[u8]) -> &[u8] {
    if bytes.len() > SEAL_LEN && bytes[bytes.len() - SEAL_LEN..].starts_with(SEAL_TAG) {
        &bytes[..bytes.len() - SEAL_LEN]
    } else {
        bytes
    }
}

/// Seals the file at `path` again, as backup.rs does.
fn reseal(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let mut data = unsealed(&bytes).to_vec();
    let hash = hex(&Sha256::digest(&data));
    data.extend_from_slice(SEAL_TAG);
    data.extend_from_slice(hash.as_bytes());
    data.push(b'\n');
    std::fs::write(path, data).unwrap();
}

/// A copy of the backup `from` with `sql` run in it (by plain rusqlite, as
/// anyone could), sealed again.
fn planted(from: &Path, to: &Path, sql: &str) {
    let bytes = std::fs::read(from).unwrap();
    std::fs::write(to, unsealed(&bytes)).unwrap();
    {
        let conn = rusqlite::Connection::open(to).unwrap();
        conn.execute_batch(sql).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    reseal(to);
}

/// An SQLite file with Handbill's application id and a schema version, and no tables.
fn tableless(to: &Path, version: i64) {
    let conn = rusqlite::Connection::open(to).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA application_id = 1213088834; PRAGMA user_version = {version};"
    ))
    .unwrap();
}

fn subscriber_count(db: &Path) -> Result<i64, String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| e.to_string())?;
    conn.query_row("SELECT count(*) FROM subscriber", [], |r| r.get(0))
        .map_err(|e| format!("the subscribers cannot be counted: {e}"))
}

/// Runs a restore or hand-over of a hostile file on a copy of the branch at
/// `pristine`, and checks it is refused with `expected` in its message, and
/// that the branch afterwards has only its own triggers, all its
/// subscribers, and still works.
fn refused(pristine: &Path, args: &[&str], expected: &str) -> Result<(), String> {
    static CASES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let case = CASES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let folder = pristine.parent().unwrap().join(format!("case-{case}"));
    std::fs::create_dir_all(&folder).unwrap();
    let db = folder.join("branch.sqlite");
    std::fs::copy(pristine, &db).unwrap();
    let ours = triggers_and_views(&db);
    let people = subscriber_count(&db)?;
    let out = handbill(&db, args);
    let said = text(&out);
    if out.status.success() {
        return Err(format!("it was accepted: {said}"));
    }
    if !said.contains(expected) {
        return Err(format!("the refusal does not say {expected:?}: {said}"));
    }
    if triggers_and_views(&db) != ours {
        return Err("the branch's triggers or views changed".into());
    }
    let list = handbill(&db, &["list", "create", "After the refusal"]);
    if !list.status.success() {
        return Err(format!("the branch no longer works: {}", text(&list)));
    }
    if subscriber_count(&db)? != people {
        return Err("creating a list changed the subscribers".into());
    }
    Ok(())
}

#[test]
fn restore_and_import_branch_take_data_never_structure() {
    let dir = tempfile::tempdir().unwrap();
    let (db, copy) = branch_and_backup(dir.path());
    let version = schema_version(&copy);
    let mut tally = Tally::new("structure");

    let trigger = dir.path().join("trigger.sqlite");
    planted(
        &copy,
        &trigger,
        "CREATE TRIGGER wipe AFTER INSERT ON list BEGIN DELETE FROM subscriber; END;",
    );
    let rewrite = dir.path().join("rewrite.sqlite");
    planted(
        &copy,
        &rewrite,
        "CREATE TRIGGER steal AFTER INSERT ON subscriber BEGIN \
         UPDATE subscriber SET email = 'collect@outside.example' WHERE id = new.id; END;",
    );
    let view = dir.path().join("view.sqlite");
    planted(
        &copy,
        &view,
        "CREATE VIEW everyone AS SELECT email FROM subscriber;",
    );
    let column = dir.path().join("column.sqlite");
    planted(
        &copy,
        &column,
        "ALTER TABLE subscriber ADD COLUMN note_to_outsider TEXT;",
    );
    let empty = dir.path().join("tableless.sqlite");
    tableless(&empty, version);

    let cases: [(&Path, &str); 5] = [
        (&trigger, "trigger \"wipe\" on table list"),
        (&rewrite, "trigger \"steal\" on table subscriber"),
        (&view, "view \"everyone\""),
        (&column, "column \"note_to_outsider\""),
        (&empty, "is not a whole Handbill database"),
    ];
    for (file, expected) in cases {
        let name = file.file_name().unwrap().to_str().unwrap().to_owned();
        tally.case(
            &format!("restore {name}"),
            refused(&db, &["restore", file.to_str().unwrap(), "--yes"], expected),
        );
        let export = dir.path().join(format!("{name}.handbill"));
        wrapped(file, &export);
        tally.case(
            &format!("import-branch --replace {name}.handbill"),
            refused(
                &db,
                &[
                    "import-branch",
                    export.to_str().unwrap(),
                    "--replace",
                    "--yes",
                ],
                expected,
            ),
        );
        let fresh = dir.path().join(format!("fresh-{name}"));
        let out = handbill(&fresh, &["import-branch", export.to_str().unwrap()]);
        tally.case(
            &format!("import-branch {name}.handbill into a new file"),
            if out.status.success() {
                Err(format!("it was accepted: {}", text(&out)))
            } else if !text(&out).contains(expected) {
                Err(format!(
                    "the refusal does not say {expected:?}: {}",
                    text(&out)
                ))
            } else if text(&out).contains(".handbill-") {
                Err(format!("the refusal names a scratch file: {}", text(&out)))
            } else {
                Ok(())
            },
        );
    }

    // The untouched backup still restores, and brings its data.
    let out = handbill(&db, &["restore", copy.to_str().unwrap(), "--yes"]);
    assert!(
        out.status.success(),
        "a backup Handbill wrote restores: {}",
        text(&out)
    );
    tally.finish();
}

#[test]
fn a_backup_changed_after_it_was_written_is_refused_by_its_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let (db, copy) = branch_and_backup(dir.path());
    let mut tally = Tally::new("checksum");
    // One letter of a stored address, changed in place: SQLite's own check
    // cannot see it, as the page is still well formed.
    let mut bytes = std::fs::read(&copy).unwrap();
    let at = bytes
        .windows(b"ana.alvarez@example.org".len())
        .position(|w| w == b"ana.alvarez@example.org")
        .expect("the sample's address is stored in the backup");
    bytes[at] = b'e';
    let flipped = dir.path().join("flipped.sqlite");
    std::fs::write(&flipped, &bytes).unwrap();
    let integrity: String =
        rusqlite::Connection::open_with_flags(&flipped, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
    assert_eq!(
        integrity, "ok",
        "SQLite's integrity check does not see the change"
    );
    tally.case(
        "restore a backup with a changed byte",
        refused(
            &db,
            &["restore", flipped.to_str().unwrap(), "--yes"],
            "does not match the checksum it carries",
        ),
    );

    // A copy without a checksum (an older Handbill's) restores, and says so.
    let unsealed_copy = dir.path().join("older.sqlite");
    let whole = std::fs::read(&copy).unwrap();
    std::fs::write(&unsealed_copy, unsealed(&whole)).unwrap();
    let out = handbill(&db, &["restore", unsealed_copy.to_str().unwrap(), "--yes"]);
    tally.case(
        "restore a backup without a checksum",
        if !out.status.success() {
            Err(format!("it was refused: {}", text(&out)))
        } else if !text(&out).contains("carries no checksum") {
            Err(format!(
                "it does not say the backup had no checksum: {}",
                text(&out)
            ))
        } else {
            Ok(())
        },
    );
    tally.finish();
}

#[test]
fn restoring_the_oldest_of_ten_kept_copies_loses_no_copy() {
    let dir = tempfile::tempdir().unwrap();
    let (db, copy) = branch_and_backup(dir.path());
    let mut tally = Tally::new("kept copies");
    for i in 1..=10 {
        let out = handbill(&db, &["branch", "set", "city", &format!("City {i}")]);
        assert!(out.status.success(), "the city is set: {}", text(&out));
        let out = handbill(&db, &["restore", copy.to_str().unwrap(), "--yes"]);
        assert!(out.status.success(), "restore {i} works: {}", text(&out));
    }
    let kept = |db: &Path| -> Vec<String> {
        let listed = String::from_utf8_lossy(&handbill(db, &["backups"]).stdout).into_owned();
        listed
            .lines()
            .filter(|l| l.contains("before_restore"))
            .filter_map(|l| l.split_whitespace().last().map(str::to_owned))
            .collect()
    };
    let before = kept(&db);
    assert_eq!(
        before.len(),
        10,
        "ten copies taken before a restore are kept: {before:?}"
    );
    let oldest = before.last().unwrap().clone();
    let out = handbill(&db, &["restore", &oldest, "--yes"]);
    let city =
        String::from_utf8_lossy(&handbill(&db, &["branch", "show", "--json"]).stdout).into_owned();
    tally.case(
        "restore the oldest kept copy",
        if !out.status.success() {
            Err(format!("it failed: {}", text(&out)))
        } else if !city.contains("City 1\"") {
            Err(format!(
                "the branch is not as the oldest copy held it: {city}"
            ))
        } else {
            Ok(())
        },
    );
    let after = kept(&db);
    tally.case(
        "no kept copy is removed",
        if !Path::new(&oldest).exists() {
            Err("the copy that was restored is gone".into())
        } else if before.iter().any(|b| !after.contains(b)) || after.len() != 11 {
            Err(format!(
                "copies went missing: before {before:?}, after {after:?}"
            ))
        } else {
            Ok(())
        },
    );
    tally.finish();
}

/// A raw deflate stream of 1 MiB of zeros, flushed to a byte boundary and not
/// final, so that copies of it can follow one another: each decodes to 1 MiB
/// more zeros.
fn zeros_chunk() -> Vec<u8> {
    deflated(&vec![0u8; 1 << 20], flate2::Compression::best())
}

/// `data` as a raw deflate stream flushed to a byte boundary, not final.
fn deflated(data: &[u8], level: flate2::Compression) -> Vec<u8> {
    let mut c = flate2::Compress::new(level, false);
    let mut out = Vec::with_capacity(data.len() / 2 + (1 << 16));
    while (c.total_in() as usize) < data.len() {
        c.compress_vec(
            &data[c.total_in() as usize..],
            &mut out,
            flate2::FlushCompress::Sync,
        )
        .unwrap();
        out.reserve(1 << 16);
    }
    out
}

/// One entry of a zip written by hand, for sizes and checksums a zip writer would not lie about.
struct RawEntry {
    name: &'static str,
    /// 0 stored, 8 deflated.
    method: u16,
    crc: u32,
    data: Vec<u8>,
    declared_size: u32,
}

fn raw_zip(to: &Path, entries: &[RawEntry]) {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let le16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    for e in entries {
        let offset = out.len() as u32;
        le32(&mut out, 0x0403_4b50);
        for x in [20u16, 0, e.method, 0, 0x21] {
            le16(&mut out, x);
        }
        le32(&mut out, e.crc);
        le32(&mut out, e.data.len() as u32);
        le32(&mut out, e.declared_size);
        le16(&mut out, e.name.len() as u16);
        le16(&mut out, 0);
        out.extend_from_slice(e.name.as_bytes());
        out.extend_from_slice(&e.data);

        le32(&mut central, 0x0201_4b50);
        for x in [20u16, 20, 0, e.method, 0, 0x21] {
            le16(&mut central, x);
        }
        le32(&mut central, e.crc);
        le32(&mut central, e.data.len() as u32);
        le32(&mut central, e.declared_size);
        le16(&mut central, e.name.len() as u16);
        for _ in 0..4 {
            le16(&mut central, 0);
        }
        le32(&mut central, 0);
        le32(&mut central, offset);
        central.extend_from_slice(e.name.as_bytes());
    }
    let central_at = out.len() as u32;
    out.extend_from_slice(&central);
    le32(&mut out, 0x0605_4b50);
    for x in [0u16, 0, entries.len() as u16, entries.len() as u16] {
        le16(&mut out, x);
    }
    le32(&mut out, central.len() as u32);
    le32(&mut out, central_at);
    le16(&mut out, 0);
    std::fs::write(to, out).unwrap();
}

fn stored(name: &'static str, data: &[u8]) -> RawEntry {
    let mut crc = flate2::Crc::new();
    crc.update(data);
    RawEntry {
        name,
        method: 0,
        crc: crc.sum(),
        data: data.to_vec(),
        declared_size: data.len() as u32,
    }
}

/// `prefix` then `zero_mib` MiB of zeros, as one deflated entry.
fn bomb(name: &'static str, prefix: &[u8], zero_mib: usize, declared_size: u32) -> RawEntry {
    let mut data = if prefix.is_empty() {
        Vec::new()
    } else {
        deflated(prefix, flate2::Compression::fast())
    };
    let chunk = zeros_chunk();
    for _ in 0..zero_mib {
        data.extend_from_slice(&chunk);
    }
    data.extend_from_slice(&[0x03, 0x00]);
    RawEntry {
        name,
        method: 8,
        crc: 0,
        data,
        declared_size,
    }
}

fn manifest_for(database: &[u8], declared: u64) -> Vec<u8> {
    serde_json::json!({
        "format": "handbill-branch",
        "format_version": 1,
        "app_version": "0.1.0",
        "schema_version": u32::from_be_bytes(database[60..64].try_into().unwrap()),
        "created_at": "2026-12-01T00:00:00Z",
        "branch_name": "Bomb",
        "database_bytes": declared,
        "database_sha256": hex(&Sha256::digest(database)),
    })
    .to_string()
    .into_bytes()
}

/// Runs `import-branch FILE` under a 1 GB address-space limit, measured by
/// `/usr/bin/time -v`. Returns its output and its peak resident memory in KB.
fn import_under_limit(db: &Path, file: &Path) -> (Option<Output>, u64) {
    let mut c = Command::new("/usr/bin/time");
    c.arg("-v")
        .arg("bash")
        .arg("-c")
        .arg("ulimit -v 1000000; exec \"$0\" \"$@\"")
        .arg(bin())
        .arg("--db")
        .arg(db)
        .arg("import-branch")
        .arg(file)
        .env("HANDBILL_ENCRYPT", "0")
        .env("HANDBILL_LOG_DIR", db.parent().unwrap().join("logs"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null());
    let out = run_within(c, Duration::from_secs(120));
    let peak = out
        .as_ref()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stderr).lines().find_map(|l| {
                l.trim()
                    .strip_prefix("Maximum resident set size (kbytes): ")
                    .map(str::to_owned)
            })
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    (out, peak)
}

#[test]
fn zip_bombs_are_refused_while_streaming_under_a_memory_limit() {
    assert!(
        Path::new("/usr/bin/time").exists(),
        "GNU time is installed (apt-get install time) to measure peak memory"
    );
    let dir = tempfile::tempdir().unwrap();
    let (_db, copy) = branch_and_backup(dir.path());
    let database = std::fs::read(&copy).unwrap();
    let mut tally = Tally::new("zip bombs");
    const HUGE_MIB: usize = 3300; // 3.4 GB of zeros, 3.5 MB compressed

    let bombs: Vec<(&str, Vec<RawEntry>, &str)> = vec![
        (
            "a database entry that runs 3.4 GB past what its manifest, zip entry and header say",
            vec![
                stored(
                    "manifest.json",
                    &manifest_for(&database, database.len() as u64),
                ),
                bomb("branch.sqlite", &database, HUGE_MIB, database.len() as u32),
            ],
            "larger than its declared",
        ),
        (
            "a database entry declared 3.4 GB in its manifest and zip entry",
            vec![
                stored(
                    "manifest.json",
                    &manifest_for(&database, (HUGE_MIB as u64) << 20),
                ),
                bomb(
                    "branch.sqlite",
                    &database,
                    HUGE_MIB,
                    (HUGE_MIB as u32) << 20,
                ),
            ],
            "but the database says it is",
        ),
        (
            "a manifest declared 3.4 GB",
            vec![
                bomb("manifest.json", b"", HUGE_MIB, (HUGE_MIB as u32) << 20),
                stored("branch.sqlite", &database),
            ],
            "its manifest says it is",
        ),
        (
            "a manifest declared 300 bytes that runs to 3.4 GB",
            vec![
                bomb("manifest.json", b"", HUGE_MIB, 300),
                stored("branch.sqlite", &database),
            ],
            "manifest",
        ),
        (
            "a manifest that says the database is 10 GB",
            vec![
                stored("manifest.json", &manifest_for(&database, 10_000_000_000)),
                bomb("branch.sqlite", &database, HUGE_MIB, database.len() as u32),
            ],
            "more than any Handbill branch",
        ),
    ];
    for (i, (what, entries, expected)) in bombs.into_iter().enumerate() {
        let file = dir.path().join(format!("bomb-{i}.handbill"));
        raw_zip(&file, &entries);
        let size = std::fs::metadata(&file).unwrap().len();
        let target = dir.path().join(format!("target-{i}.sqlite"));
        let started = Instant::now();
        let (out, peak_kb) = import_under_limit(&target, &file);
        println!(
            "{what}: a {:.1} MB file, refused in {:.1} s, peak memory {} MB",
            size as f64 / 1e6,
            started.elapsed().as_secs_f64(),
            peak_kb / 1024
        );
        tally.case(
            what,
            match out {
                None => Err("it ran for two minutes and was killed".into()),
                Some(o) if o.status.success() => Err(format!("it was accepted: {}", text(&o))),
                Some(o) if o.status.code() != Some(4) => Err(format!(
                    "it did not end with a refusal (exit {:?}, peak {peak_kb} KB): {}",
                    o.status,
                    text(&o)
                        .lines()
                        .rev()
                        .take(3)
                        .collect::<Vec<_>>()
                        .join(" | ")
                )),
                Some(o) if !text(&o).contains(expected) => Err(format!(
                    "the refusal does not say {expected:?}: {}",
                    text(&o)
                )),
                Some(_) if peak_kb > 200 * 1024 => Err(format!("it held {peak_kb} KB at its peak")),
                Some(_) => Ok(()),
            },
        );
    }
    tally.finish();
}

#[test]
fn devices_and_pipes_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _copy) = branch_and_backup(dir.path());
    let fifo = dir.path().join("pipe.sqlite");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "the pipe is made");
    let mut tally = Tally::new("special files");
    for file in [Path::new("/dev/zero"), &fifo] {
        for args in [
            vec!["restore", file.to_str().unwrap(), "--yes"],
            vec![
                "import-branch",
                file.to_str().unwrap(),
                "--replace",
                "--yes",
            ],
        ] {
            let started = Instant::now();
            let out = run_within(command(&db, &args), Duration::from_secs(20));
            tally.case(
                &args.join(" "),
                match out {
                    None => Err("it waited 20 seconds and was killed".into()),
                    Some(o) if o.status.success() => Err(format!("it was accepted: {}", text(&o))),
                    Some(o) if !text(&o).contains("not a regular file") => Err(format!(
                        "the refusal does not say it is not a regular file: {}",
                        text(&o)
                    )),
                    Some(_) if started.elapsed() > Duration::from_secs(5) => {
                        Err(format!("it took {:?}", started.elapsed()))
                    }
                    Some(_) => Ok(()),
                },
            );
        }
    }
    tally.finish();
}

#[test]
fn import_branch_asks_before_replacing_and_never_overwrites_data_silently() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _copy) = branch_and_backup(dir.path());
    let export = dir.path().join("branch.handbill");
    let out = handbill(&db, &["export", "-o", export.to_str().unwrap()]);
    assert!(out.status.success(), "export works: {}", text(&out));
    let mut tally = Tally::new("import-branch");

    let out = handbill(
        &db,
        &["import-branch", export.to_str().unwrap(), "--replace"],
    );
    tally.case(
        "--replace without a terminal or --yes",
        if out.status.success() {
            Err(format!("it replaced without asking: {}", text(&out)))
        } else if !text(&out).contains("--yes") {
            Err(format!("it does not say to pass --yes: {}", text(&out)))
        } else if String::from_utf8_lossy(&handbill(&db, &["backups"]).stdout)
            .contains("before_restore")
        {
            Err("it took a snapshot anyway".into())
        } else {
            Ok(())
        },
    );

    // A database with a list and nothing else: no branch profile, but data.
    let lists_only = dir.path().join("lists-only.sqlite");
    let out = handbill(&lists_only, &["list", "create", "Our only list"]);
    assert!(out.status.success(), "a list is made: {}", text(&out));
    let out = handbill(&lists_only, &["import-branch", export.to_str().unwrap()]);
    let lists =
        String::from_utf8_lossy(&handbill(&lists_only, &["list", "ls"]).stdout).into_owned();
    tally.case(
        "import-branch into a database holding only a list",
        if out.status.success() {
            Err(format!("it replaced the list: {}", text(&out)))
        } else if !text(&out).contains("--replace") {
            Err(format!("it does not say how to replace: {}", text(&out)))
        } else if !lists.contains("Our only list") {
            Err(format!("the list is gone: {lists}"))
        } else {
            Ok(())
        },
    );
    let out = handbill(
        &lists_only,
        &[
            "import-branch",
            export.to_str().unwrap(),
            "--replace",
            "--yes",
        ],
    );
    assert!(
        out.status.success(),
        "--replace --yes replaces: {}",
        text(&out)
    );
    let listed = String::from_utf8_lossy(&handbill(&lists_only, &["backups"]).stdout).into_owned();
    assert!(
        listed.contains("before_restore"),
        "what was replaced is kept as a backup:\n{listed}"
    );
    tally.finish();
}

/// Starts a python3 process that holds `BEGIN IMMEDIATE` on `db` until it is killed.
fn hold_write_lock(db: &Path) -> std::process::Child {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3, sys, time\n\
             c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)\n\
             c.execute('BEGIN IMMEDIATE')\n\
             print('holding', flush=True)\n\
             time.sleep(600)\n",
        )
        .arg(db)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(
        line.trim(),
        "holding",
        "the other process holds the write lock"
    );
    child
}

#[test]
fn restore_and_import_branch_give_up_on_a_busy_branch_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let (db, copy) = branch_and_backup(dir.path());
    let export = dir.path().join("branch.handbill");
    let out = handbill(&db, &["export", "-o", export.to_str().unwrap()]);
    assert!(out.status.success(), "export works: {}", text(&out));
    let out = handbill(&db, &["branch", "set", "city", "While locked"]);
    assert!(out.status.success(), "the city is set: {}", text(&out));
    let mut tally = Tally::new("busy branch");

    let mut holder = hold_write_lock(&db);
    for args in [
        vec!["restore", copy.to_str().unwrap(), "--yes"],
        vec![
            "import-branch",
            export.to_str().unwrap(),
            "--replace",
            "--yes",
        ],
    ] {
        let started = Instant::now();
        let out = run_within(command(&db, &args), Duration::from_secs(90));
        let took = started.elapsed();
        println!("{} gave up after {:.1} s", args[0], took.as_secs_f64());
        tally.case(
            &args.join(" "),
            match out {
                None => Err("it waited 90 seconds and was killed".into()),
                Some(o) if o.status.success() => Err(format!(
                    "it claims success while another process holds the lock: {}",
                    text(&o)
                )),
                Some(o) if !text(&o).contains("busy") || !text(&o).contains("Try again") => Err(
                    format!("the message does not say the branch is busy: {}", text(&o)),
                ),
                Some(_) => Ok(()),
            },
        );
    }
    holder.kill().unwrap();
    holder.wait().unwrap();
    let city =
        String::from_utf8_lossy(&handbill(&db, &["branch", "show", "--json"]).stdout).into_owned();
    assert!(
        city.contains("While locked"),
        "nothing was replaced: {city}"
    );
    let listed = String::from_utf8_lossy(&handbill(&db, &["backups"]).stdout).into_owned();
    assert!(
        !listed.contains("before_restore"),
        "no copy was left for a replace that did not happen:\n{listed}"
    );
    tally.finish();
}

#[test]
fn commands_wait_for_a_100000_row_import_and_then_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("branch.sqlite");
    assert!(
        handbill(&db, &["demo"]).status.success(),
        "the sample loads"
    );
    assert!(
        handbill(&db, &["list", "create", "Big"]).status.success(),
        "the list is made"
    );
    let csv = dir.path().join("big.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
        writeln!(f, "Email Address,First Name,Last Name,City").unwrap();
        for i in 0..100_000 {
            writeln!(f, "p{i}@example.org,Ana,Lopes{i},Boston").unwrap();
        }
    }
    let ics = dir.path().join("one.ics");
    let out = handbill(
        &db,
        &["event", "export-ics", "1", "-o", ics.to_str().unwrap()],
    );
    assert!(out.status.success(), "an event exports: {}", text(&out));
    // Without its UID the event imports as a new one each time.
    let body = std::fs::read_to_string(&ics).unwrap();
    let body: String = body
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("UID"))
        .collect();
    std::fs::write(&ics, body).unwrap();

    let import = command(
        &db,
        &[
            "subscribers",
            "import",
            csv.to_str().unwrap(),
            "--list",
            "Big",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let mut others = Vec::new();
    for i in 0..36 {
        let args: Vec<String> = match i % 6 {
            0 => vec!["list".into(), "create".into(), format!("List {i}")],
            1 => vec!["list".into(), "ls".into()],
            2 => vec![
                "subscribers".into(),
                "unsubscribe".into(),
                "ana.alvarez@example.org".into(),
            ],
            3 => vec!["event".into(), "import".into(), ics.display().to_string()],
            4 => vec![
                "branch".into(),
                "set".into(),
                "city".into(),
                format!("Boston {i}"),
            ],
            _ => vec!["org".into(), "list".into()],
        };
        let db = db.clone();
        others.push(std::thread::spawn(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = handbill(&db, &args);
            (args.join(" "), out)
        }));
        std::thread::sleep(Duration::from_millis(60));
    }
    let import = import.wait_with_output().unwrap();
    assert!(
        import.status.success(),
        "the import succeeds: {}",
        text(&import)
    );
    let mut tally = Tally::new("concurrent commands");
    for other in others {
        let (args, out) = other.join().unwrap();
        tally.case(
            &args,
            if out.status.success() {
                Ok(())
            } else {
                Err(text(&out))
            },
        );
    }
    tally.finish();
}
