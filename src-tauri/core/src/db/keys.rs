//! The branch database's key. A branch file is encrypted with SQLCipher (its
//! pages, its WAL, the copies in its backups folder) under a raw 256-bit key
//! and the file's own 16-byte salt, which SQLCipher keeps as the file's first
//! bytes. The salt names the branch: the key is kept in the OS keychain under
//! it, and a file whose salt is another one was encrypted for another branch.
//! Where there is no keychain, the key is derived from a passphrase the
//! organizer chooses (PBKDF2-HMAC-SHA256, salted with the file's salt); a
//! wrong one is refused with nothing changed, and each wrong try makes the
//! next wait longer (never a lock-out).
//!
//! Keys a process has unlocked are held in memory by salt, so every
//! connection to the branch and to its copies (a backup, a restore's scratch
//! file) opens with the same key without asking twice. A raw key skips
//! SQLCipher's own key derivation, so opening costs no more than reading.
//!
//! Who creates a new file decides whether it is encrypted ([`access`], which
//! the window and the command line call before opening); a file created
//! without that choice (by the core's own tests) is plain.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use ts_rs::TS;

use super::storage;
use crate::error::{Error, ErrorCode, Result};

/// The keychain service the branch keys are kept under (one entry per
/// branch, named by its salt).
pub const KEYCHAIN_SERVICE: &str = "org.handbill.database";
/// The shortest passphrase accepted, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 8;
/// PBKDF2-HMAC-SHA256 rounds from a passphrase to the key: SQLCipher 4's own
/// count. 600,000 (OWASP's 2023 figure) cost 111 ms of CPU at each opening
/// in a release build (with ring), over the 100 ms opening may add; 256,000
/// cost about 47 with ring, 28 with RustCrypto's `pbkdf2`, 22 with
/// `handbill_cipher::passphrase_key` (600,000 would now cost about 52, and a
/// quarter of the subscriber import's whole budget for encryption).
const PASSPHRASE_ROUNDS: u32 = 256_000;
/// SQLCipher's page size for encrypted files made now: 8 KiB (a plain
/// branch file gets 16 KiB, see `storage::configure`). Every commit writes
/// whole pages to the log, each one encrypted and authenticated: a send to
/// 10,000 people commits about 3,500 times, and with 16 KiB pages it
/// encrypted 56 MB where 4 KiB pages encrypt a quarter; but every page is
/// also a frame in the log, an entry in the page cache and a write. With
/// CTR pages (December 2026), a send took the same time with 4 or 8 KiB
/// pages and longer with 16 KiB; an import of 100,000 people took 463 ms
/// with 4 KiB pages, 438 with 8 KiB, 440 with 16 KiB (medians of 9).
/// Files made before keep their page size (see [`Format`]).
pub(crate) const PAGE_SIZE: u32 = 8192;
/// The smallest page an encrypted file Handbill opens has (SQLCipher's
/// default, and the size of the files it made in early December 2026), for
/// checks of a file's length.
pub(crate) const SMALLEST_PAGE_SIZE: u32 = 4096;
/// The page size of files encrypted by a Handbill before December 2026.
const EARLIER_PAGE_SIZE: u32 = 16384;

const SALT_LEN: usize = 16;
const KEY_LEN: usize = 32;
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// A branch's key: 32 random bytes (or derived from its passphrase), the
/// file's salt, and the format of its pages. Never printed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Key {
    key: [u8; KEY_LEN],
    salt: [u8; SALT_LEN],
    format: Format,
}

/// How an encrypted file's pages are laid out: their size, their HMAC and
/// their block mode. SQLCipher does not say in the file (everything after
/// the salt is encrypted), so it is found when a key is first tried on the
/// file ([`opens`]), and its copies (backups, WAL) use the same.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Format {
    page: u32,
    hmac: Hmac,
    mode: Mode,
}

