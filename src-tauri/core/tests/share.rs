//! Officers' laptops sharing one branch through folders: three real SQLite
//! files, each with a folder of its own, and `carry` standing for the sync
//! tool (it copies files that are missing, as Syncthing or Dropbox would), so
//! a test decides what each laptop has seen. Proves: laptops that read the
//! same files hold the same data; writes of one field made apart are both
//! kept until someone picks, writes of different fields both stand; an
//! opt-out beats an import made apart; a send claimed on two laptops while
//! apart stops the later one, and a laptop that saw a claim refuses; files
//! unsigned, from an unknown or removed laptop, cut short, altered or of a
//! newer format are listed and not applied; nothing in the folder names a
//! person or an event; and, as a property, any interleaving of opt-ins and
//! opt-outs on three laptops converges with the opt-out rule kept; a
//! scheduled reminder travels to every laptop and only one queues it.

use std::path::{Path, PathBuf};

use handbill_core::mail::announcements::store::{self, AnnouncementInput};
use handbill_core::mail::announcements::Template;
use handbill_core::mail::lists;
use handbill_core::mail::subscribers::{self, OptIn, UnsubscribeRequest};
use handbill_core::share::{self, InitRequest, JoinRequest, PickRequest};
use handbill_core::{branch, demo, Database};
use proptest::prelude::*;

struct Laptop {
    path: PathBuf,
    folder: PathBuf,
    db: Database,
}

impl Laptop {
    fn sync(&self) -> share::SyncReport {
        share::sync(&self.db).unwrap_or_else(|e| panic!("sync of {}: {e:?}", self.path.display()))
    }
    fn dump(&self) -> String {
        share::dump(&self.db).unwrap()
    }
    fn status(&self) -> share::ShareStatus {
        share::status(&self.db).unwrap()
    }
}

