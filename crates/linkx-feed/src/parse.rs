//! Feed bytes to [`ParsedFeed`], the reduced entry the pipeline stores: the liberal parser's
//! feedparser-shaped document, with links resolved, dates in UTC and every HTML fragment
//! cleaned by ammonia.

use crate::document::{ParseOptions, parse_document};
use crate::sanitize::sanitize_html;
use crate::value::{Dict, Value};
use chrono::{DateTime, Utc};
use url::Url;

/// A feed reduced to what the pipeline needs; all HTML already sanitized.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    pub title: Option<String>,
    /// The site the feed belongs to (its `alternate` link).
    pub site_url: Option<Url>,
    pub entries: Vec<ParsedEntry>,
    /// Entries dropped because they had no usable link to an original.
    pub skipped: usize,
}

#[derive(Debug, Clone)]
pub struct ParsedEntry {
    /// The entry's stable identity within its feed (GUID / Atom id / generated from link+title).
    pub guid: String,
    /// Link to the original article.
    pub url: Url,
    pub title: String,
    pub summary_html: Option<String>,
    pub content_html: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub image: Option<Url>,
    /// The entry's categories (RSS `category`, Atom `category`, `dc:subject`, JSON Feed tags).
    pub categories: Vec<String>,
    /// The entry's language (BCP 47): its `xml:lang`, else the feed's language or the server's
    /// `Content-Language`.
    pub language: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FeedError {
    #[error(
        "the response is an HTML page, not a feed: add the site's address and its feed will be discovered, or give the feed's own URL"
    )]
    HtmlNotFeed,
    #[error("the response is empty: the server sent no feed")]
    Empty,
    #[error("not a feed (RSS, Atom or JSON Feed): {0}")]
    NotAFeed(String),
    #[error("not a feed that can be read ({0}); no entry could be recovered")]
    Broken(String),
    #[error("the document is {0} bytes, more than a feed may be")]
    TooLarge(usize),
}

/// What a body looks like from its first bytes, before parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Feed,
    Html,
    Other,
}

/// Classifies a body by its first non-blank bytes.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    let head: Vec<u8> = bytes
        .iter()
        .skip_while(|b| b.is_ascii_whitespace() || **b == 0xEF || **b == 0xBB || **b == 0xBF)
        .take(1024)
        .map(u8::to_ascii_lowercase)
        .collect();
    let contains = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    if contains(b"<rss") || contains(b"<feed") || contains(b"<rdf:rdf") || contains(b"jsonfeed.org")
    {
        Sniffed::Feed
    } else if head.starts_with(b"<!doctype html")
        || contains(b"<html")
        || contains(b"<head")
        || contains(b"<body")
    {
        Sniffed::Html
    } else {
        Sniffed::Other
    }
}

/// Parses a feed. `base` is the URL the feed was fetched from: relative links resolve against it.
pub fn parse_feed(bytes: &[u8], base: Option<&Url>) -> Result<ParsedFeed, FeedError> {
    parse_feed_served(bytes, base, None)
}

/// Like [`parse_feed`], with the response's `Content-Type` (its charset weighs in decoding).
pub fn parse_feed_served(
    bytes: &[u8],
    base: Option<&Url>,
    content_type: Option<&str>,
) -> Result<ParsedFeed, FeedError> {
    let headers: Vec<(&str, &str)> = content_type
        .map(|ct| ("content-type", ct))
        .into_iter()
        .collect();
    let options = ParseOptions {
        headers: &headers,
        base_url: base.map(Url::as_str),
        // ammonia cleans every fragment below; the parser only resolves relative links.
        sanitize: false,
    };
    let doc = parse_document(bytes, &options)?;
    if doc.entries.is_empty()
        && let Some(problem) = &doc.bozo_exception
        && doc.not_well_formed
    {
        // Liberal parsing keeps what it can; a broken document that yields nothing is an error.
        return Err(FeedError::Broken(problem.clone()));
    }
    let site_url = text(&doc.feed, "link").and_then(|l| resolve(&l, base));
    let feed_language = text(&doc.feed, "language").and_then(|l| language_tag(&l));
    let mut entries = Vec::with_capacity(doc.entries.len());
    let mut skipped = 0;
    for entry in &doc.entries {
        match convert_entry(entry, base, feed_language.as_deref()) {
            Some(e) => entries.push(e),
            None => skipped += 1,
        }
    }
    Ok(ParsedFeed {
        title: detail_as_text(&doc.feed, "title").filter(|t| !t.is_empty()),
        site_url,
        entries,
        skipped,
    })
}

