//! Mail: the people on a branch's mailing lists and what is sent to them.
//! Subscribers and their consent ledger (`subscribers`), lists and segments
//! (`lists`), importing people from a CSV file (`import`), exporting a list
//! to CSV (`export`), one person's data on request and forgetting them
//! (`person`), the sample branch's list (`sample`), and announcements:
//! an email about an event sent to a list (`announcements`).

pub mod announcements;
pub mod attendance;
pub mod export;
pub mod import;
pub mod lists;
pub mod mailbox;
pub mod person;
pub mod sample;
pub mod subscribers;
