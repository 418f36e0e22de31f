//! HTML pages: one thin handler per page.

use crate::comments::{self, FormState};
use crate::i18n::{t, tf, tn};
use crate::view::{card, human, iso, source_row, source_status};
use crate::{AppState, WebError};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use linkx_core::slug_from_path;
use minijinja::context;
use serde::Deserialize;

const PAGE_SIZE: i64 = 30;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

impl PageQuery {
    /// Page number from `?page=`, 1 for anything missing or malformed; bounded so the offset
    /// cannot overflow.
    fn number(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
            .clamp(1, 100_000)
    }
}

fn render(state: &AppState, name: &str, ctx: minijinja::Value) -> Result<Response, WebError> {
    Ok(Html(render_html(state, name, ctx)?).into_response())
}

pub(crate) fn render_html(
    state: &AppState,
    name: &str,
    ctx: minijinja::Value,
) -> Result<String, WebError> {
    render_html_sized(state, name, ctx, 16 * 1024)
}

/// Renders into a buffer of `capacity` bytes up front, so a large page is not copied as its
/// buffer grows.
pub(crate) fn render_html_sized(
    state: &AppState,
    name: &str,
    ctx: minijinja::Value,
    capacity: usize,
) -> Result<String, WebError> {
    let template = state.templates.get_template(name)?;
    let base = context! { site => &*state.site(), version => env!("CARGO_PKG_VERSION"), webmention => state.webmention };
    let mut out = Vec::with_capacity(capacity);
    template.render_captured_to(context! { ..base, ..ctx }, &mut out)?;
    String::from_utf8(out)
        .map_err(|e| WebError::Theme(format!("template {name} wrote invalid UTF-8: {e}")))
}

pub async fn index(
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let page = q.number();
    // Read before querying: a write during rendering then makes this entry stale, not wrong.
    let generation = state.store.generation();
    let now = state.clock.now();
    if let Some((html, valid_until)) = state.page_cache.get(&page, generation)
        && now < valid_until
    {
        return Ok(Html(html).into_response());
    }
    let mut stories = state
        .store
        .latest_stories(PAGE_SIZE + 1, (page - 1) * PAGE_SIZE, now)
        .await?;
    let has_next = stories.len() as i64 > PAGE_SIZE;
    stories.truncate(PAGE_SIZE as usize);
    // Pinned stories lead the first page until their time ends.
    let mut valid_until = i64::MAX;
    if page == 1 {
        let pinned = state.store.pinned_stories(now).await?;
        if let Some(first_end) = pinned.iter().filter_map(|s| s.pinned_until).min() {
            valid_until = first_end;
        }
        stories.splice(0..0, pinned);
    }
    let (sources_total, sources_failing) = if stories.is_empty() {
        let sources = state.store.list_sources().await?;
        let failing = sources.iter().filter(|s| s.is_failing()).count();
        (sources.len(), failing)
    } else {
        (0, 0)
    };
    let entries: Vec<_> = stories
        .iter()
        .map(|s| {
            context! {
                a => card(&s.lead), reports => s.article_count, sources => s.source_count,
                headline => &s.headline, pinned => s.pinned_until.is_some_and(|p| p > now),
            }
        })
        .collect();
    let html = render_html(
        &state,
        "index.html",
        context! { stories => entries, page, has_next, sources_total, sources_failing },
    )?;
    let html = axum::body::Bytes::from(html);
    if page <= 5 {
        state
            .page_cache
            .put(page, generation, (html.clone(), valid_until));
    }
    Ok(Html(html).into_response())
}

#[derive(Deserialize)]
pub struct ArticleQuery {
    /// The comment being replied to (WordPress's `?replytocom=`), so replies work without
    /// JavaScript.
    replytocom: Option<String>,
}

