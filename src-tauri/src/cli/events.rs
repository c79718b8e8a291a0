//! The events' part of the command line: `handbill event list|show|import|
//! export-ics|listing|reschedule|postpone|cancel|announce`, and a series'
//! `repeat|dates|skip|move|end-series`. The same core
//! functions the window's Events section calls; output on stdout.

use std::path::PathBuf;

use clap::Subcommand;
use handbill_core::db::outside;
use handbill_core::events::ics::CalendarRequest;
use handbill_core::events::listing::ListingRequest;
use handbill_core::events::public::{self, CancelledShown};
use handbill_core::events::series::{
    self, DatesRequest, EndRequest, MoveRequest, Repeat, RepeatRequest, SeriesDates, SkipRequest,
};
use handbill_core::events::{self, ics, json, listing, Event};
use handbill_core::mail::announcements::{told, Template};
use handbill_core::{Database, Error};

use super::to_json;

/// Which event a status change is for: its id, or a tour's stop by number.
#[derive(clap::Args, Debug)]
pub struct Target {
    /// The event's id (see `handbill event list`).
    #[arg(required_unless_present = "tour", conflicts_with = "tour")]
    id: Option<i64>,
    /// A stop of this tour instead (with --stop).
    #[arg(long, value_name = "TOUR_ID", requires = "stop")]
    tour: Option<i64>,
    /// The stop's number, 1 for the first, as `handbill event show --tour TOUR_ID` lists them.
    #[arg(long, value_name = "N", requires = "tour")]
    stop: Option<i64>,
}

