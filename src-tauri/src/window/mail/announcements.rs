//! The announcements' commands: drafts from a template, saving, the preview a
//! given subscriber will receive, a test to the branch's own address, and the
//! send itself, which runs on its own thread (one per announcement) and
//! reports progress to the window as `send-progress` events. Pause and cancel
//! are requests written to the database, which the sending job reads between
//! messages, so they also reach a send started from the command line. The
//! mail account's password goes to the keychain, or, when there is none, is
//! held here for this session only. An announcement can be scheduled
//! instead; while the window is open, a thread of its own checks every
//! minute and sends what is due through the same sending job, with its
//! progress. Thin adapters over `handbill_core::mail::announcements`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use handbill_core::mail::announcements::account::{self, AccountView};
use handbill_core::mail::announcements::schedule::{self, DueStart, ScheduleRequest};
use handbill_core::mail::announcements::send::{self, TestSent};
use handbill_core::mail::announcements::{
    compose, store, templates, told, Announcement, AnnouncementInput, ConnectionReport, Delivery,
    DeliveryStatus, Password, SendOptions, SendProgress, SmtpAccount, Template, UncertainDecision,
};
use handbill_core::{Database, Error, ErrorCode};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State};

use crate::job::{self, Progress};
use crate::window::AppState;

/// The SMTP password typed in the window when no keychain could keep it.
#[derive(Default, Clone)]
pub struct SessionPassword(Arc<Mutex<Option<Password>>>);

impl SessionPassword {
    pub(crate) fn get(&self) -> Option<Password> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn set(&self, password: Option<Password>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = password;
    }
}

/// The template's subject and text, in `language` (with none, the main
/// text's: the branch's first language).
#[tauri::command]
pub async fn announcement_draft(
    state: State<'_, AppState>,
    event_id: Option<i64>,
    tour_id: Option<i64>,
    template: Template,
    language: Option<String>,
) -> Result<(String, String), Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        state.with_db(|db| match language.as_deref() {
            Some(l) => templates::draft_in(db, event_id, tour_id, template, l),
            None => templates::draft(db, event_id, tour_id, template),
        })
    })
    .await
}

/// Who an event's announcements went to, and the template telling them
/// next starts from: the offer after a reschedule or a cancellation, and the
/// composer's first template.
#[tauri::command]
pub async fn event_told(state: State<'_, AppState>, id: i64) -> Result<told::Told, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| told::told(db, id))).await
}

/// The list's announcements, newest first.
#[tauri::command]
pub async fn announcement_list(
    state: State<'_, AppState>,
    list_id: i64,
) -> Result<Vec<Announcement>, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| store::for_list(db, list_id))).await
}

#[tauri::command]
pub async fn announcement_get(state: State<'_, AppState>, id: i64) -> Result<Announcement, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| store::get(db, id))).await
}

/// Creates a draft (`id` null) or changes one.
#[tauri::command]
pub async fn announcement_save(
    state: State<'_, AppState>,
    id: Option<i64>,
    input: AnnouncementInput,
) -> Result<Announcement, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        state.with_db(|db| match id {
            None => store::create(db, input),
            Some(id) => store::update(db, id, input),
        })
    })
    .await
}

/// Exactly what this subscriber (or, with none, the branch's own address)
/// will receive, or a reader of `language` when one is chosen.
#[tauri::command]
pub async fn announcement_preview(
    state: State<'_, AppState>,
    id: i64,
    subscriber_id: Option<i64>,
    language: Option<String>,
) -> Result<compose::Preview, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        state
            .with_db(|db| compose::preview_announcement(db, id, subscriber_id, language.as_deref()))
    })
    .await
}

/// What the text being typed would be for this subscriber (or, with none, the
/// branch's own address), before it is saved: the composer's live preview.
#[tauri::command]
pub async fn announcement_preview_unsaved(
    state: State<'_, AppState>,
    id: Option<i64>,
    input: store::AnnouncementInput,
    subscriber_id: Option<i64>,
    language: Option<String>,
) -> Result<compose::Preview, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        state.with_db(|db| {
            compose::preview_unsaved(db, id, &input, subscriber_id, language.as_deref())
        })
    })
    .await
}

