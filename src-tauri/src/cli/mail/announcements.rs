//! The sending part of the command line: `handbill announce EVENT_ID --list
//! NAME …` queues an announcement and sends it, printing progress; `handbill
//! send status|resume|pause|cancel|uncertain|test` follow and steer a send from
//! any terminal, while the window or another command is sending; `handbill
//! send outbox ID --smtp URL` sends what was written to the outbox.
//! `announce … --day-before 10:00|--at "2026-12-10 10:00"` and `send schedule
//! ID` schedule an announcement instead of sending it; `send due` sends the
//! ones that are due (the computer's timer runs it: `handbill schedule
//! install` sets that up). The same core functions the window's Mail section
//! calls.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand};
use handbill_core::mail::announcements::announce::{self, AnnounceRequest, Plan};
use handbill_core::mail::announcements::schedule::{
    self, DueStart, ScheduleRequest, ScheduleWhen, Standing,
};
use handbill_core::mail::announcements::timer::{self, TimerRequest};
use handbill_core::mail::announcements::{
    self, account, compose, send, store, told, Announcement, AnnouncementState,
    AnnouncementVersion, Content, DeliveryStatus, Letters, Password, SendOptions, SendProgress,
    Template, UncertainDecision,
};
use handbill_core::{events, mail::lists, Database, Error};

use crate::job::Progress;

/// The largest Markdown file `--body-file` reads: an announcement is a page or two.
const MAX_BODY_FILE: u64 = 1024 * 1024;

/// The environment variable a session password is read from when there is no keychain.
const PASSWORD_VARIABLE: &str = "HANDBILL_SMTP_PASSWORD";

#[derive(Args, Debug)]
#[command(
    after_help = "Without an SMTP account (see --smtp), each message is written as an .eml file to the outbox \
                        folder beside the database.\n\
                        The password is taken from the keychain, or from $HANDBILL_SMTP_PASSWORD for this run.\n\n\
                        With --day-before or --at, the announcement is scheduled instead of sent: the window sends it \
                        when it is due while it is open, and `handbill send due` otherwise (set up the computer's \
                        timer for it once with: handbill schedule install).\n\n\
                        Examples:\n  handbill announce 12 --list Announcements --dry-run\n  \
                        handbill announce 12 --list Announcements --segment tag=volunteer \\\n      \
                        --smtp 'smtp://boston@smtp.example.org:587?security=starttls&rate=60&daily=500'\n  \
                        handbill announce 12 --list Announcements --template reminder --day-before 10:00\n  \
                        handbill announce 12 --list Announcements --template reminder --at '2026-12-10 10:00'"
)]
pub struct AnnounceArgs {
    /// The event to announce (its number, as `handbill event list` shows).
    #[arg(
        value_name = "EVENT_ID",
        required_unless_present = "tour",
        conflicts_with = "tour"
    )]
    pub event: Option<i64>,
    /// Announce a whole tour instead.
    #[arg(long, value_name = "TOUR_ID")]
    pub tour: Option<i64>,
    /// The list to send to.
    #[arg(long, value_name = "NAME")]
    pub list: String,
    /// A saved segment's name, or a filter such as tag=volunteer,city=Boston,zip=021,language=es.
    #[arg(long, value_name = "SEGMENT")]
    pub segment: Option<String>,
    /// new_event, reminder, rescheduled, cancelled or cosponsor_invitation. Without it: rescheduled
    /// for a rescheduled event, cancelled for a cancelled one, otherwise new_event.
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,
    /// Use this subject instead of the template's.
    #[arg(long)]
    pub subject: Option<String>,
    /// Use this Markdown file as the body instead of the template's.
    #[arg(long, value_name = "FILE.md")]
    pub body_file: Option<PathBuf>,
    /// Attach the event's flyer as a PDF.
    #[arg(long)]
    pub flyer: bool,
    /// Send through this account, and remember it: smtp://USER@HOST:PORT?security=starttls|tls|plain&rate=N&daily=N
    /// (no password in it).
    #[arg(long, value_name = "URL")]
    pub smtp: Option<String>,
    /// SMTP connections at once.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub connections: usize,
    /// Print how many people it reaches and the first message, and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Add a version in this language of the branch (such as es), drafted from the template in
    /// it: its subscribers get it, everyone else the main text. Repeat for more languages.
    #[arg(long = "version-in", value_name = "LANG")]
    pub version_in: Vec<String>,
    /// With --dry-run: print the message a reader of this language gets (such as es).
    #[arg(long, value_name = "LANG", requires = "dry_run")]
    pub language: Option<String>,
    /// Announce it again although this event went to this list with this template before.
    #[arg(long)]
    pub again: bool,
    /// Schedule it instead of sending now: the day before the event, at this time (HH:MM) in the
    /// branch's time zone.
    #[arg(long, value_name = "HH:MM", conflicts_with_all = ["at", "dry_run"])]
    pub day_before: Option<String>,
    /// Schedule it instead of sending now: at this date and time in the branch's time zone,
    /// such as "2026-12-10 10:00".
    #[arg(long, value_name = "DATE TIME", conflicts_with = "dry_run")]
    pub at: Option<String>,
}

