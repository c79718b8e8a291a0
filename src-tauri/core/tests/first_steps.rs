//! A new branch's first steps (issue 23): the Events screen offers the first
//! event, the mailing list and the mail account, and each is done once the
//! branch holds what it makes — read from a real branch file.

use handbill_core::branch::status::{self, FirstSteps};
use handbill_core::events::{self, EventInput};
use handbill_core::mail::announcements::{account, Security, SmtpAccount};
use handbill_core::mail::lists;
use handbill_core::mail::subscribers::{self, SubscriberInput};
use handbill_core::Database;

#[test]
fn each_first_step_is_done_once_the_branch_holds_what_it_makes() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("branch.sqlite")).unwrap();
    let none = FirstSteps {
        event: false,
        people: false,
        mail_account: false,
        hidden: false,
        offered: true,
    };
    assert_eq!(
        status::first_steps(&db).unwrap(),
        none,
        "a new file has done none"
    );
    assert!(!none.all_done());

    let event = events::create(
        &db,
        EventInput {
            title: "Study group".into(),
            start_date: "2027-01-14".into(),
            start_time: "19:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let steps = status::first_steps(&db).unwrap();
    assert!(steps.event, "a draft counts as the first event");
    assert!(!steps.people && !steps.mail_account);

    // A list alone is not a mailing list: someone must be on it.
    let list = lists::create(&db, "Members").unwrap();
    assert!(
        !status::first_steps(&db).unwrap().people,
        "an empty list is not the step done"
    );
    subscribers::add(
        &db,
        SubscriberInput {
            email: "ana@example.org".into(),
            first_name: "Ana".into(),
            ..Default::default()
        },
        Some(list.id),
        "test",
    )
    .unwrap();
    assert!(
        status::first_steps(&db).unwrap().people,
        "someone on a list"
    );

    account::save(
        &db,
        &SmtpAccount {
            host: "127.0.0.1".into(),
            port: 2525,
            security: Security::Plain,
            username: String::new(),
            rate_per_minute: 0,
            daily_cap: 0,
        },
    )
    .unwrap();
    let all = status::first_steps(&db).unwrap();
    assert!(all.all_done() && !all.offered, "all three: {all:?}");

    // A step undone is offered again: the event deleted, the account removed.
    events::delete(&db, event.id).unwrap();
    account::remove(&db).unwrap();
    let steps = status::first_steps(&db).unwrap();
    assert_eq!(
        steps,
        FirstSteps {
            event: false,
            people: true,
            mail_account: false,
            hidden: false,
            offered: true,
        }
    );
}

#[test]
fn hidden_first_steps_stay_hidden_in_the_branch_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.sqlite");
    let db = Database::open(&path).unwrap();
    // No branch yet: nothing to hide them on, and nothing changes.
    let refused = status::hide_first_steps(&db).unwrap_err();
    assert!(
        refused.message.contains("Create the branch first"),
        "{}",
        refused.message
    );
    assert!(status::first_steps(&db).unwrap().offered);

    handbill_core::branch::set_field(&db, "name", "Somerville Branch").unwrap();
    let hidden = status::hide_first_steps(&db).unwrap();
    assert!(hidden.hidden && !hidden.offered, "{hidden:?}");
    drop(db);
    let again = Database::open(&path).unwrap();
    let steps = status::first_steps(&again).unwrap();
    assert!(steps.hidden, "hidden after the file is opened again");
    assert!(
        !steps.event && !steps.people,
        "hiding does not tick any step off"
    );
}
