//! Composing: an announcement made into the finished message each subscriber
//! receives. [`prepare`] does once what is the same for everyone — the branch
//! profile and list, the Markdown rendered to a sanitized HTML page and a
//! plain-text part, the headers that do not name the recipient, the flyer PDF —
//! and the [`Prepared`] it returns writes each [`Letters::letter`] by filling
//! in the person: the `To` header, the personal fields, a `Message-ID` stable
//! for that announcement and recipient (with the branch's random part, so no
//! other branch makes the same one), and an unsubscribe address whose token
//! names the person and the list, signed with the branch's key ([`keys`]).
//! Every letter says it is bulk mail written by a program (`Precedence: bulk`,
//! `Auto-Submitted: auto-generated`), so vacation responders stay quiet.
//! An announcement with versions in the branch's other languages is prepared
//! once per version ([`Versions`]): each reader gets the version of their
//! language, else the main text, with the footer in the same language.
//!
//! Headers are encoded by `lettre` (RFC 2047 for names and subjects that are
//! not ASCII, folding of long lines) and the MIME parts are built with it.
//! Every name and subject is made one line first, and a subject typed with a
//! line break is refused naming the field, so no user text can add a header.

use std::time::SystemTime;

use lettre::message::header::{
    ContentTransferEncoding, ContentType, Date, Header, Headers, ReplyTo, Subject, To,
    MIME_VERSION_1_0,
};
use lettre::message::{Body, Mailbox, Mailboxes, MultiPart, SinglePart};
use lettre::Address;
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

pub use super::attach::flyer_file_name;
use super::attach::{self, slug, Attached, MailLogo};
use super::keys::{self, MailKeys, Purpose};
use super::layout::{html_page, markdown_fragment, markdown_text, text_page, Frame, LogoRef};
use super::letter::{AnnouncementVersion, Content, Letters, Recipient};
use super::personal::{mark, one_line, Encoded, Key, Marker, Pieces, Slot, Values};
use super::readback;
use crate::branch;
use crate::db::Database;
use crate::error::{Error, Result};
use crate::mail::lists;

/// An announcement ready to be written for any number of recipients.
#[derive(Debug, Clone)]
pub struct Prepared {
    announcement_id: i64,
    list_id: i64,
    keys: MailKeys,
    envelope_from: String,
    /// Each message goes out with its own return path (`boston+bounce-…@`):
    /// the provider delivers plus addresses to the branch's mailbox (its
    /// probe said so; see `mail::mailbox`).
    per_recipient_return: bool,
    /// The local part and domain of the branch's address.
    from_local: String,
    domain: String,
    /// `From:` and `Reply-To:`, encoded.
    from_lines: String,
    subject: Pieces,
    /// The encoded `Subject:` line when it names no one.
    subject_line: Option<String>,
    date_line: String,
    list_id_line: String,
    /// `Precedence: bulk` and `Auto-Submitted: auto-generated`.
    bulk_lines: String,
    mime_line: String,
    text: Encoded,
    html: Encoded,
    /// The flyer, when attached, and the event's calendar file.
    attachments: Vec<Attached>,
    /// The MIME body as every letter has it, in three pieces: before the
    /// plain text, between it and the HTML, and after the HTML (the parts'
    /// headers, the boundaries, the logo and the attached files). Made once;
    /// each letter writes its own two filled parts between them.
    skeleton: [Vec<u8>; 3],
}

/// Where a letter's filled text and HTML go in [`Prepared::skeleton`]: bytes
/// that no formatted part holds (QP and base64 write no NUL).
const TEXT_SLOT: &[u8] = b"\0handbill-text-part\0";
const HTML_SLOT: &[u8] = b"\0handbill-html-part\0";

