//! The branch's SMTP account: host, port, security, user, rate limit and daily
//! cap (kept in the database), its password (kept in the OS keychain through
//! the `keyring` crate, never in the database, an export, a log line or a
//! Debug print), opening a connection that never sends a credential before TLS
//! is up, and "Test connection", which says exactly which step failed.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{SmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::db::Database;
use crate::error::{Error, Result};

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which is required: a server
    /// that does not offer it gets nothing (usually port 587).
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// No encryption: only for a server on this machine.
    Plain,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::StartTls => "starttls",
            Security::Tls => "tls",
            Security::Plain => "plain",
        }
    }

    pub fn parse(text: &str) -> Option<Security> {
        match text.trim().to_ascii_lowercase().as_str() {
            "starttls" => Some(Security::StartTls),
            "tls" | "ssl" | "implicit" => Some(Security::Tls),
            "plain" | "none" => Some(Security::Plain),
            _ => None,
        }
    }
}

/// The account's settings. There is deliberately no password field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SmtpAccount {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// Empty: the server takes mail without logging in.
    pub username: String,
    /// Messages a minute; 0 is no limit.
    pub rate_per_minute: u32,
    /// Messages in any 24 hours, over every announcement; 0 is no cap.
    pub daily_cap: u32,
}

impl SmtpAccount {
    /// `user@host:port`, the name the keychain entry is kept under.
    pub fn label(&self) -> String {
        if self.username.is_empty() {
            format!("{}:{}", self.host, self.port)
        } else {
            format!("{}@{}:{}", self.username, self.host, self.port)
        }
    }
}

