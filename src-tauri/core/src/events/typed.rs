//! Reading dates and times the way people type them: "7pm", "7:30 pm",
//! "19:30", "Thu Dec 10", "12/10", "2026-12-10". One rule, used when an event
//! is saved (window and command line alike) and by the window to show how a
//! field was read before it is saved ([`read_when`]).
//!
//! A date without a year means the next such day from today (today counts).
//! Numbers with slashes are month/day where the branch's locale writes them so
//! ([`month_first`]), day/month everywhere else. Anything that cannot be read
//! gets a message naming what is wrong; nothing here panics on what is typed.

use jiff::civil::{Date, Time, Weekday};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::views::month_name;
use crate::branch::BranchProfile;
use crate::db::Database;
use crate::error::Result;

/// The longest date or time text that is read; longer is refused at once.
pub const MAX_TYPED_BYTES: usize = 60;

/// What a date is read against: today, and the order of day and month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRules {
    pub today: Date,
    /// Numbers such as 12/10 are month/day (United States style) when true.
    pub month_first: bool,
}

impl DateRules {
    /// Today on the computer's calendar, and the branch's order of day and month.
    pub fn for_branch(profile: Option<&BranchProfile>) -> DateRules {
        let today = crate::clock::today()
            .parse::<Date>()
            .unwrap_or(Date::constant(2026, 1, 1));
        DateRules {
            today,
            month_first: profile.is_some_and(month_first),
        }
    }
}

/// Regions whose everyday dates put the month first.
const MONTH_FIRST_REGIONS: [&str; 6] = ["US", "PH", "FM", "MH", "PW", "AS"];

/// Whether the branch writes month/day: its main language names a region
/// that does (en-US), or it is plain English ("en") in a United States
/// time zone.
pub fn month_first(profile: &BranchProfile) -> bool {
    let Some(main) = profile.languages.first() else {
        return false;
    };
    let mut parts = main.split(['-', '_']);
    let language = parts.next().unwrap_or_default().to_ascii_lowercase();
    let region = parts.find(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()));
    match region {
        Some(r) => MONTH_FIRST_REGIONS.contains(&r.to_ascii_uppercase().as_str()),
        None => language == "en" && us_zone(&profile.time_zone),
    }
}

fn us_zone(zone: &str) -> bool {
    const US: [&str; 12] = [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "America/Detroit",
        "America/Boise",
        "America/Juneau",
        "America/Adak",
        "Pacific/Honolulu",
        "America/Puerto_Rico",
    ];
    US.contains(&zone)
        || zone.starts_with("America/Indiana/")
        || zone.starts_with("America/Kentucky/")
        || zone.starts_with("America/North_Dakota/")
        || zone.starts_with("US/")
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Monday),
    ("tuesday", Weekday::Tuesday),
    ("wednesday", Weekday::Wednesday),
    ("thursday", Weekday::Thursday),
    ("friday", Weekday::Friday),
    ("saturday", Weekday::Saturday),
    ("sunday", Weekday::Sunday),
];

/// A month named in full or by three or more of its first letters ("sept").
fn month_word(word: &str) -> Option<i8> {
    if word.len() < 3 {
        return None;
    }
    (1..=12).find(|&m| {
        let name = month_name(m).as_bytes();
        name.len() >= word.len() && name[..word.len()].eq_ignore_ascii_case(word.as_bytes())
    })
}

/// A weekday named in full or by two or more of its first letters ("thu", "thurs").
fn weekday_word(word: &str) -> Option<Weekday> {
    if word.len() < 2 {
        return None;
    }
    WEEKDAYS
        .iter()
        .find(|(name, _)| {
            name.starts_with(word)
                || (word == "tues" && *name == "tuesday")
                || (word == "thur" || word == "thurs") && *name == "thursday"
        })
        .map(|(_, d)| *d)
}

