//! Hand-over owns moving a whole branch to another machine: one `.handbill`
//! file (a zip holding a manifest and a consistent copy of the database, logos
//! included) that `import-branch` checks — format, version, size and checksum —
//! before anything current is replaced.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::backup::{self, BackupKind};
use crate::branch;
use crate::error::{Error, ErrorCode, Result};
use crate::storage::{self, Database};

const FORMAT: &str = "handbill-branch";
const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
const DATABASE: &str = "branch.sqlite";

/// What an export file says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub app_version: String,
    pub schema_version: u32,
    pub created_at: String,
    pub branch_name: String,
    pub database_bytes: u64,
    pub database_sha256: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn zip_error(file: &Path, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::Damaged,
        format!(
            "{} is not a whole Handbill export (it may be truncated or damaged): {e}",
            file.display()
        ),
    )
}

/// Writes the whole branch to `target` as one file.
pub fn export(db: &Database, target: &Path) -> Result<Manifest> {
    if target.exists() {
        return Err(Error::new(
            ErrorCode::Invalid,
            format!(
                "{} already exists. Choose a new file name for the export.",
                target.display()
            ),
        ));
    }
    let branch = branch::require(db)?;
    let work = tempfile_beside(target)?;
    let copy = work.path().join(DATABASE);
    backup::write_copy(db.conn(), &copy)?;
    let bytes = fs::read(&copy)
        .map_err(|e| Error::storage(format!("Cannot read the copy {}: {e}", copy.display())))?;
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        app_version: crate::VERSION.to_owned(),
        schema_version: db.user_version()? as u32,
        created_at: jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        branch_name: branch.name,
        database_bytes: bytes.len() as u64,
        database_sha256: hex(&Sha256::digest(&bytes)),
    };
    let partial = work.path().join("export.partial");
    let write = || -> std::result::Result<(), Box<dyn std::error::Error>> {
        let mut zip = zip::ZipWriter::new(File::create(&partial)?);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file(MANIFEST, options)?;
        zip.write_all(serde_json::to_string_pretty(&manifest)?.as_bytes())?;
        zip.start_file(DATABASE, options)?;
        zip.write_all(&bytes)?;
        zip.finish()?.sync_all()?;
        Ok(())
    };
    write().map_err(|e| {
        Error::storage(format!("Cannot write the export {}: {e}", target.display()))
    })?;
    fs::rename(&partial, target)
        .or_else(|_| fs::copy(&partial, target).map(|_| ()))
        .map_err(|e| {
            Error::storage(format!("Cannot write the export {}: {e}", target.display()))
        })?;
    Ok(manifest)
}

/// A scratch folder on the same disk as `near`, removed when dropped.
fn tempfile_beside(near: &Path) -> Result<tempfile::TempDir> {
    let dir = near
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)
        .map_err(|e| Error::storage(format!("Cannot create the folder {}: {e}", dir.display())))?;
    tempfile::Builder::new()
        .prefix(".handbill-")
        .tempdir_in(dir)
        .map_err(|e| Error::storage(format!("Cannot write in {}: {e}", dir.display())))
}

/// Reads and checks an export's manifest and database without changing anything.
/// Returns the manifest and the checked database, unpacked into `scratch`.
fn unpack(file: &Path, scratch: &Path) -> Result<(Manifest, std::path::PathBuf)> {
    let handle = File::open(file)
        .map_err(|e| Error::not_found(format!("Cannot open {}: {e}", file.display())))?;
    let mut archive = zip::ZipArchive::new(handle).map_err(|e| zip_error(file, e))?;
    let manifest: Manifest = {
        let mut entry = archive.by_name(MANIFEST).map_err(|_| {
            Error::new(
                ErrorCode::NotADatabase,
                format!(
                    "{} is not a Handbill export: it has no manifest.",
                    file.display()
                ),
            )
        })?;
        let mut text = String::new();
        entry
            .read_to_string(&mut text)
            .map_err(|e| zip_error(file, e))?;
        serde_json::from_str(&text).map_err(|e| {
            Error::new(
                ErrorCode::NotADatabase,
                format!(
                    "{} is not a Handbill export: its manifest is unreadable ({e}).",
                    file.display()
                ),
            )
        })?
    };
    if manifest.format != FORMAT {
        return Err(Error::new(
            ErrorCode::NotADatabase,
            format!("{} is not a Handbill export.", file.display()),
        ));
    }
    if manifest.format_version > FORMAT_VERSION
        || manifest.schema_version as usize > storage::schema_version()
    {
        return Err(Error::new(
            ErrorCode::NewerDatabase,
            format!(
                "{} was exported by Handbill {} (schema {}), newer than this one ({}, schema {}). Update Handbill to open it. Nothing was changed.",
                file.display(),
                manifest.app_version,
                manifest.schema_version,
                crate::VERSION,
                storage::schema_version()
            ),
        ));
    }
    let mut bytes = Vec::new();
    archive
        .by_name(DATABASE)
        .map_err(|_| zip_error(file, "the database is missing"))?
        .read_to_end(&mut bytes)
        .map_err(|e| zip_error(file, e))?;
    if bytes.len() as u64 != manifest.database_bytes
        || hex(&Sha256::digest(&bytes)) != manifest.database_sha256
    {
        return Err(zip_error(
            file,
            "the database inside does not match its checksum",
        ));
    }
    let unpacked = scratch.join(DATABASE);
    fs::write(&unpacked, &bytes)
        .map_err(|e| Error::storage(format!("Cannot unpack into {}: {e}", scratch.display())))?;
    backup::check_source(&unpacked)?;
    Ok((manifest, unpacked))
}

/// Opens an export as the database at `target`. A target that already holds a
/// branch is refused unless `replace` is set; then its contents are kept as a
/// `before-restore` snapshot first.
pub fn import(file: &Path, target: &Path, replace: bool) -> Result<(Database, Manifest)> {
    let scratch = tempfile_beside(target)?;
    let (manifest, unpacked) = unpack(file, scratch.path())?;
    let existing = Database::open(target)?;
    if let Some(current) = branch::get(&existing)? {
        if !replace {
            return Err(Error::new(
                ErrorCode::Invalid,
                format!(
                    "{} already holds the branch “{}”. Import into a new file with --db NEW.sqlite, or pass --replace to replace it (a backup is kept).",
                    target.display(),
                    current.name
                ),
            ));
        }
        backup::snapshot(&existing, BackupKind::BeforeRestore)?;
    }
    let db = backup::restore_unchecked(existing, &unpacked)?;
    Ok((db, manifest))
}
