//! Feeds in: parsing RSS, Atom and JSON Feed into Link Exchange's own entry type, sanitizing
//! their HTML, and discovering a site's feeds from its HTML page.
//!
//! Takes bytes, returns values; never does I/O and never panics on any input. The parsing
//! backend (feed-rs today) is private to this crate so it can be replaced without touching
//! callers.

mod discover;
mod opml;
mod parse;
mod sanitize;

pub use discover::{DiscoveredFeed, discover_feeds};
pub use opml::{OpmlOutline, parse_opml, write_opml};
pub use parse::{FeedError, ParsedEntry, ParsedFeed, Sniffed, parse_feed, sniff};
pub use sanitize::sanitize_html;
