//! One way to run a background job with progress, for the window and the
//! command line alike: an import, a send, a send of the outbox. The core's
//! job takes a progress callback; [`Progress`] is that callback, shown as
//! events to the page in the window ([`Progress::window`]) and as a line on
//! stderr in a terminal ([`Progress::terminal`]), at most as often as the
//! reader can follow. [`spawn`] runs a job on a thread of its own, so neither
//! the window's thread nor Tauri's blocking pool waits for it.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use handbill_core::Error;

/// A job's progress reports, passed on no more often than `every` (reports
/// marked as steps always pass: a phase that begins, the end).
pub struct Progress<P> {
    every: Duration,
    last: Mutex<Option<Instant>>,
    show: Box<dyn Fn(&P) + Send + Sync>,
    /// Whether the reports are drawn over one terminal line, which [`Progress::finish`] ends.
    one_line: bool,
}

impl<P: 'static> Progress<P> {
    fn new(every: Duration, show: impl Fn(&P) + Send + Sync + 'static) -> Self {
        Progress {
            every,
            last: Mutex::new(None),
            show: Box::new(show),
            one_line: false,
        }
    }

    /// Progress sent to the window as the event `event`, at most every `every`.
    pub fn window(app: tauri::AppHandle, event: &'static str, every: Duration) -> Self
    where
        P: serde::Serialize + Clone,
    {
        use tauri::Emitter;
        Self::new(every, move |p: &P| {
            let _ = app.emit(event, p.clone());
        })
    }

    /// Progress written to stderr as `line` words it: over one line five
    /// times a second on a terminal, a line a second otherwise (a log file).
    pub fn terminal(line: fn(&P) -> String) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let every = Duration::from_millis(if terminal { 200 } else { 1000 });
        let mut progress = Self::new(every, move |p: &P| {
            let mut err = std::io::stderr().lock();
            if terminal {
                let _ = write!(err, "\r\x1b[K{}", line(p));
            } else {
                let _ = writeln!(err, "{}", line(p));
            }
            let _ = err.flush();
        });
        progress.one_line = terminal;
        progress
    }

    /// Progress on a terminal only: nothing when stderr is a file or a pipe.
    pub fn terminal_only(line: fn(&P) -> String) -> Self {
        if std::io::stderr().is_terminal() {
            Self::terminal(line)
        } else {
            Self::new(Duration::MAX, |_: &P| {})
        }
    }

    /// Reports `p` unless the last report was less than `every` ago.
    pub fn report(&self, p: &P) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|at| at.elapsed() < self.every) {
            return;
        }
        *last = Some(Instant::now());
        drop(last);
        (self.show)(p);
    }

    /// Ends the terminal line the reports were drawn over, once the job is done.
    pub fn finish(&self) {
        if self.one_line {
            eprintln!();
        }
    }

    /// Reports `p` now: a step the reader must see (a new phase, the end).
    pub fn step(&self, p: &P) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        (self.show)(p);
    }
}

/// Runs `work` on a thread of its own named `name` (seen in a debugger and in
/// a crash report), at background priority, returning at once.
pub fn spawn(name: String, work: impl FnOnce() + Send + 'static) -> Result<(), Error> {
    std::thread::Builder::new()
        .name(name)
        .spawn(move || {
            background();
            work()
        })
        .map(drop)
        .map_err(|e| Error::internal(format!("The background job could not start: {e}")))
}

/// Lowers the calling thread's priority, so that on a busy machine the window
/// (its own thread and the web view's process) is scheduled before the work
/// it waits on. Threads the work starts (the sending workers) inherit it.
/// Linux only, where `nice` is a thread's own; elsewhere the work keeps the
/// normal priority.
pub fn background() {
    #[cfg(target_os = "linux")]
    {
        thread_local! {
            static LOWERED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        }
        if LOWERED.with(|l| l.replace(true)) {
            return;
        }
        // SAFETY: gettid has no preconditions; setpriority on this thread's id
        // changes only this thread's nice value (a failure leaves it as it was).
        let failed = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, BACKGROUND_NICE) != 0
        };
        if failed {
            tracing::debug!("a background thread kept the normal priority");
        }
    }
}

/// How much lower than the window a background thread runs (a `nice` value).
#[cfg(target_os = "linux")]
const BACKGROUND_NICE: libc::c_int = 10;
