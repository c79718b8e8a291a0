//! The formats of an encrypted branch's pages: 4 KiB pages authenticated
//! with HMAC-SHA256 for files made now; 16 KiB pages with HMAC-SHA256
//! (November 2026) or with HMAC-SHA512, SQLCipher 4's default (the first
//! encrypted branches), for files made by an earlier Handbill. Files are
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

/// Whether SQLCipher, given the key, the page size and `hmac`, reads the file's schema.
fn reads_with(path: &Path, spec: &str, page: u32, hmac: &str) -> bool {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA cipher_log_level = NONE; PRAGMA key = \"{spec}\"; PRAGMA cipher_page_size = {page}; \
         PRAGMA cipher_hmac_algorithm = {hmac};"
    ))
    .unwrap();
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    })
    .is_ok()
}

fn count(db: &Database, sql: &str) -> i64 {
    db.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_new_branch_has_4_kib_pages_authenticated_with_hmac_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.sqlite");
    keys::choose(&path, PASSPHRASE).unwrap();
    {
        let db = Database::open(&path).unwrap();
        demo::load(&db).unwrap();
    }
    let branch_spec = spec(PASSPHRASE, &salt_of(&path));
    assert!(reads_with(&path, &branch_spec, 4096, "HMAC_SHA256"));
    assert!(
        !reads_with(&path, &branch_spec, 4096, "HMAC_SHA512"),
        "its pages do not carry SQLCipher's default HMAC"
    );
    assert!(
        !reads_with(&path, &branch_spec, 16384, "HMAC_SHA256"),
        "its pages are not the 16 KiB of a plain file"
    );
    // Its backups keep the format: the pages of a copy (its seal, a few
    // bytes after the last page, cut off) read as the branch's do.
    let db = Database::open(&path).unwrap();
    let copy = backup::snapshot(&db, BackupKind::Manual).unwrap();
    let checked = backup::check_source(Path::new(&copy.path)).expect("its backup is whole");
    assert!(checked.schema_version > 0);
    let mut bytes = fs::read(&copy.path).unwrap();
    assert_ne!(bytes.len() % 4096, 0, "the copy carries its seal");
    bytes.truncate(bytes.len() - bytes.len() % 4096);
    let pages = dir.path().join("pages.sqlite");
    fs::write(&pages, &bytes).unwrap();
    assert!(reads_with(&pages, &branch_spec, 4096, "HMAC_SHA256"));
    assert!(!reads_with(&pages, &branch_spec, 16384, "HMAC_SHA256"));
}

#[test]
fn a_branch_encrypted_by_an_earlier_handbill_opens_takes_writes_and_keeps_its_format() {
    // 16 KiB pages with SQLCipher's default HMAC (the first encrypted
    // branches), then with HMAC-SHA256 (November 2026).
    for (hmac, other) in [
        ("HMAC_SHA512", "HMAC_SHA256"),
        ("HMAC_SHA256", "HMAC_SHA512"),
    ] {
        earlier_format_round_trip(hmac, other);
    }
}

fn earlier_format_round_trip(hmac: &str, other: &str) {
    let dir = tempfile::tempdir().unwrap();
    // The sample, in a plain file, written into a file encrypted as an
    // earlier Handbill did: a passphrase's key, 16 KiB pages, `hmac`.
    // (A new file opened without asking `keys::access` is plain.)
    let plain = dir.path().join("plain.sqlite");
    {
        let db = Database::open(&plain).unwrap();
        demo::load(&db).unwrap();
    }
    let path = dir.path().join("earlier.sqlite");
    // A salt of each format's own: this process remembers keys by salt.
    let salt = if hmac == "HMAC_SHA512" {
        [0x5au8; 16]
    } else {
        [0x5bu8; 16]
    };
    let earlier_spec = spec(PASSPHRASE, &salt);
    sqlcipher_export::export_encrypted(
        &plain,
        &path,
        &earlier_spec,
        &format!("PRAGMA cipher_default_page_size = 16384; PRAGMA cipher_default_hmac_algorithm = {hmac};"),
    );
    assert!(reads_with(&path, &earlier_spec, 16384, hmac));
    assert!(!reads_with(&path, &earlier_spec, 16384, other));
    assert!(!reads_with(&path, &earlier_spec, 4096, hmac));

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
        reads_with(&path, &earlier_spec, 16384, hmac),
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
