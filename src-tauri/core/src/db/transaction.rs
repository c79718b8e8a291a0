//! Transactions that nest: what every area's all-or-nothing writes begin.

use crate::db::Database;
use crate::error::Result;

/// A transaction that nests: a savepoint, so a function that writes
/// all-or-nothing can run on its own or inside a larger transaction
/// (the demo loader, an import). Dropped without [`Tx::commit`], it rolls back.
/// On its own it begins as an immediate transaction: one that reads first and
/// writes later would fail at once, instead of waiting, while another
/// connection writes.
pub(crate) struct Tx<'a> {
    db: &'a Database,
    outermost: bool,
    done: bool,
}

impl<'a> Tx<'a> {
    pub(crate) fn begin(db: &'a Database) -> Result<Tx<'a>> {
        let outermost = db.conn().is_autocommit();
        if outermost {
            db.conn().execute_batch("BEGIN IMMEDIATE")?;
        } else {
            db.conn().execute_batch("SAVEPOINT handbill_events")?;
        }
        Ok(Tx {
            db,
            outermost,
            done: false,
        })
    }

    pub(crate) fn commit(mut self) -> Result<()> {
        self.db.conn().execute_batch(if self.outermost {
            "COMMIT"
        } else {
            "RELEASE handbill_events"
        })?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.db.conn().execute_batch(if self.outermost {
                "ROLLBACK"
            } else {
                "ROLLBACK TO handbill_events; RELEASE handbill_events"
            });
        }
    }
}
