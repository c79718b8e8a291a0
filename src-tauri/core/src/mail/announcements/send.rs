//! The sending job: takes an announcement's lease (so two senders never run it
//! at once), then workers on their own threads, each with its own pooled SMTP
//! connection, mail every queued person once. Each delivery row goes to
//! `sending` in a committed transaction before its message leaves and gets its
//! outcome after; a crash leaves `sending` rows that the next sender marks
//! `uncertain` instead of resending. Pause and cancel are read from the
//! database between messages, so another process can ask for them. With no
//! account set up, messages are written to an outbox folder as `.eml` files
//! and recorded as `written`, not sent; [`deliver_outbox`] sends them later,
//! once each, through the account.
//!
//! What the server answers goes into the consent record: a 5xx answer that
//! rejects the address itself (enhanced status 5.1.x, "user unknown") marks
//! the person bounced at once, through [`subscribers::set_status`] with the
//! server's words in the ledger; a 4xx answer is retried later and counted as
//! a soft bounce on the delivery.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use lettre::transport::smtp::client::SmtpConnection;
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};
use lettre::Address;
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::account::{self, outbox_dir, ConnectFailure, Password, SmtpAccount};
use super::lease::{boot_id, is_live, lease_is_live};
use super::letter::{Letters, Recipient};
use super::store::{self, AnnouncementState, SendProgress};
use crate::clock::{now_ms, now_text};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::mail::subscribers::{self, ConsentStatus};

const HEARTBEAT: Duration = Duration::from_secs(2);
/// How often the heartbeat copies the write-ahead log into the file while a send runs.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);
/// How long a worker about to serve the group commit waits for the other
/// workers' requests (see `Job::step`).
const GATHER: Duration = Duration::from_millis(2);
/// The page cache of the sending connection, in KiB.
const SEND_CACHE_KIB: i64 = 16 * 1024;

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
    /// Deliveries the workers claim in their first transaction synced to disk
    /// (see `Job::step`). Later claims hold about `claim_window` of sending
    /// at the pace the send has reached (at least this many, at most 32
    /// times as many): after a power loss at most about that long's messages
    /// are left uncertain; smaller means more disk syncs (each a few
    /// milliseconds, during which no worker can record) and a slower send.
    pub claim_batch: usize,
    /// How much sending one claim covers once the pace is known.
    pub claim_window: Duration,
}

/// The deliveries the workers have claimed and not yet taken, shared by all
/// of them so that the people sent to at the same time are neighbours in the
/// file (a commit then rewrites one page of it, not one per worker), and the
/// pace that sizes the next claim.
struct Claims {
    /// Claimed deliveries as read when they were claimed, in queue order.
    ids: VecDeque<Claimed>,
    /// When the last claim was made and how many it took.
    since: Instant,
    took: usize,
    /// The last claim found fewer due deliveries than it asked for.
    drained: bool,
}

impl Claims {
    fn new() -> Claims {
        Claims {
            ids: VecDeque::new(),
            since: Instant::now(),
            took: 0,
            drained: false,
        }
    }

    /// How many to claim next: what the last claim took, scaled to the window.
    fn next_size(&self, options: &SendOptions) -> usize {
        let first = options.claim_batch.max(1);
        if self.took == 0 {
            return first;
        }
        let per_second = self.took as f64 / self.since.elapsed().as_secs_f64().max(0.001);
        ((per_second * options.claim_window.as_secs_f64()) as usize).clamp(first, first * 32)
    }
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
            claim_window: Duration::from_secs(1),
        }
    }
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
    /// Accepted by the server: its answer.
    Sent { reply: String },
    /// Written to the outbox folder: where.
    Written { reply: String },
    /// Refused for good. `bounced` when the server rejected the address
    /// itself (5.1.x): the person is marked bounced.
    Failed { reply: String, bounced: bool },
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

/// One claimed delivery.
struct Claimed {
    id: i64,
    attempts: u32,
    recipient: Recipient,
}

// One step per message, moved once: its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Step {
    /// The delivery to send now, marked `sending`; and, when the shared
    /// claims held one, the worker's next delivery, still only `claimed`, whose
    /// envelope may go ahead with this message (see [`transfer`]).
    Got { d: Claimed, next: Option<Claimed> },
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

/// A worker's request to the database: record its last outcomes, take its next delivery.
struct Request {
    worker: usize,
    done: Vec<Done>,
    /// The delivery the worker took ahead (`next` of its last step), to be
    /// marked `sending` now rather than one from the shared claims: its
    /// envelope may be with the server already.
    ahead: Option<Claimed>,
    claim: bool,
}

/// An outcome to record.
struct Done {
    claimed: Claimed,
    outcome: Outcome,
    /// Whether the delivery was marked `sending` (and counted against the
    /// daily cap) before it went: not so for a delivery taken ahead whose
    /// envelope the server refused.
    marked: bool,
}

/// What a served request gives back to its worker: the next step.
type Answer = Result<Step>;

/// The workers' requests waiting for the next group commit, and the answers left for them.
struct Queue {
    requests: Vec<Request>,
    /// Each worker's answer, left by whoever served its request.
    answers: Vec<Option<Answer>>,
    /// Whether a worker is serving a group now.
    serving: bool,
    /// Whether a worker is waiting for the others' requests before serving.
    gathering: bool,
    /// Workers still running (each one leaves a request before its next message).
    active: usize,
}