/// `--day-before` or `--at`, as the core takes them.
fn when_of(day_before: Option<String>, at: Option<String>) -> Option<ScheduleWhen> {
    match (day_before, at) {
        (Some(time), _) => Some(ScheduleWhen::DayBefore { time }),
        (None, Some(local)) => Some(ScheduleWhen::At { local }),
        (None, None) => None,
    }
}

/// The computer's timer that runs `handbill send due`.
#[derive(Subcommand, Debug)]
pub enum ScheduleCommand {
    /// Write the timer that runs `handbill send due` every 5 minutes for this branch, and start it:
    /// a systemd user timer on Linux (or the crontab line to add, without systemd), a launchd
    /// agent on macOS, a Task Scheduler task on Windows.
    Install {
        /// Print what would be written, and write nothing.
        #[arg(long)]
        print: bool,
    },
    /// Stop the timer and take its files away.
    Remove,
}

#[derive(Subcommand, Debug)]
pub enum SendCommand {
    /// Show every announcement, or one announcement's progress with its failed and uncertain deliveries.
    Status {
        /// The announcement's number.
        id: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Send everyone still queued (after a pause, a crash or going offline). Uncertain deliveries are not resent.
    Resume {
        id: i64,
        /// SMTP connections at once.
        #[arg(long, value_name = "N", default_value_t = 2)]
        connections: usize,
    },
    /// Ask the sender (here or in the window) to stop after the messages in hand.
    Pause { id: i64 },
    /// Stop for good: nobody still queued is mailed.
    Cancel { id: i64 },
    /// Decide about deliveries whose fate is uncertain (the sender stopped while they were on their way).
    Uncertain {
        id: i64,
        /// Queue them again; the next `send resume` sends them (some may get it twice).
        #[arg(
            long,
            conflicts_with = "mark_sent",
            required_unless_present = "mark_sent"
        )]
        resend: bool,
        /// Count them as sent.
        #[arg(long)]
        mark_sent: bool,
    },
    /// Send the messages written to the outbox (when no account was set up) through the account, once each.
    Outbox {
        id: i64,
        /// Send through this account, and remember it (see `announce --smtp`).
        #[arg(long, value_name = "URL")]
        smtp: Option<String>,
        /// SMTP connections at once.
        #[arg(long, value_name = "N", default_value_t = 2)]
        connections: usize,
    },
    /// Send the scheduled announcements that are due; say which are held (their event was
    /// cancelled or moved) or missed (their event started first). Never asks anything: the
    /// computer's timer runs it (see `handbill schedule install`).
    Due,
    /// Schedule a draft announcement (or confirm its schedule after its event moved).
    #[command(
        after_help = "Times are in the branch's time zone.\n\nExamples:\n  handbill send schedule 7 --day-before 10:00\n  \
                      handbill send schedule 7 --at '2026-12-10 10:00'\n  handbill send schedule 7 --confirm"
    )]
    Schedule {
        id: i64,
        /// The day before the event, at this time (HH:MM).
        #[arg(long, value_name = "HH:MM", conflicts_with_all = ["at", "confirm"], required_unless_present_any = ["at", "confirm"])]
        day_before: Option<String>,
        /// At this date and time, such as "2026-12-10 10:00".
        #[arg(long, value_name = "DATE TIME", conflicts_with = "confirm")]
        at: Option<String>,
        /// Keep the schedule as it was set after the event moved: a day-before schedule follows the event.
        #[arg(long)]
        confirm: bool,
        /// Schedule it although this event went to this list with this template before.
        #[arg(long)]
        again: bool,
    },
    /// Take an announcement off the schedule; it stays a draft.
    Unschedule { id: i64 },
    /// Test the SMTP account: connect, encrypt and log in, sending nothing.
    Test {
        /// Test this account instead of the saved one (not saved).
        #[arg(long, value_name = "URL")]
        smtp: Option<String>,
    },
}

