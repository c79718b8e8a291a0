//! Encryption at rest on the command line: a new branch is encrypted (with
//! `HANDBILL_PASSPHRASE` here, where there is no keychain), or plain with
//! `HANDBILL_ENCRYPT=0` / `--no-encrypt`, which says so on stderr; without a
//! terminal and without a passphrase nothing waits on a prompt, it refuses;
//! a wrong passphrase is refused with nothing changed, and each wrong one
//! makes the next try wait longer without ever locking anyone out;
//! `encrypt` and `decrypt` convert a branch and its backups.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const PASSPHRASE: &str = "signed demands against the boss";

/// The binary with no keychain reachable (the session bus named nowhere),
/// no terminal, and only the key variables given in `env`.
fn handbill(db: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_handbill"));
    c.arg("--db").arg(db).args(args).stdin(Stdio::null());
    without_keychain_or_display(&mut c, db);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("handbill runs")
}

/// No keychain reachable (the session bus named nowhere), no display, no
/// key variables, and the logs beside the branch `db`.
fn without_keychain_or_display(c: &mut Command, db: &Path) {
    c.env_remove("HANDBILL_PASSPHRASE")
        .env_remove("HANDBILL_ENCRYPT")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/handbill-test-bus",
        )
        .env("HANDBILL_LOG_DIR", db.with_extension("logs"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn header(db: &Path) -> Vec<u8> {
    std::fs::read(db).unwrap()[..16].to_vec()
}

const PLAIN: &[u8] = b"SQLite format 3\0";

#[test]
fn without_a_passphrase_or_a_terminal_nothing_is_created_and_nothing_waits() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("branch.sqlite");
    let started = Instant::now();
    let out = handbill(&db, &[], &["demo"]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "it did not wait on a prompt"
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("HANDBILL_PASSPHRASE"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("HANDBILL_ENCRYPT=0"),
        "{}",
        stderr(&out)
    );
    assert!(!db.exists(), "nothing was created");
}

#[test]
fn a_plain_branch_is_made_only_when_asked_and_stderr_says_so() {
    let dir = tempfile::tempdir().unwrap();
    for (name, env, flag) in [
        ("env.sqlite", &[("HANDBILL_ENCRYPT", "0")][..], None),
        ("flag.sqlite", &[][..], Some("--no-encrypt")),
    ] {
        let db = dir.path().join(name);
        let mut args = vec!["demo"];
        args.extend(flag);
        let out = handbill(&db, env, &args);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).contains("unencrypted"), "{}", stderr(&out));
        assert_eq!(header(&db), PLAIN, "{name} is a plain SQLite file");
        // Opening it again says nothing more.
        let out = handbill(&db, &[], &["branch", "show"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!stderr(&out).contains("unencrypted"), "{}", stderr(&out));
    }
}

#[test]
fn wrong_passphrases_are_refused_slow_the_next_try_and_never_lock_out() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("branch.sqlite");
    let out = handbill(&db, &[("HANDBILL_PASSPHRASE", PASSPHRASE)], &["demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(header(&db), PLAIN, "the new branch is encrypted");
    let before = std::fs::read(&db).unwrap();

    // No passphrase and no terminal: refused at once.
    let out = handbill(&db, &[], &["event", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("encrypted with a passphrase"),
        "{}",
        stderr(&out)
    );

    let mut took = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let out = handbill(
            &db,
            &[("HANDBILL_PASSPHRASE", "signed demands against the boss!")],
            &["event", "list"],
        );
        took.push(started.elapsed());
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("does not open"), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("Nothing was changed"),
            "{}",
            stderr(&out)
        );
        assert!(out.stdout.is_empty());
    }
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "wrong passphrases changed the file"
    );
    // The fifth wrong try waited 2 s (after four), the first none.
    assert!(took[4] >= took[0] + Duration::from_millis(1500), "{took:?}");

    // After five wrong ones, the right one still opens it, after a longer wait.
    let started = Instant::now();
    let out = handbill(
        &db,
        &[("HANDBILL_PASSPHRASE", PASSPHRASE)],
        &["event", "list"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "the sixth try waited 4 s"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Fund drive"));
    // And the count starts again.
    let started = Instant::now();
    let out = handbill(
        &db,
        &[("HANDBILL_PASSPHRASE", PASSPHRASE)],
        &["event", "list"],
    );
    assert!(out.status.success());
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[test]
fn encrypt_and_decrypt_convert_a_branch_and_its_backups() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("branch.sqlite");
    let plain = [("HANDBILL_ENCRYPT", "0")];
    assert!(handbill(&db, &plain, &["demo"]).status.success());
    let events = |env: &[(&str, &str)]| {
        let out = handbill(&db, env, &["event", "list", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        out.stdout
    };
    let before = events(&[]);

    let out = handbill(&db, &[], &["encrypt"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "no keychain, no passphrase, no terminal: {}",
        stderr(&out)
    );
    assert_eq!(header(&db), PLAIN, "a refused encrypt changed nothing");

    let with = [("HANDBILL_PASSPHRASE", PASSPHRASE)];
    let out = handbill(&db, &with, &["encrypt"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(header(&db), PLAIN);
    let backups = std::fs::read_dir(dir.path().join("branch.sqlite.backups")).unwrap();
    for b in backups {
        let b = b.unwrap().path();
        assert_ne!(
            std::fs::read(&b).unwrap()[..16],
            *PLAIN,
            "{} is plain",
            b.display()
        );
    }
    assert_eq!(events(&with), before);
    let sqlite = Command::new("sqlite3")
        .arg(&db)
        .arg("SELECT 1 FROM event;")
        .output()
        .unwrap();
    assert!(
        !sqlite.status.success(),
        "sqlite3 read the encrypted branch"
    );

    let out = handbill(&db, &with, &["decrypt"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(header(&db), PLAIN);
    assert_eq!(events(&[]), before);
    let sqlite = Command::new("sqlite3")
        .arg(&db)
        .arg("SELECT count(*) FROM event;")
        .output()
        .unwrap();
    assert!(
        sqlite.status.success(),
        "{}",
        String::from_utf8_lossy(&sqlite.stderr)
    );
}

/// The binary on a terminal of its own (util-linux's `script` gives it one),
/// with `typed` typed at it line by line; its exit code and what it printed.
fn on_a_terminal(db: &Path, args: &str, typed: &str) -> (Option<i32>, String) {
    use std::io::Write;
    let command = format!(
        "'{}' --db '{}' {args}",
        env!("CARGO_BIN_EXE_handbill"),
        db.display()
    );
    let mut script = Command::new("script");
    script.args(["-qec", &command, "/dev/null"]);
    without_keychain_or_display(&mut script, db);
    let mut child = script
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux's script runs (Debian's bsdutils)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(typed.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn on_a_terminal_a_short_or_mistyped_new_passphrase_is_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("branch.sqlite");
    let typed = format!("short\n{PASSPHRASE}\n{PASSPHRASE}!\n{PASSPHRASE}\n{PASSPHRASE}\n");
    let (code, said) = on_a_terminal(&db, "demo", &typed);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("cannot be opened again by anyone"), "{said}");
    assert!(
        said.contains("at least 8 characters (a few words are easiest to remember). Try again."),
        "{said}"
    );
    assert!(
        said.contains("The two passphrases differ. Try again."),
        "{said}"
    );
    assert_eq!(said.matches("New passphrase:").count(), 3, "{said}");
    assert_ne!(header(&db), PLAIN, "the branch is encrypted");
    // The passphrase typed the same twice is the one that opens it.
    let out = handbill(
        &db,
        &[("HANDBILL_PASSPHRASE", PASSPHRASE)],
        &["branch", "show"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = handbill(
        &db,
        &[("HANDBILL_PASSPHRASE", "short")],
        &["branch", "show"],
    );
    assert!(!out.status.success(), "another passphrase does not open it");
}

#[test]
fn on_a_terminal_three_failed_tries_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("branch.sqlite");
    let typed = format!("short\n{PASSPHRASE}\n{PASSPHRASE}!\ntiny\n");
    let (code, said) = on_a_terminal(&db, "demo", &typed);
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("Nothing was created after 3 tries; run the command again."),
        "{said}"
    );
    assert!(!db.exists(), "nothing was created");
}
