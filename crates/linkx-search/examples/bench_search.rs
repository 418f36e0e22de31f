//! Search benchmark: builds an index of synthetic news articles (realistic lengths, a Zipf
//! vocabulary) and measures query latency for single words, phrases and filtered queries.
//!
//!     cargo run --release -p linkx-search --example bench_search -- [ARTICLES] [DIR]
//!
//! ARTICLES defaults to 1,000,000; DIR to a temporary directory (removed afterwards). An index
//! of ARTICLES articles already in DIR is queried again as it is. `SLOW_MS=15` lists the
//! queries slower than 15 ms; `SETTLE=1` lets background merges finish before querying.

#![allow(clippy::expect_used, clippy::unwrap_used)]

/// The allocator the `linkx` binary uses, so the build rate is the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use linkx_search::{IndexDoc, Sample, SearchIndex, SortBy, parse_query};
use std::time::Instant;

/// A small deterministic generator (xorshift), so every run indexes the same corpus.
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

const VOCABULARY: usize = 60_000;
const SYLLABLES: [&str; 24] = [
    "ka", "lo", "mi", "ter", "an", "sol", "ri", "ven", "du", "pra", "el", "no", "gan", "tu", "si",
    "mor", "be", "qua", "li", "ras", "om", "fi", "zen", "ta",
];

/// The commonest words of English news text, most frequent first: the top of the synthetic
/// vocabulary, as in real text (phrases then contain them as often as readers' phrases do).
const FUNCTION_WORDS: [&str; 40] = [
    "the", "of", "to", "and", "a", "in", "that", "is", "for", "on", "it", "with", "as", "was",
    "he", "be", "by", "at", "said", "from", "his", "an", "have", "has", "are", "but", "not",
    "they", "this", "who", "were", "had", "been", "will", "their", "which", "would", "after",
    "its", "more",
];

/// Word `i` of the vocabulary: function words first, then 2–4 syllables, distinct for
/// distinct `i`.
fn word(i: usize) -> String {
    if let Some(w) = FUNCTION_WORDS.get(i) {
        return (*w).to_string();
    }
    let mut n = i;
    let mut w = String::new();
    loop {
        w.push_str(SYLLABLES[n % SYLLABLES.len()]);
        n /= SYLLABLES.len();
        if n == 0 {
            break;
        }
    }
    if w.len() < 4 {
        w.push_str("ne");
    }
    w
}

/// Word ranks drawn from a Zipf distribution (s = 1.07) by inverting its CDF.
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize) -> Zipf {
        let mut acc = 0.0;
        let mut cdf = Vec::with_capacity(n);
        for rank in 1..=n {
            acc += 1.0 / (rank as f64).powf(1.07);
            cdf.push(acc);
        }
        let total = acc;
        cdf.iter_mut().for_each(|c| *c /= total);
        Zipf { cdf }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        self.cdf.partition_point(|&c| c < u)
    }
}

