//! ARCHITECTURE.md, the table of every user action, agrees with the code:
//! every command the window registers has one row and no row names a command
//! that is gone; the core function a row names is the one its command calls,
//! and the one its command-line verb calls (when the row gives a verb that is
//! not marked "through" another function).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{} cannot be read: {e}", path.display()))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the source folder is readable") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The commands `generate_handler!` registers, by their function's name.
fn registered() -> Vec<String> {
    let text = read(&root().join("src-tauri/src/window/mod.rs"));
    let start = text
        .find("generate_handler![")
        .expect("window/mod.rs registers its commands");
    let end = start + text[start..].find(']').expect("the list of commands ends");
    text[start + "generate_handler![".len()..end]
        .split(',')
        .map(|item| item.trim().rsplit("::").next().unwrap_or("").to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

/// The body of `fn name(` in `text`, up to the next function at the left margin.
fn body_of<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let at = text.find(&format!("fn {name}("))?;
    let rest = &text[at..];
    let end = rest.find("\n}\n").map_or(rest.len(), |e| e + 3);
    Some(&rest[..end])
}

/// Whether `code` calls `function` ("flyers::draw", or "ImportReport::save" as a method).
fn calls(code: &str, function: &str) -> bool {
    let mut parts: Vec<&str> = function.split("::").collect();
    let name = parts.pop().unwrap_or_default();
    match parts.last() {
        Some(owner) if owner.starts_with(char::is_uppercase) => code.contains(&format!(".{name}(")),
        Some(module) => {
            code.contains(&format!("{module}::{name}("))
                || code.contains(&format!("{module}::{name})"))
        }
        None => code.contains(&format!("{name}(")),
    }
}

/// The text between backticks in a cell.
fn quoted(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

struct Row {
    area: String,
    verb: String,
    core: String,
}

fn table() -> BTreeMap<String, Row> {
    let text = read(&root().join("ARCHITECTURE.md"));
    let mut rows = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| area") && !l.starts_with("| ---"))
    {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        assert_eq!(
            cells.len(),
            7,
            "a row of ARCHITECTURE.md has seven cells: {line}"
        );
        let command = quoted(cells[3])
            .pop()
            .unwrap_or_else(|| panic!("the row names its command: {line}"));
        let row = Row {
            area: cells[0].to_owned(),
            verb: cells[4].to_owned(),
            core: cells[5].to_owned(),
        };
        assert!(
            rows.insert(command.clone(), row).is_none(),
            "{command} has one row in ARCHITECTURE.md"
        );
    }
    rows
}

#[test]
fn every_command_has_one_row_and_its_core_function_is_the_one_called() {
    let rows = table();
    let commands = registered();
    for c in &commands {
        assert!(
            rows.contains_key(c),
            "the command {c} has a row in ARCHITECTURE.md"
        );
    }
    for c in rows.keys() {
        assert!(
            commands.contains(c),
            "ARCHITECTURE.md names {c}, which the window registers"
        );
    }
    let mut window = Vec::new();
    rust_files(&root().join("src-tauri/src/window"), &mut window);
    let sources: Vec<String> = window.iter().map(|p| read(p)).collect();
    let mut wrong = Vec::new();
    for (command, row) in &rows {
        let body = sources
            .iter()
            .find_map(|s| body_of(s, command))
            .unwrap_or_else(|| {
                panic!("the command {command} is a function in src-tauri/src/window/")
            });
        if row.core.starts_with('—') {
            continue;
        }
        // "`store::resume`, then `send::run` in a job": the job is the runner's, the action is the first.
        let action = row.core.split(", then").next().unwrap_or_default();
        let functions: Vec<String> = quoted(action)
            .iter()
            .flat_map(|q| {
                q.split([',', '/'])
                    .map(|f| f.split_whitespace().next().unwrap_or("").to_owned())
                    .collect::<Vec<_>>()
            })
            .filter(|f| f.contains("::"))
            .collect();
        assert!(
            !functions.is_empty(),
            "the row of {command} names a core function"
        );
        for f in functions.iter().filter(|f| !calls(body, f)) {
            wrong.push(format!("the command {command} does not call {f}"));
        }
        // A verb doing the same through the same function: its area's file calls it too.
        if !row.verb.starts_with('—') && !row.verb.contains("through") {
            let area = if row.area == "window" {
                "mod"
            } else {
                row.area.as_str()
            };
            let cli = [
                root().join(format!("src-tauri/src/cli/{area}.rs")),
                root().join(format!("src-tauri/src/cli/{area}/mod.rs")),
            ];
            let code: String = cli.iter().filter(|p| p.exists()).map(|p| read(p)).collect();
            if code.is_empty() {
                wrong.push(format!(
                    "the command line has no file for the area {area} ({command})"
                ));
                continue;
            }
            let first = &functions[0];
            if !calls(&code, first) {
                wrong.push(format!(
                    "the verb {} of {command} does not call {first} in src-tauri/src/cli/{area}",
                    row.verb
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "ARCHITECTURE.md disagrees with the code:\n{}",
        wrong.join("\n")
    );
}
