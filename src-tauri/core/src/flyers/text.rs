//! Text as a flyer sets it: Markdown reduced to plain paragraphs and list
//! items (`pulldown-cmark`), and lines broken where Unicode allows
//! (`unicode-linebreak`) at widths measured with the real glyph advances. A
//! word longer than the line (a long link) is broken between letters rather
//! than let run off the page.

use pulldown_cmark::{Event as Md, Parser, Tag, TagEnd};
use unicode_linebreak::{linebreaks, BreakOpportunity};

use super::fonts::{self, Weight};

/// One block of a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(String),
    Heading(String),
    /// A list item with its marker ("•", "3.").
    Item {
        marker: String,
        text: String,
    },
}

/// Markdown to blocks of plain text: emphasis, links and code become their
/// text, images their alt text, HTML is dropped.
pub fn markdown_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut text = String::new();
    // Per open list: the next number, or None for bullets.
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut marker: Option<String> = None;
    let mut heading = false;
    let flush =
        |text: &mut String, blocks: &mut Vec<Block>, marker: &mut Option<String>, heading: bool| {
            let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
            text.clear();
            if t.is_empty() {
                return;
            }
            match marker.take() {
                Some(m) => blocks.push(Block::Item { marker: m, text: t }),
                None if heading => blocks.push(Block::Heading(t)),
                None => blocks.push(Block::Paragraph(t)),
            }
        };
    for event in Parser::new(markdown) {
        match event {
            Md::Start(Tag::List(first)) => {
                flush(&mut text, &mut blocks, &mut marker, heading);
                lists.push(first);
            }
            Md::End(TagEnd::List(_)) => {
                flush(&mut text, &mut blocks, &mut marker, heading);
                lists.pop();
            }
            Md::Start(Tag::Item) => {
                flush(&mut text, &mut blocks, &mut marker, heading);
                let depth = lists.len().saturating_sub(1);
                let m = match lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}.");
                        *n += 1;
                        m
                    }
                    _ => if depth == 0 { "•" } else { "–" }.to_owned(),
                };
                marker = Some(m);
            }
            Md::Start(Tag::Heading { .. }) => {
                flush(&mut text, &mut blocks, &mut marker, heading);
                heading = true;
            }
            Md::End(TagEnd::Heading(_)) => {
                flush(&mut text, &mut blocks, &mut marker, heading);
                heading = false;
            }
            Md::End(TagEnd::Paragraph)
            | Md::End(TagEnd::Item)
            | Md::End(TagEnd::CodeBlock)
            | Md::End(TagEnd::BlockQuote(_)) => flush(&mut text, &mut blocks, &mut marker, heading),
            Md::Text(t) | Md::Code(t) => text.push_str(&t),
            Md::SoftBreak | Md::HardBreak => text.push(' '),
            Md::Rule => flush(&mut text, &mut blocks, &mut marker, heading),
            _ => {}
        }
    }
    flush(&mut text, &mut blocks, &mut marker, heading);
    blocks
}

/// `text` broken into lines no wider than `width` points at `size` in `weight`.
pub fn wrap(text: &str, weight: Weight, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_w = 0.0f32;
    let mut start = 0;
    for (end, opportunity) in linebreaks(text) {
        let seg = &text[start..end];
        start = end;
        let mandatory = opportunity == BreakOpportunity::Mandatory;
        let seg_text = if mandatory {
            seg.trim_end_matches([
                '\n', '\r', '\u{2028}', '\u{2029}', '\u{85}', '\u{0B}', '\u{0C}',
            ])
        } else {
            seg
        };
        let trimmed_w = fonts::width(seg_text.trim_end(), weight, size);
        if line_w + trimmed_w > width && !line.is_empty() {
            lines.push(line.trim_end().to_owned());
            line.clear();
            line_w = 0.0;
        }
        if line.is_empty() && trimmed_w > width {
            // Longer than a whole line: break between letters.
            for c in seg_text.chars() {
                let cw = fonts::width(&c.to_string(), weight, size);
                if line_w + cw > width && !line.is_empty() {
                    lines.push(line.trim_end().to_owned());
                    line.clear();
                    line_w = 0.0;
                }
                line.push(c);
                line_w += cw;
            }
        } else {
            line.push_str(seg_text);
            line_w += fonts::width(seg_text, weight, size);
        }
        if mandatory && end < text.len() {
            lines.push(line.trim_end().to_owned());
            line.clear();
            line_w = 0.0;
        }
    }
    let last = line.trim_end();
    if !last.is_empty() || lines.is_empty() {
        lines.push(last.to_owned());
    }
    lines
}