/// The MIME body of a letter whose parts are the quoted-printable `text` and
/// `html`: multipart/alternative, the HTML related to the logo it shows when
/// there is one (RFC 2387), all mixed with the attachments when there are any.
fn mime_body(
    text: Vec<u8>,
    html: Vec<u8>,
    boundaries: [&str; 3],
    logo: Option<&MailLogo>,
    attachments: &[Attached],
) -> MultiPart {
    let [alternative_boundary, related_boundary, mixed_boundary] = boundaries;
    // The parts arrive quoted-printable.
    let part = |kind: ContentType, bytes: Vec<u8>| {
        SinglePart::builder()
            .header(kind)
            .body(Body::dangerous_pre_encoded(
                bytes,
                ContentTransferEncoding::QuotedPrintable,
            ))
    };
    let text = part(ContentType::TEXT_PLAIN, text);
    let html = part(ContentType::TEXT_HTML, html);
    let alternative = MultiPart::alternative()
        .boundary(alternative_boundary)
        .singlepart(text);
    let alternative = match logo {
        Some(logo) => alternative.multipart(
            MultiPart::related()
                .boundary(related_boundary)
                .singlepart(html)
                .singlepart(logo.part.clone()),
        ),
        None => alternative.singlepart(html),
    };
    if attachments.is_empty() {
        alternative
    } else {
        attachments.iter().fold(
            MultiPart::mixed()
                .boundary(mixed_boundary)
                .multipart(alternative),
            |mixed, a| mixed.singlepart(a.part.clone()),
        )
    }
}

/// [`mime_body`] formatted once with stand-ins for the two parts, cut at
/// them. The branch's logo (an inline part the HTML shows at its head) and
/// the attachments are in it.
fn skeleton(
    boundaries: [&str; 3],
    logo: Option<&MailLogo>,
    attachments: &[Attached],
) -> Result<[Vec<u8>; 3]> {
    let whole = mime_body(
        TEXT_SLOT.to_vec(),
        HTML_SLOT.to_vec(),
        boundaries,
        logo,
        attachments,
    )
    .formatted();
    let cut = |bytes: &[u8], slot: &[u8]| -> Option<(Vec<u8>, Vec<u8>)> {
        let at = bytes.windows(slot.len()).position(|w| w == slot)?;
        Some((bytes[..at].to_vec(), bytes[at + slot.len()..].to_vec()))
    };
    let (before, rest) = cut(&whole, TEXT_SLOT)
        .ok_or_else(|| Error::internal("The letter's frame has no place for its text."))?;
    let (between, after) = cut(&rest, HTML_SLOT)
        .ok_or_else(|| Error::internal("The letter's frame has no place for its HTML."))?;
    Ok([before, between, after])
}

/// Exactly what one subscriber will receive, read back from the letter's own
/// bytes: the window shows it before sending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Preview {
    /// "International Socialist Organization — Boston <boston@example.org>".
    pub from: String,
    pub to: String,
    pub subject: String,
    /// Every header, in order, decoded.
    pub headers: Vec<(String, String)>,
    /// The plain-text part.
    pub text: String,
    /// The HTML part: a whole document. Images of the letter's own (the
    /// logo) are shown from its bytes, as `data:` addresses.
    pub html: String,
    /// Each attached file's name and size in bytes: the flyer, when it is
    /// attached, and the event's calendar file.
    pub attachments: Vec<(String, usize)>,
}

/// Prepares `content` for sending, dated now.
pub fn prepare(db: &Database, content: &Content) -> Result<Prepared> {
    prepare_at(db, content, crate::clock::now())
}

/// The finished messages of announcement `id` in each of its languages,
/// dated now: what the window's sending job and `handbill send` prepare
/// before they send it.
pub fn prepare_announcement(db: &Database, id: i64) -> Result<Versions> {
    let a = super::store::get(db, id)?;
    prepare_versions(db, &a.content(), &a.versions, crate::clock::now())
}

/// Prepares `content` with `date` as every letter's `Date` header (the sender
/// prepares an announcement when it starts sending it).
pub fn prepare_at(db: &Database, content: &Content, date: jiff::Timestamp) -> Result<Prepared> {
    prepare_in(db, content, None, date)
}

