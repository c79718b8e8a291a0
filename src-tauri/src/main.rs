//! The `handbill` command line. With a subcommand it runs the core functions
//! from the terminal and exits, without GTK: this program links none of the
//! window's libraries. With none it becomes the window program
//! (`handbill-window`, installed next to it), in the same process where the
//! system allows it, so a desktop entry, a script or a test driver that
//! starts `handbill` keeps the process it started.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = handbill::start();
    match args.command {
        Some(command) => handbill::command(args.db, args.no_encrypt, command),
        None => open_window(),
    }
}

/// Starts the window program with this one's arguments and environment.
fn open_window() -> ExitCode {
    let program = match window_program() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("handbill: {e}");
            return ExitCode::from(2);
        }
    };
    let mut args = std::env::args_os();
    let name = args.next();
    let mut child = std::process::Command::new(&program);
    child.args(args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // The name it was started by, which GTK makes the window's class
        // (WM_CLASS "handbill", as the desktop entry's StartupWMClass says).
        if let Some(name) = name {
            child.arg0(name);
        }
        // exec only returns on failure.
        let e = child.exec();
        eprintln!(
            "handbill: the window program {} cannot start: {e}",
            program.display()
        );
        ExitCode::from(2)
    }
    #[cfg(not(unix))]
    {
        let _ = name;
        match child.status() {
            Ok(s) => ExitCode::from(s.code().and_then(|c| u8::try_from(c).ok()).unwrap_or(1)),
            Err(e) => {
                eprintln!(
                    "handbill: the window program {} cannot start: {e}",
                    program.display()
                );
                ExitCode::from(2)
            }
        }
    }
}

/// `handbill-window` in this program's folder.
fn window_program() -> Result<PathBuf, String> {
    let me = std::env::current_exe()
        .map_err(|e| format!("Handbill cannot find its own program, so not its window: {e}"))?;
    let name = format!(
        "{}{}",
        handbill::WINDOW_PROGRAM,
        std::env::consts::EXE_SUFFIX
    );
    let program = me.with_file_name(&name);
    if program.is_file() {
        Ok(program)
    } else {
        Err(format!(
            "the window program {name} is not next to this one (looked for {}). Reinstall Handbill; \
             the subcommands (handbill --help) work without it.",
            program.display()
        ))
    }
}
