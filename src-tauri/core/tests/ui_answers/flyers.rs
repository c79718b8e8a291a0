//! The Flyers screen's recorded answers (`flyers` and `flyersEscape`): the
//! previews, pages, saves and images for social media its Vitest tests (`ui/src/Flyers.test.ts`)
//! replay, drawn by the real core, so the screen is tested against the
//! core's own pages and refusals instead of a layout of its own.

use handbill_core::branch;
use handbill_core::events;
use handbill_core::flyers::{self, FlyerRequest, ImageRequest, SavedImage};
use serde_json::{json, Map, Value};

use super::{from, same_uids, Scene, AT, DIALOG};

/// A request as the Flyers screen builds it (every key, nulls included).
fn request(event: Option<i64>, tour: Option<i64>, layout: &str, paper: &str) -> Value {
    json!({
        "event_id": event, "tour_id": tour, "poster": false,
        "options": { "layout": layout, "paper": paper, "theme": "color", "tear_offs": false },
        "bilingual": null
    })
}

impl Scene {
    /// What the Flyers screen asks first: the events and tours it offers.
    fn flyer_targets(&mut self) {
        let now: jiff::Timestamp = AT.parse().unwrap();
        self.ask("events_upcoming", json!({}), |db| events::upcoming(db, now));
        self.ask("events_undated", json!({}), events::undated);
        self.page_reads(now);
        self.ask("tours_all", json!({}), events::list_tours);
        // Each event's kept choices (none yet: the defaults), and keeping any
        // choice the screen can make, as the core answers them.
        let mut ids: Vec<i64> = events::upcoming(&self.db, now)
            .unwrap()
            .iter()
            .flat_map(|g| g.events.iter().map(|e| e.id))
            .collect();
        ids.extend(events::undated(&self.db).unwrap().iter().map(|e| e.id));
        for id in ids {
            self.ask("flyer_choices", json!({ "eventId": id }), |db| {
                flyers::choices(db, id)
            });
            for layout in ["full_page", "half_sheet", "quarter_sheet"] {
                for paper in ["letter", "a4"] {
                    for theme in ["color", "black_and_white"] {
                        for tear_offs in [false, true] {
                            let options = json!({ "layout": layout, "paper": paper, "theme": theme, "tear_offs": tear_offs });
                            self.ask(
                                "flyer_remember_choices",
                                json!({ "eventId": id, "options": options }),
                                |db| flyers::remember_choices(db, id, from(&options)),
                            );
                        }
                    }
                }
            }
            self.db
                .conn()
                .execute("DELETE FROM flyer_choice WHERE event_id = ?1", [id])
                .unwrap();
        }
    }

    fn flyer_preview(&mut self, request: Value) {
        let r: FlyerRequest = from(&request);
        self.ask("flyer_preview", json!({ "request": request }), |db| {
            flyers::preview(db, &r)
        });
    }

    fn flyer_page(&mut self, request: Value, page: u32) {
        let r: FlyerRequest = from(&request);
        self.ask(
            "flyer_page",
            json!({ "request": request, "page": page }),
            |db| flyers::preview_page(db, &r, page),
        );
    }

    /// `flyer_save` as the window runs it: drawn, then written where the dialog answers.
    fn flyer_save(&mut self, request: Value, suggested: &str) {
        let r: FlyerRequest = from(&request);
        self.ask(
            "flyer_save",
            json!({ "request": request, "suggested": suggested }),
            |db| flyers::draw(db, &r).map(|_| DIALOG),
        );
    }

    /// `social_image_save` as the window runs it: drawn, then written where
    /// the dialog answers, its alt text beside it.
    fn social_image_save(&mut self, request: Value) {
        let r: ImageRequest = from(&request);
        self.ask(
            "social_image_save",
            json!({ "request": request, "suggested": "" }),
            |db| {
                flyers::image(db, &r).map(|image| SavedImage {
                    path: DIALOG.into(),
                    alt_path: format!("{DIALOG}.alt.txt"),
                    alt_text: image.alt_text,
                    width: image.width,
                    height: image.height,
                })
            },
        );
    }
}

/// A flyer's PDF is a few bytes longer or shorter from run to run (printpdf
/// names its fonts and images at random), so the recording gives every
/// preview's PDF the same size, as it gives every time the same time.
const PDF_BYTES: u32 = 24_000;