/// A password held in memory. It prints as `Password(…)` and cannot be serialized.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(text: impl Into<String>) -> Password {
        Password(text.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// Whether `host` names this machine (the only place plain SMTP may go).
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    h.parse::<IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

/// Checks the settings; every problem names its field.
pub fn validate(account: &SmtpAccount) -> Result<()> {
    let host = account.host.trim();
    if host.is_empty() {
        return Err(Error::invalid_field(
            "host",
            "Give the SMTP server's name, such as smtp.example.org.",
        ));
    }
    if host.contains(|c: char| c.is_whitespace() || c == '/' || c == '@') {
        return Err(Error::invalid_field(
            "host",
            format!(
                "“{host}” is not a server name: write only the name, such as smtp.example.org."
            ),
        ));
    }
    if account.port == 0 {
        return Err(Error::invalid_field(
            "port",
            "Give the server's port: 587 for STARTTLS, 465 for TLS.",
        ));
    }
    if account.security == Security::Plain && !is_loopback(host) {
        return Err(Error::invalid_field(
            "security",
            format!(
                "Plain SMTP is only allowed to a server on this machine; {host} is not. \
                 Choose STARTTLS (port 587) or TLS (port 465) so the password and the messages are encrypted."
            ),
        ));
    }
    if account.username.contains(['\r', '\n']) {
        return Err(Error::invalid_field("username", "A user name is one line."));
    }
    Ok(())
}

/// Reads `smtp://user@host:port?security=starttls&rate=60&daily=500` (the
/// command line's `--smtp`). A password in the address is refused: it would
/// end up in the shell's history.
pub fn parse_url(text: &str) -> Result<SmtpAccount> {
    let url = url::Url::parse(text.trim()).map_err(|e| {
        Error::invalid_field("smtp", format!("“{text}” is not an SMTP address ({e}). Write it like smtp://user@smtp.example.org:587?security=starttls"))
    })?;
    let default_security = match url.scheme() {
        "smtp" => Security::StartTls,
        "smtps" => Security::Tls,
        other => {
            return Err(Error::invalid_field(
                "smtp",
                format!("“{other}:” is not an SMTP address; start it with smtp:// or smtps://"),
            ))
        }
    };
    if url.password().is_some() {
        return Err(Error::invalid_field(
            "smtp",
            "Leave the password out of the address: it would be kept in your shell's history. \
             Handbill takes it from the keychain, or from HANDBILL_SMTP_PASSWORD for this run.",
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| {
            Error::invalid_field(
                "smtp",
                "The address names no server, as in smtp://smtp.example.org:587",
            )
        })?
        .to_owned();
    let mut security = default_security;
    let mut rate_per_minute = 0;
    let mut daily_cap = 0;
    for (key, value) in url.query_pairs() {
        let number = |field: &str| -> Result<u32> {
            value.parse().map_err(|_| {
                Error::invalid_field(field, format!("“{value}” is not a whole number."))
            })
        };
        match key.as_ref() {
            "security" => {
                security = Security::parse(&value).ok_or_else(|| {
                    Error::invalid_field(
                        "security",
                        format!("“{value}” is not a kind of security: use starttls, tls or plain."),
                    )
                })?
            }
            "rate" | "rate_per_minute" => rate_per_minute = number("rate_per_minute")?,
            "daily" | "daily_cap" => daily_cap = number("daily_cap")?,
            other => {
                return Err(Error::invalid_field(
                    "smtp",
                    format!(
                        "“{other}” is not a setting of the address; use security, rate or daily."
                    ),
                ))
            }
        }
    }
    let port = url.port().unwrap_or(match security {
        Security::StartTls => 587,
        Security::Tls => 465,
        Security::Plain => 25,
    });
    let username = percent_decode(url.username());
    let account = SmtpAccount {
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
        port,
        security,
        username,
        rate_per_minute,
        daily_cap,
    };
    validate(&account)?;
    Ok(account)
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("u={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The saved account, if one is set up.
pub fn get(db: &Database) -> Result<Option<SmtpAccount>> {
    let row = db
        .conn()
        .query_row(
            "SELECT host, port, security, username, rate_per_minute, daily_cap FROM smtp_account WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u16>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, u32>(4)?,
                    r.get::<_, u32>(5)?,
                ))
            },
        )
        .optional()?;
    Ok(row.map(
        |(host, port, security, username, rate_per_minute, daily_cap)| SmtpAccount {
            host,
            port,
            security: Security::parse(&security).unwrap_or(Security::StartTls),
            username,
            rate_per_minute,
            daily_cap,
        },
    ))
}

/// Saves the account's settings (not its password: see [`store_password`]).
pub fn save(db: &Database, account: &SmtpAccount) -> Result<SmtpAccount> {
    validate(account)?;
    db.conn().execute(
        "INSERT INTO smtp_account (id, host, port, security, username, rate_per_minute, daily_cap, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET host = excluded.host, port = excluded.port, security = excluded.security,
             username = excluded.username, rate_per_minute = excluded.rate_per_minute,
             daily_cap = excluded.daily_cap, updated_at = excluded.updated_at",
        params![
            account.host.trim(),
            account.port,
            account.security.as_str(),
            account.username.trim(),
            account.rate_per_minute,
            account.daily_cap,
            crate::clock::now_text()
        ],
    )?;
    get(db)?.ok_or_else(|| Error::internal("The SMTP account was not found after saving it."))
}

/// Forgets the account: announcements go to the outbox folder again.
pub fn remove(db: &Database) -> Result<()> {
    db.conn().execute("DELETE FROM smtp_account", [])?;
    Ok(())
}

/// What the mailbox's plus-address probe found (`mail::mailbox::probe`):
/// `Some(true)` when the provider delivers `boston+anything@` to the
/// branch's mailbox, so each message can go out with its own return path;
/// `Some(false)` when it does not; `None` before any probe (or with no
/// mailbox). Read here, beside the sending account, so that composing never
/// imports the mailbox, which imports this module.
pub fn plus_addressing(db: &Database) -> Result<Option<bool>> {
    let found: Option<Option<bool>> = db
        .conn()
        .prepare_cached("SELECT plus_addressing FROM mailbox_account WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(found.flatten())
}

/// Where one kind of password is kept in the OS keychain, and how its
/// failures are told: the SMTP account's here, the mailbox's in
/// `mail::mailbox::account`.
pub(crate) struct Keychain {
    /// The keychain's service name, such as `org.handbill.smtp`.
    pub service: &'static str,
    /// How messages name the password: "SMTP password".
    pub what: &'static str,
    /// The environment variable the command line reads it from instead.
    pub variable: &'static str,
}

impl Keychain {
    fn entry(&self, label: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(self.service, label).map_err(|e| self.error(e))
    }

    pub(crate) fn error(&self, e: keyring::Error) -> Error {
        let (what, variable) = (self.what, self.variable);
        match e {
            keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => Error::storage(format!(
                "No keychain is available on this computer ({e}), so Handbill cannot keep the {what} there. \
                 It will ask for it each session (on the command line: set {variable})."
            )),
            other => Error::storage(format!("The keychain refused the {what}: {other}.")),
        }
    }

    /// Saves the password under `label`. When there is no keychain, the
    /// error says so: the caller keeps the password for the session instead.
    pub(crate) fn store(&self, label: &str, password: &Password) -> Result<()> {
        self.entry(label)?
            .set_password(password.expose())
            .map_err(|e| self.error(e))
    }

    /// The password saved under `label`; none when nothing is saved there.
    pub(crate) fn load(&self, label: &str) -> Result<Option<Password>> {
        match self.entry(label)?.get_password() {
            Ok(p) => Ok(Some(Password(p))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Removes the password saved under `label`, if any.
    pub(crate) fn forget(&self, label: &str) -> Result<()> {
        match self.entry(label)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(self.error(e)),
        }
    }
}

const KEYCHAIN: Keychain = Keychain {
    service: "org.handbill.smtp",
    what: "SMTP password",
    variable: "HANDBILL_SMTP_PASSWORD",
};

/// Saves the password in the OS keychain. When there is none, the error says
/// so: the caller keeps the password for the session instead.
pub fn store_password(account: &SmtpAccount, password: &Password) -> Result<()> {
    KEYCHAIN.store(&account.label(), password)
}

/// The password saved in the keychain; none when nothing is saved there.
pub fn load_password(account: &SmtpAccount) -> Result<Option<Password>> {
    KEYCHAIN.load(&account.label())
}

/// Removes the saved password, if any.
pub fn forget_password(account: &SmtpAccount) -> Result<()> {
    KEYCHAIN.forget(&account.label())
}

/// "Save account" with a password typed: the one rule for where it goes.
/// It is kept in the OS keychain under the saved account's name; when there
/// is no keychain, it is answered back for the caller to hold for this
/// session only (the window keeps it until it closes). Refused, naming the
/// field, when nothing was typed or no account is saved yet.
pub fn keep_password(db: &Database, password: &str) -> Result<Option<Password>> {
    if password.is_empty() {
        return Err(Error::invalid_field("password", "Type the password."));
    }
    let account =
        get(db)?.ok_or_else(|| Error::invalid_field("host", "Save the mail server first."))?;
    let password = Password::new(password);
    match store_password(&account, &password) {
        Ok(()) => Ok(None),
        Err(e) => {
            tracing::info!(code = ?e.code, "no keychain: the SMTP password is kept for this session");
            Ok(Some(password))
        }
    }
}

/// The password to log in with: the one held for this session if given, else
/// the keychain's. An account without a user name needs none.
pub fn password_for(account: &SmtpAccount, session: Option<&Password>) -> Result<Option<Password>> {
    if account.username.is_empty() {
        return Ok(None);
    }
    if let Some(p) = session {
        return Ok(Some(p.clone()));
    }
    match load_password(account) {
        Ok(Some(p)) => Ok(Some(p)),
        Ok(None) => Err(Error::invalid_field(
            "password",
            format!(
                "No password is saved for {}. Enter it in the account settings (on the command line: set HANDBILL_SMTP_PASSWORD).",
                account.label()
            ),
        )),
        Err(e) => Err(Error::invalid_field("password", e.message)),
    }
}

/// Where the account's password is, as Settings says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PasswordHome {
    /// In the OS keychain.
    Keychain,
    /// Held by this session only (there is no keychain): asked again next time.
    Session,
    /// Not given yet.
    Missing,
    /// The account logs in without one.
    NotNeeded,
}

/// The mail account as the window shows it: its settings (never a password),
/// where the password is, where announcements go without an account, and how
/// many messages went out through it in the last 24 hours (the daily cap's count).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AccountView {
    pub account: Option<SmtpAccount>,
    pub password: PasswordHome,
    /// Whether an OS keychain answered.
    pub keychain: bool,
    pub outbox: String,
    pub sent_today: u32,
}

/// The account's view; `session` is a password the window holds for this session.
pub fn view(
    db: &Database,
    db_path: &std::path::Path,
    session: Option<&Password>,
) -> Result<AccountView> {
    let account = get(db)?;
    let (password, keychain) = match &account {
        None => (PasswordHome::Missing, true),
        Some(a) if a.username.is_empty() => (PasswordHome::NotNeeded, true),
        Some(a) => match (session, load_password(a)) {
            (_, Ok(Some(_))) => (PasswordHome::Keychain, true),
            (Some(_), Ok(None)) => (PasswordHome::Session, true),
            (Some(_), Err(_)) => (PasswordHome::Session, false),
            (None, Ok(None)) => (PasswordHome::Missing, true),
            (None, Err(_)) => (PasswordHome::Missing, false),
        },
    };
    let since = crate::clock::now_ms() - 24 * 3600 * 1000;
    let sent_today: u32 = db.conn().query_row(
        "SELECT count(*) FROM delivery WHERE channel = 'smtp' AND sent_ms > ?1",
        [since],
        |r| r.get(0),
    )?;
    Ok(AccountView {
        account,
        password,
        keychain,
        outbox: outbox_dir(db_path).display().to_string(),
        sent_today,
    })
}

/// The outbox folder of a database: `<file>.outbox` beside it.
pub fn outbox_dir(db_path: &Path) -> PathBuf {
    crate::db::beside(db_path, ".outbox")
}

/// The folder one announcement's messages are saved in when there is no mail
/// account: `announcement-<id>` in the outbox folder. The sender writes there,
/// the window's *Open folder* opens it and the command line names it.
pub fn announcement_outbox(db_path: &Path, id: i64) -> PathBuf {
    outbox_dir(db_path).join(format!("announcement-{id}"))
}

/// Which step of connecting failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionProblem {
    /// The settings themselves (plain to a remote server, no host).
    Settings,
    /// The server's name could not be looked up.
    Dns,
    /// Nothing answered at the address, or the connection timed out.
    Connect,
    /// The server does not offer STARTTLS, which the account requires.
    NoStartTls,
    /// The TLS handshake or the certificate failed.
    Tls,
    /// The server refused the user name or password, or no password is available.
    Auth,
    /// Anything else the server answered.
    Other,
}

/// The answer to "Test connection".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConnectionReport {
    pub ok: bool,
    pub problem: Option<ConnectionProblem>,
    /// A sentence for the organizer, naming the server and what to do.
    pub message: String,
}

/// A failure to open a connection, with the step it failed at.
#[derive(Debug, Clone)]
pub struct ConnectFailure {
    pub problem: ConnectionProblem,
    pub message: String,
}

impl ConnectFailure {
    fn new(problem: ConnectionProblem, message: impl Into<String>) -> Self {
        ConnectFailure {
            problem,
            message: message.into(),
        }
    }

    /// Whether trying again later may work (no connection now) rather than
    /// needing the organizer to change something.
    pub fn is_offline(&self) -> bool {
        matches!(
            self.problem,
            ConnectionProblem::Dns | ConnectionProblem::Connect
        )
    }
}

/// The name we greet the server with: the sender's domain.
fn hello_name(envelope_from: &str) -> ClientId {
    let domain = envelope_from
        .rsplit_once('@')
        .map(|(_, d)| d)
        .unwrap_or("localhost");
    ClientId::Domain(if domain.is_empty() {
        "localhost".to_owned()
    } else {
        domain.to_owned()
    })
}

/// Whether the server offers command pipelining (RFC 2920), read from the
/// answer to a second EHLO: lettre keeps only the extensions it uses, and
/// PIPELINING is not one of them. Asked once per connection, before logging
/// in (an EHLO resets only the mail transaction, of which there is none yet).
fn offers_pipelining(conn: &mut SmtpConnection, hello: &ClientId) -> bool {
    match conn.command(lettre::transport::smtp::commands::Ehlo::new(hello.clone())) {
        Ok(answer) => answer.message().skip(1).any(|line| {
            line.split_whitespace()
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case("PIPELINING"))
        }),
        Err(_) => false,
    }
}

