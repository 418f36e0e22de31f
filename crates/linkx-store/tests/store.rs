//! Integration tests of the store, each run twice: on a real SQLite file in a temporary
//! directory, and on a fresh database of a throwaway PostgreSQL server
//! (`linkx_store::testing`; skipped with a message where PostgreSQL cannot run, required in CI).
#![allow(clippy::unwrap_used)]

use linkx_core::{Display, FullText};
use linkx_store::{
    Backend, NewArticle, NewSource, PollRecord, Store, StoreError, StoryAssignment, StoryMerge,
};

/// Where a test's store lives: its URL (to open it again) and the directory of a SQLite file.
struct Place {
    url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Place {
    /// A new, empty database on `backend`; `None` when PostgreSQL cannot run here.
    fn new(backend: Backend) -> Option<Place> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("linkx.db").display());
                Some(Place {
                    url,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres => linkx_store::testing::PgServer::fresh_database_url()
                .map(|url| Place { url, _dir: None }),
        }
    }
}

/// Runs each named test (an `async fn(Place, Store)`) on SQLite and on PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::run(linkx_store::Backend::Sqlite, super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::run(linkx_store::Backend::Postgres, super::$name).await;
                }
            )*
        }
    };
}

async fn run<F: std::future::Future<Output = ()>>(backend: Backend, test: fn(Place, Store) -> F) {
    let Some(place) = Place::new(backend) else {
        return;
    };
    let store = Store::open(&place.url).await.unwrap();
    assert_eq!(store.backend(), backend);
    test(place, store).await;
}

on_both_backends!(
    ingesting_the_same_poll_twice_stores_each_article_once,
    same_canonical_url_from_another_source_is_not_duplicated,
    changed_entry_is_updated_in_place,
    failed_poll_keeps_validators_and_counts_errors,
    duplicate_feed_url_is_a_clear_error_and_migrations_rerun_cleanly,
    concurrent_ingests_do_not_fail_with_database_locked,
    concurrent_batches_joining_the_same_stories_keep_their_counts_true,
    a_merged_story_becomes_part_of_the_other_with_its_pin_and_its_address_redirects_unless_hidden,
    a_split_moves_its_articles_to_a_new_story_named_after_the_first_and_recounts_both,
    ip_hashes_are_forgotten_after_their_retention_and_flood_control_forgets_them_too,
    a_job_whose_runner_died_is_claimed_again_after_its_lease_then_given_up,
    expired_sessions_old_failures_and_old_jobs_are_purged_and_live_ones_kept,
    workers_on_separate_connections_claim_each_job_exactly_once,
    due_sources_are_claimed_by_one_worker_until_polled_or_their_lease_ends,
);

