//! `linkx source …`: adding (with feed autodiscovery), listing, removing, OPML in and out.

use crate::fetch::Fetcher;
use crate::settings::UsageError;
use anyhow::Context;
use linkx_core::jobs::{Discovery, FeedOffer};
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
    pub licence: Option<String>,
    pub permission: Option<String>,
}

/// What `source add` found at the address it was given.
pub struct Added {
    pub source: Source,
    /// Other feeds the page advertised, offered to the operator.
    pub alternatives: Vec<Url>,
}

/// Feeds read per discovered page: a page listing dozens of feeds (one per category) is
/// offered its first few.
const MAX_OFFERS: usize = 8;
/// Newest item titles shown per offered feed.
const LATEST_TITLES: usize = 3;

fn offer(url: &Url, format: &str, parsed: Result<linkx_feed::ParsedFeed, String>) -> FeedOffer {
    match parsed {
        Ok(feed) => FeedOffer {
            url: url.to_string(),
            title: feed.title.filter(|t| !t.trim().is_empty()),
            format: format.to_string(),
            site_url: feed.site_url.as_ref().map(Url::to_string),
            items: feed.entries.len(),
            latest: feed
                .entries
                .iter()
                .take(LATEST_TITLES)
                .map(|e| e.title.clone())
                .collect(),
            error: None,
            followed: false,
        },
        Err(error) => FeedOffer {
            url: url.to_string(),
            format: format.to_string(),
            error: Some(error),
            ..FeedOffer::default()
        },
    }
}

/// `json`, `atom` or `rss`, from the body's first bytes (for the operator's eyes only).
fn feed_format(bytes: &[u8]) -> &'static str {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    if head
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('{')
    {
        "json"
    } else if head.contains("<feed") {
        "atom"
    } else {
        "rss"
    }
}

/// What a site or feed address offers: the address itself when it is a feed, else every feed
/// its page advertises, each read once. Fails when there is nothing to offer.
pub async fn discover(store: &Store, fetcher: &Fetcher, input: &str) -> anyhow::Result<Discovery> {
    let url = SourceUrl::parse(input)
        .map_err(|e| UsageError(e.to_string()))?
        .into_url();
    let body = fetcher
        .fetch_page(&url)
        .await
        .with_context(|| format!("while fetching {url}"))?;
    let mut feeds = Vec::new();
    match sniff(&body.bytes) {
        Sniffed::Html => {
            let html = String::from_utf8_lossy(&body.bytes);
            let found = discover_feeds(&html, &body.final_url);
            if found.is_empty() {
                return Err(UsageError(format!(
                    "{url} is a web page that advertises no feed: give the feed's own URL"
                ))
                .into());
            }
            for f in found.iter().take(MAX_OFFERS) {
                let parsed = match fetcher.fetch_page(&f.url).await {
                    Ok(feed_body) => parse_feed(&feed_body.bytes, Some(&feed_body.final_url))
                        .map(|feed| (feed_body.final_url, feed))
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                let (final_url, parsed) = match parsed {
                    Ok((final_url, feed)) => (final_url, Ok(feed)),
                    Err(e) => (f.url.clone(), Err(e)),
                };
                let mut o = offer(&final_url, f.kind, parsed);
                o.title = o.title.or_else(|| f.title.clone());
                feeds.push(o);
            }
        }
        _ => {
            let feed = parse_feed(&body.bytes, Some(&body.final_url))
                .map_err(|e| UsageError(format!("{url}: {e}")))?;
            feeds.push(offer(&body.final_url, feed_format(&body.bytes), Ok(feed)));
        }
    }
    for f in &mut feeds {
        f.followed = store.source_by_feed_url(&f.url).await?.is_some();
    }
    Ok(Discovery {
        input: input.trim().to_string(),
        feeds,
    })
}

/// Adds a source from a feed URL or a site URL (its first readable feed). The address is
/// fetched once so a typo or a non-feed is reported now, not at the first poll.
pub async fn add_source(
    store: &Store,
    fetcher: &Fetcher,
    input: &str,
    options: AddOptions,
    now: i64,
) -> anyhow::Result<Added> {
    if options.display == Display::Full && options.licence.is_none() && options.permission.is_none()
    {
        return Err(UsageError(
            "--display full needs the source's licence (--licence \"CC BY 4.0\") or a note of your permission (--permission \"…\")".into(),
        )
        .into());
    }
    let discovery = discover(store, fetcher, input).await?;
    let Some(chosen) = discovery.feeds.iter().find(|f| f.error.is_none()) else {
        let reasons: Vec<String> = discovery
            .feeds
            .iter()
            .map(|f| format!("{}: {}", f.url, f.error.as_deref().unwrap_or("?")))
            .collect();
        return Err(UsageError(format!(
            "the feeds advertised by {input} cannot be read: {}",
            reasons.join("; ")
        ))
        .into());
    };
    let feed_url =
        Url::parse(&chosen.url).map_err(|e| UsageError(format!("{}: {e}", chosen.url)))?;
    let name = options
        .name
        .or(chosen.title.clone())
        .unwrap_or_else(|| feed_url.host_str().unwrap_or("source").to_string());
    let new = NewSource {
        name,
        feed_url: chosen.url.clone(),
        site_url: chosen.site_url.clone(),
        display: options.display,
        full_text: options.full_text,
        polled: true,
        interval_secs: options.interval_secs,
        licence: options.licence,
        permission: options.permission,
    };
    let source = store.add_source(&new, now).await.map_err(|e| match e {
        StoreError::Duplicate(what) => {
            anyhow::Error::new(UsageError(format!("{what} is already followed")))
        }
        other => other.into(),
    })?;
    let alternatives = discovery
        .feeds
        .iter()
        .filter(|f| f.url != chosen.url)
        .filter_map(|f| Url::parse(&f.url).ok())
        .collect();
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
