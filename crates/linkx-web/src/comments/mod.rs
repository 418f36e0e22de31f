//! "Leave a Reply": the comment form's handlers, the thread shown under an article, the
//! reader's own edit and delete, avatars, and comments out (Atom, JSON).
//!
//! Every rule a post must pass is checked here, in the order a reader would want to hear
//! about it; nothing a reader typed is lost when a post is refused: the article page comes back
//! with their text in the form and the reason next to it.

mod identicon;
pub mod markdown;
mod ratelimit;

pub use ratelimit::RateLimiter;

use crate::i18n::{t, tn};
use crate::pages::{Visitor, render_article};
use crate::view::{human, iso};
use crate::{AppState, WebError};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use linkx_core::comment::{
    AuthorName, AuthorUrl, CommentBody, CommentStatus, Email, Field, FieldError, Submission,
    content_verdict, moderate,
};
use linkx_store::{ArticleView, CommentView, NewComment};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Forms older than this are refused as expired (the reader's text comes back to resend).
pub(crate) const FORM_MAX_AGE: i64 = 2 * 24 * 3600;
/// IP address hashes are forgotten after this long.
pub const IP_HASH_RETENTION: i64 = 30 * 24 * 3600;

/// The reply form as posted, with WordPress's field names.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CommentInput {
    pub author: String,
    pub email: String,
    pub url: String,
    pub comment: String,
    pub comment_parent: String,
    pub notify: Option<String>,
    pub preview: Option<String>,
    #[serde(rename = "_token")]
    pub token: String,
    /// The honeypot: hidden from people, filled in by bots.
    pub hp_leave_empty: String,
}

/// The form as it is shown again: the reader's values, what is wrong, a preview.
#[derive(Debug, Default, Serialize)]
pub struct FormState {
    pub author: String,
    pub email: String,
    pub url: String,
    pub comment: String,
    pub parent: Option<i64>,
    pub notify: bool,
    /// Per-field messages, keyed by field name.
    pub errors: HashMap<&'static str, &'static str>,
    /// A message about the whole form (flood, duplicate, expired form…).
    pub message: Option<String>,
    pub preview_html: Option<String>,
}

impl FormState {
    fn from_input(input: &CommentInput) -> FormState {
        FormState {
            author: input.author.clone(),
            email: input.email.clone(),
            url: input.url.clone(),
            comment: input.comment.clone(),
            parent: input.comment_parent.trim().parse().ok().filter(|&p| p > 0),
            notify: input.notify.is_some(),
            ..FormState::default()
        }
    }

    fn with_message(mut self, message: impl Into<String>) -> FormState {
        self.message = Some(message.into());
        self
    }
}

fn field_name(field: Field) -> &'static str {
    match field {
        Field::Author => "author",
        Field::Email => "email",
        Field::Url => "url",
        Field::Comment => "comment",
    }
}

/// The peer's socket address when the server was started with connect info (not in `oneshot`
/// tests unless they add it).
pub struct Peer(Option<SocketAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

/// The reader's address: the peer, or the proxy's `X-Forwarded-For` when the peer is a proxy
/// on this machine.
pub fn client_ip(peer: &Peer, headers: &HeaderMap) -> Option<IpAddr> {
    let peer = peer.0.map(|p| p.ip())?;
    if peer.is_loopback()
        && let Some(forwarded) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(forwarded);
    }
    Some(peer)
}

/// True when comments on this article are closed (`comments.close_after_days`).
pub fn comments_closed(state: &AppState, a: &ArticleView) -> bool {
    closed_at(state, a.published_at)
}

/// Whether comments on an article published at `published_at` are closed now.
pub fn closed_at(state: &AppState, published_at: i64) -> bool {
    let days = i64::from(state.comments().close_after_days);
    days > 0 && state.clock.now() > published_at.saturating_add(days * 86_400)
}

/// A comment as the thread shows it.
#[derive(Debug, Serialize)]
pub struct Node {
    id: i64,
    author_name: String,
    author_url: Option<String>,
    avatar: String,
    body_html: String,
    iso: String,
    human: String,
    pending: bool,
    deleted: bool,
    edited: bool,
    can_reply: bool,
    can_edit: bool,
    children: Vec<Node>,
}

fn avatar_url(state: &AppState, c: &CommentView) -> String {
    match &c.avatar_hash {
        // Through the image proxy: readers' browsers never ask Gravatar themselves.
        Some(hash) => state.keys.image_path(&format!(
            "https://www.gravatar.com/avatar/{hash}?s=96&d=identicon"
        )),
        None => format!("/avatar/{}.svg", c.author_key.get(..16).unwrap_or("0")),
    }
}

