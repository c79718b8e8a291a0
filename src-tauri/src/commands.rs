//! The window: Tauri's setup and the commands the UI invokes. Each command is a
//! thin adapter: take the input, call the core, return its typed result or its
//! `{code, message, fields}` error.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Mutex, MutexGuard};

use handbill_core::backup::{self, BackupInfo, BackupKind};
use handbill_core::branch::{self, BranchInput, BranchProfile};
use handbill_core::demo::{self, DemoReport};
use handbill_core::status::{self, AppStatus};
use handbill_core::{diagnostics, storage, Database, Error, ErrorCode};
use tauri::State;
use tauri_plugin_opener::OpenerExt;

/// The open database, or why it could not be opened (shown in the window).
struct AppState {
    path: PathBuf,
    db: Mutex<Result<Database, Error>>,
}

impl AppState {
    fn lock(&self) -> MutexGuard<'_, Result<Database, Error>> {
        // A panic elsewhere must not lock the organizer out of their data.
        self.db
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn with_db<T>(&self, f: impl FnOnce(&Database) -> Result<T, Error>) -> Result<T, Error> {
        let result = match &*self.lock() {
            Ok(db) => f(db),
            Err(e) => Err(e.clone()),
        };
        if let Err(e) = &result {
            tracing::warn!(code = ?e.code, "command failed");
        }
        result
    }
}

/// Opens the main window on the database chosen by `--db`, `HANDBILL_DB` or the default.
pub fn open_window(db: Option<PathBuf>) -> ExitCode {
    if cfg!(target_os = "linux") && !has_display() {
        eprintln!(
            "handbill: there is no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset). \
             Start Handbill from a desktop session, or run a command instead: handbill --help"
        );
        return ExitCode::from(1);
    }
    let (path, db) = match storage::resolve_path(db) {
        Ok(path) => {
            let db = Database::open(&path);
            (path, db)
        }
        Err(e) => (PathBuf::new(), Err(e)),
    };
    match &db {
        Ok(db) => {
            if let Err(e) = backup::daily_if_due(db) {
                tracing::warn!(code = ?e.code, message = %e.message, "the daily backup failed");
            }
        }
        Err(e) => tracing::warn!(code = ?e.code, "the database did not open"),
    }
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .manage(AppState {
            path,
            db: Mutex::new(db),
        })
        .invoke_handler(tauri::generate_handler![
            app_status,
            branch_save,
            branch_set_logo,
            branch_clear_logo,
            branch_logo,
            demo_load,
            time_zones,
            ui_ready,
            backups_list,
            backup_now,
            backup_restore,
            diagnostics_report,
            open_log_folder,
        ])
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("handbill: the window could not start: {e}");
            ExitCode::from(1)
        }
    }
}

/// GTK cannot start without a display; say so instead of letting it panic.
fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

#[tauri::command]
fn app_status(state: State<'_, AppState>) -> AppStatus {
    let guard = state.lock();
    status::status(&state.path, guard.as_ref())
}

#[tauri::command]
fn branch_save(state: State<'_, AppState>, input: BranchInput) -> Result<BranchProfile, Error> {
    state.with_db(|db| branch::save(db, input))
}

#[tauri::command]
fn branch_set_logo(state: State<'_, AppState>, bytes: Vec<u8>) -> Result<BranchProfile, Error> {
    state.with_db(|db| branch::set_logo(db, &bytes))
}

#[tauri::command]
fn branch_clear_logo(state: State<'_, AppState>) -> Result<BranchProfile, Error> {
    state.with_db(branch::clear_logo)
}

/// The logo as a `data:` URL the page can show (the CSP allows only the app's own images and data URLs).
#[tauri::command]
fn branch_logo(state: State<'_, AppState>) -> Result<Option<String>, Error> {
    use base64::Engine;
    state.with_db(|db| {
        Ok(branch::logo(db)?.map(|(media_type, bytes)| {
            format!(
                "data:{media_type};base64,{}",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            )
        }))
    })
}

#[tauri::command]
fn demo_load(state: State<'_, AppState>) -> Result<DemoReport, Error> {
    state.with_db(demo::load)
}

#[tauri::command]
fn time_zones() -> Vec<String> {
    branch::time_zones()
}

/// Called by the UI once its first screen is drawn; prints the startup time
/// when `HANDBILL_STARTUP_PROBE` is set (used by the startup benchmark).
#[tauri::command]
fn ui_ready() {
    if std::env::var_os("HANDBILL_STARTUP_PROBE").is_some() {
        if let Some(started) = crate::STARTED.get() {
            eprintln!(
                "handbill: ui ready after {} ms",
                started.elapsed().as_millis()
            );
        }
    }
}

#[tauri::command]
fn backups_list(state: State<'_, AppState>) -> Result<Vec<BackupInfo>, Error> {
    backup::list(&state.path)
}

#[tauri::command]
fn backup_now(state: State<'_, AppState>) -> Result<BackupInfo, Error> {
    state.with_db(|db| backup::snapshot(db, BackupKind::Manual))
}

/// Replaces the open database with a backup (the UI has asked for confirmation)
/// and answers with the new status.
#[tauri::command]
fn backup_restore(state: State<'_, AppState>, path: String) -> Result<AppStatus, Error> {
    let mut guard = state.lock();
    let current = std::mem::replace(
        &mut *guard,
        Err(Error::internal("A restore is in progress.")),
    );
    let db = match current {
        Ok(db) => db,
        Err(e) => {
            *guard = Err(e.clone());
            return Err(e);
        }
    };
    let source = PathBuf::from(&path);
    if let Err(e) = backup::check_source(&source) {
        *guard = Ok(db);
        return Err(e);
    }
    let result = backup::restore(db, &source);
    match result {
        Ok((db, _kept)) => {
            tracing::info!("restored a backup");
            *guard = Ok(db);
        }
        Err(e) => {
            tracing::warn!(code = ?e.code, "the restore failed");
            // The copy is one transaction: reopen whatever the file now holds.
            *guard = Database::open(&state.path);
            drop(guard);
            return Err(e);
        }
    }
    let status = status::status(&state.path, guard.as_ref());
    Ok(status)
}

#[tauri::command]
fn diagnostics_report(state: State<'_, AppState>) -> String {
    let guard = state.lock();
    diagnostics::report(
        &state.path,
        guard.as_ref().ok(),
        diagnostics::log_dir().as_deref(),
    )
}

#[tauri::command]
fn open_log_folder(app: tauri::AppHandle) -> Result<(), Error> {
    let dir = diagnostics::log_dir().ok_or_else(|| {
        Error::new(
            ErrorCode::NotFound,
            "There is no log folder on this computer.",
        )
    })?;
    std::fs::create_dir_all(&dir).map_err(|e| {
        Error::storage(format!(
            "Cannot create the log folder {}: {e}",
            dir.display()
        ))
    })?;
    app.opener()
        .open_path(dir.display().to_string(), None::<&str>)
        .map_err(|e| Error::internal(format!("Cannot open the log folder {}: {e}", dir.display())))
}
