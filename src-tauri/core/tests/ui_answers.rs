//! Records the core's real answers that the UI's Vitest tests replay
//! (`ui/src/fixtures/answers.json`, through `ui/src/lib/replay.ts`), and proves the committed copy is what the
//! core answers today, so the screens are tested against the core's rules
//! rather than a copy of them in TypeScript. Regenerate with `make bindings`
//! (UPDATE_BINDINGS=1).
//!
//! Each Mail scene starts from the same small branch (one list, four people,
//! one of whom left); `empty` and `branch` from a branch with no list. A scene
//! is a story of exchanges: a command as the window sends it
//! (its name and its arguments keyed as Tauri reads them), and the core's
//! answer or error. An exchange marked `changes` changed the branch; the UI's
//! replay answers a question with the latest answer recorded before the next
//! change it has not made yet. The commands' own steps (the source written in
//! the ledger, the evidence of a return) are the window's, as in
//! `src-tauri/src/commands.rs`.

use handbill_core::events::rows::EventScope;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use handbill_core::branch::{self, BranchInput};
use handbill_core::coalition;
use handbill_core::db::keys;
use handbill_core::events;
use handbill_core::mail::announcements::{
    account, compose, send, store, templates, AnnouncementInput, DeliveryStatus, Password,
    SendOptions, SendProgress, SmtpAccount, Template, UncertainDecision,
};
use handbill_core::mail::export::{self, ExportOptions};
use handbill_core::mail::import::{self, ImportFinished, ImportOptions};
use handbill_core::mail::lists::{self, SegmentFilter};
use handbill_core::mail::subscribers::{self, ConsentStatus, OptOutScope, StandingChange};
use handbill_core::mail::subscribers::{SubscriberInput, SubscriberQuery};
use handbill_core::{Database, Error};
use serde::Serialize;
use serde_json::{json, Value};

/// An event's Sign-in view: the sheet typed in, a known person completed, an opt-out standing.
#[path = "ui_answers/attendance.rs"]
mod attendance_scenes;
/// The Flyers screen's scenes, kept apart.
#[path = "ui_answers/flyers.rs"]
mod flyer_scenes;
/// Mail → Mailbox: the empty tab, messages read and decided, a check against a real Dovecot.
#[path = "ui_answers/mailbox.rs"]
mod mailbox_scenes;
/// Issue 23's next steps (the organization's ask, the composer's live preview), kept apart.
#[path = "ui_answers/next_step.rs"]
mod next_step;
/// Mail → Announcements: an announcement scheduled, unscheduled, held after its event moved and confirmed.
#[path = "ui_answers/schedule.rs"]
mod schedule_scenes;
/// Settings → Sharing: a branch shared, an officer invited, a field changed on two laptops settled.
#[path = "ui_answers/share.rs"]
mod share_scenes;

/// Every time the core writes is shown as this one, so the recording is the same on every run.
const AT: &str = "2026-11-22T10:00:00Z";
/// Where the save dialog put a file: the replay answers the path the test's dialog chose.
const DIALOG: &str = "<dialog>";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Scene {
    db: Database,
    exchanges: Vec<Value>,
}

impl Scene {
    fn empty() -> Scene {
        Scene {
            db: Database::open_in_memory().expect("an in-memory database opens"),
            exchanges: Vec::new(),
        }
    }

    /// The branch every scene but `empty` starts from.
    fn sample() -> Scene {
        Scene::sample_in(Scene::empty())
    }

    /// The sample branch written into this scene's database.
    fn sample_in(scene: Scene) -> Scene {
        let db = &scene.db;
        let list = lists::create(db, "Announcements").expect("the list is made");
        let people = [
            (
                "ana.alvarez@example.org",
                "Ana Alvarez",
                "Boston",
                "02115",
                "en",
                &["volunteer"][..],
            ),
            (
                "ben.brooks@example.org",
                "Ben Brooks",
                "Cambridge",
                "02139",
                "es",
                &["student"][..],
            ),
            (
                "carmen.cruz@example.org",
                "Carmen Cruz",
                "Somerville",
                "02143",
                "es",
                &["volunteer", "student"][..],
            ),
            (
                "deshawn.dubois@example.org",
                "Deshawn Dubois",
                "Boston",
                "02130",
                "en",
                &[][..],
            ),
        ];
        for (email, name, city, zip, language, tags) in people {
            let input = SubscriberInput {
                email: email.into(),
                name: name.into(),
                first_name: name.split(' ').next().unwrap().into(),
                language: language.into(),
                city: city.into(),
                postal_code: zip.into(),
                phone: String::new(),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                notes: String::new(),
            };
            subscribers::add(db, input, Some(list.id), "Sample sign-up sheet")
                .expect("a sample person is added");
        }
        let deshawn = subscribers::search(db, &query(list.id, "deshawn"))
            .unwrap()
            .rows[0]
            .id;
        let leaving = StandingChange {
            subscriber_id: deshawn,
            list_id: list.id,
            status: ConsentStatus::Unsubscribed,
            scope: OptOutScope::Branch,
            evidence: String::new(),
        };
        subscribers::change(db, &leaving, "Sample: replied asking to leave")
            .expect("Deshawn leaves");
        scene
    }

    fn record<T: Serialize>(
        &mut self,
        command: &str,
        args: Value,
        changes: bool,
        answer: Result<T, Error>,
    ) {
        let mut exchange = json!({ "command": command, "args": args });
        match answer {
            Ok(answer) => exchange["answer"] = serde_json::to_value(answer).unwrap(),
            Err(e) => exchange["error"] = serde_json::to_value(e).unwrap(),
        }
        if changes {
            exchange["changes"] = json!(true);
        }
        self.exchanges.push(exchange);
    }

    /// A question: it changes nothing.
    fn ask<T: Serialize>(
        &mut self,
        command: &str,
        args: Value,
        f: impl FnOnce(&Database) -> Result<T, Error>,
    ) {
        let answer = f(&self.db);
        self.record(command, args, false, answer);
    }

    /// A change to the branch.
    fn change<T: Serialize>(
        &mut self,
        command: &str,
        args: Value,
        f: impl FnOnce(&Database) -> Result<T, Error>,
    ) {
        let answer = f(&self.db);
        assert!(
            answer.is_ok(),
            "{command} {args} changes the branch: {:?}",
            answer.as_ref().err()
        );
        self.record(command, args, true, answer);
    }

    /// What the Mail section asks when it opens a list, and as it is searched.
    fn reads(&mut self, list_id: i64, searches: &[&str]) {
        self.ask("lists_all", json!({}), lists::all);
        for text in searches {
            let q = query(list_id, text);
            self.ask("subscribers_search", json!({ "query": q }), |db| {
                subscribers::search(db, &q)
            });
        }
    }

    fn set_status(
        &mut self,
        id: i64,
        list_id: i64,
        status: ConsentStatus,
        source: &str,
        only: bool,
    ) {
        let args = json!({ "id": id, "listId": list_id, "status": status, "source": source, "onlyThisList": only });
        // As the window's subscriber_set_status builds its request.
        let request = StandingChange {
            subscriber_id: id,
            list_id,
            status,
            scope: if only {
                OptOutScope::OnlyThisList
            } else {
                OptOutScope::Branch
            },
            evidence: if status == ConsentStatus::Subscribed {
                source.to_owned()
            } else {
                String::new()
            },
        };
        let answer = subscribers::change(&self.db, &request, source);
        let changes = answer.is_ok();
        self.record("subscriber_set_status", args, changes, answer);
    }

    /// `import_preview` then `import_start` as the window runs them: the
    /// progress and the end arrive as events, recorded on the start.
    fn import(&mut self, list_id: i64, name: &str, bytes: &[u8], mapping: Value, cancel: bool) {
        let preview_args = raw(name, bytes);
        self.ask("import_preview", preview_args, |_| {
            import::preview(name, bytes)
        });
        let options: ImportOptions = serde_json::from_value(
            json!({ "list_id": list_id, "mapping": mapping, "dry_run": false }),
        )
        .unwrap();
        let mut events = Vec::new();
        let stop = AtomicBool::new(false);
        let result = import::run(
            &self.db,
            name,
            bytes,
            &options,
            &mut |p| {
                events.push(json!({ "event": "import-progress", "payload": p }));
                if cancel {
                    stop.store(true, Ordering::Relaxed);
                }
            },
            &stop,
        );
        let finished = match result {
            Ok(report) => ImportFinished {
                report: Some(report.for_window(500)),
                error: None,
            },
            Err(e) => ImportFinished {
                report: None,
                error: Some(e),
            },
        };
        events.push(json!({ "event": "import-finished", "payload": finished }));
        self.record(
            "import_start",
            json!({ "options": options }),
            true,
            Ok::<_, Error>(()),
        );
        self.exchanges.last_mut().unwrap()["events"] = Value::Array(events);
    }

    fn done(self) -> Value {
        let mut value = Value::Array(self.exchanges);
        same_times(&mut value);
        value
    }
}

/// A request as the window's command deserializes it from its arguments.
fn from<T: serde::de::DeserializeOwned>(v: &Value) -> T {
    serde_json::from_value(v.clone()).expect("the arguments are what the command takes")
}