/// The visible comments of an article as a tree, oldest first at every level. A deleted comment
/// stays only as a placeholder for replies; a reply whose parent is not visible moves up to
/// the top level rather than disappearing.
pub fn thread(
    state: &AppState,
    comments: Vec<CommentView>,
    visitor: &Visitor,
    closed: bool,
) -> Vec<Node> {
    let now = state.clock.now();
    let max_depth = i64::from(state.comments().max_depth);
    let window = i64::from(state.comments().edit_window_seconds);
    let ids: std::collections::HashSet<i64> = comments.iter().map(|c| c.id).collect();
    let mut children: HashMap<Option<i64>, Vec<CommentView>> = HashMap::new();
    for c in comments {
        let parent = c.parent_id.filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(c);
    }
    /// Nesting shown as such; anything deeper (only a hand-made database can hold it) is
    /// listed flat under the last level rather than recursing without bound.
    const MAX_SHOWN_DEPTH: usize = 64;
    fn build(
        parent: Option<i64>,
        level: usize,
        children: &mut HashMap<Option<i64>, Vec<CommentView>>,
        make: &dyn Fn(CommentView, Vec<Node>) -> Option<Node>,
    ) -> Vec<Node> {
        let Some(list) = children.remove(&parent) else {
            return Vec::new();
        };
        if level >= MAX_SHOWN_DEPTH {
            let mut flat = Vec::new();
            let mut pending = list;
            while let Some(c) = pending.pop() {
                if let Some(more) = children.remove(&Some(c.id)) {
                    pending.extend(more);
                }
                flat.push(c);
            }
            flat.sort_by_key(|c| c.id);
            return flat
                .into_iter()
                .filter_map(|c| make(c, Vec::new()))
                .collect();
        }
        list.into_iter()
            .filter_map(|c| {
                let kids = build(Some(c.id), level + 1, children, make);
                make(c, kids)
            })
            .collect()
    }
    let make = |c: CommentView, kids: Vec<Node>| -> Option<Node> {
        let deleted = c.status == CommentStatus::Deleted;
        if deleted && kids.is_empty() {
            return None;
        }
        let own = visitor.author_key.as_deref() == Some(c.author_key.as_str());
        Some(Node {
            id: c.id,
            avatar: avatar_url(state, &c),
            author_name: c.author_name,
            author_url: c.author_url,
            body_html: c.body_html,
            iso: iso(c.created_at),
            human: human(c.created_at),
            pending: c.status == CommentStatus::Pending,
            deleted,
            edited: c.edited_at.is_some(),
            can_reply: !closed && c.status == CommentStatus::Approved && c.depth < max_depth,
            can_edit: own && !deleted && now < c.created_at.saturating_add(window),
            children: kids,
        })
    };
    build(None, 0, &mut children, &make)
}

/// Counts the comments of a thread (deleted placeholders not included).
pub fn thread_len(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .map(|n| usize::from(!n.deleted) + thread_len(&n.children))
        .sum()
}

/// The rendered thread of an article for this visitor. Readers who have not commented all see
/// the same thread, so it is rendered once per change and served from the cache after that.
pub async fn thread_html(
    state: &AppState,
    a: &ArticleView,
    visitor: &Visitor,
    closed: bool,
) -> Result<String, WebError> {
    let anonymous = visitor.author_key.is_none();
    let generation = state.store.generation();
    if anonymous && let Some(html) = state.thread_cache.get(&(a.id, closed), generation) {
        return Ok(html.to_string());
    }
    let comments = state
        .store
        .comments_for_article(a.id, visitor.author_key.as_deref())
        .await?;
    let thread = thread(state, comments, visitor, closed);
    let comment_count = thread_len(&thread);
    let html = crate::pages::render_html(
        state,
        "thread.html",
        minijinja::context! { a => a, thread, comment_count },
    )?;
    if anonymous {
        state
            .thread_cache
            .put((a.id, closed), generation, Arc::from(html.as_str()));
    }
    Ok(html)
}

