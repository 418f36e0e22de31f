//! Editorial control end to end: takedowns that disappear everywhere at once and stay down
//! after re-polling, through the CLI and the same store the site reads.

use crate::support::{spawn_app, stderr, stdout};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use linkx::poll::{PollContext, poll_source};
use std::sync::Arc;
use tower::ServiceExt;

async fn get(state: &linkx_web::AppState, uri: &str) -> (StatusCode, String) {
    let response = linkx_web::app(state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

// Multi-threaded: the fixture server must keep answering while this thread waits for the child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_down_article_is_gone_everywhere_and_stays_gone_after_repolling() {
    let app = spawn_app().await;
    let source = crate::add(&app, "/feeds/daily-3.xml").await;
    let data = app.dir.path();
    let (index, _) = linkx::search::open_index(data).unwrap();
    let index = Arc::new(index);
    let sync = Arc::new(linkx::search::SearchSync::new(
        index.clone(),
        app.store.clone(),
    ));
    let ctx = PollContext {
        search: Some(sync.clone()),
        ..Arc::try_unwrap(app.poll_context().await).ok().unwrap()
    };
    poll_source(&ctx, &source).await;
    sync.flush().await.unwrap();
    let articles = app.store.latest_articles(10, 0).await.unwrap();
    assert_eq!(articles.len(), 3);
    let victim = articles
        .iter()
        .find(|a| a.title.ends_with(" 1"))
        .unwrap()
        .clone();
    let page = format!("/a/{}/{}", victim.id, victim.slug);
    let state = linkx_web::AppState::new(
        app.store.clone(),
        linkx_web::SiteInfo {
            title: "T".into(),
            description: "D".into(),
            language: "en".into(),
            base_url: "http://t".into(),
        },
        linkx_web::Options {
            search: Some(index.clone()),
            ..linkx_web::Options::default()
        },
    )
    .await
    .unwrap();
    state.set_ready();
    state.set_search_ready();
    assert_eq!(get(&state, &page).await.0, StatusCode::OK);
    // The exact title as a phrase: only the victim matches it.
    let word = format!("%22{}%22", victim.title.replace(' ', "+"));
    assert!(
        get(&state, &format!("/search?q={word}"))
            .await
            .1
            .contains(&page)
    );

    // The index is held by this test (as a server would hold it), so the CLI cannot update it:
    // search must still never show a removed article.
    drop(ctx);
    let out = app.linkx(&[
        "takedown",
        &victim.id.to_string(),
        "--reason",
        "legal request 42",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("took down 1 article(s)"));
    assert!(stdout(&out).contains("blocked url"));

    let (status, body) = get(&state, &page).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(body.contains("removed"));
    assert_eq!(
        get(&state, &format!("/a/{}", victim.id)).await.0,
        StatusCode::GONE
    );
    for uri in [
        "/",
        "/feed.atom",
        "/rss.xml",
        "/feed.json",
        "/sitemap.xml",
        &format!("/source/{}", source.slug),
    ] {
        let (_, body) = get(&state, uri).await;
        assert!(!body.contains(&victim.title), "{uri} still shows it");
        assert!(
            !body.contains(&format!("/a/{}/", victim.id)),
            "{uri} still links it"
        );
    }
    let (_, results) = get(&state, &format!("/search?q={word}")).await;
    assert!(!results.contains(&page));

    // Polling the feed again (it still carries the item) does not bring it back.
    let ctx = app.poll_context().await;
    app.clock.advance(3600);
    let source = app.store.source(source.id).await.unwrap().unwrap();
    poll_source(&ctx, &source).await;
    let titles: Vec<String> = app
        .store
        .latest_articles(10, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.title)
        .collect();
    assert_eq!(titles.len(), 2);
    assert!(!titles.contains(&victim.title));
    let log = app.store.takedowns(5).await.unwrap();
    assert_eq!(
        (log[0].article_id, log[0].reason.as_str()),
        (victim.id, "legal request 42")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_or_pattern_takedown_covers_every_matching_item() {
    let app = spawn_app().await;
    let source = crate::add(&app, "/feeds/daily-4.xml").await;
    poll_source(&*app.poll_context().await, &source).await;
    assert_eq!(app.store.count_articles().await.unwrap(), 4);
    // A pattern matching one item's path.
    let one = app.store.latest_articles(10, 0).await.unwrap().remove(0);
    let pattern = format!("{}*", &one.url[..one.url.len() - 1]);
    let out = app.linkx(&["takedown", &pattern, "--reason", "spam"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("blocked pattern"));
    let left = app.store.count_articles().await.unwrap();
    assert!(left < 4);
    // The fixture server's whole host.
    let host = url::Url::parse(&app.base)
        .unwrap()
        .host_str()
        .unwrap()
        .to_string();
    let out = app.linkx(&[
        "takedown",
        "--domain",
        &format!("{host}.example"),
        "--reason",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        app.store.count_articles().await.unwrap(),
        left,
        "another domain changes nothing"
    );
    // Usage errors say what to do.
    let out = app.linkx(&["takedown", "999", "--reason", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("article 999 does not exist"));
    let out = app.linkx(&["takedown", "--domain", "not a domain", "--reason", "x"]);
    assert_eq!(out.status.code(), Some(2));
    let out = app.linkx(&["takedown", "5", "--reason", "  "]);
    assert_eq!(out.status.code(), Some(2));
    let out = app.linkx(&["takedown", "--reason", "x"]);
    assert_eq!(out.status.code(), Some(2));
}

async fn site_state(store: &linkx_store::Store) -> linkx_web::AppState {
    let state = linkx_web::AppState::new(
        store.clone(),
        linkx_web::SiteInfo {
            title: "T".into(),
            description: "D".into(),
            language: "en".into(),
            base_url: "http://t".into(),
        },
        linkx_web::Options::default(),
    )
    .await
    .unwrap();
    state.set_ready();
    state
}

/// The pages a reader would compare: the home page, an article, a story, the sitemap, a feed.
async fn snapshot(store: &linkx_store::Store) -> Vec<(StatusCode, String)> {
    let state = site_state(store).await;
    let article = store.latest_articles(1, 0).await.unwrap().remove(0);
    let mut pages = Vec::new();
    for uri in [
        "/".to_string(),
        format!("/s/{}", article.story_id),
        "/sitemap.xml".to_string(),
        "/feed.json".to_string(),
        "/sources".to_string(),
    ] {
        pages.push(get(&state, &uri).await);
    }
    pages.push(get(&state, &format!("/a/{}/{}", article.id, article.slug)).await);
    // Reply forms carry a fresh token on every view.
    pages
        .into_iter()
        .map(|(status, body)| (status, without_form_tokens(&body)))
        .collect()
}

fn without_form_tokens(body: &str) -> String {
    const MARK: &str = r#"name="_token" value=""#;
    let mut out = String::new();
    let mut rest = body;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at + MARK.len()]);
        rest = &rest[at + MARK.len()..];
        rest = rest.find('"').map_or("", |end| &rest[end..]);
    }
    out.push_str(rest);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_wipe_restore_gives_the_same_site() {
    let app = spawn_app().await;
    for feed in ["/feeds/alpha-4.xml", "/feeds/beta-3.xml"] {
        let source = crate::add(&app, feed).await;
        poll_source(&*app.poll_context().await, &source).await;
    }
    let article = app.store.latest_articles(1, 0).await.unwrap().remove(0);
    let comment = linkx_store::NewComment {
        article_id: article.id,
        parent_id: None,
        depth: 1,
        author_name: "Ada".into(),
        author_email: "ada@example.org".into(),
        author_key: "k".into(),
        author_url: None,
        avatar_hash: None,
        body_md: "Kept across a restore.".into(),
        body_html: "<p>Kept across a restore.</p>".into(),
        status: linkx_core::comment::CommentStatus::Approved,
        held_reason: None,
        notify: false,
        ip_hash: None,
        created_at: crate::support::NOW,
    };
    app.store.insert_comment(&comment).await.unwrap();
    let before = snapshot(&app.store).await;
    assert!(before.last().unwrap().1.contains(&article.title));
    assert!(before.last().unwrap().1.contains("Kept across a restore."));

    let file = app.dir.path().join("site.backup");
    let file = file.to_str().unwrap();
    let out = app.linkx(&["backup", file]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("2 sources, 7 articles, 1 comments"),
        "{}",
        stdout(&out)
    );
    // A backup never overwrites.
    let again = app.linkx(&["backup", file]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("exists"));

    // Wipe: the database and the search index are gone.
    app.store.close().await;
    for entry in std::fs::read_dir(app.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("linkx.db") {
            std::fs::remove_file(&path).unwrap();
        } else if name == "search" {
            std::fs::remove_dir_all(&path).unwrap();
        }
    }
    let out = app.linkx(&["restore", file]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("search index rebuilt (7 articles)"),
        "{}",
        stdout(&out)
    );
    let restored = linkx_store::Store::open_path(&app.dir.path().join("linkx.db"))
        .await
        .unwrap();
    let after = snapshot(&restored).await;
    assert_eq!(after.len(), before.len());
    for (i, (a, b)) in after.iter().zip(&before).enumerate() {
        assert!(a == b, "page {i} differs after the restore");
    }
    assert_eq!(restored.count_articles().await.unwrap(), 7);
    let comments = restored
        .comments_for_article(article.id, None)
        .await
        .unwrap();
    assert_eq!(comments.len(), 1);

    // Restoring over a live database keeps the old one beside it; junk is refused.
    let out = app.linkx(&["restore", file]);
    assert!(
        stdout(&out).contains("previous database is kept as"),
        "{}",
        stdout(&out)
    );
    std::fs::write(app.dir.path().join("junk"), "not a database").unwrap();
    let junk = app.dir.path().join("junk");
    let out = app.linkx(&["restore", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot be restored"),
        "{}",
        stderr(&out)
    );
}

fn aged_article(n: i64, days_old: i64, words: &str) -> linkx_store::NewArticle {
    linkx_store::NewArticle {
        guid: format!("aged-{n}"),
        url: format!("https://origin.test/aged/{n}"),
        canonical_key: format!("origin.test/aged/{n}"),
        title: format!("Aged story {n}"),
        slug: format!("aged-story-{n}"),
        author: None,
        summary_html: Some(format!("<p>Summary {n}</p>")),
        content_html: Some(format!("<p>Summary {n}. {words}</p>")),
        body_text: format!("Summary {n}. {words}"),
        excerpt: format!("Summary {n}."),
        image_url: None,
        published_at: crate::support::NOW - days_old * 86_400,
        updated_at: None,
        extraction: None,
        categories: Vec::new(),
        language: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_drops_old_full_text_then_old_articles_as_its_dry_run_said() {
    let app = spawn_app().await;
    let source = crate::add(&app, "/feeds/unused-1.xml").await;
    let articles = [
        aged_article(1, 10, "fresh zebra"),
        aged_article(2, 40, "middle quokka"),
        aged_article(3, 400, "ancient axolotl"),
    ];
    let record = linkx_store::PollRecord {
        at: crate::support::NOW,
        ..Default::default()
    };
    let ingested = app
        .store
        .ingest(source.id, &articles, &record, &mut || {})
        .await
        .unwrap();
    let id = |n: usize| ingested.new_ids.iter().find(|(i, _)| *i == n).unwrap().1;
    let (fresh, middle, ancient) = (id(0), id(1), id(2));
    let comment = linkx_store::NewComment {
        article_id: ancient,
        parent_id: None,
        depth: 1,
        author_name: "Old".into(),
        author_email: "old@example.org".into(),
        author_key: "k".into(),
        author_url: None,
        avatar_hash: None,
        body_md: "x".into(),
        body_html: "<p>x</p>".into(),
        status: linkx_core::comment::CommentStatus::Approved,
        held_reason: None,
        notify: false,
        ip_hash: None,
        created_at: crate::support::NOW,
    };
    let comment_id = app.store.insert_comment(&comment).await.unwrap();
    let index = Arc::new(linkx_search::SearchIndex::in_memory().unwrap());
    linkx::search::rebuild(&app.store, &index, |_, _| {})
        .await
        .unwrap();
    let hits = |word: &str| {
        let q = linkx_search::parse_query(word).unwrap();
        index
            .search(&q, linkx_search::SortBy::Relevance, 10, 0)
            .unwrap()
            .hits
            .len()
    };
    assert_eq!((hits("quokka"), hits("axolotl")), (1, 1));

    let config = linkx_core::config::RetentionConfig {
        full_text_days: 30,
        keep_days: 365,
    };
    let plan = linkx::retention::plan(&app.store, &config, crate::support::NOW)
        .await
        .unwrap();
    assert_eq!(
        (plan.trimmed.clone(), plan.deleted.clone()),
        (vec![middle], vec![ancient])
    );
    assert_eq!(
        linkx::retention::describe(&plan, &config, true),
        "would drop the full text of 1 article(s) older than 30 days; would delete 1 article(s) older than 365 days, with their comments and mentions"
    );
    let done = linkx::retention::apply(&app.store, Some(&index), &config, crate::support::NOW)
        .await
        .unwrap();
    assert_eq!((done.trimmed, done.deleted), (plan.trimmed, plan.deleted));
    // Only what the plan said changed.
    assert!(app.store.article(ancient).await.unwrap().is_none());
    assert!(app.store.comment(comment_id).await.unwrap().is_none());
    let kept = app.store.article(middle).await.unwrap().unwrap();
    assert_eq!((kept.content_html, kept.summary_html), (None, None));
    assert_eq!(kept.excerpt, "Summary 2.");
    let untouched = app.store.article(fresh).await.unwrap().unwrap();
    assert!(untouched.content_html.unwrap().contains("fresh zebra"));
    assert_eq!(
        (
            hits("zebra"),
            hits("quokka"),
            hits("axolotl"),
            hits("summary")
        ),
        (1, 0, 0, 2)
    );
    // Running again finds nothing more to do; 0 days means forever.
    let again = linkx::retention::plan(&app.store, &config, crate::support::NOW)
        .await
        .unwrap();
    assert!(again.trimmed.is_empty() && again.deleted.is_empty());
    let off = linkx_core::config::RetentionConfig::default();
    let nothing = linkx::retention::apply(&app.store, None, &off, i64::MAX / 2)
        .await
        .unwrap();
    assert!(nothing.deleted.is_empty());
    assert!(linkx::retention::describe(&nothing, &off, false).contains("retention is off"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linkx_retention_says_what_it_would_do_then_does_it() {
    let app = spawn_app().await;
    let source = crate::add(&app, "/feeds/old-3.xml").await;
    poll_source(&*app.poll_context().await, &source).await;
    let out = app.linkx(&["retention", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("retention is off"));
    // The fixture items are dated 16 November 2026, more than a day before any run of this test.
    let config = app.write_config("[retention]\nfull_text_days = 1\nkeep_days = 2\n");
    let config = config.to_str().unwrap();
    let out = app.linkx(&["--config", config, "retention", "--dry-run"]);
    assert_eq!(
        stdout(&out).trim(),
        "would drop the full text of 0 article(s) older than 1 days; would delete 3 article(s) older than 2 days, with their comments and mentions"
    );
    assert_eq!(app.store.count_articles().await.unwrap(), 3);
    let out = app.linkx(&["--config", config, "retention"]);
    assert!(
        stdout(&out).starts_with("dropped the full text of 0"),
        "{}",
        stdout(&out)
    );
    assert_eq!(app.store.count_articles().await.unwrap(), 0);
    let bad = app.write_config("[retention]\nfull_text_days = 30\nkeep_days = 7\n");
    let out = app.linkx(&["--config", bad.to_str().unwrap(), "retention", "--dry-run"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("retention.keep_days"));
}

/// Titles stored for a source, sorted.
async fn stored_titles(store: &linkx_store::Store, source_id: i64) -> Vec<String> {
    let mut titles: Vec<String> = store
        .articles_of_source(source_id, 100, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.title)
        .collect();
    titles.sort();
    titles
}

#[tokio::test]
async fn rules_leave_out_what_their_dry_run_matched() {
    use linkx_core::rules::{Item, Rule, RuleAction, RuleField, RuleKind};
    let app = spawn_app().await;
    let alpha = crate::add(&app, "/feeds/alpha-4.xml").await;
    poll_source(&*app.poll_context().await, &alpha).await;
    // The dry-run: what an exclude rule would have matched among stored articles.
    let rule = Rule::new(
        0,
        None,
        RuleAction::Exclude,
        RuleField::Title,
        RuleKind::Regex,
        r"item [02]$",
    )
    .unwrap();
    let samples = app.store.rule_samples(0, 1000).await.unwrap();
    let mut would: Vec<String> = samples
        .iter()
        .filter(|s| {
            rule.matches(&Item {
                source_id: s.source_id,
                title: &s.title,
                text: &s.text,
                author: s.author.as_deref(),
                url: &s.url,
                categories: &[],
            })
        })
        .map(|s| s.title.replace("alpha", "beta"))
        .collect();
    would.sort();
    assert_eq!(would, ["beta-4 item 0", "beta-4 item 2"]);
    let new = linkx_store::NewRule {
        source_id: None,
        action: RuleAction::Exclude,
        field: RuleField::Title,
        kind: RuleKind::Regex,
        pattern: r"item [02]$",
    };
    app.store
        .add_rule(&new, "test", crate::support::NOW)
        .await
        .unwrap();
    // New items of another source: exactly those the dry-run named are left out.
    let beta = crate::add(&app, "/feeds/beta-4.xml").await;
    poll_source(&*app.poll_context().await, &beta).await;
    assert_eq!(
        stored_titles(&app.store, beta.id).await,
        ["beta-4 item 1", "beta-4 item 3"]
    );
    // Stored articles are not touched by a new rule.
    assert_eq!(stored_titles(&app.store, alpha.id).await.len(), 4);
}

#[tokio::test]
async fn include_rules_narrow_their_source_and_categories_and_extra_parameters_apply() {
    use linkx_core::rules::{RuleAction, RuleField, RuleKind};
    let app = spawn_app().await;
    let source = crate::add(&app, "/categorised.xml").await;
    let other = crate::add(&app, "/feeds/gamma-2.xml").await;
    for (source_id, action, field, pattern) in [
        (
            Some(source.id),
            RuleAction::Include,
            RuleField::Category,
            "sport politics",
        ),
        (
            Some(source.id),
            RuleAction::Include,
            RuleField::Category,
            "politics",
        ),
        (None, RuleAction::Exclude, RuleField::Any, "horoscope"),
    ] {
        let new = linkx_store::NewRule {
            source_id,
            action,
            field,
            kind: RuleKind::Keyword,
            pattern,
        };
        app.store
            .add_rule(&new, "test", crate::support::NOW)
            .await
            .unwrap();
    }
    // "sport politics" is a phrase no category contains; "Sport" items are not included.
    let sport = linkx_store::NewRule {
        source_id: Some(source.id),
        action: RuleAction::Include,
        field: RuleField::Category,
        kind: RuleKind::Regex,
        pattern: "^sport$",
    };
    app.store
        .add_rule(&sport, "test", crate::support::NOW)
        .await
        .unwrap();
    app.store
        .set_site_settings(&[("urls.strip_params", Some("ref"))])
        .await
        .unwrap();
    let ctx = app.poll_context().await;
    poll_source(&ctx, &source).await;
    poll_source(&ctx, &other).await;
    assert_eq!(
        stored_titles(&app.store, source.id).await,
        ["Council budget", "Cup final tonight"]
    );
    // The include rules of one source do not narrow another.
    assert_eq!(stored_titles(&app.store, other.id).await.len(), 2);
    let urls: Vec<String> = app
        .store
        .articles_of_source(source.id, 10, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.url)
        .collect();
    assert!(
        urls.iter()
            .all(|u| !u.contains("ref=") && u.contains("id=")),
        "{urls:?}"
    );
}

#[tokio::test]
async fn the_image_proxy_serves_signed_images_only_and_refuses_the_rest() {
    let app = spawn_app().await;
    let keys = Arc::new(linkx_web::keys::Keys::from_secret("secret"));
    let dir = app.dir.path().join("images");
    let open = linkx::fetch::Fetcher::new(app.fetch_config(true)).unwrap();
    let proxy = linkx::images::router(Arc::new(
        linkx::images::ImageProxy::new(&open, keys.clone(), dir.clone()).unwrap(),
    ));
    let fetch = |path: String| {
        let proxy = proxy.clone();
        async move {
            let response = proxy
                .oneshot(Request::get(path).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let status = response.status();
            let kind = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            let bytes = axum::body::to_bytes(response.into_body(), 20 << 20)
                .await
                .unwrap();
            (status, kind, bytes)
        }
    };
    let pic = app.url("/img-fixture/pic.png");
    let (status, kind, bytes) = fetch(keys.image_path(&pic)).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "image/png"));
    assert_eq!(bytes.len(), 72);
    // Cached: the second view does not reach the origin.
    let before = app.hits.total.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(fetch(keys.image_path(&pic)).await.0, StatusCode::OK);
    assert_eq!(
        app.hits.total.load(std::sync::atomic::Ordering::SeqCst),
        before
    );

    // Unsigned or forged addresses are refused without a request.
    let forged = keys.image_path(&pic).replace("/img/", "/img/0");
    assert_eq!(fetch(forged).await.0, StatusCode::FORBIDDEN);
    let other = Arc::new(linkx_web::keys::Keys::from_secret("another site"));
    assert_eq!(fetch(other.image_path(&pic)).await.0, StatusCode::FORBIDDEN);
    // Oversized bodies and non-images are not passed on.
    let (status, _, body) = fetch(keys.image_path(&app.url("/img-fixture/huge.png"))).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(String::from_utf8_lossy(&body).contains("too large"));
    let (status, _, body) = fetch(keys.image_path(&app.url("/img-fixture/fake.png"))).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(String::from_utf8_lossy(&body).contains("does not serve an image"));
    // Private addresses stay refused unless the operator allows them.
    let strict = linkx::fetch::Fetcher::new(app.fetch_config(false)).unwrap();
    let strict_proxy = linkx::images::router(Arc::new(
        linkx::images::ImageProxy::new(&strict, keys.clone(), app.dir.path().join("strict"))
            .unwrap(),
    ));
    let response = strict_proxy
        .oneshot(
            Request::get(keys.image_path(&pic))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn new_articles_are_filed_under_topics_by_rule_and_by_category() {
    let app = spawn_app().await;
    let source = crate::add(&app, "/categorised.xml").await;
    app.store
        .set_source_categories(source.id, &["Local news".to_string()])
        .await
        .unwrap();
    let topic = |name: &str, kind: &str, pattern: &str| linkx_store::NewTopic {
        name: name.into(),
        description: String::new(),
        rule_kind: Some(kind.into()),
        rule_field: Some("any".into()),
        rule_pattern: Some(pattern.into()),
    };
    let sport = app
        .store
        .add_topic(&topic("Sport", "category", "sport"), crate::support::NOW)
        .await
        .unwrap();
    let budget = app
        .store
        .add_topic(&topic("Budgets", "keyword", "budget"), crate::support::NOW)
        .await
        .unwrap();
    let local = app
        .store
        .add_topic(
            &topic("Local", "category", "local news"),
            crate::support::NOW,
        )
        .await
        .unwrap();
    let by_hand = app
        .store
        .add_topic(
            &linkx_store::NewTopic {
                name: "Picks".into(),
                description: String::new(),
                rule_kind: None,
                rule_field: None,
                rule_pattern: None,
            },
            crate::support::NOW,
        )
        .await
        .unwrap();
    poll_source(&*app.poll_context().await, &source).await;
    let titles = |id: i64| {
        let store = app.store.clone();
        async move {
            let mut t: Vec<String> = store
                .topic_articles(id, 10, 0)
                .await
                .unwrap()
                .into_iter()
                .map(|a| a.title)
                .collect();
            t.sort();
            t
        }
    };
    assert_eq!(titles(sport.id).await, ["Cup final tonight"]);
    assert_eq!(titles(budget.id).await, ["Council budget"]);
    assert_eq!(
        titles(local.id).await.len(),
        3,
        "the source's category covers all its items"
    );
    assert!(titles(by_hand.id).await.is_empty());
    // The topic's page and feed list them.
    let state = site_state(&app.store).await;
    let (status, page) = get(&state, "/t/sport").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Cup final tonight") && !page.contains("Council budget"));
    let (_, feed) = get(&state, "/t/sport/feed.atom").await;
    assert!(feed.contains("<title>Cup final tonight</title>") && !feed.contains("Council budget"));
    let (_, index) = get(&state, "/topics").await;
    assert!(
        index.contains(r#"<a href="/t/local">Local</a> (3)"#),
        "{index}"
    );
    assert_eq!(get(&state, "/t/nothing").await.0, StatusCode::NOT_FOUND);
}