/// An announcement prepared in each of its languages: each recipient gets
/// the version of their language (by its primary subtag, so `es-MX` gets
/// the `es` one), and anyone else the main text, in the branch's first
/// language.
#[derive(Debug, Clone)]
pub struct Versions {
    main: Prepared,
    others: Vec<(String, Prepared)>,
}

impl Versions {
    /// The prepared text a reader of `language` gets.
    pub fn for_language(&self, language: &str) -> &Prepared {
        let tag = super::words::primary(language);
        self.others
            .iter()
            .find(|(l, _)| !tag.is_empty() && *l == tag)
            .map(|(_, p)| p)
            .unwrap_or(&self.main)
    }

    /// The main text, prepared.
    pub fn main(&self) -> &Prepared {
        &self.main
    }
}

impl Letters for Versions {
    fn sender(&self) -> &str {
        self.main.sender()
    }

    fn envelope_from(&self, to: &Recipient) -> String {
        self.main.envelope_from(to)
    }

    fn letter(&self, to: &Recipient) -> Result<Vec<u8>> {
        self.for_language(&to.language).letter(to)
    }
}

/// Prepares `content` (the main text) and each of `versions`, every letter
/// dated `date`; each version's footer is in its language.
pub fn prepare_versions(
    db: &Database,
    content: &Content,
    versions: &[AnnouncementVersion],
    date: jiff::Timestamp,
) -> Result<Versions> {
    let main = prepare_at(db, content, date)?;
    let mut others = Vec::with_capacity(versions.len());
    for v in versions {
        let text = Content {
            subject: v.subject.clone(),
            body: v.body.clone(),
            ..content.clone()
        };
        let prepared = prepare_in(db, &text, Some(&v.language), date)?;
        others.push((super::words::primary(&v.language), prepared));
    }
    Ok(Versions { main, others })
}

