//! The site's part of the command line: `handbill publish -o DIR [--address
//! URL]`. The same [`publish::publish`] the window's *Publish site* calls;
//! errors as [`Error`] for `cli::run` to print with their exit code.

use std::path::PathBuf;

use clap::Args;
use handbill_core::publish::{self, PublishRequest};
use handbill_core::{Database, Error};

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  handbill publish -o site\n  handbill publish -o site --address https://example.org/events/\n\n\
                  Publishing again into the same folder rewrites only the files that changed."
)]
pub struct PublishArgs {
    /// The site's folder: a new or empty one, or one Handbill published into before.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// The address the site will be read at once uploaded, so the feeds give whole links.
    #[arg(long, value_name = "URL", default_value = "")]
    pub address: String,
}

/// Publishes the site and says where, and what changed.
pub fn command(db: &Database, args: PublishArgs) -> Result<String, Error> {
    let request = PublishRequest {
        folder: args.output,
        address: args.address,
    };
    let r = publish::publish(db, &request)?;
    Ok(format!(
        "Published {} event page{} and {} tour{} ({}) to {}: {} file{} written, {} unchanged, {} removed.\nOpen {}",
        r.events,
        if r.events == 1 { "" } else { "s" },
        r.tours,
        if r.tours == 1 { "" } else { "s" },
        r.languages.join(" and "),
        r.folder,
        r.written,
        if r.written == 1 { "" } else { "s" },
        r.unchanged,
        r.removed,
        r.index
    ))
}
