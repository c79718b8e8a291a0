//! The Events section's commands: events, venues, speakers, tours, the views
//! over them, and getting them out of Handbill (.ics files, listings). Each is
//! a thin adapter over `handbill_core::events`: take the input, call the core,
//! return its typed result or its `{code, message, fields}` error.

use handbill_core::db::outside;
use handbill_core::events::ics::CalendarRequest;
use handbill_core::events::listing::ListingRequest;
use handbill_core::events::rows::{self, EventPage, EventScope};
use handbill_core::events::series::{
    self, DatesRequest, EndRequest, MoveRequest, RepeatRequest, SeriesDates, SkipRequest,
};
use handbill_core::events::{
    self, ics, listing, Event, EventInput, HistoryEntry, MonthGroup, Speaker, SpeakerInput,
    StopInput, Tour, TourInput, TourWithStops, Venue, VenueInput, When,
};
use handbill_core::Error;
use tauri::State;

use super::dialog::{save_path, SaveAs};
use super::AppState;

/// How many events a search answers with; the window shows them in one list.
const SEARCH_LIMIT: u32 = 50;

#[tauri::command]
pub async fn events_upcoming(state: State<'_, AppState>) -> Result<Vec<MonthGroup>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::upcoming(db, handbill_core::clock::now())))
        .await
}

/// One page of the upcoming, past or undated events, as the Events lists draw
/// them (no descriptions), with the whole list's count.
#[tauri::command]
pub async fn events_page(
    state: State<'_, AppState>,
    scope: EventScope,
    offset: u32,
    limit: u32,
) -> Result<EventPage, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        state.with_db(|db| rows::page(db, scope, handbill_core::clock::now(), offset, limit))
    })
    .await
}

/// Events whose date is not known yet (or not yet a date): drafts being typed
/// and tour stops "coming soon".
#[tauri::command]
pub async fn events_undated(state: State<'_, AppState>) -> Result<Vec<Event>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(events::undated)).await
}

#[tauri::command]
pub async fn events_past(state: State<'_, AppState>) -> Result<Vec<Event>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::past(db, handbill_core::clock::now()))).await
}

#[tauri::command]
pub async fn events_month(
    state: State<'_, AppState>,
    year: i16,
    month: i8,
) -> Result<Vec<Event>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::month(db, year, month))).await
}

#[tauri::command]
pub async fn events_search(state: State<'_, AppState>, text: String) -> Result<Vec<Event>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::search(db, &text, SEARCH_LIMIT))).await
}

#[tauri::command]
pub async fn event_get(state: State<'_, AppState>, id: i64) -> Result<Event, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::get(db, id))).await
}

#[tauri::command]
pub async fn event_create(state: State<'_, AppState>, input: EventInput) -> Result<Event, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::create(db, input))).await
}

/// Autosave: keeps a draft as typed (`id` None makes a new draft).
#[tauri::command]
pub async fn event_save_draft(
    state: State<'_, AppState>,
    id: Option<i64>,
    input: EventInput,
) -> Result<Event, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::save_draft(db, id, input))).await
}

#[tauri::command]
pub async fn event_update(
    state: State<'_, AppState>,
    id: i64,
    input: EventInput,
) -> Result<Event, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::update(db, id, input))).await
}

#[tauri::command]
pub async fn event_delete(state: State<'_, AppState>, id: i64) -> Result<(), Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::delete(db, id))).await
}

#[tauri::command]
pub async fn event_announce(state: State<'_, AppState>, id: i64) -> Result<Event, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::announce(db, id))).await
}

#[tauri::command]
pub async fn event_reschedule(
    state: State<'_, AppState>,
    id: i64,
    when: When,
    reason: String,
) -> Result<Event, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::reschedule(db, id, when, &reason))).await
}

#[tauri::command]
pub async fn event_postpone(
    state: State<'_, AppState>,
    id: i64,
    reason: String,
) -> Result<Event, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::postpone(db, id, &reason))).await
}

#[tauri::command]
pub async fn event_cancel(
    state: State<'_, AppState>,
    id: i64,
    reason: String,
) -> Result<Event, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::cancel(db, id, &reason))).await
}

#[tauri::command]
pub async fn event_change_venue(
    state: State<'_, AppState>,
    id: i64,
    venue_id: Option<i64>,
    room: String,
    reason: String,
) -> Result<Event, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        state.with_db(|db| events::change_venue(db, id, venue_id, &room, &reason))
    })
    .await
}

#[tauri::command]
pub async fn event_duplicate(
    state: State<'_, AppState>,
    id: i64,
    shift_days: i32,
) -> Result<Event, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::duplicate(db, id, shift_days))).await
}

