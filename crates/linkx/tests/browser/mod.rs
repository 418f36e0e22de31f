//! Real-browser end-to-end tests: headless Chromium (through chromedriver) against the real
//! server on a socket. Without a browser they skip with a message, unless
//! `LINKX_REQUIRE_BROWSER` is set (CI sets it, so a missing browser fails there). On failure a
//! screenshot is written to `target/browser-failures/`.

mod webdriver;

use crate::support::{TestApp, spawn_app};
use linkx::poll::poll_source;
use linkx_core::config::{CommentsConfig, Moderation};
use std::sync::Arc;
use webdriver::{Browser, Step};

async fn browser_or_skip(test: &str) -> Option<Browser> {
    match Browser::start().await {
        Ok(browser) => Some(browser),
        Err(why) if std::env::var_os("LINKX_REQUIRE_BROWSER").is_some() => {
            panic!("{test}: a browser is required here but: {why}")
        }
        Err(why) => {
            eprintln!("skipping {test}: {why}");
            None
        }
    }
}

/// Serves the site of `app` on a real socket, with the test's clock.
async fn serve(app: &TestApp, comments: CommentsConfig) -> String {
    let site = linkx_web::SiteInfo {
        title: "Browser News".into(),
        description: "Testing in a browser".into(),
        language: "en".into(),
        base_url: "http://127.0.0.1".into(),
    };
    let options = linkx_web::Options {
        comments,
        clock: app.clock.clone(),
        theme_dir: None,
        notifications: false,
        search: None,
        data_dir: None,
    };
    let state = linkx_web::AppState::new(app.store.clone(), site, options)
        .await
        .unwrap();
    state.set_ready();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            linkx_web::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    format!("http://{addr}")
}

/// Runs `steps`; on failure saves a screenshot and fails the test with the step's message.
async fn run_steps<F, Fut>(name: &str, browser: Browser, steps: F)
where
    F: FnOnce(Arc<Browser>) -> Fut,
    Fut: std::future::Future<Output = Step<()>>,
{
    let browser = Arc::new(browser);
    let outcome = steps(browser.clone()).await;
    if let Err(message) = outcome {
        let shot = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/browser-failures")
            .join(format!("{name}.png"));
        let saved = browser.screenshot(&shot).await;
        let page = browser.source().await.unwrap_or_default();
        panic!(
            "{name}: {message}\nscreenshot: {} ({saved:?})\npage source:\n{page}",
            shot.display()
        );
    }
    if let Ok(browser) = Arc::try_unwrap(browser) {
        browser.quit().await;
    }
}

fn check(condition: bool, what: &str) -> Step<()> {
    if condition {
        Ok(())
    } else {
        Err(what.to_string())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_comments_fixes_a_missing_email_and_gets_a_threaded_reply() {
    let Some(browser) = browser_or_skip("browser comment test").await else {
        return;
    };
    let app = spawn_app().await;
    let source = crate::add(&app, "/feeds/daily-2.xml").await;
    poll_source(&*app.poll_context().await, &source).await;
    let article = app.store.latest_articles(1, 0).await.unwrap().remove(0);
    let site = serve(
        &app,
        CommentsConfig {
            moderation: Moderation::None,
            ..CommentsConfig::default()
        },
    )
    .await;
    let page = format!("{site}/a/{}/{}", article.id, article.slug);
    let clock = app.clock.clone();

    run_steps("comment_thread", browser, |b| async move {
        b.goto(&page).await?;
        check(
            b.text("#reply-title").await? == "Leave a Reply",
            "the form is titled Leave a Reply",
        )?;
        b.type_into("#comment", "The bridge story misses the *detour* map.")
            .await?;
        b.type_into("#author", "Ana Reader").await?;
        // A person takes a few seconds to write; the server's clock is the test's.
        clock.advance(5);
        b.click("#submit").await?;

        b.wait_for("#email-error").await?;
        let error = b.text("#email-error").await?;
        check(
            error.contains("email address"),
            "the missing email is named next to the field",
        )?;
        check(
            b.value("#comment").await? == "The bridge story misses the *detour* map.",
            "the comment text is kept",
        )?;
        check(
            b.value("#author").await? == "Ana Reader",
            "the name is kept",
        )?;

        b.type_into("#email", "ana@example.org").await?;
        clock.advance(5);
        b.click("#submit").await?;
        // After posting, the page shows the new comment's anchor.
        b.wait_for_url("#comment-1").await?;
        let first = b.text("#comment-1 .comment-body").await?;
        check(
            first.contains("The bridge story misses the detour map."),
            "the comment is shown, Markdown rendered",
        )?;
        check(
            b.text("#comment-1 .comment-author").await? == "Ana Reader",
            "with its author",
        )?;

        b.click("#comment-1 a.reply").await?;
        b.wait_for_url("replytocom=1").await?;
        check(
            b.text("#reply-title")
                .await?
                .starts_with("Reply to Ana Reader"),
            "the reply form says whom it answers",
        )?;
        b.type_into("#comment", "Here is the map: https://example.org/map")
            .await?;
        b.type_into("#author", "Bo").await?;
        b.type_into("#email", "bo@example.org").await?;
        // Past the flood window of the first comment (same IP address).
        clock.advance(20);
        b.click("#submit").await?;
        b.wait_for_url("#comment-2").await?;
        let nested = b
            .text("#comment-1 .children #comment-2 .comment-body")
            .await?;
        check(
            nested.contains("Here is the map"),
            "the reply is nested under the comment",
        )?;
        check(
            b.text("#comments-title").await?.starts_with("2 responses"),
            "the thread counts both",
        )?;
        Ok(())
    })
    .await;
}
