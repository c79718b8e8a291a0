//! Hostile input against the core, on real SQLite files: outside files that
//! are not regular files or are too large (outside::read), calendars nested
//! a thousand deep or repeating, text fields holding NUL or too long, a
//! calendar exported from an event that already holds a NUL (read back with
//! the independent `ical` parser), CSV with a quote left open, the 201st
//! speaker, an import record left running by a process that is gone, and
//! every file of the hostile corpus (tests/corpus/*/hostile).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use handbill_core::coalition::{
    self, ContactInput, DemandInput, DemandListInput, OrgImportOptions, OrganizationInput,
};
use handbill_core::db::outside::{self, Kind};
use handbill_core::events::{
    self, ics, json, EventInput, Reading, SpeakerInput, TourInput, VenueInput,
};
use handbill_core::mail::import::{self, ImportOptions};
use handbill_core::mail::subscribers::{self, SubscriberInput};
use handbill_core::{branch, demo, mail::lists, Database, Error, ErrorCode};

fn open() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("trust.sqlite")).expect("a new database opens");
    branch::save(&db, demo::sample_branch()).expect("the sample branch saves");
    (dir, db)
}

fn count(db: &Database, table: &str) -> i64 {
    db.conn()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const CSV: Kind = Kind {
    field: "file",
    what: "CSV file",
    limit: 1024,
};

/// Runs `read` on another thread and fails the test if it has not answered
/// within two seconds: a read that blocks (a FIFO without a writer) is the bug.
fn read_quickly(path: &Path, kind: Kind) -> handbill_core::Result<Vec<u8>> {
    let (tx, rx) = std::sync::mpsc::channel();
    let path = path.to_owned();
    std::thread::spawn(move || {
        let _ = tx.send(outside::read(&path, kind));
    });
    rx.recv_timeout(Duration::from_secs(2))
        .expect("the read answers at once instead of waiting on the file")
}

fn assert_invalid(
    result: handbill_core::Result<impl std::fmt::Debug>,
    field: &str,
    words: &[&str],
    what: &str,
) -> Error {
    let err = result.expect_err(what);
    assert_eq!(
        err.code,
        ErrorCode::Invalid,
        "{what}: refused as invalid input: {err:?}"
    );
    assert!(
        err.fields.iter().any(|f| f.field == field),
        "{what}: the problem names the field {field}: {err:?}"
    );
    for w in words {
        assert!(
            err.message.contains(w),
            "{what}: the message says “{w}”: {}",
            err.message
        );
    }
    err
}

#[cfg(unix)]
#[test]
fn special_files_are_refused_at_once_without_being_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("sheet.csv");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo only creates a file at the given NUL-terminated path.
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o600) },
        0,
        "the test makes a FIFO"
    );
    let started = Instant::now();
    assert_invalid(
        read_quickly(&fifo, CSV),
        "file",
        &["sheet.csv", "pipe (FIFO)"],
        "a FIFO with no writer",
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the FIFO is refused without waiting for a writer"
    );

    assert_invalid(
        read_quickly(Path::new("/dev/zero"), CSV),
        "file",
        &["/dev/zero", "a device"],
        "/dev/zero",
    );
    assert_invalid(
        read_quickly(dir.path(), CSV),
        "file",
        &["a folder"],
        "a folder",
    );

    let socket = dir.path().join("socket.csv");
    let _listener =
        std::os::unix::net::UnixListener::bind(&socket).expect("the test makes a socket");
    assert_invalid(
        read_quickly(&socket, CSV),
        "file",
        &["a socket"],
        "a socket",
    );

    // A link to a regular file is followed and read.
    let real = dir.path().join("real.csv");
    std::fs::write(&real, b"email\na@example.org\n").unwrap();
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    assert_eq!(
        read_quickly(&link, CSV).expect("a link to a regular file is read"),
        b"email\na@example.org\n",
        "the link's target is read whole"
    );
}

