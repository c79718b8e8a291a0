//! A tour poster: the tour's title, speakers and description above its
//! stops, each stop a short block (date and time, place, its own speaker
//! when it is not the tour's) in one column or two. The stop lines are what
//! a passer-by reads from the corridor, so they keep their size longest:
//! the title shrinks first, then the description, and only then the stops,
//! never below [`SMALLEST_ONE_PAGE`] on one page. A tour that does not fit
//! one page at that size continues on a second page that says so. More than
//! [`MAX_STOPS`] stops, or text too long for both pages, is refused naming
//! what to do instead (the caller names the other paper when it fits there).

use super::canvas::Mark;
use super::compose::{Panel, Piece};
use super::fonts::Weight;
use super::StopMark;
use crate::error::Result;

/// The most stops a poster holds: two pages of two columns.
pub const MAX_STOPS: usize = 30;

/// The heading over the stops.
pub(super) const STOPS_HEADING: &str = "Meetings near you";

/// The stop lines' sizes in points, tried largest first: on one page down
/// to [`SMALLEST_ONE_PAGE`], then on two pages down to [`SMALLEST`] (only
/// stops with long places, or a long description, go below 11 pt).
const LARGEST: f32 = 14.0;
const SMALLEST_ONE_PAGE: f32 = 11.0;
const SMALLEST: f32 = 10.0;
/// The stop lines' leading, as a share of their size.
const LEADING: f32 = 1.2;
/// The description and the speakers are set no smaller than this on a poster.
const BODY_MIN: f32 = 9.0;

/// A laid-out poster, or why it does not fit.
pub(super) enum Poster {
    /// One or two pages of marks.
    Pages(Vec<Vec<Mark>>),
    Miss(Miss),
}

/// What does not fit: the field to name, what is wrong, and what the
/// organizer can do about it short of another paper (which the caller,
/// having tried it, adds).
pub(super) struct Miss {
    pub field: &'static str,
    pub problem: String,
    pub fix: String,
}

/// The sizes chosen for a poster.
#[derive(Debug, Clone, Copy)]
struct Plan {
    pages: usize,
    /// The stop lines' size.
    size: f32,
    /// The description's and the speakers' size.
    body: f32,
    /// The title's largest size, as a share of the full design's.
    squeeze: f32,
    columns: usize,
    /// How many stops page 1 holds.
    first: usize,
}

/// The stop sizes to try, one page first: (pages, size).
fn attempts() -> Vec<(usize, f32)> {
    let steps = |from: f32, to: f32| {
        let mut v = Vec::new();
        let mut s = from;
        while s >= to - 0.01 {
            v.push(s);
            s -= 0.5;
        }
        v
    };
    let mut out: Vec<(usize, f32)> = steps(LARGEST, SMALLEST_ONE_PAGE)
        .into_iter()
        .map(|s| (1, s))
        .collect();
    out.extend(steps(LARGEST, SMALLEST).into_iter().map(|s| (2, s)));
    out
}

/// The description sizes to try at stop size `size`: from the stops' own
/// size (at most 13 pt) down to [`BODY_MIN`].
fn bodies(size: f32) -> Vec<f32> {
    let mut v = Vec::new();
    let mut b = size.min(13.0);
    while b >= BODY_MIN - 0.01 {
        v.push(b);
        b -= 1.0;
    }
    if v.is_empty() {
        v.push(BODY_MIN);
    }
    v
}

/// The height of pieces stacked with `gap` after each.
fn stack(pieces: &[Piece], gap: f32) -> f32 {
    pieces.iter().map(|p| p.h + gap).sum()
}

