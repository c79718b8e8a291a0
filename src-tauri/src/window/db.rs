//! The database's commands: whether it is open (and why not), backups and
//! restoring one, the diagnostic report and the log folder. Thin adapters
//! over `handbill_core::db::backup`, `status` and `diagnostics`.

use handbill_core::branch::status::{self, AppStatus, FirstSteps};
use handbill_core::db::backup::{self, BackupInfo, BackupKind};
use handbill_core::db::diagnostics;
use handbill_core::{Database, Error, ErrorCode};
use tauri::State;
use tauri_plugin_opener::OpenerExt;

use super::AppState;

#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> Result<AppStatus, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        let value = {
            let guard = state.lock();
            status::status(&state.path, guard.as_ref())
        };
        Ok(value)
    })
    .await
}

/// Which of a new branch's first steps are done (the Events screen offers the rest).
#[tauri::command]
pub async fn first_steps(state: State<'_, AppState>) -> Result<FirstSteps, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(status::first_steps)).await
}

/// Hides the first steps for good (*Hide these steps* on Events).
#[tauri::command]
pub async fn first_steps_hide(state: State<'_, AppState>) -> Result<FirstSteps, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(status::hide_first_steps)).await
}

#[tauri::command]
pub async fn backups_list(state: State<'_, AppState>) -> Result<Vec<BackupInfo>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        super::after_daily_backup();
        backup::list(&state.path)
    })
    .await
}

#[tauri::command]
pub async fn backup_now(state: State<'_, AppState>) -> Result<BackupInfo, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        super::after_daily_backup();
        state.with_db(|db| backup::snapshot(db, BackupKind::Manual))
    })
    .await
}

/// Replaces the open database with a backup (the UI has asked for confirmation)
/// and answers with the new status. The page names the backup by its file
/// name only; the file is looked up in the backups folder Rust lists, so the
/// page cannot point a restore at any other file.
#[tauri::command]
pub async fn backup_restore(
    state: State<'_, AppState>,
    file_name: String,
) -> Result<AppStatus, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        super::after_daily_backup();
        let source = backup::find(&state.path, &file_name)?;
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
    })
    .await
}

#[tauri::command]
pub async fn diagnostics_report(state: State<'_, AppState>) -> Result<String, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        let value = {
            let guard = state.lock();
            diagnostics::report(
                &state.path,
                guard.as_ref().ok(),
                diagnostics::log_dir().as_deref(),
            )
        };
        Ok(value)
    })
    .await
}

#[tauri::command]
pub async fn open_log_folder(app: tauri::AppHandle) -> Result<(), Error> {
    super::blocking(move || {
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
            .map_err(|e| {
                Error::internal(format!("Cannot open the log folder {}: {e}", dir.display()))
            })
    })
    .await
}
