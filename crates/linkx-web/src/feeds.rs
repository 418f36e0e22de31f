//! Feeds out (Atom, RSS 2.0, JSON Feed), the sitemap and robots.txt.

use crate::view::iso;
use crate::{AppState, WebError};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use linkx_store::ArticleView;
use std::fmt::Write;

const FEED_ITEMS: i64 = 50;
const SITEMAP_URLS: i64 = 50_000;

pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids are dropped rather than producing an invalid feed.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// What a feed item carries: the whole text only for sources shown in full, else the excerpt,
/// always followed by the source credit and link.
fn item_html(a: &ArticleView) -> String {
    let body = match a.display {
        linkx_core::Display::Full => a
            .content_html
            .clone()
            .or_else(|| a.summary_html.clone())
            .unwrap_or_default(),
        linkx_core::Display::Excerpt => a
            .excerpt
            .split("\n\n")
            .map(|p| format!("<p>{}</p>", xml_escape(p)))
            .collect(),
    };
    format!(
        "{body}<p>Source: <a href=\"{}\">{}</a></p>",
        xml_escape(&a.url),
        xml_escape(&a.source_name)
    )
}

/// What an Atom feed says about itself.
struct AtomHead<'a> {
    title: &'a str,
    subtitle: Option<&'a str>,
    id: &'a str,
    self_url: &'a str,
    alternate: &'a str,
    updated: i64,
}

/// The XML declaration and the feed's own elements, escaped; entries follow.
fn atom_head(h: &AtomHead<'_>) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    let _ = writeln!(out, "<title>{}</title>", xml_escape(h.title));
    if let Some(subtitle) = h.subtitle {
        let _ = writeln!(out, "<subtitle>{}</subtitle>", xml_escape(subtitle));
    }
    let _ = write!(
        out,
        "<id>{}</id>\n<link rel=\"alternate\" href=\"{}\"/>\n<link rel=\"self\" href=\"{}\"/>\n<updated>{}</updated>\n",
        xml_escape(h.id),
        xml_escape(h.alternate),
        xml_escape(h.self_url),
        iso(h.updated),
    );
    out
}

fn page_url(state: &AppState, a: &ArticleView) -> String {
    format!("{}/a/{}/{}", state.site().base_url, a.id, a.slug)
}

