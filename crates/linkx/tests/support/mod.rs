//! Test harness: each test gets its own data directory, configuration and a local fixture HTTP
//! server (feeds, pages, redirects, 304s, 429s, hanging responses, oversized and gzip bodies).
//! Logs only when `TEST_LOG` is set.
#![allow(dead_code)]

pub mod webmention;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use linkx::clock::ManualClock;
use linkx::fetch::{FetchConfig, Fetcher};
use linkx::poll::PollContext;
use linkx::schedule::Policy;
use linkx_store::Store;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

pub const NOW: i64 = 1_795_000_000;

/// Requests seen by the fixture server, per path.
#[derive(Default)]
pub struct Hits {
    pub total: AtomicUsize,
    pub not_modified: AtomicUsize,
    pub paths: std::sync::Mutex<Vec<String>>,
    /// Form bodies the fixture Webmention endpoints received.
    pub mentions_received: std::sync::Mutex<Vec<String>>,
    /// The page served at `/wm-src/mutable` (a source that changes between verifications).
    pub page: std::sync::Mutex<String>,
}

pub struct TestApp {
    pub dir: tempfile::TempDir,
    pub base: String,
    pub hits: Arc<Hits>,
    pub store: Store,
    pub clock: Arc<ManualClock>,
}

pub fn rss(title: &str, base: &str, items: std::ops::Range<usize>) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title><link>{base}/site/</link><description>fixture</description>"
    );
    for i in items {
        out.push_str(&format!(
            "<item><title>{title} item {i}</title><link>{base}/articles/{title}/{i}?utm_source=rss</link><guid>{title}-{i}</guid>\
             <pubDate>Mon, 16 Nov 2026 {:02}:00:00 +0000</pubDate><description>&lt;p&gt;Text of {title} item {i}.&lt;/p&gt;</description></item>",
            i % 24
        ));
    }
    out.push_str("</channel></rss>");
    out
}

async fn feed(
    State((hits, base)): State<(Arc<Hits>, String)>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let stem = name.trim_end_matches(".xml").to_string();
    let count: usize = stem
        .rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let etag = format!("\"{stem}-v1\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        hits.not_modified.fetch_add(1, Ordering::SeqCst);
        return StatusCode::NOT_MODIFIED.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "application/rss+xml".to_string()),
            (header::ETAG, etag),
        ],
        rss(&stem, &base, 0..count),
    )
        .into_response()
}

