//! SQLCipher's page cryptography done by RustCrypto's AES, SHA-2 and PBKDF2
//! instead of OpenSSL 3: the same algorithms and the same bytes (AES-256-CBC
//! without padding, HMAC-SHA1/256/512, PBKDF2-HMAC), so a file written by
//! either reads with the other (checked in `tests/cipher_provider.rs`).
//!
//! One more page mode, for the files Handbill makes now: **AES-256-CTR**
//! with the page's random 16-byte IV as its first counter block, in place
//! of CBC, everything else as SQLCipher lays a page out (the IV and the
//! HMAC-SHA256 over the encrypted page, its IV and its number, in the
//! page's reserved bytes). CBC encrypts a page one block after the other,
//! each waiting for the one before; CTR's blocks are independent, and the
//! processor's AES units work on eight at once: encrypting 40 MB of pages
//! took 32 ms with CBC and 6.5 with CTR here. The HMAC authenticates each
//! page as before (encrypt-then-MAC), so a changed or moved page is still
//! refused; a fresh random IV for every page written keeps counter blocks
//! from repeating under one key.
//!
//! SQLCipher tells a provider nothing of a file's format but the key
//! derivation's algorithm, through `kdf` on the provider context of that
//! database (its pages then go through `cipher` on the same context). So
//! the mode is named by it: a database whose `cipher_kdf_algorithm` is
//! `PBKDF2_HMAC_SHA256` has CTR pages, any other (SQLCipher's default is
//! `PBKDF2_HMAC_SHA512`) CBC pages. Handbill keys with raw keys, for which
//! the derivation makes only the HMAC key (two rounds); `db/keys.rs` sets
//! the algorithm with each format.
//!
//! Why: SQLCipher asks its provider for every page it writes or reads, and
//! its OpenSSL 3 provider looks the HMAC and the cipher up by name, makes a
//! context and schedules the key again for each page; with 4 KiB pages that
//! bookkeeping cost more than the encryption itself. A send to 10,000
//! people encrypts and authenticates about 5,500 pages in its commits.
//!
//! SQLCipher's provider interface (`sqlcipher_provider`, registered with
//! `sqlcipher_register_provider`) is public C API of the bundled SQLCipher;
//! [`Provider`] mirrors its declaration in SQLCipher 4's `sqlcipher.h`, and
//! Handbill's core registers it (`db/cipher.rs`). A crate of its own so that
//! it is compiled for speed (the release profile optimizes for size): the
//! AES and SHA-2 loops are instantiated here.

use std::ffi::{c_char, c_int, c_void};

use std::sync::atomic::{AtomicBool, Ordering};

use aes::cipher::{
    block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, KeyIvInit, StreamCipher,
};
use hmac::{Mac, SimpleHmac};
use ring::rand::{SecureRandom, SystemRandom};

const SQLITE_OK: c_int = 0;
const SQLITE_ERROR: c_int = 1;
const SQLCIPHER_DECRYPT: c_int = 0;
const SQLCIPHER_ENCRYPT: c_int = 1;
const HMAC_SHA1: c_int = 0;
const HMAC_SHA256: c_int = 1;
const HMAC_SHA512: c_int = 2;
/// SQLCipher's key derivations (`cipher_kdf_algorithm`); PBKDF2-HMAC-SHA256
/// is also what names a CTR database.
const PBKDF2_HMAC_SHA1: c_int = 0;
const PBKDF2_HMAC_SHA256: c_int = 1;
const PBKDF2_HMAC_SHA512: c_int = 2;
const KEY_SZ: usize = 32;
const BLOCK_SZ: usize = 16;

