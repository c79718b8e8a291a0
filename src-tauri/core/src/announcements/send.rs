//! The sending job: takes an announcement's lease (so two senders never run it
//! at once), then workers on their own threads, each with its own pooled SMTP
//! connection, mail every queued person once. Each delivery row goes to
//! `sending` in a committed transaction before its message leaves and gets its
//! outcome after; a crash leaves `sending` rows that the next sender marks
//! `uncertain` instead of resending. Pause and cancel are read from the
//! database between messages, so another process can ask for them. With no
//! account set up, messages are written to an outbox folder as `.eml` files.

use std::collections::VecDeque;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::transport::smtp::client::SmtpConnection;
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};
use lettre::Address;
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::account::{self, ConnectFailure, Password, SmtpAccount};
use super::letter::{Letters, Recipient};
use super::store::{self, now_ms, now_text, AnnouncementState, SendProgress};
use crate::error::{Error, Result};
use crate::storage::Database;

/// A lease whose heartbeat is older than this is given up even if its process
/// seems alive (its number may have been reused).
const LEASE_STALE_MS: i64 = 30_000;
const HEARTBEAT: Duration = Duration::from_secs(2);

/// How a send runs. `Default` is what the window and the command line use.
#[derive(Debug, Clone)]
pub struct SendOptions {
    /// SMTP connections used at once.
    pub connections: usize,
    /// A password held for this session only (no keychain, or typed on the
    /// command line through HANDBILL_SMTP_PASSWORD); else the keychain's.
    pub session_password: Option<Password>,
    /// Where the outbox is when no account is set up; default beside the database.
    pub outbox_dir: Option<PathBuf>,
    /// How long to wait for the server at each step.
    pub timeout: Duration,
    /// Tries per person before a 4xx answer (or a dropped connection before the message) counts as failed.
    pub max_attempts: u32,
    /// The wait before the first retry; it doubles with each further one.
    pub retry_after: Duration,
    /// How often the progress callback is called at most.
    pub progress_every: Duration,
    /// Deliveries a worker claims in one transaction synced to disk (see
    /// `Job::step`): after a power loss at most this many per connection are
    /// left uncertain; fewer means more disk syncs and a slower send.
    pub claim_batch: usize,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions {
            connections: 2,
            session_password: None,
            outbox_dir: None,
            timeout: Duration::from_secs(60),
            max_attempts: 5,
            retry_after: Duration::from_secs(30),
            progress_every: Duration::from_millis(250),
            claim_batch: 32,
        }
    }
}

/// The outbox folder of a database: `<file>.outbox` beside it.
pub fn outbox_dir(db_path: &Path) -> PathBuf {
    let name = db_path
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("handbill.sqlite");
    db_path.with_file_name(format!("{name}.outbox"))
}

/// Whether a live sender holds the announcement's lease now.
pub fn lease_is_live(db: &Database, id: i64) -> Result<bool> {
    let lease: Option<(String, i64, i64)> = db
        .conn()
        .prepare_cached(
            "SELECT owner, pid, heartbeat_ms FROM send_lease WHERE announcement_id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(lease.is_some_and(|(_, pid, beat)| is_live(pid, beat)))
}

fn is_live(pid: i64, heartbeat_ms: i64) -> bool {
    now_ms() - heartbeat_ms < LEASE_STALE_MS && process_alive(pid)
}

/// This boot of the machine, as Linux names it; empty where unknown (then a
/// dead sender's claimed rows are treated as possibly sent).
fn boot_id() -> String {
    fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// Whether process `pid` on this machine is running (a zombie is not).
#[cfg(unix)]
fn process_alive(pid: i64) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let exists = unsafe { libc::kill(pid, 0) } == 0
        || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    if !exists {
        return false;
    }
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses: "Z" is a zombie.
        Ok(stat) => stat
            .rsplit_once(") ")
            .map(|(_, rest)| !rest.starts_with('Z'))
            .unwrap_or(true),
        Err(_) => true,
    }
}

#[cfg(not(unix))]
fn process_alive(_pid: i64) -> bool {
    // Without a cheap check, the heartbeat alone decides.
    true
}

/// Where messages go in this run.
enum Destination {
    Smtp {
        account: SmtpAccount,
        password: Option<Password>,
    },
    Outbox(PathBuf),
}

