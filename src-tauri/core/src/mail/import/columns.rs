//! Recognizing the columns: which field each header names (in English,
//! Spanish or French, Mailchimp's and Action Network's exports), what a
//! status or consent column says, the kind of file, and the preview an
//! organizer sees before anything is written.

use std::collections::HashSet;

use super::decode::{delimiter_name, parse, reader, Count, Parsed};
use super::{ColumnPreview, Field, GreetingPreview, ImportPreview, GREETINGS, SAMPLES};
use crate::error::{short, Error, Result};
use crate::mail::subscribers::ConsentStatus;

/// A header folded for matching: lower case, accents taken off (NFD, marks
/// dropped), only letters and digits kept: “Código postal” is `codigopostal`.
pub fn fold_header(header: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    header
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Folded headers of columns whose values are proof of consent, kept in the
/// ledger's evidence. The first group dates an opt-in, the second an opt-out.
pub(super) const OPT_IN_DATES: &[&str] = &[
    "optintime",
    "confirmtime",
    "timestamp",
    "marcatemporal",
    "horodateur",
    "submittedat",
    "submissiondate",
    "signupdate",
    "fechadeinscripcion",
    "datedinscription",
    "createddate",
];

pub(super) const OPT_OUT_DATES: &[&str] = &["unsubtime", "cleantime"];

pub(super) const OTHER_EVIDENCE: &[&str] = &[
    "optinip",
    "confirmip",
    "unsubcampaigntitle",
    "cleancampaigntitle",
    "unsubreason",
    "unsubreasonother",
];

/// What a header names, from the usual columns of Mailchimp (“Email Address”,
/// “First Name”, “TAGS”, “OPTIN_TIME”), Action Network (`email`, `zip_code`,
/// `can2_user_city`), Google Forms (“Timestamp”, a consent question) and
/// hand-made sheets in English, Spanish or French (“E-mail”, “Correo
/// electrónico”, “Código postal”, “Prénom”, “Adresse e-mail”, “Ville”),
/// without regard to case or accents.
pub fn recognize(header: &str) -> Field {
    let squashed = fold_header(header);
    let h = squashed.strip_prefix("can2").unwrap_or(&squashed);
    let h = h.strip_prefix("user").unwrap_or(h);
    let field = match h {
        "email"
        | "emailaddress"
        | "email1"
        | "mail"
        | "emails"
        | "youremail"
        | "correo"
        | "correoelectronico"
        | "courriel"
        | "primaryemail"
        | "personalemail"
        | "address1email"
        | "adresseemail"
        | "adressecourriel"
        | "adresseelectronique"
        | "adressemail"
        | "direcciondecorreo"
        | "direcciondecorreoelectronico"
        | "tucorreo"
        | "votrecourriel"
        | "emailaddresses" => Field::Email,
        "name" | "fullname" | "yourname" | "nombrecompleto" | "displayname" | "contactname"
        | "nomcomplet" | "tunombre" | "votrenom" | "nombreyapellido" | "nombreyapellidos" => {
            Field::Name
        }
        "firstname" | "first" | "givenname" | "fname" | "nombre" | "prenom" | "forename"
        | "nombrepila" | "primernombre" => Field::FirstName,
        "lastname" | "last" | "surname" | "familyname" | "lname" | "apellido" | "apellidos"
        | "nom" | "nomdefamille" => Field::LastName,
        "language" | "lang" | "preferredlanguage" | "idioma" | "langue" | "locale"
        | "idiomapreferido" | "languepreferee" => Field::Language,
        "city" | "town" | "ciudad" | "ville" | "addresscity" | "locality" | "municipio"
        | "localidad" => Field::City,
        "zip" | "zipcode" | "postalcode" | "postcode" | "zippostalcode" | "postal"
        | "codigopostal" | "cp" | "addresszip" | "addresspostalcode" | "codepostal" => {
            Field::PostalCode
        }
        "phone" | "phonenumber" | "mobile" | "mobilephone" | "mobilenumber" | "cell"
        | "cellphone" | "cellnumber" | "telephone" | "tel" | "telefono" | "celular" | "movil"
        | "telephoneportable" | "portable" | "numerodetelephone" | "numerodetelefono"
        | "whatsapp" | "phonemobile" | "homephone" | "workphone" => Field::Phone,
        "tags" | "tag" | "groups" | "etiquetas" | "etiquettes" => Field::Tags,
        "notes" | "note" | "comments" | "comment" | "notas" | "remarques" | "commentaires"
        | "comentarios" => Field::Notes,
        "status" | "subscriptionstatus" | "emailstatus" | "estado" | "statut" => Field::Status,
        _ => Field::Ignore,
    };
    if field != Field::Ignore {
        return field;
    }
    if OPT_IN_DATES.contains(&h) || OPT_OUT_DATES.contains(&h) || OTHER_EVIDENCE.contains(&h) {
        return Field::Evidence;
    }
    // “Unsubscribed”, “Opt out”, “Do not email”: a negative column is not
    // read as consent (yes there would mean no); the organizer may map it as the status.
    let negative = [
        "unsub",
        "optout",
        "donot",
        "desuscri",
        "desinscri",
        "desabonn",
        "nepas",
    ]
    .iter()
    .any(|n| squashed.contains(n));
    if !negative && is_consent_question(&squashed) {
        return Field::Consent;
    }
    Field::Ignore
}

/// A header that asks for (or records) consent to be emailed: a form
/// question or a checkbox, in English, Spanish or French.
pub(super) fn is_consent_question(folded: &str) -> bool {
    const ASKS: &[&str] = &[
        "consent",
        "optin",
        "optedin",
        "subscribe",
        "subscribed",
        "emailyou",
        "emailme",
        "mailinglist",
        "newsletter",
        "emailupdates",
        "emailok",
        "okaytoemail",
        "oktoemail",
        "contactbyemail",
        "sendyou",
        "suscrib",
        "podemosenviar",
        "podemosescribir",
        "enviarteco",
        "recibircorreo",
        "recibirco",
        "recibiremail",
        "consentimiento",
        "acepto",
        "autorizo",
        "jaccepte",
        "accepte",
        "consentement",
        "recevoir",
        "inscrire",
        "abonner",
        "pouvonsnous",
    ];
    ASKS.iter().any(|a| folded.contains(a))
}

/// Which tool made the file, and the standing its rows have when no column
/// says (none: not subscribed). Mailchimp's audience export is four files
/// with the same columns but for the unsubscribe and clean times; the file
/// name tells the nonsubscribed one from the subscribed one.
pub(super) fn source_kind(
    headers: &[String],
    file_name: &str,
) -> (&'static str, Option<ConsentStatus>) {
    let has = |name: &str| headers.iter().any(|h| h.eq_ignore_ascii_case(name));
    let name = fold_header(file_name);
    let mailchimp = [
        "MEMBER_RATING",
        "LEID",
        "EUID",
        "OPTIN_TIME",
        "UNSUB_TIME",
        "CLEAN_TIME",
    ]
    .iter()
    .any(|h| has(h));
    let status = if has("UNSUB_TIME") {
        Some(ConsentStatus::Unsubscribed)
    } else if has("CLEAN_TIME") {
        Some(ConsentStatus::Cleaned)
    } else if mailchimp && (name.contains("nonsubscribed") || name.contains("transactional")) {
        None
    } else if mailchimp && name.contains("unsubscribed") {
        Some(ConsentStatus::Unsubscribed)
    } else if mailchimp && name.contains("cleaned") {
        Some(ConsentStatus::Cleaned)
    } else {
        Some(ConsentStatus::Subscribed)
    };
    if mailchimp {
        ("Mailchimp export", status)
    } else if headers
        .iter()
        .any(|h| h.to_lowercase().starts_with("can2_"))
    {
        ("Action Network export", status)
    } else {
        ("spreadsheet", status)
    }
}

/// The mapping Handbill proposes: each header recognized, or, when no header
/// names the address (or there is no header), the column whose first cells
/// are addresses.
pub(crate) fn detect_mapping(parsed: &Parsed) -> Vec<Field> {
    if parsed.has_header {
        let mut seen = HashSet::new();
        let mut mapping: Vec<Field> = parsed
            .headers
            .iter()
            .map(|h| {
                let field = recognize(h);
                // A second column of the same single-valued field is left out; the organizer may choose.
                if matches!(
                    field,
                    Field::Tags | Field::Notes | Field::Evidence | Field::Ignore
                ) || seen.insert(field)
                {
                    field
                } else {
                    Field::Ignore
                }
            })
            .collect();
        if !mapping.contains(&Field::Email) {
            if let Some(i) = address_column(parsed) {
                mapping[i] = Field::Email;
            }
        }
        return mapping;
    }
    let mut rdr = reader(&parsed.text[parsed.data_start as usize..], parsed.delimiter);
    let mut record = csv::StringRecord::new();
    let mut mapping = vec![Field::Ignore; parsed.headers.len()];
    if let Ok(true) = rdr.read_record(&mut record) {
        if let Some(i) = record
            .iter()
            .position(|c| crate::email::normalize_email(c).is_ok())
        {
            if i < mapping.len() {
                mapping[i] = Field::Email;
            }
        }
    }
    mapping
}

/// The column most of whose first non-empty cells (up to 50 rows) are email
/// addresses, if one is.
pub(super) fn address_column(parsed: &Parsed) -> Option<usize> {
    let mut rdr = reader(&parsed.text[parsed.data_start as usize..], parsed.delimiter);
    let mut record = csv::StringRecord::new();
    let mut filled = vec![0u32; parsed.headers.len()];
    let mut addresses = vec![0u32; parsed.headers.len()];
    for _ in 0..50 {
        match rdr.read_record(&mut record) {
            Ok(true) => {
                for (i, cell) in record.iter().enumerate().take(filled.len()) {
                    if !cell.trim().is_empty() {
                        filled[i] += 1;
                        if cell.contains('@') && crate::email::normalize_email(cell).is_ok() {
                            addresses[i] += 1;
                        }
                    }
                }
            }
            _ => break,
        }
    }
    (0..filled.len())
        .filter(|&i| addresses[i] > 0 && addresses[i] * 2 > filled[i])
        .max_by_key(|&i| addresses[i])
}

/// Reads a consent answer: yes (in English, Spanish or French, a ticked
/// box) subscribes, no unsubscribes, blank leaves the person off the list
/// (`Some(None)`); anything else is not an answer (`None`).
pub(crate) fn consent_of(cell: &str) -> Option<Option<ConsentStatus>> {
    let folded = fold_header(cell);
    if folded.is_empty() {
        return Some(None);
    }
    const YES: &[&str] = &[
        "yes",
        "y",
        "si",
        "oui",
        "true",
        "x",
        "checked",
        "1",
        "on",
        "ok",
        "yesplease",
        "acepto",
        "jaccepte",
        "subscribed",
        "subscribe",
        "agree",
        "iagree",
        "deacuerdo",
        "daccord",
    ];
    const NO: &[&str] = &[
        "no",
        "n",
        "non",
        "false",
        "0",
        "off",
        "unchecked",
        "nothanks",
        "nogracias",
        "nonmerci",
        "unsubscribed",
    ];
    if YES.contains(&folded.as_str()) {
        return Some(Some(ConsentStatus::Subscribed));
    }
    if NO.contains(&folded.as_str()) {
        return Some(Some(ConsentStatus::Unsubscribed));
    }
    // A longer answer such as “Yes, please email me” or “No, thank you”.
    let first = cell
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .map(fold_header)
        .unwrap_or_default();
    match first.as_str() {
        "yes" | "si" | "oui" => Some(Some(ConsentStatus::Subscribed)),
        "no" | "non" => Some(Some(ConsentStatus::Unsubscribed)),
        _ => None,
    }
}

/// How a standing read from a file is said: “subscribed”, or “not subscribed” for none.
pub(super) fn standing_word(status: Option<ConsentStatus>) -> &'static str {
    status.map_or("not subscribed", ConsentStatus::as_str)
}