fn text(d: &Dict, key: &str) -> Option<String> {
    d.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A text construct as plain text, whatever markup type it was declared with.
fn detail_as_text(d: &Dict, key: &str) -> Option<String> {
    let value = text(d, key)?;
    let kind = d
        .get(&format!("{key}_detail"))
        .and_then(|v| v.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("text/html");
    let plain_text = if kind == "text/plain" {
        value
    } else {
        linkx_core::text::html_to_text(&value)
    };
    Some(plain_text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// A text construct as HTML: plain text is escaped so it stays text after sanitizing.
fn as_html(value: &str, kind: &str) -> String {
    if kind == "text/plain" {
        value
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    } else {
        value.to_string()
    }
}

fn convert_entry(
    entry: &Dict,
    feed_base: Option<&Url>,
    feed_language: Option<&str>,
) -> Option<ParsedEntry> {
    let links = entry.get("links").and_then(Value::as_array);
    let link_with_rel = |rel: &str| {
        links
            .into_iter()
            .flatten()
            .filter(|l| l.get("rel").and_then(Value::as_str) == Some(rel))
            .find_map(|l| l.get("href").and_then(Value::as_str))
            .and_then(|h| resolve(h, feed_base))
    };
    let url = text(entry, "link")
        .and_then(|l| resolve(&l, feed_base))
        .or_else(|| link_with_rel("alternate"))
        .or_else(|| link_with_rel("related"))
        .or_else(|| {
            text(entry, "id")
                .and_then(|id| Url::parse(&id).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https"))
        })?;
    let html_base = Some(&url);
    let content = entry
        .get("content")
        .and_then(Value::as_array)
        .and_then(|list| {
            list.iter()
                .find(|c| c.get("type").and_then(Value::as_str) != Some("text/plain"))
                .or_else(|| list.first())
        });
    let content_value = content
        .and_then(|c| c.get("value"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let content_html = content
        .map(|c| {
            let kind = c.get("type").and_then(Value::as_str).unwrap_or("text/html");
            sanitize_html(&as_html(content_value, kind), html_base)
        })
        .filter(|h| !h.trim().is_empty());
    let summary_html = text(entry, "summary")
        .filter(|s| s.trim() != content_value.trim())
        .map(|s| {
            let kind = entry
                .get("summary_detail")
                .and_then(|d| d.get("type"))
                .and_then(Value::as_str)
                .unwrap_or("text/html");
            sanitize_html(&as_html(&s, kind), html_base)
        })
        .filter(|h| !h.trim().is_empty());
    let title = detail_as_text(entry, "title")
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| {
            let body = summary_html
                .as_deref()
                .or(content_html.as_deref())
                .map(linkx_core::text::html_to_text)
                .unwrap_or_default();
            let words = linkx_core::text::excerpt(&body, 12);
            if words.is_empty() {
                url.to_string()
            } else {
                words
            }
        });
    let author = entry_author(entry);
    let image = pick_image(entry, &url).or_else(|| {
        content_html
            .as_deref()
            .or(summary_html.as_deref())
            .and_then(first_img_src)
    });
    let guid = text(entry, "id").unwrap_or_else(|| url.to_string());
    let date = |key: &str| {
        entry
            .get(key)
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|d| d.with_timezone(&Utc))
    };
    let updated = date("updated_parsed");
    let categories = entry
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| t.get("term").and_then(Value::as_str))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .take(50)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Some(ParsedEntry {
        guid,
        url,
        title,
        summary_html,
        content_html,
        author,
        published: date("published_parsed").or(updated),
        updated,
        image,
        categories,
        language: ["title_detail", "summary_detail"]
            .iter()
            .find_map(|d| {
                entry
                    .get(d)
                    .and_then(|v| v.get("language"))
                    .and_then(Value::as_str)
                    .and_then(language_tag)
            })
            .or_else(|| feed_language.map(str::to_string)),
    })
}

/// A plausible BCP 47 language tag (`en`, `pt-BR`), or `None`.
fn language_tag(text: &str) -> Option<String> {
    let tag = text.trim().replace('_', "-");
    let valid = (2..=35).contains(&tag.len())
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && tag.split('-').next().is_some_and(|p| {
            p.len() >= 2 && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphabetic())
        });
    valid.then_some(tag)
}

/// Every named author, comma-separated (`dc:creator`, Atom `author`, `itunes:author`).
fn entry_author(entry: &Dict) -> Option<String> {
    let mut names: Vec<String> = entry
        .get("authors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("name").and_then(Value::as_str))
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|n| !n.is_empty())
        .collect();
    names.dedup();
    if names.is_empty() {
        return entry
            .get("author_detail")
            .and_then(|d| d.get("name"))
            .and_then(Value::as_str)
            .or_else(|| entry.get("author").and_then(Value::as_str))
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string);
    }
    Some(names.join(", "))
}

fn resolve(href: &str, base: Option<&Url>) -> Option<Url> {
    let url = match base {
        Some(b) => b.join(href.trim()).ok()?,
        None => Url::parse(href.trim()).ok()?,
    };
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// The entry's picture: a Media RSS thumbnail or image, an image enclosure, or an iTunes image.
fn pick_image(entry: &Dict, base: &Url) -> Option<Url> {
    let list = |key: &str| {
        entry
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let attr = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let is_image = |v: &Value| {
        attr(v, "medium").as_deref() == Some("image")
            || attr(v, "type").is_some_and(|t| t.starts_with("image/"))
    };
    let candidates = list("media_thumbnail")
        .iter()
        .filter_map(|t| attr(t, "url"))
        .chain(
            list("media_content")
                .iter()
                .filter(|c| is_image(c))
                .filter_map(|c| attr(c, "url")),
        )
        .chain(
            list("enclosures")
                .iter()
                .filter(|e| is_image(e))
                .filter_map(|e| attr(e, "href")),
        )
        .chain(entry.get("image").and_then(|i| attr(i, "href")))
        .collect::<Vec<_>>();
    candidates.iter().find_map(|c| resolve(c, Some(base)))
}

/// The `src` of the first `<img>` in sanitized HTML (already absolute).
fn first_img_src(html: &str) -> Option<Url> {
    let start = html.find("<img ")?;
    let rest = &html[start..];
    let src = rest.find("src=\"")?;
    let value = &rest[src + 5..];
    let end = value.find('"')?;
    Url::parse(&linkx_core::text::decode_entities(&value[..end]))
        .ok()
        .filter(|u| u.scheme() == "https" || u.scheme() == "http")
}
