//! Fuzzing every parser of outside input: subscriber and organization CSV
//! files, `.ics` calendars, JSON event files, Markdown as the window, emails
//! and listings render it, and flyer text as the layout sets it.
//!
//! Each target starts from a corpus kept in the repository (`tests/corpus/`,
//! its `hostile/` folders of attacks that must be refused, plus the small CSV
//! fixtures) and feeds the parser mutated copies: bytes
//! flipped, cut, doubled, spliced from another seed, and tokens that break
//! parsers (quotes, separators, line ends, NUL, `BEGIN:VEVENT`, `<script>`,
//! `javascript:`, right-to-left marks). The property is the same everywhere:
//! the input is taken or refused with an input error that says why, nothing
//! panics, and a refusal changes nothing saved.
//!
//! Brief by default (`cargo test`); longer on demand:
//! `HANDBILL_FUZZ_CASES=20000 cargo test --release -p handbill-core --test fuzz`
//! (`make fuzz`). A failing input is shrunk and kept in
//! `tests/fuzz.proptest-regressions`, which is replayed first on every run.

use std::path::{Path, PathBuf};

use handbill_core::coalition::org_import;
use handbill_core::events::{self, ics, json, listing};
use handbill_core::flyers::{self, BranchMark, FlyerContent, FlyerOptions, Layout, Paper, Theme};
use handbill_core::{branch, demo, mail::import, Database, Error, ErrorCode};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

/// Cases per target: brief in the test command, as many as asked for on demand.
fn cases(brief: u32) -> u32 {
    std::env::var("HANDBILL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(brief)
}

fn config(brief: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases(brief),
        max_shrink_iters: 500,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

/// Addresses kept off every list.
fn suppressed(db: &Database) -> i64 {
    db.conn()
        .query_row("SELECT count(*) FROM suppression", [], |r| r.get(0))
        .unwrap()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The seeds of one target: every file in its corpus folders, except files
/// too large to mutate quickly (the huge-cell fixtures have their own tests).
fn seeds(folders: &[&str]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for folder in folders {
        let dir = repo().join(folder);
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("the corpus folder {} is readable: {e}", dir.display()))
            .map(|entry| entry.expect("a corpus entry").path())
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        for p in paths {
            let bytes =
                std::fs::read(&p).unwrap_or_else(|e| panic!("{} is readable: {e}", p.display()));
            if bytes.len() <= 16 * 1024 {
                out.push(bytes);
            }
        }
    }
    assert!(!out.is_empty(), "the corpus {folders:?} has seeds");
    out
}

/// Tokens that break parsers, spliced in at random places.
const TOKENS: &[&str] = &[
    "\"",
    "\"\"",
    ",",
    ";",
    "\t",
    "\r\n",
    "\n",
    "\r",
    "\0",
    "\u{feff}",
    "\u{202e}",
    "\u{2028}",
    "é",
    "🎉",
    "BEGIN:VEVENT\r\n",
    "END:VEVENT\r\n",
    "BEGIN:VCALENDAR\r\n",
    "DTSTART;TZID=Mars/Olympus:20270101T190000\r\n",
    "RRULE:FREQ=DAILY\r\n",
    " ",
    ":",
    "{",
    "}",
    "[",
    "]",
    "null",
    "\"schema\":",
    "99999999999999999999",
    "-1",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "[x](javascript:alert(1))",
    "**",
    "_",
    "`",
    "\n\n- ",
    "\n1. ",
    "# ",
    "> ",
    "&#x6A;avascript:",
    "<!--",
    "-->",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, usize),
    Delete(usize, usize),
    Double(usize, usize),
    Splice(usize, usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Flip(at, b)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, t)| Mutation::Insert(at, t)),
        (any::<usize>(), 1usize..64).prop_map(|(at, n)| Mutation::Delete(at, n)),
        (any::<usize>(), 1usize..128).prop_map(|(at, n)| Mutation::Double(at, n)),
        (any::<usize>(), any::<usize>(), any::<usize>(), 1usize..256)
            .prop_map(|(at, seed, from, n)| Mutation::Splice(at, seed, from, n)),
    ]
}