/// `POST /a/{id}/comments`.
pub async fn post_comment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    peer: Peer,
    headers: HeaderMap,
    axum::Form(input): axum::Form<CommentInput>,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let a = state.store.article(id).await?.ok_or(WebError::NotFound)?;
    let visitor = Visitor::from_headers(&state, &headers);
    let form = FormState::from_input(&input);
    // Only a refused post shows the article page again (with its coverage); an accepted one
    // is a redirect.
    let refuse = async |status: StatusCode, form: FormState| -> Result<Response, WebError> {
        let coverage = match state.store.article_with_coverage(a.id).await? {
            Some((_, coverage)) => coverage,
            None => Vec::new(),
        };
        render_article(&state, &a, &coverage, &visitor, form, status).await
    };
    let now = state.clock.now();
    let ip = client_ip(&peer, &headers).map(|ip| state.keys.ip_hash(&ip.to_string()));

    if !state.limiter.allow(ip.as_deref().unwrap_or("unknown"), now) {
        let form = form.with_message(
            t("You have sent many comments in a short time. Please wait a while before sending more; your text is kept below."),
        );
        return refuse(StatusCode::TOO_MANY_REQUESTS, form).await;
    }
    let Some(shown_at) = visitor.form_shown_at(&state, &input.token) else {
        let form = form.with_message(
            t("Your comment was not sent: this form had expired or did not come from this site. Please check it and send it again."),
        );
        return refuse(StatusCode::FORBIDDEN, form).await;
    };
    if !input.hp_leave_empty.trim().is_empty() {
        return Ok(crate::error::plain_page(
            StatusCode::BAD_REQUEST,
            t("Comment not accepted"),
            t("This comment looked automated and was not accepted."),
        ));
    }
    if comments_closed(&state, &a) {
        return refuse(
            StatusCode::FORBIDDEN,
            form.with_message(t("Comments are closed for this article.")),
        )
        .await;
    }
    if now - shown_at < i64::from(state.comments().min_submit_seconds) {
        let form = form.with_message(
            t("That was faster than we expected from a person. Please check your comment and send it again."),
        );
        return refuse(StatusCode::BAD_REQUEST, form).await;
    }

    let parsed = (
        AuthorName::parse(&input.author),
        Email::parse(&input.email),
        AuthorUrl::parse(&input.url),
        CommentBody::parse(&input.comment),
    );
    let (author, email, url, body) = match parsed {
        (Ok(author), Ok(email), Ok(url), Ok(body)) => (author, email, url, body),
        (author, email, url, body) => {
            let errors: Vec<FieldError> = [author.err(), email.err(), url.err(), body.err()]
                .into_iter()
                .flatten()
                .collect();
            let mut form = form;
            for e in errors {
                form.errors.insert(field_name(e.field), e.message);
            }
            let form = form.with_message(t("Please correct the marked fields; your text is kept."));
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, form).await;
        }
    };
    let (body_html, links) = markdown::render(body.as_str());
    if input.preview.is_some() {
        let mut form = form;
        form.preview_html = Some(body_html);
        return refuse(StatusCode::OK, form).await;
    }

    let depth = match form.parent {
        None => 1,
        Some(parent_id) => match state.store.comment(parent_id).await? {
            Some(p)
                if p.article_id == a.id
                    && p.status == CommentStatus::Approved
                    && p.depth < i64::from(state.comments().max_depth) =>
            {
                p.depth + 1
            }
            _ => {
                let mut form = form.with_message(
                    t("The comment you are replying to cannot take replies. Your comment can be posted on its own."),
                );
                form.parent = None;
                return refuse(StatusCode::UNPROCESSABLE_ENTITY, form).await;
            }
        },
    };

    let author_key = state.keys.author_key(&email.identity());
    if state
        .store
        .is_duplicate_comment(a.id, &author_key, body.as_str())
        .await?
    {
        let form = form.with_message(t("You have already posted this comment here."));
        return refuse(StatusCode::CONFLICT, form).await;
    }
    let flood = i64::from(state.comments().flood_seconds);
    if flood > 0
        && let Some(last) = state
            .store
            .last_comment_at(ip.as_deref(), &author_key)
            .await?
        && now - last < flood
    {
        let wait = flood - (now - last);
        let form = form.with_message(tn(
            "You are posting comments too quickly. Please wait {n} second and send it again; your text is kept.",
            "You are posting comments too quickly. Please wait {n} seconds and send it again; your text is kept.",
            wait,
            &[],
        ));
        return refuse(StatusCode::TOO_MANY_REQUESTS, form).await;
    }

    let known = state.store.commenter_is_known(&author_key).await?;
    let verdict = moderate(
        &Submission {
            author: author.as_str(),
            email: email.as_str(),
            url: url.as_ref().map(AuthorUrl::as_str),
            body: body.as_str(),
            links,
            known_commenter: known,
        },
        &state.comments(),
    );
    let new = NewComment {
        article_id: a.id,
        parent_id: form.parent,
        depth,
        author_name: author.as_str().to_string(),
        author_email: email.as_str().to_string(),
        avatar_hash: (state.comments().avatars == linkx_core::config::Avatars::Gravatar).then(
            || {
                crate::keys::hex(
                    ring::digest::digest(&ring::digest::SHA256, email.identity().as_bytes())
                        .as_ref(),
                )
            },
        ),
        author_key: author_key.clone(),
        author_url: url.as_ref().map(|u| u.as_str().to_string()),
        body_md: body.as_str().to_string(),
        body_html,
        status: verdict.status,
        held_reason: verdict.reason,
        notify: form.notify,
        ip_hash: ip,
        created_at: now,
    };
    let comment_id = state.store.insert_comment(&new).await?;
    tracing::info!(
        comment_id,
        article_id = a.id,
        status = new.status.as_str(),
        "comment received"
    );
    let anchor = if new.status == CommentStatus::Spam {
        "respond".to_string()
    } else {
        format!("comment-{comment_id}")
    };
    let mut response = Redirect::to(&format!("/a/{}/{}#{anchor}", a.id, a.slug)).into_response();
    visitor.remember_author(&state, &author_key, response.headers_mut());
    Ok(response)
}