fn with_type(content_type: &'static str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

pub async fn atom(State(state): State<AppState>) -> Result<Response, WebError> {
    let items = state
        .store
        .latest_articles_with_bodies(FEED_ITEMS, 0)
        .await?;
    let site = state.site();
    let head = AtomHead {
        title: &site.title,
        subtitle: Some(&site.description),
        id: &format!("{}/", site.base_url),
        self_url: &format!("{}/feed.atom", site.base_url),
        alternate: &format!("{}/", site.base_url),
        updated: 0,
    };
    Ok(articles_atom(&state, head, &items))
}

/// A topic's own feed: `/t/{slug}/feed.atom`.
pub async fn topic_atom(
    State(state): State<AppState>,
    axum::extract::Path(slug): axum::extract::Path<String>,
) -> Result<Response, WebError> {
    let topic = state
        .store
        .topic_by_slug(&linkx_core::slug_from_path(&slug))
        .await?
        .ok_or(WebError::NotFound)?;
    let items = state.store.topic_articles(topic.id, FEED_ITEMS, 0).await?;
    let site = state.site();
    let title = format!("{} — {}", topic.name, site.title);
    let head = AtomHead {
        title: &title,
        subtitle: Some(topic.description.as_str()).filter(|d| !d.is_empty()),
        id: &format!("{}/t/{}", site.base_url, topic.slug),
        self_url: &format!("{}/t/{}/feed.atom", site.base_url, topic.slug),
        alternate: &format!("{}/t/{}", site.base_url, topic.slug),
        updated: 0,
    };
    Ok(articles_atom(&state, head, &items))
}

/// An Atom feed of `items` (its `updated` is the newest item's).
fn articles_atom(state: &AppState, mut head: AtomHead<'_>, items: &[ArticleView]) -> Response {
    head.updated = items
        .iter()
        .map(|a| a.updated_at.unwrap_or(a.published_at))
        .max()
        .unwrap_or(0);
    let mut out = atom_head(&head);
    for a in items {
        let url = xml_escape(&page_url(state, a));
        let _ = write!(
            out,
            "<entry>\n<title>{}</title>\n<id>{url}</id>\n<link rel=\"alternate\" href=\"{url}\"/>\n<link rel=\"via\" href=\"{}\"/>\n<published>{}</published>\n<updated>{}</updated>\n<author><name>{}</name></author>\n<source><title>{}</title></source>\n<content type=\"html\">{}</content>\n</entry>\n",
            xml_escape(&a.title),
            xml_escape(&a.url),
            iso(a.published_at),
            iso(a.updated_at.unwrap_or(a.published_at)),
            xml_escape(a.author.as_deref().unwrap_or(&a.source_name)),
            xml_escape(&a.source_name),
            xml_escape(&item_html(a)),
        );
    }
    out.push_str("</feed>\n");
    with_type("application/atom+xml; charset=utf-8", out)
}

pub async fn rss(State(state): State<AppState>) -> Result<Response, WebError> {
    let items = state
        .store
        .latest_articles_with_bodies(FEED_ITEMS, 0)
        .await?;
    let site = &state.site();
    let rfc822 = |ts: i64| {
        DateTime::<Utc>::from_timestamp(ts, 0)
            .unwrap_or_default()
            .to_rfc2822()
    };
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n",
    );
    let _ = write!(
        out,
        "<title>{}</title>\n<link>{base}/</link>\n<description>{}</description>\n<language>{}</language>\n<atom:link rel=\"self\" href=\"{base}/rss.xml\" type=\"application/rss+xml\"/>\n",
        xml_escape(&site.title),
        xml_escape(&site.description),
        xml_escape(&site.language),
        base = xml_escape(&site.base_url),
    );
    for a in &items {
        let url = xml_escape(&page_url(&state, a));
        let _ = write!(
            out,
            "<item>\n<title>{}</title>\n<link>{url}</link>\n<guid isPermaLink=\"true\">{url}</guid>\n<pubDate>{}</pubDate>\n<source url=\"{}\">{}</source>\n<description>{}</description>\n</item>\n",
            xml_escape(&a.title),
            rfc822(a.published_at),
            xml_escape(&a.url),
            xml_escape(&a.source_name),
            xml_escape(&item_html(a)),
        );
    }
    out.push_str("</channel>\n</rss>\n");
    Ok(with_type("application/rss+xml; charset=utf-8", out))
}

pub async fn json_feed(State(state): State<AppState>) -> Result<Response, WebError> {
    let items = state
        .store
        .latest_articles_with_bodies(FEED_ITEMS, 0)
        .await?;
    let site = &state.site();
    let items: Vec<_> = items
        .iter()
        .map(|a| {
            serde_json::json!({
                "id": page_url(&state, a),
                "url": page_url(&state, a),
                "external_url": a.url,
                "title": a.title,
                "content_html": item_html(a),
                "summary": linkx_core::text::excerpt(&a.excerpt, 40),
                "image": a.image_url,
                "date_published": iso(a.published_at),
                "authors": [{"name": a.author.as_deref().unwrap_or(&a.source_name)}],
            })
        })
        .collect();
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": site.title,
        "description": site.description,
        "home_page_url": format!("{}/", site.base_url),
        "feed_url": format!("{}/feed.json", site.base_url),
        "language": site.language,
        "items": items,
    });
    Ok(with_type(
        "application/feed+json; charset=utf-8",
        feed.to_string(),
    ))
}

/// One `<urlset>` while the site has at most 50,000 articles, else an index of `/sitemap-{n}.xml`.
pub async fn sitemap(State(state): State<AppState>) -> Result<Response, WebError> {
    let total = state.store.count_articles().await?;
    if total <= SITEMAP_URLS {
        return urlset(&state, 0).await;
    }
    let base = xml_escape(&state.site().base_url);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for n in 1..=(total + SITEMAP_URLS - 1) / SITEMAP_URLS {
        let _ = writeln!(out, "<sitemap><loc>{base}/sitemap-{n}.xml</loc></sitemap>");
    }
    out.push_str("</sitemapindex>\n");
    Ok(with_type("application/xml; charset=utf-8", out))
}