/// Sends the announcement to the branch's own address, as a reader of
/// `language` gets it when one is chosen; says where it went.
#[tauri::command]
pub async fn announcement_send_test(
    state: State<'_, AppState>,
    session: State<'_, SessionPassword>,
    id: i64,
    language: Option<String>,
) -> Result<String, Error> {
    let state = AppState::clone(&state);
    let password = session.get();
    // Composing and connecting may take seconds: off the window's thread.
    crate::window::blocking(move || {
        let (letters, to) =
            state.with_db(|db| compose::test_letters(db, id, language.as_deref()))?;
        let path = state.path.clone();
        let db = Database::open(&path)?;
        match send::send_test(&db, &path, &letters, &to, password.as_ref())? {
            TestSent::Mailed { to, .. } => Ok(to),
            TestSent::Written(file) => Ok(file.display().to_string()),
        }
    })
    .await
}

/// How many subscribed people it would reach now.
#[tauri::command]
pub async fn announcement_reach(state: State<'_, AppState>, id: i64) -> Result<u32, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| store::reach(db, id))).await
}

/// Starts (or resumes) the sending job on its own thread.
fn spawn_send(
    app: AppHandle,
    state: &AppState,
    session: &SessionPassword,
    id: i64,
) -> Result<(), Error> {
    let letters = state.with_db(|db| compose::prepare_announcement(db, id))?;
    let path = state.path.clone();
    let options = SendOptions {
        session_password: session.get(),
        ..SendOptions::default()
    };
    let progress = Progress::window(app, "send-progress", Duration::ZERO);
    job::spawn(format!("send-{id}"), move || {
        let on_progress = |p: &SendProgress| progress.report(p);
        match send::run(&path, id, &letters, &options, &on_progress) {
            Ok(p) => on_progress(&p),
            Err(e) => {
                tracing::warn!(announcement = id, code = ?e.code, "the send stopped");
                // The window reads the reason from the announcement's progress.
                if let Ok(db) = Database::open(&path) {
                    if let Ok(p) = store::progress(&db, id) {
                        on_progress(&p);
                    }
                }
            }
        }
    })?;
    Ok(())
}

/// Queues a delivery per recipient (a backup is taken first) and starts
/// sending. An event already announced to the list with the same template is
/// refused (the error's field is `again`) unless `again` is true: the
/// organizer's choice to send it a second time.
#[tauri::command]
pub async fn send_start(
    app: AppHandle,
    state: State<'_, AppState>,
    session: State<'_, SessionPassword>,
    id: i64,
    again: Option<bool>,
) -> Result<SendProgress, Error> {
    let state = AppState::clone(&state);
    let session = SessionPassword::clone(&session);
    crate::window::blocking(move || {
        // Queueing an announcement already queued changes nothing and reports its progress.
        let progress = state.with_db(|db| store::queue_with(db, id, again.unwrap_or(false)))?;
        spawn_send(app, &state, &session, id)?;
        Ok(progress)
    })
    .await
}

#[tauri::command]
pub async fn send_resume(
    app: AppHandle,
    state: State<'_, AppState>,
    session: State<'_, SessionPassword>,
    id: i64,
) -> Result<SendProgress, Error> {
    let state = AppState::clone(&state);
    let session = SessionPassword::clone(&session);
    crate::window::blocking(move || {
        // The same policy as `handbill send resume`: refused while another
        // sender holds it or once cancelled; a draft is queued first.
        let progress = state.with_db(|db| store::resume(db, id))?;
        spawn_send(app, &state, &session, id)?;
        Ok(progress)
    })
    .await
}

#[tauri::command]
pub async fn send_pause(state: State<'_, AppState>, id: i64) -> Result<SendProgress, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        state.with_db(|db| {
            store::request_pause(db, id)?;
            store::progress(db, id)
        })
    })
    .await
}

#[tauri::command]
pub async fn send_cancel(state: State<'_, AppState>, id: i64) -> Result<SendProgress, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        state.with_db(|db| {
            store::request_cancel(db, id)?;
            store::progress(db, id)
        })
    })
    .await
}

