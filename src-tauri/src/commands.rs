//! The window: Tauri's setup and the commands the UI invokes. Each command is a
//! thin adapter: take the input, call the core, return its typed result or its
//! `{code, message, fields}` error.
//!
//! No command takes a path from the page. A file a command writes is the one
//! the organizer picked in the native save dialog opened here (`dialog`); a
//! backup is restored by its name in Rust's own list of the backups folder;
//! files read (CSV imports, logos) arrive as the bytes of the file the
//! organizer picked in the page's file input, never as a path to open.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use handbill_core::branch::status::{self, AppStatus};
use handbill_core::branch::{self, BranchInput, BranchProfile};
use handbill_core::db::backup::{self, BackupInfo, BackupKind};
use handbill_core::db::{diagnostics, outside, storage};
use handbill_core::demo::{self, DemoReport};
use handbill_core::mail::export::{self, ExportOptions, ExportReport};
use handbill_core::mail::import::{
    self, ImportFinished, ImportJob, ImportOptions, ImportPreview, ImportReport,
};
use handbill_core::mail::lists::{self, Facets, List, Segment, SegmentFilter};
use handbill_core::mail::subscribers::{
    self, ConsentStatus, SubscriberDetail, SubscriberInput, SubscriberPage, SubscriberQuery,
    UnsubscribeReport,
};
use handbill_core::{Database, Error, ErrorCode};
use tauri::ipc::{InvokeBody, Request};
use tauri::{AppHandle, Emitter, Manager, State};
use tauri_plugin_opener::OpenerExt;

mod announce;
mod coalition;
mod dialog;
mod events;
mod flyers;

/// How many report lines an import sends to the window; a saved report has them all.
const REPORT_ROWS_SHOWN: usize = 500;

/// The open database, or why it could not be opened (shown in the window).
struct AppState {
    path: PathBuf,
    db: Mutex<Result<Database, Error>>,
    import: Mutex<ImportSlot>,
}

/// The file chosen for import, the import running in the background, and the
/// last report (kept whole, so it can be saved).
#[derive(Default)]
struct ImportSlot {
    staged: Option<(String, Arc<Vec<u8>>)>,
    running: Option<Arc<AtomicBool>>,
    last_report: Option<ImportReport>,
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

    fn import_slot(&self) -> MutexGuard<'_, ImportSlot> {
        self.import
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
            if let Ok(db) = &db {
                // An import that was running when Handbill last stopped left nothing behind; say so.
                let _ = import::recover(db);
            }
            (path, db)
        }
        Err(e) => (PathBuf::new(), Err(e)),
    };
    match &db {
        Ok(db) => {
            if let Err(e) = backup::daily_if_due(db) {
                // The code only: an error's message may name a path or a person.
                tracing::warn!(code = ?e.code, "the daily backup failed");
            }
        }
        Err(e) => tracing::warn!(code = ?e.code, "the database did not open"),
    }
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .manage(AppState {
            path,
            db: Mutex::new(db),
            import: Mutex::new(ImportSlot::default()),
        })
        .manage(announce::SessionPassword::default())
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
            lists_all,
            list_create,
            list_facets,
            segment_count,
            segments,
            segment_save,
            segment_delete,
            subscribers_search,
            subscriber_detail,
            subscriber_add,
            subscriber_update,
            subscriber_set_status,
            subscriber_delete,
            subscribers_unsubscribe,
            export_csv,
            default_folder,
            import_preview,
            import_start,
            import_cancel,
            import_report_save,
            import_jobs,
            announce::announcement_draft,
            announce::announcement_list,
            announce::announcement_get,
            announce::announcement_save,
            announce::announcement_preview,
            announce::announcement_send_test,
            announce::announcement_reach,
            announce::send_start,
            announce::send_resume,
            announce::send_pause,
            announce::send_cancel,
            announce::send_progress,
            announce::send_deliveries,
            announce::send_decide_uncertain,
            announce::mail_account,
            announce::mail_account_save,
            announce::mail_account_password,
            announce::mail_account_remove,
            announce::mail_account_test,
            flyers::flyer_preview,
            flyers::flyer_save,
            flyers::flyer_open,
            events::events_upcoming,
            events::events_undated,
            events::events_past,
            events::events_month,
            events::events_search,
            events::event_get,
            events::event_create,
            events::event_save_draft,
            events::event_update,
            events::event_delete,
            events::event_announce,
            events::event_reschedule,
            events::event_postpone,
            events::event_cancel,
            events::event_change_venue,
            events::event_duplicate,
            events::event_history,
            events::venues_all,
            events::venue_create,
            events::speakers_all,
            events::speaker_create,
            events::tours_all,
            events::tour_get,
            events::tour_create,
            events::tour_update,
            events::tour_add_stop,
            events::markdown_html,
            events::events_export_ics,
            events::events_listing,
            coalition::organizations_all,
            coalition::organization_get,
            coalition::organization_duplicates,
            coalition::organization_create,
            coalition::organization_update,
            coalition::organization_delete,
            coalition::organization_set_logo,
            coalition::organization_clear_logo,
            coalition::organization_logo,
            coalition::organization_history,
            coalition::organizations_import_preview,
            coalition::organizations_import,
            coalition::cosponsorships_for,
            coalition::cosponsor_set_status,
            coalition::cosponsor_set_logo_permitted,
            coalition::cosponsors_reorder,
            coalition::coalition_board,
            coalition::demand_lists_all,
            coalition::demand_list_get,
            coalition::demand_list_create,
            coalition::demand_list_update,
            coalition::demand_move,
            coalition::demand_version,
            coalition::demand_versions_diff,
            coalition::demand_endorse,
            coalition::demand_endorsements,
            coalition::demand_set_translation,
            coalition::event_demand_list,
            coalition::event_attach_demand_list,
            coalition::event_demands_to_latest,
            coalition::invitation_draft,
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

