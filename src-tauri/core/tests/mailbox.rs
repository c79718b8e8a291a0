//! The branch's mailbox, read for real: a throwaway Dovecot IMAP server on
//! loopback (`tests/imap/dovecot.py`), seeded with bounce reports in the
//! shapes real servers send (Postfix, Exim, Microsoft, Gmail, qmail, a
//! `text/rfc822-headers` one, temporary failures), an ARF complaint,
//! unsubscribe replies in English and Spanish, mail to an unsubscribe
//! address, a reply that quotes other subscribers' addresses, vacation
//! replies, an unclear reply and ordinary mail — each tied to its person by
//! the branch's real signed tokens. After `mailbox::check` every person's
//! standing, ledger and the mailbox's folders are as the rules say; a second
//! check changes nothing; a forged token ties nobody; three soft bounces in
//! 30 days mark a person bounced; an undo is ledgered; a stopped check
//! resumes; a saved `.mbox` is read once.

use std::path::Path;

use handbill_core::branch::{self, BranchInput};
use handbill_core::mail::announcements::keys::{self, Purpose};
use handbill_core::mail::announcements::{Password, Security};
use handbill_core::mail::lists;
use handbill_core::mail::mailbox::{self, account, Action, CheckOptions, ImapAccount};
use handbill_core::mail::subscribers::{self, ConsentStatus, SubscriberInput};
use handbill_core::Database;

#[path = "support/dovecot.rs"]
mod dovecot;
use dovecot::Dovecot;

const PEOPLE: usize = 20;

struct Branch {
    _dir: tempfile::TempDir,
    db: Database,
    lists: [i64; 2],
    ids: Vec<i64>,
}

fn branch() -> Branch {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("branch.sqlite")).unwrap();
    branch::save(
        &db,
        BranchInput {
            name: "ISO Boston".into(),
            contact_email: "boston@handbill.test".into(),
            time_zone: "America/New_York".into(),
            languages: vec!["en".into(), "es".into()],
            ..BranchInput::new_branch()
        },
    )
    .unwrap();
    let a = lists::create(&db, "Announcements").unwrap().id;
    let b = lists::create(&db, "Study group").unwrap().id;
    let mut ids = Vec::new();
    for i in 1..=PEOPLE {
        let s = subscribers::add(
            &db,
            SubscriberInput {
                email: format!("person{i:02}@example.test"),
                first_name: format!("P{i}"),
                ..Default::default()
            },
            Some(a),
            "test",
        )
        .unwrap();
        subscribers::set_status(&db, s.subscriber.id, b, ConsentStatus::Subscribed, "test")
            .unwrap();
        ids.push(s.subscriber.id);
    }
    Branch {
        _dir: dir,
        db,
        lists: [a, b],
        ids,
    }
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mailbox")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fixture with its %%…%% marks filled for person `n` (1-based) on the first list.
fn filled(b: &Branch, name: &str, n: usize) -> Vec<u8> {
    let keys = keys::load(&b.db).unwrap();
    let id = b.ids[n - 1];
    let list = b.lists[0];
    fixture(name)
        .replace(
            "%%BOUNCE%%",
            &format!(
                "boston+{}@handbill.test",
                keys.token_for(Purpose::Bounce, list, id)
            ),
        )
        .replace(
            "%%UNSUB%%",
            &format!(
                "boston+{}@handbill.test",
                keys.token_for(Purpose::Unsubscribe, list, id)
            ),
        )
        .replace("%%RCPT%%", &format!("person{n:02}@example.test"))
        .replace("%%BRANCH%%", "boston@handbill.test")
        .replace(
            "%%MSGID%%",
            &format!("a1.s{id}.0a0b0c0d0e0f.1234@handbill.test"),
        )
        .into_bytes()
}

/// The message with its (first) Message-ID replaced, so one shape can arrive twice.
fn with_message_id(raw: &[u8], id: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw).into_owned();
    let mut out = Vec::new();
    let mut replaced = false;
    for line in text.split_inclusive('\n') {
        if !replaced && line.to_ascii_lowercase().starts_with("message-id:") {
            out.extend_from_slice(format!("Message-ID: <{id}>\r\n").as_bytes());
            replaced = true;
        } else {
            out.extend_from_slice(line.as_bytes());
        }
    }
    if !replaced {
        let mut head = format!("Message-ID: <{id}>\r\n").into_bytes();
        head.extend_from_slice(&out);
        return head;
    }
    out
}