fn session_password() -> Option<Password> {
    std::env::var(PASSWORD_VARIABLE)
        .ok()
        .filter(|p| !p.is_empty())
        .map(Password::new)
}

/// The finished messages for an announcement: what composing prepares.
fn letters_for(
    db: &Database,
    content: &Content,
    versions: &[AnnouncementVersion],
) -> Result<announcements::Versions, Error> {
    compose::prepare_versions(db, content, versions, handbill_core::clock::now())
}

pub fn announce_command(db_path: &Path, args: AnnounceArgs) -> Result<String, Error> {
    let db = Database::open(db_path)?;
    let template = match &args.template {
        Some(name) => Template::parse(name).ok_or_else(|| {
            Error::invalid_field(
                "template",
                format!(
                    "“{name}” is not a template. Choose one of: {}.",
                    Template::ALL.map(|t| t.as_str()).join(", ")
                ),
            )
        })?,
        // The window's *Email to list* starts from the same template.
        None => told::starting_template(&db, args.event, args.tour)?,
    };
    let list = lists::find(&db, &args.list)?;
    let segment = args.segment.clone().unwrap_or_default();
    if !segment.trim().is_empty() {
        lists::resolve_segment(&db, list.id, &segment)?;
    }
    match (args.event, args.tour) {
        (Some(id), _) => drop(events::get(&db, id)?),
        (None, Some(id)) => drop(events::get_tour(&db, id)?),
        (None, None) => {
            return Err(Error::invalid_field(
                "event_id",
                "Give the event's number, or --tour TOUR_ID.",
            ))
        }
    }
    if let Some(url) = &args.smtp {
        let parsed = account::parse_url(url)?;
        if !args.dry_run {
            account::save(&db, &parsed)?;
        }
    }
    let body = match &args.body_file {
        Some(file) => Some(read_body_file(file)?),
        None => None,
    };
    let request = AnnounceRequest {
        event_id: args.event,
        tour_id: args.tour,
        list_id: list.id,
        segment: segment.clone(),
        template,
        subject: args.subject.clone(),
        body,
        attach_flyer: args.flyer.then_some(true),
        again: args.again,
        versions_in: args.version_in.clone(),
    };
    if args.dry_run {
        let (content, versions, notes, segment) =
            match announce::plan(&db, &request).map_err(with_again_hint)? {
                Plan::Reuse {
                    announcement,
                    notes,
                } => {
                    let segment = announcement.segment.clone();
                    let versions = announcement.versions.clone();
                    (announcement.content(), versions, notes, segment)
                }
                Plan::New { input, notes } => (
                    Content {
                        announcement_id: 0,
                        event_id: input.event_id,
                        tour_id: input.tour_id,
                        template,
                        list_id: list.id,
                        subject: input.subject,
                        body: input.body,
                        attach_flyer: input.attach_flyer,
                    },
                    input.versions,
                    notes,
                    input.segment,
                ),
            };
        let people = store::recipients(&db, list.id, &segment)?;
        let mut out = notes;
        out.push(format!(
            "Dry run: this announcement would reach {} {} on “{}”{}. Nothing was sent or saved.",
            people.len(),
            if people.len() == 1 {
                "person"
            } else {
                "people"
            },
            list.name,
            match (args.segment.is_none(), template) {
                (_, _) if segment.is_empty() => String::new(),
                (true, Template::ThankYou) => " who signed in at the event".to_owned(),
                (true, Template::MissedYou) =>
                    " who came to at least 2 of the last 4 events but not this one".to_owned(),
                _ => format!(" in the segment “{segment}”"),
            }
        ));
        if let Some(first) = people.first() {
            let reader = compose::in_language(first.clone(), args.language.as_deref());
            let letter = letters_for(&db, &content, &versions)?.letter(&reader)?;
            out.push(format!("The message to {}:", first.email));
            out.push(String::new());
            out.push(String::from_utf8_lossy(&letter).replace("\r\n", "\n"));
        }
        return Ok(out.join("\n"));
    }
    if let Some(when) = when_of(args.day_before.clone(), args.at.clone()) {
        let announced = schedule::announce_later(&db, &request, when).map_err(with_again_hint)?;
        let mut out = announced.notes;
        out.push(scheduled_words(&announced.announcement));
        return Ok(out.join("\n"));
    }
    let announced = announce::announce(&db, &request).map_err(with_again_hint)?;
    // Said before sending, so it is said even when the sending then fails.
    if !announced.notes.is_empty() {
        println!("{}", announced.notes.join("\n"));
    }
    run_send(db, announced.announcement.id, args.connections)
}