/// A file whose size says 0 but which reads on (as files under /proc do, or
/// a file another program is still writing) is cut off one byte past the limit.
#[cfg(target_os = "linux")]
#[test]
fn a_file_that_reads_past_its_stated_size_is_stopped_at_the_limit() {
    let path = Path::new("/proc/self/maps");
    assert_eq!(
        std::fs::metadata(path).unwrap().len(),
        0,
        "the kernel states no size for this file"
    );
    let tiny = Kind {
        field: "file",
        what: "CSV file",
        limit: 16,
    };
    assert_invalid(
        outside::read(path, tiny),
        "file",
        &["/proc/self/maps", "grew past 16 bytes"],
        "a file longer than its stated size",
    );
}

#[test]
fn a_file_over_its_limit_is_refused_naming_the_file_its_size_and_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let at_limit = dir.path().join("at-limit.csv");
    std::fs::write(&at_limit, vec![b'a'; 1024]).unwrap();
    assert_eq!(
        outside::read(&at_limit, CSV)
            .expect("a file at the limit is read")
            .len(),
        1024,
        "every byte of a file at the limit is read"
    );

    let over = dir.path().join("over.csv");
    std::fs::write(&over, vec![b'a'; 1025]).unwrap();
    assert_invalid(
        outside::read(&over, CSV),
        "file",
        &["over.csv", "1 KB", "largest CSV file"],
        "a file one byte over the limit",
    );

    // A sparse file of 300 MB costs no disk; its size alone refuses it.
    let huge = dir.path().join("huge.csv");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(300 * 1024 * 1024)
        .unwrap();
    let started = Instant::now();
    assert_invalid(
        import::read_file(&huge),
        "file",
        &["huge.csv", "300.0 MB", "200.0 MB"],
        "a subscriber file over 200 MB",
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the size is checked before anything is read"
    );
}

fn calendar(body: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n")
}

#[test]
fn a_calendar_nested_a_thousand_deep_or_too_large_is_refused_before_parsing() {
    let (_dir, db) = open();
    let deep = calendar(&format!(
        "{}{}",
        "BEGIN:X\r\n".repeat(1000),
        "END:X\r\n".repeat(1000)
    ));
    assert_invalid(
        ics::import(&db, &deep),
        "file",
        &[
            "Line 11",
            "nested 9 components deep",
            "Nothing was imported",
        ],
        "a calendar 1,000 deep",
    );

    let many = calendar(&"BEGIN:VALARM\r\nEND:VALARM\r\n".repeat(100_001));
    assert_invalid(
        ics::import(&db, &many),
        "file",
        &["more than 100000 components"],
        "a calendar of 100,001 components",
    );

    let long = calendar(&"X-NOTE:x\r\n".repeat(1_000_001));
    assert_invalid(
        ics::import(&db, &long),
        "file",
        &["more than 1000000 lines"],
        "a calendar of a million lines",
    );
    assert_eq!(count(&db, "event"), 0, "no refused calendar saved an event");
}

fn event_block(summary: &str, extra: &str) -> String {
    format!(
        "BEGIN:VEVENT\r\nUID:{summary}@test\r\nSUMMARY:{summary}\r\nDTSTART;TZID=America/New_York:20270104T190000\r\n\
         DTEND;TZID=America/New_York:20270104T210000\r\n{extra}END:VEVENT\r\n"
    )
}

