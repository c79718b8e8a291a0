//! Decoding a file: its bytes to text (UTF-8 with or without BOM, UTF-16,
//! Latin-1), the delimiter (comma, semicolon or tab), quoted cells with line
//! breaks, and the rows it holds; a file that is no CSV is refused with why.
//! The organization import reads its files through here too.

use std::path::Path;

use super::{MAX_COLUMNS, MAX_FILE_BYTES};
use crate::error::{Error, Result};

/// The file, decoded and split into the header and its rows.
pub(crate) struct Parsed {
    pub(crate) text: String,
    pub(crate) encoding: &'static str,
    pub(crate) delimiter: u8,
    pub(crate) has_header: bool,
    pub(crate) headers: Vec<String>,
    /// Where the data rows start in `text`, and the line that is.
    pub(crate) data_start: u64,
    pub(crate) data_line: u32,
    pub(crate) rows: u32,
    pub(crate) notices: Vec<String>,
}

pub(crate) fn file_problem(message: impl Into<String>) -> Error {
    Error::invalid_field("file", message)
}

/// Refuses a file of more than [`MAX_FILE_BYTES`], naming its size: checked
/// before decoding, and by the window as the pieces of a chosen file arrive,
/// before they are all held.
pub fn check_size(len: usize) -> Result<()> {
    if len > MAX_FILE_BYTES {
        return Err(file_problem(format!(
            "The file is {:.0} MB; Handbill imports files up to {} MB. Split it into smaller files.",
            len as f64 / 1_048_576.0,
            MAX_FILE_BYTES / 1_048_576
        )));
    }
    Ok(())
}

/// Decodes the bytes to text, naming the encoding, or says why they are not a CSV file.
pub(crate) fn decode(bytes: &[u8]) -> Result<(String, &'static str)> {
    check_size(bytes.len())?;
    let not_csv = |what: &str| {
        file_problem(format!(
            "This is {what}, not a CSV file. In your spreadsheet, choose File → Save as (or Download) → CSV, and import that file."
        ))
    };
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(not_csv(
            "a spreadsheet workbook (.xlsx or .ods) or another zipped file",
        ));
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(not_csv("an old Excel workbook (.xls)"));
    }
    if bytes.starts_with(b"%PDF") {
        return Err(not_csv("a PDF document"));
    }
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    let head = &bytes[..bytes.len().min(1_000_000)];
    let controls = head
        .iter()
        .filter(|b| **b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t'))
        .count();
    if !utf16 && (head.contains(&0) || controls > 8) {
        return Err(binary());
    }
    let (text, encoding) = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        (strict_utf8(rest)?, "UTF-8 with BOM")
    } else if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let (coding, name) = if bytes[0] == 0xFF {
            (encoding_rs::UTF_16LE, "UTF-16 (little-endian)")
        } else {
            (encoding_rs::UTF_16BE, "UTF-16 (big-endian)")
        };
        let (text, _, had_errors) = coding.decode(bytes);
        if had_errors {
            return Err(file_problem(
                "The file says it is UTF-16 but part of it is not. Save it again from your spreadsheet as “CSV UTF-8”.",
            ));
        }
        (text.into_owned(), name)
    } else {
        match std::str::from_utf8(bytes) {
            Ok(text) => (text.to_owned(), "UTF-8"),
            Err(_) => (latin1_or_broken(bytes)?, "Latin-1 (Windows-1252)"),
        }
    };
    if text.trim().is_empty() {
        return Err(file_problem(
            "The file is empty: there is nothing to import.",
        ));
    }
    let controls = text
        .chars()
        .take(1_000_000)
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    if text.contains('\0') || controls > 8 {
        return Err(binary());
    }
    Ok((text, encoding))
}

pub(super) fn no_rows() -> Error {
    file_problem("The file has a header line but no rows under it: there is nobody to import.")
}

pub(super) fn binary() -> Error {
    file_problem(
        "The file holds binary data, not text, so it is not a CSV file (it may be an image, a database or a workbook). \
         Choose the CSV file exported from your spreadsheet or mailing tool.",
    )
}

pub(super) fn strict_utf8(bytes: &[u8]) -> Result<String> {
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| {
        let line = line_at(bytes, e.valid_up_to());
        file_problem(format!(
            "The file says it is UTF-8 but line {line} is not valid UTF-8 (byte {}). Save it again from your spreadsheet as “CSV UTF-8”.",
            e.valid_up_to() + 4
        ))
    })
}