/// As [`prepare_at`], its footer in `language` (the branch's first when none).
fn prepare_in(
    db: &Database,
    content: &Content,
    language: Option<&str>,
    date: jiff::Timestamp,
) -> Result<Prepared> {
    let branch = branch::require(db)?;
    if branch.contact_email.trim().is_empty() {
        return Err(Error::invalid_field(
            "contact_email",
            "The branch profile has no contact email to send from. Fill it in under Settings → Branch.",
        ));
    }
    let from: Address = branch.contact_email.trim().parse().map_err(|e| {
        Error::invalid_field(
            "contact_email",
            format!(
                "“{}” cannot be used to send from ({e}).",
                branch.contact_email
            ),
        )
    })?;
    let list = lists::get(db, content.list_id)?;
    if content.subject.contains(['\r', '\n']) {
        return Err(Error::invalid_field(
            "subject",
            "The subject is one line: remove the line breaks from it.",
        ));
    }
    let subject_text = one_line(&content.subject);
    if subject_text.is_empty() {
        return Err(Error::invalid_field(
            "subject",
            "Write a subject for the announcement.",
        ));
    }
    if content.body.trim().is_empty() {
        return Err(Error::invalid_field(
            "body",
            "Write the announcement's text.",
        ));
    }

    // Personal fields become markers that survive rendering; the footer's
    // unsubscribe address and link are two more.
    let marker = Marker::for_text(&[&subject_text, &content.body]);
    let mut slots: Vec<Slot> = Vec::new();
    let subject_marked = mark(&subject_text, "subject", &marker, &mut slots)?;
    let body_marked = mark(&content.body, "body", &marker, &mut slots)?;
    let unsubscribe_address = marker.token(slots.len());
    slots.push(Slot {
        key: Key::UnsubscribeAddress,
        fallback: String::new(),
    });
    let unsubscribe_url = marker.token(slots.len());
    slots.push(Slot {
        key: Key::UnsubscribeUrl,
        fallback: String::new(),
    });

    let branch_name = one_line(&branch.name);
    let list_name = one_line(&list.name);
    let mut attachments = Vec::new();
    if content.attach_flyer {
        attachments.push(attach::flyer(db, content)?);
    }
    let calendar = attach::calendar(db, content, date)?;
    let calendar_file = calendar.as_ref().map(|c| c.file_name.clone());
    attachments.extend(calendar);
    let logo = attach::logo(db, from.domain())?;
    let frame = Frame {
        language: language
            .or(branch.languages.first().map(String::as_str))
            .unwrap_or("en"),
        branch_name: &branch_name,
        website: &branch.website,
        contact_email: from.as_ref(),
        list_name: &list_name,
        unsubscribe_address: &unsubscribe_address,
        unsubscribe_url: &unsubscribe_url,
        logo: logo.as_ref().map(|l| LogoRef {
            content_id: &l.content_id,
            width: l.width,
            height: l.height,
        }),
        calendar_file: calendar_file.as_deref(),
    };
    let text = text_page(&markdown_text(&body_marked), &frame);
    let html = html_page(&markdown_fragment(&body_marked), &frame);

    let sender = Mailbox::new(Some(branch_name.clone()), from.clone());
    let from_lines = format!(
        "{}{}",
        encode(lettre::message::header::From::from(Mailboxes::from(
            sender.clone()
        ))),
        encode(ReplyTo::from(Mailboxes::from(sender)))
    );
    let subject = Pieces::split(&subject_marked, &marker, &slots, false);
    let subject_line =
        (!subject.is_personal()).then(|| encode(Subject::from(subject_text.clone())));
    let label = format!("{}.{}.{}", slug(&list_name, "list"), list.id, from.domain());
    // QP and base64 never write "=_", so no part can contain these.
    let alternative_boundary = format!("=_handbill-a{}-alternative", content.announcement_id);
    let related_boundary = format!("=_handbill-a{}-related", content.announcement_id);
    let mixed_boundary = format!("=_handbill-a{}-mixed", content.announcement_id);

    Ok(Prepared {
        announcement_id: content.announcement_id,
        list_id: list.id,
        keys: keys::load(db)?,
        envelope_from: from.to_string(),
        per_recipient_return: super::account::plus_addressing(db)? == Some(true),
        from_local: from.user().to_owned(),
        domain: from.domain().to_owned(),
        from_lines,
        subject,
        subject_line,
        date_line: encode(Date::new(SystemTime::from(date))),
        list_id_line: list_id_line(&list_name, &label),
        bulk_lines: "Precedence: bulk\r\nAuto-Submitted: auto-generated\r\n".to_owned(),
        mime_line: encode(MIME_VERSION_1_0),
        text: Pieces::split(&text, &marker, &slots, false).encoded(),
        html: Pieces::split(&html, &marker, &slots, true).encoded(),
        skeleton: skeleton(
            [&alternative_boundary, &related_boundary, &mixed_boundary],
            logo.as_ref(),
            &attachments,
        )?,
        attachments,
    })
}

/// One header as lettre encodes it: `Name: value\r\n`, folded.
fn encode<H: Header>(header: H) -> String {
    let mut headers = Headers::new();
    headers.set(header);
    headers.to_string()
}

/// A header whose value is one `<…>` made here from checked address parts
/// (ASCII, no spaces). lettre folds only at spaces, so a value too long for
/// one 78-character line is folded before it, where RFC 5322 allows it.
fn address_header(name: &str, value: &str) -> String {
    if name.len() + 2 + value.len() <= 78 {
        format!("{name}: {value}\r\n")
    } else {
        format!("{name}:\r\n {value}\r\n")
    }
}

/// `List-Id: "Announcements" <announcements.3.example.org>`. The list's name
/// is a display phrase like a mailbox's; lettre encodes it as one (quoted, or
/// RFC 2047 when not ASCII), so it is encoded as a mailbox's name and set
/// before the list's label.
fn list_id_line(name: &str, label: &str) -> String {
    const STAND_IN: &str = "<list@list-id.invalid>\r\n";
    let phrase = match "list@list-id.invalid".parse::<Address>() {
        Ok(stand_in) if !name.is_empty() => {
            let line = encode(To::from(Mailboxes::from(Mailbox::new(
                Some(name.to_owned()),
                stand_in,
            ))));
            line.strip_prefix("To: ")
                .and_then(|l| l.strip_suffix(STAND_IN))
                .map(|p| p.trim_end().to_owned())
        }
        _ => None,
    };
    match phrase {
        Some(phrase) if !phrase.is_empty() => format!("List-Id: {phrase} <{label}>\r\n"),
        _ => format!("List-Id: <{label}>\r\n"),
    }
}

