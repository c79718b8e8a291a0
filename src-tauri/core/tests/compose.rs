//! Composing announcements against a real SQLite file seeded with the demo
//! branch, every letter read back by an independent MIME parser
//! (`mail-parser`): templates fill from the event or tour, both parts decode
//! to the expected text, personal fields fill or fall back, headers name the
//! branch, the list and the subscriber, non-ASCII text is encoded and decodes
//! back, no line break in user text adds a header, the HTML carries nothing
//! executable, a flyer is attached as a valid PDF, and the preview is the
//! letter.

use std::path::{Path, PathBuf};

use handbill_core::events::{self, EventInput, EventKind};
use handbill_core::mail::announcements::{self, Content, Letters, Recipient, Template};
use handbill_core::{branch, clock, demo, mail::lists, Database, ErrorCode};
use mail_parser::{Message, MessageParser, MimeHeaders};

fn open() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("compose.sqlite")).expect("a new database opens");
    demo::load(&db).expect("the demo branch loads");
    (dir, db)
}

/// Now, for a test whose letters are about the demo's rally still to come
/// (its calendar file is attached only until the rally is over): a day in
/// December 2026, whatever the computer's clock says.
fn before_the_rally() -> clock::Set {
    clock::set("2026-12-05T12:00:00Z".parse().unwrap())
}

fn event_id(db: &Database, title_start: &str) -> i64 {
    events::all(db)
        .unwrap()
        .into_iter()
        .find(|e| e.title.starts_with(title_start))
        .unwrap_or_else(|| panic!("the demo has an event titled “{title_start}…”"))
        .id
}

fn list_id(db: &Database) -> i64 {
    lists::find(db, "Announcements")
        .expect("the demo has the Announcements list")
        .id
}

fn content(db: &Database, event: Option<i64>, tour: Option<i64>, template: Template) -> Content {
    let (subject, body) =
        announcements::draft(db, event, tour, template).expect("the template drafts");
    Content {
        announcement_id: 7,
        event_id: event,
        tour_id: tour,
        template,
        list_id: list_id(db),
        subject,
        body,
        attach_flyer: false,
    }
}

fn ana() -> Recipient {
    Recipient {
        subscriber_id: 41,
        email: "ana.alvarez@example.org".into(),
        name: "Ana Alvarez".into(),
        first_name: "Ana".into(),
        language: "en".into(),
    }
}

fn letter(db: &Database, content: &Content, to: &Recipient) -> Vec<u8> {
    announcements::prepare(db, content)
        .expect("the announcement prepares")
        .letter(to)
        .expect("the letter is written")
}

fn parse(bytes: &[u8]) -> Message<'_> {
    MessageParser::default()
        .parse(bytes)
        .expect("mail-parser reads the letter")
}

fn text_of(bytes: &[u8]) -> String {
    parse(bytes)
        .body_text(0)
        .expect("the letter has a text part")
        .replace("\r\n", "\n")
}

/// The raw header block, up to the first blank line.
fn head(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.split("\r\n\r\n").next().unwrap().to_owned()
}

/// The names of the message's own headers, in order.
fn header_names(bytes: &[u8]) -> Vec<String> {
    head(bytes)
        .split("\r\n")
        .filter(|l| !l.starts_with([' ', '\t']))
        .filter_map(|l| l.split_once(':').map(|(n, _)| n.to_owned()))
        .collect()
}

const HEADERS: [&str; 13] = [
    "From",
    "Reply-To",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Id",
    "List-Unsubscribe",
    "Precedence",
    "Auto-Submitted",
    "X-Handbill-Recipient",
    "MIME-Version",
    "Content-Type",
];

/// Ana's signed unsubscribe address on the list: what the footer and List-Unsubscribe carry.
fn unsubscribe_of_ana(db: &Database, list: i64) -> String {
    format!(
        "boston+{}@example.org",
        announcements::keys::load(db).unwrap().token(list, 41)
    )
}

fn assert_contains(text: &str, parts: &[&str], what: &str) {
    for part in parts {
        assert!(text.contains(part), "{what} says “{part}”:\n{text}");
    }
}

/// Proves the new-event template fills the letter from the event: host,
/// title, kind, co-sponsors, date, place, the demand list with its intro and
/// numbers, and the call for co-sponsors.
#[test]
fn the_new_event_template_fills_from_the_rally() {
    let (_dir, db) = open();
    let rally = event_id(&db, "#Justice4Siham");
    let c = content(&db, Some(rally), None, Template::NewEvent);
    assert_eq!(
        c.subject, "1/30 Rally: #Justice4Siham & #Justice4Naseem Rally",
        "the subject is the listing's headline"
    );
    let text = text_of(&letter(&db, &c, &ana()));
    assert_contains(
        &text,
        &[
            "Dear Ana,",
            "ISO-Boston & Justice4Siham Coalition present:",
            "#Justice4Siham & #Justice4Naseem Rally\n---",
            "Rally · Co-sponsored by Justice4Siham Coalition",
            "When: Saturday, January 30, 2027 | 12:00 - 2:00 pm",
            "Where: JFK Federal Building, Room to be announced, 15 New Sudbury St, Boston, MA 02203",
            "Map: Open the map (https://www.openstreetmap.org/search?query=15+New+Sudbury+St%2C+Boston%2C+MA+02203)",
            "Siham Byah is a single mother",
            "#Justice4Siham & #Justice4Naseem demands",
            "In solidarity with Siham and Naseem, we demand that:",
            "1. The Massachusetts Department of Children and Families",
            "6. ICE immediately stop terrorizing our communities",
            "If your organization would like to co-sponsor this event, or join our efforts, please contact us: boston@example.org",
            "In solidarity,\nInternational Socialist Organization — Boston",
        ],
        "the rally's announcement",
    );
}

/// Proves speakers come with affiliation and credit, and the venue's
/// accessibility notes and the event's rules are said.
#[test]
fn the_panel_names_its_speakers_access_and_rules() {
    let (_dir, db) = open();
    let panel = event_id(&db, "Socialists in Solidarity with Syria");
    let text = text_of(&letter(
        &db,
        &content(&db, Some(panel), None, Template::NewEvent),
        &ana(),
    ));
    assert_contains(
        &text,
        &[
            "Speakers:",
            "- Yasser Munif (Emerson College), co-founder of the Global Campaign of Solidarity with the Syrian Revolution",
            "- Shireen Akram-Boshar (ISO)",
            "Where: Kenmore Classroom Building, Room to be announced, 565 Commonwealth Ave, Boston, MA 02215",
            "Accessibility: Kenmore Classroom Building is accessible and has gender neutral restrooms.",
            "Please note: No signs or flags will be permitted",
            "International Socialist Organization — Boston presents:",
        ],
        "the panel's announcement",
    );
}

