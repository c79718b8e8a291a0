//! The branch's key on the command line: unlocking an encrypted branch before
//! any command opens it (its key from the keychain, else `HANDBILL_PASSPHRASE`,
//! else a prompt without echo when there is a terminal, else a refusal: the
//! command line never waits for an answer no one can give), choosing how a
//! new branch is encrypted, and `handbill encrypt` / `decrypt`, the same core
//! functions as Settings → Privacy.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use handbill_core::db::encryption;
use handbill_core::db::keys::{self, Access, Lock, NewKey};
use handbill_core::db::storage;
use handbill_core::{Error, ErrorCode};

use super::open;

fn terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn read_secret(prompt: &str) -> Result<String, Error> {
    rpassword::prompt_password(prompt)
        .map_err(|e| Error::storage(format!("Cannot read the passphrase from the terminal: {e}")))
}

/// A new passphrase typed twice on the terminal, after saying it cannot be recovered.
fn new_passphrase(path: &Path) -> Result<String, Error> {
    eprintln!(
        "handbill: choose a passphrase for {}. Handbill keeps no copy of it: if it is lost, \
         the branch cannot be opened again by anyone. At least {} characters; a few words are easiest.",
        path.display(),
        keys::MIN_PASSPHRASE_CHARS
    );
    super::ask::typed_twice(
        "New passphrase: ",
        keys::check_new_passphrase,
        "Nothing was created",
    )
}

/// Makes the branch at `path` ready to open: unlocks it, or decides how a
/// new one is encrypted. Says on stderr when a new branch will be plain.
/// A passphrase is asked on the terminal only when `ask`: `send due`, run by
/// the computer's timer, never waits for an answer, even on a terminal.
pub fn prepare(path: &Path, ask: bool) -> Result<(), Error> {
    let terminal = || ask && terminal();
    let new = keys::lock_of(path)? == Lock::Absent;
    match keys::access(path)? {
        Access::Ready => {
            if new && keys::plain_asked() {
                eprintln!(
                    "handbill: {} is created unencrypted (HANDBILL_ENCRYPT=0 or --no-encrypt): \
                     anyone who gets the file can read it.",
                    path.display()
                );
            }
            Ok(())
        }
        Access::Passphrase if terminal() => {
            let wait = keys::next_delay(path);
            if !wait.is_zero() {
                eprintln!(
                    "handbill: after earlier wrong passphrases, this try waits {:.1} s.",
                    wait.as_secs_f32()
                );
            }
            let passphrase = read_secret(&format!("Passphrase for {}: ", path.display()))?;
            keys::unlock(path, &passphrase)
        }
        Access::Passphrase => Err(Error::new(
            ErrorCode::Invalid,
            format!(
                "{} is encrypted with a passphrase and there is no terminal to type it on. \
                 Give it in HANDBILL_PASSPHRASE. Nothing was changed.",
                path.display()
            ),
        )),
        Access::NewPassphrase if terminal() => keys::choose(path, &new_passphrase(path)?),
        Access::NewPassphrase => Err(Error::new(
            ErrorCode::Invalid,
            format!(
                "{} does not exist yet, and this computer has no keychain to keep its key in. \
                 Choose a passphrase in HANDBILL_PASSPHRASE (it cannot be recovered if lost), \
                 or make an unencrypted branch with HANDBILL_ENCRYPT=0 or --no-encrypt. Nothing was created.",
                path.display()
            ),
        )),
    }
}

/// `handbill encrypt`: a copy first, then the branch and its backups encrypted.
pub fn encrypt(db: Option<PathBuf>) -> Result<String, Error> {
    let db = open(db)?;
    let how = if let Some(passphrase) = keys::passphrase_from_env() {
        NewKey::Passphrase(passphrase)
    } else if keys::keychain_available() {
        NewKey::Keychain
    } else if terminal() {
        NewKey::Passphrase(new_passphrase(db.path())?)
    } else {
        return Err(Error::new(
            ErrorCode::Invalid,
            "This computer has no keychain to keep the key in and there is no terminal to choose a passphrase on. \
             Give one in HANDBILL_PASSPHRASE (it cannot be recovered if lost). Nothing was changed.",
        ));
    };
    let kept_where = match how {
        NewKey::Keychain => "its key is kept in this computer's keychain",
        NewKey::Passphrase(_) => {
            "it opens with the passphrase you chose, which cannot be recovered"
        }
    };
    let (db, kept) = encryption::encrypt(db, &how)?;
    Ok(format!(
        "Encrypted {} and its {} backups; {kept_where}. The copy taken first is {} (encrypted too).",
        db.path().display(),
        handbill_core::db::backup::list(db.path())?.len(),
        kept.path
    ))
}

/// `handbill decrypt`: a copy first, then the branch and its backups as plain files.
pub fn decrypt(db: Option<PathBuf>) -> Result<String, Error> {
    let path = storage::resolve_path(db)?;
    let db = handbill_core::Database::open(&path)?;
    let (db, kept) = encryption::decrypt(db)?;
    Ok(format!(
        "Decrypted {} and its backups: they are now plain files anyone who gets them can read. \
         The copy taken first is {}.",
        db.path().display(),
        kept.path
    ))
}
