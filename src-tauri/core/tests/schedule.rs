//! Scheduled announcements against a real SQLite file with the clock set:
//! a reminder is waiting before its time, due at it and after it, and never
//! sent once its event has started (marked missed, once); an event
//! cancelled or moved after the schedule was set holds it, and confirming
//! the new date makes a day-before schedule follow the event; "the day
//! before at 10:00" is 10:00 on the calendar day before in the branch's
//! zone, across a change of clocks too; a due reminder is queued with the
//! consent checks of a manual send (who left meanwhile is not mailed); and
//! what cannot be scheduled is refused with the field named.

use handbill_core::branch::{self, BranchInput};
use handbill_core::clock;
use handbill_core::events::{self, EventInput, EventKind, When};
use handbill_core::mail::announcements::schedule::{
    self, DueStart, ScheduleRequest, ScheduleWhen, Standing,
};
use handbill_core::mail::announcements::{store, AnnouncementInput, AnnouncementState, Template};
use handbill_core::mail::lists;
use handbill_core::mail::subscribers::{self, SubscriberInput};
use handbill_core::Database;
use jiff::Timestamp;

struct Branch {
    _dir: tempfile::TempDir,
    db: Database,
    event: i64,
    announcement: i64,
}

fn at(text: &str) -> Timestamp {
    text.parse().expect("a test instant")
}

