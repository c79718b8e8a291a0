//! Settings → Sharing, as the core answers it for the Vitest tests
//! (`ui/src/components/Sharing.test.ts`), on two real branch files sharing
//! one real folder (the sync tool is not needed: both laptops use the same
//! folder):
//!
//! - `shareNone`: Ana's branch, not shared yet; *Share this branch* as
//!   “Ana's laptop” through the folder, then *Invite an officer*.
//! - `shareConflict`: Ben's laptop, which joined Ana's branch with her code;
//!   then the branch's city changed on both laptops while apart (Ana's to
//!   Cambridge, Ben's to Somerville) and both synced: Ben's Settings →
//!   Sharing lists the conflict, *Keep this* keeps Ana's side, and *Sync
//!   now* syncs again. Picking and syncing record the `share-synced` event
//!   the window sends after them, as it builds it (`window/share.rs`).
//!
//! The laptops' ids and the invitation code are random, and the folder a
//! temporary one: each is shown as one steady stand-in. Each step runs at a
//! moment of its own on the clock, so the later of two writes is the same
//! on every run, and "2 minutes ago" can be read against the last sync.

use std::path::Path;

use handbill_core::share::{self, InitRequest, JoinRequest, PickRequest, SyncReport};
use handbill_core::{branch, clock, Database};
use serde_json::{json, Map, Value};

use super::Scene;

/// Where the folder is shown to be.
const FOLDER: &str = "/home/organizer/Sync/Riverside branch";
/// The code shown for the invitation's random one.
const CODE: &str = "7KQ2-M9XD-4PWA";
/// Ana's and Ben's laptops' ids as shown.
const ANA: &str = "a0a0a0a0a0a0a0a0";
const BEN: &str = "b0b0b0b0b0b0b0b0";

/// Runs `f` with the clock at 10:MM on the recording's day.
fn at<T>(minute: u32, f: impl FnOnce() -> T) -> T {
    let _now = clock::set(
        format!("2026-12-05T10:{minute:02}:00Z")
            .parse()
            .expect("a time"),
    );
    f()
}

/// A branch file of its own in `dir`, with a name and a city.
fn branch_file(dir: &Path, file: &str) -> Database {
    Database::open(&dir.join(file)).expect("a branch file opens")
}

/// What the window's `share-synced` event carries after a sync that went through.
fn synced_event(report: &SyncReport) -> Value {
    json!({
        "event": "share-synced",
        "payload": { "status": report.status, "applied": report.applied, "rows": report.rows, "error": null }
    })
}

impl Scene {
    fn share_status(&mut self) {
        self.ask("share_status", json!({}), share::status);
    }

    /// A change that syncs, with the event the window sends after it.
    fn share_change(
        &mut self,
        command: &str,
        args: Value,
        f: impl FnOnce(&Database) -> handbill_core::Result<SyncReport>,
    ) {
        let report = f(&self.db).expect("the sync goes through");
        let event = synced_event(&report);
        self.record(command, args, true, Ok::<_, handbill_core::Error>(report));
        self.exchanges.last_mut().unwrap()["events"] = json!([event]);
    }
}

/// The recording with the random ids, the code and the folder shown steady.
fn steady(recorded: Vec<Value>, swaps: &[(String, &str)]) -> Value {
    let mut text = Value::Array(recorded).to_string();
    for (from, to) in swaps {
        text = text.replace(from.as_str(), to);
    }
    let mut value = serde_json::from_str(&text).unwrap();
    laptops_in_order(&mut value);
    value
}

/// The laptops in the order the core gives laptops that joined at the same
/// moment (by their ids): here, by the ids shown. Ben's laptop learns of
/// both at his join, so on his both joined then, and the random ids alone
/// would order them differently from run to run.
fn laptops_in_order(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(rows)) = map.get_mut("laptops") {
                rows.sort_by(|a, b| a["laptop"].as_str().cmp(&b["laptop"].as_str()));
            }
            map.values_mut().for_each(laptops_in_order);
        }
        Value::Array(items) => items.iter_mut().for_each(laptops_in_order),
        _ => {}
    }
}