/// Copies every file of `from` that `to` lacks: what a sync tool does.
fn carry(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if !target.exists() && !entry.file_name().to_string_lossy().starts_with('.') {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn carry_all(laptops: &[&Laptop]) {
    for a in laptops {
        for b in laptops {
            if a.folder != b.folder {
                carry(&a.folder, &b.folder);
            }
        }
    }
}

/// Laptop A with the sample branch, sharing; B and C joined through copies
/// of its folder (each laptop has a folder of its own).
fn three(dir: &Path, with_demo: bool) -> (Laptop, Laptop, Laptop) {
    let make = |name: &str| {
        let folder = dir.join(format!("folder-{name}"));
        std::fs::create_dir_all(&folder).unwrap();
        let path = dir.join(format!("{name}.sqlite"));
        let db = Database::open(&path).unwrap();
        Laptop { path, folder, db }
    };
    let a = make("a");
    if with_demo {
        demo::load(&a.db).unwrap();
    } else {
        branch::set_field(&a.db, "name", "Riverside Branch").unwrap();
    }
    share::init(
        &a.db,
        &InitRequest {
            folder: a.folder.clone(),
            name: "Ana's laptop".into(),
        },
    )
    .unwrap();
    let b = make("b");
    let c = make("c");
    for (l, name) in [(&b, "Ben's laptop"), (&c, "Cleo's laptop")] {
        let code = share::invite(&a.db).unwrap().code;
        carry(&a.folder, &l.folder);
        share::join(
            &l.db,
            &JoinRequest {
                folder: l.folder.clone(),
                code,
                name: name.into(),
            },
        )
        .unwrap();
        carry(&l.folder, &a.folder);
        a.sync();
    }
    settle(&[&a, &b, &c]);
    (a, b, c)
}

/// Syncs and carries until nothing moves, then checks the laptops agree.
fn settle(laptops: &[&Laptop]) {
    for _ in 0..4 {
        carry_all(laptops);
        for l in laptops {
            l.sync();
        }
    }
    let first = laptops[0].dump();
    for l in &laptops[1..] {
        let other = l.dump();
        if other != first {
            let diff: Vec<String> = first
                .lines()
                .zip(other.lines())
                .filter(|(x, y)| x != y)
                .take(5)
                .map(|(x, y)| format!("\n  {x}\n  {y}"))
                .collect();
            panic!(
                "{} and {} differ after the same files: {}",
                laptops[0].path.display(),
                l.path.display(),
                diff.join("")
            );
        }
    }
}

fn city(l: &Laptop) -> String {
    branch::get(&l.db)
        .unwrap()
        .map(|b| b.city)
        .unwrap_or_default()
}

#[test]
fn three_laptops_that_read_the_same_files_hold_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = three(dir.path(), true);
    let dump = a.dump();
    assert!(
        dump.contains("Boston") && dump.lines().count() > 100,
        "the sample branch reached every laptop: {} lines",
        dump.lines().count()
    );
    let status = a.status();
    assert_eq!(
        status.laptops.len(),
        3,
        "three officers: {:?}",
        status.laptops
    );
    assert!(
        status.problems.is_empty(),
        "no file refused: {:?}",
        status.problems
    );
    // Applying the same files twice changes nothing.
    for l in [&a, &b, &c] {
        let before = l.dump();
        let again = l.sync();
        assert_eq!(again.applied, 0, "nothing new to apply");
        assert_eq!(before, l.dump(), "a second sync changes nothing");
    }
}

#[test]
fn one_field_changed_on_two_laptops_apart_keeps_both_until_someone_picks_and_different_fields_both_stand(
) {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = three(dir.path(), false);
    branch::set_field(&a.db, "city", "Cambridge").unwrap();
    branch::set_field(&b.db, "city", "Somerville").unwrap();
    branch::set_field(&b.db, "website", "https://riverside.example").unwrap();
    branch::set_field(&c.db, "contact_email", "hello@riverside.example").unwrap();
    a.sync();
    b.sync();
    c.sync();
    settle(&[&a, &b, &c]);
    let profile = branch::get(&a.db).unwrap().unwrap();
    assert_eq!(
        (profile.website.as_str(), profile.contact_email.as_str()),
        ("https://riverside.example", "hello@riverside.example"),
        "changes of different fields made apart both stand"
    );
    let conflicts = a.status().conflicts;
    assert_eq!(
        conflicts.len(),
        1,
        "only the city was changed twice: {conflicts:?}"
    );
    let conflict = &conflicts[0];
    let mut values: Vec<&str> = conflict.choices.iter().map(|c| c.value.as_str()).collect();
    values.sort();
    assert_eq!(values, ["Cambridge", "Somerville"], "both writes are kept");
    assert_eq!(
        c.status().conflicts.len(),
        1,
        "the third laptop, which changed neither, shows the same choice"
    );
    let shown = city(&a);
    assert!(
        shown == "Cambridge" || shown == "Somerville",
        "one of them is shown: {shown}"
    );
    // Cleo picks Cambridge; everyone agrees and the choice is gone.
    let pick = conflict
        .choices
        .iter()
        .find(|ch| ch.value == "Cambridge")
        .unwrap();
    share::pick(
        &c.db,
        &PickRequest {
            conflict: conflict.id.clone(),
            laptop: pick.laptop.clone(),
            seq: pick.seq,
        },
    )
    .unwrap();
    settle(&[&a, &b, &c]);
    for l in [&a, &b, &c] {
        assert_eq!(city(l), "Cambridge", "the picked value is everyone's");
        assert!(
            l.status().conflicts.is_empty(),
            "the choice is settled on {}",
            l.path.display()
        );
    }
    // A later change on one laptop simply replaces the value everywhere.
    branch::set_field(&b.db, "city", "Boston").unwrap();
    settle(&[&a, &b, &c]);
    assert_eq!(
        city(&a),
        "Boston",
        "a change made after seeing the others wins"
    );
    assert!(a.status().conflicts.is_empty(), "and is no conflict");
}

fn list_id(db: &Database, name: &str) -> i64 {
    lists::all(db)
        .unwrap()
        .into_iter()
        .find(|l| l.name == name)
        .map(|l| l.id)
        .unwrap_or_else(|| lists::create(db, name).unwrap().id)
}

fn mailable(db: &Database, email: &str) -> bool {
    db.conn()
        .query_row(
            "SELECT count(*) FROM mailable WHERE email = ?1",
            [email],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
        > 0
}

#[test]
fn an_unsubscribe_on_one_laptop_beats_an_import_on_another_made_apart() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = three(dir.path(), false);
    let list = list_id(&a.db, "Announcements");
    settle(&[&a, &b, &c]);
    let list_b = list_id(&b.db, "Announcements");
    subscribers::unsubscribe(
        &a.db,
        &UnsubscribeRequest {
            text: "zed@example.org".into(),
            list_id: None,
            only_this_list: false,
            source: "Phone call".into(),
        },
    )
    .unwrap();
    // Apart, Ben adds Zed from a sign-up sheet with evidence.
    subscribers::opt_in(
        &b.db,
        &OptIn {
            email: "zed@example.org".into(),
            list_id: list_b,
            evidence: "signed the sheet at the rally".into(),
        },
        "Sign-up sheet",
    )
    .unwrap();
    assert!(
        mailable(&b.db, "zed@example.org"),
        "on Ben's laptop Zed is subscribed, for now"
    );
    a.sync();
    b.sync();
    settle(&[&a, &b, &c]);
    for l in [&a, &b, &c] {
        assert!(
            !mailable(&l.db, "zed@example.org"),
            "the opt-out made apart wins on {}",
            l.path.display()
        );
    }
    // A later opt-in with evidence, made after seeing the opt-out, brings Zed back.
    subscribers::opt_in(
        &c.db,
        &OptIn {
            email: "zed@example.org".into(),
            list_id: list,
            evidence: "asked by phone on 3 June".into(),
        },
        "Phone",
    )
    .unwrap();
    settle(&[&a, &b, &c]);
    for l in [&a, &b, &c] {
        assert!(
            mailable(&l.db, "zed@example.org"),
            "a later opt-in with evidence holds on {}",
            l.path.display()
        );
    }
    let ledger: i64 =
        a.db.conn()
            .query_row("SELECT count(*) FROM consent", [], |r| r.get(0))
            .unwrap();
    assert!(
        ledger >= 3,
        "the ledger holds all three lines, merged: {ledger}"
    );
}

fn draft(l: &Laptop) -> i64 {
    let list = list_id(&l.db, "Announcements");
    subscribers::opt_in(
        &l.db,
        &OptIn {
            email: "reader@example.org".into(),
            list_id: list,
            evidence: "form answer yes, 2026-11-01".into(),
        },
        "Form",
    )
    .unwrap();
    let event: i64 = l
        .db
        .conn()
        .query_row(
            "SELECT id FROM event WHERE status = 'announced' AND tour_id IS NULL ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    store::create(
        &l.db,
        AnnouncementInput {
            event_id: Some(event),
            tour_id: None,
            template: Template::NewEvent,
            list_id: list,
            segment: String::new(),
            subject: "Branch meeting".into(),
            body: "Dear {first_name}, come on Thursday.".into(),
            attach_flyer: false,
            versions: Vec::new(),
        },
    )
    .unwrap()
    .id
}

fn local_id_of_same(l: &Laptop, subject: &str) -> i64 {
    l.db.conn()
        .query_row(
            "SELECT id FROM announcement WHERE subject = ?1",
            [subject],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_send_claimed_on_two_laptops_apart_stops_the_later_and_a_laptop_that_saw_a_claim_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = three(dir.path(), true);
    let id_a = draft(&a);
    settle(&[&a, &b, &c]);
    let id_b = local_id_of_same(&b, "Branch meeting");
    // Apart: both start sending it.
    store::queue_with(&a.db, id_a, true).unwrap();
    share::claim(&a.db, id_a).expect("Ana claims first");
    store::queue_with(&b.db, id_b, true).unwrap();
    share::claim(&b.db, id_b).expect("Ben, apart, sees no claim yet");
    b.db.conn()
        .execute(
            "UPDATE announcement SET state = 'sending' WHERE id = ?1",
            [id_b],
        )
        .unwrap();
    // They meet: Ben's sending stops at his next sync, with the reason.
    carry_all(&[&a, &b]);
    a.sync();
    b.sync();
    let (state, note): (String, String) =
        b.db.conn()
            .query_row(
                "SELECT state, note FROM announcement WHERE id = ?1",
                [id_b],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
    assert_eq!(state, "paused", "the later claim stops: {note}");
    assert!(
        note.contains("Ana's laptop") && note.contains("claimed it first"),
        "and says who: {note}"
    );
    assert!(
        share::claim(&b.db, id_b).is_err(),
        "Ben cannot resume it: Ana's laptop holds it"
    );
    let state_a: String =
        a.db.conn()
            .query_row(
                "SELECT state FROM announcement WHERE id = ?1",
                [id_a],
                |r| r.get(0),
            )
            .unwrap();
    assert_ne!(state_a, "paused", "Ana's sending goes on");
    // Cleo, who has seen Ana's claim, is refused at once.
    carry_all(&[&a, &b, &c]);
    c.sync();
    let id_c = local_id_of_same(&c, "Branch meeting");
    let refused = share::claim(&c.db, id_c).unwrap_err();
    assert!(
        refused.message.contains("Ana's laptop"),
        "a laptop that has seen the claim refuses, naming who sends: {}",
        refused.message
    );
}

fn change_files(folder: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "hbc"))
        .collect();
    v.sort();
    v
}

#[test]
fn unknown_cut_short_altered_and_newer_files_are_listed_and_not_applied() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = three(dir.path(), false);
    // An unknown laptop's file (a real one, from a branch that is not this one).
    let stranger_dir = dir.path().join("stranger");
    std::fs::create_dir_all(&stranger_dir).unwrap();
    let stranger = Database::open(&stranger_dir.join("s.sqlite")).unwrap();
    branch::set_field(&stranger, "name", "Someone else").unwrap();
    share::init(
        &stranger,
        &InitRequest {
            folder: stranger_dir.clone(),
            name: "Intruder".into(),
        },
    )
    .unwrap();
    for f in change_files(&stranger_dir) {
        std::fs::copy(&f, a.folder.join(f.file_name().unwrap())).unwrap();
    }
    // B's next two files: one cut short, one altered by a byte.
    branch::set_field(&b.db, "city", "Lowell").unwrap();
    b.sync();
    branch::set_field(&b.db, "city", "Lynn").unwrap();
    b.sync();
    let ben = b.status().laptop;
    let files: Vec<PathBuf> = change_files(&b.folder)
        .into_iter()
        .filter(|f| f.file_name().unwrap().to_string_lossy().starts_with(&ben))
        .collect();
    let last = files.last().unwrap().clone();
    let before_last = files[files.len() - 2].clone();
    let whole = std::fs::read(&before_last).unwrap();
    let name_cut = before_last.file_name().unwrap().to_owned();
    std::fs::write(a.folder.join(&name_cut), &whole[..whole.len() / 2]).unwrap();
    let mut altered = std::fs::read(&last).unwrap();
    let middle = altered.len() / 2;
    altered[middle] ^= 0x20;
    std::fs::write(c.folder.join(last.file_name().unwrap()), &altered).unwrap();
    std::fs::copy(&before_last, c.folder.join(&name_cut)).unwrap();
    a.sync();
    c.sync();
    let problems = a.status().problems;
    let reasons = format!("{problems:?}");
    assert!(
        reasons.contains("not an officer"),
        "the stranger's file is refused: {reasons}"
    );
    assert!(
        reasons.contains("signature does not match"),
        "the cut file is refused: {reasons}"
    );
    assert_ne!(city(&a), "Lowell", "the cut file was not applied");
    assert_eq!(
        branch::get(&a.db).unwrap().unwrap().name,
        "Riverside Branch",
        "the stranger changed nothing"
    );
    let c_problems = format!("{:?}", c.status().problems);
    assert_eq!(
        city(&c),
        "Lowell",
        "Cleo applied the whole file before the altered one"
    );
    assert!(
        c_problems.contains("signature does not match"),
        "the altered one is listed: {c_problems}"
    );
    // When the sync tool brings the real files, they are applied.
    std::fs::copy(&before_last, a.folder.join(&name_cut)).unwrap();
    std::fs::copy(&last, c.folder.join(last.file_name().unwrap())).unwrap();
    std::fs::copy(&last, a.folder.join(last.file_name().unwrap())).unwrap();
    a.sync();
    c.sync();
    assert_eq!(
        (city(&a), city(&c)),
        ("Lynn".into(), "Lynn".into()),
        "the real files apply"
    );
}

