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
    let typed = typed_twice(
        "Passphrase: ",
        |text| Passphrase::choose(text.to_owned()).map(drop),
        "Nothing was written",
    )?;
    Passphrase::choose(typed)
}

/// How many times a new passphrase is asked for before the command gives up.
const TRIES: usize = 3;

/// A new passphrase typed on the terminal without echo, checked by `check`
/// as soon as it is typed, then typed again: a passphrase too short, or
/// typed differently the second time, is said and asked for again, up to
/// [`TRIES`] times; then the command stops, `nothing_done`.
pub fn typed_twice(
    first_prompt: &str,
    check: impl Fn(&str) -> Result<(), Error>,
    nothing_done: &str,
) -> Result<String, Error> {
    let mut last = None;
    for _ in 0..TRIES {
        let first = prompt(first_prompt)?;
        if let Err(e) = check(&first) {
            // The field's own words, without the field's name before them.
            let why = e.fields.first().map_or(e.message, |f| f.message.clone());
            eprintln!("handbill: {why} Try again.");
            last = Some(why);
            continue;
        }
        if prompt("The same passphrase again: ")? != first {
            let differ = "The two passphrases differ.".to_owned();
            eprintln!("handbill: {differ} Try again.");
            last = Some(differ);
            continue;
        }
        return Ok(first);
    }
    Err(Error::invalid_field(
        "passphrase",
        format!(
            "{} {nothing_done} after {TRIES} tries; run the command again.",
            last.unwrap_or_default()
        ),
    ))
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
