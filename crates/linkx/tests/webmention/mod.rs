//! Webmention from the binary's side against the fixture server: endpoint discovery (the 23
//! cases of webmention.rocks), verification of received mentions, and sending for new articles.

use crate::support::webmention::{TARGET, expected_endpoint};
use crate::support::{NOW, TestApp, spawn_app, stderr, stdout};
use linkx::fetch::Fetcher;
use linkx::poll::poll_source;
use linkx::webmention::{discover, send_due, verify, verify_fetcher};
use linkx_core::comment::CommentStatus;
use linkx_core::config::{CommentsConfig, Moderation};
use url::Url;

#[tokio::test]
async fn the_sender_finds_the_right_endpoint_in_all_23_discovery_cases() {
    let app = spawn_app().await;
    let fetcher = Fetcher::new(app.fetch_config(true)).unwrap();
    let mut wrong = Vec::new();
    for n in 1..=23 {
        let page = Url::parse(&app.url(&format!("/wm/{n}"))).unwrap();
        let found = discover(&fetcher, &page)
            .await
            .unwrap()
            .map(|u| u.to_string());
        let expected = expected_endpoint(&app.base, n);
        if found.as_deref() != Some(expected.as_str()) {
            wrong.push(format!("case {n}: found {found:?}, expected {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // A page without an endpoint has none.
    let site = Url::parse(&app.url("/site/")).unwrap();
    assert_eq!(discover(&fetcher, &site).await.unwrap(), None);
}

// Multi-threaded: the fixture server must keep answering while this thread waits for the child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webmention_discover_prints_the_endpoint_or_says_there_is_none() {
    let app = spawn_app().await;
    let config = app.write_config("");
    let config = config.to_str().unwrap();
    let out = app.linkx(&[
        "--config",
        config,
        "webmention",
        "discover",
        &app.url("/wm/19"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("{}\n", expected_endpoint(&app.base, 19))
    );
    let out = app.linkx(&[
        "--config",
        config,
        "webmention",
        "discover",
        &app.url("/site/"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("advertises no Webmention endpoint"));
    assert!(stdout(&out).is_empty());
    // Private addresses are refused unless the operator allows them.
    let strict = app.dir.path().join("strict.toml");
    std::fs::write(&strict, "").unwrap();
    let strict = strict.to_str().unwrap();
    let out = app.linkx(&[
        "--config",
        strict,
        "webmention",
        "discover",
        &app.url("/wm/1"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("private"), "{}", stderr(&out));
    let out = app.linkx(&[
        "--config",
        config,
        "webmention",
        "send",
        "https://news.test/a/1/x",
        &app.url("/wm/3"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with(&format!("sent to {}", expected_endpoint(&app.base, 3))));
    let received = app.hits.mentions_received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert!(received[0].contains("source=https%3A%2F%2Fnews.test%2Fa%2F1%2Fx"));
}

/// An app with one stored article, the mention target's article.
async fn with_article(app: &TestApp) -> i64 {
    let source = crate::add(app, "/feeds/daily-2.xml").await;
    poll_source(&*app.poll_context().await, &source).await;
    app.store.latest_articles(1, 0).await.unwrap()[0].id
}

fn policy(moderation: Moderation) -> CommentsConfig {
    CommentsConfig {
        moderation,
        ..CommentsConfig::default()
    }
}

#[tokio::test]
async fn a_verified_reply_is_read_neutralised_and_moderated_like_a_comment() {
    let app = spawn_app().await;
    let article = with_article(&app).await;
    let fetcher = verify_fetcher(&Fetcher::new(app.fetch_config(true)).unwrap()).unwrap();
    let reply = app.url("/wm-src/reply");
    let said = verify(
        &app.store,
        &fetcher,
        &policy(Moderation::FirstTime),
        &reply,
        TARGET,
        article,
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(said, "verified: a reply stored");
    let m = app.store.mention(&reply, TARGET).await.unwrap().unwrap();
    assert_eq!(m.kind, "reply");
    assert_eq!(
        m.status,
        CommentStatus::Pending,
        "a first-time host is held"
    );
    assert_eq!(m.author_name.as_deref(), Some("Nia Okafor"));
    assert_eq!(m.author_url, Some(app.url("/about")));
    assert_eq!(m.entry_url, Some(app.url("/notes/1")));
    assert_eq!(m.published_at, Some(1_795_163_400));
    // Only text is kept: no markup, no script.
    assert!(m.content.contains("The detour adds ten minutes."));
    assert!(m.content.contains("Bold claim."));
    assert!(!m.content.contains('<') && !m.content.contains("onerror"));
    // Once a mention of the host is approved, the host is known.
    app.store
        .set_mention_status(m.id, CommentStatus::Approved)
        .await
        .unwrap();
    let like = app.url("/wm-src/like");
    verify(
        &app.store,
        &fetcher,
        &policy(Moderation::FirstTime),
        &like,
        TARGET,
        article,
        NOW,
    )
    .await
    .unwrap();
    let m = app.store.mention(&like, TARGET).await.unwrap().unwrap();
    assert_eq!(
        (m.kind.as_str(), m.status),
        ("like", CommentStatus::Approved)
    );
    assert_eq!(m.author_name.as_deref(), Some("Sam"));
    let all = app.store.mentions_for_article(article).await.unwrap();
    assert_eq!(all.len(), 2);
}

#[tokio::test]
async fn only_a_real_link_counts_and_gone_or_unlinked_sources_are_deleted() {
    let app = spawn_app().await;
    let article = with_article(&app).await;
    let fetcher = verify_fetcher(&Fetcher::new(app.fetch_config(true)).unwrap()).unwrap();
    let open = policy(Moderation::None);
    let run = |source: String| {
        let (store, fetcher, open) = (app.store.clone(), &fetcher, open.clone());
        async move {
            verify(&store, fetcher, &open, &source, TARGET, article, NOW)
                .await
                .unwrap()
        }
    };
    // A page that links elsewhere on our site is not a mention of the target.
    let said = run(app.url("/wm-src/nolink")).await;
    assert_eq!(
        said,
        "the source does not link to the target: nothing stored"
    );
    assert!(
        app.store
            .mention(&app.url("/wm-src/nolink"), TARGET)
            .await
            .unwrap()
            .is_none()
    );
    // A plain page that links is a mention, titled by the page.
    run(app.url("/wm-src/plain")).await;
    let plain = app
        .store
        .mention(&app.url("/wm-src/plain"), TARGET)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (plain.kind.as_str(), plain.content.as_str()),
        ("mention", "A plain post")
    );

    // A source that changes: stored, updated on re-send, deleted once the link is gone.
    let mutable = app.url("/wm-src/mutable");
    let set_page = |html: String| *app.hits.page.lock().unwrap() = html;
    set_page(format!(
        r#"<div class="h-entry"><p class="e-content">First take. <a href="{TARGET}">story</a></p></div>"#
    ));
    run(mutable.clone()).await;
    let first = app.store.mention(&mutable, TARGET).await.unwrap().unwrap();
    assert!(first.content.starts_with("First take."));
    app.store
        .set_mention_status(first.id, CommentStatus::Spam)
        .await
        .unwrap();
    set_page(format!(
        r#"<div class="h-entry"><p class="e-content">Second take. <a href="{TARGET}">story</a></p></div>"#
    ));
    run(mutable.clone()).await;
    let second = app.store.mention(&mutable, TARGET).await.unwrap().unwrap();
    assert_eq!(second.id, first.id);
    assert!(second.content.starts_with("Second take."));
    assert_eq!(
        second.status,
        CommentStatus::Spam,
        "an update keeps the moderator's decision"
    );
    set_page("<p>I removed the link.</p>".into());
    let said = run(mutable.clone()).await;
    assert_eq!(
        said,
        "the source no longer links to the target: its mention was deleted"
    );
    assert!(app.store.mention(&mutable, TARGET).await.unwrap().is_none());

    // 410 Gone deletes too.
    let gone = app.url("/wm-src/gone");
    app.store
        .upsert_mention(&linkx_store::NewMention {
            article_id: article,
            source_url: gone.clone(),
            target_url: TARGET.into(),
            source_host: "127.0.0.1".into(),
            kind: "mention".into(),
            author_name: None,
            author_url: None,
            entry_url: None,
            content: "old".into(),
            published_at: None,
            status: CommentStatus::Approved,
            now: NOW,
        })
        .await
        .unwrap();
    let said = run(gone.clone()).await;
    assert_eq!(said, "the source is gone (410): its mention was deleted");
    assert!(app.store.mention(&gone, TARGET).await.unwrap().is_none());
}

#[tokio::test]
async fn sources_on_private_addresses_are_never_fetched() {
    let app = spawn_app().await;
    let article = with_article(&app).await;
    let strict = verify_fetcher(&Fetcher::new(app.fetch_config(false)).unwrap()).unwrap();
    let err = verify(
        &app.store,
        &strict,
        &policy(Moderation::None),
        &app.url("/wm-src/reply"),
        TARGET,
        article,
        NOW,
    )
    .await
    .unwrap_err();
    assert!(format!("{err:#}").contains("private"), "{err:#}");
    assert!(
        app.store
            .mention(&app.url("/wm-src/reply"), TARGET)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn new_articles_mention_their_originals_and_failures_are_retried_with_backoff() {
    let app = spawn_app().await;
    let source = crate::add(&app, "/wm-feed.xml").await;
    let ctx = {
        let mut ctx = std::sync::Arc::try_unwrap(app.poll_context().await)
            .ok()
            .unwrap();
        ctx.webmention_base = Some("https://news.test".into());
        ctx
    };
    poll_source(&ctx, &source).await;
    let articles = app.store.latest_articles(10, 0).await.unwrap();
    assert_eq!(articles.len(), 3);
    assert_eq!(send_due(&app.store, &ctx.fetcher, NOW).await.unwrap(), 3);
    let with_endpoint = articles.iter().find(|a| a.url.ends_with("/wm/4")).unwrap();
    let ours = format!(
        "https://news.test/a/{}/{}",
        with_endpoint.id, with_endpoint.slug
    );
    let received = app.hits.mentions_received.lock().unwrap().clone();
    let expected = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("source", &ours)
        .append_pair("target", &with_endpoint.url)
        .finish();
    assert_eq!(received, vec![expected]);
    let sent = app.store.webmention_sends_for(&ours).await.unwrap();
    assert_eq!(sent[0].status, "sent");
    assert_eq!(sent[0].response_status, Some(202));
    // The busy endpoint is retried later, not now; the page without an endpoint is done.
    let busy = articles
        .iter()
        .find(|a| a.url.ends_with("/wm-busy-page"))
        .unwrap();
    let busy_sends = app
        .store
        .webmention_sends_for(&format!("https://news.test/a/{}/{}", busy.id, busy.slug))
        .await
        .unwrap();
    assert_eq!(
        (busy_sends[0].status.as_str(), busy_sends[0].attempts),
        ("queued", 1)
    );
    assert!(
        busy_sends[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("503")
    );
    let plain = articles.iter().find(|a| a.url.ends_with("/site/")).unwrap();
    let plain_sends = app
        .store
        .webmention_sends_for(&format!("https://news.test/a/{}/{}", plain.id, plain.slug))
        .await
        .unwrap();
    assert_eq!(plain_sends[0].status, "no_endpoint");
    assert_eq!(
        send_due(&app.store, &ctx.fetcher, NOW + 60).await.unwrap(),
        0
    );
    // After the first delay the busy one is tried again; after four tries it is given up.
    for (attempt, at) in [
        (2, NOW + 300),
        (3, NOW + 2_100),
        (4, NOW + 9_300),
        (5, NOW + 52_500),
    ] {
        assert_eq!(
            send_due(&app.store, &ctx.fetcher, at).await.unwrap(),
            1,
            "attempt {attempt}"
        );
    }
    let busy_sends = app
        .store
        .webmention_sends_for(&format!("https://news.test/a/{}/{}", busy.id, busy.slug))
        .await
        .unwrap();
    assert_eq!(
        (busy_sends[0].status.as_str(), busy_sends[0].attempts),
        ("failed", 5)
    );
    // Polling again sends nothing twice.
    poll_source(&ctx, &source).await;
    assert_eq!(
        send_due(&app.store, &ctx.fetcher, NOW + 999_999)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn partners_are_checked_for_a_link_back() {
    let app = spawn_app().await;
    for (name, path) in [
        ("Friend", "/partner/yes"),
        ("Stranger", "/partner/no"),
        ("Gone", "/partner/gone"),
    ] {
        app.store
            .add_partner(name, &app.url(path), NOW)
            .await
            .unwrap();
    }
    let jobs = linkx::jobs::JobContext::new(
        app.poll_context().await,
        Default::default(),
        "https://news.test/",
    )
    .unwrap();
    let request = linkx_core::jobs::JobRequest::CheckPartners;
    app.store
        .enqueue_job(
            request.kind(),
            &serde_json::to_string(&request).unwrap(),
            None,
            NOW,
        )
        .await
        .unwrap();
    assert!(linkx::jobs::run_next(&jobs).await.unwrap());
    let partners = app.store.partners().await.unwrap();
    let by_name = |n: &str| partners.iter().find(|p| p.name == n).unwrap().clone();
    assert_eq!(by_name("Friend").links_back, Some(true));
    assert_eq!(by_name("Stranger").links_back, Some(false));
    let gone = by_name("Gone");
    assert_eq!(gone.links_back, None);
    assert!(gone.last_error.unwrap().contains("HTTP 410"));
    assert!(partners.iter().all(|p| p.last_checked_at == Some(NOW)));
}

#[tokio::test]
async fn a_changed_article_mentions_its_original_again() {
    let app = spawn_app().await;
    let source = crate::add(&app, "/edited.xml").await;
    let mut ctx = std::sync::Arc::try_unwrap(app.poll_context().await)
        .ok()
        .unwrap();
    ctx.webmention_base = Some("https://news.test".into());
    poll_source(&ctx, &source).await;
    let article = app.store.latest_articles(1, 0).await.unwrap().remove(0);
    let ours = format!("https://news.test/a/{}/{}", article.id, article.slug);
    send_due(&app.store, &ctx.fetcher, NOW).await.unwrap();
    let first = app.store.webmention_sends_for(&ours).await.unwrap();
    // The original's page is a 404 here: not retried.
    assert_eq!((first[0].status.as_str(), first[0].attempts), ("failed", 1));
    assert_eq!(first[0].response_status, Some(404));
    // The corrected item updates the article: its page mentions the original again.
    app.clock.advance(3600);
    let source = app.store.source(source.id).await.unwrap().unwrap();
    poll_source(&ctx, &source).await;
    let article = app.store.article(article.id).await.unwrap().unwrap();
    assert_eq!(article.title, "Bridge reopens early");
    let ours = format!("https://news.test/a/{}/{}", article.id, article.slug);
    let again = app.store.webmention_sends_for(&ours).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].status.as_str(), again[0].attempts), ("queued", 0));
}