fn query(list_id: i64, text: &str) -> SubscriberQuery {
    SubscriberQuery {
        list_id: Some(list_id),
        text: text.into(),
        offset: 0,
        limit: 100,
    }
}

/// A raw-body command's arguments: the file as text and its headers, decoded.
/// A sign-up sheet small enough to go in one piece starts at offset 0.
fn raw(name: &str, bytes: &[u8]) -> Value {
    json!({ "body": String::from_utf8_lossy(bytes), "headers": { "x-file-name": name, "x-offset": "0" } })
}

fn no_filter() -> SegmentFilter {
    serde_json::from_value(json!({ "tags": [], "city": "", "zip_prefix": "", "language": "", "attended": "", "missed": "", "min_attended": 0, "of_last": 0, "never_attended": false, "new_since": "" }))
        .unwrap()
}

/// Replaces every RFC 3339 time the core wrote with `AT`, and today's date
/// in its messages ("Stays unsubscribed (since …)") with `AT`'s.
fn same_times(value: &mut Value) {
    match value {
        Value::String(s) => {
            let b = s.as_bytes();
            if b.len() >= 20
                && b[4] == b'-'
                && b[7] == b'-'
                && b[10] == b'T'
                && b[13] == b':'
                && s.ends_with('Z')
            {
                *s = AT.to_owned();
            }
            for today in [
                jiff::Timestamp::now()
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .date(),
                jiff::Zoned::now().date(),
            ] {
                *s = s.replace(&today.to_string(), &AT[..10]);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(same_times),
        Value::Object(map) => map.values_mut().for_each(same_times),
        _ => {}
    }
}

fn all_scenes() -> Value {
    let list = |s: &Scene| lists::all(&s.db).unwrap()[0].id;
    let person = |s: &Scene, text: &str| {
        subscribers::search(&s.db, &query(lists::all(&s.db).unwrap()[0].id, text))
            .unwrap()
            .rows[0]
            .id
    };
    let mut scenes = serde_json::Map::new();

    // What the screens ask of the sample branch before anything changes.
    let mut s = Scene::sample();
    let l = list(&s);
    let ben = person(&s, "ben.brooks");
    s.reads(l, &["", "c", "cr", "cru", "cruz", "z", "zz", "zzz"]);
    s.ask("subscriber_detail", json!({ "id": ben }), |db| {
        subscribers::detail(db, ben)
    });
    // The composer's choice of whose message to preview.
    let readers = SubscriberQuery {
        limit: 25,
        ..query(l, "")
    };
    s.ask("subscribers_search", json!({ "query": readers }), |db| {
        subscribers::search(db, &readers)
    });
    s.ask("list_facets", json!({ "listId": l }), |db| {
        lists::facets(db, l)
    });
    s.ask("segments", json!({ "listId": l }), |db| {
        lists::segments(db, l)
    });
    s.ask("import_jobs", json!({}), |db| import::jobs(db, 5));
    s.ask("announcement_list", json!({ "listId": l }), |db| {
        store::for_list(db, l)
    });
    for filter in [
        json!({ "tags": [], "city": "", "zip_prefix": "", "language": "", "attended": "", "missed": "", "min_attended": 0, "of_last": 0, "never_attended": false, "new_since": "" }),
        json!({ "tags": ["volunteer"], "city": "", "zip_prefix": "", "language": "", "attended": "", "missed": "", "min_attended": 0, "of_last": 0, "never_attended": false, "new_since": "" }),
        json!({ "tags": ["volunteer"], "city": "", "zip_prefix": "0214", "language": "", "attended": "", "missed": "", "min_attended": 0, "of_last": 0, "never_attended": false, "new_since": "" }),
    ] {
        let f: SegmentFilter = serde_json::from_value(filter.clone()).unwrap();
        s.ask(
            "segment_count",
            json!({ "listId": l, "filter": filter }),
            |db| lists::reach(db, l, &f),
        );
    }
    scenes.insert("sample".into(), s.done());

    // A branch with no list yet: a list needs a name.
    let mut s = Scene::empty();
    s.ask("lists_all", json!({}), lists::all);
    s.ask("list_create", json!({ "name": "" }), |db| {
        lists::create(db, "")
    });
    s.change("list_create", json!({ "name": "Volunteers" }), |db| {
        lists::create(db, "Volunteers")
    });
    let l = list(&s);
    s.reads(l, &[""]);
    scenes.insert("empty".into(), s.done());

    // Ben leaves every list, or this list only.
    for (name, only) in [("unsubscribe", false), ("unsubscribeOnly", true)] {
        let mut s = Scene::sample();
        let (l, ben) = (list(&s), person(&s, "ben.brooks"));
        s.set_status(
            ben,
            l,
            ConsentStatus::Unsubscribed,
            "Unsubscribed in the window",
            only,
        );
        s.reads(l, &[""]);
        s.ask("subscriber_detail", json!({ "id": ben }), |db| {
            subscribers::detail(db, ben)
        });
        scenes.insert(name.into(), s.done());
    }

    // Ben leaves, is refused a return without evidence, and comes back with it.
    let mut s = Scene::sample();
    let (l, ben) = (list(&s), person(&s, "ben.brooks"));
    s.set_status(
        ben,
        l,
        ConsentStatus::Unsubscribed,
        "Unsubscribed in the window",
        false,
    );
    s.set_status(ben, l, ConsentStatus::Subscribed, "", false);
    s.set_status(
        ben,
        l,
        ConsentStatus::Subscribed,
        "Signed the sheet at the May Day rally",
        false,
    );
    s.reads(l, &[""]);
    scenes.insert("comeBack".into(), s.done());

    // Replies pasted to unsubscribe their senders.
    let mut s = Scene::sample();
    let l = list(&s);
    let text = "Please remove me — Ana <ana.alvarez@example.org>, carmen.cruz@example.org, stranger@example.org";
    s.change(
        "subscribers_unsubscribe",
        json!({ "text": text, "listId": l }),
        |db| {
            subscribers::unsubscribe_addresses(
                db,
                text,
                Some(l),
                "Pasted in the window (asked to leave)",
            )
        },
    );
    s.reads(l, &[""]);
    scenes.insert("paste".into(), s.done());

    // Adding someone: an address already known (in other capitals) is refused.
    let mut s = Scene::sample();
    let l = list(&s);
    let input = |email: &str, name: &str| json!({ "email": email, "name": name, "first_name": "", "language": "", "city": "", "postal_code": "", "phone": "", "tags": [], "notes": "" });
    for (email, name, changes) in [
        ("ANA.ALVAREZ@example.org", "", false),
        ("zoe.nguyen@example.org", "Zoe Nguyen", true),
    ] {
        let args = json!({ "input": input(email, name), "listId": l });
        let parsed: SubscriberInput = serde_json::from_value(input(email, name)).unwrap();
        let answer = subscribers::add(&s.db, parsed, Some(l), "Added in the window");
        s.record("subscriber_add", args, changes, answer);
    }
    s.reads(l, &[""]);
    scenes.insert("add".into(), s.done());

    // A segment saved with its count.
    let mut s = Scene::sample();
    let l = list(&s);
    let filter = json!({ "tags": ["volunteer"], "city": "", "zip_prefix": "0214", "language": "", "attended": "", "missed": "", "min_attended": 0, "of_last": 0, "never_attended": false, "new_since": "" });
    let f: SegmentFilter = serde_json::from_value(filter.clone()).unwrap();
    s.change(
        "segment_save",
        json!({ "listId": l, "name": "Somerville volunteers", "filter": filter }),
        |db| lists::save_segment(db, l, "Somerville volunteers", f),
    );
    s.ask("segments", json!({ "listId": l }), |db| {
        lists::segments(db, l)
    });
    scenes.insert("segment".into(), s.done());

    // A sheet with a new person, a bad address and someone who left.
    let mut s = Scene::sample();
    let l = list(&s);
    let csv = "Email,First name,City\nnew.person@example.org,Nia,Boston\nbad-address,Bo,Boston\ndeshawn.dubois@example.org,Deshawn,Boston\n";
    s.import(
        l,
        "signups.csv",
        csv.as_bytes(),
        json!(["email", "first_name", "city"]),
        false,
    );
    s.ask(
        "import_report_save",
        json!({ "suggested": "signups-report.csv" }),
        |_| Ok(DIALOG),
    );
    s.reads(l, &[""]);
    s.ask("import_jobs", json!({}), |db| import::jobs(db, 5));
    scenes.insert("import".into(), s.done());

    // The same import, cancelled once it started.
    let mut s = Scene::sample();
    let l = list(&s);
    s.import(
        l,
        "x.csv",
        b"email\nx@example.org\n",
        json!(["email"]),
        true,
    );
    s.ask("import_cancel", json!({}), |_| Ok(true));
    s.reads(l, &[""]);
    s.ask("import_jobs", json!({}), |db| import::jobs(db, 5));
    scenes.insert("importCancelled".into(), s.done());

    // Files the importer refuses or reads with care.
    let mut s = Scene::sample();
    s.ask("import_preview", raw("empty.csv", b""), |_| {
        import::preview("empty.csv", b"")
    });
    let form = std::fs::read(root().join("tests/fixtures/consent/google-form-signup.csv"))
        .expect("the Google Forms export is in tests/fixtures/consent/");
    s.ask(
        "import_preview",
        raw("google-form-signup.csv", &form),
        |_| import::preview("google-form-signup.csv", &form),
    );
    scenes.insert("previews".into(), s.done());

    // The list exported where the save dialog answers.
    let mut s = Scene::sample();
    let l = list(&s);
    let options: ExportOptions = serde_json::from_value(
        json!({ "list_id": l, "filter": no_filter(), "include_all": false }),
    )
    .unwrap();
    // A folder of its own: the recording runs twice at once in these tests.
    let folder = scratch();
    let path = folder.join("announcements.csv");
    let mut report = export::to_file(&s.db, &options, &path).expect("the list exports");
    let _ = std::fs::remove_dir_all(&folder);
    report.path = DIALOG.into();
    s.change(
        "export_csv",
        json!({ "options": options, "suggested": "announcements.csv" }),
        |_| Ok(report),
    );
    scenes.insert("export".into(), s.done());

    // The branch profile form: a bad address is refused by its field, a new city is saved.
    let mut s = Scene::empty();
    let profile = |email: &str, city: &str| {
        json!({
            "name": "Sample Branch", "short_name": "Sample", "city": city, "contact_email": email,
            "website": "https://example.org", "time_zone": "America/New_York", "languages": ["en", "es"]
        })
    };
    let input = |v: Value| serde_json::from_value::<BranchInput>(v).unwrap();
    branch::save(&s.db, input(profile("branch@example.org", "Boston, MA")))
        .expect("the sample profile is saved");
    // Settings → Privacy of a plain branch, on a computer with no keychain:
    // the test keychain, switched off for this thread (the same answer
    // whichever scene installed it first).
    keychain::fresh(false);
    s.ask("privacy_status", json!({}), |db| keys::privacy(db.path()));
    // A logo that is neither PNG nor JPEG (a text file), as the form sends its bytes.
    let text = b"hello";
    s.ask("branch_set_logo", json!({ "bytes": text }), |db| {
        branch::set_logo(db, text)
    });
    for (email, city) in [
        ("not-an-address", "Boston, MA"),
        ("branch@example.org", "Cambridge, MA"),
    ] {
        let args = json!({ "input": profile(email, city) });
        let answer = branch::save(&s.db, input(profile(email, city)));
        let changes = answer.is_ok();
        s.record("branch_save", args, changes, answer);
    }
    scenes.insert("branch".into(), s.done());

    coalition_scenes(&mut scenes);
    announce_scenes(&mut scenes);
    events_scenes(&mut scenes);
    announce_event_scene(&mut scenes);
    tell_people_scene(&mut scenes);
    typed_when_scene(&mut scenes);
    series_scene(&mut scenes);
    sending_scenes(&mut scenes);
    mail_account_scenes(&mut scenes);
    autosave_scenes(&mut scenes);
    rally_events_scene(&mut scenes);
    no_events_scene(&mut scenes);
    ics_export_scene(&mut scenes);
    publish_scene(&mut scenes);
    backups_scene(&mut scenes);
    flyer_scenes::flyers_scenes(&mut scenes);
    next_step::next_step_scenes(&mut scenes);
    mailbox_scenes::mailbox_scenes(&mut scenes);
    share_scenes::share_scenes(&mut scenes);
    attendance_scenes::attendance_scenes(&mut scenes);
    schedule_scenes::schedule_scenes(&mut scenes);
    Value::Object(scenes)
}

/// An organization as the add form sends it.
fn organization(name: &str, kind: &str, website: &str, email: &str, tags: &[&str]) -> Value {
    json!({
        "name": name, "short_name": "", "kind": kind, "website": website, "email": email,
        "phone": "", "notes": "", "tags": tags, "contacts": []
    })
}

/// Three partner organizations (ids 1 to 3) and the rally (event 1) they may co-sponsor.
fn coalition_sample() -> Scene {
    let s = Scene::empty();
    let mut j4s = organization(
        "Justice4Siham Coalition",
        "community_organization",
        "https://justice4siham.example.org",
        "",
        &["immigration"],
    );
    j4s["short_name"] = json!("J4S");
    for org in [
        j4s,
        organization(
            "Students for Sanctuary",
            "student_group",
            "",
            "",
            &["campus"],
        ),
        organization(
            "Boston Teachers Local 66",
            "union",
            "https://local66.example.org",
            "",
            &["labor"],
        ),
    ] {
        coalition::create_organization(&s.db, from(&org)).expect("a sample organization is made");
    }
    let rally = json!({ "title": "Rally for Siham", "start_date": "2037-01-20", "start_time": "18:00", "time_zone": "America/New_York" });
    events::create(&s.db, from(&rally)).expect("the rally is made");
    s
}

fn coalition_scenes(scenes: &mut serde_json::Map<String, Value>) {
    let rally = json!({ "kind": "event", "id": 1 });
    let step = |status: &str, date: &str| json!({ "status": status, "contact_id": null, "note": "", "date": date });

    // The organizations as the Coalition section first lists them.
    let mut s = coalition_sample();
    s.ask(
        "organizations_all",
        json!({}),
        coalition::list_organizations,
    );
    s.ask("demand_lists_all", json!({}), coalition::list_demand_lists);
    scenes.insert("coalition".into(), s.done());

    // An address that is not one is refused by its field; nothing is made.
    let mut s = coalition_sample();
    let org = organization(
        "Dorchester Tenants Union",
        "community_organization",
        "",
        "tenants-at-example.org",
        &[],
    );
    s.ask(
        "organization_duplicates",
        json!({ "input": org, "except": null }),
        |db| coalition::likely_duplicates(db, &from(&org), None),
    );
    s.ask("organization_create", json!({ "input": org }), |db| {
        coalition::create_organization(db, from(&org))
    });
    scenes.insert("orgRefused".into(), s.done());

    // A likely duplicate is named before saving; saved anyway, it opens.
    let mut s = coalition_sample();
    let org = organization(
        "Justice 4 Siham coalition",
        "community_organization",
        "",
        "",
        &[],
    );
    s.ask(
        "organization_duplicates",
        json!({ "input": org, "except": null }),
        |db| coalition::likely_duplicates(db, &from(&org), None),
    );
    s.change("organization_create", json!({ "input": org }), |db| {
        coalition::create_organization(db, from(&org))
    });
    s.ask(
        "organizations_all",
        json!({}),
        coalition::list_organizations,
    );
    s.ask("organization_get", json!({ "id": 4 }), |db| {
        coalition::get_organization(db, 4)
    });
    s.ask("organization_history", json!({ "id": 4 }), |db| {
        coalition::organization_history(db, 4)
    });
    scenes.insert("orgDuplicate".into(), s.done());

    // Three co-sponsorships of the rally, and the board filtered by status.
    let mut s = coalition_sample();
    for (org, status) in [(1, "confirmed"), (2, "asked"), (3, "declined")] {
        let st = step(status, "2037-01-10");
        coalition::set_cosponsor_status(&s.db, from(&rally), org, from(&st))
            .expect("a step is recorded");
    }
    for status in [Value::Null, json!("confirmed"), json!("withdrawn")] {
        let filter =
            json!({ "status": status, "event_id": null, "tour_id": null, "organization_id": null });
        s.ask("coalition_board", json!({ "filter": filter }), |db| {
            coalition::coalition_board(db, &from(&filter))
        });
    }
    scenes.insert("board".into(), s.done());

    // A demand list whose first demand the editor moves to the end.
    let mut s = coalition_sample();
    let texts = [
        "Let Siham talk with Naseem.",
        "No adoption against her wishes.",
        "Bring Siham home.",
    ];
    let input = json!({
        "title": "Rally demands", "intro": "In solidarity with Siham, we demand that:",
        "demands": texts.iter().map(|t| json!({ "key": null, "text": t })).collect::<Vec<_>>()
    });
    let list = coalition::create_demand_list(&s.db, from(&input)).expect("the list is made");
    let version = list.latest.id;
    let demand_reads = |s: &mut Scene, version: i64| {
        s.ask(
            "demand_endorsements",
            json!({ "versionId": version }),
            |db| coalition::endorsements(db, version),
        );
        s.ask(
            "demand_version",
            json!({ "versionId": version, "language": null }),
            |db| coalition::get_version(db, version),
        );
        s.ask(
            "demand_version",
            json!({ "versionId": version, "language": "es" }),
            |db| coalition::version_in_language(db, version, "es"),
        );
    };
    s.ask(
        "organizations_all",
        json!({}),
        coalition::list_organizations,
    );
    s.ask("demand_lists_all", json!({}), coalition::list_demand_lists);
    s.ask("demand_list_get", json!({ "id": list.id }), |db| {
        coalition::get_demand_list(db, list.id)
    });
    demand_reads(&mut s, version);
    let keys: Vec<i64> = list.latest.demands.iter().map(|d| d.key).collect();
    let moved = json!({
        "title": "Rally demands", "intro": "In solidarity with Siham, we demand that:",
        "demands": [
            { "key": keys[1], "text": texts[1] }, { "key": keys[2], "text": texts[2] }, { "key": keys[0], "text": texts[0] }
        ]
    });
    s.change(
        "demand_list_update",
        json!({ "id": list.id, "input": moved }),
        |db| coalition::update_demand_list(db, list.id, from(&moved)),
    );
    let version = coalition::get_demand_list(&s.db, list.id)
        .unwrap()
        .latest
        .id;
    demand_reads(&mut s, version);
    scenes.insert("demands".into(), s.done());

    // A prospect asked on a day typed: a date that is not one is refused by its field.
    let mut s = coalition_sample();
    coalition::set_cosponsor_status(
        &s.db,
        from(&rally),
        1,
        from(&step("prospect", "2037-01-02")),
    )
    .expect("a prospect");
    s.ask("cosponsorships_for", json!({ "target": rally }), |db| {
        coalition::cosponsorships_for(db, from(&rally))
    });
    s.ask(
        "organizations_all",
        json!({}),
        coalition::list_organizations,
    );
    s.ask("event_demand_list", json!({ "eventId": 1 }), |db| {
        coalition::demand_list_for_event(db, 1)
    });
    s.ask("demand_lists_all", json!({}), coalition::list_demand_lists);
    for (date, changes) in [("January 15", false), ("2037-01-15", true)] {
        let st = step("asked", date);
        let args = json!({ "target": rally, "organizationId": 1, "step": st });
        let answer = coalition::set_cosponsor_status(&s.db, from(&rally), 1, from(&st));
        s.record("cosponsor_set_status", args, changes, answer);
    }
    s.ask("cosponsorships_for", json!({ "target": rally }), |db| {
        coalition::cosponsorships_for(db, from(&rally))
    });
    scenes.insert("cosponsorStep".into(), s.done());

    // The invitation to co-sponsor the rally, drafted for a contact and saved as .eml twice.
    let mut s = Scene::empty();
    let mut org = organization(
        "Justice4Siham Coalition",
        "community_organization",
        "",
        "",
        &[],
    );
    org["contacts"] = json!([{ "id": null, "name": "Rosa Diaz", "role": "Organizer", "email": "rosa@j4s.example.org", "phone": "" }]);
    let branch = json!({
        "name": "Sample Branch", "short_name": "Sample", "city": "Boston, MA", "contact_email": "branch@example.org",
        "website": "https://example.org", "time_zone": "America/New_York", "languages": ["en", "es"]
    });
    branch::save(&s.db, from(&branch)).expect("the sample profile is saved");
    coalition::create_organization(&s.db, from(&org)).expect("the organization is made");
    let rally = json!({ "title": "Rally for Siham", "start_date": "2037-01-20", "start_time": "18:00", "time_zone": "America/New_York" });
    events::create(&s.db, from(&rally)).expect("the rally is made");
    let target = json!({ "kind": "event", "id": 1 });
    s.ask("cosponsorships_for", json!({ "target": target }), |db| {
        coalition::cosponsorships_for(db, from(&target))
    });
    s.ask(
        "organizations_all",
        json!({}),
        coalition::list_organizations,
    );
    s.ask("event_demand_list", json!({ "eventId": 1 }), |db| {
        coalition::demand_list_for_event(db, 1)
    });
    s.ask("demand_lists_all", json!({}), coalition::list_demand_lists);
    for _ in 0..2 {
        let args = json!({ "eventId": 1, "contactId": 1, "suggested": "invitation-justice4siham-coalition.eml" });
        s.change("invitation_draft", args, |db| {
            let draft = coalition::draft_invitation(db, 1, 1)?;
            coalition::render_eml(&draft)?;
            Ok((draft, DIALOG))
        });
    }
    scenes.insert("invitation".into(), s.done());
}

#[test]
fn committed_ui_answers_are_what_the_core_answers() {
    let path = root().join("ui/src/fixtures/answers.json");
    let recorded = serde_json::to_string_pretty(&all_scenes()).unwrap() + "\n";
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &recorded).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == recorded,
        "ui/src/fixtures/answers.json is not what the core answers today: the UI tests would replay answers it no longer gives. \
         Run `make bindings`, check the Vitest tests still hold, and commit the result."
    );
}