/// Proves a date range, a donation link, an event page, a reading list and a
/// place still to be decided are all said.
#[test]
fn date_ranges_links_readings_and_unknown_places_are_said() {
    let (_dir, db) = open();
    let drive = text_of(&letter(
        &db,
        &content(
            &db,
            Some(event_id(&db, "Support Voices")),
            None,
            Template::NewEvent,
        ),
        &ana(),
    ));
    assert_contains(
        &drive,
        &[
            "When: From December 1, 2026 until February 10, 2027",
            "Donate (https://example.org/donate/cersc)",
        ],
        "the fund drive",
    );
    assert!(
        !drive.contains("Where:") && !drive.contains("Map:"),
        "a fund drive without a venue has no place line and no map:\n{drive}"
    );
    let metoo = text_of(&letter(
        &db,
        &content(&db, Some(event_id(&db, "#MeToo")), None, Template::NewEvent),
        &ana(),
    ));
    assert_contains(
        &metoo,
        &[
            "Where: Location to be announced",
            "Speaker: Sharon Smith, author of Women and Socialism: Class, Race and Capital",
            "To read before:",
            "- The silence is broken (https://example.org/sw/silence-is-broken) by Jen Roesch",
        ],
        "the #MeToo meeting",
    );
    assert!(
        !metoo.contains("Map:"),
        "a place still to be announced has no map link:\n{metoo}"
    );
}

/// Proves the reminder is short, and the rescheduled and cancelled templates
/// say what changed and why, from the event's history.
#[test]
fn reminder_rescheduled_and_cancelled_say_what_they_must() {
    let (_dir, db) = open();
    let rally = event_id(&db, "#Justice4Siham");
    let full = text_of(&letter(
        &db,
        &content(&db, Some(rally), None, Template::NewEvent),
        &ana(),
    ));
    let reminder_content = content(&db, Some(rally), None, Template::Reminder);
    assert!(
        reminder_content
            .subject
            .starts_with("Reminder: #Justice4Siham"),
        "the reminder's subject: {}",
        reminder_content.subject
    );
    let reminder = text_of(&letter(&db, &reminder_content, &ana()));
    assert_contains(
        &reminder,
        &[
            "A reminder:",
            "Saturday, January 30, 2027",
            "JFK Federal Building",
        ],
        "the reminder",
    );
    assert!(
        reminder.len() * 2 < full.len(),
        "the reminder is much shorter than the announcement ({} vs {} bytes)",
        reminder.len(),
        full.len()
    );

    let study = event_id(&db, "Left Organizing Tactics");
    let moved = content(&db, Some(study), None, Template::Rescheduled);
    assert!(
        moved
            .subject
            .starts_with("Rescheduled: Left Organizing Tactics"),
        "the rescheduled subject: {}",
        moved.subject
    );
    assert_contains(
        &text_of(&letter(&db, &moved, &ana())),
        &[
            "has been rescheduled",
            "New date: Thursday, January 14, 2027 | 7:00 - 9:00 pm",
            "Originally: Thursday, January 7, 2027",
            "Why: Cancelled due to the massive storm",
            "Event page (https://example.org/boston/events/united-front)",
        ],
        "the rescheduled study group",
    );

    let metoo = event_id(&db, "#MeToo");
    events::cancel(&db, metoo, "Our speaker is ill; we will set a new date.")
        .expect("the meeting is cancelled");
    let cancelled = content(&db, Some(metoo), None, Template::Cancelled);
    assert!(
        cancelled.subject.starts_with("Cancelled: #MeToo"),
        "the cancelled subject: {}",
        cancelled.subject
    );
    assert_contains(
        &text_of(&letter(&db, &cancelled, &ana())),
        &[
            "is cancelled",
            "Thursday, January 28, 2027",
            "Why: Our speaker is ill; we will set a new date.",
        ],
        "the cancelled meeting",
    );
}

/// Proves the co-sponsor invitation asks organizations, with the
/// invitation's own words on what co-sponsoring means, and names those
/// already on board.
#[test]
fn the_cosponsor_invitation_asks_organizations() {
    let (_dir, db) = open();
    let rally = event_id(&db, "#Justice4Siham");
    let c = content(&db, Some(rally), None, Template::CosponsorInvitation);
    assert_eq!(
        c.subject, "Invitation to co-sponsor: #Justice4Siham & #Justice4Naseem Rally",
        "the invitation's subject"
    );
    let text = text_of(&letter(&db, &c, &ana()));
    assert_contains(
        &text,
        &[
            "Dear Ana,",
            "ISO-Boston invites your organization to co-sponsor our upcoming rally:",
            "Already co-sponsoring: Justice4Siham Coalition.",
            "What co-sponsoring means: your organization is named as a co-sponsor",
            "In solidarity with Siham and Naseem, we demand that:",
            "write to boston@example.org",
        ],
        "the invitation",
    );
}

/// Proves a tour's announcement names every stop, with the one still to be
/// announced, and its speaker.
#[test]
fn a_tour_announcement_names_every_stop() {
    let (_dir, db) = open();
    let tour = events::list_tours(&db).unwrap()[0].id;
    for template in Template::ALL.into_iter().filter(|t| !t.is_follow_up()) {
        let c = content(&db, None, Some(tour), template);
        let text = text_of(&letter(&db, &c, &ana()));
        assert_contains(
            &text,
            &[
                "Tuesday, March 2, 2027 | 6:00 - 8:00 pm — Harvard Science Center, Hall C",
                "Thursday, March 4, 2027",
                "Boston University",
                "- Date and place coming soon\n",
            ],
            &format!("the tour's {} announcement", template.as_str()),
        );
    }
    let text = text_of(&letter(
        &db,
        &content(&db, None, Some(tour), Template::NewEvent),
        &ana(),
    ));
    assert_contains(
        &text,
        &[
            "Speaking tour",
            "Keeanga-Yamahtta Taylor, author of From #BlackLivesMatter to Black Liberation",
        ],
        "the tour's announcement",
    );
}

