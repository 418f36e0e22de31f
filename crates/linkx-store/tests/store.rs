//! Integration tests of the store on a real SQLite file in a temporary directory.
#![allow(clippy::unwrap_used)]

use linkx_core::{Display, FullText};
use linkx_store::{NewArticle, NewSource, PollRecord, Store, StoreError};

async fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_path(&dir.path().join("linkx.db"))
        .await
        .unwrap();
    (dir, store)
}

fn source(url: &str) -> NewSource {
    NewSource {
        name: "Daily News".into(),
        feed_url: url.into(),
        site_url: None,
        display: Display::Excerpt,
        full_text: FullText::Auto,
        polled: true,
        interval_secs: None,
    }
}

fn article(guid: &str, key: &str, title: &str) -> NewArticle {
    NewArticle {
        guid: guid.into(),
        url: format!("https://{key}"),
        canonical_key: key.into(),
        title: title.into(),
        slug: linkx_core::slugify(title),
        author: None,
        summary_html: Some(format!("<p>{title}</p>")),
        content_html: None,
        body_text: title.into(),
        excerpt: title.into(),
        image_url: None,
        published_at: 1_000,
        updated_at: None,
        extraction: None,
    }
}

/// Stores `articles` for `source_id` as a successful poll at `at`.
async fn ingest(
    store: &Store,
    source_id: i64,
    articles: &[NewArticle],
    at: i64,
) -> linkx_store::Ingested {
    store
        .ingest(source_id, articles, &ok_record(at), &mut || {})
        .await
        .unwrap()
}

fn ok_record(at: i64) -> PollRecord {
    PollRecord {
        at,
        status: Some(200),
        next_check_at: at + 600,
        ..PollRecord::default()
    }
}

#[tokio::test]
async fn ingesting_the_same_poll_twice_stores_each_article_once() {
    let (_dir, store) = open().await;
    let src = store
        .add_source(&source("https://e.org/feed"), 0)
        .await
        .unwrap();
    let batch = [article("1", "e.org/a", "A"), article("2", "e.org/b", "B")];
    let first = ingest(&store, src.id, &batch, 10).await;
    let second = ingest(&store, src.id, &batch, 20).await;
    assert_eq!(
        (first.counts.new, second.counts.new, second.counts.unchanged),
        (2, 0, 2)
    );
    assert_eq!(store.count_articles().await.unwrap(), 2);
    assert_eq!(store.fetch_log(src.id, 10).await.unwrap().len(), 2);
}

#[tokio::test]
async fn same_canonical_url_from_another_source_is_not_duplicated() {
    let (_dir, store) = open().await;
    let a = store
        .add_source(&source("https://a.org/feed"), 0)
        .await
        .unwrap();
    let b = store
        .add_source(&source("https://b.org/feed"), 0)
        .await
        .unwrap();
    assert_ne!(a.slug, b.slug, "same name gets a distinct slug");
    ingest(&store, a.id, &[article("x", "wire.org/story", "Story")], 1).await;
    let counts = ingest(&store, b.id, &[article("y", "wire.org/story", "Story")], 2).await;
    assert_eq!(counts.counts.new, 0);
    assert_eq!(store.count_articles().await.unwrap(), 1);
}

#[tokio::test]
async fn changed_entry_is_updated_in_place() {
    let (_dir, store) = open().await;
    let src = store
        .add_source(&source("https://e.org/feed"), 0)
        .await
        .unwrap();
    ingest(&store, src.id, &[article("1", "e.org/a", "Old title")], 1).await;
    let counts = ingest(&store, src.id, &[article("1", "e.org/a", "New title")], 2).await;
    assert_eq!(counts.counts.updated, 1);
    let latest = store.latest_articles(10, 0).await.unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].title, "New title");
}

