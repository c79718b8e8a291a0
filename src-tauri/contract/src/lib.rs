//! The contract between the window and the page: every `#[tauri::command]`
//! registered in `generate_handler!` under `src-tauri/src/`, written out as one
//! TypeScript module of typed wrappers over `invoke` (`ui/src/lib/commands.ts`).
//!
//! It reads the Rust source with `syn` rather than hooking into the build, so it
//! finds commands wherever their files live, needs no build of the app, and
//! fails with the command's name when it meets a type it cannot write. The
//! types it names are the ts-rs ones in `ui/src/lib/bindings/`; a wrapper takes
//! its arguments as one object keyed as Tauri expects them (camelCase unless the
//! command says `rename_all = "snake_case"`), so renaming a command or an
//! argument in Rust changes this module and breaks every call site that still
//! uses the old name. Why not tauri-specta: it would make every core type derive
//! `specta::Type` beside `ts_rs::TS` and generate a second copy of the types.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{FnArg, GenericArgument, Item, Pat, PathArguments, ReturnType, Token, Type};

/// The argument types Tauri fills in itself: the page never sends them.
const INJECTED: &[&str] = &[
    "State",
    "AppHandle",
    "Window",
    "WebviewWindow",
    "Webview",
    "CommandScope",
    "GlobalScope",
];

/// One command as the page sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub name: String,
    /// The file it was found in, for messages.
    pub file: PathBuf,
    pub args: Vec<Arg>,
    /// The headers a raw-body command (one taking `tauri::ipc::Request`) reads,
    /// or None for a command whose arguments travel as JSON.
    pub raw_headers: Option<Vec<String>>,
    /// What the promise resolves to, in TypeScript.
    pub returns: String,
}

/// One argument: the key the page sends and its TypeScript type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub key: String,
    pub ty: String,
}

/// What the generator found in a source tree.
#[derive(Debug, Default)]
pub struct Found {
    /// Every `#[tauri::command]` function, by name.
    pub commands: BTreeMap<String, Command>,
    /// The names listed in `generate_handler!` (the last segment of each path).
    pub registered: BTreeSet<String>,
    /// Type names the commands use that must exist as ts-rs bindings.
    pub named_types: BTreeSet<String>,
}

/// Reads every `.rs` file under `src_dir` and writes the TypeScript module, or
/// says every reason it cannot (each naming its command and file).
pub fn generate(src_dir: &Path, bindings_dir: &Path) -> Result<String, Vec<String>> {
    let mut files = Vec::new();
    rust_files(src_dir, &mut files).map_err(|e| vec![format!("{}: {e}", src_dir.display())])?;
    files.sort();
    let mut sources = Vec::new();
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| vec![format!("{}: {e}", file.display())])?;
        let rel = file.strip_prefix(src_dir).unwrap_or(&file).to_path_buf();
        sources.push((rel, text));
    }
    let found = scan(&sources)?;
    let mut problems = Vec::new();
    if found.registered.is_empty() {
        problems.push(format!(
            "no `generate_handler!` was found under {}: the generator cannot tell which commands the window serves",
            src_dir.display()
        ));
    }
    for name in &found.registered {
        if !found.commands.contains_key(name) {
            problems.push(format!(
                "`{name}` is registered in generate_handler! but no #[tauri::command] fn {name} was found under {}",
                src_dir.display()
            ));
        }
    }
    for (name, c) in &found.commands {
        if !found.registered.contains(name) {
            problems.push(format!(
                "#[tauri::command] fn {name} ({}) is not registered in generate_handler!: the page could not call it",
                c.file.display()
            ));
        }
    }
    for ty in &found.named_types {
        if !bindings_dir.join(format!("{ty}.ts")).is_file() {
            let users: Vec<&str> = found
                .commands
                .values()
                .filter(|c| c.uses(ty))
                .map(|c| c.name.as_str())
                .collect();
            problems.push(format!(
                "type `{ty}` (used by {}) has no ts-rs binding {}/{ty}.ts: export it in the bindings test",
                users.join(", "),
                bindings_dir.display()
            ));
        }
    }
    if problems.is_empty() {
        Ok(render(&found))
    } else {
        Err(problems)
    }
}