impl Format {
    /// Files made now: 8 KiB pages in AES-256-CTR, authenticated with GMAC
    /// (in the 32 bytes of an HMAC-SHA256).
    const NOW: Format = Format {
        page: PAGE_SIZE,
        hmac: Hmac::Sha256,
        mode: Mode::CtrGmac,
    };
    /// Every format a Handbill made, the newest first: 8 KiB CTR pages with
    /// GMAC (from 6 December 2026) or with HMAC-SHA256 (December 2026);
    /// then CBC, SQLCipher's own mode, with 4 KiB pages and
    /// HMAC-SHA256 (early December 2026), 16 KiB pages with HMAC-SHA256
    /// (November 2026) or with SQLCipher's default HMAC-SHA512 (the first
    /// encrypted branches). The last, 4 KiB with HMAC-SHA512, is
    /// SQLCipher's own default, for a file made by another program with a
    /// key Handbill holds.
    const ALL: [Format; 6] = [
        Format::NOW,
        Format {
            page: PAGE_SIZE,
            hmac: Hmac::Sha256,
            mode: Mode::Ctr,
        },
        Format {
            page: SMALLEST_PAGE_SIZE,
            hmac: Hmac::Sha256,
            mode: Mode::Cbc,
        },
        Format {
            page: EARLIER_PAGE_SIZE,
            hmac: Hmac::Sha256,
            mode: Mode::Cbc,
        },
        Format {
            page: EARLIER_PAGE_SIZE,
            hmac: Hmac::Sha512,
            mode: Mode::Cbc,
        },
        Format {
            page: SMALLEST_PAGE_SIZE,
            hmac: Hmac::Sha512,
            mode: Mode::Cbc,
        },
    ];

    /// The pragmas that key a connection's main database in this format
    /// (`prefix` "" for its own settings, "default_" for the next attached
    /// file's).
    fn pragmas(self, prefix: &str) -> String {
        format!(
            "PRAGMA cipher_{prefix}page_size = {}; PRAGMA cipher_{prefix}hmac_algorithm = {}; \
             PRAGMA cipher_{prefix}kdf_algorithm = {};",
            self.page,
            self.hmac.pragma(),
            self.mode.kdf_pragma()
        )
    }
}

/// The HMAC that authenticates each encrypted page. Files made since
/// November 2026 use HMAC-SHA256, which processors compute in hardware
/// (SHA extensions): HMAC-SHA512 of each page written was a fifth of the
/// cost of encryption. Files made before keep SQLCipher 4's default,
/// HMAC-SHA512.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Hmac {
    Sha256,
    Sha512,
}

impl Hmac {
    /// The value of SQLCipher's `cipher_hmac_algorithm` pragmas.
    fn pragma(self) -> &'static str {
        match self {
            Hmac::Sha256 => "HMAC_SHA256",
            Hmac::Sha512 => "HMAC_SHA512",
        }
    }
}

/// How each page is encrypted and authenticated (see the `handbill-cipher`
/// crate): AES-256 in CTR mode with GMAC in the HMAC's place (files made
/// since 6 December 2026: GMAC is computed about five times as fast as
/// HMAC-SHA256), in CTR mode with the HMAC (December 2026: a page's blocks
/// are encrypted in parallel, where CBC chains them), or in CBC mode with
/// the HMAC (SQLCipher's own, files made before).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    CtrGmac,
    Ctr,
    Cbc,
}

impl Mode {
    /// The value of SQLCipher's `cipher_kdf_algorithm` pragmas that names
    /// this mode to Handbill's page cipher: PBKDF2-HMAC-SHA1 for CTR with
    /// GMAC (a name only: the derivation is PBKDF2-HMAC-SHA256's),
    /// PBKDF2-HMAC-SHA256 for CTR with the HMAC, SQLCipher's default
    /// PBKDF2-HMAC-SHA512 for CBC. (With a raw key the derivation only makes
    /// each page's HMAC or GMAC key, in two rounds.)
    fn kdf_pragma(self) -> &'static str {
        match self {
            Mode::CtrGmac => "PBKDF2_HMAC_SHA1",
            Mode::Ctr => "PBKDF2_HMAC_SHA256",
            Mode::Cbc => "PBKDF2_HMAC_SHA512",
        }
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(hidden)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::internal("The system's random source gave no bytes for a key."))?;
    Ok(bytes)
}

