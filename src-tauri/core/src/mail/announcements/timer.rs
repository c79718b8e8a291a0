//! The computer's timer that runs `handbill send due` while the window is
//! closed, so scheduled announcements go out on time: a systemd user timer on
//! Linux (or, with no systemd, the crontab line to add), a launchd agent on
//! macOS and a Task Scheduler task on Windows. [`install`] and [`remove`]
//! are the one way in, choosing the computer's own way; the three texts are
//! small templates ([`systemd_service`], [`systemd_timer`], [`crontab_line`],
//! [`launchd_plist`], [`task_xml`]) with the program's and the branch's paths
//! quoted as each format wants, spaces and all.
//!
//! The timer runs every five minutes and the check is cheap: `send due`
//! opens the branch, finds nothing due and exits. Where it lives is taken from
//! `XDG_CONFIG_HOME` (else `~/.config`) on Linux and the home folder on macOS,
//! so a test points both at a folder of its own.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

/// The systemd units' name (`.service` and `.timer`).
pub const UNIT: &str = "handbill-send-due";
/// The launchd agent's label, also its file's name.
pub const LAUNCHD_LABEL: &str = "org.handbill.send-due";
/// The Task Scheduler task's name.
pub const TASK_NAME: &str = "Handbill send due";
/// How often the timer looks for due announcements, in minutes.
pub const EVERY_MINUTES: u32 = 5;

/// Which computer's way of running a program on a timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerOs {
    Linux,
    MacOs,
    Windows,
}

impl TimerOs {
    /// This computer's.
    pub fn current() -> Self {
        if cfg!(target_os = "macos") {
            Self::MacOs
        } else if cfg!(windows) {
            Self::Windows
        } else {
            Self::Linux
        }
    }
}

/// What to install: the program the timer runs, the branch file it sends
/// from, and whether only to show the text (nothing written or enabled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerRequest {
    pub binary: PathBuf,
    pub db: PathBuf,
    pub print_only: bool,
}

/// Where the timer's files go: the user's configuration folder (Linux:
/// `XDG_CONFIG_HOME`, else `~/.config`) and home folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerPlaces {
    pub config_dir: PathBuf,
    pub home_dir: PathBuf,
}

impl TimerPlaces {
    /// This user's, from the environment (`XDG_CONFIG_HOME`, `HOME`).
    pub fn of_user() -> Result<Self> {
        let dirs = directories::BaseDirs::new().ok_or_else(|| {
            Error::new(
                crate::ErrorCode::NotFound,
                "Your home folder cannot be found (HOME is not set), so there is nowhere to put the timer.",
            )
        })?;
        Ok(TimerPlaces {
            config_dir: dirs.config_dir().to_path_buf(),
            home_dir: dirs.home_dir().to_path_buf(),
        })
    }

    /// The systemd user units' folder.
    pub fn systemd_dir(&self) -> PathBuf {
        self.config_dir.join("systemd").join("user")
    }

    /// The launchd agent's file.
    pub fn launchd_file(&self) -> PathBuf {
        self.home_dir
            .join("Library")
            .join("LaunchAgents")
            .join(format!("{LAUNCHD_LABEL}.plist"))
    }
}

/// One argument in a systemd `ExecStart=` line: in double quotes, with
/// backslashes and quotes escaped, `%` doubled (a specifier otherwise) and
/// `$` doubled (a variable otherwise).
fn systemd_quote(arg: &str) -> String {
    let inner = arg
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('%', "%%")
        .replace('$', "$$");
    format!("\"{inner}\"")
}

/// The command line the timers run, as arguments: the program, then `--db PATH send due`.
fn arguments(request: &TimerRequest) -> Vec<String> {
    vec![
        request.binary.display().to_string(),
        "--db".to_owned(),
        request.db.display().to_string(),
        "send".to_owned(),
        "due".to_owned(),
    ]
}

