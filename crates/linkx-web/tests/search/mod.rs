//! Search through the site: one hit per story, escaped snippets, friendly errors, and a site
//! that keeps working when the index is missing or rebuilding.

use super::{add_source, article, get, ingest, site_info};
use axum::http::StatusCode;
use linkx_core::Display;
use linkx_search::{IndexDoc, SearchIndex};
use linkx_store::Store;
use linkx_web::{AppState, Options};
use std::sync::Arc;

struct SearchSite {
    _dir: tempfile::TempDir,
    store: Store,
    state: AppState,
    index: Arc<SearchIndex>,
}

/// Indexes every stored article, as the pipeline does.
async fn index_all(store: &Store, index: &SearchIndex) {
    let rows = store.index_rows_after(0, 10_000).await.unwrap();
    let docs: Vec<IndexDoc> = rows
        .into_iter()
        .map(|r| IndexDoc {
            id: r.id,
            story_id: r.story_id,
            source_id: r.source_id,
            source: format!("{} {}", r.source_slug, r.source_name),
            author: r.author,
            language: None,
            title: r.title,
            text: r.body_text,
            published_at: r.published_at,
        })
        .collect();
    index.clear(&linkx_search::Sample::default()).unwrap();
    index.upsert(&docs).unwrap();
    index.commit().unwrap();
}

async fn search_site(with_index: bool, ready: bool) -> SearchSite {
    let dir = tempfile::tempdir().unwrap();
    let store = linkx_store::testing::open_test_store(dir.path()).await;
    let index = Arc::new(SearchIndex::in_memory().unwrap());
    let options = Options {
        search: with_index.then(|| index.clone()),
        ..Options::default()
    };
    let state = AppState::new(store.clone(), site_info(), options)
        .await
        .unwrap();
    state.set_ready();
    if ready {
        state.set_search_ready();
    }
    let wire = add_source(&store, "Wire Service", Display::Excerpt).await;
    let daily = add_source(&store, "Daily Planet", Display::Excerpt).await;
    ingest(
        &store,
        wire,
        &[
            article(
                1,
                "Drone attack on the minister's home",
                "A drone attack hit the minister's home in the capital overnight.",
            ),
            article(
                2,
                "Flood barrier approved",
                "The council approved the flood barrier.",
            ),
            article(
                5,
                "Hostile <b>markup</b>",
                "The drone <script>alert(1)</script> text <img src=x onerror=alert(1)> here.",
            ),
        ],
    )
    .await;
    ingest(
        &store,
        daily,
        &[
            article(
                3,
                "Minister unhurt after drone attack",
                "The minister was unhurt after drones attacked his home.",
            ),
            article(
                4,
                "Drone attack: what we know",
                "What we know about the drone attack so far.",
            ),
        ],
    )
    .await;
    // The minister reports (ids 1, 4 and 5 in insertion order) are one story.
    let assign = |article_id| linkx_store::StoryAssignment {
        article_id,
        story_id: 1,
        duplicate_of: None,
        original_id: 1,
    };
    store.assign_stories(&[assign(4), assign(5)]).await.unwrap();
    index_all(&store, &index).await;
    SearchSite {
        _dir: dir,
        store,
        state,
        index,
    }
}