/// Writes laptop `l`'s next change file as a later Handbill would: the same
/// layout (the line `handbill-share`, the header's length and JSON, the age
/// ciphertext of the deflated body, an Ed25519 signature), format 2.
fn write_newer_file(l: &Laptop) {
    write_signed_file(l, 2, |laptop, seq| {
        serde_json::json!({
            "format": 2, "laptop": laptop, "seq": seq, "hlc": "9999999999999.00000", "knows": {},
            "batches": [{"t": "branch", "o": "u", "rows": [["1", {"city": "Salem"}]]}],
            "new_things": [1, 2, 3]
        })
    });
}

/// Writes laptop `l`'s next change file with `body` (given its id and
/// number), signed and encrypted as Handbill does, of header `format`.
fn write_signed_file(l: &Laptop, format: u32, body: impl Fn(&str, i64) -> serde_json::Value) {
    use std::io::Write;
    use std::str::FromStr;
    let (laptop, sign_key, seq, prev): (String, Vec<u8>, i64, String) =
        l.db.conn()
            .query_row(
                "SELECT laptop, sign_key, next_seq, last_hash FROM share_self",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
    let (epoch, secret): (i64, String) =
        l.db.conn()
            .query_row(
                "SELECT epoch, secret FROM share_key ORDER BY epoch DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
    let body = body(&laptop, seq);
    let mut deflated = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
    deflated.write_all(body.to_string().as_bytes()).unwrap();
    let recipient = age::x25519::Identity::from_str(&secret)
        .unwrap()
        .to_public();
    let cipher = age::encrypt(&recipient, &deflated.finish().unwrap()).unwrap();
    let header = serde_json::json!({"format": format, "kind": "change", "laptop": laptop, "seq": seq, "epoch": epoch, "prev": prev});
    let head = header.to_string().into_bytes();
    let mut out = b"handbill-share\n".to_vec();
    out.extend_from_slice(&(head.len() as u32).to_be_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(&cipher);
    let signer = ring::signature::Ed25519KeyPair::from_pkcs8(&sign_key).unwrap();
    let sig = signer.sign(&out);
    out.extend_from_slice(sig.as_ref());
    std::fs::write(l.folder.join(format!("{laptop}-{seq:06}.hbc")), out).unwrap();
}

#[test]
fn a_file_of_a_newer_format_says_to_upgrade_and_nothing_of_it_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, _c) = three(dir.path(), false);
    write_newer_file(&b);
    carry(&b.folder, &a.folder);
    a.sync();
    let reasons = format!("{:?}", a.status().problems);
    assert!(
        reasons.contains("upgrade Handbill"),
        "it says to upgrade: {reasons}"
    );
    assert_ne!(city(&a), "Salem", "and applies nothing of it");
}

#[test]
fn the_folder_names_no_person_and_no_event() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _b, _c) = three(dir.path(), true);
    let mut secrets: Vec<String> = Vec::new();
    let mut stmt = a.db.conn().prepare("SELECT email FROM subscriber").unwrap();
    secrets.extend(
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .flatten(),
    );
    drop(stmt);
    let mut stmt =
        a.db.conn()
            .prepare("SELECT title FROM event WHERE length(title) > 6")
            .unwrap();
    secrets.extend(
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .flatten(),
    );
    drop(stmt);
    secrets.push("Boston".into());
    assert!(
        secrets.len() > 20,
        "there is something to look for: {}",
        secrets.len()
    );
    let mut files = 0;
    for entry in std::fs::read_dir(&a.folder).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap();
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        for s in &secrets {
            assert!(
                !text.contains(&s.to_lowercase()),
                "{} names {s:?}",
                entry.path().display()
            );
        }
        files += 1;
    }
    assert!(
        files >= 3,
        "change files, invitations and joins were read: {files}"
    );
}

