//! Values shaped for templates: dates formatted, status words chosen. No I/O.

use chrono::{DateTime, Utc};
use linkx_store::{ArticleView, Source};
use serde::Serialize;

pub fn iso(ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn human(ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .unwrap_or_default()
        .format("%-d %b %Y, %H:%M UTC")
        .to_string()
}

#[derive(Serialize)]
pub struct Card<'a> {
    #[serde(flatten)]
    pub a: &'a ArticleView,
    pub published_iso: String,
    pub published_human: String,
    /// At most ~40 words for listings.
    pub excerpt_short: String,
}

pub fn card(a: &ArticleView) -> Card<'_> {
    Card {
        a,
        published_iso: iso(a.published_at),
        published_human: human(a.published_at),
        excerpt_short: linkx_core::text::excerpt(&a.excerpt.replace("\n\n", " "), 40),
    }
}

/// A source's health in words, and a CSS class for it.
pub fn source_status(s: &Source) -> (String, &'static str) {
    if let Some(reason) = &s.disabled_reason {
        return (format!("Stopped: {reason}"), "failing");
    }
    if !s.polled {
        return (
            "Not polled (imported from files, or no longer followed)".to_string(),
            "ok",
        );
    }
    if s.paused_at.is_some() {
        return ("Paused by the operator".to_string(), "paused");
    }
    match (&s.last_error, s.last_fetch_at) {
        (Some(err), _) => (
            format!("Failing ({} in a row): {err}", s.error_count),
            "failing",
        ),
        (None, None) => ("Waiting for the first check".to_string(), "ok"),
        (None, Some(_)) => ("OK".to_string(), "ok"),
    }
}

#[derive(Serialize)]
pub struct SourceRow<'a> {
    #[serde(flatten)]
    pub s: &'a Source,
    pub status: String,
    pub status_class: &'static str,
    pub last_fetch: String,
}

pub fn source_row(s: &Source) -> SourceRow<'_> {
    let (status, status_class) = source_status(s);
    SourceRow {
        s,
        status,
        status_class,
        last_fetch: s.last_fetch_at.map_or_else(|| "never".to_string(), human),
    }
}
