//! The Coalition section's commands: partner organizations (with contacts,
//! logos and a CSV import), co-sponsorships of events and tours, the coalition
//! board, demand lists with their versions, endorsements and translations, and
//! invitations to co-sponsor. Each is a thin adapter over
//! `handbill_core::coalition`: take the input, call the core, return its typed
//! result or its `{code, message, fields}` error.

use handbill_core::coalition::{
    self, BoardFilter, BoardRow, CosponsorTarget, Cosponsorship, DemandList, DemandListDiff,
    DemandListInput, DemandListSummary, DemandListVersion, DuplicateWarning, EmailDraft,
    Endorsement, OrgImportOptions, OrgImportPreview, OrgImportReport, Organization,
    OrganizationInput, OrganizationSaved, StepInput, TranslationInput,
};
use handbill_core::db::outside;
use handbill_core::Error;
use tauri::ipc::Request;
use tauri::State;

use super::dialog::{save_path, SaveAs};
use super::{header, raw_body, AppState};

#[tauri::command]
pub async fn organizations_all(state: State<'_, AppState>) -> Result<Vec<Organization>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(coalition::list_organizations)).await
}

#[tauri::command]
pub async fn organization_get(state: State<'_, AppState>, id: i64) -> Result<Organization, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::get_organization(db, id))).await
}

/// The known organizations the one being typed may be, asked before saving.
#[tauri::command]
pub async fn organization_duplicates(
    state: State<'_, AppState>,
    input: OrganizationInput,
    except: Option<i64>,
) -> Result<Vec<DuplicateWarning>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::likely_duplicates(db, &input, except)))
        .await
}

#[tauri::command]
pub async fn organization_create(
    state: State<'_, AppState>,
    input: OrganizationInput,
) -> Result<OrganizationSaved, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::create_organization(db, input))).await
}

#[tauri::command]
pub async fn organization_update(
    state: State<'_, AppState>,
    id: i64,
    input: OrganizationInput,
) -> Result<OrganizationSaved, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::update_organization(db, id, input))).await
}

#[tauri::command]
pub async fn organization_delete(state: State<'_, AppState>, id: i64) -> Result<(), Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::delete_organization(db, id))).await
}

/// Stores a logo sent as the raw body, the organization's id in `x-organization-id`.
#[tauri::command]
pub async fn organization_set_logo(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<Organization, Error> {
    let bytes = raw_body(&request)?.to_vec();
    let id: i64 = header(&request, "x-organization-id")
        .parse()
        .map_err(|_| Error::internal("The organization's id did not arrive with its logo."))?;
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::set_organization_logo(db, id, &bytes)))
        .await
}

#[tauri::command]
pub async fn organization_clear_logo(
    state: State<'_, AppState>,
    id: i64,
) -> Result<Organization, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::clear_organization_logo(db, id))).await
}

/// An organization's logo as a `data:` URL the page can show, or None.
#[tauri::command]
pub async fn organization_logo(
    state: State<'_, AppState>,
    id: i64,
) -> Result<Option<String>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        use base64::Engine;
        state.with_db(|db| {
            Ok(
                coalition::organization_logo(db, id)?.map(|(media_type, bytes)| {
                    format!(
                        "data:{media_type};base64,{}",
                        base64::engine::general_purpose::STANDARD.encode(bytes)
                    )
                }),
            )
        })
    })
    .await
}

/// Every co-sponsorship of this organization, its history with the branch.
#[tauri::command]
pub async fn organization_history(
    state: State<'_, AppState>,
    id: i64,
) -> Result<Vec<Cosponsorship>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::organization_history(db, id))).await
}

/// Reads an organizations CSV file (raw body, name in `x-file-name`) and shows
/// what an import would do, writing nothing.
#[tauri::command]
pub async fn organizations_import_preview(request: Request<'_>) -> Result<OrgImportPreview, Error> {
    let bytes = raw_body(&request)?.to_vec();
    let name = header(&request, "x-file-name");
    super::blocking(move || coalition::preview_organizations(&name, &bytes)).await
}

/// Imports an organizations CSV file (raw body, name in `x-file-name`, the
/// options as JSON in `x-options`); answers the report of every row.
#[tauri::command]
pub async fn organizations_import(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<OrgImportReport, Error> {
    let bytes = raw_body(&request)?.to_vec();
    let options: OrgImportOptions = serde_json::from_str(&header(&request, "x-options"))
        .map_err(|e| Error::internal(format!("The import options did not arrive whole: {e}")))?;
    let name = header(&request, "x-file-name");
    let state = AppState::clone(&state);
    super::blocking(move || {
        state.with_db(|db| coalition::import_organizations(db, &name, &bytes, &options))
    })
    .await
}

#[tauri::command]
pub async fn cosponsorships_for(
    state: State<'_, AppState>,
    target: CosponsorTarget,
) -> Result<Vec<Cosponsorship>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::cosponsorships_for(db, target))).await
}

#[tauri::command]
pub async fn cosponsor_set_status(
    state: State<'_, AppState>,
    target: CosponsorTarget,
    organization_id: i64,
    step: StepInput,
) -> Result<Cosponsorship, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        state.with_db(|db| coalition::set_cosponsor_status(db, target, organization_id, step))
    })
    .await
}

#[tauri::command]
pub async fn cosponsor_set_logo_permitted(
    state: State<'_, AppState>,
    cosponsorship_id: i64,
    permitted: bool,
) -> Result<Cosponsorship, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        state.with_db(|db| coalition::set_logo_permitted(db, cosponsorship_id, permitted))
    })
    .await
}

