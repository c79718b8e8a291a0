//! What one message from the branch's mailbox is: a report that a message
//! could not be delivered, a spam complaint, someone asking to leave, an
//! automatic reply, something for the coordinator to decide, or ordinary
//! mail. Bytes of one RFC 5322 message in, a [`Reading`] out: no database,
//! no network, and no panic on any bytes.
//!
//! `mail-parser` splits the MIME structure and decodes (transfer encodings,
//! charsets, RFC 2047 words); the fields of a delivery report (RFC 3464) and
//! of a feedback report (RFC 5965) are read here, as are the words of a reply.
//!
//! The order the rules are tried in, first match wins:
//!
//! 1. A feedback report (`multipart/report; report-type=feedback-report`, or
//!    a `message/feedback-report` part) is a complaint.
//! 2. A delivery report (`report-type=delivery-status`, or a
//!    `message/delivery-status` part) is a bounce, whatever else the message
//!    says of itself (Postfix's reports carry `Auto-Submitted: auto-replied`).
//!    A read receipt (`disposition-notification`) is an automatic reply.
//! 3. A report in plain words (from `MAILER-DAEMON` or `postmaster`, a
//!    subject such as "Undelivered Mail Returned to Sender", or an
//!    `X-Failed-Recipients` header) is a bounce read from its text.
//! 4. Mail to an unsubscribe address (`+unsubscribe-` where it was
//!    delivered) asks to leave.
//! 5. An automatic reply (RFC 3834 `Auto-Submitted`, `X-Autoreply`, …, or a
//!    subject such as "Out of Office") is left alone.
//! 6. Otherwise the words the person wrote (not the quoted message) are read
//!    for a request to leave, in English or Spanish.
//!
//! Judgement calls, each tested below:
//!
//! - Every 5.x.x status marks the address bounced, whatever its cause, as
//!   RFC 3463 calls it permanent: mailbox full (5.2.2) and refused by policy
//!   (5.7.x) included. A sending problem of the branch's own (5.7.26, DMARC)
//!   would mark every address of one provider at once; the *Mailbox* view
//!   lists each one with its status and meaning, so such a run is seen
//!   there and each can be undone. Only a bare SMTP 552 with no enhanced
//!   status (the old "storage exceeded") and the words of a full mailbox
//!   are soft.
//! - A reply asks to leave only when the first lines the person wrote say
//!   so, about themself (their own address written out counts as "me"),
//!   without a negation ("don't remove me") or a word of staying ("I clicked
//!   unsubscribe by accident, keep me on"), and — when they say what from
//!   ("remove me from …") — from the list or its emails. "Remove me from the
//!   RSVP", "unsubscribe me from the volunteer list", "take my friend off",
//!   another address in those lines, "fewer emails" or a request further
//!   down is [`Kind::Unclear`]; words in quoted text never count. A question
//!   such as "How do I unsubscribe?" asks to leave.
//!
//! Hostile input is bounded: at most [`MAX_MESSAGE_BYTES`] are read, at most
//! 256 MIME parts looked at, returned messages read one level deep (see
//! `defuse` below for why mail-parser is kept from nesting them itself), and
//! every text read for words or codes is capped.

use std::borrow::Cow;

use mail_parser::decoders::html::html_to_text;
use mail_parser::{Header, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The most of one message that is read (bigger messages are read up to here).
pub const MAX_MESSAGE_BYTES: usize = 2 * 1024 * 1024;
/// The most of the returned original kept in [`Reading::original`].
const MAX_ORIGINAL: usize = 256 * 1024;
/// The most addresses kept in [`Reading::recipients`].
const MAX_RECIPIENTS: usize = 50;
const MAX_SUBJECT_CHARS: usize = 200;
const MAX_SUMMARY_CHARS: usize = 200;
/// A quotation in a summary.
const MAX_QUOTE_CHARS: usize = 100;
/// The most of [`Reading::delivered_to`], and of one header value read.
const MAX_DELIVERED_TO: usize = 16 * 1024;
const MAX_HEADER_VALUE: usize = 8 * 1024;
/// The most MIME parts of one message looked at.
const MAX_PARTS: usize = 256;
/// The most returned messages read from one report.
const MAX_NESTED: usize = 4;
/// The most text of a report read for status codes and words.
const MAX_REPORT_TEXT: usize = 64 * 1024;
/// The most of a reply read for what the person wrote.
const MAX_REPLY_TEXT: usize = 64 * 1024;
const MAX_REPLY_LINES: usize = 200;
/// The lines of what the person wrote that can ask to leave.
const FIRST_LINES: usize = 5;
/// The most recipient groups read from one delivery report.
const MAX_GROUPS: usize = 100;

/// What one message is, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    /// The Message-ID without `<>`, trimmed; empty when there is none.
    pub message_id: String,
    /// The Date header as RFC 3339 UTC (`2026-12-01T10:00:00Z`); `None` when
    /// absent or unreadable.
    pub date: Option<String>,
    /// The sender's address as written (the From header's address); empty
    /// when there is none.
    pub from: String,
    /// The subject, decoded, on one line, at most 200 characters.
    pub subject: String,
    /// What the message is.
    pub kind: Kind,
    /// Where the message was delivered: the values of To, Cc, Delivered-To,
    /// X-Original-To, Envelope-To and X-Envelope-To of the OUTER message,
    /// unfolded, one a line, in the order they appear (at most 16 KiB). A
    /// per-recipient return path (VERP) such as
    /// `boston+bounce-l3-s41-9f2c0a7d1e5b6c48@example.org` is found here.
    pub delivered_to: String,
    /// For a bounce or complaint only: the returned original message's
    /// headers (and the text of the report's human-readable part and of any
    /// quoted original body), where the original's List-Unsubscribe header
    /// (`<mailto:boston+unsubscribe-l3-s41-…@example.org>`) and an
    /// `X-Handbill-Recipient` header can be found; at most 256 KiB. Empty for
    /// every other kind: a reply's quoted text never names who to act on.
    pub original: String,
    /// For a bounce: the Final-Recipient / Original-Recipient addresses (or
    /// X-Failed-Recipients, or the addresses a plain-text report lists); for a
    /// complaint: Original-Rcpt-To. At most 50, for the coordinator to read;
    /// never used alone to decide who bounced.
    pub recipients: Vec<String>,
    /// One short line for the coordinator: "5.1.1 user unknown
    /// (mx.example.net)", "spam complaint (abuse) via Yahoo", "asks to be
    /// removed: “Please take me off this list”", "auto-reply: Out of office", …
    /// For [`Kind::Unclear`] it says what the message is; `why` says what is
    /// unclear.
    pub summary: String,
}

/// What a message is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Kind {
    /// Permanent failure: a 5.x.x status, whatever its cause, or a report
    /// in plain words that says the address does not exist. `status` is the enhanced
    /// status code as reported (`5.1.1`), or `5.0.0` when the report gives
    /// only an SMTP code or words.
    HardBounce { status: String },
    /// Transient failure: a 4.x.x status (mailbox full, delayed, greylisted),
    /// a delay report (`Action: delayed`), a bare SMTP 552 with no enhanced
    /// status, or words that say the mailbox is full. `status` as
    /// for a hard bounce (`4.0.0` when only words or an SMTP code say it).
    SoftBounce { status: String },
    /// An ARF spam complaint (`multipart/report; report-type=feedback-report`
    /// with a `message/feedback-report` part). `feedback_type` is its
    /// Feedback-Type in lower case: `abuse`, `fraud`, `virus`, `other`, …
    Complaint { feedback_type: String },
    /// Someone asking to leave: mail sent to an unsubscribe address
    /// (`+unsubscribe-` in `delivered_to`; `to_unsubscribe_address: true`), or
    /// a reply whose first lines (the part the person wrote, before any quoted
    /// text / "On … wrote:" / "El … escribió:" / signature "-- ") ask to be
    /// removed, in English or Spanish, or whose subject is just such a request.
    Unsubscribe { to_unsubscribe_address: bool },
    /// Vacation and other automatic replies (RFC 3834 Auto-Submitted other
    /// than "no", X-Autoreply, X-Autorespond, Precedence: auto_reply, subjects
    /// such as "Out of Office", "Automatic reply", "Respuesta automática",
    /// "Fuera de la oficina"), and read receipts: left alone.
    AutoReply,
    /// Something that concerns the list but cannot be read with certainty — a
    /// report whose status cannot be read, a reply that mentions leaving but
    /// not clearly in its first lines ("I'd like fewer emails"), "remove my
    /// friend" — for the coordinator to decide. `why` says what is unclear, in
    /// plain words.
    Unclear { why: String },
    /// Ordinary mail (a question about the rally, a newsletter), or something
    /// that is not a message at all: not ours to act on.
    #[default]
    Other,
}

/// Reads one message. Never panics, on any bytes; reads at most
/// [`MAX_MESSAGE_BYTES`] of it.
pub fn read(raw: &[u8]) -> Reading {
    let raw = &raw[..raw.len().min(MAX_MESSAGE_BYTES)];
    let defused = defuse(raw);
    let Some(message) = MessageParser::default().parse(&defused[..]) else {
        return Reading {
            summary: "not a readable email".to_owned(),
            ..Reading::default()
        };
    };
    let head = Head::of(&message, raw);
    let found = classify(&message, &head);
    let Found {
        kind,
        summary,
        original,
        recipients,
    } = found;
    let original = match kind {
        Kind::HardBounce { .. } | Kind::SoftBounce { .. } | Kind::Complaint { .. } => original,
        _ => String::new(),
    };
    Reading {
        message_id: head.message_id,
        date: head.date,
        from: head.from,
        subject: head.subject,
        kind,
        delivered_to: head.delivered_to,
        original,
        recipients,
        summary: one_line(&summary, MAX_SUMMARY_CHARS),
    }
}

/// What the outer message's headers say.
struct Head {
    message_id: String,
    date: Option<String>,
    from: String,
    /// The From header unfolded, in lower case: its name and address.
    from_raw: String,
    subject: String,
    delivered_to: String,
    /// Every header, unfolded: (name in lower case, value).
    fields: Vec<(String, String)>,
}

impl Head {
    fn of(message: &Message<'_>, raw: &[u8]) -> Head {
        let headers = root_headers(message);
        let fields: Vec<(String, String)> = headers
            .iter()
            .map(|h| (h.name.as_str().to_ascii_lowercase(), raw_value(raw, h)))
            .collect();
        let message_id = message
            .message_id()
            .map(|id| one_line(id.trim().trim_start_matches('<').trim_end_matches('>'), 998))
            .unwrap_or_default();
        let date = message
            .date()
            .filter(|d| d.is_valid())
            .and_then(|d| jiff::Timestamp::from_second(d.to_timestamp()).ok())
            .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
        let from = message
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(|a| one_line(a, 320))
            .unwrap_or_default();
        let from_raw = fields
            .iter()
            .find(|(n, _)| n == "from")
            .map(|(_, v)| v.to_lowercase())
            .unwrap_or_default();
        let subject = one_line(message.subject().unwrap_or_default(), MAX_SUBJECT_CHARS);
        let mut delivered_to = String::new();
        for (name, value) in &fields {
            if matches!(
                name.as_str(),
                "to" | "cc" | "delivered-to" | "x-original-to" | "envelope-to" | "x-envelope-to"
            ) && !value.is_empty()
            {
                if !delivered_to.is_empty() {
                    delivered_to.push('\n');
                }
                push_capped(&mut delivered_to, value, MAX_DELIVERED_TO);
            }
        }
        Head {
            message_id,
            date,
            from,
            from_raw,
            subject,
            delivered_to,
            fields,
        }
    }

    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What [`classify`] found.
struct Found {
    kind: Kind,
    summary: String,
    original: String,
    recipients: Vec<String>,
}

impl Found {
    fn new(kind: Kind, summary: String) -> Found {
        Found {
            kind,
            summary,
            original: String::new(),
            recipients: Vec::new(),
        }
    }
}

fn classify(message: &Message<'_>, head: &Head) -> Found {
    let parts = || message.parts.iter().take(MAX_PARTS);
    let report_type = parts()
        .filter_map(|p| p.content_type())
        .find(|ct| {
            ct.ctype().eq_ignore_ascii_case("multipart")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
        })
        .and_then(|ct| ct.attribute("report-type"))
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let feedback = parts().find(|p| p.is_content_type("message", "feedback-report"));
    if feedback.is_some() || report_type == "feedback-report" {
        return complaint(message, head, feedback);
    }
    let status = parts().find(|p| {
        p.is_content_type("message", "delivery-status")
            || p.is_content_type("message", "global-delivery-status")
    });
    if status.is_some() || report_type == "delivery-status" {
        return delivery_report(message, head, status);
    }
    if report_type == "disposition-notification"
        || parts().any(|p| p.is_content_type("message", "disposition-notification"))
    {
        return Found::new(Kind::AutoReply, "read receipt".to_owned());
    }
    if looks_like_bounce(head) {
        return plain_report(message, head);
    }
    if head.delivered_to.to_lowercase().contains("+unsubscribe-") {
        return Found::new(
            Kind::Unsubscribe {
                to_unsubscribe_address: true,
            },
            "asks to be removed: sent to the unsubscribe address".to_owned(),
        );
    }
    if is_auto_reply(head) {
        let summary = if head.subject.is_empty() {
            "auto-reply".to_owned()
        } else {
            format!("auto-reply: {}", head.subject)
        };
        return Found::new(Kind::AutoReply, summary);
    }
    reply(message, head)
}

// ---------------------------------------------------------------------------
// Complaints (RFC 5965)

fn complaint(message: &Message<'_>, head: &Head, part: Option<&MessagePart<'_>>) -> Found {
    let fields: Vec<(String, String)> = part
        .map(|p| field_groups(&part_text(p, MAX_REPORT_TEXT)))
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect();
    let get = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let mut recipients = Vec::new();
    for (name, value) in &fields {
        if name == "original-rcpt-to" || name == "removal-recipient" {
            add_recipient(&mut recipients, value);
        }
    }
    let human = human_text(message);
    let original = returned_original(message, &human);
    let via = get("user-agent")
        .and_then(provider_of_agent)
        .or_else(|| get("reporting-mta").map(host_of).filter(|h| !h.is_empty()))
        .or_else(|| head.from.rsplit_once('@').map(|(_, d)| d.to_owned()))
        .unwrap_or_default();
    let via = if via.is_empty() {
        String::new()
    } else {
        format!(" via {via}")
    };
    let feedback_type = get("feedback-type")
        .and_then(|t| t.split_whitespace().next())
        .map(|t| t.trim_end_matches(';').to_ascii_lowercase());
    let (kind, summary) = match feedback_type.as_deref() {
        None | Some("") => (
            Kind::Unclear {
                why: "the feedback report does not say what kind it is (no Feedback-Type)"
                    .to_owned(),
            },
            format!("feedback report{via}"),
        ),
        Some("not-spam") => (
            Kind::Other,
            format!("feedback report{via}: marked as not spam"),
        ),
        Some("auth-failure") => (
            Kind::Unclear {
                why: "it reports a message that failed authentication (DMARC, SPF or DKIM), \
                      not a complaint: the branch's mail settings may need a look"
                    .to_owned(),
            },
            format!("authentication failure report{via}"),
        ),
        Some(t) => {
            let what = if t == "abuse" {
                "spam complaint"
            } else {
                "complaint"
            };
            (
                Kind::Complaint {
                    feedback_type: t.to_owned(),
                },
                format!("{what} ({t}){via}"),
            )
        }
    };
    Found {
        kind,
        summary,
        original,
        recipients,
    }
}

/// `Yahoo!-Mail-Feedback/2.0` → `Yahoo`, `AOL SComp` → `AOL`.
fn provider_of_agent(agent: &str) -> Option<String> {
    let name = agent.split('/').next().unwrap_or_default();
    let word = name
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | '!' | '_' | ';' | ','))
        .find(|w| !w.is_empty())?;
    Some(one_line(word, 40))
}