pub async fn article(
    State(state): State<AppState>,
    Path((id, slug)): Path<(String, String)>,
    Query(q): Query<ArticleQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    // Decoded by the router; stored percent-encoded.
    let slug = slug_from_path(&slug);
    let visitor = Visitor::from_headers(&state, &headers);
    // Readers who have not commented and are not replying all see the same page but for their
    // form token: it is rendered once, with a placeholder where the token goes.
    let shared = visitor.author_key.is_none() && q.replytocom.is_none();
    // Read before querying: a write during rendering then makes the entry stale, not wrong.
    let generation = state.store.generation();
    if shared
        && let Some(page) = state.article_cache.get(&id, generation)
        && page.closed == comments::closed_at(&state, page.published_at)
    {
        // Another process may have taken the article down (or retitled it) since: that must
        // show at once, so the page is served only while the article is stored as it was.
        match state.store.article_slug(id).await? {
            None => return gone_or_not_found(&state, id).await,
            Some(stored) if stored == page.slug => {
                if page.slug != slug {
                    let to = format!("/a/{id}/{}", page.slug);
                    return Ok(Redirect::permanent(&to).into_response());
                }
                return Ok(shared_page(&state, &visitor, &page.html));
            }
            Some(_) => {}
        }
    }
    let Some((a, coverage)) = state.store.article_with_coverage(id).await? else {
        return gone_or_not_found(&state, id).await;
    };
    if a.slug != slug {
        return Ok(Redirect::permanent(&format!("/a/{}/{}", a.id, a.slug)).into_response());
    }
    let form = FormState {
        parent: q.replytocom.and_then(|p| p.parse().ok()),
        ..FormState::default()
    };
    if !shared {
        return render_article(&state, &a, &coverage, &visitor, form, StatusCode::OK).await;
    }
    let placeholder = state.token_placeholder.clone();
    let html = article_html(&state, &a, &coverage, &visitor, form, Some(&placeholder)).await?;
    let page = std::sync::Arc::new(CachedArticle {
        slug: a.slug.clone(),
        published_at: a.published_at,
        closed: comments::comments_closed(&state, &a),
        html,
    });
    state.article_cache.put(id, generation, page.clone());
    Ok(shared_page(&state, &visitor, &page.html))
}

/// An article page as readers who have not commented see it, with a placeholder for the form
/// token (see `article`).
pub struct CachedArticle {
    slug: String,
    published_at: i64,
    /// Whether comments were closed: the page is rendered again when that changes.
    closed: bool,
    html: String,
}

/// A shared page with this visitor's form token in place of the placeholder.
fn shared_page(state: &AppState, visitor: &Visitor, html: &str) -> Response {
    let token = state.keys.form_token(&visitor.session, state.clock.now());
    let html = html.replace(&*state.token_placeholder, &token);
    personal_page(state, visitor, StatusCode::OK, html)
}

/// Who is reading, from their cookies: the session the form tokens are bound to (a new one
/// when they have none) and, once they have commented, their commenter key.
pub struct Visitor {
    pub session: String,
    /// The session cookie as sent; `None` when this visit starts a session.
    pub session_cookie: Option<String>,
    pub author_key: Option<String>,
}

const SESSION_COOKIE: &str = "lx_session";
const AUTHOR_COOKIE: &str = "lx_author";

pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

impl Visitor {
    pub fn from_headers(state: &AppState, headers: &HeaderMap) -> Visitor {
        let session_cookie = cookie(headers, SESSION_COOKIE)
            .filter(|v| v.len() == 32 && v.chars().all(|c| c.is_ascii_hexdigit()))
            .map(str::to_string);
        let author_key = cookie(headers, AUTHOR_COOKIE)
            .and_then(|v| state.keys.verify("author-cookie", v))
            .map(str::to_string);
        Visitor {
            session: session_cookie
                .clone()
                .unwrap_or_else(|| crate::keys::random_hex(16)),
            session_cookie,
            author_key,
        }
    }

    fn cookie_attributes(state: &AppState) -> &'static str {
        if state.secure_cookies {
            "Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax; Secure"
        } else {
            "Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax"
        }
    }

    /// Starts the session in the reader's browser if this visit began it.
    pub fn set_session_cookie(&self, state: &AppState, headers: &mut HeaderMap) {
        if self.session_cookie.is_none() {
            let value = format!(
                "{SESSION_COOKIE}={}; {}",
                self.session,
                Self::cookie_attributes(state)
            );
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.append(header::SET_COOKIE, value);
            }
        }
    }

    /// Lets the browser show the commenter their own held comments and edit links.
    pub fn remember_author(&self, state: &AppState, author_key: &str, headers: &mut HeaderMap) {
        let signed = state.keys.sign("author-cookie", author_key);
        let value = format!(
            "{AUTHOR_COOKIE}={signed}; {}",
            Self::cookie_attributes(state)
        );
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(header::SET_COOKIE, value);
        }
    }

    /// When the form carrying `token` was shown, if it is a live form token of this session.
    pub fn form_shown_at(&self, state: &AppState, token: &str) -> Option<i64> {
        let now = state.clock.now();
        self.session_cookie
            .as_deref()
            .and_then(|s| state.keys.check_form_token(s, token.trim()))
            .filter(|&at| now - at <= comments::FORM_MAX_AGE)
    }
}

/// The article page with its comment thread and reply form in the state `form` describes.
pub async fn render_article(
    state: &AppState,
    a: &linkx_store::ArticleView,
    coverage: &[linkx_store::ArticleView],
    visitor: &Visitor,
    form: FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let html = article_html(state, a, coverage, visitor, form, None).await?;
    Ok(personal_page(state, visitor, status, html))
}

