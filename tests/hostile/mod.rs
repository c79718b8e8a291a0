//! What the hostile-input tests share: a tally of cases that each either
//! hold or are named with why not, a command's whole output as text, and
//! the hand-over file a hostile database is wrapped in.

use std::io::Write;
use std::path::Path;
use std::process::Output;

use sha2::{Digest, Sha256};

/// A command's standard output and error, as one text for messages.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Tallies hostile cases: each either holds or is named with why not.
pub struct Tally {
    name: &'static str,
    run: usize,
    failed: Vec<String>,
}

impl Tally {
    pub fn new(name: &'static str) -> Tally {
        Tally {
            name,
            run: 0,
            failed: Vec::new(),
        }
    }

    pub fn case(&mut self, what: &str, held: Result<(), String>) {
        self.run += 1;
        if let Err(why) = held {
            self.failed.push(format!("{what}: {why}"));
        }
    }

    pub fn finish(self) {
        println!(
            "hostile cases ({}): {} run, {} held",
            self.name,
            self.run,
            self.run - self.failed.len()
        );
        assert!(
            self.failed.is_empty(),
            "every hostile case holds; these did not:\n{}",
            self.failed.join("\n")
        );
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn schema_version(file: &Path) -> i64 {
    let bytes = std::fs::read(file).unwrap();
    i64::from(u32::from_be_bytes(bytes[60..64].try_into().unwrap()))
}

/// Wraps a database in a hand-over file the way handover.rs writes one: a
/// manifest with its true size and checksum, then the database.
pub fn wrapped(database: &Path, to: &Path) {
    let bytes = std::fs::read(database).unwrap();
    let manifest = serde_json::json!({
        "format": "handbill-branch",
        "format_version": 1,
        "app_version": "0.1.0",
        "schema_version": schema_version(database),
        "created_at": "2026-12-01T00:00:00Z",
        "branch_name": "Hostile Branch",
        "database_bytes": bytes.len(),
        "database_sha256": hex(&Sha256::digest(&bytes)),
    });
    let mut zip = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("manifest.json", options).unwrap();
    zip.write_all(manifest.to_string().as_bytes()).unwrap();
    zip.start_file("branch.sqlite", options).unwrap();
    zip.write_all(&bytes).unwrap();
    zip.finish().unwrap();
}

/// The names of every trigger and view in the database at `db`.
pub fn triggers_and_views(db: &Path) -> Vec<String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type IN ('trigger', 'view') ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}
