//! The site tested through its router (`tower::ServiceExt::oneshot`, no socket) on a real
//! SQLite store in a temporary directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use linkx_core::{Display, FullText};
use linkx_store::{NewArticle, NewSource, PollRecord, Store};
use linkx_web::{AppState, Options, SiteInfo, app};
use tower::ServiceExt;

mod admin;
mod comments;
mod search;
mod webmention;

struct Site {
    _dir: tempfile::TempDir,
    store: Store,
    state: AppState,
}

fn site_info() -> SiteInfo {
    SiteInfo {
        title: "Test News".into(),
        description: "Testing".into(),
        language: "en".into(),
        base_url: "https://news.test".into(),
    }
}

async fn site() -> Site {
    site_with_theme(None).await
}

async fn site_with_theme(theme: Option<&std::path::Path>) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let store = linkx_store::testing::open_test_store(dir.path()).await;
    let options = Options {
        theme_dir: theme.map(std::path::Path::to_path_buf),
        ..Options::default()
    };
    let state = AppState::new(store.clone(), site_info(), options)
        .await
        .unwrap();
    state.set_ready();
    Site {
        _dir: dir,
        store,
        state,
    }
}

async fn add_source(store: &Store, name: &str, display: Display) -> i64 {
    let new = NewSource {
        name: name.into(),
        feed_url: format!("https://{}.test/feed", linkx_core::slugify(name)),
        site_url: Some(format!("https://{}.test/", linkx_core::slugify(name))),
        display,
        full_text: FullText::Auto,
        polled: true,
        interval_secs: None,
        licence: None,
        permission: None,
    };
    store.add_source(&new, 0).await.unwrap().id
}

fn article(n: i64, title: &str, body: &str) -> NewArticle {
    NewArticle {
        guid: format!("g{n}"),
        url: format!("https://origin.test/story/{n}"),
        canonical_key: format!("origin.test/story/{n}"),
        title: title.into(),
        slug: linkx_core::slugify(title),
        author: Some("Ana Silva".into()),
        summary_html: None,
        content_html: Some(format!("<p>{body}</p>")),
        body_text: body.into(),
        excerpt: linkx_core::text::excerpt(body, 60),
        image_url: Some("https://origin.test/img.jpg".into()),
        published_at: 1_795_000_000 + n,
        updated_at: None,
        extraction: None,
        categories: Vec::new(),
        language: None,
    }
}

