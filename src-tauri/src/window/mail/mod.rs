//! Mail's commands: mailing lists and their segments, subscribers and their
//! standing, pasted unsubscribes and the CSV export. The sign-up sheet import
//! is in `import`, announcements and sending in `announcements`. Thin
//! adapters over `handbill_core::mail::lists`, `subscribers` and `export`.

use handbill_core::mail::export::{self, ExportOptions, ExportReport};
use handbill_core::mail::lists::{self, Facets, List, Segment, SegmentFilter};
use handbill_core::mail::person::{self, ForgetReport, ForgetRequest, PersonExport};
use handbill_core::mail::subscribers::{
    self, ConsentStatus, SubscriberDetail, SubscriberInput, SubscriberPage, SubscriberQuery,
    UnsubscribeReport,
};
use handbill_core::Error;
use tauri::State;

use super::dialog;
use super::AppState;

pub mod announcements;
pub mod import;
pub mod mailbox;

#[tauri::command]
pub async fn lists_all(state: State<'_, AppState>) -> Result<Vec<List>, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(lists::all)).await
}

#[tauri::command]
pub async fn list_create(state: State<'_, AppState>, name: String) -> Result<List, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| lists::create(db, &name))).await
}

#[tauri::command]
pub async fn list_facets(state: State<'_, AppState>, list_id: i64) -> Result<Facets, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| lists::facets(db, list_id))).await
}

#[tauri::command]
pub async fn segment_count(
    state: State<'_, AppState>,
    list_id: i64,
    filter: SegmentFilter,
) -> Result<u32, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| lists::reach(db, list_id, &filter))).await
}

#[tauri::command]
pub async fn segments(state: State<'_, AppState>, list_id: i64) -> Result<Vec<Segment>, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| lists::segments(db, list_id))).await
}

#[tauri::command]
pub async fn segment_save(
    state: State<'_, AppState>,
    list_id: i64,
    name: String,
    filter: SegmentFilter,
) -> Result<Segment, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        state.with_db(|db| lists::save_segment(db, list_id, &name, filter))
    })
    .await
}

#[tauri::command]
pub async fn segment_delete(state: State<'_, AppState>, id: i64) -> Result<(), Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| lists::delete_segment(db, id))).await
}

#[tauri::command]
pub async fn subscribers_search(
    state: State<'_, AppState>,
    query: SubscriberQuery,
) -> Result<SubscriberPage, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| subscribers::search(db, &query))).await
}

#[tauri::command]
pub async fn subscriber_detail(
    state: State<'_, AppState>,
    id: i64,
) -> Result<SubscriberDetail, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| subscribers::detail(db, id))).await
}

#[tauri::command]
pub async fn subscriber_add(
    state: State<'_, AppState>,
    input: SubscriberInput,
    list_id: Option<i64>,
) -> Result<SubscriberDetail, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        state.with_db(|db| subscribers::add(db, input, list_id, "Added in the window"))
    })
    .await
}

#[tauri::command]
pub async fn subscriber_update(
    state: State<'_, AppState>,
    id: i64,
    input: SubscriberInput,
) -> Result<SubscriberDetail, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| subscribers::update(db, id, input))).await
}

/// Changes a subscriber's standing on a list. A leaving covers every list
/// unless `only_this_list`; for a return, `source` is the evidence of how they asked.
#[tauri::command]
pub async fn subscriber_set_status(
    state: State<'_, AppState>,
    id: i64,
    list_id: i64,
    status: ConsentStatus,
    source: String,
    only_this_list: Option<bool>,
) -> Result<SubscriberDetail, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        let request = subscribers::StandingChange {
            subscriber_id: id,
            list_id,
            status,
            scope: if only_this_list.unwrap_or(false) {
                subscribers::OptOutScope::OnlyThisList
            } else {
                subscribers::OptOutScope::Branch
            },
            evidence: if status == ConsentStatus::Subscribed {
                source.clone()
            } else {
                String::new()
            },
        };
        state.with_db(|db| subscribers::change(db, &request, &source))
    })
    .await
}

#[tauri::command]
pub async fn subscriber_delete(state: State<'_, AppState>, id: i64) -> Result<(), Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        state.with_db(|db| subscribers::delete(db, id, "Deleted in the window"))
    })
    .await
}

#[tauri::command]
pub async fn subscribers_unsubscribe(
    state: State<'_, AppState>,
    text: String,
    list_id: Option<i64>,
) -> Result<UnsubscribeReport, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        let request = subscribers::UnsubscribeRequest {
            text,
            list_id,
            only_this_list: false,
            source: "Pasted in the window (asked to leave)".to_owned(),
        };
        state.with_db(|db| subscribers::unsubscribe(db, &request))
    })
    .await
}

/// Exports a list (or segment) to the CSV file the organizer picks in the save
/// dialog, which starts from `suggested` (a name or a typed path); None when
/// they cancel.
#[tauri::command]
pub async fn export_csv(
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
    options: ExportOptions,
    suggested: String,
) -> Result<Option<ExportReport>, Error> {
    let what = dialog::SaveAs {
        title: "Export the list as CSV",
        filter_name: "CSV",
        extensions: &["csv"],
        suggested: &suggested,
        fallback: "subscribers.csv",
    };
    let Some(path) = dialog::save_path(&window, what).await? else {
        return Ok(None);
    };
    let state = AppState::clone(&state);
    crate::window::blocking(move || state.with_db(|db| export::to_file(db, &options, &path)))
        .await
        .map(Some)
}

/// Writes everything held about one subscriber where a native save dialog
/// says, as JSON, with the same as text beside it (`.txt`), for their
/// request to see it. `None` when the dialog was closed.
#[tauri::command]
pub async fn subscriber_export_person(
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
    id: i64,
) -> Result<Option<PersonExport>, Error> {
    let what = dialog::SaveAs {
        title: "Save everything Handbill holds about this person",
        filter_name: "JSON",
        extensions: &["json"],
        suggested: "person.json",
        fallback: "person.json",
    };
    let Some(path) = dialog::save_path(&window, what).await? else {
        return Ok(None);
    };
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        state.with_db(|db| {
            let email = subscribers::get(db, id)?.email;
            person::export(db, &email, &path)
        })
    })
    .await
    .map(Some)
}

/// Erases one subscriber everywhere on their request (the page has asked
/// for confirmation and for whose request it was).
#[tauri::command]
pub async fn subscriber_forget(
    state: State<'_, AppState>,
    id: i64,
    requested_by: String,
) -> Result<ForgetReport, Error> {
    let state = AppState::clone(&state);
    crate::window::blocking(move || {
        state.with_db(|db| {
            let address = subscribers::get(db, id)?.email;
            person::forget(
                db,
                &ForgetRequest {
                    address,
                    requested_by,
                },
            )
        })
    })
    .await
}

/// Where files are suggested to be saved: the user's Documents folder.
#[tauri::command]
pub async fn default_folder() -> Result<String, Error> {
    crate::window::blocking(move || {
        let value = {
            handbill_core::db::outside::default_folder()
                .display()
                .to_string()
        };
        Ok(value)
    })
    .await
}
