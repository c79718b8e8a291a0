//! SQLCipher's page cryptography for Handbill: its provider interface
//! (`sqlcipher_provider`) answered by RustCrypto's AES, SHA-2 and PBKDF2 and
//! by OpenSSL's AES-CTR and GCM through contexts kept for the database's
//! keys, instead of SQLCipher's own OpenSSL 3 provider.
//!
//! A page is laid out as SQLCipher lays it out: the encrypted page, then in
//! its reserved bytes a random 16-byte IV (new at every write) and a 32-byte
//! authentication tag over the encrypted page, its IV and its page number,
//! checked before the page is decrypted (encrypt-then-MAC), so a changed or
//! moved page is refused. Three page formats, the newest first:
//!
//! - **AES-256-CTR with GMAC** (files made now): the page in AES-256-CTR
//!   with the IV as its first counter block; the tag is GMAC (AES-256-GCM
//!   over no plaintext, the authenticated data being the encrypted page, its
//!   IV and its number) under SQLCipher's HMAC key with the page's IV as the
//!   GCM IV, 16 bytes, followed by 16 zero bytes in the 32-byte slot.
//! - **AES-256-CTR with HMAC-SHA256** (files made in early December 2026).
//! - **AES-256-CBC with HMAC-SHA256/512**: SQLCipher 4's own, the same
//!   bytes, so a file written by either reads with the other (checked in
//!   `tests/cipher_provider.rs`). Not SQLCipher 3's files (PBKDF2-HMAC-SHA1
//!   and HMAC-SHA1), whose key derivation's name is taken by the GMAC
//!   format: Handbill never made such files.
//!
//! Why CTR and GMAC: CBC encrypts a page one block after the other, each
//! waiting for the one before; CTR's blocks are independent, and the
//! processor's AES units work on several at once. HMAC-SHA256 runs at the
//! speed of the SHA instructions, about 1.9 GB/s here, and became most of
//! the cost: an import of 100,000 people writes 43 MB of pages, and their
//! HMACs took 28 ms of it where their encryption took 9. GMAC is a
//! polynomial hash done with carry-less multiplication, about 10 GB/s here
//! (4.4 ms for those pages), and AES-CTR in OpenSSL 6 ms. GMAC, like CTR,
//! needs an IV that never repeats under its key: the page's IV, 16 random
//! bytes for every page written, is both (under two different keys: the
//! page key encrypts, the HMAC key authenticates).
//!
//! SQLCipher tells a provider nothing of a file's format but the key
//! derivation's algorithm, through `kdf` on the provider context of that
//! database (its pages then go through `cipher` and `hmac` on the same
//! context). So the format is named by it: `cipher_kdf_algorithm` =
//! `PBKDF2_HMAC_SHA1` names CTR with GMAC, `PBKDF2_HMAC_SHA256` CTR with
//! HMAC, any other (SQLCipher's default is `PBKDF2_HMAC_SHA512`) CBC. For
//! the first, the name is only a name: the derivation is PBKDF2-HMAC-SHA256
//! there too (Handbill keys with raw keys, for which the derivation makes
//! only the HMAC key from the page key, in two rounds); `db/keys.rs` sets
//! the algorithm with each format.
//!
//! Why a provider of Handbill's: SQLCipher asks its provider for every page
//! it writes or reads, and its OpenSSL 3 provider looks the HMAC and the
//! cipher up by name, makes a context and schedules the key again for each
//! page; with 4 KiB pages that bookkeeping cost more than the encryption
//! itself. Here a database's context keeps its keyed OpenSSL contexts, and
//! each page only sets a new IV.
//!
//! SQLCipher's provider interface (`sqlcipher_provider`, registered with
//! `sqlcipher_register_provider`) is public C API of the bundled SQLCipher;
//! [`Provider`] mirrors its declaration in SQLCipher 4's `sqlcipher.h`, and
//! Handbill's core registers it (`db/cipher.rs`). A crate of its own so that
//! it is compiled for speed (the release profile optimizes for size): the
//! AES and SHA-2 loops are instantiated here.

use std::ffi::{c_char, c_int, c_void};

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;

use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::{Mac, SimpleHmac};
use openssl::cipher::{Cipher, CipherRef};
use openssl::cipher_ctx::CipherCtx;
use ring::rand::{SecureRandom, SystemRandom};