// ---------------------------------------------------------------------------
// Delivery reports (RFC 3464)

/// How bad one recipient's outcome is; the worst of a report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Severity {
    /// Delivered, relayed or expanded: not a failure.
    Delivered,
    /// A failure whose status cannot be read.
    Unknown,
    Soft,
    Hard,
}

/// A status code: an enhanced one (RFC 3463, `5.1.1`) or a bare SMTP reply code (`550`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Code {
    class: u8,
    subject: u16,
    detail: u16,
    /// The SMTP reply code, when that is all there was.
    smtp: Option<u16>,
}

impl Code {
    fn status(&self) -> String {
        format!("{}.{}.{}", self.class, self.subject, self.detail)
    }

    /// The code as a summary shows it: the enhanced code, or the SMTP code
    /// when that is all there was.
    fn label(&self) -> String {
        match self.smtp {
            Some(smtp) => smtp.to_string(),
            None => self.status(),
        }
    }

    fn severity(&self) -> Severity {
        match self.class {
            2 => Severity::Delivered,
            4 => Severity::Soft,
            5 if self.smtp == Some(552) => Severity::Soft,
            5 => Severity::Hard,
            _ => Severity::Unknown,
        }
    }

    /// What the code says, in a few words.
    fn meaning(&self) -> Option<&'static str> {
        if self.smtp.is_some() {
            return None;
        }
        Some(match (self.subject, self.detail) {
            (1, 0) => "address problem",
            (1, 1) => "user unknown",
            (1, 2) => "domain not found",
            (1, 3) => "bad address syntax",
            (1, 4) => "ambiguous address",
            (1, 6) => "mailbox has moved",
            (1, 10) => "recipient not found",
            (2, 0) => "mailbox problem",
            (2, 1) => "mailbox disabled",
            (2, 2) => "mailbox full",
            (2, 3) => "message too large",
            (2, 4) => "mailing list problem",
            (3, 0) => "mail system problem",
            (3, 1) => "mail system full",
            (3, 2) => "not accepting messages",
            (3, 4) => "message too large",
            (4, 0) => "routing problem",
            (4, 1) => "no answer from host",
            (4, 2) => "connection dropped",
            (4, 3) => "directory server failure",
            (4, 4) => "unable to route",
            (4, 5) => "mail system congestion",
            (4, 6) => "routing loop",
            (4, 7) => "delivery time expired",
            (5, _) => "protocol error",
            (6, _) => "content refused",
            (7, 0) => "refused by policy",
            (7, 1) => "refused by policy",
            (7, 23) | (7, 25) | (7, 26) | (7, 27) => "sender not authenticated",
            (7, _) => "refused by policy",
            _ => return None,
        })
    }
}

/// One recipient group of a delivery report, read.
struct Outcome {
    severity: Severity,
    code: Option<Code>,
    delayed: bool,
    diagnostic: String,
    host: String,
    recipients: Vec<String>,
}

fn delivery_report(message: &Message<'_>, head: &Head, part: Option<&MessagePart<'_>>) -> Found {
    let groups = part
        .map(|p| field_groups(&part_text(p, MAX_REPORT_TEXT)))
        .unwrap_or_default();
    let reporting = groups
        .iter()
        .flatten()
        .find(|(n, _)| n == "reporting-mta")
        .map(|(_, v)| host_of(v))
        .unwrap_or_default();
    let outcomes: Vec<Outcome> = groups
        .iter()
        .filter(|g| {
            g.iter().any(|(n, _)| {
                matches!(
                    n.as_str(),
                    "final-recipient" | "original-recipient" | "action" | "status"
                )
            })
        })
        .map(|g| outcome(g, &reporting))
        .collect();
    let human = human_text(message);
    let original = returned_original(message, &human);
    let mut recipients = Vec::new();
    let worst = outcomes.iter().map(|o| o.severity).max();
    for o in &outcomes {
        if o.severity != Severity::Delivered || worst == Some(Severity::Delivered) {
            for r in &o.recipients {
                add_recipient(&mut recipients, r);
            }
        }
    }
    if let Some(failed) = head.field("x-failed-recipients") {
        for r in failed.split(',') {
            add_recipient(&mut recipients, r);
        }
    }
    let chosen = outcomes
        .iter()
        .filter(|o| matches!(o.severity, Severity::Hard | Severity::Soft))
        .max_by_key(|o| o.severity);
    if let Some(o) = chosen {
        let code = o.code.unwrap_or(Code {
            class: 4,
            subject: 0,
            detail: 0,
            smtp: None,
        });
        let summary = bounce_summary(&code, o.delayed, &o.diagnostic, &o.host);
        let status = code.status();
        let kind = if o.severity == Severity::Hard {
            Kind::HardBounce { status }
        } else {
            Kind::SoftBounce { status }
        };
        return Found {
            kind,
            summary,
            original,
            recipients,
        };
    }
    if !outcomes.is_empty() && worst == Some(Severity::Delivered) {
        let mut found = Found::new(
            Kind::Other,
            "delivery report: delivered, nothing failed".to_owned(),
        );
        found.recipients = recipients;
        return found;
    }
    // The report's fields say nothing readable: its words may.
    let mut found = match text_verdict(&report_part_of(&human)) {
        Some(v) => verdict_found(v, &human),
        None => Found::new(
            Kind::Unclear {
                why: "the delivery report's status cannot be read".to_owned(),
            },
            format!("delivery report from {}", sender_label(head)),
        ),
    };
    found.original = original;
    found.recipients = recipients;
    found
}

fn outcome(group: &[(String, String)], reporting: &str) -> Outcome {
    let get = |name: &str| {
        group
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let action = get("action")
        .and_then(|a| a.split_whitespace().next())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let diagnostic = get("diagnostic-code").map(without_type).unwrap_or_default();
    let status = get("status").and_then(|s| enhanced_codes(s).next());
    let from_diagnostic = enhanced_codes(&diagnostic)
        .next()
        .or_else(|| smtp_codes(&diagnostic).next());
    let code = match (status, from_diagnostic) {
        // `Status: 5.0.0` with `550 5.1.1` in the diagnostic: the diagnostic says more.
        (Some(s), Some(d))
            if s.subject == 0 && s.detail == 0 && d.class == s.class && d.smtp.is_none() =>
        {
            Some(d)
        }
        (Some(s), _) => Some(s),
        (None, d) => d,
    };
    let delayed = action == "delayed";
    let severity = if delayed {
        Severity::Soft
    } else if matches!(action.as_str(), "delivered" | "relayed" | "expanded") {
        Severity::Delivered
    } else {
        code.map_or(Severity::Unknown, |c| c.severity())
    };
    let mut recipients = Vec::new();
    for name in ["final-recipient", "original-recipient"] {
        if let Some(r) = get(name) {
            add_recipient(&mut recipients, r);
        }
    }
    // The receiving server: Remote-MTA, or the one the diagnostic names
    // ("connect to mx.example.net[203.0.113.25]:25"), or else the reporter.
    let mut host = get("remote-mta").map(host_of).unwrap_or_default();
    if host.is_empty() {
        host = bracketed_host(&diagnostic);
    }
    if host.is_empty() {
        host = reporting.to_owned();
    }
    Outcome {
        severity,
        code,
        delayed,
        diagnostic,
        host,
        recipients,
    }
}

/// "5.1.1 user unknown (mx.example.net)", "4.4.1 delayed: no answer from host (mx…)".
fn bounce_summary(code: &Code, delayed: bool, diagnostic: &str, host: &str) -> String {
    let what = match code.meaning() {
        Some(m) => m.to_owned(),
        None => short_diagnostic(diagnostic),
    };
    let mut out = code.label();
    if delayed {
        out.push_str(" delayed");
        if !what.is_empty() {
            out.push(':');
        }
    }
    if !what.is_empty() {
        out.push(' ');
        out.push_str(&what);
    }
    if !host.is_empty() {
        out.push_str(&format!(" ({host})"));
    }
    out
}

/// A diagnostic without its codes and address, shortened: "Recipient address rejected: …".
fn short_diagnostic(diagnostic: &str) -> String {
    let words: Vec<&str> = diagnostic.split_whitespace().collect();
    let start = words
        .iter()
        .position(|w| {
            let w = w.trim_end_matches(':');
            !(w.is_empty()
                || w.chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '#')
                || (w.starts_with('<') && w.ends_with('>'))
                || w.eq_ignore_ascii_case("smtp;"))
        })
        .unwrap_or(words.len());
    one_line(&words[start..].join(" "), 80)
}

/// `rfc822; ana@example.org` → `ana@example.org`; `smtp; 550 …` → `550 …`.
fn without_type(value: &str) -> String {
    match value.split_once(';') {
        Some((kind, rest))
            if !kind.is_empty()
                && kind.len() <= 16
                && kind
                    .trim()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-') =>
        {
            rest.trim().to_owned()
        }
        _ => value.trim().to_owned(),
    }
}

/// `dns; mx.example.net. (203.0.113.4, …)` → `mx.example.net`.
fn host_of(value: &str) -> String {
    let rest = without_type(value);
    let host = rest.split_whitespace().next().unwrap_or_default();
    let host = host.trim_end_matches('.');
    let host = host.split('[').next().unwrap_or_default();
    if host.contains('.') && host.len() <= 253 {
        host.to_ascii_lowercase()
    } else {
        String::new()
    }
}

// ---------------------------------------------------------------------------
// Reports in plain words

const BOUNCE_SUBJECTS: [&str; 17] = [
    "undelivered mail returned to sender",
    "mail delivery failed",
    "delivery status notification (failure)",
    "delivery status notification (delay)",
    "undeliverable:",
    "undeliverable mail",
    "failure notice",
    "returned mail:",
    "delivery has failed",
    "delivery failure",
    "mail delivery failure",
    "message not delivered",
    "delayed mail",
    "warning: could not send message",
    "no se puede entregar:",
    "no se ha podido entregar",
    "notificación de estado de entrega (error)",
];

fn looks_like_bounce(head: &Head) -> bool {
    if head.field("x-failed-recipients").is_some() {
        return true;
    }
    let local = head
        .from
        .rsplit_once('@')
        .map_or(head.from.as_str(), |(l, _)| l)
        .to_ascii_lowercase();
    if matches!(
        local.as_str(),
        "mailer-daemon" | "postmaster" | "mailerdaemon"
    ) || head.from_raw.contains("mailer-daemon")
        || head.from_raw.contains("mail delivery")
    {
        return true;
    }
    let subject = head.subject.to_lowercase();
    BOUNCE_SUBJECTS.iter().any(|s| subject.contains(s))
}

/// What the words of a report say.
struct Verdict {
    severity: Severity,
    code: Code,
    /// The words that say it, when a code does not: "user unknown".
    words: Option<&'static str>,
}

fn plain_report(message: &Message<'_>, head: &Head) -> Found {
    let body = human_text(message);
    let report = report_part_of(&body);
    let mut found = match text_verdict(&report) {
        Some(v) => verdict_found(v, &report),
        None => Found::new(
            Kind::Unclear {
                why: "it looks like a report of undelivered mail, but its reason cannot be read"
                    .to_owned(),
            },
            format!("delivery report from {}", sender_label(head)),
        ),
    };
    if let Some(failed) = head.field("x-failed-recipients") {
        for r in failed.split(',') {
            add_recipient(&mut found.recipients, r);
        }
    }
    for r in listed_recipients(&report) {
        add_recipient(&mut found.recipients, &r);
    }
    found.original = returned_original(message, &body);
    found
}

fn verdict_found(v: Verdict, text: &str) -> Found {
    let status = v.code.status();
    let what = match (v.code.meaning(), v.words) {
        (Some(m), _) => m.to_owned(),
        (None, Some(w)) => w.to_owned(),
        (None, None) => String::new(),
    };
    let host = host_in_text(text);
    let mut summary = v.code.label();
    if !what.is_empty() {
        summary.push(' ');
        summary.push_str(&what);
    }
    if !host.is_empty() {
        summary.push_str(&format!(" ({host})"));
    }
    let kind = if v.severity == Severity::Hard {
        Kind::HardBounce { status }
    } else {
        Kind::SoftBounce { status }
    };
    Found::new(kind, summary)
}

/// Lines that start the copy of the original message in a plain-text report.
const COPY_MARKERS: [&str; 11] = [
    "this is a copy of the message",
    "below this line is a copy of the message",
    "original message headers",
    "----- original message -----",
    "original message follows",
    "unsent message follows",
    "returned message follows",
    "message headers follow",
    "header of the original message",
    "------ this is a copy of the message's headers",
    "mensaje original",
];

/// The report's own words, before the copy of the original it returns.
fn report_part_of(body: &str) -> String {
    let mut at = body.len();
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let l = line.trim().to_lowercase();
        let header_start = ["received:", "return-path:"]
            .iter()
            .any(|h| l.starts_with(h));
        if COPY_MARKERS.iter().any(|m| l.contains(m)) || header_start {
            at = offset;
            break;
        }
        offset += line.len();
    }
    let report = &body[..at];
    truncate(report, MAX_REPORT_TEXT).to_owned()
}

/// The status a report's words give: enhanced codes first, then SMTP codes,
/// then words. `None` when nothing says it.
fn text_verdict(text: &str) -> Option<Verdict> {
    let text = truncate(text, MAX_REPORT_TEXT);
    let words = fold(text);
    let quota = find_any(&words, QUOTA_WORDS);
    let hard = find_any(&words, HARD_WORDS);
    let retry = find_any(&words, RETRY_WORDS);
    let worst = |codes: &mut dyn Iterator<Item = Code>| -> Option<Code> {
        let mut best: Option<Code> = None;
        for c in codes.take(200) {
            if c.severity() == Severity::Delivered {
                continue;
            }
            if best.is_none_or(|b| c.severity() > b.severity()) {
                best = Some(c);
            }
        }
        best
    };
    if let Some(code) = worst(&mut enhanced_codes(text)) {
        return Some(Verdict {
            severity: code.severity(),
            code,
            words: hard.or(quota).or(retry),
        });
    }
    if let Some(code) = worst(&mut smtp_codes(text)) {
        let severity = if code.class == 5 && quota.is_some() {
            Severity::Soft
        } else {
            code.severity()
        };
        return Some(Verdict {
            severity,
            code,
            words: quota.or(hard).or(retry),
        });
    }
    let (severity, class, words) = if quota.is_some() {
        (Severity::Soft, 4, quota)
    } else if hard.is_some() {
        (Severity::Hard, 5, hard)
    } else if retry.is_some() {
        (Severity::Soft, 4, retry)
    } else {
        return None;
    };
    Some(Verdict {
        severity,
        code: Code {
            class,
            subject: 0,
            detail: 0,
            smtp: None,
        },
        words,
    })
}

