//! Where composing meets sending. The sender knows deliveries and SMTP; it
//! does not know Markdown, templates or headers. Composition prepares an
//! announcement once (render the Markdown, load the flyer) and gives the
//! sender a [`Letters`]: the finished message for any one recipient.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Result;

/// Which kind of announcement a draft starts from. It fills the subject and
/// the body from the event; the organizer may then edit both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Template {
    NewEvent,
    Reminder,
    Rescheduled,
    Cancelled,
    CosponsorInvitation,
    /// "Thanks for coming": to those who signed in at the event, with what comes next.
    ThankYou,
    /// "We missed you": to regulars who did not come this time.
    MissedYou,
}

impl Template {
    pub const ALL: [Template; 7] = [
        Template::NewEvent,
        Template::Reminder,
        Template::Rescheduled,
        Template::Cancelled,
        Template::CosponsorInvitation,
        Template::ThankYou,
        Template::MissedYou,
    ];

    /// A follow-up after an event (thanks, missed you): about one event
    /// that has happened, to the people its sign-in sheet names.
    pub fn is_follow_up(self) -> bool {
        matches!(self, Template::ThankYou | Template::MissedYou)
    }

    /// The stable name stored in the database and typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Template::NewEvent => "new_event",
            Template::Reminder => "reminder",
            Template::Rescheduled => "rescheduled",
            Template::Cancelled => "cancelled",
            Template::CosponsorInvitation => "cosponsor_invitation",
            Template::ThankYou => "thank_you",
            Template::MissedYou => "missed_you",
        }
    }

    pub fn parse(text: &str) -> Option<Template> {
        let key = text.trim().to_ascii_lowercase().replace('-', "_");
        Template::ALL
            .into_iter()
            .find(|t| t.as_str() == key)
            .or(match key.as_str() {
                "thanks" => Some(Template::ThankYou),
                "missed" => Some(Template::MissedYou),
                _ => None,
            })
    }

    /// How the window names it. The only copy: the window's labels are
    /// generated from it (`make bindings`).
    pub fn label(self) -> &'static str {
        match self {
            Template::NewEvent => "New event",
            Template::Reminder => "Reminder",
            Template::Rescheduled => "Rescheduled",
            Template::Cancelled => "Cancelled",
            Template::CosponsorInvitation => "Co-sponsor invitation",
            Template::ThankYou => "Thanks for coming",
            Template::MissedYou => "We missed you",
        }
    }
}

/// What an announcement says, as the organizer left it: the input to composing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Content {
    /// The announcement's id; it makes each recipient's Message-ID stable.
    pub announcement_id: i64,
    /// The event it is about (one of `event_id` and `tour_id` is set).
    pub event_id: Option<i64>,
    pub tour_id: Option<i64>,
    pub template: Template,
    /// The list it goes to: the List-Id header names it.
    pub list_id: i64,
    pub subject: String,
    /// Markdown, with personal fields such as `{{first_name|friend}}`.
    pub body: String,
    /// Attach the event's flyer as a PDF.
    pub attach_flyer: bool,
}

/// An announcement's text in one more of the branch's languages, beside its
/// main text (in the branch's first language): the subscribers of that
/// language get it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AnnouncementVersion {
    /// A language of the branch, such as `es`.
    pub language: String,
    pub subject: String,
    /// Markdown, with personal fields.
    pub body: String,
}

/// One person an announcement goes to, as the delivery row keeps them (a
/// snapshot taken when the announcement was queued).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Recipient {
    pub subscriber_id: i64,
    pub email: String,
    pub name: String,
    pub first_name: String,
    pub language: String,
}

/// A prepared announcement: everything that is the same for every recipient
/// is done once; [`Letters::letter`] fills in the person.
pub trait Letters: Send + Sync {
    /// The branch's address, which names the sending host's domain.
    fn sender(&self) -> &str;
    /// The envelope sender (SMTP `MAIL FROM`) of one recipient's message:
    /// the branch's address, or its per-recipient return path.
    fn envelope_from(&self, to: &Recipient) -> String;
    /// The whole message for one recipient: RFC 5322 bytes, CRLF line ends,
    /// ready for SMTP `DATA`.
    fn letter(&self, to: &Recipient) -> Result<Vec<u8>>;
}
