//! Announcements: an email about an event (or a tour) sent to a list, one
//! delivery per subscriber. This module owns composing the message from the
//! event (`compose`), the announcement and delivery records, the branch's SMTP
//! account, and the sending job that mails each person exactly once, even
//! across a dropped connection or a killed process.
//!
//! The two halves meet in [`letter`]: composition prepares an announcement once
//! and hands the sender a [`letter::Letters`] that writes the finished message
//! for each recipient.

pub mod account;
pub mod announce;
mod attach;
pub mod compose;
pub mod keys;
mod layout;
pub mod lease;
pub mod letter;
mod personal;
mod readback;
pub mod replies;
pub mod schedule;
pub mod send;
pub mod store;
pub mod templates;
pub mod timer;
pub mod told;
pub mod words;

pub use account::{
    outbox_dir, ConnectionProblem, ConnectionReport, Password, Security, SmtpAccount,
};
pub use compose::{
    flyer_file_name, prepare, prepare_at, preview, preview_letter, preview_unsaved, test_recipient,
    Prepared, Preview, Versions,
};
pub use letter::{AnnouncementVersion, Content, Letters, Recipient, Template};
pub use send::{run, SendOptions};
pub use store::{
    Announcement, AnnouncementInput, AnnouncementState, Delivery, DeliveryStatus, SendProgress,
    UncertainDecision,
};
pub use templates::{draft, draft_in};
pub use told::{starting_template, told, Told, ToldList};
