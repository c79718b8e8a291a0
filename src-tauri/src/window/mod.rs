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
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use handbill_core::db::{backup, keys, storage};
use handbill_core::mail::import::{self, ImportReport};
use handbill_core::{Database, Error, ErrorCode};
use tauri::Manager;

mod attendance;
mod branch;
mod coalition;
mod db;
mod dialog;
mod events;
mod flyers;
mod mail;
mod memory;
mod privacy;
mod publish;
pub(crate) mod share;

/// The open database, or why it could not be opened (shown in the window),
/// and the import slot. Cloned into every command: each runs on a thread of
/// Tauri's blocking pool ([`blocking`]), never on the window's own thread.
#[derive(Clone)]
pub(crate) struct AppState(Arc<Shared>);

pub(crate) struct Shared {
    pub(crate) path: PathBuf,
    db: Mutex<Result<Database, Error>>,
    import: Mutex<ImportSlot>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The file chosen for import, the import running in the background, and the
/// last report (kept whole, so it can be saved).
#[derive(Default)]
pub(crate) struct ImportSlot {
    /// The pieces of a chosen file received so far (`import_stage`).
    pub(crate) receiving: Vec<u8>,
    pub(crate) staged: Option<(String, Arc<Vec<u8>>)>,
    pub(crate) running: Option<Arc<AtomicBool>>,
    pub(crate) last_report: Option<ImportReport>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Result<Database, Error>> {
        // A panic elsewhere must not lock the organizer out of their data.
        self.db
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn with_db<T>(
        &self,
        f: impl FnOnce(&Database) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let result = match &*self.lock() {
            Ok(db) => f(db),
            Err(e) => Err(e.clone()),
        };
        if let Err(e) = &result {
            tracing::warn!(code = ?e.code, "command failed");
        }
        result
    }

    pub(crate) fn import_slot(&self) -> MutexGuard<'_, ImportSlot> {
        self.import
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The bytes of a file sent as the raw request body (not as a JSON array of
/// numbers: a logo or a CSV file may be megabytes).
pub(crate) fn raw_body<'a>(request: &'a tauri::ipc::Request<'_>) -> Result<&'a [u8], Error> {
    match request.body() {
        tauri::ipc::InvokeBody::Raw(bytes) => Ok(bytes),
        _ => Err(Error::internal("The file did not arrive as bytes.")),
    }
}

/// A header of the request, percent-decoded; empty when missing.
pub(crate) fn header(request: &tauri::ipc::Request<'_>, name: &str) -> String {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default()
}

/// Runs a command's work on Tauri's blocking pool, at background priority
/// ([`crate::job::background`]), and waits for it there, so the window's own
/// thread (which draws the page and runs the dialogs) never waits on the
/// database, a file or the CPU.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tauri::async_runtime::spawn_blocking(move || {
        crate::job::background();
        work()
    })
    .await
    .map_err(|e| Error::internal(format!("The command stopped unexpectedly: {e}")))?
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
            // An encrypted branch whose key is not in the keychain waits for
            // its passphrase, and a new one where there is no keychain for a
            // passphrase to be chosen: the page asks (see `privacy`).
            let db = match keys::access(&path) {
                Ok(keys::Access::Ready) => Database::open(&path),
                Ok(_) => Err(Error::new(
                    ErrorCode::Invalid,
                    "The branch is encrypted: type its passphrase to open it.",
                )),
                Err(e) => Err(e),
            };
            if let Ok(db) = &db {
                // An import that was running when Handbill last stopped left nothing behind; say so.
                let _ = import::recover(db);
                // A shared branch's change triggers, made again after a migration.
                if let Err(e) = handbill_core::share::prepare(db) {
                    tracing::warn!(code = ?e.code, "the sharing triggers could not be made");
                }
            }
            (path, db)
        }
        Err(e) => (PathBuf::new(), Err(e)),
    };
    match &db {
        Ok(db) => daily_backup_meanwhile(db),
        Err(e) => tracing::warn!(code = ?e.code, "the database did not open"),
    }
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .manage(AppState(Arc::new(Shared {
            path,
            db: Mutex::new(db),
            import: Mutex::new(ImportSlot::default()),
        })))
        .manage(mail::announcements::SessionPassword::default())
        .manage(mail::mailbox::MailboxSession::default())
        .manage(share::ShareSession::default())
        .invoke_handler(tauri::generate_handler![
            db::app_status,
            db::first_steps,
            db::first_steps_hide,
            branch::branch_save,
            branch::branch_set_logo,
            branch::branch_clear_logo,
            branch::branch_set_cancelled_shown,
            branch::branch_logo,
            branch::demo_load,
            branch::time_zones,
            branch::time_zones_likely,
            ui_ready,
            db::backups_list,
            db::backup_now,
            db::backup_restore,
            db::diagnostics_report,
            db::open_log_folder,
            privacy::privacy_unlock,
            privacy::privacy_choose,
            privacy::privacy_status,
            privacy::privacy_encrypt,
            privacy::privacy_decrypt,
            mail::lists_all,
            mail::list_create,
            mail::list_facets,
            mail::segment_count,
            mail::segments,
            mail::segment_save,
            mail::segment_delete,
            mail::subscribers_search,
            mail::subscriber_detail,
            mail::subscriber_add,
            mail::subscriber_update,
            mail::subscriber_set_status,
            mail::subscriber_delete,
            mail::subscriber_export_person,
            mail::subscriber_forget,
            mail::subscribers_unsubscribe,
            mail::export_csv,
            mail::default_folder,
            mail::import::import_stage,
            mail::import::import_preview,
            mail::import::import_start,
            mail::import::import_cancel,
            mail::import::import_report_save,
            mail::import::import_jobs,
            mail::announcements::announcement_draft,
            mail::announcements::event_told,
            mail::announcements::announcement_list,
            mail::announcements::announcement_get,
            mail::announcements::announcement_save,
            mail::announcements::announcement_preview,
            mail::announcements::announcement_preview_unsaved,
            mail::announcements::announcement_send_test,
            mail::announcements::announcement_reach,
            mail::announcements::send_start,
            mail::announcements::send_resume,
            mail::announcements::send_pause,
            mail::announcements::send_cancel,
            mail::announcements::send_progress,
            mail::announcements::outbox_open,
            mail::announcements::send_deliveries,
            mail::announcements::send_decide_uncertain,
            mail::announcements::announcement_schedule,
            mail::announcements::announcement_schedule_confirm,
            mail::announcements::announcement_unschedule,
            mail::announcements::mail_account,
            mail::announcements::mail_account_save,
            mail::announcements::mail_account_password,
            mail::announcements::mail_account_remove,
            mail::announcements::mail_account_test,
            mail::mailbox::mailbox_view,
            mail::mailbox::mailbox_save,
            mail::mailbox::mailbox_password,
            mail::mailbox::mailbox_remove,
            mail::mailbox::mailbox_test,
            mail::mailbox::mailbox_probe,
            mail::mailbox::mailbox_check,
            mail::mailbox::mailbox_import,
            mail::mailbox::mailbox_message,
            mail::mailbox::mailbox_undo,
            mail::mailbox::mailbox_resolve,
            flyers::flyer_preview,
            flyers::flyer_choices,
            flyers::flyer_remember_choices,
            flyers::flyer_page,
            flyers::flyer_save,
            flyers::flyer_open,
            publish::site_publish,
            publish::site_open,
            flyers::signin_sheet_save,
            flyers::social_image_save,
            attendance::attendance_show,
            attendance::attendance_sign_in,
            attendance::attendance_known,
            attendance::attendance_remove,
            attendance::attendance_import,
            events::events_upcoming,
            events::events_page,
            events::events_undated,
            events::events_past,
            events::events_month,
            events::events_search,
            events::event_get,
            events::series_dates,
            events::series_repeat,
            events::series_skip,
            events::series_move,
            events::series_end,
            events::when_read,
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
            events::tour_duplicates,
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
            share::share_status,
            share::share_init,
            share::share_invite,
            share::share_join,
            share::share_sync,
            share::share_remove,
            share::share_pick,
        ])
        .build(tauri::generate_context!())
        .map(|app| {
            mail::mailbox::start_background(app.handle().clone());
            share::start_background(app.handle().clone());
            mail::announcements::start_schedule(app.handle().clone());
            app.run(|app, event| {
                // Closing the branch as the window goes: SQLite moves the
                // log into the file, and the file is recorded as whole so
                // the next start need not read all of it to check it.
                // Work in the background that holds a connection of its own
                // (today's backup, a schedule or sync round) is waited for,
                // a little, so that this close is the file's last.
                if let tauri::RunEvent::Exit = event {
                    closing();
                    if let Some(state) = app.try_state::<AppState>() {
                        let open = std::mem::replace(
                            &mut *state.lock(),
                            Err(Error::internal("Handbill is closing.")),
                        );
                        if let Ok(db) = open {
                            if !db.close_when_alone(CLOSE_WAITS_AT_MOST) {
                                tracing::info!(
                                    "work in the background still held the branch at closing"
                                );
                            }
                        }
                    }
                }
            })
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("handbill: the window could not start: {e}");
            ExitCode::from(1)
        }
    }
}

