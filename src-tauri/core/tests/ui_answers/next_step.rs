//! Issue 23's next steps, as the core answers them for the Vitest tests
//! (`ui/src/NextStep.test.ts`): `orgAsk`, an organization's page asking it to
//! co-sponsor the rally and recording the answer already known (confirmed in
//! one step, with a note); `livePreview`, the composer's preview of text not
//! saved, as filled from the rally and after a line is typed.

use handbill_core::coalition;
use handbill_core::events;
use handbill_core::mail::announcements::{compose, AnnouncementInput};
use serde_json::{json, Map, Value};

use super::{announce_sample, announcement, coalition_sample, from, same_uids, Scene, AT};

/// What the composer sends for `input` as the test to the branch, with the
/// date, message id and unsubscribe token the same on every run.
fn preview_unsaved(s: &mut Scene, input: Value) {
    preview_unsaved_as(s, None, input, None);
}

/// The same for a saved draft (`id`) or as a subscriber.
fn preview_unsaved_as(s: &mut Scene, id: Option<i64>, input: Value, subscriber: Option<i64>) {
    let args = json!({ "id": id, "input": input, "subscriberId": subscriber });
    s.ask("announcement_preview_unsaved", args, |db| {
        let typed: AnnouncementInput = from(&input);
        let preview =
            serde_json::to_value(compose::preview_unsaved(db, id, &typed, subscriber, None)?)
                .unwrap();
        let mut text = preview.to_string();
        for (name, value) in from::<Vec<(String, String)>>(&preview["headers"]) {
            let steady = match name.as_str() {
                "Date" => "Sun, 22 Nov 2026 10:00:00 +0000".to_owned(),
                "Message-ID" => "<message-id@example.org>".to_owned(),
                "List-Unsubscribe" | "X-Handbill-Recipient" => {
                    let token = value.rsplit('-').next().unwrap().split('@').next().unwrap();
                    text = text.replace(token, "token");
                    continue;
                }
                _ => continue,
            };
            text = text.replace(&value, &steady);
        }
        Ok(serde_json::from_str::<Value>(&text).unwrap())
    });
}

pub(super) fn next_step_scenes(scenes: &mut Map<String, Value>) {
    // The page of Justice4Siham Coalition (organization 1): nothing yet, the
    // rally offered, then confirmed in one step with the note typed.
    let mut s = coalition_sample();
    let now: jiff::Timestamp = AT.parse().unwrap();
    s.ask("organization_get", json!({ "id": 1 }), |db| {
        coalition::get_organization(db, 1)
    });
    s.ask("organization_history", json!({ "id": 1 }), |db| {
        coalition::organization_history(db, 1)
    });
    s.ask("events_upcoming", json!({}), |db| events::upcoming(db, now));
    s.page_reads(now);
    let target = json!({ "kind": "event", "id": 1 });
    let step = json!({ "status": "confirmed", "contact_id": null, "note": "Said yes on the phone", "date": "2037-01-10" });
    s.change(
        "cosponsor_set_status",
        json!({ "target": target, "organizationId": 1, "step": step }),
        |db| coalition::set_cosponsor_status(db, from(&target), 1, from(&step)),
    );
    s.ask("organization_history", json!({ "id": 1 }), |db| {
        coalition::organization_history(db, 1)
    });
    let mut recorded = s.done();
    same_uids(&mut recorded);
    scenes.insert("orgAsk".into(), recorded);

    // The composer filled from the rally previews it unsaved, then follows a typed line.
    let mut s = announce_sample();
    s.ask("announcement_list", json!({ "listId": 1 }), |db| {
        handbill_core::mail::announcements::store::for_list(db, 1)
    });
    let (subject, body) = s.draft("new_event");
    preview_unsaved(&mut s, announcement(&subject, &body));
    preview_unsaved(
        &mut s,
        announcement(&subject, &format!("{body}\n\nBring a friend to the rally.")),
    );
    scenes.insert("livePreview".into(), s.done());

    // The live preview of the composer as the other announcement tests drive
    // it (filled from the rally, new or saved as draft 1 or 2, as the branch
    // or as Ana, with the subject cleared): every story's composer replays it.
    let mut s = announce_sample();
    let (subject, body) = handbill_core::mail::announcements::templates::draft(
        &s.db,
        Some(1),
        None,
        from(&json!("new_event")),
    )
    .unwrap();
    for id in [None, Some(1), Some(2)] {
        for subject in [subject.as_str(), ""] {
            for reader in [None, Some(1)] {
                preview_unsaved_as(&mut s, id, announcement(subject, &body), reader);
            }
        }
    }
    scenes.insert("composerLive".into(), s.done());
}