/// The article page's HTML; its form carries `token`, or this visitor's form token.
async fn article_html(
    state: &AppState,
    a: &linkx_store::ArticleView,
    coverage: &[linkx_store::ArticleView],
    visitor: &Visitor,
    form: FormState,
    token: Option<&str>,
) -> Result<String, WebError> {
    let full = a.display == linkx_core::Display::Full;
    let body_html = if full {
        crate::images::proxy_images(
            a.content_html
                .as_deref()
                .or(a.summary_html.as_deref())
                .unwrap_or(""),
            &state.keys,
        )
    } else {
        String::new()
    };
    let canonical = format!("{}/a/{}/{}", state.site().base_url, a.id, a.slug);
    let json_ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "datePublished": iso(a.published_at),
        "dateModified": iso(a.updated_at.unwrap_or(a.published_at)),
        "author": a.author.as_ref().map(|name| serde_json::json!({"@type": "Person", "name": name})),
        "publisher": {"@type": "Organization", "name": a.source_name, "url": a.source_site_url},
        "image": a.image_url,
        "mainEntityOfPage": canonical,
        "isBasedOn": a.url,
        "description": linkx_core::text::excerpt(&a.excerpt, 40),
    });
    // Markup characters inside a script element could end it or change how it is parsed:
    // JSON's \u escapes keep feed text inert.
    let json_ld = json_ld
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let excerpt_paragraphs: Vec<&str> = a.excerpt.split("\n\n").collect();
    let coverage_cards: Vec<_> = coverage.iter().map(card).collect();

    let (section, thread_bytes) = comment_section(state, a, visitor, form, token).await?;
    render_html_sized(
        state,
        "article.html",
        context! {
            a => card(a), full, body_html, excerpt_paragraphs, canonical, json_ld,
            coverage => coverage_cards, ..section
        },
        24 * 1024 + thread_bytes,
    )
}

/// What the discussion under an article (or a story, through its original) needs: the
/// thread, the reply form in the state `form` describes, and `token` or this visitor's form
/// token. Also returns the thread's size, to size the page's buffer.
async fn comment_section(
    state: &AppState,
    a: &linkx_store::ArticleView,
    visitor: &Visitor,
    mut form: FormState,
    token: Option<&str>,
) -> Result<(minijinja::Value, usize), WebError> {
    let closed = comments::comments_closed(state, a);
    let thread_html = comments::thread_html(state, a, visitor, closed).await?;
    let replying_to = match form.parent {
        Some(parent) => state
            .store
            .comment(parent)
            .await?
            .filter(|c| {
                c.article_id == a.id && c.status == linkx_core::comment::CommentStatus::Approved
            })
            .map(|c| context! { id => c.id, name => c.author_name }),
        None => None,
    };
    if replying_to.is_none() {
        form.parent = None;
    }
    let token = match token {
        Some(token) => token.to_string(),
        None => state.keys.form_token(&visitor.session, state.clock.now()),
    };
    let bytes = thread_html.len();
    let mentions = crate::webmention::section(state, a.id).await?;
    Ok((
        context! {
            thread_html, closed, form, token, replying_to, notifications => state.notifications,
            mentions,
        },
        bytes,
    ))
}

/// A page the visitor's session belongs to: never cached by others, and the session cookie set
/// when this visit started it.
fn personal_page(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    html: String,
) -> Response {
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    visitor.set_session_cookie(state, headers);
    response
}

/// A taken-down article answers 410 Gone (search engines drop it); anything else 404.
async fn gone_or_not_found(state: &AppState, id: i64) -> Result<Response, WebError> {
    match state.store.takedown(id).await? {
        Some(_) => Ok(crate::error::plain_page(
            StatusCode::GONE,
            t("Removed"),
            t("This article has been removed from the site."),
        )),
        None => Err(WebError::NotFound),
    }
}

pub async fn article_without_slug(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let Some(a) = state.store.article(id).await? else {
        return gone_or_not_found(&state, id).await;
    };
    Ok(Redirect::permanent(&format!("/a/{}/{}", a.id, a.slug)).into_response())
}

/// Reports on one page of a story's full coverage.
const STORY_PAGE_SIZE: i64 = 100;

#[derive(Deserialize)]
pub struct StoryQuery {
    replytocom: Option<String>,
    page: Option<String>,
}