impl Key {
    fn random() -> Result<Key> {
        Ok(Key {
            key: random()?,
            salt: random()?,
            format: Format::NOW,
        })
    }

    fn from_passphrase(passphrase: &str, salt: [u8; SALT_LEN]) -> Key {
        let mut key = [0u8; KEY_LEN];
        handbill_cipher::passphrase_key(passphrase.as_bytes(), &salt, PASSPHRASE_ROUNDS, &mut key);
        Key {
            key,
            salt,
            format: Format::NOW,
        }
    }

    /// The same key for a file whose pages are laid out as `format` says.
    fn with_format(self, format: Format) -> Key {
        Key { format, ..self }
    }

    /// The size of the pages of the file this key opens.
    pub(crate) fn page_size(&self) -> u32 {
        self.format.page
    }

    /// SQLCipher's raw key with its salt: `x'<key><salt>'`.
    pub(crate) fn spec(&self) -> String {
        format!("x'{}{}'", hex(&self.key), hex(&self.salt))
    }

    /// Keys a freshly opened connection: the first thing done on it.
    pub(crate) fn apply(&self, conn: &Connection) -> Result<()> {
        super::cipher::install();
        // SQLCipher would print a wrong key's failed page checks on stderr.
        conn.execute_batch(&format!(
            "PRAGMA cipher_log_level = NONE; PRAGMA key = \"{}\"; {}",
            self.spec(),
            self.format.pragmas("")
        ))?;
        Ok(())
    }
}

/// Makes SQLCipher read and write the file attached next with `key`'s page
/// size, HMAC and block mode (a new file's for a plain one): an attached file has no
/// `PRAGMA key` of its own to set them, and SQLCipher's defaults (4 KiB,
/// HMAC-SHA512) do not read a file made otherwise. (These defaults are SQLCipher's for the whole
/// process; every keyed connection sets its own in [`Key::apply`].)
pub(crate) fn before_attach(conn: &Connection, key: Option<&Key>) -> Result<()> {
    super::cipher::install();
    let format = key.map_or(Format::NOW, |k| k.format);
    conn.execute_batch(&format.pragmas("default_"))?;
    Ok(())
}

/// The page size of a new file locked with `key` (plain when `None`).
pub(crate) fn page_size_for(key: Option<&Key>) -> u32 {
    key.map_or(storage::PLAIN_PAGE_SIZE, Key::page_size)
}

/// Keys `conn` with `key`, or leaves it plain.
pub(crate) fn apply(conn: &Connection, key: Option<&Key>) -> Result<()> {
    match key {
        Some(key) => key.apply(conn),
        None => Ok(()),
    }
}

/// What a file's first bytes say about how it is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// No file yet, or an empty one.
    Absent,
    /// Read without a key: an SQLite file, or something that is no database
    /// at all (the checks of the header then say what).
    Plain,
    /// An SQLCipher file: random bytes from its first byte on, a whole
    /// number of pages long (a sealed backup has its seal after them).
    Encrypted([u8; SALT_LEN]),
}

/// Tells how the file of `len` bytes that starts with `start` is locked.
pub(crate) fn lock_of_bytes(start: &[u8], len: u64) -> Lock {
    if start.is_empty() {
        return Lock::Absent;
    }
    if start.len() < SALT_LEN || start.starts_with(SQLITE_MAGIC) {
        return Lock::Plain;
    }
    let tail = len % 512;
    if len < 512 || (tail != 0 && tail != crate::db::seal::SEAL_LEN % 512) {
        return Lock::Plain;
    }
    let mut salt = [0u8; SALT_LEN];
    salt.copy_from_slice(&start[..SALT_LEN]);
    Lock::Encrypted(salt)
}

