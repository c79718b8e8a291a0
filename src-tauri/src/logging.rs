//! Structured logs (JSON lines) to a daily-rotated file in the app's data
//! folder, a week kept. Logs name what happened and its error code, never the
//! contents of a form, an address or a password.

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

/// Starts logging; keep the guard alive until the process ends so the last lines are written.
/// Logging is best effort: a folder that cannot be written leaves the app running without logs.
pub fn init() -> Option<WorkerGuard> {
    let dir = handbill_core::diagnostics::log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("handbill")
        .filename_suffix("log")
        .max_log_files(7)
        .build(&dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("HANDBILL_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_writer(writer)
        .with_env_filter(filter)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