#[test]
fn a_repeating_event_is_a_series_or_its_first_date_with_a_warning_naming_the_property() {
    let (_dir, db) = open();
    for (property, line) in [
        ("RDATE", "RDATE;TZID=America/New_York:20270111T190000\r\n"),
        ("EXDATE", "EXDATE;TZID=America/New_York:20270111T190000\r\n"),
        ("EXRULE", "EXRULE:FREQ=MONTHLY\r\n"),
        (
            "RECURRENCE-ID",
            "RECURRENCE-ID;TZID=America/New_York:20270111T190000\r\n",
        ),
    ] {
        let text = calendar(&format!(
            "{}{}",
            event_block("Single", ""),
            event_block("Branch meeting", line)
        ));
        let before = count(&db, "event");
        let done = ics::import_report(&db, &text)
            .unwrap_or_else(|e| panic!("{property}: the calendar imports: {e}"));
        assert_eq!(done.events.len(), 2, "{property}: both events are imported");
        assert_eq!(count(&db, "event"), before + 2, "{property}: and saved");
        let warning = done.warnings.join("\n");
        assert!(
            warning.contains("“Branch meeting”")
                && warning.contains(property)
                && warning.contains("line 10"),
            "{property}: the warning names the event, where it is and the property: {warning}"
        );
    }
    let text = calendar(&event_block("Weekly", "RRULE:FREQ=WEEKLY;COUNT=10\r\n"));
    let done = ics::import_report(&db, &text).expect("a weekly RRULE imports");
    assert_eq!(
        done.events[0].series.as_deref(),
        Some("Every Monday"),
        "as a series"
    );
    assert!(
        done.warnings.is_empty(),
        "with nothing to warn of: {:?}",
        done.warnings
    );
}

#[test]
fn an_event_already_holding_a_nul_exports_a_calendar_without_it() {
    let (_dir, db) = open();
    let e = events::create(
        &db,
        EventInput {
            title: "Rally against the raids".into(),
            start_date: "2027-01-30".into(),
            start_time: "12:00".into(),
            end_time: "14:00".into(),
            time_zone: "America/New_York".into(),
            tags: vec!["immigration".into()],
            ..Default::default()
        },
    )
    .expect("a valid event saves");
    // As an older Handbill could have stored it.
    db.conn()
        .execute(
            "UPDATE event SET title = 'Rally' || char(0) || ' against the raids', description = 'Bring' || char(0, 27) || ' signs', tags = '[\"imm\\u0000igration\"]' WHERE id = ?1",
            [e.id],
        )
        .unwrap();
    assert!(
        events::get(&db, e.id).unwrap().title.contains('\0'),
        "the test stored a NUL"
    );
    let text = ics::export_event(&db, e.id).expect("the event exports");
    assert!(!text.contains('\0'), "no NUL is written into the calendar");
    assert!(
        !text.contains('\u{1b}'),
        "no other control character is written either"
    );
    let mut cals = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let cal = cals
        .next()
        .expect("one calendar")
        .expect("the independent parser reads the export");
    let summary = cal.events[0]
        .properties
        .iter()
        .find(|p| p.name == "SUMMARY")
        .and_then(|p| p.value.clone());
    assert_eq!(
        summary.as_deref(),
        Some("Rally against the raids"),
        "the title is written without its NUL"
    );
    let categories = cal.events[0]
        .properties
        .iter()
        .find(|p| p.name == "CATEGORIES")
        .and_then(|p| p.value.clone());
    assert_eq!(
        categories.as_deref(),
        Some("immigration"),
        "a tag is written without its NUL"
    );
}

fn event(title: &str) -> EventInput {
    EventInput {
        title: title.into(),
        start_date: "2027-02-10".into(),
        start_time: "18:00".into(),
        end_time: "20:00".into(),
        time_zone: "America/New_York".into(),
        ..Default::default()
    }
}

