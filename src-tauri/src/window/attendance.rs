//! An event's Sign-in view: the paper sheet typed in row by row (each row
//! saved as it is entered, so closing the window loses nothing), known
//! people offered as a name or address is typed, a row typed by mistake
//! taken off, a door form's CSV read (its bytes sent as the request body),
//! and who came, who was new and who came last time but not this time.
//! Thin adapters over `handbill_core::mail::attendance`, the same functions
//! as `handbill attendance`.

use handbill_core::mail::attendance::{
    self, Attendee, EventAttendance, KnownPerson, SheetImport, SignIn,
};
use handbill_core::Error;
use serde::Deserialize;
use tauri::ipc::Request;
use tauri::State;

use super::{blocking, header, raw_body, AppState};

/// The largest door form read from the window (a sheet of a few thousand rows is a few hundred KB).
const LARGEST_SHEET: usize = 20 * 1024 * 1024;

#[tauri::command]
pub async fn attendance_show(
    state: State<'_, AppState>,
    event_id: i64,
    occurrence: String,
) -> Result<EventAttendance, Error> {
    let state = AppState::clone(&state);
    blocking(move || state.with_db(|db| attendance::for_event(db, event_id, &occurrence))).await
}

/// Records one row of the sheet, as the organizer presses Enter.
#[tauri::command]
pub async fn attendance_sign_in(
    state: State<'_, AppState>,
    request: SignIn,
) -> Result<Attendee, Error> {
    let state = AppState::clone(&state);
    blocking(move || state.with_db(|db| attendance::sign_in(db, &request))).await
}

/// Known people whose name or address starts with what is typed.
#[tauri::command]
pub async fn attendance_known(
    state: State<'_, AppState>,
    typed: String,
) -> Result<Vec<KnownPerson>, Error> {
    let state = AppState::clone(&state);
    blocking(move || state.with_db(|db| attendance::known(db, &typed))).await
}

#[tauri::command]
pub async fn attendance_remove(
    state: State<'_, AppState>,
    event_id: i64,
    occurrence: String,
    row: u32,
) -> Result<(), Error> {
    let state = AppState::clone(&state);
    blocking(move || state.with_db(|db| attendance::remove(db, event_id, &occurrence, row))).await
}

/// Where a door form's rows go: the `x-options` header of [`attendance_import`].
#[derive(Deserialize)]
struct SheetOptions {
    event_id: i64,
    #[serde(default)]
    occurrence: String,
    list_id: Option<i64>,
}

/// Reads a door form's CSV (its bytes as the raw body, where it goes as
/// JSON in `x-options`) and records every row; answers the report.
#[tauri::command]
pub async fn attendance_import(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<SheetImport, Error> {
    let bytes = raw_body(&request)?;
    if bytes.len() > LARGEST_SHEET {
        return Err(Error::invalid_field(
            "file",
            format!(
                "This file is {} MB; a door form's sheet is at most {} MB. Is it the right file?",
                bytes.len() / 1_048_576,
                LARGEST_SHEET / 1_048_576
            ),
        ));
    }
    let bytes = bytes.to_vec();
    let options: SheetOptions = serde_json::from_str(&header(&request, "x-options"))
        .map_err(|e| Error::internal(format!("The sheet's options did not arrive whole: {e}")))?;
    let state = AppState::clone(&state);
    blocking(move || {
        state.with_db(|db| {
            attendance::import_sheet(
                db,
                options.event_id,
                &options.occurrence,
                options.list_id,
                &bytes,
            )
        })
    })
    .await
}
