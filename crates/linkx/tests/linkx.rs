//! End-to-end tests of the `linkx` binary crate: the poll pipeline against a local fixture HTTP
//! server, the site showing what was polled, and the CLI as a user runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod cluster;
mod desk;
mod editorial;
mod mail;
mod support;
mod webmention;

use axum::body::Body;
use axum::http::Request;
use linkx::fetch::{FetchError, Fetcher};
use linkx::poll::{poll_due, poll_source};
use linkx_core::{Display, FullText};
use linkx_store::{NewSource, Source, Store};
use std::sync::atomic::Ordering;
use support::{NOW, TestApp, spawn_app, stderr, stdout};
use tower::ServiceExt;
use url::Url;

async fn add(app: &TestApp, path: &str) -> Source {
    add_with_full_text(app, path, FullText::Auto).await
}

async fn add_with_full_text(app: &TestApp, path: &str, full_text: FullText) -> Source {
    let new = NewSource {
        name: path.trim_start_matches('/').to_string(),
        feed_url: app.url(path),
        site_url: None,
        display: Display::Excerpt,
        full_text,
        polled: true,
        interval_secs: None,
        licence: None,
        permission: None,
    };
    app.store.add_source(&new, NOW).await.unwrap()
}

async fn reload(store: &Store, id: i64) -> Source {
    store.source(id).await.unwrap().unwrap()
}

async fn page(store: &Store, uri: &str) -> String {
    let site = linkx_web::SiteInfo {
        title: "T".into(),
        description: "D".into(),
        language: "en".into(),
        base_url: "http://t".into(),
    };
    let state = linkx_web::AppState::new(store.clone(), site, linkx_web::Options::default())
        .await
        .unwrap();
    state.set_ready();
    let response = linkx_web::app(state)
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
        .await
        .unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn poll_stores_items_and_the_article_page_links_the_original() {
    let app = spawn_app().await;
    let source = add(&app, "/feeds/daily-4.xml").await;
    let report = poll_source(&*app.poll_context().await, &source).await;
    assert_eq!(report.error, None);
    assert_eq!(report.new_items, 4);
    let articles = app.store.latest_articles(10, 0).await.unwrap();
    assert_eq!(articles.len(), 4);
    let a = articles
        .iter()
        .find(|a| a.title == "daily-4 item 2")
        .unwrap();
    assert_eq!(
        a.url,
        app.url("/articles/daily-4/2"),
        "tracking parameters stripped from the stored link"
    );
    let html = page(&app.store, &format!("/a/{}/{}", a.id, a.slug)).await;
    assert!(
        html.contains(&format!("href=\"{}\"", a.url)),
        "Source link to the original"
    );
    assert!(html.contains("Text of daily-4 item 2."));
    let home = page(&app.store, "/").await;
    assert!(
        home.contains(&format!("href=\"/s/{}\"", a.story_id)),
        "the item's story is listed"
    );
    let story = page(&app.store, &format!("/s/{}", a.story_id)).await;
    assert!(story.contains(&format!("href=\"/a/{}/{}\"", a.id, a.slug)));
}

#[tokio::test]
async fn second_poll_gets_304_and_stores_nothing_new() {
    let app = spawn_app().await;
    let source = add(&app, "/feeds/steady-5.xml").await;
    let ctx = app.poll_context().await;
    assert_eq!(poll_source(&ctx, &source).await.new_items, 5);
    let source = reload(&app.store, source.id).await;
    assert_eq!(source.etag.as_deref(), Some("\"steady-5-v1\""));
    let second = poll_source(&ctx, &source).await;
    assert!(second.not_modified);
    assert_eq!(second.new_items, 0);
    assert_eq!(app.hits.not_modified.load(Ordering::SeqCst), 1);
    assert_eq!(app.store.count_articles().await.unwrap(), 5);
    let source = reload(&app.store, source.id).await;
    assert_eq!(source.last_status, Some(304));
    assert_eq!(source.error_count, 0);
}

#[tokio::test]
async fn permanent_redirect_moves_the_feed_and_temporary_does_not() {
    let app = spawn_app().await;
    let ctx = app.poll_context().await;
    let moved = add(&app, "/moved.xml").await;
    let temporary = add(&app, "/temporary.xml").await;
    assert_eq!(poll_source(&ctx, &moved).await.new_items, 3);
    assert_eq!(poll_source(&ctx, &temporary).await.new_items, 2);
    assert_eq!(
        reload(&app.store, moved.id).await.feed_url,
        app.url("/feeds/new-home-3.xml")
    );
    assert_eq!(
        reload(&app.store, temporary.id).await.feed_url,
        app.url("/temporary.xml")
    );
}

#[tokio::test]
async fn gone_feed_is_disabled_with_a_visible_reason() {
    let app = spawn_app().await;
    let source = add(&app, "/gone.xml").await;
    let report = poll_source(&*app.poll_context().await, &source).await;
    assert!(report.error.unwrap().contains("410"));
    let source = reload(&app.store, source.id).await;
    assert!(source.disabled_reason.as_deref().unwrap().contains("gone"));
    assert!(
        app.store.due_sources(i64::MAX).await.unwrap().is_empty(),
        "never polled again"
    );
    let sources_page = page(&app.store, "/sources").await;
    assert!(sources_page.contains("Stopped"));
    let listed = linkx::sources::format_list(&app.store.list_sources().await.unwrap());
    assert!(listed.contains("STOPPED"), "{listed}");
}

#[tokio::test]
async fn retry_after_and_exponential_backoff_set_the_next_check() {
    let app = spawn_app().await;
    let ctx = app.poll_context().await;
    let busy = add(&app, "/busy.xml").await;
    let report = poll_source(&ctx, &busy).await;
    assert!(report.error.unwrap().contains("429"));
    let busy = reload(&app.store, busy.id).await;
    assert!(
        busy.next_check_at >= NOW + 7200 - 720,
        "Retry-After honoured: {}",
        busy.next_check_at - NOW
    );

    let failing = add(&app, "/error.xml").await;
    let mut gaps = Vec::new();
    let mut current = failing;
    for _ in 0..3 {
        poll_source(&ctx, &current).await;
        current = reload(&app.store, current.id).await;
        gaps.push(current.next_check_at - app.clock.now_for_test());
        app.clock.advance(gaps.last().copied().unwrap());
    }
    assert_eq!(current.error_count, 3);
    assert!(
        gaps[1] > gaps[0] && gaps[2] > gaps[1],
        "backs off: {gaps:?}"
    );
    assert!(gaps[2] <= 24 * 3600 + 24 * 360);
    assert_eq!(
        app.store.list_sources().await.unwrap().len(),
        2,
        "failing sources are never dropped"
    );
}

trait NowForTest {
    fn now_for_test(&self) -> i64;
}

impl NowForTest for linkx::clock::ManualClock {
    fn now_for_test(&self) -> i64 {
        linkx::clock::Clock::now(self)
    }
}

#[tokio::test]
async fn cache_control_max_age_delays_the_next_check() {
    let app = spawn_app().await;
    let source = add(&app, "/cached.xml").await;
    poll_source(&*app.poll_context().await, &source).await;
    let source = reload(&app.store, source.id).await;
    assert!(
        source.next_check_at - NOW >= 10800 - 1080,
        "{}",
        source.next_check_at - NOW
    );
}

#[tokio::test]
async fn bad_sources_each_get_a_clear_recorded_error_and_the_site_keeps_serving() {
    let app = spawn_app().await;
    let cases = [
        ("/plain.html", "HTML page, not a feed"),
        ("/invalid.xml", "not a feed"),
        ("/huge.xml", "poll.max_body"),
        ("/hang.xml", "poll.timeout"),
        ("/loop.xml", "too many redirects"),
        ("/nothing-here.xml", "HTTP 404"),
        ("/private/feed.xml", "robots.txt"),
    ];
    let mut ids = Vec::new();
    for (path, _) in cases {
        ids.push(add(&app, path).await.id);
    }
    // A port nobody listens on: connection refused.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let unreachable = NewSource {
        name: "unreachable".into(),
        feed_url: format!("http://127.0.0.1:{closed}/feed.xml"),
        site_url: None,
        display: Display::Excerpt,
        full_text: FullText::Auto,
        polled: true,
        interval_secs: None,
        licence: None,
        permission: None,
    };
    let unreachable = app.store.add_source(&unreachable, NOW).await.unwrap();
    let summary = poll_due(app.poll_context().await, true, |_| {}, |_| {})
        .await
        .unwrap();
    assert_eq!(summary.failed, cases.len() + 1);
    for ((_, expected), id) in cases.iter().zip(ids) {
        let s = reload(&app.store, id).await;
        let error = s.last_error.unwrap_or_default();
        assert!(error.contains(expected), "{}: {error}", s.feed_url);
        assert_eq!(s.error_count, 1);
        assert!(s.disabled_reason.is_none());
    }
    let s = reload(&app.store, unreachable.id).await;
    assert!(
        s.last_error.unwrap().contains("could not connect"),
        "connection refused is reported"
    );
    assert_eq!(app.store.count_articles().await.unwrap(), 0);
    let home = page(&app.store, "/").await;
    assert!(
        home.contains("8 failing"),
        "the site still serves and says why it is empty"
    );
}