/// What became of one message.
enum Outcome {
    /// Accepted: the server's answer, or where the file was written.
    Sent {
        reply: String,
        channel: &'static str,
    },
    /// Refused for good.
    Failed { reply: String },
    /// A 4xx answer or a connection lost before the message was handed over:
    /// queued again for later (counted as an attempt).
    Retry { reply: String },
    /// The connection was lost before the message was handed over: it did not
    /// go; queued again at once on a new connection (counted as an attempt).
    Lost { reply: String },
    /// Not tried at all (the connection could not be opened): back to the queue as it was.
    Untried,
    /// The connection dropped after the message was handed over, before the answer.
    Uncertain { reply: String },
}

/// A claimed delivery as read: subscriber, address, names, language,
/// attempts so far, and the person's standing on the list now.
type ClaimedRow = (
    Option<i64>,
    String,
    String,
    String,
    String,
    u32,
    Option<String>,
);

/// One claimed delivery.
struct Claimed {
    id: i64,
    attempts: u32,
    recipient: Recipient,
}

enum Step {
    Got(Claimed),
    /// Only deliveries waiting for a retry are left; the earliest is due then (Unix ms).
    WaitUntil(i64),
    /// Nothing left, or asked to stop.
    Finished,
}

/// Spaces messages evenly to honour the account's rate, over all workers.
struct RateLimit {
    interval: Option<Duration>,
    next: Mutex<Instant>,
}

impl RateLimit {
    fn new(per_minute: u32) -> Self {
        RateLimit {
            interval: (per_minute > 0).then(|| Duration::from_secs_f64(60.0 / per_minute as f64)),
            next: Mutex::new(Instant::now()),
        }
    }

    fn wait(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let slot = (*next).max(Instant::now());
            *next = slot + interval;
            slot
        };
        let now = Instant::now();
        if slot > now {
            std::thread::sleep(slot - now);
        }
    }
}

/// What the workers share.
struct Job<'a> {
    id: i64,
    list_id: i64,
    owner: String,
    db: Mutex<Database>,
    letters: &'a dyn Letters,
    options: &'a SendOptions,
    destination: Destination,
    rate: RateLimit,
    /// Messages counted against the daily cap (sent in the last 24 hours plus those in flight).
    day_count: AtomicU32,
    daily_cap: u32,
    stop: AtomicBool,
    /// Why the job stopped by itself: the state to leave and the note to show.
    stop_reason: Mutex<Option<(AnnouncementState, String)>>,
    first_error: Mutex<Option<Error>>,
    last_progress: Mutex<Instant>,
    on_progress: &'a (dyn Fn(&SendProgress) + Sync),
}