#[test]
fn a_removed_officers_later_files_are_refused_and_new_files_use_a_key_they_lack() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = three(dir.path(), false);
    let cleo = c.status().laptop;
    share::remove(&a.db, &cleo).unwrap();
    carry_all(&[&a, &b]);
    b.sync();
    // Cleo, not yet knowing, writes a change; it is refused everywhere.
    branch::set_field(&c.db, "city", "Nowhere").unwrap();
    c.sync();
    carry_all(&[&a, &b, &c]);
    a.sync();
    b.sync();
    assert_ne!(
        city(&a),
        "Nowhere",
        "the removed laptop's later file is not applied"
    );
    let reasons = format!("{:?}", b.status().problems);
    assert!(reasons.contains("removed"), "and is listed: {reasons}");
    // A's and B's new files are encrypted with a key Cleo never got.
    branch::set_field(&a.db, "city", "Quincy").unwrap();
    a.sync();
    carry_all(&[&a, &b, &c]);
    b.sync();
    c.sync();
    assert_eq!(
        city(&b),
        "Quincy",
        "the remaining officers read the new key's files"
    );
    assert_ne!(city(&c), "Quincy", "the removed laptop cannot");
}

#[derive(Debug, Clone)]
enum Step {
    OptOut(usize),
    OptIn(usize),
    Sync(usize),
    Carry(usize, usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..3usize).prop_map(Step::OptOut),
        (0..3usize).prop_map(Step::OptIn),
        (0..3usize).prop_map(Step::Sync),
        (0..3usize, 0..3usize).prop_map(|(a, b)| Step::Carry(a, b)),
    ]
}