#[test]
fn every_event_text_field_refuses_a_nul_and_a_length_over_its_limit() {
    let (_dir, db) = open();
    assert_invalid(
        events::create(&db, event("Rally\0")),
        "title",
        &["NUL"],
        "a NUL in a title",
    );
    let mut draft = event("Study group");
    draft.reading_list = vec![Reading {
        title: "State and Revolution".into(),
        author: "Lenin\0".into(),
        link: String::new(),
    }];
    assert_invalid(
        events::save_draft(&db, None, draft),
        "reading_list[0].author",
        &["NUL"],
        "a NUL in a reading list's author",
    );
    let mut draft = event("Study group");
    draft.start_date = "2".repeat(1000);
    assert_invalid(
        events::save_draft(&db, None, draft),
        "start_date",
        &["1000 bytes", "64 bytes"],
        "a draft's date of 1,000 characters",
    );
    let mut draft = event("Study group");
    draft.tags = vec!["ok".into(), "bad\0tag".into()];
    assert_invalid(
        events::save_draft(&db, None, draft),
        "tags[1]",
        &["NUL"],
        "a NUL in a tag",
    );
    assert_invalid(
        events::create(&db, event(&"t".repeat(3000))),
        "title",
        &["3 KB", "2 KB"],
        "a title of 3,000 characters",
    );
    assert_eq!(count(&db, "event"), 0, "no refused event was saved");

    let e = events::create(&db, event("Meeting")).expect("a valid event saves");
    events::announce(&db, e.id).expect("it is announced");
    let history = count(&db, "event_history");
    assert_invalid(
        events::cancel(&db, e.id, "the storm\0"),
        "reason",
        &["NUL"],
        "a NUL in a cancellation reason",
    );
    assert_invalid(
        events::postpone(&db, e.id, &"r".repeat(30 * 1024)),
        "reason",
        &["30 KB", "20 KB"],
        "a postponement reason of 30 KB",
    );
    assert_eq!(
        events::get(&db, e.id).unwrap().status,
        events::EventStatus::Announced,
        "a refused reason changes no status"
    );
    assert_eq!(
        count(&db, "event_history"),
        history,
        "and writes no history line"
    );

    assert_invalid(
        events::create_venue(
            &db,
            VenueInput {
                name: "Hall".into(),
                room: "B\0".into(),
                ..Default::default()
            },
        ),
        "room",
        &["NUL"],
        "a NUL in a venue's room",
    );
    assert_invalid(
        events::create_speaker(
            &db,
            SpeakerInput {
                name: "Ana".into(),
                credit: "c".repeat(3000),
                ..Default::default()
            },
        ),
        "credit",
        &["2 KB"],
        "a speaker's credit of 3,000 characters",
    );
    assert_invalid(
        events::create_tour(
            &db,
            TourInput {
                title: "Tour".into(),
                tags: vec!["a\0".into()],
                ..Default::default()
            },
        ),
        "tags[0]",
        &["NUL"],
        "a NUL in a tour's tag",
    );
    assert_invalid(
        events::create_tour(
            &db,
            TourInput {
                title: "Tour".into(),
                tags: (0..51).map(|i| format!("t{i}")).collect(),
                ..Default::default()
            },
        ),
        "tags",
        &["50 tags"],
        "a tour of 51 tags",
    );
    assert_eq!(
        count(&db, "venue") + count(&db, "speaker") + count(&db, "tour"),
        0,
        "no refused venue, speaker or tour was saved"
    );
}