/// A file that is not UTF-8 is read as Latin-1 (Windows-1252, what older
/// spreadsheets save), unless it also holds valid UTF-8 accents: then it is a
/// damaged UTF-8 file, and guessing would garble every accented name.
pub(super) fn latin1_or_broken(bytes: &[u8]) -> Result<String> {
    let mut utf8_accents = 0usize;
    let mut first_bad = None;
    let mut offset = 0usize;
    for chunk in bytes.utf8_chunks() {
        utf8_accents += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        offset += chunk.valid().len();
        if !chunk.invalid().is_empty() && first_bad.is_none() {
            first_bad = Some(offset);
        }
        offset += chunk.invalid().len();
    }
    if utf8_accents > 0 {
        let line = line_at(bytes, first_bad.unwrap_or(0));
        return Err(file_problem(format!(
            "The file is not valid UTF-8: line {line} has bytes that are not text, while other lines are UTF-8. \
             It may be damaged, or two files pasted together. Save it again from your spreadsheet as “CSV UTF-8”. Nothing was imported."
        )));
    }
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
    Ok(text.into_owned())
}

/// The line (from 1) of a byte offset, counting `\r\n`, `\n` and a lone `\r` as one break each.
pub(crate) fn line_at(bytes: &[u8], offset: usize) -> u32 {
    let mut lines = LineCounter::default();
    lines.advance(bytes, offset as u64);
    lines.line
}

/// Counts line breaks as the reader moves forward through the text.
pub(crate) struct LineCounter {
    pub(crate) pos: u64,
    pub(crate) line: u32,
}

impl Default for LineCounter {
    fn default() -> Self {
        LineCounter { pos: 0, line: 1 }
    }
}

impl LineCounter {
    pub(super) fn advance(&mut self, bytes: &[u8], to: u64) {
        let to = (to as usize).min(bytes.len());
        let from = (self.pos as usize).min(to);
        for i in memchr::memchr2_iter(b'\n', b'\r', &bytes[from..to]) {
            let i = from + i;
            if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                self.line += 1;
            }
        }
        self.pos = to as u64;
    }

    /// Moves to where a record starts: `to`, then past the line break the
    /// reader leaves before it (the `\n` of a `\r\n`), so the line is the record's own.
    pub(crate) fn record_at(&mut self, bytes: &[u8], to: u64) -> u32 {
        self.advance(bytes, to);
        let mut pos = self.pos as usize;
        while pos < bytes.len() && matches!(bytes[pos], b'\r' | b'\n') {
            pos += 1;
        }
        self.advance(bytes, pos as u64);
        self.line
    }
}

/// The delimiter that splits the first line into the most cells.
pub(crate) fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in text.bytes().take(64 * 1024) {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                for (d, n) in counts.iter_mut() {
                    if *d == b {
                        *n += 1;
                    }
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .max_by_key(|(d, n)| (*n, *d == b','))
        .map(|(d, _)| *d)
        .unwrap_or(b',')
}

/// The most line breaks one quoted cell may hold. A note typed over several
/// lines has a few; a cell running on for more is a quote left open that
/// swallowed the rows after it.
pub(super) const MAX_QUOTED_LINES: usize = 100;

/// Finds a quote left open before the csv crate reads the text: the crate
/// (like a spreadsheet) reads everything after an unclosed quote as one cell,
/// which would merge the people on the lines after it into one person's name.
/// A quote opens a cell when it is the first character of a field, as the
/// crate reads it; the cell ends at a quote not doubled. It is refused, with
/// the line the quote is on, when it never ends, when it ends in the middle of
/// a field after running over a line break (the closing quote is another
/// person's stray quote), or when it holds more than [`MAX_QUOTED_LINES`]
/// line breaks. Rows before it are not imported either: the file is refused
/// whole, so it can be mended and imported again.
pub(crate) fn check_quotes(text: &str, delimiter: u8) -> Result<()> {
    let b = text.as_bytes();
    let never_closed = |open: usize, more: String| {
        file_problem(format!(
            "line {}: a quote opened here is never closed{more}. Nothing was imported: close the quote (or remove it) \
             in your spreadsheet or a text editor, save the file and import it again.",
            line_at(b, open)
        ))
    };
    let mut pos = 0;
    while let Some(found) = memchr::memchr(b'"', &b[pos..]) {
        let open = pos + found;
        let starts_field =
            open == 0 || matches!(b[open - 1], b'\n' | b'\r') || b[open - 1] == delimiter;
        if !starts_field {
            // A quote inside an unquoted cell is text.
            pos = open + 1;
            continue;
        }
        let mut at = open + 1;
        let close = loop {
            match memchr::memchr(b'"', &b[at..]) {
                None => return Err(never_closed(open, String::new())),
                Some(i) if b.get(at + i + 1) == Some(&b'"') => at += i + 2,
                Some(i) => break at + i,
            }
        };
        let breaks = memchr::memchr2_iter(b'\n', b'\r', &b[open..close])
            .filter(|&i| !(b[open + i] == b'\r' && b.get(open + i + 1) == Some(&b'\n')))
            .count();
        if breaks > 0 {
            let ends_field = match b.get(close + 1) {
                None | Some(b'\n' | b'\r') => true,
                Some(&c) => c == delimiter,
            };
            if !ends_field {
                return Err(never_closed(
                    open,
                    format!(
                        " (the next quote, on line {}, is in the middle of a cell)",
                        line_at(b, close)
                    ),
                ));
            }
            if breaks > MAX_QUOTED_LINES {
                return Err(never_closed(
                    open,
                    format!(
                        " until line {}, {breaks} lines further on",
                        line_at(b, close)
                    ),
                ));
            }
        }
        pos = close + 1;
    }
    Ok(())
}

pub(crate) fn reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
}