impl Target {
    fn id(&self, db: &Database) -> Result<i64, Error> {
        match (self.id, self.tour, self.stop) {
            (Some(id), None, _) => Ok(id),
            (None, Some(tour), Some(n)) => events::tours::stop_id(db, tour, n),
            _ => Err(Error::invalid_field(
                "id",
                "Give an event's id, or --tour TOUR_ID --stop N.",
            )),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum EventCommand {
    /// Every event, soonest first; stops whose date is not announced yet come last.
    List {
        /// A JSON array of objects with id, title, kind, status, starts_at, ends_at, time_zone, venue and tour_id.
        #[arg(long)]
        json: bool,
    },
    /// Show one event, or a tour with its stops.
    #[command(
        after_help = "With --json it prints Handbill's event exchange format (`\"format\": \"handbill-event\"`, \
                      version 1), which `handbill event import` reads back unchanged."
    )]
    Show {
        /// The event's id (see `handbill event list`).
        #[arg(required_unless_present = "tour", conflicts_with = "tour")]
        id: Option<i64>,
        /// Show this tour and its stops instead.
        #[arg(long, value_name = "TOUR_ID")]
        tour: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Import events from an iCalendar (.ics) file or a Handbill event file (.json); all or nothing.
    Import {
        /// A .ics or .json file.
        file: PathBuf,
    },
    /// Write an iCalendar file for one event, one tour, or all upcoming events.
    ExportIcs {
        /// The event's id.
        #[arg(required_unless_present_any = ["tour", "all"], conflicts_with_all = ["tour", "all"])]
        id: Option<i64>,
        /// Every stop of this tour.
        #[arg(long, value_name = "TOUR_ID", conflicts_with = "all")]
        tour: Option<i64>,
        /// Every upcoming event that is not a draft.
        #[arg(long)]
        all: bool,
        /// The .ics file to write.
        #[arg(short, long, value_name = "FILE.ics")]
        output: PathBuf,
    },
    /// Move an event to a new date; its calendar sequence rises and its history keeps the reason.
    #[command(
        after_help = "What is not given is kept: the start time, and the event's length. \
                      The same change as the window's Reschedule."
    )]
    Reschedule {
        #[command(flatten)]
        target: Target,
        /// The new date, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: String,
        /// The new start time, HH:MM.
        #[arg(long, value_name = "HH:MM")]
        time: Option<String>,
        /// The new end time, HH:MM.
        #[arg(long = "end-time", value_name = "HH:MM")]
        end_time: Option<String>,
        /// Why, kept in the event's history ("the hall flooded").
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Postpone an event until a new date is known; the reason is kept in its history.
    Postpone {
        #[command(flatten)]
        target: Target,
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Cancel an event; it stays, marked cancelled, with the reason in its history.
    Cancel {
        #[command(flatten)]
        target: Target,
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Announce a draft (or a postponed event again), after the same checks as the window's.
    Announce {
        #[command(flatten)]
        target: Target,
    },
    /// Make an event repeat (a series), change how it repeats, or make it a single event again.
    #[command(
        after_help = "Examples:\n  handbill event repeat 12 --weekly\n  handbill event repeat 12 --every-other-week --until 2027-06-30\n  \
                      handbill event repeat 12 --monthly-nth 2     (the second Tuesday, when event 12 is on one)\n  \
                      handbill event repeat 12 --monthly-nth last\n  handbill event repeat 12 --never\n\
                      The series repeats on the weekday of the event's first date, at its time; \
                      its dates keep their local time across daylight-saving changes."
    )]
    Repeat {
        /// The event's id (see `handbill event list`).
        id: i64,
        /// Every week, on the first date's weekday.
        #[arg(long, group = "how")]
        weekly: bool,
        /// Every other week.
        #[arg(long = "every-other-week", group = "how")]
        every_other_week: bool,
        /// Monthly on the Nth weekday: 1 to 4, or `last`.
        #[arg(long = "monthly-nth", value_name = "N|last", group = "how")]
        monthly_nth: Option<String>,
        /// No longer repeats: a single event again (its skipped and moved dates go too).
        #[arg(long, group = "how")]
        never: bool,
        /// The last date a meeting may fall on, YYYY-MM-DD; none: never ends.
        #[arg(long, value_name = "YYYY-MM-DD")]
        until: Option<String>,
    },
    /// List a series' dates: skipped ones marked with their reason, moved ones at their new date.
    Dates {
        id: i64,
        /// From this date (YYYY-MM-DD); today when not given.
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        /// At most this many dates; every date of a series that ends, or the next 8, when not given.
        #[arg(long, value_name = "N")]
        count: Option<u32>,
        /// A JSON object with the rule's words and the dates (start_at, end_at as UTC instants).
        #[arg(long)]
        json: bool,
    },
    /// Skip one date of a series; the reason is kept and the other dates stay.
    Skip {
        id: i64,
        /// The date to skip, YYYY-MM-DD.
        date: String,
        /// Why ("the hall is closed for the holiday").
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Move one date of a series to another day or time; the reason is kept and the other dates stay.
    #[command(
        after_help = "Example: handbill event move 12 2027-03-18 --to \"2027-03-19 18:30\" --reason \"the hall is booked\""
    )]
    Move {
        id: i64,
        /// The date to move, YYYY-MM-DD.
        date: String,
        /// The new date, and the new start time if it changes: "YYYY-MM-DD [HH:MM]".
        #[arg(long, value_name = "DATE [TIME]")]
        to: String,
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// End a series from a date on: no meeting on that date or after; earlier ones stay.
    EndSeries {
        id: i64,
        /// The first date with no meeting, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: String,
        #[arg(long, value_name = "TEXT", default_value = "")]
        reason: String,
    },
    /// Print the listing a branch web page announces events with: all upcoming, or one tour's stops.
    Listing {
        #[arg(long, value_name = "TOUR_ID")]
        tour: Option<i64>,
        /// HTML (sanitized) instead of plain text.
        #[arg(long)]
        html: bool,
        /// How cancelled events show: marked "(cancelled)", struck through
        /// (and still saying so), or left out; the branch's choice
        /// (`branch set cancelled_shown`) when not given. Drafts never show.
        #[arg(long, value_name = "HOW", value_parser = ["marked", "struck", "hidden"])]
        cancelled: Option<String>,
    },
}

/// One line of `handbill event list --json`: the fields a script needs to find an event.
#[derive(serde::Serialize)]
struct EventSummary<'a> {
    id: i64,
    title: &'a str,
    kind: handbill_core::events::EventKind,
    status: handbill_core::events::EventStatus,
    /// The start as a UTC instant (RFC 3339); null while the date is to be announced.
    starts_at: Option<&'a str>,
    ends_at: Option<&'a str>,
    time_zone: &'a str,
    start_date: &'a str,
    start_time: &'a str,
    all_day: bool,
    venue: Option<&'a str>,
    room: &'a str,
    tour_id: Option<i64>,
    /// How the event repeats ("Every Thursday"); absent for a single event.
    /// A series has a line per date.
    #[serde(skip_serializing_if = "Option::is_none")]
    series: Option<&'a str>,
}

