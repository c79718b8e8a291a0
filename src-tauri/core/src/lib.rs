//! Handbill's domain core: everything a user can do, as plain functions over a
//! [`storage::Database`], with no dependency on a window. The desktop shell and
//! the command line are thin adapters over this crate.

pub mod announcements;
pub mod backup;
pub mod branch;
mod bulk;
pub mod coalition;
pub mod demo;
pub mod diagnostics;
pub mod error;
pub mod events;
pub mod export;
pub mod flyers;
pub mod handover;
pub mod import;
mod intake;
pub mod lists;
pub mod outside;
pub mod sample_mail;
pub mod status;
pub mod storage;
pub mod subscribers;

pub use error::{Error, ErrorCode, FieldProblem, Result};
pub use storage::Database;

/// This build's version, as `handbill --version` and the About panel show it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
