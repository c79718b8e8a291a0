//! Handbill's domain core: everything a user can do, as plain functions over a
//! [`db::Database`], with no dependency on a window. The desktop shell and
//! the command line are thin adapters over this crate.

pub mod branch;
pub mod clock;
pub mod coalition;
pub mod db;
pub mod demo;
pub mod email;
pub mod error;
pub mod events;
pub mod flyers;
pub mod mail;
pub mod publish;
pub mod share;

pub use db::Database;
pub use error::{Error, ErrorCode, FieldProblem, Result};

/// This build's version, as `handbill --version` and the About panel show it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
