//! The words an announcement is written in, per language: the sentences and
//! labels of the drafts ([`super::templates`]), the footer of every letter
//! ([`super::layout`]) and, in Spanish, the date of an event ("jueves 10 de
//! diciembre de 2026, 6:00 - 8:00 p. m."). English and Spanish are written
//! here; a letter in any other language has the English footer. The tables
//! are small and fixed, so they are written out rather than taken from a
//! localization library: two languages, a few dozen phrases, and dates in
//! the one shape the flyers already use.

use jiff::civil::Date;

use crate::events::{Event, EventKind, EventStatus};

/// The languages drafts are written in.
pub const DRAFT_LANGUAGES: [&str; 2] = ["en", "es"];

/// A language tag's primary subtag, lowercase: "es" for "es-MX", "ES" or " es_mx ".
pub fn primary(language: &str) -> String {
    language
        .trim()
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Every phrase a draft and a footer use. `{title}`, `{when}`, `{kind}`,
/// `{who}`, `{names}`, `{contact}` are filled by [`fill`].
pub(crate) struct Words {
    pub language: &'static str,
    pub greeting: &'static str,
    pub greeting_group: &'static str,
    pub presents: &'static str,
    pub present: &'static str,
    pub when: &'static str,
    pub place: &'static str,
    /// The label of a place's map link, and the link's words.
    pub map: &'static str,
    pub open_map: &'static str,
    pub accessibility: &'static str,
    pub online: &'static str,
    pub new_date: &'static str,
    pub originally: &'static str,
    pub new_place: &'static str,
    pub before: &'static str,
    pub why: &'static str,
    pub please_note: &'static str,
    pub speaker: &'static str,
    pub speakers: &'static str,
    pub links: &'static str,
    pub event_page: &'static str,
    pub rsvp: &'static str,
    pub donate: &'static str,
    pub to_read: &'static str,
    pub by: &'static str,
    pub next_planned: &'static str,
    pub what_comes_next: &'static str,
    pub coming_up_next: &'static str,
    pub in_solidarity: &'static str,
    pub see_you_there: &'static str,
    pub hope_to_see_you: &'static str,
    pub date_tba: &'static str,
    pub location_tba: &'static str,
    pub reminder: &'static str,
    pub rescheduled: &'static str,
    pub update_calendar_new_time: &'static str,
    pub cancelled: &'static str,
    pub cancelled_off_calendar: &'static str,
    pub thank_you: &'static str,
    pub missed_you: &'static str,
    pub invites: &'static str,
    pub already_cosponsoring: &'static str,
    pub cosponsoring_means: &'static str,
    pub reply_to_cosponsor: &'static str,
    pub cosponsored_by: &'static str,
    pub and: &'static str,
    pub subject_reminder: &'static str,
    pub subject_rescheduled: &'static str,
    pub subject_cancelled: &'static str,
    pub subject_thank_you: &'static str,
    pub subject_missed_you: &'static str,
    pub subject_invitation: &'static str,
    // A tour's.
    pub meetings_near_you: &'static str,
    pub dates_coming_soon: &'static str,
    pub speaking_tour: &'static str,
    pub more: &'static str,
    pub tour_reminder: &'static str,
    pub tour_changed: &'static str,
    pub update_calendar: &'static str,
    pub tour_cancelled: &'static str,
    pub tour_invites: &'static str,
    pub subject_tour: &'static str,
    pub subject_tour_changed: &'static str,
    pub subject_tour_reminder: &'static str,
    pub subject_tour_cancelled: &'static str,
    /// The line after the text of a letter with an event's calendar file
    /// attached, naming the `{file}`.
    pub calendar_attached: &'static str,
    // The footer.
    pub footer_why: &'static str,
    pub footer_unsubscribe_link: &'static str,
    pub footer_unsubscribe_html: &'static str,
    pub footer_unsubscribe_text: &'static str,
}

pub(crate) const ENGLISH: Words = Words {
    language: "en",
    greeting: "Dear {{first_name|friend}},",
    greeting_group: "Dear {{first_name|friends}},",
    presents: "{who} presents:",
    present: "{who} present:",
    when: "When",
    place: "Where",
    map: "Map",
    open_map: "Open the map",
    accessibility: "Accessibility",
    online: "Online",
    new_date: "New date",
    originally: "Originally",
    new_place: "New place",
    before: "Before",
    why: "Why",
    please_note: "Please note",
    speaker: "Speaker",
    speakers: "Speakers",
    links: "Links",
    event_page: "Event page",
    rsvp: "RSVP",
    donate: "Donate",
    to_read: "To read before",
    by: "by",
    next_planned: "Our next events are being planned: reply to this email if you would like to help.",
    what_comes_next: "What comes next:",
    coming_up_next: "Coming up next:",
    in_solidarity: "In solidarity",
    see_you_there: "See you there",
    hope_to_see_you: "Hope to see you soon",
    date_tba: "Date to be announced",
    location_tba: crate::events::public::LOCATION_TBA,
    reminder: "A reminder: **{title}** is coming up.",
    rescheduled: "**{title}** has been rescheduled.",
    update_calendar_new_time: "Please update your calendar. We hope to see you at the new time.",
    cancelled: "We are sorry to tell you that **{title}**, planned for {when}, is cancelled.",
    cancelled_off_calendar: "Please take it off your calendar. We will write when there is a new date.",
    thank_you: "Thank you for coming to **{title}** on {when}. It meant a lot to have you there.",
    missed_you: "We missed you at **{title}** on {when}. We hope all is well, and we would love to see you again.",
    invites: "{who} invites your organization to co-sponsor our upcoming {kind}:",
    already_cosponsoring: "Already co-sponsoring: {names}.",
    cosponsoring_means: "",
    reply_to_cosponsor: "Please reply to this email (or write to {contact}) to tell us whether your organization will co-sponsor.",
    cosponsored_by: "Co-sponsored by",
    and: "and",
    subject_reminder: "Reminder: {title} — {when}",
    subject_rescheduled: "Rescheduled: {title} — now {when}",
    subject_cancelled: "Cancelled: {title} ({when})",
    subject_thank_you: "Thank you for coming to {title}",
    subject_missed_you: "We missed you at {title}",
    subject_invitation: "Invitation to co-sponsor: {title}",
    meetings_near_you: "Meetings near you:",
    dates_coming_soon: "Dates and places coming soon",
    speaking_tour: "Speaking tour",
    more: "More",
    tour_reminder: "A reminder: the tour **{title}** is coming to a campus near you.",
    tour_changed: "Some stops of **{title}** have changed. Here is every stop as it stands now:",
    update_calendar: "Please update your calendar.",
    tour_cancelled: "We are sorry to tell you that stops of **{title}** are cancelled:",
    tour_invites: "{who} invites your organization to co-sponsor our speaking tour:",
    subject_tour: "Speaking tour: {title}",
    subject_tour_changed: "Changed dates: {title}",
    subject_tour_reminder: "Reminder: {title}",
    subject_tour_cancelled: "Cancelled: {title}",
    calendar_attached: "Add it to your calendar: open the attached file {file}.",
    footer_why: "You receive this email because you are on the list “{list}”. Reply to write to us at {contact}.",
    footer_unsubscribe_link: "Unsubscribe",
    footer_unsubscribe_html: ": this sends an email to {address} that takes you off the list.",
    footer_unsubscribe_text: "To unsubscribe, send an email to {address} (or reply with “unsubscribe”).",
};

pub(crate) const SPANISH: Words = Words {
    language: "es",
    greeting: "Hola, {{first_name|compañera o compañero}}:",
    greeting_group: "Hola, {{first_name|amigas y amigos}}:",
    presents: "{who} presenta:",
    present: "{who} presentan:",
    when: "Cuándo",
    place: "Dónde",
    map: "Mapa",
    open_map: "Abrir el mapa",
    accessibility: "Accesibilidad",
    online: "En línea",
    new_date: "Nueva fecha",
    originally: "Fecha original",
    new_place: "Nuevo lugar",
    before: "Antes",
    why: "Por qué",
    please_note: "Tengan en cuenta",
    speaker: "Ponente",
    speakers: "Ponentes",
    links: "Enlaces",
    event_page: "Página del evento",
    rsvp: "Confirmar asistencia",
    donate: "Donar",
    to_read: "Para leer antes",
    by: "de",
    next_planned: "Estamos preparando nuestros próximos eventos: responde a este correo si quieres ayudar.",
    what_comes_next: "Lo que sigue:",
    coming_up_next: "Próximamente:",
    in_solidarity: "En solidaridad",
    see_you_there: "Nos vemos allí",
    hope_to_see_you: "Esperamos verte pronto",
    date_tba: "Fecha por anunciar",
    location_tba: "Lugar por anunciar",
    reminder: "Un recordatorio: **{title}** se acerca.",
    rescheduled: "**{title}** tiene una nueva fecha.",
    update_calendar_new_time: "Por favor, actualiza tu calendario. Esperamos verte en la nueva fecha.",
    cancelled: "Lamentamos informarte que **{title}**, previsto para el {when}, queda cancelado.",
    cancelled_off_calendar: "Por favor, quítalo de tu calendario. Te escribiremos cuando haya una nueva fecha.",
    thank_you: "Gracias por venir a **{title}** el {when}. Fue muy importante contar contigo.",
    missed_you: "Te extrañamos en **{title}** el {when}. Esperamos que estés bien y nos encantaría verte de nuevo.",
    invites: "{who} invita a su organización a copatrocinar nuestro próximo evento ({kind}):",
    already_cosponsoring: "Ya lo copatrocinan: {names}.",
    cosponsoring_means: "Qué significa copatrocinar: su organización aparece como copatrocinadora en los volantes, correos y listados del evento \
(con su logo, si nos permiten imprimirlo), respalda las demandas de arriba y ayuda a difundirlo entre sus miembros. \
No tiene costo. Si tienen una persona para hablar o una mesa que proponer, díganoslo.",
    reply_to_cosponsor: "Por favor, respondan a este correo (o escriban a {contact}) para decirnos si su organización lo copatrocinará.",
    cosponsored_by: "Copatrocinan",
    and: "y",
    subject_reminder: "Recordatorio: {title} — {when}",
    subject_rescheduled: "Nueva fecha: {title} — ahora el {when}",
    subject_cancelled: "Cancelado: {title} ({when})",
    subject_thank_you: "Gracias por venir a {title}",
    subject_missed_you: "Te extrañamos en {title}",
    subject_invitation: "Invitación a copatrocinar: {title}",
    meetings_near_you: "Encuentros cerca de ti:",
    dates_coming_soon: "Fechas y lugares por anunciar",
    speaking_tour: "Gira de charlas",
    more: "Más",
    tour_reminder: "Un recordatorio: la gira **{title}** llega a un campus cerca de ti.",
    tour_changed: "Algunas paradas de **{title}** han cambiado. Estas son todas las paradas como quedan ahora:",
    update_calendar: "Por favor, actualiza tu calendario.",
    tour_cancelled: "Lamentamos informarte que se cancelan paradas de **{title}**:",
    tour_invites: "{who} invita a su organización a copatrocinar nuestra gira de charlas:",
    subject_tour: "Gira de charlas: {title}",
    subject_tour_changed: "Cambios de fecha: {title}",
    subject_tour_reminder: "Recordatorio: {title}",
    subject_tour_cancelled: "Cancelado: {title}",
    calendar_attached: "Añádelo a tu calendario: abre el archivo adjunto {file}.",
    footer_why: "Recibes este correo porque estás en la lista “{list}”. Responde para escribirnos a {contact}.",
    footer_unsubscribe_link: "Darte de baja",
    footer_unsubscribe_html: ": esto envía un correo a {address} que te quita de la lista.",
    footer_unsubscribe_text: "Para darte de baja, envía un correo a {address} (o responde con “baja”).",
};

/// The words of a language (by its primary subtag); English for any
/// language without its own.
pub(crate) fn words(language: &str) -> &'static Words {
    match primary(language).as_str() {
        "es" => &SPANISH,
        _ => &ENGLISH,
    }
}

