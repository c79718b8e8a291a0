//! Officers share one branch from their own laptops through a folder any
//! file-sync tool carries (docs/sharing.md). This laptop writes only its own
//! numbered, signed, encrypted change files there and applies everyone
//! else's; the branch file itself never travels. `init` starts sharing,
//! `invite` and `join` add a laptop, `sync` writes and applies, `remove`
//! takes an officer off and makes a new branch key, `pick` settles a field
//! changed on two laptops while apart, `claim` keeps an announcement to one
//! sender, `dump` writes the data in one canonical order to compare laptops.
//!
//! It sits above `events/` (whose search index it refreshes) and below
//! `mail/` (which claims an announcement before sending it); the tables it
//! shares it names only in SQL, in `schema.rs`.

mod apply;
mod file;
mod ops;
mod schema;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use ring::hmac;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock;
use crate::db::{outside, Database, Tx};
use crate::error::{Error, Result};
use ops::{Body, RosterOp, FORMAT};
use schema::Rule;

fn to_json<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v)
        .map_err(|e| Error::internal(format!("A change could not be written: {e}")))
}

pub(crate) fn random<const N: usize>() -> Result<[u8; N]> {
    use ring::rand::SecureRandom;
    let mut b = [0u8; N];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| Error::internal("The computer's random source failed."))?;
    Ok(b)
}

/// Start sharing this branch through a folder.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct InitRequest {
    pub folder: PathBuf,
    /// How the other officers see this laptop: "Ana's laptop".
    pub name: String,
}

/// Join a branch another officer shares, with the code they were shown.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct JoinRequest {
    pub folder: PathBuf,
    pub code: String,
    pub name: String,
}

/// Settle a field changed on two laptops while apart: keep one write.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct PickRequest {
    pub conflict: String,
    /// The chosen write's laptop and file number, as the conflict lists them.
    pub laptop: String,
    pub seq: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Invitation {
    /// The code to tell the new officer: three groups of four letters and digits.
    pub code: String,
    pub folder: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct LaptopRow {
    pub laptop: String,
    pub name: String,
    pub this_laptop: bool,
    pub removed: bool,
    /// How many of its change files are applied here.
    pub files: i64,
    /// When it last changed something (its clock), RFC 3339.
    pub last_change: Option<String>,
    /// When its last file was applied here.
    pub last_applied: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Problem {
    pub file: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Choice {
    pub laptop: String,
    pub laptop_name: String,
    pub seq: i64,
    pub value: String,
    /// The value shown now (the later write).
    pub current: bool,
}

/// A field two laptops changed while apart.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Conflict {
    /// What `pick` names it by.
    pub id: String,
    /// "Event", "Organization", …
    pub what: String,
    /// The row as a person knows it: an event's title, an organization's name.
    pub label: String,
    pub field: String,
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ShareStatus {
    pub sharing: bool,
    pub folder: String,
    pub laptop: String,
    pub name: String,
    /// When this laptop last synced, RFC 3339.
    pub synced_at: Option<String>,
    pub laptops: Vec<LaptopRow>,
    /// Files in the folder that were not applied, and why.
    pub problems: Vec<Problem>,
    pub conflicts: Vec<Conflict>,
    /// Changes made here not yet written to the folder.
    pub pending: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncReport {
    /// Change files this laptop wrote.
    pub written: i64,
    /// Other laptops' change files applied.
    pub applied: i64,
    /// Rows those files changed.
    pub rows: i64,
    pub status: ShareStatus,
}

struct Me {
    laptop: String,
    name: String,
    sign_key: Vec<u8>,
    age_secret: String,
    folder: PathBuf,
    next_seq: i64,
    last_hash: String,
}

fn me(db: &Database) -> Result<Option<Me>> {
    Ok(db
        .conn()
        .query_row(
            "SELECT laptop, name, sign_key, age_secret, folder, next_seq, last_hash FROM share_self",
            [],
            |r| {
                Ok(Me {
                    laptop: r.get(0)?,
                    name: r.get(1)?,
                    sign_key: r.get(2)?,
                    age_secret: r.get(3)?,
                    folder: PathBuf::from(r.get::<_, String>(4)?),
                    next_seq: r.get(5)?,
                    last_hash: r.get(6)?,
                })
            },
        )
        .optional()?)
}

fn sharing(db: &Database) -> Result<Me> {
    me(db)?.ok_or_else(|| {
        Error::invalid_field(
            "sharing",
            "This branch is not shared yet: start with Settings → Sharing, or `handbill share init FOLDER`.",
        )
    })
}

/// Whether this branch is shared (cheap: for the send path and the window).
pub fn is_shared(db: &Database) -> Result<bool> {
    Ok(me(db)?.is_some())
}

/// Makes the change triggers again when a migration changed a shared table.
/// Called at every opening of a shared branch.
pub fn prepare(db: &Database) -> Result<()> {
    schema::ensure_triggers(db)
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid_field(
            "name",
            "Say how the other officers should know this laptop, for instance “Ana's laptop”.",
        ));
    }
    if name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(Error::invalid_field(
            "name",
            "Keep the laptop's name to one line of at most 80 characters.",
        ));
    }
    Ok(name.to_owned())
}

fn check_folder(folder: &Path) -> Result<PathBuf> {
    if !folder.is_dir() {
        return Err(Error::invalid_field(
            "folder",
            format!(
                "{} is not a folder here: choose the folder your sync tool shares (create it first).",
                folder.display()
            ),
        ));
    }
    Ok(folder
        .canonicalize()
        .unwrap_or_else(|_| folder.to_path_buf()))
}

fn hlc_tick(db: &Database) -> Result<String> {
    let last: String = db
        .conn()
        .query_row("SELECT hlc FROM share_self", [], |r| r.get(0))?;
    let (ms, c) = parse_hlc(&last);
    let now = clock::now_ms();
    let next = if now > ms { (now, 0) } else { (ms, c + 1) };
    let text = format!("{:013}.{:05}", next.0, next.1);
    db.conn()
        .execute("UPDATE share_self SET hlc = ?1", [&text])?;
    Ok(text)
}

fn hlc_seen(db: &Database, remote: &str) -> Result<()> {
    db.conn()
        .execute("UPDATE share_self SET hlc = ?1 WHERE hlc < ?1", [remote])?;
    Ok(())
}

/// A clock as files carry it: 13 digits of milliseconds, a dot, 5 digits.
fn hlc_is_well_formed(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 19
        && b[13] == b'.'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 13 || c.is_ascii_digit())
}

fn parse_hlc(text: &str) -> (i64, i64) {
    let mut parts = text.split('.');
    let ms = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let c = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (ms, c)
}

fn hlc_time(text: &str) -> Option<String> {
    let (ms, _) = parse_hlc(text);
    (ms > 0).then(|| {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.to_string())
            .unwrap_or_default()
    })
}

/// The branch's key of one epoch, when this laptop has received it.
fn key_of_epoch(db: &Database, epoch: i64) -> Result<Option<String>> {
    Ok(db
        .conn()
        .query_row(
            "SELECT secret FROM share_key WHERE epoch = ?1",
            [epoch],
            |r| r.get(0),
        )
        .optional()?)
}