#[tauri::command]
pub async fn event_history(
    state: State<'_, AppState>,
    id: i64,
) -> Result<Vec<HistoryEntry>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::history(db, id))).await
}

/// A series' rule and dates (skipped ones marked), for the editor's Repeats panel.
#[tauri::command]
pub async fn series_dates(
    state: State<'_, AppState>,
    request: DatesRequest,
) -> Result<SeriesDates, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| series::dates(db, &request))).await
}

/// Makes an event repeat, changes its rule, or makes it a single event again.
#[tauri::command]
pub async fn series_repeat(
    state: State<'_, AppState>,
    request: RepeatRequest,
) -> Result<SeriesDates, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| series::repeat(db, &request))).await
}

/// Skips one date of a series, with the reason.
#[tauri::command]
pub async fn series_skip(
    state: State<'_, AppState>,
    request: SkipRequest,
) -> Result<SeriesDates, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| series::skip(db, &request))).await
}

/// Moves one date of a series, with the reason.
#[tauri::command]
pub async fn series_move(
    state: State<'_, AppState>,
    request: MoveRequest,
) -> Result<SeriesDates, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| series::move_date(db, &request))).await
}

/// Ends a series from a date on.
#[tauri::command]
pub async fn series_end(
    state: State<'_, AppState>,
    request: EndRequest,
) -> Result<SeriesDates, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| series::end_series(db, &request))).await
}

#[tauri::command]
pub async fn venues_all(state: State<'_, AppState>) -> Result<Vec<Venue>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(events::list_venues)).await
}

#[tauri::command]
pub async fn venue_create(state: State<'_, AppState>, input: VenueInput) -> Result<Venue, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::create_venue(db, input))).await
}

#[tauri::command]
pub async fn speakers_all(state: State<'_, AppState>) -> Result<Vec<Speaker>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(events::list_speakers)).await
}

#[tauri::command]
pub async fn speaker_create(
    state: State<'_, AppState>,
    input: SpeakerInput,
) -> Result<Speaker, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::create_speaker(db, input))).await
}

#[tauri::command]
pub async fn tours_all(state: State<'_, AppState>) -> Result<Vec<Tour>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(events::list_tours)).await
}

#[tauri::command]
pub async fn tour_get(state: State<'_, AppState>, id: i64) -> Result<TourWithStops, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::get_tour(db, id))).await
}

#[tauri::command]
pub async fn tour_create(state: State<'_, AppState>, input: TourInput) -> Result<Tour, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::create_tour(db, input))).await
}

/// Tours already saved with this title: the new-tour form's warning (a
/// second one is allowed).
#[tauri::command]
pub async fn tour_duplicates(
    state: State<'_, AppState>,
    title: String,
) -> Result<Vec<String>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        state.with_db(|db| events::tours::likely_duplicates(db, &title, &[], None))
    })
    .await
}

#[tauri::command]
pub async fn tour_update(
    state: State<'_, AppState>,
    id: i64,
    input: TourInput,
) -> Result<TourWithStops, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::update_tour(db, id, input))).await
}

#[tauri::command]
pub async fn tour_add_stop(
    state: State<'_, AppState>,
    tour_id: i64,
    stop: StopInput,
) -> Result<Event, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::add_stop(db, tour_id, stop))).await
}

/// Markdown as sanitized HTML, for the editor's preview.
#[tauri::command]
pub async fn markdown_html(markdown: String) -> Result<String, Error> {
    super::blocking(move || {
        let value = { listing::markdown_html(&markdown) };
        Ok(value)
    })
    .await
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
    let request = CalendarRequest { event_id, tour_id };
    let state = AppState::clone(&state);
    // Made first, so what cannot be exported is said before the dialog opens.
    let file = super::blocking(move || state.with_db(|db| ics::export(db, &request))).await?;
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
    super::blocking(move || {
        outside::write(&path, file.text.as_bytes())?;
        Ok(Some(path.display().to_string()))
    })
    .await
}

/// A tour's listing (or, without a tour, all upcoming events) as plain text or HTML.
#[tauri::command]
pub async fn events_listing(
    state: State<'_, AppState>,
    tour_id: Option<i64>,
    html: bool,
) -> Result<String, Error> {
    let request = ListingRequest {
        tour_id,
        html,
        ..ListingRequest::default()
    };
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| listing::render(db, &request))).await
}

#[tauri::command]
pub async fn when_read(
    state: State<'_, AppState>,
    date: String,
    time: String,
) -> Result<events::typed::WhenRead, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| events::typed::read_when(db, &date, &time))).await
}