/// `text` with each `{name}` replaced by its value, in one pass, so a value
/// that itself holds `{when}` is printed as typed.
pub(crate) fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let found = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (close, *v))
        });
        match found {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// How an event of this kind is named in Spanish.
pub(crate) fn kind_es(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Meeting => "Reunión",
        EventKind::Rally => "Mitin",
        EventKind::Panel => "Panel",
        EventKind::StudyGroup => "Grupo de estudio",
        EventKind::Protest => "Protesta",
        EventKind::FundDrive => "Colecta de fondos",
        EventKind::Conference => "Conferencia",
        EventKind::Social => "Encuentro social",
        EventKind::Other => "Evento",
    }
}

/// How a stop's change is marked in Spanish ("CANCELADA").
pub(crate) fn status_es(status: EventStatus) -> &'static str {
    match status {
        EventStatus::Cancelled => "cancelada",
        EventStatus::Rescheduled => "nueva fecha",
        EventStatus::Postponed => "aplazada",
        EventStatus::Draft | EventStatus::Announced => "",
    }
}

/// "jueves, 10 de diciembre de 2026": the site's Spanish date
/// (`events::public`), so mail and pages write a day alike.
pub(crate) fn long_date_es(d: Date) -> String {
    crate::events::public::fecha(d)
}