async fn ingest(store: &Store, source_id: i64, articles: &[NewArticle]) {
    let record = PollRecord {
        at: 1_795_100_000,
        status: Some(200),
        next_check_at: 1_795_200_000,
        ..PollRecord::default()
    };
    store
        .ingest(source_id, articles, &record, &mut || {})
        .await
        .unwrap();
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = app(state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 50 << 20)
        .await
        .unwrap();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn long_text(words: usize) -> String {
    (0..words)
        .map(|i| format!("word{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn article_page_credits_and_links_the_original_and_shows_only_an_excerpt_by_default() {
    let s = site().await;
    let src = add_source(&s.store, "Daily Planet", Display::Excerpt).await;
    ingest(
        &s.store,
        src,
        &[article(1, "Bridge reopens", &long_text(200))],
    )
    .await;
    let (status, headers, body) = get(&s.state, "/a/1/bridge-reopens").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<h1>Bridge reopens</h1>"));
    assert!(body.contains("Daily Planet"));
    assert!(
        body.contains(r#"href="https://origin.test/story/1""#),
        "Source link to the original"
    );
    assert!(body.contains("Source link"));
    assert!(body.contains("word59…"), "excerpt of 60 words");
    assert!(
        !body.contains("word120"),
        "the full text is not shown for an excerpt source"
    );
    assert!(body.contains(r#""@type":"NewsArticle""#));
    assert!(body.contains(r#"<meta property="og:title" content="Bridge reopens">"#));
    // The original is the page of record.
    assert!(body.contains(r#"<link rel="canonical" href="https://origin.test/story/1">"#));
    assert!(
        body.contains(r#"<meta property="og:url" content="https://news.test/a/1/bridge-reopens">"#)
    );
    assert!(
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

#[tokio::test]
async fn full_text_is_shown_only_with_a_licence_or_permission_and_credits_it() {
    let s = site().await;
    let src = add_source(&s.store, "Own Blog", Display::Full).await;
    ingest(&s.store, src, &[article(1, "Long read", &long_text(200))]).await;
    // Marked "full" but with nothing on record: readers get the excerpt.
    let (_, _, body) = get(&s.state, "/a/1/long-read").await;
    assert!(!body.contains("word199"));
    assert!(body.contains("This is an excerpt"));
    let edit = linkx_store::SourceEdit {
        name: "Own Blog".into(),
        display: Display::Full,
        full_text: FullText::Auto,
        interval_secs: None,
        licence: Some("CC BY 4.0".into()),
        permission: None,
        noindex: true,
    };
    s.store.update_source(src, &edit).await.unwrap();
    let (_, _, body) = get(&s.state, "/a/1/long-read").await;
    assert!(body.contains("word199"));
    assert!(!body.contains("This is an excerpt"));
    assert!(body.contains("Published by Own Blog under CC BY 4.0."));
    assert!(body.contains(r#"<meta name="robots" content="noindex">"#));
    // Feeds out follow the same rule.
    let (_, _, feed) = get(&s.state, "/feed.json").await;
    assert!(feed.contains("word199"));
}

#[tokio::test]
async fn hostile_feed_text_is_escaped_everywhere() {
    let s = site().await;
    let src = add_source(&s.store, "Evil <script>alert(1)</script>", Display::Excerpt).await;
    let mut a = article(
        1,
        "</script><script>alert('x')</script>",
        "<b>bold</b> text",
    );
    a.excerpt = "<img src=x onerror=alert(1)>".into();
    ingest(&s.store, src, &[a]).await;
    let slug = linkx_core::slugify("</script><script>alert('x')</script>");
    let (status, _, body) = get(&s.state, &format!("/a/1/{slug}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("<script>alert"), "{body}");
    assert!(!body.contains("<img src=x"), "{body}");
    let json_ld = body
        .split(r#"<script type="application/ld+json">"#)
        .nth(1)
        .unwrap();
    let json_ld = json_ld.split("</script>").next().unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(json_ld).is_ok(),
        "JSON-LD stays one valid script: {json_ld}"
    );
    let (_, _, home) = get(&s.state, "/").await;
    assert!(!home.contains("<script>alert"));
}

#[tokio::test]
async fn wrong_slug_redirects_and_unknown_ids_are_404() {
    let s = site().await;
    let src = add_source(&s.store, "Daily", Display::Excerpt).await;
    ingest(&s.store, src, &[article(1, "Right title", "text")]).await;
    let (status, headers, _) = get(&s.state, "/a/1/old-title").await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(headers[header::LOCATION], "/a/1/right-title");
    for uri in [
        "/a/999/x",
        "/a/abc/x",
        "/a/99999999999999999999999/x",
        "/s/42",
        "/source/nope",
        "/nothing-here",
    ] {
        let (status, _, body) = get(&s.state, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(body.contains("Not found"));
    }
}

#[tokio::test]
async fn titles_and_names_in_any_script_get_readable_addresses_that_are_served() {
    let s = site().await;
    let src = add_source(&s.store, "Новости Москвы", Display::Excerpt).await;
    ingest(
        &s.store,
        src,
        &[
            article(1, "東京で大雨、交通に影響", "text"),
            article(2, "Москва объявила режим ЧС", "text"),
        ],
    )
    .await;
    // Cyrillic is romanised; Japanese is kept, percent-encoded, as browsers send it.
    let tokyo = "/a/1/%E6%9D%B1%E4%BA%AC%E3%81%A7%E5%A4%A7%E9%9B%A8-%E4%BA%A4%E9%80%9A%E3%81%AB%E5%BD%B1%E9%9F%BF";
    for uri in [
        tokyo,
        "/a/2/moskva-obyavila-rezhim-chs",
        "/source/novosti-moskvy",
    ] {
        let (status, _, body) = get(&s.state, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(body.contains("Новости Москвы"), "{uri}");
    }
    // The home page links each article by that address; an old slug redirects to it.
    let (_, _, home) = get(&s.state, "/").await;
    assert!(home.contains(&format!("href=\"{tokyo}\"")), "{home}");
    let (status, headers, _) = get(&s.state, "/a/1/item").await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(headers[header::LOCATION], tokyo);
    // A link written with lowercase escapes names the same page.
    let (status, _, _) = get(&s.state, &tokyo.to_lowercase()).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn home_lists_articles_with_their_links_and_paginates() {
    let s = site().await;
    let src = add_source(&s.store, "Daily", Display::Excerpt).await;
    let articles: Vec<_> = (1..=35)
        .map(|n| article(n, &format!("Story number {n}"), "text"))
        .collect();
    ingest(&s.store, src, &articles).await;
    let (_, _, page1) = get(&s.state, "/").await;
    assert!(
        page1.contains(r#"href="/a/35/story-number-35""#),
        "newest first"
    );
    assert!(page1.contains(r#"href="/s/35""#));
    assert!(!page1.contains(r#"href="/a/5/story-number-5""#));
    assert!(page1.contains(r#"href="/?page=2""#));
    let (_, _, page2) = get(&s.state, "/?page=2").await;
    assert!(page2.contains(r#"href="/a/5/story-number-5""#));
    assert!(page2.contains(r#"href="/?page=1""#));
    let (status, _, _) = get(&s.state, "/?page=-7").await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, source_page) = get(&s.state, "/source/daily").await;
    assert!(source_page.contains(r#"href="/a/35/story-number-35""#));
    assert!(source_page.contains("35"), "article count");
}

#[tokio::test]
async fn empty_site_explains_why_and_shows_failing_sources() {
    let s = site().await;
    let src = add_source(&s.store, "Offline Source", Display::Excerpt).await;
    let failed = PollRecord {
        at: 10,
        error: Some("host offline.test not found (DNS lookup failed)".into()),
        next_check_at: 20,
        ..PollRecord::default()
    };
    s.store.ingest(src, &[], &failed, &mut || {}).await.unwrap();
    let (status, _, home) = get(&s.state, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("No stories yet"));
    assert!(home.contains("1 failing"));
    let (_, _, sources) = get(&s.state, "/sources").await;
    assert!(sources.contains("Offline Source"));
    assert!(sources.contains("DNS lookup failed"));
    let (_, _, source) = get(&s.state, "/source/offline-source").await;
    assert!(source.contains("DNS lookup failed"));
}

#[tokio::test]
async fn feeds_out_parse_back_and_credit_the_source() {
    let s = site().await;
    let src = add_source(&s.store, "Daily", Display::Excerpt).await;
    ingest(
        &s.store,
        src,
        &[
            article(1, "First & foremost", "alpha beta"),
            article(2, "Second", "gamma"),
        ],
    )
    .await;
    for (uri, content_type) in [
        ("/feed.atom", "application/atom+xml"),
        ("/rss.xml", "application/rss+xml"),
        ("/feed.json", "application/feed+json"),
    ] {
        let (status, headers, body) = get(&s.state, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with(content_type),
            "{uri}"
        );
        let feed =
            linkx_feed::parse_feed(body.as_bytes(), None).unwrap_or_else(|e| panic!("{uri}: {e}"));
        assert_eq!(feed.title.as_deref(), Some("Test News"), "{uri}");
        let urls: Vec<&str> = feed.entries.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://news.test/a/2/second",
                "https://news.test/a/1/first-foremost"
            ],
            "{uri}"
        );
        assert_eq!(feed.entries[1].title, "First & foremost", "{uri}");
        let html = feed.entries[1]
            .content_html
            .clone()
            .or(feed.entries[1].summary_html.clone())
            .unwrap_or_default();
        assert!(
            html.contains("https://origin.test/story/1"),
            "{uri}: item links the original: {html}"
        );
    }
}

#[tokio::test]
async fn sitemap_lists_every_article_once_with_absolute_urls() {
    let s = site().await;
    let src = add_source(&s.store, "Daily", Display::Excerpt).await;
    let articles: Vec<_> = (1..=40)
        .map(|n| article(n, &format!("Item {n}"), "text"))
        .collect();
    ingest(&s.store, src, &articles).await;
    let (status, _, body) = get(&s.state, "/sitemap.xml").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.matches("<loc>").count(), 40);
    assert!(body.contains("<loc>https://news.test/a/7/item-7</loc>"));
    let (_, _, robots) = get(&s.state, "/robots.txt").await;
    assert!(robots.contains("Sitemap: https://news.test/sitemap.xml"));
    let (status, _, _) = get(&s.state, "/sitemap-2.xml").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn healthz_waits_for_ready_and_metrics_count() {
    let dir = tempfile::tempdir().unwrap();
    let store = linkx_store::testing::open_test_store(dir.path()).await;
    let state = AppState::new(store, site_info(), Options::default())
        .await
        .unwrap();
    let (status, _, _) = get(&state, "/healthz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    state.set_ready();
    let (status, _, _) = get(&state, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    let (_, headers, metrics) = get(&state, "/metrics").await;
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(metrics.contains("linkx_articles 0"));
    assert!(metrics.contains("linkx_http_requests_total 2"), "{metrics}");
}

#[tokio::test]
async fn responses_are_compressed_and_static_assets_cached() {
    let s = site().await;
    let src = add_source(&s.store, "Daily", Display::Excerpt).await;
    ingest(
        &s.store,
        src,
        &(1..=30)
            .map(|n| article(n, &format!("Item {n}"), &long_text(50)))
            .collect::<Vec<_>>(),
    )
    .await;
    let request = Request::get("/")
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let response = app(s.state.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    let request = Request::get("/")
        .header(header::ACCEPT_ENCODING, "br")
        .body(Body::empty())
        .unwrap();
    let response = app(s.state.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");
    let (status, headers, css) = get(&s.state, "/static/style.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    assert!(css.contains("prefers-color-scheme: dark"));
}

#[tokio::test]
async fn theme_folder_overrides_a_template() {
    let theme = tempfile::tempdir().unwrap();
    std::fs::write(
        theme.path().join("index.html"),
        "{% extends \"base.html\" %}{% block main %}<p>My own theme</p>{% endblock %}",
    )
    .unwrap();
    let s = site_with_theme(Some(theme.path())).await;
    let (_, _, body) = get(&s.state, "/").await;
    assert!(body.contains("My own theme"));
    assert!(body.contains("Test News"), "base template still built in");
}

#[tokio::test]
async fn home_page_shows_new_articles_at_once_despite_its_cache() {
    let s = site().await;
    let src = add_source(&s.store, "Daily", Display::Excerpt).await;
    ingest(&s.store, src, &[article(1, "First story", "text")]).await;
    let (_, _, before) = get(&s.state, "/").await;
    assert!(before.contains("First story"));
    let (_, _, cached) = get(&s.state, "/").await;
    assert_eq!(before, cached);
    ingest(&s.store, src, &[article(2, "Breaking story", "text")]).await;
    let (_, _, after) = get(&s.state, "/").await;
    assert!(
        after.contains("Breaking story"),
        "a write through the store invalidates the cached page"
    );
}

#[tokio::test]
async fn a_story_is_listed_once_with_its_coverage_original_first_and_copies_marked_and_a_story_merged_into_it_redirects()
 {
    let s = site().await;
    let wire = add_source(&s.store, "Wire", Display::Excerpt).await;
    let copier = add_source(&s.store, "Copier", Display::Excerpt).await;
    let paper = add_source(&s.store, "Paper", Display::Excerpt).await;
    ingest(
        &s.store,
        wire,
        &[article(1, "Barrier approved", "original report")],
    )
    .await;
    ingest(
        &s.store,
        copier,
        &[article(2, "Barrier backed", "copied report")],
    )
    .await;
    ingest(
        &s.store,
        paper,
        &[article(3, "What the barrier means", "own report")],
    )
    .await;
    ingest(
        &s.store,
        paper,
        &[article(4, "Library opens Sundays", "unrelated")],
    )
    .await;
    let assign = |article_id, duplicate_of| linkx_store::StoryAssignment {
        article_id,
        story_id: 1,
        duplicate_of,
        original_id: 1,
    };
    s.store
        .assign_stories(&[assign(2, Some(1)), assign(3, None)])
        .await
        .unwrap();

    let (_, _, home) = get(&s.state, "/").await;
    assert!(
        home.contains(r#"href="/a/1/barrier-approved""#),
        "the story is shown through its original"
    );
    assert!(
        !home.contains(r#"href="/a/2/barrier-backed""#),
        "its other reports are not listed separately"
    );
    assert!(home.contains("Full coverage: 3 reports from 3 sources"));
    assert!(home.contains(r#"href="/a/4/library-opens-sundays""#));

    let (status, _, story) = get(&s.state, "/s/1").await;
    assert_eq!(status, StatusCode::OK);
    let original = story.find("/a/1/barrier-approved").unwrap();
    let copy = story.find("/a/2/barrier-backed").unwrap();
    let report = story.find("/a/3/what-the-barrier-means").unwrap();
    assert!(
        original < copy && copy < report,
        "original, then copies, then other reports"
    );
    assert!(story.contains("First published by Wire"));
    assert!(story.contains("1 near-copy"));
    assert!(story.contains(">Copy<"));

    let (_, _, article) = get(&s.state, "/a/3/what-the-barrier-means").await;
    assert!(article.contains("Also covered by"));
    assert!(article.contains("Barrier backed</a> — Copier (copy)"));
    let (status, _, _) = get(&s.state, "/s/2").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the copy's own story was folded into the original's"
    );

    // A later report bridges the library story into this one: its address leads here.
    let merge = linkx_store::StoryMerge { from: 4, into: 1 };
    s.store.place_stories(&[], &[merge], &[]).await.unwrap();
    let (status, headers, _) = get(&s.state, "/s/4").await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(headers["location"], "/s/1");
    let (_, _, story) = get(&s.state, "/s/1").await;
    assert!(story.contains(r#"href="/a/4/library-opens-sundays""#));
    let (status, _, _) = get(&s.state, "/s/999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_story_of_hundreds_of_reports_is_listed_a_page_at_a_time_copies_first() {
    let s = site().await;
    let wire = add_source(&s.store, "Wire", Display::Excerpt).await;
    let papers = add_source(&s.store, "Papers", Display::Excerpt).await;
    ingest(
        &s.store,
        wire,
        &[article(1, "Dam opens", "original report")],
    )
    .await;
    // 229 more reports; the last ten published are copies.
    let reports: Vec<NewArticle> = (2..=230)
        .map(|n| article(n, &format!("Report {n}"), "a report"))
        .collect();
    ingest(&s.store, papers, &reports).await;
    let assignments: Vec<_> = (2..=230)
        .map(|n| linkx_store::StoryAssignment {
            article_id: n,
            story_id: 1,
            duplicate_of: (n > 220).then_some(1),
            original_id: 1,
        })
        .collect();
    s.store.assign_stories(&assignments).await.unwrap();

    let listed = |page: &str| -> Vec<String> {
        page.match_indices(r#"href="/a/"#)
            .map(|(at, _)| page[at + 9..].split('/').next().unwrap().to_string())
            .collect()
    };
    let (status, _, first) = get(&s.state, "/s/1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(first.contains("Full coverage: 230 reports from 2 sources"));
    assert!(first.contains("10 near-copies"));
    let ids = listed(&first);
    let at = |id: &str| ids.iter().position(|x| x == id).unwrap();
    assert!(
        at("1") < at("221") && at("230") < at("2"),
        "original, copies, then the others"
    );
    assert!(
        !ids.contains(&"91".to_string()),
        "a hundred reports on the first page"
    );
    assert!(first.contains(r#"href="/s/1?page=2""#) && first.contains("More reports →"));
    assert!(!first.contains("Previous reports"));

    let (_, _, second) = get(&s.state, "/s/1?page=2").await;
    let ids = listed(&second);
    assert!(ids.contains(&"91".to_string()) && !ids.contains(&"2".to_string()));
    assert!(second.contains(r#"href="/s/1?page=1""#) && second.contains("← Previous reports"));
    let (_, _, third) = get(&s.state, "/s/1?page=3").await;
    assert!(listed(&third).contains(&"220".to_string()));
    assert!(!third.contains("More reports"), "the last page");
    let (status, _, _) = get(&s.state, "/s/1?page=4").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "past the last page");
    let (status, _, _) = get(&s.state, "/s/1?page=x").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a malformed page number is the first page"
    );
}

#[tokio::test]
async fn images_are_shown_through_the_signed_proxy_never_from_third_parties() {
    let s = site().await;
    let src = add_source(&s.store, "Photo Desk", Display::Full).await;
    let edit = linkx_store::SourceEdit {
        name: "Photo Desk".into(),
        display: Display::Full,
        full_text: FullText::Auto,
        interval_secs: None,
        licence: None,
        permission: Some("our own photos".into()),
        noindex: false,
    };
    s.store.update_source(src, &edit).await.unwrap();
    let pictured = NewArticle {
        image_url: Some("https://cdn.test/lead.jpg".into()),
        content_html: Some(
            r#"<p>Look:</p><img src="https://cdn.test/inline.png?w=1&amp;h=2" alt="inline" srcset="https://cdn.test/big.png 2x">"#.into(),
        ),
        ..article(1, "Pictures", "Look at these pictures.")
    };
    ingest(&s.store, src, &[pictured]).await;
    let (_, headers, body) = get(&s.state, "/a/1/pictures").await;
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("img-src 'self' data:;"), "{csp}");
    let keys = s.state.keys();
    assert!(body.contains(&format!(
        r#"<img class="lead" src="{}""#,
        keys.image_path("https://cdn.test/lead.jpg")
    )));
    assert!(body.contains(&keys.image_path("https://cdn.test/inline.png?w=1&h=2")));
    assert!(body.contains(&format!(
        r#"<meta property="og:image" content="https://news.test{}">"#,
        keys.image_path("https://cdn.test/lead.jpg")
    )));
    // No image element points at another site.
    assert!(!body.contains(r#"src="https://cdn.test"#) && !body.contains("srcset"));
}

#[tokio::test]
async fn each_item_is_marked_with_its_own_language() {
    let s = site().await;
    let src = add_source(&s.store, "Le Monde", Display::Excerpt).await;
    let french = NewArticle {
        language: Some("fr".into()),
        ..article(1, "Inondations", "Les rivieres debordent.")
    };
    ingest(
        &s.store,
        src,
        &[french, article(2, "Floods", "Rivers rise.")],
    )
    .await;
    let arabic = NewArticle {
        language: Some("ar".into()),
        ..article(3, "فيضانات", "ارتفع منسوب الأنهار.")
    };
    ingest(&s.store, src, &[arabic]).await;
    let (_, _, page) = get(&s.state, "/a/1/inondations").await;
    assert!(page.contains(r#"<html lang="en" dir="ltr">"#));
    assert!(page.contains(r#"<article class="item" lang="fr" dir="ltr">"#));
    let (_, _, home) = get(&s.state, "/").await;
    assert!(home.contains(r#"<article class="card" lang="fr" dir="ltr">"#));
    assert!(
        home.contains(r#"<article class="card" lang="ar" dir="rtl">"#),
        "Arabic reads right to left on an English page"
    );
    assert!(
        home.contains(r#"<article class="card" dir="auto">"#),
        "no lang when the feed says none: the browser reads the direction from the text"
    );
}
