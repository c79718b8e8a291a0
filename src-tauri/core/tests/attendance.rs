//! Attendance (issue 20): typing the sign-in sheet records who came; a ticked
//! box subscribes with the row as evidence, an unticked one mails nothing, and
//! an opt-out on record still wins. The event says who came, how many were
//! new and who came last time but not this time. A door form's CSV is read
//! as the subscriber import reads columns, a bad cell drops the field (or the
//! row, reported with its line), never the sheet. Segments by attendance are
//! counted against hand-made expectations, and the follow-up templates go to
//! the people the sheet names.

use handbill_core::clock;
use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::mail::announcements::{self, store, AnnouncementInput, Template};
use handbill_core::mail::attendance::{self, MailChoice, SignIn, SignInResult, SignInRow};
use handbill_core::mail::lists::{self, SegmentFilter};
use handbill_core::mail::subscribers::{self, SubscriberInput, UnsubscribeRequest};
use handbill_core::{Database, ErrorCode};
#[path = "support/boston.rs"]
mod boston;

fn meeting(db: &Database, title: &str, date: &str) -> i64 {
    let e = events::create(
        db,
        EventInput {
            title: title.into(),
            kind: EventKind::Meeting,
            start_date: date.into(),
            start_time: "19:00".into(),
            end_time: "21:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .expect("the meeting is saved");
    events::announce(db, e.id).expect("the meeting is announced");
    e.id
}

fn person(db: &Database, email: &str, name: &str, list: Option<i64>) -> i64 {
    subscribers::add(
        db,
        SubscriberInput {
            email: email.into(),
            name: name.into(),
            ..Default::default()
        },
        list,
        "test",
    )
    .expect("the subscriber is added")
    .subscriber
    .id
}

fn row(n: u32, name: &str, email: &str, wants_mail: bool) -> SignInRow {
    SignInRow {
        row: n,
        name: name.into(),
        email: email.into(),
        phone: String::new(),
        postal_code: String::new(),
        wants_mail,
    }
}

fn sign(db: &Database, event: i64, list: i64, r: SignInRow) -> attendance::Attendee {
    attendance::sign_in(
        db,
        &SignIn {
            event_id: event,
            occurrence: String::new(),
            list_id: Some(list),
            row: r,
        },
    )
    .expect("the row is recorded")
}

struct Branch {
    db: Database,
    list: i64,
    first: i64,
    second: i64,
}

/// A branch with a list, two past study-group meetings and four people:
/// Ana and Ben subscribed, Cleo unsubscribed (branch-wide), Dev known but on no list.
fn branch() -> Branch {
    let db = Database::open_in_memory().expect("an in-memory database opens");
    boston::save_profile(&db);
    let list = lists::create(&db, "Announcements").unwrap().id;
    let first = meeting(&db, "Study group: week 1", "2026-11-05");
    let second = meeting(&db, "Study group: week 2", "2026-11-12");
    person(&db, "ana@example.org", "Ana Ruiz", Some(list));
    person(&db, "ben@example.org", "Ben Okafor", Some(list));
    person(&db, "cleo@example.org", "Cleo Park", Some(list));
    person(&db, "dev@example.org", "Dev Shah", None);
    subscribers::unsubscribe(
        &db,
        &UnsubscribeRequest {
            text: "cleo@example.org".into(),
            list_id: Some(list),
            only_this_list: false,
            source: "her reply".into(),
        },
    )
    .expect("Cleo unsubscribes");
    Branch {
        db,
        list,
        first,
        second,
    }
}

fn mailable(db: &Database, list: i64) -> Vec<String> {
    let mut stmt = db
        .conn()
        .prepare("SELECT email FROM mailable WHERE list_id = ?1 ORDER BY email")
        .unwrap();
    stmt.query_map([list], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_ticked_box_subscribes_with_the_row_as_evidence_and_an_opt_out_stands() {
    let b = branch();
    let new = sign(
        &b.db,
        b.first,
        b.list,
        row(1, "Eve Lind", "eve@example.org", true),
    );
    assert_eq!(new.result, SignInResult::New, "Eve was not known before");
    assert_eq!(
        new.mail,
        MailChoice::Subscribed,
        "her ticked box subscribes her"
    );
    let ledger = subscribers::ledger(&b.db, "eve@example.org").unwrap();
    assert!(
        ledger.iter().any(|l| l.status == "subscribed"
            && l.evidence == "sign-in sheet, Study group: week 1 (2026-11-05), row 1"),
        "the ledger keeps the sheet row as evidence: {ledger:?}"
    );

    let quiet = sign(
        &b.db,
        b.first,
        b.list,
        row(2, "Finn Moss", "finn@example.org", false),
    );
    assert_eq!(quiet.result, SignInResult::New);
    assert_eq!(
        quiet.mail,
        MailChoice::NotAsked,
        "an unticked box asks for nothing"
    );
    assert!(
        !mailable(&b.db, b.list).contains(&"finn@example.org".to_owned()),
        "attendance alone mails nothing"
    );

    let cleo = sign(
        &b.db,
        b.first,
        b.list,
        row(3, "Cleo Park", "CLEO@example.org", true),
    );
    assert_eq!(cleo.result, SignInResult::Returning, "Cleo is known");
    assert_eq!(
        cleo.mail,
        MailChoice::KeptOff,
        "her opt-out stands against the tick"
    );
    assert!(
        cleo.note.contains("unsubscribed"),
        "the organizer is told why: {}",
        cleo.note
    );
    assert!(
        !mailable(&b.db, b.list).contains(&"cleo@example.org".to_owned()),
        "Cleo stays off every list"
    );

    let dev = sign(&b.db, b.first, b.list, row(4, "", "dev@example.org", true));
    assert_eq!(
        dev.result,
        SignInResult::Returning,
        "Dev was known, on no list"
    );
    assert_eq!(dev.mail, MailChoice::Subscribed);
    assert_eq!(
        dev.name, "Dev Shah",
        "a known person's name completes the row"
    );

    let ana = sign(
        &b.db,
        b.first,
        b.list,
        row(5, "Ana Ruiz", "ana@example.org", true),
    );
    assert_eq!(ana.mail, MailChoice::AlreadySubscribed);

    // The same person typed twice is one attendance, at the later row.
    sign(
        &b.db,
        b.first,
        b.list,
        row(6, "Ana Ruiz", "ana@example.org", true),
    );
    let seen = attendance::for_event(&b.db, b.first, "").unwrap();
    assert_eq!(seen.came.len(), 5, "five people came: {:?}", seen.came);
    assert_eq!(seen.new_people, 2, "Eve and Finn were new");
    assert_eq!(seen.next_row, 7, "the next row follows the last typed");
    assert_eq!(
        mailable(&b.db, b.list),
        [
            "ana@example.org",
            "ben@example.org",
            "dev@example.org",
            "eve@example.org"
        ],
        "the list as the sheet leaves it"
    );
}

#[test]
fn a_row_without_an_address_is_kept_by_name_and_bad_rows_are_refused_by_field() {
    let b = branch();
    let noaddr = sign(&b.db, b.first, b.list, row(1, "Gus Ortiz", "", true));
    assert_eq!(
        noaddr.mail,
        MailChoice::NoAddress,
        "no address: nothing to subscribe"
    );
    assert_eq!(noaddr.subscriber_id, None);
    let again = sign(&b.db, b.second, b.list, row(1, "gus ortiz", "", false));
    assert_eq!(
        again.result,
        SignInResult::Returning,
        "known by the name he wrote before"
    );

    for (bad, field) in [
        (row(2, "", "", false), "name"),
        (row(2, "Hal", "not an address", false), "email"),
        (
            SignInRow {
                phone: "call me maybe".into(),
                ..row(2, "Hal", "", false)
            },
            "phone",
        ),
        (row(2, &"x".repeat(300), "", false), "name"),
        (row(2, "Hal\nSmith", "", false), "name"),
        (row(2, "Hal\0", "", false), "name"),
    ] {
        let e = attendance::sign_in(
            &b.db,
            &SignIn {
                event_id: b.first,
                occurrence: String::new(),
                list_id: Some(b.list),
                row: bad,
            },
        )
        .expect_err("a bad row is refused");
        assert_eq!(e.code, ErrorCode::Invalid);
        assert_eq!(
            e.fields[0].field, field,
            "the message names the field: {e:?}"
        );
    }
    let e = attendance::for_event(&b.db, 9999, "").expect_err("no such event");
    assert_eq!(e.code, ErrorCode::NotFound);
    assert_eq!(
        attendance::for_event(&b.db, b.first, "")
            .unwrap()
            .came
            .len(),
        1,
        "nothing of the refused rows was kept"
    );
}

#[test]
fn the_event_says_who_came_last_time_but_not_this_time() {
    let b = branch();
    for (n, email) in ["ana@example.org", "ben@example.org", "dev@example.org"]
        .iter()
        .enumerate()
    {
        sign(&b.db, b.first, b.list, row(n as u32 + 1, "", email, false));
    }
    sign(
        &b.db,
        b.second,
        b.list,
        row(1, "", "ana@example.org", false),
    );
    sign(
        &b.db,
        b.second,
        b.list,
        row(2, "Ivy New", "ivy@example.org", true),
    );
    let seen = attendance::for_event(&b.db, b.second, "").unwrap();
    assert_eq!(seen.last_time, "Study group: week 1 (2026-11-05)");
    let missed: Vec<&str> = seen.missed.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(
        missed,
        ["ben@example.org", "dev@example.org"],
        "who came last time but not now"
    );
    assert_eq!(seen.new_people, 1, "Ivy is new");
    let first = attendance::for_event(&b.db, b.first, "").unwrap();
    assert!(
        first.last_time.is_empty() && first.missed.is_empty(),
        "nothing before the first meeting"
    );
}

#[test]
fn a_door_form_csv_is_read_like_an_import_and_bad_cells_drop_only_the_field() {
    let b = branch();
    let csv = "Marca temporal,Nombre,Correo electrónico,Teléfono,Código postal,¿Podemos enviarte correos sobre próximos eventos?\n\
               2026-11-05 19:02,Jo Lee,jo@example.org,617-555-0100,02139,Sí\n\
               2026-11-05 19:03,Kai Ng,kai@example.org,call me,02138,No\n\
               2026-11-05 19:04,Cleo Park,cleo@example.org,,,Sí\n\
               2026-11-05 19:05,Lu Bad,lu at example,,,Sí\n\
               2026-11-05 19:06,Mo Ray,mo@example.org,,,quizás\n";
    let report = attendance::import_sheet(&b.db, b.first, "", Some(b.list), csv.as_bytes())
        .expect("the sheet is read");
    assert_eq!(
        report.recorded, 4,
        "every readable person is recorded: {report:?}"
    );
    assert_eq!(report.new_people, 3, "Jo, Kai and Mo are new");
    assert_eq!(report.subscribed, 1, "only Jo said yes and had no opt-out");
    assert_eq!(
        report.kept_off.len(),
        1,
        "Cleo's opt-out stands: {report:?}"
    );
    let lines: Vec<u32> = report.problems.iter().map(|p| p.line).collect();
    assert_eq!(
        lines,
        [3, 5, 6],
        "the phone, the address and the unclear answer, by line: {report:?}"
    );
    assert!(
        report.problems[1].message.contains("lu at example")
            || report.problems[1].message.contains("address"),
        "the bad address is named: {:?}",
        report.problems[1]
    );
    assert!(
        report
            .columns
            .iter()
            .any(|c| c.contains("Correo electrónico")),
        "the report says how the columns were read: {:?}",
        report.columns
    );
    let kai = subscribers::find(&b.db, "kai@example.org")
        .unwrap()
        .expect("Kai is kept");
    assert_eq!(kai.phone, "", "Kai's unreadable phone is dropped, not Kai");

    let e = attendance::import_sheet(&b.db, b.first, "", Some(b.list), b"Color,Size\nred,L\n")
        .expect_err("a file that names nobody is refused");
    assert_eq!(e.fields[0].field, "file");
    let e = attendance::import_sheet(
        &b.db,
        b.first,
        "",
        Some(b.list),
        &[0xff, 0xfe, 0x00, 0x00, 0x00],
    )
    .expect_err("bytes that are not text are refused");
    assert_eq!(e.code, ErrorCode::Invalid, "{e:?}");
}

/// Ten meetings, each with a hand-made list of who came: the segment counts
/// must match what is counted here by hand.
#[test]
fn segments_by_attendance_count_what_the_sheets_say() {
    let db = Database::open_in_memory().unwrap();
    boston::save_profile(&db);
    let list = lists::create(&db, "Announcements").unwrap().id;
    let people: Vec<String> = (0..8).map(|i| format!("p{i}@example.org")).collect();
    {
        let _then = clock::set("2026-09-01T12:00:00Z".parse().unwrap());
        for p in &people[..6] {
            person(&db, p, "", Some(list));
        }
    }
    // p6 and p7 join later (for "new since").
    {
        let _later = clock::set("2026-11-20T12:00:00Z".parse().unwrap());
        for p in &people[6..] {
            person(&db, p, "", Some(list));
        }
    }
    // Who came to meeting m (0..6), oldest first.
    let came: [&[usize]; 6] = [
        &[0, 1, 2],
        &[0, 1],
        &[0, 3],
        &[0, 1, 3],
        &[1, 3, 6],
        &[0, 6],
    ];
    let mut meetings = Vec::new();
    for (m, who) in came.iter().enumerate() {
        let id = meeting(
            &db,
            &format!("Meeting {m}"),
            &format!("2026-10-{:02}", m + 1),
        );
        for (n, &p) in who.iter().enumerate() {
            sign(&db, id, list, row(n as u32 + 1, "", &people[p], false));
        }
        meetings.push(id);
    }
    let uid = |id: i64| events::get(&db, id).unwrap().uid;
    let count = |f: SegmentFilter| lists::reach(&db, list, &f).expect("the segment counts");
    let by_hand = |keep: &dyn Fn(usize) -> bool| (0..8).filter(|&p| keep(p)).count() as u32;

    assert_eq!(
        count(SegmentFilter {
            attended: uid(meetings[3]),
            ..Default::default()
        }),
        by_hand(&|p| came[3].contains(&p)),
        "attended meeting 3"
    );
    assert_eq!(
        count(SegmentFilter {
            missed: uid(meetings[5]),
            ..Default::default()
        }),
        by_hand(&|p| !came[5].contains(&p)),
        "did not attend meeting 5"
    );
    for (n, m) in [(2, 3), (1, 2), (3, 6), (2, 6)] {
        let recent = &came[6 - m..];
        assert_eq!(
            count(SegmentFilter {
                min_attended: n,
                of_last: m as u32,
                ..Default::default()
            }),
            by_hand(&|p| recent.iter().filter(|w| w.contains(&p)).count() >= n as usize),
            "attended at least {n} of the last {m}"
        );
    }
    assert_eq!(
        count(SegmentFilter {
            never_attended: true,
            ..Default::default()
        }),
        by_hand(&|p| !came.iter().any(|w| w.contains(&p))),
        "never attended"
    );
    assert_eq!(
        count(SegmentFilter {
            new_since: "2026-11-01".into(),
            ..Default::default()
        }),
        2,
        "p6 and p7 are new since November"
    );
    // The regulars "we missed you" goes to: at least 2 of the last 4, not at meeting 5.
    assert_eq!(
        count(SegmentFilter {
            missed: uid(meetings[5]),
            min_attended: 2,
            of_last: 4,
            ..Default::default()
        }),
        by_hand(
            &|p| !came[5].contains(&p) && came[2..].iter().filter(|w| w.contains(&p)).count() >= 2
        ),
        "regulars who missed meeting 5"
    );
    // The command line's words, with the event by number, name the same segment by uid.
    let parsed = lists::resolve_segment(
        &db,
        list,
        &format!("attended={},attended_at_least=1/2", meetings[3]),
    )
    .expect("the command line's filter reads");
    assert_eq!(
        parsed.attended,
        uid(meetings[3]),
        "the event is kept by uid"
    );
    assert_eq!((parsed.min_attended, parsed.of_last), (1, 2));
    for bad in [
        "attended_at_least=3/2",
        "attended_at_least=two",
        "new_since=soon",
        "attended=9999",
        "attended=never,attended_at_least=1/2",
    ] {
        let e = lists::resolve_segment(&db, list, bad).expect_err(bad);
        assert_eq!(
            e.fields[0].field, "segment",
            "{bad} is refused naming the segment: {e:?}"
        );
    }
}

#[test]
fn follow_ups_go_to_the_people_the_sheet_names_after_the_event() {
    let b = branch();
    let _now = clock::set("2026-11-13T12:00:00Z".parse().unwrap());
    let next = meeting(&b.db, "Study group: week 3", "2026-11-19");
    sign(&b.db, b.first, b.list, row(1, "", "ana@example.org", false));
    sign(&b.db, b.first, b.list, row(2, "", "ben@example.org", false));
    sign(
        &b.db,
        b.second,
        b.list,
        row(1, "", "ana@example.org", false),
    );
    sign(
        &b.db,
        b.second,
        b.list,
        row(2, "Eve Lind", "eve@example.org", true),
    );

    let (subject, body) =
        announcements::draft(&b.db, Some(b.second), None, Template::ThankYou).unwrap();
    assert_eq!(subject, "Thank you for coming to Study group: week 2");
    assert!(
        body.contains("Study group: week 3"),
        "the next steps name the next meeting:\n{body}"
    );
    assert!(!body.contains("week 1"), "not the past ones:\n{body}");

    let input = |template| AnnouncementInput {
        event_id: Some(b.second),
        tour_id: None,
        template,
        list_id: b.list,
        segment: String::new(),
        subject: "Thanks".into(),
        body: "Dear {{first_name|friend}}, thank you.".into(),
        attach_flyer: false,
        versions: Vec::new(),
    };
    let thanks = store::create(&b.db, input(Template::ThankYou)).expect("thanks is drafted");
    let to: Vec<String> = store::recipients(&b.db, b.list, &thanks.segment)
        .unwrap()
        .into_iter()
        .map(|r| r.email)
        .collect();
    assert_eq!(
        to,
        ["ana@example.org", "eve@example.org"],
        "thanks goes to those who came, on the list"
    );

    let missed = store::create(&b.db, input(Template::MissedYou)).expect("missed-you is drafted");
    let to: Vec<String> = store::recipients(&b.db, b.list, &missed.segment)
        .unwrap()
        .into_iter()
        .map(|r| r.email)
        .collect();
    assert_eq!(
        to,
        Vec::<String>::new(),
        "Ben came once of the last two: not a regular yet"
    );
    sign(&b.db, next, b.list, row(1, "", "ben@example.org", false));
    drop(_now);
    let _later = clock::set("2026-11-20T12:00:00Z".parse().unwrap());
    let missed = store::create(
        &b.db,
        AnnouncementInput {
            event_id: Some(b.second),
            ..input(Template::MissedYou)
        },
    )
    .unwrap();
    let to: Vec<String> = store::recipients(&b.db, b.list, &missed.segment)
        .unwrap()
        .into_iter()
        .map(|r| r.email)
        .collect();
    assert_eq!(
        to,
        ["ben@example.org"],
        "Ben came to 2 of the last 4 and missed week 2"
    );

    let e = store::create(
        &b.db,
        AnnouncementInput {
            event_id: Some(next),
            ..input(Template::ThankYou)
        },
    );
    assert!(e.is_ok(), "week 3 has started by the 20th: {e:?}");
    let future = meeting(&b.db, "Study group: week 9", "2027-01-07");
    let e = store::create(
        &b.db,
        AnnouncementInput {
            event_id: Some(future),
            ..input(Template::ThankYou)
        },
    )
    .expect_err("thanks before the event is refused");
    assert_eq!(e.fields[0].field, "template");
    assert!(
        e.message.contains("has not happened yet")
            || e.fields[0].message.contains("has not happened yet"),
        "{e:?}"
    );
}

#[test]
fn a_persons_record_holds_their_attendance_and_forgetting_them_erases_it() {
    use handbill_core::mail::person::{self, ForgetRequest};
    let b = branch();
    sign(
        &b.db,
        b.first,
        b.list,
        row(1, "Eve Lind", "eve@example.org", true),
    );
    sign(
        &b.db,
        b.second,
        b.list,
        row(4, "Eve Lind", "eve@example.org", false),
    );
    let record = person::record(&b.db, "eve@example.org").unwrap();
    assert_eq!(
        record.attendance.len(),
        2,
        "both meetings are in her record: {record:?}"
    );
    assert!(
        record
            .text()
            .contains("2026-11-12 Study group: week 2 (row 4)"),
        "the readable record names the meeting and the row:\n{}",
        record.text()
    );
    let report = person::forget(
        &b.db,
        &ForgetRequest {
            address: "eve@example.org".into(),
            requested_by: "her email".into(),
        },
    )
    .expect("she is forgotten");
    assert_eq!(report.attendance, 2, "her attendance went with her");
    let left: i64 =
        b.db.conn()
            .query_row("SELECT count(*) FROM attendance", [], |r| r.get(0))
            .unwrap();
    assert_eq!(left, 0, "no attendance row of hers is left");
}

/// A weekly study group is one event: each meeting's sheet is its own
/// (named by its date), "last time" is the meeting before, and a date the
/// series does not meet on (or no date at all) is refused naming the field.
#[test]
fn a_repeating_meetings_sheets_are_kept_per_meeting() {
    use handbill_core::events::series::{self, Repeat, RepeatRequest, SkipRequest};
    let b = branch();
    let group = meeting(&b.db, "Thursday study group", "2026-11-19");
    series::repeat(
        &b.db,
        &RepeatRequest {
            event_id: group,
            repeat: Repeat::Weekly,
            nth: 0,
            until: String::new(),
        },
    )
    .expect("it repeats weekly");
    series::skip(
        &b.db,
        &SkipRequest {
            event_id: group,
            date: "2026-11-26".into(),
            reason: "Thanksgiving".into(),
        },
    )
    .expect("Thanksgiving is skipped");
    let sign_on = |date: &str, email: &str| {
        attendance::sign_in(
            &b.db,
            &SignIn {
                event_id: group,
                occurrence: date.into(),
                list_id: Some(b.list),
                row: row(0, "", email, false),
            },
        )
    };
    sign_on("2026-11-19", "ana@example.org").expect("the first meeting's sheet");
    sign_on("2026-11-19", "ben@example.org").expect("the first meeting's sheet");
    sign_on("2026-12-03", "ana@example.org").expect("the third meeting's sheet");
    let third = attendance::for_event(&b.db, group, "2026-12-03").unwrap();
    assert_eq!(third.came.len(), 1, "each meeting keeps its own sheet");
    assert_eq!(
        third.last_time, "Thursday study group (2026-11-19)",
        "last time is the meeting before (the skipped one had none)"
    );
    let missed: Vec<&str> = third.missed.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(missed, ["ben@example.org"]);
    assert_eq!(
        attendance::for_event(&b.db, group, "2026-11-19")
            .unwrap()
            .came
            .len(),
        2,
        "the first meeting's sheet is untouched"
    );
    for (date, why) in [
        ("", "repeats"),
        ("2026-11-26", "no meeting"),
        ("2026-11-20", "no meeting"),
    ] {
        let e = sign_on(date, "dev@example.org").expect_err(date);
        assert_eq!(e.fields[0].field, "occurrence", "{date}: {e:?}");
        assert!(
            e.fields[0].message.contains(why),
            "{date}: {}",
            e.fields[0].message
        );
    }
    let e = attendance::sign_in(
        &b.db,
        &SignIn {
            event_id: b.first,
            occurrence: "2026-11-05".into(),
            list_id: Some(b.list),
            row: row(0, "", "dev@example.org", false),
        },
    )
    .expect_err("a single event's sheet has no date");
    assert!(e.fields[0].message.contains("does not repeat"), "{e:?}");
    // "Came to the study group" counts anyone at any of its meetings.
    assert_eq!(
        lists::reach(
            &b.db,
            b.list,
            &SegmentFilter {
                attended: events::get(&b.db, group).unwrap().uid,
                ..Default::default()
            }
        )
        .unwrap(),
        2
    );
}
