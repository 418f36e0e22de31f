//! Receiving Webmentions through the router: what `POST /webmention` accepts (202, a queued
//! verification) and refuses (400 with a reason, 429), the endpoint advertised on every page,
//! and verified mentions shown under the article and moderated in the desk's queue.

use super::comments::{ARTICLE, CommentSite, comment_site, open_config, reader};
use axum::http::StatusCode;
use linkx_core::comment::CommentStatus;
use linkx_core::jobs::JobRequest;
use linkx_store::NewMention;

const BASE: &str = "https://news.test";

async fn mention(site: &CommentSite, source: &str, target: &str) -> super::comments::Reply {
    reader(site, "192.0.2.200")
        .post("/webmention", &[("source", source), ("target", target)])
        .await
}

fn stored(source: &str, kind: &str, content: &str, status: CommentStatus) -> NewMention {
    NewMention {
        article_id: 1,
        source_url: source.into(),
        target_url: format!("{BASE}{ARTICLE}"),
        source_host: url::Url::parse(source).unwrap().host_str().unwrap().into(),
        kind: kind.into(),
        author_name: Some("Nia <b>Okafor</b>".into()),
        author_url: Some("https://blog.test/about".into()),
        entry_url: None,
        content: content.into(),
        published_at: Some(super::comments::NOW),
        status,
        now: super::comments::NOW,
    }
}

#[tokio::test]
async fn every_page_advertises_the_endpoint() {
    let site = comment_site(open_config()).await;
    for uri in ["/", ARTICLE, "/sources"] {
        let page = reader(&site, "192.0.2.1").get(uri).await;
        assert_eq!(
            page.headers["link"], r#"<https://news.test/webmention>; rel="webmention""#,
            "{uri}"
        );
        assert!(
            page.body
                .contains(r#"<link rel="webmention" href="https://news.test/webmention">"#)
        );
    }
}

#[tokio::test]
async fn a_valid_mention_is_accepted_and_queued_for_verification() {
    let site = comment_site(open_config()).await;
    let target = format!("{BASE}{ARTICLE}");
    let reply = mention(&site, "https://blog.test/post?id=7", &target).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    let job = site.store.recent_jobs(1).await.unwrap().remove(0);
    let request: JobRequest = serde_json::from_str(&job.payload).unwrap();
    assert_eq!(
        request,
        JobRequest::Verify {
            source: "https://blog.test/post?id=7".into(),
            target: target.clone(),
            article_id: 1
        }
    );
    // A story page is a target too: its mentions belong to the story's original.
    let story = format!("{BASE}/s/1");
    assert_eq!(
        mention(&site, "https://blog.test/other", &story)
            .await
            .status,
        StatusCode::ACCEPTED
    );
    // So is the article's address without its slug.
    let short = format!("{BASE}/a/2");
    assert_eq!(
        mention(&site, "https://blog.test/third", &short)
            .await
            .status,
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn invalid_mentions_are_refused_with_a_reason_and_queue_nothing() {
    let site = comment_site(open_config()).await;
    let target = format!("{BASE}{ARTICLE}");
    let cases = [
        ("", target.as_str(), "required"),
        ("https://blog.test/post", "", "required"),
        (
            "not a url",
            target.as_str(),
            "source must be an absolute http(s) URL",
        ),
        (
            "ftp://blog.test/post",
            target.as_str(),
            "source must be an absolute http(s) URL",
        ),
        (
            "https://blog.test/post",
            "javascript:alert(1)",
            "target must be an absolute http(s) URL",
        ),
        (target.as_str(), target.as_str(), "must be different"),
        (
            "https://blog.test/post",
            "https://elsewhere.test/a/1/x",
            "not an article or story page",
        ),
        (
            "https://blog.test/post",
            "https://news.test/a/999/nothing",
            "not an article or story page",
        ),
        (
            "https://blog.test/post",
            "https://news.test/sources",
            "not an article or story page",
        ),
        (
            "https://blog.test/post",
            "http://news.test/a/1/bridge-reopens",
            "not an article or story page",
        ),
    ];
    for (source, target, reason) in cases {
        let reply = mention(&site, source, target).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{source} → {target}");
        assert!(
            reply.body.contains(reason),
            "{source} → {target}: {}",
            reply.body
        );
    }
    assert!(site.store.recent_jobs(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn one_host_sending_too_many_is_told_to_wait() {
    let site = comment_site(open_config()).await;
    let target = format!("{BASE}{ARTICLE}");
    for n in 0..linkx_web::webmention::PER_HOST_PER_HOUR {
        let reply = mention(&site, &format!("https://spam.test/{n}"), &target).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "mention {n}");
    }
    let reply = mention(&site, "https://spam.test/last", &target).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.body.contains("spam.test"));
    // Another host is not affected; the limit lifts after an hour.
    assert_eq!(
        mention(&site, "https://blog.test/1", &target).await.status,
        StatusCode::ACCEPTED
    );
    site.clock.advance(3601);
    assert_eq!(
        mention(&site, "https://spam.test/later", &target)
            .await
            .status,
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn verified_mentions_show_under_the_article_as_text_after_moderation() {
    let site = comment_site(open_config()).await;
    let reply = stored(
        "https://blog.test/reply",
        "reply",
        "<script>alert(1)</script> Good point.",
        CommentStatus::Approved,
    );
    site.store.upsert_mention(&reply).await.unwrap();
    let like = stored(
        "https://other.test/like",
        "like",
        "",
        CommentStatus::Approved,
    );
    site.store.upsert_mention(&like).await.unwrap();
    let held = stored(
        "https://new.test/held",
        "reply",
        "Held back.",
        CommentStatus::Pending,
    );
    site.store.upsert_mention(&held).await.unwrap();
    let page = reader(&site, "192.0.2.2").get(ARTICLE).await;
    assert!(page.body.contains("Mentions on the web"));
    assert!(
        page.body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt; Good point.")
    );
    assert!(!page.body.contains("<script>alert(1)"));
    assert!(page.body.contains("Nia &lt;b&gt;Okafor&lt;/b&gt;"));
    assert!(
        page.body
            .contains(r#"href="https://other.test/like" rel="nofollow ugc noopener""#)
    );
    assert!(page.body.contains("(liked)"));
    assert!(!page.body.contains("Held back."));
    // The story page shows its original's mentions too.
    let story = reader(&site, "192.0.2.2").get("/s/1").await;
    assert!(story.body.contains("Good point."));
}
