//! Reading files that come from outside: a CSV sign-up sheet, an organization
//! list, a logo, an `.ics` calendar, an event file. Every such read goes
//! through [`read`], which takes only a regular file (a FIFO, a device such as
//! `/dev/zero`, a socket or a folder is refused before it is opened for
//! reading, so nothing blocks or fills the memory), refuses a file larger than
//! the limit of its kind with a message naming the file, its size and the
//! limit, and reads at most one byte past the limit, so a file that grows
//! while it is read is caught too. Text from outside (typed, pasted or
//! imported) passes [`nul_field`] before it is stored: a NUL character cuts
//! a line short in C programs and is forbidden in iCalendar and email.
//!
//! Files going out, every file Handbill saves for a person (a CSV export, a
//! calendar, a flyer), are written whole or not at all by [`write`].

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

use crate::error::{Error, FieldProblem, Result};

/// What kind of file is read, for messages and limits.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    /// The field or argument errors name (`file`, `logo`).
    pub field: &'static str,
    /// How a message names the file: "CSV file", "logo", "calendar file".
    pub what: &'static str,
    /// The largest file of this kind Handbill reads, in bytes.
    pub limit: u64,
}

/// A size as a person reads it: bytes, KB or MB.
pub fn size_text(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if bytes < 1024 * 1024 {
        format!("{:.0} KB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    }
}

fn refused(kind: Kind, path: &Path, why: &str) -> Error {
    Error::invalid_field(
        kind.field,
        format!(
            "{} is {why}: Handbill reads only ordinary files here. Choose the {} itself.",
            path.display(),
            kind.what
        ),
    )
}

fn unreadable(kind: Kind, path: &Path, e: &std::io::Error) -> Error {
    // A file given as the `file` argument is named by its path alone; one
    // given for a field (a logo) says what it was meant to be.
    let what = if kind.field == "file" {
        String::new()
    } else {
        format!("the {} ", kind.what)
    };
    Error::invalid_field(
        kind.field,
        format!("Cannot read {what}{}: {e}.", path.display()),
    )
}

fn too_large(kind: Kind, path: &Path, size: u64) -> Error {
    Error::invalid_field(
        kind.field,
        format!(
            "{} is {}; the largest {} Handbill reads is {}. Choose a smaller file (or split it in parts).",
            path.display(),
            size_text(size),
            kind.what,
            size_text(kind.limit)
        ),
    )
}

/// What a file that is not a regular one is, in words.
fn special(meta: &Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a pipe (FIFO)");
        }
        if t.is_socket() {
            return Some("a socket");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

/// Opens without waiting: on unix a FIFO opened for reading would block until
/// a writer comes; `O_NONBLOCK` makes the open return at once (the type is
/// checked again on the open handle, so a file swapped for a FIFO between the
/// check and the open is still refused). A regular file ignores the flag.
fn open(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Reads a whole file from outside, following links, if it is a regular file
/// of at most `kind.limit` bytes; anything else is refused with a message
/// naming the file and what to do.
pub fn read(path: &Path, kind: Kind) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| unreadable(kind, path, &e))?;
    if let Some(why) = special(&meta) {
        return Err(refused(kind, path, why));
    }
    if meta.len() > kind.limit {
        return Err(too_large(kind, path, meta.len()));
    }
    let file = open(path).map_err(|e| unreadable(kind, path, &e))?;
    let meta = file.metadata().map_err(|e| unreadable(kind, path, &e))?;
    if let Some(why) = special(&meta) {
        return Err(refused(kind, path, why));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(kind.limit) as usize);
    file.take(kind.limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(kind, path, &e))?;
    if bytes.len() as u64 > kind.limit {
        return Err(Error::invalid_field(
            kind.field,
            format!(
                "{} grew past {} while it was read; the largest {} Handbill reads is {}. Wait until it is complete, or choose a smaller file.",
                path.display(),
                size_text(kind.limit),
                kind.what,
                size_text(kind.limit)
            ),
        ));
    }
    Ok(bytes)
}

/// Reads a file from outside as UTF-8 text (a byte-order mark is dropped),
/// with the checks of [`read`].
pub fn read_text(path: &Path, kind: Kind) -> Result<String> {
    let bytes = read(path, kind)?;
    let bytes = bytes
        .strip_prefix(&[0xEF, 0xBB, 0xBF][..])
        .map(<[u8]>::to_vec)
        .unwrap_or(bytes);
    String::from_utf8(bytes).map_err(|e| {
        Error::invalid_field(
            kind.field,
            format!(
                "{} is not UTF-8 text (byte {}). Save it as UTF-8 and try again; nothing was imported.",
                path.display(),
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// The first text field of `input` (as its JSON form names it, such as
/// `contacts[2].name`) that holds a NUL character, as a problem to report.
/// One walk over every field of a form's input, so a field added later is
/// covered without another check.
pub fn nul_field<T: serde::Serialize>(input: &T) -> Option<FieldProblem> {
    fn walk(value: &serde_json::Value, path: &mut String) -> bool {
        match value {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(items) => items.iter().enumerate().any(|(i, item)| {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = walk(item, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            serde_json::Value::Object(fields) => fields.iter().any(|(key, item)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                let found = walk(item, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            _ => false,
        }
    }
    let value = serde_json::to_value(input).ok()?;
    let mut path = String::new();
    walk(&value, &mut path).then(|| FieldProblem {
        field: if path.is_empty() { "text".to_owned() } else { path },
        message: "holds a NUL character (\\0), which Handbill does not store: it breaks calendars and emails. \
                  Remove it (it often comes from copying out of another program) and save again."
            .to_owned(),
    })
}

/// Adds [`nul_field`]'s problem to `problems`, unless a problem of that field
/// is already there (a field's own check may have found the NUL first).
pub fn add_nul_problem<T: serde::Serialize>(problems: &mut Vec<FieldProblem>, input: &T) {
    if let Some(p) = nul_field(input) {
        if !problems.iter().any(|q| q.field == p.field) {
            problems.push(p);
        }
    }
}

/// [`nul_field`] as an error, for a function that checks one input.
pub fn refuse_nul<T: serde::Serialize>(input: &T) -> Result<()> {
    match nul_field(input) {
        Some(problem) => Err(Error::invalid(vec![problem])),
        None => Ok(()),
    }
}

/// Where the window suggests saving files: the Documents folder, else home.
pub fn default_folder() -> std::path::PathBuf {
    directories::UserDirs::new()
        .map(|dirs| dirs.document_dir().unwrap_or(dirs.home_dir()).to_path_buf())
        .unwrap_or_else(|| std::path::PathBuf::from("."))
}

/// Writes a file Handbill makes for the organizer (a flyer, a calendar, a
/// CSV export, an import report, an invitation): whole or not at all, to a
/// temporary file beside it that is then renamed over it. The one way every
/// such file is written, from the window (to the file picked in the save
/// dialog) and from the command line (`-o FILE`). A missing path or a folder
/// is refused as bad input; a folder that does not exist, or one that cannot
/// be written, is a file-system problem, named with the path.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if path.as_os_str().is_empty() {
        return Err(Error::invalid_field("path", "Say where to save the file."));
    }
    if path.is_dir() {
        return Err(Error::invalid_field(
            "path",
            format!("{} is a folder: add the file's name to it.", path.display()),
        ));
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let cannot = |why: &str| {
        Error::storage(format!(
            "{} could not be saved: {why}. Choose another place.",
            path.display()
        ))
    };
    if !parent.is_dir() {
        return Err(cannot(&format!(
            "the folder does not exist ({})",
            parent.display()
        )));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_owned());
    let temp = parent.join(format!(".{name}.part"));
    std::fs::write(&temp, bytes)
        .and_then(|()| std::fs::rename(&temp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            cannot(&match e.kind() {
                std::io::ErrorKind::NotFound => "the folder does not exist".to_owned(),
                std::io::ErrorKind::PermissionDenied => "permission is denied".to_owned(),
                _ => e.to_string(),
            })
        })
}