/// What a scheduled announcement's schedule is, and how it goes out.
fn scheduled_words(a: &Announcement) -> String {
    match &a.schedule {
        Some(s) => format!(
            "Announcement {} (“{}”) is scheduled for {} ({}; {}). \
             The window sends it then while it is open; otherwise `handbill send due` does \
             (set up the computer's timer for it once with: handbill schedule install). \
             Take it off with: handbill send unschedule {}",
            a.id,
            a.subject,
            s.at_text,
            s.zone,
            s.when.words(),
            a.id
        ),
        None => format!("Announcement {} is not scheduled.", a.id),
    }
}

/// One announcement as `send due` names it.
fn named(a: &Announcement) -> String {
    format!("announcement {} “{}” to {}", a.id, a.subject, a.list_name)
}

/// `handbill send due`: sends every due announcement through the same queue
/// and sender as a manual send, and says what it sent, held, found missed and
/// skipped. Fails (after saying everything) only when a send did.
fn send_due(db_path: &Path) -> Result<String, Error> {
    let db = Database::open(db_path)?;
    let check = schedule::check(&db)?;
    let mut failed: Option<Error> = None;
    let say = |line: String| println!("{line}");
    for a in &check.missed {
        let why = a.schedule.as_ref().map(|s| s.why.as_str()).unwrap_or("");
        say(format!("Missed: {} — {why}", named(a)));
    }
    for a in &check.held {
        let why = a.schedule.as_ref().map(|s| s.why.as_str()).unwrap_or("");
        say(format!("Held: {} — {why}", named(a)));
    }
    let mut sent = 0;
    for a in &check.due {
        let when = a
            .schedule
            .as_ref()
            .map(|s| s.at_text.clone())
            .unwrap_or_default();
        match schedule::queue_due(&db, a.id) {
            Ok(DueStart::Queued(_)) => match run_send(Database::open(db_path)?, a.id, 2) {
                Ok(words) => {
                    sent += 1;
                    say(format!(
                        "Sent: {}, scheduled for {when}.\n{words}",
                        named(a)
                    ));
                }
                Err(e) => {
                    say(format!("Not sent in full: {} — {}", named(a), e.message));
                    failed.get_or_insert(e);
                }
            },
            Ok(DueStart::NotDue(now)) => {
                let (word, why) = match &now.schedule {
                    Some(s) if s.standing == Standing::Held => ("Held", s.why.clone()),
                    Some(s) if s.standing == Standing::Missed => ("Missed", s.why.clone()),
                    _ => (
                        "Skipped",
                        format!("it is {} now, no longer due.", now.state.as_str()),
                    ),
                };
                say(format!("{word}: {} — {why}", named(&now)));
            }
            // Another laptop of a shared branch claimed it: that one sends it.
            Err(e) if e.fields.iter().any(|f| f.field == "announcement") => {
                say(format!("Skipped: {} — {}", named(a), e.message));
            }
            Err(e) => {
                say(format!("Skipped: {} — {}", named(a), e.message));
                failed.get_or_insert(e);
            }
        }
    }
    for a in &check.retry {
        // The same policy as `send resume`: refused while another sender holds it.
        let resumed =
            store::resume(&db, a.id).and_then(|_| run_send(Database::open(db_path)?, a.id, 2));
        match resumed {
            Ok(words) => {
                sent += 1;
                say(format!("Sent (resumed): {}.\n{words}", named(a)));
            }
            Err(e) => {
                say(format!("Not sent in full: {} — {}", named(a), e.message));
                failed.get_or_insert(e);
            }
        }
    }
    if let Some(mut e) = failed {
        e.message = format!(
            "Not every due announcement was sent ({sent} sent); see above. {}",
            e.message
        );
        return Err(e);
    }
    let mut out = Vec::new();
    if check.due.is_empty() && check.retry.is_empty() {
        out.push("Nothing is due.".to_owned());
    }
    if let Some(next) = check.waiting.first() {
        let at = next
            .schedule
            .as_ref()
            .map(|s| format!("{} ({})", s.at_text, s.zone))
            .unwrap_or_default();
        out.push(format!("Next: {} on {at}.", named(next)));
    }
    Ok(out.join("\n"))
}

