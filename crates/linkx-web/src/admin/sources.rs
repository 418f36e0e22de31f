//! Sources from the browser: add by site or feed URL (discovery runs as a job and its feeds are
//! offered), edit, pause, poll now (a job), delete with or without the articles, the health
//! page, OPML in and out. Admins only.

use super::{AdminForm, Operator, Refusal, page, see_other, when};
use crate::view::{human, source_row};
use crate::{AppState, WebError};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use linkx_core::jobs::{Discovery, JobRequest, PollOutcome};
use linkx_core::{Display, FullText, SourceUrl};
use linkx_store::{Job, JobStatus, NewSource, Source, SourceEdit, StoreError};
use minijinja::context;
use std::collections::HashMap;

type QueryMap = Query<HashMap<String, String>>;

fn source_id(id: &str) -> Result<i64, WebError> {
    id.parse().map_err(|_| WebError::NotFound)
}

async fn load(state: &AppState, id: &str) -> Result<Source, WebError> {
    state
        .store
        .source(source_id(id)?)
        .await?
        .ok_or(WebError::NotFound)
}

/// A job for a page: whether it is still running, and its outcome.
fn job_view(job: &Job) -> minijinja::Value {
    context! {
        id => job.id,
        kind => &job.kind,
        pending => !job.status.is_finished(),
        failed => job.status == JobStatus::Failed,
        error => (job.status == JobStatus::Failed).then_some(job.result.as_deref()),
        poll => (job.status == JobStatus::Done && job.kind == "poll")
            .then(|| job.result.as_deref().and_then(|r| serde_json::from_str::<PollOutcome>(r).ok()))
            .flatten(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    op: Operator,
    Query(q): QueryMap,
) -> Result<Response, WebError> {
    op.require_admin()?;
    let sources = state.store.list_sources().await?;
    let rows: Vec<_> = sources.iter().map(source_row).collect();
    page(
        &state,
        Some(&op),
        "admin_sources.html",
        StatusCode::OK,
        context! { sources => rows, done => super::done_message(&q) },
    )
}

pub async fn new_form(
    State(state): State<AppState>,
    op: Operator,
    Query(q): QueryMap,
) -> Result<Response, WebError> {
    op.require_admin()?;
    let job = match q.get("job").and_then(|j| j.parse().ok()) {
        Some(id) => state.store.job(id).await?.filter(|j| j.kind == "discover"),
        None => None,
    };
    let discovery = job
        .as_ref()
        .filter(|j| j.status == JobStatus::Done)
        .and_then(|j| j.result.as_deref())
        .and_then(|r| serde_json::from_str::<Discovery>(r).ok());
    let input = discovery.as_ref().map(|d| d.input.clone()).or_else(|| {
        job.as_ref()
            .and_then(|j| serde_json::from_str::<JobRequest>(&j.payload).ok())
            .and_then(|r| match r {
                JobRequest::Discover { url } => Some(url),
                _ => None,
            })
    });
    let offers = discovery.map(|d| d.feeds).unwrap_or_default();
    let first_readable = offers.iter().position(|f| f.error.is_none() && !f.followed);
    page(
        &state,
        Some(&op),
        "admin_source_new.html",
        StatusCode::OK,
        context! {
            job => job.as_ref().map(job_view), input, offers, first_readable,
            error => q.get("error"),
        },
    )
}

/// Starts discovery for the address the operator typed.
pub async fn discover(State(state): State<AppState>, form: AdminForm) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    op.require_admin()?;
    let typed = fields.get("url");
    let url = match SourceUrl::parse(typed) {
        Ok(url) => url,
        Err(e) => {
            return Ok(page(
                &state,
                Some(&op),
                "admin_source_new.html",
                StatusCode::UNPROCESSABLE_ENTITY,
                context! { input => typed, url_error => e.to_string() },
            )?);
        }
    };
    let request = JobRequest::Discover {
        url: url.to_string(),
    };
    let job = state.enqueue(&request, Some(&op.user.name)).await?;
    Ok(super::redirect(&format!("/admin/sources/new?job={job}")))
}

/// What the operator chose of a source's settings, checked.
struct Settings {
    name: String,
    display: Display,
    full_text: FullText,
    interval_secs: Option<i64>,
    licence: Option<String>,
    permission: Option<String>,
    noindex: bool,
}

fn settings_from(
    fields: &super::Fields,
    errors: &mut HashMap<&'static str, String>,
) -> Option<Settings> {
    let name = fields.get("name");
    if name.is_empty() || name.chars().count() > 200 {
        errors.insert(
            "name",
            "Give the source a name of 1 to 200 characters.".into(),
        );
    }
    let display = Display::parse(fields.get("display"));
    if display.is_err() {
        errors.insert("display", "Choose excerpt or full text.".into());
    }
    let full_text = FullText::parse(fields.get("full_text"));
    if full_text.is_err() {
        errors.insert("full_text", "Choose auto, always or never.".into());
    }
    let interval = fields.get("interval_minutes");
    let interval_secs = if interval.is_empty() {
        Some(None)
    } else {
        interval
            .parse::<i64>()
            .ok()
            .filter(|m| (1..=7 * 24 * 60).contains(m))
            .map(|m| Some(m * 60))
    };
    if interval_secs.is_none() {
        errors.insert(
            "interval_minutes",
            "Enter minutes between 1 and 10080 (a week), or leave empty to adapt to the source."
                .into(),
        );
    }
    let text = |field: &str| Some(fields.get(field).to_string()).filter(|t| !t.is_empty());
    let (licence, permission) = (text("licence"), text("permission"));
    for (field, value) in [("licence", &licence), ("permission", &permission)] {
        if value.as_ref().is_some_and(|v| v.chars().count() > 500) {
            errors.insert(field, "Keep this under 500 characters.".into());
        }
    }
    if display == Ok(Display::Full) && licence.is_none() && permission.is_none() {
        errors.insert(
            "display",
            "Full text needs the source's licence (e.g. CC BY 4.0) or a note of the permission you have.".into(),
        );
    }
    match (display, full_text, interval_secs) {
        (Ok(display), Ok(full_text), Some(interval_secs)) if errors.is_empty() => Some(Settings {
            name: name.to_string(),
            display,
            full_text,
            interval_secs,
            licence,
            permission,
            noindex: fields.get("noindex") == "yes",
        }),
        _ => None,
    }
}

/// Follows the feed the operator chose from the offers.
pub async fn create(State(state): State<AppState>, form: AdminForm) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    op.require_admin()?;
    let mut errors = HashMap::new();
    let feed = SourceUrl::parse(fields.get("feed_url"));
    if feed.is_err() {
        errors.insert("feed_url", "Choose one of the feeds found.".to_string());
    }
    let settings = settings_from(&fields, &mut errors);
    let (Ok(feed), Some(settings)) = (feed, settings) else {
        let job = fields.get("job");
        let message = errors.values().cloned().collect::<Vec<_>>().join(" ");
        let to = format!(
            "/admin/sources/new?job={job}&error={}",
            super::encode(&message)
        );
        return Ok(super::redirect(&to));
    };
    let site_url = SourceUrl::parse(fields.get("site_url"))
        .ok()
        .map(|u| u.to_string());
    let new = NewSource {
        name: settings.name,
        feed_url: feed.to_string(),
        site_url,
        display: settings.display,
        full_text: settings.full_text,
        polled: true,
        interval_secs: settings.interval_secs,
        licence: settings.licence.clone(),
        permission: settings.permission.clone(),
    };
    match state.store.add_source(&new, state.clock.now()).await {
        Ok(source) => {
            if settings.noindex {
                let edit = SourceEdit {
                    name: source.name.clone(),
                    display: source.display,
                    full_text: source.full_text,
                    interval_secs: source.interval_secs,
                    licence: source.licence.clone(),
                    permission: source.permission.clone(),
                    noindex: true,
                };
                state.store.update_source(source.id, &edit).await?;
            }
            op.audit(
                &state,
                "source add",
                &format!(
                    "source {} {:?} ({})",
                    source.id, source.name, source.feed_url
                ),
            )
            .await?;
            Ok(see_other(
                &format!("/admin/sources/{}", source.id),
                &format!(
                    "Now following {}. It is polled within a minute, or now with “Poll now”.",
                    source.name
                ),
            ))
        }
        Err(StoreError::Duplicate(_)) => Ok(see_other(
            "/admin/sources",
            "That feed is already followed.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// The per-source health page, with the edit form and the actions.
pub async fn show(
    State(state): State<AppState>,
    op: Operator,
    Path(id): Path<String>,
    Query(q): QueryMap,
) -> Result<Response, WebError> {
    op.require_admin()?;
    let s = load(&state, &id).await?;
    source_page(
        &state,
        &op,
        &s,
        &q,
        StatusCode::OK,
        context! { errors => context! {} },
    )
    .await
}

async fn source_page(
    state: &AppState,
    op: &Operator,
    s: &Source,
    q: &HashMap<String, String>,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<Response, WebError> {
    let now = state.clock.now();
    let log: Vec<_> = state
        .store
        .fetch_log(s.id, 50)
        .await?
        .into_iter()
        .map(|l| context! { when => human(l.at), status => l.status, new_items => l.new_items, error => l.error, ms => l.duration_ms })
        .collect();
    let articles = state.store.count_articles_of_source(s.id).await?;
    let last_30 = state
        .store
        .count_articles_of_source_since(s.id, now - 30 * 86_400)
        .await?;
    let per_day = format!("{:.1}", last_30 as f64 / 30.0);
    let job = match q.get("job").and_then(|j| j.parse().ok()) {
        Some(job) => state.store.job(job).await?.map(|j| job_view(&j)),
        None => None,
    };
    let categories = state
        .store
        .source_categories()
        .await?
        .remove(&s.id)
        .unwrap_or_default()
        .join(", ");
    let next_check = (s.polled && s.paused_at.is_none() && s.disabled_reason.is_none())
        .then(|| human(s.next_check_at.max(now)));
    page(
        state,
        Some(op),
        "admin_source.html",
        status,
        context! {
            s => source_row(s), log, articles, per_day, job, next_check, categories,
            last_fetch => when(s.last_fetch_at), last_success => when(s.last_success_at),
            paused => s.paused_at.map(human),
            interval_minutes => s.interval_secs.map(|i| i / 60),
            current_interval => s.current_interval_secs.map(|i| format!("{} min", i / 60)),
            done => super::done_message(q),
            ..extra
        },
    )
}

pub async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: AdminForm,
) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    op.require_admin()?;
    let s = load(&state, &id).await?;
    let mut errors = HashMap::new();
    let Some(settings) = settings_from(&fields, &mut errors) else {
        return Ok(source_page(
            &state,
            &op,
            &s,
            &HashMap::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { errors },
        )
        .await?);
    };
    let edit = SourceEdit {
        name: settings.name,
        display: settings.display,
        full_text: settings.full_text,
        interval_secs: settings.interval_secs,
        licence: settings.licence,
        permission: settings.permission,
        noindex: settings.noindex,
    };
    state.store.update_source(s.id, &edit).await?;
    let categories: Vec<String> = fields
        .get("categories")
        .split(',')
        .map(|c| c.trim().chars().take(100).collect::<String>())
        .filter(|c| !c.is_empty())
        .take(50)
        .collect();
    state.store.set_source_categories(s.id, &categories).await?;
    op.audit(
        &state,
        "source edit",
        &format!(
            "source {} {:?}: display {}, full text {}, interval {}",
            s.id,
            edit.name,
            edit.display.as_str(),
            edit.full_text.as_str(),
            edit.interval_secs
                .map_or("adaptive".to_string(), |i| format!("{} min", i / 60))
        ),
    )
    .await?;
    Ok(see_other(&format!("/admin/sources/{}", s.id), "Saved."))
}

pub async fn pause(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: AdminForm,
) -> Result<Response, Refusal> {
    set_paused(&state, &id, form, true).await
}

pub async fn resume(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: AdminForm,
) -> Result<Response, Refusal> {
    set_paused(&state, &id, form, false).await
}

async fn set_paused(
    state: &AppState,
    id: &str,
    form: AdminForm,
    paused: bool,
) -> Result<Response, Refusal> {
    form.op.require_admin()?;
    let s = load(state, id).await?;
    let (at, action, message) = if paused {
        (
            Some(state.clock.now()),
            "source pause",
            "Paused: the source is not polled until you resume it.",
        )
    } else {
        (
            None,
            "source resume",
            "Resumed: the source is polled again.",
        )
    };
    state.store.set_source_paused(s.id, at).await?;
    form.op
        .audit(state, action, &format!("source {} {:?}", s.id, s.name))
        .await?;
    Ok(see_other(&format!("/admin/sources/{}", s.id), message))
}

pub async fn poll_now(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: AdminForm,
) -> Result<Response, Refusal> {
    form.op.require_admin()?;
    let s = load(&state, &id).await?;
    let job = state
        .enqueue(
            &JobRequest::Poll { source_id: s.id },
            Some(&form.op.user.name),
        )
        .await?;
    form.op
        .audit(
            &state,
            "source poll",
            &format!("source {} {:?}", s.id, s.name),
        )
        .await?;
    Ok(super::redirect(&format!(
        "/admin/sources/{}?job={job}",
        s.id
    )))
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: AdminForm,
) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    op.require_admin()?;
    let s = load(&state, &id).await?;
    if fields.get("confirm") != "yes" {
        return Ok(see_other(
            &format!("/admin/sources/{}", s.id),
            "Nothing deleted: tick the confirmation box to delete the source.",
        ));
    }
    if fields.get("articles") == "keep" {
        state.store.stop_following(s.id).await?;
        op.audit(
            &state,
            "source unfollow",
            &format!("source {} {:?}, articles kept", s.id, s.name),
        )
        .await?;
        return Ok(see_other(
            "/admin/sources",
            &format!(
                "{} is no longer followed; its articles stay published.",
                s.name
            ),
        ));
    }
    state.store.remove_source(s.id).await?;
    if let Some(index) = state.search.clone() {
        // A stale index shows fewer results, never wrong ones; the server's periodic check
        // repairs it if this fails.
        let id = s.id;
        let removed = tokio::task::spawn_blocking(move || {
            index.delete_source(id).and_then(|()| index.commit())
        })
        .await;
        if !matches!(removed, Ok(Ok(()))) {
            tracing::warn!(
                "search index not updated after deleting a source; the next check repairs it"
            );
        }
    }
    op.audit(
        &state,
        "source delete",
        &format!("source {} {:?} and its articles", s.id, s.name),
    )
    .await?;
    Ok(see_other(
        "/admin/sources",
        &format!("Deleted {} and its articles.", s.name),
    ))
}

/// A job's progress page (used when no better page shows it).
pub async fn job(
    State(state): State<AppState>,
    op: Operator,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let job = state
        .store
        .job(id.parse().map_err(|_| WebError::NotFound)?)
        .await?
        .ok_or(WebError::NotFound)?;
    if !op.is_admin() && job.created_by.as_deref() != Some(op.user.name.as_str()) {
        return Err(WebError::NotFound);
    }
    page(
        &state,
        Some(&op),
        "admin_job.html",
        StatusCode::OK,
        context! { job => job_view(&job) },
    )
}

pub async fn export_opml(
    State(state): State<AppState>,
    op: Operator,
) -> Result<Response, WebError> {
    op.require_admin()?;
    let outlines: Vec<_> = state
        .store
        .list_sources()
        .await?
        .into_iter()
        .filter(|s| s.polled)
        .map(|s| linkx_feed::OpmlOutline {
            title: Some(s.name),
            xml_url: s.feed_url,
            html_url: s.site_url,
        })
        .collect();
    let body = linkx_feed::write_opml(&state.site().title, &outlines);
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/x-opml; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"linkx-sources.opml\""),
    );
    super::no_store(headers);
    Ok(response)
}

