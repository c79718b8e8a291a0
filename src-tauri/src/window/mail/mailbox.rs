//! The Mailbox's commands: the IMAP side of the mail account (its password
//! in the keychain, or held here for this session when there is none), a
//! connection test, the plus-address probe, checking the mailbox (on demand,
//! and every few minutes while the window is open, never two at once), a
//! file of saved messages, the list of what was done and what needs the
//! coordinator, a message as it was read, undo and decide. Thin adapters over
//! `handbill_core::mail::mailbox`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use handbill_core::mail::announcements::{ConnectionReport, Password};
use handbill_core::mail::mailbox::{
    self, account, CheckOptions, CheckReport, ImapAccount, MailboxEntry, MailboxView, MessageView,
    ProbeReport, Resolution,
};
use handbill_core::{Database, Error};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State};

use crate::window::mail::announcements::SessionPassword;
use crate::window::AppState;

/// The mailbox password typed in the window when no keychain could keep it
/// (held as the SMTP one is), and whether a check is running.
#[derive(Default, Clone)]
pub struct MailboxSession {
    password: SessionPassword,
    /// A check is running (the button's or the background one): no second starts.
    checking: Arc<AtomicBool>,
}

impl MailboxSession {
    fn get(&self) -> Option<Password> {
        self.password.get()
    }

    fn set(&self, password: Option<Password>) {
        self.password.set(password);
    }
}

/// How far a check has come, as the `mailbox-progress` event says.
#[derive(Debug, Clone, Serialize)]
struct CheckProgress {
    done: u32,
    total: u32,
}

/// How often the window checks the mailbox by itself.
const EVERY: Duration = Duration::from_secs(5 * 60);

#[tauri::command]
pub async fn mailbox_view(
    state: State<'_, AppState>,
    session: State<'_, MailboxSession>,
) -> Result<MailboxView, Error> {
    let state = AppState::clone(&state);
    let password = session.get();
    crate::window::blocking(move || state.with_db(|db| mailbox::view(db, password.as_ref()))).await
}

#[tauri::command]
pub async fn mailbox_save(
    state: State<'_, AppState>,
    session: State<'_, MailboxSession>,
    input: ImapAccount,
) -> Result<MailboxView, Error> {
    let state = AppState::clone(&state);
    let session = MailboxSession::clone(&session);
    crate::window::blocking(move || {
        state.with_db(|db| {
            let before = account::get(db)?;
            account::save(db, &input)?;
            if before.is_some_and(|b| b.label() != input.label()) {
                // Another server or user: the old password is not theirs.
                session.set(None);
            }
            mailbox::view(db, session.get().as_ref())
        })
    })
    .await
}

/// Keeps the password in the keychain; with no keychain, for this session only.
#[tauri::command]
pub async fn mailbox_password(
    state: State<'_, AppState>,
    session: State<'_, MailboxSession>,
    password: String,
) -> Result<MailboxView, Error> {
    let state = AppState::clone(&state);
    let session = MailboxSession::clone(&session);
    crate::window::blocking(move || {
        state.with_db(|db| {
            session.set(account::keep_password(db, &password)?);
            mailbox::view(db, session.get().as_ref())
        })
    })
    .await
}

#[tauri::command]
pub async fn mailbox_remove(
    state: State<'_, AppState>,
    session: State<'_, MailboxSession>,
) -> Result<MailboxView, Error> {
    let state = AppState::clone(&state);
    let session = MailboxSession::clone(&session);
    crate::window::blocking(move || {
        session.set(None);
        state.with_db(|db| {
            account::remove(db)?;
            mailbox::view(db, None)
        })
    })
    .await
}

/// Connects, encrypts, logs in and opens the folder; says what failed.
#[tauri::command]
pub async fn mailbox_test(
    state: State<'_, AppState>,
    session: State<'_, MailboxSession>,
) -> Result<ConnectionReport, Error> {
    let state = AppState::clone(&state);
    let password = session.get();
    crate::window::blocking(move || {
        let acct = state
            .with_db(account::get)?
            .ok_or_else(|| Error::not_found("Save the mailbox first."))?;
        let password = match account::password_for(&acct, password.as_ref()) {
            Ok(p) => p,
            Err(e) => {
                return Ok(ConnectionReport {
                    ok: false,
                    problem: Some(handbill_core::mail::announcements::ConnectionProblem::Auth),
                    message: e.message,
                })
            }
        };
        Ok(mailbox::test(&acct, &password))
    })
    .await
}

