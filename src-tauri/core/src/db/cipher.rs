//! Registers Handbill's page cipher for SQLCipher (the `handbill-cipher`
//! crate: RustCrypto's AES-256-CBC and HMAC in place of OpenSSL 3's, the
//! same bytes, and AES-256-CTR pages with GMAC for the files made now, see
//! `keys::Format`) for every connection keyed from then on.
//!
//! Why: SQLCipher asks its provider for every page it writes or reads, and
//! its OpenSSL 3 provider looks the HMAC and the cipher up by name, makes a
//! context and schedules the key again for each page; with 4 KiB pages that
//! bookkeeping cost more than the encryption itself.

use std::ffi::{c_int, c_void};
use std::sync::Once;

use handbill_cipher::{provider, Provider};

const SQLITE_OK: c_int = 0;

extern "C" {
    fn sqlcipher_register_provider(p: *mut Provider) -> c_int;
    fn sqlcipher_malloc(size: u64) -> *mut c_void;
}

static INSTALL: Once = Once::new();

/// Makes this provider SQLCipher's for every connection keyed from now on
/// (once per process; connections keyed before keep theirs).
pub(crate) fn install() {
    INSTALL.call_once(|| {
        // SQLCipher's mutexes and its default provider are set up by
        // sqlite3_initialize; registering before it would find neither.
        // SAFETY: sqlite3_initialize may be called any number of times.
        if unsafe { rusqlite::ffi::sqlite3_initialize() } != SQLITE_OK {
            return;
        }
        // SQLCipher frees its providers with its own allocator at shutdown,
        // so the struct is allocated with it.
        // SAFETY: the allocation is checked, sized for the struct, and
        // written whole before SQLCipher sees it; SQLCipher then owns it.
        unsafe {
            let p = sqlcipher_malloc(std::mem::size_of::<Provider>() as u64) as *mut Provider;
            if p.is_null() {
                return;
            }
            p.write(provider());
            if sqlcipher_register_provider(p) != SQLITE_OK {
                tracing::warn!("SQLCipher refused the page cipher; it keeps OpenSSL's");
            }
        }
    });
}
