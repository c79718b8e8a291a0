-- The `search` column keeps only the names (the name, and the first name when
-- the name does not hold it), in lower case: search finds an address in
-- `email_key`, which holds it in lower case already. Each subscriber's row is
-- a sixth smaller, and an import of 100,000 people writes 3 MB less.
-- The column is cleared here and the migration's Rust step writes it anew for
-- every subscriber (`subscribers::fill_search_column`).
UPDATE subscriber SET search = '';
