//! The branch's mail keys and the signed unsubscribe token they make.
//!
//! Every announcement carries, per recipient, an unsubscribe address such as
//! `boston+unsubscribe-l3-s41-9f2c0a7d1e5b6c48@example.org`. Its token names
//! the list (`l3`) and the person (`s41`) and ends with an HMAC-SHA256 of both
//! under a secret made at random once per branch, so a reply or a forward
//! that carries it says who asked to leave, and nobody can write one for
//! someone else. The same row holds the random part of every Message-ID, so
//! two branches never make the same one. Both are made from the operating
//! system's random source (ring's `SystemRandom`) the first time they are
//! needed, and kept in the `mail_key` table.

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::{params, OptionalExtension};

use crate::db::Database;
use crate::error::{Error, Result};

/// Bytes of the token's signature written into the address (as hex): 64
/// bits, far beyond guessing by pasting replies, short enough for the
/// 64-character local part of an address.
const TAG_BYTES: usize = 8;

/// The branch's keys, as composing and reply reading use them.
#[derive(Clone)]
pub struct MailKeys {
    signer: hmac::Key,
    /// Sixteen lowercase hex digits, the same in every Message-ID of the branch.
    pub message_id_part: String,
}

impl std::fmt::Debug for MailKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret is never printed.
        f.debug_struct("MailKeys")
            .field("message_id_part", &self.message_id_part)
            .finish_non_exhaustive()
    }
}

/// A list and a person, read from a token whose signature holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub list_id: i64,
    pub subscriber_id: i64,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The branch's keys, made (once, at random) if the branch has none yet.
pub fn load(db: &Database) -> Result<MailKeys> {
    let read = |db: &Database| -> Result<Option<(Vec<u8>, String)>> {
        Ok(db
            .conn()
            .prepare_cached(
                "SELECT unsubscribe_secret, message_id_part FROM mail_key WHERE id = 1",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    };
    let (secret, part) = match read(db)? {
        Some(found) => found,
        None => {
            let random = SystemRandom::new();
            let mut secret = [0u8; 32];
            let mut part = [0u8; 8];
            random
                .fill(&mut secret)
                .and_then(|()| random.fill(&mut part))
                .map_err(|_| {
                    Error::internal(
                        "The operating system gave no random bytes for the branch's mail keys.",
                    )
                })?;
            // Another process may have made them first: theirs are kept.
            db.conn().execute(
                "INSERT OR IGNORE INTO mail_key (id, unsubscribe_secret, message_id_part, created_at) VALUES (1, ?1, ?2, ?3)",
                params![secret.to_vec(), hex(&part), crate::clock::now_text()],
            )?;
            read(db)?
                .ok_or_else(|| Error::internal("The branch's mail keys could not be saved."))?
        }
    };
    Ok(MailKeys {
        signer: hmac::Key::new(hmac::HMAC_SHA256, &secret),
        message_id_part: part,
    })
}

/// What a token is for: the same list and person sign differently for each,
/// so a bounce address can never be used to unsubscribe, nor the other way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `unsubscribe-l3-s41-…`: writing to it asks to leave.
    Unsubscribe,
    /// `bounce-l3-s41-…`: the per-recipient return path, where reports of
    /// undelivered mail come back (see `mail::mailbox`).
    Bounce,
}

impl Purpose {
    fn word(self) -> &'static str {
        match self {
            Purpose::Unsubscribe => "unsubscribe",
            Purpose::Bounce => "bounce",
        }
    }
}

impl MailKeys {
    fn tag(&self, purpose: Purpose, list_id: i64, subscriber_id: i64) -> String {
        let sig = hmac::sign(
            &self.signer,
            format!("{}\n{list_id}\n{subscriber_id}", purpose.word()).as_bytes(),
        );
        hex(&sig.as_ref()[..TAG_BYTES])
    }

    /// `unsubscribe-l3-s41-9f2c0a7d1e5b6c48`: what follows the `+` in the address.
    pub fn token(&self, list_id: i64, subscriber_id: i64) -> String {
        self.token_for(Purpose::Unsubscribe, list_id, subscriber_id)
    }

    /// `bounce-l3-s41-…` or `unsubscribe-l3-s41-…`, signed for its purpose.
    pub fn token_for(&self, purpose: Purpose, list_id: i64, subscriber_id: i64) -> String {
        format!(
            "{}-l{list_id}-s{subscriber_id}-{}",
            purpose.word(),
            self.tag(purpose, list_id, subscriber_id)
        )
    }

    /// Every unsubscribe token in `text` whose signature holds, once each, in
    /// the order found. The address may be quoted (`> `), wrapped over lines,
    /// inside `mailto:` or quoted-printable (`=` line ends): lines are joined
    /// without their quote marks, spaces and soft breaks before looking.
    pub fn tokens_in(&self, text: &str) -> Vec<Token> {
        self.tokens_for(Purpose::Unsubscribe, text)
    }

    /// Every token of `purpose` in `text` whose signature holds (see [`Self::tokens_in`]).
    pub fn tokens_for(&self, purpose: Purpose, text: &str) -> Vec<Token> {
        let mut joined = String::with_capacity(text.len());
        for line in text.lines() {
            let line = line.trim_start_matches(|c: char| c == '>' || c.is_whitespace());
            let line = line.strip_suffix('=').unwrap_or(line);
            joined.extend(line.chars().filter(|c| !c.is_whitespace()));
        }
        let lower = joined.to_ascii_lowercase();
        let mut found = Vec::new();
        let mut rest = lower.as_str();
        let marker = format!("{}-l", purpose.word());
        while let Some(at) = rest.find(&marker) {
            rest = &rest[at + marker.len()..];
            if let Some(token) = self.read_token(purpose, rest) {
                if !found.contains(&token) {
                    found.push(token);
                }
            }
        }
        found
    }

    /// How many tokens of `purpose` in `text` do not verify: something that
    /// looks like one of ours but was altered or made with another key.
    pub fn forged_in(&self, purpose: Purpose, text: &str) -> usize {
        let lower: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        let marker = format!("{}-l", purpose.word());
        let mut rest = lower.as_str();
        let mut forged = 0;
        while let Some(at) = rest.find(&marker) {
            rest = &rest[at + marker.len()..];
            let shaped = rest.bytes().next().is_some_and(|b| b.is_ascii_digit())
                && rest.get(..40).unwrap_or(rest).contains("-s");
            if shaped && self.read_token(purpose, rest).is_none() {
                forged += 1;
            }
        }
        forged
    }

    /// `3-s41-9f2c…` (after `unsubscribe-l`): the token, when its signature holds.
    fn read_token(&self, purpose: Purpose, text: &str) -> Option<Token> {
        let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
        let n = digits(text);
        let list_id: i64 = text.get(..n)?.parse().ok()?;
        let text = text.get(n..)?.strip_prefix("-s")?;
        let n = digits(text);
        let subscriber_id: i64 = text.get(..n)?.parse().ok()?;
        let tag = text.get(n..)?.strip_prefix('-')?.get(..TAG_BYTES * 2)?;
        let expected = self.tag(purpose, list_id, subscriber_id);
        // The comparison takes the same time wherever the first difference is.
        let same = tag.len() == expected.len()
            && tag
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        same.then_some(Token {
            list_id,
            subscriber_id,
        })
    }
}