/// Takes today's backup, if it is due, on a connection of its own in the
/// background once the first screen is drawn (or after a few seconds if it
/// never says so): a big branch's copy takes the better part of a second,
/// and the window need not wait for it or share the processor with it while
/// it starts. The copy is consistent while the window reads and writes
/// (SQLite's online backup).
pub(crate) fn daily_backup_meanwhile(db: &Database) {
    let other = match db.another_connection() {
        Ok(other) => other,
        Err(e) => {
            tracing::warn!(code = ?e.code, "the daily backup could not start");
            return;
        }
    };
    let (running, done) = &DAILY_BACKUP;
    *running.lock().unwrap_or_else(|p| p.into_inner()) = true;
    std::thread::spawn(move || {
        crate::job::background();
        first_screen_drawn(std::time::Duration::from_secs(5));
        let taken = if is_closing() {
            Ok(None)
        } else {
            backup::daily_if_due(&other)
        };
        if let Err(e) = taken {
            // The code only: an error's message may name a path or a person.
            tracing::warn!(code = ?e.code, "the daily backup failed");
        }
        drop(other);
        *running.lock().unwrap_or_else(|p| p.into_inner()) = false;
        done.notify_all();
    });
}

/// Whether the window's first screen is drawn (see [`ui_ready`]).
static FIRST_SCREEN_DRAWN: (Mutex<bool>, Condvar) = (Mutex::new(false), Condvar::new());

