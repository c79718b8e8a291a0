//! The files officers' laptops leave in the shared folder: change files
//! (`LAPTOP-000042.hbc`), join requests (`join-LAPTOP.hbj`) and invitations
//! (`invite-ID.hbi`). A change file or a join request is a short plain
//! header, the age ciphertext (X25519, the branch's key of its epoch) of its
//! deflated body, and an Ed25519 signature of everything before it; an
//! invitation is sealed with its code in age's scrypt mode. Each is checked
//! for size and shape, then signature, before anything in it is read.

use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use ring::signature::{self, Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};

use super::ops::{hex, unhex, FORMAT};
use crate::db::outside;
use crate::error::{Error, Result};

const MAGIC: &[u8] = b"handbill-share\n";
/// The largest file read from the folder: a change file of a very large import.
pub(crate) const MAX_FILE: u64 = 512 * 1024 * 1024;
/// The largest body a file may inflate to.
const MAX_BODY: u64 = 512 * 1024 * 1024;
const MAX_HEADER: usize = 4096;
const SIG: usize = 64;

/// The plain part of a change file or join request: what is needed to check
/// and decrypt it, and nothing about the branch.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Header {
    pub format: u32,
    /// `change` or `join`.
    pub kind: String,
    pub laptop: String,
    #[serde(default)]
    pub seq: i64,
    pub epoch: i64,
    /// BLAKE3 of the laptop's previous change file ('' for its first).
    #[serde(default)]
    pub prev: String,
}

/// Why a file from the folder is not applied, in words for the Sharing list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Refusal {
    /// Cut short, not ours, or its header unreadable.
    Shape(String),
    /// Its signature does not match: changed after it was signed.
    Signature,
    /// A later Handbill wrote it.
    Newer(u32),
    /// No key of this branch opens it.
    Key,
}

impl Refusal {
    pub fn words(&self) -> String {
        match self {
            Refusal::Shape(w) => format!("not a Handbill change file: {w}"),
            Refusal::Signature => {
                "its signature does not match: it was changed or cut short after it was written".into()
            }
            Refusal::Newer(f) => format!(
                "written by a newer Handbill (format {f}; this one reads {FORMAT}): upgrade Handbill to apply it"
            ),
            Refusal::Key => "no key of this branch opens it".into(),
        }
    }
}

/// Splits a file into its header, the signed part and the ciphertext, and
/// checks its shape. The signature is checked by [`verify`].
/// A file split in its parts: the header, the signed bytes, the signature
/// and the ciphertext.
pub(crate) type Parts<'a> = (Header, &'a [u8], &'a [u8], &'a [u8]);

pub(crate) fn parse(bytes: &[u8]) -> std::result::Result<Parts<'_>, Refusal> {
    if bytes.len() < MAGIC.len() + 4 + SIG || !bytes.starts_with(MAGIC) {
        return Err(Refusal::Shape("it does not start as one".into()));
    }
    let at = MAGIC.len();
    let len = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
    if len == 0 || len > MAX_HEADER || at + 4 + len + SIG > bytes.len() {
        return Err(Refusal::Shape("its header is cut short".into()));
    }
    let header: Header = serde_json::from_slice(&bytes[at + 4..at + 4 + len])
        .map_err(|_| Refusal::Shape("its header is not readable".into()))?;
    let signed = &bytes[..bytes.len() - SIG];
    let sig = &bytes[bytes.len() - SIG..];
    let cipher = &bytes[at + 4 + len..bytes.len() - SIG];
    Ok((header, signed, sig, cipher))
}

pub(crate) fn verify(public: &[u8], signed: &[u8], sig: &[u8]) -> bool {
    signature::UnparsedPublicKey::new(&signature::ED25519, public)
        .verify(signed, sig)
        .is_ok()
}

