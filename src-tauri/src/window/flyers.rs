//! The Flyers section's commands: preview a flyer (render it, so every
//! refusal is found now, and return its first page as SVG drawn from the
//! PDF's own layout, with what it prints), draw another page as the
//! organizer turns to it, save it to the file the organizer
//! picks in the save dialog (a typed path only pre-fills it), and open it in the
//! system's PDF viewer; an event's *Print sign-in sheet*, saved where the
//! save dialog says; and *Save image…*, an image for social media saved
//! where the save dialog says, its alt text beside it. Thin adapters over
//! `handbill_core::flyers`: the drawing is [`flyers::draw`], as for
//! `handbill flyer`, [`flyers::signin_sheet`], as for `handbill
//! signin-sheet`, and [`flyers::image`], as for `handbill image`.

use handbill_core::db::outside;
use handbill_core::flyers::{
    self, FlyerOptions, FlyerPage, FlyerPreview, FlyerRequest, ImageRequest, SavedImage,
    SigninRequest,
};
use handbill_core::Error;
use tauri::State;
use tauri_plugin_opener::OpenerExt;

use super::dialog::{save_path, SaveAs};
use super::{blocking, AppState};

/// Renders the request and describes it for the live preview, with its
/// first page as SVG (a few dozen kilobytes, whatever the number of pages).
#[tauri::command]
pub async fn flyer_preview(
    state: State<'_, AppState>,
    request: FlyerRequest,
) -> Result<FlyerPreview, Error> {
    let state = AppState::clone(&state);
    blocking(move || state.with_db(|db| flyers::preview(db, &request))).await
}

/// The flyer choices kept for an event (the defaults when none were made).
#[tauri::command]
pub async fn flyer_choices(
    state: State<'_, AppState>,
    event_id: i64,
) -> Result<FlyerOptions, Error> {
    let state = AppState::clone(&state);
    blocking(move || state.with_db(|db| flyers::choices(db, event_id))).await
}

/// Keeps the flyer choices made for an event.
#[tauri::command]
pub async fn flyer_remember_choices(
    state: State<'_, AppState>,
    event_id: i64,
    options: FlyerOptions,
) -> Result<FlyerOptions, Error> {
    let state = AppState::clone(&state);
    blocking(move || state.with_db(|db| flyers::remember_choices(db, event_id, options))).await
}

/// Draws page `page` (counted from 0) of the request's PDF as SVG, when the
/// organizer turns to it in the preview.
#[tauri::command]
pub async fn flyer_page(
    state: State<'_, AppState>,
    request: FlyerRequest,
    page: u32,
) -> Result<FlyerPage, Error> {
    let state = AppState::clone(&state);
    blocking(move || state.with_db(|db| flyers::preview_page(db, &request, page))).await
}

/// Renders the request and writes the PDF to the file the organizer picks in
/// the save dialog, which starts from `suggested` (the flyer's file name, or
/// a path typed in the window); answers the path written, or None when they
/// cancel.
#[tauri::command]
pub async fn flyer_save(
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
    request: FlyerRequest,
    suggested: String,
) -> Result<Option<String>, Error> {
    let state = AppState::clone(&state);
    // Drawn first, so a flyer that cannot be made is refused before the dialog opens.
    let flyer = blocking(move || state.with_db(|db| flyers::draw(db, &request))).await?;
    let what = SaveAs {
        title: "Save the flyer",
        filter_name: "PDF",
        extensions: &["pdf"],
        suggested: &suggested,
        fallback: "flyer.pdf",
    };
    let Some(path) = save_path(&window, what).await? else {
        return Ok(None);
    };
    blocking(move || {
        outside::write(&path, &flyer.pdf)?;
        Ok(Some(path.display().to_string()))
    })
    .await
}

/// Draws an event's sign-in sheet and writes the PDF to the file the
/// organizer picks in the save dialog (which suggests "sign-in-TITLE.pdf");
/// answers the path written, or None when they cancel.
#[tauri::command]
pub async fn signin_sheet_save(
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
    request: SigninRequest,
) -> Result<Option<String>, Error> {
    let state = AppState::clone(&state);
    // Drawn first, so a sheet that cannot be made is refused before the dialog opens.
    let sheet = blocking(move || state.with_db(|db| flyers::signin_sheet(db, &request))).await?;
    let what = SaveAs {
        title: "Save the sign-in sheet",
        filter_name: "PDF",
        extensions: &["pdf"],
        suggested: &sheet.file_name,
        fallback: "sign-in-sheet.pdf",
    };
    let Some(path) = save_path(&window, what).await? else {
        return Ok(None);
    };
    blocking(move || {
        outside::write(&path, &sheet.pdf)?;
        Ok(Some(path.display().to_string()))
    })
    .await
}

/// Draws the image for social media a request asks for and writes it, with
/// its alt text beside it, to the file the organizer picks in the save
/// dialog, which starts from `suggested` (a file name or a typed path; when
/// empty, the image's own name, "TITLE-FORMAT.png"); answers where both went
/// and the alt text, or None when they cancel.
#[tauri::command]
pub async fn social_image_save(
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
    request: ImageRequest,
    suggested: String,
) -> Result<Option<SavedImage>, Error> {
    let state = AppState::clone(&state);
    // Drawn first, so an image that cannot be made is refused before the dialog opens.
    let image = blocking(move || state.with_db(|db| flyers::image(db, &request))).await?;
    let what = SaveAs {
        title: "Save the image",
        filter_name: "PNG image",
        extensions: &["png"],
        suggested: if suggested.trim().is_empty() {
            &image.file_name
        } else {
            &suggested
        },
        fallback: "image.png",
    };
    let Some(path) = save_path(&window, what).await? else {
        return Ok(None);
    };
    blocking(move || flyers::save_image(&image, &path).map(Some)).await
}

/// Renders the request into a file in the temporary folder and opens it in
/// the system's PDF viewer (where the organizer can print it).
#[tauri::command]
pub async fn flyer_open(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    request: FlyerRequest,
) -> Result<String, Error> {
    let state = AppState::clone(&state);
    blocking(move || {
        let flyer = state.with_db(|db| flyers::draw(db, &request))?;
        let dir = std::env::temp_dir().join("handbill-flyers");
        std::fs::create_dir_all(&dir).map_err(|e| {
            Error::storage(format!(
                "The flyer could not be prepared in {}: {e}.",
                dir.display()
            ))
        })?;
        let safe: String = flyer
            .title
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
        outside::write(&path, &flyer.pdf)?;
        app.opener()
            .open_path(path.display().to_string(), None::<&str>)
            .map_err(|e| {
                Error::internal(format!(
                    "The PDF was saved to {} but no viewer could open it: {e}.",
                    path.display()
                ))
            })?;
        Ok(path.display().to_string())
    })
    .await
}
