//! The branch's time zone is offered from a list, the zones likely for its
//! city first: named after the city, then its state, province or country.

use handbill_core::branch;

#[test]
fn the_zones_likely_for_a_city_come_first() {
    let first = |city: &str| {
        branch::likely_zones(city)
            .first()
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        first("Boston, MA"),
        "America/New_York",
        "a state abbreviation"
    );
    assert_eq!(
        first("Oakland, California"),
        "America/Los_Angeles",
        "a state name"
    );
    assert_eq!(
        first("Chicago"),
        "America/Chicago",
        "a city a zone is named after"
    );
    assert_eq!(first("New York"), "America/New_York");
    assert_eq!(first("Madrid, Spain"), "Europe/Madrid");
    assert_eq!(first("Toronto, ON"), "America/Toronto");
    assert_eq!(
        first("Los Angeles"),
        "America/Los_Angeles",
        "spaces stand for the zone's underscores"
    );
    let dc = branch::likely_zones("Washington, DC");
    assert_eq!(
        dc[0], "America/New_York",
        "the region after the comma counts first"
    );
}

#[test]
fn likely_zones_are_real_and_unrepeated_whatever_is_typed() {
    let all = branch::time_zones();
    for city in [
        "",
        "Nowhere at all",
        ",,,",
        "MA, MA, MA",
        &"Boston, MA ".repeat(5000),
        "\u{0}/(/)",
    ] {
        let likely = branch::likely_zones(city);
        for z in &likely {
            assert!(all.contains(z), "{z} is a zone the branch can choose");
        }
        let mut unique = likely.clone();
        unique.dedup();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            likely.len(),
            "no zone is offered twice for {city:.20}"
        );
    }
    assert!(
        branch::likely_zones("Nowhere at all").len() <= 1,
        "an unknown city offers at most the computer's zone"
    );
}