/// The systemd user service that runs `send due` once.
pub fn systemd_service(request: &TimerRequest) -> String {
    let exec = arguments(request)
        .iter()
        .map(|a| systemd_quote(a))
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "# Written by `handbill schedule install`; `handbill schedule remove` takes it away.\n\
         [Unit]\n\
         Description=Handbill: send the scheduled announcements that are due\n\
         \n\
         [Service]\n\
         Type=oneshot\n\
         ExecStart={exec}\n\
         Nice=10\n"
    )
}

/// The systemd user timer that starts the service every five minutes, and
/// soon after waking when a time was missed asleep.
pub fn systemd_timer() -> String {
    format!(
        "# Written by `handbill schedule install`; `handbill schedule remove` takes it away.\n\
         [Unit]\n\
         Description=Handbill: look for scheduled announcements every {EVERY_MINUTES} minutes\n\
         \n\
         [Timer]\n\
         OnCalendar=*:0/{EVERY_MINUTES}\n\
         Persistent=true\n\
         AccuracySec=30s\n\
         Unit={UNIT}.service\n\
         \n\
         [Install]\n\
         WantedBy=timers.target\n"
    )
}

/// One argument for `sh`, which cron runs the line with: in single quotes,
/// a single quote written as `'\''`. Hand-written (four lines) because cron
/// adds its own rule no shell-quoting library knows: a `%` ends the command
/// unless escaped as `\%`, even inside quotes.
fn cron_quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', "'\\''").replace('%', "\\%"))
}

/// The crontab line (for `crontab -e`) that runs `send due` every five minutes.
pub fn crontab_line(request: &TimerRequest) -> String {
    let command = arguments(request)
        .iter()
        .map(|a| cron_quote(a))
        .collect::<Vec<_>>()
        .join(" ");
    format!("*/{EVERY_MINUTES} * * * * {command}")
}

fn xml(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// The launchd agent (`~/Library/LaunchAgents/org.handbill.send-due.plist`)
/// that runs `send due` every five minutes and when it is loaded. Each
/// argument is its own `<string>`, so a path with spaces needs no quoting.
pub fn launchd_plist(request: &TimerRequest) -> String {
    let args = arguments(request)
        .iter()
        .map(|a| format!("    <string>{}</string>\n", xml(a)))
        .collect::<String>();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <!-- Written by `handbill schedule install`; `handbill schedule remove` takes it away. -->\n\
         <plist version=\"1.0\">\n\
         <dict>\n  \
         <key>Label</key>\n  <string>{LAUNCHD_LABEL}</string>\n  \
         <key>ProgramArguments</key>\n  <array>\n{args}  </array>\n  \
         <key>StartInterval</key>\n  <integer>{}</integer>\n  \
         <key>RunAtLoad</key>\n  <true/>\n  \
         <key>ProcessType</key>\n  <string>Background</string>\n\
         </dict>\n\
         </plist>\n",
        EVERY_MINUTES * 60
    )
}

/// One argument on a Windows command line, as `CommandLineToArgvW` reads it
/// back: in double quotes, a quote escaped with a backslash, and the
/// backslashes before a quote (or before the closing quote) doubled.
fn windows_quote(arg: &str) -> String {
    let mut out = String::from("\"");
    let mut slashes = 0usize;
    for c in arg.chars() {
        match c {
            '\\' => slashes += 1,
            '"' => {
                out.push_str(&"\\".repeat(slashes * 2 + 1));
                out.push('"');
                slashes = 0;
            }
            _ => {
                out.push_str(&"\\".repeat(slashes));
                out.push(c);
                slashes = 0;
            }
        }
    }
    out.push_str(&"\\".repeat(slashes * 2));
    out.push('"');
    out
}