fn standing(b: &Branch, n: usize) -> Vec<ConsentStatus> {
    let d = subscribers::detail(&b.db, b.ids[n - 1]).unwrap();
    let mut by_list: Vec<(i64, ConsentStatus)> = d
        .memberships
        .iter()
        .map(|m| (m.list_id, m.status))
        .collect();
    by_list.sort_by_key(|(list, _)| *list);
    by_list.into_iter().map(|(_, s)| s).collect()
}

fn ledger_len(b: &Branch) -> usize {
    (1..=PEOPLE)
        .map(|n| {
            subscribers::ledger(&b.db, &format!("person{n:02}@example.test"))
                .unwrap()
                .len()
        })
        .sum()
}

fn connect(b: &Branch, server: &Dovecot) -> Password {
    account::save(
        &b.db,
        &ImapAccount {
            host: "127.0.0.1".into(),
            port: server.port,
            security: Security::Plain,
            username: server.user.clone(),
            folder: "INBOX".into(),
            handled_folder: "Handbill/Handled".into(),
        },
    )
    .unwrap();
    Password::new(server.password.clone())
}

const SEEDED: [(&str, usize); 17] = [
    ("postfix-5.1.1.eml", 1),
    ("exim-5.x.eml", 2),
    ("microsoft-5.1.10.eml", 3),
    ("gmail-5.1.1.eml", 4),
    ("rfc822-headers-5.2.1.eml", 5),
    ("qmail-plain.eml", 6),
    ("postfix-delayed-4.4.1.eml", 7),
    ("mailbox-full-4.2.2.eml", 8),
    ("arf-complaint.eml", 9),
    ("unsubscribe-en.eml", 10),
    ("unsubscribe-es.eml", 11),
    ("to-unsubscribe-address.eml", 12),
    ("reply-quoting-others.eml", 13),
    ("vacation.eml", 14),
    ("vacation-es.eml", 15),
    ("unclear.eml", 16),
    ("ordinary.eml", 17),
];

fn seed(b: &Branch, server: &Dovecot) {
    for (name, n) in SEEDED {
        server.append("INBOX", &filled(b, name, n));
    }
}

fn check(b: &Branch, password: &Password, dry_run: bool) -> mailbox::CheckReport {
    mailbox::check(
        &b.db,
        Some(password),
        CheckOptions {
            dry_run,
            limit: None,
        },
        &mut |_, _| true,
    )
    .unwrap()
}