const SQLITE_OK: c_int = 0;
const SQLITE_ERROR: c_int = 1;
const SQLCIPHER_DECRYPT: c_int = 0;
const SQLCIPHER_ENCRYPT: c_int = 1;
const HMAC_SHA1: c_int = 0;
const HMAC_SHA256: c_int = 1;
const HMAC_SHA512: c_int = 2;
/// SQLCipher's key derivations (`cipher_kdf_algorithm`), which also name a
/// database's page format (see the crate's documentation).
const PBKDF2_HMAC_SHA1: c_int = 0;
const PBKDF2_HMAC_SHA256: c_int = 1;
const PBKDF2_HMAC_SHA512: c_int = 2;
const KEY_SZ: usize = 32;
const BLOCK_SZ: usize = 16;
/// GMAC's tag: the first half of the 32-byte slot of an HMAC-SHA256.
const GMAC_TAG_SZ: usize = 16;

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
///
/// For a 32-byte key (one block of PBKDF2's output, the branch key), the
/// rounds after the first run SHA-256's block function directly: HMAC's
/// inner and outer states after its padded key are computed once, and each
/// round is two blocks, its input and SHA-256's padding laid out in place.
/// The same bytes as the `pbkdf2` crate's loop (checked against it and RFC
/// 7914 in the tests), about a quarter faster: that loop goes through
/// HMAC's buffering for each round, and a passphrase's 256,000 rounds are
/// most of the time an encrypted branch takes to open.
pub fn passphrase_key(passphrase: &[u8], salt: &[u8], rounds: u32, key: &mut [u8]) {
    if key.len() != 32 || rounds < 2 {
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(passphrase, salt, rounds, key);
        return;
    }
    use sha2::digest::generic_array::GenericArray;
    use sha2::Digest;
    /// SHA-256's initial state (FIPS 180-4, 5.3.3).
    const H0: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    // HMAC's key block: the passphrase, or its digest when longer than a block.
    let mut block = [0u8; 64];
    if passphrase.len() > 64 {
        block[..32].copy_from_slice(&sha2::Sha256::digest(passphrase));
    } else {
        block[..passphrase.len()].copy_from_slice(passphrase);
    }
    let keyed = |pad: u8| {
        let mut state = H0;
        let padded = block.map(|b| b ^ pad);
        sha2::compress256(&mut state, &[GenericArray::clone_from_slice(&padded)]);
        state
    };
    let (inner_state, outer_state) = (keyed(0x36), keyed(0x5c));
    block.fill(0);

    // The first round: HMAC of the salt and the block's number, 1.
    let Ok(mut mac) = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(passphrase) else {
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(passphrase, salt, rounds, key);
        return;
    };
    mac.update(salt);
    mac.update(&1u32.to_be_bytes());
    let mut u = GenericArray::clone_from_slice(&[0u8; 64]);
    u[..32].copy_from_slice(&mac.finalize().into_bytes());
    // The XOR of every round's output, as SHA-256's big-endian words.
    let mut sum = [0u32; 8];
    for (word, bytes) in sum.iter_mut().zip(u[..32].chunks_exact(4)) {
        *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }

    // Each later round hashes 32 bytes after a 64-byte block: one more
    // block, padded with 0x80, zeros and the length in bits, 768.
    let pad = |b: &mut GenericArray<u8, _>| {
        b[32] = 0x80;
        b[56..].copy_from_slice(&768u64.to_be_bytes());
    };
    pad(&mut u);
    let mut inner = u;
    for _ in 1..rounds {
        let mut state = inner_state;
        sha2::compress256(&mut state, std::slice::from_ref(&u));
        for (bytes, word) in inner[..32].chunks_exact_mut(4).zip(state) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        let mut state = outer_state;
        sha2::compress256(&mut state, std::slice::from_ref(&inner));
        for ((bytes, word), total) in u[..32].chunks_exact_mut(4).zip(state).zip(&mut sum) {
            bytes.copy_from_slice(&word.to_be_bytes());
            *total ^= word;
        }
    }
    for (bytes, word) in key.chunks_exact_mut(4).zip(sum) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    sum.fill(0);
    u.fill(0);
    inner.fill(0);
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
    c"handbill".as_ptr()
}