impl Prepared {
    /// `<a12.s345.1f2e3d4c5b6a.0b7c…@example.org>`: the same for this
    /// announcement and recipient however often it is prepared, different for
    /// anyone else, and carrying the branch's random part, so another branch
    /// (whose announcement 12 also goes to its subscriber 345) never makes it.
    pub fn message_id(&self, to: &Recipient) -> String {
        let part = &self.keys.message_id_part;
        let digest = Sha256::digest(
            format!(
                "{}\n{}\n{}\n{}\n{part}",
                self.announcement_id,
                to.subscriber_id,
                to.email.trim().to_lowercase(),
                self.domain
            )
            .as_bytes(),
        );
        let hash: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        format!(
            "<a{}.s{}.{hash}.{part}@{}>",
            self.announcement_id, to.subscriber_id, self.domain
        )
    }

    /// The address that unsubscribes this recipient from the list when
    /// written to: its token names both and is signed with the branch's key.
    pub fn unsubscribe_address(&self, to: &Recipient) -> String {
        format!(
            "{}+{}@{}",
            self.from_local,
            self.keys.token(self.list_id, to.subscriber_id),
            self.domain
        )
    }

    /// The return path of this recipient's message: `boston+bounce-l3-s41-…@`
    /// whose signed token names the list and the person, so a report of
    /// undelivered mail sent back to it says whose message it was.
    pub fn bounce_address(&self, to: &Recipient) -> String {
        format!(
            "{}+{}@{}",
            self.from_local,
            self.keys
                .token_for(Purpose::Bounce, self.list_id, to.subscriber_id),
            self.domain
        )
    }

    /// Each attached file's name and size: the flyer, if one is attached,
    /// and the event's calendar file.
    pub fn attachments(&self) -> Vec<(&str, usize)> {
        self.attachments
            .iter()
            .map(|a| (a.file_name.as_str(), a.bytes))
            .collect()
    }
}

impl Letters for Prepared {
    fn sender(&self) -> &str {
        &self.envelope_from
    }

    fn envelope_from(&self, to: &Recipient) -> String {
        if self.per_recipient_return && to.subscriber_id > 0 {
            self.bounce_address(to)
        } else {
            self.envelope_from.clone()
        }
    }

