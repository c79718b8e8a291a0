//! Handbill's page cipher for SQLCipher (RustCrypto, db/cipher.rs) and
//! SQLCipher's own (OpenSSL) write the same CBC format: a branch written by
//! an earlier Handbill, whose SQLCipher used OpenSSL, opens and takes
//! writes, and what Handbill then writes into it reads back with OpenSSL.
//! Both directions in one process: SQLCipher's provider is switched back
//! with its public C API. A branch made now has CTR pages, Handbill's own
//! (see the `handbill-cipher` crate), which OpenSSL's provider cannot read.

use std::ffi::c_void;

use handbill_core::db::keys;
use handbill_core::{demo, Database};
use rusqlite::Connection;

extern "C" {
    fn sqlcipher_get_provider() -> *mut c_void;
    fn sqlcipher_register_provider(p: *mut c_void) -> i32;
}

#[path = "support/sqlcipher_export.rs"]
mod sqlcipher_export;

const PASSPHRASE: &str = "the people united";

fn provider_of(conn: &Connection) -> String {
    conn.query_row("PRAGMA cipher_provider", [], |r| r.get(0))
        .unwrap()
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn pages_written_by_either_cipher_read_with_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.sqlite");
    {
        let db = Database::open(&plain).unwrap();
        demo::load(&db).unwrap();
    }
    let events = count(
        Database::open(&plain).unwrap().conn(),
        "SELECT count(*) FROM event",
    );

    // Written with OpenSSL, as SQLCipher does on its own: nothing of
    // Handbill's keys code has run in this process yet.
    let path = dir.path().join("openssl.sqlite");
    let spec = "x'2b7e151628aed2a6abf7158809cf4f3c2b7e151628aed2a6abf7158809cf4f3c0f0e0d0c0b0a09080706050403020100'";
    sqlcipher_export::export_encrypted(&plain, &path, spec, "");
    {
        let check = Connection::open(&path).unwrap();
        check
            .execute_batch(&format!("PRAGMA key = \"{spec}\";"))
            .unwrap();
        assert_eq!(provider_of(&check), "openssl");
        assert_eq!(count(&check, "SELECT count(*) FROM event"), events);
    }
    // SAFETY: reads SQLCipher's current provider pointer, set up when
    // SQLite was initialized above.
    let openssl = unsafe { sqlcipher_get_provider() };
    assert!(!openssl.is_null());

    // A branch under a passphrase made by Handbill: its pages with Handbill's cipher.
    let branch = dir.path().join("branch.sqlite");
    keys::choose(&branch, PASSPHRASE).unwrap();
    {
        let db = Database::open(&branch).unwrap();
        assert_eq!(provider_of(db.conn()), "handbill");
        demo::load(&db).unwrap();
        db.conn()
            .execute("UPDATE branch SET city = 'Lowell, MA' WHERE id = 1", [])
            .unwrap();
    }
    // The OpenSSL-written file reads and takes writes with Handbill's cipher.
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&format!("PRAGMA key = \"{spec}\";"))
            .unwrap();
        assert_eq!(provider_of(&conn), "handbill");
        assert_eq!(count(&conn, "SELECT count(*) FROM event"), events);
        conn.execute("UPDATE branch SET city = 'Salem, MA' WHERE id = 1", [])
            .unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
    }
    // A wrong key is still refused.
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA cipher_log_level = NONE; PRAGMA key = \"x'00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0f0e0d0c0b0a09080706050403020100'\";",
        )
        .unwrap();
        assert!(conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r
                .get::<_, i64>(0))
            .is_err());
    }

    // Back to OpenSSL: it reads what Handbill's cipher wrote into the CBC file.
    // SAFETY: both pointers are providers on SQLCipher's list: its own, and
    // Handbill's, registered when the branch was keyed.
    let ours = unsafe { sqlcipher_get_provider() };
    assert_eq!(unsafe { sqlcipher_register_provider(openssl) }, 0);
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"{spec}\";"))
        .unwrap();
    assert_eq!(provider_of(&conn), "openssl");
    let city: String = conn
        .query_row("SELECT city FROM branch WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(city, "Salem, MA");
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    // A branch made now: its CTR pages with GMAC are Handbill's own, and
    // SQLCipher's CBC with HMAC cannot read them.
    let read = Database::open(&branch).and_then(|db| {
        Ok(db
            .conn()
            .query_row("SELECT city FROM branch WHERE id = 1", [], |r| {
                r.get::<_, String>(0)
            })?)
    });
    assert!(read.is_err(), "OpenSSL's CBC read a CTR branch: {read:?}");
    // With Handbill's cipher again, it reads as written.
    assert_eq!(unsafe { sqlcipher_register_provider(ours) }, 0);
    let db = Database::open(&branch).unwrap();
    assert_eq!(provider_of(db.conn()), "handbill");
    let city: String = db
        .conn()
        .query_row("SELECT city FROM branch WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(city, "Lowell, MA");
}