extern "C" fn get_provider_version(_: *mut c_void) -> *const c_char {
    c"aes 0.8, sha2 0.10, openssl 0.10".as_ptr()
}

extern "C" fn get_cipher(ctx: *mut c_void) -> *const c_char {
    match page_format(ctx) {
        PageFormat::Cbc => c"aes-256-cbc".as_ptr(),
        PageFormat::CtrHmac | PageFormat::CtrGmac => c"aes-256-ctr".as_ptr(),
    }
}

/// How a database's pages are encrypted and authenticated (see the crate's
/// documentation).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum PageFormat {
    /// AES-256-CBC and HMAC: SQLCipher's own.
    Cbc = 0,
    /// AES-256-CTR and HMAC.
    CtrHmac = 1,
    /// AES-256-CTR and GMAC.
    CtrGmac = 2,
}

impl PageFormat {
    /// The format that a key derivation with `algorithm` names.
    fn named_by(algorithm: c_int) -> PageFormat {
        match algorithm {
            PBKDF2_HMAC_SHA1 => PageFormat::CtrGmac,
            PBKDF2_HMAC_SHA256 => PageFormat::CtrHmac,
            _ => PageFormat::Cbc,
        }
    }
}

/// The provider context of one database's codec (SQLCipher makes one with
/// `ctx_init` for each database a connection keys, and frees it with
/// `ctx_free`): its page format, as its key derivation said, and OpenSSL
/// contexts keyed with the last page key and HMAC key it used, so that a
/// page only sets its IV.
struct Context {
    format: AtomicU8,
    ctr: Mutex<Option<Keyed>>,
    gmac: Mutex<Option<Keyed>>,
}

/// An OpenSSL cipher context with its key set, and that key.
struct Keyed {
    key: [u8; KEY_SZ],
    ctx: CipherCtx,
}

impl Drop for Keyed {
    fn drop(&mut self) {
        // OpenSSL clears its copy of the key when the context is freed.
        // SAFETY: a plain write to the array this value owns; volatile so
        // that it is not left out as a write nobody reads.
        unsafe { std::ptr::write_volatile(&mut self.key, [0; KEY_SZ]) };
    }
}

/// Runs `work` on an OpenSSL context of `kind` keyed with `key` for
/// encryption, taken from `slot` when it holds one for that key, else made
/// and left there for the next page.
fn with_keyed<T>(
    slot: &Mutex<Option<Keyed>>,
    kind: &CipherRef,
    gcm: bool,
    key: &[u8],
    work: impl FnOnce(&mut CipherCtx) -> Option<T>,
) -> Option<T> {
    let mut slot = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let cached = slot.as_ref().is_some_and(|k| k.key[..] == *key);
    if !cached {
        *slot = None;
        let mut ctx = CipherCtx::new().ok()?;
        ctx.encrypt_init(Some(kind), None, None).ok()?;
        if gcm {
            // The page's whole IV, not GCM's usual 12 bytes.
            ctx.set_iv_length(BLOCK_SZ).ok()?;
        }
        ctx.encrypt_init(None, Some(key), None).ok()?;
        *slot = Some(Keyed {
            key: key.try_into().ok()?,
            ctx,
        });
    }
    work(&mut slot.as_mut()?.ctx)
}

/// The page format of the database whose provider context is `ctx` (CBC for
/// a null context, or before its key was derived).
fn page_format(ctx: *mut c_void) -> PageFormat {
    match context(ctx).map(|c| c.format.load(Ordering::Relaxed)) {
        Some(f) if f == PageFormat::CtrHmac as u8 => PageFormat::CtrHmac,
        Some(f) if f == PageFormat::CtrGmac as u8 => PageFormat::CtrGmac,
        _ => PageFormat::Cbc,
    }
}

/// The context `ctx_init` made, if `ctx` is one.
fn context<'a>(ctx: *mut c_void) -> Option<&'a Context> {
    // SAFETY: a non-null context is one `ctx_init` made, not yet freed
    // (SQLCipher passes each database's own).
    (!ctx.is_null()).then(|| unsafe { &*(ctx as *const Context) })
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
    /// [`POOL_LEN`] at a time, with the id of the process that took them:
    /// every page written asks for a 16-byte IV, and a system call for each
    /// cost more than its bytes (about 6,000 pages in a send to 10,000
    /// people). Each byte is handed out once. The pool is the thread's own,
    /// and a process other than the one that filled it (a forked copy, which
    /// Handbill does not make: it starts other programs only by `exec`)
    /// empties it before using it, so two processes never hand out the same
    /// IV: under one key, a repeated IV would show two pages' difference
    /// (CTR) and let pages be forged (GMAC).
    static POOL: std::cell::RefCell<Pool> =
        const { std::cell::RefCell::new(Pool { pid: 0, used: POOL_LEN, bytes: [0; POOL_LEN] }) };
}

