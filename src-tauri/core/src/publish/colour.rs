//! The site's colours: the branch's own, taken from its logo (the average of
//! its strongly coloured pixels), darkened until white text on it and the
//! colour as text on white both keep WCAG's 4.5:1 contrast. A branch without
//! a logo, or with a grey one, gets the flyers' red accent.

/// The flyers' colour accent (flyers/compose.rs), for a branch whose logo
/// gives no colour.
const FLYER_RED: Rgb = Rgb(178, 24, 43);

/// The contrast every text colour on the site keeps against its background.
pub(crate) const MIN_CONTRAST: f64 = 4.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub(crate) fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Relative luminance, as WCAG 2 defines it.
    fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    fn darker(self) -> Rgb {
        let d = |c: u8| (f64::from(c) * 0.92) as u8;
        Rgb(d(self.0), d(self.1), d(self.2))
    }
}

pub(crate) const WHITE: Rgb = Rgb(255, 255, 255);
pub(crate) const INK: Rgb = Rgb(25, 25, 28);

/// WCAG 2's contrast ratio of two colours (1 to 21).
pub(crate) fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// The site's accent and the text colour on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Accent {
    /// The masthead's background, and links and headings on white.
    pub colour: Rgb,
    /// Text on the masthead: whichever of white and ink contrasts more.
    pub on_colour: Rgb,
}

/// The accent for a branch with this logo (PNG or JPEG bytes), or none.
pub(crate) fn accent(logo: Option<&[u8]>) -> Accent {
    let mut colour = logo.and_then(logo_colour).unwrap_or(FLYER_RED);
    // Links are the accent on white: darken until they read.
    while contrast(colour, WHITE) < MIN_CONTRAST {
        colour = colour.darker();
    }
    let on_colour = if contrast(WHITE, colour) >= contrast(INK, colour) {
        WHITE
    } else {
        INK
    };
    Accent { colour, on_colour }
}

/// The average of a logo's strongly coloured, opaque pixels; None when it
/// has too few of them (a black and white logo) or cannot be read.
fn logo_colour(bytes: &[u8]) -> Option<Rgb> {
    let image = image::load_from_memory(bytes).ok()?;
    // A small copy is enough to find a colour, and quick for a big logo.
    let small = image.thumbnail(64, 64).to_rgba8();
    let (mut r, mut g, mut b, mut n) = (0u64, 0u64, 0u64, 0u64);
    for p in small.pixels() {
        let [pr, pg, pb, alpha] = p.0;
        let max = pr.max(pg).max(pb);
        let min = pr.min(pg).min(pb);
        if alpha < 128 || max < 40 || u16::from(max - min) * 100 < u16::from(max) * 35 {
            continue;
        }
        r += u64::from(pr);
        g += u64::from(pg);
        b += u64::from(pb);
        n += 1;
    }
    let total = u64::from(small.width()) * u64::from(small.height());
    if n == 0 || n * 50 < total {
        return None;
    }
    Some(Rgb((r / n) as u8, (g / n) as u8, (b / n) as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_accent_keeps_its_contrast() {
        for logo_colour in [
            Rgb(255, 255, 0),
            Rgb(0, 0, 0),
            Rgb(250, 250, 250),
            FLYER_RED,
            Rgb(0, 200, 255),
        ] {
            let mut colour = logo_colour;
            while contrast(colour, WHITE) < MIN_CONTRAST {
                colour = colour.darker();
            }
            assert!(
                contrast(colour, WHITE) >= MIN_CONTRAST,
                "{logo_colour:?} darkened to {colour:?} reads on white"
            );
        }
        let a = accent(None);
        assert!(
            contrast(a.on_colour, a.colour) >= MIN_CONTRAST,
            "the masthead's text reads on the flyers' red: {a:?}"
        );
    }
}
