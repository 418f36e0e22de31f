//! Clustering throughput and memory with a large index, on synthetic news.
//!
//! `cargo run --release -p linkx-cluster --example cluster_bench -- [ARTICLES]` (default 1,000,000)
//!
//! Articles: 30–80 words each, drawn from a story's 40 topic words (one story per ~8 articles)
//! and a 50,000-word background vocabulary with a Zipf-like skew, one article per second.
//! Reports articles/s over the last 10 % (when the index is fullest) and resident memory per
//! article; then the time one report takes to join a story of 500, 1,000 and 1,999 items, which
//! is when such a story is checked for a split (up to 2,000 items). Not part of the product.

use linkx_cluster::{Clusterer, Item};
use std::time::Instant;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn word(n: u64) -> String {
    // Pronounceable distinct words: base-20 digits over consonant-vowel syllables.
    const SYLLABLES: [&str; 20] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "te", "vi", "po", "da", "ge", "hu", "jo", "be", "fi",
        "zu", "ro", "wa", "ye", "qi",
    ];
    let mut out = String::new();
    let mut n = n + 20;
    while n > 0 {
        out.push_str(SYLLABLES[(n % 20) as usize]);
        n /= 20;
    }
    out
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Article `i` of story `story`.
fn article(rng: &mut Rng, i: usize, story: u64) -> Item {
    let len = 30 + rng.below(50);
    let mut text = String::new();
    for _ in 0..len {
        let w = if rng.below(3) == 0 {
            1_000_000 + story * 40 + rng.below(40)
        } else {
            let r = rng.below(50_000);
            (r * r) / 50_000
        };
        text.push_str(&word(w));
        text.push(' ');
    }
    let title: String = (0..6)
        .map(|_| word(1_000_000 + story * 40 + rng.below(40)) + " ")
        .collect();
    Item {
        id: i.to_string(),
        title,
        text,
        published: Some(i as i64),
        source: None,
    }
}

fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut engine = Clusterer::default();
    let base_rss = rss_kib();
    let started = Instant::now();
    let mut tail_start = None;
    let tail_from = total - total / 10;
    for i in 0..total {
        if i == tail_from {
            tail_start = Some(Instant::now());
        }
        let story = (i / 8) as u64 + rng.below(3);
        engine.assign(&article(&mut rng, i, story));
        if (i + 1) % 100_000 == 0 {
            eprintln!(
                "{} articles, {:.0} s",
                i + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let tail = tail_start.map_or(0.0, |t| {
        (total - tail_from) as f64 / t.elapsed().as_secs_f64()
    });
    let overall = total as f64 / started.elapsed().as_secs_f64();
    let per_article = (rss_kib().saturating_sub(base_rss) * 1024) as f64 / total as f64;
    println!(
        "{total} articles: {overall:.0} articles/s overall, {tail:.0} articles/s over the last 10 %, {per_article:.0} bytes of memory per article"
    );
    for (part, bytes) in engine.memory() {
        println!(
            "  {part:<32} {:>6.0} bytes/article",
            bytes as f64 / total as f64
        );
    }
    // A story of one event among 20,000 other articles, restored whole: the next report that
    // joins it has it checked.
    for size in [500, 1_000, 1_999] {
        let mut engine = Clusterer::default();
        for i in 0..20_000 {
            let story = 10 + (i / 8) as u64;
            engine.restore(&article(&mut rng, i, story), story);
        }
        for i in 20_000..20_000 + size {
            engine.restore(&article(&mut rng, i, 7), 7);
        }
        let started = Instant::now();
        let placed = engine.assign(&article(&mut rng, 20_000 + size, 7));
        println!(
            "a report joining a story of {size} items, which is checked for a split: {:.0} ms ({} split)",
            started.elapsed().as_secs_f64() * 1000.0,
            placed.splits.len()
        );
    }
}