fn fixture_router(hits: Arc<Hits>, base: String) -> Router {
    let state = (hits.clone(), base.clone());
    let mentions = webmention::router(hits.clone(), base.clone());
    let edited_base = base.clone();
    let site_html = "<!DOCTYPE html><html><head><title>Site</title>\
        <link rel=\"alternate\" type=\"application/rss+xml\" title=\"Main\" href=\"/feeds/discovered.xml\">\
        <link rel=\"alternate\" type=\"application/atom+xml\" href=\"/feeds/other.xml\"></head><body>Hi</body></html>";
    let huge = format!(
        "<rss version=\"2.0\"><channel><title>Huge</title>{}</channel></rss>",
        "<!-- padding -->".repeat(200_000)
    );
    let gzip_body = {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = enc.write_all(rss("gzipped", &base, 0..3).as_bytes());
        enc.finish().unwrap_or_default()
    };
    let counting = hits.clone();
    let teasers = teaser_feed(&base);
    Router::new()
        .route("/feeds/{name}", get(feed))
        .route(
            "/teasers.xml",
            get(move || async move { ([(header::CONTENT_TYPE, "application/rss+xml")], teasers) }),
        )
        .route("/articles/{name}", get(article_page))
        .route(
            "/site/",
            get(move || async move { ([(header::CONTENT_TYPE, "text/html")], site_html) }),
        )
        .route(
            "/plain.html",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    "<!DOCTYPE html><html><body><p>No feeds here</p></body></html>",
                )
            }),
        )
        .route(
            "/invalid.xml",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/rss+xml")],
                    "<rss><channel><title>Broken &&& <<<",
                )
            }),
        )
        .route(
            "/moved.xml",
            get(|| async {
                (
                    StatusCode::MOVED_PERMANENTLY,
                    [(header::LOCATION, "/feeds/new-home-3.xml")],
                )
            }),
        )
        .route(
            "/temporary.xml",
            get(|| async {
                (
                    StatusCode::FOUND,
                    [(header::LOCATION, "/feeds/temp-target-2.xml")],
                )
            }),
        )
        .route(
            "/loop.xml",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/loop.xml")]) }),
        )
        .route("/gone.xml", get(|| async { StatusCode::GONE }))
        .route(
            "/img-fixture/{name}",
            get(|Path(name): Path<String>, State((hits, _)): State<(Arc<Hits>, String)>| async move {
                hits.total.fetch_add(1, Ordering::SeqCst);
                let png = |extra: usize| {
                    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
                    bytes.resize(8 + extra, 0);
                    bytes
                };
                match name.as_str() {
                    "pic.png" => ([(header::CONTENT_TYPE, "image/png")], png(64)).into_response(),
                    "huge.png" => ([(header::CONTENT_TYPE, "image/png")], png(6 << 20)).into_response(),
                    "fake.png" => ([(header::CONTENT_TYPE, "image/png")], "<html>not an image</html>").into_response(),
                    _ => StatusCode::NOT_FOUND.into_response(),
                }
            }),
        )
        .route("/categorised.xml", {
            let base = base.clone();
            get(move || {
                let base = base.clone();
                async move {
                    let item = |n: u32, title: &str, category: &str| {
                        format!(
                            "<item><title>{title}</title><link>{base}/c/{n}?ref=home&amp;id={n}</link><guid>c-{n}</guid>\
                             <category>{category}</category><description>Story {n} about {title}.</description></item>"
                        )
                    };
                    format!(
                        "<rss version=\"2.0\"><channel><title>Categorised</title><link>{base}/</link>{}{}{}</channel></rss>",
                        item(1, "Cup final tonight", "Sport"),
                        item(2, "Council budget", "Politics"),
                        item(3, "Horoscope for Friday", "Lifestyle"),
                    )
                }
            })
        })
        .route(
            "/busy.xml",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "7200")],
                    "slow down",
                )
            }),
        )
        .route(
            "/error.xml",
            get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .route(
            "/huge.xml",
            get(move || async move { ([(header::CONTENT_TYPE, "application/rss+xml")], huge) }),
        )
        .route(
            "/gzip.xml",
            get(move || async move {
                (
                    [
                        (header::CONTENT_TYPE, "application/rss+xml"),
                        (header::CONTENT_ENCODING, "gzip"),
                    ],
                    gzip_body,
                )
            }),
        )
        // Never answers: the client's timeout must end the request.
        .route("/hang.xml", get(std::future::pending::<&'static str>))
        .route(
            "/cached.xml",
            get(move || {
                let base = base.clone();
                async move {
                    (
                        [(header::CACHE_CONTROL, "max-age=10800")],
                        rss("cached", &base, 0..2),
                    )
                }
            }),
        )
        .route(
            "/robots.txt",
            get(|| async { "User-agent: *\nDisallow: /private/\n" }),
        )
        .route("/edited.xml", {
            // The same item, corrected after the first fetch.
            let (base, served) = (edited_base, Arc::new(AtomicUsize::new(0)));
            get(move || {
                let (base, served) = (base.clone(), served.clone());
                async move {
                    let (title, text) = if served.fetch_add(1, Ordering::SeqCst) == 0 {
                        ("Bridge closes for repairs", "The old bridge closes for repairs.")
                    } else {
                        ("Bridge reopens early", "Correction: the bridge reopens early.")
                    };
                    format!(
                        "<rss version=\"2.0\"><channel><title>Edited</title><link>{base}/</link>\
                         <item><title>{title}</title><link>{base}/articles/edited/1</link><guid>edited-1</guid>\
                         <pubDate>Mon, 16 Nov 2026 08:00:00 +0000</pubDate><description>{text}</description></item></channel></rss>"
                    )
                }
            })
        })
        .route(
            "/private/feed.xml",
            get(|| async { "<rss version=\"2.0\"><channel><title>p</title></channel></rss>" }),
        )
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let hits = counting.clone();
                async move {
                    hits.total.fetch_add(1, Ordering::SeqCst);
                    if let Ok(mut paths) = hits.paths.lock() {
                        paths.push(req.uri().path().to_string());
                    }
                    next.run(req).await
                }
            },
        ))
        .with_state(state)
        .merge(mentions)
}