/// Whether the window is closing: work in the background that has not
/// started by then does not start.
static CLOSING: AtomicBool = AtomicBool::new(false);

/// How long a closing window waits for work in the background to let go of
/// the branch: a big branch's daily backup takes the better part of a second.
const CLOSE_WAITS_AT_MOST: std::time::Duration = std::time::Duration::from_secs(3);

/// Says the window is closing, and wakes whatever waits for the first screen.
fn closing() {
    CLOSING.store(true, Ordering::SeqCst);
    let (drawn, told) = &FIRST_SCREEN_DRAWN;
    drop(drawn.lock().unwrap_or_else(|p| p.into_inner()));
    told.notify_all();
}

/// Whether the window is closing (see [`closing`]).
pub(crate) fn is_closing() -> bool {
    CLOSING.load(Ordering::SeqCst)
}

/// Waits until the window's first screen is drawn, or `at_most` if it never
/// says so, or until the window closes: work in the background starts once
/// the window has started.
pub(crate) fn first_screen_drawn(at_most: std::time::Duration) {
    let (drawn, told) = &FIRST_SCREEN_DRAWN;
    let guard = drawn.lock().unwrap_or_else(|p| p.into_inner());
    drop(told.wait_timeout_while(guard, at_most, |d| !*d && !is_closing()));
}

/// Whether the daily backup is being taken, and its end told.
static DAILY_BACKUP: (Mutex<bool>, Condvar) = (Mutex::new(false), Condvar::new());

/// Waits (on the blocking pool) for a daily backup being taken to end, so a
/// list of the backups includes it and a restore or another copy follows it.
pub(crate) fn after_daily_backup() {
    let (running, done) = &DAILY_BACKUP;
    let guard = running.lock().unwrap_or_else(|p| p.into_inner());
    let _ = done.wait_timeout_while(guard, std::time::Duration::from_secs(120), |r| *r);
}

/// GTK cannot start without a display; say so instead of letting it panic.
fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// Called by the UI once its first screen is drawn: trims startup memory
/// (see `memory.rs`) and prints the startup time when `HANDBILL_STARTUP_PROBE`
/// is set (used by the startup benchmark).
#[tauri::command]
fn ui_ready(window: tauri::WebviewWindow) {
    let (drawn, told) = &FIRST_SCREEN_DRAWN;
    *drawn.lock().unwrap_or_else(|p| p.into_inner()) = true;
    told.notify_all();
    memory::settle(window);
    if std::env::var_os("HANDBILL_STARTUP_PROBE").is_some() {
        if let Some(started) = crate::STARTED.get() {
            eprintln!(
                "handbill: ui ready after {} ms",
                started.elapsed().as_millis()
            );
        }
    }
}