#[test]
fn the_201st_speaker_is_refused_before_any_speaker_is_saved() {
    let (_dir, db) = open();
    let text = std::fs::read_to_string(repo().join("tests/corpus/json/hostile/201-speakers.json"))
        .unwrap();
    assert_invalid(
        json::import(&db, &text),
        "event.speakers",
        &["201 speakers", "at most 200"],
        "an event file of 201 speakers",
    );
    assert_eq!(
        count(&db, "speaker"),
        0,
        "not one of the 201 speakers was saved"
    );

    let ids: Vec<i64> = (0..201)
        .map(|i| {
            events::create_speaker(
                &db,
                SpeakerInput {
                    name: format!("Speaker {i}"),
                    ..Default::default()
                },
            )
            .unwrap()
            .id
        })
        .collect();
    assert_invalid(
        events::create_tour(
            &db,
            TourInput {
                title: "Tour".into(),
                speaker_ids: ids.clone(),
                ..Default::default()
            },
        ),
        "speaker_ids",
        &["at most 200", "201"],
        "a tour of 201 speakers",
    );
    let mut input = event("Panel");
    input.speaker_ids = ids[..200].to_vec();
    assert_eq!(
        events::create(&db, input)
            .expect("200 speakers are allowed")
            .speakers
            .len(),
        200,
        "an event keeps its 200 speakers"
    );

    // An event file naming speakers already saved reuses them instead of making copies.
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["event"]["speakers"] =
        serde_json::json!([{"name": "Speaker 7"}, {"name": "Speaker 9"}, {"name": "Someone new"}]);
    doc["event"]["uid"] = serde_json::json!("another@test");
    let done =
        json::import(&db, &doc.to_string()).expect("an event file of three speakers imports");
    let names: Vec<&str> = done.events[0]
        .speakers
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["Speaker 7", "Speaker 9", "Someone new"],
        "the speakers are kept in order"
    );
    assert_eq!(
        done.events[0].speakers[0].id, ids[7],
        "a known speaker is found, not saved again"
    );
    assert_eq!(count(&db, "speaker"), 202, "only the new speaker was added");
}

#[test]
fn coalition_branch_and_subscriber_fields_refuse_a_nul_and_over_long_text() {
    let (_dir, db) = open();
    let org = |contacts: Vec<ContactInput>, website: &str| OrganizationInput {
        name: "Tenants Union".into(),
        website: website.into(),
        contacts,
        ..Default::default()
    };
    assert_invalid(
        coalition::create_organization(
            &db,
            org(
                vec![ContactInput {
                    name: "Ana\0".into(),
                    ..Default::default()
                }],
                "",
            ),
        ),
        "contacts[0].name",
        &["NUL"],
        "a NUL in a contact's name",
    );
    assert_invalid(
        coalition::create_organization(
            &db,
            org(vec![], &format!("https://example.org/{}", "a".repeat(3000))),
        ),
        "website",
        &["2 KB"],
        "a website of 3 KB",
    );
    assert_eq!(
        count(&db, "organization"),
        0,
        "no refused organization was saved"
    );
    assert_invalid(
        coalition::create_demand_list(
            &db,
            DemandListInput {
                title: "Demands".into(),
                intro: "We demand\0".into(),
                demands: vec![DemandInput {
                    key: None,
                    text: "Free Siham".into(),
                }],
            },
        ),
        "intro",
        &["NUL"],
        "a NUL in a demand list's intro",
    );

    let mut input: branch::BranchInput = demo::sample_branch();
    input.city = "Bos\0ton".into();
    assert_invalid(
        branch::save(&db, input),
        "city",
        &["NUL"],
        "a NUL in the branch's city",
    );
    let mut input: branch::BranchInput = demo::sample_branch();
    input.website = format!("https://example.org/{}", "a".repeat(2100));
    assert_invalid(
        branch::save(&db, input),
        "website",
        &["keep it to 2000"],
        "a branch website of 2,100 characters",
    );
    let mut input: branch::BranchInput = demo::sample_branch();
    input.languages = (0..21).map(|_| "en".to_owned()).collect();
    assert_invalid(
        branch::save(&db, input),
        "languages",
        &["at most 20"],
        "21 languages",
    );
    assert_eq!(
        branch::require(&db).unwrap().city,
        demo::sample_branch().city,
        "the saved profile is unchanged"
    );

    let person = SubscriberInput {
        email: "ana@example.org".into(),
        notes: "met at\0 the rally".into(),
        ..Default::default()
    };
    assert_invalid(
        subscribers::validate(person),
        "notes",
        &["NUL"],
        "a NUL in a subscriber's notes",
    );
}