/// A thread's random bytes, see [`POOL`].
struct Pool {
    pid: u32,
    used: usize,
    bytes: [u8; POOL_LEN],
}

/// Fills `out` with bytes from the operating system's random generator,
/// through the thread's pool; a request as long as the pool, or one made
/// while the thread is ending, goes straight to the system.
fn os_random(out: &mut [u8]) -> Result<(), ()> {
    os_random_in(std::process::id(), out)
}

/// [`os_random`] for the process `pid`.
fn os_random_in(pid: u32, out: &mut [u8]) -> Result<(), ()> {
    let direct = |out: &mut [u8]| SystemRandom::new().fill(out).map_err(|_| ());
    if out.len() >= POOL_LEN {
        return direct(out);
    }
    let pooled = POOL.try_with(|pool| {
        let Ok(mut pool) = pool.try_borrow_mut() else {
            return direct(out);
        };
        let Pool {
            pid: filled_by,
            used,
            bytes,
        } = &mut *pool;
        if *filled_by != pid {
            // Filled by another process: none of it is handed out here.
            bytes.fill(0);
            *used = POOL_LEN;
            *filled_by = pid;
        }
        if POOL_LEN - *used < out.len() {
            direct(bytes)?;
            *used = 0;
        }
        out.copy_from_slice(&bytes[*used..*used + out.len()]);
        // Handed out: not kept where a later request could get them again.
        bytes[*used..*used + out.len()].fill(0);
        *used += out.len();
        Ok(())
    });
    pooled.unwrap_or_else(|_| direct(out))
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

/// GMAC of `parts` (the encrypted page with its IV, then its number) under
/// `key`, with the page's IV (the last 16 bytes of the first part) as the
/// GCM IV: the tag, then zeros to the end of `out`.
fn gmac(slot: &Mutex<Option<Keyed>>, key: &[u8], parts: [&[u8]; 2], out: &mut [u8]) -> c_int {
    let first = parts[0];
    if key.len() != KEY_SZ || first.len() < BLOCK_SZ || out.len() < GMAC_TAG_SZ {
        return SQLITE_ERROR;
    }
    let iv = &first[first.len() - BLOCK_SZ..];
    let done = with_keyed(slot, Cipher::aes_256_gcm(), true, key, |ctx| {
        ctx.encrypt_init(None, None, Some(iv)).ok()?;
        for part in parts.into_iter().filter(|p| !p.is_empty()) {
            // Without an output, GCM takes its input as authenticated data.
            ctx.cipher_update(part, None).ok()?;
        }
        ctx.cipher_final(&mut []).ok()?;
        let (tag, rest) = out.split_at_mut(GMAC_TAG_SZ);
        ctx.tag(tag).ok()?;
        rest.fill(0);
        Some(())
    });
    match done {
        Some(()) => SQLITE_OK,
        None => SQLITE_ERROR,
    }
}

#[allow(clippy::too_many_arguments)]
extern "C" fn hmac(
    ctx: *mut c_void,
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
    match (context(ctx), page_format(ctx), algorithm) {
        (Some(context), PageFormat::CtrGmac, HMAC_SHA256) => {
            gmac(&context.gmac, key, [first, second], out)
        }
        // A GMAC database keyed with another HMAC's slot: no such format.
        (_, PageFormat::CtrGmac, _) => SQLITE_ERROR,
        (_, _, HMAC_SHA1) => mac::<sha1::Sha1>(key, [first, second], out),
        (_, _, HMAC_SHA256) => mac::<sha2::Sha256>(key, [first, second], out),
        (_, _, HMAC_SHA512) => mac::<sha2::Sha512>(key, [first, second], out),
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
    if let Some(context) = context(ctx) {
        context
            .format
            .store(PageFormat::named_by(algorithm) as u8, Ordering::Relaxed);
    }
    match algorithm {
        // Names the CTR and GMAC format; derived as with PBKDF2_HMAC_SHA256.
        PBKDF2_HMAC_SHA1 | PBKDF2_HMAC_SHA256 => {
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pass, salt, rounds, key)
        }
        PBKDF2_HMAC_SHA512 => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(pass, salt, rounds, key),
        _ => return SQLITE_ERROR,
    }
    SQLITE_OK
}

/// AES-256-CTR from `iv` as the first counter block, over `len` bytes from
/// `input` into `out` (the same buffer, or two apart), through the
/// context's OpenSSL context for `key`.
///
/// # Safety
/// `input` has `len` readable bytes and `out` `len` writable ones.
unsafe fn ctr(
    context: &Context,
    key: &[u8],
    iv: &[u8],
    input: *const u8,
    out: *mut u8,
    len: usize,
) -> bool {
    let apart = (input as usize).abs_diff(out as usize) >= len;
    if !apart && !std::ptr::eq(input, out) {
        // Overlapping at an offset: worked on in place from a copy.
        unsafe { std::ptr::copy(input, out, len) };
    }
    with_keyed(&context.ctr, Cipher::aes_256_ctr(), false, key, |ctx| {
        ctx.encrypt_init(None, None, Some(iv)).ok()?;
        if len == 0 {
            return Some(());
        }
        // SAFETY: as the function says; two slices only when apart.
        if apart {
            let input = unsafe { std::slice::from_raw_parts(input, len) };
            let out = unsafe { std::slice::from_raw_parts_mut(out, len) };
            ctx.cipher_update(input, Some(out)).ok()?;
        } else {
            let buf = unsafe { std::slice::from_raw_parts_mut(out, len) };
            ctx.cipher_update_inplace(buf, len).ok()?;
        }
        Some(())
    })
    .is_some()
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
    if mode != SQLCIPHER_ENCRYPT && mode != SQLCIPHER_DECRYPT {
        return SQLITE_ERROR;
    }
    // SAFETY: SQLCipher passes a key of `key_sz` bytes, an IV of
    // `get_iv_sz` bytes and an output as long as the input (they may be
    // the same buffer).
    let (Some(key), Some(iv)) = (unsafe { slice(key, key_sz) }, unsafe {
        slice(iv, BLOCK_SZ as c_int)
    }) else {
        return SQLITE_ERROR;
    };
    if input.is_null() || out.is_null() {
        return SQLITE_ERROR;
    }
    let len = in_sz as usize;
    let done = match (context(ctx), page_format(ctx)) {
        // The same keystream both ways.
        // SAFETY: as above.
        (Some(context), PageFormat::CtrHmac | PageFormat::CtrGmac) => unsafe {
            ctr(context, key, iv, input, out, len)
        },
        _ => {
            // CBC: the input is copied into the output first and worked on there.
            unsafe { std::ptr::copy(input, out, len) };
            let Some(buf) = (unsafe { slice_mut(out, in_sz) }) else {
                return SQLITE_ERROR;
            };
            if mode == SQLCIPHER_ENCRYPT {
                cbc::Encryptor::<aes::Aes256>::new(key.into(), iv.into())
                    .encrypt_padded_mut::<NoPadding>(buf, len)
                    .is_ok()
            } else {
                cbc::Decryptor::<aes::Aes256>::new(key.into(), iv.into())
                    .decrypt_padded_mut::<NoPadding>(buf)
                    .is_ok()
            }
        }
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
        format: AtomicU8::new(PageFormat::Cbc as u8),
        ctr: Mutex::new(None),
        gmac: Mutex::new(None),
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

    /// `cipher` on `ctx` over `len` bytes of `buf` in place, with a key of `key_len` bytes.
    fn in_place(
        ctx: *mut c_void,
        mode: c_int,
        key: &[u8],
        key_len: c_int,
        iv: &[u8],
        buf: &mut [u8],
        len: c_int,
    ) -> c_int {
        let p = buf.as_mut_ptr();
        cipher(ctx, mode, key.as_ptr(), key_len, iv.as_ptr(), p, len, p)
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
    fn a_pool_filled_by_another_process_is_never_handed_out() {
        let mut first = [0u8; BLOCK_SZ];
        assert_eq!(os_random_in(1001, &mut first), Ok(()));
        // What the pool would hand out next in process 1001.
        let next: Vec<u8> = POOL.with(|p| {
            let p = p.borrow();
            p.bytes[p.used..p.used + BLOCK_SZ].to_vec()
        });
        assert_ne!(next, vec![0u8; BLOCK_SZ], "the pool holds bytes");
        // A forked copy (another id) gets none of them: its pool is refilled.
        let mut forked = [0u8; BLOCK_SZ];
        assert_eq!(os_random_in(1002, &mut forked), Ok(()));
        assert_ne!(forked.to_vec(), next);
        POOL.with(|p| {
            let p = p.borrow();
            assert_eq!((p.pid, p.used), (1002, BLOCK_SZ));
            assert!(
                !p.bytes.windows(BLOCK_SZ).any(|w| w == &next[..]),
                "the other process's bytes are gone from the pool"
            );
        });
        // And the same process keeps drawing from its own pool.
        let mut again = [0u8; BLOCK_SZ];
        assert_eq!(os_random_in(1002, &mut again), Ok(()));
        POOL.with(|p| assert_eq!(p.borrow().used, 2 * BLOCK_SZ));
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
        let rc = in_place(
            std::ptr::null_mut(),
            SQLCIPHER_DECRYPT,
            &key,
            32,
            &iv,
            &mut out,
            32,
        );
        assert_eq!((rc, &out), (SQLITE_OK, &plain));
        // Not a whole number of blocks, or a short key: refused.
        let rc = in_place(
            std::ptr::null_mut(),
            SQLCIPHER_ENCRYPT,
            &key,
            32,
            &iv,
            &mut out,
            31,
        );
        assert_eq!(rc, SQLITE_ERROR);
        let rc = in_place(
            std::ptr::null_mut(),
            SQLCIPHER_ENCRYPT,
            &key,
            16,
            &iv,
            &mut out,
            32,
        );
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
    fn a_database_keyed_with_pbkdf2_sha1_or_sha256_has_aes_256_ctr_pages_any_other_cbc() {
        let key = unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        let plain = unhex(
            "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51\
             30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
        );
        // NIST SP 800-38A, F.5.5 (CTR-AES256.Encrypt), four blocks.
        let counter = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        let expected = unhex(
            "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5\
             2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6",
        );
        for (algorithm, format) in [
            (PBKDF2_HMAC_SHA256, PageFormat::CtrHmac),
            (PBKDF2_HMAC_SHA1, PageFormat::CtrGmac),
        ] {
            let mut ctr = context_after_kdf(algorithm);
            assert_eq!(page_format(ctr), format);
            let encrypted = through(ctr, SQLCIPHER_ENCRYPT, &key, &counter, &plain);
            assert_eq!(encrypted, expected, "algorithm {algorithm}");
            assert_eq!(
                through(ctr, SQLCIPHER_DECRYPT, &key, &counter, &encrypted),
                plain
            );
            // In place, and from a buffer that overlaps the output one block on.
            let mut buf = plain.clone();
            let rc = in_place(ctr, SQLCIPHER_ENCRYPT, &key, 32, &counter, &mut buf, 64);
            assert_eq!((rc, &buf), (SQLITE_OK, &expected));
            let mut shifted = [&[0u8; 16][..], &plain].concat();
            let p = shifted.as_mut_ptr();
            let rc = cipher(
                ctr,
                SQLCIPHER_ENCRYPT,
                key.as_ptr(),
                32,
                counter.as_ptr(),
                unsafe { p.add(16) },
                64,
                p,
            );
            assert_eq!((rc, &shifted[..64]), (SQLITE_OK, &expected[..]));
            // Another key on the same database (as a rekey has): not the first one's stream.
            let other = [9u8; 32];
            assert_ne!(
                through(ctr, SQLCIPHER_ENCRYPT, &other, &counter, &plain),
                expected
            );
            assert_eq!(
                through(ctr, SQLCIPHER_ENCRYPT, &key, &counter, &plain),
                expected
            );
            // SAFETY: the name is a static C string.
            let name = unsafe { std::ffi::CStr::from_ptr(get_cipher(ctr)) };
            assert_eq!(name.to_str(), Ok("aes-256-ctr"));
            assert_eq!(ctx_free(&mut ctr), SQLITE_OK);
        }

        // SQLCipher's default derivation: CBC, as in F.2.5.
        let iv = unhex("000102030405060708090a0b0c0d0e0f");
        let cbc = context_after_kdf(PBKDF2_HMAC_SHA512);
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
        // Freeing nothing is harmless; a context cannot be made without a place for it.
        assert_eq!(ctx_free(&mut cbc), SQLITE_OK);
        assert_eq!(ctx_init(std::ptr::null_mut()), SQLITE_ERROR);
        // Neither encrypting nor decrypting: refused.
        let ctr = context_after_kdf(PBKDF2_HMAC_SHA1);
        let mut out = [0u8; 32];
        let rc = cipher(
            ctr,
            7,
            key.as_ptr(),
            32,
            iv.as_ptr(),
            plain.as_ptr(),
            32,
            out.as_mut_ptr(),
        );
        assert_eq!(rc, SQLITE_ERROR);
        let mut ctr = ctr;
        ctx_free(&mut ctr);
    }

    /// `hmac` on `ctx` over the two parts, with a 32-byte slot.
    fn tag(ctx: *mut c_void, key: &[u8], first: &[u8], second: &[u8]) -> (c_int, Vec<u8>) {
        let mut out = vec![0u8; 32];
        let rc = hmac(
            ctx,
            HMAC_SHA256,
            key.as_ptr(),
            key.len() as c_int,
            first.as_ptr(),
            first.len() as c_int,
            second.as_ptr(),
            second.len() as c_int,
            out.as_mut_ptr(),
        );
        (rc, out)
    }

    #[test]
    fn a_gmac_database_tags_its_pages_with_aes_256_gcm_over_the_page_its_iv_and_number() {
        let key = unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        let iv = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        let page: Vec<u8> = (0..512).map(|i| i as u8).collect();
        let input = [&page[..], &iv].concat();
        let mut ctx = context_after_kdf(PBKDF2_HMAC_SHA1);
        // AES-256-GCM with the 16-byte IV, no plaintext and the page, its IV
        // and its number as authenticated data, computed by pyca/cryptography
        // 48: AESGCM(key).encrypt(iv, b"", page + iv + pgno).
        let (rc, out) = tag(ctx, &key, &input, &7u32.to_le_bytes());
        assert_eq!(rc, SQLITE_OK);
        assert_eq!(out[..16], unhex("306f9211360c3231fd43abf6d4ea7b18")[..]);
        assert_eq!(out[16..], [0u8; 16], "the rest of the slot is zeros");
        // Another page number: another tag, as pyca/cryptography computes it.
        let (_, moved) = tag(ctx, &key, &input, &8u32.to_le_bytes());
        assert_eq!(moved[..16], unhex("2bec58e81c250d384cab7f8fa805fb1f")[..]);
        // One changed bit of the page, another key: another tag; the first again.
        let mut changed = input.clone();
        changed[100] ^= 1;
        assert_ne!(tag(ctx, &key, &changed, &7u32.to_le_bytes()).1, out);
        assert_ne!(tag(ctx, &[1u8; 32], &input, &7u32.to_le_bytes()).1, out);
        assert_eq!(tag(ctx, &key, &input, &7u32.to_le_bytes()).1, out);
        // Too short to hold an IV, a short key, or another HMAC's slot: refused.
        assert_eq!(tag(ctx, &key, &iv[..15], &[]).0, SQLITE_ERROR);
        assert_eq!(tag(ctx, &key[..16], &input, &[]).0, SQLITE_ERROR);
        let mut slot = [0u8; 64];
        let rc = hmac(
            ctx,
            HMAC_SHA512,
            key.as_ptr(),
            32,
            input.as_ptr(),
            input.len() as c_int,
            std::ptr::null(),
            0,
            slot.as_mut_ptr(),
        );
        assert_eq!(rc, SQLITE_ERROR);
        assert_eq!(ctx_free(&mut ctx), SQLITE_OK);
        // Without a database's context (or in the other formats): HMAC-SHA256.
        let (rc, plain_hmac) = tag(std::ptr::null_mut(), &key, &input, &7u32.to_le_bytes());
        assert_eq!(rc, SQLITE_OK);
        assert_ne!(plain_hmac, out);
        let mut hmac_ctx = context_after_kdf(PBKDF2_HMAC_SHA256);
        assert_eq!(
            tag(hmac_ctx, &key, &input, &7u32.to_le_bytes()).1,
            plain_hmac
        );
        assert_eq!(ctx_free(&mut hmac_ctx), SQLITE_OK);
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

    /// `kdf` with no database's context: its result and `len` derived bytes.
    fn derive(
        algorithm: c_int,
        pass: &[u8],
        salt: &[u8],
        rounds: c_int,
        len: usize,
    ) -> (c_int, Vec<u8>) {
        let mut key = vec![0u8; len];
        let rc = kdf(
            std::ptr::null_mut(),
            algorithm,
            pass.as_ptr(),
            pass.len() as c_int,
            salt.as_ptr(),
            salt.len() as c_int,
            rounds,
            len as c_int,
            key.as_mut_ptr(),
        );
        (rc, key)
    }

    #[test]
    fn pbkdf2_gives_the_rfc_7914_and_hashlib_vectors() {
        // RFC 7914, 11: PBKDF2-HMAC-SHA256 of "passwd", "salt", 1 round, 64 bytes.
        let expected = unhex(
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc\
             49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
        );
        // PBKDF2_HMAC_SHA1 names the GMAC format, and derives as SHA-256 does.
        for algorithm in [PBKDF2_HMAC_SHA256, PBKDF2_HMAC_SHA1] {
            let (rc, key) = derive(algorithm, b"passwd", b"salt", 1, 64);
            assert_eq!((rc, key), (SQLITE_OK, expected.clone()));
        }
        // RFC 6070 has no SHA-512 vector; this is PBKDF2-HMAC-SHA512 of
        // "password", "salt", 1 round (as in RFC 6070's first case), 64 bytes,
        // by Python's hashlib.
        let (rc, key) = derive(PBKDF2_HMAC_SHA512, b"password", b"salt", 1, 64);
        assert_eq!((rc, key), (SQLITE_OK, unhex(SHA512_VECTOR)));
        let (rc, _) = derive(PBKDF2_HMAC_SHA256, b"password", b"salt", 0, 20);
        assert_eq!(rc, SQLITE_ERROR, "no rounds: refused");
    }

    #[test]
    fn the_passphrase_key_is_pbkdf2_hmac_sha256_for_every_passphrase_salt_and_round_count() {
        // RFC 7914, 11: "Password", "NaCl", 80,000 rounds; the first 32 bytes.
        let mut key = [0u8; 32];
        passphrase_key(b"Password", b"NaCl", 80_000, &mut key);
        assert_eq!(
            key.to_vec(),
            unhex("4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56")
        );
        // Against the `pbkdf2` crate: passphrases from empty to longer than
        // a block (hashed first), salts of every length around one, rounds
        // from one on, and the branch's count.
        let mut seed = 0x9e37_79b9_u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as u8
        };
        for len in [0, 1, 8, 31, 32, 55, 56, 63, 64, 65, 100, 200] {
            let passphrase: Vec<u8> = (0..len).map(|_| next()).collect();
            for salt_len in [0, 16, 60, 64, 70] {
                let salt: Vec<u8> = (0..salt_len).map(|_| next()).collect();
                for rounds in [1, 2, 3, 17, 1000] {
                    let (mut ours, mut theirs) = ([0u8; 32], [0u8; 32]);
                    passphrase_key(&passphrase, &salt, rounds, &mut ours);
                    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(&passphrase, &salt, rounds, &mut theirs);
                    assert_eq!(
                        ours, theirs,
                        "{len}-byte passphrase, {salt_len}-byte salt, {rounds} rounds"
                    );
                }
            }
        }
        let (mut ours, mut theirs) = ([0u8; 32], [0u8; 32]);
        passphrase_key(b"march against the raids", &[0x5a; 16], 256_000, &mut ours);
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(
            b"march against the raids",
            &[0x5a; 16],
            256_000,
            &mut theirs,
        );
        assert_eq!(ours, theirs);
        // Other lengths take the crate's own loop.
        let (mut ours, mut theirs) = ([0u8; 64], [0u8; 64]);
        passphrase_key(b"passwd", b"salt", 1, &mut ours);
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"passwd", b"salt", 1, &mut theirs);
        assert_eq!(ours, theirs);
    }

    const SHA512_VECTOR: &str = "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce";
}
