//! Handbill's two programs: `handbill`, the command line, which links none of
//! the window's libraries (GTK, WebKitGTK, Tauri) so no command pays for
//! loading them, and `handbill-window`, which `handbill` without a subcommand
//! becomes in the same process.

#![cfg(target_os = "linux")]

use std::path::PathBuf;
use std::process::Command;

const CLI: &str = env!("CARGO_BIN_EXE_handbill");
const WINDOW: &str = env!("CARGO_BIN_EXE_handbill-window");

/// The shared libraries a program names (its ELF `NEEDED` entries), read by binutils' readelf.
fn needed(program: &str) -> Vec<String> {
    let out = Command::new("readelf")
        .args(["--dynamic", "--wide", program])
        .output()
        .expect("readelf (binutils) runs");
    assert!(out.status.success(), "readelf reads {program}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| l.split('[').nth(1)?.split(']').next().map(str::to_owned))
        .collect()
}

fn is_window_library(lib: &str) -> bool {
    [
        "gtk",
        "gdk",
        "webkit",
        "javascriptcore",
        "soup",
        "cairo",
        "pango",
    ]
    .iter()
    .any(|w| lib.contains(w))
}

#[test]
fn the_command_line_links_none_of_the_windows_libraries() {
    let cli = needed(CLI);
    assert!(
        cli.iter().any(|l| l.starts_with("libc.so")),
        "the command line's libraries are read: {cli:?}"
    );
    let window_libs: Vec<_> = cli.iter().filter(|l| is_window_library(l)).collect();
    assert!(
        window_libs.is_empty(),
        "handbill links the window's libraries: {window_libs:?}"
    );
    let window = needed(WINDOW);
    assert!(
        window.iter().any(|l| l.starts_with("libwebkit2gtk")),
        "handbill-window links WebKitGTK: {window:?}"
    );
}

/// `handbill` hard-linked into a folder of its own (the same file system as
/// the build, so no copy of a large debug binary), beside `window` as its
/// window program when given.
fn alone(window: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let cli = dir.path().join("handbill");
    std::fs::hard_link(CLI, &cli)
        .or_else(|_| std::fs::copy(CLI, &cli).map(|_| ()))
        .unwrap();
    if let Some(script) = window {
        use std::os::unix::fs::PermissionsExt;
        let program = dir.path().join("handbill-window");
        std::fs::write(&program, script).unwrap();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (dir, cli)
}

#[test]
fn without_a_subcommand_handbill_becomes_the_window_program_in_its_own_process() {
    // A stand-in window program that says which process it runs in and what it was given.
    let (dir, cli) = alone(Some(
        "#!/bin/sh\necho \"pid $$\"\nfor a in \"$@\"; do echo \"arg $a\"; done\necho \"env $HANDBILL_PROBE\"\n",
    ));
    let db = dir.path().join("a branch.sqlite");
    let child = Command::new(&cli)
        .arg("--db")
        .arg(&db)
        .arg("--no-encrypt")
        .env("HANDBILL_PROBE", "kept")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    let expected = format!(
        "pid {pid}\narg --db\narg {}\narg --no-encrypt\nenv kept\n",
        db.display()
    );
    assert_eq!(
        said, expected,
        "the same process, arguments and environment"
    );
    assert!(!db.exists(), "the command line opened no branch itself");
}

#[test]
fn without_the_window_program_handbill_says_so_and_its_commands_still_work() {
    let (dir, cli) = alone(None);
    let db = dir.path().join("branch.sqlite");
    let out = Command::new(&cli)
        .arg("--db")
        .arg(&db)
        .env("HANDBILL_ENCRYPT", "0")
        .env("HANDBILL_LOG_DIR", dir.path().join("logs"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("handbill-window is not next to this one")
            && err.contains(&dir.path().join("handbill-window").display().to_string()),
        "names the missing program and where it looked: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!db.exists(), "nothing was made");

    // A subcommand needs no window program.
    let made = Command::new(&cli)
        .arg("--db")
        .arg(&db)
        .args(["event", "list"])
        .env("HANDBILL_ENCRYPT", "0")
        .env("HANDBILL_LOG_DIR", dir.path().join("logs"))
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    assert!(db.exists(), "the command made its branch");
}

#[test]
fn the_window_program_runs_a_subcommand_as_handbill_does() {
    let run = |program: &str| {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(program)
            .arg("--db")
            .arg(dir.path().join("branch.sqlite"))
            .args(["event", "list"])
            .env("HANDBILL_ENCRYPT", "0")
            .env("HANDBILL_LOG_DIR", dir.path().join("logs"))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .unwrap();
        assert!(out.status.success(), "{program}: {out:?}");
        let folder = dir.path().display().to_string();
        (
            String::from_utf8_lossy(&out.stdout).replace(&folder, "DIR"),
            String::from_utf8_lossy(&out.stderr).replace(&folder, "DIR"),
        )
    };
    assert_eq!(run(CLI), run(WINDOW));
}