#[test]
fn a_quote_left_open_in_a_csv_is_reported_with_its_line_and_nothing_is_imported() {
    let (_dir, db) = open();
    let list = lists::create(&db, "Announcements").unwrap();
    let unclosed =
        std::fs::read(repo().join("tests/corpus/subscribers-csv/hostile/unclosed-quote.csv"))
            .unwrap();
    assert_invalid(
        import::preview("sheet.csv", &unclosed),
        "file",
        &["line 3: a quote opened here is never closed"],
        "the preview of an unclosed quote",
    );
    let options = ImportOptions {
        list_id: list.id,
        mapping: Vec::new(),
        dry_run: false,
    };
    let run = import::run(
        &db,
        "sheet.csv",
        &unclosed,
        &options,
        &mut |_| {},
        &std::sync::atomic::AtomicBool::new(false),
    );
    assert_invalid(
        run,
        "file",
        &[
            "line 3: a quote opened here is never closed",
            "Nothing was imported",
        ],
        "the import of an unclosed quote",
    );
    assert_eq!(
        count(&db, "subscriber"),
        0,
        "not even Ana, on the line before the quote, was imported"
    );

    let stray = std::fs::read(
        repo().join("tests/corpus/subscribers-csv/hostile/stray-quote-closes-mid-cell.csv"),
    )
    .unwrap();
    assert_invalid(
        import::preview("sheet.csv", &stray),
        "file",
        &["line 2: a quote opened here is never closed", "on line 4"],
        "a quote closed by another person's stray quote",
    );
    let swallowing = std::fs::read(
        repo().join("tests/corpus/subscribers-csv/hostile/quote-swallows-200-lines.csv"),
    )
    .unwrap();
    assert_invalid(
        import::preview("sheet.csv", &swallowing),
        "file",
        &[
            "line 2: a quote opened here is never closed",
            "201 lines further on",
        ],
        "a quoted cell of 200 lines",
    );

    let orgs =
        std::fs::read(repo().join("tests/corpus/organizations-csv/hostile/unclosed-quote.csv"))
            .unwrap();
    assert_invalid(
        coalition::preview_organizations("orgs.csv", &orgs),
        "file",
        &["line 3: a quote opened here is never closed"],
        "an organizations preview",
    );
    assert_invalid(
        coalition::import_organizations(
            &db,
            "orgs.csv",
            &orgs,
            &OrgImportOptions {
                mapping: vec![],
                dry_run: false,
            },
        ),
        "file",
        &["line 3: a quote opened here is never closed"],
        "an organizations import",
    );
    assert_eq!(
        count(&db, "organization"),
        0,
        "no organization was imported"
    );

    // Quotes used as they should be still read: doubled quotes, a note over two lines.
    let good = b"email,name,notes\nana@example.org,\"Ana \"\"A\"\" Lopez\",\"line one\nline two\"\nben@example.org,Ben \"B\" Stone,x\n";
    let preview = import::preview("good.csv", good).expect("well-quoted cells are read");
    assert_eq!(preview.rows, 2, "both people are read");
    assert_eq!(
        preview.columns[1].samples,
        ["Ana \"A\" Lopez", "Ben \"B\" Stone"],
        "quotes inside names are kept as typed"
    );
}