fn latest_key(db: &Database) -> Result<(i64, String)> {
    db.conn()
        .query_row(
            "SELECT epoch, secret FROM share_key ORDER BY epoch DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| Error::storage("This branch has no sharing key: join it again."))
}

fn change_name(laptop: &str, seq: i64) -> String {
    format!("{laptop}-{seq:06}.hbc")
}

/// Writes this laptop's noted changes (and `roster`) as its next change
/// file, kept in `share_outbox` until it is in the folder. The caller holds
/// the transaction.
fn flush(db: &Database, me: &mut Me, roster: Vec<RosterOp>) -> Result<bool> {
    let dirty: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM sync_dirty", [], |r| r.get(0))?;
    let claims: i64 = db.conn().query_row(
        "SELECT count(*) FROM sync_claim WHERE laptop = ?1 AND seq = 0",
        [&me.laptop],
        |r| r.get(0),
    )?;
    if dirty == 0 && claims == 0 && roster.is_empty() {
        return Ok(false);
    }
    let seq = me.next_seq;
    let hlc = hlc_tick(db)?;
    let tables = schema::tables(db)?;
    let batches = ops::collect(db, &tables, &me.laptop, seq, &hlc)?;
    let mut stmt = db
        .conn()
        .prepare("SELECT announcement FROM sync_claim WHERE laptop = ?1 AND seq = 0")?;
    let claims: Vec<String> = stmt
        .query_map([&me.laptop], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    drop(stmt);
    db.conn().execute(
        "UPDATE sync_claim SET seq = ?2, hlc = ?3 WHERE laptop = ?1 AND seq = 0",
        rusqlite::params![me.laptop, seq, hlc],
    )?;
    // What this file had seen, kept before its own opt-outs and liftings are
    // weighed against the others'.
    let knows = knows(db, &me.laptop)?;
    db.conn().execute(
        "INSERT OR REPLACE INTO share_file (laptop, seq, knows, hlc) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![
            me.laptop,
            seq,
            String::from_utf8(to_json(&knows)?).unwrap_or_default(),
            hlc
        ],
    )?;
    {
        let mut applier = apply::Applier::new(db, &tables);
        let own = apply::Stamp {
            laptop: me.laptop.clone(),
            seq,
            hlc: hlc.clone(),
        };
        let keys = applier.record_consent(&batches, &own)?;
        db.conn()
            .execute("UPDATE share_self SET capturing = 0", [])?;
        let derived = applier.derive_suppression(&keys);
        db.conn()
            .execute("UPDATE share_self SET capturing = 1", [])?;
        derived?;
    }
    let body = Body {
        format: FORMAT,
        laptop: me.laptop.clone(),
        seq,
        hlc: hlc.clone(),
        knows: knows.clone(),
        roster,
        batches,
        claims,
    };
    let json = to_json(&body)?;
    let (epoch, secret) = latest_key(db)?;
    let header = file::Header {
        format: FORMAT,
        kind: "change".into(),
        laptop: me.laptop.clone(),
        seq,
        epoch,
        prev: me.last_hash.clone(),
    };
    let bytes = file::seal(
        &header,
        &json,
        &file::recipient_of(&secret)?,
        &file::signer(&me.sign_key)?,
    )?;
    let hash = blake3::hash(&bytes).to_hex().to_string();
    db.conn().execute(
        "INSERT INTO share_outbox (seq, bytes) VALUES (?1, ?2)",
        rusqlite::params![seq, bytes],
    )?;
    db.conn().execute(
        "UPDATE share_self SET next_seq = ?1, last_hash = ?2",
        rusqlite::params![seq + 1, hash],
    )?;
    db.conn().execute(
        "UPDATE share_laptop SET applied_seq = ?2, applied_hash = ?3, last_change = ?4, last_applied = ?5 WHERE laptop = ?1",
        rusqlite::params![me.laptop, seq, hash, hlc, clock::now_text()],
    )?;
    me.next_seq = seq + 1;
    me.last_hash = hash;
    Ok(true)
}

fn knows(db: &Database, me: &str) -> Result<BTreeMap<String, i64>> {
    let mut stmt = db.conn().prepare(
        "SELECT laptop, applied_seq FROM share_laptop WHERE laptop != ?1 AND applied_seq > 0",
    )?;
    let out = stmt
        .query_map([me], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<std::result::Result<_, _>>()?;
    Ok(out)
}

/// Writes the change files waiting in `share_outbox` to the folder.
fn write_outbox(db: &Database, me: &Me) -> Result<i64> {
    let mut stmt = db
        .conn()
        .prepare("SELECT seq, bytes FROM share_outbox ORDER BY seq")?;
    let files: Vec<(i64, Vec<u8>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<std::result::Result<_, _>>()?;
    drop(stmt);
    let mut n = 0;
    for (seq, bytes) in files {
        outside::write(&me.folder.join(change_name(&me.laptop, seq)), &bytes).map_err(|e| {
            Error::storage(format!(
                "The shared folder {} could not be written: {} Your changes are kept and written at the next sync.",
                me.folder.display(),
                e.message
            ))
        })?;
        db.conn()
            .execute("DELETE FROM share_outbox WHERE seq = ?1", [seq])?;
        n += 1;
    }
    Ok(n)
}

/// Starts sharing this branch: this laptop's keys, the branch's key, and a
/// first change file holding the whole branch, for the laptops that join.
pub fn init(db: &Database, request: &InitRequest) -> Result<ShareStatus> {
    let name = check_name(&request.name)?;
    let folder = check_folder(&request.folder)?;
    if let Some(me) = me(db)? {
        return Err(Error::invalid_field(
            "folder",
            format!(
                "This branch is already shared through {}.",
                me.folder.display()
            ),
        ));
    }
    let tx = Tx::begin(db)?;
    let laptop = ops::hex(&random::<8>()?);
    let sign_key = file::new_signer()?;
    let (age_secret, age_recipient) = file::new_identity();
    let (branch_secret, _) = file::new_identity();
    let now = clock::now_text();
    db.conn().execute(
        "INSERT INTO share_self (id, laptop, name, sign_key, age_secret, folder, created_at) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![laptop, name, sign_key, age_secret, folder.to_string_lossy(), now],
    )?;
    db.conn().execute(
        "INSERT INTO share_laptop (laptop, name, sign_key, age_recipient, joined_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![laptop, name, file::public_key(&sign_key)?, age_recipient, now],
    )?;
    db.conn().execute(
        "INSERT INTO share_key (epoch, secret) VALUES (1, ?1)",
        [&branch_secret],
    )?;
    schema::ensure_triggers(db)?;
    let tables = schema::tables(db)?;
    ops::snapshot(db, &tables)?;
    let mut me = sharing(db)?;
    let roster = vec![RosterOp::Add {
        laptop: laptop.clone(),
        name: name.clone(),
        sign_key: ops::hex(&file::public_key(&me.sign_key)?),
        age_recipient,
    }];
    flush(db, &mut me, roster)?;
    tx.commit()?;
    write_outbox(db, &me)?;
    db.conn()
        .execute("UPDATE share_self SET synced_at = ?1", [clock::now_text()])?;
    status(db)
}

#[derive(Serialize, Deserialize)]
struct InviteBody {
    invite: String,
    mac_key: String,
    by: String,
    keys: Vec<(i64, String)>,
    laptops: Vec<InviteLaptop>,
}

#[derive(Serialize, Deserialize)]
struct InviteLaptop {
    laptop: String,
    name: String,
    sign_key: String,
    age_recipient: String,
    removed_after: Option<i64>,
}

/// The newest invitations a join tries its code on.
const MAX_INVITES_TRIED: usize = 12;

/// Letters of an invitation code: no 0/O, 1/I/L, U, so it reads aloud.
const CODE_LETTERS: &[u8; 32] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ01";

/// A code as typed: upper case, spaces and dashes dropped, then grouped.
fn normal_code(code: &str) -> Result<String> {
    let plain: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if plain.len() != 12 || !plain.bytes().all(|b| CODE_LETTERS[..30].contains(&b)) {
        return Err(Error::invalid_field(
            "code",
            "An invitation code is twelve letters and digits, like 7KQ2-M9XD-4PWA: check it with the officer who made it.",
        ));
    }
    Ok(format!("{}-{}-{}", &plain[..4], &plain[4..8], &plain[8..]))
}

/// Makes an invitation: a code to show the new officer, and a file in the
/// folder it opens, holding the branch's keys and officers. The new laptop's
/// request is accepted by every officer's laptop that sees it.
pub fn invite(db: &Database) -> Result<Invitation> {
    let me_now = sharing(db)?;
    let bytes = random::<12>()?;
    let code: String = bytes
        .iter()
        .map(|b| CODE_LETTERS[(*b as usize) % 30] as char)
        .collect();
    let code = normal_code(&code)?;
    // The file's name says nothing of the code (a hash of it in the name
    // could be guessed at without the scrypt work): a random id.
    let invite = ops::hex(&random::<8>()?);
    let mac_key = random::<32>()?;
    let tx = Tx::begin(db)?;
    db.conn().execute(
        "INSERT INTO share_invite (invite, mac_key, by_laptop, made_at, code) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![invite, mac_key.to_vec(), me_now.laptop, clock::now_text(), code],
    )?;
    let mut me = me_now;
    flush(
        db,
        &mut me,
        vec![RosterOp::Invite {
            invite: invite.clone(),
            mac_key: ops::hex(&mac_key),
        }],
    )?;
    let mut stmt = db
        .conn()
        .prepare("SELECT epoch, secret FROM share_key ORDER BY epoch")?;
    let keys: Vec<(i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<std::result::Result<_, _>>()?;
    drop(stmt);
    let mut stmt = db.conn().prepare(
        "SELECT laptop, name, sign_key, age_recipient, removed_after FROM share_laptop ORDER BY laptop",
    )?;
    let laptops: Vec<InviteLaptop> = stmt
        .query_map([], |r| {
            Ok(InviteLaptop {
                laptop: r.get(0)?,
                name: r.get(1)?,
                sign_key: ops::hex(&r.get::<_, Vec<u8>>(2)?),
                age_recipient: r.get(3)?,
                removed_after: r.get(4)?,
            })
        })?
        .collect::<std::result::Result<_, _>>()?;
    drop(stmt);
    let body = InviteBody {
        invite: invite.clone(),
        mac_key: ops::hex(&mac_key),
        by: me.laptop.clone(),
        keys,
        laptops,
    };
    let sealed = file::seal_invite(&code, &to_json(&body)?)?;
    tx.commit()?;
    outside::write(&me.folder.join(format!("invite-{invite}.hbi")), &sealed)?;
    write_outbox(db, &me)?;
    Ok(Invitation {
        code,
        folder: me.folder.to_string_lossy().into_owned(),
    })
}

#[derive(Serialize, Deserialize)]
struct JoinBody {
    invite: String,
    laptop: String,
    name: String,
    sign_key: String,
    age_recipient: String,
    mac: String,
}

fn join_mac(mac_key: &[u8], laptop: &str, sign_key: &str, age_recipient: &str) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, mac_key);
    hmac::sign(
        &key,
        format!("{laptop}\n{sign_key}\n{age_recipient}").as_bytes(),
    )
    .as_ref()
    .to_vec()
}

/// Joins a branch another officer shares: this branch must be new (nothing
/// of its own to lose); the invitation in the folder, opened with the code,
/// gives the branch's keys; a join request goes into the folder, and the
/// branch arrives at this sync.
pub fn join(db: &Database, request: &JoinRequest) -> Result<SyncReport> {
    let name = check_name(&request.name)?;
    let folder = check_folder(&request.folder)?;
    let code = normal_code(&request.code)?;
    if let Some(me) = me(db)? {
        return Err(Error::invalid_field(
            "folder",
            format!(
                "This branch is already shared through {}.",
                me.folder.display()
            ),
        ));
    }
    let own: i64 = db.conn().query_row(
        "SELECT (SELECT count(*) FROM event) + (SELECT count(*) FROM subscriber) + (SELECT count(*) FROM organization) + (SELECT count(*) FROM tour)",
        [],
        |r| r.get(0),
    )?;
    if own > 0 {
        return Err(Error::invalid_field(
            "folder",
            "This branch has events or people of its own: join from a new, empty branch (start Handbill with another file, `--db NEW.sqlite`), so nothing here is lost.",
        ));
    }
    // The newest invitations first; each is tried with the code (a quarter
    // of a second each, by design).
    let mut invites: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&folder)
        .map_err(|e| {
            Error::storage(format!(
                "The folder {} cannot be read: {e}.",
                folder.display()
            ))
        })?
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with("invite-") && n.ends_with(".hbi")
        })
        .map(|e| {
            let when = e
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (when, e.path())
        })
        .collect();
    invites.sort_by_key(|b| std::cmp::Reverse(b.0));
    if invites.is_empty() {
        return Err(Error::invalid_field(
            "code",
            format!(
                "No invitation is in {}: check that it is the shared folder, and that your sync tool has finished bringing it.",
                folder.display()
            ),
        ));
    }
    let mut plain = None;
    for (_, path) in invites.iter().take(MAX_INVITES_TRIED) {
        let Ok(sealed) = outside::read(
            path,
            outside::Kind {
                field: "code",
                what: "invitation",
                limit: 1024 * 1024,
            },
        ) else {
            continue;
        };
        if let Some(p) = file::open_invite(&code, &sealed) {
            plain = Some(p);
            break;
        }
    }
    let plain = plain.ok_or_else(|| {
        Error::invalid_field(
            "code",
            format!(
                "No invitation in {} opens with this code: check the code with the officer who made it, and that your sync tool has finished bringing the folder.",
                folder.display()
            ),
        )
    })?;
    let body: InviteBody = serde_json::from_slice(&plain).map_err(|_| {
        Error::invalid_field("code", "The invitation is damaged: ask for a new one.")
    })?;
    let laptop = ops::hex(&random::<8>()?);
    let sign_key = file::new_signer()?;
    let (age_secret, age_recipient) = file::new_identity();
    let now = clock::now_text();
    let tx = Tx::begin(db)?;
    db.conn().execute(
        "INSERT INTO share_self (id, laptop, name, sign_key, age_secret, folder, created_at) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![laptop, name, sign_key, age_secret, folder.to_string_lossy(), now],
    )?;
    let public = file::public_key(&sign_key)?;
    db.conn().execute(
        "INSERT INTO share_laptop (laptop, name, sign_key, age_recipient, joined_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![laptop, name, public, age_recipient, now],
    )?;
    for l in &body.laptops {
        let key = ops::unhex(&l.sign_key).ok_or_else(|| {
            Error::invalid_field("code", "The invitation is damaged: ask for a new one.")
        })?;
        db.conn().execute(
            "INSERT OR IGNORE INTO share_laptop (laptop, name, sign_key, age_recipient, joined_at, removed_after) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![l.laptop, l.name, key, l.age_recipient, now, l.removed_after],
        )?;
    }
    for (epoch, secret) in &body.keys {
        db.conn().execute(
            "INSERT OR IGNORE INTO share_key (epoch, secret) VALUES (?1, ?2)",
            rusqlite::params![epoch, secret],
        )?;
    }
    let mac_key = ops::unhex(&body.mac_key).unwrap_or_default();
    db.conn().execute(
        "INSERT OR IGNORE INTO share_invite (invite, mac_key, by_laptop, made_at) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![body.invite, mac_key, body.by, now],
    )?;
    let public_hex = ops::hex(&public);
    let request_body = JoinBody {
        invite: body.invite.clone(),
        laptop: laptop.clone(),
        name: name.clone(),
        sign_key: public_hex.clone(),
        age_recipient: age_recipient.clone(),
        mac: ops::hex(&join_mac(&mac_key, &laptop, &public_hex, &age_recipient)),
    };
    let (epoch, secret) = latest_key(db)?;
    let bytes = file::seal(
        &file::Header {
            format: FORMAT,
            kind: "join".into(),
            laptop: laptop.clone(),
            seq: 0,
            epoch,
            prev: String::new(),
        },
        &to_json(&request_body)?,
        &file::recipient_of(&secret)?,
        &file::signer(&sign_key)?,
    )?;
    schema::ensure_triggers(db)?;
    tx.commit()?;
    outside::write(&folder.join(format!("join-{laptop}.hbj")), &bytes)?;
    sync(db)
}

