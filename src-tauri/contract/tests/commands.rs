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
fn every_command_in_the_tree_is_found_and_typed() {
    let root = root();
    let generated = handbill_contract::generate(
        &root.join("src-tauri/src"),
        &root.join("ui/src/lib/bindings"),
    )
    .expect("every command can be written");
    let registered =
        std::fs::read_to_string(root.join("src-tauri/src/commands.rs")).unwrap_or_default();
    // A cross-check that does not use syn: the names between `generate_handler![` and `]`.
    if let Some(start) = registered.find("generate_handler![") {
        let list = &registered[start + "generate_handler![".len()..];
        let list = &list[..list.find(']').expect("the handler list ends")];
        for name in list.split(',').map(|n| n.trim()).filter(|n| !n.is_empty()) {
            let name = name.rsplit("::").next().unwrap();
            assert!(
                generated.contains(&format!("export function {name}(")),
                "the registered command `{name}` has a wrapper in commands.ts"
            );
        }
    }
}
