//! Invitations to co-sponsor: from an event and a contact person, the email
//! that asks their organization to co-sponsor — the event in short, its date
//! and place, the demand list, and what co-sponsoring means. It is saved as an
//! email draft for the mail capability to send later, and can be written out
//! as an RFC 5322 `.eml` file. The message is built with `lettre`, so headers
//! are encoded as the standard says and a line break typed into a name or a
//! title can never start a header of its own.

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{Address, Message};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::cosponsors::confirmed_cosponsors;
use super::demands::demand_list_for_event;
use super::organizations::{get_contact, get_organization};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::events::listing::{headline, place_line, speaker_line, when_line};

/// An email written by Handbill, waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EmailDraft {
    pub id: i64,
    /// What it is for: `cosponsor_invitation`.
    pub purpose: String,
    pub event_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub from_name: String,
    pub from_address: String,
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    /// Plain text.
    pub body: String,
    pub created_at: String,
}

/// Writes the invitation for `event_id` to `contact_id`, saves it as an
/// email draft and returns it. The contact needs an email address, and the
/// branch profile a contact address to send from.
pub fn draft_invitation(db: &Database, event_id: i64, contact_id: i64) -> Result<EmailDraft> {
    let event = crate::events::get(db, event_id)?;
    let contact = get_contact(db, contact_id)?;
    let org = get_organization(db, contact.organization_id)?;
    if contact.email.is_empty() {
        return Err(Error::invalid_field(
            "contact_id",
            format!(
                "{} of {} has no email address. Add one to the contact, or choose another contact.",
                contact.name, org.name
            ),
        ));
    }
    let branch = crate::branch::get(db)?.filter(|b| !b.contact_email.is_empty()).ok_or_else(|| {
        Error::invalid_field("contact_email", "The branch profile has no contact email to send from. Fill it in under Settings → Branch.")
    })?;
    let signer = if branch.short_name.is_empty() {
        branch.name.clone()
    } else {
        branch.short_name.clone()
    };
    let mut body = format!("Dear {},\n\n", contact.name);
    body.push_str(&format!(
        "{signer} invites {} to co-sponsor our upcoming event:\n\n{}\n{}\n",
        org.name,
        headline(&event),
        when_line(&event)
    ));
    let place = place_line(&event);
    if !place.is_empty() {
        body.push_str(&format!("{place}\n"));
    }
    if !event.speakers.is_empty() {
        let names: Vec<String> = event.speakers.iter().map(speaker_line).collect();
        body.push_str(&format!("with {}\n", names.join(" and ")));
    }
    if !event.description.trim().is_empty() {
        body.push_str(&format!("\n{}\n", event.description.trim()));
    }
    if let Some(list) = demand_list_for_event(db, event_id)? {
        body.push_str(&format!("\n{}\n", list.title));
        if !list.intro.is_empty() {
            body.push_str(&format!("{}\n", list.intro));
        }
        for d in &list.demands {
            body.push_str(&format!("{}. {}\n", d.number, d.text));
        }
    }
    let others: Vec<String> = confirmed_cosponsors(db, event_id)?
        .into_iter()
        .filter(|c| c.organization_id != org.id)
        .map(|c| c.name)
        .collect();
    if !others.is_empty() {
        body.push_str(&format!(
            "\nAlready co-sponsoring: {}.\n",
            others.join(", ")
        ));
    }
    body.push_str(&format!("\n{}\n", what_cosponsoring_means(&org.name)));
    let reply_to = if event.cosponsor_call.contact.is_empty() {
        branch.contact_email.clone()
    } else {
        event.cosponsor_call.contact.clone()
    };
    body.push_str(&format!(
        "\nPlease reply to this email (or write to {reply_to}) to tell us whether {} will co-sponsor.\n\nIn solidarity,\n{}\n",
        org.name, branch.name
    ));
    let subject = format!("Invitation to co-sponsor: {}", event.title);
    let now = crate::clock::now_text();
    db.conn().execute(
        "INSERT INTO email_draft (purpose, event_id, organization_id, contact_id, from_name, from_address, to_name,
            to_address, subject, body, created_at) VALUES ('cosponsor_invitation', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![event_id, org.id, contact.id, branch.name, branch.contact_email, contact.name, contact.email, subject, body, now],
    )?;
    email_draft(db, db.conn().last_insert_rowid())
}

/// "What co-sponsoring means: …", said of `who` (an organization's name, or
/// "your organization" in an announcement to a whole list).
pub(crate) fn what_cosponsoring_means(who: &str) -> String {
    format!(
        "What co-sponsoring means: {who} is named as a co-sponsor on the flyers, emails and listings of the event \
         (with its logo, if you let us print it), stands behind the demands above, and helps spread the word to its \
         members. There is no cost. If you have a speaker or a table to propose, tell us."
    )
}

/// One saved email draft.
pub fn email_draft(db: &Database, id: i64) -> Result<EmailDraft> {
    db.conn()
        .query_row(
            "SELECT id, purpose, event_id, organization_id, contact_id, from_name, from_address, to_name, to_address,
                subject, body, created_at FROM email_draft WHERE id = ?1",
            [id],
            |r| {
                Ok(EmailDraft {
                    id: r.get(0)?,
                    purpose: r.get(1)?,
                    event_id: r.get(2)?,
                    organization_id: r.get(3)?,
                    contact_id: r.get(4)?,
                    from_name: r.get(5)?,
                    from_address: r.get(6)?,
                    to_name: r.get(7)?,
                    to_address: r.get(8)?,
                    subject: r.get(9)?,
                    body: r.get(10)?,
                    created_at: r.get(11)?,
                })
            },
        )
        .optional()?
        .ok_or_else(|| Error::not_found(format!("There is no email draft number {id}.")))
}

fn mailbox(field: &str, name: &str, address: &str) -> Result<Mailbox> {
    let address: Address = address.parse().map_err(|e| {
        Error::invalid_field(
            field,
            format!("“{address}” cannot be used as an email address ({e})."),
        )
    })?;
    // A display name is one line: line breaks become spaces, so they cannot end the header.
    let name = name
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Mailbox::new((!name.is_empty()).then_some(name), address))
}

/// The draft as an RFC 5322 message (the bytes of an `.eml` file).
pub fn render_eml(draft: &EmailDraft) -> Result<Vec<u8>> {
    let subject = draft
        .subject
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let message = Message::builder()
        .from(mailbox(
            "from_address",
            &draft.from_name,
            &draft.from_address,
        )?)
        .to(mailbox("to_address", &draft.to_name, &draft.to_address)?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(
            draft
                .body
                .replace("\r\n", "\n")
                .replace('\r', "\n")
                .replace('\n', "\r\n"),
        )
        .map_err(|e| Error::internal(format!("The email could not be built: {e}")))?;
    Ok(message.formatted())
}

/// A saved draft as an `.eml` file's bytes.
pub fn invitation_eml(db: &Database, draft_id: i64) -> Result<Vec<u8>> {
    render_eml(&email_draft(db, draft_id)?)
}