fn source(url: &str) -> NewSource {
    NewSource {
        name: "Daily News".into(),
        feed_url: url.into(),
        site_url: None,
        display: Display::Excerpt,
        full_text: FullText::Auto,
        polled: true,
        interval_secs: None,
        licence: None,
        permission: None,
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
        categories: Vec::new(),
        language: None,
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

async fn ingesting_the_same_poll_twice_stores_each_article_once(_place: Place, store: Store) {
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

async fn same_canonical_url_from_another_source_is_not_duplicated(_place: Place, store: Store) {
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

async fn changed_entry_is_updated_in_place(_place: Place, store: Store) {
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

async fn failed_poll_keeps_validators_and_counts_errors(_place: Place, store: Store) {
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

async fn duplicate_feed_url_is_a_clear_error_and_migrations_rerun_cleanly(
    place: Place,
    store: Store,
) {
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
    let reopened = Store::open(&place.url).await.unwrap();
    assert!(reopened.migrate().await.unwrap().is_empty());
    assert_eq!(reopened.count_sources().await.unwrap(), 1);
}

/// Regression: concurrent polls failed with "database is locked" when deferred transactions
/// that read first tried to upgrade to writing at the same time.
async fn concurrent_ingests_do_not_fail_with_database_locked(_place: Place, store: Store) {
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

/// Polls placing their articles in the same two stories at once (as 16 concurrent polls do
/// with a big story): every story's counts, times and original stay those of its articles, and
/// the stories the articles left are gone.
async fn concurrent_batches_joining_the_same_stories_keep_their_counts_true(
    _place: Place,
    store: Store,
) {
    let first = store
        .add_source(&source("https://wire.example/feed"), 0)
        .await
        .unwrap();
    let mut leads = ingest(
        &store,
        first.id,
        &[
            article("a", "wire.example/a", "A"),
            article("b", "wire.example/b", "B"),
        ],
        1,
    )
    .await
    .new_ids
    .into_iter()
    .map(|(_, id)| id);
    let (a, b) = (leads.next().unwrap(), leads.next().unwrap());
    let mut tasks = tokio::task::JoinSet::new();
    for s in 0..8i64 {
        let store = store.clone();
        tasks.spawn(async move {
            let src = store
                .add_source(&source(&format!("https://e{s}.org/feed")), 0)
                .await
                .unwrap();
            let batch: Vec<NewArticle> = (0..10i64)
                .map(|i| NewArticle {
                    published_at: 2_000 + s * 100 + i,
                    ..article(
                        &format!("{i}"),
                        &format!("e{s}.org/{i}"),
                        &format!("T{s}-{i}"),
                    )
                })
                .collect();
            let ids = ingest(&store, src.id, &batch, 1).await.new_ids;
            // Alternately into A and B; every third a copy of the lead.
            let assignments: Vec<StoryAssignment> = (ids.iter().enumerate())
                .map(|(n, &(_, id))| {
                    let story = if n % 2 == 0 { a } else { b };
                    StoryAssignment {
                        article_id: id,
                        story_id: story,
                        duplicate_of: (n % 3 == 0).then_some(story),
                        original_id: story,
                    }
                })
                .collect();
            store.assign_stories(&assignments).await.unwrap();
            ids
        });
    }
    let mut moved = Vec::new();
    while let Some(done) = tasks.join_next().await {
        moved.extend(done.unwrap().into_iter().map(|(_, id)| id));
    }
    for (story, copies) in [(a, 8 * 2), (b, 8 * 2)] {
        let view = store.story(story).await.unwrap().unwrap();
        let articles = store.story_articles(story, story, 100, 0).await.unwrap();
        assert_eq!(articles.len(), 41, "the lead and 40 reports");
        assert_eq!(view.article_count, 41);
        assert_eq!(view.source_count, 9, "the wire and eight others");
        assert_eq!(view.copy_count, copies);
        assert_eq!(view.first_published_at, 1_000);
        assert_eq!(
            view.last_published_at,
            if story == a { 2_708 } else { 2_709 }
        );
        assert_eq!(view.lead.id, story);
    }
    for id in moved {
        assert!(
            store.story(id).await.unwrap().is_none(),
            "story {id} left empty"
        );
    }
}

async fn a_merged_story_becomes_part_of_the_other_with_its_pin_and_its_address_redirects_unless_hidden(
    _place: Place,
    store: Store,
) {
    let mut ids = Vec::new();
    for (n, key) in ["a1", "a2", "b1", "b2", "c1", "x", "y", "z1", "z2"]
        .iter()
        .enumerate()
    {
        ids.push(ingest_one(&store, key, 1_000 + n as i64).await);
    }
    let [a1, a2, b1, b2, c1, x, y, z1, z2] = ids[..] else {
        unreachable!()
    };
    let place = |article_id, story_id| StoryAssignment {
        article_id,
        story_id,
        duplicate_of: None,
        original_id: story_id,
    };
    store
        .assign_stories(&[place(a2, a1), place(b2, b1)])
        .await
        .unwrap();
    let pin = linkx_store::Curation {
        pinned_until: Some(5_000),
        headline: Some("Spring floods".into()),
        hidden: false,
    };
    store.curate_story(b1, &pin).await.unwrap();

    // x joins a1's story and bridges b1's into it.
    let bridge = [StoryMerge { from: b1, into: a1 }];
    let moved = store
        .place_stories(&[place(x, a1)], &bridge, &[])
        .await
        .unwrap();
    assert_eq!(moved, vec![b1, b2]);
    assert!(store.story(b1).await.unwrap().is_none());
    assert_eq!(store.story_redirect(b1).await.unwrap(), Some(a1));
    let story = store.story(a1).await.unwrap().unwrap();
    assert_eq!((story.article_count, story.source_count), (5, 5));
    assert_eq!(story.first_published_at, 1_000);
    assert_eq!(story.pinned_until, Some(5_000), "the pin came along");
    assert_eq!(story.headline.as_deref(), Some("Spring floods"));
    let listed = store.story_articles(a1, a1, 10, 0).await.unwrap();
    assert_eq!(listed.len(), 5);

    // A worker whose engine has not seen the merge places y in b1's story: it goes to a1's.
    store.assign_stories(&[place(y, b1)]).await.unwrap();
    assert!(store.story(b1).await.unwrap().is_none(), "not brought back");
    assert_eq!(store.story(a1).await.unwrap().unwrap().article_count, 6);

    // Merged again, into c1's story: both old addresses lead there.
    let merge = [StoryMerge { from: a1, into: c1 }];
    store.place_stories(&[], &merge, &[]).await.unwrap();
    assert_eq!(store.story_redirect(a1).await.unwrap(), Some(c1));
    assert_eq!(store.story_redirect(b1).await.unwrap(), Some(c1));
    assert_eq!(store.story(c1).await.unwrap().unwrap().article_count, 7);

    // In one batch: z1 starts a story, z2 joins c1's and bridges z1's into it.
    let merge = [StoryMerge { from: z1, into: c1 }];
    let moved = (store.place_stories(&[place(z1, z1), place(z2, c1)], &merge, &[]))
        .await
        .unwrap();
    assert_eq!(moved, vec![z1]);
    assert!(store.story(z1).await.unwrap().is_none());
    let story = store.story(c1).await.unwrap().unwrap();
    assert_eq!(story.article_count, 9);
    assert_eq!(story.last_published_at, 1_008);

    // A story the operator hid stays apart: its reports do not surface under a listed story.
    let hide = linkx_store::Curation {
        pinned_until: None,
        headline: None,
        hidden: true,
    };
    let hidden = ingest_one(&store, "hidden", 1_009).await;
    store.curate_story(hidden, &hide).await.unwrap();
    let merge = [StoryMerge {
        from: hidden,
        into: c1,
    }];
    let moved = store.place_stories(&[], &merge, &[]).await.unwrap();
    assert!(moved.is_empty());
    assert!(store.story(hidden).await.unwrap().unwrap().hidden);
    assert_eq!(store.story_redirect(hidden).await.unwrap(), None);
    assert_eq!(store.story(c1).await.unwrap().unwrap().article_count, 9);

    // Two workers: one moved n1 into c1's story (n1's own story is gone), the other's engine
    // still has n1's story, places n2 in it and bridges a pinned story into it. The pin and
    // headline stay with the merged articles.
    let n1 = ingest_one(&store, "n1", 1_010).await;
    let n2 = ingest_one(&store, "n2", 1_011).await;
    let p1 = ingest_one(&store, "p1", 1_012).await;
    store.curate_story(p1, &pin).await.unwrap();
    store.assign_stories(&[place(n1, c1)]).await.unwrap();
    assert!(store.story(n1).await.unwrap().is_none());
    let merge = [StoryMerge { from: p1, into: n1 }];
    let moved = (store.place_stories(&[place(n2, n1)], &merge, &[]))
        .await
        .unwrap();
    assert_eq!(moved, vec![p1]);
    assert_eq!(store.story_redirect(p1).await.unwrap(), Some(n1));
    let story = store.story(n1).await.unwrap().unwrap();
    assert_eq!(story.article_count, 2);
    assert_eq!(story.pinned_until, Some(5_000), "the pin came along");
    assert_eq!(story.headline.as_deref(), Some("Spring floods"));
}

async fn a_split_moves_its_articles_to_a_new_story_named_after_the_first_and_recounts_both(
    _place: Place,
    store: Store,
) {
    let mut ids = Vec::new();
    for (n, key) in ["s1", "s2", "s3", "s4", "s5", "new"].iter().enumerate() {
        ids.push(ingest_one(&store, key, 1_000 + n as i64).await);
    }
    let [s1, s2, s3, s4, s5, new] = ids[..] else {
        unreachable!()
    };
    let place = |article_id, story_id| StoryAssignment {
        article_id,
        story_id,
        duplicate_of: None,
        original_id: s1,
    };
    // s3 started a story of its own that was merged into s1's.
    store.assign_stories(&[place(s2, s1)]).await.unwrap();
    let merge = [StoryMerge { from: s3, into: s1 }];
    (store.place_stories(&[place(s4, s1), place(s5, s1)], &merge, &[]))
        .await
        .unwrap();
    let pin = linkx_store::Curation {
        pinned_until: Some(5_000),
        headline: Some("Two events".into()),
        hidden: false,
    };
    store.curate_story(s1, &pin).await.unwrap();
    assert_eq!(store.story(s1).await.unwrap().unwrap().article_count, 5);

    // The new article joins s1's story, which then splits: s3, s5 and the new article leave
    // for a story named after s3.
    let split = linkx_store::StorySplit {
        from: s1,
        story: s3,
        articles: vec![s3, s5, new],
    };
    let moved = (store.place_stories(&[place(new, s3)], &[], &[split]))
        .await
        .unwrap();
    assert_eq!(moved, vec![s3, s5], "the new article was not placed before");
    let kept = store.story(s1).await.unwrap().unwrap();
    assert_eq!((kept.article_count, kept.source_count), (3, 3));
    assert_eq!(kept.last_published_at, 1_003);
    assert_eq!(kept.pinned_until, Some(5_000), "the curation stays");
    let left = store.story(s3).await.unwrap().unwrap();
    assert_eq!((left.article_count, left.source_count), (3, 3));
    assert_eq!(
        (left.first_published_at, left.last_published_at),
        (1_002, 1_005)
    );
    assert_eq!(left.lead.id, s3, "its first article leads it");
    assert_eq!(left.pinned_until, None);
    assert_eq!(
        store.story_redirect(s3).await.unwrap(),
        None,
        "its address is its own again"
    );
    let listed = store.story_articles(s3, s3, 10, 0).await.unwrap();
    let mut listed: Vec<i64> = listed.iter().map(|a| a.id).collect();
    listed.sort_unstable();
    assert_eq!(listed, vec![s3, s5, new]);
}

/// Stores one article from its own source; returns its id.
async fn ingest_one(store: &Store, key: &str, published_at: i64) -> i64 {
    let src = (store.add_source(&source(&format!("https://{key}.org/feed")), 0))
        .await
        .unwrap();
    let new = NewArticle {
        published_at,
        ..article(key, &format!("{key}.org/1"), key)
    };
    ingest(store, src.id, &[new], 1).await.new_ids[0].1
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

async fn ip_hashes_are_forgotten_after_their_retention_and_flood_control_forgets_them_too(
    _place: Place,
    store: Store,
) {
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

async fn a_job_whose_runner_died_is_claimed_again_after_its_lease_then_given_up(
    _place: Place,
    store: Store,
) {
    let id = store.enqueue_job("poll", "{}", None, 1000).await.unwrap();
    let first = store.claim_job(1000, 300).await.unwrap().unwrap();
    assert_eq!((first.id, first.attempts), (id, 1));
    // Leased: no other runner takes it meanwhile.
    assert!(store.claim_job(1200, 300).await.unwrap().is_none());
    // The runner died; after the lease another one does.
    let second = store.claim_job(1301, 300).await.unwrap().unwrap();
    assert_eq!((second.id, second.attempts), (id, 2));
    let third = store.claim_job(1602, 300).await.unwrap().unwrap();
    assert_eq!(third.attempts, 3);
    // Three interrupted runs: it fails for good, with a reason, instead of looping.
    assert!(store.claim_job(1903, 300).await.unwrap().is_none());
    let job = store.job(id).await.unwrap().unwrap();
    assert_eq!(job.status, linkx_store::JobStatus::Failed);
    assert!(job.result.unwrap().contains("interrupted"));
    // Finished jobs are never claimed again.
    let done = store.enqueue_job("poll", "{}", None, 2000).await.unwrap();
    store.claim_job(2000, 300).await.unwrap();
    store.finish_job(done, Ok("{}"), 2001).await.unwrap();
    assert!(store.claim_job(9999, 300).await.unwrap().is_none());
}

async fn expired_sessions_old_failures_and_old_jobs_are_purged_and_live_ones_kept(
    _place: Place,
    store: Store,
) {
    let user = store
        .add_user("ed", linkx_core::account::Role::Admin, "$argon2id$x", 0)
        .await
        .unwrap();
    store.create_session("old", user.id, 0, 100).await.unwrap();
    store
        .create_session("live", user.id, 0, 10_000)
        .await
        .unwrap();
    // An expired session logs nobody in, even before it is purged.
    assert!(store.session_user("old", 200).await.unwrap().is_none());
    store.create_session("old2", user.id, 0, 150).await.unwrap();
    store.record_login_failure("ed", "ip", 50).await.unwrap();
    store.record_login_failure("ed", "ip", 900).await.unwrap();
    let job = store.enqueue_job("poll", "{}", None, 10).await.unwrap();
    store.claim_job(10, 60).await.unwrap();
    store.finish_job(job, Ok("{}"), 20).await.unwrap();
    let queued = store.enqueue_job("poll", "{}", None, 10).await.unwrap();
    let removed = store.purge_desk_leftovers(200, 100, 100).await.unwrap();
    assert_eq!(removed, 3, "old2, one failure, the finished job");
    assert!(store.session_user("live", 200).await.unwrap().is_some());
    assert_eq!(
        store.login_failures("ed", "ip", 0).await.unwrap().for_name,
        1
    );
    assert!(store.job(job).await.unwrap().is_none());
    assert!(store.job(queued).await.unwrap().is_some());
}

/// Several workers (each its own process in production: here each its own pool) claiming at
/// once never get the same job.
async fn workers_on_separate_connections_claim_each_job_exactly_once(place: Place, store: Store) {
    for n in 0..60 {
        store
            .enqueue_job("poll", &format!("{{\"n\":{n}}}"), None, 1000)
            .await
            .unwrap();
    }
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let worker = Store::open(&place.url).await.unwrap();
        workers.spawn(async move {
            let mut claimed = Vec::new();
            while let Some(job) = worker.claim_job(1000, 300).await.unwrap() {
                worker.finish_job(job.id, Ok("{}"), 1001).await.unwrap();
                claimed.push(job.id);
            }
            claimed
        });
    }
    let mut all = Vec::new();
    while let Some(claimed) = workers.join_next().await {
        all.extend(claimed.unwrap());
    }
    all.sort_unstable();
    let before = all.len();
    all.dedup();
    assert_eq!(before, 60, "every job claimed once, none twice");
    assert_eq!(all.len(), 60);
}

async fn due_sources_are_claimed_by_one_worker_until_polled_or_their_lease_ends(
    place: Place,
    store: Store,
) {
    for n in 0..40 {
        store
            .add_source(&source(&format!("https://e{n}.org/feed")), 0)
            .await
            .unwrap();
    }
    // Four workers, each with its own connections, claim in small batches at once.
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let worker = Store::open(&place.url).await.unwrap();
        workers.spawn(async move {
            let mut claimed = Vec::new();
            loop {
                let batch = worker.claim_due_sources(100, 100, 300, 3).await.unwrap();
                if batch.is_empty() {
                    break claimed;
                }
                claimed.extend(batch.iter().map(|s| s.id));
            }
        });
    }
    let mut all = Vec::new();
    while let Some(claimed) = workers.join_next().await {
        all.extend(claimed.unwrap());
    }
    all.sort_unstable();
    assert_eq!(all.len(), 40);
    all.dedup();
    assert_eq!(all.len(), 40, "no source claimed twice");
    assert_eq!(store.count_due_sources(100, 100).await.unwrap(), 0);

    // One worker finishes its poll: the source is not due again until its next check.
    ingest(&store, all[0], &[], 150).await;
    assert!(
        store
            .claim_due_sources(200, 200, 300, 100)
            .await
            .unwrap()
            .is_empty()
    );
    // The others' worker died mid-poll: once the lease ends they are claimed again, and the
    // polled one only when its next check comes.
    let again = store.claim_due_sources(401, 401, 1000, 100).await.unwrap();
    assert_eq!(again.len(), 39);
    assert!(again.iter().all(|s| s.id != all[0]));
    let later = store.claim_due_sources(750, 750, 300, 100).await.unwrap();
    assert_eq!(later.iter().map(|s| s.id).collect::<Vec<_>>(), [all[0]]);
}