/// `handbill schedule install|remove`: the computer's timer for `send due`.
pub fn schedule_command(db_path: &Path, command: ScheduleCommand) -> Result<String, Error> {
    match command {
        ScheduleCommand::Install { print } => {
            let binary = std::env::current_exe()
                .and_then(|p| p.canonicalize())
                .map_err(|e| {
                    Error::internal(format!("Handbill cannot find its own program: {e}"))
                })?;
            let db = std::path::absolute(db_path).map_err(|e| {
                Error::invalid_field("db", format!("The branch's path cannot be read: {e}"))
            })?;
            if !db.exists() {
                return Err(Error::not_found(format!(
                    "There is no branch at {}: the timer would have nothing to send. Give the branch with --db PATH.",
                    db.display()
                )));
            }
            timer::install(&TimerRequest {
                binary,
                db,
                print_only: print,
            })
        }
        ScheduleCommand::Remove => timer::remove(),
    }
}

/// The refusal to announce something a second time, with how to insist here.
fn with_again_hint(mut e: Error) -> Error {
    if e.fields.iter().any(|f| f.field == "again") {
        let hint = " To send it again anyway, run the same command with --again.";
        e.message.push_str(hint);
        for f in e.fields.iter_mut().filter(|f| f.field == "again") {
            f.message.push_str(hint);
        }
    }
    e
}

/// The Markdown of `--body-file`, refused when it is not a text file of a sensible size.
fn read_body_file(file: &Path) -> Result<String, Error> {
    // A regular file of at most MAX_BODY_FILE bytes, read the one way outside
    // files are read (never a device or a pipe).
    handbill_core::db::outside::read_text(
        file,
        handbill_core::db::outside::Kind {
            field: "body_file",
            what: "body file",
            limit: MAX_BODY_FILE,
        },
    )
}

