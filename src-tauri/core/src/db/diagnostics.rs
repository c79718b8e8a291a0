//! Diagnostics owns the report an organizer can paste into a bug report: the
//! version, the platform, the database's size and check results, and how many
//! backups exist — and nothing personal (no names, addresses or contents).

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

/// A plain-text report, safe to share.
pub fn report(db_path: &Path, db: Option<&Database>, log_dir: Option<&Path>) -> String {
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
    let wal = db_path.with_file_name(format!(
        "{}-wal",
        db_path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("handbill.sqlite")
    ));
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
        lines.push(format!("Log folder: {}", dir.display()));
    }
    lines.join("\n")
}