/// Writes this laptop's changes to the folder and applies every other
/// officer's that can be: each laptop's files in order, each once the files
/// it had seen are applied here, each all or nothing.
pub fn sync(db: &Database) -> Result<SyncReport> {
    sync_with(db, Vec::new())
}

fn sync_with(db: &Database, roster: Vec<RosterOp>) -> Result<SyncReport> {
    let mut me = sharing(db)?;
    if !me.folder.is_dir() {
        return Err(Error::storage(format!(
            "The shared folder {} is not there: is the drive or the sync tool's folder in place? Your changes are kept.",
            me.folder.display()
        )));
    }
    schema::ensure_triggers(db)?;
    let tx = Tx::begin(db)?;
    db.conn().execute_batch("PRAGMA defer_foreign_keys = ON")?;
    let mut report = Totals::default();
    // Files of this laptop's own beyond what the branch knows: the branch was
    // restored from a copy. They are applied like anyone's, then numbering
    // goes on after them.
    apply_own_later(db, &mut me, &mut report)?;
    flush(db, &mut me, roster)?;
    accept_joins(db, &me)?;
    apply_ready(db, &me, &mut report)?;
    tx.commit()?;
    let written = write_outbox(db, &me)?;
    db.conn()
        .execute("UPDATE share_self SET synced_at = ?1", [clock::now_text()])?;
    give_way_where_lost(db, &me)?;
    Ok(SyncReport {
        written,
        applied: report.files,
        rows: report.rows,
        status: status(db)?,
    })
}

