//! The flyers' part of the command line: `handbill flyer EVENT_ID -o FILE.pdf`
//! and `handbill flyer --tour TOUR_ID …`. The same core functions the window's
//! Flyers section calls; errors as [`Error`] for `cli::run` to print (naming
//! the field or the path) with their exit code.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use handbill_core::flyers::{self, FlyerOptions, Layout, Paper, Theme};
use handbill_core::{events, Database, Error};

/// The layouts as typed on the command line; `poster` is a tour's.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutArg {
    Full,
    Half,
    Quarter,
    Poster,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaperArg {
    Letter,
    A4,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  handbill flyer 12 -o rally.pdf\n  handbill flyer 12 --layout half --paper a4 --bw -o rally-half.pdf\n  \
                  handbill flyer --tour 3 --layout poster -o tour-poster.pdf\n  handbill flyer --tour 3 -o every-stop.pdf   (one flyer per stop)"
)]
pub struct FlyerArgs {
    /// The event to print (its number, as `handbill event list` shows).
    #[arg(
        value_name = "EVENT_ID",
        required_unless_present = "tour",
        conflicts_with = "tour"
    )]
    pub event: Option<i64>,
    /// Print a whole tour instead: one flyer per stop, or with `--layout poster` one poster of every stop.
    #[arg(long, value_name = "TOUR_ID")]
    pub tour: Option<i64>,
    /// full page, half sheet (two per page), quarter sheet (four per page), or a tour's poster.
    #[arg(long, value_enum, default_value = "full")]
    pub layout: LayoutArg,
    #[arg(long, value_enum, default_value = "letter")]
    pub paper: PaperArg,
    /// Black and white only, for photocopiers.
    #[arg(long)]
    pub bw: bool,
    /// Tear-off tabs along the bottom carrying the event's link or contact.
    #[arg(long)]
    pub tear_offs: bool,
    /// Also print the event's title, description and demand list in this language (such as `es`) when translated.
    #[arg(long, value_name = "LANGUAGE")]
    pub bilingual: Option<String>,
    /// Where to write the PDF.
    #[arg(short, long, value_name = "FILE.pdf")]
    pub output: PathBuf,
}

/// Renders the flyer(s) and writes the PDF; says what was written.
pub fn flyer_command(db: &Database, args: FlyerArgs) -> Result<String, Error> {
    let layout = match args.layout {
        LayoutArg::Full | LayoutArg::Poster => Layout::FullPage,
        LayoutArg::Half => Layout::HalfSheet,
        LayoutArg::Quarter => Layout::QuarterSheet,
    };
    let options = FlyerOptions {
        layout,
        paper: match args.paper {
            PaperArg::Letter => Paper::Letter,
            PaperArg::A4 => Paper::A4,
        },
        theme: if args.bw {
            Theme::BlackAndWhite
        } else {
            Theme::Color
        },
        tear_offs: args.tear_offs,
    };
    let bilingual = args.bilingual.as_deref();
    let (bytes, what) = match (args.event, args.tour) {
        (_, Some(tour)) => {
            let t = events::get_tour(db, tour)?;
            if args.layout == LayoutArg::Poster {
                (
                    flyers::tour_poster_in(db, tour, options, bilingual)?,
                    format!("the poster of “{}”", t.tour.title),
                )
            } else {
                let n = t.stops.len();
                (
                    flyers::tour_flyers_in(db, tour, options, bilingual)?,
                    format!(
                        "{n} flyer{} for the stops of “{}”",
                        if n == 1 { "" } else { "s" },
                        t.tour.title
                    ),
                )
            }
        }
        (Some(id), None) => {
            if args.layout == LayoutArg::Poster {
                return Err(Error::invalid_field("layout", "poster is for a tour: use --tour TOUR_ID --layout poster, or choose full, half or quarter for one event."));
            }
            let e = events::get(db, id)?;
            if e.start_date.is_empty() {
                eprintln!("handbill: note: event {id} has no date yet, so the flyer says “Date and place coming soon”.");
            }
            (
                flyers::event_flyer_in(db, id, options, bilingual)?,
                format!("the flyer of “{}”", e.title),
            )
        }
        (None, None) => {
            return Err(Error::invalid_field(
                "event",
                "Give an event number, or --tour TOUR_ID.",
            ))
        }
    };
    if let Some(lang) = bilingual {
        let langs = match (args.event, args.tour) {
            (_, Some(t)) if args.layout == LayoutArg::Poster => flyers::languages_for_tour(db, t)?,
            (Some(id), None) => flyers::languages_for_event(db, id)?,
            _ => vec![lang.to_owned()],
        };
        let primary = |tag: &str| tag.split('-').next().unwrap_or("").to_ascii_lowercase();
        if !langs
            .iter()
            .any(|l| l.eq_ignore_ascii_case(lang) || primary(l) == primary(lang))
        {
            eprintln!("handbill: note: there is no “{lang}” translation to print beside the English; the flyer is in English only.");
        }
    }
    flyers::write_pdf(&args.output, &bytes)?;
    Ok(format!(
        "Wrote {what} to {} ({} KB).",
        args.output.display(),
        bytes.len().div_ceil(1024)
    ))
}
