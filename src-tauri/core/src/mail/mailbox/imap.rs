//! Talking to the branch's IMAP server: connect (TLS from the first byte, or
//! STARTTLS, which is required, or plain only on this machine), log in, read a
//! folder a page of UIDs at a time, and file handled messages in another
//! folder. Nothing is ever deleted: `UID MOVE` where the server has it, else
//! `UID COPY`, leaving the message where it was.
//!
//! async-imap does the protocol on a tokio runtime of one thread made for
//! the connection; this module offers it to the rest of the core as plain
//! blocking calls, each bounded by a timeout.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use async_imap::{Client, Session};
use futures_util::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

use super::account::ImapAccount;
use crate::mail::announcements::account::{ConnectionProblem, Password, Security};

/// The most of one message fetched: reports and replies are far smaller; a
/// bigger message is read up to here (its start says what it is).
pub const FETCH_BYTES: usize = super::read::MAX_MESSAGE_BYTES;

trait Io: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> Io for T {}

type Stream = Box<dyn Io>;

/// Why connecting or reading failed: the step, and what to do, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub problem: ConnectionProblem,
    pub message: String,
}

impl Failure {
    fn new(problem: ConnectionProblem, message: impl Into<String>) -> Failure {
        Failure {
            problem,
            message: message.into(),
        }
    }
}

/// A logged-in connection.
pub struct Connection {
    rt: Runtime,
    session: Session<Stream>,
    can_move: bool,
    server: String,
    timeout: Duration,
}

/// A folder as SELECT found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selected {
    pub uid_validity: u32,
    pub exists: u32,
}

