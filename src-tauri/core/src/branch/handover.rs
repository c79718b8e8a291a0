//! Hand-over owns moving a whole branch to another machine: one `.handbill`
//! file, sealed with a passphrase the organizer chooses (`db::sealed`: the
//! database, logos included, encrypted and described inside), that
//! `import-branch` opens with that passphrase and checks — format, version,
//! size and checksum — before anything current is replaced. An export from
//! an older Handbill (a zip holding a manifest and the database) is still
//! read, with the checks below. The file comes from someone else's
//! laptop: its size and shape are checked before each part is read, the
//! database is streamed out through its checksum (never held in memory), and
//! only its data is taken in (see `intake`).

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::branch;
use crate::db::backup;
use crate::db::intake;
use crate::db::sealed::{self, Opened, Passphrase, SealedInfo};
use crate::db::storage::{self, Database};
use crate::error::{Error, ErrorCode, Result};

const FORMAT: &str = "handbill-branch";
const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
const DATABASE: &str = "branch.sqlite";

/// The most a manifest may hold: it is a few hundred bytes of JSON.
const MANIFEST_LIMIT: u64 = 64 * 1024;
/// The most entries an export may have (it has two).
const ENTRIES_LIMIT: usize = 16;
/// The largest export file read: the database, compressed, and its manifest.
const FILE_LIMIT: u64 = storage::MAX_DATABASE_BYTES + backup::SEAL_LEN + MANIFEST_LIMIT;

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

/// Writes the whole branch to `target` as one file, sealed with
/// `passphrase` (see `db::sealed`): a hand-over travels by email or on a
/// stick, so it never leaves the laptop readable.
pub fn export(db: &Database, target: &Path, passphrase: &Passphrase) -> Result<Manifest> {
    let branch = branch::require(db)?;
    let info = sealed::write(
        db.conn(),
        db.key().is_some(),
        target,
        passphrase,
        "branch",
        &branch.name,
    )?;
    Ok(manifest_of(info))
}

