//! Mail in each reader's language: an announcement with an English text and a
//! Spanish version, sent through a real SMTP server on loopback to a
//! bilingual list and read back with Python's `email` package; the Spanish
//! drafts of every template; the versions refused; the preview and the test
//! send in a chosen language. A real SQLite file throughout.

use std::path::{Path, PathBuf};
use std::time::Duration;

use handbill_core::branch::{self, BranchInput};
use handbill_core::coalition::{self, DemandInput, DemandListInput, TranslationInput};
use handbill_core::events::{
    self, EventInput, EventKind, EventTranslation, StopInput, TourInput, When,
};
use handbill_core::mail::announcements::{
    self, account, compose, send, store, AnnouncementInput, AnnouncementState, AnnouncementVersion,
    Security, SendOptions, SmtpAccount, Template,
};
use handbill_core::mail::lists;
use handbill_core::mail::subscribers::{self, SubscriberInput};
use handbill_core::{Database, ErrorCode};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[path = "../../../tests/smtp/sink.rs"]
mod sink;
use sink::Sink;

struct Bilingual {
    _dir: tempfile::TempDir,
    path: PathBuf,
    db: Database,
    list_id: i64,
    event_id: i64,
}

/// A branch of English and Spanish, a list of five people (es, es-MX, en,
/// pt, none), a meeting with a Spanish title and description.
fn bilingual(port: u16) -> Bilingual {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    let db = Database::open(&path).unwrap();
    branch::save(
        &db,
        BranchInput {
            name: "ISO Boston".into(),
            contact_email: "boston@handbill.test".into(),
            time_zone: "America/New_York".into(),
            languages: vec!["en".into(), "es".into()],
            ..BranchInput::new_branch()
        },
    )
    .unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    let event = events::create(
        &db,
        EventInput {
            title: "Housing meeting".into(),
            description: "We talk about rent.".into(),
            kind: EventKind::Meeting,
            start_date: "2026-12-10".into(),
            start_time: "18:00".into(),
            end_time: "20:00".into(),
            time_zone: "America/New_York".into(),
            translations: vec![EventTranslation {
                language: "es".into(),
                title: "Reunión de vivienda".into(),
                description: "Hablamos del alquiler.".into(),
            }],
            ..Default::default()
        },
    )
    .unwrap();
    for (email, language) in [
        ("ana@example.test", "es"),
        ("beto@example.test", "es-MX"),
        ("carl@example.test", "en"),
        ("duda@example.test", "pt"),
        ("eve@example.test", ""),
    ] {
        subscribers::add(
            &db,
            SubscriberInput {
                email: email.into(),
                first_name: email.split('@').next().unwrap().into(),
                language: language.into(),
                ..Default::default()
            },
            Some(list.id),
            "test",
        )
        .unwrap();
    }
    account::save(
        &db,
        &SmtpAccount {
            host: "127.0.0.1".into(),
            port,
            security: Security::Plain,
            username: String::new(),
            rate_per_minute: 0,
            daily_cap: 0,
        },
    )
    .unwrap();
    Bilingual {
        _dir: dir,
        path,
        db,
        list_id: list.id,
        event_id: event.id,
    }
}

fn input(b: &Bilingual, versions: Vec<AnnouncementVersion>) -> AnnouncementInput {
    AnnouncementInput {
        event_id: Some(b.event_id),
        tour_id: None,
        template: Template::NewEvent,
        list_id: b.list_id,
        segment: String::new(),
        subject: "Housing meeting on Thursday".into(),
        body: "Dear {{first_name|friend}},\n\nCome to the **housing meeting**.".into(),
        attach_flyer: false,
        versions,
    }
}

fn spanish() -> AnnouncementVersion {
    AnnouncementVersion {
        language: "es".into(),
        subject: "Reunión de vivienda el jueves".into(),
        body: "Hola, {{first_name|compa}}:\n\nVen a la **reunión de vivienda**.".into(),
    }
}

