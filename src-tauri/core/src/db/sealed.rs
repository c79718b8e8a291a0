//! Sealed copies: a whole branch database that leaves the laptop (the
//! hand-over for the next coordinator, a backup written where the organizer
//! says) encrypted with a passphrase the organizer chooses, in age's scrypt
//! mode (<https://age-encryption.org/v1>). The copy is made with SQLite's
//! backup API into a database in memory and serialized straight into the
//! encrypted stream, so no plain copy of the branch touches the disk on the
//! way out; on the way in, the stream is decrypted into memory and
//! deserialized, never unpacked to a file.
//!
//! Inside the encryption: one line of JSON ([`SealedInfo`]: what the copy is,
//! its size and checksum), then the database's bytes. age authenticates every
//! 64 KiB of the stream and marks its last piece, so a truncated or altered
//! file, and a wrong passphrase, are refused before any of it is used. A
//! sealed file comes from outside like any other: its size is checked before
//! it is read and again while it is, its database must say it is Handbill's
//! and as long as its header says, and then it faces the same checks as a
//! plain backup (integrity, exactly Handbill's schema; see `intake`).

use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;

use age::secrecy::SecretString;
use rusqlite::{Connection, MAIN_DB};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::backup::copies::copy_all;
use crate::db::connection::{harden, BUSY_WAIT};
use crate::db::intake;
use crate::db::keys;
use crate::db::storage;
use crate::error::{Error, ErrorCode, Result};

/// How every age file begins.
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
/// The format named inside a sealed copy.
const FORMAT: &str = "handbill-sealed";
const FORMAT_VERSION: u32 = 1;
/// The most the line describing the copy may hold.
const INFO_LIMIT: u64 = 64 * 1024;
/// The scrypt work factor a copy is sealed with: 2^18 (256 MiB, about a
/// second), the strength age's own tool picks on a laptop.
const WORK_FACTOR: u8 = 18;
/// The most work a file may ask to be opened: a file from outside asking for
/// more (minutes of work, gigabytes of memory) is refused.
const MAX_WORK_FACTOR: u8 = 20;
/// The shortest passphrase a copy is sealed with.
pub const MIN_PASSPHRASE: usize = 8;

/// The environment variable the command line reads a sealed copy's passphrase from.
pub const PASSPHRASE_VARIABLE: &str = "HANDBILL_EXPORT_PASSPHRASE";

/// What the organizer is told whenever they choose one.
pub const CANNOT_BE_RECOVERED: &str = "Nobody can recover this passphrase, Handbill included: \
     without it the copy cannot be opened. Keep it apart from the file.";

/// A passphrase for a sealed copy, kept out of logs and debug output.
pub struct Passphrase(SecretString);

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(…)")
    }
}

impl Passphrase {
    /// A passphrase chosen for a new sealed copy: at least [`MIN_PASSPHRASE`]
    /// characters, not only spaces.
    pub fn choose(text: String) -> Result<Passphrase> {
        if text.trim().chars().count() < MIN_PASSPHRASE {
            return Err(Error::invalid_field(
                "passphrase",
                format!("Choose a passphrase of at least {MIN_PASSPHRASE} characters (several words are easiest to remember)."),
            ));
        }
        Ok(Passphrase(SecretString::from(text)))
    }

    /// The passphrase given to open a sealed copy.
    pub fn given(text: String) -> Result<Passphrase> {
        if text.is_empty() {
            return Err(Error::invalid_field(
                "passphrase",
                "Type the passphrase the copy was sealed with.",
            ));
        }
        Ok(Passphrase(SecretString::from(text)))
    }
}

/// What a sealed copy says about itself, inside its encryption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedInfo {
    pub format: String,
    pub format_version: u32,
    /// `branch` (a hand-over) or `backup`.
    pub kind: String,
    pub app_version: String,
    pub schema_version: u32,
    pub created_at: String,
    /// The branch's name, when it has one.
    pub label: String,
    pub database_bytes: u64,
    pub database_sha256: String,
}

