//! The real `handbill` binary on a plain (unencrypted) branch file, with no
//! window and its logs beside the file: what the command-line tests run.
//! Include it with `#[path = "support/plain_cli.rs"] mod plain_cli;`.

use std::path::Path;
use std::process::{Command, Output};

pub fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handbill"))
        .env("HANDBILL_ENCRYPT", "0")
        .env_remove("HANDBILL_DB")
        .env(
            "HANDBILL_LOG_DIR",
            db.parent().unwrap_or(Path::new("/tmp")).join("logs"),
        )
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("the handbill binary runs")
}

/// [`run`], which must succeed: its standard output.
pub fn ok(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(
        out.status.success(),
        "handbill {args:?} succeeds: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
