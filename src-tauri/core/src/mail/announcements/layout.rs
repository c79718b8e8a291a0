//! How an announcement looks: its Markdown as a plain-text part a person reads
//! in any mail program, and as a sanitized HTML fragment (rendered and cleaned
//! by the listings' [`markdown_html`], so no script, event handler or
//! `javascript:` link from the Markdown reaches a mail) set in a simple,
//! table-based page with inline styles — the one HTML that Gmail, Outlook,
//! Apple Mail and Thunderbird all draw alike — with the branch's name on top
//! and an unsubscribe footer.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::personal::escape_html;
use super::words::{fill, words};
use crate::events::listing::markdown_html;

const ACCENT: &str = "#b3261e";
const INK: &str = "#1f1d1a";
const MUTED: &str = "#6b655e";
const PAPER: &str = "#f4f1ec";
const SANS: &str = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

/// Markdown as plain text: paragraphs apart, headings underlined, lists with
/// `-` or their numbers, links as "text (address)", quotes with `>`, code
/// indented, raw HTML reduced to its text.
pub(crate) fn markdown_text(markdown: &str) -> String {
    let mut w = TextWriter::default();
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut links: Vec<(String, usize)> = Vec::new();
    let mut heading: Option<(HeadingLevel, usize)> = None;
    for event in Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Start(tag) => match tag {
                Tag::Paragraph => w.block(),
                Tag::Heading { level, .. } => {
                    w.block();
                    w.begin_line();
                    heading = Some((level, w.out.len()));
                }
                Tag::BlockQuote(_) => {
                    w.block();
                    w.open("> ");
                }
                Tag::CodeBlock(_) => {
                    w.block();
                    w.open("    ");
                }
                Tag::List(start) => {
                    if lists.is_empty() {
                        w.block();
                    } else {
                        w.line();
                    }
                    lists.push(start);
                }
                Tag::Item => {
                    w.line();
                    let mark = match lists.last_mut() {
                        Some(Some(n)) => {
                            *n += 1;
                            format!("{}. ", *n - 1)
                        }
                        _ => "- ".to_owned(),
                    };
                    w.write(&mark);
                    w.fresh = true;
                    w.prefixes.push(" ".repeat(mark.len()));
                }
                Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                    links.push((dest_url.to_string(), w.out.len()))
                }
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Paragraph => w.block(),
                TagEnd::Heading(_) => {
                    if let Some((level, start)) = heading.take() {
                        let width = w.out[start..].chars().count().max(3);
                        match level {
                            HeadingLevel::H1 => w.underline('=', width),
                            HeadingLevel::H2 => w.underline('-', width),
                            _ => {}
                        }
                    }
                    w.block();
                }
                TagEnd::BlockQuote(_) | TagEnd::CodeBlock => {
                    w.line();
                    w.prefixes.pop();
                    w.block();
                }
                TagEnd::List(_) => {
                    lists.pop();
                    w.line();
                    if lists.is_empty() {
                        w.block();
                    }
                }
                TagEnd::Item => {
                    w.line();
                    w.prefixes.pop();
                }
                TagEnd::Link | TagEnd::Image => {
                    if let Some((dest, start)) = links.pop() {
                        let shown = w.out[start..].trim();
                        let bare = dest.strip_prefix("mailto:").unwrap_or(&dest);
                        if !dest.is_empty() && shown != dest && shown != bare {
                            w.write(&format!(" ({bare})"));
                        }
                    }
                }
                _ => {}
            },
            Event::Text(t) | Event::Code(t) => w.write(&t),
            Event::Html(h) | Event::InlineHtml(h) => w.write(&html_text(&h)),
            Event::SoftBreak | Event::HardBreak => w.newline(),
            Event::Rule => {
                w.block();
                w.write("----------");
                w.block();
            }
            _ => {}
        }
    }
    let mut out = w.out;
    let end = out.trim_end().len();
    out.truncate(end);
    out
}

/// Writes lines with the current prefixes (quote marks, list indents) and at
/// most one blank line between blocks.
#[derive(Default)]
struct TextWriter {
    out: String,
    prefixes: Vec<String>,
    /// The last thing written ended a line.
    at_line_start: bool,
    /// A blank line is owed before the next text.
    blank: bool,
    /// A list mark was just written or a quote opened: the first block
    /// inside starts at once, with no blank line.
    fresh: bool,
}

impl TextWriter {
    fn prefix(&self) -> String {
        self.prefixes.concat()
    }

    fn begin_line(&mut self) {
        if self.out.is_empty() {
            self.at_line_start = true;
            self.blank = false;
        }
        if self.at_line_start {
            if self.blank && !self.out.is_empty() {
                let blank_prefix = self.prefix();
                self.out.push_str(blank_prefix.trim_end());
                self.out.push('\n');
            }
            self.blank = false;
            let prefix = self.prefix();
            self.out.push_str(&prefix);
            self.at_line_start = false;
        }
    }