/// Proves each shape of message is read and acted on as the rules say, tied
/// to its person by the signed token alone, filed in Handbill/Handled (the
/// rest left in the inbox, nothing deleted), with the evidence in the ledger;
/// and that a dry run and a second check change nothing.
#[test]
fn check_reads_every_shape_and_acts_once() {
    let b = branch();
    let server = Dovecot::start();
    let password = connect(&b, &server);
    seed(&b, &server);
    assert_eq!(server.count("INBOX"), SEEDED.len());

    let dry = check(&b, &password, true);
    assert_eq!(dry.read as usize, SEEDED.len());
    assert_eq!(dry.bounced, 6, "{dry:#?}");
    assert!((1..=PEOPLE)
        .all(|n| standing(&b, n) == vec![ConsentStatus::Subscribed, ConsentStatus::Subscribed]));
    assert_eq!(
        server.count("INBOX"),
        SEEDED.len(),
        "a dry run files nothing"
    );

    let before = ledger_len(&b);
    let report = check(&b, &password, false);
    assert_eq!(report.read as usize, SEEDED.len(), "{report:#?}");
    let off = |s| vec![s, s];
    let on = vec![ConsentStatus::Subscribed, ConsentStatus::Subscribed];
    for n in 1..=6 {
        assert_eq!(
            standing(&b, n),
            off(ConsentStatus::Bounced),
            "{} marks person {n} bounced on every list: {report:#?}",
            SEEDED[n - 1].0
        );
    }
    for n in [7, 8] {
        assert_eq!(standing(&b, n), on, "one temporary failure is only counted");
    }
    assert_eq!(standing(&b, 9), off(ConsentStatus::Complained));
    for n in [10, 11, 12] {
        assert_eq!(
            standing(&b, n),
            off(ConsentStatus::Unsubscribed),
            "{}",
            SEEDED[n - 1].0
        );
    }
    for n in 13..=PEOPLE {
        assert_eq!(
            standing(&b, n),
            on,
            "person {n} is left alone (quoted, auto-reply, unclear, ordinary, or not written to)"
        );
    }
    assert_eq!(report.bounced, 6);
    assert_eq!(report.soft_bounces, 2);
    assert_eq!(report.complained, 1);
    assert_eq!(report.unsubscribed, 3);
    assert_eq!(report.auto_replies, 2);
    assert_eq!(
        report.needs_you, 1,
        "the unclear reply waits for the coordinator"
    );

    // The evidence: kind, Message-ID and date of the message, in the ledger.
    let ledger = subscribers::ledger(&b.db, "person01@example.test").unwrap();
    let last = ledger.last().unwrap();
    assert_eq!(last.status, "bounced");
    assert!(last.source.contains("Mailbox"), "{last:?}");
    assert!(
        last.evidence.contains("Bounce report <") && last.evidence.contains("5.1.1"),
        "{last:?}"
    );

    // Filed: every message acted on (and the auto-replies stay in the inbox, as does what needs the coordinator).
    let handled = server.count("Handbill/Handled");
    let acted = 6 + 2 + 1 + 3;
    assert_eq!(handled, acted, "{report:#?}");
    assert_eq!(
        server.count("INBOX") + handled,
        SEEDED.len(),
        "nothing deleted"
    );

    let view = mailbox::view(&b.db, Some(&password)).unwrap();
    assert_eq!(view.needs_you.len(), 1);
    assert!(view.needs_you[0].person.contains("person16"));
    assert!(view.done.iter().any(|e| e.action == Action::Complained));
    let message = mailbox::message(&b.db, view.done[0].id).unwrap();
    assert!(!message.text.is_empty() && !message.headers.is_empty());

    // A second check changes nothing.
    let after = ledger_len(&b);
    assert!(after > before);
    let again = check(&b, &password, false);
    assert_eq!(again.read, 0, "{again:#?}");
    assert_eq!(ledger_len(&b), after);
    assert_eq!(server.count("Handbill/Handled"), handled);
}

/// Proves a report whose token does not verify (its signature altered, or
/// made for another branch) ties nobody: it waits for the coordinator and
/// nobody's standing changes.
#[test]
fn a_forged_token_ties_nobody() {
    let b = branch();
    let other = branch();
    let server = Dovecot::start();
    let password = connect(&b, &server);
    let real = String::from_utf8(filled(&b, "postfix-5.1.1.eml", 1)).unwrap();
    let keys = keys::load(&b.db).unwrap();
    let token = keys.token_for(Purpose::Bounce, b.lists[0], b.ids[0]);
    let tag = token.rsplit('-').next().unwrap().to_owned();
    let flipped: String = tag
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 0 {
                if c == 'a' {
                    'b'
                } else {
                    'a'
                }
            } else {
                c
            }
        })
        .collect();
    let forged = real.replace(&tag, &flipped);
    server.append(
        "INBOX",
        &with_message_id(forged.as_bytes(), "forged-1@mx.test"),
    );
    // The same shape, signed with another branch's key.
    server.append(
        "INBOX",
        &with_message_id(
            &filled(&other, "postfix-5.1.1.eml", 2),
            "other-branch@mx.test",
        ),
    );
    let report = check(&b, &password, false);
    assert_eq!(report.needs_you, 2, "{report:#?}");
    assert_eq!(report.bounced, 0);
    assert!((1..=PEOPLE)
        .all(|n| standing(&b, n) == vec![ConsentStatus::Subscribed, ConsentStatus::Subscribed]));
}