impl Command {
    fn uses(&self, ty: &str) -> bool {
        let mentions = |s: &str| {
            s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == ty)
        };
        mentions(&self.returns) || self.args.iter().any(|a| mentions(&a.ty))
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Finds the commands and the registered names in already-read sources
/// (`(file, text)` pairs), so it can be tested without files.
pub fn scan(sources: &[(PathBuf, String)]) -> Result<Found, Vec<String>> {
    let mut found = Found::default();
    let mut problems = Vec::new();
    for (file, text) in sources {
        let ast = match syn::parse_file(text) {
            Ok(ast) => ast,
            Err(e) => {
                problems.push(format!(
                    "{}: not Rust that syn can read: {e}",
                    file.display()
                ));
                continue;
            }
        };
        let mut handlers = Handlers::default();
        handlers.visit_file(&ast);
        problems.extend(
            handlers
                .problems
                .iter()
                .map(|p| format!("{}: {p}", file.display())),
        );
        found.registered.extend(handlers.names);
        collect_commands(&ast.items, file, &mut found, &mut problems);
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

/// The names in every `generate_handler![…]` of a file.
#[derive(Default)]
struct Handlers {
    names: Vec<String>,
    problems: Vec<String>,
}

impl<'ast> Visit<'ast> for Handlers {
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if mac
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "generate_handler")
        {
            match mac.parse_body_with(Punctuated::<syn::Path, Token![,]>::parse_terminated) {
                Ok(paths) => self.names.extend(
                    paths
                        .iter()
                        .filter_map(|p| p.segments.last().map(|s| s.ident.to_string())),
                ),
                Err(e) => self
                    .problems
                    .push(format!("generate_handler! is not a list of paths: {e}")),
            }
        }
        syn::visit::visit_macro(self, mac);
    }
}

fn collect_commands(items: &[Item], file: &Path, found: &mut Found, problems: &mut Vec<String>) {
    for item in items {
        match item {
            Item::Fn(f) => {
                let Some(rename_all_snake) = command_attribute(&f.attrs) else {
                    continue;
                };
                match command(f, file, rename_all_snake, &mut found.named_types) {
                    Ok(c) => {
                        if let Some(other) = found.commands.get(&c.name) {
                            problems.push(format!(
                                "two commands are named `{}`: in {} and {}",
                                c.name,
                                other.file.display(),
                                file.display()
                            ));
                        } else {
                            found.commands.insert(c.name.clone(), c);
                        }
                    }
                    Err(e) => problems.push(format!(
                        "{}: command `{}`: {e}",
                        file.display(),
                        f.sig.ident
                    )),
                }
            }
            Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_commands(items, file, found, problems);
                }
            }
            _ => {}
        }
    }
}

/// Some(rename_all is snake_case) when the attributes mark a Tauri command.
fn command_attribute(attrs: &[syn::Attribute]) -> Option<bool> {
    let attr = attrs.iter().find(|a| {
        let segs: Vec<String> = a
            .path()
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        segs == ["tauri", "command"] || segs == ["command"]
    })?;
    let mut snake = false;
    if let syn::Meta::List(list) = &attr.meta {
        let tokens: Vec<TokenTree> = list.tokens.clone().into_iter().collect();
        for w in tokens.windows(3) {
            if let (TokenTree::Ident(k), TokenTree::Punct(eq), TokenTree::Literal(v)) =
                (&w[0], &w[1], &w[2])
            {
                if k == "rename_all" && eq.as_char() == '=' {
                    snake = v.to_string().trim_matches('"') == "snake_case";
                }
            }
        }
    }
    Some(snake)
}

