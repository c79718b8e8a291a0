//! The sample branch's events, modelled on its real 2018 announcements and set
//! in 2027 so a newcomer sees upcoming events: the rally, the meeting with its
//! location to be decided, the panel, the study group rescheduled because of a
//! storm, the fund drive's date range and a speaking tour of three campuses
//! (one stop's date and place still coming soon). `handbill demo` adds them
//! once; a database loaded by an older build gains them on the next run, and
//! the rally's Spanish translation if it had none.

use super::{
    self as events, CosponsorCall, EventInput, EventKind, EventLinks, EventTranslation, Reading,
    SpeakerInput, StopInput, TourInput, VenueInput, When,
};
use crate::db::Database;
use crate::error::Result;

/// The UID of the sample's first event; its presence means the sample events are there.
pub const MARKER_UID: &str = "sample-rally-2027@handbill";
const ZONE: &str = "America/New_York";
const RALLY_TITLE: &str = "#Justice4Siham & #Justice4Naseem Rally";

/// The rally in Spanish, for the sample's bilingual flyer.
fn rally_translations() -> Vec<EventTranslation> {
    vec![EventTranslation {
        language: "es".into(),
        title: "Manifestación por #Justice4Siham y #Justice4Naseem".into(),
        description: "Únete a nosotros en el Edificio Federal JFK: Siham Byah fue detenida y deportada, separada de su hijo Naseem.".into(),
    }]
}

/// A sample loaded by a build without event translations gains the rally's
/// Spanish once: only while the rally still has the sample's title and no
/// translation, so nothing an organizer typed is overwritten.
fn add_rally_translation(db: &Database) -> Result<bool> {
    let changed = db.conn().execute(
        "UPDATE event SET translations = ?2 WHERE uid = ?1 AND title = ?3 AND translations = '[]'",
        rusqlite::params![
            MARKER_UID,
            serde_json::to_string(&rally_translations()).unwrap_or_else(|_| "[]".into()),
            RALLY_TITLE
        ],
    )?;
    Ok(changed > 0)
}

fn at(title: &str, kind: EventKind, date: &str, start: &str, end: &str) -> EventInput {
    EventInput {
        title: title.into(),
        kind,
        start_date: date.into(),
        start_time: start.into(),
        end_time: end.into(),
        time_zone: ZONE.into(),
        ..Default::default()
    }
}

