//! The one clock: every "now" Handbill stores, stamps or compares with comes
//! from here, so there is one place that says what time it is. A test sets it
//! with [`set`], for the thread it runs on, until the guard it gets is
//! dropped; everywhere else it is the computer's clock. (Durations and
//! pacing, measured with `std::time::Instant`, do not ask it.)

use std::cell::Cell;

use jiff::Timestamp;

thread_local! {
    static SET: Cell<Option<Timestamp>> = const { Cell::new(None) };
}

/// Now: the time a test set for this thread, else the computer's.
pub fn now() -> Timestamp {
    SET.with(Cell::get).unwrap_or_else(Timestamp::now)
}

/// Now to the second, as stored (RFC 3339, UTC).
pub fn now_text() -> String {
    now()
        .round(jiff::Unit::Second)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// Now in milliseconds since 1970, as the sending job's leases and retries keep it.
pub fn now_ms() -> i64 {
    now().as_millisecond()
}

/// Today's date in the computer's time zone (`YYYY-MM-DD`).
pub fn today() -> String {
    now()
        .to_zoned(jiff::tz::TimeZone::system())
        .date()
        .to_string()
}

/// Sets this thread's clock to `at` until the returned guard is dropped: for
/// tests. Work this thread hands to other threads reads the computer's clock.
#[doc(hidden)]
pub fn set(at: Timestamp) -> Set {
    Set {
        before: SET.with(|c| c.replace(Some(at))),
    }
}

/// Keeps this thread's clock set; dropped, it puts back what was there.
#[doc(hidden)]
#[must_use = "the clock is set only while the guard lives"]
pub struct Set {
    before: Option<Timestamp>,
}

impl Drop for Set {
    fn drop(&mut self) {
        SET.with(|c| c.set(self.before));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_holds_until_its_guard_is_dropped() {
        let at: Timestamp = "2026-01-11T17:00:00Z".parse().unwrap();
        {
            let _set = set(at);
            assert_eq!(now(), at);
            assert_eq!(now_text(), "2026-01-11T17:00:00Z");
            assert_eq!(now_ms(), at.as_millisecond());
        }
        assert_ne!(now(), at, "the computer's clock is back");
    }
}