/// A day of the month, with or without "st", "nd", "rd" or "th".
fn day_word(word: &str) -> Option<i8> {
    let digits = word
        .strip_suffix("st")
        .or_else(|| word.strip_suffix("nd"))
        .or_else(|| word.strip_suffix("rd"))
        .or_else(|| word.strip_suffix("th"))
        .unwrap_or(word);
    if digits.is_empty() || digits.len() > 2 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn year_word(word: &str) -> Option<i16> {
    if word.len() == 4 && word.chars().all(|c| c.is_ascii_digit()) {
        word.parse().ok()
    } else {
        None
    }
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

/// The largest day a month has (29 for February, which leap years allow).
fn longest_month(month: i8) -> i8 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A day on the calendar, or words that say which part does not exist.
fn calendar_day(
    year: Option<i16>,
    month: i8,
    day: i8,
    rules: &DateRules,
    typed: &str,
) -> std::result::Result<Date, String> {
    if !(1..=12).contains(&month) {
        return Err(format!(
            "“{typed}” has no month {month}: months go from 1 to 12."
        ));
    }
    if day < 1 || day > longest_month(month) {
        return Err(format!(
            "{} has no day {day}, so “{typed}” is not a day on the calendar. Check the date.",
            month_name(month)
        ));
    }
    match year {
        Some(y) => {
            if !(1900..=2200).contains(&y) {
                return Err(format!(
                    "“{typed}”: the year {y} is out of range. Give a year such as {}.",
                    rules.today.year()
                ));
            }
            Date::new(y, month, day).map_err(|_| {
                format!(
                    "{} {y} has no day {day} (it is not a leap year). Check the date.",
                    month_name(month)
                )
            })
        }
        None => {
            // The next such day from today: this year's, else a later year's
            // (29 February waits for the next leap year).
            let start = rules.today.year();
            for y in start..start.saturating_add(9) {
                if let Ok(d) = Date::new(y, month, day) {
                    if d >= rules.today {
                        return Ok(d);
                    }
                }
            }
            Err(format!(
                "“{typed}” is not a day Handbill can find on the calendar. Give the year too."
            ))
        }
    }
}

/// Reads a date as typed. See the module notes for the rules.
pub fn read_date(text: &str, rules: &DateRules) -> std::result::Result<Date, String> {
    let typed = text.trim();
    if typed.is_empty() {
        return Err("Give a date, such as Thu Dec 10 or 2026-12-10.".into());
    }
    if typed.len() > MAX_TYPED_BYTES {
        return Err(format!(
            "That date is {} characters long; a date is at most {MAX_TYPED_BYTES}. Write it such as Thu Dec 10 or 2026-12-10.",
            typed.chars().count()
        ));
    }
    let not_a_date = || {
        format!("“{typed}” is not a date Handbill can read. Write it such as Thu Dec 10, 10 December, 12/10 or 2026-12-10.")
    };
    let lower = typed.to_lowercase();
    if lower == "today" {
        return Ok(rules.today);
    }
    if lower == "tomorrow" {
        return rules.today.tomorrow().map_err(|_| not_a_date());
    }
    // 2026-12-10: year, month, day.
    let iso: Vec<&str> = lower.split('-').collect();
    if iso.len() == 3
        && iso[0].len() == 4
        && iso
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit()))
    {
        let (y, m, d) = (
            iso[0].parse::<i16>(),
            iso[1].parse::<i8>(),
            iso[2].parse::<i8>(),
        );
        return match (y, m, d) {
            (Ok(y), Ok(m), Ok(d)) => calendar_day(Some(y), m, d, rules, typed),
            _ => Err(not_a_date()),
        };
    }
    // 12/10, 10.12.2026, 12-10-26: the branch's order of day and month.
    if lower.contains(['/', '.', '-'])
        && lower
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '/' | '.' | '-'))
    {
        let parts: Vec<&str> = lower.split(['/', '.', '-']).collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty() || p.len() > 4) {
            return Err(not_a_date());
        }
        let a: i8 = parts[0].parse().map_err(|_| not_a_date())?;
        let b: i8 = parts[1].parse().map_err(|_| not_a_date())?;
        let (month, day) = if rules.month_first { (a, b) } else { (b, a) };
        let year = match parts.get(2) {
            None => None,
            Some(y) if y.len() == 2 => Some(2000 + y.parse::<i16>().map_err(|_| not_a_date())?),
            Some(y) if y.len() == 4 => Some(y.parse::<i16>().map_err(|_| not_a_date())?),
            Some(_) => return Err(not_a_date()),
        };
        if !(1..=12).contains(&month) {
            let order = if rules.month_first {
                "month/day"
            } else {
                "day/month"
            };
            return Err(format!("“{typed}” has no month {month}: this branch writes dates {order}, and months go from 1 to 12."));
        }
        return calendar_day(year, month, day, rules, typed);
    }
    // Words: "Thu Dec 10", "Thursday, 10 December 2026", "dec 10th".
    let cleaned: String = lower
        .chars()
        .map(|c| if c == ',' || c == '.' { ' ' } else { c })
        .collect();
    let (mut weekday, mut month, mut day, mut year) = (None, None, None, None);
    for word in cleaned.split_whitespace() {
        if let Some(m) = month_word(word).filter(|_| month.is_none()) {
            month = Some(m);
        } else if let Some(w) = weekday_word(word).filter(|_| weekday.is_none()) {
            weekday = Some(w);
        } else if let Some(d) = day_word(word).filter(|_| day.is_none()) {
            day = Some(d);
        } else if let Some(y) = year_word(word).filter(|_| year.is_none()) {
            year = Some(y);
        } else if word == "of" || word == "the" {
            continue;
        } else {
            return Err(not_a_date());
        }
    }
    let (Some(month), Some(day)) = (month, day) else {
        if month.is_some() {
            return Err(format!(
                "“{typed}” names a month but no day. Add the day, such as Dec 10."
            ));
        }
        return Err(not_a_date());
    };
    let date = calendar_day(year, month, day, rules, typed)?;
    if let Some(w) = weekday {
        if date.weekday() != w {
            return Err(format!(
                "{} is a {}, not a {}. Check the day or the date.",
                long_date(date),
                weekday_name(date.weekday()),
                weekday_name(w)
            ));
        }
    }
    Ok(date)
}