fn tls_connector() -> Result<tokio_rustls::TlsConnector, String> {
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for cert in found.certs {
        roots.add(cert).ok();
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

async fn handshake(host: &str, tcp: TcpStream, server: &str) -> Result<Stream, Failure> {
    let connector = tls_connector().map_err(|e| {
        Failure::new(
            ConnectionProblem::Tls,
            format!("TLS cannot be set up ({e})."),
        )
    })?;
    let name =
        tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_owned()).map_err(|e| {
            Failure::new(
                ConnectionProblem::Tls,
                format!("“{host}” cannot be checked against a certificate ({e})."),
            )
        })?;
    let tls = connector.connect(name, tcp).await.map_err(|e| {
        Failure::new(
            ConnectionProblem::Tls,
            format!("The TLS handshake with {server} failed ({e}). The server's certificate may be invalid or for another name; no password left this computer."),
        )
    })?;
    Ok(Box::new(tls))
}

/// Connects, encrypts as the account requires and logs in. No credential
/// is written before TLS is up (a server on this machine with `plain` is
/// the only exception).
pub fn connect(
    account: &ImapAccount,
    password: &Password,
    timeout: Duration,
) -> Result<Connection, Failure> {
    super::account::validate(account)
        .map_err(|e| Failure::new(ConnectionProblem::Settings, e.message))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Failure::new(
                ConnectionProblem::Other,
                format!("No worker could be started for the mailbox ({e})."),
            )
        })?;
    let host = account.host.trim().to_owned();
    let server = format!("{host}:{}", account.port);
    let within = |what: &'static str| {
        let server = server.clone();
        move |_| {
            Failure::new(
                ConnectionProblem::Connect,
                format!("{server} did not answer in time ({what}). Check the port and the internet connection."),
            )
        }
    };
    let session = rt.block_on(async {
        let addrs: Vec<std::net::SocketAddr> = tokio::time::timeout(timeout, tokio::net::lookup_host((host.as_str(), account.port)))
            .await
            .map_err(within("looking up its name"))?
            .map_err(|e| Failure::new(ConnectionProblem::Dns, format!("The server name {host} could not be found ({e}). Check the name, or the internet connection.")))?
            .collect();
        if addrs.is_empty() {
            return Err(Failure::new(ConnectionProblem::Dns, format!("The server name {host} has no address.")));
        }
        let tcp = tokio::time::timeout(timeout, TcpStream::connect(addrs.as_slice()))
            .await
            .map_err(within("connecting"))?
            .map_err(|e| Failure::new(ConnectionProblem::Connect, format!("Nothing answers at {server} ({e}). Check the server name, the port and the internet connection.")))?;
        tcp.set_nodelay(true).ok();
        let greeting_problem = |e: Option<std::io::Error>| {
            Failure::new(
                ConnectionProblem::Connect,
                match e {
                    Some(e) => format!("{server} closed the connection ({e})."),
                    None => format!("{server} closed the connection before greeting: is it an IMAP server? (993 is usual for TLS, 143 for STARTTLS)"),
                },
            )
        };
        let client: Client<Stream> = match account.security {
            Security::Tls => {
                let stream = tokio::time::timeout(timeout, handshake(&host, tcp, &server))
                    .await
                    .map_err(within("the TLS handshake"))??;
                let mut client = Client::new(stream);
                match tokio::time::timeout(timeout, client.read_response()).await.map_err(within("its greeting"))? {
                    Ok(Some(_)) => client,
                    Ok(None) => return Err(greeting_problem(None)),
                    Err(e) => return Err(greeting_problem(Some(e))),
                }
            }
            Security::Plain => {
                let mut client = Client::new(Box::new(tcp) as Stream);
                match tokio::time::timeout(timeout, client.read_response()).await.map_err(within("its greeting"))? {
                    Ok(Some(_)) => client,
                    Ok(None) => return Err(greeting_problem(None)),
                    Err(e) => return Err(greeting_problem(Some(e))),
                }
            }
            Security::StartTls => {
                let mut plain = Client::new(tcp);
                match tokio::time::timeout(timeout, plain.read_response()).await.map_err(within("its greeting"))? {
                    Ok(Some(_)) => {}
                    Ok(None) => return Err(greeting_problem(None)),
                    Err(e) => return Err(greeting_problem(Some(e))),
                }
                let asked = tokio::time::timeout(timeout, plain.run_command_and_check_ok("STARTTLS", None))
                    .await
                    .map_err(within("STARTTLS"))?;
                if asked.is_err() {
                    return Err(Failure::new(
                        ConnectionProblem::NoStartTls,
                        format!("{server} does not offer STARTTLS, which this mailbox requires, so no password left this computer. Check the port (143 is usual for STARTTLS) or choose TLS on port 993."),
                    ));
                }
                // No greeting follows STARTTLS.
                let stream = tokio::time::timeout(timeout, handshake(&host, plain.into_inner(), &server))
                    .await
                    .map_err(within("the TLS handshake"))??;
                Client::new(stream)
            }
        };
        let login = tokio::time::timeout(timeout, client.login(account.username.trim(), password.expose()))
            .await
            .map_err(within("logging in"))?;
        login.map_err(|(e, _)| {
            Failure::new(
                ConnectionProblem::Auth,
                format!("{server} refused the login of {} ({e}). Check the user name and the password.", account.username.trim()),
            )
        })
    })?;
    let mut connection = Connection {
        rt,
        session,
        can_move: false,
        server,
        timeout,
    };
    let caps = connection.run("asking what it can do", |s| {
        Box::pin(async move { s.capabilities().await })
    })?;
    connection.can_move = caps.has_str("MOVE");
    Ok(connection)
}

type Step<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = async_imap::error::Result<T>> + 'a>>;

