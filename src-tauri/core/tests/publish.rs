//! Publish in the core: the sample branch's site holds its upcoming public
//! events and tours with everything a flyer has, in English and Spanish; a
//! draft appears in no file and a cancelled event says so; publishing again
//! writes nothing, and a change rewrites only the files that show it; a
//! folder that is a file or holds someone else's files is refused.

use std::collections::BTreeMap;
use std::path::Path;

use handbill_core::events::sample::MARKER_UID;
use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::publish::{self, PublishRequest, MARKER};
use handbill_core::{clock, demo, Database, ErrorCode};

const DRAFT_TITLE: &str = "Secret planning draft for the spring";

fn open() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("branch.sqlite")).expect("a new database opens");
    demo::load(&db).expect("the demo branch loads");
    (dir, db)
}

/// Every file of the site, by its path, with its text.
fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn text(files: &BTreeMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(
        files
            .get(name)
            .unwrap_or_else(|| panic!("the site has {name}: {:?}", files.keys()))
            .clone(),
    )
    .expect("a text file")
}

fn page_of(db: &Database, title: &str) -> String {
    let e = events::all(db)
        .unwrap()
        .into_iter()
        .find(|e| e.title.starts_with(title))
        .unwrap_or_else(|| panic!("an event titled {title}"));
    format!("events/{}.html", e.uid.split('@').next().unwrap())
}