impl Job<'_> {
    fn stop_with(&self, state: AnnouncementState, note: String) {
        let mut reason = self.stop_reason.lock().unwrap_or_else(|e| e.into_inner());
        if reason.is_none() {
            tracing::info!(
                announcement = self.id,
                state = state.as_str(),
                "send stopped"
            );
            *reason = Some((state, note));
        }
        self.stop.store(true, Ordering::SeqCst);
    }

    fn fail(&self, e: Error) {
        tracing::warn!(announcement = self.id, code = ?e.code, "send failed");
        let note = format!("Sending stopped: {}", e.message);
        self.first_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(e);
        self.stop_with(AnnouncementState::Paused, note);
    }

    /// Records the previous outcome and, when `claim`, takes the next delivery
    /// and marks it `sending`, committed before its message leaves.
    ///
    /// Durability without a disk sync per message: a worker claims a batch of
    /// deliveries (`claimed`) in a transaction synced to disk, then marks each
    /// one `sending` in an ordinary commit just before its message goes. A
    /// killed process loses no commit (they are in the OS's cache), so the
    /// next sender knows exactly which message was in flight; after a power
    /// loss or a reboot the unsynced tail may be lost, so every row still
    /// claimed or sending is treated as uncertain (see [`take_lease`]).
    fn step(
        &self,
        done: Option<(Claimed, Outcome)>,
        batch: &mut VecDeque<i64>,
        claim: bool,
    ) -> Result<Step> {
        let mut guard = self.db.lock().unwrap_or_else(|e| e.into_inner());
        let db: &mut Database = &mut guard;
        let mut done = done;
        let mut stopping = !claim || self.stop.load(Ordering::SeqCst);
        loop {
            let durable = batch.is_empty() && !stopping;
            if durable {
                db.conn().pragma_update(None, "synchronous", "FULL")?;
            }
            let result = self.step_once(db, &mut done, batch, &mut stopping, durable);
            if durable {
                db.conn().pragma_update(None, "synchronous", "NORMAL")?;
            }
            match result? {
                Some(step) => return Ok(step),
                // The batch ran out on people who left the list: claim more.
                None => continue,
            }
        }
    }

    fn step_once(
        &self,
        db: &mut Database,
        done: &mut Option<(Claimed, Outcome)>,
        batch: &mut VecDeque<i64>,
        stopping: &mut bool,
        durable: bool,
    ) -> Result<Option<Step>> {
        let tx = db
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let at = now_text();
        if let Some((d, outcome)) = done.take() {
            self.record(&tx, &d, outcome, &at)?;
        }
        if !*stopping {
            let state: String = tx
                .prepare_cached("SELECT state FROM announcement WHERE id = ?1")?
                .query_row([self.id], |r| r.get(0))?;
            if state != AnnouncementState::Sending.as_str() {
                // Paused or cancelled by the organizer, from this process or another.
                self.stop.store(true, Ordering::SeqCst);
                *stopping = true;
            }
        }
        if *stopping {
            self.release(&tx, batch, &at)?;
            tx.commit()?;
            return Ok(Some(Step::Finished));
        }
        if batch.is_empty() {
            if !durable {
                tx.commit()?;
                return Ok(None);
            }
            let ids: Vec<i64> = tx
                .prepare_cached(
                    "SELECT id FROM delivery WHERE announcement_id = ?1 AND status = 'queued' AND next_attempt_ms <= ?2
                     ORDER BY id LIMIT ?3",
                )?
                .query_map(params![self.id, now_ms(), self.options.claim_batch.max(1) as i64], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            if ids.is_empty() {
                let due: Option<i64> = tx
                    .prepare_cached("SELECT min(next_attempt_ms) FROM delivery WHERE announcement_id = ?1 AND status = 'queued'")?
                    .query_row([self.id], |r| r.get(0))?;
                tx.commit()?;
                return Ok(Some(match due {
                    Some(ms) => Step::WaitUntil(ms),
                    None => Step::Finished,
                }));
            }
            let mut mark = tx.prepare_cached(
                "UPDATE delivery SET status = 'claimed', updated_at = ?2 WHERE id = ?1",
            )?;
            for id in &ids {
                mark.execute(params![id, at])?;
            }
            drop(mark);
            batch.extend(ids);
        }
        while let Some(id) = batch.pop_front() {
            let row: Option<ClaimedRow> = tx
                .prepare_cached(
                    "SELECT d.subscriber_id, d.email, d.name, d.first_name, d.language, d.attempts,
                            (SELECT m.status FROM membership m WHERE m.list_id = ?2 AND m.subscriber_id = d.subscriber_id)
                     FROM delivery d WHERE d.id = ?1 AND d.status = 'claimed'",
                )?
                .query_row(params![id, self.list_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
                })
                .optional()?;
            let Some((subscriber_id, email, name, first_name, language, attempts, standing)) = row
            else {
                continue;
            };
            if standing.as_deref() != Some("subscribed") {
                let why = match standing.as_deref() {
                    Some(s) => format!("Not mailed: {s} from the list before their turn came."),
                    None => {
                        "Not mailed: no longer on the list (or deleted) before their turn came."
                            .to_owned()
                    }
                };
                tx.prepare_cached("UPDATE delivery SET status = 'skipped', reply = ?2, updated_at = ?3 WHERE id = ?1")?
                    .execute(params![id, why, at])?;
                continue;
            }
            if matches!(self.destination, Destination::Smtp { .. }) {
                let counted = self.day_count.fetch_add(1, Ordering::SeqCst);
                if self.daily_cap > 0 && counted >= self.daily_cap {
                    self.day_count.fetch_sub(1, Ordering::SeqCst);
                    self.stop_with(
                        AnnouncementState::Paused,
                        format!(
                            "The account's daily cap of {} messages is reached. The rest stay queued; resume tomorrow.",
                            self.daily_cap
                        ),
                    );
                    batch.push_front(id);
                    self.release(&tx, batch, &at)?;
                    tx.commit()?;
                    return Ok(Some(Step::Finished));
                }
            }
            tx.prepare_cached(
                "UPDATE delivery SET status = 'sending', updated_at = ?2 WHERE id = ?1",
            )?
            .execute(params![id, at])?;
            tx.commit()?;
            return Ok(Some(Step::Got(Claimed {
                id,
                attempts,
                recipient: Recipient {
                    subscriber_id: subscriber_id.unwrap_or(0),
                    email,
                    name,
                    first_name,
                    language,
                },
            })));
        }
        // Everyone in the batch had left the list.
        tx.commit()?;
        Ok(None)
    }

    /// Gives a worker's unsent claims back to the queue (or, when the
    /// announcement was cancelled, records them as not mailed).
    fn release(
        &self,
        tx: &rusqlite::Transaction<'_>,
        batch: &mut VecDeque<i64>,
        at: &str,
    ) -> Result<()> {
        let mut back = tx.prepare_cached("UPDATE delivery SET status = 'queued', updated_at = ?2 WHERE id = ?1 AND status = 'claimed'")?;
        for id in batch.drain(..) {
            back.execute(params![id, at])?;
        }
        drop(back);
        tx.prepare_cached(
            "UPDATE delivery SET status = 'skipped', reply = 'Not sent: the announcement was cancelled.', updated_at = ?2
             WHERE announcement_id = ?1 AND status = 'queued'
               AND (SELECT state FROM announcement WHERE id = ?1) = 'cancelled'",
        )?
        .execute(params![self.id, at])?;
        Ok(())
    }

    fn record(
        &self,
        tx: &rusqlite::Transaction<'_>,
        d: &Claimed,
        outcome: Outcome,
        at: &str,
    ) -> Result<()> {
        let (status, reply, attempts, next_ms, sent_ms, channel): (
            &str,
            String,
            u32,
            i64,
            Option<i64>,
            &str,
        ) = match outcome {
            Outcome::Sent { reply, channel } => {
                ("sent", reply, d.attempts + 1, 0, Some(now_ms()), channel)
            }
            Outcome::Failed { reply } => ("failed", reply, d.attempts + 1, 0, None, "smtp"),
            Outcome::Uncertain { reply } => ("uncertain", reply, d.attempts + 1, 0, None, "smtp"),
            Outcome::Untried => ("queued", String::new(), d.attempts, 0, None, ""),
            Outcome::Lost { reply } => {
                let tries = d.attempts + 1;
                if tries >= self.options.max_attempts {
                    (
                        "failed",
                        format!("{reply} (gave up after {tries} tries)"),
                        tries,
                        0,
                        None,
                        "smtp",
                    )
                } else {
                    ("queued", reply, tries, 0, None, "smtp")
                }
            }
            Outcome::Retry { reply } => {
                let tries = d.attempts + 1;
                if tries >= self.options.max_attempts {
                    (
                        "failed",
                        format!("{reply} (gave up after {tries} tries)"),
                        tries,
                        0,
                        None,
                        "smtp",
                    )
                } else {
                    let wait =
                        self.options.retry_after.as_millis() as i64 * (1i64 << (tries - 1).min(10));
                    ("queued", reply, tries, now_ms() + wait, None, "smtp")
                }
            }
        };
        if status != "sent" && matches!(self.destination, Destination::Smtp { .. }) {
            self.day_count.fetch_sub(1, Ordering::SeqCst);
        }
        tx.prepare_cached(
            "UPDATE delivery SET status = ?2, reply = ?3, attempts = ?4, next_attempt_ms = ?5,
                    sent_ms = ?6, channel = ?7, updated_at = ?8 WHERE id = ?1",
        )?
        .execute(params![
            d.id, status, reply, attempts, next_ms, sent_ms, channel, at
        ])?;
        Ok(())
    }

    fn report(&self, force: bool) {
        {
            let mut last = self.last_progress.lock().unwrap_or_else(|e| e.into_inner());
            if !force && last.elapsed() < self.options.progress_every {
                return;
            }
            *last = Instant::now();
        }
        let progress = {
            let db = self.db.lock().unwrap_or_else(|e| e.into_inner());
            store::progress(&db, self.id)
        };
        if let Ok(p) = progress {
            (self.on_progress)(&p);
        }
    }

    /// One worker: claim, send, record, until nothing is left or a stop.
    fn work(&self) {
        let mut conn: Option<SmtpConnection> = None;
        let mut done: Option<(Claimed, Outcome)> = None;
        let mut batch = VecDeque::new();
        loop {
            let claim = !self.stop.load(Ordering::SeqCst);
            if claim {
                if let Destination::Smtp { .. } = self.destination {
                    self.rate.wait();
                }
            }
            let step = match self.step(done.take(), &mut batch, claim) {
                Ok(step) => step,
                Err(e) => {
                    self.fail(e);
                    break;
                }
            };
            self.report(false);
            let d = match step {
                Step::Got(d) => d,
                Step::WaitUntil(ms) => {
                    let wait = (ms - now_ms()).clamp(10, 250) as u64;
                    std::thread::sleep(Duration::from_millis(wait));
                    continue;
                }
                Step::Finished => break,
            };
            let letter = match self.letters.letter(&d.recipient) {
                Ok(bytes) => bytes,
                Err(e) => {
                    self.stop_with(
                        AnnouncementState::Paused,
                        format!("The message for {} could not be written: {} Nobody else was mailed until this is fixed.", d.recipient.email, e.message),
                    );
                    done = Some((d, Outcome::Untried));
                    continue;
                }
            };
            let outcome = match &self.destination {
                Destination::Outbox(dir) => self.write_outbox(dir, &d, &letter),
                Destination::Smtp { account, password } => {
                    if conn.as_ref().is_some_and(|c| c.has_broken()) {
                        conn = None;
                    }
                    if conn.is_none() {
                        match account::connect(
                            account,
                            password.as_ref(),
                            self.letters.envelope_from(),
                            self.options.timeout,
                        ) {
                            Ok(c) => conn = Some(c),
                            Err(f) => {
                                self.stop_for_connection(&f);
                                done = Some((d, Outcome::Untried));
                                continue;
                            }
                        }
                    }
                    let c = conn.as_mut().expect("a connection was just opened");
                    let (outcome, keep) =
                        transfer(c, self.letters.envelope_from(), &d.recipient.email, &letter);
                    if !keep {
                        if let Some(mut c) = conn.take() {
                            c.abort();
                        }
                    }
                    outcome
                }
            };
            done = Some((d, outcome));
        }
        if let Some(mut c) = conn {
            let _ = c.quit();
        }
    }

    fn stop_for_connection(&self, f: &ConnectFailure) {
        if f.is_offline() {
            self.stop_with(
                AnnouncementState::Queued,
                format!(
                    "{} Everyone not yet mailed stays queued; resume when the connection is back.",
                    f.message
                ),
            );
        } else {
            self.stop_with(AnnouncementState::Paused, f.message.clone());
        }
    }

    fn write_outbox(&self, dir: &Path, d: &Claimed, letter: &[u8]) -> Outcome {
        let folder = dir.join(format!("announcement-{}", self.id));
        let safe: String = d
            .recipient
            .email
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '@') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = folder.join(format!("{:06}-{safe}.eml", d.id));
        let partial = path.with_extension("eml.partial");
        let written = fs::create_dir_all(&folder)
            .and_then(|()| {
                let mut f = fs::File::create(&partial)?;
                f.write_all(letter)?;
                f.sync_all()
            })
            .and_then(|()| fs::rename(&partial, &path));
        match written {
            Ok(()) => Outcome::Sent {
                reply: format!("Written to the outbox: {}", path.display()),
                channel: "outbox",
            },
            Err(e) => {
                let _ = fs::remove_file(&partial);
                self.stop_with(
                    AnnouncementState::Paused,
                    format!("The outbox folder {} cannot be written ({e}). Choose another folder or free some space, then resume.", folder.display()),
                );
                Outcome::Untried
            }
        }
    }
}