/// A comment its author may still change: the visitor wrote it and the edit window is open.
async fn own_comment(
    state: &AppState,
    id: &str,
    visitor: &Visitor,
) -> Result<(CommentView, ArticleView), WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let c = state.store.comment(id).await?.ok_or(WebError::NotFound)?;
    let window = i64::from(state.comments().edit_window_seconds);
    let editable = c.status != CommentStatus::Deleted
        && visitor.author_key.as_deref() == Some(c.author_key.as_str())
        && state.clock.now() < c.created_at.saturating_add(window);
    if !editable {
        return Err(WebError::Forbidden(
            "This comment can no longer be changed: only its author can, within 15 minutes of posting.",
        ));
    }
    let a = state
        .store
        .article(c.article_id)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok((c, a))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EditInput {
    pub comment: String,
    #[serde(rename = "_token")]
    pub token: String,
}

/// `GET /comments/{id}/edit`: the author's own comment in a form.
pub async fn edit_form(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let visitor = Visitor::from_headers(&state, &headers);
    let (c, a) = own_comment(&state, &id, &visitor).await?;
    render_edit(&state, &visitor, &c, &a, &c.body_md, None, StatusCode::OK)
}

fn render_edit(
    state: &AppState,
    visitor: &Visitor,
    c: &CommentView,
    a: &ArticleView,
    text: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let token = state.keys.form_token(&visitor.session, state.clock.now());
    let html = crate::pages::render_html(
        state,
        "comment_edit.html",
        minijinja::context! { c => c, a => a, text, error, token },
    )?;
    let mut response = (status, Html(html)).into_response();
    visitor.set_session_cookie(state, response.headers_mut());
    Ok(response)
}

