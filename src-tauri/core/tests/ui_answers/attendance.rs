//! An event's Sign-in view, as the core answers it for the Vitest tests
//! (`ui/src/screens/events/SignIn.test.ts`), on the sample branch (Deshawn
//! unsubscribed) with two reading-group meetings: Ana and Carmen signed in
//! at the first. At the second (`signIn`), the organizer types “Ana” and
//! takes the person offered, ticks “Email me” and saves; then pastes
//! Deshawn's name and address, ticks the box, and saves: his opt-out stands.

use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::mail::attendance::{self, KnownPerson, SignIn, SignInRow};
use handbill_core::mail::lists;
use handbill_core::{clock, Database};
use serde_json::{json, Map, Value};

use super::{Scene, AT};

fn meeting(db: &Database, title: &str, date: &str) -> i64 {
    let e = events::create(
        db,
        EventInput {
            title: title.into(),
            kind: EventKind::StudyGroup,
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

/// The request the Sign-in view sends for a row.
fn request(event_id: i64, list_id: i64, row: SignInRow) -> SignIn {
    SignIn {
        event_id,
        occurrence: String::new(),
        list_id: Some(list_id),
        row,
    }
}

impl Scene {
    fn known(&mut self, typed: &str) -> Vec<KnownPerson> {
        let found = attendance::known(&self.db, typed).expect("known people are found");
        self.ask("attendance_known", json!({ "typed": typed }), |db| {
            attendance::known(db, typed)
        });
        found
    }

    fn sign_in(&mut self, request: SignIn) {
        let args = json!({ "request": request });
        self.change("attendance_sign_in", args, |db| {
            attendance::sign_in(db, &request)
        });
    }

    fn shown(&mut self, event_id: i64) {
        self.ask(
            "attendance_show",
            json!({ "eventId": event_id, "occurrence": "" }),
            |db| attendance::for_event(db, event_id, ""),
        );
    }
}

pub(super) fn attendance_scenes(scenes: &mut Map<String, Value>) {
    let _at = clock::set(AT.parse().expect("a time"));
    let mut s = Scene::sample();
    let list = lists::find(&s.db, "Announcements").expect("the list").id;
    let first = meeting(&s.db, "Reading group: week 1", "2026-11-12");
    let second = meeting(&s.db, "Reading group: week 2", "2026-11-19");
    for email in ["ana.alvarez@example.org", "carmen.cruz@example.org"] {
        attendance::sign_in(
            &s.db,
            &request(
                first,
                list,
                SignInRow {
                    email: email.into(),
                    ..Default::default()
                },
            ),
        )
        .expect("last week's sheet is typed");
    }
    s.ask("event_get", json!({ "id": second }), |db| {
        events::get(db, second)
    });
    s.ask("lists_all", json!({}), lists::all);
    s.shown(second);
    s.known("An");
    let ana = s.known("Ana").remove(0);
    s.sign_in(request(
        second,
        list,
        SignInRow {
            row: 1,
            name: ana.name,
            email: ana.email,
            phone: ana.phone,
            postal_code: ana.postal_code,
            wants_mail: true,
        },
    ));
    s.shown(second);
    s.known("Deshawn Dubois");
    s.known("deshawn.dubois@example.org");
    s.sign_in(request(
        second,
        list,
        SignInRow {
            row: 2,
            name: "Deshawn Dubois".into(),
            email: "deshawn.dubois@example.org".into(),
            phone: String::new(),
            postal_code: String::new(),
            wants_mail: true,
        },
    ));
    s.shown(second);
    let mut recorded = s.done();
    super::same_uids(&mut recorded);
    scenes.insert("signIn".into(), recorded);
}
