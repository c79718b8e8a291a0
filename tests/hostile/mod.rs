//! What the hostile-input tests share: a tally of cases that each either
//! hold or are named with why not, and a command's whole output as text.

use std::process::Output;

/// A command's standard output and error, as one text for messages.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Tallies hostile cases: each either holds or is named with why not.
pub struct Tally {
    name: &'static str,
    run: usize,
    failed: Vec<String>,
}

impl Tally {
    pub fn new(name: &'static str) -> Tally {
        Tally {
            name,
            run: 0,
            failed: Vec::new(),
        }
    }

    pub fn case(&mut self, what: &str, held: Result<(), String>) {
        self.run += 1;
        if let Err(why) = held {
            self.failed.push(format!("{what}: {why}"));
        }
    }

    pub fn finish(self) {
        println!(
            "hostile cases ({}): {} run, {} held",
            self.name,
            self.run,
            self.run - self.failed.len()
        );
        assert!(
            self.failed.is_empty(),
            "every hostile case holds; these did not:\n{}",
            self.failed.join("\n")
        );
    }
}
