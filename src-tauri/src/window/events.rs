//! The Events section's commands: events, venues, speakers, tours, the views
//! over them, and getting them out of Handbill (.ics files, listings). Each is
//! a thin adapter over `handbill_core::events`: take the input, call the core,
//! return its typed result or its `{code, message, fields}` error.

use handbill_core::events::{
    self, ics, listing, Event, EventInput, HistoryEntry, MonthGroup, Speaker, SpeakerInput,
    StopInput, Tour, TourInput, TourWithStops, Venue, VenueInput, When,
};
use handbill_core::{export, Error};
use tauri::State;

use super::dialog::{save_path, SaveAs};
use super::AppState;

/// How many events a search answers with; the window shows them in one list.
const SEARCH_LIMIT: u32 = 50;

#[tauri::command]
pub fn events_upcoming(state: State<'_, AppState>) -> Result<Vec<MonthGroup>, Error> {
    state.with_db(|db| events::upcoming(db, jiff::Timestamp::now()))
}

/// Events whose date is not known yet (or not yet a date): drafts being typed
/// and tour stops "coming soon".
#[tauri::command]
pub fn events_undated(state: State<'_, AppState>) -> Result<Vec<Event>, Error> {
    state.with_db(|db| {
        Ok(events::all(db)?
            .into_iter()
            .filter(|e| e.start_at.is_none())
            .collect())
    })
}

#[tauri::command]
pub fn events_past(state: State<'_, AppState>) -> Result<Vec<Event>, Error> {
    state.with_db(|db| events::past(db, jiff::Timestamp::now()))
}

#[tauri::command]
pub fn events_month(state: State<'_, AppState>, year: i16, month: i8) -> Result<Vec<Event>, Error> {
    state.with_db(|db| events::month(db, year, month))
}

#[tauri::command]
pub fn events_search(state: State<'_, AppState>, text: String) -> Result<Vec<Event>, Error> {
    state.with_db(|db| events::search(db, &text, SEARCH_LIMIT))
}

#[tauri::command]
pub fn event_get(state: State<'_, AppState>, id: i64) -> Result<Event, Error> {
    state.with_db(|db| events::get(db, id))
}

#[tauri::command]
pub fn event_create(state: State<'_, AppState>, input: EventInput) -> Result<Event, Error> {
    state.with_db(|db| events::create(db, input))
}

/// Autosave: keeps a draft as typed (`id` None makes a new draft).
#[tauri::command]
pub fn event_save_draft(
    state: State<'_, AppState>,
    id: Option<i64>,
    input: EventInput,
) -> Result<Event, Error> {
    state.with_db(|db| events::save_draft(db, id, input))
}

#[tauri::command]
pub fn event_update(
    state: State<'_, AppState>,
    id: i64,
    input: EventInput,
) -> Result<Event, Error> {
    state.with_db(|db| events::update(db, id, input))
}

#[tauri::command]
pub fn event_delete(state: State<'_, AppState>, id: i64) -> Result<(), Error> {
    state.with_db(|db| events::delete(db, id))
}

#[tauri::command]
pub fn event_announce(state: State<'_, AppState>, id: i64) -> Result<Event, Error> {
    state.with_db(|db| events::announce(db, id))
}

#[tauri::command]
pub fn event_reschedule(
    state: State<'_, AppState>,
    id: i64,
    when: When,
    reason: String,
) -> Result<Event, Error> {
    state.with_db(|db| events::reschedule(db, id, when, &reason))
}

#[tauri::command]
pub fn event_postpone(state: State<'_, AppState>, id: i64, reason: String) -> Result<Event, Error> {
    state.with_db(|db| events::postpone(db, id, &reason))
}

#[tauri::command]
pub fn event_cancel(state: State<'_, AppState>, id: i64, reason: String) -> Result<Event, Error> {
    state.with_db(|db| events::cancel(db, id, &reason))
}

#[tauri::command]
pub fn event_change_venue(
    state: State<'_, AppState>,
    id: i64,
    venue_id: Option<i64>,
    room: String,
    reason: String,
) -> Result<Event, Error> {
    state.with_db(|db| events::change_venue(db, id, venue_id, &room, &reason))
}

