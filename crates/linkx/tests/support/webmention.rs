//! Fixture pages for Webmention: the 23 endpoint-discovery cases of the webmention.rocks test
//! suite (reproduced from their descriptions, one page per case at `/wm/{n}`), endpoints that
//! record what they receive, source pages for verification, and a feed whose items are pages
//! with endpoints (for sending).

use super::Hits;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;

/// A mention target outside the fixture server that the verification pages link to.
pub const TARGET: &str = "https://news.test/a/1/bridge-reopens";

type Fixture = State<(Arc<Hits>, String)>;

fn html(headers: Vec<(&'static str, String)>, body: String) -> Response {
    let title = if body.contains("<title>") {
        ""
    } else {
        "<title>Discovery test</title>"
    };
    let mut map = HeaderMap::new();
    map.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            map.append(name, value);
        }
    }
    (map, format!("<!DOCTYPE html><html><head>{title}{body}")).into_response()
}

/// Discovery case `n`; every correct answer is `/wm/{n}/webmention` except where noted.
async fn discovery(State((_, base)): Fixture, Path(n): Path<u32>) -> Response {
    let ep = format!("/wm/{n}/webmention");
    let abs = format!("{base}{ep}");
    let wrong = format!("/wm/{n}/wrong");
    let none = Vec::new;
    match n {
        1 => html(
            vec![("link", format!("<{ep}>; rel=webmention"))],
            String::new(),
        ),
        2 => html(
            vec![("link", format!("<{abs}>; rel=webmention"))],
            String::new(),
        ),
        3 => html(
            none(),
            format!(r#"<link rel="webmention" href="{ep}"></head>"#),
        ),
        4 => html(
            none(),
            format!(r#"<link rel="webmention" href="{abs}"></head>"#),
        ),
        5 => html(
            none(),
            format!(r#"</head><body><a rel="webmention" href="{ep}">endpoint</a>"#),
        ),
        6 => html(
            none(),
            format!(r#"</head><body><a rel="webmention" href="{abs}">endpoint</a>"#),
        ),
        // Header names and rel values in any case.
        7 => html(
            vec![("LinK", format!("<{abs}>; REL=WebMention"))],
            String::new(),
        ),
        8 => html(
            vec![("link", format!(r#"<{abs}>; rel="webmention""#))],
            String::new(),
        ),
        9 => html(
            none(),
            format!(r#"<link rel="webmention somethingelse" href="{ep}"></head>"#),
        ),
        10 => html(
            vec![(
                "link",
                format!(r#"<{abs}>; rel="webmention somethingelse""#),
            )],
            String::new(),
        ),
        // The header wins over the document.
        11 => html(
            vec![("link", format!("<{abs}>; rel=webmention"))],
            format!(
                r#"<link rel="webmention" href="{wrong}"></head><body><a rel="webmention" href="{wrong}">x</a>"#
            ),
        ),
        12 => html(
            none(),
            format!(
                r#"<link rel="not-webmention" href="{wrong}"><link rel="webmention" href="{ep}"></head>"#
            ),
        ),
        13 => html(
            none(),
            format!(
                r#"<!-- <link rel="webmention" href="{wrong}"> --><link rel="webmention" href="{ep}"></head>"#
            ),
        ),
        14 => html(
            none(),
            format!(
                r#"</head><body><code>&lt;a href="{wrong}" rel="webmention"&gt;&lt;/a&gt;</code><a href="{ep}" rel="webmention">ok</a>"#
            ),
        ),
        // Empty href: the page itself is the endpoint.
        15 => html(
            none(),
            r#"<link rel="webmention" href=""></head>"#.to_string(),
        ),
        16 => html(
            none(),
            format!(
                r#"</head><body><a href="{ep}" rel="webmention">a first</a><link rel="webmention" href="{wrong}">"#
            ),
        ),
        17 => html(
            none(),
            format!(
                r#"<link rel="webmention" href="{ep}"></head><body><a href="{wrong}" rel="webmention">a second</a>"#
            ),
        ),
        18 => html(
            vec![
                ("link", format!(r#"<{base}{wrong}>; rel="other""#)),
                ("link", format!(r#"<{abs}>; rel="webmention""#)),
            ],
            String::new(),
        ),
        19 => html(
            vec![(
                "link",
                format!(r#"<{base}{wrong}>; rel="other", <{abs}>; rel="webmention""#),
            )],
            String::new(),
        ),
        20 => html(
            none(),
            format!(r#"<link rel="webmention"><link rel="webmention" href="{ep}"></head>"#),
        ),
        // Answer: /wm/21/webmention?query=yes
        21 => html(
            none(),
            format!(r#"<link rel="webmention" href="{ep}?query=yes"></head>"#),
        ),
        // Relative to the page's path (/wm/22): answer /wm/22/webmention.
        22 => html(
            none(),
            r#"<link rel="webmention" href="22/webmention"></head>"#.to_string(),
        ),
        // Redirects to /wm/23/page, whose relative endpoint resolves against the final URL:
        // answer /wm/23/page/webmention-endpoint... see `after_redirect`.
        23 => (StatusCode::FOUND, [(header::LOCATION, "/wm/23/page/")]).into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn after_redirect() -> Response {
    html(
        Vec::new(),
        r#"<link rel="webmention" href="webmention-endpoint"></head>"#.to_string(),
    )
}

/// The answer to discovery case `n` on the fixture server at `base`.
pub fn expected_endpoint(base: &str, n: u32) -> String {
    match n {
        15 => format!("{base}/wm/15"),
        21 => format!("{base}/wm/21/webmention?query=yes"),
        23 => format!("{base}/wm/23/page/webmention-endpoint"),
        n => format!("{base}/wm/{n}/webmention"),
    }
}

/// Endpoints record the forms they receive.
async fn endpoint(State((hits, _)): Fixture, body: String) -> Response {
    hits.mentions_received
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(body);
    (StatusCode::ACCEPTED, "accepted").into_response()
}

async fn busy_endpoint() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "try later").into_response()
}

/// Source pages for verification.
async fn source(State((hits, _)): Fixture, Path(name): Path<String>) -> Response {
    let page = match name.as_str() {
        "reply" => format!(
            r#"<title>Re: bridge</title></head><body><article class="h-entry">
            <a class="u-in-reply-to" href="{TARGET}">In reply to</a>
            <a class="p-author h-card" href="/about">Nia <img src=x onerror=alert(1)>Okafor</a>
            <div class="e-content">The detour adds ten minutes. <script>alert('xss')</script><b>Bold</b> claim.</div>
            <time class="dt-published" datetime="2026-11-20T08:30:00Z">20 Nov</time>
            <a class="u-url" href="/notes/1">permalink</a></article>"#
        ),
        "like" => format!(
            r#"</head><body><div class="h-entry"><span class="p-author h-card"><span class="p-name">Sam</span></span>
            liked <a class="u-like-of" href="{TARGET}">this</a></div>"#
        ),
        "plain" => format!(r#"<title>A plain post</title></head><body><p>See <a href="{TARGET}">the story</a>.</p>"#),
        "nolink" => r#"</head><body><p>No link here, only <a href="https://news.test/a/1/other">another page</a>.</p>"#
            .to_string(),
        "gone" => return StatusCode::GONE.into_response(),
        "mutable" => hits.page.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    html(Vec::new(), page)
}

/// A feed whose two items are pages that advertise endpoints (one answers 202, one 503).
async fn feed(State((_, base)): Fixture) -> Response {
    let item = |path: &str, title: &str| {
        format!(
            "<item><title>{title}</title><link>{base}{path}</link><guid>{base}{path}</guid>\
             <description>A long enough description of the story so no page is fetched for full text: {}</description></item>",
            "words ".repeat(120)
        )
    };
    let body = format!(
        "<rss version=\"2.0\"><channel><title>Mentionable</title><link>{base}/</link>{}{}{}</channel></rss>",
        item("/wm/4", "Has an endpoint"),
        item("/wm-busy-page", "Endpoint busy"),
        item("/site/", "No endpoint"),
    );
    ([(header::CONTENT_TYPE, "application/rss+xml")], body).into_response()
}

async fn busy_page(State((_, base)): Fixture) -> Response {
    html(
        Vec::new(),
        format!(r#"<link rel="webmention" href="{base}/wm-busy"></head>"#),
    )
}

/// Link-exchange partner pages: one links back to https://news.test, one does not.
async fn partner(Path(name): Path<String>) -> Response {
    match name.as_str() {
        "yes" => html(
            Vec::new(),
            r#"</head><body><a href="https://NEWS.test/a/5/story">our friends</a>"#.into(),
        ),
        "no" => html(
            Vec::new(),
            r#"</head><body><a href="https://news.test.evil/">not quite</a>"#.into(),
        ),
        _ => StatusCode::GONE.into_response(),
    }
}

pub fn router(hits: Arc<Hits>, base: String) -> Router {
    Router::new()
        .route("/wm/{n}", get(discovery).post(endpoint))
        .route("/wm/23/page/", get(after_redirect))
        .route("/wm/{n}/webmention", axum::routing::post(endpoint))
        .route(
            "/wm/23/page/webmention-endpoint",
            axum::routing::post(endpoint),
        )
        .route("/wm-busy", axum::routing::post(busy_endpoint))
        .route("/wm-src/{name}", get(source))
        .route("/wm-feed.xml", get(feed))
        .route("/wm-busy-page", get(busy_page))
        .route("/partner/{name}", get(partner))
        .with_state((hits, base))
}