fn apply(seeds: &[Vec<u8>], seed: usize, mutations: &[Mutation]) -> Vec<u8> {
    let mut b = seeds[seed % seeds.len()].clone();
    for m in mutations {
        let at = |i: usize, b: &Vec<u8>| if b.is_empty() { 0 } else { i % (b.len() + 1) };
        match *m {
            Mutation::Flip(i, v) => {
                if !b.is_empty() {
                    let i = i % b.len();
                    b[i] = v;
                }
            }
            Mutation::Insert(i, t) => {
                let i = at(i, &b);
                b.splice(i..i, TOKENS[t].bytes());
            }
            Mutation::Delete(i, n) => {
                let i = at(i, &b);
                let end = (i + n).min(b.len());
                b.drain(i..end);
            }
            Mutation::Double(i, n) => {
                let i = at(i, &b);
                let end = (i + n).min(b.len());
                let part = b[i..end].to_vec();
                b.splice(end..end, part);
            }
            Mutation::Splice(i, s, from, n) => {
                let other = &seeds[s % seeds.len()];
                let from = if other.is_empty() {
                    0
                } else {
                    from % other.len()
                };
                let end = (from + n).min(other.len());
                let i = at(i, &b);
                b.splice(i..i, other[from..end].iter().copied());
            }
        }
    }
    b
}

/// A seed, mutated zero to eight times.
fn mutated(folders: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    let seeds = std::sync::Arc::new(seeds(folders));
    let n = seeds.len();
    (0..n, prop::collection::vec(mutation(), 0..8))
        .prop_map(move |(seed, ms)| apply(&seeds, seed, &ms))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A refusal is an input error that says why (never an internal error).
fn refused_cleanly(e: &Error) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        e.code,
        ErrorCode::Invalid,
        "a refusal of outside input is an input error: {:?}",
        e
    );
    prop_assert!(!e.message.trim().is_empty(), "a refusal says why");
    Ok(())
}

fn branch_db(dir: &Path) -> Database {
    let db = Database::open(&dir.join("fuzz.sqlite")).expect("a new database opens");
    branch::save(&db, demo::sample_branch()).expect("the sample branch saves");
    db
}

fn event_count(db: &Database) -> i64 {
    db.conn()
        .query_row("SELECT count(*) FROM event", [], |r| r.get(0))
        .expect("events count")
}

/// Every tag's attributes in an HTML fragment, lower-cased: (tag, name, value).
fn attributes(html: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let lower = html.to_lowercase();
    let mut rest = lower.as_str();
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>').unwrap_or(after.len());
        let inside = &after[..close];
        let mut parts = inside.splitn(2, char::is_whitespace);
        let tag = parts.next().unwrap_or("").to_owned();
        let mut attrs = parts.next().unwrap_or("");
        while !attrs.trim().is_empty() {
            attrs = attrs.trim_start();
            let name_end = attrs
                .find(|c: char| c == '=' || c.is_whitespace() || c == '/')
                .unwrap_or(attrs.len());
            let name = attrs[..name_end].to_owned();
            attrs = attrs[name_end..].trim_start();
            let mut value = String::new();
            if let Some(v) = attrs.strip_prefix('=') {
                let v = v.trim_start();
                let (val, left) = match v.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        let end = v[1..].find(q).map(|i| i + 1).unwrap_or(v.len());
                        (&v[1..end], v.get(end + 1..).unwrap_or(""))
                    }
                    _ => {
                        let end = v.find(char::is_whitespace).unwrap_or(v.len());
                        (&v[..end], &v[end..])
                    }
                };
                value = val.to_owned();
                attrs = left;
            } else if name.is_empty() {
                attrs = &attrs[attrs.chars().next().map(char::len_utf8).unwrap_or(0)..];
            }
            if !name.is_empty() {
                out.push((tag.clone(), name, value));
            }
        }
        rest = &after[close.min(after.len())..];
    }
    out
}

