//! Fuzzes the liberal feed parser end to end: any bytes, with and without sanitizing, served
//! with and without HTTP headers, through the pipeline adapter too. Any panic is a bug; every
//! input that ever crashed goes to `tests/data/fuzz-regressions/`, replayed by `cargo test`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use linkx_feed::{ParseOptions, parse_document, parse_feed};

fuzz_target!(|data: &[u8]| {
    let base = url::Url::parse("http://example.com/feed/").ok();
    for sanitize in [true, false] {
        let headers = [("Content-Type", "text/xml; charset=utf-8"), ("Content-Location", "x/")];
        for headers in [&headers[..], &[][..]] {
            let options = ParseOptions {
                headers,
                base_url: Some("http://example.com/feed.xml"),
                sanitize,
            };
            if let Ok(doc) = parse_document(data, &options) {
                let _ = doc.to_json().to_string();
            }
        }
    }
    let _ = parse_feed(data, base.as_ref());
});