/// Opens a ready connection: resolved, connected, encrypted as the account
/// requires, logged in. No credential is written before TLS is up (a server
/// on this machine with `plain` is the only exception). Says too whether the
/// server takes pipelined commands.
pub(crate) fn connect(
    account: &SmtpAccount,
    password: Option<&Password>,
    envelope_from: &str,
    timeout: Duration,
) -> std::result::Result<(SmtpConnection, bool), ConnectFailure> {
    validate(account).map_err(|e| ConnectFailure::new(ConnectionProblem::Settings, e.message))?;
    let host = account.host.trim();
    let server = format!("{host}:{}", account.port);
    let addrs: Vec<SocketAddr> = (host, account.port)
        .to_socket_addrs()
        .map_err(|e| ConnectFailure::new(ConnectionProblem::Dns, format!("The server name {host} could not be found ({e}). Check the name, or the internet connection.")))?
        .collect();
    if addrs.is_empty() {
        return Err(ConnectFailure::new(
            ConnectionProblem::Dns,
            format!("The server name {host} has no address."),
        ));
    }
    let hello = hello_name(envelope_from);
    let tls = || {
        TlsParameters::new_rustls(host.to_owned()).map_err(|e| {
            ConnectFailure::new(
                ConnectionProblem::Tls,
                format!("TLS cannot be set up for {host}: {e}."),
            )
        })
    };
    // `during_tls`: the step includes a TLS handshake, and the TCP connection is known to work.
    let classify = |e: lettre::transport::smtp::Error,
                    stage: &str,
                    during_tls: bool|
     -> ConnectFailure {
        if e.is_tls() || (during_tls && !(e.is_transient() || e.is_permanent() || e.is_timeout())) {
            ConnectFailure::new(ConnectionProblem::Tls, format!("The TLS handshake with {server} failed ({e}). The server's certificate may be invalid or for another name; nothing was sent."))
        } else if e.is_timeout() {
            ConnectFailure::new(ConnectionProblem::Connect, format!("{server} did not answer in time ({stage}). Check the port and the internet connection."))
        } else if e.is_transient() || e.is_permanent() {
            ConnectFailure::new(
                ConnectionProblem::Other,
                format!("{server} refused the {stage}: {e}."),
            )
        } else {
            ConnectFailure::new(ConnectionProblem::Connect, format!("Could not {stage} {server} ({e}). Check the server name, the port and the internet connection."))
        }
    };
    let implicit = if account.security == Security::Tls {
        // Connect once without TLS first, so a failed handshake is told apart from no answer at all.
        addrs
            .iter()
            .find_map(|a| std::net::TcpStream::connect_timeout(a, timeout).ok())
            .ok_or_else(|| ConnectFailure::new(ConnectionProblem::Connect, format!("Nothing answers at {server}. Check the server name, the port and the internet connection.")))?;
        Some(tls()?)
    } else {
        None
    };
    let mut conn = SmtpConnection::connect(
        addrs.as_slice(),
        Some(timeout),
        &hello,
        implicit.as_ref(),
        None,
    )
    .map_err(|e| classify(e, "connect to", implicit.is_some()))?;
    if account.security == Security::StartTls {
        if !conn.can_starttls() {
            conn.abort();
            return Err(ConnectFailure::new(
                ConnectionProblem::NoStartTls,
                format!(
                    "{server} does not offer STARTTLS, which this account requires, so nothing was sent and no password left this computer. \
                     Check the port (587 is usual for STARTTLS) or choose TLS on port 465."
                ),
            ));
        }
        let params = tls()?;
        conn.starttls(&params, &hello)
            .map_err(|e| classify(e, "STARTTLS with", true))?;
    }
    if account.security != Security::Plain && !conn.is_encrypted() {
        conn.abort();
        return Err(ConnectFailure::new(
            ConnectionProblem::Tls,
            format!("The connection to {server} is not encrypted; nothing was sent."),
        ));
    }
    let pipelining = offers_pipelining(&mut conn, &hello);
    if !account.username.is_empty() {
        let Some(password) = password else {
            conn.abort();
            return Err(ConnectFailure::new(
                ConnectionProblem::Auth,
                format!("No password is available for {}.", account.label()),
            ));
        };
        let credentials = Credentials::new(account.username.clone(), password.expose().to_owned());
        conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials).map_err(|e| {
            ConnectFailure::new(
                ConnectionProblem::Auth,
                format!("{server} refused the login of {} ({e}). Check the user name and the password.", account.username),
            )
        })?;
    }
    Ok((conn, pipelining))
}