/// How the file at `path` is locked (read from its first bytes, without SQLite).
pub fn lock_of(path: &Path) -> Result<Lock> {
    // A pipe or a device is never opened here (reading a pipe waits for a
    // writer for good): the checks of the file say what it is.
    match fs::metadata(path) {
        Err(_) => return Ok(Lock::Absent),
        Ok(m) if !m.is_file() => return Ok(Lock::Plain),
        Ok(_) => {}
    }
    let Ok(file) = fs::File::open(path) else {
        return Ok(Lock::Absent);
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut start = Vec::with_capacity(SALT_LEN);
    file.take(SALT_LEN as u64)
        .read_to_end(&mut start)
        .map_err(|e| Error::storage(format!("Cannot read {}: {e}", path.display())))?;
    Ok(lock_of_bytes(&start, len))
}

/// Whether the file at `path` is encrypted.
pub fn is_encrypted(path: &Path) -> Result<bool> {
    Ok(matches!(lock_of(path)?, Lock::Encrypted(_)))
}

#[derive(Default)]
struct Held {
    /// Keys unlocked in this process, by salt.
    known: HashMap<[u8; SALT_LEN], Key>,
    /// How each file about to be created is to be locked (`None`: plain).
    new_files: HashMap<PathBuf, Option<Key>>,
}

static HELD: LazyLock<Mutex<Held>> = LazyLock::new(Mutex::default);
static PLAIN_ASKED: AtomicBool = AtomicBool::new(false);

fn held() -> std::sync::MutexGuard<'static, Held> {
    HELD.lock().unwrap_or_else(|p| p.into_inner())
}

fn remember(key: &Key) {
    held().known.insert(key.salt, *key);
}

fn known(salt: [u8; SALT_LEN]) -> Option<Key> {
    held().known.get(&salt).copied()
}

/// The key to open the file at `path` with: none for a plain file; for an
/// encrypted one, the key this process unlocked for its salt, else an error
/// saying no key here opens it (a file of another branch, or one whose key
/// was never given). For a file not yet made, the choice registered for it.
pub(crate) fn key_for(path: &Path) -> Result<Option<Key>> {
    match lock_of(path)? {
        Lock::Plain => Ok(None),
        Lock::Absent => Ok(held().new_files.get(path).copied().flatten()),
        Lock::Encrypted(salt) => known(salt).map(Some).ok_or_else(|| not_ours(path)),
    }
}

/// The key for a file that must be this branch's: plain, or encrypted with
/// `branch`'s own key. A file encrypted for another branch is refused.
pub(crate) fn key_for_copy(path: &Path, branch: Option<&Key>) -> Result<Option<Key>> {
    match (lock_of(path)?, branch) {
        (Lock::Encrypted(salt), Some(key)) if salt == key.salt => Ok(Some(*key)),
        (Lock::Encrypted(_), _) => Err(not_ours(path)),
        _ => Ok(None),
    }
}

fn not_ours(path: &Path) -> Error {
    Error::new(
        ErrorCode::NotADatabase,
        format!(
            "{} is encrypted with a key this branch does not have: it belongs to another branch, \
             or it is not a Handbill database at all. Nothing was changed.",
            path.display()
        ),
    )
}

fn keychain_key_refused(path: &Path) -> Error {
    Error::new(
        ErrorCode::Damaged,
        format!(
            "{} is encrypted, and the key this computer's keychain keeps for it does not open it: the file was \
             damaged or replaced, or the keychain entry was changed. Nothing was changed, and no passphrase \
             opens it. The copies in its backups folder use the same key: if only this file was damaged, they \
             still open.",
            path.display()
        ),
    )
}

/// Asks for new files to be plain (`--no-encrypt`); `HANDBILL_ENCRYPT=0` does the same.
pub fn ask_plain() {
    PLAIN_ASKED.store(true, Ordering::Relaxed);
}

/// Whether new files are to be plain: `--no-encrypt` or `HANDBILL_ENCRYPT=0`.
pub fn plain_asked() -> bool {
    PLAIN_ASKED.load(Ordering::Relaxed)
        || std::env::var("HANDBILL_ENCRYPT")
            .is_ok_and(|v| matches!(v.trim(), "0" | "no" | "false" | "off"))
}

/// The passphrase given in `HANDBILL_PASSPHRASE`, if any.
pub fn passphrase_from_env() -> Option<String> {
    std::env::var("HANDBILL_PASSPHRASE")
        .ok()
        .filter(|p| !p.is_empty())
}