/// How a column's values will be read, for the preview: the distinct values
/// of its first rows with what each becomes.
pub(super) fn reading_of(field: Field, header: &str, values: &[String]) -> String {
    match field {
        Field::Consent | Field::Status => {
            let mut parts: Vec<String> = Vec::new();
            let mut blank = false;
            for value in values {
                let read = if field == Field::Consent {
                    consent_of(value)
                } else if value.trim().is_empty() {
                    Some(None)
                } else {
                    status_of(value)
                };
                if value.trim().is_empty() {
                    blank = true;
                    continue;
                }
                parts.push(match read {
                    Some(standing) => {
                        format!("“{}” → {}", short(value.trim()), standing_word(standing))
                    }
                    None => format!("“{}” → not understood: not subscribed", short(value.trim())),
                });
            }
            if field == Field::Consent || blank {
                parts.push(if field == Field::Consent {
                    "blank → not subscribed".to_owned()
                } else {
                    "blank → the file's standing".to_owned()
                });
            }
            parts.join(" · ")
        }
        Field::Evidence => {
            let h = fold_header(header);
            if OPT_IN_DATES.contains(&h.as_str()) {
                "Kept as evidence; the date of the opt-in".to_owned()
            } else if OPT_OUT_DATES.contains(&h.as_str()) {
                "Kept as evidence; the date of the opt-out".to_owned()
            } else {
                "Kept as evidence in the consent ledger".to_owned()
            }
        }
        _ => String::new(),
    }
}