/// `struct sqlcipher_provider` of SQLCipher 4.
#[repr(C)]
pub struct Provider {
    init: Option<extern "C" fn() -> c_int>,
    shutdown: Option<extern "C" fn()>,
    get_provider_name: extern "C" fn(*mut c_void) -> *const c_char,
    add_random: extern "C" fn(*mut c_void, *const c_void, c_int) -> c_int,
    random: extern "C" fn(*mut c_void, *mut c_void, c_int) -> c_int,
    hmac: extern "C" fn(
        *mut c_void,
        c_int,
        *const u8,
        c_int,
        *const u8,
        c_int,
        *const u8,
        c_int,
        *mut u8,
    ) -> c_int,
    kdf: extern "C" fn(
        *mut c_void,
        c_int,
        *const u8,
        c_int,
        *const u8,
        c_int,
        c_int,
        c_int,
        *mut u8,
    ) -> c_int,
    cipher: extern "C" fn(
        *mut c_void,
        c_int,
        *const u8,
        c_int,
        *const u8,
        *const u8,
        c_int,
        *mut u8,
    ) -> c_int,
    get_cipher: extern "C" fn(*mut c_void) -> *const c_char,
    get_key_sz: extern "C" fn(*mut c_void) -> c_int,
    get_iv_sz: extern "C" fn(*mut c_void) -> c_int,
    get_block_sz: extern "C" fn(*mut c_void) -> c_int,
    get_hmac_sz: extern "C" fn(*mut c_void, c_int) -> c_int,
    ctx_init: extern "C" fn(*mut *mut c_void) -> c_int,
    ctx_free: extern "C" fn(*mut *mut c_void) -> c_int,
    fips_status: extern "C" fn(*mut c_void) -> c_int,
    get_provider_version: extern "C" fn(*mut c_void) -> *const c_char,
    next: *mut Provider,
}

/// PBKDF2-HMAC-SHA256 of `passphrase` with `salt` over `rounds` rounds into
/// `key`: how a branch passphrase becomes its key (instantiated here, so it
/// is compiled for speed in every build).
pub fn passphrase_key(passphrase: &[u8], salt: &[u8], rounds: u32, key: &mut [u8]) {
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(passphrase, salt, rounds, key);
}

/// The provider, for `sqlcipher_register_provider` (which then owns a copy
/// of it in memory SQLCipher allocated).
pub fn provider() -> Provider {
    Provider {
        init: None,
        shutdown: None,
        get_provider_name,
        add_random,
        random,
        hmac,
        kdf,
        cipher,
        get_cipher,
        get_key_sz,
        get_iv_sz,
        get_block_sz,
        get_hmac_sz,
        ctx_init,
        ctx_free,
        fips_status,
        get_provider_version,
        next: std::ptr::null_mut(),
    }
}

extern "C" fn get_provider_name(_: *mut c_void) -> *const c_char {
    c"rustcrypto".as_ptr()
}

extern "C" fn get_provider_version(_: *mut c_void) -> *const c_char {
    c"aes 0.8, sha2 0.10".as_ptr()
}

extern "C" fn get_cipher(ctx: *mut c_void) -> *const c_char {
    if counter_mode(ctx) {
        c"aes-256-ctr".as_ptr()
    } else {
        c"aes-256-cbc".as_ptr()
    }
}

/// The provider context of one database's codec (SQLCipher makes one with
/// `ctx_init` for each database a connection keys, and frees it with
/// `ctx_free`): whether its pages are in counter mode, as its key
/// derivation said.
struct Context {
    ctr: AtomicBool,
}

/// Whether the database whose provider context is `ctx` has CTR pages
/// (CBC for a null context, or before its key was derived).
fn counter_mode(ctx: *mut c_void) -> bool {
    // SAFETY: a non-null context is one `ctx_init` made, not yet freed
    // (SQLCipher passes each database's own).
    !ctx.is_null()
        && unsafe { &*(ctx as *const Context) }
            .ctr
            .load(Ordering::Relaxed)
}

extern "C" fn add_random(_: *mut c_void, _: *const c_void, _: c_int) -> c_int {
    SQLITE_OK
}

/// Random bytes from the operating system (an IV for each page written, a
/// new file's salt).
extern "C" fn random(_: *mut c_void, buffer: *mut c_void, length: c_int) -> c_int {
    let Some(out) = (unsafe { slice_mut(buffer as *mut u8, length) }) else {
        return SQLITE_ERROR;
    };
    match os_random(out) {
        Ok(()) => SQLITE_OK,
        Err(()) => SQLITE_ERROR,
    }
}

/// How many random bytes are asked of the operating system at a time.
const POOL_LEN: usize = 4096;

thread_local! {
    /// Random bytes from the operating system not yet handed out, taken
    /// [`POOL_LEN`] at a time: every page written asks for a 16-byte IV, and
    /// a system call for each cost more than its bytes (about 6,000 pages in
    /// a send to 10,000 people). Each byte is handed out once. The pool is
    /// the thread's own; Handbill starts other programs only by `exec`, so
    /// no forked copy of the process hands out the same bytes.
    static POOL: std::cell::RefCell<(usize, [u8; POOL_LEN])> =
        const { std::cell::RefCell::new((POOL_LEN, [0; POOL_LEN])) };
}

