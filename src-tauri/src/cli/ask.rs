//! Asking the person at the terminal: a yes or no before something that
//! cannot be undone, and a passphrase without echoing it. Without a terminal
//! nobody can answer, so nothing waits: the command says what to give instead
//! (`--yes`, or the passphrase in an environment variable).

use std::io::{BufRead, IsTerminal, Write};

use handbill_core::{Error, ErrorCode};

/// Asks `question` on the terminal; `without_terminal` is the refusal when
/// there is none (it names the flag that answers for the person).
pub fn yes(question: &str, without_terminal: &str) -> Result<bool, Error> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::new(ErrorCode::Invalid, without_terminal));
    }
    print!("{question} [y/N] ");
    std::io::stdout().flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::internal(e.to_string()))?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}