/// `POST /comments/{id}/edit`.
pub async fn edit_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Form(input): axum::Form<EditInput>,
) -> Result<Response, WebError> {
    let visitor = Visitor::from_headers(&state, &headers);
    let (c, a) = own_comment(&state, &id, &visitor).await?;
    if visitor.form_shown_at(&state, &input.token).is_none() {
        return render_edit(
            &state,
            &visitor,
            &c,
            &a,
            &input.comment,
            Some(t(
                "This form had expired or did not come from this site. Please send it again.",
            )),
            StatusCode::FORBIDDEN,
        );
    }
    let body = match CommentBody::parse(&input.comment) {
        Ok(body) => body,
        Err(e) => {
            return render_edit(
                &state,
                &visitor,
                &c,
                &a,
                &input.comment,
                Some(e.message),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let (html, links) = markdown::render(body.as_str());
    state
        .store
        .edit_comment(c.id, body.as_str(), &html, state.clock.now())
        .await?;
    // An edit cannot smuggle in what a new comment could not: the content rules run again.
    let verdict = content_verdict(
        &Submission {
            author: &c.author_name,
            email: "",
            url: c.author_url.as_deref(),
            body: body.as_str(),
            links,
            known_commenter: true,
        },
        &state.comments(),
    );
    if let Some(verdict) = verdict
        && c.status == CommentStatus::Approved
    {
        state.store.set_comment_status(c.id, verdict.status).await?;
    }
    Ok(Redirect::to(&format!("/a/{}/{}#comment-{}", a.id, a.slug, c.id)).into_response())
}

/// `POST /comments/{id}/delete`.
pub async fn delete_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Form(input): axum::Form<EditInput>,
) -> Result<Response, WebError> {
    let visitor = Visitor::from_headers(&state, &headers);
    let (c, a) = own_comment(&state, &id, &visitor).await?;
    if visitor.form_shown_at(&state, &input.token).is_none() {
        return Err(WebError::Forbidden(
            "This form had expired or did not come from this site. Go back, reload the page and try again.",
        ));
    }
    state
        .store
        .set_comment_status(c.id, CommentStatus::Deleted)
        .await?;
    Ok(Redirect::to(&format!("/a/{}/{}#comments", a.id, a.slug)).into_response())
}

/// `GET /avatar/{key}.svg`.
pub async fn avatar(Path(file): Path<String>) -> Response {
    let key = file.strip_suffix(".svg").unwrap_or(&file);
    let key: String = key
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(32)
        .collect();
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        identicon::svg(&key),
    )
        .into_response()
}

/// A comment as the API shows it: never the email address.
#[derive(Serialize)]
pub struct ApiComment {
    id: i64,
    parent_id: Option<i64>,
    author: String,
    author_url: Option<String>,
    avatar: String,
    content_html: String,
    published: String,
    edited: Option<String>,
    url: String,
}

fn api_comment(state: &AppState, c: &CommentView) -> ApiComment {
    let avatar = avatar_url(state, c);
    ApiComment {
        id: c.id,
        parent_id: c.parent_id,
        author: c.author_name.clone(),
        author_url: c.author_url.clone(),
        avatar: if avatar.starts_with('/') {
            format!("{}{avatar}", state.site().base_url)
        } else {
            avatar
        },
        content_html: c.body_html.clone(),
        published: iso(c.created_at),
        edited: c.edited_at.map(iso),
        url: comment_url(state, c),
    }
}

pub fn comment_url(state: &AppState, c: &CommentView) -> String {
    format!(
        "{}/a/{}/{}#comment-{}",
        state.site().base_url,
        c.article_id,
        c.article_slug,
        c.id
    )
}

/// `GET /api/v1/articles/{id}/comments`: the approved comments, oldest first.
pub async fn api_comments(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    state.store.article(id).await?.ok_or(WebError::NotFound)?;
    let comments: Vec<ApiComment> = state
        .store
        .comments_for_article(id, None)
        .await?
        .iter()
        .filter(|c| c.status == CommentStatus::Approved)
        .map(|c| api_comment(&state, c))
        .collect();
    Ok(axum::Json(serde_json::json!({ "article_id": id, "comments": comments })).into_response())
}

/// The signed `?t=` of the links in reply mails.
#[derive(Debug, Deserialize)]
pub struct NotifyLink {
    #[serde(default)]
    t: String,
}

/// The token for a subscriber's confirm and unsubscribe links.
pub fn notify_token(keys: &crate::keys::Keys, author_key: &str) -> String {
    keys.sign("notify", author_key)
}

/// `GET /notify/confirm?t=`: the reader confirms they want reply mail.
pub async fn notify_confirm(
    State(state): State<AppState>,
    axum::extract::Query(link): axum::extract::Query<NotifyLink>,
) -> Result<Response, WebError> {
    let Some(key) = state.keys.verify("notify", link.t.trim()) else {
        return Ok(bad_notify_link());
    };
    if !state
        .store
        .confirm_subscriber(key, state.clock.now())
        .await?
    {
        return Ok(bad_notify_link());
    }
    Ok(crate::error::plain_page(
        StatusCode::OK,
        t("Address confirmed"),
        t(
            "Thank you. You will get an email when someone replies to your comments. Every email has a one-click unsubscribe link.",
        ),
    ))
}

/// `GET` or `POST /notify/unsubscribe?t=`: one click, no login (RFC 8058 one-click POST too).
pub async fn notify_unsubscribe(
    State(state): State<AppState>,
    axum::extract::Query(link): axum::extract::Query<NotifyLink>,
) -> Result<Response, WebError> {
    let Some(key) = state.keys.verify("notify", link.t.trim()) else {
        return Ok(bad_notify_link());
    };
    if !state.store.unsubscribe(key, state.clock.now()).await? {
        return Ok(bad_notify_link());
    }
    Ok(crate::error::plain_page(
        StatusCode::OK,
        t("Unsubscribed"),
        t("You will get no more emails about replies to your comments."),
    ))
}

fn bad_notify_link() -> Response {
    crate::error::plain_page(
        StatusCode::BAD_REQUEST,
        t("This link does not work"),
        t(
            "The link is incomplete or was not made by this site. Copy the whole link from the email.",
        ),
    )
}