pub async fn story(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<StoryQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let Some(story) = state.store.story(id).await? else {
        // A story merged into another lives on at that one's address.
        return match state.store.story_redirect(id).await? {
            Some(to) => Ok(Redirect::permanent(&format!("/s/{to}")).into_response()),
            None => Err(WebError::NotFound),
        };
    };
    let page = PageQuery { page: q.page }.number();
    // Original first, then its copies, then the other reports and follow-ups, each by time; a
    // story of thousands of reports a page at a time.
    let original = story.lead.id;
    let mut articles = state
        .store
        .story_articles(
            id,
            original,
            STORY_PAGE_SIZE + 1,
            (page - 1) * STORY_PAGE_SIZE,
        )
        .await?;
    let has_next = articles.len() as i64 > STORY_PAGE_SIZE;
    articles.truncate(STORY_PAGE_SIZE as usize);
    if articles.is_empty() && page > 1 {
        return Err(WebError::NotFound);
    }
    let entries: Vec<_> = articles
        .iter()
        .map(|a| context! { a => card(a), original => a.id == original, copy => a.duplicate_of.is_some() })
        .collect();
    let reason = story_reason(&story);
    // The story's discussion is its original's.
    let visitor = Visitor::from_headers(&state, &headers);
    let form = FormState {
        parent: q.replytocom.and_then(|p| p.parse().ok()),
        ..FormState::default()
    };
    let (section, thread_bytes) =
        comment_section(&state, &story.lead, &visitor, form, None).await?;
    let html = render_html_sized(
        &state,
        "story.html",
        context! {
            lead => card(&story.lead), a => card(&story.lead), entries, reason, story => &story,
            page, has_next, ..section
        },
        24 * 1024 + thread_bytes,
    )?;
    Ok(personal_page(&state, &visitor, StatusCode::OK, html))
}

/// Why the lead is shown as the original, in the words readers see.
fn story_reason(story: &linkx_store::StoryView) -> String {
    let copies = story.copy_count;
    let first = tf(
        "First published by {source} at {time}",
        &[
            ("source", &story.lead.source_name),
            ("time", &human(story.lead.published_at)),
        ],
    );
    match copies {
        0 => first,
        n => format!(
            "{first}; {}",
            tn("{n} near-copy", "{n} near-copies", n, &[])
        ),
    }
}

pub async fn source(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let s = state
        .store
        .source_by_slug(&slug_from_path(&slug))
        .await?
        .ok_or(WebError::NotFound)?;
    let page = q.number();
    let mut articles = state
        .store
        .articles_of_source(s.id, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
        .await?;
    let has_next = articles.len() as i64 > PAGE_SIZE;
    articles.truncate(PAGE_SIZE as usize);
    let article_count = state.store.count_articles_of_source(s.id).await?;
    let log: Vec<_> = state
        .store
        .fetch_log(s.id, 20)
        .await?
        .into_iter()
        .map(|l| context! { when => human(l.at), status => l.status, new_items => l.new_items, error => l.error })
        .collect();
    let (status, status_class) = source_status(&s);
    let next_check = (s.polled && s.disabled_reason.is_none()).then(|| human(s.next_check_at));
    let last_fetch = s
        .last_fetch_at
        .map_or_else(|| t("never").to_string(), human);
    let cards: Vec<_> = articles.iter().map(card).collect();
    render(
        &state,
        "source.html",
        context! { s => &s, status, status_class, next_check, last_fetch, article_count, log, articles => cards, page, has_next },
    )
}

pub async fn sources(State(state): State<AppState>) -> Result<Response, WebError> {
    let sources = state.store.list_sources().await?;
    let rows: Vec<_> = sources.iter().map(source_row).collect();
    let failing = rows.iter().filter(|r| r.status_class == "failing").count();
    render(
        &state,
        "sources.html",
        context! { sources => rows, failing },
    )
}

/// A topic's section: its articles, newest first.
pub async fn topic(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let topic = state
        .store
        .topic_by_slug(&slug_from_path(&slug))
        .await?
        .ok_or(WebError::NotFound)?;
    let page = q.number();
    let mut articles = state
        .store
        .topic_articles(topic.id, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
        .await?;
    let has_next = articles.len() as i64 > PAGE_SIZE;
    articles.truncate(PAGE_SIZE as usize);
    let cards: Vec<_> = articles.iter().map(card).collect();
    render(
        &state,
        "topic.html",
        context! { topic, articles => cards, page, has_next },
    )
}

/// Every topic.
pub async fn topics(State(state): State<AppState>) -> Result<Response, WebError> {
    let topics = state.store.topics().await?;
    render(&state, "topics.html", context! { topics })
}

/// The link exchange: the operator's partner sites and whether each still links back.
pub async fn links(State(state): State<AppState>) -> Result<Response, WebError> {
    let partners = state.store.partners().await?;
    let partners = crate::admin::links::partner_views(&partners);
    render(&state, "links.html", context! { partners })
}

pub async fn not_found(_uri: Uri) -> WebError {
    WebError::NotFound
}