/// Hands one message to the server. Returns the outcome and whether the
/// connection can carry the next message.
fn transfer(conn: &mut SmtpConnection, from: &str, to: &str, letter: &[u8]) -> (Outcome, bool) {
    let (Ok(from), Ok(to)) = (Address::from_str(from), Address::from_str(to)) else {
        return (
            Outcome::Failed {
                reply: format!("“{to}” or the sender “{from}” is not a valid address."),
            },
            true,
        );
    };
    let mut mail_options = Vec::new();
    if !from.to_string().is_ascii() || !to.to_string().is_ascii() {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            return (Outcome::Failed { reply: "The address is not plain ASCII and the server does not take such addresses (no SMTPUTF8).".to_owned() }, true);
        }
        mail_options.push(MailParameter::SmtpUtfEight);
    }
    if !letter.is_ascii() && conn.server_info().supports_feature(Extension::EightBitMime) {
        mail_options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    // Before the message itself is handed over, a failure means it did not go.
    let before = (|| {
        conn.command(Mail::new(Some(from), mail_options))?;
        conn.command(Rcpt::new(to, vec![]))?;
        conn.command(Data)
    })();
    if let Err(e) = before {
        return refused_or_lost(conn, e);
    }
    // The message and its closing dot in one write: written apart, the small
    // closing write waits on the server's delayed acknowledgement (Nagle),
    // about 40 ms a message. lettre does not offer TCP_NODELAY.
    let handed = match String::from_utf8(dot_stuffed(letter)) {
        Ok(text) => conn.command(Verbatim(&text)),
        Err(_) => conn.message(letter),
    };
    match handed {
        Ok(r) => (Outcome::Sent { reply: reply_text(r.code().to_string(), r.message()), channel: "smtp" }, true),
        Err(e) if e.is_transient() || e.is_permanent() => refused_or_lost(conn, e),
        // The whole message went out and no answer came back: it may have arrived.
        Err(e) => (Outcome::Uncertain { reply: format!("The connection dropped while the server was taking the message ({e}); it may or may not have arrived.") }, false),
    }
}