/// Words that say the mailbox is full: a soft failure.
const QUOTA_WORDS: &[&str] = &[
    "over quota",
    "quota exceeded",
    "exceeded quota",
    "exceeds quota",
    "exceeded storage",
    "mailbox full",
    "mailbox is full",
    "mailbox has exceeded",
    "insufficient storage",
    "out of storage",
    "storage quota",
    "buzon lleno",
    "buzon esta lleno",
];

/// Words that say the address does not exist: a hard failure.
const HARD_WORDS: &[&str] = &[
    "user unknown",
    "unknown user",
    "does not exist",
    "doesnt exist",
    "no such user",
    "no such mailbox",
    "no such recipient",
    "no mailbox here",
    "address rejected",
    "recipient not found",
    "unknown recipient",
    "invalid recipient",
    "mailbox not found",
    "mailbox unavailable",
    "mailbox disabled",
    "account disabled",
    "account has been disabled",
    "address not found",
    "address couldnt be found",
    "unrouteable address",
    "no existe",
    "usuario desconocido",
];

/// Words that say the failure is temporary.
const RETRY_WORDS: &[&str] = &[
    "try again later",
    "temporarily",
    "temporary failure",
    "temporary error",
    "will retry",
    "will be retried",
    "still being retried",
    "delayed",
    "greylisted",
    "greylisting",
];

/// Enhanced status codes (`5.1.1`) in text, in order: a class of 2, 4 or 5,
/// a one-digit subject, a detail of one to three digits, not part of a
/// longer number (an IP address, a version).
fn enhanced_codes(text: &str) -> impl Iterator<Item = Code> + '_ {
    let b = text.as_bytes();
    (0..b.len()).filter_map(move |i| {
        if !matches!(b[i], b'2' | b'4' | b'5') {
            return None;
        }
        if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.') {
            return None;
        }
        if b.get(i + 1) != Some(&b'.') || b.get(i + 3) != Some(&b'.') {
            return None;
        }
        let subject = *b.get(i + 2)?;
        if !(b'0'..=b'7').contains(&subject) {
            return None;
        }
        let start = i + 4;
        let mut end = start;
        while end < b.len() && end - start < 4 && b[end].is_ascii_digit() {
            end += 1;
        }
        if end == start || end - start > 3 {
            return None;
        }
        let next = b.get(end).copied();
        if next.is_some_and(|c| c.is_ascii_alphanumeric())
            || (next == Some(b'.') && b.get(end + 1).is_some_and(u8::is_ascii_digit))
        {
            return None;
        }
        let detail: u16 = text.get(start..end)?.parse().ok()?;
        Some(Code {
            class: b[i] - b'0',
            subject: u16::from(subject - b'0'),
            detail,
            smtp: None,
        })
    })
}

/// SMTP reply codes of failure (`550`, `452`) in text, standing alone.
fn smtp_codes(text: &str) -> impl Iterator<Item = Code> + '_ {
    let b = text.as_bytes();
    (0..b.len()).filter_map(move |i| {
        if !matches!(b[i], b'4' | b'5') {
            return None;
        }
        if i > 0 && (b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'.' | b'-' | b'+')) {
            return None;
        }
        let second = *b.get(i + 1)?;
        let third = *b.get(i + 2)?;
        if !(b'0'..=b'5').contains(&second) || !third.is_ascii_digit() {
            return None;
        }
        let next = b.get(i + 3).copied();
        if next.is_some_and(|c| c.is_ascii_alphanumeric())
            || (next == Some(b'.') && b.get(i + 4).is_some_and(u8::is_ascii_digit))
        {
            return None;
        }
        let class = b[i] - b'0';
        let smtp = u16::from(class) * 100 + u16::from(second - b'0') * 10 + u16::from(third - b'0');
        Some(Code {
            class,
            subject: 0,
            detail: 0,
            smtp: Some(smtp),
        })
    })
}

