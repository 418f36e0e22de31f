//! Parsed feed entries to storable articles: text, excerpt, deduplication key. Pure.

use linkx_core::text::{excerpt, html_to_text};
use linkx_core::{slugify, urlnorm};
use linkx_feed::ParsedEntry;
use linkx_store::NewArticle;

/// Words in an excerpt shown for sources displayed as excerpts.
pub const EXCERPT_WORDS: usize = 60;

/// Turns entries into articles. Publication times in the future (clock skew, bad feeds) are
/// clamped to `now`; entries without one take `now`, so the newest poll sorts first.
pub fn articles_from_entries(entries: &[ParsedEntry], now: i64) -> Vec<NewArticle> {
    entries.iter().map(|e| article_from_entry(e, now)).collect()
}

fn article_from_entry(entry: &ParsedEntry, now: i64) -> NewArticle {
    let summary_text = entry
        .summary_html
        .as_deref()
        .map(html_to_text)
        .unwrap_or_default();
    let content_text = entry
        .content_html
        .as_deref()
        .map(html_to_text)
        .unwrap_or_default();
    let body_text = if content_text.len() >= summary_text.len() {
        content_text
    } else {
        summary_text.clone()
    };
    let excerpt_source = if summary_text.trim().is_empty() {
        &body_text
    } else {
        &summary_text
    };
    let clean_url = urlnorm::strip_tracking(&entry.url);
    NewArticle {
        guid: entry.guid.clone(),
        url: clean_url.to_string(),
        canonical_key: urlnorm::canonical_key(&entry.url),
        title: entry.title.clone(),
        slug: slugify(&entry.title),
        author: entry.author.clone(),
        summary_html: entry.summary_html.clone(),
        content_html: entry.content_html.clone(),
        excerpt: excerpt(excerpt_source, EXCERPT_WORDS),
        body_text,
        image_url: entry.image.as_ref().map(|u| u.to_string()),
        published_at: entry.published.map_or(now, |d| d.timestamp().min(now)),
        updated_at: entry.updated.map(|d| d.timestamp().min(now)),
        extraction: None,
        categories: entry.categories.clone(),
        language: entry.language.clone(),
    }
}

/// Drops the items the operator blocked (taken down for good); returns how many.
pub fn drop_blocked(
    articles: &mut Vec<linkx_store::NewArticle>,
    blocklist: &linkx_core::blocklist::Blocklist,
) -> usize {
    if blocklist.0.is_empty() {
        return 0;
    }
    let before = articles.len();
    articles.retain(|a| url::Url::parse(&a.url).map_or(true, |url| !blocklist.blocks(&url)));
    before - articles.len()
}

/// Drops the items the operator's include/exclude rules leave out; returns how many.
pub fn apply_rules(
    articles: &mut Vec<linkx_store::NewArticle>,
    rules: &linkx_core::rules::RuleSet,
    source_id: i64,
) -> usize {
    if rules.0.is_empty() {
        return 0;
    }
    let before = articles.len();
    articles.retain(|a| {
        rules.keeps(&linkx_core::rules::Item {
            source_id,
            title: &a.title,
            text: &a.body_text,
            author: a.author.as_deref(),
            url: &a.url,
            categories: &a.categories,
        })
    });
    before - articles.len()
}

/// Removes the operator's extra tracking parameters from item URLs (and so from their
/// deduplication keys), beyond the built-in list.
pub fn strip_params(articles: &mut [linkx_store::NewArticle], params: &[String]) {
    if params.is_empty() {
        return;
    }
    for a in articles.iter_mut() {
        let Ok(mut url) = url::Url::parse(&a.url) else {
            continue;
        };
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !params.iter().any(|p| k.eq_ignore_ascii_case(p)))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.len() == url.query_pairs().count() {
            continue;
        }
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
        a.url = url.to_string();
        a.canonical_key = linkx_core::urlnorm::canonical_key(&url);
    }
}
