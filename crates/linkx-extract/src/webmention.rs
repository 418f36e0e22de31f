//! Webmention (W3C Recommendation, 2017) on the page side: finding a target's endpoint
//! (HTTP `Link` headers first, then the first `<link>` or `<a>` with rel `webmention` in document
//! order), checking that a source really links to a target, and reading the source's
//! microformats2 h-entry (author, content, time, kind). HTML goes through html5ever, so comments
//! and escaped text can never pass for markup. Pure functions, bounded cost, no panics.

use dom_query::{Document, Selection};
use url::Url;

/// What a mention is, from the source's microformats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MentionKind {
    Reply,
    Like,
    Repost,
    Bookmark,
    Mention,
}

impl MentionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MentionKind::Reply => "reply",
            MentionKind::Like => "like",
            MentionKind::Repost => "repost",
            MentionKind::Bookmark => "bookmark",
            MentionKind::Mention => "mention",
        }
    }

    pub fn parse(s: &str) -> MentionKind {
        match s {
            "reply" => MentionKind::Reply,
            "like" => MentionKind::Like,
            "repost" => MentionKind::Repost,
            "bookmark" => MentionKind::Bookmark,
            _ => MentionKind::Mention,
        }
    }
}

/// A verified source page, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub kind: MentionKind,
    pub author_name: Option<String>,
    pub author_url: Option<String>,
    /// The entry's own permalink (`u-url`), when it gives one.
    pub url: Option<String>,
    /// Plain text, at most [`MAX_CONTENT_CHARS`] characters.
    pub content: String,
    pub published: Option<chrono::DateTime<chrono::Utc>>,
    pub title: Option<String>,
}

pub const MAX_CONTENT_CHARS: usize = 2000;
const MAX_NAME_CHARS: usize = 100;
const MAX_HTML_BYTES: usize = 2 << 20;
const MAX_ELEMENTS: usize = 50_000;

fn parse_html(html: &str) -> Document {
    let html = crate::bounds::bounded_prefix(html, MAX_HTML_BYTES, MAX_ELEMENTS);
    let html = crate::bounds::flatten_deep_nesting(html);
    Document::from(html.as_ref())
}

/// The Webmention endpoint a page advertises: `link_headers` (every `Link` header value, in
/// order) first, then the page's first `<link>` or `<a>` whose `rel` contains `webmention`.
/// Relative URLs resolve against `page` (the final URL after redirects); an empty `href` means
/// the page itself; query strings are kept.
pub fn discover_endpoint(link_headers: &[String], html: &str, page: &Url) -> Option<Url> {
    for value in link_headers {
        for (target, rels) in parse_link_header(value) {
            if rels.iter().any(|r| r.eq_ignore_ascii_case("webmention"))
                && let Ok(url) = page.join(&target)
            {
                return Some(url);
            }
        }
    }
    let doc = parse_html(html);
    for node in doc.select("link[href], a[href]").iter() {
        let rel = node.attr("rel").unwrap_or_default();
        if rel
            .split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case("webmention"))
        {
            let href = node.attr("href").unwrap_or_default();
            if let Ok(url) = page.join(href.trim()) {
                return Some(url);
            }
        }
    }
    None
}

/// `(target, rel values)` of each link in one `Link` header value (RFC 8288), tolerating the
/// usual variations: several links separated by commas, quoted or bare `rel`, any case.
pub fn parse_link_header(value: &str) -> Vec<(String, Vec<String>)> {
    let mut links = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|c| open + c) else {
            break;
        };
        let target = rest[open + 1..close].trim().to_string();
        // Parameters run to the next comma outside quotes.
        let after = &rest[close + 1..];
        let mut in_quotes = false;
        let mut end = after.len();
        for (i, c) in after.char_indices() {
            match c {
                '"' => in_quotes = !in_quotes,
                ',' if !in_quotes => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let mut rels = Vec::new();
        for param in after[..end].split(';') {
            let Some((name, value)) = param.split_once('=') else {
                continue;
            };
            if name.trim().eq_ignore_ascii_case("rel") {
                let value = value.trim().trim_matches('"');
                rels.extend(value.split_ascii_whitespace().map(str::to_string));
            }
        }
        links.push((target, rels));
        rest = &after[end.min(after.len())..];
    }
    links
}