/// Follows every feed of a pasted OPML file (without fetching: the first poll checks them).
pub async fn import_opml(
    State(state): State<AppState>,
    form: AdminForm,
) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    op.require_admin()?;
    let outlines = linkx_feed::parse_opml(fields.get("opml"));
    if outlines.is_empty() {
        return Ok(see_other(
            "/admin/sources",
            "That OPML lists no feeds (no <outline xmlUrl=…>).",
        ));
    }
    let now = state.clock.now();
    let (mut added, mut known, mut invalid) = (0, 0, 0);
    for o in outlines.iter().take(10_000) {
        let Ok(url) = SourceUrl::parse(&o.xml_url) else {
            invalid += 1;
            continue;
        };
        let new = NewSource {
            site_url: o.html_url.clone(),
            ..NewSource::feed(&url, o.title.as_deref().filter(|t| !t.trim().is_empty()))
        };
        match state.store.add_source(&new, now).await {
            Ok(_) => added += 1,
            Err(StoreError::Duplicate(_)) => known += 1,
            Err(e) => return Err(e.into()),
        }
    }
    op.audit(
        &state,
        "opml import",
        &format!("{added} added, {known} already followed, {invalid} invalid"),
    )
    .await?;
    Ok(see_other(
        "/admin/sources",
        &format!(
            "OPML imported: {added} source(s) added, {known} already followed, {invalid} with an invalid address."
        ),
    ))
}