/// Writes a change file or join request: header, encrypted deflated body,
/// signature.
pub(crate) fn seal(
    header: &Header,
    body: &[u8],
    recipient: &str,
    signer: &Ed25519KeyPair,
) -> Result<Vec<u8>> {
    let recipient = age::x25519::Recipient::from_str(recipient)
        .map_err(|e| Error::internal(format!("The branch's key is not readable: {e}")))?;
    let mut deflated = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
    let io = |e: std::io::Error| Error::internal(format!("A change file could not be packed: {e}"));
    deflated.write_all(body).map_err(io)?;
    let deflated = deflated.finish().map_err(io)?;
    let cipher = age::encrypt(&recipient, &deflated)
        .map_err(|e| Error::internal(format!("A change file could not be encrypted: {e}")))?;
    let head = serde_json::to_vec(header)
        .map_err(|e| Error::internal(format!("A change file could not be written: {e}")))?;
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + head.len() + cipher.len() + SIG);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(head.len() as u32).to_be_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(&cipher);
    let sig = signer.sign(&out);
    out.extend_from_slice(sig.as_ref());
    Ok(out)
}

/// Decrypts and inflates a checked file's body.
pub(crate) fn open(cipher: &[u8], secret: &str) -> std::result::Result<Vec<u8>, Refusal> {
    let identity = age::x25519::Identity::from_str(secret).map_err(|_| Refusal::Key)?;
    let plain = age::decrypt(&identity, cipher).map_err(|_| Refusal::Key)?;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(plain.as_slice())
        .take(MAX_BODY + 1)
        .read_to_end(&mut out)
        .map_err(|_| Refusal::Shape("its body is damaged".into()))?;
    if out.len() as u64 > MAX_BODY {
        return Err(Refusal::Shape("its body is too large".into()));
    }
    Ok(out)
}

/// Reads a file of the folder with the limits of [`outside`].
pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    outside::read(
        path,
        outside::Kind {
            field: "folder",
            what: "change file",
            limit: MAX_FILE,
        },
    )
}

/// A new Ed25519 key pair, as PKCS#8.
pub(crate) fn new_signer() -> Result<Vec<u8>> {
    let rng = ring::rand::SystemRandom::new();
    Ed25519KeyPair::generate_pkcs8(&rng)
        .map(|d| d.as_ref().to_vec())
        .map_err(|_| Error::internal("The computer's random source failed."))
}

pub(crate) fn signer(pkcs8: &[u8]) -> Result<Ed25519KeyPair> {
    Ed25519KeyPair::from_pkcs8(pkcs8)
        .map_err(|_| Error::storage("This laptop's signing key is damaged."))
}

pub(crate) fn public_key(pkcs8: &[u8]) -> Result<Vec<u8>> {
    Ok(signer(pkcs8)?.public_key().as_ref().to_vec())
}

/// A new X25519 identity (secret, recipient).
pub(crate) fn new_identity() -> (String, String) {
    let id = age::x25519::Identity::generate();
    let recipient = id.to_public().to_string();
    (id.to_string().expose_secret().to_owned(), recipient)
}

pub(crate) fn recipient_of(secret: &str) -> Result<String> {
    age::x25519::Identity::from_str(secret)
        .map(|i| i.to_public().to_string())
        .map_err(|_| Error::storage("A key of this branch is damaged."))
}

/// A secret sealed to one officer's own key (a new branch key on removal).
pub(crate) fn seal_to(recipient: &str, secret: &str) -> Result<String> {
    let r = age::x25519::Recipient::from_str(recipient)
        .map_err(|_| Error::storage("An officer's key is damaged."))?;
    let c = age::encrypt(&r, secret.as_bytes())
        .map_err(|e| Error::internal(format!("A key could not be sealed: {e}")))?;
    Ok(hex(&c))
}

pub(crate) fn unseal(own_secret: &str, sealed: &str) -> Option<String> {
    let id = age::x25519::Identity::from_str(own_secret).ok()?;
    let c = unhex(sealed)?;
    let p = age::decrypt(&id, &c).ok()?;
    String::from_utf8(p).ok()
}

/// The scrypt work factor of an invitation: about a quarter of a second to
/// open, so guessing a 60-bit code is out of reach.
const INVITE_WORK: u8 = 16;

pub(crate) fn seal_invite(code: &str, body: &[u8]) -> Result<Vec<u8>> {
    let mut r = age::scrypt::Recipient::new(SecretString::from(code.to_owned()));
    r.set_work_factor(INVITE_WORK);
    age::encrypt(&r, body)
        .map_err(|e| Error::internal(format!("The invitation could not be sealed: {e}")))
}

pub(crate) fn open_invite(code: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    let mut id = age::scrypt::Identity::new(SecretString::from(code.to_owned()));
    id.set_max_work_factor(20);
    age::decrypt(&id, bytes).ok()
}
