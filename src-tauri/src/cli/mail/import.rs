//! The sign-up sheet import on the command line: `handbill subscribers
//! import`. The same preview and import the window's Mail → Import runs.

use std::path::PathBuf;

use handbill_core::mail::import::{self, ImportOptions, RowOutcome};
use handbill_core::mail::lists;
use handbill_core::{Database, Error};

use crate::job::Progress;

/// "checking rows: 12000 of 100000" for the import's progress line.
fn progress_line(p: &import::ImportProgress) -> String {
    let phase = match p.phase {
        import::ImportPhase::Reading => "reading the file",
        import::ImportPhase::Checking => "checking rows",
        import::ImportPhase::Writing => "writing subscribers",
        import::ImportPhase::Saving => "saving",
        import::ImportPhase::Finished => "done",
    };
    if p.phase.goes_row_by_row() {
        format!("{phase}: {} of {}", p.rows_done, p.rows_total)
    } else {
        phase.to_owned()
    }
}

/// `handbill subscribers import FILE --list NAME …`: the whole file checked,
/// imported (or, with `--dry-run`, only reported), and the report printed.
pub fn import(
    db: &Database,
    file: PathBuf,
    list: String,
    dry_run: bool,
    report: Option<PathBuf>,
    map: Option<String>,
) -> Result<String, Error> {
    let list = lists::find(db, &list)?;
    let bytes = import::read_file(&file)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut preview = import::preview(&name, &bytes)?;
    let mapping = match &map {
        Some(spec) => import::mapping_from(&preview, spec)?,
        None => Vec::new(),
    };
    for (column, field) in preview.columns.iter_mut().zip(&mapping) {
        column.field = *field;
    }
    let options = ImportOptions {
        list_id: list.id,
        mapping,
        dry_run,
    };
    // On a terminal only: what scripts read on stderr stays as it was.
    let progress = Progress::terminal_only(progress_line);
    let result = import::run(
        db,
        &name,
        &bytes,
        &options,
        &mut |p| {
            if p.phase.goes_row_by_row() {
                progress.report(&p);
            } else {
                progress.step(&p);
            }
        },
        &std::sync::atomic::AtomicBool::new(false),
    );
    progress.finish();
    let result = result?;
    if let Some(path) = &report {
        result.save(path)?;
    }
    let columns: Vec<String> = preview
        .columns
        .iter()
        .filter(|c| c.field != import::Field::Ignore)
        .map(|c| {
            format!(
                "{} → {}",
                c.header,
                serde_json::to_value(c.field)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            )
        })
        .collect();
    let mut out = vec![
        format!(
            "Read {} as a {} ({}, {}-separated).",
            name, preview.source_kind, preview.encoding, preview.delimiter
        ),
        format!("Columns: {}.", columns.join(", ")),
    ];
    for c in preview.columns.iter().filter(|c| {
        matches!(c.field, import::Field::Consent | import::Field::Status) && !c.reading.is_empty()
    }) {
        out.push(format!("“{}” is read as: {}.", c.header, c.reading));
    }
    out.extend(preview.notices.iter().cloned());
    out.push(import::summary(&result));
    for row in result
        .entries
        .iter()
        .filter(|r| r.outcome == RowOutcome::Rejected)
    {
        out.push(format!("  line {}: rejected: {}", row.line, row.detail));
    }
    for row in result.entries.iter().filter(|r| {
        r.outcome != RowOutcome::Rejected
            && (r.detail.contains("stays")
                || r.detail.contains("Stays")
                || r.detail.contains("Same address")
                || r.detail.contains("Opted in again")
                || r.detail.contains("not put on the list")
                || r.detail.contains("Not put on the list")
                || !r.warnings.is_empty())
    }) {
        out.push(format!(
            "  line {}: {}: {}",
            row.line,
            row.email,
            import::detail_with_warnings(row)
        ));
    }
    if let Some(path) = report {
        out.push(format!("The row-by-row report is in {}.", path.display()));
    }
    Ok(out.join("\n"))
}