/// Proves each part decodes to exactly the expected text: the plain part is
/// the Markdown read as text with the footer, the HTML part the rendered
/// Markdown in the page, both UTF-8 and quoted-printable.
#[test]
fn both_parts_decode_to_the_expected_text() {
    let _now = before_the_rally();
    let (_dir, db) = open();
    let mut c = content(
        &db,
        Some(event_id(&db, "#Justice4Siham")),
        None,
        Template::NewEvent,
    );
    c.subject = "Soirée de solidarité".into();
    c.body = "Hello {{first_name}},\n\n**Bring** a friend — *and* a sign.\n\n- one\n- two".into();
    let bytes = letter(&db, &c, &ana());
    let m = parse(&bytes);
    let list = lists::find(&db, "Announcements").unwrap().id;
    assert_eq!(
        text_of(&bytes),
        format!(
            "Hello Ana,\n\nBring a friend — and a sign.\n\n- one\n- two\n\n\
             Add it to your calendar: open the attached file justice4siham-justice4naseem-rally-jan-30.ics.\n\n-- \nInternational Socialist Organization — Boston · https://example.org/boston\n\
             You receive this email because you are on the list “Announcements”. Reply to write to us at boston@example.org.\n\
             To unsubscribe, send an email to {} (or reply with “unsubscribe”).\n",
            unsubscribe_of_ana(&db, list)
        ),
        "the text part is the Markdown as text, then the footer (list {list})"
    );
    let html = m.body_html(0).unwrap();
    assert_contains(
        &html,
        &[
            "<p style=\"margin:0 0 16px;\">Hello Ana,</p>",
            "<strong>Bring</strong> a friend — <em>and</em> a sign.",
            "<li style=\"margin:0 0 6px;\">one</li>",
            "International Socialist Organization — Boston</td>",
            &format!(
                "mailto:{}?subject=unsubscribe",
                unsubscribe_of_ana(&db, list)
            ),
        ],
        "the HTML part",
    );
    let raw = String::from_utf8(bytes.clone()).expect("the letter is ASCII");
    assert!(
        raw.is_ascii(),
        "every byte of the letter is ASCII: non-ASCII text is encoded"
    );
    assert!(
        raw.contains("Content-Type: multipart/alternative;"),
        "the letter is multipart/alternative"
    );
    let plain_at = raw
        .find("Content-Type: text/plain; charset=utf-8")
        .expect("a UTF-8 text/plain part");
    let html_at = raw
        .find("Content-Type: text/html; charset=utf-8")
        .expect("a UTF-8 text/html part");
    assert!(
        plain_at < html_at,
        "the plain part comes first, so mail programs prefer the HTML"
    );
    assert_eq!(
        raw.matches("Content-Transfer-Encoding: quoted-printable")
            .count(),
        3,
        "both parts are quoted-printable, and so is the calendar file"
    );
    let body = raw.split_once("\r\n\r\n").unwrap().1;
    assert!(
        body.split("\r\n").all(|l| l.len() <= 76),
        "no line of the parts is longer than quoted-printable's 76 characters"
    );
    for name in [
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "List-Id",
        "List-Unsubscribe",
    ] {
        let line = head(&bytes)
            .split("\r\n")
            .skip_while(|l| !l.starts_with(&format!("{name}:")))
            .take_while(|l| l.starts_with(&format!("{name}:")) || l.starts_with(' '))
            .map(str::len)
            .max()
            .unwrap();
        assert!(line <= 78, "the {name} header is folded to 78 characters");
    }
    assert!(
        !raw.contains("\n\n")
            && !raw.replace("\r\n", "").contains('\n')
            && !raw.replace("\r\n", "").contains('\r'),
        "every line ends in CRLF"
    );
}

/// Proves personal fields fill from the recipient, fall back when empty, are
/// dropped cleanly without a fallback, and are escaped in the HTML part; an
/// unknown field is refused naming the body.
#[test]
fn personal_fields_fill_fall_back_and_escape() {
    let (_dir, db) = open();
    let mut c = content(
        &db,
        Some(event_id(&db, "#Justice4Siham")),
        None,
        Template::NewEvent,
    );
    c.body =
        "Dear {{first_name|friend}},\n\nHi {{first_name}}! You are {{name}} ({{email}}).".into();
    c.subject = "News for {{first_name|you}}".into();
    let prepared = announcements::prepare(&db, &c).unwrap();

    let with = prepared.letter(&ana()).unwrap();
    assert_eq!(
        parse(&with).subject(),
        Some("News for Ana"),
        "the subject is personal too"
    );
    assert!(
        text_of(&with)
            .starts_with("Dear Ana,\n\nHi Ana! You are Ana Alvarez (ana.alvarez@example.org)."),
        "values fill: {}",
        text_of(&with)
    );

    let nameless = Recipient {
        name: String::new(),
        first_name: String::new(),
        ..ana()
    };
    let without = prepared.letter(&nameless).unwrap();
    assert_eq!(
        parse(&without).subject(),
        Some("News for you"),
        "the subject falls back"
    );
    assert!(
        text_of(&without).starts_with("Dear friend,\n\nHi! You are (ana.alvarez@example.org)."),
        "fallbacks and clean drops: {}",
        text_of(&without)
    );
    assert_eq!(
        parse(&without).to().unwrap().first().unwrap().name(),
        None,
        "a recipient without a name gets a bare address"
    );

    let tricky = Recipient {
        name: "<b>Ana & Co</b>".into(),
        first_name: "<script>x</script>".into(),
        ..ana()
    };
    let escaped = prepared.letter(&tricky).unwrap();
    let html = parse(&escaped).body_html(0).unwrap().into_owned();
    assert!(
        html.contains("Dear &lt;script&gt;x&lt;/script&gt;,")
            && html.contains("You are &lt;b&gt;Ana &amp; Co&lt;/b&gt;"),
        "values are escaped in HTML: {html}"
    );
    assert!(
        text_of(&escaped).contains("You are <b>Ana & Co</b>"),
        "and kept as typed in the text part"
    );

    c.body = "Dear {{firstname}},".into();
    let err = announcements::prepare(&db, &c).expect_err("an unknown field is refused");
    assert_eq!(
        (err.code, err.fields[0].field.as_str()),
        (ErrorCode::Invalid, "body"),
        "the refusal names the body: {}",
        err.message
    );
}

