//! The full-text stage: for new articles whose feed carries only a teaser, fetch the article
//! page politely (the same fetcher: robots.txt, per-host limits, SSRF refusal, size cap) and
//! extract its text. A failure is recorded on the article and never holds it back: the item
//! is published with its feed text either way.

use crate::poll::PollContext;
use linkx_core::FullText;
use linkx_core::text::excerpt;
use linkx_extract::PageKind;
use linkx_store::{NewArticle, Source};
use url::Url;

/// Feed text shorter than this (characters) is a teaser under `full_text = "auto"`.
pub const TEASER_CHARS: usize = 500;

/// Article pages fetched per source per poll at most, so one busy feed cannot monopolise a
/// host or the poll.
pub const MAX_PAGES_PER_POLL: usize = 20;

/// Whether the feed's text for an article is a teaser worth replacing.
pub fn looks_truncated(text: &str) -> bool {
    let t = text.trim_end();
    let lower = t.to_lowercase();
    t.chars().count() < TEASER_CHARS
        || t.ends_with('…')
        || t.ends_with("...")
        || t.ends_with("[…]")
        || t.ends_with("[...]")
        || lower.ends_with("read more")
        || lower.ends_with("continue reading")
}

/// Fills in the full text of the new articles that need it, in place.
pub async fn fill_full_text(ctx: &PollContext, source: &Source, articles: &mut [NewArticle]) {
    if source.full_text == FullText::Never || articles.is_empty() {
        return;
    }
    let wanted: Vec<usize> = articles
        .iter()
        .enumerate()
        .filter(|(_, a)| source.full_text == FullText::Always || looks_truncated(&a.body_text))
        .map(|(i, _)| i)
        .collect();
    if wanted.is_empty() {
        return;
    }
    let guids: Vec<&str> = wanted.iter().map(|i| articles[*i].guid.as_str()).collect();
    let known = match ctx.store.known_guids(source.id, &guids).await {
        Ok(known) => known,
        Err(e) => {
            tracing::warn!(source_id = source.id, error = %e, "could not check stored articles; skipping full text");
            return;
        }
    };
    let mut fetched = 0;
    for index in wanted {
        let article = &mut articles[index];
        if known.contains(&article.guid) {
            continue;
        }
        if fetched == MAX_PAGES_PER_POLL {
            article.extraction = Some("failed: page limit for one poll reached".into());
            continue;
        }
        fetched += 1;
        let outcome = fetch_and_extract(ctx, &article.url).await;
        apply(article, outcome);
    }
}

enum Outcome {
    Extracted(Box<linkx_extract::Extracted>),
    Failed(String),
}

async fn fetch_and_extract(ctx: &PollContext, url: &str) -> Outcome {
    let Ok(parsed) = Url::parse(url) else {
        return Outcome::Failed(format!("not a URL: {url}"));
    };
    let body = match ctx.fetcher.fetch_page(&parsed).await {
        Ok(body) => body,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let is_html = body
        .content_type
        .as_deref()
        .is_none_or(|ct| ct.to_ascii_lowercase().contains("html"));
    if !is_html {
        return Outcome::Failed(format!(
            "the page is {}, not HTML",
            body.content_type.as_deref().unwrap_or("unknown")
        ));
    }
    let final_url = body.final_url.to_string();
    let extracted = tokio::task::spawn_blocking(move || {
        let html = String::from_utf8_lossy(&body.bytes);
        linkx_extract::extract_article(&html, Some(&final_url))
    })
    .await;
    match extracted {
        Ok(Ok(article)) => Outcome::Extracted(Box::new(article)),
        Ok(Err(e)) => Outcome::Failed(e.to_string()),
        Err(e) => Outcome::Failed(format!("extraction stopped: {e}")),
    }
}

/// Uses the page's text when it is an article with more text than the feed gave; records
/// what happened either way.
fn apply(article: &mut NewArticle, outcome: Outcome) {
    let extracted = match outcome {
        Outcome::Failed(why) => {
            tracing::info!(url = %article.url, reason = %why, "full text not extracted; keeping the feed text");
            article.extraction = Some(format!("failed: {why}"));
            return;
        }
        Outcome::Extracted(extracted) => extracted,
    };
    if extracted.kind != PageKind::Article {
        article.extraction = Some(extracted.kind.as_str().to_string());
        return;
    }
    article.extraction = Some("ok".into());
    if extracted.text.chars().count() <= article.body_text.chars().count() {
        return;
    }
    if article.excerpt.trim().is_empty() {
        article.excerpt = excerpt(&extracted.text, crate::process::EXCERPT_WORDS);
    }
    article.body_text = extracted.text;
    if article.content_html.is_none() && !extracted.html.trim().is_empty() {
        article.content_html = Some(extracted.html);
    }
    if article.image_url.is_none() {
        article.image_url = extracted.image;
    }
    if article.author.is_none() {
        article.author = extracted.byline;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teasers_are_recognised() {
        assert!(looks_truncated("A short teaser."));
        let long = "word ".repeat(200);
        assert!(!looks_truncated(&long));
        assert!(looks_truncated(&format!("{long} and then […]")));
        assert!(looks_truncated(&format!("{long} Read more")));
    }
}