/// Text written to the server as it is.
struct Verbatim<'a>(&'a str);

impl std::fmt::Display for Verbatim<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// The message as SMTP `DATA` carries it (RFC 5321 4.5.2): a line starting
/// with a dot gets a second one, and it ends with CRLF . CRLF.
fn dot_stuffed(letter: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(letter.len() + 16);
    for line in letter.split_inclusive(|&b| b == b'\n') {
        if line.first() == Some(&b'.') {
            out.push(b'.');
        }
        out.extend_from_slice(line);
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

fn refused_or_lost(
    conn: &mut SmtpConnection,
    e: lettre::transport::smtp::Error,
) -> (Outcome, bool) {
    let reply = e.to_string();
    if e.is_permanent() {
        let keep = conn.command(Rset).is_ok();
        (Outcome::Failed { reply }, keep)
    } else if e.is_transient() {
        // 421 means the server is closing the connection.
        let closing = e.status().is_some_and(|c| c.to_string() == "421");
        let keep = !closing && conn.command(Rset).is_ok();
        (Outcome::Retry { reply }, keep)
    } else {
        (
            Outcome::Lost {
                reply: format!("The connection dropped before the message was sent ({reply})."),
            },
            false,
        )
    }
}

fn reply_text<'a>(code: String, lines: impl Iterator<Item = &'a str>) -> String {
    let text: Vec<&str> = lines.collect();
    format!("{code} {}", text.join(" ")).trim().to_owned()
}

/// Where a test letter went: the address it was handed to the server for, or
/// the outbox file it was written to when no account is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestSent {
    Mailed { to: String, reply: String },
    Written(PathBuf),
}

