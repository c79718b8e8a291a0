//! Structured logs (JSON lines) to a daily-rotated file in the app's data
//! folder, a week kept. Logs name what happened with ids, counts, codes and
//! timings, never the contents of a form, an event's text, a name, an address
//! or a password: our users face surveillance, and a log file is a copy that
//! may be lost. Only Handbill's own code writes to them (see `ours`).

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Whether a log line comes from Handbill's own code. The libraries under it
/// (the web view, D-Bus for the keychain, TLS) log what passes through them at
/// debug and trace levels, addresses included, and their lines cannot be
/// audited here; so whatever level `HANDBILL_LOG` asks for, only lines whose
/// target is one of our crates are written.
fn ours(target: &str) -> bool {
    ["handbill", "handbill_core"].iter().any(|c| {
        target == *c
            || target
                .strip_prefix(c)
                .is_some_and(|rest| rest.starts_with("::"))
    })
}

/// Starts logging; keep the guard alive until the process ends so the last lines are written.
/// Logging is best effort: a folder that cannot be written leaves the app running without logs.
pub fn init() -> Option<WorkerGuard> {
    let dir = handbill_core::db::diagnostics::log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("handbill")
        .filename_suffix("log")
        .max_log_files(7)
        .build(&dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let level = EnvFilter::try_from_env("HANDBILL_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let layer = tracing_subscriber::fmt::layer()
        .json()
        .with_writer(writer)
        .with_ansi(false)
        .with_filter(filter_fn(|meta| ours(meta.target())))
        .with_filter(level);
    tracing_subscriber::registry().with(layer).try_init().ok()?;
    Some(guard)
}

/// Replaces the standard report of a panic (its message, which may quote
/// the data being handled: an address, an event's text) with where it
/// happened: one line in the log and on stderr. A debug build, which only
/// developers run, also prints the message.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let (file, line) = info
            .location()
            .map(|l| (l.file().to_owned(), l.line()))
            .unwrap_or_default();
        tracing::error!(file = %file, line, "internal error (panic)");
        eprintln!(
            "handbill: an internal error stopped this (at {file}:{line}). Its details are not shown, since they may hold \
             the data being handled; please report it with the diagnostic report (Settings → About)."
        );
        if cfg!(debug_assertions) {
            let detail = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            eprintln!("handbill (debug build): {detail}");
        }
    }));
}
