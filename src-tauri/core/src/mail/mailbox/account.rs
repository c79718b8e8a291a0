//! The IMAP side of the branch's mail account: server, port, security, user,
//! the folder read and the folder what was handled is filed in (kept in the
//! database), its password (kept in the OS keychain like the SMTP one, never
//! in the database, an export, a log line or a Debug print), and what the
//! plus-address probe found.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::db::Database;
use crate::error::{Error, Result};
use crate::mail::announcements::account::{is_loopback, Keychain, Password, Security};

/// The folder read when none is chosen.
pub const DEFAULT_FOLDER: &str = "INBOX";
/// Where handled messages are filed when no other folder is chosen.
pub const DEFAULT_HANDLED_FOLDER: &str = "Handbill/Handled";

/// The mailbox's settings. There is deliberately no password field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImapAccount {
    pub host: String,
    pub port: u16,
    /// STARTTLS (usually port 143), TLS (993), or plain to a server on this machine.
    pub security: Security,
    pub username: String,
    /// The folder read for what comes back, INBOX unless chosen.
    pub folder: String,
    /// Where each message acted on is filed; nothing is ever deleted.
    pub handled_folder: String,
}

impl ImapAccount {
    /// `user@host:port`, the name the keychain entry is kept under.
    pub fn label(&self) -> String {
        format!("{}@{}:{}", self.username, self.host, self.port)
    }
}

/// Checks the settings; every problem names its field.
pub fn validate(account: &ImapAccount) -> Result<()> {
    let host = account.host.trim();
    if host.is_empty() {
        return Err(Error::invalid_field(
            "imap_host",
            "Give the IMAP server's name, such as imap.example.org.",
        ));
    }
    if host.contains(|c: char| c.is_whitespace() || c == '/' || c == '@') {
        return Err(Error::invalid_field(
            "imap_host",
            format!(
                "“{host}” is not a server name: write only the name, such as imap.example.org."
            ),
        ));
    }
    if account.port == 0 {
        return Err(Error::invalid_field(
            "imap_port",
            "Give the server's port: 993 for TLS, 143 for STARTTLS.",
        ));
    }
    if account.security == Security::Plain && !is_loopback(host) {
        return Err(Error::invalid_field(
            "imap_security",
            format!(
                "Plain IMAP is only allowed to a server on this machine; {host} is not. \
                 Choose TLS (port 993) or STARTTLS (port 143) so the password and the mail are encrypted."
            ),
        ));
    }
    if account.username.trim().is_empty() {
        return Err(Error::invalid_field(
            "imap_username",
            "Give the user name the mailbox is opened with (often the whole address).",
        ));
    }
    for (field, value, what) in [
        ("imap_username", &account.username, "A user name"),
        ("imap_folder", &account.folder, "A folder name"),
        (
            "imap_handled_folder",
            &account.handled_folder,
            "A folder name",
        ),
    ] {
        if value.contains(['\r', '\n', '\0', '"', '\\']) || value.len() > 200 {
            return Err(Error::invalid_field(
                field,
                format!(
                    "{what} is one line of at most 200 characters, without quotes or backslashes."
                ),
            ));
        }
    }
    if account.folder.trim().is_empty() || account.handled_folder.trim().is_empty() {
        return Err(Error::invalid_field(
            "imap_folder",
            "Name the folder to read (INBOX) and the one to file what was handled in.",
        ));
    }
    if account.folder.trim() == account.handled_folder.trim() {
        return Err(Error::invalid_field(
            "imap_handled_folder",
            "The folder for what was handled must be another folder than the one read.",
        ));
    }
    Ok(())
}

/// Reads `imap://user@host:port/FOLDER?security=tls&handled=Handbill/Handled`
/// (the command line's `--imap`). A password in the address is refused.
pub fn parse_url(text: &str) -> Result<ImapAccount> {
    let url = url::Url::parse(text.trim()).map_err(|e| {
        Error::invalid_field("imap", format!("“{text}” is not an IMAP address ({e}). Write it like imaps://user@imap.example.org:993"))
    })?;
    let mut security = match url.scheme() {
        "imap" => Security::StartTls,
        "imaps" => Security::Tls,
        other => {
            return Err(Error::invalid_field(
                "imap",
                format!("“{other}:” is not an IMAP address; start it with imap:// or imaps://"),
            ))
        }
    };
    if url.password().is_some() {
        return Err(Error::invalid_field(
            "imap",
            "Leave the password out of the address: it would be kept in your shell's history. \
             Handbill takes it from the keychain, or from HANDBILL_IMAP_PASSWORD for this run.",
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| Error::invalid_field("imap", "The address names no server."))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let mut handled = DEFAULT_HANDLED_FOLDER.to_owned();
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "security" => {
                security = Security::parse(&value).ok_or_else(|| {
                    Error::invalid_field(
                        "imap_security",
                        format!("“{value}” is not a kind of security: use starttls, tls or plain."),
                    )
                })?
            }
            "handled" => handled = value.into_owned(),
            other => {
                return Err(Error::invalid_field(
                    "imap",
                    format!("“{other}” is not a setting of the address; use security or handled."),
                ))
            }
        }
    }
    let folder = percent(url.path().trim_start_matches('/'));
    let account = ImapAccount {
        host,
        port: url.port().unwrap_or(match security {
            Security::Tls => 993,
            _ => 143,
        }),
        security,
        username: percent(url.username()),
        folder: if folder.is_empty() {
            DEFAULT_FOLDER.to_owned()
        } else {
            folder
        },
        handled_folder: handled,
    };
    validate(&account)?;
    Ok(account)
}

