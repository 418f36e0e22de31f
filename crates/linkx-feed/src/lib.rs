//! Feeds in: a liberal parser for RSS, RDF, Atom, CDF and JSON Feed (feedparser's behaviour,
//! in Rust), sanitizing of feed HTML, and discovery of a site's feeds from its HTML page.
//!
//! Takes bytes, returns values; never does I/O and never panics on any input.

mod builder;
mod dates;
mod discover;
mod document;
mod encoding;
mod entities;
mod geo;
mod html;
mod jsonfeed;
mod opml;
mod parse;
mod sanitize;
mod urls;
mod value;
mod wxr;
mod xml;

pub use dates::{parse_date, rfc3339_utc};
pub use discover::{DiscoveredFeed, discover_feeds};
pub use document::{FeedDocument, MAX_DOCUMENT_BYTES, ParseOptions, parse_document};
pub use opml::{OpmlOutline, parse_opml, write_opml};
pub use parse::{
    FeedError, ParsedEntry, ParsedFeed, Sniffed, parse_feed, parse_feed_served, sniff,
};
pub use sanitize::sanitize_html;
pub use value::{Dict, Key, Value};
pub use wxr::{WxrComment, WxrPost, parse_wxr};

/// Windows-1252's meaning of the C1 code points 0x80–0x9F (what feeds that say "Latin-1" mean).
pub(crate) fn cp1252(code: u32) -> Option<char> {
    let c = match code {
        0x80 => '\u{20ac}',
        0x82 => '\u{201a}',
        0x83 => '\u{0192}',
        0x84 => '\u{201e}',
        0x85 => '\u{2026}',
        0x86 => '\u{2020}',
        0x87 => '\u{2021}',
        0x88 => '\u{02c6}',
        0x89 => '\u{2030}',
        0x8a => '\u{0160}',
        0x8b => '\u{2039}',
        0x8c => '\u{0152}',
        0x8e => '\u{017d}',
        0x91 => '\u{2018}',
        0x92 => '\u{2019}',
        0x93 => '\u{201c}',
        0x94 => '\u{201d}',
        0x95 => '\u{2022}',
        0x96 => '\u{2013}',
        0x97 => '\u{2014}',
        0x98 => '\u{02dc}',
        0x99 => '\u{2122}',
        0x9a => '\u{0161}',
        0x9b => '\u{203a}',
        0x9c => '\u{0153}',
        0x9e => '\u{017e}',
        0x9f => '\u{0178}',
        _ => return None,
    };
    Some(c)
}
