//! The import's size limit is one rule, asked before a file is decoded and by
//! the window as a chosen file's pieces arrive (`import::check_size`).

use handbill_core::mail::import::{self, MAX_FILE_BYTES};

#[test]
fn a_file_at_the_limit_passes_and_one_byte_more_is_refused_by_its_field() {
    assert!(import::check_size(MAX_FILE_BYTES).is_ok());
    let e = import::check_size(MAX_FILE_BYTES + 1).expect_err("one byte over is refused");
    assert!(e.fields.iter().any(|f| f.field == "file"), "{e:?}");
    assert!(
        e.message.contains("up to 200 MB"),
        "the message names the limit: {}",
        e.message
    );
}

#[test]
fn a_huge_total_is_refused_without_any_bytes() {
    // The window asks with the size received so far plus the next piece.
    let e = import::check_size(10 * 1024 * 1024 * 1024).expect_err("10 GB is refused");
    assert!(e.message.contains("10240 MB"), "{}", e.message);
}
