//! Operations endpoints: readiness, Prometheus metrics, static assets.

use crate::{AppState, WebError};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Process-wide counters exported at `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub http_requests: AtomicU64,
    pub http_server_errors: AtomicU64,
    pub polls: AtomicU64,
    pub poll_failures: AtomicU64,
    pub articles_ingested: AtomicU64,
}

pub async fn count_requests(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    state.metrics.http_requests.fetch_add(1, Ordering::Relaxed);
    if response.status().is_server_error() {
        state
            .metrics
            .http_server_errors
            .fetch_add(1, Ordering::Relaxed);
    }
    response
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    if state.ready.load(Ordering::Acquire) {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
            "starting\n",
        )
            .into_response()
    }
}

pub async fn metrics(State(state): State<AppState>) -> Result<Response, WebError> {
    let articles = state.store.count_articles().await?;
    let sources = state.store.list_sources().await?;
    let failing = sources.iter().filter(|s| s.is_failing()).count();
    let m = &state.metrics;
    let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
    let metrics: [(&str, &str, &str, u64); 8] = [
        (
            "linkx_articles",
            "gauge",
            "Articles stored.",
            u64::try_from(articles).unwrap_or(0),
        ),
        (
            "linkx_sources",
            "gauge",
            "Sources followed.",
            sources.len() as u64,
        ),
        (
            "linkx_sources_failing",
            "gauge",
            "Sources whose last poll failed or that are stopped.",
            failing as u64,
        ),
        (
            "linkx_http_requests_total",
            "counter",
            "HTTP requests served.",
            load(&m.http_requests),
        ),
        (
            "linkx_http_server_errors_total",
            "counter",
            "HTTP responses with a 5xx status.",
            load(&m.http_server_errors),
        ),
        (
            "linkx_polls_total",
            "counter",
            "Source polls run by this process.",
            load(&m.polls),
        ),
        (
            "linkx_poll_failures_total",
            "counter",
            "Source polls that failed.",
            load(&m.poll_failures),
        ),
        (
            "linkx_articles_ingested_total",
            "counter",
            "New articles stored by this process.",
            load(&m.articles_ingested),
        ),
    ];
    let mut out = String::new();
    for (name, kind, help, value) in metrics {
        let _ = write!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        );
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../static/style.css"),
    )
        .into_response()
}
