//! Fuzzes article extraction with any bytes (as lossy UTF-8), with and without a page URL.
//! Any panic is a bug; crashing inputs go to `tests/data/fuzz-regressions/`, which
//! `cargo test` replays.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let _ = linkx_extract::extract_article(&html, None);
    let _ = linkx_extract::extract_article(&html, Some("https://example.com/a/b.html"));
});