#[test]
fn a_recording_is_the_same_on_every_run() {
    assert_eq!(
        all_scenes(),
        all_scenes(),
        "no time, id or token differs between two recordings"
    );
}

#[test]
fn every_recorded_command_is_one_the_window_serves() {
    let wrappers = std::fs::read_to_string(root().join("ui/src/lib/commands.ts"))
        .expect("the generated command wrappers");
    let Value::Object(scenes) = all_scenes() else {
        unreachable!()
    };
    for (scene, exchanges) in scenes {
        for exchange in exchanges.as_array().unwrap() {
            let command = exchange["command"].as_str().unwrap();
            assert!(
                wrappers.contains(&format!("export function {command}(")),
                "scene {scene} records `{command}`, which ui/src/lib/commands.ts does not name: a renamed command?"
            );
        }
    }
}

/// The sample branch with its profile and one event, "Rally for Siham" (event 1),
/// as the announcements tests' fake events hold it.
fn announce_sample() -> Scene {
    announce_sample_in(Scene::empty())
}

fn announce_sample_in(s: Scene) -> Scene {
    let s = Scene::sample_in(s);
    let profile = json!({
        "name": "Sample Branch", "short_name": "Sample", "city": "Boston, MA", "contact_email": "branch@example.org",
        "website": "https://example.org", "time_zone": "America/New_York", "languages": ["en", "es"]
    });
    branch::save(&s.db, from(&profile)).expect("the sample profile is saved");
    let rally = json!({ "title": "Rally for Siham", "start_date": "2027-01-11", "start_time": "19:00", "end_time": "21:00", "time_zone": "America/New_York" });
    let event = events::create(&s.db, from(&rally)).expect("the rally is made");
    assert_eq!(event.id, 1, "the rally is the tests' event 1");
    s
}