/// Sends one letter to `to` outside any announcement's deliveries: the
/// composer's "send a test to me". It goes through the branch's account, or,
/// with none, into `<outbox>/tests/`. A refusal or a lost connection is an
/// error saying what the server answered; nothing is recorded or retried.
pub fn send_test(
    db: &Database,
    db_path: &Path,
    letters: &dyn Letters,
    to: &Recipient,
    session_password: Option<&Password>,
) -> Result<TestSent> {
    let letter = letters.letter(to)?;
    let Some(acct) = account::get(db)? else {
        let folder = outbox_dir(db_path).join("tests");
        let stamp = now_text().replace(':', "-");
        let path = folder.join(format!("test-{stamp}.eml"));
        fs::create_dir_all(&folder)
            .and_then(|()| fs::write(&path, &letter))
            .map_err(|e| {
                Error::storage(format!(
                    "The outbox folder {} cannot be written ({e}).",
                    folder.display()
                ))
            })?;
        return Ok(TestSent::Written(path));
    };
    let password = account::password_for(&acct, session_password)?;
    let from = letters.envelope_from();
    let mut conn = account::connect(
        &acct,
        password.as_ref(),
        from,
        SendOptions::default().timeout,
    )
    .map_err(|f| Error::new(crate::ErrorCode::Storage, f.message))?;
    let (outcome, _) = transfer(&mut conn, from, &to.email, &letter);
    conn.quit().ok();
    match outcome {
        Outcome::Sent { reply, .. } => Ok(TestSent::Mailed {
            to: to.email.clone(),
            reply,
        }),
        Outcome::Failed { reply }
        | Outcome::Retry { reply }
        | Outcome::Lost { reply }
        | Outcome::Uncertain { reply } => Err(Error::new(
            crate::ErrorCode::Storage,
            format!("The test to {} was not accepted: {reply}", to.email),
        )),
        Outcome::Untried => Err(Error::new(
            crate::ErrorCode::Storage,
            format!("The test to {} could not be sent.", to.email),
        )),
    }
}

