//! Settings → Sharing: this branch shared with other officers' laptops
//! through a folder a sync tool carries. Starting to share and joining take
//! the folder from a native folder dialog opened here (the page never names
//! a path); inviting, syncing, removing a laptop and settling a field changed
//! on two laptops while apart are one core call each. The window also syncs
//! by itself, at start and every minute while it is open, on a thread and a
//! connection of its own, never two syncs at once; after every sync (its own
//! or one the page asked for) the `share-synced` event tells the page, so the
//! sidebar's "Synced 2 minutes ago" and Settings → Sharing follow. Thin
//! adapters over `handbill_core::share`, the same functions as `handbill share`.

use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::Duration;

use handbill_core::share::{
    self, InitRequest, Invitation, JoinRequest, PickRequest, ShareStatus, SyncReport,
};
use handbill_core::{Database, Error};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State, WebviewWindow};

use super::{dialog, AppState};

/// How often the window syncs by itself.
const EVERY: Duration = Duration::from_secs(60);

/// The one sync at a time: the button's, the background one's, and every
/// command that writes to or reads from the shared folder.
#[derive(Default, Clone)]
pub struct ShareSession {
    syncing: Arc<Mutex<()>>,
}

impl ShareSession {
    /// Waits for a sync running now to end (on the blocking pool or a
    /// thread of its own, never the window's thread).
    pub(crate) fn one_at_a_time(&self) -> MutexGuard<'_, ()> {
        self.syncing.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The turn, unless a sync runs now (the background sync then skips a round).
    fn if_free(&self) -> Option<MutexGuard<'_, ()>> {
        match self.syncing.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }
}

/// What the `share-synced` event carries after a sync: the sharing status,
/// how many change files of other laptops were applied and the rows they
/// changed (the page reads the branch again when any were), and why the
/// sync failed when it did (the status is then as it was).
#[derive(Debug, Clone, Serialize)]
struct Synced {
    status: ShareStatus,
    applied: i64,
    rows: i64,
    error: Option<Error>,
}

/// A connection of its own to the window's branch, for work that reads and
/// writes the shared folder: the window's own stays free meanwhile.
fn own_connection(state: &AppState) -> Result<Database, Error> {
    match &*state.lock() {
        Ok(db) => db.another_connection(),
        Err(e) => Err(e.clone()),
    }
}

/// Runs `work` on a connection of its own, one sync at a time, and tells
/// the page what it did (`share-synced`, with what `report` takes from its
/// answer), or why it failed.
fn synced<T>(
    app: &AppHandle,
    state: &AppState,
    session: &ShareSession,
    report: impl FnOnce(&T) -> (ShareStatus, i64, i64),
    work: impl FnOnce(&Database) -> Result<T, Error>,
) -> Result<T, Error> {
    let _turn = session.one_at_a_time();
    let db = own_connection(state)?;
    let result = work(&db);
    tell(app, &db, result.as_ref().map(report));
    result
}

/// Sends `share-synced` with a sync's outcome.
fn tell(app: &AppHandle, db: &Database, outcome: Result<(ShareStatus, i64, i64), &Error>) {
    let synced = match outcome {
        Ok((status, applied, rows)) => Synced {
            status,
            applied,
            rows,
            error: None,
        },
        Err(e) => match share::status(db) {
            Ok(status) => Synced {
                status,
                applied: 0,
                rows: 0,
                error: Some(e.clone()),
            },
            Err(_) => return,
        },
    };
    let _ = app.emit("share-synced", synced);
}

fn of_report(r: &SyncReport) -> (ShareStatus, i64, i64) {
    (r.status.clone(), r.applied, r.rows)
}

/// Whether the branch is shared, through which folder and as which laptop;
/// the officers' laptops, the files that could not be applied, and the
/// fields changed on two laptops while apart.
#[tauri::command]
pub async fn share_status(state: State<'_, AppState>) -> Result<ShareStatus, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(share::status)).await
}

/// Starts sharing this branch through the folder the organizer picks in the
/// native folder dialog; None when they cancel it (nothing changes).
#[tauri::command]
pub async fn share_init(
    app: AppHandle,
    window: WebviewWindow,
    state: State<'_, AppState>,
    session: State<'_, ShareSession>,
    name: String,
) -> Result<Option<ShareStatus>, Error> {
    let Some(folder) = dialog::folder_path(&window, "Choose the shared folder").await? else {
        return Ok(None);
    };
    let state = AppState::clone(&state);
    let session = ShareSession::clone(&session);
    crate::window::blocking(move || {
        synced(
            &app,
            &state,
            &session,
            |status: &ShareStatus| (status.clone(), 0, 0),
            |db| share::init(db, &InitRequest { folder, name }),
        )
    })
    .await
    .map(Some)
}