pub fn command(db: &Database, command: EventCommand) -> Result<String, Error> {
    match command {
        EventCommand::List { json } => {
            let all = events::all(db)?;
            if json {
                let rows: Vec<EventSummary> = all
                    .iter()
                    .map(|e| EventSummary {
                        id: e.id,
                        title: &e.title,
                        kind: e.kind,
                        status: e.status,
                        starts_at: e.start_at.as_deref(),
                        ends_at: e.end_at.as_deref(),
                        time_zone: &e.time_zone,
                        start_date: &e.start_date,
                        start_time: &e.start_time,
                        all_day: e.all_day,
                        venue: e.venue.as_ref().map(|v| v.name.as_str()),
                        room: &e.room,
                        tour_id: e.tour_id,
                        series: e.series.as_deref(),
                    })
                    .collect();
                return to_json(&rows);
            }
            if all.is_empty() {
                return Ok("No events yet. Draft one in the window, or import a file: handbill event import FILE.ics".to_owned());
            }
            let mut out = vec![format!(
                "{:>5}  {:<11}  {:<22}  {}",
                "Id", "Status", "When", "Event"
            )];
            for e in &all {
                let when = if e.start_date.is_empty() {
                    "date to be announced".to_owned()
                } else if e.all_day || e.start_time.is_empty() {
                    e.start_date.clone()
                } else {
                    format!("{} {}", e.start_date, e.start_time)
                };
                out.push(format!(
                    "{:>5}  {:<11}  {:<22}  {}: {}{}",
                    e.id,
                    e.status.as_str(),
                    when,
                    e.kind.label(),
                    e.title,
                    e.series
                        .as_deref()
                        .map(|w| format!(" ({w})"))
                        .unwrap_or_default()
                ));
            }
            Ok(out.join("\n"))
        }
        EventCommand::Show { id, tour, json } => match (id, tour) {
            (_, Some(tour_id)) => {
                if json {
                    return json::export_tour(db, tour_id);
                }
                let t = events::get_tour(db, tour_id)?;
                let mut out = vec![format!("Tour {}: {}", t.tour.id, t.tour.title)];
                if !t.tour.description.trim().is_empty() {
                    out.push(String::new());
                    out.push(t.tour.description.trim().to_owned());
                }
                out.push(String::new());
                out.push(format!(
                    "{}:",
                    public::count(t.stops.len(), "stop", "stops")
                ));
                for (n, s) in t.stops.iter().enumerate() {
                    let place = listing::place_line(s);
                    out.push(format!(
                        "  {:>3}.  {:>5}  {:<11}  {}{}",
                        n + 1,
                        s.id,
                        s.status.as_str(),
                        listing::when_line(s),
                        if place.is_empty() {
                            String::new()
                        } else {
                            format!(" — {place}")
                        }
                    ));
                }
                Ok(out.join("\n"))
            }
            (Some(id), None) => {
                if json {
                    return json::export_event(db, id);
                }
                describe_event(db, &events::get(db, id)?)
            }
            (None, None) => Err(Error::invalid_field(
                "id",
                "Give an event's id, or --tour TOUR_ID.",
            )),
        },
        EventCommand::Import { file } => {
            let done = events::import_file(db, &file)?;
            if let Some(t) = &done.tour {
                let added = done.events.len() - done.updated.len();
                let mut out = vec![if done.updated.is_empty() {
                    format!(
                        "Imported the tour “{}” (id {}) with {} from {}.",
                        t.title,
                        t.id,
                        public::count(added, "stop", "stops"),
                        file.display()
                    )
                } else {
                    format!(
                        "Updated the tour “{}” (id {}) from {}: {} stop{} known by UID, {} added.",
                        t.title,
                        t.id,
                        file.display(),
                        done.updated.len(),
                        if done.updated.len() == 1 { "" } else { "s" },
                        added
                    )
                }];
                out.extend(done.changes.iter().map(|c| format!("  {c}")));
                out.extend(done.warnings.iter().map(|w| format!("Warning: {w}")));
                return Ok(out.join("\n"));
            }
            if !done.updated.is_empty() {
                let mut out = vec![format!(
                    "Updated {} event{} known by UID from {}:",
                    done.updated.len(),
                    if done.updated.len() == 1 { "" } else { "s" },
                    file.display()
                )];
                out.extend(done.changes.iter().map(|c| format!("  {c}")));
                return Ok(out.join("\n"));
            }
            let imported: Vec<Event> = done.events;
            let mut out = vec![format!(
                "Imported {} event{} from {}:",
                imported.len(),
                if imported.len() == 1 { "" } else { "s" },
                file.display()
            )];
            for e in &imported {
                out.push(format!(
                    "  {:>5}  {}{}",
                    e.id,
                    e.title,
                    e.series
                        .as_deref()
                        .map(|w| format!(" ({w})"))
                        .unwrap_or_default()
                ));
            }
            out.extend(done.warnings.iter().map(|w| format!("Warning: {w}")));
            Ok(out.join("\n"))
        }
        EventCommand::ExportIcs {
            id,
            tour,
            all,
            output,
        } => {
            let (request, what) = match (id, tour, all) {
                (_, Some(tour_id), _) => (
                    CalendarRequest {
                        event_id: None,
                        tour_id: Some(tour_id),
                    },
                    format!("tour {tour_id}"),
                ),
                (_, None, true) => (CalendarRequest::default(), "all upcoming events".to_owned()),
                (Some(id), None, false) => (
                    CalendarRequest {
                        event_id: Some(id),
                        tour_id: None,
                    },
                    format!("event {id}"),
                ),
                (None, None, false) => {
                    return Err(Error::invalid_field(
                        "id",
                        "Give an event's id, --tour TOUR_ID or --all.",
                    ))
                }
            };
            let file = ics::export(db, &request)?;
            outside::write(&output, file.text.as_bytes())?;
            Ok(format!(
                "Wrote {} event{} ({what}) to {}.",
                file.events,
                if file.events == 1 { "" } else { "s" },
                output.display()
            ))
        }
        EventCommand::Reschedule {
            target,
            date,
            time,
            end_time,
            reason,
        } => {
            let id = target.id(db)?;
            let old = events::get(db, id)?;
            let when = events::When::moved(&old, &date, time.as_deref(), end_time.as_deref());
            let e = events::reschedule(db, id, when, &reason)?;
            Ok(status_line(
                &e,
                &format!("Rescheduled to {}", listing::when_line(&e)),
            ))
        }
        EventCommand::Postpone { target, reason } => {
            let e = events::postpone(db, target.id(db)?, &reason)?;
            Ok(status_line(&e, "Postponed"))
        }
        EventCommand::Cancel { target, reason } => {
            let e = events::cancel(db, target.id(db)?, &reason)?;
            Ok(status_line(&e, "Cancelled"))
        }
        EventCommand::Announce { target } => {
            let e = events::announce(db, target.id(db)?)?;
            Ok(status_line(&e, "Announced"))
        }
        EventCommand::Repeat {
            id,
            weekly,
            every_other_week,
            monthly_nth,
            never,
            until,
        } => {
            let (repeat, nth) = match (weekly, every_other_week, monthly_nth, never) {
                (true, _, _, _) => (Repeat::Weekly, 0),
                (_, true, _, _) => (Repeat::EveryOtherWeek, 0),
                (_, _, Some(n), _) => (
                    Repeat::MonthlyNth,
                    match n.trim() {
                        "last" => -1,
                        n => n.parse::<i8>().ok().filter(|n| (1..=4).contains(n)).ok_or_else(|| {
                            Error::invalid_field(
                                "nth",
                                format!("--monthly-nth is 1, 2, 3, 4 or last, not “{n}”."),
                            )
                        })?,
                    },
                ),
                (_, _, _, true) => (Repeat::Never, 0),
                _ => {
                    return Err(Error::invalid_field(
                        "repeat",
                        "Say how it repeats: --weekly, --every-other-week, --monthly-nth N|last, or --never.",
                    ))
                }
            };
            let dates = series::repeat(
                db,
                &RepeatRequest {
                    event_id: id,
                    repeat,
                    nth,
                    until: until.unwrap_or_default(),
                },
            )?;
            Ok(if dates.repeat == Repeat::Never {
                format!("Event {id} no longer repeats.")
            } else {
                format!(
                    "Event {id} repeats: {}\n{}",
                    repeat_words(&dates),
                    dates_lines(&dates)
                )
            })
        }
        EventCommand::Dates {
            id,
            from,
            count,
            json,
        } => {
            let dates = series::dates(
                db,
                &DatesRequest {
                    event_id: id,
                    from: from.unwrap_or_default(),
                    count: count.unwrap_or(0),
                },
            )?;
            if json {
                return to_json(&dates);
            }
            Ok(format!("{}\n{}", repeat_words(&dates), dates_lines(&dates)))
        }
        EventCommand::Skip { id, date, reason } => {
            let dates = series::skip(
                db,
                &SkipRequest {
                    event_id: id,
                    date: date.clone(),
                    reason,
                },
            )?;
            Ok(format!(
                "Skipped the meeting of {date}; the other dates stay.\n{}",
                dates_lines(&dates)
            ))
        }
        EventCommand::Move {
            id,
            date,
            to,
            reason,
        } => {
            let mut parts = to.split_whitespace();
            let to_date = parts.next().unwrap_or_default().to_owned();
            let to_time = parts.collect::<Vec<_>>().join(" ");
            let dates = series::move_date(
                db,
                &MoveRequest {
                    event_id: id,
                    date: date.clone(),
                    to_date,
                    to_time,
                    reason,
                },
            )?;
            Ok(format!(
                "Moved the meeting of {date}; the other dates stay.\n{}",
                dates_lines(&dates)
            ))
        }
        EventCommand::EndSeries { id, from, reason } => {
            let dates = series::end_series(
                db,
                &EndRequest {
                    event_id: id,
                    from: from.clone(),
                    reason,
                },
            )?;
            Ok(format!(
                "The series ends before {from}: {}.",
                repeat_words(&dates)
            ))
        }
        EventCommand::Listing {
            tour,
            html,
            cancelled,
        } => listing::render(
            db,
            &ListingRequest {
                tour_id: tour,
                html,
                cancelled: match cancelled {
                    None => handbill_core::branch::cancelled_shown(db)?,
                    Some(how) => CancelledShown::parse(&how).ok_or_else(|| {
                        Error::invalid_field(
                            "cancelled",
                            format!("--cancelled is marked, struck or hidden, not “{how}”."),
                        )
                    })?,
                },
            },
        ),
    }
}

