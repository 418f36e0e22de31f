//! feed-rs over the same inputs as our benchmark: files/s over the feedparser corpus (panics
//! caught and counted) and MB/s on the large synthetic feeds.

use std::time::Instant;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn files(dir: &std::path::Path, out: &mut Vec<Vec<u8>>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push(bytes);
        }
    }
}

fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut corpus = Vec::new();
    files(std::path::Path::new(&args[1]), &mut corpus);
    std::panic::set_hook(Box::new(|_| {}));
    let (mut errors, mut panics) = (0, 0);
    let runs: Vec<f64> = (0..20)
        .map(|_| {
            let start = Instant::now();
            (errors, panics) = (0, 0);
            for bytes in &corpus {
                match std::panic::catch_unwind(|| feed_rs::parser::parse(&bytes[..]).is_ok()) {
                    Ok(true) => {}
                    Ok(false) => errors += 1,
                    Err(_) => panics += 1,
                }
            }
            start.elapsed().as_secs_f64()
        })
        .collect();
    println!(
        "feed-rs corpus: {:.0} files/s ({} files, {errors} errors, {panics} panics)",
        corpus.len() as f64 / median(runs),
        corpus.len()
    );
    for path in &args[2..] {
        let data = std::fs::read(path).unwrap_or_default();
        let runs: Vec<f64> = (0..20)
            .map(|_| {
                let start = Instant::now();
                let _ = feed_rs::parser::parse(&data[..]);
                start.elapsed().as_secs_f64()
            })
            .collect();
        println!("feed-rs {path}: {:.1} MB/s", data.len() as f64 / median(runs) / 1e6);
    }
}