#[tauri::command]
pub async fn send_progress(state: State<'_, AppState>, id: i64) -> Result<SendProgress, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| store::progress(db, id))).await
}

/// Opens the folder an announcement's messages were saved in (no mail
/// account) with the system's file manager.
#[tauri::command]
pub async fn outbox_open(app: AppHandle, state: State<'_, AppState>, id: i64) -> Result<(), Error> {
    use tauri_plugin_opener::OpenerExt;
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        let folder = account::announcement_outbox(&state.path, id);
        if !folder.is_dir() {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!(
                    "Announcement {id} has no outbox folder ({}): nothing of it was saved there.",
                    folder.display()
                ),
            ));
        }
        app.opener()
            .open_path(folder.display().to_string(), None::<&str>)
            .map_err(|e| {
                Error::internal(format!(
                    "Cannot open the outbox folder {}: {e}",
                    folder.display()
                ))
            })
    })
    .await
}

/// The deliveries in one state (all when none), at most the first thousand.
#[tauri::command]
pub async fn send_deliveries(
    state: State<'_, AppState>,
    id: i64,
    status: Option<DeliveryStatus>,
) -> Result<Vec<Delivery>, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| store::deliveries(db, id, status, 1000)))
        .await
}

/// The organizer's decision on uncertain deliveries.
#[tauri::command]
pub async fn send_decide_uncertain(
    state: State<'_, AppState>,
    id: i64,
    delivery_ids: Vec<i64>,
    decision: UncertainDecision,
) -> Result<SendProgress, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        state.with_db(|db| {
            store::decide_uncertain(db, id, Some(&delivery_ids), decision)?;
            store::progress(db, id)
        })
    })
    .await
}

#[tauri::command]
pub async fn mail_account(
    state: State<'_, AppState>,
    session: State<'_, SessionPassword>,
) -> Result<AccountView, Error> {
    let state = AppState::clone(&state);
    let session = SessionPassword::clone(&session);
    crate::window::blocking(move || {
        state.with_db(|db| account::view(db, &state.path, session.get().as_ref()))
    })
    .await
}

#[tauri::command]
pub async fn mail_account_save(
    state: State<'_, AppState>,
    session: State<'_, SessionPassword>,
    input: SmtpAccount,
) -> Result<AccountView, Error> {
    let state = AppState::clone(&state);
    let session = SessionPassword::clone(&session);
    crate::window::blocking(move || {
        state.with_db(|db| {
            let before = account::get(db)?;
            account::save(db, &input)?;
            if before.is_some_and(|b| b.label() != input.label()) {
                // Another server or user: the old password is not theirs.
                session.set(None);
            }
            account::view(db, &state.path, session.get().as_ref())
        })
    })
    .await
}

/// Keeps the password in the keychain; with no keychain, for this session only.
#[tauri::command]
pub async fn mail_account_password(
    state: State<'_, AppState>,
    session: State<'_, SessionPassword>,
    password: String,
) -> Result<AccountView, Error> {
    let state = AppState::clone(&state);
    let session = SessionPassword::clone(&session);
    crate::window::blocking(move || {
        state.with_db(|db| {
            session.set(account::keep_password(db, &password)?);
            account::view(db, &state.path, session.get().as_ref())
        })
    })
    .await
}

#[tauri::command]
pub async fn mail_account_remove(
    state: State<'_, AppState>,
    session: State<'_, SessionPassword>,
) -> Result<AccountView, Error> {
    let state = AppState::clone(&state);
    let session = SessionPassword::clone(&session);
    crate::window::blocking(move || {
        session.set(None);
        state.with_db(|db| {
            if let Some(acct) = account::get(db)? {
                let _ = account::forget_password(&acct);
            }
            account::remove(db)?;
            account::view(db, &state.path, None)
        })
    })
    .await
}

/// Connects, encrypts and logs in, sending nothing; says what failed.
#[tauri::command]
pub async fn mail_account_test(
    state: State<'_, AppState>,
    session: State<'_, SessionPassword>,
) -> Result<ConnectionReport, Error> {
    let state = AppState::clone(&state);
    let session = session.get();
    crate::window::blocking(move || state.with_db(|db| account::test(db, None, session.as_ref())))
        .await
}

