//! The branch's key in the window: the passphrase typed at start (or chosen
//! at first start where there is no keychain) and Settings → Privacy, which
//! encrypts or decrypts the branch. Thin adapters over
//! `handbill_core::db::keys` and `encryption`, the same functions as the
//! command line's.

use handbill_core::branch::status::{self, AppStatus};
use handbill_core::db::backup;
use handbill_core::db::encryption;
use handbill_core::db::keys::{self, NewKey, Privacy};
use handbill_core::mail::import;
use handbill_core::{Database, Error};
use tauri::State;

use super::AppState;

/// Opens the branch now that its key is known, and answers with the status.
fn reopen(state: &AppState) -> AppStatus {
    let mut guard = state.lock();
    let db = Database::open(&state.path);
    if let Ok(db) = &db {
        let _ = import::recover(db);
        if let Err(e) = handbill_core::share::prepare(db) {
            tracing::warn!(code = ?e.code, "the sharing triggers could not be made");
        }
        super::daily_backup_meanwhile(db);
    }
    *guard = db;
    status::status(&state.path, guard.as_ref())
}

/// Opens the encrypted branch with its passphrase; a wrong one is refused
/// (after the wait earlier wrong ones earned) and nothing is changed.
#[tauri::command]
pub async fn privacy_unlock(
    state: State<'_, AppState>,
    passphrase: String,
) -> Result<AppStatus, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        keys::unlock(&state.path, &passphrase)?;
        Ok(reopen(&state))
    })
    .await
}

/// Chooses the passphrase a new branch is encrypted with (no keychain here), and creates it.
#[tauri::command]
pub async fn privacy_choose(
    state: State<'_, AppState>,
    passphrase: String,
) -> Result<AppStatus, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        keys::choose(&state.path, &passphrase)?;
        Ok(reopen(&state))
    })
    .await
}

/// How the branch is kept: encrypted or not, its key in the keychain or a passphrase.
#[tauri::command]
pub async fn privacy_status(state: State<'_, AppState>) -> Result<Privacy, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || keys::privacy(&state.path)).await
}

/// Runs a conversion on the open branch, putting back whatever the file then holds.
fn convert(
    state: &AppState,
    work: impl FnOnce(Database) -> Result<(Database, backup::BackupInfo), Error>,
) -> Result<Privacy, Error> {
    super::after_daily_backup();
    let mut guard = state.lock();
    let current = std::mem::replace(
        &mut *guard,
        Err(Error::internal("The branch is being converted.")),
    );
    let db = match current {
        Ok(db) => db,
        Err(e) => {
            *guard = Err(e.clone());
            return Err(e);
        }
    };
    match work(db) {
        Ok((db, _kept)) => {
            *guard = Ok(db);
            drop(guard);
            keys::privacy(&state.path)
        }
        Err(e) => {
            tracing::warn!(code = ?e.code, "the conversion failed");
            *guard = Database::open(&state.path);
            Err(e)
        }
    }
}

/// Encrypts the branch and its backups (a copy first): the key in the
/// keychain, or from the passphrase given when there is none.
#[tauri::command]
pub async fn privacy_encrypt(
    state: State<'_, AppState>,
    passphrase: Option<String>,
) -> Result<Privacy, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        let how = match passphrase {
            Some(p) => NewKey::Passphrase(p),
            None => NewKey::Keychain,
        };
        convert(&state, |db| encryption::encrypt(db, &how))
    })
    .await
}

/// Decrypts the branch and its backups into plain files (a copy first).
#[tauri::command]
pub async fn privacy_decrypt(state: State<'_, AppState>) -> Result<Privacy, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || convert(&state, encryption::decrypt)).await
}
