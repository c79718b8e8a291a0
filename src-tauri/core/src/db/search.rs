//! The text the subscriber search looks in (the `search` column of
//! `subscriber`): mail writes it for every person it adds or edits, and the
//! migrations that made the column fill it for the people already there. The
//! rule lives here, beside the migrations, so both fold names the same way
//! and the database layer needs nothing from the mail area above it.

use rusqlite::params;

/// The names search looks in for a subscriber (the `search` column): the
/// name, and the first name when the name does not hold it, in lower case.
/// (Search looks for the address in `email_key`, the address in lower case.)
pub(crate) fn search_text(name: &str, first_name: &str) -> String {
    if name.is_ascii() && first_name.is_ascii() {
        // The usual row, written in one string (an import makes 100,000).
        let mut text = String::with_capacity(name.len() + first_name.len() + 1);
        text.push_str(name);
        text.make_ascii_lowercase();
        if !first_name.is_empty() {
            let first_at = text.len() + 1;
            text.push(' ');
            text.push_str(first_name);
            text[first_at..].make_ascii_lowercase();
            if text[..first_at - 1].contains(&text[first_at..]) {
                text.truncate(first_at - 1);
            }
        }
        return text;
    }
    let mut text = name.to_lowercase();
    if !first_name.is_empty() {
        let first = first_name.to_lowercase();
        if !text.contains(&first) {
            text.push(' ');
            text.push_str(&first);
        }
    }
    text
}

/// Fills the `search` column of every subscriber, for the migrations that
/// added it and that took the address out of it (SQL's lower() folds only A
/// to Z; Handbill folds every alphabet).
pub(super) fn fill_search_column(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let rows: Vec<(i64, String, String)> = conn
        .prepare("SELECT id, name, first_name FROM subscriber")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = conn.prepare("UPDATE subscriber SET search = ?2 WHERE id = ?1")?;
    for (id, name, first_name) in rows {
        update.execute(params![id, search_text(&name, &first_name)])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_in_lower_case_in_every_alphabet_and_names_the_first_name_once() {
        assert_eq!(
            search_text("ÉLODIE Ñúñez", "Élodie"),
            "élodie ñúñez",
            "the first name already in the name is not repeated, and accents fold too"
        );
        assert_eq!(search_text("ANA Evans", "Ana"), "ana evans");
        assert_eq!(search_text("Evans", "Ben"), "evans ben");
        assert_eq!(search_text("", "Ben"), " ben");
        assert_eq!(search_text("", ""), "");
        assert_eq!(
            search_text("Ortiz", "Σοφία"),
            "ortiz σοφία",
            "a first name missing from the name is added, folded"
        );
    }
}
