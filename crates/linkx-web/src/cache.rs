//! A small cache of rendered HTML: listing pages (the home page is the hottest page of a news
//! site), comment threads and article pages (the same for every reader who has not commented;
//! an article page's form token is put in as it is served).
//!
//! An entry is valid while nothing was written through this process's store since it was
//! rendered, and for at most `TTL`, which bounds staleness from writers in other processes
//! (`linkx poll` or `linkx comments approve` run beside `linkx serve`).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(10);

pub struct RenderCache<K, V> {
    capacity: usize,
    entries: Mutex<HashMap<K, (u64, Instant, V)>>,
}

impl<K: Hash + Eq, V: Clone> RenderCache<K, V> {
    /// Holds at most `capacity` entries; when full, entries from older generations go first,
    /// then everything (a burst of distinct keys must not grow memory without bound).
    pub fn new(capacity: usize) -> Self {
        RenderCache {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &K, generation: u64) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match entries.get(key) {
            Some((g, at, value)) if *g == generation && at.elapsed() < TTL => Some(value.clone()),
            _ => None,
        }
    }

    pub fn put(&self, key: K, generation: u64, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, (g, at, _)| *g == generation && at.elapsed() < TTL);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (generation, Instant::now(), value));
    }
}
