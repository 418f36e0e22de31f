//! The job runner: executes what web pages queued (feed discovery, "poll now") with the same
//! fetcher as the poller, and stores each outcome for the page to show. A job is claimed with a
//! lease, so one whose process died is picked up again.

use crate::fetch::Fetcher;
use crate::poll::{PollContext, poll_source};
use linkx_core::config::CommentsConfig;
use linkx_core::jobs::{JobRequest, PollOutcome};
use linkx_store::Job;
use std::sync::Arc;
use std::time::Duration;

/// What jobs run with: the poller's context (store, fetcher, clock, story and search stages),
/// a stricter fetcher for Webmention verification and the configured comment policy (mentions
/// are moderated like comments; runtime settings from the database are laid over it).
pub struct JobContext {
    pub poll: Arc<PollContext>,
    pub verifier: Fetcher,
    pub comments: CommentsConfig,
    /// The site's own URL (link-exchange partners must link to it).
    pub base_url: String,
}

impl JobContext {
    pub fn new(
        poll: Arc<PollContext>,
        comments: CommentsConfig,
        base_url: &str,
    ) -> anyhow::Result<JobContext> {
        Ok(JobContext {
            verifier: crate::webmention::verify_fetcher(&poll.fetcher)?,
            poll,
            comments,
            base_url: base_url.trim_end_matches('/').to_string(),
        })
    }
}

/// How long a claimed job may run before another runner may take it over.
const LEASE_SECONDS: i64 = 300;
/// How often the queue is checked when nothing wakes the runner (jobs queued by another
/// process of the site).
const IDLE_CHECK: Duration = Duration::from_secs(2);

/// Runs one job if one is queued; returns whether there was one.
pub async fn run_next(jobs: &JobContext) -> anyhow::Result<bool> {
    let ctx = &*jobs.poll;
    let Some(job) = ctx.store.claim_job(ctx.clock.now(), LEASE_SECONDS).await? else {
        return Ok(false);
    };
    let outcome = execute(jobs, &job).await;
    let now = ctx.clock.now();
    match outcome {
        Ok(result) => ctx.store.finish_job(job.id, Ok(&result), now).await?,
        Err(e) => {
            let message = format!("{e:#}");
            tracing::info!(job = job.id, kind = %job.kind, error = %message, "job failed");
            ctx.store.finish_job(job.id, Err(&message), now).await?;
        }
    }
    Ok(true)
}

async fn execute(jobs: &JobContext, job: &Job) -> anyhow::Result<String> {
    let ctx = &*jobs.poll;
    let request: JobRequest = serde_json::from_str(&job.payload)
        .map_err(|e| anyhow::anyhow!("this version cannot run a {} job ({e})", job.kind))?;
    match request {
        JobRequest::Discover { url } => {
            let discovery = crate::sources::discover(&ctx.store, &ctx.fetcher, &url).await?;
            Ok(serde_json::to_string(&discovery)?)
        }
        JobRequest::Poll { source_id } => {
            let source = ctx
                .store
                .source(source_id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("source {source_id} no longer exists"))?;
            let report = poll_source(ctx, &source).await;
            if let Some(search) = &ctx.search {
                search.flush_or_log().await;
            }
            Ok(serde_json::to_string(&PollOutcome {
                source_id,
                new_items: report.new_items,
                error: report.error,
            })?)
        }
        JobRequest::CheckPartners => {
            let checked = crate::webmention::check_partners(
                &ctx.store,
                &ctx.fetcher,
                &jobs.base_url,
                ctx.clock.now(),
            )
            .await?;
            Ok(serde_json::to_string(&format!(
                "{checked} partner(s) checked"
            ))?)
        }
        JobRequest::Verify {
            source,
            target,
            article_id,
        } => {
            let stored = ctx.store.site_settings().await?;
            let comments = linkx_web::admin::settings::apply_comments(&jobs.comments, &stored);
            let said = crate::webmention::verify(
                &ctx.store,
                &jobs.verifier,
                &comments,
                &source,
                &target,
                article_id,
                ctx.clock.now(),
            )
            .await?;
            Ok(serde_json::to_string(&said)?)
        }
    }
}

/// Runs queued jobs until the process ends, waking at once when `queued` is notified.
pub async fn run_forever(jobs: JobContext, queued: Arc<tokio::sync::Notify>) {
    loop {
        match run_next(&jobs).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "the job queue could not be read"),
        }
        let _ = tokio::time::timeout(IDLE_CHECK, queued.notified()).await;
    }
}
