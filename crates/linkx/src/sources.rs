//! `linkx source …`: adding (with feed autodiscovery), listing, removing, OPML in and out.

use crate::fetch::Fetcher;
use crate::settings::UsageError;
use anyhow::Context;
use linkx_core::{Display, FullText, SourceUrl};
use linkx_feed::{Sniffed, discover_feeds, parse_feed, sniff};
use linkx_store::{NewSource, Source, Store, StoreError};
use std::fmt::Write;
use url::Url;

pub struct AddOptions {
    pub name: Option<String>,
    pub display: Display,
    pub full_text: FullText,
    pub interval_secs: Option<i64>,
}

/// What `source add` found at the address it was given.
pub struct Added {
    pub source: Source,
    /// Other feeds the page advertised, offered to the operator.
    pub alternatives: Vec<Url>,
}

/// Adds a source from a feed URL or a site URL (its feed is discovered). The address is fetched
/// once so a typo or a non-feed is reported now, not at the first poll.
pub async fn add_source(
    store: &Store,
    fetcher: &Fetcher,
    input: &str,
    options: AddOptions,
    now: i64,
) -> anyhow::Result<Added> {
    let url = SourceUrl::parse(input)
        .map_err(|e| UsageError(e.to_string()))?
        .into_url();
    let body = fetcher
        .fetch_page(&url)
        .await
        .with_context(|| format!("while fetching {url}"))?;
    let (feed_url, feed, alternatives) = match sniff(&body.bytes) {
        Sniffed::Html => {
            let html = String::from_utf8_lossy(&body.bytes);
            let found = discover_feeds(&html, &body.final_url);
            let Some(first) = found.first() else {
                return Err(UsageError(format!(
                    "{url} is a web page that advertises no feed: give the feed's own URL"
                ))
                .into());
            };
            let feed_body = fetcher
                .fetch_page(&first.url)
                .await
                .with_context(|| format!("while fetching the discovered feed {}", first.url))?;
            let feed = parse_feed(&feed_body.bytes, Some(&feed_body.final_url)).map_err(|e| {
                UsageError(format!(
                    "the feed {} advertised by {url} cannot be read: {e}",
                    first.url
                ))
            })?;
            (
                feed_body.final_url,
                feed,
                found.iter().skip(1).map(|f| f.url.clone()).collect(),
            )
        }
        _ => {
            let feed = parse_feed(&body.bytes, Some(&body.final_url))
                .map_err(|e| UsageError(format!("{url}: {e}")))?;
            (body.final_url, feed, Vec::new())
        }
    };
    let name = options
        .name
        .or(feed.title.clone())
        .unwrap_or_else(|| feed_url.host_str().unwrap_or("source").to_string());
    let new = NewSource {
        name,
        feed_url: feed_url.to_string(),
        site_url: feed.site_url.as_ref().map(Url::to_string),
        display: options.display,
        full_text: options.full_text,
        polled: true,
        interval_secs: options.interval_secs,
    };
    let source = store.add_source(&new, now).await.map_err(|e| match e {
        StoreError::Duplicate(what) => {
            anyhow::Error::new(UsageError(format!("{what} is already followed")))
        }
        other => other.into(),
    })?;
    Ok(Added {
        source,
        alternatives,
    })
}

/// Adds a source by its feed URL without fetching it (configuration, OPML, defaults).
/// Returns `None` when the feed is already followed.
pub async fn ensure_source(
    store: &Store,
    new: &NewSource,
    now: i64,
) -> anyhow::Result<Option<Source>> {
    if store.source_by_feed_url(&new.feed_url).await?.is_some() {
        return Ok(None);
    }
    match store.add_source(new, now).await {
        Ok(source) => Ok(Some(source)),
        Err(StoreError::Duplicate(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub fn time(ts: Option<i64>) -> String {
    match ts.and_then(|t| chrono::DateTime::<chrono::Utc>::from_timestamp(t, 0)) {
        Some(d) => d.format("%Y-%m-%d %H:%M UTC").to_string(),
        None => "never".to_string(),
    }
}

/// The table printed by `linkx source list`: failing sources first, every error visible.
pub fn format_list(sources: &[Source]) -> String {
    let mut out = String::new();
    for s in sources {
        let status = if let Some(reason) = &s.disabled_reason {
            format!("STOPPED: {reason}")
        } else if !s.polled {
            "imported (not polled)".to_string()
        } else if let Some(err) = &s.last_error {
            format!("FAILING x{}: {err}", s.error_count)
        } else if s.last_fetch_at.is_some() {
            "ok".to_string()
        } else {
            "not checked yet".to_string()
        };
        let _ = writeln!(out, "{:>4}  {}  [{}]", s.id, s.name, s.display.as_str());
        let _ = writeln!(out, "      feed: {}", s.feed_url);
        let _ = writeln!(out, "      status: {status}");
        if s.polled && s.disabled_reason.is_none() {
            let _ = writeln!(
                out,
                "      last check: {} · next check: {}",
                time(s.last_fetch_at),
                time(Some(s.next_check_at))
            );
        }
    }
    if sources.is_empty() {
        out.push_str("No sources. Add one with `linkx source add URL`.\n");
    }
    out
}