/// Fills `out` with bytes from the operating system's random generator,
/// through the thread's pool; a request as long as the pool goes straight to
/// the system.
fn os_random(out: &mut [u8]) -> Result<(), ()> {
    if out.len() >= POOL_LEN {
        return SystemRandom::new().fill(out).map_err(|_| ());
    }
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        let (used, bytes) = &mut *pool;
        if POOL_LEN - *used < out.len() {
            SystemRandom::new().fill(bytes).map_err(|_| ())?;
            *used = 0;
        }
        out.copy_from_slice(&bytes[*used..*used + out.len()]);
        // Handed out: not kept where a later request could get them again.
        bytes[*used..*used + out.len()].fill(0);
        *used += out.len();
        Ok(())
    })
}

fn mac<D>(key: &[u8], parts: [&[u8]; 2], out: &mut [u8]) -> c_int
where
    D: hmac::digest::Digest + hmac::digest::core_api::BlockSizeUser,
{
    let Ok(mut m) = <SimpleHmac<D> as Mac>::new_from_slice(key) else {
        return SQLITE_ERROR;
    };
    for part in parts {
        m.update(part);
    }
    let tag = m.finalize().into_bytes();
    if out.len() != tag.len() {
        return SQLITE_ERROR;
    }
    out.copy_from_slice(&tag);
    SQLITE_OK
}

#[allow(clippy::too_many_arguments)]
extern "C" fn hmac(
    _: *mut c_void,
    algorithm: c_int,
    key: *const u8,
    key_sz: c_int,
    input: *const u8,
    in_sz: c_int,
    input2: *const u8,
    in2_sz: c_int,
    out: *mut u8,
) -> c_int {
    // SAFETY: SQLCipher passes buffers of the sizes it gives, and an output
    // of `get_hmac_sz(algorithm)` bytes.
    // The second part (the page number) may be absent.
    let in2_sz = if input2.is_null() { 0 } else { in2_sz };
    let size = get_hmac_sz(std::ptr::null_mut(), algorithm);
    let (Some(key), Some(first), Some(second), Some(out)) = (
        unsafe { slice(key, key_sz) },
        unsafe { slice(input, in_sz) },
        unsafe { slice(input2, in2_sz) },
        unsafe { slice_mut(out, size) },
    ) else {
        return SQLITE_ERROR;
    };
    match algorithm {
        HMAC_SHA1 => mac::<sha1::Sha1>(key, [first, second], out),
        HMAC_SHA256 => mac::<sha2::Sha256>(key, [first, second], out),
        HMAC_SHA512 => mac::<sha2::Sha512>(key, [first, second], out),
        _ => SQLITE_ERROR,
    }
}

#[allow(clippy::too_many_arguments)]
extern "C" fn kdf(
    ctx: *mut c_void,
    algorithm: c_int,
    pass: *const u8,
    pass_sz: c_int,
    salt: *const u8,
    salt_sz: c_int,
    workfactor: c_int,
    key_sz: c_int,
    key: *mut u8,
) -> c_int {
    // SAFETY: as for `hmac`; the key buffer is `key_sz` bytes.
    let (Some(pass), Some(salt), Some(key)) = (
        unsafe { slice(pass, pass_sz) },
        unsafe { slice(salt, salt_sz) },
        unsafe { slice_mut(key, key_sz) },
    ) else {
        return SQLITE_ERROR;
    };
    let Ok(rounds) = u32::try_from(workfactor) else {
        return SQLITE_ERROR;
    };
    if rounds == 0 {
        return SQLITE_ERROR;
    }
    if !ctx.is_null() {
        // SAFETY: as in `counter_mode`.
        let context = unsafe { &*(ctx as *const Context) };
        context
            .ctr
            .store(algorithm == PBKDF2_HMAC_SHA256, Ordering::Relaxed);
    }
    match algorithm {
        PBKDF2_HMAC_SHA1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(pass, salt, rounds, key),
        PBKDF2_HMAC_SHA256 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pass, salt, rounds, key),
        PBKDF2_HMAC_SHA512 => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(pass, salt, rounds, key),
        _ => return SQLITE_ERROR,
    }
    SQLITE_OK
}