/// A parsed message's plain-text and HTML parts.
fn parts(m: &Value) -> (String, String) {
    let part = |kind: &str| {
        m["parts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["type"] == kind)
            .and_then(|p| p["text"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    (part("text/plain"), part("text/html"))
}

/// Proves each subscriber of a bilingual list gets the version of their
/// language — es and es-MX the Spanish subject, body, footer and
/// `lang="es"`; en, pt and no language the English — as Python's `email`
/// package reads the messages the SMTP server received.
#[test]
fn each_reader_gets_the_version_of_their_language() {
    let sink = Sink::start(&[]);
    let b = bilingual(sink.port);
    let a = store::create(&b.db, input(&b, vec![spanish()])).expect("saved with a Spanish version");
    assert_eq!(
        store::get(&b.db, a.id).unwrap().versions,
        vec![spanish()],
        "the Spanish version is stored and read back"
    );
    let letters = compose::prepare_announcement(&b.db, a.id).unwrap();
    let options = SendOptions {
        connections: 1,
        retry_after: Duration::from_millis(100),
        timeout: Duration::from_secs(10),
        ..Default::default()
    };
    let done = send::run(&b.path, a.id, &letters, &options, &|_| {}).expect("sent");
    assert_eq!(
        (done.sent, done.state),
        (5, AnnouncementState::Done),
        "all five were sent: {done:?}"
    );
    assert_eq!(
        sink.arrivals().len(),
        5,
        "the server took one message for each of five people"
    );
    let messages = sink.parsed();
    assert_eq!(messages.len(), 5, "five messages arrived");
    for m in &messages {
        let to = m["headers"]["To"].as_str().unwrap_or_default().to_owned();
        let subject = m["headers"]["Subject"].as_str().unwrap_or_default();
        let (text, html) = parts(m);
        let spanish_reader = to.contains("ana@") || to.contains("beto@");
        assert!(
            m["defects"].as_array().unwrap().is_empty(),
            "{to}: no MIME defects"
        );
        if spanish_reader {
            assert_eq!(
                subject, "Reunión de vivienda el jueves",
                "{to}: the Spanish subject"
            );
            assert!(
                text.contains("Ven a la reunión de vivienda."),
                "{to}: the Spanish body: {text}"
            );
            assert!(
                text.contains("Recibes este correo porque estás en la lista “Announcements”"),
                "{to}: the Spanish footer in the text: {text}"
            );
            assert!(
                text.contains("Para darte de baja, envía un correo a"),
                "{to}: the Spanish unsubscribe line: {text}"
            );
            assert!(
                html.contains("<html lang=\"es\">"),
                "{to}: the HTML says Spanish"
            );
            assert!(
                html.contains("Darte de baja</a>"),
                "{to}: the HTML footer in Spanish"
            );
            assert!(
                !text.contains("You receive this email"),
                "{to}: no English footer"
            );
        } else {
            assert_eq!(
                subject, "Housing meeting on Thursday",
                "{to}: the English subject"
            );
            assert!(
                text.contains("Come to the housing meeting."),
                "{to}: the English body: {text}"
            );
            assert!(
                text.contains("You receive this email because you are on the list “Announcements”"),
                "{to}: the English footer: {text}"
            );
            assert!(
                html.contains("<html lang=\"en\">"),
                "{to}: the HTML says English"
            );
            assert!(!text.contains("Ven a la"), "{to}: no Spanish body");
        }
    }
    let greeted: Vec<bool> = messages
        .iter()
        .map(|m| parts(m).0.contains("Hola, ana:") || parts(m).0.contains("Hola, beto:"))
        .collect();
    assert_eq!(
        greeted.iter().filter(|g| **g).count(),
        2,
        "the Spanish greeting is filled with each person's first name"
    );
}

/// Proves the main text is drafted in the branch's first language: a branch
/// that works in Spanish first gets its Spanish draft, one in English first
/// its English one, and one whose first language has no drafts English.
#[test]
fn the_main_draft_is_in_the_branchs_first_language() {
    let b = bilingual(1);
    let id = Some(b.event_id);
    let english = announcements::draft_in(&b.db, id, None, Template::NewEvent, "en").unwrap();
    let spanish = announcements::draft_in(&b.db, id, None, Template::NewEvent, "es").unwrap();
    assert_eq!(
        announcements::draft(&b.db, id, None, Template::NewEvent).unwrap(),
        english,
        "English first: the English draft"
    );
    branch::set_field(&b.db, "languages", "es-MX,en").unwrap();
    assert_eq!(
        announcements::draft(&b.db, id, None, Template::NewEvent).unwrap(),
        spanish,
        "Spanish first: the Spanish draft"
    );
    branch::set_field(&b.db, "languages", "pt,en").unwrap();
    assert_eq!(
        announcements::draft(&b.db, id, None, Template::NewEvent).unwrap(),
        english,
        "a first language without drafts: English"
    );
}

/// Proves every template has a Spanish draft from the sample meeting: the
/// Spanish title, the date in Spanish words, Spanish sentences; and that
/// a draft in a language without words is refused naming the field.
#[test]
fn spanish_drafts_of_every_template() {
    let b = bilingual(1);
    let id = Some(b.event_id);
    let (subject, body) = announcements::draft_in(&b.db, id, None, Template::NewEvent, "es")
        .expect("a Spanish draft");
    assert_eq!(
        subject, "Reunión: Reunión de vivienda — jueves, 10 de diciembre de 2026 | 18:00 - 20:00",
        "the subject names the kind, the Spanish title and the Spanish date"
    );
    for (words, what) in [
        (
            "Hola, {{first_name|compañera o compañero}}:",
            "the greeting",
        ),
        ("ISO Boston presenta:", "the host line"),
        ("## Reunión de vivienda", "the Spanish title"),
        (
            "**Cuándo:** jueves, 10 de diciembre de 2026 | 18:00 - 20:00",
            "the date in Spanish",
        ),
        ("Hablamos del alquiler.", "the Spanish description"),
        ("En solidaridad", "the closing"),
    ] {
        assert!(body.contains(words), "{what}: {body}");
    }
    assert!(
        !body.contains("We talk about rent"),
        "no English description: {body}"
    );
    // The demand list the meeting carries, in its Spanish translation.
    let list = coalition::create_demand_list(
        &b.db,
        DemandListInput {
            title: "Housing demands".into(),
            intro: "We demand that:".into(),
            demands: ["Rents be frozen.", "Evictions stop."]
                .iter()
                .map(|t| DemandInput {
                    key: None,
                    text: (*t).into(),
                })
                .collect(),
        },
    )
    .unwrap();
    coalition::set_translation(
        &b.db,
        list.latest.id,
        TranslationInput {
            language: "es".into(),
            title: "Demandas de vivienda".into(),
            intro: "Exigimos que:".into(),
            demands: vec!["Se congelen los alquileres.".into(), "".into()],
        },
    )
    .unwrap();
    coalition::attach_demand_list(&b.db, b.event_id, list.id).unwrap();
    let (_, body) = announcements::draft_in(&b.db, id, None, Template::NewEvent, "es").unwrap();
    assert!(
        body.contains("### Demandas de vivienda")
            && body.contains("1. Se congelen los alquileres."),
        "the demands in their Spanish translation: {body}"
    );
    assert!(
        body.contains("2. Evictions stop."),
        "an untranslated demand in the list's own words: {body}"
    );
    let (_, english) = announcements::draft_in(&b.db, id, None, Template::NewEvent, "en").unwrap();
    assert!(
        english.contains("### Housing demands"),
        "the English draft keeps the list's own words: {english}"
    );
    let (subject, body) =
        announcements::draft_in(&b.db, id, None, Template::Reminder, "es-MX").unwrap();
    assert!(
        subject.starts_with("Recordatorio: Reunión de vivienda — jueves, 10 de diciembre"),
        "reminder subject: {subject}"
    );
    assert!(
        body.contains("Un recordatorio: **Reunión de vivienda** se acerca."),
        "reminder body: {body}"
    );
    let (subject, body) =
        announcements::draft_in(&b.db, id, None, Template::CosponsorInvitation, "es").unwrap();
    assert_eq!(
        subject, "Invitación a copatrocinar: Reunión de vivienda",
        "invitation subject"
    );
    assert!(
        body.contains("invita a su organización a copatrocinar"),
        "invitation body: {body}"
    );
    assert!(
        body.contains("Qué significa copatrocinar"),
        "what co-sponsoring means, in Spanish: {body}"
    );
    // Cancel it, then the cancelled template; reschedule another to check the new-date template.
    events::cancel(&b.db, b.event_id, "La sala no está disponible").unwrap();
    let (subject, body) =
        announcements::draft_in(&b.db, id, None, Template::Cancelled, "es").unwrap();
    assert!(
        subject.starts_with("Cancelado: Reunión de vivienda (jueves, 10 de diciembre de 2026"),
        "cancelled subject: {subject}"
    );
    assert!(body.contains("queda cancelado"), "cancelled body: {body}");
    assert!(
        body.contains("**Por qué:** La sala no está disponible"),
        "the reason: {body}"
    );
    let (english, _) = announcements::draft_in(&b.db, id, None, Template::Cancelled, "en").unwrap();
    assert!(
        english.starts_with("Cancelled: Housing meeting"),
        "the English draft is unchanged: {english}"
    );
    // Rescheduled: a second meeting moved to a new day.
    let moved = events::create(
        &b.db,
        EventInput {
            title: "Tenants' assembly".into(),
            kind: EventKind::Meeting,
            start_date: "2027-01-07".into(),
            start_time: "19:00".into(),
            end_time: "21:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap();
    events::announce(&b.db, moved.id).unwrap();
    events::reschedule(
        &b.db,
        moved.id,
        When {
            start_date: "2027-01-14".into(),
            start_time: "19:00".into(),
            end_date: String::new(),
            end_time: "21:00".into(),
            all_day: false,
        },
        "la tormenta",
    )
    .unwrap();
    let (subject, body) =
        announcements::draft_in(&b.db, Some(moved.id), None, Template::Rescheduled, "es").unwrap();
    assert_eq!(
        subject,
        "Nueva fecha: Tenants' assembly — ahora el jueves, 14 de enero de 2027 | 19:00 - 21:00",
        "rescheduled subject, the English title kept where there is no Spanish one"
    );
    assert!(
        body.contains("**Nueva fecha:** jueves, 14 de enero de 2027"),
        "the new date: {body}"
    );
    assert!(
        body.contains("**Fecha original:** jueves, 7 de enero de 2027"),
        "the old date in Spanish: {body}"
    );
    assert!(
        body.contains("**Dónde:** Lugar por anunciar"),
        "an unknown place in Spanish: {body}"
    );
    assert!(
        body.contains("**Por qué:** la tormenta"),
        "the reason: {body}"
    );
    // Thanks and missed-you: about a meeting that has happened.
    let past = events::create(
        &b.db,
        EventInput {
            title: "Study group".into(),
            kind: EventKind::StudyGroup,
            start_date: "2026-11-05".into(),
            start_time: "18:00".into(),
            end_time: "19:30".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let (subject, body) =
        announcements::draft_in(&b.db, Some(past.id), None, Template::ThankYou, "es").unwrap();
    assert_eq!(
        subject, "Gracias por venir a Study group",
        "thank-you subject"
    );
    assert!(
        body.contains("el jueves, 5 de noviembre de 2026 | 18:00 - 19:30"),
        "the day in Spanish: {body}"
    );
    let (subject, body) =
        announcements::draft_in(&b.db, Some(past.id), None, Template::MissedYou, "es").unwrap();
    assert_eq!(
        subject, "Te extrañamos en Study group",
        "missed-you subject"
    );
    assert!(
        body.contains("Esperamos verte pronto"),
        "missed-you closing: {body}"
    );
    // A tour: its stops' dates in Spanish.
    let tour = events::create_tour(
        &b.db,
        TourInput {
            title: "Palestine speaking tour".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let stop = events::add_stop(
        &b.db,
        tour.id,
        StopInput {
            kind: EventKind::Panel,
            start_date: "2027-03-02".into(),
            start_time: "18:00".into(),
            end_date: String::new(),
            end_time: "20:00".into(),
            time_zone: "America/New_York".into(),
            all_day: false,
            venue_id: None,
            room: String::new(),
        },
    )
    .unwrap();
    events::announce(&b.db, stop.id).unwrap();
    let (subject, body) =
        announcements::draft_in(&b.db, None, Some(tour.id), Template::NewEvent, "es").unwrap();
    assert_eq!(
        subject, "Gira de charlas: Palestine speaking tour",
        "tour subject"
    );
    assert!(
        body.contains("**Encuentros cerca de ti:**"),
        "the stops heading: {body}"
    );
    assert!(
        body.contains("martes, 2 de marzo de 2027 | 18:00 - 20:00"),
        "the stop's date in Spanish: {body}"
    );
    let err = announcements::draft_in(&b.db, id, None, Template::NewEvent, "pt")
        .expect_err("no Portuguese words");
    assert_eq!(err.code, ErrorCode::Invalid, "refused as invalid: {err:?}");
    assert_eq!(
        err.fields[0].field, "language",
        "naming the language: {err:?}"
    );
}

/// Proves a version in a language the branch lacks, and a Spanish version
/// with no subject, are refused naming the field, and nothing is saved.
#[test]
fn versions_are_refused_naming_the_field() {
    let b = bilingual(1);
    let french = AnnouncementVersion {
        language: "fr".into(),
        ..spanish()
    };
    let err = store::create(&b.db, input(&b, vec![french])).expect_err("no French in the branch");
    assert_eq!(
        err.fields[0].field, "versions.language",
        "names the language: {err:?}"
    );
    assert!(
        err.message.contains("en, es") || err.fields[0].message.contains("en, es"),
        "says the branch's languages: {err:?}"
    );
    let empty = AnnouncementVersion {
        subject: "  ".into(),
        ..spanish()
    };
    let err = store::create(&b.db, input(&b, vec![empty])).expect_err("an empty Spanish subject");
    assert_eq!(
        err.fields[0].field, "versions.es.subject",
        "names the Spanish subject: {err:?}"
    );
    let english = AnnouncementVersion {
        language: "en".into(),
        ..spanish()
    };
    let err = store::create(&b.db, input(&b, vec![english])).expect_err("English is the main text");
    assert_eq!(
        err.fields[0].field, "versions.language",
        "names the language: {err:?}"
    );
    assert!(store::all(&b.db).unwrap().is_empty(), "nothing was saved");
    let a = store::create(&b.db, input(&b, vec![spanish()])).unwrap();
    let updated = store::update(&b.db, a.id, input(&b, vec![])).unwrap();
    assert!(
        updated.versions.is_empty(),
        "an update without versions removes them"
    );
}

/// Proves the preview and the test send show the chosen language: the
/// saved and the unsaved preview in Spanish and English, and a test sent
/// to the branch's address in Spanish through the loopback server.
#[test]
fn preview_and_test_send_in_a_chosen_language() {
    let sink = Sink::start(&[]);
    let b = bilingual(sink.port);
    let a = store::create(&b.db, input(&b, vec![spanish()])).unwrap();
    let es = compose::preview_announcement(&b.db, a.id, None, Some("es")).unwrap();
    assert_eq!(
        es.subject, "Reunión de vivienda el jueves",
        "the Spanish preview"
    );
    assert!(es.html.contains("lang=\"es\""), "the Spanish page");
    let en = compose::preview_announcement(&b.db, a.id, None, None).unwrap();
    assert_eq!(
        en.subject, "Housing meeting on Thursday",
        "with no language, the main text"
    );
    let unsaved = compose::preview_unsaved(
        &b.db,
        None,
        &input(&b, vec![spanish()]),
        None,
        Some("es-MX"),
    )
    .unwrap();
    assert!(
        unsaved.text.contains("Ven a la reunión de vivienda."),
        "the unsaved preview in Spanish: {}",
        unsaved.text
    );
    let (letters, to) = compose::test_letters(&b.db, a.id, Some("es")).unwrap();
    let path = b.path.clone();
    send::send_test(&b.db, &path, &letters, &to, None).expect("the test is sent");
    let messages = sink.parsed();
    assert_eq!(messages.len(), 1, "one test arrived");
    assert_eq!(
        messages[0]["headers"]["Subject"].as_str(),
        Some("Reunión de vivienda el jueves"),
        "the test is the Spanish version"
    );
    assert!(
        parts(&messages[0]).0.contains("Hola, compa:"),
        "the test shows the greeting's fallback"
    );
}
