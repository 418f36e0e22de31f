//! Feed parser throughput, single thread: files/s over Python feedparser's whole test corpus
//! (with and without sanitizing) and MB/s on large real-world-sized feeds generated here.
//! Run: `cargo bench -p linkx-feed --bench parse`. Results go in BENCHMARKS.md.

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use linkx_feed::{ParseOptions, parse_document};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The allocator the `linkx` binary runs with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

/// Every file of the feedparser corpus, read once into memory.
fn corpus() -> &'static [Vec<u8>] {
    static FILES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpora/feeds/feedparser/tests");
        let mut files = Vec::new();
        let mut stack: Vec<PathBuf> = vec![root];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    files.push(bytes);
                }
            }
        }
        if files.is_empty() {
            eprintln!(
                "../shared/corpora/feeds/feedparser is missing: corpus benchmarks measure nothing"
            );
        }
        files
    })
}

fn parse_all(files: &[Vec<u8>], sanitize: bool) -> usize {
    let options = ParseOptions {
        sanitize,
        ..ParseOptions::new()
    };
    files
        .iter()
        .map(|f| parse_document(f, &options).map_or(0, |d| d.entries.len()))
        .sum()
}

#[divan::bench(args = [false, true])]
fn corpus_files(bencher: Bencher, sanitize: bool) {
    let files = corpus();
    bencher
        .counter(ItemsCount::new(files.len()))
        .bench(|| parse_all(divan::black_box(files), sanitize));
}

/// A news feed of about `megabytes` MB: RSS 2.0 with Dublin Core, content:encoded and Media
/// RSS, HTML descriptions with entities, links and images, as big sites publish.
pub fn big_rss(megabytes: usize) -> Vec<u8> {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:media=\"http://search.yahoo.com/mrss/\">\n<channel>\n<title>Big Daily &amp; Co</title>\n<link>https://big.example.com/</link>\n<description>Everything, every hour</description>\n",
    );
    let mut i = 0;
    while out.len() < megabytes * 1_000_000 {
        i += 1;
        let paragraph = format!(
            "&lt;p&gt;Officials said on Tuesday that the {i}th meeting of the regional council &amp;amp; its committees had approved the budget &#8212; a &lt;a href=\"/topics/budget-{i}\"&gt;record&lt;/a&gt; sum. &lt;em&gt;Critics&lt;/em&gt; called it “reckless”.&lt;/p&gt;"
        );
        out.push_str(&format!(
            "<item>\n<title>Council approves budget number {i} after long debate</title>\n<link>https://big.example.com/2026/11/story-{i}?utm_source=rss</link>\n<guid isPermaLink=\"false\">big-{i}</guid>\n<pubDate>Tue, 24 Nov 2026 08:{:02}:00 +0100</pubDate>\n<dc:creator>Reporter {}</dc:creator>\n<category>Politics</category>\n<description>{paragraph}</description>\n<content:encoded><![CDATA[<p>Full text of story {i}.</p><p><img src=\"/img/{i}.jpg\" alt=\"Photo\"> The council met for nine hours. <a href=\"https://other.example.org/x\">Source</a></p><p>{}</p>]]></content:encoded>\n<media:content url=\"https://big.example.com/img/{i}.jpg\" medium=\"image\" type=\"image/jpeg\"/>\n</item>\n",
            i % 60,
            i % 17,
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(8)
        ));
    }
    out.push_str("</channel>\n</rss>\n");
    out.into_bytes()
}

#[divan::bench(args = [1, 5])]
fn large_rss_megabytes(bencher: Bencher, megabytes: usize) {
    let feed = big_rss(megabytes);
    let options = ParseOptions {
        sanitize: false,
        ..ParseOptions::new()
    };
    bencher
        .counter(BytesCount::new(feed.len()))
        .bench(|| parse_document(divan::black_box(&feed), &options).map_or(0, |d| d.entries.len()));
}

#[divan::bench(args = [1, 5])]
fn large_rss_megabytes_sanitized(bencher: Bencher, megabytes: usize) {
    let feed = big_rss(megabytes);
    let options = ParseOptions::new();
    bencher
        .counter(BytesCount::new(feed.len()))
        .bench(|| parse_document(divan::black_box(&feed), &options).map_or(0, |d| d.entries.len()));
}