pub fn send_command(db_path: &Path, command: SendCommand) -> Result<String, Error> {
    match command {
        SendCommand::Status { id: None, json } => {
            let db = Database::open(db_path)?;
            let all = store::all(&db)?;
            let mut rows = Vec::new();
            for a in &all {
                rows.push((a, store::progress(&db, a.id)?));
            }
            if json {
                let list: Vec<_> = rows
                    .iter()
                    .map(|(a, p)| serde_json::json!({ "announcement": a, "progress": p }))
                    .collect();
                return serde_json::to_string_pretty(&list)
                    .map_err(|e| Error::internal(e.to_string()));
            }
            if rows.is_empty() {
                return Ok(
                    "No announcements yet. Send one with: handbill announce EVENT_ID --list NAME"
                        .to_owned(),
                );
            }
            let mut out = vec![format!(
                "{:>5}  {:<10} {:>6} {:>6} {:>8} {:>6} {:>9} {:>6}  {}",
                "Id", "State", "Total", "Sent", "Outbox", "Failed", "Uncertain", "Left", "Subject"
            )];
            for (a, p) in rows {
                let state = match a.schedule.as_ref().map(|s| s.standing) {
                    Some(Standing::Held) => "held".to_owned(),
                    Some(Standing::Missed) => "missed".to_owned(),
                    Some(_) => "scheduled".to_owned(),
                    None => state_word(&p),
                };
                out.push(format!(
                    "{:>5}  {:<10} {:>6} {:>6} {:>8} {:>6} {:>9} {:>6}  {}",
                    a.id,
                    state,
                    p.total,
                    p.sent,
                    p.written,
                    p.failed,
                    p.uncertain,
                    p.queued + p.sending,
                    a.subject
                ));
            }
            Ok(out.join("\n"))
        }
        SendCommand::Status { id: Some(id), json } => {
            let db = Database::open(db_path)?;
            let a = store::get(&db, id)?;
            let p = store::progress(&db, id)?;
            if json {
                let failed = store::deliveries(&db, id, Some(DeliveryStatus::Failed), 10_000)?;
                let uncertain =
                    store::deliveries(&db, id, Some(DeliveryStatus::Uncertain), 10_000)?;
                let written = store::deliveries(&db, id, Some(DeliveryStatus::Written), 10_000)?;
                return serde_json::to_string_pretty(&serde_json::json!({
                    "announcement": a, "progress": p, "failed": failed, "uncertain": uncertain, "written": written
                }))
                .map_err(|e| Error::internal(e.to_string()));
            }
            let mut out = vec![
                format!("Announcement {id}: {}", a.subject),
                format!(
                    "{:<11}{}",
                    "To",
                    if a.segment.is_empty() {
                        a.list_name.clone()
                    } else {
                        format!("{} ({})", a.list_name, a.segment)
                    }
                ),
                format!("{:<11}{}", "State", state_word(&p)),
                progress_line(&p),
            ];
            for v in &a.versions {
                out.insert(
                    1,
                    format!("{:<11}{} ({})", "Also in", v.subject, v.language),
                );
            }
            if !p.note.is_empty() {
                out.push(p.note.clone());
            }
            if let Some(s) = &a.schedule {
                out.push(format!(
                    "{:<11}{} ({}; {})",
                    "Scheduled",
                    s.at_text,
                    s.zone,
                    s.when.words()
                ));
                if !s.why.is_empty() {
                    out.push(s.why.clone());
                }
            }
            for (status, title) in [(DeliveryStatus::Written, "Written to the outbox, not sent (send them with: handbill send outbox ID --smtp URL)"), (DeliveryStatus::Failed, "Failed"), (DeliveryStatus::Uncertain, "Uncertain (not resent until you decide: handbill send uncertain ID --resend | --mark-sent)"), (DeliveryStatus::Skipped, "Not mailed")] {
                let rows = store::deliveries(&db, id, Some(status), 50)?;
                if !rows.is_empty() {
                    out.push(String::new());
                    out.push(format!("{title}:"));
                    for d in rows {
                        out.push(format!("  {:<40} {}", d.email, d.reply));
                    }
                }
            }
            Ok(out.join("\n"))
        }
        SendCommand::Resume { id, connections } => {
            // The same policy as the window's Resume: refused while another
            // sender holds it or once cancelled; a draft is queued first.
            let db = Database::open(db_path)?;
            store::resume(&db, id).map_err(|mut e| {
                if e.fields.iter().any(|f| f.field == "state") && e.message.contains("right now") {
                    e.message
                        .push_str(&format!(" Pause it with: handbill send pause {id}"));
                }
                e
            })?;
            run_send(db, id, connections)
        }
        SendCommand::Pause { id } => {
            let db = Database::open(db_path)?;
            store::request_pause(&db, id)?;
            Ok(format!("Announcement {id} is paused; a running sender stops after the messages in hand. Continue with: handbill send resume {id}"))
        }
        SendCommand::Cancel { id } => {
            let db = Database::open(db_path)?;
            store::request_cancel(&db, id)?;
            let p = store::progress(&db, id)?;
            Ok(format!(
                "Announcement {id} is cancelled: {} sent, {} not mailed.",
                p.sent, p.skipped
            ))
        }
        SendCommand::Uncertain {
            id,
            resend,
            mark_sent: _,
        } => {
            let db = Database::open(db_path)?;
            let decision = if resend {
                UncertainDecision::Resend
            } else {
                UncertainDecision::MarkSent
            };
            let n = store::decide_uncertain(&db, id, None, decision)?;
            Ok(match decision {
                UncertainDecision::Resend => format!("Queued {n} uncertain deliver{} again. Send them with: handbill send resume {id}", if n == 1 { "y" } else { "ies" }),
                UncertainDecision::MarkSent => format!("Counted {n} uncertain deliver{} as sent.", if n == 1 { "y" } else { "ies" }),
            })
        }
        SendCommand::Outbox {
            id,
            smtp,
            connections,
        } => {
            let db = Database::open(db_path)?;
            store::get(&db, id)?;
            if let Some(url) = &smtp {
                account::save(&db, &account::parse_url(url)?)?;
            }
            let (letters, options) = sender_for(&db, id, connections)?;
            let through = account::get(&db)?.map(|a| a.label());
            drop(db);
            let progress = Progress::terminal(progress_line);
            let started = Instant::now();
            let result =
                send::deliver_outbox(db_path, id, &letters, &options, &|p| progress.report(p));
            progress.finish();
            let (outbox, p) = result?;
            if outbox.requeued == 0 && outbox.resumed == 0 {
                return Ok(format!(
                    "Nothing of announcement {id} is left in the outbox: {} sent, {} failed, {} uncertain. Nothing was sent now.",
                    p.sent, p.failed, p.uncertain
                ));
            }
            let mut out = Vec::new();
            if outbox.resumed > 0 {
                out.push(format!(
                    "Resuming: {} still queued from an earlier run.",
                    outbox.resumed
                ));
            }
            out.push(ended(db_path, through.as_deref(), id, &p, started)?);
            Ok(out.join("\n"))
        }
        SendCommand::Due => send_due(db_path),
        SendCommand::Schedule {
            id,
            day_before,
            at,
            confirm: _,
            again,
        } => {
            let db = Database::open(db_path)?;
            let a = match when_of(day_before, at) {
                Some(when) => schedule::schedule(
                    &db,
                    &ScheduleRequest {
                        announcement_id: id,
                        when,
                        again,
                    },
                )
                .map_err(with_again_hint)?,
                None => schedule::confirm(&db, id)?,
            };
            Ok(scheduled_words(&a))
        }
        SendCommand::Unschedule { id } => {
            let db = Database::open(db_path)?;
            schedule::unschedule(&db, id)?;
            Ok(format!(
                "Announcement {id} is no longer scheduled; it stays a draft. Send it with: handbill send resume {id}"
            ))
        }
        SendCommand::Test { smtp } => {
            let db = Database::open(db_path)?;
            let given = smtp.as_deref().map(account::parse_url).transpose()?;
            let report =
                account::test(&db, given, session_password().as_ref()).map_err(|mut e| {
                    if e.code == handbill_core::ErrorCode::NotFound {
                        e.message.push_str(" Test one with --smtp URL.");
                    }
                    e
                })?;
            if report.ok {
                Ok(report.message)
            } else {
                Err(Error::invalid_field("smtp", report.message))
            }
        }
    }
}