/// Proves the headers: From and Reply-To from the branch profile, the
/// subscriber in To, List-Id naming the list, List-Unsubscribe with an address
/// that identifies the subscriber, a Message-ID stable across two prepares and
/// distinct per recipient, and the Date the announcement was prepared.
#[test]
fn headers_name_the_branch_the_list_and_the_subscriber() {
    let (_dir, db) = open();
    let c = content(
        &db,
        Some(event_id(&db, "#Justice4Siham")),
        None,
        Template::NewEvent,
    );
    let list = list_id(&db);
    let at: jiff::Timestamp = "2027-01-20T15:04:05Z".parse().unwrap();
    let bytes = announcements::prepare_at(&db, &c, at)
        .unwrap()
        .letter(&ana())
        .unwrap();
    let m = parse(&bytes);
    assert_eq!(
        header_names(&bytes),
        HEADERS,
        "the letter has these headers, in this order"
    );
    let from = m.from().unwrap().first().unwrap();
    assert_eq!(
        (from.name(), from.address()),
        (
            Some("International Socialist Organization — Boston"),
            Some("boston@example.org")
        ),
        "From is the branch"
    );
    let reply = m.reply_to().unwrap().first().unwrap();
    assert_eq!(
        reply.address(),
        Some("boston@example.org"),
        "Reply-To is the branch's contact"
    );
    let to = m.to().unwrap().first().unwrap();
    assert_eq!(
        (to.name(), to.address()),
        (Some("Ana Alvarez"), Some("ana.alvarez@example.org")),
        "To is the subscriber"
    );
    assert_eq!(
        m.header_raw("List-Id").unwrap().trim(),
        format!("Announcements <announcements.{list}.example.org>"),
        "List-Id names the list"
    );
    assert_eq!(
        m.header_raw("List-Unsubscribe").unwrap().trim(),
        format!("<mailto:{}>", unsubscribe_of_ana(&db, list)),
        "List-Unsubscribe carries the subscriber's signed token for the list"
    );
    assert!(
        m.header_raw("List-Unsubscribe-Post").is_none(),
        "no one-click POST without an https address"
    );
    assert_eq!(
        m.date().unwrap().to_timestamp(),
        at.as_second(),
        "Date is when the announcement was prepared"
    );
    assert_eq!(
        m.header_raw("MIME-Version").unwrap().trim(),
        "1.0",
        "MIME-Version is 1.0"
    );

    let id = m.message_id().unwrap().to_owned();
    let (left, domain) = id.split_once('@').expect("a Message-ID has a domain");
    assert_eq!(
        domain, "example.org",
        "the Message-ID's domain is the From address's"
    );
    let part = announcements::keys::load(&db).unwrap().message_id_part;
    assert!(
        left.starts_with("a7.s41.") && left.ends_with(&format!(".{part}")) && left.len() == "a7.s41.".len() + 12 + 1 + part.len(),
        "the Message-ID names announcement and subscriber, and ends with the branch's random part: {id}"
    );
    let again = announcements::prepare(&db, &c)
        .unwrap()
        .letter(&ana())
        .unwrap();
    assert_eq!(
        parse(&again).message_id(),
        Some(id.as_str()),
        "the Message-ID is stable across two prepares"
    );
    let ben = Recipient {
        subscriber_id: 42,
        email: "ben.brooks@example.org".into(),
        name: "Ben Brooks".into(),
        first_name: "Ben".into(),
        language: "en".into(),
    };
    let other = announcements::prepare(&db, &c)
        .unwrap()
        .letter(&ben)
        .unwrap();
    assert_ne!(
        parse(&other).message_id(),
        Some(id.as_str()),
        "another recipient gets another Message-ID"
    );
    let later = Content {
        announcement_id: 8,
        ..c.clone()
    };
    assert_ne!(
        parse(&letter(&db, &later, &ana())).message_id(),
        Some(id.as_str()),
        "another announcement gets another Message-ID"
    );
    assert_eq!(
        announcements::prepare(&db, &c)
            .unwrap()
            .envelope_from(&ana()),
        "boston@example.org",
        "the envelope sender is the branch until its provider is known to take plus addresses"
    );

    // The signed bounce token rides in a header every report quotes…
    let keys = handbill_core::mail::announcements::keys::load(&db).unwrap();
    let bounce = handbill_core::mail::announcements::keys::Purpose::Bounce;
    let bytes = letter(&db, &c, &ana());
    let m = parse(&bytes);
    let header = m
        .header_raw("X-Handbill-Recipient")
        .unwrap()
        .trim()
        .to_owned();
    let tokens = keys.tokens_for(bounce, &header);
    assert_eq!(
        tokens.iter().map(|t| t.subscriber_id).collect::<Vec<_>>(),
        vec![ana().subscriber_id],
        "the header names Ana, signed: {header}"
    );
    // …and, once the probe found plus addresses delivered, in the return path.
    handbill_core::mail::mailbox::account::save(
        &db,
        &handbill_core::mail::mailbox::ImapAccount {
            host: "127.0.0.1".into(),
            port: 143,
            security: handbill_core::mail::announcements::Security::Plain,
            username: "boston".into(),
            folder: "INBOX".into(),
            handled_folder: "Handbill/Handled".into(),
        },
    )
    .unwrap();
    db.conn()
        .execute("UPDATE mailbox_account SET plus_addressing = 1", [])
        .unwrap();
    let envelope = announcements::prepare(&db, &c)
        .unwrap()
        .envelope_from(&ana());
    assert_eq!(
        envelope,
        format!("boston+{header}@example.org"),
        "each message's return path carries its own token"
    );
    assert_eq!(keys.tokens_for(bounce, &envelope).len(), 1);
}

/// Proves non-ASCII names, list names and subjects are RFC 2047 encoded (the
/// header block is pure ASCII, long lines folded) and decode back as typed.
#[test]
fn non_ascii_names_and_subjects_are_encoded_and_decode_back() {
    let (_dir, db) = open();
    let mut c = content(
        &db,
        Some(event_id(&db, "#Justice4Siham")),
        None,
        Template::NewEvent,
    );
    let subject = "¡Manifestación por Siham y Naseem! Únete el sábado 30 de enero en el Edificio Federal JFK — “todos”";
    c.subject = subject.into();
    let lucia = Recipient {
        subscriber_id: 12,
        email: "lucia.gomes@example.org".into(),
        name: "Lucía Gomes-Ñúñez".into(),
        first_name: "Lucía".into(),
        language: "es".into(),
    };
    let bytes = letter(&db, &c, &lucia);
    let head = head(&bytes);
    assert!(head.is_ascii(), "the header block is ASCII");
    assert!(
        head.contains("=?utf-8?"),
        "non-ASCII text is in RFC 2047 encoded words:\n{head}"
    );
    // lettre starts an encoded word right after the header's name, so a
    // first line may reach 81 characters; every line stays far within
    // RFC 5322's limit of 998.
    assert!(
        head.split("\r\n").all(|l| l.len() <= 82),
        "long headers are folded:\n{head}"
    );
    assert!(
        head.split("\r\n").filter(|l| l.starts_with(' ')).count() >= 2,
        "the long subject is folded onto continuation lines:\n{head}"
    );
    let m = parse(&bytes);
    assert_eq!(m.subject(), Some(subject), "the subject decodes back");
    assert_eq!(
        m.to().unwrap().first().unwrap().name(),
        Some("Lucía Gomes-Ñúñez"),
        "the name decodes back"
    );
    assert_eq!(
        m.from().unwrap().first().unwrap().name(),
        Some("International Socialist Organization — Boston"),
        "the branch's name decodes back"
    );
    assert!(
        text_of(&bytes).contains("Dear Lucía,"),
        "the first name fills the body"
    );

    let spanish = lists::create(&db, "Anuncios — “español”").expect("a list with a non-ASCII name");
    let bytes = letter(
        &db,
        &Content {
            list_id: spanish.id,
            ..c.clone()
        },
        &lucia,
    );
    assert!(
        String::from_utf8_lossy(&bytes).is_ascii(),
        "the letter with a non-ASCII list name is ASCII"
    );
    let list_id = parse(&bytes)
        .list_id()
        .as_address()
        .and_then(|a| a.first())
        .map(|a| (a.name().map(str::to_owned), a.address().map(str::to_owned)));
    assert_eq!(
        list_id,
        Some((
            Some("Anuncios — “español”".to_owned()),
            Some(format!("anuncios-espa-ol.{}.example.org", spanish.id))
        )),
        "the list's name decodes back from List-Id"
    );
}

