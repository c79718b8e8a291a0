//! A throwaway Dovecot IMAP server on a free loopback port
//! (`tests/imap/dovecot.py`), for the tests that read a mailbox: started
//! empty with one user, seeded through IMAP APPEND, counted through STATUS,
//! stopped (with every Dovecot process) when dropped. Include it with
//! `#[path = "support/dovecot.rs"] mod dovecot;`. Needs `python3` and
//! Dovecot (`apt-get install dovecot-imapd`, which `make deps` installs).
//!
//! The INBOX is the Maildir [`Dovecot::maildir`] (`<dir>/mail`): the test
//! SMTP server delivers there with `--deliver-maildir`, and Dovecot sees
//! what it drops in `new/` at the next SELECT or NOOP. Other folders, as
//! `Handbill/Handled` (the hierarchy separator is `/`), are created with
//! IMAP CREATE.
//!
//! [`Dovecot::start_tls`] also offers TLS with a self-signed certificate for
//! `localhost` and 127.0.0.1 (`<dir>/tls-cert.pem`): STARTTLS on `port` and
//! implicit TLS on `tls_port`.

// Not every test uses every method.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The running server; its IMAP port takes LOGIN with `user` and `password`
/// in plain text (and, from [`Dovecot::start_tls`], after STARTTLS too).
pub struct Dovecot {
    pub port: u16,
    /// The implicit-TLS (IMAPS) port: `Some` from [`Dovecot::start_tls`] only.
    pub tls_port: Option<u16>,
    pub user: String,
    pub password: String,
    /// Dovecot's configuration, log (`dovecot.log`) and mail.
    pub dir: tempfile::TempDir,
    child: Child,
}

/// The script, from the core's tests or from the repository's own.
fn script() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        here.join("tests/imap/dovecot.py"),
        here.join("../../tests/imap/dovecot.py"),
    ]
    .into_iter()
    .find(|p| p.exists())
    .unwrap_or_else(|| here.join("../../tests/imap/dovecot.py"))
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

impl Dovecot {
    /// Starts Dovecot on a free port; panics with what the script and
    /// Dovecot's log said when it does not come up within 20 s.
    pub fn start() -> Dovecot {
        Dovecot::launch(false)
    }

    /// As [`Dovecot::start`], with TLS as well: STARTTLS on `port`, implicit
    /// TLS on `tls_port`, a self-signed certificate (clients must not verify
    /// it, or trust `<dir>/tls-cert.pem`).
    pub fn start_tls() -> Dovecot {
        Dovecot::launch(true)
    }

    fn launch(tls: bool) -> Dovecot {
        let dir = tempfile::tempdir().unwrap();
        let errors = dir.path().join("script.stderr");
        // A password no log line should ever hold: tests grep for it.
        let (user, password) = ("branch".to_owned(), "imap-pw-7f3a9c".to_owned());
        let mut child = Command::new("python3")
            .arg(script())
            .arg("--dir")
            .arg(dir.path())
            .args(["--user", &user, "--password", &password])
            .args(tls.then_some("--tls"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&errors).unwrap())
            .spawn()
            .expect("python3 runs tests/imap/dovecot.py");
        // "PORT <n>", then (with --tls) "TLSPORT <m>", from one reader: a
        // second one would lose what the first had buffered.
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok());
        let tls_port = if tls && port.is_some() {
            line.clear();
            let _ = stdout.read_line(&mut line);
            line.trim()
                .strip_prefix("TLSPORT ")
                .and_then(|p| p.parse().ok())
        } else {
            None
        };
        drop(stdout);
        // Started only with every port it was asked for.
        let Some(port) = port.filter(|_| tls_port.is_some() == tls) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "Dovecot did not start (got {line:?}); it comes with: apt-get install dovecot-imapd\n{}\n--- dovecot.log ---\n{}",
                tail(&errors, 40),
                tail(&dir.path().join("dovecot.log"), 25),
            )
        };
        Dovecot {
            port,
            tls_port,
            user,
            password,
            dir,
            child,
        }
    }

    /// The INBOX's Maildir (its `cur`, `new` and `tmp` are right there).
    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    fn run(&self, command: &str, extra: &[&std::ffi::OsStr]) -> Output {
        let port = self.port.to_string();
        let out = Command::new("python3")
            .arg(script())
            .arg(command)
            .args([
                "--port",
                &port,
                "--user",
                &self.user,
                "--password",
                &self.password,
            ])
            .args(extra)
            .output()
            .expect("python3 runs tests/imap/dovecot.py");
        assert!(
            out.status.success(),
            "dovecot.py {command} failed: {}\n--- dovecot.log ---\n{}",
            String::from_utf8_lossy(&out.stderr),
            tail(&self.dir.path().join("dovecot.log"), 25),
        );
        out
    }

    /// Puts one message (RFC 5322 bytes; bare LFs are made CRLF) in `folder`,
    /// created when missing.
    pub fn append(&self, folder: &str, message: &[u8]) {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(message).unwrap();
        file.flush().unwrap();
        self.run(
            "append",
            &[
                "--folder".as_ref(),
                folder.as_ref(),
                file.path().as_os_str(),
            ],
        );
    }

    /// How many messages `folder` holds (0 when it does not exist).
    pub fn count(&self, folder: &str) -> usize {
        let out = self.run("list", &["--folder".as_ref(), folder.as_ref()]);
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text.lines().next().unwrap_or_default();
        line.split('\t')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("dovecot.py list printed {text:?}"))
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM: the script stops Dovecot and its children, then exits.
        // SAFETY: kill(2) on our own child's pid, which wait() has not reaped yet.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}