/// Schedules a draft (or sets its schedule again): the composer's
/// *Schedule…*, and the list's *Change the time*.
#[tauri::command]
pub async fn announcement_schedule(
    state: State<'_, AppState>,
    request: ScheduleRequest,
) -> Result<Announcement, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| schedule::schedule(db, &request))).await
}

/// Confirms a held announcement's schedule after its event moved.
#[tauri::command]
pub async fn announcement_schedule_confirm(
    state: State<'_, AppState>,
    id: i64,
) -> Result<Announcement, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| schedule::confirm(db, id))).await
}

/// Takes an announcement off the schedule; it stays a draft.
#[tauri::command]
pub async fn announcement_unschedule(
    state: State<'_, AppState>,
    id: i64,
) -> Result<Announcement, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| schedule::unschedule(db, id))).await
}

/// How often the window looks for due announcements.
const SCHEDULE_EVERY: Duration = Duration::from_secs(60);

/// What the `schedule-checked` event tells the page after a check that
/// found something: the announcements started, held and found missed, so
/// the Announcements list reads itself again.
#[derive(Debug, Clone, Serialize)]
struct ScheduleChecked {
    started: Vec<i64>,
    held: Vec<i64>,
    missed: Vec<i64>,
}

/// Sends the scheduled announcements that are due, once the first screen is
/// drawn and then every minute while the window is open, on a thread and a
/// connection of its own: each through the same sending job as *Send now*
/// (`send-progress` events), after `schedule::queue_due` (the claim on a
/// shared branch, then the manual send's queue). Says nothing while the
/// branch is not open (locked, or being restored).
pub fn start_schedule(app: AppHandle) {
    if app.try_state::<AppState>().is_none() {
        return;
    }
    let spawned = job::spawn("send-due".to_owned(), move || {
        crate::window::first_screen_drawn(Duration::from_secs(10));
        while !crate::window::is_closing() {
            schedule_round(&app);
            std::thread::sleep(SCHEDULE_EVERY);
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(code = ?e.code, "the schedule check could not start");
    }
}

fn schedule_round(app: &AppHandle) {
    let state = app.state::<AppState>().inner().clone();
    let session = app.state::<SessionPassword>().inner().clone();
    let sharing = app
        .state::<crate::window::share::ShareSession>()
        .inner()
        .clone();
    let db = match &*state.lock() {
        Ok(db) => db.another_connection(),
        Err(e) => Err(e.clone()),
    };
    let Ok(db) = db else { return };
    let check = match schedule::check(&db) {
        Ok(check) => check,
        Err(e) => {
            tracing::info!(code = ?e.code, "the schedule check did not run through");
            return;
        }
    };
    let mut told = ScheduleChecked {
        started: Vec::new(),
        held: check.held.iter().map(|a| a.id).collect(),
        missed: check.missed.iter().map(|a| a.id).collect(),
    };
    for a in &check.due {
        // One sync of the shared folder at a time (queue_due reads it first).
        let turn = sharing.one_at_a_time();
        let started = schedule::queue_due(&db, a.id);
        drop(turn);
        match started {
            Ok(DueStart::Queued(_)) => match spawn_send(app.clone(), &state, &session, a.id) {
                Ok(()) => told.started.push(a.id),
                Err(e) => {
                    tracing::warn!(announcement = a.id, code = ?e.code, "a due send did not start")
                }
            },
            Ok(DueStart::NotDue(_)) => {}
            Err(e) => {
                tracing::info!(announcement = a.id, code = ?e.code, "a due announcement was not queued")
            }
        }
    }
    for a in &check.retry {
        // The same policy as Resume: refused while another sender holds it.
        let resumed = state
            .with_db(|db| store::resume(db, a.id))
            .and_then(|_| spawn_send(app.clone(), &state, &session, a.id));
        match resumed {
            Ok(()) => told.started.push(a.id),
            Err(e) => {
                tracing::info!(announcement = a.id, code = ?e.code, "a stopped scheduled send was not resumed")
            }
        }
    }
    if !told.started.is_empty() || !told.missed.is_empty() {
        let _ = app.emit("schedule-checked", told);
    }
}