/// True when the source page links to `target` exactly (an `href` or `src` that resolves,
/// against the source's own URL, to the same URL).
pub fn links_to(html: &str, source: &Url, target: &Url) -> bool {
    let doc = parse_html(html);
    for (selector, attribute) in [
        ("a[href], link[href], area[href]", "href"),
        ("img[src], video[src], audio[src], source[src]", "src"),
    ] {
        if doc
            .select(selector)
            .iter()
            .filter_map(|n| n.attr(attribute))
            .any(|v| source.join(v.trim()).is_ok_and(|u| same_url(&u, target)))
        {
            return true;
        }
    }
    false
}

/// True when the page links to any page of the site at `site` (same scheme, host and port,
/// under its path): the link-exchange check that a partner still links back.
pub fn links_to_site(html: &str, page: &Url, site: &Url) -> bool {
    let doc = parse_html(html);
    let prefix = site.path().trim_end_matches('/');
    doc.select("a[href]")
        .iter()
        .filter_map(|n| n.attr("href"))
        .filter_map(|h| page.join(h.trim()).ok())
        .any(|u| {
            u.scheme() == site.scheme()
                && u.host_str().map(str::to_ascii_lowercase)
                    == site.host_str().map(str::to_ascii_lowercase)
                && u.port_or_known_default() == site.port_or_known_default()
                && u.path().starts_with(prefix)
        })
}

/// URLs equal as parsed (so `HTTP://Example.org/a` equals `http://example.org/a`), fragments
/// aside.
fn same_url(a: &Url, b: &Url) -> bool {
    let (mut a, mut b) = (a.clone(), b.clone());
    a.set_fragment(None);
    b.set_fragment(None);
    a == b
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn bounded(text: &str, max: usize) -> String {
    let text = squash(text);
    if text.chars().count() <= max {
        return text;
    }
    let mut cut: String = text.chars().take(max).collect();
    cut.push('…');
    cut
}

fn first_text(scope: &Selection, selector: &str) -> Option<String> {
    let found = scope.select(selector);
    let node = found.iter().next()?;
    let text = squash(&node.text());
    (!text.is_empty()).then_some(text)
}

fn url_prop(scope: &Selection, selector: &str, base: &Url) -> Option<String> {
    scope.select(selector).iter().find_map(|n| {
        n.attr("href")
            .or_else(|| n.attr("src"))
            .and_then(|v| base.join(v.trim()).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(|u| u.to_string())
    })
}

/// Whether an element of class `class` in `entry` points at `target` (its own href, or the
/// `u-url` of an h-cite inside it).
fn points_at(entry: &Selection, class: &str, base: &Url, target: &Url) -> bool {
    entry.select(&format!(".{class}")).iter().any(|n| {
        let own = n.attr("href").and_then(|h| base.join(h.trim()).ok());
        let cited = n
            .select(".u-url")
            .iter()
            .filter_map(|c| c.attr("href"))
            .filter_map(|h| base.join(h.trim()).ok())
            .collect::<Vec<_>>();
        own.iter().chain(cited.iter()).any(|u| same_url(u, target))
    })
}

fn parse_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let text = text.trim();
    chrono::DateTime::parse_from_rfc3339(text)
        .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z"))
        .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%z"))
        .map(|d| d.with_timezone(&chrono::Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
                .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S"))
                .ok()
                .map(|n| n.and_utc())
        })
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|n| n.and_utc())
        })
}