/// What the workers share.
struct Job<'a> {
    id: i64,
    list_id: i64,
    owner: String,
    db: Mutex<Database>,
    /// Claimed deliveries not yet taken; only used while `db` is locked.
    claims: Mutex<Claims>,
    /// Requests waiting to be served together, and answers (see `Job::step`).
    queue: Mutex<Queue>,
    /// Signalled when a group has been served.
    ready: Condvar,
    /// Signalled to the gathering worker when a request arrives or a worker ends.
    gathered: Condvar,
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
    /// Durability without a disk sync per message: the workers claim a batch of
    /// deliveries (`claimed`) in a transaction synced to disk, then mark each
    /// one `sending` in an ordinary commit just before its message goes. A
    /// killed process loses no commit (they are in the OS's cache), so the
    /// next sender knows exactly which message was in flight; after a power
    /// loss or a reboot the unsynced tail may be lost, so every row still
    /// claimed or sending is treated as uncertain (see [`take_lease`]).
    ///
    /// Group commit: a worker leaves its request in the queue. If no one is
    /// serving, it gathers: it waits up to [`GATHER`] for every other
    /// running worker's request, then serves: it records every waiting
    /// worker's outcome and marks each one's next delivery `sending` in one
    /// transaction, so one commit serves all the workers instead of one each
    /// (flat combining: no thread of its own, a waiting worker does the
    /// work). The workers take their next deliveries from one shared pool of
    /// claims, so the rows of one commit are neighbours in the file and it
    /// rewrites one page of it. A worker whose request was served meanwhile
    /// finds its answer in the queue and goes on. Each person is still
    /// recorded `sending` in a commit before their message leaves and with
    /// its outcome after, and each connection has at most one message on its
    /// way. A worker's next delivery (`Step::Got`'s `next`) is taken from the
    /// claims with this one but stays `claimed`: only its envelope goes ahead
    /// (see [`transfer`]); it is marked `sending` by the worker's next
    /// request, `ahead`, before its message leaves, or given back.
    fn step(&self, done: Vec<Done>, ahead: Option<Claimed>, worker: usize, claim: bool) -> Answer {
        self.post(done, ahead, worker, claim);
        self.collect(worker)
    }

    /// Leaves a worker's request for the next group commit and returns at
    /// once: the worker hands its message over meanwhile, and takes the
    /// answer after with [`Job::collect`]. The commit that marks its next
    /// delivery `sending` then runs while the message is on its way, on
    /// another worker's turn at serving, instead of between two messages
    /// with every connection idle. The price: a process killed meanwhile
    /// leaves two rows of that connection `sending` (uncertain, never resent
    /// without the organizer's word), the message on its way and the next,
    /// where it left one; a dropped connection or a stop still records the
    /// next one exactly (its message never left: back to the queue).
    fn post(&self, done: Vec<Done>, ahead: Option<Claimed>, worker: usize, claim: bool) {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.requests.push(Request {
            worker,
            done,
            ahead,
            claim,
        });
        if queue.gathering {
            self.gathered.notify_one();
        }
    }

    /// The answer to the worker's posted request: found in the queue when
    /// another worker served it, or served now by this one (see [`Job::step`]).
    fn collect(&self, worker: usize) -> Answer {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(answer) = queue.answers[worker].take() {
                return answer;
            }
            if queue.serving || queue.gathering {
                // Another worker is serving or gathering a group; ours goes in the next one.
                queue = self.ready.wait(queue).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            // Waits a moment for every running worker's request, so that one
            // commit serves them all (the workers fall into step); a worker
            // slow to come back delays the others by at most GATHER. Not
            // under a rate limit: that spaces the workers apart on purpose.
            let deadline = Instant::now() + GATHER;
            queue.gathering = true;
            while self.rate.interval.is_none() && queue.requests.len() < queue.active {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                queue = self
                    .gathered
                    .wait_timeout(queue, deadline - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            queue.gathering = false;
            queue.serving = true;
            let group = std::mem::take(&mut queue.requests);
            drop(queue);
            let served = {
                let mut db = self.db.lock().unwrap_or_else(|e| e.into_inner());
                self.serve(&mut db, group)
            };
            queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.serving = false;
            for (who, answer) in served {
                queue.answers[who] = Some(answer);
            }
            self.ready.notify_all();
        }
    }

    /// Serves a group of workers' requests in as few transactions as it can:
    /// one, synced to disk when it has to claim more deliveries than are left
    /// in the shared claims (so a claim is on disk before any of its people
    /// is mailed). A request that finds the claims used up (everyone in them
    /// had left the list) is served again in a transaction of its own kind.
    fn serve(&self, db: &mut Database, group: Vec<Request>) -> Vec<(usize, Answer)> {
        let mut answers = Vec::with_capacity(group.len());
        let mut open: Vec<(Request, bool)> = Vec::with_capacity(group.len());
        'requests: for mut r in group {
            for i in 0..r.done.len() {
                if let Done {
                    claimed,
                    outcome:
                        Outcome::Failed {
                            reply,
                            bounced: true,
                        },
                    ..
                } = &r.done[i]
                {
                    if let Err(e) = self.mark_bounced(db, claimed, reply) {
                        // The outcome stays unrecorded: the row is left
                        // `sending`, uncertain, never resent (or `claimed`,
                        // when only its envelope went, and then queued again).
                        r.done.remove(i);
                        answers.push((r.worker, Err(e)));
                        continue 'requests;
                    }
                }
            }
            let stopping = !r.claim || self.stop.load(Ordering::SeqCst);
            open.push((r, stopping));
        }
        let mut claims = self.claims.lock().unwrap_or_else(|e| e.into_inner());
        while !open.is_empty() {
            // Deliveries wanted from the shared claims: one for each worker
            // with none taken ahead, and each one's next.
            let going = open.iter().filter(|(_, stopping)| !stopping);
            let wanting = going.clone().filter(|(r, _)| r.ahead.is_none()).count();
            let wanting_next = going.count();
            let durable = claims.ids.len() < wanting
                || (!claims.drained && claims.ids.len() < wanting + wanting_next);
            if durable {
                if let Err(e) = db.conn().pragma_update(None, "synchronous", "FULL") {
                    let e = Error::from(e);
                    answers.extend(open.into_iter().map(|(r, _)| (r.worker, Err(e.clone()))));
                    break;
                }
            }
            let result =
                self.serve_in_one(db, &mut open, &mut claims, durable, wanting + wanting_next);
            if durable {
                let _ = db.conn().pragma_update(None, "synchronous", "NORMAL");
            }
            match result {
                Ok(steps) => {
                    let mut again = Vec::new();
                    for ((r, stopping), step) in open.into_iter().zip(steps) {
                        match step {
                            Some(step) => answers.push((r.worker, Ok(step))),
                            // The claims ran out on people who left the list: claim more.
                            None => again.push((r, stopping)),
                        }
                    }
                    open = again;
                }
                Err(e) => {
                    answers.extend(open.into_iter().map(|(r, _)| (r.worker, Err(e.clone()))));
                    break;
                }
            }
        }
        answers
    }

    /// One transaction for a batch of requests: each one's outcome recorded
    /// and its next delivery taken, committed together. `durable`: it may
    /// claim more deliveries (at least `wanting`), and is synced to disk.
    fn serve_in_one(
        &self,
        db: &mut Database,
        batch: &mut [(Request, bool)],
        claims: &mut Claims,
        durable: bool,
        wanting: usize,
    ) -> Result<Vec<Option<Step>>> {
        let tx = db
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let at = now_text();
        if wanting > 0 && !self.stop.load(Ordering::SeqCst) {
            let state: String = tx
                .prepare_cached("SELECT state FROM announcement WHERE id = ?1")?
                .query_row([self.id], |r| r.get(0))?;
            if state != AnnouncementState::Sending.as_str() {
                // Paused or cancelled by the organizer, from this process or another.
                self.stop.store(true, Ordering::SeqCst);
            }
        }
        let mut steps = Vec::with_capacity(batch.len());
        for (r, stopping) in batch.iter_mut() {
            steps.push(self.step_once(&tx, r, claims, stopping, durable, wanting, &at)?);
        }
        tx.commit()?;
        Ok(steps)
    }

    /// One worker's share of a transaction (committed by the caller): its
    /// outcomes recorded, then its next delivery (the one it took ahead, if
    /// any) marked `sending`, and the one after taken ahead. `None` when the
    /// claims are used up and this transaction may not claim more.
    #[allow(clippy::too_many_arguments)]
    fn step_once(
        &self,
        tx: &rusqlite::Transaction<'_>,
        request: &mut Request,
        claims: &mut Claims,
        stopping: &mut bool,
        durable: bool,
        wanting: usize,
        at: &str,
    ) -> Result<Option<Step>> {
        for done in request.done.drain(..) {
            self.record(tx, done, at)?;
        }
        if self.stop.load(Ordering::SeqCst) {
            *stopping = true;
        }
        if *stopping {
            // The stop is the whole job's: the claims nobody will take go back.
            claims.ids.extend(request.ahead.take());
            self.release(tx, &mut claims.ids, at)?;
            return Ok(Some(Step::Finished));
        }
        if durable && !claims.drained && claims.ids.len() < wanting {
            self.claim(tx, claims, wanting, at)?;
        }
        loop {
            let d = match request.ahead.take() {
                Some(d) => d,
                None => {
                    if claims.ids.is_empty() {
                        if !durable {
                            return Ok(None);
                        }
                        if self.claim(tx, claims, wanting, at)? == 0 {
                            let due: Option<i64> = tx
                                .prepare_cached("SELECT min(next_attempt_ms) FROM delivery WHERE announcement_id = ?1 AND status = 'queued'")?
                                .query_row([self.id], |r| r.get(0))?;
                            return Ok(Some(match due {
                                Some(ms) => Step::WaitUntil(ms),
                                None => Step::Finished,
                            }));
                        }
                    }
                    let Some(d) = claims.ids.pop_front() else {
                        continue;
                    };
                    d
                }
            };
            let smtp = matches!(self.destination, Destination::Smtp { .. });
            if smtp {
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
                    claims.ids.push_front(d);
                    self.release(tx, &mut claims.ids, at)?;
                    *stopping = true;
                    return Ok(Some(Step::Finished));
                }
            }
            // `sending` only while the person is still subscribed to the list
            // (they may have left since the announcement was queued, or since
            // their envelope went ahead).
            let taken = tx
                .prepare_cached(
                    "UPDATE delivery SET status = 'sending', updated_at = ?3 WHERE id = ?1 AND status = 'claimed'
                       AND (SELECT m.status FROM membership m
                            WHERE m.list_id = ?2 AND m.subscriber_id = delivery.subscriber_id) = 'subscribed'",
                )?
                .execute(params![d.id, self.list_id, at])?;
            if taken == 0 {
                if smtp {
                    self.day_count.fetch_sub(1, Ordering::SeqCst);
                }
                let row: Option<(String, Option<String>)> = tx
                    .prepare_cached(
                        "SELECT d.status,
                                (SELECT m.status FROM membership m WHERE m.list_id = ?2 AND m.subscriber_id = d.subscriber_id)
                         FROM delivery d WHERE d.id = ?1",
                    )?
                    .query_row(params![d.id, self.list_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                // A row no longer claimed was changed by someone else: it is not ours to send.
                if let Some((_, standing)) = row.filter(|(status, _)| status == "claimed") {
                    let why = match standing.as_deref() {
                        Some(s) => format!("Not mailed: {s} from the list before their turn came."),
                        None => {
                            "Not mailed: no longer on the list (or deleted) before their turn came."
                                .to_owned()
                        }
                    };
                    tx.prepare_cached("UPDATE delivery SET status = 'skipped', reply = ?2, updated_at = ?3 WHERE id = ?1")?
                        .execute(params![d.id, why, at])?;
                }
                if claims.ids.is_empty() && !durable {
                    // Everyone claimed had left the list: claim more, in a transaction that may.
                    return Ok(None);
                }
                continue;
            }
            // The next one goes ahead only from claims already on disk.
            let next = claims.ids.pop_front();
            return Ok(Some(Step::Got { d, next }));
        }
    }

    /// Claims at least `wanting` more queued deliveries that are due, in
    /// queue order, into the shared claims (the caller's transaction is
    /// synced to disk). Returns how many it found.
    fn claim(
        &self,
        tx: &rusqlite::Transaction<'_>,
        claims: &mut Claims,
        wanting: usize,
        at: &str,
    ) -> Result<usize> {
        let size = claims.next_size(self.options).max(wanting);
        let rows: Vec<Claimed> = tx
            .prepare_cached(
                "SELECT id, subscriber_id, email, name, first_name, language, attempts FROM delivery
                 WHERE announcement_id = ?1 AND status = 'queued' AND next_attempt_ms <= ?2
                 ORDER BY id LIMIT ?3",
            )?
            .query_map(params![self.id, now_ms(), size as i64], |r| {
                Ok(Claimed {
                    id: r.get(0)?,
                    attempts: r.get(6)?,
                    recipient: Recipient {
                        subscriber_id: r.get::<_, Option<i64>>(1)?.unwrap_or(0),
                        email: r.get(2)?,
                        name: r.get(3)?,
                        first_name: r.get(4)?,
                        language: r.get(5)?,
                    },
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut mark = tx.prepare_cached(
            "UPDATE delivery SET status = 'claimed', updated_at = ?2 WHERE id = ?1",
        )?;
        for d in &rows {
            mark.execute(params![d.id, at])?;
        }
        drop(mark);
        let found = rows.len();
        // Fewer than asked for: the due ones are all claimed; more are
        // claimed only when a worker has none at all (a retry may come due).
        claims.drained = found < size;
        if found > 0 {
            claims.took = found;
            claims.since = Instant::now();
            claims.ids.extend(rows);
        }
        Ok(found)
    }

    /// Marks the person bounced on the announcement's list, before the
    /// delivery's failure is recorded (a crash between the two leaves the
    /// person bounced and the delivery uncertain: never mailed again).
    fn mark_bounced(&self, db: &Database, d: &Claimed, reply: &str) -> Result<()> {
        if d.recipient.subscriber_id <= 0 {
            return Ok(());
        }
        let evidence = format!(
            "Bounced: the mail server refused {} for announcement {}, answering “{}”",
            d.recipient.email,
            self.id,
            subscribers_short(reply)
        );
        match subscribers::set_status(
            db,
            d.recipient.subscriber_id,
            self.list_id,
            ConsentStatus::Bounced,
            &evidence,
        ) {
            Ok(_) => {
                tracing::info!(
                    announcement = self.id,
                    delivery = d.id,
                    "address rejected: marked bounced"
                );
                Ok(())
            }
            // Deleted since it was queued: there is no one left to mark.
            Err(e) if e.code == crate::ErrorCode::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Gives a worker's unsent claims back to the queue (or, when the
    /// announcement was cancelled, records them as not mailed).
    fn release(
        &self,
        tx: &rusqlite::Transaction<'_>,
        batch: &mut VecDeque<Claimed>,
        at: &str,
    ) -> Result<()> {
        let mut back = tx.prepare_cached("UPDATE delivery SET status = 'queued', updated_at = ?2 WHERE id = ?1 AND status = 'claimed'")?;
        for d in batch.drain(..) {
            back.execute(params![d.id, at])?;
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

    fn record(&self, tx: &rusqlite::Transaction<'_>, done: Done, at: &str) -> Result<()> {
        let Done {
            claimed: d,
            outcome,
            marked,
        } = done;
        let soft_bounce = matches!(outcome, Outcome::Retry { .. }) as u32;
        let (status, reply, attempts, next_ms, sent_ms, channel): (
            &str,
            String,
            u32,
            i64,
            Option<i64>,
            &str,
        ) = match outcome {
            Outcome::Sent { reply } => ("sent", reply, d.attempts + 1, 0, Some(now_ms()), "smtp"),
            Outcome::Written { reply } => ("written", reply, d.attempts + 1, 0, None, "outbox"),
            Outcome::Failed { reply, bounced } => (
                "failed",
                if bounced {
                    format!("{reply} (the address was marked bounced)")
                } else {
                    reply
                },
                d.attempts + 1,
                0,
                None,
                "smtp",
            ),
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
        if marked && status != "sent" && matches!(self.destination, Destination::Smtp { .. }) {
            self.day_count.fetch_sub(1, Ordering::SeqCst);
        }
        tx.prepare_cached(
            "UPDATE delivery SET status = ?2, reply = ?3, attempts = ?4, next_attempt_ms = ?5,
                    sent_ms = ?6, channel = ?7, updated_at = ?8, soft_bounces = soft_bounces + ?9 WHERE id = ?1",
        )?
        .execute(params![d.id, status, reply, attempts, next_ms, sent_ms, channel, at, soft_bounce])?;
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
    fn work(&self, worker: usize) {
        let mut conn: Option<(SmtpConnection, bool)> = None;
        let mut done: Vec<Done> = Vec::new();
        // The delivery taken ahead (the last step's `next`).
        let mut ahead: Option<Claimed> = None;
        // The delivery whose envelope the server on `conn` has taken (DATA
        // answered): its message comes next, or the connection is dropped.
        let mut opened: Option<i64> = None;
        // Whether this worker's request went ahead of its message (see
        // `Job::post`): its answer is collected after the message went.
        let mut posted = false;
        // The delivery taken ahead whose envelope the server refused, with
        // that outcome: it was already asked to be marked `sending` (its
        // request went ahead), so its refusal is recorded once it is.
        let mut refused: Option<(i64, Outcome)> = None;
        loop {
            let step = if std::mem::take(&mut posted) {
                self.collect(worker)
            } else {
                let claim = !self.stop.load(Ordering::SeqCst);
                if claim {
                    if let Destination::Smtp { .. } = self.destination {
                        self.rate.wait();
                    }
                }
                self.step(std::mem::take(&mut done), ahead.take(), worker, claim)
            };
            let (d, next) = match step {
                Ok(Step::Got { d, next }) => (d, next),
                other if !done.is_empty() => {
                    // The message that went while the request waited has its
                    // outcome still to record: a request of its own records
                    // it (and finds the job stopped or drained in turn).
                    if opened.take().is_some() {
                        drop_connection(&mut conn);
                    }
                    refused = None;
                    if let Err(e) = other {
                        self.fail(e);
                    }
                    continue;
                }
                other => {
                    if opened.take().is_some() {
                        drop_connection(&mut conn);
                    }
                    match other {
                        Ok(Step::WaitUntil(ms)) => {
                            self.report(false);
                            let wait = (ms - now_ms()).clamp(10, 250) as u64;
                            std::thread::sleep(Duration::from_millis(wait));
                            continue;
                        }
                        Err(e) => self.fail(e),
                        _ => {}
                    }
                    break;
                }
            };
            self.report(false);
            if let Some((id, outcome)) = refused.take() {
                if id == d.id {
                    // Refused at its envelope: recorded, its message never written.
                    done.push(Done {
                        claimed: d,
                        outcome,
                        marked: true,
                    });
                    ahead = next;
                    continue;
                }
            }
            if opened.is_some() && opened != Some(d.id) {
                // The person whose envelope went ahead is not mailed after all
                // (they left the list meanwhile): the server is waiting for
                // their message, and only dropping the connection ends it unsent.
                opened = None;
                drop_connection(&mut conn);
            }
            // Their letter is written only now that they are recorded
            // `sending`, even when their envelope went ahead.
            let letter = match self.letters.letter(&d.recipient) {
                Ok(bytes) => bytes,
                Err(e) => {
                    if opened == Some(d.id) {
                        // The server waits for this message: only dropping the connection ends it unsent.
                        opened = None;
                        drop_connection(&mut conn);
                    }
                    self.stop_with(
                        AnnouncementState::Paused,
                        format!("The message for {} could not be written: {} Nobody else was mailed until this is fixed.", d.recipient.email, e.message),
                    );
                    done.push(Done {
                        claimed: d,
                        outcome: Outcome::Untried,
                        marked: true,
                    });
                    ahead = next;
                    continue;
                }
            };
            let mut next = next;
            let outcome = match &self.destination {
                Destination::Outbox(dir) => self.write_outbox(dir, &d, &letter),
                Destination::Smtp { account, password } => {
                    if conn.as_ref().is_some_and(|(c, _)| c.has_broken()) {
                        conn = None;
                        opened = None;
                    }
                    if conn.is_none() {
                        match account::connect(
                            account,
                            password.as_ref(),
                            self.letters.sender(),
                            self.options.timeout,
                        ) {
                            Ok(c) => conn = Some(c),
                            Err(f) => {
                                self.stop_for_connection(&f);
                                done.push(Done {
                                    claimed: d,
                                    outcome: Outcome::Untried,
                                    marked: true,
                                });
                                ahead = next;
                                continue;
                            }
                        }
                    }
                    let (c, pipelining) = conn.as_mut().expect("a connection was just opened");
                    // The next person's envelope (never their letter, which
                    // is written once they are recorded `sending`) goes with
                    // this message when the server takes pipelined commands.
                    let going = next.as_ref().map(|n| {
                        (
                            n.id,
                            self.letters.envelope_from(&n.recipient),
                            n.recipient.email.clone(),
                        )
                    });
                    // The request that records the last outcomes and marks
                    // the next person `sending` goes before this message
                    // does, so its commit runs while the message is on its
                    // way (not under a rate limit, which spaces the
                    // messages on purpose, nor once the job is stopping).
                    if next.is_some()
                        && self.rate.interval.is_none()
                        && !self.stop.load(Ordering::SeqCst)
                    {
                        self.post(std::mem::take(&mut done), next.take(), worker, true);
                        posted = true;
                    }
                    let handed = transfer(
                        c,
                        *pipelining,
                        &self.letters.envelope_from(&d.recipient),
                        &d.recipient.email,
                        &letter,
                        opened == Some(d.id),
                        going
                            .as_ref()
                            .map(|(_, from, to)| (from.as_str(), to.as_str())),
                    );
                    opened = None;
                    let next_id = going.map(|(id, _, _)| id);
                    match handed.next {
                        NextEnvelope::NotSent => {}
                        NextEnvelope::Accepted => opened = next_id,
                        NextEnvelope::Refused(outcome) if posted => {
                            refused = next_id.map(|id| (id, outcome));
                        }
                        NextEnvelope::Refused(outcome) => {
                            if let Some(n) = next.take() {
                                done.push(Done {
                                    claimed: n,
                                    outcome,
                                    marked: false,
                                });
                            }
                        }
                    }
                    if !handed.keep {
                        opened = None;
                        drop_connection(&mut conn);
                    }
                    handed.outcome
                }
            };
            done.push(Done {
                claimed: d,
                outcome,
                marked: true,
            });
            ahead = next;
        }
        {
            let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.active = queue.active.saturating_sub(1);
            self.gathered.notify_one();
        }
        if let Some((mut c, _)) = conn {
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
            Ok(()) => Outcome::Written {
                reply: format!("Written to the outbox (not sent): {}", path.display()),
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

/// Drops a connection without a word: a server waiting for a message (its
/// DATA answered) takes the drop as the end of it, unsent.
fn drop_connection(conn: &mut Option<(SmtpConnection, bool)>) {
    if let Some((mut c, _)) = conn.take() {
        c.abort();
    }
}

/// What handing one message over came to.
struct Handed {
    outcome: Outcome,
    /// Whether the connection can carry the next message.
    keep: bool,
    /// What became of the next person's envelope, sent with the message.
    next: NextEnvelope,
}

/// The next person's envelope, sent along with a message (see [`transfer`]).
enum NextEnvelope {
    /// It did not go, or its answers did not come back: their message is
    /// sent later, on this connection or a new one.
    NotSent,
    /// MAIL, RCPT and DATA were taken: the server waits for their message.
    Accepted,
    /// Refused: their outcome, their message never having left.
    Refused(Outcome),
}

/// Hands one message to the server. Unless `opened` (its envelope was taken
/// already, sent along with the previous message), MAIL, RCPT and DATA go
/// first: with `pipelining` (the server offers it) in one write with their
/// three answers read after (RFC 2920), as postfix's smtp-source does.
///
/// With `pipelining` and a `next` person (their return path and address), their
/// MAIL, RCPT and DATA follow this message's closing dot in the same write
/// (RFC 2920 lets message content open a group and DATA close it), so each
/// message costs one round trip, not two. Only the envelope goes ahead: the
/// server keeps nothing from it until their message follows, which waits
/// until they are recorded `sending` (and is never sent if they left the
/// list meanwhile: the connection is dropped instead).
fn transfer(
    conn: &mut SmtpConnection,
    pipelining: bool,
    from: &str,
    to: &str,
    letter: &[u8],
    opened: bool,
    next: Option<(&str, &str)>,
) -> Handed {
    let not_sent = |(outcome, keep): (Outcome, bool)| Handed {
        outcome,
        keep,
        next: NextEnvelope::NotSent,
    };
    if !opened {
        // Before the message itself is handed over, a failure means it did not go.
        let before = match envelope(conn, from, to, Some(letter)) {
            Ok((mail, rcpt)) if pipelining => pipelined_envelope(conn, mail, rcpt),
            Ok((mail, rcpt)) => (|| {
                conn.command(mail)?;
                conn.command(rcpt)?;
                conn.command(Data)
            })(),
            Err(outcome) => return not_sent((outcome, true)),
        };
        if let Err(e) = before {
            return not_sent(refused_or_lost(conn, e));
        }
    }
    // The message and its closing dot in one write: written apart, the small
    // closing write waits on the server's delayed acknowledgement (Nagle),
    // about 40 ms a message. lettre does not offer TCP_NODELAY.
    let Ok(mut text) = String::from_utf8(dot_stuffed(letter)) else {
        let handed = conn.message(letter);
        return not_sent(message_outcome(conn, handed, false));
    };
    let ahead = next
        .filter(|_| pipelining)
        .and_then(|(from, to)| envelope(conn, from, to, None).ok());
    if let Some((mail, rcpt)) = &ahead {
        let _ = write!(text, "{mail}{rcpt}{Data}");
    }
    let handed = conn.command(Verbatim(&text));
    let (outcome, keep) = message_outcome(conn, handed, ahead.is_some());
    if ahead.is_none() || !keep {
        return Handed {
            outcome,
            keep,
            next: NextEnvelope::NotSent,
        };
    }
    let first = conn.read_response();
    let (next, keep) = match envelope_answers(conn, first) {
        Ok(_) => (NextEnvelope::Accepted, true),
        Err(e) => match refused_or_lost(conn, e) {
            (Outcome::Lost { .. }, _) => (NextEnvelope::NotSent, false),
            (refused, keep) => (NextEnvelope::Refused(refused), keep),
        },
    };
    Handed {
        outcome,
        keep,
        next,
    }
}

/// The MAIL and RCPT commands for `to`, with the parameters the letter
/// needs, or why it cannot go at all. An envelope sent ahead of its letter
/// (`letter` None, not yet written) declares 8BITMIME wherever the server
/// takes it: a 7-bit body is a valid 8BITMIME body (RFC 6152).
fn envelope(
    conn: &SmtpConnection,
    from: &str,
    to: &str,
    letter: Option<&[u8]>,
) -> std::result::Result<(Mail, Rcpt), Outcome> {
    let (Ok(from), Ok(to)) = (Address::from_str(from), Address::from_str(to)) else {
        return Err(Outcome::Failed {
            reply: format!("“{to}” or the sender “{from}” is not a valid address."),
            bounced: false,
        });
    };
    let mut mail_options = Vec::new();
    if !from.to_string().is_ascii() || !to.to_string().is_ascii() {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            return Err(Outcome::Failed {
                reply: "The address is not plain ASCII and the server does not take such addresses (no SMTPUTF8).".to_owned(),
                bounced: false,
            });
        }
        mail_options.push(MailParameter::SmtpUtfEight);
    }
    if !letter.is_some_and(<[u8]>::is_ascii)
        && conn.server_info().supports_feature(Extension::EightBitMime)
    {
        mail_options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    Ok((Mail::new(Some(from), mail_options), Rcpt::new(to, vec![])))
}

/// What the server's answer to a message means. `pipelined`: more commands
/// followed it in the same write, so a refusal is not followed by RSET here
/// (the server has ended the transaction itself, and their answers come first).
fn message_outcome(
    conn: &mut SmtpConnection,
    handed: std::result::Result<
        lettre::transport::smtp::response::Response,
        lettre::transport::smtp::Error,
    >,
    pipelined: bool,
) -> (Outcome, bool) {
    match handed {
        Ok(r) => (Outcome::Sent { reply: reply_text(r.code().to_string(), r.message()) }, true),
        Err(e) if pipelined && e.is_permanent() => {
            let reply = server_words(&e);
            let bounced = rejects_address(&reply);
            (Outcome::Failed { reply, bounced }, true)
        }
        Err(e) if pipelined && e.is_transient() => {
            let closing = e.status().is_some_and(|c| c.to_string() == "421");
            (Outcome::Retry { reply: server_words(&e) }, !closing)
        }
        Err(e) if e.is_transient() || e.is_permanent() => refused_or_lost(conn, e),
        // The whole message went out and no answer came back: it may have arrived.
        Err(e) => (Outcome::Uncertain { reply: format!("The connection dropped while the server was taking the message ({e}); it may or may not have arrived.") }, false),
    }
}

/// MAIL, RCPT and DATA in one write, then their three answers in order (see
/// [`envelope_answers`]).
fn pipelined_envelope(
    conn: &mut SmtpConnection,
    mail: Mail,
    rcpt: Rcpt,
) -> std::result::Result<lettre::transport::smtp::response::Response, lettre::transport::smtp::Error>
{
    let first = conn.command(Verbatim(&format!("{mail}{rcpt}{Data}")));
    envelope_answers(conn, first)
}

/// The answers to a pipelined MAIL, RCPT and DATA, the first (MAIL's)
/// already read. The first refusal is the outcome; a network failure at any
/// answer is a lost connection. Should a server take DATA although it
/// refused the recipient, the empty message is ended at once (no recipient,
/// so nobody gets it).
fn envelope_answers(
    conn: &mut SmtpConnection,
    mail: std::result::Result<
        lettre::transport::smtp::response::Response,
        lettre::transport::smtp::Error,
    >,
) -> std::result::Result<lettre::transport::smtp::response::Response, lettre::transport::smtp::Error>
{
    let answered = |r: &std::result::Result<_, lettre::transport::smtp::Error>| match r {
        Ok(_) => true,
        Err(e) => e.is_permanent() || e.is_transient(),
    };
    if !answered(&mail) {
        return mail;
    }
    let rcpt = conn.read_response();
    if !answered(&rcpt) {
        return rcpt;
    }
    let data = conn.read_response();
    match (mail, rcpt, data) {
        (Ok(_), Ok(_), data) => data,
        (mail, rcpt, data) => {
            if data.is_ok() {
                let _ = conn.command(Verbatim(".\r\n"));
            }
            Err(mail
                .err()
                .or(rcpt.err())
                .expect("one of the two was refused"))
        }
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
    if letter.first() == Some(&b'.') {
        out.push(b'.');
    }
    // Only the lines that start with a dot change: copy up to each one whole.
    let mut from = 0;
    for at in memchr::memmem::find_iter(letter, b"\n.") {
        out.extend_from_slice(&letter[from..=at]);
        out.push(b'.');
        from = at + 1;
    }
    out.extend_from_slice(&letter[from..]);
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// The server's own words for a refusal: `550 5.1.1 <x>: no such user`
/// (lettre's error text is `permanent error (550): 5.1.1 …`).
fn server_words(e: &lettre::transport::smtp::Error) -> String {
    let text = e.to_string();
    match (e.status(), text.split_once("): ")) {
        (Some(code), Some((_, words))) => format!("{code} {}", words.trim()),
        (Some(code), None) => code.to_string(),
        _ => text,
    }
}

/// Whether a refusal rejects the address itself: a 5xx reply whose enhanced
/// status code (RFC 3463) is 5.1.x — bad mailbox (5.1.1), bad domain
/// (5.1.2), bad address syntax (5.1.3), mailbox moved (5.1.6), no mail
/// accepted by the domain (5.1.10). Other permanent refusals (policy 5.7.x,
/// message too big 5.3.4, a full mailbox 5.2.2) say nothing about whether
/// the address is good.
pub(crate) fn rejects_address(words: &str) -> bool {
    let mut parts = words.split_whitespace();
    let (Some(code), Some(enhanced)) = (parts.next(), parts.next()) else {
        return false;
    };
    let enhanced = enhanced.trim_end_matches([',', ';', ':']);
    let mut classes = enhanced.split('.');
    code.len() == 3
        && code.starts_with('5')
        && classes.next() == Some("5")
        && classes.next() == Some("1")
        && classes
            .next()
            .is_some_and(|d| !d.is_empty() && d.len() <= 3 && d.bytes().all(|b| b.is_ascii_digit()))
        && classes.next().is_none()
}

/// `reply` cut to a length the ledger shows whole.
fn subscribers_short(reply: &str) -> String {
    let one_line: String = reply.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &one_line[..at]),
        None => one_line,
    }
}

fn refused_or_lost(
    conn: &mut SmtpConnection,
    e: lettre::transport::smtp::Error,
) -> (Outcome, bool) {
    if e.is_permanent() {
        let reply = server_words(&e);
        let keep = conn.command(Rset).is_ok();
        let bounced = rejects_address(&reply);
        (Outcome::Failed { reply, bounced }, keep)
    } else if e.is_transient() {
        let reply = server_words(&e);
        // 421 means the server is closing the connection.
        let closing = e.status().is_some_and(|c| c.to_string() == "421");
        let keep = !closing && conn.command(Rset).is_ok();
        (Outcome::Retry { reply }, keep)
    } else {
        let reply = e.to_string();
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
    let from = letters.envelope_from(to);
    let (mut conn, pipelining) = account::connect(
        &acct,
        password.as_ref(),
        letters.sender(),
        SendOptions::default().timeout,
    )
    .map_err(|f| Error::new(crate::ErrorCode::Storage, f.message))?;
    let outcome = transfer(
        &mut conn, pipelining, &from, &to.email, &letter, false, None,
    )
    .outcome;
    conn.quit().ok();
    match outcome {
        Outcome::Sent { reply } => Ok(TestSent::Mailed {
            to: to.email.clone(),
            reply,
        }),
        Outcome::Failed { reply, .. }
        | Outcome::Written { reply }
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
    run_with(Database::open(db_path)?, id, letters, options, on_progress)
}

/// Syncs a shared branch every 15 seconds while an announcement is sent: a
/// claim of the same announcement from another laptop, made first while the
/// two were apart, pauses it here (`share::sync` does that).
struct ShareWatch {
    stop: std::sync::Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ShareWatch {
    fn start(db: &Database) -> Result<Option<ShareWatch>> {
        if !crate::share::is_shared(db)? {
            return Ok(None);
        }
        let conn = db.another_connection()?;
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || loop {
            for _ in 0..60 {
                if flag.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(250));
            }
            if let Err(e) = crate::share::sync(&conn) {
                tracing::warn!(code = ?e.code, "sync while sending failed");
            }
        });
        Ok(Some(ShareWatch {
            stop,
            thread: Some(thread),
        }))
    }
}

impl Drop for ShareWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// [`run`] on a database the caller has open already (it is not opened and
/// checked a second time).
pub fn run_with(
    mut db: Database,
    id: i64,
    letters: &dyn Letters,
    options: &SendOptions,
    on_progress: &(dyn Fn(&SendProgress) + Sync),
) -> Result<SendProgress> {
    let db_path = db.path().to_path_buf();
    let db_path = db_path.as_path();
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
    // A shared branch: the announcement is claimed for this laptop in the
    // shared folder first, and the folder is read again while it is sent, so
    // a claim another laptop made while apart stops this one.
    crate::share::claim(&db, id)?;
    let _watch = ShareWatch::start(&db)?;
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
    // The workers' commits never copy the write-ahead log into the file
    // themselves: that copy ends with a disk sync, during which no worker
    // could record. The heartbeat's own connection copies it instead, in
    // the background, without blocking them (a passive checkpoint).
    db.conn().pragma_update(None, "wal_autocheckpoint", 0)?;
    // Room for the pages a send goes over (deliveries, memberships, their
    // indexes) so that they are read from the file once, not again and again.
    db.conn()
        .pragma_update(None, "cache_size", -SEND_CACHE_KIB)?;
    let beat = db.another_connection().ok();
    let job = Job {
        id,
        list_id: a.list_id,
        owner: owner.clone(),
        db: Mutex::new(db),
        claims: Mutex::new(Claims::new()),
        queue: Mutex::new(Queue {
            requests: Vec::with_capacity(workers),
            answers: (0..workers).map(|_| None).collect(),
            serving: false,
            gathering: false,
            active: workers,
        }),
        ready: Condvar::new(),
        gathered: Condvar::new(),
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
        s.spawn(|| heartbeat(beat, id, &job.owner, &finished));
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let job = &job;
                s.spawn(move || job.work(w))
            })
            .collect();
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

/// What [`deliver_outbox`] did before it sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxRun {
    /// Deliveries written to the outbox that were queued to be sent now.
    pub requeued: u32,
    /// Deliveries still queued from an earlier, interrupted run, sent now too.
    pub resumed: u32,
}

/// Sends, through the branch's mail account, the messages of announcement
/// `id` that were written to the outbox because no account was set up. Each
/// goes once: its delivery moves from `written` to `queued` and then through
/// the ordinary sender, which records it sent (and never resends a message
/// that may have left); a second run finds nothing written and sends
/// nothing, and a run after an interruption resumes those still queued.
/// People who left the list since the files were written are not mailed.
pub fn deliver_outbox(
    db_path: &Path,
    id: i64,
    letters: &dyn Letters,
    options: &SendOptions,
    on_progress: &(dyn Fn(&SendProgress) + Sync),
) -> Result<(OutboxRun, SendProgress)> {
    let mut db = Database::open(db_path)?;
    let a = store::get(&db, id)?;
    if account::get(&db)?.is_none() {
        return Err(Error::invalid_field(
            "smtp",
            format!(
                "No mail account is set up, so announcement {id} would only be written to the outbox again. \
                 Give one: handbill send outbox {id} --smtp 'smtp://USER@HOST:587?security=starttls'"
            ),
        ));
    }
    if a.state == AnnouncementState::Cancelled {
        return Err(Error::invalid_field(
            "state",
            format!("Announcement {id} was cancelled; nothing in its outbox is sent."),
        ));
    }
    if lease_is_live(&db, id)? {
        return Err(Error::invalid_field(
            "state",
            format!("Announcement {id} is being sent right now. Wait for it, or pause it with: handbill send pause {id}"),
        ));
    }
    let at = now_text();
    let tx = db
        .conn_mut()
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let requeued = tx.execute(
        "UPDATE delivery SET status = 'queued', next_attempt_ms = 0, updated_at = ?2,
                reply = 'Written to the outbox earlier; queued to be sent through the mail account.'
         WHERE announcement_id = ?1 AND status = 'written'",
        params![id, at],
    )? as u32;
    let resumed: u32 = tx.query_row(
        "SELECT count(*) FROM delivery WHERE announcement_id = ?1 AND status IN ('queued', 'claimed', 'sending')",
        [id],
        |r| r.get(0),
    )?;
    let resumed = resumed - requeued;
    if requeued > 0 {
        tx.execute(
            "UPDATE announcement SET state = 'queued', note = '', finished_at = NULL, updated_at = ?2 WHERE id = ?1",
            params![id, at],
        )?;
    }
    tx.commit()?;
    let run_state = OutboxRun { requeued, resumed };
    if requeued == 0 && resumed == 0 {
        return Ok((run_state, store::progress(&db, id)?));
    }
    let progress = run_with(db, id, letters, options, on_progress)?;
    Ok((run_state, progress))
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

/// Keeps the lease fresh until the job ends, and copies the write-ahead log
/// into the database file now and then (a passive checkpoint, which waits
/// for no writer and makes none wait), since the workers do not.
fn heartbeat(db: Option<Database>, id: i64, owner: &str, finished: &AtomicBool) {
    let Some(db) = db else {
        return;
    };
    let mut last = Instant::now();
    let mut checkpointed = Instant::now();
    while !finished.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
        if checkpointed.elapsed() >= CHECKPOINT_EVERY {
            checkpointed = Instant::now();
            let _ = db
                .conn()
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        }
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
                let written: u32 = tx.query_row(
                    "SELECT count(*) FROM delivery WHERE announcement_id = ?1 AND status = 'written'",
                    [id],
                    |r| r.get(0),
                )?;
                let note = if written > 0 {
                    format!(
                        "{written} {} saved to the outbox folder as email files, not sent: no mail account is set up. \
                         The outbox's .eml files are not encrypted. Send {} with: handbill send outbox {id} --smtp URL",
                        if written == 1 { "message was" } else { "messages were" },
                        if written == 1 { "it" } else { "them" }
                    )
                } else {
                    String::new()
                };
                tx.execute(
                    "UPDATE announcement SET state = 'done', note = ?3, finished_at = ?2, updated_at = ?2 WHERE id = ?1",
                    params![id, at, note],
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