/// Where the second column starts and the height of the taller column, for
/// stops read down the first column and then the second. One column: all
/// of them, and their height.
fn grid(entries: &[Piece], columns: usize) -> (usize, f32) {
    let total: f32 = entries.iter().map(|p| p.h).sum();
    if columns == 1 || entries.len() < 2 {
        return (entries.len(), total);
    }
    let mut best = (entries.len(), total);
    let mut above = 0.0;
    for (k, p) in entries.iter().enumerate().take(entries.len() - 1) {
        above += p.h;
        let tallest = above.max(total - above);
        // Ties go to the longer first column, which reads better.
        if tallest < best.1 - 0.01 {
            best = (k + 1, tallest);
        }
    }
    best
}

/// "1 more stop", "14 more stops".
fn more_stops(n: usize) -> String {
    format!("{n} more stop{}", if n == 1 { "" } else { "s" })
}

impl Panel<'_> {
    /// The stops' heading, `width` wide.
    pub(super) fn stops_heading(&self, text: &str, size: f32, width: f32) -> Piece {
        let mut p = Piece::named("stops");
        p.text(
            text,
            0.0,
            width,
            size * 1.6,
            Weight::Bold,
            self.p.accent,
            1.25,
        );
        p.gap(size * 0.3);
        p
    }

    /// One stop under a thin rule: its date and time (with a CANCELLED or
    /// RESCHEDULED note), its place, and its own speaker, all in dark ink at
    /// `size`, `width` wide; the date and place struck through when the stop
    /// is cancelled and the branch chose so.
    pub(super) fn stop_entry(&self, p: &mut Piece, s: &StopMark, size: f32, width: f32) {
        p.marks.push(Mark::Rect {
            x: 0.0,
            y: p.h,
            w: width,
            h: 0.6,
            fill: self.p.muted,
        });
        p.gap(size * 0.4);
        let when = if s.note.is_empty() {
            s.when.clone()
        } else {
            format!("{} — {}", s.when, s.note)
        };
        // "Monday, March 1, 2027 | 6:00 - 8:00 pm" too wide for a column
        // breaks between the date and the time, not inside the time.
        let from = p.marks.len();
        match when.split_once(" | ") {
            Some((date, time)) if super::fonts::width(&when, Weight::Bold, size) > width => {
                p.text(date, 0.0, width, size, Weight::Bold, self.p.ink, LEADING);
                p.text(time, 0.0, width, size, Weight::Bold, self.p.ink, LEADING);
            }
            _ => p.text(&when, 0.0, width, size, Weight::Bold, self.p.ink, LEADING),
        }
        p.text(
            &s.place,
            0.0,
            width,
            size,
            Weight::Regular,
            self.p.ink,
            LEADING,
        );
        // A cancelled stop struck through (when the branch chose so): its
        // date and place, still there to read, and its CANCELLED note.
        if s.struck {
            p.strike_from(from);
        }
        if !s.speaker.is_empty() {
            p.text(
                &format!("with {}", s.speaker),
                0.0,
                width,
                size,
                Weight::Bold,
                self.p.accent,
                LEADING,
            );
        }
        p.gap(size * 0.3);
    }

    fn stop_pieces(&self, size: f32, width: f32) -> Vec<Piece> {
        self.c
            .stops
            .iter()
            .map(|s| {
                let mut p = Piece::named("stops");
                self.stop_entry(&mut p, s, size, width);
                p
            })
            .collect()
    }

    fn gutter_poster(&self) -> f32 {
        24.0 * self.z.s
    }

    fn column_width(&self, columns: usize) -> f32 {
        if columns == 1 {
            self.cw()
        } else {
            (self.cw() - self.gutter_poster()) / 2.0
        }
    }

    /// The room between the last part and the footer.
    fn foot_gap(&self) -> f32 {
        10.0 * self.z.s
    }

    /// The height the parts take between the margins, above the footer.
    fn frame(&self, footer: &Piece) -> f32 {
        let reserve = if self.tear_offs { self.z.tab_h } else { 0.0 };
        self.h - 2.0 * self.z.margin - reserve - footer.h - self.foot_gap()
    }

    /// The top of page 2: the tour's title again, smaller.
    fn continued_title(&self) -> Piece {
        let mut p = Piece::named("title");
        p.text(
            &self.c.title,
            0.0,
            self.cw(),
            (20.0 * self.z.s).max(12.0),
            Weight::Bold,
            self.p.ink,
            1.15,
        );
        p.gap(8.0 * self.z.s);
        p
    }

    /// Page 1's last line on a two-page poster.
    fn continued_note(&self, rest: usize, size: f32) -> Piece {
        let mut p = Piece::named("stops");
        p.gap(size * 0.3);
        let text = if rest == 0 {
            "Continued on page 2".to_owned()
        } else {
            format!("Continued on page 2: {}", more_stops(rest))
        };
        p.text(
            &text,
            0.0,
            self.cw(),
            size,
            Weight::Bold,
            self.p.accent,
            1.25,
        );
        p
    }

    /// Lays out a tour poster on one page, or two, at the largest sizes
    /// that fit; or says what does not fit.
    pub(super) fn draw_poster(&self, paper: &str) -> Result<Poster> {
        self.columns.set(1);
        let z = &self.z;
        let n = self.c.stops.len();
        let footer = self.footer()?;
        let frame = self.frame(&footer);
        let fixed = self.header().h + self.banner().map_or(0.0, |b| b.h) + self.when_where(1.0).h;
        let mut heads = Vec::new();
        let mut title = z.title_max;
        while title >= z.title_min - 0.01 {
            let squeeze = title / z.title_max;
            heads.push((squeeze, self.headline(squeeze)?.h));
            title -= 2.0;
        }
        // Page 2 starts with the title (the footer names the branch again).
        let page_two_top = self.continued_title().h;
        // The text above and below the stops, measured once per size (a long
        // description is wrapped a handful of times, not once per attempt).
        let mut heights: Vec<(f32, f32, f32)> = Vec::new();
        let mut measured = |body: f32| {
            if let Some(&(_, lead, tail)) = heights.iter().find(|h| (h.0 - body).abs() < 0.01) {
                return (lead, tail);
            }
            let gap = body * 0.9;
            let lead = stack(&self.lead_parts(body), gap);
            let tail = stack(&self.tail_parts(body), gap);
            heights.push((body, lead, tail));
            (lead, tail)
        };
        let mut plan = None;
        'search: for (pages, size) in attempts() {
            let entries = [
                self.stop_pieces(size, self.column_width(1)),
                self.stop_pieces(size, self.column_width(2)),
            ];
            let heading = self.stops_heading(STOPS_HEADING, size, self.cw()).h;
            let note = self.continued_note(n, size).h;
            for body in bodies(size) {
                let (lead, tail) = measured(body);
                for &(squeeze, head) in &heads {
                    let top = fixed + head + lead + heading;
                    for columns in [1, 2] {
                        let e = &entries[columns - 1];
                        if pages == 1 {
                            if top + grid(e, columns).1 + tail <= frame {
                                plan = Some(Plan {
                                    pages,
                                    size,
                                    body,
                                    squeeze,
                                    columns,
                                    first: n,
                                });
                                break 'search;
                            }
                            continue;
                        }
                        let room = frame - top - note;
                        // Every stop on page 1 and what follows them on page 2, else
                        // as many stops as page 1 holds (two at least: no heading
                        // stands alone), the rest on page 2.
                        let Some(first) = (2.min(n)..=n)
                            .rev()
                            .find(|k| grid(&e[..*k], columns).1 <= room)
                        else {
                            continue;
                        };
                        let page_two = if first == n {
                            page_two_top + tail
                        } else {
                            page_two_top + heading + grid(&e[first..], columns).1 + tail
                        };
                        if (first < n || tail > 0.0) && page_two <= frame {
                            plan = Some(Plan {
                                pages,
                                size,
                                body,
                                squeeze,
                                columns,
                                first,
                            });
                            break 'search;
                        }
                    }
                }
            }
        }
        match plan {
            Some(plan) => Ok(Poster::Pages(self.poster_pages(plan, footer)?)),
            None => Ok(Poster::Miss(self.poster_miss(
                paper,
                frame,
                fixed,
                page_two_top,
            )?)),
        }
    }

    /// What is too long when even the smallest sizes do not fit.
    fn poster_miss(&self, paper: &str, frame: f32, fixed: f32, page_two_top: f32) -> Result<Miss> {
        let n = self.c.stops.len();
        let (size, body, columns) = (SMALLEST, BODY_MIN, 2);
        let gap = body * 0.9;
        let lead = self.lead_parts(body);
        let tail = self.tail_parts(body);
        let head = self.headline(self.z.title_min / self.z.title_max)?;
        let entries = self.stop_pieces(size, self.column_width(columns));
        let heading = self.stops_heading(STOPS_HEADING, size, self.cw()).h;
        let page_one = fixed
            + head.h
            + stack(&lead, gap)
            + heading
            + grid(&entries[..2.min(n)], columns).1
            + self.continued_note(n, size).h;
        if page_one > frame {
            let worst = lead
                .iter()
                .map(|p| (p.field, p.h))
                .chain([("title", head.h)])
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(f, _)| f)
                .unwrap_or("description");
            let over = ((page_one - frame) / (body * 1.35)).ceil().max(1.0);
            return Ok(Miss {
                field: worst,
                problem: format!(
                    "is too long for a tour poster on {paper} paper: page 1 holds the title, the speakers, the description and the first stops, and even with the text at {body:.0} pt and the title at {:.0} pt it runs about {over:.0} line{} past the page.",
                    self.z.title_min,
                    if over == 1.0 { "" } else { "s" }
                ),
                fix: format!(
                    "shorten it by about {over:.0} line{}, or print one flyer per stop instead of a poster",
                    if over == 1.0 { "" } else { "s" }
                ),
            });
        }
        let tail_h = stack(&tail, gap);
        let stops_only = page_two_top + heading + grid(&entries[2.min(n)..], columns).1;
        if tail_h > 0.0 && stops_only <= frame {
            let worst = tail
                .iter()
                .max_by(|a, b| a.h.total_cmp(&b.h))
                .map(|p| p.field)
                .unwrap_or("cosponsors");
            return Ok(Miss {
                field: worst,
                problem: format!("is too long for a tour poster on {paper} paper: it comes after the {n} stops on page 2, and even at {body:.0} pt there is no room left for it."),
                fix: "shorten it, or print one flyer per stop instead of a poster".into(),
            });
        }
        Ok(Miss {
            field: "stops",
            problem: format!(
                "do not fit on a two-page poster on {paper} paper: {n} stops with places this long need more room than two pages of two columns, even at {size:.0} pt."
            ),
            fix: "shorten the places' names and addresses, or print one flyer per stop instead of a poster".into(),
        })
    }

    /// Draws the pages of `plan`.
    fn poster_pages(&self, plan: Plan, footer: Piece) -> Result<Vec<Vec<Mark>>> {
        let z = &self.z;
        let m = z.margin;
        let n = self.c.stops.len();
        let frame = self.frame(&footer);
        let reserve = if self.tear_offs { z.tab_h } else { 0.0 };
        let footer_top = self.h - m - reserve - footer.h;
        let gap = plan.body * 0.9;
        let width = self.column_width(plan.columns);
        let column_x = width + self.gutter_poster();
        let mut entries = self.stop_pieces(plan.size, width);
        let rest = entries.split_off(plan.first);
        let lead = self.lead_parts(plan.body);
        let tail = self.tail_parts(plan.body);
        let mut top = vec![self.header()];
        top.extend(self.banner());
        top.push(self.headline(plan.squeeze)?);
        top.push(self.when_where(1.0));
        let heading = self.stops_heading(STOPS_HEADING, plan.size, self.cw());

        // Lays a grid of stops out from `y`; returns where it ends.
        let place_grid = |entries: Vec<Piece>, y0: f32, out: &mut Vec<Mark>| {
            let (split, tallest) = grid(&entries, plan.columns);
            let (mut x, mut y) = (m, y0);
            for (i, p) in entries.into_iter().enumerate() {
                if i == split && i > 0 {
                    x = m + column_x;
                    y = y0;
                }
                let h = p.h;
                p.place(x, y, out);
                y += h;
            }
            y0 + tallest
        };

        // Page 1. Room to spare goes between the parts, a little each,
        // rather than in one empty band above the footer.
        let mut page = Vec::new();
        let used = top.iter().map(|p| p.h).sum::<f32>()
            + stack(&lead, gap)
            + heading.h
            + grid(&entries, plan.columns).1
            + if plan.pages == 1 {
                stack(&tail, gap)
            } else {
                self.continued_note(n - plan.first, plan.size).h
            };
        let slots = 2 + if plan.pages == 1 { tail.len() } else { 0 };
        let spare = ((frame - used).max(0.0) * 0.6 / slots as f32).min(22.0 * z.s);
        let mut y = m;
        for p in top {
            let h = p.h;
            p.place(m, y, &mut page);
            y += h;
        }
        y += spare;
        for p in lead {
            let h = p.h;
            p.place(m, y, &mut page);
            y += h + gap;
        }
        y += spare;
        let h = heading.h;
        heading.place(m, y, &mut page);
        y = place_grid(entries, y + h, &mut page);
        let (tail_here, tail_after) = if plan.pages == 1 {
            (tail, Vec::new())
        } else {
            (Vec::new(), tail)
        };
        for p in tail_here {
            y += gap + spare;
            let h = p.h;
            p.place(m, y, &mut page);
            y += h;
        }
        if plan.pages == 1 {
            return Ok(vec![self.finish(page, &footer, footer_top)?]);
        }
        self.continued_note(n - plan.first, plan.size)
            .place(m, y, &mut page);
        let first = self.finish(page, &footer, footer_top)?;

        // Page 2: the title again, the rest of the stops, then what follows them.
        let mut page = Vec::new();
        let mut y = m;
        let title = self.continued_title();
        let h = title.h;
        title.place(m, y, &mut page);
        y += h;
        if !rest.is_empty() {
            let heading =
                self.stops_heading(&format!("{STOPS_HEADING}, continued"), plan.size, self.cw());
            let h = heading.h;
            heading.place(m, y, &mut page);
            y = place_grid(rest, y + h, &mut page);
        }
        for p in tail_after {
            y += gap;
            let h = p.h;
            p.place(m, y, &mut page);
            y += h;
        }
        Ok(vec![first, self.finish(page, &footer, footer_top)?])
    }

    /// Adds the footer (a copy of `footer`) and the tear-off tabs to a page.
    fn finish(&self, mut page: Vec<Mark>, footer: &Piece, footer_top: f32) -> Result<Vec<Mark>> {
        for mark in &footer.marks {
            page.push(super::compose::shift(
                mark.clone(),
                self.z.margin,
                footer_top,
            ));
        }
        if self.tear_offs {
            self.tear_off_tabs(&mut page, 0.0, 0.0)?;
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_say_stop_for_one() {
        assert_eq!(more_stops(1), "1 more stop");
        assert_eq!(more_stops(14), "14 more stops");
    }

    #[test]
    fn one_page_is_tried_before_two_and_never_below_eleven_points() {
        let a = attempts();
        let first_two = a.iter().position(|(p, _)| *p == 2).unwrap();
        assert!(a[..first_two]
            .iter()
            .all(|(p, s)| *p == 1 && *s >= SMALLEST_ONE_PAGE));
        assert_eq!(a[first_two - 1].1, SMALLEST_ONE_PAGE);
        assert_eq!(a.last().map(|x| x.1), Some(SMALLEST));
    }
}
