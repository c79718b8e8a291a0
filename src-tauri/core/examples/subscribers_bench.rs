//! Measures Handbill's subscriber import and search on a real database file,
//! for `tests/bench/subscribers.sh`: imports a CSV into a new list (validation,
//! merging, ledger and search text, one transaction), times the checkpoint the
//! window and the command line run after it, then times searches as an
//! organizer types them and prints the median.
//!
//! Usage: subscribers_bench DB.sqlite FILE.csv

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use handbill_core::mail::import::{self, ImportOptions};
use handbill_core::mail::subscribers::{self, SubscriberQuery};
use handbill_core::{mail::lists, Database};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: subscribers_bench DB.sqlite FILE.csv");
        std::process::exit(2);
    }
    let bytes = std::fs::read(&args[2]).expect("the CSV file is readable");

    let started = Instant::now();
    // As the app and the command line start.
    handbill_core::db::prepare();
    // Encrypted as the window and the command line make it (HANDBILL_PASSPHRASE,
    // the keychain), or plain with HANDBILL_ENCRYPT=0.
    let path = std::path::Path::new(&args[1]);
    let access = handbill_core::db::keys::access(path).expect("the branch's key is ready");
    assert_eq!(
        access,
        handbill_core::db::keys::Access::Ready,
        "set HANDBILL_PASSPHRASE or HANDBILL_ENCRYPT=0"
    );
    let db = Database::open(path).expect("the database opens");
    let list = lists::create(&db, "Bench").expect("the list is created");
    let open_ms = started.elapsed().as_secs_f64() * 1000.0;
    let name = std::path::Path::new(&args[2])
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let options = ImportOptions {
        list_id: list.id,
        mapping: Vec::new(),
        dry_run: false,
    };
    // When each pass of the import began, as its progress reports say.
    // ("opening" is the new file and the schema, before the first report.)
    let mut phases: Vec<(String, f64)> = vec![("opening".to_owned(), 0.0)];
    let report = import::run(
        &db,
        &name,
        &bytes,
        &options,
        &mut |p| {
            let phase = format!("{:?}", p.phase).to_lowercase();
            if phases.last().is_some_and(|(last, _)| *last != phase) {
                phases.push((phase, started.elapsed().as_secs_f64() * 1000.0));
            }
        },
        &AtomicBool::new(false),
    )
    .expect("the import runs");
    let import_ms = started.elapsed().as_secs_f64() * 1000.0;
    println!("import_ms {import_ms:.1}");
    println!("of_which_new_database_ms {open_ms:.1}");
    let passes: Vec<String> = phases
        .iter()
        .zip(phases.iter().skip(1))
        .map(|((phase, began), (_, next))| format!("{phase} {:.0}", next - began))
        .collect();
    println!("passes_ms {}", passes.join(" "));
    let settled = Instant::now();
    import::checkpoint(&db).expect("the checkpoint runs");
    println!(
        "then_checkpoint_ms {:.1}",
        settled.elapsed().as_secs_f64() * 1000.0
    );
    println!(
        "import_rows {} imported {} merged {} rejected {}",
        report.rows, report.imported, report.merged, report.rejected
    );

    // What an organizer types: names and parts of addresses, one keystroke at a time.
    let sample: Vec<(String, String)> = db
        .conn()
        .prepare("SELECT email, name FROM subscriber WHERE id % 997 = 0 LIMIT 60")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let mut typed: Vec<String> = Vec::new();
    for (email, name) in &sample {
        let last = name.split_whitespace().last().unwrap_or("").to_lowercase();
        for n in 1..=last.chars().count() {
            typed.push(last.chars().take(n).collect());
        }
        let local = email.split('@').next().unwrap_or("");
        typed.push(local.chars().skip(2).take(6).collect()); // the middle of an address
        typed.push(email.clone()); // a whole address, pasted
    }
    let mut times = Vec::with_capacity(typed.len());
    let mut found = 0usize;
    for text in &typed {
        let query = SubscriberQuery {
            list_id: Some(list.id),
            text: text.clone(),
            offset: 0,
            limit: 100,
        };
        let t = Instant::now();
        let page = subscribers::search(&db, &query).expect("the search runs");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        found += usize::from(!page.rows.is_empty());
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = times[times.len() / 2];
    let p90 = times[times.len() * 9 / 10];
    println!("search_queries {} found {found}", times.len());
    println!("search_median_ms {median:.3}");
    println!("search_p90_ms {p90:.3}");
    println!("search_max_ms {:.3}", times[times.len() - 1]);
}
