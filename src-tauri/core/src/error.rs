//! The one error type that every core function returns and that crosses the IPC
//! boundary as `{code, message, fields}`. `code` is a small, stable enum the UI
//! branches on; `message` is a sentence for a person; `fields` names each form
//! field that is wrong, so the window can show the message beside it.

use serde::Serialize;
use ts_rs::TS;

/// What kind of failure this is. Stable: the UI and scripts branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Input was rejected; `fields` says which and why.
    Invalid,
    /// The thing asked for does not exist.
    NotFound,
    /// The file is not a Handbill database (not SQLite, or another program's).
    NotADatabase,
    /// The database file is damaged.
    Damaged,
    /// The database was written by a newer Handbill.
    NewerDatabase,
    /// The database or a file could not be read or written (permissions, disk full, path).
    Storage,
    /// Something that should not happen; the message says what.
    Internal,
}

/// One form field that is wrong and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FieldProblem {
    /// The field's key, as in `branch show --json` (e.g. `contact_email`).
    pub field: String,
    pub message: String,
}

/// A failure, told the way a person can act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[ts(rename = "AppError")]
#[error("{message}")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    /// Empty unless `code` is `invalid`.
    pub fields: Vec<FieldProblem>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn storage(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Storage, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }

    /// A rejection of one or more fields. The message lists them all.
    pub fn invalid(fields: Vec<FieldProblem>) -> Self {
        let message = fields
            .iter()
            .map(|p| format!("{}: {}", p.field, p.message))
            .collect::<Vec<_>>()
            .join("\n");
        Error {
            code: ErrorCode::Invalid,
            message,
            fields,
        }
    }

    /// A rejection of one field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldProblem {
            field: field.to_owned(),
            message: message.into(),
        }])
    }
}

/// SQLite failures that reach a person are named by what they mean for their
/// file; the raw SQLite text is kept at the end for a bug report.
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::DatabaseCorrupt) => Error::new(
                ErrorCode::Damaged,
                format!("The database file is damaged ({e}). Restore it from a backup."),
            ),
            Some(C::NotADatabase) => Error::new(
                ErrorCode::NotADatabase,
                format!("The file is not a Handbill database ({e})."),
            ),
            Some(C::ReadOnly) => Error::storage(format!(
                "The database is read-only, so nothing can be saved ({e}). Check the file's permissions."
            )),
            Some(C::DiskFull) => Error::storage(format!(
                "The disk is full, so nothing was saved ({e}). Free some space and try again."
            )),
            Some(C::CannotOpen) => Error::storage(format!("The database file cannot be opened ({e}).")),
            Some(C::DatabaseBusy) | Some(C::DatabaseLocked) => Error::storage(format!(
                "The database is busy: another Handbill may be writing to it ({e}). Try again."
            )),
            _ => Error::internal(format!("Database error: {e}")),
        }
    }
}

impl From<rusqlite_migration::Error> for Error {
    fn from(e: rusqlite_migration::Error) -> Self {
        match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => err.into(),
            other => Error::internal(format!("Could not upgrade the database: {other}")),
        }
    }
}

/// Text shown in a message, cut so a megabyte of junk stays readable.
pub(crate) fn short(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}
