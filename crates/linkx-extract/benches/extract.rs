//! Extraction throughput, one thread: pages/s over the 181 pages of the AEB benchmark
//! (decompressed into memory first). Run: `cargo bench -p linkx-extract --bench extract`.

use divan::Bencher;
use divan::counter::ItemsCount;
use std::io::Read;
use std::path::Path;

/// The allocator the `linkx` binary runs with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

fn pages() -> Vec<(String, Option<String>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/extraction/aeb");
    let Ok(truth) = std::fs::read_to_string(dir.join("ground-truth.json")) else {
        eprintln!("../shared/corpora/extraction/aeb is missing: nothing to measure");
        return Vec::new();
    };
    let truth: serde_json::Value = serde_json::from_str(&truth).unwrap_or_default();
    let mut pages = Vec::new();
    for (id, page) in truth.as_object().into_iter().flatten() {
        let Ok(file) = std::fs::File::open(dir.join(format!("html/{id}.html.gz"))) else {
            continue;
        };
        let mut bytes = Vec::new();
        if flate2::read::GzDecoder::new(file)
            .read_to_end(&mut bytes)
            .is_ok()
        {
            let url = page["url"].as_str().map(str::to_string);
            pages.push((String::from_utf8_lossy(&bytes).into_owned(), url));
        }
    }
    pages
}

#[divan::bench(sample_count = 20)]
fn aeb_pages(bencher: Bencher) {
    let pages = pages();
    bencher.counter(ItemsCount::new(pages.len())).bench(|| {
        pages
            .iter()
            .map(|(html, url)| {
                linkx_extract::extract_article(divan::black_box(html), url.as_deref())
                    .map_or(0, |a| a.text.len())
            })
            .sum::<usize>()
    });
}
