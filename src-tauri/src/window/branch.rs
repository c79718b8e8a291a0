//! The branch's commands: the profile and its logo, loading the sample
//! branch, and the time zones the profile offers. Thin adapters over
//! `handbill_core::branch` and `handbill_core::demo`.

use handbill_core::branch::{self, BranchInput, BranchProfile};
use handbill_core::demo::{self, DemoReport};
use handbill_core::events::public::CancelledShown;
use handbill_core::Error;
use tauri::State;

use super::AppState;

#[tauri::command]
pub async fn branch_save(
    state: State<'_, AppState>,
    input: BranchInput,
) -> Result<BranchProfile, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| branch::save(db, input))).await
}

#[tauri::command]
pub async fn branch_set_logo(
    state: State<'_, AppState>,
    bytes: Vec<u8>,
) -> Result<BranchProfile, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| branch::set_logo(db, &bytes))).await
}

/// How listings, posters, flyers and announcements show a cancelled event.
#[tauri::command]
pub async fn branch_set_cancelled_shown(
    state: State<'_, AppState>,
    how: CancelledShown,
) -> Result<BranchProfile, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| branch::set_cancelled_shown(db, how))).await
}

#[tauri::command]
pub async fn branch_clear_logo(state: State<'_, AppState>) -> Result<BranchProfile, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(branch::clear_logo)).await
}

/// The logo as a `data:` URL the page can show (the CSP allows only the app's own images and data URLs).
#[tauri::command]
pub async fn branch_logo(state: State<'_, AppState>) -> Result<Option<String>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        use base64::Engine;
        state.with_db(|db| {
            Ok(branch::logo(db)?.map(|(media_type, bytes)| {
                format!(
                    "data:{media_type};base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(bytes)
                )
            }))
        })
    })
    .await
}

#[tauri::command]
pub async fn demo_load(state: State<'_, AppState>) -> Result<DemoReport, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(demo::load)).await
}

#[tauri::command]
pub async fn time_zones() -> Result<Vec<String>, Error> {
    super::blocking(move || {
        let value = { branch::time_zones() };
        Ok(value)
    })
    .await
}

#[tauri::command]
pub async fn time_zones_likely(city: String) -> Result<Vec<String>, Error> {
    super::blocking(move || Ok(branch::likely_zones(&city))).await
}