/// Reads the source page's h-entry about `target`. A page without microformats is a plain
/// mention with the page title as its text.
pub fn read_mention(html: &str, source: &Url, target: &Url) -> Mention {
    let doc = parse_html(html);
    let title = first_text(&doc.select("html"), "title");
    let entries = doc.select(".h-entry");
    let Some(entry) = entries.iter().next() else {
        return Mention {
            kind: MentionKind::Mention,
            author_name: None,
            author_url: None,
            url: None,
            content: title
                .as_deref()
                .map(|t| bounded(t, MAX_CONTENT_CHARS))
                .unwrap_or_default(),
            published: None,
            title,
        };
    };
    let kind = [
        ("u-in-reply-to", MentionKind::Reply),
        ("u-like-of", MentionKind::Like),
        ("u-repost-of", MentionKind::Repost),
        ("u-bookmark-of", MentionKind::Bookmark),
    ]
    .into_iter()
    .find(|(class, _)| points_at(&entry, class, source, target))
    .map_or(MentionKind::Mention, |(_, kind)| kind);
    let author = entry
        .select(".p-author")
        .iter()
        .next()
        .or_else(|| doc.select(".h-card").iter().next());
    let (author_name, author_url) = match &author {
        Some(a) if a.has_class("h-card") => (
            first_text(a, ".p-name").or_else(|| Some(squash(&a.text())).filter(|t| !t.is_empty())),
            url_prop(a, ".u-url", source).or_else(|| {
                a.attr("href")
                    .and_then(|h| source.join(h.trim()).ok())
                    .map(|u| u.to_string())
            }),
        ),
        Some(a) => (
            Some(squash(&a.text())).filter(|t| !t.is_empty()),
            a.attr("href")
                .and_then(|h| source.join(h.trim()).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .map(|u| u.to_string()),
        ),
        None => (None, None),
    };
    let content = first_text(&entry, ".e-content")
        .or_else(|| first_text(&entry, ".p-summary"))
        .or_else(|| first_text(&entry, ".p-name"))
        .unwrap_or_default();
    let published = entry.select(".dt-published").iter().next().and_then(|n| {
        n.attr("datetime")
            .map(|d| d.to_string())
            .or_else(|| Some(n.text().to_string()))
            .and_then(|t| parse_time(&t))
    });
    Mention {
        kind,
        author_name: author_name.map(|n| bounded(&n, MAX_NAME_CHARS)),
        author_url,
        url: url_prop(&entry, ".u-url", source),
        content: bounded(&content, MAX_CONTENT_CHARS),
        published,
        title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|_| {
            Url::parse("http://invalid.test/").unwrap_or_else(|_| unreachable!())
        })
    }

    #[test]
    fn link_headers_with_several_links_quotes_and_case() {
        let links =
            parse_link_header(r#"<https://a.test/x>; rel="other", </wm?x=1>; REL="webmention me""#);
        assert_eq!(links.len(), 2);
        assert_eq!(links[1].0, "/wm?x=1");
        assert_eq!(links[1].1, vec!["webmention", "me"]);
        assert!(parse_link_header("garbage <unclosed").is_empty());
    }

    #[test]
    fn replies_likes_and_plain_pages_are_read() {
        let target = url("https://news.test/a/1/x");
        let source = url("https://blog.test/post");
        let reply = r#"<div class="h-entry"><a class="u-in-reply-to" href="https://news.test/a/1/x">re</a>
            <a class="p-author h-card" href="/me">Ada <b>L</b></a>
            <div class="e-content">Good <script>alert(1)</script>point.</div>
            <time class="dt-published" datetime="2026-11-20T10:00:00Z">x</time></div>"#;
        let m = read_mention(reply, &source, &target);
        assert_eq!(m.kind, MentionKind::Reply);
        assert_eq!(m.author_name.as_deref(), Some("Ada L"));
        assert_eq!(m.author_url.as_deref(), Some("https://blog.test/me"));
        assert!(m.content.starts_with("Good") && m.content.ends_with("point."));
        assert_eq!(m.published.map(|p| p.timestamp()), Some(1_795_168_800));
        let like = r#"<article class="h-entry"><a class="u-like-of" href="https://news.test/a/1/x#c">liked</a></article>"#;
        assert_eq!(read_mention(like, &source, &target).kind, MentionKind::Like);
        let plain = "<title>My post</title><p><a href='https://news.test/a/1/x'>see</a>";
        let m = read_mention(plain, &source, &target);
        assert_eq!(
            (m.kind, m.content.as_str()),
            (MentionKind::Mention, "My post")
        );
    }

    #[test]
    fn links_must_match_the_target_exactly() {
        let target = url("https://news.test/a/1/x");
        let source = url("https://blog.test/post");
        assert!(links_to(
            "<a href='https://news.test/a/1/x'>",
            &source,
            &target
        ));
        assert!(links_to(
            "<a href='HTTPS://NEWS.test/a/1/x#frag'>",
            &source,
            &target
        ));
        assert!(!links_to(
            "<a href='https://news.test/a/1/xy'>",
            &source,
            &target
        ));
        assert!(!links_to(
            "<!-- <a href='https://news.test/a/1/x'> -->",
            &source,
            &target
        ));
        assert!(!links_to(
            "<code>&lt;a href='https://news.test/a/1/x'&gt;</code>",
            &source,
            &target
        ));
    }
}
