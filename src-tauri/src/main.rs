//! The `handbill` binary: with no subcommand it opens the window; with one it
//! runs the same core functions from the terminal and exits, without GTK.

// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod cli;
mod job;
mod logging;
mod window;

use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Instant;

use clap::Parser;

/// When the process started, for the startup measurement (`HANDBILL_STARTUP_PROBE`).
static STARTED: OnceLock<Instant> = OnceLock::new();

fn main() -> ExitCode {
    STARTED.get_or_init(Instant::now);
    handbill_core::db::prepare();
    let args = cli::Args::parse();
    // Set before any thread starts. WebKitGTK's accelerated compositing roughly
    // doubles the web process's memory (about 200 MB against 115 MB measured)
    // and buys nothing for a forms app; a user who wants it sets the variable to 0.
    if args.command.is_none() && std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    // The page's scripts are small and event-driven: JavaScriptCore's interpreter
    // runs them without a JIT, and the web process then keeps about 7 MB less
    // (measured with tests/bench/window.sh). JSC_useJIT=true turns the JIT back on.
    if args.command.is_none() && std::env::var_os("JSC_useJIT").is_none() {
        std::env::set_var("JSC_useJIT", "false");
    }
    if args.no_encrypt {
        handbill_core::db::keys::ask_plain();
    }
    let _log = logging::init();
    logging::quiet_panics();
    tracing::info!(
        version = handbill_core::VERSION,
        window = args.command.is_none(),
        "handbill started"
    );
    match args.command {
        Some(command) => cli::run(args.db, command),
        None => window::open_window(args.db),
    }
}
