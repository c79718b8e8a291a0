//! The sign-up sheet import's commands: preview a chosen file (its bytes
//! arrive as the request body), run the import in the background with
//! progress events, cancel it, save its report, and list past imports. Thin
//! adapters over `handbill_core::mail::import`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use handbill_core::mail::import::{self, ImportFinished, ImportJob, ImportOptions, ImportPreview};
use handbill_core::mail::lists;
use handbill_core::{Database, Error};
use tauri::ipc::{InvokeBody, Request};
use tauri::{AppHandle, Emitter, Manager, State};

use crate::job::{self, Progress};
use crate::window::dialog;
use crate::window::AppState;

/// The raw request body of a file's piece, and where in the file it starts
/// (the `x-offset` header, named by the command so the generated contract
/// lists it; 0 when absent, for a file sent whole).
fn piece<'a>(request: &'a Request<'_>, offset_header: &str) -> Result<(&'a [u8], usize), Error> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(Error::internal("The file did not arrive as bytes."));
    };
    let offset = match request.headers().get(offset_header) {
        None => 0,
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| Error::internal("A piece of the file arrived without its place."))?,
    };
    Ok((bytes, offset))
}

/// Appends `bytes`, which start at `offset` in the file, to the pieces
/// received so far (a piece at 0 starts a new file); answers the whole so far.
fn receive(received: &mut Vec<u8>, bytes: &[u8], offset: usize) -> Result<(), Error> {
    if offset == 0 {
        received.clear();
    } else if offset != received.len() {
        received.clear();
        return Err(Error::internal(
            "The file arrived out of order. Choose it again.",
        ));
    }
    // Refused as the pieces arrive, before a file too big to import is all held.
    if let Err(e) = import::check_size(received.len() + bytes.len()) {
        received.clear();
        return Err(e);
    }
    received.extend_from_slice(bytes);
    Ok(())
}

/// Receives a piece of a chosen file before its last (the page sends a large
/// sheet a few megabytes at a time, so no one message holds the window).
#[tauri::command]
pub async fn import_stage(state: State<'_, AppState>, request: Request<'_>) -> Result<(), Error> {
    let (bytes, offset) = piece(&request, "x-offset")?;
    let bytes = bytes.to_vec();
    let state = AppState::clone(&state);
    crate::window::blocking(move || receive(&mut state.import_slot().receiving, &bytes, offset))
        .await
}

/// Reads a chosen file (sent as the raw request body, whole or as its last
/// piece after `import_stage`, its name in the `x-file-name` header) and
/// shows what an import would do. It is kept for `import_start`, so it
/// crosses the IPC boundary once.
#[tauri::command]
pub async fn import_preview(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<ImportPreview, Error> {
    let (last, offset) = piece(&request, "x-offset")?;
    let last = last.to_vec();
    let name = request
        .headers()
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_else(|| "file.csv".to_owned());
    let state = AppState::clone(&state);
    // The preview reads the file off the window's thread; it is kept for `import_start`.
    crate::window::blocking(move || {
        let bytes = {
            let mut slot = state.import_slot();
            let mut whole = std::mem::take(&mut slot.receiving);
            receive(&mut whole, &last, offset)?;
            Arc::new(whole)
        };
        let preview = import::preview(&name, &bytes)?;
        state.import_slot().staged = Some((name, bytes));
        Ok(preview)
    })
    .await
}

/// Starts importing the previewed file on a thread of its own, with its own
/// connection, so the window stays responsive. Progress arrives as
/// `import-progress` events, the end as one `import-finished` event.
#[tauri::command]
pub async fn import_start(
    app: AppHandle,
    state: State<'_, AppState>,
    options: ImportOptions,
) -> Result<(), Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        state.with_db(|db| lists::get(db, options.list_id).map(|_| ()))?;
        let mut slot = state.import_slot();
        if slot.running.is_some() {
            return Err(Error::invalid_field(
                "file",
                "An import is already running. Wait for it to finish, or cancel it.",
            ));
        }
        let Some((name, bytes)) = slot.staged.clone() else {
            return Err(Error::invalid_field("file", "Choose a CSV file first."));
        };
        let cancel = Arc::new(AtomicBool::new(false));
        slot.running = Some(cancel.clone());
        drop(slot);
        let path = state.path.clone();
        // Four times a second, as the sending job: each report changes the
        // progress line's text, and WebKitGTK lays the page out again for it
        // (about 25 ms of the page's CPU each, measured; at 20 a second the
        // page spent half a CPU on them and missed frames on a busy machine).
        let progress = Progress::window(app.clone(), "import-progress", Duration::from_millis(250));
        job::spawn("import".to_owned(), move || {
            let opened = Database::open(&path);
            let result = opened.as_ref().map_err(Clone::clone).and_then(|db| {
                import::run(
                    db,
                    &name,
                    &bytes,
                    &options,
                    &mut |p| {
                        if p.phase.goes_row_by_row() {
                            progress.report(&p);
                        } else {
                            progress.step(&p);
                        }
                    },
                    &cancel,
                )
            });
            let state = app.state::<AppState>();
            let mut slot = state.import_slot();
            slot.running = None;
            let finished = match result {
                Ok(report) => {
                    let shown = report.for_window(REPORT_ROWS_SHOWN);
                    slot.last_report = Some(report);
                    ImportFinished {
                        report: Some(shown),
                        error: None,
                    }
                }
                Err(e) => ImportFinished {
                    report: None,
                    error: Some(e),
                },
            };
            drop(slot);
            let _ = app.emit("import-finished", finished);
            // With the report on screen, copy the import into the database
            // file (the import left that out of the organizer's wait).
            if let Ok(db) = &opened {
                if let Err(e) = import::checkpoint(db) {
                    tracing::warn!(code = ?e.code, "the checkpoint after an import failed");
                }
            }
        })?;
        Ok(())
    })
    .await
}

/// Asks the running import to stop; it rolls back and reports “cancelled”.
#[tauri::command]
pub async fn import_cancel(state: State<'_, AppState>) -> Result<bool, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        let value = {
            match &state.import_slot().running {
                Some(flag) => {
                    flag.store(true, Ordering::Relaxed);
                    true
                }
                None => false,
            }
        };
        Ok(value)
    })
    .await
}

/// Saves the last import's row-by-row report as CSV, to the file the
/// organizer picks in the save dialog (starting from `suggested`); answers
/// the path written, or None when they cancel.
#[tauri::command]
pub async fn import_report_save(
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
    suggested: String,
) -> Result<Option<String>, Error> {
    let no_report = || Error::not_found("There is no import report to save yet.");
    if state.import_slot().last_report.is_none() {
        return Err(no_report());
    }
    let what = dialog::SaveAs {
        title: "Save the import report",
        filter_name: "CSV",
        extensions: &["csv"],
        suggested: &suggested,
        fallback: "import-report.csv",
    };
    let Some(path) = dialog::save_path(&window, what).await? else {
        return Ok(None);
    };
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        let slot = state.import_slot();
        let report = slot.last_report.as_ref().ok_or_else(no_report)?;
        report.save(&path)?;
        Ok(Some(path.display().to_string()))
    })
    .await
}

#[tauri::command]
pub async fn import_jobs(state: State<'_, AppState>) -> Result<Vec<ImportJob>, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| import::jobs(db, 5))).await
}

/// How many report lines an import sends to the window; a saved report has them all.
const REPORT_ROWS_SHOWN: usize = 500;
