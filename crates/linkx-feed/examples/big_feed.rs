//! Writes the benchmark's large synthetic feed of N megabytes to stdout, so peers (Python
//! feedparser, feed-rs) are measured on exactly the same bytes: `big_feed 5 > big-5.xml`.

#[path = "../benches/common/big_feed.rs"]
mod big_feed;

fn main() {
    let megabytes = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    use std::io::Write;
    let _ = std::io::stdout().write_all(&big_feed::big_rss(megabytes));
}