    fn write(&mut self, text: &str) {
        for (i, part) in text.split('\n').enumerate() {
            if i > 0 {
                self.newline();
            }
            if !part.is_empty() {
                self.begin_line();
                self.out.push_str(part);
                self.fresh = false;
            }
        }
    }

    fn newline(&mut self) {
        self.begin_line();
        self.out.push('\n');
        self.at_line_start = true;
    }

    fn line(&mut self) {
        if !self.at_line_start && !self.out.is_empty() {
            self.out.push('\n');
            self.at_line_start = true;
        }
    }

    fn block(&mut self) {
        if self.fresh {
            return;
        }
        self.line();
        if !self.out.is_empty() {
            self.blank = true;
        }
    }

    /// Opens a quote or code block: the blank line owed is written with the
    /// outer prefix, then the new prefix applies.
    fn open(&mut self, prefix: &str) {
        if self.blank && self.at_line_start && !self.out.is_empty() {
            let outer = self.prefix();
            self.out.push_str(outer.trim_end());
            self.out.push('\n');
        }
        self.blank = false;
        self.prefixes.push(prefix.to_owned());
        self.fresh = true;
    }

    fn underline(&mut self, c: char, width: usize) {
        self.line();
        self.write(&c.to_string().repeat(width));
    }
}

/// The text of a piece of raw HTML typed into Markdown: tags dropped, the
/// common entities decoded.
fn html_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// The Markdown as a sanitized HTML fragment with inline styles on its
/// blocks and links (mail programs drop style sheets; ammonia removes any
/// style attribute typed into the Markdown, so only these remain). The tags
/// are matched as ammonia writes them; text never holds a raw `<`.
pub(crate) fn markdown_fragment(markdown: &str) -> String {
    let clean = markdown_html(markdown);
    let heading = |size: u32| {
        format!(
            "margin:24px 0 12px;font-family:{SANS};font-size:{size}px;line-height:1.3;color:{INK};"
        )
    };
    let replacements: [(&str, String); 13] = [
        ("<p>", "<p style=\"margin:0 0 16px;\">".to_owned()),
        ("<h1>", format!("<h1 style=\"{}\">", heading(24))),
        ("<h2>", format!("<h2 style=\"{}\">", heading(21))),
        ("<h3>", format!("<h3 style=\"{}\">", heading(18))),
        ("<h4>", format!("<h4 style=\"{}\">", heading(16))),
        ("<ul>", "<ul style=\"margin:0 0 16px;padding-left:24px;\">".to_owned()),
        ("<ol>", "<ol style=\"margin:0 0 16px;padding-left:24px;\">".to_owned()),
        ("<ol start=", "<ol style=\"margin:0 0 16px;padding-left:24px;\" start=".to_owned()),
        ("<li>", "<li style=\"margin:0 0 6px;\">".to_owned()),
        ("<blockquote>", format!("<blockquote style=\"margin:0 0 16px;padding:4px 0 4px 14px;border-left:3px solid {ACCENT};color:{MUTED};\">")),
        ("<a href=", format!("<a style=\"color:{ACCENT};text-decoration:underline;\" href=")),
        ("<hr>", "<hr style=\"border:0;border-top:1px solid #e2ddd5;margin:24px 0;\">".to_owned()),
        ("<code>", "<code style=\"font-family:Menlo,Consolas,monospace;font-size:14px;\">".to_owned()),
    ];
    let mut out = clean;
    for (from, to) in replacements.iter() {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out
}

/// What the page around the fragment says.
pub(crate) struct Frame<'a> {
    pub language: &'a str,
    pub branch_name: &'a str,
    pub website: &'a str,
    pub contact_email: &'a str,
    pub list_name: &'a str,
    /// Markers the letter fills with the recipient's unsubscribe address and link.
    pub unsubscribe_address: &'a str,
    pub unsubscribe_url: &'a str,
    /// The branch's logo at the head of the HTML page, as an inline part.
    pub logo: Option<LogoRef<'a>>,
    /// The name of the attached calendar file, said after the text.
    pub calendar_file: Option<&'a str>,
}

/// The logo's place in the HTML page: its part's `Content-ID` (without the
/// angle brackets) and the size it is shown at, in CSS pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LogoRef<'a> {
    pub content_id: &'a str,
    pub width: u32,
    pub height: u32,
}