fn keychain_entry(salt: &[u8; SALT_LEN]) -> keyring::Result<keyring::Entry> {
    keyring::Entry::new(KEYCHAIN_SERVICE, &format!("branch-{}", hex(salt)))
}

/// The key the keychain holds for `salt`; none when there is no keychain
/// or nothing in it for this branch.
fn from_keychain(salt: [u8; SALT_LEN]) -> Option<Key> {
    let stored = keychain_entry(&salt).ok()?.get_password().ok()?;
    let bytes = unhex(&stored)?;
    let key: [u8; KEY_LEN] = bytes.try_into().ok()?;
    Some(Key {
        key,
        salt,
        format: Format::NOW,
    })
}

/// Puts a new random key in the keychain; `None` when there is no keychain
/// (or it refused).
fn new_keychain_key() -> Option<Key> {
    let key = Key::random().ok()?;
    let entry = keychain_entry(&key.salt).ok()?;
    entry.set_password(&hex(&key.key)).ok()?;
    // Read back: some keychains accept a write they cannot keep.
    (from_keychain(key.salt) == Some(key)).then_some(key)
}

/// Whether this computer has a keychain Handbill can keep a key in.
pub fn keychain_available() -> bool {
    let Ok(entry) = keyring::Entry::new(KEYCHAIN_SERVICE, "probe") else {
        return false;
    };
    matches!(entry.get_password(), Ok(_) | Err(keyring::Error::NoEntry))
}

/// What opening the branch at a path needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// It can be opened now (plain, its key is in the keychain or was given).
    Ready,
    /// It is encrypted with a passphrase: type it to open.
    Passphrase,
    /// There is no file yet and no keychain: choose a passphrase to create it.
    NewPassphrase,
}

/// Finds what opening the branch at `path` needs, unlocking it when it can:
/// a plain file opens as it is; an encrypted one with its key from the
/// keychain or `HANDBILL_PASSPHRASE`. A new file is encrypted with a new key
/// kept in the keychain, or with `HANDBILL_PASSPHRASE`, or is plain when
/// [`plain_asked`]; otherwise a passphrase must be chosen first.
pub fn access(path: &Path) -> Result<Access> {
    match lock_of(path)? {
        Lock::Plain => Ok(Access::Ready),
        Lock::Encrypted(salt) => {
            if known(salt).is_some() {
                return Ok(Access::Ready);
            }
            let kept = from_keychain(salt);
            if let Some(key) = kept.and_then(|key| opens(path, &key)) {
                remember(&key);
                return Ok(Access::Ready);
            }
            match passphrase_from_env() {
                Some(passphrase) => unlock(path, &passphrase).map(|()| Access::Ready),
                // The keychain keeps a key for this very file (its salt names
                // it) and that key fails: it was encrypted with that key, not
                // with a passphrase, so asking for one would only mislead.
                None if kept.is_some() => Err(keychain_key_refused(path)),
                None => Ok(Access::Passphrase),
            }
        }
        Lock::Absent => {
            if plain_asked() {
                held().new_files.insert(path.to_path_buf(), None);
                return Ok(Access::Ready);
            }
            if let Some(passphrase) = passphrase_from_env() {
                return choose(path, &passphrase).map(|()| Access::Ready);
            }
            match new_keychain_key() {
                Some(key) => {
                    remember(&key);
                    held().new_files.insert(path.to_path_buf(), Some(key));
                    Ok(Access::Ready)
                }
                None => Ok(Access::NewPassphrase),
            }
        }
    }
}

/// What a branch that could not be opened waits for: its passphrase (an
/// encrypted file whose key this process does not hold), or a passphrase to
/// be chosen (no file yet, and no decision how to create it). `None` when it
/// waits for neither (it failed for another reason).
pub fn waiting(path: &Path) -> Option<Access> {
    match lock_of(path).ok()? {
        // Not when the keychain keeps a key for it that failed: no passphrase opens that file.
        Lock::Encrypted(salt) if known(salt).is_none() && from_keychain(salt).is_none() => {
            Some(Access::Passphrase)
        }
        Lock::Absent if !held().new_files.contains_key(path) => Some(Access::NewPassphrase),
        _ => None,
    }
}

