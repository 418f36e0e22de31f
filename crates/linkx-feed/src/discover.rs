//! Feed autodiscovery: the `<link rel="alternate" type="application/rss+xml">` elements of a page.

use url::Url;

/// A feed advertised by an HTML page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredFeed {
    pub url: Url,
    pub title: Option<String>,
    /// `rss`, `atom` or `json`.
    pub kind: &'static str,
}

/// Lists the feeds a page advertises, in document order, resolved against `base`.
/// Tolerates any markup: it scans for `<link …>` tags rather than building a DOM.
pub fn discover_feeds(html: &str, base: &Url) -> Vec<DiscoveredFeed> {
    let mut found: Vec<DiscoveredFeed> = Vec::new();
    let lower = html.to_ascii_lowercase();
    let base = document_base(html, &lower)
        .and_then(|href| base.join(&href).ok())
        .unwrap_or_else(|| base.clone());
    let mut from = 0;
    while let Some(pos) = lower[from..].find("<link") {
        let start = from + pos;
        let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
        from = end.max(start + 5);
        let attrs = parse_attributes(&html[start + 5..end]);
        let get = |name: &str| {
            attrs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let rel_is_alternate = get("rel").is_some_and(|rel| {
            rel.split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("alternate") || r.eq_ignore_ascii_case("feed"))
        });
        let kind = match get("type").map(|t| t.trim().to_ascii_lowercase()) {
            Some(t) if t.starts_with("application/rss+xml") => "rss",
            Some(t) if t.starts_with("application/atom+xml") => "atom",
            Some(t)
                if t.starts_with("application/feed+json") || t.starts_with("application/json") =>
            {
                "json"
            }
            _ => continue,
        };
        if !rel_is_alternate {
            continue;
        }
        let Some(href) = get("href").map(str::trim).filter(|h| !h.is_empty()) else {
            continue;
        };
        let Ok(url) = base.join(href) else { continue };
        if !matches!(url.scheme(), "http" | "https") || found.iter().any(|f| f.url == url) {
            continue;
        }
        let title = get("title")
            .map(|t| linkx_core::text::decode_entities(t).trim().to_string())
            .filter(|t| !t.is_empty());
        found.push(DiscoveredFeed { url, title, kind });
    }
    found
}

fn document_base(html: &str, lower: &str) -> Option<String> {
    let start = lower.find("<base")?;
    let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
    parse_attributes(&html[start + 5..end])
        .into_iter()
        .find(|(k, _)| k == "href")
        .map(|(_, v)| v)
}

/// Parses `name="value" name='value' name=value name` into lowercase names and decoded values.
pub(crate) fn parse_attributes(src: &str) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() || c == '/' {
            chars.next();
            continue;
        }
        let name_start = i;
        let mut name_end = src.len();
        while let Some(&(j, c)) = chars.peek() {
            if c.is_whitespace() || c == '=' || c == '/' {
                name_end = j;
                break;
            }
            chars.next();
        }
        let name = src[name_start..name_end.min(src.len())].to_ascii_lowercase();
        while chars.peek().is_some_and(|&(_, c)| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek().is_some_and(|&(_, c)| c == '=') {
            chars.next();
            while chars.peek().is_some_and(|&(_, c)| c.is_whitespace()) {
                chars.next();
            }
            match chars.peek().map(|&(_, c)| c) {
                Some(q @ ('"' | '\'')) => {
                    chars.next();
                    for (_, c) in chars.by_ref() {
                        if c == q {
                            break;
                        }
                        value.push(c);
                    }
                }
                _ => {
                    while let Some(&(_, c)) = chars.peek() {
                        if c.is_whitespace() {
                            break;
                        }
                        value.push(c);
                        chars.next();
                    }
                }
            }
        }
        if !name.is_empty() {
            attrs.push((name, linkx_core::text::decode_entities(&value)));
        }
    }
    attrs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_feeds_in_document_order_and_resolves_them() {
        let base = Url::parse("https://news.example.org/section/").unwrap();
        let html = r#"<html><head>
            <link rel="stylesheet" href="/s.css">
            <LINK REL="alternate" TYPE="application/rss+xml" TITLE="All &amp; more" HREF="/rss.xml">
            <link rel=alternate type=application/atom+xml href=atom.xml>
            <link rel="alternate" type="application/feed+json" href="https://news.example.org/feed.json"/>
            <link rel="alternate" type="application/rss+xml" href="/rss.xml">
            </head></html>"#;
        let feeds = discover_feeds(html, &base);
        let urls: Vec<&str> = feeds.iter().map(|f| f.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://news.example.org/rss.xml",
                "https://news.example.org/section/atom.xml",
                "https://news.example.org/feed.json"
            ]
        );
        assert_eq!(feeds[0].title.as_deref(), Some("All & more"));
        assert_eq!(feeds[1].kind, "atom");
    }

    #[test]
    fn garbage_finds_nothing() {
        let base = Url::parse("https://e.org/").unwrap();
        for html in [
            "",
            "<link",
            "<link rel=",
            "<link rel='alternate' type='application/rss+xml' href='javascript:x'>",
        ] {
            assert!(discover_feeds(html, &base).is_empty(), "{html}");
        }
    }
}