pub(crate) fn csv_problem(e: &csv::Error) -> Error {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    file_problem(format!(
        "The file cannot be read as CSV near line {line}: {e}."
    ))
}

/// How [`parse`] counts the rows under the header.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Count {
    /// Every record with any text, as the import will read them (for the preview).
    Exact,
    /// The line breaks outside quotes: the import's progress bar needs no
    /// more, and reading the whole file as CSV once more took an eighth of
    /// an import's time. The import counts the rows exactly as it reads them.
    Estimate,
}

/// Lines that have any text, with line breaks inside quoted cells not ending
/// a line (`\r\n`, `\n` and a lone `\r` each end one).
pub(super) fn estimate_rows(text: &[u8]) -> u32 {
    let mut rows = 0u32;
    let mut quoted = false;
    let mut line_start = 0usize;
    for i in memchr::memchr3_iter(b'"', b'\n', b'\r', text) {
        match text[i] {
            b'"' => quoted = !quoted,
            _ if quoted => {}
            _ => {
                if i > line_start {
                    rows = rows.saturating_add(1);
                }
                line_start = i + 1;
            }
        }
    }
    if text.len() > line_start {
        rows = rows.saturating_add(1);
    }
    rows
}

pub(crate) fn parse(bytes: &[u8], count: Count) -> Result<Parsed> {
    let (text, encoding) = decode(bytes)?;
    let delimiter = sniff_delimiter(&text);
    check_quotes(&text, delimiter)?;
    let mut rdr = reader(&text, delimiter);
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::default();
    // The first record with any text is the header.
    let mut first: Option<(Vec<String>, u64, u32)> = None;
    loop {
        let start = rdr.position().byte();
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                if record.len() > MAX_COLUMNS {
                    return Err(file_problem(format!(
                        "The first line has {} columns; Handbill reads files of up to {MAX_COLUMNS}. Is this the right file? \
                         Keep the columns of addresses and names, and save it again as CSV.",
                        record.len()
                    )));
                }
                let line = lines.record_at(text.as_bytes(), start);
                first = Some((
                    record.iter().map(|c| c.trim().to_owned()).collect(),
                    lines.pos,
                    line,
                ));
                break;
            }
            Err(e) => return Err(csv_problem(&e)),
        }
    }
    let Some((first, first_start, first_line)) = first else {
        return Err(file_problem(
            "The file has no rows: there is nothing to import.",
        ));
    };
    let has_header = !first
        .iter()
        .any(|c| crate::email::normalize_email(c).is_ok());
    let after_header = rdr.position().byte();
    let mut rows = if has_header { 0 } else { 1 };
    // Counting needs no text: bytes are enough (the text was checked as a whole when decoded).
    let mut bytes_record = csv::ByteRecord::new();
    match count {
        Count::Estimate => rows += estimate_rows(&text.as_bytes()[after_header as usize..]),
        Count::Exact => loop {
            match rdr.read_byte_record(&mut bytes_record) {
                Ok(false) => break,
                Ok(true) => {
                    if !bytes_record.iter().all(|c| {
                        let c = c.trim_ascii();
                        c.is_empty() || std::str::from_utf8(c).is_ok_and(|c| c.trim().is_empty())
                    }) {
                        rows += 1;
                    }
                }
                Err(e) => return Err(csv_problem(&e)),
            }
        },
    }
    let mut notices = Vec::new();
    if encoding.starts_with("Latin-1") {
        notices.push(
            "The file is not UTF-8, so it was read as Latin-1 (Windows-1252), as older spreadsheets save it. \
             Check that accented names look right below."
                .to_owned(),
        );
    }
    if has_header && rows == 0 {
        return Err(no_rows());
    }
    let (headers, data_start, data_line) = if has_header {
        let mut counter = LineCounter::default();
        let line = counter.record_at(text.as_bytes(), after_header);
        (first, counter.pos, line)
    } else {
        notices.push(
            "The first line is already a subscriber, so the file is read as having no header line."
                .to_owned(),
        );
        (
            (1..=first.len()).map(|i| format!("Column {i}")).collect(),
            first_start,
            first_line,
        )
    };
    Ok(Parsed {
        text,
        encoding,
        delimiter,
        has_header,
        headers,
        data_start,
        data_line,
        rows,
        notices,
    })
}