/// Tests a mail account: connects, encrypts and signs in, sending nothing.
/// The saved account, or `account` when one is given (the command line's
/// `--smtp`, not saved); the password from `session`, else the keychain. The
/// one way the window's "Test connection" and `handbill send test` test an
/// account: a password that cannot be had is a failed sign-in, said in the
/// report like any other failure.
pub fn test(
    db: &Database,
    account: Option<SmtpAccount>,
    session: Option<&Password>,
) -> Result<ConnectionReport> {
    let account = match account {
        Some(a) => a,
        None => get(db)?.ok_or_else(|| {
            Error::not_found(
                "No mail account is set up yet: announcements go to the outbox folder.",
            )
        })?,
    };
    let from = crate::branch::get(db)?
        .map(|b| b.contact_email.trim().to_owned())
        .unwrap_or_default();
    let password = match password_for(&account, session) {
        Ok(p) => p,
        Err(e) => {
            return Ok(ConnectionReport {
                ok: false,
                problem: Some(ConnectionProblem::Auth),
                message: e.message,
            })
        }
    };
    Ok(test_connection(&account, password.as_ref(), &from))
}

/// "Test connection": connects, logs in and quits, sending no message.
pub fn test_connection(
    account: &SmtpAccount,
    password: Option<&Password>,
    envelope_from: &str,
) -> ConnectionReport {
    match connect(account, password, envelope_from, Duration::from_secs(15)) {
        Ok((mut conn, _)) => {
            let _ = conn.quit();
            ConnectionReport {
                ok: true,
                problem: None,
                message: format!(
                    "Connected to {}:{} ({}){}.",
                    account.host,
                    account.port,
                    match account.security {
                        Security::StartTls => "STARTTLS",
                        Security::Tls => "TLS",
                        Security::Plain => "plain, on this machine",
                    },
                    if account.username.is_empty() {
                        String::new()
                    } else {
                        format!(" and logged in as {}", account.username)
                    }
                ),
            }
        }
        Err(f) => ConnectionReport {
            ok: false,
            problem: Some(f.problem),
            message: f.message,
        },
    }
}