/// Sets the order of the confirmed co-sponsors (organization ids, first first).
#[tauri::command]
pub async fn cosponsors_reorder(
    state: State<'_, AppState>,
    target: CosponsorTarget,
    organization_ids: Vec<i64>,
) -> Result<Vec<Cosponsorship>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        state.with_db(|db| coalition::reorder_cosponsors(db, target, &organization_ids))
    })
    .await
}

#[tauri::command]
pub async fn coalition_board(
    state: State<'_, AppState>,
    filter: BoardFilter,
) -> Result<Vec<BoardRow>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::coalition_board(db, &filter))).await
}

#[tauri::command]
pub async fn demand_lists_all(state: State<'_, AppState>) -> Result<Vec<DemandListSummary>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(coalition::list_demand_lists)).await
}

#[tauri::command]
pub async fn demand_list_get(state: State<'_, AppState>, id: i64) -> Result<DemandList, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::get_demand_list(db, id))).await
}

#[tauri::command]
pub async fn demand_list_create(
    state: State<'_, AppState>,
    input: DemandListInput,
) -> Result<DemandList, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::create_demand_list(db, input))).await
}

/// Saves a list's new words; a list an announced event uses gets a new version.
#[tauri::command]
pub async fn demand_list_update(
    state: State<'_, AppState>,
    id: i64,
    input: DemandListInput,
) -> Result<DemandList, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::update_demand_list(db, id, input))).await
}

/// Moves demand number `from` to number `to` (both from 1).
#[tauri::command]
pub async fn demand_move(
    state: State<'_, AppState>,
    id: i64,
    from: u32,
    to: u32,
) -> Result<DemandList, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::move_demand(db, id, from, to))).await
}

/// One version; with a language, in that language (untranslated demands left in the original).
#[tauri::command]
pub async fn demand_version(
    state: State<'_, AppState>,
    version_id: i64,
    language: Option<String>,
) -> Result<DemandListVersion, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        state.with_db(
            |db| match language.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
                Some(lang) => coalition::version_in_language(db, version_id, lang),
                None => coalition::get_version(db, version_id),
            },
        )
    })
    .await
}

#[tauri::command]
pub async fn demand_versions_diff(
    state: State<'_, AppState>,
    from_version_id: i64,
    to_version_id: i64,
) -> Result<DemandListDiff, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        state.with_db(|db| coalition::diff_versions(db, from_version_id, to_version_id))
    })
    .await
}

#[tauri::command]
pub async fn demand_endorse(
    state: State<'_, AppState>,
    organization_id: i64,
    version_id: i64,
    date: String,
    note: String,
) -> Result<Endorsement, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        state.with_db(|db| coalition::endorse(db, organization_id, version_id, &date, &note))
    })
    .await
}

#[tauri::command]
pub async fn demand_endorsements(
    state: State<'_, AppState>,
    version_id: i64,
) -> Result<Vec<Endorsement>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::endorsements(db, version_id))).await
}

#[tauri::command]
pub async fn demand_set_translation(
    state: State<'_, AppState>,
    version_id: i64,
    input: TranslationInput,
) -> Result<DemandListVersion, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::set_translation(db, version_id, input)))
        .await
}

/// The version of a demand list an event carries, if any.
#[tauri::command]
pub async fn event_demand_list(
    state: State<'_, AppState>,
    event_id: i64,
) -> Result<Option<DemandListVersion>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::demand_list_for_event(db, event_id)))
        .await
}

/// Attaches a list to an event (its latest version), or detaches it (`list_id` None).
#[tauri::command]
pub async fn event_attach_demand_list(
    state: State<'_, AppState>,
    event_id: i64,
    list_id: Option<i64>,
) -> Result<Option<DemandListVersion>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || {
        state.with_db(|db| match list_id {
            Some(list_id) => coalition::attach_demand_list(db, event_id, list_id).map(Some),
            None => coalition::detach_demand_list(db, event_id).map(|()| None),
        })
    })
    .await
}

#[tauri::command]
pub async fn event_demands_to_latest(
    state: State<'_, AppState>,
    event_id: i64,
) -> Result<Option<DemandListVersion>, Error> {
    let state = AppState::clone(&state);
    super::blocking(move || state.with_db(|db| coalition::move_to_latest(db, event_id))).await
}

/// Drafts the invitation to co-sponsor and saves it as an email draft, then
/// writes it as an `.eml` file to the file the organizer picks in the save
/// dialog (starting from `suggested`); answers the draft and the path
/// written, or no path when they cancel the dialog (the draft stays saved).
#[tauri::command]
pub async fn invitation_draft(
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
    event_id: i64,
    contact_id: i64,
    suggested: String,
) -> Result<(EmailDraft, Option<String>), Error> {
    let state = AppState::clone(&state);
    let (draft, bytes) = super::blocking(move || {
        state.with_db(|db| {
            let draft = coalition::draft_invitation(db, event_id, contact_id)?;
            let bytes = coalition::render_eml(&draft)?;
            Ok((draft, bytes))
        })
    })
    .await?;
    let what = SaveAs {
        title: "Save the invitation",
        filter_name: "Email",
        extensions: &["eml"],
        suggested: &suggested,
        fallback: "invitation.eml",
    };
    let Some(path) = save_path(&window, what).await? else {
        return Ok((draft, None));
    };
    super::blocking(move || {
        outside::write(&path, &bytes)?;
        Ok((draft, Some(path.display().to_string())))
    })
    .await
}
