//! The database's part of the command line: `handbill backup`, `backups`,
//! `restore`, `export` and `import-branch`. The same core functions the
//! window's Settings → Backups calls; asking before replacing is the terminal's
//! own way of confirming.

use std::path::PathBuf;

use handbill_core::branch::handover;
use handbill_core::db::{backup, sealed, storage};
use handbill_core::{Error, ErrorCode};

use super::{ask, open};

/// `handbill backup -o FILE`: a copy of the database, now, sealed with a passphrase.
pub fn backup(db: Option<PathBuf>, output: PathBuf) -> Result<String, Error> {
    let db = open(db)?;
    if output.exists() {
        return Err(Error::new(
            ErrorCode::Invalid,
            format!(
                "{} already exists. Choose a new file name for the backup.",
                output.display()
            ),
        ));
    }
    let passphrase = ask::new_passphrase("The backup")?;
    backup::backup_to(&db, &output, &passphrase)?;
    Ok(format!(
        "Wrote a backup of {} to {}, sealed with your passphrase. Restore it with: handbill restore {}",
        db.path().display(),
        output.display(),
        output.display()
    ))
}

/// `handbill backups`: the automatic backups beside the database.
pub fn backups(db: Option<PathBuf>) -> Result<String, Error> {
    let path = storage::resolve_path(db)?;
    let all = backup::list(&path)?;
    if all.is_empty() {
        return Ok(format!("No backups yet beside {}.", path.display()));
    }
    let mut lines = vec![format!(
        "{:<22}{:<18}{:>10}  {}",
        "Taken (UTC)", "Kind", "Size", "File"
    )];
    for b in all {
        let kind = serde_json::to_value(b.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        lines.push(format!(
            "{:<22}{:<18}{:>7} KB  {}",
            b.created_at,
            kind,
            b.size_bytes.div_ceil(1024),
            b.path
        ));
    }
    Ok(lines.join("\n"))
}

/// `handbill restore FILE [--yes]`: asks first, then replaces the contents.
pub fn restore(db: Option<PathBuf>, file: PathBuf, yes: bool) -> Result<String, Error> {
    let db = open(db)?;
    if sealed::is_sealed(&file)? {
        let passphrase = ask::existing_passphrase(&file.display().to_string())?;
        let opened = sealed::open(&file, &passphrase)?;
        if !yes
            && !confirm(&format!(
                "Replace everything in {} with the copy {} (made {})? The current data is kept as a backup.",
                db.path().display(),
                file.display(),
                opened.info.created_at
            ))?
        {
            return Ok("Nothing was restored.".to_owned());
        }
        let (db, kept) = backup::restore_sealed(db, opened)?;
        return Ok(format!(
            "Restored {} into {}. The data it replaced is kept in {}.",
            file.display(),
            db.path().display(),
            kept.path
        ));
    }
    let checked = backup::check_source(&file)?;
    let note = checked.checksum.note();
    if !yes
        && !confirm(&format!(
        "Replace everything in {} with the backup {}? The current data is kept as a backup. {note}",
        db.path().display(),
        file.display()
    ))? {
        return Ok("Nothing was restored.".to_owned());
    }
    let (db, kept) = backup::restore(db, &file)?;
    Ok(format!(
        "Restored {} into {}. The data it replaced is kept in {}. {note}",
        file.display(),
        db.path().display(),
        kept.path
    )
    .trim_end()
    .to_owned())
}

/// `handbill export -o FILE`: the whole branch in one file, sealed with a passphrase.
pub fn export(db: Option<PathBuf>, output: PathBuf) -> Result<String, Error> {
    let db = open(db)?;
    if output.exists() {
        return Err(Error::new(
            ErrorCode::Invalid,
            format!(
                "{} already exists. Choose a new file name for the export.",
                output.display()
            ),
        ));
    }
    let passphrase = ask::new_passphrase("The export")?;
    let manifest = handover::export(&db, &output, &passphrase)?;
    Ok(format!(
        "Exported “{}” to {}, sealed with your passphrase: give the passphrase apart from the file. \
         Open it on another machine with: handbill import-branch {}",
        manifest.branch_name,
        output.display(),
        output.display()
    ))
}

/// `handbill import-branch FILE [--replace [--yes]]`.
pub fn import_branch(
    db: Option<PathBuf>,
    file: PathBuf,
    replace: bool,
    yes: bool,
) -> Result<String, Error> {
    let path = storage::resolve_path(db)?;
    if sealed::is_sealed(&file)? {
        let passphrase = ask::existing_passphrase(&file.display().to_string())?;
        let opened = sealed::open(&file, &passphrase)?;
        let manifest = handover::sealed_manifest(&opened);
        if replace && !yes && !confirm(&format!(
            "Replace everything in {} with the branch “{}” from {}? The current data is kept as a backup.",
            path.display(),
            manifest.branch_name,
            file.display()
        ))? {
            return Ok("Nothing was imported.".to_owned());
        }
        let (db, manifest) = handover::import_sealed(opened, &path, replace)?;
        return Ok(format!(
            "Imported “{}” (exported {}) into {}.{}",
            manifest.branch_name,
            manifest.created_at,
            db.path().display(),
            not_shared_here(&db)?
        ));
    }
    let manifest = handover::read_manifest(&file)?;
    if replace && !yes && !confirm(&format!(
        "Replace everything in {} with the branch “{}” from {}? The current data is kept as a backup.",
        path.display(),
        manifest.branch_name,
        file.display()
    ))? {
        return Ok("Nothing was imported.".to_owned());
    }
    let (db, manifest) = handover::import(&file, &path, replace)?;
    Ok(format!(
        "Imported “{}” (exported {}) into {}.{}",
        manifest.branch_name,
        manifest.created_at,
        db.path().display(),
        not_shared_here(&db)?
    ))
}

/// A handed-over branch that was shared is not shared from this laptop: two
/// laptops signing as one would fork the folder's files.
fn not_shared_here(db: &handbill_core::Database) -> Result<String, Error> {
    Ok(if handbill_core::share::forget_laptop(db)? {
        "\nIt was shared with other officers' laptops; it is not shared from this one. \
         To share from here, have an officer invite this laptop (`handbill share join` from a new branch)."
            .to_owned()
    } else {
        String::new()
    })
}

/// Asks a yes/no question on the terminal. Without a terminal there is no one
/// to ask, so the command must be given `--yes`.
fn confirm(question: &str) -> Result<bool, Error> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return Err(Error::new(
            ErrorCode::Invalid,
            "This replaces the database's contents and there is no terminal to confirm on. Run it again with --yes.",
        ));
    }
    print!("{question} [y/N] ");
    std::io::stdout().flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::internal(e.to_string()))?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}