fn steady(mut recorded: Value) -> Value {
    same_uids(&mut recorded);
    for exchange in recorded.as_array_mut().unwrap() {
        if exchange["command"] == "flyer_preview" {
            if let Some(bytes) = exchange.pointer_mut("/answer/bytes") {
                *bytes = json!(PDF_BYTES);
            }
        }
    }
    recorded
}

fn event(s: &Scene, title: &str, date: &str, description: &str, tour: Option<i64>) -> i64 {
    let input = json!({
        "title": title, "start_date": date, "start_time": "19:00", "end_time": "21:00",
        "time_zone": "America/New_York", "description": description, "tour_id": tour
    });
    events::create(&s.db, from(&input))
        .expect("a sample event is made")
        .id
}

/// A rally whose description is too long for a quarter sheet, a panel, and a
/// tour of two stops, on the sample branch's profile.
pub(super) fn flyers_scenes(scenes: &mut Map<String, Value>) {
    // The PDF's creation date is the recording's.
    let _at = handbill_core::clock::set(AT.parse().unwrap());
    let mut s = Scene::empty();
    let profile = json!({
        "name": "Sample Branch", "short_name": "Sample", "city": "Boston, MA", "contact_email": "branch@example.org",
        "website": "https://example.org", "time_zone": "America/New_York", "languages": ["en", "es"]
    });
    branch::save(&s.db, from(&profile)).expect("the sample profile is saved");
    let paragraph = "Siham Byah was taken from her home in Boston and is held for deportation, \
        far from her son. Join us on the steps of the federal building to demand her release, \
        an end to the raids in our neighbourhoods, and a city that keeps its promise to every family. ";
    let rally = event(
        &s,
        "Rally for Siham",
        "2027-01-20",
        &paragraph.repeat(10),
        None,
    );
    let panel = event(&s, "Panel on housing", "2027-01-28", "", None);
    let input = json!({ "title": "Speaking tour", "description": "", "speaker_ids": [], "hosts": "", "tags": [] });
    let tour = events::create_tour(&s.db, from(&input))
        .expect("the tour is made")
        .id;
    // Announced: drafts are not printed (issue 17).
    for (title, date) in [("First stop", "2027-03-02"), ("Second stop", "2027-03-03")] {
        let stop = event(&s, title, date, "", Some(tour));
        events::announce(&s.db, stop).expect("the stop is announced");
    }
    s.flyer_targets();
    // The rally, the soonest event: its layouts and papers, and the quarter
    // sheet its description is too long for.
    for (layout, paper) in [
        ("full_page", "letter"),
        ("half_sheet", "letter"),
        ("half_sheet", "a4"),
        ("quarter_sheet", "letter"),
    ] {
        s.flyer_preview(request(Some(rally), None, layout, paper));
    }
    // The tour, a flyer per stop: on full pages, then half sheets, turned to
    // the second page (the first comes with the preview).
    s.flyer_preview(request(None, Some(tour), "full_page", "letter"));
    s.flyer_preview(request(None, Some(tour), "half_sheet", "letter"));
    s.flyer_page(request(None, Some(tour), "half_sheet", "letter"), 1);
    // The panel, as the Events section's Flyer button asks for it.
    s.flyer_preview(request(Some(panel), None, "full_page", "letter"));
    // Saving the rally: from its file name in the documents folder, from a typed path.
    let rally_full = request(Some(rally), None, "full_page", "letter");
    let name = flyers::preview(&s.db, &from(&rally_full))
        .unwrap()
        .file_name;
    s.flyer_save(
        rally_full.clone(),
        &format!("/home/organizer/Documents/{name}"),
    );
    s.flyer_save(rally_full, "/tmp/rally.pdf");
    // The rally's image for social media in each format, and the tour's.
    for format in ["square", "portrait", "story"] {
        s.social_image_save(json!({ "event_id": rally, "tour_id": null, "format": format }));
        s.social_image_save(json!({ "event_id": null, "tour_id": tour, "format": format }));
    }
    scenes.insert("flyers".into(), steady(s.done()));

    // An event whose title looks like markup.
    let mut s = Scene::empty();
    let script = event(
        &s,
        "<script>alert(1)</script> & \"x\"",
        "2027-01-20",
        "",
        None,
    );
    s.flyer_targets();
    s.flyer_preview(request(Some(script), None, "full_page", "letter"));
    scenes.insert("flyersEscape".into(), steady(s.done()));
}
