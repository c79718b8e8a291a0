//! The flyers' part of the command line: `handbill flyer EVENT_ID -o FILE.pdf`,
//! `handbill flyer --tour TOUR_ID …`, `handbill image EVENT_ID --format
//! story -o FILE.png` (an image for social media, its alt text beside it)
//! and `handbill signin-sheet EVENT_ID -o FILE.pdf`. The same core functions the window's Flyers section and event
//! actions call; errors as [`Error`] for `cli::run` to print (naming
//! the field or the path) with their exit code.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use handbill_core::db::outside;
use handbill_core::flyers::{
    self, FlyerOptions, FlyerRequest, ImageFormat, ImageRequest, Layout, Paper, SigninRequest,
    Theme,
};
use handbill_core::{Database, Error};

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
    /// Without it, an event's layout last chosen on the Flyers screen (full page when none).
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// Without it, the event's paper last chosen on the Flyers screen (letter when none).
    #[arg(long, value_enum)]
    pub paper: Option<PaperArg>,
    /// Black and white only, for photocopiers.
    #[arg(long, conflicts_with = "color")]
    pub bw: bool,
    /// In colour, whatever was chosen for the event on the Flyers screen.
    #[arg(long)]
    pub color: bool,
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

/// Draws the flyer(s) with the window's own [`flyers::draw`] and writes the
/// PDF; says what was written, with the drawing's notes on stderr.
pub fn flyer_command(db: &Database, args: FlyerArgs) -> Result<String, Error> {
    // An event's flyer starts from the choices kept for it on the Flyers
    // screen; the options given here change them for this file only.
    let kept = match args.event {
        Some(id) => flyers::choices(db, id)?,
        None => FlyerOptions::default(),
    };
    let request = FlyerRequest {
        event_id: args.event,
        tour_id: args.tour,
        poster: args.layout == Some(LayoutArg::Poster),
        options: FlyerOptions {
            layout: match args.layout {
                None => kept.layout,
                Some(LayoutArg::Full | LayoutArg::Poster) => Layout::FullPage,
                Some(LayoutArg::Half) => Layout::HalfSheet,
                Some(LayoutArg::Quarter) => Layout::QuarterSheet,
            },
            paper: match args.paper {
                None => kept.paper,
                Some(PaperArg::Letter) => Paper::Letter,
                Some(PaperArg::A4) => Paper::A4,
            },
            theme: if args.bw {
                Theme::BlackAndWhite
            } else if args.color {
                Theme::Color
            } else {
                kept.theme
            },
            tear_offs: args.tear_offs || kept.tear_offs,
        },
        bilingual: args.bilingual,
    };
    let flyer = flyers::draw(db, &request).map_err(|e| {
        // The refusal of a poster for one event, in the terms of this command's options.
        if e.fields.iter().any(|f| f.field == "layout") {
            Error::invalid_field("layout", "poster is for a tour: use --tour TOUR_ID --layout poster, or choose full, half or quarter for one event.")
        } else {
            e
        }
    })?;
    for note in &flyer.notes {
        eprintln!("handbill: note: {note}");
    }
    outside::write(&args.output, &flyer.pdf)?;
    Ok(format!(
        "Wrote {} to {} ({} KB).",
        flyer.what,
        args.output.display(),
        flyer.pdf.len().div_ceil(1024)
    ))
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  handbill signin-sheet 12 -o door.pdf\n  handbill signin-sheet 12 --paper a4 --rows 60 -o door.pdf   (60 numbered rows over several pages)"
)]
pub struct SigninArgs {
    /// The event the sheet is for (its number, as `handbill event list` shows).
    #[arg(value_name = "EVENT_ID")]
    pub event: i64,
    /// Without it, the paper last chosen for the event's flyer (letter when none).
    #[arg(long, value_enum)]
    pub paper: Option<PaperArg>,
    /// How many numbered rows, 1 to 500; more than a page holds continue on the next page.
    /// Without it, as many as fill the first page.
    #[arg(long, value_name = "N")]
    pub rows: Option<u32>,
    /// Where to write the PDF.
    #[arg(short, long, value_name = "FILE.pdf")]
    pub output: PathBuf,
}

/// Draws the sign-in sheet with the window's own [`flyers::signin_sheet`]
/// and writes the PDF.
pub fn signin_command(db: &Database, args: SigninArgs) -> Result<String, Error> {
    let request = SigninRequest {
        event_id: args.event,
        paper: args.paper.map(|p| match p {
            PaperArg::Letter => Paper::Letter,
            PaperArg::A4 => Paper::A4,
        }),
        rows: args.rows,
    };
    let sheet = flyers::signin_sheet(db, &request).map_err(|e| {
        // The field as this command's option names it.
        match e.fields.iter().find(|f| f.field == "rows") {
            Some(rows) => Error::invalid_field("--rows", rows.message.clone()),
            None => e,
        }
    })?;
    outside::write(&args.output, &sheet.pdf)?;
    Ok(format!(
        "Wrote {} to {} ({} KB).",
        sheet.what,
        args.output.display(),
        sheet.pdf.len().div_ceil(1024)
    ))
}

/// The image formats as typed on the command line.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    /// 1080×1080, a feed post.
    Square,
    /// 1080×1350, a feed post that takes more of the screen.
    Portrait,
    /// 1080×1920, a story.
    Story,
}

#[derive(Args, Debug)]
#[command(
    after_help = "The alt text is written beside the image: rally.png gets rally.alt.txt.\n\nExamples:\n  \
                  handbill image 12 --format story -o rally-story.png\n  handbill image --tour 3 --format portrait -o tour.png"
)]
pub struct ImageArgs {
    /// The event to draw (its number, as `handbill event list` shows).
    #[arg(
        value_name = "EVENT_ID",
        required_unless_present = "tour",
        conflicts_with = "tour"
    )]
    pub event: Option<i64>,
    /// Draw a whole tour instead: its title and every announced stop.
    #[arg(long, value_name = "TOUR_ID")]
    pub tour: Option<i64>,
    /// The image's shape and size in pixels.
    #[arg(long, value_enum, default_value = "square")]
    pub format: FormatArg,
    /// Where to write the PNG; its alt text goes beside it, as FILE.alt.txt.
    #[arg(short, long, value_name = "FILE.png")]
    pub output: PathBuf,
}

/// Draws the image with the window's own [`flyers::image`] and writes it
/// and its alt text with [`flyers::save_image`]; says where both went.
pub fn image_command(db: &Database, args: ImageArgs) -> Result<String, Error> {
    let request = ImageRequest {
        event_id: args.event,
        tour_id: args.tour,
        format: match args.format {
            FormatArg::Square => ImageFormat::Square,
            FormatArg::Portrait => ImageFormat::Portrait,
            FormatArg::Story => ImageFormat::Story,
        },
    };
    let image = flyers::image(db, &request)?;
    let saved = flyers::save_image(&image, &args.output)?;
    Ok(format!(
        "Wrote {} to {} ({} KB) and its alt text to {}.",
        image.what,
        saved.path,
        image.png.len().div_ceil(1024),
        saved.alt_path
    ))
}