/// The mapping asked for on the command line (`email=COL,first_name=COL,…`,
/// COL a header, matched as headers are, or a column's number from 1) laid
/// over the one Handbill proposes: a field named here leaves any other column it was on.
pub fn mapping_from(preview: &ImportPreview, spec: &str) -> Result<Vec<Field>> {
    let mut mapping: Vec<Field> = preview.columns.iter().map(|c| c.field).collect();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, column)) = part.split_once('=') else {
            return Err(Error::invalid_field(
                "map",
                format!(
                    "“{}” is not a mapping. Write FIELD=COLUMN, such as email=Correo or email=3.",
                    short(part)
                ),
            ));
        };
        let field: Field = serde_json::from_value(serde_json::Value::String(name.trim().to_lowercase()))
            .map_err(|_| {
                Error::invalid_field(
                    "map",
                    format!(
                        "“{}” is not a field. Use email, name, first_name, last_name, language, city, postal_code, phone, tags, notes, status, consent, evidence or ignore.",
                        short(name.trim())
                    ),
                )
            })?;
        let column = column.trim();
        let index = match column.parse::<usize>() {
            Ok(n) if (1..=mapping.len()).contains(&n) => n - 1,
            Ok(n) => {
                return Err(Error::invalid_field(
                    "map",
                    format!(
                        "The file has {} columns, so there is no column {n}.",
                        mapping.len()
                    ),
                ))
            }
            Err(_) => {
                let wanted = fold_header(column);
                preview
                    .columns
                    .iter()
                    .position(|c| fold_header(&c.header) == wanted)
                    .ok_or_else(|| {
                        Error::invalid_field(
                            "map",
                            format!(
                                "No column is called “{}”. The columns are: {}.",
                                short(column),
                                preview
                                    .columns
                                    .iter()
                                    .map(|c| c.header.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                    })?
            }
        };
        if !matches!(
            field,
            Field::Tags | Field::Notes | Field::Evidence | Field::Ignore
        ) {
            for f in mapping.iter_mut().filter(|f| **f == field) {
                *f = Field::Ignore;
            }
        }
        mapping[index] = field;
    }
    Ok(mapping)
}

/// Reads the file and shows what an import would do with it, writing nothing.
pub fn preview(file_name: &str, bytes: &[u8]) -> Result<ImportPreview> {
    let parsed = parse(bytes, Count::Exact)?;
    let mapping = detect_mapping(&parsed);
    let (kind, default_status) = source_kind(&parsed.headers, file_name);
    let mut samples: Vec<Vec<String>> = vec![Vec::new(); parsed.headers.len()];
    // The distinct values of consent and status columns (blank too), to say how each is read.
    let mut answers: Vec<Vec<String>> = vec![Vec::new(); parsed.headers.len()];
    let mut rdr = reader(&parsed.text[parsed.data_start as usize..], parsed.delimiter);
    let mut record = csv::StringRecord::new();
    let mut looked = 0;
    let mut greetings = Vec::new();
    while looked < 200 {
        match rdr.read_record(&mut record) {
            Ok(true) => {
                looked += 1;
                if greetings.len() < GREETINGS && mapping.contains(&Field::Email) {
                    // The row read as the import reads it, first name and all.
                    if let Ok(v) =
                        super::check::row_values(&record, &mapping, &parsed.headers, &[], &[])
                    {
                        // Only people the import would take: an address that is one.
                        if let Ok((email, _)) = crate::email::normalize_email(&v.input.email) {
                            greetings.push(GreetingPreview {
                                email: short(&email),
                                name: short(v.input.name.trim()),
                                greeting: short(&crate::mail::announcements::templates::greeting(
                                    &v.input.first_name,
                                )),
                            });
                        }
                    }
                }
                for (i, cell) in record.iter().enumerate().take(samples.len()) {
                    if matches!(mapping[i], Field::Consent | Field::Status)
                        && answers[i].len() < 8
                        && !answers[i]
                            .iter()
                            .any(|a| fold_header(a) == fold_header(cell))
                    {
                        answers[i].push(cell.trim().to_owned());
                    }
                    let cell = cell.trim();
                    if !cell.is_empty() && samples[i].len() < SAMPLES {
                        samples[i].push(short(&cell.replace(['\r', '\n'], " ")));
                    }
                }
            }
            _ => break,
        }
    }
    let mut notices = parsed.notices.clone();
    if !mapping.contains(&Field::Email) {
        notices.push("No column looks like email addresses. Choose which column holds them before importing.".to_owned());
    } else if parsed.has_header {
        if let Some(i) = mapping.iter().position(|f| *f == Field::Email) {
            if recognize(&parsed.headers[i]) != Field::Email {
                notices.push(format!(
                    "No header names the email addresses; the column “{}” holds them, so it is proposed.",
                    short(&parsed.headers[i])
                ));
            }
        }
    }
    match default_status {
        None => notices.push(
            "This is Mailchimp's export of nonsubscribed people: they never opted in, so they are imported without being put on the list as subscribed.".to_owned(),
        ),
        Some(status) if status != ConsentStatus::Subscribed => notices.push(format!(
            "This is Mailchimp's export of {} people: they are imported as {}, and anyone already here is marked so on every list.",
            status.as_str(),
            status.as_str()
        )),
        Some(_) => {}
    }
    if mapping.contains(&Field::Consent) {
        notices.push(
            "A consent column is read: only a yes puts someone on the list; no unsubscribes, and blank leaves them off.".to_owned(),
        );
    }
    Ok(ImportPreview {
        file_name: file_name.to_owned(),
        encoding: parsed.encoding.to_owned(),
        delimiter: delimiter_name(parsed.delimiter).to_owned(),
        source_kind: kind.to_owned(),
        has_header: parsed.has_header,
        rows: parsed.rows,
        default_status,
        columns: parsed
            .headers
            .iter()
            .enumerate()
            .map(|(i, h)| ColumnPreview {
                index: i as u32,
                header: if h.is_empty() {
                    format!("Column {}", i + 1)
                } else {
                    short(h)
                },
                field: mapping[i],
                samples: std::mem::take(&mut samples[i]),
                reading: reading_of(mapping[i], h, &answers[i]),
            })
            .collect(),
        notices,
        greetings,
    })
}

/// Reads a status cell, with the words other tools use: `Some(None)` is
/// “not subscribed” (pending, nonsubscribed), `None` a word Handbill does not know.
pub(super) fn status_of(cell: &str) -> Option<Option<ConsentStatus>> {
    match cell.trim().to_lowercase().as_str() {
        "subscribed" | "subscriber" | "subscribe" | "yes" | "y" | "true" | "1" | "x" | "active"
        | "opted in" | "opt-in" | "optin" | "member" | "sí" | "si" | "suscrito" | "inscrit"
        | "abonné" | "oui" => Some(Some(ConsentStatus::Subscribed)),
        // Never opted in, or not confirmed yet: not on the list.
        "pending" | "unconfirmed" | "nonsubscribed" | "non-subscribed" | "transactional"
        | "archived" | "pendiente" | "en attente" => Some(None),
        "unsubscribed" | "unsubscribe" | "no" | "n" | "false" | "0" | "opted out" | "opt-out"
        | "optout" | "inactive" | "do not email" | "donotemail" | "non" | "desuscrito"
        | "désabonné" | "désinscrit" => Some(Some(ConsentStatus::Unsubscribed)),
        "bounced" | "bouncing" | "bounce" | "hard bounce" | "undeliverable" => {
            Some(Some(ConsentStatus::Bounced))
        }
        "cleaned" | "clean" => Some(Some(ConsentStatus::Cleaned)),
        "complained" | "spam complaint" | "spam" | "abuse" | "complaint" => {
            Some(Some(ConsentStatus::Complained))
        }
        _ => None,
    }
}

pub(super) fn check_mapping(mapping: &[Field], headers: &[String]) -> Result<()> {
    if mapping.len() != headers.len() {
        return Err(Error::invalid_field(
            "mapping",
            format!(
                "The file has {} columns but {} were mapped. Look at the preview again.",
                headers.len(),
                mapping.len()
            ),
        ));
    }
    let emails = mapping.iter().filter(|f| **f == Field::Email).count();
    if emails == 0 {
        return Err(Error::invalid_field(
            "mapping",
            "Choose which column holds the email addresses.",
        ));
    }
    for field in [
        Field::Email,
        Field::Name,
        Field::FirstName,
        Field::LastName,
        Field::Language,
        Field::City,
        Field::PostalCode,
        Field::Phone,
        Field::Status,
        Field::Consent,
    ] {
        let columns: Vec<&str> = mapping
            .iter()
            .zip(headers)
            .filter(|(f, _)| **f == field)
            .map(|(_, h)| h.as_str())
            .collect();
        if columns.len() > 1 {
            return Err(Error::invalid_field(
                "mapping",
                format!(
                    "Two columns are set to the same field ({}). Set one of them to “Ignore”.",
                    columns.join(" and ")
                ),
            ));
        }
    }
    Ok(())
}