fn state_word(p: &SendProgress) -> String {
    let word = p.state.as_str();
    if p.state == AnnouncementState::Done && p.written > 0 {
        // Written to the outbox folder, not sent: never called done or sent.
        "in outbox".to_owned()
    } else if p.state == AnnouncementState::Sending && !p.running {
        "stopped (resume it)".to_owned()
    } else {
        word.to_owned()
    }
}

fn progress_line(p: &SendProgress) -> String {
    let mut line = format!(
        "sent {} · failed {} · uncertain {} · left {} of {}",
        p.sent,
        p.failed,
        p.uncertain,
        p.queued + p.sending,
        p.total
    );
    if p.written > 0 {
        line.push_str(&format!(
            " · written to the outbox (not sent) {}",
            p.written
        ));
    }
    if p.soft_bounces > 0 {
        line.push_str(&format!(
            " · soft bounces (4xx, retried) {}",
            p.soft_bounces
        ));
    }
    if p.skipped > 0 {
        line.push_str(&format!(" · not mailed {}", p.skipped));
    }
    if p.rate_per_minute > 0.0 {
        line.push_str(&format!(" · {:.0}/min", p.rate_per_minute));
    }
    if let Some(s) = p.seconds_left.filter(|s| *s > 0) {
        line.push_str(&format!(" · about {} left", human_seconds(s)));
    }
    line
}

