//! Where a password typed in Settings → Mail account goes
//! (`account::keep_password`, the window's `mail_account_password`): into the
//! keychain when there is one, else held for the session only, and what the
//! account's view then says. The keychain is the tests' stand-in
//! (support/keychain.rs), switched on or off.

use std::path::Path;

use handbill_core::mail::announcements::account::{self, PasswordHome};
use handbill_core::mail::announcements::{Password, Security, SmtpAccount};
use handbill_core::{Database, ErrorCode};

#[path = "support/keychain.rs"]
mod keychain;

fn provider() -> SmtpAccount {
    SmtpAccount {
        host: "smtp.example.org".into(),
        port: 587,
        security: Security::StartTls,
        username: "boston".into(),
        rate_per_minute: 60,
        daily_cap: 500,
    }
}

fn with_account() -> Database {
    let db = Database::open_in_memory().unwrap();
    account::save(&db, &provider()).expect("the account is saved");
    db
}

#[test]
fn with_a_keychain_the_password_is_kept_there_and_nothing_is_held_for_the_session() {
    keychain::fresh(true);
    let db = with_account();
    let path = Path::new("/tmp/branch.sqlite");
    assert_eq!(
        account::view(&db, path, None).unwrap().password,
        PasswordHome::Missing,
        "no password before one is typed"
    );
    let held = account::keep_password(&db, "s3cret").expect("the password is kept");
    assert!(
        held.is_none(),
        "nothing is held for the session: the keychain has it"
    );
    let view = account::view(&db, path, None).unwrap();
    assert_eq!(
        view.password,
        PasswordHome::Keychain,
        "the view says where it is"
    );
    assert!(view.keychain, "a keychain answered");
    assert_eq!(
        account::load_password(&provider()).unwrap(),
        Some(Password::new("s3cret")),
        "the keychain gives it back under the account's name"
    );
}

#[test]
fn with_no_keychain_the_password_is_held_for_the_session_and_asked_again_next_time() {
    keychain::fresh(false);
    let db = with_account();
    let path = Path::new("/tmp/branch.sqlite");
    let before = account::view(&db, path, None).unwrap();
    assert_eq!(
        (before.password, before.keychain),
        (PasswordHome::Missing, false),
        "no keychain answered, so the password is asked for"
    );
    let held = account::keep_password(&db, "s3cret").expect("no keychain is not an error");
    assert_eq!(
        held,
        Some(Password::new("s3cret")),
        "the password comes back for the session to hold"
    );
    let view = account::view(&db, path, held.as_ref()).unwrap();
    assert_eq!(
        (view.password, view.keychain),
        (PasswordHome::Session, false),
        "held for this session only"
    );
    assert_eq!(
        account::view(&db, path, None).unwrap().password,
        PasswordHome::Missing,
        "the next session has none until it is typed again"
    );
}

#[test]
fn an_empty_password_or_one_for_no_account_is_refused_by_its_field() {
    keychain::fresh(true);
    let db = with_account();
    let e = account::keep_password(&db, "").unwrap_err();
    assert_eq!(e.code, ErrorCode::Invalid, "{e:?}");
    assert_eq!(e.fields[0].field, "password", "named by its field: {e:?}");

    let empty = Database::open_in_memory().unwrap();
    let e = account::keep_password(&empty, "s3cret").unwrap_err();
    assert_eq!(
        e.fields[0].field, "host",
        "the server is saved first: {e:?}"
    );
}