#[tauri::command]
pub fn event_duplicate(
    state: State<'_, AppState>,
    id: i64,
    shift_days: i32,
) -> Result<Event, Error> {
    state.with_db(|db| events::duplicate(db, id, shift_days))
}

#[tauri::command]
pub fn event_history(state: State<'_, AppState>, id: i64) -> Result<Vec<HistoryEntry>, Error> {
    state.with_db(|db| events::history(db, id))
}

#[tauri::command]
pub fn venues_all(state: State<'_, AppState>) -> Result<Vec<Venue>, Error> {
    state.with_db(events::list_venues)
}

#[tauri::command]
pub fn venue_create(state: State<'_, AppState>, input: VenueInput) -> Result<Venue, Error> {
    state.with_db(|db| events::create_venue(db, input))
}

#[tauri::command]
pub fn speakers_all(state: State<'_, AppState>) -> Result<Vec<Speaker>, Error> {
    state.with_db(events::list_speakers)
}

#[tauri::command]
pub fn speaker_create(state: State<'_, AppState>, input: SpeakerInput) -> Result<Speaker, Error> {
    state.with_db(|db| events::create_speaker(db, input))
}

#[tauri::command]
pub fn tours_all(state: State<'_, AppState>) -> Result<Vec<Tour>, Error> {
    state.with_db(events::list_tours)
}

#[tauri::command]
pub fn tour_get(state: State<'_, AppState>, id: i64) -> Result<TourWithStops, Error> {
    state.with_db(|db| events::get_tour(db, id))
}

#[tauri::command]
pub fn tour_create(state: State<'_, AppState>, input: TourInput) -> Result<Tour, Error> {
    state.with_db(|db| events::create_tour(db, input))
}

#[tauri::command]
pub fn tour_update(
    state: State<'_, AppState>,
    id: i64,
    input: TourInput,
) -> Result<TourWithStops, Error> {
    state.with_db(|db| events::update_tour(db, id, input))
}

#[tauri::command]
pub fn tour_add_stop(
    state: State<'_, AppState>,
    tour_id: i64,
    stop: StopInput,
) -> Result<Event, Error> {
    state.with_db(|db| events::add_stop(db, tour_id, stop))
}

/// Markdown as sanitized HTML, for the editor's preview.
#[tauri::command]
pub fn markdown_html(markdown: String) -> String {
    listing::markdown_html(&markdown)
}

/// Writes an iCalendar file for one event, one tour, or (neither given) every
/// upcoming announced event, to the file the organizer picks in the save
/// dialog (starting from `suggested`); answers the path written, or None
/// when they cancel.
#[tauri::command]
pub async fn events_export_ics(
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
    event_id: Option<i64>,
    tour_id: Option<i64>,
    suggested: String,
) -> Result<Option<String>, Error> {
    // Made first, so what cannot be exported is said before the dialog opens.
    let text = state.with_db(|db| match (event_id, tour_id) {
        (Some(id), _) => ics::export_event(db, id),
        (None, Some(id)) => ics::export_tour(db, id),
        (None, None) => ics::export_upcoming(db, jiff::Timestamp::now()),
    })?;
    let what = SaveAs {
        title: "Save the calendar file",
        filter_name: "iCalendar",
        extensions: &["ics"],
        suggested: &suggested,
        fallback: "events.ics",
    };
    let Some(path) = save_path(&window, what).await? else {
        return Ok(None);
    };
    export::write_file(&path, text.as_bytes())?;
    Ok(Some(path.display().to_string()))
}

/// A tour's listing (or, without a tour, all upcoming events) as plain text or HTML.
#[tauri::command]
pub fn events_listing(
    state: State<'_, AppState>,
    tour_id: Option<i64>,
    html: bool,
) -> Result<String, Error> {
    state.with_db(|db| {
        let now = jiff::Timestamp::now();
        match (tour_id, html) {
            (Some(id), false) => listing::tour_text(db, id),
            (Some(id), true) => listing::tour_html(db, id),
            (None, false) => listing::upcoming_text(db, now),
            (None, true) => listing::upcoming_html(db, now),
        }
    })
}