/// A branch in Chicago's zone with a list of three people, an announced
/// rally in New York at `start_date` `start_time` (New York time), and a
/// reminder about it drafted to the list.
fn branch(start_date: &str, start_time: &str) -> Branch {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("branch.sqlite")).unwrap();
    branch::save(
        &db,
        BranchInput {
            name: "Chicago branch".into(),
            time_zone: "America/Chicago".into(),
            languages: vec!["en".into()],
            ..BranchInput::new_branch()
        },
    )
    .unwrap();
    let list = lists::create(&db, "Announcements").unwrap();
    for i in 1..=3 {
        subscribers::add(
            &db,
            SubscriberInput {
                email: format!("person{i}@example.test"),
                ..Default::default()
            },
            Some(list.id),
            "test",
        )
        .unwrap();
    }
    let event = events::create(
        &db,
        EventInput {
            title: "Rally".into(),
            kind: EventKind::Rally,
            start_date: start_date.into(),
            start_time: start_time.into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap();
    events::announce(&db, event.id).unwrap();
    let announcement = store::create(
        &db,
        AnnouncementInput {
            event_id: Some(event.id),
            tour_id: None,
            template: Template::Reminder,
            list_id: list.id,
            segment: String::new(),
            subject: "Tomorrow: the rally".into(),
            body: "See you there, {{first_name|friend}}.".into(),
            attach_flyer: false,
            versions: Vec::new(),
        },
    )
    .unwrap();
    Branch {
        _dir: dir,
        db,
        event: event.id,
        announcement: announcement.id,
    }
}

fn day_before(b: &Branch, time: &str) -> handbill_core::Result<store::Announcement> {
    schedule::schedule(
        &b.db,
        &ScheduleRequest {
            announcement_id: b.announcement,
            when: ScheduleWhen::DayBefore { time: time.into() },
            again: false,
        },
    )
}

fn standing(b: &Branch) -> Standing {
    store::get(&b.db, b.announcement)
        .unwrap()
        .schedule
        .expect("the announcement is scheduled")
        .standing
}

fn ids(list: &[store::Announcement]) -> Vec<i64> {
    list.iter().map(|a| a.id).collect()
}

#[test]
fn a_reminder_waits_before_its_time_is_due_at_and_after_it_and_is_missed_once_the_event_started() {
    // The rally is Friday 11 December at 18:00 in New York (23:00 UTC).
    let b = branch("2026-12-11", "18:00");
    let _now = clock::set(at("2026-12-01T12:00:00Z"));
    let a = day_before(&b, "10:00").unwrap();
    let s = a.schedule.expect("scheduled");
    assert_eq!(
        s.at, "2026-12-10T16:00:00Z",
        "the day before at 10:00 in the branch's zone (Chicago, UTC-6), not the event's"
    );
    assert_eq!(s.at_text, "Thu 10 Dec, 10:00", "as the list shows it");
    assert_eq!(s.zone, "America/Chicago", "the branch's zone is named");
    drop(_now);

    let _before = clock::set(at("2026-12-10T15:59:59Z"));
    let c = schedule::check(&b.db).unwrap();
    assert_eq!(
        ids(&c.waiting),
        [b.announcement],
        "a second before its time it waits"
    );
    assert!(c.due.is_empty(), "nothing is due before its time");
    drop(_before);

    let _at = clock::set(at("2026-12-10T16:00:00Z"));
    let c = schedule::check(&b.db).unwrap();
    assert_eq!(ids(&c.due), [b.announcement], "at its time it is due");
    drop(_at);

    let _after = clock::set(at("2026-12-11T22:59:00Z"));
    let c = schedule::check(&b.db).unwrap();
    assert_eq!(
        ids(&c.due),
        [b.announcement],
        "after its time (a laptop waking up), it is still due while the event has not started"
    );
    drop(_after);

    let _started = clock::set(at("2026-12-11T23:00:00Z"));
    let c = schedule::check(&b.db).unwrap();
    assert!(c.due.is_empty(), "once the event started it is never due");
    assert_eq!(
        ids(&c.missed),
        [b.announcement],
        "it is marked missed, and told"
    );
    let why = &c.missed[0].schedule.as_ref().unwrap().why;
    assert!(
        why.contains("never sent after its event starts"),
        "the words say why: {why}"
    );
    assert_eq!(
        schedule::queue_due(&b.db, b.announcement).unwrap(),
        DueStart::NotDue(Box::new(store::get(&b.db, b.announcement).unwrap())),
        "asking to send a missed one queues nothing"
    );
    let again = schedule::check(&b.db).unwrap();
    assert!(
        again.missed.is_empty(),
        "a missed one is told once, not at every check"
    );
    assert_eq!(
        standing(&b),
        Standing::Missed,
        "and the list still says it was missed"
    );
    assert_eq!(
        store::get(&b.db, b.announcement).unwrap().state,
        AnnouncementState::Draft,
        "nobody was queued"
    );
}

#[test]
fn a_due_reminder_is_queued_through_the_manual_send_and_leaves_the_schedule() {
    let b = branch("2026-12-11", "18:00");
    let _now = clock::set(at("2026-12-01T12:00:00Z"));
    day_before(&b, "10:00").unwrap();
    drop(_now);
    let _at = clock::set(at("2026-12-10T16:00:30Z"));
    match schedule::queue_due(&b.db, b.announcement).unwrap() {
        DueStart::Queued(p) => {
            assert_eq!(
                p.total, 3,
                "everyone on the list is queued, as a manual send queues them"
            );
            assert_eq!(
                p.state,
                AnnouncementState::Queued,
                "it is queued for the sender"
            );
        }
        other => panic!("a due reminder is queued, not {other:?}"),
    }
    let a = store::get(&b.db, b.announcement).unwrap();
    assert!(
        a.schedule.is_none(),
        "once queued it is no longer a schedule to check"
    );
    let c = schedule::check(&b.db).unwrap();
    assert!(
        c.due.is_empty(),
        "the next check does not find it due again"
    );
    // Queued and nobody sending it (as after a connection that failed): the
    // next check resumes it, until the event starts.
    assert_eq!(
        ids(&c.retry),
        [b.announcement],
        "a scheduled send that stopped with people still queued is resumed"
    );
    drop(_at);
    let _started = clock::set(at("2026-12-11T23:00:00Z"));
    assert!(
        schedule::check(&b.db).unwrap().retry.is_empty(),
        "never once the event has started"
    );
}

#[test]
fn a_reminder_for_an_event_cancelled_after_it_was_scheduled_is_held() {
    let b = branch("2026-12-11", "18:00");
    let _now = clock::set(at("2026-12-01T12:00:00Z"));
    day_before(&b, "10:00").unwrap();
    events::cancel(&b.db, b.event, "The hall closed.").unwrap();
    drop(_now);
    let _at = clock::set(at("2026-12-10T16:05:00Z"));
    let c = schedule::check(&b.db).unwrap();
    assert!(c.due.is_empty(), "a cancelled event's reminder is not due");
    assert_eq!(ids(&c.held), [b.announcement], "it is held");
    let why = c.held[0].schedule.as_ref().unwrap().why.clone();
    assert!(
        why.contains("was cancelled"),
        "the organizer is told why: {why}"
    );
    assert!(
        matches!(
            schedule::queue_due(&b.db, b.announcement).unwrap(),
            DueStart::NotDue(_)
        ),
        "asking to send it queues nothing"
    );
    let a = schedule::unschedule(&b.db, b.announcement).unwrap();
    assert!(
        a.schedule.is_none(),
        "unscheduled, it is a plain draft again"
    );
    assert_eq!(a.state, AnnouncementState::Draft, "the draft is kept");
}

#[test]
fn a_rescheduled_event_holds_its_reminder_until_confirmed_and_a_day_before_schedule_follows_it() {
    let b = branch("2026-12-11", "18:00");
    let _now = clock::set(at("2026-12-01T12:00:00Z"));
    day_before(&b, "10:00").unwrap();
    events::reschedule(
        &b.db,
        b.event,
        When {
            start_date: "2026-12-18".into(),
            start_time: "18:00".into(),
            end_date: String::new(),
            end_time: String::new(),
            all_day: false,
        },
        "The snow.",
    )
    .unwrap();
    let s = store::get(&b.db, b.announcement).unwrap().schedule.unwrap();
    assert_eq!(
        s.standing,
        Standing::Held,
        "a moved event holds its reminder"
    );
    assert!(
        s.why.contains("was rescheduled"),
        "the organizer is told: {}",
        s.why
    );
    assert_eq!(
        s.confirm_at_text.as_deref(),
        Some("Thu 17 Dec, 10:00"),
        "and when it goes once they confirm"
    );
    drop(_now);
    let _old_time = clock::set(at("2026-12-10T16:00:00Z"));
    assert!(
        schedule::check(&b.db).unwrap().due.is_empty(),
        "at the old time it is not sent"
    );
    let confirmed = schedule::confirm(&b.db, b.announcement).unwrap();
    let s = confirmed.schedule.unwrap();
    assert_eq!(s.standing, Standing::Waiting, "confirmed, it waits again");
    assert_eq!(
        s.at, "2026-12-17T16:00:00Z",
        "the day-before schedule followed the event to its new date"
    );
    drop(_old_time);
    let _new_time = clock::set(at("2026-12-17T16:00:00Z"));
    assert_eq!(
        ids(&schedule::check(&b.db).unwrap().due),
        [b.announcement],
        "due the day before the new date"
    );
}

#[test]
fn the_day_before_is_a_calendar_day_in_the_branch_zone_across_a_change_of_clocks() {
    // Chicago falls back on Sunday 1 November 2026; the rally is Monday 2
    // November at 18:00 New York time (23:00 UTC).
    let b = branch("2026-11-02", "18:00");
    let _now = clock::set(at("2026-10-20T12:00:00Z"));
    let s = day_before(&b, "10:00").unwrap().schedule.unwrap();
    assert_eq!(
        s.at, "2026-11-01T16:00:00Z",
        "10:00 CST on the Sunday (UTC-6 after the change), not 24 hours before the start"
    );
    drop(_now);

    // Chicago springs forward at 02:00 on Sunday 8 March 2026: 02:30 that day does not exist.
    let b = branch("2026-03-09", "12:00");
    let _now = clock::set(at("2026-03-01T12:00:00Z"));
    let s = day_before(&b, "02:30").unwrap().schedule.unwrap();
    assert_eq!(
        s.at, "2026-03-08T08:30:00Z",
        "a time the clocks skip is read as the moment after the gap (03:30 CDT)"
    );
}

#[test]
fn what_cannot_be_scheduled_is_refused_with_the_field_named() {
    let b = branch("2026-12-11", "18:00");
    let _late = clock::set(at("2026-12-10T17:00:00Z"));
    let e = day_before(&b, "10:00").unwrap_err();
    assert_eq!(
        e.fields[0].field, "time",
        "a day-before time that has passed: {e:?}"
    );
    assert!(
        e.message.contains("has passed"),
        "it says so: {}",
        e.message
    );
    drop(_late);

    let _now = clock::set(at("2026-12-01T12:00:00Z"));
    let late = schedule::schedule(
        &b.db,
        &ScheduleRequest {
            announcement_id: b.announcement,
            when: ScheduleWhen::At {
                local: "2026-12-12 09:00".into(),
            },
            again: false,
        },
    )
    .unwrap_err();
    assert_eq!(
        late.fields[0].field, "at",
        "a time after the event starts: {late:?}"
    );
    assert!(
        late.message.contains("not before"),
        "it says so: {}",
        late.message
    );

    let unreadable = schedule::schedule(
        &b.db,
        &ScheduleRequest {
            announcement_id: b.announcement,
            when: ScheduleWhen::At {
                local: "next Thursday".into(),
            },
            again: false,
        },
    )
    .unwrap_err();
    assert_eq!(
        unreadable.fields[0].field, "at",
        "an unreadable date: {unreadable:?}"
    );
    assert!(
        unreadable.message.contains("2026-12-10 10:00"),
        "the refusal gives an example: {}",
        unreadable.message
    );

    let at_ten = schedule::schedule(
        &b.db,
        &ScheduleRequest {
            announcement_id: b.announcement,
            when: ScheduleWhen::At {
                local: "2026-12-10 10:00".into(),
            },
            again: false,
        },
    )
    .unwrap();
    assert_eq!(
        at_ten.schedule.unwrap().at,
        "2026-12-10T16:00:00Z",
        "a date and time is read in the branch's zone"
    );

    events::cancel(&b.db, b.event, "The hall closed.").unwrap();
    schedule::unschedule(&b.db, b.announcement).unwrap();
    let cancelled = day_before(&b, "10:00").unwrap_err();
    assert_eq!(
        cancelled.fields[0].field, "event_id",
        "a cancelled event: {cancelled:?}"
    );
}

#[test]
fn a_scheduled_draft_moved_to_another_event_is_no_longer_scheduled() {
    let b = branch("2026-12-11", "18:00");
    let _now = clock::set(at("2026-12-01T12:00:00Z"));
    day_before(&b, "10:00").unwrap();
    let other = events::create(
        &b.db,
        EventInput {
            title: "Study group".into(),
            kind: EventKind::StudyGroup,
            start_date: "2026-12-20".into(),
            start_time: "18:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let a = store::get(&b.db, b.announcement).unwrap();
    let same_event = store::update(
        &b.db,
        a.id,
        AnnouncementInput {
            subject: "Tomorrow: the rally, at noon".into(),
            event_id: a.event_id,
            tour_id: None,
            template: a.template,
            list_id: a.list_id,
            segment: String::new(),
            body: a.body.clone(),
            attach_flyer: false,
            versions: Vec::new(),
        },
    )
    .unwrap();
    assert!(
        same_event.schedule.is_some(),
        "editing the text keeps the schedule"
    );
    let moved = store::update(
        &b.db,
        a.id,
        AnnouncementInput {
            subject: "Soon: the study group".into(),
            event_id: Some(other.id),
            tour_id: None,
            template: a.template,
            list_id: a.list_id,
            segment: String::new(),
            body: a.body.clone(),
            attach_flyer: false,
            versions: Vec::new(),
        },
    )
    .unwrap();
    assert!(
        moved.schedule.is_none(),
        "a time set against the rally's date does not carry over to another event"
    );
}

#[test]
fn a_due_reminder_reaches_only_those_still_subscribed_when_it_goes() {
    let b = branch("2026-12-11", "18:00");
    let _now = clock::set(at("2026-12-01T12:00:00Z"));
    day_before(&b, "10:00").unwrap();
    // After it was scheduled, someone asks to leave (every list of the branch).
    subscribers::unsubscribe(
        &b.db,
        &subscribers::UnsubscribeRequest {
            text: "person2@example.test".into(),
            list_id: None,
            only_this_list: false,
            source: "A reply asking to leave".into(),
        },
    )
    .unwrap();
    drop(_now);
    let _at = clock::set(at("2026-12-10T16:00:00Z"));
    let DueStart::Queued(p) = schedule::queue_due(&b.db, b.announcement).unwrap() else {
        panic!("the reminder is due and queued");
    };
    assert_eq!(
        p.total, 2,
        "the person who left is not queued: the consent check of a manual send"
    );
    let queued: Vec<String> = store::deliveries(&b.db, b.announcement, None, 10)
        .unwrap()
        .into_iter()
        .map(|d| d.email)
        .collect();
    assert!(
        !queued.contains(&"person2@example.test".to_owned()),
        "nobody who left is mailed: {queued:?}"
    );
}