#[test]
fn an_import_left_running_by_a_process_that_is_gone_is_shown_as_interrupted() {
    let (dir, db) = open();
    let list = lists::create(&db, "Announcements").unwrap();
    let long_ago = "2026-01-01T00:00:00Z";
    db.conn()
        .execute(
            "INSERT INTO import_job (file_name, list_id, state, rows_total, started_at) VALUES ('old.csv', ?1, 'running', 10, ?2)",
            rusqlite::params![list.id, long_ago],
        )
        .unwrap();
    // While another connection holds the write lock (as a live import does), the record is left alone.
    let other = rusqlite::Connection::open(dir.path().join("trust.sqlite")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    let jobs = import::jobs(&db, 10).expect("the history reads while another writes");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "reading the history does not wait for the writer"
    );
    assert_eq!(
        jobs[0].state, "running",
        "a record whose writer may be alive stays running"
    );
    other.execute_batch("ROLLBACK").unwrap();

    // A record just started is within the time a live import may wait for the lock.
    db.conn()
        .execute(
            "INSERT INTO import_job (file_name, list_id, state, rows_total, started_at) VALUES ('new.csv', ?1, 'running', 10, ?2)",
            rusqlite::params![list.id, jiff::Timestamp::now().round(jiff::Unit::Second).unwrap().to_string()],
        )
        .unwrap();
    let jobs = import::jobs(&db, 10).expect("the history reads");
    let state = |name: &str| {
        jobs.iter()
            .find(|j| j.file_name == name)
            .map(|j| j.state.clone())
            .unwrap()
    };
    assert_eq!(
        state("old.csv"),
        "interrupted",
        "with nobody writing, the old record is settled as interrupted"
    );
    assert_eq!(
        state("new.csv"),
        "running",
        "a record started a moment ago is left to its import"
    );
    let old = jobs.iter().find(|j| j.file_name == "old.csv").unwrap();
    assert!(
        old.finished_at.is_some() && old.message.contains("nothing of it was saved"),
        "the settled record says what happened: {old:?}"
    );
}

/// Every file of the hostile corpus is refused as invalid input and saves nothing.
#[test]
fn every_file_of_the_hostile_corpus_is_refused_and_saves_nothing() {
    let mut refused = 0;
    let folder = |name: &str| -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> =
            std::fs::read_dir(repo().join("tests/corpus").join(name).join("hostile"))
                .unwrap_or_else(|e| panic!("the hostile corpus of {name} is readable: {e}"))
                .map(|e| e.unwrap().path())
                .collect();
        paths.sort();
        assert!(!paths.is_empty(), "the hostile corpus of {name} has files");
        paths
    };
    let refuse = |result: handbill_core::Result<()>, path: &Path, db: &Database| {
        let err = result.expect_err(&format!("{} is refused", path.display()));
        assert_eq!(
            err.code,
            ErrorCode::Invalid,
            "{} is refused as invalid input: {err:?}",
            path.display()
        );
        assert!(
            !err.message.trim().is_empty(),
            "{}: the refusal says why",
            path.display()
        );
        for table in ["event", "speaker", "venue", "subscriber", "organization"] {
            assert_eq!(
                count(db, table),
                0,
                "{}: nothing was saved in {table}",
                path.display()
            );
        }
    };
    for path in folder("ics").into_iter().chain(folder("json")) {
        let (_dir, db) = open();
        refuse(events::import_file(&db, &path).map(|_| ()), &path, &db);
        refused += 1;
    }
    for path in folder("subscribers-csv") {
        let (_dir, db) = open();
        let list = lists::create(&db, "Announcements").unwrap();
        let bytes = import::read_file(&path).unwrap();
        refuse(import::preview("x.csv", &bytes).map(|_| ()), &path, &db);
        let options = ImportOptions {
            list_id: list.id,
            mapping: Vec::new(),
            dry_run: false,
        };
        refuse(
            import::run(
                &db,
                "x.csv",
                &bytes,
                &options,
                &mut |_| {},
                &std::sync::atomic::AtomicBool::new(false),
            )
            .map(|_| ()),
            &path,
            &db,
        );
        refused += 1;
    }
    for path in folder("organizations-csv") {
        let (_dir, db) = open();
        let bytes = coalition::read_org_file(&path).unwrap();
        refuse(
            coalition::import_organizations(
                &db,
                "x.csv",
                &bytes,
                &OrgImportOptions {
                    mapping: vec![],
                    dry_run: false,
                },
            )
            .map(|_| ()),
            &path,
            &db,
        );
        refused += 1;
    }
    assert_eq!(refused, 9, "every hostile file was tried");
}
