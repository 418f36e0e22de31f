//! Benchmark fixture: a farm of RSS feeds spread over many loopback addresses, so the poller's
//! per-host politeness applies as it would in the wild. Supports conditional GET (ETag).
//!
//! ```text
//! cargo run --release --example feed_farm -- opml FILE  [--hosts 100] [--feeds 2000] [--port 18100]
//! cargo run --release --example feed_farm -- serve      [--hosts 100] [--feeds 2000] [--items 20] [--port 18100]
//! ```
//! Feed `n` lives on host 127.0.0.{2 + n % hosts}. Not part of the product.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

struct Farm {
    items: usize,
    requests: AtomicU64,
    not_modified: AtomicU64,
}

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn host_of(feed: usize, hosts: usize) -> String {
    format!("127.0.0.{}", 2 + feed % hosts)
}

/// A realistic item: a title, a ~120-word summary, a link, a date.
fn feed_xml(feed: usize, items: usize, host: &str, port: usize) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Farm feed {feed}</title>\
         <link>http://{host}:{port}/site/{feed}/</link><description>Benchmark feed {feed}</description>\n"
    );
    for i in 0..items {
        // Varied text: each item is its own story (topic words unique to feed and item) over a
        // shared background vocabulary, like unrelated news from many outlets.
        let words: String = (0..120)
            .map(|w| {
                let n = (feed * 7919 + i * 104_729 + w * 31) % 5000;
                if w % 4 == 0 {
                    format!("topic{feed}x{i}w{}", w % 12)
                } else {
                    format!("word{}", (n * n) / 5000)
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(
            out,
            "<item><title>Feed {feed} story {i}: {}</title><link>http://{host}:{port}/articles/{feed}/{i}</link>\
             <guid isPermaLink=\"false\">farm-{feed}-{i}</guid><pubDate>Mon, {:02} Nov 2026 {:02}:{:02}:00 +0000</pubDate>\
             <description>&lt;p&gt;{words}&lt;/p&gt;</description></item>",
            &words[..40],
            1 + i % 28,
            i % 24,
            feed % 60
        );
    }
    out.push_str("</channel></rss>\n");
    out
}

async fn serve_feed(
    State(farm): State<Arc<Farm>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    farm.requests.fetch_add(1, Ordering::Relaxed);
    let Some(feed) = name
        .strip_suffix(".xml")
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"farm-{feed}-{}\"", farm.items);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        farm.not_modified.fetch_add(1, Ordering::Relaxed);
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.2:18100")
        .to_string();
    let (h, p) = host.split_once(':').unwrap_or((host.as_str(), "80"));
    let body = feed_xml(feed, farm.items, h, p.parse().unwrap_or(80));
    (
        [
            (header::CONTENT_TYPE, "application/rss+xml".to_string()),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let hosts = arg(&args, "--hosts", 100).clamp(1, 250);
    let feeds = arg(&args, "--feeds", 2000);
    let port = arg(&args, "--port", 18100);
    match args.get(1).map(String::as_str) {
        Some("opml") => {
            let file = args.get(2).ok_or("usage: feed_farm opml FILE")?;
            let mut out = String::from(
                "<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><head><title>farm</title></head><body>\n",
            );
            for n in 0..feeds {
                let _ = writeln!(
                    out,
                    "<outline text=\"Farm feed {n}\" xmlUrl=\"http://{}:{port}/feeds/{n}.xml\"/>",
                    host_of(n, hosts)
                );
            }
            out.push_str("</body></opml>\n");
            std::fs::write(file, out)?;
            println!("wrote {feeds} feeds over {hosts} hosts to {file}");
        }
        Some("serve") => {
            let farm = Arc::new(Farm {
                items: arg(&args, "--items", 20),
                requests: AtomicU64::new(0),
                not_modified: AtomicU64::new(0),
            });
            let app = Router::new()
                .route("/feeds/{name}", get(serve_feed))
                .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
                .with_state(farm.clone());
            for h in 0..hosts {
                let listener =
                    tokio::net::TcpListener::bind(format!("127.0.0.{}:{port}", 2 + h)).await?;
                let app = app.clone();
                tokio::spawn(async move {
                    let _ = axum::serve(listener, app).await;
                });
            }
            println!(
                "serving {feeds} feeds × {} items on 127.0.0.2–127.0.0.{}:{port}",
                farm.items,
                1 + hosts
            );
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(10)).await;
                println!(
                    "requests {} (304: {})",
                    farm.requests.load(Ordering::Relaxed),
                    farm.not_modified.load(Ordering::Relaxed)
                );
            }
        }
        _ => return Err(
            "usage: feed_farm (opml FILE | serve) [--hosts N] [--feeds N] [--items N] [--port P]"
                .into(),
        ),
    }
    Ok(())
}