/// Proves three temporary failures within 30 days mark a person bounced,
/// and that the coordinator's undo puts them back on every list, with the
/// ledger saying so; a second undo is refused.
#[test]
fn three_soft_bounces_bounce_and_an_undo_is_ledgered() {
    let b = branch();
    let server = Dovecot::start();
    let password = connect(&b, &server);
    let soft = filled(&b, "mailbox-full-4.2.2.eml", 3);
    for i in 1..=2 {
        server.append(
            "INBOX",
            &with_message_id(&soft, &format!("soft-{i}@mx.test")),
        );
    }
    check(&b, &password, false);
    assert_eq!(
        standing(&b, 3),
        vec![ConsentStatus::Subscribed, ConsentStatus::Subscribed]
    );
    server.append("INBOX", &with_message_id(&soft, "soft-3@mx.test"));
    let report = check(&b, &password, false);
    assert_eq!(report.bounced, 1, "{report:#?}");
    assert_eq!(
        standing(&b, 3),
        vec![ConsentStatus::Bounced, ConsentStatus::Bounced]
    );

    let view = mailbox::view(&b.db, Some(&password)).unwrap();
    let bounced = view
        .done
        .iter()
        .find(|e| e.action == Action::Bounced)
        .unwrap();
    mailbox::undo(&b.db, bounced.id, "the test says it was wrong").unwrap();
    assert_eq!(
        standing(&b, 3),
        vec![ConsentStatus::Subscribed, ConsentStatus::Subscribed]
    );
    let ledger = subscribers::ledger(&b.db, "person03@example.test").unwrap();
    let last = ledger.last().unwrap();
    assert_eq!(last.status, "subscribed");
    assert!(last.evidence.contains("undid"), "{last:?}");
    assert!(mailbox::undo(&b.db, bounced.id, "again").is_err());
    assert!(subscribers::suppression(&b.db, "person03@example.test")
        .unwrap()
        .is_none());
}

/// Proves a check stopped after its first page resumes where it stopped,
/// reading every message once, with progress reported page by page.
#[test]
fn a_stopped_check_resumes() {
    let b = branch();
    let server = Dovecot::start();
    let password = connect(&b, &server);
    let ordinary = filled(&b, "ordinary.eml", 17);
    let bounce = filled(&b, "postfix-5.1.1.eml", 1);
    let total = mailbox::PAGE + 30;
    for i in 0..total {
        let raw = if i == total - 1 { &bounce } else { &ordinary };
        server.append("INBOX", &with_message_id(raw, &format!("m{i}@mx.test")));
    }
    let mut seen = Vec::new();
    let first = mailbox::check(
        &b.db,
        Some(&password),
        CheckOptions::default(),
        &mut |done, total| {
            seen.push((done, total));
            done == 0
        },
    )
    .unwrap();
    assert_eq!(first.read as usize, mailbox::PAGE);
    assert_eq!(first.remaining, 30);
    assert_eq!(seen.first(), Some(&(0, total as u32)));
    assert_eq!(seen.last(), Some(&(mailbox::PAGE as u32, total as u32)));
    assert_eq!(standing(&b, 1)[0], ConsentStatus::Subscribed);

    let second = check(&b, &password, false);
    assert_eq!(second.read, 30, "{second:#?}");
    assert_eq!(second.bounced, 1);
    assert_eq!(standing(&b, 1)[0], ConsentStatus::Bounced);
}

/// Proves messages saved from webmail are read the same way: an `.mbox`
/// of two reports acts on both, and importing it again does nothing; a file
/// that holds no mail is refused, naming it.
#[test]
fn a_saved_mbox_is_read_once() {
    let b = branch();
    let dir = tempfile::tempdir().unwrap();
    let mut mbox = Vec::new();
    for (name, n) in [("gmail-5.1.1.eml", 4), ("arf-complaint.eml", 9)] {
        mbox.extend_from_slice(b"From MAILER-DAEMON Thu Dec  3 10:00:00 2026\n");
        let text = String::from_utf8(filled(&b, name, n)).unwrap();
        for line in text.lines() {
            if line.starts_with("From ") {
                mbox.push(b'>');
            }
            mbox.extend_from_slice(line.as_bytes());
            mbox.push(b'\n');
        }
        mbox.push(b'\n');
    }
    let path = dir.path().join("saved.mbox");
    std::fs::write(&path, &mbox).unwrap();
    let report =
        mailbox::import_file(&b.db, &path, CheckOptions::default(), &mut |_, _| true).unwrap();
    assert_eq!((report.bounced, report.complained), (1, 1), "{report:#?}");
    assert_eq!(standing(&b, 4)[1], ConsentStatus::Bounced);
    assert_eq!(standing(&b, 9)[1], ConsentStatus::Complained);
    let again =
        mailbox::import_file(&b.db, &path, CheckOptions::default(), &mut |_, _| true).unwrap();
    assert_eq!(again.already, 2, "{again:#?}");

    let junk = dir.path().join("photo.eml");
    std::fs::write(&junk, [0u8, 159, 146, 150, 1, 2, 3]).unwrap();
    let e =
        mailbox::import_file(&b.db, &junk, CheckOptions::default(), &mut |_, _| true).unwrap_err();
    assert!(e.message.contains("photo.eml"), "{}", e.message);
}