/// The whole HTML document: a centered 600-pixel card on a light page, the
/// branch's name above the content, the footer below.
pub(crate) fn html_page(fragment: &str, frame: &Frame<'_>) -> String {
    let footer = footer_html(frame);
    let branch = escape_html(frame.branch_name);
    let site = if frame.website.is_empty() {
        String::new()
    } else {
        let shown = frame
            .website
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        format!(
            " · <a href=\"{}\" style=\"color:{MUTED};\">{}</a>",
            escape_html(frame.website),
            escape_html(shown)
        )
    };
    // The logo heads the card; its alt text is the branch's name, which
    // mail programs that hold images back show in its place.
    let (logo, name_padding) = match &frame.logo {
        Some(l) => (
            format!(
                "<tr><td style=\"padding:24px 32px 0;\"><img src=\"cid:{cid}\" width=\"{w}\" height=\"{h}\" \
alt=\"{branch}\" style=\"display:block;border:0;outline:none;width:{w}px;height:{h}px;\"></td></tr>\n",
                cid = escape_html(l.content_id),
                w = l.width,
                h = l.height,
            ),
            "12px",
        ),
        None => (String::new(), "22px"),
    };
    let calendar = match frame.calendar_file {
        Some(file) => format!(
            "\n<p style=\"margin:20px 0 0;font-family:{SANS};font-size:14px;line-height:1.5;color:{MUTED};\">{}</p>",
            fill(
                words(frame.language).calendar_attached,
                &[("file", &format!("<strong>{}</strong>", escape_html(file)))]
            )
        ),
        None => String::new(),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{branch}</title>\n</head>\n\
<body style=\"margin:0;padding:0;background:{PAPER};\">\n\
<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"background:{PAPER};\">\n\
<tr><td align=\"center\" style=\"padding:24px 12px;\">\n\
<table role=\"presentation\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
style=\"width:100%;max-width:600px;background:#ffffff;border-top:4px solid {ACCENT};\">\n\
{logo}<tr><td style=\"padding:{name_padding} 32px 4px;font-family:{SANS};font-size:13px;font-weight:bold;letter-spacing:0.04em;\
text-transform:uppercase;color:{ACCENT};\">{branch}</td></tr>\n\
<tr><td style=\"padding:12px 32px 12px;font-family:Georgia,'Times New Roman',serif;font-size:17px;line-height:1.55;color:{INK};\">\n\
{fragment}{calendar}\n</td></tr>\n\
<tr><td style=\"padding:16px 32px 24px;border-top:1px solid #e2ddd5;font-family:{SANS};font-size:12px;line-height:1.6;color:{MUTED};\">\
{branch}{site}<br>\n{footer}\
</td></tr>\n</table>\n</td></tr>\n</table>\n</body>\n</html>\n",
        lang = escape_html(frame.language),
    )
}

/// The HTML footer's why-you-get-this and unsubscribe lines, in the frame's
/// language (English for a language without its own words).
fn footer_html(frame: &Frame<'_>) -> String {
    let w = words(frame.language);
    let list = escape_html(frame.list_name);
    let contact = escape_html(frame.contact_email);
    format!(
        "{}<br>\n<a href=\"{}\" style=\"color:{MUTED};\">{}</a>{}",
        fill(w.footer_why, &[("list", &list), ("contact", &contact)]),
        frame.unsubscribe_url,
        w.footer_unsubscribe_link,
        fill(
            w.footer_unsubscribe_html,
            &[("address", frame.unsubscribe_address)]
        ),
    )
}

/// The plain-text part: the body, then a signature-style footer.
pub(crate) fn text_page(text: &str, frame: &Frame<'_>) -> String {
    let mut out = String::with_capacity(text.len() + 400);
    out.push_str(text);
    let w = words(frame.language);
    if let Some(file) = frame.calendar_file {
        out.push_str("\n\n");
        out.push_str(&fill(w.calendar_attached, &[("file", file)]));
    }
    out.push_str("\n\n-- \n");
    out.push_str(frame.branch_name);
    if !frame.website.is_empty() {
        out.push_str(" · ");
        out.push_str(frame.website);
    }
    out.push('\n');
    out.push_str(&fill(
        w.footer_why,
        &[("list", frame.list_name), ("contact", frame.contact_email)],
    ));
    out.push('\n');
    out.push_str(&fill(
        w.footer_unsubscribe_text,
        &[("address", frame.unsubscribe_address)],
    ));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proves the plain text keeps a Markdown body's structure readable.
    #[test]
    fn markdown_reads_as_text() {
        let md = "# Rally\n\nJoin **us** at [the site](https://example.org/e).\n\n1. One\n2. Two\n\n- a\n- b\n\n> quoted\n\nEnd<br>line";
        let text = markdown_text(md);
        assert_eq!(
            text,
            "Rally\n=====\n\nJoin us at the site (https://example.org/e).\n\n1. One\n2. Two\n\n- a\n- b\n\n> quoted\n\nEndline",
            "headings, links, lists and quotes read as text"
        );
    }

    /// Proves inline styles land on the fragment's tags and nothing unsafe survives.
    #[test]
    fn the_fragment_is_styled_and_clean() {
        let html = markdown_fragment("Hi [x](javascript:alert(1)) <img src=x onerror=alert(1)> <a href=\"https://e.org\" style=\"position:fixed\">e</a>");
        assert!(
            html.starts_with("<p style="),
            "paragraphs carry their style: {html}"
        );
        assert!(
            !html.contains("javascript:")
                && !html.contains("onerror")
                && !html.contains("position:fixed"),
            "unsafe parts are gone: {html}"
        );
    }
}