/// Sends (or resumes) announcement `id` from the database at `db_path`, and
/// returns when nobody is left in the queue or the send stopped (paused,
/// cancelled, daily cap, no connection). A draft is queued first. The
/// progress callback runs on the workers' threads.
pub fn run(
    db_path: &Path,
    id: i64,
    letters: &dyn Letters,
    options: &SendOptions,
    on_progress: &(dyn Fn(&SendProgress) + Sync),
) -> Result<SendProgress> {
    let mut db = Database::open(db_path)?;
    let a = store::get(&db, id)?;
    match a.state {
        AnnouncementState::Draft => {
            store::queue(&db, id)?;
        }
        AnnouncementState::Cancelled => {
            return Err(Error::invalid_field(
                "state",
                format!("Announcement {id} was cancelled; it cannot be sent."),
            ))
        }
        _ => {}
    }
    let owner = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4());
    take_lease(&mut db, id, &owner)?;
    let destination = match account::get(&db)? {
        Some(account) => match account::password_for(&account, options.session_password.as_ref()) {
            Ok(password) => Destination::Smtp { account, password },
            Err(e) => {
                finish(
                    &mut db,
                    id,
                    &owner,
                    Some((AnnouncementState::Paused, e.message.clone())),
                )?;
                return Err(e);
            }
        },
        None => Destination::Outbox(
            options
                .outbox_dir
                .clone()
                .unwrap_or_else(|| outbox_dir(db_path)),
        ),
    };
    let (rate, daily_cap) = match &destination {
        Destination::Smtp { account, .. } => (account.rate_per_minute, account.daily_cap),
        Destination::Outbox(_) => (0, 0),
    };
    let day_count: u32 = db.conn().query_row(
        "SELECT count(*) FROM delivery WHERE channel = 'smtp' AND sent_ms > ?1",
        [now_ms() - 24 * 3600 * 1000],
        |r| r.get(0),
    )?;
    let workers = match destination {
        Destination::Outbox(_) => 1,
        Destination::Smtp { .. } => options.connections.clamp(1, 32),
    };
    tracing::info!(
        announcement = id,
        workers,
        outbox = matches!(destination, Destination::Outbox(_)),
        "send started"
    );
    let job = Job {
        id,
        list_id: a.list_id,
        owner: owner.clone(),
        db: Mutex::new(db),
        letters,
        options,
        destination,
        rate: RateLimit::new(rate),
        day_count: AtomicU32::new(day_count),
        daily_cap,
        stop: AtomicBool::new(false),
        stop_reason: Mutex::new(None),
        first_error: Mutex::new(None),
        last_progress: Mutex::new(Instant::now()),
        on_progress,
    };
    let finished = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| heartbeat(db_path, id, &job.owner, &finished));
        let handles: Vec<_> = (0..workers).map(|_| s.spawn(|| job.work())).collect();
        for h in handles {
            if h.join().is_err() {
                job.fail(Error::internal("A sending worker stopped unexpectedly."));
            }
        }
        finished.store(true, Ordering::SeqCst);
    });
    let reason = job
        .stop_reason
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let mut db = job.db.into_inner().unwrap_or_else(|e| e.into_inner());
    finish(&mut db, id, &owner, reason)?;
    if let Some(e) = job
        .first_error
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
    {
        return Err(e);
    }
    let progress = store::progress(&db, id)?;
    on_progress(&progress);
    tracing::info!(
        announcement = id,
        sent = progress.sent,
        failed = progress.failed,
        uncertain = progress.uncertain,
        "send ended"
    );
    Ok(progress)
}