/// The sanitizer's promise: no script element, no event handler, no
/// `javascript:` (or `vbscript:`, `data:` HTML) link, no frame, form or style element.
fn assert_safe_html(html: &str) -> Result<(), TestCaseError> {
    let lower = html.to_lowercase();
    for tag in [
        "<script", "<iframe", "<object", "<embed", "<form", "<style", "<svg", "<math", "<base",
        "<meta", "<link",
    ] {
        prop_assert!(
            !lower.contains(tag),
            "{} survived sanitizing in {:?}",
            tag,
            html
        );
    }
    for (tag, name, value) in attributes(html) {
        prop_assert!(
            !name.starts_with("on"),
            "an event handler {} on <{}> survived in {:?}",
            name,
            tag,
            html
        );
        prop_assert!(
            name != "style" && name != "srcdoc" && name != "formaction",
            "the attribute {} on <{}> survived in {:?}",
            name,
            tag,
            html
        );
        let squeezed: String = value
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect();
        for scheme in ["javascript:", "vbscript:", "data:text/html", "&#"] {
            prop_assert!(
                !squeezed.starts_with(scheme),
                "<{} {}={:?}> survived in {:?}",
                tag,
                name,
                value,
                html
            );
        }
    }
    Ok(())
}

fn flyer(title: String, description: String) -> FlyerContent {
    FlyerContent {
        title,
        kind: "Rally".into(),
        hosts: "ISO-Boston & Justice4Siham Coalition".into(),
        when: "Saturday, January 30, 2027 | 12:00 - 2:00 pm".into(),
        struck: false,
        next_dates: None,
        place: None,
        location_note: "Location to be announced".into(),
        speakers: Vec::new(),
        description,
        translation: None,
        demands: None,
        demands_translation: None,
        cosponsors: Vec::new(),
        cosponsor_call: String::new(),
        accessibility: String::new(),
        rules: String::new(),
        link: "https://example.org/e".into(),
        change: None,
        stops: Vec::new(),
        branch: BranchMark {
            name: "ISO — Boston".into(),
            contact: "boston@example.org".into(),
            website: String::new(),
            logo: None,
        },
    }
}

#[test]
fn every_seed_of_the_corpus_is_read_as_it_stands() {
    for (i, seed) in seeds(&["tests/corpus/subscribers-csv"]).iter().enumerate() {
        import::preview("seed.csv", seed)
            .unwrap_or_else(|e| panic!("subscriber seed {i} previews: {e}"));
    }
    for (i, seed) in seeds(&["tests/corpus/organizations-csv"])
        .iter()
        .enumerate()
    {
        org_import::preview_organizations("seed.csv", seed)
            .unwrap_or_else(|e| panic!("organization seed {i} previews: {e}"));
    }
    let dir = tempfile::tempdir().unwrap();
    let db = branch_db(dir.path());
    for (i, seed) in seeds(&["tests/corpus/ics", "tests/corpus/ics/repeating"])
        .iter()
        .enumerate()
    {
        let taken = ics::import(&db, &text(seed))
            .unwrap_or_else(|e| panic!("calendar seed {i} imports: {e}"));
        assert!(!taken.is_empty(), "calendar seed {i} holds events");
    }
    for (i, seed) in seeds(&["tests/corpus/json"]).iter().enumerate() {
        json::import(&db, &text(seed)).unwrap_or_else(|e| panic!("JSON seed {i} imports: {e}"));
    }
    let hostile = std::fs::read_to_string(repo().join("tests/corpus/markdown/hostile.md")).unwrap();
    let html = listing::markdown_html(&hostile);
    assert!(
        !html.to_lowercase().contains("<script"),
        "the hostile seed loses its script: {html}"
    );
    assert!(
        attributes(&html)
            .iter()
            .all(|(_, n, _)| !n.starts_with("on")),
        "the hostile seed loses its handlers: {html}"
    );
}