/// Called by the UI once its first screen is drawn: trims startup memory
/// (see `memory.rs`) and prints the startup time when `HANDBILL_STARTUP_PROBE`
/// is set (used by the startup benchmark).
#[tauri::command]
fn ui_ready(window: tauri::WebviewWindow) {
    crate::memory::settle(window);
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
/// and answers with the new status. The page names the backup by its file
/// name only; the file is looked up in the backups folder Rust lists, so the
/// page cannot point a restore at any other file.
#[tauri::command]
fn backup_restore(state: State<'_, AppState>, file_name: String) -> Result<AppStatus, Error> {
    let source = backup::list(&state.path)?
        .into_iter()
        .find(|b| b.file_name == file_name)
        .map(|b| PathBuf::from(b.path))
        .ok_or_else(|| {
            Error::not_found(
                "That backup is no longer in the backups folder. Reopen Settings → Backups and choose one from the list.",
            )
        })?;
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

#[tauri::command]
fn lists_all(state: State<'_, AppState>) -> Result<Vec<List>, Error> {
    state.with_db(lists::all)
}

#[tauri::command]
fn list_create(state: State<'_, AppState>, name: String) -> Result<List, Error> {
    state.with_db(|db| lists::create(db, &name))
}

#[tauri::command]
fn list_facets(state: State<'_, AppState>, list_id: i64) -> Result<Facets, Error> {
    state.with_db(|db| lists::facets(db, list_id))
}

#[tauri::command]
fn segment_count(
    state: State<'_, AppState>,
    list_id: i64,
    filter: SegmentFilter,
) -> Result<u32, Error> {
    state.with_db(|db| lists::reach(db, list_id, &filter))
}

#[tauri::command]
fn segments(state: State<'_, AppState>, list_id: i64) -> Result<Vec<Segment>, Error> {
    state.with_db(|db| lists::segments(db, list_id))
}

#[tauri::command]
fn segment_save(
    state: State<'_, AppState>,
    list_id: i64,
    name: String,
    filter: SegmentFilter,
) -> Result<Segment, Error> {
    state.with_db(|db| lists::save_segment(db, list_id, &name, filter))
}

#[tauri::command]
fn segment_delete(state: State<'_, AppState>, id: i64) -> Result<(), Error> {
    state.with_db(|db| lists::delete_segment(db, id))
}

#[tauri::command]
fn subscribers_search(
    state: State<'_, AppState>,
    query: SubscriberQuery,
) -> Result<SubscriberPage, Error> {
    state.with_db(|db| subscribers::search(db, &query))
}

#[tauri::command]
fn subscriber_detail(state: State<'_, AppState>, id: i64) -> Result<SubscriberDetail, Error> {
    state.with_db(|db| subscribers::detail(db, id))
}

#[tauri::command]
fn subscriber_add(
    state: State<'_, AppState>,
    input: SubscriberInput,
    list_id: Option<i64>,
) -> Result<SubscriberDetail, Error> {
    state.with_db(|db| subscribers::add(db, input, list_id, "Added in the window"))
}

#[tauri::command]
fn subscriber_update(
    state: State<'_, AppState>,
    id: i64,
    input: SubscriberInput,
) -> Result<SubscriberDetail, Error> {
    state.with_db(|db| subscribers::update(db, id, input))
}

/// Changes a subscriber's standing on a list. A leaving covers every list
/// unless `only_this_list`; for a return, `source` is the evidence of how they asked.
#[tauri::command]
fn subscriber_set_status(
    state: State<'_, AppState>,
    id: i64,
    list_id: i64,
    status: ConsentStatus,
    source: String,
    only_this_list: Option<bool>,
) -> Result<SubscriberDetail, Error> {
    let request = subscribers::StandingChange {
        subscriber_id: id,
        list_id,
        status,
        scope: if only_this_list.unwrap_or(false) {
            subscribers::OptOutScope::OnlyThisList
        } else {
            subscribers::OptOutScope::Branch
        },
        evidence: if status == ConsentStatus::Subscribed {
            source.clone()
        } else {
            String::new()
        },
    };
    state.with_db(|db| subscribers::change(db, &request, &source))
}

#[tauri::command]
fn subscriber_delete(state: State<'_, AppState>, id: i64) -> Result<(), Error> {
    state.with_db(|db| subscribers::delete(db, id, "Deleted in the window"))
}

#[tauri::command]
fn subscribers_unsubscribe(
    state: State<'_, AppState>,
    text: String,
    list_id: Option<i64>,
) -> Result<UnsubscribeReport, Error> {
    state.with_db(|db| {
        subscribers::unsubscribe_addresses(
            db,
            &text,
            list_id,
            "Pasted in the window (asked to leave)",
        )
    })
}

/// Exports a list (or segment) to the CSV file the organizer picks in the save
/// dialog, which starts from `suggested` (a name or a typed path); None when
/// they cancel.
#[tauri::command]
async fn export_csv(
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
    options: ExportOptions,
    suggested: String,
) -> Result<Option<ExportReport>, Error> {
    let what = dialog::SaveAs {
        title: "Export the list as CSV",
        filter_name: "CSV",
        extensions: &["csv"],
        suggested: &suggested,
        fallback: "subscribers.csv",
    };
    let Some(path) = dialog::save_path(&window, what).await? else {
        return Ok(None);
    };
    state
        .with_db(|db| export::to_file(db, &options, &path))
        .map(Some)
}

/// Where files are suggested to be saved: the user's Documents folder.
#[tauri::command]
fn default_folder() -> String {
    outside::default_folder().display().to_string()
}

/// Reads a chosen file (sent as the raw request body, its name in the
/// `x-file-name` header) and shows what an import would do. It is kept for
/// `import_start`, so it crosses the IPC boundary once.
#[tauri::command]
fn import_preview(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<ImportPreview, Error> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(Error::internal("The file did not arrive as bytes."));
    };
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
    let preview = import::preview(&name, bytes)?;
    state.import_slot().staged = Some((name, Arc::new(bytes.clone())));
    Ok(preview)
}

/// Starts importing the previewed file on a thread of its own, with its own
/// connection, so the window stays responsive. Progress arrives as
/// `import-progress` events, the end as one `import-finished` event.
#[tauri::command]
fn import_start(
    app: AppHandle,
    state: State<'_, AppState>,
    options: ImportOptions,
) -> Result<(), Error> {
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
    std::thread::Builder::new()
        .name("import".to_owned())
        .spawn(move || {
            let mut last = Instant::now();
            let opened = Database::open(&path);
            let result = opened.as_ref().map_err(Clone::clone).and_then(|db| {
                import::run(
                    db,
                    &name,
                    &bytes,
                    &options,
                    &mut |progress| {
                        // Enough to move the bar smoothly without flooding the window.
                        if !progress.phase.goes_row_by_row()
                            || last.elapsed() >= Duration::from_millis(50)
                        {
                            last = Instant::now();
                            let _ = app.emit("import-progress", progress);
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
        })
        .map_err(|e| Error::internal(format!("Could not start the import: {e}")))?;
    Ok(())
}

/// Asks the running import to stop; it rolls back and reports “cancelled”.
#[tauri::command]
fn import_cancel(state: State<'_, AppState>) -> bool {
    match &state.import_slot().running {
        Some(flag) => {
            flag.store(true, Ordering::Relaxed);
            true
        }
        None => false,
    }
}

/// Saves the last import's row-by-row report as CSV, to the file the
/// organizer picks in the save dialog (starting from `suggested`); answers
/// the path written, or None when they cancel.
#[tauri::command]
async fn import_report_save(
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
    let slot = state.import_slot();
    let report = slot.last_report.as_ref().ok_or_else(no_report)?;
    report.save(&path)?;
    Ok(Some(path.display().to_string()))
}

#[tauri::command]
fn import_jobs(state: State<'_, AppState>) -> Result<Vec<ImportJob>, Error> {
    state.with_db(|db| import::jobs(db, 5))
}