#[tokio::test]
async fn failed_poll_keeps_validators_and_counts_errors() {
    let (_dir, store) = open().await;
    let src = store
        .add_source(&source("https://e.org/feed"), 0)
        .await
        .unwrap();
    let mut ok = ok_record(1);
    ok.etag = Some("\"v1\"".into());
    store.ingest(src.id, &[], &ok, &mut || {}).await.unwrap();
    let failed = PollRecord {
        at: 2,
        status: Some(500),
        error: Some("HTTP 500".into()),
        next_check_at: 99,
        ..PollRecord::default()
    };
    store
        .ingest(src.id, &[], &failed, &mut || {})
        .await
        .unwrap();
    store
        .ingest(
            src.id,
            &[],
            &PollRecord {
                at: 3,
                ..failed.clone()
            },
            &mut || {},
        )
        .await
        .unwrap();
    let s = store.source(src.id).await.unwrap().unwrap();
    assert_eq!(s.etag.as_deref(), Some("\"v1\""));
    assert_eq!(s.error_count, 2);
    assert_eq!(s.last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(s.next_check_at, 99);
    assert_eq!(store.list_sources().await.unwrap()[0].id, src.id);
}

#[tokio::test]
async fn duplicate_feed_url_is_a_clear_error_and_migrations_rerun_cleanly() {
    let (dir, store) = open().await;
    store
        .add_source(&source("https://e.org/feed"), 0)
        .await
        .unwrap();
    let err = store
        .add_source(&source("https://e.org/feed"), 0)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err}");
    store.close().await;
    let reopened = Store::open_path(&dir.path().join("linkx.db"))
        .await
        .unwrap();
    assert!(reopened.migrate().await.unwrap().is_empty());
    assert_eq!(reopened.count_sources().await.unwrap(), 1);
}

/// Regression: concurrent polls failed with "database is locked" when deferred transactions
/// that read first tried to upgrade to writing at the same time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_ingests_do_not_fail_with_database_locked() {
    let (_dir, store) = open().await;
    let mut tasks = tokio::task::JoinSet::new();
    for s in 0..8 {
        let store = store.clone();
        tasks.spawn(async move {
            let src = store
                .add_source(&source(&format!("https://e{s}.org/feed")), 0)
                .await
                .unwrap();
            let batch: Vec<_> = (0..20)
                .map(|i| {
                    article(
                        &format!("{i}"),
                        &format!("e{s}.org/{i}"),
                        &format!("T{s}-{i}"),
                    )
                })
                .collect();
            ingest(&store, src.id, &batch, 1).await
        });
    }
    while let Some(done) = tasks.join_next().await {
        assert_eq!(done.unwrap().counts.new, 20);
    }
    assert_eq!(store.count_articles().await.unwrap(), 160);
}

fn comment(article_id: i64, at: i64) -> linkx_store::NewComment {
    linkx_store::NewComment {
        article_id,
        parent_id: None,
        depth: 1,
        author_name: "Ana".into(),
        author_email: "ana@example.org".into(),
        author_key: "k".into(),
        author_url: None,
        avatar_hash: None,
        body_md: format!("posted at {at}"),
        body_html: format!("<p>posted at {at}</p>"),
        status: linkx_core::comment::CommentStatus::Approved,
        held_reason: None,
        notify: false,
        ip_hash: Some("hash-of-ip".into()),
        created_at: at,
    }
}

#[tokio::test]
async fn ip_hashes_are_forgotten_after_their_retention_and_flood_control_forgets_them_too() {
    let (_dir, store) = open().await;
    let s = store
        .add_source(&source("https://a.test/feed"), 0)
        .await
        .unwrap();
    let ids = ingest(&store, s.id, &[article("g1", "a.test/1", "One")], 10).await;
    let article_id = ids.new_ids[0].1;
    store
        .insert_comment(&comment(article_id, 1_000))
        .await
        .unwrap();
    store
        .insert_comment(&comment(article_id, 5_000))
        .await
        .unwrap();
    assert_eq!(store.purge_comment_ip_hashes(2_000).await.unwrap(), 1);
    assert_eq!(store.purge_comment_ip_hashes(2_000).await.unwrap(), 0);
    // Only the recent comment still ties the address to the commenter.
    assert_eq!(
        store
            .last_comment_at(Some("hash-of-ip"), "other")
            .await
            .unwrap(),
        Some(5_000)
    );
    assert_eq!(store.purge_comment_ip_hashes(10_000).await.unwrap(), 1);
    assert_eq!(
        store
            .last_comment_at(Some("hash-of-ip"), "other")
            .await
            .unwrap(),
        None
    );
    // Deleting the article takes its comments with it.
    store.remove_source(s.id).await.unwrap();
    assert!(store.comment(1).await.unwrap().is_none());
}