proptest! {
    #![proptest_config(config(160))]

    /// A subscriber CSV is previewed or refused with a reason; never a panic.
    #[test]
    fn subscriber_csv_is_previewed_or_refused(bytes in mutated(&["tests/corpus/subscribers-csv", "tests/corpus/subscribers-csv/hostile", "tests/fixtures/csv"])) {
        match import::preview("fuzz.csv", &bytes) {
            Ok(p) => prop_assert!(p.columns.len() <= 10_000 + 1, "a preview has a bounded number of columns"),
            Err(e) => refused_cleanly(&e)?,
        }
    }

    /// An organizations CSV is previewed or refused with a reason.
    #[test]
    fn organization_csv_is_previewed_or_refused(bytes in mutated(&["tests/corpus/organizations-csv", "tests/corpus/organizations-csv/hostile", "tests/fixtures/orgs"])) {
        if let Err(e) = org_import::preview_organizations("fuzz.csv", &bytes) {
            refused_cleanly(&e)?;
        }
    }

    /// A calendar is imported whole, or refused whole with nothing saved.
    #[test]
    fn a_calendar_is_imported_whole_or_refused_whole(bytes in mutated(&["tests/corpus/ics", "tests/corpus/ics/repeating", "tests/corpus/ics/hostile"])) {
        let dir = tempfile::tempdir().unwrap();
        let db = branch_db(dir.path());
        match ics::import(&db, &text(&bytes)) {
            Ok(taken) => {
                prop_assert_eq!(event_count(&db), taken.len() as i64, "every event taken is saved, and only those");
                for e in &taken {
                    prop_assert!(events::get(&db, e.id).is_ok(), "an imported event opens again");
                }
            }
            Err(e) => {
                refused_cleanly(&e)?;
                prop_assert_eq!(event_count(&db), 0, "a refused calendar saves nothing");
            }
        }
    }

    /// A JSON event file is imported whole, or refused whole with nothing saved.
    #[test]
    fn a_json_event_file_is_imported_whole_or_refused_whole(bytes in mutated(&["tests/corpus/json", "tests/corpus/json/hostile"])) {
        let dir = tempfile::tempdir().unwrap();
        let db = branch_db(dir.path());
        match json::import(&db, &text(&bytes)) {
            Ok(_) => prop_assert!(event_count(&db) > 0, "an accepted file saved its events"),
            Err(e) => {
                refused_cleanly(&e)?;
                prop_assert_eq!(event_count(&db), 0, "a refused file saves nothing");
            }
        }
    }

    /// Any mail in the branch's mailbox (bounce reports, complaints, replies,
    /// mutated) is read and handled, or refused, without a panic; a message
    /// whose tokens are not the branch's never changes anyone's standing.
    #[test]
    fn any_mail_is_read_and_never_acts_without_a_token(bytes in mutated(&["src-tauri/core/tests/fixtures/mailbox"])) {
        let reading = handbill_core::mail::mailbox::read::read(&bytes);
        prop_assert!(reading.original.len() <= 256 * 1024 + 1024, "the original read is bounded");
        let dir = tempfile::tempdir().unwrap();
        let db = branch_db(dir.path());
        let origin = handbill_core::mail::mailbox::Origin::File("fuzz.eml".into());
        let before = suppressed(&db);
        match handbill_core::mail::mailbox::handle(&db, &bytes, &origin, false) {
            Ok(_) => {}
            Err(e) => refused_cleanly(&e)?,
        }
        // The fixtures carry %%…%% marks where tokens go, never this branch's: only a
        // reply's own sender (an address the message itself gives) may leave.
        let after = suppressed(&db);
        prop_assert!(after <= before + 1, "one message moves one person at most: {before} → {after}");
    }

    /// Markdown from anyone renders to HTML that cannot run anything.
    #[test]
    fn markdown_renders_to_html_that_cannot_run(bytes in mutated(&["tests/corpus/markdown"])) {
        let html = listing::markdown_html(&text(&bytes));
        assert_safe_html(&html)?;
    }
}

proptest! {
    // A flyer is a whole page layout: fewer cases, each a real render.
    #![proptest_config(config(24))]

    /// Any title and description either lay out on the page or are refused naming their field.
    #[test]
    fn flyer_text_lays_out_or_is_refused_by_field(title in mutated(&["tests/corpus/markdown"]), description in mutated(&["tests/corpus/markdown"])) {
        let title: String = text(&title).chars().take(200).collect();
        let content = flyer(title, text(&description));
        let options = FlyerOptions { layout: Layout::FullPage, paper: Paper::Letter, theme: Theme::Color, tear_offs: false };
        match flyers::preview_svg(&[content], options) {
            Ok(pages) => prop_assert!(!pages.is_empty(), "a flyer has a page"),
            Err(e) => {
                refused_cleanly(&e)?;
                prop_assert!(!e.fields.is_empty(), "a refused flyer names the field: {:?}", e);
            }
        }
    }
}
