//! `handbill share …` as officers run it: three branch files driven through
//! the command line, sharing through folders, and once through two real
//! Syncthing instances on loopback (`tests/sync/syncthing.py`). Proves the
//! commands' words and exit codes, that a sync killed half way leaves the
//! branch as it was and the next one converges, and that the real sync tool
//! carries the folder between two laptops until they agree.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handbill"))
        .env("HANDBILL_ENCRYPT", "0")
        .env_remove("HANDBILL_DB")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("handbill runs")
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "handbill {args:?} failed: {}{}",
        text,
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn code_of(invite: &str) -> String {
    invite
        .lines()
        .find_map(|l| l.strip_prefix("Invitation code: "))
        .expect("the invitation prints its code")
        .trim()
        .to_owned()
}

fn dump(db: &Path) -> String {
    ok(db, &["share", "dump"])
}

#[test]
fn share_commands_say_what_they_did_and_refuse_what_cannot_be() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("folder");
    std::fs::create_dir_all(&folder).unwrap();
    let a = dir.path().join("a.sqlite");
    let b = dir.path().join("b.sqlite");
    let f = folder.to_str().unwrap();
    ok(&a, &["demo"]);
    let out = run(&a, &["share", "sync"]);
    assert_eq!(out.status.code(), Some(2), "sync before sharing is refused");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not shared yet"),
        "and says how to start: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let missing = dir.path().join("nowhere");
    let out = run(
        &a,
        &["share", "init", missing.to_str().unwrap(), "--name", "Ana"],
    );
    assert!(
        !out.status.success(),
        "a folder that is not there is refused"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not a folder here"),
        "naming it: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = ok(&a, &["share", "init", f, "--name", "Ana's laptop"]);
    assert!(said.contains("now shared through"), "{said}");
    let code = code_of(&ok(&a, &["share", "invite"]));
    // A wrong code, and a branch with data of its own, are refused.
    let out = run(
        &b,
        &[
            "share",
            "join",
            f,
            "--code",
            "2345-6789-ABCD",
            "--name",
            "Ben",
        ],
    );
    assert!(!out.status.success(), "a wrong code is refused");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("opens with this code"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = dir.path().join("c.sqlite");
    ok(&c, &["demo"]);
    let out = run(&c, &["share", "join", f, "--code", &code, "--name", "Cleo"]);
    assert!(
        !out.status.success(),
        "a branch with its own data does not join"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("new, empty branch"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let joined = ok(
        &b,
        &[
            "share",
            "join",
            f,
            "--code",
            &code.to_lowercase(),
            "--name",
            "Ben's laptop",
        ],
    );
    assert!(
        joined.contains("Joined."),
        "a code typed in lower case works: {joined}"
    );
    ok(&a, &["share", "sync"]);
    let status = ok(&a, &["share", "status", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(
        json["laptops"].as_array().unwrap().len(),
        2,
        "two officers: {status}"
    );
    assert_eq!(dump(&a), dump(&b), "the two laptops hold the same data");
    // Ben's events list shows Ana's events.
    let events = ok(&b, &["event", "list"]);
    assert!(
        events.contains("Study group"),
        "Ana's events arrived: {events}"
    );
}

#[test]
fn a_sync_killed_half_way_changes_nothing_and_the_next_one_converges() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("folder");
    std::fs::create_dir_all(&folder).unwrap();
    let f = folder.to_str().unwrap();
    let a = dir.path().join("a.sqlite");
    let b = dir.path().join("b.sqlite");
    ok(&a, &["demo"]);
    ok(&a, &["share", "init", f, "--name", "Ana's laptop"]);
    let code = code_of(&ok(&a, &["share", "invite"]));
    ok(
        &b,
        &[
            "share",
            "join",
            f,
            "--code",
            &code,
            "--name",
            "Ben's laptop",
        ],
    );
    ok(&a, &["share", "sync"]);
    // A large change on A: 20,000 people.
    let csv = dir.path().join("people.csv");
    let mut text = String::from("email,first_name\n");
    for i in 0..20_000 {
        text.push_str(&format!("person{i}@example.org,P{i}\n"));
    }
    std::fs::write(&csv, text).unwrap();
    ok(&a, &["list", "create", "Members"]);
    ok(
        &a,
        &[
            "subscribers",
            "import",
            csv.to_str().unwrap(),
            "--list",
            "Members",
        ],
    );
    ok(&a, &["share", "sync"]);
    let before = dump(&b);
    // B's sync is killed at several points; each time the branch is whole.
    let mut killed = 0;
    for wait_ms in [30u64, 120, 400, 900] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_handbill"))
            .env("HANDBILL_ENCRYPT", "0")
            .arg("--db")
            .arg(&b)
            .args(["share", "sync"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(wait_ms));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        let _ = child.wait();
        let now = dump(&b);
        assert!(
            now == before || now == dump(&a),
            "after a kill at {wait_ms} ms B holds either what it held or everything, never half"
        );
        if now != before {
            break;
        }
    }
    assert!(killed > 0, "at least one sync was killed while it ran");
    ok(&b, &["share", "sync"]);
    assert_eq!(dump(&a), dump(&b), "the next sync converges");
    let count = ok(&b, &["subscribers", "count", "--list", "Members"]);
    assert!(
        count.trim().ends_with("20000"),
        "all 20,000 arrived: {count}"
    );
}

/// Two Syncthing instances on loopback, carrying one folder between two
/// directories; stopped when dropped.
struct Syncthing {
    child: Child,
    _stdin: std::process::ChildStdin,
}

impl Syncthing {
    fn start(state: &Path, a: &Path, b: &Path) -> Syncthing {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut child = Command::new("python3")
            .arg(repo.join("tests/sync/syncthing.py"))
            .arg("--state")
            .arg(state)
            .arg("--dir")
            .arg(a)
            .arg("--dir")
            .arg(b)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs tests/sync/syncthing.py (apt-get install syncthing)");
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.contains("\"ready\": true"),
            "Syncthing started: {line:?}"
        );
        Syncthing {
            child,
            _stdin: stdin,
        }
    }
}

impl Drop for Syncthing {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "waited 90 s for {what}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn has_file(dir: &Path, starts: &str) -> bool {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with(starts))
}

#[test]
fn two_laptops_agree_through_real_syncthing() {
    let dir = tempfile::tempdir().unwrap();
    let da = dir.path().join("sync-a");
    let db_dir = dir.path().join("sync-b");
    std::fs::create_dir_all(&da).unwrap();
    std::fs::create_dir_all(&db_dir).unwrap();
    let _syncthing = Syncthing::start(&dir.path().join("state"), &da, &db_dir);
    let a = dir.path().join("a.sqlite");
    let b = dir.path().join("b.sqlite");
    ok(&a, &["demo"]);
    ok(
        &a,
        &[
            "share",
            "init",
            da.to_str().unwrap(),
            "--name",
            "Ana's laptop",
        ],
    );
    let code = code_of(&ok(&a, &["share", "invite"]));
    wait_for(
        "the invitation and Ana's files to reach Ben's folder",
        || {
            has_file(&db_dir, "invite-")
                && std::fs::read_dir(&db_dir)
                    .unwrap()
                    .flatten()
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".hbc"))
                    .count()
                    >= 2
        },
    );
    ok(
        &b,
        &[
            "share",
            "join",
            db_dir.to_str().unwrap(),
            "--code",
            &code,
            "--name",
            "Ben's laptop",
        ],
    );
    wait_for("Ben's join request to reach Ana's folder", || {
        has_file(&da, "join-")
    });
    // Both make changes; the sync tool carries them; they sync until they agree.
    ok(&a, &["branch", "set", "city", "Cambridge"]);
    ok(
        &b,
        &["branch", "set", "website", "https://example.org/together"],
    );
    let start = Instant::now();
    loop {
        ok(&a, &["share", "sync"]);
        ok(&b, &["share", "sync"]);
        let (x, y) = (dump(&a), dump(&b));
        if x == y && x.contains("Cambridge") && x.contains("https://example.org/together") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "the two laptops did not agree within 90 s through Syncthing"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let shown = ok(&b, &["branch", "show"]);
    assert!(
        shown.contains("Cambridge"),
        "Ana's change reached Ben: {shown}"
    );
    // Syncthing's own files are left alone, and never listed as problems.
    let status = ok(&a, &["share", "status"]);
    assert!(!status.contains("Not applied"), "nothing refused: {status}");
}
