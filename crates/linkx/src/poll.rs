//! Polling: one source (`poll_source`) and all due sources (`poll_due`).
//!
//! `poll_source` reads top to bottom: conditional GET → parse → process → store, and always
//! records the outcome, so a source is never silently dropped.

use crate::clock::Clock;
use crate::fetch::{CacheHints, FetchError, Fetched, Fetcher};
use crate::process::articles_from_entries;
use crate::schedule::{Policy, interval_after_error, interval_after_success, with_jitter};
use linkx_store::{PollRecord, Source, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use url::Url;

/// Everything a poll needs, shared by all concurrent polls.
pub struct PollContext {
    pub store: Store,
    pub fetcher: Fetcher,
    pub clock: Arc<dyn Clock>,
    pub policy: Policy,
    pub concurrency: usize,
    /// Fault injection for crash tests: abort the process after this many article writes.
    pub abort_after_writes: Option<u64>,
    pub writes: AtomicU64,
    /// The story stage: new articles are clustered right after they are stored.
    pub stories: crate::stories::StoryDesk,
    /// New and changed articles are noted here for the search index (`None`: no index).
    pub search: Option<Arc<crate::search::SearchSync>>,
    /// The site's URL when Webmentions are sent: each new or changed article's page mentions
    /// its original (`None`: nothing is sent).
    pub webmention_base: Option<String>,
}

/// What happened to one source in one poll.
#[derive(Debug, Clone)]
pub struct PollReport {
    pub source_id: i64,
    pub source_name: String,
    pub new_items: u64,
    pub not_modified: bool,
    pub error: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub struct PollSummary {
    pub sources: usize,
    pub ok: usize,
    pub not_modified: usize,
    pub failed: usize,
    pub new_items: u64,
    pub failures: Vec<(String, String)>,
}

impl PollContext {
    fn after_write(&self) {
        let written = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
        if self
            .abort_after_writes
            .is_some_and(|limit| written >= limit)
        {
            eprintln!("fault injection: aborting after {written} article writes");
            std::process::abort();
        }
    }
}

/// Polls one source and records the outcome with its articles in one transaction.
pub async fn poll_source(ctx: &PollContext, source: &Source) -> PollReport {
    let started = std::time::Instant::now();
    let now = ctx.clock.now();
    let mut report = PollReport {
        source_id: source.id,
        source_name: source.name.clone(),
        new_items: 0,
        not_modified: false,
        error: None,
    };
    let outcome = fetch_and_parse(ctx, source).await;
    let mut record = PollRecord {
        at: now,
        ..PollRecord::default()
    };
    let mut articles = Vec::new();
    let hints = match outcome {
        Ok(Polled::NotModified(hints)) => {
            report.not_modified = true;
            record.status = Some(304);
            hints
        }
        Ok(Polled::Feed { feed, body }) => {
            record.status = Some(body.status);
            record.etag = body.etag;
            record.last_modified = body.last_modified;
            record.moved_to = body.moved_permanently_to.map(|u| u.to_string());
            record.site_url = feed.site_url.as_ref().map(Url::to_string);
            articles = articles_from_entries(&feed.entries, now);
            match editorial_filters(ctx, source.id, &mut articles).await {
                Ok(()) => {}
                // Storing a blocked or excluded item would be worse than storing nothing: the
                // poll counts as failed (the validators stay, so the next poll fetches again).
                Err(e) => {
                    let message = format!("could not read the blocklist and rules: {e}");
                    record.error = Some(message.clone());
                    report.error = Some(message);
                    articles.clear();
                }
            }
            crate::fulltext::fill_full_text(ctx, source, &mut articles).await;
            body.hints
        }
        Err(failure) => {
            record.status = failure.status;
            record.error = Some(failure.message.clone());
            if failure.gone {
                record.disable_reason = Some(failure.message.clone());
            }
            report.error = Some(failure.message);
            failure.hints
        }
    };
    record.next_check_at = now + next_interval(ctx, source, &record, &articles, hints).await;
    record.current_interval_secs = Some(record.next_check_at - now);
    record.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    if let Err(e) = ctx.stories.refresh_if_stale(&ctx.store, now).await {
        tracing::error!(error = %e, "could not rebuild the story engine; keeping the old one");
    }
    match ctx
        .store
        .ingest(source.id, &articles, &record, &mut || ctx.after_write())
        .await
    {
        Ok(ingested) => {
            report.new_items = ingested.counts.new;
            if let Some(search) = &ctx.search {
                search.note(ingested.new_ids.iter().map(|(_, id)| *id));
                search.note(ingested.updated_ids.iter().copied());
            }
            if let Err(e) =
                crate::topics::file_new(&ctx.store, source.id, &articles, &ingested).await
            {
                tracing::warn!(source_id = source.id, error = %e, "could not file new articles under topics");
            }
            if let Some(base) = &ctx.webmention_base {
                queue_mentions(ctx, base, &articles, &ingested, now).await;
            }
            // A failed story assignment leaves each new article a story of its own: nothing is
            // lost, and the site still shows it.
            match ctx
                .stories
                .assign(&ctx.store, &articles, &ingested, &source.name)
                .await
            {
                Ok(moved) => {
                    if let Some(search) = &ctx.search {
                        search.note(moved);
                    }
                }
                Err(e) => {
                    tracing::error!(source_id = source.id, url = %source.feed_url, error = %e, "could not assign stories");
                }
            }
        }
        Err(e) => {
            tracing::error!(source_id = source.id, url = %source.feed_url, error = %e, "could not store poll result");
            report.error = Some(format!("could not store the result: {e}"));
        }
    }
    if let Some(error) = &report.error {
        tracing::warn!(source_id = source.id, url = %source.feed_url, error = %error, "poll failed");
    } else {
        tracing::debug!(source_id = source.id, url = %source.feed_url, new = report.new_items, "polled");
    }
    report
}

/// Applies the operator's decisions before anything is stored: extra tracking parameters
/// stripped, blocked items (takedowns) and items the include/exclude rules leave out dropped.
async fn editorial_filters(
    ctx: &PollContext,
    source_id: i64,
    articles: &mut Vec<linkx_store::NewArticle>,
) -> Result<(), linkx_store::StoreError> {
    let settings = ctx.store.site_settings().await?;
    if let Some((_, list)) = settings
        .iter()
        .find(|(name, _)| name == linkx_core::rules::STRIP_PARAMS_SETTING)
    {
        crate::process::strip_params(articles, &linkx_core::rules::parse_param_list(list));
    }
    crate::process::drop_blocked(articles, &ctx.store.blocklist().await?);
    crate::process::apply_rules(articles, &ctx.store.rule_set().await?, source_id);
    Ok(())
}

/// Queues a Webmention from each new or changed article's page to its original.
async fn queue_mentions(
    ctx: &PollContext,
    base: &str,
    articles: &[linkx_store::NewArticle],
    ingested: &linkx_store::Ingested,
    now: i64,
) {
    let mut pages: Vec<(i64, String, String)> = ingested
        .new_ids
        .iter()
        .filter_map(|&(i, id)| articles.get(i).map(|a| (id, a.slug.clone(), a.url.clone())))
        .collect();
    // A changed article's page changed: its original hears of it again.
    if !ingested.updated_ids.is_empty() {
        match ctx.store.cards(&ingested.updated_ids).await {
            Ok(cards) => pages.extend(cards.into_iter().map(|a| (a.id, a.slug, a.url))),
            Err(e) => tracing::warn!(error = %e, "could not read updated articles for Webmention"),
        }
    }
    let pages: Vec<(i64, &str, &str)> = pages
        .iter()
        .map(|(id, slug, url)| (*id, slug.as_str(), url.as_str()))
        .collect();
    let pairs = crate::webmention::article_mentions(base, &pages);
    if let Err(e) = ctx.store.queue_webmention_sends(&pairs, now).await {
        tracing::warn!(error = %e, "could not queue Webmentions for new articles");
    }
}

enum Polled {
    NotModified(CacheHints),
    Feed {
        feed: linkx_feed::ParsedFeed,
        body: Box<crate::fetch::Body>,
    },
}

struct Failure {
    message: String,
    status: Option<u16>,
    gone: bool,
    hints: CacheHints,
}

async fn fetch_and_parse(ctx: &PollContext, source: &Source) -> Result<Polled, Failure> {
    let url = Url::parse(&source.feed_url).map_err(|e| Failure {
        message: format!("the feed URL is invalid ({e}): fix it with `linkx source remove` and `linkx source add`"),
        status: None,
        gone: false,
        hints: CacheHints::default(),
    })?;
    let fetched = ctx
        .fetcher
        .fetch(
            &url,
            source.etag.as_deref(),
            source.last_modified.as_deref(),
        )
        .await
        .map_err(|e| {
            let hints = match &e {
                FetchError::Status { retry_after, .. } => CacheHints {
                    max_age: None,
                    retry_after: *retry_after,
                },
                _ => CacheHints::default(),
            };
            Failure {
                status: e.status(),
                gone: matches!(e, FetchError::Gone),
                message: e.to_string(),
                hints,
            }
        })?;
    let body = match fetched {
        Fetched::NotModified { hints } => return Ok(Polled::NotModified(hints)),
        Fetched::Body(body) => body,
    };
    match linkx_feed::parse_feed_served(
        &body.bytes,
        Some(&body.final_url),
        body.content_type.as_deref(),
    ) {
        Ok(feed) => Ok(Polled::Feed { feed, body }),
        Err(e) => Err(Failure {
            message: e.to_string(),
            status: Some(body.status),
            gone: false,
            hints: body.hints,
        }),
    }
}

async fn next_interval(
    ctx: &PollContext,
    source: &Source,
    record: &PollRecord,
    articles: &[linkx_store::NewArticle],
    hints: CacheHints,
) -> i64 {
    let interval = if record.error.is_some() {
        interval_after_error(
            ctx.policy,
            source.interval_secs,
            source.error_count + 1,
            hints,
        )
    } else {
        let mut times = ctx
            .store
            .recent_publication_times(source.id, 20)
            .await
            .unwrap_or_default();
        times.extend(articles.iter().map(|a| a.published_at));
        interval_after_success(ctx.policy, source.interval_secs, &times, hints)
    };
    with_jitter(interval, source.id, record.at)
}

/// Polls every due source (every polled source with `all`), `concurrency` at once, calling
/// `on_done` after each. Due sources are claimed from the store a few at a time as slots free
/// up, so any number of workers (processes or `linkx poll` runs) share them without fetching
/// one twice. `all` (the operator's `poll --once`) takes every polled source as it is, claimed
/// or not: a worker that died mid-poll holds nothing back.
pub async fn poll_due(
    ctx: Arc<PollContext>,
    all: bool,
    on_start: impl FnOnce(usize),
    on_done: impl Fn(&PollReport),
) -> Result<PollSummary, linkx_store::StoreError> {
    let now = ctx.clock.now();
    let mut listed = if all {
        let mut sources = ctx.store.due_sources(i64::MAX).await?;
        sources.reverse();
        Some(sources)
    } else {
        None
    };
    let due = match &listed {
        Some(sources) => sources.len(),
        None => usize::try_from(ctx.store.count_due_sources(now, now).await?).unwrap_or(0),
    };
    on_start(due);
    let mut summary = PollSummary::default();
    let slots = ctx.concurrency.max(1);
    let mut tasks = tokio::task::JoinSet::new();
    let mut exhausted = false;
    loop {
        // Claim only what can start now: the rest stays free for other workers.
        let free = slots.saturating_sub(tasks.len());
        if !exhausted && free > 0 {
            let claimed = match &mut listed {
                Some(sources) => {
                    let at = sources.len().saturating_sub(free);
                    sources.split_off(at)
                }
                None => {
                    let at = ctx.clock.now();
                    let limit = i64::try_from(free).unwrap_or(i64::MAX);
                    ctx.store
                        .claim_due_sources(at, at, ctx.policy.lease, limit)
                        .await?
                }
            };
            exhausted = claimed.len() < free;
            summary.sources += claimed.len();
            for source in claimed {
                let ctx = ctx.clone();
                tasks.spawn(async move { poll_source(&ctx, &source).await });
            }
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        let report = match joined {
            Ok(report) => report,
            Err(e) => {
                tracing::error!(error = %e, "poll task failed");
                summary.failed += 1;
                continue;
            }
        };
        on_done(&report);
        if let Some(search) = &ctx.search
            && search.due()
        {
            search.flush_or_log().await;
        }
        summary.new_items += report.new_items;
        match &report.error {
            Some(error) => {
                summary.failed += 1;
                summary
                    .failures
                    .push((report.source_name.clone(), error.clone()));
            }
            None if report.not_modified => summary.not_modified += 1,
            None => summary.ok += 1,
        }
    }
    if let Some(search) = &ctx.search {
        search.flush_or_log().await;
    }
    Ok(summary)
}