fn command(
    f: &syn::ItemFn,
    file: &Path,
    rename_all_snake: bool,
    named: &mut BTreeSet<String>,
) -> Result<Command, String> {
    let name = unraw(&f.sig.ident.to_string());
    let mut args = Vec::new();
    let mut raw = false;
    for input in &f.sig.inputs {
        let FnArg::Typed(pt) = input else {
            return Err("a command cannot take self".into());
        };
        let type_name = last_segment(&pt.ty);
        if type_name.as_deref().is_some_and(|n| INJECTED.contains(&n)) {
            continue;
        }
        if type_name.as_deref() == Some("Request") {
            raw = true;
            continue;
        }
        let Pat::Ident(id) = &*pt.pat else {
            return Err("an argument must be a plain name (Tauri keys arguments by name)".into());
        };
        let rust_name = unraw(&id.ident.to_string());
        let key = if rename_all_snake {
            rust_name
        } else {
            lower_camel(&rust_name)
        };
        let ty = ts_type(&pt.ty, named).map_err(|e| format!("argument `{}`: {e}", id.ident))?;
        args.push(Arg { key, ty });
    }
    if raw && !args.is_empty() {
        return Err("a command reading the raw request body cannot take other arguments".into());
    }
    let returns = match &f.sig.output {
        ReturnType::Default => "void".to_string(),
        ReturnType::Type(_, ty) => {
            let ok = result_ok(ty).unwrap_or(ty);
            if is_unit(ok) {
                "void".to_string()
            } else if let Some(json) = is_response(ok).then(|| json_answer(&f.attrs)).flatten() {
                // A Response of JSON the command wrote itself: the page gets the
                // value, typed as the command's doc names it ("a [`T`] in JSON").
                named.insert(json.clone());
                json
            } else {
                ts_type(ok, named).map_err(|e| format!("its answer: {e}"))?
            }
        }
    };
    let raw_headers = raw.then(|| headers_read(&f.block.to_token_stream()));
    Ok(Command {
        name,
        file: file.to_path_buf(),
        args,
        raw_headers,
        returns,
    })
}

/// Whether a type is `tauri::ipc::Response` (by its last path segment).
fn is_response(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Response"))
}

/// The type a command that answers with a `Response` of JSON names in its doc
/// comment as "[`T`] in JSON"; None for a raw-bytes answer.
fn json_answer(attrs: &[syn::Attribute]) -> Option<String> {
    let docs: String = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ");
    let at = docs.find("`] in JSON")?;
    let start = docs[..at].rfind("[`")? + 2;
    let name = &docs[start..at];
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| name.to_owned())
}

