//! The timer `handbill schedule install` writes on Linux, checked by
//! systemd's own reader (`systemd-analyze verify`), with the program and the
//! branch in folders whose names have spaces: the units are written where
//! `XDG_CONFIG_HOME` says (a folder of the test's own, never the real
//! `~/.config`), systemd accepts them, and `schedule remove` takes them away.
//! Without systemd the crontab line is given and nothing is written.

use std::path::Path;
use std::process::Command;

use handbill_core::mail::announcements::timer::{self, TimerOs, TimerPlaces, TimerRequest};

/// A program that exists (systemd checks that `ExecStart`'s does) in a folder with a space.
fn program(dir: &Path) -> std::path::PathBuf {
    let folder = dir.join("Hand bill");
    std::fs::create_dir_all(&folder).unwrap();
    let program = folder.join("handbill");
    std::fs::write(&program, "#!/bin/sh\nexit 0\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    program
}

fn places(dir: &Path) -> TimerPlaces {
    TimerPlaces {
        config_dir: dir.join("config"),
        home_dir: dir.join("home"),
    }
}

#[test]
fn the_systemd_timer_is_written_under_xdg_config_home_and_systemd_accepts_it() {
    let dir = tempfile::tempdir().unwrap();
    let request = TimerRequest {
        binary: program(dir.path()),
        db: dir.path().join("My Branch").join("100% ours.sqlite"),
        print_only: false,
    };
    let places = places(dir.path());
    let words = timer::install_at(TimerOs::Linux, &places, true, &request).unwrap();
    let service = places.systemd_dir().join("handbill-send-due.service");
    let timer_file = places.systemd_dir().join("handbill-send-due.timer");
    assert!(service.is_file(), "the service is written: {words}");
    assert!(timer_file.is_file(), "the timer is written: {words}");
    assert!(
        words.contains(&service.display().to_string()),
        "the organizer is told where: {words}"
    );

    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        println!(
            "SKIPPED the systemd-analyze check: systemd-analyze is not installed on this computer"
        );
        return;
    }
    // A runtime folder of our own: `--user` needs one, and the real one is not touched.
    let runtime = dir.path().join("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let verify = |files: &[&Path]| {
        Command::new("systemd-analyze")
            .args(["--user", "verify"])
            .args(files)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("XDG_CONFIG_HOME", &places.config_dir)
            .output()
            .expect("systemd-analyze runs")
    };
    let out = verify(&[&timer_file, &service]);
    let said =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "systemd-analyze verify accepts the units: {said}"
    );
    assert!(
        !said.contains("is not executable"),
        "the quoted program path with a space was read whole: {said}"
    );

    // The check can fail: a unit naming a program that is not there is refused.
    let broken = dir.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    let text = std::fs::read_to_string(&service)
        .unwrap()
        .replace("Hand bill", "Hand bull");
    let broken_service = broken.join("handbill-send-due.service");
    std::fs::write(&broken_service, text).unwrap();
    assert!(
        !verify(&[&broken_service]).status.success(),
        "systemd-analyze refuses a unit whose program is missing, so its yes above means something"
    );

    let removed = timer::remove_at(TimerOs::Linux, &places).unwrap();
    assert!(
        !service.exists() && !timer_file.exists(),
        "remove takes both away: {removed}"
    );
    let again = timer::remove_at(TimerOs::Linux, &places).unwrap();
    assert!(
        again.contains("No timer was installed"),
        "a second remove says there was none: {again}"
    );
}

#[test]
fn without_systemd_the_crontab_line_is_given_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let request = TimerRequest {
        binary: program(dir.path()),
        db: dir.path().join("branch.sqlite"),
        print_only: false,
    };
    let places = places(dir.path());
    let words = timer::install_at(TimerOs::Linux, &places, false, &request).unwrap();
    assert!(
        words.contains("crontab -e"),
        "the organizer is told to add the line: {words}"
    );
    assert!(
        words.contains(&timer::crontab_line(&request)),
        "the line itself is given: {words}"
    );
    assert!(
        !places.config_dir.exists(),
        "nothing is written without systemd"
    );
}

#[test]
fn print_only_shows_every_text_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let request = TimerRequest {
        binary: program(dir.path()),
        db: dir.path().join("branch.sqlite"),
        print_only: true,
    };
    let places = places(dir.path());
    for os in [TimerOs::Linux, TimerOs::MacOs, TimerOs::Windows] {
        let words = timer::install_at(os, &places, true, &request).unwrap();
        assert!(words.contains("send"), "{os:?}: the text is shown: {words}");
    }
    assert!(
        !places.config_dir.exists() && !places.home_dir.exists(),
        "printing writes nothing"
    );
}
