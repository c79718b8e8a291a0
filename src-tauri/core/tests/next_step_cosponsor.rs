//! Issue 23, "the next step offered", from an organization's page, against a
//! real SQLite file: the ask names an upcoming event and starts its
//! co-sponsorship through the one `set_cosponsor_status`; an answer already
//! known is recorded as confirmed in one step (new, or from prospect) with no
//! asked step in between; the note, contact and date typed on each step are in
//! the organization's history; a step the rules refuse changes nothing.

use handbill_core::coalition::{
    self, ContactInput, CosponsorStatus, CosponsorTarget, OrganizationInput, StepInput,
};
use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::{Database, ErrorCode};

fn open() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("next-step.sqlite")).expect("a new database opens");
    (dir, db)
}

fn union(db: &Database) -> coalition::Organization {
    coalition::create_organization(
        db,
        OrganizationInput {
            name: "Mass Nurses Local 9".into(),
            contacts: vec![ContactInput {
                name: "Ana Ortiz".into(),
                email: "ana@nurses9.example.org".into(),
                ..Default::default()
            }],
            ..Default::default()
        },
    )
    .expect("the organization is saved")
    .organization
}

fn event(db: &Database, title: &str, date: &str) -> events::Event {
    events::create(
        db,
        EventInput {
            title: title.into(),
            kind: EventKind::Meeting,
            start_date: date.into(),
            start_time: "19:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .expect("the event is saved")
}

fn step(status: CosponsorStatus, contact_id: Option<i64>, note: &str, date: &str) -> StepInput {
    StepInput {
        status,
        contact_id,
        note: note.into(),
        date: date.into(),
    }
}

#[test]
fn an_answer_already_known_is_confirmed_in_one_step_with_its_note_in_the_history() {
    let (_dir, db) = open();
    let org = union(&db);
    let ana = org.contacts[0].id;
    let reading = event(&db, "Reading group", "2037-12-10");
    let rally = event(&db, "Rally for Siham", "2038-01-20");

    // Ask to co-sponsor the reading group, already confirmed on the phone.
    let c = coalition::set_cosponsor_status(
        &db,
        CosponsorTarget::Event(reading.id),
        org.id,
        step(
            CosponsorStatus::Confirmed,
            Some(ana),
            "Said yes on the phone",
            "2037-11-30",
        ),
    )
    .expect("a new co-sponsorship may start confirmed");
    assert_eq!(c.status, CosponsorStatus::Confirmed);
    assert_eq!(c.steps.len(), 1, "one step, no asked step in between");
    assert_eq!(c.steps[0].note, "Said yes on the phone");
    assert_eq!(c.steps[0].contact_name, "Ana Ortiz");
    assert_eq!(c.steps[0].on_date, "2037-11-30");
    let flyer = coalition::confirmed_cosponsors(&db, reading.id).unwrap();
    assert_eq!(
        flyer.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["Mass Nurses Local 9"],
        "the one-step confirmation puts it on the event's flyer"
    );

    // The rally: to ask later, then confirmed at once when the answer came by another way.
    coalition::set_cosponsor_status(
        &db,
        CosponsorTarget::Event(rally.id),
        org.id,
        step(
            CosponsorStatus::Prospect,
            None,
            "Ask at the union meeting",
            "",
        ),
    )
    .expect("a prospect is recorded");
    let c = coalition::set_cosponsor_status(
        &db,
        CosponsorTarget::Event(rally.id),
        org.id,
        step(
            CosponsorStatus::Confirmed,
            None,
            "  They offered before we asked  ",
            "2037-12-01",
        ),
    )
    .expect("a prospect may be confirmed in one step");
    assert_eq!(
        c.steps.iter().map(|s| s.status).collect::<Vec<_>>(),
        [CosponsorStatus::Prospect, CosponsorStatus::Confirmed]
    );

    // The organization's page shows each step's note, most recent event first.
    let history = coalition::organization_history(&db, org.id).unwrap();
    let seen: Vec<(String, Vec<(CosponsorStatus, String)>)> = history
        .iter()
        .map(|c| {
            (
                c.target_title.clone(),
                c.steps.iter().map(|s| (s.status, s.note.clone())).collect(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "Rally for Siham".to_string(),
                vec![
                    (CosponsorStatus::Prospect, "Ask at the union meeting".into()),
                    (
                        CosponsorStatus::Confirmed,
                        "They offered before we asked".into()
                    ),
                ]
            ),
            (
                "Reading group".to_string(),
                vec![(CosponsorStatus::Confirmed, "Said yes on the phone".into())]
            ),
        ]
    );
}

#[test]
fn a_refused_step_or_a_bad_date_changes_nothing_and_says_why() {
    let (_dir, db) = open();
    let org = union(&db);
    let reading = event(&db, "Reading group", "2037-12-10");
    let target = CosponsorTarget::Event(reading.id);
    coalition::set_cosponsor_status(
        &db,
        target,
        org.id,
        step(CosponsorStatus::Confirmed, None, "Yes", ""),
    )
    .unwrap();
    let again = coalition::set_cosponsor_status(
        &db,
        target,
        org.id,
        step(CosponsorStatus::Confirmed, None, "Twice", ""),
    )
    .expect_err("confirmed twice is refused");
    assert_eq!(again.code, ErrorCode::Invalid);
    assert!(
        again.fields[0].message.contains("already confirmed"),
        "{again:?}"
    );
    let bad = coalition::set_cosponsor_status(
        &db,
        CosponsorTarget::Event(event(&db, "Rally", "2038-01-20").id),
        org.id,
        step(CosponsorStatus::Asked, None, "Asked by mail", "the 40th"),
    )
    .expect_err("a date that is not one is refused");
    assert_eq!(bad.fields[0].field, "date", "{bad:?}");
    let history = coalition::organization_history(&db, org.id).unwrap();
    assert_eq!(history.len(), 1, "the refused ask made no co-sponsorship");
    assert_eq!(history[0].steps.len(), 1, "the refused step was not kept");
    let missing = coalition::set_cosponsor_status(
        &db,
        CosponsorTarget::Event(999),
        org.id,
        step(CosponsorStatus::Asked, None, "", ""),
    )
    .expect_err("an event that does not exist is refused");
    assert_eq!(missing.code, ErrorCode::NotFound);
}

/// The next steps the window offers are the core's: exactly the steps the
/// rule lets a co-sponsorship take from where it stands.
#[test]
fn the_offered_next_steps_are_the_ones_the_rule_allows() {
    use handbill_core::coalition::CosponsorStatus::{self, *};
    let offered = |s: CosponsorStatus| s.next_steps();
    assert_eq!(offered(Prospect), vec![Asked, Confirmed, Declined]);
    assert_eq!(offered(Asked), vec![Asked, Confirmed, Declined]);
    assert_eq!(offered(Confirmed), vec![Withdrawn]);
    assert_eq!(offered(Declined), vec![Asked, Confirmed]);
    assert_eq!(offered(Withdrawn), vec![Asked, Confirmed]);
    for from in CosponsorStatus::ALL {
        for to in CosponsorStatus::ALL {
            assert_eq!(
                offered(from).contains(&to),
                to.refusal_from(Some(from)).is_none(),
                "{from:?} → {to:?}"
            );
        }
    }
}
