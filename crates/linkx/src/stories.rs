//! The story stage of the pipeline: places each new article in a story (or starts one), marks
//! near-copies and keeps each story's original, with the clustering engine of `linkx-cluster`.
//!
//! The engine is derived state: rebuilt from the store's recent articles when a process starts.

use linkx_cluster::{Clusterer, Config, Item};
use linkx_store::{Ingested, NewArticle, Store, StoreError, StoryAssignment};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

/// How far back the engine is rebuilt: stories older than the clustering window are closed.
const REBUILD_WINDOW_SECS: i64 = 3 * 86_400;

/// A long-running process rebuilds its engine this often, so closed stories leave memory.
const REFRESH_AFTER_SECS: i64 = 86_400;

pub struct StoryDesk {
    engine: Mutex<Clusterer>,
    /// When the engine was last rebuilt from the store (Unix seconds).
    loaded_at: AtomicI64,
}

fn item(id: i64, title: &str, text: &str, published: i64, source: &str) -> Item {
    Item {
        id: id.to_string(),
        title: title.to_string(),
        text: text.to_string(),
        published: Some(published),
        source: Some(source.to_string()),
    }
}

async fn build(store: &Store, now: i64) -> Result<Clusterer, StoreError> {
    let mut engine = Clusterer::new(Config::default());
    for a in store
        .recent_for_clustering(now - REBUILD_WINDOW_SECS)
        .await?
    {
        let story = u64::try_from(a.story_id).unwrap_or_default();
        engine.restore(
            &item(a.id, &a.title, &a.body_text, a.published_at, &a.source_name),
            story,
        );
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
        self.engine.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Assigns the newly stored articles of one ingest to stories and records the decisions.
    pub async fn assign(
        &self,
        store: &Store,
        articles: &[NewArticle],
        ingested: &Ingested,
        source_name: &str,
    ) -> Result<(), StoreError> {
        let decisions: Vec<StoryAssignment> = {
            let mut engine = self.engine.lock().unwrap_or_else(|p| p.into_inner());
            ingested
                .new_ids
                .iter()
                .filter_map(|&(index, id)| articles.get(index).map(|a| (a, id)))
                .map(|(a, id)| {
                    let placed = engine.assign_as(
                        &item(id, &a.title, &a.body_text, a.published_at, source_name),
                        id as u64,
                    );
                    let parse = |s: Option<&String>| s.and_then(|s| s.parse::<i64>().ok());
                    StoryAssignment {
                        article_id: id,
                        story_id: i64::try_from(placed.story).unwrap_or(id),
                        duplicate_of: parse(placed.duplicate_of.as_ref()),
                        original_id: parse(placed.original.as_ref()).unwrap_or(id),
                    }
                })
                .collect()
        };
        store.assign_stories(&decisions).await
    }
}