/// Marks a database image as in rollback-journal mode (bytes 18 and 19 of
/// its header, which the copy keeps from the branch's file in WAL mode):
/// SQLite refuses to open an image in memory that says it uses a
/// write-ahead log.
fn rollback_mode(image: &mut [u8]) {
    if image.len() >= 20 {
        image[18] = 1;
        image[19] = 1;
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether the file at `path` is a sealed copy (an age file), from its first
/// bytes; a file that is not regular or too large is refused first.
pub fn is_sealed(path: &Path) -> Result<bool> {
    let (file, _) = intake::open_regular(path, file_limit())?;
    let mut start = Vec::with_capacity(AGE_MAGIC.len());
    file.take(AGE_MAGIC.len() as u64)
        .read_to_end(&mut start)
        .map_err(|e| Error::storage(format!("Cannot read {}: {e}", path.display())))?;
    Ok(start == AGE_MAGIC)
}

/// The largest sealed file read: the largest database, the line describing
/// it, and age's header and 16 bytes for every 64 KiB.
fn file_limit() -> u64 {
    let data = storage::MAX_DATABASE_BYTES + INFO_LIMIT;
    data + data.div_ceil(64 * 1024) * 16 + 64 * 1024
}

/// Copies the database `conn` has open into memory with SQLite's backup API:
/// a consistent copy while the branch is in use, never written to a file.
/// An encrypted branch is copied by SQLCipher's export into a plain database
/// in memory instead (SQLCipher's backup API copies only between files with
/// the same key).
fn copy_in_memory(conn: &Connection, encrypted: bool) -> Result<Connection> {
    let mut memory = Connection::open_in_memory()?;
    harden(&memory)?;
    if encrypted {
        let image = export_plain_image(conn)?;
        memory.deserialize_read_exact(MAIN_DB, &image[..], image.len(), false)?;
        return Ok(memory);
    }
    if !copy_all(conn, &mut memory, BUSY_WAIT)? {
        return Err(Error::storage(
            "The branch stayed busy, so no consistent copy could be read. Try again when the other program has finished.",
        ));
    }
    Ok(memory)
}

/// The main database of an encrypted `conn` as the bytes of a plain SQLite
/// file, made in memory: `sqlcipher_export` into an attached in-memory
/// database, read back with `serialize`, then detached.
fn export_plain_image(conn: &Connection) -> Result<Vec<u8>> {
    keys::before_attach(conn, None)?;
    conn.execute_batch("ATTACH DATABASE ':memory:' AS sealed_copy KEY ''")?;
    let result = (|| -> Result<Vec<u8>> {
        conn.query_row("SELECT sqlcipher_export('sealed_copy')", [], |_| Ok(()))?;
        let app_id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        conn.execute_batch(&format!(
            "PRAGMA sealed_copy.application_id = {app_id}; PRAGMA sealed_copy.user_version = {version};"
        ))?;
        Ok(conn.serialize("sealed_copy")?.to_vec())
    })();
    let detached = conn.execute_batch("DETACH DATABASE sealed_copy");
    let image = result?;
    detached?;
    Ok(image)
}

/// Writes a sealed copy of the database `conn` has open to `target`, a new
/// file, through a temporary name so a half-written copy never carries the
/// final one. `kind` and `label` say what it is (see [`SealedInfo`]).
pub(crate) fn write(
    conn: &Connection,
    encrypted: bool,
    target: &Path,
    passphrase: &Passphrase,
    kind: &str,
    label: &str,
) -> Result<SealedInfo> {
    if target.exists() {
        return Err(Error::new(
            ErrorCode::Invalid,
            format!(
                "{} already exists. Choose a new file name.",
                target.display()
            ),
        ));
    }
    let memory = copy_in_memory(conn, encrypted)?;
    let version: i64 = memory.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let mut image = memory.serialize(MAIN_DB)?.to_vec();
    rollback_mode(&mut image);
    let info = SealedInfo {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        kind: kind.to_owned(),
        app_version: crate::VERSION.to_owned(),
        schema_version: version as u32,
        created_at: crate::clock::now_text(),
        label: label.to_owned(),
        database_bytes: image.len() as u64,
        database_sha256: hex(&Sha256::digest(&image[..])),
    };
    let partial = target.with_file_name(format!(
        ".{}.partial",
        target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "copy".to_owned())
    ));
    let mut write = || -> std::io::Result<()> {
        let mut recipient = age::scrypt::Recipient::new(passphrase.0.clone());
        recipient.set_work_factor(WORK_FACTOR);
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(std::io::Error::other)?;
        let file = File::create(&partial)?;
        let mut sealed = encryptor.wrap_output(BufWriter::new(file))?;
        let mut line = serde_json::to_vec(&info).map_err(std::io::Error::other)?;
        line.push(b'\n');
        sealed.write_all(&line)?;
        sealed.write_all(&image)?;
        image.fill(0);
        let file = sealed.finish()?.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&partial, target)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&partial);
        Error::storage(format!("Cannot write {}: {e}", target.display()))
    })?;
    Ok(info)
}

/// A sealed copy opened and checked, held in memory.
pub struct Opened {
    pub info: SealedInfo,
    pub(crate) conn: Connection,
    pub(crate) version: usize,
    pub(crate) named: String,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened").field("info", &self.info).finish()
    }
}

fn damaged(named: &str, why: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::Damaged,
        format!(
            "{named} is not a whole sealed Handbill copy (it may be truncated or damaged): {why}. Nothing was changed."
        ),
    )
}

fn not_ours(named: &str, why: &str) -> Error {
    Error::new(
        ErrorCode::NotADatabase,
        format!("{named} is not a sealed Handbill copy: {why}. Nothing was changed."),
    )
}

/// Reads one byte past `limit` at most, into `out`.
fn read_limited(reader: &mut impl Read, limit: u64, out: &mut Vec<u8>) -> std::io::Result<()> {
    reader.take(limit + 1).read_to_end(out).map(|_| ())
}