/// AES-256-CBC without padding over `in_sz` bytes (a whole number of
/// blocks), or AES-256-CTR from the IV as the first counter block when the
/// database's pages are in counter mode (see the crate's documentation).
#[allow(clippy::too_many_arguments)]
extern "C" fn cipher(
    ctx: *mut c_void,
    mode: c_int,
    key: *const u8,
    key_sz: c_int,
    iv: *const u8,
    input: *const u8,
    in_sz: c_int,
    out: *mut u8,
) -> c_int {
    if key_sz as usize != KEY_SZ || in_sz < 0 || in_sz as usize % BLOCK_SZ != 0 {
        return SQLITE_ERROR;
    }
    // SAFETY: SQLCipher passes a key of `key_sz` bytes, an IV of
    // `get_iv_sz` bytes and an output as long as the input. The input is
    // copied into the output first and worked on there, so the two may be
    // the same buffer.
    let (Some(key), Some(iv)) = (unsafe { slice(key, key_sz) }, unsafe {
        slice(iv, BLOCK_SZ as c_int)
    }) else {
        return SQLITE_ERROR;
    };
    if input.is_null() || out.is_null() {
        return SQLITE_ERROR;
    }
    let len = in_sz as usize;
    unsafe { std::ptr::copy(input, out, len) };
    let Some(buf) = (unsafe { slice_mut(out, in_sz) }) else {
        return SQLITE_ERROR;
    };
    let done = match (mode, counter_mode(ctx)) {
        // The same keystream both ways.
        (SQLCIPHER_ENCRYPT | SQLCIPHER_DECRYPT, true) => {
            ctr::Ctr128BE::<aes::Aes256>::new(key.into(), iv.into()).apply_keystream(buf);
            true
        }
        (SQLCIPHER_ENCRYPT, false) => cbc::Encryptor::<aes::Aes256>::new(key.into(), iv.into())
            .encrypt_padded_mut::<NoPadding>(buf, len)
            .is_ok(),
        (SQLCIPHER_DECRYPT, false) => cbc::Decryptor::<aes::Aes256>::new(key.into(), iv.into())
            .decrypt_padded_mut::<NoPadding>(buf)
            .is_ok(),
        _ => false,
    };
    if done {
        SQLITE_OK
    } else {
        SQLITE_ERROR
    }
}

extern "C" fn get_key_sz(_: *mut c_void) -> c_int {
    KEY_SZ as c_int
}

extern "C" fn get_iv_sz(_: *mut c_void) -> c_int {
    BLOCK_SZ as c_int
}

extern "C" fn get_block_sz(_: *mut c_void) -> c_int {
    BLOCK_SZ as c_int
}

extern "C" fn get_hmac_sz(_: *mut c_void, algorithm: c_int) -> c_int {
    match algorithm {
        HMAC_SHA1 => 20,
        HMAC_SHA256 => 32,
        HMAC_SHA512 => 64,
        _ => 0,
    }
}

extern "C" fn ctx_init(ctx: *mut *mut c_void) -> c_int {
    if ctx.is_null() {
        return SQLITE_ERROR;
    }
    let context = Box::new(Context {
        ctr: AtomicBool::new(false),
    });
    // SAFETY: SQLCipher passes the address of its context pointer; it hands
    // the context back to `ctx_free`, once.
    unsafe { *ctx = Box::into_raw(context) as *mut c_void };
    SQLITE_OK
}

extern "C" fn ctx_free(ctx: *mut *mut c_void) -> c_int {
    if ctx.is_null() {
        return SQLITE_OK;
    }
    // SAFETY: the pointer is one `ctx_init` made (or null), freed here once
    // and cleared.
    unsafe {
        let context = *ctx as *mut Context;
        if !context.is_null() {
            drop(Box::from_raw(context));
        }
        *ctx = std::ptr::null_mut();
    }
    SQLITE_OK
}

extern "C" fn fips_status(_: *mut c_void) -> c_int {
    0
}

/// # Safety
/// `p` points at `len` readable bytes, or is null (then `None`).
unsafe fn slice<'a>(p: *const u8, len: c_int) -> Option<&'a [u8]> {
    let len = usize::try_from(len).ok()?;
    if len == 0 {
        return Some(&[]);
    }
    (!p.is_null()).then(|| unsafe { std::slice::from_raw_parts(p, len) })
}

