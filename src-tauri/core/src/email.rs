//! Email addresses as Handbill takes them: the one rule for what an address
//! is and the key it is known by ([`normalize_email`]), and finding the
//! addresses in a pasted block of text ([`addresses_in`]). Subscribers,
//! organizations' contacts and pasted replies all go through here.

use std::collections::BTreeSet;

use crate::error::short;

/// The longest address SMTP carries.
pub const MAX_EMAIL: usize = 254;
/// An address as stored (domain in lower case) and its key (all in lower case),
/// or a sentence saying what is wrong with it.
pub fn normalize_email(text: &str) -> std::result::Result<(String, String), String> {
    let trimmed = text.trim();
    let trimmed = trimmed
        .strip_prefix("mailto:")
        .or_else(|| trimmed.strip_prefix("MAILTO:"))
        .unwrap_or(trimmed);
    let trimmed = trimmed
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(trimmed)
        .trim();
    if trimmed.is_empty() {
        return Err("The email address is missing.".to_owned());
    }
    if let Some(pair) = plain_address(trimmed) {
        return Ok(pair);
    }
    if trimmed.chars().count() > MAX_EMAIL {
        return Err(format!(
            "The email address is {} characters long; an address has at most {MAX_EMAIL}.",
            trimmed.chars().count()
        ));
    }
    let options = email_address::Options::default()
        .with_required_tld()
        .without_domain_literal()
        .without_display_text();
    match email_address::EmailAddress::parse_with_options(trimmed, options) {
        Ok(address) if !address.domain().ends_with('.') && !address.domain().starts_with('.') => {
            let email = format!(
                "{}@{}",
                address.local_part(),
                address.domain().to_lowercase()
            );
            let key = email.to_lowercase();
            Ok((email, key))
        }
        _ => Err(if trimmed.contains('@') {
            format!("“{}” is not a valid email address.", short(trimmed))
        } else {
            format!("“{}” is not an email address: it has no @.", short(trimmed))
        }),
    }
}

/// The address and key of an address of the plainest kind, the kind nearly
/// every row of a sign-up sheet holds: ASCII letters, digits and the usual
/// symbols, one @, and a domain of letters, digits and hyphens with at least
/// one dot. Everything this accepts the email_address crate accepts too, with
/// the same result (a test holds the two together); anything else is left to
/// the crate. An import checks every row's address, and the crate's general
/// parse, with its copies, took a quarter of the time spent checking rows.
fn plain_address(text: &str) -> Option<(String, String)> {
    let (local, domain) = text.split_once('@')?;
    let atom_char = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'/'
                    | b'='
                    | b'?'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'{'
                    | b'|'
                    | b'}'
                    | b'~'
            )
    };
    let local_ok = (1..=64).contains(&local.len())
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.bytes().all(atom_char));
    let label_ok = |label: &str| {
        let b = label.as_bytes();
        (1..=63).contains(&b.len())
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
    };
    let domain_ok = domain.len() <= 254 && domain.contains('.') && domain.split('.').all(label_ok);
    if !(local_ok && domain_ok && text.len() <= MAX_EMAIL) {
        return None;
    }
    let mut email = String::with_capacity(text.len());
    email.push_str(local);
    email.push('@');
    email.extend(domain.chars().map(|c| c.to_ascii_lowercase()));
    let key = email.to_ascii_lowercase();
    Some((email, key))
}

/// The addresses in a pasted block of text: replies, a column copied from a
/// spreadsheet, `Name <address>` lines. Words with an @ that are not valid
/// addresses are returned apart, so they can be shown.
pub fn addresses_in(text: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut found = Vec::new();
    let mut invalid = Vec::new();
    let mut seen = BTreeSet::new();
    for word in text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | ';' | '<' | '>' | '"' | '\'' | '(' | ')' | '[' | ']'
            )
    }) {
        let word = word.trim_matches(|c: char| matches!(c, '.' | ':'));
        if !word.contains('@') {
            continue;
        }
        match normalize_email(word) {
            Ok((email, key)) => {
                if seen.insert(key.clone()) {
                    found.push((email, key));
                }
            }
            Err(_) => invalid.push(short(word)),
        }
    }
    (found, invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The quick path for plain addresses agrees with the email_address
        /// crate on every address it takes, and takes the usual ones.
        #[test]
        fn plain_addresses_are_read_as_the_library_reads_them(
            text in "[A-Za-z0-9._%+'~-]{0,12}@?[A-Za-z0-9_.-]{0,14}(\\.[A-Za-z]{0,4})?"
        ) {
            if let Some(quick) = plain_address(&text) {
                let options = email_address::Options::default()
                    .with_required_tld()
                    .without_domain_literal()
                    .without_display_text();
                let parsed = email_address::EmailAddress::parse_with_options(&text, options);
                proptest::prop_assert!(parsed.is_ok(), "{text} was taken but the library refuses it");
                let parsed = parsed.unwrap();
                let email = format!("{}@{}", parsed.local_part(), parsed.domain().to_lowercase());
                proptest::prop_assert_eq!(&quick.0, &email);
                proptest::prop_assert_eq!(&quick.1, &email.to_lowercase());
            }
        }
    }

    #[test]
    fn usual_addresses_take_the_quick_path_and_others_the_library() {
        assert_eq!(
            plain_address("Ana.Evans+news@Example.ORG"),
            Some((
                "Ana.Evans+news@example.org".to_owned(),
                "ana.evans+news@example.org".to_owned()
            ))
        );
        for other in [
            "ana@localhost",
            "ana@.example.org",
            "ana..b@example.org",
            "ñ@example.org",
            "ana@example-.org",
            "\"a b\"@example.org",
            "Ana <ana@example.org>",
            "a@b@example.org",
        ] {
            assert_eq!(plain_address(other), None, "{other}");
        }
        // Those the quick path leaves are still read by the library where valid.
        assert_eq!(normalize_email("ñ@Example.org").unwrap().1, "ñ@example.org");
        assert!(normalize_email("ana@localhost").is_err());
    }
}