impl Scene {
    /// The composer's draft from event 1's template, as `announcement_draft` answers it.
    fn draft(&mut self, template: &str) -> (String, String) {
        let t: Template = from(&json!(template));
        let args = json!({ "eventId": 1, "tourId": null, "template": template });
        // The composer opened on an event asks the core which template to start from.
        self.ask("event_told", json!({ "id": 1 }), |db| {
            handbill_core::mail::announcements::told(db, 1)
        });
        self.ask("announcement_draft", args, |db| {
            templates::draft(db, Some(1), None, t)
        });
        templates::draft(&self.db, Some(1), None, t).unwrap()
    }

    /// `announcement_save` as the composer sends it (a new draft when `id` is null).
    fn save(&mut self, id: Option<i64>, input: Value) {
        let args = json!({ "id": id, "input": input });
        let input: AnnouncementInput = from(&input);
        let answer = match id {
            None => store::create(&self.db, input),
            Some(id) => store::update(&self.db, id, input),
        };
        let changes = answer.is_ok();
        self.record("announcement_save", args, changes, answer);
    }

    /// `announcement_preview` as the window builds it, with its date, message id and
    /// unsubscribe token (the branch's secret) the same on every run.
    fn preview(&mut self, id: i64, subscriber_id: Option<i64>) {
        self.preview_in(id, subscriber_id, None);
    }