/// When an event is, in its own time zone, in Spanish, as the published
/// site's Spanish pages say it ("jueves, 10 de diciembre de 2026 | 18:00 -
/// 20:00", "Fecha por anunciar"); like the English letter, without the zone.
pub(crate) fn when_es(e: &Event) -> String {
    crate::events::public::when_text_es(e, false)
}

/// A change notice's earlier date (`ChangeNotice::earlier_date`,
/// "2027-01-07") as "jueves, 7 de enero de 2027"; none when it has none.
pub(crate) fn earlier_es(date: &str) -> Option<String> {
    date.parse::<Date>().ok().map(long_date_es)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proves each `{name}` slot is filled once, and a value holding one stays as typed.
    #[test]
    fn fill_replaces_each_slot_once() {
        assert_eq!(
            fill(
                "{title} on {when}",
                &[("title", "{when}"), ("when", "Monday")]
            ),
            "{when} on Monday",
            "a title holding a {{slot}} is printed as typed"
        );
        assert_eq!(
            fill("a {b} {c", &[]),
            "a {b} {c",
            "unknown names and a lone brace are kept"
        );
    }

    /// Proves the Spanish date words and the primary subtag.
    #[test]
    fn spanish_dates_and_languages() {
        let d: Date = "2026-12-10".parse().expect("a date");
        assert_eq!(
            long_date_es(d),
            "jueves, 10 de diciembre de 2026",
            "weekday, day, month, year"
        );
        assert_eq!(
            earlier_es("2027-01-07").as_deref(),
            Some("jueves, 7 de enero de 2027"),
            "a notice's earlier date in Spanish"
        );
        assert_eq!(primary(" es-MX "), "es", "the primary subtag");
        assert_eq!(words("ES_mx").language, "es", "Spanish words for es_MX");
        assert_eq!(
            words("pt").language,
            "en",
            "English for a language without words"
        );
    }
}