/// The first `name[address]` in text, as Postfix writes a server: `mx.example.net`.
fn bracketed_host(text: &str) -> String {
    text.split_whitespace()
        .filter_map(|w| w.split_once('['))
        .map(|(name, _)| name.trim_start_matches(['(', '<']))
        .find(|name| {
            name.contains('.')
                && name.chars().any(|c| c.is_ascii_alphabetic())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
        .map(|name| name.trim_end_matches('.').to_ascii_lowercase())
        .unwrap_or_default()
}

/// `host mx.example.net[203.0.113.25] said:` → `mx.example.net`.
fn host_in_text(text: &str) -> String {
    let mut words = text.split_whitespace();
    while let Some(w) = words.next() {
        if w.eq_ignore_ascii_case("host") {
            if let Some(next) = words.next() {
                let host = host_of(next);
                if !host.is_empty() {
                    return host;
                }
            }
        }
    }
    String::new()
}

/// The addresses a plain-text report lists as failed: qmail's and Postfix's
/// `<ana@example.org>:` lines, and the indented lines after Exim's "The
/// following address(es) failed:".
fn listed_recipients(report: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut after_failed = false;
    for line in report.lines() {
        let t = line.trim();
        if t.to_ascii_lowercase().ends_with("failed:") {
            after_failed = true;
            continue;
        }
        if let Some(rest) = t.strip_prefix('<') {
            if let Some((address, tail)) = rest.split_once('>') {
                if address.contains('@') && tail.starts_with(':') {
                    out.push(address.to_owned());
                    continue;
                }
            }
        }
        if after_failed && line.starts_with([' ', '\t']) && t.contains('@') && !t.contains(' ') {
            out.push(t.to_owned());
        }
        if out.len() >= MAX_RECIPIENTS {
            break;
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The parts of a report

/// The report's human-readable words: its `text/plain` parts, or its HTML
/// parts as text when it has no plain one (a returned message's parts are
/// not among them: they are read apart, by [`returned_original`]).
fn human_text(message: &Message<'_>) -> String {
    let mut plain = String::new();
    let mut html = String::new();
    for part in message.parts.iter().take(MAX_PARTS) {
        let is_headers = part.is_content_type("text", "rfc822-headers");
        match &part.body {
            PartType::Text(text) if !is_headers && plain.len() < MAX_ORIGINAL => {
                push_capped(&mut plain, text, MAX_ORIGINAL);
                plain.push('\n');
            }
            PartType::Html(text) if html.len() < MAX_ORIGINAL => {
                push_capped(
                    &mut html,
                    &html_to_text(truncate(text, MAX_ORIGINAL)),
                    MAX_ORIGINAL,
                );
                html.push('\n');
            }
            _ => {}
        }
    }
    if plain.trim().is_empty() {
        html
    } else {
        plain
    }
}

/// The original message a report returns: the header block and text of each
/// returned `message/rfc822` part, each `text/rfc822-headers` part, then the
/// report's own words (`human`), which in a plain-text report hold the copy.
fn returned_original(message: &Message<'_>, human: &str) -> String {
    let mut out = String::new();
    let mut nested = 0;
    for part in message.parts.iter().take(MAX_PARTS) {
        if is_nested_message(part) && nested < MAX_NESTED {
            nested += 1;
            let (headers, text) = read_nested(part.contents());
            push_capped(&mut out, &headers, MAX_ORIGINAL);
            push_capped(&mut out, "\n", MAX_ORIGINAL);
            push_capped(&mut out, &text, MAX_ORIGINAL);
            push_capped(&mut out, "\n", MAX_ORIGINAL);
        } else if part.is_content_type("text", "rfc822-headers") {
            push_capped(&mut out, &part_text(part, MAX_ORIGINAL), MAX_ORIGINAL);
            push_capped(&mut out, "\n", MAX_ORIGINAL);
        }
    }
    push_capped(&mut out, human, MAX_ORIGINAL);
    out
}

/// A returned message, read one level deep: its header block as it was
/// written, and the text of its body.
fn read_nested(bytes: &[u8]) -> (String, String) {
    let bytes = &bytes[..bytes.len().min(MAX_MESSAGE_BYTES)];
    let defused = defuse(bytes);
    let Some(message) = MessageParser::default().parse(&defused[..]) else {
        return (String::new(), lossy(bytes, MAX_ORIGINAL));
    };
    let headers = message
        .parts
        .first()
        .and_then(|root| bytes.get(root.offset_header as usize..root.offset_body as usize))
        .map(|h| lossy(h, MAX_ORIGINAL))
        .unwrap_or_default();
    let mut text = String::new();
    for id in message.text_body.iter().take(MAX_PARTS) {
        let Some(part) = message.parts.get(*id as usize) else {
            continue;
        };
        match &part.body {
            PartType::Text(t) => push_capped(&mut text, t, MAX_ORIGINAL),
            PartType::Html(h) => push_capped(
                &mut text,
                &html_to_text(truncate(h, MAX_ORIGINAL)),
                MAX_ORIGINAL,
            ),
            _ => continue,
        }
        push_capped(&mut text, "\n", MAX_ORIGINAL);
    }
    (headers, text)
}

/// `message/rfc822` and `message/global` parts, as [`defuse`] renamed them.
fn is_nested_message(part: &MessagePart<'_>) -> bool {
    matches!(part.body, PartType::Message(_))
        || part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message")
                && ct.subtype().is_some_and(|s| {
                    DEFUSED
                        .iter()
                        .any(|(_, to)| s.as_bytes().eq_ignore_ascii_case(&to[..]))
                })
        })
}

/// A part's decoded text (or bytes read as UTF-8), at most `max` bytes.
fn part_text(part: &MessagePart<'_>, max: usize) -> String {
    match &part.body {
        PartType::Text(t) => truncate(t, max).to_owned(),
        PartType::Html(h) => html_to_text(truncate(h, max)),
        _ => lossy(part.contents(), max),
    }
}

/// Fields in `Name: value` groups separated by blank lines (RFC 3464 and
/// RFC 5965 bodies), folded lines joined: (name in lower case, value).
fn field_groups(text: &str) -> Vec<Vec<(String, String)>> {
    let mut groups: Vec<Vec<(String, String)>> = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                groups.push(std::mem::take(&mut current));
                if groups.len() > MAX_GROUPS {
                    break;
                }
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = current.last_mut() {
                if value.len() < MAX_HEADER_VALUE {
                    value.push(' ');
                    push_capped(value, line.trim(), MAX_HEADER_VALUE);
                }
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            if current.len() < 64 {
                current.push((
                    name.trim().to_ascii_lowercase(),
                    truncate(value.trim(), MAX_HEADER_VALUE).to_owned(),
                ));
            }
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
}

/// Adds an address as a report names it (`rfc822; <ana@example.org>`), once.
fn add_recipient(list: &mut Vec<String>, value: &str) {
    if list.len() >= MAX_RECIPIENTS {
        return;
    }
    let address = without_type(value);
    let address = address
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    if address.is_empty()
        || !address.contains('@')
        || address.len() > 254
        || address.contains(char::is_whitespace)
    {
        return;
    }
    if !list.iter().any(|a| a.eq_ignore_ascii_case(address)) {
        list.push(address.to_owned());
    }
}

fn sender_label(head: &Head) -> String {
    if head.from.is_empty() {
        "an unknown sender".to_owned()
    } else {
        head.from.clone()
    }
}

// ---------------------------------------------------------------------------
// Automatic replies

fn is_auto_reply(head: &Head) -> bool {
    for (name, value) in &head.fields {
        let value = value.trim().to_ascii_lowercase();
        let first = value.split([';', ' ', '(']).next().unwrap_or_default();
        match name.as_str() {
            "auto-submitted" if !first.is_empty() && first != "no" => return true,
            "x-autoreply" | "x-autorespond" | "x-autoresponder" | "x-autogenerated"
            | "x-mail-autoreply"
                if !matches!(first, "no" | "false" | "0") =>
            {
                return true
            }
            "precedence" if matches!(first, "auto_reply" | "auto-reply") => return true,
            _ => {}
        }
    }
    let subject = fold(&head.subject);
    AUTO_SUBJECTS.iter().any(|(start, colon)| {
        let start: Vec<&str> = start.split(' ').collect();
        subject.len() >= start.len()
            && subject.iter().zip(&start).all(|(a, b)| a == b)
            && (!colon || subject.get(start.len()).is_some_and(|w| w == "|"))
    })
}

/// How automatic replies' subjects begin (folded: lower case, no accents),
/// and whether a colon must follow ("Vacation: …", not "Vacation plans?").
const AUTO_SUBJECTS: [(&str, bool); 22] = [
    ("out of office", false),
    ("out of the office", false),
    ("automatic reply", false),
    ("auto reply", false),
    ("autoreply", false),
    ("auto response", false),
    ("autoresponse", false),
    ("automatic response", false),
    ("auto", true),
    ("vacation", true),
    ("on vacation", true),
    ("away from the office", false),
    ("respuesta automatica", false),
    ("fuera de la oficina", false),
    ("fuera de oficina", false),
    ("ausente", true),
    ("ausencia", true),
    ("de vacaciones", true),
    ("reponse automatique", false),
    ("automatische antwort", false),
    ("abwesenheitsnotiz", false),
    ("resposta automatica", false),
];

// ---------------------------------------------------------------------------
// Replies

fn reply(message: &Message<'_>, head: &Head) -> Found {
    let text = written_text(message);
    let own = own_lines(&text);
    let first: Vec<&str> = own.iter().take(FIRST_LINES).copied().collect();
    let rest: Vec<&str> = own.iter().skip(FIRST_LINES).copied().collect();
    // The sender's own address, written out, is "me": "remove ana@… from the list".
    let first_words = fold(&as_me(&first.join("\n"), &head.from));
    let quote = |hit: &[String]| quote_line(&first, hit);

    let unclear = |why: String, line: String| {
        Found::new(
            Kind::Unclear { why },
            if line.is_empty() {
                format!("reply “{}”", one_line(&head.subject, MAX_QUOTE_CHARS))
            } else {
                format!("reply “{line}”")
            },
        )
    };

    // Only the sender can be acted on: a request that names someone else
    // (another address, "my friend") is for the coordinator.
    let others = other_addresses(&first, &head.from);
    let about_others = |sentence: &[String]| -> Option<String> {
        if !others.is_empty() {
            return Some(format!(
                "it asks for a removal but names another address ({}): only the sender can be acted on",
                one_line(&others.join(", "), MAX_QUOTE_CHARS)
            ));
        }
        third_party(sentence)
            .map(|who| format!("it asks to remove someone else (“{who}”), not the sender"))
    };

    if let Some(hit) = self_removal(&first_words) {
        let line = quote(&first_words[hit.start..hit.end]);
        if let Some(why) = about_others(sentence_at(&first_words, hit.start)) {
            return unclear(why, line);
        }
        if find_any(&first_words, STAY_WORDS).is_some() {
            return unclear(
                "it mentions leaving, but also staying, or a mistake".to_owned(),
                line,
            );
        }
        if negated(&first_words, hit.start) {
            return unclear(
                "it mentions leaving, but with a “not”: it may ask to stay".to_owned(),
                line,
            );
        }
        if let Some(object) = removal_object(&first_words, &hit) {
            return unclear(
                format!("it asks to be removed from “{object}”, which may not be the mailing list"),
                line,
            );
        }
        return Found::new(
            Kind::Unsubscribe {
                to_unsubscribe_address: false,
            },
            format!("asks to be removed: “{line}”"),
        );
    }
    if let Some(sentence) = removal_sentence(&first_words) {
        if let Some(why) = about_others(sentence) {
            return unclear(why, quote(sentence));
        }
    }

    let own_words = fold(&own.join("\n"));
    if let Some(at) = find_any_at(&own_words, FEWER_WORDS) {
        return unclear(
            "it asks for fewer emails, not to leave".to_owned(),
            quote_line(&own, &own_words[at..]),
        );
    }
    // What follows the first lines is read for a mention of leaving only
    // as far as a person writes (the first 16 KiB), not through every
    // quoted message below.
    let rest_text = rest.join("\n");
    let mut cut = rest_text.len().min(16 * 1024);
    while !rest_text.is_char_boundary(cut) {
        cut -= 1;
    }
    let rest_words = fold(&rest_text[..cut]);
    if let Some(hit) = self_removal(&rest_words) {
        return unclear(
            "it mentions leaving, but not in its first lines".to_owned(),
            quote_line(&rest, &rest_words[hit.start..hit.end]),
        );
    }

    if subject_asks_to_leave(&head.subject) {
        return Found::new(
            Kind::Unsubscribe {
                to_unsubscribe_address: false,
            },
            format!(
                "asks to be removed: subject “{}”",
                one_line(&head.subject, MAX_QUOTE_CHARS)
            ),
        );
    }
    Found::new(
        Kind::Other,
        if head.subject.is_empty() {
            "ordinary mail".to_owned()
        } else {
            format!(
                "ordinary mail: “{}”",
                one_line(&head.subject, MAX_QUOTE_CHARS)
            )
        },
    )
}

/// The text of the message's body: its text/plain part, or its HTML part as
/// text when it has no plain one.
fn written_text(message: &Message<'_>) -> String {
    let bodies = || {
        message
            .text_body
            .iter()
            .chain(message.html_body.iter())
            .take(MAX_PARTS)
            .filter_map(|id| message.parts.get(*id as usize))
    };
    if let Some(text) = bodies().find_map(|p| match &p.body {
        PartType::Text(t) => Some(t),
        _ => None,
    }) {
        return truncate(text, MAX_REPLY_TEXT).to_owned();
    }
    if let Some(html) = bodies().find_map(|p| match &p.body {
        PartType::Html(h) => Some(h),
        _ => None,
    }) {
        return html_to_text(truncate(html, MAX_REPLY_TEXT));
    }
    String::new()
}

/// The lines the person wrote: everything before the quoted message (`>`
/// lines, "On … wrote:", "El … escribió:", Outlook's "From:" block, a
/// forwarded or original message's marker) or the signature ("-- "); blank
/// lines dropped, each trimmed.
fn own_lines(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for line in text.lines().take(MAX_REPLY_LINES) {
        let t = line.trim();
        if t.starts_with('>') || line == "-- " || t == "--" {
            break;
        }
        if attribution(t) {
            // "On Tue, Dec 1, 2026 at 5:00 AM Boston <…>" wrapped before "wrote:".
            if let Some(last) = out.last() {
                let l = last.to_lowercase();
                if ["on ", "el ", "le ", "am ", "em ", "il "]
                    .iter()
                    .any(|p| l.starts_with(p))
                {
                    out.pop();
                }
            }
            break;
        }
        if quoted_message_starts(t) {
            break;
        }
        if !t.is_empty() {
            out.push(t);
        }
    }
    out
}

/// "On … wrote:" and its kin, ending the line.
fn attribution(line: &str) -> bool {
    let l = line.to_lowercase();
    [
        "wrote:",
        "escribió:",
        "escribio:",
        "a écrit :",
        "a écrit:",
        "schrieb:",
        "escreveu:",
        "ha scritto:",
    ]
    .iter()
    .any(|w| l.ends_with(w))
}

/// `text` with every writing of `address` (in any case) replaced by "me".
fn as_me(text: &str, address: &str) -> String {
    if address.is_empty() || !address.is_ascii() {
        return text.to_owned();
    }
    let lower = text.to_ascii_lowercase();
    let address = address.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = lower[at..].find(&address) {
        out.push_str(&text[at..at + found]);
        out.push_str(" me ");
        at += found + address.len();
    }
    out.push_str(&text[at..]);
    out
}

/// Lines that begin a quoted or forwarded message, or end what was written.
fn quoted_message_starts(line: &str) -> bool {
    let l = line.to_lowercase();
    if l.len() >= 8 && l.chars().all(|c| c == '_' || c == '-' || c == '=') {
        return true;
    }
    let markers = [
        "-----original message-----",
        "----- original message -----",
        "-----mensaje original-----",
        "----- mensaje original -----",
        "---------- forwarded message",
        "---------- mensaje reenviado",
        "begin forwarded message",
        "inicio del mensaje reenviado",
        "sent from my ",
        "enviado desde mi ",
        "get outlook for ",
        "obtener outlook para ",
    ];
    if markers.iter().any(|m| l.starts_with(m)) {
        return true;
    }
    // Outlook's header block of the message replied to.
    ["from:", "de:", "von:"]
        .iter()
        .any(|h| l.starts_with(h) && l.contains('@'))
}

/// Addresses in the first lines that are not the sender's.
fn other_addresses(lines: &[&str], from: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in lines {
        let (found, _) = crate::email::addresses_in(line);
        for (email, key) in found {
            if !key.eq_ignore_ascii_case(from) && !out.contains(&email) {
                out.push(email);
            }
        }
    }
    out
}

/// A phrase found in folded words: `words[start..end]`.
struct Hit {
    start: usize,
    end: usize,
    /// The phrase takes what follows as what to be removed from
    /// ("remove me" + "from …", "take me off" + "…").
    takes_object: bool,
}

/// Phrases that ask to be removed, folded (lower case, no accents, no
/// apostrophes). Those marked `true` may name what from, which is then checked.
const SELF_REMOVAL: &[(&str, bool)] = &[
    ("unsubscribe", true),
    ("unsubscribe me", true),
    ("unsuscribe", true),
    ("unsubcribe", true),
    ("unsubscibe", true),
    ("remove me", true),
    ("remove us", true),
    ("be removed", true),
    ("remove my email", true),
    ("remove my e mail", true),
    ("remove my address", true),
    ("remove my email address", true),
    ("remove my name", true),
    ("delete my email", true),
    ("delete me", true),
    ("take me off", true),
    ("take us off", true),
    ("take my name off", true),
    ("be taken off", true),
    ("opt out", true),
    ("opt me out", true),
    ("stop sending", false),
    ("stop emailing", false),
    ("stop mailing", false),
    ("stop e mailing", false),
    ("no more emails", false),
    ("no more email", false),
    ("no more e mails", false),
    ("cancel my subscription", false),
    ("dont email me", false),
    ("do not email me", false),
    ("dont send me", false),
    ("do not send me", false),
    ("dont want to receive", false),
    ("do not want to receive", false),
    ("no longer wish to receive", false),
    ("no longer want to receive", false),
    ("darme de baja", true),
    ("dar de baja", true),
    ("denme de baja", true),
    ("deme de baja", true),
    ("dame de baja", true),
    ("den de baja", true),
    ("doy de baja", true),
    ("darnos de baja", true),
    ("solicito la baja", true),
    ("pido la baja", true),
    ("quiero la baja", true),
    ("quitenme", true),
    ("quiteme", true),
    ("quitarme", true),
    ("sacarme", true),
    ("saquenme", true),
    ("saqueme", true),
    ("borrenme", true),
    ("borreme", true),
    ("borrarme", true),
    ("eliminenme", true),
    ("elimineme", true),
    ("eliminarme", true),
    ("desuscribir", true),
    ("desuscribirme", true),
    ("desuscribanme", true),
    ("desinscribirme", true),
    ("borrar mi correo", true),
    ("borren mi correo", true),
    ("eliminar mi correo", true),
    ("eliminen mi correo", true),
    ("quiten mi correo", true),
    ("borrar mi direccion", true),
    ("eliminar mi direccion", true),
    ("cancelar mi suscripcion", false),
    ("cancelar la suscripcion", false),
    ("anular mi suscripcion", false),
    ("no quiero recibir", false),
    ("no quiero seguir recibiendo", false),
    ("no quiero mas correos", false),
    ("no deseo recibir", false),
    ("no me envien", false),
    ("no me manden", false),
    ("no me envie", false),
    ("no me mande", false),
    ("dejen de enviarme", false),
    ("dejen de mandarme", false),
    ("no mas correos", false),
];

/// A whole message that is one of these words, with or without please and
/// thanks, asks to leave: "STOP", "Baja, gracias", "Remove please".
const SHORT_REQUESTS: [&str; 9] = [
    "remove",
    "stop",
    "baja",
    "unsubscribe",
    "unsub",
    "quitar",
    "borrar",
    "eliminar",
    "optout",
];
const POLITE: [&str; 11] = [
    "please", "pls", "plz", "thanks", "thank", "you", "gracias", "por", "favor", "ok", "now",
];

/// The first phrase asking to be removed: one of [`SELF_REMOVAL`], or a
/// first line (sentence) that is just one of [`SHORT_REQUESTS`] ("STOP",
/// "Baja, gracias") — a name signed below it does not matter.
fn self_removal(words: &[String]) -> Option<Hit> {
    let first_line = words
        .split(|w| w == "|")
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    let content: Vec<&str> = first_line
        .iter()
        .map(String::as_str)
        .filter(|w| !POLITE.contains(w))
        .collect();
    if content.len() == 1 && SHORT_REQUESTS.contains(&content[0]) {
        let start = words.iter().position(|w| w == content[0])?;
        return Some(Hit {
            start,
            end: start + 1,
            takes_object: false,
        });
    }
    let mut best: Option<Hit> = None;
    let present = present(words);
    for (phrase, takes_object) in SELF_REMOVAL {
        if !could_match(&present, phrase) {
            continue;
        }
        if let Some(start) = find_phrase(words, phrase) {
            let end = start + phrase.split(' ').count();
            // The earliest, and of those the longest.
            if best
                .as_ref()
                .is_none_or(|b| start < b.start || (start == b.start && end > b.end))
            {
                best = Some(Hit {
                    start,
                    end,
                    takes_object: *takes_object,
                });
            }
        }
    }
    best
}

/// Words that ask to stay, or say leaving was a mistake: "I clicked
/// unsubscribe by accident, please keep me on".
const STAY_WORDS: &[&str] = &[
    "keep me",
    "stay on",
    "stay subscribed",
    "still want",
    "by mistake",
    "by accident",
    "accidentally",
    "resubscribe",
    "re subscribe",
    "subscribe me again",
    "add me back",
    "sign me back",
    "put me back",
    "mantenerme",
    "por error",
    "por equivocacion",
    "sin querer",
    "sigan enviando",
    "sigan mandando",
    "quiero seguir en",
];

/// Words before a phrase, in its sentence, that turn it around: "don't remove me".
fn negated(words: &[String], start: usize) -> bool {
    const NOT: [&str; 12] = [
        "not", "dont", "didnt", "doesnt", "never", "no", "nunca", "wont", "cant", "shouldnt",
        "wouldnt", "nor",
    ];
    words[..start]
        .iter()
        .rev()
        .take(3)
        .take_while(|w| *w != "|")
        .any(|w| NOT.contains(&w.as_str()))
}

/// Words that say what from, when a removal names something that is not the
/// list or its emails: `Some("the rsvp")`. `None` when it names nothing, or
/// the list ("from this list", "de esta lista", "from your emails").
fn removal_object(words: &[String], hit: &Hit) -> Option<String> {
    if !hit.takes_object {
        return None;
    }
    const PREPOSITIONS: [&str; 6] = ["from", "off", "of", "de", "del", "desde"];
    const BEFORE: [&str; 8] = [
        "me",
        "us",
        "please",
        "pls",
        "kindly",
        "now",
        "immediately",
        "asap",
    ];
    const FILLER: [&str; 28] = [
        "the", "this", "that", "these", "those", "your", "our", "my", "all", "any", "every",
        "future", "further", "la", "el", "los", "las", "esta", "este", "estas", "estos", "su",
        "sus", "tu", "tus", "todas", "todos", "a",
    ];
    const LIST: [&str; 42] = [
        "list",
        "lists",
        "listserv",
        "mailing",
        "mailings",
        "email",
        "emails",
        "e",
        "mail",
        "mails",
        "newsletter",
        "newsletters",
        "updates",
        "announcements",
        "announcement",
        "distribution",
        "communications",
        "messages",
        "subscription",
        "subscriptions",
        "contacts",
        "contact",
        "database",
        "records",
        "everything",
        "it",
        "them",
        "lista",
        "listas",
        "correo",
        "correos",
        "envios",
        "boletin",
        "boletines",
        "comunicaciones",
        "mensajes",
        "noticias",
        "suscripcion",
        "todo",
        "base",
        "datos",
        "difusion",
    ];
    let after: Vec<&str> = words[hit.end..]
        .iter()
        .map(String::as_str)
        .take_while(|w| *w != "|")
        .collect();
    let object: &[&str] = if words[hit.end - 1] == "off" {
        &after
    } else {
        let skip = after.iter().take_while(|w| BEFORE.contains(w)).count();
        match after.get(skip) {
            Some(w) if PREPOSITIONS.contains(w) => &after[skip + 1..],
            _ => return None,
        }
    };
    let object: Vec<&str> = object
        .iter()
        .copied()
        .take_while(|w| !POLITE.contains(w))
        .take(6)
        .collect();
    let named: Vec<&str> = object
        .iter()
        .copied()
        .filter(|w| !FILLER.contains(w))
        .collect();
    if named.iter().all(|w| LIST.contains(w)) {
        None
    } else {
        Some(object.join(" "))
    }
}

/// Removal words, in a sentence that may be about someone else.
const REMOVAL_VERBS: [&str; 20] = [
    "remove",
    "unsubscribe",
    "unsuscribe",
    "delete",
    "baja",
    "quitar",
    "quiten",
    "quite",
    "quita",
    "sacar",
    "saquen",
    "saca",
    "borrar",
    "borren",
    "borra",
    "eliminar",
    "eliminen",
    "elimina",
    "desuscribir",
    "desuscriban",
];

/// The sentence of `words` around position `at`.
fn sentence_at(words: &[String], at: usize) -> &[String] {
    let start = words[..at]
        .iter()
        .rposition(|w| w == "|")
        .map_or(0, |i| i + 1);
    let end = words[at..]
        .iter()
        .position(|w| w == "|")
        .map_or(words.len(), |i| at + i);
    &words[start..end]
}

/// The first sentence that asks for a removal ("remove", "take … off",
/// "dar de baja", …), of anyone.
fn removal_sentence(words: &[String]) -> Option<&[String]> {
    words.split(|w| w == "|").find(|sentence| {
        sentence.iter().any(|w| REMOVAL_VERBS.contains(&w.as_str()))
            || (sentence.iter().any(|w| w == "take") && sentence.iter().any(|w| w == "off"))
            || find_phrase(sentence, "opt out").is_some()
    })
}

/// Someone else named where a removal is asked: "my friend", "mi esposa".
fn third_party(sentence: &[String]) -> Option<String> {
    const OTHERS: [&str; 42] = [
        "my friend",
        "my wife",
        "my husband",
        "my partner",
        "my mom",
        "my mother",
        "my dad",
        "my father",
        "my son",
        "my daughter",
        "my sister",
        "my brother",
        "my colleague",
        "my coworker",
        "my roommate",
        "my neighbor",
        "my boss",
        "my family",
        "him",
        "her",
        "mi amigo",
        "mi amiga",
        "mi esposo",
        "mi esposa",
        "mi marido",
        "mi mujer",
        "mi pareja",
        "mi mama",
        "mi papa",
        "mi madre",
        "mi padre",
        "mi hijo",
        "mi hija",
        "mi hermano",
        "mi hermana",
        "mi companero",
        "mi companera",
        "mi vecino",
        "mi vecina",
        "a el",
        "a ella",
        "mi familia",
    ];
    OTHERS
        .iter()
        .find(|o| find_phrase(sentence, o).is_some())
        .map(|o| (*o).to_owned())
}

/// Asking for less mail, which is not asking to leave.
const FEWER_WORDS: &[&str] = &[
    "fewer emails",
    "fewer email",
    "fewer e mails",
    "fewer messages",
    "less email",
    "less emails",
    "less mail",
    "too many emails",
    "too much email",
    "so many emails",
    "less often",
    "less frequent",
    "less frequently",
    "menos correos",
    "menos emails",
    "menos mensajes",
    "demasiados correos",
    "tantos correos",
    "menos frecuencia",
];

/// A subject that is just a request to leave (after "Re:" and the like).
fn subject_asks_to_leave(subject: &str) -> bool {
    const PREFIXES: [&str; 8] = ["re", "fw", "fwd", "aw", "rv", "tr", "sv", "res"];
    let words = fold(subject);
    let mut rest: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| *w != "|")
        .collect();
    while rest.first().is_some_and(|w| PREFIXES.contains(w)) {
        rest.remove(0);
    }
    let rest: Vec<&str> = rest.into_iter().filter(|w| !POLITE.contains(w)).collect();
    let text = rest.join(" ");
    [
        "unsubscribe",
        "unsubscribe me",
        "remove",
        "remove me",
        "stop",
        "opt out",
        "baja",
        "darme de baja",
        "dar de baja",
        "de baja",
        "cancelar suscripcion",
        "desuscribir",
        "desuscribirme",
    ]
    .contains(&text.as_str())
}

/// The line of `lines` where a phrase (its folded words) begins, shortened.
fn quote_line(lines: &[&str], phrase: &[String]) -> String {
    let wanted: Vec<&str> = phrase
        .iter()
        .map(String::as_str)
        .filter(|w| *w != "|")
        .collect();
    let line = lines
        .iter()
        .find(|l| {
            let words = fold(l);
            wanted.first().is_some_and(|w| words.iter().any(|x| x == w))
        })
        .or(lines.first())
        .copied()
        .unwrap_or_default();
    one_line(line, MAX_QUOTE_CHARS)
}

// ---------------------------------------------------------------------------
// Words

/// Text as words to match phrases against: lower case, without accents or
/// apostrophes ("Quítenme" → "quitenme", "don't" → "dont"), other
/// punctuation splitting words, and `|` standing for the end of a sentence
/// or line.
fn fold(text: &str) -> Vec<String> {
    fn end(word: &mut String, words: &mut Vec<String>, sentence: bool) {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
        if sentence && words.last().is_some_and(|w| w != "|") {
            words.push("|".to_owned());
        }
    }
    let chars: Vec<char> = text
        .nfd()
        .filter(|c| !is_combining_mark(*c) && !matches!(c, '\'' | '’' | '‘' | '`' | '´'))
        .collect();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if matches!(c, '.' | ',' | ':' | ';') {
            // A sentence ends at a stop followed by a space, not inside
            // "ana@example.net", "5.1.1" or "10:30".
            let next = chars.get(i + 1);
            let ends = next.is_none_or(|n| !n.is_alphanumeric());
            end(&mut word, &mut words, ends);
        } else if matches!(
            c,
            '!' | '?' | '(' | ')' | '¿' | '¡' | '\n' | '"' | '“' | '”'
        ) {
            end(&mut word, &mut words, true);
        } else {
            end(&mut word, &mut words, false);
        }
    }
    end(&mut word, &mut words, false);
    words
}

/// Where the words of `phrase` (space-separated) first stand in `words`.
fn find_phrase(words: &[String], phrase: &str) -> Option<usize> {
    let first = phrase.split(' ').next()?;
    let n = phrase.split(' ').count();
    if words.len() < n {
        return None;
    }
    // Only where the first word stands is the rest compared (no allocation).
    (0..=words.len() - n).find(|&i| {
        words[i] == first
            && words[i + 1..i + n]
                .iter()
                .zip(phrase.split(' ').skip(1))
                .all(|(a, b)| a == b)
    })
}

/// The words of a text, for a quick "could this phrase be there?".
fn present(words: &[String]) -> std::collections::HashSet<&str> {
    words.iter().map(String::as_str).collect()
}

/// Whether every word of `phrase` is among `present`: only then is it looked for in order.
fn could_match(present: &std::collections::HashSet<&str>, phrase: &str) -> bool {
    phrase.split(' ').all(|w| present.contains(w))
}

fn find_any(words: &[String], phrases: &[&'static str]) -> Option<&'static str> {
    let present = present(words);
    phrases
        .iter()
        .filter(|p| could_match(&present, p))
        .find(|p| find_phrase(words, p).is_some())
        .copied()
}

fn find_any_at(words: &[String], phrases: &[&str]) -> Option<usize> {
    let present = present(words);
    phrases
        .iter()
        .filter(|p| could_match(&present, p))
        .filter_map(|p| find_phrase(words, p))
        .min()
}

// ---------------------------------------------------------------------------
// Bytes and text

/// The subtypes mail-parser would read as nested messages, and the names of
/// the same length they are given before it reads them.
const DEFUSED: [(&[u8; 6], &[u8; 6]); 3] = [
    (b"rfc822", b"x~c822"),
    (b"global", b"x~obal"),
    (b"digest", b"x~gest"),
];

/// mail-parser reads a `message/rfc822` (or `message/global`) part as a
/// nested message, and one sent base64- or QP-encoded is decoded, read
/// again and copied, recursively: a few thousand levels of nesting inside
/// an encoded part overflow the stack, which nothing can catch. So before it
/// reads a message, every `rfc822`, `global` and `digest` that it could take
/// as a Content-Type's subtype (after a `/`, or after a comment's `)`) is
/// renamed to a subtype of the same length that it reads as an opaque part
/// (`multipart/digest`'s parts default to messages); this module reads such
/// parts itself, one level deep ([`read_nested`]). Offsets into the result
/// are offsets into `raw`. Words followed by a letter, digit or `-`
/// (`text/rfc822-headers`, `message/global-delivery-status`) are left alone:
/// mail-parser would not take them as these subtypes.
fn defuse(raw: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i + 6 <= raw.len() {
        let word = &raw[i..i + 6];
        let Some((_, to)) = DEFUSED
            .iter()
            .find(|(from, _)| word.eq_ignore_ascii_case(&from[..]))
        else {
            i += 1;
            continue;
        };
        let after_slash = raw[..i]
            .iter()
            .rev()
            .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'"' | b'\\'))
            .is_some_and(|b| matches!(b, b'/' | b')'));
        let continues = raw
            .get(i + 6)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-');
        if after_slash && !continues {
            out.get_or_insert_with(|| raw.to_vec())[i..i + 6].copy_from_slice(&to[..]);
        }
        i += 6;
    }
    out.map_or(Cow::Borrowed(raw), Cow::Owned)
}

fn root_headers<'a, 'x>(message: &'a Message<'x>) -> &'a [Header<'x>] {
    message.parts.first().map_or(&[], |p| p.headers.as_slice())
}

/// A header's value as written in `raw`, unfolded and trimmed, at most 8 KiB.
fn raw_value(raw: &[u8], header: &Header<'_>) -> String {
    let start = header.offset_start as usize;
    let end = (header.offset_end as usize).min(start.saturating_add(MAX_HEADER_VALUE));
    let bytes = raw.get(start..end).unwrap_or_default();
    String::from_utf8_lossy(bytes)
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Bytes as text (invalid UTF-8 replaced), at most `max` bytes of them.
fn lossy(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(max)]);
    truncate(&text, max).to_owned()
}