/// A small CSV file read whole: decoded (UTF-8, BOM, UTF-16 or Latin-1, as
/// [`decode`] tells), its delimiter sniffed, and every record that has any text
/// with the line of the file it starts on. The organizations import reads its
/// files this way; the subscribers import streams larger files through the
/// same pieces ([`decode`], [`sniff_delimiter`], [`reader`], [`LineCounter`]).
pub(crate) struct Table {
    pub(crate) encoding: &'static str,
    pub(crate) delimiter: u8,
    pub(crate) records: Vec<(u32, Vec<String>)>,
}

/// Reads a whole file into a [`Table`], refusing more than `max_records` records.
pub(crate) fn read_table(bytes: &[u8], max_records: usize) -> Result<Table> {
    let (text, encoding) = decode(bytes)?;
    let delimiter = sniff_delimiter(&text);
    check_quotes(&text, delimiter)?;
    let mut rdr = reader(&text, delimiter);
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::default();
    let mut records = Vec::new();
    loop {
        let start = rdr.position().byte();
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                if record.len() > MAX_COLUMNS {
                    return Err(file_problem(format!(
                        "A line has {} columns; Handbill reads files of up to {MAX_COLUMNS}. Is this the right file?",
                        record.len()
                    )));
                }
                if records.len() >= max_records {
                    return Err(file_problem(format!(
                        "The file has more than {max_records} rows; split it into smaller files."
                    )));
                }
                let line = lines.record_at(text.as_bytes(), start);
                records.push((line, record.iter().map(|c| c.trim().to_owned()).collect()));
            }
            Err(e) => return Err(csv_problem(&e)),
        }
    }
    if records.is_empty() {
        return Err(file_problem(
            "The file has no rows: there is nothing to import.",
        ));
    }
    Ok(Table {
        encoding,
        delimiter,
        records,
    })
}

/// How a preview names a delimiter: “comma”, “semicolon” or “tab”.
pub(crate) fn delimiter_name(delimiter: u8) -> &'static str {
    match delimiter {
        b';' => "semicolon",
        b'\t' => "tab",
        _ => "comma",
    }
}

/// Reads a subscriber CSV file from outside (only a regular file, of at most
/// [`MAX_FILE_BYTES`]: see [`crate::db::outside`]).
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    crate::db::outside::read(
        path,
        crate::db::outside::Kind {
            field: "file",
            what: "CSV file",
            limit: MAX_FILE_BYTES as u64,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::estimate_rows;

    #[test]
    fn the_progress_estimate_counts_lines_with_text_and_not_breaks_in_quotes() {
        assert_eq!(estimate_rows(b""), 0);
        assert_eq!(
            estimate_rows(b"\r\n"),
            0,
            "the break the header's reading left"
        );
        assert_eq!(
            estimate_rows(b"\na@example.org,Ana\r\nb@example.org,Ben"),
            2
        );
        assert_eq!(
            estimate_rows(b"a@example.org,\"two\r\nlines\"\rb@example.org,x\n\n\n"),
            2
        );
    }
}
