//! The desktop package's code, behind its two programs:
//!
//! - `handbill` (`main.rs`), the command line. With a subcommand it does the
//!   job and exits; it links no GTK, WebKitGTK or Tauri, so a command does not
//!   pay for loading them (about 170 shared libraries, some 45 ms a command).
//!   Without one it hands over to the window program in its own process.
//! - `handbill-window` (`window_main.rs`), the window: the same arguments,
//!   and it runs a subcommand too when given one.
//!
//! The split is only in what each program links: both parse the same
//! arguments ([`cli::Args`]), log the same way and call the same core.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Instant;

use clap::Parser;

pub mod cli;
pub mod job;
pub mod logging;
pub mod window;

/// When the process started, for the startup measurement (`HANDBILL_STARTUP_PROBE`).
pub static STARTED: OnceLock<Instant> = OnceLock::new();

/// The window program's file name, next to the command line's.
pub const WINDOW_PROGRAM: &str = "handbill-window";

/// What both programs do first: note the start, prepare SQLite, read the arguments.
pub fn start() -> cli::Args {
    STARTED.get_or_init(Instant::now);
    handbill_core::db::prepare();
    cli::Args::parse()
}

/// Runs one subcommand from the terminal.
pub fn command(db: Option<PathBuf>, no_encrypt: bool, command: cli::Command) -> ExitCode {
    let _log = begin(no_encrypt, false);
    cli::run(db, command)
}

/// Opens the window.
pub fn window(db: Option<PathBuf>, no_encrypt: bool) -> ExitCode {
    // Set before any thread starts. WebKitGTK's accelerated compositing roughly
    // doubles the web process's memory (about 200 MB against 115 MB measured)
    // and buys nothing for a forms app; a user who wants it sets the variable to 0.
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    // The page's scripts are small and event-driven: JavaScriptCore's interpreter
    // runs them without a JIT, and the web process then keeps about 7 MB less
    // (measured with tests/bench/window.sh). JSC_useJIT=true turns the JIT back on.
    if std::env::var_os("JSC_useJIT").is_none() {
        std::env::set_var("JSC_useJIT", "false");
    }
    let _log = begin(no_encrypt, true);
    window::open_window(db)
}

/// Logging, the panic report and the plain-file choice, shared by both.
fn begin(no_encrypt: bool, window: bool) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    if no_encrypt {
        handbill_core::db::keys::ask_plain();
    }
    let log = logging::init();
    logging::quiet_panics();
    tracing::info!(version = handbill_core::VERSION, window, "handbill started");
    log
}