/// Adds the sample events unless they are there. The caller holds the
/// transaction. Returns whether anything was added.
pub fn load(db: &Database) -> Result<bool> {
    if events::store::id_by_uid(db, MARKER_UID)?.is_some() {
        return add_rally_translation(db);
    }
    let tx = crate::db::Tx::begin(db)?;
    let speaker = |name: &str, affiliation: &str, credit: &str| {
        events::create_speaker(
            db,
            SpeakerInput {
                name: name.into(),
                affiliation: affiliation.into(),
                credit: credit.into(),
            },
        )
    };
    let venue = |name: &str, room: &str, address: &str, city: &str, accessibility: &str| {
        events::create_venue(
            db,
            VenueInput {
                name: name.into(),
                room: room.into(),
                address: address.into(),
                city: city.into(),
                accessibility: accessibility.into(),
            },
        )
    };
    let smith = speaker(
        "Sharon Smith",
        "",
        "author of Women and Socialism: Class, Race and Capital",
    )?;
    let munif = speaker(
        "Yasser Munif",
        "Emerson College",
        "co-founder of the Global Campaign of Solidarity with the Syrian Revolution",
    )?;
    let shireen = speaker("Shireen Akram-Boshar", "ISO", "")?;
    let taylor = speaker(
        "Keeanga-Yamahtta Taylor",
        "",
        "author of From #BlackLivesMatter to Black Liberation",
    )?;
    let jfk = venue(
        "JFK Federal Building",
        "",
        "15 New Sudbury St",
        "Boston, MA 02203",
        "",
    )?;
    let kenmore = venue(
        "Kenmore Classroom Building",
        "",
        "565 Commonwealth Ave",
        "Boston, MA 02215",
        "Accessible, gender-neutral restrooms",
    )?;
    let center = venue(
        "Cambridge Community Center",
        "",
        "5 Callender St",
        "Cambridge, MA 02139",
        "",
    )?;
    let harvard = venue(
        "Harvard Science Center",
        "Hall C",
        "1 Oxford St",
        "Cambridge, MA 02138",
        "Step-free entrance on Oxford St",
    )?;
    let bu = venue(
        "Boston University College of Arts & Sciences",
        "Room 522",
        "725 Commonwealth Ave",
        "Boston, MA 02215",
        "",
    )?;

    let mut rally = at(
        RALLY_TITLE,
        EventKind::Rally,
        "2027-01-30",
        "12:00",
        "14:00",
    );
    rally.description = "Siham Byah is a single mother & activist from Nahant, MA who was detained at a routine ICE check-in and deported, separated from her US-born son Naseem.\n\nJoin us at the JFK Federal Building, where many New England deportation proceedings take place.".into();
    rally.hosts = "ISO-Boston & Justice4Siham Coalition".into();
    rally.venue_id = Some(jfk.id);
    rally.tags = vec!["immigration".into(), "rally".into()];
    rally.translations = rally_translations();
    rally.cosponsor_call = CosponsorCall { text: "If your organization would like to co-sponsor this event, or join our efforts, please contact us.".into(), contact: "boston@example.org".into() };
    let rally = events::store::create_with_uid(db, rally, MARKER_UID)?;
    events::announce(db, rally.id)?;

    let mut metoo = at(
        "#MeToo: The Fight Against Sexism in the Era of Trump",
        EventKind::Meeting,
        "2027-01-28",
        "19:00",
        "21:00",
    );
    metoo.description = "A new movement for women's liberation is growing. Join the ISO and Sharon Smith for a discussion of the gains we've made and what we must do to rebuild a new women's movement.".into();
    metoo.hosts = "ISO-Boston".into();
    metoo.speaker_ids = vec![smith.id];
    metoo.reading_list = vec![
        Reading {
            title: "The silence is broken".into(),
            author: "Jen Roesch".into(),
            link: "https://example.org/sw/silence-is-broken".into(),
        },
        Reading {
            title: "Hearing all the voices of the #MeToo movement".into(),
            author: "Camila Quarta".into(),
            link: String::new(),
        },
        Reading {
            title: "#MeToo shakes the Washington elite".into(),
            author: "the SW Editorial Board".into(),
            link: String::new(),
        },
        Reading {
            title: "What we learned when women said #MeToo".into(),
            author: "Leia Petty, Jen Roesch, and Elizabeth Schulte".into(),
            link: String::new(),
        },
    ];
    let metoo = events::create(db, metoo)?;
    events::announce(db, metoo.id)?;

    let mut panel = at(
        "Socialists in Solidarity with Syria: A Panel & Discussion",
        EventKind::Panel,
        "2027-01-27",
        "18:30",
        "20:30",
    );
    panel.description = "A discussion about the political history of Syria, the roots of the current conflict, and what solidarity looks like today.".into();
    panel.venue_id = Some(kenmore.id);
    panel.speaker_ids = vec![munif.id, shireen.id];
    panel.accessibility =
        "Kenmore Classroom Building is accessible and has gender neutral restrooms.".into();
    panel.rules = "No signs or flags will be permitted at the event. Anyone with flags and signs will be asked to leave.".into();
    let panel = events::create(db, panel)?;
    events::announce(db, panel.id)?;

    let mut study = at(
        "Left Organizing Tactics in the Age of Trump: The United Front",
        EventKind::StudyGroup,
        "2027-01-07",
        "19:00",
        "21:00",
    );
    study.description = "A study group on the theory of the united front, and how we can use it to build a contemporary anti-fascist movement.".into();
    study.venue_id = Some(center.id);
    study.links = EventLinks {
        event_page: "https://example.org/boston/events/united-front".into(),
        ..Default::default()
    };
    let study = events::create(db, study)?;
    events::announce(db, study.id)?;
    events::reschedule(db, study.id, When { start_date: "2027-01-14".into(), start_time: "19:00".into(), end_time: "21:00".into(), ..Default::default() }, "Cancelled due to the massive storm that hit Boston along with the rest of the Atlantic Coast.")?;

    let mut drive = at(
        "Support Voices of Resistance: Center for Economic Research & Social Change",
        EventKind::FundDrive,
        "2026-12-01",
        "",
        "",
    );
    drive.all_day = true;
    drive.end_date = "2027-02-10".into();
    drive.description = "Please give a tax-deductible donation to the Center for Economic Research and Social Change (CERSC).".into();
    drive.links = EventLinks {
        donate: "https://example.org/donate/cersc".into(),
        ..Default::default()
    };
    let drive = events::create(db, drive)?;
    events::announce(db, drive.id)?;

    let tour = events::create_tour(db, TourInput {
        title: "From #BlackLivesMatter to Black Liberation: A Campus Tour".into(),
        description: "Keeanga-Yamahtta Taylor on the movement against police violence and the fight for Black liberation. Dates and locations coming soon for more campuses.".into(),
        speaker_ids: vec![taylor.id],
        hosts: "ISO-Boston".into(),
        tags: vec!["tour".into(), "black liberation".into()],
        time_zone: String::new(),
    })?;
    for (date, venue_id, room) in [
        ("2027-03-02", Some(harvard.id), ""),
        ("2027-03-04", Some(bu.id), ""),
        ("", None, ""),
    ] {
        let stop = events::add_stop(
            db,
            tour.id,
            StopInput {
                kind: EventKind::Meeting,
                start_date: date.into(),
                start_time: if date.is_empty() { "" } else { "18:00" }.into(),
                end_time: if date.is_empty() { "" } else { "20:00" }.into(),
                time_zone: ZONE.into(),
                venue_id,
                room: room.into(),
                ..Default::default()
            },
        )?;
        events::announce(db, stop.id)?;
    }
    tx.commit()?;
    Ok(true)
}