/// At most `max` bytes of `text`, cut at a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Appends as much of `text` as fits in `max` bytes.
fn push_capped(out: &mut String, text: &str, max: usize) {
    let room = max.saturating_sub(out.len());
    out.push_str(truncate(text, room));
}

/// Text on one line (runs of white space and control characters become one
/// space), trimmed, at most `max` characters ("…" marks a cut).
fn one_line(text: &str, max: usize) -> String {
    let mut chars: Vec<char> = Vec::new();
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            space = !chars.is_empty();
            continue;
        }
        if space {
            chars.push(' ');
            space = false;
        }
        chars.push(c);
        if chars.len() > max {
            break;
        }
    }
    if chars.len() > max {
        chars.truncate(max.saturating_sub(1));
        while chars.last() == Some(&' ') {
            chars.pop();
        }
        chars.push('…');
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    const BOUNCE: &str = "boston+bounce-l1-s2-0123456789abcdef@handbill.test";
    const UNSUB: &str = "boston+unsubscribe-l1-s2-fedcba9876543210@handbill.test";
    const RCPT: &str = "dana.whitfield@example.net";
    const BRANCH: &str = "boston@handbill.test";
    const MSGID: &str = "a7.s2.0a1b2c3d4e5f.k9@handbill.test";

    fn fill(text: &str) -> String {
        text.replace("%%BOUNCE%%", BOUNCE)
            .replace("%%UNSUB%%", UNSUB)
            .replace("%%RCPT%%", RCPT)
            .replace("%%BRANCH%%", BRANCH)
            .replace("%%MSGID%%", MSGID)
    }

    macro_rules! fixture {
        ($name:literal) => {
            fill(include_str!(concat!(
                "../../../tests/fixtures/mailbox/",
                $name
            )))
        };
    }

    fn fixtures() -> Vec<(&'static str, String)> {
        vec![
            ("postfix-5.1.1.eml", fixture!("postfix-5.1.1.eml")),
            (
                "postfix-delayed-4.4.1.eml",
                fixture!("postfix-delayed-4.4.1.eml"),
            ),
            ("exim-5.x.eml", fixture!("exim-5.x.eml")),
            ("microsoft-5.1.10.eml", fixture!("microsoft-5.1.10.eml")),
            ("gmail-5.1.1.eml", fixture!("gmail-5.1.1.eml")),
            (
                "rfc822-headers-5.2.1.eml",
                fixture!("rfc822-headers-5.2.1.eml"),
            ),
            ("qmail-plain.eml", fixture!("qmail-plain.eml")),
            ("mailbox-full-4.2.2.eml", fixture!("mailbox-full-4.2.2.eml")),
            ("arf-complaint.eml", fixture!("arf-complaint.eml")),
            ("unsubscribe-en.eml", fixture!("unsubscribe-en.eml")),
            ("unsubscribe-es.eml", fixture!("unsubscribe-es.eml")),
            (
                "to-unsubscribe-address.eml",
                fixture!("to-unsubscribe-address.eml"),
            ),
            (
                "reply-quoting-others.eml",
                fixture!("reply-quoting-others.eml"),
            ),
            ("vacation.eml", fixture!("vacation.eml")),
            ("vacation-es.eml", fixture!("vacation-es.eml")),
            ("unclear.eml", fixture!("unclear.eml")),
            ("ordinary.eml", fixture!("ordinary.eml")),
        ]
    }

    fn read_str(text: &str) -> Reading {
        read(text.as_bytes())
    }

    fn hard(status: &str) -> Kind {
        Kind::HardBounce {
            status: status.to_owned(),
        }
    }

    fn soft(status: &str) -> Kind {
        Kind::SoftBounce {
            status: status.to_owned(),
        }
    }

    const BY_ADDRESS: Kind = Kind::Unsubscribe {
        to_unsubscribe_address: true,
    };
    const BY_REPLY: Kind = Kind::Unsubscribe {
        to_unsubscribe_address: false,
    };

    fn is_unclear(kind: &Kind) -> bool {
        matches!(kind, Kind::Unclear { .. })
    }

    /// The original's List-Unsubscribe, as Handbill writes it, is in `original`.
    fn names_the_original(r: &Reading) {
        assert!(
            r.original.contains(UNSUB),
            "no unsubscribe address in {:?}",
            r.original
        );
        assert!(
            r.original.contains(MSGID),
            "no Message-ID in {:?}",
            r.original
        );
        assert!(r.original.contains("List-Unsubscribe"), "{:?}", r.original);
    }

    // -- Fixtures ------------------------------------------------------------

    #[test]
    fn postfix_report_is_a_hard_bounce_with_its_original() {
        let r = read_str(&fixture!("postfix-5.1.1.eml"));
        assert_eq!(r.kind, hard("5.1.1"));
        assert_eq!(r.summary, "5.1.1 user unknown (mx.example.net)");
        assert_eq!(r.recipients, vec![RCPT.to_owned()]);
        assert!(r.delivered_to.contains(BOUNCE));
        names_the_original(&r);
        assert!(
            r.original.contains("Recipient address rejected"),
            "the report's words too"
        );
        assert_eq!(r.from, "MAILER-DAEMON@mail.handbill.test");
        assert_eq!(r.subject, "Undelivered Mail Returned to Sender");
        assert_eq!(r.date.as_deref(), Some("2026-12-01T10:00:04Z"));
        assert_eq!(
            r.message_id,
            "20261201100004.4Rk2Lx0F1Yz9vC@mail.handbill.test"
        );
    }

    #[test]
    fn postfix_delay_report_is_soft() {
        let r = read_str(&fixture!("postfix-delayed-4.4.1.eml"));
        assert_eq!(r.kind, soft("4.4.1"));
        assert_eq!(
            r.summary,
            "4.4.1 delayed: no answer from host (mx.example.net)"
        );
        assert!(r.delivered_to.contains(BOUNCE));
        names_the_original(&r);
    }

    #[test]
    fn exim_plain_report_is_read_from_its_words_and_copy() {
        let r = read_str(&fixture!("exim-5.x.eml"));
        assert_eq!(r.kind, hard("5.1.1"));
        assert_eq!(r.summary, "5.1.1 user unknown (mx.example.net)");
        assert_eq!(r.recipients, vec![RCPT.to_owned()]);
        // Sent to the branch's own address, not a per-recipient one: only the
        // quoted List-Unsubscribe ties it to someone.
        assert!(r.delivered_to.contains(BRANCH));
        assert!(!r.delivered_to.contains(BOUNCE));
        names_the_original(&r);
    }

    #[test]
    fn microsoft_report_with_an_html_notice() {
        let r = read_str(&fixture!("microsoft-5.1.10.eml"));
        assert_eq!(r.kind, hard("5.1.10"));
        assert_eq!(
            r.summary,
            "5.1.10 recipient not found (am8p189mb1234.eurp189.prod.outlook.com)"
        );
        assert_eq!(r.recipients, vec![RCPT.to_owned()]);
        assert!(r.delivered_to.contains(BOUNCE));
        names_the_original(&r);
        assert!(
            r.original.contains("couldn't be delivered"),
            "the HTML notice, as text"
        );
        assert!(!r.original.contains("<p"), "{}", r.original);
    }

    #[test]
    fn gmail_report() {
        let r = read_str(&fixture!("gmail-5.1.1.eml"));
        assert_eq!(r.kind, hard("5.1.1"));
        assert_eq!(r.summary, "5.1.1 user unknown (mx.example.com)");
        assert_eq!(
            r.recipients,
            vec![RCPT.to_owned()],
            "Final-Recipient and X-Failed-Recipients, once"
        );
        assert!(r.delivered_to.contains(BOUNCE));
        names_the_original(&r);
        assert_eq!(r.date.as_deref(), Some("2026-12-01T10:00:08Z"));
    }

    #[test]
    fn sendmail_report_with_rfc822_headers() {
        let r = read_str(&fixture!("rfc822-headers-5.2.1.eml"));
        assert_eq!(r.kind, hard("5.2.1"));
        assert_eq!(r.summary, "5.2.1 mailbox disabled (mx2.example.org)");
        assert!(r.delivered_to.contains(BOUNCE));
        names_the_original(&r);
    }

    #[test]
    fn qmail_plain_report() {
        let r = read_str(&fixture!("qmail-plain.eml"));
        assert_eq!(r.kind, hard("5.1.1"));
        assert_eq!(r.summary, "5.1.1 user unknown");
        assert_eq!(r.recipients, vec![RCPT.to_owned()]);
        assert!(r.delivered_to.contains(BOUNCE));
        names_the_original(&r);
    }

    #[test]
    fn full_mailbox_is_soft() {
        let r = read_str(&fixture!("mailbox-full-4.2.2.eml"));
        assert_eq!(r.kind, soft("4.2.2"));
        assert_eq!(r.summary, "4.2.2 mailbox full (mx.example.org)");
        names_the_original(&r);
    }

    #[test]
    fn arf_complaint() {
        let r = read_str(&fixture!("arf-complaint.eml"));
        assert_eq!(
            r.kind,
            Kind::Complaint {
                feedback_type: "abuse".to_owned()
            }
        );
        assert_eq!(r.summary, "spam complaint (abuse) via Yahoo");
        assert_eq!(r.recipients, vec![RCPT.to_owned()]);
        assert!(r.delivered_to.contains(BRANCH));
        names_the_original(&r);
    }

    #[test]
    fn english_reply_asking_to_leave() {
        let r = read_str(&fixture!("unsubscribe-en.eml"));
        assert_eq!(r.kind, BY_REPLY);
        assert_eq!(
            r.summary,
            "asks to be removed: “Please remove me from this list.”"
        );
        assert_eq!(r.from, RCPT);
        assert!(r.original.is_empty(), "a reply's quoted text names no one");
        assert!(r.recipients.is_empty());
        assert_eq!(r.date.as_deref(), Some("2026-12-01T16:42:10Z"));
    }

    #[test]
    fn spanish_reply_asking_to_leave() {
        let r = read_str(&fixture!("unsubscribe-es.eml"));
        assert_eq!(r.kind, BY_REPLY);
        assert_eq!(
            r.summary,
            "asks to be removed: “Por favor, denme de baja de esta lista.”"
        );
        assert_eq!(r.from, RCPT);
        assert_eq!(r.subject, "Re: Manifestación en el Ayuntamiento el sábado");
        assert!(r.original.is_empty());
    }

    #[test]
    fn mail_to_the_unsubscribe_address() {
        let r = read_str(&fixture!("to-unsubscribe-address.eml"));
        assert_eq!(r.kind, BY_ADDRESS);
        assert!(r.delivered_to.contains(UNSUB));
        assert_eq!(r.from, RCPT);
        assert!(r.original.is_empty());
    }

    #[test]
    fn reply_quoting_others_is_ordinary_mail() {
        let r = read_str(&fixture!("reply-quoting-others.eml"));
        assert_eq!(r.kind, Kind::Other, "{}", r.summary);
        assert!(r.original.is_empty());
        assert_eq!(r.from, RCPT);
        // Cc'd people are where it was delivered; they are not who it is from.
        assert!(r.delivered_to.contains("ana@example.net"));
    }

    #[test]
    fn vacation_replies_are_left_alone() {
        let r = read_str(&fixture!("vacation.eml"));
        assert_eq!(r.kind, Kind::AutoReply);
        assert_eq!(
            r.summary,
            "auto-reply: Out of Office: Rally at City Hall on Saturday"
        );
        assert!(
            r.delivered_to.contains(BOUNCE),
            "sent to the return path, yet not a bounce"
        );
        assert!(r.original.is_empty());
        let r = read_str(&fixture!("vacation-es.eml"));
        assert_eq!(r.kind, Kind::AutoReply);
        assert_eq!(
            r.subject,
            "Respuesta automática: Manifestación en el Ayuntamiento"
        );
        assert!(r.original.is_empty());
    }

    #[test]
    fn asking_for_fewer_emails_is_unclear() {
        let r = read_str(&fixture!("unclear.eml"));
        assert!(is_unclear(&r.kind), "{:?}", r.kind);
        assert_eq!(
            r.kind,
            Kind::Unclear {
                why: "it asks for fewer emails, not to leave".to_owned()
            }
        );
        assert!(
            r.summary.contains("fewer emails, maybe just monthly?"),
            "{}",
            r.summary
        );
        assert!(r.original.is_empty());
    }

    #[test]
    fn ordinary_reply() {
        let r = read_str(&fixture!("ordinary.eml"));
        assert_eq!(r.kind, Kind::Other);
        assert_eq!(
            r.summary,
            "ordinary mail: “Re: Rally at City Hall on Saturday”"
        );
        assert!(r.original.is_empty());
    }

    /// Every fixture reads the same with LF and with CRLF line ends, and only
    /// reports keep an original.
    #[test]
    fn fixtures_read_the_same_with_either_line_end() {
        for (name, text) in fixtures() {
            let lf = text.replace("\r\n", "\n");
            let crlf = lf.replace('\n', "\r\n");
            let a = read_str(&lf);
            let b = read_str(&crlf);
            assert_eq!(a.kind, b.kind, "{name}");
            assert_eq!(a.summary, b.summary, "{name}");
            assert_eq!(a.recipients, b.recipients, "{name}");
            let report = matches!(
                a.kind,
                Kind::HardBounce { .. } | Kind::SoftBounce { .. } | Kind::Complaint { .. }
            );
            assert_eq!(!a.original.is_empty(), report, "{name}");
            // qmail's reports carry no Message-ID.
            assert_eq!(a.message_id.is_empty(), name == "qmail-plain.eml", "{name}");
            assert!(a.date.is_some(), "{name}");
            assert!(!a.summary.is_empty(), "{name}");
        }
    }

    // -- Delivery reports ------------------------------------------------------

    fn report(fields: &str, human: &str, extra_headers: &str) -> String {
        format!(
            "From: MAILER-DAEMON@mx.handbill.test (Mail Delivery System)\n\
             To: {BOUNCE}\n\
             Subject: Undelivered Mail Returned to Sender\n\
             Message-ID: <r1@mx.handbill.test>\n\
             {extra_headers}\
             MIME-Version: 1.0\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\
             \n\
             --B\n\
             Content-Type: text/plain\n\
             \n\
             {human}\n\
             --B\n\
             Content-Type: message/delivery-status\n\
             \n\
             Reporting-MTA: dns; mx.handbill.test\n\
             \n\
             {fields}\n\
             --B\n\
             Content-Type: text/rfc822-headers\n\
             \n\
             From: Boston Branch <{BRANCH}>\n\
             Message-ID: <{MSGID}>\n\
             List-Unsubscribe: <mailto:{UNSUB}>\n\
             \n\
             --B--\n"
        )
    }

    #[test]
    fn reports_come_before_automatic_reply_headers() {
        for extra in [
            "Auto-Submitted: auto-replied\n",
            "X-Autoreply: yes\n",
            "Precedence: auto_reply\n",
        ] {
            let r = read_str(&report(
                "Final-Recipient: rfc822; a@example.net\nAction: failed\nStatus: 5.1.1\n",
                "",
                extra,
            ));
            assert_eq!(r.kind, hard("5.1.1"), "{extra}");
        }
        let mut exim = fixture!("exim-5.x.eml");
        assert!(exim.contains("Auto-Submitted: auto-replied"));
        exim = exim.replace("X-Failed-Recipients", "X-Other");
        assert_eq!(read_str(&exim).kind, hard("5.1.1"));
    }

    #[test]
    fn the_worst_recipient_group_counts() {
        let soft_group =
            "Final-Recipient: rfc822; full@example.net\nAction: failed\nStatus: 4.2.2\n";
        let hard_group =
            "Final-Recipient: rfc822; gone@example.net\nAction: failed\nStatus: 5.1.1\n";
        for fields in [
            format!("{soft_group}\n{hard_group}"),
            format!("{hard_group}\n{soft_group}"),
        ] {
            let r = read_str(&report(&fields, "", ""));
            assert_eq!(r.kind, hard("5.1.1"));
            assert_eq!(r.recipients.len(), 2);
        }
        let r = read_str(&report(
            "Final-Recipient: rfc822; ok@example.net\nAction: delivered\nStatus: 2.0.0\n\n\
             Final-Recipient: rfc822; full@example.net\nAction: failed\nStatus: 4.2.2\n",
            "",
            "",
        ));
        assert_eq!(r.kind, soft("4.2.2"));
        assert_eq!(r.recipients, vec!["full@example.net".to_owned()]);
    }

    #[test]
    fn a_delayed_report_is_soft() {
        for fields in [
            "Final-Recipient: rfc822; a@example.net\nAction: delayed\nStatus: 4.4.7\n",
            "Final-Recipient: rfc822; a@example.net\nAction: Delayed\n",
            "Final-Recipient: rfc822; a@example.net\nAction: delayed\nStatus: 5.0.0\n",
        ] {
            let r = read_str(&report(fields, "", ""));
            assert!(
                matches!(r.kind, Kind::SoftBounce { .. }),
                "{fields}: {:?}",
                r.kind
            );
            assert!(r.summary.contains("delayed"), "{}", r.summary);
        }
    }

    #[test]
    fn a_missing_status_is_read_from_the_diagnostic() {
        let cases = [
            (
                "Diagnostic-Code: smtp; 550 5.1.1 <a@example.net>: User unknown",
                hard("5.1.1"),
                "5.1.1 user unknown (mx.handbill.test)",
            ),
            (
                "Diagnostic-Code: smtp; 550 Sorry, no such user here",
                hard("5.0.0"),
                "550 Sorry, no such user here (mx.handbill.test)",
            ),
            (
                "Diagnostic-Code: smtp; 451 Try again later",
                soft("4.0.0"),
                "451 Try again later (mx.handbill.test)",
            ),
            (
                "Status: 5.0.0\nDiagnostic-Code: smtp;\n 550 5.1.1 no mailbox",
                hard("5.1.1"),
                "5.1.1 user unknown (mx.handbill.test)",
            ),
        ];
        for (diag, kind, summary) in cases {
            let fields =
                format!("Final-Recipient: rfc822; a@example.net\nAction: failed\n{diag}\n");
            let r = read_str(&report(&fields, "", ""));
            assert_eq!(r.kind, kind, "{diag}");
            assert_eq!(r.summary, summary, "{diag}");
        }
    }

    #[test]
    fn a_report_without_a_readable_status_is_unclear() {
        let r = read_str(&report(
            "Final-Recipient: rfc822; a@example.net\nAction: failed\n",
            "Something went wrong with your message.",
            "",
        ));
        assert!(is_unclear(&r.kind), "{:?}", r.kind);
        assert_eq!(r.recipients, vec!["a@example.net".to_owned()]);
        assert!(
            r.original.is_empty(),
            "only bounces and complaints keep the original"
        );
        // The human part's words are read when the fields say nothing.
        let r = read_str(&report(
            "Final-Recipient: rfc822; a@example.net\nAction: failed\n",
            "<a@example.net>: host mx.example.net said: 550 5.1.1 User unknown",
            "",
        ));
        assert_eq!(r.kind, hard("5.1.1"));
        assert_eq!(r.summary, "5.1.1 user unknown (mx.example.net)");
        // A report type without its part.
        let r = read_str(&format!(
            "From: postmaster@example.net\nTo: {BOUNCE}\nSubject: Report\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\n\
             --B\nContent-Type: text/plain\n\nIt did not work.\n--B--\n"
        ));
        assert!(is_unclear(&r.kind), "{:?}", r.kind);
    }

    #[test]
    fn a_report_of_delivery_is_not_a_bounce() {
        let r = read_str(&report(
            "Final-Recipient: rfc822; a@example.net\nAction: delivered\nStatus: 2.0.0\n",
            "",
            "",
        ));
        assert_eq!(r.kind, Kind::Other);
    }

    #[test]
    fn every_permanent_status_is_hard_and_every_transient_one_soft() {
        let cases = [
            ("5.2.2", true),
            ("5.2.3", true),
            ("5.3.4", true),
            ("5.4.7", true),
            ("5.6.0", true),
            ("5.7.1", true),
            ("5.7.26", true),
            ("5.1.1", true),
            ("5.1.2", true),
            ("5.1.10", true),
            ("5.2.1", true),
            ("5.4.4", true),
            ("5.0.0", true),
            ("4.7.0", false),
            ("4.2.2", false),
            ("4.4.7", false),
        ];
        for (status, is_hard) in cases {
            let fields = format!(
                "Final-Recipient: rfc822; a@example.net\nAction: failed\nStatus: {status}\n"
            );
            let r = read_str(&report(&fields, "", ""));
            let want = if is_hard { hard(status) } else { soft(status) };
            assert_eq!(r.kind, want, "{status}");
        }
    }

    #[test]
    fn a_message_global_delivery_status_part_is_a_report() {
        let r = read_str(&format!(
            "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\nTo: {BOUNCE}\nSubject: x\n\
             Content-Type: multipart/mixed; boundary=B\n\n\
             --B\nContent-Type: message/global-delivery-status\n\n\
             Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: utf-8; josé@example.net\nAction: failed\nStatus: 5.1.1\n\
             --B--\n"
        ));
        assert_eq!(r.kind, hard("5.1.1"));
        assert_eq!(r.recipients, vec!["josé@example.net".to_owned()]);
    }

    // -- Reports in plain words -------------------------------------------------

    fn plain(from: &str, subject: &str, extra: &str, body: &str) -> String {
        format!(
            "From: {from}\nTo: {BRANCH}\nSubject: {subject}\nMessage-ID: <p1@x.test>\n{extra}\
             Content-Type: text/plain; charset=utf-8\n\n{body}"
        )
    }

    #[test]
    fn plain_reports_are_known_by_sender_subject_or_header() {
        let body = "<a@example.net>: 550 5.1.1 User unknown\n";
        let person = "Ana <ana@example.org>";
        for subject in BOUNCE_SUBJECTS {
            let r = read_str(&plain(
                person,
                &format!("{} Rally", subject.to_uppercase()),
                "",
                body,
            ));
            assert_eq!(r.kind, hard("5.1.1"), "{subject}");
        }
        for from in [
            "MAILER-DAEMON@mx.example.net",
            "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
            "postmaster@example.net",
            "Mail Delivery System <bounces@example.net>",
        ] {
            assert_eq!(
                read_str(&plain(from, "Hello", "", body)).kind,
                hard("5.1.1"),
                "{from}"
            );
        }
        let r = read_str(&plain(
            person,
            "Hello",
            "X-Failed-Recipients: a@example.net\n",
            body,
        ));
        assert_eq!(r.kind, hard("5.1.1"));
        // The same words from a person, with none of these, are not a report.
        assert!(!matches!(
            read_str(&plain(person, "Hello", "", body)).kind,
            Kind::HardBounce { .. }
        ));
    }

    #[test]
    fn plain_reports_are_read_from_their_words() {
        let cases: [(&str, Option<Kind>); 13] = [
            ("Sorry, the user is over quota.", Some(soft("4.0.0"))),
            ("The recipient's mailbox is full.", Some(soft("4.0.0"))),
            ("452 4.2.2 Mailbox full", Some(soft("4.2.2"))),
            (
                "552 Requested mail action aborted: exceeded storage allocation",
                Some(soft("5.0.0")),
            ),
            ("550 Mailbox full", Some(soft("5.0.0"))),
            (
                "Delivery failed; please try again later.",
                Some(soft("4.0.0")),
            ),
            ("The address does not exist.", Some(hard("5.0.0"))),
            ("Sorry, no such user.", Some(hard("5.0.0"))),
            ("Recipient address rejected", Some(hard("5.0.0"))),
            ("Recipient not found", Some(hard("5.0.0"))),
            ("550 Requested action not taken", Some(hard("5.0.0"))),
            ("host mx.example.net [203.0.113.25]: 4.97.1 Exim 4.97", None),
            ("Something went wrong.", None),
        ];
        for (body, want) in cases {
            let r = read_str(&plain(
                "MAILER-DAEMON@mx.example.net",
                "failure notice",
                "",
                body,
            ));
            match want {
                Some(kind) => assert_eq!(r.kind, kind, "{body}"),
                None => assert!(is_unclear(&r.kind), "{body}: {:?}", r.kind),
            }
        }
    }

    #[test]
    fn the_copy_of_the_original_is_found_after_its_marker() {
        let original = format!(
            "Received: from mail.handbill.test\nFrom: Boston Branch <{BRANCH}>\n\
             Message-ID: <{MSGID}>\nList-Unsubscribe: <mailto:{UNSUB}>\n\n\
             The rally: 550 5.1.1 is not this report's status.\n"
        );
        for marker in [
            "Original message headers:\n\n",
            "----- Original message -----\n",
            "------ This is a copy of the message, including all the headers. ------\n\n",
            "--- Below this line is a copy of the message.\n\n",
            "",
        ] {
            let body =
                format!("Your message could not be delivered: mailbox full.\n\n{marker}{original}");
            let r = read_str(&plain(
                "postmaster@example.net",
                "Undeliverable: Rally",
                "",
                &body,
            ));
            assert_eq!(
                r.kind,
                soft("4.0.0"),
                "only the report's words are read: {marker:?}"
            );
            names_the_original(&r);
        }
    }

    // -- Complaints --------------------------------------------------------------

    fn arf(feedback: &str, original_type: &str) -> String {
        format!(
            "From: AOL Feedback <scomp@aol.net>\nTo: {BRANCH}\nSubject: Email Feedback Report\n\
             Message-ID: <c1@aol.net>\n\
             Content-Type: multipart/report; report-type=feedback-report; boundary=\"F\"\n\n\
             --F\nContent-Type: text/plain\n\nA complaint.\n\
             --F\nContent-Type: message/feedback-report\n\n{feedback}\
             User-Agent: AOL SComp\nVersion: 1\nOriginal-Rcpt-To: {RCPT}\n\
             --F\nContent-Type: {original_type}\n\n\
             From: Boston Branch <{BRANCH}>\nMessage-ID: <{MSGID}>\n\
             List-Unsubscribe:\n <mailto:{UNSUB}>\n\nJoin us.\n--F--\n"
        )
    }

    #[test]
    fn complaints_are_read_by_their_feedback_type() {
        for original_type in ["message/rfc822", "text/rfc822-headers", "Message/RFC822"] {
            let r = read_str(&arf("Feedback-Type: fraud\n", original_type));
            assert_eq!(
                r.kind,
                Kind::Complaint {
                    feedback_type: "fraud".to_owned()
                },
                "{original_type}"
            );
            assert_eq!(r.summary, "complaint (fraud) via AOL");
            assert_eq!(r.recipients, vec![RCPT.to_owned()]);
            names_the_original(&r);
        }
        let r = read_str(&arf("Feedback-Type: Abuse\n", "message/rfc822"));
        assert_eq!(
            r.kind,
            Kind::Complaint {
                feedback_type: "abuse".to_owned()
            }
        );
        assert_eq!(
            read_str(&arf("Feedback-Type: not-spam\n", "message/rfc822")).kind,
            Kind::Other
        );
        let r = read_str(&arf("Feedback-Type: auth-failure\n", "message/rfc822"));
        assert!(
            is_unclear(&r.kind),
            "a DMARC failure report is no complaint"
        );
        assert!(r.original.is_empty());
        assert!(is_unclear(&read_str(&arf("", "message/rfc822")).kind));
    }

    #[test]
    fn read_receipts_are_automatic() {
        let r = read_str(&format!(
            "From: {RCPT}\nTo: {BRANCH}\nSubject: Read: Rally\n\
             Content-Type: multipart/report; report-type=disposition-notification; boundary=B\n\n\
             --B\nContent-Type: text/plain\n\nYour message was read. Please remove me.\n\
             --B\nContent-Type: message/disposition-notification\n\nDisposition: manual-action/MDN-sent-manually; displayed\n--B--\n"
        ));
        assert_eq!(r.kind, Kind::AutoReply);
    }

    // -- Replies -----------------------------------------------------------------

    fn reply_with(subject: &str, body: &str) -> Reading {
        read_str(&format!(
            "From: Dana <{RCPT}>\nTo: Boston Branch <{BRANCH}>\nSubject: {subject}\n\
             Message-ID: <x1@example.net>\nDate: Wed, 2 Dec 2026 09:00:00 +0000\n\
             Content-Type: text/plain; charset=utf-8\n\n{body}\n\n\
             On Tue, Dec 1, 2026 at 5:00 AM Boston Branch <{BRANCH}> wrote:\n\
             > Join us on Saturday.\n> To unsubscribe, write to {UNSUB}\n"
        ))
    }

    #[test]
    fn requests_to_leave_in_english_and_spanish() {
        let asks = [
            "Unsubscribe",
            "unsubscribe me please",
            "UNSUBSCRIBE ME FROM THIS LIST!!",
            "Please remove me.",
            "Hi,\n\nPlease remove me from your mailing list. Thanks!",
            "Take me off your list",
            "take me off this list, thank you",
            "Please stop sending me these emails.",
            "Stop emailing me",
            "No more emails please",
            "I want to opt out of these emails.",
            "I would like to be removed from the list.",
            "I no longer wish to receive these messages.",
            "Please remove my email address from your list",
            "STOP",
            "Remove",
            "How do I unsubscribe?",
            "Por favor, denme de baja.",
            "Quiero darme de baja de esta lista",
            "Baja",
            "baja, gracias",
            "Quítenme de la lista por favor",
            "QUITENME DE SU LISTA",
            "Sáquenme de la lista",
            "No quiero recibir más correos.",
            "Ya no quiero recibir estos mensajes",
            "Por favor no me envíen más correos",
            "Por favor borrar mi correo de la lista",
            "Eliminar mi correo, gracias",
            "Quiero cancelar mi suscripción",
            "Hola,\nSolicito la baja de la lista.\nSaludos",
            "STOP\n\nDana",
            "Baja.\nMaría",
        ];
        for body in asks {
            let r = reply_with("Re: Rally", body);
            assert_eq!(r.kind, BY_REPLY, "{body:?}: {:?}", r.kind);
            assert!(
                r.summary.starts_with("asks to be removed: “"),
                "{}",
                r.summary
            );
            assert!(r.original.is_empty());
        }
    }

    #[test]
    fn words_that_do_not_ask_to_leave() {
        // (body, whether the coordinator should see it)
        let cases = [
            ("How do I sign up my friend?", false),
            ("Can I bring a sign? I'll stop by the table first.", false),
            ("Stop by our table!", false),
            ("The parking is on the lower level (planta baja).", false),
            ("Estoy de baja por enfermedad, no podré ir.", false),
            (
                "Is the event still on? Remove the typo in the address, it says Citty Hall.",
                false,
            ),
            ("I can't make it, remove me from the RSVP", true),
            ("Please take me off the carpool list, I have a ride", true),
            ("Please remove my friend ana@example.org", true),
            ("Can you unsubscribe my husband? He moved.", true),
            ("Please remove me and my wife from the list", true),
            ("Don't remove me, I still want these!", true),
            ("No me den de baja, por favor.", true),
            (
                "Unsubscribe me from the volunteer list but keep the announcements",
                true,
            ),
            ("Quítenme del grupo de WhatsApp", true),
            (
                "Please remove me. My new address is dana@new.example.org",
                true,
            ),
            ("Too many emails lately!", true),
            (
                "I accidentally clicked unsubscribe, please keep me on the list!",
                true,
            ),
            ("Unsubscribe? No! Keep me on, I love these.", true),
            ("Demasiados correos esta semana.", true),
        ];
        for (body, unclear) in cases {
            let r = reply_with("Re: Rally", body);
            if unclear {
                assert!(is_unclear(&r.kind), "{body:?}: {:?}", r.kind);
            } else {
                assert_eq!(r.kind, Kind::Other, "{body:?}: {:?}", r.kind);
            }
            assert!(r.original.is_empty());
        }
    }

    #[test]
    fn a_subject_alone_can_ask_to_leave() {
        for subject in [
            "unsubscribe",
            "UNSUBSCRIBE",
            "Re: unsubscribe",
            "Baja",
            "Darme de baja",
            "remove me",
        ] {
            let r = reply_with(subject, "");
            assert_eq!(r.kind, BY_REPLY, "{subject}");
            assert!(r.summary.contains("subject"), "{}", r.summary);
        }
        for subject in [
            "Unsubscribe link broken?",
            "Re: Rally",
            "Baja California trip",
        ] {
            assert_eq!(reply_with(subject, "").kind, Kind::Other, "{subject}");
        }
    }

    #[test]
    fn quoted_text_never_asks() {
        let bodies = [
            "Sounds great, see you there!".to_owned(),
            format!("Sounds great!\n\n-----Original Message-----\nFrom: {BRANCH}\nPlease remove me"),
            format!("Sounds great!\n\nFrom: Boston Branch <{BRANCH}>\nSent: Tuesday\nunsubscribe"),
            "Sounds great!\n\n-- \nDana\nTo unsubscribe from my newsletter, reply STOP".to_owned(),
            "Sounds great!\n\nEl mar, 1 dic 2026 a las 11:00, Boston (<b@x.org>) escribió:\nDarme de baja".to_owned(),
            "Sounds great!\n\nSent from my iPhone\n\nUnsubscribe".to_owned(),
            "Sounds great!\n________________________________\nunsubscribe".to_owned(),
            // Quoted without an attribution line above it.
            "Sounds great!\n> To unsubscribe, reply \"remove me\".\n> Unsubscribe".to_owned(),
        ];
        for body in &bodies {
            let r = reply_with("Re: Rally", body);
            assert_eq!(r.kind, Kind::Other, "{body:?}: {:?}", r.kind);
        }
        // The reply's own quoted footer ("To unsubscribe, write to …") is under "wrote:".
        let r = reply_with("Re: Rally", "");
        assert_eq!(r.kind, Kind::Other);
    }

    #[test]
    fn a_request_further_down_is_unclear() {
        let body = "Hi,\nThanks for the update.\nI went last year.\nIt was great.\nSee you.\n\
                    By the way, please remove me from the list.";
        let r = reply_with("Re: Rally", body);
        assert_eq!(
            r.kind,
            Kind::Unclear {
                why: "it mentions leaving, but not in its first lines".to_owned()
            }
        );
    }

    #[test]
    fn only_the_sender_counts() {
        // Other subscribers' addresses quoted below change nothing.
        let r = read_str(&format!(
            "From: Dana <{RCPT}>\nTo: {BRANCH}\nCc: ana@example.net\nSubject: Re: Rally\n\n\
             Please unsubscribe me.\n\nOn Tue, Boston wrote:\n> Ana <ana@example.net>, Luis <luis@example.org>\n"
        ));
        assert_eq!(r.kind, BY_REPLY);
        assert_eq!(r.from, RCPT);
        assert!(r.original.is_empty());
        // Writing one's own address is fine.
        let r = reply_with(
            "Re: Rally",
            &format!("Please remove {RCPT} from this list."),
        );
        assert_eq!(r.kind, BY_REPLY, "{:?}", r.kind);
    }

    #[test]
    fn html_only_replies_are_read_as_text() {
        let r = read_str(&format!(
            "From: {RCPT}\nTo: {BRANCH}\nSubject: RE: Rally\nContent-Type: text/html; charset=utf-8\n\n\
             <html><body><div>Please unsubscribe me.</div><div><br></div>\
             <div id=\"divRplyFwdMsg\"><b>From:</b> Boston &lt;{BRANCH}&gt;<br><b>Sent:</b> Tuesday</div>\
             <p>Join us</p></body></html>\n"
        ));
        assert_eq!(r.kind, BY_REPLY, "{:?}", r.kind);
        let r = read_str(&format!(
            "From: {RCPT}\nTo: {BRANCH}\nSubject: RE: Rally\nContent-Type: text/html\n\n\
             <p>Thanks!</p><hr><p><b>From:</b> Boston &lt;{BRANCH}&gt;</p><p>To stop, unsubscribe here.</p>\n"
        ));
        assert_eq!(r.kind, Kind::Other, "{:?}", r.kind);
    }

    #[test]
    fn automatic_replies_by_header_or_subject() {
        let auto = [
            ("Auto-Submitted: auto-generated\n", "Re: Rally"),
            ("Auto-Submitted: auto-replied (vacation)\n", "Re: Rally"),
            ("X-Autoreply: yes\n", "Re: Rally"),
            ("X-Autorespond: Re: Rally\n", "Re: Rally"),
            ("Precedence: auto_reply\n", "Re: Rally"),
            ("", "Automatic reply: Rally"),
            ("", "Out of Office: Rally"),
            ("", "Respuesta automática: Rally"),
            ("", "Fuera de la oficina: Rally"),
            ("", "AutoReply: Rally"),
            ("", "Vacation: Rally"),
        ];
        for (header, subject) in auto {
            let r = read_str(&plain(
                RCPT,
                subject,
                header,
                "Please remove me. I am away until Monday.",
            ));
            assert_eq!(r.kind, Kind::AutoReply, "{header}{subject}");
            assert!(r.original.is_empty());
        }
        for (header, subject) in [
            ("Auto-Submitted: no\n", "Re: Rally"),
            ("Precedence: bulk\n", "Weekly newsletter"),
            ("", "Vacation plans for the rally?"),
            ("", "Auto repair shop near City Hall?"),
        ] {
            let r = read_str(&plain(RCPT, subject, header, "See you there."));
            assert_eq!(r.kind, Kind::Other, "{header}{subject}");
        }
    }

    #[test]
    fn mail_to_an_unsubscribe_address_asks_whatever_it_says() {
        for (header, body) in [
            ("", "Hello, keep up the good work"),
            ("Auto-Submitted: auto-generated\n", ""),
        ] {
            let r = read_str(&format!(
                "From: {RCPT}\nTo: <{UNSUB}>\nSubject: Unsubscribe\n{header}\n{body}"
            ));
            assert_eq!(r.kind, BY_ADDRESS);
        }
        let r = read_str(&format!(
            "From: {RCPT}\nTo: {BRANCH}\nX-Original-To: {UNSUB}\nSubject: hi\n\nhi"
        ));
        assert_eq!(r.kind, BY_ADDRESS);
    }

    // -- Headers -----------------------------------------------------------------

    #[test]
    fn headers_are_read() {
        let long = "word ".repeat(100);
        let r = read_str(&format!(
            "Message-ID:\n  < abc.123@example.net >\nDate: Wed, 02 Dec 2026 04:20:41 -0500\n\
             From: \"Ana, Ruiz\" <Ana.Ruiz@Example.NET>\nSubject: =?utf-8?q?Hola_se=C3=B1or?=\n {long}\n\
             To: a@example.org,\n b@example.org\nCc: c@example.org\nDelivered-To: {BOUNCE}\n\
             X-Original-To: x@example.org\nEnvelope-To: e@example.org\nX-Envelope-To: f@example.org\n\
             Reply-To: not@example.org\n\nhi\n"
        ));
        assert_eq!(r.message_id, "abc.123@example.net");
        assert_eq!(r.date.as_deref(), Some("2026-12-02T09:20:41Z"));
        assert_eq!(r.from, "Ana.Ruiz@Example.NET");
        assert!(
            r.subject.starts_with("Hola señor word word"),
            "{}",
            r.subject
        );
        assert_eq!(r.subject.chars().count(), MAX_SUBJECT_CHARS);
        assert!(!r.subject.contains('\n'));
        assert_eq!(
            r.delivered_to,
            format!(
                "a@example.org, b@example.org\nc@example.org\n{BOUNCE}\nx@example.org\ne@example.org\nf@example.org"
            )
        );
        let r = read_str("Subject: x\nDate: not a date\n\nhi");
        assert_eq!(r.date, None);
        assert_eq!(r.message_id, "");
        assert_eq!(r.from, "");
    }

    #[test]
    fn defuse_renames_only_subtypes_mail_parser_would_nest() {
        let cases: [(&str, bool); 12] = [
            ("Content-Type: message/rfc822\n", true),
            ("Content-Type: Message/RFC822; x=y\n", true),
            ("Content-Type: message/ \"rfc822\"\n", true),
            ("Content-Type: message/(c)rfc822\n", true),
            ("Content-Type: message/global\n", true),
            ("Content-Type: multipart/digest; boundary=b\n", true),
            ("Content-Type: text/rfc822-headers\n", false),
            ("Content-Type: message/global-delivery-status\n", false),
            ("Content-Type: message/global-headers\n", false),
            ("Final-Recipient: rfc822; a@example.net\n", false),
            ("The global rally\n", false),
            ("Content-Type: message/rfc822x\n", false),
        ];
        for (text, renamed) in cases {
            let out = defuse(text.as_bytes());
            assert_eq!(out.len(), text.len());
            assert_eq!(out.as_ref() != text.as_bytes(), renamed, "{text}");
            if renamed {
                // Undefused, mail-parser nests a message; defused, it does not.
                let raw = format!("{text}\nFrom: a@b\n\nbody");
                let nests = |bytes: &[u8]| {
                    MessageParser::default().parse(bytes).is_some_and(|m| {
                        m.parts
                            .iter()
                            .any(|p| matches!(p.body, PartType::Message(_)))
                    })
                };
                if !text.contains("digest") {
                    assert!(nests(raw.as_bytes()), "{text}");
                }
                assert!(!nests(&defuse(raw.as_bytes())), "{text}");
            }
        }
    }

    // -- Hostile input -----------------------------------------------------------

    /// A small deterministic generator (xorshift64*).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// The bounds every reading keeps, and the time it took.
    fn bounded(raw: &[u8]) -> Duration {
        let started = Instant::now();
        let r = read(raw);
        let took = started.elapsed();
        assert!(r.original.len() <= MAX_ORIGINAL);
        assert!(r.recipients.len() <= MAX_RECIPIENTS);
        assert!(r.subject.chars().count() <= MAX_SUBJECT_CHARS);
        assert!(r.summary.chars().count() <= MAX_SUMMARY_CHARS);
        assert!(r.delivered_to.len() <= MAX_DELIVERED_TO + 8 * MAX_HEADER_VALUE);
        assert!(!r.subject.contains(['\n', '\r']) && !r.summary.contains(['\n', '\r']));
        took
    }

    /// Generous for an unoptimized build on a slow machine; a quadratic
    /// path through 2 MB would take minutes.
    const SLOW: Duration = Duration::from_secs(20);

    #[test]
    fn random_bytes_never_panic() {
        let pieces: [&[u8]; 24] = [
            b"From: a@b.c\r\n",
            b"To: x+unsubscribe-l1@b.c\r\n",
            b"Subject: =?utf-8?b?w6k=?= Undeliverable:\r\n",
            b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n",
            b"Content-Type: multipart/mixed; boundary=b\r\n",
            b"Content-Type: message/rfc822\r\n",
            b"Content-Type: message/delivery-status\r\n",
            b"Content-Type: message/feedback-report\r\n",
            b"Content-Type: text/html; charset=iso-8859-1\r\n",
            b"Content-Transfer-Encoding: base64\r\n",
            b"Content-Transfer-Encoding: quoted-printable\r\n",
            b"\r\n",
            b"\n",
            b"--b\r\n",
            b"--b--\r\n",
            b"Status: 5.1.1\r\nAction: failed\r\n",
            b"Final-Recipient: rfc822; a@b.c\r\n",
            b"Feedback-Type: abuse\r\n",
            b"unsubscribe remove me baja\r\n",
            b"> quoted\r\n",
            b"On Tue wrote:\r\n",
            b"QUJDREVGRw==\r\n",
            b"=C3=A9=\r\n",
            b"\xff\xfe\xc3\x28\xe2\x82",
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..400 {
            let mut raw = Vec::new();
            let len = 1 + rng.below(if round % 10 == 0 { 64 * 1024 } else { 2048 });
            while raw.len() < len {
                if rng.below(3) == 0 {
                    raw.push(rng.next() as u8);
                } else {
                    raw.extend_from_slice(pieces[rng.below(pieces.len())]);
                }
            }
            assert!(bounded(&raw) < SLOW);
        }
        for raw in [
            &b""[..],
            b"\r\n",
            b"\n\n\n",
            b":",
            b"From:",
            b"\xff\xff\xff",
            b"--\r\n--",
        ] {
            let r = read(raw);
            assert!(
                matches!(r.kind, Kind::Other | Kind::Unclear { .. }),
                "{raw:?}"
            );
        }
    }

    fn base64(data: &[u8]) -> String {
        const TABLE: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for (i, chunk) in data.chunks(3).enumerate() {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            out.push(TABLE[(n >> 18) as usize & 63] as char);
            out.push(TABLE[(n >> 12) as usize & 63] as char);
            out.push(if chunk.len() > 1 {
                TABLE[(n >> 6) as usize & 63] as char
            } else {
                '='
            });
            out.push(if chunk.len() > 2 {
                TABLE[n as usize & 63] as char
            } else {
                '='
            });
            if i % 19 == 18 {
                out.push_str("\r\n");
            }
        }
        out
    }

    #[test]
    fn nesting_bombs_are_read_in_bounded_work() {
        let head = "From: MAILER-DAEMON@x.test\r\nSubject: Undelivered Mail Returned to Sender\r\n";
        // Messages in messages, in the clear: 2 MB of them.
        let mut inline = String::from(head);
        while inline.len() < MAX_MESSAGE_BYTES {
            inline.push_str("Content-Type: message/rfc822\r\n\r\n");
        }
        assert!(bounded(inline.as_bytes()) < SLOW);
        // Messages in messages inside a base64 part, which mail-parser on its
        // own decodes and copies recursively until the stack overflows.
        let mut deep = String::from("From: a@b.test\r\n");
        for _ in 0..40_000 {
            deep.push_str("Content-Type: message/rfc822\r\n\r\n");
        }
        deep.push_str("Content-Type: text/plain\r\n\r\nhello\r\n");
        let encoded = format!(
            "{head}Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n\
             --b\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
             --b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
            base64(deep.as_bytes())
        );
        let r = read(encoded.as_bytes());
        assert_eq!(r.kind, hard("5.1.1"));
        assert!(bounded(encoded.as_bytes()) < SLOW);
        let digest = format!(
            "{head}Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\n{}--d--\r\n",
            deep
        );
        assert!(bounded(digest.as_bytes()) < SLOW);
        // Multiparts in multiparts, each with its own boundary, never closed.
        let mut multi = String::from(head);
        let mut i = 0;
        while multi.len() < MAX_MESSAGE_BYTES {
            multi.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
            ));
            i += 1;
        }
        assert!(bounded(multi.as_bytes()) < SLOW);
        // The same boundary all the way down.
        let mut same = String::from(head);
        same.push_str("Content-Type: multipart/mixed; boundary=b\r\n\r\n");
        while same.len() < MAX_MESSAGE_BYTES {
            same.push_str("--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n");
        }
        assert!(bounded(same.as_bytes()) < SLOW);
        // Many parts, each a returned message.
        let mut many = String::from(head);
        many.push_str(
            "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n",
        );
        while many.len() < MAX_MESSAGE_BYTES {
            many.push_str("--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: x\r\nList-Unsubscribe: <mailto:y@z>\r\n\r\nbody\r\n");
        }
        assert!(bounded(many.as_bytes()) < SLOW);
    }

    #[test]
    fn huge_headers_and_bodies_are_bounded() {
        let big = "x".repeat(MAX_MESSAGE_BYTES);
        assert!(bounded(format!("Subject: {big}\r\n\r\nbody").as_bytes()) < SLOW);
        assert!(bounded(format!("From: a@b.c\r\nTo: {big}\r\n\r\nbody").as_bytes()) < SLOW);
        let mut to = String::from("From: a@b.c\r\nTo: ");
        while to.len() < MAX_MESSAGE_BYTES {
            to.push_str("someone@example.net,\r\n ");
        }
        assert!(bounded(to.as_bytes()) < SLOW);
        let mut many = String::new();
        while many.len() < MAX_MESSAGE_BYTES {
            many.push_str("X-Failed-Recipients: a@b.c, d@e.f\r\nAuto-Submitted: no\r\n");
        }
        assert!(bounded(many.as_bytes()) < SLOW);
        // A 2 MB line of words and a 2 MB field group of a delivery report.
        let words = "please remove me ".repeat(MAX_MESSAGE_BYTES / 17);
        assert!(bounded(format!("From: a@b.c\r\nSubject: hi\r\n\r\n{words}").as_bytes()) < SLOW);
        let groups = format!(
            "From: postmaster@x.test\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n\
             --b\r\nContent-Type: message/delivery-status\r\n\r\n{}--b--\r\n",
            "Final-Recipient: rfc822; a@b.c\r\nAction: failed\r\nStatus: 4.2.2\r\n\r\n".repeat(30_000)
        );
        let r = read(groups.as_bytes());
        assert_eq!(r.kind, soft("4.2.2"));
        assert!(bounded(groups.as_bytes()) < SLOW);
        // A report whose copy and recipients are longer than kept.
        let mut failed = String::from("X-Failed-Recipients: ");
        for i in 0..1000 {
            failed.push_str(&format!("r{i}@example.net, "));
        }
        let long = format!(
            "From: MAILER-DAEMON@x.test\r\n{failed}\r\nSubject: failure notice\r\n\r\n\
             550 5.1.1 user unknown\r\n\r\n--- Below this line is a copy of the message.\r\n\r\n{}",
            "List-Unsubscribe: <mailto:x@y.z>\r\n".repeat(40_000)
        );
        let r = read(long.as_bytes());
        assert_eq!(r.kind, hard("5.1.1"));
        assert_eq!(r.recipients.len(), MAX_RECIPIENTS);
        assert!(r.original.len() <= MAX_ORIGINAL && r.original.len() > MAX_ORIGINAL - 64);
        // More than the most read: the rest is not looked at.
        let mut over = fixture!("postfix-5.1.1.eml");
        over.push_str(&"y".repeat(3 * MAX_MESSAGE_BYTES));
        assert!(bounded(over.as_bytes()) < SLOW);
        assert_eq!(read(over.as_bytes()).kind, hard("5.1.1"));
        // Invalid UTF-8 everywhere.
        let mut bad =
            b"From: \xff\xfe@\xc3\r\nSubject: \xc3\x28 unsubscribe\r\nTo: \xe2\x82\r\n\r\n"
                .to_vec();
        bad.extend_from_slice(b"Please remove me \xff\xfe from this list\r\n");
        let r = read(&bad);
        assert_eq!(r.kind, BY_REPLY, "{:?}", r.kind);
        assert!(bounded(&bad) < SLOW);
    }
}