pub(super) fn share_scenes(scenes: &mut Map<String, Value>) {
    // A folder of its own, not one of `scratch`'s numbered ones: the scenes
    // after this one keep their numbers (a backup's size follows its path's).
    let temp = tempfile::tempdir().expect("a temporary folder");
    let dir = temp.path().to_path_buf();
    let folder = dir.join("shared folder");
    std::fs::create_dir_all(&folder).unwrap();
    let shown_folder = folder
        .canonicalize()
        .unwrap()
        .to_string_lossy()
        .into_owned();

    // Not shared yet: share it, then invite an officer.
    let ana = branch_file(&dir, "ana.sqlite");
    at(0, || {
        branch::set_field(&ana, "name", "Riverside Branch").unwrap();
        branch::set_field(&ana, "city", "Boston, MA").unwrap();
    });
    let mut s = Scene {
        db: ana,
        exchanges: Vec::new(),
    };
    s.share_status();
    let name = "Ana's laptop";
    at(1, || {
        s.change("share_init", json!({ "name": name }), |db| {
            share::init(
                db,
                &InitRequest {
                    folder: folder.clone(),
                    name: name.into(),
                },
            )
        })
    });
    let code = at(2, || {
        let invitation = share::invite(&s.db);
        let code = invitation.as_ref().map(|i| i.code.clone()).unwrap();
        s.record("share_invite", json!({}), true, invitation);
        code
    });
    s.share_status();
    let ana_id = share::status(&s.db).unwrap().laptop;
    let Scene {
        db: ana,
        exchanges: none,
    } = s;

    // Ben joins, then the city changes on both laptops while they are apart.
    let ben = branch_file(&dir, "ben.sqlite");
    at(3, || {
        share::join(
            &ben,
            &JoinRequest {
                folder: folder.clone(),
                code: code.clone(),
                name: "Ben's laptop".into(),
            },
        )
        .expect("Ben joins with Ana's code");
    });
    at(4, || share::sync(&ana).expect("Ana's laptop accepts Ben's"));
    at(5, || share::sync(&ben).expect("Ben's laptop syncs"));
    at(6, || {
        branch::set_field(&ana, "city", "Cambridge, MA").unwrap()
    });
    at(7, || {
        branch::set_field(&ben, "city", "Somerville, MA").unwrap()
    });
    at(8, || {
        share::sync(&ana).expect("Ana's laptop writes its change")
    });
    at(9, || {
        share::sync(&ben).expect("Ben's laptop writes and applies")
    });
    at(10, || {
        share::sync(&ana).expect("Ana's laptop applies Ben's")
    });
    let ben_id = share::status(&ben).unwrap().laptop;

    let mut s = Scene {
        db: ben,
        exchanges: Vec::new(),
    };
    at(10, || {
        s.share_status();
        let conflict = &share::status(&s.db).unwrap().conflicts[0];
        assert_eq!(
            conflict.choices.len(),
            2,
            "the city changed on both laptops is a conflict with two sides"
        );
        let anas = conflict
            .choices
            .iter()
            .find(|c| c.laptop == ana_id)
            .expect("Ana's side is offered")
            .clone();
        let args = json!({ "conflict": conflict.id, "laptop": anas.laptop, "seq": anas.seq });
        let request = PickRequest {
            conflict: conflict.id.clone(),
            laptop: anas.laptop,
            seq: anas.seq,
        };
        s.share_change("share_pick", args, |db| share::pick(db, &request));
        s.share_status();
    });
    at(11, || {
        s.share_change("share_sync", json!({}), share::sync);
        s.share_status();
    });
    drop(ana);

    let swaps = [
        (shown_folder, FOLDER),
        (code, CODE),
        (ana_id, ANA),
        (ben_id, BEN),
    ];
    scenes.insert("shareNone".into(), steady(none, &swaps));
    scenes.insert("shareConflict".into(), steady(s.exchanges, &swaps));
    drop(temp);
}
