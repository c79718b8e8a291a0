//! Asking the person at the terminal: a yes or no before something that
//! cannot be undone, and a passphrase without echoing it. Without a terminal
//! nobody can answer, so nothing waits: the command says what to give instead
//! (`--yes`, or the passphrase in an environment variable).

use std::io::{BufRead, IsTerminal, Write};

use handbill_core::db::sealed::{self, Passphrase, PASSPHRASE_VARIABLE};
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

/// The passphrase from the environment, when it is set.
fn from_environment() -> Option<String> {
    std::env::var(PASSPHRASE_VARIABLE)
        .ok()
        .filter(|v| !v.is_empty())
}

fn no_terminal(what: &str) -> Error {
    Error::new(
        ErrorCode::Invalid,
        format!(
            "{what} needs a passphrase and there is no terminal to type it on. \
             Give it in the environment variable {PASSPHRASE_VARIABLE}."
        ),
    )
}

fn prompt(text: &str) -> Result<String, Error> {
    rpassword::prompt_password(text)
        .map_err(|e| Error::internal(format!("Cannot read the passphrase from the terminal: {e}")))
}

/// A passphrase to seal a new copy with: from the environment, or typed
/// twice on the terminal, without echo.
pub fn new_passphrase(what: &str) -> Result<Passphrase, Error> {
    if let Some(text) = from_environment() {
        return Passphrase::choose(text);
    }
    if !std::io::stdin().is_terminal() {
        return Err(no_terminal(what));
    }
    eprintln!(
        "{what} is sealed with a passphrase you choose. {}",
        sealed::CANNOT_BE_RECOVERED
    );
    let first = prompt("Passphrase: ")?;
    let passphrase = Passphrase::choose(first.clone())?;
    if prompt("The same passphrase again: ")? != first {
        return Err(Error::invalid_field(
            "passphrase",
            "The two passphrases differ. Nothing was written; run the command again.",
        ));
    }
    Ok(passphrase)
}

/// The passphrase a sealed copy was made with: from the environment, or
/// typed once on the terminal, without echo.
pub fn existing_passphrase(what: &str) -> Result<Passphrase, Error> {
    if let Some(text) = from_environment() {
        return Passphrase::given(text);
    }
    if !std::io::stdin().is_terminal() {
        return Err(no_terminal(what));
    }
    Passphrase::given(prompt(&format!("Passphrase of {what}: "))?)
}