fn article(id: i64, rng: &mut Rng, zipf: &Zipf, words: &[String]) -> IndexDoc {
    let mut text = String::with_capacity(4_000);
    // 150–900 words, like news articles from briefs to features.
    let length = 150 + rng.below(750) as usize;
    for i in 0..length {
        if i > 0 {
            text.push(if i % 25 == 0 { '\n' } else { ' ' });
        }
        text.push_str(&words[zipf.sample(rng).min(words.len() - 1)]);
    }
    let title: Vec<&str> = (0..6 + rng.below(8))
        .map(|_| words[zipf.sample(rng).min(words.len() - 1)].as_str())
        .collect();
    let source = rng.below(200);
    IndexDoc {
        id,
        story_id: id - (rng.below(3) as i64).min(id - 1),
        source_id: source as i64,
        source: format!("source-{source} Source {source}"),
        author: Some(format!(
            "{} {}",
            words[500 + rng.below(2000) as usize],
            words[100 + rng.below(300) as usize]
        )),
        language: None,
        title: title.join(" "),
        text,
        // Three years of publication times.
        published_at: 1_700_000_000 + rng.below(3 * 365 * 86_400) as i64,
    }
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(0.0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let count: i64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let temp = tempfile::tempdir().expect("temporary directory");
    let dir = args
        .next()
        .map_or_else(|| temp.path().join("search"), std::path::PathBuf::from);
    // An index of `count` articles left in DIR by an earlier run is queried again as it is
    // (when changing only the queries); otherwise it is built afresh.
    let reuse = SearchIndex::open(&dir).is_ok_and(|index| index.len() == count as u64);
    if !reuse {
        let _ = SearchIndex::destroy(&dir);
    }
    let index = SearchIndex::open(&dir).expect("index");
    let words: Vec<String> = (0..VOCABULARY).map(word).collect();
    let zipf = Zipf::new(VOCABULARY);
    let mut rng = Rng(0x5eed_1234_abcd_ef01);

    if !reuse {
        // Every article is generated before the clock starts (3 GB for a million): the build
        // rate is the index's alone, with both cores free for it, as when `linkx reindex` reads
        // a store that keeps up.
        let generated = Instant::now();
        let batch = 10_000;
        let batches: Vec<Vec<IndexDoc>> = (0..(count + batch - 1) / batch)
            .map(|b| {
                (b * batch + 1..=((b + 1) * batch).min(count))
                    .map(|i| article(i, &mut rng, &zipf, &words))
                    .collect()
            })
            .collect();
        let text_bytes: u64 = batches
            .iter()
            .flatten()
            .map(|d| (d.text.len() + d.title.len()) as u64)
            .sum();
        println!(
            "generated {count} articles in {:.1} s",
            generated.elapsed().as_secs_f64()
        );
        let started = Instant::now();
        // As `linkx reindex` does, the index first learns its frequent words from a sample of
        // 20,000 articles (here the first ones: generated articles are alike throughout).
        let mut sample = Sample::new(count as u64);
        for docs in batches.iter().take(2) {
            sample.add(docs);
        }
        index.clear(&sample).expect("learn");
        println!(
            "learning frequent words from {} articles",
            sample.articles()
        );
        for docs in &batches {
            index.add(docs).expect("add");
        }
        index.commit().expect("commit");
        let indexing = started.elapsed().as_secs_f64();
        println!(
            "indexed {count} articles ({:.0} MB of text) in {indexing:.1} s: {:.0} articles/s",
            text_bytes as f64 / 1e6,
            count as f64 / indexing,
        );
    }
    let size = dir_size(&dir);
    println!(
        "the index pairs {} frequent words; index {:.0} MB ({:.0} bytes/article), {} segments",
        index.gram_words(),
        size as f64 / 1e6,
        size as f64 / count as f64,
        index.segments()
    );
    if std::env::var_os("SETTLE").is_some() {
        let started = Instant::now();
        index.wait_for_merges().expect("merges");
        println!(
            "background merges settled in {:.1} s: {} segments, {:.0} MB",
            started.elapsed().as_secs_f64(),
            index.segments(),
            dir_size(&dir) as f64 / 1e6
        );
    }

    // Queries, from their own seed so that a reused index is asked the same ones: words of
    // middling frequency (the ones people search for), phrases of two adjacent words taken from
    // an article, and a word with a source and date filter.
    let mut rng = Rng(0x0de7_5eed_f00d_cafe);
    let mut queries: Vec<(&str, String)> = Vec::new();
    for _ in 0..300 {
        queries.push((
            "single word",
            words[200 + rng.below(5_000) as usize].clone(),
        ));
    }
    for _ in 0..600 {
        let d = article(0, &mut rng, &zipf, &words);
        let tokens: Vec<&str> = d.text.split_whitespace().collect();
        let at = rng.below(tokens.len() as u64 - 1) as usize;
        let common = |w: &str| FUNCTION_WORDS.contains(&w);
        let kind = if common(tokens[at]) || common(tokens[at + 1]) {
            "phrase, a function word"
        } else {
            "phrase, content words"
        };
        queries.push((kind, format!("\"{} {}\"", tokens[at], tokens[at + 1])));
    }
    for _ in 0..300 {
        queries.push((
            "word + source + dates",
            format!(
                "{} source:source-{} after:2024-01-01 before:2025-06-01",
                words[50 + rng.below(2_000) as usize],
                rng.below(200)
            ),
        ));
    }
    // SLOW_MS=15 lists the queries that took longer than 15 ms.
    let slow_ms: Option<f64> = std::env::var("SLOW_MS").ok().and_then(|v| v.parse().ok());
    for kind in [
        "single word",
        "phrase, content words",
        "phrase, a function word",
        "word + source + dates",
    ] {
        for sort in [SortBy::Relevance, SortBy::Newest] {
            let mut times = Vec::new();
            let mut hits = 0usize;
            for (k, q) in &queries {
                if *k != kind {
                    continue;
                }
                let parsed = parse_query(q).expect("query");
                let started = Instant::now();
                let results = index.search(&parsed, sort, 500, 0).expect("search");
                times.push(started.elapsed().as_secs_f64() * 1000.0);
                if let Some(slow) = slow_ms
                    && times.last().is_some_and(|&t| t > slow)
                {
                    println!(
                        "  slow: {q} ({sort:?}) {:.1} ms, {} matches",
                        times.last().unwrap_or(&0.0),
                        results.total
                    );
                }
                hits += results.total;
            }
            times.sort_by(f64::total_cmp);
            println!(
                "{kind:>24} {:<9} p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms  (mean {} matches)",
                format!("{sort:?}"),
                percentile(&times, 0.5),
                percentile(&times, 0.9),
                percentile(&times, 0.99),
                times.last().copied().unwrap_or(0.0),
                hits / times.len().max(1)
            );
        }
    }
}
