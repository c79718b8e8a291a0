//! Proves `ui/src/lib/commands.ts` is what the window's commands generate today,
//! so a command or an argument renamed in Rust fails `make test` (here, and in
//! svelte-check at every call site once the file is regenerated). Regenerate it
//! with `make bindings` (UPDATE_BINDINGS=1).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn committed_command_wrappers_match_the_rust_commands() {
    let root = root();
    let target = root.join("ui/src/lib/commands.ts");
    let generated = handbill_contract::generate(
        &root.join("src-tauri/src"),
        &root.join("ui/src/lib/bindings"),
    )
    .unwrap_or_else(|problems| {
        panic!(
            "the window's commands cannot be written as TypeScript:\n  {}",
            problems.join("\n  ")
        )
    });
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&target, &generated).expect("ui/src/lib/commands.ts is writable");
        return;
    }
    let committed = std::fs::read_to_string(&target).unwrap_or_default();
    if committed != generated {
        let first = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(committed.lines().count().min(generated.lines().count()));
        panic!(
            "ui/src/lib/commands.ts is out of date with the #[tauri::command] functions under src-tauri/src/ \
             (first difference at line {}: committed {:?}, generated {:?}). Run `make bindings`, fix the UI's \
             calls that svelte-check then names, and commit the result.",
            first + 1,
            committed.lines().nth(first).unwrap_or("<end of file>"),
            generated.lines().nth(first).unwrap_or("<end of file>"),
        );
    }
}

#[test]
fn every_registered_command_has_a_wrapper() {
    let root = root();
    let generated = handbill_contract::generate(
        &root.join("src-tauri/src"),
        &root.join("ui/src/lib/bindings"),
    )
    .expect("every command can be written");
    // A cross-check that does not use syn: the names between `generate_handler![`
    // and `]`, in whichever file under src-tauri/src/ holds them.
    let mut files = vec![root.join("src-tauri/src")];
    let mut names = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for (start, _) in text.match_indices("generate_handler![") {
            let list = &text[start + "generate_handler![".len()..];
            let list = &list[..list.find(']').expect("the handler list ends")];
            names.extend(
                list.split(',')
                    .map(|n| n.trim().rsplit("::").next().unwrap().to_string())
                    .filter(|n| !n.is_empty()),
            );
        }
    }
    assert!(
        names.len() > 50,
        "the window registers its commands in a generate_handler! under src-tauri/src/ (found {})",
        names.len()
    );
    for name in &names {
        assert!(
            generated.contains(&format!("export function {name}(")),
            "the registered command `{name}` has a wrapper in commands.ts"
        );
    }
    assert_eq!(
        generated.matches("\nexport function ").count(),
        names.len(),
        "one wrapper per registered command, no more"
    );
}
