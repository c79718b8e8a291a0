//! A record, beside the branch file, that it was found whole: the file's
//! length and BLAKE3 hash (about 15 ms for a branch of 100,000 people, where
//! SHA-256 took 45) as it stood when SQLite's integrity check last passed
//! on it, or when Handbill last closed it cleanly. Opening compares the file
//! with it and skips the full check (which reads every page of the file, and
//! on a big branch takes most of the start) when the bytes are the same ones.
//! Any change made since (another program, a copy over it, a damaged disk
//! sector, a write left in the log) changes the hash, and the full check runs.
//!
//! The record names nothing of the branch: a length and a hash of bytes that
//! are, by default, encrypted. A file with a write-ahead log that holds data
//! is never recorded or trusted: the file alone is not what SQLite reads.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The first word of a record: what it is, and its version.
const TAG: &str = "handbill-checked-v2";
/// A record is one short line; anything longer is not one.
const MAX_RECORD_BYTES: u64 = 256;

/// The file beside `path` that holds the record.
fn record_path(path: &Path) -> PathBuf {
    super::beside(path, ".checked")
}

/// The write-ahead log beside `path`, as SQLite names it.
fn wal_path(path: &Path) -> PathBuf {
    super::beside(path, "-wal")
}

/// Whether the file's write-ahead log is absent or empty (holds no writes
/// that are not in the file).
fn log_is_empty(path: &Path) -> bool {
    match fs::metadata(wal_path(path)) {
        Ok(wal) => wal.len() == 0,
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    }
}

/// The file's length and hash, or `None` when it can't be read whole or its
/// log holds writes not yet in it.
fn fingerprint(path: &Path) -> Option<String> {
    if !log_is_empty(path) {
        return None;
    }
    let mut file = fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() == 0 {
        return None;
    }
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut read = 0u64;
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        read += n as u64;
    }
    // A file that grew or shrank while it was read is not recorded.
    if read != meta.len() || file.metadata().ok()?.len() != read {
        return None;
    }
    Some(format!("{TAG} {read} {}", hasher.finalize().to_hex()))
}

/// Whether the file is byte for byte the one last found whole.
pub(crate) fn unchanged(path: &Path) -> bool {
    let record = record_path(path);
    let Ok(meta) = fs::symlink_metadata(&record) else {
        return false;
    };
    if !meta.is_file() || meta.len() > MAX_RECORD_BYTES {
        return false;
    }
    let Ok(kept) = fs::read_to_string(&record) else {
        return false;
    };
    // The length first: a file of another length needs no hash to differ.
    let Some(len) = kept.split(' ').nth(1).and_then(|l| l.parse::<u64>().ok()) else {
        return false;
    };
    if fs::metadata(path).map(|m| m.len()).ok() != Some(len) {
        return false;
    }
    fingerprint(path).is_some_and(|now| now == kept.trim_end())
}

/// Which file is at `path` and how it stood (device, inode, length,
/// modification and change times), taken when it is opened: at closing, a
/// file put in its place meanwhile (a restore by hand, a copy over it) was
/// never checked and is not recorded, and a file that stands as it did,
/// already recorded, is not read through again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Identity {
    file: (u64, u64),
    stood: (u64, i64, i64, i64, i64),
}

#[cfg(unix)]
pub(crate) fn identity(path: &Path) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(path).ok()?;
    Some(Identity {
        file: (m.dev(), m.ino()),
        stood: (
            m.len(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec(),
        ),
    })
}

/// Elsewhere the file's identity is not known: it is recorded only after a full check.
#[cfg(not(unix))]
pub(crate) fn identity(_path: &Path) -> Option<Identity> {
    None
}

/// At a clean close of the connection that opened the file: records it
/// again unless it is another file than the one opened, or it stands as it
/// did when opened and its record is there (the record then still holds: a
/// change the clock could not tell changes the hash, and the next opening
/// checks in full).
pub(crate) fn record_at_close(path: &Path, opened: &Identity) {
    let Some(now) = identity(path) else {
        return;
    };
    if now.file != opened.file {
        return;
    }
    if now == *opened && record_path(path).is_file() && log_is_empty(path) {
        return;
    }
    record(path);
}

/// Records the file as whole (just checked, or just closed cleanly by
/// SQLite); does nothing when its log holds writes or the record can't be
/// written, so the next opening checks in full.
pub(crate) fn record(path: &Path) {
    let target = record_path(path);
    let Some(line) = fingerprint(path) else {
        let _ = fs::remove_file(&target);
        return;
    };
    let scratch = target.with_extension("checked-new");
    if fs::write(&scratch, format!("{line}\n")).is_err() || fs::rename(&scratch, &target).is_err() {
        let _ = fs::remove_file(&scratch);
        let _ = fs::remove_file(&target);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_of_one_byte_or_a_log_with_writes_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("branch.sqlite");
        fs::write(&file, vec![7u8; 100_000]).unwrap();
        assert!(!unchanged(&file), "nothing recorded yet");
        record(&file);
        assert!(unchanged(&file));

        let mut bytes = fs::read(&file).unwrap();
        bytes[54_321] = 8;
        fs::write(&file, &bytes).unwrap();
        assert!(!unchanged(&file), "one byte changed, same length");
        record(&file);
        assert!(unchanged(&file));

        fs::write(wal_path(&file), b"a write not yet in the file").unwrap();
        assert!(!unchanged(&file), "a log with writes");
        fs::write(wal_path(&file), b"").unwrap();
        assert!(unchanged(&file), "an empty log adds nothing");

        fs::write(record_path(&file), vec![b'x'; 10_000]).unwrap();
        assert!(!unchanged(&file), "a record too long to be one");
    }
}
