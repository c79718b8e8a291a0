//! The Flyers section's commands: preview a flyer (render it, so every
//! refusal is found now, and return its pages as SVG drawn from the PDF's
//! own layout, with what it prints), save it to a path the
//! organizer chose (through the save dialog or typed), and open it in the
//! system's PDF viewer. Thin adapters over `handbill_core::flyers`.

use std::path::PathBuf;

use handbill_core::flyers::{self, FlyerPreview, FlyerRequest};
use handbill_core::Error;
use tauri::State;
use tauri_plugin_opener::OpenerExt;

use super::AppState;

/// Renders the request and returns its pages (one SVG each) for the live preview.
#[tauri::command]
pub fn flyer_preview(
    state: State<'_, AppState>,
    request: FlyerRequest,
) -> Result<FlyerPreview, Error> {
    state.with_db(|db| flyers::preview(db, &request))
}

/// Renders the request and writes the PDF to `path`; returns the path written.
#[tauri::command]
pub fn flyer_save(
    state: State<'_, AppState>,
    request: FlyerRequest,
    path: String,
) -> Result<String, Error> {
    let path = PathBuf::from(path.trim());
    let bytes = state.with_db(|db| flyers::request_pdf(db, &request))?;
    flyers::write_pdf(&path, &bytes)?;
    Ok(path.display().to_string())
}

/// Renders the request into a file in the temporary folder and opens it in
/// the system's PDF viewer (where the organizer can print it).
#[tauri::command]
pub fn flyer_open(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    request: FlyerRequest,
) -> Result<String, Error> {
    let bytes = state.with_db(|db| flyers::request_pdf(db, &request))?;
    let name = state.with_db(|db| {
        Ok(flyers::contents_for(db, &request)?
            .first()
            .map(|c| c.title.clone())
            .unwrap_or_default())
    })?;
    let dir = std::env::temp_dir().join("handbill-flyers");
    std::fs::create_dir_all(&dir).map_err(|e| {
        Error::storage(format!(
            "The flyer could not be prepared in {}: {e}.",
            dir.display()
        ))
    })?;
    let safe: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .take(60)
        .collect();
    let path = dir.join(format!(
        "{}.pdf",
        if safe.trim_matches('-').is_empty() {
            "flyer"
        } else {
            safe.trim_matches('-')
        }
    ));
    flyers::write_pdf(&path, &bytes)?;
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| {
            Error::internal(format!(
                "The PDF was saved to {} but no viewer could open it: {e}.",
                path.display()
            ))
        })?;
    Ok(path.display().to_string())
}
