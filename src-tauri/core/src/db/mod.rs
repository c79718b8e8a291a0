//! The branch's database and the files that carry it: opening and migrating
//! the one SQLite file (`storage`), backups beside it (`backup`), moving a
//! whole branch to another machine (`handover`), taking in a database from
//! outside (`intake`), transactions that nest (`Tx`), reading the files a person gives Handbill (`outside`),
//! and the report for a bug report (`diagnostics`). It knows no area: the
//! areas above use it, never the other way round.

pub mod backup;
pub mod diagnostics;
pub mod handover;
mod intake;
pub mod outside;
pub mod storage;
mod transaction;

pub use storage::Database;
pub(crate) use transaction::Tx;
