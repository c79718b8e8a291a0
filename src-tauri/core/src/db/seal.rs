//! The seal at the end of a backup: its last [`SEAL_LEN`] bytes are
//! [`SEAL_TAG`], the SHA-256 of every byte before it in hex, and a line
//! break. SQLite reads a file only as far as its header's page count, so the
//! copy still opens as the database it is, in Handbill or any SQLite tool.
//! Only the format lives here, below both the backups that write and check
//! it and the key code that must look past it to tell how a file is locked.

/// What a backup's seal starts with.
pub(crate) const SEAL_TAG: &[u8] = b"Handbill backup sha256 ";
/// The length of a backup's seal.
pub const SEAL_LEN: u64 = 23 + 64 + 1;
