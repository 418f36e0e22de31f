//! Feed bytes to [`ParsedFeed`]. The backend is feed-rs for now; its types never leave this module.

use crate::sanitize::sanitize_html;
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
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FeedError::Empty);
    }
    let parser = feed_rs::parser::Builder::new()
        .base_uri(base.map(Url::as_str))
        .build();
    let feed = match parser.parse(bytes) {
        Ok(feed) => feed,
        Err(e) => {
            return Err(match sniff(bytes) {
                Sniffed::Html => FeedError::HtmlNotFeed,
                _ => FeedError::NotAFeed(e.to_string()),
            });
        }
    };
    let site_url = pick_link(&feed.links, base);
    let resolve_base = site_url.as_ref().or(base);
    let mut entries = Vec::with_capacity(feed.entries.len());
    let mut skipped = 0;
    for entry in feed.entries {
        match convert_entry(entry, base, resolve_base) {
            Some(e) => entries.push(e),
            None => skipped += 1,
        }
    }
    Ok(ParsedFeed {
        title: feed
            .title
            .map(|t| plain(&t.content))
            .filter(|t| !t.is_empty()),
        site_url,
        entries,
        skipped,
    })
}

fn convert_entry(
    entry: feed_rs::model::Entry,
    feed_base: Option<&Url>,
    site_base: Option<&Url>,
) -> Option<ParsedEntry> {
    let url = pick_link(&entry.links, feed_base).or_else(|| {
        Url::parse(&entry.id)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
    })?;
    let html_base = Some(&url).or(site_base);
    let content_html = entry
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .map(|body| sanitize_html(body, html_base))
        .filter(|h| !h.trim().is_empty());
    let summary_html = entry
        .summary
        .as_ref()
        .map(text_as_html)
        .map(|body| sanitize_html(&body, html_base))
        .filter(|h| !h.trim().is_empty());
    let title = entry
        .title
        .as_ref()
        .map(|t| plain(&t.content))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| {
            let text = summary_html
                .as_deref()
                .or(content_html.as_deref())
                .map(linkx_core::text::html_to_text)
                .unwrap_or_default();
            let words = linkx_core::text::excerpt(&text, 12);
            if words.is_empty() {
                url.to_string()
            } else {
                words
            }
        });
    let author = entry
        .authors
        .iter()
        .filter_map(|p| p.name.as_deref().map(plain).filter(|n| !n.is_empty()))
        .collect::<Vec<_>>()
        .join(", ");
    let image = pick_image(&entry.media, url.as_str()).or_else(|| {
        content_html
            .as_deref()
            .or(summary_html.as_deref())
            .and_then(first_img_src)
    });
    let guid = if entry.id.trim().is_empty() {
        url.to_string()
    } else {
        entry.id.trim().to_string()
    };
    Some(ParsedEntry {
        guid,
        url,
        title,
        summary_html,
        content_html,
        author: (!author.is_empty()).then_some(author),
        published: entry.published.or(entry.updated),
        updated: entry.updated,
        image,
    })
}

/// The article link: `alternate` or unlabelled links first, never `self`, `enclosure` or `replies`.
fn pick_link(links: &[feed_rs::model::Link], base: Option<&Url>) -> Option<Url> {
    let usable = |l: &&feed_rs::model::Link| {
        matches!(l.rel.as_deref(), None | Some("alternate") | Some("")) && !l.href.trim().is_empty()
    };
    links
        .iter()
        .filter(usable)
        .chain(links.iter().filter(|l| l.rel.as_deref() == Some("related")))
        .find_map(|l| resolve(l.href.trim(), base))
}

fn resolve(href: &str, base: Option<&Url>) -> Option<Url> {
    let url = match base {
        Some(b) => b.join(href).ok()?,
        None => Url::parse(href).ok()?,
    };
    matches!(url.scheme(), "http" | "https").then_some(url)
}

fn pick_image(media: &[feed_rs::model::MediaObject], base: &str) -> Option<Url> {
    let base = Url::parse(base).ok();
    for object in media {
        if let Some(thumb) = object.thumbnails.first()
            && let Some(u) = resolve(&thumb.image.uri, base.as_ref())
        {
            return Some(u);
        }
        for content in &object.content {
            let is_image = content
                .content_type
                .as_ref()
                .is_some_and(|t| t.to_string().starts_with("image/"));
            if let (true, Some(u)) = (is_image, &content.url)
                && matches!(u.scheme(), "http" | "https")
            {
                return Some(u.clone());
            }
        }
    }
    None
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

/// Feed titles may carry markup or entities; the site shows them as plain text.
fn plain(s: &str) -> String {
    linkx_core::text::html_to_text(s)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A summary declared as plain text is escaped so it stays text after sanitizing.
fn text_as_html(t: &feed_rs::model::Text) -> String {
    let declared = t.content_type.to_string();
    if declared.starts_with("text/plain") && !t.content.contains('<') {
        t.content
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    } else {
        t.content.clone()
    }
}
