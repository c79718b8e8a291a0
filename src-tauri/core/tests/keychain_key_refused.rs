//! A branch whose key the keychain keeps, but whose kept key does not open
//! it (the file damaged or replaced, the entry changed): opening it is
//! refused with words that say so, not met with a request for a passphrase
//! it never had, and the file is left as it was. The keychain is the tests'
//! stand-in (support/keychain.rs).

use std::fs;
use std::path::Path;

use handbill_core::db::keys::{self, Access, KEYCHAIN_SERVICE};
use handbill_core::ErrorCode;
use rusqlite::Connection;

#[path = "support/keychain.rs"]
mod keychain;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An SQLCipher file under a raw key and salt, made here (so this process
/// holds no key for it), with one table in it.
fn encrypted_file(path: &Path, key: &[u8; 32], salt: &[u8; 16]) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}{}'\"; PRAGMA cipher_page_size = 16384;
         CREATE TABLE note (text TEXT); INSERT INTO note VALUES ('Rally at City Hall');",
        hex(key),
        hex(salt)
    ))
    .unwrap();
}

fn keep_in_keychain(salt: &[u8; 16], key: &[u8; 32]) {
    keyring::Entry::new(KEYCHAIN_SERVICE, &format!("branch-{}", hex(salt)))
        .unwrap()
        .set_password(&hex(key))
        .unwrap();
}

#[test]
fn a_keychain_key_that_does_not_open_its_branch_is_refused_with_nothing_changed() {
    assert!(
        keys::passphrase_from_env().is_none(),
        "run without HANDBILL_PASSPHRASE: it would be tried instead"
    );
    keychain::fresh(true);
    let dir = tempfile::tempdir().unwrap();
    let salt = [7u8; 16];
    let right = [42u8; 32];

    // The control: the right key in the keychain opens the branch.
    let good = dir.path().join("good.sqlite");
    encrypted_file(&good, &right, &salt);
    assert!(keys::is_encrypted(&good).unwrap());
    let other_salt = [9u8; 16];
    let control = dir.path().join("control.sqlite");
    encrypted_file(&control, &right, &other_salt);
    keep_in_keychain(&other_salt, &right);
    assert_eq!(keys::access(&control).unwrap(), Access::Ready);

    // The keychain's entry for this file holds another key.
    keep_in_keychain(&salt, &[1u8; 32]);
    let before = fs::read(&good).unwrap();
    let err = keys::access(&good).expect_err("a key that does not open the file is refused");
    assert_eq!(err.code, ErrorCode::Damaged);
    assert!(
        err.message
            .contains("the key this computer's keychain keeps for it does not open it")
            && err.message.contains("Nothing was changed")
            && err.message.contains("no passphrase opens it"),
        "{}",
        err.message
    );
    assert!(err.message.contains("good.sqlite"), "{}", err.message);
    assert_eq!(fs::read(&good).unwrap(), before, "the file is untouched");
    // The window shows this error, not the passphrase page.
    assert_eq!(keys::waiting(&good), None);

    // A file the keychain keeps nothing for still asks for its passphrase.
    let unknown = dir.path().join("passphrase.sqlite");
    encrypted_file(&unknown, &right, &[3u8; 16]);
    assert_eq!(keys::access(&unknown).unwrap(), Access::Passphrase);
    assert_eq!(keys::waiting(&unknown), Some(Access::Passphrase));
}