/// The model: which opt-outs each laptop has seen, through its own steps
/// and the files it applied (each laptop's in order, each once what its
/// writer had seen is applied, as the rule says).
#[derive(Default, Clone)]
struct Model {
    /// Per laptop: ops made since its last file.
    pending: [Vec<usize>; 3],
    /// Files: (author, seq, ops, what the author had applied of each laptop).
    files: Vec<(usize, usize, Vec<usize>, [usize; 3])>,
    /// Per folder: the files in it.
    folders: [Vec<usize>; 3],
    /// Per laptop: how many of each laptop's files it has applied.
    applied: [[usize; 3]; 3],
    /// Per laptop: the opt-outs it has seen.
    seen: [std::collections::BTreeSet<usize>; 3],
    /// Every op: (is an opt-out, the opt-outs its laptop had seen).
    ops: Vec<(bool, std::collections::BTreeSet<usize>)>,
}

impl Model {
    fn op(&mut self, i: usize, out: bool) {
        let n = self.ops.len();
        self.ops.push((out, self.seen[i].clone()));
        if out {
            self.seen[i].insert(n);
        }
        self.pending[i].push(n);
    }
    fn sync(&mut self, i: usize) {
        if !self.pending[i].is_empty() {
            let seq = self.applied[i][i] + 1;
            let ops = std::mem::take(&mut self.pending[i]);
            let knows = self.applied[i];
            self.files.push((i, seq, ops, knows));
            self.applied[i][i] = seq;
            self.folders[i].push(self.files.len() - 1);
        }
        loop {
            let mut moved = false;
            for f in self.folders[i].clone() {
                let (author, seq, ops, knows) = self.files[f].clone();
                if author == i || self.applied[i][author] + 1 != seq {
                    continue;
                }
                if (0..3).any(|k| k != i && self.applied[i][k] < knows[k]) {
                    continue;
                }
                self.applied[i][author] = seq;
                for o in ops {
                    if self.ops[o].0 {
                        self.seen[i].insert(o);
                    }
                }
                moved = true;
            }
            if !moved {
                break;
            }
        }
    }
    fn carry(&mut self, from: usize, to: usize) {
        for f in self.folders[from].clone() {
            if !self.folders[to].contains(&f) {
                self.folders[to].push(f);
            }
        }
    }
    /// Subscribed at the end iff some opt-in had seen every opt-out.
    fn subscribed(&self) -> bool {
        let outs: Vec<usize> = (0..self.ops.len()).filter(|o| self.ops[*o].0).collect();
        self.ops
            .iter()
            .any(|(out, saw)| !out && outs.iter().all(|o| saw.contains(o)))
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(16),
        ..ProptestConfig::default()
    })]

    /// Any interleaving of opt-ins (with evidence) and opt-outs of one
    /// address on three laptops, synced and carried in any order, converges;
    /// and the address ends subscribed exactly when some opt-in had seen
    /// every opt-out (an opt-out beats every earlier or concurrent opt-in).
    #[test]
    fn any_interleaving_converges_and_an_opt_out_beats_every_opt_in_that_did_not_see_it(
        steps in proptest::collection::vec(step(), 1..16)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = three(dir.path(), false);
        list_id(&a.db, "Announcements");
        settle(&[&a, &b, &c]);
        let laptops = [&a, &b, &c];
        let mut model = Model::default();
        for s in &steps {
            match s {
                Step::OptOut(i) => {
                    // An opt-out of an address already opted out here is no
                    // new opt-out (the ledger has no line for it either).
                    let already: bool = laptops[*i].db.conn().query_row(
                        "SELECT count(*) FROM suppression x JOIN subscriber s ON s.email_key = x.email_key WHERE s.email = 'zed@example.org'",
                        [], |r| r.get::<_, i64>(0)).unwrap() > 0;
                    subscribers::unsubscribe(&laptops[*i].db, &UnsubscribeRequest {
                        text: "zed@example.org".into(), list_id: None, only_this_list: false, source: "Test".into(),
                    }).unwrap();
                    if !already {
                        model.op(*i, true);
                    }
                }
                Step::OptIn(i) => {
                    let l = list_id(&laptops[*i].db, "Announcements");
                    subscribers::opt_in(&laptops[*i].db, &OptIn {
                        email: "zed@example.org".into(), list_id: l, evidence: "asked in person".into(),
                    }, "Test").unwrap();
                    model.op(*i, false);
                }
                Step::Sync(i) => {
                    laptops[*i].sync();
                    model.sync(*i);
                }
                Step::Carry(x, y) => if x != y {
                    carry(&laptops[*x].folder, &laptops[*y].folder);
                    model.carry(*x, *y);
                },
            }
        }
        settle(&laptops);
        for _ in 0..4 {
            for x in 0..3 { for y in 0..3 { if x != y { model.carry(x, y); } } }
            for i in 0..3 { model.sync(i); }
        }
        let want = model.subscribed();
        for l in &laptops {
            prop_assert_eq!(
                mailable(&l.db, "zed@example.org"), want,
                "on {} after {:?}", l.path.display(), steps
            );
        }
    }
}