fn percent(text: &str) -> String {
    url::form_urlencoded::parse(format!("u={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The saved mailbox, if one is set up.
pub fn get(db: &Database) -> Result<Option<ImapAccount>> {
    Ok(db
        .conn()
        .query_row(
            "SELECT host, port, security, username, folder, handled_folder FROM mailbox_account WHERE id = 1",
            [],
            |r| {
                Ok(ImapAccount {
                    host: r.get(0)?,
                    port: r.get(1)?,
                    security: Security::parse(&r.get::<_, String>(2)?).unwrap_or(Security::Tls),
                    username: r.get(3)?,
                    folder: r.get(4)?,
                    handled_folder: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// Saves the mailbox's settings (not its password: see [`keep_password`]).
/// A change of server or user forgets what the probe found.
pub fn save(db: &Database, account: &ImapAccount) -> Result<ImapAccount> {
    validate(account)?;
    let before = get(db)?;
    let same_server = before
        .as_ref()
        .is_some_and(|b| b.host == account.host.trim() && b.username == account.username.trim());
    db.conn().execute(
        "INSERT INTO mailbox_account (id, host, port, security, username, folder, handled_folder, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET host = excluded.host, port = excluded.port, security = excluded.security,
             username = excluded.username, folder = excluded.folder, handled_folder = excluded.handled_folder,
             updated_at = excluded.updated_at,
             plus_addressing = CASE WHEN ?8 THEN plus_addressing END,
             probed_at = CASE WHEN ?8 THEN probed_at END",
        params![
            account.host.trim(),
            account.port,
            account.security.as_str(),
            account.username.trim(),
            account.folder.trim(),
            account.handled_folder.trim(),
            crate::clock::now_text(),
            same_server,
        ],
    )?;
    get(db)?.ok_or_else(|| Error::internal("The mailbox was not found after saving it."))
}

/// Forgets the mailbox's settings (and its password in the keychain).
pub fn remove(db: &Database) -> Result<()> {
    if let Some(account) = get(db)? {
        forget_password(&account).ok();
    }
    db.conn().execute("DELETE FROM mailbox_account", [])?;
    Ok(())
}

/// What the plus-address probe found (see
/// [`crate::mail::announcements::account::plus_addressing`], which the
/// composer reads too).
pub use crate::mail::announcements::account::plus_addressing;

/// Records what the probe found.
pub(crate) fn set_plus_addressing(db: &Database, works: bool) -> Result<()> {
    db.conn().execute(
        "UPDATE mailbox_account SET plus_addressing = ?1, probed_at = ?2 WHERE id = 1",
        params![works, crate::clock::now_text()],
    )?;
    Ok(())
}

const KEYCHAIN: Keychain = Keychain {
    service: "org.handbill.imap",
    what: "mailbox password",
    variable: "HANDBILL_IMAP_PASSWORD",
};

/// The password saved in the keychain; none when nothing is saved there.
pub fn load_password(account: &ImapAccount) -> Result<Option<Password>> {
    KEYCHAIN.load(&account.label())
}

/// Removes the saved password, if any.
pub fn forget_password(account: &ImapAccount) -> Result<()> {
    KEYCHAIN.forget(&account.label())
}

/// "Save" with a password typed: kept in the OS keychain under the saved
/// mailbox's name; with no keychain it is answered back for the caller to
/// hold for this session only.
pub fn keep_password(db: &Database, password: &str) -> Result<Option<Password>> {
    if password.is_empty() {
        return Err(Error::invalid_field("imap_password", "Type the password."));
    }
    let account =
        get(db)?.ok_or_else(|| Error::invalid_field("imap_host", "Save the mailbox first."))?;
    let password = Password::new(password);
    match KEYCHAIN.store(&account.label(), &password) {
        Ok(()) => Ok(None),
        Err(e) => {
            tracing::info!(code = ?e.code, "no keychain: the mailbox password is kept for this session");
            Ok(Some(password))
        }
    }
}

/// The password to log in with: the one held for this session if given, else the keychain's.
pub fn password_for(account: &ImapAccount, session: Option<&Password>) -> Result<Password> {
    if let Some(p) = session {
        return Ok(p.clone());
    }
    match load_password(account) {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(Error::invalid_field(
            "imap_password",
            format!(
                "No password is saved for the mailbox {}. Enter it under Settings → Mail account (on the command line: set HANDBILL_IMAP_PASSWORD).",
                account.label()
            ),
        )),
        Err(e) => Err(Error::invalid_field("imap_password", e.message)),
    }
}
