//! Article pages in, article out: the main text (paragraphs separated by blank lines), cleaned
//! main HTML and the page's metadata (title, byline, dates, language, site name, lead image,
//! canonical URL), plus what kind of page it is — an article, a paywall or consent wall, or
//! not an article at all — so the pipeline never publishes a cookie banner as news.
//!
//! The DOM scoring is readability's (dom_smoothie); metadata merges JSON-LD, OpenGraph/Twitter
//! and `<meta>`/`<link>` tags; boilerplate paragraphs are dropped afterwards. Takes a string,
//! returns values; never does I/O and never panics on any input.

mod bounds;
mod kind;
mod metadata;
mod text;

pub use kind::PageKind;
pub mod webmention;

use serde_json::{Value, json};

/// Pages are cut here before parsing: article text sits near the top, and
/// parsing time and memory stay bounded.
pub const MAX_HTML_BYTES: usize = 8 * 1024 * 1024;

/// Start tags parsed at most; a page with more is parsed up to here.
pub const MAX_ELEMENTS: usize = 60_000;

/// What was extracted from one page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    pub url: Option<String>,
    pub title: Option<String>,
    pub byline: Option<String>,
    /// RFC 3339, UTC.
    pub published: Option<String>,
    pub updated: Option<String>,
    pub lang: Option<String>,
    pub site_name: Option<String>,
    pub image: Option<String>,
    pub canonical_url: Option<String>,
    pub excerpt: Option<String>,
    /// Main text, paragraphs separated by blank lines.
    pub text: String,
    /// Main content as HTML, sanitized by ammonia (links absolute when the URL is known).
    pub html: String,
    pub kind: PageKind,
}