/// Opens a sealed copy with `passphrase`: decrypts it into memory (its size
/// checked before and while it is read), then checks that it is a whole
/// Handbill database this version can take in. Nothing is written anywhere.
pub fn open(source: &Path, passphrase: &Passphrase) -> Result<Opened> {
    let named = source.display().to_string();
    let (file, len) = intake::open_regular(source, file_limit())?;
    let decryptor = age::Decryptor::new_buffered(BufReader::new(file)).map_err(|e| match e {
        age::DecryptError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            damaged(&named, "it ends inside its header")
        }
        age::DecryptError::UnknownFormat | age::DecryptError::InvalidHeader => {
            not_ours(&named, "it is not an age file Handbill wrote")
        }
        e => damaged(&named, e),
    })?;
    if !decryptor.is_scrypt() {
        return Err(not_ours(
            &named,
            "it is encrypted for a key, not with a passphrase",
        ));
    }
    let mut identity = age::scrypt::Identity::new(passphrase.0.clone());
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    let reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed
            | age::DecryptError::KeyDecryptionFailed
            | age::DecryptError::NoMatchingKeys => Error::new(
                ErrorCode::Invalid,
                format!("The passphrase does not open {named}: check it and try again (it is the one chosen when the copy was made). Nothing was changed."),
            ),
            age::DecryptError::ExcessiveWork { .. } => not_ours(
                &named,
                "it asks for far more work to open than a copy Handbill writes",
            ),
            age::DecryptError::InvalidMac => damaged(&named, "its header was changed"),
            e => damaged(&named, e),
        })?;
    let mut reader = BufReader::new(reader);
    let io = |e: std::io::Error| damaged(&named, e);
    // The line describing the copy.
    let mut line = Vec::new();
    (&mut reader)
        .take(INFO_LIMIT + 1)
        .read_until(b'\n', &mut line)
        .map_err(io)?;
    if line.last() != Some(&b'\n') {
        return Err(if line.len() as u64 > INFO_LIMIT {
            not_ours(&named, "it does not start with a description of the copy")
        } else {
            damaged(&named, "it ends inside its description")
        });
    }
    let info: SealedInfo = serde_json::from_slice(&line)
        .map_err(|e| not_ours(&named, &format!("its description is unreadable ({e})")))?;
    if info.format != FORMAT {
        return Err(not_ours(&named, "it names another format"));
    }
    if info.format_version > FORMAT_VERSION
        || info.schema_version as usize > storage::schema_version()
    {
        return Err(Error::new(
            ErrorCode::NewerDatabase,
            format!(
                "{named} was sealed by Handbill {} in a newer format or schema than this Handbill ({}) reads. \
                 Update Handbill to open it. Nothing was changed.",
                info.app_version,
                crate::VERSION
            ),
        ));
    }
    // Encryption does not shrink data: a database larger than the file is a lie.
    if info.database_bytes > storage::MAX_DATABASE_BYTES || info.database_bytes > len {
        return Err(damaged(
            &named,
            format!(
                "its description says the database is {} bytes, more than the file holds",
                info.database_bytes
            ),
        ));
    }
    let declared = info.database_bytes;
    let mut image = Vec::with_capacity(declared as usize);
    let start = storage::read_start(&mut reader, &named)?;
    let header = intake::identify(&start, declared, &named)?;
    if header.pages * header.page_size != declared {
        return Err(damaged(
            &named,
            format!(
                "its database says it is {} bytes where its description says {declared}",
                header.pages * header.page_size
            ),
        ));
    }
    image.extend_from_slice(&start);
    read_limited(&mut reader, declared - start.len() as u64, &mut image).map_err(io)?;
    if image.len() as u64 != declared {
        return Err(damaged(
            &named,
            format!(
                "its database is {} bytes where its description says {declared}",
                image.len()
            ),
        ));
    }
    // Reading on to the end checks age's mark on the last piece: a copy
    // cut short after the database is refused too.
    let mut rest = Vec::new();
    read_limited(&mut reader, 0, &mut rest).map_err(io)?;
    if !rest.is_empty() {
        return Err(damaged(&named, "it holds more than its database"));
    }
    if hex(&Sha256::digest(&image)) != info.database_sha256 {
        return Err(damaged(&named, "its database does not match its checksum"));
    }
    rollback_mode(&mut image);
    let mut conn = Connection::open_in_memory()?;
    harden(&conn)?;
    let deserialized = conn.deserialize_read_exact(MAIN_DB, &image[..], image.len(), true);
    image.fill(0);
    deserialized.map_err(|e| damaged(&named, e))?;
    let version = intake::inspect_conn(&conn, &named)?;
    if version != info.schema_version as usize {
        return Err(damaged(
            &named,
            format!(
                "its description says schema {} but its database is schema {version}",
                info.schema_version
            ),
        ));
    }
    Ok(Opened {
        info,
        conn,
        version,
        named,
    })
}