#[tokio::test]
async fn gzip_feeds_are_decoded() {
    let app = spawn_app().await;
    let source = add(&app, "/gzip.xml").await;
    let report = poll_source(&*app.poll_context().await, &source).await;
    assert_eq!((report.error, report.new_items), (None, 3));
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let app = spawn_app().await;
    let fetcher = Fetcher::new(app.fetch_config(false)).unwrap();
    let by_ip = fetcher
        .fetch(&Url::parse(&app.url("/feeds/x-1.xml")).unwrap(), None, None)
        .await
        .unwrap_err();
    assert!(matches!(by_ip, FetchError::PrivateAddress(_)), "{by_ip}");
    assert!(by_ip.to_string().contains("allow_private_networks"));
    // By name: refused after resolution, at connect time.
    let port = Url::parse(&app.base).unwrap().port().unwrap();
    let by_name = fetcher
        .fetch(
            &Url::parse(&format!("http://localhost:{port}/feeds/x-1.xml")).unwrap(),
            None,
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(by_name, FetchError::PrivateAddress(_)),
        "{by_name}"
    );
    assert_eq!(
        app.hits.total.load(Ordering::SeqCst),
        0,
        "no request reached the server"
    );
}

#[tokio::test]
async fn adding_a_site_url_discovers_its_feed() {
    let app = spawn_app().await;
    let fetcher = Fetcher::new(app.fetch_config(true)).unwrap();
    let options = linkx::sources::AddOptions {
        name: None,
        display: Display::Excerpt,
        full_text: FullText::Auto,
        interval_secs: None,
        licence: None,
        permission: None,
    };
    let added = linkx::sources::add_source(&app.store, &fetcher, &app.url("/site/"), options, NOW)
        .await
        .unwrap();
    assert_eq!(added.source.feed_url, app.url("/feeds/discovered.xml"));
    assert_eq!(added.source.name, "discovered");
    assert_eq!(
        added.alternatives,
        vec![Url::parse(&app.url("/feeds/other.xml")).unwrap()]
    );
    let options = linkx::sources::AddOptions {
        name: None,
        display: Display::Excerpt,
        full_text: FullText::Auto,
        interval_secs: None,
        licence: None,
        permission: None,
    };
    let err =
        linkx::sources::add_source(&app.store, &fetcher, &app.url("/plain.html"), options, NOW)
            .await
            .err()
            .unwrap();
    assert!(format!("{err:#}").contains("advertises no feed"), "{err:#}");
}

