//! The sample branch's coalition: the partner organizations of its 2018
//! announcements (the Justice4Siham Coalition and groups in its spirit), one
//! confirmed and one asked co-sponsor on the rally, and the rally's six-demand
//! list with a Spanish translation. `handbill demo` adds them once; a database
//! loaded by an older build gains them on the next run.

use super::{
    attach_demand_list, create_demand_list, create_organization, set_cosponsor_status,
    set_logo_permitted, set_translation, ContactInput, CosponsorStatus, CosponsorTarget,
    DemandInput, DemandListInput, OrganizationInput, OrganizationKind, StepInput, TranslationInput,
};
use crate::db::Database;
use crate::error::Result;
use crate::events;

/// The folded name of the sample's first organization; its presence means the sample coalition is there.
const MARKER: &str = "justice4sihamcoalition";

fn org(
    name: &str,
    short_name: &str,
    kind: OrganizationKind,
    website: &str,
    email: &str,
    notes: &str,
    contact: Option<(&str, &str, &str)>,
) -> OrganizationInput {
    OrganizationInput {
        name: name.into(),
        short_name: short_name.into(),
        kind,
        website: website.into(),
        email: email.into(),
        notes: notes.into(),
        tags: vec!["immigration".into()],
        contacts: contact
            .map(|(n, role, email)| {
                vec![ContactInput {
                    name: n.into(),
                    role: role.into(),
                    email: email.into(),
                    ..Default::default()
                }]
            })
            .unwrap_or_default(),
        ..Default::default()
    }
}

/// Adds the sample coalition unless it is there (or the sample rally is not).
/// The caller may hold a transaction; this runs in a nesting one. Returns
/// whether anything was added.
pub fn load(db: &Database) -> Result<bool> {
    let known: bool = db.conn().query_row(
        "SELECT EXISTS (SELECT 1 FROM organization WHERE name_key = ?1)",
        [MARKER],
        |r| r.get(0),
    )?;
    let Some(rally) = events::store::id_by_uid(db, events::sample::MARKER_UID)? else {
        return Ok(false);
    };
    if known {
        return Ok(false);
    }
    let tx = crate::db::Tx::begin(db)?;
    let j4s = create_organization(db, org(
        "Justice4Siham Coalition", "J4S", OrganizationKind::CommunityOrganization, "https://justice4siham.example.org", "justice4siham@example.org",
        "A coalition of activists and organizations in the Boston area mobilizing against ICE's attacks on our undocumented friends, family and neighbors.",
        Some(("Amina Rahal", "Coordinator", "amina@example.org")),
    ))?.organization;
    let nahant = create_organization(
        db,
        org(
            "Nahant Neighbors for Immigrant Rights",
            "",
            OrganizationKind::CommunityOrganization,
            "https://nahant-neighbors.example.org",
            "",
            "Siham's neighbors; asked to bring people from the North Shore.",
            Some(("Dana Whitfield", "Organizer", "dana@example.org")),
        ),
    )?
    .organization;
    create_organization(
        db,
        org(
            "Students for Sanctuary at UMass Boston",
            "S4S",
            OrganizationKind::StudentGroup,
            "https://s4s-umb.example.org",
            "s4s@example.org",
            "Campus group; meets Tuesdays.",
            Some(("Luis Ortega", "Co-chair", "luis@example.org")),
        ),
    )?;
    create_organization(
        db,
        org(
            "Greater Boston Faith Network for Sanctuary",
            "",
            OrganizationKind::FaithGroup,
            "https://faith-sanctuary.example.org",
            "",
            "Congregations offering sanctuary.",
            None,
        ),
    )?;
    create_organization(db, org(
        "Center for Economic Research & Social Change", "CERSC", OrganizationKind::Other, "https://cersc.example.org", "",
        "Publisher of Haymarket Books and the International Socialist Review; supported our fund drive.", None,
    ))?;

    let confirmed = set_cosponsor_status(
        db,
        CosponsorTarget::Event(rally),
        j4s.id,
        StepInput {
            status: CosponsorStatus::Confirmed,
            contact_id: j4s.contacts.first().map(|c| c.id),
            note: "Co-hosts the rally and brings the sound system.".into(),
            date: "2027-01-10".into(),
        },
    )?;
    set_logo_permitted(db, confirmed.id, true)?;
    set_cosponsor_status(
        db,
        CosponsorTarget::Event(rally),
        nahant.id,
        StepInput {
            status: CosponsorStatus::Asked,
            contact_id: nahant.contacts.first().map(|c| c.id),
            note: "Asked at their monthly meeting; they will vote next week.".into(),
            date: "2027-01-12".into(),
        },
    )?;

    let demands = [
        "The Massachusetts Department of Children and Families (DCF) allow Siham to freely communicate with Naseem whenever and however they wish.",
        "DCF does not put Naseem up for adoption against Siham's wishes.",
        "DCF help Naseem get a passport so that he can be reunited with Siham.",
        "DCF release a public statement against Siham's deportation, and that they end any collaboration with the ICE attacks that are devastating Massachusetts families.",
        "Siham be returned to the United States immediately and given the opportunity to present her case for asylum here.",
        "ICE immediately stop terrorizing our communities and ripping apart families.",
    ];
    let list = create_demand_list(
        db,
        DemandListInput {
            title: "#Justice4Siham & #Justice4Naseem demands".into(),
            intro: "In solidarity with Siham and Naseem, we demand that:".into(),
            demands: demands
                .iter()
                .map(|d| DemandInput {
                    key: None,
                    text: (*d).into(),
                })
                .collect(),
        },
    )?;
    set_translation(db, list.latest.id, TranslationInput {
        language: "es".into(),
        title: "Demandas de #Justice4Siham y #Justice4Naseem".into(),
        intro: "En solidaridad con Siham y Naseem, exigimos que:".into(),
        demands: vec![
            "El Departamento de Niños y Familias de Massachusetts (DCF) permita a Siham comunicarse libremente con Naseem cuando y como quieran.".into(),
            "El DCF no ponga a Naseem en adopción en contra de los deseos de Siham.".into(),
            "El DCF ayude a Naseem a obtener un pasaporte para que pueda reunirse con Siham.".into(),
            "El DCF emita una declaración pública contra la deportación de Siham y ponga fin a toda colaboración con los ataques de ICE que están devastando a las familias de Massachusetts.".into(),
            "Siham sea devuelta a los Estados Unidos de inmediato y tenga la oportunidad de presentar aquí su caso de asilo.".into(),
            "ICE deje de inmediato de aterrorizar a nuestras comunidades y de separar familias.".into(),
        ],
    })?;
    attach_demand_list(db, rally, list.id)?;
    super::demands::endorse(db, j4s.id, list.latest.id, "2027-01-10", "")?;
    tx.commit()?;
    Ok(true)
}
