//! Receiving Webmentions: `POST /webmention` checks what it can without a request of its own
//! (both URLs valid http(s), different, the target one of our article or story pages, the
//! sender's host within its hourly limit), answers 202 and queues the verification for the job
//! runner; or answers 400 (429) with the reason. Also the mentions shown under an article.

use crate::admin::Fields;
use crate::{AppState, WebError};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use linkx_core::jobs::JobRequest;
use minijinja::context;
use url::Url;

/// Mentions one source host may send per hour, accepted or not.
pub const PER_HOST_PER_HOUR: u32 = 60;

fn plain(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{text}\n"),
    )
        .into_response()
}

fn web_url(text: &str, what: &str) -> Result<Url, String> {
    let url =
        Url::parse(text.trim()).map_err(|_| format!("{what} must be an absolute http(s) URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("{what} must be an absolute http(s) URL"));
    }
    Ok(url)
}

/// The article a target URL of ours names: `/a/{id}[/{slug}]`, or a story page `/s/{id}`
/// (mentions of a story belong to its original).
async fn target_article(state: &AppState, target: &Url) -> Result<Option<i64>, WebError> {
    let site = state.site();
    let Ok(base) = Url::parse(&site.base_url) else {
        return Ok(None);
    };
    if target.origin() != base.origin() {
        return Ok(None);
    }
    let prefix = base.path().trim_end_matches('/');
    let Some(path) = target.path().strip_prefix(prefix) else {
        return Ok(None);
    };
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let id = |s: &str| s.parse::<i64>().ok();
    match parts.as_slice() {
        ["a", n] | ["a", n, _] => match id(n) {
            Some(n) => Ok(state.store.article(n).await?.map(|a| a.id)),
            None => Ok(None),
        },
        ["s", n] => match id(n) {
            Some(n) => Ok(state.store.story(n).await?.map(|s| s.lead.id)),
            None => Ok(None),
        },
        _ => Ok(None),
    }
}

pub async fn receive(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    if !state.webmention {
        return Err(WebError::NotFound);
    }
    let fields = Fields::parse(&body);
    let (source, target) = (fields.get("source"), fields.get("target"));
    if source.is_empty() || target.is_empty() {
        return Ok(plain(
            StatusCode::BAD_REQUEST,
            "source and target are both required (form fields)",
        ));
    }
    let source_url = match web_url(source, "source") {
        Ok(u) => u,
        Err(e) => return Ok(plain(StatusCode::BAD_REQUEST, &e)),
    };
    let target_url = match web_url(target, "target") {
        Ok(u) => u,
        Err(e) => return Ok(plain(StatusCode::BAD_REQUEST, &e)),
    };
    let (mut a, mut b) = (source_url.clone(), target_url.clone());
    a.set_fragment(None);
    b.set_fragment(None);
    if a == b {
        return Ok(plain(
            StatusCode::BAD_REQUEST,
            "source and target must be different pages",
        ));
    }
    let Some(article_id) = target_article(&state, &target_url).await? else {
        return Ok(plain(
            StatusCode::BAD_REQUEST,
            "target is not an article or story page of this site",
        ));
    };
    let host = source_url
        .host_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !state.mention_limiter.allow(&host, state.clock.now()) {
        return Ok(plain(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("too many mentions from {host} this hour; try again later"),
        ));
    }
    let request = JobRequest::Verify {
        source: source_url.to_string(),
        target: target_url.to_string(),
        article_id,
    };
    state.enqueue(&request, None).await?;
    Ok(plain(
        StatusCode::ACCEPTED,
        "Accepted: the mention will be verified and, once a moderator has seen it, shown.",
    ))
}

/// An article's published mentions, shaped for `mentions.html`: likes, reposts and bookmarks as
/// faces, replies and plain mentions as entries.
pub async fn section(state: &AppState, article_id: i64) -> Result<minijinja::Value, WebError> {
    let mentions = state.store.mentions_for_article(article_id).await?;
    let (mut faces, mut entries) = (Vec::new(), Vec::new());
    for m in &mentions {
        let who = m
            .author_name
            .clone()
            .unwrap_or_else(|| m.source_host.clone());
        let avatar_key = state.keys.hash(
            "mention-author",
            m.author_url.as_deref().unwrap_or(&m.source_host),
        );
        let avatar = format!("/avatar/{}.svg", &avatar_key[..32]);
        let view = context! {
            who, avatar, kind => &m.kind, author_url => &m.author_url,
            link => m.entry_url.as_deref().unwrap_or(&m.source_url), host => &m.source_host,
            content => &m.content,
            when => crate::view::human(m.published_at.unwrap_or(m.received_at)),
        };
        match m.kind.as_str() {
            "like" | "repost" | "bookmark" => faces.push(view),
            _ => entries.push(view),
        }
    }
    Ok(context! { faces, entries, count => mentions.len() })
}