#[test]
fn the_sample_branch_publishes_its_public_events_with_what_a_flyer_has() {
    let _now = clock::set("2026-12-05T12:00:00Z".parse().unwrap());
    let (dir, db) = open();
    // A draft, and a cancelled event, beside the sample's.
    events::create(
        &db,
        EventInput {
            title: DRAFT_TITLE.into(),
            kind: EventKind::Meeting,
            start_date: "2027-01-20".into(),
            start_time: "19:00".into(),
            end_time: "20:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .expect("the draft is saved");
    let social = events::create(
        &db,
        EventInput {
            title: "Winter social at the hall".into(),
            kind: EventKind::Social,
            start_date: "2027-01-22".into(),
            start_time: "18:00".into(),
            end_time: "21:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap();
    events::announce(&db, social.id).unwrap();
    events::cancel(&db, social.id, "The hall flooded.").unwrap();

    let site = dir.path().join("site");
    let report = publish::publish(
        &db,
        &PublishRequest {
            folder: site.clone(),
            address: String::new(),
        },
    )
    .expect("the site publishes");
    let all = files(&site);
    assert_eq!(
        report.written as usize,
        all.len() - 1,
        "every file but the marker is counted as written the first time: {report:?}"
    );
    assert_eq!(report.unchanged, 0, "nothing was there before: {report:?}");
    assert_eq!(
        report.languages,
        vec!["en".to_owned(), "es".to_owned()],
        "the sample branch works in English and Spanish, so the site has both"
    );
    assert!(
        all.contains_key(MARKER),
        "the marker says Handbill wrote the folder"
    );

    for (name, bytes) in &all {
        assert!(
            !String::from_utf8_lossy(bytes).contains(DRAFT_TITLE),
            "the draft's title appears in no file, yet {name} has it"
        );
    }

    let index = text(&all, "index.html");
    for title in [
        "#Justice4Siham &amp; #Justice4Naseem Rally",
        "Socialists in Solidarity with Syria",
        "#MeToo: The Fight Against Sexism",
        "Left Organizing Tactics",
    ] {
        assert!(index.contains(title), "the index lists “{title}”:\n{index}");
    }
    assert!(
        index.contains("From #BlackLivesMatter to Black Liberation")
            && index.contains("Harvard Science Center")
            && index.contains("Boston University College of Arts"),
        "the index lists the tour with its stops:\n{index}"
    );
    assert!(
        index.contains("<html lang=\"en\">")
            && index.contains("<header")
            && index.contains("<nav")
            && index.contains("<main")
            && index.contains("<footer")
            && index.matches("<h1").count() == 1
            && index.contains("alt=\"Logo of International Socialist Organization"),
        "the index has its language, landmarks, one h1 and the logo's alt text"
    );
    assert!(
        index.contains("es/index.html"),
        "the index links to its Spanish page"
    );
    assert!(all.contains_key("logo.png"), "the logo is on the site");

    let social_page = text(&all, &page_of(&db, "Winter social"));
    assert!(
        social_page.contains("Cancelled")
            && social_page.contains("This event will not take place."),
        "the cancelled event's page says so:\n{social_page}"
    );
    assert!(
        social_page.contains("The hall flooded."),
        "the cancelled event's page gives the reason"
    );

    let rally = text(&all, &page_of(&db, "#Justice4Siham"));
    for (what, needle) in [
        (
            "title",
            "<h1>#Justice4Siham &amp; #Justice4Naseem Rally</h1>",
        ),
        ("date", "Saturday, January 30, 2027 | 12:00 - 2:00 pm EST"),
        ("zone", "America/New_York"),
        ("place", "JFK Federal Building"),
        (
            "map link",
            "https://www.openstreetmap.org/search?query=JFK+Federal+Building",
        ),
        ("demands", "#Justice4Siham &amp; #Justice4Naseem demands"),
        ("co-sponsor", "Justice4Siham Coalition"),
        ("calendar file", "download="),
    ] {
        assert!(
            rally.contains(needle),
            "the rally's page has its {what} ({needle}):\n{rally}"
        );
    }
    assert!(
        !rally.contains("Nahant Neighbors"),
        "a co-sponsor only asked is not named on the page"
    );
    let panel = text(&all, &page_of(&db, "Socialists in Solidarity"));
    assert!(
        panel.contains("<h2 id=\"speakers\">Speakers</h2>")
            && panel.contains("Kenmore Classroom Building"),
        "the panel's page names its speakers and place:\n{panel}"
    );
    let rally_key = MARKER_UID.split('@').next().unwrap();
    let rally_ics = text(&all, &format!("events/{rally_key}.ics"));
    assert!(
        rally_ics.contains(&format!("UID:{MARKER_UID}")),
        "the rally's Add to calendar file carries its UID"
    );

    let calendar = text(&all, "events.ics");
    assert!(
        calendar.contains(&format!("UID:{MARKER_UID}")) && calendar.contains("SEQUENCE:"),
        "events.ics holds the rally by its UID, with a SEQUENCE"
    );
    let atom = text(&all, "feed.atom");
    assert!(
        atom.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\"")
            && atom.contains("#Justice4Siham &amp; #Justice4Naseem Rally"),
        "the Atom feed has the rally:\n{atom}"
    );
    assert!(
        atom.contains("CANCELLED: Winter social at the hall"),
        "the feed says the cancelled event is cancelled"
    );
    let embed = text(&all, "embed.html");
    assert!(
        embed.contains("<base target=\"_top\">") && embed.contains("#Justice4Siham"),
        "embed.html lists the events and opens them in the whole window"
    );

    let spanish = text(&all, &format!("es/{}", page_of(&db, "#Justice4Siham")));
    assert!(
        spanish.contains("<html lang=\"es\">")
            && spanish.contains("Manifestación por #Justice4Siham y #Justice4Naseem")
            && spanish.contains("sábado, 30 de enero de 2027 | 12:00 - 14:00 EST")
            && spanish.contains("Demandas de #Justice4Siham y #Justice4Naseem")
            && spanish.contains("Sala por anunciar"),
        "the Spanish page has the translated title, the date in Spanish, the translated demands and the place's unknowns in Spanish:\n{spanish}"
    );
    assert!(
        all.contains_key("es/index.html"),
        "the Spanish index is beside the English one"
    );

    // Publishing again writes nothing.
    let before = files(&site);
    let again = publish::publish(
        &db,
        &PublishRequest {
            folder: site.clone(),
            address: String::new(),
        },
    )
    .expect("the site publishes again");
    assert_eq!(
        (again.written, again.removed),
        (0, 0),
        "publishing again with nothing changed writes and removes nothing: {again:?}"
    );
    assert_eq!(before, files(&site), "every byte of the site is as it was");

    // One event changed: its pages, and the lists and feeds that show it.
    let panel_id = events::all(&db)
        .unwrap()
        .into_iter()
        .find(|e| e.title.starts_with("Socialists in Solidarity"))
        .unwrap()
        .id;
    let mut input = events::get(&db, panel_id).unwrap().to_input();
    input.description = "A discussion, now with a film first.".into();
    events::update(&db, panel_id, input).expect("the panel changes");
    let changed = publish::publish(
        &db,
        &PublishRequest {
            folder: site.clone(),
            address: String::new(),
        },
    )
    .unwrap();
    let after = files(&site);
    let rewritten: Vec<&String> = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    let panel_page = page_of(&db, "Socialists in Solidarity");
    let panel_key = panel_page
        .trim_start_matches("events/")
        .trim_end_matches(".html");
    let expected: Vec<String> = vec![
        "es/".to_owned() + &panel_page,
        "events.ics".to_owned(),
        format!("events/{panel_key}.html"),
        format!("events/{panel_key}.ics"),
        "feed.atom".to_owned(),
    ];
    assert_eq!(
        rewritten.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        expected.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "changing the panel's description rewrites its pages, its calendar file and the feeds only"
    );
    assert_eq!(
        changed.written as usize,
        expected.len(),
        "the report counts the files written: {changed:?}"
    );

    // The cancelled event, once hidden by the branch, loses its pages.
    handbill_core::branch::set_cancelled_shown(
        &db,
        handbill_core::events::public::CancelledShown::Hidden,
    )
    .unwrap();
    let hidden = publish::publish(
        &db,
        &PublishRequest {
            folder: site.clone(),
            address: String::new(),
        },
    )
    .unwrap();
    assert_eq!(
        hidden.removed, 3,
        "the hidden event's two pages and its calendar file are removed: {hidden:?}"
    );
    assert!(
        !site.join(page_of(&db, "Winter social")).exists(),
        "the hidden event has no page"
    );
}

#[test]
fn a_folder_that_is_a_file_or_holds_other_files_is_refused() {
    let _now = clock::set("2026-12-05T12:00:00Z".parse().unwrap());
    let (dir, db) = open();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let err = publish::publish(
        &db,
        &PublishRequest {
            folder: file.clone(),
            address: String::new(),
        },
    )
    .expect_err("a file is not a site's folder");
    assert_eq!(
        err.code,
        ErrorCode::Invalid,
        "a file is refused as bad input"
    );
    assert!(
        err.message.contains("is a file"),
        "the message says why: {}",
        err.message
    );

    let theirs = dir.path().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::write(theirs.join("index.html"), "their own page").unwrap();
    let err = publish::publish(
        &db,
        &PublishRequest {
            folder: theirs.clone(),
            address: String::new(),
        },
    )
    .expect_err("a folder with someone else's files is refused");
    assert!(
        err.message.contains("Handbill did not write"),
        "the message says why: {}",
        err.message
    );
    assert_eq!(
        std::fs::read_to_string(theirs.join("index.html")).unwrap(),
        "their own page",
        "their file is untouched"
    );

    // A marker that names paths outside the site: they are never removed.
    let site = dir.path().join("site");
    publish::publish(
        &db,
        &PublishRequest {
            folder: site.clone(),
            address: String::new(),
        },
    )
    .expect("the site publishes");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    std::fs::write(site.join("events/gone.html"), "an old page").unwrap();
    let marker = std::fs::read_to_string(site.join(MARKER)).unwrap();
    std::fs::write(
        site.join(MARKER),
        format!(
            "{marker}../victim.txt\n{}\nevents/gone.html\n",
            victim.display()
        ),
    )
    .unwrap();
    let again = publish::publish(
        &db,
        &PublishRequest {
            folder: site.clone(),
            address: String::new(),
        },
    )
    .expect("the site publishes again");
    assert!(
        victim.exists(),
        "a file outside the site, named in an altered marker, is left alone"
    );
    assert!(
        !site.join("events/gone.html").exists() && again.removed == 1,
        "the page the marker lists and the site no longer has is removed: {again:?}"
    );

    let err = publish::publish(
        &db,
        &PublishRequest {
            folder: dir.path().join("new"),
            address: "javascript:alert(1)".into(),
        },
    )
    .expect_err("an address that is not http(s) is refused");
    assert_eq!(err.fields[0].field, "address", "the address field is named");
}
