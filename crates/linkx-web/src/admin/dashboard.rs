//! The dashboard (`/admin`) and the audit log.

use super::{Operator, chart, page};
use crate::view::{human, source_row};
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use std::collections::HashMap;

/// Days the chart shows.
const CHART_DAYS: i64 = 14;

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

/// Bytes under `dir` (the search index), walked on the blocking pool.
async fn dir_size(dir: std::path::PathBuf) -> u64 {
    fn walk(dir: &std::path::Path, depth: usize) -> u64 {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        entries
            .flatten()
            .map(|e| match e.metadata() {
                Ok(m) if m.is_dir() && depth < 4 => walk(&e.path(), depth + 1),
                Ok(m) => m.len(),
                Err(_) => 0,
            })
            .sum()
    }
    tokio::task::spawn_blocking(move || walk(&dir, 0))
        .await
        .unwrap_or(0)
}

pub async fn dashboard(
    State(state): State<AppState>,
    op: Operator,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let now = state.clock.now();
    let sources = state.store.list_sources().await?;
    let names: HashMap<i64, String> = sources.iter().map(|s| (s.id, s.name.clone())).collect();
    let today = now.div_euclid(86_400);
    let counts = state
        .store
        .articles_per_day((today - CHART_DAYS + 1) * 86_400)
        .await?;
    let chart = chart::build(&counts, &names, today, CHART_DAYS);
    let table: Vec<_> = chart
        .days
        .iter()
        .enumerate()
        .map(|(i, day)| context! { day => chart::day_label(*day), total => chart.total(i) })
        .collect();
    let legend: Vec<_> = chart
        .series
        .iter()
        .map(|s| context! { name => &s.name, colour => s.colour, total => s.counts.iter().sum::<i64>() })
        .collect();
    let failing: Vec<_> = sources
        .iter()
        .filter(|s| s.is_failing())
        .take(20)
        .map(source_row)
        .collect();
    let paused = sources.iter().filter(|s| s.paused_at.is_some()).count();
    let statuses: HashMap<String, i64> = state
        .store
        .comment_status_counts()
        .await?
        .into_iter()
        .collect();
    let mentions_pending = state
        .store
        .mention_status_counts()
        .await?
        .into_iter()
        .find(|(s, _)| s == "pending")
        .map_or(0, |(_, n)| n);
    let db = u64::try_from(state.store.database_size().await?).unwrap_or(0);
    let index = match &state.data_dir {
        Some(dir) => dir_size(dir.join("search")).await,
        None => 0,
    };
    let jobs: Vec<_> = if op.is_admin() {
        state
            .store
            .recent_jobs(5)
            .await?
            .into_iter()
            .map(|j| context! { id => j.id, kind => j.kind, status => j.status, when => human(j.created_at), by => j.created_by })
            .collect()
    } else {
        Vec::new()
    };
    page(
        &state,
        Some(&op),
        "admin_dashboard.html",
        StatusCode::OK,
        context! {
            chart_svg => minijinja::Value::from_safe_string(chart.svg()), table, legend,
            sources_total => sources.len(), failing, failing_total => sources.iter().filter(|s| s.is_failing()).count(), paused,
            articles => state.store.count_articles().await?,
            pending => statuses.get("pending").copied().unwrap_or(0) + mentions_pending,
            disk => context! { database => megabytes(db), index => megabytes(index), total => megabytes(db + index) },
            jobs, done => super::done_message(&q),
        },
    )
}

const AUDIT_PAGE: i64 = 100;

pub async fn audit(
    State(state): State<AppState>,
    op: Operator,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    op.require_admin()?;
    let page_no = q
        .get("page")
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 100_000);
    let mut entries = state
        .store
        .audit_log(AUDIT_PAGE + 1, (page_no - 1) * AUDIT_PAGE)
        .await?;
    let has_next = entries.len() as i64 > AUDIT_PAGE;
    entries.truncate(AUDIT_PAGE as usize);
    let rows: Vec<_> = entries
        .iter()
        .map(|e| context! { when => human(e.at), who => &e.user_name, action => &e.action, detail => &e.detail })
        .collect();
    page(
        &state,
        Some(&op),
        "admin_audit.html",
        StatusCode::OK,
        context! { entries => rows, page => page_no, has_next },
    )
}