// Multi-threaded: the fixture server must keep answering while this thread waits for the child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_mid_poll_loses_and_duplicates_nothing() {
    let app = spawn_app().await;
    let config = app.write_config("");
    let config = config.to_str().unwrap();
    for name in ["alpha-5", "beta-5", "gamma-5"] {
        add(&app, &format!("/feeds/{name}.xml")).await;
    }
    let crashed = app.linkx_with_env(
        &["--config", config, "poll", "--once"],
        &[("LINKX_FAULT_ABORT_AFTER_WRITES", "7")],
    );
    assert!(
        !crashed.status.success(),
        "the fault injection aborted the process: {}{}",
        stdout(&crashed),
        stderr(&crashed)
    );
    assert!(stderr(&crashed).contains("fault injection"));
    let after_crash = app.store.count_articles().await.unwrap();
    assert!(
        after_crash < 15,
        "the crash interrupted the poll ({after_crash} stored)"
    );
    assert_eq!(
        after_crash % 5,
        0,
        "a feed's articles are stored together or not at all"
    );

    let rerun = app.linkx(&["--config", config, "poll", "--once"]);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert_eq!(app.store.count_articles().await.unwrap(), 15);
    let titles: std::collections::HashSet<String> = app
        .store
        .latest_articles(100, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.title)
        .collect();
    assert_eq!(titles.len(), 15, "no duplicates");
}

#[test]
fn poll_once_exits_zero_and_summarises_failures() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn_app());
    let config = app.write_config(&format!(
        "[[sources]]\nurl = \"{}\"\nname = \"Good\"\n\n[[sources]]\nurl = \"{}\"\nname = \"Broken\"\n",
        app.url("/feeds/good-3.xml"),
        app.url("/invalid.xml")
    ));
    let out = app.linkx(&["--config", config.to_str().unwrap(), "poll", "--once"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("polled 2 source(s): 1 updated, 0 not modified, 1 failed; 3 new article(s)"),
        "{text}"
    );
    assert!(text.contains("failed: Broken: not a feed"), "{text}");
    let list = app.linkx(&["--config", config.to_str().unwrap(), "source", "list"]);
    let listed = stdout(&list);
    assert!(listed.contains("FAILING x1"), "{listed}");
    assert!(listed.contains("next check"), "{listed}");
}