/// Sends the plus-address probe and waits for it (up to a minute).
#[tauri::command]
pub async fn mailbox_probe(
    state: State<'_, AppState>,
    session: State<'_, MailboxSession>,
    smtp: State<'_, SessionPassword>,
) -> Result<ProbeReport, Error> {
    let path = state.path.clone();
    let imap_password = session.get();
    let smtp_password = smtp.get();
    crate::window::blocking(move || {
        // Its own connection: the probe waits on the network, the window must not.
        let db = Database::open(&path)?;
        mailbox::probe(
            &db,
            smtp_password.as_ref(),
            imap_password.as_ref(),
            Duration::from_secs(60),
        )
    })
    .await
}

/// Runs one check (`work`, given the progress callback) with progress
/// reported to the window and its report as the `mailbox-checked` event;
/// refused while another check runs.
fn guarded(
    app: &AppHandle,
    session: &MailboxSession,
    work: impl FnOnce(mailbox::Progress) -> Result<CheckReport, Error>,
) -> Result<CheckReport, Error> {
    if session.checking.swap(true, Ordering::SeqCst) {
        return Err(Error::invalid_field(
            "mailbox",
            "The mailbox is being checked already; its result shows when it ends.",
        ));
    }
    let result = work(&mut |done, total| {
        let _ = app.emit("mailbox-progress", CheckProgress { done, total });
        true
    });
    session.checking.store(false, Ordering::SeqCst);
    if let Ok(report) = &result {
        let _ = app.emit("mailbox-checked", report.clone());
    }
    result
}

/// "Check mailbox": reads the new messages and acts, with progress events,
/// on a connection of its own (the window's stays free meanwhile).
#[tauri::command]
pub async fn mailbox_check(
    app: AppHandle,
    state: State<'_, AppState>,
    session: State<'_, MailboxSession>,
    dry_run: Option<bool>,
) -> Result<CheckReport, Error> {
    let path = state.path.clone();
    let session = MailboxSession::clone(&session);
    let options = CheckOptions {
        dry_run: dry_run.unwrap_or(false),
        limit: None,
    };
    crate::window::blocking(move || {
        guarded(&app, &session, |progress| {
            let db = Database::open(&path)?;
            mailbox::check(&db, session.get().as_ref(), options, progress)
        })
    })
    .await
}

/// Messages saved from webmail (an .eml or .mbox file the organizer picked).
#[tauri::command]
pub async fn mailbox_import(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
    bytes: Vec<u8>,
) -> Result<CheckReport, Error> {
    let path = state.path.clone();
    crate::window::blocking(move || {
        let db = Database::open(&path)?;
        mailbox::import_bytes(
            &db,
            &name,
            &bytes,
            CheckOptions::default(),
            &mut |done, total| {
                let _ = app.emit("mailbox-progress", CheckProgress { done, total });
                true
            },
        )
    })
    .await
}

#[tauri::command]
pub async fn mailbox_message(state: State<'_, AppState>, id: i64) -> Result<MessageView, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| mailbox::message(db, id))).await
}

#[tauri::command]
pub async fn mailbox_undo(state: State<'_, AppState>, id: i64) -> Result<MailboxEntry, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        state.with_db(|db| mailbox::undo(db, id, "undone in the Mailbox view"))
    })
    .await
}

#[tauri::command]
pub async fn mailbox_resolve(
    state: State<'_, AppState>,
    id: i64,
    resolution: Resolution,
) -> Result<MailboxEntry, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| mailbox::resolve(db, id, resolution))).await
}

/// Checks the mailbox every few minutes while the window is open, when one
/// is set up and its password is at hand; quiet when it cannot (offline,
/// no password): the Mailbox view says when it last checked. The branch is
/// the window's own (its state's path), never one named by the page.
pub fn start_background(app: AppHandle) {
    let Some(path) = app
        .try_state::<AppState>()
        .map(|s| s.path.clone())
        .filter(|p| !p.as_os_str().is_empty())
    else {
        return;
    };
    let spawned = crate::job::spawn("mailbox-check".to_owned(), move || {
        std::thread::sleep(Duration::from_secs(20));
        loop {
            let session = app.state::<MailboxSession>().inner().clone();
            let ready = Database::open(&path)
                .and_then(|db| {
                    Ok(match account::get(&db)? {
                        Some(a) => account::password_for(&a, session.get().as_ref()).is_ok(),
                        None => false,
                    })
                })
                .unwrap_or(false);
            if ready {
                let checked = guarded(&app, &session, |progress| {
                    let db = Database::open(&path)?;
                    mailbox::check(
                        &db,
                        session.get().as_ref(),
                        CheckOptions::default(),
                        progress,
                    )
                });
                if let Err(e) = checked {
                    tracing::info!(code = ?e.code, "the background mailbox check did not run through");
                }
            }
            std::thread::sleep(EVERY);
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(code = ?e.code, "the background mailbox check could not start");
    }
}