/// Proves a wrong password or a closed port is said plainly, naming the
/// step, and a plain connection to another machine is refused before
/// anything is sent.
#[test]
fn test_mailbox_says_what_failed() {
    let b = branch();
    let server = Dovecot::start();
    connect(&b, &server);
    let acct = account::get(&b.db).unwrap().unwrap();
    let ok = mailbox::test(&acct, &Password::new(server.password.clone()));
    assert!(ok.ok, "{}", ok.message);
    let wrong = mailbox::test(&acct, &Password::new("not it"));
    assert!(!wrong.ok);
    assert!(
        wrong.message.contains("refused the login"),
        "{}",
        wrong.message
    );
    let closed = ImapAccount {
        port: 1,
        ..acct.clone()
    };
    let r = mailbox::test(&closed, &Password::new("x"));
    assert!(
        !r.ok && r.message.contains("Nothing answers"),
        "{}",
        r.message
    );
    let remote = ImapAccount {
        host: "imap.example.org".into(),
        ..acct
    };
    let e = account::save(&b.db, &remote).unwrap_err();
    assert_eq!(e.fields[0].field, "imap_security");
}

/// Proves what the mailbox kept about a person (the message, its summary,
/// its sender) is part of their data on request, and erased when they are
/// forgotten: the Mailbox view then lists nothing of theirs.
#[test]
fn a_forgotten_person_leaves_nothing_in_the_mailbox() {
    let b = branch();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reply.eml");
    std::fs::write(&path, filled(&b, "unsubscribe-en.eml", 10)).unwrap();
    mailbox::import_file(&b.db, &path, CheckOptions::default(), &mut |_, _| true).unwrap();
    let record = handbill_core::mail::person::record(&b.db, "person10@example.test").unwrap();
    assert_eq!(record.mailbox_messages.len(), 1, "{record:#?}");
    assert!(record.text().contains("unsubscribe"));
    let report = handbill_core::mail::person::forget(
        &b.db,
        &handbill_core::mail::person::ForgetRequest {
            address: "person10@example.test".into(),
            requested_by: "their email".into(),
        },
    )
    .unwrap();
    assert_eq!(report.mailbox_messages, 1);
    let view = mailbox::view(&b.db, None).unwrap();
    assert!(
        view.done
            .iter()
            .all(|e| !e.person.contains("person10") && !e.sender.contains("person10")),
        "{view:#?}"
    );
    let kept: i64 =
        b.db.conn()
            .query_row("SELECT count(*) FROM mailbox_message", [], |r| r.get(0))
            .unwrap();
    assert_eq!(kept, 0);
}

/// Proves TLS is required as chosen: against a server whose certificate no
/// system root vouches for (Dovecot with a self-signed one), both TLS from
/// the first byte and STARTTLS are refused at the handshake, saying so, and
/// the password never reaches the server (its log shows no login).
#[test]
fn an_untrusted_certificate_is_refused_before_any_password() {
    let server = Dovecot::start_tls();
    let tls_port = server.tls_port.expect("the TLS port");
    for (security, port) in [(Security::Tls, tls_port), (Security::StartTls, server.port)] {
        let acct = ImapAccount {
            host: "localhost".into(),
            port,
            security,
            username: server.user.clone(),
            folder: "INBOX".into(),
            handled_folder: "Handbill/Handled".into(),
        };
        let report = mailbox::test(&acct, &Password::new(server.password.clone()));
        assert!(!report.ok, "{security:?}: {}", report.message);
        assert!(
            report.message.contains("TLS handshake") && report.message.contains("no password"),
            "{security:?}: {}",
            report.message
        );
    }
    let log = std::fs::read_to_string(server.dir.path().join("dovecot.log")).unwrap_or_default();
    assert!(
        !log.contains("Login: user=<branch>"),
        "nobody logged in over an untrusted connection:\n{log}"
    );
}
