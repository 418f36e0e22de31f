#![allow(clippy::unwrap_used)]
//! Integration tests of the feed crate against real fixture files in `tests/data/`.

use linkx_feed::{FeedError, Sniffed, parse_feed, sniff};
use url::Url;

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn rss2_entries_are_sanitized_and_resolved() {
    let base = Url::parse("https://daily.example.org/feed.xml").unwrap();
    let feed = parse_feed(&data("rss2.xml"), Some(&base)).unwrap();
    assert_eq!(feed.title.as_deref(), Some("Example & Daily"));
    assert_eq!(
        feed.site_url.as_ref().map(Url::as_str),
        Some("https://daily.example.org/")
    );
    assert_eq!(
        feed.entries.len(),
        2,
        "the entry without any link is skipped"
    );
    assert_eq!(feed.skipped, 1);

    let first = &feed.entries[0];
    assert_eq!(first.guid, "daily-1001");
    assert_eq!(first.title, "Bridge reopens after repairs");
    assert_eq!(first.author.as_deref(), Some("Ana Silva"));
    assert_eq!(
        first.published.map(|d| d.to_rfc3339()),
        Some("2026-11-24T07:30:00+00:00".to_string())
    );
    assert_eq!(
        first.image.as_ref().map(Url::as_str),
        Some("https://daily.example.org/img/bridge.jpg")
    );
    let summary = first.summary_html.as_deref().unwrap();
    assert!(
        summary.contains(r#"href="https://daily.example.org/bridges""#),
        "{summary}"
    );
    assert!(
        !summary.contains("script") && !summary.contains("onerror"),
        "{summary}"
    );
    let content = first.content_html.as_deref().unwrap();
    assert!(content.contains("Full text of the bridge story."));
    assert!(
        !content.contains("onclick") && !content.contains("javascript:"),
        "{content}"
    );

    assert_eq!(
        feed.entries[1].url.as_str(),
        "https://daily.example.org/2026/11/guid-only"
    );
}

#[test]
fn atom_with_relative_links_and_html_title() {
    let base = Url::parse("https://harbor.example.net/atom.xml").unwrap();
    let feed = parse_feed(&data("atom.xml"), Some(&base)).unwrap();
    assert_eq!(feed.title.as_deref(), Some("Harbor Notes"));
    let entry = &feed.entries[0];
    assert_eq!(entry.url.as_str(), "https://harbor.example.net/news/ferry");
    assert_eq!(
        entry.published.map(|d| d.to_rfc3339()),
        Some("2026-11-25T07:15:00+00:00".to_string())
    );
    assert_eq!(entry.author.as_deref(), Some("Jo Park"));
}

#[test]
fn json_feed() {
    let feed = parse_feed(&data("feed.json"), None).unwrap();
    assert_eq!(feed.title.as_deref(), Some("Valley Wire"));
    assert_eq!(
        feed.entries[0].url.as_str(),
        "https://valley.example.com/77"
    );
    assert_eq!(
        feed.entries[0].content_html.as_deref(),
        Some("<p>Inspectors found no faults.</p>")
    );
}

#[test]
fn html_page_is_reported_as_not_a_feed() {
    assert_eq!(sniff(&data("page.html")), Sniffed::Html);
    assert_eq!(
        parse_feed(&data("page.html"), None).unwrap_err(),
        FeedError::HtmlNotFeed
    );
}

#[test]
fn garbage_and_empty_bodies_are_errors_not_panics() {
    assert!(matches!(
        parse_feed(&data("garbage.txt"), None),
        Err(FeedError::NotAFeed(_))
    ));
    assert_eq!(parse_feed(b"  \n", None).unwrap_err(), FeedError::Empty);
    for bytes in [
        &b"<rss><channel><item>"[..],
        b"\xff\xfe<\x00r\x00",
        b"<feed",
        b"{\"version\":",
    ] {
        let _ = parse_feed(bytes, None);
    }
}

mod conformance;
