//! The formats of an encrypted branch's pages: 8 KiB pages in AES-256-CTR
//! authenticated with GMAC for files made now (Handbill's page cipher reads
//! that format where the key derivation is named PBKDF2-HMAC-SHA1); for
//! files made by an earlier Handbill, 8 KiB CTR pages with HMAC-SHA256
//! (December 2026, named by PBKDF2-HMAC-SHA256), SQLCipher's own CBC with 4 KiB pages
//! and HMAC-SHA256 (early December 2026), 16 KiB pages with HMAC-SHA256
//! (November 2026) or with HMAC-SHA512, SQLCipher 4's default (the first
//! encrypted branches). Files are
//! read here with SQLCipher directly, as another program would, to pin the
//! format; an earlier Handbill's file is made the way it made them, and must
//! open, take writes, back up, restore and decrypt without changing its
//! format.

use std::fs;
use std::num::NonZeroU32;
use std::path::Path;

use handbill_core::db::backup::{self, BackupKind};
use handbill_core::db::encryption;
use handbill_core::db::keys;
use handbill_core::{demo, Database};
use rusqlite::{Connection, OpenFlags};

#[path = "support/sqlcipher_export.rs"]
mod sqlcipher_export;

const PASSPHRASE: &str = "march against the raids";

/// The raw key an organizer's passphrase gives for a file's salt (as
/// Handbill derives it: PBKDF2-HMAC-SHA256, 256,000 rounds), as SQLCipher's
/// key spec `x'<key><salt>'`.
fn spec(passphrase: &str, salt: &[u8]) -> String {
    let mut key = [0u8; 32];
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        NonZeroU32::new(256_000).unwrap(),
        salt,
        passphrase.as_bytes(),
        &mut key,
    );
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    format!("x'{}{}'", hex(&key), hex(salt))
}

fn salt_of(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap()[..16].to_vec()
}

/// The key derivation that names CTR pages with GMAC to Handbill's page cipher.
const GMAC: &str = "PBKDF2_HMAC_SHA1";
/// The key derivation that names CTR pages with HMAC to Handbill's page cipher.
const CTR: &str = "PBKDF2_HMAC_SHA256";
/// SQLCipher's default key derivation: CBC pages.
const CBC: &str = "PBKDF2_HMAC_SHA512";

/// A read-only connection to the file, keyed with SQLCipher directly: the
/// key, the page size, `hmac` and the key derivation `kdf` (which names the
/// block mode).
fn keyed(path: &Path, spec: &str, page: u32, hmac: &str, kdf: &str) -> Connection {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA cipher_log_level = NONE; PRAGMA key = \"{spec}\"; PRAGMA cipher_page_size = {page}; \
         PRAGMA cipher_hmac_algorithm = {hmac}; PRAGMA cipher_kdf_algorithm = {kdf};"
    ))
    .unwrap();
    conn
}

/// Whether SQLCipher, keyed as [`keyed`] says, reads the file's schema.
fn reads_with(path: &Path, spec: &str, page: u32, hmac: &str, kdf: &str) -> bool {
    keyed(path, spec, page, hmac, kdf)
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
            r.get::<_, i64>(0)
        })
        .is_ok()
}

fn count(db: &Database, sql: &str) -> i64 {
    db.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_new_branch_has_8_kib_ctr_pages_authenticated_with_gmac() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.sqlite");
    keys::choose(&path, PASSPHRASE).unwrap();
    {
        let db = Database::open(&path).unwrap();
        demo::load(&db).unwrap();
        let cipher: String = db
            .conn()
            .query_row("PRAGMA cipher", [], |r| r.get(0))
            .unwrap();
        assert_eq!(cipher, "aes-256-ctr");
    }
    let branch_spec = spec(PASSPHRASE, &salt_of(&path));
    assert!(reads_with(&path, &branch_spec, 8192, "HMAC_SHA256", GMAC));
    assert!(
        !reads_with(&path, &branch_spec, 8192, "HMAC_SHA256", CTR),
        "its pages are not authenticated with HMAC-SHA256"
    );
    assert!(
        !reads_with(&path, &branch_spec, 8192, "HMAC_SHA256", CBC),
        "its pages are not SQLCipher's CBC"
    );
    assert!(
        !reads_with(&path, &branch_spec, 16384, "HMAC_SHA256", GMAC),
        "its pages are not the 16 KiB of a plain file"
    );
    assert!(
        !reads_with(&path, &branch_spec, 4096, "HMAC_SHA256", GMAC),
        "its pages are not SQLCipher's 4 KiB"
    );
    // Its backups keep the format: the pages of a copy (its seal, a few
    // bytes after the last page, cut off) read as the branch's do.
    let db = Database::open(&path).unwrap();
    let copy = backup::snapshot(&db, BackupKind::Manual).unwrap();
    let checked = backup::check_source(Path::new(&copy.path)).expect("its backup is whole");
    assert!(checked.schema_version > 0);
    let mut bytes = fs::read(&copy.path).unwrap();
    assert_ne!(bytes.len() % 8192, 0, "the copy carries its seal");
    bytes.truncate(bytes.len() - bytes.len() % 8192);
    let pages = dir.path().join("pages.sqlite");
    fs::write(&pages, &bytes).unwrap();
    assert!(reads_with(&pages, &branch_spec, 8192, "HMAC_SHA256", GMAC));
    assert!(!reads_with(&pages, &branch_spec, 8192, "HMAC_SHA256", CTR));
    assert!(!reads_with(
        &pages,
        &branch_spec,
        16384,
        "HMAC_SHA256",
        GMAC
    ));

    // One changed byte in a page: its tag no longer checks, and the page is
    // refused (not read as other content).
    let mut bytes = fs::read(&pages).unwrap();
    bytes[8192 + 100] ^= 0x01;
    let changed = dir.path().join("changed.sqlite");
    fs::write(&changed, &bytes).unwrap();
    let conn = keyed(&changed, &branch_spec, 8192, "HMAC_SHA256", GMAC);
    let check: Result<Vec<String>, _> = conn
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect());
    assert!(
        check
            .as_ref()
            .map_or(true, |rows| rows != &["ok".to_owned()]),
        "a changed page passed: {check:?}"
    );
}