/// Proves a subject typed with a line break is refused naming the field, and
/// that line breaks in an event title, a subscriber's name or first name
/// never add a header: the letter keeps exactly its own headers.
#[test]
fn line_breaks_in_user_text_cannot_add_a_header() {
    let (_dir, db) = open();
    let mut c = content(
        &db,
        Some(event_id(&db, "#Justice4Siham")),
        None,
        Template::NewEvent,
    );
    c.subject = "Rally\r\nBcc: everyone@example.net".into();
    let err = announcements::prepare(&db, &c).expect_err("a subject with a line break is refused");
    assert_eq!(
        (err.code, err.fields[0].field.as_str()),
        (ErrorCode::Invalid, "subject"),
        "the refusal names the subject: {}",
        err.message
    );

    let title = "Rally\r\nBcc: everyone@example.net\r\nX-Injected: yes";
    let e = events::create(
        &db,
        EventInput {
            title: title.into(),
            kind: EventKind::Rally,
            start_date: "2027-05-01".into(),
            start_time: "12:00".into(),
            end_time: "14:00".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .expect("the event is saved as typed");
    let c = content(&db, Some(e.id), None, Template::NewEvent);
    assert!(
        !c.subject.contains(['\r', '\n']),
        "the drafted subject is one line: {:?}",
        c.subject
    );
    let sneaky = Recipient {
        name: "Ana\r\nBcc: everyone@example.net".into(),
        first_name: "Ana\nX-Injected: yes".into(),
        ..ana()
    };
    let bytes = letter(&db, &c, &sneaky);
    assert_eq!(header_names(&bytes), HEADERS, "no header was added");
    let m = parse(&bytes);
    assert!(
        m.header_raw("Bcc").is_none() && m.header_raw("X-Injected").is_none(),
        "mail-parser finds no injected header"
    );
    assert_eq!(
        m.to().unwrap().first().unwrap().address(),
        Some("ana.alvarez@example.org"),
        "the letter goes to its one recipient"
    );
    assert_eq!(
        m.subject(),
        Some("5/1 Rally: Rally Bcc: everyone@example.net X-Injected: yes"),
        "the title is in the subject on one line"
    );
}

/// Proves no script, event-handler attribute or `javascript:` address typed
/// into the Markdown — or into a subscriber's name — reaches the HTML part.
#[test]
fn the_html_part_carries_nothing_executable() {
    let (_dir, db) = open();
    let mut c = content(
        &db,
        Some(event_id(&db, "#Justice4Siham")),
        None,
        Template::NewEvent,
    );
    c.body = "Hi {{name}}\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)> <a href=\"javascript:alert(3)\" onclick=\"alert(4)\">a</a>\n\n\
              [click](javascript:alert(5)) [data](data:text/html;base64,PHNjcmlwdD4=) <svg onload=alert(6)></svg>\n\n\
              <iframe src=\"https://evil.example\"></iframe><div style=\"background:url(javascript:alert(7))\" onmouseover=\"alert(8)\">x</div>\n\n\
              <form action=\"https://evil.example\"><input onfocus=alert(9) autofocus></form>"
        .into();
    let evil = Recipient {
        name: "<script>alert(10)</script><img src=x onerror=alert(11)>".into(),
        ..ana()
    };
    let html = parse(&letter(&db, &c, &evil))
        .body_html(0)
        .unwrap()
        .to_lowercase();
    assert!(!html.contains("<script"), "no script element: {html}");
    assert!(
        !html.contains("javascript:"),
        "no javascript: address: {html}"
    );
    assert!(!html.contains("data:text/html"), "no data: address: {html}");
    assert!(
        !html.contains("<iframe")
            && !html.contains("<form")
            && !html.contains("<input")
            && !html.contains("<svg"),
        "no frame, form or svg: {html}"
    );
    for tag in html.split('<').skip(1) {
        let inside = tag.split('>').next().unwrap_or("");
        for attribute in inside.split_whitespace().skip(1) {
            assert!(
                !attribute.starts_with("on"),
                "no event-handler attribute: <{inside}>"
            );
        }
    }
}

/// Proves an attached flyer is the event's PDF: the letter becomes
/// multipart/mixed, the attachment is application/pdf with a file name from
/// the title, and qpdf finds the PDF sound.
#[test]
fn the_flyer_is_attached_as_a_valid_pdf() {
    let _now = before_the_rally();
    let (dir, db) = open();
    let mut c = content(
        &db,
        Some(event_id(&db, "#Justice4Siham")),
        None,
        Template::NewEvent,
    );
    c.attach_flyer = true;
    let prepared = announcements::prepare(&db, &c).unwrap();
    let bytes = prepared.letter(&ana()).unwrap();
    let m = parse(&bytes);
    assert!(
        head(&bytes).contains("Content-Type: multipart/mixed;"),
        "a letter with a flyer is multipart/mixed"
    );
    assert!(
        m.body_text(0).unwrap().contains("Dear Ana,") && m.body_html(0).is_some(),
        "both text parts are still there"
    );
    // (The logo is a part the HTML shows, inline, not an attachment.)
    let attachments: Vec<_> = m
        .attachments()
        .filter(|a| {
            a.content_disposition()
                .is_some_and(|d| d.ctype() == "attachment")
        })
        .collect();
    let names: Vec<_> = attachments
        .iter()
        .filter_map(|a| a.attachment_name())
        .collect();
    assert_eq!(
        names,
        [
            "justice4siham-justice4naseem-rally-jan-30.pdf",
            "justice4siham-justice4naseem-rally-jan-30.ics"
        ],
        "the flyer, then the event's calendar file"
    );
    let pdf = attachments[0];
    assert_eq!(
        pdf.attachment_name(),
        Some("justice4siham-justice4naseem-rally-jan-30.pdf"),
        "the file is named after the event and its day"
    );
    let media = pdf.content_type().unwrap();
    assert_eq!(
        (media.ctype(), media.subtype()),
        ("application", Some("pdf")),
        "the attachment is a PDF"
    );
    assert!(
        pdf.contents().starts_with(b"%PDF-"),
        "the attachment starts like a PDF"
    );
    assert_eq!(
        prepared.attachments().first().copied(),
        Some((
            "justice4siham-justice4naseem-rally-jan-30.pdf",
            pdf.contents().len()
        )),
        "the prepared size is the attached size"
    );
    let path = dir.path().join("flyer.pdf");
    std::fs::write(&path, pdf.contents()).unwrap();
    match std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
    {
        Ok(out) => assert!(
            out.status.success(),
            "qpdf --check passes: {}",
            String::from_utf8_lossy(&out.stdout)
        ),
        Err(e) => eprintln!("qpdf is not installed ({e}); the PDF was checked by its header only"),
    }

    let mut tour = content(
        &db,
        None,
        Some(events::list_tours(&db).unwrap()[0].id),
        Template::NewEvent,
    );
    tour.attach_flyer = true;
    let poster = parse(&letter(&db, &tour, &ana()))
        .attachments()
        .find(|a| a.attachment_name().is_some_and(|n| n.ends_with(".pdf")))
        .map(|a| a.contents().starts_with(b"%PDF-"));
    assert_eq!(
        poster,
        Some(true),
        "a tour's announcement attaches its poster"
    );
}

/// Proves the branch's logo heads the HTML mail: the HTML and the logo
/// travel together as multipart/related, the image above the branch's name
/// names its part by Content-ID, the part is a small image drawn at twice
/// the size the HTML shows it, its alt text is the branch's name, and a
/// branch without a logo sends no image at all.
#[test]
fn the_logo_heads_the_html_mail() {
    let (_dir, db) = open();
    let c = content(
        &db,
        Some(event_id(&db, "#Justice4Siham")),
        None,
        Template::NewEvent,
    );
    let bytes = letter(&db, &c, &ana());
    let raw = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        raw.contains("Content-Type: multipart/related;"),
        "the HTML and its logo are one multipart/related part"
    );
    let m = parse(&bytes);
    let html = m.body_html(0).unwrap().into_owned();
    let img = html
        .split("<img ")
        .nth(1)
        .and_then(|r| r.split('>').next())
        .expect("the HTML shows an image")
        .to_owned();
    let attribute = |name: &str| {
        img.split(&format!("{name}=\""))
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_else(|| panic!("the image has {name}: {img}"))
            .to_owned()
    };
    assert_eq!(
        attribute("alt"),
        "International Socialist Organization — Boston",
        "its alt text is the branch's name"
    );
    assert!(
        html.find("<img ") < html.find(">International Socialist Organization — Boston</td>"),
        "the logo heads the card, above the branch's name"
    );
    let cid = attribute("src")
        .strip_prefix("cid:")
        .expect("the image is the letter's own part")
        .to_owned();
    let part = m
        .parts
        .iter()
        .find(|p| p.content_id() == Some(cid.as_str()))
        .expect("a part carries the image's Content-ID");
    let media = part.content_type().unwrap();
    assert_eq!(media.ctype(), "image", "the logo part is an image");
    let picture = image::load_from_memory(part.contents()).expect("the logo part decodes");
    let (width, height): (u32, u32) = (
        attribute("width").parse().unwrap(),
        attribute("height").parse().unwrap(),
    );
    assert!(
        width <= 200 && height <= 56 && (width == 56 || height == 56),
        "shown as large as fits 200 × 56: {width} × {height}"
    );
    assert_eq!(
        (picture.width(), picture.height()),
        (width * 2, height * 2),
        "drawn at twice the size shown"
    );
    assert!(
        part.contents().len() < 6 * 1024,
        "a few kilobytes in every letter: {} bytes",
        part.contents().len()
    );
    assert!(
        !m.attachments()
            .any(|a| a.attachment_name().is_some_and(|n| n.ends_with(".png"))
                && a.content_disposition()
                    .is_some_and(|d| d.ctype() == "attachment")),
        "the logo is inline, not an attachment"
    );

    branch::clear_logo(&db).unwrap();
    let without = letter(&db, &c, &ana());
    let raw = String::from_utf8(without.clone()).unwrap();
    assert!(
        !raw.contains("multipart/related") && !raw.contains("<img"),
        "a branch without a logo sends no image"
    );
}

/// Proves each letter about an event still to come carries its calendar
/// file for "Add to calendar": a text/calendar attachment named after the
/// event, read by the `icalendar` parser with the event's UID, SEQUENCE and
/// title, said in the text and the HTML (in the reader's language); a
/// tour's letter carries its dated stops; and a follow-up, or a letter
/// about an event already over, carries none.
#[test]
fn each_letter_about_an_upcoming_event_has_its_calendar_file() {
    let _now = before_the_rally();
    use icalendar::Component;
    let (_dir, db) = open();
    let rally = events::get(&db, event_id(&db, "#Justice4Siham")).unwrap();
    let c = content(&db, Some(rally.id), None, Template::Reminder);
    let bytes = letter(&db, &c, &ana());
    let m = parse(&bytes);
    let ics = m
        .attachments()
        .find(|a| a.attachment_name().is_some_and(|n| n.ends_with(".ics")))
        .expect("the letter carries a calendar file");
    assert_eq!(
        ics.attachment_name(),
        Some("justice4siham-justice4naseem-rally-jan-30.ics"),
        "named after the event and its day"
    );
    let media = ics.content_type().unwrap();
    assert_eq!(
        (media.ctype(), media.subtype()),
        ("text", Some("calendar")),
        "a text/calendar part"
    );
    let text = String::from_utf8(ics.contents().to_vec()).unwrap();
    let calendar: icalendar::Calendar = text.parse().expect("icalendar reads the file");
    let event = calendar
        .components
        .iter()
        .find_map(|c| c.as_event())
        .expect("the file holds the event");
    assert_eq!(
        (
            event.get_uid(),
            event.get_summary(),
            event.property_value("SEQUENCE")
        ),
        (
            Some(rally.uid.as_str()),
            Some(rally.title.as_str()),
            Some(rally.sequence.to_string().as_str())
        ),
        "the event's own UID, title and SEQUENCE, as in every calendar Handbill writes"
    );
    assert_eq!(
        text,
        events::ics::export_event(&db, rally.id).unwrap(),
        "the same file as the event's calendar export"
    );
    assert_contains(
        &text_of(&bytes),
        &["Add it to your calendar: open the attached file justice4siham-justice4naseem-rally-jan-30.ics."],
        "the text part",
    );
    assert_contains(
        &m.body_html(0).unwrap(),
        &["Add it to your calendar: open the attached file <strong>justice4siham-justice4naseem-rally-jan-30.ics</strong>."],
        "the HTML part",
    );

    // In the reader's language.
    let spanish = announcements::compose::prepare_versions(
        &db,
        &c,
        &[announcements::AnnouncementVersion {
            language: "es".into(),
            subject: "Recordatorio".into(),
            body: "Nos vemos allí.".into(),
        }],
        clock::now(),
    )
    .unwrap();
    let lucia = Recipient {
        language: "es-MX".into(),
        ..ana()
    };
    assert_contains(
        &text_of(&spanish.letter(&lucia).unwrap()),
        &["Añádelo a tu calendario: abre el archivo adjunto justice4siham-justice4naseem-rally-jan-30.ics."],
        "the Spanish text part",
    );

    // A tour's letter: its dated stops.
    let tour = events::list_tours(&db).unwrap()[0].clone();
    let tour_letter = letter(
        &db,
        &content(&db, None, Some(tour.id), Template::NewEvent),
        &ana(),
    );
    let stops = parse(&tour_letter)
        .attachments()
        .find(|a| a.attachment_name().is_some_and(|n| n.ends_with(".ics")))
        .map(|a| {
            String::from_utf8_lossy(a.contents())
                .matches("BEGIN:VEVENT")
                .count()
        });
    assert!(
        stops.is_some_and(|n| n >= 2),
        "a tour's letter carries its dated stops: {stops:?}"
    );

    let calendar_files = |bytes: &[u8]| {
        parse(bytes)
            .attachments()
            .filter(|a| a.attachment_name().is_some_and(|n| n.ends_with(".ics")))
            .count()
    };
    // A follow-up: the event is over.
    let thanks = Content {
        template: Template::ThankYou,
        subject: "Thank you for coming".into(),
        body: "Thank you.".into(),
        ..c.clone()
    };
    let thanks = letter(&db, &thanks, &ana());
    assert_eq!(
        calendar_files(&thanks),
        0,
        "a thank-you carries no calendar file"
    );
    assert!(
        !text_of(&thanks).contains("calendar"),
        "and says nothing of one"
    );
    // The same reminder, prepared after the rally.
    let after: jiff::Timestamp = rally
        .end_at
        .as_deref()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .unwrap()
        + jiff::SignedDuration::from_hours(1);
    let late = announcements::prepare_at(&db, &c, after)
        .unwrap()
        .letter(&ana())
        .unwrap();
    assert_eq!(
        calendar_files(&late),
        0,
        "a letter about an event already over carries no calendar file"
    );
}

/// Proves the preview is exactly the letter: the same headers, parts and
/// attachment as the independent parser reads from the letter's bytes.
#[test]
fn the_preview_is_the_letter() {
    let _now = before_the_rally();
    let (_dir, db) = open();
    let mut c = content(
        &db,
        Some(event_id(&db, "#Justice4Siham")),
        None,
        Template::NewEvent,
    );
    c.subject = "¡Manifestación! {{first_name|amiga}}".into();
    c.attach_flyer = true;
    let lucia = Recipient {
        subscriber_id: 12,
        email: "lucia.gomes@example.org".into(),
        name: "Lucía Gomes".into(),
        first_name: "Lucía".into(),
        language: "es".into(),
    };
    let bytes = announcements::prepare(&db, &c)
        .unwrap()
        .letter(&lucia)
        .unwrap();
    let p = announcements::preview_letter(&bytes).unwrap();
    let m = parse(&bytes);
    assert_eq!(p.subject, m.subject().unwrap(), "the subject");
    assert_eq!(
        p.subject, "¡Manifestación! Lucía",
        "the subject is filled and decoded"
    );
    assert_eq!(
        p.from, "International Socialist Organization — Boston <boston@example.org>",
        "the sender"
    );
    assert_eq!(
        p.to, "Lucía Gomes <lucia.gomes@example.org>",
        "the recipient"
    );
    assert_eq!(
        p.text,
        m.body_text(0)
            .unwrap()
            .replace("\r\n", "\n")
            .trim_end_matches('\n'),
        "the text part"
    );
    // The logo is shown from the letter's own part, as a mail program shows it.
    let logo = m
        .parts
        .iter()
        .find(|part| part.content_id().is_some())
        .expect("the letter has its logo");
    let shown = m.body_html(0).unwrap().replace("\r\n", "\n").replace(
        &format!("\"cid:{}\"", logo.content_id().unwrap()),
        &format!(
            "\"data:image/{};base64,{}\"",
            logo.content_type().unwrap().subtype().unwrap(),
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, logo.contents())
        ),
    );
    assert_eq!(p.html, shown.trim_end_matches('\n'), "the HTML part");
    let attached: Vec<(String, usize)> = m
        .attachments()
        .filter_map(|a| Some((a.attachment_name()?.to_owned(), a.contents().len())))
        .filter(|(name, _)| !name.starts_with("logo."))
        .collect();
    assert_eq!(p.attachments, attached, "the attachments");
    assert_eq!(p.attachments.len(), 2, "the flyer and the calendar file");
    let names: Vec<&str> = p.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, HEADERS, "every header, in order");
    let message_id = p
        .headers
        .iter()
        .find(|(n, _)| n == "Message-ID")
        .unwrap()
        .1
        .clone();
    assert_eq!(
        message_id,
        format!("<{}>", m.message_id().unwrap()),
        "the Message-ID"
    );

    let fresh = announcements::preview(&db, &c, &lucia).unwrap();
    let without_date = |p: &announcements::Preview| {
        p.headers
            .iter()
            .filter(|(n, _)| n != "Date")
            .cloned()
            .collect::<Vec<_>>()
    };
    // The flyer is rendered again, with its own creation time: its name is compared, not its bytes.
    let name = |p: &announcements::Preview| {
        p.attachments
            .iter()
            .map(|(n, _)| n.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        (without_date(&fresh), &fresh.text, &fresh.html, name(&fresh)),
        (without_date(&p), &p.text, &p.html, name(&p)),
        "preview() shows what prepare() and letter() send"
    );
}

