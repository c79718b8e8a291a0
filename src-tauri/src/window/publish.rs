//! *Publish site* (Events): the site's folder is chosen in the native folder
//! dialog opened here, the request built and [`publish::publish`] run on the
//! blocking pool, as `handbill publish -o DIR` runs it; *Open site* opens the
//! front page of the site last published in this window in the browser. The
//! page names no folder: the one published is kept here, in Rust.

use std::path::PathBuf;
use std::sync::Mutex;

use handbill_core::publish::{self, PublishReport, PublishRequest};
use handbill_core::Error;
use tauri::State;
use tauri_plugin_opener::OpenerExt;

use super::{blocking, dialog, AppState};

/// The front page of the site last published from this window.
static LAST_SITE: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Asks for the site's folder and publishes into it; answers what was done,
/// or None when the organizer closes the dialog.
#[tauri::command]
pub async fn site_publish(
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
    address: String,
) -> Result<Option<PublishReport>, Error> {
    let Some(folder) = dialog::folder_path(&window, "Choose the folder for the site").await? else {
        return Ok(None);
    };
    let state = AppState::clone(&state);
    let request = PublishRequest { folder, address };
    let report = blocking(move || state.with_db(|db| publish::publish(db, &request))).await?;
    *LAST_SITE.lock().unwrap_or_else(|p| p.into_inner()) = Some(PathBuf::from(&report.index));
    Ok(Some(report))
}

/// Opens the front page of the site last published in the browser;
/// answers its path.
#[tauri::command]
pub async fn site_open(app: tauri::AppHandle) -> Result<String, Error> {
    blocking(move || {
        let Some(index) = LAST_SITE.lock().unwrap_or_else(|p| p.into_inner()).clone() else {
            return Err(Error::invalid_field(
                "site",
                "Publish the site first: then it can be opened.",
            ));
        };
        app.opener()
            .open_path(index.display().to_string(), None::<&str>)
            .map_err(|e| {
                Error::internal(format!(
                    "The site is in {} but no browser could open it: {e}.",
                    index.display()
                ))
            })?;
        Ok(index.display().to_string())
    })
    .await
}