/// Writes the whole branch to `target` as an older Handbill did: a zip of
/// its manifest and the database, not encrypted. Only for tests of reading
/// such a file; Handbill itself writes sealed exports ([`export`]).
#[doc(hidden)]
pub fn export_unsealed(db: &Database, target: &Path) -> Result<Manifest> {
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
    backup::backup_unsealed_to(db, &copy)?;
    let bytes = fs::read(&copy)
        .map_err(|e| Error::storage(format!("Cannot read the copy {}: {e}", copy.display())))?;
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        app_version: crate::VERSION.to_owned(),
        schema_version: db.user_version()? as u32,
        created_at: crate::clock::now_text(),
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

fn manifest_of(info: SealedInfo) -> Manifest {
    Manifest {
        format: FORMAT.to_owned(),
        format_version: info.format_version,
        app_version: info.app_version,
        schema_version: info.schema_version,
        created_at: info.created_at,
        branch_name: info.label,
        database_bytes: info.database_bytes,
        database_sha256: info.database_sha256,
    }
}

/// What a sealed export (opened with its passphrase) says about itself.
pub fn sealed_manifest(opened: &Opened) -> Manifest {
    manifest_of(opened.info.clone())
}

/// Opens a sealed export (opened with its passphrase by `sealed::open`,
/// which checked it) as the database at `target`, as [`import`] does with
/// an older plain export; its data is rebuilt in memory, never unpacked.
pub fn import_sealed(opened: Opened, target: &Path, replace: bool) -> Result<(Database, Manifest)> {
    let manifest = sealed_manifest(&opened);
    let existing = Database::open(target)?;
    let used = refuse_unless_replacing(&existing, target, replace)?;
    let rebuilt = intake::rebuild_in_memory(
        &opened.conn,
        &opened.named,
        opened.version,
        backup::page_size(existing.conn())?,
    )?;
    drop(opened);
    let (db, _kept) = backup::replace(existing, &rebuilt, !used.is_empty())?;
    Ok((db, manifest))
}

/// The tables of `existing` that hold data, or a refusal when there are
/// some and `replace` was not asked for.
fn refuse_unless_replacing(
    existing: &Database,
    target: &Path,
    replace: bool,
) -> Result<Vec<String>> {
    let used = storage::tables_with_data(existing)?;
    if !used.is_empty() && !replace {
        let what = match branch::get(existing)? {
            Some(current) => format!("the branch “{}”", current.name),
            None => format!("data (in {})", used.join(", ")),
        };
        return Err(Error::new(
            ErrorCode::Invalid,
            format!(
                "{} already holds {what}. Import into a new file with --db NEW.sqlite, or pass --replace to replace it (a backup is kept).",
                target.display(),
            ),
        ));
    }
    Ok(used)
}

/// A scratch folder on the same disk as `near`, removed when dropped.
fn tempfile_beside(near: &Path) -> Result<tempfile::TempDir> {
    backup::scratch_beside(near)
}

fn not_an_export(file: &Path, why: &str) -> Error {
    Error::new(
        ErrorCode::NotADatabase,
        format!(
            "{} is not a Handbill export: {why}. Nothing was changed.",
            file.display()
        ),
    )
}

/// Opens an export and reads its manifest, checking the size and shape of
/// each before reading it, and that this version can open what it describes.
fn open_export(file: &Path) -> Result<(zip::ZipArchive<File>, Manifest)> {
    let (handle, _) = intake::open_regular(file, FILE_LIMIT)?;
    let mut archive = zip::ZipArchive::new(handle).map_err(|e| zip_error(file, e))?;
    if archive.len() > ENTRIES_LIMIT {
        return Err(not_an_export(
            file,
            &format!(
                "it holds {} files, where an export holds two",
                archive.len()
            ),
        ));
    }
    let text = {
        let entry = archive
            .by_name(MANIFEST)
            .map_err(|_| not_an_export(file, "it has no manifest"))?;
        if entry.size() > MANIFEST_LIMIT {
            return Err(not_an_export(
                file,
                &format!(
                    "its manifest says it is {} bytes, where a manifest is a few hundred",
                    entry.size()
                ),
            ));
        }
        let mut text = Vec::new();
        entry
            .take(MANIFEST_LIMIT + 1)
            .read_to_end(&mut text)
            .map_err(|e| zip_error(file, format!("its manifest cannot be read ({e})")))?;
        if text.len() as u64 > MANIFEST_LIMIT {
            return Err(not_an_export(
                file,
                &format!("its manifest is larger than {MANIFEST_LIMIT} bytes"),
            ));
        }
        text
    };
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| not_an_export(file, &format!("its manifest is unreadable ({e})")))?;
    if manifest.format != FORMAT {
        return Err(not_an_export(file, "its manifest names another format"));
    }
    if manifest.format_version > FORMAT_VERSION {
        return Err(Error::new(
            ErrorCode::NewerDatabase,
            format!(
                "{} was exported by Handbill {} in version {} of the export format; this Handbill ({}) reads version {FORMAT_VERSION}. \
                 Update Handbill to open it. Nothing was changed.",
                file.display(),
                manifest.app_version,
                manifest.format_version,
                crate::VERSION,
            ),
        ));
    }
    if manifest.schema_version as usize > storage::schema_version() {
        return Err(Error::new(
            ErrorCode::NewerDatabase,
            format!(
                "{} was exported by Handbill {} with schema {}; this Handbill ({}) knows up to schema {}. \
                 Update Handbill to open it. Nothing was changed.",
                file.display(),
                manifest.app_version,
                manifest.schema_version,
                crate::VERSION,
                storage::schema_version()
            ),
        ));
    }
    Ok((archive, manifest))
}

/// Reads and checks an export's manifest, without reading its database or
/// changing anything: what `import-branch` shows before asking to replace.
pub fn read_manifest(file: &Path) -> Result<Manifest> {
    open_export(file).map(|(_, manifest)| manifest)
}

