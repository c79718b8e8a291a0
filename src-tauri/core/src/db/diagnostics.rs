//! Diagnostics owns the report an organizer can paste into a bug report: the
//! version, the platform, the database's size and check results, and how many
//! backups exist — and nothing personal (no names, addresses or contents).
//! The report is checked before it leaves: anything in it that reads as an
//! email address (a folder named after one, say) is removed, the home
//! folder (often a person's name) is written `~`, and the report says so.

use std::path::Path;

use crate::db::backup;
use crate::db::storage::{self, Database};

/// Where the app writes its logs: `HANDBILL_LOG_DIR`, else `logs/` in the OS data folder.
pub fn log_dir() -> Option<std::path::PathBuf> {
    match std::env::var_os("HANDBILL_LOG_DIR") {
        Some(dir) if !dir.is_empty() => Some(dir.into()),
        _ => directories::ProjectDirs::from("org", "Handbill", "Handbill")
            .map(|d| d.data_dir().join("logs")),
    }
}

/// What [`scrub`] puts where an address was.
pub const REMOVED: &str = "[address removed]";

/// `text` with every word that reads as an email address replaced by
/// [`REMOVED`], and how many were.
pub fn scrub(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut removed = 0;
    let mut word = String::new();
    let boundary = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '/' | '\\' | '"' | '\'' | '<' | '>' | '(' | ')' | ',' | ';' | ':'
            )
    };
    let mut flush = |word: &mut String, out: &mut String| {
        let bare = word.trim_end_matches(['.', '!', '?']);
        if bare.contains('@') && crate::email::normalize_email(bare).is_ok() {
            removed += 1;
            out.push_str(REMOVED);
            out.push_str(&word[bare.len()..]);
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if boundary(c) {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    (out, removed)
}

/// `path` with the home folder written `~`: the folder's name is often the person's.
fn from_home(path: &Path) -> String {
    let home = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    match home.and_then(|h| path.strip_prefix(&h).ok().map(Path::to_path_buf)) {
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}

/// A plain-text report, safe to share: checked by [`scrub`], with a line
/// saying how many addresses were removed when there were any.
pub fn report(db_path: &Path, db: Option<&Database>, log_dir: Option<&Path>) -> String {
    let (text, removed) = scrub(&unchecked_report(db_path, db, log_dir));
    if removed == 0 {
        return text;
    }
    format!(
        "{text}\n{removed} email {} removed from this report before it was shown.",
        if removed == 1 {
            "address was"
        } else {
            "addresses were"
        }
    )
}

fn unchecked_report(db_path: &Path, db: Option<&Database>, log_dir: Option<&Path>) -> String {
    let mut lines = vec![
        format!("Handbill {}", crate::VERSION),
        format!(
            "Platform: {} {}",
            std::env::consts::OS,
            std::env::consts::ARCH
        ),
        format!("Schema this version writes: {}", storage::schema_version()),
    ];
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let wal = super::beside(db_path, "-wal");
    lines.push(format!(
        "Database size: {} KB (write-ahead log {} KB)",
        size(db_path).div_ceil(1024),
        size(&wal).div_ceil(1024)
    ));
    match db {
        Some(db) => {
            lines.push(format!(
                "Database schema: {}",
                db.user_version()
                    .map(|v| v.to_string())
                    .unwrap_or_else(|e| e.message)
            ));
            let check: String = db
                .conn()
                .query_row("PRAGMA quick_check", [], |r| r.get(0))
                .unwrap_or_else(|e| format!("failed: {e}"));
            lines.push(format!("Quick check: {check}"));
            let fk: rusqlite::Result<usize> = db
                .conn()
                .prepare("PRAGMA foreign_key_check")
                .and_then(|mut s| Ok(s.query_map([], |_| Ok(()))?.count()));
            lines.push(format!(
                "Foreign key problems: {}",
                fk.map(|n| n.to_string()).unwrap_or_else(|e| e.to_string())
            ));
        }
        None => lines.push("Database: not open".to_owned()),
    }
    let backups = backup::list(db_path)
        .map(|b| b.len().to_string())
        .unwrap_or_else(|e| e.message);
    lines.push(format!("Backups kept: {backups}"));
    if let Some(dir) = log_dir {
        lines.push(format!("Log folder: {}", from_home(dir)));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_every_address_and_keeps_the_rest() {
        let (text, n) = scrub("Log folder: /home/ana/ana.alvarez@example.org/logs\nBackups kept: 3 (mail me: Ben@Example.ORG.)");
        assert_eq!(n, 2, "both addresses are found: {text}");
        assert!(
            !text.to_lowercase().contains("example.org"),
            "neither is left: {text}"
        );
        assert!(text.contains("Backups kept: 3"), "the rest is kept: {text}");
        assert!(
            text.contains(&format!("{REMOVED}.)")),
            "punctuation after an address stays: {text}"
        );
        let (same, none) = scrub("Handbill 0.1.0\nPlatform: linux x86_64\nQuick check: ok");
        assert_eq!(none, 0, "nothing is taken from a report without addresses");
        assert_eq!(
            same,
            "Handbill 0.1.0\nPlatform: linux x86_64\nQuick check: ok"
        );
    }

    #[test]
    fn the_report_of_a_branch_in_a_folder_named_after_an_address_holds_no_address() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("carmen.cruz@example.org");
        std::fs::create_dir_all(&folder).unwrap();
        let db = Database::open(&folder.join("b.sqlite")).unwrap();
        let text = report(db.path(), Some(&db), Some(&folder.join("logs")));
        assert!(
            !text.contains("carmen.cruz@"),
            "the address is gone: {text}"
        );
        assert!(
            text.contains("1 email address was removed"),
            "the report says so: {text}"
        );
    }
}