/// Takes the announcement's lease in a `BEGIN IMMEDIATE` transaction. A live
/// sender's lease is refused; a dead one's is given up, and the deliveries it
/// left in `sending` become `uncertain`.
fn take_lease(db: &mut Database, id: i64, owner: &str) -> Result<()> {
    let tx = db
        .conn_mut()
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let lease: Option<(i64, i64, String)> = tx
        .query_row(
            "SELECT pid, heartbeat_ms, boot_id FROM send_lease WHERE announcement_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let boot = boot_id();
    if let Some((pid, beat, _)) = &lease {
        let (pid, beat) = (*pid, *beat);
        if is_live(pid, beat) {
            return Err(Error::invalid_field(
                "announcement_id",
                format!(
                    "Announcement {id} is already being sent by another Handbill (process {pid}, seen {} s ago). \
                     Two senders never run the same announcement; wait for it, or pause it with: handbill send pause {id}",
                    ((now_ms() - beat).max(0) / 1000)
                ),
            ));
        }
    }
    let at = now_text();
    // The same boot: the dead sender's every commit is on disk, so its claimed
    // rows never left. Another boot (or none known): they may have.
    let same_boot = !boot.is_empty() && lease.as_ref().is_some_and(|(_, _, b)| *b == boot);
    if same_boot {
        tx.execute(
            "UPDATE delivery SET status = 'queued', updated_at = ?2 WHERE announcement_id = ?1 AND status = 'claimed'",
            params![id, at],
        )?;
    }
    let orphaned = tx.execute(
        "UPDATE delivery SET status = 'uncertain', updated_at = ?2,
                reply = 'The sender stopped (crash, kill or power loss) while this message was on its way: it may or may not have arrived. Decide whether to send it again.'
         WHERE announcement_id = ?1 AND status IN ('sending', 'claimed')",
        params![id, at],
    )?;
    if orphaned > 0 {
        tracing::warn!(
            announcement = id,
            uncertain = orphaned,
            "deliveries left in flight by a stopped sender"
        );
    }
    tx.execute(
        "INSERT INTO send_lease (announcement_id, owner, pid, boot_id, heartbeat_ms) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (announcement_id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid,
             boot_id = excluded.boot_id, heartbeat_ms = excluded.heartbeat_ms",
        params![id, owner, std::process::id() as i64, boot, now_ms()],
    )?;
    tx.execute(
        "UPDATE announcement SET state = 'sending', note = '', updated_at = ?2 WHERE id = ?1",
        params![id, at],
    )?;
    tx.commit()?;
    Ok(())
}

/// Keeps the lease fresh until the job ends.
fn heartbeat(db_path: &Path, id: i64, owner: &str, finished: &AtomicBool) {
    let Ok(db) = Database::open(db_path) else {
        return;
    };
    let mut last = Instant::now();
    while !finished.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
        if last.elapsed() >= HEARTBEAT {
            last = Instant::now();
            let _ = db.conn().execute(
                "UPDATE send_lease SET heartbeat_ms = ?3 WHERE announcement_id = ?1 AND owner = ?2",
                params![id, owner, now_ms()],
            );
        }
    }
}

/// Gives the lease back and leaves the announcement in the state the run
/// ended in: done when nobody is queued, else the reason it stopped.
fn finish(
    db: &mut Database,
    id: i64,
    owner: &str,
    reason: Option<(AnnouncementState, String)>,
) -> Result<()> {
    let tx = db
        .conn_mut()
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "DELETE FROM send_lease WHERE announcement_id = ?1 AND owner = ?2",
        params![id, owner],
    )?;
    let state: String =
        tx.query_row("SELECT state FROM announcement WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
    let left: u32 = tx.query_row(
        "SELECT count(*) FROM delivery WHERE announcement_id = ?1 AND status IN ('queued', 'claimed', 'sending')",
        [id],
        |r| r.get(0),
    )?;
    let at = now_text();
    if state == AnnouncementState::Sending.as_str() {
        match reason {
            Some((state, note)) if left > 0 => {
                tx.execute(
                    "UPDATE announcement SET state = ?2, note = ?3, updated_at = ?4 WHERE id = ?1",
                    params![id, state.as_str(), note, at],
                )?;
            }
            _ if left == 0 => {
                tx.execute(
                    "UPDATE announcement SET state = 'done', note = '', finished_at = ?2, updated_at = ?2 WHERE id = ?1",
                    params![id, at],
                )?;
            }
            _ => {
                tx.execute(
                    "UPDATE announcement SET state = 'paused', note = ?2, updated_at = ?3 WHERE id = ?1",
                    params![id, format!("Stopped with {left} still queued."), at],
                )?;
            }
        }
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::dot_stuffed;

    #[test]
    fn data_is_dot_stuffed_and_closed() {
        assert_eq!(
            dot_stuffed(b".first\r\nmiddle\r\n..two\r\nlast"),
            b"..first\r\nmiddle\r\n...two\r\nlast\r\n.\r\n".to_vec(),
            "a dot starting a line is doubled and the message ends with CRLF . CRLF"
        );
        assert_eq!(
            dot_stuffed(b"a\r\n"),
            b"a\r\n.\r\n".to_vec(),
            "a message ending in CRLF gets no second one"
        );
    }
}
