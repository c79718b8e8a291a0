//! The preview's text is the PDF's glyphs: each line of a page's SVG is a
//! group labelled with its words, holding one outline per drawn letter,
//! placed left to right at the PDF's own advances; letters Noto Sans lacks
//! are the fallback face's outlines (even outside the Basic Multilingual
//! Plane), characters that take no room draw nothing, and no text is left for
//! the web view to set in fonts of its own. (tests/e2e/preview-print.test.mjs
//! compares the drawn page with the PDF in the real window.)

use handbill_core::flyers::fonts::{self, Weight};
use handbill_core::flyers::{self, BranchMark, FlyerContent, FlyerOptions};

/// A line of an SVG page: its label, its transform, and each glyph's id with
/// its x in thousandths of an em.
type Line = (String, String, Vec<(String, f32)>);

fn groups(svg: &str) -> Vec<Line> {
    let mut out = Vec::new();
    for part in svg.split("<g aria-label=\"").skip(1) {
        let label = part.split('"').next().unwrap().to_owned();
        let transform = part
            .split("transform=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let body = part.split("</g>").next().unwrap();
        let uses = body
            .split("<use href=\"#")
            .skip(1)
            .map(|u| {
                let id = u.split('"').next().unwrap().to_owned();
                let x = u
                    .split("x=\"")
                    .nth(1)
                    .map(|x| x.split('"').next().unwrap().parse::<f32>().unwrap())
                    .unwrap_or(0.0);
                (id, x)
            })
            .collect();
        out.push((label, transform, uses));
    }
    out
}

fn content(title: &str) -> FlyerContent {
    FlyerContent {
        title: title.into(),
        kind: "Rally".into(),
        when: "Saturday, January 30, 2027 | 12:00 - 2:00 pm".into(),
        struck: false,
        branch: BranchMark {
            name: "ISO-Boston".into(),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[test]
fn each_letter_of_a_line_is_the_pdfs_glyph_at_the_pdfs_advance() {
    // A star and a double-struck A (U+1D538) only DejaVu Sans has; a soft
    // hyphen and a zero-width space that take no room.
    let title = "Rise \u{2605} up\u{00AD}ward \u{1D538}\u{200B}ll";
    let svg = &flyers::preview_svg(&[content(title)], FlyerOptions::default())
        .expect("the flyer previews")[0];
    std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/flyers")).unwrap();
    std::fs::write(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/flyers/preview-glyphs.svg"
        ),
        svg,
    )
    .unwrap();
    assert!(
        !svg.contains("<text") && !svg.contains("@font-face") && !svg.contains("font-family"),
        "no text is left for the web view to set"
    );
    let all = groups(svg);
    let (label, transform, uses) = all
        .iter()
        .find(|(l, _, _)| l.starts_with("Rise"))
        .expect("the title is a labelled group");
    assert_eq!(label, title, "the label is the line as typed");
    let size: f32 = transform
        .split("scale(")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse::<f32>()
        .unwrap()
        * 1000.0;
    assert!(
        transform.ends_with(&format!(
            " -{})",
            transform
                .split("scale(")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
        )),
        "the outlines are flipped upright: {transform}"
    );
    // Drawn letters: all but the spaces and the two that take no room.
    let drawn: Vec<char> = title
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{00AD}' | '\u{200B}'))
        .collect();
    assert_eq!(
        uses.len(),
        drawn.len(),
        "one outline per drawn letter: {uses:?}"
    );
    assert!(
        uses.iter().filter(|(id, _)| id.starts_with('f')).count() == 2,
        "the star and the double-struck A are the fallback face's: {uses:?}"
    );
    assert!(
        uses.iter()
            .all(|(id, _)| svg.contains(&format!("<path id=\"{id}\" d=\"M"))),
        "every glyph used is defined once on the page"
    );
    // Each letter where the PDF puts it: after the advances of all before it,
    // measured as the PDF measures them.
    let mut before = String::new();
    let mut i = 0;
    for c in title.chars() {
        if drawn.contains(&c) && !matches!(c, ' ') {
            let want = fonts::width(&before, Weight::Bold, size) / size * 1000.0;
            let (_, x) = &uses[i];
            assert!(
                (x - want).abs() < 0.1,
                "letter {c:?} sits at {x} thousandths of an em, the PDF's {want}"
            );
            i += 1;
        }
        before.push(c);
    }
    // The whole line is as wide as the PDF measures it, so it ends where the PDF's does.
    let (_, last_x) = uses.last().unwrap();
    let last = drawn.last().unwrap();
    let end = (last_x / 1000.0) * size + fonts::width(&last.to_string(), Weight::Bold, size);
    let whole = fonts::width(title, Weight::Bold, size);
    assert!(
        (end - whole).abs() < 0.01,
        "the line ends at {end} pt from its start, the PDF's {whole}"
    );
}

#[test]
fn a_tabs_link_is_turned_to_read_upward_from_its_start() {
    let mut c = content("Rally");
    c.link = "https://example.org/rally".into();
    let options = FlyerOptions {
        tear_offs: true,
        ..Default::default()
    };
    let svg = &flyers::preview_svg(&[c], options).expect("the flyer previews")[0];
    let turned: Vec<_> = groups(svg)
        .into_iter()
        .filter(|(_, t, _)| t.contains(" rotate(-90) "))
        .collect();
    assert!(!turned.is_empty(), "the tabs' links read upward");
    for (label, transform, uses) in &turned {
        assert!(
            transform.starts_with("translate("),
            "{label}: turned about where its line starts: {transform}"
        );
        assert!(
            uses.windows(2).all(|w| w[1].1 > w[0].1),
            "{label}: its letters follow one another along the line"
        );
    }
}