    fn letter(&self, to: &Recipient) -> Result<Vec<u8>> {
        let email = to.email.trim();
        let address: Address = email.parse().map_err(|e| {
            Error::invalid_field(
                "email",
                format!(
                    "Subscriber {}: “{}” cannot be used as an email address ({e}).",
                    to.subscriber_id,
                    one_line(email)
                ),
            )
        })?;
        let name = one_line(&to.name);
        let first_name = one_line(&to.first_name);
        let recipient = Mailbox::new((!name.is_empty()).then_some(name.clone()), address.clone());
        let unsubscribe_address = self.unsubscribe_address(to);
        let unsubscribe_url = format!("mailto:{unsubscribe_address}?subject=unsubscribe");
        let values = Values {
            first_name: &first_name,
            name: &name,
            email: address.as_ref(),
            unsubscribe_address: &unsubscribe_address,
            unsubscribe_url: &unsubscribe_url,
        };

        let mut out = String::with_capacity(1024);
        out.push_str(&self.from_lines);
        out.push_str(&encode(To::from(Mailboxes::from(recipient))));
        match &self.subject_line {
            Some(line) => out.push_str(line),
            None => out.push_str(&encode(Subject::from(one_line(
                &self.subject.fill(&values),
            )))),
        }
        out.push_str(&self.date_line);
        out.push_str(&address_header("Message-ID", &self.message_id(to)));
        out.push_str(&self.list_id_line);
        // The address alone unsubscribes (its token names the person and the
        // list), so the header carries no subject and stays within 78 columns.
        out.push_str(&address_header(
            "List-Unsubscribe",
            &format!("<mailto:{unsubscribe_address}>"),
        ));
        out.push_str(&self.bulk_lines);
        // The same signed token in a header, for reports of undelivered
        // mail that come back to the branch's own address but quote the
        // message's headers (most do); see `mail::mailbox`.
        if to.subscriber_id > 0 {
            out.push_str(&format!(
                "X-Handbill-Recipient: {}\r\n",
                self.keys
                    .token_for(Purpose::Bounce, self.list_id, to.subscriber_id)
            ));
        }
        out.push_str(&self.mime_line);
        // The parts arrive quoted-printable: only the filled values are
        // encoded now, written into the body's fixed frame.
        let [before, between, after] = &self.skeleton;
        let mut bytes = Vec::with_capacity(
            out.len()
                + before.len()
                + between.len()
                + after.len()
                + self.text.literal_len()
                + self.html.literal_len()
                + 1024,
        );
        bytes.extend_from_slice(out.as_bytes());
        bytes.extend_from_slice(before);
        self.text.fill_into(&values, &mut bytes);
        bytes.extend_from_slice(between);
        self.html.fill_into(&values, &mut bytes);
        bytes.extend_from_slice(after);
        Ok(bytes)
    }
}

/// What `recipient` will receive for `content`, read back from the letter.
pub fn preview(db: &Database, content: &Content, recipient: &Recipient) -> Result<Preview> {
    let prepared = prepare(db, content)?;
    preview_letter(&prepared.letter(recipient)?)
}

/// What `recipient` will receive of an announcement with these versions:
/// the version of their language, else the main text.
pub fn preview_versions(
    db: &Database,
    content: &Content,
    versions: &[AnnouncementVersion],
    recipient: &Recipient,
) -> Result<Preview> {
    let prepared = prepare_versions(db, content, versions, crate::clock::now())?;
    preview_letter(&prepared.letter(recipient)?)
}

/// The recipient as a reader of `language` when one is chosen: the preview
/// and the test send show the version of that language.
pub fn in_language(recipient: Recipient, language: Option<&str>) -> Recipient {
    match language.map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => Recipient {
            language: l.to_owned(),
            ..recipient
        },
        None => recipient,
    }
}

/// What the text being typed would be for one person — `subscriber_id`, or
/// with none the branch's own address as a test gets it — before anything is
/// saved: the composer's live preview, rendered by the same code that sends.
/// `announcement_id` is the saved draft's number, if it has one. Nothing is
/// written; a subject or text that cannot be sent is refused by its field,
/// as saving it would be. With `language`, the reader is shown the version
/// of that language (or the main text when there is none).
pub fn preview_unsaved(
    db: &Database,
    announcement_id: Option<i64>,
    input: &super::store::AnnouncementInput,
    subscriber_id: Option<i64>,
    language: Option<&str>,
) -> Result<Preview> {
    let content = Content {
        announcement_id: announcement_id.unwrap_or(0),
        event_id: input.event_id,
        tour_id: input.tour_id,
        template: input.template,
        list_id: input.list_id,
        subject: input.subject.clone(),
        body: input.body.clone(),
        attach_flyer: input.attach_flyer,
    };
    let to = match subscriber_id {
        Some(id) => super::store::recipient(db, id)?,
        None => test_recipient(db)?,
    };
    if !input.versions.is_empty() {
        super::store::check_versions(db, &input.versions)?;
    }
    preview_versions(db, &content, &input.versions, &in_language(to, language))
}

