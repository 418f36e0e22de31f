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

mod robustness {
    //! Bad input of every kind: a result with `bozo` set or a typed error, never a panic, never
    //! unbounded work.

    use super::data;
    use linkx_feed::{FeedError, MAX_DOCUMENT_BYTES, ParseOptions, parse_document, parse_feed};

    fn parse(bytes: &[u8]) -> Result<linkx_feed::FeedDocument, FeedError> {
        parse_document(bytes, &ParseOptions::new())
    }

    #[test]
    fn utf16_big_endian_with_bom_is_decoded() {
        let doc = parse(&data("utf16be-bom.xml")).unwrap();
        assert_eq!(doc.encoding, "utf-16be");
        assert!(!doc.bozo, "{:?}", doc.bozo_exception);
        assert_eq!(doc.feed["title"], "Zürich Ζ");
        assert_eq!(doc.entries[0]["title"], "Grüße");
    }

    #[test]
    fn an_author_email_right_after_a_non_ascii_letter_is_split_out() {
        let feed = "<rss version=\"2.0\"><channel><item>\
            <author>稿e@example.com (Example editor)</author></item></channel></rss>";
        let doc = parse(feed.as_bytes()).unwrap();
        let detail = &doc.entries[0]["author_detail"];
        assert_eq!(detail["email"], "e@example.com");
        let name = detail["name"].as_str().unwrap();
        assert!(name.contains("Example editor"), "{name}");
    }

    #[test]
    fn truncated_feed_keeps_the_complete_entries_and_says_where_it_broke() {
        let doc = parse(&data("truncated.xml")).unwrap();
        assert!(doc.bozo);
        let why = doc.bozo_exception.unwrap();
        assert!(why.contains("line 5"), "{why}");
        assert_eq!(doc.entries[0]["title"], "Story 1");
        assert_eq!(doc.entries[1]["link"], "http://example.com/2");
        let feed = parse_feed(&data("truncated.xml"), None).unwrap();
        assert!(feed.entries.len() >= 2);
    }

    #[test]
    fn atom_03_base64_content_is_decoded_and_resolved_against_xml_base() {
        let doc = parse(&data("atom03-base64.xml")).unwrap();
        assert_eq!(doc.version, "atom03");
        let entry = &doc.entries[0];
        assert_eq!(entry["link"], "http://example.org/blog/2004/01/post");
        assert_eq!(entry["published_parsed"], "2004-01-02T02:04:05Z");
        assert_eq!(
            entry["content"][0]["value"],
            "<p>See <a href=\"http://example.org/blog/rel/x.html\">this</a></p>"
        );
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut doc = String::from("<rss><channel><item><title>t</title>");
        doc.push_str(&"<x>".repeat(100_000));
        let parsed = parse(doc.as_bytes()).unwrap();
        assert!(parsed.bozo);
        assert_eq!(parsed.entries[0]["title"], "t");
    }

    #[test]
    fn entity_expansion_cannot_explode() {
        let mut doc =
            String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY a \"aaaaaaaaaa\">\n");
        for (name, prev) in [("b", "a"), ("c", "b"), ("d", "c"), ("e", "d"), ("f", "e")] {
            doc.push_str(&format!("<!ENTITY {name} \"&{prev};&{prev};&{prev};&{prev};&{prev};&{prev};&{prev};&{prev};&{prev};&{prev};\">\n"));
        }
        doc.push_str("]>\n<rss version=\"2.0\"><channel><title>&f;</title></channel></rss>");
        let parsed = parse(doc.as_bytes()).unwrap();
        let title = parsed.feed["title"].as_str().unwrap_or("");
        assert!(
            title.len() < 100,
            "nested entities are not expanded: {} bytes",
            title.len()
        );
    }

    #[test]
    fn oversized_documents_are_refused_with_their_size() {
        let big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
        assert!(matches!(parse(&big), Err(FeedError::TooLarge(_))));
    }

    #[test]
    fn hostile_bytes_never_panic() {
        let inputs: Vec<Vec<u8>> = vec![
            vec![0xFE, 0xFF, 0x00],
            vec![0xFF, 0xFE, 0x00, 0x00, 0x3C],
            b"<rss><channel><item><title>&#xD800;&#99999999;&#;&#x;</title>".to_vec(),
            b"<?xml version='1.0' encoding='utf-32'?><rss/>".to_vec(),
            b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><svg><title>x</title></svg></div>".to_vec(),
            b"<rss><channel><item><description>&lt;a href=\"java&#x09;script:alert(1)\"&gt;x&lt;/a&gt;&lt;!--".to_vec(),
            b"{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": [{\"id\": 1}, 3, null]}".to_vec(),
            "<rss><channel><title>\u{10FFFF}é</title><link>http://[::1/</link>".as_bytes().to_vec(),
        ];
        for input in inputs {
            let _ = parse(&input).map(|d| d.to_json());
            let _ = parse_feed(&input, None);
        }
    }

    #[test]
    fn every_corpus_file_parses_or_fails_cleanly() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpora/feeds/feedparser/tests");
        if !dir.exists() {
            eprintln!("skipping: the feedparser corpus is not here (CI always has it)");
            return;
        }
        let mut stack = vec![dir];
        let mut files = 0;
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                for sanitize in [true, false] {
                    let options = ParseOptions {
                        sanitize,
                        ..ParseOptions::new()
                    };
                    let _ = parse_document(&bytes, &options).map(|d| d.to_json());
                }
                files += 1;
            }
        }
        assert!(files > 1500, "{files}");
    }

    #[test]
    fn fuzz_regressions_replay_without_panics() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-regressions");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            for sanitize in [true, false] {
                let options = ParseOptions {
                    sanitize,
                    base_url: Some("http://example.com/feed.xml"),
                    ..ParseOptions::new()
                };
                let _ = parse_document(&bytes, &options).map(|d| d.to_json());
            }
            let _ = parse_feed(&bytes, None);
        }
    }
}

#[test]
fn entries_keep_their_own_language() {
    let atom = br#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">
        <title>Nachrichten</title><id>urn:x</id><updated>2026-11-27T10:00:00Z</updated>
        <entry><title>Hochwasser</title><id>urn:1</id><link href="https://example.org/1"/><updated>2026-11-27T10:00:00Z</updated></entry>
        <entry xml:lang="fr"><title>Inondation</title><id>urn:2</id><link href="https://example.org/2"/><updated>2026-11-27T10:00:00Z</updated></entry>
        </feed>"#;
    let feed = linkx_feed::parse_feed(atom, None).unwrap();
    let languages: Vec<Option<&str>> = feed.entries.iter().map(|e| e.language.as_deref()).collect();
    assert_eq!(languages, [Some("de"), Some("fr")]);
    let rss = br#"<rss version="2.0"><channel><title>News</title><language>pt_BR</language>
        <item><title>Chuva</title><link>https://example.org/3</link></item>
        <item><title>Bad</title><link>https://example.org/4</link></item></channel></rss>"#;
    let feed = linkx_feed::parse_feed(rss, None).unwrap();
    assert_eq!(feed.entries[0].language.as_deref(), Some("pt-BR"));
    let junk = br#"<rss version="2.0"><channel><title>News</title><language>"><script></language>
        <item><title>x</title><link>https://example.org/5</link></item></channel></rss>"#;
    let feed = linkx_feed::parse_feed(junk, None).unwrap();
    assert_eq!(feed.entries[0].language, None);
}