fn hostile_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        "[a-z0-9 @.'\"%;-]{0,12}".prop_map(serde_json::Value::from),
        Just(serde_json::json!({"x": "zz"})),
        Just(serde_json::json!({"x": "00ff"})),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(serde_json::Value::from),
        ]
    })
}

fn hostile_batch() -> impl Strategy<Value = serde_json::Value> {
    let table = prop_oneof![
        Just("event".to_owned()),
        Just("subscriber".to_owned()),
        Just("membership".to_owned()),
        Just("suppression".to_owned()),
        Just("consent".to_owned()),
        Just("branch".to_owned()),
        Just("delivery".to_owned()),
        Just("sqlite_master".to_owned()),
        Just("share_self".to_owned()),
        "[a-z_]{1,8}",
    ];
    let col = prop_oneof![
        Just("title".to_owned()),
        Just("email".to_owned()),
        Just("email_key".to_owned()),
        Just("status".to_owned()),
        Just("list_id".to_owned()),
        Just("subscriber_id".to_owned()),
        Just("city".to_owned()),
        Just("\"; DROP TABLE event; --".to_owned()),
        "[a-z_]{1,6}",
    ];
    (
        table,
        prop_oneof![Just("i"), Just("u"), Just("d"), Just("x")],
        proptest::collection::vec(col.clone(), 0..4),
        proptest::collection::vec(proptest::collection::vec(hostile_value(), 0..5), 0..4),
        proptest::collection::btree_map(col, hostile_value(), 0..3),
    )
        .prop_map(|(t, o, cols, rows, fields)| {
            let rows: Vec<serde_json::Value> = if o == "u" {
                rows.into_iter()
                    .map(|r| {
                        serde_json::json!([r.first().cloned().unwrap_or_default(), fields.clone()])
                    })
                    .collect()
            } else {
                rows.into_iter().map(serde_json::Value::from).collect()
            };
            serde_json::json!({"t": t, "o": o, "cols": cols, "rows": rows})
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24),
        ..ProptestConfig::default()
    })]

    /// A file signed by an officer's laptop but holding anything at all (a
    /// table or column that is not shared, a wrong length, a wrong type,
    /// SQL in a name) never makes a sync fail or panic: it is applied, or
    /// refused whole with the reason, and then nothing of it is applied.
    #[test]
    fn a_signed_file_holding_anything_is_applied_or_refused_whole(
        batches in proptest::collection::vec(hostile_batch(), 1..4),
        claims in proptest::collection::vec("[a-z0-9]{0,8}", 0..2),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, _c) = three(dir.path(), true);
        let before = a.dump();
        write_signed_file(&b, 1, |laptop, seq| serde_json::json!({
            "format": 1, "laptop": laptop, "seq": seq, "hlc": "2026000000000.00001", "knows": {},
            "batches": batches.clone(), "claims": claims.clone()
        }));
        carry(&b.folder, &a.folder);
        let report = share::sync(&a.db);
        prop_assert!(report.is_ok(), "a sync goes on: {:?}", report.err());
        let refused = !a.status().problems.is_empty();
        if refused {
            prop_assert_eq!(before, a.dump(), "a refused file changes nothing");
        }
        let tables: i64 = a.db.conn().query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'event'", [], |r| r.get(0)).unwrap();
        prop_assert_eq!(tables, 1, "the schema is untouched");
    }
}

