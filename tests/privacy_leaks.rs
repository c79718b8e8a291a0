//! Nothing leaks sideways (issue 22): the window's web storage holds no
//! branch data. The web view keeps `localStorage`, `sessionStorage`,
//! IndexedDB and cookies in its own folder, outside the branch's file and
//! its encryption, so the page may keep only the look it was given (the
//! theme); everything about the branch comes from Rust on each start. This
//! reads every source file of the page (tests aside) and finds each use.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "node_modules" && name != "fixtures" {
                sources(&path, out);
            }
        } else if (name.ends_with(".ts") || name.ends_with(".svelte") || name.ends_with(".js"))
            && !name.contains(".test.")
        {
            out.push(path);
        }
    }
}

#[test]
fn the_page_keeps_only_its_theme_in_web_storage() {
    let ui = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui/src");
    let mut files = Vec::new();
    sources(&ui, &mut files);
    assert!(
        files.len() > 20,
        "the page's sources are found: {}",
        files.len()
    );
    let stores = [
        "localStorage",
        "sessionStorage",
        "indexedDB",
        "document.cookie",
        "caches.open",
    ];
    let mut uses = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if stores.iter().any(|s| line.contains(s)) {
                uses.push((
                    file.strip_prefix(&ui).unwrap().display().to_string(),
                    n + 1,
                    line.trim().to_owned(),
                ));
            }
        }
    }
    for (file, line, text) in &uses {
        assert_eq!(
            file, "lib/theme.ts",
            "only the theme is kept in web storage; {file}:{line} uses it: {text}"
        );
        assert!(
            text.contains("localStorage") && text.contains("(KEY"),
            "the theme keeps one key: {file}:{line}: {text}"
        );
    }
    let theme = std::fs::read_to_string(ui.join("lib/theme.ts")).unwrap();
    assert!(
        theme.contains("const KEY = \"handbill.theme\";"),
        "the theme's one key is a constant: {theme}"
    );
    for (_, line, text) in uses.iter().filter(|(_, _, t)| t.contains("setItem")) {
        assert!(
            text.contains("setItem(KEY, theme)"),
            "what is stored is the theme and nothing else (line {line}): {text}"
        );
    }
}