#[test]
fn a_branch_encrypted_by_an_earlier_handbill_opens_takes_writes_and_keeps_its_format() {
    // SQLCipher's CBC: 16 KiB pages with its default HMAC (the first
    // encrypted branches), then with HMAC-SHA256 (November 2026), then
    // 4 KiB pages with HMAC-SHA256 (early December 2026); then 8 KiB CTR
    // pages with HMAC-SHA256 (December 2026).
    for (page, hmac, other, kdf, salt) in [
        (16384, "HMAC_SHA512", "HMAC_SHA256", CBC, 0x5a),
        (16384, "HMAC_SHA256", "HMAC_SHA512", CBC, 0x5b),
        (4096, "HMAC_SHA256", "HMAC_SHA512", CBC, 0x5c),
        (8192, "HMAC_SHA256", "HMAC_SHA512", CTR, 0x5d),
    ] {
        earlier_format_round_trip(page, hmac, other, kdf, [salt; 16]);
    }
}

/// `salt`: each format's own, as this process remembers keys by salt.
/// `kdf`: the key derivation that names its block mode.
fn earlier_format_round_trip(page: u32, hmac: &str, other: &str, kdf: &str, salt: [u8; 16]) {
    let dir = tempfile::tempdir().unwrap();
    // The sample, in a plain file, written into a file encrypted as an
    // earlier Handbill did: a passphrase's key, `page`-byte pages in the
    // mode `kdf` names, `hmac`.
    // (A new file opened without asking `keys::access` is plain.)
    let plain = dir.path().join("plain.sqlite");
    {
        let db = Database::open(&plain).unwrap();
        demo::load(&db).unwrap();
    }
    let path = dir.path().join("earlier.sqlite");
    let earlier_spec = spec(PASSPHRASE, &salt);
    let other_page = if page == 4096 { 16384 } else { 4096 };
    sqlcipher_export::export_encrypted(
        &plain,
        &path,
        &earlier_spec,
        &format!(
            "PRAGMA cipher_default_page_size = {page}; PRAGMA cipher_default_hmac_algorithm = {hmac}; \
             PRAGMA cipher_default_kdf_algorithm = {kdf};"
        ),
    );
    assert!(reads_with(&path, &earlier_spec, page, hmac, kdf));
    assert!(!reads_with(&path, &earlier_spec, page, other, kdf));
    assert!(!reads_with(&path, &earlier_spec, other_page, hmac, kdf));
    for wrong in [CBC, CTR, GMAC].into_iter().filter(|k| *k != kdf) {
        assert!(
            !reads_with(&path, &earlier_spec, page, hmac, wrong),
            "{kdf} read as {wrong}"
        );
    }

    // A wrong passphrase is still refused, under either HMAC.
    assert!(keys::unlock(&path, "not the passphrase at all").is_err());
    keys::unlock(&path, PASSPHRASE).expect("its passphrase opens it");
    let events;
    {
        let db = Database::open(&path).expect("it opens");
        assert!(db.is_encrypted());
        events = count(&db, "SELECT count(*) FROM event");
        assert!(events > 5, "the sample's events are there: {events}");
        db.conn()
            .execute("UPDATE branch SET city = 'Worcester, MA' WHERE id = 1", [])
            .unwrap();
        backup::snapshot(&db, BackupKind::Manual).unwrap();
    }
    assert!(
        reads_with(&path, &earlier_spec, page, hmac, kdf),
        "written to and closed, the file keeps its format"
    );
    let copy = backup::list(&path).unwrap().remove(0);
    assert!(
        backup::check_source(Path::new(&copy.path)).is_ok(),
        "its backup is whole"
    );

    // A restore from its backups folder, then decrypting, keep every row.
    {
        let db = Database::open(&path).unwrap();
        db.conn()
            .execute(
                "DELETE FROM event WHERE id = (SELECT min(id) FROM event)",
                [],
            )
            .unwrap();
        let db = backup::restore(db, Path::new(&copy.path))
            .expect("its backup restores")
            .0;
        assert_eq!(count(&db, "SELECT count(*) FROM event"), events);
        let city: String = db
            .conn()
            .query_row("SELECT city FROM branch WHERE id = 1", [], |r| r.get(0))
            .unwrap();
        assert_eq!(city, "Worcester, MA");
        let db = encryption::decrypt(db).expect("it decrypts").0;
        assert!(!db.is_encrypted());
        assert_eq!(count(&db, "SELECT count(*) FROM event"), events);
    }
}
