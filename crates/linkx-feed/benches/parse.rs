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

#[path = "common/big_feed.rs"]
mod big_feed;
use big_feed::big_rss;

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