pub async fn sitemap_page(
    State(state): State<AppState>,
    Path(page): Path<String>,
) -> Result<Response, WebError> {
    let n: i64 = page
        .strip_suffix(".xml")
        .and_then(|n| n.parse().ok())
        .filter(|n| (1..=1_000_000).contains(n))
        .ok_or(WebError::NotFound)?;
    if (n - 1) * SITEMAP_URLS >= state.store.count_articles().await? {
        return Err(WebError::NotFound);
    }
    urlset(&state, n - 1).await
}

async fn urlset(state: &AppState, chunk: i64) -> Result<Response, WebError> {
    let entries = state
        .store
        .sitemap_entries(SITEMAP_URLS, chunk * SITEMAP_URLS)
        .await?;
    let base = xml_escape(&state.site().base_url);
    let mut out = String::with_capacity(entries.len() * 120 + 200);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for e in entries {
        let _ = writeln!(
            out,
            "<url><loc>{base}/a/{}/{}</loc><lastmod>{}</lastmod></url>",
            e.id,
            xml_escape(&e.slug),
            iso(e.lastmod)
        );
    }
    out.push_str("</urlset>\n");
    Ok(with_type("application/xml; charset=utf-8", out))
}

pub async fn robots(State(state): State<AppState>) -> Response {
    let body = format!(
        "User-agent: *\nDisallow: /admin/\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
        state.site().base_url
    );
    with_type("text/plain; charset=utf-8", body)
}

/// An Atom feed of approved comments, newest first (never with commenters' email addresses).
fn comments_feed(
    state: &AppState,
    title: &str,
    self_url: &str,
    alternate: &str,
    comments: &[linkx_store::CommentView],
) -> Response {
    let updated = comments
        .iter()
        .map(|c| c.edited_at.unwrap_or(c.created_at))
        .max()
        .unwrap_or(0);
    let mut out = atom_head(&AtomHead {
        title,
        subtitle: None,
        id: self_url,
        self_url,
        alternate,
        updated,
    });
    for c in comments {
        let url = xml_escape(&crate::comments::comment_url(state, c));
        let _ = write!(
            out,
            "<entry>\n<title>{} on “{}”</title>\n<id>{url}</id>\n<link rel=\"alternate\" href=\"{url}\"/>\n<published>{}</published>\n<updated>{}</updated>\n<author><name>{}</name>{}</author>\n<content type=\"html\">{}</content>\n</entry>\n",
            xml_escape(&c.author_name),
            xml_escape(&c.article_title),
            iso(c.created_at),
            iso(c.edited_at.unwrap_or(c.created_at)),
            xml_escape(&c.author_name),
            c.author_url
                .as_deref()
                .map(|u| format!("<uri>{}</uri>", xml_escape(u)))
                .unwrap_or_default(),
            xml_escape(&c.body_html),
        );
    }
    out.push_str("</feed>\n");
    with_type("application/atom+xml; charset=utf-8", out)
}

/// `GET /comments.atom`: the site's latest comments.
pub async fn comments_atom(State(state): State<AppState>) -> Result<Response, WebError> {
    let comments = state.store.latest_comments(None, FEED_ITEMS).await?;
    let base = &state.site().base_url;
    Ok(comments_feed(
        &state,
        &crate::i18n::tf("Comments on {site}", &[("site", &state.site().title)]),
        &format!("{base}/comments.atom"),
        &format!("{base}/"),
        &comments,
    ))
}

/// `GET /a/{id}/comments.atom`: one article's comments.
pub async fn article_comments_atom(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let a = state.store.article(id).await?.ok_or(WebError::NotFound)?;
    let comments = state.store.latest_comments(Some(id), FEED_ITEMS).await?;
    let page = page_url(&state, &a);
    Ok(comments_feed(
        &state,
        &crate::i18n::tf("Comments on “{title}”", &[("title", &a.title)]),
        &format!("{}/a/{}/comments.atom", state.site().base_url, a.id),
        &page,
        &comments,
    ))
}