#[tokio::test]
async fn results_show_one_hit_per_story_with_its_other_reports() {
    let s = search_site(true, true).await;
    let (status, _, body) = get(&s.state, "/search?q=drone+attack").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("3 articles in 1 story"), "{body}");
    assert_eq!(body.matches("class=\"card result\"").count(), 1);
    assert!(body.contains("and 2 more reports of this story"));
    assert!(body.contains(r#"href="/s/1""#));
    assert!(
        body.contains("<b>drones</b> <b>attacked</b>"),
        "stemmed words highlighted: {body}"
    );
    let (_, _, newest) = get(&s.state, "/search?q=minister&sort=newest").await;
    assert!(newest.contains(r#"<option value="newest" selected>"#));
    let (_, _, none) = get(&s.state, "/search?q=volcano").await;
    assert!(none.contains("No articles match"));
}

#[tokio::test]
async fn filters_work_through_the_site() {
    let s = search_site(true, true).await;
    let (_, _, body) = get(&s.state, "/search?q=drone+source%3Adaily").await;
    assert!(
        body.contains("Daily Planet") && !body.contains("Wire Service</a>"),
        "{body}"
    );
    let (_, _, body) = get(&s.state, "/search?q=drone+-minister+-know").await;
    assert!(body.contains("Hostile"), "{body}");
    assert!(!body.contains("Minister unhurt"));
}

#[tokio::test]
async fn indexed_text_cannot_inject_markup() {
    let s = search_site(true, true).await;
    let (_, _, body) = get(&s.state, "/search?q=text").await;
    assert!(
        body.contains("&lt;script&gt;") || !body.contains("script"),
        "{body}"
    );
    assert!(!body.contains("<script>alert"));
    assert!(!body.contains("<img src=x"));
    assert!(
        body.contains("Hostile &lt;b&gt;markup&lt;/b&gt;"),
        "titles escaped too"
    );
}

#[tokio::test]
async fn query_mistakes_get_a_friendly_400_and_the_form_back() {
    let s = search_site(true, true).await;
    let (status, _, body) = get(&s.state, "/search?q=drone+after%3Ayesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("expects a date like 2026-11-27"), "{body}");
    assert!(body.contains(r#"value="drone after:yesterday""#));
    let long = "a".repeat(600);
    let (status, _, body) = get(&s.state, &format!("/search?q={long}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("too long"));
    let (status, _, body) = get(&s.state, "/search?q=%22%22+-").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Type a word"));
    let (status, _, body) = get(&s.state, "/search").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#"role="search""#));
}

#[tokio::test]
async fn without_an_index_search_says_so_and_the_site_works() {
    let s = search_site(false, false).await;
    let (status, _, body) = get(&s.state, "/search?q=drone").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("not available"));
    assert_eq!(get(&s.state, "/").await.0, StatusCode::OK);
    assert_eq!(
        get(&s.state, "/a/1/drone-attack-on-the-minister-s-home")
            .await
            .0,
        StatusCode::OK
    );

    let rebuilding = search_site(true, false).await;
    let (status, _, body) = get(&rebuilding.state, "/search?q=drone").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("being rebuilt"));
    let (status, _, api) = get(&rebuilding.state, "/api/v1/search?q=drone").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(api.contains("\"error\""));
}

#[tokio::test]
async fn the_api_and_opensearch_description() {
    let s = search_site(true, true).await;
    let (status, _, body) = get(&s.state, "/api/v1/search?q=drone").await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["matched_articles"], 4);
    assert_eq!(json["stories"], 2);
    let first = &json["results"][0];
    assert!(
        first["article"]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://news.test/a/")
    );
    assert!(
        first["article"]["original_url"]
            .as_str()
            .unwrap()
            .starts_with("https://origin.test/")
    );
    let (status, _, bad) = get(&s.state, "/api/v1/search?q=before%3Asoon").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad.contains("\"error\""));

    let (_, headers, xml) = get(&s.state, "/opensearch.xml").await;
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/opensearchdescription+xml")
    );
    assert!(xml.contains(r#"template="https://news.test/search?q={searchTerms}""#));
    let (_, _, home) = get(&s.state, "/").await;
    assert!(home.contains(r#"rel="search" type="application/opensearchdescription+xml""#));
}

#[tokio::test]
async fn deleted_and_changed_articles_are_reflected() {
    let s = search_site(true, true).await;
    // Removing a source from the store hides its articles at once, even before the index
    // catches up.
    let daily = s
        .store
        .source_by_slug("daily-planet")
        .await
        .unwrap()
        .unwrap();
    s.store.remove_source(daily.id).await.unwrap();
    let (_, _, body) = get(&s.state, "/search?q=unhurt").await;
    assert!(body.contains("No articles match"), "{body}");
    // Rebuilt from scratch, the index gives the same answers as the store.
    index_all(&s.store, &s.index).await;
    assert_eq!(s.index.len(), 3);
    let (_, _, body) = get(&s.state, "/search?q=drone").await;
    assert!(body.contains("2 articles in 2 stories"), "{body}");
}