/// The `x-…` header names a raw-body command reads: the string literals of that
/// shape in its body (`header(&request, "x-file-name")`, `.get("x-options")`).
fn headers_read(body: &TokenStream) -> Vec<String> {
    let mut names = BTreeSet::new();
    fn walk(ts: &TokenStream, names: &mut BTreeSet<String>) {
        for tt in ts.clone() {
            match tt {
                TokenTree::Group(g) => walk(&g.stream(), names),
                TokenTree::Literal(l) => {
                    let s = l.to_string();
                    if let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                        if inner.starts_with("x-")
                            && inner.len() > 2
                            && inner
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                        {
                            names.insert(inner.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
    }
    walk(body, &mut names);
    names.into_iter().collect()
}

fn unraw(s: &str) -> String {
    s.strip_prefix("r#").unwrap_or(s).to_string()
}

/// Tauri's key for an argument: lowerCamelCase of the Rust name.
pub fn lower_camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for (i, c) in snake.trim_start_matches('_').chars().enumerate() {
        if c == '_' {
            upper = i > 0;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn last_segment(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Type::Reference(r) => last_segment(&r.elem),
        _ => None,
    }
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

/// `T` of `Result<T, E>` (any path ending in `Result`).
fn result_ok(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    if seg.ident != "Result" {
        return None;
    }
    generic_args(seg).into_iter().next()
}

fn generic_args(seg: &syn::PathSegment) -> Vec<&Type> {
    match &seg.arguments {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A Rust type as TypeScript, the way ts-rs writes it (integers as `number`,
/// `Option<T>` as `T | null`); a named type is recorded in `named`.
pub fn ts_type(ty: &Type, named: &mut BTreeSet<String>) -> Result<String, String> {
    match ty {
        Type::Reference(r) => ts_type(&r.elem, named),
        Type::Paren(p) => ts_type(&p.elem, named),
        Type::Group(g) => ts_type(&g.elem, named),
        Type::Slice(s) => Ok(format!("Array<{}>", ts_type(&s.elem, named)?)),
        Type::Array(a) => Ok(format!("Array<{}>", ts_type(&a.elem, named)?)),
        Type::Tuple(t) if t.elems.is_empty() => Ok("null".into()),
        Type::Tuple(t) => {
            let parts: Result<Vec<String>, String> =
                t.elems.iter().map(|e| ts_type(e, named)).collect();
            Ok(format!("[{}]", parts?.join(", ")))
        }
        Type::Path(p) if p.qself.is_none() => {
            let seg = p.path.segments.last().ok_or("an empty type path")?;
            let name = seg.ident.to_string();
            let args = generic_args(seg);
            let one = |named: &mut BTreeSet<String>| -> Result<String, String> {
                match args.as_slice() {
                    [t] => ts_type(t, named),
                    _ => Err(format!("`{name}` needs one type argument")),
                }
            };
            Ok(match name.as_str() {
                "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64"
                | "u128" | "usize" | "f32" | "f64" => "number".into(),
                "bool" => "boolean".into(),
                "String" | "str" | "char" | "PathBuf" | "Path" => "string".into(),
                "Option" => format!("{} | null", one(named)?),
                "Vec" | "VecDeque" | "HashSet" | "BTreeSet" => {
                    format!("Array<{}>", one(named)?)
                }
                "Box" | "Arc" | "Rc" | "Cow" => one(named)?,
                // Made by the page (`new Channel()` of @tauri-apps/api/core) and passed as an argument.
                "Channel" => format!("Channel<{}>", one(named)?),
                // tauri::ipc::Response: raw bytes back to the page.
                "Response" if args.is_empty() => "ArrayBuffer".into(),
                "HashMap" | "BTreeMap" => match args.as_slice() {
                    [k, v] => format!("Record<{}, {}>", ts_type(k, named)?, ts_type(v, named)?),
                    _ => return Err(format!("`{name}` needs two type arguments")),
                },
                "Result" => {
                    return Err("a Result inside another type cannot cross to the page".into())
                }
                _ if !args.is_empty() => {
                    return Err(format!(
                        "`{name}<…>`: a generic type has no ts-rs binding to name"
                    ))
                }
                _ => {
                    named.insert(name.clone());
                    name
                }
            })
        }
        other => Err(format!(
            "cannot write `{}` in TypeScript",
            other.to_token_stream()
        )),
    }
}

/// The TypeScript module: imports, then one function per command, by name.
pub fn render(found: &Found) -> String {
    let commands: Vec<&Command> = found
        .commands
        .values()
        .filter(|c| found.registered.contains(&c.name))
        .collect();
    let mut out = String::new();
    out.push_str(
        "// Generated by src-tauri/contract from the #[tauri::command] functions under\n\
         // src-tauri/src/: do not edit. Regenerate with `make bindings`; `make test`\n\
         // fails when this file no longer matches the Rust commands.\n\
         //\n\
         // One function per command the window serves, named as the command is.\n\
         // Arguments go as one object keyed as Tauri reads them, so a renamed\n\
         // command or argument breaks every call site still using the old name.\n",
    );
    let uses_json = commands.iter().any(|c| c.raw_headers.is_none());
    let uses_raw = commands.iter().any(|c| c.raw_headers.is_some());
    let imports: Vec<&str> = [uses_json.then_some("call"), uses_raw.then_some("callRaw")]
        .into_iter()
        .flatten()
        .collect();
    let _ = writeln!(
        out,
        "import {{ {} }} from \"./invoke\";",
        imports.join(", ")
    );
    if commands
        .iter()
        .any(|c| c.args.iter().any(|a| a.ty.contains("Channel<")))
    {
        out.push_str("import type { Channel } from \"@tauri-apps/api/core\";\n");
    }
    for ty in &found.named_types {
        if commands.iter().any(|c| c.uses(ty)) {
            let _ = writeln!(out, "import type {{ {ty} }} from \"./bindings/{ty}\";");
        }
    }
    for c in commands {
        out.push('\n');
        let name = &c.name;
        let ret = &c.returns;
        if let Some(headers) = &c.raw_headers {
            let fields: Vec<String> = headers.iter().map(|h| format!("\"{h}\": string")).collect();
            let _ = writeln!(
                out,
                "/** The file's bytes go as the request body; the headers are percent-encoded text. */\n\
                 export function {name}(body: Uint8Array, headers: {{ {} }}): Promise<{ret}> {{\n  \
                 return callRaw<{ret}>(\"{name}\", body, headers);\n}}",
                fields.join("; ")
            );
        } else if c.args.is_empty() {
            let _ = writeln!(
                out,
                "export function {name}(): Promise<{ret}> {{\n  return call<{ret}>(\"{name}\");\n}}"
            );
        } else {
            let fields: Vec<String> = c
                .args
                .iter()
                .map(|a| format!("{}: {}", a.key, a.ty))
                .collect();
            let _ = writeln!(
                out,
                "export function {name}(args: {{ {} }}): Promise<{ret}> {{\n  return call<{ret}>(\"{name}\", args);\n}}",
                fields.join("; ")
            );
        }
    }
    out
}