/// # Safety
/// `p` points at `len` writable bytes, or is null (then `None`).
unsafe fn slice_mut<'a>(p: *mut u8, len: c_int) -> Option<&'a mut [u8]> {
    let len = usize::try_from(len).ok()?;
    if len == 0 {
        return Some(&mut []);
    }
    (!p.is_null()).then(|| unsafe { std::slice::from_raw_parts_mut(p, len) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// `cipher` over `len` bytes of `buf` in place, with a key of `key_len` bytes.
    fn in_place(
        mode: c_int,
        key: &[u8],
        key_len: c_int,
        iv: &[u8],
        buf: &mut [u8],
        len: c_int,
    ) -> c_int {
        let p = buf.as_mut_ptr();
        cipher(
            std::ptr::null_mut(),
            mode,
            key.as_ptr(),
            key_len,
            iv.as_ptr(),
            p,
            len,
            p,
        )
    }

    #[test]
    fn random_bytes_are_never_handed_out_twice_and_long_requests_are_served() {
        let mut seen = std::collections::HashSet::new();
        // More than two pools' worth of IVs, and requests of odd sizes that
        // straddle a refill.
        for n in 0..700 {
            let mut iv = [0u8; BLOCK_SZ];
            let p = iv.as_mut_ptr() as *mut c_void;
            assert_eq!(
                random(std::ptr::null_mut(), p, BLOCK_SZ as c_int),
                SQLITE_OK
            );
            assert!(seen.insert(iv), "IV {n} was handed out before: {iv:?}");
            let mut odd = vec![0u8; 7 + n % 29];
            assert_eq!(os_random(&mut odd), Ok(()));
        }
        let mut long = vec![0u8; POOL_LEN * 2 + 3];
        assert_eq!(os_random(&mut long), Ok(()));
        assert!(
            long.chunks(BLOCK_SZ)
                .filter(|c| c.iter().all(|b| *b == 0))
                .count()
                == 0,
            "a long request is filled whole"
        );
        let mut none = [0u8; 0];
        assert_eq!(
            random(std::ptr::null_mut(), none.as_mut_ptr() as *mut c_void, 0),
            SQLITE_OK
        );
        assert_eq!(
            random(std::ptr::null_mut(), std::ptr::null_mut(), 16),
            SQLITE_ERROR
        );
    }

    #[test]
    fn aes_256_cbc_gives_the_nist_vectors_both_ways() {
        // NIST SP 800-38A, F.2.5 and F.2.6 (CBC-AES256), two blocks.
        let key = unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        let iv = unhex("000102030405060708090a0b0c0d0e0f");
        let plain = unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
        let expected = unhex("f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d");
        let mut out = vec![0u8; plain.len()];
        let rc = cipher(
            std::ptr::null_mut(),
            SQLCIPHER_ENCRYPT,
            key.as_ptr(),
            32,
            iv.as_ptr(),
            plain.as_ptr(),
            plain.len() as c_int,
            out.as_mut_ptr(),
        );
        assert_eq!((rc, &out), (SQLITE_OK, &expected));
        // Decrypted in place (the input and the output one buffer).
        let rc = in_place(SQLCIPHER_DECRYPT, &key, 32, &iv, &mut out, 32);
        assert_eq!((rc, &out), (SQLITE_OK, &plain));
        // Not a whole number of blocks, or a short key: refused.
        let rc = in_place(SQLCIPHER_ENCRYPT, &key, 32, &iv, &mut out, 31);
        assert_eq!(rc, SQLITE_ERROR);
        let rc = in_place(SQLCIPHER_ENCRYPT, &key, 16, &iv, &mut out, 32);
        assert_eq!(rc, SQLITE_ERROR);
    }

    /// A provider context whose key was derived with `algorithm`, as SQLCipher does it.
    fn context_after_kdf(algorithm: c_int) -> *mut c_void {
        let mut ctx = std::ptr::null_mut();
        assert_eq!(ctx_init(&mut ctx), SQLITE_OK);
        let mut hmac_key = [0u8; 32];
        let rc = kdf(
            ctx,
            algorithm,
            b"raw key".as_ptr(),
            7,
            b"salt".as_ptr(),
            4,
            2,
            32,
            hmac_key.as_mut_ptr(),
        );
        assert_eq!(rc, SQLITE_OK);
        ctx
    }

    /// `cipher` on `ctx` from `input` into a new buffer.
    fn through(ctx: *mut c_void, mode: c_int, key: &[u8], iv: &[u8], input: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; input.len()];
        let rc = cipher(
            ctx,
            mode,
            key.as_ptr(),
            32,
            iv.as_ptr(),
            input.as_ptr(),
            input.len() as c_int,
            out.as_mut_ptr(),
        );
        assert_eq!(rc, SQLITE_OK);
        out
    }

    #[test]
    fn a_database_keyed_with_pbkdf2_sha256_has_aes_256_ctr_pages_any_other_cbc() {
        let key = unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        let plain = unhex(
            "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51\
             30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
        );
        // NIST SP 800-38A, F.5.5 (CTR-AES256.Encrypt), four blocks.
        let counter = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        let ctr = context_after_kdf(PBKDF2_HMAC_SHA256);
        let encrypted = through(ctr, SQLCIPHER_ENCRYPT, &key, &counter, &plain);
        assert_eq!(
            encrypted,
            unhex(
                "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5\
                 2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6"
            )
        );
        assert_eq!(
            through(ctr, SQLCIPHER_DECRYPT, &key, &counter, &encrypted),
            plain
        );
        // SAFETY: the name is a static C string.
        let name = unsafe { std::ffi::CStr::from_ptr(get_cipher(ctr)) };
        assert_eq!(name.to_str(), Ok("aes-256-ctr"));

        // SQLCipher's default derivation (and SHA-1): CBC, as in F.2.5.
        let iv = unhex("000102030405060708090a0b0c0d0e0f");
        for algorithm in [PBKDF2_HMAC_SHA512, PBKDF2_HMAC_SHA1] {
            let cbc = context_after_kdf(algorithm);
            let encrypted = through(cbc, SQLCIPHER_ENCRYPT, &key, &iv, &plain[..32]);
            assert_eq!(
                encrypted,
                unhex("f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d")
            );
            let name = unsafe { std::ffi::CStr::from_ptr(get_cipher(cbc)) };
            assert_eq!(name.to_str(), Ok("aes-256-cbc"));
            let mut cbc = cbc;
            assert_eq!(ctx_free(&mut cbc), SQLITE_OK);
            assert!(cbc.is_null(), "a freed context is cleared");
        }
        let mut ctr = ctr;
        assert_eq!(ctx_free(&mut ctr), SQLITE_OK);
        // Freeing nothing is harmless; a context cannot be made without a place for it.
        assert_eq!(ctx_free(&mut ctr), SQLITE_OK);
        assert_eq!(ctx_init(std::ptr::null_mut()), SQLITE_ERROR);
    }

    #[test]
    fn hmac_gives_the_rfc_4231_and_2202_vectors_over_two_parts() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?", split in two.
        let (a, b) = (b"what do ya want ", b"for nothing?");
        for (algorithm, expected) in [
            (HMAC_SHA256, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (
                HMAC_SHA512,
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            ),
            // RFC 2202 test case 2.
            (HMAC_SHA1, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        ] {
            let mut out = vec![0u8; get_hmac_sz(std::ptr::null_mut(), algorithm) as usize];
            let rc = hmac(
                std::ptr::null_mut(),
                algorithm,
                b"Jefe".as_ptr(),
                4,
                a.as_ptr(),
                a.len() as c_int,
                b.as_ptr(),
                b.len() as c_int,
                out.as_mut_ptr(),
            );
            assert_eq!((rc, out), (SQLITE_OK, unhex(expected)), "algorithm {algorithm}");
        }
    }

    #[test]
    fn pbkdf2_gives_the_rfc_6070_vector() {
        // RFC 6070: "password", "salt", 2 rounds, 20 bytes (SHA-1).
        let mut key = [0u8; 20];
        let rc = kdf(
            std::ptr::null_mut(),
            PBKDF2_HMAC_SHA1,
            b"password".as_ptr(),
            8,
            b"salt".as_ptr(),
            4,
            2,
            20,
            key.as_mut_ptr(),
        );
        assert_eq!(
            (rc, key.to_vec()),
            (SQLITE_OK, unhex("ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"))
        );
        let rc = kdf(
            std::ptr::null_mut(),
            PBKDF2_HMAC_SHA256,
            b"password".as_ptr(),
            8,
            b"salt".as_ptr(),
            4,
            0,
            20,
            key.as_mut_ptr(),
        );
        assert_eq!(rc, SQLITE_ERROR, "no rounds: refused");
    }
}