fn human_seconds(s: u64) -> String {
    match s {
        0..=90 => format!("{s} s"),
        91..=5400 => format!("{} min", s.div_ceil(60)),
        _ => format!("{:.1} h", s as f64 / 3600.0),
    }
}

/// The prepared letters of announcement `id` and the options of a send from the terminal.
fn sender_for(
    db: &Database,
    id: i64,
    connections: usize,
) -> Result<(announcements::Versions, SendOptions), Error> {
    let letters = announcements::compose::prepare_announcement(db, id)?;
    Ok((
        letters,
        SendOptions {
            connections,
            session_password: session_password(),
            ..SendOptions::default()
        },
    ))
}

/// Sends (or resumes) one announcement, printing progress on stderr, and
/// says how it ended. A stop the organizer did not ask for is an error.
fn run_send(db: Database, id: i64, connections: usize) -> Result<String, Error> {
    let (letters, options) = sender_for(&db, id, connections)?;
    let through = account::get(&db)?.map(|a| a.label());
    let db_path = db.path().to_path_buf();
    let progress = Progress::terminal(progress_line);
    let started = Instant::now();
    // The database opened (and checked) for the command is the one that sends.
    let result = send::run_with(db, id, &letters, &options, &|p| progress.report(p));
    progress.finish();
    let p = result?;
    ended(&db_path, through.as_deref(), id, &p, started)
}

/// How a send ended, in words: what was sent (and `through` which account,
/// none when there is none), and what was only written to the outbox (never
/// called sent).
fn ended(
    db_path: &Path,
    through: Option<&str>,
    id: i64,
    p: &SendProgress,
    started: Instant,
) -> Result<String, Error> {
    let seconds = started.elapsed().as_secs_f64();
    let mut summary = format!("Announcement {id}: {} sent", p.sent);
    if let Some(label) = through {
        summary.push_str(&format!(" through {label}"));
    }
    if p.written > 0 || through.is_none() {
        summary.push_str(&format!(
            ", {} saved to the outbox folder {} — not sent (no mail account; the .eml files are not encrypted)",
            p.written,
            account::announcement_outbox(db_path, id).display()
        ));
    }
    summary.push_str(&format!(
        ", {} failed, {} uncertain, {} not mailed, {} left, in {seconds:.1} s.",
        p.failed,
        p.uncertain,
        p.skipped,
        p.queued + p.sending
    ));
    if p.soft_bounces > 0 {
        summary.push_str(&format!(
            " {} soft bounce{} (4xx answers, retried).",
            p.soft_bounces,
            if p.soft_bounces == 1 { "" } else { "s" }
        ));
    }
    match p.state {
        AnnouncementState::Done => {
            let mut out = vec![summary];
            if p.written > 0 {
                out.push(format!("Send them through your mail account with: handbill send outbox {id} --smtp URL"));
            }
            if p.uncertain > 0 {
                out.push(format!(
                    "{} deliver{} uncertain (the sender stopped while they were on their way). See them with: handbill send status {id}",
                    p.uncertain,
                    if p.uncertain == 1 { "y is" } else { "ies are" }
                ));
            }
            Ok(out.join("\n"))
        }
        AnnouncementState::Cancelled => Ok(format!("{summary}\nThe announcement was cancelled.")),
        AnnouncementState::Paused
            if p.note.starts_with("Paused by the organizer") || p.note.contains("daily cap") =>
        {
            Ok(format!(
                "{summary}\n{}\nContinue with: handbill send resume {id}",
                p.note
            ))
        }
        _ => Err(Error::invalid_field(
            "smtp",
            format!(
                "{summary}\n{}\nContinue with: handbill send resume {id}",
                p.note
            ),
        )),
    }
}
