//! Mail → Mailbox, as the core answers it for the Vitest tests
//! (`ui/src/screens/mail/Mailbox.test.ts`), on the sample branch (list 1;
//! Ana, Ben, Carmen; Deshawn left):
//!
//! - `mailboxEmpty`: no mailbox set up yet.
//! - `mailbox`: the mailbox saved (its password in the keychain) and three
//!   messages read from files saved from webmail — Ben's bounce report (sent
//!   to his own return path), Ana's reply asking to leave, Carmen's unclear
//!   reply — then the view, Carmen's message read, left alone, and Ana's
//!   unsubscribe undone, each followed by the view the screen asks for next.
//! - `mailboxCheck`: *Check mailbox* against a real Dovecot on loopback
//!   (`support/dovecot.rs`) holding four messages, its progress and its end
//!   recorded as the `mailbox-progress` and `mailbox-checked` events the
//!   window sends before it answers.
//!
//! The messages are the fixtures in `tests/fixtures/mailbox/`, filled with
//! the branch's real signed tokens (as `tests/mailbox.rs` fills them). The
//! tokens are random per branch and the server's port per run: both are shown
//! the same on every run. The clock is set to a moment after the messages were
//! sent, so their own dates are kept (nothing else here reads the computer's
//! clock), and the recording does not pass through `same_times`.

use handbill_core::clock;
use handbill_core::mail::announcements::keys::{self, Purpose};
use handbill_core::mail::mailbox::{self, account, CheckOptions, CheckReport, Resolution};
use handbill_core::mail::subscribers;
use handbill_core::Database;
use serde_json::{json, Map, Value};

use super::dovecot::Dovecot;
use super::{from, keychain, query, root, Scene};

/// The recording's now: the day after the messages arrived.
const NOW: &str = "2026-12-03T15:00:00Z";
/// The port the recording's IMAP server is shown on, whichever it had.
const IMAP_PORT: u16 = 1143;
/// The branch's own address: the mailbox and the return paths are its.
const BRANCH: &str = "boston@example.org";

/// The mailbox as the Settings form saves it.
fn account_input(host: &str, port: u16, security: &str, username: &str) -> Value {
    json!({
        "host": host, "port": port, "security": security, "username": username,
        "folder": "INBOX", "handled_folder": "Handbill/Handled"
    })
}

/// Someone of the sample list (list 1) by their address: their id.
fn person(s: &Scene, email: &str) -> i64 {
    subscribers::search(&s.db, &query(1, email)).unwrap().rows[0].id
}

/// A fixture with its %%…%% marks filled for `email` (subscriber `id` on list 1).
fn filled(db: &Database, name: &str, id: i64, email: &str) -> Vec<u8> {
    let path = root()
        .join("src-tauri/core/tests/fixtures/mailbox")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let keys = keys::load(db).unwrap();
    let (local, domain) = BRANCH.split_once('@').unwrap();
    let address = |purpose| format!("{local}+{}@{domain}", keys.token_for(purpose, 1, id));
    text.replace("%%BOUNCE%%", &address(Purpose::Bounce))
        .replace("%%UNSUB%%", &address(Purpose::Unsubscribe))
        .replace("%%RCPT%%", email)
        .replace("%%BRANCH%%", BRANCH)
        .replace(
            "%%MSGID%%",
            &format!("a1.s{id}.0a0b0c0d0e0f.1234@example.org"),
        )
        .into_bytes()
}

/// The scene as recorded, with the branch's tokens for the sample list (the
/// signature at the end of `bounce-l1-s2-…`) shown as `token`.
fn steady_tokens(s: Scene) -> Value {
    let keys = keys::load(&s.db).unwrap();
    let mut text = s.into_recorded().to_string();
    for id in 1..=4 {
        for purpose in [Purpose::Bounce, Purpose::Unsubscribe] {
            let token = keys.token_for(purpose, 1, id);
            let tag = token.rsplit('-').next().unwrap();
            text = text.replace(tag, "token");
        }
    }
    serde_json::from_str(&text).unwrap()
}

/// The server's port shown as `IMAP_PORT`: the account's, and in any text.
fn steady_port(value: &mut Value, port: u16) {
    match value {
        Value::Object(map) => {
            if map.get("port") == Some(&json!(port)) {
                map.insert("port".into(), json!(IMAP_PORT));
            }
            map.values_mut().for_each(|v| steady_port(v, port));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| steady_port(v, port)),
        Value::String(s) => *s = s.replace(&format!(":{port}"), &format!(":{IMAP_PORT}")),
        _ => {}
    }
}

impl Scene {
    /// `mailbox_view`, as the window asks it (the password in the keychain: no session one).
    fn mailbox_view(&mut self) {
        self.ask("mailbox_view", json!({}), |db| mailbox::view(db, None));
    }

    /// Messages saved from webmail, read as the window's `mailbox_import` reads them (not recorded).
    fn mailbox_import(&self, name: &str, bytes: &[u8]) -> CheckReport {
        mailbox::import_bytes(
            &self.db,
            name,
            bytes,
            CheckOptions::default(),
            &mut |_, _| true,
        )
        .expect("the saved message is read")
    }

