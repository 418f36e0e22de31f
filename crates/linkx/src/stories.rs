//! The story stage of the pipeline: places each new article in a story (or starts one), marks
//! near-copies and keeps each story's original, with the clustering engine of `linkx-cluster`.
//!
//! The engine is derived state: rebuilt from the store's recent articles when a process starts,
//! and, before each assignment, given the articles other processes (workers sharing the store)
//! placed since, so copies and follow-ups join their stories whichever worker fetched them.

use linkx_cluster::{Clusterer, Config, Item};
use linkx_store::{
    Ingested, NewArticle, Store, StoreError, StoryAssignment, StoryMerge, StorySplit,
};
use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

/// How far back the engine is rebuilt: stories older than the clustering window are closed.
const REBUILD_WINDOW_SECS: i64 = 3 * 86_400;

/// A long-running process rebuilds its engine this often, so closed stories leave memory.
const REFRESH_AFTER_SECS: i64 = 86_400;

pub struct StoryDesk {
    engine: Mutex<Engine>,
    /// When the engine was last rebuilt from the store (Unix seconds).
    loaded_at: AtomicI64,
}

/// The clustering engine and the articles it holds.
struct Engine {
    clusterer: Clusterer,
    /// Ids of the articles in `clusterer`, so one placed elsewhere is added once.
    known: HashSet<i64>,
    /// The highest id known: the next catch-up reads from a little below it.
    newest: i64,
}

/// Ids re-read below the newest known one: on PostgreSQL an article can be placed (committed)
/// after one with a higher id.
const CATCH_UP_OVERLAP: i64 = 1_000;

fn item(id: i64, title: &str, text: &str, published: i64, source: &str) -> Item {
    Item {
        id: id.to_string(),
        title: title.to_string(),
        text: text.to_string(),
        published: Some(published),
        source: Some(source.to_string()),
    }
}

impl Engine {
    fn restore(&mut self, a: &linkx_store::ClusterInput) {
        if !self.known.insert(a.id) {
            return;
        }
        self.newest = self.newest.max(a.id);
        let story = u64::try_from(a.story_id).unwrap_or_default();
        self.clusterer.restore(
            &item(a.id, &a.title, &a.body_text, a.published_at, &a.source_name),
            story,
        );
    }
}

async fn build(store: &Store, now: i64) -> Result<Engine, StoreError> {
    let mut engine = Engine {
        clusterer: Clusterer::new(Config::default()).naming_stories_after_items(),
        known: HashSet::new(),
        newest: 0,
    };
    for a in store
        .recent_for_clustering(now - REBUILD_WINDOW_SECS)
        .await?
    {
        engine.restore(&a);
    }
    Ok(engine)
}

impl StoryDesk {
    /// Rebuilds the engine from the articles of the last few days, keeping their stories.
    pub async fn load(store: &Store, now: i64) -> Result<StoryDesk, StoreError> {
        Ok(StoryDesk {
            engine: Mutex::new(build(store, now).await?),
            loaded_at: AtomicI64::new(now),
        })
    }

    /// Rebuilds the engine when it is a day old. Call it before storing new articles: a
    /// rebuild reads the store, and articles stored but not yet assigned would enter twice.
    pub async fn refresh_if_stale(&self, store: &Store, now: i64) -> Result<(), StoreError> {
        if now - self.loaded_at.load(Ordering::Acquire) < REFRESH_AFTER_SECS {
            return Ok(());
        }
        let fresh = build(store, now).await?;
        *self.engine.lock().unwrap_or_else(|p| p.into_inner()) = fresh;
        self.loaded_at.store(now, Ordering::Release);
        Ok(())
    }

    /// Articles the engine currently holds.
    pub fn indexed(&self) -> usize {
        self.engine
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clusterer
            .len()
    }

    /// Adds what other processes placed since the engine last looked. Articles stored but not
    /// yet placed (this process's, between storing and assigning) are left out: their own
    /// assignment adds them.
    async fn catch_up(&self, store: &Store) -> Result<(), StoreError> {
        let (after, since) = {
            let engine = self.engine.lock().unwrap_or_else(|p| p.into_inner());
            let since = self.loaded_at.load(Ordering::Acquire) - REBUILD_WINDOW_SECS;
            ((engine.newest - CATCH_UP_OVERLAP).max(0), since)
        };
        let placed = store.placed_since(after, since).await?;
        let mut engine = self.engine.lock().unwrap_or_else(|p| p.into_inner());
        for a in &placed {
            engine.restore(a);
        }
        Ok(())
    }

    /// Assigns the newly stored articles of one ingest to stories and records the decisions,
    /// with the stories a new article bridged into its own and the stories that, once it
    /// joined, split in two. Returns the articles those merges and splits moved (already placed
    /// ones, whose search documents now name another story).
    ///
    /// Another worker's engine learns of a split only when it is next rebuilt: until then it
    /// may place a report of the split-off event in the story it left.
    pub async fn assign(
        &self,
        store: &Store,
        articles: &[NewArticle],
        ingested: &Ingested,
        source_name: &str,
    ) -> Result<Vec<i64>, StoreError> {
        if ingested.new_ids.is_empty() {
            return Ok(Vec::new());
        }
        self.catch_up(store).await?;
        let mut merges: Vec<StoryMerge> = Vec::new();
        let mut splits: Vec<StorySplit> = Vec::new();
        let mut decisions: Vec<StoryAssignment> = {
            let mut engine = self.engine.lock().unwrap_or_else(|p| p.into_inner());
            let engine = &mut *engine;
            ingested
                .new_ids
                .iter()
                .filter_map(|&(index, id)| articles.get(index).map(|a| (a, id)))
                .map(|(a, id)| {
                    engine.known.insert(id);
                    engine.newest = engine.newest.max(id);
                    let placed = engine.clusterer.assign_as(
                        &item(id, &a.title, &a.body_text, a.published_at, source_name),
                        id as u64,
                    );
                    let parse = |s: Option<&String>| s.and_then(|s| s.parse::<i64>().ok());
                    let story_id = i64::try_from(placed.story).unwrap_or(id);
                    merges.extend(placed.merged.iter().filter_map(|&from| {
                        let from = i64::try_from(from).ok()?;
                        Some(StoryMerge {
                            from,
                            into: story_id,
                        })
                    }));
                    splits.extend(placed.splits.iter().filter_map(|split| {
                        Some(StorySplit {
                            from: i64::try_from(split.from).ok()?,
                            story: i64::try_from(split.story).ok()?,
                            articles: split.items.iter().filter_map(|i| i.parse().ok()).collect(),
                        })
                    }));
                    StoryAssignment {
                        article_id: id,
                        story_id,
                        duplicate_of: parse(placed.duplicate_of.as_ref()),
                        original_id: parse(placed.original.as_ref()).unwrap_or(id),
                    }
                })
                .collect()
        };
        // Articles of this batch that a later split moved go to their new story.
        for split in &splits {
            let leaving: HashSet<i64> = split.articles.iter().copied().collect();
            for decision in decisions.iter_mut() {
                if leaving.contains(&decision.article_id) {
                    decision.story_id = split.story;
                }
            }
        }
        store.place_stories(&decisions, &merges, &splits).await
    }
}