/// A code for a new officer, and the invitation it opens written to the folder.
#[tauri::command]
pub async fn share_invite(
    state: State<'_, AppState>,
    session: State<'_, ShareSession>,
) -> Result<Invitation, Error> {
    let state = AppState::clone(&state);
    let session = ShareSession::clone(&session);
    crate::window::blocking(move || {
        let _turn = session.one_at_a_time();
        share::invite(&own_connection(&state)?)
    })
    .await
}

/// Joins a branch another officer shares, from this new, empty branch,
/// through the folder picked in the native folder dialog, with the code they
/// were told; None when the dialog is cancelled (nothing changes).
#[tauri::command]
pub async fn share_join(
    app: AppHandle,
    window: WebviewWindow,
    state: State<'_, AppState>,
    session: State<'_, ShareSession>,
    code: String,
    name: String,
) -> Result<Option<SyncReport>, Error> {
    let Some(folder) =
        dialog::folder_path(&window, "Choose the folder the branch is shared in").await?
    else {
        return Ok(None);
    };
    let state = AppState::clone(&state);
    let session = ShareSession::clone(&session);
    crate::window::blocking(move || {
        synced(&app, &state, &session, of_report, |db| {
            share::join(db, &JoinRequest { folder, code, name })
        })
    })
    .await
    .map(Some)
}

/// *Sync now*: writes this laptop's changes to the folder and applies the
/// other officers'. Waits for a sync running in the background to end first.
#[tauri::command]
pub async fn share_sync(
    app: AppHandle,
    state: State<'_, AppState>,
    session: State<'_, ShareSession>,
) -> Result<SyncReport, Error> {
    let state = AppState::clone(&state);
    let session = ShareSession::clone(&session);
    crate::window::blocking(move || synced(&app, &state, &session, of_report, share::sync)).await
}

/// Takes an officer's laptop off the branch (after the page asked to be sure).
#[tauri::command]
pub async fn share_remove(
    app: AppHandle,
    state: State<'_, AppState>,
    session: State<'_, ShareSession>,
    laptop: String,
) -> Result<SyncReport, Error> {
    let state = AppState::clone(&state);
    let session = ShareSession::clone(&session);
    crate::window::blocking(move || {
        synced(&app, &state, &session, of_report, |db| {
            share::remove(db, &laptop)
        })
    })
    .await
}

/// *Keep this*: settles a field changed on two laptops while apart with the
/// chosen laptop's write.
#[tauri::command]
pub async fn share_pick(
    app: AppHandle,
    state: State<'_, AppState>,
    session: State<'_, ShareSession>,
    conflict: String,
    laptop: String,
    seq: i64,
) -> Result<SyncReport, Error> {
    let state = AppState::clone(&state);
    let session = ShareSession::clone(&session);
    crate::window::blocking(move || {
        synced(&app, &state, &session, of_report, |db| {
            share::pick(
                db,
                &PickRequest {
                    conflict,
                    laptop,
                    seq,
                },
            )
        })
    })
    .await
}

/// Syncs a shared branch once the first screen is drawn and then every
/// minute while the window is open, on a thread of its own with a
/// connection of its own; skips a round while another sync runs, and says
/// nothing while the branch is not shared or not open (locked, or being
/// restored). Each sync's outcome goes to the page as `share-synced`.
pub fn start_background(app: AppHandle) {
    if app.try_state::<AppState>().is_none() {
        return;
    }
    let spawned = crate::job::spawn("share-sync".to_owned(), move || {
        super::first_screen_drawn(Duration::from_secs(10));
        while !super::is_closing() {
            background_round(&app);
            std::thread::sleep(EVERY);
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(code = ?e.code, "the background sync could not start");
    }
}

fn background_round(app: &AppHandle) {
    let state = app.state::<AppState>().inner().clone();
    let session = app.state::<ShareSession>().inner().clone();
    let Some(_turn) = session.if_free() else {
        return;
    };
    let Ok(db) = own_connection(&state) else {
        return;
    };
    match share::is_shared(&db) {
        Ok(true) => {}
        _ => return,
    }
    let result = share::sync(&db);
    if let Err(e) = &result {
        // The code only: a message may name the folder.
        tracing::info!(code = ?e.code, "the background sync did not run through");
    }
    tell(app, &db, result.as_ref().map(of_report));
}
