//! A small cache of rendered listing pages (the home page is the hottest page of a news site).
//!
//! An entry is valid while nothing was written through this process's store since it was
//! rendered, and for at most `TTL`, which bounds staleness from writers in other processes
//! (`linkx poll` run beside `linkx serve`).

use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(10);
/// Only the first pages are cached: deep pages are rare and would only fill memory.
const CACHED_PAGES: i64 = 5;

#[derive(Default)]
pub struct PageCache {
    entries: Mutex<HashMap<i64, (u64, Instant, Bytes)>>,
}

impl PageCache {
    pub fn get(&self, page: i64, generation: u64) -> Option<Bytes> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match entries.get(&page) {
            Some((g, at, html)) if *g == generation && at.elapsed() < TTL => Some(html.clone()),
            _ => None,
        }
    }

    pub fn put(&self, page: i64, generation: u64, html: Bytes) {
        if page > CACHED_PAGES {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.insert(page, (generation, Instant::now(), html));
    }
}