/// A finished letter's bytes as the preview shows them.
pub fn preview_letter(bytes: &[u8]) -> Result<Preview> {
    let read = readback::read(bytes)?;
    let get = |name: &str| {
        read.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let html = read.html_shown();
    Ok(Preview {
        from: readback::mailbox_text(&get("From")),
        to: readback::mailbox_text(&get("To")),
        subject: get("Subject"),
        headers: read.headers,
        text: read.text,
        html,
        attachments: read.attachments,
    })
}

/// The letters of announcement `id` and the branch itself as their
/// recipient, reading `language` (the branch's first when none): what
/// "send a test to yourself" sends, in the window and on the command line.
pub fn test_letters(
    db: &Database,
    id: i64,
    language: Option<&str>,
) -> Result<(Versions, Recipient)> {
    let letters = prepare_announcement(db, id)?;
    Ok((letters, in_language(test_recipient(db)?, language)))
}

/// What `subscriber_id` (with none, the branch's own address) will receive
/// of announcement `id`, or a reader of `language` when one is chosen.
pub fn preview_announcement(
    db: &Database,
    id: i64,
    subscriber_id: Option<i64>,
    language: Option<&str>,
) -> Result<Preview> {
    let to = match subscriber_id {
        Some(s) => super::store::recipient(db, s)?,
        None => test_recipient(db)?,
    };
    let letters = prepare_announcement(db, id)?;
    preview_letter(&letters.letter(&in_language(to, language))?)
}

/// The branch itself as a recipient, for "send a test to yourself": its
/// contact address and name, no first name (so greetings show their
/// fallback), and subscriber id 0, which no subscriber has.
pub fn test_recipient(db: &Database) -> Result<Recipient> {
    let branch = branch::require(db)?;
    if branch.contact_email.trim().is_empty() {
        return Err(Error::invalid_field(
            "contact_email",
            "The branch profile has no contact email to send a test to. Fill it in under Settings → Branch.",
        ));
    }
    Ok(Recipient {
        subscriber_id: 0,
        email: branch.contact_email.trim().to_owned(),
        name: branch.name.clone(),
        first_name: String::new(),
        language: branch
            .languages
            .first()
            .cloned()
            .unwrap_or_else(|| "en".to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A letter spliced into the skeleton is byte for byte the body lettre
    /// formats from the same parts, with and without a logo and attachments.
    #[test]
    fn the_skeleton_splices_as_lettre_formats() {
        let boundaries = ["=_t-alternative", "=_t-related", "=_t-mixed"];
        let part = |text: &str| {
            SinglePart::builder()
                .header(ContentType::parse("text/calendar; charset=utf-8").unwrap())
                .body(Body::new(format!(
                    "BEGIN:VCALENDAR\r\n{text}\r\nEND:VCALENDAR\r\n"
                )))
        };
        let logo = MailLogo {
            part: part("logo"),
            content_id: "logo.1@example.org".to_owned(),
            width: 10,
            height: 10,
        };
        let files: Vec<Attached> = ["flyer", "calendar"]
            .iter()
            .map(|name| Attached {
                part: part(name),
                file_name: format!("{name}.ics"),
                bytes: 40,
            })
            .collect();
        let parts = [
            (
                "Hello Ana,=\r\n the rally is on.\r\n",
                "<p>Hello <b>Ana</b></p>\r\n",
            ),
            ("", ""),
            ("no line end", "<p>=C3=A9</p>"),
        ];
        for (logo, files) in [
            (None, &files[..0]),
            (Some(&logo), &files[..0]),
            (None, &files[..1]),
            (Some(&logo), &files[..]),
        ] {
            let [before, between, after] = skeleton(boundaries, logo, files).unwrap();
            for (text, html) in parts {
                let mut spliced = before.clone();
                spliced.extend_from_slice(text.as_bytes());
                spliced.extend_from_slice(&between);
                spliced.extend_from_slice(html.as_bytes());
                spliced.extend_from_slice(&after);
                let formatted = mime_body(
                    text.as_bytes().to_vec(),
                    html.as_bytes().to_vec(),
                    boundaries,
                    logo,
                    files,
                )
                .formatted();
                assert_eq!(
                    String::from_utf8_lossy(&spliced),
                    String::from_utf8_lossy(&formatted)
                );
            }
        }
    }
}