#[test]
fn change_triggers_a_migration_dropped_are_made_again_at_opening() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, _c) = three(dir.path(), false);
    // A migration that rebuilds a table drops its triggers with it.
    a.db.conn()
        .execute_batch("DROP TRIGGER share_branch_u")
        .unwrap();
    drop(a);
    let a = Laptop {
        db: Database::open(&dir.path().join("a.sqlite")).unwrap(),
        path: dir.path().join("a.sqlite"),
        folder: dir.path().join("folder-a"),
    };
    share::prepare(&a.db).unwrap();
    branch::set_field(&a.db, "city", "Worcester").unwrap();
    a.sync();
    carry(&a.folder, &b.folder);
    b.sync();
    assert_eq!(
        city(&b),
        "Worcester",
        "the change made after reopening travelled"
    );
}

#[test]
fn two_officers_who_each_announce_the_same_event_apart_do_not_both_send_but_a_later_second_send_may(
) {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = three(dir.path(), true);
    // Apart, Ana and Ben each write an announcement of the same event to the
    // same list with the same template, and each starts sending it.
    let id_a = draft(&a);
    let id_b = draft(&b);
    store::queue_with(&a.db, id_a, true).unwrap();
    share::claim(&a.db, id_a).expect("Ana claims hers");
    store::queue_with(&b.db, id_b, true).unwrap();
    share::claim(&b.db, id_b).expect("Ben, apart, sees no claim yet");
    b.db.conn()
        .execute(
            "UPDATE announcement SET state = 'sending' WHERE id = ?1",
            [id_b],
        )
        .unwrap();
    carry_all(&[&a, &b]);
    a.sync();
    b.sync();
    let (state, note): (String, String) =
        b.db.conn()
            .query_row(
                "SELECT state, note FROM announcement WHERE id = ?1",
                [id_b],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
    assert_eq!(state, "paused", "Ben's copy, claimed later, stops: {note}");
    assert!(note.contains("Ana's laptop"), "naming who sends it: {note}");
    // Cleo writes her own copy before seeing either, then sees them: refused.
    let id_c = draft(&c);
    store::queue_with(&c.db, id_c, true).unwrap();
    carry_all(&[&a, &b, &c]);
    let refused = share::claim(&c.db, id_c).unwrap_err();
    assert!(
        refused.message.contains("Ana's laptop"),
        "an announcement written apart from Ana's is not sent: {}",
        refused.message
    );
    // A second send written after seeing Ana's (a reminder, on purpose) may go.
    c.sync();
    let again = draft(&c);
    store::queue_with(&c.db, again, true).unwrap();
    share::claim(&c.db, again).expect("a second send made knowing the first is no duplicate");
}

#[test]
fn a_laptop_restored_from_an_older_copy_reads_its_own_later_files_back_and_numbers_on_from_them() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, _c) = three(dir.path(), false);
    let path = a.path.clone();
    let folder = a.folder.clone();
    drop(a);
    // An older copy of Ana's branch, taken while it was closed.
    let copy = dir.path().join("a-copy.sqlite");
    std::fs::copy(&path, &copy).unwrap();
    let a = Laptop {
        db: Database::open(&path).unwrap(),
        path: path.clone(),
        folder: folder.clone(),
    };
    branch::set_field(&a.db, "city", "Lowell").unwrap();
    a.sync();
    drop(a);
    // Restored from the older copy: the change and its file number are gone here.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    std::fs::copy(&copy, &path).unwrap();
    let a = Laptop {
        db: Database::open(&path).unwrap(),
        path,
        folder,
    };
    assert_ne!(city(&a), "Lowell", "the copy is older than the change");
    branch::set_field(&a.db, "website", "https://example.org/after-restore").unwrap();
    a.sync();
    assert_eq!(city(&a), "Lowell", "its own later file was read back");
    carry(&a.folder, &b.folder);
    b.sync();
    assert!(
        b.status().problems.is_empty(),
        "no file of Ana's forks her chain: {:?}",
        b.status().problems
    );
    assert_eq!(a.dump(), b.dump(), "both laptops agree after the restore");
    assert_eq!(
        branch::get(&b.db).unwrap().unwrap().website,
        "https://example.org/after-restore",
        "the change made after the restore travelled"
    );
}