impl Extracted {
    /// The `linkx extract` output line for `file`.
    pub fn to_json(&self, file: &str) -> Value {
        json!({
            "file": file,
            "url": self.url,
            "title": self.title,
            "byline": self.byline,
            "published": self.published,
            "updated": self.updated,
            "lang": self.lang,
            "site_name": self.site_name,
            "image": self.image,
            "canonical_url": self.canonical_url,
            "excerpt": self.excerpt,
            "text": self.text,
            "html": self.html,
            "kind": self.kind.as_str(),
        })
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExtractError {
    #[error("the page is empty")]
    Empty,
    #[error("the page is not HTML (it looks like binary data)")]
    NotHtml,
}

/// Extracts the article from `html`. `url` is where the page came from: relative links and
/// images resolve against it.
pub fn extract_article(html: &str, url: Option<&str>) -> Result<Extracted, ExtractError> {
    if html.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    let control = html
        .bytes()
        .take(4096)
        .filter(|b| *b < 0x09 || (*b > 0x0d && *b < 0x20))
        .count();
    if control > 64 {
        return Err(ExtractError::NotHtml);
    }
    let html = bounds::bounded_prefix(html, MAX_HTML_BYTES, MAX_ELEMENTS);
    let html = bounds::flatten_deep_nesting(html);
    let html = html.as_ref();
    let url = url.filter(|u| url::Url::parse(u).is_ok());
    let document = dom_query::Document::from(html);
    let meta = metadata::read(&document, url);
    let config = dom_smoothie::Config {
        max_elements_to_parse: 0,
        text_mode: dom_smoothie::TextMode::Raw,
        ..Default::default()
    };
    let readable = dom_smoothie::Readability::with_document(document, url, Some(config))
        .ok()
        .and_then(|mut r| r.parse().ok());
    let (content_html, smoothie_title) = match &readable {
        Some(article) => (article.content.to_string(), Some(article.title.to_string())),
        None => (String::new(), None),
    };
    let (mut body, link_density) = text::paragraphs(&content_html);
    // JSON-LD's articleBody is the fallback when the DOM gave (almost) nothing: measured on
    // AEB, preferring it whenever it is longer loses F1 (it often differs from the visible text).
    if let Some(article_body) = meta.article_body.as_deref() {
        let from_json = text::plain_paragraphs(article_body);
        let chars = |paragraphs: &[String]| paragraphs.iter().map(String::len).sum::<usize>();
        let (json_chars, dom_chars) = (chars(&from_json), chars(&body));
        if json_chars >= 200 && dom_chars < 200 {
            body = from_json;
        }
    }
    let byline_hint = meta
        .byline
        .clone()
        .or_else(|| readable.as_ref().and_then(|a| a.byline.clone()));
    let mut body = text::drop_boilerplate(text::drop_story_lists(body), byline_hint.as_deref());
    // The headline is metadata, not part of the text.
    let headline = meta
        .title
        .as_deref()
        .or(smoothie_title.as_deref())
        .map(collapse);
    // The page title may carry the site's name after the headline ("… | Slate").
    let is_headline = |p: &str, headline: &str| {
        p.eq_ignore_ascii_case(headline)
            || headline
                .strip_prefix(p)
                .is_some_and(|rest| TITLE_SEPARATORS.iter().any(|s| rest.starts_with(s)))
    };
    if let (Some(first), Some(headline)) = (body.first(), headline)
        && is_headline(first, &headline)
    {
        body.remove(0);
    }
    let text = body.join("\n\n");
    let base = url.and_then(|u| url::Url::parse(u).ok());
    let clean_html = linkx_feed::sanitize_html(&content_html, base.as_ref());
    let kind = kind::classify(&text, &meta, link_density);
    let site_name = meta
        .site_name
        .clone()
        .or_else(|| readable.as_ref().and_then(|a| a.site_name.clone()));
    let title = meta
        .title
        .clone()
        .or(smoothie_title)
        .map(|t| without_site_name(&collapse(&t), site_name.as_deref(), base.as_ref()).to_string())
        .filter(|t| !t.is_empty());
    let byline = meta
        .byline
        .clone()
        .or_else(|| readable.as_ref().and_then(|a| a.byline.clone()))
        .map(|b| collapse(&b))
        .filter(|b| !b.is_empty());
    let excerpt = meta
        .description
        .clone()
        .map(|e| collapse(&e))
        .filter(|e| !e.is_empty())
        .or_else(|| {
            let first = linkx_core::text::excerpt(&text, 40);
            (!first.is_empty()).then_some(first)
        });
    let published = meta
        .published
        .clone()
        .or_else(|| readable.as_ref().and_then(|a| a.published_time.clone()))
        .and_then(|d| normalize_date(&d));
    let updated = meta
        .updated
        .clone()
        .or_else(|| readable.as_ref().and_then(|a| a.modified_time.clone()))
        .and_then(|d| normalize_date(&d));
    Ok(Extracted {
        url: url.map(str::to_string),
        title,
        byline,
        published,
        updated,
        lang: meta
            .lang
            .clone()
            .or_else(|| readable.as_ref().and_then(|a| a.lang.clone())),
        site_name,
        image: meta
            .image
            .clone()
            .or_else(|| readable.as_ref().and_then(|a| a.image.clone())),
        canonical_url: meta.canonical.clone(),
        excerpt,
        text,
        html: if kind == PageKind::Article {
            clean_html
        } else {
            String::new()
        },
        kind,
    })
}

/// What separates a headline from the site's name in page titles.
const TITLE_SEPARATORS: [&str; 7] = [" | ", "|", "｜", " - ", " – ", " — ", " · "];

/// `title` without the site's name that page titles often carry, after the headline or before
/// it ("Headline | Site", "Site - Headline", "見出し｜サイト"): the name the page states
/// (`site`), or when it states none that matches, a short part naming the site by its address
/// (`… | Reuters` on reuters.com, `BBC News - …` on bbc.co.uk). The headline always stays.
fn without_site_name<'a>(title: &'a str, site: Option<&str>, url: Option<&url::Url>) -> &'a str {
    let site = site.map(str::trim).filter(|s| !s.is_empty());
    let host = host_labels(url);
    let names_site = |part: &str| {
        let part = part.trim();
        site.is_some_and(|s| part.eq_ignore_ascii_case(s)) || names_host(part, &host)
    };
    for sep in TITLE_SEPARATORS {
        for (at, _) in title.match_indices(sep) {
            let (head, tail) = (&title[..at], &title[at + sep.len()..]);
            if !head.trim().is_empty() && names_site(tail) {
                return head.trim_end();
            }
            if !tail.trim().is_empty() && names_site(head) {
                return tail.trim_start();
            }
        }
    }
    title
}

/// The labels of `url`'s host that can name a site (`www`, the last label and generic ones
/// like `com` or `co` left out).
fn host_labels(url: Option<&url::Url>) -> Vec<&str> {
    let Some(host) = url.and_then(url::Url::host_str) else {
        return Vec::new();
    };
    let mut labels: Vec<&str> = host.split('.').collect();
    labels.pop();
    labels.retain(|l| l.len() >= 3 && !["www", "com", "org", "net", "gov", "edu"].contains(l));
    labels
}

/// Whether a title's `part` is a name (four words at most) that one of the host's `labels`
/// spells, spaces and case aside: `The Guardian` for theguardian.com, `TheHill` for
/// thehill.com.
fn names_host(part: &str, labels: &[&str]) -> bool {
    let squeezed: String = (part.chars())
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    part.split_whitespace().count() <= 4
        && squeezed.chars().count() >= 3
        && labels.iter().any(|label| {
            squeezed.starts_with(label) || (squeezed.len() >= 4 && label.contains(&squeezed))
        })
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Any date a page states, as RFC 3339 UTC; `None` when it cannot be read.
fn normalize_date(s: &str) -> Option<String> {
    linkx_feed::parse_date(s).map(|d| linkx_feed::rfc3339_utc(&d))
}