/// Reads a time of day as typed: 7pm, 7:30 pm, 19:30, 7.30pm, noon, midnight.
pub fn read_time(text: &str) -> std::result::Result<Time, String> {
    let typed = text.trim();
    if typed.is_empty() {
        return Err("Give a time, such as 7pm or 19:00.".into());
    }
    if typed.len() > MAX_TYPED_BYTES {
        return Err(format!(
            "That time is {} characters long; a time is at most {MAX_TYPED_BYTES}. Write it such as 7pm or 19:00.",
            typed.chars().count()
        ));
    }
    let not_a_time = || {
        format!(
            "“{typed}” is not a time Handbill can read. Write it such as 7pm, 7:30 pm or 19:30."
        )
    };
    let compact: String = typed
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    match compact.as_str() {
        "noon" | "midday" | "12noon" => return Ok(Time::constant(12, 0, 0, 0)),
        "midnight" | "12midnight" => return Ok(Time::midnight()),
        _ => {}
    }
    let (body, half) = if let Some(b) = compact
        .strip_suffix("a.m.")
        .or_else(|| compact.strip_suffix("am"))
        .or_else(|| compact.strip_suffix('a'))
    {
        (b, Some(false))
    } else if let Some(b) = compact
        .strip_suffix("p.m.")
        .or_else(|| compact.strip_suffix("pm"))
        .or_else(|| compact.strip_suffix('p'))
    {
        (b, Some(true))
    } else {
        (compact.as_str(), None)
    };
    let (h, m) = match body.split_once([':', '.', 'h']) {
        Some((h, m)) => (
            h,
            if m.is_empty() && body.contains('h') {
                "00"
            } else {
                m
            },
        ),
        None if body.len() >= 3 && body.is_ascii() => body.split_at(body.len() - 2),
        None => (body, "00"),
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 2 && s.chars().all(|c| c.is_ascii_digit());
    if !digits(h) || !digits(m) || (m.len() != 2) {
        return Err(not_a_time());
    }
    let (h, m): (i8, i8) = (
        h.parse().map_err(|_| not_a_time())?,
        m.parse().map_err(|_| not_a_time())?,
    );
    if m > 59 {
        let hours_too = if half.is_none() && h > 23 {
            "hours go from 0 to 23 and "
        } else {
            ""
        };
        return Err(format!(
            "“{typed}” is not a time of day: {hours_too}minutes go from 00 to 59."
        ));
    }
    let hour = match half {
        Some(pm) => {
            if !(1..=12).contains(&h) {
                return Err(format!(
                    "“{typed}” is not a time of day: with am or pm, hours go from 1 to 12."
                ));
            }
            match (h, pm) {
                (12, false) => 0,
                (12, true) => 12,
                (h, true) => h + 12,
                (h, false) => h,
            }
        }
        None => {
            if h > 23 {
                return Err(format!("“{typed}” is not a time of day: hours go from 0 to 23 (or 1 to 12 with am or pm)."));
            }
            if (1..=11).contains(&h) && !body.contains([':', '.', 'h']) && body.len() <= 2 {
                return Err(format!(
                    "“{typed}” could be morning or evening. Write {h} am, {h} pm or {:02}:00.",
                    h + 12
                ));
            }
            h
        }
    };
    Time::new(hour, m, 0, 0).map_err(|_| not_a_time())
}

/// "Thursday 10 December 2026".
pub fn long_date(date: Date) -> String {
    format!(
        "{} {} {} {}",
        weekday_name(date.weekday()),
        date.day(),
        month_name(date.month()),
        date.year()
    )
}

/// "7:00 pm", "12:30 am".
pub fn clock_time(time: Time) -> String {
    let (h, half) = match time.hour() {
        0 => (12, "am"),
        h @ 1..=11 => (h, "am"),
        12 => (12, "pm"),
        h => (h - 12, "pm"),
    };
    format!("{h}:{:02} {half}", time.minute())
}

/// How a date and a time as typed were read, for the window to show under
/// the fields before saving. Empty text reads as nothing, without a problem.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct WhenRead {
    /// The date as saved (YYYY-MM-DD), or empty.
    pub date: String,
    /// The time as saved (HH:MM, 24-hour), or empty.
    pub time: String,
    /// The words that show how they were read: "Thursday 10 December 2026, 7:00 pm".
    pub shown: String,
    /// What is wrong with the date, or empty.
    pub date_problem: String,
    /// What is wrong with the time, or empty.
    pub time_problem: String,
}

/// Reads a date and a time against explicit rules (see [`read_when`]).
pub fn read_when_with(date: &str, time: &str, rules: &DateRules) -> WhenRead {
    let mut out = WhenRead::default();
    let mut shown = Vec::new();
    if !date.trim().is_empty() {
        match read_date(date, rules) {
            Ok(d) => {
                out.date = d.to_string();
                shown.push(long_date(d));
            }
            Err(m) => out.date_problem = m,
        }
    }
    if !time.trim().is_empty() {
        match read_time(time) {
            Ok(t) => {
                out.time = format!("{:02}:{:02}", t.hour(), t.minute());
                shown.push(clock_time(t));
            }
            Err(m) => out.time_problem = m,
        }
    }
    out.shown = shown.join(", ");
    out
}

/// Reads a date and a time as typed, by the branch's rules and today's date.
pub fn read_when(db: &Database, date: &str, time: &str) -> Result<WhenRead> {
    let profile = crate::branch::get(db)?;
    Ok(read_when_with(
        date,
        time,
        &DateRules::for_branch(profile.as_ref()),
    ))
}
