//! Consent that holds everywhere (issue 15), through the `handbill` command
//! line as a coordinator runs it: the real binary on a real SQLite file,
//! importing the export files of real tools (`tests/fixtures/consent/`),
//! unsubscribing, opting people in again with evidence, counting who an
//! announcement would reach, and reading the ledger back.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn handbill(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handbill"))
        .env("HANDBILL_ENCRYPT", "0")
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("HANDBILL_DB")
        .env(
            "HANDBILL_LOG_DIR",
            db.parent().unwrap_or(Path::new("/tmp")).join("logs"),
        )
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("the handbill binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/consent")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Runs a command that must succeed and returns what it printed.
fn ok(db: &Path, args: &[&str]) -> String {
    let out = handbill(db, args);
    assert!(
        out.status.success(),
        "handbill {} succeeds: {}{}",
        args.join(" "),
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

fn count(db: &Path, list: &str) -> u32 {
    ok(db, &["subscribers", "count", "--list", list])
        .trim()
        .parse()
        .expect("count prints a number")
}

fn import(db: &Path, file: &str, list: &str) -> String {
    ok(
        db,
        &["subscribers", "import", &fixture(file), "--list", list],
    )
}

fn branch() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("branch.sqlite");
    ok(&db, &["list", "create", "Announcements"]);
    (dir, db)
}

#[test]
fn mailchimps_four_files_then_action_network_into_a_second_list_keep_everyone_who_left_off() {
    let (_dir, db) = branch();
    let subscribed = import(
        &db,
        "subscribed_members_export_4f2a9c1b7e.csv",
        "Announcements",
    );
    assert!(
        subscribed.contains("4 imported"),
        "the four subscribed people import:\n{subscribed}"
    );
    let unsubscribed = import(
        &db,
        "unsubscribed_members_export_4f2a9c1b7e.csv",
        "Announcements",
    );
    assert!(
        unsubscribed.contains("Mailchimp's export of unsubscribed people"),
        "the unsubscribed file is recognized:\n{unsubscribed}"
    );
    import(
        &db,
        "cleaned_members_export_4f2a9c1b7e.csv",
        "Announcements",
    );
    let nonsubscribed = import(
        &db,
        "nonsubscribed_members_export_4f2a9c1b7e.csv",
        "Announcements",
    );
    assert!(
        nonsubscribed.contains("1 was not put on the list"),
        "the nonsubscribed person is imported but not subscribed:\n{nonsubscribed}"
    );
    assert_eq!(
        count(&db, "Announcements"),
        2,
        "only Ana and Dolores would be mailed"
    );

    ok(&db, &["list", "create", "Organizing"]);
    let an = import(&db, "action-network-activists.csv", "Organizing");
    let line = |who: &str| {
        an.lines()
            .find(|l| l.contains(who))
            .unwrap_or("")
            .to_owned()
    };
    assert!(
        line("ben.brooks@example.org")
            .contains("Opted out of the branch's mail (unsubscribed) and stays off every list"),
        "the Action Network import keeps Ben off the second list and says why:\n{an}"
    );
    assert!(
        line("carmen.cruz@example.org").contains("Opted out of the branch's mail (cleaned)"),
        "and Carmen, cleaned on the first list:\n{an}"
    );
    assert_eq!(
        count(&db, "Organizing"),
        1,
        "only Gloria is mailed from the second list"
    );

    let show = ok(&db, &["subscribers", "show", "ana.alvarez@example.org"]);
    assert!(
        show.contains("OPTIN_TIME: 2023-03-04 18:22:10")
            && show.contains("CONFIRM_IP: 203.0.113.10"),
        "the ledger shows the opt-in's proof:\n{show}"
    );
    assert!(
        show.contains("May Day, 2024"),
        "Mailchimp's tags are read whole:\n{show}"
    );
    let ls = ok(&db, &["list", "ls"]);
    assert!(
        ls.contains("complained"),
        "list ls has a column for complaints:\n{ls}"
    );
}

#[test]
fn an_unsubscribe_covers_every_list_and_lists_made_later_unless_only_this_list_is_asked() {
    let (_dir, db) = branch();
    ok(&db, &["list", "create", "Study group"]);
    let sheet = fixture("feuille-excel-fr-1252.csv");
    ok(
        &db,
        &["subscribers", "import", &sheet, "--list", "Announcements"],
    );
    ok(
        &db,
        &["subscribers", "import", &sheet, "--list", "Study group"],
    );
    assert_eq!(count(&db, "Study group"), 2, "René and Thérèse said yes");

    let only = ok(
        &db,
        &[
            "subscribers",
            "unsubscribe",
            "rene.roy@example.org",
            "--list",
            "Study group",
            "--only-this-list",
        ],
    );
    assert!(
        only.contains("Unsubscribed: rene.roy@example.org"),
        "René leaves the study group:\n{only}"
    );
    assert_eq!(count(&db, "Study group"), 1, "the study group loses René");
    assert_eq!(
        count(&db, "Announcements"),
        2,
        "René stays on the announcements, as he asked"
    );

    let all = ok(
        &db,
        &[
            "subscribers",
            "unsubscribe",
            "therese.thibault@example.org",
            "--list",
            "Study group",
        ],
    );
    assert!(
        all.contains("Unsubscribed: therese.thibault@example.org"),
        "Thérèse leaves:\n{all}"
    );
    assert_eq!(
        count(&db, "Announcements"),
        1,
        "Thérèse's opt-out covers the announcements too"
    );
    ok(&db, &["subscribers", "unsubscribe", "stranger@example.org"]);
    ok(&db, &["list", "create", "Made later"]);
    ok(
        &db,
        &["subscribers", "import", &sheet, "--list", "Made later"],
    );
    assert_eq!(
        count(&db, "Made later"),
        1,
        "a list made later keeps Thérèse off; only René is mailed"
    );
    let show = ok(
        &db,
        &["subscribers", "show", "therese.thibault@example.org"],
    );
    assert!(
        show.contains("an opt-out covers every list"),
        "the ledger says why the other list changed:\n{show}"
    );

    let refused = handbill(
        &db,
        &[
            "subscribers",
            "unsubscribe",
            "x@example.org",
            "--only-this-list",
        ],
    );
    assert!(
        !refused.status.success(),
        "--only-this-list without a list is refused"
    );
}

#[test]
fn only_an_opt_in_with_evidence_brings_someone_back_and_show_prints_it() {
    let (_dir, db) = branch();
    import(
        &db,
        "subscribed_members_export_4f2a9c1b7e.csv",
        "Announcements",
    );
    ok(
        &db,
        &["subscribers", "unsubscribe", "ben.brooks@example.org"],
    );
    assert_eq!(count(&db, "Announcements"), 3, "Ben is off");
    let again = import(
        &db,
        "subscribed_members_export_4f2a9c1b7e.csv",
        "Announcements",
    );
    assert!(
        again.contains("Stays unsubscribed") && again.contains("the opt-out covers every list"),
        "re-importing the old export keeps Ben off:\n{again}"
    );
    assert_eq!(count(&db, "Announcements"), 3, "still three");

    let missing = handbill(
        &db,
        &[
            "subscribers",
            "opt-in",
            "ben.brooks@example.org",
            "--list",
            "Announcements",
            "--evidence",
            " ",
        ],
    );
    assert_eq!(
        missing.status.code(),
        Some(2),
        "an opt-in without evidence is invalid input: {}",
        stderr(&missing)
    );
    assert!(
        stderr(&missing).contains("Say how they asked"),
        "the message says what to give:\n{}",
        stderr(&missing)
    );
    ok(
        &db,
        &[
            "subscribers",
            "opt-in",
            "ben.brooks@example.org",
            "--list",
            "Announcements",
            "--evidence",
            "Signed the sheet at the May Day rally, 2025-05-01",
        ],
    );
    assert_eq!(
        count(&db, "Announcements"),
        4,
        "Ben is back on his own new request"
    );
    let show = ok(&db, &["subscribers", "show", "ben.brooks@example.org"]);
    assert!(
        show.contains("evidence: Signed the sheet at the May Day rally, 2025-05-01"),
        "the ledger keeps the evidence:\n{show}"
    );
}

#[test]
fn a_form_with_a_consent_question_is_read_and_the_import_says_how() {
    let (_dir, db) = branch();
    let out = import(&db, "google-form-signup.csv", "Announcements");
    assert!(
        out.contains("“Can we email you about upcoming actions?” is read as:")
            && out.contains("“Yes” → subscribed")
            && out.contains("“No” → unsubscribed")
            && out.contains("blank → not subscribed"),
        "the import prints how the consent column is read:\n{out}"
    );
    assert!(
        out.contains("lena.lopez@example.org") && out.contains("leading zero"),
        "Lena's four-digit ZIP is flagged:\n{out}"
    );
    assert!(
        out.contains("mo.mansour@example.org")
            && out.contains("“Español/English” could not be read"),
        "Mo's unreadable language is left out with a warning, and Mo imported:\n{out}"
    );
    assert_eq!(
        count(&db, "Announcements"),
        4,
        "Jamal, Ben, Frank and Mo said yes; Kim said no; Lena left it blank"
    );
    let report_dir = tempfile::tempdir().unwrap();
    let report = report_dir.path().join("report.csv");
    ok(
        &db,
        &[
            "subscribers",
            "import",
            &fixture("twice.csv"),
            "--list",
            "Announcements",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    let saved = std::fs::read_to_string(&report).unwrap();
    assert!(
        saved.contains("the more restrictive standing (unsubscribed) is kept"),
        "the saved report says the more restrictive standing won:\n{saved}"
    );
    let uma = ok(&db, &["subscribers", "show", "uma.upton@example.org"]);
    assert!(
        uma.contains("Announcements: unsubscribed"),
        "Uma ends unsubscribed:\n{uma}"
    );
}

#[test]
fn map_chooses_columns_by_name_or_number_and_bad_maps_are_refused_with_what_to_do() {
    let (_dir, db) = branch();
    let file = fixture("no-address-header.csv");
    let proposed = ok(
        &db,
        &[
            "subscribers",
            "import",
            &file,
            "--list",
            "Announcements",
            "--dry-run",
        ],
    );
    assert!(
        proposed.contains("the column “Contacto” holds them"),
        "without a header naming addresses, the column of addresses is proposed:\n{proposed}"
    );
    let mapped = ok(
        &db,
        &[
            "subscribers",
            "import",
            &file,
            "--list",
            "Announcements",
            "--map",
            "email=Contacto,first_name=2,postal_code=cp",
        ],
    );
    assert!(
        mapped.contains("Nombre de pila → first_name") && mapped.contains("CP → postal_code"),
        "the chosen columns are used:\n{mapped}"
    );
    let xochitl = ok(
        &db,
        &["subscribers", "show", "xochitl.xu@example.org", "--json"],
    );
    let json: serde_json::Value = serde_json::from_str(&xochitl).unwrap();
    assert_eq!(
        json["subscriber"]["first_name"], "Xóchitl",
        "the first name came from column 2"
    );
    assert_eq!(
        json["subscriber"]["postal_code"], "02150",
        "the ZIP came from CP"
    );

    let bad = handbill(
        &db,
        &[
            "subscribers",
            "import",
            &file,
            "--list",
            "Announcements",
            "--map",
            "email=Correo",
        ],
    );
    assert_eq!(
        bad.status.code(),
        Some(2),
        "an unknown column is invalid input"
    );
    assert!(
        stderr(&bad).contains(
            "No column is called “Correo”. The columns are: Contacto, Nombre de pila, CP."
        ),
        "the message names the columns:\n{}",
        stderr(&bad)
    );
    let worse = handbill(
        &db,
        &[
            "subscribers",
            "import",
            &file,
            "--list",
            "Announcements",
            "--map",
            "shoe_size=1",
        ],
    );
    assert!(
        !worse.status.success() && stderr(&worse).contains("is not a field"),
        "an unknown field is refused:\n{}",
        stderr(&worse)
    );
}

#[test]
fn spanish_excel_sheets_in_windows_1252_are_read_with_their_accents_and_consent() {
    let (_dir, db) = branch();
    let out = import(&db, "hoja-excel-es-1252.csv", "Announcements");
    assert!(
        out.contains("Correo electrónico → email")
            && out.contains("Código postal → postal_code")
            && out.contains("¿Podemos enviarte correos sobre próximas acciones? → consent"),
        "accented Spanish headers are recognized:\n{out}"
    );
    assert!(
        out.contains("Latin-1 (Windows-1252), semicolon-separated"),
        "Excel's encoding is read:\n{out}"
    );
    assert_eq!(
        count(&db, "Announcements"),
        2,
        "Sí and si subscribe; No and blank do not"
    );
    let nico = ok(&db, &["subscribers", "show", "nico.navarro@example.org"]);
    assert!(
        nico.contains("Nicolás Navarro"),
        "the accented name is read:\n{nico}"
    );
}