    /// The same, read in `language` when one is chosen (the argument is left
    /// out when none is, as the window reads null and absent alike).
    fn preview_in(&mut self, id: i64, subscriber_id: Option<i64>, language: Option<&str>) {
        let mut args = json!({ "id": id, "subscriberId": subscriber_id });
        if let Some(l) = language {
            args["language"] = json!(l);
        }
        self.ask("announcement_preview", args, |db| {
            let preview = serde_json::to_value(compose::preview_announcement(
                db,
                id,
                subscriber_id,
                language,
            )?)
            .unwrap();
            let mut text = preview.to_string();
            for (name, value) in from::<Vec<(String, String)>>(&preview["headers"]) {
                let steady = match name.as_str() {
                    "Date" => "Sun, 22 Nov 2026 10:00:00 +0000".to_owned(),
                    "Message-ID" => "<message-id@example.org>".to_owned(),
                    "List-Unsubscribe" | "X-Handbill-Recipient" => {
                        // The token is the last part: mailto:…-<token>@…, or bounce-l1-s2-<token>
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
}

fn announcement(subject: &str, body: &str) -> Value {
    json!({
        "event_id": 1, "tour_id": null, "template": "new_event", "list_id": 1, "segment": "",
        "subject": subject, "body": body, "attach_flyer": false
    })
}

fn announce_scenes(scenes: &mut serde_json::Map<String, Value>) {
    // The composer filled from the rally: an empty subject is refused by its
    // field; the draft is saved, listed, and previewed as the branch and as Ana.
    let mut s = announce_sample();
    s.ask("announcement_list", json!({ "listId": 1 }), |db| {
        store::for_list(db, 1)
    });
    let (subject, body) = s.draft("new_event");
    s.save(None, announcement("", &body));
    s.save(None, announcement(&subject, &body));
    // The composer saves again before previewing as a reader: the same text, so
    // a question like the others (it changes nothing the screens see).
    let same = announcement(&subject, &body);
    s.ask(
        "announcement_save",
        json!({ "id": 1, "input": same }),
        |db| store::update(db, 1, from(&same)),
    );
    s.ask("announcement_list", json!({ "listId": 1 }), |db| {
        store::for_list(db, 1)
    });
    s.ask("announcement_get", json!({ "id": 1 }), |db| {
        store::get(db, 1)
    });
    s.ask("announcement_reach", json!({ "id": 1 }), |db| {
        store::reach(db, 1)
    });
    for reader in [None, Some(1)] {
        s.preview(1, reader);
    }
    scenes.insert("composer".into(), s.done());
    reannounce_scene(scenes);
    spanish_scene(scenes);
}

/// `composerSpanish`: the composer on the rally of a branch that also writes
/// in Spanish. *Add Spanish version* fills it from the rally in Spanish; the
/// draft is saved with it and previewed as the branch in Spanish and in the
/// reader's own language; an empty Spanish subject is refused by its field.
fn spanish_scene(scenes: &mut serde_json::Map<String, Value>) {
    let mut s = announce_sample();
    s.ask("announcement_list", json!({ "listId": 1 }), |db| {
        store::for_list(db, 1)
    });
    let (subject, body) = s.draft("new_event");
    let es = json!({ "eventId": 1, "tourId": null, "template": "new_event", "language": "es" });
    s.ask("announcement_draft", es, |db| {
        templates::draft_in(db, Some(1), None, Template::NewEvent, "es")
    });
    let (es_subject, es_body) =
        templates::draft_in(&s.db, Some(1), None, Template::NewEvent, "es").unwrap();
    let with = |es_subject: &str| {
        let mut input = announcement(&subject, &body);
        input["versions"] = json!([{ "language": "es", "subject": es_subject, "body": es_body }]);
        input
    };
    s.save(None, with(""));
    s.save(None, with(&es_subject));
    for language in [None, Some("es")] {
        s.preview_in(1, None, language);
    }
    scenes.insert("composerSpanish".into(), s.done());
}

/// A folder of its own for a scene whose database is a file (the send opens it by path).
fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("handbill-ui-answers-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Scene {
    /// `send_start` as the window runs it: queued (or refused), then the send
    /// job runs to its end, its last progress recorded as the `send-progress`
    /// event. With no mail account, the messages go to the outbox in `dir`.
    fn send_start(&mut self, dir: &Path, id: i64, again: Option<bool>) {
        let args = json!({ "id": id, "again": again });
        let answer = store::queue_with(&self.db, id, again.unwrap_or(false));
        let ok = answer.is_ok();
        self.record("send_start", args, ok, answer);
        if !ok {
            return;
        }
        let letters = compose::prepare_announcement(&self.db, id).unwrap();
        let options = SendOptions {
            outbox_dir: Some(dir.join("outbox")),
            ..SendOptions::default()
        };
        let end = send::run(&dir.join("branch.sqlite"), id, &letters, &options, &|_| {})
            .expect("the send runs to its end");
        self.exchanges.last_mut().unwrap()["events"] =
            json!([{ "event": "send-progress", "payload": end }]);
    }
}

impl Scene {
    /// What the sending screen asks of announcement `id`.
    fn sending_reads(&mut self, id: i64) {
        self.ask("send_progress", json!({ "id": id }), |db| {
            store::progress(db, id)
        });
        self.ask("announcement_get", json!({ "id": id }), |db| {
            store::get(db, id)
        });
    }
}

/// "Tell the N people you emailed": the rally (event 1), announced and
/// emailed to the sample list (no mail account: written to the outbox), is
/// rescheduled from its Actions with a reason, and the window asks who was
/// told; a draft meeting (event 2) nobody was emailed about is rescheduled too.
fn tell_people_scene(scenes: &mut serde_json::Map<String, Value>) {
    let dir = scratch();
    let db = Database::open(&dir.join("branch.sqlite")).expect("a branch file opens");
    let mut s = announce_sample_in(Scene {
        db,
        exchanges: Vec::new(),
    });
    events::announce(&s.db, 1).expect("the rally is announced");
    let meeting = json!({ "title": "Planning meeting", "start_date": "2027-01-20", "start_time": "19:00", "end_time": "20:00", "time_zone": "America/New_York" });
    events::create(&s.db, from(&meeting)).expect("the meeting is made");
    let (subject, body) = templates::draft(&s.db, Some(1), None, Template::NewEvent).unwrap();
    let id = store::create(&s.db, from(&announcement(&subject, &body)))
        .unwrap()
        .id;
    store::queue(&s.db, id).expect("queued");
    let letters = compose::prepare_announcement(&s.db, id).unwrap();
    let options = SendOptions {
        outbox_dir: Some(dir.join("outbox")),
        ..SendOptions::default()
    };
    send::run(&dir.join("branch.sqlite"), id, &letters, &options, &|_| {})
        .expect("the send runs to its end");
    for (event, date, reason) in [
        (1, "2027-01-18", "the storm"),
        (2, "2027-01-27", "the room was taken"),
    ] {
        s.ask("event_get", json!({ "id": event }), |db| {
            events::get(db, event)
        });
        let when = json!({ "start_date": date, "start_time": "19:00", "end_date": "", "end_time": if event == 1 { "21:00" } else { "20:00" }, "all_day": false });
        let args = json!({ "id": event, "when": when, "reason": reason });
        s.change("event_reschedule", args, |db| {
            events::reschedule(db, event, from(&when), reason)
        });
        s.ask("event_told", json!({ "id": event }), |db| {
            handbill_core::mail::announcements::told(db, event)
        });
    }
    let mut recorded = s.done();
    same_uids(&mut recorded);
    let _ = std::fs::remove_dir_all(&dir);
    scenes.insert("tellPeople".into(), recorded);
}

/// Sending with no mail account, then the same event to the same list again.
fn reannounce_scene(scenes: &mut serde_json::Map<String, Value>) {
    let dir = scratch();
    let db = Database::open(&dir.join("branch.sqlite")).expect("a branch file opens");
    let mut s = announce_sample_in(Scene {
        db,
        exchanges: Vec::new(),
    });
    let (subject, body) = s.draft("new_event");
    s.save(None, announcement(&subject, &body));
    // Asked with the reach: there is no account, so the outbox folder.
    s.account_view(&dir.join("branch.sqlite"), &None);
    s.ask("announcement_reach", json!({ "id": 1 }), |db| {
        store::reach(db, 1)
    });
    s.send_start(&dir, 1, Some(false));
    s.sending_reads(1);
    s.ask("announcement_list", json!({ "listId": 1 }), |db| {
        store::for_list(db, 1)
    });
    s.save(None, announcement(&subject, &body));
    // Asked with the reach: there is no account, so the outbox folder.
    s.account_view(&dir.join("branch.sqlite"), &None);
    s.ask("announcement_reach", json!({ "id": 2 }), |db| {
        store::reach(db, 2)
    });
    s.send_start(&dir, 2, Some(false));
    s.send_start(&dir, 2, Some(true));
    s.sending_reads(2);
    let mut recorded = s.done();
    // The scratch folder is another on every run, and the refusal says the
    // minute the first went out.
    let mut text = recorded
        .to_string()
        .replace(&dir.display().to_string(), "/tmp/handbill");
    let day = AT[..11].replace('T', " ");
    let mut from = 0;
    while let Some(at) = text[from..].find(&day) {
        let start = from + at + day.len();
        let minute = text.get(start..start + 5).unwrap_or("");
        if minute.len() == 5 && minute.as_bytes()[2] == b':' {
            text.replace_range(start..start + 5, &AT[11..16]);
        }
        from = start;
    }
    recorded = serde_json::from_str(&text).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    scenes.insert("reannounce".into(), recorded);
}

/// The Events section over two announced events in January 2027 and a draft in
/// February, seen on the recording's day (AT); searched as "rall" is typed.
fn events_scenes(scenes: &mut serde_json::Map<String, Value>) {
    let mut s = Scene::empty();
    for (title, date, announced) in [
        ("Rally for Siham", "2027-01-20", true),
        ("Panel on housing", "2027-01-28", true),
        ("Study group: Women and Socialism", "2027-02-11", false),
    ] {
        let input = json!({ "title": title, "start_date": date, "start_time": "19:00", "end_time": "21:00", "time_zone": "America/New_York" });
        let event = events::create(&s.db, from(&input)).expect("a sample event is made");
        if announced {
            events::announce(&s.db, event.id).expect("the event is announced");
        }
    }
    let now: jiff::Timestamp = AT.parse().unwrap();
    s.ask("events_upcoming", json!({}), |db| events::upcoming(db, now));
    s.ask("events_undated", json!({}), events::undated);
    s.ask("events_past", json!({}), |db| events::past(db, now));
    s.page_reads(now);
    s.ask("tours_all", json!({}), events::list_tours);
    for text in ["r", "ra", "ral", "rall"] {
        s.ask("events_search", json!({ "text": text }), |db| {
            events::search(db, text, 50)
        });
    }
    // A new event whose start date is not a date: "Save and check" is refused
    // by its field; the draft autosaves as it is.
    s.ask("venues_all", json!({}), events::list_venues);
    s.ask("speakers_all", json!({}), events::list_speakers);
    let teach_in = json!({
        "accessibility": "", "all_day": false, "attendance": "in_person",
        "cosponsor_call": { "contact": "", "text": "" }, "description": "", "end_date": "",
        "end_time": "", "hosts": "", "kind": "meeting",
        "links": { "donate": "", "event_page": "", "rsvp": "" }, "online_link": "",
        "reading_list": [], "room": "", "no_room": false, "rules": "", "speaker_ids": [],
        "start_date": "next tuesday", "start_time": "", "tags": [],
        "time_zone": "America/New_York", "title": "Teach-in", "tour_id": null,
        "translations": [], "venue_id": null
    });
    s.ask("event_create", json!({ "input": teach_in }), |db| {
        events::create(db, from(&teach_in))
    });
    s.change(
        "event_save_draft",
        json!({ "id": null, "input": teach_in }),
        |db| events::save_draft(db, None, from(&teach_in)),
    );
    // The draft open: its history, and the autosave again with the same text.
    s.ask("event_history", json!({ "id": 4 }), |db| {
        events::history(db, 4)
    });
    s.ask(
        "event_save_draft",
        json!({ "id": 4, "input": teach_in }),
        |db| events::save_draft(db, Some(4), from(&teach_in)),
    );
    let mut recorded = s.done();
    same_uids(&mut recorded);
    scenes.insert("events".into(), recorded);
}

/// A draft study group (event 1) marked announced from its Actions: the
/// event as the page holds it, then *Announce*, which emails nobody.
fn announce_event_scene(scenes: &mut serde_json::Map<String, Value>) {
    let mut s = Scene::empty();
    let input = json!({ "title": "Study group: Women and Socialism", "start_date": "2027-02-11", "start_time": "19:00", "end_time": "21:00", "time_zone": "America/New_York" });
    events::create(&s.db, from(&input)).expect("the study group is made");
    s.ask("event_get", json!({ "id": 1 }), |db| events::get(db, 1));
    s.change("event_announce", json!({ "id": 1 }), |db| {
        events::announce(db, 1)
    });
    let mut recorded = s.done();
    same_uids(&mut recorded);
    scenes.insert("announceEvent".into(), recorded);
}

/// The event editor reading dates and times as typed, on Thursday 3 December
/// 2026 in a branch in Boston (English, New York: month first).
fn typed_when_scene(scenes: &mut serde_json::Map<String, Value>) {
    let _today = handbill_core::clock::set("2026-12-03T15:00:00Z".parse().unwrap());
    let mut s = Scene::empty();
    let profile = json!({
        "name": "Sample Branch", "short_name": "Sample", "city": "Boston, MA",
        "contact_email": "branch@example.org", "website": "https://example.org",
        "time_zone": "America/New_York", "languages": ["en", "es"]
    });
    branch::save(
        &s.db,
        serde_json::from_value::<BranchInput>(profile).unwrap(),
    )
    .expect("the branch is saved");
    for (date, time) in [
        ("Thu Dec 10", ""),
        ("Thu Dec 10", "7pm"),
        ("12/10", "7:30 pm"),
        ("Feb 30", ""),
        ("Feb 30", "24:61"),
    ] {
        s.ask("when_read", json!({ "date": date, "time": time }), |db| {
            events::typed::read_when(db, date, time)
        });
    }
    // The editor's own questions, and the draft each test leaves typed (saved
    // as typed when the editor closes).
    s.ask("venues_all", json!({}), events::list_venues);
    s.ask("speakers_all", json!({}), events::list_speakers);
    for (date, time) in [
        ("Thu Dec 10", "7pm"),
        ("12/10", "7:30 pm"),
        ("Feb 30", "24:61"),
    ] {
        let draft = json!({
            "accessibility": "", "all_day": false, "attendance": "in_person",
            "cosponsor_call": { "contact": "", "text": "" }, "description": "", "end_date": "",
            "end_time": "", "hosts": "", "kind": "meeting",
            "links": { "donate": "", "event_page": "", "rsvp": "" }, "online_link": "",
            "reading_list": [], "room": "", "no_room": false, "rules": "", "speaker_ids": [],
            "start_date": date, "start_time": time, "tags": [],
            "time_zone": "America/New_York", "title": "", "tour_id": null,
            "translations": [], "venue_id": null
        });
        s.change(
            "event_save_draft",
            json!({ "id": null, "input": draft }),
            |db| events::save_draft(db, None, from(&draft)),
        );
    }
    let mut recorded = s.done();
    same_uids(&mut recorded);
    scenes.insert("typedWhen".into(), recorded);
}

/// A Thursday meeting, announced, made weekly in the editor's Repeats panel,
/// then one of its dates skipped with a reason (the `series` scene).
fn series_scene(scenes: &mut serde_json::Map<String, Value>) {
    use events::series::{self, DatesRequest, Repeat, RepeatRequest, SkipRequest};
    let _today = handbill_core::clock::set("2026-12-03T15:00:00Z".parse().unwrap());
    let mut s = Scene::empty();
    let profile = json!({
        "name": "Sample Branch", "short_name": "Sample", "city": "Boston, MA",
        "contact_email": "branch@example.org", "website": "https://example.org",
        "time_zone": "America/New_York", "languages": ["en"]
    });
    branch::save(
        &s.db,
        serde_json::from_value::<BranchInput>(profile).unwrap(),
    )
    .expect("the branch is saved");
    let meeting = events::create(
        &s.db,
        events::EventInput {
            title: "Branch meeting".into(),
            start_date: "2027-01-07".into(),
            start_time: "19:00".into(),
            end_time: "21:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .expect("the meeting is made");
    let id = meeting.id;
    events::announce(&s.db, id).expect("the meeting is announced");
    let dates = DatesRequest {
        event_id: id,
        from: String::new(),
        count: 0,
    };
    let reads = |s: &mut Scene| {
        s.ask("event_get", json!({ "id": id }), |db| events::get(db, id));
        s.ask("event_history", json!({ "id": id }), |db| {
            events::history(db, id)
        });
        s.ask("series_dates", json!({ "request": dates }), |db| {
            series::dates(db, &dates)
        });
    };
    s.ask("venues_all", json!({}), events::list_venues);
    s.ask("speakers_all", json!({}), events::list_speakers);
    reads(&mut s);
    let weekly = RepeatRequest {
        event_id: id,
        repeat: Repeat::Weekly,
        nth: 0,
        until: String::new(),
    };
    s.change("series_repeat", json!({ "request": weekly }), |db| {
        series::repeat(db, &weekly)
    });
    reads(&mut s);
    let skip = SkipRequest {
        event_id: id,
        date: "2027-01-14".into(),
        reason: "Snow emergency".into(),
    };
    s.change("series_skip", json!({ "request": skip }), |db| {
        series::skip(db, &skip)
    });
    reads(&mut s);
    let mut recorded = s.done();
    same_uids(&mut recorded);
    scenes.insert("series".into(), recorded);
}

/// An event's calendar uid is random: shown as one made from its id.
fn same_uids(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let (Some(id), Some(Value::String(uid))) =
                (map.get("id").cloned(), map.get_mut("uid"))
            {
                *uid = format!("event-{id}@handbill");
            }
            map.values_mut().for_each(same_uids);
        }
        Value::Array(items) => items.iter_mut().for_each(same_uids),
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// Sending to a real SMTP server, the mail account and the keychain, and the
// Events editor's autosave: the answers that replaced fake-announce.ts and
// fake-events.ts's rules. The server is tests/smtp/server.py on loopback; the
// keychain is the stand-in below, as the window's keychain answers.

fn repo() -> PathBuf {
    root()
}

#[path = "../../../tests/smtp/sink.rs"]
#[allow(dead_code)]
mod sink;

/// The keychain the recording's account commands reach (see support/keychain.rs).
#[path = "support/keychain.rs"]
mod keychain;

/// The IMAP server the Mailbox's check reads (see support/dovecot.rs).
#[path = "support/dovecot.rs"]
mod dovecot;

/// The port the recording's SMTP server is shown on, whichever it had.
const PORT: u16 = 2525;

/// A loopback account on the test server.
fn loopback(port: u16, username: &str) -> Value {
    json!({
        "host": "127.0.0.1", "port": port, "security": "plain", "username": username,
        "rate_per_minute": 60, "daily_cap": 2000
    })
}

/// The scene as recorded, with its scratch folder and the server's port shown the same on every run.
fn steady(recorded: Value, dir: &Path, port: Option<u16>) -> Value {
    let mut text = recorded
        .to_string()
        .replace(&dir.display().to_string(), "/tmp/handbill");
    if let Some(port) = port {
        text = text.replace(&format!(":{port}"), &format!(":{PORT}"));
    }
    // The words of a dropped connection are the operating system's.
    let mut value: Value = serde_json::from_str(&text).unwrap();
    steady_drops(&mut value);
    steady_pace(&mut value);
    same_uids(&mut value);
    value
}

/// A send's pace and time left are measured on the clock (messages over
/// the time they took), so they differ from run to run: any pace reads as
/// 60 a minute and any time left as a second.
fn steady_pace(value: &mut Value) {
    match value {
        Value::Object(map) if map.contains_key("seconds_left") => {
            if map
                .get("rate_per_minute")
                .and_then(Value::as_f64)
                .is_some_and(|r| r > 0.0)
            {
                map.insert("rate_per_minute".into(), json!(60.0));
            }
            if map
                .get("seconds_left")
                .and_then(Value::as_u64)
                .is_some_and(|s| s > 0)
            {
                map.insert("seconds_left".into(), json!(1));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(steady_pace),
        Value::Object(map) => map.values_mut().for_each(steady_pace),
        _ => {}
    }
}

fn steady_drops(value: &mut Value) {
    const TAKING: &str = "while the server was taking the message (";
    match value {
        Value::String(s) => {
            if let (Some(start), Some(end)) = (s.find(TAKING), s.find("); it may")) {
                s.replace_range(start + TAKING.len()..end, "the connection was reset");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(steady_drops),
        Value::Object(map) => map.values_mut().for_each(steady_drops),
        _ => {}
    }
}

impl Scene {
    /// What the Events section asks first, seen on the recording's day (AT).
    fn event_reads(&mut self) {
        let now: jiff::Timestamp = AT.parse().unwrap();
        self.ask("events_upcoming", json!({}), |db| events::upcoming(db, now));
        self.ask("events_undated", json!({}), events::undated);
        self.ask("events_past", json!({}), |db| events::past(db, now));
        self.page_reads(now);
        self.ask("tours_all", json!({}), events::list_tours);
    }

    /// The first page of each Events list, as the window asks for it (200 rows).
    pub(crate) fn page_reads(&mut self, now: jiff::Timestamp) {
        for (scope, name) in [
            (EventScope::Upcoming, "upcoming"),
            (EventScope::Undated, "undated"),
            (EventScope::Past, "past"),
        ] {
            self.ask(
                "events_page",
                json!({ "scope": name, "offset": 0, "limit": 200 }),
                |db| events::rows::page(db, scope, now, 0, 200),
            );
        }
    }

    /// The send of announcement `id` the window's job runs after `send_start`
    /// or `send_resume` (the exchange just recorded): one connection, every
    /// step's progress recorded as its `send-progress` events. The organizer's
    /// Pause, asked the first time `pause_when` holds of a report, is recorded
    /// after it with the window's answer at that moment.
    fn send_job(
        &mut self,
        path: &Path,
        id: i64,
        pause_when: &(dyn Fn(&SendProgress) -> bool + Sync),
    ) {
        let letters = compose::prepare_announcement(&self.db, id).unwrap();
        let options = SendOptions {
            connections: 1,
            progress_every: std::time::Duration::ZERO,
            ..SendOptions::default()
        };
        let events = std::sync::Mutex::new(Vec::new());
        let paused = std::sync::Mutex::new(None);
        let on_progress = |p: &SendProgress| {
            events
                .lock()
                .unwrap()
                .push(json!({ "event": "send-progress", "payload": p }));
            let mut paused = paused.lock().unwrap();
            if paused.is_none() && pause_when(p) {
                let db = Database::open(path).expect("the branch file opens beside the send");
                *paused =
                    Some(store::request_pause(&db, id).and_then(|_| store::progress(&db, id)));
            }
        };
        send::run(path, id, &letters, &options, &on_progress).expect("the send runs to its end");
        self.exchanges.last_mut().unwrap()["events"] = Value::Array(events.into_inner().unwrap());
        if let Some(answer) = paused.into_inner().unwrap() {
            self.record("send_pause", json!({ "id": id }), true, answer);
        }
    }
}

/// The announcements' branch in a file of its own (a send opens it by path),
/// with a loopback mail account on `sink` and event 1's announcement drafted
/// and saved, as the composer leaves it before "Send…".
fn sending_sample(dir: &Path, sink: &sink::Sink) -> Scene {
    keychain::fresh(true);
    let db = Database::open(&dir.join("branch.sqlite")).expect("a branch file opens");
    let mut s = announce_sample_in(Scene {
        db,
        exchanges: Vec::new(),
    });
    account::save(&s.db, &from(&loopback(sink.port, ""))).expect("the account is saved");
    s.event_reads();
    let (subject, body) = s.draft("new_event");
    s.save(None, announcement(&subject, &body));
    // Asked with the reach: where the messages go (through the account).
    s.account_view(&dir.join("branch.sqlite"), &None);
    s.ask("announcement_reach", json!({ "id": 1 }), |db| {
        store::reach(db, 1)
    });
    s
}

fn sending_scenes(scenes: &mut serde_json::Map<String, Value>) {
    let sent = |n: u32| move |p: &SendProgress| p.sent == n;

    // Sent to three people through the server: paused once the first has
    // gone (the message in hand still goes), resumed, finished.
    let (dir, sink) = (scratch(), sink::Sink::start(&[]));
    let path = dir.join("branch.sqlite");
    let mut s = sending_sample(&dir, &sink);
    let queued = store::queue_with(&s.db, 1, false);
    s.record(
        "send_start",
        json!({ "id": 1, "again": false }),
        true,
        queued,
    );
    s.sending_reads(1);
    s.send_job(&path, 1, &sent(1));
    s.sending_reads(1);
    let resumed = store::resume(&s.db, 1);
    s.record("send_resume", json!({ "id": 1 }), true, resumed);
    s.send_job(&path, 1, &|_: &SendProgress| false);
    s.sending_reads(1);
    assert_eq!(
        sink.arrivals().len(),
        3,
        "everyone got the announcement once"
    );
    scenes.insert("sending".into(), steady(s.done(), &dir, Some(sink.port)));
    let _ = std::fs::remove_dir_all(&dir);

    // The connection drops while the server takes the first message: it may
    // or may not have arrived. Paused then, it waits for the organizer, who
    // has it sent again.
    let (dir, sink) = (scratch(), sink::Sink::start(&["--drop-after", "0"]));
    let path = dir.join("branch.sqlite");
    let mut s = sending_sample(&dir, &sink);
    let queued = store::queue_with(&s.db, 1, false);
    s.record(
        "send_start",
        json!({ "id": 1, "again": false }),
        true,
        queued,
    );
    s.sending_reads(1);
    s.send_job(&path, 1, &|p: &SendProgress| p.uncertain == 1);
    s.sending_reads(1);
    let uncertain = store::deliveries(&s.db, 1, Some(DeliveryStatus::Uncertain), 1000).unwrap();
    assert_eq!(uncertain.len(), 1, "the message in flight is uncertain");
    let ids: Vec<i64> = uncertain.iter().map(|d| d.id).collect();
    let reads = |s: &mut Scene| {
        s.ask(
            "send_deliveries",
            json!({ "id": 1, "status": "uncertain" }),
            |db| store::deliveries(db, 1, Some(DeliveryStatus::Uncertain), 1000),
        );
    };
    reads(&mut s);
    let args = json!({ "id": 1, "deliveryIds": ids, "decision": "resend" });
    s.change("send_decide_uncertain", args, |db| {
        store::decide_uncertain(db, 1, Some(&ids), UncertainDecision::Resend)?;
        store::progress(db, 1)
    });
    reads(&mut s);
    s.sending_reads(1);
    scenes.insert("uncertain".into(), steady(s.done(), &dir, Some(sink.port)));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Settings → Mail account, as the window's commands answer with the session
/// password they hold (`session`).
impl Scene {
    fn account_view(&mut self, path: &Path, session: &Option<Password>) {
        self.ask("mail_account", json!({}), |db| {
            account::view(db, path, session.as_ref())
        });
    }

    fn account_save(&mut self, path: &Path, session: &Option<Password>, input: Value) {
        let parsed: SmtpAccount = from(&input);
        let answer = account::save(&self.db, &parsed)
            .and_then(|_| account::view(&self.db, path, session.as_ref()));
        let changes = answer.is_ok();
        self.record(
            "mail_account_save",
            json!({ "input": input }),
            changes,
            answer,
        );
    }

    fn account_password(&mut self, path: &Path, session: &mut Option<Password>, password: &str) {
        let answer = account::keep_password(&self.db, password).and_then(|held| {
            *session = held;
            account::view(&self.db, path, session.as_ref())
        });
        let changes = answer.is_ok();
        self.record(
            "mail_account_password",
            json!({ "password": password }),
            changes,
            answer,
        );
    }
}

fn mail_account_scenes(scenes: &mut serde_json::Map<String, Value>) {
    // No account: where announcements go. Plain SMTP to another machine is
    // refused by its field; the server on this machine is saved with its
    // user, the password goes to the keychain, and the connection is tested.
    let (dir, sink) = (
        scratch(),
        sink::Sink::start(&["--auth-user", "boston", "--auth-password", "s3cret"]),
    );
    let path = dir.join("branch.sqlite");
    keychain::fresh(true);
    let mut s = announce_sample_in(Scene {
        db: Database::open(&path).expect("a branch file opens"),
        exchanges: Vec::new(),
    });
    let mut session = None;
    s.account_view(&path, &session);
    let mut elsewhere = loopback(25, "");
    elsewhere["host"] = json!("smtp.example.org");
    s.account_save(&path, &session, elsewhere);
    s.account_save(&path, &session, loopback(sink.port, "boston"));
    s.account_password(&path, &mut session, "s3cret");
    s.ask("mail_account_test", json!({}), |db| {
        account::test(db, None, session.as_ref())
    });
    scenes.insert(
        "mailAccount".into(),
        steady(s.done(), &dir, Some(sink.port)),
    );
    let _ = std::fs::remove_dir_all(&dir);

    // A computer with no keychain: the password is asked for each session.
    let dir = scratch();
    let path = dir.join("branch.sqlite");
    keychain::fresh(false);
    let mut s = announce_sample_in(Scene {
        db: Database::open(&path).expect("a branch file opens"),
        exchanges: Vec::new(),
    });
    let provider = json!({
        "host": "smtp.example.org", "port": 587, "security": "start_tls", "username": "boston",
        "rate_per_minute": 60, "daily_cap": 500
    });
    account::save(&s.db, &from(&provider)).expect("the account is saved");
    let mut session = None;
    s.account_view(&path, &session);
    s.account_save(&path, &session, provider);
    s.account_password(&path, &mut session, "s3cret");
    keychain::fresh(true);
    scenes.insert("noKeychain".into(), steady(s.done(), &dir, None));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The Events editor's autosave: a new draft typed, saved once, and a
/// translation saved with it, then removed.
fn autosave_scenes(scenes: &mut serde_json::Map<String, Value>) {
    let blank = |title: &str, translations: Value| {
        json!({
            "accessibility": "", "all_day": false, "attendance": "in_person",
            "cosponsor_call": { "contact": "", "text": "" }, "description": "", "end_date": "",
            "end_time": "", "hosts": "", "kind": "meeting",
            "links": { "donate": "", "event_page": "", "rsvp": "" }, "online_link": "",
            "reading_list": [], "room": "", "no_room": false, "rules": "", "speaker_ids": [],
            "start_date": "", "start_time": "", "tags": [],
            "time_zone": "America/New_York", "title": title, "tour_id": null,
            "translations": translations, "venue_id": null
        })
    };
    let editor = |s: &mut Scene, input: &Value, later: &[Value]| {
        s.ask("venues_all", json!({}), events::list_venues);
        s.ask("speakers_all", json!({}), events::list_speakers);
        s.change(
            "event_save_draft",
            json!({ "id": null, "input": input }),
            |db| events::save_draft(db, None, from(input)),
        );
        let id = events::undated(&s.db)
            .unwrap()
            .last()
            .map(|e| e.id)
            .unwrap();
        s.ask("event_history", json!({ "id": id }), |db| {
            events::history(db, id)
        });
        s.ask(
            "event_save_draft",
            json!({ "id": id, "input": input }),
            |db| events::save_draft(db, Some(id), from(input)),
        );
        for input in later {
            s.change(
                "event_save_draft",
                json!({ "id": id, "input": input }),
                |db| events::save_draft(db, Some(id), from(input)),
            );
        }
    };

    let mut s = Scene::empty();
    for (title, date, announced) in [
        ("Rally for Siham", "2027-01-20", true),
        ("Panel on housing", "2027-01-28", true),
        ("Study group: Women and Socialism", "2027-02-11", false),
    ] {
        let input = json!({ "title": title, "start_date": date, "start_time": "19:00", "end_time": "21:00", "time_zone": "America/New_York" });
        let event = events::create(&s.db, from(&input)).expect("a sample event is made");
        if announced {
            events::announce(&s.db, event.id).expect("the event is announced");
        }
    }
    s.event_reads();
    editor(&mut s, &blank("Fund drive", json!([])), &[]);
    let mut recorded = s.done();
    same_uids(&mut recorded);
    scenes.insert("autosave".into(), recorded);

    let mut s = Scene::empty();
    s.event_reads();
    let spanish = json!([{ "language": "es", "title": "Manifestación", "description": "Únete a la acción." }]);
    editor(
        &mut s,
        &blank("Rally", spanish),
        &[blank("Rally", json!([]))],
    );
    let mut recorded = s.done();
    same_uids(&mut recorded);
    scenes.insert("translation".into(), recorded);
}

/// The Events section of the announcements tests' branch: the rally (event 1).
fn rally_events_scene(scenes: &mut serde_json::Map<String, Value>) {
    let mut s = announce_sample();
    s.event_reads();
    let mut recorded = s.done();
    same_uids(&mut recorded);
    scenes.insert("rallyEvents".into(), recorded);
}

/// What the Events and Flyers sections read of a branch with no events and
/// no tours yet: the answers every screen test without an events story gets.
fn no_events_scene(scenes: &mut serde_json::Map<String, Value>) {
    let mut s = Scene::empty();
    s.event_reads();
    scenes.insert("noEvents".into(), s.done());
}

/// A tour's calendar file saved where the save dialog answers: the campus
/// tour (tour 1) with one dated stop.
fn ics_export_scene(scenes: &mut serde_json::Map<String, Value>) {
    let mut s = Scene::empty();
    let tour = json!({ "title": "Campus tour", "description": "", "speaker_ids": [], "hosts": "", "tags": [] });
    let tour = events::create_tour(&s.db, from(&tour)).expect("the tour is made");
    let stop = json!({
        "kind": "meeting", "start_date": "2027-03-02", "start_time": "18:00", "end_date": "",
        "end_time": "20:00", "time_zone": "America/New_York", "all_day": false, "venue_id": null, "room": ""
    });
    let stop = events::add_stop(&s.db, tour.id, from(&stop)).expect("the stop is added");
    // Announced: drafts stay out of calendars (issue 17).
    events::announce(&s.db, stop.id).expect("the stop is announced");
    let request = events::ics::CalendarRequest {
        event_id: None,
        tour_id: Some(tour.id),
    };
    let args = json!({ "eventId": null, "tourId": tour.id, "suggested": "campus-tour.ics" });
    // Made first (what cannot be exported is said before the dialog opens), then written where it answers.
    s.ask("events_export_ics", args, |db| {
        events::ics::export(db, &request).map(|_| DIALOG)
    });
    scenes.insert("icsExport".into(), s.done());
}

/// Events → Publish site: the sample branch published into the folder the
/// folder dialog answered (a real folder, shown as the organizer's
/// Documents/site so the recording is the same on every run), then opened.
fn publish_scene(scenes: &mut serde_json::Map<String, Value>) {
    let _clock = handbill_core::clock::set(AT.parse().unwrap());
    let mut s = Scene::empty();
    handbill_core::demo::load(&s.db).expect("the sample branch loads");
    let dir = tempfile::tempdir().unwrap();
    let shown = "/home/organizer/Documents/site";
    s.ask("site_publish", json!({ "address": "" }), |db| {
        let request = handbill_core::publish::PublishRequest {
            folder: dir.path().join("site"),
            address: String::new(),
        };
        handbill_core::publish::publish(db, &request).map(|mut r| {
            r.folder = shown.to_owned();
            r.index = format!("{shown}/index.html");
            Some(r)
        })
    });
    s.ask("site_open", json!({}), |_| {
        Ok::<_, Error>(format!("{shown}/index.html"))
    });
    scenes.insert("publish".into(), s.done());
}

/// Settings → Backups on a branch file: none yet, one made by hand, and that
/// one restored (what it replaced kept as a backup), at the recording's time.
fn backups_scene(scenes: &mut serde_json::Map<String, Value>) {
    use handbill_core::branch::status;
    use handbill_core::db::backup::{self, BackupKind};

    let _clock = handbill_core::clock::set(AT.parse().unwrap());
    let dir = scratch();
    let path = dir.join("branch.sqlite");
    let mut s = Scene {
        db: Database::open(&path).expect("a branch file opens"),
        exchanges: Vec::new(),
    };
    let profile = json!({
        "name": "Sample Branch", "short_name": "Sample", "city": "Boston, MA", "contact_email": "branch@example.org",
        "website": "https://example.org", "time_zone": "America/New_York", "languages": ["en", "es"]
    });
    branch::save(&s.db, from(&profile)).expect("the sample profile is saved");
    s.ask("backups_list", json!({}), |_| backup::list(&path));
    s.change("backup_now", json!({}), |db| {
        backup::snapshot(db, BackupKind::Manual)
    });
    s.ask("backups_list", json!({}), |_| backup::list(&path));
    let made = backup::list(&path).unwrap()[0].file_name.clone();
    // As the window's backup_restore: the backup found by its file name, then the open database replaced.
    let open = std::mem::replace(&mut s.db, Database::open_in_memory().unwrap());
    let restored = backup::find(&path, &made)
        .and_then(|source| backup::restore(open, &source))
        .expect("the backup is restored");
    s.db = restored.0;
    let answer = status::status(&path, Ok(&s.db));
    s.record(
        "backup_restore",
        json!({ "fileName": made }),
        true,
        Ok::<_, Error>(answer),
    );
    s.ask("backups_list", json!({}), |_| backup::list(&path));
    scenes.insert("backups".into(), steady(s.done(), &dir, None));
    let _ = std::fs::remove_dir_all(&dir);
}
