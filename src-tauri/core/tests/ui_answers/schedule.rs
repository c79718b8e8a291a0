//! Scheduled announcements as the core answers them for the Vitest tests
//! (`ui/src/Schedule.test.ts`), with the clock set to 1 January 2027, ten
//! days before the rally: `schedule`, the composer opened on the rally, the
//! Reminder template filled, the draft saved and scheduled for the day
//! before at 10:00, listed as scheduled, then unscheduled; `scheduleHeld`, a
//! reminder scheduled before the rally moved a week, listed as held with
//! why, and confirmed for the new date.

use handbill_core::clock;
use handbill_core::events;
use handbill_core::mail::announcements::schedule::{self, ScheduleRequest};
use handbill_core::mail::announcements::{store, templates, Template};
use serde_json::{json, Map, Value};

use super::{announce_sample, from};

fn now() -> clock::Set {
    clock::set("2027-01-01T12:00:00Z".parse().unwrap())
}

/// The composer's input for the rally's reminder.
fn reminder(subject: &str, body: &str) -> Value {
    json!({
        "event_id": 1, "tour_id": null, "template": "reminder", "list_id": 1, "segment": "",
        "subject": subject, "body": body, "attach_flyer": false
    })
}

fn day_before(id: i64) -> Value {
    json!({ "announcement_id": id, "when": { "kind": "day_before", "time": "10:00" }, "again": false })
}

pub(super) fn schedule_scenes(scenes: &mut Map<String, Value>) {
    let _now = now();
    let mut s = announce_sample();
    // The composer opened on the rally starts from the New event template.
    s.draft("new_event");
    let t: Template = from(&json!("reminder"));
    s.ask(
        "announcement_draft",
        json!({ "eventId": 1, "tourId": null, "template": "reminder" }),
        |db| templates::draft(db, Some(1), None, t),
    );
    let (subject, body) = templates::draft(&s.db, Some(1), None, t).unwrap();
    let input = reminder(&subject, &body);
    s.change(
        "announcement_save",
        json!({ "id": null, "input": input }),
        |db| store::create(db, from(&input)),
    );
    let request = day_before(1);
    s.change(
        "announcement_schedule",
        json!({ "request": request }),
        |db| schedule::schedule(db, &from::<ScheduleRequest>(&request)),
    );
    s.ask("announcement_list", json!({ "listId": 1 }), |db| {
        store::for_list(db, 1)
    });
    s.change("announcement_unschedule", json!({ "id": 1 }), |db| {
        schedule::unschedule(db, 1)
    });
    s.ask("announcement_list", json!({ "listId": 1 }), |db| {
        store::for_list(db, 1)
    });
    scenes.insert("schedule".into(), s.done());

    let mut s = announce_sample();
    events::announce(&s.db, 1).expect("the rally is announced");
    let (subject, body) = templates::draft(&s.db, Some(1), None, Template::Reminder).unwrap();
    store::create(&s.db, from(&reminder(&subject, &body))).expect("the reminder is drafted");
    schedule::schedule(&s.db, &from::<ScheduleRequest>(&day_before(1))).expect("scheduled");
    let when = json!({ "start_date": "2027-01-18", "start_time": "19:00", "end_date": "", "end_time": "21:00", "all_day": false });
    events::reschedule(&s.db, 1, from(&when), "the storm").expect("the rally moves a week");
    s.ask("announcement_list", json!({ "listId": 1 }), |db| {
        store::for_list(db, 1)
    });
    s.change("announcement_schedule_confirm", json!({ "id": 1 }), |db| {
        schedule::confirm(db, 1)
    });
    s.ask("announcement_list", json!({ "listId": 1 }), |db| {
        store::for_list(db, 1)
    });
    scenes.insert("scheduleHeld".into(), s.done());
}