/// Proves "send a test to yourself" goes to the branch's own contact address.
#[test]
fn the_test_recipient_is_the_branch() {
    let (_dir, db) = open();
    let me = announcements::test_recipient(&db).unwrap();
    assert_eq!(
        (me.email.as_str(), me.name.as_str(), me.subscriber_id),
        (
            "boston@example.org",
            "International Socialist Organization — Boston",
            0
        ),
        "the branch's own address"
    );
    let c = content(
        &db,
        Some(event_id(&db, "#Justice4Siham")),
        None,
        Template::NewEvent,
    );
    assert!(
        text_of(&letter(&db, &c, &me)).starts_with("Dear friend,"),
        "a test shows the greeting's fallback"
    );
}

/// Proves bad input is refused with the field named: no branch address, no
/// such list, no event or tour chosen (or both), a flyer for nothing, an
/// empty subject, a recipient address that is not one.
#[test]
fn bad_input_is_refused_naming_the_field() {
    let (_dir, db) = open();
    let c = content(
        &db,
        Some(event_id(&db, "#Justice4Siham")),
        None,
        Template::NewEvent,
    );
    let field = |r: handbill_core::Result<announcements::Prepared>| {
        r.map(|_| ())
            .expect_err("refused")
            .fields
            .first()
            .map(|f| f.field.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        field(announcements::prepare(
            &db,
            &Content {
                subject: "  ".into(),
                ..c.clone()
            }
        )),
        "subject",
        "an empty subject"
    );
    assert_eq!(
        field(announcements::prepare(
            &db,
            &Content {
                event_id: None,
                attach_flyer: true,
                ..c.clone()
            }
        )),
        "attach_flyer",
        "a flyer of nothing"
    );
    let missing = announcements::prepare(
        &db,
        &Content {
            list_id: 999,
            ..c.clone()
        },
    )
    .map(|_| ())
    .expect_err("no such list");
    assert_eq!(
        missing.code,
        ErrorCode::NotFound,
        "a missing list is not found: {}",
        missing.message
    );
    let none = announcements::draft(&db, None, None, Template::NewEvent)
        .expect_err("nothing to draft from");
    assert_eq!(
        none.fields[0].field, "event_id",
        "no event or tour: {}",
        none.message
    );
    let both = announcements::draft(&db, Some(1), Some(1), Template::NewEvent)
        .expect_err("both an event and a tour");
    assert_eq!(
        both.fields[0].field, "tour_id",
        "an event and a tour: {}",
        both.message
    );
    let bad = Recipient {
        email: "not an address".into(),
        ..ana()
    };
    let err = announcements::prepare(&db, &c)
        .unwrap()
        .letter(&bad)
        .expect_err("a bad address is refused");
    assert!(
        err.fields[0].field == "email" && err.message.contains("41"),
        "the refusal names the subscriber: {}",
        err.message
    );

    let mut input = branch::BranchInput::from(branch::require(&db).unwrap());
    input.contact_email = String::new();
    branch::save(&db, input).unwrap();
    assert_eq!(
        field(announcements::prepare(&db, &c)),
        "contact_email",
        "a branch with no address cannot send"
    );
    assert_eq!(
        announcements::test_recipient(&db).unwrap_err().fields[0].field,
        "contact_email",
        "nor send a test"
    );
}

/// Writes one real letter, with its HTML part beside it, under
/// `target/compose-samples/` for a person to open, and proves the HTML is a
/// whole table-based page with the branch's name and the unsubscribe footer.
#[test]
fn a_real_letter_is_saved_to_look_at() {
    let (_dir, db) = open();
    let mut c = content(
        &db,
        Some(event_id(&db, "#Justice4Siham")),
        None,
        Template::NewEvent,
    );
    c.attach_flyer = true;
    let bytes = letter(&db, &c, &ana());
    let dir = samples_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("rally.eml"), &bytes).unwrap();
    let html = parse(&bytes).body_html(0).unwrap().into_owned();
    std::fs::write(dir.join("rally.html"), &html).unwrap();
    std::fs::write(dir.join("rally.txt"), text_of(&bytes)).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>")
            && html.contains("role=\"presentation\"")
            && html.contains("max-width:600px"),
        "a table-based page"
    );
    assert!(
        html.contains(">International Socialist Organization — Boston</td>"),
        "the branch's name on top"
    );
    assert!(
        html.contains(">Unsubscribe</a>"),
        "an unsubscribe link in the footer"
    );
    let content_only = announcements::draft(
        &db,
        Some(event_id(&db, "Support Voices")),
        None,
        Template::NewEvent,
    )
    .unwrap();
    let drive = Content {
        subject: content_only.0,
        body: content_only.1,
        ..c.clone()
    };
    let drive = letter(
        &db,
        &Content {
            attach_flyer: false,
            ..drive
        },
        &ana(),
    );
    std::fs::write(dir.join("fund-drive.eml"), &drive).unwrap();
    std::fs::write(
        dir.join("fund-drive.html"),
        parse(&drive).body_html(0).unwrap().as_bytes(),
    )
    .unwrap();
    let tour = letter(
        &db,
        &content(
            &db,
            None,
            Some(events::list_tours(&db).unwrap()[0].id),
            Template::NewEvent,
        ),
        &ana(),
    );
    std::fs::write(dir.join("tour.eml"), &tour).unwrap();
    std::fs::write(
        dir.join("tour.html"),
        parse(&tour).body_html(0).unwrap().as_bytes(),
    )
    .unwrap();
    let moved = letter(
        &db,
        &content(
            &db,
            Some(event_id(&db, "Left Organizing Tactics")),
            None,
            Template::Rescheduled,
        ),
        &ana(),
    );
    std::fs::write(dir.join("rescheduled.eml"), &moved).unwrap();
    std::fs::write(
        dir.join("rescheduled.html"),
        parse(&moved).body_html(0).unwrap().as_bytes(),
    )
    .unwrap();
}