/// "Every Thursday, until 2027-06-30", or "Does not repeat".
fn repeat_words(d: &SeriesDates) -> String {
    match (d.words.is_empty(), d.until.is_empty()) {
        (true, _) => "Does not repeat".to_owned(),
        (false, true) => format!("{}, no end date", d.words),
        (false, false) => format!("{}, until {}", d.words, d.until),
    }
}

/// A series' dates, one a line: "  2027-03-18 Thu 19:00–21:00", a skipped
/// one "skipped (why)", a moved one "moved from 2027-03-18 (why)".
fn dates_lines(d: &SeriesDates) -> String {
    if d.dates.is_empty() {
        return "  No dates from then on.".to_owned();
    }
    d.dates
        .iter()
        .map(|o| {
            let day = o
                .start_date
                .parse::<jiff::civil::Date>()
                .map(|x| x.strftime("%a").to_string())
                .unwrap_or_default();
            let time = if o.start_time.is_empty() {
                String::new()
            } else {
                format!(" {}–{}", o.start_time, o.end_time)
            };
            let note = if o.skipped {
                format!("  skipped ({})", o.reason)
            } else if o.moved {
                format!("  moved from {} ({})", o.original_date, o.reason)
            } else {
                String::new()
            };
            format!("  {} {day}{time}{note}", o.start_date)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// "Cancelled event 12, “…” (now cancelled; calendar sequence 2)."
fn status_line(e: &Event, done: &str) -> String {
    format!(
        "{done}: event {}, “{}” (now {}; calendar sequence {}).",
        e.id,
        e.title,
        e.status.as_str(),
        e.sequence
    )
}

/// One event as aligned lines for a terminal, with its history.
fn describe_event(db: &Database, e: &Event) -> Result<String, Error> {
    let mut out = vec![
        format!("{:<14}{}", "Event", e.id),
        format!("{:<14}{}", "Title", e.title),
        format!("{:<14}{}", "Kind", e.kind.label()),
        format!("{:<14}{}", "Status", e.status.as_str()),
        format!("{:<14}{}", "When", listing::when_line(e)),
        format!("{:<14}{}", "Time zone", e.time_zone),
    ];
    let place = listing::place_line(e);
    out.push(format!(
        "{:<14}{}",
        "Where",
        if place.is_empty() { "—" } else { &place }
    ));
    if !e.online_link.is_empty() {
        out.push(format!("{:<14}{}", "Online", e.online_link));
    }
    if !e.hosts.is_empty() {
        out.push(format!("{:<14}{}", "Hosts", e.hosts));
    }
    for s in &e.speakers {
        out.push(format!("{:<14}{}", "Speaker", listing::speaker_line(s)));
    }
    if let Some(t) = e.tour_id {
        out.push(format!("{:<14}{}", "Tour", t));
    }
    for (label, link) in [
        ("Event page", &e.links.event_page),
        ("RSVP", &e.links.rsvp),
        ("Donate", &e.links.donate),
    ] {
        if !link.is_empty() {
            out.push(format!("{label:<14}{link}"));
        }
    }
    if !e.accessibility.is_empty() {
        out.push(format!("{:<14}{}", "Access", e.accessibility));
    }
    if !e.rules.is_empty() {
        out.push(format!("{:<14}{}", "Rules", e.rules));
    }
    if e.series.is_some() {
        let dates = series::dates(
            db,
            &DatesRequest {
                event_id: e.id,
                from: String::new(),
                count: 8,
            },
        )?;
        out.push(format!("{:<14}{}", "Repeats", repeat_words(&dates)));
        out.push(format!(
            "{:<14}(handbill event dates {} lists them all)",
            "Next dates", e.id
        ));
        out.push(dates_lines(&dates));
    }
    out.extend(describe_told(db, e)?);
    if !e.description.trim().is_empty() {
        out.push(String::new());
        out.push(e.description.trim().to_owned());
    }
    let history = events::history(db, e.id)?;
    if !history.is_empty() {
        out.push(String::new());
        out.push("History:".to_owned());
        for h in history {
            out.push(format!("  {}", describe_change(&h)));
        }
    }
    Ok(out.join("\n"))
}

/// "Emailed  10 people (Members: 8, Volunteers: 3)", and after a reschedule
/// or a cancellation the command that tells them, starting from the
/// Rescheduled or Cancelled template: the window's "Tell the 10 people you
/// emailed", through the same `told::told`.
fn describe_told(db: &Database, e: &Event) -> Result<Vec<String>, Error> {
    let told = told::told(db, e.id)?;
    if told.people == 0 {
        return Ok(Vec::new());
    }
    let lists: Vec<String> = told
        .lists
        .iter()
        .map(|l| format!("{}: {}", l.list_name, l.people))
        .collect();
    let mut out = vec![format!(
        "{:<14}{} {} ({}){}",
        "Emailed",
        told.people,
        if told.people == 1 { "person" } else { "people" },
        lists.join(", "),
        if told.only_saved > 0 {
            format!("; {} only saved to the outbox, not sent", told.only_saved)
        } else {
            String::new()
        }
    )];
    if told.template != Template::NewEvent {
        if let Some(first) = told.lists.first() {
            out.push(format!(
                "{:<14}handbill announce {} --list \"{}\"{}   (the {} template)",
                "Tell them",
                e.id,
                first.list_name.replace('"', "\\\""),
                if first.segment.is_empty() {
                    String::new()
                } else {
                    format!(" --segment \"{}\"", first.segment.replace('"', "\\\""))
                },
                told.template.as_str()
            ));
        }
    }
    Ok(out)
}

/// "2027-01-04T15:00:00Z  date: 2027-01-04 19:00 → 2027-01-11 19:00 (the storm)".
fn describe_change(h: &handbill_core::events::HistoryEntry) -> String {
    let mut line = format!(
        "{}  {}: {} → {}",
        h.at,
        h.kind.as_str(),
        h.old_value,
        h.new_value
    );
    if !h.reason.is_empty() {
        line.push_str(&format!(" ({})", h.reason));
    }
    line
}
