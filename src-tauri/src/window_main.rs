//! `handbill-window`: Handbill's window, started by `handbill` without a
//! subcommand (see `main.rs`). Given a subcommand it runs it as `handbill` does.

// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = handbill::start();
    match args.command {
        Some(command) => handbill::command(args.db, args.no_encrypt, command),
        None => handbill::window(args.db, args.no_encrypt),
    }
}