fn samples_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("compose-samples")
}

mod injection {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Whatever an event title, subscriber name or first name holds —
        /// CR, LF, colons, header-like text, non-ASCII — the letter has
        /// exactly its own headers and goes to its one recipient; a subject
        /// with a line break is refused naming the subject.
        #[test]
        fn no_text_adds_a_header(
            title in "[A-Za-z :é\r\n-]{1,40}",
            name in "[A-Za-z :<>\"é\r\n-]{0,40}",
            first in "[A-Za-z :é\r\n]{0,20}",
            subject in "[A-Za-z :é\r\n]{1,40}",
        ) {
            let db = Database::open_in_memory().unwrap();
            demo::load(&db).unwrap();
            let title = format!("T{title}");
            let e = events::create(&db, EventInput { title: title.clone(), kind: EventKind::Rally, start_date: "2027-05-01".into(), start_time: "12:00".into(), time_zone: "America/New_York".into(), ..Default::default() }).unwrap();
            let c = content(&db, Some(e.id), None, Template::NewEvent);
            let to = Recipient { name: name.clone(), first_name: first.clone(), ..ana() };
            let bytes = letter(&db, &c, &to);
            prop_assert_eq!(header_names(&bytes), HEADERS.to_vec());
            let m = parse(&bytes);
            prop_assert_eq!(m.to().unwrap().first().unwrap().address(), Some("ana.alvarez@example.org"));

            let typed = Content { subject: subject.clone(), ..c };
            match announcements::prepare(&db, &typed) {
                Ok(p) => {
                    prop_assert!(!subject.contains(['\r', '\n']), "a subject with a line break was accepted");
                    let bytes = p.letter(&to).unwrap();
                    prop_assert_eq!(header_names(&bytes), HEADERS.to_vec());
                }
                Err(err) => prop_assert!(err.fields[0].field == "subject", "the refusal names the subject: {}", err.message),
            }
        }
    }
}
