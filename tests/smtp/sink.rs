//! The test SMTP server (`tests/smtp/server.py`, on aiosmtpd) as the Rust
//! tests start and read it: shared by the core's sending tests and the
//! command line's. Include it with `#[path = …] mod sink;` beside a
//! `fn repo() -> PathBuf` naming the repository's root.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use super::repo;

/// The test server on a free loopback port, stopped when dropped.
pub struct Sink {
    pub child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Sink {
    /// Starts the server with these flags (see server.py's help).
    pub fn start(flags: &[&str]) -> Sink {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new("python3")
            .arg(repo().join("tests/smtp/server.py"))
            .arg("--dir")
            .arg(dir.path())
            .args(flags)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs tests/smtp/server.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().strip_prefix("PORT ").and_then(|p| p.parse().ok()).unwrap_or_else(|| {
            let _ = child.kill();
            panic!(
                "the SMTP test server did not start (got {line:?}); install its one dependency with: pip install -r tests/smtp/requirements.txt"
            )
        });
        Sink { child, port, dir }
    }

    /// Everything the server wrote in its journal, oldest first.
    pub fn journal(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.path().join("journal.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("the journal is JSON lines"))
            .collect()
    }

    /// The journal's events of one kind ("message", "auth", "drop", …).
    pub fn events(&self, kind: &str) -> Vec<Value> {
        self.journal()
            .into_iter()
            .filter(|e| e["event"] == kind)
            .collect()
    }

    /// How many messages arrived for each address.
    pub fn arrivals(&self) -> HashMap<String, usize> {
        let mut seen = HashMap::new();
        for m in self.events("message") {
            for r in m["rcpt"].as_array().unwrap() {
                *seen.entry(r.as_str().unwrap().to_owned()).or_insert(0) += 1;
            }
        }
        seen
    }

    /// The saved messages, read by Python's `email` package (read_mail.py).
    #[allow(dead_code)]
    pub fn parsed(&self) -> Vec<Value> {
        read_mail(self.dir.path())
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The messages saved in `dir`, parsed by Python's `email` package.
pub fn read_mail(dir: &Path) -> Vec<Value> {
    let out = Command::new("python3")
        .arg(repo().join("tests/smtp/read_mail.py"))
        .arg(dir)
        .output()
        .expect("python3 runs read_mail.py");
    assert!(
        out.status.success(),
        "read_mail.py reads the messages: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("read_mail.py prints JSON")
}
