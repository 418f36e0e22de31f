//! `[retention]`: old articles lose their full text, then are deleted (with their comments and
//! mentions). Run daily by the server and on demand by `linkx retention [--dry-run]`.

use linkx_core::config::RetentionConfig;
use linkx_search::SearchIndex;
use linkx_store::{RetentionReport, Store};
use std::sync::Arc;

const DAY: i64 = 86_400;

/// The cut-off times for `now`: full text older than the first, articles older than the second.
pub fn cutoffs(config: &RetentionConfig, now: i64) -> (Option<i64>, Option<i64>) {
    let before = |days: u32| (days > 0).then(|| now - i64::from(days) * DAY);
    (before(config.full_text_days), before(config.keep_days))
}

/// What retention would do now.
pub async fn plan(
    store: &Store,
    config: &RetentionConfig,
    now: i64,
) -> anyhow::Result<RetentionReport> {
    let (trim, delete) = cutoffs(config, now);
    Ok(store.retention_plan(trim, delete).await?)
}

/// Applies retention and brings the search index in step (deleted articles removed, trimmed
/// ones indexed with what is left of them).
pub async fn apply(
    store: &Store,
    index: Option<&Arc<SearchIndex>>,
    config: &RetentionConfig,
    now: i64,
) -> anyhow::Result<RetentionReport> {
    let (trim, delete) = cutoffs(config, now);
    if trim.is_none() && delete.is_none() {
        return Ok(RetentionReport::default());
    }
    let done = store.apply_retention(trim, delete).await?;
    if let Some(index) = index
        && (!done.deleted.is_empty() || !done.trimmed.is_empty())
    {
        let rows = store.index_rows(&done.trimmed).await?;
        let docs: Vec<_> = rows.into_iter().map(crate::search::index_doc).collect();
        let (index, deleted) = (index.clone(), done.deleted.clone());
        tokio::task::spawn_blocking(move || -> Result<(), linkx_search::SearchError> {
            index.delete(&deleted)?;
            index.upsert(&docs)?;
            index.commit()
        })
        .await??;
    }
    Ok(done)
}

/// "dropped the full text of N articles older than D days; deleted M articles older than E days"
pub fn describe(report: &RetentionReport, config: &RetentionConfig, would: bool) -> String {
    let verb = |done: &str, maybe: &str| {
        if would {
            maybe.to_string()
        } else {
            done.to_string()
        }
    };
    let mut parts = Vec::new();
    if config.full_text_days > 0 {
        parts.push(format!(
            "{} the full text of {} article(s) older than {} days",
            verb("dropped", "would drop"),
            report.trimmed.len(),
            config.full_text_days
        ));
    }
    if config.keep_days > 0 {
        parts.push(format!(
            "{} {} article(s) older than {} days, with their comments and mentions",
            verb("deleted", "would delete"),
            report.deleted.len(),
            config.keep_days
        ));
    }
    if parts.is_empty() {
        return "retention is off: [retention] full_text_days and keep_days are 0 (keep forever)"
            .into();
    }
    parts.join("; ")
}
