//! The native file dialogs, opened from Rust: the only source of a path a
//! window command writes to. The page may suggest a file name (or a typed
//! path, which only pre-fills the dialog); the organizer confirms the file in
//! the system's own dialog, so script in the page can never name a file.
//! A blocking dialog on the main thread would deadlock (the dialog itself
//! runs there), so each one waits on a blocking-task thread.

use std::path::{Path, PathBuf};

use handbill_core::{db::outside, Error};
use tauri::WebviewWindow;
use tauri_plugin_dialog::DialogExt;

/// What a save dialog shows: its title (tests find the dialog by it), the
/// kind of file, and the suggestion the dialog starts from.
pub struct SaveAs<'a> {
    pub title: &'a str,
    pub filter_name: &'a str,
    pub extensions: &'a [&'a str],
    /// A file name or a typed path; empty suggests `fallback` in the Documents folder.
    pub suggested: &'a str,
    pub fallback: &'a str,
}

/// The longest suggestion taken from the page; a longer one (or one holding a
/// NUL, which no file name can) is ignored and the fallback name offered.
const LONGEST_SUGGESTION: usize = 4096;

/// Where a suggestion puts the dialog: a folder that exists and a file name.
/// Anything else in the suggestion is dropped: it only pre-fills the dialog.
fn starting_point(suggested: &str, fallback: &str) -> (PathBuf, String) {
    let suggested = suggested.trim();
    let suggested = if suggested.len() > LONGEST_SUGGESTION || suggested.contains('\0') {
        ""
    } else {
        suggested
    };
    let typed = Path::new(suggested);
    let name = typed
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| fallback.to_owned());
    let folder = typed
        .parent()
        .filter(|p| !p.as_os_str().is_empty() && p.is_absolute() && p.is_dir())
        .map(Path::to_path_buf)
        .unwrap_or_else(outside::default_folder);
    (folder, name)
}

/// Opens the system's "Save as" dialog over the window and waits for the
/// organizer's answer: the path chosen, or None when they cancelled.
pub async fn save_path(window: &WebviewWindow, what: SaveAs<'_>) -> Result<Option<PathBuf>, Error> {
    let (folder, name) = starting_point(what.suggested, what.fallback);
    let dialog = window
        .dialog()
        .file()
        .set_parent(window)
        .set_title(what.title)
        .set_directory(folder)
        .set_file_name(name)
        .add_filter(what.filter_name, what.extensions);
    let chosen = tauri::async_runtime::spawn_blocking(move || dialog.blocking_save_file())
        .await
        .map_err(|e| Error::internal(format!("The save dialog closed unexpectedly: {e}")))?;
    // Which dialog and whether a file was chosen; never the file's name or folder.
    tracing::debug!(
        dialog = what.title,
        chosen = chosen.is_some(),
        "save dialog closed"
    );
    match chosen {
        None => Ok(None),
        Some(file) => file.into_path().map(Some).map_err(|e| {
            Error::internal(format!(
                "The save dialog answered something that is not a file: {e}"
            ))
        }),
    }
}

/// Opens the system's "choose a folder" dialog over the window (titled
/// `title`: tests find the dialog by it), starting in the Documents folder,
/// and waits for the organizer's answer: the folder chosen, or None when
/// they cancelled. A folder can be made from the dialog.
pub async fn folder_path(window: &WebviewWindow, title: &str) -> Result<Option<PathBuf>, Error> {
    let dialog = window
        .dialog()
        .file()
        .set_parent(window)
        .set_title(title)
        .set_directory(outside::default_folder())
        .set_can_create_directories(true);
    let chosen = tauri::async_runtime::spawn_blocking(move || dialog.blocking_pick_folder())
        .await
        .map_err(|e| Error::internal(format!("The folder dialog closed unexpectedly: {e}")))?;
    // Which dialog and whether a folder was chosen; never the folder's name.
    tracing::debug!(
        dialog = title,
        chosen = chosen.is_some(),
        "folder dialog closed"
    );
    match chosen {
        None => Ok(None),
        Some(folder) => folder.into_path().map(Some).map_err(|e| {
            Error::internal(format!(
                "The folder dialog answered something that is not a folder: {e}"
            ))
        }),
    }
}