#[test]
fn cli_errors_say_what_is_wrong_with_exit_code_2() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn_app());
    let bad = app.dir.path().join("bad.toml");
    std::fs::write(&bad, "[poll]\nconcurency = 4\n").unwrap();
    let out = app.linkx(&["--config", bad.to_str().unwrap(), "check-config"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("concurency"), "{}", stderr(&out));

    let out = app.linkx(&["--config", "/nonexistent/linkx.toml", "source", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--config"));

    let out = app.linkx(&["source", "remove", "999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("source list"));

    let junk = app.dir.path().join("junk.xml");
    std::fs::write(&junk, "this is not a feed").unwrap();
    let out = app.linkx(&["import", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("junk.xml"));

    let page = app.dir.path().join("page.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><p>An article</p></body></html>",
    )
    .unwrap();
    let out = app.linkx(&["import", page.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("HTML page"), "{}", stderr(&out));

    let out = app.linkx(&["source", "add", "ftp://example.org/feed"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("http"));
    // Full text needs a licence or a permission note, before anything is fetched.
    let out = app.linkx(&[
        "source",
        "add",
        "https://example.org/feed",
        "--display",
        "full",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--licence"), "{}", stderr(&out));
}

#[test]
fn source_add_by_site_url_and_opml_round_trip_through_the_cli() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn_app());
    let config = app.write_config("");
    let config = config.to_str().unwrap();
    let out = app.linkx(&[
        "--config",
        config,
        "source",
        "add",
        &app.url("/site/"),
        "--name",
        "Fixture Site",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Fixture Site"));
    assert!(stdout(&out).contains("also offers"));
    let again = app.linkx(&["--config", config, "source", "add", &app.url("/site/")]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already followed"));

    let exported = stdout(&app.linkx(&["--config", config, "source", "export-opml"]));
    assert!(exported.contains(&app.url("/feeds/discovered.xml")));
    let opml = app.dir.path().join("subs.opml");
    std::fs::write(
        &opml,
        exported.to_string().replace(
            "</body>",
            &format!(
                "<outline text=\"Second\" xmlUrl=\"{}\"/></body>",
                app.url("/feeds/second-2.xml")
            ),
        ),
    )
    .unwrap();
    let out = app.linkx(&[
        "--config",
        config,
        "source",
        "import-opml",
        opml.to_str().unwrap(),
    ]);
    assert!(
        stdout(&out).contains("1 source(s) added, 1 already followed"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn import_files_and_example_config_is_valid() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn_app());
    let feed = app.dir.path().join("local.xml");
    std::fs::write(&feed, support::rss("local", "https://local.example", 0..3)).unwrap();
    let out = app.linkx(&["import", feed.to_str().unwrap()]);
    assert!(
        stdout(&out).contains("3 new article(s)"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let again = app.linkx(&["import", feed.to_str().unwrap()]);
    assert!(
        stdout(&again).contains("0 new article(s)"),
        "importing twice is idempotent"
    );

    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../linkx.example.toml");
    let out = app.linkx(&["--config", example, "check-config"]);
    assert!(
        out.status.success(),
        "linkx.example.toml must stay valid: {}",
        stderr(&out)
    );
}

/// A child process killed when dropped.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `linkx serve --demo` started with `config` as its configuration file, once it is ready.
struct DemoServer {
    rt: tokio::runtime::Runtime,
    app: TestApp,
    listen: String,
    _server: KillOnDrop,
    /// Kept open: the server dies writing to a closed pipe.
    _stderr: std::io::Lines<std::io::BufReader<std::process::ChildStderr>>,
    /// What the server printed until it was ready.
    startup: Vec<String>,
}

impl DemoServer {
    fn start(config: &str) -> DemoServer {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let app = rt.block_on(spawn_app());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!("127.0.0.1:{port}");
        let config_path = app.dir.path().join("site.toml");
        std::fs::write(&config_path, config).unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_linkx"))
            .args([
                "--config",
                config_path.to_str().unwrap(),
                "--data",
                app.dir.path().to_str().unwrap(),
                "serve",
                "--demo",
                "--listen",
                &listen,
            ])
            .current_dir(app.dir.path())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr_pipe = child.stderr.take().unwrap();
        // The server goes when the test ends, even when an assertion fails.
        let server = KillOnDrop(child);
        // Wait for readiness: the server answers /healthz 200 only after the demo import.
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr_pipe));
        let mut startup = Vec::new();
        for line in lines.by_ref().map_while(Result::ok) {
            let ready = line.starts_with("ready:");
            startup.push(line);
            if ready {
                break;
            }
        }
        assert!(
            startup.last().is_some_and(|l| l.starts_with("ready:")),
            "serve --demo never became ready: {startup:?}"
        );
        // This test may run first in its process: reqwest needs a TLS provider installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        DemoServer {
            rt,
            app,
            listen,
            _server: server,
            _stderr: lines,
            startup,
        }
    }

    /// Status and body of `GET path`.
    fn get(&self, path: &str) -> (u16, String) {
        self.send(reqwest::Client::new().get(format!("http://{}{path}", self.listen)))
    }

    fn send(&self, request: reqwest::RequestBuilder) -> (u16, String) {
        self.rt.block_on(async {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        })
    }
}

#[test]
fn serve_demo_is_ready_with_the_sample_story_from_three_sources() {
    // Times on the pages are shown in the site's time zone.
    let server = DemoServer::start("[site]\ntimezone = \"Europe/Berlin\"\n");
    let (health, _) = server.get("/healthz");
    let (_, home) = server.get("/");
    let (_, story) = server.get("/s/1");
    let (rt, app) = (&server.rt, &server.app);
    assert_eq!(health, 200);
    assert!(
        home.contains(" CET</time>") || home.contains(" CEST</time>"),
        "{home}"
    );
    assert!(!home.contains(" UTC</time>"));
    for source in [
        "Meridian Wire (sample)",
        "Lakeside Courier (sample)",
        "Valley Daily Digest (sample)",
    ] {
        assert!(home.contains(source), "{source}");
        assert!(story.contains(source), "{source} covers the story");
    }
    assert!(
        home.contains("Full coverage: 4 reports from 4 sources"),
        "the flood-barrier story is one story"
    );
    assert!(
        story.contains("First published by Meridian Wire (sample)"),
        "the wire report is the original"
    );
    assert!(
        story.contains("1 near-copy"),
        "the reworded Valley Digest copy is recognised"
    );
    let store = rt
        .block_on(Store::open_path(&app.dir.path().join("linkx.db")))
        .unwrap();
    let sources = rt.block_on(store.list_sources()).unwrap();
    assert!(
        sources.iter().all(|s| !s.polled),
        "--demo adds no network sources"
    );
}

#[test]
fn with_language_de_the_site_speaks_german_dates_errors_and_forms_included() {
    let server = DemoServer::start("[site]\nlanguage = \"de\"\n");
    let (_, home) = server.get("/");
    assert!(home.contains("<html lang=\"de\" dir=\"ltr\">"));
    assert!(home.contains("Zum Inhalt springen") && home.contains(">Themen</a>"));
    assert!(
        home.contains("Alle Berichte: 4 Berichte aus 4 Quellen"),
        "plural forms: {home}"
    );
    assert!(!home.contains("Full coverage") && !home.contains("Skip to content"));
    // Dates read "27. Nov. 2026, 18:20 UTC".
    let time = home
        .split("</time>")
        .next()
        .and_then(|head| head.rsplit('>').next())
        .unwrap();
    let (day, rest) = time.split_once(". ").unwrap();
    assert!(day.parse::<u32>().is_ok() && rest.contains(" 20"), "{time}");

    let (_, story) = server.get("/s/1");
    assert!(story.contains("Zuerst veröffentlicht von Meridian Wire (sample)"));
    assert!(story.contains("1 nahezu gleiche Kopie"));
    assert!(story.contains("Schreibe einen Kommentar"));
    assert!(story.contains("Deine E-Mail-Adresse wird nicht veröffentlicht."));

    let (status, missing) = server.get("/no/such/page");
    assert_eq!(status, 404);
    assert!(
        missing.contains("<html lang=\"de\" dir=\"ltr\">") && missing.contains("Nicht gefunden")
    );
    let (status, search) = server.get("/search?q=after:gestern");
    assert_eq!(status, 400);
    assert!(search.contains("erwartet ein Datum"), "{search}");
    // A forged comment (no form token) is refused with a message in German.
    let (status, refused) = server.send(
        reqwest::Client::new()
            .post(format!("http://{}/a/1/comments", server.listen))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("comment=Hallo&author=Ana&email=ana%40example.org"),
    );
    assert_eq!(status, 403);
    assert!(
        refused.contains("Dein Kommentar wurde nicht gesendet"),
        "{refused}"
    );
}

#[test]
fn a_language_without_a_translation_keeps_english_pages_and_says_so() {
    let server = DemoServer::start("[site]\nlanguage = \"xx\"\n");
    let (_, home) = server.get("/");
    assert!(home.contains("<html lang=\"xx\" dir=\"ltr\">") && home.contains("Skip to content"));
    assert!(
        server
            .startup
            .iter()
            .any(|l| l.contains("no interface translation for language \"xx\"")),
        "{:?}",
        server.startup
    );
}

#[tokio::test]
async fn a_new_site_follows_ten_default_sources_once() {
    let app = spawn_app().await;
    assert_eq!(
        linkx::commands::seed_default_sources(&app.store, NOW)
            .await
            .unwrap(),
        10
    );
    assert_eq!(
        linkx::commands::seed_default_sources(&app.store, NOW)
            .await
            .unwrap(),
        0
    );
    let sources = app.store.list_sources().await.unwrap();
    assert_eq!(sources.len(), 10);
    assert!(
        sources.iter().all(|s| s.polled
            && s.feed_url.starts_with("https://")
            && s.display == Display::Excerpt)
    );
}

#[test]
fn cluster_command_writes_one_line_per_item_and_skips_bad_lines() {
    let input = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/items.jsonl");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linkx"))
        .args(["cluster", input])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[0]["id"], "wire-1");
    assert_eq!(lines[1]["duplicate_of"], "wire-1");
    assert_eq!(lines[1]["story"], lines[0]["story"]);
    assert_eq!(lines[1]["original"], "wire-1");
    assert_eq!(lines[2]["id"], "42");
    assert_ne!(lines[2]["story"], lines[0]["story"]);
    // The last report bridges the floods story into the vote's: every line shows where its
    // item ended up, and the bridge names the story it merged.
    let (vote, floods, bridge) = (&lines[3], &lines[5], &lines[6]);
    assert_eq!(floods["id"], "floods-1");
    assert_eq!(
        bridge["merged"].as_array().map(Vec::len),
        Some(1),
        "{bridge}"
    );
    assert_eq!(floods["story"], bridge["story"]);
    assert_eq!(vote["story"], bridge["story"]);
    let warnings = stderr(&out);
    assert!(
        warnings.contains("items.jsonl:3: skipped: not JSON"),
        "{warnings}"
    );
    assert!(
        warnings.contains("items.jsonl:4: skipped: no \"id\""),
        "{warnings}"
    );

    let missing = std::process::Command::new(env!("CARGO_BIN_EXE_linkx"))
        .args(["cluster", "/nonexistent.jsonl"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[tokio::test]
async fn the_story_engine_is_rebuilt_daily_and_forgets_closed_stories() {
    let app = spawn_app().await;
    let source = add(&app, "/feeds/unused.xml").await;
    let article = |n: i64, published_at: i64| {
        support::new_article(
            n,
            &format!("Story {n}"),
            &format!("text of story {n}"),
            published_at,
        )
    };
    let record = linkx_store::PollRecord {
        at: NOW,
        ..Default::default()
    };
    let batch = [article(1, NOW - 5 * 86_400), article(2, NOW - 3600)];
    app.store
        .ingest(source.id, &batch, &record, &mut || {})
        .await
        .unwrap();
    let desk = linkx::stories::StoryDesk::load(&app.store, NOW - 4 * 86_400)
        .await
        .unwrap();
    assert_eq!(
        desk.indexed(),
        2,
        "both articles were within three days of the first load"
    );
    desk.refresh_if_stale(&app.store, NOW - 4 * 86_400 + 3600)
        .await
        .unwrap();
    assert_eq!(desk.indexed(), 2, "an hour later nothing is rebuilt");
    desk.refresh_if_stale(&app.store, NOW).await.unwrap();
    assert_eq!(
        desk.indexed(),
        1,
        "four days later the five-day-old story is closed and gone"
    );
}

#[test]
fn feed_parse_prints_a_bozo_result_for_a_malformed_feed_and_exits_2_for_garbage() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn_app());
    let file = format!(
        "{}/tests/data/malformed-latin1.xml",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = app.linkx(&[
        "feed",
        "parse",
        &file,
        "--header",
        "Content-Type: application/rss+xml",
        "--base-url",
        "https://example.org/feed.xml",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        doc["bozo"], true,
        "the undeclared &eacute; makes it malformed"
    );
    assert!(doc["bozo_exception"].as_str().unwrap().contains("line 6"));
    assert_eq!(doc["encoding"], "iso-8859-1");
    assert_eq!(doc["version"], "rss20");
    assert_eq!(doc["feed"]["title"], "Café du Monde");
    let entry = &doc["entries"][0];
    assert_eq!(entry["title"], "Entrée");
    assert_eq!(entry["link"], "https://example.org/news/1");
    assert_eq!(
        entry["summary"], "<p>Hello <a href=\"https://example.org/about\">us</a></p>",
        "event handlers removed, relative links resolved"
    );

    let garbage = app.write_config("");
    let out = app.linkx(&["feed", "parse", garbage.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a feed"), "{}", stderr(&out));
}

#[test]
fn extract_prints_one_json_line_per_page_and_reads_gzip() {
    use std::io::Write;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn_app());
    let page = std::fs::read(format!(
        "{}/../linkx-extract/tests/data/jsonld.html",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("dam.html");
    std::fs::write(&plain, &page).unwrap();
    let gzipped = dir.path().join("dam.html.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gzipped).unwrap(),
        flate2::Compression::fast(),
    );
    encoder.write_all(&page).unwrap();
    encoder.finish().unwrap();

    let (plain, gzipped) = (plain.to_str().unwrap(), gzipped.to_str().unwrap());
    let out = app.linkx(&[
        "extract",
        "--url",
        "https://news.example.com/2026/11/26/dam",
        plain,
        gzipped,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0]["file"], plain,
        "the path is echoed exactly as given"
    );
    assert_eq!(lines[1]["file"], gzipped);
    for line in &lines {
        assert_eq!(
            line["title"],
            "Engineers reopen the old river dam after two years"
        );
        assert_eq!(line["published"], "2026-11-26T05:12:00Z");
        assert_eq!(line["kind"], "article");
        assert!(line["text"].as_str().unwrap().contains("sluice gates"));
    }

    let missing = app.linkx(&["extract", "/nonexistent/page.html"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("cannot read"),
        "{}",
        stderr(&missing)
    );
}

#[tokio::test]
async fn teasers_get_the_full_text_of_their_pages_and_failures_are_recorded_not_fatal() {
    let app = spawn_app().await;
    let source = add(&app, "/teasers.xml").await;
    let report = poll_source(&*app.poll_context().await, &source).await;
    assert_eq!(report.error, None);
    assert_eq!(
        report.new_items, 3,
        "every item is published, whatever its page did"
    );

    let (text, extraction) = stored_text(&app, source.id, "dam").await;
    assert_eq!(extraction.as_deref(), Some("ok"));
    assert!(text.contains("sluice gates were replaced"), "{text}");
    assert!(!text.contains("Most read"), "{text}");

    let (text, extraction) = stored_text(&app, source.id, "walled").await;
    assert_eq!(extraction.as_deref(), Some("paywall"));
    assert_eq!(
        text, "A short teaser…",
        "a paywall's teaser does not replace the feed text"
    );

    let (text, extraction) = stored_text(&app, source.id, "gone").await;
    assert!(
        extraction
            .as_deref()
            .unwrap_or("")
            .starts_with("failed: HTTP 404"),
        "{extraction:?}"
    );
    assert_eq!(text, "A short teaser…");

    // The next poll fetches no page again: the items are known.
    assert_eq!(article_requests(&app), 3);
    let source = reload(&app.store, source.id).await;
    poll_source(&*app.poll_context().await, &source).await;
    assert_eq!(
        article_requests(&app),
        3,
        "known items' pages are not fetched again"
    );
}

/// The stored body text and extraction outcome of one article.
async fn stored_text(app: &TestApp, source_id: i64, guid: &str) -> (String, Option<String>) {
    app.store
        .article_text(source_id, guid)
        .await
        .unwrap()
        .unwrap()
}

fn article_requests(app: &TestApp) -> usize {
    let paths = app.hits.paths.lock().unwrap();
    paths.iter().filter(|p| p.starts_with("/articles/")).count()
}

#[tokio::test]
async fn full_text_never_fetches_no_page() {
    let app = spawn_app().await;
    let source = add_with_full_text(&app, "/teasers.xml", FullText::Never).await;
    poll_source(&*app.poll_context().await, &source).await;
    assert_eq!(article_requests(&app), 0);
    let (_, extraction) = stored_text(&app, source.id, "dam").await;
    assert_eq!(extraction, None);
}

fn held_comment(article_id: i64, n: i64, email: &str) -> linkx_store::NewComment {
    linkx_store::NewComment {
        article_id,
        parent_id: None,
        depth: 1,
        author_name: format!("Reader {n}"),
        author_email: email.to_string(),
        author_key: format!("key-{email}"),
        author_url: Some("https://reader.example/".into()),
        avatar_hash: None,
        body_md: format!("Comment number {n}"),
        body_html: format!("<p>Comment number {n}</p>"),
        status: linkx_core::comment::CommentStatus::Pending,
        held_reason: Some("first comment of this commenter".into()),
        notify: false,
        ip_hash: Some("iphash".into()),
        created_at: NOW,
    }
}

#[test]
fn comments_are_moderated_and_erased_from_the_command_line() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn_app());
    let article_id = rt.block_on(async {
        let source = add(&app, "/feeds/daily-4.xml").await;
        poll_source(&*app.poll_context().await, &source).await;
        let a = app.store.latest_articles(1, 0).await.unwrap().remove(0);
        for (n, email) in [
            (1, "ana@example.org"),
            (2, "bo@example.org"),
            (3, "Ana@Example.org"),
        ] {
            app.store
                .insert_comment(&held_comment(a.id, n, email))
                .await
                .unwrap();
        }
        a.id
    });
    let list = stdout(&app.linkx(&["comments", "list"]));
    assert!(
        list.contains("#3 [pending: first comment of this commenter] Reader 3"),
        "{list}"
    );
    assert!(list.contains("    Comment number 1"), "{list}");
    assert!(
        !list.contains("ana@example.org"),
        "list never prints emails: {list}"
    );

    let out = app.linkx(&["comments", "approve", "1", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = app.linkx(&["comments", "spam", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let approved = stdout(&app.linkx(&["comments", "list", "--status", "approved"]));
    assert!(approved.contains("#1 [approved]") && approved.contains("#2 [approved]"));
    let out = app.linkx(&["comments", "delete", "2", "99"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no comment with id 99"),
        "{}",
        stderr(&out)
    );

    let out = app.linkx(&["comments", "erase", "--email", "ANA@example.org"]);
    assert!(
        stdout(&out).contains("anonymised 2 comment(s)"),
        "{}",
        stdout(&out)
    );
    let comments = rt
        .block_on(app.store.comments_for_article(article_id, None))
        .unwrap();
    let first = comments.iter().find(|c| c.id == 1).unwrap();
    assert_eq!(first.author_name, "Anonymous");
    assert_eq!(first.author_url, None);
    assert_eq!(first.body_md, "Comment number 1", "the text stays");
    let out = app.linkx(&["comments", "erase", "--email", "not-an-address"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn wordpress_comments_are_imported_onto_matching_articles_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn_app());
    let article_id = rt.block_on(async {
        let source = add(&app, "/feeds/daily-2.xml").await;
        poll_source(&*app.poll_context().await, &source).await;
        let articles = app.store.latest_articles(10, 0).await.unwrap();
        articles
            .iter()
            .find(|a| a.title == "daily-2 item 0")
            .unwrap()
            .id
    });
    let export = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/wordpress-export.xml"
    );
    let out = app.linkx(&["comments", "import-wxr", export]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.contains("imported 4 comment(s) onto 1 article(s)"),
        "{said}"
    );
    assert!(said.contains("1 pingback(s)"), "{said}");
    assert!(
        said.contains("no article for \"A post this site never had\""),
        "{said}"
    );

    let mut shown = rt
        .block_on(app.store.comments_for_article(article_id, None))
        .unwrap();
    shown.sort_by_key(|c| c.id);
    assert_eq!(
        shown.len(),
        2,
        "approved only: the held and spam ones are not shown"
    );
    let (marta, jonas) = (&shown[0], &shown[1]);
    assert_eq!(marta.author_name, "Marta");
    assert_eq!(marta.author_url.as_deref(), Some("https://marta.example/"));
    assert!(marta.body_html.contains(
        r#"<a href="https://marta.example/notes" rel="nofollow ugc noopener">my notes</a>"#
    ));
    assert!(
        marta.body_html.contains("<p>Second paragraph"),
        "{}",
        marta.body_html
    );
    assert!(!marta.body_html.contains("script"));
    assert_eq!(marta.created_at, 1_794_819_600, "2026-11-16 09:00:00 GMT");
    assert_eq!(jonas.parent_id, Some(marta.id));
    assert_eq!(jonas.depth, 2);
    let held = rt
        .block_on(
            app.store
                .comments_with_status(linkx_core::comment::CommentStatus::Pending, 10),
        )
        .unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].held_reason.as_deref(), Some("held in WordPress"));

    let again = stdout(&app.linkx(&["comments", "import-wxr", export]));
    assert!(
        again.contains("imported 0 comment(s)") && again.contains("4 already there"),
        "{again}"
    );

    let feed = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/items.jsonl");
    let out = app.linkx(&["comments", "import-wxr", feed]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a WordPress export"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn polled_articles_are_searchable_and_a_rebuild_gives_the_same_answers() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn_app());
    rt.block_on(async {
        let source = add(&app, "/feeds/daily-3.xml").await;
        let (index, fresh) = linkx::search::open_index(app.dir.path()).unwrap();
        assert!(fresh);
        let index = std::sync::Arc::new(index);
        let sync = std::sync::Arc::new(linkx::search::SearchSync::new(
            index.clone(),
            app.store.clone(),
        ));
        let ctx = app.poll_context().await;
        let ctx = std::sync::Arc::new(linkx::poll::PollContext {
            search: Some(sync),
            ..std::sync::Arc::try_unwrap(ctx).ok().unwrap()
        });
        poll_source(&ctx, &source).await;
        linkx::poll::poll_due(ctx.clone(), true, |_| {}, |_| {})
            .await
            .unwrap();
        assert_eq!(index.len(), 3, "indexed when the poll round ends");
    });
    let found = stdout(&app.linkx(&["search", "daily-3", "item", "2"]));
    assert!(
        found.contains("daily-3 item 2 — feeds/daily-3.xml"),
        "{found}"
    );
    assert!(found.contains("/a/"), "{found}");
    let before = stdout(&app.linkx(&["search", "daily-3", "--newest"]));
    let out = app.linkx(&["reindex"]);
    assert!(
        stdout(&out).contains("search index rebuilt: 3 article(s)"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        stdout(&app.linkx(&["search", "daily-3", "--newest"])),
        before
    );
    let bad = app.linkx(&["search", "after:someday"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("expects a date"), "{}", stderr(&bad));
}

#[tokio::test]
async fn a_long_poll_indexes_articles_as_they_come_not_only_at_its_end() {
    let app = spawn_app().await;
    for feed in [
        "/feeds/daily-2.xml",
        "/feeds/daily-3.xml",
        "/feeds/daily-4.xml",
    ] {
        add(&app, feed).await;
    }
    let index = std::sync::Arc::new(linkx_search::SearchIndex::in_memory().unwrap());
    let sync = linkx::search::SearchSync::new(index.clone(), app.store.clone()).flush_every(2);
    let ctx = std::sync::Arc::new(linkx::poll::PollContext {
        search: Some(std::sync::Arc::new(sync)),
        concurrency: 1,
        ..std::sync::Arc::try_unwrap(app.poll_context().await)
            .ok()
            .unwrap()
    });
    // What a reader could find each time a source's poll finished.
    let searchable = std::sync::Mutex::new(Vec::new());
    linkx::poll::poll_due(
        ctx,
        true,
        |_| {},
        |_| {
            searchable.lock().unwrap().push(index.len());
        },
    )
    .await
    .unwrap();
    let searchable = searchable.into_inner().unwrap();
    assert_eq!(searchable.len(), 3);
    assert_eq!(
        searchable[0], 0,
        "nothing indexed before the first source is done"
    );
    assert!(
        searchable[1] >= 2 && searchable[2] > searchable[1],
        "each finished source's articles are searchable while the poll goes on: {searchable:?}"
    );
    assert_eq!(index.len(), 9, "and every article by the end");
}

#[tokio::test]
async fn a_corrected_article_is_found_by_its_new_words_only() {
    let app = spawn_app().await;
    let source = add(&app, "/edited.xml").await;
    let index = std::sync::Arc::new(linkx_search::SearchIndex::in_memory().unwrap());
    let sync = std::sync::Arc::new(linkx::search::SearchSync::new(
        index.clone(),
        app.store.clone(),
    ));
    let ctx = std::sync::Arc::new(linkx::poll::PollContext {
        search: Some(sync.clone()),
        ..std::sync::Arc::try_unwrap(app.poll_context().await)
            .ok()
            .unwrap()
    });
    let find = |words: &str| {
        let q = linkx_search::parse_query(words).unwrap();
        index
            .search(&q, linkx_search::SortBy::Relevance, 10, 0)
            .unwrap()
            .hits
            .len()
    };
    poll_source(&ctx, &source).await;
    sync.flush().await.unwrap();
    assert_eq!((find("closes"), find("reopens")), (1, 0));
    app.clock.advance(3600);
    let source = reload(&app.store, source.id).await;
    poll_source(&ctx, &source).await;
    sync.flush().await.unwrap();
    assert_eq!(
        (find("closes"), find("reopens")),
        (0, 1),
        "the correction replaced the old text"
    );
    assert_eq!(index.len(), 1);
}

#[test]
fn a_hostile_export_nested_ten_thousand_deep_imports_and_the_page_still_renders() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn_app());
    let article = rt.block_on(async {
        let source = add(&app, "/feeds/daily-2.xml").await;
        poll_source(&*app.poll_context().await, &source).await;
        let articles = app.store.latest_articles(10, 0).await.unwrap();
        articles
            .into_iter()
            .find(|a| a.title == "daily-2 item 0")
            .unwrap()
    });
    let mut xml = String::from(
        "<rss xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel><item><title>daily-2 item 0</title><link>https://x.example/</link>",
    );
    for i in 1..=10_000 {
        xml.push_str(&format!(
            "<wp:comment><wp:comment_id>{i}</wp:comment_id><wp:comment_parent>{}</wp:comment_parent>\
             <wp:comment_author>R{i}</wp:comment_author><wp:comment_author_email>r{i}@example.org</wp:comment_author_email>\
             <wp:comment_date_gmt>2026-11-16 09:00:00</wp:comment_date_gmt><wp:comment_content>reply {i}</wp:comment_content>\
             <wp:comment_approved>1</wp:comment_approved></wp:comment>",
            i - 1
        ));
    }
    xml.push_str("</item></channel></rss>");
    let file = app.dir.path().join("deep.xml");
    std::fs::write(&file, xml).unwrap();
    let out = app.linkx(&["comments", "import-wxr", file.to_str().unwrap()]);
    assert!(
        stdout(&out).contains("imported 10000 comment(s)"),
        "{}",
        stdout(&out)
    );
    let html = rt.block_on(page(
        &app.store,
        &format!("/a/{}/{}", article.id, article.slug),
    ));
    assert!(html.contains("reply 10000"), "the whole thread is shown");
    assert!(html.contains("10000 responses"));
}

#[test]
fn imported_articles_are_searchable_and_a_removed_source_leaves_search() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn_app());
    let first = app.dir.path().join("first.xml");
    std::fs::write(&first, support::rss("alpha", "https://alpha.example", 0..2)).unwrap();
    app.linkx(&["import", first.to_str().unwrap()]);
    let second = app.dir.path().join("second.xml");
    std::fs::write(&second, support::rss("beta", "https://beta.example", 0..3)).unwrap();
    app.linkx(&["import", second.to_str().unwrap()]);
    let found = stdout(&app.linkx(&["search", "item"]));
    assert!(found.starts_with("5 article(s)"), "{found}");
    assert!(
        !stderr(&app.linkx(&["search", "item"])).contains("linkx reindex"),
        "in step"
    );

    let sources = rt.block_on(app.store.list_sources()).unwrap();
    let alpha = sources.iter().find(|s| s.name == "alpha").unwrap();
    let out = app.linkx(&["source", "remove", &alpha.id.to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let found = app.linkx(&["search", "item"]);
    assert!(
        stdout(&found).starts_with("3 article(s)"),
        "{}",
        stdout(&found)
    );
    assert!(
        !stderr(&found).contains("linkx reindex"),
        "{}",
        stderr(&found)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn on_postgresql_migrate_applies_the_schema_once_and_backup_points_to_pg_dump() {
    let Some(url) = linkx_store::testing::PgServer::fresh_database_url() else {
        return;
    };
    let app = spawn_app().await;
    let env = [
        ("LINKX_STORAGE_URL", url.as_str()),
        ("LINKX_POLL_ALLOW_PRIVATE_NETWORKS", "true"),
    ];
    let first = app.linkx_with_env(&["migrate"], &env);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("(Postgres) is up to date"),
        "{}",
        stdout(&first)
    );
    assert!(
        !stdout(&first).contains("(0 migration(s)"),
        "{}",
        stdout(&first)
    );
    let again = app.linkx_with_env(&["migrate"], &env);
    assert!(stdout(&again).contains("(0 migration(s) applied now)"));
    // What the CLI stores lands in PostgreSQL, not in a SQLite file.
    let add = app.linkx_with_env(&["source", "add", &app.url("/site/")], &env);
    assert!(add.status.success(), "{}", stderr(&add));
    let pg = Store::open(&url).await.unwrap();
    assert_eq!(pg.count_sources().await.unwrap(), 1);
    let backup = app.linkx_with_env(&["backup", "snapshot.db"], &env);
    assert!(!backup.status.success());
    assert!(
        stderr(&backup).contains("pg_dump --format=custom"),
        "{}",
        stderr(&backup)
    );
    assert!(!app.dir.path().join("snapshot.db").exists());
}