impl Connection {
    /// Runs one exchange with the server, bounded by the timeout.
    fn run<T>(
        &mut self,
        what: &str,
        step: impl for<'a> FnOnce(&'a mut Session<Stream>) -> Step<'a, T>,
    ) -> Result<T, Failure> {
        let timeout = self.timeout;
        let server = self.server.clone();
        let session = &mut self.session;
        self.rt.block_on(async move {
            match tokio::time::timeout(timeout, step(session)).await {
                Err(_) => Err(Failure::new(
                    ConnectionProblem::Connect,
                    format!("{server} did not answer in time ({what})."),
                )),
                Ok(Err(e)) => Err(Failure::new(
                    ConnectionProblem::Other,
                    format!("{server} refused {what}: {e}."),
                )),
                Ok(Ok(t)) => Ok(t),
            }
        })
    }

    /// Opens a folder for reading and filing.
    pub fn select(&mut self, folder: &str) -> Result<Selected, Failure> {
        let name = folder.to_owned();
        let what = format!("opening the folder “{folder}”");
        let found = self.run(&what, |s| Box::pin(async move { s.select(name).await }))?;
        Ok(Selected {
            uid_validity: found.uid_validity.unwrap_or(0),
            exists: found.exists,
        })
    }

    /// The UIDs after `last_uid` in the selected folder, in order.
    pub fn uids_after(&mut self, last_uid: u32) -> Result<Vec<u32>, Failure> {
        let found = self.search(&format!("UID {}:*", last_uid.saturating_add(1)))?;
        // "n:*" always answers the last message, even when its UID is below n.
        Ok(found.into_iter().filter(|u| *u > last_uid).collect())
    }

    /// The UIDs an IMAP SEARCH (such as `HEADER X-Handbill-Probe 1f2e…`) finds.
    pub fn search(&mut self, query: &str) -> Result<Vec<u32>, Failure> {
        let query = query.to_owned();
        let found = self.run("searching", |s| {
            Box::pin(async move { s.uid_search(query).await })
        })?;
        let mut uids: Vec<u32> = found.into_iter().collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// Fetches messages by UID (at most [`FETCH_BYTES`] of each), without
    /// marking them read.
    pub fn fetch(&mut self, uids: &[u32]) -> Result<Vec<(u32, Vec<u8>)>, Failure> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let set = uid_set(uids);
        let query = format!("(UID BODY.PEEK[]<0.{FETCH_BYTES}>)");
        let mut found = self.run("reading messages", |s| {
            Box::pin(async move {
                let stream = s.uid_fetch(set, query).await?;
                let fetched: Vec<async_imap::types::Fetch> = stream.try_collect().await?;
                Ok(fetched
                    .into_iter()
                    .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
                    .collect::<Vec<_>>())
            })
        })?;
        found.sort_by_key(|(uid, _)| *uid);
        Ok(found)
    }

    /// Makes `folder` if it is not there yet (and subscribes to it, so mail
    /// programs show it).
    pub fn ensure_folder(&mut self, folder: &str) -> Result<(), Failure> {
        let name = folder.to_owned();
        let exists = self.run("listing folders", |s| {
            Box::pin(async move {
                let listed: Vec<async_imap::types::Name> =
                    s.list(None, Some(&name)).await?.try_collect().await?;
                Ok(!listed.is_empty())
            })
        })?;
        if !exists {
            let name = folder.to_owned();
            let what = format!("making the folder “{folder}”");
            self.run(&what, |s| {
                Box::pin(async move {
                    s.create(&name).await?;
                    s.subscribe(&name).await
                })
            })?;
        }
        Ok(())
    }

    /// Files messages of the selected folder in `folder`: moved where the
    /// server can, else copied (the original stays). Never deleted.
    pub fn file(&mut self, uids: &[u32], folder: &str) -> Result<(), Failure> {
        if uids.is_empty() {
            return Ok(());
        }
        let set = uid_set(uids);
        let name = folder.to_owned();
        let what = format!("filing messages in “{folder}”");
        if self.can_move {
            self.run(&what, |s| {
                Box::pin(async move { s.uid_mv(set, name).await })
            })
        } else {
            self.run(&what, |s| {
                Box::pin(async move { s.uid_copy(set, name).await })
            })
        }
    }

    /// Says goodbye; a failure to is of no consequence.
    pub fn logout(mut self) {
        let _ = self.run("logging out", |s| Box::pin(async move { s.logout().await }));
    }
}

/// `3:5,9,12:13`: UIDs as an IMAP set, runs joined.
fn uid_set(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn uid_sets_join_runs() {
        assert_eq!(super::uid_set(&[5, 3, 4, 9, 12, 13]), "3:5,9,12:13");
        assert_eq!(super::uid_set(&[7]), "7");
    }
}