/// The key, with the format of the file's pages, when `key` opens the file
/// at `path` (read only; nothing is written): tried as files are made now,
/// then as an earlier Handbill made them (see [`Format::ALL`]).
fn opens(path: &Path, key: &Key) -> Option<Key> {
    Format::ALL
        .into_iter()
        .map(|format| key.with_format(format))
        .find(|key| {
            let Ok(conn) = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            ) else {
                return false;
            };
            key.apply(&conn).is_ok()
                && conn
                    .query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
                        r.get::<_, i64>(0)
                    })
                    .is_ok()
        })
}

/// The file beside `path` that counts wrong passphrases since the last right one.
fn attempts_file(path: &Path) -> PathBuf {
    super::beside(path, ".wrong-passphrases")
}

fn wrong_tries(path: &Path) -> u32 {
    fs::read_to_string(attempts_file(path))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// How long a try waits after `wrong` wrong passphrases: nothing after none,
/// then a quarter second doubling with each, at most 30 seconds.
pub fn delay_after(wrong: u32) -> Duration {
    if wrong == 0 {
        return Duration::ZERO;
    }
    Duration::from_millis(250u64.saturating_mul(1 << (wrong - 1).min(10)))
        .min(Duration::from_secs(30))
}

/// How long the next try to unlock `path` will wait.
pub fn next_delay(path: &Path) -> Duration {
    delay_after(wrong_tries(path))
}

/// Unlocks the encrypted file at `path` with its passphrase, after waiting
/// out the delay earned by earlier wrong ones. A wrong one is refused, with
/// nothing changed but the count of wrong tries.
pub fn unlock(path: &Path, passphrase: &str) -> Result<()> {
    let Lock::Encrypted(salt) = lock_of(path)? else {
        return Ok(());
    };
    let wrong = wrong_tries(path);
    std::thread::sleep(delay_after(wrong));
    if let Some(key) = opens(path, &Key::from_passphrase(passphrase, salt)) {
        let _ = fs::remove_file(attempts_file(path));
        remember(&key);
        return Ok(());
    }
    let _ = fs::write(attempts_file(path), format!("{}\n", wrong + 1));
    Err(Error::invalid_field(
        "passphrase",
        format!(
            "That passphrase does not open {}. Nothing was changed. Type it again, exactly as it was chosen \
             (the next try waits {} s; wrong tries never lock you out).",
            path.display(),
            delay_after(wrong + 1).as_secs_f32()
        ),
    ))
}

/// Refuses a new passphrase shorter than [`MIN_PASSPHRASE_CHARS`].
pub fn check_new_passphrase(passphrase: &str) -> Result<()> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::invalid_field(
            "passphrase",
            format!("Choose a passphrase of at least {MIN_PASSPHRASE_CHARS} characters (a few words are easiest to remember)."),
        ));
    }
    Ok(())
}

/// Chooses the passphrase a new branch at `path` is encrypted with.
pub fn choose(path: &Path, passphrase: &str) -> Result<()> {
    check_new_passphrase(passphrase)?;
    if lock_of(path)? != Lock::Absent {
        return Err(Error::new(
            ErrorCode::Invalid,
            format!(
                "{} already exists; its passphrase cannot be chosen again.",
                path.display()
            ),
        ));
    }
    let key = Key::from_passphrase(passphrase, random()?);
    remember(&key);
    held().new_files.insert(path.to_path_buf(), Some(key));
    Ok(())
}

/// How a branch being encrypted gets its key.
#[derive(Debug, Clone)]
pub enum NewKey {
    /// A random key kept in the keychain.
    Keychain,
    /// A key from a passphrase the organizer chose.
    Passphrase(String),
}

/// A new key made as `how` says.
pub(crate) fn make_key(how: &NewKey) -> Result<Key> {
    match how {
        NewKey::Keychain => new_keychain_key().ok_or_else(|| {
            Error::storage(
                "There is no keychain on this computer to keep the key in. Choose a passphrase instead.",
            )
        }),
        NewKey::Passphrase(passphrase) => {
            check_new_passphrase(passphrase)?;
            let key = Key::from_passphrase(passphrase, random()?);
            Ok(key)
        }
    }
    .inspect(remember)
}