/// The dates of a series on one laptop, skipped ones marked.
fn series_dates(l: &Laptop, id: i64) -> Vec<(String, bool, String)> {
    handbill_core::events::series::dates(
        &l.db,
        &handbill_core::events::series::DatesRequest {
            event_id: id,
            from: "2027-01-01".into(),
            count: 0,
        },
    )
    .unwrap()
    .dates
    .into_iter()
    .map(|o| (o.start_date, o.skipped, o.reason))
    .collect()
}

#[test]
fn a_series_made_on_one_laptop_and_a_date_skipped_on_another_reach_every_laptop() {
    use handbill_core::events::series::{self, MoveRequest, Repeat, RepeatRequest, SkipRequest};
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = three(dir.path(), false);
    let id = handbill_core::events::create(
        &a.db,
        handbill_core::events::EventInput {
            title: "Branch meeting".into(),
            start_date: "2027-01-07".into(),
            start_time: "19:00".into(),
            end_time: "21:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .unwrap()
    .id;
    series::repeat(
        &a.db,
        &RepeatRequest {
            event_id: id,
            repeat: Repeat::Weekly,
            nth: 0,
            until: "2027-02-25".into(),
        },
    )
    .unwrap();
    series::move_date(
        &a.db,
        &MoveRequest {
            event_id: id,
            date: "2027-01-21".into(),
            to_date: "2027-01-20".into(),
            to_time: String::new(),
            reason: "The hall is booked".into(),
        },
    )
    .unwrap();
    settle(&[&a, &b, &c]);
    let on_b: i64 =
        b.db.conn()
            .query_row(
                "SELECT id FROM event WHERE title = 'Branch meeting'",
                [],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(
        series_dates(&b, on_b),
        series_dates(&a, id),
        "the series and its moved date reached laptop B as they are on A"
    );
    series::skip(
        &b.db,
        &SkipRequest {
            event_id: on_b,
            date: "2027-02-11".into(),
            reason: "Snow".into(),
        },
    )
    .unwrap();
    settle(&[&a, &b, &c]);
    assert!(
        series_dates(&a, id).contains(&("2027-02-11".into(), true, "Snow".into())),
        "the date skipped on B is skipped on A, with its reason: {:?}",
        series_dates(&a, id)
    );
}

#[test]
fn a_scheduled_reminder_travels_to_every_laptop_and_is_queued_by_one_only() {
    use handbill_core::clock;
    use handbill_core::mail::announcements::schedule::{
        self, DueStart, ScheduleRequest, ScheduleWhen,
    };
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = three(dir.path(), true);
    let id_a = draft(&a);
    let start: jiff::Timestamp = a
        .db
        .conn()
        .query_row(
            "SELECT e.start_at FROM event e JOIN announcement n ON n.event_id = e.id WHERE n.id = ?1",
            [id_a],
            |r| r.get::<_, String>(0),
        )
        .unwrap()
        .parse()
        .unwrap();
    let _days_before = clock::set(start - jiff::SignedDuration::from_hours(24 * 5));
    let scheduled = schedule::schedule(
        &a.db,
        &ScheduleRequest {
            announcement_id: id_a,
            when: ScheduleWhen::DayBefore {
                time: "10:00".into(),
            },
            again: false,
        },
    )
    .unwrap()
    .schedule
    .unwrap();
    settle(&[&a, &b, &c]);
    let id_b = local_id_of_same(&b, "Branch meeting");
    let on_b = store::get(&b.db, id_b).unwrap().schedule;
    assert_eq!(
        on_b.as_ref().map(|s| s.at.clone()),
        Some(scheduled.at.clone()),
        "the schedule travelled to Ben's laptop with the announcement"
    );
    drop(_days_before);

    let _due = clock::set(
        scheduled.at.parse::<jiff::Timestamp>().unwrap() + jiff::SignedDuration::from_mins(1),
    );
    assert_eq!(
        schedule::check(&b.db).unwrap().due.len(),
        1,
        "on Ben's laptop it is due too"
    );
    assert!(
        matches!(
            schedule::queue_due(&a.db, id_a).unwrap(),
            DueStart::Queued(_)
        ),
        "Ana's laptop queues it first, after claiming it"
    );
    carry_all(&[&a, &b, &c]);
    let on_ben = schedule::queue_due(&b.db, id_b);
    match &on_ben {
        Err(e) => assert!(
            e.message.contains("Ana's laptop"),
            "Ben's laptop, having read Ana's claim, is refused, naming who sends: {}",
            e.message
        ),
        Ok(other) => panic!("Ben's laptop must not queue it a second time: {other:?}"),
    }
    assert_eq!(
        b.db.conn()
            .query_row(
                "SELECT count(*) FROM delivery WHERE announcement_id = ?1",
                [id_b],
                |r| r.get::<_, i64>(0)
            )
            .unwrap(),
        0,
        "Ben's laptop queued nobody"
    );
    // Once Ana's laptop has written its queue, the others see it queued: no longer due anywhere.
    a.sync();
    carry_all(&[&a, &b, &c]);
    b.sync();
    assert!(
        schedule::check(&b.db).unwrap().due.is_empty(),
        "on Ben's laptop it is no longer due once Ana's queue arrived"
    );
}