/// Reads and checks an export without changing anything: its manifest, then
/// its database, streamed into `scratch` through its checksum and refused as
/// soon as it runs past the size its manifest and its own header give.
/// Returns the manifest, the unpacked database and the database's schema version.
fn unpack(file: &Path, scratch: &Path) -> Result<(Manifest, PathBuf, usize)> {
    let (mut archive, manifest) = open_export(file)?;
    let inside = format!("the database inside {}", file.display());
    let declared = manifest.database_bytes;
    if declared > storage::MAX_DATABASE_BYTES + backup::SEAL_LEN {
        return Err(not_an_export(
            file,
            &format!(
                "its manifest says the database is {} MB, more than any Handbill branch",
                declared / 1_000_000
            ),
        ));
    }
    let mut entry = archive
        .by_name(DATABASE)
        .map_err(|_| zip_error(file, "the database is missing"))?;
    if entry.size() != declared {
        return Err(zip_error(
            file,
            format!(
                "the database inside says it is {} bytes where its manifest says {declared}",
                entry.size()
            ),
        ));
    }
    let unpacked = scratch.join(DATABASE);
    let mut out = File::create(&unpacked)
        .map_err(|e| Error::storage(format!("Cannot unpack into {}: {e}", scratch.display())))?;
    let mut hasher = Sha256::new();
    let mut reader = (&mut entry).take(declared + 1);
    let start = storage::read_start(&mut reader, &inside)?;
    let header = intake::identify(&start, declared, &inside)?;
    // The database's own header says how long it is; a manifest that
    // promises more is not believed.
    let own_length = header.pages * header.page_size;
    if declared > own_length + backup::SEAL_LEN {
        return Err(zip_error(
            file,
            format!("its manifest says the database is {declared} bytes, but the database says it is {own_length}"),
        ));
    }
    hasher.update(&start);
    out.write_all(&start)
        .map_err(|e| Error::storage(format!("Cannot unpack into {}: {e}", scratch.display())))?;
    let mut written = start.len() as u64;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf).map_err(|e| zip_error(file, e))?;
        if n == 0 {
            break;
        }
        written += n as u64;
        if written > declared {
            return Err(zip_error(
                file,
                format!("the database inside runs past the {declared} bytes its manifest gives"),
            ));
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(|e| {
            Error::storage(format!("Cannot unpack into {}: {e}", scratch.display()))
        })?;
    }
    drop(entry);
    out.sync_all()
        .map_err(|e| Error::storage(format!("Cannot unpack into {}: {e}", scratch.display())))?;
    if written != declared || hex(&hasher.finalize()) != manifest.database_sha256 {
        return Err(zip_error(
            file,
            "the database inside does not match its checksum",
        ));
    }
    let version = intake::inspect(&unpacked, &inside)?;
    if version != manifest.schema_version as usize {
        return Err(zip_error(
            file,
            format!(
                "its manifest says schema {} but the database inside is schema {version}",
                manifest.schema_version
            ),
        ));
    }
    Ok((manifest, unpacked, version))
}

/// Opens an export as the database at `target`. A target that holds any data
/// (a branch, lists, subscribers, events, organizations…) is refused unless
/// `replace` is set; then its contents are kept as a `before-restore` snapshot
/// first. Only the export's data is taken in (see `intake`).
pub fn import(file: &Path, target: &Path, replace: bool) -> Result<(Database, Manifest)> {
    let scratch = tempfile_beside(target)?;
    let (manifest, unpacked, version) = unpack(file, scratch.path())?;
    let existing = Database::open(target)?;
    let used = refuse_unless_replacing(&existing, target, replace)?;
    let rebuilt = intake::rebuild(
        &unpacked,
        &format!("the database inside {}", file.display()),
        version,
        &scratch.path().join("import.sqlite"),
        backup::page_size(existing.conn())?,
        existing.key(),
    )?;
    let (db, _kept) = backup::replace(existing, &rebuilt, !used.is_empty())?;
    Ok((db, manifest))
}