#[derive(Default)]
struct Totals {
    files: i64,
    rows: i64,
}

fn problem(db: &Database, file: &str, reason: &str) -> Result<()> {
    db.conn().execute(
        "INSERT INTO share_problem (file, reason, at) VALUES (?1, ?2, ?3)
         ON CONFLICT (file) DO UPDATE SET reason = excluded.reason",
        rusqlite::params![file, reason, clock::now_text()],
    )?;
    Ok(())
}

/// The change files in the folder: laptop → numbers.
/// What the folder holds: change files by laptop, join requests' laptops,
/// and names Handbill does not write.
type Listing = (HashMap<String, Vec<i64>>, Vec<String>, Vec<String>);

fn listing(folder: &Path) -> Result<Listing> {
    let mut changes: HashMap<String, Vec<i64>> = HashMap::new();
    let mut joins = Vec::new();
    let mut others = Vec::new();
    let entries = std::fs::read_dir(folder).map_err(|e| {
        Error::storage(format!(
            "The shared folder {} cannot be read: {e}.",
            folder.display()
        ))
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.starts_with("invite-") {
            continue;
        }
        if let Some(l) = name
            .strip_prefix("join-")
            .and_then(|n| n.strip_suffix(".hbj"))
        {
            joins.push(l.to_owned());
            continue;
        }
        if let Some(stem) = name.strip_suffix(".hbc") {
            if let Some((l, n)) = stem.rsplit_once('-') {
                if let Ok(n) = n.parse::<i64>() {
                    if n > 0 && !l.is_empty() {
                        changes.entry(l.to_owned()).or_default().push(n);
                        continue;
                    }
                }
            }
        }
        others.push(name);
    }
    Ok((changes, joins, others))
}

/// Accepts the join requests in the folder that prove an invitation known here.
fn accept_joins(db: &Database, me: &Me) -> Result<()> {
    let (_, joins, _) = listing(&me.folder)?;
    for laptop in joins {
        let known: bool = db
            .conn()
            .query_row(
                "SELECT 1 FROM share_laptop WHERE laptop = ?1",
                [&laptop],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if known {
            continue;
        }
        let name = format!("join-{laptop}.hbj");
        let bytes = match file::read(&me.folder.join(&name)) {
            Ok(b) => b,
            Err(e) => {
                problem(db, &name, &e.message)?;
                continue;
            }
        };
        match check_join(db, &laptop, &bytes)? {
            Ok(Some(j)) => {
                let key = ops::unhex(&j.sign_key).unwrap_or_default();
                db.conn().execute(
                    "INSERT OR IGNORE INTO share_laptop (laptop, name, sign_key, age_recipient, joined_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    rusqlite::params![j.laptop, j.name, key, j.age_recipient, clock::now_text()],
                )?;
                db.conn()
                    .execute("DELETE FROM share_problem WHERE file = ?1", [&name])?;
            }
            Ok(None) => {}
            Err(why) => problem(db, &name, &why)?,
        }
    }
    Ok(())
}

/// A join request: accepted, not yet (its invitation is not known here), or
/// refused with the reason.
fn check_join(
    db: &Database,
    laptop: &str,
    bytes: &[u8],
) -> Result<std::result::Result<Option<JoinBody>, String>> {
    let (header, signed, sig, cipher) = match file::parse(bytes) {
        Ok(p) => p,
        Err(r) => return Ok(Err(r.words())),
    };
    if header.kind != "join" || header.laptop != laptop {
        return Ok(Err("its name and contents do not agree".into()));
    }
    if header.format > FORMAT {
        return Ok(Err(file::Refusal::Newer(header.format).words()));
    }
    let secret = key_of_epoch(db, header.epoch)?;
    let Some(secret) = secret else {
        return Ok(Err(file::Refusal::Key.words()));
    };
    let plain = match file::open(cipher, &secret) {
        Ok(p) => p,
        Err(r) => return Ok(Err(r.words())),
    };
    let Ok(j) = serde_json::from_slice::<JoinBody>(&plain) else {
        return Ok(Err("its request is not readable".into()));
    };
    let Some(public) = ops::unhex(&j.sign_key) else {
        return Ok(Err("its request is not readable".into()));
    };
    if j.laptop != laptop || !file::verify(&public, signed, sig) {
        return Ok(Err(file::Refusal::Signature.words()));
    }
    let mac_key: Option<Vec<u8>> = db
        .conn()
        .query_row(
            "SELECT mac_key FROM share_invite WHERE invite = ?1",
            [&j.invite],
            |r| r.get(0),
        )
        .optional()?;
    let Some(mac_key) = mac_key else {
        return Ok(Ok(None));
    };
    let want = join_mac(&mac_key, &j.laptop, &j.sign_key, &j.age_recipient);
    if ops::unhex(&j.mac).as_deref() != Some(want.as_slice()) {
        return Ok(Err("it does not prove an invitation of this branch".into()));
    }
    if check_name(&j.name).is_err() {
        return Ok(Err("its laptop name is not readable".into()));
    }
    Ok(Ok(Some(j)))
}

/// This laptop's own files in the folder past what the branch records.
fn apply_own_later(db: &Database, me: &mut Me, report: &mut Totals) -> Result<()> {
    let (changes, _, _) = listing(&me.folder)?;
    let Some(mine) = changes.get(&me.laptop) else {
        return Ok(());
    };
    let outbox: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM share_outbox", [], |r| r.get(0))?;
    if outbox > 0 {
        return Ok(());
    }
    while mine.contains(&me.next_seq) {
        let seq = me.next_seq;
        match apply_one(db, me, &me.laptop.clone(), seq, &me.last_hash.clone())? {
            Applied::Done { hash, rows } => {
                report.files += 1;
                report.rows += rows;
                db.conn().execute(
                    "UPDATE share_self SET next_seq = ?1, last_hash = ?2",
                    rusqlite::params![seq + 1, hash],
                )?;
                me.next_seq = seq + 1;
                me.last_hash = hash;
            }
            _ => {
                return Err(Error::storage(format!(
                    "This laptop's own change file {} in the shared folder cannot be read back (see Sharing). Nothing new is written until it is put right.",
                    change_name(&me.laptop, seq)
                )))
            }
        }
    }
    Ok(())
}

enum Applied {
    Done { hash: String, rows: i64 },
    Wait,
    Refused,
}

fn apply_ready(db: &Database, me: &Me, report: &mut Totals) -> Result<()> {
    let (changes, _, others) = listing(&me.folder)?;
    db.conn().execute("DELETE FROM share_problem", [])?;
    for name in others {
        if name.ends_with(".hbc") || name.ends_with(".hbj") {
            problem(db, &name, "its name is not one Handbill writes")?;
        }
    }
    let mut stmt = db
        .conn()
        .prepare("SELECT laptop FROM share_laptop WHERE laptop != ?1 ORDER BY laptop")?;
    let laptops: Vec<String> = stmt
        .query_map([&me.laptop], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    drop(stmt);
    for (l, seqs) in &changes {
        if *l != me.laptop && !laptops.contains(l) {
            let pending_join = me.folder.join(format!("join-{l}.hbj")).is_file();
            for s in seqs {
                problem(
                    db,
                    &change_name(l, *s),
                    if pending_join {
                        "from a laptop whose join request is not accepted here yet"
                    } else {
                        "signed by a laptop that is not an officer of this branch"
                    },
                )?;
            }
        }
    }
    loop {
        let mut progress = false;
        for l in &laptops {
            let (applied, hash, removed): (i64, String, Option<i64>) = db.conn().query_row(
                "SELECT applied_seq, applied_hash, removed_after FROM share_laptop WHERE laptop = ?1",
                [l],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let next = applied + 1;
            let Some(seqs) = changes.get(l) else { continue };
            if !seqs.contains(&next) {
                continue;
            }
            if removed.is_some_and(|after| next > after) {
                for s in seqs.iter().filter(|s| **s >= next) {
                    problem(
                        db,
                        &change_name(l, *s),
                        "written after its laptop was removed from the branch",
                    )?;
                }
                continue;
            }
            if let Applied::Done { rows, .. } = apply_one(db, me, l, next, &hash)? {
                report.files += 1;
                report.rows += rows;
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
    Ok(())
}

/// Checks and applies one change file of laptop `l`, all or nothing.
fn apply_one(db: &Database, me: &Me, l: &str, seq: i64, prev: &str) -> Result<Applied> {
    let name = change_name(l, seq);
    let bytes = match file::read(&me.folder.join(&name)) {
        Ok(b) => b,
        Err(e) => {
            problem(db, &name, &e.message)?;
            return Ok(Applied::Refused);
        }
    };
    let (header, signed, sig, cipher) = match file::parse(&bytes) {
        Ok(p) => p,
        Err(r) => {
            problem(db, &name, &r.words())?;
            return Ok(Applied::Refused);
        }
    };
    if header.format > FORMAT {
        problem(db, &name, &file::Refusal::Newer(header.format).words())?;
        return Ok(Applied::Refused);
    }
    let public: Vec<u8> = db.conn().query_row(
        "SELECT sign_key FROM share_laptop WHERE laptop = ?1",
        [l],
        |r| r.get(0),
    )?;
    if !file::verify(&public, signed, sig) {
        problem(db, &name, &file::Refusal::Signature.words())?;
        return Ok(Applied::Refused);
    }
    if header.kind != "change" || header.laptop != l || header.seq != seq {
        problem(db, &name, "its name and contents do not agree")?;
        return Ok(Applied::Refused);
    }
    if header.prev != prev {
        problem(
            db,
            &name,
            "it does not follow the laptop's previous file (a file is missing or was replaced)",
        )?;
        return Ok(Applied::Refused);
    }
    let secret = key_of_epoch(db, header.epoch)?;
    let Some(secret) = secret else {
        problem(
            db,
            &name,
            "it is encrypted with a branch key this laptop has not received yet",
        )?;
        return Ok(Applied::Wait);
    };
    let plain = match file::open(cipher, &secret) {
        Ok(p) => p,
        Err(r) => {
            problem(db, &name, &r.words())?;
            return Ok(Applied::Refused);
        }
    };
    let body: Body = match serde_json::from_slice(&plain) {
        Ok(b) => b,
        Err(_) => {
            problem(db, &name, "its changes are not readable")?;
            return Ok(Applied::Refused);
        }
    };
    if body.format > FORMAT {
        problem(db, &name, &file::Refusal::Newer(body.format).words())?;
        return Ok(Applied::Refused);
    }
    if body.laptop != l || body.seq != seq || !hlc_is_well_formed(&body.hlc) {
        problem(db, &name, "its name and contents do not agree")?;
        return Ok(Applied::Refused);
    }
    // Causal order: everything the writer had seen is applied here first.
    for (k, n) in &body.knows {
        let have: i64 = if *k == me.laptop {
            me.next_seq - 1
        } else {
            db.conn()
                .query_row(
                    "SELECT applied_seq FROM share_laptop WHERE laptop = ?1",
                    [k],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0)
        };
        if have < *n {
            problem(
                db,
                &name,
                &format!("waiting for file {n} of another laptop ({k}) that was written before it"),
            )?;
            return Ok(Applied::Wait);
        }
    }
    let hash = blake3::hash(&bytes).to_hex().to_string();
    let tx = Tx::begin(db)?;
    db.conn()
        .execute("UPDATE share_self SET capturing = 0", [])?;
    let outcome = (|| -> Result<i64> {
        apply_roster(db, me, l, &body.roster)?;
        let tables = schema::tables(db)?;
        let mut applier = apply::Applier::new(db, &tables);
        let touched = applier.apply(&body)?;
        if touched.reindex_all {
            let mut stmt = db.conn().prepare("SELECT id FROM event")?;
            let ids: Vec<i64> = stmt
                .query_map([], |r| r.get(0))?
                .collect::<std::result::Result<_, _>>()?;
            for id in ids {
                crate::events::index::reindex(db, id)?;
            }
        } else {
            for id in &touched.events {
                let exists: bool = db
                    .conn()
                    .query_row("SELECT 1 FROM event WHERE id = ?1", [id], |_| Ok(()))
                    .optional()?
                    .is_some();
                if exists {
                    crate::events::index::reindex(db, *id)?;
                } else {
                    db.conn()
                        .execute("DELETE FROM event_search WHERE rowid = ?1", [id])?;
                }
            }
        }
        Ok(touched.rows as i64)
    })();
    db.conn()
        .execute("UPDATE share_self SET capturing = 1", [])?;
    let rows = match outcome {
        Ok(rows) => rows,
        Err(e) => {
            drop(tx);
            db.conn()
                .execute("UPDATE share_self SET capturing = 1", [])?;
            problem(
                db,
                &name,
                &format!("it could not be applied: {}", e.message),
            )?;
            return Ok(Applied::Refused);
        }
    };
    db.conn().execute(
        "INSERT OR REPLACE INTO share_file (laptop, seq, knows, hlc) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![
            l,
            seq,
            String::from_utf8(to_json(&body.knows)?).unwrap_or_default(),
            body.hlc
        ],
    )?;
    db.conn().execute(
        "UPDATE share_laptop SET applied_seq = ?2, applied_hash = ?3, last_change = ?4, last_applied = ?5 WHERE laptop = ?1",
        rusqlite::params![l, seq, hash, body.hlc, clock::now_text()],
    )?;
    hlc_seen(db, &body.hlc)?;
    db.conn()
        .execute("DELETE FROM share_problem WHERE file = ?1", [&name])?;
    tx.commit()?;
    Ok(Applied::Done { hash, rows })
}

fn apply_roster(db: &Database, me: &Me, from: &str, roster: &[RosterOp]) -> Result<()> {
    for op in roster {
        match op {
            RosterOp::Add {
                laptop,
                name,
                sign_key,
                age_recipient,
            } => {
                let key = ops::unhex(sign_key).ok_or_else(|| ops::bad("a laptop's key"))?;
                db.conn().execute(
                    "INSERT OR IGNORE INTO share_laptop (laptop, name, sign_key, age_recipient, joined_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    rusqlite::params![laptop, name, key, age_recipient, clock::now_text()],
                )?;
            }
            RosterOp::Invite { invite, mac_key } => {
                let key = ops::unhex(mac_key).ok_or_else(|| ops::bad("an invitation's key"))?;
                db.conn().execute(
                    "INSERT OR IGNORE INTO share_invite (invite, mac_key, by_laptop, made_at) VALUES (?1, ?2, ?3, ?4)",
                    rusqlite::params![invite, key, from, clock::now_text()],
                )?;
            }
            RosterOp::Remove { laptop, after } => {
                db.conn().execute(
                    "UPDATE share_laptop SET removed_after = min(coalesce(removed_after, ?2), ?2) WHERE laptop = ?1",
                    rusqlite::params![laptop, after],
                )?;
            }
            RosterOp::Key { epoch, sealed } => {
                if let Some(secret) = sealed
                    .get(&me.laptop)
                    .and_then(|s| file::unseal(&me.age_secret, s))
                {
                    db.conn().execute(
                        "INSERT OR IGNORE INTO share_key (epoch, secret) VALUES (?1, ?2)",
                        rusqlite::params![epoch, secret],
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// Takes an officer's laptop off the branch: its files written after what
/// this laptop has applied of it are refused everywhere, and a new branch
/// key, sealed to each remaining officer, encrypts every file from now on.
pub fn remove(db: &Database, laptop: &str) -> Result<SyncReport> {
    let me = sharing(db)?;
    let row: Option<(String, i64, Option<i64>)> = db
        .conn()
        .query_row(
            "SELECT laptop, applied_seq, removed_after FROM share_laptop WHERE laptop = ?1 OR lower(name) = lower(?1)",
            [laptop],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((target, after, removed)) = row else {
        return Err(Error::not_found(format!(
            "No officer's laptop here is called {laptop}: `handbill share status` lists them."
        )));
    };
    if target == me.laptop {
        return Err(Error::invalid_field(
            "laptop",
            "This is your own laptop: another officer removes it from theirs.",
        ));
    }
    if removed.is_some() {
        return Err(Error::invalid_field(
            "laptop",
            "That laptop was removed already.",
        ));
    }
    let (epoch, _) = latest_key(db)?;
    let (secret, _) = file::new_identity();
    let mut stmt = db.conn().prepare(
        "SELECT laptop, age_recipient FROM share_laptop WHERE removed_after IS NULL AND laptop != ?1",
    )?;
    let officers: Vec<(String, String)> = stmt
        .query_map([&target], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<std::result::Result<_, _>>()?;
    drop(stmt);
    let mut sealed = BTreeMap::new();
    for (l, r) in officers {
        sealed.insert(l, file::seal_to(&r, &secret)?);
    }
    db.conn().execute(
        "UPDATE share_laptop SET removed_after = ?2 WHERE laptop = ?1",
        rusqlite::params![target, after],
    )?;
    // The new key is used by this very file's successors; this file itself
    // is still sealed with the old one, which the removed laptop holds, but
    // it carries the new key only sealed to the others.
    sync_with(
        db,
        vec![
            RosterOp::Remove {
                laptop: target.clone(),
                after,
            },
            RosterOp::Key {
                epoch: epoch + 1,
                sealed,
            },
        ],
    )
    .and_then(|_| {
        db.conn().execute(
            "INSERT OR IGNORE INTO share_key (epoch, secret) VALUES (?1, ?2)",
            rusqlite::params![epoch + 1, secret],
        )?;
        sync(db)
    })
}

/// Keeps one of the writes of a field changed on two laptops while apart:
/// written here as a new change, which every laptop applies over both.
pub fn pick(db: &Database, request: &PickRequest) -> Result<SyncReport> {
    sharing(db)?;
    let (tbl, key, col) = parse_conflict_id(&request.conflict)?;
    let value: Option<String> = db
        .conn()
        .query_row(
            "SELECT value FROM sync_conflict WHERE tbl = ?1 AND key = ?2 AND col = ?3 AND laptop = ?4 AND seq = ?5",
            rusqlite::params![tbl, key, col, request.laptop, request.seq],
            |r| r.get(0),
        )
        .optional()?;
    let Some(value) = value else {
        return Err(Error::not_found(
            "That choice is no longer open: another officer may have picked already. Sync to see.",
        ));
    };
    let tables = schema::tables(db)?;
    let table = tables
        .iter()
        .find(|t| t.name == tbl)
        .ok_or_else(|| Error::not_found("That conflict names no shared table."))?;
    if !table.columns.contains(&col) {
        return Err(Error::not_found("That conflict names no shared field."));
    }
    let v: serde_json::Value =
        serde_json::from_str(&value).map_err(|_| ops::bad("a kept value"))?;
    let local_value = match (table.reference(&col), &v) {
        (Some(parent), serde_json::Value::String(g)) => ops::local_of(db, parent, g)?
            .map(rusqlite::types::Value::Integer)
            .unwrap_or(rusqlite::types::Value::Null),
        _ => ops::from_wire(&v)?,
    };
    let tx = Tx::begin(db)?;
    if table.rowid {
        let local: i64 = key.parse().map_err(|_| ops::bad("a row"))?;
        db.conn().execute(
            &format!("UPDATE \"{tbl}\" SET \"{col}\" = ?1 WHERE rowid = ?2"),
            rusqlite::params![local_value, local],
        )?;
        db.conn().execute(
            "INSERT INTO sync_dirty (tbl, op, local, cols) VALUES (?1, 'u', ?2, ?3)",
            rusqlite::params![tbl, local, format!("{col},")],
        )?;
    } else {
        let k: Vec<serde_json::Value> =
            serde_json::from_str(&key).map_err(|_| ops::bad("a row"))?;
        let params: Vec<rusqlite::types::Value> =
            k.iter().map(ops::from_wire).collect::<Result<_>>()?;
        let wher = table
            .key
            .iter()
            .enumerate()
            .map(|(i, c)| format!("\"{c}\" = ?{}", i + 2))
            .collect::<Vec<_>>()
            .join(" AND ");
        let mut all = vec![local_value];
        all.extend(params);
        db.conn().execute(
            &format!("UPDATE \"{tbl}\" SET \"{col}\" = ?1 WHERE {wher}"),
            rusqlite::params_from_iter(all),
        )?;
        db.conn().execute(
            "INSERT INTO sync_dirty (tbl, op, key, cols) VALUES (?1, 'u', ?2, ?3)",
            rusqlite::params![tbl, key, format!("{col},")],
        )?;
    }
    tx.commit()?;
    sync(db)
}

fn conflict_id(tbl: &str, key: &str, col: &str) -> String {
    format!("{tbl}|{col}|{key}")
}

fn parse_conflict_id(id: &str) -> Result<(String, String, String)> {
    let mut parts = id.splitn(3, '|');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(t), Some(c), Some(k)) => Ok((t.to_owned(), k.to_owned(), c.to_owned())),
        _ => Err(Error::invalid_field(
            "conflict",
            "That is not a conflict's name.",
        )),
    }
}

/// What `share status` and Settings → Sharing show.
pub fn status(db: &Database) -> Result<ShareStatus> {
    let Some(me) = me(db)? else {
        return Ok(ShareStatus {
            sharing: false,
            folder: String::new(),
            laptop: String::new(),
            name: String::new(),
            synced_at: None,
            laptops: Vec::new(),
            problems: Vec::new(),
            conflicts: Vec::new(),
            pending: 0,
        });
    };
    let synced_at: Option<String> =
        db.conn()
            .query_row("SELECT synced_at FROM share_self", [], |r| r.get(0))?;
    let mut stmt = db.conn().prepare(
        "SELECT laptop, name, removed_after IS NOT NULL, applied_seq, last_change, last_applied FROM share_laptop ORDER BY laptop != (SELECT laptop FROM share_self), lower(name), laptop",
    )?;
    let laptops: Vec<LaptopRow> = stmt
        .query_map([], |r| {
            let laptop: String = r.get(0)?;
            Ok(LaptopRow {
                this_laptop: laptop == me.laptop,
                laptop,
                name: r.get(1)?,
                removed: r.get(2)?,
                files: r.get(3)?,
                last_change: r.get::<_, Option<String>>(4)?.and_then(|h| hlc_time(&h)),
                last_applied: r.get(5)?,
            })
        })?
        .collect::<std::result::Result<_, _>>()?;
    drop(stmt);
    let names: HashMap<String, String> = laptops
        .iter()
        .map(|l| (l.laptop.clone(), l.name.clone()))
        .collect();
    let mut stmt = db
        .conn()
        .prepare("SELECT file, reason FROM share_problem ORDER BY file")?;
    let problems: Vec<Problem> = stmt
        .query_map([], |r| {
            Ok(Problem {
                file: r.get(0)?,
                reason: r.get(1)?,
            })
        })?
        .collect::<std::result::Result<_, _>>()?;
    drop(stmt);
    let pending: i64 = db.conn().query_row(
        "SELECT (SELECT count(*) FROM sync_dirty) + (SELECT count(*) FROM share_outbox)",
        [],
        |r| r.get(0),
    )?;
    Ok(ShareStatus {
        sharing: true,
        folder: me.folder.to_string_lossy().into_owned(),
        laptop: me.laptop.clone(),
        name: me.name.clone(),
        synced_at,
        laptops,
        problems,
        conflicts: conflicts(db, &names)?,
        pending,
    })
}

fn conflicts(db: &Database, names: &HashMap<String, String>) -> Result<Vec<Conflict>> {
    let tables = schema::tables(db)?;
    let mut stmt = db.conn().prepare(
        "SELECT c.tbl, c.key, c.col, c.laptop, c.seq, c.hlc, c.value,
                (f.laptop = c.laptop AND f.seq = c.seq)
           FROM sync_conflict c LEFT JOIN sync_field f ON f.tbl = c.tbl AND f.key = c.key AND f.col = c.col
          ORDER BY c.tbl, c.key, c.col, c.hlc DESC",
    )?;
    type Row = (
        String,
        String,
        String,
        String,
        i64,
        String,
        String,
        Option<bool>,
    );
    let rows: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })?
        .collect::<std::result::Result<_, _>>()?;
    drop(stmt);
    let mut out: Vec<Conflict> = Vec::new();
    for (tbl, key, col, laptop, seq, _hlc, value, current) in rows {
        let Some(table) = tables.iter().find(|t| t.name == tbl) else {
            continue;
        };
        if !apply::worth_a_choice(table, &col) {
            continue;
        }
        let id = conflict_id(&tbl, &key, &col);
        let shown = match serde_json::from_str::<serde_json::Value>(&value) {
            Ok(serde_json::Value::String(s)) => s,
            Ok(serde_json::Value::Null) => "(empty)".into(),
            Ok(v) => v.to_string(),
            Err(_) => value.clone(),
        };
        let choice = Choice {
            laptop_name: names
                .get(&laptop)
                .cloned()
                .unwrap_or_else(|| laptop.clone()),
            laptop,
            seq,
            value: shown,
            current: current.unwrap_or(false),
        };
        match out.last_mut() {
            Some(c) if c.id == id => c.choices.push(choice),
            _ => out.push(Conflict {
                id,
                what: what_of(&tbl),
                label: label_of(db, table, &key)?,
                field: col.replace('_', " "),
                choices: vec![choice],
            }),
        }
    }
    // Writes that agree are no choice to make.
    out.retain(|c| {
        let first = &c.choices[0].value;
        c.choices.iter().any(|x| &x.value != first)
    });
    Ok(out)
}

fn what_of(tbl: &str) -> String {
    let mut s = tbl.replace('_', " ");
    if let Some(f) = s.get_mut(0..1) {
        f.make_ascii_uppercase();
    }
    s
}

fn label_of(db: &Database, table: &schema::Table, key: &str) -> Result<String> {
    if !table.rowid {
        return Ok(key.to_owned());
    }
    let col = ["title", "name", "subject", "email"]
        .into_iter()
        .find(|c| table.columns.iter().any(|x| x == c));
    let Some(col) = col else {
        return Ok(format!("{} {key}", what_of(table.name)));
    };
    let v: Option<String> = db
        .conn()
        .query_row(
            &format!("SELECT \"{col}\" FROM \"{}\" WHERE rowid = ?1", table.name),
            [key.parse::<i64>().unwrap_or(0)],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.unwrap_or_default())
}

/// The shared data in one canonical order, rows named by global ids and
/// references by the ids they point to: two laptops that have applied the
/// same files write the same bytes.
pub fn dump(db: &Database) -> Result<String> {
    let tables = schema::tables(db)?;
    let mut out = String::new();
    for t in &tables {
        let cols: Vec<String> = t.columns.clone();
        let select = cols
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("SELECT rowid, {select} FROM \"{}\"", t.name);
        let sql = if t.rowid {
            sql
        } else {
            format!("SELECT 0, {select} FROM \"{}\"", t.name)
        };
        let mut stmt = db.conn().prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut lines = Vec::new();
        while let Some(row) = rows.next()? {
            let mut obj = serde_json::Map::new();
            if t.rowid && t.rule != Rule::AppendOnly {
                let local: i64 = row.get(0)?;
                let gid: Option<String> = if t.rule == Rule::Single {
                    Some("1".into())
                } else {
                    db.conn()
                        .prepare_cached(
                            "SELECT min(gid) FROM sync_row WHERE tbl = ?1 AND local = ?2",
                        )?
                        .query_row(rusqlite::params![t.name, local], |r| r.get(0))?
                };
                obj.insert(
                    "@id".into(),
                    serde_json::Value::String(gid.unwrap_or_else(|| format!("unshared {local}"))),
                );
            }
            for (i, c) in cols.iter().enumerate() {
                let v = row.get_ref(i + 1)?;
                let wire = match (t.reference(c), v) {
                    (Some(parent), rusqlite::types::ValueRef::Integer(id)) => {
                        let g: Option<String> = if tables
                            .iter()
                            .any(|p| p.name == parent && p.rule == Rule::Single)
                        {
                            Some("1".into())
                        } else {
                            db.conn()
                                .prepare_cached(
                                    "SELECT min(gid) FROM sync_row WHERE tbl = ?1 AND local = ?2",
                                )?
                                .query_row(rusqlite::params![parent, id], |r| r.get(0))?
                        };
                        serde_json::Value::String(g.unwrap_or_else(|| format!("unshared {id}")))
                    }
                    (_, v) => ops::to_wire(v),
                };
                obj.insert(c.clone(), wire);
            }
            lines.push(serde_json::Value::Object(obj).to_string());
        }
        lines.sort();
        out.push_str(&format!("# {} ({} rows)\n", t.name, lines.len()));
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
    }
    Ok(out)
}

/// Claims sending an announcement for this laptop: refused when another
/// officer's laptop claimed it (as far as the folder shows now). Does
/// nothing for a branch that is not shared.
pub fn claim(db: &Database, announcement: i64) -> Result<()> {
    let Some(me) = me(db)? else {
        return Ok(());
    };
    sync(db)?;
    let tables = schema::tables(db)?;
    let table = tables
        .iter()
        .find(|t| t.name == "announcement")
        .ok_or_else(|| Error::internal("The announcement table is not shared."))?;
    let gid = {
        let tx = Tx::begin(db)?;
        let g = ops::gid_of(db, table, announcement)?;
        tx.commit()?;
        g
    };
    if let Some(message) = claimed_elsewhere(db, &me, &gid, announcement)? {
        return Err(Error::invalid_field("announcement", message));
    }
    db.conn().execute(
        "INSERT OR IGNORE INTO sync_claim (announcement, laptop, seq, hlc) VALUES (?1, ?2, 0, '')",
        rusqlite::params![gid, me.laptop],
    )?;
    sync(db)?;
    // Two laptops that claimed it while apart: the later claim stops.
    if let Some(message) = lost_claim(db, &me, &gid, announcement)? {
        return Err(Error::invalid_field("announcement", message));
    }
    Ok(())
}

/// Another laptop's claim that counts against this laptop sending an
/// announcement.
struct Rival {
    laptop: String,
    name: String,
    hlc: String,
    /// The announcement it claimed, here.
    announcement: i64,
}

/// The claims of other laptops that stand against sending `local` (global
/// id `gid`) from here: claims of the same announcement, and claims of
/// another announcement of the same event (or tour), list and template that
/// this one was written apart from (two officers who each announced the
/// event while their laptops were apart). One written after seeing the other
/// was a deliberate second send, and is no rival.
fn rivals(db: &Database, me: &Me, gid: &str, local: i64) -> Result<Vec<Rival>> {
    let mut out = Vec::new();
    let mut stmt = db.conn().prepare(
        "SELECT c.laptop, coalesce(l.name, c.laptop), c.hlc FROM sync_claim c LEFT JOIN share_laptop l ON l.laptop = c.laptop
          WHERE c.announcement = ?1 AND c.laptop != ?2 AND c.seq > 0",
    )?;
    let same: Vec<(String, String, String)> = stmt
        .query_map(rusqlite::params![gid, me.laptop], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<std::result::Result<_, _>>()?;
    drop(stmt);
    for (laptop, name, hlc) in same {
        out.push(Rival {
            laptop,
            name,
            hlc,
            announcement: local,
        });
    }
    let born: Option<(String, i64)> = db
        .conn()
        .query_row(
            "SELECT laptop, seq FROM sync_row WHERE tbl = 'announcement' AND local = ?1 AND laptop != '' ORDER BY gid LIMIT 1",
            [local],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let knows: BTreeMap<String, i64> = match &born {
        Some((l, s)) => db
            .conn()
            .query_row(
                "SELECT knows FROM share_file WHERE laptop = ?1 AND seq = ?2",
                rusqlite::params![l, s],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default(),
        None => BTreeMap::new(),
    };
    let mut stmt = db.conn().prepare(
        "SELECT b.id, c.laptop, coalesce(l.name, c.laptop), c.hlc, c.seq
           FROM announcement a
           JOIN announcement b ON b.id != a.id AND b.list_id = a.list_id AND b.template = a.template
                AND b.event_id IS a.event_id AND b.tour_id IS a.tour_id
           JOIN sync_row r ON r.tbl = 'announcement' AND r.local = b.id
           JOIN sync_claim c ON c.announcement = r.gid AND c.laptop != ?2 AND c.seq > 0
           LEFT JOIN share_laptop l ON l.laptop = c.laptop
          WHERE a.id = ?1",
    )?;
    type Other = (i64, String, String, String, i64);
    let others: Vec<Other> = stmt
        .query_map(rusqlite::params![local, me.laptop], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<std::result::Result<_, _>>()?;
    drop(stmt);
    for (id, laptop, name, hlc, seq) in others {
        let saw = match &born {
            Some((l, s)) if *l == laptop => *s >= seq,
            Some(_) => knows.get(&laptop).copied().unwrap_or(0) >= seq,
            None => false,
        };
        if !saw {
            out.push(Rival {
                laptop,
                name,
                hlc,
                announcement: id,
            });
        }
    }
    out.sort_by(|a, b| (&a.hlc, &a.laptop).cmp(&(&b.hlc, &b.laptop)));
    Ok(out)
}

fn claimed_elsewhere(db: &Database, me: &Me, gid: &str, local: i64) -> Result<Option<String>> {
    let mine: bool = db
        .conn()
        .query_row(
            "SELECT 1 FROM sync_claim WHERE announcement = ?1 AND laptop = ?2",
            rusqlite::params![gid, me.laptop],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if mine {
        return Ok(None);
    }
    Ok(rivals(db, me, gid, local)?.first().map(|r| {
        format!(
            "This announcement is sent from {} (claimed {}): it is not sent from this laptop too, so nobody gets it twice.",
            r.name,
            hlc_time(&r.hlc).unwrap_or_default()
        )
    }))
}

/// When this laptop and another both claimed an announcement while apart,
/// the later claim (by clock, then laptop) gives way: the words that say so
/// and who the other laptop has mailed.
pub fn claim_lost(db: &Database, announcement: i64) -> Result<Option<String>> {
    let Some(me) = me(db)? else {
        return Ok(None);
    };
    let gid: Option<String> = db.conn().query_row(
        "SELECT min(gid) FROM sync_row WHERE tbl = 'announcement' AND local = ?1",
        [announcement],
        |r| r.get(0),
    )?;
    let Some(gid) = gid else { return Ok(None) };
    lost_claim(db, &me, &gid, announcement)
}

/// Stops this laptop's sending of every announcement another laptop claimed
/// first while they were apart: it is paused here with the words why (a
/// pause of this laptop's own, not written to the folder, so the other
/// laptop's sending goes on).
fn give_way_where_lost(db: &Database, me: &Me) -> Result<()> {
    let mut stmt = db.conn().prepare(
        "SELECT a.id, r.gid FROM announcement a JOIN sync_row r ON r.tbl = 'announcement' AND r.local = a.id
           JOIN sync_claim c ON c.announcement = r.gid AND c.laptop = ?1
          WHERE a.state IN ('queued', 'sending')",
    )?;
    let ours: Vec<(i64, String)> = stmt
        .query_map([&me.laptop], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<std::result::Result<_, _>>()?;
    drop(stmt);
    for (id, gid) in ours {
        if let Some(message) = lost_claim(db, me, &gid, id)? {
            let tx = Tx::begin(db)?;
            db.conn()
                .execute("UPDATE share_self SET capturing = 0", [])?;
            db.conn().execute(
                "UPDATE announcement SET state = 'paused', note = ?2, updated_at = ?3 WHERE id = ?1",
                rusqlite::params![id, message, clock::now_text()],
            )?;
            db.conn()
                .execute("UPDATE share_self SET capturing = 1", [])?;
            tx.commit()?;
        }
    }
    Ok(())
}

fn lost_claim(db: &Database, me: &Me, gid: &str, announcement: i64) -> Result<Option<String>> {
    let mine: Option<String> = db
        .conn()
        .query_row(
            "SELECT hlc FROM sync_claim WHERE announcement = ?1 AND laptop = ?2 AND seq > 0",
            rusqlite::params![gid, me.laptop],
            |r| r.get(0),
        )
        .optional()?;
    let Some(mine) = mine else {
        return Ok(None);
    };
    let rivals = rivals(db, me, gid, announcement)?;
    let Some(first) = rivals.first() else {
        return Ok(None);
    };
    if (&mine, &me.laptop) < (&first.hlc, &first.laptop) {
        return Ok(None);
    }
    // Who the other laptop mailed: its sent deliveries (of the same
    // announcement, those whose sending it recorded).
    let mut stmt = db.conn().prepare(
        "SELECT d.email FROM delivery d
           LEFT JOIN sync_field f ON f.tbl = 'delivery' AND f.key = CAST(d.id AS TEXT) AND f.col = 'status'
          WHERE d.announcement_id = ?1 AND d.status = 'sent' AND (?3 OR f.laptop = ?2) ORDER BY d.email",
    )?;
    let mailed: Vec<String> = stmt
        .query_map(
            rusqlite::params![
                first.announcement,
                first.laptop,
                first.announcement != announcement
            ],
            |r| r.get(0),
        )?
        .collect::<std::result::Result<_, _>>()?;
    drop(stmt);
    let list = if mailed.is_empty() {
        "nobody yet, as far as the folder shows".to_owned()
    } else {
        let shown: Vec<&str> = mailed.iter().take(20).map(String::as_str).collect();
        format!(
            "{} {}: {}{}",
            mailed.len(),
            if mailed.len() == 1 {
                "person"
            } else {
                "people"
            },
            shown.join(", "),
            if mailed.len() > 20 { ", …" } else { "" }
        )
    };
    Ok(Some(format!(
        "{} also started sending this announcement while your laptops were apart, and claimed it first: sending stops here so nobody gets it twice. Already mailed from there: {list}.",
        first.name
    )))
}

/// Forgets this file's part in sharing: after a hand-over, the branch on the
/// new coordinator's laptop is not the old laptop (two laptops signing as
/// one would fork its files). The data stays; to share again, it is shared
/// anew or an officer invites the new laptop.
pub fn forget_laptop(db: &Database) -> Result<bool> {
    if me(db)?.is_none() {
        return Ok(false);
    }
    let tx = Tx::begin(db)?;
    let mut stmt = db.conn().prepare(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'share\\_%' ESCAPE '\\'",
    )?;
    let triggers: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    drop(stmt);
    for t in triggers {
        db.conn().execute_batch(&format!(
            "DROP TRIGGER IF EXISTS \"{}\"",
            t.replace('"', "\"\"")
        ))?;
    }
    db.conn().execute_batch(
        "DELETE FROM share_self; DELETE FROM share_laptop; DELETE FROM share_file; DELETE FROM share_key;
         DELETE FROM share_invite; DELETE FROM share_problem; DELETE FROM share_outbox;
         DELETE FROM sync_row; DELETE FROM sync_tomb; DELETE FROM sync_field; DELETE FROM sync_conflict;
         DELETE FROM sync_dirty; DELETE FROM sync_optout; DELETE FROM sync_lift; DELETE FROM sync_claim;",
    )?;
    tx.commit()?;
    Ok(true)
}
