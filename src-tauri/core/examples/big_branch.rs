//! Makes a big branch for the window benchmarks (issue 24): by default 10,000
//! upcoming and 2,000 past events at 200 venues (nine in ten announced, each
//! with a description of about 900 characters), 100,000 subscribers on one
//! list (imported as a sign-up sheet would be), and 500 organizations with
//! three contacts each. Seeded: the same arguments make the same branch.
//! Everything goes through the core's own functions, in one transaction per
//! part, into a real (encrypted, unless HANDBILL_ENCRYPT=0) SQLite file.
//!
//! Usage: big_branch DB.sqlite [--events N] [--past N] [--people N] [--orgs N] [--seed N]

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use handbill_core::coalition::organizations::{
    self, ContactInput, OrganizationInput, OrganizationKind,
};
use handbill_core::events::venues::{self, VenueInput};
use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::mail::import::{self, ImportOptions};
use handbill_core::{branch, mail::lists, Database};

/// A small, seeded generator (xorshift64*): enough to vary names and dates.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

const FIRST: [&str; 16] = [
    "Ana", "Omar", "Layla", "Marcus", "Keisha", "Diego", "Mei", "Tariq", "Rosa", "Jamal", "Priya",
    "Sean", "Fatima", "Luis", "Grace", "Nadia",
];
const LAST: [&str; 16] = [
    "Garcia", "Khalil", "Haddad", "Johnson", "Williams", "Nguyen", "Okafor", "Rivera", "Chen",
    "Murphy", "Patel", "Santos", "Kowalski", "Brown", "Ahmed", "Lopez",
];
const TOPICS: [&str; 12] = [
    "Housing Justice",
    "Stop the Deportations",
    "Fund Schools Not Prisons",
    "Labor Solidarity",
    "Climate Jobs Now",
    "Free Palestine",
    "Tenants Unite",
    "Medicare for All",
    "Defend Abortion Rights",
    "Transit for All",
    "Union Busting Must End",
    "Books Not Bombs",
];
const CITIES: [&str; 8] = [
    "Boston, MA 02118",
    "Cambridge, MA 02139",
    "Somerville, MA 02143",
    "Chelsea, MA 02150",
    "Dorchester, MA 02124",
    "Jamaica Plain, MA 02130",
    "Lynn, MA 01901",
    "Worcester, MA 01608",
];
const PARAGRAPH: &str = "Join us to talk about where the movement stands and what we can do next. \
We will hear from organizers who have been on the front lines, share what has worked in our \
neighbourhoods, and plan the next steps together. Bring a friend, a coworker, a neighbour: \
everyone is welcome, and there will be time for questions and for getting to know each other. \
Childcare and food will be provided; the room is wheelchair accessible. If you need \
interpretation or any other accommodation, write to us a few days before and we will arrange \
it. Afterwards we will head to a café nearby for those who want to keep talking. ";

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} takes a number"))
        })
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1).filter(|a| !a.starts_with("--")) else {
        eprintln!("usage: big_branch DB.sqlite [--events N] [--past N] [--people N] [--orgs N] [--seed N]");
        std::process::exit(2);
    };
    let upcoming = arg(&args, "--events", 10_000);
    let past = arg(&args, "--past", 2_000);
    let people = arg(&args, "--people", 100_000);
    let orgs = arg(&args, "--orgs", 500);
    let mut rng = Rng(arg(&args, "--seed", 2027) as u64 | 1);
    let path = std::path::Path::new(path);
    if path.exists() {
        eprintln!(
            "{} exists: big_branch makes a new branch only",
            path.display()
        );
        std::process::exit(2);
    }
    let started = Instant::now();
    handbill_core::db::keys::access(path)
        .expect("the branch's key is ready (set HANDBILL_PASSPHRASE or HANDBILL_ENCRYPT=0)");
    let db = Database::open(path).expect("the database opens");
    branch::set_field(&db, "name", "Greater Boston Coalition").unwrap();
    branch::set_field(&db, "time_zone", "America/New_York").unwrap();
    branch::set_field(&db, "city", "Boston, MA").unwrap();

    let conn = || db.conn();
    conn().execute_batch("BEGIN").unwrap();
    let venue_ids: Vec<i64> = (0..200)
        .map(|i| {
            venues::create_venue(
                &db,
                VenueInput {
                    name: format!("{} Hall {}", rng.pick(&LAST), i + 1),
                    room: if i % 3 == 0 {
                        String::new()
                    } else {
                        format!("Room {}", 100 + i)
                    },
                    address: format!("{} {} St", 10 + rng.below(900), rng.pick(&LAST)),
                    city: rng.pick(&CITIES).to_owned(),
                    accessibility: String::new(),
                },
            )
            .expect("a venue is saved")
            .id
        })
        .collect();
    // Today in Boston: upcoming events over the next three years, past ones
    // over the two before.
    let today = handbill_core::clock::now()
        .to_zoned(jiff::tz::TimeZone::get("America/New_York").unwrap())
        .date();
    let total = upcoming + past;
    for i in 0..total {
        let days = if i < upcoming {
            1 + (i as i64 * 1095) / upcoming.max(1) as i64
        } else {
            -1 - ((i - upcoming) as i64 * 730) / past.max(1) as i64
        };
        let date = today.checked_add(jiff::Span::new().days(days)).unwrap();
        let hour = 17 + rng.below(4);
        let kind = EventKind::ALL[rng.below(EventKind::ALL.len())];
        let topic = rng.pick(&TOPICS);
        let event = events::create(
            &db,
            EventInput {
                title: format!("{topic} — {} #{}", kind.label(), i + 1),
                kind,
                description: format!("{PARAGRAPH}{PARAGRAPH}")[..900]
                    .trim_end()
                    .to_owned(),
                start_date: date.to_string(),
                start_time: format!("{hour}:00"),
                end_date: String::new(),
                end_time: format!("{}:00", hour + 2),
                time_zone: "America/New_York".into(),
                venue_id: Some(venue_ids[rng.below(venue_ids.len())]),
                hosts: "Greater Boston Coalition".into(),
                ..Default::default()
            },
        )
        .expect("an event is saved");
        if rng.below(10) != 0 {
            events::announce(&db, event.id).expect("the event is announced");
        }
    }
    for i in 0..orgs {
        organizations::create_organization(
            &db,
            OrganizationInput {
                name: format!(
                    "{} {} {}",
                    rng.pick(&TOPICS),
                    rng.pick(&["Union", "Network", "Alliance", "Committee"]),
                    i + 1
                ),
                short_name: String::new(),
                kind: [
                    OrganizationKind::Union,
                    OrganizationKind::StudentGroup,
                    OrganizationKind::CommunityOrganization,
                ][i % 3],
                website: format!("https://org{i}.example.org"),
                email: format!("info@org{i}.example.org"),
                phone: String::new(),
                notes: String::new(),
                tags: Vec::new(),
                contacts: (0..3)
                    .map(|c| ContactInput {
                        id: None,
                        name: format!("{} {}", rng.pick(&FIRST), rng.pick(&LAST)),
                        role: ["Chair", "Organizer", "Secretary"][c].into(),
                        email: format!("contact{c}@org{i}.example.org"),
                        phone: String::new(),
                    })
                    .collect(),
            },
        )
        .expect("an organization is saved");
    }
    conn().execute_batch("COMMIT").unwrap();
    let events_ms = started.elapsed().as_millis();

    // The subscribers, as a sign-up sheet imported into a list.
    let list = lists::create(&db, "Members").expect("the list is created");
    let mut csv = String::from("first_name,last_name,email,zip\n");
    for i in 0..people {
        csv.push_str(&format!(
            "{},{},person{i}@example.org,0{}\n",
            rng.pick(&FIRST),
            rng.pick(&LAST),
            2100 + rng.below(90)
        ));
    }
    let report = import::run(
        &db,
        "members.csv",
        csv.as_bytes(),
        &ImportOptions {
            list_id: list.id,
            mapping: Vec::new(),
            dry_run: false,
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("the subscribers import");
    import::checkpoint(&db).expect("the checkpoint runs");
    println!(
        "{}: {upcoming} upcoming and {past} past events, {orgs} organizations in {events_ms} ms; {} subscribers in {} ms",
        path.display(),
        report.imported,
        started.elapsed().as_millis() - events_ms
    );
}
