//! What the generator makes of the command shapes Tauri allows: injected
//! arguments skipped, keys in camelCase, types as ts-rs writes them, raw-body
//! commands, and the mistakes it must refuse rather than paper over.

use std::path::PathBuf;

use handbill_contract::{render, scan};

fn generate(src: &str) -> Result<String, Vec<String>> {
    scan(&[(PathBuf::from("window/x.rs"), src.to_string())]).map(|found| render(&found))
}

const HANDLER: &str =
    "fn run() { tauri::Builder::default().invoke_handler(tauri::generate_handler![";

#[test]
fn injected_arguments_are_skipped_and_keys_are_camel_case() {
    let src = format!(
        "{HANDLER} window::events::list_facets]); }}
         mod window {{ pub mod events {{
           #[tauri::command]
           pub async fn list_facets(app: tauri::AppHandle, state: State<'_, AppState>, w: tauri::WebviewWindow,
                                    list_id: i64, from_version_id: Option<u32>) -> Result<Vec<Facets>, Error> {{ answer() }}
         }} }}"
    );
    let ts = generate(&src).expect("a plain command is written");
    assert!(
        ts.contains("export function list_facets(args: { listId: number; fromVersionId: number | null }): Promise<Array<Facets>>"),
        "State, AppHandle and WebviewWindow are not sent; keys are camelCase; Option is `| null`, Vec an array, Result its Ok:\n{ts}"
    );
    assert!(
        ts.contains("import type { Facets } from \"./bindings/Facets\";"),
        "the ts-rs type is imported:\n{ts}"
    );
    assert!(
        !ts.contains("AppState"),
        "injected state types are never named:\n{ts}"
    );
}

#[test]
fn rename_all_snake_case_keeps_rust_names() {
    let src = format!(
        "{HANDLER} a]); }}
         #[tauri::command(rename_all = \"snake_case\")]
         fn a(list_id: i64) {{}}"
    );
    let ts = generate(&src).expect("written");
    assert!(
        ts.contains("args: { list_id: number }): Promise<void>"),
        "snake_case keys when asked:\n{ts}"
    );
}

#[test]
fn tuples_units_and_raw_bodies() {
    let src = format!(
        "{HANDLER} draft, upload, nothing]); }}
         #[tauri::command] fn draft() -> Result<(String, Option<String>), Error> {{ answer() }}
         #[tauri::command] fn nothing() -> Result<(), Error> {{ Ok(()) }}
         #[tauri::command] fn upload(request: Request<'_>) -> Result<u32, Error> {{
             let a = header(&request, \"x-file-name\"); let b = request.headers().get(\"x-options\"); answer()
         }}"
    );
    let ts = generate(&src).expect("written");
    assert!(
        ts.contains("export function draft(): Promise<[string, string | null]>"),
        "a tuple is a TS tuple:\n{ts}"
    );
    assert!(
        ts.contains("export function nothing(): Promise<void>"),
        "unit answers void:\n{ts}"
    );
    assert!(
        ts.contains("export function upload(body: Uint8Array, headers: { \"x-file-name\": string; \"x-options\": string }): Promise<number>"),
        "a raw-body command takes the bytes and the headers its body reads:\n{ts}"
    );
}

#[test]
fn unregistered_or_missing_commands_are_refused() {
    let unregistered =
        format!("{HANDLER} a]); }} #[tauri::command] fn a() {{}} #[tauri::command] fn b() {{}}");
    let found = scan(&[(PathBuf::from("x.rs"), unregistered)]).expect("scans");
    assert!(
        found.commands.contains_key("b") && !found.registered.contains("b"),
        "b is found but not registered"
    );

    let dir = tempdir();
    std::fs::write(
        dir.join("x.rs"),
        format!(
            "{HANDLER} a, gone]); }} #[tauri::command] fn a() {{}} #[tauri::command] fn b() {{}}"
        ),
    )
    .unwrap();
    let problems = handbill_contract::generate(&dir, &dir)
        .expect_err("a handler naming no fn, and a fn not registered, are refused");
    assert!(
        problems.iter().any(|p| p.contains("`gone` is registered")),
        "names the missing fn: {problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("fn b") && p.contains("not registered")),
        "names the unregistered fn: {problems:?}"
    );
}

#[test]
fn a_type_without_a_binding_is_refused_by_name() {
    let dir = tempdir();
    std::fs::write(
        dir.join("x.rs"),
        format!("{HANDLER} a]); }} #[tauri::command] fn a(x: Secret) -> Known {{ answer() }}"),
    )
    .unwrap();
    let bindings = dir.join("bindings");
    std::fs::create_dir_all(&bindings).unwrap();
    std::fs::write(bindings.join("Known.ts"), "export type Known = string;\n").unwrap();
    let problems = handbill_contract::generate(&dir, &bindings).expect_err("Secret has no binding");
    assert!(
        problems.len() == 1 && problems[0].contains("`Secret` (used by a)"),
        "only the missing type is named, with its command: {problems:?}"
    );
}

#[test]
fn generic_or_nested_results_are_refused() {
    let src = format!("{HANDLER} a]); }} #[tauri::command] fn a(x: Page<Event>) {{}}");
    let problems = generate(&src).expect_err("a generic type has no one binding");
    assert!(
        problems[0].contains("command `a`") && problems[0].contains("Page<…>"),
        "{problems:?}"
    );
}

/// A fresh folder under the target directory (the tests need no tempfile crate).
fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "handbill-contract-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_channel_is_an_argument_the_page_makes() {
    let src = format!(
        "{HANDLER} watch]); }}
         #[tauri::command] async fn watch(app: AppHandle, job: i64, on_progress: tauri::ipc::Channel<Progress>) {{}}"
    );
    let ts = generate(&src).expect("written");
    assert!(
        ts.contains("export function watch(args: { job: number; onProgress: Channel<Progress> }): Promise<void>"),
        "a Channel is passed by the page, keyed in camelCase:\n{ts}"
    );
    assert!(
        ts.contains("import type { Channel } from \"@tauri-apps/api/core\";"),
        "Channel's type comes from Tauri's API:\n{ts}"
    );
}

#[test]
fn a_response_of_json_is_typed_as_its_doc_names_it_and_raw_bytes_stay_bytes() {
    let src = format!(
        "{HANDLER} preview, bytes]); }}
         /// The pages, as a [`FlyerPreview`] in JSON written off the main thread.
         #[tauri::command] async fn preview(request: FlyerRequest) -> Result<Response, Error> {{ answer() }}
         /// The file's bytes.
         #[tauri::command] fn bytes() -> tauri::ipc::Response {{ answer() }}"
    );
    let ts = generate(&src).expect("written");
    assert!(
        ts.contains(
            "export function preview(args: { request: FlyerRequest }): Promise<FlyerPreview>"
        ),
        "a JSON Response answers the type its doc names:\n{ts}"
    );
    assert!(
        ts.contains("import type { FlyerPreview } from \"./bindings/FlyerPreview\";"),
        "and that type is imported:\n{ts}"
    );
    assert!(
        ts.contains("export function bytes(): Promise<ArrayBuffer>"),
        "a Response of bytes stays an ArrayBuffer:\n{ts}"
    );
}