/// Starts the fixture server on a free loopback port and returns its base URL.
pub async fn spawn_fixture_server() -> (String, Arc<Hits>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(Hits::default());
    let router = fixture_router(hits.clone(), base.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (base, hits)
}

pub async fn spawn_app() -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_test_writer()
            .try_init();
    }
    let (base, hits) = spawn_fixture_server().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_path(&dir.path().join("linkx.db"))
        .await
        .unwrap();
    TestApp {
        dir,
        base,
        hits,
        store,
        clock: ManualClock::at(NOW),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn fetch_config(&self, allow_private: bool) -> FetchConfig {
        FetchConfig {
            user_agent: "linkx/test (+http://127.0.0.1)".into(),
            timeout: Duration::from_secs(2),
            max_body: 256 * 1024,
            per_host: 2,
            allow_private_networks: allow_private,
        }
    }

    pub async fn poll_context(&self) -> Arc<PollContext> {
        Arc::new(PollContext {
            store: self.store.clone(),
            fetcher: Fetcher::new(self.fetch_config(true)).unwrap(),
            clock: self.clock.clone(),
            policy: Policy {
                min_interval: 300,
                default_interval: 1800,
                lease: 600,
            },
            concurrency: 4,
            abort_after_writes: None,
            writes: AtomicU64::new(0),
            stories: linkx::stories::StoryDesk::load(&self.store, NOW)
                .await
                .unwrap(),
            search: None,
            webmention_base: None,
        })
    }

    /// Writes a linkx.toml for CLI tests that lets the binary reach the fixture server.
    pub fn write_config(&self, extra: &str) -> std::path::PathBuf {
        let path = self.dir.path().join("linkx.toml");
        let text = format!(
            "[poll]\nallow_private_networks = true\ntimeout = 2\nmax_body = \"256KiB\"\n{extra}"
        );
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Runs the real binary with this app's data directory.
    pub fn linkx(&self, args: &[&str]) -> std::process::Output {
        self.linkx_with_env(args, &[])
    }

    pub fn linkx_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_linkx"));
        cmd.arg("--data")
            .arg(self.dir.path())
            .args(args)
            .current_dir(self.dir.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.env_remove("LINKX_LOG");
        cmd.output().unwrap()
    }
}

/// An article as a feed entry gives it: number `n` (its guid and link), a title, a text.
pub fn new_article(n: i64, title: &str, text: &str, published_at: i64) -> linkx_store::NewArticle {
    linkx_store::NewArticle {
        guid: format!("g{n}"),
        url: format!("https://site{n}.test/story"),
        canonical_key: format!("site{n}.test/story"),
        title: title.to_string(),
        slug: linkx_core::slugify(title),
        author: None,
        summary_html: None,
        content_html: None,
        body_text: text.to_string(),
        excerpt: text.to_string(),
        image_url: None,
        published_at,
        updated_at: None,
        extraction: None,
        categories: Vec::new(),
        language: None,
    }
}

pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A feed of teasers whose links lead to article pages on this server: a full article, a
/// paywalled one and a missing one.
fn teaser_feed(base: &str) -> String {
    let item = |guid: &str, page: &str| {
        format!(
            "<item><title>Teaser {guid}</title><link>{base}/articles/{page}</link><guid isPermaLink=\"false\">{guid}</guid>\
             <pubDate>Thu, 26 Nov 2026 06:00:00 GMT</pubDate><description>A short teaser…</description></item>"
        )
    };
    format!(
        "<rss version=\"2.0\"><channel><title>Teasers</title><link>{base}/</link>{}{}{}</channel></rss>",
        item("dam", "jsonld.html"),
        item("walled", "paywall.html"),
        item("gone", "missing.html"),
    )
}

/// The article pages of `linkx-extract`'s fixtures, served as a news site would.
async fn article_page(Path(name): Path<String>) -> Response {
    let path = format!(
        "{}/../linkx-extract/tests/data/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    match std::fs::read_to_string(path) {
        Ok(html) if !name.contains("..") => {
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Messages an SMTP sink received: envelope recipients and the raw DATA.
pub type Mailbag = Arc<std::sync::Mutex<Vec<(Vec<String>, String)>>>;

/// A local SMTP server that accepts every message and keeps it (envelope recipients and the
/// raw DATA), speaking just enough of RFC 5321 for lettre. With `refuse`, it answers every
/// MAIL FROM with a temporary failure.
pub struct SmtpSink {
    pub url: String,
    pub messages: Mailbag,
    pub refuse: Arc<std::sync::atomic::AtomicBool>,
}

pub async fn spawn_smtp_sink() -> SmtpSink {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let messages: Mailbag = Arc::default();
    let refuse = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (store, refusing) = (messages.clone(), refuse.clone());
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let (store, refusing) = (store.clone(), refusing.clone());
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink.test ESMTP\r\n").await;
                let mut rcpt = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-sink.test\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("MAIL FROM") {
                        if refusing.load(Ordering::SeqCst) {
                            b"451 try again later\r\n"
                        } else {
                            rcpt.clear();
                            b"250 ok\r\n"
                        }
                    } else if upper.starts_with("RCPT TO") {
                        rcpt.push(line[8..].trim().to_string());
                        b"250 ok\r\n"
                    } else if upper.starts_with("DATA") {
                        let _ = write.write_all(b"354 go ahead\r\n").await;
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push_str("\r\n");
                        }
                        store.lock().unwrap().push((rcpt.clone(), data));
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    if write.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    SmtpSink {
        url: format!("smtp://127.0.0.1:{port}"),
        messages,
        refuse,
    }
}