    /// The recording as it is: times come from the clock set for it.
    fn into_recorded(self) -> Value {
        Value::Array(self.exchanges)
    }
}

pub(super) fn mailbox_scenes(scenes: &mut Map<String, Value>) {
    let _now = clock::set(NOW.parse().unwrap());
    keychain::fresh(true);

    // No mailbox set up yet.
    let mut s = Scene::sample();
    s.mailbox_view();
    scenes.insert("mailboxEmpty".into(), s.into_recorded());

    // Three messages read from files, then decided and undone from the view.
    let mut s = Scene::sample();
    account::save(
        &s.db,
        &from(&account_input("127.0.0.1", 993, "tls", BRANCH)),
    )
    .expect("the mailbox is saved");
    account::keep_password(&s.db, "imap-secret").expect("the keychain keeps the password");
    let (ana, ben, carmen) = (
        person(&s, "ana.alvarez"),
        person(&s, "ben.brooks"),
        person(&s, "carmen.cruz"),
    );
    let ben_bounced = filled(&s.db, "postfix-5.1.1.eml", ben, "ben.brooks@example.org");
    let ana_leaves = filled(&s.db, "unsubscribe-en.eml", ana, "ana.alvarez@example.org");
    let carmen_unclear = filled(&s.db, "unclear.eml", carmen, "carmen.cruz@example.org");
    for (name, bytes, done) in [
        (
            "Undelivered Mail Returned to Sender.eml",
            &ben_bounced,
            "bounced",
        ),
        (
            "Re Rally at City Hall on Saturday.eml",
            &ana_leaves,
            "unsubscribed",
        ),
        (
            "RE Rally at City Hall on Saturday.eml",
            &carmen_unclear,
            "needs you",
        ),
    ] {
        let report = s.mailbox_import(name, bytes);
        assert!(
            report.lines.len() == 1 && report.lines[0].starts_with(done),
            "{name}: {report:?}"
        );
    }
    let entry = |s: &Scene, action: &str| -> i64 {
        let view = mailbox::view(&s.db, None).unwrap();
        view.done
            .iter()
            .chain(&view.needs_you)
            .find(|e| serde_json::to_value(e.action).unwrap() == json!(action))
            .map(|e| e.id)
            .unwrap_or_else(|| panic!("an entry {action}"))
    };
    let (unclear, unsubscribed) = (entry(&s, "needs_you"), entry(&s, "unsubscribed"));
    s.mailbox_view();
    s.ask("mailbox_message", json!({ "id": unclear }), |db| {
        mailbox::message(db, unclear)
    });
    s.change(
        "mailbox_resolve",
        json!({ "id": unclear, "resolution": "leave_alone" }),
        |db| mailbox::resolve(db, unclear, Resolution::LeaveAlone),
    );
    s.mailbox_view();
    s.change("mailbox_undo", json!({ "id": unsubscribed }), |db| {
        mailbox::undo(db, unsubscribed, "undone in the Mailbox view")
    });
    s.mailbox_view();
    scenes.insert("mailbox".into(), steady_tokens(s));

    // Check mailbox, for real: four messages on a Dovecot on this machine.
    let server = Dovecot::start();
    let mut s = Scene::sample();
    account::save(
        &s.db,
        &from(&account_input(
            "127.0.0.1",
            server.port,
            "plain",
            &server.user,
        )),
    )
    .expect("the mailbox is saved");
    account::keep_password(&s.db, &server.password).expect("the keychain keeps the password");
    let (ana, ben, carmen) = (
        person(&s, "ana.alvarez"),
        person(&s, "ben.brooks"),
        person(&s, "carmen.cruz"),
    );
    for (name, id, email) in [
        ("postfix-5.1.1.eml", ben, "ben.brooks@example.org"),
        ("unsubscribe-es.eml", carmen, "carmen.cruz@example.org"),
        ("vacation.eml", ana, "ana.alvarez@example.org"),
        ("ordinary.eml", ana, "ana.alvarez@example.org"),
    ] {
        server.append("INBOX", &filled(&s.db, name, id, email));
    }
    s.mailbox_view();
    // As the window's mailbox_check: progress as it reads, the report as
    // `mailbox-checked`, then the answer.
    let mut events = Vec::new();
    let report = mailbox::check(&s.db, None, CheckOptions::default(), &mut |done, total| {
        events.push(
            json!({ "event": "mailbox-progress", "payload": { "done": done, "total": total } }),
        );
        true
    });
    let checked = report.as_ref().expect("the check runs through");
    assert_eq!(checked.read, 4, "{checked:?}");
    events.push(json!({ "event": "mailbox-checked", "payload": checked }));
    s.record("mailbox_check", json!({ "dryRun": false }), true, report);
    s.exchanges.last_mut().unwrap()["events"] = Value::Array(events);
    s.mailbox_view();
    let mut recorded = steady_tokens(s);
    steady_port(&mut recorded, server.port);
    scenes.insert("mailboxCheck".into(), recorded);
}
