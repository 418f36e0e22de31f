//! Real-browser end-to-end tests: headless Chromium (through chromedriver) against the real
//! server on a socket. Without a browser they skip with a message, unless
//! `LINKX_REQUIRE_BROWSER` is set (CI sets it, so a missing browser fails there). On failure a
//! screenshot is written to `target/browser-failures/`.

mod webdriver;

use crate::support::{TestApp, spawn_app};
use linkx::poll::poll_source;
use linkx_core::account::Role;
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
async fn serve(app: &TestApp, comments: CommentsConfig) -> (String, linkx_web::AppState) {
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
        webmention: true,
    };
    let state = linkx_web::AppState::new(app.store.clone(), site, options)
        .await
        .unwrap();
    state.set_ready();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = linkx_web::app(state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    (format!("http://{addr}"), state)
}

/// axe-core's source, fetched by `scripts/fetch-axe.sh` (CI runs it). Without it the
/// accessibility checks skip with a message, unless a browser is required.
fn axe_source(test: &str) -> Option<Arc<String>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/axe/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(Arc::new(source)),
        Err(e) if std::env::var_os("LINKX_REQUIRE_BROWSER").is_some() => {
            panic!(
                "{test}: axe-core is required at {} ({e}): run scripts/fetch-axe.sh",
                path.display()
            )
        }
        Err(e) => {
            eprintln!(
                "skipping {test}: no axe-core at {} ({e}); run scripts/fetch-axe.sh",
                path.display()
            );
            None
        }
    }
}

/// Runs axe-core on the page the browser shows; fails on any serious or critical violation
/// (the rest are printed).
async fn accessible(b: &Browser, axe: &str, page: &str) -> Step<()> {
    let script = format!(
        "{axe}\n;const done = arguments[arguments.length - 1];\n\
         axe.run(document, {{ resultTypes: ['violations'] }})\n\
           .then(r => done(r.violations.map(v => ({{ impact: v.impact, text: v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', ') }}))))\n\
           .catch(e => done([{{ impact: 'critical', text: 'axe failed: ' + e }}]));"
    );
    let violations = b.execute_async(&script, Vec::new()).await?;
    let mut serious = Vec::new();
    for v in violations.as_array().into_iter().flatten() {
        let impact = v["impact"].as_str().unwrap_or("unknown");
        let text = v["text"].as_str().unwrap_or_default();
        if matches!(impact, "serious" | "critical") {
            serious.push(format!("{impact}: {text}"));
        } else {
            eprintln!("axe on {page} ({impact}): {text}");
        }
    }
    check(
        serious.is_empty(),
        &format!("accessibility of {page}: {}", serious.join("; ")),
    )
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
    let (site, _) = serve(
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_adds_a_site_polls_it_and_approves_a_held_comment() {
    let Some(browser) = browser_or_skip("browser admin test").await else {
        return;
    };
    let Some(axe) = axe_source("browser admin test") else {
        return;
    };
    let app = spawn_app().await;
    let password = "correct horse battery staple";
    let hash = linkx_web::admin::auth::hash_password(password).unwrap();
    app.store
        .add_user("editor", Role::Admin, &hash, crate::support::NOW)
        .await
        .unwrap();
    let (site, state) = serve(
        &app,
        CommentsConfig {
            moderation: Moderation::All,
            ..CommentsConfig::default()
        },
    )
    .await;
    // The job runner the server runs beside the site: discovery and "poll now" happen there.
    let jobs = linkx::jobs::JobContext::new(
        app.poll_context().await,
        Default::default(),
        "http://127.0.0.1",
    )
    .unwrap();
    tokio::spawn(linkx::jobs::run_forever(jobs, state.jobs_queued.clone()));
    let site_url = app.url("/site/");
    let clock = app.clock.clone();

    run_steps("admin_desk", browser, |b| async move {
        b.goto(&format!("{site}/admin/sources")).await?;
        b.wait_for_url("/admin/login?next=").await?;
        accessible(&b, &axe, "the login page").await?;
        b.type_into("#name", "editor").await?;
        b.type_into("#password", "wrong password here").await?;
        b.click("#login").await?;
        b.wait_for_text("#login-error", "Wrong user name or password")
            .await?;
        b.type_into("#password", password).await?;
        b.click("#login").await?;
        // Back where the operator was going.
        b.wait_for_text("h1", "Sources").await?;
        accessible(&b, &axe, "the sources page").await?;

        b.click("#add-source").await?;
        b.wait_for("#url").await?;
        b.type_into("#url", &site_url).await?;
        b.click("#discover").await?;
        // The page refreshes itself until the job runner has read the site's feeds.
        b.wait_for("#follow").await?;
        accessible(&b, &axe, "the feed choice").await?;
        let offers = b.text("fieldset").await?;
        check(
            offers.contains("discovered.xml") && offers.contains("other.xml"),
            "both advertised feeds are offered",
        )?;
        check(
            b.value("#name").await? == "discovered",
            "the name is the feed's title",
        )?;
        b.click("#follow").await?;
        b.wait_for("#poll-now").await?;
        b.click("#poll-now").await?;
        b.wait_for_text("#job-status", "Polled: 5 new article(s)")
            .await?;
        accessible(&b, &axe, "the source's health page").await?;

        // Readers see the articles; one comments and is held.
        b.goto(&format!("{site}/")).await?;
        b.wait_for(".card h2 a").await?;
        accessible(&b, &axe, "the home page").await?;
        b.click(".card h2 a").await?;
        b.wait_for("#reply-title").await?;
        accessible(&b, &axe, "an article page with its reply form").await?;
        b.type_into("#comment", "Which bridge is this?").await?;
        b.type_into("#author", "Cleo").await?;
        b.type_into("#email", "cleo@example.org").await?;
        clock.advance(5);
        b.click("#submit").await?;
        b.wait_for(".awaiting").await?;
        let article = b.current_url().await?;

        b.goto(&format!("{site}/admin")).await?;
        b.wait_for_text("#pending-count", "1").await?;
        accessible(&b, &axe, "the dashboard").await?;
        b.goto(&format!("{site}/admin/moderation")).await?;
        b.wait_for("#approve-1").await?;
        accessible(&b, &axe, "the moderation queue").await?;
        b.click("#approve-1").await?;
        b.wait_for_text(".notice", "1 comment approved.").await?;
        check(
            b.text("#queue-empty")
                .await?
                .contains("No comment is waiting"),
            "the queue is empty",
        )?;
        b.goto(&format!("{site}/admin/settings")).await?;
        b.wait_for("#title").await?;
        accessible(&b, &axe, "the settings page").await?;
        b.goto(&format!("{site}/admin/links")).await?;
        b.wait_for("#partner-url").await?;
        accessible(&b, &axe, "the link exchange page").await?;

        // A reader without the commenter's cookie now sees the comment.
        b.goto(&format!("{site}/admin")).await?;
        b.click("form.inline button").await?;
        b.wait_for_url("logged_out=1").await?;
        b.goto(article.split('#').next().unwrap_or(&article))
            .await?;
        b.wait_for("#comment-1").await?;
        check(
            b.text("#comment-1 .comment-body")
                .await?
                .contains("Which bridge is this?"),
            "the approved comment is published",
        )?;
        Ok(())
    })
    .await;
}