/// Writes the main database of `conn` (its tables, indexes, triggers and
/// views, its application id and schema version) into a new file at
/// `target`, encrypted with `key` or plain: SQLCipher's `sqlcipher_export`,
/// the one way between a plain and an encrypted file.
pub(crate) fn export_to(conn: &Connection, target: &Path, key: Option<&Key>) -> Result<()> {
    export_between(conn, "main", target, key)
}

/// [`export_to`] from the database `from` of `conn` (`main` or an attached one).
pub(crate) fn export_between(
    conn: &Connection,
    from: &str,
    target: &Path,
    key: Option<&Key>,
) -> Result<()> {
    let named = target.display().to_string();
    let spec = key.map(Key::spec).unwrap_or_default();
    before_attach(conn, key)?;
    conn.execute(
        "ATTACH DATABASE ?1 AS converted KEY ?2",
        [target.to_string_lossy().into_owned(), spec],
    )
    .map_err(|e| Error::storage(format!("Cannot create {named}: {e}")))?;
    let result = (|| -> Result<()> {
        let page_size = page_size_for(key);
        conn.execute_batch(&format!("PRAGMA converted.page_size = {page_size};"))?;
        conn.query_row("SELECT sqlcipher_export('converted', ?1)", [from], |_| {
            Ok(())
        })?;
        let schema = Some(from);
        let app_id: i64 = conn.pragma_query_value(schema, "application_id", |r| r.get(0))?;
        let version: i64 = conn.pragma_query_value(schema, "user_version", |r| r.get(0))?;
        conn.execute_batch(&format!(
            "PRAGMA converted.application_id = {app_id}; PRAGMA converted.user_version = {version};"
        ))?;
        Ok(())
    })();
    let detached = conn.execute_batch("DETACH DATABASE converted");
    result?;
    detached?;
    Ok(())
}

/// How the branch is kept, for Settings → Privacy and `handbill privacy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Privacy {
    /// Whether the database (its WAL and backups too) is encrypted.
    pub encrypted: bool,
    /// Whether its key is kept in the keychain (else it opens with a passphrase).
    pub in_keychain: bool,
    /// Whether this computer has a keychain to keep a new key in.
    pub keychain_available: bool,
}

/// How the branch at `path` is kept.
pub fn privacy(path: &Path) -> Result<Privacy> {
    let lock = lock_of(path)?;
    Ok(Privacy {
        encrypted: matches!(lock, Lock::Encrypted(_)),
        in_keychain: matches!(lock, Lock::Encrypted(salt) if from_keychain(salt).is_some()),
        keychain_available: keychain_available(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_grows_and_stops_at_thirty_seconds() {
        assert_eq!(delay_after(0), Duration::ZERO);
        assert_eq!(delay_after(1), Duration::from_millis(250));
        assert_eq!(delay_after(5), Duration::from_secs(4));
        assert_eq!(delay_after(40), Duration::from_secs(30));
    }

    #[test]
    fn a_plain_header_and_random_bytes_are_told_apart() {
        let mut plain = SQLITE_MAGIC.to_vec();
        plain.resize(4096, 0);
        assert_eq!(lock_of_bytes(&plain[..16], 4096), Lock::Plain);
        let random = [7u8; 16];
        assert_eq!(lock_of_bytes(&random, 16384), Lock::Encrypted(random));
        assert_eq!(lock_of_bytes(&random, 16384 + 88), Lock::Encrypted(random));
        assert_eq!(lock_of_bytes(b"hello, this is text", 19), Lock::Plain);
        assert_eq!(lock_of_bytes(&[], 0), Lock::Absent);
    }

    #[test]
    fn the_key_spec_is_hex_of_key_and_salt() {
        let key = Key::from_passphrase("correct horse battery", [1; 16]);
        let spec = key.spec();
        assert!(spec.starts_with("x'") && spec.ends_with("01010101'"));
        assert_eq!(spec.len(), 2 + 64 + 32 + 1);
        assert_eq!(format!("{key:?}"), "Key(hidden)");
    }
}
