//! Search pages: `/search?q=`, `GET /api/v1/search?q=` and the OpenSearch description.
//!
//! One hit per story (its best-ranked article, "and N more reports"); snippets come from the
//! store's text, highlighted and escaped by the index. Queries are untrusted: a mistake gets a
//! friendly message, a slow query is cut off, and a missing or rebuilding index never breaks
//! anything but search.

use crate::i18n::{t, tf};
use crate::view::card;
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use linkx_search::{QueryError, SearchIndex, SortBy, parse_query};
use linkx_store::ArticleView;
use minijinja::context;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

const PER_PAGE: usize = 10;
/// Hits considered per query: stories are grouped from these.
const MAX_HITS: usize = 500;
/// A query taking longer than this is answered with an apology (the index keeps working).
const QUERY_TIME_LIMIT: Duration = Duration::from_secs(2);

/// Searches running at once in this process; more wait their turn within the time limit, so a
/// burst of slow queries cannot take every core from the rest of the site.
static SEARCH_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchParams {
    q: String,
    page: String,
    sort: String,
}

/// Why there are no results to show.
pub enum Problem {
    /// The reader can fix it (a syntax slip, an empty box): 400 with the message.
    Query(String),
    /// Search is missing, rebuilding or too slow right now: 503.
    Unavailable(&'static str),
    Internal(WebError),
}

impl From<WebError> for Problem {
    fn from(e: WebError) -> Self {
        Problem::Internal(e)
    }
}

impl From<linkx_store::StoreError> for Problem {
    fn from(e: linkx_store::StoreError) -> Self {
        Problem::Internal(e.into())
    }
}

/// A story in the results: its best article, a snippet and how many more reports matched.
pub struct StoryHit {
    pub article: ArticleView,
    pub snippet_html: String,
    pub more: usize,
}

/// One page of results, grouped by story.
pub struct Outcome {
    pub matched_articles: usize,
    pub stories: Vec<StoryHit>,
    pub stories_total: usize,
    pub has_next: bool,
}

fn sort_of(params: &SearchParams) -> SortBy {
    if params.sort == "newest" {
        SortBy::Newest
    } else {
        SortBy::Relevance
    }
}

fn page_of(params: &SearchParams) -> usize {
    params
        .page
        .parse::<usize>()
        .unwrap_or(1)
        .clamp(1, MAX_HITS / PER_PAGE)
}

/// A query mistake in the reader's words and the site's language.
fn query_message(e: &QueryError) -> String {
    match e {
        QueryError::Empty => t("Type a word or two to search for.").to_string(),
        QueryError::TooLong => tf(
            "That query is too long: use at most {n} characters.",
            &[("n", &linkx_search::MAX_QUERY_CHARS)],
        ),
        QueryError::TooManyParts => tf(
            "That query has too many parts: use at most {n} words, phrases and filters.",
            &[("n", &linkx_search::MAX_PARTS)],
        ),
        QueryError::BadDate { key, value } => tf(
            "{key}: expects a date like 2026-11-27 (or 2026-11, or 2026), not “{value}”.",
            &[("key", key), ("value", value)],
        ),
    }
}

async fn run(state: &AppState, params: &SearchParams) -> Result<Outcome, Problem> {
    let index: Arc<SearchIndex> = state.search.clone().ok_or(Problem::Unavailable(t(
        "Search is not available on this site right now.",
    )))?;
    if !state.search_ready.load(Ordering::Acquire) {
        // A mistake in the query is still worth pointing out.
        parse_query(&params.q).map_err(|e| Problem::Query(query_message(&e)))?;
        return Err(Problem::Unavailable(t(
            "Search is being rebuilt. Please try again in a minute; everything else works meanwhile.",
        )));
    }
    find_stories(
        &state.store,
        index,
        &params.q,
        sort_of(params),
        page_of(params),
    )
    .await
}

/// Runs `query` and groups the hits by story: page `page` of the stories, best first.
pub async fn find_stories(
    store: &linkx_store::Store,
    index: Arc<SearchIndex>,
    query: &str,
    sort: SortBy,
    page: usize,
) -> Result<Outcome, Problem> {
    let query = parse_query(query).map_err(|e| Problem::Query(query_message(&e)))?;
    let page = page.clamp(1, MAX_HITS / PER_PAGE);
    let started = std::time::Instant::now();
    let Ok(Ok(slot)) = tokio::time::timeout(QUERY_TIME_LIMIT, SEARCH_SLOTS.acquire()).await else {
        return Err(Problem::Unavailable(t(
            "Search is busy right now. Please try again in a moment.",
        )));
    };
    let work = tokio::task::spawn_blocking(move || {
        // Held until the search ends, even when the reader has been answered already.
        let _slot = slot;
        index.search(&query, sort, MAX_HITS, 0)
    });
    let remaining = QUERY_TIME_LIMIT.saturating_sub(started.elapsed());
    let results = match tokio::time::timeout(remaining, work).await {
        Ok(Ok(Ok(results))) => results,
        Ok(Ok(Err(e))) => {
            tracing::error!(error = %e, "search failed");
            return Err(Problem::Unavailable(t(
                "Search failed this time. Please try again in a moment.",
            )));
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "search task failed");
            return Err(Problem::Unavailable(t(
                "Search failed this time. Please try again in a moment.",
            )));
        }
        Err(_) => {
            return Err(Problem::Unavailable(t(
                "That search took too long. Try fewer or more specific words.",
            )));
        }
    };
    let ids: Vec<i64> = results.hits.iter().map(|h| h.id).collect();
    let mut cards: HashMap<i64, ArticleView> = store
        .cards(&ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    // Group in rank order by the store's story (clustering may have moved articles since they
    // were indexed); an article deleted since is simply not shown.
    let mut groups: Vec<(ArticleView, usize)> = Vec::new();
    let mut position: HashMap<i64, usize> = HashMap::new();
    for id in &ids {
        let Some(article) = cards.remove(id) else {
            continue;
        };
        match position.get(&article.story_id) {
            Some(&i) => groups[i].1 += 1,
            None => {
                position.insert(article.story_id, groups.len());
                groups.push((article, 0));
            }
        }
    }
    let stories_total = groups.len();
    let start = (page - 1) * PER_PAGE;
    let shown: Vec<(ArticleView, usize)> = groups.into_iter().skip(start).take(PER_PAGE).collect();
    let texts: HashMap<i64, String> = store
        .texts(&shown.iter().map(|(a, _)| a.id).collect::<Vec<_>>())
        .await?
        .into_iter()
        .collect();
    let stories = shown
        .into_iter()
        .map(|(article, more)| {
            let text = texts.get(&article.id).map(String::as_str).unwrap_or("");
            StoryHit {
                snippet_html: results.snippet(text),
                article,
                more,
            }
        })
        .collect();
    Ok(Outcome {
        matched_articles: results.total,
        stories,
        stories_total,
        has_next: stories_total > start + PER_PAGE,
    })
}

/// `GET /search?q=&page=&sort=relevance|newest`.
pub async fn search_page(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Response, WebError> {
    let page = page_of(&params);
    let sort = if sort_of(&params) == SortBy::Newest {
        "newest"
    } else {
        "relevance"
    };
    let base = context! { q => &params.q, sort, page };
    if params.q.trim().is_empty() {
        let html = crate::pages::render_html(&state, "search.html", base)?;
        return Ok(axum::response::Html(html).into_response());
    }
    let (status, ctx) = match run(&state, &params).await {
        Ok(outcome) => {
            let results: Vec<_> = outcome
                .stories
                .iter()
                .map(|s| {
                    context! { a => card(&s.article), snippet => minijinja::Value::from_safe_string(s.snippet_html.clone()), more => s.more }
                })
                .collect();
            (
                StatusCode::OK,
                context! {
                    results, matched => outcome.matched_articles,
                    stories_total => outcome.stories_total, has_next => outcome.has_next, ..base
                },
            )
        }
        Err(Problem::Query(message)) => (StatusCode::BAD_REQUEST, context! { message, ..base }),
        Err(Problem::Unavailable(message)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            context! { message, ..base },
        ),
        Err(Problem::Internal(e)) => return Err(e),
    };
    let html = crate::pages::render_html(&state, "search.html", ctx)?;
    Ok((status, axum::response::Html(html)).into_response())
}

/// `GET /api/v1/search?q=&page=&sort=`: the same results as JSON.
pub async fn search_api(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Response, WebError> {
    let json =
        |status: StatusCode, value: serde_json::Value| (status, axum::Json(value)).into_response();
    match run(&state, &params).await {
        Ok(outcome) => {
            let base = &state.site().base_url;
            let results: Vec<_> = outcome
                .stories
                .iter()
                .map(|s| {
                    let a = &s.article;
                    serde_json::json!({
                        "story_id": a.story_id,
                        "story_url": format!("{base}/s/{}", a.story_id),
                        "more_reports": s.more,
                        "article": {
                            "id": a.id,
                            "title": a.title,
                            "url": format!("{base}/a/{}/{}", a.id, a.slug),
                            "original_url": a.url,
                            "source": a.source_name,
                            "published": crate::view::iso(a.published_at),
                        },
                        "snippet_html": s.snippet_html,
                    })
                })
                .collect();
            Ok(json(
                StatusCode::OK,
                serde_json::json!({
                    "query": params.q,
                    "page": page_of(&params),
                    "matched_articles": outcome.matched_articles,
                    "stories": outcome.stories_total,
                    "has_next": outcome.has_next,
                    "results": results,
                }),
            ))
        }
        Err(Problem::Query(message)) => Ok(json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({ "error": message }),
        )),
        Err(Problem::Unavailable(message)) => Ok(json(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "error": message }),
        )),
        Err(Problem::Internal(e)) => Err(e),
    }
}

/// `GET /opensearch.xml`: lets browsers add the site as a search engine.
pub async fn opensearch(State(state): State<AppState>) -> Response {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let short: String = state.site().title.chars().take(16).collect();
    let base = escape(&state.site().base_url);
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <OpenSearchDescription xmlns=\"http://a9.com/-/spec/opensearch/1.1/\">\n\
         <ShortName>{}</ShortName>\n<Description>Search {}</Description>\n<InputEncoding>UTF-8</InputEncoding>\n\
         <Url type=\"text/html\" method=\"get\" template=\"{base}/search?q={{searchTerms}}\"/>\n\
         <Url type=\"application/json\" method=\"get\" template=\"{base}/api/v1/search?q={{searchTerms}}\"/>\n\
         </OpenSearchDescription>\n",
        escape(&short),
        escape(&state.site().title),
    );
    (
        [
            (
                header::CONTENT_TYPE,
                "application/opensearchdescription+xml; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}
