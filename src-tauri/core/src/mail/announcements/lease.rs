//! The send lease: whether a live sender holds an announcement now. A sender
//! takes the lease and beats its heartbeat while it runs (see `send`); the
//! lease is live while the heartbeat is fresh and its process runs on this
//! machine, which the window asks before it lets anyone resume a send.

use std::fs;

use rusqlite::OptionalExtension;

use crate::clock::now_ms;
use crate::db::Database;
use crate::error::Result;

/// A lease whose heartbeat is older than this is given up even if its process
/// seems alive (its number may have been reused).
const LEASE_STALE_MS: i64 = 30_000;
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

pub(super) fn is_live(pid: i64, heartbeat_ms: i64) -> bool {
    now_ms() - heartbeat_ms < LEASE_STALE_MS && process_alive(pid)
}

/// This boot of the machine, as Linux names it; empty where unknown (then a
/// dead sender's claimed rows are treated as possibly sent).
pub(super) fn boot_id() -> String {
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