/// The Task Scheduler task (registered with `schtasks /Create /XML`) that
/// runs `send due` every five minutes from `start` (local time,
/// `YYYY-MM-DDTHH:MM:SS`), and as soon as it can after a time missed while
/// the computer was off. The text says UTF-16, the encoding the file is
/// written in.
pub fn task_xml(request: &TimerRequest, start: &str) -> String {
    let args = arguments(request);
    let command = xml(&args[0]);
    let rest = args[1..]
        .iter()
        .map(|a| {
            if a.contains([' ', '\t', '"']) || a.is_empty() {
                windows_quote(a)
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let rest = xml(&rest);
    let start = xml(start);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n\
         <!-- Written by `handbill schedule install`; `handbill schedule remove` takes it away. -->\n\
         <Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n  \
         <RegistrationInfo>\n    <Description>Handbill: send the scheduled announcements that are due</Description>\n  </RegistrationInfo>\n  \
         <Triggers>\n    <TimeTrigger>\n      \
         <Repetition>\n        <Interval>PT{EVERY_MINUTES}M</Interval>\n        <StopAtDurationEnd>false</StopAtDurationEnd>\n      </Repetition>\n      \
         <StartBoundary>{start}</StartBoundary>\n      <Enabled>true</Enabled>\n    </TimeTrigger>\n  </Triggers>\n  \
         <Principals>\n    <Principal id=\"Author\">\n      <LogonType>InteractiveToken</LogonType>\n      <RunLevel>LeastPrivilege</RunLevel>\n    </Principal>\n  </Principals>\n  \
         <Settings>\n    \
         <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\n    \
         <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>\n    \
         <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>\n    \
         <StartWhenAvailable>true</StartWhenAvailable>\n    \
         <ExecutionTimeLimit>PT1H</ExecutionTimeLimit>\n    \
         <Enabled>true</Enabled>\n  \
         </Settings>\n  \
         <Actions Context=\"Author\">\n    <Exec>\n      \
         <Command>{command}</Command>\n      <Arguments>{rest}</Arguments>\n    </Exec>\n  </Actions>\n\
         </Task>\n"
    )
}

/// Installs the timer the computer's way: the one function behind
/// `handbill schedule install`. Answers what was done (or, with
/// `print_only`, the text that would be written), in words.
pub fn install(request: &TimerRequest) -> Result<String> {
    let os = TimerOs::current();
    let systemd = os == TimerOs::Linux && systemd_booted();
    install_at(os, &TimerPlaces::of_user()?, systemd, request)
}

/// Takes the timer away the computer's way: `handbill schedule remove`.
pub fn remove() -> Result<String> {
    remove_at(TimerOs::current(), &TimerPlaces::of_user()?)
}

/// Whether this Linux was started by systemd (as `sd_booted` asks).
fn systemd_booted() -> bool {
    Path::new("/run/systemd/system").is_dir()
}

/// Runs a program, answering its failure in words (not found, or what it said).
fn run(program: &str, args: &[&str]) -> std::result::Result<(), String> {
    match Command::new(program).args(args).output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => {
            let said = String::from_utf8_lossy(&out.stderr).trim().to_owned();
            Err(if said.is_empty() {
                format!("{program} {} ended with {}", args.join(" "), out.status)
            } else {
                said
            })
        }
        Err(e) => Err(format!("{program} could not be run ({e})")),
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(|e| {
            Error::storage(format!(
                "The folder {} cannot be made ({e}).",
                folder.display()
            ))
        })?;
    }
    std::fs::write(path, bytes)
        .map_err(|e| Error::storage(format!("{} cannot be written ({e}).", path.display())))
}

fn check_request(request: &TimerRequest) -> Result<()> {
    if !request.binary.is_absolute() || !request.db.is_absolute() {
        return Err(Error::invalid_field(
            "db",
            "The timer needs the program's and the branch file's full paths.",
        ));
    }
    Ok(())
}

/// [`install`] for `os`, with its files under `places`; `systemd` says
/// whether a Linux has systemd to enable the timer with (else the crontab
/// line is given).
pub fn install_at(
    os: TimerOs,
    places: &TimerPlaces,
    systemd: bool,
    request: &TimerRequest,
) -> Result<String> {
    check_request(request)?;
    let words = install_words(os, places, systemd, request)?;
    // The timer cannot type a passphrase: say so while it can still be changed.
    let privacy = crate::db::keys::privacy(&request.db)?;
    Ok(if privacy.encrypted && !privacy.in_keychain {
        format!(
            "{words}\nThis branch opens with a passphrase, which the timer cannot type: `send due` \
             will fail unless its key is kept in the keychain (Settings → Privacy) or \
             HANDBILL_PASSPHRASE is set where the timer runs."
        )
    } else {
        words
    })
}

fn install_words(
    os: TimerOs,
    places: &TimerPlaces,
    systemd: bool,
    request: &TimerRequest,
) -> Result<String> {
    let what = format!(
        "Every {EVERY_MINUTES} minutes it runs: handbill --db {} send due",
        request.db.display()
    );
    match os {
        TimerOs::Linux if !systemd && !request.print_only => Ok(format!(
            "This computer has no systemd to run a timer. Add this line to your crontab (run: crontab -e):\n\n{}\n\n{what}",
            crontab_line(request)
        )),
        TimerOs::Linux => {
            let folder = places.systemd_dir();
            let service = folder.join(format!("{UNIT}.service"));
            let timer = folder.join(format!("{UNIT}.timer"));
            if request.print_only {
                return Ok(format!(
                    "{}:\n{}\n{}:\n{}\nOr, without systemd, this crontab line:\n{}",
                    service.display(),
                    systemd_service(request),
                    timer.display(),
                    systemd_timer(),
                    crontab_line(request)
                ));
            }
            write(&service, systemd_service(request).as_bytes())?;
            write(&timer, systemd_timer().as_bytes())?;
            let enabled = run("systemctl", &["--user", "daemon-reload"]).and_then(|()| {
                run(
                    "systemctl",
                    &["--user", "enable", "--now", &format!("{UNIT}.timer")],
                )
            });
            Ok(match enabled {
                Ok(()) => format!(
                    "Wrote {} and {}, and started the timer (systemctl --user).\n{what}\n\
                     See when it runs with: systemctl --user list-timers {UNIT}.timer",
                    service.display(),
                    timer.display()
                ),
                Err(why) => format!(
                    "Wrote {} and {}, but the timer could not be started with systemctl --user: {why}\n\
                     Start it with: systemctl --user enable --now {UNIT}.timer\n\
                     Or add this line to your crontab instead (run: crontab -e):\n\n{}\n\n{what}",
                    service.display(),
                    timer.display(),
                    crontab_line(request)
                ),
            })
        }
        TimerOs::MacOs => {
            let file = places.launchd_file();
            let text = launchd_plist(request);
            if request.print_only {
                return Ok(format!("{}:\n{text}", file.display()));
            }
            write(&file, text.as_bytes())?;
            let path = file.display().to_string();
            // A copy loaded before is replaced.
            let _ = run("launchctl", &["unload", &path]);
            Ok(match run("launchctl", &["load", "-w", &path]) {
                Ok(()) => format!("Wrote {path} and loaded it (launchctl).\n{what}"),
                Err(why) => format!(
                    "Wrote {path}, but launchctl could not load it: {why}\nLoad it with: launchctl load -w '{path}'\n{what}"
                ),
            })
        }
        TimerOs::Windows => {
            let start = crate::clock::now()
                .to_zoned(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%dT%H:%M:%S")
                .to_string();
            let text = task_xml(request, &start);
            if request.print_only {
                return Ok(format!(
                    "The task “{TASK_NAME}” (schtasks /Create /TN \"{TASK_NAME}\" /XML FILE):\n{text}"
                ));
            }
            // schtasks reads the file as UTF-16, as its first line says.
            let mut bytes = vec![0xFF, 0xFE];
            bytes.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
            let file = std::env::temp_dir().join(format!("{UNIT}.xml"));
            write(&file, &bytes)?;
            let path = file.display().to_string();
            let made = run(
                "schtasks",
                &["/Create", "/TN", TASK_NAME, "/XML", &path, "/F"],
            );
            let _ = std::fs::remove_file(&file);
            match made {
                Ok(()) => Ok(format!(
                    "Added the task “{TASK_NAME}” to the Task Scheduler.\n{what}"
                )),
                Err(why) => Err(Error::storage(format!(
                    "The task “{TASK_NAME}” could not be added to the Task Scheduler: {why}"
                ))),
            }
        }
    }
}

/// [`remove`] for `os`, with its files under `places`.
pub fn remove_at(os: TimerOs, places: &TimerPlaces) -> Result<String> {
    let gone = |path: &Path| -> Result<bool> {
        match std::fs::remove_file(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::storage(format!(
                "{} cannot be removed ({e}).",
                path.display()
            ))),
        }
    };
    match os {
        TimerOs::Linux => {
            let folder = places.systemd_dir();
            let timer = folder.join(format!("{UNIT}.timer"));
            let service = folder.join(format!("{UNIT}.service"));
            if timer.exists() {
                let _ = run(
                    "systemctl",
                    &["--user", "disable", "--now", &format!("{UNIT}.timer")],
                );
            }
            let removed = [gone(&timer)?, gone(&service)?];
            let _ = run("systemctl", &["--user", "daemon-reload"]);
            let cron = "If you added the crontab line instead, remove it with: crontab -e";
            Ok(if removed.contains(&true) {
                format!(
                    "Stopped the timer and removed {} and {}.\n{cron}",
                    timer.display(),
                    service.display()
                )
            } else {
                format!("No timer was installed in {}.\n{cron}", folder.display())
            })
        }
        TimerOs::MacOs => {
            let file = places.launchd_file();
            if !file.exists() {
                return Ok(format!(
                    "No launchd agent was installed ({}).",
                    file.display()
                ));
            }
            let _ = run("launchctl", &["unload", "-w", &file.display().to_string()]);
            gone(&file)?;
            Ok(format!("Unloaded and removed {}.", file.display()))
        }
        TimerOs::Windows => match run("schtasks", &["/Delete", "/TN", TASK_NAME, "/F"]) {
            Ok(()) => Ok(format!(
                "Removed the task “{TASK_NAME}” from the Task Scheduler."
            )),
            Err(why) => Err(Error::storage(format!(
                "The task “{TASK_NAME}” could not be removed: {why}"
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spaced() -> TimerRequest {
        TimerRequest {
            binary: PathBuf::from("/opt/Hand bill/handbill"),
            db: PathBuf::from("/home/sam/My Branch/100% ours $HOME's.sqlite"),
            print_only: false,
        }
    }

    #[test]
    fn the_service_quotes_paths_with_spaces_percent_and_dollar_for_systemd() {
        let text = systemd_service(&spaced());
        assert!(
            text.contains(
                "ExecStart=\"/opt/Hand bill/handbill\" \"--db\" \"/home/sam/My Branch/100%% ours $$HOME's.sqlite\" \"send\" \"due\"\n"
            ),
            "each argument is in double quotes, % and $ doubled: {text}"
        );
        assert!(
            text.contains("Type=oneshot\n"),
            "a one-shot service: {text}"
        );
    }

    #[test]
    fn the_timer_runs_every_five_minutes_and_catches_up_after_sleep() {
        let text = systemd_timer();
        assert!(
            text.contains("OnCalendar=*:0/5\n"),
            "every five minutes: {text}"
        );
        assert!(
            text.contains("Persistent=true\n"),
            "a time missed asleep runs on waking: {text}"
        );
        assert!(
            text.contains("Unit=handbill-send-due.service\n"),
            "it starts the service: {text}"
        );
        assert!(
            text.contains("WantedBy=timers.target\n"),
            "enabling it starts it with the session: {text}"
        );
    }

    #[test]
    fn the_crontab_line_quotes_for_sh_and_escapes_percent_for_cron() {
        let line = crontab_line(&spaced());
        assert_eq!(
            line,
            "*/5 * * * * '/opt/Hand bill/handbill' '--db' '/home/sam/My Branch/100\\% ours $HOME'\\''s.sqlite' 'send' 'due'",
            "single quotes for sh, a quote as '\\'', % escaped for cron"
        );
    }

    #[test]
    fn the_launchd_agent_is_a_plist_whose_arguments_are_the_paths_as_they_are() {
        let request = TimerRequest {
            binary: PathBuf::from("/Applications/Hand bill.app/Contents/MacOS/handbill"),
            db: PathBuf::from(
                "/Users/sam/Library/Application Support/Handbill/A & B <branch>.sqlite",
            ),
            print_only: false,
        };
        let text = launchd_plist(&request);
        let value =
            plist::Value::from_reader_xml(text.as_bytes()).expect("the agent is a valid XML plist");
        let dict = value.as_dictionary().expect("the plist is a dictionary");
        assert_eq!(
            dict.get("Label").and_then(|v| v.as_string()),
            Some(LAUNCHD_LABEL),
            "its label"
        );
        let args: Vec<&str> = dict
            .get("ProgramArguments")
            .and_then(|v| v.as_array())
            .expect("it has ProgramArguments")
            .iter()
            .filter_map(|v| v.as_string())
            .collect();
        assert_eq!(
            args,
            [
                "/Applications/Hand bill.app/Contents/MacOS/handbill",
                "--db",
                "/Users/sam/Library/Application Support/Handbill/A & B <branch>.sqlite",
                "send",
                "due"
            ],
            "each argument read back whole, spaces, & and < included"
        );
        assert_eq!(
            dict.get("StartInterval")
                .and_then(|v| v.as_unsigned_integer()),
            Some(300),
            "every five minutes"
        );
        assert_eq!(
            dict.get("RunAtLoad").and_then(|v| v.as_boolean()),
            Some(true),
            "it looks once when loaded (at login, after waking from a restart)"
        );
    }

    /// The text of each element named `name` in `text`, read by an XML parser.
    fn elements(text: &str, name: &str) -> Vec<String> {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(text);
        let mut found = Vec::new();
        let mut inside = false;
        loop {
            match reader.read_event().expect("the task is well-formed XML") {
                Event::Start(e) if e.local_name().as_ref() == name => {
                    inside = true;
                    found.push(String::new());
                }
                Event::End(e) if e.local_name().as_ref() == name => inside = false,
                Event::Text(t) if inside => {
                    let last = found.last_mut().expect("inside an element");
                    last.push_str(&t.xml10_content());
                }
                Event::GeneralRef(r) if inside => {
                    let last = found.last_mut().expect("inside an element");
                    let name = r.into_inner();
                    last.push_str(
                        &quick_xml::escape::unescape(&format!("&{name};")).expect("a known entity"),
                    );
                }
                Event::Eof => break,
                _ => {}
            }
        }
        found
    }

    #[test]
    fn the_windows_task_is_xml_whose_command_line_reads_back_the_paths() {
        let request = TimerRequest {
            binary: PathBuf::from(r"C:\Program Files\Handbill\handbill.exe"),
            db: PathBuf::from(r"C:\Users\Sam Lee\AppData\Roaming\Handbill\A & B.sqlite"),
            print_only: false,
        };
        let text = task_xml(&request, "2026-12-05T09:00:00");
        assert_eq!(
            elements(&text, "Command"),
            [r"C:\Program Files\Handbill\handbill.exe"],
            "the program, unquoted: the Command element holds one path"
        );
        assert_eq!(
            elements(&text, "Arguments"),
            [r#"--db "C:\Users\Sam Lee\AppData\Roaming\Handbill\A & B.sqlite" send due"#],
            "the branch's path with spaces in double quotes, & read back"
        );
        assert_eq!(elements(&text, "Interval"), ["PT5M"], "every five minutes");
        assert_eq!(
            elements(&text, "StartWhenAvailable"),
            ["true"],
            "a time missed while off runs as soon as it can"
        );
        assert_eq!(
            elements(&text, "StartBoundary"),
            ["2026-12-05T09:00:00"],
            "it starts from the moment given"
        );
    }

    #[test]
    fn a_windows_argument_keeps_its_backslashes_before_the_closing_quote() {
        assert_eq!(
            windows_quote(r"C:\My Data\"),
            r#""C:\My Data\\""#,
            "a trailing backslash doubled"
        );
        assert_eq!(
            windows_quote(r#"a "b" c"#),
            r#""a \"b\" c""#,
            "inner quotes escaped"
        );
    }
}
