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

/// Copies every file of `from` that `to` lacks: the sync tool.
fn carry(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if !target.exists() && !entry.file_name().to_string_lossy().starts_with('.') {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn three_laptops_on_the_command_line_edit_apart_and_agree_as_the_rules_say() {
    let dir = tempfile::tempdir().unwrap();
    let folders: Vec<PathBuf> = ["fa", "fb", "fc"]
        .iter()
        .map(|n| {
            let f = dir.path().join(n);
            std::fs::create_dir_all(&f).unwrap();
            f
        })
        .collect();
    let dbs: Vec<PathBuf> = ["a", "b", "c"]
        .iter()
        .map(|n| dir.path().join(format!("{n}.sqlite")))
        .collect();
    let carry_all = || {
        for x in &folders {
            for y in &folders {
                if x != y {
                    carry(x, y);
                }
            }
        }
    };
    let sync_all = || {
        for _ in 0..3 {
            carry_all();
            for db in &dbs {
                ok(db, &["share", "sync"]);
            }
        }
    };
    ok(&dbs[0], &["demo"]);
    ok(
        &dbs[0],
        &[
            "share",
            "init",
            folders[0].to_str().unwrap(),
            "--name",
            "Ana's laptop",
        ],
    );
    for i in 1..3 {
        let code = code_of(&ok(&dbs[0], &["share", "invite"]));
        carry(&folders[0], &folders[i]);
        ok(
            &dbs[i],
            &[
                "share",
                "join",
                folders[i].to_str().unwrap(),
                "--code",
                &code,
                "--name",
                &format!("Laptop {i}"),
            ],
        );
        carry(&folders[i], &folders[0]);
        ok(&dbs[0], &["share", "sync"]);
    }
    sync_all();
    // Apart: the same field on A and B, another field on C; an unsubscribe on
    // A against an import on C of the same person.
    ok(&dbs[0], &["branch", "set", "city", "Cambridge"]);
    ok(&dbs[1], &["branch", "set", "city", "Somerville"]);
    ok(
        &dbs[2],
        &["branch", "set", "website", "https://example.org/riverside"],
    );
    ok(
        &dbs[0],
        &["subscribers", "unsubscribe", "nadia@example.org"],
    );
    let csv = dir.path().join("sheet.csv");
    std::fs::write(
        &csv,
        "email,first_name\nnadia@example.org,Nadia\nomar@example.org,Omar\n",
    )
    .unwrap();
    ok(
        &dbs[2],
        &[
            "subscribers",
            "import",
            csv.to_str().unwrap(),
            "--list",
            "Announcements",
        ],
    );
    for db in &dbs {
        ok(db, &["share", "sync"]);
    }
    carry_all();
    for db in &dbs {
        ok(db, &["share", "sync"]);
    }
    // A stranger's file, a cut copy and an altered copy of B's next file.
    let stranger = dir.path().join("s.sqlite");
    let sf = dir.path().join("fs");
    std::fs::create_dir_all(&sf).unwrap();
    ok(&stranger, &["branch", "set", "name", "Another branch"]);
    ok(
        &stranger,
        &["share", "init", sf.to_str().unwrap(), "--name", "Intruder"],
    );
    carry(&sf, &folders[0]);
    ok(
        &dbs[1],
        &["branch", "set", "contact_email", "hello@example.org"],
    );
    ok(&dbs[1], &["share", "sync"]);
    let ben =
        serde_json::from_str::<serde_json::Value>(&ok(&dbs[1], &["share", "status", "--json"]))
            .unwrap()["laptop"]
            .as_str()
            .unwrap()
            .to_owned();
    let mut mine: Vec<PathBuf> = std::fs::read_dir(&folders[1])
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(&ben))
        .collect();
    mine.sort();
    let newest = mine.last().unwrap().clone();
    let bytes = std::fs::read(&newest).unwrap();
    std::fs::write(
        folders[0].join(newest.file_name().unwrap()),
        &bytes[..bytes.len() - 10],
    )
    .unwrap();
    let mut altered = bytes.clone();
    let at = altered.len() / 2;
    altered[at] ^= 1;
    std::fs::write(folders[2].join(newest.file_name().unwrap()), &altered).unwrap();
    ok(&dbs[0], &["share", "sync"]);
    ok(&dbs[2], &["share", "sync"]);
    let status_a = ok(&dbs[0], &["share", "status"]);
    assert!(
        status_a.contains("not an officer"),
        "the stranger's file is listed: {status_a}"
    );
    assert!(
        status_a.contains("signature does not match"),
        "the cut file is listed: {status_a}"
    );
    let status_c = ok(&dbs[2], &["share", "status"]);
    assert!(
        status_c.contains("signature does not match"),
        "the altered file is listed: {status_c}"
    );
    assert!(
        !ok(&dbs[0], &["branch", "show"]).contains("hello@example.org"),
        "nothing of the cut file applied"
    );
    // The sync tool brings the real file; everyone agrees.
    std::fs::copy(&newest, folders[0].join(newest.file_name().unwrap())).unwrap();
    std::fs::copy(&newest, folders[2].join(newest.file_name().unwrap())).unwrap();
    sync_all();
    let dump_a = dump(&dbs[0]);
    assert_eq!(dump_a, dump(&dbs[1]), "A and B agree");
    assert_eq!(dump_a, dump(&dbs[2]), "A and C agree");
    let status = ok(&dbs[2], &["share", "status"]);
    assert!(
        status.contains("Also changed on another officer's laptop"),
        "the city is a choice: {status}"
    );
    assert!(
        status.contains("Cambridge") && status.contains("Somerville"),
        "with both values: {status}"
    );
    let profile = ok(&dbs[2], &["branch", "show"]);
    assert!(
        profile.contains("https://example.org/riverside") && profile.contains("hello@example.org"),
        "other fields stand: {profile}"
    );
    let nadia = ok(&dbs[1], &["subscribers", "show", "nadia@example.org"]);
    assert!(
        !nadia.contains(": subscribed"),
        "the unsubscribe made apart beats the import: {nadia}"
    );
    let omar = ok(&dbs[0], &["subscribers", "show", "omar@example.org"]);
    assert!(
        omar.contains(": subscribed"),
        "the import's other person arrived: {omar}"
    );
    // Picking a side settles it everywhere.
    let json: serde_json::Value =
        serde_json::from_str(&ok(&dbs[1], &["share", "status", "--json"])).unwrap();
    let conflict = &json["conflicts"][0];
    let choice = conflict["choices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["value"] == "Somerville")
        .unwrap();
    ok(
        &dbs[1],
        &[
            "share",
            "pick",
            conflict["id"].as_str().unwrap(),
            "--laptop",
            choice["laptop"].as_str().unwrap(),
            "--seq",
            &choice["seq"].to_string(),
        ],
    );
    sync_all();
    for db in &dbs {
        assert!(
            ok(db, &["branch", "show"]).contains("Somerville"),
            "the pick is everyone's"
        );
        assert!(
            !ok(db, &["share", "status"]).contains("Also changed"),
            "and the choice is gone"
        );
    }
}

#[test]
fn an_event_announced_on_two_laptops_apart_is_sent_from_one_only() {
    let dir = tempfile::tempdir().unwrap();
    let fa = dir.path().join("fa");
    let fb = dir.path().join("fb");
    std::fs::create_dir_all(&fa).unwrap();
    std::fs::create_dir_all(&fb).unwrap();
    let a = dir.path().join("a.sqlite");
    let b = dir.path().join("b.sqlite");
    ok(&a, &["demo"]);
    ok(
        &a,
        &[
            "share",
            "init",
            fa.to_str().unwrap(),
            "--name",
            "Ana's laptop",
        ],
    );
    let code = code_of(&ok(&a, &["share", "invite"]));
    carry(&fa, &fb);
    ok(
        &b,
        &[
            "share",
            "join",
            fb.to_str().unwrap(),
            "--code",
            &code,
            "--name",
            "Ben's laptop",
        ],
    );
    carry(&fb, &fa);
    ok(&a, &["share", "sync"]);
    carry(&fa, &fb);
    ok(&b, &["share", "sync"]);
    let event = ok(&a, &["event", "list"])
        .lines()
        .find(|l| l.contains("announced") && l.contains("Rally"))
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .expect("the sample branch has an announced rally");
    // Apart: Ana announces the rally (no mail account: written to the outbox).
    let sent = ok(&a, &["announce", &event, "--list", "Announcements"]);
    assert!(
        sent.contains("outbox") || sent.contains("written"),
        "Ana's announcement went out: {sent}"
    );
    // Ben, apart, announces it too; his sync tool has just brought Ana's files.
    carry(&fa, &fb);
    let out = run(&b, &["announce", &event, "--list", "Announcements"]);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "Ben's copy is not sent: {said}");
    assert!(
        said.contains("Ana's laptop"),
        "and he is told who sends it: {said}"
    );
    let outbox = b.with_file_name("b.sqlite.outbox");
    let written = std::fs::read_dir(&outbox)
        .map(|d| d.flatten().count())
        .unwrap_or(0);
    assert_eq!(
        written,
        0,
        "nothing was written for Ben's copy in {}",
        outbox.display()
    );
}
