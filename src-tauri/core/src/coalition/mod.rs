//! Coalition: the partner organizations a branch works with (their contact
//! people, logos, notes), their co-sponsorship of events and tours (prospect →
//! asked → confirmed / declined / withdrawn, every step kept), the invitations
//! to co-sponsor written as email drafts, and the numbered demand lists a
//! coalition stands behind — versioned, so an announced event keeps the words
//! it was announced with, translated, and endorsed per version.
//!
//! Everything is a plain function over a [`crate::Database`]; writes that
//! touch several rows run in the events module's nesting savepoint
//! ([`crate::db::Tx`]), so they are all or nothing on their own and inside
//! a larger transaction (the demo loader, an import).

pub mod cosponsors;
pub mod demands;
pub mod invitation;
pub mod org_import;
pub mod organizations;
pub mod sample;

pub use cosponsors::{
    coalition_board, confirmed_cosponsors, confirmed_tour_cosponsors, cosponsorships_for,
    get_cosponsorship, organization_history, reorder_cosponsors, set_cosponsor_status,
    set_logo_permitted, BoardFilter, BoardRow, Cosponsor, CosponsorStatus, CosponsorTarget,
    Cosponsorship, CosponsorshipStep, StepInput,
};
pub use demands::{
    attach_demand_list, attach_tour_demand_list, create_demand_list, demand_list_for_event,
    demand_list_for_tour, detach_demand_list, detach_tour_demand_list, diff_versions, endorse,
    endorsements, get_demand_list, get_version, list_demand_lists, move_demand, move_to_latest,
    move_tour_to_latest, set_translation, update_demand_list, version_in_language, Demand,
    DemandChange, DemandChangeKind, DemandInput, DemandList, DemandListDiff, DemandListInput,
    DemandListSummary, DemandListVersion, DemandUse, Endorsement, TextChange, TranslationInput,
};
pub use invitation::{draft_invitation, email_draft, invitation_eml, render_eml, EmailDraft};
pub use org_import::{
    import_organizations, preview_organizations, read_org_file, OrgColumnPreview, OrgField,
    OrgImportOptions, OrgImportPreview, OrgImportReport, OrgReportRow, OrgRowOutcome,
};
pub use organizations::{
    clear_organization_logo, create_organization, delete_organization, get_organization,
    likely_duplicates, list_organizations, organization_logo, set_organization_logo,
    update_organization, Contact, ContactInput, DuplicateReason, DuplicateWarning, Organization,
    OrganizationInput, OrganizationKind, OrganizationSaved, MAX_ORG_LOGO_BYTES,
};

/// Checks a date typed as `YYYY-MM-DD`; empty means today.
pub(crate) fn date_or_today(field: &str, text: &str) -> crate::Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(crate::clock::today());
    }
    let shaped = text.len() == 10
        && text.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    match text.parse::<jiff::civil::Date>() {
        Ok(d) if shaped => Ok(d.to_string()),
        _ => Err(crate::Error::invalid_field(
            field,
            format!("“{text}” is not a date. Write it as YYYY-MM-DD, such as 2027-01-20, or leave it empty for today."),
        )),
    }
}
